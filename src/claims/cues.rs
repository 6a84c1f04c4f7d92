//! One literal pass over a sentence that tells which cue regexes (hedges, negations,
//! attributions) can match it at all, so each regex only runs on the sentences whose words
//! could hold one of its cues. A regex scan with case folding and Unicode word boundaries
//! costs more per sentence than this single pass for all of them; the regexes stay the only
//! judge of a match, so what is found does not change.
//!
//! Each cue regex has a list of literal fragments such that every match of the regex holds at
//! least one of them, in ASCII lower case. That holds for text whose lower-casing folds no
//! non-ASCII char onto an ASCII letter: under Unicode case folding only `ſ` (long s) and `K`
//! (Kelvin sign) do, so a sentence holding either gets every regex run.

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

/// A cue regex that the prefilter can rule out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    Evidential,
    Epistemic,
    Qualifier,
    Negation,
    Exclusion,
    According,
    ReportingVerb,
}

/// Fragments per cue: each alternative of the regex holds one of them. A fragment never holds
/// white space (`\s` also matches non-ASCII spaces); `<` asks for a word start before it, `>`
/// a word end after it, `_` white space after it, each checked only on ASCII bytes (any
/// non-ASCII neighbour is accepted, as it may be a word boundary or a space to the regex).
#[rustfmt::skip]
const FRAGMENTS: &[(Cue, &[&str])] = &[
    (Cue::Evidential, &[
        "<reportedly>", "<allegedly>", "<apparently>", "<purportedly>", "<reputedly>", "<rumo",
        "<said_",
    ]),
    (Cue::Epistemic, &[
        "<might>", "<could>", "<possibly>", "<probably>", "<likely>", "<unlikely>", "<suspected>",
        "<believed_", "<thought_", "<appear", "<seem", "<may>",
    ]),
    (Cue::Qualifier, &[
        "<about_", "<around_", "<approximately_", "<roughly_", "<some_", "<nearly_", "<almost_",
        "<least_", "<more_", "<over_", "<less_", "<fewer_", "<under_", "<up_", "<as_",
        "<estimated_",
    ]),
    (Cue::Negation, &[
        "<not>", "<no>", "<never>", "<none>", "<nobody>", "<nothing>", "<neither>", "<nor>",
        "<without>", "<cannot>", "n't>",
    ]),
    (Cue::Exclusion, &[
        "<refus", "<declin", "<fail", "<rul", "<rejec", "<den", "<lack", "<absence_", "<unable_",
    ]),
    (Cue::According, &["<according_"]),
    (Cue::ReportingVerb, &[
        "<said>", "<says>", "<say>", "<saying>", "<told>", "<tells>", "<reported>", "<reports>",
        "<confirmed>", "<confirms>", "<announced>", "<announces>", "<claimed>", "<claims>",
        "<stated>", "<states>", "<added>", "<adds>", "<wrote>", "<writes>", "<noted>", "<notes>",
        "<explained>", "<explains>", "<insisted>", "<insists>", "<maintained>", "<maintains>", "<argued>", "<argues>",
        "<warned>", "<warns>", "<acknowledged>", "<acknowledges>", "<admitted>", "<admits>",
        "<denied>", "<denies>", "<estimated>", "<estimates>", "<estimate>", "<predicted>",
        "<predicts>", "<alleged>", "<alleges>", "<asserted>", "<asserts>", "<described>",
        "<describes>", "<testified>", "<fears>", "<feared>", "<fear>", "<blames>", "<blamed>",
        "<blame>", "<defends>", "<defended>", "<defend>", "<accuses>", "<accused>", "<accuse>",
        "<condemns>", "<condemned>", "<condemn>", "<criticises>", "<criticised>", "<criticise>",
        "<criticizes>", "<criticized>", "<criticize>", "<thinks>", "<think>", "<believes>",
        "<believed>", "<believe>", "<show>", "<shows>", "<showed>", "<suggest>", "<suggests>",
        "<suggested>", "<indicate>", "<indicates>", "<indicated>", "<allege>", "<claim>",
        "<confirm>", "<deny>", "<insist>", "<argue>", "<warn>", "<admit>", "<predict>",
        "<acknowledge>", "<heard>", "<hears>", "<calls>", "<name>", "<names>", "<jokes>", "<joked>",
    ]),
];

/// A fragment's literal and what must surround it.
struct Fragment {
    cue: Cue,
    start: bool,
    end: bool,
    space: bool,
}

static MATCHER: LazyLock<(AhoCorasick, Vec<Fragment>)> = LazyLock::new(|| {
    let (mut patterns, mut fragments) = (Vec::new(), Vec::new());
    for &(cue, list) in FRAGMENTS {
        for f in list {
            let start = f.starts_with('<');
            let (end, space) = (f.ends_with('>'), f.ends_with('_'));
            patterns.push(f.trim_start_matches('<').trim_end_matches(['>', '_']));
            fragments.push(Fragment {
                cue,
                start,
                end,
                space,
            });
        }
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .expect("cue fragments");
    (ac, fragments)
});

/// An ASCII byte the regexes count as a word char; a non-ASCII byte may or may not be one.
fn ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An ASCII byte `\s` does not match (it matches `\t` to `\r` and the space); a non-ASCII
/// byte may start a char it matches.
fn ascii_non_space(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b' ' | b'\t'..=b'\r')
}

/// Which cue regexes may match one sentence.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cues(u8);

