//! Feed rows: the configured and added feeds, their HTTP validators and their schedule state.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Result, StoreError};
use crate::config::FeedConfig;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedRow {
    pub id: i64,
    pub url: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub source: String,
    pub active: bool,
    pub interval_secs: Option<i64>,
    pub full_text: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub next_poll_at: Option<i64>,
    pub last_poll_at: Option<i64>,
    pub last_ok_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub error_streak: i64,
    /// Last time the feed answered with a body (not a 304).
    pub last_body_at: Option<i64>,
    pub created_at: i64,
    /// The encoding the last parsed document was read with.
    pub encoding: Option<String>,
    /// Why the last parsed document was read leniently (bozo); `None` when it was well-formed.
    pub parse_warning: Option<String>,
    /// `feed`, or `page` for one article page watched without a feed (`redline watch`).
    pub kind: String,
    /// Paused with `feeds edit --pause`: kept, not polled (feed nor pages) until resumed.
    pub paused: bool,
}

/// Seconds without a body after which a feed is fetched without validators.
pub const UNCONDITIONAL_AFTER: i64 = 86_400;

impl FeedRow {
    /// The name to show: the configured name, else the id (`f7`).
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| crate::ids::feed(self.id))
    }

    /// Whether the next fetch goes without validators: no body for `UNCONDITIONAL_AFTER`
    /// (a server that answers 304 to everything would otherwise never be read again).
    pub fn validators_stale(&self, now: i64) -> bool {
        now - self.last_body_at.unwrap_or(self.created_at) >= UNCONDITIONAL_AFTER
    }

    /// Polled successfully, but only ever answered 304: nothing of it was ever read.
    pub fn never_read(&self) -> bool {
        self.last_ok_at.is_some() && self.last_body_at.is_none()
    }

    /// A watched page (`redline watch`), not a feed document.
    pub fn is_page(&self) -> bool {
        self.kind == PAGE_KIND
    }

    pub fn interval(&self) -> Option<Duration> {
        self.interval_secs
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs)
    }
}

const COLUMNS: &str = "id, url, name, title, source, active, interval_secs, full_text, etag, \
    last_modified, body_hash, next_poll_at, last_poll_at, last_ok_at, last_error, last_error_at, \
    error_streak, last_body_at, created_at, encoding, parse_warning, kind, paused";

/// `feeds.kind` of a page watched on its own.
pub const PAGE_KIND: &str = "page";

fn from_row(r: &Row<'_>) -> rusqlite::Result<FeedRow> {
    Ok(FeedRow {
        id: r.get(0)?,
        url: r.get(1)?,
        name: r.get(2)?,
        title: r.get(3)?,
        source: r.get(4)?,
        active: r.get(5)?,
        interval_secs: r.get(6)?,
        full_text: r.get(7)?,
        etag: r.get(8)?,
        last_modified: r.get(9)?,
        body_hash: r.get(10)?,
        next_poll_at: r.get(11)?,
        last_poll_at: r.get(12)?,
        last_ok_at: r.get(13)?,
        last_error: r.get(14)?,
        last_error_at: r.get(15)?,
        error_streak: r.get(16)?,
        last_body_at: r.get(17)?,
        created_at: r.get(18)?,
        encoding: r.get(19)?,
        parse_warning: r.get(20)?,
        kind: r.get(21)?,
        paused: r.get(22)?,
    })
}

/// (id, name, interval_secs, full_text, active, source) of a feed row, for the config sync.
type ExistingFeed = (i64, Option<String>, Option<i64>, bool, bool, String);

/// What a config sync did.
#[derive(Debug, Default, PartialEq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub deactivated: usize,
    /// Config URLs not added back because they were removed with `feeds remove`.
    pub kept_removed: Vec<String>,
}

/// What a config sync would do, computed without writing (the hint of `poll` and `feeds list`).
#[derive(Debug, Default, PartialEq)]
pub struct SyncPlan {
    /// Indexes into the config's feed list.
    pub add: Vec<usize>,
    /// (feed id, config index) of rows whose settings differ from the config.
    pub update: Vec<(i64, usize)>,
    /// Active config feeds the config no longer lists.
    pub deactivate: Vec<i64>,
    /// Config URLs with a tombstone: removed with `feeds remove`, so not added back.
    pub kept_removed: Vec<String>,
}

impl SyncPlan {
    /// Whether the database already matches the config (tombstones are not a difference:
    /// they are the user's decision).
    pub fn is_in_sync(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.deactivate.is_empty()
    }
}

