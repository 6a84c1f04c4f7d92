//! The database in daily use (#12 items 5, 7, 9, 10): read commands on a read-only database,
//! a pruned outbox, one delivery vocabulary, and `alerts test` that never publishes.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::util::{
    FeedServer, Route, count_in, exec_sql, redline_command, redline_in, rss, success_stdout,
    sync_config_feeds, wait_for,
};

fn ok(dir: &Path, args: &[&str]) -> String {
    success_stdout(&redline_in(dir, args), args)
}

const BRIDGE_V1: &str = "The council said repairs to the old river bridge would cost $4.2 million \
    and take six months. Engineers found corrosion in two of its steel supports.";
const BRIDGE_V2: &str = "The council said repairs to the old river bridge would cost $5.9 million \
    and take nine months. Engineers found corrosion in two of its steel supports.";

fn bridge_feed(body: &str) -> String {
    rss(&[(
        "gazette-bridge-1",
        "https://gazette.example/news/bridge-repairs",
        "Old bridge repairs to cost more than planned",
        body,
    )])
}

/// A database with one article in two versions, written by `redline poll` (closed cleanly, so
/// only the main file is left: no `-wal`, no `-shm`).
async fn edited_database(extra_config: &str) -> (FeedServer, tempfile::TempDir) {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"gazette\"\nurl = \"{}\"\n{extra_config}",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    server.set("/feed.xml", Route::xml(&bridge_feed(BRIDGE_V1)));
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        sync_config_feeds(&d);
        ok(&d, &["poll"]);
    })
    .await
    .expect("join");
    server.set("/feed.xml", Route::xml(&bridge_feed(BRIDGE_V2)));
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || ok(&d, &["poll"]))
        .await
        .expect("join");
    (server, dir)
}

/// How a read-only file can be made to bite: directly when we are not root; as root by running
/// redline as `nobody` through `setpriv` (root ignores file modes, so a chmod alone would test
/// nothing). `None` when neither works, and the caller says it skipped.
fn unprivileged_runner() -> Option<Vec<String>> {
    let probe = tempfile::tempfile().expect("tempfile");
    let uid = probe.metadata().expect("metadata").uid();
    if uid != 0 {
        return Some(Vec::new());
    }
    let runner: Vec<String> = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    ]
    .map(String::from)
    .to_vec();
    let works = Command::new(&runner[0])
        .args(&runner[1..])
        .arg(env!("CARGO_BIN_EXE_redline"))
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then_some(runner)
}

