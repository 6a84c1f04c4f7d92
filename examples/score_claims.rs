//! Scores what redline reports on real headline + standfirst pairs against blind labels
//! (issue #11). No publisher text lives in the repository: both files come from the command
//! line.
//!
//! Usage:
//! `cargo run --release --example score_claims -- --pairs ../shared/real-edits/bbc-dev.jsonl
//! --labels LABELS.jsonl [--json] [--show-errors]`
//!
//! - `--pairs`: one story a line, `{"article_id": …, "versions": [{"title", "text"}, …]}`.
//!   Pair `"<article_id>#<i>"` is versions `i` → `i + 1`, counted from 0.
//! - `--labels`: one labelled pair a line, `{"pair": "<article_id>#<i>", "claims": [{"kind",
//!   "field": "title"|"body", "before", "after"}, …], "notices": […], "notes": "…"}`. An empty
//!   `claims` list says the pair has no claim change. Only labelled pairs are scored.
//!   A `before`/`after` value is either the text or a span of it, `{"at": 37, "len": 9}`:
//!   characters (not bytes) `[at, at + len)` of the old (`before`) or new (`after`) version's
//!   headline (`field: "title"`) or standfirst (`"body"`), resolved through the pairs file.
//!   A notice's `text` may be a span too, of the new standfirst when `change` is `added`, else
//!   of the old one.
//! - `--to-spans OUT`: instead of scoring, writes the labels with every value turned into the
//!   span of its first verbatim occurrence in the right field of the right version (an error
//!   names the pair and the value when there is none, so the label gets fixed) and without
//!   `notes`, so the file holds pair ids, kinds, fields and offsets only and can be committed
//!   (`examples/labels/`). Scoring it gives exactly the figures of the text file.
//!
//! Each labelled pair goes through `version::analyze`, the function behind `compare` and the
//! poller: the headline as the title, the standfirst as a one-paragraph body. A predicted claim
//! takes its `field` from the claim change when redline reports one, else `body`.
//!
//! Matching: a predicted and a labelled claim match when field and kind are equal and each
//! side's value matches: both null, or both present and, as words after normalising
//! (typography folded, lower case, double quotation marks dropped, white space collapsed,
//! each word's edge punctuation `.,;:!?'()[]{}` trimmed), equal or one a run of whole words of
//! the other (`12` is in `at least 12`; not in `120`, `-12C`, `12%` or `$12`: a sign, unit or
//! currency is part of the value). Within a pair, equal values are matched first, then
//! contained ones, each claim at most once. Unmatched predictions are false positives,
//! unmatched labels false negatives.
//!
//! Output: counts and precision/recall/F1 per kind, per field and micro over all; `--json`
//! prints the same as JSON (counts only, no text). `--show-errors` lists the false positives
//! and negatives per pair on stderr, so `--json > file` never saves publisher text.

