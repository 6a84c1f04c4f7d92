//! Daily fixes from a reviewer's first run: one URL tracked once, ids that say what they are,
//! `poll` failing when feeds fail, and plainer text in the small places. The real binary
//! against loopback servers, on a real database in a temp dir.

use std::path::Path;

use crate::util::{self, FeedServer, Route, redline_in, success_stdout};

/// The binary from async tests: the server runs on the other worker thread meanwhile.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| redline_in(dir, args));
    success_stdout(&out, args)
}

/// A run that must fail; its stderr.
fn fail(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = tokio::task::block_in_place(|| redline_in(dir, args));
    assert!(
        !out.status.success(),
        "redline {args:?} should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const P1: &str = "The city council voted on Thursday to close the Eastbank library for \
    eighteen months while its roof and heating are replaced.";
const P2: &str = "Councillor Ruth Adeyemi said the branch would reopen in a larger building \
    and that a mobile library would visit the district twice a week meanwhile.";
const P3: &str = "The works are expected to cost 4.2 million pounds, most of it from a \
    national grant for public buildings.";
const P3_EDITED: &str = "The works are expected to cost 6.8 million pounds, most of it from a \
    national grant for public buildings.";

fn page(paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html><html><head><title>Eastbank library to close for repairs</title></head>\
         <body><header><nav><a href=\"/\">Home</a></nav></header><main><article>\
         <h1>Eastbank library to close for repairs</h1><p>By Tom Reyes</p>\n{body}\
         </article></main><footer>Riverside Herald</footer></body></html>"
    )
}

const PAGE_PATH: &str = "/news/eastbank-library";

fn serve(server: &FeedServer, paragraphs: &[&str]) {
    server.set(PAGE_PATH, Route::html(&page(paragraphs)));
    server.set(
        "/feed.xml",
        Route::xml(&util::rss(&[(
            "eastbank-library-1",
            &server.url(PAGE_PATH),
            "Eastbank library to close for repairs",
            "The branch closes for eighteen months.",
        )])),
    );
}

/// Writes the config and applies it (only `run` and `feeds sync` apply the config).
fn herald_config(dir: &Path, server: &FeedServer) {
    std::fs::write(
        dir.join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"herald\"\nurl = \"{}\"\nfull_text = true\n",
            server.url("/feed.xml")
        ),
    )
    .expect("write config");
    run(dir, &["feeds", "sync"]);
}

fn articles_json(dir: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str(&run(dir, &["articles", "--json"])).expect("articles --json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watching_a_page_a_feed_tracks_is_refused_with_the_article() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve(&server, &[P1, P2, P3]);
    herald_config(dir.path(), &server);
    run(dir.path(), &["poll"]);
    let listed = articles_json(dir.path());
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0]["id"].as_i64().expect("id");

    let (_, err) = fail(dir.path(), &["watch", &server.url(PAGE_PATH)]);
    assert!(
        err.contains(&format!("already tracked as a{id} in feed herald (f1)")),
        "{err}"
    );
    assert!(run(dir.path(), &["watch"]).contains("no watched pages"));

    // One edit is one log row, not two.
    serve(&server, &[P1, P2, P3_EDITED]);
    run(dir.path(), &["poll"]);
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&run(dir.path(), &["log", "--json"])).expect("log --json");
    assert_eq!(log.len(), 1, "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_entry_for_a_watched_page_makes_no_second_article() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve(&server, &[P1, P2, P3]);
    std::fs::write(
        dir.path().join("redline.toml"),
        "[schedule]\njitter = \"0s\"\n",
    )
    .expect("write config");
    run(
        dir.path(),
        &["watch", &server.url(PAGE_PATH), "--name", "eastbank"],
    );
    run(dir.path(), &["poll"]);
    herald_config(dir.path(), &server);
    run(dir.path(), &["poll"]);
    assert_eq!(articles_json(dir.path()).len(), 1);

    serve(&server, &[P1, P2, P3_EDITED]);
    run(dir.path(), &["poll"]);
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&run(dir.path(), &["log", "--json"])).expect("log --json");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(articles_json(dir.path()).len(), 1);
}

const D1: &str = "The harbour board approved a new ferry timetable on Monday. Sailings to the \
    islands will run every forty minutes from March.";
const D1_EDITED: &str = "The harbour board approved a new ferry timetable on Monday. Sailings to \
    the islands will run every twenty minutes from March.";
const D2: &str = "Bus fares in the city will rise by 5 percent in April, the transport \
    authority said. Season tickets are not affected.";
const D2_EDITED: &str = "Bus fares in the city will rise by 8 percent in April, the transport \
    authority said. Season tickets are not affected.";