/// Compares the database's feeds with the config's `[[feed]]` list. Reads only.
pub fn plan_sync(conn: &Connection, feeds: &[FeedConfig]) -> Result<SyncPlan> {
    let mut plan = SyncPlan::default();
    // Sets, not lists: `contains` on a list made a sync of 100,000 feeds quadratic (minutes).
    let mut keep = HashSet::with_capacity(feeds.len());
    let mut lookup = conn.prepare_cached(
        "SELECT id, name, interval_secs, full_text, active, source FROM feeds \
         WHERE config_url = ?1 OR (config_url IS NULL AND url = ?1) \
         ORDER BY config_url IS NULL LIMIT 1",
    )?;
    for (i, f) in feeds.iter().enumerate() {
        let url = f.url.as_str();
        let interval = f.interval.map(|d| d.as_secs() as i64);
        let existing: Option<ExistingFeed> = lookup
            .query_row([url], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()?;
        match existing {
            None if is_tombstoned(conn, url)? => plan.kept_removed.push(url.to_string()),
            None => plan.add.push(i),
            Some((id, name, iv, ft, active, source)) => {
                if name != f.name
                    || iv != interval
                    || ft != f.full_text
                    || !active
                    || source != "config"
                {
                    plan.update.push((id, i));
                }
                keep.insert(id);
            }
        }
    }
    let mut stmt = conn.prepare("SELECT id FROM feeds WHERE source = 'config' AND active = 1")?;
    let active: Vec<i64> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    plan.deactivate = active.into_iter().filter(|id| !keep.contains(id)).collect();
    Ok(plan)
}

/// Makes the database's config feeds match the config's `[[feed]]` list. Feeds removed from
/// the config are deactivated, not deleted: their history stays readable. Feeds removed with
/// `feeds remove` (a tombstone) are not added back.
pub fn sync_config(conn: &Connection, feeds: &[FeedConfig], now: i64) -> Result<SyncReport> {
    let plan = plan_sync(conn, feeds)?;
    let updates: HashMap<usize, i64> = plan.update.iter().map(|&(id, i)| (i, id)).collect();
    let adds: HashSet<usize> = plan.add.iter().copied().collect();
    for (i, f) in feeds.iter().enumerate() {
        let update = updates.get(&i).copied();
        if update.is_none() && !adds.contains(&i) {
            continue;
        }
        let url = f.url.as_str();
        let interval = f.interval.map(|d| d.as_secs() as i64);
        if let Some(name) = &f.name {
            // A name taken by another feed would make the CLI ambiguous: free it only if that
            // feed is a config feed that is about to be renamed or deactivated.
            let holder: Option<(i64, String, String)> = conn
                .prepare_cached(
                    "SELECT id, COALESCE(config_url, url), source FROM feeds WHERE name = ?1",
                )?
                .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            if let Some((id, holder_url, source)) = holder
                && holder_url != url
            {
                if source == "cli" {
                    return Err(StoreError::Invalid(format!(
                        "feed name `{name}` in the config is already used by feed #{id} ({holder_url}) added with `feeds add`; rename one of them"
                    )));
                }
                conn.execute("UPDATE feeds SET name = NULL WHERE id = ?1", [id])?;
            }
        }
        match update {
            Some(id) => {
                conn.execute(
                    "UPDATE feeds SET name = ?2, interval_secs = ?3, full_text = ?4, active = 1, \
                     source = 'config', config_url = ?5 WHERE id = ?1",
                    params![id, f.name, interval, f.full_text, url],
                )?;
            }
            None => {
                conn.prepare_cached(
                    "INSERT INTO feeds (url, config_url, name, source, interval_secs, full_text, created_at) \
                     VALUES (?1, ?1, ?2, 'config', ?3, ?4, ?5)",
                )?
                .execute(params![url, f.name, interval, f.full_text, now])?;
            }
        }
    }
    for id in &plan.deactivate {
        conn.execute("UPDATE feeds SET active = 0 WHERE id = ?1", [id])?;
    }
    Ok(SyncReport {
        added: plan.add.len(),
        updated: plan.update.len(),
        deactivated: plan.deactivate.len(),
        kept_removed: plan.kept_removed,
    })
}

fn is_tombstoned(conn: &Connection, url: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM feed_tombstones WHERE url = ?1")?
        .query_row([url], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Forgets that these URLs were removed, so the next config sync adds them again.
pub fn clear_tombstones(conn: &Connection, urls: &[&str]) -> Result<usize> {
    let mut n = 0;
    for url in urls {
        n += conn.execute("DELETE FROM feed_tombstones WHERE url = ?1", [url])?;
    }
    Ok(n)
}

/// Adds a feed from the command line.
pub fn add(
    conn: &Connection,
    url: &str,
    name: Option<&str>,
    interval: Option<Duration>,
    full_text: bool,
    now: i64,
) -> Result<FeedRow> {
    if let Some(existing) = get_by_url(conn, url)? {
        return Err(StoreError::Invalid(format!(
            "{url} is already watched as feed {} (source: {})",
            existing.label(),
            existing.source
        )));
    }
    if let Some(name) = name
        && find(conn, name)?.is_some()
    {
        return Err(StoreError::Invalid(format!(
            "a feed named `{name}` already exists; choose another --name"
        )));
    }
    // Adding a removed feed again is the user changing their mind: a config sync may take
    // it over again.
    clear_tombstones(conn, &[url])?;
    conn.execute(
        "INSERT INTO feeds (url, name, source, interval_secs, full_text, created_at) \
         VALUES (?1, ?2, 'cli', ?3, ?4, ?5)",
        params![
            url,
            name,
            interval.map(|d| d.as_secs() as i64),
            full_text,
            now
        ],
    )?;
    get(conn, conn.last_insert_rowid())?
        .ok_or_else(|| StoreError::Invalid("feed vanished after insert".into()))
}

/// Starts watching one article page without a feed: a feed row of kind `page` (full text,
/// source `cli`) and its one article, due for its first check now. The page is then re-checked
/// on the ladder like any full-text article.
pub fn add_page(conn: &Connection, url: &str, name: Option<&str>, now: i64) -> Result<FeedRow> {
    let feed = add(conn, url, name, None, true, now)?;
    conn.execute(
        "UPDATE feeds SET kind = ?2, next_poll_at = ?3 WHERE id = ?1",
        params![feed.id, PAGE_KIND, now],
    )?;
    let article = super::articles::insert(conn, feed.id, url, url, "", now)?;
    super::articles::set_page_state(
        conn,
        article,
        &super::articles::PageState {
            next_check_at: Some(now),
            ..Default::default()
        },
    )?;
    get(conn, feed.id)?.ok_or_else(|| StoreError::Invalid("feed vanished after insert".into()))
}

/// Deletes a feed and its history. With `tombstone` (the config lists it), its URLs are
/// remembered so that a later config sync does not add it back.
pub fn remove(conn: &Connection, feed: &FeedRow, tombstone: bool, now: i64) -> Result<()> {
    if tombstone {
        let config_url: Option<String> = conn.query_row(
            "SELECT config_url FROM feeds WHERE id = ?1",
            [feed.id],
            |r| r.get(0),
        )?;
        for url in std::iter::once(feed.url.as_str()).chain(config_url.as_deref()) {
            conn.execute(
                "INSERT INTO feed_tombstones (url, removed_at) VALUES (?1, ?2) \
                 ON CONFLICT (url) DO UPDATE SET removed_at = ?2",
                params![url, now],
            )?;
        }
    }
    conn.execute("DELETE FROM feeds WHERE id = ?1", [feed.id])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<FeedRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM feeds WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn get_by_url(conn: &Connection, url: &str) -> Result<Option<FeedRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM feeds WHERE url = ?1"),
            [url],
            from_row,
        )
        .optional()?)
}

/// Finds a feed by name, id or URL (what a user types after `--feed`).
pub fn find(conn: &Connection, key: &str) -> Result<Option<FeedRow>> {
    if let Some(f) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM feeds WHERE name = ?1"),
            [key],
            from_row,
        )
        .optional()?
    {
        return Ok(Some(f));
    }
    if let Some(id) = crate::ids::parse_feed(key)
        && let Some(f) = get(conn, id)?
    {
        return Ok(Some(f));
    }
    get_by_url(conn, key)
}

