//! `[archive]` against a fake Save Page Now 2 service on loopback that checks what the real one
//! expects (SPN2 public API docs): `POST /save` with `Authorization: LOW key:secret`, a form
//! body `url=…` and `Accept: application/json`, answering a `job_id`; `GET
//! /save/status/{job_id}` answering pending, then success with a timestamp. Also: a 429 with
//! Retry-After is waited out, the capture links reach `versions`, `show`, `diff --json` and
//! alert payloads, and a daemon killed between the commit and the capture still archives
//! after its restart.

use std::process::Stdio;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use redline::alert::dispatch::Dispatcher;
use redline::config::{ArchiveConfig, Trigger};

use crate::util::{FeedServer, Route, TestEnv, count_in, rss, wait_for};

const KEY: &str = "IA-ACCESS-7f3k";
const SECRET: &str = "ia-secret-9q2w";

const OK: u8 = 0;
/// Hang on the capture request (a daemon killed mid-request).
const HANG: u8 = 1;

#[derive(Clone, Default)]
pub(crate) struct Spn {
    mode: Arc<AtomicU8>,
    /// Answer `429 Retry-After: 1` this many times first.
    limit_first: Arc<AtomicUsize>,
    /// Status requests answered "pending" per job before "success".
    pending_polls: Arc<AtomicUsize>,
    /// (time, url) of every capture request that passed the checks.
    saves: Arc<Mutex<Vec<(Instant, String)>>>,
    /// Every capture request, with what was wrong with it (empty when right).
    problems: Arc<Mutex<Vec<String>>>,
    polls: Arc<Mutex<Vec<String>>>,
}

async fn save(State(s): State<Spn>, headers: HeaderMap, body: String) -> Response {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut problems = Vec::new();
    if h("authorization") != format!("LOW {KEY}:{SECRET}") {
        problems.push(format!("authorization `{}`", h("authorization")));
    }
    if h("content-type") != "application/x-www-form-urlencoded" {
        problems.push(format!("content-type `{}`", h("content-type")));
    }
    if h("accept") != "application/json" {
        problems.push(format!("accept `{}`", h("accept")));
    }
    let url: Option<String> = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.into_owned());
    if url.is_none() {
        problems.push(format!("no url= in body `{body}`"));
    }
    if !problems.is_empty() {
        s.problems.lock().expect("lock").push(problems.join("; "));
        return (StatusCode::UNAUTHORIZED, "bad request").into_response();
    }
    if s.mode.load(Ordering::SeqCst) == HANG {
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    if s.limit_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "slow down",
        )
            .into_response();
    }
    let url = url.unwrap_or_default();
    let mut saves = s.saves.lock().expect("lock");
    saves.push((Instant::now(), url.clone()));
    let job = format!("spn2-job-{}", saves.len());
    json_response(serde_json::json!({"url": url, "job_id": job})).into_response()
}

async fn status(State(s): State<Spn>, Path(job): Path<String>, headers: HeaderMap) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("LOW {KEY}:{SECRET}"))
    {
        return (StatusCode::UNAUTHORIZED, "no key").into_response();
    }
    let mut polls = s.polls.lock().expect("lock");
    polls.push(job.clone());
    let asked = polls.iter().filter(|j| **j == job).count();
    if asked <= s.pending_polls.load(Ordering::SeqCst) {
        return json_response(serde_json::json!({"status": "pending", "job_id": job}))
            .into_response();
    }
    let n: usize = job.trim_start_matches("spn2-job-").parse().unwrap_or(0);
    let saves = s.saves.lock().expect("lock");
    let Some((_, url)) = saves.get(n.wrapping_sub(1)) else {
        return json_response(serde_json::json!({"status": "error", "status_ext": "error:not-found", "message": "no such job"}))
            .into_response();
    };
    json_response(serde_json::json!({
        "status": "success",
        "job_id": job,
        "original_url": url,
        "timestamp": format!("2026120203{:02}00", n),
        "duration_sec": 6.2
    }))
    .into_response()
}

fn json_response(v: serde_json::Value) -> Response {
    ([("content-type", "application/json")], v.to_string()).into_response()
}

pub(crate) async fn start_spn() -> (String, Spn) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let s = Spn::default();
    let app = axum::Router::new()
        .route("/save", axum::routing::post(save))
        .route("/save/status/{job}", axum::routing::get(status))
        .with_state(s.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), s)
}

