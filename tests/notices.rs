//! Notices and silent edits (#11, CLAIMS.md version 2 "Notices, and silent edits"), and page
//! furniture (update stamps, bylines, credit lines) that must never be a claim change: through
//! `compare` on text files, a poll of a loopback article page, and a feed whose entries change.

use std::path::Path;

use redline::config::{SinkConfig, Trigger};
use serde_json::Value;

use crate::util::{FeedServer, Route, TestEnv, redline_in, rss, success_stdout};

fn compare_json(dir: &Path, v1: &str, v2: &str) -> Value {
    let (a, b) = (dir.join("v1.txt"), dir.join("v2.txt"));
    std::fs::write(&a, v1).expect("write v1");
    std::fs::write(&b, v2).expect("write v2");
    let args = [
        "compare",
        a.to_str().expect("path"),
        b.to_str().expect("path"),
        "--json",
    ];
    let out = success_stdout(&redline_in(dir, &args), &args);
    serde_json::from_str(&out).expect("compare --json")
}

const TITLE: &str = "Harbour bridge to close for repairs";
const BODY: &str = "The Elm Street bridge will close for six weeks of repairs from Monday, \
                    the city engineer said on Friday.\n\n\
                    Traffic will be diverted over the Mill Road crossing, which the council \
                    said could add 20 minutes to commutes.";

#[test]
fn an_update_stamp_a_byline_or_a_credit_line_is_no_claim_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = format!("{TITLE}\n\n{BODY}\n");
    for (what, v2) in [
        (
            "update stamp",
            format!("{TITLE}\n\nUpdated 14:05 GMT, 3 November 2026\n\n{BODY}\n"),
        ),
        (
            "published and updated stamp",
            format!("{TITLE}\n\nPublished 09:00 GMT | Updated 14:05 GMT\n\n{BODY}\n"),
        ),
        ("byline", format!("{TITLE}\n\nBy Jane Doe\n\n{BODY}\n")),
        (
            "credit line",
            format!("{TITLE}\n\n{BODY}\n\nAdditional reporting by Tom Reyes in Lagos.\n"),
        ),
        (
            "reporting credit",
            format!("{TITLE}\n\n{BODY}\n\nReporting by Ana Silva; Editing by Li Wei\n"),
        ),
    ] {
        let doc = compare_json(dir.path(), &v1, &v2);
        assert_eq!(doc["claim_changes"], Value::Array(vec![]), "{what}: {doc}");
        assert_eq!(doc["sentences"]["added"], 0, "{what}: {doc}");
        assert_eq!(doc["silent"], false, "{what}");
    }
    // The update stamp is kept as metadata, and it is the publisher saying the text changed.
    let doc = compare_json(
        dir.path(),
        &v1,
        &format!("{TITLE}\n\nUpdated 14:05 GMT\n\n{BODY}\n"),
    );
    assert_eq!(
        doc["notices"],
        serde_json::json!([{"change": "added", "text": "Updated 14:05 GMT"}])
    );
}

#[test]
fn compare_json_carries_title_changed_claim_changes_notices_and_silent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = format!("{TITLE}\n\n{BODY}\n");
    let silent = compare_json(
        dir.path(),
        &v1,
        &format!("{TITLE}\n\n{}\n", BODY.replace("six", "eight")),
    );
    assert_eq!(silent["schema"], "redline.diff");
    assert_eq!(silent["minor"], 3);
    assert_eq!(silent["title_changed"], false);
    assert_eq!(silent["claim_changes"][0]["kind"], "number_changed");
    assert_eq!(silent["notices"], Value::Array(vec![]));
    assert_eq!(silent["silent"], true);

    let corrected = format!(
        "{TITLE}\n\n{}\n\nCorrection: an earlier version of this article said the bridge would \
         close for six weeks. The city engineer said eight.\n",
        BODY.replace("six", "eight")
    );
    let doc = compare_json(dir.path(), &v1, &corrected);
    let kinds: Vec<&str> = doc["claim_changes"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["number_changed"],
        "the notice is no claim_added: {doc}"
    );
    assert_eq!(doc["notices"][0]["change"], "added");
    assert!(
        doc["notices"][0]["text"].as_str().is_some_and(|t| t
            .starts_with("Correction: an earlier version")
            && t.ends_with("said eight.")),
        "{doc}"
    );
    assert_eq!(doc["silent"], false);

    // The text rendering says both.
    let (a, b) = (dir.path().join("v1.txt"), dir.path().join("v2.txt"));
    std::fs::write(&b, format!("{TITLE}\n\n{}\n", BODY.replace("six", "eight"))).expect("v2");
    let args = ["compare", a.to_str().expect("p"), b.to_str().expect("p")];
    let text = success_stdout(&redline_in(dir.path(), &args), &args);
    assert!(text.contains("SILENT: claims changed"), "{text}");
    std::fs::write(&b, &corrected).expect("v2");
    let text = success_stdout(&redline_in(dir.path(), &args), &args);
    assert!(
        text.contains("notice added: Correction: an earlier version"),
        "{text}"
    );
    assert!(!text.contains("SILENT"), "{text}");
}

