//! The configuration file: where it is found, what it may hold, and the checked `Config` the
//! rest of redline uses. Parsing (`ConfigFile`, serde, unknown keys refused) is kept apart from
//! validation (`Config`: URLs parsed, durations and limits checked) so every error names the key.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

mod archive;
pub mod secrets;
pub use archive::{ArchiveConfig, DEFAULT_ARCHIVE_SERVICE};

/// The config shipped in the repository; a test parses it so it never rots.
pub const SHIPPED_CONFIG: &str = include_str!("../config/redline.toml");

/// Sent with every request, with a contact URL as polite crawlers do.
pub const USER_AGENT: &str = concat!(
    "redline/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/redline-news/redline)"
);
/// Time allowed to open a TCP + TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total time for one request, headers and body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest body accepted, counted after decompression.
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
/// Redirects followed before a request fails.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;
/// Requests in flight at once, over all hosts.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Requests in flight at once to one host.
pub const DEFAULT_PER_HOST: usize = 2;
/// How often a feed is polled unless it says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Random spread added to each poll so feeds do not all fire together.
pub const DEFAULT_JITTER: Duration = Duration::from_secs(60);
/// Ceiling for the error backoff of a failing feed.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is in the message and deliberately not a `#[source]`: `{:#}` at the CLI edge
    // would print it twice.
    #[error("cannot read config {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path}: `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

/// The file as written. Every table refuses unknown keys so a typo is an error, not a silent default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    database: Option<PathBuf>,
    #[serde(default)]
    http: HttpFile,
    #[serde(default)]
    schedule: ScheduleFile,
    #[serde(default, rename = "feed")]
    feeds: Vec<FeedFile>,
    #[serde(default, rename = "alert")]
    alerts: Vec<AlertFile>,
    #[serde(default)]
    delivery: DeliveryFile,
    #[serde(default)]
    archive: archive::ArchiveFile,
    #[serde(default)]
    web: WebFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebFile {
    listen: Option<String>,
    base_path: Option<String>,
    allowed_hosts: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryFile {
    retry_base: Option<String>,
    retry_cap: Option<String>,
    max_attempts: Option<u32>,
    poll_timeout: Option<String>,
    keep: Option<String>,
}

/// One `[[alert]]` table as written: every sink's keys are optional here and checked against
/// the chosen sink in `validate_alert`, so a key that belongs to another sink is named.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertFile {
    name: String,
    sink: String,
    trigger: Option<String>,
    feeds: Option<Vec<String>>,
    stealth_only: Option<bool>,
    silent_only: Option<bool>,
    kinds: Option<Vec<String>>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    digest: Option<String>,
    max_per_hour: Option<u32>,
    // webhook
    url: Option<String>,
    secret: Option<String>,
    secret_file: Option<PathBuf>,
    format: Option<String>,
    // email
    to: Option<Vec<String>>,
    from: Option<String>,
    smtp_url: Option<String>,
    password_file: Option<PathBuf>,
    // mastodon (`instance`, `token_file`), bluesky (`handle`, `password_file`, `pds`)
    instance: Option<String>,
    token_file: Option<PathBuf>,
    handle: Option<String>,
    pds: Option<String>,
    // exec
    command: Option<Vec<String>>,
    timeout: Option<String>,
    // atom
    path: Option<PathBuf>,
    max_entries: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    user_agent: Option<String>,
    connect_timeout: Option<String>,
    timeout: Option<String>,
    max_body: Option<String>,
    max_redirects: Option<usize>,
    concurrency: Option<usize>,
    per_host_concurrency: Option<usize>,
    allow_private_networks: Option<bool>,
    allow_hosts: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    interval: Option<String>,
    jitter: Option<String>,
    max_backoff: Option<String>,
    recheck: Option<Vec<RungFile>>,
    unpublished_after: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RungFile {
    until: String,
    every: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedFile {
    url: String,
    name: Option<String>,
    interval: Option<String>,
    #[serde(default)]
    full_text: bool,
}

/// The validated configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where the file came from, if any; errors and `status` name it.
    pub path: Option<PathBuf>,
    pub database: Option<PathBuf>,
    pub http: HttpConfig,
    pub schedule: ScheduleConfig,
    pub feeds: Vec<FeedConfig>,
    pub alerts: Vec<AlertConfig>,
    pub delivery: DeliveryConfig,
    pub archive: ArchiveConfig,
    /// `[web] listen`: `redline run` also serves the web UI there.
    pub web_listen: Option<std::net::SocketAddr>,
    /// `[web] base_path`: the path prefix behind a reverse proxy, normalised (`""`: none).
    pub web_base_path: String,
    /// `[web] allowed_hosts`: Host names served on loopback besides the loopback names.
    pub web_allowed_hosts: Vec<String>,
}

/// How the outbox dispatcher retries.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    /// Wait after the first failed attempt; doubles per attempt.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// After this many failed attempts a row is given up (`alerts retry` revives it).
    pub max_attempts: u32,
    /// How long `redline poll` waits for its alerts to go out before exiting.
    pub poll_timeout: Duration,
    /// Delivered outbox rows older than this are deleted.
    pub keep: Duration,
}

