//! Page furniture that says *when* and *by whom*, and the evidence of acknowledgement that a
//! stealth edit is judged by.
//!
//! Pure. Visible update stamps ("Updated 14:05 GMT", "Last modified on 3 November 2026") and
//! bylines and credit lines ("By Jane Doe", "Additional reporting by Tom Reyes") are not
//! article text: kept in the body they show up as edits and claim changes on every refresh.
//! `split_furniture` takes them out of a list of paragraphs and returns them as metadata.
//! Correction notices ("Correction: an earlier version…") stay in the text (they are what the
//! publisher chose to tell readers); `notices` recognises them, for this module too.
//!
//! `Stamps` is what one version carries as evidence that its publisher acknowledged an edit;
//! `StealthEvidence` compares two versions' stamps. An edit is stealth when its text changed
//! and none of them changed (see `version::analyze`).

use serde::{Deserialize, Serialize};

/// A furniture line longer than this (words) is prose that happens to start with a cue.
const MAX_STAMP_WORDS: usize = 24;
/// A byline paragraph longer than this (words) is a sentence starting with "By".
const MAX_BYLINE_WORDS: usize = 12;
/// Stored stamp and notice texts are cut here (characters): they are evidence, not articles.
pub const MAX_STAMP_CHARS: usize = 300;

/// The acknowledgement stamps one version was seen with, besides the page's own
/// machine-readable modified time (`Snapshot::modified`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamps {
    /// The feed entry's `updated` / `atom:updated` / `dc:modified`, as RFC 3339.
    pub feed_updated: Option<String>,
    /// The page's HTTP `Last-Modified` header.
    pub http_last_modified: Option<String>,
    /// A visible update line on the page or in the feed text ("Updated 14:05 GMT").
    pub update_line: Option<String>,
    /// Correction, clarification or editor's notes in the text, joined by " | ".
    pub notice: Option<String>,
}

/// One kind of evidence, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `feed_updated`, `http_last_modified`, `modified_meta`, `update_line` or `notice`.
    pub kind: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The new version carries this stamp and it differs from the old one (a stamp that
    /// appears counts; one that disappears does not: that acknowledges nothing).
    pub changed: bool,
}

/// What was seen on two versions, for the reader to judge a stealth flag by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StealthEvidence {
    /// The change is a stealth edit: text changed and no evidence changed.
    pub stealth: bool,
    /// Every kind seen on either version, in a fixed order; empty when the page and feed
    /// gave none (then any text change is stealth: nothing told the reader).
    pub seen: Vec<Evidence>,
}

impl StealthEvidence {
    /// The kinds that changed, e.g. `["http_last_modified", "update_line"]`.
    pub fn changed(&self) -> Vec<&str> {
        self.seen
            .iter()
            .filter(|e| e.changed)
            .map(|e| e.kind.as_str())
            .collect()
    }

    /// One line for `diff`, `log` and plain-text alerts.
    pub fn summary(&self) -> String {
        let changed = self.changed();
        if !changed.is_empty() {
            return format!("acknowledged: {} changed", changed.join(", "));
        }
        if self.seen.is_empty() {
            "no update stamp, Last-Modified or correction notice on either version".to_string()
        } else {
            let kinds: Vec<&str> = self.seen.iter().map(|e| e.kind.as_str()).collect();
            format!("unchanged: {}", kinds.join(", "))
        }
    }
}

/// Compares the evidence of two versions. `old_meta`/`new_meta` are the pages'
/// machine-readable modified stamps (`article:modified_time`, JSON-LD `dateModified`, …),
/// `None` for text from a feed, whose stamp is `feed_updated`.
pub fn compare(
    old: &Stamps,
    old_meta: Option<&str>,
    new: &Stamps,
    new_meta: Option<&str>,
) -> Vec<Evidence> {
    let pairs = [
        (
            "feed_updated",
            old.feed_updated.as_deref(),
            new.feed_updated.as_deref(),
        ),
        (
            "http_last_modified",
            old.http_last_modified.as_deref(),
            new.http_last_modified.as_deref(),
        ),
        ("modified_meta", old_meta, new_meta),
        (
            "update_line",
            old.update_line.as_deref(),
            new.update_line.as_deref(),
        ),
        ("notice", old.notice.as_deref(), new.notice.as_deref()),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b.is_some() || a.is_some())
        .map(|(kind, before, after)| Evidence {
            kind: kind.to_string(),
            changed: after.is_some() && before != after,
            before: before.map(String::from),
            after: after.map(String::from),
        })
        .collect()
}

