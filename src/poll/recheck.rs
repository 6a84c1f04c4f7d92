//! Article re-checks on their own schedule. A full-text feed whose document says "come back
//! in a day" (`<ttl>`, `max-age`) would otherwise hide page edits until its next poll, since
//! the re-check ladder only ran with a poll (#10). This pass plans the feed's due pages,
//! fetches, extracts and commits them exactly as a poll does, in one write transaction, but
//! without fetching the feed document and without touching the feed's own row.

use std::time::Duration;

use tracing::{info, warn};

use super::{PollContext, PollReport, fetch_pages, plan_pages};
use crate::store::feeds::{self, FeedRow};
use crate::store::{StoreError, unix_now};
use crate::unwind::{self, CatchUnwind};

/// Full-text feeds that are not due for a poll but have pages due for a re-check, and whose
/// last poll is at least their interval ago (a feed polled a moment ago has just checked its
/// pages; one about to be polled will do it then).
pub fn due_rechecks(
    conn: &rusqlite::Connection,
    config: &crate::config::Config,
    now: i64,
) -> Result<Vec<FeedRow>, StoreError> {
    let candidates = feeds::recheck_candidates(conn, now)?;
    Ok(candidates
        .into_iter()
        .filter(|f| {
            let interval = config.interval_for(f.interval()).as_secs() as i64;
            f.last_poll_at.is_none_or(|t| t <= now - interval)
        })
        .collect())
}

/// Re-checks a feed's due article pages without polling the feed. Never returns an error:
/// a failure is in the report and logged, and the pages stay due for the next pass or poll.
#[tracing::instrument(skip_all, fields(feed = %feed.label()))]
pub async fn recheck_feed(ctx: &PollContext, feed: &FeedRow) -> PollReport {
    let mut report = PollReport {
        feed_id: feed.id,
        feed: feed.label(),
        not_modified: true,
        ..PollReport::default()
    };
    match CatchUnwind::new(recheck_unguarded(ctx, feed, &mut report)).await {
        Ok(Ok(())) => {}
        Err(p) => {
            p.log("page re-check");
            report.error = Some(p.to_string());
        }
        Ok(Err(msg)) => {
            warn!(error = %msg, "page re-check failed");
            report.error = Some(msg);
        }
    }
    report
}

async fn recheck_unguarded(
    ctx: &PollContext,
    feed: &FeedRow,
    report: &mut PollReport,
) -> Result<(), String> {
    let _slot = tokio::select! {
        () = ctx.shutdown.cancelled() => { report.cancelled = true; return Ok(()); }
        s = ctx.slots.clone().acquire_owned() => s.ok(),
    };
    let now = unix_now();
    let store = ctx.store.clone();
    let feed_id = feed.id;
    let jobs = unwind::spawn_blocking(move || store.read(|c| plan_pages(c, feed_id, None, now)))
        .await
        .map_err(|p| p.to_string())?
        .map_err(|e| format!("database: {e}"))?;
    if jobs.is_empty() {
        return Ok(());
    }
    let (pages, interrupted) = fetch_pages(&ctx.http, jobs, &ctx.shutdown).await;
    report.pages_fetched = pages.len();
    report.pages_interrupted = interrupted;
    report.cancelled |= interrupted > 0;
    // The every-poll rung (and a failed fetch, retried "at the next poll") would make these
    // pages due again at once: outside a poll, "next poll" means one interval from now.
    let interval: Duration = ctx.config.interval_for(feed.interval());
    let not_before = now + interval.as_secs() as i64;
    let (done, ()) = super::store_page_pass(
        ctx,
        feed,
        pages,
        Some(not_before),
        now,
        report,
        |_, _, _| Ok(()),
    )
    .await
    .map_err(|p| p.to_string())?
    .map_err(|e| format!("database: {e}"))?;
    *report = done;
    info!(
        pages = report.pages_fetched,
        new_versions = report.new_versions,
        "re-checked pages"
    );
    Ok(())
}
