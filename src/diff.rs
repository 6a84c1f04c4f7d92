//! Sentence-level diff of two versions of an article body.
//!
//! A body is split into sentences (paragraph boundaries are sentence boundaries), the two
//! sentence lists are aligned — exact matches first (LCS), then leftovers paired by word-level
//! similarity into edits, merges and splits — and every matched pair whose relative order changed
//! is flagged as moved. Exact means "equal after normalising whitespace and typography", so a
//! curly-quote or dash swap never counts as an edit. Edited pairs carry a word diff from `similar`.
//! Everything here is pure and deterministic: the same two bodies always give the same revision.

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

mod bounds;
mod context;

pub use context::{Layout, render_in_context};

use bounds::{Gaps, Limits, MAX_ALL_PAIRS};
pub use bounds::{
    MAX_CLAIM_BYTES, MAX_SENTENCE_BYTES, Simplification, note as note_simplification,
};

/// Two unmatched sentences are the same sentence reworded when the Dice coefficient of their
/// word multisets reaches this. Measured on the fixtures: true rewordings (including attribution
/// moved to the front) score 0.55–1.0, unrelated sentences from the same article 0.05–0.35.
pub const EDIT_THRESHOLD: f64 = 0.5;

/// A merge/split must beat the one-to-one pairing by this much to be preferred.
const GROUP_GAIN: f64 = 0.08;

/// Word diffs give up (and approximate) after this; a pathological sentence must not stall a poll.
const WORD_DIFF_TIMEOUT: Duration = Duration::from_millis(200);

/// Kind of a run of words in a word diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordTag {
    Equal,
    Insert,
    Delete,
}

/// A run of text with one tag; consecutive tokens with the same tag are merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordChange {
    pub tag: WordTag,
    pub text: String,
}

/// One step of the alignment, in new-document order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SentenceOp {
    /// Same sentence, same relative position.
    Same {
        old_idx: usize,
        new_idx: usize,
        text: String,
    },
    /// The same sentence reworded. `moved` is set when it also changed relative position.
    Edited {
        old_idx: usize,
        new_idx: usize,
        old: String,
        new: String,
        words: Vec<WordChange>,
        moved: bool,
    },
    Added {
        new_idx: usize,
        text: String,
    },
    Removed {
        old_idx: usize,
        text: String,
    },
    /// Unchanged text whose relative position changed.
    Moved {
        old_idx: usize,
        new_idx: usize,
        text: String,
    },
    /// Several consecutive old sentences became one new sentence.
    Merged {
        old_idx: Vec<usize>,
        new_idx: usize,
        old: Vec<String>,
        new: String,
        words: Vec<WordChange>,
        moved: bool,
    },
    /// One old sentence became several consecutive new sentences.
    Split {
        old_idx: usize,
        new_idx: Vec<usize>,
        old: String,
        new: Vec<String>,
        words: Vec<WordChange>,
        moved: bool,
    },
}

impl SentenceOp {
    /// The old side as one text (merged parts joined by a space), if the op has one.
    pub fn old_text(&self) -> Option<String> {
        match self {
            SentenceOp::Same { text, .. }
            | SentenceOp::Moved { text, .. }
            | SentenceOp::Removed { text, .. } => Some(text.clone()),
            SentenceOp::Edited { old, .. } | SentenceOp::Split { old, .. } => Some(old.clone()),
            SentenceOp::Merged { old, .. } => Some(old.join(" ")),
            SentenceOp::Added { .. } => None,
        }
    }

    /// The new side as one text (split parts joined by a space), if the op has one.
    pub fn new_text(&self) -> Option<String> {
        match self {
            SentenceOp::Same { text, .. }
            | SentenceOp::Moved { text, .. }
            | SentenceOp::Added { text, .. } => Some(text.clone()),
            SentenceOp::Edited { new, .. } | SentenceOp::Merged { new, .. } => Some(new.clone()),
            SentenceOp::Split { new, .. } => Some(new.join(" ")),
            SentenceOp::Removed { .. } => None,
        }
    }

    /// Word diff of an edited, merged or split pair.
    pub fn words(&self) -> Option<&[WordChange]> {
        match self {
            SentenceOp::Edited { words, .. }
            | SentenceOp::Merged { words, .. }
            | SentenceOp::Split { words, .. } => Some(words),
            _ => None,
        }
    }

    fn is_reworded(&self) -> bool {
        self.words().is_some()
    }

    fn is_moved(&self) -> bool {
        match self {
            SentenceOp::Moved { .. } => true,
            SentenceOp::Edited { moved, .. }
            | SentenceOp::Merged { moved, .. }
            | SentenceOp::Split { moved, .. } => *moved,
            _ => false,
        }
    }
}

/// The alignment of two versions of a body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub ops: Vec<SentenceOp>,
    /// What was simplified to keep the diff within its limits; empty for normal articles.
    /// Reported beside the ops (`redline.diff` `simplified_reasons`), not inside them.
    #[serde(skip)]
    pub simplified: Vec<Simplification>,
}

impl Revision {
    pub fn added(&self) -> usize {
        self.count(|op| matches!(op, SentenceOp::Added { .. }))
    }

    pub fn removed(&self) -> usize {
        self.count(|op| matches!(op, SentenceOp::Removed { .. }))
    }

    /// Edited, merged and split pairs (a merge or split counts once).
    pub fn edited(&self) -> usize {
        self.count(SentenceOp::is_reworded)
    }

    /// Pairs whose relative order changed, whether or not they were also edited.
    pub fn moved(&self) -> usize {
        self.count(SentenceOp::is_moved)
    }

    /// True when nothing but whitespace, typography or order changed.
    pub fn is_cosmetic(&self) -> bool {
        self.ops
            .iter()
            .all(|op| matches!(op, SentenceOp::Same { .. } | SentenceOp::Moved { .. }))
    }

