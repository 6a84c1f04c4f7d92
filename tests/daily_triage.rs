//! Daily triage through the real binary (see: #12 items 12-14): `diff` shows the change and
//! not the article, and pages only on a terminal; finding articles (`--changed`, `--search`,
//! `log --article`, paging, typed ids); feeds with names, tags and a pause.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::util::{
    FeedServer, Route, redline_command, redline_in, rss, success_stdout, sync_config_feeds,
};

/// Runs the binary from inside a multi-threaded tokio test (the feed server keeps serving).
#[track_caller]
fn run(dir: &Path, args: &[&str]) -> Output {
    tokio::task::block_in_place(|| redline_in(dir, args))
}

#[track_caller]
fn ok(dir: &Path, args: &[&str]) -> String {
    success_stdout(&run(dir, args), args)
}

#[track_caller]
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        !out.status.success(),
        "redline {args:?} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write_config(dir: &Path, feeds: &[(&str, String)]) {
    let mut cfg = String::from("[schedule]\njitter = \"0s\"\n");
    for (name, url) in feeds {
        cfg.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    std::fs::write(dir.join("redline.toml"), cfg).expect("config");
}

/// A nine-sentence council story; `berths` and `cost` are the facts the edits change.
fn harbour_story(berths: &str, cost: &str) -> String {
    format!(
        "The harbour council met on Tuesday evening in the old customs hall. \
         Councillors spent two hours on the spring budget. \
         Fishermen from the north quay attended in numbers. \
         The mayor proposed {berths} new berths for the ferry terminal. \
         The works would cost {cost}, paid from the port levy. \
         A vote is expected at the council's next meeting. \
         Critics on the opposition benches called the plan rushed. \
         The harbour master said dredging would start in autumn. \
         The meeting ended shortly after nine."
    )
}

const STORY_URL: &str = "https://chronicle.example/news/harbour-berths";

fn harbour_feed(title: &str, berths: &str, cost: &str) -> String {
    rss(&[("hc-101", STORY_URL, title, &harbour_story(berths, cost))])
}

/// A database with one article in two versions: `edit` turns the first into the second.
async fn two_versions(
    first: (&str, &str, &str),
    second: (&str, &str, &str),
) -> (FeedServer, tempfile::TempDir) {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &[("chronicle", server.url("/feed.xml"))]);
    ok(dir.path(), &["feeds", "sync"]);
    server.set(
        "/feed.xml",
        Route::xml(&harbour_feed(first.0, first.1, first.2)),
    );
    ok(dir.path(), &["poll"]);
    server.set(
        "/feed.xml",
        Route::xml(&harbour_feed(second.0, second.1, second.2)),
    );
    let polled = ok(dir.path(), &["poll"]);
    assert!(polled.contains("0 new articles, 1 new version"), "{polled}");
    (server, dir)
}

const TITLE: &str = "Council weighs new ferry berths";

// See: #12 item 12. `diff` printed the whole article around a one-number edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_shows_the_edited_sentence_with_one_sentence_of_context() {
    let (_server, dir) =
        two_versions((TITLE, "12", "$4.5 million"), (TITLE, "20", "$4.5 million")).await;
    let d = dir.path();
    let out = ok(d, &["diff", "a1"]);
    assert!(
        out.contains("The mayor proposed [-12-]{+20+} new berths"),
        "{out}"
    );
    // One sentence either side, and a marker for each skipped run.
    assert!(
        out.contains("Fishermen from the north quay attended in numbers."),
        "{out}"
    );
    assert!(out.contains("The works would cost $4.5 million"), "{out}");
    assert!(out.contains("… 2 unchanged sentences\n"), "{out}");
    assert!(out.contains("… 4 unchanged sentences\n"), "{out}");
    assert!(!out.contains("customs hall"), "{out}");
    assert!(!out.contains("ended shortly after nine"), "{out}");

    let none = ok(d, &["diff", "a1", "--context", "0"]);
    assert!(none.contains("[-12-]{+20+}"), "{none}");
    assert!(!none.contains("Fishermen"), "{none}");
    assert!(none.contains("… 3 unchanged sentences\n"), "{none}");
    assert!(none.contains("… 5 unchanged sentences\n"), "{none}");

    let two = ok(
        d,
        &["diff", "a1", "--context", "2", "--format", "sentences"],
    );
    assert!(two.contains("  Councillors spent two hours"), "{two}");
    assert!(two.contains("  A vote is expected"), "{two}");
    assert!(!two.contains("customs hall"), "{two}");

    let full = ok(d, &["diff", "a1", "--full"]);
    assert!(full.contains("customs hall"), "{full}");
    assert!(full.contains("ended shortly after nine"), "{full}");
    assert!(!full.contains('…'), "{full}");

    // The unified format takes the same context.
    let unified = ok(d, &["diff", "a1", "--format", "unified", "--context", "0"]);
    assert!(
        unified.contains("-The mayor proposed 12 new berths"),
        "{unified}"
    );
    assert!(!unified.contains("Fishermen"), "{unified}");
}

