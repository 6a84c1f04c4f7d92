//! One feed through every stage: fetch → parse → (fetch pages → extract) → normalize →
//! version → store, committed in one transaction. `redline run` and `redline poll` both call
//! `poll_feed`; a feed's failure ends up on its own row and never reaches its neighbours.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use url::Url;

use crate::alert::{self, StoredChange};
use crate::config::{Config, Rung};
use crate::extract::extract_article;
use crate::feed::{FeedEntry, parse_feed};
use crate::fetch::{FetchOutcome, HttpClient, Validators, decode_html};
use crate::normalize::{Snapshot, TextSource, bytes_hash, split_blank_lines};
use crate::store::articles::{self, ArticleRow, PageState};
use crate::store::changes::{self, NewChange};
use crate::store::feeds::{self, FeedRow, FeedSuccess};
use crate::store::{Store, StoreError, unix_now};
use crate::unwind::{self, CatchUnwind};
use crate::version::{Decision, decide};

mod analysis;
use analysis::Precomputed;
pub mod recheck;
mod watch;
pub use recheck::recheck_feed;

/// Article pages fetched at most per feed per poll; the rest wait for the next poll.
pub const MAX_PAGES_PER_POLL: usize = 100;
/// Article pages of one feed fetched (or waiting for extraction) at once.
pub const PAGES_IN_FLIGHT_PER_FEED: usize = 4;

/// Page extractions running at once, process-wide.
static EXTRACT_SLOTS: std::sync::LazyLock<Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| {
        Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ))
    });

/// Runs `f` on the blocking pool once one of `slots` is free, waiting at most `timeout` for
/// it to finish. `None` when it took longer. The slot stays taken until `f` really returns,
/// not until we stop waiting: a blocking thread cannot be cancelled, so releasing the slot at
/// the timeout would let slow extractions pile up past the limit.
async fn run_in_slot<T: Send + 'static>(
    slots: &Arc<tokio::sync::Semaphore>,
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<Result<T, unwind::Panicked>> {
    // The semaphore is never closed; if it were, running unthrottled beats not running.
    let permit = slots.clone().acquire_owned().await.ok();
    let running = unwind::spawn_blocking(move || {
        let _slot = permit;
        f()
    });
    tokio::time::timeout(timeout, running).await.ok()
}

/// A page refused as a failed extraction this many times in a row with the same text is taken
/// as a real cut and stored (a paywall that lifts, a broken template that is fixed, does not
/// get there).
pub const CONFIRM_SHRINK: i64 = 3;

/// Longest we wait for one page's extraction (typical: 2-5 ms; hostile pages: seconds).
pub const EXTRACT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a poll needs from the world.
#[derive(Clone)]
pub struct PollContext {
    pub store: Store,
    pub http: Arc<HttpClient>,
    pub config: Arc<Config>,
    pub shutdown: CancellationToken,
    /// Polls in progress at once. Fetching is already bounded by the HTTP client; this also
    /// bounds parsed feeds waiting for the database, so 10,000 due feeds do not sit in memory
    /// at once.
    pub slots: Arc<tokio::sync::Semaphore>,
}

impl PollContext {
    pub fn new(
        store: Store,
        http: Arc<HttpClient>,
        config: Arc<Config>,
        shutdown: CancellationToken,
    ) -> Self {
        let slots = Arc::new(tokio::sync::Semaphore::new(config.http.concurrency * 2));
        Self {
            store,
            http,
            config,
            shutdown,
            slots,
        }
    }
}

/// What one poll of one feed did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PollReport {
    pub feed_id: i64,
    pub feed: String,
    pub not_modified: bool,
    pub entries: usize,
    pub new_articles: usize,
    pub new_versions: usize,
    pub cosmetic_versions: usize,
    pub reverts: usize,
    pub claim_changes: usize,
    pub pages_fetched: usize,
    pub unpublished: usize,
    /// Alerts written to the outbox.
    pub alerts: usize,
    /// Errors on individual article pages (the feed itself was fine).
    pub page_errors: Vec<String>,
    /// The feed's own error, if the poll failed.
    pub error: Option<String>,
    /// Stopped by shutdown (Ctrl-C, SIGTERM) before it finished: nothing was fetched, or the
    /// feed and some of its pages were and are stored, and `pages_interrupted` were not.
    pub cancelled: bool,
    /// Article pages planned but not fetched because of shutdown; due again at the next poll.
    pub pages_interrupted: usize,
}

/// A page to (re)fetch and what to do with its text.
#[derive(Debug, Clone)]
struct PageJob {
    /// Known article, or `None` for a new entry (keyed by its feed id).
    article: Option<ArticleRow>,
    entry_id: Option<String>,
    /// The entry's `updated`, evidence for the stealth flag of what the page shows.
    entry_updated: Option<String>,
    url: Url,
    validators: Validators,
    previous_page_hash: Option<String>,
}

#[derive(Debug)]
enum PageResult {
    Extracted {
        snapshot: Box<Snapshot>,
        validators: Validators,
        page_hash: String,
    },
    /// 304, or the same bytes as last time: nothing to extract.
    Unchanged {
        validators: Validators,
    },
    Failed {
        error: String,
        gone: bool,
    },
}

