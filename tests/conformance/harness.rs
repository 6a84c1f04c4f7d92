//! The conformance harness: every file of feedparser's test suite (as vendored in
//! `tests/fixtures/feed-conformance/`) through `parse_feed_from`, written as the checker's
//! RESULTS.jsonl, scored by its `check_feeds.py --core --ws`, and re-scored for what redline
//! keeps. Shared by `examples/feed_conformance.rs` and the `conformance` integration test.
//!
//! Scoring rules (documented in BENCHMARKS.md):
//! - `wellformed/sanitize` is left out: it tests feedparser's HTML sanitiser.
//! - missing keys and rejected documents count as failures (the checker counts them apart).
//! - redline keeps text, not HTML: a failed check whose expected value holds markup or an
//!   entity passes when the expected value, converted to text by redline's own
//!   `html_fragment_to_text`, equals our value (whitespace collapsed). Nothing else is changed.
//! - an entry's `summary` is `FeedEntry::body()` (content, else summary), as feedparser's
//!   summary falls back to the content.
//! - field mapping (not comparison) follows feedparser's shapes: `published`/`updated`/
//!   `created` are the dates as written (`dates_as_written`) and `*_parsed` the instants;
//!   `author` is `name (email)` composed from the Atom person as feedparser composes it
//!   (redline's stored byline stays the name); top-level `modified_parsed` is the HTTP
//!   Last-Modified as the parser read it (`ParsedFeed::last_modified`).

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use redline::extract::html_fragment_to_text;
use redline::feed::{FeedLink, FeedSource, ParsedFeed, parse_feed_from};
use serde_json::{Value, json};
use url::Url;

pub struct Score {
    pub pass: usize,
    /// pass + fail + missing + parse_error, sanitize excluded.
    pub total: usize,
    pub text_matches: usize,
    pub bozo_agree: usize,
    pub bozo_disagree: usize,
    /// (path, check, status) of every check that did not pass.
    pub failing: Vec<(String, String, String)>,
}

impl Score {
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.pass as f64 / self.total as f64
        }
    }
}

