//! Names of people, organisations and places, and the `name_changed` rule (CLAIMS.md v2).
//!
//! No model: a name is a run of capitalised words (with the particles and connectors names
//! carry: `Bank of England`, `Ursula von der Leyen`, `G7`, `Guinea-Bissau`), cleaned of
//! leading titles and job words (`Health Secretary Sajid Javid` → `Sajid Javid`), and kept
//! only when it can be told from a word capitalised for other reasons: the first word of a
//! sentence or headline segment counts only when it is a place of the gazetteer, an acronym
//! or the subject of a headline verb (`Zelensky says`), or is followed by more capitalised
//! words (an opening preposition, `Inside …`, is not one of them); a headline in title case
//! yields only places and acronyms. Weekdays, months (quantities), adjectives of peoples and
//! faiths, events, storms, laws and awards are not names.
//!
//! Two versions of a name are the same name when one's words are contained in the other's
//! (`Ms Robinson` / `Chase Graham Robinson`, `Fernandez`/`Fernández`), and a place replaced by
//! its own adjective (`in Brazil` / `Brazilian`) is no change.

use super::ClaimKind;
use super::attribution::Span;
use super::gazetteer::{
    NOT_NAME_HEADS, NOT_NAME_LEADS, PLACE_ABBREVS, adjectives, is_place, is_stop,
};
use super::pairing::{Found, found, push_unpaired, take_pairs};
use super::speakers::{is_org_noun, is_title_word};
use super::text::{Item, Text, contains_phrase};
use super::tokens::{Kind, Tok};

#[derive(Debug, Clone)]
pub(super) struct Name {
    pub(super) item: Item,
    /// Folded words without titles, for matching.
    key: Vec<String>,
    place: bool,
    /// Folded words either side, to tell a replacement (`in Porto` → `in Braga`) from an
    /// unrelated name coming and another going.
    prev: String,
    next: String,
    /// In the slot of a place (`in Porto`, `the city of Braga`).
    locative: bool,
    /// Its first word opens the sentence or a headline segment, so its capital may be the
    /// position's (`Record Covid cases`), not a first name's.
    at_start: bool,
    /// Byte span in the normalised text.
    pub(super) span: (usize, usize),
}

/// Prepositions that put a name in the place of an event (`in Porto` → `in Brazil`).
const LOCATIVES: &[&str] = &["in", "at", "near", "outside", "inside", "across", "off"];

/// `the city of Braga`: a place named after its kind.
#[rustfmt::skip]
const PLACE_NOUNS: &[&str] = &[
    "city", "town", "village", "province", "region", "state", "county", "district", "island",
    "port", "capital", "republic",
];

/// Third-person verbs that follow a one-word name at the start of a headline.
#[rustfmt::skip]
const HEADLINE_VERBS: &[&str] = &[
    "says", "warns", "tells", "denies", "admits", "vows", "urges", "calls", "wins", "dies",
    "quits", "resigns", "defends", "blames", "accuses", "condemns", "criticises", "criticizes",
    "praises", "rejects", "agrees", "announces", "confirms", "meets", "visits", "faces", "backs",
    "signs", "sues", "unveils", "insists", "apologises", "apologizes", "arrives", "joins",
    "claims", "pleads", "thanks", "slams", "hails", "rules", "plans", "promises", "pledges",
    "responds", "reveals", "speaks", "jokes", "announced", "said", "told",
];

/// Words that never sit inside a name, only inside the title of a work.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "my", "your", "our", "his", "her", "their", "its", "i", "we", "you", "me", "is", "are",
    "was", "were", "be", "am", "do", "does", "did", "a", "an", "to", "in", "on", "at", "with",
    "what", "who", "how", "why", "when", "not", "no", "it", "this", "that", "come", "go",
];

/// Prepositions capitalised only because they open a headline or sentence (`Inside Acme
/// Aerospace's hangar`): not the first word of the name after them. Only at a segment start,
/// since inside a sentence a capitalised one belongs to a name (`shares in Beyond Meat`).
#[rustfmt::skip]
const OPENING_PREPOSITIONS: &[&str] = &[
    "inside", "outside", "near", "behind", "beyond", "across", "through", "throughout",
    "against", "without", "within", "toward", "towards", "among", "amongst", "between",
    "beside", "around", "along", "above", "below", "beneath", "upon", "onto", "via", "aboard",
    "following",
];

/// Nouns of works right before a capitalised run make it the work's title (`the drama
/// Harbour Lights`), not a name (CLAIMS.md v2: works are not names).
#[rustfmt::skip]
const WORK_NOUNS: &[&str] = &[
    "film", "movie", "drama", "thriller", "comedy", "sitcom", "documentary", "novel", "book",
    "memoir", "biography", "album", "song", "single", "musical", "opera", "play", "podcast",
    "series", "painting", "poem",
];