    fn count(&self, pred: impl Fn(&SentenceOp) -> bool) -> usize {
        self.ops.iter().filter(|op| pred(op)).count()
    }
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// Maps one typographic variant to its plain ASCII form. It is one char to one char so that
/// callers can map offsets in the normalised text back to the text as written.
pub fn normalize_char(c: char) -> char {
    match c {
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
        | '\u{2033}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2026}' => '.',
        '\u{00A0}' | '\u{2000}'..='\u{200B}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\t' | '\r' | '\n' => ' ',
        _ => c,
    }
}

/// Typography folded, whitespace collapsed, trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(normalize_char) {
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Key under which two sentences count as the same text: typography and whitespace folded,
/// and hyphens treated as spaces so that `light-years`/`light years` and spaced or unspaced
/// dashes compare equal.
pub fn sentence_key(s: &str) -> String {
    key_cow(s).into_owned()
}

fn key_cow(s: &str) -> Cow<'_, str> {
    // Fast path: printable ASCII with single inner spaces and no hyphens is its own key.
    // Separate simple passes vectorise; one clever loop does not.
    let plain_chunk = |c: &[u8]| {
        c.iter().fold(true, |ok, &b| {
            ok & (0x20..0x7f).contains(&b) & (b != b'-') & (b != b'`')
        })
    };
    let plain = s.as_bytes().chunks(32).all(plain_chunk)
        && !s.contains("  ")
        && !s.starts_with(' ')
        && !s.ends_with(' ');
    if plain {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(normalize_char) {
        let c = if c == '-' { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    Cow::Owned(out)
}

/// Whether two texts (e.g. titles) are equal after normalising whitespace and typography.
pub fn same_text(a: &str, b: &str) -> bool {
    sentence_key(a) == sentence_key(b)
}

// ---------------------------------------------------------------------------------------------
// Sentence splitting
// ---------------------------------------------------------------------------------------------

// The word lists below are `match`es on the lower-cased word: a linear case-insensitive scan
// of ~100 words for every period cost more than the rest of the sentence splitting.

/// Titles before a name: a period after them never ends a sentence.
fn is_title_abbrev(w: &str) -> bool {
    matches!(
        w,
        "mr" | "mrs"
            | "ms"
            | "dr"
            | "prof"
            | "sen"
            | "sens"
            | "rep"
            | "reps"
            | "gov"
            | "gen"
            | "col"
            | "lt"
            | "sgt"
            | "capt"
            | "cpl"
            | "maj"
            | "adm"
            | "cmdr"
            | "st"
            | "mt"
            | "rev"
            | "hon"
            | "det"
            | "insp"
            | "supt"
            | "fr"
            | "messrs"
            | "pres"
            | "atty"
            | "cmdt"
            | "brig"
    )
}

/// Abbreviations that precede a number (`No. 10`, `Jan. 5`, `p. 4`).
fn is_number_abbrev(w: &str) -> bool {
    matches!(
        w,
        "no" | "nos"
            | "p"
            | "pp"
            | "vol"
            | "fig"
            | "art"
            | "sec"
            | "ch"
            | "op"
            | "para"
            | "jan"
            | "feb"
            | "mar"
            | "apr"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
    )
}

/// Abbreviations that can end a sentence; they do only when a typical sentence opener follows.
fn is_ambiguous_abbrev(w: &str) -> bool {
    matches!(
        w,
        "inc"
            | "corp"
            | "co"
            | "ltd"
            | "llc"
            | "plc"
            | "bros"
            | "jr"
            | "sr"
            | "calif"
            | "ariz"
            | "fla"
            | "mass"
            | "wash"
            | "conn"
            | "colo"
            | "ill"
            | "mich"
            | "minn"
            | "tenn"
            | "tex"
            | "va"
            | "vs"
            | "etc"
            | "approx"
            | "dept"
            | "univ"
            | "est"
            | "ave"
            | "blvd"
            | "rd"
            | "mo"
            | "okla"
            | "ore"
            | "pa"
            | "wis"
            | "ky"
            | "la"
            | "md"
            | "nev"
            | "ga"
            | "ala"
            | "ark"
            | "del"
            | "ind"
            | "kan"
            | "neb"
    )
}

/// Words that typically open a sentence; used to decide whether `U.S.` or `Inc.` ended one.
#[rustfmt::skip]
fn is_sentence_opener(w: &str) -> bool {
    matches!(
        w,
        "the" | "a" | "an" | "it" | "its" | "it's" | "he" | "she" | "they" | "we" | "i" | "in"
        | "on" | "at" | "but" | "and" | "this" | "that" | "these" | "those" | "there" | "his"
        | "her" | "their" | "our" | "my" | "you" | "however" | "meanwhile" | "after" | "before"
        | "when" | "while" | "if" | "as" | "according" | "some" | "many" | "most" | "for"
        | "from" | "with" | "by" | "both" | "all" | "so" | "yet" | "still" | "then" | "also"
        | "last" | "earlier" | "later" | "since" | "until" | "such" | "despite" | "although"
        | "though" | "what" | "who" | "why" | "how" | "where" | "one" | "no" | "not" | "instead"
        | "officials" | "police"
    )
}

/// Whether `word`, lower-cased, is in the list `is_in`. Every listed word is ASCII and at most
/// nine bytes long, so longer or non-ASCII words are rejected without lower-casing them.
fn listed(is_in: fn(&str) -> bool, word: &str) -> bool {
    let mut buf = [0u8; 9];
    let Some(slot) = buf.get_mut(..word.len()) else {
        return false;
    };
    if !word.is_ascii() {
        return false;
    }
    slot.copy_from_slice(word.as_bytes());
    slot.make_ascii_lowercase();
    std::str::from_utf8(slot).is_ok_and(is_in)
}

/// Split a normalised body (paragraphs separated by blank lines) into sentences.
pub fn split_sentences(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_paragraph(body, |p| split_paragraph(p, &mut out));
    out
}

/// Calls `f` with each paragraph, internal line breaks and runs of white space collapsed to
/// one space. Most paragraphs are one clean line and are passed as they are, not copied.
fn for_each_paragraph(body: &str, mut f: impl FnMut(&str)) {
    let mut current = String::new();
    // The paragraph while it is still a single line of `body`.
    let mut single: Option<&str> = None;
    let mut flush = |single: &mut Option<&str>, current: &mut String| {
        if let Some(line) = single.take() {
            f(&collapse_spaces(Cow::Borrowed(line)));
        } else if !current.is_empty() {
            f(&collapse_spaces(Cow::Borrowed(current.as_str())));
            current.clear();
        }
    };
    for line in body.lines() {
        let line = line.trim();
        if line.is_empty() {
            flush(&mut single, &mut current);
            continue;
        }
        match single.take() {
            None if current.is_empty() => single = Some(line),
            first => {
                if let Some(first) = first {
                    current.push_str(first);
                }
                current.push(' ');
                current.push_str(line);
            }
        }
    }
    flush(&mut single, &mut current);
}

/// Runs of white space become one space; a lone non-breaking space is kept as written.
fn collapse_spaces(s: Cow<'_, str>) -> Cow<'_, str> {
    // A byte scan: these are ASCII, and a char-set `contains` decodes every char.
    let clean = !s.contains("  ") && !s.bytes().any(|b| matches!(b, b'\t' | b'\r' | b'\n'));
    if clean {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            if run.chars().count() == 1 {
                out.push_str(&run);
            } else {
                out.push(' ');
            }
            run.clear();
        }
        out.push(c);
    }
    Cow::Owned(out)
}

fn is_open_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}' | '\u{201E}' | '\u{00AB}' | '\'' | '\u{2018}'
    )
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201D}' | '\u{201C}' | '\u{00BB}' | '\'' | '\u{2019}' | ')' | ']'
    )
}

/// Pairs of (open, close) positions of double quotations, in the units of `marks` (char index
/// or byte offset). An opening mark that is never closed is ignored unless `close_at_end` (a
/// quotation running on into the next paragraph, as wire style allows), in which case it closes
/// at `end`: when splitting, a stray quote must not swallow a paragraph.
pub(crate) fn quote_spans(
    marks: impl Iterator<Item = (usize, char)>,
    close_at_end: Option<usize>,
) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in marks {
        let kind = match c {
            '\u{201C}' | '\u{201E}' | '\u{00AB}' => QuoteMark::Open,
            '\u{201D}' | '\u{00BB}' => QuoteMark::Close,
            '"' => QuoteMark::Either,
            _ => continue,
        };
        match (open, kind) {
            (None, QuoteMark::Open | QuoteMark::Either) => open = Some(i),
            (Some(o), QuoteMark::Close | QuoteMark::Either) => {
                spans.push((o, i));
                open = None;
            }
            _ => {}
        }
    }
    if let (Some(o), Some(end)) = (open, close_at_end) {
        spans.push((o, end));
    }
    spans
}

enum QuoteMark {
    Open,
    Close,
    Either,
}