pub(crate) fn archive_config(service: &str) -> ArchiveConfig {
    ArchiveConfig {
        enabled: true,
        service: service.parse().expect("service url"),
        access_key: Some(KEY.into()),
        secret: Some(SECRET.into()),
        status_every: Duration::from_millis(20),
        status_wait: Duration::from_secs(5),
    }
}

fn harbour_feed(height: &str) -> String {
    rss(&[(
        "harbour-wall-2026",
        "https://tidewater.example/news/harbour-wall",
        "Harbour wall to be raised after winter storms",
        &format!(
            "The port authority will raise the harbour wall by {height} before next winter, its chair said on Monday.\n\nWork starts in March."
        ),
    )])
}

fn dispatcher(env: &TestEnv) -> Dispatcher {
    let mut delivery = env.config.delivery.clone();
    delivery.retry_base = Duration::from_millis(50);
    let mut config = env.config.clone();
    config.delivery = delivery;
    Dispatcher::from_config(env.store.clone(), &config).expect("dispatcher")
}

#[tokio::test]
async fn every_version_is_captured_and_its_links_reach_versions_diff_and_alerts() {
    let feeds = FeedServer::start().await;
    let (spn_url, spn) = start_spn().await;
    spn.pending_polls.store(2, Ordering::SeqCst);
    let (hook_url, hook) = start_hook().await;
    let mut env = TestEnv::new();
    env.config.archive = archive_config(&spn_url);
    env.config.alerts.push(crate::util::alert_config(
        "desk",
        crate::util::json_webhook(&hook_url),
        Trigger::Claims,
    ));
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    env.add_feed("tidewater", &feeds.url("/feed.xml"), false);
    env.poll("tidewater").await;
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox WHERE alert = '@archive'"),
        1,
        "a capture request is written with the first version"
    );
    let report = dispatcher(&env).drain_until(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 1, "{report:?}");

    feeds.set("/feed.xml", Route::xml(&harbour_feed("2 metres")));
    let r = env.poll("tidewater").await;
    assert_eq!(r.claim_changes, 1, "{r:?}");
    let report = dispatcher(&env).drain_until(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 2, "the capture and the alert: {report:?}");

    assert!(
        spn.problems.lock().expect("lock").is_empty(),
        "{:?}",
        spn.problems.lock().expect("lock")
    );
    let saves = spn.saves.lock().expect("lock").clone();
    assert_eq!(saves.len(), 2, "one capture per version, none twice");
    assert!(
        saves
            .iter()
            .all(|(_, u)| u == "https://tidewater.example/news/harbour-wall")
    );
    // Two "pending" answers, then success, per job.
    assert_eq!(spn.polls.lock().expect("lock").len(), 6);
    let cap1 = format!("{spn_url}/web/20261202030100/https://tidewater.example/news/harbour-wall");
    let cap2 = format!("{spn_url}/web/20261202030200/https://tidewater.example/news/harbour-wall");
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM version_archives WHERE capture_url IS NOT NULL AND job_id IS NULL"
        ),
        2
    );

    // The alert carries the capture of the version before the change, which existed when it
    // was sent (the new one may still be running then).
    let got = hook.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["minor"], 3);
    assert_eq!(got[0]["data"]["links"]["archive_before"], cap1.as_str());

    std::fs::write(env.dir.path().join("redline.toml"), "").expect("config");
    let article: i64 = count_in(&env.db_path(), "SELECT id FROM articles");
    let key = format!("a{article}");
    let text = crate::util::success_stdout(
        &crate::util::redline_in(env.dir.path(), &["versions", &key]),
        &["versions"],
    );
    assert!(text.contains(&format!("archived {cap1}")), "{text}");
    assert!(text.contains(&format!("archived {cap2}")), "{text}");
    let json = crate::util::success_stdout(
        &crate::util::redline_in(env.dir.path(), &["versions", &key, "--json"]),
        &["versions --json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v[1]["archive"], cap2.as_str(), "{v}");
    let show = crate::util::success_stdout(
        &crate::util::redline_in(env.dir.path(), &["show", &format!("{key}v1")]),
        &["show"],
    );
    assert!(show.contains(&format!("archived {cap1}")), "{show}");
    let diff = crate::util::success_stdout(
        &crate::util::redline_in(env.dir.path(), &["diff", &key, "--json"]),
        &["diff --json"],
    );
    let d: serde_json::Value = serde_json::from_str(&diff).expect("json");
    assert_eq!(d["minor"], 3);
    assert_eq!(d["old"]["archive"], cap1.as_str());
    assert_eq!(d["new"]["archive"], cap2.as_str());
    assert_eq!(
        d["archive_diff"],
        format!("{spn_url}/web/diff/20261202030100/20261202030200/https://tidewater.example/news/harbour-wall").as_str()
    );
}

type Hook = Arc<Mutex<Vec<serde_json::Value>>>;

async fn start_hook() -> (String, Hook) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let got: Hook = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(|State(g): State<Hook>, body: String| async move {
                if let Ok(v) = serde_json::from_str(&body) {
                    g.lock().expect("lock").push(v);
                }
                StatusCode::OK
            }),
        )
        .with_state(got.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), got)
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_before_the_next_capture_request() {
    let feeds = FeedServer::start().await;
    let (spn_url, spn) = start_spn().await;
    spn.limit_first.store(1, Ordering::SeqCst);
    let mut env = TestEnv::new();
    env.config.archive = archive_config(&spn_url);
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    env.add_feed("tidewater", &feeds.url("/feed.xml"), false);
    env.poll("tidewater").await;
    let asked = Instant::now();
    let report = dispatcher(&env).drain_until(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 1, "{report:?}");
    let saves = spn.saves.lock().expect("lock").clone();
    assert_eq!(saves.len(), 1);
    let waited = saves[0].0.duration_since(asked);
    assert!(
        waited >= Duration::from_millis(950),
        "the capture was asked again after {waited:?}, before Retry-After: 1 had passed"
    );
    let err: String = env
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(last_error, '') FROM outbox WHERE alert = '@archive'",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("row");
    assert!(err.is_empty(), "delivered rows keep no error: {err}");
}

