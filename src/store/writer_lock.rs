//! One poller per database: `redline run` and `redline poll` hold an exclusive advisory lock on
//! `<db>.lock` for their whole life. Two pollers on one database would each fetch the same new
//! versions and each deliver their alerts, so receivers got most alerts twice.
//!
//! The lock is `flock`-style (`File::try_lock`): the kernel drops it when the process dies,
//! SIGKILL included, so a crash never leaves a stale lock behind. The file holds the holder's
//! PID only to name it in the refusal; the PID is never trusted for the decision itself.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another redline ({holder}) is polling this database; wait for it to finish or stop it \
         (lock file {path})"
    )]
    Held { holder: String, path: PathBuf },
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held for as long as this value lives; dropping it (or dying) releases the lock.
#[derive(Debug)]
pub struct PollerLock {
    _file: File,
}

pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Who holds a database's poller lock, as `status` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// Nobody: no `run` or `poll` is alive on this database, whatever the heartbeat says.
    Free,
    /// A live process holds it; the PID it wrote, when readable.
    Held { pid: Option<u32> },
    /// The lock file cannot be read (permissions): the caller falls back to the heartbeat.
    Unknown,
}

/// Looks at the lock without keeping it. It takes a shared lock for an instant, which a
/// starting poller's [`acquire`] waits out (see `RETRIES`); it never creates the file, so it
/// works on a read-only directory.
pub fn probe(db: &Path) -> Holder {
    let path = lock_path(db);
    let file = match File::open(&path) {
        Ok(f) => f,
        // Every poller creates the file before locking it: none ever ran here.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Holder::Free,
        Err(_) => return Holder::Unknown,
    };
    match file.try_lock_shared() {
        Ok(()) => Holder::Free,
        Err(TryLockError::WouldBlock) => Holder::Held {
            pid: read_pid(&file),
        },
        Err(TryLockError::Error(_)) => Holder::Unknown,
    }
}

fn read_pid(file: &File) -> Option<u32> {
    let mut text = String::new();
    // The holder's PID is informative; a torn or empty file is `None`.
    let _ = file.take(32).read_to_string(&mut text);
    text.trim().parse().ok()
}

/// Attempts before `acquire` gives up, `RETRY_WAIT` apart: a `status` probing the lock holds
/// it shared for microseconds, and a daemon starting just then must not be refused.
const RETRIES: u32 = 10;
const RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// Takes the database's poller lock without waiting for another poller.
pub fn acquire(db: &Path) -> Result<PollerLock, LockError> {
    let path = lock_path(db);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    // Not truncated on open: truncating before we hold the lock would wipe the holder's PID.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let mut attempt = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if attempt + 1 < RETRIES => {
                attempt += 1;
                std::thread::sleep(RETRY_WAIT);
            }
            Err(TryLockError::WouldBlock) => {
                // A torn or empty file still refuses.
                let holder = match read_pid(&file) {
                    Some(pid) => format!("pid {pid}"),
                    None => "unknown pid".to_string(),
                };
                return Err(LockError::Held {
                    holder,
                    path: path.clone(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
    }
    file.set_len(0).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(PollerLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_named_until_the_first_drops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("redline.db");
        let first = acquire(&db).expect("first lock");
        let err = acquire(&db).expect_err("second lock must be refused");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert_eq!(
            probe(&db),
            Holder::Held {
                pid: Some(std::process::id())
            }
        );
        drop(first);
        assert_eq!(probe(&db), Holder::Free);
        acquire(&db).expect("lock free again after drop");
    }

    #[test]
    fn probe_of_a_database_never_polled_is_free_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("redline.db");
        assert_eq!(probe(&db), Holder::Free);
        assert!(!lock_path(&db).exists());
    }
}
