//! Which config, and who writes it to the database (#12 item 3): only `run` and `feeds sync`
//! sync the config's feeds; `poll` and the read commands never do, and say when the config
//! differs; a feed removed with `feeds remove` stays removed.

use std::path::Path;
use std::process::Output;

use crate::util::{
    FeedServer, Route, count_in, redline_command, redline_in, rss, success_stdout,
    sync_config_feeds,
};

fn feed_table(n: usize, url: &str) -> String {
    let mut cfg = String::from("[schedule]\njitter = \"0s\"\n");
    for i in 0..n {
        cfg.push_str(&format!(
            "[[feed]]\nname = \"desk{i}\"\nurl = \"{url}?desk={i}\"\n"
        ));
    }
    cfg
}

fn ok(dir: &Path, args: &[&str]) -> String {
    success_stdout(&redline_in(dir, args), args)
}

/// Runs with `config` as the config and `db` as the database.
fn run_with(config: &Path, db: &Path, args: &[&str]) -> Output {
    redline_command()
        .args(["--config", config.to_str().expect("path")])
        .args(["--db", db.to_str().expect("path")])
        .args(args)
        .env_remove("REDLINE_CONFIG")
        .env_remove("REDLINE_DB")
        .output()
        .expect("run redline")
}

fn feeds_snapshot(db: &Path) -> Vec<(String, String, i64)> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let mut stmt = conn
        .prepare("SELECT url, source, active FROM feeds ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

// See: #12 item 3. Run from another directory, `feeds list` synced that directory's config
// into the database (the real feeds showed as removed); `poll` did the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_commands_and_poll_never_sync_another_config_into_the_database() {
    let server = FeedServer::start().await;
    server.set(
        "/wire.xml",
        Route::xml(&rss(&[(
            "wire-1",
            "https://wire.example/news/ferry",
            "Ferry service resumes after storm",
            "The harbour ferry ran again on Sunday after two days of gales, the operator said.",
        )])),
    );
    let home = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    let url = server.url("/wire.xml");
    std::fs::write(home.path().join("redline.toml"), feed_table(2, &url)).expect("config");
    // Another directory's config: one different feed.
    let other_config = other.path().join("redline.toml");
    std::fs::write(
        &other_config,
        format!("[[feed]]\nname = \"elsewhere\"\nurl = \"{url}?elsewhere\"\n"),
    )
    .expect("config");
    let db = home.path().join("redline.db");
    let (before, listed, status, polled) = tokio::task::spawn_blocking(move || {
        sync_config_feeds(home.path());
        let before = feeds_snapshot(&db);
        let listed = run_with(&other_config, &db, &["feeds", "list"]);
        let status = run_with(&other_config, &db, &["status", "--json"]);
        run_with(&other_config, &db, &["articles"]);
        let polled = run_with(&other_config, &db, &["poll", "--json"]);
        drop(other);
        (before, listed, status, (polled, feeds_snapshot(&db), home))
    })
    .await
    .expect("join");
    let (polled, after, _home) = polled;
    assert_eq!(before.len(), 2);
    assert!(
        before
            .iter()
            .all(|(_, source, active)| source == "config" && *active == 1)
    );
    assert_eq!(
        after, before,
        "no command but `feeds sync` changed the feed table"
    );

    let stdout = String::from_utf8_lossy(&listed.stdout);
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(listed.status.success(), "{stderr}");
    assert!(
        stdout.contains("desk0") && !stdout.contains("elsewhere"),
        "{stdout}"
    );
    assert!(!stdout.contains("removed"), "{stdout}");
    assert!(
        stdout.starts_with("config ") && stdout.contains("redline.toml (--config)"),
        "feeds list names the config it used: {stdout}"
    );
    assert_eq!(
        stderr.matches("run `redline feeds sync`").count(),
        1,
        "one hint line: {stderr}"
    );
    assert!(stderr.contains("1 feeds not in the database"), "{stderr}");

    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["config_in_sync"], false, "{status}");
    assert_eq!(status["config_found_by"], "--config");
    assert!(
        status["config"]
            .as_str()
            .is_some_and(|p| Path::new(p).is_absolute() && p.ends_with("redline.toml")),
        "{status}"
    );

    // `poll` polled the database's two feeds, not the other config's one, and said so.
    let stderr = String::from_utf8_lossy(&polled.stderr);
    assert!(polled.status.success(), "{stderr}");
    let reports: serde_json::Value = serde_json::from_slice(&polled.stdout).expect("poll json");
    let names: Vec<&str> = reports
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["feed"].as_str())
        .collect();
    assert_eq!(names, ["desk0", "desk1"], "{reports}");
    assert!(stderr.contains("run `redline feeds sync`"), "{stderr}");
}

