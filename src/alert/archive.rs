//! Archived copies of every version (`[archive]`): a capture request per committed version,
//! written to the outbox in the poll's transaction under the reserved name `@archive` (no
//! alert can have it: names take no `@`), delivered by the dispatcher like an alert, so a
//! crash or an outage between the commit and the request loses nothing.
//!
//! The service speaks the Internet Archive's Save Page Now 2 API ("SPN2 Public API Docs",
//! Vangelis Banos, 2022-04-05, https://docs.google.com/document/d/1Nsv52MvSjbLb2PCpHlat0gkzw0EvtSgpKHu4mk0MnrA):
//! - capture: `POST {service}/save`, `Accept: application/json`, `Authorization: LOW
//!   key:secret`, form body `url=…`; answer `{"url": "…", "job_id": "…"}`, or
//!   `{"status": "error", "status_ext": "error:…", "message": "…"}`;
//! - status: `GET {service}/save/status/{job_id}`; answer `{"status": "pending"}`, `{"status":
//!   "success", "timestamp": "20261202031500", "original_url": "…"}` or an error as above;
//! - the capture is then at `{service}/web/{timestamp}/{original_url}`, and the archive's own
//!   comparison of two captures at `{service}/web/diff/{ts1}/{ts2}/{url}`.
//!
//! The job id is stored (`version_archives.job_id`) before its status is asked for, so a retry
//! (after the status wait, a crash or a restart) asks about the same job instead of starting a
//! second capture. Rate limits: a 429, or SPN2's session and daily limits, pause every
//! archive request for the server's `Retry-After` (`SinkError::RateLimited`); other errors
//! back off like any delivery.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SinkError;
use super::api;
use super::payload::ChangeData;
use crate::config::ArchiveConfig;
use crate::netguard::GuardedClient;
use crate::store::{Store, StoreError, archives, unix_now_ms};

/// The outbox's name for archive requests. Alert names are letters, digits, `-_.` only.
pub const OUTBOX_NAME: &str = "@archive";
pub const REQUEST_TYPE: &str = "redline.archive_request";

/// SPN2 errors that are limits, not failures: wait, do not count them as the page's fault.
const LIMIT_ERRORS: &[(&str, Duration)] = &[
    ("error:user-session-limit", Duration::from_secs(60)),
    ("error:too-many-daily-captures", Duration::from_secs(3600)),
    ("error:host-crawling-paused", Duration::from_secs(600)),
    ("error:service-unavailable", Duration::from_secs(300)),
];

/// The outbox payload of one capture request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArchiveRequest {
    pub version_id: i64,
    pub article_id: i64,
    pub seq: i64,
    pub url: String,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
    data: ArchiveRequest,
}

/// Writes a capture request for a version just stored (inside the poll's transaction).
pub fn enqueue(
    tx: &rusqlite::Connection,
    cfg: &ArchiveConfig,
    req: ArchiveRequest,
    now_ms: i64,
) -> Result<bool, StoreError> {
    if !cfg.enabled {
        return Ok(false);
    }
    let json = serde_json::to_string(&Envelope {
        kind: REQUEST_TYPE.into(),
        version: 1,
        data: req,
    })
    .map_err(|e| StoreError::Invalid(format!("archive request: {e}")))?;
    crate::store::outbox::insert(tx, None, OUTBOX_NAME, &json, now_ms, now_ms)?;
    Ok(true)
}

pub fn parse_request(json: &str) -> Result<ArchiveRequest, String> {
    serde_json::from_str::<Envelope>(json)
        .map(|e| e.data)
        .map_err(|e| format!("stored payload is not a {REQUEST_TYPE}: {e}"))
}

/// The address of a capture: `{service}/web/{ts}/{url}`.
pub fn capture_url(service: &str, ts: &str, url: &str) -> String {
    format!("{}/web/{ts}/{url}", service.trim_end_matches('/'))
}

/// The archive's comparison of two captures of one page.
pub fn diff_url(service: &str, ts_before: &str, ts_after: &str, url: &str) -> String {
    format!(
        "{}/web/diff/{ts_before}/{ts_after}/{url}",
        service.trim_end_matches('/')
    )
}

/// The archive links of one change: the capture of each version and, when both exist on the
/// same service, the archive's comparison of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArchiveLinks {
    pub before: Option<String>,
    pub after: Option<String>,
    pub diff: Option<String>,
}

pub fn links(
    conn: &rusqlite::Connection,
    article_id: i64,
    from_seq: Option<i64>,
    to_seq: Option<i64>,
) -> Result<ArchiveLinks, StoreError> {
    let get = |seq: Option<i64>| match seq {
        Some(s) => archives::for_version(conn, article_id, s),
        None => Ok(None),
    };
    let (before, after) = (get(from_seq)?, get(to_seq)?);
    let diff = match (&before, &after) {
        (Some(b), Some(a)) if b.service == a.service => {
            match (&b.capture_ts, &a.capture_ts, &a.capture_url) {
                (Some(tb), Some(ta), Some(cap)) => {
                    // The page's URL is what follows `/web/{ts}/` in the capture address.
                    let prefix = capture_url(&a.service, ta, "");
                    cap.strip_prefix(&prefix)
                        .map(|page| diff_url(&a.service, tb, ta, page))
                }
                _ => None,
            }
        }
        _ => None,
    };
    Ok(ArchiveLinks {
        before: before.and_then(|r| r.capture_url),
        after: after.and_then(|r| r.capture_url),
        diff,
    })
}