/// Nouns of weapons right after a capitalised run make it a model (`Falcon tanks`), not a
/// name (CLAIMS.md v2: vehicle models are not names).
#[rustfmt::skip]
const MODEL_NOUNS: &[&str] = &[
    "tank", "tanks", "missile", "missiles", "rocket", "rockets", "rifle", "rifles",
    "howitzer", "howitzers", "drone", "drones", "warship", "warships", "submarine",
    "submarines",
];

/// Organisations whose first word alone is no name (`Islamic`, `Arab`).
#[rustfmt::skip]
const KNOWN_BODIES: &[&str] = &[
    "islamic state", "islamic jihad", "arab league", "african union", "european union",
    "european commission", "european parliament", "european court of human rights",
    "european central bank", "asian development bank",
];

/// Words that join the parts of one name when a capitalised word follows.
const CONNECTORS: &[&str] = &[
    "of", "for", "de", "del", "da", "do", "dos", "von", "van", "der", "den", "di", "la", "le",
    "du", "bin", "ibn", "al", "el", "y",
];

pub(super) fn names(text: &Text, toks: &[Tok]) -> Vec<Name> {
    let words: Vec<usize> = (0..toks.len())
        .filter(|&i| toks[i].kind != Kind::Sym)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let title_case = is_title_case(toks);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !starts_run(&toks[i]) {
            i += 1;
            continue;
        }
        let end = run_end(toks, i);
        if let Some(name) = clean_run(text, toks, i, end, title_case) {
            out.push(name);
        }
        i = end + 1;
    }
    out
}

fn starts_run(t: &Tok) -> bool {
    t.kind == Kind::Word && t.capitalised()
}

/// Index of the last token of the capitalised run starting at `i`.
fn run_end(toks: &[Tok], i: usize) -> usize {
    let mut end = i;
    loop {
        if possessive(toks[end].text) {
            return end;
        }
        let Some(t) = toks.get(end + 1) else {
            return end;
        };
        let after = toks.get(end + 2);
        let capital = |a: &Tok| a.kind == Kind::Word && a.capitalised();
        let one_more =
            capital(t) || (t.kind == Kind::Num && t.glued && toks[end].kind == Kind::Word);
        // `Guinea-Bissau`, `Covid-19`, `Marks & Spencer`; not `US-based`.
        let joined = (t.sym('-') || t.sym('&'))
            && after.is_some_and(|a| {
                (a.kind == Kind::Num || capital(a)) && (t.glued && a.glued || t.sym('&'))
            });
        let connector = t.kind == Kind::Word
            && CONNECTORS.contains(&t.lower().as_ref())
            && after.is_some_and(capital);
        if one_more {
            end += 1;
        } else if joined || connector {
            end += 2;
        } else if t.is("of")
            && after.is_some_and(|a| a.is("the"))
            && toks
                .get(end + 3)
                .is_some_and(|a| a.kind == Kind::Word && a.capitalised())
        {
            end += 3;
        } else {
            return end;
        }
    }
}

fn possessive(w: &str) -> bool {
    w.ends_with("'s") || w.ends_with("'S")
}

/// Whether token `i` opens the sentence or a headline segment (`Ukraine war: Zelensky …`),
/// where a capital says nothing about a name.
fn at_segment_start(toks: &[Tok], i: usize) -> bool {
    let mut k = i;
    while k > 0 {
        k -= 1;
        let t = &toks[k];
        if t.kind != Kind::Sym {
            return false;
        }
        if t.sym(':') || t.sym('"') || t.sym('(') || t.sym('\'') {
            return true;
        }
        if t.sym('-') && !t.glued {
            return true;
        }
    }
    true
}

/// A headline in title case (`Storm Batters Coast Towns`), where capitals mean nothing.
fn is_title_case(toks: &[Tok]) -> bool {
    let long: Vec<&Tok> = toks
        .iter()
        .filter(|t| t.kind == Kind::Word && t.text.len() >= 4)
        .collect();
    long.len() >= 3 && long.iter().filter(|t| t.capitalised()).count() * 10 >= long.len() * 8
}

fn acronym(w: &str) -> bool {
    w.chars().count() >= 2 && w.chars().all(|c| c.is_uppercase())
}

