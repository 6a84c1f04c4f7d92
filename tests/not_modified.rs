//! A server that answers 304 for ever (#10 item 6): the feed is fetched without validators
//! once it has sent no body for a day, and one that never sent any content is flagged.

use std::process::Output;

use crate::util::{FeedServer, Route, rss};

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    crate::util::redline_in(dir, args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_only_answers_304_is_flagged_then_fetched_without_validators() {
    let server = FeedServer::start().await;
    // A broken cache in front of the feed: 304 to everything, even an unconditional request.
    server.set(
        "/feed.xml",
        Route::Status(304, vec![("ETag", "\"stuck\"".to_string())]),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"gazette\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    let path = dir.path().to_path_buf();
    let feed = rss(&[(
        "gazette-bridge-1",
        "https://gazette.example/news/bridge-closure",
        "Old bridge closes for six months of repairs",
        "The old river bridge will close to traffic from Monday while engineers replace its deck.",
    )]);
    let p = path.clone();
    let first = tokio::task::spawn_blocking(move || {
        run(&p, &["feeds", "sync"]);
        run(&p, &["poll"])
    })
    .await
    .expect("join");
    // From now on the server is honest about its validator, but the feed never changes.
    server.set("/feed.xml", Route::xml_etag(&feed, "\"stuck\""));
    let p = path.clone();
    let (second, flagged_status, listed) = tokio::task::spawn_blocking(move || {
        (
            run(&p, &["poll"]),
            run(&p, &["status"]),
            run(&p, &["feeds", "list"]),
        )
    })
    .await
    .expect("join");
    // Two days later, still nothing but 304s.
    let store = redline::store::Store::open(&path.join("redline.db")).expect("open");
    store
        .write(|tx| {
            tx.execute("UPDATE feeds SET created_at = created_at - 2 * 86400", [])?;
            Ok(())
        })
        .expect("age the feed");
    drop(store);
    let p = path.clone();
    let (old_status, third, after) = tokio::task::spawn_blocking(move || {
        (
            run(&p, &["status"]),
            run(&p, &["poll"]),
            run(&p, &["status"]),
        )
    })
    .await
    .expect("join");
    for o in [&first, &second, &third] {
        assert!(
            o.status.success(),
            "poll: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let seen = server.seen("/feed.xml");
    assert_eq!(
        seen.len(),
        3,
        "{:?}",
        seen.iter().map(|s| s.status).collect::<Vec<_>>()
    );
    assert!(seen[0].headers.get("if-none-match").is_none());
    assert_eq!(
        seen[1]
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok()),
        Some("\"stuck\""),
        "the stored validator is used while it is fresh"
    );
    assert_eq!(seen[1].status, 304);
    assert!(
        seen[2].headers.get("if-none-match").is_none(),
        "a day without a body: the validators are dropped"
    );
    assert_eq!(seen[2].status, 200);

    let text = stdout(&flagged_status);
    assert!(text.contains("no content yet"), "{text}");
    assert_eq!(
        flagged_status.status.code(),
        Some(0),
        "young: not yet unhealthy"
    );
    assert!(
        stdout(&listed).contains("no content yet"),
        "{}",
        stdout(&listed)
    );
    assert_eq!(
        old_status.status.code(),
        Some(3),
        "no content for longer than --max-failing is unhealthy: {}",
        stdout(&old_status)
    );
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert!(
        !stdout(&after).contains("no content yet"),
        "{}",
        stdout(&after)
    );
    assert_eq!(
        crate::util::count_in(&path.join("redline.db"), "SELECT COUNT(*) FROM versions"),
        1,
        "the body was read and stored"
    );
}
