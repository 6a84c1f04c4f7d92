//! Many feeds (issue #15, "100,000 feeds on one machine"): the scheduler reads due feeds a batch
//! at a time in overdue order, the sync and `poll` stay linear, and per-host state does not
//! outlive the requests that need it. Sizes here are small; what is checked is behaviour (order,
//! completeness, what the queries use), never time.

use std::sync::Arc;
use std::time::Duration;

use redline::config::{Config, FeedConfig};
use redline::fetch::{HttpClient, Validators};
use redline::store::{Store, articles, feeds, unix_now};
use tokio_util::sync::CancellationToken;

use crate::util::{FeedServer, Route, redline_in, rss, wait_for_async};

/// SQLite's plan for `sql`, its detail lines joined: tells an index walk from a scan.
fn query_plan(store: &Store, sql: &str) -> String {
    store
        .read(|c| {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows.join("; "))
        })
        .expect("plan")
}

fn feed_body(k: usize) -> String {
    rss(&[(
        &format!("desk-{k}-1"),
        &format!("https://news.example/desk-{k}/1"),
        &format!("Desk {k}: council approves flood barrier after two-year delay"),
        &format!(
            "The council voted {k} to 3 on Tuesday to fund the barrier, officials said, \
             after residents in the lower town were flooded twice this year."
        ),
    )])
}

fn config_for(server: &FeedServer, n: usize) -> Config {
    let mut config = Config::default();
    config.http.allow_private_networks = true;
    config.http.timeout = Duration::from_secs(10);
    // One fetch at a time: the scheduler's queue is 4 polls, far fewer than the due feeds.
    config.http.concurrency = 1;
    config.schedule.jitter = Duration::ZERO;
    for k in 0..n {
        config.feeds.push(FeedConfig {
            url: server.url(&format!("/desk/{k}.xml")).parse().expect("url"),
            name: Some(format!("desk{k:03}")),
            interval: None,
            full_text: false,
        });
    }
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_polls_every_due_feed_once_most_overdue_first_in_batches() {
    const N: usize = 48;
    let server = FeedServer::start().await;
    for k in 0..N {
        server.set(&format!("/desk/{k}.xml"), Route::xml(&feed_body(k)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("redline.db")).expect("store");
    let config = config_for(&server, N);
    let now = unix_now();
    store
        .write(|tx| feeds::sync_config(tx, &config.feeds, now))
        .expect("sync");
    // Feeds 0..40 were due at different times, the earlier the lower the number; 40..48 were
    // never polled and so come first. Expected order: 40..48, then 0, 1, ... 39.
    store
        .write(|tx| {
            for k in 0..40i64 {
                tx.execute(
                    "UPDATE feeds SET next_poll_at = ?2 WHERE name = ?1",
                    rusqlite::params![format!("desk{k:03}"), now - 1000 + k * 10],
                )?;
            }
            Ok(())
        })
        .expect("schedule");
    let expected: Vec<String> = (40..N)
        .chain(0..40)
        .map(|k| format!("/desk/{k}.xml"))
        .collect();
    let shutdown = CancellationToken::new();
    let (_reload_tx, reload_rx) = tokio::sync::mpsc::unbounded_channel();
    let daemon = tokio::spawn(redline::daemon::run(
        config,
        store.clone(),
        shutdown.clone(),
        reload_rx,
    ));
    wait_for_async("every feed polled", Duration::from_secs(60), || {
        server.seen_all().len() >= N
    })
    .await;
    // A moment more, so a second poll of any feed would show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    shutdown.cancel();
    daemon.await.expect("daemon task").expect("daemon ran");

    let order: Vec<String> = server.seen_all().into_iter().map(|s| s.path).collect();
    assert_eq!(order.len(), N, "each feed polled exactly once: {order:?}");
    let mut sorted = order.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want, "every due feed polled");
    // Polls of one batch (the queue: 4) may start in any order; across batches the most
    // overdue go first. Allow two batches of slack.
    for (pos, path) in order.iter().enumerate() {
        let rank = expected.iter().position(|p| p == path).expect("known path");
        assert!(
            pos.abs_diff(rank) < 8,
            "{path} polled {pos}th but is {rank}th most overdue: {order:?}"
        );
    }
    let polled = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM feeds WHERE last_ok_at IS NOT NULL AND next_poll_at > ?1",
                [now],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .expect("count");
    assert_eq!(polled, N as i64, "every feed rescheduled into the future");
}

#[test]
fn due_reads_a_batch_in_overdue_order_through_the_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("redline.db")).expect("store");
    let mut config = Config::default();
    for k in 0..2_000 {
        config.feeds.push(FeedConfig {
            url: format!("https://desk{k}.news.example/rss")
                .parse()
                .expect("url"),
            name: None,
            interval: None,
            full_text: k % 10 == 0,
        });
    }
    let now = 1_800_000_000;
    store
        .write(|tx| feeds::sync_config(tx, &config.feeds, now))
        .expect("sync");
    store
        .write(|tx| {
            // Ids 1..=1000 due at now - id (id 1000 is the most overdue), 1001..=1990 not due,
            // 1991..=2000 never polled; 3 due ones paused and 2 deactivated, never returned.
            tx.execute_batch(&format!(
                "UPDATE feeds SET next_poll_at = {now} - id WHERE id <= 1000;
                 UPDATE feeds SET next_poll_at = {now} + id WHERE id > 1000 AND id <= 1990;
                 UPDATE feeds SET paused = 1 WHERE id IN (1000, 999, 1995);
                 UPDATE feeds SET active = 0 WHERE id IN (998, 1996);"
            ))?;
            Ok(())
        })
        .expect("schedule");
    let batch = store.read(|c| feeds::due(c, now, 12)).expect("due");
    let ids: Vec<i64> = batch.iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        vec![
            1991, 1992, 1993, 1994, 1997, 1998, 1999, 2000, 997, 996, 995, 994
        ],
        "never polled first (by id), then the longest overdue; paused and inactive skipped"
    );
    let all = store.read(|c| feeds::due(c, now, usize::MAX)).expect("due");
    assert_eq!(all.len(), 8 + 997, "every due feed when the limit allows");
    assert_eq!(
        store.read(feeds::next_due_at).expect("next"),
        Some(0),
        "a never-polled feed is due at once"
    );
    store
        .write(|tx| {
            tx.execute_batch(&format!(
                "UPDATE feeds SET next_poll_at = {now} + 5000 + id WHERE next_poll_at IS NULL OR next_poll_at <= {now}"
            ))?;
            Ok(())
        })
        .expect("reschedule");
    assert!(
        store
            .read(|c| feeds::due(c, now, 50))
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store.read(feeds::next_due_at).expect("next"),
        Some(now + 1001),
        "the earliest next poll of an active, unpaused feed"
    );
    // The schedule reads are index walks, not scans of every feed row.
    let plan = |sql: &str| query_plan(&store, sql);
    let due_plan = plan(
        "SELECT id FROM feeds WHERE active = 1 AND paused = 0 \
         AND (next_poll_at IS NULL OR next_poll_at <= 5) ORDER BY next_poll_at, id LIMIT 10",
    );
    assert!(due_plan.contains("feeds_due"), "{due_plan}");
    assert!(!due_plan.contains("TEMP B-TREE"), "no sort: {due_plan}");
    let recheck_plan = plan(
        "SELECT id FROM feeds WHERE active = 1 AND paused = 0 AND full_text = 1 \
         AND next_poll_at IS NOT NULL AND next_poll_at > 5 ORDER BY id",
    );
    assert!(recheck_plan.contains("feeds_full_text"), "{recheck_plan}");
}

