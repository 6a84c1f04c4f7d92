//! Attributions: `according to …` and reporting-verb constructions, their sources, and the
//! `attribution_changed`/`speaker_changed` rules.

use super::ClaimKind;
use super::cues::Cue;
use super::gazetteer::is_place;
use super::numbers::{DENOMINATORS, ONES, TENS, lookup};
use super::pairing::{Found, cancel_pairs, found, push_unpaired, take_pairs, zip_leftovers};
use super::quotes::same_wording;
use super::speakers::{
    SourceClass, head_noun, is_generic_head, is_title_abbrev, source_class, speaker_item,
    speaker_name, strip_brackets,
};
use super::text::{Item, Text, normalize_lower};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone)]
pub(super) struct Attribution {
    /// A sourcing phrase without a verb: `according to …`, or a passive's `by …`.
    according: bool,
    /// Source with its verb (`Health officials said`) or the whole `according to …` phrase.
    pub(super) phrase: Item,
    /// The reporting verb as written (empty for `according to`).
    verb: Item,
    verb_class: String,
    /// The speaker's name without title or apposition, or the source phrase.
    pub(super) speaker: Item,
    key: String,
    class: SourceClass,
    /// Byte span of `phrase` in the normalised text: names inside it belong to the source.
    span: (usize, usize),
    /// The apposition next to the source, if any (empty span otherwise).
    apposition: (usize, usize),
}

pub(super) static ACCORDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\baccording\s+to\s+([^,;:"()]+)"#).expect("according regex")
});

pub(super) static REPORTING_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:said|says|say|saying|told|tells|reported|reports|confirmed|confirms|announced|announces|claimed|claims|stated|states|added|adds|wrote|writes|noted|notes|explained|explains|insisted|insists|maintained|maintains|argued|argues|warned|warns|acknowledged|acknowledges|admitted|admits|denied|denies|estimated|estimates|estimate|predicted|predicts|alleged|alleges|asserted|asserts|described|describes|testified|fears|feared|fear|blames|blamed|blame|defends|defended|defend|accuses|accused|accuse|condemns|condemned|condemn|criticises|criticised|criticise|criticizes|criticized|criticize|thinks|think|believes|believed|believe|show|shows|showed|suggest|suggests|suggested|indicate|indicates|indicated|allege|claim|confirm|deny|insist|argue|warn|admit|predict|acknowledge|heard|hears|calls|name|names|jokes|joked)\b",
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
    "acknowledge", "fear", "blame", "defend", "accuse", "condemn", "criticise", "criticize",
    "think", "believe",
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
    "above", "below", "beat", "beating", "than", "exceeded", "missed", "topped", "amid", "over",
    "despite", "fresh", "growing", "renewed", "mounting", "rising", "widespread", "deep",
    "serious", "grave", "early", "initial", "further", "conflicting", "unverified", "latest",
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

