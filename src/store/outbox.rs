//! Outbox rows: alerts written with their change, delivered later by `alert::dispatch`.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Result;

/// Where a delivery stands; the one vocabulary of `status`, `alerts list` and their JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not attempted yet.
    Pending,
    /// Failed at least once; will be tried again after its backoff.
    Retrying,
    Delivered,
    /// Failed `delivery.max_attempts` times (or its alert left the config): not tried again
    /// until `alerts retry`.
    GivenUp,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::GivenUp => "given up",
        }
    }

    /// The rows in this state, as SQL.
    fn condition(self) -> &'static str {
        match self {
            Self::Pending => "delivered_at IS NULL AND failed = 0 AND attempts = 0",
            Self::Retrying => "delivered_at IS NULL AND failed = 0 AND attempts > 0",
            Self::Delivered => "delivered_at IS NOT NULL",
            Self::GivenUp => "delivered_at IS NULL AND failed = 1",
        }
    }
}

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
    /// Given up: `max_attempts` used up. Shown as `state` in JSON.
    #[serde(skip)]
    pub failed: bool,
    /// Held back by the alert's `max_per_hour`: goes out in one digest with the others.
    pub folded: bool,
}

impl OutboxRow {
    pub fn state(&self) -> DeliveryState {
        if self.delivered_at.is_some() {
            DeliveryState::Delivered
        } else if self.failed {
            DeliveryState::GivenUp
        } else if self.attempts > 0 {
            DeliveryState::Retrying
        } else {
            DeliveryState::Pending
        }
    }
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

/// Puts every undelivered row of `alert` off until `until_ms` at the earliest, without
/// counting an attempt: the receiver rate-limited us, the rows did nothing wrong.
pub fn defer_alert(conn: &Connection, alert: &str, until_ms: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?2) \
         WHERE alert = ?1 AND delivered_at IS NULL AND failed = 0",
        params![alert, until_ms],
    )?)
}

/// Rows in `state` (all rows when `None`), newest first.
pub fn list(conn: &Connection, state: Option<DeliveryState>, limit: i64) -> Result<Vec<OutboxRow>> {
    list_page(conn, state, 0, limit)
}

/// `list` from the `offset`-th row on (paging).
pub fn list_page(
    conn: &Connection,
    state: Option<DeliveryState>,
    offset: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let cond = state.map_or("1 = 1", DeliveryState::condition);
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE {cond} ORDER BY id DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![limit, offset.max(0)], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<OutboxRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Makes undelivered rows due now (one, or all that are retrying or given up); returns how
/// many. Delivered rows are never sent again.
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

/// How many rows are in each undelivered state, for `status`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StateCounts {
    pub pending: i64,
    pub retrying: i64,
    pub given_up: i64,
}

pub fn counts(conn: &Connection) -> Result<StateCounts> {
    Ok(conn.query_row(
        &format!(
            "SELECT COALESCE(SUM({}), 0), COALESCE(SUM({}), 0), COALESCE(SUM({}), 0) FROM outbox",
            DeliveryState::Pending.condition(),
            DeliveryState::Retrying.condition(),
            DeliveryState::GivenUp.condition()
        ),
        [],
        |r| {
            Ok(StateCounts {
                pending: r.get(0)?,
                retrying: r.get(1)?,
                given_up: r.get(2)?,
            })
        },
    )?)
}

/// Pending rows held back by `max_per_hour` for the hourly digest (counted in `pending` too).
pub fn held_for_digest(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM outbox WHERE folded = 1 AND {}",
            DeliveryState::Pending.condition()
        ),
        [],
        |r| r.get(0),
    )?)
}

/// Rows deleted per transaction while pruning, so a large backlog never holds the write lock
/// for long (the poller and the dispatcher write between batches).
const PRUNE_BATCH: i64 = 5_000;

/// What one pruning pass removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PruneReport {
    /// Delivered rows older than `delivery.keep`.
    pub delivered: usize,
    /// Rows of alerts no longer in the config, per alert: (alert, rows, of which undelivered).
    pub removed_alerts: Vec<(String, usize, usize)>,
    /// Sample rows older versions of `alerts test` wrote (no change behind them), which put a
    /// fake entry in an Atom sink's file.
    pub test_rows: usize,
}

/// Deletes delivered rows delivered before `delivered_before_ms`, and, given `alerts`, every
/// row of an alert not in it. Each batch is its own short transaction.
pub fn prune(
    store: &super::Store,
    delivered_before_ms: i64,
    alerts: Option<&[&str]>,
) -> Result<PruneReport> {
    let mut report = PruneReport {
        test_rows: store
            // Archive requests (`@archive`) have no change behind them either, but are real.
            .write(|tx| {
                Ok(tx.execute(
                    "DELETE FROM outbox WHERE change_id IS NULL AND alert NOT LIKE '@%'",
                    [],
                )?)
            })?,
        ..PruneReport::default()
    };
    loop {
        let n = store.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
                 WHERE delivered_at IS NOT NULL AND delivered_at < ?1 LIMIT ?2)",
                params![delivered_before_ms, PRUNE_BATCH],
            )?)
        })?;
        report.delivered += n;
        if n < PRUNE_BATCH as usize {
            break;
        }
    }
    // Without the alert list (a config the caller does not trust to be the real one), rows of
    // unknown alerts are kept.
    let Some(alerts) = alerts else {
        return Ok(report);
    };
    let names: Vec<String> = store.read(|c| {
        let mut stmt = c.prepare("SELECT DISTINCT alert FROM outbox")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    })?;
    for name in names.into_iter().filter(|n| !alerts.contains(&n.as_str())) {
        let (mut rows, mut undelivered) = (0, 0);
        loop {
            let (n, u) = store.write(|tx| {
                let u: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM (SELECT delivered_at FROM outbox WHERE alert = ?1 \
                     ORDER BY id LIMIT ?2) WHERE delivered_at IS NULL",
                    params![name, PRUNE_BATCH],
                    |r| r.get(0),
                )?;
                let n = tx.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE alert = ?1 \
                     ORDER BY id LIMIT ?2)",
                    params![name, PRUNE_BATCH],
                )?;
                Ok((n, u as usize))
            })?;
            rows += n;
            undelivered += u;
            if n < PRUNE_BATCH as usize {
                break;
            }
        }
        report.removed_alerts.push((name, rows, undelivered));
    }
    Ok(report)
}
