//! The SQLite store: opening, pragmas, embedded migrations, and the one-transaction write path.
//!
//! rusqlite blocks, so the `Connection` sits in a `std::sync::Mutex` and is only locked inside
//! synchronous code (callers in async code go through `spawn_blocking`); the lock is never held
//! across an `.await`. WAL lets readers (the CLI) work while the daemon writes.

pub mod archives;
pub mod articles;
pub mod changes;
pub mod feeds;
pub mod meta;
pub mod outbox;
pub mod search;
pub mod writer_lock;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, Transaction};

/// Numbered migrations, applied in order at open. Never edit a shipped one: add the next.
/// The position in this list is the schema version (`user_version`), not the file's number:
/// numbers were handed out to parallel branches and merged in the order they landed.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_delta_bodies.sql"),
    include_str!("migrations/0004_config_url.sql"),
    include_str!("migrations/0005_refused_extractions.sql"),
    include_str!("migrations/0006_simplified_diffs.sql"),
    include_str!("migrations/0007_feed_body_at.sql"),
    include_str!("migrations/0008_feed_parse_notes.sql"),
    include_str!("migrations/0009_article_search.sql"),
    include_str!("migrations/0010_feed_edit.sql"),
    include_str!("migrations/0011_stealth_evidence.sql"),
    include_str!("migrations/0012_watched_pages_alert_limits.sql"),
    include_str!("migrations/0013_feed_tombstones.sql"),
    include_str!("migrations/0014_notices.sql"),
    include_str!("migrations/0015_archives_posts.sql"),
    include_str!("migrations/0016_feed_schedule_indexes.sql"),
    include_str!("migrations/0017_claim_field.sql"),
    include_str!("migrations/0018_claim_kind_index.sql"),
    include_str!("migrations/0019_version_provenance.sql"),
    include_str!("migrations/0020_feeds_page_index.sql"),
    include_str!("migrations/0021_version_validators.sql"),
    include_str!("migrations/0022_version_search.sql"),
];

/// The largest body we agree to decompress: far above any real article, far below a bomb.
pub const MAX_BODY_DECOMPRESSED: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create directory {path} for the database: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "database {path} has schema version {found}, but this redline only knows up to {supported}: \
         it was written by a newer redline; upgrade redline or point --db at another file"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "database {path} has schema version {found}, but this redline reads version {supported}; \
         a read-only command does not upgrade it: run `redline run` or `redline feeds sync` once \
         to upgrade"
    )]
    TooOld {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("migration {number} failed: {source}")]
    Migration {
        number: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored body of version {0} is corrupt")]
    CorruptBody(i64),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A cheap, cloneable handle to the database.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// Small writes waiting for the next group commit (`write_grouped`).
    queued: Arc<Mutex<Vec<QueuedWrite>>>,
    path: PathBuf,
}

/// A write queued for a group commit.
type WriteJob = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