/// Byte offset of the next sentence terminator (`.`, `!`, `?`, `…`) at or after `from`.
/// Sentences are short, and a regex search per sentence cost more in setup than in scanning;
/// blocks without a candidate byte are skipped with a check that vectorises.
fn next_terminator(p: &str, from: usize) -> Option<usize> {
    const BLOCK: usize = 16;
    let bytes = p.as_bytes();
    let candidate = |b: u8| (b == b'.') | (b == b'!') | (b == b'?') | (b == 0xE2);
    let mut k = from;
    while k < bytes.len() {
        if let Some(block) = bytes.get(k..k + BLOCK)
            && !block.iter().fold(false, |any, &b| any | candidate(b))
        {
            k += BLOCK;
            continue;
        }
        let b = bytes[k];
        if matches!(b, b'.' | b'!' | b'?')
            || (b == 0xE2 && bytes.get(k + 1..k + 3) == Some(&[0x80, 0xA6][..]))
        {
            return Some(k);
        }
        k += 1;
    }
    None
}

fn split_paragraph(p: &str, out: &mut Vec<String>) {
    let spans = quote_spans(quote_marks(p), None);
    let (mut start, mut from) = (0, 0);
    while let Some(at) = next_terminator(p, from) {
        match boundary_at(p, at, &spans) {
            Some((end, next)) => {
                push_sentence(&p[start..end], out);
                start = next;
                from = next;
            }
            // The rest of a run of terminators (`....`) cannot end a sentence when its first
            // one does not (the same closers, space and next word follow each), so skip the
            // run: scanning it from every dot was quadratic in the run's length.
            None => from = skip_while(p, at, is_terminator),
        }
    }
    if start < p.len() {
        push_sentence(&p[start..], out);
    }
}

/// Byte offsets of the double-quote marks of a paragraph: `"`, `“`, `”`, `„`, `«` and `»`.
/// A byte scan: a regex search per paragraph cost more in setup than the scan itself.
fn quote_marks(p: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = p.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| match b {
        b'"' => Some((i, '"')),
        0xE2 => match bytes.get(i + 1..i + 3)? {
            [0x80, 0x9C] => Some((i, '\u{201C}')),
            [0x80, 0x9D] => Some((i, '\u{201D}')),
            [0x80, 0x9E] => Some((i, '\u{201E}')),
            _ => None,
        },
        0xC2 => match bytes.get(i + 1)? {
            0xAB => Some((i, '\u{00AB}')),
            0xBB => Some((i, '\u{00BB}')),
            _ => None,
        },
        _ => None,
    })
}

fn push_sentence(s: &str, out: &mut Vec<String>) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\u{2026}')
}

/// Byte offset after the run of chars matching `pred` from `from`.
fn skip_while(p: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    p[from..]
        .char_indices()
        .find(|&(_, c)| !pred(c))
        .map_or(p.len(), |(k, _)| from + k)
}

/// If a sentence ends with the terminator at byte `i`, returns (end of this sentence, start
/// of the next one), both byte offsets.
fn boundary_at(p: &str, i: usize, spans: &[(usize, usize)]) -> Option<(usize, usize)> {
    let after_terms = skip_while(p, i, is_terminator);
    let j = skip_while(p, after_terms, is_closer);
    let k = skip_while(p, j, char::is_whitespace);
    let next = p[k..].chars().next()?;
    if k == j
        || !(next.is_uppercase() || next.is_ascii_digit() || is_open_quote(next) || next == '(')
    {
        return None;
    }
    if inside_quote(i, j, spans) {
        return None;
    }
    // Only a lone period can be an abbreviation's; `...` and `."` end sentences.
    if &p[i..j] == "." && !period_ends_sentence(p, i, k) {
        return None;
    }
    Some((j, k))
}

/// A terminator inside a quotation does not end the sentence unless the quotation closes
/// right after it (`… done." The next`).
fn inside_quote(i: usize, j: usize, spans: &[(usize, usize)]) -> bool {
    // Spans are sorted and disjoint, so only the last one opening before `i` can hold it; a
    // linear scan per terminator was quadratic in a paragraph full of quotations.
    let k = spans.partition_point(|&(open, _)| open < i);
    k > 0 && {
        let (_, close) = spans[k - 1];
        i < close && close >= j
    }
}

/// Decides whether the period at byte `i` ends a sentence, given the next one would start at `k`.
fn period_ends_sentence(p: &str, i: usize, k: usize) -> bool {
    let token = word_before(p, i);
    if token.is_empty() || token.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let bare = token.trim_end_matches('.');
    // No abbreviation in the lists is longer than six letters: skip the lookups for words.
    if bare.len() > 6 && !bare.contains('.') {
        return true;
    }
    let next_char = p[k..].chars().next().unwrap_or(' ');
    let next_is_digit = next_char.is_ascii_digit();
    let opener = || !next_char.is_alphanumeric() || listed(is_sentence_opener, word_at(p, k));
    if listed(is_title_abbrev, bare) {
        return false;
    }
    if listed(is_number_abbrev, bare) {
        return !next_is_digit && opener();
    }
    let is_initial = bare.chars().count() == 1 && bare.chars().all(char::is_alphabetic);
    let dotted = bare.contains('.');
    if is_initial || dotted || listed(is_ambiguous_abbrev, bare) {
        return !next_is_digit && opener();
    }
    true
}

/// The token ending just before byte `i`, without leading brackets or quotes.
fn word_before(p: &str, i: usize) -> &str {
    let s = p[..i]
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(0, |(w, c)| w + c.len_utf8());
    p[s..i].trim_start_matches(|c: char| !c.is_alphanumeric())
}

fn word_at(p: &str, k: usize) -> &str {
    let t = p[k..].trim_start_matches(|c: char| !c.is_alphanumeric());
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '\''))
        .unwrap_or(t.len());
    &t[..end]
}

// ---------------------------------------------------------------------------------------------
// Alignment
// ---------------------------------------------------------------------------------------------

/// Diff two bodies sentence by sentence.
pub fn revision(old_body: &str, new_body: &str) -> Revision {
    revision_from_sentences(split_sentences(old_body), split_sentences(new_body))
}

/// A matched group of old and new sentences (1:1, n:1 or 1:n).
#[derive(Debug, Clone)]
struct Group {
    old: Vec<usize>,
    new: Vec<usize>,
    exact: bool,
    score: f64,
}

/// Align already split sentence lists. The work is bounded (see `bounds`): past the limits
/// the revision is simplified, and `Revision::simplified` says how.
pub fn revision_from_sentences(old: Vec<String>, new: Vec<String>) -> Revision {
    let mut limits = Limits::default();
    let groups = align(&old, &new, &mut limits);
    let moved = moved_flags(&groups);
    let mut rev = build_ops(old, new, &groups, &moved, &mut limits);
    rev.simplified = limits.notes;
    rev
}

fn align(old: &[String], new: &[String], limits: &mut Limits) -> Vec<Group> {
    let old_keys: Vec<Cow<str>> = old.iter().map(|s| key_cow(s)).collect();
    let new_keys: Vec<Cow<str>> = new.iter().map(|s| key_cow(s)).collect();
    let (mut groups, lcs) = exact_groups(&old_keys, &new_keys, limits);
    let gaps = Gaps::new(&lcs, old.len(), new.len());
    let mut old_used = used_mask(old.len(), groups.iter().flat_map(|g| g.old.iter()));
    let mut new_used = used_mask(new.len(), groups.iter().flat_map(|g| g.new.iter()));
    let old_bags = bags_of_unmatched(&old_keys, &old_used);
    let new_bags = bags_of_unmatched(&new_keys, &new_used);
    let mut pairer = Pairer {
        old_bags: &old_bags,
        new_bags: &new_bags,
        old_used: &mut old_used,
        new_used: &mut new_used,
        groups: &mut groups,
        gaps: &gaps,
        limits,
    };
    pairer.pair_similar();
    pairer.pair_unmatched_groups();
    pairer.extend_groups();
    groups
}