fn clean_run(text: &Text, toks: &[Tok], i: usize, end: usize, title_case: bool) -> Option<Name> {
    let word_idx: Vec<usize> = (i..=end).filter(|&k| toks[k].kind == Kind::Word).collect();
    let folded = |k: usize| fold(strip_possessive(toks[k].text));
    let mut first = 0;
    // A place or body whose first word is otherwise no name (`Latin America`, `Northern
    // Ireland`, `Islamic State`) keeps it.
    let full = word_idx
        .iter()
        .map(|&k| folded(k))
        .collect::<Vec<_>>()
        .join(" ");
    let known = is_place(&full) || KNOWN_BODIES.contains(&full.as_str());
    // Leading titles, job words and adjectives: `Health Secretary Sajid Javid`, `the Queen`.
    while first < word_idx.len() && !known {
        let w = folded(word_idx[first]);
        let opening = first == 0
            && OPENING_PREPOSITIONS.contains(&w.as_str())
            && at_segment_start(toks, word_idx[0]);
        let leading = is_title_word(&w) || is_stop(&w) || opening;
        if !leading {
            break;
        }
        first += 1;
    }
    while first < word_idx.len() && CONNECTORS.contains(&folded(word_idx[first]).as_str()) {
        first += 1;
    }
    let kept = word_idx.get(first..)?;
    let (&k0, &k1) = (kept.first()?, kept.last()?);
    // Tokens after the last kept word that belong to it (`G7`, `-19`).
    let last_tok = (k1..=end)
        .take_while(|&k| k == k1 || toks[k].glued)
        .last()
        .unwrap_or(k1);
    // `Downing St` is `Downing Street`: street-type abbreviations compare as their words.
    let key: Vec<String> = kept
        .iter()
        .enumerate()
        .map(|(n, &k)| (n, folded(k)))
        .filter(|(_, w)| !is_title_word(w))
        .map(|(n, w)| match w.as_str() {
            // `St Ives` is a saint; `Downing St` a street.
            "st" if n > 0 => "street".to_string(),
            "rd" => "road".to_string(),
            "ave" => "avenue".to_string(),
            "sq" => "square".to_string(),
            _ => w,
        })
        .collect();
    let joined = key.join(" ");
    let whole = (k0..=last_tok)
        .map(|k| fold(strip_possessive(toks[k].text)))
        .collect::<Vec<_>>()
        .join(" ");
    let place = is_place(&joined) || is_place(&whole);
    let head = key.last()?;
    let org = is_org_noun(head);
    let single = kept.len() == 1;
    let w0 = toks[k0].text;
    if key.is_empty() || is_stop(&whole) || (single && whole.chars().count() == 1) {
        return None;
    }
    // `Call My Agent`, `Don't Worry Darling`: a pronoun, verb or contraction inside makes the
    // run the title of a work, not a name.
    if kept.iter().skip(1).any(|&k| {
        let w = toks[k].text;
        FUNCTION_WORDS.contains(&fold(w).as_str()) || (w.contains('\'') && !possessive(w))
    }) {
        return None;
    }
    // A negative contraction anywhere (`Don't Worry Darling`), or a capitalised pronoun
    // opening the run inside a sentence (`hits such as We Ride Tonight`), is a work's title.
    let contraction = |w: &str| {
        let w = fold(w);
        ["n't", "'re", "'ll", "'ve", "'m"]
            .iter()
            .any(|c| w.ends_with(c))
    };
    let opens_with_pronoun = word_idx.first().is_some_and(|&k| {
        matches!(
            fold(toks[k].text).as_str(),
            "i" | "we" | "you" | "it" | "they" | "my" | "your" | "our"
        ) && !at_segment_start(toks, k)
    });
    if opens_with_pronoun || word_idx.iter().any(|&k| contraction(toks[k].text)) {
        return None;
    }
    if !org
        && !place
        && (NOT_NAME_HEADS.contains(&head.as_str())
            || (kept.len() > 1 && NOT_NAME_LEADS.contains(&key[0].as_str())))
    {
        return None;
    }
    // `Calif.`, `Jan.`: an abbreviation inside a place or date.
    if single
        && toks
            .get(last_tok + 1)
            .is_some_and(|t| t.sym('.') && t.glued)
        && PLACE_ABBREVS.contains(&joined.as_str())
    {
        return None;
    }
    let is_acronym = acronym(strip_possessive(w0));
    // `… Safety Administration (NHTSA)`: an acronym in brackets after a name is that name.
    if is_acronym
        && single
        && i >= 2
        && toks[i - 1].sym('(')
        && toks[i - 2].kind == Kind::Word
        && toks[i - 2].capitalised()
    {
        return None;
    }
    if title_case && !place && !is_acronym {
        return None;
    }
    // Compared as written: a word of these lists in lower case is already folded.
    let lower_word = |k: Option<usize>, list: &[&str]| {
        k.and_then(|k| toks.get(k))
            .is_some_and(|t| t.kind == Kind::Word && list.contains(&t.text))
    };
    if !place
        && !is_acronym
        && !org
        && ((first == 0 && lower_word(i.checked_sub(1), WORK_NOUNS))
            || lower_word(Some(last_tok + 1), MODEL_NOUNS))
    {
        return None;
    }
    if at_segment_start(toks, i) && first == 0 {
        let dateline = is_acronym
            && w0.len() >= 3
            && toks
                .get(last_tok + 1)
                .is_some_and(|t| t.sym('(') || t.sym(',') || (t.sym('-') && !t.glued));
        if dateline && i == 0 {
            return None;
        }
        let verb_follows = toks
            .get(last_tok + 1)
            .is_some_and(|t| t.kind == Kind::Word && HEADLINE_VERBS.contains(&t.lower().as_ref()))
            || headline_future(toks, last_tok + 1)
            || role_of_name_follows(toks, last_tok + 1);
        let plain_word = !(place || is_acronym || verb_follows);
        if single && plain_word {
            return None;
        }
    }
    let s = toks[k0].s;
    let e = toks[last_tok].e
        - (toks[last_tok].text.len() - strip_possessive(toks[last_tok].text).len());
    let neighbour = |k: Option<usize>| {
        k.and_then(|k| toks.get(k))
            .filter(|t| t.kind != Kind::Sym)
            .map(|t| fold(t.text))
            .unwrap_or_default()
    };
    let (prev, before_prev) = (neighbour(i.checked_sub(1)), neighbour(i.checked_sub(2)));
    // `a Tarvel-based studio` says where, like `a studio in Tarvel`.
    let based = toks
        .get(last_tok + 1)
        .is_some_and(|t| t.sym('-') && t.glued)
        && toks.get(last_tok + 2).is_some_and(|t| t.is("based"));
    let locative = LOCATIVES.contains(&prev.as_str())
        || (prev == "of" && PLACE_NOUNS.contains(&before_prev.as_str()))
        || based;
    Some(Name {
        item: text.item(s, e),
        key,
        place,
        prev,
        next: neighbour(Some(last_tok + 1)),
        locative,
        at_start: first == 0 && at_segment_start(toks, i),
        span: (s, e),
    })
}

