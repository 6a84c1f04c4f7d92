//! The last parts of the web UI (#13): per-version validators in the provenance panel, search
//! over every version, a path prefix behind a reverse proxy, and the Host check.

use redline::web::WebOptions;

use crate::util::{FeedServer, Route, TestEnv, redline_in, rss, success_stdout};
use crate::web::{WebServer, article_id, assert_page, get};

const LOCK_V1: &str = "The canal lock at Pennard will close for repairs on Monday, the waterways trust said.\n\nBoats will be turned back at the upper basin.";
const LOCK_V2: &str = "The canal lock at Pennard will close for repairs on Thursday, the waterways trust said.\n\nBoats will be turned back at the upper basin.";

fn feed_route(body: &str, etag: &str, last_modified: &str) -> Route {
    Route::Ok {
        body: body.as_bytes().to_vec(),
        content_type: "application/rss+xml",
        etag: Some(etag.to_string()),
        extra: vec![("last-modified", last_modified.to_string())],
    }
}

fn lock_feed(body: &str) -> String {
    rss(&[(
        "trust-lock",
        "https://waterways.example/news/pennard-lock",
        "Pennard lock to close for repairs",
        body,
    )])
}

/// Each version keeps the ETag and Last-Modified of the fetch that produced it: the panel and
/// the API show v1's and v2's own, the CLI's JSON carries them, and a row stored before they
/// were recorded says so.
#[tokio::test]
async fn each_version_shows_the_validators_of_its_own_fetch() {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    env.add_feed("trust", &server.url("/feed.xml"), false);
    for (body, etag, lm) in [
        (LOCK_V1, "\"lock-1\"", "Mon, 30 Nov 2026 08:00:00 GMT"),
        (LOCK_V2, "\"lock-2\"", "Tue, 01 Dec 2026 09:30:00 GMT"),
    ] {
        server.set("/feed.xml", feed_route(&lock_feed(body), etag, lm));
        let r = env.poll("trust").await;
        assert_eq!(r.error, None, "{r:?}");
    }
    let id = article_id(&env, "trust-lock");
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    let g = get(&web.base, &format!("/a/a{id}")).await;
    assert_page(&g, "article", 200, "text/html");
    for (etag, lm) in [
        ("&quot;lock-1&quot;", "Mon, 30 Nov 2026 08:00:00 GMT"),
        ("&quot;lock-2&quot;", "Tue, 01 Dec 2026 09:30:00 GMT"),
    ] {
        assert!(
            g.body
                .contains(&format!("<dt>ETag</dt><dd class=\"etag\">{etag}</dd>")),
            "{etag}: {}",
            g.body
        );
        assert!(
            g.body.contains(&format!(
                "<dt>Last-Modified</dt><dd class=\"last-modified\">{lm}</dd>"
            )),
            "{lm}"
        );
    }
    let api = get(&web.base, &format!("/api/v1/articles/a{id}")).await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["versions"][0]["provenance"]["etag"], "\"lock-1\"");
    assert_eq!(doc["versions"][1]["provenance"]["etag"], "\"lock-2\"");
    assert_eq!(
        doc["versions"][1]["provenance"]["last_modified"],
        "Tue, 01 Dec 2026 09:30:00 GMT"
    );

    std::fs::write(env.dir.path().join("redline.toml"), "").expect("empty config");
    let args = ["versions", &format!("a{id}"), "--json"];
    let out = redline_in(env.dir.path(), &args);
    let rows: serde_json::Value =
        serde_json::from_str(&success_stdout(&out, &args)).expect("versions json");
    assert_eq!(rows[0]["etag"], "\"lock-1\"");
    assert_eq!(rows[1]["etag"], "\"lock-2\"");
    assert_eq!(rows[1]["http_status"], 200);
    assert_eq!(rows[1]["extractor"], "feed");
    let args = ["show", &format!("a{id}v1"), "--json"];
    let out = redline_in(env.dir.path(), &args);
    let v1: serde_json::Value =
        serde_json::from_str(&success_stdout(&out, &args)).expect("show json");
    assert_eq!(v1["last_modified"], "Mon, 30 Nov 2026 08:00:00 GMT");

    // A version from before the recording: nothing stored, and the page says so.
    env.store
        .write(|tx| {
            tx.execute(
                "UPDATE versions SET http_status = NULL, extractor = NULL, etag = NULL, \
                 last_modified = NULL WHERE article_id = ?1 AND seq = 1",
                [id],
            )?;
            Ok(())
        })
        .expect("age v1");
    let g = get(&web.base, &format!("/a/a{id}")).await;
    assert!(
        g.body
            .contains("<dt>ETag</dt><dd class=\"etag\">not recorded</dd>"),
        "{}",
        g.body
    );
    assert!(g.body.contains("&quot;lock-2&quot;"));
}

const LOCK_V3: &str = "The canal lock at Pennard will close for repairs on Thursday, the waterways trust said.\n\nBoats will be turned back at the upper basin.\n\nA temporary mooring has been set up below the lock.";

fn hits(body: &str) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(body).expect("search json");
    doc["hits"].as_array().cloned().unwrap_or_default()
}