/// Polls one feed now. Never returns an error: failures are recorded on the feed's row and in
/// the report, so the caller can go on with the next feed. A panic in any stage is one of
/// those failures: the feed backs off like after any error and is polled again (see #9).
#[tracing::instrument(skip_all, fields(feed = %feed.label()))]
pub async fn poll_feed(ctx: &PollContext, feed: &FeedRow) -> PollReport {
    match CatchUnwind::new(poll_feed_unguarded(ctx, feed)).await {
        Ok(report) => report,
        Err(p) => {
            p.log("feed poll");
            let mut report = PollReport {
                feed_id: feed.id,
                feed: feed.label(),
                ..PollReport::default()
            };
            record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
            report
        }
    }
}

async fn poll_feed_unguarded(ctx: &PollContext, feed: &FeedRow) -> PollReport {
    let mut report = PollReport {
        feed_id: feed.id,
        feed: feed.label(),
        ..PollReport::default()
    };
    // The semaphore is never closed; if it were, polling unthrottled beats not polling.
    let slot = tokio::select! {
        () = ctx.shutdown.cancelled() => { report.cancelled = true; return report; }
        s = ctx.slots.clone().acquire_owned() => s.ok(),
    };
    if feed.is_page() {
        return watch::poll_page(ctx, feed, report).await;
    }
    let url = match Url::parse(&feed.url) {
        Ok(u) => u,
        Err(e) => {
            let msg = format!("stored URL `{}` is invalid: {e}", feed.url);
            record_feed_error(ctx, feed, &msg, None, &mut report).await;
            return report;
        }
    };
    let validators = if feed.validators_stale(unix_now()) {
        Validators::default()
    } else {
        Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        }
    };
    let fetched = tokio::select! {
        () = ctx.shutdown.cancelled() => { report.cancelled = true; return report; }
        r = ctx.http.get(&url, &validators) => r,
    };
    let now = unix_now();
    let mut success = FeedSuccess::default();
    let mut max_age: Option<Duration>;
    let entries = match fetched {
        Err(e) => {
            warn!(error = %e, "feed fetch failed");
            let retry_after = e.retry_after();
            record_feed_error(ctx, feed, &e.to_string(), retry_after, &mut report).await;
            return report;
        }
        Ok(FetchOutcome::NotModified {
            validators,
            max_age: age,
        }) => {
            report.not_modified = true;
            success.etag = validators.etag;
            success.last_modified = validators.last_modified;
            max_age = age;
            None
        }
        Ok(FetchOutcome::Fresh(mut body)) => {
            let hash = bytes_hash(&body.body);
            let document_url = body.document_url();
            success.body = true;
            success.http_status = Some(body.status.as_u16());
            success.etag = body.validators.etag;
            success.last_modified = body.validators.last_modified;
            success.new_url = body.moved_to.map(|u| u.to_string());
            max_age = body.max_age;
            if feed.body_hash.as_deref() == Some(hash.as_str()) {
                // Same bytes as last time, without validators to say so: skip parsing.
                report.not_modified = true;
                None
            } else {
                // Parsing a large feed is CPU work: keep it off the async workers.
                let (bytes, base, ct, feed_url) = (
                    std::mem::take(&mut body.body),
                    document_url,
                    body.content_type.clone(),
                    feed.url.clone(),
                );
                let parsing = unwind::spawn_blocking(move || {
                    unwind::inject_panic("parse", &feed_url);
                    parse_feed(&bytes, &base, ct.as_deref())
                })
                .await;
                let parsing = match parsing {
                    Ok(r) => r,
                    Err(p) => {
                        p.log("parsing the feed");
                        record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
                        return report;
                    }
                };
                match parsing {
                    Ok(parsed) => {
                        let warning = parsed.bozo.then(|| bozo_summary(&parsed.warnings));
                        if let Some(w) = &warning {
                            // Read anyway, but the publisher should hear of it: once per new
                            // document, since unchanged bytes are not parsed again.
                            warn!(encoding = %parsed.encoding, warning = %w, "feed is not well-formed; read leniently");
                        }
                        success.parsed = Some(feeds::ParseNotes {
                            encoding: parsed.encoding,
                            warning,
                        });
                        success.body_hash = Some(hash);
                        success.title = parsed.title;
                        if let Some(ttl) = parsed.ttl {
                            max_age = Some(max_age.map_or(ttl, |a: Duration| a.max(ttl)));
                        }
                        Some(parsed.entries)
                    }
                    Err(e) => {
                        let msg = format!("{url}: {e}");
                        warn!(error = %msg, "feed parse failed");
                        record_feed_error(ctx, feed, &msg, None, &mut report).await;
                        return report;
                    }
                }
            }
        }
    };
    report.entries = entries.as_ref().map_or(0, Vec::len);
    let interval = ctx.config.interval_for(feed.interval());
    success.next_poll_at = now + next_poll_delay(interval, ctx.config.schedule.jitter, max_age);

    // Plan page fetches (full-text feeds): new or changed entries, plus re-checks that are due.
    let jobs = if feed.full_text {
        let store = ctx.store.clone();
        let feed_id = feed.id;
        let entries_for_plan = entries.clone();
        match unwind::spawn_blocking(move || {
            store.read(|c| plan_pages(c, feed_id, entries_for_plan.as_deref(), now))
        })
        .await
        {
            Ok(Ok(jobs)) => jobs,
            // Back off like any other failure, or the feed would be re-polled at once, forever.
            Ok(Err(e)) => {
                record_feed_error(ctx, feed, &format!("database: {e}"), None, &mut report).await;
                return report;
            }
            Err(p) => {
                p.log("planning page fetches");
                record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
                return report;
            }
        }
    } else {
        Vec::new()
    };
    let (pages, interrupted) = fetch_pages(&ctx.http, jobs, &ctx.shutdown).await;
    report.pages_fetched = pages.len();
    // The feed and the pages that finished are committed below; the rest is reported.
    report.pages_interrupted = interrupted;
    report.cancelled |= interrupted > 0;

    // Everything this poll learned, in one transaction.
    let store = ctx.store.clone();
    let config = ctx.config.clone();
    let feed_row = feed.clone();
    let mut rep = report.clone();
    if entries.is_none() && pages.is_empty() && success.new_url.is_none() {
        // Nothing new (a 304, or the same bytes): one row update, committed with whatever
        // other such updates are waiting, which is most of a warm cycle at scale. It holds no
        // parsed feed or page, which is what the slot bounds, so the slot goes to the next
        // fetch instead of waiting for the group commit with it.
        drop(slot);
        let feed_id = feed.id;
        let outcome = unwind::spawn_blocking(move || {
            store.write_grouped(move |tx| feeds::record_success(tx, feed_id, &success, now))?;
            Ok::<_, StoreError>(rep)
        })
        .await;
        return stored_poll(ctx, feed, outcome, report).await;
    }
    let outcome = unwind::spawn_blocking(move || {
        // Diff and claims first, with the database released: the transaction only writes.
        let mut ahead = analysis::precompute(&store, &feed_row, entries.as_deref(), &pages)?;
        store.write(|tx| {
            commit_poll(
                tx,
                &config,
                &feed_row,
                entries.as_deref(),
                pages,
                &success,
                now,
                &mut rep,
                &mut ahead,
            )
        })?;
        Ok::<_, StoreError>(rep)
    })
    .await;
    stored_poll(ctx, feed, outcome, report).await
}

