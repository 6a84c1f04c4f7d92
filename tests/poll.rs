//! One feed end to end through the real fetcher, parser, normaliser and store.

use crate::util::{FeedServer, Route, TestEnv, rss};

const FLOOD_V1: &str = "Floodwater reached the harbour district early on Tuesday, forcing the evacuation of about 1,200 residents, city officials said.\n\nThe council estimated the damage at less than $6 million.";
const FLOOD_V2: &str = "Floodwater reached the harbour district early on Tuesday, forcing the evacuation of about 1,400 residents, city officials said.\n\nThe council estimated the damage at about $5.6 million.";

fn flood_feed(body: &str) -> String {
    rss(&[(
        "chronicle-2026-1103-flood",
        "https://chronicle.example/news/harbour-flood?utm_source=rss",
        "Harbour district evacuated as river bursts its banks",
        body,
    )])
}

#[tokio::test]
async fn new_article_gives_one_version_and_unchanged_repoll_uses_304() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml_etag(&flood_feed(FLOOD_V1), "\"v1\""),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);

    let r1 = env.poll("chronicle").await;
    assert_eq!(r1.error, None);
    assert_eq!((r1.new_articles, r1.new_versions), (1, 1));
    assert_eq!(env.feed_row("chronicle").etag.as_deref(), Some("\"v1\""));

    let r2 = env.poll("chronicle").await;
    assert!(r2.not_modified, "{r2:?}");
    assert_eq!(r2.new_versions, 0);
    let seen = server.seen("/feed.xml");
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1]
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok()),
        Some("\"v1\""),
        "second request is conditional"
    );
    assert_eq!(seen[1].status, 304);
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 1);
    // The tracking parameter is not part of the article's identity or stored URL.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM articles WHERE url = 'https://chronicle.example/news/harbour-flood'"),
        1
    );
}

#[tokio::test]
async fn edited_body_gives_version_two_and_a_change_record() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml_etag(&flood_feed(FLOOD_V1), "\"v1\""),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;

    server.set(
        "/feed.xml",
        Route::xml_etag(&flood_feed(FLOOD_V2), "\"v2\""),
    );
    let r = env.poll("chronicle").await;
    assert_eq!(
        (r.new_articles, r.new_versions, r.cosmetic_versions),
        (0, 1, 0)
    );
    assert_eq!(env.count("SELECT MAX(seq) FROM versions"), 2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE from_seq = 1 AND to_seq = 2 AND cosmetic = 0 AND fields = 'body'"),
        1
    );
    // A new ETag on the fresh response is stored.
    assert_eq!(env.feed_row("chronicle").etag.as_deref(), Some("\"v2\""));
}

#[tokio::test]
async fn typography_only_edit_is_stored_flagged_cosmetic() {
    let server = FeedServer::start().await;
    let straight = "\"We will rebuild,\" the mayor said - and the crowd cheered.";
    let curly = "\u{201C}We will rebuild,\u{201D} the mayor said \u{2014} and the crowd cheered.";
    server.set("/feed.xml", Route::xml(&flood_feed(straight)));
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&flood_feed(curly)));
    let r = env.poll("chronicle").await;
    assert_eq!((r.new_versions, r.cosmetic_versions), (1, 1));
    assert_eq!(env.count("SELECT cosmetic FROM versions WHERE seq = 2"), 1);
    // Whitespace alone is no edit at all.
    server.set(
        "/feed.xml",
        Route::xml(&flood_feed(&format!("  {curly}   "))),
    );
    let r = env.poll("chronicle").await;
    assert_eq!(r.new_versions, 0);
}

#[tokio::test]
async fn a_flip_back_is_stored_as_a_revert() {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    for body in [FLOOD_V1, FLOOD_V2, FLOOD_V1] {
        server.set("/feed.xml", Route::xml(&flood_feed(body)));
        env.poll("chronicle").await;
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 3);
    assert_eq!(env.count("SELECT revert_of FROM versions WHERE seq = 3"), 1);
}

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Northern Ledger</title>
  <id>urn:uuid:5a1c0e2e-ledger</id>
  <updated>2026-11-03T10:00:00Z</updated>
  <entry>
    <title type="html">Rail strike called off after &lt;em&gt;late-night&lt;/em&gt; talks</title>
    <id>tag:ledger.example,2026:rail-strike</id>
    <link rel="alternate" href="https://ledger.example/business/rail-strike"/>
    <updated>2026-11-03T09:45:00Z</updated>
    <author><name>Priya Raman</name></author>
    <content type="html">&lt;p&gt;Union leaders called off Thursday's strike after talks that ran past midnight.&lt;/p&gt;&lt;p&gt;The deal includes a 4.5% pay rise over two years.&lt;/p&gt;</content>
  </entry>
</feed>"#;

