//! Diff + claims on a ~1,000-word article with ~5% of its sentences edited. Throughput is
//! reported in elements/s, one element being one version pair: that is pairs per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redline::claims::claim_changes;
use redline::diff::{revision, revision_from_sentences, split_sentences};
use std::hint::black_box;
use std::path::Path;

/// Builds a realistic article from the fixture wire copy (v1 of each case) until it has about
/// 1,000 words, three sentences a paragraph.
fn article() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edits");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    let mut sentences = Vec::new();
    let mut words = 0;
    for d in dirs {
        let body = std::fs::read_to_string(d.join("v1.txt")).unwrap_or_default();
        for s in split_sentences(&body) {
            words += s.split_whitespace().count();
            sentences.push(s);
        }
        if words >= 1_000 {
            break;
        }
    }
    sentences
}

/// One edit in every 20 sentences: a hedge inserted, or a word added.
fn edit(s: &str, i: usize) -> String {
    let edited = if i.is_multiple_of(2) {
        s.replacen(" was ", " was reportedly ", 1)
    } else {
        s.replacen(" the ", " the new ", 1)
    };
    if edited != s {
        return edited;
    }
    match s.split_once(' ') {
        Some((first, rest)) => format!("{first} also {rest}"),
        None => format!("{s} also"),
    }
}

fn body(sentences: &[String]) -> String {
    sentences
        .chunks(3)
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn bench(c: &mut Criterion) {
    let old = article();
    let new: Vec<String> = old
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i % 20 == 7 {
                edit(s, i / 20)
            } else {
                s.clone()
            }
        })
        .collect();
    let (old_body, new_body) = (body(&old), body(&new));
    let words = old_body.split_whitespace().count();
    let rev = revision(&old_body, &new_body);
    if std::env::var_os("DUMP_BENCH_ARTICLE").is_some() {
        let _ = std::fs::write("/tmp/old_body.txt", &old_body);
        let _ = std::fs::write("/tmp/new_body.txt", &new_body);
    }
    eprintln!(
        "article: {words} words, {} sentences, {} edited",
        old.len(),
        rev.edited()
    );
    let mut group = c.benchmark_group("diff_claims");
    group.throughput(Throughput::Elements(1));
    group.bench_function("pair_1000_words_5pct_edited", |b| {
        b.iter(|| {
            let rev = revision(black_box(&old_body), black_box(&new_body));
            black_box(claim_changes(&rev))
        })
    });
    // The parts of the figure above, to see where a change in it comes from.
    group.bench_function("part_split_sentences", |b| {
        b.iter(|| {
            (
                split_sentences(black_box(&old_body)),
                split_sentences(black_box(&new_body)),
            )
        })
    });
    let (old_split, new_split) = (split_sentences(&old_body), split_sentences(&new_body));
    group.bench_function("part_align_and_word_diff", |b| {
        b.iter(|| revision_from_sentences(black_box(old_split.clone()), new_split.clone()))
    });
    group.bench_function("part_claims", |b| b.iter(|| claim_changes(black_box(&rev))));
    // What `version::analyze` adds on top: both bodies scanned for notices (no notice here,
    // the common case, so this is the cost of looking).
    group.bench_function("part_notices", |b| {
        b.iter(|| {
            redline::notices::NoticeDiff::of(black_box(&old_body), None, black_box(&new_body), None)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