/// What `split_furniture` took out of the paragraphs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Furniture {
    pub update_line: Option<String>,
    pub byline: Option<String>,
    /// "Additional reporting by …" and the like (`credit_of`).
    pub credit: Option<String>,
}

/// Drops visible update stamps, byline and credit paragraphs from `paragraphs`, returning them
/// as metadata (the first of each), and recognises correction notices (kept in the text, with
/// `notices::is_notice`, the one detector).
pub fn split_furniture(paragraphs: Vec<String>) -> (Vec<String>, Furniture, Option<String>) {
    let mut furniture = Furniture::default();
    let mut kept = Vec::with_capacity(paragraphs.len());
    for p in paragraphs {
        if crate::notices::is_notice(&p) {
            kept.push(p);
        } else if is_update_line(&p) {
            furniture.update_line.get_or_insert_with(|| cap(&p));
        } else if let Some(name) = byline_of(&p) {
            furniture.byline.get_or_insert(name);
        } else if let Some(credit) = credit_of(&p) {
            furniture.credit.get_or_insert(credit);
        } else {
            kept.push(p);
        }
    }
    let notice = notices(&kept);
    (kept, furniture, notice)
}

/// Correction notices among `paragraphs` (`notices::notice_line`), joined by " | ", capped.
pub fn notices<S: AsRef<str>>(paragraphs: &[S]) -> Option<String> {
    crate::notices::notice_line(paragraphs).map(|n| cap(&n))
}

fn cap(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= MAX_STAMP_CHARS {
        s
    } else {
        s.chars().take(MAX_STAMP_CHARS).collect()
    }
}

/// Words that open an update stamp, lowercase, matched on word boundaries.
const UPDATE_CUES: &[&str] = &[
    "updated",
    "last updated",
    "last modified",
    "modified",
    "last amended",
    "amended",
    "last edited",
    "edited",
    "mis à jour",
    "mis a jour",
    "aktualisiert",
    "actualizado",
    "actualización",
];

const MONTH_WORDS: &[&str] = &[
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAY_WORDS: &[&str] = &[
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "yesterday",
];

/// "Updated 14:05 GMT", "Last modified on 3 November 2026", "UPDATED: Nov. 20, 2019 1:35 a.m.",
/// "Published 09:00 GMT | Updated 14:05 GMT", "Updated an hour ago", "This article was last
/// updated on 4 November 2026": a short line with an update cue and a time or date.
pub fn is_update_line(p: &str) -> bool {
    // Counting stops past the limit: most paragraphs asked about are long prose.
    let words = p.split_whitespace().take(MAX_STAMP_WORDS + 1).count();
    if words == 0 || words > MAX_STAMP_WORDS {
        return false;
    }
    let lower = p.to_lowercase();
    // Every cue holds one of these, so a line without any has no cue (`cue_position`): the
    // common case, answered without splitting the line into tokens.
    if !may_hold_update_cue(&lower) {
        return false;
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == 'à' || c == 'ó'))
        .filter(|t| !t.is_empty())
        .collect();
    let Some(cue_at) = cue_position(&tokens) else {
        return false;
    };
    // A cue deep inside a long line is prose ("the council updated its plans on Monday").
    // Before it only other stamp words may stand: "Published 09:00 | Updated …", "This
    // article was last updated …".
    let lead_ok = tokens[..cue_at].iter().all(|t| {
        is_time_token(t)
            || MONTH_WORDS.contains(t)
            || DAY_WORDS.contains(t)
            || [
                "published",
                "posted",
                "first",
                "on",
                "at",
                "this",
                "article",
                "story",
                "page",
                "was",
                "has",
                "been",
                "last",
                "gmt",
                "bst",
                "utc",
                "et",
                "am",
                "pm",
                "by",
            ]
            .contains(t)
            || t.chars().all(|c| c.is_ascii_digit())
    });
    if !lead_ok || cue_at > 10 {
        return false;
    }
    let rest = &tokens[cue_at..];
    // A stamp is mostly time and date words; a sentence that opens with a cue is not
    // ("Updated figures released on Monday show 40 homes were flooded").
    let cue_words = [
        "updated", "modified", "amended", "edited", "mis", "à", "jour",
    ];
    let others = rest
        .iter()
        .filter(|t| {
            !(is_time_token(t)
                || t.contains(|c: char| c.is_ascii_digit())
                || MONTH_WORDS.contains(t)
                || DAY_WORDS.contains(t)
                || cue_words.contains(t)
                || STAMP_FILLERS.contains(t))
        })
        .count();
    if others > 3 {
        return false;
    }
    let has_time = rest.iter().any(|t| is_time_token(t));
    let has_date = rest
        .iter()
        .any(|t| MONTH_WORDS.contains(t) || DAY_WORDS.contains(t))
        || rest
            .iter()
            .any(|t| t.len() == 4 && t.starts_with("20") && t.chars().all(|c| c.is_ascii_digit()));
    let has_ago = rest.contains(&"ago");
    let numeric_date = lower.contains(|c: char| c.is_ascii_digit())
        && (lower.contains('/') || lower.contains('.') || lower.contains('-'));
    has_time || has_date || has_ago || numeric_date
}