/// Logs how storing a poll went; a failure is recorded against the feed.
async fn stored_poll(
    ctx: &PollContext,
    feed: &FeedRow,
    outcome: Result<Result<PollReport, StoreError>, unwind::Panicked>,
    mut report: PollReport,
) -> PollReport {
    match outcome {
        Ok(Ok(rep)) => {
            // A poll that found nothing new is most of every cycle: at INFO, 100,000 feeds
            // would write 100,000 lines a cycle, and journald's rate limit (10,000 per 30 s by
            // default) would then drop the warnings that matter along with them.
            if rep.new_articles == 0 && rep.new_versions == 0 && rep.unpublished == 0 {
                debug!(
                    entries = rep.entries,
                    not_modified = rep.not_modified,
                    "polled, nothing new"
                );
            } else {
                info!(
                    entries = rep.entries,
                    new_articles = rep.new_articles,
                    new_versions = rep.new_versions,
                    not_modified = rep.not_modified,
                    "polled"
                );
            }
            rep
        }
        Ok(Err(e)) => {
            warn!(error = %e, "could not store poll");
            record_feed_error(ctx, feed, &format!("database: {e}"), None, &mut report).await;
            report
        }
        Err(p) => {
            p.log("storing the poll");
            record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
            report
        }
    }
}

/// One line for a bozo feed's row: the first warning, and how many more there were.
fn bozo_summary(warnings: &[String]) -> String {
    let first = warnings
        .first()
        .map(String::as_str)
        .unwrap_or("not well-formed");
    // A warning quotes the document; keep the row and the status line short.
    let mut line: String = first.chars().take(300).collect();
    if warnings.len() > 1 {
        line.push_str(&format!(" (and {} more)", warnings.len() - 1));
    }
    line
}

async fn record_feed_error(
    ctx: &PollContext,
    feed: &FeedRow,
    message: &str,
    retry_after: Option<Duration>,
    report: &mut PollReport,
) {
    report.error = Some(message.to_string());
    let now = unix_now();
    let interval = ctx.config.interval_for(feed.interval());
    let delay = backoff_delay(
        interval,
        ctx.config.schedule.max_backoff,
        feed.error_streak + 1,
        retry_after,
    );
    let store = ctx.store.clone();
    let id = feed.id;
    let msg = message.to_string();
    let stored = tokio::task::spawn_blocking(move || {
        store.write(|tx| feeds::record_error(tx, id, &msg, now + delay, now))
    })
    .await;
    if !matches!(stored, Ok(Ok(()))) {
        warn!("could not record the feed error in the database");
    }
}

