//! Deciding what a new observation of an article is: nothing new, a new version (cosmetic or
//! substantive, perhaps a revert), or a failed extraction; and describing the change between
//! two versions.
//!
//! Pure: the caller (`poll`) reads the latest version and writes what is decided here.

use crate::claims::{self, ClaimChange, ClaimKind};
use crate::diff::{self, Revision, Simplification};
use crate::normalize::{Comparison, Snapshot, TextSource, fold_typography};
use crate::notices::NoticeDiff;
use crate::payload::SentenceCounts;
use crate::stamps::Stamps;
use crate::store::articles::Version;
use crate::store::changes::{ClaimRow, NewChange};

/// A page extraction that returns less than this share of the previous version's text is
/// taken as a failed extraction (a paywall, a consent wall, a fragment), not as an edit.
pub const MIN_KEPT_SHARE: f64 = 0.5;
/// ...but only when the previous version was at least this long: short items legitimately
/// halve (a one-paragraph brief that loses a sentence).
pub const MIN_CHARS_FOR_SHRINK_GUARD: i64 = 400;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// First sighting: version 1.
    First,
    /// Same content as the latest version.
    Unchanged,
    /// A new version.
    New {
        cosmetic: bool,
        /// Set when the new content equals an earlier, non-latest version.
        revert_of: Option<i64>,
    },
    /// The text shrank implausibly; keep the old version and record the failure.
    FailedExtraction { chars: i64, previous_chars: i64 },
}

/// Decides what `snap` is relative to `prev`. `earlier_same` is the seq of an earlier version
/// with the same content hash, if any (the caller looks it up only when needed).
pub fn decide(
    prev: Option<&Version>,
    snap: &Snapshot,
    earlier_same: impl FnOnce() -> Option<i64>,
) -> Decision {
    let Some(prev) = prev else {
        return Decision::First;
    };
    let cmp = snap.compare(&prev.hash, &prev.typo_hash);
    if cmp == Comparison::Same {
        return Decision::Unchanged;
    }
    let chars = snap.body_chars() as i64;
    if snap.source == TextSource::Page
        && prev.source == TextSource::Page.as_str()
        && prev.body_chars >= MIN_CHARS_FOR_SHRINK_GUARD
        && (chars as f64) < prev.body_chars as f64 * MIN_KEPT_SHARE
    {
        return Decision::FailedExtraction {
            chars,
            previous_chars: prev.body_chars,
        };
    }
    Decision::New {
        cosmetic: cmp == Comparison::Cosmetic,
        revert_of: earlier_same(),
    }
}

/// The parts of a version that `describe_change` compares.
#[derive(Debug, Clone, Copy)]
pub struct VersionView<'a> {
    pub title: &'a str,
    pub byline: Option<&'a str>,
    pub url: &'a str,
    pub published: Option<&'a str>,
    pub modified: Option<&'a str>,
    pub body: &'a str,
    /// Text from the article page (`modified` is then the page's own stamp; for feed text it
    /// is the feed's `updated`, already in `stamps`).
    pub page: bool,
    pub stamps: &'a Stamps,
}

impl<'a> From<&'a Version> for VersionView<'a> {
    fn from(v: &'a Version) -> Self {
        Self {
            title: &v.title,
            byline: v.byline.as_deref(),
            url: &v.url,
            published: v.published.as_deref(),
            modified: v.modified.as_deref(),
            body: &v.body,
            page: v.source == TextSource::Page.as_str(),
            stamps: &v.stamps,
        }
    }
}

impl<'a> From<&'a Snapshot> for VersionView<'a> {
    fn from(s: &'a Snapshot) -> Self {
        Self {
            title: &s.title,
            byline: s.byline.as_deref(),
            url: &s.url,
            published: s.published.as_deref(),
            modified: s.modified.as_deref(),
            body: &s.body,
            page: s.source == TextSource::Page,
            stamps: &s.stamps,
        }
    }
}

/// A change between two versions, fully described.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub revision: Revision,
    pub claims: Vec<ClaimChange>,
    /// The record to store (claims included as rows).
    pub change: NewChange,
    /// What the diff or the claim check left out to stay within its limits (empty normally).
    pub simplified: Vec<Simplification>,
}

