//! Hedges and qualifiers (evidential, epistemic, and quantity qualifiers), and the
//! `hedge_added`/`hedge_removed` rules, including modal swaps.

use super::ClaimKind;
use super::cues::Cue;
use super::numbers::Quantity;
use super::pairing::{Found, cancel_pairs};
use super::text::{Item, Text, contains_phrase, normalize_lower};
use crate::diff::{WordChange, WordTag};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HedgeGroup {
    Evidential,
    Qualifier,
    Epistemic,
}

#[derive(Debug, Clone)]
pub(super) struct Hedge {
    pub(super) item: Item,
    /// Tense- and number-free form (`are believed to` → `believed to`).
    key: String,
    group: HedgeGroup,
}

pub(super) static EVIDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:reportedly|allegedly|apparently|purportedly|reputedly|rumou?red\s+to|(?:is|are|was|were|be|been)\s+said\s+to)\b",
    )
    .expect("evidential hedge regex")
});

pub(super) static EPISTEMIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:might|could|possibly|probably|likely|unlikely|suspected|(?:(?:is|are|was|were|be|been|being)\s+)?believed\s+to|(?:is|are|was|were|be|been|being)\s+thought\s+to|(?:appears?|appeared|seems?|seemed)\s+to)\b|\bmay\b",
    )
    .expect("epistemic hedge regex")
});

pub(super) static QUALIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:about|around|approximately|roughly|some|nearly|almost|at\s+least|more\s+than|over|less\s+than|fewer\s+than|under|up\s+to|as\s+many\s+as|as\s+much\s+as|as\s+little\s+as|an\s+estimated)\s+",
    )
    .expect("qualifier regex")
});

pub(super) fn hedges(text: &Text, quantities: &[Quantity]) -> Vec<Hedge> {
    let s = &text.masked;
    let mut out = Vec::new();
    for m in text.find_iter(Cue::Evidential, &EVIDENTIAL) {
        out.push(hedge(text, m.start(), m.end(), HedgeGroup::Evidential));
    }
    for m in text.find_iter(Cue::Epistemic, &EPISTEMIC) {
        // Case-sensitive for "may": the capitalised word is the month.
        if m.as_str() == "May" || comparative_likely(s, m.start(), m.as_str()) {
            continue;
        }
        out.push(hedge(text, m.start(), m.end(), HedgeGroup::Epistemic));
    }
    // A qualifier is a hedge only before a quantity: without one there is nothing to scan for.
    let none = quantities.is_empty() || !text.may(Cue::Qualifier);
    for m in QUALIFIER.find_iter(if none { "" } else { s }) {
        // A qualifier is a hedge only when a quantity follows it directly.
        if quantities.iter().any(|q| q.start == m.end()) && !spatial(s, m.start(), m.as_str()) {
            let end = m.start() + m.as_str().trim_end().len();
            out.push(hedge(text, m.start(), end, HedgeGroup::Qualifier));
        }
    }
    out.sort_by_key(|h| h.item.pos);
    out
}

/// `twice as likely to`, `more likely to`, `less likely`: a comparison of odds, a finding
/// rather than the writer's doubt, so not the epistemic hedge `likely`.
fn comparative_likely(s: &str, start: usize, cue: &str) -> bool {
    if !cue.eq_ignore_ascii_case("likely") {
        return false;
    }
    let prev = s[..start]
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(prev.as_str(), "as" | "more" | "less")
}

/// Verbs of motion or position: after one, `over`, `under`, `around` say where, not how many
/// (`flew over 3 villages`, `trapped under 2 cars`).
#[rustfmt::skip]
const PLACE_VERBS: &[&str] = &[
    "flew", "fly", "flies", "flying", "flown", "hovered", "hovering", "passed", "passing",
    "crossed", "jumped", "fell", "fallen", "hung", "hanging", "stood", "standing", "lay", "lies",
    "lying", "searched", "searching", "sailed", "drove", "driving", "ran", "walked", "climbed",
    "buried", "trapped", "hidden", "hid", "hiding", "sheltered", "sheltering", "crawled",
    "looked", "seen", "spotted", "circled", "swept", "towered", "rose", "flooded", "spread",
];