/// `Biden to visit …`, `Johnson set to ease …`: the headline future, whose subject at the start
/// of a headline is the one acting, a person or body rather than a word capitalised for its
/// position (a plain noun there, `Hospital to close ward`, is rarer than a name).
fn headline_future(toks: &[Tok], k: usize) -> bool {
    let subject = k
        .checked_sub(1)
        .and_then(|i| toks.get(i))
        .map(|t| t.lower());
    if subject.is_some_and(|w| not_an_actor(&w)) {
        return false;
    }
    let word = |k: usize| toks.get(k).filter(|t| t.kind == Kind::Word);
    let to_verb = |k: usize| {
        word(k).is_some_and(|t| t.text == "to")
            && word(k + 1).is_some_and(|t| t.text.chars().all(|c| c.is_ascii_lowercase()))
    };
    to_verb(k) || (word(k).is_some_and(|t| t.text == "set") && to_verb(k + 1))
}

/// Words that open a headline before `to` without acting: efforts (`Race to save …`), states
/// (`Unable to …`) and nouns of abstraction by their endings.
fn not_an_actor(w: &str) -> bool {
    #[rustfmt::skip]
    const EFFORTS: &[&str] = &[
        "race", "bid", "bids", "plan", "plans", "push", "rush", "move", "moves", "call", "calls",
        "time", "way", "fight", "battle", "hunt", "drive", "quest", "deal", "vote", "due",
        "ready", "likely", "set", "back", "return", "journey", "road", "path", "key", "chance",
        "free", "right", "how", "what", "where", "why", "who", "when", "more", "less", "fewer",
        "pressure", "appeal", "warning", "ban", "cuts", "rise", "hope", "hopes", "effort",
        "efforts", "talks", "order", "orders", "permission", "welcome", "pledge", "promise",
    ];
    EFFORTS.contains(&w)
        || [
            "able", "ible", "tion", "sion", "ment", "ness", "ity", "ing", "ance", "ence",
        ]
        .iter()
        .any(|suffix| w.ends_with(suffix))
}

