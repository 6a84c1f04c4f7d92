//! Diff cards: one PNG that shows a change to an article (outlet, headline, when both versions
//! were fetched, the claim changes with the old value struck through and the new one
//! highlighted, then the edited sentences as a word diff), and alt text that says the same
//! in words. For `redline card`, the web UI's `og:image`, and the Mastodon/Bluesky sinks.
//!
//! Pure: a [`CardInput`] in, a [`Card`] out; no clock, no network, no system fonts. The card
//! is an SVG built here, with every string XML-escaped, rendered in-process by resvg with the
//! DejaVu faces embedded in the binary (`font`). Layout (wrapping by measured glyph advances,
//! ellipsis cuts, right-to-left lines) is in `layout`; the alt text in `alt`.
//!
//! # Public API (stable: other modules build on it)
//! ```text
//! CardInput::from_versions(outlet, &old, &new)          two stored versions (runs the analysis)
//! CardInput::from_analysis(outlet, &old, &new, &analysis)   when the caller has analysed already
//! CardInput::from_report(outlet, &DiffReport)           the redline.diff document
//! CardInput::from_change(&ChangeData)                   an alert payload (redline.change data)
//! card::outlet_name(feed_title, url)                    what to pass as `outlet`
//! card::render(&input) -> Result<Card, CardError>       Card { png, width, height, alt }
//! card::svg(&input) -> Result<String, CardError>        the SVG alone
//! card::alt_text(&input) -> String                      the alt text alone
//! ```
//! Every card is [`CARD_WIDTH`] × [`CARD_HEIGHT`] (1200 × 675, 16:9): the size Mastodon and
//! Bluesky show uncropped in a timeline, and within what `og:image` consumers take (their
//! 1.91:1 crop trims about 22 px off top and bottom, inside the margins). A fixed size lets a
//! page declare `og:image:width`/`height` without rendering, and keeps render time and memory
//! flat; what does not fit is cut with an ellipsis and counted ("+3 more"), and the alt text
//! (at most [`MAX_ALT_CHARS`]) carries the rest.

mod alt;
mod font;
mod layout;

use serde::{Deserialize, Serialize};

use crate::alert::payload::ChangeData;
use crate::claims::ClaimChange;
use crate::diff::{SentenceOp, WordChange, WordTag};
use crate::payload::{DiffReport, SentenceCounts};
use crate::store::articles::Version;
use crate::version::{Analysis, analyze};

pub use alt::MAX_ALT_CHARS;

/// Card width in pixels.
pub const CARD_WIDTH: u32 = 1200;
/// Card height in pixels.
pub const CARD_HEIGHT: u32 = 675;
/// Claim changes and edited sentences a card considers (it shows fewer; the rest are
/// counted). Bounds the work for an article rewritten end to end.
pub const MAX_ITEMS: usize = 40;
/// Each text is cut to this many characters before layout: a card line holds about 90, and
/// a 2,000-character headline must cost no more than a short one.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// One side of the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardVersion {
    /// `v3`.
    pub label: String,
    pub title: String,
    /// When redline fetched it (unix seconds, UTC); `None` when unknown.
    pub fetched_at: Option<i64>,
}

/// One edited, added or removed sentence, as a word diff (an added sentence is one insert).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardEdit {
    pub words: Vec<WordChange>,
}

/// Everything a card shows. Build it with a constructor below, or by hand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardInput {
    /// The publication, e.g. "The Daily Ledger" or "ledger.example" ([`outlet_name`]).
    pub outlet: String,
    /// The article's URL (shown in the footer, host and path).
    pub url: String,
    /// `a42`, shown in the footer; empty when not from the store.
    pub reference: String,
    pub old: CardVersion,
    pub new: CardVersion,
    pub title_changed: bool,
    /// No update stamp or correction notice acknowledged the edit.
    pub stealth: bool,
    pub claims: Vec<ClaimChange>,
    /// Claim changes known to exist beyond `claims` (an alert payload caps them).
    pub claims_omitted: usize,
    /// Edited, added and removed sentences, in document order (moved-only ones left out).
    pub edits: Vec<CardEdit>,
    pub sentences: SentenceCounts,
}

/// A rendered card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The embedded font did not load: a broken build, not bad input.
    #[error("card font: {0}")]
    Font(String),
    /// The SVG built here did not parse: a bug in `card`, never the article's text (it is
    /// escaped).
    #[error("card SVG did not parse")]
    Svg(#[source] resvg::usvg::Error),
    #[error("card PNG: {0}")]
    Png(String),
}

