//! Poll-cycle benchmark: a loopback news site (N feeds × M articles, served from memory by
//! axum on 127.0.0.1) and the real `redline poll` binary run against it as a child process, so
//! its wall time, CPU time (user + sys) and peak RSS are measured exactly (`getrusage
//! RUSAGE_CHILDREN` in a one-child wrapper process).
//!
//! ```text
//! cargo bench --bench poll_cycle -- --mode feeds --feeds 10000      # feeds only, 10,000 × 20
//! cargo bench --bench poll_cycle -- --mode fulltext --feeds 100     # full text, 100 × 20 pages
//! cargo bench --bench poll_cycle -- --mode storage                  # bytes per version
//! ```
//!
//! Each run uses a fresh database and polls three times: cold (everything new), warm (nothing
//! changed: feeds answer 304, pages are byte-identical) and change (5% of the articles edited:
//! a figure and a quote in the lede, a figure further down). See BENCHMARKS.md.

#[path = "common/child.rs"]
mod child;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use clap::Parser;
use nix::sys::resource::{UsageWho, getrusage};
use tokio_util::sync::CancellationToken;

/// The `redline` binary cargo built for this bench (bench profile = release settings).
const REDLINE: &str = env!("CARGO_BIN_EXE_redline");
/// Hard limit for one `redline poll`; the child is killed past it and the bench fails.
const CHILD_TIMEOUT: Duration = Duration::from_secs(900);
/// The server stops by itself after this long, whatever the bench is doing.
const SERVER_DEADLINE: Duration = Duration::from_secs(4 * 3600);
/// First argument of the internal wrapper mode (see `wrap`).
const WRAP_FLAG: &str = "--rusage-wrap";

