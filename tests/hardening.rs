//! Issue #10: hostile or broken surroundings stay harmless. One test per demonstrated case.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use redline::alert::dispatch::Dispatcher;
use redline::config::{AlertConfig, Trigger};

use crate::util::{FeedServer, Route, TestEnv, rss};

/// A webhook receiver on loopback that counts what it gets.
#[derive(Clone, Default)]
struct Counter {
    hits: Arc<AtomicUsize>,
    bodies: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn count_hit(State(c): State<Counter>, body: Bytes) -> StatusCode {
    c.hits.fetch_add(1, Ordering::SeqCst);
    c.bodies
        .lock()
        .expect("lock")
        .push(String::from_utf8_lossy(&body).into_owned());
    StatusCode::OK
}

async fn start_counter() -> (String, Counter) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let c = Counter::default();
    let app = axum::Router::new()
        .route("/hooks/desk", axum::routing::post(count_hit))
        .with_state(c.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hooks/desk"), c)
}

fn webhook_alert(url: &str) -> AlertConfig {
    crate::util::alert_config("desk", crate::util::json_webhook(url), Trigger::Claims)
}

/// Twenty council stories, each with a figure that `round` moves.
fn council_feed(round: u32) -> String {
    let items: Vec<(String, String, String, String)> = (0..20)
        .map(|i| {
            (
                format!("ward-{i}"),
                format!("https://chronicle.example/wards/{i}"),
                format!("Ward {i} gets a new library"),
                format!(
                    "The council will spend ${} million on a library in ward {i}, the mayor said.",
                    100 + i + round * 50
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    rss(&refs)
}

/// Makes every outbox update fail, as a full disk or a read-only file would.
const DISK_FULL: &str =
    "CREATE TRIGGER disk_full BEFORE UPDATE ON outbox BEGIN SELECT RAISE(FAIL, 'disk full'); END";

fn sql(db: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy");
    conn.execute_batch(sql).expect("sql");
}

// See: #10 item 3. 20 alerts were re-sent 42,949 times in 10 minutes.
#[tokio::test]
async fn outcomes_that_cannot_be_recorded_are_not_sent_again() {
    let server = FeedServer::start().await;
    let (url, counter) = start_counter().await;
    let mut env = TestEnv::new();
    env.config.alerts.push(webhook_alert(&url));
    server.set("/feed.xml", Route::xml(&council_feed(0)));
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&council_feed(1)));
    env.poll("chronicle").await;
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox"), 20);
    sql(&env.db_path(), DISK_FULL);

    let dispatcher = Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        env.config.delivery.clone(),
        &env.config.http,
    )
    .expect("dispatcher");
    let started = Instant::now();
    let r = dispatcher.drain_until(Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "bounded by the timeout"
    );
    assert_eq!(r.delivered, 0, "nothing was recorded as delivered");
    let sent = counter.hits.load(Ordering::SeqCst);
    assert!(
        (1..=20).contains(&sent),
        "at most one send per row while the store refuses: {sent}"
    );
    // The daemon's loop: it must pause, not spin, while the store refuses.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = {
        let d = dispatcher.clone();
        let s = shutdown.clone();
        tokio::spawn(async move { d.run(s).await })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(counter.hits.load(Ordering::SeqCst), sent, "no resend");
    // The disk has room again: the held outcome is written, the rest go out once each.
    sql(&env.db_path(), "DROP TRIGGER disk_full");
    crate::util::wait_for_async("every row delivered", Duration::from_secs(30), || {
        env.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL") == 20
    })
    .await;
    shutdown.cancel();
    let _ = running.await;
    assert_eq!(
        counter.hits.load(Ordering::SeqCst),
        20,
        "exactly once per row"
    );
}

// See: #10 item 3. `redline poll` ignored delivery.poll_timeout when outcomes could not be
// recorded, and kept sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_stops_delivering_at_its_timeout_when_the_disk_is_full() {
    let server = FeedServer::start().await;
    let (url, counter) = start_counter().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("redline.db");
    let config = dir.path().join("redline.toml");
    std::fs::write(
        &config,
        format!(
            "[schedule]\njitter = \"0s\"\n[delivery]\npoll_timeout = \"3s\"\n\
             [[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n\
             [[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"{url}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    let poll = || {
        Command::new(env!("CARGO_BIN_EXE_redline"))
            .args(["--config", config.to_str().expect("path")])
            .args(["--db", db.to_str().expect("path"), "poll"])
            .env("REDLINE_ALLOW_PRIVATE_NETWORKS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn redline poll")
    };
    let synced = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["--config", config.to_str().expect("path")])
        .args(["--db", db.to_str().expect("path"), "feeds", "sync"])
        .output()
        .expect("feeds sync");
    assert!(synced.status.success());
    server.set("/feed.xml", Route::xml(&council_feed(0)));
    let first = tokio::task::block_in_place(|| poll().wait_with_output()).expect("poll");
    assert!(first.status.success());
    sql(&db, DISK_FULL);
    server.set("/feed.xml", Route::xml(&council_feed(1)));
    let started = Instant::now();
    let mut child = poll();
    let status = tokio::task::block_in_place(|| {
        loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                break Some(s);
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let took = started.elapsed();
    let sent = counter.hits.load(Ordering::SeqCst);
    assert!(status.is_some(), "poll did not exit in 20 s; {sent} sends");
    assert!(took < Duration::from_secs(10), "poll took {took:?}");
    assert!((1..=20).contains(&sent), "{sent} sends for 20 rows");
}

// See: #10 item 5. Webhook URLs (tokens in the path, `user:pass@`) were stored in full in the
// outbox error and logged at WARN.
#[tokio::test]
async fn webhook_errors_do_not_keep_tokens_or_passwords() {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    // Port 9 (discard) on loopback: nothing listens, so the delivery fails fast.
    env.config.alerts.push(webhook_alert(
        "http://desk:hunter2pass@127.0.0.1:9/services/T0ABCDEF1/Xk9sQz8mPq2LrT5vWn4YbC3d?token=abc123",
    ));
    server.set("/feed.xml", Route::xml(&council_feed(0)));
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&council_feed(1)));
    env.poll("chronicle").await;
    let d = Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        env.config.delivery.clone(),
        &env.config.http,
    )
    .expect("dispatcher");
    let r = d.drain().await.expect("drain");
    assert_eq!(r.failed, 20);
    let errors: Vec<String> = env
        .store
        .read(|c| {
            let mut st = c.prepare("SELECT last_error FROM outbox")?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .expect("errors");
    for e in &errors {
        assert!(e.contains("webhook http://desk:***@127.0.0.1:9/"), "{e}");
        for secret in ["hunter2pass", "Xk9sQz8mPq2LrT5vWn4YbC3d", "abc123"] {
            assert!(!e.contains(secret), "{secret} in {e}");
        }
    }
}

// See: #10 item 6. A 5 MB title became an email subject, and bidi overrides reached every sink.
#[tokio::test]
async fn alert_titles_are_capped_and_free_of_bidi_controls() {
    let server = FeedServer::start().await;
    let (url, counter) = start_counter().await;
    let mut env = TestEnv::new();
    env.config.alerts.push(webhook_alert(&url));
    let title = format!(
        "Mayor \u{202E}seined\u{202C} cuts {}",
        "and more ".repeat(50_000)
    );
    let doc = |n: u32| {
        rss(&[(
            "mayor-1",
            "https://chronicle.example/news/mayor",
            &title,
            &format!("The mayor said the plan costs ${n} million, aides said."),
        )])
    };
    server.set("/feed.xml", Route::xml(&doc(3)));
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&doc(4)));
    env.poll("chronicle").await;
    let d = Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        env.config.delivery.clone(),
        &env.config.http,
    )
    .expect("dispatcher");
    assert_eq!(d.drain().await.expect("drain").delivered, 1);
    let body = counter.bodies.lock().expect("lock")[0].clone();
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let sent = v["data"]["article"]["title"].as_str().expect("title");
    assert!(
        sent.chars().count() <= 320,
        "{} chars",
        sent.chars().count()
    );
    assert!(sent.ends_with("(truncated)"), "{sent}");
    assert!(sent.starts_with("Mayor seined cuts"), "{sent}");
    assert!(
        !body.contains('\u{202E}') && !body.contains("\\u202e"),
        "bidi in payload"
    );
}
