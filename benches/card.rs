//! Diff card render time (issue #14, item 2): the whole of `redline::card::render` (layout,
//! SVG, resvg raster, PNG encode) on the shared fixture pair and on a hostile input (a
//! 2,000-character headline, Arabic, Hebrew, CJK, emoji, markup). The analysis is done once
//! before timing: the card, not the diff, is measured.
//!
//! ```text
//! cargo bench --bench card                 # 50 renders of each card, median and p90
//! cargo bench --bench card -- --runs 200
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use redline::card::{self, CardInput};
use redline::normalize::{Snapshot, TextSource, split_blank_lines};
use redline::stamps::Stamps;
use redline::store::articles::Version;

/// A stored version as the store would hold it, from a fixture file (title line, blank line,
/// paragraphs).
fn version(path: &Path, seq: i64, fetched_at: i64) -> Version {
    let text = std::fs::read_to_string(path).expect("fixture");
    let (title, body) = text.split_once('\n').expect("title line");
    let paragraphs: Vec<String> = split_blank_lines(body)
        .into_iter()
        .map(String::from)
        .collect();
    let s = Snapshot::new(
        title,
        None,
        "https://chronicle.example/tech/open-models",
        &paragraphs,
        TextSource::Feed,
    );
    Version {
        id: seq,
        article_id: 1,
        seq,
        fetched_at,
        source: "feed".into(),
        url: s.url.clone(),
        title: s.title.clone(),
        byline: None,
        published: None,
        modified: None,
        body: s.body.clone(),
        body_chars: s.body_chars() as i64,
        hash: s.hash().to_string(),
        typo_hash: s.typo_hash().to_string(),
        cosmetic: false,
        revert_of: None,
        stamps: Stamps::default(),
        http_status: None,
        extractor: None,
        etag: None,
        last_modified: None,
    }
}

fn hostile() -> CardInput {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles/open-models");
    let mut input = CardInput::from_versions(
        "<b>Gazette</b>",
        &version(&root.join("v1.txt"), 1, 1_796_212_800),
        &version(&root.join("v2.txt"), 2, 1_796_230_800),
    );
    input.new.title = format!(
        "<script>alert('x')</script> 🚨 وزير يستقيل {}",
        "resign over the harbour contract 港湾局 ".repeat(60)
    );
    for c in &mut input.claims {
        c.before = c.before.as_ref().map(|b| format!("{b} שלושה מיליון"));
    }
    input
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(50usize);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles/open-models");
    let fixture = CardInput::from_versions(
        "Harbour City Chronicle",
        &version(&root.join("v1.txt"), 1, 1_796_212_800),
        &version(&root.join("v2.txt"), 2, 1_796_230_800),
    );
    // The first render unpacks the fonts (once per process): reported on its own.
    let t = Instant::now();
    let first = card::render(&fixture).expect("render");
    println!(
        "first render (unpacks the embedded fonts): {:.1} ms, {} bytes of PNG",
        ms(t.elapsed()),
        first.png.len()
    );
    for (name, input) in [("fixture pair", fixture), ("hostile", hostile())] {
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let c = card::render(&input).expect("render");
            times.push(t.elapsed());
            bytes = c.png.len();
        }
        times.sort();
        println!(
            "{name}: {runs} renders, median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({bytes} bytes of PNG)",
            ms(times[runs / 2]),
            ms(times[(runs * 9 / 10).min(runs - 1)]),
            ms(times[runs - 1]),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
