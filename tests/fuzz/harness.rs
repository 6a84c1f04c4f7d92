//! A seeded mutation fuzzer for the parsers redline owns, on stable Rust and without new
//! crates: seeds (the fixtures plus hand-written feeds, pages and texts) are mutated with
//! byte flips, chunk edits, splices and hostile tokens, and every mutant runs through one
//! target inside `catch_unwind`. Shared by `tests/fuzz` (bounded, deterministic, in CI) and
//! `examples/fuzz.rs` (long runs with random seeds).
//!
//! There is no coverage feedback; depth comes from stacking up to eight mutations and from
//! mutating recent mutants again.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redline::{claims, diff, extract, feed, normalize, version};

/// Mutants are cut to this size in CI: small inputs keep the iteration rate high and the
/// run's cost predictable (large-input behaviour is the benches' job).
pub const CI_MAX_INPUT: usize = 4 * 1024;
/// The default for long runs (`examples/fuzz.rs`), which look for super-linear cases as well.
#[allow(dead_code)]
pub const LONG_MAX_INPUT: usize = 48 * 1024;

/// Separates the old and the new side in the input of two-sided targets (diff, pipeline).
pub const SIDE_SEP: &[u8] = b"\n\x00--redline-fuzz-next-version--\x00\n";

pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    /// Iterations per CI run: about 10 s each in a debug build (measured rates at
    /// `CI_MAX_INPUT`), so the module costs about 45 s on two cores.
    pub default_iters: u64,
    /// Panics in code we do not own yet, counted and reported but not failures.
    pub known: &'static [&'static str],
    seeds: fn(&Path) -> Vec<Vec<u8>>,
}

pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "feed",
            run: run_feed,
            default_iters: 2000,
            known: &[],
            seeds: feed_seeds,
        },
        Target {
            name: "extract",
            run: run_extract,
            default_iters: 250,
            known: &[],
            seeds: page_seeds,
        },
        Target {
            name: "normalize",
            run: run_normalize,
            default_iters: 1500,
            known: &[],
            seeds: text_seeds,
        },
        Target {
            name: "sentences",
            run: run_sentences,
            default_iters: 1500,
            known: &[],
            seeds: text_seeds,
        },
        Target {
            name: "diff",
            run: run_diff,
            default_iters: 400,
            known: &[],
            seeds: pair_seeds,
        },
        Target {
            name: "claims",
            run: run_claims,
            default_iters: 100,
            known: &[],
            seeds: text_seeds,
        },
        Target {
            name: "pipeline",
            run: run_pipeline,
            default_iters: 500,
            known: &[],
            seeds: pipeline_seeds,
        },
    ]
}

