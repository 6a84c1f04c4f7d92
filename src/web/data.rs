//! What each page shows, read from the database into plain serialisable documents. The HTML
//! pages and the JSON API render the same documents, so the two cannot disagree. Reads only;
//! every listing is bounded by its query's `limit`.

use rusqlite::{Connection, params_from_iter, types::Value};
use serde::Serialize;

use super::query::{ChangesQuery, Cursor, SearchQuery};
use super::{WebError, rfc3339};
use crate::diff;
use crate::ids;
use crate::payload::{DIFF_SCHEMA, DIFF_SCHEMA_MINOR, DIFF_SCHEMA_VERSION, DiffReport, Side};
use crate::store::articles::{self, Version};
use crate::store::changes::{ClaimRow, SILENT_SQL};
use crate::store::feeds;
use crate::version::{VersionView, analyze};

/// Schema names of the API documents (`/api/v1/schemas/{name}.json`).
pub const CHANGES_SCHEMA: &str = "redline.web.changes";
pub const SEARCH_SCHEMA: &str = "redline.web.search";
pub const ARTICLE_SCHEMA: &str = "redline.web.article";
pub const FEEDS_SCHEMA: &str = "redline.web.feeds";

/// One change in a listing.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeItem {
    pub id: i64,
    pub article_id: i64,
    /// `a42`.
    pub article_ref: String,
    pub feed_id: i64,
    pub feed: String,
    pub title: Option<String>,
    pub url: String,
    pub from_seq: Option<i64>,
    pub to_seq: Option<i64>,
    /// When redline recorded it (RFC 3339 UTC).
    pub detected_at: String,
    /// `edit` or `unpublished`.
    pub kind: String,
    pub fields: Vec<String>,
    /// Distinct claim kinds, in the order first met.
    pub claim_kinds: Vec<String>,
    pub claims: Vec<ClaimRow>,
    pub flags: Flags,
    pub sentences: Counts,
    /// The page that shows it: the diff for an edit, the article otherwise.
    pub href: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Flags {
    /// The edit added no notice or update line a reader could see.
    pub silent: bool,
    /// The page's own modified stamp did not move.
    pub stealth: bool,
    pub cosmetic: bool,
    /// The new version repeats an earlier one.
    pub revert: bool,
    pub unpublished: bool,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub added: i64,
    pub removed: i64,
    pub edited: i64,
    pub moved: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangesPage {
    pub schema: &'static str,
    pub items: Vec<ChangeItem>,
    /// The cursor of the next page, absent on the last one.
    pub next_cursor: Option<String>,
    /// The URL of the next page of this document (same filters), absent on the last one.
    pub next: Option<String>,
}

/// Below this many claim rows a kind facet starts from the kind index (see `changes`).
const RARE_KIND_ROWS: i64 = 2_000;

pub fn changes(conn: &Connection, q: &ChangesQuery) -> Result<ChangesPage, WebError> {
    let mut sql = format!(
        "SELECT c.id, c.article_id, a.feed_id, COALESCE(fd.name, 'f' || fd.id), a.url, \
           (SELECT title FROM versions v WHERE v.article_id = c.article_id \
              AND v.seq = COALESCE(c.to_seq, c.from_seq)), \
           c.from_seq, c.to_seq, c.created_at, c.kind, c.fields, c.sentences_added, \
           c.sentences_removed, c.sentences_edited, c.sentences_moved, c.cosmetic, c.stealth, \
           c.revert_of IS NOT NULL, {SILENT_SQL} \
         FROM changes c JOIN articles a ON a.id = c.article_id JOIN feeds fd ON fd.id = a.feed_id \
         WHERE 1"
    );
    let mut args: Vec<Value> = Vec::new();
    if let Some(f) = q.feed {
        sql.push_str(" AND a.feed_id = ?");
        args.push(f.into());
    }
    if !q.cosmetic {
        sql.push_str(" AND c.cosmetic = 0");
    }
    if let Some(s) = q.stealth {
        sql.push_str(" AND c.stealth = ?");
        args.push(s.into());
    }
    if let Some(s) = q.silent {
        sql.push_str(&format!(" AND {SILENT_SQL} = ?"));
        args.push(s.into());
    }
    if let Some(t) = q.since {
        sql.push_str(" AND c.created_at >= ?");
        args.push(t.into());
    }
    if let Some(t) = q.until {
        sql.push_str(" AND c.created_at < ?");
        args.push(t.into());
    }
    if let Some(c) = q.cursor {
        sql.push_str(" AND (c.created_at < ? OR (c.created_at = ? AND c.id < ?))");
        args.extend([c.created_at.into(), c.created_at.into(), c.id.into()]);
    }
    if !q.kinds.is_empty() {
        let marks = vec!["?"; q.kinds.len()].join(",");
        // A rare kind is best found from its claim rows (few to sort); a common one by walking
        // changes newest first, where a page fills after a few probes. Which is which is one
        // count over the kind index, bounded so it stays cheap however common the kind is.
        let rows: i64 = conn.query_row(
            &format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM claim_changes WHERE kind IN ({marks}) \
                 LIMIT {RARE_KIND_ROWS})"
            ),
            params_from_iter(q.kinds.iter()),
            |r| r.get(0),
        )?;
        if rows < RARE_KIND_ROWS {
            sql.push_str(&format!(
                " AND c.id IN (SELECT cc.change_id FROM claim_changes cc WHERE cc.kind IN ({marks}))"
            ));
        } else {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM claim_changes cc WHERE cc.change_id = c.id \
                 AND cc.kind IN ({marks}))"
            ));
        }
        args.extend(q.kinds.iter().map(|k| Value::from(k.clone())));
    }
    sql.push_str(" ORDER BY c.created_at DESC, c.id DESC LIMIT ?");
    // One more than asked: whether it exists says if there is a next page.
    args.push((q.limit + 1).into());
    let mut stmt = conn.prepare(&sql)?;
    let mut rows: Vec<(ChangeItem, i64)> = stmt
        .query_map(params_from_iter(args), |r| {
            let article_id: i64 = r.get(1)?;
            let from_seq: Option<i64> = r.get(6)?;
            let to_seq: Option<i64> = r.get(7)?;
            let created_at: i64 = r.get(8)?;
            let kind: String = r.get(9)?;
            let fields: String = r.get(10)?;
            let href = match (from_seq, to_seq, kind.as_str()) {
                (Some(f), Some(t), "edit") => format!("/a/{}/v/{f}..{t}", ids::article(article_id)),
                _ => format!("/a/{}", ids::article(article_id)),
            };
            let unpublished = kind == "unpublished";
            Ok((
                ChangeItem {
                    id: r.get(0)?,
                    article_id,
                    article_ref: ids::article(article_id),
                    feed_id: r.get(2)?,
                    feed: r.get(3)?,
                    url: r.get(4)?,
                    title: r.get(5)?,
                    from_seq,
                    to_seq,
                    detected_at: rfc3339(created_at),
                    kind,
                    fields: fields
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(String::from)
                        .collect(),
                    claim_kinds: Vec::new(),
                    claims: Vec::new(),
                    sentences: Counts {
                        added: r.get(11)?,
                        removed: r.get(12)?,
                        edited: r.get(13)?,
                        moved: r.get(14)?,
                    },
                    flags: Flags {
                        cosmetic: r.get(15)?,
                        stealth: r.get(16)?,
                        revert: r.get(17)?,
                        silent: r.get(18)?,
                        unpublished,
                    },
                    href,
                },
                created_at,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let next = if rows.len() as i64 > q.limit {
        rows.truncate(q.limit as usize);
        rows.last().map(|(item, t)| Cursor {
            created_at: *t,
            id: item.id,
        })
    } else {
        None
    };
    let mut items: Vec<ChangeItem> = rows.into_iter().map(|(i, _)| i).collect();
    for item in &mut items {
        item.claims = claims_of(conn, item.id)?;
        for c in &item.claims {
            if !item.claim_kinds.contains(&c.kind) {
                item.claim_kinds.push(c.kind.clone());
            }
        }
    }
    Ok(ChangesPage {
        schema: CHANGES_SCHEMA,
        items,
        next_cursor: next.map(|c| c.encode()),
        next: next.map(|c| format!("/api/v1/changes?{}", q.to_query(Some(c)))),
    })
}

fn claims_of(conn: &Connection, change_id: i64) -> Result<Vec<ClaimRow>, WebError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, field, before, after, before_sentence, after_sentence FROM claim_changes \
         WHERE change_id = ?1 ORDER BY ord",
    )?;
    Ok(stmt
        .query_map([change_id], |r| {
            Ok(ClaimRow {
                kind: r.get(0)?,
                field: r.get(1)?,
                before: r.get(2)?,
                after: r.get(3)?,
                before_sentence: r.get(4)?,
                after_sentence: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// A feed as the facet list and the feeds page show it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedHealth {
    pub id: i64,
    /// `f7`.
    #[serde(rename = "ref")]
    pub reference: String,
    pub name: String,
    pub url: String,
    pub kind: String,
    pub active: bool,
    pub paused: bool,
    pub last_ok_at: Option<String>,
    pub last_poll_at: Option<String>,
    pub error_streak: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub next_poll_at: Option<String>,
    /// A failing feed's next poll, held back by backoff or the server's Retry-After (the
    /// larger; redline stores the resulting time, not which of the two set it).
    pub backoff_until: Option<String>,
    pub articles: i64,
    pub versions: i64,
    pub parse_warning: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedsPage {
    pub schema: &'static str,
    pub feeds: Vec<FeedHealth>,
}

pub fn feeds(conn: &Connection) -> Result<FeedsPage, WebError> {
    let rows = feeds::list(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for f in rows {
        let (articles, versions) = feeds::counts(conn, f.id)?;
        // A failing feed's next poll already waits out the server's Retry-After (or backoff),
        // so a next poll later than the interval after the error is that wait.
        let backoff_until = match (f.last_error_at, f.next_poll_at) {
            (Some(e), Some(n)) if f.error_streak > 0 && n > e => Some(rfc3339(n)),
            _ => None,
        };
        out.push(FeedHealth {
            id: f.id,
            reference: ids::feed(f.id),
            name: f.label(),
            url: f.url.clone(),
            kind: f.kind.clone(),
            active: f.active,
            paused: f.paused,
            last_ok_at: f.last_ok_at.map(rfc3339),
            last_poll_at: f.last_poll_at.map(rfc3339),
            error_streak: f.error_streak,
            last_error: f.last_error.clone(),
            last_error_at: f.last_error_at.map(rfc3339),
            next_poll_at: f.next_poll_at.map(rfc3339),
            backoff_until,
            articles,
            versions,
            parse_warning: f.parse_warning.clone(),
        });
    }
    Ok(FeedsPage {
        schema: FEEDS_SCHEMA,
        feeds: out,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub article_id: i64,
    pub article_ref: String,
    pub feed: String,
    pub title: Option<String>,
    pub url: String,
    pub versions: i64,
    pub changes: i64,
    pub claim_changes: i64,
    /// The version the hit opens: the latest when its text matches, else the newest older
    /// version that held what was searched for.
    pub matched_seq: i64,
    /// Whether the latest text matches; `false` when only an older version did.
    pub matched_latest: bool,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub schema: &'static str,
    pub q: String,
    pub hits: Vec<SearchHit>,
    pub next_cursor: Option<String>,
    /// The URL of the next page of hits, absent on the last one.
    pub next: Option<String>,
}

pub fn search(conn: &Connection, q: &SearchQuery) -> Result<SearchPage, WebError> {
    if q.q.is_empty() {
        return Ok(SearchPage {
            schema: SEARCH_SCHEMA,
            q: String::new(),
            hits: Vec::new(),
            next_cursor: None,
            next: None,
        });
    }
    let rows = articles::list(
        conn,
        &articles::ArticleFilter {
            feed_id: q.feed,
            changed_only: false,
            search: Some(q.q.clone()),
            offset: q.offset,
            limit: q.limit + 1,
            change: q.change.clone(),
        },
    )
    .map_err(|e| match e {
        crate::store::StoreError::Invalid(m) => WebError::bad_request(m),
        e => e.into(),
    })?;
    let more = rows.len() as i64 > q.limit;
    let hits = rows
        .into_iter()
        .take(q.limit as usize)
        .map(|a| {
            let seq = a.matched_seq.unwrap_or(a.versions);
            SearchHit {
                article_ref: ids::article(a.id),
                // The latest text is the article page; an older version opens on the comparison
                // with the next one, its text on the left and what left it marked.
                href: if a.matched_latest || seq >= a.versions {
                    format!("/a/{}#v{seq}", ids::article(a.id))
                } else {
                    format!("/a/{}/v/{seq}..{}?mode=side", ids::article(a.id), seq + 1)
                },
                article_id: a.id,
                feed: a.feed,
                title: a.title,
                url: a.url,
                matched_seq: seq,
                matched_latest: a.matched_latest,
                versions: a.versions,
                changes: a.changes,
                claim_changes: a.claim_changes,
            }
        })
        .collect();
    Ok(SearchPage {
        schema: SEARCH_SCHEMA,
        q: q.q.clone(),
        hits,
        next_cursor: more.then(|| (q.offset + q.limit).to_string()),
        next: more.then(|| format!("/api/v1/search?{}", q.to_query(Some(q.offset + q.limit)))),
    })
}

/// One version on an article's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    /// `a42v3`.
    #[serde(rename = "ref")]
    pub reference: String,
    pub fetched_at: String,
    pub title: String,
    pub title_changed: bool,
    /// Share of this version's sentences added, removed or edited since the previous one, 0..1.
    pub share_changed: f64,
    pub sentences: usize,
    pub claim_kinds: Vec<String>,
    pub claim_changes: usize,
    pub notice: Option<String>,
    pub update_line: Option<String>,
    pub flags: Flags,
    pub provenance: Provenance,
}

/// Where a version came from, as far as redline recorded it.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub fetched_at: String,
    /// `feed` (the feed's text) or `page` (extracted from the article page).
    pub source: String,
    pub url: String,
    pub content_hash: String,
    /// Status of the fetch the version came from (page fetch for page text, feed fetch for
    /// feed text); `None` for versions stored before redline recorded it.
    pub http_status: Option<u16>,
    /// `redline-extract/<version>` for page text, `feed` for feed text; `None` if not recorded.
    pub extractor: Option<String>,
    pub http_last_modified: Option<String>,
    pub feed_updated: Option<String>,
    pub published: Option<String>,
    /// The page's own modified stamp.
    pub modified: Option<String>,
    pub byline: Option<String>,
    /// `ETag` and `Last-Modified` of the fetch the version came from (the page's for page
    /// text, the feed's for feed text); `None` when the server sent none or for versions
    /// stored before redline recorded them (migration 0021).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeadlineChange {
    pub seq: i64,
    pub fetched_at: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticlePage {
    pub schema: &'static str,
    pub id: i64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub feed_id: i64,
    pub feed: String,
    pub url: String,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    /// When redline recorded the unpublishing, if it did.
    pub unpublished_at: Option<String>,
    pub title: String,
    pub headlines: Vec<HeadlineChange>,
    /// Oldest first.
    pub versions: Vec<TimelineEntry>,
}

/// Versions shown on one article page: a live blog with thousands of versions shows its newest.
pub const MAX_TIMELINE: usize = 500;

pub fn article(conn: &Connection, id: i64) -> Result<ArticlePage, WebError> {
    let a = articles::get(conn, id)?
        .ok_or_else(|| WebError::not_found(format!("there is no article {}", ids::article(id))))?;
    let feed = feeds::get(conn, a.feed_id)?
        .map(|f| f.label())
        .unwrap_or_else(|| ids::feed(a.feed_id));
    let mut versions = articles::versions(conn, id)?;
    if versions.len() > MAX_TIMELINE {
        versions.drain(..versions.len() - MAX_TIMELINE);
    }
    let changes = article_changes(conn, id)?;
    let unpublished_at = changes
        .iter()
        .find(|c| c.kind == "unpublished")
        .map(|c| rfc3339(c.created_at));
    let mut entries = Vec::with_capacity(versions.len());
    let mut headlines: Vec<HeadlineChange> = Vec::new();
    let mut prev: Option<&Version> = None;
    for v in &versions {
        let change = changes
            .iter()
            .find(|c| c.kind == "edit" && c.to_seq == Some(v.seq));
        let sentences = diff::split_sentences(&v.body).len();
        let (share, kinds, n_claims, flags) = match change {
            Some(c) => {
                let touched = c.sentences_added + c.sentences_removed + c.sentences_edited;
                let base = (sentences as i64 + c.sentences_removed).max(1);
                let mut kinds: Vec<String> = Vec::new();
                for cl in &c.claims {
                    if !kinds.contains(&cl.kind) {
                        kinds.push(cl.kind.clone());
                    }
                }
                let silent = c.silent.unwrap_or_else(|| {
                    prev.is_some_and(|p| {
                        !(v.stamps.notice.is_some() && v.stamps.notice != p.stamps.notice
                            || v.stamps.update_line.is_some()
                                && v.stamps.update_line != p.stamps.update_line)
                    })
                });
                (
                    (touched as f64 / base as f64).min(1.0),
                    kinds,
                    c.claims.len(),
                    Flags {
                        silent,
                        stealth: c.stealth,
                        cosmetic: c.cosmetic,
                        revert: c.revert_of.is_some(),
                        unpublished: false,
                    },
                )
            }
            None => (0.0, Vec::new(), 0, Flags::default()),
        };
        let title_changed = prev.is_some_and(|p| p.title != v.title);
        if prev.is_none() || title_changed {
            headlines.push(HeadlineChange {
                seq: v.seq,
                fetched_at: rfc3339(v.fetched_at),
                title: v.title.clone(),
            });
        }
        let latest = v.seq == versions.last().map_or(0, |l| l.seq);
        entries.push(TimelineEntry {
            seq: v.seq,
            reference: ids::version(id, v.seq),
            fetched_at: rfc3339(v.fetched_at),
            title: v.title.clone(),
            title_changed,
            share_changed: share,
            sentences,
            claim_kinds: kinds,
            claim_changes: n_claims,
            notice: v.stamps.notice.clone(),
            update_line: v.stamps.update_line.clone(),
            flags: Flags {
                cosmetic: flags.cosmetic || v.cosmetic,
                revert: flags.revert || v.revert_of.is_some(),
                unpublished: latest && a.status == "unpublished",
                ..flags
            },
            provenance: Provenance {
                fetched_at: rfc3339(v.fetched_at),
                source: v.source.clone(),
                url: v.url.clone(),
                content_hash: v.hash.clone(),
                http_status: v.http_status,
                extractor: v.extractor.clone(),
                http_last_modified: v.stamps.http_last_modified.clone(),
                feed_updated: v.stamps.feed_updated.clone(),
                published: v.published.clone(),
                modified: v.modified.clone(),
                byline: v.byline.clone(),
                etag: v.etag.clone(),
                last_modified: v.last_modified.clone(),
            },
        });
        prev = Some(v);
    }
    Ok(ArticlePage {
        schema: ARTICLE_SCHEMA,
        id,
        reference: ids::article(id),
        feed_id: a.feed_id,
        feed,
        url: a.url.clone(),
        status: a.status.clone(),
        first_seen: rfc3339(a.first_seen),
        last_seen: rfc3339(a.last_seen),
        unpublished_at,
        title: versions.last().map(|v| v.title.clone()).unwrap_or_default(),
        headlines,
        versions: entries,
    })
}

/// One article's change records, with their claims.
struct ArticleChange {
    kind: String,
    to_seq: Option<i64>,
    created_at: i64,
    sentences_added: i64,
    sentences_removed: i64,
    sentences_edited: i64,
    cosmetic: bool,
    stealth: bool,
    revert_of: Option<i64>,
    /// The stored silent flag; `None` for changes recorded before it existed.
    silent: Option<bool>,
    claims: Vec<ClaimRow>,
}

/// By the `(article_id, to_seq)` index: `changes::list` filters with `?3 IS NULL OR …`, which
/// SQLite cannot serve from an index, so it would scan every change for one article page.
fn article_changes(conn: &Connection, id: i64) -> Result<Vec<ArticleChange>, WebError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, to_seq, created_at, sentences_added, sentences_removed, \
           sentences_edited, cosmetic, stealth, revert_of, silent FROM changes WHERE article_id = ?1",
    )?;
    let rows: Vec<(i64, ArticleChange)> = stmt
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                ArticleChange {
                    kind: r.get(1)?,
                    to_seq: r.get(2)?,
                    created_at: r.get(3)?,
                    sentences_added: r.get(4)?,
                    sentences_removed: r.get(5)?,
                    sentences_edited: r.get(6)?,
                    cosmetic: r.get(7)?,
                    stealth: r.get(8)?,
                    revert_of: r.get(9)?,
                    silent: r.get(10)?,
                    claims: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (change_id, mut c) in rows {
        c.claims = claims_of(conn, change_id)?;
        out.push(c);
    }
    Ok(out)
}

/// Two versions of one article and their comparison, the diff page's material.
pub struct DiffData {
    pub article_id: i64,
    pub feed: String,
    pub latest_seq: i64,
    pub old: Version,
    pub new: Version,
    pub report: DiffReport,
}

pub fn diff(conn: &Connection, id: i64, from: i64, to: i64) -> Result<DiffData, WebError> {
    let a = articles::get(conn, id)?
        .ok_or_else(|| WebError::not_found(format!("there is no article {}", ids::article(id))))?;
    let latest_seq: i64 = conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM versions WHERE article_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let get = |seq: i64| -> Result<Version, WebError> {
        articles::version(conn, id, seq)?.ok_or_else(|| {
            WebError::not_found(format!(
                "article {} has no version {seq}; it has versions 1 to {latest_seq}",
                ids::article(id)
            ))
        })
    };
    let (old, new) = (get(from)?, get(to)?);
    let feed = feeds::get(conn, a.feed_id)?
        .map(|f| f.label())
        .unwrap_or_else(|| ids::feed(a.feed_id));
    // Cosmetic between these two versions, as `redline diff` judges it.
    let cosmetic = old.hash != new.hash && old.typo_hash == new.typo_hash;
    let analysis = analyze((&old).into(), (&new).into(), cosmetic);
    let archive = crate::alert::archive::links(conn, id, Some(old.seq), Some(new.seq))?;
    let side = |v: &Version, archived: &Option<String>| {
        let mut s = Side::new(format!("v{}", v.seq), VersionView::from(v));
        s.archive = archived.clone();
        s.reference = Some(ids::version(v.article_id, v.seq));
        s.article_id = Some(v.article_id);
        s.seq = Some(v.seq);
        s.fetched_at = Some(rfc3339(v.fetched_at));
        s
    };
    let report = DiffReport {
        schema: DIFF_SCHEMA,
        version: DIFF_SCHEMA_VERSION,
        minor: DIFF_SCHEMA_MINOR,
        old: side(&old, &archive.before),
        new: side(&new, &archive.after),
        title_changed: analysis.title_changed(),
        fields_changed: analysis
            .change
            .fields
            .iter()
            .map(|f| f.to_string())
            .collect(),
        cosmetic,
        stealth: analysis.change.stealth,
        stealth_evidence: analysis.change.evidence.clone(),
        sentences: crate::payload::SentenceCounts::of(&analysis.revision),
        claim_changes: analysis.claims,
        notices: analysis.change.notices,
        silent: analysis.change.silent,
        ops: analysis.revision,
        simplified: !analysis.simplified.is_empty(),
        simplified_reasons: analysis.simplified.iter().map(|s| s.to_string()).collect(),
        archive_diff: archive.diff,
    };
    Ok(DiffData {
        article_id: id,
        feed,
        latest_seq,
        old,
        new,
        report,
    })
}

/// The paragraph of `body` holding `sentence`, for a claim card's context.
pub fn paragraph_of<'a>(body: &'a str, sentence: &str) -> Option<&'a str> {
    let needle = sentence.trim();
    if needle.is_empty() {
        return None;
    }
    body.split("\n\n")
        .find(|p| p.contains(needle))
        .map(str::trim)
}