fn header<'a>(rec: &'a Value, name: &str) -> Option<&'a str> {
    rec.get("http_headers")?
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn links_json(links: &[FeedLink]) -> Value {
    Value::Array(
        links
            .iter()
            .map(|l| {
                let mut m = serde_json::Map::new();
                m.insert("rel".into(), json!(l.rel));
                if let Some(t) = &l.mime_type {
                    m.insert("type".into(), json!(t));
                }
                m.insert("href".into(), json!(l.href));
                if let Some(t) = &l.title {
                    m.insert("title".into(), json!(t));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn put(m: &mut serde_json::Map<String, Value>, k: &str, v: Option<String>) {
    if let Some(v) = v {
        m.insert(k.into(), json!(v));
    }
}

type Instant = chrono::DateTime<chrono::Utc>;

fn rfc3339(d: Instant) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// feedparser's `published`/`updated`/`created` are the date strings as written and the
/// `_parsed` keys the instants; redline keeps both (`dates_as_written`), so both are compared.
fn dates_json(
    m: &mut serde_json::Map<String, Value>,
    dates: [(&str, Option<Instant>, &Option<String>); 3],
) {
    for (k, d, written) in dates {
        if let Some(d) = d {
            let shown = written.clone().unwrap_or_else(|| rfc3339(d));
            m.insert(k.into(), json!(shown));
            m.insert(format!("{k}_parsed"), json!(rfc3339(d)));
        }
    }
}

/// feedparser's `author` string: the name, then the address in parentheses when the person
/// construct gives one (`Jo Reyes (desk@example.com)`). redline's byline keeps only the name
/// (stored, hashed, unchanged by #9); the address is kept in `author_details` and formatted
/// here the way feedparser formats it, so the check still tests that both were read.
fn author_string(byline: Option<&String>, details: &[redline::feed::Person]) -> Option<String> {
    let first = details.first();
    match (byline, first.and_then(|p| p.email.as_ref())) {
        (Some(name), Some(email)) if details.len() == 1 => Some(format!("{name} ({email})")),
        (None, Some(email)) => Some(email.clone()),
        (b, _) => b.cloned(),
    }
}

fn author_detail(name: &str, details: &[redline::feed::Person]) -> Value {
    let mut d = json!({ "name": name });
    if let (Some(p), Some(o)) = (details.first(), d.as_object_mut()) {
        if let Some(e) = &p.email {
            o.insert("email".into(), json!(e));
        }
        if let Some(u) = &p.uri {
            o.insert("href".into(), json!(u));
        }
    }
    d
}

/// ParsedFeed in the checker's field names.
pub fn to_result(path: &str, parsed: &ParsedFeed) -> Value {
    let mut feed = serde_json::Map::new();
    put(&mut feed, "title", parsed.title.clone());
    put(&mut feed, "link", parsed.link.clone());
    put(&mut feed, "subtitle", parsed.description.clone());
    put(&mut feed, "id", parsed.id.clone());
    put(
        &mut feed,
        "author",
        author_string(parsed.authors.first(), &parsed.author_details),
    );
    if let Some(a) = parsed.authors.first() {
        feed.insert(
            "author_detail".into(),
            author_detail(a, &parsed.author_details),
        );
    }
    let w = &parsed.dates_as_written;
    dates_json(
        &mut feed,
        [
            ("published", parsed.published, &w.published),
            ("updated", parsed.updated, &w.updated),
            ("created", parsed.created, &w.created),
        ],
    );
    feed.insert("links".into(), links_json(&parsed.links));
    let entries: Vec<Value> = parsed
        .entries
        .iter()
        .map(|e| {
            let mut m = serde_json::Map::new();
            if !e.title.is_empty() {
                m.insert("title".into(), json!(e.title));
            }
            if !e.url.is_empty() {
                m.insert("link".into(), json!(e.url));
            }
            m.insert("id".into(), json!(e.id));
            // feedparser's summary falls back to the content; redline's equivalent is body().
            put(
                &mut m,
                "summary",
                Some(e.body().to_string()).filter(|b| !b.is_empty()),
            );
            if let Some(c) = &e.content {
                m.insert("content".into(), json!([{ "value": c }]));
            }
            put(&mut m, "subtitle", e.details.subtitle.clone());
            let w = &e.details.dates_as_written;
            dates_json(
                &mut m,
                [
                    ("published", e.published, &w.published),
                    ("updated", e.updated, &w.updated),
                    ("created", e.created, &w.created),
                ],
            );
            let byline = e.byline();
            put(
                &mut m,
                "author",
                author_string(byline.as_ref(), &e.details.author_details),
            );
            if let Some(a) = e.authors.first() {
                m.insert(
                    "author_detail".into(),
                    author_detail(a, &e.details.author_details),
                );
            }
            m.insert("links".into(), links_json(&e.links));
            Value::Object(m)
        })
        .collect();
    let mut out = json!({
        "path": path, "ok": true, "bozo": parsed.bozo, "encoding": parsed.encoding,
        "feed": Value::Object(feed), "entries": entries,
    });
    // feedparser's top-level `modified_parsed` is the HTTP Last-Modified (check --json shows
    // the same value as `last_modified`).
    if let (Some(d), Some(o)) = (parsed.last_modified, out.as_object_mut()) {
        o.insert("modified_parsed".into(), json!(rfc3339(d)));
    }
    out
}

/// Parses every file of the manifest in `dir`; one RESULTS line per file.
pub fn run(dir: &Path) -> Result<Vec<Value>, String> {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).map_err(|e| format!("manifest.json: {e}"))?,
    )
    .map_err(|e| format!("manifest.json: {e}"))?;
    let files = manifest["files"]
        .as_array()
        .ok_or("manifest without files")?;
    let mut out = Vec::with_capacity(files.len());
    for rec in files {
        let path = rec["path"].as_str().ok_or("record without path")?;
        let bytes = std::fs::read(dir.join(path)).map_err(|e| format!("{path}: {e}"))?;
        let url_s = rec["document_url"].as_str().map_or_else(
            || {
                format!(
                    "http://127.0.0.1:8097/tests/{}",
                    path.trim_start_matches("feedparser/")
                )
            },
            str::to_string,
        );
        let url = Url::parse(&url_s).map_err(|e| format!("{url_s}: {e}"))?;
        let source = FeedSource {
            url: &url,
            content_type: header(rec, "content-type"),
            content_location: header(rec, "content-location"),
            last_modified: header(rec, "last-modified"),
        };
        let line = match parse_feed_from(&bytes, source) {
            Ok(parsed) => to_result(path, &parsed),
            Err(e) => json!({"path": path, "ok": false, "error": e.to_string()}),
        };
        out.push(line);
    }
    Ok(out)
}

const ALIASES: &[(&str, &[&str])] = &[
    ("guid", &["id"]),
    ("description", &["summary", "subtitle"]),
    ("tagline", &["subtitle"]),
    ("modified", &["updated"]),
    ("modified_parsed", &["updated_parsed"]),
    ("issued_parsed", &["published_parsed"]),
    ("summary", &["description"]),
    ("subtitle", &["description", "tagline"]),
];

fn lookup<'a>(mut cur: &'a Value, path: &[Value]) -> Option<&'a Value> {
    for k in path {
        cur = match k {
            Value::Number(n) => cur.as_array()?.get(usize::try_from(n.as_u64()?).ok()?)?,
            Value::String(s) => {
                let o = cur.as_object()?;
                o.get(s.as_str()).or_else(|| {
                    ALIASES
                        .iter()
                        .find(|(a, _)| a == s)
                        .and_then(|(_, alts)| alts.iter().find_map(|alt| o.get(*alt)))
                })?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes `results` to `out`, runs the checker and scores as described above.
pub fn score(dir: &Path, results: &[Value], out: &Path) -> Result<Score, String> {
    let body: String = results.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(out, body).map_err(|e| format!("{}: {e}", out.display()))?;
    let tsv = out.with_extension("checks.tsv");
    let status = Command::new("python3")
        .arg(dir.join("check_feeds.py"))
        .args(["check", "--core", "--ws", "--json", "--per-check"])
        .arg(&tsv)
        .arg(out)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "check_feeds.py failed: {}",
            String::from_utf8_lossy(&status.stderr)
        ));
    }
    let report: Value =
        serde_json::from_slice(&status.stdout).map_err(|e| format!("checker output: {e}"))?;
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let records: HashMap<&str, &Value> = manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["path"].as_str()?, r)))
        .collect();
    let ours: HashMap<&str, &Value> = results
        .iter()
        .filter_map(|r| Some((r["path"].as_str()?, r)))
        .collect();
    let tsv_text = std::fs::read_to_string(&tsv).map_err(|e| e.to_string())?;
    let mut s = Score {
        pass: 0,
        total: 0,
        text_matches: 0,
        bozo_agree: usize::try_from(report["bozo_agreement"]["agree"].as_u64().unwrap_or(0))
            .unwrap_or(0),
        bozo_disagree: usize::try_from(report["bozo_agreement"]["disagree"].as_u64().unwrap_or(0))
            .unwrap_or(0),
        failing: Vec::new(),
    };
    // The TSV lists checks per file in manifest order; match them to the manifest's checks
    // by their dotted path, in order.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for line in tsv_text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [path, check, _op, status] = cols[..] else {
            continue;
        };
        if path.contains("/sanitize/") {
            continue;
        }
        s.total += 1;
        if status == "pass" {
            s.pass += 1;
            continue;
        }
        let n = seen
            .entry((path.to_string(), check.to_string()))
            .or_insert(0);
        let nth = *n;
        *n += 1;
        let expected = records.get(path).and_then(|r| {
            r["checks"]
                .as_array()?
                .iter()
                .filter(|c| {
                    let dotted: Vec<String> = c["path"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|k| k.as_str().map_or_else(|| k.to_string(), str::to_string))
                        .collect();
                    dotted.join(".") == check
                })
                .nth(nth)
        });
        if status == "fail"
            && let Some(c) = expected
            && let (Some("=="), Some(Value::String(want))) = (c["op"].as_str(), c.get("value"))
        {
            let path_keys = c["path"].as_array().cloned().unwrap_or_default();
            let got = ours
                .get(path)
                .and_then(|r| lookup(r, &path_keys))
                .and_then(Value::as_str);
            if (want.contains('<') || want.contains('&'))
                && got.is_some_and(|g| ws(&html_fragment_to_text(want)) == ws(g))
            {
                s.pass += 1;
                s.text_matches += 1;
                continue;
            }
        }
        s.failing
            .push((path.to_string(), check.to_string(), status.to_string()));
    }
    Ok(s)
}
