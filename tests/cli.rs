//! The `redline` binary driven as a user would, against a loopback feed server.

use std::path::Path;
use std::process::Output;

use crate::util::{FeedServer, Route, rss};

/// Runs the binary with a temp config and database.
struct Cli<'a> {
    dir: &'a Path,
}

impl Cli<'_> {
    #[track_caller]
    fn run(&self, args: &[&str]) -> Output {
        crate::util::redline_in(self.dir, args)
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        crate::util::success_stdout(&self.run(args), args)
    }
}

const CONFIG: &str = "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"chronicle\"\nurl = \"URL\"\n";

/// A loopback feed server and a temp dir whose config lists its `/feed.xml` as `chronicle`.
async fn chronicle() -> (FeedServer, tempfile::TempDir) {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        CONFIG.replace("URL", &server.url("/feed.xml")),
    )
    .expect("config");
    (server, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_then_list_articles_versions_and_show() {
    let (server, dir) = chronicle().await;
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
        cli.ok(&["feeds", "sync"]);
        let polled = cli.ok(&["poll"]);
        (dir, polled)
    })
    .await
    .expect("join");
    let (dir, polled) = out;
    assert!(
        polled.contains("1 new article, 1 new version") && !polled.contains("1 new versions"),
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
    cli.ok(&["feeds", "sync"]);
    cli.ok(&[
        "feeds",
        "add",
        "https://ledger.example/atom.xml",
        "--name",
        "ledger",
        "--interval",
        "20m",
        "--full-text",
        // No network in tests: `tests/check.rs` covers the check `feeds add` runs first.
        "--force",
    ]);
    let dup = cli.run(&["feeds", "add", "https://ledger.example/atom.xml", "--force"]);
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
    // A config feed can be removed too; it stays removed (see tests/daily_config.rs).
    let removed = cli.ok(&["feeds", "remove", "chronicle"]);
    assert!(removed.contains("stays removed"), "{removed}");
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

fn fixture_path(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn compare_on_the_shared_fixture_pair_reports_exactly_the_listed_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let v1 = fixture_path("articles/open-models/v1.txt");
    let v2 = fixture_path("articles/open-models/v2.txt");
    let json = cli.ok(&["compare", &v1, &v2, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("compare --format json");
    assert_eq!(doc["schema"], "redline.diff");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["title_changed"], true);
    let got: Vec<(String, Option<String>, Option<String>)> = doc["claim_changes"]
        .as_array()
        .expect("claim_changes array")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_string(),
                c["before"].as_str().map(String::from),
                c["after"].as_str().map(String::from),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_string());
    let want = vec![
        (
            "number_changed".to_string(),
            s("$1 trillion"),
            s("$600 billion"),
        ),
        (
            "number_changed".to_string(),
            s("$6 million"),
            s("$5.6 million"),
        ),
        ("hedge_removed".to_string(), s("less than"), None),
        ("hedge_added".to_string(), None, s("about")),
        ("hedge_removed".to_string(), s("reportedly"), None),
        ("hedge_removed".to_string(), s("may"), s("would")),
    ];
    assert_eq!(got, want, "full output:\n{json}");
    assert_eq!(doc["sentences"]["added"], 1);
    assert_eq!(doc["sentences"]["moved"], 1);

    // Text output: claim changes first, plain when piped (no escape codes).
    let text = cli.ok(&["compare", &v1, &v2]);
    assert!(!text.contains('\u{1b}'), "no colour when piped");
    let claims_at = text.find("claim changes (6)").expect("claims listed");
    let diff_at = text
        .find("[-1 trillion-]{+600 billion+}")
        .expect("word diff");
    assert!(claims_at < diff_at);
    let coloured = cli.ok(&["compare", &v1, &v2, "--color", "always"]);
    assert!(coloured.contains("\u{1b}["), "--color always colours");
}

const PORT_V1: &str = "The port authority said the terminal expansion would cost $410 million and open in 2028.\n\nShipping lines welcomed the plan.";
const PORT_V2: &str = "The port authority said the terminal expansion would cost $460 million and open in 2029.\n\nShipping lines welcomed the plan.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_claims_only_after_two_polls_shows_the_claim_changes_and_export_and_reprocess_work() {
    let (server, dir) = chronicle().await;
    let feed = |body: &str| {
        rss(&[(
            "port-1",
            "https://chronicle.example/news/port",
            "Port expansion delayed",
            body,
        )])
    };
    server.set("/feed.xml", Route::xml(&feed(PORT_V1)));
    let dir = tokio::task::spawn_blocking(move || {
        Cli { dir: dir.path() }.ok(&["feeds", "sync"]);
        Cli { dir: dir.path() }.ok(&["poll"]);
        dir
    })
    .await
    .expect("join");
    server.set("/feed.xml", Route::xml(&feed(PORT_V2)));
    let (dir, log, log_json, kinds, jsonl, csv, diff, reprocess) =
        tokio::task::spawn_blocking(move || {
            let cli = Cli { dir: dir.path() };
            cli.ok(&["poll"]);
            let log = cli.ok(&["log", "--claims-only", "--since", "1d"]);
            let log_json = cli.ok(&["log", "--json"]);
            let kinds = cli.ok(&["log", "--kind", "hedge_added"]);
            let jsonl = cli.ok(&["export", "--format", "jsonl"]);
            let csv = cli.ok(&["export", "--format", "csv"]);
            let diff = cli.ok(&["diff", "1", "--format", "json"]);
            let reprocess = cli.ok(&["reprocess"]);
            (dir, log, log_json, kinds, jsonl, csv, diff, reprocess)
        })
        .await
        .expect("join");
    assert!(
        log.contains("number_changed") && log.contains("$410 million → $460 million"),
        "{log}"
    );
    assert!(log.contains("2028 → 2029"), "{log}");
    assert_eq!(log.lines().count(), 2, "one line per claim change:\n{log}");
    let parsed: serde_json::Value = serde_json::from_str(&log_json).expect("log --json");
    assert_eq!(parsed[0]["claim_changes"].as_array().map(Vec::len), Some(2));
    assert!(kinds.contains("no changes with claim changes"), "{kinds}");
    let records: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(records.iter().filter(|r| r["type"] == "version").count(), 2);
    assert_eq!(records.iter().filter(|r| r["type"] == "change").count(), 1);
    assert!(csv.starts_with("record,article_id"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("claim,")).count(),
        2,
        "{csv}"
    );
    let diff: serde_json::Value = serde_json::from_str(&diff).expect("diff json");
    assert_eq!(diff["claim_changes"][0]["before"], "$410 million");
    assert!(reprocess.contains("recomputed 1 of 1"), "{reprocess}");
    // Reprocessing is deterministic: the log is the same afterwards.
    let again = tokio::task::spawn_blocking(move || {
        let out = Cli { dir: dir.path() }.ok(&["log", "--claims-only", "--since", "1d"]);
        drop(dir);
        out
    })
    .await
    .expect("join");
    assert_eq!(again, log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_failing_feeds_with_a_monitoring_exit_code() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", Route::Status(503, Vec::new()));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        CONFIG.replace("URL", &server.url("/feed.xml")),
    )
    .expect("config");
    let (dir, healthy, unhealthy, json) = tokio::task::spawn_blocking(move || {
        let cli = Cli { dir: dir.path() };
        cli.ok(&["feeds", "sync"]);
        // The feed failed: `poll` says so in its exit code (what cron sees).
        assert_eq!(cli.run(&["poll"]).status.code(), Some(3));
        let healthy = cli.run(&["status"]);
        let unhealthy = cli.run(&["status", "--max-failing", "0s"]);
        let json = cli.run(&["status", "--json"]);
        (dir, healthy, unhealthy, json)
    })
    .await
    .expect("join");
    drop(dir);
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "failing for less than 6h is not yet unhealthy"
    );
    let text = String::from_utf8_lossy(&healthy.stdout);
    assert!(text.contains("503"), "the last error is shown: {text}");
    assert!(text.contains("daemon    never ran"), "{text}");
    assert_eq!(unhealthy.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("status --json");
    assert_eq!(doc["feed_status"][0]["error_streak"], 1);
    assert_eq!(doc["daemon_running"], false);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cli = Cli { dir: dir.path() };
    let bash = cli.ok(&["completions", "bash"]);
    assert!(
        bash.contains("redline") && bash.contains("compare"),
        "bash completion lists commands"
    );
    let zsh = cli.ok(&["completions", "zsh"]);
    assert!(zsh.contains("#compdef redline"));
    let man = cli.ok(&["man"]);
    assert!(
        man.contains(".TH redline"),
        "{}",
        &man[..man.len().min(200)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_delivers_its_alerts_before_exiting_and_alerts_commands_work() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("alert.json");
    let digest_dir = dir.path().join("digest");
    std::fs::create_dir(&digest_dir).expect("mkdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "{}[[alert]]\nname = \"script\"\nsink = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat > \\\"$0\\\"\", \"{}\"]\n\
             [[alert]]\nname = \"hourly\"\nsink = \"exec\"\ndigest = \"1h\"\ncommand = [\"sh\", \"-c\", \"cat > \\\"$0/$(date +%s%N)\\\"\", \"{}\"]\n\
             [[alert]]\nname = \"nothing-here\"\nsink = \"exec\"\nkinds = [\"quote_changed\"]\ncommand = [\"false\"]\n",
            CONFIG.replace("URL", &server.url("/feed.xml")),
            out.display(),
            digest_dir.display()
        ),
    )
    .expect("config");
    let feed = |body: &str| {
        rss(&[(
            "port-1",
            "https://chronicle.example/news/port",
            "Port expansion delayed",
            body,
        )])
    };
    server.set("/feed.xml", Route::xml(&feed(PORT_V1)));
    let dir = tokio::task::spawn_blocking(move || {
        Cli { dir: dir.path() }.ok(&["feeds", "sync"]);
        Cli { dir: dir.path() }.ok(&["poll"]);
        dir
    })
    .await
    .expect("join");
    server.set("/feed.xml", Route::xml(&feed(PORT_V2)));
    let (dir, pending, tested, listed) = tokio::task::spawn_blocking(move || {
        let cli = Cli { dir: dir.path() };
        cli.ok(&["poll"]);
        let pending = cli.ok(&["alerts", "list", "--pending", "--json"]);
        let tested = cli.run(&["alerts", "test", "nothing-here"]);
        let listed = cli.ok(&["alerts", "list"]);
        (dir, pending, tested, listed)
    })
    .await
    .expect("join");
    let payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("exec alert ran during poll"))
            .expect("json");
    assert_eq!(
        payload["data"]["claim_changes"][0]["before"],
        "$410 million"
    );
    // The digest waits for the end of its hour; the kind filter matched nothing.
    let pending: serde_json::Value = serde_json::from_str(&pending).expect("alerts list --json");
    let rows = pending.as_array().expect("array");
    assert_eq!(rows.len(), 1, "{pending}");
    assert_eq!(rows[0]["alert"], "hourly");
    assert_eq!(std::fs::read_dir(&digest_dir).expect("dir").count(), 0);
    // `alerts test` goes through the real sink and reports its failure (`false` exits 1).
    assert_eq!(tested.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&tested.stdout).contains("FAILED"));
    assert!(
        listed.contains("script") && listed.contains("delivered"),
        "{listed}"
    );
    drop(dir);
}

