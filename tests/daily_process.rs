//! A day of real use, as processes: the daemon behind a closed or unread log pipe, listings
//! into `| head`, two daemons on one database, Ctrl-C during `poll`, what `status` says about
//! a daemon that runs, stopped or was killed, and the operations items (man pages, help text,
//! a failing sink's log). See: #12.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{FeedServer, Route, count_in, exec_sql, redline_command, rss, wait_for};

fn db(dir: &Path) -> PathBuf {
    dir.join("redline.db")
}

/// `redline ARGS` on `dir`'s config and database, stdio left to the caller.
fn redline(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = redline_command();
    cmd.args(["--config", dir.join("redline.toml").to_str().expect("path")])
        .args(["--db", db(dir).to_str().expect("path")])
        .args(args)
        .env_remove("REDLINE_CONFIG")
        .env_remove("REDLINE_DB")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    cmd
}

fn output(dir: &Path, args: &[&str]) -> Output {
    redline(dir, args).output().expect("run redline")
}

/// Writes the config and applies its feeds (only `run` and `feeds sync` do that).
fn write_config(dir: &Path, body: &str) {
    std::fs::write(dir.join("redline.toml"), body).expect("config");
    let out = output(dir, &["feeds", "sync"]);
    assert!(
        out.status.success(),
        "feeds sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill -{sig} {pid}");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            panic!("redline did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status_json(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let out = output(dir, &args);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status --json: {e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json)
}

/// The wire story, `rev` words into its life.
fn wire_feed(rate: &str) -> String {
    rss(&[(
        "wire-rates-2026",
        "https://wire.example/markets/rates",
        "Central bank holds rates as inflation cools",
        &format!(
            "The central bank kept its main rate at {rate} on Thursday, saying inflation had eased for a third month.\n\nEconomists had expected the decision."
        ),
    )])
}

fn daemon_config(feeds: &[(&str, String)]) -> String {
    let mut s = String::from("[schedule]\njitter = \"0s\"\n[http]\nper_host_concurrency = 8\n");
    for (name, url) in feeds {
        s.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    s
}

/// Edits the wire story `rounds` times, each time making the feed due, and waits for each
/// edit to land as a version: the daemon is polling, cycle after cycle.
fn drive_cycles(server: &FeedServer, db: &Path, rounds: usize) {
    let rates = ["4.25%", "4.5%", "4.75%", "5%"];
    for (round, rate) in rates.iter().enumerate().take(rounds) {
        server.set("/wire.xml", Route::xml(&wire_feed(rate)));
        exec_sql(db, "UPDATE feeds SET next_poll_at = 0");
        // Version 1 is the story as first polled.
        let want = (round + 2) as i64;
        wait_for(
            &format!("version {want} of the wire story"),
            Duration::from_secs(30),
            || count_in(db, "SELECT COUNT(*) FROM versions") >= want,
        );
    }
}

/// See: #12 (1). `redline run 2>&1 | head`: once head exits, every log write fails. The
/// tracing writer reported that with a panicking `eprintln!`; the panic killed the signal
/// task before it cancelled the shutdown (SIGTERM ignored) and every poll task after its
/// commit. A closed stdout and stderr now cost log lines, counted, and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_with_closed_log_pipes_keeps_polling_and_stops_on_sigterm() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &daemon_config(&[("wire", server.url("/wire.xml"))]),
    );
    server.set("/wire.xml", Route::xml(&wire_feed("4%")));
    let (out_r, out_w) = std::io::pipe().expect("pipe");
    let (err_r, err_w) = std::io::pipe().expect("pipe");
    // Both readers gone before the daemon writes a byte: every write is EPIPE.
    drop((out_r, err_r));
    let mut daemon = redline(dir.path(), &["run"])
        .env("RUST_LOG", "debug")
        .stdout(out_w)
        .stderr(err_w)
        .spawn()
        .expect("spawn run");
    let db = db(dir.path());
    tokio::task::block_in_place(|| {
        wait_for("the first version", Duration::from_secs(30), || {
            count_in(&db, "SELECT COUNT(*) FROM versions") >= 1
        });
        drive_cycles(&server, &db, 3);
        signal(daemon.id(), "TERM");
        let status = wait_exit(&mut daemon, Duration::from_secs(15));
        assert!(status.success(), "exit 0 on SIGTERM: {status:?}");
    });
    assert_eq!(count_in(&db, "SELECT COUNT(*) FROM versions"), 4);
    let (_, s) = status_json(dir.path(), &[]);
    assert_eq!(s["daemon"], "stopped", "{s}");
    assert!(
        s["daemon_log_lines_dropped"].as_u64().unwrap_or(0) > 0,
        "the lost lines are counted: {s}"
    );
}

