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

use crate::diff::{
    MAX_CLAIM_BYTES, MAX_SENTENCE_BYTES, Revision, SentenceOp, Simplification, WordChange, WordTag,
    normalize_char, note_simplification, quote_spans,
};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

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
    ClaimAdded,
    ClaimRemoved,
}

impl ClaimKind {
    pub const ALL: [ClaimKind; 9] = [
        ClaimKind::NumberChanged,
        ClaimKind::QuoteChanged,
        ClaimKind::SpeakerChanged,
        ClaimKind::AttributionChanged,
        ClaimKind::HedgeAdded,
        ClaimKind::HedgeRemoved,
        ClaimKind::NegationFlipped,
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

/// One claim change, with the values as written and the sentences they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimChange {
    pub kind: ClaimKind,
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
    for op in &rev.ops {
        match op {
            SentenceOp::Same { .. } | SentenceOp::Moved { .. } => {}
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

fn whole(kind: ClaimKind, before: Option<&str>, after: Option<&str>) -> ClaimChange {
    ClaimChange {
        kind,
        before: before.map(str::to_string),
        after: after.map(str::to_string),
        before_sentence: before.map(str::to_string),
        after_sentence: after.map(str::to_string),
    }
}

/// Whether an added or removed sentence is worth a claim_added/claim_removed: it carries a
/// quantity, a quotation or an attribution.
pub fn carries_claim(sentence: &str) -> bool {
    let c = Claims::extract(sentence);
    !c.quantities.is_empty() || !c.quotes.is_empty() || !c.attributions.is_empty()
}

/// Claim changes between the two sides of an edited pair. `words` is the pair's word diff
/// (used to find what replaced a modal hedge).
pub fn pair_changes(old: &str, new: &str, words: &[WordChange]) -> Vec<ClaimChange> {
    let a = Claims::extract(old);
    let b = Claims::extract(new);
    let mut found: Vec<Found> = Vec::new();
    found.extend(quote_changes(&a, &b));
    found.extend(attribution_changes(&a.attributions, &b.attributions));
    found.extend(number_changes(&a.all_quantities(), &b.all_quantities()));
    found.extend(hedge_changes(&a.hedges, &b.hedges, words));
    found.extend(negation_changes(&a.negations, &b.negations));
    found.sort_by_key(|f| (f.kind.rank(), f.pos));
    found
        .into_iter()
        .map(|f| ClaimChange {
            kind: f.kind,
            before: f.before,
            after: f.after,
            before_sentence: Some(old.to_string()),
            after_sentence: Some(new.to_string()),
        })
        .collect()
}

/// A change found in a pair, with its position (new side if present, else old) for ordering.
struct Found {
    kind: ClaimKind,
    before: Option<String>,
    after: Option<String>,
    pos: usize,
}

fn found(kind: ClaimKind, before: Option<&Item>, after: Option<&Item>) -> Found {
    Found {
        kind,
        before: before.map(|i| i.written.clone()),
        after: after.map(|i| i.written.clone()),
        pos: after.or(before).map_or(0, |i| i.pos),
    }
}

// ---------------------------------------------------------------------------------------------
// Sentence text with offsets
// ---------------------------------------------------------------------------------------------

/// A sentence normalised char-for-char (so offsets map back to the text as written), with a
/// copy whose quotation contents are blanked.
struct Text<'a> {
    orig: &'a str,
    masked: String,
    /// Byte offset in the normalised text → byte offset in `orig` (one extra entry for the end).
    map: Vec<usize>,
    /// Byte spans of quotation contents (between the marks) in the normalised text.
    quotes: Vec<(usize, usize)>,
}

impl<'a> Text<'a> {
    fn new(orig: &'a str) -> Self {
        let chars: Vec<char> = orig.chars().collect();
        let mut norm = String::with_capacity(orig.len());
        let mut map = Vec::with_capacity(orig.len() + 1);
        let mut char_start = Vec::with_capacity(chars.len() + 1);
        for (ob, c) in orig.char_indices() {
            char_start.push(norm.len());
            let n = normalize_char(c);
            for _ in 0..n.len_utf8() {
                map.push(ob);
            }
            norm.push(n);
        }
        char_start.push(norm.len());
        map.push(orig.len());
        let quotes: Vec<(usize, usize)> =
            quote_spans(chars.iter().copied().enumerate(), Some(chars.len()))
                .into_iter()
                .map(|(o, c)| (char_start[o + 1], char_start[c]))
                .collect();
        let masked = mask(&norm, &quotes);
        Text {
            orig,
            masked,
            map,
            quotes,
        }
    }

    /// The text as written for a span of the normalised text.
    fn written(&self, s: usize, e: usize) -> &'a str {
        self.orig[self.map[s]..self.map[e]].trim()
    }

    fn item(&self, s: usize, e: usize) -> Item {
        Item {
            written: self.written(s, e).to_string(),
            pos: s,
        }
    }
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
struct Item {
    written: String,
    pos: usize,
}

// ---------------------------------------------------------------------------------------------
// Per-sentence claims
// ---------------------------------------------------------------------------------------------

/// Everything checkable in one sentence.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    quantities: Vec<Quantity>,
    /// Ordinals written as words (`fourth`): compared only against each other.
    ordinals: Vec<Quantity>,
    quotes: Vec<Quote>,
    hedges: Vec<Hedge>,
    negations: Vec<Negation>,
    attributions: Vec<Attribution>,
    /// Lower-case words outside quotations.
    words: Vec<String>,
}

impl Claims {
    pub fn extract(sentence: &str) -> Claims {
        let text = Text::new(sentence);
        let toks = tokenize(&text.masked);
        let (ordinals, quantities): (Vec<Quantity>, Vec<Quantity>) = quantities(&text, &toks)
            .into_iter()
            .partition(word_ordinal_quantity);
        let hedges = hedges(&text, &quantities);
        Claims {
            ordinals,
            quotes: quotes(&text),
            negations: negations(&text),
            attributions: attributions(&text),
            words: lower_words(&text.masked),
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
        for a in &self.attributions {
            out.push(("attribution", a.phrase.written.clone()));
            out.push(("speaker", a.speaker.written.clone()));
        }
        out
    }
}

fn lower_words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.' || c == '%' || c == '$'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Num,
    Sym,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'t> {
    s: usize,
    e: usize,
    kind: Kind,
    text: &'t str,
    /// No white space between this token and the previous one.
    glued: bool,
    /// Numeric value of a Num token.
    value: f64,
    /// A Num written as plain digits (no separator or decimals).
    plain: bool,
}

impl<'t> Tok<'t> {
    fn is(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(w)
    }

    fn is_any(&self, ws: &[&str]) -> bool {
        self.kind == Kind::Word && ws.iter().any(|w| self.text.eq_ignore_ascii_case(w))
    }

    fn sym(&self, c: char) -> bool {
        self.kind == Kind::Sym && self.text.starts_with(c)
    }

    /// The token in lower case; borrowed when it already is (most words), so the many
    /// table lookups per token do not allocate.
    fn lower(&self) -> std::borrow::Cow<'t, str> {
        if self.text.chars().any(char::is_uppercase) {
            std::borrow::Cow::Owned(self.text.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(self.text)
        }
    }

    fn capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

fn tokenize(s: &str) -> Vec<Tok<'_>> {
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
        let value = if kind == Kind::Num {
            text.replace(',', "").parse().unwrap_or(0.0)
        } else {
            0.0
        };
        out.push(Tok {
            s: s_b,
            e: e_b,
            kind,
            text,
            glued,
            value,
            plain,
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

// ---------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------

/// A quantity: its span as written, a unit (currency code, `%`, `km`, `date`, … or empty for a
/// plain count) and a value in that unit. Two quantities are equal when unit and value agree,
/// whatever the spelling (`$5.6m` = `5.6 million dollars`).
#[derive(Debug, Clone)]
struct Quantity {
    item: Item,
    start: usize,
    unit: String,
    value: f64,
}

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
];

#[rustfmt::skip]
const MONTH_ABBREVS: &[(&str, u32)] = &[
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("jun", 6), ("jul", 7), ("aug", 8), ("sep", 9),
    ("sept", 9), ("oct", 10), ("nov", 11), ("dec", 12),
];

/// Words after "May" that make it the modal verb, not the month.
const MAY_MODAL_NEXT: &[&str] = &[
    "be", "have", "not", "also", "well", "never", "still", "yet", "soon", "need", "want", "the",
    "seem", "take", "face", "lose", "cause", "become", "rise", "fall",
];

#[rustfmt::skip]
const ONES: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
];

const TENS: &[&str] = &[
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

#[rustfmt::skip]
const DENOMINATORS: &[(&str, f64)] = &[
    ("half", 2.0), ("halves", 2.0), ("third", 3.0), ("thirds", 3.0), ("quarter", 4.0),
    ("quarters", 4.0), ("fifth", 5.0), ("fifths", 5.0), ("sixth", 6.0), ("sixths", 6.0),
    ("eighth", 8.0), ("eighths", 8.0), ("tenth", 10.0), ("tenths", 10.0),
];

/// Magnitude words written out; they may stand apart from the number.
#[rustfmt::skip]
const MAGNITUDE_WORDS: &[(&str, f64)] = &[
    ("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("trillion", 1e12), ("mn", 1e6),
    ("bn", 1e9), ("tn", 1e12), ("trn", 1e12),
];

/// Abbreviated magnitudes; only glued to the number (`200m`, `$5.6bn`).
const MAGNITUDE_GLUED: &[(&str, f64)] = &[("k", 1e3), ("m", 1e6), ("b", 1e9)];

/// Units of measure and time, with their canonical form. Counted nouns (people, seats) are not
/// units: they are left out of the value.
#[rustfmt::skip]
const UNITS: &[(&str, &str)] = &[
    ("km", "km"), ("kms", "km"), ("kilometre", "km"), ("kilometres", "km"), ("kilometer", "km"),
    ("kilometers", "km"), ("mile", "mi"), ("miles", "mi"), ("metre", "m"), ("metres", "m"),
    ("meter", "m"), ("meters", "m"), ("cm", "cm"), ("centimetre", "cm"), ("centimetres", "cm"),
    ("centimeters", "cm"), ("mm", "mm"), ("millimetre", "mm"), ("millimetres", "mm"),
    ("millimeter", "mm"), ("millimeters", "mm"), ("ft", "ft"), ("foot", "ft"), ("feet", "ft"),
    ("inch", "in"), ("inches", "in"), ("kg", "kg"), ("kilogram", "kg"), ("kilograms", "kg"),
    ("kilo", "kg"), ("kilos", "kg"), ("gram", "g"), ("grams", "g"), ("tonne", "t"),
    ("tonnes", "t"), ("ton", "t"), ("tons", "t"), ("lb", "lb"), ("lbs", "lb"), ("litre", "l"),
    ("litres", "l"), ("liter", "l"), ("liters", "l"), ("gallon", "gal"), ("gallons", "gal"),
    ("barrel", "bbl"), ("barrels", "bbl"), ("mph", "mph"), ("kph", "kmh"), ("knots", "kn"),
    ("hectare", "ha"), ("hectares", "ha"), ("acre", "acre"), ("acres", "acre"), ("degree", "deg"),
    ("degrees", "deg"), ("celsius", "C"), ("fahrenheit", "F"), ("mw", "MW"), ("gw", "GW"),
    ("kw", "kW"), ("kwh", "kWh"), ("mwh", "MWh"), ("gwh", "GWh"), ("year", "year"),
    ("years", "year"), ("yr", "year"), ("yrs", "year"), ("month", "month"), ("months", "month"),
    ("week", "week"), ("weeks", "week"), ("day", "day"), ("days", "day"), ("hour", "hour"),
    ("hours", "hour"), ("hr", "hour"), ("hrs", "hour"), ("minute", "min"), ("minutes", "min"),
    ("min", "min"), ("mins", "min"), ("second", "s"), ("seconds", "s"), ("decade", "decade"),
    ("decades", "decade"), ("century", "century"), ("centuries", "century"), ("point", "pt"),
    ("points", "pt"), ("pts", "pt"), ("percent", "%"), ("pct", "%"),
];

const CURRENCY_CODES: &[&str] = &[
    "USD", "EUR", "GBP", "AUD", "CAD", "JPY", "CNY", "CHF", "INR", "NZD", "HKD", "SGD", "ZAR",
    "BRL", "MXN", "RUB", "KRW",
];

/// Currency words after a number, with an optional nationality adjective before them.
#[rustfmt::skip]
const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("dollar", "$"), ("dollars", "$"), ("euro", "EUR"), ("euros", "EUR"), ("pound", "GBP"),
    ("pounds", "GBP"), ("sterling", "GBP"), ("yen", "JPY"), ("yuan", "CNY"), ("renminbi", "CNY"),
    ("rupee", "INR"), ("rupees", "INR"), ("peso", "MXN"), ("pesos", "MXN"), ("franc", "CHF"),
    ("francs", "CHF"), ("rand", "ZAR"), ("cent", "$c"), ("cents", "$c"),
];

#[rustfmt::skip]
const DOLLAR_ADJECTIVES: &[(&str, &str)] = &[
    ("us", "USD"), ("american", "USD"), ("australian", "AUD"), ("canadian", "CAD"),
    ("singapore", "SGD"), ("hong", "HKD"), ("new", "NZD"),
];

#[rustfmt::skip]
const DOLLAR_PREFIXES: &[(&str, &str)] = &[
    ("us", "USD"), ("a", "AUD"), ("au", "AUD"), ("c", "CAD"), ("ca", "CAD"), ("nz", "NZD"),
    ("hk", "HKD"), ("s", "SGD"),
];

fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

fn quantities(text: &Text, toks: &[Tok]) -> Vec<Quantity> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match parse_quantity(toks, i) {
            Some(p) => {
                // `minus 12C` is `-12C`.
                let minus_word = i > 0 && toks[i - 1].is("minus") && toks[i].kind == Kind::Num;
                let sign = minus_sign(toks, i) || minus_word;
                let s = if sign { toks[i - 1].s } else { toks[i].s };
                let e = toks[p.end - 1].e;
                out.push(Quantity {
                    item: text.item(s, e),
                    start: s,
                    unit: p.unit,
                    value: if sign { -p.value } else { p.value },
                });
                i = p.end;
            }
            None => i += 1,
        }
    }
    out
}

/// `-5C`: a hyphen glued to the number and standing apart from the word before it.
fn minus_sign(toks: &[Tok], i: usize) -> bool {
    i > 0
        && toks[i].kind == Kind::Num
        && toks[i].glued
        && toks[i - 1].sym('-')
        && (i == 1 || !toks[i - 1].glued)
}

/// A parsed quantity: unit, value and the index of the first token after it.
struct Parsed {
    unit: String,
    value: f64,
    end: usize,
}

fn parsed(unit: &str, value: f64, end: usize) -> Option<Parsed> {
    Some(Parsed {
        unit: unit.to_string(),
        value,
        end,
    })
}

fn parse_quantity(t: &[Tok], i: usize) -> Option<Parsed> {
    parse_month_first_date(t, i)
        .or_else(|| word_fraction(t, i))
        .or_else(|| word_ordinal(t, i))
        .or_else(|| parse_numeric(t, i))
}

#[rustfmt::skip]
const ORDINAL_WORDS: &[&str] = &[
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
];

/// `fourth`, `twelfth`: an ordinal written as a word is the same value as `4th`. A fraction
/// (`a third of`, `two-thirds`) has been read before this.
fn word_ordinal(t: &[Tok], i: usize) -> Option<Parsed> {
    let tok = t.get(i)?;
    if tok.kind != Kind::Word {
        return None;
    }
    let lower = tok.lower();
    let n = ORDINAL_WORDS.iter().position(|&w| w == lower)?;
    // `one-fifth`: glued to a number word, it is a denominator.
    if tok.glued && i > 0 && t[i - 1].sym('-') {
        return None;
    }
    parsed("ord", n as f64, i + 1)
}

/// An ordinal written as a word (`the third to hit the region`, `at first`) ranks rather than
/// counts: it is reported only when it replaces another ordinal (`fourth` → `fifth`), never with
/// a `null` side, and it does not make an added or removed sentence a claim.
fn weak_ordinal(q: &Quantity) -> bool {
    word_ordinal_quantity(q)
}

fn word_ordinal_quantity(q: &Quantity) -> bool {
    q.unit == "ord" && !q.item.written.chars().any(|c| c.is_ascii_digit())
}

/// Words before `half` that make it a part of something, not an amount (`the second half`).
const NOT_AMOUNT_BEFORE_HALF: &[&str] = &[
    "first", "second", "the", "other", "latter", "former", "last", "bottom", "top", "third",
    "fourth", "its", "their", "his", "her",
];

/// `twice`, `half of`, `a third of`, `one quarter of`: amounts written as words without digits.
fn word_fraction(t: &[Tok], i: usize) -> Option<Parsed> {
    let tok = t.get(i)?;
    if tok.is("twice") {
        return parsed("times", 2.0, i + 1);
    }
    if tok.is("thrice") {
        return parsed("times", 3.0, i + 1);
    }
    // `a third of`, or after `by` (`rose by a third`).
    let by_before = i > 0 && t[i - 1].is("by");
    let of_follows = |k: usize| by_before || t.get(k).is_some_and(|w| w.is_any(&["of", "a", "an"]));
    let prev_ok = i == 0 || !t[i - 1].is_any(NOT_AMOUNT_BEFORE_HALF);
    if tok.is("half") && of_follows(i + 1) && prev_ok {
        return parsed("frac", 0.5, i + 1);
    }
    if tok.is_any(&["a", "one"]) {
        let denom = t
            .get(i + 1)
            .filter(|d| d.is_any(&["third", "quarter", "fifth", "tenth"]))?;
        let d = lookup(DENOMINATORS, &denom.lower())?;
        return of_follows(i + 2).then(|| Parsed {
            unit: "frac".into(),
            value: 1.0 / d,
            end: i + 2,
        });
    }
    None
}

/// Month name or abbreviation (with its period); `May` only when it is not the modal verb.
fn month_at(t: &[Tok], i: usize) -> Option<(u32, usize)> {
    let tok = t.get(i).filter(|t| t.kind == Kind::Word)?;
    let lower = tok.lower();
    let lower: &str = &lower;
    // A month in lower case is a typo of the month (`from september`), except the words that are
    // also verbs or adjectives (`may`, `march`, `august`).
    let lowercase_month = MONTHS.contains(&lower) && !matches!(lower, "may" | "march" | "august");
    if tok.kind != Kind::Word || !(tok.capitalised() || lowercase_month) {
        return None;
    }
    if let Some(m) = MONTHS.iter().position(|&m| m == lower) {
        if lower == "may" && may_is_modal(t, i) {
            return None;
        }
        return Some((m as u32 + 1, i + 1));
    }
    let m = lookup(MONTH_ABBREVS, lower)?;
    let dotted = t.get(i + 1).is_some_and(|d| d.sym('.') && d.glued);
    dotted.then_some((m, i + 2))
}

fn may_is_modal(t: &[Tok], i: usize) -> bool {
    let next = t.get(i + 1);
    let followed_by_date = next.is_some_and(|n| n.kind == Kind::Num);
    !followed_by_date
        && next
            .is_some_and(|n| n.kind == Kind::Word && !n.capitalised() && n.is_any(MAY_MODAL_NEXT))
}

fn day_number(tok: Option<&Tok>) -> Option<u32> {
    let tok = tok?;
    (tok.kind == Kind::Num && tok.plain && (1.0..=31.0).contains(&tok.value))
        .then_some(tok.value as u32)
}

fn year_number(tok: Option<&Tok>) -> Option<u32> {
    let tok = tok?;
    (tok.kind == Kind::Num && tok.plain && tok.text.len() == 4).then_some(tok.value as u32)
}

fn skip_ordinal_suffix(t: &[Tok], j: usize) -> usize {
    match t.get(j) {
        Some(s) if s.glued && s.is_any(&["st", "nd", "rd", "th"]) => j + 1,
        _ => j,
    }
}

/// Optional `, 2024` / `2024` after a date.
fn trailing_year(t: &[Tok], j: usize) -> (u32, usize) {
    if let Some(y) = year_number(t.get(j)) {
        return (y, j + 1);
    }
    if t.get(j).is_some_and(|c| c.sym(','))
        && let Some(y) = year_number(t.get(j + 1))
    {
        return (y, j + 2);
    }
    (0, j)
}

fn date_value(year: u32, month: u32, day: u32) -> f64 {
    f64::from(year * 10_000 + month * 100 + day)
}

/// `Jan. 15`, `January 15, 2024`, `May 2024`, `May`.
fn parse_month_first_date(t: &[Tok], i: usize) -> Option<Parsed> {
    let (month, mut j) = month_at(t, i)?;
    let mut day = 0;
    if let Some(d) = day_number(t.get(j)) {
        day = d;
        j = skip_ordinal_suffix(t, j + 1);
    }
    let (year, j) = trailing_year(t, j);
    parsed("date", date_value(year, month, day), j)
}

fn parse_numeric(t: &[Tok], i: usize) -> Option<Parsed> {
    let (currency, j) = currency_prefix(t, i);
    let (num, k) = number_at(t, j, currency.is_some())?;
    if currency.is_none()
        && t[j].kind == Kind::Num
        && let Some(p) = special_number(t, j)
    {
        return Some(p);
    }
    if let Some(p) = fraction(t, j, k) {
        return Some(p);
    }
    let (mult, k) = magnitude(t, k);
    let value = num * mult;
    // `60s`, `90s`: a decade of age or of a century, written with two digits.
    if currency.is_none()
        && mult == 1.0
        && k == j + 1
        && t[j].plain
        && t[j].text.len() == 2
        && t[j].value % 10.0 == 0.0
        && t.get(k).is_some_and(|d| d.glued && d.text == "s")
    {
        return parsed("decade", value, k + 1);
    }
    if currency.is_none() && mult == 1.0 && is_year(t, j, k) {
        if t.get(k).is_some_and(|d| d.glued && d.text == "s") {
            return parsed("decade", value, k + 1);
        }
        return parsed("year", value, k);
    }
    let (unit, value, k) = match currency {
        Some(c) => (c, value, k),
        None => unit_after(t, k, value),
    };
    let (unit, k) = rate_suffix(t, k, unit);
    parsed(&unit, value, k)
}

/// `$`, `US$`, `A$`, `€`, `£`, `¥`, `₹`, or an ISO code before the number.
fn currency_prefix(t: &[Tok], i: usize) -> (Option<String>, usize) {
    let Some(tok) = t.get(i) else {
        return (None, i);
    };
    let next_num = |k: usize| t.get(k).is_some_and(|n| n.kind == Kind::Num);
    let symbol = match tok.text {
        "$" => Some("USD"),
        "€" => Some("EUR"),
        "£" => Some("GBP"),
        "¥" => Some("JPY"),
        "₹" => Some("INR"),
        _ => None,
    };
    if let Some(code) = symbol.filter(|_| next_num(i + 1)) {
        return (Some(code.to_string()), i + 1);
    }
    if tok.kind == Kind::Word
        && t.get(i + 1).is_some_and(|d| d.sym('$') && d.glued)
        && let Some(code) = lookup(DOLLAR_PREFIXES, tok.text).filter(|_| next_num(i + 2))
    {
        return (Some(code.to_string()), i + 2);
    }
    if tok.kind == Kind::Word && CURRENCY_CODES.contains(&tok.text) && next_num(i + 1) {
        return (Some(tok.text.to_string()), i + 1);
    }
    (None, i)
}

/// The number itself, in digits or words. Digits glued to letters (`H800`, `COVID-19`, `5G`)
/// are names, not quantities.
fn number_at(t: &[Tok], j: usize, has_currency: bool) -> Option<(f64, usize)> {
    let tok = t.get(j)?;
    if tok.kind != Kind::Num {
        return word_number(t, j);
    }
    let prev_word_glued = j > 0 && tok.glued && t[j - 1].kind == Kind::Word && !has_currency;
    let prev_hyphenated_name =
        j > 1 && tok.glued && t[j - 1].sym('-') && t[j - 1].glued && t[j - 2].kind == Kind::Word;
    let prev_decimal = j > 0 && tok.glued && (t[j - 1].sym('.') || t[j - 1].sym('/'));
    if prev_word_glued || prev_hyphenated_name || prev_decimal {
        return None;
    }
    if let Some(next) = t.get(j + 1).filter(|n| n.glued && n.kind == Kind::Word)
        && !known_suffix(next.text)
    {
        return None;
    }
    Some((tok.value, j + 1))
}

fn known_suffix(s: &str) -> bool {
    let l = s.to_lowercase();
    lookup(UNITS, &l).is_some()
        || lookup(MAGNITUDE_WORDS, &l).is_some()
        || lookup(MAGNITUDE_GLUED, &l).is_some()
        || ["st", "nd", "rd", "th", "am", "pm", "a", "p", "s"].contains(&l.as_str())
        || s == "C"
        || s == "F"
}

fn small_word_value(tok: &Tok) -> Option<f64> {
    if tok.kind != Kind::Word {
        return None;
    }
    let l = tok.lower();
    if let Some(n) = ONES.iter().position(|&w| w == l) {
        return Some(n as f64);
    }
    TENS.iter()
        .position(|&w| w == l)
        .map(|n| (n as f64 + 2.0) * 10.0)
}

/// `four`, `twenty-five`, `two hundred`, `a dozen`, `a million` (the magnitude is read later).
fn word_number(t: &[Tok], j: usize) -> Option<(f64, usize)> {
    let tok = t.get(j)?;
    if tok.is_any(&["a", "an"]) {
        let next = t.get(j + 1)?;
        if next.is("dozen") {
            return Some((12.0, j + 2));
        }
        if next.is("hundred") {
            return Some((100.0, j + 2));
        }
        return next
            .is_any(&["thousand", "million", "billion", "trillion"])
            .then_some((1.0, j + 1));
    }
    if tok.is("one") && j > 0 && t[j - 1].is_any(&["no", "any", "every", "some", "each"]) {
        return None;
    }
    let mut value = small_word_value(tok)?;
    let mut k = j + 1;
    if value >= 20.0
        && t.get(k).is_some_and(|h| h.sym('-') && h.glued)
        && let Some(v) = t.get(k + 1).filter(|w| w.glued).and_then(small_word_value)
    {
        value += v;
        k += 2;
    }
    if t.get(k).is_some_and(|w| w.is("hundred")) {
        value *= 100.0;
        k += 1;
    } else if t.get(k).is_some_and(|w| w.is("dozen")) {
        value *= 12.0;
        k += 1;
    }
    Some((value, k))
}

/// Times, scores, day-first dates and years with an era: shapes that only digits take.
fn special_number(t: &[Tok], j: usize) -> Option<Parsed> {
    time_of_day(t, j)
        .or_else(|| score(t, j))
        .or_else(|| day_first_date(t, j))
        .or_else(|| era_year(t, j))
        .or_else(|| ordinal(t, j))
}

/// `89th`: the suffix is part of the value as written.
fn ordinal(t: &[Tok], j: usize) -> Option<Parsed> {
    let end = skip_ordinal_suffix(t, j + 1);
    (end > j + 1 && t[j].plain).then(|| Parsed {
        unit: "ord".into(),
        value: t[j].value,
        end,
    })
}

/// `6 p.m.`, `6pm`, `6:30 a.m.`, `18:00`.
fn time_of_day(t: &[Tok], j: usize) -> Option<Parsed> {
    let hour = t[j].value;
    let mut k = j + 1;
    let mut minutes = 0.0;
    let colon = t.get(k).is_some_and(|c| c.sym(':') && c.glued);
    let mins_tok = t
        .get(k + 1)
        .filter(|m| m.glued && m.plain && m.text.len() == 2);
    if colon && let Some(m) = mins_tok {
        minutes = m.value;
        k += 2;
    }
    let (pm, after) = meridiem(t, k)?.map_or((None, k), |(pm, after)| (Some(pm), after));
    if !t[j].plain || hour > 24.0 || (pm.is_none() && k == j + 1) {
        return None;
    }
    let hour = match pm {
        Some(true) if hour < 12.0 => hour + 12.0,
        Some(false) if hour == 12.0 => 0.0,
        _ => hour,
    };
    parsed("time", hour * 60.0 + minutes, after)
}

/// `Some(None)` when there is no a.m./p.m. marker, `Some(Some((is_pm, next)))` when there is.
#[allow(clippy::option_option)]
fn meridiem(t: &[Tok], k: usize) -> Option<Option<(bool, usize)>> {
    let Some(tok) = t.get(k) else {
        return Some(None);
    };
    if tok.is_any(&["am", "pm"]) {
        return Some(Some((tok.is("pm"), k + 1)));
    }
    let dotted = tok.is_any(&["a", "p"])
        && t.get(k + 1).is_some_and(|d| d.sym('.') && d.glued)
        && t.get(k + 2).is_some_and(|m| m.is("m") && m.glued);
    if !dotted {
        return Some(None);
    }
    let end = if t.get(k + 3).is_some_and(|d| d.sym('.') && d.glued) {
        k + 4
    } else {
        k + 3
    };
    Some(Some((tok.is("p"), end)))
}

/// `2-0`, `7-2` (dashes are already folded to hyphens).
fn score(t: &[Tok], j: usize) -> Option<Parsed> {
    let a = &t[j];
    let dash = t.get(j + 1).filter(|d| d.sym('-') && d.glued)?;
    let b = t
        .get(j + 2)
        .filter(|b| b.glued && b.kind == Kind::Num && b.plain)?;
    let after_is_word = t.get(j + 3).is_some_and(|w| w.glued && w.kind != Kind::Sym);
    if !a.plain || a.text.len() > 3 || b.text.len() > 3 || after_is_word || !dash.glued {
        return None;
    }
    parsed("score", a.value * 1000.0 + b.value, j + 3)
}

/// `15 January`, `15 Jan. 2024`.
fn day_first_date(t: &[Tok], j: usize) -> Option<Parsed> {
    let day = day_number(t.get(j))?;
    let k = skip_ordinal_suffix(t, j + 1);
    let (month, k) = month_at(t, k)?;
    let (year, k) = trailing_year(t, k);
    parsed("date", date_value(year, month, day), k)
}

/// `241 BC`, `AD 79` is rare enough to skip.
fn era_year(t: &[Tok], j: usize) -> Option<Parsed> {
    let era = t.get(j + 1)?;
    if !t[j].plain || !["BC", "BCE", "AD", "CE"].contains(&era.text) {
        return None;
    }
    let sign = if era.text.starts_with('B') { -1.0 } else { 1.0 };
    parsed("year", sign * t[j].value, j + 2)
}

/// A four-digit number between 1000 and 2199 with nothing after it that makes it a measure.
fn is_year(t: &[Tok], j: usize, k: usize) -> bool {
    let tok = &t[j];
    let unit_follows = t.get(k).is_some_and(|n| {
        n.sym('%') || (n.kind == Kind::Word && lookup(UNITS, &n.lower()).is_some())
    });
    tok.kind == Kind::Num
        && tok.plain
        && tok.text.len() == 4
        && (1000.0..2200.0).contains(&tok.value)
        && k == j + 1
        && !unit_follows
}

/// `two-thirds`: a word number glued to a denominator.
fn fraction(t: &[Tok], j: usize, k: usize) -> Option<Parsed> {
    if t[j].kind != Kind::Word || k != j + 1 {
        return None;
    }
    let dash = t.get(k).filter(|d| d.sym('-') && d.glued)?;
    let denom = t.get(k + 1).filter(|d| d.glued && dash.glued)?;
    let d = lookup(DENOMINATORS, &denom.lower())?;
    parsed("frac", t[j].value_or_word() / d, k + 2)
}

impl Tok<'_> {
    fn value_or_word(&self) -> f64 {
        small_word_value(self).unwrap_or(self.value)
    }
}

fn magnitude(t: &[Tok], k: usize) -> (f64, usize) {
    let Some(tok) = t.get(k).filter(|m| m.kind == Kind::Word) else {
        return (1.0, k);
    };
    if let Some(m) = lookup(MAGNITUDE_WORDS, tok.text) {
        return (m, k + 1);
    }
    if tok.glued
        && let Some(m) = lookup(MAGNITUDE_GLUED, tok.text)
    {
        return (m, k + 1);
    }
    (1.0, k)
}

/// The unit after a number (and its magnitude): `%`, `percent`, `per cent`, `percentage
/// points`, a currency word (`dollars`, `Australian cents`), a measure (`square kilometres`,
/// `46.2C`), a hyphenated measure (`9-day`, `34-year-old`) or `years old`.
fn unit_after(t: &[Tok], k: usize, value: f64) -> (String, f64, usize) {
    let none = (String::new(), value, k);
    let Some(tok) = t.get(k) else {
        return none;
    };
    if tok.sym('%') {
        return ("%".into(), value, k + 1);
    }
    if tok.is("per") && t.get(k + 1).is_some_and(|c| c.is("cent")) {
        return ("%".into(), value, k + 2);
    }
    if tok.is("percentage") && t.get(k + 1).is_some_and(|p| p.is_any(&["point", "points"])) {
        return ("pp".into(), value, k + 2);
    }
    if let Some(r) = currency_suffix(t, k, value) {
        return r;
    }
    if let Some(r) = temperature(t, k, value) {
        return r;
    }
    if let Some(r) = hyphenated_unit(t, k, value) {
        return r;
    }
    // `light-years`, `light years` (hyphens are read as spaces too).
    if tok.is("light") {
        let mut j = k + 1;
        if t.get(j).is_some_and(|h| h.sym('-')) {
            j += 1;
        }
        if t.get(j).is_some_and(|y| y.is_any(&["year", "years"])) {
            return ("ly".into(), value, j + 1);
        }
    }
    if tok.is_any(&["square", "sq", "cubic"])
        && let Some(u) = t.get(k + 1).and_then(|u| lookup(UNITS, &u.lower()))
    {
        return (format!("{}{u}", &tok.lower()[..2]), value, k + 2);
    }
    if let Some(u) = lookup(UNITS, &tok.lower()).filter(|_| tok.kind == Kind::Word) {
        return (age_or(t, k + 1, u), value, age_end(t, k + 1));
    }
    none
}

/// `years old` after a number is an age.
fn age_or(t: &[Tok], k: usize, unit: &str) -> String {
    if unit == "year" && t.get(k).is_some_and(|o| o.is("old")) {
        "year-old".into()
    } else {
        unit.into()
    }
}

fn age_end(t: &[Tok], k: usize) -> usize {
    if t.get(k).is_some_and(|o| o.is("old"))
        && t.get(k - 1).is_some_and(|y| y.is_any(&["year", "years"]))
    {
        k + 1
    } else {
        k
    }
}

fn currency_suffix(t: &[Tok], k: usize, value: f64) -> Option<(String, f64, usize)> {
    let tok = t.get(k)?;
    let (adj_code, k2) = match lookup(DOLLAR_ADJECTIVES, tok.text) {
        Some(code) if tok.capitalised() || tok.text == "US" => {
            let skip = if tok.is_any(&["hong", "new"]) { 2 } else { 1 };
            (Some(code), k + skip)
        }
        _ => (None, k),
    };
    let word = t.get(k2)?;
    let code = lookup(CURRENCY_WORDS, &word.lower())?;
    let dollar_code = adj_code.unwrap_or("USD");
    match code {
        "$" => Some((dollar_code.into(), value, k2 + 1)),
        "$c" => Some((dollar_code.into(), value / 100.0, k2 + 1)),
        _ if adj_code.is_none() => Some((code.into(), value, k2 + 1)),
        _ => None,
    }
}

/// `46.2C`, `46.2 C`, `46.2°C`, `-5 degrees Celsius` (degrees alone is handled as a unit).
fn temperature(t: &[Tok], k: usize, value: f64) -> Option<(String, f64, usize)> {
    let tok = t.get(k)?;
    if tok.text == "C" || tok.text == "F" {
        let next_is_word = t
            .get(k + 1)
            .is_some_and(|n| n.glued && n.kind == Kind::Word);
        return (!next_is_word).then(|| (tok.text.to_string(), value, k + 1));
    }
    let scale = t
        .get(k + 1)
        .filter(|s| s.glued && (s.text == "C" || s.text == "F"))?;
    tok.sym('°').then(|| (scale.text.to_string(), value, k + 2))
}

/// `9-day`, `40-km`, `34-year-old`. A hyphenated counted noun (`12-member`) is not a unit: the
/// value stops at the number.
fn hyphenated_unit(t: &[Tok], k: usize, value: f64) -> Option<(String, f64, usize)> {
    let dash = t.get(k).filter(|d| d.sym('-') && d.glued)?;
    let word = t
        .get(k + 1)
        .filter(|w| w.glued && dash.glued && w.kind == Kind::Word)?;
    let unit = lookup(UNITS, &word.lower())?;
    let old = t.get(k + 2).is_some_and(|d| d.sym('-') && d.glued)
        && t.get(k + 3).is_some_and(|o| o.is("old") && o.glued);
    if unit == "year" && old {
        return Some(("year-old".into(), value, k + 4));
    }
    Some((unit.into(), value, k + 2))
}

/// `a year`, `per year`, `annually` after an amount make it a rate.
fn rate_suffix(t: &[Tok], k: usize, unit: String) -> (String, usize) {
    if unit.is_empty() || unit == "year" {
        return (unit, k);
    }
    let per = t.get(k).is_some_and(|p| p.is_any(&["a", "an", "per"]));
    if let Some(period) = t.get(k + 1).filter(|_| per)
        && let Some(p) = lookup(UNITS, &period.lower())
            .filter(|p| ["year", "month", "week", "day", "hour"].contains(p))
    {
        return (format!("{unit}/{p}"), k + 2);
    }
    if t.get(k).is_some_and(|a| a.is("annually")) {
        return (format!("{unit}/year"), k + 1);
    }
    (unit, k)
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Equal value; a bare count equals a measure of the same value (`2` / `2 points`), but not a
/// date, time or score.
fn same_quantity(a: &Quantity, b: &Quantity) -> bool {
    let structured = |u: &str| matches!(u, "date" | "time" | "score" | "year" | "decade");
    let units_ok = a.unit == b.unit
        || (a.unit.is_empty() && !structured(&b.unit))
        || (b.unit.is_empty() && !structured(&a.unit));
    units_ok && approx(a.value, b.value)
}

/// Remove equal quantities (multiset), then pair what is left: same unit first, then by order.
fn number_changes(a: &[Quantity], b: &[Quantity]) -> Vec<Found> {
    let mut left_a: Vec<&Quantity> = a.iter().collect();
    let mut left_b: Vec<&Quantity> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        x.unit == y.unit && approx(x.value, y.value)
    });
    cancel_pairs(&mut left_a, &mut left_b, same_quantity);
    let mut out = Vec::new();
    let pairs = take_pairs(&mut left_a, &mut left_b, |x, y| x.unit == y.unit);
    for (x, y) in pairs {
        out.push(found(
            ClaimKind::NumberChanged,
            Some(&x.item),
            Some(&y.item),
        ));
    }
    left_a.retain(|q| !weak_ordinal(q));
    left_b.retain(|q| !weak_ordinal(q));
    for (x, y) in zip_leftovers(&mut left_a, &mut left_b) {
        out.push(found(
            ClaimKind::NumberChanged,
            Some(&x.item),
            Some(&y.item),
        ));
    }
    push_unpaired(&mut out, ClaimKind::NumberChanged, &left_a, &left_b, |q| {
        &q.item
    });
    out
}