impl Analysis {
    pub fn title_changed(&self) -> bool {
        self.change.fields.contains(&"title")
    }
}

/// Describes the change from `old` to `new`: fields, sentence operations, claim changes,
/// stealth flag and significance. Deterministic: the same two versions always give the same
/// result, which is what lets `reprocess` recompute stored records after an upgrade.
pub fn analyze(old: VersionView<'_>, new: VersionView<'_>, cosmetic: bool) -> Analysis {
    // Fields count as changed only past typography, so a curly apostrophe in a headline is
    // not a "title change" (the version is still stored, flagged cosmetic).
    let differs = |a: &str, b: &str| a != b && fold_typography(a) != fold_typography(b);
    let mut fields = Vec::new();
    if differs(old.title, new.title) {
        fields.push("title");
    }
    if differs(old.byline.unwrap_or(""), new.byline.unwrap_or("")) {
        fields.push("byline");
    }
    if old.url != new.url {
        fields.push("url");
    }
    if old.published != new.published {
        fields.push("published");
    }
    if old.modified != new.modified {
        fields.push("modified");
    }
    let body_changed = differs(old.body, new.body);
    if body_changed {
        fields.push("body");
    }
    let revision = diff::revision(old.body, new.body);
    let mut simplified = revision.simplified.clone();
    // The headline is one more sentence (CLAIMS.md v2), reported before the body's claims.
    let mut claims = if fields.contains(&"title") {
        claims::title_changes(old.title, new.title, &mut simplified)
    } else {
        Vec::new()
    };
    if body_changed {
        let body = claims::bounded_claim_changes(&revision, &mut simplified);
        // A feed summary against the page's full text (or the reverse) is a partial capture:
        // sentences found on one side only were not added or removed, just not captured, so
        // only sentences present in both are compared (CLAIMS.md v2, compare like with like).
        let partial = old.page != new.page;
        claims.extend(body.into_iter().filter(|c| {
            !(partial && matches!(c.kind, ClaimKind::ClaimAdded | ClaimKind::ClaimRemoved))
        }));
    }
    // A notice is the publisher speaking about the article, not a claim of it: its sentences
    // are listed in `notices` and never also reported as claim changes (CLAIMS.md).
    let notice_diff = NoticeDiff::of(
        old.body,
        old.stamps.update_line.as_deref(),
        new.body,
        new.stamps.update_line.as_deref(),
    );
    claims.retain(|c| {
        !notice_diff.is_notice_claim(c.before_sentence.as_deref(), c.after_sentence.as_deref())
    });
    let silent = !cosmetic && !claims.is_empty() && !notice_diff.acknowledged();
    let text_changed = body_changed || fields.contains(&"title");
    let evidence = stealth_evidence(old, new, text_changed && !cosmetic);
    let stealth = evidence.stealth;
    let counts = SentenceCounts::of(&revision);
    let change = NewChange {
        kind: "edit",
        sentences_added: counts.added as i64,
        sentences_removed: counts.removed as i64,
        sentences_edited: counts.edited as i64,
        sentences_moved: counts.moved as i64,
        cosmetic,
        stealth,
        evidence: Some(evidence),
        significance: significance(&claims, counts, fields.contains(&"title"), cosmetic),
        claims: claims.iter().map(claim_row).collect(),
        notices: notice_diff.notices,
        silent,
        fields,
        simplified: simplified_reason(&simplified),
        ..NewChange::default()
    };
    Analysis {
        revision,
        claims,
        change,
        simplified,
    }
}