fn page(extra_head: &str, extra_tail: &str) -> String {
    format!(
        "<html><head><title>Bridge closed</title></head><body><article><h1>Harbour bridge to close</h1>\
         {extra_head}\
         <p>The Elm Street bridge will close for six weeks of repairs from Monday, the city engineer said on Friday afternoon.</p>\
         <p>Traffic will be diverted over the Mill Road crossing, which the council said could add 20 minutes to commutes.</p>\
         <p>Cyclists and pedestrians will be able to use a temporary walkway on the north side of the bridge throughout the works.</p>\
         {extra_tail}</article></body></html>"
    )
}

#[tokio::test]
async fn a_page_that_gains_furniture_gives_no_claim_change() {
    let server = FeedServer::start().await;
    let link = server.url("/news/bridge");
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "bridge-1",
            &link,
            "Bridge closed",
            "The bridge will close.",
        )])),
    );
    server.set("/news/bridge", Route::html(&page("", "")));
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), true);
    env.poll("chronicle").await;
    assert_eq!(env.count("SELECT COUNT(*) FROM versions"), 1);
    server.set(
        "/news/bridge",
        Route::html(&page(
            "<p>By Jane Doe</p><p>Updated 14:05 GMT, 3 November 2026</p>",
            "<p>Additional reporting by Tom Reyes in Lagos.</p>",
        )),
    );
    env.make_pages_due();
    env.poll("chronicle").await;
    assert_eq!(
        env.count("SELECT COUNT(*) FROM claim_changes"),
        0,
        "furniture is not a claim"
    );
    // The body stayed the same: a new version, if any, changed only its byline.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE instr(fields, 'body') > 0"),
        0
    );
}