/// See: #12 (1). A log pipe nobody reads fills up; a write to it then blocks. It must block
/// only the log writer, never polling or the stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_with_a_full_unread_log_pipe_keeps_polling() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &daemon_config(&[("wire", server.url("/wire.xml"))]),
    );
    server.set("/wire.xml", Route::xml(&wire_feed("4%")));
    let (reader, writer) = std::io::pipe().expect("pipe");
    // Full before the daemon starts, whatever the pipe's capacity: this thread writes until
    // the write blocks, and stays blocked until the reader is dropped at the end.
    let mut filler = writer.try_clone().expect("clone pipe");
    let filling = std::thread::spawn(move || {
        use std::io::Write;
        let chunk = [b'.'; 4096];
        let mut written = 0usize;
        while filler.write_all(&chunk).is_ok() {
            written += chunk.len();
        }
        written
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut daemon = redline(dir.path(), &["run"])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(writer)
        .spawn()
        .expect("spawn run");
    let db = db(dir.path());
    tokio::task::block_in_place(|| {
        wait_for("the first version", Duration::from_secs(30), || {
            count_in(&db, "SELECT COUNT(*) FROM versions") >= 1
        });
        drive_cycles(&server, &db, 3);
        signal(daemon.id(), "TERM");
        let status = wait_exit(&mut daemon, Duration::from_secs(15));
        assert!(status.success(), "exit 0 on SIGTERM: {status:?}");
    });
    assert_eq!(count_in(&db, "SELECT COUNT(*) FROM versions"), 4);
    drop(reader);
    let written = filling.join().expect("filler");
    assert!(written >= 4096, "the pipe was filled ({written} bytes)");
}

/// A database with a few stories in two versions, for the listing commands.
async fn stories_db(server: &FeedServer, dir: &Path, stories: usize) {
    let story = |i: usize, amount: &str| {
        (
            format!("council-{i}"),
            format!("https://chronicle.example/news/council-{i}"),
            format!("Council approves budget for district {i}"),
            format!(
                "The council approved a {amount} budget for district {i} on Tuesday, the mayor said. {}",
                "Residents asked for more buses and longer library hours at the meeting. "
                    .repeat(8)
            ),
        )
    };
    let doc = |amount: &str| {
        let items: Vec<(String, String, String, String)> =
            (0..stories).map(|i| story(i, amount)).collect();
        let refs: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect();
        rss(&refs)
    };
    write_config(
        dir,
        &format!(
            "[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    );
    let dir = dir.to_path_buf();
    for amount in ["$412 million", "$428 million"] {
        server.set("/feed.xml", Route::xml(&doc(amount)));
        let d = dir.clone();
        let out = tokio::task::spawn_blocking(move || output(&d, &["poll"]))
            .await
            .expect("poll task");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// See: #12 (2). `--json | head` printed "Broken pipe" and exited 1 (serde_json wraps the
/// write error, so it was not seen as a closed pipe); `completions | head` panicked. Every
/// command ends quietly with 0 on a closed stdout, whether it is closed before the first
/// write or after a reader took the first bytes of a large output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_exits_zero_quietly_on_a_closed_stdout() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    stories_db(&server, dir.path(), 60).await;
    let feed: &'static str = server.url("/feed.xml").leak();
    let commands: Vec<Vec<&str>> = vec![
        vec!["feeds", "list"],
        vec!["feeds", "sync"],
        vec!["feeds", "list", "--json"],
        vec!["feeds", "export"],
        vec!["articles"],
        vec!["articles", "--json"],
        vec!["articles", "--changed", "--json"],
        vec!["versions", "1"],
        vec!["versions", "1", "--json"],
        vec!["show", "1"],
        vec!["show", "1", "--json"],
        vec!["diff", "1"],
        vec!["diff", "1", "--format", "json"],
        vec!["log"],
        vec!["log", "--json"],
        vec!["export", "--format", "jsonl"],
        vec!["export", "--format", "csv"],
        vec!["status"],
        vec!["status", "--json"],
        vec!["alerts", "list"],
        vec!["alerts", "list", "--json"],
        vec!["alerts", "list", "--state", "retrying"],
        vec!["check", &feed],
        vec!["check", &feed, "--json"],
        vec!["poll", "--json"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["--help"],
    ];
    let dir = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        for args in &commands {
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            let out = redline(&dir, args)
                .stdout(writer)
                .stderr(Stdio::piped())
                .output()
                .expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(0),
                "redline {args:?} on a closed stdout: {stderr}"
            );
            assert!(
                !stderr.contains("roken pipe") && !stderr.contains("panicked"),
                "redline {args:?} is quiet: {stderr}"
            );
        }
        // `| head -c 100`: a reader that leaves after the first bytes of a large output.
        for args in [
            vec!["export", "--format", "jsonl"],
            vec!["articles", "--json", "--limit", "1000"],
            vec!["log", "--json"],
        ] {
            let mut child = redline(&dir, &args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            let mut stdout = child.stdout.take().expect("stdout");
            let mut head = [0u8; 100];
            stdout.read_exact(&mut head).expect("first bytes");
            drop(stdout);
            let out = child.wait_with_output().expect("wait");
            assert_eq!(
                out.status.code(),
                Some(0),
                "redline {args:?} | head: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    })
    .await
    .expect("commands");
}

/// See: #12 (4). A second `run` on the same database is refused, naming the first one's PID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_daemon_on_one_database_is_refused_with_the_first_ones_pid() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Route::xml(&wire_feed("4%")));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &daemon_config(&[("wire", server.url("/wire.xml"))]),
    );
    let mut first = redline(dir.path(), &["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn run");
    let db = db(dir.path());
    let dir_path = dir.path().to_path_buf();
    tokio::task::block_in_place(|| {
        wait_for("the first daemon polling", Duration::from_secs(30), || {
            count_in(&db, "SELECT COUNT(*) FROM versions") >= 1
        });
        let mut second = redline(&dir_path, &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn second run");
        let status = wait_exit(&mut second, Duration::from_secs(15));
        let mut stderr = String::new();
        second
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read");
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "another redline (pid {}) is polling this database",
                first.id()
            )),
            "{stderr}"
        );
        signal(first.id(), "TERM");
        assert!(wait_exit(&mut first, Duration::from_secs(15)).success());
    });
}

fn article_page(headline: &str, lead: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline}</title></head>
<body><nav><a href="/">Home</a></nav><main><article><h1>{headline}</h1>
<p class="byline">By Maria Okafor</p>
<p>{lead}</p>
<p>The harbour board met for four hours on Monday evening and heard from residents, shipping firms and the ferry union before it voted.</p>
<p>A spokesperson for the board said the full minutes of the meeting would be published on its website within a week.</p>
</article></main><footer>Harbour City Chronicle</footer></body></html>"#
    )
}

/// See: #12 (6). Ctrl-C during `poll` reported the interrupted feed as a success with 0 errors
/// and threw away the article pages already fetched. Now what finished is committed, the rest
/// is reported as interrupted, and the exit code is 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_poll_commits_finished_pages_and_reports_the_rest() {
    let server = FeedServer::start().await;
    let mut items = Vec::new();
    for (i, slow) in [(1, false), (2, false), (3, true), (4, true)] {
        let path = format!("/news/harbour-{i}");
        let headline = format!("Harbour board vote number {i} approves new ferry pier");
        if slow {
            server.set(&path, Route::Hang(Duration::from_secs(120)));
        } else {
            server.set(
                &path,
                Route::html(&article_page(
                    &headline,
                    &format!("The harbour board voted 5-2 to build pier {i}, at a cost of $18 million, its chair said."),
                )),
            );
        }
        items.push((format!("harbour-{i}"), server.url(&path), headline));
    }
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(g, u, h)| {
            (
                g.as_str(),
                u.as_str(),
                h.as_str(),
                "The board voted on Monday.",
            )
        })
        .collect();
    server.set("/feed.xml", Route::xml(&rss(&refs)));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &format!(
            "[http]\ntimeout = \"180s\"\nper_host_concurrency = 8\n\
             [[feed]]\nname = \"harbour\"\nurl = \"{}\"\nfull_text = true\n",
            server.url("/feed.xml")
        ),
    );
    let mut poll = redline(dir.path(), &["poll"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn poll");
    let server_ref = &server;
    let status = tokio::task::block_in_place(|| {
        wait_for(
            "the two quick pages served",
            Duration::from_secs(30),
            || {
                !server_ref.seen("/news/harbour-1").is_empty()
                    && !server_ref.seen("/news/harbour-2").is_empty()
            },
        );
        // Their extraction takes milliseconds; the slow pages hang for two minutes.
        std::thread::sleep(Duration::from_secs(2));
        signal(poll.id(), "INT");
        wait_exit(&mut poll, Duration::from_secs(20))
    });
    let out = poll.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status.code(),
        Some(130),
        "an interrupted poll says so in its exit code: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("interrupted: 4 entries stored, 2 pages not checked"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 interrupted (2 pages not checked)"),
        "{stdout}"
    );
    let db = db(dir.path());
    assert_eq!(
        count_in(&db, "SELECT COUNT(*) FROM versions"),
        2,
        "the pages fetched before Ctrl-C are stored"
    );
    assert_eq!(count_in(&db, "SELECT COUNT(*) FROM articles"), 4);
    // The two pages not fetched are due at the next poll.
    assert_eq!(
        count_in(
            &db,
            "SELECT COUNT(*) FROM articles a WHERE next_check_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.article_id = a.id)"
        ),
        2
    );
}

