//! Matching the items of two versions of a sentence: cancel equal ones, pair what is left,
//! and turn each pairing into a [`Found`] change.

use super::ClaimKind;
use super::text::Item;

/// A change found in a pair, with its position (new side if present, else old) for ordering.
pub(super) struct Found {
    pub(super) kind: ClaimKind,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
    pub(super) pos: usize,
}

pub(super) fn found(kind: ClaimKind, before: Option<&Item>, after: Option<&Item>) -> Found {
    Found {
        kind,
        before: before.map(|i| i.written.clone()),
        after: after.map(|i| i.written.clone()),
        pos: after.or(before).map_or(0, |i| i.pos),
    }
}

/// Drops every pair that `eq` matches (greedy, in order).
pub(super) fn cancel_pairs<'x, T>(
    a: &mut Vec<&'x T>,
    b: &mut Vec<&'x T>,
    eq: impl Fn(&T, &T) -> bool,
) {
    take_pairs(a, b, eq);
}

/// Removes and returns pairs matched by `eq`, greedy in order of `a`.
pub(super) fn take_pairs<'x, T>(
    a: &mut Vec<&'x T>,
    b: &mut Vec<&'x T>,
    eq: impl Fn(&T, &T) -> bool,
) -> Vec<(&'x T, &'x T)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < a.len() {
        if let Some(j) = b.iter().position(|y| eq(a[i], y)) {
            out.push((a.remove(i), b.remove(j)));
        } else {
            i += 1;
        }
    }
    out
}

/// Pairs the leftovers in order, leaving the surplus of the longer side in place.
pub(super) fn zip_leftovers<'x, T>(a: &mut Vec<&'x T>, b: &mut Vec<&'x T>) -> Vec<(&'x T, &'x T)> {
    let n = a.len().min(b.len());
    a.drain(..n).zip(b.drain(..n)).collect()
}

pub(super) fn push_unpaired<T>(
    out: &mut Vec<Found>,
    kind: ClaimKind,
    a: &[&T],
    b: &[&T],
    item: impl Fn(&T) -> &Item,
) {
    out.extend(a.iter().map(|x| found(kind, Some(item(x)), None)));
    out.extend(b.iter().map(|y| found(kind, None, Some(item(y)))));
}
