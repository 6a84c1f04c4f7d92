//! Quotations, and the `quote_changed` rule: wording compared word by word, a typo apart
//! counting as the same word.

use super::pairing::{Found, cancel_pairs, found, push_unpaired, zip_leftovers};
use super::text::{Item, Text, lower_words, normalize_lower};
use super::{ClaimKind, Claims};

#[derive(Debug, Clone)]
pub(super) struct Quote {
    pub(super) item: Item,
    words: Vec<String>,
}

pub(super) fn quotes(text: &Text) -> Vec<Quote> {
    text.quotes
        .iter()
        .filter_map(|&(s, e)| {
            let item = text.item(s, e);
            let words = lower_words(&normalize_lower(&item.written));
            (!words.is_empty()).then_some(Quote { item, words })
        })
        .collect()
}

pub(super) fn quote_changes(a: &Claims, b: &Claims) -> Vec<Found> {
    let mut left_a: Vec<&Quote> = a.quotes.iter().collect();
    let mut left_b: Vec<&Quote> = b.quotes.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        same_wording(&x.words, &y.words) || truncated(x, y) || truncated(y, x)
    });
    // A quotation whose words survive unquoted on the other side only lost its marks.
    if !left_a.is_empty() {
        let b_words = lower_words(&b.masked);
        left_a.retain(|q| !contains_words(&b_words, &q.words));
    }
    if !left_b.is_empty() {
        let a_words = lower_words(&a.masked);
        left_b.retain(|q| !contains_words(&a_words, &q.words));
    }
    let mut out = Vec::new();
    for (x, y) in zip_leftovers(&mut left_a, &mut left_b) {
        out.push(found(ClaimKind::QuoteChanged, Some(&x.item), Some(&y.item)));
    }
    push_unpaired(&mut out, ClaimKind::QuoteChanged, &left_a, &left_b, |q| {
        &q.item
    });
    out
}

/// `short` is `long` cut off with an ellipsis (a teaser): its words open `long`, the last one
/// perhaps cut mid-word.
fn truncated(short: &Quote, long: &Quote) -> bool {
    ends_with_ellipsis(&short.item.written) && words_truncate(&short.words, &long.words)
}

pub(super) fn ends_with_ellipsis(s: &str) -> bool {
    let t = s.trim_end_matches(|c: char| c.is_whitespace() || "\"'\u{201D}\u{2019}".contains(c));
    t.ends_with("...") || t.ends_with('\u{2026}')
}

/// `short`'s words open `long`, the last one perhaps cut mid-word, and `long` goes on.
pub(super) fn words_truncate(short: &[String], long: &[String]) -> bool {
    let n = short.len();
    n >= 2
        && long.len() > n - 1
        && short[..n - 1] == long[..n - 1]
        && long[n - 1].starts_with(short[n - 1].as_str())
        && (long.len() > n || long[n - 1] != short[n - 1])
}

/// `other_text` with double marks put around each quotation of `this` that `other` holds
/// unquoted; `None` when there is none.
pub(super) fn requote(this: &Claims, other: &Claims, other_text: &str) -> Option<String> {
    let lost: Vec<&Quote> = this
        .quotes
        .iter()
        .filter(|q| {
            !other
                .quotes
                .iter()
                .any(|o| same_wording(&o.words, &q.words))
        })
        .collect();
    if lost.is_empty() {
        return None;
    }
    let mut text = other_text.to_string();
    let mut changed = false;
    for q in lost {
        if let Some((s, e)) = find_folded(&text, q.item.written.trim_end_matches(['.', ',']))
            && !text[..s].ends_with(['"', '\'', '\u{2018}', '\u{201C}'])
        {
            text = format!("{}\"{}\"{}", &text[..s], &text[s..e], &text[e..]);
            changed = true;
        }
    }
    changed.then_some(text)
}

