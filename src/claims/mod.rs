//! Claim extraction and claim-change classification (the rules of `shared/CLAIMS.md`).
//!
//! A claim is a checkable part of a sentence: a quantity, a quotation and who said it, an
//! attribution, a hedge or qualifier, a negation. Each sentence is read once into a [`Claims`]
//! summary; an edited pair of sentences is compared summary against summary, and an added or
//! removed sentence that carries a quantity, quotation or attribution becomes one
//! `claim_added`/`claim_removed`. Text inside quotation marks is blanked before quantities,
//! hedges, negations and attributions are read, so a change inside a quotation is only ever a
//! `quote_changed`. Everything is compared on typography-normalised text but reported as written.
//! Pure and deterministic.

mod attribution;
mod clause;
mod cues;
mod gazetteer;
mod hedges;
mod names;
mod negation;
mod numbers;
mod pairing;
mod quotes;
mod speakers;
#[cfg(test)]
mod test_support;
mod text;
mod tokens;
mod v2_rules;

pub use quotes::typo_equal;

use crate::diff::{
    MAX_CLAIM_BYTES, MAX_SENTENCE_BYTES, Revision, SentenceOp, Simplification, WordChange,
    note_simplification,
};
use attribution::{Attribution, attribution_changes, attributions};
use clause::Verdict;
use hedges::{Hedge, hedge_changes, hedges};
use names::{Name, name_changes, names};
use negation::{Negation, negation_changes, negations};
use numbers::{Quantity, number_changes, quantities, weak_quantity};
use pairing::Found;
use quotes::{Quote, quote_changes, quotes};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use text::Text;
use tokens::tokenize;

/// What changed about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    NumberChanged,
    QuoteChanged,
    SpeakerChanged,
    AttributionChanged,
    HedgeAdded,
    HedgeRemoved,
    NegationFlipped,
    NameChanged,
    ClaimAdded,
    ClaimRemoved,
}

impl ClaimKind {
    pub const ALL: [ClaimKind; 10] = [
        ClaimKind::NumberChanged,
        ClaimKind::QuoteChanged,
        ClaimKind::SpeakerChanged,
        ClaimKind::AttributionChanged,
        ClaimKind::HedgeAdded,
        ClaimKind::HedgeRemoved,
        ClaimKind::NegationFlipped,
        ClaimKind::NameChanged,
        ClaimKind::ClaimAdded,
        ClaimKind::ClaimRemoved,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ClaimKind::NumberChanged => "number_changed",
            ClaimKind::QuoteChanged => "quote_changed",
            ClaimKind::SpeakerChanged => "speaker_changed",
            ClaimKind::AttributionChanged => "attribution_changed",
            ClaimKind::HedgeAdded => "hedge_added",
            ClaimKind::HedgeRemoved => "hedge_removed",
            ClaimKind::NegationFlipped => "negation_flipped",
            ClaimKind::NameChanged => "name_changed",
            ClaimKind::ClaimAdded => "claim_added",
            ClaimKind::ClaimRemoved => "claim_removed",
        }
    }

    /// Order of kinds within one sentence pair in the output.
    fn rank(self) -> usize {
        match self {
            ClaimKind::ClaimAdded | ClaimKind::ClaimRemoved => 0,
            ClaimKind::QuoteChanged => 1,
            ClaimKind::SpeakerChanged => 2,
            ClaimKind::AttributionChanged => 3,
            ClaimKind::NumberChanged => 4,
            ClaimKind::HedgeRemoved => 5,
            ClaimKind::HedgeAdded => 6,
            ClaimKind::NegationFlipped => 7,
            ClaimKind::NameChanged => 8,
        }
    }
}

impl fmt::Display for ClaimKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a claim-kind name that is not one of the nine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownClaimKind(pub String);

impl fmt::Display for UnknownClaimKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown claim kind `{}`", self.0)
    }
}

impl std::error::Error for UnknownClaimKind {}

impl FromStr for ClaimKind {
    type Err = UnknownClaimKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClaimKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| UnknownClaimKind(s.to_string()))
    }
}

/// Where a claim change was found: the headline or the body.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ClaimField {
    Title,
    #[default]
    Body,
}

impl ClaimField {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClaimField::Title => "title",
            ClaimField::Body => "body",
        }
    }
}