/// `Trump ally Kari Lake`, `Putin critic Ana Silva`: a relation noun between two names makes
/// the first a name too.
fn role_of_name_follows(toks: &[Tok], k: usize) -> bool {
    #[rustfmt::skip]
    const RELATIONS: &[&str] = &[
        "ally", "aide", "adviser", "advisor", "critic", "rival", "loyalist", "associate",
        "confidant", "lawyer", "son", "daughter", "wife", "husband", "brother", "sister",
    ];
    toks.get(k)
        .is_some_and(|t| t.kind == Kind::Word && RELATIONS.contains(&t.text))
        && toks
            .get(k + 1)
            .is_some_and(|t| t.kind == Kind::Word && t.capitalised())
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("'S"))
        .or_else(|| w.strip_suffix('\''))
        .unwrap_or(w)
}

/// Lower case with the accents of Latin letters dropped (`Fernández` = `Fernandez`).
pub(super) fn fold(w: &str) -> String {
    w.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'š' | 'ś' | 'ş' | 'ș' => 's',
            'ž' | 'ź' | 'ż' => 'z',
            'ł' => 'l',
            'ř' => 'r',
            'ť' | 'ț' => 't',
            'ğ' => 'g',
            'đ' | 'ď' => 'd',
            c => c,
        })
        .collect()
}

/// The same referent: one name's words all in the other's (a shorter or fuller form).
fn same_name(a: &Name, b: &Name) -> bool {
    let (short, long) = if a.key.len() <= b.key.len() {
        (&a.key, &b.key)
    } else {
        (&b.key, &a.key)
    };
    short.iter().all(|w| long.contains(w))
}

/// `Brazil` on one side, `Brazilian` on the other: the place became its adjective.
fn adjective_on_other_side(n: &Name, other_words: &str) -> bool {
    n.place
        && adjectives(&n.key.join(" ")).iter().any(|adj| {
            contains_phrase(other_words, adj) || contains_phrase(other_words, &format!("{adj}s"))
        })
}

/// `Turkey ceremony` against `pardons turkeys`: a one-word name whose plural stands on the other
/// side is the common noun capitalised (a name has no plural in a sentence about it).
fn common_plural_on_other_side(n: &Name, other_words: &str) -> bool {
    n.key.len() == 1
        && n.key.first().is_some_and(|w| {
            contains_phrase(other_words, &format!("{w}s"))
                || w.strip_suffix('y')
                    .is_some_and(|stem| contains_phrase(other_words, &format!("{stem}ies")))
        })
}

/// One version of a sentence as the name rule sees it.
pub(super) struct Side<'x> {
    pub(super) names: &'x [Name],
    /// Every capitalised word, folded, names or not.
    pub(super) caps: &'x [String],
    /// Spans of the sources of a reported sourcing change: their names are that change's.
    pub(super) skip: &'x [Span],
    /// The masked sentence in lower case.
    pub(super) words: &'x str,
    /// The whole sentence in lower case, quotations included.
    pub(super) all_words: &'x str,
}

/// Capitalised words of a sentence, folded, for [`name_changes`].
pub(super) fn capitalised_words(toks: &[Tok]) -> Vec<String> {
    toks.iter()
        .filter(|t| t.kind == Kind::Word && t.capitalised())
        .map(|t| fold(strip_possessive(t.text)))
        .collect()
}