/// Stealth, as a reader means it: the text changed and nothing told them. Evidence that
/// something did: a machine-readable modified stamp (feed `updated`, HTTP `Last-Modified`,
/// `article:modified_time` / JSON-LD `dateModified`), a visible update line, or a correction
/// notice, that the new version carries and the old one did not carry the same. A page with
/// no stamps at all is therefore stealth on every edit: that is what its readers see. (Until
/// 0.1 a stamp had to exist and stay the same, which on real pages almost never happened.)
fn stealth_evidence(
    old: VersionView<'_>,
    new: VersionView<'_>,
    edited: bool,
) -> crate::stamps::StealthEvidence {
    // Feed text: `modified` is the entry's `updated`, so it is that evidence, not a page's,
    // also on versions stored before `feed_updated` was recorded.
    fn sides<'v>(v: &VersionView<'v>) -> (Stamps, Option<&'v str>) {
        let mut stamps = v.stamps.clone();
        if v.page {
            (stamps, v.modified)
        } else {
            if stamps.feed_updated.is_none() {
                stamps.feed_updated = v.modified.map(String::from);
            }
            (stamps, None)
        }
    }
    let ((old_stamps, old_meta), (new_stamps, new_meta)) = (sides(&old), sides(&new));
    let seen = crate::stamps::compare(&old_stamps, old_meta, &new_stamps, new_meta);
    let acknowledged = seen.iter().any(|e| e.changed);
    crate::stamps::StealthEvidence {
        stealth: edited && !acknowledged,
        seen,
    }
}

