//! The part both benches' `--rusage-wrap` modes share: run one program as this process's only
//! child, kill it past a timeout, and read its usage. With no other child, `RUSAGE_CHILDREN`
//! is exactly that program's usage, peak RSS included. Included with `#[path]`.

// Each bench reads the fields it reports: diff_worst has no use for CPU time.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;

/// What one child cost.
pub struct ChildUsage {
    pub wall_s: f64,
    pub user_s: f64,
    pub sys_s: f64,
    pub max_rss_kb: i64,
    /// Exit code; -1 killed by a signal, -2 timed out (and killed).
    pub code: i32,
}

/// Runs `program args` with stdout and stderr written to the two files.
pub fn run_child(
    stdout: &str,
    stderr: &str,
    program: &str,
    args: &[String],
    timeout: Duration,
) -> Result<ChildUsage, String> {
    let out = std::fs::File::create(stdout).map_err(|e| format!("cannot create {stdout}: {e}"))?;
    let err = std::fs::File::create(stderr).map_err(|e| format!("cannot create {stderr}: {e}"))?;
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code().unwrap_or(-1),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break -2;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let wall_s = start.elapsed().as_secs_f64();
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    Ok(ChildUsage {
        wall_s,
        user_s: secs(u.user_time()),
        sys_s: secs(u.system_time()),
        max_rss_kb: u.max_rss(),
        code,
    })
}

pub fn secs(t: nix::sys::time::TimeVal) -> f64 {
    t.num_microseconds() as f64 / 1e6
}
