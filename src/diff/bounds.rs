//! What keeps one revision's work bounded whatever the input: the limits, the record of what
//! was simplified to stay inside them, and the near-linear pieces the aligner falls back on
//! (anchored exact matching, windows for fuzzy pairing, an O(n log n) move detection).
//!
//! Normal articles (hundreds of sentences, a few edited) never reach a limit and get exactly
//! the full algorithm. Hostile or huge ones (10,000 similar sentences, a megabyte without a
//! full stop, 400,000 dots) get a coarser diff that still says what changed, and the
//! revision lists each simplification so the change record and `diff` can say so.

use std::collections::HashMap;
use std::fmt;

use similar::Algorithm;

/// A changed sentence longer than this (bytes) gets a coarse word diff (the changed middle as
/// one deletion and one insertion) and no claim check. News sentences run to a few hundred
/// bytes; the longest in our fixtures and the shared real edits is under 300.
pub const MAX_SENTENCE_BYTES: usize = 5_000;

/// Sentence lists up to this many sentences (old + new, after the common start and end) get an
/// exact longest common subsequence (Myers, O((N+M)·D)); longer ones are first cut at the
/// sentences that occur once on each side (patience diff), which is near-linear.
pub(crate) const MAX_EXACT_LCS: usize = 2_000;

/// How many times a window between anchors is anchored again before it is left to the moved
/// and similarity passes.
pub(crate) const ANCHOR_DEPTH: usize = 4;

/// Unmatched old × unmatched new sentences up to this are all compared, as the full algorithm
/// does; past it, each old sentence is compared only with the new ones near its place.
pub(crate) const MAX_ALL_PAIRS: usize = 1_000_000;

/// Unmatched new sentences an old one is compared with on each side of its expected place,
/// past `MAX_ALL_PAIRS`.
pub(crate) const NEAR: usize = 24;

/// Words stepped over by the similarity measure, for the whole revision (~0.1 s).
pub(crate) const FUZZY_WORK: u64 = 30_000_000;

/// Sum over word diffs of (tokens old × tokens new) of the changed middles: the worst case of
/// the word diff's Myers fallback.
pub(crate) const WORD_DIFF_WORK: u64 = 20_000_000;

/// Bytes of changed sentences that claim extraction looks at, for the whole revision. Ten
/// times the longest article we have seen rewritten whole (~50 KB), so only hostile or
/// machine-made documents reach it; at 2 MB, 10,000 edited sentences took > 1 s (BENCHMARKS.md).
pub const MAX_CLAIM_BYTES: usize = 500_000;

/// One way a revision was simplified to stay within its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Simplification {
    /// Exact matches of a long document were found by anchoring, not by a full LCS.
    LongDocument { sentences: usize },
    /// Too many unmatched sentences to compare every pair.
    ManyUnmatched { old: usize, new: usize },
    /// The similarity budget ran out: the sentences left unpaired show as removed and added.
    ComparisonBudget,
    /// Changed sentences over `MAX_SENTENCE_BYTES`: coarse word diff, no claim check.
    LongSentences { longest: usize },
    /// The word-diff budget ran out: the remaining edited sentences have a coarse word diff.
    WordDiffBudget,
    /// The claim budget ran out: later changed sentences were not checked for claims.
    ClaimBudget,
}

impl fmt::Display for Simplification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LongDocument { sentences } => write!(
                f,
                "{sentences} sentences: unchanged ones matched around sentences unique to both versions, not by a full comparison"
            ),
            Self::ManyUnmatched { old, new } => write!(
                f,
                "{old} old and {new} new unmatched sentences: rewordings looked for only near their place"
            ),
            Self::ComparisonBudget => {
                write!(
                    f,
                    "comparison budget used up: sentences left unpaired show as removed and added"
                )
            }
            Self::LongSentences { longest } => write!(
                f,
                "changed sentences over {MAX_SENTENCE_BYTES} bytes (longest {longest}): coarse word diff, claims not checked there"
            ),
            Self::WordDiffBudget => {
                write!(
                    f,
                    "word-diff budget used up: later edited sentences have a coarse word diff"
                )
            }
            Self::ClaimBudget => write!(
                f,
                "claims checked in the first {MAX_CLAIM_BYTES} bytes of changed sentences only"
            ),
        }
    }
}

