//! The JSON shapes the CLI prints (`--json`, `export --format jsonl`): one type per concept,
//! shared by every command that prints it, so an article, a version or a change has the same
//! fields wherever it appears. Conventions (docs/JSON.md is the reference, and
//! tests/json_docs.rs checks it against real output):
//! - every time is an RFC 3339 UTC string (`2026-12-02T09:00:00Z`), and its name ends in `_at`;
//! - an object carries its numeric `id` and its `ref` (`a42`, `f7`, `a42v3`, see `ids`); a
//!   pointer to another object is `<kind>_id` plus `<kind>_ref`, and `feed` is the feed's label.
//!
//! Publisher stamps (`published`, `modified`) are data, not our clock: given in UTC when they
//! carry a zone, as found when they do not (a zone-less time cannot be placed honestly).

use serde::Serialize;

use super::output::rfc3339;
use crate::ids;
use crate::payload::SentenceCounts;
use crate::store::articles::{ArticleSummary, Version};
use crate::store::changes::{ChangeRow, ClaimRow};

pub use crate::payload::utc_stamp;

fn stamp(found: Option<&str>) -> Option<String> {
    found.map(utc_stamp)
}

/// One row of `articles --json`.
#[derive(Debug, Serialize)]
pub struct ArticleJson {
    pub id: i64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub feed_id: i64,
    pub feed_ref: String,
    pub feed: String,
    pub url: String,
    pub title: Option<String>,
    pub status: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub versions: i64,
    pub changes: i64,
    pub claim_changes: i64,
    pub last_change_at: Option<String>,
    /// `--search`: the version that matched (the one the web UI opens); null outside a search.
    pub matched_seq: Option<i64>,
    /// `--search`: whether the latest text matches; null outside a search.
    pub matched_latest: Option<bool>,
}

impl From<&ArticleSummary> for ArticleJson {
    fn from(a: &ArticleSummary) -> Self {
        Self {
            id: a.id,
            reference: ids::article(a.id),
            feed_id: a.feed_id,
            feed_ref: ids::feed(a.feed_id),
            feed: a.feed.clone(),
            url: a.url.clone(),
            title: a.title.clone(),
            status: a.status.clone(),
            first_seen_at: rfc3339(a.first_seen),
            last_seen_at: rfc3339(a.last_seen),
            versions: a.versions,
            changes: a.changes,
            claim_changes: a.claim_changes,
            last_change_at: a.last_change_at.map(rfc3339),
            matched_seq: a.matched_seq,
            matched_latest: a.matched_seq.map(|_| a.matched_latest),
        }
    }
}

/// One version, without its text (`versions --json`); `show --json` adds the text.
#[derive(Debug, Serialize)]
pub struct VersionJson {
    /// `a42v3`, as the text listing prints it and every command accepts.
    #[serde(rename = "ref")]
    pub reference: String,
    pub article_id: i64,
    pub article_ref: String,
    pub seq: i64,
    pub fetched_at: String,
    pub source: String,
    pub url: String,
    pub title: String,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub chars: i64,
    pub cosmetic: bool,
    pub revert_of: Option<i64>,
    /// The archived copy of this version (`[archive]`), null until captured.
    pub archive: Option<String>,
    /// Provenance of the fetch the text came from (the page's for page text, the feed's for
    /// feed text); null when not recorded, and the validators also when none was sent.
    pub http_status: Option<u16>,
    pub extractor: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl From<&Version> for VersionJson {
    fn from(v: &Version) -> Self {
        Self {
            reference: ids::version(v.article_id, v.seq),
            article_id: v.article_id,
            article_ref: ids::article(v.article_id),
            seq: v.seq,
            fetched_at: rfc3339(v.fetched_at),
            source: v.source.clone(),
            url: v.url.clone(),
            title: v.title.clone(),
            byline: v.byline.clone(),
            published: stamp(v.published.as_deref()),
            modified: stamp(v.modified.as_deref()),
            chars: v.body_chars,
            cosmetic: v.cosmetic,
            revert_of: v.revert_of,
            archive: None,
            http_status: v.http_status,
            extractor: v.extractor.clone(),
            etag: v.etag.clone(),
            last_modified: v.last_modified.clone(),
        }
    }
}

/// `show --json`: a version with its text and the acknowledgement stamps it was seen with.
#[derive(Debug, Serialize)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub version: VersionJson,
    pub stamps: crate::stamps::Stamps,
    pub body: String,
}