/// Drops every pair that `eq` matches (greedy, in order).
fn cancel_pairs<'x, T>(a: &mut Vec<&'x T>, b: &mut Vec<&'x T>, eq: impl Fn(&T, &T) -> bool) {
    take_pairs(a, b, eq);
}

/// Removes and returns pairs matched by `eq`, greedy in order of `a`.
fn take_pairs<'x, T>(
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
fn zip_leftovers<'x, T>(a: &mut Vec<&'x T>, b: &mut Vec<&'x T>) -> Vec<(&'x T, &'x T)> {
    let n = a.len().min(b.len());
    a.drain(..n).zip(b.drain(..n)).collect()
}

fn push_unpaired<T>(
    out: &mut Vec<Found>,
    kind: ClaimKind,
    a: &[&T],
    b: &[&T],
    item: impl Fn(&T) -> &Item,
) {
    out.extend(a.iter().map(|x| found(kind, Some(item(x)), None)));
    out.extend(b.iter().map(|y| found(kind, None, Some(item(y)))));
}

// ---------------------------------------------------------------------------------------------
// Hedges
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HedgeGroup {
    Evidential,
    Qualifier,
    Epistemic,
}

#[derive(Debug, Clone)]
struct Hedge {
    item: Item,
    /// Tense- and number-free form (`are believed to` → `believed to`).
    key: String,
    group: HedgeGroup,
}

static EVIDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:reportedly|allegedly|apparently|purportedly|reputedly|rumou?red\s+to|(?:is|are|was|were|be|been)\s+said\s+to)\b",
    )
    .expect("evidential hedge regex")
});

static EPISTEMIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:might|could|possibly|probably|likely|suspected|(?:(?:is|are|was|were|be|been|being)\s+)?believed\s+to|(?:is|are|was|were|be|been|being)\s+thought\s+to|(?:appears?|appeared|seems?|seemed)\s+to)\b|\bmay\b",
    )
    .expect("epistemic hedge regex")
});

static QUALIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:about|around|approximately|roughly|some|nearly|almost|at\s+least|more\s+than|over|less\s+than|fewer\s+than|under|up\s+to|as\s+many\s+as|as\s+much\s+as|as\s+little\s+as|an\s+estimated)\s+",
    )
    .expect("qualifier regex")
});

fn hedges(text: &Text, quantities: &[Quantity]) -> Vec<Hedge> {
    let s = &text.masked;
    let mut out = Vec::new();
    for m in EVIDENTIAL.find_iter(s) {
        out.push(hedge(text, m.start(), m.end(), HedgeGroup::Evidential));
    }
    for m in EPISTEMIC.find_iter(s) {
        // Case-sensitive for "may": the capitalised word is the month.
        if m.as_str() == "May" {
            continue;
        }
        out.push(hedge(text, m.start(), m.end(), HedgeGroup::Epistemic));
    }
    for m in QUALIFIER.find_iter(s) {
        // A qualifier is a hedge only when a quantity follows it directly.
        if quantities.iter().any(|q| q.start == m.end()) {
            let end = m.start() + m.as_str().trim_end().len();
            out.push(hedge(text, m.start(), end, HedgeGroup::Qualifier));
        }
    }
    out.sort_by_key(|h| h.item.pos);
    out
}

