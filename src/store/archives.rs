//! Archived copies of versions and the posts made about articles (migration 0015). The
//! archive requests themselves travel through the outbox (`archive::enqueue`); this module
//! only records where they stand, and is what `versions`, `show`, `diff`, alerts and the web
//! UI read the capture links from.

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;

/// Where the archived copy of one version stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveRow {
    pub version_id: i64,
    /// Base URL of the archive (`https://web.archive.org`).
    pub service: String,
    /// The capture job while it runs; cleared when it ends.
    pub job_id: Option<String>,
    pub requested_at: Option<i64>,
    /// The capture's address, once it succeeded.
    pub capture_url: Option<String>,
    /// The archive's 14-digit timestamp of the capture (YYYYMMDDHHMMSS).
    pub capture_ts: Option<String>,
    pub captured_at: Option<i64>,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "version_id, service, job_id, requested_at, capture_url, capture_ts, captured_at, last_error";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArchiveRow> {
    Ok(ArchiveRow {
        version_id: r.get(0)?,
        service: r.get(1)?,
        job_id: r.get(2)?,
        requested_at: r.get(3)?,
        capture_url: r.get(4)?,
        capture_ts: r.get(5)?,
        captured_at: r.get(6)?,
        last_error: r.get(7)?,
    })
}

pub fn get(conn: &Connection, version_id: i64) -> Result<Option<ArchiveRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM version_archives WHERE version_id = ?1"
        ))?
        .query_row([version_id], from_row)
        .optional()?)
}

/// The archive state of version `seq` of an article, if it was ever asked for.
pub fn for_version(conn: &Connection, article_id: i64, seq: i64) -> Result<Option<ArchiveRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM version_archives WHERE version_id = \
             (SELECT id FROM versions WHERE article_id = ?1 AND seq = ?2)"
        ))?
        .query_row(params![article_id, seq], from_row)
        .optional()?)
}

/// Every archived (or asked-for) version of an article, by seq: what `versions` and the web
/// UI list.
pub fn for_article(conn: &Connection, article_id: i64) -> Result<Vec<(i64, ArchiveRow)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.seq, a.version_id, a.service, a.job_id, a.requested_at, a.capture_url, \
         a.capture_ts, a.captured_at, a.last_error FROM version_archives a \
         JOIN versions v ON v.id = a.version_id WHERE v.article_id = ?1 ORDER BY v.seq",
    )?;
    let rows = stmt
        .query_map([article_id], |r| {
            Ok((
                r.get(0)?,
                ArchiveRow {
                    version_id: r.get(1)?,
                    service: r.get(2)?,
                    job_id: r.get(3)?,
                    requested_at: r.get(4)?,
                    capture_url: r.get(5)?,
                    capture_ts: r.get(6)?,
                    captured_at: r.get(7)?,
                    last_error: r.get(8)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Records a capture job that was started (written before its status is asked for, so a
/// crash in between resumes the job instead of starting another).
pub fn set_job(
    conn: &Connection,
    version_id: i64,
    service: &str,
    job_id: &str,
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO version_archives (version_id, service, job_id, requested_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (version_id) DO UPDATE SET service = ?2, \
         job_id = ?3, requested_at = ?4, last_error = NULL",
        params![version_id, service, job_id, now_ms],
    )?;
    Ok(())
}

pub fn set_captured(
    conn: &Connection,
    version_id: i64,
    service: &str,
    capture_url: &str,
    capture_ts: &str,
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO version_archives (version_id, service, capture_url, capture_ts, captured_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (version_id) DO UPDATE SET service = ?2, \
         job_id = NULL, capture_url = ?3, capture_ts = ?4, captured_at = ?5, last_error = NULL",
        params![version_id, service, capture_url, capture_ts, now_ms],
    )?;
    Ok(())
}

/// A job that ended in an error: the next attempt starts a new capture.
pub fn set_failed(conn: &Connection, version_id: i64, service: &str, error: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO version_archives (version_id, service, last_error) VALUES (?1, ?2, ?3) \
         ON CONFLICT (version_id) DO UPDATE SET job_id = NULL, last_error = ?3",
        params![version_id, service, error],
    )?;
    Ok(())
}

/// One post made about an article on a social sink.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PostRow {
    pub article_id: i64,
    pub alert: String,
    pub change_id: Option<i64>,
    pub post_id: String,
    pub post_cid: Option<String>,
    pub root_id: Option<String>,
    pub root_cid: Option<String>,
    pub url: Option<String>,
    pub posted_at: i64,
}

pub fn insert_post(conn: &Connection, p: &PostRow) -> Result<()> {
    conn.execute(
        "INSERT INTO article_posts (article_id, alert, change_id, post_id, post_cid, root_id, \
         root_cid, url, posted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            p.article_id,
            p.alert,
            p.change_id,
            p.post_id,
            p.post_cid,
            p.root_id,
            p.root_cid,
            p.url,
            p.posted_at
        ],
    )?;
    Ok(())
}

/// The last post an alert made about an article: the next one replies to it.
pub fn last_post(conn: &Connection, article_id: i64, alert: &str) -> Result<Option<PostRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT article_id, alert, change_id, post_id, post_cid, root_id, root_cid, url, \
             posted_at FROM article_posts WHERE article_id = ?1 AND alert = ?2 \
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![article_id, alert], |r| {
            Ok(PostRow {
                article_id: r.get(0)?,
                alert: r.get(1)?,
                change_id: r.get(2)?,
                post_id: r.get(3)?,
                post_cid: r.get(4)?,
                root_id: r.get(5)?,
                root_cid: r.get(6)?,
                url: r.get(7)?,
                posted_at: r.get(8)?,
            })
        })
        .optional()?)
}

/// Posts of one article (every alert), oldest first, for the web UI.
pub fn posts_for_article(conn: &Connection, article_id: i64) -> Result<Vec<PostRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT article_id, alert, change_id, post_id, post_cid, root_id, root_cid, url, \
         posted_at FROM article_posts WHERE article_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([article_id], |r| {
            Ok(PostRow {
                article_id: r.get(0)?,
                alert: r.get(1)?,
                change_id: r.get(2)?,
                post_id: r.get(3)?,
                post_cid: r.get(4)?,
                root_id: r.get(5)?,
                root_cid: r.get(6)?,
                url: r.get(7)?,
                posted_at: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Whether a capture request for version `seq` of an article is still in the outbox (neither
/// delivered nor given up).
pub fn capture_pending(conn: &Connection, article_id: i64, seq: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE alert = '@archive' AND delivered_at IS NULL AND failed = 0 \
             AND json_extract(payload, '$.data.version_id') = \
             (SELECT id FROM versions WHERE article_id = ?1 AND seq = ?2) LIMIT 1",
        )?
        .query_row(params![article_id, seq], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether this change was already posted by this alert (a delivery whose success could not
/// be recorded must not post twice).
pub fn change_posted(conn: &Connection, alert: &str, change_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM article_posts WHERE alert = ?1 AND change_id = ?2")?
        .query_row(params![alert, change_id], |_| Ok(()))
        .optional()?
        .is_some())
}