/// The reasons of a simplified diff as one line for the change record; `None` for a full one.
pub fn simplified_reason(notes: &[Simplification]) -> Option<String> {
    (!notes.is_empty()).then(|| {
        notes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A rough "how much should a reader care" score: claim changes weigh most, then headline
/// edits, then plain sentence churn. Cosmetic edits score zero.
fn significance(
    claims: &[ClaimChange],
    counts: SentenceCounts,
    title: bool,
    cosmetic: bool,
) -> f64 {
    if cosmetic {
        return 0.0;
    }
    let claim_weight: f64 = claims
        .iter()
        .map(|c| match c.kind {
            ClaimKind::NumberChanged
            | ClaimKind::QuoteChanged
            | ClaimKind::SpeakerChanged
            | ClaimKind::NegationFlipped => 1.0,
            ClaimKind::AttributionChanged
            | ClaimKind::HedgeAdded
            | ClaimKind::HedgeRemoved
            | ClaimKind::NameChanged => 0.6,
            ClaimKind::ClaimAdded | ClaimKind::ClaimRemoved => 0.5,
        })
        .sum();
    let churn = 0.1 * counts.edited as f64 + 0.2 * (counts.added + counts.removed) as f64;
    let score = claim_weight + churn + if title { 0.5 } else { 0.0 };
    (score * 100.0).round() / 100.0
}

pub fn claim_row(c: &ClaimChange) -> ClaimRow {
    ClaimRow {
        kind: c.kind.as_str().to_string(),
        field: c.field.as_str().to_string(),
        before: c.before.clone(),
        after: c.after.clone(),
        before_sentence: c.before_sentence.clone(),
        after_sentence: c.after_sentence.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(body: &str, source: TextSource) -> Version {
        let snap = Snapshot::new(
            "Storm closes ports",
            None,
            "https://example.com/storm",
            &[body.to_string()],
            source,
        );
        Version {
            id: 1,
            article_id: 1,
            seq: 1,
            fetched_at: 0,
            source: source.as_str().into(),
            url: snap.url.clone(),
            title: snap.title.clone(),
            byline: None,
            published: None,
            modified: Some("2026-11-02T10:00:00Z".into()),
            body: snap.body.clone(),
            body_chars: snap.body_chars() as i64,
            hash: snap.hash().to_string(),
            typo_hash: snap.typo_hash().to_string(),
            cosmetic: false,
            revert_of: None,
            stamps: Stamps::default(),
            http_status: None,
            extractor: None,
            etag: None,
            last_modified: None,
        }
    }

    fn snap(body: &str, source: TextSource) -> Snapshot {
        Snapshot::new(
            "Storm closes ports",
            None,
            "https://example.com/storm",
            &[body.to_string()],
            source,
        )
    }

    #[test]
    fn feed_summary_against_full_page_gives_no_added_claims() {
        // See: #11. The feed carried the first paragraph; the page has the whole story.
        let summary = "Authorities closed three ports on Tuesday as the storm approached.";
        let full = format!(
            "{summary} About 40 ferries were cancelled, the harbour master said. \
             Winds of 120 km/h were recorded in Lerwick."
        );
        let prev = version(summary, TextSource::Feed);
        let a = analyze(
            (&prev).into(),
            (&snap(&full, TextSource::Page)).into(),
            false,
        );
        assert!(a.claims.is_empty(), "{:?}", a.claims);
        // The same growth between two captures of the page is two new claims.
        let prev = version(summary, TextSource::Page);
        let a = analyze(
            (&prev).into(),
            (&snap(&full, TextSource::Page)).into(),
            false,
        );
        assert_eq!(a.claims.len(), 2, "{:?}", a.claims);
    }

    #[test]
    fn headline_claims_carry_the_title_field() {
        // See: #11. A toll in a headline is a number change in the title, never claim_added.
        let prev = version("Rescue teams are searching the wreck.", TextSource::Feed);
        let mut next = snap("Rescue teams are searching the wreck.", TextSource::Feed);
        next.title = "Ferry fire: at least 31 dead".into();
        let mut prev = prev;
        prev.title = "Ferry fire: at least 12 dead".into();
        let a = analyze((&prev).into(), (&next).into(), false);
        assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
        assert_eq!(a.claims[0].field, claims::ClaimField::Title);
        assert_eq!(a.claims[0].kind, ClaimKind::NumberChanged);
        assert_eq!(
            (a.claims[0].before.as_deref(), a.claims[0].after.as_deref()),
            (Some("12"), Some("31"))
        );
        assert_eq!(a.change.claims[0].field, "title");
        // A rewrite with the same facts is only a title change.
        prev.title = "Storm batters coast".into();
        next.title = "Coast battered by storm".into();
        let a = analyze((&prev).into(), (&next).into(), false);
        assert!(a.title_changed());
        assert!(a.claims.is_empty(), "{:?}", a.claims);
    }

    #[test]
    fn much_shorter_page_text_is_a_failed_extraction() {
        let long = "Authorities closed three ports on Tuesday as the storm approached. ".repeat(20);
        let prev = version(&long, TextSource::Page);
        let d = decide(
            Some(&prev),
            &snap("Subscribe to continue reading.", TextSource::Page),
            || None,
        );
        assert!(matches!(d, Decision::FailedExtraction { .. }), "{d:?}");
    }

    #[test]
    fn oversized_body_still_gives_a_change_record_flagged_simplified() {
        // See: #10. 400,000 dots: one sentence far over the limit for word diff and claims.
        let dots = ".".repeat(400_000);
        let prev = version(&dots, TextSource::Feed);
        let mut edited = dots.clone();
        edited.replace_range(200_000..200_001, "x");
        let a = analyze(
            (&prev).into(),
            (&snap(&edited, TextSource::Feed)).into(),
            false,
        );
        assert!(a.change.fields.contains(&"body"), "{:?}", a.change.fields);
        assert!(a.change.sentences_edited + a.change.sentences_added > 0);
        let reason = a.change.simplified.expect("flagged simplified");
        assert!(reason.contains("over 5000 bytes"), "{reason}");
        assert!(a.claims.is_empty());
    }

    #[test]
    fn stealth_edit_is_flagged_when_modified_stamp_stays() {
        let prev = version("Three ports closed.", TextSource::Page);
        let mut next = snap("Four ports closed.", TextSource::Page);
        next.modified = prev.modified.clone();
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert!(c.stealth);
        assert_eq!(c.fields, vec!["body"]);
        assert_eq!(c.claims.len(), 1, "{:?}", c.claims);
        assert_eq!(c.claims[0].kind, "number_changed");
        next.modified = Some("2026-11-02T12:00:00Z".into());
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert!(!c.stealth);
        let ev = c.evidence.expect("evidence");
        assert_eq!(ev.changed(), vec!["modified_meta"]);
    }

    #[test]
    fn an_edit_nothing_acknowledges_is_stealth_and_a_new_notice_is_not() {
        let mut prev = version("Three ports closed.", TextSource::Page);
        prev.modified = None;
        let mut next = snap("Four ports closed.", TextSource::Page);
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert!(c.stealth, "no stamp anywhere: stealth to every reader");
        assert!(c.evidence.as_ref().is_some_and(|e| e.seen.is_empty()));
        next.stamps.notice = Some("Correction: an earlier version said three ports.".into());
        assert!(
            !analyze((&prev).into(), (&next).into(), false)
                .change
                .stealth
        );
        // A cosmetic edit is never stealth.
        next.stamps.notice = None;
        assert!(!analyze((&prev).into(), (&next).into(), true).change.stealth);
    }

    #[test]
    fn feed_text_is_judged_by_the_entry_updated_stamp() {
        let mut prev = version("Three ports closed.", TextSource::Feed);
        prev.source = "feed".into();
        // Stored before feed_updated was recorded: `modified` holds the entry's `updated`.
        prev.modified = Some("2026-11-02T10:00:00Z".into());
        let mut next = snap("Four ports closed.", TextSource::Feed);
        next.modified = Some("2026-11-02T10:00:00Z".into());
        next.stamps.feed_updated = next.modified.clone();
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert!(c.stealth);
        let kinds: Vec<String> = c
            .evidence
            .expect("ev")
            .seen
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, vec!["feed_updated"]);
    }

    fn body_snap(paragraphs: &[&str]) -> Snapshot {
        let paragraphs: Vec<String> = paragraphs.iter().map(|p| p.to_string()).collect();
        Snapshot::new(
            "Storm closes ports",
            None,
            "https://example.com/storm",
            &paragraphs,
            TextSource::Feed,
        )
    }

    #[test]
    fn an_added_correction_is_a_notice_not_a_claim_and_the_edit_is_not_silent() {
        let prev = version(
            "Authorities closed 41 ports on Tuesday as the storm approached.",
            TextSource::Feed,
        );
        let next = body_snap(&[
            "Authorities closed 14 ports on Tuesday as the storm approached.",
            "Correction: an earlier version of this article said 41 ports were closed. It was 14.",
        ]);
        let c = analyze((&prev).into(), (&next).into(), false).change;
        let kinds: Vec<&str> = c.claims.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["number_changed"], "{:?}", c.claims);
        assert_eq!(c.notices.len(), 1, "{:?}", c.notices);
        assert_eq!(c.notices[0].change, crate::notices::NoticeChange::Added);
        assert!(c.notices[0].text.ends_with("It was 14."));
        assert!(!c.silent);
    }

    #[test]
    fn a_figure_change_without_a_notice_is_silent() {
        let prev = version(
            "Authorities closed 41 ports on Tuesday as the storm approached.",
            TextSource::Feed,
        );
        let next = body_snap(&["Authorities closed 14 ports on Tuesday as the storm approached."]);
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert_eq!(c.claims.len(), 1);
        assert!(c.notices.is_empty());
        assert!(c.silent);
        // No claim change, no silence: a reworded sentence with the same facts.
        let reworded =
            body_snap(&["As the storm approached, authorities closed 41 ports on Tuesday."]);
        let c = analyze((&prev).into(), (&reworded).into(), false).change;
        assert!(c.claims.is_empty(), "{:?}", c.claims);
        assert!(!c.silent);
    }

    #[test]
    fn a_removed_notice_is_listed_and_never_a_claim_removed() {
        let prev = version(
            "The ferry resumed service.\n\nUpdate: the port authority said 300 passengers were \
             waiting on Tuesday.",
            TextSource::Feed,
        );
        let next = body_snap(&["The ferry resumed service."]);
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert!(c.claims.is_empty(), "{:?}", c.claims);
        assert_eq!(c.notices.len(), 1);
        assert_eq!(c.notices[0].change, crate::notices::NoticeChange::Removed);
        assert!(!c.silent, "no claim change");
    }

    #[test]
    fn a_new_update_stamp_acknowledges_the_edit() {
        let prev = version("Authorities closed 41 ports.", TextSource::Feed);
        let mut next = body_snap(&["Authorities closed 14 ports."]);
        next.stamps.update_line = Some("Updated at 14:05".into());
        let c = analyze((&prev).into(), (&next).into(), false).change;
        assert_eq!(c.claims.len(), 1);
        assert_eq!(c.notices.len(), 1);
        assert!(!c.silent);
    }
}
