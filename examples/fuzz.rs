//! Long fuzz runs for developers: the targets of `tests/fuzz` with a random seed, for as long
//! as you like, with hang detection.
//!
//! ```text
//! cargo run --release --example fuzz -- [--target NAME]... [--minutes M] [--seed S] [--hang-secs H] [--max-input BYTES]
//! cargo run --example fuzz -- --repro TARGET FILE      # replay one input, panic shown
//! cargo run --example fuzz -- --minimize TARGET FILE   # shrink a panicking input to FILE.min
//! ```
//!
//! Targets: feed, extract, normalize, sentences, diff, claims, pipeline (default: all, one
//! after the other, `--minutes` each). Failing inputs go to `target/fuzz-failures/`. An input
//! still running after `--hang-secs` is saved as `<target>-hang-seed<S>.bin` and the run stops.

#[path = "../tests/fuzz/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use harness::{Options, failures_dir, run_one, target, targets};

// No database here; a bad command line ends the run where it is found.
#[allow(clippy::disallowed_methods)]
fn usage() -> ! {
    eprintln!(
        "usage: fuzz [--target NAME]... [--minutes M] [--seed S] [--hang-secs H] [--max-input BYTES]\n       fuzz --repro TARGET FILE | --minimize TARGET FILE"
    );
    std::process::exit(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut names = Vec::new();
    let mut minutes = 10.0_f64;
    let mut seed = None;
    let mut hang_secs = 10_u64;
    let mut max_input = harness::LONG_MAX_INPUT;
    let mut i = 0;
    let value = |i: usize| args.get(i + 1).cloned().unwrap_or_else(|| usage());
    while i < args.len() {
        match args[i].as_str() {
            "--target" => names.push(value(i)),
            "--minutes" => minutes = value(i).parse().unwrap_or_else(|_| usage()),
            "--seed" => seed = Some(value(i).parse().unwrap_or_else(|_| usage())),
            "--hang-secs" => hang_secs = value(i).parse().unwrap_or_else(|_| usage()),
            "--max-input" => max_input = value(i).parse().unwrap_or_else(|_| usage()),
            "--repro" => return repro(&value(i), args.get(i + 2).unwrap_or_else(|| usage())),
            "--minimize" => return minimize(&value(i), args.get(i + 2).unwrap_or_else(|| usage())),
            _ => usage(),
        }
        i += 2;
    }
    if names.is_empty() {
        names = targets().iter().map(|t| t.name.to_string()).collect();
    }
    // Panics are expected and reported below; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let mut any_failed = false;
    for name in &names {
        let t = target(name).unwrap_or_else(|| usage());
        let seed = seed.unwrap_or_else(|| fastrand::u64(..));
        let watchdog = watch_for_hangs(t.name, seed, Duration::from_secs(hang_secs));
        println!("fuzz {name}: seed {seed}, {minutes} min");
        let r = harness::fuzz(
            &t,
            &Options {
                seed,
                iterations: u64::MAX,
                deadline: Some(Instant::now() + Duration::from_secs_f64(minutes * 60.0)),
                max_failures: 200,
                save_current: true,
                max_input,
            },
        );
        watchdog.store(true, std::sync::atomic::Ordering::Relaxed);
        println!(
            "fuzz {name}: {} iterations in {:.0} s ({:.0}/s), slowest input {:.0} ms ({})",
            r.iterations,
            r.elapsed.as_secs_f64(),
            r.per_second(),
            r.slowest.as_secs_f64() * 1e3,
            r.slowest_saved
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        let mut distinct: BTreeMap<&str, Vec<&harness::Failure>> = BTreeMap::new();
        for f in r.failures.iter().chain(&r.known) {
            distinct.entry(f.message.as_str()).or_default().push(f);
        }
        for (message, fs) in distinct {
            any_failed = true;
            println!(
                "  PANIC x{}: {message}\n    first input: {}",
                fs.len(),
                fs[0].saved.display()
            );
        }
    }
    if any_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Flags an input that has been running longer than `limit`: the harness rewrites
/// `<target>.current` before every input, so an old modification time is a stuck input.
/// The stuck call cannot be interrupted, so the process ends from here.
#[allow(clippy::disallowed_methods)]
fn watch_for_hangs(
    name: &'static str,
    seed: u64,
    limit: Duration,
) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    std::thread::spawn(move || {
        let current = failures_dir().join(format!("{name}.current"));
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_secs(1));
            let age = std::fs::metadata(&current)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok());
            if age.is_some_and(|a| a > limit) && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let saved = failures_dir().join(format!("{name}-hang-seed{seed}.bin"));
                let _ = std::fs::copy(&current, &saved);
                println!(
                    "  HANG: an input ran for more than {} s: {}",
                    limit.as_secs(),
                    saved.display()
                );
                std::process::exit(3);
            }
        }
    });
    done
}

fn repro(name: &str, file: &str) -> ExitCode {
    let t = target(name).unwrap_or_else(|| usage());
    let input = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let t0 = Instant::now();
    // The default hook stays: the panic prints with its location (RUST_BACKTRACE for more).
    let r = run_one(&t, &input);
    println!(
        "{name} on {file} ({} bytes): {r:?} in {:.1} ms",
        input.len(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    if r.is_err() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Greedy chunk removal: drops every chunk (halving sizes down to one byte) whose removal
/// still leaves a panic with the same message.
fn minimize(name: &str, file: &str) -> ExitCode {
    let t = target(name).unwrap_or_else(|| usage());
    let mut input = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let Err(want) = run_one(&t, &input) else {
        println!("{file} does not panic {name}");
        return ExitCode::FAILURE;
    };
    std::panic::set_hook(Box::new(|_| {}));
    let mut chunk = input.len().div_ceil(2).max(1);
    loop {
        let mut at = 0;
        while at < input.len() {
            let end = (at + chunk).min(input.len());
            let mut candidate = input.clone();
            candidate.drain(at..end);
            if run_one(&t, &candidate).err().as_deref() == Some(want.as_str()) {
                input = candidate;
            } else {
                at += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    let out = format!("{file}.min");
    std::fs::write(&out, &input).unwrap_or_else(|e| panic!("{out}: {e}"));
    println!(
        "{name}: {} bytes, still panics with {want:?}: {out}",
        input.len()
    );
    ExitCode::SUCCESS
}