impl Cues {
    /// `lowered` is the sentence (as the regexes will see it) in ASCII lower case.
    pub(super) fn of(lowered: &str) -> Cues {
        if lowered.contains(['\u{17F}', '\u{212A}']) {
            return Cues(u8::MAX);
        }
        let (ac, fragments) = &*MATCHER;
        let b = lowered.as_bytes();
        let mut bits = 0u8;
        for m in ac.find_overlapping_iter(lowered) {
            let f = &fragments[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            if (f.start && s > 0 && ascii_word(b[s - 1]))
                || (f.end && e < b.len() && ascii_word(b[e]))
                || (f.space && b.get(e).is_none_or(|&c| ascii_non_space(c)))
            {
                continue;
            }
            bits |= 1 << f.cue as u8;
        }
        Cues(bits)
    }

    /// Whether the regex of `cue` can match: when false, it would find nothing.
    pub(super) fn may(&self, cue: Cue) -> bool {
        self.0 & (1 << cue as u8) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::attribution::{ACCORDING, REPORTING_VERB};
    use crate::claims::hedges::{EPISTEMIC, EVIDENTIAL, QUALIFIER};
    use crate::claims::negation::{EXCLUSION, NEGATION};
    use regex::Regex;

    fn regexes() -> [(Cue, &'static Regex); 7] {
        [
            (Cue::Evidential, &EVIDENTIAL),
            (Cue::Epistemic, &EPISTEMIC),
            (Cue::Qualifier, &QUALIFIER),
            (Cue::Negation, &NEGATION),
            (Cue::Exclusion, &EXCLUSION),
            (Cue::According, &ACCORDING),
            (Cue::ReportingVerb, &REPORTING_VERB),
        ]
    }

    /// The property the claim engine relies on: a regex that matches is never ruled out.
    fn assert_never_rules_out_a_match(sentence: &str) {
        let cues = Cues::of(&sentence.to_ascii_lowercase());
        for (cue, re) in regexes() {
            assert!(
                !re.is_match(sentence) || cues.may(cue),
                "{cue:?} ruled out on {sentence:?}"
            );
        }
    }

    #[test]
    fn every_alternative_of_every_cue_regex_passes_the_filter() {
        // Each word of each regex's alternations, in the frames the regexes accept it in.
        let words = [
            "reportedly",
            "allegedly",
            "apparently",
            "purportedly",
            "reputedly",
            "rumored to",
            "rumoured to",
            "is said to",
            "were said  to",
            "might",
            "could",
            "possibly",
            "probably",
            "likely",
            "suspected",
            "believed to",
            "being believed to",
            "is thought to",
            "appears to",
            "appear to",
            "appeared to",
            "seem to",
            "seems to",
            "seemed to",
            "may",
            "not",
            "no",
            "never",
            "none",
            "nobody",
            "nothing",
            "neither",
            "nor",
            "without",
            "cannot",
            "don't",
            "WOULDN'T",
            "refuses to",
            "declined to",
            "fail to",
            "failing to",
            "ruled out",
            "rejects",
            "denying",
            "lacked",
            "absence of",
            "unable to",
            "according to the police",
        ];
        let verbs = REPORTING_VERB.as_str();
        let verbs = verbs
            .trim_start_matches(r"(?i)\b(?:")
            .trim_end_matches(r")\b")
            .split('|');
        let qualifiers = [
            "about",
            "around",
            "approximately",
            "roughly",
            "some",
            "nearly",
            "almost",
            "at least",
            "more than",
            "over",
            "less than",
            "fewer than",
            "under",
            "up to",
            "as many as",
            "as much as",
            "as little as",
            "an estimated",
        ];
        for w in words.into_iter().chain(verbs) {
            for frame in [
                "{}",
                "Officials {} it.",
                "(\"{}\")",
                "\u{2014}{}\u{00A0}",
                "x {}\x0bto",
            ] {
                assert_never_rules_out_a_match(&frame.replace("{}", w));
            }
            let upper = w.to_uppercase();
            assert_never_rules_out_a_match(&format!("Police {upper} so."));
        }
        for q in qualifiers {
            for frame in ["{} 40 people", "It cost {}\t$5m.", "{}\u{2003}12"] {
                assert_never_rules_out_a_match(&frame.replace("{}", q));
            }
        }
    }

    #[test]
    fn no_fixture_sentence_has_a_match_ruled_out() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edits");
        let mut checked = 0;
        for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
            for v in ["v1.txt", "v2.txt"] {
                let body = std::fs::read_to_string(dir.path().join(v)).unwrap_or_default();
                for s in crate::diff::split_sentences(&body) {
                    assert_never_rules_out_a_match(&super::super::text::Text::new(&s).masked);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1_000, "only {checked} sentences");
    }

    #[test]
    fn filter_rules_out_words_that_only_contain_a_cue() {
        let c = Cues::of("the council met on tuesday.");
        assert!(!c.may(Cue::Evidential) && !c.may(Cue::Negation) && !c.may(Cue::According));
        // `now`, `was`, `states` of a union, `nowhere`: fragments, not the cue words.
        let c = Cues::of("now it was plain that the nowhere men had gone.");
        assert!(!c.may(Cue::Negation) && !c.may(Cue::Qualifier) && !c.may(Cue::ReportingVerb));
        let c = Cues::of("officials said it wasn't clear, according to the bbc.");
        assert!(c.may(Cue::Negation) && c.may(Cue::According) && c.may(Cue::ReportingVerb));
    }

    #[test]
    fn chars_folding_onto_ascii_letters_turn_the_filter_off() {
        // `\u{17F}aid` (long s) matches `(?i)said`: it must not be ruled out.
        assert_never_rules_out_a_match("Officials \u{17F}aid so.");
        assert_never_rules_out_a_match("It fell to \u{212A}ALLED 40.");
        assert!(Cues::of("he \u{17F}aid so.").may(Cue::ReportingVerb));
    }
}
