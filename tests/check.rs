//! `redline check` and the check `feeds add` runs first, through the real binary against a
//! loopback server (see: #9).

use std::path::Path;
use std::process::Output;

use crate::util::{FeedServer, Route, rss};

struct Cli<'a> {
    dir: &'a Path,
}

impl Cli<'_> {
    fn run(&self, args: &[&str]) -> Output {
        let config = self.dir.join("redline.toml");
        if !config.exists() {
            std::fs::write(&config, "[schedule]\njitter = \"0s\"\n").expect("config");
        }
        tokio::task::block_in_place(|| crate::util::redline_in(self.dir, args))
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        crate::util::success_stdout(&self.run(args), args)
    }

    #[track_caller]
    fn fails(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "redline {args:?} should fail");
        (
            String::from_utf8(out.stdout).expect("utf-8"),
            String::from_utf8(out.stderr).expect("utf-8"),
        )
    }

    #[track_caller]
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "redline {args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

fn two_items() -> String {
    rss(&[
        (
            "hc-101",
            "https://chronicle.example/news/ferry?utm_source=rss",
            "Ferry service cut to two sailings a day",
            "The operator blamed a shortage of crew for the reduced timetable.",
        ),
        (
            "hc-102",
            "https://chronicle.example/news/library",
            "Library reopens after \u{1b}[31mflood\u{1b}]0;pwned\u{7} repairs",
            "The central library reopened on Monday after six weeks of repairs.",
        ),
    ])
}