/// How long a delivered alert stays in the outbox (and in an Atom sink's file).
pub const DEFAULT_DELIVERY_KEEP: Duration = Duration::from_secs(30 * 86_400);

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(3600),
            max_attempts: 100,
            poll_timeout: Duration::from_secs(30),
            keep: DEFAULT_DELIVERY_KEEP,
        }
    }
}

/// Which changes an alert hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Only changes that carry claim changes.
    Claims,
    /// Any non-cosmetic edit of an existing article.
    Edits,
    /// Also cosmetic edits, reverts and unpublishing.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    Json,
    Slack,
    Discord,
}

/// `Debug` (hand-written below) never shows a secret: configs end up in logs and panics.
#[derive(Clone, PartialEq)]
pub enum SinkConfig {
    Webhook {
        url: Url,
        secret: Option<String>,
        format: WebhookFormat,
    },
    Email {
        to: Vec<String>,
        from: String,
        smtp_url: Url,
    },
    Exec {
        command: Vec<String>,
        timeout: Duration,
    },
    Atom {
        path: PathBuf,
        max_entries: usize,
    },
    /// Posts a status with the diff card (`alert::mastodon`).
    Mastodon {
        instance: Url,
        token: String,
    },
    /// Posts an `app.bsky.feed.post` with the diff card (`alert::bluesky`).
    Bluesky {
        pds: Url,
        handle: String,
        password: String,
    },
}

impl std::fmt::Debug for SinkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { "<hidden>" } else { "<none>" };
        match self {
            Self::Webhook {
                url,
                secret,
                format,
            } => f
                .debug_struct("Webhook")
                .field("url", &crate::text_safety::redact_url(url.as_str()))
                .field("secret", &hidden(secret.is_some()))
                .field("format", format)
                .finish(),
            Self::Email { to, from, smtp_url } => f
                .debug_struct("Email")
                .field("to", to)
                .field("from", from)
                .field(
                    "smtp_url",
                    &crate::text_safety::redact_url(smtp_url.as_str()),
                )
                .finish(),
            Self::Exec { command, timeout } => f
                .debug_struct("Exec")
                .field("command", command)
                .field("timeout", timeout)
                .finish(),
            Self::Atom { path, max_entries } => f
                .debug_struct("Atom")
                .field("path", path)
                .field("max_entries", max_entries)
                .finish(),
            Self::Mastodon { instance, .. } => f
                .debug_struct("Mastodon")
                .field("instance", &instance.as_str())
                .field("token", &hidden(true))
                .finish(),
            Self::Bluesky { pds, handle, .. } => f
                .debug_struct("Bluesky")
                .field("pds", &pds.as_str())
                .field("handle", handle)
                .field("password", &hidden(true))
                .finish(),
        }
    }
}

impl SinkConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Webhook { .. } => "webhook",
            Self::Email { .. } => "email",
            Self::Exec { .. } => "exec",
            Self::Atom { .. } => "atom",
            Self::Mastodon { .. } => "mastodon",
            Self::Bluesky { .. } => "bluesky",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertConfig {
    pub name: String,
    pub sink: SinkConfig,
    pub trigger: Trigger,
    /// Feed names; empty means every feed.
    pub feeds: Vec<String>,
    pub stealth_only: bool,
    /// Only silent changes: claim changes with no correction, update or editor's notice added.
    pub silent_only: bool,
    /// Claim kinds; empty means any.
    pub kinds: Vec<crate::claims::ClaimKind>,
    /// Keywords (case-insensitive) of which the title or text must contain one.
    pub include: Vec<String>,
    /// Keywords of which the title or text must contain none.
    pub exclude: Vec<String>,
    pub digest: Option<Duration>,
    /// Single alerts sent per rolling hour; past it the rest are folded into one digest at
    /// the end of the hour. `None`: no limit. Default by sink: `DEFAULT_MAX_PER_HOUR_CHAT`.
    pub max_per_hour: Option<u32>,
}

/// Where a Bluesky account lives unless `pds` says otherwise.
pub const DEFAULT_BLUESKY_PDS: &str = "https://bsky.social";

/// Default `max_per_hour` of Slack/Discord webhooks, email, Mastodon and Bluesky: people read these.
pub const DEFAULT_MAX_PER_HOUR_CHAT: u32 = 20;
/// Default `max_per_hour` of JSON webhooks and exec: programs read these, so only a flood
/// guard. Atom files are not limited (a feed reader polls them at its own pace).
pub const DEFAULT_MAX_PER_HOUR_MACHINE: u32 = 600;

