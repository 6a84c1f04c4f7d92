//! Edit pairs under `tests/fixtures/edits/<case>/{v1.txt,v2.txt,expected.json}`: each case must
//! give exactly its expected claim changes. Values are matched the way CLAIMS.md says a consumer
//! compares them: case-, whitespace-, typography- and edge-punctuation-insensitive.

use redline::claims::{ClaimChange, ClaimKind, claim_changes};
use redline::diff::{normalize, revision};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
struct Expected {
    kind: ClaimKind,
    before: Option<String>,
    after: Option<String>,
}

fn fold(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| {
        normalize(s)
            .to_lowercase()
            .trim_matches(|c: char| ".,;:!?\"'()[]".contains(c) || c.is_whitespace())
            .to_string()
    })
}

fn same(e: &Expected, a: &ClaimChange) -> bool {
    e.kind == a.kind && fold(&e.before) == fold(&a.before) && fold(&e.after) == fold(&a.after)
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edits");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

/// Greedy one-to-one matching; returns (unmatched expected, unmatched actual).
fn match_up<'a>(
    expected: &'a [Expected],
    actual: &'a [ClaimChange],
) -> (Vec<&'a Expected>, Vec<&'a ClaimChange>) {
    let mut used = vec![false; actual.len()];
    let mut missing = Vec::new();
    for e in expected {
        match (0..actual.len()).find(|&i| !used[i] && same(e, &actual[i])) {
            Some(i) => used[i] = true,
            None => missing.push(e),
        }
    }
    let extra = actual
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(a, _)| a)
        .collect();
    (missing, extra)
}

fn show(v: &Option<String>) -> String {
    v.as_ref().map_or("null".into(), |s| format!("{s:?}"))
}

#[test]
fn edit_pairs_give_exactly_their_expected_changes() {
    let mut tallies: BTreeMap<ClaimKind, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let dirs = case_dirs();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected: Vec<Expected> = serde_json::from_str(&read(dir, "expected.json"))
            .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
        let actual = claim_changes(&revision(&read(dir, "v1.txt"), &read(dir, "v2.txt")));
        let (missing, extra) = match_up(&expected, &actual);
        for e in &expected {
            tallies.entry(e.kind).or_default().tp += 1;
        }
        for m in &missing {
            let t = tallies.entry(m.kind).or_default();
            t.tp -= 1;
            t.fn_ += 1;
        }
        for x in &extra {
            tallies.entry(x.kind).or_default().fp += 1;
        }
        if !missing.is_empty() || !extra.is_empty() {
            let mut msg = format!("── case {name}\n   expected:\n");
            for e in &expected {
                msg += &format!(
                    "     {} {} -> {}\n",
                    e.kind,
                    show(&e.before),
                    show(&e.after)
                );
            }
            msg += "   actual:\n";
            for a in &actual {
                msg += &format!(
                    "     {} {} -> {}\n       old: {}\n       new: {}\n",
                    a.kind,
                    show(&a.before),
                    show(&a.after),
                    show(&a.before_sentence),
                    show(&a.after_sentence)
                );
            }
            failures.push(msg);
        }
    }
    eprintln!("\nper-kind precision / recall over {} cases:", dirs.len());
    for kind in ClaimKind::ALL {
        let t = tallies
            .get(&kind)
            .map_or((0, 0, 0), |t| (t.tp, t.fp, t.fn_));
        let p = if t.0 + t.1 == 0 {
            1.0
        } else {
            t.0 as f64 / (t.0 + t.1) as f64
        };
        let r = if t.0 + t.2 == 0 {
            1.0
        } else {
            t.0 as f64 / (t.0 + t.2) as f64
        };
        eprintln!(
            "  {:<20} P={p:.2} R={r:.2}  (tp {} fp {} fn {})",
            kind.as_str(),
            t.0,
            t.1,
            t.2
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        dirs.len() >= 41,
        "expected at least 41 cases, found {}",
        dirs.len()
    );
}

#[test]
fn claim_changes_are_deterministic() {
    for dir in case_dirs() {
        let (a, b) = (read(&dir, "v1.txt"), read(&dir, "v2.txt"));
        assert_eq!(
            claim_changes(&revision(&a, &b)),
            claim_changes(&revision(&a, &b))
        );
    }
}

/// Tricky fragments (typography, abbreviations, numbers, quotes, multi-byte letters) strung
/// together pseudo-randomly: diff and claims must never panic on what a feed can contain.
#[test]
fn random_inputs_do_not_panic() {
    const PARTS: &[&str] = &[
        "\u{201C}",
        "\u{201D}",
        "\"",
        "\u{2019}",
        "'",
        "\u{2014}",
        "--",
        "-",
        "\u{00A0}",
        " ",
        "  ",
        "\n",
        "\n\n",
        ".",
        ". ",
        "? ",
        "! ",
        "\u{2026}",
        "U.S.",
        "Dr.",
        "Jan.",
        "No.",
        "p.m.",
        "$5.6m",
        "A$0.86",
        "\u{20AC}5.63 billion",
        "3,000",
        "2\u{2013}0",
        "46.2C",
        "34-year-old",
        "May",
        "may",
        "said",
        "told reporters",
        "according to",
        "not",
        "didn't",
        "about",
        "more than",
        "Ana Silva",
        "the ministry",
        ",",
        "(NHTSA)",
        "caf\u{00E9}",
        "\u{4E2D}\u{6587}",
        "\u{1F600}",
        "reportedly",
        "is believed to",
        "two-thirds",
        "half of",
        "6:30 a.m.",
        "1990s",
        "89th",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let mut text = |n: u64| {
            (0..n)
                .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (a, b) = (text(40), text(40));
        let rev = revision(&a, &b);
        let _ = claim_changes(&rev);
        let _ = claim_changes(&revision(&a, &a.replace("5", "6")));
    }
}