impl fmt::Display for ClaimField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One claim change, with the values as written and the sentences they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimChange {
    pub kind: ClaimKind,
    /// Records written before claims had a field were all body claims.
    #[serde(default)]
    pub field: ClaimField,
    pub before: Option<String>,
    pub after: Option<String>,
    pub before_sentence: Option<String>,
    pub after_sentence: Option<String>,
}

/// All claim changes of a revision, in document order (kinds in a fixed order within a pair).
pub fn claim_changes(rev: &Revision) -> Vec<ClaimChange> {
    bounded_claim_changes(rev, &mut Vec::new())
}

/// `claim_changes` within bounds: a sentence over `MAX_SENTENCE_BYTES` is not checked, nor
/// is anything past `MAX_CLAIM_BYTES` of changed sentences; each is noted in `notes`, so the
/// change record can say its claims are incomplete.
pub fn bounded_claim_changes(rev: &Revision, notes: &mut Vec<Simplification>) -> Vec<ClaimChange> {
    let mut out = Vec::new();
    let mut budget = MAX_CLAIM_BYTES;
    // Whether the sentence(s) of one op may be examined, and at what cost.
    let mut admit = |texts: &[&str], notes: &mut Vec<Simplification>| {
        let longest = texts.iter().map(|t| t.len()).max().unwrap_or(0);
        if longest > MAX_SENTENCE_BYTES {
            note_simplification(notes, Simplification::LongSentences { longest });
            return false;
        }
        let cost: usize = texts.iter().map(|t| t.len()).sum();
        if cost > budget {
            budget = 0;
            note_simplification(notes, Simplification::ClaimBudget);
            return false;
        }
        budget -= cost;
        true
    };
    let lone = lone_replacement(rev);
    for op in &rev.ops {
        match op {
            SentenceOp::Same { .. } | SentenceOp::Moved { .. } => {}
            SentenceOp::Added { .. } | SentenceOp::Removed { .. } if lone.is_some() => {
                // Reported once, where the new sentence stands.
                if let (SentenceOp::Added { .. }, Some((old, new))) = (op, lone)
                    && admit(&[old, new], notes)
                {
                    out.extend(pair_changes(old, new, &crate::diff::word_diff(old, new)));
                }
            }
            SentenceOp::Added { text, .. } => {
                if admit(&[text], notes) && carries_claim(text) {
                    out.push(whole(ClaimKind::ClaimAdded, None, Some(text)));
                }
            }
            SentenceOp::Removed { text, .. } => {
                if admit(&[text], notes) && carries_claim(text) {
                    out.push(whole(ClaimKind::ClaimRemoved, Some(text), None));
                }
            }
            SentenceOp::Edited { old, new, .. }
                if admit(&[old, new], notes)
                    && main_claim_replaced(old, new, crate::diff::similarity(old, new)) =>
            {
                for (kind, text) in [(ClaimKind::ClaimRemoved, old), (ClaimKind::ClaimAdded, new)] {
                    if carries_claim(text) {
                        let (b, a) = match kind {
                            ClaimKind::ClaimRemoved => (Some(text.as_str()), None),
                            _ => (None, Some(text.as_str())),
                        };
                        out.push(whole(kind, b, a));
                    }
                }
            }
            SentenceOp::Edited {
                old, new, words, ..
            } => {
                // Admitted in the guard above.
                out.extend(pair_changes(old, new, words));
            }
            _ => {
                let (Some(old), Some(new), Some(words)) =
                    (op.old_text(), op.new_text(), op.words())
                else {
                    continue;
                };
                if admit(&[&old, &new], notes) {
                    out.extend(pair_changes(&old, &new, words));
                }
            }
        }
    }
    out
}

/// Below the aligner's threshold, the least word overlap at which the only removed and the
/// only added sentence of a revision are taken as one sentence rewritten.
pub const LONE_REPLACEMENT_THRESHOLD: f64 = 0.4;