pub fn target(name: &str) -> Option<Target> {
    targets().into_iter().find(|t| t.name == name)
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Where failing inputs are written (and the input in flight, so an abort such as a stack
/// overflow, which `catch_unwind` cannot see, still leaves its input behind).
pub fn failures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures")
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Old and new side of a two-sided input; without a separator, the two halves.
pub fn sides(bytes: &[u8]) -> (&[u8], &[u8]) {
    if let Some(at) = bytes.windows(SIDE_SEP.len()).position(|w| w == SIDE_SEP) {
        return (&bytes[..at], &bytes[at + SIDE_SEP.len()..]);
    }
    bytes.split_at(bytes.len() / 2)
}

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/xml"),
    None,
    Some("application/rss+xml; charset=iso-8859-1"),
    Some("application/atom+xml; charset=\"utf-16\""),
    Some("application/feed+json"),
    Some("text/html; charset=bogus"),
];

fn run_feed(bytes: &[u8]) {
    let base = url::Url::parse("https://news.example/feeds/main.xml").expect("static url");
    // The content type is picked from the input so a saved input replays exactly.
    let ct = CONTENT_TYPES[bytes.len() % CONTENT_TYPES.len()];
    for ct in [Some("application/xml"), ct] {
        let Ok(parsed) = feed::parse_feed(bytes, &base, ct) else {
            continue;
        };
        assert!(parsed.entries.len() <= feed::MAX_ENTRIES, "entry cap");
        for e in &parsed.entries {
            assert!(!e.id.is_empty(), "an entry without an id");
            let _ = (e.body(), e.byline(), e.entry_hash());
            if let Ok(u) = url::Url::parse(&e.url) {
                let _ = feed::canonicalize_url(u.as_str(), &base);
            }
        }
    }
}

fn run_extract(bytes: &[u8]) {
    let html = redline::fetch::decode_html(bytes, None);
    let page = url::Url::parse("https://news.example/2026/11/30/story.html").expect("static url");
    if let Ok(x) = extract::extract_article(&html, &page) {
        for p in &x.paragraphs {
            assert!(!p.is_empty(), "empty paragraph");
            assert_eq!(p.trim(), p, "paragraph not trimmed");
        }
        let s = normalize::Snapshot::from_extracted(x, page.as_str());
        let _ = s.hash();
    }
    let _ = extract::html_fragment_to_text(&html);
}

fn run_normalize(bytes: &[u8]) {
    let text = lossy(bytes);
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let paragraphs: Vec<String> = normalize::split_blank_lines(body)
        .into_iter()
        .map(String::from)
        .collect();
    let build = || {
        normalize::Snapshot::new(
            title,
            Some(title),
            "https://news.example/a",
            &paragraphs,
            normalize::TextSource::Feed,
        )
    };
    let snap = build();
    assert!(!snap.title.contains(char::is_control), "control in title");
    assert!(!snap.body.contains("\n\n\n"), "empty paragraph kept");
    assert_eq!(
        build().compare(snap.hash(), snap.typo_hash()),
        normalize::Comparison::Same,
        "the same text hashed differently"
    );
    for line in text.lines().take(64) {
        let n = normalize::normalize_line(line);
        assert_eq!(n.trim_matches(' '), n, "untrimmed line");
        assert!(!n.contains("  "), "space run");
        let _ = normalize::fold_typography(&n);
        let _ = normalize::decode_entities(line);
    }
    let _ = normalize::bytes_hash(bytes);
}

fn run_sentences(bytes: &[u8]) {
    let body = normalize::normalize_paragraphs(normalize::split_blank_lines(&lossy(bytes)));
    let sentences = diff::split_sentences(&body);
    for s in sentences.iter().take(256) {
        assert!(!s.trim().is_empty(), "empty sentence");
        let _ = diff::sentence_key(s);
        assert!(diff::same_text(s, s), "a sentence differs from itself");
    }
    if let [a, b, ..] = sentences.as_slice() {
        let sim = diff::similarity(a, b);
        assert!((0.0..=1.0).contains(&sim), "similarity {sim} out of range");
    }
}

fn bodies(bytes: &[u8]) -> (String, String) {
    let (a, b) = sides(bytes);
    let norm = |x: &[u8]| normalize::normalize_paragraphs(normalize::split_blank_lines(&lossy(x)));
    (norm(a), norm(b))
}

fn run_diff(bytes: &[u8]) {
    let (old, new) = bodies(bytes);
    let rev = diff::revision(&old, &new);
    let _ = (rev.added(), rev.removed(), rev.edited(), rev.moved());
    let _ = diff::render_words(&rev, true);
    let _ = diff::render_sentences(&rev, false);
    let _ = diff::render_unified(&old, &new);
    assert!(
        diff::revision(&old, &old).is_cosmetic(),
        "a body differs from itself"
    );
}

fn run_claims(bytes: &[u8]) {
    let body = normalize::normalize_paragraphs(normalize::split_blank_lines(&lossy(bytes)));
    let sentences = diff::split_sentences(&body);
    for s in sentences.iter().take(64) {
        let c = claims::Claims::extract(s);
        let _ = c.summary();
        let _ = claims::carries_claim(s);
        assert!(claims::typo_equal(s, s), "a sentence differs from itself");
    }
    // A sentence against its neighbour: the pairs a real edit produces are similar, these
    // are not, which is the point.
    for pair in sentences.windows(2).take(32) {
        let words = diff::word_diff(&pair[0], &pair[1]);
        let _ = claims::pair_changes(&pair[0], &pair[1], &words);
    }
    let rev = diff::revision_from_sentences(
        sentences.iter().take(64).cloned().collect(),
        sentences.iter().skip(1).take(64).cloned().collect(),
    );
    let _ = claims::claim_changes(&rev);
}

/// What `redline compare old new` does between reading the files and printing.
fn snapshot_of(bytes: &[u8]) -> normalize::Snapshot {
    let text = redline::fetch::decode_html(bytes, None);
    let head = text
        .trim_start()
        .get(..64)
        .unwrap_or(&text)
        .to_ascii_lowercase();
    if head.starts_with('<') && (head.contains("<html") || head.starts_with("<!doctype")) {
        let page = url::Url::parse("https://localhost/").expect("static url");
        if let Ok(x) = extract::extract_article(&text, &page) {
            return normalize::Snapshot::from_extracted(x, "file:///old");
        }
    }
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let paragraphs: Vec<String> = normalize::split_blank_lines(body)
        .into_iter()
        .map(String::from)
        .collect();
    normalize::Snapshot::new(
        title,
        None,
        "file:///old",
        &paragraphs,
        normalize::TextSource::Feed,
    )
}

fn run_pipeline(bytes: &[u8]) {
    let (a, b) = sides(bytes);
    let (old, new) = (snapshot_of(a), snapshot_of(b));
    let sanitize = |s: &str| {
        normalize::normalize_paragraphs(normalize::split_blank_lines(
            &redline::cli::output::sanitize(s),
        ))
    };
    let (old_body, new_body) = (sanitize(&old.body), sanitize(&new.body));
    let cosmetic = old.hash() != new.hash() && old.typo_hash() == new.typo_hash();
    let analysis = version::analyze(
        version::VersionView {
            body: &old_body,
            ..(&old).into()
        },
        version::VersionView {
            body: &new_body,
            ..(&new).into()
        },
        cosmetic,
    );
    let _ = diff::render_words(&analysis.revision, false);
    for c in &analysis.claims {
        let _ = version::claim_row(c);
    }
    let _ = serde_json::to_string(&analysis.revision).expect("a revision serialises");
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

fn read_dir_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            out.extend(read_dir_files(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

fn seed_file(fixtures: &Path, name: &str) -> Vec<u8> {
    std::fs::read(fixtures.join("fuzz-seeds").join(name))
        .unwrap_or_else(|e| panic!("fuzz seed {name}: {e}"))
}

/// The edit fixtures: (v1, v2) texts, title on the first line.
fn edit_pairs(fixtures: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["edits", "articles"] {
        let Ok(entries) = std::fs::read_dir(fixtures.join(dir)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for d in dirs {
            if let (Ok(a), Ok(b)) = (
                std::fs::read(d.join("v1.txt")),
                std::fs::read(d.join("v2.txt")),
            ) {
                out.push((a, b));
            }
        }
    }
    out
}

/// Inputs found earlier (fixed, or open in `open/`), for the targets their file names start
/// with. `open/slow/` is left out: those cost seconds each, and are there to be read.
pub fn regressions(fixtures: &Path, target: &str) -> Vec<Vec<u8>> {
    read_dir_files(&fixtures.join("fuzz-regressions"))
        .into_iter()
        .filter(|(p, _)| !p.components().any(|c| c.as_os_str() == "slow"))
        .filter(|(p, _)| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{target}-")))
        })
        .map(|(_, b)| b)
        .collect()
}

fn utf16le_with_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn utf16be_with_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every eighth edit fixture, so the larger seeds stay few.
fn some_pairs(fixtures: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    edit_pairs(fixtures).into_iter().step_by(8).collect()
}

fn as_feed_item(text: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(text);
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let html: String = normalize::split_blank_lines(body)
        .iter()
        .map(|p| format!("<p>{}</p>", p.trim()))
        .collect();
    format!(
        "<item><title>{}</title><link>https://news.example/{n}</link><guid>g{n}</guid>\
         <description><![CDATA[{html}]]></description></item>",
        escape_xml(title)
    )
}

fn feed_seeds(fixtures: &Path) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = ["rss2.xml", "rss1.rdf", "atom.xml", "jsonfeed.json"]
        .iter()
        .map(|n| seed_file(fixtures, n))
        .collect();
    let rss = String::from_utf8(seed_file(fixtures, "rss2.xml")).expect("rss2.xml is UTF-8");
    let rss16 = rss.replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    seeds.push(utf16le_with_bom(&rss16));
    seeds.push(utf16be_with_bom(&rss16));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(seed_file(fixtures, "atom.xml").as_slice());
    seeds.push(bom);
    let items: String = some_pairs(fixtures)
        .iter()
        .take(12)
        .enumerate()
        .map(|(n, (a, _))| as_feed_item(a, n))
        .collect();
    seeds.push(
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Fixtures</title>{items}</channel></rss>")
            .into_bytes(),
    );
    seeds.extend(regressions(fixtures, "feed"));
    seeds
}

fn as_page(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    let paras: String = normalize::split_blank_lines(body)
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape_xml(p.trim())))
        .collect();
    format!(
        "<!doctype html><html><head><title>{t}</title></head><body><nav><a href=\"/\">Home</a></nav>\
         <article><h1>{t}</h1><div class=\"story-body\">{paras}</div></article>\
         <footer>Footer</footer></body></html>",
        t = escape_xml(title)
    )
}

fn page_seeds(fixtures: &Path) -> Vec<Vec<u8>> {
    let page = seed_file(fixtures, "page.html");
    let mut seeds = vec![page.clone()];
    seeds.push(utf16le_with_bom(&String::from_utf8_lossy(&page)));
    seeds.extend(
        some_pairs(fixtures)
            .iter()
            .take(16)
            .map(|(a, _)| as_page(a).into_bytes()),
    );
    seeds.extend(regressions(fixtures, "extract"));
    seeds
}

fn text_seeds(fixtures: &Path) -> Vec<Vec<u8>> {
    let mut seeds = vec![seed_file(fixtures, "numbers-quotes.txt")];
    for (a, b) in edit_pairs(fixtures) {
        seeds.push(a);
        seeds.push(b);
    }
    for t in ["normalize", "sentences", "claims"] {
        seeds.extend(regressions(fixtures, t));
    }
    seeds
}

fn pair(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, SIDE_SEP, b].concat()
}

