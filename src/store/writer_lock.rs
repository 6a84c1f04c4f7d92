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

/// Takes the database's poller lock without waiting.
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
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            // The holder's PID is informative; a torn or empty file still refuses.
            let _ = file.take(32).read_to_string(&mut text);
            let holder = match text.trim().parse::<u32>() {
                Ok(pid) => format!("pid {pid}"),
                Err(_) => "unknown pid".to_string(),
            };
            return Err(LockError::Held {
                holder,
                path: path.clone(),
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
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
        drop(first);
        acquire(&db).expect("lock free again after drop");
    }
}
