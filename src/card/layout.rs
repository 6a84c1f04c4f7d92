//! The card's layout and SVG: text is cleaned (no control or bidi-override characters, one
//! line), wrapped by measured glyph advances, cut with an ellipsis where its block ends, and
//! written as positioned `<text>` pieces with every string XML-escaped. Each piece is placed
//! by our own measure, so a highlight rectangle or a strike line sits where its words are.
//!
//! Right-to-left: a block whose first strong character is Hebrew or Arabic is right-aligned
//! and its words are placed right to left; the renderer orders and shapes the letters within
//! each word (its bidi runs with a left-to-right paragraph, so word order is ours to set).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::font::{Face, Fonts};
use super::{CARD_HEIGHT, CARD_WIDTH, CardInput, MAX_TEXT_CHARS};
use crate::diff::{WordChange, WordTag};

const W: f32 = CARD_WIDTH as f32;
const H: f32 = CARD_HEIGHT as f32;
const PAD: f32 = 56.0;
/// Content stops here; the footer is below.
const CONTENT_BOTTOM: f32 = H - 64.0;
/// Width of the claim kind column.
const KIND_COL: f32 = 220.0;
/// Unchanged words kept on each side of a change in an edited sentence.
const CONTEXT_WORDS: usize = 8;

const INK: &str = "#1b1b1b";
const MUTED: &str = "#5f6368";
const ACCENT: &str = "#b3261e";
const DEL_INK: &str = "#8c1d18";
const DEL_BG: &str = "#fbdcd9";
const INS_INK: &str = "#0d4f26";
const INS_BG: &str = "#c6efd0";
const RULE: &str = "#dadce0";
const PAPER: &str = "#fffdf8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Muted,
    Accent,
    Deleted,
    Inserted,
}

impl Style {
    fn of(tag: WordTag) -> Self {
        match tag {
            WordTag::Equal => Style::Plain,
            WordTag::Delete => Style::Deleted,
            WordTag::Insert => Style::Inserted,
        }
    }

    fn ink(self) -> &'static str {
        match self {
            Style::Plain => INK,
            Style::Muted => MUTED,
            Style::Accent => ACCENT,
            Style::Deleted => DEL_INK,
            Style::Inserted => INS_INK,
        }
    }

    fn marked(self) -> bool {
        matches!(self, Style::Deleted | Style::Inserted)
    }
}