/// Words that stand between the parts of a stamp ("Updated on Tue 3 Nov at 14:05").
const STAMP_FILLERS: &[&str] = &[
    "on",
    "at",
    "the",
    "last",
    "first",
    "published",
    "posted",
    "le",
    "a",
    "am",
    "um",
    "uhr",
    "de",
    "el",
    "ago",
    "an",
    "hour",
    "hours",
    "minute",
    "minutes",
    "day",
    "days",
    "min",
    "mins",
    "hr",
    "hrs",
    "m",
    "h",
    "ist",
];

/// One word of each of [`UPDATE_CUES`] (a test checks it), for `is_update_line`'s pre-check.
const CUE_STEMS: &[&str] = &[
    "updated",
    "modified",
    "amended",
    "edited",
    "jour",
    "aktualisiert",
    "actualizado",
    "actualización",
];

static CUE_WORDS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(CUE_STEMS).expect("constant patterns")
});

/// Whether lower-cased text holds a word that every update cue has (`CUE_STEMS`): without one
/// it cannot be an update line, which answers most text without splitting it into tokens.
pub fn may_hold_update_cue(lower: &str) -> bool {
    CUE_WORDS.is_match(lower)
}

/// Index into `tokens` where an update cue starts.
fn cue_position(tokens: &[&str]) -> Option<usize> {
    (0..tokens.len()).find(|&i| {
        UPDATE_CUES.iter().any(|cue| {
            cue.split(' ')
                .enumerate()
                .all(|(k, part)| tokens.get(i + k) == Some(&part))
        })
    })
}