pub(super) fn attributions(text: &Text) -> Vec<Attribution> {
    let s = &text.masked;
    let mut out = Vec::new();
    let mut according_spans = Vec::new();
    for c in ACCORDING.captures_iter(if text.may(Cue::According) { s } else { "" }) {
        let (Some(all), Some(src)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let end = all.start() + trim_phrase_end(all.as_str());
        let src_end = src.start() + trim_phrase_end(src.as_str());
        according_spans.push((all.start(), end));
        out.push(according_to(text, all.start(), end, src.start(), src_end));
    }
    if let Some(a) = dash_source(text).or_else(|| colon_source(text)) {
        according_spans.push(a.span);
        out.push(a);
    }
    // Each pattern needs its literal; most sentences have none, and the regexes are dearer.
    let has = |lit: &str| {
        if text.lowered.contains(lit) {
            s.as_str()
        } else {
            ""
        }
    };
    for m in REPORTS_NOUN.find_iter(has("reports")) {
        according_spans.push((m.start(), m.end()));
        out.push(sourceless(text, m.start(), m.end(), "reports"));
    }
    for m in PASSIVE_REPORT.find_iter(has("reported")) {
        // With an agent it is the agent's (below).
        if !m.as_str().to_lowercase().ends_with(" by") {
            according_spans.push((m.start(), m.end()));
            out.push(sourceless(text, m.start(), m.end(), "passive"));
        }
    }
    let agents = has("by");
    for c in AGENT.captures_iter(agents) {
        let (Some(all), Some(by)) = (c.get(0), c.get(1)) else {
            continue;
        };
        if let Some(a) = agent_attribution(text, by.start(), all.end()) {
            according_spans.push(a.span);
            out.push(a);
        }
    }
    for m in text.find_iter(Cue::ReportingVerb, &REPORTING_VERB) {
        if according_spans
            .iter()
            .any(|&(a, e)| a <= m.start() && m.start() < e)
        {
            continue;
        }
        if let Some(a) = verb_attribution(text, m.start(), m.end()) {
            out.push(a);
        } else if let Some(a) = elided_subject(text, &out, m.start(), m.end()) {
            out.push(a);
        }
    }
    // `A report quoted by Maltese media says …`: an agent inside a verb's source is part of it.
    let verb_spans: Vec<(usize, usize)> = out
        .iter()
        .filter(|a| a.verb_class != "by")
        .map(|a| a.span)
        .collect();
    out.retain(|a| {
        a.verb_class != "by"
            || !verb_spans
                .iter()
                .any(|&(s, e)| s <= a.span.0 && a.span.1 <= e && (s, e) != a.span)
    });
    out.sort_by_key(|a| a.phrase.pos);
    out
}

/// The headline form `claim - source` (`… booster - advisers`, `… to Ukraine - reports`): a
/// short tail after a spaced dash, without a verb or figure, is the source.
fn dash_source(text: &Text) -> Option<Attribution> {
    let s = &text.masked;
    let body = s.trim_end().trim_end_matches(['.', '!', '?']);
    let dash = body.rfind(" - ")?;
    let src_s = dash + 3;
    // `… - Zelensky after Moscow drone attack`: an adjunct after the source is not part of it.
    let src_e = body[src_s..]
        .match_indices(' ')
        .map(|(k, _)| src_s + k)
        .find(|&k| {
            let next = first_word(&body[k..]).to_lowercase();
            matches!(
                next.as_str(),
                "after" | "amid" | "as" | "following" | "despite" | "over"
            )
        })
        .filter(|&k| k > src_s)
        .unwrap_or(body.len());
    let source = body[src_s..src_e].trim();
    let words: Vec<&str> = source.split_whitespace().collect();
    let plain = !words.is_empty()
        && words.len() <= 4
        && !source.contains(|c: char| c.is_ascii_digit() || c == '"' || c == ',')
        && !words
            .iter()
            .any(|w| CLAUSE_VERBS.contains(&w.to_lowercase().as_str()));
    // A parenthetical pair of dashes (`$2.5 billion -- the largest sum -- on flood defences`)
    // closes an aside, not a headline; a tail opening with a preposition is an adjunct.
    let first = words.first().map(|w| w.to_lowercase()).unwrap_or_default();
    let aside = body[..dash].contains(" - ") || body.contains("--");
    let adjunct = matches!(
        first.as_str(),
        "on" | "in"
            | "at"
            | "of"
            | "for"
            | "to"
            | "with"
            | "from"
            | "by"
            | "a"
            | "an"
            | "and"
            | "or"
            | "but"
            | "as"
            | "after"
            | "before"
            | "amid"
            | "over"
    );
    if !plain || dash == 0 || aside || adjunct {
        return None;
    }
    Some(headline_source(text, source, src_s, src_e))
}

/// A headline's source (`… - police`, `Police chief: …`) as the attribution of the whole
/// headline: no verb of its own, compared as the `dash` form whichever side it stands on.
fn headline_source(text: &Text, source: &str, src_s: usize, src_e: usize) -> Attribution {
    let item = text.item(src_s, src_e);
    Attribution {
        according: false,
        key: source_key(&speaker_name(source, false).unwrap_or_default()),
        class: source_class(source, false),
        speaker: speaker_item(&item, false),
        verb: Item {
            written: String::new(),
            pos: src_s,
        },
        verb_class: "dash".to_string(),
        phrase: item,
        span: (src_s, src_e),
        apposition: (src_s, src_s),
    }
}

/// People whose job word can stand before a headline's colon as its source.
#[rustfmt::skip]
const ROLE_WORDS: &[&str] = &[
    "minister", "president", "secretary", "chief", "spokesman", "spokeswoman", "spokesperson",
    "governor", "senator", "mayor", "judge", "leader", "chancellor", "ambassador", "envoy",
    "commissioner", "ceo", "premier", "pope", "king", "queen", "prince", "princess", "sheriff",
    "host", "presenter", "star", "boss", "coach", "captain", "author", "singer", "actor",
    "actress", "chef", "founder", "lawyer",
];

/// The headline form `Source: claim` (`Veridia health minister: We have enough beds`): the
/// same sourcing as `claim - source`, so it compares as that form. Only a short segment ending
/// in a person's job word is a source; a topic label (`Harbour fire: …`) is not.
fn colon_source(text: &Text) -> Option<Attribution> {
    let s = &text.masked;
    let colon = s.find(':')?;
    let head = &s[..colon];
    let words: Vec<&str> = head.split_whitespace().collect();
    let last = words.last()?.to_lowercase();
    // `Ex-radio host Bolton: …`: a job word and then a name.
    let role_then_name = words.len() >= 2
        && words[words.len() - 1].starts_with(char::is_uppercase)
        && words[..words.len() - 1]
            .iter()
            .any(|w| ROLE_WORDS.contains(&w.to_lowercase().rsplit('-').next().unwrap_or("")));
    let plain = (2..=5).contains(&words.len())
        && (ROLE_WORDS.contains(&last.as_str()) || role_then_name)
        && !head.contains(|c: char| c.is_ascii_digit() || matches!(c, '"' | ',' | '\''))
        && (!head.contains('-') || role_then_name)
        && s[colon + 1..].contains(char::is_alphanumeric);
    if !plain {
        return None;
    }
    let (src_s, src_e) = trimmed_span(s, 0, colon)?;
    let source = &s[src_s..src_e];
    Some(headline_source(text, source, src_s, src_e))
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
        span: (s, e),
        apposition: (s, s),
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
    // `Storm surge fear grips coast`: a base form after a singular common noun is a noun;
    // its subject would need to be plural (`Fishermen fear`, `police fear`).
    let plural_without_s = matches!(
        prev.as_str(),
        "police" | "people" | "staff" | "public" | "children" | "men" | "women" | "they" | "who"
    );
    let singular_noun = prev.len() > 2
        && prev.chars().all(|c| c.is_ascii_lowercase())
        && !prev.ends_with('s')
        && !plural_without_s
        && !AUXILIARIES.contains(&prev.as_str())
        && before.trim_end().ends_with(prev.as_str());
    if BASE_VERBS.contains(&verb.as_str()) && singular_noun {
        return None;
    }
    // `Mayor calls fare rise 'a disgrace'`: a judgement, when a quotation gives it; `calls
    // for`, `calls on` are directives, not sourcing (CLAIMS.md v2 "Sourcing verbs").
    if verb == "calls"
        && (matches!(
            next.as_str(),
            "for" | "on" | "off" | "up" | "in" | "out" | "back" | "time"
        ) || !text.quotes.iter().any(|&(qs, _)| qs > ve))
    {
        return None;
    }
    if (verb == "heard" || verb == "hears") && !is_hearing_subject(before) {
        return None;
    }
    // `Police name the victim as …`: naming is sourcing only for a generic source that puts
    // a name on someone (`Club names new coach` is an appointment).
    let names_someone = matches!(verb.as_str(), "name" | "names");
    if names_someone && !after.contains(" as ") {
        return None;
    }
    // `are not believed to be`: a negated passive, not a source speaking.
    if matches!(prev.as_str(), "not" | "never") {
        let t = before.trim_end();
        let prev2 = last_word(&t[..t.len() - prev.len()]).to_lowercase();
        if matches!(
            prev2.as_str(),
            "is" | "are" | "was" | "were" | "be" | "been" | "being"
        ) {
            return None;
        }
    }
    if NOT_A_VERB_BEFORE.contains(&prev.as_str())
        || prev.chars().next().is_some_and(|c| c.is_ascii_digit())
        || next_is_verb
        || next == "by"
        // `claims of fraud` is a noun; `warns of consequences` still reports.
        || (next == "of" && !verb.starts_with("warn"))
        // `BBC reports from the front line`: reporting from a place, not sourcing a claim.
        || (next == "from" && verb.starts_with("report"))
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
    // `Travel curbs over variant fear`: the verb form ends a sentence whose every word is its
    // "subject", so nothing is reported; a real source sits after the claim (`…, experts
    // fear`) or before one.
    // (Quotation marks stay in the masked text, so a blanked quotation either side counts.)
    let bare = |t: &str| t.trim().trim_end_matches(['.', '!', '?']).trim().is_empty();
    if !inverted && bare(after) && bare(&s[..src_s]) {
        return None;
    }
    let source = text.item(src_s, src_e);
    if DATA_VERBS.contains(&verb.as_str()) && !is_data_subject(&source.written) {
        return None;
    }
    // `The White House has been largely silent on the issue saying …`, `Be less squeamish
    // over sewage, says …`: a clause with its own verb is what is said, not who says it.
    let clause_words = s[src_s..src_e]
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| CLAUSE_VERBS.contains(&w.as_str()) || matches!(w.as_str(), "be" | "been"))
        .count();
    if !inverted && clause_words > 0 && s[src_s..src_e].split_whitespace().count() > 3 {
        return None;
    }
    if names_someone && !has_generic_head(&source.written) {
        return None;
    }
    let sentence_start = src_s == first_alnum(s);
    let class = source_class(&source.written, sentence_start);
    // `Deaths feared as …`, `Casualties reported`: a participle after a bare plural noun opening
    // a headline is a passive; the noun is what is reported, and no one is named as the source.
    #[rustfmt::skip]
    const REPORTED_EVENTS: &[&str] = &[
        "deaths", "casualties", "cases", "injuries", "fatalities", "arrests", "explosions",
        "blasts", "gunshots", "shots", "clashes", "attacks", "infections", "bodies", "losses",
    ];
    let agentless = sentence_start
        && verb.ends_with("ed")
        && REPORTED_EVENTS.contains(&source.written.to_lowercase().as_str());
    if agentless {
        let phrase = text.item(vs, ve);
        return Some(Attribution {
            according: false,
            key: String::new(),
            // No one speaks: every agentless passive has the same (empty) source.
            speaker: text.item(vs, vs),
            class: SourceClass::Generic,
            verb: phrase.clone(),
            verb_class: verb_class(&verb),
            phrase,
            span: (vs, ve),
            apposition: (vs, vs),
        });
    }
    let span = if inverted { (vs, src_e) } else { (src_s, ve) };
    let phrase = text.item(span.0, span.1);
    Some(Attribution {
        according: false,
        key: source_key(&speaker_name(&source.written, sentence_start).unwrap_or_default()),
        speaker: speaker_item(&source, sentence_start),
        class,
        verb: text.item(vs, ve),
        verb_class: verb_class(&verb),
        phrase,
        span,
        apposition: apposition_span(s, span.0, span.1),
    })
}

