//! Article re-checks on their own schedule (#10 item 4): a full-text feed that asks to be
//! polled once a day still has its article pages re-checked on the ladder.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::util::{FeedServer, Route, TestEnv, rss, wait_for_async};

const TRAM_PARAS: [&str; 3] = [
    "The city council approved the eastern tram extension on Wednesday after a four-hour debate, with 31 councillors in favour and 12 against.",
    "The 6.2-kilometre line will connect the harbour district with the university campus and is expected to open in 2029.",
    "Opponents argued that the money would be better spent on buses, which already serve most of the planned route.",
];

fn tram_page(paras: &[&str]) -> String {
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Council backs eastern tram line | Harbour City Chronicle</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<main><article><h1>Council backs eastern tram line</h1>
<p class="byline">By Tomas Lindqvist</p>
{body}</article></main>
<footer>© 2026 Harbour City Chronicle</footer></body></html>"#
    )
}

#[tokio::test]
async fn the_daemon_rechecks_pages_of_a_feed_that_is_not_due() {
    let server = FeedServer::start().await;
    let page_url = server.url("/news/tram-extension");
    // The feed asks to be left alone for a day.
    let feed = rss(&[(
        "chronicle-tram-1",
        &page_url,
        "Council backs eastern tram line",
        "The council approved the tram extension.",
    )])
    .replace(
        "<description>Local and world news</description>",
        "<description>Local and world news</description><ttl>1440</ttl>",
    );
    server.set("/feed.xml", Route::xml_etag(&feed, "\"tram-1\""));
    server.set("/news/tram-extension", Route::html(&tram_page(&TRAM_PARAS)));
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), true);
    let r1 = env.poll("chronicle").await;
    assert_eq!((r1.new_articles, r1.new_versions), (1, 1), "{r1:?}");
    let row = env.feed_row("chronicle");
    let now = redline::store::unix_now();
    assert!(
        row.next_poll_at.is_some_and(|t| t >= now + 86_000),
        "ttl keeps the feed away for a day: {row:?}"
    );

    // The page is edited. An hour later (the feed is still not due, the page is), the daemon
    // must look at the page without being asked.
    let mut edited = TRAM_PARAS;
    edited[1] = "The 6.2-kilometre line will connect the harbour district with the university campus and is expected to open in 2031.";
    server.set("/news/tram-extension", Route::html(&tram_page(&edited)));
    env.store
        .write(|tx| {
            tx.execute("UPDATE articles SET next_check_at = ?1", [now - 60])?;
            tx.execute("UPDATE feeds SET last_poll_at = ?1", [now - 3600])?;
            Ok(())
        })
        .expect("age the rows");
    let feed_fetches = server.seen("/feed.xml").len();

    let shutdown = CancellationToken::new();
    let (_reload_tx, reload_rx) = tokio::sync::mpsc::unbounded_channel();
    let daemon = tokio::spawn(redline::daemon::run(
        env.config.clone(),
        env.store.clone(),
        shutdown.clone(),
        reload_rx,
    ));
    wait_for_async(
        "the edit stored as version 2",
        Duration::from_secs(15),
        || env.count("SELECT COUNT(*) FROM versions") == 2,
    )
    .await;
    // Let the scheduler go round a few more times: the re-checked page must not come due
    // again at once (the every-poll rung is pushed one interval on).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    shutdown.cancel();
    daemon.await.expect("daemon task").expect("daemon ran");

    assert_eq!(
        server.seen("/feed.xml").len(),
        feed_fetches,
        "the feed was not fetched"
    );
    assert_eq!(
        server.seen("/news/tram-extension").len(),
        2,
        "one poll, one re-check"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE to_seq = 2"),
        1
    );
    let body: String = env
        .store
        .read(|c| {
            Ok(redline::store::articles::latest_version(c, 1)?
                .expect("v2")
                .body)
        })
        .expect("read");
    assert!(body.contains("open in 2031"), "{body}");
    let interval = env.config.schedule.interval.as_secs() as i64;
    assert!(
        env.count("SELECT MIN(next_check_at) FROM articles") >= now + interval - 5,
        "next check pushed at least one interval on"
    );
    let row = env.feed_row("chronicle");
    assert_eq!(
        row.last_poll_at,
        Some(now - 3600),
        "the feed's own row is untouched"
    );
}