/// See: #12 (8). `status` said "healthy" with no daemon, "running" for 60 s after a crash, and
/// "last poll: not yet" right after a `poll`. Each state now reads as what it is, and
/// `--require-daemon` makes a missing daemon unhealthy (exit 3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_tells_running_stopped_and_killed_daemons_apart() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Route::xml(&wire_feed("4%")));
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &daemon_config(&[("wire", server.url("/wire.xml"))]),
    );
    let d = dir.path().to_path_buf();
    tokio::task::block_in_place(|| {
        // Never ran; then right after a one-off poll.
        let (code, s) = status_json(&d, &["--require-daemon"]);
        assert_eq!((code, &s["daemon"]), (Some(3), &"never_ran".into()), "{s}");
        let polled = output(&d, &["poll"]);
        assert!(polled.status.success());
        let (code, s) = status_json(&d, &[]);
        assert_eq!(code, Some(0), "no daemon is fine without --require-daemon");
        assert!(s["last_poll_at"].is_string(), "last poll after `poll`: {s}");
        let text = String::from_utf8(output(&d, &["status"]).stdout).expect("utf-8");
        assert!(text.contains("last poll 20"), "{text}");
        assert!(!text.contains("not yet"), "{text}");

        // Running.
        let mut daemon = redline(&d, &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn run");
        let pid = daemon.id();
        wait_for("the daemon's heartbeat", Duration::from_secs(30), || {
            status_json(&d, &[]).1["daemon"] == "running"
        });
        let (code, s) = status_json(&d, &["--require-daemon"]);
        assert_eq!(code, Some(0), "{s}");
        assert_eq!(s["daemon_pid"], pid, "{s}");
        assert_eq!(s["daemon_running"], true);
        let text = String::from_utf8(output(&d, &["status"]).stdout).expect("utf-8");
        assert!(
            text.contains(&format!("daemon    running (pid {pid})")),
            "{text}"
        );

        // Stopped cleanly.
        signal(pid, "TERM");
        assert!(wait_exit(&mut daemon, Duration::from_secs(15)).success());
        let (code, s) = status_json(&d, &["--require-daemon"]);
        assert_eq!((code, &s["daemon"]), (Some(3), &"stopped".into()), "{s}");
        assert_eq!(s["daemon_running"], false);
        assert_eq!(status_json(&d, &[]).0, Some(0));

        // Killed: its heartbeat is seconds old, but the lock died with it.
        let mut daemon = redline(&d, &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn run");
        let pid = daemon.id();
        wait_for(
            "the second daemon's heartbeat",
            Duration::from_secs(30),
            || {
                let s = status_json(&d, &[]).1;
                s["daemon"] == "running" && s["daemon_pid"] == pid
            },
        );
        signal(pid, "KILL");
        let _ = wait_exit(&mut daemon, Duration::from_secs(15));
        let (code, s) = status_json(&d, &["--require-daemon"]);
        assert_eq!((code, &s["daemon"]), (Some(3), &"crashed".into()), "{s}");
        assert_eq!(s["daemon_running"], false, "{s}");
        let out = output(&d, &["status"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("pid {pid} crashed or was killed")),
            "{text}"
        );
    });
}

/// See: #12 (18). The main man page names `redline-feeds(1)` and the rest; `man --dir`
/// writes them, one per command, each about its command.
#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = dir.path().join("man1");
    let out = redline_command()
        .args(["man", "--dir", pages.to_str().expect("path")])
        .output()
        .expect("run man");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let main = std::fs::read_to_string(pages.join("redline.1")).expect("redline.1");
    let cmd = <redline::cli::Cli as clap::CommandFactory>::command();
    let mut expected = Vec::new();
    for sub in cmd.get_subcommands() {
        expected.push((
            format!("redline-{}", sub.get_name()),
            sub.get_name().to_string(),
        ));
        for nested in sub.get_subcommands() {
            expected.push((
                format!("redline-{}-{}", sub.get_name(), nested.get_name()),
                format!("{} {}", sub.get_name(), nested.get_name()),
            ));
        }
    }
    assert!(expected.len() > 20, "{expected:?}");
    for (page, words) in &expected {
        let text = std::fs::read_to_string(pages.join(format!("{page}.1")))
            .unwrap_or_else(|e| panic!("{page}.1: {e}"));
        assert!(
            text.contains(&format!("{} \\- ", page.replace('-', "\\-")))
                && text.contains(&format!("\\fBredline {words}\\fR")),
            "{page}.1 names its command:\n{text}"
        );
    }
    for sub in cmd.get_subcommands() {
        assert!(
            main.contains(&format!("redline\\-{}(1)", sub.get_name())),
            "redline.1 points to redline-{}(1)",
            sub.get_name()
        );
    }
}