use clap::Parser;
use redline::normalize::{Snapshot, TextSource, fold_typography};
use redline::version::analyze;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(about = "Scores redline's claim changes against blind labels of real pairs")]
struct Args {
    /// Stories with their versions (JSON lines, as ../shared/real-edits/bbc-dev.jsonl).
    #[arg(long)]
    pairs: PathBuf,
    /// Labels, one labelled pair a line.
    #[arg(long)]
    labels: PathBuf,
    /// Print the scores as JSON.
    #[arg(long)]
    json: bool,
    /// List false positives and negatives per pair on stderr.
    #[arg(long)]
    show_errors: bool,
    /// Write the labels in span form (no publisher text) to this file instead of scoring.
    #[arg(long, value_name = "OUT")]
    to_spans: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Story {
    article_id: String,
    versions: Vec<StoryVersion>,
}

#[derive(Deserialize)]
struct StoryVersion {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Field {
    Title,
    Body,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Claim {
    kind: String,
    field: Field,
    before: Option<String>,
    after: Option<String>,
}

/// A label value as written in a label file: the text itself, or where it is in the version.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
enum LabelValue {
    Text(String),
    Span { at: usize, len: usize },
}

/// A labelled claim before its values are resolved against the pair.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
struct LabelClaim {
    kind: String,
    field: Field,
    before: Option<LabelValue>,
    after: Option<LabelValue>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
struct Notice {
    change: String,
    text: LabelValue,
}

#[derive(Deserialize)]
struct Label {
    pair: String,
    claims: Vec<LabelClaim>,
    #[serde(default)]
    notices: Vec<Notice>,
}

/// A label line as `--to-spans` writes it: no `notes`, which are the labeller's own words
/// and may quote the text.
#[derive(Serialize)]
struct SpanLabel<'a> {
    pair: &'a str,
    claims: Vec<LabelClaim>,
    notices: Vec<Notice>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let stories = read_stories(&args.pairs)?;
    let labels = read_labels(&args.labels)?;
    if let Some(out) = &args.to_spans {
        let mut text = String::new();
        for label in &labels {
            let (old, new) = pair_versions(&stories, &label.pair)?;
            let line = SpanLabel {
                pair: &label.pair,
                claims: label
                    .claims
                    .iter()
                    .map(|c| claim_to_spans(c, old, new))
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("pair {}: {e}", safe(&label.pair)))?,
                notices: label
                    .notices
                    .iter()
                    .map(|n| notice_to_span(n, old, new))
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("pair {}: {e}", safe(&label.pair)))?,
            };
            text.push_str(&serde_json::to_string(&line)?);
            text.push('\n');
        }
        std::fs::write(out, text).map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
        eprintln!(
            "{} labelled pairs written in span form to {}",
            labels.len(),
            out.display()
        );
        return Ok(());
    }
    let mut score = Score::default();
    let mut errors = Vec::new();
    for label in &labels {
        let (old, new) = pair_versions(&stories, &label.pair)?;
        let labelled = label
            .claims
            .iter()
            .map(|c| resolve_claim(c, old, new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("pair {}: {e}", safe(&label.pair)))?;
        for n in &label.notices {
            notice_text(n, old, new)
                .map_err(|e| anyhow::anyhow!("pair {}: {e}", safe(&label.pair)))?;
        }
        let predicted = predict(old, new);
        let m = match_claims(&labelled, &predicted);
        score.add(&labelled, &predicted, &m);
        score.notices_labelled += label.notices.len();
        if args.show_errors && (!m.false_pos.is_empty() || !m.false_neg.is_empty()) {
            errors.push((label.pair.clone(), m, predicted, labelled));
        }
    }
    score.pairs_in_file = stories.values().map(|v| v.len().saturating_sub(1)).sum();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&score.report())?);
    } else {
        print!("{}", score.table());
    }
    for (pair, m, predicted, labelled) in errors {
        eprintln!("{}", safe(&pair));
        for &i in &m.false_pos {
            eprintln!("  FP {}", describe(&predicted[i]));
        }
        for &i in &m.false_neg {
            eprintln!("  FN {}", describe(&labelled[i]));
        }
    }
    Ok(())
}

fn read_stories(path: &Path) -> anyhow::Result<HashMap<String, Vec<StoryVersion>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let story: Story = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: not a story: {e}", path.display(), n + 1))?;
        out.insert(story.article_id, story.versions);
    }
    Ok(out)
}

fn read_labels(path: &Path) -> anyhow::Result<Vec<Label>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    parse_labels(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))
}

/// Label lines, refusing a malformed line or a pair labelled twice (which would count twice).
fn parse_labels(text: &str) -> Result<Vec<Label>, String> {
    let mut out: Vec<Label> = Vec::new();
    let mut seen = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label: Label =
            serde_json::from_str(line).map_err(|e| format!("{}: not a label line: {e}", n + 1))?;
        if !seen.insert(label.pair.clone()) {
            return Err(format!("{}: pair {} is labelled twice", n + 1, label.pair));
        }
        out.push(label);
    }
    Ok(out)
}

/// The two versions of pair `"<article_id>#<i>"`: versions `i` and `i + 1`.
fn pair_versions<'s>(
    stories: &'s HashMap<String, Vec<StoryVersion>>,
    pair: &str,
) -> anyhow::Result<(&'s StoryVersion, &'s StoryVersion)> {
    let (id, i) = pair
        .rsplit_once('#')
        .and_then(|(id, i)| Some((id, i.parse::<usize>().ok()?)))
        .ok_or_else(|| anyhow::anyhow!("pair {pair:?} is not \"<article_id>#<i>\""))?;
    let versions = stories
        .get(id)
        .ok_or_else(|| anyhow::anyhow!("pair {pair:?}: no story {id:?} in the pairs file"))?;
    match (versions.get(i), versions.get(i + 1)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => anyhow::bail!(
            "pair {pair:?}: the story has {} versions, so pairs #0 to #{}",
            versions.len(),
            versions.len().saturating_sub(2)
        ),
    }
}