// See: #12 item 12. A headline-only change printed the unchanged article under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headline_only_change_shows_just_the_headline() {
    let (_server, dir) = two_versions(
        (TITLE, "12", "$4.5 million"),
        (
            "Council backs plan for new ferry berths",
            "12",
            "$4.5 million",
        ),
    )
    .await;
    let out = ok(dir.path(), &["diff", "a1"]);
    assert!(
        out.contains(
            "title: Council weighs new ferry berths → Council backs plan for new ferry berths"
        ),
        "{out}"
    );
    assert!(
        out.contains("text unchanged (9 sentences; --full shows it)"),
        "{out}"
    );
    assert!(!out.contains("mayor proposed"), "{out}");
    assert!(!out.contains("sentences: 0 edited"), "{out}");
    let full = ok(dir.path(), &["diff", "a1", "--full"]);
    assert!(full.contains("The mayor proposed 12 new berths"), "{full}");
}

/// A fake pager that records what it was given, and the LESS it saw, in `record`.
fn fake_pager(dir: &Path, record: &Path) -> String {
    let script = dir.join("pager.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat > '{r}'\necho \"LESS=$LESS\" >> '{r}'\n",
            r = record.display()
        ),
    )
    .expect("pager script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    script.display().to_string()
}

// See: #12 item 12. Output into a pipe is never paged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_diff_never_goes_through_the_pager() {
    let (_server, dir) =
        two_versions((TITLE, "12", "$4.5 million"), (TITLE, "20", "$4.5 million")).await;
    let d = dir.path();
    let record = d.join("paged.txt");
    let pager = fake_pager(d, &record);
    let out = tokio::task::block_in_place(|| {
        redline_command()
            .args(["--config", d.join("redline.toml").to_str().expect("path")])
            .args(["--db", d.join("redline.db").to_str().expect("path")])
            .args(["diff", "a1"])
            .env("PAGER", &pager)
            .env("NO_COLOR", "1")
            .output()
            .expect("run")
    });
    let text = success_stdout(&out, &["diff", "a1"]);
    assert!(text.contains("[-12-]{+20+}"), "{text}");
    assert!(!record.exists(), "the pager ran on piped output");
}

