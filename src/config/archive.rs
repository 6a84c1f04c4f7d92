//! `[archive]`: ask a Save Page Now service to capture every version (off by default).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// The Internet Archive's Wayback Machine, whose `/save` is Save Page Now 2.
pub const DEFAULT_ARCHIVE_SERVICE: &str = "https://web.archive.org";
/// Pause between two status requests of one capture job.
pub const DEFAULT_STATUS_EVERY: Duration = Duration::from_secs(5);
/// How long one delivery asks for a job's status before it lets the row retry later (stays
/// under `alert::DELIVERY_TIMEOUT`).
pub const DEFAULT_STATUS_WAIT: Duration = Duration::from_secs(45);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ArchiveFile {
    enabled: Option<bool>,
    service: Option<String>,
    access_key: Option<String>,
    secret: Option<String>,
    secret_file: Option<PathBuf>,
    status_every: Option<String>,
    status_wait: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct ArchiveConfig {
    pub enabled: bool,
    /// Base URL: capture requests go to `{service}/save`, status to `{service}/save/status/ID`,
    /// captures are at `{service}/web/TS/URL`.
    pub service: Url,
    /// S3-style keys sent as `Authorization: LOW access_key:secret`; without them requests
    /// go unauthenticated (the Internet Archive refuses those; a self-hosted service may not).
    pub access_key: Option<String>,
    pub secret: Option<String>,
    pub status_every: Duration,
    pub status_wait: Duration,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            service: Url::parse(DEFAULT_ARCHIVE_SERVICE)
                .unwrap_or_else(|_| unreachable!("the default service URL parses")),
            access_key: None,
            secret: None,
            status_every: DEFAULT_STATUS_EVERY,
            status_wait: DEFAULT_STATUS_WAIT,
        }
    }
}

impl std::fmt::Debug for ArchiveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveConfig")
            .field("enabled", &self.enabled)
            .field("service", &self.service.as_str())
            .field("access_key", &self.access_key)
            .field("secret", &self.secret.as_ref().map(|_| "<hidden>"))
            .field("status_every", &self.status_every)
            .field("status_wait", &self.status_wait)
            .finish()
    }
}

impl ArchiveConfig {
    /// The service's host, which the alert dispatcher's network guard lets through.
    pub fn host(&self) -> Option<String> {
        self.service.host_str().map(str::to_ascii_lowercase)
    }
}

pub(super) fn validate(
    f: &ArchiveFile,
    config_dir: Option<&Path>,
) -> Result<ArchiveConfig, (String, String)> {
    let key = |k: &str| format!("archive.{k}");
    let d = ArchiveConfig::default();
    let service = match &f.service {
        None => d.service,
        Some(s) => {
            let u = super::parse_feed_url(s).map_err(|m| (key("service"), m))?;
            if u.query().is_some() || u.fragment().is_some() {
                return Err((
                    key("service"),
                    "is a base URL like https://web.archive.org, without query or fragment".into(),
                ));
            }
            u
        }
    };
    let dur = |k: &str, v: &Option<String>, default: Duration| match v {
        None => Ok(default),
        Some(s) => super::parse_duration(s).map_err(|m| (key(k), m)),
    };
    let status_every = dur("status_every", &f.status_every, d.status_every)?;
    let status_wait = dur("status_wait", &f.status_wait, d.status_wait)?;
    if status_wait >= crate::alert::DELIVERY_TIMEOUT {
        return Err((
            key("status_wait"),
            format!(
                "must be shorter than {}s, the longest one delivery may take (a job still running then is asked again on the next attempt)",
                crate::alert::DELIVERY_TIMEOUT.as_secs()
            ),
        ));
    }
    let secret = super::secrets::inline_or_file(
        "secret",
        f.secret.as_deref(),
        f.secret_file.as_deref(),
        config_dir,
    )
    .map_err(|(k, m)| (key(&k), m))?;
    if secret.is_some() != f.access_key.is_some() {
        return Err((
            key(if secret.is_some() { "access_key" } else { "secret_file" }),
            "`access_key` and `secret`/`secret_file` go together (the Internet Archive's S3 keys, https://archive.org/account/s3.php)".into(),
        ));
    }
    Ok(ArchiveConfig {
        enabled: f.enabled.unwrap_or(false),
        service,
        access_key: f.access_key.clone(),
        secret,
        status_every,
        status_wait,
    })
}
