//! One test per fixed defect, named for it.

use crate::util::{FeedServer, Route, TestEnv, rss};

/// Two entries of one feed sharing a link (a live blog's updates) must not take turns renaming
/// one article and "editing" it on every poll. Found in review.
#[tokio::test]
async fn entries_sharing_a_link_stay_two_articles_and_stay_quiet() {
    let server = FeedServer::start().await;
    let link = "https://chronicle.example/live/budget-day";
    let items = [
        (
            "live-1",
            link,
            "Budget day live: chancellor rises",
            "The chancellor began her statement at 12:30.",
        ),
        (
            "live-2",
            link,
            "Budget day live: fuel duty frozen",
            "Fuel duty will stay frozen for another year, the chancellor said.",
        ),
    ];
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    for round in 0..3 {
        // New bytes each round (a changing channel description) so the feed is re-parsed.
        let doc = rss(&items).replace(
            "Local and world news",
            &format!("Local and world news ({round})"),
        );
        server.set("/feed.xml", Route::xml(&doc));
        let r = env.poll("chronicle").await;
        assert_eq!(r.error, None);
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM articles"), 2);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM versions"),
        2,
        "no phantom edits"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM changes"), 0);
}

/// A full-text entry whose page fetch fails when the feed announces a change is retried at the
/// next poll, not on the age ladder hours later. Found in review.
#[tokio::test]
async fn announced_change_with_failed_page_fetch_is_retried_next_poll() {
    let server = FeedServer::start().await;
    let page = server.url("/news/bridge");
    let page_html = |n: &str| {
        format!(
            "<html><head><title>Bridge</title></head><body><article><h1>Bridge closed</h1>\
             <p>The Elm Street bridge will close for {n} weeks of repairs from Monday, the city engineer said on Friday afternoon.</p>\
             <p>Traffic will be diverted over the Mill Road crossing, which the council said could add twenty minutes to commutes.</p>\
             <p>Cyclists and pedestrians will be able to use a temporary walkway on the north side of the bridge throughout the works.</p></article></body></html>"
        )
    };
    let feed = |desc: &str| rss(&[("bridge-1", &page, "Bridge closed", desc)]);
    server.set("/feed.xml", Route::xml(&feed("The bridge will close.")));
    server.set("/news/bridge", Route::html(&page_html("six")));
    let mut env = TestEnv::new();
    env.config.schedule.recheck = vec![redline::config::Rung {
        until: std::time::Duration::from_secs(30 * 86_400),
        every: std::time::Duration::from_secs(86_400),
    }];
    env.add_feed("chronicle", &server.url("/feed.xml"), true);
    env.poll("chronicle").await;
    // The feed announces a change; the page answers 503 this time.
    server.set(
        "/feed.xml",
        Route::xml(&feed("The bridge will close for longer.")),
    );
    server.set("/news/bridge", Route::Status(503, Vec::new()));
    let r = env.poll("chronicle").await;
    assert_eq!(r.page_errors.len(), 1, "{r:?}");
    // Next poll: the feed is unchanged, the page is back with the edit.
    server.set("/news/bridge", Route::html(&page_html("eight")));
    let r = env.poll("chronicle").await;
    assert_eq!(r.new_versions, 1, "{r:?}");
}
