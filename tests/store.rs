//! The database: schema versioning, and crash safety of a real `redline poll` process.

use std::process::Stdio;
use std::time::Duration;

use redline::store::{Store, StoreError};

use crate::util::{FeedServer, Route, rss};

#[test]
fn database_from_a_newer_redline_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("redline.db");
    drop(Store::open(&path).expect("create"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", 99)
            .expect("bump version");
    }
    let err = Store::open(&path).expect_err("newer schema must be refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer redline"), "{err}");
}

#[test]
fn reopening_applies_nothing_twice_and_keeps_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/dir/redline.db");
    let store = Store::open(&path).expect("create with parent dirs");
    store
        .write(|tx| {
            redline::store::feeds::add(
                tx,
                "https://wire.example/rss",
                Some("wire"),
                None,
                false,
                1,
            )?;
            Ok(())
        })
        .expect("add");
    drop(store);
    let store = Store::open(&path).expect("reopen");
    let n: i64 = store
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM feeds", [], |r| r.get(0))?))
        .expect("count");
    assert_eq!(n, 1);
    let fk: i64 = store
        .read(|c| Ok(c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?))
        .expect("pragma");
    assert_eq!(fk, 1);
}

fn many_items(feed: usize, round: usize) -> String {
    let items: Vec<(String, String, String, String)> = (0..20)
        .map(|i| {
            (
                format!("desk-{feed}-{i}"),
                format!("https://wire.example/{feed}/story-{i}"),
                format!("Regional council {feed} votes on budget item {i}"),
                format!(
                    "Councillors in district {feed} voted {}-{} on Tuesday to approve item {i}, worth ${}.{} million, the clerk said. Revision {round}.",
                    5 + i % 3,
                    2 + round % 2,
                    i + 1,
                    round
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    rss(&refs)
}

/// A `redline poll` killed with SIGKILL mid-cycle leaves a database that opens, passes
/// `PRAGMA integrity_check`, and holds only whole versions with their change records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_killed_mid_cycle_leaves_no_half_written_version() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("redline.db");
    let config_path = dir.path().join("redline.toml");
    let feeds = 40;
    let mut config = String::from("[http]\ntimeout = \"5s\"\n[schedule]\njitter = \"0s\"\n");
    for f in 0..feeds {
        config.push_str(&format!(
            "[[feed]]\nname = \"desk{f}\"\nurl = \"{}\"\n",
            server.url(&format!("/desk{f}.xml"))
        ));
    }
    std::fs::write(&config_path, config).expect("write config");
    let synced = crate::util::redline_command()
        .args(["--config", config_path.to_str().expect("utf-8 path")])
        .args(["--db", db.to_str().expect("utf-8 path"), "feeds", "sync"])
        .output()
        .expect("feeds sync");
    assert!(synced.status.success());

    for round in 0..6 {
        for f in 0..feeds {
            server.set(&format!("/desk{f}.xml"), Route::xml(&many_items(f, round)));
        }
        let mut child = crate::util::redline_command()
            .args([
                "--config",
                config_path.to_str().expect("utf-8 path"),
                "--db",
                db.to_str().expect("utf-8 path"),
                "poll",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redline poll");
        // Kill at different points of the cycle; the last round is left to finish.
        if round < 5 {
            tokio::time::sleep(Duration::from_millis(60 + 70 * round as u64)).await;
            let _ = child.kill(); // SIGKILL
        }
        let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    }

    let store = Store::open(&db).expect("database opens after SIGKILL");
    store
        .read(|c| {
            let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            assert_eq!(ok, "ok");
            let fk: i64 = c.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
            assert_eq!(fk, 0, "no dangling references");
            // Versions are numbered 1..n without gaps, each body decodes, and every version
            // after the first has its change record (written in the same transaction).
            let gaps: i64 = c.query_row(
                "SELECT COUNT(*) FROM (SELECT article_id, MAX(seq) m, COUNT(*) n FROM versions GROUP BY article_id) WHERE m != n",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(gaps, 0);
            let orphans: i64 = c.query_row(
                "SELECT COUNT(*) FROM versions v WHERE v.seq > 1 AND NOT EXISTS \
                 (SELECT 1 FROM changes ch WHERE ch.article_id = v.article_id AND ch.to_seq = v.seq)",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(orphans, 0, "every later version has its change record");
            let articles: Vec<i64> = c
                .prepare("SELECT id FROM articles")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in &articles {
                let versions = redline::store::articles::versions(c, *id)?;
                assert!(!versions.is_empty(), "article {id} has a version");
                for v in versions {
                    assert!(v.body.contains("Councillors in district"), "whole body");
                }
            }
            assert_eq!(articles.len(), feeds * 20, "the final, uninterrupted poll stored everything");
            Ok(())
        })
        .expect("checks");
}

/// Bodies are stored as deltas against the previous version, with a standalone keyframe every
/// few versions; every version must read back exactly, one at a time or all together.
#[test]
fn delta_compressed_versions_read_back_exactly() {
    use redline::normalize::{Snapshot, TextSource};
    use redline::store::articles;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("redline.db")).expect("open");
    let paragraphs = |n: usize| -> Vec<String> {
        (0..30)
            .map(|i| {
                format!(
                    "Paragraph {i}: the regional water board said reservoir levels stood at {}% on Monday, \
                     down from {}% a week earlier, and asked households to cut use by a tenth.",
                    40 + (i * n) % 50,
                    45 + i
                )
            })
            .collect()
    };
    let bodies: Vec<String> = store
        .write(|tx| {
            redline::store::feeds::add(
                tx,
                "https://wire.example/rss",
                Some("wire"),
                None,
                false,
                1,
            )?;
            let article = articles::insert(tx, 1, "wire-1", "https://wire.example/a", "h", 1)?;
            let mut previous: Option<(i64, String)> = None;
            let mut bodies = Vec::new();
            for seq in 1..=20 {
                let snap = Snapshot::new(
                    "Reservoirs fall",
                    None,
                    "https://wire.example/a",
                    &paragraphs(seq as usize),
                    TextSource::Feed,
                );
                articles::insert_version(
                    tx,
                    article,
                    seq,
                    &snap,
                    false,
                    None,
                    previous.as_ref().map(|(s, b)| (*s, b.as_str())),
                    seq,
                )?;
                bodies.push(snap.body.clone());
                previous = Some((seq, snap.body));
            }
            Ok(bodies)
        })
        .expect("insert");
    store
        .read(|c| {
            let keyframes: i64 = c.query_row(
                "SELECT COUNT(*) FROM versions WHERE base_seq IS NULL",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(keyframes, 3, "seq 1, 9 and 17 stand alone");
            for (i, body) in bodies.iter().enumerate() {
                let v = articles::version(c, 1, i as i64 + 1)?.expect("version");
                assert_eq!(&v.body, body, "version {}", i + 1);
            }
            let all = articles::versions(c, 1)?;
            assert_eq!(
                all.iter().map(|v| v.body.clone()).collect::<Vec<_>>(),
                bodies
            );
            assert_eq!(
                articles::latest_version(c, 1)?.expect("latest").body,
                bodies[19]
            );
            let blob: i64 =
                c.query_row("SELECT SUM(length(body_zstd)) FROM versions", [], |r| {
                    r.get(0)
                })?;
            let raw: usize = bodies.iter().map(String::len).sum();
            assert!(
                (blob as f64) < raw as f64 * 0.25,
                "{blob} stored bytes for {raw} raw"
            );
            Ok(())
        })
        .expect("read");
}