fn feed_with(bridge: &str, ferry: &str) -> String {
    rss(&[
        (
            "bridge-1",
            "https://chronicle.example/news/bridge",
            "Bridge to close",
            bridge,
        ),
        (
            "ferry-1",
            "https://chronicle.example/news/ferry",
            "Ferry delays",
            ferry,
        ),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_a_notice_and_an_unacknowledged_figure_change_is_silent() {
    let server = FeedServer::start().await;
    let bridge = "The Elm Street bridge will close for six weeks, the city engineer said.";
    let ferry = "Ferries to the islands were delayed by 40 minutes on Tuesday, the operator said.";
    server.set("/feed.xml", Route::xml(&feed_with(bridge, ferry)));
    let mut env = TestEnv::new();
    env.config.alerts.push(crate::util::alert_config(
        "silent-desk",
        SinkConfig::Atom {
            path: env.dir.path().join("silent.xml"),
            max_entries: 10,
        },
        Trigger::Claims,
    ));
    env.config.alerts[0].silent_only = true;
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    // The bridge story gains a correction with its figure; the ferry story's figure changes
    // with nothing said.
    let bridge2 = "<p>The Elm Street bridge will close for eight weeks, the city engineer said.</p>\
                   <p>Correction: an earlier version of this article said the bridge would close \
                   for six weeks.</p>";
    let ferry2 = "Ferries to the islands were delayed by 90 minutes on Tuesday, the operator said.";
    server.set("/feed.xml", Route::xml(&feed_with(bridge2, ferry2)));
    env.poll("chronicle").await;
    let silent_of = |url_part: &str| {
        env.count(&format!(
            "SELECT COALESCE(c.silent, -1) FROM changes c JOIN articles a ON a.id = c.article_id \
             WHERE a.url LIKE '%{url_part}%'"
        ))
    };
    assert_eq!(silent_of("bridge"), 0, "acknowledged by its correction");
    assert_eq!(
        silent_of("ferry"),
        1,
        "a figure changed and nothing said so"
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM claim_changes WHERE kind = 'claim_added' \
             AND after_sentence LIKE 'Correction:%'"
        ),
        0,
        "a notice is never also a claim_added"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM changes WHERE notices LIKE '%\"added\"%Correction:%'"),
        1
    );
    // silent_only: only the ferry edit reached the outbox.
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox"), 1);
    let payload: String = env
        .store
        .read(|c| Ok(c.query_row("SELECT payload FROM outbox", [], |r| r.get(0))?))
        .expect("payload");
    let doc: Value = serde_json::from_str(&payload).expect("payload json");
    assert_eq!(doc["minor"], 3);
    assert_eq!(doc["data"]["silent"], true);
    assert_eq!(doc["data"]["notices"], Value::Array(vec![]));
    assert!(
        doc["data"]["article"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/news/ferry"))
    );
    // The Atom sink says so in the entry title and text.
    let data = redline::alert::payload::parse_change(&payload).expect("stored payload");
    let xml = redline::alert::atom::render("silent-desk", &[data]);
    assert!(xml.contains("[silent] Ferry delays</title>"), "{xml}");
    assert!(xml.contains("SILENT: claims changed"), "{xml}");

    // `log --silent` lists only the ferry edit; `log --json` carries notices and silent.
    let dir = env.dir.path().to_path_buf();
    std::fs::write(dir.join("redline.toml"), "").expect("config");
    let (silent_log, json_log, csv) = tokio::task::spawn_blocking(move || {
        let a = ["log", "--silent"];
        let b = ["log", "--json"];
        let c = ["export", "--format", "csv"];
        (
            success_stdout(&redline_in(&dir, &a), &a),
            success_stdout(&redline_in(&dir, &b), &b),
            success_stdout(&redline_in(&dir, &c), &c),
        )
    })
    .await
    .expect("join");
    assert!(silent_log.contains("[silent]"), "{silent_log}");
    assert!(silent_log.contains("Ferry delays"), "{silent_log}");
    assert!(!silent_log.contains("Bridge to close"), "{silent_log}");
    let rows: Value = serde_json::from_str(&json_log).expect("log json");
    let rows = rows.as_array().expect("array");
    let bridge_row = rows
        .iter()
        .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with("/bridge")))
        .expect("bridge change");
    assert_eq!(bridge_row["silent"], false);
    assert_eq!(bridge_row["notices"][0]["change"], "added");
    // Export: a `silent` column, and the notice as a record of its own.
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.ends_with(",body,silent")),
        "{csv}"
    );
    assert!(
        csv.lines().any(|l| l.starts_with("notice,")
            && l.contains(",added,")
            && l.contains("Correction: an earlier version")),
        "{csv}"
    );
}

/// Rows recorded before migration 0014 carry no notices and no silent flag: unknown, shown
/// as null, left out of `log --silent`, and filled in by `reprocess`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_from_before_notices_are_unknown_until_reprocess() {
    let server = FeedServer::start().await;
    let ferry = |minutes: u32| {
        format!(
            "Ferries to the islands were delayed by {minutes} minutes on Tuesday, the operator said."
        )
    };
    server.set(
        "/feed.xml",
        Route::xml(&feed_with("The bridge is open.", &ferry(40))),
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set(
        "/feed.xml",
        Route::xml(&feed_with("The bridge is open.", &ferry(90))),
    );
    env.poll("chronicle").await;
    crate::util::exec_sql(
        &env.db_path(),
        "UPDATE changes SET notices = NULL, silent = NULL",
    );
    let dir = env.dir.path().to_path_buf();
    std::fs::write(dir.join("redline.toml"), "").expect("config");
    let run = move |args: &'static [&'static str]| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || success_stdout(&redline_in(&dir, args), args))
    };
    let json: Value =
        serde_json::from_str(&run(&["log", "--json"]).await.expect("join")).expect("log json");
    assert_eq!(json[0]["notices"], Value::Null);
    assert_eq!(json[0]["silent"], Value::Null);
    let silent = run(&["log", "--silent"]).await.expect("join");
    assert!(silent.contains("no silent changes"), "{silent}");
    run(&["reprocess"]).await.expect("join");
    let json: Value =
        serde_json::from_str(&run(&["log", "--json"]).await.expect("join")).expect("log json");
    assert_eq!(json[0]["notices"], Value::Array(vec![]));
    assert_eq!(json[0]["silent"], true);
}