/// Byte span of `needle` in `hay`, comparing typography-folded, ASCII-lower-cased chars.
fn find_folded(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let fold = |c: char| crate::diff::normalize_char(c).to_ascii_lowercase();
    let needle: Vec<char> = needle.chars().map(fold).collect();
    if needle.is_empty() {
        return None;
    }
    for (start, _) in hay.char_indices() {
        let mut it = hay[start..].char_indices();
        let mut matched = 0;
        let mut end = start;
        for &n in &needle {
            match it.next() {
                Some((k, c)) if fold(c) == n => {
                    matched += 1;
                    end = start + k + c.len_utf8();
                }
                _ => break,
            }
        }
        if matched == needle.len() {
            return Some((start, end));
        }
    }
    None
}

fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && hay.len() >= needle.len()
        && hay.windows(needle.len()).any(|w| same_wording(w, needle))
}

/// Same words up to typo and grammar fixes (`suprised`/`surprised`, `saturated`/`saturating`)
/// and an added or dropped article.
pub(super) fn same_wording(a: &[String], b: &[String]) -> bool {
    if a == b {
        return true;
    }
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, a, b);
    ops.iter().all(|op| match *op {
        similar::DiffOp::Equal { .. } => true,
        similar::DiffOp::Delete {
            old_index, old_len, ..
        } => all_articles(&a[old_index..old_index + old_len]),
        similar::DiffOp::Insert {
            new_index, new_len, ..
        } => all_articles(&b[new_index..new_index + new_len]),
        similar::DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => {
            old_len == new_len
                && a[old_index..old_index + old_len]
                    .iter()
                    .zip(&b[new_index..new_index + new_len])
                    .all(|(x, y)| typo_equal(x, y))
        }
    })
}

fn all_articles(words: &[String]) -> bool {
    words
        .iter()
        .all(|w| matches!(w.as_str(), "a" | "an" | "the"))
}

/// One-edit typos in words of five letters or more, and inflections of one stem.
pub fn typo_equal(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if a.chars().chain(b.chars()).any(|c| c.is_ascii_digit()) {
        return false;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.min(lb) >= 5 && damerau_at_most_one(a, b) {
        return true;
    }
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    prefix >= 5 && prefix as f64 >= 0.7 * la.max(lb) as f64
}

fn damerau_at_most_one(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[p..], &b[p..]);
    let tail_eq = |x: &[char], y: &[char]| x == y;
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            tail_eq(&ra[1..], &rb[1..])
                || (x >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && tail_eq(&ra[2..], &rb[2..]))
        }
        (x, y) if x == y + 1 => tail_eq(&ra[1..], rb),
        (x, y) if y == x + 1 => tail_eq(ra, &rb[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::test_support::changes;

    #[test]
    fn change_inside_quote_is_only_quote_changed() {
        let got = changes(
            "\"We have had no rain since May 1,\" the farmer said.",
            "\"We have had rain since April 15,\" the farmer said.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "quote_changed");
    }

    #[test]
    fn a_quotation_opened_with_one_mark_and_closed_with_the_other_is_a_quotation() {
        let got = crate::claims::title_changes(
            "Fishing town mourns crew lost in winter storm",
            "'How could the sea take all of them?\"",
            &mut Vec::new(),
        );
        let kinds: Vec<_> = got.iter().map(|c| c.kind.to_string()).collect();
        assert_eq!(kinds, ["quote_changed"], "{got:?}");
        // An apostrophe-free sentence with a double-quoted span is read as before.
        let got = changes(
            "The mayor called the plan \"temporary\" on Monday.",
            "The mayor called the plan \"permanent\" on Monday.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "quote_changed");
    }

    #[test]
    fn typo_inside_quote_is_no_change() {
        assert!(
            changes(
                "\"I was suprised,\" Silva said.",
                "\"I was surprised,\" Silva said."
            )
            .is_empty()
        );
    }

    #[test]
    fn typo_equal_rules() {
        assert!(typo_equal("goverment", "government"));
        assert!(typo_equal("saturated", "saturating"));
        assert!(!typo_equal("rise", "rose"));
        assert!(!typo_equal("2019", "2018"));
    }
}