pub fn list(conn: &Connection) -> Result<Vec<FeedRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM feeds ORDER BY id"))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn active(conn: &Connection) -> Result<Vec<FeedRow>> {
    Ok(list(conn)?.into_iter().filter(|f| f.active).collect())
}

/// Active, unpaused feeds whose next poll is due at `now` (never polled counts as due), the
/// longest overdue first (never polled before all), at most `limit` of them. The scheduler
/// reads a batch at a time: at 100,000 due feeds, reading them all after every finished poll
/// made the schedule quadratic.
pub fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<FeedRow>> {
    // The `feeds_due` index (migration 0016) serves both the filter and the order.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM feeds WHERE active = 1 AND paused = 0 \
         AND (next_poll_at IS NULL OR next_poll_at <= ?1) \
         ORDER BY next_poll_at, id LIMIT ?2"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![now, limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Active, unpaused full-text feeds not yet due for a poll that have live articles whose page
/// re-check is due (see `poll::recheck`).
pub fn recheck_candidates(conn: &Connection, now: i64) -> Result<Vec<FeedRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM feeds WHERE active = 1 AND paused = 0 AND full_text = 1 \
         AND next_poll_at IS NOT NULL AND next_poll_at > ?1 \
         AND EXISTS (SELECT 1 FROM articles a WHERE a.feed_id = feeds.id AND a.status = 'live' \
             AND a.next_check_at IS NOT NULL AND a.next_check_at <= ?1) \
         ORDER BY id"
    ))?;
    let rows = stmt
        .query_map(params![now], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// When the next active, unpaused feed falls due.
pub fn next_due_at(conn: &Connection) -> Result<Option<i64>> {
    // ORDER BY + LIMIT walks the `feeds_due` index to its first entry; MIN(COALESCE(..))
    // could not use it and read every row.
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(next_poll_at, 0) FROM feeds WHERE active = 1 AND paused = 0 \
             ORDER BY next_poll_at LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// A successful fetch (fresh or 304).
#[derive(Debug, Clone, Default)]
pub struct FeedSuccess {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub title: Option<String>,
    /// A permanent redirect's target: becomes the feed's URL.
    pub new_url: Option<String>,
    pub next_poll_at: i64,
    /// The server sent a body (not a 304).
    pub body: bool,
    /// Set when this poll parsed a document: its encoding, and its bozo warning if any.
    pub parsed: Option<ParseNotes>,
    /// The status of the response that carried the body: feed-text versions record it.
    pub http_status: Option<u16>,
}

/// What parsing one feed document saw, kept on the feed's row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseNotes {
    pub encoding: String,
    pub warning: Option<String>,
}

pub fn record_success(conn: &Connection, feed_id: i64, s: &FeedSuccess, now: i64) -> Result<()> {
    // Cached: it runs once per poll, 100,000 times a cycle at scale, and parsing it each time
    // showed in the warm cycle's profile.
    conn.prepare_cached(
        "UPDATE feeds SET etag = COALESCE(?2, etag), last_modified = COALESCE(?3, last_modified), \
         body_hash = COALESCE(?4, body_hash), title = COALESCE(?5, title), next_poll_at = ?6, \
         last_poll_at = ?7, last_ok_at = ?7, error_streak = 0, \
         last_body_at = CASE WHEN ?8 THEN ?7 ELSE last_body_at END, \
         encoding = CASE WHEN ?9 THEN ?10 ELSE encoding END, \
         parse_warning = CASE WHEN ?9 THEN ?11 ELSE parse_warning END WHERE id = ?1",
    )?
    .execute(params![
        feed_id,
        s.etag,
        s.last_modified,
        s.body_hash,
        s.title,
        s.next_poll_at,
        now,
        s.body,
        s.parsed.is_some(),
        s.parsed.as_ref().map(|p| p.encoding.as_str()),
        s.parsed.as_ref().and_then(|p| p.warning.as_deref()),
    ])?;
    if let Some(new_url) = &s.new_url {
        // Another feed may already have that URL; then keep ours rather than fail the poll.
        let taken = get_by_url(conn, new_url)?.is_some_and(|f| f.id != feed_id);
        if taken {
            tracing::warn!(feed_id, %new_url, "permanent redirect to a URL another feed already has; keeping the old URL");
        } else {
            conn.execute(
                "UPDATE feeds SET url = ?2 WHERE id = ?1",
                params![feed_id, new_url],
            )?;
            tracing::info!(feed_id, %new_url, "feed moved permanently; stored its new URL");
        }
    }
    Ok(())
}

pub fn record_error(
    conn: &Connection,
    feed_id: i64,
    message: &str,
    next_poll_at: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE feeds SET last_error = ?2, last_error_at = ?3, last_poll_at = ?3, \
         error_streak = error_streak + 1, next_poll_at = ?4 WHERE id = ?1",
        params![feed_id, message, now, next_poll_at],
    )?;
    Ok(())
}