/// Polls the lock story through three versions (a date changed in v2 under a new headline,
/// a paragraph added in v3) beside an unchanged story, and serves it.
async fn lock_story() -> (FeedServer, TestEnv, i64, WebServer) {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    env.add_feed("trust", &server.url("/feed.xml"), false);
    for (title, body) in [
        ("Pennard lock to close for repairs", LOCK_V1),
        ("Pennard lock repairs put back to Thursday", LOCK_V2),
        ("Pennard lock repairs put back to Thursday", LOCK_V3),
    ] {
        server.set(
            "/feed.xml",
            Route::xml(&rss(&[
                (
                    "trust-lock",
                    "https://waterways.example/news/pennard-lock",
                    title,
                    body,
                ),
                (
                    "trust-towpath",
                    "https://waterways.example/news/towpath",
                    "Towpath reopens at the upper basin",
                    "Walkers can use the towpath by the upper basin again, the trust said.",
                ),
            ])),
        );
        let r = env.poll("trust").await;
        assert_eq!(r.error, None, "{r:?}");
    }
    let id = article_id(&env, "trust-lock");
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    (server, env, id, web)
}

/// A word only an old version had finds the article and opens that version; a word every
/// version has gives one hit, at the latest; an old headline is searched too.
#[tokio::test]
async fn search_finds_every_version_and_opens_the_one_that_matched() {
    let (_server, env, id, web) = lock_story().await;
    let towpath = article_id(&env, "trust-towpath");

    let found = hits(&get(&web.base, "/api/v1/search?q=Monday").await.body);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["article_id"], id);
    assert_eq!(found[0]["matched_seq"], 1);
    assert_eq!(found[0]["matched_latest"], false);
    assert_eq!(found[0]["href"], format!("/a/a{id}/v/1..2?mode=side"));
    // The link leads to a page that shows the old sentence.
    let g = get(&web.base, &format!("/a/a{id}/v/1..2?mode=side")).await;
    assert_page(&g, "matched diff", 200, "text/html");
    assert!(g.body.contains("Monday"));

    let found = hits(&get(&web.base, "/api/v1/search?q=Thursday").await.body);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (&found[0]["matched_seq"], &found[0]["matched_latest"]),
        (&serde_json::json!(3), &serde_json::json!(true))
    );

    // In every version of one story and in the other: one hit each, the latest first.
    let found = hits(&get(&web.base, "/api/v1/search?q=basin").await.body);
    let mut ids: Vec<i64> = found
        .iter()
        .filter_map(|h| h["article_id"].as_i64())
        .collect();
    ids.sort_unstable();
    let mut want = vec![id, towpath];
    want.sort_unstable();
    assert_eq!(ids, want, "{found:?}");
    assert!(found.iter().all(|h| h["matched_latest"] == true));

    // The first headline, gone since v2.
    let found = hits(
        &get(&web.base, "/api/v1/search?q=%22lock%20to%20close%22")
            .await
            .body,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["matched_seq"], 1);
    // Words from the latest text and from an old version together: the old version.
    let found = hits(&get(&web.base, "/api/v1/search?q=Pennard+Monday").await.body);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["matched_seq"], 1);
    // A word in neither.
    assert!(hits(&get(&web.base, "/api/v1/search?q=Wednesday").await.body).is_empty());

    let g = get(&web.base, "/search?q=Monday").await;
    assert_page(&g, "/search?q=Monday", 200, "text/html");
    assert!(
        g.body
            .contains("Found in v1, no longer in the latest text (v3)."),
        "{}",
        g.body
    );
    assert!(
        g.body
            .contains(&format!("href=\"/a/a{id}/v/1..2?mode=side\""))
    );
}

/// A database from before the history index: the batched backfill fills it, and removing the
/// feed takes the history along.
#[tokio::test]
async fn old_databases_get_their_history_indexed_by_the_backfill() {
    let (_server, env, id, web) = lock_story().await;
    env.store
        .write(|tx| {
            tx.execute_batch(
                "DELETE FROM version_search; \
                 INSERT INTO meta (key, value) VALUES ('search_history_next', '0');",
            )?;
            Ok(())
        })
        .expect("forget the history");
    assert!(hits(&get(&web.base, "/api/v1/search?q=Monday").await.body).is_empty());
    let left = env
        .store
        .read(redline::store::search::backfill_remaining)
        .expect("remaining");
    assert_eq!(left, 2);
    let done = redline::store::search::backfill(&env.store, || false).expect("backfill");
    assert_eq!(done, 2);
    let found = hits(&get(&web.base, "/api/v1/search?q=Monday").await.body);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["article_id"], id);
    assert_eq!(found[0]["matched_seq"], 1);
    assert_eq!(
        env.store
            .read(redline::store::search::backfill_remaining)
            .expect("remaining"),
        0
    );

    env.store
        .write(|tx| {
            tx.execute("DELETE FROM feeds", [])?;
            Ok(())
        })
        .expect("remove the feed");
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 0);
    assert!(hits(&get(&web.base, "/api/v1/search?q=Monday").await.body).is_empty());
}
