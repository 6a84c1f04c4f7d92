//! `status`: health at a glance, and an exit code a monitoring check can use.

use std::process::ExitCode;
use std::time::Duration;

use super::Env;
use super::output::{clip, outln, print_json, rfc3339, sanitize, time};
use crate::config::format_duration;
use crate::ids;
use crate::store::{feeds, meta, outbox, unix_now, writer_lock};

/// Exit code when a feed has been failing longer than the threshold.
pub const EXIT_UNHEALTHY: u8 = 3;
/// A heartbeat older than this means no daemon is running.
const HEARTBEAT_STALE: i64 = 60;

/// Shown for a feed whose server has only ever answered 304.
pub const NO_CONTENT: &str = "no content yet: the server only ever answered 304 Not Modified";

/// A feed's health; the one vocabulary of `status`, `feeds list` and their JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    /// The last poll worked.
    Ok,
    /// The last poll failed, for less than --max-failing so far.
    Erroring,
    /// Failing (or sending no content) for longer than --max-failing: unhealthy.
    Failing,
    /// Paused with `feeds edit --pause`: not polled, so never unhealthy.
    Paused,
}

#[derive(serde::Serialize)]
struct FeedStatus {
    id: i64,
    #[serde(rename = "ref")]
    reference: String,
    state: FeedState,
    name: Option<String>,
    url: String,
    last_ok_at: Option<String>,
    last_error: Option<String>,
    last_error_at: Option<String>,
    error_streak: i64,
    next_poll_at: Option<String>,
    articles: i64,
    versions: i64,
    /// Failing for longer than --max-failing, or answering only 304 (no content ever read)
    /// for longer than that since it was added.
    unhealthy: bool,
    /// Polled, but the server never sent a body (only 304s): nothing of it was read.
    no_content_yet: bool,
    /// The encoding its last document was read with.
    encoding: Option<String>,
    /// Why its last document was read leniently (not well-formed); null when it was fine.
    parse_warning: Option<String>,
}

#[derive(serde::Serialize)]
struct Status {
    healthy: bool,
    database: String,
    database_bytes: u64,
    /// The config file used (null: built-in defaults) and how it was found.
    config: Option<String>,
    config_found_by: &'static str,
    /// Whether the database's feeds match the config's (else `redline feeds sync`).
    config_in_sync: bool,
    feeds: i64,
    articles: i64,
    versions: i64,
    /// Feeds whose last poll failed, for less than --max-failing so far.
    erroring_feeds: usize,
    /// Feeds failing for longer than --max-failing (these make `status` unhealthy).
    failing_feeds: usize,
    /// Deliveries not attempted yet.
    alerts_pending: i64,
    /// Of those, the ones held back by `max_per_hour` for the hourly digest.
    alerts_held_for_digest: i64,
    /// Deliveries that failed and will be tried again.
    alerts_retrying: i64,
    /// Deliveries given up after delivery.max_attempts (`redline alerts retry` revives them).
    alerts_given_up: i64,
    daemon_running: bool,
    /// `running`, `stuck` (alive, heartbeat stale), `other_poller` (a `poll`, or a daemon
    /// not yet beating, holds the database), `stopped` (cleanly), `crashed` (killed or died
    /// without stopping), `never_ran`.
    daemon: DaemonState,
    daemon_pid: Option<u32>,
    daemon_heartbeat_at: Option<String>,
    daemon_last_poll_at: Option<String>,
    /// The last poll of any feed, by the daemon or `redline poll`.
    last_poll_at: Option<String>,
    /// Log lines the last daemon could not write (closed or full log pipe).
    daemon_log_lines_dropped: u64,
    feed_status: Vec<FeedStatus>,
}

/// What is known about the daemon, from the poller lock (is a process alive on this
/// database?) and the heartbeat (what did the daemon last say?). The lock decides whether
/// anything runs: the kernel releases it when its holder dies, so a heartbeat written
/// seconds before a `kill -9` is not mistaken for a live daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum DaemonState {
    Running,
    Stuck,
    OtherPoller,
    Stopped,
    Crashed,
    NeverRan,
}

fn daemon_state(
    holder: &writer_lock::Holder,
    beat: Option<&meta::Heartbeat>,
    now: i64,
) -> DaemonState {
    let fresh = |b: &meta::Heartbeat| b.stopped_at.is_none() && now - b.at <= HEARTBEAT_STALE;
    match (holder, beat) {
        (writer_lock::Holder::Held { pid }, Some(b))
            if b.stopped_at.is_none() && *pid == Some(b.pid) =>
        {
            if fresh(b) {
                DaemonState::Running
            } else {
                DaemonState::Stuck
            }
        }
        (writer_lock::Holder::Held { .. }, _) => DaemonState::OtherPoller,
        // Without the lock to look at, the heartbeat is all there is.
        (writer_lock::Holder::Unknown, Some(b)) if fresh(b) => DaemonState::Running,
        (_, Some(b)) if b.stopped_at.is_some() => DaemonState::Stopped,
        (_, Some(_)) => DaemonState::Crashed,
        (_, None) => DaemonState::NeverRan,
    }
}

