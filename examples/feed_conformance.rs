//! Runs redline's feed parser over feedparser's conformance suite and scores it.
//!
//! ```sh
//! cargo run --example feed_conformance -- tests/fixtures/feed-conformance /tmp/RESULTS.jsonl
//! ```
//! Files with `http_headers` are parsed with their Content-Type and Content-Location and
//! their `document_url` as the feed URL (called directly, not over a loopback server).
//! Needs `python3` for the checker. Scoring rules: `tests/conformance/harness.rs`.

#[path = "../tests/conformance/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "tests/fixtures/feed-conformance".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "RESULTS.jsonl".into()));
    let results = match harness::run(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rejected = results.iter().filter(|r| r["ok"] == false).count();
    let empty = results
        .iter()
        .filter(|r| r["ok"] == true && r["entries"].as_array().is_none_or(Vec::is_empty))
        .count();
    match harness::score(&dir, &results, &out) {
        Ok(s) => {
            println!(
                "files: {}  rejected: {rejected}  no entries: {empty}",
                results.len()
            );
            println!(
                "core checks (sanitize excluded, missing/rejected failing): {}/{} = {:.2}%  (text-of-HTML matches: {})",
                s.pass,
                s.total,
                100.0 * s.rate(),
                s.text_matches
            );
            println!(
                "bozo agreement: agree {}, disagree {}",
                s.bozo_agree, s.bozo_disagree
            );
            for (p, c, st) in &s.failing {
                println!("  {st:<12} {p} {c}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