/// Runs `redline ARGS` with stdout on a pseudo-terminal (util-linux `script`), as a user
/// at a terminal would; returns what reached the terminal.
fn on_terminal(d: &Path, args: &str, pager: &str) -> String {
    let cmd = format!(
        "'{bin}' --config '{cfg}' --db '{db}' {args}",
        bin = env!("CARGO_BIN_EXE_redline"),
        cfg = d.join("redline.toml").display(),
        db = d.join("redline.db").display(),
    );
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("PAGER", pager)
        .env("NO_COLOR", "1")
        .env_remove("LESS")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from util-linux runs the binary on a pseudo-terminal");
    assert!(
        out.status.success(),
        "redline {args} on a terminal failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

// See: #12 item 12. On a terminal the diff goes through $PAGER with LESS=FRX, unless
// --no-pager; a pager that cannot be started falls back to printing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_diff_goes_through_the_pager_unless_told_not_to() {
    let (_server, dir) =
        two_versions((TITLE, "12", "$4.5 million"), (TITLE, "20", "$4.5 million")).await;
    let d = dir.path().to_path_buf();
    let record = d.join("paged.txt");
    let pager = fake_pager(&d, &record);
    tokio::task::block_in_place(|| {
        let screen = on_terminal(&d, "diff a1", &pager);
        let paged = std::fs::read_to_string(&record).expect("the pager ran");
        assert!(paged.contains("[-12-]{+20+}"), "{paged}");
        assert!(paged.ends_with("LESS=FRX\n"), "{paged}");
        assert!(
            !screen.contains("[-12-]{+20+}"),
            "printed as well as paged: {screen}"
        );
        std::fs::remove_file(&record).expect("rm");

        let screen = on_terminal(&d, "diff a1 --no-pager", &pager);
        assert!(screen.contains("[-12-]{+20+}"), "{screen}");
        assert!(!record.exists(), "--no-pager still paged");

        let screen = on_terminal(&d, "diff a1", "/nonexistent/pager -R");
        assert!(screen.contains("[-12-]{+20+}"), "{screen}");
    });
}

// See: #12 item 12. `compare` takes the same context options.
#[test]
fn compare_shows_context_and_full_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.txt");
    let new = dir.path().join("new.txt");
    std::fs::write(
        &old,
        format!("{TITLE}\n\n{}", harbour_story("12", "$4.5 million")),
    )
    .expect("w");
    std::fs::write(
        &new,
        format!("{TITLE}\n\n{}", harbour_story("12", "$6 million")),
    )
    .expect("w");
    let (o, n) = (old.to_str().expect("p"), new.to_str().expect("p"));
    let out = redline_command()
        .args(["compare", o, n])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let text = success_stdout(&out, &["compare"]);
    assert!(text.contains("cost $[-4.5-]{+6+} million"), "{text}");
    assert!(text.contains("The mayor proposed 12 new berths"), "{text}");
    assert!(!text.contains("customs hall"), "{text}");
    assert_eq!(
        text.matches("… 3 unchanged sentences\n").count(),
        2,
        "{text}"
    );
    let full = redline_command()
        .args(["compare", o, n, "--full", "--no-pager"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let full = success_stdout(&full, &["compare", "--full"]);
    assert!(
        full.contains("customs hall") && !full.contains('…'),
        "{full}"
    );
}

/// Three stories in one feed; `round` decides which of them have been edited.
fn three_stories(edit_first: bool, edit_third: bool) -> String {
    rss(&[
        (
            "hc-1",
            "https://chronicle.example/news/dam",
            "Dam inspection finds cracks in spillway",
            if edit_first {
                "Engineers found four cracks in the spillway of the Kelso dam, the water board said. Repairs will cost $2 million."
            } else {
                "Engineers found three cracks in the spillway of the Kelso dam, the water board said. Repairs will cost $2 million."
            },
        ),
        (
            "hc-2",
            "https://chronicle.example/news/library",
            "Library reopens after two-year refit",
            "The central library reopened on Saturday with a new children's wing. Visitors queued from early morning.",
        ),
        (
            "hc-3",
            "https://chronicle.example/news/bogota",
            "Mayor of Bogotá visits the port",
            if edit_third {
                "The visiting mayor said the twin-city agreement would be signed in June, according to officials."
            } else {
                "The visiting mayor said the twin-city agreement would be signed in May."
            },
        ),
    ])
}

async fn three_article_db() -> (FeedServer, tempfile::TempDir) {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), &[("chronicle", server.url("/feed.xml"))]);
    ok(dir.path(), &["feeds", "sync"]);
    server.set("/feed.xml", Route::xml(&three_stories(false, false)));
    ok(dir.path(), &["poll"]);
    // The third story is edited first, the first one a second later: sorting by id, or by
    // when each was last seen (all in every poll), would not put a1 first.
    server.set("/feed.xml", Route::xml(&three_stories(false, true)));
    ok(dir.path(), &["poll"]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server.set("/feed.xml", Route::xml(&three_stories(true, true)));
    ok(dir.path(), &["poll"]);
    (server, dir)
}

// See: #12 item 13. `articles --changed` was sorted by last sighting, without counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_articles_sorted_by_last_edit_with_counts() {
    let (_server, dir) = three_article_db().await;
    let d = dir.path();
    let out = ok(d, &["articles", "--changed"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("ARTICLE")
            && lines[0].contains("CHANGES")
            && lines[0].contains("CLAIMS")
            && lines[0].contains("LAST EDITED"),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "two changed articles: {out}");
    assert!(
        lines[1].trim_start().starts_with("a1 ") && lines[1].contains("Dam inspection"),
        "{out}"
    );
    assert!(
        lines[2].trim_start().starts_with("a3 ") && lines[2].contains("Bogotá"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["articles", "--changed", "--json"])).expect("json");
    let first = &json[0];
    assert_eq!(first["id"], 1);
    assert_eq!(first["versions"], 2);
    assert_eq!(first["changes"], 1);
    assert_eq!(first["claim_changes"], 1, "three → four cracks: {first}");
    assert!(first["last_change_at"].as_str().is_some(), "{first}");
    // RFC 3339 UTC strings of one length sort as the times do.
    assert!(
        json[0]["last_change_at"].as_str() > json[1]["last_change_at"].as_str(),
        "{json}"
    );
}

// See: #12 item 13. There was no way to see one article's history in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_of_one_article() {
    let (_server, dir) = three_article_db().await;
    let d = dir.path();
    let out = ok(d, &["log", "--article", "a3"]);
    assert!(
        out.contains("Bogotá") && !out.contains("Dam inspection"),
        "{out}"
    );
    assert!(out.contains(" a3 "), "{out}");
    assert!(!out.contains('#'), "ids say what they are: {out}");
    let by_number: serde_json::Value =
        serde_json::from_str(&ok(d, &["log", "--article", "3", "--json"])).expect("json");
    assert_eq!(by_number.as_array().map(Vec::len), Some(1), "{by_number}");
    assert_eq!(by_number[0]["article_id"], 3);
    let by_url = ok(
        d,
        &["log", "--article", "https://chronicle.example/news/dam"],
    );
    assert!(
        by_url.contains("Dam inspection") && !by_url.contains("Bogotá"),
        "{by_url}"
    );
    let err = fails(d, &["log", "--article", "a99"]);
    assert!(err.contains("no article `a99`"), "{err}");
}