impl From<&Version> for VersionDetail {
    fn from(v: &Version) -> Self {
        let mut stamps = v.stamps.clone();
        stamps.feed_updated = stamp(stamps.feed_updated.as_deref());
        Self {
            version: v.into(),
            stamps,
            body: v.body.clone(),
        }
    }
}

/// One change (`log --json`, the change records of `export`). Names follow `redline.change`:
/// `detected_at`, `fields_changed`, `sentences`, `claim_changes`.
#[derive(Debug, Serialize)]
pub struct ChangeJson<'a> {
    pub id: i64,
    pub article_id: i64,
    pub article_ref: String,
    /// The version this change made (`a42v3`, what `diff` takes); null when unpublished.
    pub version_ref: Option<String>,
    pub feed_id: i64,
    pub feed_ref: String,
    pub feed: &'a str,
    pub url: &'a str,
    pub title: Option<&'a str>,
    pub from_seq: Option<i64>,
    pub to_seq: Option<i64>,
    pub detected_at: String,
    pub kind: &'a str,
    pub fields_changed: &'a [String],
    pub sentences: SentenceCounts,
    pub cosmetic: bool,
    pub stealth: bool,
    pub stealth_evidence: Option<&'a crate::stamps::StealthEvidence>,
    pub revert_of: Option<i64>,
    pub significance: f64,
    pub claim_changes: &'a [ClaimRow],
    /// Notices that appeared or disappeared; null on records from before redline looked
    /// for them (until `reprocess`) and for unpublished pages.
    pub notices: Option<&'a [crate::notices::Notice]>,
    /// Claim changes and no notice added; null where `notices` is.
    pub silent: Option<bool>,
    pub simplified: bool,
    pub simplified_reasons: Vec<&'a str>,
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

impl<'a> From<&'a ChangeRow> for ChangeJson<'a> {
    fn from(c: &'a ChangeRow) -> Self {
        Self {
            id: c.id,
            article_id: c.article_id,
            article_ref: ids::article(c.article_id),
            version_ref: c.to_seq.map(|s| ids::version(c.article_id, s)),
            feed_id: c.feed_id,
            feed_ref: ids::feed(c.feed_id),
            feed: &c.feed,
            url: &c.url,
            title: c.title.as_deref(),
            from_seq: c.from_seq,
            to_seq: c.to_seq,
            detected_at: rfc3339(c.created_at),
            kind: &c.kind,
            fields_changed: &c.fields,
            sentences: SentenceCounts {
                added: count(c.sentences_added),
                removed: count(c.sentences_removed),
                edited: count(c.sentences_edited),
                moved: count(c.sentences_moved),
            },
            cosmetic: c.cosmetic,
            stealth: c.stealth,
            stealth_evidence: c.stealth_evidence.as_ref(),
            revert_of: c.revert_of,
            significance: c.significance,
            claim_changes: &c.claims,
            notices: c.notices.as_deref(),
            silent: c.silent,
            simplified: c.simplified.is_some(),
            simplified_reasons: c
                .simplified
                .as_deref()
                .map(|s| s.split("; ").collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publisher_stamps_with_a_zone_are_given_in_utc() {
        assert_eq!(
            utc_stamp("2026-11-30T07:00:00+01:00"),
            "2026-11-30T06:00:00Z"
        );
        // Zone-less: where on the timeline is unknown, so it stays as the publisher wrote it.
        assert_eq!(utc_stamp("2026-11-30T07:00:00"), "2026-11-30T07:00:00");
    }
}
