//! Outbox rows: alerts written with their change, delivered later by `alert::dispatch`.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Result;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub change_id: Option<i64>,
    pub alert: String,
    #[serde(skip)]
    pub payload: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
    pub failed: bool,
    /// Held back by the alert's `max_per_hour`: goes out in one digest with the others.
    pub folded: bool,
}

const COLUMNS: &str = "id, change_id, alert, payload, created_at, attempts, next_attempt_at, \
    delivered_at, last_error, failed, folded";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        change_id: r.get(1)?,
        alert: r.get(2)?,
        payload: r.get(3)?,
        created_at: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        delivered_at: r.get(7)?,
        last_error: r.get(8)?,
        failed: r.get(9)?,
        folded: r.get(10)?,
    })
}

/// Rows of `alert` created since `since_ms` that were not folded: what `max_per_hour` counts.
pub fn recent_unfolded(conn: &Connection, alert: &str, since_ms: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM outbox WHERE alert = ?1 AND created_at >= ?2 AND folded = 0",
        )?
        .query_row(params![alert, since_ms], |r| r.get(0))?)
}

/// Marks a row as held back by the rate limit (see `alert::enqueue`).
pub fn set_folded(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("UPDATE outbox SET folded = 1 WHERE id = ?1", [id])?;
    Ok(())
}

pub fn insert(
    conn: &Connection,
    change_id: Option<i64>,
    alert: &str,
    payload: &str,
    now_ms: i64,
    due_ms: i64,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO outbox (change_id, alert, payload, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![change_id, alert, payload, now_ms, due_ms],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Undelivered, not parked rows whose time has come, oldest first.
pub fn due(conn: &Connection, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE delivered_at IS NULL AND failed = 0 \
         AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![now_ms, limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Undelivered rows of one alert that are part of the same digest window (due by `until`).
pub fn pending_for_alert(conn: &Connection, alert: &str, until_ms: i64) -> Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE alert = ?1 AND delivered_at IS NULL AND failed = 0 \
         AND next_attempt_at <= ?2 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map(params![alert, until_ms], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// When the next undelivered row falls due.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE delivered_at IS NULL AND failed = 0",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

pub fn mark_delivered(conn: &Connection, id: i64, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

pub fn mark_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    next_attempt_ms: i64,
    max_attempts: u32,
) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3, \
         failed = CASE WHEN attempts + 1 >= ?4 THEN 1 ELSE 0 END WHERE id = ?1",
        params![id, error, next_attempt_ms, max_attempts],
    )?;
    Ok(())
}

/// Which rows `alerts list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    All,
    Pending,
    Failed,
}

pub fn list(conn: &Connection, which: Listing, limit: i64) -> Result<Vec<OutboxRow>> {
    let cond = match which {
        Listing::All => "1 = 1",
        Listing::Pending => "delivered_at IS NULL AND failed = 0",
        Listing::Failed => "delivered_at IS NULL AND (failed = 1 OR attempts > 0)",
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE {cond} ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt
        .query_map([limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Makes undelivered rows due now (one, or all that failed); returns how many.
pub fn retry(conn: &Connection, id: Option<i64>, now_ms: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET failed = 0, attempts = 0, next_attempt_at = ?2 WHERE delivered_at IS NULL \
         AND (?1 IS NULL OR id = ?1) AND (?1 IS NOT NULL OR failed = 1 OR attempts > 0)",
        params![id, now_ms],
    )?)
}

/// The newest payloads of one alert (for the Atom sink's file), newest first.
pub fn recent_payloads(conn: &Connection, alert: &str, limit: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt =
        conn.prepare("SELECT id, payload FROM outbox WHERE alert = ?1 ORDER BY id DESC LIMIT ?2")?;
    let rows = stmt
        .query_map(params![alert, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// (pending, failed) counts for `status`.
pub fn counts(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(delivered_at IS NULL AND failed = 0), 0), COALESCE(SUM(failed = 1), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
