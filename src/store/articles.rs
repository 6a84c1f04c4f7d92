//! Articles and their versions. Bodies are stored zstd-compressed.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter, types::Value};

use super::{Result, StoreError, compress, decompress};
use crate::normalize::Snapshot;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub feed_id: i64,
    pub guid: String,
    pub url: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub status: String,
    pub entry_hash: Option<String>,
    pub page_etag: Option<String>,
    pub page_last_modified: Option<String>,
    pub page_hash: Option<String>,
    pub next_check_at: Option<i64>,
    pub missing_streak: i64,
    pub last_error: Option<String>,
}

const ARTICLE_COLUMNS: &str = "id, feed_id, guid, url, first_seen, last_seen, status, entry_hash, \
    page_etag, page_last_modified, page_hash, next_check_at, missing_streak, last_error";

fn article_from_row(r: &Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: r.get(0)?,
        feed_id: r.get(1)?,
        guid: r.get(2)?,
        url: r.get(3)?,
        first_seen: r.get(4)?,
        last_seen: r.get(5)?,
        status: r.get(6)?,
        entry_hash: r.get(7)?,
        page_etag: r.get(8)?,
        page_last_modified: r.get(9)?,
        page_hash: r.get(10)?,
        next_check_at: r.get(11)?,
        missing_streak: r.get(12)?,
        last_error: r.get(13)?,
    })
}

/// One stored version, body decompressed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Version {
    pub id: i64,
    pub article_id: i64,
    pub seq: i64,
    pub fetched_at: i64,
    pub source: String,
    pub url: String,
    pub title: String,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub body: String,
    pub body_chars: i64,
    pub hash: String,
    pub typo_hash: String,
    pub cosmetic: bool,
    pub revert_of: Option<i64>,
    /// Feed `updated`, HTTP `Last-Modified`, update line and notices this version was seen
    /// with (all `None` on versions stored before redline recorded them).
    pub stamps: crate::stamps::Stamps,
    /// HTTP status of the fetch this version came from (`None` before migration 0019).
    pub http_status: Option<u16>,
    /// What made the text: `extract::EXTRACTOR_VERSION`, or "feed" (`None` before 0019).
    pub extractor: Option<String>,
    /// `ETag` and `Last-Modified` of that same fetch, as sent (`None` when the server sent
    /// none, and on versions stored before migration 0021).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

const VERSION_COLUMNS: &str = "id, article_id, seq, fetched_at, source, url, title, byline, \
    published, modified, body_zstd, body_chars, hash, typo_hash, cosmetic, revert_of, base_seq, \
    feed_updated, http_last_modified, update_line, notice, http_status, extractor, etag, \
    last_modified";

/// A version every this many is stored without a base, so reading any version decompresses
/// at most this many bodies.
pub const KEYFRAME_EVERY: i64 = 8;

/// A version row before its body is decoded: the row, its blob, and the seq of the version
/// it was compressed against.
type RawVersion = (Version, Vec<u8>, Option<i64>);

fn version_from_row(r: &Row<'_>) -> rusqlite::Result<RawVersion> {
    Ok((
        Version {
            id: r.get(0)?,
            article_id: r.get(1)?,
            seq: r.get(2)?,
            fetched_at: r.get(3)?,
            source: r.get(4)?,
            url: r.get(5)?,
            title: r.get(6)?,
            byline: r.get(7)?,
            published: r.get(8)?,
            modified: r.get(9)?,
            body: String::new(),
            body_chars: r.get(11)?,
            hash: r.get(12)?,
            typo_hash: r.get(13)?,
            cosmetic: r.get(14)?,
            revert_of: r.get(15)?,
            stamps: crate::stamps::Stamps {
                feed_updated: r.get(17)?,
                http_last_modified: r.get(18)?,
                update_line: r.get(19)?,
                notice: r.get(20)?,
            },
            http_status: r.get(21)?,
            extractor: r.get(22)?,
            etag: r.get(23)?,
            last_modified: r.get(24)?,
        },
        r.get(10)?,
        r.get(16)?,
    ))
}