// See: #12 item 13. Finding an article meant scrolling the listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_the_latest_text_and_takes_any_input() {
    let (_server, dir) = three_article_db().await;
    let d = dir.path();
    let hits = |q: &str| -> Vec<i64> {
        let out = ok(d, &["articles", "--search", q, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|a| a["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(hits("spillway"), vec![1]);
    assert_eq!(hits("Spillway DAM"), vec![1], "all words, any case");
    // "three cracks" became "four cracks", "May" became "June": every version is searched
    // (#13), so the old words still find their article.
    assert_eq!(hits("four cracks"), vec![1]);
    assert_eq!(hits("\"three cracks\""), vec![1]);
    assert_eq!(hits("June"), vec![3]);
    assert_eq!(hits("May"), vec![3]);
    assert_eq!(hits("\"five cracks\""), Vec::<i64>::new());
    // Accents folded; prefixes; titles too.
    assert_eq!(hits("bogota"), vec![3]);
    assert_eq!(hits("refi*"), vec![2]);
    assert_eq!(hits("children's wing"), vec![2]);
    // FTS5 syntax in user text is searched as text, never an error.
    for hostile in [
        "twin-city",
        "say \"no -",
        "NOT library",
        "title:dam",
        "(dam",
        "dam AND",
        "*",
    ] {
        let out = run(d, &["articles", "--search", hostile]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("syntax error") && !err.contains("fts5"),
            "{hostile}: {err}"
        );
        if hostile == "*" {
            assert!(!out.status.success());
            assert!(err.contains("nothing to search for"), "{err}");
        } else {
            assert!(out.status.success(), "{hostile}: {err}");
        }
    }
    assert_eq!(hits("twin-city"), vec![3]);
    let text = ok(d, &["articles", "--search", "library"]);
    assert!(
        text.contains("a2") && text.contains("Library reopens"),
        "{text}"
    );
}

// See: #13. The web UI opens the version a search matched; the CLI listing did not say which
// one it was, so a hit on words the article no longer has looked like a wrong hit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_says_which_version_matched_when_the_text_has_changed_since() {
    let (_server, dir) = three_article_db().await;
    let d = dir.path();
    // "three cracks" is only in a1's first version; "four cracks" is its latest text.
    let old = ok(d, &["articles", "--search", "\"three cracks\""]);
    let row = old
        .lines()
        .find(|l| l.trim_start().starts_with("a1 "))
        .unwrap_or_else(|| panic!("a1 is a hit: {old}"));
    assert!(
        row.contains("Dam inspection") && row.ends_with("matched v1 (text since changed)"),
        "{old}"
    );
    let latest = ok(d, &["articles", "--search", "\"four cracks\""]);
    assert!(
        latest.contains("Dam inspection") && !latest.contains("matched"),
        "a hit on the latest text says nothing extra: {latest}"
    );
    let json = |q: &str| -> serde_json::Value {
        serde_json::from_str(&ok(d, &["articles", "--search", q, "--json"])).expect("json")
    };
    let v = json("\"three cracks\"");
    assert_eq!(
        (&v[0]["id"], &v[0]["matched_seq"]),
        (&1.into(), &1.into()),
        "{v}"
    );
    assert_eq!(v[0]["matched_latest"], false, "{v}");
    let v = json("\"four cracks\"");
    assert_eq!(
        (&v[0]["matched_seq"], &v[0]["versions"]),
        (&2.into(), &2.into()),
        "{v}"
    );
    assert_eq!(v[0]["matched_latest"], true, "{v}");
    // Outside a search nothing matched: both are null.
    let all: serde_json::Value =
        serde_json::from_str(&ok(d, &["articles", "--json"])).expect("json");
    assert!(
        all[0]["matched_seq"].is_null() && all[0]["matched_latest"].is_null(),
        "{all}"
    );
}

// See: #12 item 13. A database from before the search index gets indexed in batches by
// `reprocess` (and `run`, `poll`); until then `--search` says what it is missing.
#[test]
fn older_database_is_backfilled_in_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("redline.db");
    std::fs::write(dir.path().join("redline.toml"), "").expect("config");
    {
        // The schema as redline left it before migration 0009, and 150 articles in it.
        let conn = rusqlite::Connection::open(&db).expect("open");
        for m in [
            include_str!("../src/store/migrations/0001_init.sql"),
            include_str!("../src/store/migrations/0002_outbox.sql"),
            include_str!("../src/store/migrations/0003_delta_bodies.sql"),
            include_str!("../src/store/migrations/0004_config_url.sql"),
            include_str!("../src/store/migrations/0005_refused_extractions.sql"),
            include_str!("../src/store/migrations/0006_simplified_diffs.sql"),
            include_str!("../src/store/migrations/0007_feed_body_at.sql"),
            include_str!("../src/store/migrations/0008_feed_parse_notes.sql"),
        ] {
            conn.execute_batch(m).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 8)
            .expect("version");
        conn.execute(
            "INSERT INTO feeds (url, name, source, created_at) VALUES ('https://chronicle.example/rss', 'chronicle', 'cli', 1)",
            [],
        )
        .expect("feed");
        for i in 1..=150 {
            let body = if i == 137 {
                "The lighthouse keeper retired after forty years on the rock.".to_string()
            } else {
                format!("Tide tables for week {i} were published by the harbour office.")
            };
            conn.execute(
                "INSERT INTO articles (feed_id, guid, url, first_seen, last_seen) VALUES (1, ?1, ?1, 1, 1)",
                [format!("https://chronicle.example/n/{i}")],
            )
            .expect("article");
            conn.execute(
                "INSERT INTO versions (article_id, seq, fetched_at, source, url, title, body_zstd, body_chars, hash, typo_hash) \
                 VALUES (?1, 1, 1, 'feed', 'u', ?2, ?3, ?4, 'h', 'h')",
                rusqlite::params![
                    i,
                    format!("Harbour notice {i}"),
                    redline::store::compress(&body, None).expect("compress"),
                    body.len() as i64
                ],
            )
            .expect("version");
        }
    }
    // Opened by this redline: migration 0009 runs, and leaves the old articles to the backfill.
    redline::store::Store::open(&db).expect("migrate");
    let d = dir.path();
    let before = redline_in(d, &["articles", "--search", "lighthouse", "--json"]);
    assert!(before.status.success());
    assert_eq!(String::from_utf8_lossy(&before.stdout).trim(), "[]");
    let note = String::from_utf8_lossy(&before.stderr);
    assert!(
        note.contains("150 older articles are not in the search index yet"),
        "{note}"
    );
    let re = success_stdout(&redline_in(d, &["reprocess"]), &["reprocess"]);
    assert!(re.contains("indexed 150 articles for search"), "{re}");
    let after = redline_in(d, &["articles", "--search", "lighthouse keeper", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&after.stdout).expect("json");
    assert_eq!(v[0]["id"], 137, "{v}");
    assert!(String::from_utf8_lossy(&after.stderr).is_empty());
    let tides = success_stdout(
        &redline_in(
            d,
            &[
                "articles",
                "--search",
                "tide tables",
                "--limit",
                "500",
                "--json",
            ],
        ),
        &["search"],
    );
    let v: serde_json::Value = serde_json::from_str(&tides).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(149));
    // Done once: a second run indexes nothing.
    let again = success_stdout(&redline_in(d, &["reprocess"]), &["reprocess"]);
    assert!(!again.contains("indexed"), "{again}");
}

// See: #12 item 13. Listings had no paging, and `#3` meant an article in one place and a
// feed in another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_pages_and_ids_say_what_they_are() {
    let (server, dir) = three_article_db().await;
    let d = dir.path();
    let ids_of = |args: &[&str]| -> Vec<i64> {
        let v: serde_json::Value = serde_json::from_str(&ok(d, args)).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|a| a["id"].as_i64().expect("id"))
            .collect()
    };
    // Newest first: all three seen in the same polls, so by id, descending.
    assert_eq!(ids_of(&["articles", "--json"]), vec![3, 2, 1]);
    assert_eq!(ids_of(&["articles", "--json", "--limit", "2"]), vec![3, 2]);
    assert_eq!(
        ids_of(&["articles", "--json", "--limit", "2", "--offset", "2"]),
        vec![1]
    );
    let text = ok(d, &["articles", "--limit", "2"]);
    assert!(text.contains("… more: --offset 2 --limit 2"), "{text}");
    assert!(
        text.lines().next().is_some_and(|h| h.contains("ARTICLE")),
        "{text}"
    );
    assert!(!ok(d, &["articles", "--limit", "3"]).contains("more:"));

    let log_all = ids_of(&["log", "--json"]);
    assert_eq!(log_all.len(), 2);
    assert_eq!(
        ids_of(&["log", "--json", "--limit", "1", "--offset", "1"]),
        vec![log_all[1]]
    );
    let with_claims = ids_of(&["log", "--json", "--claims-only"]);
    assert!(
        !with_claims.is_empty(),
        "three → four cracks is a claim change"
    );
    assert_eq!(
        ids_of(&["log", "--json", "--claims-only", "--offset", "1"]),
        with_claims[1..].to_vec()
    );

    let versions = ok(d, &["versions", "a1", "--offset", "1"]);
    assert!(
        versions.contains("a1v2") && !versions.contains("a1v1"),
        "{versions}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&ok(d, &["versions", "1", "--limit", "1", "--json"])).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["ref"], "a1v1");

    // Versions by their ref, everywhere an article is taken.
    let shown = ok(d, &["show", "a1v1"]);
    assert!(
        shown.contains("three cracks") && shown.contains("(a1v1)"),
        "{shown}"
    );
    assert!(ok(d, &["show", "a1"]).contains("four cracks"));
    let diffed = ok(d, &["diff", "a1v2"]);
    assert!(diffed.contains("article a1 · v1"), "{diffed}");
    let err = fails(d, &["show", "a1v1", "--version", "2"]);
    assert!(
        err.contains("names version 1 but --version says 2"),
        "{err}"
    );

    // Feeds: `f1` is taken wherever a feed is.
    ok(d, &["feeds", "add", "--force", &server.url("/other.xml")]);
    let feeds = ok(d, &["feeds", "list"]);
    assert!(
        feeds
            .lines()
            .any(|h| h.trim_start().starts_with("FEED") && h.contains("TAGS")),
        "{feeds}"
    );
    assert!(
        feeds.contains("   f1  chronicle") && feeds.contains("   f2  -"),
        "{feeds}"
    );
    let page2 = ok(d, &["feeds", "list", "--offset", "1"]);
    assert!(
        page2.contains("f2") && !page2.contains("chronicle"),
        "{page2}"
    );
    let page1 = ok(d, &["feeds", "list", "--limit", "1"]);
    assert!(
        page1.contains("f1") && page1.contains("… more: --offset 1 --limit 1"),
        "{page1}"
    );
    assert_eq!(
        ids_of(&["articles", "--feed", "f1", "--json", "--limit", "1"]),
        vec![3]
    );
    assert_eq!(
        ids_of(&["articles", "--feed", "f2", "--json"]),
        Vec::<i64>::new()
    );
    let log = ok(d, &["log"]);
    assert!(log.contains(" a1 ") && !log.contains('#'), "{log}");
}