impl SinkConfig {
    /// The rate limit an alert on this sink gets when `max_per_hour` is not set.
    pub fn default_max_per_hour(&self) -> Option<u32> {
        match self {
            Self::Webhook {
                format: WebhookFormat::Slack | WebhookFormat::Discord,
                ..
            }
            | Self::Email { .. }
            | Self::Mastodon { .. }
            | Self::Bluesky { .. } => Some(DEFAULT_MAX_PER_HOUR_CHAT),
            Self::Webhook { .. } | Self::Exec { .. } => Some(DEFAULT_MAX_PER_HOUR_MACHINE),
            Self::Atom { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body: u64,
    pub max_redirects: usize,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    /// Let feeds, pages, redirects and webhooks reach loopback, private and other
    /// non-global addresses (see `netguard`). Also set by `REDLINE_ALLOW_PRIVATE_NETWORKS=1`.
    pub allow_private_networks: bool,
    /// Hosts let through even when they are (or resolve to) such addresses; `*.example.org`
    /// matches names under example.org.
    pub allow_hosts: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            user_agent: USER_AGENT.to_string(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            concurrency: DEFAULT_CONCURRENCY,
            per_host_concurrency: DEFAULT_PER_HOST,
            allow_private_networks: false,
            allow_hosts: Vec::new(),
        }
    }
}

/// Set to `1` (or `true`), turns on `http.allow_private_networks` whatever the file says:
/// for tests and benchmarks, whose servers are on 127.0.0.1.
pub const ALLOW_PRIVATE_NETWORKS_ENV: &str = "REDLINE_ALLOW_PRIVATE_NETWORKS";

/// One rung of the article re-check ladder: while an article is younger than `until`
/// (counted from when redline first saw it), its page is re-checked every `every`
/// (zero: on every poll of its feed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rung {
    pub until: Duration,
    pub every: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleConfig {
    pub interval: Duration,
    pub jitter: Duration,
    pub max_backoff: Duration,
    /// Ascending by `until`; past the last rung an article is no longer re-checked.
    pub recheck: Vec<Rung>,
    /// Consecutive 404/410 answers after which an article is marked unpublished.
    pub unpublished_after: u32,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        // Edits cluster in an article's first hours, so look often early and rarely later.
        let h = |n: u64| Duration::from_secs(n * 3600);
        Self {
            interval: DEFAULT_INTERVAL,
            jitter: DEFAULT_JITTER,
            max_backoff: DEFAULT_MAX_BACKOFF,
            recheck: vec![
                Rung {
                    until: h(3),
                    every: Duration::ZERO,
                },
                Rung {
                    until: h(24),
                    every: Duration::from_secs(30 * 60),
                },
                Rung {
                    until: h(24 * 7),
                    every: h(4),
                },
                Rung {
                    until: h(24 * 30),
                    every: h(24),
                },
            ],
            unpublished_after: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    pub url: Url,
    pub name: Option<String>,
    pub interval: Option<Duration>,
    pub full_text: bool,
}

impl Config {
    /// Parses and validates config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        let mut config = validate(file, path)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        let mut config = Self::parse(&text, path)?.with_env();
        // A relative database path means "next to the config file", not "wherever I was started".
        if let (Some(db), Some(dir)) = (&config.database, path.parent())
            && db.is_relative()
        {
            config.database = Some(dir.join(db));
        }
        Ok(config)
    }

    /// Applies the settings the environment overrides (`REDLINE_ALLOW_PRIVATE_NETWORKS`).
    #[must_use]
    pub fn with_env(mut self) -> Self {
        let on = std::env::var(ALLOW_PRIVATE_NETWORKS_ENV)
            .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"));
        self.http.allow_private_networks |= on;
        self
    }

    /// The interval for a feed: its own, else the default.
    pub fn interval_for(&self, feed_interval: Option<Duration>) -> Duration {
        feed_interval.unwrap_or(self.schedule.interval)
    }
}

/// Finds the config file: `--config`, then `REDLINE_CONFIG` (both passed in as `explicit`),
/// then `./config/redline.toml`, then `$XDG_CONFIG_HOME/redline/redline.toml`.
/// `None` means no file exists and built-in defaults apply.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let local = PathBuf::from("config/redline.toml");
    if local.is_file() {
        return Some(local);
    }
    let xdg = xdg_dir("XDG_CONFIG_HOME", ".config")?.join("redline/redline.toml");
    xdg.is_file().then_some(xdg)
}

/// The default database path: `$STATE_DIRECTORY` under systemd, else the XDG data dir.
pub fn default_database_path() -> PathBuf {
    if let Some(state) = std::env::var_os("STATE_DIRECTORY") {
        // systemd may pass several colon-separated directories; the first is ours.
        let first = state
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        if !first.is_empty() {
            return PathBuf::from(first).join("redline.db");
        }
    }
    xdg_dir("XDG_DATA_HOME", ".local/share")
        .unwrap_or_else(|| PathBuf::from("."))
        .join("redline/redline.db")
}

fn xdg_dir(var: &str, home_rel: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(home_rel)),
    }
}

