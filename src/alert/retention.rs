//! Outbox retention: delivered rows older than `delivery.keep` are deleted, and so are the
//! rows of alerts no longer in the config (undelivered ones too, said in the log). Without it
//! the outbox grew for ever (80% of one trial's database, #12). The daemon prunes at start and
//! hourly in its own task, `poll` once before it polls; both outside any poll transaction,
//! in batches (`outbox::prune`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::dispatch::Dispatcher;
use crate::config::{AlertConfig, DeliveryConfig};
use crate::store::outbox::{self, PruneReport};
use crate::store::{Store, StoreError, unix_now_ms};

/// How often the daemon prunes.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Prunes once. `alerts` is `None` when the caller's config may not be the one the rows were
/// written under (then rows of unknown alerts are kept).
pub fn prune_outbox(
    store: &Store,
    delivery: &DeliveryConfig,
    alerts: Option<&[AlertConfig]>,
    archive_enabled: bool,
) -> Result<PruneReport, StoreError> {
    let keep_ms = i64::try_from(delivery.keep.as_millis()).unwrap_or(i64::MAX);
    let before = unix_now_ms().saturating_sub(keep_ms);
    // Archive requests are kept while `[archive]` could still be on; a config without it
    // drops them with the same warning as a removed alert.
    let names: Option<Vec<&str>> = alerts.map(|a| {
        let mut n: Vec<&str> = a.iter().map(|a| a.name.as_str()).collect();
        if archive_enabled {
            n.push(super::archive::OUTBOX_NAME);
        }
        n
    });
    let report = outbox::prune(store, before, names.as_deref())?;
    log_report(&report, delivery.keep);
    Ok(report)
}

fn log_report(r: &PruneReport, keep: Duration) {
    if r.delivered > 0 {
        tracing::info!(
            rows = r.delivered,
            keep = %crate::config::format_duration(keep),
            "outbox: deleted delivered alerts older than delivery.keep"
        );
    }
    for (alert, rows, undelivered) in &r.removed_alerts {
        tracing::warn!(
            %alert,
            rows,
            undelivered,
            "outbox: dropped the deliveries of an alert that is no longer in the config"
        );
    }
    if r.test_rows > 0 {
        tracing::info!(
            rows = r.test_rows,
            "outbox: deleted sample rows left by an older `alerts test`"
        );
    }
}

/// The daemon's pruning loop: now, then every `PRUNE_EVERY`, with the rules in force then.
pub async fn run(dispatcher: Dispatcher, shutdown: CancellationToken) {
    loop {
        let (alerts, delivery) = dispatcher.current_rules();
        let archive = dispatcher.archive_enabled();
        let store = dispatcher.store().clone();
        let pruned = tokio::task::spawn_blocking(move || {
            prune_outbox(&store, &delivery, Some(&alerts), archive)
        })
        .await;
        match pruned {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "outbox pruning failed; retried in an hour"),
            Err(e) => tracing::warn!(error = %e, "outbox pruning task failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(PRUNE_EVERY) => {}
            () = shutdown.cancelled() => break,
        }
    }
}
