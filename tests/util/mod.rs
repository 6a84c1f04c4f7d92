//! Test harness: a programmable HTTP server on 127.0.0.1 (axum), a real SQLite file in a temp
//! dir, and helpers to build configs and run polls through the real pipeline.

#![allow(dead_code)]

pub mod webdriver;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use redline::config::{Config, FeedConfig};
use redline::fetch::HttpClient;
use redline::poll::{PollContext, PollReport, poll_feed};
use redline::store::{Store, feeds, unix_now};
use tokio_util::sync::CancellationToken;

/// What the server answers on one path.
#[derive(Clone)]
pub enum Route {
    /// A body with an optional ETag; a matching If-None-Match gets a 304.
    Ok {
        body: Vec<u8>,
        content_type: &'static str,
        etag: Option<String>,
        extra: Vec<(&'static str, String)>,
    },
    Status(u16, Vec<(&'static str, String)>),
    /// Sleeps before answering.
    Hang(Duration),
    Redirect(u16, String),
    /// Pre-compressed body sent with Content-Encoding: gzip.
    Gzip(Vec<u8>),
}

impl Route {
    pub fn xml(body: &str) -> Self {
        Self::Ok {
            body: body.as_bytes().to_vec(),
            content_type: "application/rss+xml",
            etag: None,
            extra: Vec::new(),
        }
    }
    pub fn xml_etag(body: &str, etag: &str) -> Self {
        Self::Ok {
            body: body.as_bytes().to_vec(),
            content_type: "application/xml",
            etag: Some(etag.to_string()),
            extra: Vec::new(),
        }
    }
    pub fn json(body: &str) -> Self {
        Self::Ok {
            body: body.as_bytes().to_vec(),
            content_type: "application/feed+json",
            etag: None,
            extra: Vec::new(),
        }
    }
    pub fn html(body: &str) -> Self {
        Self::Ok {
            body: body.as_bytes().to_vec(),
            content_type: "text/html; charset=utf-8",
            etag: None,
            extra: Vec::new(),
        }
    }
}

/// One request the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub status: u16,
}

#[derive(Clone, Default)]
struct ServerState {
    routes: Arc<Mutex<HashMap<String, Route>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A loopback HTTP server whose routes tests change between polls.
pub struct FeedServer {
    pub addr: SocketAddr,
    state: ServerState,
    shutdown: CancellationToken,
}

impl FeedServer {
    pub async fn start() -> Self {
        // Bind before spawning, so the port is ready when `start` returns.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = ServerState::default();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
        });
        Self {
            addr,
            state,
            shutdown,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, route: Route) {
        self.state
            .routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), route);
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .expect("seen")
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

impl FeedServer {
    /// Every request so far, in the order the server answered them.
    pub fn seen_all(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen").clone()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn handle(State(state): State<ServerState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let route = state.routes.lock().expect("routes").get(&path).cloned();
    let response = match route {
        None => status(404, &[]),
        Some(Route::Ok {
            body,
            content_type,
            etag,
            extra,
        }) => {
            let matches = etag.as_ref().is_some_and(|e| {
                headers
                    .get(header::IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok())
                    == Some(e.as_str())
            });
            let mut b = Response::builder();
            if let Some(e) = &etag {
                b = b.header(header::ETAG, e);
            }
            for (k, v) in &extra {
                b = b.header(*k, v);
            }
            if matches {
                b.status(304).body(Body::empty())
            } else {
                b.status(200)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
            }
            .expect("response")
        }
        Some(Route::Status(code, extra)) => status(code, &extra),
        Some(Route::Hang(d)) => {
            tokio::time::sleep(d).await;
            status(200, &[])
        }
        Some(Route::Redirect(code, to)) => Response::builder()
            .status(code)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .expect("response"),
        Some(Route::Gzip(body)) => Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "application/rss+xml")
            .header(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))
            .body(Body::from(body))
            .expect("response"),
    };
    state.seen.lock().expect("seen").push(Seen {
        path,
        headers,
        status: response.status().as_u16(),
    });
    response
}

fn status(code: u16, extra: &[(&'static str, String)]) -> Response {
    let mut b = Response::builder().status(StatusCode::from_u16(code).expect("status"));
    for (k, v) in extra {
        b = b.header(*k, v);
    }
    b.body(Body::from(format!("status {code}")))
        .expect("response")
}

/// A temp dir with a real database file and a config to poll with.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub config: Config,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("redline.db")).expect("open store");
        let mut config = Config::default();
        // Short limits so hostile servers fail fast.
        config.http.timeout = Duration::from_secs(3);
        config.http.connect_timeout = Duration::from_secs(2);
        config.http.max_body = 2 * 1024 * 1024;
        config.schedule.jitter = Duration::ZERO;
        // Every test server is on 127.0.0.1, which the guard refuses by default (see tests/ssrf.rs).
        config.http.allow_private_networks = true;
        Self { dir, store, config }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("redline.db")
    }

    pub fn add_feed(&mut self, name: &str, url: &str, full_text: bool) {
        self.config.feeds.push(FeedConfig {
            url: url.parse().expect("feed url"),
            name: Some(name.to_string()),
            interval: None,
            full_text,
        });
        let feeds = self.config.feeds.clone();
        self.store
            .write(|tx| feeds::sync_config(tx, &feeds, unix_now()))
            .expect("sync feeds");
    }

    pub fn context(&self) -> PollContext {
        PollContext::new(
            self.store.clone(),
            Arc::new(HttpClient::new(&self.config.http).expect("client")),
            Arc::new(self.config.clone()),
            CancellationToken::new(),
        )
    }

    /// Polls one feed by name through the real pipeline.
    pub async fn poll(&self, name: &str) -> PollReport {
        let feed = self
            .store
            .read(|c| feeds::find(c, name))
            .expect("query")
            .expect("feed exists");
        poll_feed(&self.context(), &feed).await
    }

    /// Polls every active feed concurrently, as `redline poll` does.
    pub async fn poll_all(&self) -> Vec<PollReport> {
        let ctx = self.context();
        let all = self.store.read(feeds::active).expect("feeds");
        let mut set = tokio::task::JoinSet::new();
        for f in all {
            let ctx = ctx.clone();
            set.spawn(async move { poll_feed(&ctx, &f).await });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            out.push(r.expect("poll task"));
        }
        out.sort_by_key(|r| r.feed_id);
        out
    }

    /// Makes every page re-check due now (as if time had passed on the ladder).
    pub fn make_pages_due(&self) {
        self.store
            .write(|tx| {
                tx.execute(
                    "UPDATE articles SET next_check_at = 0 WHERE next_check_at IS NOT NULL",
                    [],
                )?;
                Ok(())
            })
            .expect("update");
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.store
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .expect("count")
    }

    pub fn feed_row(&self, name: &str) -> redline::store::feeds::FeedRow {
        self.store
            .read(|c| feeds::find(c, name))
            .expect("query")
            .expect("feed")
    }
}

/// The `redline` binary, allowed to reach the loopback servers tests start (private
/// addresses are refused by default).
pub fn redline_command() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_redline"));
    cmd.env(redline::config::ALLOW_PRIVATE_NETWORKS_ENV, "1");
    cmd
}

