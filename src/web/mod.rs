//! The web UI and JSON API (`redline serve`, `[web] listen`): one axum router over a
//! read-only view of the database. Pages are server-rendered HTML (maud) that work without
//! JavaScript; `/assets/app.<hash>.js` adds keyboard navigation and copy/download helpers.
//! Reads only: every request runs on a read-only connection from a small pool, under a time
//! limit that interrupts its SQL, so a request can neither write nor hold up the daemon.
//! What a page shows is built once (`data`) and rendered as HTML (`pages`) or JSON (`api`).
//!
//! # Stable hooks for tests (browser tests and benches rely on these; keep them)
//! - every page: `body[data-page=changes|search|article|diff|feeds|error]`; the header search
//!   form `form#search-form` with `input#search-box[name=q]`; nav links `a#nav-changes`,
//!   `a#nav-feeds`; once `app.js` has run, `html[data-js=ready]`.
//! - changes `/`: list `ol#changes`, one `li.change[data-change-id][data-article][data-kinds]`
//!   per change (kinds space-separated), its link `a.change-link`, claim badges
//!   `span.badge[data-kind]`, flags `span.flag[data-flag=silent|stealth|cosmetic|revert|unpublished]`;
//!   facets `nav#facets` with `a.facet-kind[data-kind][aria-pressed]`, `a.facet-feed[data-feed]`,
//!   `a.facet-flag[data-flag]`, the date form `form#date-range`; `a#next-page[rel=next]`,
//!   `a#atom-link` (and `link[rel=alternate][type="application/atom+xml"]`); empty list:
//!   `p#no-changes`.
//! - search `/search`: `ol#search-results` of `li.hit[data-article]` with `a.hit-link`;
//!   `p#no-hits` when nothing matched.
//! - article `/a/{id}`: `h1#article-title`, `ol#timeline` of
//!   `li.tl-version[data-seq][data-share][data-claims]` (class `size-0`..`size-10` by share
//!   changed, `has-claims`, `has-notice`, `title-changed`, `unpublished`), each with
//!   `a.tl-diff` (to the diff from the previous version, rewritten by JS to the version last
//!   viewed) and `details.provenance`; `ol#headlines li.headline[data-seq]`.
//! - diff `/a/{id}/v/{from}..{to}`: `main#diff[data-article][data-from][data-to][data-latest][data-mode]`;
//!   modes `nav#modes a.mode[data-mode]` (`aria-current=page` on the current one); step links
//!   `a[data-nav=prev]`, `a[data-nav=next]`; every sentence `.sent[id=sN][data-op]` (N = 1-based
//!   index in the newer version; removed sentences `id=rN`, N in the older one); every change
//!   `[data-change]` (what j/k step through); claim cards `article.claim-card[id=cN][data-kind]`
//!   with `a.claim-permalink` and `button.copy-quote`; `a#download-json`, `a#download-patch`;
//!   `#diff-title` with the headline change.
//! - feeds `/feeds`: `table#feeds` of `tr.feed[data-feed]`, `td.feed-status[data-status=ok|failing|paused|inactive|new]`.
//! - errors: `main#error[data-status]` with `p.error-message`.

pub mod api;
pub mod assets;
pub mod conn;
pub mod data;
pub mod pages;
pub mod proxy;
pub mod query;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::store::{Store, StoreError};

/// Where `redline serve` listens when neither `--listen` nor `[web] listen` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// How long one request may read the database before its query is interrupted.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// Requests reading the database at once (each holds one read-only connection).
pub const DEFAULT_MAX_CONCURRENT: usize = 4;

/// `Content-Security-Policy` of every response: our own script and style only, nothing inline.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

#[derive(Debug, Clone)]
pub struct WebOptions {
    pub query_timeout: Duration,
    pub max_concurrent: usize,
    /// `[web] base_path`: the path prefix every URL starts with behind a reverse proxy
    /// (checked by `proxy::normalize_base_path`; `""` for none).
    pub base_path: String,
    /// Where the server listens: on a loopback address, requests naming another host are
    /// refused (`proxy::HostCheck`). `None` skips the check (only for callers that bind
    /// elsewhere).
    pub listen: Option<SocketAddr>,
    /// `[web] allowed_hosts`: names served on loopback besides localhost/127.0.0.1/[::1].
    pub allowed_hosts: Vec<String>,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            base_path: String::new(),
            listen: None,
            allowed_hosts: Vec::new(),
        }
    }
}

/// A request's failure: the status and a reason a reader can act on. Bad input is a 4xx with
/// the reason; only a fault of ours (a corrupt body, a database error) is a 500.
#[derive(Debug, Clone)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
}

impl WebError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    fn unavailable(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for WebError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
            return Self::unavailable("the query took too long and was stopped; narrow the filter");
        }
        if matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        ) {
            return Self::unavailable("the database is busy; try again in a moment");
        }
        tracing::warn!(error = %e, "web request failed on the database");
        Self::internal(format!("database error: {e}"))
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Sqlite(e) => e.into(),
            StoreError::Invalid(m) => Self::bad_request(m),
            e @ (StoreError::Open { .. }
            | StoreError::TooOld { .. }
            | StoreError::TooNew { .. }) => Self::unavailable(e.to_string()),
            e => {
                tracing::warn!(error = %e, "web request failed on the store");
                Self::internal(e.to_string())
            }
        }
    }
}

