//! Text normalisation and the `Snapshot` of an article: what redline compares between polls.
//!
//! Pure. Whitespace, zero-width characters, control characters, leftover HTML entities and
//! Unicode composition are normalised away, so they never count as edits. Typography (curly
//! versus straight quotes, dashes, non-breaking spaces, ellipses) is kept in the stored text but
//! folded in a second hash: two versions that differ only there are a *cosmetic* edit.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Where a version's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// The feed's own content or summary.
    Feed,
    /// The article page, through `extract`.
    Page,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::Page => "page",
        }
    }
}

/// One observation of an article, normalised and ready to compare with the last version.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub title: String,
    pub byline: Option<String>,
    pub url: String,
    pub published: Option<String>,
    /// The publisher's own "modified" stamp, if it gave one.
    pub modified: Option<String>,
    /// Paragraphs separated by a blank line.
    pub body: String,
    pub source: TextSource,
    /// What else said when the article last changed (feed `updated`, HTTP `Last-Modified`,
    /// a visible update line, correction notices): the evidence a stealth flag is judged by.
    /// Not part of the hashes: a new stamp alone is not a new version.
    pub stamps: crate::stamps::Stamps,
    /// Provenance, stored with the version and not part of the hashes: the HTTP status of the
    /// fetch the text came from, and what made the text (`extract::EXTRACTOR_VERSION`, "feed").
    pub http_status: Option<u16>,
    pub extractor: Option<&'static str>,
    /// The `ETag` and `Last-Modified` that fetch was sent with (the feed's for feed text).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `hash` and `typo_hash`, computed on first use: a new version needs each twice (compare,
    /// then insert). Title, byline and body are therefore set by `new` and never changed.
    hashes: std::sync::OnceLock<(String, String)>,
}

/// How a snapshot relates to the latest stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Same,
    /// Only typography differs.
    Cosmetic,
    Substantive,
}

impl Snapshot {
    /// Builds a snapshot, normalising every text field.
    pub fn new(
        title: &str,
        byline: Option<&str>,
        url: &str,
        paragraphs: &[String],
        source: TextSource,
    ) -> Self {
        Self {
            title: normalize_line(title),
            byline: byline.map(normalize_line).filter(|b| !b.is_empty()),
            url: url.to_string(),
            published: None,
            modified: None,
            body: normalize_paragraphs(paragraphs.iter().map(String::as_str)),
            source,
            stamps: crate::stamps::Stamps::default(),
            http_status: None,
            extractor: None,
            etag: None,
            last_modified: None,
            hashes: std::sync::OnceLock::new(),
        }
    }

    /// A snapshot of an extracted article page, with the page's own dates.
    pub fn from_extracted(x: crate::extract::Extracted, url: &str) -> Self {
        let mut s = Self::new(
            x.title.as_deref().unwrap_or(""),
            x.byline.as_deref(),
            url,
            &x.paragraphs,
            TextSource::Page,
        );
        s.published = x.published;
        s.modified = x.modified;
        s.stamps.update_line = x.update_line;
        s.stamps.notice = x.notice;
        s.extractor = Some(crate::extract::EXTRACTOR_VERSION);
        s
    }

    /// Identity of the content: title, byline and body (not URL or dates, which change
    /// without the article changing).
    pub fn hash(&self) -> &str {
        &self.hashes().0
    }

    /// The same with typography folded.
    pub fn typo_hash(&self) -> &str {
        &self.hashes().1
    }

    fn hashes(&self) -> &(String, String) {
        self.hashes.get_or_init(|| {
            let plain = content_hash(&self.title, self.byline.as_deref(), &self.body);
            let folded = content_hash(
                &fold_typography(&self.title),
                self.byline.as_deref().map(fold_typography).as_deref(),
                &fold_typography(&self.body),
            );
            (plain, folded)
        })
    }

    pub fn body_chars(&self) -> usize {
        self.body.chars().count()
    }

    pub fn compare(&self, prev_hash: &str, prev_typo_hash: &str) -> Comparison {
        if self.hash() == prev_hash {
            Comparison::Same
        } else if self.typo_hash() == prev_typo_hash {
            Comparison::Cosmetic
        } else {
            Comparison::Substantive
        }
    }
}

fn content_hash(title: &str, byline: Option<&str>, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update([0]);
    h.update(byline.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    hex(&h.finalize())
}

/// Hex SHA-256 of raw bytes (response bodies, pages).
pub fn bytes_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Normalises paragraphs: each becomes one line, empty ones are dropped, and they are joined
/// with a blank line. A paragraph that itself holds blank lines is split there.
pub fn normalize_paragraphs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in paragraphs {
        for part in split_blank_lines(p) {
            let line = normalize_line(part);
            if !line.is_empty() {
                out.push(line);
            }
        }
    }
    out.join("\n\n")
}