fn validate(file: ConfigFile, path: &Path) -> Result<Config, ConfigError> {
    let bad = |key: &str, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        key: key.to_string(),
        message,
    };
    let dur = |key: &str, v: &Option<String>, default: Duration| -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => parse_duration(s).map_err(|m| bad(key, m)),
        }
    };
    let positive = |key: &str, v: Option<usize>, default: usize| -> Result<usize, ConfigError> {
        match v {
            Some(0) => Err(bad(key, "must be at least 1".into())),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    };

    let h = &file.http;
    let http = HttpConfig {
        user_agent: match &h.user_agent {
            Some(ua) if ua.trim().is_empty() => {
                return Err(bad("http.user_agent", "must not be empty".into()));
            }
            Some(ua) => ua.clone(),
            None => USER_AGENT.to_string(),
        },
        connect_timeout: dur(
            "http.connect_timeout",
            &h.connect_timeout,
            DEFAULT_CONNECT_TIMEOUT,
        )?,
        timeout: dur("http.timeout", &h.timeout, DEFAULT_TIMEOUT)?,
        max_body: match &h.max_body {
            None => DEFAULT_MAX_BODY,
            Some(s) => parse_size(s).map_err(|m| bad("http.max_body", m))?,
        },
        max_redirects: h.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
        concurrency: positive("http.concurrency", h.concurrency, DEFAULT_CONCURRENCY)?,
        per_host_concurrency: positive(
            "http.per_host_concurrency",
            h.per_host_concurrency,
            DEFAULT_PER_HOST,
        )?,
        allow_private_networks: h.allow_private_networks.unwrap_or(false),
        allow_hosts: validate_allow_hosts(h.allow_hosts.as_deref().unwrap_or(&[]))
            .map_err(|m| bad("http.allow_hosts", m))?,
    };
    if http.timeout.is_zero() {
        return Err(bad("http.timeout", "must be longer than 0s".into()));
    }
    if http.max_redirects > 20 {
        return Err(bad("http.max_redirects", "at most 20".into()));
    }

    let s = &file.schedule;
    let defaults = ScheduleConfig::default();
    let interval = dur("schedule.interval", &s.interval, defaults.interval)?;
    if interval < Duration::from_secs(10) {
        return Err(bad(
            "schedule.interval",
            "must be at least 10s (be polite to publishers)".into(),
        ));
    }
    let recheck = match &s.recheck {
        None => defaults.recheck,
        Some(rungs) => {
            let mut out = Vec::with_capacity(rungs.len());
            for (i, r) in rungs.iter().enumerate() {
                let until = parse_duration(&r.until)
                    .map_err(|m| bad(&format!("schedule.recheck[{i}].until"), m))?;
                let every = parse_duration(&r.every)
                    .map_err(|m| bad(&format!("schedule.recheck[{i}].every"), m))?;
                if out.last().is_some_and(|prev: &Rung| prev.until >= until) {
                    return Err(bad(
                        &format!("schedule.recheck[{i}].until"),
                        "rungs must be in ascending order of `until`".into(),
                    ));
                }
                out.push(Rung { until, every });
            }
            out
        }
    };
    let schedule = ScheduleConfig {
        interval,
        jitter: dur("schedule.jitter", &s.jitter, defaults.jitter)?,
        max_backoff: dur("schedule.max_backoff", &s.max_backoff, defaults.max_backoff)?,
        recheck,
        unpublished_after: match s.unpublished_after {
            Some(0) => {
                return Err(bad(
                    "schedule.unpublished_after",
                    "must be at least 1".into(),
                ));
            }
            Some(n) => n,
            None => defaults.unpublished_after,
        },
    };

    let mut feeds = Vec::with_capacity(file.feeds.len());
    let mut names = HashSet::new();
    let mut urls = HashSet::new();
    for (i, f) in file.feeds.iter().enumerate() {
        let key = |k: &str| format!("feed[{i}].{k}");
        let url = parse_feed_url(&f.url).map_err(|m| bad(&key("url"), m))?;
        if !urls.insert(url.clone()) {
            return Err(bad(&key("url"), format!("{url} is listed twice")));
        }
        if let Some(name) = &f.name {
            validate_feed_name(name).map_err(|m| bad(&key("name"), m))?;
            if !names.insert(name.clone()) {
                return Err(bad(&key("name"), format!("`{name}` is used twice")));
            }
        }
        let interval = match &f.interval {
            None => None,
            Some(v) => {
                let d = parse_duration(v).map_err(|m| bad(&key("interval"), m))?;
                if d < Duration::from_secs(10) {
                    return Err(bad(&key("interval"), "must be at least 10s".into()));
                }
                Some(d)
            }
        };
        feeds.push(FeedConfig {
            url,
            name: f.name.clone(),
            interval,
            full_text: f.full_text,
        });
    }

    let mut alerts = Vec::with_capacity(file.alerts.len());
    let mut alert_names = HashSet::new();
    let config_dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    for (i, a) in file.alerts.iter().enumerate() {
        let alert = validate_alert(a, i, &names, config_dir)
            .map_err(|(key, message)| bad(&key, message))?;
        if !alert_names.insert(alert.name.clone()) {
            return Err(bad(
                &format!("alert[{i}].name"),
                format!("`{}` is used twice", alert.name),
            ));
        }
        alerts.push(alert);
    }
    let d = &file.delivery;
    let dd = DeliveryConfig::default();
    let delivery = DeliveryConfig {
        retry_base: dur("delivery.retry_base", &d.retry_base, dd.retry_base)?,
        retry_cap: dur("delivery.retry_cap", &d.retry_cap, dd.retry_cap)?,
        max_attempts: match d.max_attempts {
            Some(0) => return Err(bad("delivery.max_attempts", "must be at least 1".into())),
            Some(n) => n,
            None => dd.max_attempts,
        },
        poll_timeout: dur("delivery.poll_timeout", &d.poll_timeout, dd.poll_timeout)?,
        keep: match dur("delivery.keep", &d.keep, dd.keep)? {
            // An atom sink's file is rendered from delivered rows: "0s" would empty it.
            k if k < Duration::from_secs(3600) => {
                return Err(bad(
                    "delivery.keep",
                    "must be at least 1h (an atom sink's file shows the delivered alerts kept)"
                        .into(),
                ));
            }
            k => k,
        },
    };

    let web_listen = file
        .web
        .listen
        .as_deref()
        .map(|l| {
            l.parse().map_err(|_| {
                bad(
                    "web.listen",
                    format!("`{l}` is not an address and port, e.g. \"127.0.0.1:8080\""),
                )
            })
        })
        .transpose()?;
    let web_base_path =
        crate::web::proxy::normalize_base_path(file.web.base_path.as_deref().unwrap_or(""))
            .map_err(|e| bad("web.base_path", e))?;
    let web_allowed_hosts = file.web.allowed_hosts.clone().unwrap_or_default();
    if let Some(h) = web_allowed_hosts
        .iter()
        .find(|h| h.trim().is_empty() || h.contains(['/', ' ']))
    {
        return Err(bad(
            "web.allowed_hosts",
            format!(
                "`{h}` is not a host name (give names like \"news.example.org\" or \"news.example.org:8443\")"
            ),
        ));
    }

    Ok(Config {
        path: None,
        database: file.database,
        http,
        schedule,
        feeds,
        alerts,
        delivery,
        archive: archive::validate(&file.archive, config_dir)
            .map_err(|(key, message)| bad(&key, message))?,
        web_listen,
        web_base_path,
        web_allowed_hosts,
    })
}