/// `name_changed` entries between two versions of a sentence.
pub(super) fn name_changes(a: &Side, b: &Side) -> Vec<Found> {
    let within = |n: &Name, (s, e): (usize, usize)| s <= n.span.0 && n.span.1 <= e;
    let inside = |n: &Name, spans: &[Span]| {
        spans
            .iter()
            .any(|&(phrase, apposition)| within(n, phrase) || within(n, apposition))
    };
    // A name found anywhere on the other side (even as a source, or as a bare surname at the
    // start of the sentence, where it is not recognised by itself) did not change. Nor did a
    // name whose first word is a capitalised word there that is in no name: the short form
    // of a body opening the sentence (`Acme Aerospace's plant` / `Acme's plant opens`).
    // A first word shared with another name there (`Lena Varga` / `Lena Costa`) is no sign.
    let short_form_at_start = |x: &Name, other: &Side| {
        x.key.len() > 1
            && x.key.first().is_some_and(|w| {
                other.caps.contains(w) && !other.names.iter().any(|y| y.key.contains(w))
            })
    };
    // The surname alone there (`Silva said`) is the same person; the surname inside another
    // full name there (`Ana Silva` / `Marta Silva`) is another person of that family, unless
    // the only word setting them apart is capitalised for opening the sentence (`China Covid
    // cases` / `Record Covid cases`).
    let another = |x: &Name, y: &Name| {
        let mut own = x.key.iter().enumerate().filter(|(_, w)| !y.key.contains(w));
        x.key.len() > 1
            && y.key.len() > 1
            && !same_name(x, y)
            && own.any(|(n, _)| n > 0 || !x.at_start)
    };
    let surname_kept = |x: &Name, other: &Side| {
        x.key.last().is_some_and(|w| {
            other.caps.contains(w)
                && !other
                    .names
                    .iter()
                    .any(|y| y.key.contains(w) && another(x, y))
        })
    };
    let kept = |x: &Name, this: &Side, other: &Side| {
        !inside(x, this.skip)
            && !other.names.iter().any(|y| same_name(x, y))
            && !surname_kept(x, other)
            && !short_form_at_start(x, other)
            && !contains_phrase(other.words, &x.key.join(" "))
            && !common_plural_on_other_side(x, other.words)
            // Moved into a quotation there (`… from Sudan` / `'… died alone in Sudan'`): the
            // name now belongs to the quotation, which reports the change.
            && !contains_phrase(other.all_words, &x.key.join(" "))
            && !adjective_on_other_side(x, other.words)
    };
    let mut left_a: Vec<&Name> = a.names.iter().filter(|x| kept(x, a, b)).collect();
    let mut left_b: Vec<&Name> = b.names.iter().filter(|y| kept(y, b, a)).collect();
    let mut out = Vec::new();
    // One replacement only when both play the same role (CLAIMS.md v2 "One replacement, or
    // two entries?"): the same word before or after, or both the place where it happened.
    // Two places in different slots (`capture Tarvel` / `Veridia's second city`) are two
    // entries: being places is not a shared role.
    let replaced = take_pairs(&mut left_a, &mut left_b, |x, y| {
        (!x.prev.is_empty() && x.prev == y.prev)
            || (!x.next.is_empty() && x.next == y.next)
            || (x.locative && y.locative)
    });
    for (x, y) in replaced {
        out.push(found(ClaimKind::NameChanged, Some(&x.item), Some(&y.item)));
    }
    push_unpaired(&mut out, ClaimKind::NameChanged, &left_a, &left_b, |n| {
        &n.item
    });
    out
}

#[cfg(test)]
mod tests {
    use crate::claims::Claims;
    use crate::claims::test_support::{changes, one};

