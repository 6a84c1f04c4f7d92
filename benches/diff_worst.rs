//! Worst-case inputs for diff and claims (issue #10, item 2), run through the real `redline`
//! binary so wall time and peak RSS are the process's own (`getrusage RUSAGE_CHILDREN` in a
//! one-child wrapper, as in `poll_cycle`).
//!
//! ```text
//! cargo bench --bench diff_worst                      # every compare case, then the daemon case
//! cargo bench --bench diff_worst -- --case dots_200k  # one case
//! cargo bench --bench diff_worst -- --mode daemon     # write-lock hold time of `redline poll`
//! ```
//!
//! Compare cases (`redline compare OLD NEW --format words`): 10,000 similar sentences with every
//! figure changed (every old sentence a candidate for every new one) and with 1% edited; 840 KB
//! of such sentences; 200 KB of `.`; one 1.3 MB sentence of repeated "said"; 400,000 dots.
//!
//! Daemon case: a loopback feed whose one item is 400,000 dots, polled once by `redline poll`,
//! then edited and polled again while a probe thread opens `BEGIN IMMEDIATE` transactions on
//! the same database every 10 ms: the longest a probe waits is how long redline held the write
//! lock (what `feeds add` and every other writer would wait).
//!
//! Each child runs under an address-space limit (`--mem-limit-mb`, default 8192) and a timeout
//! (`--timeout`, default 300 s), so the quadratic behaviour this bench exists to catch ends as
//! a reported failure rather than taking the machine down.

#[path = "common/child.rs"]
mod child;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use clap::Parser;
use nix::sys::resource::{Resource, setrlimit};

/// The `redline` binary cargo built for this bench (bench profile = release settings).
const REDLINE: &str = env!("CARGO_BIN_EXE_redline");
/// First argument of the internal wrapper mode (see `wrap`).
const WRAP_FLAG: &str = "--rusage-wrap";