/// The text a label value is read from: the headline or the standfirst of one version.
fn field_text(v: &StoryVersion, field: Field) -> &str {
    match field {
        Field::Title => &v.title,
        Field::Body => &v.text,
    }
}

/// Characters `[at, at + len)` of `text`; `None` when the span runs past its end.
fn span_text(text: &str, at: usize, len: usize) -> Option<&str> {
    let mut bounds = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let start = bounds.nth(at)?;
    let end = if len == 0 {
        start
    } else {
        bounds.nth(len - 1)?
    };
    Some(&text[start..end])
}

/// The span, in characters, of the first verbatim occurrence of `value` in `text`.
fn find_span(text: &str, value: &str) -> Option<(usize, usize)> {
    let byte = text.find(value)?;
    Some((text[..byte].chars().count(), value.chars().count()))
}

fn side_name(before: bool) -> &'static str {
    if before { "before" } else { "after" }
}

/// A label value as text: a text value as it is, a span read from `text`.
fn resolve_value(value: &LabelValue, text: &str) -> Result<String, String> {
    match value {
        LabelValue::Text(t) => Ok(t.clone()),
        LabelValue::Span { at, len } => {
            span_text(text, *at, *len).map(String::from).ok_or_else(|| {
                format!(
                    "span {{at: {at}, len: {len}}} runs past the end ({} characters)",
                    text.chars().count()
                )
            })
        }
    }
}

/// A labelled claim with its spans read from the pair: `before` from the old version's
/// headline or standfirst (per `field`), `after` from the new one's.
fn resolve_claim(c: &LabelClaim, old: &StoryVersion, new: &StoryVersion) -> Result<Claim, String> {
    let side = |v: &Option<LabelValue>, version: &StoryVersion, before: bool| {
        v.as_ref()
            .map(|v| resolve_value(v, field_text(version, c.field)))
            .transpose()
            .map_err(|e| format!("{} {} {}: {e}", c.kind, c.field.as_str(), side_name(before)))
    };
    Ok(Claim {
        kind: c.kind.clone(),
        field: c.field,
        before: side(&c.before, old, true)?,
        after: side(&c.after, new, false)?,
    })
}

/// The same claim with every text value replaced by its span; a value that is not verbatim in
/// its field of its version is an error naming it (a span is checked and kept).
fn claim_to_spans(
    c: &LabelClaim,
    old: &StoryVersion,
    new: &StoryVersion,
) -> Result<LabelClaim, String> {
    let side = |v: &Option<LabelValue>, version: &StoryVersion, before: bool| {
        v.as_ref()
            .map(|v| to_span(v, field_text(version, c.field)))
            .transpose()
            .map_err(|e| format!("{} {} {}: {e}", c.kind, c.field.as_str(), side_name(before)))
    };
    Ok(LabelClaim {
        kind: c.kind.clone(),
        field: c.field,
        before: side(&c.before, old, true)?,
        after: side(&c.after, new, false)?,
    })
}

fn to_span(value: &LabelValue, text: &str) -> Result<LabelValue, String> {
    let t = resolve_value(value, text)?;
    let (at, len) =
        find_span(text, &t).ok_or_else(|| format!("{} is not in the text", safe(&t)))?;
    Ok(LabelValue::Span { at, len })
}

/// The standfirst a notice is read from: the new one for an added notice, else the old one.
fn notice_source<'v>(n: &Notice, old: &'v StoryVersion, new: &'v StoryVersion) -> &'v str {
    if n.change == "added" {
        &new.text
    } else {
        &old.text
    }
}

fn notice_text(n: &Notice, old: &StoryVersion, new: &StoryVersion) -> Result<String, String> {
    resolve_value(&n.text, notice_source(n, old, new)).map_err(|e| format!("notice: {e}"))
}

fn notice_to_span(n: &Notice, old: &StoryVersion, new: &StoryVersion) -> Result<Notice, String> {
    Ok(Notice {
        change: n.change.clone(),
        text: to_span(&n.text, notice_source(n, old, new)).map_err(|e| format!("notice: {e}"))?,
    })
}