fn hedge(text: &Text, s: usize, e: usize, group: HedgeGroup) -> Hedge {
    let item = text.item(s, e);
    Hedge {
        key: hedge_key(&item.written),
        item,
        group,
    }
}

fn hedge_key(written: &str) -> String {
    let lower = written.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let aux = ["is", "are", "was", "were", "be", "been", "being"];
    let words: Vec<&str> = words.into_iter().filter(|w| !aux.contains(w)).collect();
    let stem = |w: &str| match w {
        "appears" | "appeared" => "appear".to_string(),
        "seems" | "seemed" => "seem".to_string(),
        "rumored" | "rumoured" => "rumored".to_string(),
        _ => w.to_string(),
    };
    words.into_iter().map(stem).collect::<Vec<_>>().join(" ")
}

fn hedge_changes(a: &[Hedge], b: &[Hedge], words: &[WordChange]) -> Vec<Found> {
    let mut left_a: Vec<&Hedge> = a.iter().collect();
    let mut left_b: Vec<&Hedge> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| x.key == y.key);
    let mut out = Vec::new();
    for h in left_a {
        let after = replacement(h, words, WordTag::Delete);
        out.push(Found {
            kind: ClaimKind::HedgeRemoved,
            before: Some(h.item.written.clone()),
            after,
            pos: h.item.pos,
        });
    }
    for h in left_b {
        let before = replacement(h, words, WordTag::Insert);
        out.push(Found {
            kind: ClaimKind::HedgeAdded,
            before,
            after: Some(h.item.written.clone()),
            pos: h.item.pos,
        });
    }
    out
}

/// For a modal swap (`may` → `would`, `will` → `may`), the word on the other side of the word
/// diff hunk holding the hedge. Only for modal hedges, only when the other side is a short
/// run of plain words (a hedge there is reported on its own).
fn replacement(h: &Hedge, words: &[WordChange], side: WordTag) -> Option<String> {
    // Only modal hedges swap with a modal or verb; `suspected man` → `man` is no swap.
    let modal = ["may", "might", "could", "likely", "possibly", "probably"];
    if h.group != HedgeGroup::Epistemic || !modal.contains(&h.key.as_str()) {
        return None;
    }
    let other = if side == WordTag::Delete {
        WordTag::Insert
    } else {
        WordTag::Delete
    };
    let needle = h.item.written.to_lowercase();
    let k = words
        .iter()
        .position(|w| w.tag == side && contains_phrase(&normalize_lower(&w.text), &needle))?;
    let neighbour = [k.checked_sub(1), Some(k + 1)]
        .into_iter()
        .flatten()
        .filter_map(|n| words.get(n))
        .find(|w| w.tag == other)?;
    plain_replacement(&neighbour.text)
}

fn normalize_lower(s: &str) -> String {
    s.chars()
        .map(normalize_char)
        .collect::<String>()
        .to_lowercase()
}