/// "14:05", "0339", "1.35" (as tokens "14", "05" the clock shows up as digits either side of
/// a colon, so this accepts short digit runs), "am"/"pm", zones.
fn is_time_token(t: &str) -> bool {
    let digits = t.chars().all(|c| c.is_ascii_digit());
    (digits && (1..=4).contains(&t.len()))
        || [
            "am", "pm", "gmt", "bst", "utc", "cet", "cest", "est", "edt", "pst", "pdt", "et",
            "hkt", "ist", "hst",
        ]
        .contains(&t)
        || t.strip_suffix("am")
            .or_else(|| t.strip_suffix("pm"))
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// "By Jane Doe", "By Jane Doe and Tom Reyes, Political correspondents", "Von Anna Weber":
/// a short line naming who wrote the piece. Returns the names.
pub fn byline_of(p: &str) -> Option<String> {
    // Long paragraphs, the common case, are answered before collecting their words.
    if p.split_whitespace().nth(MAX_BYLINE_WORDS).is_some() {
        return None;
    }
    let words: Vec<&str> = p.split_whitespace().collect();
    if words.len() < 2 || words.len() > MAX_BYLINE_WORDS {
        return None;
    }
    let first = words[0].trim_end_matches(':');
    if !["By", "BY", "by", "Von", "Par", "Por"].contains(&first) {
        return None;
    }
    // A sentence: "By Tuesday, the river had risen." Bylines are names, so every word of the
    // first name part is capitalised and the line does not end like a sentence.
    let name_part: Vec<&str> = words[1..]
        .iter()
        .take_while(|w| !w.ends_with(',') && !["|", "-", "–", "—"].contains(w))
        .copied()
        .collect();
    let last_name_word = words[1..].get(name_part.len()).copied();
    let names: Vec<&str> = name_part
        .iter()
        .copied()
        .chain(last_name_word.map(|w| w.trim_end_matches(',')))
        .filter(|w| !w.is_empty() && !["|", "-", "–", "—"].contains(w))
        .collect();
    if names.is_empty() {
        return None;
    }
    let connector = |w: &str| ["and", "&", "und", "et", "y", "de", "van", "von", "da"].contains(&w);
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    if !names.iter().all(|w| capitalised(w) || connector(w)) || !capitalised(names[0]) {
        return None;
    }
    if p.trim_end().ends_with(['.', '!', '?']) && !p.trim_end().ends_with(" Jr.") {
        return None;
    }
    // "By Tuesday, officials said": a day or month is no name, and what follows a byline's
    // comma is a role ("Political correspondent") or a place ("in Kyiv"), not a clause.
    let lower_first = names[0].to_lowercase();
    if names.len() == 1
        && (DAY_WORDS.contains(&lower_first.as_str())
            || MONTH_WORDS.contains(&lower_first.as_str()))
    {
        return None;
    }
    let rest = &words[1 + names.len().min(words.len() - 1)..];
    if let Some(first) = rest.first()
        && !capitalised(first)
        && !["in", "at", "for", "and", "&", "|", "-", "–", "—"].contains(first)
    {
        return None;
    }
    Some(names.join(" "))
}

/// "Additional reporting by Tom Reyes in Lagos", "Reporting by Ana Silva; Editing by Li Wei",
/// "Jane Doe contributed to this report": a short credit line, page furniture like a byline
/// (CLAIMS.md: credit lines are not claims). Returns the line.
pub fn credit_of(p: &str) -> Option<String> {
    let words = p.split_whitespace().take(MAX_CREDIT_WORDS + 1).count();
    if !(3..=MAX_CREDIT_WORDS).contains(&words) {
        return None;
    }
    let lower = p.trim().to_lowercase();
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    // What follows the opener is a name ("Tom Reyes", "the Associated Press"), so that
    // "Reporting by local media suggested …" stays a sentence.
    let opens = [
        "additional reporting by",
        "additional reporting from",
        "with additional reporting by",
        "with reporting by",
        "reporting by",
        "writing by",
        "compiled by",
        "editing by",
    ]
    .iter()
    .any(|o| {
        lower.starts_with(o) && {
            let mut rest = p.split_whitespace().skip(o.split(' ').count());
            match rest.next() {
                Some("the") => rest.next().is_some_and(capitalised),
                Some(w) => capitalised(w),
                None => false,
            }
        }
    });
    let closes = [
        "contributed to this report",
        "contributed reporting",
        "contributed to this article",
        "contributed to this story",
    ]
    .iter()
    .any(|c| lower.trim_end_matches(['.', ' ']).ends_with(c));
    (opens || closes).then(|| cap(p))
}

/// A credit line longer than this (words) is a sentence.
const MAX_CREDIT_WORDS: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_update_cue_holds_a_stem() {
        for cue in UPDATE_CUES {
            assert!(CUE_STEMS.iter().any(|s| cue.contains(s)), "{cue}");
        }
    }

    #[test]
    fn update_lines_are_recognised() {
        for line in [
            "Updated 14:05 GMT",
            "Updated: 3 November 2026",
            "Last modified on Tue 3 Nov 2026 16.20 GMT",
            "UPDATED: Nov. 20, 2026 1:35 a.m.",
            "Published 09:00 GMT | Updated 14:05 GMT",
            "Updated an hour ago",
            "Last Updated : Nov 20, 2026 01:41 PM IST",
            "This page was last updated on 04/11/2026",
            "Mis à jour le 3 novembre 2026 à 14h05",
            "Aktualisiert am 03.11.2026",
        ] {
            assert!(is_update_line(line), "{line}");
        }
        for prose in [
            "Stay updated",
            "Updated figures released on Monday show 40 homes were flooded.",
            "Updated Privacy Policy",
            "The council updated its flood plans on Monday after the river rose 2 metres.",
            "Officials said the list of evacuated streets would be updated later.",
            "Password has been successfully updated.",
        ] {
            assert!(!is_update_line(prose), "{prose}");
        }
    }

    #[test]
    fn bylines_are_names_not_sentences() {
        assert_eq!(byline_of("By Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(
            byline_of("By Priya Natarajan and Tom Reyes, Political correspondents").as_deref(),
            Some("Priya Natarajan and Tom Reyes")
        );
        assert_eq!(byline_of("By Tuesday, the river had risen."), None);
        assert_eq!(byline_of("By the end of the week the ferry resumed"), None);
        assert_eq!(byline_of("Byelection called"), None);
        assert_eq!(byline_of("By Tuesday, officials said"), None);
        assert_eq!(byline_of("By Reuters").as_deref(), Some("Reuters"));
        assert_eq!(
            byline_of("By Anna Weber, in Berlin").as_deref(),
            Some("Anna Weber")
        );
    }

    #[test]
    fn credit_lines_are_furniture_and_sentences_are_not() {
        for line in [
            "Additional reporting by Tom Reyes in Lagos.",
            "Reporting by Ana Silva; Editing by Li Wei",
            "Priya Natarajan contributed to this report.",
            "With additional reporting by Marta Costa and Jonas Feld",
        ] {
            assert_eq!(credit_of(line).as_deref(), Some(line), "{line}");
        }
        for prose in [
            "Reporting by local media suggested 40 homes were flooded, but officials said the figure was lower than that and would be revised.",
            "The council said additional reporting was needed.",
            "Reporting by",
        ] {
            assert_eq!(credit_of(prose), None, "{prose}");
        }
        let (kept, f, _) = split_furniture(vec![
            "The harbour reopened on Tuesday.".to_string(),
            "Additional reporting by Tom Reyes in Lagos.".to_string(),
        ]);
        assert_eq!(kept, ["The harbour reopened on Tuesday."]);
        assert_eq!(
            f.credit.as_deref(),
            Some("Additional reporting by Tom Reyes in Lagos.")
        );
    }

    #[test]
    fn furniture_leaves_the_text_and_notices_stay() {
        let paragraphs = vec![
            "By Jane Doe".to_string(),
            "Updated 14:05 GMT".to_string(),
            "The harbour reopened on Tuesday after the storm.".to_string(),
            "Correction: an earlier version of this article gave the wrong date for the reopening."
                .to_string(),
        ];
        let (kept, f, notice) = split_furniture(paragraphs);
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(f.update_line.as_deref(), Some("Updated 14:05 GMT"));
        assert_eq!(f.byline.as_deref(), Some("Jane Doe"));
        assert!(notice.is_some_and(|n| n.starts_with("Correction:")));
    }

    #[test]
    fn evidence_counts_appearing_stamps_not_vanishing_ones() {
        let old = Stamps {
            http_last_modified: Some("Tue, 03 Nov 2026 09:00:00 GMT".into()),
            ..Stamps::default()
        };
        let new = Stamps {
            update_line: Some("Updated 14:05 GMT".into()),
            ..Stamps::default()
        };
        let ev = compare(&old, None, &new, None);
        let kinds: Vec<(&str, bool)> = ev.iter().map(|e| (e.kind.as_str(), e.changed)).collect();
        assert_eq!(
            kinds,
            vec![("http_last_modified", false), ("update_line", true)]
        );
    }
}
