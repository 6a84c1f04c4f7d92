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

/// Two feeds of harbour stories polled twice: in each, some stories say "ferry" in every
/// version (hits on the latest text) and some said it only before the second poll (hits on
/// the history).
async fn ferry_stories() -> (FeedServer, TestEnv, WebServer) {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    env.add_feed("harbour", &server.url("/harbour.xml"), false);
    env.add_feed("coast", &server.url("/coast.xml"), false);
    let kept = [
        (
            "ferry-timetable",
            "The winter ferry timetable starts on Monday, with two fewer sailings.",
        ),
        (
            "ferry-fares",
            "Ferry fares rise by four percent in January, the operator said.",
        ),
        (
            "ferry-crew",
            "The ferry crew voted to accept the new pay offer on Friday.",
        ),
    ];
    let gone = [
        (
            "quay-works",
            "Works on the north quay will close the ferry ramp for a week.",
            "Works on the north quay will close the slipway for a week.",
        ),
        (
            "lifeboat",
            "The lifeboat was called to a ferry with engine trouble off the point.",
            "The lifeboat was called to a yacht with engine trouble off the point.",
        ),
        (
            "harbour-dues",
            "Harbour dues for the ferry company will be reviewed in spring.",
            "Harbour dues for the fishing fleet will be reviewed in spring.",
        ),
    ];
    for round in 0..2 {
        for (feed, range) in [("harbour", 0..2), ("coast", 2..3)] {
            let mut items: Vec<(String, String, String)> = Vec::new();
            for (guid, text) in &kept[range.clone()] {
                items.push((guid.to_string(), headline(guid), text.to_string()));
            }
            for (guid, before, after) in &gone[range.clone()] {
                let text = if round == 0 { before } else { after };
                items.push((guid.to_string(), headline(guid), text.to_string()));
            }
            items.push((
                format!("{feed}-weather"),
                "Gales expected".into(),
                "Gales are expected along the coast on Tuesday night.".into(),
            ));
            let links: Vec<String> = items
                .iter()
                .map(|(g, _, _)| format!("https://{feed}.example/news/{g}"))
                .collect();
            let rows: Vec<(&str, &str, &str, &str)> = items
                .iter()
                .zip(&links)
                .map(|((g, t, d), l)| (g.as_str(), l.as_str(), t.as_str(), d.as_str()))
                .collect();
            server.set(&format!("/{feed}.xml"), Route::xml(&rss(&rows)));
            let r = env.poll(feed).await;
            assert_eq!(r.error, None, "{r:?}");
        }
    }
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    (server, env, web)
}

