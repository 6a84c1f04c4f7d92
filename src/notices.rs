//! Notices: the sentences in which a publisher tells readers that the article changed
//! ("Correction: …", "Editor's note: …", "This article was amended on …", "Rectificatif",
//! "Berichtigung:", "Fe de errores"), and which of them appeared or disappeared between two
//! versions (`shared/CLAIMS.md`, "Notices, and silent edits").
//!
//! Pure. This is the one notice detector: `stamps` uses it for the stealth evidence of a
//! version, `version::analyze` for the `notices` of a change, whose sentences are then never
//! also reported as claims. A visible update stamp ("Updated at 14:05") is page furniture and
//! leaves the body in `stamps::split_furniture`; it counts here through the stamp the version
//! was seen with, so an update line that appears is a notice too.
//!
//! A notice starts at a sentence that opens with a notice cue and runs to the end of its
//! paragraph: notices are written as a closing paragraph, or as the tail of one, and the
//! sentences after the cue ("It was 14, not 41.") belong to it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::diff::{sentence_key, split_sentences};

/// A notice's text in a change record or payload is cut here (characters).
pub const MAX_NOTICE_CHARS: usize = 1_000;
/// Notices listed per change; past this a page is not telling readers about a correction.
pub const MAX_NOTICES: usize = 20;
/// A sentence longer than this (bytes) opening with a cue is not read as a notice: the
/// detector then costs nothing on hostile text and a notice is never a whole article.
const MAX_NOTICE_SENTENCE_BYTES: usize = 4_000;

/// Openings of a correction, clarification, update or editor's note, lowercase, matched at
/// the start of a sentence after leading `*`, `[`, `(` and spaces. A French space before the
/// colon (`Correction : …`) is folded away first.
const NOTICE_OPENINGS: &[&str] = &[
    // English
    "correction:",
    "corrections:",
    "correction (",
    "clarification:",
    "clarifications:",
    "editor's note:",
    "editors' note:",
    "editor's note -",
    "note from the editor",
    "update:",
    "updated to ",
    // Only of the piece itself: "An earlier version of the bill was rejected" is news.
    "an earlier version of this article",
    "an earlier version of this story",
    "an earlier version of this report",
    "an earlier version of this piece",
    "an earlier version of this headline",
    "an earlier version of the article",
    "an earlier version of the story",
    "a previous version of this article",
    "a previous version of this story",
    "a previous version of the article",
    "a previous version of the story",
    "this article was amended",
    "this article has been amended",
    "this article was corrected",
    "this article has been corrected",
    "this article has been updated",
    "this article was updated to",
    "this article was updated with",
    "this story has been amended",
    "this story has been corrected",
    "this story has been updated",
    "this story was corrected",
    "this story was updated to",
    "this story was amended",
    "this report has been corrected",
    "this report has been updated",
    "we have corrected",
    "we have amended",
    // French
    "rectificatif",
    "correctif:",
    "précision:",
    "mise à jour:",
    "note de la rédaction",
    "une version précédente de cet article",
    "une précédente version de cet article",
    "cet article a été modifié",
    "cet article a été corrigé",
    "cet article a été mis à jour",
    // German
    "korrektur:",
    "berichtigung:",
    "aktualisierung:",
    "anmerkung der redaktion",
    "in einer früheren version dieses",
    "in einer vorherigen version dieses",
    "eine frühere version dieses",
    "dieser artikel wurde korrigiert",
    "dieser artikel wurde aktualisiert",
    // Spanish
    "corrección:",
    "fe de errores",
    "actualización:",
    "nota del editor",
    "nota de la redacción",
    "una versión anterior de este",
    "una versión anterior de esta",
    "este artículo fue corregido",
    "este artículo ha sido corregido",
    "este artículo fue actualizado",
    "este artículo ha sido actualizado",
];

/// Whether `text` (a sentence or paragraph) opens as a notice.
pub fn is_notice(text: &str) -> bool {
    let start = text.trim_start_matches(['*', '[', '(', ' ', '\u{a0}']);
    // Only the head can match, so only the head is folded: a long paragraph costs nothing.
    let head: String = start
        .chars()
        .take(48)
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' => '\'',
            '\u{a0}' | '\u{202f}' => ' ',
            '\u{2013}' | '\u{2014}' => '-',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
        .replace(" :", ":");
    NOTICE_OPENINGS.iter().any(|o| head.starts_with(o))
}