/// Text from the web as one clean line: terminal sequences, control characters and bidi
/// overrides gone (they could disguise text, and most control characters are not even
/// allowed in XML), whitespace collapsed, at most `MAX_TEXT_CHARS` characters.
pub fn clean(text: &str) -> String {
    let stripped = crate::text_safety::strip_terminal_sequences(text);
    let mut out = String::with_capacity(stripped.len().min(MAX_TEXT_CHARS * 4));
    let mut space = false;
    let mut n = 0;
    for c in stripped.chars() {
        if n >= MAX_TEXT_CHARS {
            break;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control()
            || crate::text_safety::is_bidi_control(c)
            || matches!(c, '\u{FFFE}' | '\u{FFFF}')
        {
            continue;
        }
        if space {
            out.push(' ');
            n += 1;
            space = false;
        }
        out.push(c);
        n += 1;
    }
    out
}

/// XML text and attribute escaping (the card puts nothing else from outside in the SVG).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn is_rtl_char(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Whether a text reads right to left: its first strong (alphabetic) character is Hebrew or
/// Arabic.
pub fn is_rtl(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(is_rtl_char)
}

/// Scripts written without spaces: a line may break after any of their characters.
fn breaks_anywhere(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

#[derive(Debug, Clone)]
struct Piece {
    text: String,
    style: Style,
    width: f32,
}

/// What a line may break after: its pieces (styles may change inside a word: `$6` → `$5.6`)
/// and, when a space follows, that space's style.
#[derive(Debug, Clone, Default)]
struct Word {
    pieces: Vec<Piece>,
    space: Option<(Style, f32)>,
}

impl Word {
    fn width(&self) -> f32 {
        self.pieces.iter().map(|p| p.width).sum()
    }
    fn with_space(&self) -> f32 {
        self.width() + self.space.map_or(0.0, |s| s.1)
    }
}

/// A block of text: size, weight, where it may go.
#[derive(Debug, Clone, Copy)]
struct Block {
    size: f32,
    bold: bool,
    line_height: f32,
    max_width: f32,
    max_lines: usize,
}

/// Widths as they will be drawn: a bold block, and inserted words, in the bold face.
struct Measure<'a> {
    fonts: &'a Fonts,
    size: f32,
    bold: bool,
}

impl Measure<'_> {
    fn face(&self, style: Style) -> &Face {
        if self.bold || style == Style::Inserted {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    fn w(&self, s: &str, style: Style) -> f32 {
        self.face(style).width(s, self.size)
    }
}

fn words_of(spans: &[(String, Style)], m: &Measure<'_>) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut cur = Word::default();
    let mut piece = String::new();
    let mut last_marked: Option<Style> = None;
    let flush_piece = |cur: &mut Word, piece: &mut String, style: Style| {
        if !piece.is_empty() {
            cur.pieces.push(Piece {
                width: m.w(piece, style),
                text: std::mem::take(piece),
                style,
            });
        }
    };
    for (text, style) in spans {
        let style = *style;
        // A deletion right before an insertion (`less than` → `about`) gets a gap, or the
        // two would read as one word.
        if let (Some(prev), true) = (last_marked, style.marked())
            && prev != style
            && cur.space.is_none()
            && !cur.pieces.is_empty()
        {
            cur.pieces.push(Piece {
                text: " ".into(),
                style: Style::Plain,
                width: m.w(" ", Style::Plain) * 0.8,
            });
        }
        last_marked = style.marked().then_some(style);
        for c in text.chars() {
            if c == ' ' {
                flush_piece(&mut cur, &mut piece, style);
                if !cur.pieces.is_empty() {
                    cur.space = Some((style, m.w(" ", style)));
                    words.push(std::mem::take(&mut cur));
                } else if let Some(w) = words.last_mut() {
                    w.space.get_or_insert((style, m.w(" ", style)));
                }
                continue;
            }
            piece.push(c);
            if breaks_anywhere(c) {
                flush_piece(&mut cur, &mut piece, style);
                words.push(std::mem::take(&mut cur));
            }
        }
        flush_piece(&mut cur, &mut piece, style);
        if text.ends_with(' ') {
            last_marked = None;
        }
    }
    if !cur.pieces.is_empty() {
        words.push(cur);
    }
    words
}

/// A word wider than a whole line, cut into pieces that fit (by characters).
fn split_wide(word: Word, max: f32, m: &Measure<'_>) -> Vec<Word> {
    let mut out = Vec::new();
    let mut cur = Word::default();
    let mut width = 0.0;
    for p in word.pieces {
        let mut chunk = String::new();
        for c in p.text.chars() {
            let cw = m.w(c.encode_utf8(&mut [0; 4]), p.style);
            if width + cw > max && (width > 0.0) {
                if !chunk.is_empty() {
                    cur.pieces.push(Piece {
                        width: m.w(&chunk, p.style),
                        text: std::mem::take(&mut chunk),
                        style: p.style,
                    });
                }
                out.push(std::mem::take(&mut cur));
                width = 0.0;
            }
            chunk.push(c);
            width += cw;
        }
        if !chunk.is_empty() {
            cur.pieces.push(Piece {
                width: m.w(&chunk, p.style),
                text: chunk,
                style: p.style,
            });
        }
    }
    cur.space = word.space;
    out.push(cur);
    out
}

type Line = Vec<Word>;

fn line_width(line: &Line) -> f32 {
    let n = line.len();
    line.iter()
        .enumerate()
        .map(|(i, w)| {
            if i + 1 == n {
                w.width()
            } else {
                w.with_space()
            }
        })
        .sum()
}

/// Greedy wrap into at most `max_lines` lines; the last is cut with an ellipsis when the
/// text goes on. Returns the lines and whether it was cut.
fn wrap(spans: &[(String, Style)], block: Block, fonts: &Fonts) -> (Vec<Line>, bool) {
    let m = Measure {
        fonts,
        size: block.size,
        bold: block.bold,
    };
    let max = block.max_width;
    let mut lines: Vec<Line> = Vec::new();
    let mut cur: Line = Vec::new();
    let mut cur_w = 0.0;
    let mut cut = false;
    let mut words = words_of(spans, &m).into_iter();
    // Parts of a word already cut to the line are never cut again (a part may still measure
    // over the line when shaped whole, or be one character wider than it): no loop.
    let mut pending: Vec<(Word, bool)> = Vec::new();
    'outer: while let Some((word, cut_already)) =
        pending.pop().or_else(|| words.next().map(|w| (w, false)))
    {
        if word.width() > max && !cut_already {
            let mut parts = split_wide(word, max, &m);
            parts.reverse();
            pending.extend(parts.into_iter().map(|p| (p, true)));
            continue;
        }
        if cur.is_empty() || cur_w + word.width() <= max {
            cur_w += word.with_space();
            cur.push(word);
            continue;
        }
        lines.push(std::mem::take(&mut cur));
        if lines.len() == block.max_lines {
            cut = true;
            break 'outer;
        }
        cur_w = word.with_space();
        cur.push(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if cut && let Some(last) = lines.last_mut() {
        add_ellipsis(last, max, &m);
    }
    (lines, cut)
}

/// Ends `line` with "…", dropping words (or characters of the last one) until it fits.
fn add_ellipsis(line: &mut Line, max: f32, m: &Measure<'_>) {
    let style = line
        .last()
        .and_then(|w| w.pieces.last())
        .map_or(Style::Plain, |p| p.style);
    let ell = m.w("…", style);
    while line_width(line) + ell > max && line.len() > 1 {
        line.pop();
    }
    if let Some(last) = line.last_mut() {
        last.space = None;
        while last.width() + ell > max {
            let Some(p) = last.pieces.last_mut() else {
                break;
            };
            if p.text.pop().is_none() || p.text.is_empty() {
                last.pieces.pop();
            } else {
                p.width = m.w(&p.text, p.style);
            }
        }
        last.pieces.push(Piece {
            text: "…".into(),
            style,
            width: ell,
        });
    }
}

/// The SVG being built, and where the next block starts.
struct Canvas {
    out: String,
    y: f32,
}

impl Canvas {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="3" fill="{fill}"/>"#
        );
    }

    fn text(&mut self, x: f32, baseline: f32, block: Block, style: Style, text: &str) {
        let weight = if block.bold || style == Style::Inserted {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{baseline:.1}" font-size="{}" fill="{}"{weight} xml:space="preserve">{}</text>"#,
            block.size,
            style.ink(),
            escape(text)
        );
    }

    /// Draws wrapped lines from the current `y`, left-aligned at `left` (right-aligned at
    /// `left + max_width` when right to left); moves `y` below them.
    fn lines(&mut self, lines: &[Line], left: f32, block: Block, rtl: bool) {
        for line in lines {
            let baseline = self.y + block.size * 0.95;
            self.line(line, left, baseline, block, rtl);
            self.y += block.line_height;
        }
    }

    fn line(&mut self, line: &Line, left: f32, baseline: f32, block: Block, rtl: bool) {
        // Flatten into positioned runs: pieces and spaces, merged when the style repeats
        // (left to right only: right to left, every word is placed on its own).
        let mut runs: Vec<(String, Style, f32)> = Vec::new();
        let n = line.len();
        for (i, word) in line.iter().enumerate() {
            let mut items: Vec<(String, Style, f32)> = word
                .pieces
                .iter()
                .map(|p| (p.text.clone(), p.style, p.width))
                .collect();
            if let Some((style, w)) = word.space.filter(|_| i + 1 < n) {
                items.push((" ".into(), style, w));
            }
            for (text, style, w) in items {
                match runs.last_mut() {
                    Some(last) if !rtl && last.1 == style => {
                        last.0.push_str(&text);
                        last.2 += w;
                    }
                    _ => runs.push((text, style, w)),
                }
            }
        }
        // A run's highlight covers its words, not a space that ends it.
        let m_space = |text: &str, w: f32| {
            if text.ends_with(' ') && text.trim().is_empty() {
                0.0
            } else if text.ends_with(' ') {
                w * (text.trim_end().chars().count() as f32 / text.chars().count() as f32)
            } else {
                w
            }
        };
        let right = left + block.max_width;
        let mut offset = 0.0;
        let mut drawn: Vec<(f32, String, Style, f32)> = Vec::new();
        for (text, style, w) in runs {
            let x = if rtl {
                right - offset - w
            } else {
                left + offset
            };
            offset += w;
            drawn.push((x, text, style, w));
        }
        for (x, text, style, w) in &drawn {
            if style.marked() && !text.trim().is_empty() {
                let hw = m_space(text, *w);
                let bg = if *style == Style::Deleted {
                    DEL_BG
                } else {
                    INS_BG
                };
                let x0 = if rtl { *x + (*w - hw) } else { *x };
                self.rect(
                    x0 - 2.0,
                    baseline - block.size * 0.86,
                    hw + 4.0,
                    block.size * 1.14,
                    bg,
                );
            }
        }
        for (x, text, style, w) in &drawn {
            if text.trim().is_empty() {
                continue;
            }
            self.text(*x, baseline, block, *style, text);
            if *style == Style::Deleted {
                let hw = m_space(text, *w);
                let x0 = if rtl { *x + (*w - hw) } else { *x };
                let _ = write!(
                    self.out,
                    r#"<rect x="{x0:.1}" y="{:.1}" width="{hw:.1}" height="{:.1}" fill="{DEL_INK}"/>"#,
                    baseline - block.size * 0.34,
                    (block.size / 14.0).max(1.5)
                );
            }
        }
    }
}

/// "2 Dec 2026 09:05 UTC".
fn when(ts: Option<i64>) -> Option<String> {
    ts.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .map(|t| t.format("%-d %b %Y %H:%M UTC").to_string())
}

/// "number changed" from `number_changed`.
pub fn kind_label(kind: &str) -> String {
    kind.replace('_', " ")
}

/// An edited sentence with the unchanged stretches far from any change cut to
/// `CONTEXT_WORDS` words and an ellipsis.
pub fn trimmed_words(words: &[WordChange]) -> Vec<(String, Style)> {
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let text = clean_keep_edges(&w.text);
            if w.tag != WordTag::Equal {
                return (text, Style::of(w.tag));
            }
            let parts: Vec<&str> = text.split(' ').collect();
            let keep = CONTEXT_WORDS + 1;
            let t = if parts.len() <= keep * 2 {
                text.clone()
            } else if i == 0 {
                format!("… {}", parts[parts.len() - keep..].join(" "))
            } else if i + 1 == n {
                format!("{} …", parts[..keep].join(" "))
            } else {
                format!(
                    "{} … {}",
                    parts[..keep].join(" "),
                    parts[parts.len() - keep..].join(" ")
                )
            };
            (t, Style::Plain)
        })
        .collect()
}

