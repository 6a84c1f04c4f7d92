//! Where log lines and the CLI's stderr messages go: a bounded queue drained by one writer
//! thread, so that a log pipe that is closed (`redline run 2>&1 | head`) or full (nobody
//! reads it) never blocks or kills the thread that logged.
//!
//! Before this, the tracing writer wrote to stderr in the logging thread and, on a write error,
//! tracing-subscriber reported it with `eprintln!`, which panics on a closed pipe. The panic
//! hit whichever task logged next: the signal task died between "stop signal received" and
//! cancelling the shutdown token (so SIGTERM was ignored) and every poll task died after its
//! commit (see #12). A full pipe was worse: the write blocked a runtime worker for good.
//!
//! Now a line that cannot be queued (the writer is stuck behind a full pipe) or written (the
//! pipe is closed) is dropped and counted; [`dropped`] is the count, which the daemon's
//! heartbeat carries to `status`. Nothing here knows about tracing beyond [`StderrSink`].

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

/// Lines waiting for the writer thread at most; more are dropped. About 250 KB of typical log
/// lines: a burst at debug level fits, a reader that never comes does not cost more.
pub const QUEUE_LINES: usize = 1024;

static QUEUE: OnceLock<Option<SyncSender<Vec<u8>>>> = OnceLock::new();
/// Lines handed to the writer thread.
static QUEUED: AtomicU64 = AtomicU64::new(0);
/// Lines the writer thread is done with (written or failed).
static HANDLED: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Log lines (and stderr messages) lost so far in this process: the queue was full or stderr
/// refused the write.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Queues one complete line (with its newline) for stderr, never blocking.
pub fn submit(line: Vec<u8>) {
    let queue = QUEUE.get_or_init(spawn_writer);
    let Some(tx) = queue else {
        // No writer thread (the system refused one): write here, still without panicking.
        if std::io::stderr().write_all(&line).is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
        return;
    };
    QUEUED.fetch_add(1, Ordering::Relaxed);
    match tx.try_send(line) {
        Ok(()) => {}
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            QUEUED.fetch_sub(1, Ordering::Relaxed);
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Waits (at most `timeout`) until every queued line has been written or given up on; called
/// before the process exits so a short command's last messages are not lost. Bounded, since
/// behind a full pipe the writer may never finish.
pub fn flush(timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while HANDLED.load(Ordering::Acquire) < QUEUED.load(Ordering::Acquire)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn_writer() -> Option<SyncSender<Vec<u8>>> {
    let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE_LINES);
    std::thread::Builder::new()
        .name("redline-stderr".into())
        .spawn(move || {
            let mut err = std::io::stderr();
            for line in rx {
                if err.write_all(&line).is_err() {
                    DROPPED.fetch_add(1, Ordering::Relaxed);
                }
                HANDLED.fetch_add(1, Ordering::Release);
            }
        })
        .ok()?;
    Some(tx)
}

/// A `tracing_subscriber` writer that hands each event to the queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrSink;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrSink {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(Vec::new())
    }
}

/// Collects one event's bytes and queues them when dropped; its writes never fail.
#[derive(Debug)]
pub struct LineWriter(Vec<u8>);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            submit(std::mem::take(&mut self.0));
        }
    }
}

/// `eprintln!` through the queue: never panics, never blocks.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::logsink::submit(line.into_bytes());
    }};
}