fn run_as(runner: &[String], config: &Path, db: &Path, args: &[&str]) -> Output {
    let mut cmd = match runner.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(env!("CARGO_BIN_EXE_redline"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_redline")),
    };
    cmd.args(["--config", config.to_str().expect("path")])
        .args(["--db", db.to_str().expect("path")])
        .args(args)
        .env_remove("REDLINE_CONFIG")
        .env_remove("REDLINE_DB")
        .env("NO_COLOR", "1")
        .output()
        .expect("run redline")
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

const READ_COMMANDS: &[&[&str]] = &[
    &["feeds", "list"],
    &["feeds", "list", "--json"],
    &["feeds", "export"],
    &["articles"],
    &["articles", "--changed", "--json"],
    &["versions", "1"],
    &["show", "1", "--version", "1"],
    &["diff", "1"],
    &["log"],
    &["export", "--format", "jsonl"],
    &["status"],
    &["alerts", "list"],
];

// See: #12 item 5. Every read command failed on a read-only database: opening it switched the
// journal mode and ran migrations, which are writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_commands_work_on_a_read_only_file_and_a_read_only_directory() {
    let Some(runner) = unprivileged_runner() else {
        eprintln!(
            "SKIPPED read-only database test: running as root without a working `setpriv`, \
             so file modes cannot be enforced"
        );
        return;
    };
    if !runner.is_empty() {
        eprintln!("running as root: read-only checks run redline as `nobody` through setpriv");
    }
    let (_server, dir) = edited_database("").await;
    let src = dir.path().join("redline.db");
    assert!(
        !dir.path().join("redline.db-shm").exists(),
        "a cleanly closed database leaves no -shm"
    );
    // Reachable by `nobody`: the temp dir itself is 0700.
    chmod(dir.path(), 0o755);
    let config = dir.path().join("redline.toml");
    chmod(&config, 0o644);
    // 1: a read-only file in a writable directory; 2: a read-only directory too (no `-shm`
    // can be created there).
    let cases: Vec<(&str, PathBuf)> = ["ro-file", "ro-dir"]
        .iter()
        .map(|name| {
            let d = dir.path().join(name);
            std::fs::create_dir(&d).expect("mkdir");
            std::fs::copy(&src, d.join("redline.db")).expect("copy db");
            chmod(&d.join("redline.db"), 0o444);
            (*name, d)
        })
        .collect();
    chmod(&cases[0].1, 0o777);
    chmod(&cases[1].1, 0o555);
    let outputs = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (name, d) in &cases {
            let db = d.join("redline.db");
            for args in READ_COMMANDS {
                out.push((*name, *args, run_as(&runner, &config, &db, args)));
            }
            // A writing command must fail cleanly, not pretend.
            let remove: &[&str] = &["feeds", "remove", "gazette"];
            out.push((*name, remove, run_as(&runner, &config, &db, remove)));
        }
        for (_, d) in &cases {
            chmod(d, 0o755);
        }
        out
    })
    .await
    .expect("join");
    for (case, args, out) in &outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if args.get(1) == Some(&"remove") {
            assert!(
                !out.status.success(),
                "{case}: a write to a read-only database succeeded"
            );
            assert!(!stderr.contains("panicked"), "{case}: {stderr}");
            continue;
        }
        assert!(
            out.status.success(),
            "{case}: redline {args:?} failed on a read-only database: {stderr}"
        );
    }
    let text = |case: &str, args: &[&str]| {
        outputs
            .iter()
            .find(|(c, a, _)| *c == case && *a == args)
            .map(|(_, _, o)| String::from_utf8_lossy(&o.stdout).into_owned())
            .expect("output")
    };
    for case in ["ro-file", "ro-dir"] {
        assert!(
            text(case, &["diff", "1"]).contains("$5.9 million"),
            "{case}"
        );
        assert!(
            text(case, &["articles"]).contains("Old bridge repairs"),
            "{case}"
        );
        assert!(text(case, &["status"]).contains("1 feeds"), "{case}");
    }
}

// See: #12 item 5. A read command on a database from an older redline migrated it; a read-only
// open cannot, so it must say how to upgrade instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_command_on_an_older_schema_says_how_to_upgrade_and_changes_nothing() {
    let (_server, dir) = edited_database("").await;
    let db = dir.path().join("redline.db");
    let older = redline::store::schema_version() - 1;
    exec_sql(&db, &format!("PRAGMA user_version = {older}"));
    let out = tokio::task::spawn_blocking(move || {
        let out = redline_in(dir.path(), &["articles"]);
        (out, dir)
    })
    .await
    .expect("join");
    let (out, _dir) = out;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("run `redline run` or `redline feeds sync` once to upgrade"),
        "{stderr}"
    );
    assert_eq!(count_in(&db, "PRAGMA user_version"), older);
}

const DAY_MS: i64 = 86_400_000;

