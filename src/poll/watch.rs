//! Polling a watched page (`redline watch URL`): a feed row of kind `page` has no document to
//! fetch, only its one article, whose page is checked on the re-check ladder. The page pass is
//! the one a full-text feed's poll runs (`plan_pages` with no entries, `fetch_pages`,
//! `commit_pages`), so versions, changes and alerts are exactly those of any article; what
//! differs is the feed row: it is due when its page is, and a failed page is its error.

use tracing::{info, warn};

use super::{PollContext, PollReport, fetch_pages, plan_pages};
use crate::config::Config;
use crate::store::feeds::{self, FeedRow, FeedSuccess};
use crate::store::{StoreError, unix_now};
use crate::unwind;

pub(super) async fn poll_page(
    ctx: &PollContext,
    feed: &FeedRow,
    mut report: PollReport,
) -> PollReport {
    let now = unix_now();
    let store = ctx.store.clone();
    let feed_id = feed.id;
    let jobs =
        match unwind::spawn_blocking(move || store.read(|c| plan_pages(c, feed_id, None, now)))
            .await
        {
            Ok(Ok(jobs)) => jobs,
            Ok(Err(e)) => {
                super::record_feed_error(ctx, feed, &format!("database: {e}"), None, &mut report)
                    .await;
                return report;
            }
            Err(p) => {
                p.log("planning the watched page");
                super::record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
                return report;
            }
        };
    // A page that finished before a stop signal is committed; one cut off stays due.
    let (pages, interrupted) = fetch_pages(&ctx.http, jobs, &ctx.shutdown).await;
    report.pages_interrupted = interrupted;
    report.cancelled |= interrupted > 0;
    if pages.is_empty() && interrupted > 0 {
        return report;
    }
    report.pages_fetched = pages.len();
    report.not_modified = pages.is_empty();
    let feed_row = feed.clone();
    let outcome = super::store_page_pass(
        ctx,
        feed,
        pages,
        None,
        now,
        &report,
        move |tx, config, rep| {
            let next = keep_on_ladder(tx, config, &feed_row, now)?;
            if rep.page_errors.is_empty() {
                let success = FeedSuccess {
                    next_poll_at: next,
                    body: rep.pages_fetched > 0,
                    ..FeedSuccess::default()
                };
                feeds::record_success(tx, feed_row.id, &success, now)?;
            }
            Ok(next)
        },
    )
    .await;
    match outcome {
        Ok(Ok((rep, next))) => {
            if let Some(err) = rep.page_errors.first().cloned() {
                // The page is the whole source: its failure is the feed's, shown by `status`.
                // The page keeps its own retry time; the row follows it.
                let mut rep = rep;
                let store = ctx.store.clone();
                let id = feed.id;
                let msg = err.clone();
                let stored = tokio::task::spawn_blocking(move || {
                    store.write(|tx| feeds::record_error(tx, id, &msg, next, now))
                })
                .await;
                if !matches!(stored, Ok(Ok(()))) {
                    warn!("could not record the watched page's error in the database");
                }
                rep.error = Some(err);
                return rep;
            }
            info!(new_versions = rep.new_versions, "checked watched page");
            rep
        }
        Ok(Err(e)) => {
            warn!(error = %e, "could not store the watched page");
            super::record_feed_error(ctx, feed, &format!("database: {e}"), None, &mut report).await;
            report
        }
        Err(p) => {
            p.log("storing the watched page");
            super::record_feed_error(ctx, feed, &p.to_string(), None, &mut report).await;
            report
        }
    }
}

/// A watched page is never dropped off the ladder: past its last rung it is checked at the
/// last rung's pace (the user asked for this story). Returns when the feed row is next due:
/// when its page is.
fn keep_on_ladder(
    tx: &rusqlite::Connection,
    config: &Config,
    feed: &FeedRow,
    now: i64,
) -> Result<i64, StoreError> {
    let last_every = config
        .schedule
        .recheck
        .last()
        .map_or(86_400, |r| r.every.as_secs().max(60) as i64);
    let interval = config.interval_for(feed.interval()).as_secs() as i64;
    tx.execute(
        "UPDATE articles SET next_check_at = ?2 WHERE feed_id = ?1 AND status = 'live' \
         AND next_check_at IS NULL",
        rusqlite::params![feed.id, now + last_every],
    )?;
    let due: Option<i64> = tx.query_row(
        "SELECT MIN(next_check_at) FROM articles WHERE feed_id = ?1 AND status = 'live'",
        [feed.id],
        |r| r.get(0),
    )?;
    // "0s" on the ladder means "on every poll": for a page with no poll of its own, that is
    // one interval from now, so it never spins.
    Ok(due.unwrap_or(now + last_every).max(now + interval.max(1)))
}
