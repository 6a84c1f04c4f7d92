//! The versioned JSON wire types: `diff --format json`, `compare --format json`, `log --json`
//! and `export --format jsonl` all speak these, so scripts written against one work on all.
//!
//! # `redline.diff` version 1
//! ```json
//! {
//!   "schema": "redline.diff", "version": 1,
//!   "old": {"label": "v1", "title": "...", "byline": null, "url": "...", "modified": null},
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
//!   "ops": [{"op": "edited", "old": "...", "new": "...", "words": [{"tag": "delete", "text": "6"}, ...]}, ...],
//!   "simplified": false, "simplified_reasons": []
//! }
//! ```
//! `stealth_evidence` (added in 1.1, see `alert::payload` for the kinds) says what the
//! stealth flag was judged by.
//! Fields may be added in later versions of the same schema; none is renamed or removed
//! without bumping `version`.

use serde::Serialize;

use crate::claims::ClaimChange;
use crate::diff::Revision;
use crate::version::VersionView;

pub const DIFF_SCHEMA: &str = "redline.diff";
pub const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub label: String,
    pub title: String,
    pub byline: Option<String>,
    pub url: String,
    pub published: Option<String>,
    pub modified: Option<String>,
}

impl Side {
    pub fn new(label: impl Into<String>, v: VersionView<'_>) -> Self {
        Self {
            label: label.into(),
            title: v.title.to_string(),
            byline: v.byline.map(String::from),
            url: v.url.to_string(),
            published: v.published.map(String::from),
            modified: v.modified.map(String::from),
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
    pub old: Side,
    pub new: Side,
    pub title_changed: bool,
    pub fields_changed: Vec<String>,
    pub cosmetic: bool,
    pub stealth: bool,
    pub stealth_evidence: Option<crate::stamps::StealthEvidence>,
    pub sentences: SentenceCounts,
    pub claim_changes: Vec<ClaimChange>,
    pub ops: Revision,
    /// True when the diff was simplified to stay within its limits (a huge or hostile
    /// article): a coarser alignment or word diff, or claims left unchecked.
    pub simplified: bool,
    /// Why, one reason per limit reached; empty for a full diff.
    pub simplified_reasons: Vec<String>,
}
