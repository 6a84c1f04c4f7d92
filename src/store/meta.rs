//! Small key/value state: the daemon's heartbeat, read by `status`.

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;

/// What a running daemon last said about itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Heartbeat {
    pub pid: u32,
    pub started_at: i64,
    pub at: i64,
    pub last_poll_at: Option<i64>,
    /// Set when the daemon stopped cleanly.
    #[serde(default)]
    pub stopped_at: Option<i64>,
    /// Log lines the daemon could not write to stderr so far (closed or full log pipe).
    #[serde(default)]
    pub log_lines_dropped: u64,
}

const HEARTBEAT: &str = "heartbeat";

pub fn write_heartbeat(conn: &Connection, h: &Heartbeat) -> Result<()> {
    let json = serde_json::to_string(h).map_err(|e| super::StoreError::Invalid(e.to_string()))?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
        params![HEARTBEAT, json],
    )?;
    Ok(())
}

pub fn heartbeat(conn: &Connection) -> Result<Option<Heartbeat>> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [HEARTBEAT], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Totals for `status` and the systemd STATUS line: (feeds, articles, versions, erroring feeds: last poll failed).
pub fn totals(conn: &Connection) -> Result<(i64, i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM feeds WHERE active = 1), (SELECT COUNT(*) FROM articles), \
                (SELECT COUNT(*) FROM versions), \
                (SELECT COUNT(*) FROM feeds WHERE active = 1 AND error_streak > 0)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}