fn validate_alert(
    a: &AlertFile,
    i: usize,
    feed_names: &HashSet<String>,
    config_dir: Option<&Path>,
) -> Result<AlertConfig, (String, String)> {
    let key = |k: &str| format!("alert[{i}].{k}");
    let err = |k: &str, m: String| (key(k), m);
    validate_feed_name(&a.name).map_err(|m| err("name", m))?;
    let trigger = match a.trigger.as_deref().unwrap_or("claims") {
        "claims" => Trigger::Claims,
        "edits" => Trigger::Edits,
        "all" => Trigger::All,
        other => {
            return Err(err(
                "trigger",
                format!("`{other}` is not one of claims, edits, all"),
            ));
        }
    };
    let feeds = a.feeds.clone().unwrap_or_default();
    for f in &feeds {
        if !feed_names.contains(f) {
            return Err(err(
                "feeds",
                format!(
                    "no [[feed]] is named `{f}` (feeds added with `feeds add` are matched by name too, but must be listed in the config to be checked here)"
                ),
            ));
        }
    }
    let kinds = a
        .kinds
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|k| {
            k.parse::<crate::claims::ClaimKind>()
                .map_err(|_| err("kinds", format!("`{k}` is not a claim kind")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let digest = a
        .digest
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|m| err("digest", m))?
        .filter(|d| !d.is_zero());
    // Keys that only some sinks take: name any that the chosen sink does not.
    let present: [(&str, bool); 15] = [
        ("url", a.url.is_some()),
        ("secret", a.secret.is_some()),
        ("secret_file", a.secret_file.is_some()),
        ("password_file", a.password_file.is_some()),
        ("instance", a.instance.is_some()),
        ("token_file", a.token_file.is_some()),
        ("handle", a.handle.is_some()),
        ("pds", a.pds.is_some()),
        ("format", a.format.is_some()),
        ("to", a.to.is_some()),
        ("from", a.from.is_some()),
        ("smtp_url", a.smtp_url.is_some()),
        ("command", a.command.is_some()),
        ("timeout", a.timeout.is_some()),
        ("path", a.path.is_some() || a.max_entries.is_some()),
    ];
    let allowed: &[&str] = match a.sink.as_str() {
        "webhook" => &["url", "secret", "secret_file", "format"],
        "email" => &["to", "from", "smtp_url", "password_file"],
        "exec" => &["command", "timeout"],
        "atom" => &["path"],
        "mastodon" => &["instance", "token_file"],
        "bluesky" => &["handle", "password_file", "pds"],
        other => {
            return Err(err(
                "sink",
                format!("`{other}` is not one of webhook, email, exec, atom, mastodon, bluesky"),
            ));
        }
    };
    if let Some((k, _)) = present.iter().find(|(k, set)| *set && !allowed.contains(k)) {
        return Err(err(k, format!("not used by a `{}` sink", a.sink)));
    }
    let need = |k: &str| err(k, format!("required for a `{}` sink", a.sink));
    let sink = match a.sink.as_str() {
        "webhook" => {
            let url = a.url.as_deref().ok_or_else(|| need("url"))?;
            SinkConfig::Webhook {
                url: parse_feed_url(url).map_err(|m| err("url", m))?,
                secret: secrets::inline_or_file(
                    "secret",
                    a.secret.as_deref(),
                    a.secret_file.as_deref(),
                    config_dir,
                )
                .map_err(|(k, m)| err(&k, m))?,
                format: match a.format.as_deref().unwrap_or("json") {
                    "json" => WebhookFormat::Json,
                    "slack" => WebhookFormat::Slack,
                    "discord" => WebhookFormat::Discord,
                    other => {
                        return Err(err(
                            "format",
                            format!("`{other}` is not one of json, slack, discord"),
                        ));
                    }
                },
            }
        }
        "email" => {
            let to =
                a.to.clone()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| need("to"))?;
            for addr in &to {
                if !addr.contains('@') {
                    return Err(err("to", format!("`{addr}` is not an email address")));
                }
            }
            let from = a.from.clone().ok_or_else(|| need("from"))?;
            let smtp = a.smtp_url.as_deref().ok_or_else(|| need("smtp_url"))?;
            let mut smtp_url = Url::parse(smtp).map_err(|e| {
                let shown = crate::text_safety::redact_url(smtp);
                err("smtp_url", format!("`{shown}`: {e}"))
            })?;
            if let Some(file) = &a.password_file {
                if smtp_url.password().is_some() {
                    return Err(err(
                        "password_file",
                        "smtp_url already has a password; remove it from the URL".into(),
                    ));
                }
                if smtp_url.username().is_empty() {
                    return Err(err(
                        "password_file",
                        "smtp_url needs a user name (smtp://user@host:587) for the password".into(),
                    ));
                }
                let password =
                    secrets::read(file, config_dir).map_err(|m| err("password_file", m))?;
                // The URL carries the password percent-encoded, as lettre reads it.
                smtp_url
                    .set_password(Some(&password))
                    .map_err(|()| err("smtp_url", "cannot carry a password".into()))?;
            }
            if !matches!(smtp_url.scheme(), "smtp" | "smtps") || smtp_url.host().is_none() {
                return Err(err(
                    "smtp_url",
                    "must look like smtp://user:pass@host:587 (STARTTLS), smtps://host:465 (TLS) or smtp://localhost:25?tls=none".into(),
                ));
            }
            SinkConfig::Email { to, from, smtp_url }
        }
        "exec" => {
            let command = a
                .command
                .clone()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| need("command"))?;
            let timeout = match &a.timeout {
                Some(t) => parse_duration(t).map_err(|m| err("timeout", m))?,
                None => Duration::from_secs(30),
            };
            SinkConfig::Exec { command, timeout }
        }
        "mastodon" => {
            let instance = a.instance.as_deref().ok_or_else(|| need("instance"))?;
            let file = a.token_file.as_deref().ok_or_else(|| need("token_file"))?;
            SinkConfig::Mastodon {
                instance: parse_feed_url(instance).map_err(|m| err("instance", m))?,
                token: secrets::read(file, config_dir).map_err(|m| err("token_file", m))?,
            }
        }
        "bluesky" => {
            let handle = a.handle.clone().ok_or_else(|| need("handle"))?;
            let handle = handle.trim_start_matches('@').to_string();
            if handle.is_empty() || handle.contains(char::is_whitespace) {
                return Err(err(
                    "handle",
                    format!("`{handle}` is not a handle (write e.g. \"newsdesk.bsky.social\")"),
                ));
            }
            let file = a
                .password_file
                .as_deref()
                .ok_or_else(|| need("password_file"))?;
            SinkConfig::Bluesky {
                pds: parse_feed_url(a.pds.as_deref().unwrap_or(DEFAULT_BLUESKY_PDS))
                    .map_err(|m| err("pds", m))?,
                handle,
                password: secrets::read(file, config_dir).map_err(|m| err("password_file", m))?,
            }
        }
        _ => SinkConfig::Atom {
            path: a.path.clone().ok_or_else(|| need("path"))?,
            max_entries: a.max_entries.unwrap_or(50).clamp(1, 1000),
        },
    };
    let sink_default_max = sink.default_max_per_hour();
    if matches!(sink, SinkConfig::Atom { .. }) && a.max_per_hour.is_some_and(|n| n > 0) {
        return Err(err(
            "max_per_hour",
            "an atom file is read at its reader's pace and is not rate limited; the limit applies to webhook, email and exec sinks".into(),
        ));
    }
    Ok(AlertConfig {
        name: a.name.clone(),
        sink,
        trigger,
        feeds,
        stealth_only: a.stealth_only.unwrap_or(false),
        silent_only: a.silent_only.unwrap_or(false),
        kinds,
        include: a
            .include
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_lowercase())
            .collect(),
        exclude: a
            .exclude
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_lowercase())
            .collect(),
        digest,
        // 0 turns the limit off.
        max_per_hour: match a.max_per_hour {
            Some(0) => None,
            Some(n) => Some(n),
            None => sink_default_max,
        },
    })
}