/// What to show as the outlet: the feed's own title when it has one, else the article's
/// host without `www.`.
pub fn outlet_name(feed_title: Option<&str>, url: &str) -> String {
    if let Some(t) = feed_title.map(str::trim).filter(|t| !t.is_empty()) {
        return t.to_string();
    }
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_default()
}

impl CardInput {
    /// Two stored versions of one article (old before new); runs the same analysis as
    /// `redline diff`.
    pub fn from_versions(outlet: &str, old: &Version, new: &Version) -> Self {
        let cosmetic = old.hash != new.hash && old.typo_hash == new.typo_hash;
        let analysis = analyze(old.into(), new.into(), cosmetic);
        Self::from_analysis(outlet, old, new, &analysis)
    }

    /// Two stored versions and their analysis, for a caller that has it already.
    pub fn from_analysis(outlet: &str, old: &Version, new: &Version, a: &Analysis) -> Self {
        Self {
            outlet: outlet.to_string(),
            url: new.url.clone(),
            reference: crate::ids::article(new.article_id),
            old: CardVersion {
                label: format!("v{}", old.seq),
                title: old.title.clone(),
                fetched_at: Some(old.fetched_at),
            },
            new: CardVersion {
                label: format!("v{}", new.seq),
                title: new.title.clone(),
                fetched_at: Some(new.fetched_at),
            },
            title_changed: a.title_changed(),
            stealth: a.change.stealth,
            claims: a.claims.iter().take(MAX_ITEMS).cloned().collect(),
            claims_omitted: a.claims.len().saturating_sub(MAX_ITEMS),
            edits: edits_of(&a.revision.ops),
            sentences: crate::payload::SentenceCounts::of(&a.revision),
        }
    }

    /// A `redline.diff` document (what `diff --json` prints).
    pub fn from_report(outlet: &str, r: &DiffReport) -> Self {
        let side = |s: &crate::payload::Side| CardVersion {
            label: s.label.clone(),
            title: s.title.clone(),
            fetched_at: s
                .fetched_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp()),
        };
        Self {
            outlet: outlet.to_string(),
            url: r.new.url.clone(),
            reference: r
                .new
                .article_id
                .map(crate::ids::article)
                .unwrap_or_default(),
            old: side(&r.old),
            new: side(&r.new),
            title_changed: r.title_changed,
            stealth: r.stealth,
            claims: r.claim_changes.iter().take(MAX_ITEMS).cloned().collect(),
            claims_omitted: r.claim_changes.len().saturating_sub(MAX_ITEMS),
            edits: edits_of(&r.ops.ops),
            sentences: r.sentences,
        }
    }

    /// An alert payload (`redline.change` data). It carries no fetch time of the old
    /// version, and the new one is taken as `detected_at`; its word diff is parsed back
    /// from the `[-old-]{+new+}` text. With the store at hand, `from_versions` says more.
    pub fn from_change(d: &ChangeData) -> Self {
        let label = |v: Option<i64>| v.map(|v| format!("v{v}")).unwrap_or_default();
        let title = d.article.title.clone();
        Self {
            outlet: outlet_name(d.feed.name.as_deref(), &d.article.url),
            url: d.article.url.clone(),
            reference: d.article.reference.clone(),
            old: CardVersion {
                label: label(d.from_version),
                title: d.article.previous_title.clone().unwrap_or(title.clone()),
                fetched_at: None,
            },
            new: CardVersion {
                label: label(d.to_version),
                title,
                fetched_at: chrono::DateTime::parse_from_rfc3339(&d.detected_at)
                    .ok()
                    .map(|t| t.timestamp()),
            },
            title_changed: d.title_changed,
            stealth: d.stealth,
            claims: d.claim_changes.iter().take(MAX_ITEMS).cloned().collect(),
            claims_omitted: d.claims_omitted + d.claim_changes.len().saturating_sub(MAX_ITEMS),
            edits: parse_marked_words(&d.word_diff),
            sentences: d.sentences,
        }
    }
}

/// The reworded, added and removed sentences of a revision as word diffs.
fn edits_of(ops: &[SentenceOp]) -> Vec<CardEdit> {
    ops.iter()
        .filter_map(|op| match op {
            SentenceOp::Edited { words, .. }
            | SentenceOp::Merged { words, .. }
            | SentenceOp::Split { words, .. } => Some(words.clone()),
            SentenceOp::Added { text, .. } => Some(vec![WordChange {
                tag: WordTag::Insert,
                text: text.clone(),
            }]),
            SentenceOp::Removed { text, .. } => Some(vec![WordChange {
                tag: WordTag::Delete,
                text: text.clone(),
            }]),
            SentenceOp::Same { .. } | SentenceOp::Moved { .. } => None,
        })
        .filter(|w| w.iter().any(|c| c.tag != WordTag::Equal))
        .take(MAX_ITEMS)
        .map(|words| CardEdit { words })
        .collect()
}