/// What redline reports for the pair today, as claims with a field.
fn predict(old: &StoryVersion, new: &StoryVersion) -> Vec<Claim> {
    let snap = |v: &StoryVersion| {
        let paragraphs: Vec<String> = if v.text.trim().is_empty() {
            Vec::new()
        } else {
            vec![v.text.clone()]
        };
        Snapshot::new(&v.title, None, "", &paragraphs, TextSource::Feed)
    };
    let (a, b) = (snap(old), snap(new));
    // As `compare` does: cosmetic between these two versions.
    let cosmetic = a.hash() != b.hash() && a.typo_hash() == b.typo_hash();
    let analysis = analyze((&a).into(), (&b).into(), cosmetic);
    analysis
        .claims
        .iter()
        .map(|c| {
            // Read through serde, so records without a `field` score as body claims.
            let field = serde_json::to_value(c)
                .ok()
                .and_then(|v| v.get("field").cloned())
                .and_then(|f| serde_json::from_value(f).ok())
                .unwrap_or(Field::Body);
            Claim {
                kind: c.kind.as_str().to_string(),
                field,
                before: c.before.clone(),
                after: c.after.clone(),
            }
        })
        .collect()
}

/// A value folded for matching, as words: typography folded, lower case, double quotation
/// marks dropped, each word's edge punctuation trimmed.
fn value_words(v: &str) -> Vec<String> {
    fold_typography(v)
        .to_lowercase()
        .replace('"', " ")
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| ".,;:!?'()[]{}".contains(c)))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// `needle` is a run of whole words of `hay` (`12` is in `at least 12`, not in `120` or `-12`).
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Contained,
    Equal,
}