/// `clean`, but keeping one leading and trailing space: word-diff pieces meet at spaces.
fn clean_keep_edges(s: &str) -> String {
    let mut t = clean(s);
    if t.is_empty() {
        return if s.chars().any(char::is_whitespace) {
            " ".into()
        } else {
            t
        };
    }
    if s.starts_with(char::is_whitespace) {
        t.insert(0, ' ');
    }
    if s.ends_with(char::is_whitespace) {
        t.push(' ');
    }
    t
}

pub fn build_svg(input: &CardInput, fonts: &Fonts) -> String {
    let mut c = Canvas {
        out: String::with_capacity(16 * 1024),
        y: 0.0,
    };
    let _ = write!(
        c.out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{CARD_WIDTH}" height="{CARD_HEIGHT}" viewBox="0 0 {CARD_WIDTH} {CARD_HEIGHT}" font-family="{}">"#,
        super::font::FAMILY
    );
    let _ = write!(
        c.out,
        r#"<rect width="{CARD_WIDTH}" height="{CARD_HEIGHT}" fill="{PAPER}"/><rect width="{CARD_WIDTH}" height="8" fill="{ACCENT}"/>"#
    );
    let full = W - 2.0 * PAD;

    // Outlet on the left, what kind of edit on the right.
    let tag = if input.stealth {
        "stealth edit · redline"
    } else {
        "edit · redline"
    };
    let tag_block = Block {
        size: 18.0,
        bold: false,
        line_height: 24.0,
        max_width: 300.0,
        max_lines: 1,
    };
    let tag_w = fonts.regular.width(tag, tag_block.size);
    c.text(
        W - PAD - tag_w,
        30.0 + 22.0 * 0.95,
        tag_block,
        if input.stealth {
            Style::Accent
        } else {
            Style::Muted
        },
        tag,
    );
    c.y = 30.0;
    let outlet = clean(&input.outlet);
    let outlet_block = Block {
        size: 22.0,
        bold: true,
        line_height: 34.0,
        max_width: full - tag_w - 40.0,
        max_lines: 1,
    };
    let (lines, _) = wrap(&[(outlet.clone(), Style::Accent)], outlet_block, fonts);
    c.lines(&lines, PAD, outlet_block, is_rtl(&outlet));
    c.y += 6.0;

    // The headline as it is now; the old one struck through below it when it changed.
    let title = clean(&input.new.title);
    let head = Block {
        size: 40.0,
        bold: true,
        line_height: 48.0,
        max_width: full,
        max_lines: 2,
    };
    let (lines, _) = wrap(&[(title.clone(), Style::Plain)], head, fonts);
    c.lines(&lines, PAD, head, is_rtl(&title));
    if input.title_changed {
        let old = clean(&input.old.title);
        let was = Block {
            size: 22.0,
            bold: false,
            line_height: 32.0,
            max_width: full,
            max_lines: 1,
        };
        let spans = [
            ("headline was ".to_string(), Style::Muted),
            (old.clone(), Style::Deleted),
        ];
        let (lines, _) = wrap(&spans, was, fonts);
        c.y += 2.0;
        c.lines(&lines, PAD, was, false);
    }

    // When.
    c.y += 6.0;
    let stamp = |v: &super::CardVersion| {
        let label = clean(&v.label);
        match when(v.fetched_at) {
            Some(t) if label.is_empty() => t,
            Some(t) => format!("{label} {t}"),
            None => label,
        }
    };
    let times = format!("{}  →  {}", stamp(&input.old), stamp(&input.new));
    let meta = Block {
        size: 19.0,
        bold: false,
        line_height: 28.0,
        max_width: full,
        max_lines: 1,
    };
    let mut spans = vec![(times, Style::Muted)];
    if input.stealth {
        spans.push((
            "  ·  no update stamp or correction notice".into(),
            Style::Accent,
        ));
    }
    let (lines, _) = wrap(&spans, meta, fonts);
    c.lines(&lines, PAD, meta, false);
    c.y += 10.0;
    let _ = write!(
        c.out,
        r#"<rect x="{PAD}" y="{:.1}" width="{full}" height="1.5" fill="{RULE}"/>"#,
        c.y
    );
    c.y += 16.0;

    let label = Block {
        size: 15.0,
        bold: true,
        line_height: 26.0,
        max_width: full,
        max_lines: 1,
    };
    let claim_block = Block {
        size: 22.0,
        bold: false,
        line_height: 31.0,
        max_width: full - KIND_COL,
        max_lines: 2,
    };
    let edit_block = Block {
        size: 21.0,
        bold: false,
        line_height: 30.0,
        max_width: full,
        max_lines: 3,
    };
    let edits: Vec<_> = input
        .edits
        .iter()
        .filter(|e| e.words.iter().any(|w| w.tag != WordTag::Equal))
        .collect();
    let mut more: Vec<String> = Vec::new();

    // Claim changes first; leave room for one edited sentence when there is one.
    let total_claims = input.claims.len() + input.claims_omitted;
    if total_claims > 0 {
        let reserve = if edits.is_empty() {
            0.0
        } else {
            label.line_height + edit_block.line_height * 2.0 + 8.0
        };
        let heading = format!("CLAIM CHANGES ({total_claims})");
        c.lines(
            &[vec![Word {
                pieces: vec![Piece {
                    width: 0.0,
                    text: heading,
                    style: Style::Muted,
                }],
                space: None,
            }]],
            PAD,
            label,
            false,
        );
        let mut shown = 0;
        for claim in &input.claims {
            let room = CONTENT_BOTTOM - reserve - c.y;
            let fit = (room / claim_block.line_height).floor() as usize;
            if fit == 0 {
                break;
            }
            let mut spans = Vec::new();
            // Right to left, the change reads from the right: the arrow points left.
            let rtl = is_rtl(
                claim
                    .before
                    .as_deref()
                    .or(claim.after.as_deref())
                    .unwrap_or(""),
            );
            match (&claim.before, &claim.after) {
                (Some(b), Some(a)) => {
                    spans.push((clean(b), Style::Deleted));
                    spans.push((if rtl { "  ←  " } else { "  →  " }.into(), Style::Muted));
                    spans.push((clean(a), Style::Inserted));
                }
                (Some(b), None) => spans.push((clean(b), Style::Deleted)),
                (None, Some(a)) => spans.push((clean(a), Style::Inserted)),
                (None, None) => continue,
            }
            let block = Block {
                max_lines: claim_block.max_lines.min(fit),
                ..claim_block
            };
            let (lines, _) = wrap(&spans, block, fonts);
            let kind = Block {
                size: 18.0,
                bold: false,
                line_height: claim_block.line_height,
                max_width: KIND_COL - 16.0,
                max_lines: 1,
            };
            let (kind_lines, _) = wrap(
                &[(kind_label(claim.kind.as_str()), Style::Muted)],
                kind,
                fonts,
            );
            let top = c.y;
            // The kind sits on the first line's baseline.
            if let Some(l) = kind_lines.first() {
                c.line(l, PAD, top + claim_block.size * 0.95, kind, false);
            }
            c.lines(&lines, PAD + KIND_COL, claim_block, rtl);
            c.y += 4.0;
            shown += 1;
        }
        if shown < total_claims {
            more.push(format!("{} more claim changes", total_claims - shown));
        }
        c.y += 8.0;
    }

    // Then the edited sentences, as word diffs.
    if !edits.is_empty() && CONTENT_BOTTOM - c.y >= label.line_height + edit_block.line_height {
        let s = input.sentences;
        let heading = format!(
            "EDITED SENTENCES ({} edited, {} added, {} removed)",
            s.edited, s.added, s.removed
        );
        c.lines(
            &[vec![Word {
                pieces: vec![Piece {
                    width: 0.0,
                    text: heading,
                    style: Style::Muted,
                }],
                space: None,
            }]],
            PAD,
            label,
            false,
        );
        let mut shown = 0;
        for edit in &edits {
            let room = CONTENT_BOTTOM - c.y;
            let fit = (room / edit_block.line_height).floor() as usize;
            if fit == 0 {
                break;
            }
            let spans = trimmed_words(&edit.words);
            let block = Block {
                max_lines: edit_block.max_lines.min(fit),
                ..edit_block
            };
            let rtl = is_rtl(&spans.iter().map(|s| s.0.as_str()).collect::<String>());
            let (lines, _) = wrap(&spans, block, fonts);
            c.lines(&lines, PAD, block, rtl);
            c.y += 8.0;
            shown += 1;
        }
        if shown < edits.len() {
            more.push(format!("{} more edited sentences", edits.len() - shown));
        }
    } else if !edits.is_empty() {
        more.push(format!("{} edited sentences", edits.len()));
    }

    // Footer: the article's address, what was left out, which versions.
    let foot = Block {
        size: 16.0,
        bold: false,
        line_height: 22.0,
        max_width: full,
        max_lines: 1,
    };
    let mut right = String::new();
    if !more.is_empty() {
        right.push_str(&format!("+ {}  ·  ", more.join(", ")));
    }
    let reference = clean(&input.reference);
    let (o, n) = (clean(&input.old.label), clean(&input.new.label));
    if !reference.is_empty() {
        right.push_str(&format!("{reference} {o} → {n}"));
    } else {
        right.push_str(&format!("{o} → {n}"));
    }
    let right_w = fonts.regular.width(&right, foot.size).min(full * 0.6);
    let (rl, _) = wrap(
        &[(right, Style::Muted)],
        Block {
            max_width: right_w + 1.0,
            ..foot
        },
        fonts,
    );
    let url = clean(
        input
            .url
            .trim_start_matches("https://")
            .trim_start_matches("http://"),
    );
    let (ul, _) = wrap(
        &[(url, Style::Muted)],
        Block {
            max_width: full - right_w - 24.0,
            ..foot
        },
        fonts,
    );
    let _ = write!(
        c.out,
        r#"<rect x="{PAD}" y="{:.1}" width="{full}" height="1.5" fill="{RULE}"/>"#,
        H - 52.0
    );
    c.y = H - 40.0;
    c.lines(&ul, PAD, foot, false);
    c.y = H - 40.0;
    c.lines(&rl, W - PAD - right_w - 1.0, foot, false);
    c.out.push_str("</svg>");
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_controls_bidi_overrides_and_caps_length() {
        assert_eq!(clean("  a\u{1b}[31m b\u{202E}c\n\td\u{0}  "), "a bc d");
        assert_eq!(clean(&"x".repeat(5000)).chars().count(), MAX_TEXT_CHARS);
    }

    #[test]
    fn escape_makes_markup_text() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &apos;y&apos;&lt;/script&gt;"
        );
    }

    #[test]
    fn direction_is_taken_from_the_first_letter() {
        assert!(is_rtl("«مرحبا» world"));
        assert!(is_rtl("2026: שלום"));
        assert!(!is_rtl("Ministry says مرحبا"));
        assert!(!is_rtl("漢字"));
    }

    #[test]
    fn wrapping_uses_glyph_widths_and_cuts_with_an_ellipsis() {
        let fonts = super::super::font::fonts().expect("fonts");
        let block = Block {
            size: 20.0,
            bold: false,
            line_height: 28.0,
            max_width: 300.0,
            max_lines: 2,
        };
        // Same character count, very different widths: "i" lines hold many more.
        let narrow = "ii ".repeat(60);
        let wide = "MM ".repeat(60);
        let (n, _) = wrap(
            &[(narrow, Style::Plain)],
            Block {
                max_lines: 20,
                ..block
            },
            fonts,
        );
        let (w, _) = wrap(
            &[(wide, Style::Plain)],
            Block {
                max_lines: 20,
                ..block
            },
            fonts,
        );
        assert!(n.len() * 2 <= w.len(), "{} vs {}", n.len(), w.len());
        for line in n.iter().chain(&w) {
            assert!(line_width(line) <= 300.0 + 0.01);
        }
        let (lines, cut) = wrap(&[("word ".repeat(200), Style::Plain)], block, fonts);
        assert!(cut);
        assert_eq!(lines.len(), 2);
        let last = lines[1]
            .last()
            .and_then(|w| w.pieces.last())
            .map(|p| p.text.as_str());
        assert_eq!(last, Some("…"));
        assert!(line_width(&lines[1]) <= 300.0 + 0.01);
        // One unbroken 2,000-character word (a URL, CJK) is cut by characters.
        // A line narrower than one glyph still ends.
        let (lines, _) = wrap(
            &[("MMM WWW".into(), Style::Plain)],
            Block {
                max_width: 3.0,
                max_lines: 50,
                ..block
            },
            fonts,
        );
        assert!(!lines.is_empty() && lines.len() <= 50);
        let (lines, cut) = wrap(&[("漢".repeat(2000), Style::Plain)], block, fonts);
        assert!(cut && lines.len() == 2);
        assert!(lines.iter().all(|l| line_width(l) <= 300.0 + 0.01));
    }
}
