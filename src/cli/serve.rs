//! `serve`: the web UI on its own, over a read-only database (the daemon may be writing it).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::Env;
use crate::daemon;
use crate::web::{self, WebOptions};

/// The web options from the config, for a server listening on `local`.
fn options(env: &Env, local: SocketAddr, base_path: Option<&str>) -> anyhow::Result<WebOptions> {
    let base_path = match base_path {
        Some(b) => {
            web::proxy::normalize_base_path(b).map_err(|e| anyhow::anyhow!("--base-path: {e}"))?
        }
        None => env.config.web_base_path.clone(),
    };
    Ok(WebOptions {
        base_path,
        listen: Some(local),
        allowed_hosts: env.config.web_allowed_hosts.clone(),
        ..WebOptions::default()
    })
}

pub fn serve(
    env: &Env,
    listen: Option<SocketAddr>,
    base_path: Option<String>,
) -> anyhow::Result<ExitCode> {
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
        let opts = options(env, addr, base_path.as_deref())?;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!(
                "cannot listen on {addr} (another server on that port? try --listen 127.0.0.1:0)"
            )
        })?;
        let local = listener.local_addr().unwrap_or(addr);
        let base = opts.base_path.clone();
        let router = web::router(
            &env.db_path,
            WebOptions {
                listen: Some(local),
                ..opts
            },
        )
        .with_context(
            || "opening the database read-only (set --db or REDLINE_DB to use another file)",
        )?;
        // The URL on stdout, so a script (or a newcomer) can open it; logs go to stderr.
        super::output::outln!("redline web UI on http://{local}{base}/ (Ctrl-C stops it)");
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("[web] listen: cannot listen on {addr}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    let opts = options(env, local, None)?;
    let base = opts.base_path.clone();
    let router =
        web::router(&env.db_path, opts).context("opening the database read-only for the web UI")?;
    tracing::info!(url = %format!("http://{local}{base}/"), "web UI listening");
    if !local.ip().is_loopback() {
        tracing::warn!(%local, "the web UI is reachable from other machines; it has no login");
    }
    Ok(tokio::spawn(async move {
        if let Err(e) = web::serve(listener, router, shutdown).await {
            tracing::error!(error = %e, "the web UI stopped");
        }
    }))
}
