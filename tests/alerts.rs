//! Alerts through real sinks: a webhook receiver on loopback that checks signatures, a real
//! SMTP exchange with an SMTP server on loopback, a command, an Atom file read back with
//! redline's own parser (not bozo), and a daemon killed between commit and delivery.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use redline::alert::dispatch::Dispatcher;
use redline::alert::webhook::signature;
use redline::config::{AlertConfig, SinkConfig, Trigger, WebhookFormat};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::util::{FeedServer, Route, TestEnv, count_in, exec_sql, rss, wait_for};

const SECRET: &str = "s3cret-desk-key";

/// What the receiver does with the next request.
const OK: u8 = 0;
const FAIL: u8 = 1;
const HANG: u8 = 2;

#[derive(Clone, Default)]
struct Receiver {
    mode: Arc<AtomicU8>,
    /// Answer 500 this many times before obeying `mode`.
    fail_first: Arc<AtomicUsize>,
    attempts: Arc<AtomicUsize>,
    delivered: Arc<Mutex<Vec<serde_json::Value>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.attempts.fetch_add(1, Ordering::SeqCst);
    let sig = headers
        .get("x-redline-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sig != signature(SECRET, &body) {
        return StatusCode::UNAUTHORIZED;
    }
    if r.fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    match r.mode.load(Ordering::SeqCst) {
        FAIL => StatusCode::SERVICE_UNAVAILABLE,
        HANG => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            StatusCode::OK
        }
        _ => {
            if let Ok(v) = serde_json::from_slice(&body) {
                r.delivered.lock().expect("lock").push(v);
            }
            StatusCode::OK
        }
    }
}

async fn start_receiver() -> (String, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/hooks/redline", axum::routing::post(receive))
        .with_state(r.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hooks/redline"), r)
}

fn budget_feed(amount: &str) -> String {
    rss(&[(
        "council-budget-2027",
        "https://chronicle.example/news/council-budget",
        "Council approves 2027 budget",
        &format!(
            "The city council approved a {amount} budget for 2027 on Tuesday, the mayor said.\n\nThe vote was 7-2."
        ),
    )])
}

fn alert(name: &str, sink: SinkConfig) -> AlertConfig {
    crate::util::alert_config(name, sink, Trigger::Claims)
}

/// Polls v1 then v2 of the budget story so one claim change is committed with its alerts.
async fn edit_committed(env: &mut TestEnv, server: &FeedServer) {
    server.set("/feed.xml", Route::xml(&budget_feed("$412 million")));
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set("/feed.xml", Route::xml(&budget_feed("$428 million")));
    let r = env.poll("chronicle").await;
    assert_eq!(r.claim_changes, 1, "{r:?}");
}

fn dispatcher(env: &TestEnv) -> Dispatcher {
    let mut delivery = env.config.delivery.clone();
    delivery.retry_base = Duration::from_millis(50);
    Dispatcher::new(
        env.store.clone(),
        env.config.alerts.clone(),
        delivery,
        &env.config.http,
    )
    .expect("dispatcher")
}

#[tokio::test]
async fn webhook_is_signed_retried_and_delivered_once() {
    let server = FeedServer::start().await;
    let (url, receiver) = start_receiver().await;
    receiver.fail_first.store(2, Ordering::SeqCst);
    let mut env = TestEnv::new();
    env.config.alerts.push(alert(
        "desk",
        SinkConfig::Webhook {
            url: url.parse().expect("url"),
            secret: Some(SECRET.into()),
            format: WebhookFormat::Json,
        },
    ));
    edit_committed(&mut env, &server).await;
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL"),
        1
    );

    let report = dispatcher(&env).drain_until(Duration::from_secs(10)).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 3, "500, 500, 200");
    assert_eq!(env.count("SELECT attempts FROM outbox"), 3);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL"),
        1
    );
    let got = receiver.delivered.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let payload = &got[0];
    assert_eq!(payload["type"], "redline.change");
    assert_eq!(payload["version"], 1);
    assert_eq!(payload["data"]["event"], "claim_changed");
    let change_id = env.count("SELECT id FROM changes");
    assert_eq!(
        payload["data"]["change_id"], change_id,
        "the change id is the idempotency key"
    );
    assert_eq!(
        payload["data"]["claim_changes"][0]["kind"],
        "number_changed"
    );
    assert_eq!(
        payload["data"]["claim_changes"][0]["before"],
        "$412 million"
    );
    assert_eq!(payload["data"]["claim_changes"][0]["after"], "$428 million");
    assert!(
        payload["data"]["word_diff"]
            .as_str()
            .unwrap_or("")
            .contains("{+428+}")
    );
    // Nothing left to send.
    assert_eq!(dispatcher(&env).drain().await.expect("drain").delivered, 0);
}