/// The one removed and one added sentence of a revision that rewrote a single sentence (a
/// standfirst, a one-line brief) keeping part of its wording: compared item by item, as an
/// edited pair, rather than as a claim removed and a claim added (CLAIMS.md v2 "Edited, or
/// removed and added?": the main clause survives a rewrite of its details).
fn lone_replacement(rev: &Revision) -> Option<(&str, &str)> {
    let mut removed = rev.ops.iter().filter_map(|op| match op {
        SentenceOp::Removed { text, .. } => Some(text.as_str()),
        _ => None,
    });
    let mut added = rev.ops.iter().filter_map(|op| match op {
        SentenceOp::Added { text, .. } => Some(text.as_str()),
        _ => None,
    });
    let (old, new) = (removed.next()?, added.next()?);
    if removed.next().is_some() || added.next().is_some() {
        return None;
    }
    let sim = crate::diff::similarity(old, new);
    let edited = if sim >= LONE_REPLACEMENT_THRESHOLD {
        !main_claim_replaced(old, new, sim)
    } else {
        // Little wording survives, but the subject or the predicate does (`Lena Varga,
        // captain of the club, dies aged 81` / `The grandmaster … died on Friday`).
        sim >= REWRITE_FLOOR
            && clause::compare(&masked(old), &masked(new), false) == Verdict::Kept
            && !main_claim_replaced(old, new, sim)
    };
    edited.then_some((old, new))
}

/// Below this word overlap a rewrite is never read as one sentence edited.
pub const REWRITE_FLOOR: f64 = 0.1;

/// From this word overlap on, a pair is edited whatever its main clause.
pub const REWRITE_CAP: f64 = 0.8;

/// An edited pair whose main claim was replaced (CLAIMS.md v2 "Edited, or removed and
/// added?"): the subject's head and the main verb both changed, no quantity survives, and
/// less than `REWRITE_CAP` of the words. Such a pair is a claim removed and a claim added.
fn main_claim_replaced(old: &str, new: &str, sim: f64) -> bool {
    // Masking costs a sentence scan: only for pairs that can hold an `as`/`while` clause.
    let subordinate = |s: &str| s.contains(" as ") || s.contains(" while ");
    if subordinate(old) || subordinate(new) {
        let (mo, mn) = (masked(old), masked(new));
        if clause::promoted_subordinate(&mo, &mn) || clause::promoted_subordinate(&mn, &mo) {
            return true;
        }
    }
    if sim >= REWRITE_CAP || clause::compare(&masked(old), &masked(new), true) != Verdict::Replaced
    {
        return false;
    }
    // The same figure on both sides (`The death toll … rises to 268` / `At least 268 people
    // are reported dead`) is the same claim reworded.
    let (a, b) = (Claims::extract(old), Claims::extract(new));
    !a.quantities
        .iter()
        .any(|q| b.quantities.iter().any(|r| numbers::same_quantity(q, r)))
}

fn masked(s: &str) -> String {
    Text::new(s).masked
}

fn whole(kind: ClaimKind, before: Option<&str>, after: Option<&str>) -> ClaimChange {
    ClaimChange {
        kind,
        field: ClaimField::Body,
        before: before.map(str::to_string),
        after: after.map(str::to_string),
        before_sentence: before.map(str::to_string),
        after_sentence: after.map(str::to_string),
    }
}

/// Claim changes between two headlines. A headline is compared as one edited sentence, item by
/// item, however much it was reworded: it never gives claim_added/claim_removed.
pub fn title_changes(old: &str, new: &str, notes: &mut Vec<Simplification>) -> Vec<ClaimChange> {
    if crate::diff::same_text(old, new) {
        return Vec::new();
    }
    let longest = old.len().max(new.len());
    if longest > MAX_SENTENCE_BYTES {
        note_simplification(notes, Simplification::LongSentences { longest });
        return Vec::new();
    }
    let words = crate::diff::word_diff(old, new);
    let mut out = pair_changes(old, new, &words);
    for c in &mut out {
        c.field = ClaimField::Title;
    }
    out
}

/// Whether an added or removed sentence is worth a claim_added/claim_removed: it carries a
/// quantity, a quotation or an attribution.
pub fn carries_claim(sentence: &str) -> bool {
    let c = Claims::extract(sentence);
    !c.quantities.is_empty()
        || !c.quotes.is_empty()
        || !c.attributions.is_empty()
        || !c.names.is_empty()
}

