//! A panic while one feed is polled stops only that poll (see: #9). The panics are injected
//! through the test-only `REDLINE_TEST_PANIC_ON_URL_CONTAINING` hook in separate `redline`
//! processes (an env var must not leak into the other tests), plus one real input that panics
//! inside feed-rs today.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{FeedServer, Route, TestEnv, count_in as count, rss, wait_for};

fn story_feed(topic: &str, link: &str) -> String {
    rss(&[(
        &format!("wire-{topic}"),
        link,
        &format!("Port strike enters third day as {topic} talks stall"),
        &format!(
            "Dock workers in the {topic} terminal kept picket lines up on Thursday, the union said."
        ),
    )])
}

fn redline(dir: &Path, panic_on: &str, stage: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redline"));
    cmd.args([
        "--config",
        dir.join("redline.toml").to_str().expect("path"),
        "--db",
        dir.join("redline.db").to_str().expect("path"),
    ])
    .env_remove("REDLINE_CONFIG")
    .env_remove("REDLINE_DB")
    .env("REDLINE_ALLOW_PRIVATE_NETWORKS", "1")
    .env("REDLINE_TEST_PANIC_ON_URL_CONTAINING", panic_on)
    .env("REDLINE_TEST_PANIC_STAGE", stage);
    cmd
}

fn write_config(dir: &Path, feeds: &[(&str, String, bool)]) {
    let mut cfg = String::from("[schedule]\njitter = \"0s\"\ninterval = \"10s\"\n");
    for (name, url, full_text) in feeds {
        cfg.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\nfull_text = {full_text}\n"
        ));
    }
    std::fs::write(dir.join("redline.toml"), cfg).expect("config");
    // `poll` polls what the database holds; only `feeds sync` (or `run`) applies the config.
    let synced = redline(dir, "", "").args(["feeds", "sync"]).output();
    assert!(synced.expect("feeds sync").status.success());
}