#[tokio::test]
async fn failing_sink_does_not_block_the_others() {
    let server = FeedServer::start().await;
    let (url, receiver) = start_receiver().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("stdin.json");
    let mut env = TestEnv::new();
    env.config.alerts.push(alert(
        "broken",
        SinkConfig::Webhook {
            url: "http://127.0.0.1:9/unreachable".parse().expect("url"),
            secret: None,
            format: WebhookFormat::Json,
        },
    ));
    env.config.alerts.push(alert(
        "script",
        SinkConfig::Exec {
            command: vec![
                "sh".into(),
                "-c".into(),
                "cat > \"$0\"; echo \"$REDLINE_EVENT $REDLINE_CHANGE_ID\" >> \"$0.env\"".into(),
                out.display().to_string(),
            ],
            timeout: Duration::from_secs(10),
        },
    ));
    env.config.alerts.push(alert(
        "desk",
        SinkConfig::Webhook {
            url: url.parse().expect("url"),
            secret: Some(SECRET.into()),
            format: WebhookFormat::Slack,
        },
    ));
    edit_committed(&mut env, &server).await;
    let report = dispatcher(&env).drain().await.expect("drain");
    assert_eq!((report.delivered, report.failed), (2, 1));
    let stdin: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("script wrote its stdin"))
            .expect("JSON on stdin");
    assert_eq!(stdin["data"]["claim_changes"][0]["after"], "$428 million");
    let env_line = std::fs::read_to_string(dir.path().join("stdin.json.env")).expect("env file");
    assert!(env_line.starts_with("claim_changed "), "{env_line}");
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 1);
    let failed_err: String = env
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT last_error FROM outbox WHERE alert = 'broken'",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("row");
    assert!(failed_err.contains("webhook"), "{failed_err}");
}

#[tokio::test]
async fn exec_non_zero_exit_is_a_failed_delivery() {
    let server = FeedServer::start().await;
    let mut env = TestEnv::new();
    env.config.alerts.push(alert(
        "script",
        SinkConfig::Exec {
            command: vec![
                "sh".into(),
                "-c".into(),
                "echo 'disk full' >&2; exit 3".into(),
            ],
            timeout: Duration::from_secs(10),
        },
    ));
    edit_committed(&mut env, &server).await;
    let report = dispatcher(&env).drain().await.expect("drain");
    assert_eq!(report.failed, 1);
    let err: String = env
        .store
        .read(|c| Ok(c.query_row("SELECT last_error FROM outbox", [], |r| r.get(0))?))
        .expect("row");
    assert!(err.contains("disk full") && err.contains('3'), "{err}");
}