/// Outbox rows as (alert, delivered?) after the test's changes.
fn outbox_rows(db: &Path) -> Vec<(i64, String, bool)> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let mut stmt = conn
        .prepare("SELECT id, alert, delivered_at IS NOT NULL FROM outbox ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Adds aged rows next to the real one: (alert, delivered this many days ago / None).
fn age_outbox(db: &Path, rows: &[(&str, Option<i64>)]) {
    let now: i64 = chrono::Utc::now().timestamp_millis();
    let mut sql = String::new();
    for (alert, delivered_days_ago) in rows {
        let delivered = delivered_days_ago
            .map(|d| (now - d * DAY_MS).to_string())
            .unwrap_or_else(|| "NULL".into());
        sql.push_str(&format!(
            "INSERT INTO outbox (change_id, alert, payload, created_at, next_attempt_at, delivered_at, attempts) \
             SELECT change_id, '{alert}', payload, {created}, {due}, {delivered}, {attempts} FROM outbox ORDER BY id LIMIT 1;\n",
            created = now - 60 * DAY_MS,
            // Undelivered rows are not due for a day: the poll's drain leaves them alone.
            due = now + DAY_MS,
            attempts = i64::from(delivered_days_ago.is_some()),
        ));
    }
    exec_sql(db, &sql);
}

// See: #12 item 7. The outbox was never pruned: 80% of one trial's database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_prunes_delivered_rows_past_delivery_keep_and_rows_of_removed_alerts() {
    let (_server, dir) = edited_database(
        "[delivery]\nkeep = \"10d\"\n[[alert]]\nname = \"desk\"\nsink = \"exec\"\ncommand = [\"true\"]\ntrigger = \"edits\"\n",
    )
    .await;
    let db = dir.path().join("redline.db");
    let real = outbox_rows(&db);
    assert_eq!(real.len(), 1, "the edit made one delivery: {real:?}");
    assert!(real[0].2, "and it went out: {real:?}");
    age_outbox(
        &db,
        &[
            ("desk", Some(20)), // past keep: deleted
            ("desk", Some(5)),  // within keep: kept
            ("desk", None),     // waiting: kept
            ("retired", None),  // alert no longer in the config: dropped, pending or not
            ("retired", Some(1)),
        ],
    );
    let out = tokio::task::spawn_blocking(move || {
        let out = redline_in(dir.path(), &["poll"]);
        (out, dir)
    })
    .await
    .expect("join");
    let (out, _dir) = out;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let left: Vec<(String, bool)> = outbox_rows(&db)
        .into_iter()
        .map(|(_, a, d)| (a, d))
        .collect();
    assert_eq!(
        left,
        [
            ("desk".to_string(), true),
            ("desk".to_string(), true),
            ("desk".to_string(), false)
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("no longer in the config") && stderr.contains("retired"),
        "dropping undelivered rows is logged: {stderr}"
    );
}

// See: #12 item 7. The daemon prunes too, at start (then hourly), with the default keep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_prunes_the_outbox_at_start() {
    let (_server, dir) = edited_database(
        "[[alert]]\nname = \"desk\"\nsink = \"exec\"\ncommand = [\"true\"]\ntrigger = \"edits\"\n",
    )
    .await;
    let db = dir.path().join("redline.db");
    // 31 days is past the default keep of 30; 29 is not.
    age_outbox(&db, &[("desk", Some(31)), ("desk", Some(29))]);
    assert_eq!(outbox_rows(&db).len(), 3);
    let mut daemon = redline_command()
        .args([
            "--config",
            dir.path().join("redline.toml").to_str().expect("path"),
        ])
        .args(["--db", db.to_str().expect("path"), "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn redline run");
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        wait_for("the daemon to prune", Duration::from_secs(20), || {
            count_in(&db2, "SELECT COUNT(*) FROM outbox") == 2
        });
    })
    .await
    .expect("join");
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let status = daemon.wait().expect("wait");
    assert!(status.success());
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(
        count_in(
            &db,
            &format!(
                "SELECT COUNT(*) FROM outbox WHERE delivered_at < {}",
                now - 30 * DAY_MS
            )
        ),
        0
    );
}

// See: #12 item 9. `status` counted "failed" as given up, `alerts list --failed` as failed
// once; `alerts retry 99999` reported success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_have_one_vocabulary_and_retry_refuses_an_unknown_id() {
    let (_server, dir) = edited_database(
        "[[alert]]\nname = \"desk\"\nsink = \"exec\"\ncommand = [\"true\"]\ntrigger = \"edits\"\n",
    )
    .await;
    let db = dir.path().join("redline.db");
    age_outbox(&db, &[("desk", None), ("desk", None), ("desk", None)]);
    // One waiting, one failed twice and retrying, one given up.
    exec_sql(
        &db,
        "UPDATE outbox SET attempts = 2, last_error = 'exec `notify`: exit status 1' WHERE id = 3;\
         UPDATE outbox SET attempts = 100, failed = 1, last_error = 'exec `notify`: exit status 1' WHERE id = 4;",
    );
    let ((status, listed, retrying, given_up, failed, unknown, delivered, one), _dir) =
        tokio::task::spawn_blocking(move || {
            let d = dir.path();
            let r = (
                ok(d, &["status", "--json"]),
                ok(d, &["alerts", "list", "--json"]),
                ok(d, &["alerts", "list", "--state", "retrying"]),
                ok(d, &["alerts", "list", "--state", "given-up", "--json"]),
                redline_in(d, &["alerts", "list", "--failed"]),
                redline_in(d, &["alerts", "retry", "99999"]),
                redline_in(d, &["alerts", "retry", "1"]),
                ok(d, &["alerts", "retry", "4"]),
            );
            (r, dir)
        })
        .await
        .expect("join");
    let status: serde_json::Value = serde_json::from_str(&status).expect("status json");
    assert_eq!(
        (
            &status["alerts_pending"],
            &status["alerts_retrying"],
            &status["alerts_given_up"]
        ),
        (&1.into(), &1.into(), &1.into()),
        "{status}"
    );
    assert!(status.get("alerts_failed").is_none(), "{status}");
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("list json");
    let states: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert_eq!(states, ["given_up", "retrying", "pending", "delivered"]);
    assert!(
        retrying.contains("retrying")
            && !retrying.contains("given up")
            && !retrying.contains("pending"),
        "{retrying}"
    );
    let given_up: serde_json::Value = serde_json::from_str(&given_up).expect("json");
    assert_eq!(given_up.as_array().map(Vec::len), Some(1), "{given_up}");
    assert_eq!(given_up[0]["id"], 4);
    assert!(
        !failed.status.success(),
        "--failed is ambiguous and refused"
    );
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("--state retrying"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no delivery 99999"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let delivered_out = String::from_utf8_lossy(&delivered.stdout);
    assert!(delivered.status.success());
    assert!(
        delivered_out.contains("was delivered") && delivered_out.contains("not sent again"),
        "{delivered_out}"
    );
    assert!(
        one.contains("delivery 4") && one.contains("given up") && one.contains("due now"),
        "{one}"
    );
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE id = 4 AND failed = 0 AND attempts = 0"
        ),
        1
    );
}

