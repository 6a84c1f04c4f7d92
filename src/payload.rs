//! The versioned JSON wire types: `diff --format json`, `compare --format json`, `log --json`
//! and `export --format jsonl` all speak these, so scripts written against one work on all.
//!
//! # `redline.diff` version 1.3 (docs/JSON.md has the full field list)
//! ```json
//! {
//!   "schema": "redline.diff", "version": 1, "minor": 3,
//!   "old": {"label": "v1", "ref": "a42v1", "article_id": 42, "seq": 1,
//!           "fetched_at": "2026-12-02T09:00:00Z", "title": "...", "byline": null, "url": "...",
//!           "published": null, "modified": null},
//!   "new": {"label": "v2", ...},
//!   "title_changed": true,
//!   "fields_changed": ["title", "body"],
//!   "cosmetic": false,
//!   "stealth": false,
//!   "stealth_evidence": {"stealth": false, "seen": [{"kind": "update_line",
//!     "before": "Updated 09:10 GMT", "after": "Updated 14:05 GMT", "changed": true}]},
//!   "sentences": {"added": 1, "removed": 0, "edited": 3, "moved": 1},
//!   "claim_changes": [{"kind": "number_changed", "before": "$6 million", "after": "$5.6 million",
//!                      "before_sentence": "...", "after_sentence": "..."}],
//!   "notices": [{"change": "added", "text": "Correction: an earlier version of this article ..."}],
//!   "silent": false,
//!   "ops": [{"op": "edited", "old": "...", "new": "...", "words": [{"tag": "delete", "text": "6"}, ...]}, ...],
//!   "simplified": false, "simplified_reasons": []
//! }
//! ```
//! `stealth_evidence` (added in 1.1, see `alert::payload` for the kinds) says what the
//! stealth flag was judged by. 1.2 (`minor: 2`; absent means 1.0 or 1.1) added the sides'
//! `ref`, `article_id`, `seq` and `fetched_at` (null when `compare` reads files) and gives
//! `published`/`modified` in UTC when they carry a zone. 1.3 (`minor: 3`) added `notices`
//! (correction, clarification, update and editor's notes that appeared or disappeared, the
//! visible update stamp included; their sentences are never also claim changes) and `silent`
//! (at least one claim change and no notice added), as in `shared/CLAIMS.md`, and each side's
//! `archive` (its archived copy) and `archive_diff` (the archive's comparison of the two
//! captures), null unless `[archive]` captured both.
//! Fields may be added in later versions of the same schema; none is renamed or removed
//! without bumping `version`.

use serde::Serialize;

use crate::claims::ClaimChange;
use crate::diff::Revision;
use crate::version::VersionView;

pub const DIFF_SCHEMA: &str = "redline.diff";
pub const DIFF_SCHEMA_VERSION: u32 = 1;
/// Additions within `DIFF_SCHEMA_VERSION`: 1 added `stealth_evidence`, 2 the sides' `ref`,
/// `article_id`, `seq` and `fetched_at`, and publisher stamps in UTC, 3 `notices` and `silent`,
/// and the sides' `archive` and `archive_diff` (archived copies, `[archive]`).
pub const DIFF_SCHEMA_MINOR: u32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub label: String,
    /// `a42v3` for a stored version (1.2); null for a file given to `compare`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub article_id: Option<i64>,
    pub seq: Option<i64>,
    /// When this version was fetched (RFC 3339 UTC, 1.2); null for a file.
    pub fetched_at: Option<String>,
    pub title: String,
    pub byline: Option<String>,
    pub url: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// The archived copy of this version (1.3, `[archive]`); null until captured or for a file.
    pub archive: Option<String>,
}

/// A publisher's stamp in UTC when it is RFC 3339 with a zone; as found otherwise (a
/// zone-less time cannot be placed on the timeline).
pub fn utc_stamp(found: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(found).map_or_else(
        |_| found.to_string(),
        |d| {
            d.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        },
    )
}

impl Side {
    pub fn new(label: impl Into<String>, v: VersionView<'_>) -> Self {
        Self {
            label: label.into(),
            reference: None,
            article_id: None,
            seq: None,
            fetched_at: None,
            title: v.title.to_string(),
            byline: v.byline.map(String::from),
            url: v.url.to_string(),
            published: v.published.map(utc_stamp),
            modified: v.modified.map(utc_stamp),
            archive: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, Default)]
pub struct SentenceCounts {
    pub added: usize,
    pub removed: usize,
    pub edited: usize,
    pub moved: usize,
}

impl SentenceCounts {
    pub fn of(rev: &Revision) -> Self {
        Self {
            added: rev.added(),
            removed: rev.removed(),
            edited: rev.edited(),
            moved: rev.moved(),
        }
    }
}

/// One comparison of two versions, as `diff`/`compare` print it in JSON.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub schema: &'static str,
    pub version: u32,
    pub minor: u32,
    pub old: Side,
    pub new: Side,
    pub title_changed: bool,
    pub fields_changed: Vec<String>,
    pub cosmetic: bool,
    pub stealth: bool,
    pub stealth_evidence: Option<crate::stamps::StealthEvidence>,
    pub sentences: SentenceCounts,
    pub claim_changes: Vec<ClaimChange>,
    /// Notices that appeared or disappeared (1.3).
    pub notices: Vec<crate::notices::Notice>,
    /// Claim changes and no notice added (1.3).
    pub silent: bool,
    pub ops: Revision,
    /// True when the diff was simplified to stay within its limits (a huge or hostile
    /// article): a coarser alignment or word diff, or claims left unchecked.
    pub simplified: bool,
    /// Why, one reason per limit reached; empty for a full diff.
    pub simplified_reasons: Vec<String>,
    /// The archive's own comparison of the two captures (1.3), when both versions are archived.
    pub archive_diff: Option<String>,
}
