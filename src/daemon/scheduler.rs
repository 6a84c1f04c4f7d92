//! The poll loop: due feeds become tasks (bounded by the HTTP client's global and per-host
//! limits), a feed is never polled twice at once, and the loop sleeps until the next feed is
//! due, a poll finishes, a reload is asked for, or shutdown. The loop is also where the daemon
//! proves it is alive: a heartbeat row for `status` and the systemd watchdog ping.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use super::systemd::Notifier;
use crate::alert::dispatch::Dispatcher;
use crate::config::Config;
use crate::fetch::HttpClient;
use crate::poll::recheck::due_rechecks;
use crate::poll::{PollContext, poll_feed, recheck_feed};
use crate::store::meta::{self, Heartbeat};
use crate::store::{StoreError, feeds, unix_now};

/// The loop wakes at least this often, so feeds added by `feeds add` are picked up.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);
/// How often the heartbeat row and the systemd STATUS line are refreshed.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

pub async fn run(
    mut ctx: PollContext,
    dispatcher: Dispatcher,
    mut notifier: Notifier,
    mut reload: mpsc::UnboundedReceiver<()>,
) -> Result<(), StoreError> {
    let tracker = TaskTracker::new();
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let last_poll: Arc<Mutex<Option<i64>>> = Arc::default();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<i64>();
    let started_at = unix_now();
    let mut last_beat: Option<Instant> = None;
    let mut ready_sent = false;
    'schedule: loop {
        let now = unix_now();
        let store = ctx.store.clone();
        let config = ctx.config.clone();
        let queue = queue_len(&ctx);
        let busy_now = in_flight_len(&in_flight);
        let budget = queue.saturating_sub(busy_now);
        // In-flight feeds stay due until their poll commits, so they may fill part of the
        // batch: read enough rows to find `budget` others.
        let limit = busy_now + budget;
        // Wake-ups for polls that finished before this read: the read sees their commits.
        while done_rx.try_recv().is_ok() {}
        let looked = tokio::task::spawn_blocking(move || {
            store.read(|c| {
                Ok((
                    feeds::due(c, now, limit)?,
                    feeds::next_due_at(c)?,
                    due_rechecks(c, &config, now)?,
                ))
            })
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("scheduler task failed: {e}")))?;
        let (due, next_due, rechecks) = match looked {
            Ok(v) => v,
            Err(e) => {
                // No watchdog ping while the store does not answer: if this lasts, systemd
                // restarts us, which is the point.
                tracing::warn!(error = %e, "cannot read the schedule");
                tokio::select! {
                    () = tokio::time::sleep(MAX_SLEEP) => continue,
                    () = ctx.shutdown.cancelled() => break,
                }
            }
        };
        // A poll that finished while the schedule was read may have committed after the
        // read's snapshot, which then still shows its feed as due: polled again at once,
        // twice in a row. Those feeds wait for the next read.
        let mut finished_meanwhile = HashSet::new();
        while let Ok(id) = done_rx.try_recv() {
            finished_meanwhile.insert(id);
        }
        // Feeds due but already in flight keep `next_due` in the past; sleeping 200 ms on
        // them would re-read the schedule in a loop. Their completion wakes us instead.
        let mut only_in_flight = !due.is_empty();
        // More is due than the queue takes: the rest is read once the queue has drained.
        let mut saturated = due.len() >= limit;
        let mut spawned = 0;
        let passes = due
            .into_iter()
            .map(|f| (f, Pass::Poll))
            .chain(rechecks.into_iter().map(|f| (f, Pass::Recheck)));
        for (feed, pass) in passes {
            if spawned >= budget {
                saturated = true;
                break;
            }
            {
                let mut busy = in_flight.lock().unwrap_or_else(|p| p.into_inner());
                // A poll that committed after the read's snapshot and left the set since then
                // said so before leaving (see InFlight): its message is in the channel now,
                // even if it was not when the read ended. Missing it polled the feed twice.
                while let Ok(id) = done_rx.try_recv() {
                    finished_meanwhile.insert(id);
                }
                if finished_meanwhile.contains(&feed.id) {
                    only_in_flight = false;
                    continue;
                }
                if !busy.insert(feed.id) {
                    continue;
                }
            }
            only_in_flight = false;
            spawned += 1;
            let ctx = ctx.clone();
            let done = done_tx.clone();
            let busy = in_flight.clone();
            let last_poll = last_poll.clone();
            tracker.spawn(async move {
                let _in_flight = InFlight {
                    busy,
                    id: feed.id,
                    done,
                };
                // Failures, panics included, are logged inside poll_feed, in the feed's span.
                match pass {
                    Pass::Poll => drop(poll_feed(&ctx, &feed).await),
                    Pass::Recheck => drop(recheck_feed(&ctx, &feed).await),
                }
                *last_poll.lock().unwrap_or_else(|p| p.into_inner()) = Some(unix_now());
            });
        }
        if !ready_sent {
            notifier.ready("polling");
            ready_sent = true;
        }
        if last_beat.is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY) {
            let polled = *last_poll.lock().unwrap_or_else(|p| p.into_inner());
            match beat(&ctx, started_at, polled, None).await {
                Ok(status) => notifier.status(&status),
                Err(e) => tracing::warn!(error = %e, "cannot write the heartbeat"),
            }
            last_beat = Some(Instant::now());
        }
        notifier.watchdog_ping();

        let mut wait = match next_due {
            Some(_) if only_in_flight => MAX_SLEEP,
            Some(t) => Duration::from_secs(u64::try_from(t - unix_now()).unwrap_or(0)),
            None => MAX_SLEEP,
        }
        .clamp(Duration::from_millis(200), MAX_SLEEP);
        if let Some(w) = notifier.watchdog() {
            wait = wait.min(w / 4);
        }
        if !finished_meanwhile.is_empty() && (!saturated || in_flight_len(&in_flight) <= queue / 2)
        {
            // Their wake-ups were taken above; read the schedule again now.
            continue;
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => break,
                Some(_) = done_rx.recv() => {
                    // Polls finish by the dozen at scale: one schedule read for all of them.
                    while done_rx.try_recv().is_ok() {}
                    let busy = in_flight_len(&in_flight);
                    // While more is due than the queue holds, refill in batches (at half
                    // empty), not after every poll: each read locks the store.
                    if !saturated || busy <= queue / 2 {
                        break;
                    }
                }
                Some(()) = reload.recv() => {
                    notifier.reloading();
                    ctx = reload_config(ctx, &dispatcher).await;
                    notifier.reloaded();
                    break;
                }
                () = ctx.shutdown.cancelled() => break 'schedule,
            }
        }
    }
    notifier.stopping();
    tracing::info!(
        in_flight = tracker.len(),
        "stopping: waiting for in-flight polls"
    );
    tracker.close();
    tracker.wait().await;
    let polled = *last_poll.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = beat(&ctx, started_at, polled, Some(unix_now())).await {
        tracing::warn!(error = %e, "could not record the clean stop in the heartbeat");
    }
    Ok(())
}

