//! The private-network guard (#10 item 1) with the guard ON, as users run redline: feeds,
//! article pages, redirects and webhooks that point at loopback, link-local or other internal
//! addresses are refused with the rule named, and nothing is fetched from them. The test
//! servers are on 127.0.0.1, so `http://localhost:PORT/` (resolved through /etc/hosts) plays a
//! name whose DNS answer points inside, and `allow_hosts = ["localhost"]` plays an allowed
//! public-looking host, while 127.0.0.1-literal links stay refused.

use redline::alert::dispatch::Dispatcher;
use redline::config::{AlertConfig, HttpConfig, Trigger};

use crate::util::{FeedServer, Route, TestEnv, rss};

const HINT: &str = "set http.allow_private_networks or http.allow_hosts to allow it";

/// A test env with the guard as shipped: on, nothing allowed.
fn guarded_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.config.http.allow_private_networks = false;
    env.config.http.allow_hosts.clear();
    env
}

fn via_localhost(server: &FeedServer, path: &str) -> String {
    format!("http://localhost:{}{path}", server.addr.port())
}

fn article_html(headline: &str, body: &str) -> String {
    format!(
        "<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>\
         <p>{body}</p><p>Officials said the review would take several weeks, and that the \
         findings would be published in full once the board had seen them.</p>\
         <p>Residents who spoke at Tuesday's meeting asked for the report to include the \
         costs of each option considered.</p></article></body></html>"
    )
}

// See: #10
#[tokio::test]
async fn feed_on_loopback_is_refused_with_the_rule_named() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "g1",
            "https://chronicle.example/a",
            "Harbour tunnel reopens",
            "The tunnel reopened on Monday.",
        )])),
    );
    let mut env = guarded_env();
    env.add_feed("loop", &server.url("/feed.xml"), false);
    let r = env.poll("loop").await;
    let err = r.error.expect("the feed is refused");
    assert!(
        err.contains("refused: 127.0.0.1 is a loopback address (127.0.0.0/8, RFC 1122)"),
        "{err}"
    );
    assert!(err.contains(HINT), "{err}");
    assert!(
        server.seen("/feed.xml").is_empty(),
        "no request may reach it"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM articles"), 0);
    let row = env.feed_row("loop");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("loopback")),
        "the error is stored on the feed: {:?}",
        row.last_error
    );
}

// See: #10
#[tokio::test]
async fn feed_whose_name_resolves_to_loopback_is_refused() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", Route::xml(&rss(&[])));
    let mut env = guarded_env();
    env.add_feed("named", &via_localhost(&server, "/feed.xml"), false);
    let r = env.poll("named").await;
    let err = r.error.expect("refused");
    assert!(
        err.contains("refused: localhost resolves to 127.0.0.1, a loopback address"),
        "{err}"
    );
    assert!(server.seen("/feed.xml").is_empty());
}

// See: #10
#[tokio::test]
async fn allow_hosts_and_allow_private_networks_let_the_feed_through() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "g1",
            "https://chronicle.example/a",
            "Harbour tunnel reopens",
            "The tunnel reopened on Monday after a two-week closure.",
        )])),
    );
    let mut env = guarded_env();
    env.config.http.allow_hosts = vec!["localhost".into()];
    env.add_feed("named", &via_localhost(&server, "/feed.xml"), false);
    let r = env.poll("named").await;
    assert_eq!(r.error, None);
    assert_eq!(r.new_articles, 1);

    let mut open = guarded_env();
    open.config.http.allow_private_networks = true;
    open.add_feed("loop", &server.url("/feed.xml"), false);
    assert_eq!(open.poll("loop").await.error, None);
}

// See: #10
#[tokio::test]
async fn full_text_links_to_internal_addresses_are_refused_per_article() {
    let server = FeedServer::start().await;
    let port = server.addr.port();
    let internal = article_html(
        "Internal admin console",
        "SECRET-TOKEN-4471 database password and instance credentials.",
    );
    for p in ["/a-literal", "/a-v6", "/a-decimal", "/a-hex"] {
        server.set(p, Route::html(&internal));
    }
    server.set(
        "/ok",
        Route::html(&article_html(
            "Council delays vote on harbour plan",
            "The council delayed its vote on the harbour redevelopment plan by a month.",
        )),
    );
    let links = [
        format!("http://127.0.0.1:{port}/a-literal"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://[::1]:{port}/a-v6"),
        format!("http://2130706433:{port}/a-decimal"),
        format!("http://0x7f.0.0.1:{port}/a-hex"),
        via_localhost(&server, "/ok"),
    ];
    let items: Vec<(String, &str)> = links
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("g{i}"), l.as_str()))
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(g, l)| (g.as_str(), *l, "Harbour story", "A summary."))
        .collect();
    server.set("/feed.xml", Route::xml(&rss(&rows)));

    let mut env = guarded_env();
    env.config.http.allow_hosts = vec!["localhost".into()];
    env.add_feed("chronicle", &via_localhost(&server, "/feed.xml"), true);
    let r = env.poll("chronicle").await;
    assert_eq!(r.error, None, "the feed itself is allowed");
    assert_eq!(r.page_errors.len(), 5, "{:?}", r.page_errors);
    for (needle, rule) in [
        ("127.0.0.1:", "refused: 127.0.0.1 is a loopback address"),
        (
            "169.254.169.254",
            "refused: 169.254.169.254 is a link-local address",
        ),
        ("[::1]", "refused: ::1 is a loopback address"),
        ("/a-decimal", "refused: 127.0.0.1 is a loopback address"),
        ("/a-hex", "refused: 127.0.0.1 is a loopback address"),
    ] {
        assert!(
            r.page_errors
                .iter()
                .any(|e| e.contains(needle) && e.contains(rule) && e.contains(HINT)),
            "{needle}: {:?}",
            r.page_errors
        );
    }
    for p in ["/a-literal", "/a-v6", "/a-decimal", "/a-hex"] {
        assert!(server.seen(p).is_empty(), "{p} must not be requested");
    }
    assert_eq!(server.seen("/ok").len(), 1, "the allowed page is fetched");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM versions"),
        1,
        "only the allowed page is stored"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM articles WHERE last_error LIKE '%refused:%'"),
        5,
        "each refused article carries its error"
    );
}