#[derive(Parser, Debug, Clone)]
#[command(about = "redline poll-cycle benchmark against a loopback news site")]
struct Args {
    /// feeds (feeds only), fulltext (feeds + article pages), storage (bytes per version) or
    /// daemon (`redline run` scheduling every feed: a cold cycle, then `--runs` warm ones).
    #[arg(long, default_value = "feeds")]
    mode: String,
    /// Number of feeds (N).
    #[arg(long, default_value_t = 1000)]
    feeds: usize,
    /// Items per feed (M).
    #[arg(long, default_value_t = 20)]
    items: usize,
    /// Runs per figure (fresh database each); the median, min and max are reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Percent of all articles edited before the change cycle.
    #[arg(long, default_value_t = 5.0)]
    change_pct: f64,
    /// Words of article text (fulltext: ~800; storage: ~1,000).
    #[arg(long)]
    words: Option<usize>,
    /// `[http] concurrency` in the generated config (redline's default is 32).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// `[http] per_host_concurrency`. Every feed is on 127.0.0.1, so redline's default of 2
    /// would serialise the whole site through two connections; 64 (≥ concurrency) makes the
    /// global limit the only one, as with N feeds on N hosts.
    #[arg(long, default_value_t = 64)]
    per_host: usize,
    /// Serve article pages with an ETag (304 on re-check). Off by default: many news sites send
    /// none, and redline must then skip extraction on identical bytes by itself.
    #[arg(long)]
    page_etag: bool,
    /// Versions per article in storage mode.
    #[arg(long, default_value_t = 10)]
    versions: usize,
    /// Run redline under `perf record -g` (one data file per cycle in this directory); the
    /// timings of such a run include perf's overhead.
    #[arg(long)]
    perf: Option<PathBuf>,
    /// Keep the temp directories (config, database, redline's stdout/stderr) for inspection.
    #[arg(long)]
    keep: bool,
    /// The redline binary to measure.
    #[arg(long, default_value = REDLINE)]
    redline: PathBuf,
    /// Serve the full-text site without polling, for measuring another tool against the same
    /// pages: writes one page URL per line to this file, then serves until stdin closes. Each
    /// stdin line `edit` applies the next edit (the `--change-pct` pick, revision 1, 2, …).
    #[arg(long)]
    serve_only: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    if raw.get(1).map(String::as_str) == Some(WRAP_FLAG) {
        return wrap(&raw[2..]);
    }
    let args = Args::parse();
    if let Some(urls) = &args.serve_only {
        return match serve_only(&args, urls) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("poll_cycle: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let result = match args.mode.as_str() {
        "feeds" => cycles(&args, false),
        "fulltext" => cycles(&args, true),
        "storage" => storage(&args),
        "daemon" => daemon(&args),
        other => Err(format!(
            "unknown --mode {other} (feeds, fulltext, storage, daemon)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("poll_cycle: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring a child: the wrapper.

/// Internal mode: `poll_cycle --rusage-wrap STDOUT STDERR PROGRAM ARGS...`. Runs PROGRAM as its
/// only child, waits for it (killing it past `CHILD_TIMEOUT`), then prints one line:
/// `wall_s user_s sys_s maxrss_kb exit_code`. As the wrapper has no other child,
/// `RUSAGE_CHILDREN` is exactly PROGRAM's usage, peak RSS included.
fn wrap(args: &[String]) -> ExitCode {
    let [stdout, stderr, program, rest @ ..] = args else {
        eprintln!("usage: {WRAP_FLAG} STDOUT STDERR PROGRAM [ARGS...]");
        return ExitCode::FAILURE;
    };
    match child::run_child(stdout, stderr, program, rest, CHILD_TIMEOUT) {
        Ok(u) => {
            println!(
                "{:.6} {:.6} {:.6} {} {}",
                u.wall_s, u.user_s, u.sys_s, u.max_rss_kb, u.code
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// One measured `redline poll`.
#[derive(Debug, Clone, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
    user: f64,
    sys: f64,
    rss_mb: f64,
    /// CPU the bench process (mostly the HTTP server) used meanwhile.
    server_cpu: f64,
    requests: u64,
    totals: Totals,
}

/// Sums over the per-feed reports of `redline poll --json`.
#[derive(Debug, Clone, Default)]
struct Totals {
    feeds: u64,
    not_modified: u64,
    new_articles: u64,
    new_versions: u64,
    claim_changes: u64,
    pages_fetched: u64,
    page_errors: u64,
    errors: u64,
}

impl Totals {
    fn urls(&self) -> u64 {
        self.feeds + self.pages_fetched
    }
}

fn self_cpu() -> f64 {
    getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| child::secs(u.user_time()) + child::secs(u.system_time()))
        .unwrap_or(0.0)
}

/// Runs `redline --config C --db D poll --json` through the wrapper; `tag` names its output files.
fn poll(args: &Args, dir: &Path, tag: &str, site: &Site) -> Result<Sample, String> {
    let mut s = measure(args, dir, tag, site, &["poll", "--json"])?;
    s.totals = read_totals(&dir.join(format!("{tag}.json")))?;
    Ok(s)
}

/// `redline feeds sync`: `poll` polls what the database holds and never syncs (#12), so each
/// run applies the generated config first. Measured on its own, as it is not part of a cycle.
fn sync(args: &Args, dir: &Path, site: &Site) -> Result<Sample, String> {
    measure(args, dir, "sync", site, &["feeds", "sync"])
}

/// Runs `redline --config C --db D ARGS...` through the wrapper; `tag` names its output files.
fn measure(
    args: &Args,
    dir: &Path,
    tag: &str,
    site: &Site,
    redline_args: &[&str],
) -> Result<Sample, String> {
    let out = dir.join(format!("{tag}.json"));
    let err = dir.join(format!("{tag}.log"));
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(me);
    cmd.arg(WRAP_FLAG).arg(&out).arg(&err);
    if let Some(perf_dir) = &args.perf {
        std::fs::create_dir_all(perf_dir).map_err(|e| e.to_string())?;
        cmd.args(["perf", "record", "-F", "999", "-g", "-o"])
            .arg(perf_dir.join(format!("{tag}.data")))
            .arg("--");
    }
    cmd.arg(&args.redline)
        .arg("--config")
        .arg(dir.join("redline.toml"))
        .arg("--db")
        .arg(dir.join("redline.db"))
        .args(redline_args);
    // Loopback only: no proxy may see these requests. Default logging (info), as users run it.
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "RUST_LOG",
        "REDLINE_CONFIG",
        "REDLINE_DB",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    // The site is on 127.0.0.1, which redline refuses by default.
    cmd.env(redline::config::ALLOW_PRIVATE_NETWORKS_ENV, "1");
    let requests_before = site.requests.load(Ordering::Relaxed);
    let cpu_before = self_cpu();
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("wrapper: {e}"))?;
    let server_cpu = self_cpu() - cpu_before;
    let requests = site.requests.load(Ordering::Relaxed) - requests_before;
    let line = String::from_utf8_lossy(&output.stdout);
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() != 5 {
        return Err(format!(
            "wrapper failed: {line} {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if f[4] != 0.0 {
        let log = std::fs::read_to_string(&err).unwrap_or_default();
        let tail: String = log.lines().rev().take(20).collect::<Vec<_>>().join("\n");
        return Err(format!(
            "redline exited with {} ({tag}); log tail:\n{tail}",
            f[4]
        ));
    }
    Ok(Sample {
        wall: f[0],
        user: f[1],
        sys: f[2],
        cpu: f[1] + f[2],
        rss_mb: f[3] / 1024.0,
        server_cpu,
        requests,
        totals: Totals::default(),
    })
}

fn read_totals(path: &Path) -> Result<Totals, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reports: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let n =
        |r: &serde_json::Value, k: &str| r.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let mut t = Totals::default();
    for r in &reports {
        t.feeds += 1;
        t.not_modified +=
            u64::from(r.get("not_modified").and_then(serde_json::Value::as_bool) == Some(true));
        t.new_articles += n(r, "new_articles");
        t.new_versions += n(r, "new_versions");
        t.claim_changes += n(r, "claim_changes");
        t.pages_fetched += n(r, "pages_fetched");
        t.page_errors += r
            .get("page_errors")
            .and_then(serde_json::Value::as_array)
            .map_or(0, |a| a.len() as u64);
        t.errors += u64::from(r.get("error").is_some_and(|e| !e.is_null()));
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// The three cycles.

fn cycles(args: &Args, full_text: bool) -> Result<(), String> {
    let words = args.words.unwrap_or(800);
    let (n, m) = (args.feeds, args.items);
    eprintln!(
        "poll_cycle: {} × {m}, {}, {} runs, redline = {}",
        n,
        if full_text { "full text" } else { "feeds only" },
        args.runs,
        args.redline.display()
    );
    let t = Instant::now();
    let (listener, addr) = Server::bind()?;
    let site = Arc::new(Site::new(addr, n, m, words, full_text, args.page_etag));
    eprintln!(
        "poll_cycle: site generated in {:.1}s: feed ≈ {} bytes (item text ≈ {} words), page ≈ {} bytes (article ≈ {} words)",
        t.elapsed().as_secs_f64(),
        site.feed_len(0),
        Article::new(0, 0, 0, words).paragraphs[0]
            .split_whitespace()
            .count(),
        site.page_len(0, 0),
        if full_text {
            site.article_words(0, 0)
        } else {
            0
        },
    );
    let server = Server::start(listener, site.clone())?;
    let edited = pick_edited(n * m, args.change_pct);
    let mut samples: [Vec<Sample>; 3] = Default::default();
    for run in 0..args.runs {
        site.reset();
        let dir = tempfile::Builder::new()
            .prefix("redline-bench-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        write_config(dir.path(), args, addr, n, full_text)?;
        let synced = sync(args, dir.path(), &site)?;
        eprintln!(
            "  run {}: feeds sync wall {:.2}s cpu {:.2}s rss {:.1} MB",
            run + 1,
            synced.wall,
            synced.cpu,
            synced.rss_mb
        );
        let cold = poll(args, dir.path(), "cold", &site)?;
        check(
            "cold",
            &cold,
            cold.totals.new_articles == (n * m) as u64
                && cold.totals.errors == 0
                && cold.totals.page_errors == 0
                && cold.totals.new_versions == (n * m) as u64,
        )?;
        let warm = poll(args, dir.path(), "warm", &site)?;
        check(
            "warm",
            &warm,
            warm.totals.not_modified == n as u64
                && warm.totals.new_versions == 0
                && warm.totals.errors == 0,
        )?;
        site.edit(&edited, 1);
        let change = poll(args, dir.path(), "change", &site)?;
        check(
            "change",
            &change,
            change.totals.new_versions == edited.len() as u64
                && change.totals.claim_changes > 0
                && change.totals.errors == 0
                && change.totals.page_errors == 0,
        )?;
        for (i, s) in [cold, warm, change].into_iter().enumerate() {
            eprintln!(
                "  run {}: {:<6} wall {:>7.2}s cpu {:>7.2}s (user {:.2} sys {:.2}) rss {:>6.1} MB, {} urls, {} requests served, {} new versions, {} claim changes, server cpu {:.2}s",
                run + 1,
                CYCLES[i],
                s.wall,
                s.cpu,
                s.user,
                s.sys,
                s.rss_mb,
                s.totals.urls(),
                s.requests,
                s.totals.new_versions,
                s.totals.claim_changes,
                s.server_cpu
            );
            samples[i].push(s);
        }
        if args.keep {
            eprintln!("  kept {}", dir.keep().display());
        }
    }
    server.stop();
    let title = format!(
        "{} — {n} feeds × {m} items{}, {} edited ({}%), {} runs, concurrency {}/{} per host",
        if full_text { "full text" } else { "feeds only" },
        if full_text {
            format!(
                ", pages ≈ {} KB / {} words",
                site.page_len(0, 0) / 1000,
                site.article_words(0, 0)
            )
        } else {
            String::new()
        },
        edited.len(),
        args.change_pct,
        args.runs,
        args.concurrency,
        args.per_host,
    );
    println!("{}", table(&title, &samples));
    Ok(())
}

const CYCLES: [&str; 3] = ["cold", "warm", "change"];

fn check(cycle: &str, s: &Sample, ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{cycle} cycle did not do the expected work: {:?}",
            s.totals
        ))
    }
}

/// `--serve-only`: the full-text site of `cycles`, with no poller, for a side-by-side run of
/// another tool (BENCHMARKS.md, "urlwatch side by side").
fn serve_only(args: &Args, urls_file: &Path) -> Result<(), String> {
    use std::io::BufRead as _;
    let words = args.words.unwrap_or(800);
    let (n, m) = (args.feeds, args.items);
    let (listener, addr) = Server::bind()?;
    let site = Arc::new(Site::new(addr, n, m, words, true, args.page_etag));
    let mut list = String::new();
    for f in 0..n {
        for i in 0..m {
            let _ = writeln!(list, "http://{addr}/news/{f}/{i}.html");
        }
    }
    std::fs::write(urls_file, list).map_err(|e| format!("{}: {e}", urls_file.display()))?;
    let server = Server::start(listener, site.clone())?;
    let edited = pick_edited(n * m, args.change_pct);
    eprintln!(
        "poll_cycle: serving {} pages on http://{addr}/ (URLs in {}); `edit` on stdin edits {} articles, EOF stops",
        n * m,
        urls_file.display(),
        edited.len()
    );
    let mut rev = 0;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim() == "edit" {
            rev += 1;
            site.edit(&edited, rev);
            eprintln!("poll_cycle: {} articles at revision {rev}", edited.len());
        }
    }
    server.stop();
    Ok(())
}

/// `pct` percent of `total` articles, spread evenly (a fixed pseudo-random pick).
fn pick_edited(total: usize, pct: f64) -> Vec<usize> {
    let k = ((total as f64) * pct / 100.0).round() as usize;
    let mut all: Vec<usize> = (0..total).collect();
    fastrand::Rng::with_seed(0x5eed).shuffle(&mut all);
    all.truncate(k.min(total));
    all.sort_unstable();
    all
}

fn write_config(
    dir: &Path,
    args: &Args,
    addr: SocketAddr,
    feeds: usize,
    full_text: bool,
) -> Result<(), String> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "[http]\nconcurrency = {}\nper_host_concurrency = {}\n\n[schedule]\njitter = \"0s\"",
        args.concurrency, args.per_host
    );
    if full_text {
        // Re-check every page on every poll, so the warm and change cycles look at all of them.
        s.push_str("recheck = [{ until = \"30d\", every = \"0s\" }]\n");
    }
    for f in 0..feeds {
        let _ = writeln!(
            s,
            "\n[[feed]]\nname = \"f{f:05}\"\nurl = \"http://{addr}/feed/{f}.xml\"\nfull_text = {full_text}"
        );
    }
    std::fs::write(dir.join("redline.toml"), s).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Figures.

fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (med, s[0], s[n - 1])
}

fn cell(v: &[f64], prec: usize) -> String {
    let (med, min, max) = stats(v);
    format!("{med:.prec$} ({min:.prec$}–{max:.prec$})")
}

fn table(title: &str, samples: &[Vec<Sample>; 3]) -> String {
    let mut t = format!(
        "\n### {title}\n\nmedian (min–max)\n\n| cycle | wall s | CPU s (user+sys) | peak RSS MB | URLs | CPU ms/URL | new versions | claim changes | server CPU s |\n|---|---|---|---|---|---|---|---|---|\n"
    );
    for (i, runs) in samples.iter().enumerate() {
        if runs.is_empty() {
            continue;
        }
        let col = |f: fn(&Sample) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        let per_url = col(|s| 1000.0 * s.cpu / s.totals.urls().max(1) as f64);
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            CYCLES[i],
            cell(&col(|s| s.wall), 2),
            cell(&col(|s| s.cpu), 2),
            cell(&col(|s| s.rss_mb), 1),
            runs[0].totals.urls(),
            cell(&per_url, 3),
            runs[0].totals.new_versions,
            runs[0].totals.claim_changes,
            cell(&col(|s| s.server_cpu), 2),
        );
    }
    t
}

// ---------------------------------------------------------------------------------------------
// The daemon: `redline run` scheduling every feed.

/// CPU seconds (user + sys) and peak RSS (MB) of a running process, from /proc. Clock ticks are
/// taken as 100 Hz (`CLK_TCK` on Linux).
fn proc_usage(pid: u32) -> Result<(f64, f64), String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    let cpu = (tick(11) + tick(12)) / 100.0;
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let hwm_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    Ok((cpu, hwm_kb / 1024.0))
}

fn db_count(db: &Path, sql: &str) -> i64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return -1;
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
}

/// One scheduler cycle of the daemon.
#[derive(Debug, Clone, Default)]
struct DaemonCycle {
    /// From making every feed due (or from start, cold) until every feed is polled.
    wall: f64,
    /// From the first request the site saw to the last feed polled.
    active: f64,
    cpu: f64,
    rss_mb: f64,
    server_cpu: f64,
    requests: u64,
}

fn daemon(args: &Args) -> Result<(), String> {
    let (n, m) = (args.feeds, args.items);
    eprintln!(
        "poll_cycle: daemon, {n} × {m}, feeds only, 1 cold + {} warm cycles, redline = {}",
        args.runs,
        args.redline.display()
    );
    let (listener, addr) = Server::bind()?;
    let site = Arc::new(Site::new(addr, n, m, 800, false, false));
    let server = Server::start(listener, site.clone())?;
    site.reset();
    let dir = tempfile::Builder::new()
        .prefix("redline-bench-daemon-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    write_config(dir.path(), args, addr, n, false)?;
    // Long enough that no feed falls due again by itself during the bench.
    let cfg = dir.path().join("redline.toml");
    let text = std::fs::read_to_string(&cfg).map_err(|e| e.to_string())?;
    std::fs::write(
        &cfg,
        text.replacen("jitter = \"0s\"", "jitter = \"0s\"\ninterval = \"12h\"", 1),
    )
    .map_err(|e| e.to_string())?;
    let db = dir.path().join("redline.db");
    let mut cmd = Command::new(&args.redline);
    cmd.arg("--config")
        .arg(&cfg)
        .arg("--db")
        .arg(&db)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("daemon.log")).map_err(|e| e.to_string())?);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "RUST_LOG",
        "REDLINE_CONFIG",
        "REDLINE_DB",
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1,localhost");
    cmd.env(redline::config::ALLOW_PRIVATE_NETWORKS_ENV, "1");
    let started = Instant::now();
    let cpu_before = self_cpu();
    let requests_before = site.requests.load(Ordering::Relaxed);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start redline run: {e}"))?;
    let pid = child.id();
    let result = (|| -> Result<Vec<DaemonCycle>, String> {
        let mut cycles = Vec::new();
        // Cold: from start (config sync included) until every feed has been polled.
        let polled_sql = "SELECT COUNT(*) FROM feeds WHERE last_ok_at IS NOT NULL";
        let first = wait_cycle(&mut child, &site, requests_before, || {
            db_count(&db, polled_sql) == n as i64
        })?;
        let (cpu, rss) = proc_usage(pid)?;
        cycles.push(DaemonCycle {
            wall: started.elapsed().as_secs_f64(),
            active: first.elapsed().as_secs_f64(),
            cpu,
            rss_mb: rss,
            server_cpu: self_cpu() - cpu_before,
            requests: site.requests.load(Ordering::Relaxed) - requests_before,
        });
        eprintln!("  cold: {:?}", cycles[0]);
        for run in 0..args.runs {
            // Let the daemon settle (heartbeat, idle loop), then make every feed due at once.
            std::thread::sleep(Duration::from_secs(2));
            // Peak RSS of this cycle alone.
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
            let mark = redline::store::unix_now();
            let (cpu0, _) = proc_usage(pid)?;
            let server0 = self_cpu();
            let req0 = site.requests.load(Ordering::Relaxed);
            let t0 = Instant::now();
            {
                let conn = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
                conn.busy_timeout(Duration::from_secs(30))
                    .map_err(|e| e.to_string())?;
                conn.execute(
                    "UPDATE feeds SET next_poll_at = ?1 WHERE active = 1",
                    [mark],
                )
                .map_err(|e| e.to_string())?;
            }
            let done_sql = format!("SELECT COUNT(*) FROM feeds WHERE next_poll_at > {mark}");
            let first = wait_cycle(&mut child, &site, req0, || {
                db_count(&db, &done_sql) == n as i64
            })?;
            let (cpu1, rss) = proc_usage(pid)?;
            let c = DaemonCycle {
                wall: t0.elapsed().as_secs_f64(),
                active: first.elapsed().as_secs_f64(),
                cpu: cpu1 - cpu0,
                rss_mb: rss,
                server_cpu: self_cpu() - server0,
                requests: site.requests.load(Ordering::Relaxed) - req0,
            };
            eprintln!("  warm {}: {c:?}", run + 1);
            cycles.push(c);
        }
        let errors = db_count(&db, "SELECT COUNT(*) FROM feeds WHERE error_streak > 0");
        if errors != 0 {
            return Err(format!("{errors} feeds erroring after the cycles"));
        }
        Ok(cycles)
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let stop = Instant::now();
    while child.try_wait().ok().flatten().is_none() && stop.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    server.stop();
    let db_mb = db_bytes(&db)? as f64 / 1e6;
    let cycles = result?;
    let warm = &cycles[1..];
    let col = |f: fn(&DaemonCycle) -> f64| warm.iter().map(f).collect::<Vec<_>>();
    let mut t = format!(
        "\n### daemon — `redline run`, {n} feeds × {m} items, feeds only, concurrency {}/{} per host\n\n\
         | cycle | wall s (due → all polled) | wall s (first request → all polled) | CPU s | peak RSS MB | requests | server CPU s |\n|---|---|---|---|---|---|---|\n",
        args.concurrency, args.per_host
    );
    let c = &cycles[0];
    let _ = writeln!(
        t,
        "| cold (start, sync included) | {:.2} | {:.2} | {:.2} | {:.1} | {} | {:.2} |",
        c.wall, c.active, c.cpu, c.rss_mb, c.requests, c.server_cpu
    );
    let _ = writeln!(
        t,
        "| warm, all 304 (median of {}, min–max) | {} | {} | {} | {} | {} | {} |",
        warm.len(),
        cell(&col(|c| c.wall), 2),
        cell(&col(|c| c.active), 2),
        cell(&col(|c| c.cpu), 2),
        cell(&col(|c| c.rss_mb), 1),
        warm.first().map_or(0, |c| c.requests),
        cell(&col(|c| c.server_cpu), 2),
    );
    let _ = writeln!(
        t,
        "\ndatabase: {db_mb:.1} MB (checkpointed, less free pages)"
    );
    println!("{t}");
    if args.keep {
        eprintln!("  kept {}", dir.keep().display());
    }
    Ok(())
}

/// Waits until `done` holds (checked every 200 ms), failing if the daemon exits or past
/// `CHILD_TIMEOUT`. Returns when the site saw its first request after `requests_before`.
fn wait_cycle(
    child: &mut std::process::Child,
    site: &Site,
    requests_before: u64,
    mut done: impl FnMut() -> bool,
) -> Result<Instant, String> {
    let start = Instant::now();
    let mut first: Option<Instant> = None;
    loop {
        if first.is_none() && site.requests.load(Ordering::Relaxed) > requests_before {
            first = Some(Instant::now());
        }
        if let Some(f) = first
            && done()
        {
            return Ok(f);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redline run exited: {status}"));
        }
        if start.elapsed() > CHILD_TIMEOUT {
            return Err("the daemon did not finish the cycle in time".into());
        }
        std::thread::sleep(Duration::from_millis(if first.is_some() { 200 } else { 5 }));
    }
}

// ---------------------------------------------------------------------------------------------
// Storage per version.

fn storage(args: &Args) -> Result<(), String> {
    let words = args.words.unwrap_or(1000);
    // Several articles, so SQLite's 4 KiB page granularity does not swamp the figure; each has
    // `versions` versions and the ratio is the same per article.
    let articles = args.items;
    let (listener, addr) = Server::bind()?;
    let site = Arc::new(Site::new(addr, 1, articles, words, true, false));
    let server = Server::start(listener, site.clone())?;
    let dir = tempfile::Builder::new()
        .prefix("redline-bench-storage-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    write_config(dir.path(), args, addr, 1, true)?;
    sync(args, dir.path(), &site)?;
    let db_path = dir.path().join("redline.db");
    let all: Vec<usize> = (0..articles).collect();
    let mut raw_per_version: Vec<u64> = Vec::new();
    let mut db_after: Vec<u64> = Vec::new();
    let mut samples = Vec::new();
    for v in 0..args.versions {
        site.edit(&all, v as u32);
        let s = poll(args, dir.path(), &format!("v{v}"), &site)?;
        check(
            "storage",
            &s,
            s.totals.new_versions == articles as u64 && s.totals.errors == 0,
        )?;
        raw_per_version.push(
            all.iter()
                .map(|&a| site.article_text(0, a, v as u32).len() as u64)
                .sum(),
        );
        db_after.push(db_bytes(&db_path)?);
        samples.push(s);
    }
    server.stop();
    let conn = rusqlite::Connection::open(&db_path).map_err(|e| e.to_string())?;
    let q = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .map(Option::unwrap_or_default)
            .map_err(|e| format!("{sql}: {e}"))
    };
    let n_versions = q("SELECT COUNT(*) FROM versions")?;
    let blob = q("SELECT SUM(length(body_zstd)) FROM versions")?;
    let row_payload = q(
        "SELECT SUM(length(body_zstd) + length(url) + length(title) + COALESCE(length(byline),0) \
         + COALESCE(length(published),0) + COALESCE(length(modified),0) + length(hash) \
         + length(typo_hash) + length(source) + 8*6) FROM versions",
    )?;
    let dbstat: Option<i64> = conn
        .query_row(
            "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('versions', 'sqlite_autoindex_versions_1')",
            [],
            |r| r.get(0),
        )
        .ok();
    // What redline extracted and stored, decoded by redline's own reader (bodies are deltas
    // against the previous version, so a plain zstd call cannot read them).
    let mut stored_text = 0u64;
    let mut delta_bytes = 0u64;
    {
        let store = redline::store::Store::open(&db_path).map_err(|e| e.to_string())?;
        let versions = store
            .read(|c| {
                let ids: Vec<i64> = c
                    .prepare("SELECT id FROM articles ORDER BY id")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut all = Vec::new();
                for id in ids {
                    all.push(redline::store::articles::versions(c, id)?);
                }
                Ok(all)
            })
            .map_err(|e| e.to_string())?;
        for article in versions {
            let mut prev: Option<Vec<u8>> = None;
            for v in article {
                let text = v.body.into_bytes();
                stored_text += text.len() as u64;
                // For comparison: zstd -9 of each version against the previous one.
                let compressed = match &prev {
                    Some(p) => zstd::bulk::Compressor::with_dictionary(9, p)
                        .and_then(|mut c| c.compress(&text))
                        .map_err(|e| e.to_string())?,
                    None => zstd::bulk::compress(&text, 9).map_err(|e| e.to_string())?,
                };
                delta_bytes += compressed.len() as u64;
                prev = Some(text);
            }
        }
    }
    let raw: u64 = raw_per_version.iter().sum();
    let raw_after_first: u64 = raw_per_version.iter().skip(1).sum();
    let growth_all = db_after.last().copied().unwrap_or(0);
    let growth_marginal = growth_all - db_after.first().copied().unwrap_or(0);
    let ratio = |a: u64, b: u64| a as f64 / b.max(1) as f64;
    let mut out = format!(
        "\n### storage — {articles} articles × {} versions of ~{words} words (small edits: a figure, a quote, a figure per version)\n\n",
        args.versions
    );
    let _ = writeln!(out, "| measure | bytes | per article | × raw text |");
    let _ = writeln!(out, "|---|---|---|---|");
    let mut row = |name: &str, bytes: u64, base: u64| {
        let _ = writeln!(
            out,
            "| {name} | {bytes} | {} | {:.3} |",
            bytes / articles as u64,
            ratio(bytes, base)
        );
    };
    row("raw UTF-8 text of all versions (generated)", raw, raw);
    row(
        "text redline extracted and stored (decompressed)",
        stored_text,
        raw,
    );
    row("`SUM(length(body_zstd))` (blob only)", blob as u64, raw);
    row(
        "versions rows payload (blob + hashes + title + url + ints)",
        row_payload as u64,
        raw,
    );
    if let Some(d) = dbstat {
        row("dbstat: pages of `versions` + its index", d as u64, raw);
    }
    row(
        "whole database after all versions (page_count × page_size, checkpointed, less free pages)",
        growth_all,
        raw,
    );
    row(
        "database growth from version 1 to the last (vs raw text of versions 2..)",
        growth_marginal,
        raw_after_first,
    );
    row(
        "alternative: zstd -9 of each version against the previous one as dictionary",
        delta_bytes,
        raw,
    );
    let _ = writeln!(
        out,
        "\n{n_versions} versions stored. Poll CPU per version cycle (20 pages): {}",
        cell(&samples.iter().map(|s| s.cpu).collect::<Vec<_>>(), 3)
    );
    println!("{out}");
    if args.keep {
        eprintln!("kept {}", dir.keep().display());
    }
    Ok(())
}

/// Bytes the database occupies once its WAL is checkpointed, free pages excluded.
fn db_bytes(path: &Path) -> Result<u64, String> {
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let get = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| format!("{sql}: {e}"))
    };
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| e.to_string())?;
    let pages = get("PRAGMA page_count")? - get("PRAGMA freelist_count")?;
    Ok((pages * get("PRAGMA page_size")?) as u64)
}