/// "Quay works" for `quay-works`.
fn headline(guid: &str) -> String {
    let words = guid.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Every hit of `first` and the pages after it, following each page's `next`.
async fn all_pages(web: &WebServer, first: &str) -> Vec<serde_json::Value> {
    let (mut out, mut next, mut pages) = (Vec::new(), Some(first.to_string()), 0);
    while let Some(url) = next {
        let g = get(&web.base, &url).await;
        assert_eq!(g.status, 200, "{url}: {}", g.body);
        let doc: serde_json::Value = serde_json::from_str(&g.body).expect("search json");
        out.extend(doc["hits"].as_array().cloned().unwrap_or_default());
        next = doc["next"].as_str().map(str::to_string);
        pages += 1;
        assert!(pages < 20, "{first}: no last page");
    }
    out
}

/// Search pages are cut from the latest-text hits first and from the history hits only where
/// those leave room: pages that straddle the two and a cursor that starts exactly where the
/// history hits start give, page by page, what one page of everything gives, in its order
/// (latest-text hits first), with and without a facet.
#[tokio::test]
async fn search_pages_run_from_latest_text_hits_into_history_hits() {
    let (_server, env, web) = ferry_stories().await;
    let everything = all_pages(&web, "/api/v1/search?q=ferry&limit=100").await;
    let latest: Vec<bool> = everything
        .iter()
        .map(|h| h["matched_latest"] == true)
        .collect();
    assert_eq!(
        latest,
        [true, true, true, false, false, false],
        "{everything:?}"
    );
    assert!(
        everything[3..].iter().all(|h| h["matched_seq"] == 1),
        "{everything:?}"
    );
    let ids = |hits: &[serde_json::Value]| -> Vec<i64> {
        hits.iter()
            .filter_map(|h| h["article_id"].as_i64())
            .collect()
    };
    let mut distinct = ids(&everything);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "{everything:?}");
    // 2: a page of both kinds; 3: the second page starts at the first history hit.
    for limit in [1, 2, 3, 4, 5] {
        let paged = all_pages(&web, &format!("/api/v1/search?q=ferry&limit={limit}")).await;
        assert_eq!(ids(&paged), ids(&everything), "limit {limit}");
        assert_eq!(paged, everything, "limit {limit}");
    }
    // The same under a facet: the harbour feed's two of each, in the same order.
    let harbour = env.feed_row("harbour").id;
    let in_harbour: Vec<i64> = everything
        .iter()
        .filter(|h| h["feed"] == "harbour")
        .filter_map(|h| h["article_id"].as_i64())
        .collect();
    assert_eq!(in_harbour.len(), 4, "{everything:?}");
    for limit in [1, 2, 3, 100] {
        let paged = all_pages(
            &web,
            &format!("/api/v1/search?q=ferry&feed=f{harbour}&limit={limit}"),
        )
        .await;
        assert_eq!(ids(&paged), in_harbour, "feed, limit {limit}");
    }
    // A cursor past every hit is an empty last page.
    let past = all_pages(&web, "/api/v1/search?q=ferry&cursor=6").await;
    assert!(past.is_empty(), "{past:?}");
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

/// The `href`, `src` and `action` values of every tag in `html`: a small tag scanner (quoted
/// and bare attribute values, comments skipped), enough for our own well-formed pages.
fn link_attrs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        // The tag name, then attributes up to the closing `>`.
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
            i += 1;
        }
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let start = i;
            while i < b.len() && !b"=> \t\n/".contains(&b[i]) {
                i += 1;
            }
            let name = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                if let Some(&q) = b.get(i).filter(|q| **q == b'"' || **q == b'\'') {
                    let end = html[i + 1..].find(q as char).map_or(b.len(), |e| i + 1 + e);
                    value = html[i + 1..end].to_string();
                    i = end + 1;
                } else {
                    let start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[start..i].to_string();
                }
            }
            if matches!(name.as_str(), "href" | "src" | "action") {
                out.push((name, value.replace("&amp;", "&")));
            }
        }
    }
    out
}

/// Behind a reverse proxy at `/redline`: every link, asset, form, Atom link, API URL and
/// redirect starts with the prefix, every such link works, and nothing answers outside it.
#[tokio::test]
async fn a_path_prefix_is_on_every_url_and_the_pages_work_through_it() {
    let server = FeedServer::start().await;
    let env = crate::web::fill_newsroom(&server).await;
    let web = WebServer::start(
        &env.db_path(),
        WebOptions {
            base_path: "/redline/".into(),
            ..WebOptions::default()
        },
    )
    .await;
    let root = web.base.trim_end_matches("/redline").to_string();
    let flood = article_id(&env, "chronicle-flood");
    let mut pages = vec![
        "/".to_string(),
        "/?kind=number_changed".into(),
        "/search?q=flood".into(),
        "/search".into(),
        "/feeds".into(),
        format!("/a/a{flood}"),
        "/no/such/page".into(),
    ];
    for mode in ["claims", "side", "inline", "changes"] {
        pages.push(format!("/a/a{flood}/v/1..2?mode={mode}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &pages {
        let g = get(&web.base, p).await;
        assert!(g.content_type.starts_with("text/html"), "{p}");
        assert!(g.status == 200 || p == "/no/such/page", "{p}: {}", g.status);
        let attrs = link_attrs(&g.body);
        assert!(attrs.len() > 5, "{p}: {attrs:?}");
        for (name, v) in attrs {
            if v.starts_with('#') || v.starts_with("https://") {
                continue;
            }
            assert!(v.starts_with("/redline/"), "{p}: {name}=\"{v}\"");
            // A form's action needs its inputs; links and assets are followed below.
            if name != "action" {
                seen.insert(v);
            }
        }
    }
    // Every link and asset the pages carry works through the prefix.
    for v in &seen {
        let path = v.split('#').next().unwrap_or(v);
        let g = get(&root, path).await;
        assert_eq!(g.status, 200, "{v}: {}", g.body);
    }
    assert!(seen.iter().any(|v| v.starts_with("/redline/assets/app.")));

    let g = get(&web.base, "/changes.atom").await;
    assert_page(&g, "atom", 200, "application/atom+xml");
    for (_, v) in link_attrs(&g.body) {
        assert!(v.starts_with("/redline/"), "atom link {v}");
    }
    let api = get(&web.base, "/api/v1/changes?limit=1").await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let next = doc["next"].as_str().expect("a next page");
    assert!(next.starts_with("/redline/api/v1/changes?"), "{next}");
    assert_eq!(get(&root, next).await.status, 200);
    assert!(
        doc["items"][0]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("/redline/a/")),
        "{doc}"
    );
    let api = get(&web.base, "/api/v1/search?q=flood").await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert!(
        doc["hits"][0]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("/redline/a/"))
    );
    let index = get(&web.base, "/api/v1").await.body;
    assert!(index.contains("\"/redline/api/v1/feeds\""), "{index}");

    let g = get(&web.base, &format!("/a/a{flood}/compare?from=1&to=3")).await;
    assert_eq!(g.status, 303);
    assert_eq!(
        g.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/redline/a/a{flood}/v/1..3").as_str())
    );
    // The prefix alone, with or without its slash, is the changes page.
    for p in ["/redline", "/redline/"] {
        let g = get(&root, p).await;
        assert_eq!(g.status, 200, "{p}: {}", g.body);
        assert!(g.body.contains("data-page=\"changes\""), "{p}");
    }
    // Outside the prefix there is nothing, and the 404 says where the pages are.
    let g = get(&root, "/feeds").await;
    assert_eq!(g.status, 404);
    assert!(g.body.contains("under /redline/"), "{}", g.body);
}