fn spatial(s: &str, start: usize, qualifier: &str) -> bool {
    let q = qualifier.trim().to_ascii_lowercase();
    if !matches!(q.as_str(), "over" | "under" | "around") {
        return false;
    }
    let prev = s[..start]
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    PLACE_VERBS.contains(&prev.as_str())
}

fn hedge(text: &Text, s: usize, e: usize, group: HedgeGroup) -> Hedge {
    let item = text.item(s, e);
    Hedge {
        key: hedge_key(&item.written),
        item,
        group,
    }
}

fn hedge_key(written: &str) -> String {
    let lower = written.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let aux = ["is", "are", "was", "were", "be", "been", "being"];
    let words: Vec<&str> = words.into_iter().filter(|w| !aux.contains(w)).collect();
    let stem = |w: &str| match w {
        "appears" | "appeared" => "appear".to_string(),
        "seems" | "seemed" => "seem".to_string(),
        "rumored" | "rumoured" => "rumored".to_string(),
        _ => w.to_string(),
    };
    words.into_iter().map(stem).collect::<Vec<_>>().join(" ")
}

pub(super) fn hedge_changes(a: &[Hedge], b: &[Hedge], words: &[WordChange]) -> Vec<Found> {
    let mut left_a: Vec<&Hedge> = a.iter().collect();
    let mut left_b: Vec<&Hedge> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| x.key == y.key);
    let mut out = Vec::new();
    for h in left_a {
        let after = replacement(h, words, WordTag::Delete);
        out.push(Found {
            kind: ClaimKind::HedgeRemoved,
            before: Some(h.item.written.clone()),
            after,
            pos: h.item.pos,
        });
    }
    for h in left_b {
        let before = replacement(h, words, WordTag::Insert);
        out.push(Found {
            kind: ClaimKind::HedgeAdded,
            before,
            after: Some(h.item.written.clone()),
            pos: h.item.pos,
        });
    }
    out
}

/// For a modal swap (`may` → `would`, `will` → `may`), the word on the other side of the word
/// diff hunk holding the hedge. Only for modal hedges, only when the other side is a short
/// run of plain words (a hedge there is reported on its own).
fn replacement(h: &Hedge, words: &[WordChange], side: WordTag) -> Option<String> {
    // Only modal hedges swap with a modal or verb; `suspected man` → `man` is no swap.
    let modal = ["may", "might", "could", "likely", "possibly", "probably"];
    if h.group != HedgeGroup::Epistemic || !modal.contains(&h.key.as_str()) {
        return None;
    }
    let other = if side == WordTag::Delete {
        WordTag::Insert
    } else {
        WordTag::Delete
    };
    let needle = h.item.written.to_lowercase();
    let k = words
        .iter()
        .position(|w| w.tag == side && contains_phrase(&normalize_lower(&w.text), &needle))?;
    let neighbour = [k.checked_sub(1), Some(k + 1)]
        .into_iter()
        .flatten()
        .filter_map(|n| words.get(n))
        .find(|w| w.tag == other)?;
    plain_replacement(&neighbour.text).or_else(|| {
        // A longer rewrite: the verb group facing the hedge, when the hedge ends its side of
        // the hunk (`A flood is threatening to` → `Engineers fear the water could`).
        let own = normalize_lower(&words[k].text);
        let ends = own
            .trim_end_matches(|c: char| !c.is_alphanumeric())
            .ends_with(&needle);
        ends.then(|| trailing_verb_group(&neighbour.text)).flatten()
    })
}

/// The last one to three words of `text` when they form a verb group (auxiliaries, `to`,
/// `-ing`/`-ed` forms, `not`).
fn trailing_verb_group(text: &str) -> Option<String> {
    let verbal = |w: &str| {
        matches!(
            w,
            "is" | "are"
                | "was"
                | "were"
                | "has"
                | "have"
                | "had"
                | "will"
                | "would"
                | "to"
                | "not"
                | "be"
                | "been"
                | "being"
                | "can"
                | "shall"
                | "must"
                | "should"
        ) || (w.len() > 4 && (w.ends_with("ing") || w.ends_with("ed")))
    };
    let ws: Vec<&str> = text.split_whitespace().collect();
    let n = ws
        .iter()
        .rev()
        .take(3)
        .take_while(|w| verbal(&w.to_lowercase()))
        .count();
    // A lone `to` or auxiliary is no verb group.
    let group = ws[ws.len() - n..].join(" ");
    (n >= 2)
        .then_some(group)
        .and_then(|g| plain_replacement(&g))
}