/// A dateline in a bare `<time>` is page furniture: with or without an update line next to
/// it, the body is the same, so adding "Updated 14:05" is no claim change.
#[test]
fn a_bare_time_dateline_is_not_body_text_with_or_without_an_update_line() {
    let page = |furniture: &str| {
        format!(
            "<html><head><title>Ferry fares</title></head><body><article>\
             <h1>Island ferry fares rise in spring</h1>\n\
             <time datetime=\"2026-11-30T08:00:00Z\">30 November 2026</time>{furniture}\n\
             <p>Return fares to the island will rise by 8 per cent from 1 April, the operator said.</p>\n\
             <p>Concession tickets stay at <time datetime=\"2026-04-01\">1 April</time> prices for a year.</p>\
             </article></body></html>"
        )
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (v1, v2) = (dir.path().join("v1.html"), dir.path().join("v2.html"));
    std::fs::write(&v1, page("")).expect("write v1");
    std::fs::write(&v2, page("<p class=\"updated\">Updated 14:05 GMT</p>")).expect("write v2");
    let url = url::Url::parse("https://news.example.com/ferry").expect("url");
    let x1 = redline::extract::extract_article(&page(""), &url).expect("extract v1");
    let x2 = redline::extract::extract_article(
        &page("<p class=\"updated\">Updated 14:05 GMT</p>"),
        &url,
    )
    .expect("extract v2");
    assert_eq!(x1.paragraphs, x2.paragraphs);
    assert!(
        !x1.paragraphs.iter().any(|p| p.contains("30 November")),
        "{:?}",
        x1.paragraphs
    );
    // A <time> inside a sentence is part of it.
    assert!(
        x1.paragraphs
            .iter()
            .any(|p| p.contains("stay at 1 April prices")),
        "{:?}",
        x1.paragraphs
    );
    assert_eq!(x1.update_line, None);
    assert_eq!(x2.update_line.as_deref(), Some("Updated 14:05 GMT"));

    let cli = Cli { dir: dir.path() };
    let (a, b) = (v1.to_string_lossy(), v2.to_string_lossy());
    let json = cli.ok(&["compare", &a, &b, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("compare --format json");
    assert_eq!(doc["claim_changes"], serde_json::json!([]), "{json}");
}

/// A poll that finds nothing new is logged at debug, not info: at scale it is most polls,
/// and one line each would bury (and, under journald's rate limit, drop) the lines that matter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_with_nothing_new_logs_only_at_debug() {
    let (server, dir) = chronicle().await;
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "c-7",
            "https://chronicle.example/news/harbour-dredging",
            "Harbour dredging to start in spring",
            "Dredging of the inner harbour will begin in April, the port authority said.",
        )])),
    );
    let dir = tokio::task::spawn_blocking(move || {
        let stderr_of = |args: &[&str]| {
            let out = crate::util::redline_in(dir.path(), args);
            assert!(out.status.success(), "{args:?}: {out:?}");
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        stderr_of(&["feeds", "sync"]);
        let first = stderr_of(&["poll"]);
        assert!(
            first.contains("polled") && first.contains("new_versions=1"),
            "{first}"
        );
        let second = stderr_of(&["poll"]);
        assert!(
            !second.contains("polled"),
            "a quiet poll logged at info: {second}"
        );
        let verbose = stderr_of(&["-v", "poll"]);
        assert!(verbose.contains("polled, nothing new"), "{verbose}");
        dir
    })
    .await
    .expect("join");
    drop(dir);
}

