//! Signals: SIGINT and SIGTERM cancel the shutdown token (scheduling stops, in-flight polls
//! finish); SIGHUP asks for a config reload.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Cancels `token` on the first SIGINT or SIGTERM.
pub fn spawn_shutdown_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        wait_for_stop().await;
        // Cancel first: should logging ever fail, the stop must already have happened.
        token.cancel();
        tracing::info!("stop signal received");
    });
}

/// Sends a message on every SIGHUP.
pub fn spawn_reload_on_hangup() -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; config reload by signal is off");
            return;
        };
        while hup.recv().await.is_some() {
            if tx.send(()).is_err() {
                break;
            }
        }
    });
    rx
}

async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
