//! `run` and `poll`.

use std::process::ExitCode;
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Env;
use super::output::{outln, print_json, sanitize};
use crate::alert::dispatch::Dispatcher;
use crate::daemon;
use crate::fetch::HttpClient;
use crate::poll::{PollContext, PollReport, poll_feed};
use crate::store::{feeds, writer_lock};

pub fn run_daemon(env: &Env) -> anyhow::Result<ExitCode> {
    let _poller = writer_lock::acquire(&env.db_path)?;
    let store = env.open_store()?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let shutdown = CancellationToken::new();
        daemon::signals::spawn_shutdown_on_signal(shutdown.clone());
        let reload = daemon::signals::spawn_reload_on_hangup();
        match daemon::limits::raise_open_files() {
            Ok((old, new)) if new > old => {
                tracing::info!(old, new, "raised the open-files limit")
            }
            Ok((limit, _)) if limit < daemon::limits::WANTED_OPEN_FILES => tracing::warn!(
                limit,
                "the open-files limit is low for many feeds; raise LimitNOFILE (systemd) or ulimit -n"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read or raise the open-files limit"),
        }
        tracing::info!(
            feeds = env.config.feeds.len(),
            config = %env.config.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(built-in defaults)".into()),
            "redline starting"
        );
        let web = match env.config.web_listen {
            Some(addr) => Some(super::serve::spawn_beside_daemon(env, addr, shutdown.clone()).await?),
            None => None,
        };
        let out = daemon::run(env.config.clone(), store, shutdown.clone(), reload).await;
        shutdown.cancel();
        if let Some(web) = web {
            let _ = web.await;
        }
        out.map_err(anyhow::Error::from)
    })?;
    let dropped = crate::logsink::dropped();
    if dropped > 0 {
        // Most likely lost too, since stderr is what failed; the heartbeat keeps the count.
        tracing::warn!(
            dropped,
            "log lines could not be written to stderr (closed or full pipe)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn poll_once(env: &Env, only: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let _poller = writer_lock::acquire(&env.db_path)?;
    let store = env.open_store()?;
    // No config sync here: `poll` polls what the database holds and says when the config
    // lists something else (`redline feeds sync` applies it). See: #12.
    let in_sync = super::config_sync::print_hint(env, &store)?;
    // Rows of alerts missing from this config are dropped only when the config matches the
    // database: `poll` run with another directory's config must not drop the real alerts.
    let alerts = in_sync.then_some(env.config.alerts.as_slice());
    if let Err(e) = crate::alert::retention::prune_outbox(
        &store,
        &env.config.delivery,
        alerts,
        env.config.archive.enabled,
    ) {
        tracing::warn!(error = %e, "outbox pruning failed");
    }
    let targets = match only {
        Some(key) => {
            let f = super::articles::find_feed(&store, key)?;
            if f.paused {
                anyhow::bail!(
                    "feed {} is paused; `redline feeds edit {key} --resume` polls it again",
                    sanitize(&f.label())
                );
            }
            vec![f]
        }
        None => store
            .read(feeds::active)?
            .into_iter()
            .filter(|f| !f.paused)
            .collect(),
    };
    // Articles stored before the search index existed (cheap once done: one meta read).
    crate::store::search::backfill(&store, || false)?;
    if targets.is_empty() {
        crate::errln!(
            "no feeds to poll: add [[feed]] entries to the config and run `redline feeds sync`, or use `redline feeds add URL`"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rt = super::runtime()?;
    let reports: Vec<PollReport> = rt.block_on(async {
        let shutdown = CancellationToken::new();
        daemon::signals::spawn_shutdown_on_signal(shutdown.clone());
        let ctx = PollContext::new(
            store.clone(),
            Arc::new(HttpClient::new(&env.config.http)?),
            Arc::new(env.config.clone()),
            shutdown.clone(),
        );
        // Tasks are spawned as others finish, not all at once: a waiting poll_feed future is
        // several KB, and 100,000 of them queued on the poll slots held ~1 GB (see
        // BENCHMARKS.md, 100,000 feeds). Twice the slots keeps every slot busy.
        let queue = ctx.slots.available_permits().max(1) * 2;
        let mut pending = targets.into_iter();
        let mut set = JoinSet::new();
        let mut reports = Vec::new();
        loop {
            while set.len() < queue {
                let Some(feed) = pending.next() else { break };
                let ctx = ctx.clone();
                set.spawn(async move { poll_feed(&ctx, &feed).await });
            }
            let Some(r) = set.join_next().await else {
                break;
            };
            // poll_feed catches its own panics; should one get past it, the other feeds'
            // reports still count.
            match r {
                Ok(report) => reports.push(report),
                Err(e) => tracing::error!(error = %e, "poll task failed"),
            }
        }
        reports.sort_by_key(|r| r.feed_id);
        // Deliver what this cycle triggered (and anything still due), bounded in time; what is
        // left stays in the outbox for the next run.
        if !env.config.alerts.is_empty() {
            let dispatcher = Dispatcher::from_config(store.clone(), &env.config)?;
            let r = dispatcher
                .drain_for(env.config.delivery.poll_timeout, &shutdown)
                .await;
            if r.delivered + r.failed > 0 {
                tracing::info!(delivered = r.delivered, failed = r.failed, "alerts sent");
            }
        }
        Ok::<_, anyhow::Error>(reports)
    })?;
    if json {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            report: &'a PollReport,
            feed_ref: String,
        }
        let rows: Vec<Row<'_>> = reports
            .iter()
            .map(|r| Row {
                report: r,
                feed_ref: crate::ids::feed(r.feed_id),
            })
            .collect();
        print_json(&rows)?;
    } else {
        print_summary(&reports)?;
    }
    if reports.iter().any(|r| r.cancelled) {
        // What finished is stored; the exit code says the cycle is not complete.
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    // The other feeds' work is stored either way; the code lets cron tell that some failed.
    if reports.iter().any(|r| r.error.is_some()) {
        return Ok(ExitCode::from(EXIT_FEED_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit code of a `poll` in which at least one feed failed (fetch, parse or store): the same
/// code `status` exits with for an unhealthy feed. 1 stays for redline itself failing (bad
/// config, no database).
pub const EXIT_FEED_FAILED: u8 = super::status::EXIT_UNHEALTHY;

/// Exit code of a `poll` stopped by Ctrl-C or SIGTERM before every feed was done (128 +
/// SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// `1 new version`, `2 new versions`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_summary(reports: &[PollReport]) -> anyhow::Result<()> {
    let sum = |f: fn(&PollReport) -> usize| reports.iter().map(f).sum::<usize>();
    for r in reports {
        let state = match (&r.error, r.not_modified) {
            (Some(e), _) => format!("error: {}", sanitize(e)),
            (None, _) if r.cancelled && r.pages_interrupted > 0 => format!(
                "interrupted: {} stored, {} not checked",
                count(r.entries, "entry", "entries"),
                count(r.pages_interrupted, "page", "pages")
            ),
            (None, _) if r.cancelled => "interrupted before it was fetched".to_string(),
            (None, true) => "not modified".to_string(),
            (None, false) => count(r.entries, "entry", "entries"),
        };
        outln!(
            "{:<20} {state}; {}, {}{}{}",
            sanitize(&r.feed),
            count(r.new_articles, "new article", "new articles"),
            count(r.new_versions, "new version", "new versions"),
            if r.pages_fetched > 0 {
                format!(", {} checked", count(r.pages_fetched, "page", "pages"))
            } else {
                String::new()
            },
            if r.page_errors.is_empty() {
                String::new()
            } else {
                format!(
                    ", {}",
                    count(r.page_errors.len(), "page error", "page errors")
                )
            },
        );
        for e in &r.page_errors {
            outln!("    page error: {}", sanitize(e));
        }
    }
    let interrupted = reports.iter().filter(|r| r.cancelled).count();
    outln!(
        "polled {}: {} not modified, {}, {} ({} cosmetic), {}{}",
        count(reports.len(), "feed", "feeds"),
        reports.iter().filter(|r| r.not_modified).count(),
        count(sum(|r| r.new_articles), "new article", "new articles"),
        count(sum(|r| r.new_versions), "new version", "new versions"),
        sum(|r| r.cosmetic_versions),
        count(
            reports.iter().filter(|r| r.error.is_some()).count(),
            "error",
            "errors"
        ),
        if interrupted > 0 {
            format!(
                "; {interrupted} interrupted ({} not checked): what finished is stored",
                count(sum(|r| r.pages_interrupted), "page", "pages")
            )
        } else {
            String::new()
        },
    );
    Ok(())
}
