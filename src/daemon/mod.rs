//! The long-running service: open the store, sync the config's feeds, then poll on schedule
//! and deliver alerts until told to stop. Shutdown and reload are parameters so tests (and
//! `main`) decide where they come from.

pub mod limits;
pub mod scheduler;
pub mod signals;
pub mod systemd;

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::alert::dispatch::Dispatcher;
use crate::config::Config;
use crate::fetch::HttpClient;
use crate::poll::PollContext;
use crate::store::{Store, StoreError, feeds, unix_now};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("cannot build the HTTP client for alerts: {0}")]
    Http(String),
}

/// Brings the database's feeds in line with the config's `[[feed]]` list.
pub async fn sync_feeds(store: &Store, config: &Config) -> Result<feeds::SyncReport, StoreError> {
    let store = store.clone();
    let feeds_cfg = config.feeds.clone();
    tokio::task::spawn_blocking(move || {
        store.write(|tx| feeds::sync_config(tx, &feeds_cfg, unix_now()))
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("config sync task failed: {e}")))?
}

/// Config feeds not added back because `feeds remove` removed them: said once per sync, so a
/// user who wonders why a listed feed is not polled finds the reason in the log.
pub fn log_kept_removed(report: &feeds::SyncReport) {
    if !report.kept_removed.is_empty() {
        tracing::info!(
            feeds = ?report.kept_removed,
            "config feeds removed with `feeds remove` stay removed (`redline feeds add URL` or `redline feeds sync --restore-removed` brings them back)"
        );
    }
}

/// Runs the daemon until `shutdown` is cancelled; in-flight polls finish their transaction.
/// Every message on `reload` re-reads the config file.
pub async fn run(
    config: Config,
    store: Store,
    shutdown: CancellationToken,
    reload: mpsc::UnboundedReceiver<()>,
) -> Result<(), DaemonError> {
    let report = sync_feeds(&store, &config).await?;
    tracing::info!(
        added = report.added,
        updated = report.updated,
        deactivated = report.deactivated,
        db = %store.path().display(),
        "feeds synced from config"
    );
    log_kept_removed(&report);
    // Articles from before the search index, in short batches beside the polls.
    let backfill = {
        let (store, shutdown) = (store.clone(), shutdown.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::store::search::backfill(&store, || shutdown.is_cancelled()) {
                tracing::warn!(error = %e, "search index backfill stopped; the next start resumes it");
            }
        })
    };
    let dispatcher = Dispatcher::from_config(store.clone(), &config)
        .map_err(|e| DaemonError::Http(e.to_string()))?;
    let ctx = PollContext::new(
        store,
        Arc::new(HttpClient::new(&config.http)?),
        Arc::new(config),
        shutdown.clone(),
    );
    // Delivery runs beside polling, so a receiver that hangs never holds up a poll.
    let delivering = {
        let shutdown = shutdown.clone();
        let dispatcher = dispatcher.clone();
        tokio::spawn(async move { dispatcher.run(shutdown).await })
    };
    // Pruning runs in its own task, outside every poll transaction, in short batches.
    let pruning = tokio::spawn(crate::alert::retention::run(
        dispatcher.clone(),
        shutdown.clone(),
    ));
    let notifier = systemd::Notifier::from_env();
    scheduler::run(ctx, dispatcher, notifier, reload).await?;
    let _ = delivering.await;
    let _ = pruning.await;
    let _ = backfill.await;
    tracing::info!("stopped");
    Ok(())
}