/// Executes a statement through the connection's statement cache: these run once per feed
/// entry per poll, so preparing them once matters.
fn exec(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Decodes a version's body, first decoding the chain of bases it was compressed against.
fn with_body(conn: &Connection, (mut v, blob, base_seq): RawVersion) -> Result<Version> {
    let base = match base_seq {
        Some(seq) => Some(body_of(conn, v.article_id, seq, KEYFRAME_EVERY)?),
        None => None,
    };
    v.body = decompress(v.id, &blob, base.as_deref())?;
    Ok(v)
}

fn body_of(conn: &Connection, article_id: i64, seq: i64, depth_left: i64) -> Result<String> {
    let (id, blob, base_seq): (i64, Vec<u8>, Option<i64>) = conn
        .prepare_cached(
            "SELECT id, body_zstd, base_seq FROM versions WHERE article_id = ?1 AND seq = ?2",
        )?
        .query_row(params![article_id, seq], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let base = match base_seq {
        // A chain longer than the keyframe spacing (or a cycle) means a corrupt row.
        Some(_) if depth_left <= 0 => return Err(StoreError::CorruptBody(id)),
        Some(b) if b >= seq => return Err(StoreError::CorruptBody(id)),
        Some(b) => Some(body_of(conn, article_id, b, depth_left - 1)?),
        None => None,
    };
    decompress(id, &blob, base.as_deref())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<ArticleRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?1"
        ))?
        .query_row([id], article_from_row)
        .optional()?)
}

/// Finds the article a feed entry belongs to: by guid first, then by canonical URL, so an
/// article whose guid changed but whose URL did not stays one article. `skip` rules out URL
/// matches that belong to another entry (two entries of one feed may share a link, e.g. live
/// blogs): without it they would take turns renaming one article and "editing" it every poll.
pub fn find_for_entry(
    conn: &Connection,
    feed_id: i64,
    guid: &str,
    url: &str,
    skip: impl Fn(&ArticleRow) -> bool,
) -> Result<Option<ArticleRow>> {
    let by_guid = conn
        .prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles WHERE feed_id = ?1 AND guid = ?2"
        ))?
        .query_row(params![feed_id, guid], article_from_row)
        .optional()?;
    if by_guid.is_some() {
        return Ok(by_guid);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ARTICLE_COLUMNS} FROM articles WHERE feed_id = ?1 AND url = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![feed_id, url], article_from_row)?;
    for row in rows {
        let row = row?;
        if !skip(&row) {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Finds an article by id (`42`, `a42`; a version ref `a42v3` names its article) or by URL
/// or guid (what a user types).
pub fn find(conn: &Connection, key: &str) -> Result<Option<ArticleRow>> {
    if let Some((id, _)) = crate::ids::parse_article(key) {
        return get(conn, id);
    }
    Ok(conn
        .query_row(
            &format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE url = ?1 OR guid = ?1 ORDER BY id LIMIT 1"),
            [key],
            article_from_row,
        )
        .optional()?)
}

/// The article another source already keeps for `url`, with its feed: one URL is one article
/// (a page both watched and listed by a feed would otherwise be fetched, versioned and alerted
/// twice). `page_only` limits the match to watched pages (`redline watch`), `exclude_feed`
/// skips the asking feed's own articles.
pub fn tracked_elsewhere(
    conn: &Connection,
    url: &str,
    exclude_feed: Option<i64>,
    page_only: bool,
) -> Result<Option<ArticleRow>> {
    let cols = ARTICLE_COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Asked for every new entry of every poll: with `page_only` the few page feeds lead, so
    // the (feed_id, url) and (feed_id, guid) indexes answer instead of a scan of all articles.
    let feeds = if page_only {
        "SELECT id FROM feeds WHERE kind = 'page'"
    } else {
        "SELECT id FROM feeds"
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {cols} FROM articles a WHERE a.feed_id IN ({feeds}) \
             AND a.feed_id IS NOT ?2 AND (a.url = ?1 OR a.guid = ?1) ORDER BY a.id LIMIT 1"
        ))?
        .query_row(params![url, exclude_feed], article_from_row)
        .optional()?)
}