/// Seconds until the next regular poll: the interval plus jitter, but never sooner than the
/// feed's `<ttl>` or `Cache-Control: max-age` asks.
pub fn next_poll_delay(interval: Duration, jitter: Duration, at_least: Option<Duration>) -> i64 {
    let jitter_secs = jitter.as_secs();
    let spread = if jitter_secs == 0 {
        0
    } else {
        fastrand::u64(0..=jitter_secs)
    };
    let base = interval.as_secs() + spread;
    base.max(at_least.map_or(0, |d| d.as_secs())) as i64
}

/// Seconds until a failing feed is tried again: the interval doubled per consecutive error
/// (capped), ±20% jitter so failing feeds spread out, and at least what `Retry-After` asked.
pub fn backoff_delay(
    interval: Duration,
    max_backoff: Duration,
    streak: i64,
    retry_after: Option<Duration>,
) -> i64 {
    let exp = u32::try_from((streak - 1).clamp(0, 20)).unwrap_or(20);
    let base = interval
        .as_secs()
        .saturating_mul(1u64 << exp)
        .min(max_backoff.as_secs().max(interval.as_secs()));
    let jittered = (base as f64 * (0.8 + 0.4 * fastrand::f64())) as u64;
    jittered.max(retry_after.map_or(0, |d| d.as_secs())).max(1) as i64
}

/// When an article page is next re-checked, by the ladder and the article's age since redline
/// first saw it. `None` once it is past the last rung.
pub fn next_check_at(ladder: &[Rung], first_seen: i64, now: i64) -> Option<i64> {
    let age = Duration::from_secs(u64::try_from(now - first_seen).unwrap_or(0));
    let rung = ladder.iter().find(|r| age < r.until)?;
    Some(now + rung.every.as_secs() as i64)
}

fn plan_pages(
    conn: &Connection,
    feed_id: i64,
    entries: Option<&[FeedEntry]>,
    now: i64,
) -> Result<Vec<PageJob>, StoreError> {
    let mut jobs: Vec<PageJob> = Vec::new();
    let mut planned: Vec<i64> = Vec::new();
    let doc_ids: HashSet<&str> = entries
        .unwrap_or(&[])
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    for e in entries.unwrap_or(&[]) {
        let Ok(url) = Url::parse(&e.url) else {
            continue;
        };
        let existing = articles::find_for_entry(conn, feed_id, &e.id, &e.url, |a| {
            planned.contains(&a.id) || (a.guid != e.id && doc_ids.contains(a.guid.as_str()))
        })?;
        let needed = match &existing {
            None => articles::tracked_elsewhere(conn, &e.url, Some(feed_id), true)?.is_none(),
            Some(a) => {
                a.status == "live" && a.entry_hash.as_deref() != Some(e.entry_hash().as_str())
            }
        };
        if needed {
            if let Some(a) = &existing {
                planned.push(a.id);
            }
            jobs.push(PageJob {
                validators: existing.as_ref().map(page_validators).unwrap_or_default(),
                previous_page_hash: existing.as_ref().and_then(|a| a.page_hash.clone()),
                article: existing,
                entry_id: Some(e.id.clone()),
                entry_updated: rfc3339(e.updated),
                url,
            });
        }
    }
    for a in articles::due_pages(conn, feed_id, now)? {
        if planned.contains(&a.id) {
            continue;
        }
        let Ok(url) = Url::parse(&a.url) else {
            continue;
        };
        jobs.push(PageJob {
            validators: page_validators(&a),
            previous_page_hash: a.page_hash.clone(),
            article: Some(a),
            entry_id: None,
            entry_updated: None,
            url,
        });
    }
    jobs.truncate(MAX_PAGES_PER_POLL);
    Ok(jobs)
}

fn page_validators(a: &ArticleRow) -> Validators {
    Validators {
        etag: a.page_etag.clone(),
        last_modified: a.page_last_modified.clone(),
    }
}

type PageTask = Result<(usize, PageJob, PageResult), tokio::task::JoinError>;

fn collect_page(out: &mut Vec<(usize, PageJob, PageResult)>, joined: Option<PageTask>) {
    match joined {
        Some(Ok(r)) => out.push(r),
        Some(Err(e)) => warn!(error = %e, "page task failed"),
        None => {}
    }
}