/// `allow_hosts` entries are bare host names or IP addresses, optionally `*.` for subdomains.
fn validate_allow_hosts(hosts: &[String]) -> Result<Vec<String>, String> {
    hosts
        .iter()
        .map(|h| {
            let t = h.trim();
            let bare = t.strip_prefix("*.").unwrap_or(t);
            let ok = !bare.is_empty()
                && !bare.contains(['/', '@', '*', ' ', '\t'])
                && (bare.parse::<std::net::IpAddr>().is_ok()
                    || bare
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::Ipv6Addr>()
                        .is_ok()
                    || !bare.contains(':'));
            if ok {
                Ok(t.to_ascii_lowercase())
            } else {
                Err(format!(
                    "`{h}` is not a host name (write e.g. \"intranet.example\", \"*.corp.example\" or \"10.0.0.5\", without scheme, port or path)"
                ))
            }
        })
        .collect()
}

/// A feed URL must be absolute http(s).
pub fn parse_feed_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!("`{s}` must be an http:// or https:// URL")),
    }
}

/// Names are used on the command line, so keep them short and free of spaces.
pub fn validate_feed_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` must be 1-64 characters of letters, digits, '-', '_' or '.', and not only digits"
        ))
    }
}

/// Parses "90s", "15m", "1h30m", "2d", "0s" (units: ms, s, m, h, d, w).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration (write e.g. \"15m\", \"1h30m\", \"2d\")".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{s}` is not a duration (write e.g. \"15m\", \"1h30m\")"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = |mult: u64| {
            n.checked_mul(mult)
                .map(Duration::from_secs)
                .ok_or_else(|| format!("`{s}`: too large"))
        };
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => secs(1)?,
            "m" | "min" => secs(60)?,
            "h" => secs(3600)?,
            "d" => secs(86_400)?,
            "w" => secs(7 * 86_400)?,
            "" => return Err(format!("`{s}` needs a unit (ms, s, m, h, d or w)")),
            other => {
                return Err(format!(
                    "`{s}`: unknown unit `{other}` (use ms, s, m, h, d or w)"
                ));
            }
        };
        total = total
            .checked_add(part)
            .ok_or_else(|| format!("`{s}`: too large"))?;
    }
    Ok(total)
}