/// The notices of one body (paragraphs separated by blank lines), in document order, each as
/// its sentences.
fn notice_regions(body: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for paragraph in body.split("\n\n") {
        if !might_hold_notice(paragraph) {
            continue;
        }
        let sentences = split_sentences(paragraph);
        if let Some(i) = sentences
            .iter()
            .position(|s| s.len() <= MAX_NOTICE_SENTENCE_BYTES && is_notice(s))
        {
            out.push(sentences[i..].to_vec());
        }
    }
    out
}

/// A cheap filter before sentence splitting: every opening holds one of these words, so a
/// paragraph without any cannot hold a notice.
fn might_hold_notice(paragraph: &str) -> bool {
    const STEMS: &[&str] = &[
        "orrect",
        "larif",
        "ditor",
        "pdate",
        "version",
        "mended",
        "ectif",
        "récis",
        "mise à",
        "rédaction",
        "modifié",
        "mis à jour",
        "orrektur",
        "erichtig",
        "ktualis",
        "edaktion",
        "orrecc",
        "errores",
        "ctualiza",
        "redacción",
    ];
    let lower = paragraph.to_lowercase();
    STEMS.iter().any(|s| lower.contains(s))
}

/// Appeared or disappeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeChange {
    Added,
    Removed,
}

/// One notice that appeared in, or disappeared from, an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub change: NoticeChange,
    /// The notice as written (at most `MAX_NOTICE_CHARS`).
    pub text: String,
}

/// The notices of two versions compared: what appeared and disappeared, and which sentences
/// of each side belong to a notice (so they are not also claims).
#[derive(Debug, Clone, Default)]
pub struct NoticeDiff {
    /// Removed ones first, then added ones, each in document order.
    pub notices: Vec<Notice>,
    old_sentences: HashSet<String>,
    new_sentences: HashSet<String>,
}

impl NoticeDiff {
    /// Compares the notices in two bodies and the visible update stamps the versions were seen
    /// with (`Stamps::update_line`, taken out of the body as furniture).
    pub fn of(
        old_body: &str,
        old_update_line: Option<&str>,
        new_body: &str,
        new_update_line: Option<&str>,
    ) -> Self {
        let old = notice_regions(old_body);
        let new = notice_regions(new_body);
        let key = |r: &[String]| sentence_key(&r.join(" ")).to_lowercase();
        let old_keys: HashSet<String> = old.iter().map(|r| key(r)).collect();
        let new_keys: HashSet<String> = new.iter().map(|r| key(r)).collect();
        let mut notices = Vec::new();
        let stamp_key = |s: Option<&str>| s.map(|s| sentence_key(s).to_lowercase());
        let (old_stamp, new_stamp) = (stamp_key(old_update_line), stamp_key(new_update_line));
        if let Some(s) = old_update_line.filter(|_| old_stamp != new_stamp) {
            notices.push(notice(NoticeChange::Removed, s));
        }
        for r in old.iter().filter(|r| !new_keys.contains(&key(r))) {
            notices.push(notice(NoticeChange::Removed, &r.join(" ")));
        }
        if let Some(s) = new_update_line.filter(|_| old_stamp != new_stamp) {
            notices.push(notice(NoticeChange::Added, s));
        }
        for r in new.iter().filter(|r| !old_keys.contains(&key(r))) {
            notices.push(notice(NoticeChange::Added, &r.join(" ")));
        }
        notices.truncate(MAX_NOTICES);
        let sentences = |regions: &[Vec<String>]| {
            regions
                .iter()
                .flatten()
                .map(|s| sentence_key(s))
                .collect::<HashSet<_>>()
        };
        Self {
            notices,
            old_sentences: sentences(&old),
            new_sentences: sentences(&new),
        }
    }

    /// A notice was added: the publisher said the article changed.
    pub fn acknowledged(&self) -> bool {
        self.notices.iter().any(|n| n.change == NoticeChange::Added)
    }

    /// Whether a claim change comes only from notice text: every sentence it names (the old
    /// one, the new one, or both) belongs to a notice on its side.
    pub fn is_notice_claim(&self, before: Option<&str>, after: Option<&str>) -> bool {
        if before.is_none() && after.is_none() {
            return false;
        }
        let in_notice = |s: Option<&str>, set: &HashSet<String>| {
            s.is_none_or(|s| !set.is_empty() && set.contains(&sentence_key(s)))
        };
        in_notice(before, &self.old_sentences) && in_notice(after, &self.new_sentences)
    }
}

fn notice(change: NoticeChange, text: &str) -> Notice {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if text.chars().count() <= MAX_NOTICE_CHARS {
        text
    } else {
        text.chars().take(MAX_NOTICE_CHARS).collect()
    };
    Notice { change, text }
}

