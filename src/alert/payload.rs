//! The versioned alert payload: webhook bodies (format "json"), exec stdin, and the source of
//! every other rendering (Slack/Discord text, email, Atom entries).
//!
//! # `redline.change` version 1.3 (docs/JSON.md has the full field list)
//! ```json
//! {"type": "redline.change", "version": 1, "minor": 3, "data": {
//!   "change_id": 42,                 // idempotency key: the same change never has another id
//!   "event": "claim_changed",        // claim_changed | edited | cosmetic | reverted | unpublished
//!   "alert": "desk",
//!   "feed": {"id": 1, "ref": "f1", "name": "aljazeera", "url": "https://…/rss.xml"},
//!   "article": {"id": 7, "ref": "a7", "url": "https://…", "title": "…", "previous_title": "…"},
//!   "from_version": 1, "to_version": 2, "version_ref": "a7v2",
//!   "detected_at": "2026-11-03T10:15:00Z",
//!   "stealth": true, "cosmetic": false, "revert_of": null,
//!   "stealth_evidence": {"stealth": true, "seen": [           // null for "unpublished"
//!     {"kind": "http_last_modified", "before": "Tue, 03 Nov 2026 09:00:00 GMT",
//!      "after": "Tue, 03 Nov 2026 09:00:00 GMT", "changed": false}]},
//!   "fields_changed": ["body"], "title_changed": false,
//!   "sentences": {"added": 0, "removed": 0, "edited": 1, "moved": 0},
//!   "claim_changes": [{"kind": "number_changed", "before": "$6 million", "after": "$5.6 million",
//!                      "before_sentence": "…", "after_sentence": "…"}],   // at most 50
//!   "claims_omitted": 0,             // claim changes past the 50 (`redline diff` has them all)
//!   "notices": [{"change": "added", "text": "Correction: an earlier version of this …"}],
//!   "silent": false,                 // claim changes and no notice added
//!   "word_diff": "… cost [-less than-]{+about+} $[-6-]{+5.6+} million …",
//!   "links": {"article": "https://…", "feed": "https://…",
//!             "archive": "https://web.archive.org/web/20261103101600/https://…",
//!             "archive_before": null, "archive_diff": null},
//!   "test": false                    // true only for the sample of `redline alerts test`
//! }}
//! ```
//! `stealth` is true when the text changed and no evidence of acknowledgement changed;
//! `stealth_evidence.seen` lists every kind seen on either version, in this order:
//! `feed_updated` (the feed entry's `updated`), `http_last_modified` (the page's HTTP header),
//! `modified_meta` (`article:modified_time`, `og:updated_time`, JSON-LD `dateModified`),
//! `update_line` (a visible "Updated 14:05 GMT" line) and `notice` (correction or editor's
//! notes). `changed` is true when the new version carries the stamp and it differs. An empty
//! `seen` means neither version had any stamp, so the edit was stealth to every reader.
//!
//! Minor versions only add fields: 1.1 (`minor: 1`) added `stealth_evidence` and the
//! reader-facing stealth rule above (1.0 flagged an edit only when a page's modified stamp
//! existed and stayed the same). 1.2 (`minor: 2`) added the ids every other document
//! carries: `feed.ref` (`f1`), `article.ref` (`a7`) and `version_ref` (`a7v2`, what
//! `redline diff` takes). 1.3 (`minor: 3`) added `notices` (correction, clarification, update
//! and editor's notes that appeared or disappeared, a visible update stamp included),
//! `silent` (claim changes and no notice added; see `shared/CLAIMS.md`), and `links.archive`
//! (the archived copy of the new version), `links.archive_before` (of the previous one) and
//! `links.archive_diff` (the archive's comparison of the two), filled in when the alert is
//! sent and null until the captures exist (`[archive]`). An envelope without `minor` is 1.0.
//!
//! A digest (`digest = "30m"`, or the rows an alert's `max_per_hour` held back) is `{"type": "redline.digest", "version": 1, "data":
//! {"alert": "desk", "changes": [<data of redline.change>, …]}}`. Fields may be added; none
//! is renamed or removed without a new `version`. Web text is capped (titles 300 characters,
//! claim values 300, claim sentences 1,000, the word diff 32 KB) and stripped of bidi controls.

