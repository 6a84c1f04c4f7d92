//! Who a source is: named person or organisation, generic, or pronoun; the speaker's name
//! without title or apposition; capitalised name runs.

use super::text::Item;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SourceClass {
    /// A named person or organisation, or a definite singular (`the ministry`).
    Identified,
    /// Anonymous or collective (`officials`, `local media`, `a spokesman`).
    Generic,
    /// `he`, `she`, `they`: the referent is elsewhere, so it matches any source.
    Pronoun,
}

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

/// A title or job word (`minister`, `dr`), given in lower case.
pub(super) fn is_title_word(w: &str) -> bool {
    TITLE_WORDS.contains(&w)
}

/// An anonymous or collective source noun (`officials`, `media`), given in lower case.
pub(super) fn is_generic_head(w: &str) -> bool {
    GENERIC_HEADS.contains(&w)
}

/// A noun that ends an organisation's name (`ministry`), given in lower case.
pub(super) fn is_org_noun(w: &str) -> bool {
    ORG_HEADS.contains(&w)
}

pub(super) fn is_title_abbrev(w: &str) -> bool {
    TITLE_WORDS.contains(&w.to_lowercase().as_str()) || w.chars().count() == 1
}

/// A source is identified when it names someone, or is a definite singular (`the ministry`).
pub(super) fn source_class(source: &str, sentence_start: bool) -> SourceClass {
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
pub(super) fn head_noun<'w>(words: &[&'w str]) -> &'w str {
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
pub(super) fn speaker_name(source: &str, sentence_start: bool) -> Option<String> {
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

pub(super) fn strip_brackets(s: &str) -> String {
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
pub(super) fn speaker_item(source: &Item, sentence_start: bool) -> Item {
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

#[cfg(test)]
mod tests {
    use crate::claims::Claims;
    use crate::claims::test_support::{changes, one};

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
}
