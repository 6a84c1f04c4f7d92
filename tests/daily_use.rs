//! Daily use (#12 items 11, 15, 16): stealth edits as a reader means them, watching one page
//! without a feed, and alerts that stay humane. The real binary against loopback servers, on
//! a real database in a temp dir.

use std::path::Path;

use crate::util::{self, FeedServer, Route, redline_in, success_stdout};

/// The binary from async tests: the server runs on the other worker thread meanwhile.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| redline_in(dir, args));
    success_stdout(&out, args)
}

const MODIFIED_META: &str = "2026-11-03T09:00:00+00:00";

/// An article page as a news site prints it: a byline and, when given, a visible update line
/// above the text, and an `article:modified_time` that this site never bothers to change.
fn page(title: &str, paragraphs: &[&str], update_line: Option<&str>) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    let stamp = update_line
        .map(|u| format!("<p class=\"meta-line\">{u}</p>"))
        .unwrap_or_default();
    format!(
        "<!doctype html><html><head><title>{title}</title>\
         <meta property=\"article:modified_time\" content=\"{MODIFIED_META}\"></head>\
         <body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav></header>\
         <main><article><h1>{title}</h1><p>By Maria Okafor</p>{stamp}\n{body}</article></main>\
         <footer>Harbour City Chronicle</footer></body></html>"
    )
}

const P1: &str = "Harbour authorities closed three ferry terminals on Tuesday morning after a \
    storm surge flooded the quayside and damaged two mooring platforms.";
const P2: &str = "The port director, Helen Marsh, said engineers would inspect the platforms \
    before any sailing resumed, and that passengers should expect delays into the weekend.";
const P3: &str = "About 1,200 travellers were stranded overnight in the terminal buildings, \
    where volunteers handed out blankets and hot drinks until the early hours.";
const P3_EDITED: &str = "About 2,400 travellers were stranded overnight in the terminal \
    buildings, where volunteers handed out blankets and hot drinks until the early hours.";
const P4: &str = "The city council has opened two schools as temporary shelters and said it \
    would publish a list of affected sailings on its website later in the day.";

fn serve_page(server: &FeedServer, html: String, last_modified: &str) {
    server.set(
        "/news/ferry-storm",
        Route::Ok {
            body: html.into_bytes(),
            content_type: "text/html; charset=utf-8",
            etag: None,
            extra: vec![("last-modified", last_modified.to_string())],
        },
    );
}

fn serve_feed(server: &FeedServer) {
    let link = server.url("/news/ferry-storm");
    server.set(
        "/feed.xml",
        Route::xml(&util::rss(&[(
            "ferry-storm-1",
            &link,
            "Storm closes ferry terminals",
            "Three terminals closed after a storm surge.",
        )])),
    );
}

/// Writes the config and applies its feeds, as a user does with `feeds sync` (only `run` and
/// `feeds sync` apply the config).
fn write_config(dir: &Path, body: &str) {
    std::fs::write(dir.join("redline.toml"), body).expect("write config");
    run(dir, &["feeds", "sync"]);
}

fn full_text_config(dir: &Path, server: &FeedServer) {
    write_config(
        dir,
        &format!(
            "[schedule]\njitter = \"0s\"\n\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\nfull_text = true\n",
            server.url("/feed.xml")
        ),
    );
}

/// The change records as `log --json` gives them.
fn log_json(dir: &Path) -> Vec<serde_json::Value> {
    let out = run(dir, &["log", "--json"]);
    serde_json::from_str(&out).expect("log --json is JSON")
}