/// A feed without full text, two items: their descriptions are the articles.
fn serve_summaries(server: &FeedServer, d1: &str, d2: &str) {
    server.set(
        "/summaries.xml",
        Route::xml(&util::rss(&[
            (
                "ferry-timetable",
                "https://herald.example/news/ferry-timetable",
                "New ferry timetable approved",
                d1,
            ),
            (
                "bus-fares",
                "https://herald.example/news/bus-fares",
                "Bus fares to rise",
                d2,
            ),
        ])),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_listings_print_typed_ids_and_wrong_kinds_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_summaries(&server, D1, D2);
    serve(&server, &[P1, P2, P3]);
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"herald\"\nurl = \"{}\"\n",
            server.url("/summaries.xml")
        ),
    )
    .expect("write config");
    run(dir.path(), &["feeds", "sync"]);
    run(dir.path(), &["poll"]);
    run(
        dir.path(),
        &["watch", &server.url(PAGE_PATH), "--name", "eastbank"],
    );

    // The watched page is feed f2 with article a3: both printed typed, no bare number.
    let listed = run(dir.path(), &["watch"]);
    let row = listed.lines().nth(1).expect("a row");
    assert!(row.starts_with("f2 "), "{listed}");
    assert!(row.contains(" a3 "), "{listed}");

    let status = run(dir.path(), &["status"]);
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("f1 ") && l.contains("herald")),
        "{status}"
    );

    let (_, err) = fail(dir.path(), &["versions", "f1"]);
    assert!(
        err.contains(
            "f1 is a feed, not an article; `redline articles --feed f1` lists its articles"
        ),
        "{err}"
    );
    let (_, err) = fail(dir.path(), &["diff", "f1"]);
    assert!(err.contains("f1 is a feed, not an article"), "{err}");
    let (_, err) = fail(dir.path(), &["log", "--feed", "a1"]);
    assert!(err.contains("a1 is an article, not a feed"), "{err}");
    let (_, err) = fail(dir.path(), &["feeds", "edit", "a1", "--pause"]);
    assert!(err.contains("a1 is an article, not a feed"), "{err}");

    // One version: nothing to compare, said as such.
    let (_, err) = fail(dir.path(), &["diff", "a1"]);
    assert!(err.contains("article a1 has only one version"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_list_names_the_trigger_the_edit_and_held_deliveries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_summaries(&server, D1, D2);
    server.set("/hook", Route::Status(200, vec![]));
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"herald\"\nurl = \"{}\"\n\n\
             [[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"{}\"\ntrigger = \"edits\"\n\
             max_per_hour = 1\n",
            server.url("/summaries.xml"),
            server.url("/hook")
        ),
    )
    .expect("write config");
    run(dir.path(), &["feeds", "sync"]);
    run(dir.path(), &["poll"]);
    serve_summaries(&server, D1_EDITED, D2_EDITED);
    run(dir.path(), &["poll"]);

    let listed = run(dir.path(), &["alerts", "list"]);
    assert!(listed.contains("trigger edits"), "{listed}");
    // Two edits, one message allowed this hour: one sent, one waiting for the digest.
    assert!(listed.contains("held for digest"), "{listed}");
    assert!(listed.contains("delivered"), "{listed}");
    assert!(
        listed.contains(" a1v2 ") && listed.contains(" a2v2 "),
        "{listed}"
    );
    let status = run(dir.path(), &["status"]);
    assert!(
        status.contains("alerts    0 pending, 1 held for digest,"),
        "{status}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &["status", "--json"])).expect("status json");
    assert_eq!(
        json["alerts_pending"], 1,
        "held rows still count as pending: {json}"
    );
    assert_eq!(json["alerts_held_for_digest"], 1, "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_exits_3_when_a_feed_fails_and_says_why_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_summaries(&server, D1, D2);
    // A loopback port nothing listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}/feed.xml", closed.local_addr().expect("addr"));
    drop(closed);
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"herald\"\nurl = \"{}\"\n\n\
             [[feed]]\nname = \"gone\"\nurl = \"{dead}\"\n",
            server.url("/summaries.xml")
        ),
    )
    .expect("write config");
    run(dir.path(), &["feeds", "sync"]);

    let out = tokio::task::block_in_place(|| redline_in(dir.path(), &["poll"]));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("gone "))
        .expect("a line for the dead feed");
    assert!(
        line.contains(&format!(
            "error: {dead}: tcp connect error: Connection refused"
        )),
        "{line}"
    );
    for wrapper in ["error sending request", "client error", "request failed"] {
        assert!(!line.contains(wrapper), "{line}");
    }
    // The healthy feed's work is stored all the same.
    assert_eq!(articles_json(dir.path()).len(), 2);

    // Only the healthy feed: nothing failed, exit 0.
    run(dir.path(), &["poll", "--feed", "herald"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_texts_say_what_is_the_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_summaries(&server, D1, D2);

    // A new database: one line about its schema, not one per migration.
    std::fs::write(
        dir.path().join("redline.toml"),
        "[schedule]\njitter = \"0s\"\n",
    )
    .expect("write config");
    let out = tokio::task::block_in_place(|| redline_in(dir.path(), &["articles"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("applied database migration"), "{stderr}");
    assert!(
        stderr.matches("database schema brought up to date").count() <= 1,
        "{stderr}"
    );

    // Feeds in the config that were never synced are not "no feeds: add [[feed]] entries".
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"herald\"\nurl = \"{}\"\n",
            server.url("/summaries.xml")
        ),
    )
    .expect("write config");
    let listed = run(dir.path(), &["feeds", "list"]);
    assert!(listed.contains("lists 1 feeds, not synced"), "{listed}");
    assert!(!listed.contains("add [[feed]] entries"), "{listed}");

    run(dir.path(), &["feeds", "sync"]);
    let edited = run(dir.path(), &["feeds", "edit", "herald", "--tag", "local"]);
    assert!(edited.contains(", active"), "{edited}");
    assert!(run(dir.path(), &["feeds", "list"]).contains(" active "));

    // No config file anywhere: the hint must not advise a sync that deactivates every feed.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let bare = |args: &[&str]| {
        tokio::task::block_in_place(|| {
            util::redline_command()
                .args([
                    "--db",
                    dir.path().join("redline.db").to_str().expect("path"),
                ])
                .args(args)
                .current_dir(&home)
                .env_remove("REDLINE_CONFIG")
                .env_remove("REDLINE_DB")
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("NO_COLOR", "1")
                .output()
                .expect("run redline")
        })
    };
    let out = bare(&["feeds", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("no config file found"), "{stderr}");
    assert!(
        stderr.contains(&home.join("config/redline.toml").display().to_string()),
        "{stderr}"
    );
    assert!(!stderr.contains("feeds sync"), "{stderr}");
    let out = bare(&["status"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("feeds sync"), "{stdout}");
    assert!(stdout.contains("pass --config FILE"), "{stdout}");
}

/// A config file that does not exist is named once, with the OS's reason once.
#[test]
fn a_missing_config_file_says_why_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such.toml");
    let out = util::redline_command()
        .args(["--config", missing.to_str().expect("path")])
        .args(["--db", dir.path().join("r.db").to_str().expect("path")])
        .args(["feeds", "list"])
        .output()
        .expect("run redline");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read config"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "the reason is printed once: {stderr}"
    );
}

