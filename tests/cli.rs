//! The `redline` binary driven as a user would, against a loopback feed server.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{FeedServer, Route, rss};

/// Runs the binary with a temp config and database.
struct Cli<'a> {
    dir: &'a Path,
}

impl Cli<'_> {
    #[track_caller]
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_redline"))
            .args([
                "--config",
                self.dir.join("redline.toml").to_str().expect("path"),
            ])
            .args(["--db", self.dir.join("redline.db").to_str().expect("path")])
            .args(args)
            .env_remove("REDLINE_CONFIG")
            .env_remove("REDLINE_DB")
            .env("NO_COLOR", "1")
            .output()
            .expect("run redline")
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "redline {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }
}

const CONFIG: &str = "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"chronicle\"\nurl = \"URL\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_then_list_articles_versions_and_show() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        CONFIG.replace("URL", &server.url("/feed.xml")),
    )
    .expect("config");
    // A hostile title with terminal escape sequences.
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "c-1",
            "https://chronicle.example/news/dam",
            "Dam inspection finds \u{1b}[31mcracks\u{1b}]0;owned\u{7} in spillway",
            "Engineers found three cracks in the spillway, the water board said.",
        )])),
    );
    let out = tokio::task::spawn_blocking(move || {
        let cli = Cli { dir: dir.path() };
        let polled = cli.ok(&["poll"]);
        (dir, polled)
    })
    .await
    .expect("join");
    let (dir, polled) = out;
    assert!(
        polled.contains("1 new articles, 1 new versions"),
        "{polled}"
    );

    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "c-1",
            "https://chronicle.example/news/dam",
            "Dam inspection finds cracks in spillway",
            "Engineers found four cracks in the spillway, the water board said.",
        )])),
    );
    let (dir, listing, versions, shown, json, feeds) = tokio::task::spawn_blocking(move || {
        let cli = Cli { dir: dir.path() };
        cli.ok(&["poll", "--feed", "chronicle"]);
        let listing = cli.ok(&["articles", "--changed"]);
        let versions = cli.ok(&["versions", "1"]);
        let shown = cli.ok(&[
            "show",
            "https://chronicle.example/news/dam",
            "--version",
            "1",
        ]);
        let json = cli.ok(&["versions", "1", "--json"]);
        let feeds = cli.ok(&["feeds", "list", "--json"]);
        (dir, listing, versions, shown, json, feeds)
    })
    .await
    .expect("join");
    assert!(
        listing.contains("Dam inspection finds cracks in spillway"),
        "{listing}"
    );
    assert!(
        versions.contains("v1") && versions.contains("v2"),
        "{versions}"
    );
    assert!(shown.contains("three cracks"), "{shown}");
    assert!(
        !shown.contains('\u{1b}'),
        "escape sequences stripped: {shown:?}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("versions --json is JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(2));
    let feeds: serde_json::Value = serde_json::from_str(&feeds).expect("feeds --json");
    assert_eq!(feeds[0]["name"], "chronicle");
    assert_eq!(feeds[0]["source"], "config");
    assert_eq!(feeds[0]["versions"], 2);
    drop(dir);
}

#[test]
fn feeds_add_list_remove_and_opml_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        CONFIG.replace("URL", "https://chronicle.example/rss"),
    )
    .expect("config");
    let cli = Cli { dir: dir.path() };
    cli.ok(&[
        "feeds",
        "add",
        "https://ledger.example/atom.xml",
        "--name",
        "ledger",
        "--interval",
        "20m",
        "--full-text",
    ]);
    let dup = cli.run(&["feeds", "add", "https://ledger.example/atom.xml"]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already watched"));
    let listing = cli.ok(&["feeds", "list"]);
    assert!(
        listing.contains("chronicle") && listing.contains("config"),
        "{listing}"
    );
    assert!(
        listing.contains("ledger") && listing.contains("cli"),
        "{listing}"
    );

    let opml = cli.ok(&["feeds", "export"]);
    assert!(
        opml.contains("xmlUrl=\"https://ledger.example/atom.xml\""),
        "{opml}"
    );
    let refused = cli.run(&["feeds", "remove", "chronicle"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("config file"));
    cli.ok(&["feeds", "remove", "ledger"]);

    let import = dir.path().join("subs.opml");
    std::fs::write(
        &import,
        r#"<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
<outline text="News"><outline text="Valley Dispatch" type="rss" xmlUrl="https://dispatch.example/feed.json"/>
<outline text="Ledger" type="rss" xmlUrl="https://ledger.example/atom.xml"/></outline></body></opml>"#,
    )
    .expect("opml");
    let out = cli.ok(&["feeds", "import", import.to_str().expect("path")]);
    assert!(out.contains("imported 2 feeds"), "{out}");
}

#[test]
fn bad_config_names_the_key_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        "[http]\ntimeout = \"soon\"\n",
    )
    .expect("config");
    let out = Cli { dir: dir.path() }.run(&["feeds", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http.timeout"), "{err}");
}