/// Fetches (and extracts) the pages of one poll, a few at a time. On shutdown it stops
/// waiting and returns the pages that finished, plus how many were not fetched, so the caller
/// commits what was done instead of throwing it away (Ctrl-C during `poll`, see #12). Pages
/// not fetched keep their `next_check_at`, so the next poll picks them up.
async fn fetch_pages(
    http: &Arc<HttpClient>,
    jobs: Vec<PageJob>,
    shutdown: &CancellationToken,
) -> (Vec<(PageJob, PageResult)>, usize) {
    let total = jobs.len();
    let mut set = JoinSet::new();
    let mut out = Vec::new();
    let mut jobs = jobs.into_iter().enumerate();
    loop {
        // A few pages of one feed at a time: fetched pages wait for an extraction slot, and
        // hundreds of 50 KB pages waiting is memory for nothing.
        while set.len() < PAGES_IN_FLIGHT_PER_FEED
            && !shutdown.is_cancelled()
            && let Some((i, job)) = jobs.next()
        {
            let http = http.clone();
            set.spawn(async move {
                // A panic on one page is that page's error, like a 500 would be; the feed's
                // other articles carry on.
                let result = match CatchUnwind::new(fetch_page(&http, &job)).await {
                    Ok(r) => r,
                    Err(p) => {
                        p.log("page check");
                        PageResult::Failed {
                            error: format!("{}: {p}", job.url),
                            gone: false,
                        }
                    }
                };
                (i, job, result)
            });
        }
        tokio::select! {
            // Finished pages first: one that completed as the signal came still counts.
            biased;
            joined = set.join_next() => match joined {
                Some(j) => collect_page(&mut out, Some(j)),
                None => break,
            },
            () = shutdown.cancelled() => {
                while let Some(j) = set.try_join_next() {
                    collect_page(&mut out, Some(j));
                }
                set.abort_all();
                break;
            }
        }
    }
    // Deterministic order: the order the jobs were planned in.
    out.sort_by_key(|(i, _, _)| *i);
    let interrupted = total - out.len();
    (
        out.into_iter().map(|(_, j, r)| (j, r)).collect(),
        interrupted,
    )
}

async fn fetch_page(http: &HttpClient, job: &PageJob) -> PageResult {
    match http.get(&job.url, &job.validators).await {
        Err(e) => PageResult::Failed {
            gone: e.is_gone(),
            error: e.to_string(),
        },
        Ok(FetchOutcome::NotModified { validators, .. }) => PageResult::Unchanged { validators },
        Ok(FetchOutcome::Fresh(body)) => {
            let page_hash = bytes_hash(&body.body);
            if job.previous_page_hash.as_deref() == Some(page_hash.as_str()) {
                return PageResult::Unchanged {
                    validators: body.validators,
                };
            }
            let html = decode_html(&body.body, body.content_type.as_deref());
            let url = body.final_url.clone();
            let canonical = job.url.to_string();
            // Extraction is CPU work: keep it off the async workers.
            // One extraction per core at a time: more only adds threads and memory.
            let extracted = run_in_slot(&EXTRACT_SLOTS, EXTRACT_TIMEOUT, move || {
                unwind::inject_panic("extract", url.as_str());
                extract_article(&html, &url)
            })
            .await;
            let Some(extracted) = extracted else {
                return PageResult::Failed {
                    error: format!(
                        "{}: extraction took longer than {}s",
                        job.url,
                        EXTRACT_TIMEOUT.as_secs()
                    ),
                    gone: false,
                };
            };
            match extracted {
                Ok(Ok(x)) if !x.paragraphs.is_empty() => {
                    let mut snapshot = Snapshot::from_extracted(x, &canonical);
                    snapshot.stamps.http_last_modified = body.validators.last_modified.clone();
                    snapshot.stamps.feed_updated = job.entry_updated.clone();
                    snapshot.http_status = Some(body.status.as_u16());
                    snapshot.etag = body.validators.etag.clone();
                    snapshot.last_modified = body.validators.last_modified.clone();
                    PageResult::Extracted {
                        snapshot: Box::new(snapshot),
                        validators: body.validators,
                        page_hash,
                    }
                }
                Ok(Ok(_)) => PageResult::Failed {
                    error: format!("{}: no article text found on the page", job.url),
                    gone: false,
                },
                Ok(Err(e)) => PageResult::Failed {
                    error: format!("{}: {e}", job.url),
                    gone: false,
                },
                Err(p) => {
                    p.log("extraction");
                    PageResult::Failed {
                        error: format!("{}: extraction failed: {p}", job.url),
                        gone: false,
                    }
                }
            }
        }
    }
}

fn rfc3339(d: Option<DateTime<Utc>>) -> Option<String> {
    d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A snapshot of an entry from the feed's own text.
fn feed_snapshot(e: &FeedEntry) -> Snapshot {
    let paragraphs: Vec<String> = split_blank_lines(e.body())
        .into_iter()
        .map(String::from)
        .collect();
    // Feed text carries the same furniture as pages ("Updated 14:05 GMT", "By …").
    let (paragraphs, furniture, notice) = crate::stamps::split_furniture(paragraphs);
    let byline = e.byline().or(furniture.byline);
    let mut s = Snapshot::new(
        &e.title,
        byline.as_deref(),
        &e.url,
        &paragraphs,
        TextSource::Feed,
    );
    s.published = rfc3339(e.published);
    s.modified = rfc3339(e.updated);
    s.stamps.feed_updated = s.modified.clone();
    s.stamps.update_line = furniture.update_line;
    s.stamps.notice = notice;
    s.extractor = Some("feed");
    s
}

/// Which stored article each entry of one feed document is. Shared by the read ahead of the
/// write (`analysis`) and the write itself, so both apply the same identity rules: the guid
/// first, else the URL, but never an article another entry of the same document claims by
/// guid (live blogs share a link), and never one already taken by an earlier entry.
pub(crate) struct EntryMatcher<'e> {
    doc_ids: HashSet<&'e str>,
    taken: HashSet<i64>,
}