/// `compare` on two local files does not call an edit stealth: files carry no HTTP or feed
/// stamps, so it says only what the files show.
#[test]
fn compare_of_local_files_does_not_claim_stealth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.txt");
    let new = dir.path().join("new.txt");
    std::fs::write(
        &old,
        "Ferry fares rise\n\nThe operator said fares would rise by 4% from March, citing fuel costs.\n",
    )
    .expect("write");
    std::fs::write(
        &new,
        "Ferry fares rise\n\nThe operator said fares would rise by 7% from March, citing fuel costs.\n",
    )
    .expect("write");
    let out = util::redline_command()
        .args([
            "compare",
            old.to_str().expect("p"),
            new.to_str().expect("p"),
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run redline");
    let stdout = success_stdout(&out, &["compare"]);
    assert!(stdout.contains("4%") && stdout.contains("7%"), "{stdout}");
    assert!(!stdout.contains("STEALTH"), "{stdout}");
    assert!(stdout.contains("unacknowledged in these files"), "{stdout}");
}

/// `diff` and `compare` take `--json` like every other command: the `redline.diff` document.
#[test]
fn compare_takes_json_like_every_other_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.txt");
    let new = dir.path().join("new.txt");
    std::fs::write(
        &old,
        "Bridge repairs delayed\n\nThe council said repairs would cost £2.1 million and finish in May.\n",
    )
    .expect("write");
    std::fs::write(
        &new,
        "Bridge repairs delayed\n\nThe council said repairs would cost £2.9 million and finish in July.\n",
    )
    .expect("write");
    let compare = |extra: &[&str]| {
        let out = util::redline_command()
            .args([
                "compare",
                old.to_str().expect("p"),
                new.to_str().expect("p"),
            ])
            .args(extra)
            .output()
            .expect("run redline");
        let text = success_stdout(&out, extra);
        serde_json::from_str::<serde_json::Value>(&text).expect("compare prints JSON")
    };
    let json = compare(&["--json"]);
    assert_eq!(json, compare(&["--format", "json"]));
    assert_eq!(json["schema"], "redline.diff", "{json}");
    assert!(
        json["claim_changes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["kind"] == "number_changed")),
        "{json}"
    );
    let both = util::redline_command()
        .args([
            "compare",
            old.to_str().expect("p"),
            new.to_str().expect("p"),
        ])
        .args(["--json", "--format", "sentences"])
        .output()
        .expect("run redline");
    assert!(
        !both.status.success(),
        "--json and another --format conflict"
    );
}
