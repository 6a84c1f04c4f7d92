//! Which config a command used, and bringing the database's feeds in line with it.
//!
//! Only `run` (at start and on SIGHUP) and `feeds sync` write the config's feeds to the
//! database. Every other command reads: the config is found through the working directory
//! (`./config/redline.toml`), so syncing on every command made the feed table follow whichever
//! directory the last command ran in (#12). `poll` and `feeds list` instead print a one-line
//! hint when the database and the config differ.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Env;
use super::output::{outln, sanitize};
use crate::store::{Store, feeds, unix_now};

/// How the config file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// `--config FILE`.
    Flag(PathBuf),
    /// `$REDLINE_CONFIG`.
    EnvVar(PathBuf),
    /// `./config/redline.toml`, relative to the working directory.
    WorkingDir(PathBuf),
    /// `~/.config/redline/redline.toml` (or `$XDG_CONFIG_HOME`).
    UserDir(PathBuf),
    /// No file: built-in defaults.
    Defaults,
}

impl ConfigOrigin {
    /// `flag` is what clap saw (`--config` or `$REDLINE_CONFIG`), `located` what
    /// `config::locate` chose.
    pub fn of(flag: Option<&Path>, located: Option<&Path>) -> Self {
        let Some(path) = located else {
            return Self::Defaults;
        };
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match flag {
            Some(f) if std::env::var_os("REDLINE_CONFIG").is_some_and(|v| Path::new(&v) == f) => {
                Self::EnvVar(abs)
            }
            Some(_) => Self::Flag(abs),
            None if path.is_relative() => Self::WorkingDir(abs),
            None => Self::UserDir(abs),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Flag(p) | Self::EnvVar(p) | Self::WorkingDir(p) | Self::UserDir(p) => Some(p),
            Self::Defaults => None,
        }
    }

    /// "how it was found", for JSON.
    pub fn how(&self) -> &'static str {
        match self {
            Self::Flag(_) => "--config",
            Self::EnvVar(_) => "REDLINE_CONFIG",
            Self::WorkingDir(_) => "working directory",
            Self::UserDir(_) => "user config directory",
            Self::Defaults => "built-in defaults",
        }
    }

    /// One line for people: the file and why it is the one.
    pub fn describe(&self) -> String {
        match self {
            Self::Flag(p) => format!("{} (--config)", p.display()),
            Self::EnvVar(p) => format!("{} ($REDLINE_CONFIG)", p.display()),
            Self::WorkingDir(p) => format!(
                "{} (./config/redline.toml in the working directory; --config or \
                 $REDLINE_CONFIG choose another)",
                p.display()
            ),
            Self::UserDir(p) => format!("{} (user config directory)", p.display()),
            Self::Defaults => "none found (no --config, $REDLINE_CONFIG, \
                               ./config/redline.toml or ~/.config/redline/redline.toml): \
                               built-in defaults, no feeds"
                .to_string(),
        }
    }
}

/// The hint, if the database's feeds differ from the config's. Reads only.
pub fn out_of_sync_hint(env: &Env, store: &Store) -> anyhow::Result<Option<String>> {
    let plan = store.read(|c| feeds::plan_sync(c, &env.config.feeds))?;
    if plan.is_in_sync() {
        return Ok(None);
    }
    let mut parts = Vec::new();
    if !plan.add.is_empty() {
        parts.push(format!("{} feeds not in the database", plan.add.len()));
    }
    if !plan.update.is_empty() {
        parts.push(format!("{} with other settings", plan.update.len()));
    }
    if !plan.deactivate.is_empty() {
        parts.push(format!(
            "{} config feeds in the database it no longer lists",
            plan.deactivate.len()
        ));
    }
    let Some(config) = env.config_origin.path() else {
        // Syncing the built-in defaults would deactivate every config feed: not the advice.
        return Ok(Some(format!(
            "redline: {}; the database has feeds from a config ({}): pass --config FILE \
             (or set $REDLINE_CONFIG) to use that config",
            no_config_found(),
            parts.join(", ")
        )));
    };
    Ok(Some(format!(
        "redline: the config ({}) differs from the database: {}; run `redline feeds sync` to apply it",
        sanitize(&config.display().to_string()),
        parts.join(", ")
    )))
}

/// "no config file found (looked for …)", with the paths as this process resolved them.
pub fn no_config_found() -> String {
    let local = std::path::absolute("config/redline.toml")
        .unwrap_or_else(|_| PathBuf::from("config/redline.toml"));
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("redline/redline.toml").display().to_string())
        .unwrap_or_else(|| "~/.config/redline/redline.toml".into());
    format!(
        "no config file found (no --config or $REDLINE_CONFIG; looked for {} and {})",
        sanitize(&local.display().to_string()),
        sanitize(&user)
    )
}

/// Prints the out-of-sync hint on stderr (never on stdout, which may be JSON); returns
/// whether the database matches the config.
pub fn print_hint(env: &Env, store: &Store) -> anyhow::Result<bool> {
    match out_of_sync_hint(env, store)? {
        Some(hint) => {
            crate::errln!("{hint}");
            Ok(false)
        }
        None => Ok(true),
    }
}

/// `feeds sync [--restore-removed]`.
pub fn sync(env: &Env, restore_removed: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let restored = if restore_removed {
        let urls: Vec<&str> = env.config.feeds.iter().map(|f| f.url.as_str()).collect();
        store.write(|tx| feeds::clear_tombstones(tx, &urls))?
    } else {
        0
    };
    let report = store.write(|tx| feeds::sync_config(tx, &env.config.feeds, unix_now()))?;
    outln!("config {}", sanitize(&env.config_origin.describe()));
    outln!(
        "synced {} config feeds: {} added{}, {} updated, {} deactivated (no longer in the config; history kept)",
        env.config.feeds.len() - report.kept_removed.len(),
        report.added,
        if restored > 0 {
            format!(" ({restored} of them restored after `feeds remove`)")
        } else {
            String::new()
        },
        report.updated,
        report.deactivated
    );
    if !report.kept_removed.is_empty() {
        outln!(
            "{} feeds the config lists stay removed (removed with `redline feeds remove`; \
             `redline feeds add URL` or `redline feeds sync --restore-removed` brings them back):",
            report.kept_removed.len()
        );
        for url in &report.kept_removed {
            outln!("  {}", sanitize(url));
        }
    }
    Ok(ExitCode::SUCCESS)
}