/// `log` marks a headline's claim change, which would otherwise read exactly like the same
/// figure changed in the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_marks_claim_changes_in_the_headline() {
    let (server, dir) = chronicle().await;
    let feed = |n: &str| {
        rss(&[(
            "storm-3",
            "https://chronicle.example/news/storm-flights",
            &format!("Storm Edda: {n} flights cancelled at Belmont airport"),
            &format!("Airlines cancelled {n} flights at Belmont on Sunday as gusts reached 80mph."),
        )])
    };
    server.set("/feed.xml", Route::xml(&feed("12")));
    let dir = tokio::task::spawn_blocking(move || {
        Cli { dir: dir.path() }.ok(&["feeds", "sync"]);
        Cli { dir: dir.path() }.ok(&["poll"]);
        dir
    })
    .await
    .expect("join");
    server.set("/feed.xml", Route::xml(&feed("31")));
    let log = tokio::task::spawn_blocking(move || {
        let cli = Cli { dir: dir.path() };
        cli.ok(&["poll"]);
        cli.ok(&["log", "--claims-only"])
    })
    .await
    .expect("join");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("number_changed") && l.contains("title: 12 → 31"))
            .count(),
        1,
        "{log}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("number_changed")
                && !l.contains("title:")
                && l.contains(" 12 → 31"))
            .count(),
        1,
        "{log}"
    );
}