/// One small write waiting for a group commit, and where its outcome goes.
struct QueuedWrite {
    job: WriteJob,
    done: std::sync::mpsc::SyncSender<Result<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "database is not in WAL mode; readers may block the daemon");
        }
        // NORMAL under WAL: a power cut may lose the last transactions, never corrupt the file,
        // and a process crash (kill -9) loses nothing that was committed.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        migrate(&mut conn, path)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            queued: Arc::default(),
            path: path.to_path_buf(),
        })
    }

    /// Opens the database at `path` for reading only: nothing is created, migrated or written,
    /// so read commands work on a read-only file or directory (a copy, a backup, the systemd
    /// state directory seen by another user). A missing file reads as an empty database (an
    /// in-memory one with the current schema); a schema older than this binary is an error
    /// that says how to upgrade, never a migration.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            let mut conn = Connection::open_in_memory().map_err(open_err)?;
            migrate(&mut conn, path)?;
            conn.pragma_update(None, "query_only", true)
                .map_err(open_err)?;
            return Ok(Self {
                conn: Arc::new(Mutex::new(conn)),
                queued: Arc::default(),
                path: path.to_path_buf(),
            });
        }
        let conn = match open_read_only_conn(path, false) {
            Ok(c) => c,
            // Under WAL a reader needs the `-shm` index next to the file. When it does not
            // exist and cannot be created (read-only directory, or a directory of another
            // user), the first read fails with SQLITE_READONLY_DIRECTORY or _CANTINIT
            // (SQLite's "Read-Only Databases" rules, wal.html §8); `mode=ro` alone does not
            // help. `immutable=1` then reads the main file without shared memory or locks.
            // It ignores a `-wal` file, but with no `-shm` there is no live writer (the daemon
            // keeps one while it runs) and a cleanly closed database has folded its WAL back
            // into the file; a WAL left by a crash is said in the log.
            Err(StoreError::Open { source, .. }) if needs_shm(&source, path) => {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                    tracing::warn!(
                        wal = %PathBuf::from(&wal).display(),
                        "reading the database without its WAL (no -shm can be created here): \
                         changes committed since the last checkpoint are not shown"
                    );
                }
                open_read_only_conn(path, true)?
            }
            Err(e) => return Err(e),
        };
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        let supported = schema_version();
        if found > supported {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        if found < supported {
            return Err(StoreError::TooOld {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            queued: Arc::default(),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection (reads, or single statements).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        f(&conn)
    }

    /// Runs `f` in one transaction: committed if it returns Ok, rolled back otherwise.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs the small write `f` in a transaction it may share with other writes queued at the
    /// same time (group commit): whoever gets the connection next runs every queued write,
    /// each in its own savepoint, and commits once. At 100,000 feeds the warm cycle is 100,000
    /// one-row updates; one commit each was the daemon's bottleneck. `f` must be short and
    /// must not panic: a write that fails rolls back alone, and its error comes back here.
    pub fn write_grouped(
        &self,
        f: impl FnOnce(&Connection) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let (done, outcome) = std::sync::mpsc::sync_channel(1);
        self.queued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(QueuedWrite {
                job: Box::new(f),
                done,
            });
        {
            let mut conn = self.lock();
            // Ours may already have been run by the holder before us; then this is empty.
            let batch = std::mem::take(&mut *self.queued.lock().unwrap_or_else(|p| p.into_inner()));
            if !batch.is_empty() {
                run_group(&mut conn, batch);
            }
        }
        outcome.recv().unwrap_or_else(|_| {
            Err(StoreError::Invalid(
                "the group commit carrying this write was abandoned".into(),
            ))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction (rusqlite rolls
        // back on drop), so a poisoned mutex is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Size of the database file and its WAL, in bytes.
    pub fn size_bytes(&self) -> u64 {
        let main = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        main + std::fs::metadata(PathBuf::from(wal))
            .map(|m| m.len())
            .unwrap_or(0)
    }
}

/// Runs queued writes in one transaction, each in a savepoint, and tells each how it went.
fn run_group(conn: &mut Connection, batch: Vec<QueuedWrite>) {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            // Every queued write learns why, instead of finding its channel closed.
            for w in batch {
                let _ = w.done.send(Err(StoreError::Invalid(format!(
                    "group commit failed: {e}"
                ))));
            }
            return;
        }
    };
    let committed = (|| -> Result<()> {
        for w in batch {
            let sp = tx.savepoint()?;
            let out = (w.job)(&sp);
            match out {
                Ok(()) => sp.commit()?,
                // Dropping the savepoint rolls back this write only.
                Err(_) => drop(sp),
            }
            outcomes.push((w.done, out));
        }
        tx.commit()?;
        Ok(())
    })();
    for (done, out) in outcomes {
        let out = match &committed {
            Ok(()) => out,
            Err(e) => Err(StoreError::Invalid(format!("group commit failed: {e}"))),
        };
        // The caller waits on the other end; it can only be gone if its thread died.
        let _ = done.send(out);
    }
}

/// A read-only connection to `path`, checked by a real read (opening is lazy in SQLite).
fn open_read_only_conn(path: &Path, immutable: bool) -> Result<Connection> {
    use rusqlite::OpenFlags;
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut uri = String::from("file:");
    uri.push_str(&uri_path(path));
    uri.push_str(if immutable {
        "?mode=ro&immutable=1"
    } else {
        "?mode=ro"
    });
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(open_err)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(open_err)?;
    conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(open_err)?;
    Ok(conn)
}

/// Whether a read-only open failed because the WAL index could not be created: no `-shm`
/// exists. With one present (a live daemon's, unreadable to us) `immutable=1` could read pages
/// mid-checkpoint, so that error stands.
fn needs_shm(e: &rusqlite::Error, path: &Path) -> bool {
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    ) && !Path::new(&shm).exists()
}

/// `path` percent-encoded for a `file:` URI: `?`, `#` and `%` in a file name would otherwise
/// end the path or start an escape.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &b in std::os::unix::ffi::OsStrExt::as_bytes(abs.as_os_str()) {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The schema version this binary writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = schema_version();
    if current > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            supported,
        });
    }
    let mut applied = 0;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let number = i + 1;
        // IMMEDIATE, then re-read the version: another process (the daemon and a CLI command
        // started together) may have applied this migration while we waited for the lock.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now >= number as i64 {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", number as i64))
            .map_err(|source| StoreError::Migration { number, source })?;
        tx.commit()?;
        applied += 1;
        tracing::debug!(number, "applied database migration");
    }
    // One line, not one per migration: a new database would otherwise greet every first
    // command with a dozen of them.
    if applied > 0 {
        tracing::info!(
            applied,
            schema = supported,
            from = current,
            "database schema brought up to date"
        );
    }
    Ok(())
}

