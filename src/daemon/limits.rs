//! Process limits the daemon needs at scale.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Open files the daemon asks for: sockets in flight and kept idle for reuse, the database and
/// its WAL, the web UI's connections. The usual soft limit of 1,024 is too few for tens of
/// thousands of feeds on distinct hosts; most systems allow far more as the hard limit.
pub const WANTED_OPEN_FILES: u64 = 65_536;

/// Raises the soft limit on open files towards `WANTED_OPEN_FILES`, never above the hard
/// limit and never lower than it already is. Returns the (old, new) soft limit.
pub fn raise_open_files() -> Result<(u64, u64), nix::Error> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    let target = WANTED_OPEN_FILES.min(hard).max(soft);
    if target > soft {
        setrlimit(Resource::RLIMIT_NOFILE, target, hard)?;
    }
    Ok((soft, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_files_limit_only_ever_goes_up_and_stays_under_the_hard_limit() {
        let (before, after) = raise_open_files().expect("rlimit");
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
        assert_eq!(soft, after);
        assert!(after >= before);
        assert!(after <= hard);
        assert!(after >= WANTED_OPEN_FILES.min(hard));
        // A second call changes nothing.
        assert_eq!(raise_open_files().expect("again"), (after, after));
    }
}