use serde::{Deserialize, Serialize};

use crate::claims::ClaimChange;
use crate::payload::SentenceCounts;

pub const CHANGE_TYPE: &str = "redline.change";
pub const DIGEST_TYPE: &str = "redline.digest";
pub const PAYLOAD_VERSION: u32 = 1;
/// Additions within `PAYLOAD_VERSION`; see the module doc for what each one added.
pub const PAYLOAD_MINOR: u32 = 3;
/// A subject line (email, chat heading) is cut to this many characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The word diff in a payload is cut here; the full diff is one `redline diff` away.
pub const MAX_WORD_DIFF: usize = 32 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope<T> {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u32,
    /// Absent (0) on payloads written before minor versions were counted.
    #[serde(default)]
    pub minor: u32,
    pub data: T,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRef {
    pub id: i64,
    /// `f7` (1.2); empty on payloads stored before.
    #[serde(rename = "ref", default)]
    pub reference: String,
    pub name: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticleRef {
    pub id: i64,
    /// `a42` (1.2); empty on payloads stored before.
    #[serde(rename = "ref", default)]
    pub reference: String,
    pub url: String,
    pub title: String,
    pub previous_title: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Links {
    pub article: String,
    pub feed: String,
    /// The archived copy of the new version (1.3); null until it is captured, or without
    /// `[archive]`. Filled in when the alert is sent, not when it is written.
    #[serde(default)]
    pub archive: Option<String>,
    /// The archived copy of the previous version (1.3).
    #[serde(default)]
    pub archive_before: Option<String>,
    /// The archive's own comparison of the two captures, when both exist (1.3).
    #[serde(default)]
    pub archive_diff: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeData {
    pub change_id: i64,
    pub event: String,
    pub alert: String,
    pub feed: FeedRef,
    pub article: ArticleRef,
    pub from_version: Option<i64>,
    pub to_version: Option<i64>,
    /// `a42v3`, the version this change made (1.2); null when unpublished.
    #[serde(default)]
    pub version_ref: Option<String>,
    pub detected_at: String,
    pub stealth: bool,
    /// What `stealth` was judged by (1.1); `None` for an unpublished page.
    #[serde(default)]
    pub stealth_evidence: Option<crate::stamps::StealthEvidence>,
    pub cosmetic: bool,
    pub revert_of: Option<i64>,
    pub fields_changed: Vec<String>,
    pub title_changed: bool,
    pub sentences: SentenceCounts,
    /// At most `MAX_CLAIMS` of them, each text field capped (see `alert::shown_claims`).
    pub claim_changes: Vec<ClaimChange>,
    /// Claim changes left out of `claim_changes` by the cap; `redline diff` has them all.
    #[serde(default)]
    pub claims_omitted: usize,
    /// Notices that appeared or disappeared (1.3), each text capped; empty on payloads
    /// stored before.
    #[serde(default)]
    pub notices: Vec<crate::notices::Notice>,
    /// At least one claim change and no notice added (1.3); false on payloads stored before.
    #[serde(default)]
    pub silent: bool,
    pub word_diff: String,
    pub links: Links,
    /// A sample sent by `redline alerts test`, not a real change: receivers should not
    /// publish it. Always false in a real alert.
    #[serde(default)]
    pub test: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DigestData {
    pub alert: String,
    pub changes: Vec<ChangeData>,
}

/// What one send carries: one change, or a digest of several.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    One(Box<ChangeData>),
    Digest(DigestData),
}

impl Delivery {
    /// The JSON body (webhook "json" format, exec stdin).
    pub fn to_json(&self) -> String {
        let r = match self {
            Self::One(d) => serde_json::to_string(&Envelope {
                kind: CHANGE_TYPE.into(),
                version: PAYLOAD_VERSION,
                minor: PAYLOAD_MINOR,
                data: d,
            }),
            Self::Digest(d) => serde_json::to_string(&Envelope {
                kind: DIGEST_TYPE.into(),
                version: PAYLOAD_VERSION,
                minor: PAYLOAD_MINOR,
                data: d,
            }),
        };
        // Serialising these plain structs cannot fail; an empty object beats a panic.
        r.unwrap_or_else(|_| "{}".into())
    }

    pub fn changes(&self) -> Vec<&ChangeData> {
        match self {
            Self::One(d) => vec![d],
            Self::Digest(d) => d.changes.iter().collect(),
        }
    }

    /// `X-Redline-Event` / `REDLINE_EVENT`.
    pub fn event(&self) -> &str {
        match self {
            Self::One(d) => &d.event,
            Self::Digest(_) => "digest",
        }
    }

    /// A one-line subject.
    pub fn subject(&self) -> String {
        match self {
            Self::One(d) => {
                let n = d.claim_changes.len() + d.claims_omitted;
                let what = match d.event.as_str() {
                    "unpublished" => "unpublished".to_string(),
                    _ if n > 0 => format!("{n} claim change{}", if n == 1 { "" } else { "s" }),
                    _ => "edited".to_string(),
                };
                let subject = format!(
                    "[redline] {}{}{}{}: {what}",
                    if d.test { "TEST: " } else { "" },
                    if d.stealth { "stealth edit: " } else { "" },
                    if d.silent { "silent: " } else { "" },
                    one_line(&d.article.title)
                );
                cut_line(subject, MAX_SUBJECT_CHARS)
            }
            Self::Digest(d) => format!("[redline] {} changes ({})", d.changes.len(), d.alert),
        }
    }

    /// Plain text that leads with the claim changes, then the word diff, then the links.
    pub fn text(&self) -> String {
        self.changes()
            .iter()
            .map(|d| change_text(d))
            .collect::<Vec<_>>()
            .join("\n\n----\n\n")
    }
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` cut to `max` characters, marked with an ellipsis when cut.
fn cut_line(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Reads a stored payload back.
pub fn parse_change(json: &str) -> Result<ChangeData, String> {
    serde_json::from_str::<Envelope<ChangeData>>(json)
        .map(|e| e.data)
        .map_err(|e| format!("stored payload is not a redline.change: {e}"))
}

/// The plain-text rendering of one change.
pub fn change_text(d: &ChangeData) -> String {
    let mut out = String::new();
    out.push_str(&one_line(&d.article.title));
    out.push('\n');
    let versions = match (d.from_version, d.to_version) {
        (Some(a), Some(b)) => format!("version {a} → {b}"),
        (Some(a), None) => format!("after version {a}"),
        _ => String::new(),
    };
    out.push_str(&format!(
        "{} · {} · {versions} · detected {}\n",
        d.event,
        d.feed.name.as_deref().unwrap_or(&d.feed.url),
        d.detected_at
    ));
    if d.stealth {
        out.push_str(
            "STEALTH EDIT: the text changed and no update stamp, Last-Modified or correction notice did.\n",
        );
    }
    if d.silent {
        out.push_str(
            "SILENT: claims changed and no correction, update or editor's notice was added.\n",
        );
    }
    if let Some(e) = &d.stealth_evidence {
        out.push_str(&format!("Evidence: {}\n", e.summary()));
    }
    if d.title_changed
        && let Some(prev) = &d.article.previous_title
    {
        out.push_str(&format!(
            "Title: {} → {}\n",
            one_line(prev),
            one_line(&d.article.title)
        ));
    }
    if d.claim_changes.is_empty() {
        out.push_str("\nNo claim changes.\n");
    } else {
        out.push_str("\nClaim changes:\n");
        for c in &d.claim_changes {
            out.push_str(&format!(
                "- {}: {} → {}\n",
                c.kind.as_str(),
                c.before.as_deref().unwrap_or("—"),
                c.after.as_deref().unwrap_or("—")
            ));
            if let Some(s) = &c.before_sentence {
                out.push_str(&format!("    before: {s}\n"));
            }
            if let Some(s) = &c.after_sentence {
                out.push_str(&format!("    after:  {s}\n"));
            }
        }
        if d.claims_omitted > 0 {
            out.push_str(&format!(
                "- … and {} more (redline diff {} shows them all)\n",
                d.claims_omitted, d.article.id
            ));
        }
    }
    if !d.notices.is_empty() {
        out.push_str("\nNotices:\n");
        for n in &d.notices {
            let change = match n.change {
                crate::notices::NoticeChange::Added => "added",
                crate::notices::NoticeChange::Removed => "removed",
            };
            out.push_str(&format!("- {change}: {}\n", one_line(&n.text)));
        }
    }
    out.push_str(&format!(
        "\nSentences: {} edited, {} added, {} removed, {} moved\n",
        d.sentences.edited, d.sentences.added, d.sentences.removed, d.sentences.moved
    ));
    if !d.word_diff.is_empty() {
        out.push_str("\nWord diff ([-removed-] {+added+}):\n");
        out.push_str(&d.word_diff);
        if !d.word_diff.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\nArticle: {}\nFeed: {}\n",
        d.links.article, d.links.feed
    ));
    for (what, link) in [
        ("Archived before", &d.links.archive_before),
        ("Archived after", &d.links.archive),
        ("Archive diff", &d.links.archive_diff),
    ] {
        if let Some(l) = link {
            out.push_str(&format!("{what}: {l}\n"));
        }
    }
    out
}

/// Cuts a string at a char boundary, marking the cut.
pub fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("\n[…]");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_one_short_line_and_counts_omitted_claims() {
        let mut d = ChangeData {
            change_id: 12,
            event: "claim_changed".into(),
            alert: "desk".into(),
            feed: FeedRef {
                id: 1,
                reference: crate::ids::feed(1),
                name: Some("chronicle".into()),
                url: "https://chronicle.example/feed.xml".into(),
            },
            article: ArticleRef {
                id: 42,
                reference: crate::ids::article(42),
                url: "https://chronicle.example/flood".into(),
                title: String::new(),
                previous_title: None,
            },
            from_version: Some(1),
            to_version: Some(2),
            version_ref: Some("a7v2".into()),
            detected_at: "2026-12-01T09:00:00Z".into(),
            stealth: false,
            stealth_evidence: None,
            cosmetic: false,
            revert_of: None,
            fields_changed: vec!["body".into()],
            title_changed: false,
            sentences: crate::payload::SentenceCounts {
                added: 0,
                removed: 0,
                edited: 1,
                moved: 0,
            },
            claim_changes: vec![ClaimChange {
                kind: crate::claims::ClaimKind::NumberChanged,
                field: crate::claims::ClaimField::Body,
                before: Some("40 homes".into()),
                after: Some("55 homes".into()),
                before_sentence: Some("Officials said 40 homes were flooded.".into()),
                after_sentence: Some("Officials said 55 homes were flooded.".into()),
            }],
            claims_omitted: 0,
            notices: vec![],
            silent: true,
            word_diff: "Officials said [-40-]{+55+} homes were flooded.".into(),
            links: Links {
                article: "https://chronicle.example/flood".into(),
                feed: "https://chronicle.example/feed.xml".into(),
                ..Links::default()
            },
            test: false,
        };
        d.article.title = format!("Flood\ndefences {}", "breached again ".repeat(40));
        d.claims_omitted = 60;
        let subject = Delivery::One(Box::new(d.clone())).subject();
        assert!(subject.chars().count() <= MAX_SUBJECT_CHARS, "{subject}");
        assert!(!subject.contains('\n'));
        assert!(subject.ends_with('…'));
        d.article.title = "Flood defences breached".into();
        let subject = Delivery::One(Box::new(d.clone())).subject();
        assert_eq!(
            subject,
            "[redline] silent: Flood defences breached: 61 claim changes"
        );
        let text = Delivery::One(Box::new(d)).text();
        assert!(text.contains("… and 60 more"), "{text}");
    }
}