pub fn status(
    env: &Env,
    max_failing: Duration,
    require_daemon: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let now = unix_now();
    let threshold = max_failing.as_secs() as i64;
    let (rows, totals, alerts, beat, held) = store.read(|c| {
        let mut rows = Vec::new();
        for f in feeds::active(c)? {
            let (articles, versions) = feeds::counts(c, f.id)?;
            rows.push((f, articles, versions));
        }
        Ok((
            rows,
            meta::totals(c)?,
            outbox::counts(c)?,
            meta::heartbeat(c)?,
            outbox::held_for_digest(c)?,
        ))
    })?;
    let feed_status: Vec<FeedStatus> = rows
        .into_iter()
        .map(|(f, articles, versions)| {
            // Failing since the last success, or since the first error when it never worked.
            let since = f
                .last_ok_at
                .or(f.last_error_at.map(|t| t - 1))
                .unwrap_or(now);
            let never_read = f.never_read();
            // A paused feed is not polled: its old error is not getting worse.
            let unhealthy = !f.paused
                && ((f.error_streak > 0 && now - since > threshold)
                    || (never_read && now - f.created_at > threshold));
            FeedStatus {
                state: if f.paused {
                    FeedState::Paused
                } else if unhealthy {
                    FeedState::Failing
                } else if f.error_streak > 0 {
                    FeedState::Erroring
                } else {
                    FeedState::Ok
                },
                unhealthy,
                no_content_yet: never_read,
                encoding: f.encoding,
                parse_warning: f.parse_warning,
                id: f.id,
                reference: crate::ids::feed(f.id),
                name: f.name,
                url: f.url,
                last_ok_at: f.last_ok_at.map(rfc3339),
                last_error: f.last_error.filter(|_| f.error_streak > 0),
                last_error_at: f.last_error_at.map(rfc3339),
                error_streak: f.error_streak,
                next_poll_at: f.next_poll_at.map(rfc3339),
                articles,
                versions,
            }
        })
        .collect();
    let holder = writer_lock::probe(&env.db_path);
    let daemon = daemon_state(&holder, beat.as_ref(), now);
    let running = daemon == DaemonState::Running;
    let last_poll = store.read(feeds::last_polled_at)?;
    let daemon_ok = match daemon {
        DaemonState::Running => true,
        // Alive but not beating: wedged, whatever the caller asked.
        DaemonState::Stuck => false,
        _ => !require_daemon,
    };
    let healthy = daemon_ok && !feed_status.iter().any(|f| f.unhealthy);
    let count = |state| feed_status.iter().filter(|f| f.state == state).count();
    let config_in_sync = super::config_sync::out_of_sync_hint(env, &store)?.is_none();
    let s = Status {
        healthy,
        database: store.path().display().to_string(),
        database_bytes: store.size_bytes(),
        config: env.config_origin.path().map(|p| p.display().to_string()),
        config_found_by: env.config_origin.how(),
        config_in_sync,
        feeds: totals.0,
        articles: totals.1,
        versions: totals.2,
        erroring_feeds: count(FeedState::Erroring),
        failing_feeds: count(FeedState::Failing),
        alerts_pending: alerts.pending,
        alerts_held_for_digest: held,
        alerts_retrying: alerts.retrying,
        alerts_given_up: alerts.given_up,
        daemon_running: running,
        daemon,
        daemon_pid: match (&holder, daemon) {
            (writer_lock::Holder::Held { pid }, _) => *pid,
            (_, DaemonState::Running) => beat.as_ref().map(|b| b.pid),
            _ => None,
        },
        daemon_heartbeat_at: beat.as_ref().map(|b| rfc3339(b.at)),
        daemon_last_poll_at: beat.as_ref().and_then(|b| b.last_poll_at).map(rfc3339),
        last_poll_at: last_poll.map(rfc3339),
        daemon_log_lines_dropped: beat.as_ref().map_or(0, |b| b.log_lines_dropped),
        feed_status,
    };
    let code = if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_UNHEALTHY)
    };
    if json {
        print_json(&s)?;
        return Ok(code);
    }
    outln!(
        "database  {} ({:.1} MB)",
        s.database,
        s.database_bytes as f64 / 1_000_000.0
    );
    outln!(
        "config    {}{}",
        sanitize(&env.config_origin.describe()),
        if config_in_sync {
            String::new()
        } else if env.config_origin.path().is_none() {
            // `feeds sync` on the defaults would deactivate every feed.
            "\n          the database has feeds from a config: pass --config FILE (or set \
             $REDLINE_CONFIG) to use it"
                .to_string()
        } else {
            "\n          it differs from the database's feeds: run `redline feeds sync` to apply it"
                .to_string()
        }
    );
    let pid = s
        .daemon_pid
        .map(|p| format!("pid {p}"))
        .unwrap_or_else(|| "unknown pid".into());
    match (&beat, daemon) {
        (Some(b), DaemonState::Running) => outln!(
            "daemon    running ({pid}), heartbeat {}s ago, up since {}",
            now - b.at,
            time(b.started_at)
        ),
        (Some(b), DaemonState::Stuck) => outln!(
            "daemon    STUCK: {pid} is alive but its last heartbeat was {}s ago ({})",
            now - b.at,
            time(b.at)
        ),
        (_, DaemonState::OtherPoller) => outln!(
            "daemon    not running; {pid} holds the database (a `redline poll`, or a daemon starting)"
        ),
        (Some(b), DaemonState::Stopped) => outln!(
            "daemon    not running (stopped cleanly {})",
            time(b.stopped_at.unwrap_or(b.at))
        ),
        (Some(b), _) => outln!(
            "daemon    not running: pid {} crashed or was killed (last heartbeat {}; it did not stop cleanly)",
            b.pid,
            time(b.at)
        ),
        (None, _) => outln!("daemon    never ran against this database"),
    }
    outln!(
        "last poll {}",
        last_poll
            .map(|t| format!(
                "{} ({} ago)",
                time(t),
                format_duration(Duration::from_secs(u64::try_from(now - t).unwrap_or(0)))
            ))
            .unwrap_or_else(|| "never".into())
    );
    if s.daemon_log_lines_dropped > 0 {
        outln!(
            "log       the daemon dropped {} log lines (stderr closed or not read)",
            s.daemon_log_lines_dropped
        );
    }
    outln!(
        "totals    {} feeds ({} erroring, {} failing for over {}), {} articles, {} versions",
        s.feeds,
        s.erroring_feeds,
        s.failing_feeds,
        format_duration(max_failing),
        s.articles,
        s.versions
    );
    outln!(
        "alerts    {} pending,{} {} retrying, {} given up",
        s.alerts_pending - held,
        if held > 0 {
            format!(" {held} held for digest,")
        } else {
            String::new()
        },
        s.alerts_retrying,
        s.alerts_given_up
    );
    outln!();
    outln!(
        "{:<5} {:<18} {:<16} {:<16} {:>6} {:>8} {:>8}  LAST ERROR",
        "ID",
        "FEED",
        "LAST OK",
        "NEXT POLL",
        "ERRORS",
        "ARTICLES",
        "VERSIONS"
    );
    for f in &s.feed_status {
        outln!(
            "{:<5} {:<18} {:<16} {:<16} {:>6} {:>8} {:>8}  {}{}",
            ids::feed(f.id),
            clip(f.name.as_deref().unwrap_or(&f.url), 18),
            f.last_ok_at
                .as_deref()
                .map(short)
                .unwrap_or_else(|| "never".into()),
            if f.state == FeedState::Paused {
                "paused".to_string()
            } else {
                f.next_poll_at
                    .as_deref()
                    .map(short)
                    .unwrap_or_else(|| "now".into())
            },
            f.error_streak,
            f.articles,
            f.versions,
            if f.unhealthy { "FAILING: " } else { "" },
            match f.last_error.as_deref() {
                Some(e) => clip(e, 90),
                None if f.no_content_yet => NO_CONTENT.to_string(),
                None => match f.parse_warning.as_deref() {
                    Some(w) => clip(&format!("read leniently: {w}"), 90),
                    None => String::new(),
                },
            }
        );
    }
    if !daemon_ok {
        crate::errln!(
            "redline: no daemon is running on this database{}",
            if daemon == DaemonState::Stuck {
                " that answers (its heartbeat is stale)"
            } else {
                " (--require-daemon)"
            }
        );
    }
    if s.feed_status.iter().any(|f| f.unhealthy) {
        crate::errln!(
            "redline: some feeds have been failing (or sent no content) for longer than {}",
            format_duration(max_failing)
        );
    }
    Ok(code)
}

fn short(rfc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|t| time(t.timestamp()))
        .unwrap_or_else(|_| rfc.to_string())
}