// See: #12 item 13: the alert outbox pages too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_deliveries_page() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n\
             [[alert]]\nname = \"edits\"\nsink = \"atom\"\ntrigger = \"edits\"\npath = \"{}\"\n",
            server.url("/feed.xml"),
            d.join("edits.atom").display()
        ),
    )
    .expect("config");
    ok(d, &["feeds", "sync"]);
    server.set("/feed.xml", Route::xml(&three_stories(false, false)));
    ok(d, &["poll"]);
    server.set("/feed.xml", Route::xml(&three_stories(true, true)));
    ok(d, &["poll"]);
    let ids = |args: &[&str]| -> Vec<i64> {
        let v: serde_json::Value = serde_json::from_str(&ok(d, args)).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|a| a["id"].as_i64().expect("id"))
            .collect()
    };
    let all = ids(&["alerts", "list", "--json"]);
    assert_eq!(all.len(), 2, "one delivery per edit: {all:?}");
    assert_eq!(
        ids(&["alerts", "list", "--json", "--limit", "1"]),
        vec![all[0]]
    );
    assert_eq!(
        ids(&["alerts", "list", "--json", "--offset", "1"]),
        vec![all[1]]
    );
}

fn feeds_json(dir: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(dir, &["feeds", "list", "--json"])).expect("json");
    v.as_array().expect("array").clone()
}

