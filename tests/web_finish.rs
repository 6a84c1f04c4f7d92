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