const JSON_FEED: &str = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Valley Dispatch",
  "items": [
    {
      "id": "dispatch-4471",
      "url": "https://dispatch.example/health/clinic-hours",
      "title": "Clinic extends weekend hours",
      "content_text": "The county clinic will open on Saturdays from next month, the health board said.\n\nThe change costs an estimated $240,000 a year.",
      "date_published": "2026-11-03T08:00:00Z",
      "authors": [{"name": "Tom Becker"}]
    }
  ]
}"#;

#[tokio::test]
async fn rss_atom_and_json_feed_are_all_read() {
    let server = FeedServer::start().await;
    server.set("/rss.xml", Route::xml(&flood_feed(FLOOD_V1)));
    server.set("/atom.xml", Route::xml(ATOM));
    server.set("/feed.json", Route::json(JSON_FEED));
    let mut env = TestEnv::new();
    env.add_feed("rss", &server.url("/rss.xml"), false);
    env.add_feed("atom", &server.url("/atom.xml"), false);
    env.add_feed("json", &server.url("/feed.json"), false);
    let reports = env.poll_all().await;
    for r in &reports {
        assert_eq!(r.error, None, "{r:?}");
        assert_eq!(r.new_versions, 1, "{r:?}");
    }
    let (title, byline, body): (String, Option<String>, String) = env
        .store
        .read(|c| {
            let a =
                redline::store::articles::find(c, "https://ledger.example/business/rail-strike")?
                    .expect("atom article");
            let v = redline::store::articles::latest_version(c, a.id)?.expect("version");
            Ok((v.title, v.byline, v.body))
        })
        .expect("read");
    assert_eq!(title, "Rail strike called off after late-night talks");
    assert_eq!(byline.as_deref(), Some("Priya Raman"));
    assert_eq!(
        body,
        "Union leaders called off Thursday's strike after talks that ran past midnight.\n\nThe deal includes a 4.5% pay rise over two years."
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM articles WHERE guid = 'dispatch-4471'"),
        1
    );
}

#[tokio::test]
async fn entry_without_guid_and_guid_change_with_same_url_stay_one_article() {
    let server = FeedServer::start().await;
    let link = "https://chronicle.example/news/bridge-reopens";
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "",
            link,
            "Bridge reopens after repairs",
            "The Elm Street bridge reopened on Monday.",
        )])),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    assert_eq!(
        env.count("SELECT COUNT(*) FROM articles WHERE guid = 'url:https://chronicle.example/news/bridge-reopens'"),
        1
    );
    // A headline edit on a guid-less item is an edit, not a new article.
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "",
            link,
            "Elm Street bridge reopens after repairs",
            "The Elm Street bridge reopened on Monday.",
        )])),
    );
    env.poll("chronicle").await;
    // The publisher starts sending guids: still the same article.
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "cms-88213",
            link,
            "Elm Street bridge reopens after repairs",
            "The Elm Street bridge reopened on Monday morning.",
        )])),
    );
    let r = env.poll("chronicle").await;
    assert_eq!(r.new_articles, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 3);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE fields LIKE '%title%'"),
        1
    );
}

fn article_page(body_paragraphs: &[&str], modified: &str) -> String {
    let paras: String = body_paragraphs
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Port authority delays terminal expansion | Harbour City Chronicle</title>
<meta property="article:modified_time" content="{modified}">
<meta name="author" content="Maria Okafor">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
<main><article>
<h1>Port authority delays terminal expansion</h1>
<p class="byline">By Maria Okafor</p>
{paras}</article></main>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Ferry fares rise</a></li><li><a href="/b">Dock strike ends</a></li></ul></aside>
<footer>© 2026 Harbour City Chronicle. All rights reserved.</footer>
</body></html>"#
    )
}

const PORT_PARAS: [&str; 4] = [
    "The Harbour City port authority has postponed the expansion of its container terminal by at least a year, its chief executive told reporters on Monday.",
    "The project, first announced in 2023, was expected to cost $410 million and add capacity for 300,000 containers a year.",
    "Shipping companies have complained for months about delays at the existing terminal, where vessels wait an average of three days for a berth.",
    "The authority said it would publish a revised timetable before the end of the year after consulting residents and environmental groups.",
];