/// Word bags only where alignment still needs them; exact matches are the bulk of a revision.
fn bags_of_unmatched(keys: &[Cow<str>], used: &[bool]) -> Vec<Vec<BagWord>> {
    keys.iter()
        .zip(used)
        .map(|(k, &u)| if u { Vec::new() } else { word_bag(k) })
        .collect()
}

fn used_mask<'a>(len: usize, used: impl Iterator<Item = &'a usize>) -> Vec<bool> {
    let mut mask = vec![false; len];
    for &i in used {
        mask[i] = true;
    }
    mask
}

/// Exact matches: the LCS first, then identical sentences that moved. Also returns the LCS
/// pairs, whose gaps bound the search for rewordings in long documents.
fn exact_groups(
    old: &[Cow<str>],
    new: &[Cow<str>],
    limits: &mut Limits,
) -> (Vec<Group>, Vec<(usize, usize)>) {
    let mut pairs = lcs_pairs(old, new, limits);
    let lcs = pairs.clone();
    let mut old_used = used_mask(old.len(), pairs.iter().map(|(o, _)| o));
    let mut by_key: HashMap<&str, VecDeque<usize>> = HashMap::new();
    let new_used = used_mask(new.len(), pairs.iter().map(|(_, n)| n));
    for (j, key) in new.iter().enumerate().filter(|(j, _)| !new_used[*j]) {
        by_key.entry(key.as_ref()).or_default().push_back(j);
    }
    for (i, key) in old.iter().enumerate() {
        if old_used[i] {
            continue;
        }
        if let Some(j) = by_key.get_mut(key.as_ref()).and_then(VecDeque::pop_front) {
            pairs.push((i, j));
            old_used[i] = true;
        }
    }
    let groups = pairs
        .into_iter()
        .map(|(o, n)| Group {
            old: vec![o],
            new: vec![n],
            exact: true,
            score: 1.0,
        })
        .collect();
    (groups, lcs)
}

/// Longest common subsequence of sentence keys: exact Myers (O(N·D), cheap when few sentences
/// changed) over key hashes, anchored first in long documents (`bounds::common_subsequence`),
/// each pair then confirmed on the text.
fn lcs_pairs(old: &[Cow<str>], new: &[Cow<str>], limits: &mut Limits) -> Vec<(usize, usize)> {
    let a: Vec<u64> = old.iter().map(|s| hash_of(s)).collect();
    let b: Vec<u64> = new.iter().map(|s| hash_of(s)).collect();
    bounds::common_subsequence(&a, &b, limits)
        .into_iter()
        .filter(|&(i, j)| old[i] == new[j])
        .collect()
}

/// A fast non-cryptographic hash (FxHash's mixing, eight bytes at a time). Only a hint for the
/// LCS: every pair it finds is confirmed on the text, and SipHash cost more than the LCS.
fn hash_of(s: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut chunks = s.as_bytes().chunks_exact(8);
    let mut h = mix(0, s.len() as u64);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = mix(h, u64::from_le_bytes(w));
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(h, u64::from_le_bytes(w))
}

/// Number words folded into the `#` token together with digits.
fn is_number_word(w: &str) -> bool {
    matches!(
        w,
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "eleven"
            | "twelve"
            | "twenty"
            | "thirty"
            | "forty"
            | "fifty"
            | "hundred"
            | "thousand"
            | "million"
            | "billion"
    )
}

/// A bag's word: the hash of its lower-case form. Bags are only counted against each other,
/// so a hash serves as well as the word and sorts and compares without allocating; a
/// collision (1 in 2^64 per pair of words) could only nudge a similarity score.
type BagWord = u64;

/// Sorted lower-case words of a sentence key; the unit of the similarity measure. Numbers
/// all become `#`: an updated figure is the edit we most want to pair, so it must not make two
/// versions of a short sentence look unrelated (`Prices rose 5%.` / `Prices fell 4%.`).
fn word_bag(key: &str) -> Vec<BagWord> {
    let number = hash_of("#");
    let mut lower = String::new();
    let mut words: Vec<BagWord> = key
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.bytes().any(|b| b.is_ascii_digit()) {
                return number;
            }
            let w = if !w.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                w
            } else {
                lower.clear();
                if w.is_ascii() {
                    lower.push_str(w);
                    lower.make_ascii_lowercase();
                } else {
                    // str's own lower-casing: it knows the word-final sigma.
                    lower.push_str(&w.to_lowercase());
                }
                lower.as_str()
            };
            if is_number_word(w) {
                number
            } else {
                hash_of(w)
            }
        })
        .collect();
    words.sort_unstable();
    words
}

/// Dice coefficient of two sorted word multisets. Order-insensitive on purpose: moving the
/// attribution to the front of a sentence is a rewording, not a different sentence.
pub(crate) fn dice(a: &[BagWord], b: &[BagWord]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Word-level similarity of two sentences, as used by the aligner.
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&word_bag(&sentence_key(a)), &word_bag(&sentence_key(b)))
}

fn merged_bag(bags: &[Vec<BagWord>], idx: &[usize]) -> Vec<BagWord> {
    let mut out: Vec<BagWord> = idx.iter().flat_map(|&i| bags[i].iter().copied()).collect();
    out.sort_unstable();
    out
}

struct Pairer<'a> {
    old_bags: &'a [Vec<BagWord>],
    new_bags: &'a [Vec<BagWord>],
    old_used: &'a mut Vec<bool>,
    new_used: &'a mut Vec<bool>,
    groups: &'a mut Vec<Group>,
    gaps: &'a Gaps,
    limits: &'a mut Limits,
}