/// Claim changes between the two sides of an edited pair. `words` is the pair's word diff
/// (used to find what replaced a modal hedge).
pub fn pair_changes(old: &str, new: &str, words: &[WordChange]) -> Vec<ClaimChange> {
    // A teaser cut off with an ellipsis against its full form says nothing new (CLAIMS.md v2).
    if truncation(old, new) || truncation(new, old) {
        return Vec::new();
    }
    let (mut a, mut b) = (Claims::extract(old), Claims::extract(new));
    // Quotation marks dropped from (or put around) words that stay: the words are still the
    // quotation's, so nothing inside them is read as a new negation, name or figure.
    if let Some(requoted) = quotes::requote(&a, &b, new) {
        b = Claims::extract(&requoted);
    }
    if let Some(requoted) = quotes::requote(&b, &a, old) {
        a = Claims::extract(&requoted);
    }
    let mut found: Vec<Found> = Vec::new();
    found.extend(quote_changes(&a, &b));
    let (sourcing, sources) = attribution_changes(&a.attributions, &b.attributions);
    found.extend(sourcing);
    found.extend(number_changes(&a.all_quantities(), &b.all_quantities()));
    found.extend(hedge_changes(&a.hedges, &b.hedges, words));
    found.extend(negation_changes(&a.negations, &b.negations));
    let (lower_a, lower_b) = (a.masked.to_lowercase(), b.masked.to_lowercase());
    let (all_a, all_b) = (text::normalize_lower(old), text::normalize_lower(new));
    found.extend(name_changes(
        &names::Side {
            names: &a.names,
            caps: &a.caps,
            skip: &sources.0,
            words: &lower_a,
            all_words: &all_a,
        },
        &names::Side {
            names: &b.names,
            caps: &b.caps,
            skip: &sources.1,
            words: &lower_b,
            all_words: &all_b,
        },
    ));
    found.sort_by_key(|f| (f.kind.rank(), f.pos));
    found
        .into_iter()
        .map(|f| ClaimChange {
            kind: f.kind,
            field: ClaimField::Body,
            before: f.before,
            after: f.after,
            before_sentence: Some(old.to_string()),
            after_sentence: Some(new.to_string()),
        })
        .collect()
}

/// `short` is `long` cut short with an ellipsis.
fn truncation(short: &str, long: &str) -> bool {
    use text::{lower_words, normalize_lower};
    quotes::ends_with_ellipsis(short)
        && quotes::words_truncate(
            &lower_words(&normalize_lower(short)),
            &lower_words(&normalize_lower(long)),
        )
}

/// Everything checkable in one sentence.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    quantities: Vec<Quantity>,
    /// Weak quantities (`fourth`, `one of`, `doubles`): compared only against other quantities.
    ordinals: Vec<Quantity>,
    quotes: Vec<Quote>,
    hedges: Vec<Hedge>,
    negations: Vec<Negation>,
    attributions: Vec<Attribution>,
    names: Vec<Name>,
    /// Capitalised words, folded (see `names::Side`).
    caps: Vec<String>,
    /// The sentence with quotation contents blanked; its words are what a quotation that lost
    /// its marks is looked for in, which only a quote change needs, so they are split then.
    masked: String,
}

impl Claims {
    pub fn extract(sentence: &str) -> Claims {
        let text = Text::new(sentence);
        let toks = tokenize(&text.masked, &text.lowered);
        let (ordinals, quantities): (Vec<Quantity>, Vec<Quantity>) = quantities(&text, &toks)
            .into_iter()
            .partition(weak_quantity);
        let hedges = hedges(&text, &quantities);
        let quotes = quotes(&text);
        let negations = negations(&text);
        let attributions = attributions(&text);
        let names = names(&text, &toks);
        let caps = names::capitalised_words(&toks);
        Claims {
            names,
            caps,
            ordinals,
            quotes,
            negations,
            attributions,
            masked: text.masked,
            quantities,
            hedges,
        }
    }

    /// Quantities and word ordinals, in sentence order.
    fn all_quantities(&self) -> Vec<Quantity> {
        let mut all: Vec<Quantity> = self
            .quantities
            .iter()
            .chain(&self.ordinals)
            .cloned()
            .collect();
        all.sort_by_key(|q| q.start);
        all
    }