impl<'e> EntryMatcher<'e> {
    pub(crate) fn new(entries: &'e [FeedEntry]) -> Self {
        Self {
            doc_ids: entries.iter().map(|e| e.id.as_str()).collect(),
            taken: HashSet::new(),
        }
    }

    /// The stored article `e` is, if any. An article found by guid is returned even when
    /// taken (the same guid twice in one document); check `is_taken`.
    pub(crate) fn find(
        &self,
        conn: &rusqlite::Connection,
        feed_id: i64,
        e: &FeedEntry,
    ) -> Result<Option<ArticleRow>, StoreError> {
        articles::find_for_entry(conn, feed_id, &e.id, &e.url, |a| {
            self.taken.contains(&a.id) || (a.guid != e.id && self.doc_ids.contains(a.guid.as_str()))
        })
    }

    pub(crate) fn is_taken(&self, article_id: i64) -> bool {
        self.taken.contains(&article_id)
    }

    /// Marks the article as this document's entry; false if an earlier entry had it.
    pub(crate) fn take(&mut self, article_id: i64) -> bool {
        self.taken.insert(article_id)
    }
}

#[allow(clippy::too_many_arguments)]
fn commit_poll(
    tx: &Connection,
    config: &Config,
    feed: &FeedRow,
    entries: Option<&[FeedEntry]>,
    pages: Vec<(PageJob, PageResult)>,
    success: &FeedSuccess,
    now: i64,
    report: &mut PollReport,
    ahead: &mut Precomputed,
) -> Result<(), StoreError> {
    let mut entry_articles: HashMap<String, ArticleRow> = HashMap::new();
    let mut matcher = EntryMatcher::new(entries.unwrap_or(&[]));
    for e in entries.unwrap_or(&[]) {
        let entry_hash = e.entry_hash();
        let mut unchanged = false;
        let found = matcher.find(tx, feed.id, e)?;
        if found.as_ref().is_some_and(|a| matcher.is_taken(a.id)) {
            // The same guid twice in one document: the first one counts.
            continue;
        }
        let article_id = match found {
            Some(a) => {
                // Same entry hash: nothing the feed says about it changed, so there is no new
                // version to look for (the common case when one item of a feed changed).
                unchanged = a.entry_hash.as_deref() == Some(entry_hash.as_str());
                articles::touch(tx, a.id, &e.id, &e.url, &entry_hash, now)?;
                if feed.full_text && !unchanged {
                    // The feed says the article changed: its page is due now, whatever the
                    // ladder says, so a page fetch that fails or is cut from this poll is
                    // retried at the next poll instead of hours later. A changed entry is also
                    // a sign of life for an article marked unpublished.
                    articles::mark_due(tx, a.id, now)?;
                }
                a.id
            }
            None if articles::tracked_elsewhere(tx, &e.url, Some(feed.id), true)?.is_some() => {
                // A watched page already keeps this URL: one URL, one article.
                continue;
            }
            None => {
                report.new_articles += 1;
                let id = articles::insert(tx, feed.id, &e.id, &e.url, &entry_hash, now)?;
                if feed.full_text {
                    // Fetch its page on this poll's results below, else on the next poll.
                    articles::set_page_state(
                        tx,
                        id,
                        &PageState {
                            next_check_at: Some(now),
                            ..PageState::default()
                        },
                    )?;
                }
                id
            }
        };
        matcher.take(article_id);
        if !feed.full_text && !unchanged {
            let mut snap = feed_snapshot(e);
            snap.http_status = success.http_status;
            snap.etag = success.etag.clone();
            snap.last_modified = success.last_modified.clone();
            record_snapshot(tx, config, feed, article_id, &snap, now, report, ahead)?;
        }
        if feed.full_text
            && let Some(a) = articles::get(tx, article_id)?
        {
            entry_articles.insert(e.id.clone(), a);
        }
    }

    commit_pages(
        tx,
        config,
        feed,
        pages,
        &entry_articles,
        None,
        now,
        report,
        ahead,
    )?;

    // Last, after the articles and versions are written: a test of it shows the rollback.
    unwind::inject_panic("commit", &feed.url);
    feeds::record_success(tx, feed.id, success, now)?;
    Ok(())
}

/// Stores the pages of a page-only pass (a re-check, a watched page): diff and claims are
/// computed first with the database released, then one transaction writes the pages and
/// whatever `then` adds for the feed row. Returns the updated report and `then`'s value.
async fn store_page_pass<T: Send + 'static>(
    ctx: &PollContext,
    feed: &FeedRow,
    pages: Vec<(PageJob, PageResult)>,
    not_before: Option<i64>,
    now: i64,
    report: &PollReport,
    then: impl FnOnce(&Connection, &Config, &PollReport) -> Result<T, StoreError> + Send + 'static,
) -> Result<Result<(PollReport, T), StoreError>, unwind::Panicked> {
    let store = ctx.store.clone();
    let config = ctx.config.clone();
    let feed_row = feed.clone();
    let mut rep = report.clone();
    unwind::spawn_blocking(move || {
        let mut ahead = analysis::precompute(&store, &feed_row, None, &pages)?;
        store
            .write(|tx| {
                commit_pages(
                    tx,
                    &config,
                    &feed_row,
                    pages,
                    &HashMap::new(),
                    not_before,
                    now,
                    &mut rep,
                    &mut ahead,
                )?;
                then(tx, &config, &rep)
            })
            .map(|extra| (rep, extra))
    })
    .await
}

