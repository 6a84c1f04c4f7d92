//! The tokeniser the quantity reader works on: words, numbers (with separators and decimals)
//! and symbols, with their offsets and whether they are glued to the previous token.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Num,
    Sym,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'t> {
    pub(super) s: usize,
    pub(super) e: usize,
    pub(super) kind: Kind,
    pub(super) text: &'t str,
    /// No white space between this token and the previous one.
    pub(super) glued: bool,
    /// Numeric value of a Num token.
    pub(super) value: f64,
    /// A Num written as plain digits (no separator or decimals).
    pub(super) plain: bool,
    /// The token in lower case, when it is ASCII (so lower-casing the whole sentence once
    /// gave it at the same offsets).
    low: Option<&'t str>,
}

impl<'t> Tok<'t> {
    pub(super) fn is(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(w)
    }

    pub(super) fn is_any(&self, ws: &[&str]) -> bool {
        self.kind == Kind::Word && ws.iter().any(|w| self.text.eq_ignore_ascii_case(w))
    }

    pub(super) fn sym(&self, c: char) -> bool {
        self.kind == Kind::Sym && self.text.starts_with(c)
    }

    /// The token in lower case; borrowed when it already is (most words), so the many
    /// table lookups per token do not allocate.
    pub(super) fn lower(&self) -> std::borrow::Cow<'t, str> {
        if let Some(low) = self.low {
            std::borrow::Cow::Borrowed(low)
        } else if self.text.chars().any(char::is_uppercase) {
            std::borrow::Cow::Owned(self.text.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(self.text)
        }
    }

    pub(super) fn capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Tokens of `s`; `lowered` is `s.to_ascii_lowercase()`, borrowed for the tokens' lower case.
pub(super) fn tokenize<'t>(s: &'t str, lowered: &'t str) -> Vec<Tok<'t>> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let (mut i, mut glued) = (0, false);
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            glued = false;
            i += 1;
            continue;
        }
        let start = i;
        let kind = if c.is_ascii_digit() {
            i = scan_number(&chars, i);
            Kind::Num
        } else if c.is_alphabetic() {
            i = scan_word(&chars, i);
            Kind::Word
        } else {
            i += 1;
            Kind::Sym
        };
        let (s_b, e_b) = (chars[start].0, chars.get(i).map_or(s.len(), |c| c.0));
        let text = &s[s_b..e_b];
        let plain = kind == Kind::Num && text.chars().all(|c| c.is_ascii_digit());
        let value = match kind {
            Kind::Num if plain => text.parse().unwrap_or(0.0),
            Kind::Num => text.replace(',', "").parse().unwrap_or(0.0),
            _ => 0.0,
        };
        // `lowered` is an ASCII lower-casing of `s`, so it has the same byte offsets.
        let low = if text.is_ascii() {
            lowered.get(s_b..e_b)
        } else {
            None
        };
        out.push(Tok {
            s: s_b,
            e: e_b,
            kind,
            text,
            glued,
            value,
            plain,
            low,
        });
        glued = true;
    }
    out
}

/// Digits with thousands separators (`3,000`, not `2019, 42`) and one decimal part.
fn scan_number(chars: &[(usize, char)], mut i: usize) -> usize {
    let digit = |k: usize| chars.get(k).is_some_and(|c| c.1.is_ascii_digit());
    while digit(i) {
        i += 1;
    }
    while chars.get(i).is_some_and(|c| c.1 == ',') && (1..=3).all(|d| digit(i + d)) && !digit(i + 4)
    {
        i += 4;
    }
    if chars.get(i).is_some_and(|c| c.1 == '.') && digit(i + 1) {
        i += 1;
        while digit(i) {
            i += 1;
        }
    }
    i
}

fn scan_word(chars: &[(usize, char)], mut i: usize) -> usize {
    let alpha = |k: usize| chars.get(k).is_some_and(|c| c.1.is_alphabetic());
    while i < chars.len() {
        if alpha(i) {
            i += 1;
        } else if chars[i].1 == '\'' && alpha(i + 1) {
            i += 2;
        } else {
            break;
        }
    }
    i
}