/// Notes simplifications, one per kind (for long sentences, the longest).
pub fn note(notes: &mut Vec<Simplification>, s: Simplification) {
    if let Simplification::LongSentences { longest } = s
        && let Some(Simplification::LongSentences { longest: l }) = notes
            .iter_mut()
            .find(|n| matches!(n, Simplification::LongSentences { .. }))
    {
        *l = (*l).max(longest);
        return;
    }
    if !notes
        .iter()
        .any(|n| std::mem::discriminant(n) == std::mem::discriminant(&s))
    {
        notes.push(s);
    }
}

/// The remaining work of one revision, and what was simplified so far.
#[derive(Debug)]
pub(crate) struct Limits {
    pub fuzzy_work: u64,
    pub word_work: u64,
    pub notes: Vec<Simplification>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuzzy_work: FUZZY_WORK,
            word_work: WORD_DIFF_WORK,
            notes: Vec::new(),
        }
    }
}

impl Limits {
    pub fn note(&mut self, s: Simplification) {
        note(&mut self.notes, s);
    }

    /// Takes `cost` from the similarity budget; false (and noted) once it is used up.
    pub fn spend_fuzzy(&mut self, cost: u64) -> bool {
        if cost > self.fuzzy_work {
            self.fuzzy_work = 0;
            self.note(Simplification::ComparisonBudget);
            return false;
        }
        self.fuzzy_work -= cost;
        true
    }
}

// ---------------------------------------------------------------------------------------------
// Exact matches
// ---------------------------------------------------------------------------------------------

/// Pairs (old, new) of equal elements, in increasing order on both sides. Up to
/// `MAX_EXACT_LCS` elements this is the exact LCS (Myers, as before the limits existed);
/// longer lists are anchored (see `anchored`).
pub(crate) fn common_subsequence(a: &[u64], b: &[u64], limits: &mut Limits) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if a.len() + b.len() <= MAX_EXACT_LCS {
        myers(a, b, 0, 0, &mut out);
    } else {
        anchored(a, b, (0, 0), ANCHOR_DEPTH, &mut out, limits);
    }
    out
}

fn myers(a: &[u64], b: &[u64], ao: usize, bo: usize, out: &mut Vec<(usize, usize)>) {
    for op in similar::capture_diff_slices(Algorithm::RawMyers, a, b) {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            out.extend((0..len).map(|k| (ao + old_index + k, bo + new_index + k)));
        }
    }
}

/// Common start and end; a middle small enough gets Myers; a larger one is cut at the
/// elements unique on both sides that keep their order (the longest increasing run of them,
/// as patience diff does), and each window between two cuts is done the same way, `depth`
/// levels down. A window still too large at the bottom is left unmatched here: identical
/// sentences in it are still paired by the moved pass, and reworded ones by similarity.
fn anchored(
    a: &[u64],
    b: &[u64],
    (ao, bo): (usize, usize),
    depth: usize,
    out: &mut Vec<(usize, usize)>,
    limits: &mut Limits,
) {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let max_suf = a.len().min(b.len()) - pre;
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suf)
        .take_while(|(x, y)| x == y)
        .count();
    out.extend((0..pre).map(|k| (ao + k, bo + k)));
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let (mo, mn) = (ao + pre, bo + pre);
    if ma.len() + mb.len() <= MAX_EXACT_LCS {
        myers(ma, mb, mo, mn, out);
    } else {
        limits.note(Simplification::LongDocument {
            sentences: a.len() + b.len(),
        });
        let anchors = if depth == 0 {
            Vec::new()
        } else {
            unique_anchors(ma, mb)
        };
        let (mut pi, mut pj) = (0, 0);
        for &(i, j) in &anchors {
            anchored(
                &ma[pi..i],
                &mb[pj..j],
                (mo + pi, mn + pj),
                depth - 1,
                out,
                limits,
            );
            out.push((mo + i, mn + j));
            (pi, pj) = (i + 1, j + 1);
        }
        if !anchors.is_empty() {
            anchored(
                &ma[pi..],
                &mb[pj..],
                (mo + pi, mn + pj),
                depth - 1,
                out,
                limits,
            );
        }
    }
    let (ea, eb) = (ao + a.len() - suf, bo + b.len() - suf);
    out.extend((0..suf).map(|k| (ea + k, eb + k)));
}