/// Fills a change's `links.archive*` from the store at send time: the payload was written
/// before any capture existed.
pub fn fill_links(conn: &rusqlite::Connection, d: &mut ChangeData) -> Result<(), StoreError> {
    let l = links(conn, d.article.id, d.from_version, d.to_version)?;
    d.links.archive = l.after;
    d.links.archive_before = l.before;
    d.links.archive_diff = l.diff;
    Ok(())
}

/// Delivers one capture request: starts the capture unless a job is already recorded, then
/// asks for its status until it ends or `status_wait` passes (then the row retries later and
/// asks again about the same job).
pub async fn capture(
    http: &GuardedClient,
    cfg: &ArchiveConfig,
    store: &Store,
    req: &ArchiveRequest,
) -> Result<(), SinkError> {
    let service = cfg.service.as_str().trim_end_matches('/').to_string();
    let err = |detail: String| SinkError::Archive {
        service: service.clone(),
        detail,
    };
    let s = store.clone();
    let vid = req.version_id;
    let row = blocking(move || s.read(|c| archives::get(c, vid)))
        .await
        .map_err(|e| err(e.to_string()))?;
    if row.as_ref().is_some_and(|r| r.capture_url.is_some()) {
        // Captured already (a delivery whose success could not be recorded): done.
        return Ok(());
    }
    let job = match row.and_then(|r| r.job_id) {
        Some(job) => job,
        None => {
            let job = start(http, cfg, &service, &req.url, &err).await?;
            let (s, svc, j) = (store.clone(), service.clone(), job.clone());
            blocking(move || s.write(|tx| archives::set_job(tx, vid, &svc, &j, unix_now_ms())))
                .await
                .map_err(|e| err(e.to_string()))?;
            job
        }
    };
    let deadline = tokio::time::Instant::now() + cfg.status_wait;
    loop {
        match status(http, cfg, &service, &job, &err).await? {
            JobStatus::Pending => {}
            JobStatus::Success { ts, original } => {
                let cap = capture_url(&service, &ts, &original);
                let (s, svc) = (store.clone(), service.clone());
                blocking(move || {
                    s.write(|tx| archives::set_captured(tx, vid, &svc, &cap, &ts, unix_now_ms()))
                })
                .await
                .map_err(|e| err(e.to_string()))?;
                return Ok(());
            }
            JobStatus::Failed(detail) => {
                let (s, svc, d) = (store.clone(), service.clone(), detail.clone());
                blocking(move || s.write(|tx| archives::set_failed(tx, vid, &svc, &d)))
                    .await
                    .map_err(|e| err(e.to_string()))?;
                return Err(err(detail));
            }
        }
        if tokio::time::Instant::now() + cfg.status_every > deadline {
            return Err(err(format!(
                "capture job {job} still running after {}s; its status is asked again on the next attempt",
                api::secs(cfg.status_wait)
            )));
        }
        tokio::time::sleep(cfg.status_every).await;
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Invalid(format!("archive task failed: {e}")))?
}

fn authorize(cfg: &ArchiveConfig, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let req = req.header("accept", "application/json");
    match (&cfg.access_key, &cfg.secret) {
        (Some(k), Some(s)) => req.header("authorization", format!("LOW {k}:{s}")),
        _ => req,
    }
}

/// An SPN2 `{"status": "error", "status_ext": …}`: a limit to wait out, or a failure.
fn spn_error(v: &serde_json::Value, service: &str) -> Option<SinkError> {
    if v.get("status").and_then(|s| s.as_str()) != Some("error") {
        return None;
    }
    let ext = v
        .get("status_ext")
        .and_then(|s| s.as_str())
        .unwrap_or("error");
    let message = v.get("message").and_then(|s| s.as_str()).unwrap_or("");
    if let Some((_, wait)) = LIMIT_ERRORS.iter().find(|(e, _)| *e == ext) {
        return Some(SinkError::RateLimited {
            service: format!("{service} ({ext})"),
            retry_after: *wait,
        });
    }
    Some(SinkError::Archive {
        service: service.to_string(),
        detail: crate::text_safety::strip_bidi(&format!("{ext}: {message}"))
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect(),
    })
}

