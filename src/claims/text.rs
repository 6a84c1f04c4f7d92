//! Sentence text with offsets: the normalised and quotation-masked forms that every reader
//! works on, mapped back to the text as written.

use super::cues::{Cue, Cues};
use crate::diff::{normalize_char, quote_spans};
use regex::{Match, Regex};

/// A sentence normalised char-for-char (so offsets map back to the text as written), with a
/// copy whose quotation contents are blanked.
pub(super) struct Text<'a> {
    orig: &'a str,
    pub(super) masked: String,
    /// Byte offset in the normalised text → byte offset in `orig` (one extra entry for the end).
    map: Vec<usize>,
    /// Byte spans of quotation contents (between the marks) in the normalised text.
    pub(super) quotes: Vec<(usize, usize)>,
    /// `masked` in ASCII lower case (same byte offsets), for the tokens' table lookups.
    pub(super) lowered: String,
    /// Which cue regexes can match `masked`.
    cues: Cues,
}

impl<'a> Text<'a> {
    pub(super) fn new(orig: &'a str) -> Self {
        let mut norm = String::with_capacity(orig.len());
        let mut map = Vec::with_capacity(orig.len() + 1);
        // Double quotation marks at their offsets in `norm`: every one normalises to the
        // one-byte `"`, so a quotation's contents start one byte after its opening mark.
        let mut marks = Vec::new();
        for (ob, c) in orig.char_indices() {
            let n = normalize_char(c);
            if n == '"' {
                marks.push((norm.len(), c));
            }
            for _ in 0..n.len_utf8() {
                map.push(ob);
            }
            norm.push(n);
        }
        map.push(orig.len());
        let quotes: Vec<(usize, usize)> = quote_spans(marks.into_iter(), Some(norm.len()))
            .into_iter()
            .map(|(o, c)| (o + 1, c))
            .collect();
        let mut quotes = quotes;
        quotes.extend(single_quote_spans(&norm, &quotes));
        quotes.sort_unstable();
        let masked = mask(&norm, &quotes);
        let lowered = masked.to_ascii_lowercase();
        let cues = Cues::of(&lowered);
        Text {
            orig,
            masked,
            map,
            quotes,
            lowered,
            cues,
        }
    }

    /// Whether the regex of `cue` can match `masked` at all.
    pub(super) fn may(&self, cue: Cue) -> bool {
        self.cues.may(cue)
    }

    /// `re.find_iter(&self.masked)`, skipped when the cue prefilter rules `re` out.
    pub(super) fn find_iter<'r, 's>(
        &'s self,
        cue: Cue,
        re: &'r Regex,
    ) -> impl Iterator<Item = Match<'s>> + use<'r, 's> {
        re.find_iter(if self.cues.may(cue) { &self.masked } else { "" })
    }

    /// The text as written for a span of the normalised text.
    fn written(&self, s: usize, e: usize) -> &'a str {
        self.orig[self.map[s]..self.map[e]].trim()
    }

    pub(super) fn item(&self, s: usize, e: usize) -> Item {
        Item {
            written: self.written(s, e).to_string(),
            pos: s,
        }
    }
}

/// Quotations in single marks, as headlines and British copy write them (`PM 'shocked' by
/// report`), outside any double-quoted span. An opening mark follows white space or an opening
/// bracket or dash and precedes a letter; a closing one follows a letter or a terminator and
/// precedes white space or punctuation. So apostrophes inside words (`don't`) never open or
/// close one, and a possessive plural (`workers' pay`) closes nothing that was not opened.
fn single_quote_spans(norm: &str, double: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let b = norm.as_bytes();
    let inside = |i: usize| double.iter().any(|&(s, e)| s <= i && i < e);
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for i in 0..b.len() {
        // `'How could this happen?"`: a quotation opened with one kind of mark and closed with
        // the other. A double mark that ends or starts a double-quoted span is not this one.
        let stray_double = b[i] == b'"'
            && open.is_some()
            && !double.iter().any(|&(s, e)| e > s && (e == i || s == i + 1));
        if (b[i] != b'\'' && !stray_double) || inside(i) {
            continue;
        }
        let prev = i.checked_sub(1).map(|k| b[k]);
        let next = b.get(i + 1).copied();
        let opens = prev.is_none_or(|c| matches!(c, b' ' | b'(' | b'[' | b'-' | b':' | b'"'))
            && next.is_some_and(|c| c.is_ascii_alphabetic() || c >= 0x80)
            && !starts_decade(&b[i + 1..]);
        let closes = prev.is_some_and(|c| {
            c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'.' | b',' | b'!' | b'?')
        }) && next.is_none_or(|c| {
            matches!(
                c,
                b' ' | b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'-' | b'"'
            )
        });
        match open {
            Some(o) if closes && i > o + 1 => {
                out.push((o + 1, i));
                open = None;
            }
            None if opens => open = Some(i),
            _ => {}
        }
    }
    out
}

/// `'90s`, `'n'`: an elided form, not an opening mark.
fn starts_decade(rest: &[u8]) -> bool {
    rest.first().is_some_and(u8::is_ascii_digit) || rest.starts_with(b"n' ")
}

/// Blank quotation contents byte for byte, keeping the marks, so offsets stay valid and a
/// reporting verb can still see that a quotation precedes it.
fn mask(norm: &str, quotes: &[(usize, usize)]) -> String {
    let mut bytes = norm.as_bytes().to_vec();
    for &(s, e) in quotes {
        for b in &mut bytes[s..e] {
            *b = b' ';
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| norm.to_string())
}

/// A value as written and where it sits.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) written: String,
    pub(super) pos: usize,
}

pub(super) fn lower_words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.' || c == '%' || c == '$'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

pub(super) fn normalize_lower(s: &str) -> String {
    s.chars()
        .map(normalize_char)
        .collect::<String>()
        .to_lowercase()
}

pub(super) fn contains_phrase(hay: &str, needle: &str) -> bool {
    let hay_words: Vec<&str> = hay
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .collect();
    let needle_words: Vec<&str> = needle.split_whitespace().collect();
    hay_words
        .windows(needle_words.len().max(1))
        .any(|w| w == needle_words.as_slice())
}