/// Found by the 100,000-feed daemon run: every new entry asks whether a watched page already
/// tracks its URL, and the page-feed subquery scanned every feed row (0.3–0.6 s per cold poll
/// of a 20-item feed at 100,000 feeds). The answer must stay right and come from an index.
#[test]
fn new_entries_check_watched_pages_through_an_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("redline.db")).expect("store");
    let mut config = Config::default();
    for k in 0..1_500 {
        config.feeds.push(FeedConfig {
            url: format!("https://desk{k}.news.example/rss")
                .parse()
                .expect("url"),
            name: None,
            interval: None,
            full_text: false,
        });
    }
    let now = 1_800_000_000;
    store
        .write(|tx| feeds::sync_config(tx, &config.feeds, now))
        .expect("sync");
    let page_url = "https://harbourtimes.example/2026/11/ferry-fares-frozen";
    let page = store
        .write(|tx| feeds::add_page(tx, page_url, Some("ferry-fares"), now))
        .expect("watch page");
    // An ordinary feed's article with another URL, tracked by feed 7.
    let other_url = "https://desk7.news.example/2026/11/council-budget-vote";
    store
        .write(|tx| articles::insert(tx, 7, other_url, other_url, "h", now).map(|_| ()))
        .expect("article");
    let found = store
        .read(|c| articles::tracked_elsewhere(c, page_url, Some(3), true))
        .expect("lookup")
        .expect("the watched page tracks that URL");
    assert_eq!(found.feed_id, page.id);
    assert!(
        store
            .read(|c| articles::tracked_elsewhere(c, page_url, Some(page.id), true))
            .expect("lookup")
            .is_none(),
        "the page feed itself is excluded"
    );
    assert!(
        store
            .read(|c| articles::tracked_elsewhere(c, other_url, Some(3), true))
            .expect("lookup")
            .is_none(),
        "only page feeds count when page_only is set"
    );
    let plan = query_plan(&store, "SELECT id FROM feeds WHERE kind = 'page'");
    assert!(plan.contains("feeds_pages"), "{plan}");
}