// ---------------------------------------------------------------------------------------------
// The site: feeds and article pages, rendered into memory.

struct Site {
    /// `127.0.0.1:PORT`, for the absolute links in feeds.
    host: String,
    feeds: usize,
    items: usize,
    words: usize,
    full_text: bool,
    page_etag: bool,
    content: RwLock<Content>,
    requests: AtomicU64,
    /// Requests the server answers at most (a bound on its loop); past it, 503.
    budget: AtomicU64,
    /// The page chrome every article page shares.
    chrome: Chrome,
}

struct Content {
    revs: Vec<u32>,
    feeds: Vec<Bytes>,
    feed_gen: Vec<u32>,
    /// Per article: the page part that is its own (head metadata, article, related links).
    pages: Vec<(Bytes, Bytes)>,
}

impl Site {
    fn new(
        addr: SocketAddr,
        feeds: usize,
        items: usize,
        words: usize,
        full_text: bool,
        page_etag: bool,
    ) -> Self {
        let site = Self {
            host: addr.to_string(),
            feeds,
            items,
            words,
            full_text,
            page_etag,
            content: RwLock::new(Content {
                revs: vec![0; feeds * items],
                feeds: vec![Bytes::new(); feeds],
                feed_gen: vec![0; feeds],
                pages: Vec::new(),
            }),
            requests: AtomicU64::new(0),
            budget: AtomicU64::new(0),
            chrome: Chrome::new(),
        };
        site.render_all();
        site
    }