#[tokio::test]
async fn full_text_page_edited_while_feed_unchanged_gives_new_version_at_recheck() {
    let server = FeedServer::start().await;
    let page_url = server.url("/news/port-expansion");
    server.set(
        "/feed.xml",
        Route::xml_etag(
            &rss(&[(
                "chronicle-port-1",
                &page_url,
                "Port authority delays terminal expansion",
                "The port authority postponed the expansion.",
            )]),
            "\"feed-1\"",
        ),
    );
    server.set(
        "/news/port-expansion",
        Route::html(&article_page(&PORT_PARAS, "2026-11-03T09:00:00Z")),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), true);

    let r1 = env.poll("chronicle").await;
    assert_eq!(
        (r1.new_articles, r1.new_versions, r1.pages_fetched),
        (1, 1, 1),
        "{r1:?}"
    );
    let body: String = env
        .store
        .read(|c| {
            Ok(redline::store::articles::latest_version(c, 1)?
                .expect("v1")
                .body)
        })
        .expect("read");
    assert!(body.contains("$410 million"), "{body}");
    assert!(!body.contains("cookies"), "boilerplate leaked: {body}");
    assert!(!body.contains("Ferry fares"), "related box leaked: {body}");

    // The publisher edits the page, changes nothing in the feed and keeps the modified stamp.
    let mut edited = PORT_PARAS;
    edited[1] = "The project, first announced in 2023, was expected to cost $460 million and add capacity for 300,000 containers a year.";
    server.set(
        "/news/port-expansion",
        Route::html(&article_page(&edited, "2026-11-03T09:00:00Z")),
    );
    env.make_pages_due();
    let r2 = env.poll("chronicle").await;
    assert!(r2.not_modified, "feed answered 304: {r2:?}");
    assert_eq!((r2.new_versions, r2.pages_fetched), (1, 1), "{r2:?}");
    assert_eq!(env.count("SELECT stealth FROM changes WHERE to_seq = 2"), 1);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM versions WHERE modified = '2026-11-03T09:00:00+00:00'"),
        2,
        "the page's modified stamp is kept with each version"
    );

    // A page that suddenly yields a fragment (paywall, consent wall, broken template) is a
    // failed extraction, not a new version.
    server.set(
        "/news/port-expansion",
        Route::html(&article_page(&[PORT_PARAS[0]], "2026-11-03T09:00:00Z")),
    );
    env.make_pages_due();
    let r3 = env.poll("chronicle").await;
    assert_eq!(r3.new_versions, 0, "{r3:?}");
    assert_eq!(r3.page_errors.len(), 1, "{r3:?}");
    assert!(r3.page_errors[0].contains("failed extraction"), "{r3:?}");

    // The same cut text on the next two checks as well: the publisher really cut the article,
    // and that is recorded rather than refused for ever.
    env.make_pages_due();
    assert_eq!(
        env.poll("chronicle").await.new_versions,
        0,
        "second sighting"
    );
    env.make_pages_due();
    let r5 = env.poll("chronicle").await;
    assert_eq!(r5.new_versions, 1, "third sighting is a real cut: {r5:?}");
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 3);
}

#[tokio::test]
async fn page_that_keeps_answering_404_marks_the_article_unpublished() {
    let server = FeedServer::start().await;
    let page_url = server.url("/news/port-expansion");
    server.set(
        "/feed.xml",
        Route::xml_etag(
            &rss(&[(
                "chronicle-port-1",
                &page_url,
                "Port authority delays terminal expansion",
                "Summary.",
            )]),
            "\"f\"",
        ),
    );
    server.set(
        "/news/port-expansion",
        Route::html(&article_page(&PORT_PARAS, "2026-11-03T09:00:00Z")),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), true);
    env.poll("chronicle").await;
    server.set("/news/port-expansion", Route::Status(410, Vec::new()));
    for _ in 0..3 {
        env.make_pages_due();
        env.poll("chronicle").await;
    }
    assert_eq!(
        env.count("SELECT COUNT(*) FROM articles WHERE status = 'unpublished'"),
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE kind = 'unpublished'"),
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM versions"),
        1,
        "the last version is kept"
    );
}

/// A 304 poll waiting for its group commit has given its poll slot back: the slot bounds
/// parsed feeds and pages waiting for the database, and a 304 holds neither. Holding it
/// throttled a warm cycle at scale to the speed of the commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_304_poll_waiting_for_the_database_holds_no_poll_slot() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml_etag(&flood_feed(FLOOD_V1), "\"v1\""),
    );
    let mut env = TestEnv::new();
    env.config.http.concurrency = 1;
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    assert_eq!(env.poll("chronicle").await.new_versions, 1);

    let ctx = env.context();
    let slots = ctx.slots.available_permits();
    let feed = env.feed_row("chronicle");
    // Another writer holds the database until told to let go.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let store = env.store.clone();
    let holder = std::thread::spawn(move || {
        store
            .write(|_| {
                locked.send(()).expect("signal");
                wait.recv().expect("release");
                Ok(())
            })
            .expect("holder write");
    });
    is_locked.recv().expect("holder has the lock");
    let poll = tokio::spawn({
        let ctx = ctx.clone();
        async move { redline::poll::poll_feed(&ctx, &feed).await }
    });
    // The poll fetches (a 304), then waits for the writer; its slot must be back by then.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.seen("/feed.xml").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the poll never fetched"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut freed = false;
    while std::time::Instant::now() < deadline {
        if ctx.slots.available_permits() == slots {
            freed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        !poll.is_finished(),
        "the poll finished while the database was held"
    );
    assert!(
        freed,
        "the 304 poll kept its slot while waiting for the database"
    );
    release.send(()).expect("release");
    let report = poll.await.expect("poll task");
    assert!(report.not_modified && report.error.is_none(), "{report:?}");
    holder.join().expect("holder");
}