pub fn insert(
    conn: &Connection,
    feed_id: i64,
    guid: &str,
    url: &str,
    entry_hash: &str,
    now: i64,
) -> Result<i64> {
    exec(
        conn,
        "INSERT INTO articles (feed_id, guid, url, first_seen, last_seen, entry_hash) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        params![feed_id, guid, url, now, entry_hash],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records that the feed still lists the article, with its current guid, URL and entry hash.
pub fn touch(
    conn: &Connection,
    id: i64,
    guid: &str,
    url: &str,
    entry_hash: &str,
    now: i64,
) -> Result<()> {
    // The guid may have changed (same URL); keep the newest unless another row holds it.
    exec(
        conn,
        "UPDATE articles SET last_seen = ?2, url = ?3, entry_hash = ?4, \
         guid = CASE WHEN EXISTS (SELECT 1 FROM articles o WHERE o.feed_id = articles.feed_id \
                                  AND o.guid = ?5 AND o.id != articles.id) THEN guid ELSE ?5 END \
         WHERE id = ?1",
        params![id, now, url, entry_hash, guid],
    )?;
    Ok(())
}

/// Records that a snapshot with `hash` was refused as a failed extraction; returns how many
/// times in a row this same text has been refused.
pub fn note_refused(conn: &Connection, id: i64, hash: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "UPDATE articles SET refused_count = CASE WHEN refused_hash = ?2 THEN refused_count + 1 \
             ELSE 1 END, refused_hash = ?2 WHERE id = ?1 RETURNING refused_count",
        )?
        .query_row(params![id, hash], |r| r.get(0))?)
}

/// Forgets refusals once a version was stored.
pub fn clear_refused(conn: &Connection, id: i64) -> Result<()> {
    exec(
        conn,
        "UPDATE articles SET refused_hash = NULL, refused_count = 0 WHERE id = ?1 AND refused_hash IS NOT NULL",
        [id],
    )?;
    Ok(())
}

/// Makes an article's page due now, and live again if it was marked unpublished.
pub fn mark_due(conn: &Connection, id: i64, now: i64) -> Result<()> {
    exec(
        conn,
        "UPDATE articles SET next_check_at = ?2, status = 'live', missing_streak = 0 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Page state after a full-text check.
#[derive(Debug, Clone, Default)]
pub struct PageState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub page_hash: Option<String>,
    pub next_check_at: Option<i64>,
    pub missing_streak: i64,
    pub last_error: Option<String>,
    pub unpublished: bool,
}

pub fn set_page_state(conn: &Connection, id: i64, s: &PageState) -> Result<()> {
    exec(
        conn,
        "UPDATE articles SET page_etag = COALESCE(?2, page_etag), \
         page_last_modified = COALESCE(?3, page_last_modified), page_hash = COALESCE(?4, page_hash), \
         next_check_at = ?5, missing_streak = ?6, last_error = ?7, \
         status = CASE WHEN ?8 THEN 'unpublished' ELSE status END WHERE id = ?1",
        params![
            id,
            s.etag,
            s.last_modified,
            s.page_hash,
            s.next_check_at,
            s.missing_streak,
            s.last_error,
            s.unpublished
        ],
    )?;
    Ok(())
}

/// Live articles of a feed whose page re-check is due.
pub fn due_pages(conn: &Connection, feed_id: i64, now: i64) -> Result<Vec<ArticleRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ARTICLE_COLUMNS} FROM articles WHERE feed_id = ?1 AND status = 'live' \
         AND next_check_at IS NOT NULL AND next_check_at <= ?2 ORDER BY next_check_at"
    ))?;
    let rows = stmt
        .query_map(params![feed_id, now], article_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One line of `articles`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArticleSummary {
    pub id: i64,
    pub feed_id: i64,
    pub feed: String,
    pub url: String,
    pub title: Option<String>,
    pub status: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub versions: i64,
    /// Change records (edits and unpublishing).
    pub changes: i64,
    /// Claim changes over all of them.
    pub claim_changes: i64,
    /// When the newest change was recorded (unix seconds), if any.
    pub last_change_at: Option<i64>,
    /// In a search: the version the hit opens, the newest one holding what was searched for
    /// (the latest when its text matches; see `search::history_ctes`). `None` outside a search.
    pub matched_seq: Option<i64>,
    /// In a search: whether the latest text matches (else only an older version did).
    pub matched_latest: bool,
}

/// Which articles `list` returns, and which page of them.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub feed_id: Option<i64>,
    /// Only articles with more than one version or unpublished, newest change first.
    pub changed_only: bool,
    /// Only articles whose title or text matches this user text in any version (see
    /// `search::match_expression`): those whose latest text matches first, best match first.
    pub search: Option<String>,
    pub offset: i64,
    pub limit: i64,
    /// Only articles with a change matching this (empty: no narrowing).
    pub change: ChangeFacet,
}