    fn render_all(&self) {
        let mut c = self.content.write().unwrap_or_else(|p| p.into_inner());
        c.revs.iter_mut().for_each(|r| *r = 0);
        for f in 0..self.feeds {
            c.feeds[f] = self.render_feed(f, &c.revs);
        }
        if self.full_text {
            c.pages = (0..self.feeds * self.items)
                .map(|a| self.render_page(a / self.items, a % self.items, 0))
                .collect();
        }
        // Enough for many cycles, far from unbounded.
        self.budget.store(
            1_000_000 + 40 * (self.feeds * (self.items + 1)) as u64,
            Ordering::Relaxed,
        );
    }

    /// Back to every article at revision 0 (a fresh run).
    fn reset(&self) {
        let dirty = {
            let c = self.content.read().unwrap_or_else(|p| p.into_inner());
            c.revs.iter().any(|&r| r != 0)
        };
        if dirty {
            self.render_all();
        }
        let mut c = self.content.write().unwrap_or_else(|p| p.into_inner());
        c.feed_gen.iter_mut().for_each(|g| *g += 1);
    }

    /// Sets the listed articles (global indices) to revision `rev` and re-renders what shows them.
    fn edit(&self, articles: &[usize], rev: u32) {
        let mut c = self.content.write().unwrap_or_else(|p| p.into_inner());
        let mut touched: Vec<usize> = Vec::new();
        for &a in articles {
            c.revs[a] = rev;
            touched.push(a / self.items);
            if self.full_text {
                c.pages[a] = self.render_page(a / self.items, a % self.items, rev);
            }
        }
        touched.dedup();
        for f in touched {
            c.feeds[f] = self.render_feed(f, &c.revs);
            c.feed_gen[f] += 1;
        }
    }

