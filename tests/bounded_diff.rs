//! Hostile article sizes still give a version and a change record, with a diff that says it
//! was simplified. See: #10 (item 2).

use crate::util::{FeedServer, Route, TestEnv, rss};

fn dots_feed(body: &str) -> String {
    rss(&[(
        "gazette-dots-1",
        "https://gazette.example/news/dots",
        "Gazette notice",
        body,
    )])
}

#[tokio::test]
async fn huge_edited_item_is_stored_as_a_version_flagged_simplified() {
    let server = FeedServer::start().await;
    let v1 = ".".repeat(400_000);
    let mut v2 = v1.clone();
    v2.replace_range(200_000..200_001, "x");
    server.set("/feed.xml", Route::xml_etag(&dots_feed(&v1), "\"v1\""));
    let mut env = TestEnv::new();
    env.add_feed("gazette", &server.url("/feed.xml"), false);
    let r1 = env.poll("gazette").await;
    assert_eq!((r1.error.clone(), r1.new_versions), (None, 1), "{r1:?}");

    server.set("/feed.xml", Route::xml_etag(&dots_feed(&v2), "\"v2\""));
    let r2 = env.poll("gazette").await;
    assert_eq!((r2.error.clone(), r2.new_versions), (None, 1), "{r2:?}");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM versions WHERE seq = 2 AND body_chars >= 400000"),
        1
    );
    let reason: String = env
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT simplified FROM changes WHERE from_seq = 1 AND to_seq = 2",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("change record with a reason");
    assert!(reason.contains("over 5000 bytes"), "{reason}");
}

#[tokio::test]
async fn normal_edit_is_not_flagged_simplified() {
    let server = FeedServer::start().await;
    let v1 = "The ferry resumed service on Monday. Officials said 300 passengers travelled.";
    let v2 = "The ferry resumed service on Monday. Officials said 350 passengers travelled.";
    server.set("/feed.xml", Route::xml_etag(&dots_feed(v1), "\"v1\""));
    let mut env = TestEnv::new();
    env.add_feed("gazette", &server.url("/feed.xml"), false);
    env.poll("gazette").await;
    server.set("/feed.xml", Route::xml_etag(&dots_feed(v2), "\"v2\""));
    let r2 = env.poll("gazette").await;
    assert_eq!(r2.new_versions, 1, "{r2:?}");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE to_seq = 2 AND simplified IS NULL"),
        1
    );
}