fn contains_phrase(hay: &str, needle: &str) -> bool {
    let hay_words: Vec<&str> = hay
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .collect();
    let needle_words: Vec<&str> = needle.split_whitespace().collect();
    hay_words
        .windows(needle_words.len().max(1))
        .any(|w| w == needle_words.as_slice())
}

fn plain_replacement(text: &str) -> Option<String> {
    let t = text.trim().trim_matches(|c: char| !c.is_alphanumeric());
    let n_words = t.split_whitespace().count();
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    let hedged = EPISTEMIC.is_match(t) || EVIDENTIAL.is_match(t);
    (n_words > 0 && n_words <= 3 && !has_digit && !hedged).then(|| t.to_string())
}

// ---------------------------------------------------------------------------------------------
// Negations
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Negation {
    item: Item,
    key: String,
}

static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|[a-z]+n't)\b")
        .expect("negation regex")
});

fn negations(text: &Text) -> Vec<Negation> {
    let s = &text.masked;
    NEGATION
        .find_iter(s)
        .filter(|m| !is_number_abbrev(s, m.end()))
        .map(|m| {
            let item = text.item(m.start(), m.end());
            let lower = item.written.to_lowercase().replace('\u{2019}', "'");
            // `did not` and `didn't` are the same negation: compare the cue, not the spelling.
            let key = if lower == "cannot" || lower.ends_with("n't") {
                "not".to_string()
            } else {
                lower
            };
            Negation { item, key }
        })
        .collect()
}

/// `No. 10` is a number, not a negation.
fn is_number_abbrev(s: &str, end: usize) -> bool {
    s[end..].starts_with('.')
        && s[end + 1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
}

fn negation_changes(a: &[Negation], b: &[Negation]) -> Vec<Found> {
    let mut left_a: Vec<&Negation> = a.iter().collect();
    let mut left_b: Vec<&Negation> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| x.key == y.key);
    let mut out = Vec::new();
    push_unpaired(
        &mut out,
        ClaimKind::NegationFlipped,
        &left_a,
        &left_b,
        |n| &n.item,
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Quotations
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Quote {
    item: Item,
    words: Vec<String>,
}

fn quotes(text: &Text) -> Vec<Quote> {
    text.quotes
        .iter()
        .filter_map(|&(s, e)| {
            let item = text.item(s, e);
            let words = lower_words(&normalize_lower(&item.written));
            (!words.is_empty()).then_some(Quote { item, words })
        })
        .collect()
}

fn quote_changes(a: &Claims, b: &Claims) -> Vec<Found> {
    let mut left_a: Vec<&Quote> = a.quotes.iter().collect();
    let mut left_b: Vec<&Quote> = b.quotes.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        same_wording(&x.words, &y.words)
    });
    // A quotation whose words survive unquoted on the other side only lost its marks.
    left_a.retain(|q| !contains_words(&b.words, &q.words));
    left_b.retain(|q| !contains_words(&a.words, &q.words));
    let mut out = Vec::new();
    for (x, y) in zip_leftovers(&mut left_a, &mut left_b) {
        out.push(found(ClaimKind::QuoteChanged, Some(&x.item), Some(&y.item)));
    }
    push_unpaired(&mut out, ClaimKind::QuoteChanged, &left_a, &left_b, |q| {
        &q.item
    });
    out
}

fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && hay.len() >= needle.len()
        && hay.windows(needle.len()).any(|w| same_wording(w, needle))
}

/// Same words up to typo and grammar fixes (`suprised`/`surprised`, `saturated`/`saturating`)
/// and an added or dropped article.
fn same_wording(a: &[String], b: &[String]) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Attributions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceClass {
    /// A named person or organisation, or a definite singular (`the ministry`).
    Identified,
    /// Anonymous or collective (`officials`, `local media`, `a spokesman`).
    Generic,
    /// `he`, `she`, `they`: the referent is elsewhere, so it matches any source.
    Pronoun,
}

#[derive(Debug, Clone)]
struct Attribution {
    according: bool,
    /// Source with its verb (`Health officials said`) or the whole `according to …` phrase.
    phrase: Item,
    /// The reporting verb as written (empty for `according to`).
    verb: Item,
    verb_class: String,
    /// The speaker's name without title or apposition, or the source phrase.
    speaker: Item,
    key: String,
    class: SourceClass,
}

static ACCORDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\baccording\s+to\s+([^,;:"()]+)"#).expect("according regex")
});

static REPORTING_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:said|says|say|saying|told|tells|reported|reports|confirmed|confirms|announced|announces|claimed|claims|stated|states|added|adds|wrote|writes|noted|notes|explained|explains|insisted|insists|argued|argues|warned|warns|acknowledged|acknowledges|admitted|admits|denied|denies|estimated|estimates|estimate|predicted|predicts|alleged|alleges|asserted|asserts|described|describes|testified|show|shows|showed|suggest|suggests|suggested|indicate|indicates|indicated|allege|claim|confirm|deny|insist|argue|warn|admit|predict|acknowledge|heard)\b",
    )
    .expect("reporting verb regex")
});

/// Verb forms that are mostly something else unless they clearly introduce speech.
#[rustfmt::skip]
const WEAK_VERBS: &[&str] = &[
    "added", "adds", "noted", "notes", "stated", "states", "explained", "explains",
];

/// Present forms that double as infinitives.
#[rustfmt::skip]
const BASE_VERBS: &[&str] = &[
    "allege", "claim", "confirm", "deny", "insist", "argue", "warn", "admit", "predict",
    "acknowledge",
];

#[rustfmt::skip]
const AUXILIARIES: &[&str] = &[
    "to", "not", "never", "could", "would", "can", "will", "may", "might", "should", "must",
    "did", "does", "do", "cannot", "didn't", "won't", "couldn't", "wouldn't", "can't", "shall",
    "yet", "also", "i", "we", "you",
];

/// `the court heard`: a court or inquiry hears what it is told.
fn is_hearing_subject(before: &str) -> bool {
    let w = last_word(before.trim_end()).to_lowercase();
    matches!(
        w.as_str(),
        "court" | "jury" | "tribunal" | "inquest" | "inquiry" | "hearing" | "committee"
    )
}

/// Verbs that report only with a data subject (`Reports show`, `figures suggest`).
#[rustfmt::skip]
const DATA_VERBS: &[&str] = &[
    "show", "shows", "showed", "suggest", "suggests", "suggested", "indicate", "indicates",
    "indicated",
];

#[rustfmt::skip]
const DATA_NOUNS: &[&str] = &[
    "reports", "report", "data", "figures", "records", "documents", "statistics", "polls", "poll",
    "surveys", "survey", "study", "studies", "research", "results", "filings", "estimates",
    "analysis", "footage", "images", "projections", "models", "tests", "numbers",
];

/// Words before a verb form that make it an adjective or noun (`confirmed cases`, `the claims`)
/// or a passive (`were reported missing`).
#[rustfmt::skip]
const NOT_A_VERB_BEFORE: &[&str] = &[
    "the", "a", "an", "of", "its", "their", "his", "her", "our", "new", "more", "most", "any",
    "no", "all", "these", "those", "with", "for", "in", "was", "were", "been", "being", "is",
    "are", "be", "to", "by", "and", "or", "such", "other", "first", "previously", "unconfirmed",
];

/// Skipped between a subject and its verb (`officials also said`).
#[rustfmt::skip]
const SUBJECT_FILLERS: &[&str] = &[
    "also", "has", "have", "had", "previously", "later", "earlier", "separately", "initially",
    "repeatedly", "publicly", "privately", "recently", "again", "then", "would", "will", "could",
    "reportedly", "allegedly", "apparently", "once", "subsequently", "now", "quickly", "last",
    "today", "yesterday", "did", "does", "do", "not", "never",
];

/// Words that end a subject when walking back from the verb.
#[rustfmt::skip]
const CLAUSE_WORDS: &[&str] = &[
    "that", "and", "but", "while", "as", "because", "who", "which", "when", "where", "after", "so",
    "if", "although", "though", "since", "before", "until", "than", "whom", "whose", "whether",
    "what", "how", "why", "meanwhile", "however",
];

/// Words that end a name after an inverted verb (`said Ana Silva on Monday`).
#[rustfmt::skip]
const AFTER_SOURCE_STOPS: &[&str] = &[
    "in", "on", "at", "during", "when", "after", "before", "while", "adding", "who", "which",
    "according", "from", "that", "last", "this", "earlier", "later", "yesterday", "today",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "it", "we", "i", "you"];

#[rustfmt::skip]
const GENERIC_HEADS: &[&str] = &[
    "officials", "official", "sources", "source", "police", "authorities", "residents",
    "witnesses", "witness", "experts", "analysts", "media", "reports", "report", "data", "figures",
    "researchers", "scientists", "people", "observers", "diplomats", "investigators", "critics",
    "officers", "insiders", "aides", "lawmakers", "spokesperson", "spokesman", "spokeswoman",
    "statement", "documents", "records", "studies", "study", "polls", "survey", "surveys",
    "estimates", "statistics", "outlets", "newspapers", "agencies", "groups", "campaigners",
    "activists", "doctors", "economists", "traders", "workers", "locals", "survivors", "relatives",
    "family", "families", "person", "individuals", "members",
];

/// Lowercase particles inside personal names (`von der Leyen`, `da Silva`, `al-Assad`).
#[rustfmt::skip]
const NAME_PARTICLES: &[&str] = &[
    "von", "van", "der", "den", "de", "da", "di", "del", "della", "dos", "das", "du", "la", "le",
    "al", "el", "bin", "ibn", "abu", "ter", "zu",
];

/// Nouns that end an organisation's name (`Foreign Ministry`, `Transport Police`).
#[rustfmt::skip]
const ORG_HEADS: &[&str] = &[
    "ministry", "department", "office", "agency", "service", "services", "commission", "council",
    "authority", "bank", "court", "board", "committee", "union", "association", "institute",
    "university", "organization", "organisation", "administration", "force", "army", "navy",
    "guard", "bureau", "fund", "group", "federation", "company", "corporation", "party",
    "parliament", "government", "directorate", "command", "centre", "center", "foundation",
    "trust", "tribunal", "assembly", "senate", "house", "alliance", "coalition", "society",
    "hospital", "club", "league", "reserve", "treasury", "cabinet", "embassy", "mission",
    "inc", "corp", "ltd", "co", "network", "watch", "programme", "program", "observatory",
    "forces", "commission", "agency", "institution", "organisation", "ministries",
];

/// Titles and job words stripped from a name (`Health Minister Ana Silva` → `Ana Silva`).
#[rustfmt::skip]
const TITLE_WORDS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "prof", "professor", "sir", "dame", "lord", "lady", "rev", "det",
    "insp", "lt", "col", "gen", "sgt", "capt", "gov", "sen", "rep", "minister", "president",
    "secretary", "director", "chief", "executive", "officer", "spokesman", "spokeswoman",
    "spokesperson", "governor", "senator", "mayor", "judge", "justice", "coach", "manager",
    "chairman", "chairwoman", "chair", "ceo", "cfo", "head", "commissioner", "inspector",
    "detective", "sergeant", "captain", "attorney", "general", "prime", "deputy", "foreign",
    "health", "finance", "interior", "defence", "defense", "managing", "vice", "acting", "former",
    "lead", "senior", "chancellor", "king", "queen", "prince", "princess", "pope", "bishop",
    "archbishop", "ambassador", "envoy", "superintendent", "constable", "colonel", "lieutenant",
    "major", "admiral", "marshal", "economy", "trade", "energy", "education", "transport",
    "environment", "justice", "agriculture", "labour", "labor", "home", "state", "opposition",
    "party", "leader", "speaker", "representative", "congressman", "congresswoman", "councillor",
    "councilor", "premier", "treasurer", "founder", "co", "assistant", "associate", "principal",
    "sheriff", "warden",
];