    fn article_words(&self, f: usize, i: usize) -> usize {
        self.article_text(f, i, 0).split_whitespace().count()
    }

    fn article_text(&self, f: usize, i: usize, rev: u32) -> String {
        let a = Article::new(f, i, rev, self.words);
        let mut s = a.title.clone();
        for p in &a.paragraphs {
            s.push_str("\n\n");
            s.push_str(p);
        }
        s
    }

    fn feed_len(&self, f: usize) -> usize {
        self.content.read().unwrap_or_else(|p| p.into_inner()).feeds[f].len()
    }

    fn page_len(&self, f: usize, i: usize) -> usize {
        let c = self.content.read().unwrap_or_else(|p| p.into_inner());
        c.pages.get(f * self.items + i).map_or(0, |(a, b)| {
            self.chrome.head.len()
                + a.len()
                + self.chrome.top.len()
                + b.len()
                + self.chrome.bottom.len()
        })
    }

    fn render_feed(&self, f: usize, revs: &[u32]) -> Bytes {
        let section = SECTIONS[f % SECTIONS.len()];
        let mut x = String::with_capacity(800 * self.items + 1000);
        let _ = write!(
            x,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>The Daily Ledger — {section} ({f})</title>\n<link>http://news.example/{slug}/{f}</link>\n<description>Latest {section} news, analysis and comment from The Daily Ledger.</description>\n<language>en-gb</language>\n<copyright>© 2026 The Daily Ledger</copyright>\n<lastBuildDate>Thu, 15 Jan 2026 12:00:00 GMT</lastBuildDate>\n",
            slug = section.to_lowercase()
        );
        for i in 0..self.items {
            let a = Article::new(f, i, revs[f * self.items + i], self.words);
            let _ = write!(
                x,
                "<item>\n<title>{}</title>\n<link>http://{host}/news/{f}/{i}.html</link>\n<guid isPermaLink=\"false\">ledger-{f}-{i}</guid>\n<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<category>{section}</category>\n<description>{}</description>\n</item>\n",
                esc(&a.title),
                a.pub_date(),
                esc(&a.author),
                esc(&a.paragraphs[0]),
                host = self.host,
            );
        }
        x.push_str("</channel>\n</rss>\n");
        Bytes::from(x)
    }