/// Keeps the articles that have at least one non-cosmetic change matching every part given:
/// the changes page's facets, applied per article. Cosmetic changes never count, as on the
/// changes page by default, so a hit's matching change is one that page shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeFacet {
    /// Claim kinds: the change has a claim change of at least one of them.
    pub kinds: Vec<String>,
    pub silent: Option<bool>,
    pub stealth: Option<bool>,
    /// Recorded at or after (unix seconds).
    pub since: Option<i64>,
    /// Recorded before (unix seconds).
    pub until: Option<i64>,
}

impl ChangeFacet {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// ` AND EXISTS (...)` over the outer `a`, its parameters numbered from `first` on:
    /// `list` numbers its own, and a bare `?` would take the number after the highest seen
    /// so far in the text, not after the last one bound.
    fn sql(&self, first: usize, args: &mut Vec<Value>) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut n = first;
        let mut next = |v: Value, args: &mut Vec<Value>| {
            args.push(v);
            n += 1;
            format!("?{}", n - 1)
        };
        let mut sql = String::from(
            " AND EXISTS (SELECT 1 FROM changes c WHERE c.article_id = a.id AND c.cosmetic = 0",
        );
        if let Some(v) = self.stealth {
            sql.push_str(&format!(" AND c.stealth = {}", next(v.into(), args)));
        }
        if let Some(v) = self.silent {
            sql.push_str(&format!(
                " AND {} = {}",
                super::changes::SILENT_SQL,
                next(v.into(), args)
            ));
        }
        if let Some(t) = self.since {
            sql.push_str(&format!(" AND c.created_at >= {}", next(t.into(), args)));
        }
        if let Some(t) = self.until {
            sql.push_str(&format!(" AND c.created_at < {}", next(t.into(), args)));
        }
        if !self.kinds.is_empty() {
            let marks: Vec<String> = self
                .kinds
                .iter()
                .map(|k| next(Value::from(k.clone()), args))
                .collect();
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM claim_changes cc WHERE cc.change_id = c.id \
                   AND cc.kind IN ({}))",
                marks.join(",")
            ));
        }
        sql.push(')');
        sql
    }
}

/// Articles, newest first (`changed_only`: newest change first; `search`: best match first).
/// The one listing and search query for the CLI and the web UI.
pub fn list(conn: &Connection, f: &ArticleFilter) -> Result<Vec<ArticleSummary>> {
    let offset = f.offset.max(0);
    let (Some(text), Some(full)) = (
        f.search.as_deref(),
        f.search
            .as_deref()
            .map(super::search::require_match)
            .transpose()?,
    ) else {
        return listing(conn, f, offset);
    };
    // Every hit on the latest text comes before every hit on the history (`seq IS NOT NULL`
    // sorts them last), so the page is filled from the latest hits first, and the history,
    // which for a common word groups many rows by article, is searched only when they leave
    // room: `offset` then counts the latest hits before it.
    let mut rows = search_page(conn, f, &full, None, f.limit, offset)?;
    let unlimited = f.limit < 0;
    if unlimited || (rows.len() as i64) < f.limit {
        let latest_before = if rows.is_empty() && offset > 0 {
            count_latest(conn, f, &full)?
        } else {
            offset + rows.len() as i64
        };
        let limit = if unlimited {
            -1
        } else {
            f.limit - rows.len() as i64
        };
        let terms = super::search::match_terms(text);
        let skip = (offset + rows.len() as i64 - latest_before).max(0);
        rows.extend(search_page(conn, f, &full, Some(&terms), limit, skip)?);
    }
    // A hit on the latest text opens the latest version.
    for a in &mut rows {
        if a.matched_latest {
            a.matched_seq = Some(a.versions);
        }
    }
    Ok(rows)
}

/// The columns of an `ArticleSummary` over `a` (articles) and `f` (feeds), then `{matched}`
/// (`matched_seq`, `matched_latest`).
fn summary_columns(matched: &str) -> String {
    format!(
        "a.id, COALESCE(f.name, 'f' || f.id), a.url, \
           (SELECT title FROM versions v WHERE v.article_id = a.id ORDER BY seq DESC LIMIT 1), \
           a.status, a.first_seen, a.last_seen, \
           (SELECT COUNT(*) FROM versions v WHERE v.article_id = a.id) AS n, \
           (SELECT COUNT(*) FROM changes c WHERE c.article_id = a.id), \
           (SELECT COUNT(*) FROM claim_changes cc JOIN changes c ON c.id = cc.change_id \
              WHERE c.article_id = a.id), \
           (SELECT MAX(c.created_at) FROM changes c WHERE c.article_id = a.id) AS last_change_at, f.id, \
           {matched}"
    )
}