/// The notices of a list of paragraphs as one line (joined by " | "), for the stamps a
/// version is seen with.
pub fn notice_line<S: AsRef<str>>(paragraphs: &[S]) -> Option<String> {
    let found: Vec<String> = paragraphs
        .iter()
        .flat_map(|p| notice_regions(p.as_ref()))
        .map(|r| r.join(" "))
        .collect();
    (!found.is_empty()).then(|| found.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_openings_in_four_languages_are_recognised() {
        for n in [
            "Correction: an earlier version of this article gave the wrong date.",
            "Clarification: the mayor spoke before the vote, not after it.",
            "Update: the ferry has since resumed service.",
            "Editor's note: this story has been updated with comment from the council.",
            "Editor’s note: names have been changed.",
            "This article was amended on 3 November 2026 to correct the number of injured.",
            "This story has been updated to include a statement from the port authority.",
            "An earlier version of this article misstated the name of the harbour master.",
            "*Correction (3 November): the vote was 12 to 9.",
            "Rectificatif : une version précédente de cet article indiquait 40 blessés.",
            "Correction : le scrutin a eu lieu mardi.",
            "Mise à jour : la mairie a confirmé la fermeture.",
            "Korrektur: In einer früheren Version hieß es, die Brücke sei gesperrt.",
            "Berichtigung: Der Bürgermeister heißt Jonas Feld.",
            "Aktualisierung: Die Polizei hat die Sperrung aufgehoben.",
            "Anmerkung der Redaktion: Der Text wurde ergänzt.",
            "Corrección: la votación fue el martes.",
            "Fe de errores: el alcalde se llama Tomás Rey.",
            "Actualización: el puerto ha reabierto.",
            "Nota del editor: este artículo ha sido actualizado.",
        ] {
            assert!(is_notice(n), "{n}");
        }
        for prose in [
            "The correction of the river's course took 10 years.",
            "Officials said an update would follow.",
            "Updated figures show 40 homes were flooded.",
            "The editor resigned on Tuesday.",
            "Die Korrektur der Zahlen dauerte Wochen.",
            "An earlier version of the bill was rejected by the council in 2019.",
            "In einer früheren Version des Gesetzes fehlte die Frist.",
            "Una versión anterior del plan costaba 40 millones.",
        ] {
            assert!(!is_notice(prose), "{prose}");
        }
    }

    #[test]
    fn a_notice_runs_from_its_cue_to_the_end_of_the_paragraph() {
        let body = "The bridge reopened on Tuesday.\n\n\
                    Crews worked overnight. Correction: an earlier version of this article said 41 \
                    people were hurt. It was 14.\n\nThe council meets on Friday.";
        let regions = notice_regions(body);
        assert_eq!(regions.len(), 1);
        assert_eq!(
            regions[0].join(" "),
            "Correction: an earlier version of this article said 41 people were hurt. It was 14."
        );
    }

    #[test]
    fn added_removed_and_kept_notices() {
        let old = "The bridge reopened.\n\nClarification: the bridge is a toll bridge.";
        let new = "The bridge reopened.\n\nClarification: the bridge is a toll bridge.\n\n\
                   Correction: the bridge reopened on Tuesday, not Monday.";
        let d = NoticeDiff::of(old, None, new, None);
        assert_eq!(
            d.notices,
            [Notice {
                change: NoticeChange::Added,
                text: "Correction: the bridge reopened on Tuesday, not Monday.".into()
            }]
        );
        assert!(d.acknowledged());
        let back = NoticeDiff::of(new, None, old, None);
        assert_eq!(back.notices[0].change, NoticeChange::Removed);
        assert!(!back.acknowledged());
        assert!(back.is_notice_claim(
            Some("Correction: the bridge reopened on Tuesday, not Monday."),
            None
        ));
        assert!(!back.is_notice_claim(Some("The bridge reopened."), None));
    }

    #[test]
    fn an_update_stamp_that_appears_or_changes_is_a_notice() {
        let body = "The bridge reopened.";
        let d = NoticeDiff::of(body, None, body, Some("Updated at 14:05"));
        assert_eq!(d.notices.len(), 1);
        assert!(d.acknowledged());
        let d = NoticeDiff::of(body, Some("Updated 09:10"), body, Some("Updated 14:05"));
        let changes: Vec<NoticeChange> = d.notices.iter().map(|n| n.change).collect();
        assert_eq!(changes, [NoticeChange::Removed, NoticeChange::Added]);
        let same = NoticeDiff::of(body, Some("Updated 09:10"), body, Some("Updated  09:10"));
        assert!(same.notices.is_empty());
    }
}