// See: #12 item 3. The shipped config came back after the user removed one of its feeds.
#[test]
fn a_feed_removed_with_feeds_remove_stays_removed_until_added_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = "https://gazette.example/rss";
    std::fs::write(dir.path().join("redline.toml"), feed_table(2, url)).expect("config");
    let db = dir.path().join("redline.db");
    sync_config_feeds(dir.path());
    let removed = ok(dir.path(), &["feeds", "remove", "desk1"]);
    assert!(
        removed.contains("stays removed") && removed.contains("feeds add"),
        "remove says the config still lists it: {removed}"
    );
    let synced = ok(dir.path(), &["feeds", "sync"]);
    assert!(
        synced.contains("1 feeds the config lists stay removed")
            && synced.contains(&format!("{url}?desk=1")),
        "sync reports the tombstone: {synced}"
    );
    assert_eq!(count_in(&db, "SELECT COUNT(*) FROM feeds"), 1);
    // The tombstone is a decision, not a difference: no hint to sync.
    let listed = redline_in(dir.path(), &["feeds", "list"]);
    assert!(
        !String::from_utf8_lossy(&listed.stderr).contains("feeds sync"),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    // The explicit option brings it back...
    let restored = ok(dir.path(), &["feeds", "sync", "--restore-removed"]);
    assert!(restored.contains("1 added"), "{restored}");
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM feeds WHERE name = 'desk1' AND source = 'config' AND active = 1"
        ),
        1
    );
    // ...and so does `feeds add` of the same URL.
    ok(dir.path(), &["feeds", "remove", "desk1"]);
    ok(
        dir.path(),
        &["feeds", "add", &format!("{url}?desk=1"), "--force"],
    );
    let synced = ok(dir.path(), &["feeds", "sync"]);
    assert!(!synced.contains("stay removed"), "{synced}");
    assert_eq!(
        count_in(&db, "SELECT COUNT(*) FROM feeds WHERE active = 1"),
        2
    );
}

// See: #12 item 3. The config is found through the working directory; `status` says which.
#[test]
fn status_names_the_config_found_in_the_working_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("config")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/redline.toml"),
        feed_table(1, "https://gazette.example/rss"),
    )
    .expect("config");
    let out = redline_command()
        .current_dir(dir.path())
        .args(["--db", "redline.db", "status"])
        .env_remove("REDLINE_CONFIG")
        .env_remove("REDLINE_DB")
        .output()
        .expect("status");
    let text = success_stdout(&out, &["status"]);
    let line = text
        .lines()
        .find(|l| l.starts_with("config"))
        .unwrap_or_else(|| panic!("no config line: {text}"));
    let expected = std::fs::canonicalize(dir.path())
        .expect("canonical")
        .join("config/redline.toml");
    assert!(
        line.contains(expected.to_str().expect("path")) || line.contains("/config/redline.toml"),
        "{line}"
    );
    assert!(line.contains("working directory"), "{line}");
    // The database was never synced: status says how to apply the config.
    assert!(text.contains("run `redline feeds sync`"), "{text}");
}