/// A minimal but real SMTP server (RFC 5321 command/response exchange) on loopback that
/// hands each received message to the test.
async fn start_smtp() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = sock.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 mail.test ESMTP ready\r\n").await;
                let mut in_data = false;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = tx.send(std::mem::take(&mut message));
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            message.push_str(line.strip_prefix('.').unwrap_or(&line));
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-mail.test\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 end with <CRLF>.<CRLF>\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn email_goes_through_smtp_and_leads_with_the_claim_changes() {
    let server = FeedServer::start().await;
    let (port, mut inbox) = start_smtp().await;
    let mut env = TestEnv::new();
    env.config.alerts.push(alert(
        "mail",
        SinkConfig::Email {
            to: vec!["desk@newsroom.example".into()],
            from: "redline <redline@newsroom.example>".into(),
            smtp_url: format!("smtp://127.0.0.1:{port}?tls=none")
                .parse()
                .expect("url"),
        },
    ));
    edit_committed(&mut env, &server).await;
    let report = dispatcher(&env).drain().await.expect("drain");
    assert_eq!(report.delivered, 1, "{report:?}");
    let message = tokio::time::timeout(Duration::from_secs(5), inbox.recv())
        .await
        .expect("message arrives")
        .expect("message");
    assert!(message.contains("To: desk@newsroom.example"), "{message}");
    assert!(message.contains("Subject: [redline]"), "{message}");
    let claims_at = message
        .find("number_changed: $412 million")
        .expect("claim change in body");
    let diff_at = message.find("Word diff").expect("word diff in body");
    let link_at = message
        .find("Article: https://chronicle.example/news/council-budget")
        .expect("link");
    assert!(
        claims_at < diff_at && diff_at < link_at,
        "claims, then diff, then links"
    );
}

#[tokio::test]
async fn atom_file_is_valid_and_escapes_web_text() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alerts/edits.xml");
    let mut env = TestEnv::new();
    env.config.alerts.push(alert(
        "feed",
        SinkConfig::Atom {
            path: path.clone(),
            max_entries: 20,
        },
    ));
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "x-1",
            "https://chronicle.example/a?x=1&y=2",
            "Mayor <b>denies</b> \"cuts\" & delays",
            "The plan costs $3 million, the mayor said.",
        )])),
    );
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    env.poll("chronicle").await;
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "x-1",
            "https://chronicle.example/a?x=1&y=2",
            "Mayor <b>denies</b> \"cuts\" & delays",
            "The plan costs $4 million, the mayor said.",
        )])),
    );
    env.poll("chronicle").await;
    assert_eq!(dispatcher(&env).drain().await.expect("drain").delivered, 1);
    let xml = std::fs::read_to_string(&path).expect("atom file written");
    let feed = parse_atom_sink(&xml);
    assert_eq!(feed.entries.len(), 1);
    let entry = &feed.entries[0];
    assert!(entry.title.contains("& delays"), "{}", entry.title);
    assert_eq!(entry.links[0].href, "https://chronicle.example/a?x=1&y=2");
    assert!(
        xml.contains("number_changed: $3 million → $4 million"),
        "{xml}"
    );
}