/// Parses the payload's word diff (one sentence a line, `[-removed-]` and `{+added+}`) back
/// into word changes, keeping only the lines that changed.
fn parse_marked_words(text: &str) -> Vec<CardEdit> {
    let mut out = Vec::new();
    for line in text.lines() {
        if out.len() >= MAX_ITEMS {
            break;
        }
        if !(line.contains("[-") || line.contains("{+")) {
            continue;
        }
        let mut words: Vec<WordChange> = Vec::new();
        let mut push = |tag: WordTag, s: &str| {
            if !s.is_empty() {
                words.push(WordChange {
                    tag,
                    text: s.to_string(),
                });
            }
        };
        let mut rest = line;
        loop {
            let next = [("[-", "-]", WordTag::Delete), ("{+", "+}", WordTag::Insert)]
                .into_iter()
                .filter_map(|(open, close, tag)| rest.find(open).map(|i| (i, open, close, tag)))
                .min_by_key(|m| m.0);
            let Some((i, open, close, tag)) = next else {
                push(WordTag::Equal, rest);
                break;
            };
            push(WordTag::Equal, &rest[..i]);
            let inner = &rest[i + open.len()..];
            match inner.find(close) {
                Some(j) => {
                    push(tag, &inner[..j]);
                    rest = &inner[j + close.len()..];
                }
                // Cut by the payload's size cap: what is left is still that change.
                None => {
                    push(tag, inner);
                    break;
                }
            }
        }
        out.push(CardEdit { words });
    }
    out
}

/// The card's SVG document.
pub fn svg(input: &CardInput) -> Result<String, CardError> {
    let fonts = font::fonts()?;
    Ok(layout::build_svg(input, fonts))
}

/// The alt text: the card in words, at most [`MAX_ALT_CHARS`] characters.
pub fn alt_text(input: &CardInput) -> String {
    alt::alt_text(input)
}

/// Renders the card to PNG, with its alt text.
pub fn render(input: &CardInput) -> Result<Card, CardError> {
    let fonts = font::fonts()?;
    let svg = layout::build_svg(input, fonts);
    let png = rasterize(&svg, fonts)?;
    Ok(Card {
        png,
        width: CARD_WIDTH,
        height: CARD_HEIGHT,
        alt: alt::alt_text(input),
    })
}

fn rasterize(svg: &str, fonts: &font::Fonts) -> Result<Vec<u8>, CardError> {
    use resvg::{tiny_skia, usvg};
    let opt = usvg::Options {
        font_family: font::FAMILY.to_string(),
        fontdb: fonts.db.clone(),
        // The SVG has no links; if one ever slipped in, nothing is loaded from anywhere.
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(CardError::Svg)?;
    let mut pixmap = tiny_skia::Pixmap::new(CARD_WIDTH, CARD_HEIGHT)
        .ok_or_else(|| CardError::Png("could not allocate the canvas".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| CardError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_word_diff_parses_back_into_changes() {
        let e = parse_marked_words(
            "Same sentence.\nIt cost [-less than-]{+about+} $[-6-]{+5.6+} million.\n{+Added.+}\n[-cut off",
        );
        assert_eq!(e.len(), 3);
        let tags: Vec<_> = e[0]
            .words
            .iter()
            .map(|w| (w.tag, w.text.as_str()))
            .collect();
        assert_eq!(
            tags,
            vec![
                (WordTag::Equal, "It cost "),
                (WordTag::Delete, "less than"),
                (WordTag::Insert, "about"),
                (WordTag::Equal, " $"),
                (WordTag::Delete, "6"),
                (WordTag::Insert, "5.6"),
                (WordTag::Equal, " million."),
            ]
        );
        assert_eq!(
            e[1].words,
            vec![WordChange {
                tag: WordTag::Insert,
                text: "Added.".into()
            }]
        );
        assert_eq!(e[2].words[0].tag, WordTag::Delete);
    }

    #[test]
    fn outlet_is_the_feed_title_or_the_host() {
        assert_eq!(
            outlet_name(Some("The Ledger"), "https://x.example/a"),
            "The Ledger"
        );
        assert_eq!(
            outlet_name(Some("  "), "https://www.ledger.example/a"),
            "ledger.example"
        );
        assert_eq!(outlet_name(None, "not a url"), "");
    }
}
