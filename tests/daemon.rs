//! `redline run` as systemd runs it: sd_notify on a datagram socket the test binds, SIGHUP
//! reloads, SIGTERM during a poll.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{FeedServer, Route, count_in as count, rss, wait_for};

fn spawn_daemon(dir: &Path, extra_env: &[(&str, String)]) -> Child {
    let mut cmd = crate::util::redline_command();
    cmd.args([
        "--config",
        dir.join("redline.toml").to_str().expect("path"),
        "--db",
        dir.join("redline.db").to_str().expect("path"),
        "run",
    ])
    .env_remove("NOTIFY_SOCKET")
    .env_remove("WATCHDOG_USEC")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(dir.join("stderr.log")).expect("log file"));
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn redline run")
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            panic!("daemon did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads notify datagrams until one contains `needle`.
fn expect_notify(sock: &UnixDatagram, needle: &str, within: Duration) -> Vec<String> {
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < within {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).to_string();
            let hit = msg.contains(needle);
            seen.push(msg);
            if hit {
                return seen;
            }
        }
    }
    panic!("no `{needle}` from the daemon within {within:?}; got {seen:?}");
}

fn wire_feed(topic: &str) -> String {
    rss(&[(
        &format!("wire-{topic}"),
        &format!("https://wire.example/{topic}"),
        &format!("Markets rally as {topic} data beats forecasts"),
        &format!(
            "Stocks rose 1.2% on Friday after {topic} figures came in above expectations, traders said."
        ),
    )])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_ready_watchdog_and_clean_sigterm_during_a_poll() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Route::xml(&wire_feed("jobs")));
    server.set("/slow.xml", Route::Hang(Duration::from_secs(60)));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[http]\ntimeout = \"60s\"\n[schedule]\njitter = \"0s\"\n\
             [[feed]]\nname = \"wire\"\nurl = \"{}\"\n[[feed]]\nname = \"slow\"\nurl = \"{}\"\n",
            server.url("/wire.xml"),
            server.url("/slow.xml")
        ),
    )
    .expect("config");
    let sock_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind notify socket");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut daemon = spawn_daemon(
        dir.path(),
        &[
            ("NOTIFY_SOCKET", sock_path.display().to_string()),
            ("WATCHDOG_USEC", "2000000".into()),
        ],
    );
    let dir_path = dir.path().to_path_buf();
    tokio::task::block_in_place(|| {
        let seen = expect_notify(&sock, "READY=1", Duration::from_secs(20));
        assert!(seen.iter().any(|m| m.contains("STATUS=")), "{seen:?}");
        expect_notify(&sock, "WATCHDOG=1", Duration::from_secs(10));
        wait_for(
            "the healthy feed's version",
            Duration::from_secs(20),
            || {
                count(
                    &dir_path.join("redline.db"),
                    "SELECT COUNT(*) FROM versions",
                ) == 1
            },
        );
        // The slow feed's poll is still in flight (its server hangs for 60 s).
        let started = Instant::now();
        signal(&daemon, "TERM");
        let status = wait_exit(&mut daemon, Duration::from_secs(10));
        assert!(status.success(), "exit 0 on SIGTERM: {status:?}");
        assert!(started.elapsed() < Duration::from_secs(8));
        expect_notify(&sock, "STOPPING=1", Duration::from_secs(2));
    });
    let conn = rusqlite::Connection::open(dir.path().join("redline.db")).expect("db");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(ok, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_new_feeds_and_survives_a_broken_config() {
    let server = FeedServer::start().await;
    server.set("/jobs.xml", Route::xml(&wire_feed("jobs")));
    server.set("/trade.xml", Route::xml(&wire_feed("trade")));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("redline.toml");
    let one = format!(
        "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"jobs\"\nurl = \"{}\"\n",
        server.url("/jobs.xml")
    );
    std::fs::write(&config, &one).expect("config");
    let mut daemon = spawn_daemon(dir.path(), &[]);
    let db = dir.path().join("redline.db");
    tokio::task::block_in_place(|| {
        wait_for("first feed polled", Duration::from_secs(20), || {
            count(&db, "SELECT COUNT(*) FROM versions") == 1
        });
        let two = format!(
            "{one}[[feed]]\nname = \"trade\"\nurl = \"{}\"\n",
            server.url("/trade.xml")
        );
        std::fs::write(&config, two).expect("config");
        signal(&daemon, "HUP");
        wait_for(
            "the added feed polled after SIGHUP",
            Duration::from_secs(20),
            || count(&db, "SELECT COUNT(*) FROM versions") == 2,
        );
        std::fs::write(&config, "[schedule]\ninterval = \"soon\"\n").expect("broken config");
        signal(&daemon, "HUP");
        wait_for(
            "the reload error in the log",
            Duration::from_secs(10),
            || {
                std::fs::read_to_string(dir.path().join("stderr.log"))
                    .unwrap_or_default()
                    .contains("config reload failed")
            },
        );
        assert!(
            daemon.try_wait().expect("try_wait").is_none(),
            "still running on the old config"
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM feeds WHERE active = 1"), 2);
        signal(&daemon, "TERM");
        assert!(wait_exit(&mut daemon, Duration::from_secs(10)).success());
    });
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).expect("log");
    assert!(
        log.contains("schedule.interval"),
        "the log names the bad key: {log}"
    );
}

/// Two pollers on one database delivered most alerts twice; the second is now refused, named,
/// and the lock dies with its holder (SIGKILL leaves nothing stale).
#[tokio::test(flavor = "multi_thread")]
async fn second_poller_is_refused_while_run_holds_the_database() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Route::xml(&wire_feed("jobs")));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"wire\"\nurl = \"{}\"\n",
            server.url("/wire.xml")
        ),
    )
    .expect("config");
    let mut daemon = spawn_daemon(dir.path(), &[]);
    let lock = dir.path().join("redline.db.lock");
    let pid = daemon.id().to_string();
    wait_for(
        "the daemon to take the lock",
        Duration::from_secs(20),
        || std::fs::read_to_string(&lock).is_ok_and(|s| s.trim() == pid),
    );
    let poll = |dir: &Path| {
        crate::util::redline_command()
            .args([
                "--config",
                dir.join("redline.toml").to_str().expect("path"),
                "--db",
                dir.join("redline.db").to_str().expect("path"),
                "poll",
            ])
            .output()
            .expect("run poll")
    };
    let refused = poll(dir.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another redline (pid {pid}) is polling this database"
        )),
        "{stderr}"
    );
    signal(&daemon, "KILL");
    wait_exit(&mut daemon, Duration::from_secs(10));
    let after = poll(dir.path());
    assert!(
        after.status.success(),
        "poll after SIGKILL: {}",
        String::from_utf8_lossy(&after.stderr)
    );
}