/// Stores what the page fetches of one pass found. `not_before`, when set, is the earliest
/// next check any of these pages gets (a re-check pass outside a poll: see `recheck`).
#[allow(clippy::too_many_arguments)]
fn commit_pages(
    tx: &Connection,
    config: &Config,
    feed: &FeedRow,
    pages: Vec<(PageJob, PageResult)>,
    entry_articles: &HashMap<String, ArticleRow>,
    not_before: Option<i64>,
    now: i64,
    report: &mut PollReport,
    ahead: &mut Precomputed,
) -> Result<(), StoreError> {
    for (job, result) in pages {
        let article = match (&job.article, &job.entry_id) {
            (Some(a), _) => articles::get(tx, a.id)?,
            (None, Some(id)) => entry_articles.get(id).cloned(),
            (None, None) => None,
        };
        let Some(article) = article else { continue };
        let next = next_check_at(&config.schedule.recheck, article.first_seen, now);
        let mut state = PageState {
            next_check_at: next,
            ..PageState::default()
        };
        match result {
            PageResult::Extracted {
                snapshot,
                validators,
                page_hash,
            } => {
                if let Some(err) =
                    record_snapshot(tx, config, feed, article.id, &snapshot, now, report, ahead)?
                {
                    report.page_errors.push(err.clone());
                    state.last_error = Some(err);
                } else {
                    // Only remember the bytes and validators once their text is stored, so a
                    // failed extraction is fetched and extracted again rather than answered
                    // with a 304 or skipped as "unchanged".
                    state.page_hash = Some(page_hash);
                    state.etag = validators.etag;
                    state.last_modified = validators.last_modified;
                }
            }
            PageResult::Unchanged { validators } => {
                state.etag = validators.etag;
                state.last_modified = validators.last_modified;
            }
            PageResult::Failed { error, gone } => {
                report.page_errors.push(error.clone());
                state.last_error = Some(error);
                // A page never fetched successfully (published in the feed before the page
                // is live, a cached 404) does not count towards unpublished.
                if gone && article.page_hash.is_some() {
                    state.missing_streak = article.missing_streak + 1;
                    if state.missing_streak >= i64::from(config.schedule.unpublished_after) {
                        state.unpublished = true;
                        state.next_check_at = None;
                        report.unpublished += 1;
                        record_unpublished(tx, config, feed, &article, now, report)?;
                    }
                } else if article.missing_streak > 0 {
                    state.missing_streak = article.missing_streak;
                }
                if state.next_check_at.is_some()
                    && (article.page_hash.is_none() || job.entry_id.is_some())
                {
                    // Never fetched successfully, or the feed just announced a change: try
                    // again on the next poll, not hours later.
                    state.next_check_at = Some(now);
                }
            }
        }
        if let (Some(floor), Some(next)) = (not_before, state.next_check_at) {
            state.next_check_at = Some(next.max(floor));
        }
        articles::set_page_state(tx, article.id, &state)?;
    }
    Ok(())
}

/// Records that an article's page is gone: a change of kind "unpublished", and its alerts.
fn record_unpublished(
    tx: &Connection,
    config: &Config,
    feed: &FeedRow,
    article: &ArticleRow,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let latest = articles::latest_version(tx, article.id)?;
    let change = NewChange {
        article_id: article.id,
        from_seq: latest.as_ref().map(|v| v.seq),
        kind: "unpublished",
        ..NewChange::default()
    };
    let change_id = changes::insert(tx, &change, now)?;
    if let Some(v) = &latest {
        report.alerts += alert::enqueue(
            tx,
            &config.alerts,
            &StoredChange {
                change_id,
                feed,
                article_id: article.id,
                article_url: &article.url,
                title: &v.title,
                previous_title: None,
                change: &change,
                claims: &[],
                revision: None,
                text: &v.body,
            },
            now * 1000,
        )?;
    }
    Ok(())
}