    /// (head metadata, body) of one article page; the shared chrome goes around them.
    fn render_page(&self, f: usize, i: usize, rev: u32) -> (Bytes, Bytes) {
        let a = Article::new(f, i, rev, self.words);
        let section = SECTIONS[f % SECTIONS.len()];
        let mut head = String::with_capacity(2000);
        let _ = write!(
            head,
            "<title>{t} | {section} | The Daily Ledger</title>\n<meta name=\"description\" content=\"{d}\">\n<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\"{t}\">\n<meta property=\"article:published_time\" content=\"{iso}\">\n<meta property=\"article:section\" content=\"{section}\">\n<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"headline\":\"{tj}\",\"datePublished\":\"{iso}\",\"author\":{{\"@type\":\"Person\",\"name\":\"{au}\"}},\"publisher\":{{\"@type\":\"Organization\",\"name\":\"The Daily Ledger\"}}}}</script>\n",
            t = esc(&a.title),
            d = esc(&a.paragraphs[0]),
            tj = a.title.replace('"', "\\\""),
            iso = a.iso_date(),
            au = a.author,
        );
        let mut b = String::with_capacity(12_000);
        let _ = write!(
            b,
            "<main id=\"main\" class=\"l-main\">\n<nav class=\"breadcrumb\"><a href=\"/\">Home</a> › <a href=\"/{s}\">{section}</a></nav>\n<article class=\"story\" itemscope itemtype=\"https://schema.org/NewsArticle\">\n<header class=\"story__header\"><h1 class=\"story__headline\" itemprop=\"headline\">{t}</h1>\n<div class=\"story__meta\"><span class=\"byline\">By <a rel=\"author\" href=\"/authors/{slug}\">{au}</a></span> <time datetime=\"{iso}\">{human}</time></div>\n<div class=\"share-tools\"><button>Share</button><button>Save</button><a href=\"#comments\">Comments (42)</a></div></header>\n<figure class=\"story__lead-image\"><img src=\"/img/{f}/{i}.jpg\" alt=\"\" width=\"1200\" height=\"675\"><figcaption>File photo. Photograph: Ledger staff</figcaption></figure>\n<div class=\"story__body\" itemprop=\"articleBody\">\n",
            s = section.to_lowercase(),
            t = esc(&a.title),
            slug = a.author.to_lowercase().replace(' ', "-"),
            au = esc(&a.author),
            iso = a.iso_date(),
            human = a.pub_date(),
        );
        for (k, p) in a.paragraphs.iter().enumerate() {
            let _ = writeln!(b, "<p>{}</p>", esc(p));
            if k == 3 {
                b.push_str("<div class=\"ad-slot ad-slot--inline\" data-slot=\"mid-1\"><span class=\"ad-label\">Advertisement</span><div id=\"div-gpt-ad-mid-1\"></div></div>\n");
            }
            if k == 6 {
                let other = (i + 1) % self.items.max(1);
                let o = Article::new(f, other, 0, 40);
                let _ = writeln!(
                    b,
                    "<aside class=\"read-more\"><strong>Read more:</strong> <a href=\"/news/{f}/{other}.html\">{}</a></aside>",
                    esc(&o.title)
                );
            }
            if k == 9 {
                b.push_str("<div class=\"newsletter-inline\"><p>Sign up to the Morning Ledger: the news you need, every weekday at 7am.</p><form><input type=\"email\" placeholder=\"Email address\"><button>Sign up</button></form></div>\n");
            }
        }
        b.push_str("</div>\n<footer class=\"story__footer\"><p class=\"tags\">Topics: ");
        for t in 0..4 {
            let _ = write!(
                b,
                "<a href=\"/topics/{t}\">{}</a> ",
                TOPICS[(f + i + t) % TOPICS.len()]
            );
        }
        b.push_str("</p></footer>\n</article>\n<aside class=\"related\"><h2>More from ");
        b.push_str(section);
        b.push_str("</h2><ul>\n");
        for r in 1..=6 {
            let other = (i + r) % self.items.max(1);
            let o = Article::new(f, other, 0, 40);
            let _ = writeln!(
                b,
                "<li><a href=\"/news/{f}/{other}.html\"><img src=\"/img/{f}/{other}-thumb.jpg\" alt=\"\"><span>{}</span></a></li>",
                esc(&o.title)
            );
        }
        b.push_str("</ul></aside>\n<section id=\"comments\" class=\"comments\"><h2>Comments</h2><p>Comments on this story are moderated. <a href=\"/community-standards\">Community standards</a></p><button>Show 42 comments</button></section>\n</main>\n");
        (Bytes::from(head), Bytes::from(b))
    }

    fn respond(&self, path: &str, if_none_match: Option<&str>) -> Response {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if n >= self.budget.load(Ordering::Relaxed) {
            return status(StatusCode::SERVICE_UNAVAILABLE);
        }
        if let Some(rest) = path.strip_prefix("/feed/")
            && let Some(f) = rest
                .strip_suffix(".xml")
                .and_then(|s| s.parse::<usize>().ok())
            && f < self.feeds
        {
            let (body, etag) = {
                let c = self.content.read().unwrap_or_else(|p| p.into_inner());
                (
                    c.feeds[f].clone(),
                    format!("\"feed-{f}-{}\"", c.feed_gen[f]),
                )
            };
            if if_none_match == Some(etag.as_str()) {
                return not_modified(&etag);
            }
            return ok(body, "application/rss+xml; charset=utf-8", Some(&etag));
        }
        if self.full_text
            && let Some(rest) = path.strip_prefix("/news/")
            && let Some((f, i)) = rest.strip_suffix(".html").and_then(|s| s.split_once('/'))
            && let (Ok(f), Ok(i)) = (f.parse::<usize>(), i.parse::<usize>())
            && f < self.feeds
            && i < self.items
        {
            let a = f * self.items + i;
            let (head, body, rev) = {
                let c = self.content.read().unwrap_or_else(|p| p.into_inner());
                let (h, b) = c.pages[a].clone();
                (h, b, c.revs[a])
            };
            let etag = self.page_etag.then(|| format!("\"page-{a}-{rev}\""));
            if etag.is_some() && if_none_match == etag.as_deref() {
                return not_modified(etag.as_deref().unwrap_or_default());
            }
            let ch = &self.chrome;
            let mut page = Vec::with_capacity(
                ch.head.len() + head.len() + ch.top.len() + body.len() + ch.bottom.len(),
            );
            for part in [&ch.head, &head, &ch.top, &body, &ch.bottom] {
                page.extend_from_slice(part);
            }
            return ok(
                Bytes::from(page),
                "text/html; charset=utf-8",
                etag.as_deref(),
            );
        }
        status(StatusCode::NOT_FOUND)
    }
}

fn ok(body: Bytes, content_type: &str, etag: Option<&str>) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "public, max-age=60");
    if let Some(e) = etag {
        b = b.header(header::ETAG, e);
    }
    b.body(Body::from(body))
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
}

fn not_modified(etag: &str) -> Response {
    Response::builder()
        .status(StatusCode::NOT_MODIFIED)
        .header(header::ETAG, etag)
        .body(Body::empty())
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
}