#[derive(Parser, Debug, Clone)]
#[command(about = "redline diff/claims worst-case benchmark")]
struct Args {
    /// all (compare cases, then daemon), compare, or daemon.
    #[arg(long, default_value = "all")]
    mode: String,
    /// Only this compare case (see the list printed at start).
    #[arg(long)]
    case: Option<String>,
    /// Runs per figure; the median, min and max are reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Address-space limit of each child, in MiB.
    #[arg(long, default_value_t = 8192)]
    mem_limit_mb: u64,
    /// A child running longer than this is killed and reported as a timeout.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// The redline binary to measure.
    #[arg(long, default_value = REDLINE)]
    redline: PathBuf,
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
    let result = match args.mode.as_str() {
        "all" => compare_cases(&args).and_then(|()| daemon_case(&args)),
        "compare" => compare_cases(&args),
        "daemon" => daemon_case(&args),
        other => Err(format!("unknown --mode {other} (all, compare, daemon)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("diff_worst: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/// A deterministic pseudo-random sequence (no crate, same inputs on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const DISTRICTS: &[&str] = &[
    "Eastbrook",
    "Millford",
    "Harbour",
    "Northgate",
    "Riverside",
    "Old Town",
    "Westfield",
];
const THINGS: &[&str] = &[
    "housing units",
    "bus routes",
    "school places",
    "street lights",
    "clinic beds",
    "bike lanes",
];
const SPEAKERS: &[&str] = &[
    "a council spokesperson said",
    "the mayor's office said",
    "officials said",
    "according to the minutes",
];

/// One sentence of council news; `figure` is the number that an edit changes.
fn council_sentence(rng: &mut Lcg, figure: usize) -> (String, String) {
    let d = DISTRICTS[rng.next(DISTRICTS.len())];
    let t = THINGS[rng.next(THINGS.len())];
    let s = SPEAKERS[rng.next(SPEAKERS.len())];
    let make = |f: usize| format!("The {d} council approved {f} new {t} on Monday, {s}.");
    (make(figure), make(figure + 7))
}

/// `count` similar sentences (or as many as fit in `max_bytes`), three to a paragraph; every
/// `edit_every`-th sentence has its figure changed in the new version.
fn similar_sentences(count: usize, max_bytes: usize, edit_every: usize) -> (String, String) {
    let mut rng = Lcg(42);
    let (mut old, mut new) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    for i in 0..count {
        let (a, b) = council_sentence(&mut rng, 10 + i % 990);
        bytes += a.len() + 1;
        if bytes > max_bytes {
            break;
        }
        new.push(if i % edit_every == 0 { b } else { a.clone() });
        old.push(a);
    }
    let body = |v: &[String]| {
        v.chunks(3)
            .map(|p| p.join(" "))
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    (body(&old), body(&new))
}

/// `n` dots, and the same with the middle one replaced by a letter.
fn dots(n: usize) -> (String, String) {
    let old = ".".repeat(n);
    let mut new = old.clone();
    new.replace_range(n / 2..n / 2 + 1, "x");
    (old, new)
}

/// One sentence of about `bytes` bytes of repeated "said", one word changed in the middle.
fn said(bytes: usize) -> (String, String) {
    let unit = "he said she said ";
    let reps = bytes / unit.len();
    let old = format!("{}said.", unit.repeat(reps));
    let mid = (reps / 2) * unit.len();
    let mut new = old.clone();
    new.replace_range(mid..mid + 2, "we");
    (old, new)
}

struct Case {
    name: &'static str,
    what: &'static str,
    old: String,
    new: String,
}

fn cases() -> Vec<Case> {
    let (a, b) = similar_sentences(10_000, usize::MAX, 1);
    let (c, d) = similar_sentences(10_000, usize::MAX, 100);
    let (e, f) = similar_sentences(usize::MAX, 840_000, 1);
    let (g, h) = dots(200_000);
    let (i, j) = said(1_300_000);
    let (k, l) = dots(400_000);
    vec![
        Case {
            name: "similar_10k",
            what: "10,000 similar sentences, every figure changed",
            old: a,
            new: b,
        },
        Case {
            name: "similar_10k_few",
            what: "10,000 similar sentences, 1% edited",
            old: c,
            new: d,
        },
        Case {
            name: "similar_840kb",
            what: "840 KB of similar sentences, every figure changed",
            old: e,
            new: f,
        },
        Case {
            name: "dots_200k",
            what: "200 KB of '.', one changed",
            old: g,
            new: h,
        },
        Case {
            name: "said_1_3mb",
            what: "one 1.3 MB sentence of \"said\", one word changed",
            old: i,
            new: j,
        },
        Case {
            name: "dots_400k",
            what: "400,000 dots, one changed",
            old: k,
            new: l,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Measuring a child: the wrapper.

/// Internal mode: `diff_worst --rusage-wrap MEM_MB TIMEOUT_S STDOUT STDERR PROGRAM ARGS...`.
/// Runs PROGRAM as its only child under an address-space limit, waits for it (killing it past
/// the timeout), then prints `wall_s maxrss_kb exit_code`. With no other child,
/// `RUSAGE_CHILDREN` is exactly PROGRAM's usage.
fn wrap(args: &[String]) -> ExitCode {
    let [mem_mb, timeout, stdout, stderr, program, rest @ ..] = args else {
        eprintln!("usage: {WRAP_FLAG} MEM_MB TIMEOUT_S STDOUT STDERR PROGRAM [ARGS...]");
        return ExitCode::FAILURE;
    };
    let (Ok(mem_mb), Ok(timeout)) = (mem_mb.parse::<u64>(), timeout.parse::<u64>()) else {
        eprintln!("bad limits {mem_mb} {timeout}");
        return ExitCode::FAILURE;
    };
    // Inherited by the child: an allocation past it fails (and Rust aborts) instead of swapping.
    let limit = mem_mb * 1024 * 1024;
    if let Err(e) = setrlimit(Resource::RLIMIT_AS, limit, limit) {
        eprintln!("setrlimit: {e}");
        return ExitCode::FAILURE;
    }
    match child::run_child(stdout, stderr, program, rest, Duration::from_secs(timeout)) {
        Ok(u) => {
            println!("{:.6} {} {}", u.wall_s, u.max_rss_kb, u.code);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// One measured child.
#[derive(Debug, Clone)]
struct Sample {
    wall: f64,
    rss_mb: f64,
    /// Exit code; -1 killed by a signal (an abort on a failed allocation), -2 timed out.
    code: i32,
}

fn run_wrapped(
    args: &Args,
    dir: &Path,
    tag: &str,
    redline_args: &[&str],
) -> Result<Sample, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(me)
        .arg(WRAP_FLAG)
        .arg(args.mem_limit_mb.to_string())
        .arg(args.timeout.to_string())
        .arg(dir.join(format!("{tag}.out")))
        .arg(dir.join(format!("{tag}.err")))
        .arg(&args.redline)
        .args(redline_args)
        .env_remove("RUST_LOG")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("REDLINE_ALLOW_PRIVATE_NETWORKS", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("wrapper: {e}"))?;
    let line = String::from_utf8_lossy(&output.stdout);
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() != 3 {
        return Err(format!(
            "wrapper failed: {line} {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(Sample {
        wall: f[0],
        rss_mb: f[1] / 1024.0,
        code: f[2] as i32,
    })
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn outcome(code: i32) -> &'static str {
    match code {
        0 => "ok",
        -1 => "killed by a signal (abort: allocation failed)",
        -2 => "timed out",
        _ => "failed",
    }
}

// ---------------------------------------------------------------------------------------------
// Compare cases.

fn compare_cases(args: &Args) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("redline-diff-worst-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let all = cases();
    eprintln!(
        "diff_worst: cases {}",
        all.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    );
    let mut rows = Vec::new();
    for case in all {
        if args.case.as_deref().is_some_and(|c| c != case.name) {
            continue;
        }
        let old = dir.path().join(format!("{}.old.txt", case.name));
        let new = dir.path().join(format!("{}.new.txt", case.name));
        std::fs::write(&old, format!("Council notes\n\n{}\n", case.old))
            .map_err(|e| e.to_string())?;
        std::fs::write(&new, format!("Council notes\n\n{}\n", case.new))
            .map_err(|e| e.to_string())?;
        let (old_s, new_s) = (old.display().to_string(), new.display().to_string());
        let mut samples = Vec::new();
        for run in 0..args.runs {
            let s = run_wrapped(
                args,
                dir.path(),
                case.name,
                &[
                    "compare", &old_s, &new_s, "--format", "words", "--color", "never",
                ],
            )?;
            let out = std::fs::read_to_string(dir.path().join(format!("{}.out", case.name)))
                .unwrap_or_default();
            let head: Vec<&str> = out.lines().take(6).collect();
            eprintln!(
                "  {} run {}: {:.3} s, {:.1} MB, {} · {}",
                case.name,
                run + 1,
                s.wall,
                s.rss_mb,
                outcome(s.code),
                head.join(" | ").chars().take(300).collect::<String>()
            );
            let failed = s.code != 0;
            samples.push(s);
            if failed {
                // A failure (timeout, abort) repeats: one is enough to report.
                break;
            }
        }
        rows.push((case.name, case.what, case.old.len(), samples));
    }
    println!("\n| case | input | wall s | peak RSS MB | outcome |");
    println!("|---|---|---|---|---|");
    for (name, what, bytes, samples) in rows {
        let (w, wmin, wmax) = median(samples.iter().map(|s| s.wall).collect());
        let (r, rmin, rmax) = median(samples.iter().map(|s| s.rss_mb).collect());
        let code = samples
            .iter()
            .map(|s| s.code)
            .find(|&c| c != 0)
            .unwrap_or(0);
        println!(
            "| {name} | {what} ({} KB) | {w:.3} ({wmin:.3}–{wmax:.3}) | {r:.1} ({rmin:.1}–{rmax:.1}) | {} |",
            bytes / 1000,
            outcome(code)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Daemon case: write-lock hold time of `redline poll` on an edited item of 400,000 dots.

fn feed_xml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Dots Gazette</title><link>https://dots.example/</link><description>x</description>\
         <item><guid isPermaLink=\"false\">dots-1</guid><link>https://dots.example/a/1</link>\
         <title>Dots</title><description>{body}</description></item></channel></rss>\n"
    )
}

async fn serve_feed(State(feed): State<Arc<RwLock<String>>>) -> Response {
    let body = feed.read().map(|f| f.clone()).unwrap_or_default();
    Response::builder()
        .header(header::CONTENT_TYPE, "application/rss+xml")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Serves `/feed.xml` from `feed` on 127.0.0.1 in its own thread until `stop`.
fn start_server(feed: Arc<RwLock<String>>, stop: Arc<AtomicBool>) -> Result<SocketAddr, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let app = axum::Router::new()
                .route("/feed.xml", axum::routing::get(serve_feed))
                .with_state(feed);
            let shutdown = async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
    });
    Ok(addr)
}

/// Opens `BEGIN IMMEDIATE` transactions on `db` every 10 ms until `stop`; returns the longest
/// wait for one.
fn probe_writes(db: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Duration> {
    std::thread::spawn(move || {
        let mut worst = Duration::ZERO;
        let Ok(conn) = rusqlite::Connection::open(&db) else {
            return worst;
        };
        let _ = conn.busy_timeout(Duration::from_secs(3600));
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            if conn.execute_batch("BEGIN IMMEDIATE; COMMIT;").is_ok() {
                worst = worst.max(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        worst
    })
}

fn daemon_case(args: &Args) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("redline-diff-worst-daemon-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let (old, new) = dots(400_000);
    let feed = Arc::new(RwLock::new(feed_xml(&old)));
    let stop_server = Arc::new(AtomicBool::new(false));
    let addr = start_server(feed.clone(), stop_server.clone())?;
    let mut rows = Vec::new();
    for run in 0..args.runs {
        let run_dir = dir.path().join(format!("run{run}"));
        std::fs::create_dir_all(&run_dir).map_err(|e| e.to_string())?;
        std::fs::write(
            run_dir.join("redline.toml"),
            format!(
                "[schedule]\njitter = \"0s\"\n\n\
                 [[feed]]\nurl = \"http://{addr}/feed.xml\"\nname = \"dots\"\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        if let Ok(mut f) = feed.write() {
            *f = feed_xml(&old);
        }
        let (config, db) = (run_dir.join("redline.toml"), run_dir.join("redline.db"));
        let (config_s, db_s) = (config.display().to_string(), db.display().to_string());
        let poll_args = ["--config", &config_s, "--db", &db_s, "poll", "--json"];
        let first = run_wrapped(args, &run_dir, "first", &poll_args)?;
        if first.code != 0 {
            return Err(format!("first poll: {}", outcome(first.code)));
        }
        if let Ok(mut f) = feed.write() {
            *f = feed_xml(&new);
        }
        let stop_probe = Arc::new(AtomicBool::new(false));
        let probe = probe_writes(db.clone(), stop_probe.clone());
        let second = run_wrapped(args, &run_dir, "second", &poll_args)?;
        stop_probe.store(true, Ordering::Relaxed);
        let held = probe.join().unwrap_or_default().as_secs_f64();
        let versions = rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM versions", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(-1);
        let out = std::fs::read_to_string(run_dir.join("second.out")).unwrap_or_default();
        eprintln!(
            "  daemon run {}: edited poll {:.3} s, {:.1} MB, write lock held ≤ {held:.3} s, {versions} versions stored, {} · {}",
            run + 1,
            second.wall,
            second.rss_mb,
            outcome(second.code),
            out.split_whitespace()
                .collect::<String>()
                .chars()
                .take(200)
                .collect::<String>()
        );
        let failed = second.code != 0;
        rows.push((second, held, versions));
        if failed {
            break;
        }
    }
    stop_server.store(true, Ordering::Relaxed);
    let (w, wmin, wmax) = median(rows.iter().map(|r| r.0.wall).collect());
    let (h, hmin, hmax) = median(rows.iter().map(|r| r.1).collect());
    let (m, mmin, mmax) = median(rows.iter().map(|r| r.0.rss_mb).collect());
    println!(
        "\n| daemon case | edited poll wall s | longest write-lock wait s | peak RSS MB | versions |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| 400,000 dots, edited | {w:.3} ({wmin:.3}–{wmax:.3}) | {h:.3} ({hmin:.3}–{hmax:.3}) | {m:.1} ({mmin:.1}–{mmax:.1}) | {} |",
        rows.last().map_or(-1, |r| r.2)
    );
    Ok(())
}