fn attributions(text: &Text) -> Vec<Attribution> {
    let s = &text.masked;
    let mut out = Vec::new();
    let mut according_spans = Vec::new();
    for c in ACCORDING.captures_iter(s) {
        let (Some(all), Some(src)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let end = all.start() + trim_phrase_end(all.as_str());
        let src_end = src.start() + trim_phrase_end(src.as_str());
        according_spans.push((all.start(), end));
        out.push(according_to(text, all.start(), end, src.start(), src_end));
    }
    for m in REPORTING_VERB.find_iter(s) {
        if according_spans
            .iter()
            .any(|&(a, e)| a <= m.start() && m.start() < e)
        {
            continue;
        }
        if let Some(a) = verb_attribution(text, m.start(), m.end()) {
            out.push(a);
        }
    }
    out.sort_by_key(|a| a.phrase.pos);
    out
}

/// Length of a phrase without trailing white space and a sentence-final period.
fn trim_phrase_end(p: &str) -> usize {
    let t = p.trim_end();
    let t = t.strip_suffix('.').unwrap_or(t);
    let t = t.strip_suffix(['!', '?']).unwrap_or(t);
    t.trim_end().len()
}

fn according_to(text: &Text, s: usize, e: usize, src_s: usize, src_e: usize) -> Attribution {
    let phrase = text.item(s, e);
    let source = text.item(src_s, src_e);
    Attribution {
        according: true,
        key: source_key(&source.written),
        class: source_class(&source.written, false),
        speaker: source,
        verb: Item {
            written: String::new(),
            pos: s,
        },
        verb_class: String::new(),
        phrase,
    }
}

fn verb_attribution(text: &Text, vs: usize, ve: usize) -> Option<Attribution> {
    let s = &text.masked;
    let verb = s[vs..ve].to_lowercase();
    let before = &s[..vs];
    let after = &s[ve..];
    let prev = last_word(before).to_lowercase();
    let next = first_word(after).to_lowercase();
    // `Reports show`: the first of two reporting words is the subject noun.
    let next_is_verb = !next.is_empty() && REPORTING_VERB.is_match(&next);
    // `Prosecutors allege`, `critics argue`: a bare present form reports only after its subject,
    // not as an infinitive or after an auxiliary (`to confirm`, `could not confirm`).
    if BASE_VERBS.contains(&verb.as_str()) && AUXILIARIES.contains(&prev.as_str()) {
        return None;
    }
    if verb == "heard" && !is_hearing_subject(before) {
        return None;
    }
    if NOT_A_VERB_BEFORE.contains(&prev.as_str())
        || prev.chars().next().is_some_and(|c| c.is_ascii_digit())
        || next_is_verb
        || matches!(next.as_str(), "of" | "by")
    {
        return None;
    }
    let trimmed = before.trim_end();
    let inverted = trimmed.ends_with('"')
        || (trimmed.ends_with(',')
            && !WEAK_VERBS.contains(&verb.as_str())
            && inverted_name_follows(s, ve));
    let (src_s, src_e) = if inverted {
        source_after(s, ve)?
    } else {
        source_before(s, vs)?
    };
    if WEAK_VERBS.contains(&verb.as_str()) && !inverted && !introduces_speech(after) {
        return None;
    }
    let source = text.item(src_s, src_e);
    if DATA_VERBS.contains(&verb.as_str()) && !is_data_subject(&source.written) {
        return None;
    }
    let sentence_start = src_s == first_alnum(s);
    let class = source_class(&source.written, sentence_start);
    let phrase = if inverted {
        text.item(vs, src_e)
    } else {
        text.item(src_s, ve)
    };
    Some(Attribution {
        according: false,
        key: source_key(&speaker_name(&source.written, sentence_start).unwrap_or_default()),
        speaker: speaker_item(&source, sentence_start),
        class,
        verb: text.item(vs, ve),
        verb_class: verb_class(&verb),
        phrase,
    })
}

fn first_alnum(s: &str) -> usize {
    s.find(|c: char| c.is_alphanumeric()).unwrap_or(0)
}

fn last_word(s: &str) -> &str {
    let t = s.trim_end();
    let start = t
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '\''))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &t[start..]
}

fn first_word(s: &str) -> &str {
    let t = s.trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '\''))
        .unwrap_or(t.len());
    &t[..end]
}

/// After `…, said`, a short name phrase closing the clause (`…, said Ana Silva.`), not a
/// reported clause (`…, said the road could reopen`).
fn inverted_name_follows(s: &str, ve: usize) -> bool {
    let w = first_word(&s[ve..]);
    let starts = w.chars().next().is_some_and(char::is_uppercase) || w.eq_ignore_ascii_case("the");
    let Some((a, b)) = source_after(s, ve).filter(|_| starts) else {
        return false;
    };
    let closes = s[b..].trim_start().is_empty() || s[b..].trim_start().starts_with([',', '.', ';']);
    let words: Vec<String> = s[a..b].split_whitespace().map(str::to_lowercase).collect();
    let verbish = words.iter().any(|w| CLAUSE_VERBS.contains(&w.as_str()));
    closes && words.len() <= 5 && !verbish
}

/// Auxiliaries and modals that mark a reported clause rather than a name.
const CLAUSE_VERBS: &[&str] = &[
    "is", "are", "was", "were", "will", "would", "could", "can", "may", "might", "had", "has",
    "have", "should", "must", "did", "does",
];

/// `added that`, `noted,` or `…, he added.`: the weak verb really reports speech.
fn introduces_speech(after: &str) -> bool {
    let t = after.trim_start();
    t.is_empty()
        || t.starts_with([',', '.', ':', '"'])
        || first_word(t).eq_ignore_ascii_case("that")
}

/// `Reports show`, `data from S&P Global showed`: the head noun (before any preposition).
fn is_data_subject(source: &str) -> bool {
    let lower = source.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let last = words.last().copied().unwrap_or("");
    DATA_NOUNS.contains(&last) || DATA_NOUNS.contains(&head_noun(&words))
}

/// The subject before a verb: an apposition between commas (`…, Jensen Huang, warned`) or the
/// words back to the previous clause boundary.
fn source_before(s: &str, vs: usize) -> Option<(usize, usize)> {
    let mut head = &s[..skip_fillers_back(s, vs)];
    if head.ends_with(')') {
        // An acronym in brackets belongs to the name before it: `… Administration (NHTSA) said`.
        head = head[..head.rfind('(')?].trim_end();
    }
    if let Some(inner) = head.strip_suffix(',') {
        return apposition_source(s, inner);
    }
    trimmed_span(head, walk_back(head), head.len())
}

/// `…, Jensen Huang, warned`: the segment between the commas; but when that segment is only a
/// job description (`John Reed, a spokesman for the council, said`), the name before it.
fn apposition_source(s: &str, inner: &str) -> Option<(usize, usize)> {
    let boundary = |t: &str| t.rfind([',', ';', ':', '"', '(']);
    let start = boundary(inner).map_or(0, |i| i + 1);
    let span = trimmed_span(inner, start, inner.len())?;
    let short = |(a, b): (usize, usize)| s[a..b].split_whitespace().count() <= 6;
    let named = |(a, b): (usize, usize)| speaker_name(&s[a..b], a == first_alnum(s)).is_some();
    let description = first_word(&s[span.0..span.1]).to_lowercase();
    let is_description = matches!(
        description.as_str(),
        "who" | "which" | "whose" | "a" | "an" | "the"
    );
    let lowercase_adjunct = !is_description
        && s[span.0..span.1]
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
    if (named(span) && !is_description && !lowercase_adjunct)
        || start == 0
        || !inner[..start - 1]
            .trim_end()
            .ends_with(char::is_alphanumeric)
    {
        return short(span).then_some(span);
    }
    let before = &inner[..start - 1];
    let prev_start = boundary(before).map_or(0, |i| i + 1);
    let prev = trimmed_span(before, prev_start, before.len());
    // `Smith, speaking to reporters, said`, `The company, in a statement, said`: an adverbial
    // between the commas (lowercase, no determiner) leaves the subject before it.
    let adjunct = !is_description
        && s[span.0..span.1]
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
    // `The minister, who took office in March, said`: a relative clause leaves its antecedent.
    let relative = matches!(description.as_str(), "who" | "which" | "whose");
    match prev.filter(|&p| (named(p) || adjunct || relative) && short(p)) {
        Some(p) => Some(p),
        None => short(span).then_some(span),
    }
}

/// `s[a..b]` without surrounding white space, if anything is left.
fn trimmed_span(s: &str, a: usize, b: usize) -> Option<(usize, usize)> {
    let seg = &s[a..b];
    let lead = seg.len() - seg.trim_start().len();
    let t = seg.trim();
    (!t.is_empty()).then_some((a + lead, a + lead + t.len()))
}

/// End offset of the subject after skipping adverbs and auxiliaries before the verb.
fn skip_fillers_back(s: &str, vs: usize) -> usize {
    let mut end = s[..vs].trim_end().len();
    loop {
        let w = last_word(&s[..end]);
        if w.is_empty() || !SUBJECT_FILLERS.contains(&w.to_lowercase().as_str()) {
            return end;
        }
        end = s[..end - w.len()].trim_end().len();
    }
}

/// Start of the subject: back over at most 10 words to a clause boundary.
fn walk_back(head: &str) -> usize {
    let mut start = head.len();
    let mut words = 0;
    loop {
        let t = head[..start].trim_end();
        if t.is_empty() || t.ends_with([',', ';', ':', '"', '(', ')']) || words >= 10 {
            return start;
        }
        let w = last_word(t);
        if w.is_empty() {
            // Punctuation such as a period of `Dr.` inside the name.
            let cut = t.len() - t.chars().last().map_or(1, char::len_utf8);
            if t.ends_with('.') || t.ends_with('-') || t.ends_with('\'') || t.ends_with('&') {
                start = cut;
                continue;
            }
            return start;
        }
        if CLAUSE_WORDS.contains(&w.to_lowercase().as_str()) {
            return start;
        }
        start = t.len() - w.len();
        words += 1;
    }
}

/// The name after an inverted verb, to the next comma, stop word or end.
fn source_after(s: &str, ve: usize) -> Option<(usize, usize)> {
    let rest = &s[ve..];
    let lead = rest.len() - rest.trim_start().len();
    let start = ve + lead;
    let mut end = start;
    let mut pos = start;
    for word in s[start..].split_inclusive(char::is_whitespace) {
        let bare = word.trim();
        let core = bare.trim_end_matches([',', ';', ':', '"', '.', '!', '?', ')']);
        if core.is_empty() || AFTER_SOURCE_STOPS.contains(&core.to_lowercase().as_str()) {
            break;
        }
        end = pos + core.len();
        // Punctuation after the word ends the name, unless it is a title's period (`Dr.`).
        if bare.len() > core.len() && !(bare.ends_with('.') && is_title_abbrev(core)) {
            break;
        }
        pos += word.len();
    }
    (end > start).then_some((start, end))
}

fn is_title_abbrev(w: &str) -> bool {
    TITLE_WORDS.contains(&w.to_lowercase().as_str()) || w.chars().count() == 1
}