fn status(code: StatusCode) -> Response {
    let mut r = Response::new(Body::from(code.to_string()));
    *r.status_mut() = code;
    r
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

// ---------------------------------------------------------------------------------------------
// The HTTP server.

struct Server {
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `site` on 127.0.0.1 (a free port) from its own thread and one-worker runtime, so
    /// it takes at most one core from redline. Stops on `stop`, or by itself after
    /// `SERVER_DEADLINE`.
    fn bind() -> Result<(std::net::TcpListener, SocketAddr), String> {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        Ok((listener, addr))
    }

    fn start(std_listener: std::net::TcpListener, site: Arc<Site>) -> Result<Self, String> {
        let stop = CancellationToken::new();
        let token = stop.clone();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            else {
                eprintln!("poll_cycle: cannot start the server runtime");
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                    eprintln!("poll_cycle: cannot use the listener");
                    return;
                };
                let app = axum::Router::new().fallback(handle).with_state(site);
                let deadline = tokio::time::sleep(SERVER_DEADLINE);
                let shutdown = async move {
                    tokio::select! {
                        () = token.cancelled() => {}
                        () = deadline => eprintln!("poll_cycle: server deadline reached, stopping"),
                    }
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await;
            });
        });
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    fn stop(mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn handle(State(site): State<Arc<Site>>, req: Request) -> Response {
    let inm = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    site.respond(req.uri().path(), inm.as_deref())
}

// ---------------------------------------------------------------------------------------------
// News text: deterministic per (feed, item, revision).

struct Article {
    title: String,
    author: String,
    hours_ago: u32,
    paragraphs: Vec<String>,
}

#[derive(Clone)]
enum Sentence {
    Figure {
        t: usize,
        a: u32,
        b: u32,
        s: [usize; 3],
    },
    Quote {
        t: usize,
        q: [usize; 2],
        who: usize,
    },
    Plain {
        t: usize,
        s: [usize; 3],
    },
}

impl Article {
    fn new(f: usize, i: usize, rev: u32, words: usize) -> Self {
        let seed = ((f as u64) << 20) | i as u64;
        let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xa5a5);
        let pick3 =
            |rng: &mut fastrand::Rng| [rng.usize(..1000), rng.usize(..1000), rng.usize(..1000)];
        let mut sentences: Vec<Sentence> = Vec::new();
        // The lede: a figure and a quote (what the feed's description shows).
        sentences.push(Sentence::Figure {
            t: rng.usize(..FIGURES.len()),
            a: rng.u32(120..90_000),
            b: rng.u32(3..90),
            s: pick3(&mut rng),
        });
        sentences.push(Sentence::Quote {
            t: rng.usize(..QUOTE_FORMS),
            q: two_quotes(&mut rng),
            who: rng.usize(..PEOPLE.len()),
        });
        let mut count = 0;
        let target = words.saturating_sub(45).max(20);
        while count < target {
            let s = match rng.u8(..8) {
                0 | 1 => Sentence::Figure {
                    t: rng.usize(..FIGURES.len()),
                    a: rng.u32(120..90_000),
                    b: rng.u32(3..90),
                    s: pick3(&mut rng),
                },
                2 | 3 => Sentence::Quote {
                    t: rng.usize(..QUOTE_FORMS),
                    q: two_quotes(&mut rng),
                    who: rng.usize(..PEOPLE.len()),
                },
                _ => Sentence::Plain {
                    t: rng.usize(..PLAINS.len()),
                    s: pick3(&mut rng),
                },
            };
            count += render(&s).split_whitespace().count();
            sentences.push(s);
        }
        // Revisions: each edit changes the lede's figure, the lede's quote and one figure
        // further down (claim changes: a number and a quote).
        for e in 1..=rev {
            let mut er = fastrand::Rng::with_seed(seed ^ (u64::from(e) << 40) ^ 0x0ed1);
            if let Sentence::Figure { a, .. } = &mut sentences[0] {
                *a += er.u32(7..400);
            }
            if let Sentence::Quote { q, .. } = &mut sentences[1] {
                let mut next = (q[1] + 1 + er.usize(..QUOTES.len() - 1)) % QUOTES.len();
                if next == q[0] {
                    next = (next + 1) % QUOTES.len();
                }
                q[1] = next;
            }
            let figures: Vec<usize> = (2..sentences.len())
                .filter(|&k| matches!(sentences[k], Sentence::Figure { .. }))
                .collect();
            if !figures.is_empty() {
                let k = figures[er.usize(..figures.len())];
                if let Sentence::Figure { b, .. } = &mut sentences[k] {
                    *b = (*b + 1 + er.u32(..9)) % 97 + 2;
                }
            }
        }
        // Paragraphs of 1-3 sentences; the lede is the first two.
        let mut paragraphs = vec![format!(
            "{} {}",
            render(&sentences[0]),
            render(&sentences[1])
        )];
        let mut k = 2;
        while k < sentences.len() {
            let n = 1 + rng.usize(..3);
            let end = (k + n).min(sentences.len());
            let p: Vec<String> = sentences[k..end].iter().map(render).collect();
            paragraphs.push(p.join(" "));
            k = end;
        }
        let (t0, t1) = (rng.usize(..1000), rng.usize(..1000));
        let title = TITLES[t0 % TITLES.len()]
            .replace("{place}", PLACES[t1 % PLACES.len()])
            .replace("{org}", &cap(ORGS[(t0 + t1) % ORGS.len()]))
            .replace("{event}", EVENTS[t1 % EVENTS.len()]);
        Self {
            title,
            author: PEOPLE[(f * 7 + i) % PEOPLE.len()].0.to_string(),
            hours_ago: (i as u32) * 3 + (f as u32 % 5),
            paragraphs,
        }
    }

    fn date(&self) -> chrono::DateTime<chrono::Utc> {
        let base = chrono::DateTime::from_timestamp(1_768_478_400, 0).unwrap_or_default();
        base - chrono::Duration::hours(i64::from(self.hours_ago))
    }

    fn pub_date(&self) -> String {
        self.date().to_rfc2822().replace("+0000", "GMT")
    }

    fn iso_date(&self) -> String {
        self.date()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

/// Two different quote fragments.
fn two_quotes(rng: &mut fastrand::Rng) -> [usize; 2] {
    let a = rng.usize(..QUOTES.len());
    [a, (a + 1 + rng.usize(..QUOTES.len() - 1)) % QUOTES.len()]
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn render(s: &Sentence) -> String {
    match s {
        Sentence::Figure { t, a, b, s } => FIGURES[*t]
            .replace("{a}", &thousands(*a))
            .replace("{b}", &b.to_string())
            .replace("{Org}", &cap(ORGS[s[0] % ORGS.len()]))
            .replace("{org}", ORGS[s[0] % ORGS.len()])
            .replace("{place}", PLACES[s[1] % PLACES.len()])
            .replace("{event}", EVENTS[s[2] % EVENTS.len()])
            .replace("{day}", DAYS[s[2] % DAYS.len()]),
        Sentence::Quote { t, q, who } => {
            let (name, role) = PEOPLE[*who];
            let (q0, q1) = (QUOTES[q[0]], QUOTES[q[1]]);
            match t {
                0 => format!("\"{}, and {q1},\" said {name}, {role}.", cap(q0)),
                1 => format!(
                    "{name}, {role}, told reporters: \"{}. {}.\"",
                    cap(q0),
                    cap(q1)
                ),
                _ => format!(
                    "\"{},\" {name} said in a statement. \"{}.\"",
                    cap(q0),
                    cap(q1)
                ),
            }
        }
        Sentence::Plain { t, s } => PLAINS[*t]
            .replace("{Event}", &cap(EVENTS[s[2] % EVENTS.len()]))
            .replace("{Org}", &cap(ORGS[s[0] % ORGS.len()]))
            .replace("{org}", ORGS[s[0] % ORGS.len()])
            .replace("{Place}", &cap(PLACES[s[1] % PLACES.len()]))
            .replace("{place}", PLACES[s[1] % PLACES.len()])
            .replace("{topic}", TOPICS[s[2] % TOPICS.len()])
            .replace("{event}", EVENTS[s[2] % EVENTS.len()])
            .replace("{day}", DAYS[(s[0] + s[2]) % DAYS.len()]),
    }
}

fn thousands(n: u32) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const SECTIONS: &[&str] = &[
    "World",
    "Politics",
    "Business",
    "Climate",
    "Health",
    "Science",
    "Cities",
    "Transport",
];
const TOPICS: &[&str] = &[
    "housing costs",
    "flood defences",
    "public transport",
    "energy prices",
    "hospital waiting lists",
    "school funding",
    "water quality",
    "wage growth",
    "emergency planning",
    "road safety",
    "local taxes",
    "air pollution",
    "policing",
    "rural broadband",
    "social care",
];
const PLACES: &[&str] = &[
    "Riverton",
    "the northern districts",
    "Port Ellis",
    "Marlow County",
    "the capital",
    "Eastbrook",
    "the coastal provinces",
    "Lindenfeld",
    "Harbour Point",
    "the western suburbs",
    "Kelso Valley",
    "Ashford",
    "the delta region",
    "Northgate",
    "St Brennan",
];
const ORGS: &[&str] = &[
    "the health ministry",
    "the city council",
    "the regional water authority",
    "Northwind Energy",
    "the central bank",
    "the transport union",
    "the electoral commission",
    "the fire service",
    "Halvorsen Group",
    "the national statistics office",
    "the port authority",
    "the education department",
    "the coastguard",
    "the housing regulator",
    "the finance ministry",
];
const EVENTS: &[&str] = &[
    "the flooding",
    "the strike",
    "the budget dispute",
    "the power outage",
    "the wildfire",
    "the rate decision",
    "the recall vote",
    "the bridge closure",
    "the data breach",
    "the heatwave",
];
const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const PEOPLE: &[(&str, &str)] = &[
    ("Maria Okafor", "the council's finance chair"),
    ("David Lindqvist", "a spokesperson for the ministry"),
    ("Priya Raman", "chief economist at Halvorsen Group"),
    ("Tomás Herrera", "the regional fire chief"),
    ("Elena Novak", "an opposition lawmaker"),
    ("James Whitfield", "the union's general secretary"),
    ("Aiko Tanaka", "a hydrologist at the state university"),
    ("Samuel Mensah", "the mayor"),
    ("Grace O'Neill", "the authority's chief executive"),
    ("Rafael Duarte", "a senior police officer"),
    ("Hannah Berg", "director of the residents' association"),
    ("Kwame Asante", "the health minister"),
];
const TITLES: &[&str] = &[
    "{org} under pressure as {event} spreads to {place}",
    "Thousands affected in {place} after {event}",
    "{org} defends response to {event}",
    "What we know so far about {event} in {place}",
    "Residents of {place} demand answers over {event}",
    "{org} revises figures as {event} drags on",
    "Live: {event} in {place} — latest updates",
    "Costs of {event} climb as {org} seeks more funding",
];
const FIGURES: &[&str] = &[
    "{Org} said {a} people had been affected by {event} in {place}, up from {b} earlier in the week.",
    "The cost of the repairs is now estimated at {a} million, about {b} percent more than the figure given in the spring.",
    "According to {org}, {a} households in {place} were still without power on {day}, compared with {b} on Monday.",
    "The proposal would raise the annual budget of {org} to {a} million, an increase of {b} percent.",
    "Preliminary figures showed turnout of {b} percent in {place}, with {a} ballots still to be counted.",
    "Some {a} workers joined the walkout, {org} said, and {b} routes were cancelled.",
    "Prices in {place} rose {b} percent in the year to December, {org} said, the fastest pace in {a} days of records.",
    "At least {b} people were taken to hospital and {a} were evacuated, {org} said on {day}.",
    "The fund, worth {a} million, will be spread over {b} years, officials in {place} said.",
];
const QUOTE_FORMS: usize = 3;
const QUOTES: &[&str] = &[
    "we are doing everything we can to restore services",
    "nobody should have to wait this long for help",
    "the numbers we are seeing are deeply worrying",
    "this was a decision we did not take lightly",
    "we expect the situation to improve over the coming days",
    "the figures speak for themselves",
    "families deserve clear answers",
    "our teams have been working through the night",
    "there is no evidence that the system failed",
    "we will review every step of the response",
    "it is too early to say what caused it",
    "the plan is fully funded",
    "we warned about this risk two years ago",
    "I have never seen anything like it",
    "residents should follow official advice",
    "we remain confident in the forecast",
    "the response was slow and badly coordinated",
    "nothing is off the table",
    "we need a long-term solution, not another patch",
    "the government must step in now",
];
const PLAINS: &[&str] = &[
    "{Event} is the latest in a series of setbacks for {org}, which has faced criticism over its handling of {topic}.",
    "Officials may announce further measures later this week, according to two people familiar with the discussions.",
    "{Place} has been hit repeatedly in recent years, and residents have long called for more spending on {topic}.",
    "It was not immediately clear whether the decision would be challenged in court.",
    "{Org} did not respond to a request for comment on {day}.",
    "Analysts said the outcome could shape the debate over {topic} ahead of next year's elections.",
    "Critics argue that the plan does little to address {topic}, while supporters say it is a necessary first step.",
    "Emergency crews were sent to {place} overnight, and several roads remained closed on {day} morning.",
    "The announcement came after weeks of pressure from local groups in {place}.",
    "{Org} said it would publish a full review of {event} before the end of the year.",
    "Opposition members called for an independent inquiry into how {org} managed {topic}.",
    "The figures are expected to be revised once all districts have reported, officials cautioned.",
    "Several businesses in {place} said they had been forced to close temporarily.",
    "The measures are likely to be debated in parliament on {day}.",
];

/// Shared page chrome: head assets, site header and navigation, ads, trending, footer.
struct Chrome {
    head: Bytes,
    top: Bytes,
    bottom: Bytes,
}

impl Chrome {
    fn new() -> Self {
        let mut head = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\" class=\"no-js\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"preconnect\" href=\"https://cdn.ledger.example\">\n<link rel=\"icon\" href=\"/favicon.ico\">\n<style>\n",
        );
        // Inline critical CSS, as news sites ship it.
        for k in 0..160 {
            let _ = writeln!(
                head,
                ".c-{}__{}--v{k}{{margin:0 {}px;padding:{}px {}px;color:#{:06x};font:{}px/1.4 Georgia,serif}}",
                ["nav", "card", "story", "ad", "promo", "footer"][k % 6],
                ["item", "link", "title", "media", "meta"][k % 5],
                k % 17,
                k % 9,
                k % 13,
                (k * 2_654_435_761_usize) & 0xff_ffff,
                12 + k % 9
            );
        }
        head.push_str("</style>\n<script>window.dataLayer=window.dataLayer||[];window.__ADS__={\"network\":\"/1234/ledger\",\"slots\":[");
        for k in 0..40 {
            let _ = write!(
                head,
                "{{\"id\":\"div-gpt-ad-{k}\",\"sizes\":[[300,250],[728,90]],\"targeting\":{{\"pos\":\"{k}\",\"kw\":[\"news\",\"{}\"]}}}},",
                TOPICS[k % TOPICS.len()]
            );
        }
        head.push_str("{}]};(function(){var s=document.createElement('script');s.async=true;s.src='https://cdn.ledger.example/ads.js';document.head.appendChild(s);})();</script>\n");
        let mut top = String::from(
            "</head>\n<body class=\"article-page\">\n<div id=\"cookie-banner\" class=\"consent\"><p>We use cookies to personalise content and ads, to provide social media features and to analyse our traffic.</p><button>Accept all</button><button>Manage preferences</button></div>\n<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n<header class=\"site-header\"><a class=\"logo\" href=\"/\">The Daily Ledger</a><form class=\"search\" action=\"/search\"><input name=\"q\" placeholder=\"Search\"></form><a href=\"/subscribe\" class=\"cta\">Subscribe</a><a href=\"/login\">Sign in</a></header>\n<nav class=\"site-nav\" aria-label=\"Sections\"><ul>\n",
        );
        for s in SECTIONS {
            let _ = write!(
                top,
                "<li class=\"c-nav__item\"><a href=\"/{}\">{s}</a><ul class=\"c-nav__sub\">",
                s.to_lowercase()
            );
            for t in TOPICS {
                let _ = write!(
                    top,
                    "<li><a href=\"/{}/{}\">{}</a></li>",
                    s.to_lowercase(),
                    t.replace(' ', "-"),
                    cap(t)
                );
            }
            top.push_str("</ul></li>\n");
        }
        top.push_str("</ul></nav>\n<div class=\"ad-slot ad-slot--leaderboard\" data-slot=\"top\"><span class=\"ad-label\">Advertisement</span><div id=\"div-gpt-ad-top\"></div></div>\n");
        let mut bottom = String::from("<aside class=\"trending\"><h2>Most read</h2><ol>\n");
        for k in 0..10 {
            let a = Article::new(9999, k, 0, 20);
            let _ = writeln!(
                bottom,
                "<li><a href=\"/news/trending/{k}.html\">{}</a></li>",
                esc(&a.title)
            );
        }
        bottom.push_str("</ol></aside>\n<div class=\"ad-slot ad-slot--mpu\" data-slot=\"side\"><span class=\"ad-label\">Advertisement</span></div>\n<section class=\"newsletter\"><h2>Get the Morning Ledger</h2><p>Our editors' pick of the day's news, in your inbox every weekday.</p><form><input type=\"email\"><button>Sign up</button></form><p class=\"small\">By signing up you agree to our privacy policy.</p></section>\n<footer class=\"site-footer\"><nav><ul>\n");
        for s in SECTIONS {
            for t in TOPICS {
                let _ = write!(
                    bottom,
                    "<li><a href=\"/{}/{}\">{} {}</a></li>",
                    s.to_lowercase(),
                    t.replace(' ', "-"),
                    s,
                    t
                );
            }
            bottom.push('\n');
        }
        bottom.push_str("</ul></nav><p>© 2026 The Daily Ledger Ltd. All rights reserved. Registered in England and Wales.</p><p><a href=\"/privacy\">Privacy</a> <a href=\"/terms\">Terms</a> <a href=\"/cookies\">Cookies</a> <a href=\"/contact\">Contact us</a></p></footer>\n<script>document.documentElement.className='js';window.dataLayer.push({\"event\":\"pageview\"});</script>\n<script src=\"https://cdn.ledger.example/app.bundle.js\" defer></script>\n</body>\n</html>\n");
        Self {
            head: Bytes::from(head),
            top: Bytes::from(top),
            bottom: Bytes::from(bottom),
        }
    }
}
