//! Runs the `diff_claims` bench's work N times on two saved bodies, for stable instruction
//! counts under `valgrind --tool=callgrind` on a loaded machine (BENCHMARKS.md, "Diff +
//! claims"). The bench writes its article to /tmp/old_body.txt and /tmp/new_body.txt when
//! `DUMP_BENCH_ARTICLE` is set.
//!
//! Usage: `cargo run --release --example diff_claims_loop -- OLD NEW [N] [pair|split|align|claims|notices]`

use redline::claims::claim_changes;
use redline::diff::{revision, revision_from_sentences, split_sentences};
use std::error::Error;
use std::hint::black_box;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: diff_claims_loop OLD NEW [N] [pair|split|align|claims|notices]";
    let old = std::fs::read_to_string(args.next().ok_or(usage)?)?;
    let new = std::fs::read_to_string(args.next().ok_or(usage)?)?;
    let n: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    let part = args.next().unwrap_or_else(|| "pair".into());
    let rev = revision(&old, &new);
    let (old_split, new_split) = (split_sentences(&old), split_sentences(&new));
    let mut out = 0;
    for _ in 0..n {
        out += match part.as_str() {
            "pair" => claim_changes(&revision(black_box(&old), black_box(&new))).len(),
            "split" => split_sentences(black_box(&old)).len() + split_sentences(&new).len(),
            "align" => revision_from_sentences(old_split.clone(), new_split.clone())
                .ops
                .len(),
            "claims" => claim_changes(black_box(&rev)).len(),
            "notices" => {
                let d = redline::notices::NoticeDiff::of(black_box(&old), None, &new, None);
                black_box(&d);
                1
            }
            _ => return Err(usage.into()),
        };
    }
    println!("{n} × {part}: {out}");
    Ok(())
}