/// zstd level for bodies. Above 3 costs CPU on every new version for little: the big saving
/// comes from compressing against the previous version.
const ZSTD_LEVEL: i32 = 3;

thread_local! {
    // Building a zstd context per call was a tenth of a feed poll's CPU (BENCHMARKS.md).
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Compresses a body for storage, against `base` (an earlier version's text) when given.
/// An error fails the poll's transaction: an empty blob stored as the body would lose the
/// version's text for good. See: #10.
pub fn compress(text: &str, base: Option<&str>) -> Result<Vec<u8>> {
    let out = match base {
        Some(dict) => zstd::bulk::Compressor::with_dictionary(ZSTD_LEVEL, dict.as_bytes())
            .and_then(|mut c| c.compress(text.as_bytes())),
        None => COMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?);
            }
            match slot.as_mut() {
                Some(c) => c.compress(text.as_bytes()),
                None => zstd::bulk::compress(text.as_bytes(), ZSTD_LEVEL),
            }
        }),
    };
    // zstd fails only on allocation or bad parameters; fall back to a plain one-shot call
    // rather than lose a version.
    out.or_else(|_| zstd::bulk::compress(text.as_bytes(), 1))
        .map_err(|e| {
            StoreError::Invalid(format!(
                "cannot compress a {} byte body for storage: {e}",
                text.len()
            ))
        })
}

/// Decompresses a body stored by `compress` (with the same `base`).
pub fn decompress(version_id: i64, blob: &[u8], base: Option<&str>) -> Result<String> {
    let corrupt = |_| StoreError::CorruptBody(version_id);
    let bytes = match base {
        Some(dict) => zstd::bulk::Decompressor::with_dictionary(dict.as_bytes())
            .and_then(|mut d| d.decompress(blob, MAX_BODY_DECOMPRESSED))
            .map_err(corrupt)?,
        None => DECOMPRESSOR
            .with(|cell| {
                let mut slot = cell.borrow_mut();
                if slot.is_none() {
                    *slot = Some(zstd::bulk::Decompressor::new()?);
                }
                match slot.as_mut() {
                    Some(d) => d.decompress(blob, MAX_BODY_DECOMPRESSED),
                    None => zstd::bulk::decompress(blob, MAX_BODY_DECOMPRESSED),
                }
            })
            .map_err(corrupt)?,
    };
    String::from_utf8(bytes).map_err(|_| StoreError::CorruptBody(version_id))
}