#[tokio::test]
async fn the_configured_archive_host_passes_the_network_guard_other_private_hosts_do_not() {
    let feeds = FeedServer::start().await;
    let (spn_url, spn) = start_spn().await;
    let mut env = TestEnv::new();
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    env.add_feed("tidewater", &feeds.url("/feed.xml"), false);
    env.poll("tidewater").await;
    // Now the guard is on, as in production: the archive (named `localhost`) is let through
    // because it is the configured archive; a webhook on 127.0.0.1 is not.
    env.config.http.allow_private_networks = false;
    env.config.archive = archive_config(&spn_url.replace("127.0.0.1", "localhost"));
    let article: i64 = env.count("SELECT id FROM articles");
    let vid: i64 = env.count("SELECT id FROM versions");
    env.store
        .write(|tx| {
            redline::alert::archive::enqueue(
                tx,
                &env.config.archive,
                redline::alert::archive::ArchiveRequest {
                    version_id: vid,
                    article_id: article,
                    seq: 1,
                    url: "https://tidewater.example/news/harbour-wall".into(),
                },
                0,
            )
            .map(|_| ())
        })
        .expect("enqueue");
    let (hook_url, hook) = start_hook().await;
    env.config.alerts.push(crate::util::alert_config(
        "desk",
        crate::util::json_webhook(&hook_url),
        Trigger::All,
    ));
    let d = dispatcher(&env);
    let report = d.drain_until(Duration::from_secs(5)).await;
    assert_eq!(report.delivered, 1, "{report:?}");
    assert_eq!(spn.saves.lock().expect("lock").len(), 1);
    let sent = redline::alert::send(
        &env.config.alerts[0],
        &redline::alert::payload::Delivery::One(Box::new(sample_change())),
        d.http(),
        &env.store,
    )
    .await;
    let e = sent.expect_err("a webhook on 127.0.0.1 stays refused");
    assert!(e.to_string().contains("127.0.0.1"), "{e}");
    assert!(hook.lock().expect("lock").is_empty());
}

fn sample_change() -> redline::alert::payload::ChangeData {
    let json = serde_json::json!({"type": "redline.change", "version": 1, "minor": 3, "data": {
        "change_id": 1, "event": "edited", "alert": "desk",
        "feed": {"id": 1, "name": "tidewater", "url": "https://tidewater.example/feed.xml"},
        "article": {"id": 1, "url": "https://tidewater.example/news/harbour-wall",
                    "title": "Harbour wall", "previous_title": null},
        "from_version": 1, "to_version": 2, "detected_at": "2026-12-02T03:00:00Z",
        "stealth": false, "cosmetic": false, "revert_of": null, "fields_changed": ["body"],
        "title_changed": false, "sentences": {"added": 0, "removed": 0, "edited": 1, "moved": 0},
        "claim_changes": [], "word_diff": "",
        "links": {"article": "https://tidewater.example/news/harbour-wall", "feed": "https://tidewater.example/feed.xml"}
    }});
    redline::alert::payload::parse_change(&json.to_string()).expect("change")
}