// Before the fix the panicking feed's task died with the feed still marked in flight: no error
// on its row, and never polled again until a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_records_a_panicking_feed_as_failing_and_keeps_polling_it() {
    let server = FeedServer::start().await;
    server.set(
        "/wire.xml",
        Route::xml(&story_feed("north", "https://wire.example/north")),
    );
    server.set(
        "/boom.xml",
        Route::xml(&story_feed("south", "https://wire.example/south")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &[
            ("wire", server.url("/wire.xml"), false),
            ("boom", server.url("/boom.xml"), false),
        ],
    );
    let db = dir.path().join("redline.db");
    let mut daemon = redline(dir.path(), "/boom.xml", "parse")
        .arg("run")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("log"))
        .spawn()
        .expect("spawn redline run");
    let boom_error = "SELECT COUNT(*) FROM feeds WHERE name = 'boom' AND error_streak > 0 \
                      AND last_error LIKE '%internal error (panic): injected test panic%'";
    tokio::task::block_in_place(|| {
        wait_for(
            "the healthy feed's version",
            Duration::from_secs(20),
            || count(&db, "SELECT COUNT(*) FROM versions") == 1,
        );
        wait_for(
            "the panic recorded on its feed",
            Duration::from_secs(20),
            || count(&db, boom_error) == 1,
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM feeds WHERE name = 'boom' AND next_poll_at > unixepoch()"
            ),
            1,
            "the panicking feed backs off into the future"
        );
        // Backoff from a 10 s interval: the next try comes 8-12 s later.
        wait_for(
            "the panicking feed polled again",
            Duration::from_secs(30),
            || server.seen("/boom.xml").len() >= 2,
        );
        wait_for(
            "the second failure counted",
            Duration::from_secs(10),
            || {
                count(
                    &db,
                    "SELECT COUNT(*) FROM feeds WHERE name = 'boom' AND error_streak >= 2",
                ) == 1
            },
        );
        assert!(
            daemon.try_wait().expect("try_wait").is_none(),
            "still running"
        );
        let _ = Command::new("kill")
            .args(["-TERM", &daemon.id().to_string()])
            .status();
        let _ = daemon.wait();
    });
    let out = redline(dir.path(), "", "parse")
        .args(["status", "--json"])
        .output()
        .expect("status");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    // Failing for less than --max-failing: erroring, not yet failing (unhealthy).
    assert_eq!(status["erroring_feeds"], 1, "{status}");
    assert_eq!(status["failing_feeds"], 0, "{status}");
    let boom = status["feed_status"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["name"] == "boom"))
        .expect("boom in status");
    assert!(
        boom["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("internal error (panic): ")),
        "{boom}"
    );
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).expect("log");
    assert!(log.contains("caught a panic"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_survives_a_panic_inside_the_transaction_and_rolls_it_back() {
    let server = FeedServer::start().await;
    server.set(
        "/wire.xml",
        Route::xml(&story_feed("east", "https://wire.example/east")),
    );
    server.set(
        "/boom.xml",
        Route::xml(&story_feed("west", "https://wire.example/west")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &[
            ("wire", server.url("/wire.xml"), false),
            ("boom", server.url("/boom.xml"), false),
        ],
    );
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        redline(&d, "/boom.xml", "commit")
            .args(["poll", "--json"])
            .output()
            .expect("poll")
    })
    .await
    .expect("join");
    // The panic is that feed's error: the poll finishes and its exit code says a feed failed.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("poll JSON");
    let by_name = |n: &str| {
        reports
            .as_array()
            .and_then(|a| a.iter().find(|r| r["feed"] == n))
            .cloned()
            .expect("report")
    };
    assert_eq!(by_name("wire")["new_versions"], 1);
    assert!(by_name("wire")["error"].is_null());
    let boom = by_name("boom");
    assert!(
        boom["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("internal error (panic): injected test panic")),
        "{boom}"
    );
    let db = dir.path().join("redline.db");
    // The articles written before the panic were rolled back with the rest of the poll.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.name = 'boom'"
        ),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM feeds WHERE name = 'boom' AND next_poll_at > unixepoch() AND error_streak = 1"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_page_extraction_is_that_pages_error() {
    let server = FeedServer::start().await;
    server.set(
        "/full.xml",
        Route::xml(&story_feed("harbour", &server.url("/story/harbour"))),
    );
    server.set(
        "/story/harbour",
        Route::html(
            "<html><head><title>Port strike</title></head><body><article><h1>Port strike</h1>\
             <p>Dock workers kept picket lines up on Thursday as talks with the terminal operator stalled for a third day.</p></article></body></html>",
        ),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &[("full", server.url("/full.xml"), true)]);
    let d = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        redline(&d, "/story/", "extract")
            .args(["poll", "--json"])
            .output()
            .expect("poll")
    })
    .await
    .expect("join");
    assert!(out.status.success());
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("poll JSON");
    let r = &reports[0];
    assert!(r["error"].is_null(), "{r}");
    assert_eq!(r["new_articles"], 1, "{r}");
    assert!(
        r["page_errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("extraction failed: internal error (panic)")),
        "{r}"
    );
}

/// A real input: feed-rs (through quick-xml) panics on a UTF-16BE feed with a BOM. Whichever
/// parser reads it, the poll must end with the feed parsed or failing, and its neighbour polled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_utf16be_feed_never_stops_its_neighbours() {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    let text = story_feed("delta", "https://wire.example/delta")
        .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    let mut utf16 = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_be_bytes());
    }
    server.set(
        "/utf16.xml",
        Route::Ok {
            body: utf16,
            content_type: "application/rss+xml",
            etag: None,
            extra: Vec::new(),
        },
    );
    server.set(
        "/wire.xml",
        Route::xml(&story_feed("north", "https://wire.example/north")),
    );
    env.add_feed("utf16", &server.url("/utf16.xml"), false);
    env.add_feed("wire", &server.url("/wire.xml"), false);
    let reports = env.poll_all().await;
    assert_eq!(reports.len(), 2);
    let wire = reports.iter().find(|r| r.feed == "wire").expect("wire");
    assert_eq!(wire.new_versions, 1);
    let utf16 = reports.iter().find(|r| r.feed == "utf16").expect("utf16");
    let row = env.feed_row("utf16");
    match &utf16.error {
        None => assert_eq!(utf16.new_versions, 1, "{utf16:?}"),
        Some(e) => {
            assert_eq!(row.error_streak, 1, "{e}");
            assert!(
                row.next_poll_at
                    .is_some_and(|t| t > redline::store::unix_now()),
                "{row:?}"
            );
        }
    }
}