/// Runs the binary as a user would, on `dir/redline.toml` and `dir/redline.db`, with nothing
/// from the caller's environment choosing another config or database.
pub fn redline_in(dir: &Path, args: &[&str]) -> std::process::Output {
    redline_command()
        .args(["--config", dir.join("redline.toml").to_str().expect("path")])
        .args(["--db", dir.join("redline.db").to_str().expect("path")])
        .args(args)
        .env_remove("REDLINE_CONFIG")
        .env_remove("REDLINE_DB")
        // A developer's own log level must not change what a test sees on stderr.
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run redline")
}

/// The stdout of a run that must have succeeded.
#[track_caller]
pub fn success_stdout(out: &std::process::Output, args: &[&str]) -> String {
    assert!(
        out.status.success(),
        "redline {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

/// Reads a fixture file from tests/fixtures.
pub fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// An RSS 2.0 document from (guid, link, title, description) items.
pub fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
         <title>Harbour City Chronicle</title><link>https://chronicle.example/</link>\
         <description>Local and world news</description>\n",
    );
    for (guid, link, title, desc) in items {
        s.push_str("<item>");
        if !guid.is_empty() {
            s.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        s.push_str(&format!(
            "<link>{}</link><title>{}</title><dc:creator>Maria Okafor</dc:creator>\
             <pubDate>Tue, 03 Nov 2026 09:00:00 GMT</pubDate><description>{}</description></item>\n",
            xml_escape(link),
            xml_escape(title),
            xml_escape(desc)
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Polls `check` every 100 ms until it holds; fails the test after `timeout`. For waiting on a
/// separate `redline` process, whose progress only shows in its database.
pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A count from a database another process writes (0 while it does not exist yet).
/// Runs SQL straight on a test database (one statement or several), e.g. to age rows.
pub fn exec_sql(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn.execute_batch(sql).expect("sql");
}

/// Applies `dir/redline.toml`'s feeds to `dir/redline.db` through the library, as `feeds sync`
/// and `run` at start do (so a setup does not depend on the command under test).
pub fn sync_config_feeds(dir: &Path) {
    let config = Config::load(&dir.join("redline.toml")).expect("config loads");
    let store = Store::open(&dir.join("redline.db")).expect("open store");
    store
        .write(|tx| feeds::sync_config(tx, &config.feeds, unix_now()))
        .expect("sync feeds");
}

pub fn count_in(db: &Path, sql: &str) -> i64 {
    let Ok(conn) = rusqlite::Connection::open(db) else {
        return 0;
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

/// `wait_for` for a test on the tokio runtime: yields instead of blocking the thread.
pub async fn wait_for_async(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An alert with every filter off: `trigger` decides what it sends.
pub fn alert_config(
    name: &str,
    sink: redline::config::SinkConfig,
    trigger: redline::config::Trigger,
) -> redline::config::AlertConfig {
    redline::config::AlertConfig {
        name: name.into(),
        sink,
        trigger,
        feeds: vec![],
        stealth_only: false,
        silent_only: false,
        kinds: vec![],
        include: vec![],
        exclude: vec![],
        digest: None,
        max_per_hour: None,
    }
}

/// A plain JSON webhook sink to `url`, unsigned.
pub fn json_webhook(url: &str) -> redline::config::SinkConfig {
    redline::config::SinkConfig::Webhook {
        url: url.parse().expect("webhook url"),
        secret: None,
        format: redline::config::WebhookFormat::Json,
    }
}
