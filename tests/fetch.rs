//! Hostile and flaky servers: each failure is recorded on its own feed row, and a healthy feed
//! polled in the same cycle still gets its versions.

use std::io::Write;
use std::time::Duration;

use crate::util::{FeedServer, Route, TestEnv, rss};

fn healthy_feed() -> String {
    rss(&[(
        "wire-7781",
        "https://wire.example/world/ceasefire-talks",
        "Ceasefire talks resume in Geneva",
        "Negotiators from both sides returned to Geneva on Wednesday, the United Nations said.",
    )])
}

fn gzip_bomb(uncompressed: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    let mut left = uncompressed;
    while left > 0 {
        let n = left.min(chunk.len());
        enc.write_all(&chunk[..n]).expect("compress");
        left -= n;
    }
    enc.finish().expect("finish gzip")
}

#[tokio::test]
async fn every_hostile_feed_fails_alone_and_the_healthy_one_is_stored() {
    let server = FeedServer::start().await;
    server.set("/healthy.xml", Route::xml(&healthy_feed()));
    server.set(
        "/malformed.xml",
        Route::xml("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Broken</title><item><title>Unclosed"),
    );
    server.set("/error.xml", Route::Status(500, Vec::new()));
    server.set("/hang.xml", Route::Hang(Duration::from_secs(30)));
    server.set(
        "/huge.xml",
        Route::Ok {
            body: vec![b'a'; 50 * 1024 * 1024],
            content_type: "application/rss+xml",
            etag: None,
            extra: Vec::new(),
        },
    );
    server.set("/bomb.xml", Route::Gzip(gzip_bomb(64 * 1024 * 1024)));
    server.set("/loop-a.xml", Route::Redirect(302, "/loop-b.xml".into()));
    server.set("/loop-b.xml", Route::Redirect(302, "/loop-a.xml".into()));
    server.set(
        "/latin1.xml",
        Route::xml("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Caf\u{e9}</title></channel></rss>"),
    );
    // Invalid UTF-8 in a document that claims to be UTF-8.
    server.set(
        "/badutf8.xml",
        Route::Ok {
            body: b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bad \xff\xfe bytes</title><item><title>T\xc3</title></item></channel></rss>".to_vec(),
            content_type: "application/rss+xml",
            etag: None,
            extra: Vec::new(),
        },
    );

    let mut env = TestEnv::new();
    env.add_feed("healthy", &server.url("/healthy.xml"), false);
    env.add_feed("malformed", &server.url("/malformed.xml"), false);
    env.add_feed("error500", &server.url("/error.xml"), false);
    env.add_feed("hang", &server.url("/hang.xml"), false);
    env.add_feed("huge", &server.url("/huge.xml"), false);
    env.add_feed("bomb", &server.url("/bomb.xml"), false);
    env.add_feed("loop", &server.url("/loop-a.xml"), false);
    env.add_feed("badutf8", &server.url("/badutf8.xml"), false);

    let started = std::time::Instant::now();
    let reports = env.poll_all().await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hang was cut off by the timeout"
    );

    let healthy = reports
        .iter()
        .find(|r| r.feed == "healthy")
        .expect("healthy report");
    assert_eq!(healthy.error, None);
    assert_eq!(healthy.new_versions, 1);

    let expect = [
        ("malformed", "not a feed"),
        ("error500", "500"),
        ("hang", "timed out"),
        ("huge", "larger than"),
        ("bomb", "larger than"),
        ("loop", "redirect loop"),
    ];
    for (name, needle) in expect {
        let row = env.feed_row(name);
        let err = row.last_error.unwrap_or_default();
        assert!(
            err.contains(needle),
            "{name}: expected `{needle}` in `{err}`"
        );
        assert_eq!(row.error_streak, 1, "{name}");
        assert!(
            row.next_poll_at.is_some(),
            "{name} is backed off, not dropped"
        );
    }
    // Invalid UTF-8 either parses leniently or is a clear error on that feed alone; it never
    // takes the cycle down and never stores garbage elsewhere.
    let bad = env.feed_row("badutf8");
    assert!(bad.last_error.is_some() || bad.last_ok_at.is_some());
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 1 + env.count(
        "SELECT COUNT(*) FROM versions v JOIN articles a ON a.id = v.article_id JOIN feeds f ON f.id = a.feed_id WHERE f.name = 'badutf8'"
    ));
}

#[tokio::test]
async fn too_many_requests_honours_retry_after_and_errors_back_off() {
    let server = FeedServer::start().await;
    server.set(
        "/busy.xml",
        Route::Status(429, vec![("retry-after", "7200".to_string())]),
    );
    let mut env = TestEnv::new();
    env.add_feed("busy", &server.url("/busy.xml"), false);
    let before = redline::store::unix_now();
    let r = env.poll("busy").await;
    assert!(r.error.as_deref().unwrap_or("").contains("429"), "{r:?}");
    let row = env.feed_row("busy");
    assert!(row.next_poll_at.unwrap_or(0) >= before + 7200, "{row:?}");
}

#[tokio::test]
async fn permanent_redirect_updates_the_feed_url() {
    let server = FeedServer::start().await;
    server.set("/old.xml", Route::Redirect(301, "/new.xml".into()));
    server.set("/new.xml", Route::xml(&healthy_feed()));
    let mut env = TestEnv::new();
    env.add_feed("moved", &server.url("/old.xml"), false);
    let r = env.poll("moved").await;
    assert_eq!(r.error, None);
    assert_eq!(env.feed_row("moved").url, server.url("/new.xml"));
    // The config still lists the old URL: the next sync (start, reload, `poll`) must find the
    // moved feed, not add a second one and orphan the history. Found in review.
    let feeds = env.config.feeds.clone();
    env.store
        .write(|tx| redline::store::feeds::sync_config(tx, &feeds, redline::store::unix_now()))
        .expect("sync");
    assert_eq!(env.count("SELECT COUNT(*) FROM feeds"), 1);
    let row = env.feed_row("moved");
    assert!(row.active);
    assert_eq!(row.url, server.url("/new.xml"));
    let r = env.poll("moved").await;
    assert_eq!((r.error, r.new_articles), (None, 0));
}

#[tokio::test]
async fn temporary_redirect_keeps_the_feed_url() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", Route::Redirect(302, "/today.xml".into()));
    server.set("/today.xml", Route::xml(&healthy_feed()));
    let mut env = TestEnv::new();
    env.add_feed("temp", &server.url("/feed.xml"), false);
    env.poll("temp").await;
    assert_eq!(env.feed_row("temp").url, server.url("/feed.xml"));
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 1);
}

#[tokio::test]
async fn identical_bytes_without_validators_skip_parsing() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", Route::xml(&healthy_feed()));
    let mut env = TestEnv::new();
    env.add_feed("plain", &server.url("/feed.xml"), false);
    env.poll("plain").await;
    let r = env.poll("plain").await;
    assert!(r.not_modified, "same bytes count as not modified: {r:?}");
    assert_eq!(r.entries, 0);
}