fn verb_class(verb: &str) -> String {
    let lemma = match verb {
        "said" | "says" | "say" | "saying" | "told" | "tells" => "say",
        "show" | "shows" | "showed" => "show",
        "estimate" | "estimates" | "estimated" => "estimate",
        "suggest" | "suggests" | "suggested" => "suggest",
        "indicate" | "indicates" | "indicated" => "indicate",
        "wrote" | "writes" => "write",
        "denied" | "denies" | "deny" => "deny",
        "admitted" | "admits" | "admit" => "admit",
        "heard" => "hear",
        "write" => "write",
        "testified" => "testify",
        v => v
            .strip_suffix("ed")
            .or_else(|| v.strip_suffix('s'))
            .unwrap_or(v),
    };
    lemma.trim_end_matches('e').to_string()
}

/// A source is identified when it names someone, or is a definite singular (`the ministry`).
fn source_class(source: &str, sentence_start: bool) -> SourceClass {
    let lower = source.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.len() == 1 && PRONOUNS.contains(&words[0]) {
        return SourceClass::Pronoun;
    }
    if speaker_name(source, sentence_start).is_some() {
        return SourceClass::Identified;
    }
    let head = head_noun(&words);
    let indefinite = words.first().is_some_and(|w| {
        matches!(
            *w,
            "a" | "an" | "one" | "some" | "several" | "two" | "three"
        )
    });
    if indefinite || GENERIC_HEADS.contains(&head) || (head.ends_with('s') && !head.ends_with("ss"))
    {
        return SourceClass::Generic;
    }
    SourceClass::Identified
}

/// Last word of the first noun phrase (before a preposition, a relative pronoun or a
/// post-nominal modifier: `people familiar with the matter`, `sources close to the talks`).
fn head_noun<'w>(words: &[&'w str]) -> &'w str {
    let ends_np = [
        "at",
        "of",
        "from",
        "for",
        "in",
        "with",
        "on",
        "to",
        "about",
        "by",
        "under",
        "within",
        "near",
        "who",
        "that",
        "which",
        "familiar",
        "close",
        "briefed",
        "involved",
        "aware",
        "knowledgeable",
        "speaking",
        "based",
        "working",
        "living",
        "linked",
        "connected",
    ];
    let np_end = words
        .iter()
        .skip(1)
        .position(|w| ends_np.contains(w))
        .map_or(words.len(), |p| p + 1);
    words[..np_end]
        .last()
        .or(words.last())
        .map_or("", |w| w.trim_matches(|c: char| !c.is_alphanumeric()))
}

/// A run of capitalised words is a name: `Dr. Helen Okafor of …` → `Helen Okafor`; a single
/// capitalised word counts only when it heads the phrase (`Reuters said`, not `Health officials`).
fn speaker_name(source: &str, sentence_start: bool) -> Option<String> {
    let cleaned = strip_brackets(source);
    let tokens: Vec<&str> = cleaned.split_whitespace().collect();
    // Names inside a prepositional phrase are places or affiliations, not the speaker
    // (`officials in South Sudan`, `a spokesman for Meta`, `Helen Okafor of the University of
    // Oxford`), unless the preposition belongs to a title (`Secretary of State Antony Blinken`).
    let in_phrase = |first: usize| {
        (0..first).any(|k| {
            let w = tokens[k].to_lowercase();
            PREPOSITIONS.contains(&w.as_str())
                && !(k > 0
                    && TITLE_WORDS.contains(
                        &tokens[k - 1]
                            .trim_matches(|c: char| !c.is_alphanumeric())
                            .to_lowercase()
                            .as_str(),
                    ))
        })
    };
    let runs: Vec<_> = name_runs(&tokens, sentence_start)
        .into_iter()
        .filter(|r| !in_phrase(r[0].1))
        .collect();
    // The last name is the head (`Reserve Bank governor Michele Bullock`).
    let multi = runs.iter().rev().find(|r| r.len() >= 2);
    let head_single = runs
        .iter()
        .find(|r| r.len() == 1 && r[0].1 + 1 == tokens.len());
    let run = multi.or(head_single)?;
    let mut words: Vec<&str> = run.iter().map(|(w, _)| w.trim_end_matches(',')).collect();
    // A name after `the` is an organisation's, and keeps its article as written
    // (`the Metropolitan Police`, `the Kremlin`).
    let first = run.first().map_or(0, |(_, i)| *i);
    if first > 0 && tokens[first - 1].eq_ignore_ascii_case("the") {
        words.insert(0, tokens[first - 1]);
    }
    Some(words.join(" "))
}

const PREPOSITIONS: &[&str] = &[
    "of", "in", "at", "from", "for", "on", "with", "by", "near", "to",
];

/// Lowercase words that join the parts of an organisation's name (`Bank of England`, `Office
/// for National Statistics`, `Food and Drug Administration`).
const NAME_CONNECTORS: &[&str] = &["of", "for", "and", "&", "on"];

/// Joins runs separated by one connector when either part ends in an organisation noun.
fn merge_org_runs<'w>(
    runs: Vec<Vec<(&'w str, usize)>>,
    tokens: &[&'w str],
) -> Vec<Vec<(&'w str, usize)>> {
    let mut out: Vec<Vec<(&'w str, usize)>> = Vec::new();
    for run in runs {
        if let Some(prev) = out.last_mut() {
            let (last_word, last_i) = prev[prev.len() - 1];
            let (_, first_i) = run[0];
            let gap_is_connector = first_i == last_i + 2
                && !last_word.ends_with(',')
                && NAME_CONNECTORS.contains(&tokens[last_i + 1]);
            let org = is_org_head(last_word) || run.last().is_some_and(|(w, _)| is_org_head(w));
            if gap_is_connector && org {
                prev.push((tokens[last_i + 1], last_i + 1));
                prev.extend(run);
                continue;
            }
        }
        out.push(run);
    }
    out
}

fn is_org_head(w: &str) -> bool {
    let w = w
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    ORG_HEADS.contains(&w.as_str()) || GENERIC_HEADS.contains(&w.as_str())
}

/// Maximal runs of capitalised, non-possessive tokens, with titles stripped from the front.
fn name_runs<'w>(tokens: &[&'w str], sentence_start: bool) -> Vec<Vec<(&'w str, usize)>> {
    let mut runs: Vec<Vec<(&'w str, usize)>> = Vec::new();
    let mut cur: Vec<(&'w str, usize)> = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        let bare = tok.trim_matches(|c: char| !c.is_alphanumeric());
        // `Ursula von der Leyen`, `Charles de Gaulle`: a lowercase particle before a
        // capitalised word belongs to the name.
        let particle = !tok.ends_with(',') && NAME_PARTICLES.contains(&bare) && {
            let next = tokens[i + 1..]
                .iter()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .find(|w| !NAME_PARTICLES.contains(w));
            next.is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase))
        };
        if particle {
            cur.push((tok, i));
            continue;
        }
        // A leading `The` is the article, not part of the name.
        // `al-Jaber`, `el-Sisi`: a particle glued to a capitalised name.
        let glued_particle = bare.split_once('-').is_some_and(|(p, rest)| {
            NAME_PARTICLES.contains(&p) && rest.chars().next().is_some_and(char::is_uppercase)
        });
        let capital = (bare.chars().next().is_some_and(char::is_uppercase) || glued_particle)
            && !(cur.is_empty() && bare == "The");
        let possessive = tok.ends_with("'s") || tok.ends_with("s'");
        if capital && !possessive {
            cur.push((tok, i));
        }
        if !capital || possessive || tok.ends_with(',') {
            push_run(&mut runs, &mut cur);
        }
    }
    push_run(&mut runs, &mut cur);
    let whole = tokens.len() == 1;
    merge_org_runs(runs, tokens)
        .into_iter()
        .map(|r| strip_titles(r, sentence_start, whole))
        .filter(|r| !r.is_empty())
        .collect()
}

fn push_run<'w>(runs: &mut Vec<Vec<(&'w str, usize)>>, cur: &mut Vec<(&'w str, usize)>) {
    if !cur.is_empty() {
        runs.push(std::mem::take(cur));
    }
}

fn strip_titles(run: Vec<(&str, usize)>, sentence_start: bool, whole: bool) -> Vec<(&str, usize)> {
    // `Secretary-General`, `Attorney-General`: every part a title word.
    let is_title = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
            .split('-')
            .all(|part| TITLE_WORDS.contains(&part))
    };
    // `British Transport Police`, `the Bank of England`: a run ending in an organisation noun, or
    // joined by `of`/`and`, is the organisation's name, and its words are not a person's titles.
    let last_title = run.iter().rposition(|(w, _)| is_title(w));
    let ends_in_org = run.last().is_some_and(|(w, _)| is_org_head(w));
    let joined = run.iter().any(|(w, _)| NAME_CONNECTORS.contains(w));
    if run.len() >= 2 && (ends_in_org || joined) {
        // `Bank of England Governor Andrew Bailey`: a person named after the organisation.
        if let Some(p) = last_title.filter(|&p| !ends_in_org && run.len() - p > 2) {
            return run[p + 1..].to_vec();
        }
        return run;
    }
    let mut rest: Vec<(&str, usize)> = match last_title {
        Some(p) => run[p + 1..].to_vec(),
        None => run,
    };
    // A capitalised first word of the sentence is not a name on its own when more words follow
    // (`Local officials`); alone it is (`Okafor, who led …, said`), unless it is a common noun.
    let lone_generic = rest.len() == 1 && {
        let w = rest[0]
            .0
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        GENERIC_HEADS.contains(&w.as_str()) || PRONOUNS.contains(&w.as_str())
    };
    if lone_generic || (sentence_start && rest.len() == 1 && rest[0].1 == 0 && !whole) {
        rest.clear();
    }
    rest
}

fn strip_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The speaker value: the name without title or apposition when there is one, else the source.
fn speaker_item(source: &Item, sentence_start: bool) -> Item {
    match speaker_name(&source.written, sentence_start) {
        Some(name) => {
            let offset = source.written.find(&name).unwrap_or(0);
            Item {
                written: name,
                pos: source.pos + offset,
            }
        }
        None => source.clone(),
    }
}

/// Comparison key of a source: lower case, typography folded, no determiners, brackets or
/// numbers (`officials in 12 provinces` is the same source when the 12 changes; the number is
/// reported on its own).
fn source_key(source: &str) -> String {
    let is_number = |w: &str| {
        w.chars().any(|c| c.is_ascii_digit())
            || ONES.contains(&w)
            || TENS.contains(&w)
            || lookup(DENOMINATORS, w).is_some()
            || matches!(w, "twice" | "thrice" | "dozen" | "hundred")
    };
    normalize_lower(&strip_brackets(source))
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "a" | "an") && !is_number(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn generic_key(a: &Attribution) -> String {
    if a.key.is_empty() {
        source_key(&a.speaker.written)
    } else {
        a.key.clone()
    }
}

/// Same source: equal keys, a surname standing for the full name, or a typo apart.
fn same_source(a: &Attribution, b: &Attribution) -> bool {
    if a.class == SourceClass::Pronoun || b.class == SourceClass::Pronoun {
        return true;
    }
    let (ka, kb) = (generic_key(a), generic_key(b));
    if ka == kb {
        return true;
    }
    let wa: Vec<String> = ka.split(' ').map(str::to_string).collect();
    let wb: Vec<String> = kb.split(' ').map(str::to_string).collect();
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    long.ends_with(short) || same_wording(&wa, &wb)
}

fn attribution_changes(a: &[Attribution], b: &[Attribution]) -> Vec<Found> {
    let mut left_a: Vec<&Attribution> = a.iter().collect();
    let mut left_b: Vec<&Attribution> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        x.according == y.according && same_source(x, y) && x.verb_class == y.verb_class
    });
    let mut out = Vec::new();
    let verb_swaps = take_pairs(&mut left_a, &mut left_b, |x, y| {
        !x.according && !y.according && same_source(x, y)
    });
    for (x, y) in verb_swaps {
        out.push(found(
            ClaimKind::AttributionChanged,
            Some(&x.verb),
            Some(&y.verb),
        ));
    }
    let same_construction = take_pairs(&mut left_a, &mut left_b, |x, y| x.according == y.according);
    for (x, y) in same_construction
        .into_iter()
        .chain(zip_leftovers(&mut left_a, &mut left_b))
    {
        out.push(source_change(x, y));
    }
    push_unpaired(
        &mut out,
        ClaimKind::AttributionChanged,
        &left_a,
        &left_b,
        |x| &x.phrase,
    );
    out
}