// See: #12 item 14. OPML titles were dropped on import: every feed was a bare number.
#[test]
fn opml_titles_become_feed_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("redline.toml"), "").expect("config");
    std::fs::write(
        d.join("subs.opml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My news</title></head><body>
  <outline text="World">
    <outline type="rss" text="HCC World" title="Harbour City Chronicle – World" xmlUrl="https://chronicle.example/world/rss"/>
    <outline type="rss" text="Café Économie" xmlUrl="https://cafe.example/eco.xml"/>
  </outline>
  <outline type="rss" title="Harbour City Chronicle – World" xmlUrl="https://mirror.example/world/rss"/>
  <outline type="rss" title="1843" xmlUrl="https://magazine.example/1843.xml"/>
  <outline type="rss" title="Новости" xmlUrl="https://novosti.example/rss"/>
  <outline type="rss" xmlUrl="https://untitled.example/feed"/>
</body></opml>"#,
    )
    .expect("opml");
    let opml = d.join("subs.opml");
    let out = ok(d, &["feeds", "import", opml.to_str().expect("path")]);
    assert!(out.contains("imported 6 feeds, skipped 0"), "{out}");
    assert!(
        out.contains("added f1 harbour-city-chronicle-world (Harbour City Chronicle – World)"),
        "{out}"
    );
    let names: Vec<(String, Option<String>)> = feeds_json(d)
        .iter()
        .map(|f| {
            (
                f["url"].as_str().expect("url").to_string(),
                f["name"].as_str().map(String::from),
            )
        })
        .collect();
    let name = |url: &str| {
        names
            .iter()
            .find(|(u, _)| u == url)
            .unwrap_or_else(|| panic!("{url} imported: {names:?}"))
            .1
            .clone()
    };
    assert_eq!(
        name("https://chronicle.example/world/rss").as_deref(),
        Some("harbour-city-chronicle-world")
    );
    assert_eq!(
        name("https://cafe.example/eco.xml").as_deref(),
        Some("cafe-economie")
    );
    assert_eq!(
        name("https://mirror.example/world/rss").as_deref(),
        Some("harbour-city-chronicle-world-2")
    );
    assert_eq!(
        name("https://magazine.example/1843.xml").as_deref(),
        Some("feed-1843")
    );
    assert_eq!(name("https://novosti.example/rss"), None);
    assert_eq!(name("https://untitled.example/feed"), None);
    // The names work wherever a feed is named.
    let edited = ok(d, &["feeds", "edit", "cafe-economie", "--tag", "business"]);
    assert!(
        edited.contains("feed f2 cafe-economie") && edited.contains("tags business"),
        "{edited}"
    );
}