const LM1: &str = "Tue, 03 Nov 2026 09:00:00 GMT";
const LM2: &str = "Tue, 03 Nov 2026 14:05:00 GMT";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_with_a_new_last_modified_is_not_stealth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_feed(&server);
    full_text_config(dir.path(), &server);
    serve_page(
        &server,
        page("Storm closes ferry terminals", &[P1, P2, P3, P4], None),
        LM1,
    );
    run(dir.path(), &["poll"]);
    // The text changes and the server says so; the page's own meta stamp stays as it was.
    serve_page(
        &server,
        page(
            "Storm closes ferry terminals",
            &[P1, P2, P3_EDITED, P4],
            None,
        ),
        LM2,
    );
    run(dir.path(), &["poll"]);
    let log = log_json(dir.path());
    assert_eq!(log.len(), 1, "{log:?}");
    let change = &log[0];
    assert_eq!(change["stealth"], false, "{change}");
    let seen = change["stealth_evidence"]["seen"]
        .as_array()
        .expect("evidence recorded");
    let lm = seen
        .iter()
        .find(|e| e["kind"] == "http_last_modified")
        .expect("Last-Modified seen");
    assert_eq!(lm["before"], LM1);
    assert_eq!(lm["after"], LM2);
    assert_eq!(lm["changed"], true);
    let meta = seen
        .iter()
        .find(|e| e["kind"] == "modified_meta")
        .expect("meta stamp seen");
    assert_eq!(meta["changed"], false);
    let text = run(dir.path(), &["log"]);
    assert!(
        text.contains("[acknowledged: http_last_modified]"),
        "{text}"
    );
    assert!(!text.contains("[stealth]"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_with_only_a_new_visible_update_line_is_not_stealth_and_the_line_is_not_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_feed(&server);
    full_text_config(dir.path(), &server);
    let title = "Storm closes ferry terminals";
    serve_page(
        &server,
        page(title, &[P1, P2, P3, P4], Some("Updated 9.10am")),
        LM1,
    );
    run(dir.path(), &["poll"]);
    // Only the visible line says the article changed: same Last-Modified, same meta stamp.
    serve_page(
        &server,
        page(title, &[P1, P2, P3_EDITED, P4], Some("Updated 2.05pm")),
        LM1,
    );
    run(dir.path(), &["poll"]);
    let log = log_json(dir.path());
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["stealth"], false, "{}", log[0]);
    assert_eq!(
        log[0]["stealth_evidence"]["seen"]
            .as_array()
            .expect("seen")
            .iter()
            .filter(|e| e["changed"] == true)
            .map(|e| e["kind"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        vec!["update_line"]
    );
    let article = log[0]["article_id"].to_string();
    let diff = run(dir.path(), &["diff", &article, "--color", "never"]);
    // The stamp is not text: it shows only as the notice it is (#11), never in the sentences.
    assert!(
        diff.lines()
            .filter(|l| l.contains("9.10am") || l.contains("2.05pm"))
            .all(|l| l.starts_with("notice added: ") || l.starts_with("notice removed: ")),
        "{diff}"
    );
    assert!(diff.contains("notice added: Updated 2.05pm"), "{diff}");
    assert!(diff.contains("acknowledged: update_line changed"), "{diff}");
    assert!(!diff.contains("STEALTH"), "{diff}");
    let json: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &["diff", &article, "--format", "json"]))
            .expect("diff json");
    assert_eq!(json["stealth_evidence"]["stealth"], false);
    // Furniture is metadata: the stored text has neither the stamp nor the byline.
    let db = dir.path().join("redline.db");
    let conn = rusqlite::Connection::open(&db).expect("db");
    let (line, byline): (Option<String>, Option<String>) = conn
        .query_row(
            "SELECT update_line, byline FROM versions WHERE seq = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("version 2");
    assert_eq!(line.as_deref(), Some("Updated 2.05pm"));
    assert_eq!(byline.as_deref(), Some("Maria Okafor"));
    let shown = run(dir.path(), &["diff", &article, "--format", "unified"]);
    assert!(
        shown
            .lines()
            .filter(|l| l.contains("Updated") || l.contains("By Maria"))
            .all(|l| l.starts_with("notice added: ") || l.starts_with("notice removed: ")),
        "{shown}"
    );

    // A new stamp and nothing else is not a new version at all.
    serve_page(
        &server,
        page(title, &[P1, P2, P3_EDITED, P4], Some("Updated 3.30pm")),
        LM2,
    );
    run(dir.path(), &["poll"]);
    assert_eq!(log_json(dir.path()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_nothing_acknowledges_is_stealth_with_its_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_feed(&server);
    full_text_config(dir.path(), &server);
    let title = "Storm closes ferry terminals";
    serve_page(
        &server,
        page(title, &[P1, P2, P3, P4], Some("Updated 9.10am")),
        LM1,
    );
    run(dir.path(), &["poll"]);
    // The figure changes; every stamp stays as it was.
    serve_page(
        &server,
        page(title, &[P1, P2, P3_EDITED, P4], Some("Updated 9.10am")),
        LM1,
    );
    run(dir.path(), &["poll"]);
    let log = log_json(dir.path());
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["stealth"], true, "{}", log[0]);
    let seen = log[0]["stealth_evidence"]["seen"].as_array().expect("seen");
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        vec!["http_last_modified", "modified_meta", "update_line"]
    );
    assert!(seen.iter().all(|e| e["changed"] == false), "{seen:?}");
    let text = run(dir.path(), &["log"]);
    assert!(text.contains("[stealth]"), "{text}");
    let article = log[0]["article_id"].to_string();
    let diff = run(dir.path(), &["diff", &article, "--color", "never"]);
    assert!(diff.contains("STEALTH"), "{diff}");
    assert!(
        diff.contains("unchanged: http_last_modified, modified_meta, update_line"),
        "{diff}"
    );
}

/// A site with no stamps at all (no meta, no Last-Modified, no update line): its readers are
/// told nothing, so every edit is stealth. The old rule needed an unchanged meta stamp and
/// flagged none of these.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_a_page_without_any_stamp_is_stealth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    serve_feed(&server);
    full_text_config(dir.path(), &server);
    let bare = |paragraphs: &[&str]| {
        page("Storm closes ferry terminals", paragraphs, None).replace(
            &format!("<meta property=\"article:modified_time\" content=\"{MODIFIED_META}\">"),
            "",
        )
    };
    server.set("/news/ferry-storm", Route::html(&bare(&[P1, P2, P3, P4])));
    run(dir.path(), &["poll"]);
    server.set(
        "/news/ferry-storm",
        Route::html(&bare(&[P1, P2, P3_EDITED, P4])),
    );
    run(dir.path(), &["poll"]);
    let log = log_json(dir.path());
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["stealth"], true, "{}", log[0]);
    assert_eq!(log[0]["stealth_evidence"]["seen"], serde_json::json!([]));
    let article = log[0]["article_id"].to_string();
    let diff = run(dir.path(), &["diff", &article, "--color", "never"]);
    assert!(
        diff.contains("no update stamp, Last-Modified or correction notice on either version"),
        "{diff}"
    );
}