/// Polls queued at most, running or waiting for a poll slot: twice the slots, so a slot that
/// frees never waits for the schedule to be read. Each queued poll holds its feed row and a
/// future of several KB; spawning every due feed at once (100,000 after a restart) held them
/// all and re-read every due row after each finished poll.
fn queue_len(ctx: &PollContext) -> usize {
    ctx.config.http.concurrency.max(1) * 4
}

fn in_flight_len(in_flight: &Mutex<HashSet<i64>>) -> usize {
    in_flight.lock().unwrap_or_else(|p| p.into_inner()).len()
}

/// What a task does with its feed: a full poll, or only the page re-checks that are due
/// while the feed itself is not (see `poll::recheck`).
#[derive(Clone, Copy)]
enum Pass {
    Poll,
    Recheck,
}

/// A feed's place in the in-flight set, given back however its poll task ends. Were it
/// given back only after `poll_feed` returned, a panic that got past poll_feed's own guard
/// would leave the feed "in flight" and never polled again until a restart (see #9).
struct InFlight {
    busy: Arc<Mutex<HashSet<i64>>>,
    id: i64,
    done: mpsc::UnboundedSender<i64>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // Said before the feed leaves the set: the loop either still finds it busy or already
        // has its message, so a schedule read from before its commit cannot poll it again.
        let _ = self.done.send(self.id);
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// Writes the heartbeat and returns the STATUS line.
async fn beat(
    ctx: &PollContext,
    started_at: i64,
    last_poll_at: Option<i64>,
    stopped_at: Option<i64>,
) -> Result<String, StoreError> {
    let store = ctx.store.clone();
    let (feeds, articles, versions, failing) = tokio::task::spawn_blocking(move || {
        store.write(|tx| {
            meta::write_heartbeat(
                tx,
                &Heartbeat {
                    pid: std::process::id(),
                    started_at,
                    at: unix_now(),
                    last_poll_at,
                    stopped_at,
                    log_lines_dropped: crate::logsink::dropped(),
                },
            )?;
            meta::totals(tx)
        })
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("heartbeat task failed: {e}")))??;
    Ok(format!(
        "{feeds} feeds, {articles} articles, {versions} versions, {failing} feeds erroring"
    ))
}

/// Re-reads the config file. An invalid new config is logged and the running one kept.
async fn reload_config(ctx: PollContext, dispatcher: &Dispatcher) -> PollContext {
    let Some(path) = ctx.config.path.clone() else {
        tracing::warn!("reload asked for, but redline runs on built-in defaults (no config file)");
        return ctx;
    };
    let new = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "config reload failed; keeping the running config");
            return ctx;
        }
    };
    if new.database != ctx.config.database {
        tracing::warn!("the database path changed in the config; it takes effect after a restart");
    }
    let report = match super::sync_feeds(&ctx.store, &new).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "config reload failed; keeping the running config");
            return ctx;
        }
    };
    super::log_kept_removed(&report);
    let http = if new.http == ctx.config.http {
        ctx.http.clone()
    } else {
        match HttpClient::new(&new.http) {
            Ok(h) => Arc::new(h),
            Err(e) => {
                tracing::error!(error = %e, "config reload: keeping the old HTTP settings");
                ctx.http.clone()
            }
        }
    };
    dispatcher.set_rules(new.alerts.clone(), new.delivery.clone());
    dispatcher.set_archive(new.archive.clone());
    tracing::info!(
        feeds = new.feeds.len(),
        alerts = new.alerts.len(),
        added = report.added,
        updated = report.updated,
        removed = report.deactivated,
        "config reloaded"
    );
    PollContext::new(ctx.store, http, Arc::new(new), ctx.shutdown)
}