fn plain_replacement(text: &str) -> Option<String> {
    let t = text.trim().trim_matches(|c: char| !c.is_alphanumeric());
    let n_words = t.split_whitespace().count();
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    let hedged = EPISTEMIC.is_match(t) || EVIDENTIAL.is_match(t);
    // `What could police do?` → `How many are police questioning?`: the sentence became
    // another question, and a question word is no modal taking the hedge's place.
    let question = t.split_whitespace().any(|w| {
        matches!(
            w.to_lowercase().as_str(),
            "what" | "how" | "who" | "whom" | "which" | "why" | "when" | "where" | "whether"
        )
    });
    (n_words > 0 && n_words <= 3 && !has_digit && !hedged && !question).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use crate::claims::Claims;
    use crate::claims::test_support::{changes, one};

    #[test]
    fn a_modal_facing_a_rewritten_verb_group_swaps_with_it() {
        assert_eq!(
            changes(
                "A flood is threatening to reach Tarvel by the weekend.",
                "Engineers fear the water could reach Tarvel by the weekend."
            )
            .into_iter()
            .filter(|c| c.0.starts_with("hedge"))
            .collect::<Vec<_>>(),
            one("hedge_added", Some("is threatening to"), Some("could"))
        );
    }

    #[test]
    fn a_hedge_dropped_for_a_question_word_is_a_plain_removal() {
        let got = crate::claims::title_changes(
            "What penalty could the league impose over the transfer breaches?",
            "How many breaches is the league examining?",
            &mut Vec::new(),
        );
        let got: Vec<_> = got
            .iter()
            .map(|c| (c.kind.to_string(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            got,
            [("hedge_removed".to_string(), Some("could".to_string()), None)]
        );
    }

    #[test]
    fn qualifier_is_hedge_only_before_quantity() {
        let c = Claims::extract("He warned repeatedly about the dangers of more than 40 storms.");
        let keys: Vec<&str> = c.hedges.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, vec!["more than"]);
    }

    #[test]
    fn modal_swap_is_one_hedge_removed() {
        assert_eq!(
            changes(
                "He said the restrictions may backfire.",
                "He said the restrictions would backfire."
            ),
            one("hedge_removed", Some("may"), Some("would"))
        );
        assert_eq!(
            changes(
                "The river will flood the town.",
                "The river may flood the town."
            ),
            one("hedge_added", Some("will"), Some("may"))
        );
    }

    #[test]
    fn a_comparison_of_odds_is_not_a_hedge() {
        // `likely` after `as`, `more` or `less` compares odds; the finding is not hedged.
        let c = Claims::extract("Smokers are twice as likely to need surgery, the study found.");
        assert!(c.hedges.is_empty(), "{:?}", c.hedges);
        let c = Claims::extract("Older drivers are less likely to crash at night.");
        assert!(c.hedges.is_empty(), "{:?}", c.hedges);
        assert_eq!(
            changes(
                "The ferry is more likely to sail on Friday.",
                "The ferry will sail on Friday."
            ),
            Vec::new()
        );
        // The hedge itself is still one.
        assert_eq!(
            changes(
                "The ferry is likely to sail on Friday.",
                "The ferry will sail on Friday."
            ),
            one("hedge_removed", Some("likely"), Some("will"))
        );
    }

    #[test]
    fn unlikely_is_a_hedge() {
        let got = crate::claims::title_changes(
            "Former Acme chief back at office",
            "Former Acme chief back at office but unlikely to return",
            &mut Vec::new(),
        );
        let hedges: Vec<_> = got
            .iter()
            .filter(|c| c.kind.as_str().starts_with("hedge"))
            .map(|c| (c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(hedges, [(None, Some("unlikely".to_string()))]);
    }
}