/// The crash case: the version is committed, the capture request is in flight, the
/// daemon dies by SIGKILL; after the restart the version is archived all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_between_commit_and_capture_archives_after_restart() {
    let feeds = FeedServer::start().await;
    let (spn_url, spn) = start_spn().await;
    spn.mode.store(HANG, Ordering::SeqCst);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("redline.db");
    let config = dir.path().join("redline.toml");
    std::fs::write(dir.path().join("ia-secret"), format!("{SECRET}\n")).expect("secret");
    std::fs::write(
        &config,
        format!(
            "[schedule]\njitter = \"0s\"\n[delivery]\nretry_base = \"200ms\"\n\
             [archive]\nenabled = true\nservice = \"{spn_url}\"\naccess_key = \"{KEY}\"\n\
             secret_file = \"ia-secret\"\nstatus_every = \"50ms\"\n\
             [[feed]]\nname = \"tidewater\"\nurl = \"{}\"\n",
            feeds.url("/feed.xml"),
        ),
    )
    .expect("config");
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    let spawn = || {
        crate::util::redline_command()
            .args([
                "--config",
                config.to_str().expect("path"),
                "--db",
                db.to_str().expect("path"),
                "run",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redline run")
    };
    let mut daemon = spawn();
    let db2 = db.clone();
    tokio::task::block_in_place(|| {
        wait_for(
            "the version and its capture request",
            Duration::from_secs(20),
            || {
                count_in(&db2, "SELECT COUNT(*) FROM versions") == 1
                    && count_in(&db2, "SELECT COUNT(*) FROM outbox WHERE alert = '@archive'") == 1
            },
        );
        // Let the capture request reach the (hanging) archive.
        std::thread::sleep(Duration::from_millis(300));
    });
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM version_archives WHERE capture_url IS NOT NULL"
        ),
        0
    );
    let _ = daemon.kill(); // SIGKILL between commit and capture
    let _ = daemon.wait();

    spn.mode.store(OK, Ordering::SeqCst);
    let mut daemon = spawn();
    let db2 = db.clone();
    tokio::task::block_in_place(|| {
        wait_for("the capture after restart", Duration::from_secs(30), || {
            count_in(
                &db2,
                "SELECT COUNT(*) FROM version_archives WHERE capture_url IS NOT NULL",
            ) == 1
        });
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE alert = '@archive' AND delivered_at IS NOT NULL"
        ),
        1
    );
    assert!(spn.problems.lock().expect("lock").is_empty());
}

#[test]
fn a_world_readable_secret_file_is_used_with_a_warning_and_credentials_directory_is_searched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = dir.path().join("creds");
    std::fs::create_dir(&creds).expect("creds dir");
    std::fs::write(creds.join("hook-secret"), "from-credentials\n").expect("secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            creds.join("hook-secret"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
    }
    std::fs::write(
        dir.path().join("redline.toml"),
        "[[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"https://hooks.example/x\"\nsecret_file = \"hook-secret\"\n",
    )
    .expect("config");
    let out = crate::util::redline_command()
        .args([
            "--config",
            dir.path().join("redline.toml").to_str().expect("path"),
        ])
        .args([
            "--db",
            dir.path().join("redline.db").to_str().expect("path"),
        ])
        .args(["alerts", "list"])
        .env("CREDENTIALS_DIRECTORY", &creds)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    #[cfg(unix)]
    assert!(
        stderr.contains("readable by every user") && stderr.contains("hook-secret"),
        "{stderr}"
    );
    // Without $CREDENTIALS_DIRECTORY the name is looked up next to the config: not there.
    let out = crate::util::redline_command()
        .args([
            "--config",
            dir.path().join("redline.toml").to_str().expect("path"),
        ])
        .args([
            "--db",
            dir.path().join("redline.db").to_str().expect("path"),
        ])
        .args(["alerts", "list"])
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("alert[0].secret_file") && stderr.contains("hook-secret"),
        "{stderr}"
    );
}
