//! `serve`: the web UI on its own, over a read-only database (the daemon may be writing it).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::Env;
use crate::daemon;
use crate::web::{self, WebOptions};

pub fn serve(env: &Env, listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    let addr = match listen.or(env.config.web_listen) {
        Some(a) => a,
        None => web::DEFAULT_LISTEN
            .parse()
            .context("the default listen address")?,
    };
    if !env.db_path.exists() {
        tracing::warn!(
            db = %env.db_path.display(),
            "no database there yet: the pages stay empty until `redline poll` or `redline run` fills it (set --db or REDLINE_DB for another file)"
        );
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let shutdown = CancellationToken::new();
        daemon::signals::spawn_shutdown_on_signal(shutdown.clone());
        let router = web::router(&env.db_path, WebOptions::default()).with_context(
            || "opening the database read-only (set --db or REDLINE_DB to use another file)",
        )?;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!(
                "cannot listen on {addr} (another server on that port? try --listen 127.0.0.1:0)"
            )
        })?;
        let local = listener.local_addr().unwrap_or(addr);
        // The URL on stdout, so a script (or a newcomer) can open it; logs go to stderr.
        super::output::outln!("redline web UI on http://{local}/ (Ctrl-C stops it)");
        if !local.ip().is_loopback() {
            tracing::warn!(%local, "the web UI is reachable from other machines; it has no login");
        }
        web::serve(listener, router, shutdown)
            .await
            .context("the web server failed")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `[web] listen` under `run`: binds now (a taken port fails the start, not silently later),
/// then serves until `shutdown`.
pub async fn spawn_beside_daemon(
    env: &Env,
    addr: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let router = web::router(&env.db_path, WebOptions::default())
        .context("opening the database read-only for the web UI")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("[web] listen: cannot listen on {addr}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(url = %format!("http://{local}/"), "web UI listening");
    if !local.ip().is_loopback() {
        tracing::warn!(%local, "the web UI is reachable from other machines; it has no login");
    }
    Ok(tokio::spawn(async move {
        if let Err(e) = web::serve(listener, router, shutdown).await {
            tracing::error!(error = %e, "the web UI stopped");
        }
    }))
}