impl Pairer<'_> {
    /// Whether every free old sentence can be compared with every free new one (`passes`
    /// times over), as the full algorithm does: within `MAX_ALL_PAIRS` and the similarity
    /// budget. If so the work is spent; if not, the caller compares only near sentences.
    fn compare_all(&mut self, olds: &[usize], news: &[usize], passes: u64) -> bool {
        let words = |bags: &[Vec<BagWord>], idx: &[usize]| -> u64 {
            idx.iter().map(|&i| bags[i].len() as u64).sum()
        };
        let pairs = olds.len().saturating_mul(news.len());
        let work = passes.saturating_mul(
            words(self.old_bags, olds)
                .saturating_mul(news.len() as u64)
                .saturating_add(words(self.new_bags, news).saturating_mul(olds.len() as u64)),
        );
        if pairs <= MAX_ALL_PAIRS && work <= self.limits.fuzzy_work {
            self.limits.fuzzy_work -= work;
            return true;
        }
        self.limits.note(Simplification::ManyUnmatched {
            old: olds.len(),
            new: news.len(),
        });
        false
    }

    fn free_old(&self) -> Vec<usize> {
        (0..self.old_used.len())
            .filter(|&i| !self.old_used[i])
            .collect()
    }

    fn free_new(&self) -> Vec<usize> {
        (0..self.new_used.len())
            .filter(|&j| !self.new_used[j])
            .collect()
    }

    fn push(&mut self, old: Vec<usize>, new: Vec<usize>, score: f64) {
        for &i in &old {
            self.old_used[i] = true;
        }
        for &j in &new {
            self.new_used[j] = true;
        }
        self.groups.push(Group {
            old,
            new,
            exact: false,
            score,
        });
    }

    /// Greedy one-to-one pairing, best score first; ties go to the closer, earlier pair so the
    /// result does not depend on hash order.
    fn pair_similar(&mut self) {
        let mut cands = Vec::new();
        let (olds, news) = (self.free_old(), self.free_new());
        if self.compare_all(&olds, &news, 1) {
            for &i in &olds {
                for &j in &news {
                    let s = dice(&self.old_bags[i], &self.new_bags[j]);
                    if s >= EDIT_THRESHOLD {
                        cands.push((s, i, j));
                    }
                }
            }
        } else {
            'all: for (i, near) in self.gaps.near(true, &olds, &news) {
                for j in near {
                    let cost = (self.old_bags[i].len() + self.new_bags[j].len()) as u64;
                    if !self.limits.spend_fuzzy(cost) {
                        break 'all;
                    }
                    let s = dice(&self.old_bags[i], &self.new_bags[j]);
                    if s >= EDIT_THRESHOLD {
                        cands.push((s, i, j));
                    }
                }
            }
        }
        cands.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(a.1.abs_diff(a.2).cmp(&b.1.abs_diff(b.2)))
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        for (s, i, j) in cands {
            if !self.old_used[i] && !self.new_used[j] {
                self.push(vec![i], vec![j], s);
            }
        }
    }

    /// Unmatched old sentence ↔ two adjacent unmatched new ones (split), and the reverse.
    fn pair_unmatched_groups(&mut self) {
        let (olds, news) = (self.free_old(), self.free_new());
        if !self.compare_all(&olds, &news, 2) {
            self.pair_near_groups(&olds, &news);
            return;
        }
        for i in self.free_old() {
            let free = self.free_new();
            let best = adjacent_pairs(&free)
                .map(|(a, b)| {
                    (
                        dice(&self.old_bags[i], &merged_bag(self.new_bags, &[a, b])),
                        a,
                        b,
                    )
                })
                .filter(|c| c.0 >= EDIT_THRESHOLD)
                .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
            if let Some((s, a, b)) = best {
                self.push(vec![i], vec![a, b], s);
            }
        }
        for j in self.free_new() {
            let free = self.free_old();
            let best = adjacent_pairs(&free)
                .map(|(a, b)| {
                    (
                        dice(&merged_bag(self.old_bags, &[a, b]), &self.new_bags[j]),
                        a,
                        b,
                    )
                })
                .filter(|c| c.0 >= EDIT_THRESHOLD)
                .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
            if let Some((s, a, b)) = best {
                self.push(vec![a, b], vec![j], s);
            }
        }
    }

    /// `pair_unmatched_groups` for long documents: each free sentence is tried only against
    /// the adjacent free pairs near its place, within the similarity budget.
    fn pair_near_groups(&mut self, olds: &[usize], news: &[usize]) {
        let near = self.gaps.near(true, olds, news);
        'splits: for (i, cands) in near {
            let free: Vec<usize> = cands.into_iter().filter(|&j| !self.new_used[j]).collect();
            let mut best: Option<(f64, usize, usize)> = None;
            for (a, b) in adjacent_pairs(&free) {
                let cost = self.old_bags[i].len() + self.new_bags[a].len() + self.new_bags[b].len();
                if !self.limits.spend_fuzzy(2 * cost as u64) {
                    break 'splits;
                }
                let s = dice(&self.old_bags[i], &merged_bag(self.new_bags, &[a, b]));
                consider_group(&mut best, (s, a, b));
            }
            if let Some((s, a, b)) = best {
                self.push(vec![i], vec![a, b], s);
            }
        }
        let (olds, news) = (self.free_old(), self.free_new());
        let near = self.gaps.near(false, &news, &olds);
        'merges: for (j, cands) in near {
            let free: Vec<usize> = cands.into_iter().filter(|&i| !self.old_used[i]).collect();
            let mut best: Option<(f64, usize, usize)> = None;
            for (a, b) in adjacent_pairs(&free) {
                let cost = self.new_bags[j].len() + self.old_bags[a].len() + self.old_bags[b].len();
                if !self.limits.spend_fuzzy(2 * cost as u64) {
                    break 'merges;
                }
                let s = dice(&merged_bag(self.old_bags, &[a, b]), &self.new_bags[j]);
                consider_group(&mut best, (s, a, b));
            }
            if let Some((s, a, b)) = best {
                self.push(vec![a, b], vec![j], s);
            }
        }
    }

    /// An edited pair absorbs an adjacent leftover sentence when that makes it clearly more
    /// similar: "A, and B." → "A." + "B." is a split, not an edit plus an addition.
    fn extend_groups(&mut self) {
        let mut changed = true;
        while changed {
            changed = false;
            for g in 0..self.groups.len() {
                changed |= self.try_extend(g);
            }
        }
    }

    fn try_extend(&mut self, g: usize) -> bool {
        let group = &self.groups[g];
        if group.exact {
            return false;
        }
        let mut best: Option<(f64, bool, usize)> = None;
        if group.old.len() == 1 {
            for j in neighbours(&group.new, self.new_used) {
                let mut news = group.new.clone();
                news.push(j);
                news.sort_unstable();
                let s = dice(
                    &merged_bag(self.old_bags, &group.old),
                    &merged_bag(self.new_bags, &news),
                );
                consider(&mut best, (s, true, j));
            }
        }
        if group.new.len() == 1 {
            for i in neighbours(&group.old, self.old_used) {
                let mut olds = group.old.clone();
                olds.push(i);
                olds.sort_unstable();
                let s = dice(
                    &merged_bag(self.old_bags, &olds),
                    &merged_bag(self.new_bags, &group.new),
                );
                consider(&mut best, (s, false, i));
            }
        }
        match best {
            Some((s, is_new, idx)) if s >= group.score + GROUP_GAIN => {
                let group = &mut self.groups[g];
                let side = if is_new {
                    &mut group.new
                } else {
                    &mut group.old
                };
                side.push(idx);
                side.sort_unstable();
                group.score = s;
                if is_new {
                    self.new_used[idx] = true;
                } else {
                    self.old_used[idx] = true;
                }
                true
            }
            _ => false,
        }
    }
}

/// Keeps the best candidate at or over the threshold; on a tie the earlier one (as `max_by`
/// with the index reversed does in `pair_unmatched_groups`).
fn consider_group(best: &mut Option<(f64, usize, usize)>, cand: (f64, usize, usize)) {
    if cand.0 >= EDIT_THRESHOLD
        && best.is_none_or(|b| cand.0.total_cmp(&b.0).then(b.1.cmp(&cand.1)).is_ge())
    {
        *best = Some(cand);
    }
}

fn consider(best: &mut Option<(f64, bool, usize)>, cand: (f64, bool, usize)) {
    if best.is_none_or(|b| cand.0 > b.0) {
        *best = Some(cand);
    }
}

fn adjacent_pairs(free: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    free.windows(2)
        .filter(|w| w[1] == w[0] + 1)
        .map(|w| (w[0], w[1]))
}

/// Unused indices directly before or after a contiguous run.
fn neighbours(run: &[usize], used: &[bool]) -> Vec<usize> {
    let (Some(&first), Some(&last)) = (run.first(), run.last()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if first > 0 && !used[first - 1] {
        out.push(first - 1);
    }
    if last + 1 < used.len() && !used[last + 1] {
        out.push(last + 1);
    }
    out
}

/// Flags the groups outside a maximum-weight increasing subsequence (by old then new position)
/// as moved. Exact matches weigh more so that, when two sentences swap and one is also edited,
/// the edited one is the one reported as moved.
fn moved_flags(groups: &[Group]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| (groups[g].old[0], groups[g].new[0]));
    let new_pos: Vec<usize> = order.iter().map(|&g| groups[g].new[0]).collect();
    let weight: Vec<u64> = order
        .iter()
        .map(|&g| if groups[g].exact { 3 } else { 1 })
        .collect();
    let mut moved = vec![true; groups.len()];
    for c in bounds::max_weight_increasing(&new_pos, &weight) {
        moved[order[c]] = false;
    }
    moved
}