/// Parses "10MB", "512KiB", "1048576" (bytes) into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..split]
        .parse()
        .map_err(|_| format!("`{s}` is not a size (write e.g. \"10MB\")"))?;
    let mult: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1024,
        "mb" => 1_000_000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1024 * 1024 * 1024,
        other => {
            return Err(format!(
                "`{s}`: unknown unit `{other}` (use B, KB, KiB, MB, MiB)"
            ));
        }
    };
    let bytes = n
        .checked_mul(mult)
        .ok_or_else(|| format!("`{s}`: too large"))?;
    if bytes < 1024 {
        return Err(format!("`{s}` is too small (at least 1KiB)"));
    }
    Ok(bytes)
}

/// Formats a duration the way the config writes it ("1h30m", "45s").
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return if d.is_zero() {
            "0s".into()
        } else {
            format!("{}ms", d.as_millis())
        };
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses_and_has_feeds() {
        let c = Config::parse(SHIPPED_CONFIG, Path::new("config/redline.toml")).expect("parses");
        assert!(c.feeds.len() >= 3, "ships a handful of feeds");
        assert!(c.feeds.iter().all(|f| f.name.is_some()));
    }

    #[test]
    fn delivery_keep_defaults_to_30_days_and_refuses_less_than_an_hour() {
        let c = Config::parse("", Path::new("x.toml")).expect("parses");
        assert_eq!(c.delivery.keep, DEFAULT_DELIVERY_KEEP);
        let c = Config::parse("[delivery]\nkeep = \"7d\"\n", Path::new("x.toml")).expect("7d");
        assert_eq!(c.delivery.keep, Duration::from_secs(7 * 86_400));
        let err = Config::parse("[delivery]\nkeep = \"10m\"\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("delivery.keep"), "{err}");
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::parse("[http]\ntimeuot = \"5s\"\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("timeuot"), "{err}");
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = Config::parse(
            "[[feed]]\nurl = \"https://example.org/rss\"\ninterval = \"often\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("feed[0].interval"), "{err}");
        let err = Config::parse("[[feed]]\nurl = \"ftp://x/\"\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("feed[0].url"), "{err}");
    }

    #[test]
    fn web_listen_is_an_address_or_a_named_error() {
        assert_eq!(Config::default().web_listen, None);
        let c = Config::parse("[web]\nlisten = \"127.0.0.1:8090\"\n", Path::new("x.toml"))
            .expect("valid");
        assert_eq!(c.web_listen, Some("127.0.0.1:8090".parse().expect("addr")));
        let err =
            Config::parse("[web]\nlisten = \"localhost\"\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("web.listen"), "{err}");
    }

    #[test]
    fn web_base_path_and_allowed_hosts_are_checked() {
        let c = Config::parse(
            "[web]\nbase_path = \"/redline/\"\nallowed_hosts = [\"news.example.org\"]\n",
            Path::new("x.toml"),
        )
        .expect("valid");
        assert_eq!(c.web_base_path, "/redline");
        assert_eq!(c.web_allowed_hosts, vec!["news.example.org".to_string()]);
        assert_eq!(Config::default().web_base_path, "");
        let err =
            Config::parse("[web]\nbase_path = \"redline\"\n", Path::new("x.toml")).unwrap_err();
        assert!(err.to_string().contains("web.base_path"), "{err}");
        let err = Config::parse(
            "[web]\nallowed_hosts = [\"https://news.example.org/\"]\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("web.allowed_hosts"), "{err}");
    }

    #[test]
    fn durations_and_sizes_parse() {
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("15").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
    }

    #[test]
    fn silent_only_is_an_alert_key_off_by_default() {
        let base = "[[alert]]\nname = \"desk\"\nsink = \"atom\"\npath = \"/tmp/desk.xml\"\n";
        let c = Config::parse(base, Path::new("x.toml")).expect("valid alert");
        assert!(!c.alerts[0].silent_only);
        let c = Config::parse(&format!("{base}silent_only = true\n"), Path::new("x.toml"))
            .expect("valid alert");
        assert!(c.alerts[0].silent_only);
        let e = Config::parse(
            &format!("{base}silent_only = \"yes\"\n"),
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("silent_only"), "{e}");
    }

    #[test]
    fn alert_keys_are_checked_against_the_sink() {
        let ok = "[[feed]]\nname = \"wire\"\nurl = \"https://wire.example/rss\"\n[[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"https://hooks.example/x\"\nfeeds = [\"wire\"]\nkinds = [\"number_changed\"]\n";
        let c = Config::parse(ok, Path::new("x.toml")).expect("valid alert");
        assert_eq!(c.alerts[0].trigger, Trigger::Claims);
        let wrong = "[[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"https://hooks.example/x\"\nsmtp_url = \"smtp://localhost\"\n";
        let e = Config::parse(wrong, Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("alert[0].smtp_url"), "{e}");
        let missing = "[[alert]]\nname = \"feed\"\nsink = \"atom\"\n";
        let e = Config::parse(missing, Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("alert[0].path"), "{e}");
    }

    #[test]
    fn social_sinks_and_archive_read_their_secrets_from_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("masto"), "tok-123\n").expect("write");
        std::fs::write(dir.path().join("bsky"), "abcd-efgh-ijkl-mnop\n").expect("write");
        std::fs::write(dir.path().join("ia"), "ia-secret\n").expect("write");
        std::fs::write(dir.path().join("smtp"), "p@ss word\n").expect("write");
        let text = "[archive]\nenabled = true\naccess_key = \"K\"\nsecret_file = \"ia\"\n\
            [[alert]]\nname = \"m\"\nsink = \"mastodon\"\ninstance = \"https://social.example\"\ntoken_file = \"masto\"\n\
            [[alert]]\nname = \"b\"\nsink = \"bluesky\"\nhandle = \"@desk.bsky.social\"\npassword_file = \"bsky\"\n\
            [[alert]]\nname = \"e\"\nsink = \"email\"\nto = [\"a@b.example\"]\nfrom = \"r@b.example\"\nsmtp_url = \"smtp://desk@mail.example:587\"\npassword_file = \"smtp\"\n";
        let c = Config::parse(text, &dir.path().join("redline.toml")).expect("parses");
        assert_eq!(c.archive.secret.as_deref(), Some("ia-secret"));
        assert!(c.archive.enabled);
        assert!(
            matches!(&c.alerts[0].sink, SinkConfig::Mastodon { token, .. } if token == "tok-123")
        );
        assert!(
            matches!(&c.alerts[1].sink, SinkConfig::Bluesky { handle, password, pds }
            if handle == "desk.bsky.social" && password == "abcd-efgh-ijkl-mnop" && pds.as_str() == "https://bsky.social/")
        );
        assert!(
            matches!(&c.alerts[2].sink, SinkConfig::Email { smtp_url, .. }
            if smtp_url.password() == Some("p%40ss%20word"))
        );
        assert_eq!(c.alerts[0].max_per_hour, Some(DEFAULT_MAX_PER_HOUR_CHAT));
        let shown = format!("{c:?}");
        for secret in ["tok-123", "abcd-efgh", "ia-secret", "p%40ss"] {
            assert!(!shown.contains(secret), "Debug shows {secret}: {shown}");
        }
        let e = Config::parse(
            "[[alert]]\nname = \"m\"\nsink = \"mastodon\"\ninstance = \"https://social.example\"\ntoken_file = \"nope\"\n",
            &dir.path().join("redline.toml"),
        )
        .expect_err("missing file");
        assert!(
            e.to_string().contains("alert[0].token_file") && e.to_string().contains("nope"),
            "{e}"
        );
        let e = Config::parse(
            "[archive]\nenabled = true\naccess_key = \"K\"\n",
            &dir.path().join("redline.toml"),
        )
        .expect_err("key without secret");
        assert!(e.to_string().contains("archive.secret_file"), "{e}");
    }

    #[test]
    fn private_network_keys_parse_and_bad_hosts_are_named() {
        let c = Config::parse(
            "[http]\nallow_private_networks = true\nallow_hosts = [\"Intranet.Example\", \"*.corp.example\", \"10.0.0.5\"]\n",
            Path::new("x.toml"),
        )
        .expect("valid");
        assert!(c.http.allow_private_networks);
        assert_eq!(
            c.http.allow_hosts,
            ["intranet.example", "*.corp.example", "10.0.0.5"]
        );
        assert!(!Config::default().http.allow_private_networks);
        let e = Config::parse(
            "[http]\nallow_hosts = [\"http://intranet.example/\"]\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("http.allow_hosts"), "{e}");
    }

    #[test]
    fn recheck_ladder_must_ascend() {
        let text = "[schedule]\nrecheck = [{ until = \"1d\", every = \"1h\" }, { until = \"3h\", every = \"0s\" }]\n";
        let err = Config::parse(text, Path::new("x.toml")).unwrap_err();
        assert!(
            err.to_string().contains("schedule.recheck[1].until"),
            "{err}"
        );
    }
}