/// See: #12 (18). Every subcommand and every option says what it is for in `--help`.
#[test]
fn every_subcommand_and_option_has_help_text() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            // clap's own --help and --version carry their text.
            if matches!(
                arg.get_action(),
                clap::ArgAction::Help
                    | clap::ArgAction::HelpShort
                    | clap::ArgAction::HelpLong
                    | clap::ArgAction::Version
            ) {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(sub_path.clone());
            }
            walk(sub, &sub_path, missing);
        }
    }
    let cmd = <redline::cli::Cli as clap::CommandFactory>::command();
    let mut missing = Vec::new();
    walk(&cmd, "redline", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:#?}");
}

/// See: #12 (18). A sink that keeps failing logged one warning per row per attempt (500 rows
/// behind a dead receiver: 500 lines a round). Now one per retry step of the alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_sink_logs_once_per_backoff_step() {
    let server = FeedServer::start().await;
    server.set("/hook", Route::Status(500, vec![]));
    let dir = tempfile::tempdir().expect("tempdir");
    // Three stories edited in one poll: three outbox rows for the one failing alert.
    let story = |i: usize, amount: &str| {
        (
            format!("port-{i}"),
            format!("https://chronicle.example/news/port-{i}"),
            format!("Port handles record cargo in quarter {i}"),
            format!("The port handled {amount} tonnes of cargo in quarter {i}, its director said."),
        )
    };
    let doc = |amount: &str| {
        let items: Vec<_> = (1..=3).map(|i| story(i, amount)).collect();
        let refs: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect();
        rss(&refs)
    };
    write_config(
        dir.path(),
        &format!(
            "[delivery]\nretry_base = \"100ms\"\nmax_attempts = 4\npoll_timeout = \"20s\"\n\
             [[feed]]\nname = \"port\"\nurl = \"{}\"\n\
             [[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"{}\"\n",
            server.url("/port.xml"),
            server.url("/hook")
        ),
    );
    let d = dir.path().to_path_buf();
    server.set("/port.xml", Route::xml(&doc("1.2 million")));
    let first = tokio::task::block_in_place(|| output(&d, &["poll"]));
    assert!(first.status.success());
    server.set("/port.xml", Route::xml(&doc("1.4 million")));
    let out = tokio::task::block_in_place(|| output(&d, &["poll"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    let warnings = log
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("alert delivery failed"))
        .count();
    let db = db(dir.path());
    assert_eq!(
        count_in(&db, "SELECT COUNT(*) FROM outbox WHERE alert = 'desk'"),
        3,
        "{log}"
    );
    let sends = server.seen("/hook").len();
    assert_eq!(sends, 12, "3 rows, 4 attempts each: {log}");
    assert_eq!(
        warnings, 4,
        "one warning per attempt number, not per row:\n{log}"
    );
}