/// Stores `snap` as the article's next version if it is one. Returns a message when the
/// snapshot was refused as a failed extraction. The change is described by the analysis
/// computed ahead of the transaction when it still applies (see `analysis`).
#[allow(clippy::too_many_arguments)]
fn record_snapshot(
    tx: &Connection,
    config: &Config,
    feed: &FeedRow,
    article_id: i64,
    snap: &Snapshot,
    now: i64,
    report: &mut PollReport,
    ahead: &mut Precomputed,
) -> Result<Option<String>, StoreError> {
    let prev = articles::latest_version(tx, article_id)?;
    let hash = snap.hash();
    let decision = decide(prev.as_ref(), snap, || {
        prev.as_ref().and_then(|p| {
            articles::earlier_with_hash(tx, article_id, hash, p.seq)
                .ok()
                .flatten()
        })
    });
    let decision = match decision {
        Decision::FailedExtraction {
            chars,
            previous_chars,
        } => {
            let seen = articles::note_refused(tx, article_id, hash)?;
            if seen < CONFIRM_SHRINK {
                return Ok(Some(format!(
                    "{}: extraction returned {chars} characters against {previous_chars} in the last version; kept as a failed extraction, not a new version (the same text {seen} of {CONFIRM_SHRINK} times in a row makes it a real cut)",
                    snap.url
                )));
            }
            // The same shrunk text, check after check: the publisher really cut the article.
            Decision::New {
                cosmetic: false,
                revert_of: prev.as_ref().and_then(|p| {
                    articles::earlier_with_hash(tx, article_id, hash, p.seq)
                        .ok()
                        .flatten()
                }),
            }
        }
        d => d,
    };
    match decision {
        Decision::Unchanged => Ok(None),
        Decision::First => {
            let vid = articles::insert_version(tx, article_id, 1, snap, false, None, None, now)?;
            request_archive(tx, config, vid, article_id, 1, snap, now)?;
            report.new_versions += 1;
            Ok(None)
        }
        // Handled above; kept for exhaustiveness.
        Decision::FailedExtraction { .. } => Ok(None),
        Decision::New {
            cosmetic,
            revert_of,
        } => {
            let Some(prev) = prev else { return Ok(None) };
            let seq = prev.seq + 1;
            articles::clear_refused(tx, article_id)?;
            let vid = articles::insert_version(
                tx,
                article_id,
                seq,
                snap,
                cosmetic,
                revert_of,
                Some((prev.seq, &prev.body)),
                now,
            )?;
            request_archive(tx, config, vid, article_id, seq, snap, now)?;
            let analysis = ahead.analysis_for(article_id, &prev, snap, cosmetic);
            let mut change = analysis.change;
            change.article_id = article_id;
            change.from_seq = Some(prev.seq);
            change.to_seq = Some(seq);
            change.revert_of = revert_of;
            report.claim_changes += change.claims.len();
            let change_id = changes::insert(tx, &change, now)?;
            if !config.alerts.is_empty() {
                report.alerts += alert::enqueue(
                    tx,
                    &config.alerts,
                    &StoredChange {
                        change_id,
                        feed,
                        article_id,
                        article_url: &snap.url,
                        title: &snap.title,
                        previous_title: Some(&prev.title),
                        change: &change,
                        claims: &analysis.claims,
                        revision: Some(&analysis.revision),
                        text: &snap.body,
                    },
                    now * 1000,
                )?;
            }
            report.new_versions += 1;
            report.cosmetic_versions += usize::from(cosmetic);
            report.reverts += usize::from(revert_of.is_some());
            Ok(None)
        }
    }
}

/// With `[archive]` on, a capture request for the version just stored, in the same
/// transaction (see `alert::archive`).
fn request_archive(
    tx: &Connection,
    config: &Config,
    version_id: i64,
    article_id: i64,
    seq: i64,
    snap: &Snapshot,
    now: i64,
) -> Result<(), StoreError> {
    let req = alert::archive::ArchiveRequest {
        version_id,
        article_id,
        seq,
        url: snap.url.clone(),
    };
    alert::archive::enqueue(tx, &config.archive, req, now * 1000).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScheduleConfig;

    #[tokio::test]
    async fn a_timed_out_extraction_keeps_its_slot_until_it_returns() {
        let slots = Arc::new(tokio::sync::Semaphore::new(1));
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let waited = run_in_slot(&slots, Duration::from_millis(20), move || {
            // Stands for an extraction that outlives its timeout.
            let _ = done_rx.recv_timeout(Duration::from_secs(30));
        })
        .await;
        assert!(waited.is_none(), "the caller stops waiting at the timeout");
        assert_eq!(
            slots.available_permits(),
            0,
            "the still-running extraction holds its slot"
        );
        done_tx.send(()).expect("extraction still running");
        let freed = tokio::time::timeout(Duration::from_secs(30), slots.acquire()).await;
        assert!(
            freed.is_ok(),
            "the slot comes back once the extraction returns"
        );
    }

    #[test]
    fn ladder_counts_age_from_first_sighting() {
        let ladder = ScheduleConfig::default().recheck;
        let t0 = 1_000_000;
        assert_eq!(next_check_at(&ladder, t0, t0 + 60), Some(t0 + 60));
        assert_eq!(
            next_check_at(&ladder, t0, t0 + 4 * 3600),
            Some(t0 + 4 * 3600 + 1800)
        );
        assert_eq!(next_check_at(&ladder, t0, t0 + 40 * 86_400), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let i = Duration::from_secs(600);
        let cap = Duration::from_secs(3600);
        let d1 = backoff_delay(i, cap, 1, None);
        assert!((480..=720).contains(&d1), "{d1}");
        let d5 = backoff_delay(i, cap, 5, None);
        assert!((2880..=4320).contains(&d5), "{d5}");
        assert!(backoff_delay(i, cap, 1, Some(Duration::from_secs(7200))) >= 7200);
    }

    #[test]
    fn next_poll_respects_ttl() {
        let d = next_poll_delay(
            Duration::from_secs(300),
            Duration::ZERO,
            Some(Duration::from_secs(3600)),
        );
        assert_eq!(d, 3600);
    }
}
