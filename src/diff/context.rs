//! What `diff` shows of a revision: the changed sentences and a few unchanged ones around
//! each (the reader wants the edit, not the article), with one `…` line for every run of
//! unchanged sentences left out. Pure: a `Revision` in, text out.

use super::{Revision, SentenceOp, sentence_line, word_line};

/// How each sentence is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Inline word diff, unchanged sentences as they are (`render_words`).
    Words,
    /// One marker per sentence (`render_sentences`).
    Sentences,
}

/// Everything but an unchanged sentence in its place is a change; a moved sentence is one
/// too (its new place is the news).
fn is_change(op: &SentenceOp) -> bool {
    !matches!(op, SentenceOp::Same { .. })
}

/// Which ops to print: every change and up to `context` ops either side of it; every op when
/// `context` is `None`.
pub(super) fn visible(ops: &[SentenceOp], context: Option<usize>) -> Vec<bool> {
    let Some(context) = context else {
        return vec![true; ops.len()];
    };
    let mut show = vec![false; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        if is_change(op) {
            let from = i.saturating_sub(context);
            let to = (i + context).min(ops.len().saturating_sub(1));
            show[from..=to].iter_mut().for_each(|s| *s = true);
        }
    }
    show
}

/// The revision one sentence per line, `context` unchanged sentences around each change
/// (`None`: all of them). A skipped run becomes `… N unchanged sentences`.
pub fn render_in_context(
    rev: &Revision,
    layout: Layout,
    color: bool,
    context: Option<usize>,
) -> String {
    let show = visible(&rev.ops, context);
    let mut out = String::new();
    let mut skipped = 0usize;
    let flush = |out: &mut String, skipped: &mut usize| {
        if *skipped > 0 {
            let plural = if *skipped == 1 { "" } else { "s" };
            out.push_str(&format!("… {skipped} unchanged sentence{plural}\n"));
            *skipped = 0;
        }
    };
    for (op, shown) in rev.ops.iter().zip(show) {
        if !shown {
            skipped += 1;
            continue;
        }
        flush(&mut out, &mut skipped);
        out.push_str(&match layout {
            Layout::Words => word_line(op, color),
            Layout::Sentences => sentence_line(op, color),
        });
        out.push('\n');
    }
    flush(&mut out, &mut skipped);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::revision;

    const OLD: &str = "The council met on Tuesday. It discussed the harbour budget. \
        Fishermen attended in numbers. The mayor proposed 12 new berths. \
        A vote is expected next month. Critics called the plan rushed. \
        The meeting ended at nine.";

    #[test]
    fn one_edit_shows_one_sentence_of_context_each_side() {
        let new = OLD.replace("12 new berths", "20 new berths");
        let out = render_in_context(&revision(OLD, &new), Layout::Sentences, false, Some(1));
        assert_eq!(
            out,
            "… 2 unchanged sentences\n  Fishermen attended in numbers.\n\
             ~  The mayor proposed [-12-]{+20+} new berths.\n  A vote is expected next month.\n\
             … 2 unchanged sentences\n"
        );
    }

    #[test]
    fn zero_context_and_full_text() {
        let new = OLD.replace("12 new berths", "20 new berths");
        let rev = revision(OLD, &new);
        assert_eq!(
            render_in_context(&rev, Layout::Words, false, Some(0)),
            "… 3 unchanged sentences\nThe mayor proposed [-12-]{+20+} new berths.\n… 3 unchanged sentences\n"
        );
        assert_eq!(
            render_in_context(&rev, Layout::Words, false, None),
            render_words(&rev)
        );
        assert!(!render_in_context(&rev, Layout::Words, false, None).contains('…'));
    }

    fn render_words(rev: &Revision) -> String {
        crate::diff::render_words(rev, false)
    }

    #[test]
    fn nearby_changes_share_their_context() {
        let new = OLD
            .replace("harbour budget", "harbour and ferry budget")
            .replace("in numbers", "in small numbers");
        let out = render_in_context(&revision(OLD, &new), Layout::Sentences, false, Some(1));
        assert!(
            out.starts_with("  The council met on Tuesday.\n~  It discussed"),
            "{out}"
        );
        assert!(out.ends_with("… 3 unchanged sentences\n"), "{out}");
        assert_eq!(out.matches('…').count(), 1, "{out}");
    }
}
