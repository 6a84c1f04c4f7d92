//! feedparser's conformance suite (vendored in tests/fixtures/feed-conformance) through the
//! parser, scored by its checker: the score may not drop below what was measured. See: #9

#[path = "conformance/harness.rs"]
mod harness;

use std::path::Path;

/// Core checks passed when this was last measured (BENCHMARKS.md, "Feed parsing").
const MEASURED_PASS: usize = 308;

#[test]
fn conformance_core_score_does_not_drop() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feed-conformance");
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is required in CI for the conformance checker"
        );
        eprintln!("skipped: python3 not found (the conformance checker is a Python script)");
        return;
    }
    // Every file parses without a panic (a panic fails the test here).
    let results = harness::run(&dir).expect("harness runs");
    assert_eq!(results.len(), 1060);
    let out = tempfile::tempdir().expect("tempdir");
    let score =
        harness::score(&dir, &results, &out.path().join("RESULTS.jsonl")).expect("checker runs");
    assert!(
        score.pass >= MEASURED_PASS,
        "conformance core score dropped: {}/{} (was {MEASURED_PASS}); failing:\n{:#?}",
        score.pass,
        score.total,
        score.failing
    );
}