/// The narrowing every listing shares, over `a`: `?1` the feed, `?2` changed only.
const LIST_WHERE: &str = "(?1 IS NULL OR a.feed_id = ?1) \
     AND (?2 = 0 OR (SELECT COUNT(*) FROM versions v WHERE v.article_id = a.id) > 1 \
          OR a.status != 'live')";

fn summary_rows(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<ArticleSummary>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(ArticleSummary {
                id: r.get(0)?,
                feed: r.get(1)?,
                url: r.get(2)?,
                title: r.get(3)?,
                status: r.get(4)?,
                first_seen: r.get(5)?,
                last_seen: r.get(6)?,
                versions: r.get(7)?,
                changes: r.get(8)?,
                claim_changes: r.get(9)?,
                last_change_at: r.get(10)?,
                feed_id: r.get(11)?,
                matched_seq: r.get::<_, Option<i64>>(12)?,
                matched_latest: r.get(13)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<ArticleSummary>>>()?;
    Ok(rows)
}

/// `list` without a search.
fn listing(conn: &Connection, f: &ArticleFilter, offset: i64) -> Result<Vec<ArticleSummary>> {
    let order = if f.changed_only {
        "last_change_at DESC NULLS LAST, a.last_seen DESC, a.id DESC"
    } else {
        "a.last_seen DESC, a.id DESC"
    };
    let mut args: Vec<Value> = vec![
        f.feed_id.into(),
        f.changed_only.into(),
        f.limit.into(),
        offset.into(),
    ];
    let change = f.change.sql(args.len() + 1, &mut args);
    let sql = format!(
        "SELECT {} FROM articles a JOIN feeds f ON f.id = a.feed_id \
         WHERE {LIST_WHERE}{change} ORDER BY {order} LIMIT ?3 OFFSET ?4",
        summary_columns("NULL, 0")
    );
    summary_rows(conn, &sql, args)
}

/// One page of search hits: on the latest text (`history` None) or, for `Some(terms)`, on
/// the history only, best match first either way. The page is cut from the hits' ids and
/// ranks before the summary columns are computed, so their subqueries run for the rows
/// shown, not for every article a common word matches.
fn search_page(
    conn: &Connection,
    f: &ArticleFilter,
    full: &str,
    history: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ArticleSummary>> {
    let mut args: Vec<Value> = vec![
        f.feed_id.into(),
        f.changed_only.into(),
        Value::from(full.to_string()),
        limit.into(),
        offset.into(),
    ];
    let ctes = match history {
        None => super::search::latest_ctes("?3"),
        Some(terms) => {
            let first = args.len() + 1;
            super::search::history_ctes(terms, "?3", first, &mut args)
        }
    };
    let change = f.change.sql(args.len() + 1, &mut args);
    let sql = format!(
        "WITH {ctes}, page(article_id, seq, rank) AS MATERIALIZED (\
           SELECT s.article_id, s.seq, s.rank FROM hits s JOIN articles a ON a.id = s.article_id \
           WHERE {LIST_WHERE}{change} ORDER BY s.rank, a.id DESC LIMIT ?4 OFFSET ?5) \
         SELECT {} FROM page s JOIN articles a ON a.id = s.article_id \
         JOIN feeds f ON f.id = a.feed_id ORDER BY s.rank, a.id DESC",
        summary_columns("s.seq, s.seq IS NULL")
    );
    summary_rows(conn, &sql, args)
}

/// How many articles the latest-text search `full` finds under `f`'s narrowing: the hits
/// before the first history hit.
fn count_latest(conn: &Connection, f: &ArticleFilter, full: &str) -> Result<i64> {
    let mut args: Vec<Value> = vec![
        f.feed_id.into(),
        f.changed_only.into(),
        Value::from(full.to_string()),
    ];
    let change = f.change.sql(args.len() + 1, &mut args);
    let sql = format!(
        "WITH {} SELECT COUNT(*) FROM hits s JOIN articles a ON a.id = s.article_id \
         WHERE {LIST_WHERE}{change}",
        super::search::latest_ctes("?3")
    );
    Ok(conn.query_row(&sql, params_from_iter(args), |r| r.get(0))?)
}

pub fn latest_version(conn: &Connection, article_id: i64) -> Result<Option<Version>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM versions WHERE article_id = ?1 ORDER BY seq DESC LIMIT 1"
        ))?
        .query_row([article_id], version_from_row)
        .optional()?;
    row.map(|r| with_body(conn, r)).transpose()
}