/// `Tom Rice acknowledged he could lose, but maintained he was right`: a second reporting verb
/// joined by `but`/`and` shares the subject of the attribution before it.
fn elided_subject(text: &Text, found: &[Attribution], vs: usize, ve: usize) -> Option<Attribution> {
    let s = &text.masked;
    let last = found.last().filter(|a| !a.according && a.span.1 <= vs)?;
    let before = s[..vs].trim_end();
    let joined = ["but", "and"].iter().any(|j| {
        before
            .strip_suffix(j)
            .is_some_and(|b| b.ends_with([' ', ',']))
    });
    let next = first_word(&s[ve..]).to_lowercase();
    if !joined || next == "by" || next == "of" {
        return None;
    }
    let verb = s[vs..ve].to_lowercase();
    Some(Attribution {
        verb: text.item(vs, ve),
        verb_class: verb_class(&verb),
        phrase: text.item(vs, ve),
        span: (vs, ve),
        apposition: (vs, vs),
        ..last.clone()
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
    // `…, says expert`: a bare noun of at most three words closing the sentence is a name too.
    let rest = s[ve..].trim().trim_end_matches(['.', '!', '?']);
    let bare_noun = !rest.is_empty()
        && rest.split_whitespace().count() <= 3
        && rest
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    let starts = w.chars().next().is_some_and(char::is_uppercase)
        || w.eq_ignore_ascii_case("the")
        || bare_noun;
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

/// `US media outlets`, `local police`: a source whose head noun is an anonymous or collective one.
fn has_generic_head(source: &str) -> bool {
    let lower = source.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    is_generic_head(head_noun(&words))
}

/// Participles whose `by` phrase is the source (`shooter identified by US media`).
pub(super) static AGENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)\b(?:reported|confirmed|identified|named|quoted|cited|revealed|announced)\s+(by)\s",
    )
    .expect("agent regex")
});