async fn start(
    http: &GuardedClient,
    cfg: &ArchiveConfig,
    service: &str,
    page: &str,
    err: &impl Fn(String) -> SinkError,
) -> Result<String, SinkError> {
    let url = url::Url::parse(&format!("{service}/save")).map_err(|e| err(e.to_string()))?;
    let req = authorize(cfg, http.client.post(url.clone()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(api::form(&[("url", page)]));
    let answer = api::send(http, &url, req, service, err).await?;
    let v = answer.json().ok();
    if let Some(e) = v.as_ref().and_then(|v| spn_error(v, service)) {
        return Err(e);
    }
    if !answer.status.is_success() {
        return Err(err(format!(
            "capture request answered {}: {}",
            answer.status,
            answer.snippet()
        )));
    }
    v.as_ref()
        .and_then(|v| v.get("job_id"))
        .and_then(|j| j.as_str())
        .filter(|j| !j.is_empty() && j.len() <= 200)
        .map(str::to_string)
        .ok_or_else(|| {
            err(format!(
                "capture request answered without a job_id: {}",
                answer.snippet()
            ))
        })
}

enum JobStatus {
    Pending,
    Success { ts: String, original: String },
    Failed(String),
}

async fn status(
    http: &GuardedClient,
    cfg: &ArchiveConfig,
    service: &str,
    job: &str,
    err: &impl Fn(String) -> SinkError,
) -> Result<JobStatus, SinkError> {
    let mut url =
        url::Url::parse(&format!("{service}/save/status/")).map_err(|e| err(e.to_string()))?;
    url.path_segments_mut()
        .map_err(|()| err("service URL cannot take a path".into()))?
        .pop_if_empty()
        .push(job);
    let req = authorize(cfg, http.client.get(url.clone()));
    let answer = api::send(http, &url, req, service, err).await?;
    if answer.status.is_server_error() {
        return Err(err(format!("status request answered {}", answer.status)));
    }
    let v = answer.json().map_err(&err)?;
    match v.get("status").and_then(|s| s.as_str()) {
        Some("pending") => Ok(JobStatus::Pending),
        Some("success") => {
            let ts = v
                .get("timestamp")
                .and_then(|t| t.as_str())
                .filter(|t| t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    err(format!(
                        "success without a 14-digit timestamp: {}",
                        answer.snippet()
                    ))
                })?;
            let original = v
                .get("original_url")
                .and_then(|t| t.as_str())
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .ok_or_else(|| {
                    err(format!(
                        "success without an original_url: {}",
                        answer.snippet()
                    ))
                })?;
            Ok(JobStatus::Success {
                ts: ts.to_string(),
                original: original.to_string(),
            })
        }
        Some("error") => match spn_error(&v, service) {
            Some(e @ SinkError::RateLimited { .. }) => Err(e),
            Some(e) => Ok(JobStatus::Failed(match e {
                SinkError::Archive { detail, .. } => detail,
                other => other.to_string(),
            })),
            None => Ok(JobStatus::Failed("error".into())),
        },
        _ => Err(err(format!(
            "status request answered {}: {}",
            answer.status,
            answer.snippet()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_link_needs_both_captures_on_one_service() {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        conn.execute_batch(
            "CREATE TABLE versions (id INTEGER PRIMARY KEY, article_id INTEGER, seq INTEGER);
             CREATE TABLE version_archives (version_id INTEGER PRIMARY KEY, service TEXT,
               job_id TEXT, requested_at INTEGER, capture_url TEXT, capture_ts TEXT,
               captured_at INTEGER, last_error TEXT);
             INSERT INTO versions VALUES (1, 7, 1), (2, 7, 2);",
        )
        .expect("schema");
        let page = "https://news.example/budget";
        let svc = "https://web.archive.org";
        archives::set_captured(
            &conn,
            2,
            svc,
            &capture_url(svc, "20261202031500", page),
            "20261202031500",
            0,
        )
        .expect("captured");
        let l = links(&conn, 7, Some(1), Some(2)).expect("links");
        assert_eq!(
            l.after.as_deref(),
            Some("https://web.archive.org/web/20261202031500/https://news.example/budget")
        );
        assert_eq!(l.diff, None);
        archives::set_captured(
            &conn,
            1,
            svc,
            &capture_url(svc, "20261201090000", page),
            "20261201090000",
            0,
        )
        .expect("captured");
        let l = links(&conn, 7, Some(1), Some(2)).expect("links");
        assert_eq!(
            l.diff.as_deref(),
            Some(
                "https://web.archive.org/web/diff/20261201090000/20261202031500/https://news.example/budget"
            )
        );
    }

    #[test]
    fn spn_limits_wait_and_other_errors_fail() {
        let limit = serde_json::json!({"status": "error", "status_ext": "error:user-session-limit", "message": "busy"});
        assert!(
            matches!(spn_error(&limit, "x"), Some(SinkError::RateLimited { retry_after, .. }) if retry_after == Duration::from_secs(60))
        );
        let blocked = serde_json::json!({"status": "error", "status_ext": "error:blocked-url", "message": "\u{1b}[31mno"});
        let e = spn_error(&blocked, "x").expect("error").to_string();
        assert!(
            e.contains("error:blocked-url") && !e.contains('\u{1b}'),
            "{e}"
        );
    }
}