// See: #12 item 14. A feed could not be renamed, retimed, switched to full text or tagged
// without removing it, which deleted its history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_edit_changes_the_feed_and_keeps_its_history() {
    let (server, dir) = three_article_db().await;
    let d = dir.path();
    let url = server.url("/desk.xml");
    server.set(
        "/desk.xml",
        Route::xml(&harbour_feed(TITLE, "12", "$4.5 million")),
    );
    ok(d, &["feeds", "add", "--force", &url, "--name", "desk"]);
    ok(d, &["poll", "--feed", "desk"]);
    let before = ok(d, &["articles", "--feed", "desk", "--json"]);
    let out = ok(
        d,
        &[
            "feeds",
            "edit",
            "desk",
            "--name",
            "harbour-desk",
            "--interval",
            "10m",
            "--full-text",
            "on",
            "--tag",
            "local",
            "--tag",
            "ports",
        ],
    );
    assert!(
        out.contains("feed f2 harbour-desk: interval 10m, full text on, active, tags local,ports"),
        "{out}"
    );
    let f = &feeds_json(d)[1];
    assert_eq!(f["id"], 2, "same feed row: {f}");
    assert_eq!(f["ref"], "f2");
    assert_eq!(f["name"], "harbour-desk");
    assert_eq!(f["interval"], "10m");
    assert_eq!(f["full_text"], true);
    assert_eq!(f["tags"], serde_json::json!(["local", "ports"]));
    assert_eq!(f["articles"], 1);
    assert_eq!(f["versions"], 1);
    assert_eq!(
        ok(d, &["articles", "--feed", "harbour-desk", "--json"]),
        before.replace("\"desk\"", "\"harbour-desk\"")
    );
    let listing = ok(d, &["feeds", "list"]);
    assert!(listing.contains("local,ports"), "{listing}");

    ok(
        d,
        &[
            "feeds",
            "edit",
            "f2",
            "--untag",
            "ports",
            "--interval",
            "default",
            "--full-text",
            "off",
        ],
    );
    let f = &feeds_json(d)[1];
    assert_eq!(f["tags"], serde_json::json!(["local"]));
    assert_eq!(f["interval"], "default");
    assert_eq!(f["full_text"], false);

    for (args, why) in [
        (vec!["feeds", "edit", "f2"], "nothing to change"),
        (
            vec!["feeds", "edit", "f2", "--tag", "two words"],
            "tag `two words` must be",
        ),
        (
            vec!["feeds", "edit", "f2", "--name", "2026"],
            "and not only digits",
        ),
        (
            vec!["feeds", "edit", "f2", "--name", "chronicle"],
            "already named `chronicle`",
        ),
        (
            vec!["feeds", "edit", "f2", "--full-text", "maybe"],
            "write on or off",
        ),
        (
            vec!["feeds", "edit", "f2", "--interval", "soon"],
            "--interval",
        ),
        (
            vec!["feeds", "edit", "nowhere", "--pause"],
            "no feed `nowhere`",
        ),
    ] {
        let err = fails(d, &args);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    assert_eq!(
        feeds_json(d)[1]["name"],
        "harbour-desk",
        "a refused edit changes nothing"
    );
}

