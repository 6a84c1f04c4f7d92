//! The command line: clap definitions, config and database resolution, and dispatch to one
//! module per command group. `anyhow` lives here and in `main.rs` only.

mod alerts;
mod articles;
mod card;
mod check;
mod config_sync;
mod diff;
mod feeds;
mod json;
mod log;
mod man;
pub mod output;
mod pager;
mod poll;
mod serve;
mod status;
mod watch;

pub use diff::{ColorChoice, DiffFormat};
pub use log::ExportFormat;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "redline",
    version,
    about = "Watches news feeds, keeps every version of every article, and reports which claims changed"
)]
pub struct Cli {
    /// Config file (default: $REDLINE_CONFIG, ./config/redline.toml, then ~/.config/redline/redline.toml).
    #[arg(long, global = true, env = "REDLINE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database file; overrides the config's `database`.
    #[arg(long, global = true, env = "REDLINE_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// More logging (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run as a daemon: poll every feed on its schedule until SIGINT/SIGTERM (with
    /// `[web] listen` in the config, also serve the web UI there).
    Run,
    /// Serve the web UI and JSON API over the database, read-only, until SIGINT/SIGTERM.
    Serve {
        /// Address and port (default: `[web] listen`, else 127.0.0.1:8080). Anything but a
        /// loopback address exposes the UI to the network without a login.
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Path prefix every URL starts with, behind a reverse proxy that forwards e.g.
        /// `/redline/` (default: `[web] base_path`, else none).
        #[arg(long, value_name = "PATH")]
        base_path: Option<String>,
    },
    /// Poll every feed (or one) once now, ignoring the schedule, and print what happened.
    ///
    /// Exit codes: 0 every feed polled; 3 at least one feed failed (what the others found is
    /// stored); 130 interrupted (Ctrl-C, SIGTERM); 1 redline itself failed.
    Poll {
        /// Only this feed (name, id or URL).
        #[arg(long)]
        feed: Option<String>,
        /// Print the per-feed reports as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage the watched feeds.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Track one article page without a feed, re-checked on the ladder (`feeds remove` stops
    /// it); with no URL, list the watched pages.
    Watch {
        /// The article page (http or https).
        url: Option<String>,
        /// A name to refer to it by (letters, digits, - _ .).
        #[arg(long)]
        name: Option<String>,
        /// With no URL: the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what redline sees in a feed or page (URL or local file): HTTP status and headers,
    /// encoding, format, warnings, every entry; for an HTML page, the extracted article.
    /// Exits 1 when it is neither a feed nor an article page redline can read.
    Check {
        /// An http(s) URL or a local file.
        target: String,
        /// The URL a local file was fetched from (resolves its relative links).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Read it as an article page (what a full-text feed extracts), not as a feed.
        #[arg(long)]
        page: bool,
        /// Print the report as JSON (shape in docs/JSON.md).
        #[arg(long)]
        json: bool,
    },
    /// List articles, newest first (ids: `a42`; `--changed`: newest edit first).
    Articles {
        /// Only this feed (name, id such as `f7`, or URL).
        #[arg(long)]
        feed: Option<String>,
        /// Only articles with more than one version (or unpublished), newest change first,
        /// with their counts of changes and claim changes.
        #[arg(long)]
        changed: bool,
        /// Only articles whose latest title or text contains these words (all of them;
        /// "quoted phrase", word* for a prefix), best match first.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[command(flatten)]
        page: output::Page,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the versions of an article (id such as `a42`, or URL).
    Versions {
        /// The article: its id or its URL.
        article: String,
        #[command(flatten)]
        page: output::Page,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one version of an article (default: the latest).
    Show {
        /// Article id (`a42`), version (`a42v3`) or URL.
        article: String,
        /// The version number, as `versions` lists it (default: the latest).
        #[arg(long, value_name = "N")]
        version: Option<i64>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Diff two versions of an article: claim changes first, then the edited sentences with
    /// one sentence of context (`--full` for the whole text). Paged on a terminal.
    Diff {
        /// Article id (`a42`), version (`a42v3`: the change that made v3) or URL.
        article: String,
        /// Old version (default: the one before --to).
        #[arg(long, value_name = "N")]
        from: Option<i64>,
        /// New version (default: the latest).
        #[arg(long, value_name = "M")]
        to: Option<i64>,
        /// Output: words (inline word diff), sentences, unified or json (the redline.diff document).
        #[arg(long, value_enum, default_value_t = DiffFormat::Words)]
        format: DiffFormat,
        /// Print as JSON: the same as `--format json`, like every other command's `--json`.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Colour the diff: auto (only on a terminal, NO_COLOR honoured), always or never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        view: diff::DiffView,
    },
    /// Render the change between two versions as a PNG card (1200x675) and print its alt
    /// text: outlet, headline, both fetch times, claim changes, edited sentences.
    Card {
        /// Article id (`a42`), version (`a42v3`: the change that made v3) or URL.
        article: String,
        /// Old version (default: the one before --to).
        #[arg(long, value_name = "N")]
        from: Option<i64>,
        /// New version (default: the latest).
        #[arg(long, value_name = "M")]
        to: Option<i64>,
        /// The PNG file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Write the alt text to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        alt_text: Option<PathBuf>,
        /// Print {path, width, height, alt} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Diff two local files (text: title on the first line; or HTML pages), no database.
    Compare {
        /// The older version: a text file (title on the first line) or an HTML page.
        old: PathBuf,
        /// The newer version, in the same form.
        new: PathBuf,
        /// Output: words (inline word diff), sentences, unified or json (the redline.diff document).
        #[arg(long, value_enum, default_value_t = DiffFormat::Words)]
        format: DiffFormat,
        /// Print as JSON: the same as `--format json`, like every other command's `--json`.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Colour the diff: auto (only on a terminal, NO_COLOR honoured), always or never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        view: diff::DiffView,
    },
    /// The change log, newest first: one line per claim change.
    Log {
        /// Only changes newer than this, e.g. "1d", "6h".
        #[arg(long)]
        since: Option<String>,
        /// Only this feed (name, id or URL).
        #[arg(long)]
        feed: Option<String>,
        /// Only this article's changes (id such as `a42`, or URL).
        #[arg(long, value_name = "ID")]
        article: Option<String>,
        /// Only these claim kinds, comma-separated (implies --claims-only).
        #[arg(long, value_name = "KINDS")]
        kind: Option<String>,
        /// Only changes that carry claim changes.
        #[arg(long)]
        claims_only: bool,
        /// Only silent changes: claim changes with no correction, update or editor's notice
        /// added (changes recorded before redline looked for notices need `reprocess`).
        #[arg(long)]
        silent: bool,
        #[command(flatten)]
        page: output::Page,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export versions and changes for research.
    Export {
        /// jsonl (one JSON record per line) or csv.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Only versions and changes newer than this, e.g. "30d".
        #[arg(long)]
        since: Option<String>,
    },
    /// Recompute diffs and claim changes of stored versions (after an upgrade).
    Reprocess,
    /// Alert rules and their outbox.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Health: per-feed errors and schedule, totals, alerts, whether a daemon is running.
    /// Exits 3 when a feed has been failing for longer than --max-failing, a running daemon has
    /// stopped beating, or (with --require-daemon) no daemon is running.
    Status {
        /// How long a feed may fail before it counts as unhealthy.
        #[arg(long, default_value = "6h", value_parser = parse_duration_arg)]
        max_failing: std::time::Duration,
        /// Also unhealthy (exit 3) when no daemon is running on this database (for systemd
        /// and monitoring checks).
        #[arg(long)]
        require_daemon: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell to write the script for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command with --dir.
    Man {
        /// Write redline.1 and one page per subcommand (redline-feeds.1, redline-feeds-add.1,
        /// ...) into this directory, created if missing, instead of printing redline.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

fn parse_duration_arg(s: &str) -> Result<std::time::Duration, String> {
    config::parse_duration(s)
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// The configured rules and recent deliveries, each pending (not attempted yet), retrying
    /// (failed, tried again after a backoff), delivered, or given up (failed
    /// delivery.max_attempts times, or its alert left the config; `alerts retry` revives it).
    List {
        /// Only deliveries in this state.
        #[arg(long, value_enum, conflicts_with = "pending")]
        state: Option<alerts::StateArg>,
        /// Same as --state pending.
        #[arg(long)]
        pending: bool,
        /// Gone: it meant both retrying and given up. Use --state retrying or --state given-up.
        #[arg(long, hide = true)]
        failed: bool,
        #[command(flatten)]
        page: output::Page,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send a sample alert (marked as a test) through a rule's sink and say what happened.
    /// An atom sink's real file is left alone: the sample feed goes to a temporary file.
    Test {
        /// The alert's `name` in the config.
        name: String,
    },
    /// Make a delivery due now (or every retrying and given-up one). An unknown id is an
    /// error; a delivered one is never sent again.
    Retry {
        /// The delivery id from `alerts list`; every retrying and given-up one when omitted.
        id: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Watch a new feed (stored in the database).
    Add(FeedAddArgs),
    /// List the feeds in the database (ids: `f7`), with tags and paused state; says when the
    /// config lists others (`feeds sync`).
    List {
        #[command(flatten)]
        page: output::Page,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Bring the database's feeds in line with the config's [[feed]] list (`run` does this
    /// at start and on SIGHUP; no other command does).
    Sync {
        /// Also add back config feeds removed with `feeds remove`.
        #[arg(long)]
        restore_removed: bool,
    },
    /// Change a feed in place (same feed, history kept): name, interval, full text, paused,
    /// tags. Name, interval and full text of a feed from the config are set in the config.
    Edit(feeds::FeedEditArgs),
    /// Stop watching a feed and delete its history. A feed the config lists stays removed:
    /// `feeds sync` does not add it back.
    Remove {
        /// The feed: its name, id (`f7`) or URL.
        feed: String,
    },
    /// Add every feed of an OPML file.
    Import {
        /// The OPML file to read.
        file: PathBuf,
        /// Fetch each article's page and extract its text, for every imported feed.
        #[arg(long)]
        full_text: bool,
    },
    /// Print every active feed as OPML 2.0.
    Export,
}

#[derive(Debug, Args)]
pub struct FeedAddArgs {
    /// The feed's URL (or an article page that names its feed).
    pub url: String,
    /// A short name to show and select the feed by (default: from the URL).
    #[arg(long)]
    pub name: Option<String>,
    /// Poll interval, e.g. "10m".
    #[arg(long)]
    pub interval: Option<String>,
    /// Fetch each article's page and extract its text.
    #[arg(long)]
    pub full_text: bool,
    /// Add it without checking that it is a feed with entries.
    #[arg(long)]
    pub force: bool,
}

/// Resolved config + database path for a command.
pub struct Env {
    pub config: Config,
    pub db_path: PathBuf,
    /// Which config file was used and how it was found, for `status` and `feeds list`.
    pub config_origin: config_sync::ConfigOrigin,
}

impl Env {
    pub fn load(cli: &Cli) -> anyhow::Result<Self> {
        let located = config::locate(cli.config.as_deref());
        let config_origin =
            config_sync::ConfigOrigin::of(cli.config.as_deref(), located.as_deref());
        let config = match located {
            Some(path) => Config::load(&path)?,
            None => Config::default().with_env(),
        };
        let db_path = cli
            .db
            .clone()
            .or_else(|| config.database.clone())
            .unwrap_or_else(config::default_database_path);
        Ok(Self {
            config,
            db_path,
            config_origin,
        })
    }

    pub fn open_store(&self) -> anyhow::Result<Store> {
        Store::open(&self.db_path)
            .with_context(|| "opening the database (set --db or REDLINE_DB to use another file)")
    }

    /// The store for a command that only reads: opened read-only, never created or migrated.
    pub fn open_store_read_only(&self) -> anyhow::Result<Store> {
        Store::open_read_only(&self.db_path).with_context(
            || "opening the database read-only (set --db or REDLINE_DB to use another file)",
        )
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into memory first: clap_complete panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "redline", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man { dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match dir {
                None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?,
                Some(dir) => man::write_pages(cmd, dir)?,
            }
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    // `compare` works on two files alone: no config, no database.
    if let Command::Compare {
        old,
        new,
        format,
        json,
        color,
        view,
    } = &cli.command
    {
        return diff::compare_files(old, new, json_or(*format, *json), *color, view);
    }
    let env = Env::load(&cli)?;
    match cli.command {
        Command::Compare { .. } | Command::Completions { .. } | Command::Man { .. } => {
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            max_failing,
            require_daemon,
            json,
        } => status::status(&env, max_failing, require_daemon, json),
        Command::Check {
            target,
            url,
            page,
            json,
        } => check::check(&env, &target, url.as_deref(), page, json),
        Command::Diff {
            article,
            from,
            to,
            format,
            json,
            color,
            view,
        } => diff::diff_article(
            &env,
            &article,
            from,
            to,
            json_or(format, json),
            color,
            &view,
        ),
        Command::Card {
            article,
            from,
            to,
            output,
            alt_text,
            json,
        } => card::card(&env, &article, from, to, &output, alt_text.as_deref(), json),
        Command::Log {
            since,
            feed,
            article,
            kind,
            claims_only,
            silent,
            page,
            json,
        } => log::log(
            &env,
            &log::LogOptions {
                since: since.as_deref(),
                feed: feed.as_deref(),
                article: article.as_deref(),
                kinds: kind.as_deref(),
                claims_only,
                silent,
                json,
                page,
            },
        ),
        Command::Export { format, since } => log::export(&env, format, since.as_deref()),
        Command::Reprocess => log::reprocess(&env),
        Command::Alerts(AlertsCommand::List {
            state,
            pending,
            failed,
            page,
            json,
        }) => alerts::list(&env, state, pending, failed, page, json),
        Command::Alerts(AlertsCommand::Test { name }) => alerts::test(&env, &name),
        Command::Alerts(AlertsCommand::Retry { id }) => alerts::retry(&env, id),
        Command::Run => poll::run_daemon(&env),
        Command::Serve { listen, base_path } => serve::serve(&env, listen, base_path),
        Command::Poll { feed, json } => poll::poll_once(&env, feed.as_deref(), json),
        Command::Feeds(cmd) => feeds::run(&env, cmd),
        Command::Watch { url, name, json } => {
            watch::run(&env, url.as_deref(), name.as_deref(), json)
        }
        Command::Articles {
            feed,
            changed,
            search,
            page,
            json,
        } => articles::list(&env, feed.as_deref(), changed, search, page, json),
        Command::Versions {
            article,
            page,
            json,
        } => articles::versions(&env, &article, page, json),
        Command::Show {
            article,
            version,
            json,
        } => articles::show(&env, &article, version, json),
    }
}

/// A tokio runtime for commands that do network work.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// `--json` on `diff`/`compare` is `--format json`.
fn json_or(format: DiffFormat, json: bool) -> DiffFormat {
    if json { DiffFormat::Json } else { format }
}