/// `amid reports of a return`, `with reports that …`: reports as the source of what follows.
static REPORTS_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:amid|after|following|despite|with)\s+(?:(?:unconfirmed|media|local|press|fresh|new|conflicting)\s+)?reports\b",
    )
    .expect("reports noun regex")
});

/// `268 people are reported dead`: a passive report without an agent.
static PASSIVE_REPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:is|are|was|were|been|being)\s+reported\b(?:\s+by\b)?")
        .expect("passive report regex")
});

/// A sourcing phrase without a source of its own (`amid reports`, `are reported`): anonymous,
/// compared as its phrase, like `according to`.
fn sourceless(text: &Text, s: usize, e: usize, kind: &str) -> Attribution {
    let phrase = text.item(s, e);
    Attribution {
        according: true,
        key: kind.to_string(),
        class: SourceClass::Generic,
        speaker: phrase.clone(),
        verb: text.item(s, s),
        verb_class: kind.to_string(),
        phrase,
        span: (s, e),
        apposition: (s, s),
    }
}

/// `… identified by US media`: the passive's agent is the source, and `by` and the source are
/// the attribution phrase (compared as its own construction, like `according to`). Only a
/// named or generic source counts (`cars identified by their plates` is no sourcing).
fn agent_attribution(text: &Text, by_s: usize, src_from: usize) -> Option<Attribution> {
    let s = &text.masked;
    let (src_s, src_e) = source_after(s, src_from)?;
    // `A report quoted by Maltese media says …`: the agent ends before the verb of the clause.
    let src_e = s[src_s..src_e]
        .match_indices(' ')
        .map(|(k, _)| src_s + k)
        .find(|&k| {
            let w = first_word(&s[k..]).to_lowercase();
            REPORTING_VERB.is_match(&w) || CLAUSE_VERBS.contains(&w.as_str())
        })
        .unwrap_or(src_e);
    let source = text.item(src_s, src_e);
    let named = speaker_name(&source.written, false).is_some();
    if !named && !has_generic_head(&source.written) {
        return None;
    }
    let phrase = text.item(by_s, src_e);
    Some(Attribution {
        // A phrase without a reporting verb of its own compares as `according to` does.
        according: true,
        key: source_key(&speaker_name(&source.written, false).unwrap_or_default()),
        class: source_class(&source.written, false),
        speaker: speaker_item(&source, false),
        verb: text.item(by_s, by_s + 2),
        verb_class: "by".to_string(),
        phrase,
        span: (by_s, src_e),
        apposition: (by_s, by_s),
    })
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
    // `doctors in Baltimore, Maryland, say`: a place after a place is part of the source.
    if is_place(&normalize_lower(inner[start..].trim()))
        && let Some(prev) = inner[..start].strip_suffix(',')
    {
        let place_start = boundary(prev).map_or(0, |i| i + 1);
        return trimmed_span(s, place_start, inner.len());
    }
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
        // A spaced dash ends a clause (`… to Ukraine - reports`: the headline's source).
        if t.is_empty()
            || t.ends_with([',', ';', ':', '"', '(', ')'])
            || t.ends_with(" -")
            || words >= 10
        {
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
        // A quoted word inside the source (`Veridia 'firmly' denies`) is not who speaks.
        let unquoted: Vec<&str> = a
            .speaker
            .written
            .split_whitespace()
            .filter(|w| {
                let quote = |c: char| {
                    matches!(
                        c,
                        '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}'
                    )
                };
                !w.starts_with(quote) && !w.trim_end_matches([',', '.']).ends_with(quote)
            })
            .collect();
        source_key(&unquoted.join(" "))
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
    // `doctors in Baltimore, Maryland, say` / `doctors say`: the same anonymous source with
    // or without where it is; the places are name changes of their own.
    if a.class == SourceClass::Generic && b.class == SourceClass::Generic && !a.according {
        let head = |x: &Attribution| {
            let lower = x.speaker.written.to_lowercase();
            let words: Vec<&str> = lower.split_whitespace().collect();
            head_noun(&words).to_string()
        };
        if head(a) == head(b) && !head(a).is_empty() {
            return true;
        }
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

/// The same reporting verb; a headline's `claim - source` or `Source: claim` is its `says`
/// (`Flood defences will hold - mayor` / `Mayor says flood defences will hold`).
fn same_verb(x: &Attribution, y: &Attribution) -> bool {
    let says = |a: &Attribution| matches!(a.verb_class.as_str(), "dash" | "say");
    x.verb_class == y.verb_class || (says(x) && says(y))
}

/// `Casualties reported as …` / `… - reports`: a report with no one behind it, either way.
fn anonymous_report(a: &Attribution) -> bool {
    (a.verb_class == "report" && a.speaker.written.is_empty())
        || (a.verb_class == "dash" && generic_key(a) == "reports")
}

/// Sourcing changes, and the spans (old side, new side) of the sources they report, whose
/// names are then not reported again as `name_changed`.
pub(super) fn attribution_changes(a: &[Attribution], b: &[Attribution]) -> (Vec<Found>, Sources) {
    let mut left_a: Vec<&Attribution> = a.iter().collect();
    let mut left_b: Vec<&Attribution> = b.iter().collect();
    cancel_pairs(&mut left_a, &mut left_b, |x, y| {
        (x.according == y.according && same_source(x, y) && same_verb(x, y))
            || (anonymous_report(x) && anonymous_report(y))
    });
    // The same construction with a description on one side and a name on the other (`The
    // presenter says` / `Holly Willoughby says`): the same referent newly named or no longer
    // named, which the names report (CLAIMS.md v2), not another speaker.
    let _renamed = take_pairs(&mut left_a, &mut left_b, |x, y| {
        let (named, described) = if x.key.is_empty() { (y, x) } else { (x, y) };
        !x.according
            && !y.according
            && same_verb(x, y)
            && x.key.is_empty() != y.key.is_empty()
            && x.class == SourceClass::Identified
            && y.class == SourceClass::Identified
            && (bare_name(named) || described_within(described, named))
            && !has_capitalised_word(described)
    });
    // A speaker's job description goes with the speaker (`said Yann LeCun, Meta's chief AI
    // scientist`): the apposition's names are part of the change.
    let spans = (
        left_a.iter().map(|x| (x.span, x.apposition)).collect(),
        left_b.iter().map(|y| (y.span, y.apposition)).collect(),
    );
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
    (out, spans)
}

/// Spans of the sources of reported sourcing changes, with their appositions: (old side, new
/// side).
pub(super) type Sources = (Vec<Span>, Vec<Span>);
pub(super) type Span = ((usize, usize), (usize, usize));

/// The source is a name and nothing else (`Holly Willoughby says`).
fn bare_name(a: &Attribution) -> bool {
    let source = a
        .phrase
        .written
        .replacen(a.verb.written.as_str(), "", 1)
        .replace(',', " ");
    let words: Vec<&str> = source
        .split_whitespace()
        .filter(|w| !w.eq_ignore_ascii_case("the"))
        .collect();
    words.join(" ") == a.speaker.written.trim_start_matches("the ").trim()
}

/// The description is the named source's own (`Ex-radio host Bolton:` / `Radio host says`).
fn described_within(described: &Attribution, named: &Attribution) -> bool {
    let words = |a: &Attribution| -> Vec<String> {
        source_key(&a.speaker.written.replace('-', " "))
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let phrase: Vec<String> = source_key(&named.phrase.written.replace('-', " "))
        .split(' ')
        .map(str::to_string)
        .collect();
    let d = words(described);
    !d.is_empty() && d.iter().all(|w| phrase.contains(w))
}

/// Any capitalised word in the source but its first, capitalised for opening the sentence
/// (`The Italian coastguard`, `Radio host`).
fn has_capitalised_word(a: &Attribution) -> bool {
    a.phrase
        .written
        .split_whitespace()
        .enumerate()
        .any(|(i, w)| w.starts_with(char::is_uppercase) && i > 0)
}

/// The comma-delimited segment right after `e` (`, Meta's chief AI scientist,`), or before `s`.
fn apposition_span(s: &str, start: usize, end: usize) -> (usize, usize) {
    let after = &s[end..];
    if let Some(rest) = after.trim_start().strip_prefix(',') {
        let from = s.len() - rest.len();
        let stop = rest.find([',', ';', '.']).map_or(s.len(), |k| from + k);
        return (from, stop);
    }
    let before = s[..start].trim_end();
    if let Some(head) = before.strip_suffix(',') {
        let from = head.rfind([',', ';', '"']).map_or(0, |k| k + 1);
        return (from, head.len());
    }
    (start, start)
}

/// Named speaker replaced by another in the same construction is speaker_changed; any other
/// change of source is attribution_changed with the source and its verb.
fn source_change(x: &Attribution, y: &Attribution) -> Found {
    let both_named = x.class == SourceClass::Identified && y.class == SourceClass::Identified;
    // A country speaking, then one of its organs (`France announces` → `The foreign ministry says`), is
    // the same source re-described, a sourcing change (CLAIMS.md v2 "Sourcing verbs").
    let country = |a: &Attribution| is_place(&source_key(&a.speaker.written));
    // `his partner says` → `his husband says`: a relation re-described, not another speaker.
    let relation = |a: &Attribution| {
        let w = a.speaker.written.to_lowercase();
        ["his ", "her ", "their ", "its "]
            .iter()
            .any(|p| w.starts_with(p))
            && a.key.is_empty()
    };
    if !x.according
        && !y.according
        && both_named
        && country(x) == country(y)
        && !(relation(x) && relation(y))
    {
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
    use crate::claims::test_support::{changes, one};

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
    fn source_before_a_headline_colon_is_the_dash_source_moved() {
        let got = crate::claims::title_changes(
            "Hospitals have enough beds for winter - health minister",
            "Veridia health minister: Hospitals have enough beds for winter",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        // A topic label before the colon is no source.
        let got = crate::claims::title_changes(
            "Harbour fire: crews work through the night",
            "Harbour fire: crews work through the night - coastguard",
            &mut Vec::new(),
        );
        let got: Vec<_> = got
            .iter()
            .map(|c| (c.kind.to_string(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            got,
            [(
                "attribution_changed".to_string(),
                None,
                Some("coastguard".to_string())
            )]
        );
    }

    #[test]
    fn a_noun_ending_a_headline_is_no_reporting_verb() {
        // `fear` is the last word of a noun phrase here, not a verb with its subject.
        let got = crate::claims::title_changes(
            "Harbour closures over storm surge fear",
            "Harbour shutdowns over storm surge fear",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        let got = crate::claims::title_changes(
            "Harbour closures over storm surge fear",
            "Storm surge fear closes harbour",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
        // After its claim, the same word still reports.
        let got = changes(
            "The harbour will close for a week, fishermen fear.",
            "The harbour will close for a week, officials fear.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "attribution_changed");
    }

    #[test]
    fn judgement_verbs_are_sourcing() {
        // CLAIMS.md v2 "Sourcing verbs": fears, blames, defends, condemns … put a proposition
        // or judgement in someone's mouth.
        assert_eq!(
            changes(
                "The river could burst its banks in Tarvel by Friday.",
                "Officials fear the river could burst its banks in Tarvel by Friday."
            ),
            one("attribution_changed", None, Some("Officials fear"))
        );
        assert_eq!(
            changes(
                "The ministry denies any role in the harbour fire.",
                "The ministry blames smugglers for the harbour fire."
            ),
            one("attribution_changed", Some("denies"), Some("blames"))
        );
        // `X calls Y "…"` puts the judgement in X's mouth; `calls for` is a directive.
        let got = crate::claims::title_changes(
            "Mayor calls bus fare rise 'daylight robbery'",
            "Bus fares rise again in Tarvel",
            &mut Vec::new(),
        );
        let kinds: Vec<_> = got
            .iter()
            .map(|c| (c.kind.to_string(), c.before.clone(), c.after.clone()))
            .filter(|c| c.0 != "quote_changed")
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    "attribution_changed".to_string(),
                    Some("Mayor calls".to_string()),
                    None
                ),
                ("name_changed".to_string(), None, Some("Tarvel".to_string()))
            ]
        );
        assert!(
            changes(
                "The mayor calls for calm after the fare rise.",
                "The mayor calls for patience after the fare rise."
            )
            .is_empty()
        );
        // Nouns and passives are not: `amid fears`, `are feared`, `to blame`.
        assert!(
            changes(
                "Schools shut amid fears of a second storm.",
                "Schools shut amid fears of a second storm, and ferries are feared lost."
            )
            .iter()
            .all(|c| c.0 != "attribution_changed")
        );
    }

    #[test]
    fn a_quoted_word_inside_the_source_is_not_the_speaker() {
        // `Veridia 'firmly' denies` and `Veridia blames` have the same source: a verb change.
        assert_eq!(
            changes(
                "Veridia 'firmly' denies links to the border attack",
                "Veridia blames rebels for the border attack"
            )
            .into_iter()
            .filter(|c| c.0 != "quote_changed")
            .collect::<Vec<_>>(),
            one("attribution_changed", Some("denies"), Some("blames"))
        );
    }

    #[test]
    fn a_country_re_described_as_its_organ_is_attribution() {
        assert_eq!(
            changes(
                "France announces no ministers will attend the summit in Tarvel.",
                "The foreign ministry says no ministers will attend the summit in Tarvel."
            ),
            one(
                "attribution_changed",
                Some("France announces"),
                Some("The foreign ministry says")
            )
        );
        assert_eq!(
            changes(
                "The ministry said the summit in Tarvel would go ahead.",
                "The company said the summit in Tarvel would go ahead."
            ),
            one("speaker_changed", Some("The ministry"), Some("The company"))
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
    fn number_inside_generic_source_is_not_a_sourcing_change() {
        assert_eq!(
            changes(
                "Officials in 12 provinces said the vote was fair.",
                "Officials in 14 provinces said the vote was fair."
            ),
            one("number_changed", Some("12"), Some("14"))
        );
    }

    #[test]
    fn a_passive_agent_is_the_source() {
        // `identified by local media`: the `by` phrase is the sourcing, and the place inside
        // it belongs to the source, not a name change of its own.
        let got = crate::claims::title_changes(
            "Harbour gunman identified by Veridian media",
            "Heavily armed harbour gunman identified",
            &mut Vec::new(),
        );
        let kinds: Vec<_> = got
            .iter()
            .map(|c| (c.kind.to_string(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            kinds,
            [(
                "attribution_changed".to_string(),
                Some("by Veridian media".to_string()),
                None
            )]
        );
        // A plain instrument is no source.
        assert_eq!(
            changes(
                "The stolen vans were identified by their number plates in Tarvel.",
                "The stolen vans were identified by their number plates in Tarvel on Monday."
            ),
            Vec::new()
        );
    }

    #[test]
    fn police_naming_someone_is_sourcing_but_appointing_is_not() {
        assert_eq!(
            changes(
                "Local police name the driver in the Tarvel crash as Ana Silva.",
                "The driver in the Tarvel crash is Ana Silva, 34."
            ),
            [
                (
                    "attribution_changed".to_string(),
                    Some("Local police name".to_string()),
                    None
                ),
                ("number_changed".to_string(), None, Some("34".to_string())),
            ]
        );
        assert!(
            crate::claims::Claims::extract("Tarvel Rovers names Ana Silva as head coach.")
                .attributions
                .is_empty()
        );
    }

    #[test]
    fn maintained_is_a_reporting_verb() {
        assert_eq!(
            changes(
                "The senator admitted he could lose, but maintained he was right.",
                "The senator admitted he could lose, but said he was right."
            ),
            one("attribution_changed", Some("maintained"), Some("said"))
        );
    }

    #[test]
    fn headline_source_forms_are_one_sourcing() {
        let titles = |old: &str, new: &str| -> Vec<(String, Option<String>, Option<String>)> {
            crate::claims::title_changes(old, new, &mut Vec::new())
                .into_iter()
                .map(|c| (c.kind.to_string(), c.before, c.after))
                .collect()
        };
        // `claim - source` and `Source says claim` are the same sourcing.
        assert!(
            titles(
                "Flood defences will hold - mayor",
                "Mayor says flood defences will hold"
            )
            .is_empty()
        );
        // An adjunct after the dash source is not part of it.
        assert_eq!(
            titles(
                "Tarvel harbour drone attack shuts port",
                "War is coming to Veridia - Okafor after harbour drone attack"
            ),
            [
                (
                    "attribution_changed".to_string(),
                    None,
                    Some("Okafor".to_string())
                ),
                (
                    "name_changed".to_string(),
                    None,
                    Some("Veridia".to_string())
                )
            ]
        );
        // A job word and a name before the colon are the source, and the same person
        // described again is no sourcing change: only the name went.
        assert_eq!(
            titles(
                "Ex-radio host Reyes: Station was scared of young listeners",
                "Radio host says station was scared of young listeners"
            ),
            [("name_changed".to_string(), Some("Reyes".to_string()), None)]
        );
    }

    #[test]
    fn reports_as_a_noun_and_a_passive_report_are_sourcing() {
        let titles = |old: &str, new: &str| -> Vec<(String, Option<String>, Option<String>)> {
            crate::claims::title_changes(old, new, &mut Vec::new())
                .into_iter()
                .map(|c| (c.kind.to_string(), c.before, c.after))
                .collect()
        };
        assert_eq!(
            titles(
                "Former Acme chief back at office amid reports of return",
                "Former Acme chief back at office but return in doubt"
            ),
            [(
                "attribution_changed".to_string(),
                Some("amid reports".to_string()),
                None
            )]
        );
        assert_eq!(
            changes(
                "The toll from the Tarvel landslide rises to 41, with many still missing.",
                "At least 41 people are reported dead in Tarvel, with many still missing."
            )
            .into_iter()
            .filter(|c| c.0 == "attribution_changed")
            .collect::<Vec<_>>(),
            one("attribution_changed", None, Some("are reported"))
        );
        // An added sentence whose only claim is a report carries one.
        assert!(crate::claims::carries_claim(
            "The warning comes amid chaos at the port, with reports of a crush."
        ));
    }

    #[test]
    fn an_adjective_makes_a_reporting_word_a_noun() {
        let got = crate::claims::title_changes(
            "Rain brings fresh fears for flooded valley towns",
            "Rain brings fresh misery for flooded valley towns",
            &mut Vec::new(),
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn an_agent_inside_a_source_is_part_of_it() {
        assert_eq!(
            changes(
                "A report quoted by Veridian media says officials could have saved the bridge.",
                "The results of an inquiry say officials could have saved the bridge."
            ),
            one(
                "attribution_changed",
                Some("A report quoted by Veridian media says"),
                Some("The results of an inquiry say")
            )
        );
    }

    #[test]
    fn a_relation_re_described_is_attribution_not_another_speaker() {
        assert_eq!(
            changes(
                "The singer is recovering at home, his partner says.",
                "The singer is recovering at home, his husband says."
            ),
            one(
                "attribution_changed",
                Some("his partner says"),
                Some("his husband says")
            )
        );
    }

    #[test]
    fn punctuation_around_a_source_changes_nothing() {
        let titles = |old: &str, new: &str| {
            crate::claims::title_changes(old, new, &mut Vec::new())
                .into_iter()
                .map(|c| (c.kind.to_string(), c.before, c.after))
                .collect::<Vec<_>>()
        };
        // Scare quotes dropped before `, says expert`.
        assert!(
            titles(
                "Stop fearing 'grey water', says engineer",
                "Stop fearing grey water, says engineer"
            )
            .is_empty()
        );
        // A comma before `saying`: the clause before it is what is said, not a source.
        assert!(
            changes(
                "The ministry has stayed silent on the strike saying it is a matter for the port.",
                "The ministry has stayed silent on the strike, saying it is a matter for the port."
            )
            .is_empty()
        );
        // Reporting from a place is not sourcing.
        assert!(
            titles(
                "Watch: Correspondent reports from the flooded valley",
                "Watch: Inside the flooded valley"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_anonymous_source_losing_its_place_keeps_its_source() {
        assert_eq!(
            changes(
                "The patient is doing well, doctors in Leeds, Yorkshire, say.",
                "The patient is doing well, doctors say."
            ),
            [
                ("name_changed".to_string(), Some("Leeds".to_string()), None),
                (
                    "name_changed".to_string(),
                    Some("Yorkshire".to_string()),
                    None
                ),
            ]
        );
    }

    #[test]
    fn an_agentless_headline_passive_has_no_source() {
        let got = crate::claims::title_changes(
            "Deaths feared as two ferries collide off Tarvel",
            "Casualties reported as two ferries collide off Tarvel",
            &mut Vec::new(),
        );
        let got: Vec<_> = got
            .iter()
            .map(|c| (c.kind.to_string(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            got,
            [(
                "attribution_changed".to_string(),
                Some("feared".to_string()),
                Some("reported".to_string())
            )]
        );
    }

    #[test]
    fn an_agentless_report_is_the_reports_tag() {
        let got = crate::claims::title_changes(
            "Casualties reported as two ferries collide off Tarvel",
            "Nine dead as two ferries collide off Tarvel - reports",
            &mut Vec::new(),
        );
        assert!(
            got.iter().all(|c| c.kind.as_str() != "attribution_changed"),
            "{got:?}"
        );
    }

    #[test]
    fn a_court_hears_reports() {
        assert!(crate::claims::carries_claim(
            "The ferry captain was asleep at the helm, court hears"
        ));
    }
}