/// Without a prefix the URLs are as before: root-relative.
#[tokio::test]
async fn without_a_prefix_urls_start_at_the_root() {
    let server = FeedServer::start().await;
    let env = crate::web::fill_newsroom(&server).await;
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    let g = get(&web.base, "/").await;
    let attrs = link_attrs(&g.body);
    assert!(attrs.iter().any(|(_, v)| v == "/feeds"), "{attrs:?}");
    assert!(attrs.iter().all(|(_, v)| !v.starts_with("/redline")));
}

/// One HTTP/1.1 GET with the given Host header (or none), written by hand so nothing
/// rewrites it; returns the status and the body.
async fn get_as(base: &str, path: &str, host: Option<&str>) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let addr = addr.split('/').next().unwrap_or(addr);
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    s.write_all(format!("GET {path} HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// DNS rebinding: on loopback, a request that names another host is refused with the reason;
/// the loopback names on our port, and names in `[web] allowed_hosts`, are served.
#[tokio::test]
async fn on_loopback_only_local_and_allowed_host_names_are_served() {
    let server = FeedServer::start().await;
    let env = crate::web::fill_newsroom(&server).await;
    let web = WebServer::start(
        &env.db_path(),
        WebOptions {
            allowed_hosts: vec!["news.example.org".into()],
            ..WebOptions::default()
        },
    )
    .await;
    let port = web.base.rsplit(':').next().unwrap_or("").to_string();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "news.example.org".to_string(),
    ] {
        let (status, body) = get_as(&web.base, "/feeds", Some(&host)).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    for host in [
        format!("rebound.attacker.example:{port}"),
        "localhost:1".to_string(),
        format!("news.example.org.attacker.example:{port}"),
    ] {
        let (status, body) = get_as(&web.base, "/feeds", Some(&host)).await;
        assert_eq!(status, 421, "{host}: {body}");
        assert!(body.contains("allowed_hosts"), "{body}");
        assert!(
            !body.contains("chronicle"),
            "no data for another host: {body}"
        );
        let (status, body) = get_as(&web.base, "/api/v1/feeds", Some(&host)).await;
        assert_eq!(status, 421, "{host}: {body}");
        assert!(body.contains("\"status\":421"), "{body}");
    }
    let (status, _) = get_as(&web.base, "/feeds", None).await;
    assert!(status == 421 || status == 400, "no Host: {status}");
}