/// The "done when": a daemon with a webhook and an Atom sink, an edit served by a
/// loopback feed, a SIGKILL between commit and delivery, and delivery after restart — while a
/// hanging receiver never holds up polling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_killed_between_commit_and_delivery_delivers_after_restart() {
    let server = FeedServer::start().await;
    let (url, receiver) = start_receiver().await;
    receiver.mode.store(HANG, Ordering::SeqCst);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("redline.db");
    let atom = dir.path().join("edits.xml");
    let config = dir.path().join("redline.toml");
    std::fs::write(
        &config,
        format!(
            "[schedule]\njitter = \"0s\"\n[delivery]\nretry_base = \"200ms\"\n\
             [[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n\
             [[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\n\
             [[alert]]\nname = \"feed\"\nsink = \"atom\"\npath = \"{}\"\n",
            server.url("/feed.xml"),
            atom.display()
        ),
    )
    .expect("config");
    server.set("/feed.xml", Route::xml(&budget_feed("$412 million")));
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
    let server_ref = &server;
    tokio::task::block_in_place(|| {
        wait_for("first version", Duration::from_secs(20), || {
            count_in(&db2, "SELECT COUNT(*) FROM versions") == 1
        });
        server_ref.set("/feed.xml", Route::xml(&budget_feed("$428 million")));
        exec_sql(&db2, "UPDATE feeds SET next_poll_at = 0");
        wait_for("the edit's outbox rows", Duration::from_secs(20), || {
            count_in(&db2, "SELECT COUNT(*) FROM outbox") == 2
        });
        // The webhook receiver hangs; polling carries on regardless.
        server_ref.set("/feed.xml", Route::xml(&budget_feed("$431 million")));
        exec_sql(&db2, "UPDATE feeds SET next_poll_at = 0");
        wait_for(
            "a third version while the receiver hangs",
            Duration::from_secs(20),
            || count_in(&db2, "SELECT COUNT(*) FROM versions") == 3,
        );
    });
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE alert = 'desk' AND delivered_at IS NOT NULL"
        ),
        0,
        "nothing reached the hanging receiver"
    );
    let _ = daemon.kill(); // SIGKILL between commit and delivery
    let _ = daemon.wait();

    receiver.mode.store(OK, Ordering::SeqCst);
    let mut daemon = spawn();
    let db2 = db.clone();
    tokio::task::block_in_place(|| {
        wait_for("delivery after restart", Duration::from_secs(30), || {
            count_in(
                &db2,
                "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL",
            ) == 0
        });
    });
    // Graceful stop: SIGTERM, exit 0.
    let pid = daemon.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = tokio::task::block_in_place(|| daemon.wait()).expect("wait");
    assert!(status.success(), "SIGTERM exits 0: {status:?}");

    let got = receiver.delivered.lock().expect("lock").clone();
    let afters: Vec<String> = got
        .iter()
        .map(|p| {
            p["data"]["claim_changes"][0]["after"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(afters.contains(&"$428 million".to_string()), "{afters:?}");
    assert!(afters.contains(&"$431 million".to_string()), "{afters:?}");
    let xml = std::fs::read_to_string(&atom).expect("atom file");
    let feed = parse_atom_sink(&xml);
    assert_eq!(feed.entries.len(), 2);
}

#[tokio::test]
async fn digest_batches_a_window_into_one_message() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("digests");
    std::fs::create_dir(&out).expect("mkdir");
    let mut env = TestEnv::new();
    let mut a = alert(
        "digest",
        SinkConfig::Exec {
            command: vec![
                "sh".into(),
                "-c".into(),
                "cat > \"$0/$(date +%s%N)\"".into(),
                out.display().to_string(),
            ],
            timeout: Duration::from_secs(10),
        },
    );
    a.digest = Some(Duration::from_secs(3600));
    env.config.alerts.push(a);
    edit_committed(&mut env, &server).await;
    server.set("/feed.xml", Route::xml(&budget_feed("$433 million")));
    env.poll("chronicle").await;
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox"), 2);
    // Not due before the window ends.
    assert_eq!(dispatcher(&env).drain().await.expect("drain").delivered, 0);
    // Move the window's end into the past, as time would.
    env.store
        .write(|tx| {
            tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?;
            Ok(())
        })
        .expect("update");
    assert_eq!(dispatcher(&env).drain().await.expect("drain").delivered, 2);
    let files: Vec<_> = std::fs::read_dir(&out).expect("dir").collect();
    assert_eq!(files.len(), 1, "one message for the window");
    let path = files[0].as_ref().expect("entry").path();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    assert_eq!(doc["type"], "redline.digest");
    assert_eq!(doc["data"]["changes"].as_array().map(Vec::len), Some(2));
}

/// Our own Atom file read back by redline's parser; `bozo` would mean it is not well-formed.
fn parse_atom_sink(xml: &str) -> redline::feed::ParsedFeed {
    let base = url::Url::parse("file:///alerts.atom").expect("url");
    let feed = redline::feed::parse_feed(xml.as_bytes(), &base, None).expect("atom parses");
    assert!(!feed.bozo, "{:?}", feed.warnings);
    assert_eq!(feed.format, "atom1.0");
    feed
}