// ---------------------------------------------------------------------------------------
// Item 15: watching one page without a feed
// ---------------------------------------------------------------------------------------

/// A webhook receiver on loopback that keeps every body it is sent.
#[derive(Clone, Default)]
struct Hook {
    bodies: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Hook {
    async fn start() -> (String, Hook) {
        async fn receive(
            axum::extract::State(h): axum::extract::State<Hook>,
            body: axum::body::Bytes,
        ) -> axum::http::StatusCode {
            if let Ok(v) = serde_json::from_slice(&body) {
                h.bodies.lock().expect("lock").push(v);
            }
            axum::http::StatusCode::OK
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hook = Hook::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(hook.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}/hook"), hook)
    }

    fn received(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().expect("lock").clone()
    }
}

fn alert_toml(name: &str, url: &str, format: &str, trigger: &str, extra: &str) -> String {
    format!(
        "\n[[alert]]\nname = \"{name}\"\nsink = \"webhook\"\nurl = \"{url}\"\nformat = \"{format}\"\ntrigger = \"{trigger}\"\n{extra}"
    )
}

const DELIVERY: &str = "\n[delivery]\nretry_base = \"1s\"\npoll_timeout = \"10s\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_page_gets_versions_changes_and_alerts_without_a_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    let (hook_url, hook) = Hook::start().await;
    write_config(
        dir.path(),
        &format!(
            "[schedule]\njitter = \"0s\"\n{DELIVERY}{}",
            alert_toml("desk", &hook_url, "json", "edits", "")
        ),
    );
    let title = "Storm closes ferry terminals";
    serve_page(&server, page(title, &[P1, P2, P3, P4], None), LM1);
    let url = server.url("/news/ferry-storm");
    assert!(run(dir.path(), &["watch"]).contains("no watched pages"));
    let out = run(dir.path(), &["watch", &url, "--name", "ferry"]);
    assert!(out.contains("watching ferry"), "{out}");
    let listed = run(dir.path(), &["watch"]);
    assert!(
        listed.contains("ferry") && listed.contains(&url),
        "{listed}"
    );
    let feeds = run(dir.path(), &["feeds", "list"]);
    let line = feeds
        .lines()
        .find(|l| l.contains("ferry"))
        .unwrap_or_else(|| panic!("{feeds}"));
    assert!(line.contains(" page "), "{line}");
    let feeds_json: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &["feeds", "list", "--json"])).expect("json");
    assert_eq!(feeds_json[0]["kind"], "page");

    run(dir.path(), &["poll"]);
    // The page, never the URL read as a feed document: one article, one version, no alert.
    let db = dir.path().join("redline.db");
    assert_eq!(util::count_in(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(util::count_in(&db, "SELECT COUNT(*) FROM versions"), 1);
    assert_eq!(
        util::count_in(
            &db,
            "SELECT COUNT(*) FROM feeds WHERE last_error IS NOT NULL"
        ),
        0
    );
    assert!(hook.received().is_empty());

    serve_page(&server, page(title, &[P1, P2, P3_EDITED, P4], None), LM2);
    run(dir.path(), &["poll"]);
    assert_eq!(util::count_in(&db, "SELECT COUNT(*) FROM versions"), 2);
    let log = log_json(dir.path());
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["feed"], "ferry");
    let claims = log[0]["claim_changes"].as_array().expect("claim_changes");
    assert!(
        claims.iter().any(|c| c["kind"] == "number_changed"),
        "{claims:?}"
    );
    let article = log[0]["article_id"].to_string();
    let diff = run(dir.path(), &["diff", &article, "--color", "never"]);
    assert!(diff.contains("2,400"), "{diff}");
    let sent = hook.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["data"]["feed"]["name"], "ferry");
    assert_eq!(sent[0]["data"]["article"]["url"], url.as_str());
    let watched: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &["watch", "--json"])).expect("json");
    assert_eq!(watched[0]["versions"], 2);

    let out = run(dir.path(), &["feeds", "remove", "ferry"]);
    assert!(out.contains("removed"), "{out}");
    assert!(run(dir.path(), &["watch"]).contains("no watched pages"));
    assert_eq!(util::count_in(&db, "SELECT COUNT(*) FROM versions"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_refuses_private_addresses_feeds_and_pages_without_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    write_config(dir.path(), "[schedule]\njitter = \"0s\"\n");
    serve_page(
        &server,
        page("Storm closes ferry terminals", &[P1, P2, P3, P4], None),
        LM1,
    );
    let url = server.url("/news/ferry-storm");
    // Without the test override the loopback address is refused, as for any feed.
    let out = tokio::task::block_in_place(|| {
        util::redline_command()
            .env_remove(redline::config::ALLOW_PRIVATE_NETWORKS_ENV)
            .args([
                "--config",
                dir.path().join("redline.toml").to_str().expect("p"),
            ])
            .args(["--db", dir.path().join("redline.db").to_str().expect("p")])
            .args(["watch", &url])
            .output()
            .expect("run")
    });
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot watch") && err.contains("127.0.0.1"),
        "{err}"
    );

    serve_feed(&server);
    let out = tokio::task::block_in_place(|| {
        redline_in(dir.path(), &["watch", &server.url("/feed.xml")])
    });
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is a feed") && err.contains("feeds add"),
        "{err}"
    );
    assert!(run(dir.path(), &["watch"]).contains("no watched pages"));
}