// See: #10
#[tokio::test]
async fn redirect_from_an_allowed_host_to_loopback_is_refused() {
    let server = FeedServer::start().await;
    let port = server.addr.port();
    server.set(
        "/moved.xml",
        Route::Redirect(301, format!("http://127.0.0.1:{port}/inside.xml")),
    );
    server.set("/inside.xml", Route::xml(&rss(&[])));
    let mut env = guarded_env();
    env.config.http.allow_hosts = vec!["localhost".into()];
    let start = via_localhost(&server, "/moved.xml");
    env.add_feed("moving", &start, false);
    let r = env.poll("moving").await;
    let err = r.error.expect("refused");
    assert!(
        err.contains(&format!(
            "redirected from {start}: refused: 127.0.0.1 is a loopback address"
        )),
        "{err}"
    );
    assert_eq!(server.seen("/moved.xml").len(), 1);
    assert!(server.seen("/inside.xml").is_empty());
    assert_eq!(
        env.feed_row("moving").url,
        start,
        "a 301 must not move the stored URL inside"
    );
}

fn webhook(name: &str, url: &str) -> AlertConfig {
    crate::util::alert_config(name, crate::util::json_webhook(url), Trigger::All)
}

fn last_error(env: &TestEnv, alert: &str) -> String {
    env.store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(last_error, '') FROM outbox WHERE alert = ?1",
                [alert],
                |r| r.get::<_, String>(0),
            )?)
        })
        .expect("outbox row")
}

// See: #10
#[tokio::test]
async fn webhooks_to_loopback_are_refused() {
    let server = FeedServer::start().await;
    server.set("/hook", Route::Status(200, vec![]));
    let feed = |amount: &str| {
        rss(&[(
            "budget",
            "https://chronicle.example/budget",
            "Council approves budget",
            &format!("The council approved a {amount} budget on Tuesday, the mayor said."),
        )])
    };
    // Polling is allowed to reach the test server; only the dispatcher runs guarded.
    let mut env = TestEnv::new();
    env.config.alerts = vec![
        webhook("literal", &server.url("/hook")),
        webhook("named", &via_localhost(&server, "/hook")),
    ];
    server.set("/feed.xml", Route::xml(&feed("$412 million")));
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&feed("$428 million")));
    let r = env.poll("chronicle").await;
    assert_eq!(r.alerts, 2, "{r:?}");

    let guarded = Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        env.config.delivery.clone(),
        &HttpConfig::default(),
    )
    .expect("dispatcher");
    let report = guarded.drain().await.expect("drain");
    assert_eq!(report.delivered, 0, "{report:?}");
    assert!(
        server.seen("/hook").is_empty(),
        "nothing reached the receiver"
    );
    let e = last_error(&env, "literal");
    assert!(
        e.contains("refused: 127.0.0.1 is a loopback address") && e.contains(HINT),
        "{e}"
    );
    let e = last_error(&env, "named");
    assert!(
        e.contains("refused: localhost resolves to 127.0.0.1, a loopback address"),
        "{e}"
    );

    // The named host, once allowed, is delivered to.
    env.store
        .write(|tx| {
            tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?;
            Ok(())
        })
        .expect("make due");
    let allowed = Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        env.config.delivery.clone(),
        &HttpConfig {
            allow_hosts: vec!["localhost".into()],
            ..HttpConfig::default()
        },
    )
    .expect("dispatcher");
    let report = allowed.drain().await.expect("drain");
    assert_eq!(report.delivered, 1, "{report:?}");
    assert_eq!(server.seen("/hook").len(), 1);
    assert!(last_error(&env, "literal").contains("refused"));
}

// See: #10
#[tokio::test]
async fn the_binary_refuses_loopback_unless_the_environment_allows_it() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "g1",
            "https://chronicle.example/a",
            "Harbour tunnel reopens",
            "The tunnel reopened on Monday.",
        )])),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("redline.toml");
    std::fs::write(
        &config,
        format!(
            "[[feed]]\nname = \"loop\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    let db = dir.path().join("redline.db");
    let synced = std::process::Command::new(env!("CARGO_BIN_EXE_redline"))
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .args(["feeds", "sync"])
        .output()
        .expect("feeds sync");
    assert!(synced.status.success());
    let poll = move |allow: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_redline"));
        cmd.arg("--config")
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .args(["poll", "--json"])
            .env_remove(redline::config::ALLOW_PRIVATE_NETWORKS_ENV);
        if let Some(v) = allow {
            cmd.env(redline::config::ALLOW_PRIVATE_NETWORKS_ENV, v);
        }
        let out = cmd.output().expect("run redline");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let refused = tokio::task::spawn_blocking(move || {
        let a = poll(None);
        let b = poll(Some("0"));
        let c = poll(Some("1"));
        (a, b, c)
    })
    .await
    .expect("join");
    assert!(
        refused
            .0
            .contains("refused: 127.0.0.1 is a loopback address"),
        "{}",
        refused.0
    );
    assert!(refused.1.contains("refused: 127.0.0.1"), "{}", refused.1);
    assert!(!refused.2.contains("refused"), "{}", refused.2);
    assert_eq!(
        server.seen("/feed.xml").len(),
        1,
        "only the allowed run fetched"
    );
}