/// Named speaker replaced by another in the same construction is speaker_changed; any other
/// change of source is attribution_changed with the source and its verb.
fn source_change(x: &Attribution, y: &Attribution) -> Found {
    let both_named = x.class == SourceClass::Identified && y.class == SourceClass::Identified;
    if !x.according && !y.according && both_named {
        return found(
            ClaimKind::SpeakerChanged,
            Some(&x.speaker),
            Some(&y.speaker),
        );
    }
    found(
        ClaimKind::AttributionChanged,
        Some(&x.phrase),
        Some(&y.phrase),
    )
}

#[cfg(test)]
mod tests {
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

    use super::*;
    use crate::diff::revision;

    fn changes(old: &str, new: &str) -> Vec<(String, Option<String>, Option<String>)> {
        claim_changes(&revision(old, new))
            .into_iter()
            .map(|c| (c.kind.as_str().to_string(), c.before, c.after))
            .collect()
    }

    fn one(
        kind: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Vec<(String, Option<String>, Option<String>)> {
        vec![(
            kind.to_string(),
            before.map(String::from),
            after.map(String::from),
        )]
    }

    fn quantity_values(s: &str) -> Vec<String> {
        Claims::extract(s)
            .quantities
            .iter()
            .map(|q| q.item.written.clone())
            .collect()
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
    fn money_spans_include_currency_and_magnitude() {
        assert_eq!(
            quantity_values("It cost less than $6 million and A$0.86 a share."),
            vec!["$6 million", "A$0.86"]
        );
    }

    #[test]
    fn abbreviated_magnitude_equals_written_out() {
        assert!(
            changes(
                "The deal was worth $5.6m.",
                "The deal was worth $5.6 million."
            )
            .is_empty()
        );
        assert!(changes("Revenue hit $1.2bn.", "Revenue hit 1.2 billion dollars.").is_empty());
    }

    #[test]
    fn digits_and_words_are_equal() {
        assert!(
            changes(
                "Four people died in the fire.",
                "4 people died in the fire."
            )
            .is_empty()
        );
    }

    #[test]
    fn australian_cents_equal_dollars() {
        assert!(
            changes(
                "Shares closed at A$0.86 on Friday.",
                "Shares closed at 86 Australian cents on Friday."
            )
            .is_empty()
        );
    }

    #[test]
    fn rounding_is_a_change() {
        assert_eq!(
            changes(
                "Profit rose to €5.63 billion.",
                "Profit rose to €5.6 billion."
            ),
            one(
                "number_changed",
                Some("€5.63 billion"),
                Some("€5.6 billion")
            )
        );
    }

    #[test]
    fn names_with_digits_are_not_quantities() {
        assert!(quantity_values("The H800 chips and COVID-19 and 5G and Qwen3 models.").is_empty());
    }

    #[test]
    fn month_is_a_date_and_modal_may_is_not() {
        assert_eq!(quantity_values("It happened in May."), vec!["May"]);
        assert!(quantity_values("Prices may rise.").is_empty());
        assert_eq!(
            quantity_values("On Jan. 15, 2024 it rained."),
            vec!["Jan. 15, 2024"]
        );
    }

    #[test]
    fn hyphenated_units_and_ages() {
        assert_eq!(
            quantity_values("A 34-year-old man began a 9-day walk of 40 km at 6 p.m."),
            vec!["34-year-old", "9-day", "40 km", "6 p.m."]
        );
    }

    #[test]
    fn repeated_number_changed_once() {
        assert_eq!(
            changes(
                "The state gave $3 million to schools and $3 million to hospitals.",
                "The state gave $3 million to schools and $4 million to hospitals."
            ),
            one("number_changed", Some("$3 million"), Some("$4 million"))
        );
    }

    #[test]
    fn qualifier_is_hedge_only_before_quantity() {
        let c = Claims::extract("He warned repeatedly about the dangers of more than 40 storms.");
        let keys: Vec<&str> = c.hedges.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, vec!["more than"]);
    }

    #[test]
    fn modal_swap_is_one_hedge_removed() {
        assert_eq!(
            changes(
                "He said the restrictions may backfire.",
                "He said the restrictions would backfire."
            ),
            one("hedge_removed", Some("may"), Some("would"))
        );
        assert_eq!(
            changes(
                "The river will flood the town.",
                "The river may flood the town."
            ),
            one("hedge_added", Some("will"), Some("may"))
        );
    }

    #[test]
    fn negation_contraction_is_not_a_flip() {
        assert!(
            changes(
                "The mayor did not comment, police said.",
                "The mayor didn't comment, police said."
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                "The union has agreed to the deal, officials said.",
                "The union has not agreed to the deal, officials said."
            ),
            one("negation_flipped", None, Some("not"))
        );
    }

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
    fn speaker_replaced() {
        assert_eq!(
            changes(
                "\"We will rebuild,\" said Ana Silva, the mayor.",
                "\"We will rebuild,\" said Marta Costa, the mayor."
            ),
            one("speaker_changed", Some("Ana Silva"), Some("Marta Costa"))
        );
    }

    #[test]
    fn generic_source_change_is_attribution() {
        assert_eq!(
            changes(
                "Two people died, disaster officials said.",
                "Two people died, police said."
            ),
            one(
                "attribution_changed",
                Some("disaster officials said"),
                Some("police said")
            )
        );
    }

    #[test]
    fn attribution_moved_to_front_is_no_change() {
        assert!(
            changes(
                "Two people were missing after the landslide, local officials said.",
                "Local officials said two people were missing after the landslide."
            )
            .is_empty()
        );
    }

    #[test]
    fn according_to_source_changed() {
        assert_eq!(
            changes(
                "The bridge closed at noon, according to police.",
                "The bridge closed at noon, according to a transport official."
            ),
            one(
                "attribution_changed",
                Some("according to police"),
                Some("according to a transport official")
            )
        );
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
    fn typo_equal_rules() {
        assert!(typo_equal("goverment", "government"));
        assert!(typo_equal("saturated", "saturating"));
        assert!(!typo_equal("rise", "rose"));
        assert!(!typo_equal("2019", "2018"));
    }

    #[test]
    fn twice_fractions_decades_and_ordinals_are_quantities() {
        assert_eq!(
            quantity_values("Half of voters, twice the 1990s level, scored in the 89th minute."),
            vec!["Half", "twice", "1990s", "89th"]
        );
        assert!(quantity_values("In the second half of the year.").is_empty());
    }

    #[test]
    fn minus_sign_is_part_of_the_value() {
        assert_eq!(quantity_values("Lows of -5C are forecast."), vec!["-5C"]);
        assert_eq!(quantity_values("The COVID-19 wave."), Vec::<String>::new());
    }

    #[test]
    fn word_ordinals_change_only_against_each_other() {
        assert_eq!(
            changes("He won his fourth title.", "He won his fifth title."),
            one("number_changed", Some("fourth"), Some("fifth"))
        );
        assert!(changes("It was the first win.", "It was a win in 2020.").len() == 1);
        assert!(!carries_claim("The storm is the third to hit the region."));
    }

    #[test]
    fn organisation_names_keep_their_words() {
        assert_eq!(
            changes(
                "A man was arrested, the Metropolitan Police said.",
                "A man was arrested, British Transport Police said."
            ),
            one(
                "speaker_changed",
                Some("the Metropolitan Police"),
                Some("British Transport Police")
            )
        );
        assert_eq!(
            changes(
                "The Bank of England said inflation would fall.",
                "The European Central Bank said inflation would fall."
            ),
            one(
                "speaker_changed",
                Some("The Bank of England"),
                Some("The European Central Bank")
            )
        );
    }

    #[test]
    fn names_with_particles_and_heads_after_organisations() {
        assert_eq!(
            changes(
                "\"There is no plan B for the budget,\" European Commission President Ursula von der Leyen said.",
                "\"There is no plan B for the budget,\" Reserve Bank governor Michele Bullock said."
            ),
            one(
                "speaker_changed",
                Some("Ursula von der Leyen"),
                Some("Michele Bullock")
            )
        );
    }

    #[test]
    fn places_and_generic_heads_are_not_speakers() {
        assert_eq!(
            changes(
                "Ten people died, officials in eastern Libya said.",
                "Ten people died, the interior ministry in eastern Libya said."
            ),
            one(
                "attribution_changed",
                Some("officials in eastern Libya said"),
                Some("the interior ministry in eastern Libya said")
            )
        );
        assert_eq!(
            changes(
                "They are in talks, people familiar with the matter said.",
                "They are in talks, the company said."
            ),
            one(
                "attribution_changed",
                Some("people familiar with the matter said"),
                Some("the company said")
            )
        );
    }

    #[test]
    fn adverbial_and_relative_appositions_leave_the_subject() {
        assert_eq!(
            changes(
                "Smith, speaking to reporters in Lagos, said the vote would go ahead.",
                "Jones, speaking to reporters in Lagos, said the vote would go ahead."
            ),
            one("speaker_changed", Some("Smith"), Some("Jones"))
        );
        assert_eq!(
            changes(
                "The minister, who took office in March, said taxes would fall.",
                "The minister, who took office in April, said taxes would fall."
            ),
            one("number_changed", Some("March"), Some("April"))
        );
    }

    #[test]
    fn name_before_job_apposition_is_the_speaker() {
        assert_eq!(
            changes(
                "John Reed, a spokesman for the council, said the road could reopen by Friday.",
                "Mary Poole, a spokeswoman for the council, said the road could reopen by Friday."
            ),
            one("speaker_changed", Some("John Reed"), Some("Mary Poole"))
        );
    }

    #[test]
    fn reported_clause_after_comma_is_not_an_inverted_speaker() {
        let c = Claims::extract("John Reed, a spokesman, said the road could reopen by Friday.");
        let speakers: Vec<String> = c
            .summary()
            .into_iter()
            .filter(|(k, _)| *k == "speaker")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(speakers, vec!["John Reed"]);
    }

    #[test]
    fn surname_second_reference_is_the_same_speaker() {
        assert!(
            changes(
                "Helen Okafor, who led the research, said the findings were worrying.",
                "Okafor, who led the research, said the findings were worrying."
            )
            .is_empty()
        );
    }

    #[test]
    fn number_inside_generic_source_is_not_a_sourcing_change() {
        assert_eq!(
            changes(
                "Officials in 12 provinces said the vote was fair.",
                "Officials in 14 provinces said the vote was fair."
            ),
            one("number_changed", Some("12"), Some("14"))
        );
    }
}
