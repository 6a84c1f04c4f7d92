//! Negation cues and the `negation_flipped` rule.

use super::ClaimKind;
use super::cues::Cue;
use super::pairing::{Found, cancel_pairs, push_unpaired};
use super::text::{Item, Text};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone)]
pub(super) struct Negation {
    pub(super) item: Item,
    key: String,
    /// A verb of exclusion (`refused to`, `ruled out`): a negation in meaning, never reported
    /// itself, but it keeps a cue word on the other side from being a flip.
    exclusion: bool,
}

pub(super) static EXCLUSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:refus(?:e|es|ed|ing)\s+to|declin(?:e|es|ed|ing)\s+to|fail(?:s|ed|ing)?\s+to|rul(?:e|es|ed|ing)\s+out|rejec(?:t|ts|ted|ting)|den(?:y|ies|ied|ying)|lack(?:s|ed|ing)?|absence\s+of|unable\s+to)\b")
        .expect("exclusion regex")
});

pub(super) static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|[a-z]+n't)\b")
        .expect("negation regex")
});

pub(super) fn negations(text: &Text) -> Vec<Negation> {
    let s = &text.masked;
    text.find_iter(Cue::Negation, &NEGATION)
        .filter(|m| !is_number_abbrev(s, m.end()))
        // `no-man's land`, `no-go zone`, `no-deal`: a compound, not a negation.
        .filter(|m| !(m.as_str().eq_ignore_ascii_case("no") && s[m.end()..].starts_with('-')))
        .map(|m| {
            let item = text.item(m.start(), m.end());
            let lower = item.written.to_lowercase().replace('\u{2019}', "'");
            // `did not` and `didn't` are the same negation: compare the cue, not the spelling.
            let key = if lower == "cannot" || lower.ends_with("n't") {
                "not".to_string()
            } else {
                lower
            };
            Negation {
                item,
                key,
                exclusion: false,
            }
        })
        .chain(
            text.find_iter(Cue::Exclusion, &EXCLUSION)
                .map(|m| Negation {
                    item: text.item(m.start(), m.end()),
                    key: String::new(),
                    exclusion: true,
                }),
        )
        .collect()
}

/// `No. 10` is a number, not a negation.
fn is_number_abbrev(s: &str, end: usize) -> bool {
    let digit_after = |k: usize| {
        s[k..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    };
    // `No. 5`, and `No 10` (Downing Street) written without the period.
    (s[end..].starts_with('.') && digit_after(end + 1))
        || (end >= 2 && &s[end - 2..end] == "No" && s[end..].starts_with(' ') && digit_after(end))
}

pub(super) fn negation_changes(a: &[Negation], b: &[Negation]) -> Vec<Found> {
    let mut left_a: Vec<&Negation> = a.iter().collect();
    let mut left_b: Vec<&Negation> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        !x.exclusion && !y.exclusion && x.key == y.key
    });
    // A negation kept with another cue (`with no warning` → `warnings were not given`), or
    // expressed by a verb of exclusion on one side: no flip (CLAIMS.md v2).
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        !x.exclusion && !y.exclusion
    });
    cancel_pairs(&mut left_a, &mut left_b, |x, y| x.exclusion != y.exclusion);
    left_a.retain(|n| !n.exclusion);
    left_b.retain(|n| !n.exclusion);
    let mut out = Vec::new();
    push_unpaired(
        &mut out,
        ClaimKind::NegationFlipped,
        &left_a,
        &left_b,
        |n| &n.item,
    );
    out
}

#[cfg(test)]
mod tests {
    use crate::claims::test_support::{changes, one};

    #[test]
    fn negation_contraction_is_not_a_flip() {
        assert!(
            changes(
                "The mayor did not comment, police said.",
                "The mayor didn't comment, police said."
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                "The union has agreed to the deal, officials said.",
                "The union has not agreed to the deal, officials said."
            ),
            one("negation_flipped", None, Some("not"))
        );
    }

    #[test]
    fn a_no_compound_is_no_negation() {
        let got = crate::claims::title_changes(
            "Correspondent reports from the front",
            "Into no-man's land with the border guards",
            &mut Vec::new(),
        );
        assert!(
            got.iter().all(|c| c.kind.as_str() != "negation_flipped"),
            "{got:?}"
        );
    }

    #[test]
    fn no_10_is_no_negation() {
        assert!(
            crate::claims::Claims::extract("Staff gathered in the No 10 garden.")
                .negations
                .is_empty()
        );
    }
}
