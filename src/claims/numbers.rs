//! Quantities: numbers in digits or words, money, percentages, measures, dates, times, ages and
//! scores, with their values, and the `number_changed` rules (equal quantities are no change).

use super::ClaimKind;
use super::pairing::{Found, cancel_pairs, found, push_unpaired, take_pairs};
use super::text::{Item, Text};
use super::tokens::{Kind, Tok};

/// A quantity: its span as written, a unit (currency code, `%`, `km`, `date`, … or empty for a
/// plain count) and a value in that unit. Two quantities are equal when unit and value agree,
/// whatever the spelling (`$5.6m` = `5.6 million dollars`).
#[derive(Debug, Clone)]
pub(super) struct Quantity {
    pub(super) item: Item,
    pub(super) start: usize,
    unit: String,
    value: f64,
    /// `one of …`: see [`weak_quantity`].
    indefinite: bool,
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
pub(super) const ONES: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
];

pub(super) const TENS: &[&str] = &[
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

#[rustfmt::skip]
pub(super) const DENOMINATORS: &[(&str, f64)] = &[
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
    ("week", "week"), ("weeks", "week"), ("fortnight", "fortnight"), ("fortnights", "fortnight"), ("day", "day"), ("days", "day"), ("hour", "hour"),
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

pub(super) fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

pub(super) fn quantities(text: &Text, toks: &[Tok]) -> Vec<Quantity> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        // `No 10` is Downing Street, not a figure.
        let street_number = i > 0 && toks[i - 1].text == "No" && toks[i].kind == Kind::Num;
        match parse_quantity(toks, i).filter(|_| !street_number) {
            Some(p) => {
                // `minus 12C` is `-12C`.
                let minus_word = i > 0 && toks[i - 1].is("minus") && toks[i].kind == Kind::Num;
                let sign = minus_sign(toks, i) || minus_word;
                let s = if sign { toks[i - 1].s } else { toks[i].s };
                // `a two-year-old's death`: the possessive is not part of the value.
                let last = &toks[p.end - 1];
                let e = last.e - if last.text.ends_with("'s") { 2 } else { 0 };
                // `aged 33` is an age, equal to `33-year-old`.
                let aged = i > 0 && toks[i - 1].is("aged") && p.unit.is_empty();
                let indefinite = p.end == i + 1
                    && toks[i].is("one")
                    && toks.get(p.end).is_some_and(|t| t.is("of"));
                out.push(Quantity {
                    item: text.item(s, e),
                    start: s,
                    unit: if aged { "year-old".into() } else { p.unit },
                    value: if sign { -p.value } else { p.value },
                    indefinite,
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
        .or_else(|| article_duration(t, i))
        .or_else(|| word_fraction(t, i))
        .or_else(|| word_ordinal(t, i))
        .or_else(|| parse_numeric(t, i))
}

/// `a week`, `a fortnight`, `an hour`: a duration with an article (CLAIMS.md v2), but not a
/// rate (`$5 a day`, `twice a week`) or a relative time (`a year ago`).
fn article_duration(t: &[Tok], i: usize) -> Option<Parsed> {
    let art = t.get(i)?;
    if !art.is_any(&["a", "an"]) {
        return None;
    }
    let unit_tok = t.get(i + 1)?;
    let unit = match unit_tok.lower().as_ref() {
        "hour" => "hour",
        "day" => "day",
        "week" => "week",
        "fortnight" => "fortnight",
        "month" => "month",
        "year" => "year",
        "decade" => "decade",
        "century" => "century",
        _ => return None,
    };
    let rate = i > 0
        && (t[i - 1].kind == Kind::Num
            || t[i - 1].is_any(&[
                "once", "twice", "times", "per", "cents", "dollars", "pounds",
            ])
            || small_word_value(&t[i - 1]).is_some());
    let relative = t
        .get(i + 2)
        .is_some_and(|n| n.is_any(&["ago", "earlier", "later", "before", "after", "on", "from"]));
    // `half a day` is read as a fraction elsewhere; `a day of mourning` is an event.
    let event = t.get(i + 2).is_some_and(|n| n.is("of"));
    if rate || relative || event {
        return None;
    }
    parsed(unit, 1.0, i + 2)
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

/// A weak quantity is reported only when it replaces another quantity (`fourth` → `fifth`),
/// never with a `null` side, and it does not make an added or removed sentence a claim:
/// - an ordinal written as a word (`the third to hit the region`, `at first`) ranks rather
///   than counts;
/// - an indefinite `one of` (`one of the sport's top players`) picks out rather than counts
///   (CLAIMS.md v2: indefinite *one* is not a quantity);
/// - a multiplying verb (`doubles`, `tripled`) states a factor that only `twice` or
///   `three times` on the other side can restate.
pub(super) fn weak_quantity(q: &Quantity) -> bool {
    (q.unit == "ord" && !q.item.written.chars().any(|c| c.is_ascii_digit()))
        || q.unit == "mult"
        || q.indefinite
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
    if let Some(factor) = multiplier_verb(tok) {
        return parsed("mult", factor, i + 1);
    }
    // `a third of`, or after `by` (`rose by a third`).
    let by_before = i > 0 && t[i - 1].is("by");
    let of_follows = |k: usize| by_before || t.get(k).is_some_and(|w| w.is_any(&["of", "a", "an"]));
    let prev_ok = i == 0 || !t[i - 1].is_any(NOT_AMOUNT_BEFORE_HALF);
    // `half a million`: half of the magnitude, not a fraction and then an amount.
    if tok.is("half")
        && t.get(i + 1).is_some_and(|a| a.is_any(&["a", "an"]))
        && let Some(m) = t
            .get(i + 2)
            .and_then(|m| lookup(MAGNITUDE_WORDS, &m.lower()))
    {
        return parsed("", 0.5 * m, i + 3);
    }
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

/// `doubles`, `tripled`, `quadrupling`: the factor a verb multiplies by.
fn multiplier_verb(tok: &Tok) -> Option<f64> {
    let l = tok.lower();
    let stem = ["es", "ed", "ing", "e"]
        .iter()
        .find_map(|suffix| l.strip_suffix(suffix))
        .unwrap_or(&l);
    match stem {
        "doubl" => Some(2.0),
        "tripl" | "trebl" => Some(3.0),
        "quadrupl" => Some(4.0),
        _ => None,
    }
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
    // `the million refugees`: a magnitude word alone after `the` is one of it.
    if tok.is_any(&["thousand", "million", "billion", "trillion"])
        && j > 0
        && t[j - 1].is("the")
        && !t.get(j + 1).is_some_and(|n| n.sym('-') && n.glued)
    {
        return Some((1.0, j));
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
    // `$220-billion`: the magnitude hyphenated to the number.
    if t.get(k).is_some_and(|d| d.sym('-') && d.glued)
        && let Some(m) = t
            .get(k + 1)
            .filter(|w| w.glued && w.kind == Kind::Word)
            .and_then(|w| lookup(MAGNITUDE_WORDS, w.text))
    {
        return (m, k + 2);
    }
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
    if unit == "year" && t.get(k).is_some_and(is_old) {
        "year-old".into()
    } else {
        unit.into()
    }
}

/// `old` of an age, also with a possessive (`a two-year-old's death`).
fn is_old(t: &Tok) -> bool {
    t.is("old") || t.lower().strip_suffix("'s") == Some("old")
}

fn age_end(t: &[Tok], k: usize) -> usize {
    if t.get(k).is_some_and(is_old) && t.get(k - 1).is_some_and(|y| y.is_any(&["year", "years"])) {
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
        && t.get(k + 3).is_some_and(|o| is_old(o) && o.glued);
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
/// A duration on one of two scales (clock time in hours, calendar time in months), so that
/// `a fortnight` = `two weeks` = `14 days`, `24 hours` = `a day`, `12 months` = `a year`.
fn duration(q: &Quantity) -> Option<(u8, f64)> {
    let (scale, factor) = match q.unit.as_str() {
        "hour" => (0, 1.0),
        "day" => (0, 24.0),
        "week" => (0, 168.0),
        "fortnight" => (0, 336.0),
        "month" => (1, 1.0),
        "year" => (1, 12.0),
        "decade" => (1, 120.0),
        "century" => (1, 1200.0),
        _ => return None,
    };
    Some((scale, q.value * factor))
}

pub(super) fn same_quantity(a: &Quantity, b: &Quantity) -> bool {
    if let (Some((sa, va)), Some((sb, vb))) = (duration(a), duration(b))
        && sa == sb
    {
        return approx(va, vb);
    }
    let structured = |u: &str| matches!(u, "date" | "time" | "score" | "year" | "decade");
    let factor = |u: &str| matches!(u, "times" | "mult");
    let units_ok = a.unit == b.unit
        || (factor(&a.unit) && factor(&b.unit))
        || (a.unit.is_empty() && !structured(&b.unit))
        || (b.unit.is_empty() && !structured(&a.unit));
    units_ok && approx(a.value, b.value)
}

/// Remove equal quantities (multiset), then pair what is left: same unit first, then by order.
pub(super) fn number_changes(a: &[Quantity], b: &[Quantity]) -> Vec<Found> {
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
    left_a.retain(|q| !weak_quantity(q));
    left_b.retain(|q| !weak_quantity(q));
    // An age, date, time or score is replaced only by one of its own kind (`aged 65` and a
    // bare `1` elsewhere are two changes, CLAIMS.md v2 "One replacement, or two entries?").
    let kind = |q: &Quantity| match q.unit.as_str() {
        u @ ("year-old" | "date" | "time" | "score" | "year" | "decade") => u.to_string(),
        _ => String::new(),
    };
    let pairs = take_pairs(&mut left_a, &mut left_b, |x, y| kind(x) == kind(y));
    for (x, y) in pairs {
        out.push(found(
            ClaimKind::NumberChanged,
            Some(&x.item),
            Some(&y.item),
        ));
    }
    // `How one man went from …`, `one rebel warns`: a lone `one` coming or going picks someone
    // out rather than counts (CLAIMS.md v2: indefinite *one*); against a figure it still
    // changes (`one dead` → `two dead`, paired above).
    let indefinite_one = |q: &&Quantity| q.item.written.eq_ignore_ascii_case("one");
    left_a.retain(|q| !indefinite_one(q));
    left_b.retain(|q| !indefinite_one(q));
    push_unpaired(&mut out, ClaimKind::NumberChanged, &left_a, &left_b, |q| {
        &q.item
    });
    out
}

#[cfg(test)]
mod tests {
    use crate::claims::test_support::{changes, one};
    use crate::claims::{Claims, carries_claim};

    #[test]
    fn an_age_is_replaced_only_by_an_age() {
        // `aged 81` is `81-year-old`; a bare figure arriving elsewhere is its own change.
        assert!(
            changes(
                "The 81-year-old skipper was rescued off Tarvel.",
                "The skipper, aged 81, was rescued off Tarvel."
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                "The skipper, aged 81, was rescued off Tarvel.",
                "The skipper was rescued off Tarvel by 3 lifeboats."
            ),
            vec![
                ("number_changed".to_string(), Some("81".to_string()), None),
                ("number_changed".to_string(), None, Some("3".to_string())),
            ]
        );
    }

    fn quantity_values(s: &str) -> Vec<String> {
        Claims::extract(s)
            .quantities
            .iter()
            .map(|q| q.item.written.clone())
            .collect()
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
    fn indefinite_one_of_is_no_figure_by_itself() {
        // `one of` picks someone out: its arrival is not a new figure ...
        assert!(
            changes(
                "A photographer spotted the singer leaving a concert with her manager.",
                "A photographer spotted the singer leaving a concert with one of her dancers."
            )
            .iter()
            .all(|c| c.0 != "number_changed")
        );
        assert!(!carries_claim(
            "The striker is one of the club's best players."
        ));
        // ... but it still changes against another count.
        assert_eq!(
            changes(
                "One of the climbers was rescued on Sunday.",
                "Two of the climbers were rescued on Sunday."
            ),
            one("number_changed", Some("One"), Some("Two"))
        );
    }

    #[test]
    fn a_multiplying_verb_restates_twice() {
        assert!(
            changes(
                "The new strain is twice as likely to put patients in hospital.",
                "The new strain doubles the risk of hospital care."
            )
            .is_empty()
        );
        assert_eq!(
            changes("Rents doubled in a decade.", "Rents tripled in a decade."),
            one("number_changed", Some("doubled"), Some("tripled"))
        );
        // Alone, the verb is no figure: a trip is not a triple.
        assert!(!carries_claim("Parking charges doubled at the station."));
        assert!(quantity_values("The class trip was cancelled.").is_empty());
    }

    #[test]
    fn the_million_is_a_quantity() {
        assert_eq!(
            changes(
                "Where have the million refugees gone?",
                "Where have the 1.7 million refugees gone?"
            ),
            one("number_changed", Some("million"), Some("1.7 million"))
        );
        assert!(quantity_values("The million-dollar question remains.").is_empty());
    }

    #[test]
    fn a_lone_one_coming_or_going_is_no_figure() {
        let got = crate::claims::title_changes(
            "Teased at school, then a reality show reject, now a chef",
            "How one man went from reality show reject to chef",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        assert_eq!(
            changes(
                "One climber died on the ridge.",
                "Two climbers died on the ridge."
            ),
            one("number_changed", Some("One"), Some("Two"))
        );
    }

    #[test]
    fn half_a_magnitude_is_one_quantity() {
        assert_eq!(
            quantity_values("The agency warns of half a million more cases."),
            vec!["half a million"]
        );
        assert!(
            changes(
                "The agency warns of half a million more cases.",
                "The agency warns of 500,000 more cases."
            )
            .is_empty()
        );
    }

    #[test]
    fn an_age_keeps_its_unit_before_a_possessive() {
        assert_eq!(
            quantity_values("A two-year-old's fight for life."),
            vec!["two-year-old"]
        );
        assert!(
            changes(
                "The moment a two-year-old boy is rescued",
                "Watching a two-year-old's rescue from the river"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_hyphenated_magnitude_and_no_10() {
        assert_eq!(
            quantity_values("A $220-billion plan for roads."),
            vec!["$220-billion"]
        );
        assert!(quantity_values("Staff gathered in the No 10 garden.").is_empty());
    }
}