// See: #12 item 10. `alerts test` on an Atom sink wrote a fake entry into the real file, with
// the same id each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_never_touches_an_atom_sinks_real_file() {
    let atom_dir = tempfile::tempdir().expect("tempdir");
    let atom = atom_dir.path().join("edits.xml");
    let stdin_copy = atom_dir.path().join("exec-payload.json");
    let (_server, dir) = edited_database(&format!(
        "[[alert]]\nname = \"feed\"\nsink = \"atom\"\npath = \"{}\"\ntrigger = \"edits\"\n\
         [[alert]]\nname = \"script\"\nsink = \"exec\"\ncommand = [\"sh\", \"-c\", \"cat > '{}'\"]\ntrigger = \"claims\"\n",
        atom.display(),
        stdin_copy.display()
    ))
    .await;
    let real = std::fs::read(&atom).expect("the edit wrote the real atom file");
    let rows_before = count_in(
        &dir.path().join("redline.db"),
        "SELECT COUNT(*) FROM outbox",
    );
    let (first, second, script, dir) = tokio::task::spawn_blocking(move || {
        let r = (
            ok(dir.path(), &["alerts", "test", "feed"]),
            ok(dir.path(), &["alerts", "test", "feed"]),
            ok(dir.path(), &["alerts", "test", "script"]),
        );
        (r.0, r.1, r.2, dir)
    })
    .await
    .expect("join");
    assert!(
        std::fs::read(&atom).expect("atom file") == real,
        "the real Atom file changed after two tests:\n{}",
        String::from_utf8_lossy(&std::fs::read(&atom).expect("atom file"))
    );
    assert_eq!(
        count_in(
            &dir.path().join("redline.db"),
            "SELECT COUNT(*) FROM outbox"
        ),
        rows_before,
        "a test writes nothing to the outbox"
    );
    let sample_path = |out: &str| -> PathBuf {
        let p = out
            .split_whitespace()
            .find(|w| w.ends_with(".xml") && w.contains("redline-alert-test"))
            .unwrap_or_else(|| panic!("no sample path in: {out}"));
        PathBuf::from(p)
    };
    let (a, b) = (sample_path(&first), sample_path(&second));
    assert_ne!(a, b);
    let id_of = |p: &Path| {
        let xml = std::fs::read_to_string(p).expect("sample feed");
        let base = url::Url::parse("file:///sample.atom").expect("url");
        let parsed =
            redline::feed::parse_feed(xml.as_bytes(), &base, None).expect("sample is Atom");
        assert!(!parsed.bozo, "{:?}", parsed.warnings);
        assert_eq!(parsed.entries.len(), 1);
        let _ = std::fs::remove_file(p);
        parsed.entries[0].id.clone()
    };
    for p in [&a, &b] {
        let id = id_of(p);
        assert!(id.starts_with("urn:redline:test:"), "{id}");
    }
    assert!(
        first.contains(atom.to_str().expect("path")),
        "says the real file is untouched: {first}"
    );
    // Other sinks still send, marked as a test.
    assert!(script.contains("delivered"), "{script}");
    let payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stdin_copy).expect("exec ran"))
            .expect("json");
    assert_eq!(payload["data"]["test"], true, "{payload}");
}