// ---------------------------------------------------------------------------------------
// Item 16: humane alerts
// ---------------------------------------------------------------------------------------

/// Five stories of one feed, each with a figure that `n` changes.
fn five_stories(server: &FeedServer, n: u32) {
    let towns = ["Eastbay", "Northfield", "Millbrook", "Harwick", "Stonemere"];
    let items: Vec<(String, String, String, String)> = towns
        .iter()
        .enumerate()
        .map(|(i, town)| {
            (
                format!("flood-{i}"),
                format!("https://chronicle.example/news/flood-{i}"),
                format!("Flooding reaches {town}"),
                format!(
                    "Emergency crews said {} homes in {town} were flooded overnight.\n\nThe river is expected to peak on Thursday.",
                    40 + i as u32 * 10 + n
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    server.set("/feed.xml", Route::xml(&util::rss(&refs)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_alerts_past_max_per_hour_are_folded_into_one_digest_later() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    let (hook_url, hook) = Hook::start().await;
    write_config(
        dir.path(),
        &format!(
            "[schedule]\njitter = \"0s\"\n{DELIVERY}\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n{}",
            server.url("/feed.xml"),
            alert_toml("desk", &hook_url, "slack", "claims", "max_per_hour = 2\n")
        ),
    );
    five_stories(&server, 0);
    run(dir.path(), &["poll"]);
    five_stories(&server, 3);
    run(dir.path(), &["poll"]);
    // Two single messages; the other three wait for the end of the hour.
    let sent = hook.received();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let db = dir.path().join("redline.db");
    assert_eq!(
        util::count_in(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE folded = 1 AND delivered_at IS NULL"
        ),
        3
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let due: i64 = util::count_in(
        &db,
        "SELECT MIN(next_attempt_at) FROM outbox WHERE folded = 1",
    );
    assert!(
        due > now_ms && due <= now_ms + 3_600_000,
        "due {due}, now {now_ms}"
    );
    // The hour passes (the due time moved, as `make_pages_due` moves page checks).
    {
        let conn = rusqlite::Connection::open(&db).expect("db");
        conn.execute("UPDATE outbox SET next_attempt_at = 0 WHERE folded = 1", [])
            .expect("update");
    }
    run(dir.path(), &["poll"]);
    let sent = hook.received();
    assert_eq!(sent.len(), 3, "one digest more: {sent:?}");
    let digest = sent[2]["text"].as_str().expect("slack text");
    assert!(digest.starts_with("*3 changes (desk)*"), "{digest}");
    for town in ["Millbrook", "Harwick", "Stonemere"] {
        assert!(digest.contains(town), "{town} missing: {digest}");
    }
    assert_eq!(
        util::count_in(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL"
        ),
        0
    );
}

#[test]
fn max_per_hour_defaults_by_sink_and_can_be_turned_off() {
    let parse = |alert: &str| {
        redline::config::Config::parse(
            &format!("[[alert]]\nname = \"a\"\n{alert}"),
            Path::new("redline.toml"),
        )
    };
    let limit = |alert: &str| parse(alert).expect("parses").alerts[0].max_per_hour;
    let hook = "sink = \"webhook\"\nurl = \"https://hooks.example/x\"\n";
    assert_eq!(limit(&format!("{hook}format = \"slack\"\n")), Some(20));
    assert_eq!(limit(&format!("{hook}format = \"discord\"\n")), Some(20));
    assert_eq!(limit(&format!("{hook}format = \"json\"\n")), Some(600));
    assert_eq!(
        limit(&format!("{hook}format = \"slack\"\nmax_per_hour = 0\n")),
        None
    );
    assert_eq!(
        limit(&format!("{hook}format = \"slack\"\nmax_per_hour = 5\n")),
        Some(5)
    );
    assert_eq!(limit("sink = \"atom\"\npath = \"/tmp/x.xml\"\n"), None);
    let err = parse("sink = \"atom\"\npath = \"/tmp/x.xml\"\nmax_per_hour = 3\n")
        .expect_err("atom is not limited");
    assert!(err.to_string().contains("max_per_hour"), "{err}");
}

/// A long article whose one figure changes: the chat message has the claim, the changed
/// sentence and the link, and not the unchanged text around it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_messages_are_capped_claims_first_and_never_the_article() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    let (hook_url, hook) = Hook::start().await;
    write_config(
        dir.path(),
        &format!(
            "[schedule]\njitter = \"0s\"\n{DELIVERY}\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n{}{}",
            server.url("/feed.xml"),
            alert_toml("slack", &hook_url, "slack", "claims", ""),
            alert_toml("discord", &hook_url, "discord", "claims", "")
        ),
    );
    let filler: Vec<String> = (0..60)
        .map(|i| {
            format!(
                "Volunteers at relief centre {i} sorted donated clothing and bottled water for families from the low-lying streets."
            )
        })
        .collect();
    let story = |homes: &str| {
        let mut text = format!(
            "Emergency crews said {homes} homes were flooded overnight, @everyone in the valley was told to stay indoors."
        );
        for f in &filler {
            text.push_str("\n\n");
            text.push_str(f);
        }
        util::rss(&[(
            "valley-flood",
            "https://chronicle.example/news/valley-flood",
            "Valley flood forces hundreds from their homes",
            &text,
        )])
    };
    server.set("/feed.xml", Route::xml(&story("140")));
    run(dir.path(), &["poll"]);
    server.set("/feed.xml", Route::xml(&story("310")));
    run(dir.path(), &["poll"]);
    let sent = hook.received();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let slack = sent
        .iter()
        .find_map(|b| b["text"].as_str())
        .expect("slack body");
    let discord_body = sent
        .iter()
        .find(|b| b.get("content").is_some())
        .expect("discord body");
    let discord = discord_body["content"].as_str().expect("content");
    assert_eq!(
        discord_body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    for (m, max) in [(slack, 3_000), (discord, 2_000)] {
        assert!(m.chars().count() <= max, "{} chars", m.chars().count());
        let claim = m.find("number changed").expect("claim shown");
        assert!(
            m[claim..].contains("140") && m[claim..].contains("310"),
            "{m}"
        );
        assert!(
            m.ends_with("Article: https://chronicle.example/news/valley-flood"),
            "{m}"
        );
        // The 60 unchanged paragraphs stay out.
        assert!(!m.contains("relief centre"), "{m}");
    }
}

/// Everything a new feed's first poll sees is new: no alert, even with `trigger = "all"`, even
/// when the database already has feeds whose edits do alert in the same poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_poll_of_a_new_feed_never_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FeedServer::start().await;
    let (hook_url, hook) = Hook::start().await;
    write_config(
        dir.path(),
        &format!(
            "[schedule]\njitter = \"0s\"\n{DELIVERY}\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n{}",
            server.url("/feed.xml"),
            alert_toml("desk", &hook_url, "json", "all", "")
        ),
    );
    five_stories(&server, 0);
    run(dir.path(), &["poll"]);
    assert!(hook.received().is_empty(), "first poll of the config feed");

    // A second, full-text feed added by hand to a database that already has one.
    let link = server.url("/news/ferry-storm");
    server.set(
        "/other.xml",
        Route::xml(&util::rss(&[(
            "ferry-storm-1",
            &link,
            "Storm closes ferry terminals",
            "Three terminals closed after a storm surge.",
        )])),
    );
    serve_page(
        &server,
        page(
            "Storm closes ferry terminals",
            &[P1, P2, P3, P4],
            Some("Updated 9.10am"),
        ),
        LM1,
    );
    let out = run(
        dir.path(),
        &[
            "feeds",
            "add",
            &server.url("/other.xml"),
            "--name",
            "ferries",
            "--full-text",
        ],
    );
    assert!(out.contains("added feed ferries"), "{out}");
    // The old feed has an edit in the same poll as the new feed's first.
    five_stories(&server, 5);
    run(dir.path(), &["poll"]);
    let sent = hook.received();
    assert_eq!(sent.len(), 5, "only the old feed's five edits: {sent:?}");
    assert!(
        sent.iter()
            .all(|b| b["data"]["feed"]["name"] == "chronicle"),
        "{sent:?}"
    );
    let db = dir.path().join("redline.db");
    assert_eq!(
        util::count_in(
            &db,
            "SELECT COUNT(*) FROM versions v JOIN articles a ON a.id = v.article_id \
             JOIN feeds f ON f.id = a.feed_id WHERE f.name = 'ferries'"
        ),
        1
    );
}