pub fn version(conn: &Connection, article_id: i64, seq: i64) -> Result<Option<Version>> {
    let row = conn
        .query_row(
            &format!("SELECT {VERSION_COLUMNS} FROM versions WHERE article_id = ?1 AND seq = ?2"),
            params![article_id, seq],
            version_from_row,
        )
        .optional()?;
    row.map(|r| with_body(conn, r)).transpose()
}

/// All versions of an article, oldest first, bodies included.
pub fn versions(conn: &Connection, article_id: i64) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE article_id = ?1 ORDER BY seq"
    ))?;
    let rows: Vec<RawVersion> = stmt
        .query_map([article_id], version_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    // Oldest first, so each base is already decoded when a later version needs it.
    let mut out: Vec<Version> = Vec::with_capacity(rows.len());
    for (mut v, blob, base_seq) in rows {
        let base = match base_seq {
            Some(b) => match out.iter().find(|o| o.seq == b) {
                Some(o) => Some(o.body.clone()),
                None => Some(body_of(conn, article_id, b, KEYFRAME_EVERY)?),
            },
            None => None,
        };
        v.body = decompress(v.id, &blob, base.as_deref())?;
        out.push(v);
    }
    Ok(out)
}

/// The seq of an earlier version with this content hash, other than the latest.
pub fn earlier_with_hash(
    conn: &Connection,
    article_id: i64,
    hash: &str,
    latest_seq: i64,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT seq FROM versions WHERE article_id = ?1 AND hash = ?2 AND seq < ?3 \
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![article_id, hash, latest_seq], |r| r.get(0))
        .optional()?)
}

/// Inserts version `seq`. `previous` is the latest version before it (seq and body): unless
/// this version is a keyframe, its body is compressed against that one.
#[allow(clippy::too_many_arguments)]
pub fn insert_version(
    conn: &Connection,
    article_id: i64,
    seq: i64,
    snap: &Snapshot,
    cosmetic: bool,
    revert_of: Option<i64>,
    previous: Option<(i64, &str)>,
    now: i64,
) -> Result<i64> {
    let base = previous.filter(|_| (seq - 1) % KEYFRAME_EVERY != 0);
    exec(
        conn,
        "INSERT INTO versions (article_id, seq, fetched_at, source, url, title, byline, published, \
         modified, body_zstd, body_chars, hash, typo_hash, cosmetic, revert_of, base_seq, \
         feed_updated, http_last_modified, update_line, notice, http_status, extractor, etag, \
         last_modified) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, ?20, ?21, ?22, ?23, ?24)",
        params![
            article_id,
            seq,
            now,
            snap.source.as_str(),
            snap.url,
            snap.title,
            snap.byline,
            snap.published,
            snap.modified,
            compress(&snap.body, base.map(|(_, body)| body))?,
            snap.body_chars() as i64,
            snap.hash(),
            snap.typo_hash(),
            cosmetic,
            revert_of,
            base.map(|(seq, _)| seq),
            snap.stamps.feed_updated,
            snap.stamps.http_last_modified,
            snap.stamps.update_line,
            snap.stamps.notice,
            snap.http_status,
            snap.extractor,
            snap.etag,
            snap.last_modified
        ],
    )?;
    let id = conn.last_insert_rowid();
    // Versions are only ever appended, so this one is the latest: the index follows it, and
    // what the previous one said that this one no longer does goes to the history index.
    super::search::index_article(conn, article_id, &snap.title, &snap.body)?;
    if let Some((prev_seq, prev_body)) = previous {
        let (prev_id, prev_title): (i64, String) = conn
            .prepare_cached("SELECT id, title FROM versions WHERE article_id = ?1 AND seq = ?2")?
            .query_row(params![article_id, prev_seq], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        super::search::index_departed(
            conn,
            prev_id,
            (&prev_title, prev_body),
            (&snap.title, &snap.body),
        )?;
    }
    Ok(id)
}