#[test]
fn config_sync_of_many_feeds_adds_updates_and_deactivates_exactly_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("redline.db")).expect("store");
    let mut list: Vec<FeedConfig> = (0..20_000)
        .map(|k| FeedConfig {
            url: format!("https://desk{k}.news.example/rss")
                .parse()
                .expect("url"),
            name: Some(format!("desk{k}")),
            interval: None,
            full_text: false,
        })
        .collect();
    let first = store
        .write(|tx| feeds::sync_config(tx, &list, 1))
        .expect("sync");
    assert_eq!(
        (first.added, first.updated, first.deactivated),
        (20_000, 0, 0)
    );
    assert!(
        store
            .read(|c| feeds::plan_sync(c, &list))
            .expect("plan")
            .is_in_sync()
    );
    // Drop two feeds, rename one, add one.
    list.remove(7);
    list.remove(19_000);
    list[3].name = Some("harbour-desk".into());
    list.push(FeedConfig {
        url: "https://late.news.example/rss".parse().expect("url"),
        name: Some("late".into()),
        interval: None,
        full_text: true,
    });
    let plan = store.read(|c| feeds::plan_sync(c, &list)).expect("plan");
    assert_eq!(plan.add, vec![list.len() - 1]);
    assert_eq!(plan.update.len(), 1);
    assert_eq!(plan.deactivate, vec![8, 19_002]);
    let second = store
        .write(|tx| feeds::sync_config(tx, &list, 2))
        .expect("sync");
    assert_eq!(
        (second.added, second.updated, second.deactivated),
        (1, 1, 2)
    );
    let renamed = store
        .read(|c| feeds::find(c, "harbour-desk"))
        .expect("find")
        .expect("renamed feed");
    assert_eq!(renamed.id, 4);
}

#[test]
fn poll_of_many_feeds_reports_every_one() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    const N: usize = 60;
    let server = rt.block_on(FeedServer::start());
    for k in 0..N {
        server.set(&format!("/desk/{k}.xml"), Route::xml(&feed_body(k)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut toml = String::from("[http]\nconcurrency = 1\n[schedule]\njitter = \"0s\"\n");
    for k in 0..N {
        toml.push_str(&format!(
            "[[feed]]\nname = \"desk{k:03}\"\nurl = \"{}\"\n",
            server.url(&format!("/desk/{k}.xml"))
        ));
    }
    std::fs::write(dir.path().join("redline.toml"), toml).expect("config");
    let sync = redline_in(dir.path(), &["feeds", "sync"]);
    assert!(sync.status.success(), "{sync:?}");
    // Spawned as earlier polls finish (a queue of 4 here), yet every feed is polled once.
    let out = redline_in(dir.path(), &["poll", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows.len(), N);
    assert!(
        rows.iter()
            .all(|r| r["new_articles"] == 1 && r["error"].is_null())
    );
    let ids: Vec<i64> = rows.iter().filter_map(|r| r["feed_id"].as_i64()).collect();
    assert_eq!(ids, (1..=N as i64).collect::<Vec<_>>(), "sorted by feed");
    assert_eq!(server.seen_all().len(), N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_limits_are_forgotten_once_no_request_needs_them() {
    let server = FeedServer::start().await;
    server.set("/a.xml", Route::xml(&feed_body(1)));
    server.set("/slow.xml", Route::Hang(Duration::from_millis(1500)));
    let mut config = Config::default();
    config.http.allow_private_networks = true;
    let http = Arc::new(HttpClient::new(&config.http).expect("client"));
    // Two host names for the one loopback server: two entries while requests run.
    let by_ip: url::Url = server.url("/a.xml").parse().expect("url");
    let by_name: url::Url = format!("http://localhost:{}/a.xml", server.addr.port())
        .parse()
        .expect("url");
    for u in [&by_ip, &by_name] {
        http.get(u, &Validators::default()).await.expect("fetch");
    }
    assert_eq!(http.hosts_tracked(), 0, "nothing kept after the requests");
    let slow: url::Url = server.url("/slow.xml").parse().expect("url");
    let pending = {
        let http = http.clone();
        tokio::spawn(async move { http.get(&slow, &Validators::default()).await })
    };
    wait_for_async("the slow request to start", Duration::from_secs(5), || {
        http.hosts_tracked() == 1
    })
    .await;
    pending.await.expect("task").expect("slow fetch");
    assert_eq!(http.hosts_tracked(), 0);
    // A cancelled request gives its host back too.
    let slow: url::Url = server.url("/slow.xml").parse().expect("url");
    let cancelled = tokio::time::timeout(
        Duration::from_millis(200),
        http.get(&slow, &Validators::default()),
    )
    .await;
    assert!(cancelled.is_err(), "timed out on our side");
    assert_eq!(http.hosts_tracked(), 0);
}