const ARTICLE: &str = r#"<!DOCTYPE html><html><head><title>Council approves harbour wall | Chronicle</title>
<meta property="og:title" content="Council approves harbour wall">
<meta name="author" content="Maria Okafor">
<meta property="article:published_time" content="2026-11-03T09:00:00Z">
<meta property="article:modified_time" content="2026-11-03T11:30:00Z">
<link rel="alternate" type="application/rss+xml" title="Chronicle" href="../feeds/main.xml">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Council approves harbour wall</h1>
<p>The city council voted 9 to 4 on Tuesday to build a 600-metre sea wall along the old harbour, ending two years of argument over how to protect the waterfront from winter storms.</p>
<p>The wall will cost an estimated 14 million euros, of which the regional government has promised to pay half. Work is due to start in the spring and take about three years.</p>
<p>"This is the most important decision this council will take for a generation," the mayor said after the vote. Opponents said the design would cut the harbour off from the town.</p>
<p>Fishing crews who moor in the old harbour will be moved to the north basin while the work goes on, the port authority said.</p>
</article><footer>Copyright 2026 Harbour City Chronicle</footer></body></html>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_a_feed_url_in_text_and_json() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::Ok {
            body: two_items().into_bytes(),
            content_type: "application/rss+xml; charset=utf-8",
            etag: Some("\"v7\"".into()),
            extra: vec![
                ("cache-control", "public, max-age=300".into()),
                ("last-modified", "Tue, 03 Nov 2026 09:05:00 GMT".into()),
            ],
        },
    );
    server.set("/old.xml", Route::Redirect(301, "/feed.xml".into()));
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let url = server.url("/old.xml");

    let text = cli.ok(&["check", &url]);
    for needle in [
        "status       200",
        "final url    http://",
        "etag         \"v7\"",
        "cache-control public, max-age=300",
        "last-modified Tue, 03 Nov 2026 09:05:00 GMT",
        "title        Harbour City Chronicle",
        "entries      2",
        "Ferry service cut to two sailings a day",
        "id         hc-101",
        "Library reopens after flood repairs",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "control sequences stripped");

    let j = cli.json(&["check", &url, "--json"]);
    assert_eq!(j["url"], url);
    assert_eq!(j["status"], 200);
    assert!(j["error"].is_null(), "{j}");
    assert_eq!(j["format"], "rss2.0");
    assert!(j["encoding"].is_string(), "{j}");
    assert_eq!(j["bozo"], false);
    assert!(j["warnings"].is_array());
    assert_eq!(j["http"]["final_url"], server.url("/feed.xml"));
    assert_eq!(j["http"]["etag"], "\"v7\"");
    assert_eq!(j["feed"]["title"], "Harbour City Chronicle");
    assert_eq!(j["feed"]["link"], "https://chronicle.example/");
    assert_eq!(j["feed"]["description"], "Local and world news");
    let e = &j["entries"][0];
    assert_eq!(e["id"], "hc-101");
    assert_eq!(e["title"], "Ferry service cut to two sailings a day");
    // As redline stores it: the tracking parameter dropped.
    assert_eq!(e["link"], "https://chronicle.example/news/ferry");
    assert_eq!(
        e["summary"],
        "The operator blamed a shortage of crew for the reduced timetable."
    );
    assert!(e["content"].is_null());
    assert_eq!(e["published"], "2026-11-03T09:00:00Z");
    // The date as the feed wrote it, beside the one redline read.
    assert_eq!(
        e["dates_as_written"]["published"],
        "Tue, 03 Nov 2026 09:00:00 GMT"
    );
    assert_eq!(e["author"], "Maria Okafor");
    assert_eq!(j["entries"].as_array().map(Vec::len), Some(2));
    // The HTTP Last-Modified, read as a date.
    assert_eq!(j["feed"]["last_modified"], "2026-11-03T09:05:00Z");
    assert!(
        text.contains(
            "published  2026-11-03T09:00:00Z (written \"Tue, 03 Nov 2026 09:00:00 GMT\")"
        ),
        "{text}"
    );
    assert!(
        text.contains("http date    2026-11-03T09:05:00Z (Last-Modified)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_a_file_with_the_url_it_came_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("saved.atom");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Dispatch</title>
<link href="/" /><id>urn:dispatch</id><updated>2026-11-04T08:00:00+02:00</updated>
<entry><id>urn:dispatch:7</id><title>Bridge closed for inspection</title><link href="/news/bridge-7"/>
<author><name>Lena Park</name></author><updated>2026-11-04T08:00:00+02:00</updated>
<content type="html">&lt;p&gt;The river bridge will stay closed until Friday.&lt;/p&gt;&lt;p&gt;Buses will run a detour.&lt;/p&gt;</content></entry>
</feed>"#,
    )
    .expect("file");
    let cli = Cli { dir: dir.path() };
    let path = file.to_str().expect("path");
    let j = cli.json(&[
        "check",
        path,
        "--url",
        "https://dispatch.example/feeds/atom.xml",
        "--json",
    ]);
    assert!(j["error"].is_null(), "{j}");
    assert_eq!(j["url"], "https://dispatch.example/feeds/atom.xml");
    assert!(j["status"].is_null());
    assert_eq!(j["source"], "file");
    assert_eq!(j["feed"]["title"], "Valley Dispatch");
    let e = &j["entries"][0];
    assert_eq!(e["link"], "https://dispatch.example/news/bridge-7");
    assert_eq!(e["updated"], "2026-11-04T06:00:00Z");
    assert_eq!(e["author"], "Lena Park");
    assert_eq!(
        e["content"],
        "The river bridge will stay closed until Friday.\n\nBuses will run a detour."
    );
    let text = cli.ok(&["check", path]);
    assert!(text.contains("Bridge closed for inspection"), "{text}");
    assert!(text.contains("Buses will run a detour."), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_a_404_and_a_parse_failure_with_an_error_and_exit_1() {
    let server = FeedServer::start().await;
    server.set(
        "/broken.xml",
        Route::xml("<rss version=\"2.0\"><channel><title>Cut off"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let missing = server.url("/gone.xml");
    let out = cli.run(&["check", &missing, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON even on error");
    assert_eq!(j["status"], 404);
    assert!(
        j["error"]
            .as_str()
            .is_some_and(|e| e.contains("server answered 404")),
        "{j}"
    );
    assert_eq!(j["entries"].as_array().map(Vec::len), Some(0));

    let broken = server.url("/broken.xml");
    let out = cli.run(&["check", &broken, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON even on error");
    assert_eq!(j["status"], 200);
    assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()), "{j}");
    let (text, _) = cli.fails(&["check", &broken]);
    assert!(text.contains("error "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_page_shows_the_extracted_article() {
    let server = FeedServer::start().await;
    server.set("/news/harbour-wall", Route::html(ARTICLE));
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let url = server.url("/news/harbour-wall");
    let j = cli.json(&["check", &url, "--page", "--json"]);
    assert!(j["error"].is_null(), "{j}");
    assert_eq!(j["format"], "html");
    let page = &j["page"];
    assert_eq!(page["title"], "Council approves harbour wall");
    assert_eq!(page["byline"], "Maria Okafor");
    assert_eq!(page["modified"], "2026-11-03T11:30:00Z");
    let paragraphs: Vec<&str> = page["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(paragraphs.len(), 4, "{paragraphs:?}");
    assert!(paragraphs[1].starts_with("The wall will cost an estimated 14 million euros"));
    assert!(!paragraphs.iter().any(|p| p.contains("Copyright")));
    assert_eq!(j["feeds_found"][0], server.url("/feeds/main.xml"));
    // The extractor's reasons: the container, what went, where each field came from.
    let ex = &page["explanation"];
    assert_eq!(ex["text_source"], "readability");
    assert_eq!(ex["container"], "article");
    assert_eq!(ex["container_share"], 100);
    let removed: Vec<&str> = ex["removed"]
        .as_array()
        .expect("removed")
        .iter()
        .filter_map(|r| r["what"].as_str())
        .collect();
    assert!(
        removed.contains(&"<nav>") && removed.contains(&"<footer>"),
        "{ex}"
    );
    assert_eq!(
        ex["sources"]["modified"],
        "<meta property=article:modified_time>"
    );
    assert_eq!(
        ex["sources"]["byline"],
        "<meta name=author> (via readability)"
    );
    let reasons: Vec<&str> = page["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert_eq!(
        reasons[0],
        "text: readability's top candidate, article (100% of the page's paragraph text)"
    );

    // Without --page an HTML page is recognised and read as a page too.
    let text = cli.ok(&["check", &url]);
    assert!(text.contains("format       html"), "{text}");
    assert!(
        text.contains("page title   Council approves harbour wall"),
        "{text}"
    );
    assert!(text.contains("modified     2026-11-03T11:30:00Z"), "{text}");
    assert!(
        text.contains(&format!("feed found   {}", server.url("/feeds/main.xml"))),
        "{text}"
    );
    assert!(
        text.contains("Fishing crews who moor in the old harbour"),
        "{text}"
    );
    assert!(
        text.contains("reason       removed 1 <nav> before extraction"),
        "{text}"
    );
    assert!(
        text.contains("reason       modified from <meta property=article:modified_time>"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_refuses_what_is_not_a_feed_with_entries_unless_forced() {
    let server = FeedServer::start().await;
    server.set(
        "/about",
        Route::html(
            "<html><head><title>About us</title></head><body><p>We are a small newsroom.</p></body></html>",
        ),
    );
    server.set("/empty.xml", Route::xml(&rss(&[])));
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };

    let (_, err) = cli.fails(&["feeds", "add", &server.url("/gone.xml")]);
    assert!(err.contains("server answered 404"), "{err}");
    assert!(err.contains("use --force"), "{err}");

    let (_, err) = cli.fails(&["feeds", "add", &server.url("/about")]);
    assert!(
        err.contains("is an HTML page, not a feed, and it names no feed"),
        "{err}"
    );

    let (_, err) = cli.fails(&["feeds", "add", &server.url("/empty.xml")]);
    assert!(err.contains("is a feed with no entries"), "{err}");

    let listed = cli.json(&["feeds", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");

    let out = cli.ok(&["feeds", "add", &server.url("/empty.xml"), "--force"]);
    assert!(out.contains("added feed"), "{out}");
    let listed = cli.json(&["feeds", "list", "--json"]);
    assert_eq!(listed[0]["url"], server.url("/empty.xml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_add_on_an_article_page_adds_the_feed_it_names() {
    let server = FeedServer::start().await;
    server.set("/news/harbour-wall", Route::html(ARTICLE));
    server.set("/feeds/main.xml", Route::xml(&two_items()));
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let out = cli.ok(&[
        "feeds",
        "add",
        &server.url("/news/harbour-wall"),
        "--name",
        "chronicle",
    ]);
    assert!(
        out.contains(&format!(
            "is an HTML page; it names the feed {}",
            server.url("/feeds/main.xml")
        )),
        "{out}"
    );
    assert!(out.contains("2 entries"), "{out}");
    let listed = cli.json(&["feeds", "list", "--json"]);
    assert_eq!(listed[0]["url"], server.url("/feeds/main.xml"));
    assert_eq!(listed[0]["name"], "chronicle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reads_a_saved_gzip_page_and_refuses_a_gzip_bomb() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let gz = |bytes: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).expect("gzip");
        enc.finish().expect("gzip")
    };
    let saved = dir.path().join("harbour-wall.html.gz");
    std::fs::write(&saved, gz(ARTICLE.as_bytes())).expect("write");
    let j = cli.json(&[
        "check",
        saved.to_str().expect("path"),
        "--url",
        "https://chronicle.example/news/harbour-wall",
        "--json",
    ]);
    assert!(j["error"].is_null(), "{j}");
    assert_eq!(j["format"], "html");
    assert_eq!(j["page"]["title"], "Council approves harbour wall");
    assert_eq!(j["page"]["paragraphs"].as_array().map(Vec::len), Some(4));

    // 64 MB of spaces in a few kilobytes: stops at http.max_body, never held in full.
    std::fs::write(
        dir.path().join("redline.toml"),
        "[schedule]\njitter = \"0s\"\n[http]\nmax_body = \"1MB\"\n",
    )
    .expect("config");
    let bomb = dir.path().join("feed.xml.gz");
    std::fs::write(&bomb, gz(&vec![b' '; 64 << 20])).expect("write");
    let (stdout, _) = cli.fails(&["check", bomb.to_str().expect("path"), "--json"]);
    let j: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let error = j["error"].as_str().expect("an error");
    assert!(
        error.contains("decompresses to more than http.max_body"),
        "{error}"
    );
}