    /// Values as written, for debugging and tests: (kind, value).
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        out.extend(
            self.quantities
                .iter()
                .map(|q| ("quantity", q.item.written.clone())),
        );
        out.extend(
            self.quotes
                .iter()
                .map(|q| ("quote", q.item.written.clone())),
        );
        out.extend(
            self.hedges
                .iter()
                .map(|h| ("hedge", h.item.written.clone())),
        );
        out.extend(
            self.negations
                .iter()
                .map(|n| ("negation", n.item.written.clone())),
        );
        out.extend(self.names.iter().map(|n| ("name", n.item.written.clone())));
        for a in &self.attributions {
            out.push(("attribution", a.phrase.written.clone()));
            out.push(("speaker", a.speaker.written.clone()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::test_support::{changes, one};
    use crate::diff::revision;

    #[test]
    fn oversized_added_sentence_is_not_checked_and_says_so() {
        // See: #10.
        let long = format!(
            "Officials said {} million people were affected.",
            "very ".repeat(1_200)
        );
        let rev = revision("The storm passed.", &format!("The storm passed. {long}"));
        let mut notes = Vec::new();
        assert!(bounded_claim_changes(&rev, &mut notes).is_empty());
        assert!(
            matches!(notes.as_slice(), [Simplification::LongSentences { .. }]),
            "{notes:?}"
        );
        let short = revision(
            "The storm passed.",
            "The storm passed. Officials said 40 people were hurt.",
        );
        let mut notes = Vec::new();
        assert_eq!(bounded_claim_changes(&short, &mut notes).len(), 1);
        assert!(notes.is_empty());
    }

    #[test]
    fn claim_budget_covers_long_articles_and_stops_on_huge_ones() {
        // See: #10. A 100 KB article (several times the longest real one) is checked in
        // full; past `MAX_CLAIM_BYTES` of changed text the rest is skipped and noted.
        let body = |bytes: usize| {
            let mut out = String::new();
            let mut i = 0;
            while out.len() < bytes {
                out.push_str(&format!(
                    "Officials said {i} people were hurt in ward {i}. "
                ));
                i += 1;
            }
            (out, i)
        };
        let (long, n) = body(100_000);
        let mut notes = Vec::new();
        let rev = revision("The storm passed.", &format!("The storm passed. {long}"));
        assert_eq!(bounded_claim_changes(&rev, &mut notes).len(), n);
        assert!(notes.is_empty(), "{notes:?}");

        let (huge, n) = body(MAX_CLAIM_BYTES + 100_000);
        let rev = revision("The storm passed.", &format!("The storm passed. {huge}"));
        let checked = bounded_claim_changes(&rev, &mut notes).len();
        assert!(checked > 0 && checked < n, "{checked} of {n}");
        assert_eq!(notes, [Simplification::ClaimBudget]);
    }

    #[test]
    fn kind_round_trips_through_str_and_serde() {
        for k in ClaimKind::ALL {
            assert_eq!(k.as_str().parse::<ClaimKind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert!("bogus".parse::<ClaimKind>().is_err());
    }

    #[test]
    fn sentence_without_claim_added_gives_nothing() {
        assert!(
            changes(
                "The plant closed.",
                "The plant closed. The company did not respond to a request for comment."
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                "The plant closed.",
                "The plant closed. It employed 300 people."
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_replaced_main_claim_is_removed_and_added_even_when_its_frame_survives() {
        // CLAIMS.md v2 "Edited, or removed and added?": the subject and the verb both
        // changed; the setting and the attribution that survive do not make it one sentence.
        let old = "Some 300 cars were stranded on the mountain road near Tarvel, the county sheriff says.";
        let new = "At least four people have died on the mountain road near Tarvel, the county sheriff says.";
        assert_eq!(
            changes(old, new),
            vec![
                ("claim_removed".to_string(), Some(old.to_string()), None),
                ("claim_added".to_string(), None, Some(new.to_string())),
            ]
        );
        // The same figure on both sides is the same claim reworded.
        assert_eq!(
            changes(
                "The death toll from the flooding in Tarvel rises to 31, with many still missing.",
                "At least 31 people are now known to have died in Tarvel, with many still missing."
            ),
            one("hedge_added", None, Some("At least"))
        );
    }

    #[test]
    fn a_rewrite_keeping_its_predicate_is_one_edited_sentence() {
        // Almost no words survive, but the same person still dies: edited, item by item.
        assert_eq!(
            changes(
                "Lena Varga, captain of the city chess club, dies aged 81",
                "The chess captain, who was known above all for her endgames, died on Friday."
            ),
            vec![
                ("number_changed".to_string(), Some("81".to_string()), None),
                (
                    "name_changed".to_string(),
                    Some("Lena Varga".to_string()),
                    None
                ),
            ]
        );
    }
}