/// Seconds since the Unix epoch, as stored.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Milliseconds since the Unix epoch (the outbox's clock).
pub fn unix_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes queued while another holds the connection share its next commit; each lands
    /// exactly once, and one that fails rolls back alone.
    #[test]
    fn grouped_writes_all_land_and_a_failing_one_rolls_back_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("redline.db")).expect("store");
        store
            .write(|tx| {
                tx.execute_batch(
                    "CREATE TABLE desk_tally (desk INTEGER PRIMARY KEY, stories INTEGER)",
                )?;
                Ok(())
            })
            .expect("table");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut errors = 0;
                    for k in 0..50 {
                        let desk = t * 100 + k;
                        let out = store.write_grouped(move |c| {
                            c.execute("INSERT INTO desk_tally VALUES (?1, 1)", [desk])?;
                            if desk % 25 == 7 {
                                // Written, then refused: the savepoint must undo the insert.
                                return Err(StoreError::Invalid(format!("desk {desk} refused")));
                            }
                            Ok(())
                        });
                        if let Err(e) = out {
                            assert!(e.to_string().contains("refused"), "{e}");
                            errors += 1;
                        }
                    }
                    errors
                })
            })
            .collect();
        let errors: i64 = threads.into_iter().map(|h| h.join().expect("thread")).sum();
        assert_eq!(errors, 8 * 2, "desks 7 and 32 of each thread are refused");
        let (rows, refused): (i64, i64) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE desk % 25 = 7) FROM desk_tally",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .expect("count");
        assert_eq!(rows, 8 * 50 - 16);
        assert_eq!(refused, 0);
    }

    /// A database written by a binary without migration 0019 keeps its versions readable:
    /// their HTTP status and extractor come back as not recorded, not as an error or a guess.
    #[test]
    fn versions_stored_before_0019_read_as_not_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.db");
        let before = MIGRATIONS
            .iter()
            .position(|m| m.contains("ADD COLUMN http_status"))
            .expect("0019 is listed");
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..before] {
                conn.execute_batch(sql).expect("old migration");
            }
            conn.pragma_update(None, "user_version", before as i64)
                .expect("version");
            let body = compress("The harbour reopened on Tuesday.", None).expect("compress");
            conn.execute_batch(
                "INSERT INTO feeds (id, url, source, created_at) VALUES (1, 'https://news.example/rss', 'cli', 0);
                 INSERT INTO articles (id, feed_id, guid, url, first_seen, last_seen)
                   VALUES (1, 1, 'g1', 'https://news.example/harbour', 0, 0);",
            )
            .expect("feed and article");
            conn.execute(
                "INSERT INTO versions (article_id, seq, fetched_at, source, url, title, body_zstd, \
                 body_chars, hash, typo_hash) VALUES (1, 1, 0, 'feed', \
                 'https://news.example/harbour', 'Harbour reopens', ?1, 32, 'h', 't')",
                [body],
            )
            .expect("old version");
        }
        let store = Store::open(&path).expect("migrate");
        let v = store
            .read(|c| articles::version(c, 1, 1))
            .expect("read")
            .expect("version 1");
        assert_eq!(v.body, "The harbour reopened on Tuesday.");
        assert_eq!(v.http_status, None);
        assert_eq!(v.extractor, None);
        assert_eq!(v.etag, None);
        assert_eq!(v.last_modified, None);
    }
}