/// When any active feed was last polled (success or error), by the daemon or `redline poll`.
pub fn last_polled_at(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT MAX(last_poll_at) FROM feeds WHERE active = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Counts per feed for listings: (articles, versions).
pub fn counts(conn: &Connection, feed_id: i64) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM articles WHERE feed_id = ?1), \
                (SELECT COUNT(*) FROM versions v JOIN articles a ON a.id = v.article_id WHERE a.feed_id = ?1)",
        [feed_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// What `feeds edit` changes; `None` / empty leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct FeedEdit {
    pub name: Option<String>,
    /// `Some(None)`: back to the config's default interval.
    pub interval: Option<Option<Duration>>,
    pub full_text: Option<bool>,
    pub paused: Option<bool>,
    pub tag: Vec<String>,
    pub untag: Vec<String>,
}

impl FeedEdit {
    /// Whether it changes a field the config file sets for its feeds.
    pub fn touches_config_fields(&self) -> bool {
        self.name.is_some() || self.interval.is_some() || self.full_text.is_some()
    }
}

/// Edits a feed in place: the same row, so its articles, versions and schedule stay.
pub fn edit(conn: &Connection, feed: &FeedRow, e: &FeedEdit) -> Result<FeedRow> {
    if let Some(name) = &e.name
        && let Some(holder) = conn
            .query_row(
                "SELECT id FROM feeds WHERE name = ?1 AND id != ?2",
                params![name, feed.id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
    {
        return Err(StoreError::Invalid(format!(
            "feed {} is already named `{name}`; choose another --name",
            crate::ids::feed(holder)
        )));
    }
    conn.execute(
        "UPDATE feeds SET name = COALESCE(?2, name), \
         interval_secs = CASE WHEN ?3 THEN ?4 ELSE interval_secs END, \
         full_text = COALESCE(?5, full_text), paused = COALESCE(?6, paused) WHERE id = ?1",
        params![
            feed.id,
            e.name,
            e.interval.is_some(),
            e.interval.flatten().map(|d| d.as_secs() as i64),
            e.full_text,
            e.paused
        ],
    )?;
    for t in &e.tag {
        conn.execute(
            "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?1, ?2)",
            params![feed.id, t],
        )?;
    }
    for t in &e.untag {
        conn.execute(
            "DELETE FROM feed_tags WHERE feed_id = ?1 AND tag = ?2",
            params![feed.id, t],
        )?;
    }
    get(conn, feed.id)?.ok_or_else(|| StoreError::Invalid("feed vanished during edit".into()))
}

/// A feed's tags, sorted.
pub fn tags(conn: &Connection, feed_id: i64) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM feed_tags WHERE feed_id = ?1 ORDER BY tag")?;
    let rows = stmt
        .query_map([feed_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_feed(url: &str, name: &str) -> FeedConfig {
        FeedConfig {
            url: url.parse().expect("url"),
            name: Some(name.into()),
            interval: None,
            full_text: false,
        }
    }

    #[test]
    fn plan_reads_only_and_a_tombstone_keeps_a_removed_config_feed_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::store::Store::open(&dir.path().join("r.db")).expect("store");
        let cfg = [
            config_feed("https://wire.example/rss", "wire"),
            config_feed("https://ledger.example/atom.xml", "ledger"),
        ];
        let plan = store.read(|c| plan_sync(c, &cfg)).expect("plan");
        assert_eq!(plan.add, [0, 1]);
        assert!(!plan.is_in_sync());
        assert_eq!(
            store.read(list).expect("list").len(),
            0,
            "planning wrote nothing"
        );
        store.write(|tx| sync_config(tx, &cfg, 1)).expect("sync");
        assert!(
            store
                .read(|c| plan_sync(c, &cfg))
                .expect("plan")
                .is_in_sync()
        );

        let ledger = store
            .read(|c| find(c, "ledger"))
            .expect("find")
            .expect("ledger");
        store
            .write(|tx| remove(tx, &ledger, true, 2))
            .expect("remove");
        let report = store.write(|tx| sync_config(tx, &cfg, 3)).expect("sync");
        assert_eq!(report.added, 0);
        assert_eq!(report.kept_removed, ["https://ledger.example/atom.xml"]);
        assert!(
            store
                .read(|c| plan_sync(c, &cfg))
                .expect("plan")
                .is_in_sync()
        );
        store
            .write(|tx| add(tx, "https://ledger.example/atom.xml", None, None, false, 4))
            .expect("add back");
        let report = store.write(|tx| sync_config(tx, &cfg, 5)).expect("sync");
        assert!(report.kept_removed.is_empty());
        assert_eq!(report.updated, 1, "the added feed is the config's again");
    }
}
