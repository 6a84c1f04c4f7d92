//! The sd_notify protocol in a few lines: READY, STATUS, WATCHDOG and STOPPING datagrams to
//! `$NOTIFY_SOCKET`. Without that variable (not under systemd) every call does nothing.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::{Duration, Instant};

/// A handle on the notification socket, if systemd gave us one.
#[derive(Debug)]
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
    last_ping: Option<Instant>,
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` (honouring `WATCHDOG_PID`).
    pub fn from_env() -> Self {
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|path| {
            let bytes = path.as_encoded_bytes();
            let addr = match bytes.first() {
                // A leading '@' names a socket in the abstract namespace (Linux).
                Some(b'@') => abstract_addr(&bytes[1..])?,
                _ => SocketAddr::from_pathname(std::path::Path::new(&path)).ok()?,
            };
            let sock = UnixDatagram::unbound().ok()?;
            Some((sock, addr))
        });
        let for_us = std::env::var("WATCHDOG_PID")
            .ok()
            .and_then(|p| p.parse::<u32>().ok())
            .is_none_or(|pid| pid == std::process::id());
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.parse::<u64>().ok())
            .filter(|u| *u > 0 && for_us)
            .map(Duration::from_micros);
        Self {
            target,
            watchdog,
            last_ping: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// The watchdog interval systemd expects pings within.
    pub fn watchdog(&self) -> Option<Duration> {
        self.target.as_ref().and(self.watchdog)
    }

    fn send(&self, message: &str) {
        if let Some((sock, addr)) = &self.target
            && let Err(e) = sock.send_to_addr(message.as_bytes(), addr)
        {
            tracing::debug!(error = %e, "sd_notify failed");
        }
    }

    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}\n", one_line(status)));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={}\n", one_line(status)));
    }

    pub fn reloading(&self) {
        self.send("RELOADING=1\n");
    }

    pub fn reloaded(&self) {
        self.send("READY=1\n");
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1\n");
    }

    /// Pings the watchdog if half its interval has passed. Call only when the loop is healthy:
    /// a loop that stops calling this gets restarted by systemd.
    pub fn watchdog_ping(&mut self) {
        let Some(interval) = self.watchdog() else {
            return;
        };
        if self.last_ping.is_none_or(|t| t.elapsed() >= interval / 2) {
            self.send("WATCHDOG=1\n");
            self.last_ping = Some(Instant::now());
        }
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &[u8]) -> Option<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name).ok()
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_name: &[u8]) -> Option<SocketAddr> {
    None
}