// See: #12 item 14. There was no way to stop polling a feed without deleting its history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_feed_is_not_polled_until_resumed() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("redline.toml"), "[schedule]\njitter = \"0s\"\n").expect("config");
    server.set(
        "/desk.xml",
        Route::xml(&harbour_feed(TITLE, "12", "$4.5 million")),
    );
    server.set("/wire.xml", Route::xml(&three_stories(false, false)));
    ok(
        d,
        &[
            "feeds",
            "add",
            "--force",
            &server.url("/desk.xml"),
            "--name",
            "desk",
        ],
    );
    ok(
        d,
        &[
            "feeds",
            "add",
            "--force",
            &server.url("/wire.xml"),
            "--name",
            "wire",
        ],
    );
    let out = ok(d, &["feeds", "edit", "desk", "--pause"]);
    assert!(out.contains("paused"), "{out}");
    let polled = ok(d, &["poll"]);
    assert!(polled.contains("polled 1 feed:"), "{polled}");
    assert!(
        server.seen("/desk.xml").is_empty(),
        "a paused feed was fetched"
    );
    assert_eq!(server.seen("/wire.xml").len(), 1);
    let listing = ok(d, &["feeds", "list"]);
    let desk = listing
        .lines()
        .find(|l| l.contains("desk"))
        .expect("desk listed");
    assert!(desk.contains("paused"), "{listing}");
    assert_eq!(feeds_json(d)[0]["paused"], true);
    let status = run(d, &["status"]);
    let status_text = String::from_utf8_lossy(&status.stdout);
    let desk = status_text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("desk"))
        .expect("desk in status");
    assert!(desk.contains("paused"), "{status_text}");
    let err = fails(d, &["poll", "--feed", "desk"]);
    assert!(
        err.contains("feed desk is paused") && err.contains("--resume"),
        "{err}"
    );
    assert!(server.seen("/desk.xml").is_empty());

    ok(d, &["feeds", "edit", "desk", "--resume"]);
    let polled = ok(d, &["poll"]);
    assert!(polled.contains("polled 2 feeds"), "{polled}");
    assert_eq!(server.seen("/desk.xml").len(), 1);
    assert_eq!(feeds_json(d)[0]["articles"], 1);
}

// See: #12 item 14: the daemon's scheduler skips a paused feed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_does_not_poll_a_paused_feed() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_path_buf();
    std::fs::write(d.join("redline.toml"), "[schedule]\njitter = \"0s\"\n").expect("config");
    server.set(
        "/desk.xml",
        Route::xml(&harbour_feed(TITLE, "12", "$4.5 million")),
    );
    server.set("/wire.xml", Route::xml(&three_stories(false, false)));
    ok(
        &d,
        &[
            "feeds",
            "add",
            "--force",
            &server.url("/desk.xml"),
            "--name",
            "desk",
        ],
    );
    ok(
        &d,
        &[
            "feeds",
            "add",
            "--force",
            &server.url("/wire.xml"),
            "--name",
            "wire",
        ],
    );
    ok(&d, &["feeds", "edit", "desk", "--pause"]);
    let mut daemon = redline_command()
        .args(["--config", d.join("redline.toml").to_str().expect("path")])
        .args(["--db", d.join("redline.db").to_str().expect("path")])
        .arg("run")
        .env_remove("NOTIFY_SOCKET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn run");
    let db = d.join("redline.db");
    crate::util::wait_for_async(
        "the unpaused feed's articles",
        Duration::from_secs(20),
        || crate::util::count_in(&db, "SELECT COUNT(*) FROM articles") >= 3,
    )
    .await;
    // Both were due from the start: one scheduler pass would have taken both.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let status = tokio::task::block_in_place(|| daemon.wait()).expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(
        server.seen("/desk.xml").is_empty(),
        "the daemon fetched a paused feed"
    );
    assert_eq!(server.seen("/wire.xml").len(), 1);
}

// See: #12 item 14. For a feed from the config, the config owns name, interval and full
// text (its next sync would undo an edit); pause and tags are the database's and survive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_feed_edits_refuse_config_fields_and_keep_pause_and_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_config(
        d,
        &[("chronicle", "https://chronicle.example/rss".to_string())],
    );
    sync_config_feeds(d);
    let config_file = d.join("redline.toml").display().to_string();
    for args in [
        vec!["feeds", "edit", "chronicle", "--name", "hcc"],
        vec!["feeds", "edit", "chronicle", "--interval", "5m"],
        vec!["feeds", "edit", "chronicle", "--full-text", "on", "--pause"],
    ] {
        let err = fails(d, &args);
        assert!(
            err.contains(&format!("feed chronicle comes from {config_file}"))
                && err.contains("[[feed]]"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        feeds_json(d)[0]["paused"],
        false,
        "a refused edit changes nothing"
    );
    ok(
        d,
        &["feeds", "edit", "chronicle", "--pause", "--tag", "local"],
    );
    sync_config_feeds(d);
    let f = &feeds_json(d)[0];
    assert_eq!(f["name"], "chronicle");
    assert_eq!(f["paused"], true, "a config sync keeps the pause: {f}");
    assert_eq!(f["tags"], serde_json::json!(["local"]));
}