/// Splits plain text into paragraphs at blank lines.
pub fn split_blank_lines(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut para_start: Option<usize> = None;
    let mut para_end = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        if line.trim().is_empty() {
            if let Some(s) = para_start.take() {
                parts.push(&text[s..para_end]);
            }
        } else {
            para_start.get_or_insert(line_start);
            para_end = offset;
        }
    }
    if let Some(s) = para_start {
        parts.push(&text[s..para_end]);
    }
    parts
}

/// Normalises one line of text: entities decoded, NFC, terminal control sequences removed
/// whole, zero-width and other control characters removed, whitespace runs collapsed to one
/// space, trimmed. Non-breaking spaces survive (they are typography, compared in
/// `fold_typography`).
pub fn normalize_line(s: &str) -> String {
    if let Some(line) = normalize_plain_ascii(s) {
        return line;
    }
    let decoded = decode_entities(s);
    // After decoding: `&#x1b;[31m` is an escape sequence too. Text without ESC or C1
    // characters passes unchanged, so the hashes of ordinary stored text stay as they were.
    let decoded = crate::text_safety::strip_terminal_sequences(&decoded);
    let mut out = String::with_capacity(decoded.len());
    let mut pending_space = false;
    for c in decoded.nfc() {
        if is_zero_width(c) {
            continue;
        }
        if c.is_whitespace() && !is_hard_space(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// [`normalize_line`] for the common line of printable ASCII and whitespace without `&`: no
/// entity, escape sequence, control, zero-width or hard space can occur and NFC changes
/// nothing, so only the whitespace is collapsed, one byte at a time. `None` for anything else.
fn normalize_plain_ascii(s: &str) -> Option<String> {
    let plain = |b: &u8| matches!(b, 0x20..=0x7e | b'\t'..=b'\r') && *b != b'&';
    if !s.as_bytes().iter().all(plain) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        // `char::is_whitespace` for these bytes: space and \t..=\r (vertical tab included).
        if c == ' ' || ('\t'..='\r').contains(&c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    Some(out)
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

fn is_hard_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}')
}

/// Folds typography so that text differing only in quote style, dash style, ellipsis or
/// non-breaking spaces compares equal.
pub fn fold_typography(s: &str) -> String {
    let mut mapped = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
                mapped.push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => mapped.push('"'),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => mapped.push('-'),
            '\u{2026}' => mapped.push_str("..."),
            c if is_hard_space(c) => mapped.push(' '),
            c => mapped.push(c),
        }
    }
    // "a - b", "a -- b" and "a-b" are the same dash set differently.
    let mut out = String::with_capacity(mapped.len());
    let chars: Vec<char> = mapped.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if j < chars.len() && chars[j] == '-' {
                i = j;
                continue;
            }
            if !out.ends_with(' ') && !out.ends_with('-') {
                out.push(' ');
            }
            i = j;
            continue;
        }
        if c == '-' {
            while i < chars.len() && (chars[i] == '-' || chars[i] == ' ') {
                i += 1;
            }
            out.push('-');
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Decodes HTML character references left in text (feeds often double-encode titles).
pub fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        match end {
            Some(e) if tail[e..].starts_with(';') && e > 1 => {
                let name = &tail[1..e];
                if let Some(c) = entity_char(name) {
                    out.push(c);
                    rest = &tail[e + 1..];
                    continue;
                }
                out.push('&');
                rest = &tail[1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn entity_char(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{00A0}',
        "rsquo" => '\u{2019}',
        "lsquo" => '\u{2018}',
        "rdquo" => '\u{201D}',
        "ldquo" => '\u{201C}',
        "mdash" => '\u{2014}',
        "ndash" => '\u{2013}',
        "hellip" => '\u{2026}',
        "eacute" => 'é',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(body: &str) -> Snapshot {
        let paras: Vec<String> = split_blank_lines(body)
            .into_iter()
            .map(String::from)
            .collect();
        Snapshot::new(
            "Court delays ruling",
            None,
            "https://example.com/a",
            &paras,
            TextSource::Feed,
        )
    }

    #[test]
    fn whitespace_and_zero_width_vanish() {
        let a = snap("The  court\u{200B} met on\tMonday.\n\nIt adjourned.");
        let b = snap("  The court met\non Monday.\n\n\n   It adjourned.  ");
        assert_eq!(a.body, "The court met on Monday.\n\nIt adjourned.");
        assert_eq!(a.compare(b.hash(), b.typo_hash()), Comparison::Same);
    }

    #[test]
    fn typography_only_edit_is_cosmetic() {
        let a = snap("\u{201C}We will appeal,\u{201D} she said \u{2014} and left.");
        let b = snap("\"We will appeal,\" she said - and left.");
        assert_eq!(a.compare(b.hash(), b.typo_hash()), Comparison::Cosmetic);
        let nbsp = snap("It cost $5\u{00A0}million.");
        let plain = snap("It cost $5 million.");
        assert_eq!(
            nbsp.compare(plain.hash(), plain.typo_hash()),
            Comparison::Cosmetic
        );
    }

    #[test]
    fn a_changed_figure_is_substantive() {
        let a = snap("The fund holds $5.6 million.");
        let b = snap("The fund holds $6 million.");
        assert_eq!(a.compare(b.hash(), b.typo_hash()), Comparison::Substantive);
    }

    #[test]
    fn entities_and_nfc_are_normalised() {
        assert_eq!(
            normalize_line("Caf&eacute; &amp; bar &#8217;s"),
            "Café & bar \u{2019}s"
        );
        assert_eq!(normalize_line("Cafe\u{0301}"), "Café");
        assert_eq!(normalize_line("AT&T; R&D"), "AT&T; R&D");
    }

    #[test]
    fn terminal_sequences_are_removed_whole() {
        assert_eq!(
            normalize_line(
                "Vote \u{1b}]8;;http://evil/\u{7}count\u{1b}]8;;\u{7} delayed &#x1b;[31mred"
            ),
            "Vote count delayed red"
        );
        assert_eq!(
            normalize_line("delayed \u{1b}[1mby\u{1b}[0m two hours, \u{9b}31m officials said."),
            "delayed by two hours, officials said."
        );
    }

    /// Pinned from the normaliser before terminal sequences were removed: ordinary text
    /// must hash the same, or every stored article would get a phantom new version.
    #[test]
    fn ordinary_text_hashes_as_before() {
        let s = Snapshot::new(
            "Council delays vote on \u{2018}harbour levy\u{2019} &amp; tolls",
            Some("By Jane Doe"),
            "https://example.com/a",
            &[
                "The council  postponed the vote to 14 March, the mayor\u{2019}s office said.\t".into(),
                "\u{201c}We need more time,\u{201d} said Cllr Ruth Okafor \u{2014} caf\u{e9}, 3\u{00a0}km.".into(),
                "Line one\nline two\n\nA second part.".into(),
            ],
            TextSource::Feed,
        );
        assert_eq!(s.hash(), PINNED_HASH);
        assert_eq!(s.typo_hash(), PINNED_TYPO_HASH);
    }

    const PINNED_HASH: &str = "7f4592e3a6b0af98c3a3f06f8f9b4529c6e599b19bc8bb5ef7c4b13d4045941a";
    const PINNED_TYPO_HASH: &str =
        "6664c2830f9e11d39a8724c272bf035e614022323e3f7339e35d3f9392323a2e";

    /// The ASCII fast path must give what the general path gives, byte for byte.
    #[test]
    fn ascii_fast_path_matches_the_general_path() {
        let general = |s: &str| {
            let mut v: Vec<u8> = s.as_bytes().to_vec();
            // A trailing non-ASCII zero-width space sends the line down the general path
            // and is removed there, so both outputs are comparable.
            v.extend_from_slice("\u{200B}".as_bytes());
            normalize_line(std::str::from_utf8(&v).unwrap())
        };
        for s in [
            "  The council  met\ton Monday.\r\n",
            "\u{b}\u{c}tabs\t\tand\x0bfeeds\u{c} ",
            "",
            "   ",
            "Price: $5 (approx.) ~ [ok] {x} |y| `z` \\ ^_^",
            "end space ",
        ] {
            assert!(normalize_plain_ascii(s).is_some(), "{s:?}");
            assert_eq!(normalize_line(s), general(s), "{s:?}");
        }
        for s in [
            "AT&amp;T",
            "a\u{1b}[31mred",
            "caf\u{e9}",
            "nul\u{0}byte",
            "del\u{7f}",
        ] {
            assert!(normalize_plain_ascii(s).is_none(), "{s:?}");
        }
    }

    #[test]
    fn paragraph_breaks_are_kept() {
        let a = snap("First paragraph.\n\nSecond paragraph.");
        let b = snap("First paragraph. Second paragraph.");
        assert_ne!(a.hash(), b.hash());
    }
}