fn pair_seeds(fixtures: &Path) -> Vec<Vec<u8>> {
    let nq = seed_file(fixtures, "numbers-quotes.txt");
    let mut seeds: Vec<Vec<u8>> = edit_pairs(fixtures)
        .iter()
        .map(|(a, b)| pair(a, b))
        .collect();
    seeds.push(pair(&nq, &nq));
    seeds.extend(regressions(fixtures, "diff"));
    seeds
}

fn pipeline_seeds(fixtures: &Path) -> Vec<Vec<u8>> {
    let page = seed_file(fixtures, "page.html");
    let mut seeds: Vec<Vec<u8>> = some_pairs(fixtures)
        .iter()
        .map(|(a, b)| pair(a, b))
        .collect();
    seeds.extend(
        some_pairs(fixtures)
            .iter()
            .take(8)
            .map(|(a, b)| pair(as_page(a).as_bytes(), as_page(b).as_bytes())),
    );
    seeds.push(pair(
        &page,
        &String::from_utf8_lossy(&page)
            .replace("$18", "$21")
            .into_bytes(),
    ));
    seeds.extend(regressions(fixtures, "pipeline"));
    seeds
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/// Tokens that have broken parsers before: markup edges, entities, number and quote
/// syntax, invalid UTF-8, byte-order marks, NUL, bidi and zero-width characters.
const TOKENS: &[&[u8]] = &[
    b"<![CDATA[",
    b"]]>",
    b"&#x0;",
    b"&#0;",
    b"&amp;",
    b"&amp;amp;",
    b"&#xD800;",
    b"&#x110000;",
    b"&#99999999999999999999;",
    b"&nbsp;",
    b"&",
    b"&#",
    b"&#x;",
    b";",
    b"\"",
    "\u{201C}".as_bytes(),
    "\u{201D}".as_bytes(),
    b"'",
    "\u{2019}".as_bytes(),
    b"$",
    "\u{20AC}".as_bytes(),
    b"%",
    b"0",
    b"7",
    b"-1",
    b"1,234.5",
    b"3.4%",
    b"99999999999999999999999",
    b"1e308",
    "\u{BD}".as_bytes(),
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc0\x80",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00",
    "\u{200F}".as_bytes(),
    "\u{202E}".as_bytes(),
    "\u{2066}".as_bytes(),
    "\u{200B}".as_bytes(),
    "\u{FEFF}".as_bytes(),
    "\u{0301}".as_bytes(),
    "\u{1F600}".as_bytes(),
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\t",
    b"\x1b[31m",
    b"<",
    b">",
    b"</",
    b"/>",
    b"<p>",
    b"</p>",
    b"<br>",
    b"<div>",
    b"</div>",
    b"<script>",
    b"</script>",
    b"<table><tr><td>",
    b"<svg><foreignObject>",
    b"<math><mi>",
    b"<template>",
    b"<plaintext>",
    b"<noscript>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
    b"<meta charset=\"shift_jis\">",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>",
    b"&a;",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"items\":",
    b"\"content_html\":",
    b"\"version\":\"https://jsonfeed.org/version/1\"",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"</entry>",
    b"<title>",
    b"<guid>",
    b"<link>",
    b"<link href=\"",
    b"<pubDate>",
    b"Mon, 32 Foo 99999 25:61:61 +9999",
    b"2026-13-45T99:99:99Z",
    b"xml:base=\"",
    b"href=\"javascript:",
    b"<ttl>99999999999999</ttl>",
    b"said",
    b"according to",
    b"not",
    b"never",
    b"may",
    b"U.S.",
    b"Mr.",
    b"...",
    "\u{2026}".as_bytes(),
    b"?!",
    "\u{2014}".as_bytes(),
    b" - ",
    b"--",
    b"\"\"\"",
    b"'s",
    b"No.",
    b"p.m.",
    b"12:30",
    b"1/2",
    b"#",
    b"@",
    b"=",
    b"<script type=\"application/ld+json\">",
    b"\"dateModified\":",
    b"\"articleBody\":",
];

/// Openers repeated N times: the nesting depth html5ever and quick-xml are sensitive to.
const NESTERS: &[&[u8]] = &[
    b"<div>",
    b"<b><i>",
    b"<table>",
    b"<a>",
    b"<p><span>",
    b"<ul><li>",
    b"<q>",
    b"[",
    b"{\"a\":",
    b"<x>",
    b"\"",
    b"(",
    b"&amp;",
    b"<![CDATA[",
];

pub struct Mutator {
    rng: fastrand::Rng,
}

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    pub fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.rng
    }

    fn pos(&mut self, data: &[u8]) -> usize {
        self.rng.usize(..=data.len())
    }

    fn chunk(&mut self, data: &[u8]) -> std::ops::Range<usize> {
        if data.is_empty() {
            return 0..0;
        }
        let start = self.rng.usize(..data.len());
        let max = (data.len() - start).min(if self.rng.u8(..4) == 0 { 4096 } else { 64 });
        start..start + self.rng.usize(1..=max)
    }

    /// Applies 1–8 stacked mutations; `other` is a second seed for splicing.
    pub fn mutate(&mut self, data: &mut Vec<u8>, other: &[u8], max_input: usize) {
        for _ in 0..self.rng.usize(1..=8) {
            self.mutate_once(data, other, max_input);
            data.truncate(max_input);
        }
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>, other: &[u8], max_input: usize) {
        match self.rng.u8(..11) {
            0 if !data.is_empty() => {
                let i = self.rng.usize(..data.len());
                data[i] ^= 1 << self.rng.u8(..8);
            }
            1 if !data.is_empty() => {
                let i = self.rng.usize(..data.len());
                data[i] = self.rng.u8(..);
            }
            2 => {
                let r = self.chunk(data);
                data.drain(r);
            }
            3 => {
                let at = self.pos(data);
                let n = self.rng.usize(1..=16);
                let bytes: Vec<u8> = (0..n).map(|_| self.rng.u8(..)).collect();
                data.splice(at..at, bytes);
            }
            4 => {
                let r = self.chunk(data);
                let copy = data[r].to_vec();
                let at = self.pos(data);
                data.splice(at..at, copy);
            }
            5 | 6 => {
                let tok = TOKENS[self.rng.usize(..TOKENS.len())];
                let at = self.pos(data);
                data.splice(at..at, tok.iter().copied());
            }
            7 => {
                // Splice: a prefix of this input and a suffix of the other one.
                let cut = self.pos(data);
                let from = self.rng.usize(..=other.len());
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            8 => {
                let tok = NESTERS[self.rng.usize(..NESTERS.len())];
                let n = if self.rng.bool() {
                    self.rng.usize(1..200)
                } else {
                    self.rng.usize(200..3000)
                };
                let at = self.pos(data);
                let rep = tok.repeat(n);
                data.splice(at..at, rep);
            }
            9 => {
                // Huge repeat of a small chunk or token ("....", "said said said").
                let unit: Vec<u8> = if self.rng.bool() && !data.is_empty() {
                    let r = self.chunk(data);
                    data[r.start..r.end.min(r.start + 16)].to_vec()
                } else {
                    TOKENS[self.rng.usize(..TOKENS.len())].to_vec()
                };
                let n = (self.rng.usize(64..max_input.max(65)) / unit.len().max(1)).max(1);
                let at = self.pos(data);
                data.splice(at..at, unit.repeat(n));
            }
            _ => {
                // Digits and quotes swapped in place: the claim extractor's alphabet.
                const ALPHABET: &[u8] = b"0123456789.,%$\"'-";
                for _ in 0..self.rng.usize(1..8) {
                    if data.is_empty() {
                        break;
                    }
                    let i = self.rng.usize(..data.len());
                    if data[i].is_ascii_alphanumeric() || ALPHABET.contains(&data[i]) {
                        data[i] = ALPHABET[self.rng.usize(..ALPHABET.len())];
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

pub struct Failure {
    pub iteration: u64,
    pub message: String,
    pub saved: PathBuf,
}

pub struct Report {
    pub iterations: u64,
    pub elapsed: Duration,
    pub failures: Vec<Failure>,
    /// Failures matching the target's `known` list.
    pub known: Vec<Failure>,
    /// The slowest input seen: reported (and saved), never asserted on.
    pub slowest: Duration,
    pub slowest_saved: Option<PathBuf>,
}

impl Report {
    pub fn per_second(&self) -> f64 {
        self.iterations as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

/// Runs one input through a target: `Err` carries the panic message.
pub fn run_one(t: &Target, input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| (t.run)(input))).map_err(|p| panic_message(&*p))
}

pub struct Options {
    pub seed: u64,
    /// Stop after this many iterations...
    pub iterations: u64,
    /// ...or at this instant, whichever comes first (long runs only).
    pub deadline: Option<Instant>,
    /// Stop after this many failures.
    pub max_failures: usize,
    /// Write each input to `<target>.current` before running it, so an abort leaves it behind.
    pub save_current: bool,
    /// Mutants are cut to this many bytes.
    pub max_input: usize,
}

pub fn fuzz(t: &Target, opts: &Options) -> Report {
    let fixtures = fixtures_dir();
    let out = failures_dir();
    let _ = std::fs::create_dir_all(&out);
    let seeds = (t.seeds)(&fixtures);
    assert!(!seeds.is_empty(), "{}: no seeds", t.name);
    // Each target gets its own stream, so adding a target does not change the others'.
    let name_hash = t.name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut m = Mutator::new(opts.seed ^ name_hash);
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let started = Instant::now();
    let mut report = Report {
        iterations: 0,
        elapsed: Duration::ZERO,
        failures: Vec::new(),
        known: Vec::new(),
        slowest: Duration::ZERO,
        slowest_saved: None,
    };
    // Earlier findings first, exactly as found, before any mutant.
    for input in regressions(&fixtures, t.name) {
        if let Err(message) = run_one(t, &input) {
            let known = t.known.iter().any(|k| message.contains(k));
            let f = Failure {
                iteration: 0,
                message: format!("regression input ({} bytes): {message}", input.len()),
                saved: fixtures.join("fuzz-regressions"),
            };
            if known {
                report.known.push(f);
            } else {
                report.failures.push(f);
            }
        }
    }
    let current = out.join(format!("{}.current", t.name));
    let mut slowest_input = Vec::new();
    for i in 0..opts.iterations {
        if opts.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let mut input = if pool.is_empty() || m.rng().bool() {
            seeds[m.rng().usize(..seeds.len())].clone()
        } else {
            pool[m.rng().usize(..pool.len())].clone()
        };
        let other = &seeds[m.rng().usize(..seeds.len())];
        m.mutate(&mut input, other, opts.max_input);
        if opts.save_current {
            let _ = std::fs::write(&current, &input);
        }
        let t0 = Instant::now();
        let result = run_one(t, &input);
        let took = t0.elapsed();
        report.iterations = i + 1;
        if took > report.slowest {
            report.slowest = took;
            slowest_input.clone_from(&input);
        }
        if let Err(message) = result {
            let known = t.known.iter().any(|k| message.contains(k));
            let saved = out.join(format!(
                "{}-{}seed{}-iter{}.bin",
                t.name,
                if known { "known-" } else { "" },
                opts.seed,
                i
            ));
            let _ = std::fs::write(&saved, &input);
            let f = Failure {
                iteration: i,
                message,
                saved,
            };
            if known {
                report.known.push(f);
                continue;
            }
            report.failures.push(f);
            if report.failures.len() >= opts.max_failures {
                break;
            }
        }
        if pool.len() < 256 {
            pool.push(input);
        } else {
            let slot = m.rng().usize(..pool.len());
            pool[slot] = input;
        }
    }
    report.elapsed = started.elapsed();
    if !slowest_input.is_empty() {
        let p = out.join(format!("{}-slowest.bin", t.name));
        if std::fs::write(&p, &slowest_input).is_ok() {
            report.slowest_saved = Some(p);
        }
    }
    if opts.save_current {
        let _ = std::fs::remove_file(&current);
    }
    report
}