    fn found(s: &str) -> Vec<String> {
        Claims::extract(s)
            .summary()
            .into_iter()
            .filter(|(k, _)| *k == "name")
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn recognises_people_places_and_bodies() {
        assert_eq!(
            found("Health Minister Ana Silva visited flooded villages near Porto on Monday."),
            ["Ana Silva", "Porto"]
        );
        assert_eq!(
            found("Protesters gathered outside the Bank of England and the G7 venue."),
            ["Bank of England", "G7"]
        );
        assert_eq!(
            found("Lena Varga wins chess final after six hours"),
            ["Lena Varga"]
        );
        assert_eq!(
            found("Zelensky says talks with Moscow are over"),
            ["Zelensky", "Moscow"]
        );
        assert_eq!(
            found("Mariner's cargo was lost off Guinea-Bissau."),
            ["Guinea-Bissau"]
        );
    }

    #[test]
    fn a_place_in_the_same_slot_is_one_replacement() {
        // `the town of X` and `in Y` both name where it happened (CLAIMS.md v2 "One
        // replacement, or two entries?").
        assert_eq!(
            changes(
                "Masked men took hostages after a bank raid in the town of Tarvel.",
                "Masked men took hostages after a bank raid in Veridia."
            ),
            one("name_changed", Some("Tarvel"), Some("Veridia"))
        );
    }

    #[test]
    fn places_in_different_roles_are_two_entries() {
        // The captured city against the country in a description of another city: the old
        // place did not become the new one.
        let got = crate::claims::title_changes(
            "Rebel columns enter Lisbon after a night of shelling",
            "Rebel columns hold Portugal's second city after a night of shelling",
            &mut Vec::new(),
        );
        let mut got: Vec<_> = got
            .iter()
            .map(|c| (c.before.clone(), c.after.clone()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (None, Some("Portugal".to_string())),
                (Some("Lisbon".to_string()), None)
            ]
        );
        // Where it is, said either way, stays one replacement.
        assert_eq!(
            changes(
                "A games studio in Finland was bought by the streaming group.",
                "A Helsinki-based games studio was bought by the streaming group."
            ),
            one("name_changed", Some("Finland"), Some("Helsinki"))
        );
    }

    #[test]
    fn words_capitalised_for_other_reasons_are_not_names() {
        // Sentence start, weekday, month, adjective of a people, storm, law, award.
        assert!(found("Rescuers worked through Tuesday night in May.").is_empty());
        assert!(found("Cubans join rare protests as British aid arrives").is_empty());
        assert!(found("Storm Amara closes schools as the Clean Air Act is debated.").is_empty());
        // Titles of works: a contraction, or a pronoun opening the run mid-sentence.
        assert!(found("Rumours swirled around the Won't Stop Dancing cast.").is_empty());
        assert!(found("She sang hits such as We Ride Tonight and other songs.").is_empty());
        assert!(found("Ferry Operators Cancel Crossings As Gales Hit Coast").is_empty());
        assert_eq!(
            found("FRESNO, Calif. - Fire crews from Oakland arrived."),
            ["Oakland"]
        );
    }

    #[test]
    fn a_preposition_opening_a_headline_is_not_part_of_the_name_after_it() {
        assert_eq!(
            found("Inside Kestrel Aerospace's new launch hangar"),
            ["Kestrel Aerospace"]
        );
        assert_eq!(
            found("Outside Veridia's parliament, crowds wait for the vote"),
            ["Veridia"]
        );
        // Inside a sentence, a capitalised preposition is part of the name.
        assert_eq!(
            found("Investors sold shares in Beyond Orchard after the results."),
            ["Beyond Orchard"]
        );
    }

    #[test]
    fn a_body_shortened_to_its_first_word_at_the_start_is_no_change() {
        // The short form opens the headline, where one word alone is not taken as a name.
        let got = crate::claims::title_changes(
            "Inside Kestrel Aerospace's battery plant in the dunes",
            "Kestrel's battery plant opens its gates to the first workers",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        let got = changes(
            "Kestrel Aerospace said its cargo drone flew 80 km.",
            "Kestrel's cargo drone flew 80 km, the company said.",
        );
        assert!(got.is_empty(), "{got:?}");
        // A first name shared with another person is not a short form.
        assert_eq!(
            changes(
                "The chess final was won by Lena Varga after six hours.",
                "The chess final was won by Lena Costa after six hours."
            ),
            one("name_changed", Some("Lena Varga"), Some("Lena Costa"))
        );
    }

    #[test]
    fn another_person_with_the_same_surname_is_a_change() {
        assert_eq!(
            changes(
                "The award was presented by Ana Silva at the ceremony.",
                "The award was presented by Marta Silva at the ceremony."
            ),
            one("name_changed", Some("Ana Silva"), Some("Marta Silva"))
        );
        // A corrected spelling of a person's name is a change too (CLAIMS.md v2 "Names").
        assert_eq!(
            changes(
                "Coach Stefan Janssen earlier praised the squad for its discipline.",
                "Coach Stephan Janssen earlier praised the squad for its discipline."
            ),
            one(
                "name_changed",
                Some("Stefan Janssen"),
                Some("Stephan Janssen")
            )
        );
        // A second member of the family now named beside the first.
        let got = crate::claims::title_changes(
            "Watch: Pavel Novak and brother freed on bail",
            "Watch: Pavel and Tomas Novak freed on bail",
            &mut Vec::new(),
        );
        let got: Vec<_> = got
            .iter()
            .map(|c| (c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(got, [(None, Some("Tomas Novak".to_string()))]);
        // A word capitalised for opening the headline is no first name.
        let got = crate::claims::title_changes(
            "Lisbon Covid cases rise despite new curbs",
            "Record Covid cases in Lisbon despite new curbs",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        // The surname alone is still the same person.
        assert!(
            changes(
                "The award was presented by Ana Silva at the ceremony.",
                "Silva presented the award at the ceremony."
            )
            .is_empty()
        );
    }

    #[test]
    fn titles_of_works_and_weapon_models_are_not_names() {
        assert_eq!(
            found("Harbour drama Saltwater wins top prize as Tarvel studio celebrates"),
            ["Tarvel"]
        );
        assert_eq!(
            found("The navy will buy Falcon drones and Kestrel missiles from Veridia"),
            ["Veridia"]
        );
        // A country's weapons are still that country's.
        assert_eq!(
            found("Poland sends more tanks as US drones arrive"),
            ["Poland", "US"]
        );
    }

    #[test]
    fn religious_adjectives_are_not_names() {
        // Like the adjective of a people (CLAIMS.md v2: persons, organisations, places only).
        assert_eq!(
            found("Police closed the square in Tarvel before an Orthodox procession."),
            ["Tarvel"]
        );
        assert!(found("Pilgrims joined the Anglican and Evangelical services.").is_empty());
    }

    #[test]
    fn newly_named_or_replaced_name_is_name_changed() {
        assert_eq!(
            changes(
                "The chess final was decided after six hours.",
                "The chess final was won by Lena Varga after six hours."
            ),
            one("name_changed", None, Some("Lena Varga"))
        );
        assert_eq!(
            changes(
                "The summit will be held in Porto next month.",
                "The summit will be held in Braga next month."
            ),
            one("name_changed", Some("Porto"), Some("Braga"))
        );
    }

    #[test]
    fn shorter_or_fuller_form_and_own_adjective_are_no_change() {
        assert!(
            changes(
                "Prosecutors say Daniel Okoro hid the money.",
                "Prosecutors say Mr Okoro hid the money."
            )
            .is_empty()
        );
        assert!(
            changes(
                "The ship was stopped by the navy of Brazil at dawn.",
                "The ship was stopped by the Brazilian navy at dawn."
            )
            .is_empty()
        );
        assert!(
            changes(
                "The festival moved to Bogota after a dispute with organisers.",
                "The festival moved to Bogotá after a dispute with organisers."
            )
            .is_empty()
        );
    }

    #[test]
    fn names_inside_quotes_belong_to_the_quote() {
        let got = changes(
            "\"We will rebuild Porto,\" the mayor said.",
            "\"We will rebuild Braga,\" the mayor said.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "quote_changed");
    }

    #[test]
    fn described_person_newly_named_is_name_changed_not_speaker_changed() {
        assert_eq!(
            changes(
                "The award-winning architect said the tower would be finished by 2027.",
                "Tomas Reyes said the tower would be finished by 2027."
            ),
            one("name_changed", None, Some("Tomas Reyes"))
        );
    }

    #[test]
    fn added_sentence_with_only_a_name_is_a_claim() {
        let got = changes(
            "The storm passed overnight.",
            "The storm passed overnight. Crews from Lisbon cleared the roads.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "claim_added");
    }

    fn title_names(old: &str, new: &str) -> Vec<(Option<String>, Option<String>)> {
        crate::claims::title_changes(old, new, &mut Vec::new())
            .into_iter()
            .filter(|c| c.kind.as_str() == "name_changed")
            .map(|c| (c.before, c.after))
            .collect()
    }

    #[test]
    fn the_subject_of_a_headline_future_is_a_name() {
        assert_eq!(
            title_names(
                "Varga to face Costa in Tarvel chess final",
                "Tarvel chess final goes to a tie-break"
            ),
            [
                (Some("Varga".to_string()), None),
                (Some("Costa".to_string()), None)
            ]
        );
        assert_eq!(
            title_names(
                "Okafor set to lift harbour curfew",
                "Harbour curfew to be lifted, mayor confirms"
            ),
            [(Some("Okafor".to_string()), None)]
        );
        // Efforts and states before `to` are no actors.
        assert!(title_names("Race to save the old lighthouse", "Old lighthouse saved").is_empty());
        assert!(title_names("Unable to vote, islanders protest", "Islanders protest").is_empty());
    }

    #[test]
    fn amounts_and_peoples_opening_a_sentence_are_not_names() {
        assert!(found("Thousands of Kenyans crossed the border at dawn.").is_empty());
        assert!(found("Hundreds of Cubans queued for bread.").is_empty());
    }

    #[test]
    fn a_known_body_keeps_its_first_word() {
        assert_eq!(
            found("The attack was claimed by Islamic State."),
            ["Islamic State"]
        );
        assert_eq!(found("Rain swept across Latin America."), ["Latin America"]);
    }

    #[test]
    fn a_common_noun_capitalised_against_its_plural_is_no_name() {
        // The bird, not the country: the other version has the plural.
        assert!(
            title_names(
                "Mayor pardons two turkeys before the holiday",
                "Mayor forgets names at Turkey ceremony"
            )
            .is_empty()
        );
        // The country against no plural is still a name.
        assert_eq!(
            title_names("Mayor visits Tarvel", "Mayor visits Turkey"),
            [(Some("Tarvel".to_string()), Some("Turkey".to_string()))]
        );
    }

    #[test]
    fn the_west_is_its_adjective() {
        assert!(
            title_names(
                "Western leaders declare unity over Veridia",
                "Troops on alert as West voices unity over Veridia"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_name_before_a_relation_and_a_name_is_a_name() {
        assert_eq!(
            title_names(
                "Race for Tarvel mayor goes to the wire",
                "Okafor ally Ana Silva loses Tarvel mayor race"
            ),
            [
                (None, Some("Okafor".to_string())),
                (None, Some("Ana Silva".to_string()))
            ]
        );
    }

    #[test]
    fn a_name_moved_into_a_quotation_belongs_to_it() {
        let got = title_names(
            "Unable to bring her brother home from Veridia",
            "'My brother died alone in Veridia, now I cannot bring him home'",
        );
        assert!(got.is_empty(), "{got:?}");
    }
}
