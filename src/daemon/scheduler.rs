//! The poll loop: due feeds become tasks (bounded by the HTTP client's global and per-host
//! limits), a feed is never polled twice at once, and the loop sleeps until the next feed is
//! due, a poll finishes, or shutdown.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use crate::poll::{PollContext, poll_feed};
use crate::store::{StoreError, feeds, unix_now};

/// The loop wakes at least this often, so feeds added by `feeds add` are picked up.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);

pub async fn run(ctx: PollContext) -> Result<(), StoreError> {
    let tracker = TaskTracker::new();
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<i64>();
    loop {
        let now = unix_now();
        let store = ctx.store.clone();
        let (due, next_due) = tokio::task::spawn_blocking(move || {
            store.read(|c| Ok((feeds::due(c, now)?, feeds::next_due_at(c)?)))
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("scheduler task failed: {e}")))??;
        for feed in due {
            {
                let mut busy = in_flight.lock().unwrap_or_else(|p| p.into_inner());
                if !busy.insert(feed.id) {
                    continue;
                }
            }
            let ctx = ctx.clone();
            let done = done_tx.clone();
            let busy = in_flight.clone();
            tracker.spawn(async move {
                let report = poll_feed(&ctx, &feed).await;
                if let Some(err) = &report.error {
                    tracing::warn!(feed = %report.feed, error = %err, "poll failed");
                }
                busy.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&feed.id);
                let _ = done.send(feed.id);
            });
        }
        let wait = next_due
            .map(|t| Duration::from_secs(u64::try_from(t - unix_now()).unwrap_or(0)))
            .unwrap_or(MAX_SLEEP)
            .clamp(Duration::from_millis(200), MAX_SLEEP);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            Some(_) = done_rx.recv() => {}
            () = ctx.shutdown.cancelled() => break,
        }
    }
    tracing::info!(
        in_flight = tracker.len(),
        "stopping: waiting for in-flight polls"
    );
    tracker.close();
    tracker.wait().await;
    Ok(())
}