fn value_match(a: Option<&str>, b: Option<&str>) -> Option<Strength> {
    match (a, b) {
        (None, None) => Some(Strength::Equal),
        (Some(a), Some(b)) => {
            let (a, b) = (value_words(a), value_words(b));
            if a == b {
                Some(Strength::Equal)
            } else if contains_words(&a, &b) || contains_words(&b, &a) {
                Some(Strength::Contained)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn claim_match(label: &Claim, pred: &Claim) -> Option<Strength> {
    if label.field != pred.field || label.kind != pred.kind {
        return None;
    }
    let before = value_match(label.before.as_deref(), pred.before.as_deref())?;
    let after = value_match(label.after.as_deref(), pred.after.as_deref())?;
    Some(before.min(after))
}

#[derive(Debug, Default, PartialEq)]
struct Matching {
    /// (label index, prediction index)
    pairs: Vec<(usize, usize)>,
    false_pos: Vec<usize>,
    false_neg: Vec<usize>,
}

/// Greedy one-to-one matching, equal values before contained ones.
fn match_claims(labels: &[Claim], preds: &[Claim]) -> Matching {
    let mut label_used = vec![false; labels.len()];
    let mut pred_used = vec![false; preds.len()];
    let mut pairs = Vec::new();
    for wanted in [Strength::Equal, Strength::Contained] {
        for (li, label) in labels.iter().enumerate() {
            if label_used[li] {
                continue;
            }
            let hit = preds.iter().enumerate().position(|(pi, pred)| {
                !pred_used[pi] && claim_match(label, pred).is_some_and(|s| s >= wanted)
            });
            if let Some(pi) = hit {
                label_used[li] = true;
                pred_used[pi] = true;
                pairs.push((li, pi));
            }
        }
    }
    Matching {
        pairs,
        false_pos: (0..preds.len()).filter(|&i| !pred_used[i]).collect(),
        false_neg: (0..labels.len()).filter(|&i| !label_used[i]).collect(),
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
struct Counts {
    labelled: usize,
    predicted: usize,
    tp: usize,
    fp: usize,
    #[serde(rename = "fn")]
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> Option<f64> {
        (self.predicted > 0).then(|| self.tp as f64 / self.predicted as f64)
    }

    fn recall(&self) -> Option<f64> {
        (self.labelled > 0).then(|| self.tp as f64 / self.labelled as f64)
    }

    fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        })
    }
}

#[derive(Default)]
struct Score {
    by_kind: BTreeMap<String, Counts>,
    by_field: BTreeMap<Field, Counts>,
    micro: Counts,
    pairs_labelled: usize,
    pairs_with_claims: usize,
    pairs_exact: usize,
    pairs_in_file: usize,
    notices_labelled: usize,
}

impl Score {
    fn add(&mut self, labels: &[Claim], preds: &[Claim], m: &Matching) {
        self.pairs_labelled += 1;
        self.pairs_with_claims += usize::from(!labels.is_empty());
        self.pairs_exact += usize::from(m.false_pos.is_empty() && m.false_neg.is_empty());
        let mut bump = |c: &Claim, f: &dyn Fn(&mut Counts)| {
            f(self.by_kind.entry(c.kind.clone()).or_default());
            f(self.by_field.entry(c.field).or_default());
            f(&mut self.micro);
        };
        for c in labels {
            bump(c, &|n| n.labelled += 1);
        }
        for c in preds {
            bump(c, &|n| n.predicted += 1);
        }
        for &(li, _) in &m.pairs {
            bump(&labels[li], &|n| n.tp += 1);
        }
        for &pi in &m.false_pos {
            bump(&preds[pi], &|n| n.fp += 1);
        }
        for &li in &m.false_neg {
            bump(&labels[li], &|n| n.fn_ += 1);
        }
    }

    fn table(&self) -> String {
        let fmt = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"));
        let row = |name: &str, c: &Counts| {
            format!(
                "{name:<22} {:>7} {:>9} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}\n",
                c.labelled,
                c.predicted,
                c.tp,
                c.fp,
                c.fn_,
                fmt(c.precision()),
                fmt(c.recall()),
                fmt(c.f1())
            )
        };
        let mut out = format!(
            "{} labelled pairs of {} in the pairs file, {} with a labelled claim change, {} scored without error\n\n",
            self.pairs_labelled, self.pairs_in_file, self.pairs_with_claims, self.pairs_exact
        );
        out.push_str(&format!(
            "{:<22} {:>7} {:>9} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}\n",
            "kind", "labels", "predicted", "tp", "fp", "fn", "precision", "recall", "f1"
        ));
        for (kind, c) in &self.by_kind {
            out.push_str(&row(kind, c));
        }
        out.push('\n');
        for (field, c) in &self.by_field {
            out.push_str(&row(&format!("field {}", field.as_str()), c));
        }
        out.push_str(&row("micro", &self.micro));
        if self.notices_labelled > 0 {
            out.push_str(&format!(
                "\n{} notices labelled (not scored: redline reports no notices yet)\n",
                self.notices_labelled
            ));
        }
        out
    }

    fn report(&self) -> serde_json::Value {
        let entry = |c: &Counts| {
            serde_json::json!({
                "counts": c,
                "precision": c.precision(),
                "recall": c.recall(),
                "f1": c.f1(),
            })
        };
        serde_json::json!({
            "pairs_labelled": self.pairs_labelled,
            "pairs_in_file": self.pairs_in_file,
            "pairs_with_claims": self.pairs_with_claims,
            "pairs_without_error": self.pairs_exact,
            "notices_labelled": self.notices_labelled,
            "by_kind": self.by_kind.iter().map(|(k, c)| (k.clone(), entry(c))).collect::<serde_json::Map<_, _>>(),
            "by_field": self.by_field.iter().map(|(f, c)| (f.as_str().to_string(), entry(c))).collect::<serde_json::Map<_, _>>(),
            "micro": entry(&self.micro),
        })
    }
}

fn describe(c: &Claim) -> String {
    let side = |v: &Option<String>| v.as_deref().map_or_else(|| "null".to_string(), safe);
    format!(
        "{} [{}] {} → {}",
        c.kind,
        c.field.as_str(),
        side(&c.before),
        side(&c.after)
    )
}

/// Web text is hostile: no escape sequences reach the terminal.
fn safe(s: &str) -> String {
    format!("{:?}", redline::cli::output::sanitize(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(kind: &str, field: Field, before: Option<&str>, after: Option<&str>) -> Claim {
        Claim {
            kind: kind.to_string(),
            field,
            before: before.map(String::from),
            after: after.map(String::from),
        }
    }

    fn version(title: &str, text: &str) -> StoryVersion {
        StoryVersion {
            title: title.to_string(),
            text: text.to_string(),
        }
    }

    fn text_claim(
        kind: &str,
        field: Field,
        before: Option<&str>,
        after: Option<&str>,
    ) -> LabelClaim {
        let v = |s: Option<&str>| s.map(|s| LabelValue::Text(s.to_string()));
        LabelClaim {
            kind: kind.to_string(),
            field,
            before: v(before),
            after: v(after),
        }
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        let text = "Caf\u{e9} owner in S\u{e3}o Tom\u{e9} says 40 jobs go";
        assert_eq!(find_span(text, "S\u{e3}o Tom\u{e9}"), Some((14, 8)));
        assert_eq!(span_text(text, 14, 8), Some("S\u{e3}o Tom\u{e9}"));
        assert_eq!(find_span(text, "40"), Some((28, 2)));
        assert_eq!(span_text(text, 28, 2), Some("40"));
        let end = text.chars().count();
        assert_eq!(span_text(text, end - 2, 2), Some("go"));
        assert_eq!(span_text(text, end, 0), Some(""));
        assert_eq!(span_text(text, end - 1, 2), None, "runs one past the end");
        assert_eq!(span_text(text, end + 1, 0), None);
        assert_eq!(find_span(text, "41"), None);
    }

    #[test]
    fn text_labels_become_spans_of_the_right_version_and_field() {
        // "Porto" is in both headlines at different offsets, and in neither standfirst:
        // `before` must index the old headline, `after` the new one.
        let old = version(
            "Porto ferry fire: 12 dead",
            "Rescuers in the harbour said 12 people died.",
        );
        let new = version(
            "Ferry fire in Porto: 31 dead",
            "Rescuers in the harbour said about 31 people died.",
        );
        let title = text_claim("number_changed", Field::Title, Some("12"), Some("31"));
        let spans = claim_to_spans(&title, &old, &new).expect("both values are there");
        assert_eq!(spans.before, Some(LabelValue::Span { at: 18, len: 2 }));
        assert_eq!(spans.after, Some(LabelValue::Span { at: 21, len: 2 }));
        let hedge = text_claim("hedge_added", Field::Body, None, Some("about"));
        let spans = claim_to_spans(&hedge, &old, &new).expect("the hedge is in the new body");
        assert_eq!(spans.before, None);
        assert_eq!(spans.after, Some(LabelValue::Span { at: 29, len: 5 }));
        assert_eq!(
            resolve_claim(&spans, &old, &new).expect("resolves"),
            claim("hedge_added", Field::Body, None, Some("about"))
        );

        // A value only in the other version, or only in the other field, is not found.
        let wrong_side = text_claim("hedge_added", Field::Body, Some("about"), None);
        let err = claim_to_spans(&wrong_side, &old, &new).expect_err("not in the old body");
        assert!(err.contains("before") && err.contains("\"about\""), "{err}");
        let wrong_field = text_claim("name_changed", Field::Body, Some("Porto"), None);
        let err = claim_to_spans(&wrong_field, &old, &new).expect_err("not in the body");
        assert!(
            err.contains("name_changed body before") && err.contains("Porto"),
            "{err}"
        );
    }

    #[test]
    fn span_labels_resolve_and_score_as_their_text_labels() {
        let stories = HashMap::from([(
            "x:/a".to_string(),
            vec![
                version(
                    "Museum reports $2m theft",
                    "Police said the paintings were taken on Monday.",
                ),
                version(
                    "Paintings worth \u{20ac}3m stolen from Lisbon museum",
                    "Police said the paintings were not insured.",
                ),
            ],
        )]);
        let text_file = r#"{"pair": "x:/a#0", "claims": [{"kind": "number_changed", "field": "title", "before": "$2m", "after": "\u20ac3m"}, {"kind": "name_changed", "field": "title", "before": null, "after": "Lisbon"}], "notices": [], "notes": "the sum changed"}"#;
        let labels = parse_labels(text_file).expect("text labels");
        let (old, new) = pair_versions(&stories, "x:/a#0").expect("pair");
        let spans: Vec<LabelClaim> = labels[0]
            .claims
            .iter()
            .map(|c| claim_to_spans(c, old, new))
            .collect::<Result<_, _>>()
            .expect("all found");
        let line = serde_json::to_string(&SpanLabel {
            pair: &labels[0].pair,
            claims: spans,
            notices: Vec::new(),
        })
        .expect("serialises");
        for word in ["Lisbon", "2m", "3m", "sum", "notes"] {
            assert!(!line.contains(word), "{word} leaked into {line}");
        }
        assert!(line.contains(r#""before":{"at":15,"len":3}"#), "{line}");

        let back = parse_labels(&line).expect("span labels parse");
        let resolve = |l: &Label| -> Vec<Claim> {
            l.claims
                .iter()
                .map(|c| resolve_claim(c, old, new).expect("resolves"))
                .collect()
        };
        let (from_text, from_spans) = (resolve(&labels[0]), resolve(&back[0]));
        assert_eq!(from_text, from_spans);
        let preds = vec![
            claim(
                "number_changed",
                Field::Title,
                Some("$2m"),
                Some("\u{20ac}3m"),
            ),
            claim("negation_flipped", Field::Body, None, Some("not")),
        ];
        assert_eq!(
            match_claims(&from_text, &preds),
            match_claims(&from_spans, &preds)
        );
        assert_eq!(match_claims(&from_spans, &preds).false_neg, vec![1]);

        let past_end = r#"{"pair": "x:/a#0", "claims": [{"kind": "name_changed", "field": "title", "before": null, "after": {"at": 40, "len": 9}}]}"#;
        let bad = parse_labels(past_end).expect("parses");
        let err = resolve_claim(&bad[0].claims[0], old, new).expect_err("past the end");
        assert!(err.contains("after") && err.contains("runs past"), "{err}");
    }

    #[test]
    fn notices_become_spans_of_the_standfirst_they_are_in() {
        let old = version("Bridge closes", "The bridge is shut for repairs.");
        let new = version(
            "Bridge closes",
            "Correction: the bridge is shut until June. The bridge is shut for repairs.",
        );
        let n = Notice {
            change: "added".to_string(),
            text: LabelValue::Text("Correction: the bridge is shut until June.".to_string()),
        };
        let span = notice_to_span(&n, &old, &new).expect("in the new standfirst");
        assert_eq!(span.text, LabelValue::Span { at: 0, len: 42 });
        assert_eq!(
            notice_text(&span, &old, &new).expect("resolves"),
            "Correction: the bridge is shut until June."
        );
        let removed = Notice {
            change: "removed".to_string(),
            ..n
        };
        assert!(
            notice_to_span(&removed, &old, &new).is_err(),
            "not in the old one"
        );
    }

    #[test]
    fn values_match_past_case_typography_quotes_and_edge_punctuation() {
        let m = |a: &str, b: &str| value_match(Some(a), Some(b));
        assert_eq!(m("the CDC", "The  CDC,"), Some(Strength::Equal));
        assert_eq!(
            m("\u{201c}AI for good\u{201d}", "\"ai for good.\""),
            Some(Strength::Equal)
        );
        assert_eq!(m("didn\u{2019}t", "didn't"), Some(Strength::Equal));
        assert_eq!(m("-5C", "5C"), None, "a minus sign is not edge punctuation");
        assert_eq!(
            m("$6 million", "6 million"),
            None,
            "the currency is part of the value"
        );
        assert_eq!(m("at least 42", "42"), Some(Strength::Contained));
        assert_eq!(value_match(None, None), Some(Strength::Equal));
        assert_eq!(value_match(Some("12"), None), None);
    }

    #[test]
    fn containment_is_of_whole_words() {
        let w = |s: &str| value_words(s);
        assert!(contains_words(&w("at least 12"), &w("12")));
        assert!(!contains_words(&w("120"), &w("12")));
        assert!(!contains_words(&w("-12C"), &w("12C")));
        assert!(!contains_words(&w("12%"), &w("12")));
        assert!(contains_words(
            &w("said the mayor, Ana Silva."),
            &w("Ana Silva")
        ));
        assert!(!contains_words(&w("anything"), &w("...")));
    }

    #[test]
    fn field_and_kind_must_agree() {
        let label = claim("number_changed", Field::Title, Some("12"), Some("31"));
        let body = claim("number_changed", Field::Body, Some("12"), Some("31"));
        let other_kind = claim("quote_changed", Field::Title, Some("12"), Some("31"));
        assert_eq!(claim_match(&label, &body), None);
        assert_eq!(claim_match(&label, &other_kind), None);
        assert_eq!(
            claim_match(
                &label,
                &claim("number_changed", Field::Title, Some("12"), Some("31"))
            ),
            Some(Strength::Equal)
        );
    }

    #[test]
    fn equal_values_are_matched_before_contained_ones() {
        // The first label would grab the exact prediction of the second if containment were
        // tried first, leaving the second label unmatched.
        let labels = vec![
            claim("number_changed", Field::Body, Some("4"), Some("5")),
            claim("number_changed", Field::Body, Some("4 km"), Some("5 km")),
        ];
        let preds = vec![
            claim("number_changed", Field::Body, Some("4 km"), Some("5 km")),
            claim("number_changed", Field::Body, Some("4"), Some("5")),
        ];
        let m = match_claims(&labels, &preds);
        assert_eq!(m.pairs, vec![(0, 1), (1, 0)]);
        assert!(m.false_pos.is_empty() && m.false_neg.is_empty());
    }

    #[test]
    fn each_claim_matches_once_and_the_rest_are_errors() {
        let labels = vec![
            claim("hedge_removed", Field::Body, Some("about"), None),
            claim("name_changed", Field::Title, None, Some("Lena Varga")),
        ];
        let preds = vec![
            claim("hedge_removed", Field::Body, Some("About"), None),
            claim("hedge_removed", Field::Body, Some("about"), None),
            claim("claim_added", Field::Body, None, Some("It cost $3m.")),
        ];
        let m = match_claims(&labels, &preds);
        assert_eq!(m.pairs, vec![(0, 0)]);
        assert_eq!(m.false_pos, vec![1, 2]);
        assert_eq!(m.false_neg, vec![1]);

        let mut s = Score::default();
        s.add(&labels, &preds, &m);
        let hedge = s.by_kind["hedge_removed"];
        assert_eq!((hedge.tp, hedge.fp, hedge.fn_), (1, 1, 0));
        assert_eq!(hedge.precision(), Some(0.5));
        assert_eq!(hedge.recall(), Some(1.0));
        assert_eq!(s.by_kind["name_changed"].recall(), Some(0.0));
        assert_eq!(s.by_kind["name_changed"].precision(), None);
        assert_eq!(s.micro.precision(), Some(1.0 / 3.0));
        assert_eq!(s.micro.recall(), Some(0.5));
        let f1 = s.micro.f1().expect("f1");
        assert!((f1 - 0.4).abs() < 1e-9, "{f1}");
        assert_eq!(s.by_field[&Field::Title].fn_, 1);
        assert_eq!(s.pairs_exact, 0);
    }

    #[test]
    fn a_pair_labelled_without_claims_counts_predictions_as_false_positives() {
        let preds = vec![claim("negation_flipped", Field::Body, None, Some("not"))];
        let m = match_claims(&[], &preds);
        let mut s = Score::default();
        s.add(&[], &preds, &m);
        assert_eq!((s.micro.fp, s.micro.labelled), (1, 0));
        assert_eq!(s.micro.recall(), None);
        assert_eq!(s.pairs_with_claims, 0);
    }

    #[test]
    fn label_lines_are_checked() {
        let ok = r#"{"pair": "x:/a#0", "claims": [{"kind": "number_changed", "field": "title", "before": "12", "after": "31"}], "notices": [], "notes": "toll"}

{"pair": "x:/a#1", "claims": []}"#;
        let labels = parse_labels(ok).expect("valid labels");
        assert_eq!(labels.len(), 2);
        assert_eq!(labels[0].claims[0].field, Field::Title);

        let twice = "{\"pair\": \"x#0\", \"claims\": []}\n{\"pair\": \"x#0\", \"claims\": []}";
        assert!(
            parse_labels(twice)
                .err()
                .expect("refused")
                .contains("twice")
        );
        let bad_field = r#"{"pair": "x#0", "claims": [{"kind": "k", "field": "lede", "before": null, "after": null}]}"#;
        assert!(
            parse_labels(bad_field)
                .err()
                .expect("refused")
                .starts_with("1:")
        );
    }

    #[test]
    fn pair_ids_pick_consecutive_versions() {
        let v = |t: &str| StoryVersion {
            title: t.to_string(),
            text: String::new(),
        };
        let stories = HashMap::from([("s:/a#b".to_string(), vec![v("one"), v("two"), v("three")])]);
        let (a, b) = pair_versions(&stories, "s:/a#b#1").expect("pair #1");
        assert_eq!((a.title.as_str(), b.title.as_str()), ("two", "three"));
        assert!(pair_versions(&stories, "s:/a#b#2").is_err());
        assert!(pair_versions(&stories, "s:/other#0").is_err());
        assert!(pair_versions(&stories, "s:/a#b").is_err());
    }

    #[test]
    fn prediction_runs_the_claim_engine_on_the_standfirst() {
        let old = StoryVersion {
            title: "Ferry fire: at least 12 dead".to_string(),
            text: "Rescuers said 12 people died when the ferry caught fire off the coast."
                .to_string(),
        };
        let new = StoryVersion {
            title: "Ferry fire: at least 31 dead".to_string(),
            text: "Rescuers said 31 people died when the ferry caught fire off the coast."
                .to_string(),
        };
        let got = predict(&old, &new);
        assert!(
            got.contains(&claim(
                "number_changed",
                Field::Body,
                Some("12"),
                Some("31")
            )),
            "{got:?}"
        );
    }
}