/// Read-only connections, each a `Store::open_read_only`, reused across requests.
struct Db {
    path: PathBuf,
    /// Idle connections, each with whether it reads the file: a store opened before the file
    /// existed is an empty in-memory one, replaced once the daemon has created the file.
    idle: Arc<Mutex<Vec<(Store, bool)>>>,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl Db {
    /// Runs `f` on a read-only connection, off the async threads, interrupted after the
    /// timeout (the SQL stops at its next step; the request gets a 503 at once).
    async fn run<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, WebError> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| WebError::unavailable("the server is busy; try again in a moment"))?
            .map_err(|_| WebError::unavailable("the server is shutting down"))?;
        let idle = self.idle.clone();
        let path = self.path.clone();
        let (handle_tx, mut handle_rx) = tokio::sync::oneshot::channel();
        let task = tokio::task::spawn_blocking(move || {
            // The permit travels with the work: an interrupted request still counts until its
            // thread is free, so a slow query cannot pile up more threads behind it.
            let _permit = permit;
            let taken = idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let (store, on_file) = match taken {
                Some((s, on_file)) if on_file || !path.exists() => (s, on_file),
                _ => {
                    let on_file = path.exists();
                    (Store::open_read_only(&path)?, on_file)
                }
            };
            let out = store.read(|c| {
                let _ = handle_tx.send(c.get_interrupt_handle());
                Ok(f(c))
            });
            idle.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((store, on_file));
            out?
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(out)) => out,
            Ok(Err(join)) => {
                tracing::error!(error = %join, "web request panicked");
                Err(WebError::internal("the request failed inside redline"))
            }
            Err(_) => {
                if let Ok(h) = handle_rx.try_recv() {
                    h.interrupt();
                }
                Err(WebError::unavailable(format!(
                    "the request took longer than {} s and was stopped; narrow the filter",
                    self.timeout.as_secs_f64()
                )))
            }
        }
    }
}

#[derive(Clone)]
pub(crate) struct App {
    db: Arc<Db>,
    /// The path prefix (`""` for none), for the URLs the JSON API writes.
    base: Arc<str>,
}

/// The whole UI and API over the database at `db_path`, opened read-only (checked now, so a
/// wrong path or an old schema fails at start, not on the first request).
/// An invalid `base_path` is `StoreError::Invalid` with the reason.
pub fn router(db_path: &Path, opts: WebOptions) -> Result<Router, StoreError> {
    let base = proxy::normalize_base_path(&opts.base_path)
        .map_err(|e| StoreError::Invalid(format!("web base path: {e}")))?;
    let on_file = db_path.exists();
    let first = Store::open_read_only(db_path)?;
    let app = App {
        db: Arc::new(Db {
            path: db_path.to_path_buf(),
            idle: Arc::new(Mutex::new(vec![(first, on_file)])),
            permits: Arc::new(Semaphore::new(opts.max_concurrent.max(1))),
            timeout: opts.query_timeout,
        }),
        base: base.as_str().into(),
    };
    let mut router = pages::routes()
        .merge(api::routes())
        .merge(assets::routes())
        .fallback(not_found)
        .with_state(app);
    if !base.is_empty() {
        // Not `Router::nest`: it serves `/redline` but not `/redline/`, and a proxy that
        // forwards `location /redline/` redirects the former to the latter. The outer layer
        // sees every request (a fallback is routed to first) and strips the prefix itself.
        let base: Arc<str> = base.as_str().into();
        router = Router::new()
            .fallback_service(router)
            .layer(axum::middleware::from_fn_with_state(
                base.clone(),
                proxy::strip_prefix,
            ))
            .layer(axum::middleware::map_response_with_state(
                base,
                proxy::prefix_links,
            ));
    }
    if let Some(check) = proxy::HostCheck::for_listen(opts.listen, &opts.allowed_hosts) {
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::new(check),
            proxy::check_host,
        ));
    }
    Ok(router.layer(axum::middleware::map_response(security_headers)))
}

/// Serves `router` on `listener` until `shutdown` is cancelled, with the default connection
/// bounds (`conn::DEFAULT_MAX_CONNECTIONS`, `conn::DEFAULT_IDLE`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_bounded(
        listener,
        router,
        shutdown,
        conn::DEFAULT_MAX_CONNECTIONS,
        conn::DEFAULT_IDLE,
    )
    .await
}

/// `serve` with explicit bounds: at most `max_connections` open, each closed after `idle`
/// without a byte from the client.
pub async fn serve_bounded(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
    max_connections: usize,
    idle: Duration,
) -> std::io::Result<()> {
    let listener = conn::BoundedListener::new(listener, max_connections, idle);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let e = WebError::not_found(format!("there is no page at {}", uri.path()));
    if uri.path().starts_with("/api/") {
        api::error_response(&e)
    } else {
        pages::error_page(&e)
    }
}

/// Unix seconds as RFC 3339 UTC, the one time format of the pages and the API.
pub fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ts.to_string())
}

/// A response with a body and its content type.
pub(crate) fn typed(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Body>,
) -> Response {
    let mut res = (status, body.into()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(path: &Path, timeout: Duration) -> Db {
        Db {
            path: path.to_path_buf(),
            idle: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(Semaphore::new(1)),
            timeout,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_runaway_query_is_interrupted_and_frees_its_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("redline.db");
        drop(Store::open(&path).expect("create"));
        let db = db(&path, Duration::from_millis(200));
        let started = std::time::Instant::now();
        // Counts forever: only the interrupt ends it.
        let err = db
            .run(|c| {
                Ok(c.query_row(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                     SELECT COUNT(*) FROM n",
                    [],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .await
            .expect_err("interrupted");
        assert_eq!(err.status, StatusCode::SERVICE_UNAVAILABLE, "{err:?}");
        assert!(err.message.contains("took longer"), "{}", err.message);
        assert!(started.elapsed() < Duration::from_secs(2));
        // The one permit comes back once the interrupted statement stops, so the next
        // request is served (it would time out waiting if the query were still running).
        let n = db
            .run(|c| Ok(c.query_row("SELECT 41 + 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .expect("served after the interrupt");
        assert_eq!(n, 42);
    }
}