fn build_ops(
    mut old: Vec<String>,
    mut new: Vec<String>,
    groups: &[Group],
    moved: &[bool],
    limits: &mut Limits,
) -> Revision {
    // (slot, tiebreak, op): matched/added ops sit at odd slots 2j+1 by new position, removed
    // ones at the even slot right after the op holding the preceding old sentence.
    let mut keyed: Vec<(usize, usize, SentenceOp)> = Vec::new();
    let mut old_slot = vec![None; old.len()];
    for (g, group) in groups.iter().enumerate() {
        let slot = 2 * group.new[0] + 1;
        for &i in &group.old {
            old_slot[i] = Some(slot);
        }
        keyed.push((
            slot,
            0,
            group_op(&mut old, &mut new, group, moved[g], limits),
        ));
    }
    let matched_new = used_mask(new.len(), groups.iter().flat_map(|g| g.new.iter()));
    for (j, text) in new.iter_mut().enumerate().filter(|(j, _)| !matched_new[*j]) {
        let op = SentenceOp::Added {
            new_idx: j,
            text: std::mem::take(text),
        };
        keyed.push((2 * j + 1, 0, op));
    }
    let mut last_slot = 0;
    for (i, text) in old.iter_mut().enumerate() {
        match old_slot[i] {
            Some(s) => last_slot = s + 1,
            None => keyed.push((
                last_slot,
                i + 1,
                SentenceOp::Removed {
                    old_idx: i,
                    text: std::mem::take(text),
                },
            )),
        }
    }
    keyed.sort_by_key(|(slot, tie, _)| (*slot, *tie));
    Revision {
        ops: keyed.into_iter().map(|(_, _, op)| op).collect(),
        simplified: Vec::new(),
    }
}