/// Elements occurring exactly once in `a` and once in `b`, as (index in a, index in b), the
/// longest subset increasing on both sides.
fn unique_anchors(a: &[u64], b: &[u64]) -> Vec<(usize, usize)> {
    // (count in a, count in b, index in a, index in b)
    let mut seen: HashMap<u64, (u32, u32, usize, usize)> = HashMap::with_capacity(a.len());
    for (i, h) in a.iter().enumerate() {
        let e = seen.entry(*h).or_insert((0, 0, i, 0));
        e.0 = e.0.saturating_add(1);
    }
    for (j, h) in b.iter().enumerate() {
        if let Some(e) = seen.get_mut(h) {
            e.1 = e.1.saturating_add(1);
            e.3 = j;
        }
    }
    let mut pairs: Vec<(usize, usize)> = seen
        .into_values()
        .filter(|e| e.0 == 1 && e.1 == 1)
        .map(|e| (e.2, e.3))
        .collect();
    pairs.sort_unstable();
    let keep = longest_increasing(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    keep.into_iter().map(|k| pairs[k]).collect()
}

/// Indices of a longest strictly increasing subsequence of `v` (patience sorting, O(n log n)).
fn longest_increasing(v: &[usize]) -> Vec<usize> {
    let mut tails: Vec<usize> = Vec::new(); // index into v of the smallest tail per length
    let mut prev = vec![usize::MAX; v.len()];
    for (k, &x) in v.iter().enumerate() {
        let pos = tails.partition_point(|&t| v[t] < x);
        if pos > 0 {
            prev[k] = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(c) = cur {
        out.push(c);
        cur = (prev[c] != usize::MAX).then_some(prev[c]);
    }
    out.reverse();
    out
}

// ---------------------------------------------------------------------------------------------
// Windows for fuzzy pairing
// ---------------------------------------------------------------------------------------------

/// The gaps between consecutive exact matches of the common subsequence: an unmatched old
/// sentence can only be a rewording of an unmatched new one in the same gap, if order is kept.
/// Used past `MAX_ALL_PAIRS`, where comparing across gaps (edited *and* moved far) is given up.
pub(crate) struct Gaps {
    old_gap: Vec<usize>,
    new_gap: Vec<usize>,
}

impl Gaps {
    /// `lcs` must be increasing on both sides.
    pub fn new(lcs: &[(usize, usize)], old_len: usize, new_len: usize) -> Self {
        let gap_of = |len: usize, side: &dyn Fn(&(usize, usize)) -> usize| {
            let mut out = vec![0; len];
            let mut g = 0;
            for (i, slot) in out.iter_mut().enumerate() {
                while g < lcs.len() && side(&lcs[g]) < i {
                    g += 1;
                }
                *slot = g;
            }
            out
        };
        Self {
            old_gap: gap_of(old_len, &|p| p.0),
            new_gap: gap_of(new_len, &|p| p.1),
        }
    }

    /// For every free index of `from` (sorted), the free indices of `to` in the same gap
    /// nearest its proportional place there: at most `2 * NEAR + 1` each.
    pub fn near(&self, from_old: bool, from: &[usize], to: &[usize]) -> Vec<(usize, Vec<usize>)> {
        let (gf, gt) = if from_old {
            (&self.old_gap, &self.new_gap)
        } else {
            (&self.new_gap, &self.old_gap)
        };
        let mut by_gap: HashMap<usize, Vec<usize>> = HashMap::new();
        for &t in to {
            by_gap.entry(gt[t]).or_default().push(t);
        }
        let mut from_by_gap: HashMap<usize, usize> = HashMap::new();
        for &f in from {
            *from_by_gap.entry(gf[f]).or_default() += 1;
        }
        let mut rank: HashMap<usize, usize> = HashMap::new();
        from.iter()
            .map(|&f| {
                let g = gf[f];
                let r = rank.entry(g).or_default();
                let (here, total) = (*r, from_by_gap.get(&g).copied().unwrap_or(1).max(1));
                *r += 1;
                let cands = by_gap.get(&g).map_or_else(Vec::new, |list| {
                    let expected = (here as u128 * list.len() as u128 / total as u128) as usize;
                    let lo = expected.saturating_sub(NEAR);
                    let hi = (expected + NEAR + 1).min(list.len());
                    list[lo.min(hi)..hi].to_vec()
                });
                (f, cands)
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Moves
// ---------------------------------------------------------------------------------------------

/// Maximum-weight strictly increasing subsequence of `pos` (distinct values), as indices.
/// Same result as the quadratic dynamic programme it replaces: each element extends the
/// earliest best predecessor, and the chain ends at the earliest best element. A Fenwick tree
/// over positions gives the best predecessor in O(log n).
pub(crate) fn max_weight_increasing(pos: &[usize], weight: &[u64]) -> Vec<usize> {
    let n = pos.len();
    let size = pos.iter().max().map_or(0, |m| m + 1);
    // Best (weight, earliest index) ending at a position ≤ p; ordered by weight, then by the
    // smaller index (stored negated, so that `max` prefers it).
    let mut tree: Vec<(u64, i64)> = vec![(0, i64::MIN); size + 1];
    let query = |tree: &[(u64, i64)], p: usize| {
        let (mut k, mut best) = (p, (0, i64::MIN));
        while k > 0 {
            best = best.max(tree[k]);
            k &= k - 1;
        }
        best
    };
    let mut best = vec![0u64; n];
    let mut prev = vec![usize::MAX; n];
    for a in 0..n {
        // Predecessors: positions strictly below pos[a] (tree index p + 1 holds position p).
        let (w, neg) = query(&tree, pos[a]);
        best[a] = weight[a] + w;
        if w > 0 {
            prev[a] = usize::try_from(-neg).unwrap_or(usize::MAX);
        }
        let entry = (best[a], -(a as i64));
        let mut k = pos[a] + 1;
        while k <= size {
            tree[k] = tree[k].max(entry);
            k += k & k.wrapping_neg();
        }
    }
    let mut out = Vec::new();
    let mut cur = (0..n).max_by(|&x, &y| best[x].cmp(&best[y]).then(y.cmp(&x)));
    while let Some(c) = cur {
        out.push(c);
        cur = (prev[c] != usize::MAX).then_some(prev[c]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quadratic programme `max_weight_increasing` replaces, for comparison.
    fn quadratic(pos: &[usize], weight: &[u64]) -> Vec<usize> {
        let n = pos.len();
        let mut best = weight.to_vec();
        let mut prev = vec![usize::MAX; n];
        for a in 0..n {
            for b in 0..a {
                if pos[b] < pos[a] && best[b] + weight[a] > best[a] {
                    best[a] = best[b] + weight[a];
                    prev[a] = b;
                }
            }
        }
        let mut out = Vec::new();
        let mut cur = (0..n).max_by(|&x, &y| best[x].cmp(&best[y]).then(y.cmp(&x)));
        while let Some(c) = cur {
            out.push(c);
            cur = (prev[c] != usize::MAX).then_some(prev[c]);
        }
        out
    }

    #[test]
    fn fenwick_moves_match_the_quadratic_programme() {
        let mut seed = 7u64;
        for n in [0, 1, 2, 3, 5, 8, 13, 40, 100] {
            for _ in 0..30 {
                let mut pos: Vec<usize> = (0..n).collect();
                for k in (1..n).rev() {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    pos.swap(k, (seed >> 33) as usize % (k + 1));
                }
                let weight: Vec<u64> = pos
                    .iter()
                    .map(|p| if (p * 7 + n) % 3 == 0 { 1 } else { 3 })
                    .collect();
                assert_eq!(
                    max_weight_increasing(&pos, &weight),
                    quadratic(&pos, &weight),
                    "{pos:?} {weight:?}"
                );
            }
        }
    }

    #[test]
    fn anchored_matching_finds_the_unchanged_sentences_of_a_long_list() {
        let a: Vec<u64> = (0..5_000).collect();
        let mut b = a.clone();
        b[100] = 1_000_000;
        b[2_500] = 1_000_001;
        b.insert(4_000, 1_000_002);
        let mut limits = Limits::default();
        let pairs = common_subsequence(&a, &b, &mut limits);
        assert_eq!(pairs.len(), 4_998);
        assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert!(
            limits
                .notes
                .iter()
                .any(|n| matches!(n, Simplification::LongDocument { .. }))
        );
    }

    #[test]
    fn short_lists_get_the_exact_lcs_and_no_note() {
        let a = [1, 2, 3, 4, 5];
        let b = [1, 3, 2, 4, 6, 5];
        let mut limits = Limits::default();
        let pairs = common_subsequence(&a, &b, &mut limits);
        assert_eq!(pairs.len(), 4);
        assert!(limits.notes.is_empty());
    }
}