/// Builds the op of one group, moving the sentence texts out of the lists (each sentence
/// belongs to exactly one group).
fn group_op(
    old: &mut [String],
    new: &mut [String],
    g: &Group,
    moved: bool,
    limits: &mut Limits,
) -> SentenceOp {
    let (o, n) = (g.old[0], g.new[0]);
    if g.exact {
        let text = std::mem::take(&mut new[n]);
        return if moved {
            SentenceOp::Moved {
                old_idx: o,
                new_idx: n,
                text,
            }
        } else {
            SentenceOp::Same {
                old_idx: o,
                new_idx: n,
                text,
            }
        };
    }
    let olds: Vec<String> = g.old.iter().map(|&i| std::mem::take(&mut old[i])).collect();
    let news: Vec<String> = g.new.iter().map(|&j| std::mem::take(&mut new[j])).collect();
    let words = bounded_word_diff(&olds.join(" "), &news.join(" "), limits);
    match (olds.len(), news.len()) {
        (1, 1) => SentenceOp::Edited {
            old_idx: o,
            new_idx: n,
            old: olds.join(" "),
            new: news.join(" "),
            words,
            moved,
        },
        (_, 1) => SentenceOp::Merged {
            old_idx: g.old.clone(),
            new_idx: n,
            old: olds,
            new: news.join(" "),
            words,
            moved,
        },
        _ => SentenceOp::Split {
            old_idx: o,
            new_idx: g.new.clone(),
            old: olds.join(" "),
            new: news,
            words,
            moved,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Word diff
// ---------------------------------------------------------------------------------------------

/// Word diff (Unicode word boundaries, Patience, with a deadline). Runs of deletions and
/// insertions separated only by white space are merged into one hunk so that
/// `less than` → `about` reads as one replacement, not three.
pub fn word_diff(old: &str, new: &str) -> Vec<WordChange> {
    bounded_word_diff(old, new, &mut Limits::default())
}

/// `word_diff` within the revision's limits: a changed middle longer than
/// `MAX_SENTENCE_BYTES`, or one that would overrun the word-diff budget, is shown as one
/// deletion and one insertion (noted as a simplification) instead of word by word.
fn bounded_word_diff(old: &str, new: &str, limits: &mut Limits) -> Vec<WordChange> {
    // Most edits touch a few words: diff only the middle between the common prefix and suffix
    // (cut at white space so no word is split), which keeps tokenising off the hot path.
    let (pre, suf) = common_affixes(old, new);
    let (mid_old, mid_new) = (&old[pre..old.len() - suf], &new[pre..new.len() - suf]);
    let mut out = Vec::new();
    push_run(&mut out, WordTag::Equal, &old[..pre]);
    let longest = mid_old.len().max(mid_new.len());
    let cost = token_estimate(mid_old).saturating_mul(token_estimate(mid_new));
    if longest > MAX_SENTENCE_BYTES {
        limits.note(Simplification::LongSentences { longest });
        push_run(&mut out, WordTag::Delete, mid_old);
        push_run(&mut out, WordTag::Insert, mid_new);
    } else if cost > limits.word_work {
        limits.note(Simplification::WordDiffBudget);
        push_run(&mut out, WordTag::Delete, mid_old);
        push_run(&mut out, WordTag::Insert, mid_new);
    } else {
        limits.word_work -= cost;
        for w in diff_middle(mid_old, mid_new) {
            push_run(&mut out, w.tag, &w.text);
        }
    }
    push_run(&mut out, WordTag::Equal, &old[old.len() - suf..]);
    out.retain(|w| !w.text.is_empty());
    out
}

/// At least the number of Unicode word-boundary tokens of `s` (every non-alphanumeric char is
/// at most one token, every run of alphanumerics one), counted without segmenting.
fn token_estimate(s: &str) -> u64 {
    let mut n = 0u64;
    let mut in_word = false;
    for c in s.chars() {
        let w = c.is_alphanumeric();
        if !w || !in_word {
            n += 1;
        }
        in_word = w;
    }
    n
}

/// Byte lengths of the common prefix and suffix, each ending/starting just after/before white
/// space, and never overlapping.
fn common_affixes(a: &str, b: &str) -> (usize, usize) {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let raw_pre = ab.iter().zip(bb).take_while(|(x, y)| x == y).count();
    let pre = ab[..raw_pre]
        .iter()
        .rposition(|c| c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let max_suf = ab.len().min(bb.len()) - pre;
    let raw_suf = ab
        .iter()
        .rev()
        .zip(bb.iter().rev())
        .take(max_suf)
        .take_while(|(x, y)| x == y)
        .count();
    let suf = ab[ab.len() - raw_suf..]
        .iter()
        .position(|c| c.is_ascii_whitespace())
        .map_or(0, |i| raw_suf - i);
    (pre, suf)
}

fn diff_middle(old: &str, new: &str) -> Vec<WordChange> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(WORD_DIFF_TIMEOUT)
        .diff_unicode_words(old, new);
    let tokens: Vec<(ChangeTag, &str)> = diff
        .iter_all_changes()
        .map(|c| (c.tag(), c.value()))
        .collect();
    let mut out = Vec::new();
    let (mut del, mut ins) = (String::new(), String::new());
    for (k, &(tag, text)) in tokens.iter().enumerate() {
        match tag {
            ChangeTag::Delete => del.push_str(text),
            ChangeTag::Insert => ins.push_str(text),
            ChangeTag::Equal => {
                let pending = !del.is_empty() || !ins.is_empty();
                let next_changes = tokens
                    .get(k + 1)
                    .is_some_and(|(t, _)| *t != ChangeTag::Equal);
                if pending && next_changes && text.trim().is_empty() {
                    absorb_space(&mut del, &mut ins, text);
                    continue;
                }
                flush_hunk(&mut out, &mut del, &mut ins);
                push_run(&mut out, WordTag::Equal, text);
            }
        }
    }
    flush_hunk(&mut out, &mut del, &mut ins);
    out
}

fn absorb_space(del: &mut String, ins: &mut String, space: &str) {
    if !del.is_empty() {
        del.push_str(space);
    }
    if !ins.is_empty() {
        ins.push_str(space);
    }
}

fn flush_hunk(out: &mut Vec<WordChange>, del: &mut String, ins: &mut String) {
    if !del.is_empty() {
        push_run(out, WordTag::Delete, del);
    }
    if !ins.is_empty() {
        push_run(out, WordTag::Insert, ins);
    }
    del.clear();
    ins.clear();
}

fn push_run(out: &mut Vec<WordChange>, tag: WordTag, text: &str) {
    if let Some(last) = out.last_mut()
        && last.tag == tag
    {
        last.text.push_str(text);
        return;
    }
    out.push(WordChange {
        tag,
        text: text.to_string(),
    });
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

fn deleted(text: &str, color: bool) -> String {
    if color {
        format!("{RED}[-{text}-]{RESET}")
    } else {
        format!("[-{text}-]")
    }
}

fn inserted(text: &str, color: bool) -> String {
    if color {
        format!("{GREEN}{{+{text}+}}{RESET}")
    } else {
        format!("{{+{text}+}}")
    }
}

fn inline_words(words: &[WordChange], color: bool) -> String {
    words
        .iter()
        .map(|w| match w.tag {
            WordTag::Equal => w.text.clone(),
            WordTag::Delete => deleted(&w.text, color),
            WordTag::Insert => inserted(&w.text, color),
        })
        .collect()
}

/// Inline word diff of the whole body, one sentence per line: `[-old-]{+new+}` (ANSI red and
/// green when `color`). Unchanged and moved sentences are printed as they are.
pub fn render_words(rev: &Revision, color: bool) -> String {
    render_in_context(rev, Layout::Words, color, None)
}

fn word_line(op: &SentenceOp, color: bool) -> String {
    match op {
        SentenceOp::Same { text, .. } | SentenceOp::Moved { text, .. } => text.clone(),
        SentenceOp::Added { text, .. } => inserted(text, color),
        SentenceOp::Removed { text, .. } => deleted(text, color),
        SentenceOp::Edited { words, .. }
        | SentenceOp::Merged { words, .. }
        | SentenceOp::Split { words, .. } => inline_words(words, color),
    }
}

/// `render_words(rev, false)` cut once it is longer than `max` bytes: the same text as far as
/// it goes, built in time proportional to `max`, not to the article (an alert payload keeps
/// only its start, and it is rendered inside the poll's transaction).
pub fn render_words_capped(rev: &Revision, max: usize) -> String {
    let mut out = String::new();
    let push = |out: &mut String, s: &str| {
        if out.len() > max {
            return;
        }
        let room = max + 1 - out.len();
        let mut end = room.min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        out.push_str(&s[..end]);
    };
    let marked = |out: &mut String, tag: WordTag, text: &str| match tag {
        WordTag::Equal => push(out, text),
        WordTag::Delete => {
            push(out, "[-");
            push(out, text);
            push(out, "-]");
        }
        WordTag::Insert => {
            push(out, "{+");
            push(out, text);
            push(out, "+}");
        }
    };
    for op in &rev.ops {
        if out.len() > max {
            break;
        }
        match op {
            SentenceOp::Same { text, .. } | SentenceOp::Moved { text, .. } => push(&mut out, text),
            SentenceOp::Added { text, .. } => marked(&mut out, WordTag::Insert, text),
            SentenceOp::Removed { text, .. } => marked(&mut out, WordTag::Delete, text),
            SentenceOp::Edited { words, .. }
            | SentenceOp::Merged { words, .. }
            | SentenceOp::Split { words, .. } => {
                for w in words {
                    marked(&mut out, w.tag, &w.text);
                }
            }
        }
        push(&mut out, "\n");
    }
    out
}

/// One line per sentence with a marker: `  ` same, `+ ` added, `- ` removed, `> ` moved,
/// `~ ` edited (with its inline word diff), `~> ` edited and moved, `<~ ` merged, `~< ` split.
pub fn render_sentences(rev: &Revision, color: bool) -> String {
    render_in_context(rev, Layout::Sentences, color, None)
}

fn sentence_line(op: &SentenceOp, color: bool) -> String {
    match op {
        SentenceOp::Same { text, .. } => format!("  {text}"),
        SentenceOp::Added { text, .. } => paint(&format!("+ {text}"), GREEN, color),
        SentenceOp::Removed { text, .. } => paint(&format!("- {text}"), RED, color),
        SentenceOp::Moved { text, .. } => paint(&format!("> {text}"), YELLOW, color),
        SentenceOp::Edited { words, moved, .. } => {
            let mark = if *moved { "~>" } else { "~ " };
            format!("{mark} {}", inline_words(words, color))
        }
        SentenceOp::Merged { words, .. } => format!("<~ {}", inline_words(words, color)),
        SentenceOp::Split { words, .. } => format!("~< {}", inline_words(words, color)),
    }
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// Unified diff with one sentence per line, so a one-word edit does not show a whole paragraph.
pub fn render_unified(old_body: &str, new_body: &str) -> String {
    render_unified_context(old_body, new_body, 2)
}

/// `render_unified` with `radius` unchanged sentences around each hunk.
pub fn render_unified_context(old_body: &str, new_body: &str, radius: usize) -> String {
    let old = split_sentences(old_body).join("\n") + "\n";
    let new = split_sentences(new_body).join("\n") + "\n";
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(WORD_DIFF_TIMEOUT)
        .diff_lines(&old, &new)
        .unified_diff()
        .context_radius(radius)
        .header("old", "new")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_sentences(s)
    }

    #[test]
    fn terminator_scan_finds_what_a_char_search_finds() {
        // Terminators before, inside and after a 16-byte block, and a lone 0xE2 lead byte
        // (`–`) that is not an ellipsis.
        let p = "Prices rose – sharply – in the north… Did they? Yes! Officials said so. End";
        for from in (0..=p.len()).filter(|&i| p.is_char_boundary(i)) {
            let want = p[from..]
                .find(['.', '!', '?', '\u{2026}'])
                .map(|k| from + k);
            assert_eq!(next_terminator(p, from), want, "from {from}");
        }
    }

    #[test]
    fn abbreviation_does_not_split_sentence() {
        let s = "Dr. Helen Okafor met Prof. Kim and Det. Insp. Ray Bell at No. 10 on Jan. 5 at 6 p.m. Tuesday. It rained.";
        assert_eq!(split(s).len(), 2, "{:?}", split(s));
    }

    #[test]
    fn us_abbreviation_inside_and_at_end() {
        let s = "The U.S. Army Corps said so. Exports are closer to the U.S. The figure was 4%.";
        assert_eq!(
            split(s),
            vec![
                "The U.S. Army Corps said so.",
                "Exports are closer to the U.S.",
                "The figure was 4%."
            ]
        );
    }

    #[test]
    fn decimals_and_currency_do_not_split() {
        let s = "Sales rose 3.5% to $5.6bn. Temperatures hit 46.2C in the city.";
        assert_eq!(split(s).len(), 2);
    }

    #[test]
    fn initials_do_not_split() {
        let s = "J. R. R. Tolkien wrote it. Lt. Col. Ana Ruiz of Acme Inc. Ltd. agreed.";
        assert_eq!(split(s).len(), 2, "{:?}", split(s));
    }

    #[test]
    fn quotation_with_several_sentences_is_one_sentence() {
        let s = "\"The situation is serious. We have added beds in every major hospital,\" the health minister told reporters. Schools stay open.";
        assert_eq!(split(s).len(), 2, "{:?}", split(s));
        let curly = "\u{201C}We are done. Go home.\u{201D} She left.";
        assert_eq!(split(curly).len(), 2, "{:?}", split(curly));
    }

    #[test]
    fn paragraph_boundary_is_sentence_boundary() {
        let s = "First paragraph without a stop\n\nSecond one. Third one.";
        assert_eq!(split(s).len(), 3);
    }

    #[test]
    fn unbalanced_quote_does_not_swallow_paragraph() {
        let s = "He said \"no. It ended. Then it began.";
        assert_eq!(split(s).len(), 3, "{:?}", split(s));
    }

    #[test]
    fn typography_only_is_same() {
        let rev = revision(
            "He said \"no\" -- twice.",
            "He said \u{201C}no\u{201D} \u{2014} twice.",
        );
        assert!(rev.is_cosmetic(), "{rev:?}");
    }

    #[test]
    fn swapped_sentences_are_moved_not_edited() {
        let rev = revision(
            "Alpha rose sharply. Beta fell hard.",
            "Beta fell hard. Alpha rose sharply.",
        );
        assert_eq!(rev.moved(), 1);
        assert_eq!(rev.edited(), 0);
    }

    #[test]
    fn edited_and_moved_is_one_edit() {
        let old = "Rain fell across the north on Monday. Flooding closed 40 roads in the county.";
        let new = "Flooding closed 45 roads in the county. Rain fell across the north on Monday.";
        let rev = revision(old, new);
        assert_eq!(rev.edited(), 1);
        assert!(
            rev.ops
                .iter()
                .any(|op| matches!(op, SentenceOp::Edited { moved: true, .. }))
        );
    }

    #[test]
    fn split_sentence_is_recognised() {
        let old =
            "The court rejected the appeal on Monday, and the defendant will be sentenced in May.";
        let new =
            "The court rejected the appeal on Monday. The defendant will be sentenced in May.";
        let rev = revision(old, new);
        assert!(
            rev.ops
                .iter()
                .any(|op| matches!(op, SentenceOp::Split { .. })),
            "{rev:?}"
        );
        assert_eq!(rev.added() + rev.removed(), 0);
    }

    #[test]
    fn merged_sentences_are_recognised() {
        let old = "The storm hit the coast on Friday. It cut power to 9,000 homes.";
        let new = "The storm hit the coast on Friday and cut power to 9,000 homes.";
        let rev = revision(old, new);
        assert!(
            rev.ops
                .iter()
                .any(|op| matches!(op, SentenceOp::Merged { .. })),
            "{rev:?}"
        );
    }

    #[test]
    fn short_sentence_with_new_figure_is_paired() {
        let rev = revision("Prices rose 5% in May.", "Prices fell 4% in May.");
        assert_eq!(rev.edited(), 1, "{rev:?}");
    }

    #[test]
    fn removed_sentence_stays_in_place() {
        let rev = revision(
            "One thing. Two things. Three things.",
            "One thing. Three things.",
        );
        assert!(matches!(rev.ops[1], SentenceOp::Removed { old_idx: 1, .. }));
    }

    #[test]
    fn word_diff_merges_replacement_hunk() {
        let w = word_diff("cost less than $6 million", "cost about $5.6 million");
        let rendered = inline_words(&w, false);
        assert!(rendered.contains("[-less than-]{+about+}"), "{rendered}");
    }

    #[test]
    fn run_of_dots_splits_as_before() {
        assert_eq!(
            split("He paused.... Then he left."),
            vec!["He paused....", "Then he left."]
        );
        assert_eq!(split("Wait .... and see."), vec!["Wait .... and see."]);
        let dots = ".".repeat(50_000);
        assert_eq!(split(&dots), vec![dots.clone()]);
    }

    #[test]
    fn oversized_sentence_gets_a_coarse_word_diff_and_says_so() {
        // See: #10. No white space, so the changed middle is the whole sentence.
        let old = format!("{}end.", "alpha,".repeat(1_000));
        let new = old.replacen("alpha,alpha,", "alpha,omega,", 1);
        let rev = revision(&old, &new);
        assert_eq!(rev.edited(), 1, "{:?}", rev.simplified);
        let words: Vec<&WordChange> = rev
            .ops
            .iter()
            .filter_map(|op| op.words())
            .flatten()
            .collect();
        let tags: Vec<WordTag> = words.iter().map(|w| w.tag).collect();
        assert_eq!(tags, vec![WordTag::Delete, WordTag::Insert]);
        assert_eq!(
            (words[0].text.as_str(), words[1].text.as_str()),
            (old.as_str(), new.as_str())
        );
        assert!(
            rev.simplified
                .iter()
                .any(|s| matches!(s, Simplification::LongSentences { .. })),
            "{:?}",
            rev.simplified
        );
    }

    #[test]
    fn long_sentence_with_a_small_change_keeps_its_word_diff() {
        let old = format!("{} the end.", "he said she said ".repeat(2_000));
        let new = old.replacen("she said he", "she said we", 1);
        let rev = revision(&old, &new);
        assert_eq!(rev.edited(), 1);
        assert!(rev.simplified.is_empty(), "{:?}", rev.simplified);
        let rendered = render_words(&rev, false);
        assert!(rendered.contains("[-he-]{+we+}"), "{}", &rendered[..200]);
    }

    #[test]
    fn many_unmatched_sentences_are_paired_near_their_place() {
        // 1,200 × 1,200 unmatched sentences are past MAX_ALL_PAIRS: every figure changed, every
        // sentence still paired with its own new version, and the revision says it searched
        // only near each sentence's place.
        let make = |k: usize, f: usize| {
            format!("Item {k} of the harbour plan costs {f} dollars, aides said.")
        };
        let old: Vec<String> = (0..1_200).map(|k| make(k, 10 + k)).collect();
        let new: Vec<String> = (0..1_200).map(|k| make(k, 20 + k)).collect();
        let rev = revision_from_sentences(old, new);
        assert_eq!((rev.edited(), rev.added(), rev.removed()), (1_200, 0, 0));
        for op in &rev.ops {
            let SentenceOp::Edited {
                old_idx,
                new_idx,
                moved,
                ..
            } = op
            else {
                panic!("{op:?}");
            };
            assert_eq!((old_idx, moved), (new_idx, &false));
        }
        assert!(
            rev.simplified
                .iter()
                .any(|s| matches!(s, Simplification::ManyUnmatched { .. })),
            "{:?}",
            rev.simplified
        );
    }

    #[test]
    fn normal_article_is_not_simplified() {
        let rev = revision(
            "Rain fell across the north on Monday. Flooding closed 40 roads in the county.",
            "Flooding closed 45 roads in the county. Rain fell across the north on Monday.",
        );
        assert!(rev.simplified.is_empty());
    }

    #[test]
    fn capped_render_is_the_start_of_the_full_one() {
        let rev = revision(
            "Prices rose 5% in May. The mayor spoke. Rain fell on Monday in the city.",
            "Prices fell 4% in May. Rain fell on Monday in the city. A new line here.",
        );
        let full = render_words(&rev, false);
        for max in [0, 1, 5, 17, 40, full.len() - 1, full.len(), full.len() + 10] {
            let capped = render_words_capped(&rev, max);
            assert!(full.starts_with(&capped), "{max}: {capped:?}");
            assert_eq!(capped.len() > max, full.len() > max, "{max}");
            if full.len() <= max {
                assert_eq!(capped, full);
            }
        }
    }

    #[test]
    fn unified_is_per_sentence() {
        let u = render_unified("A one. B two.", "A one. B three.");
        assert!(u.contains("-B two.") && u.contains("+B three."), "{u}");
    }
}
