//! The main clause of a sentence: the head of its subject and its main verb, read from word
//! lists without a parser. CLAIMS.md v2 ("Edited, or removed and added?") keeps a rewritten
//! sentence as one edited sentence while its main clause survives, and reports it removed and
//! added once the main claim is replaced, "even if a phrase survives". Word overlap alone cannot
//! tell the two apart: `Some 300 cars were stranded on the pass near Tarvel, the sheriff
//! says` and `At least four people have died on the pass near Tarvel, the sheriff says` share
//! most of their words and no claim, while `Lena Varga, captain of the chess club, dies aged 81`
//! and `The captain, known for her endgames, died on Friday` share almost nothing but the
//! predicate.

use super::text::normalize_lower;

/// Subject head and main verb, folded (lower case, inflection stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Clause {
    head: String,
    verb: String,
    /// The subject's words, folded, without determiners and possessives.
    subject: Vec<String>,
    /// The subject and verb of an opening reporting frame (`The ministry said …`), when the
    /// head and verb are those of the reported clause.
    frame: Option<(String, String)>,
}

/// How the main clauses of two versions of a sentence compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Same subject head or same main verb: the sentence was edited.
    Kept,
    /// Both the subject head and the main verb differ: another claim.
    Replaced,
    /// A side could not be read.
    Unknown,
}

/// Compares the main clauses of two versions. `lenient` also counts as kept a reporting frame
/// kept on one side and dropped on the other (`The jury praises …` / `The jury said it
/// was for …`) and a head found inside the other subject (`Storm hits coast` / `Storm Ciaran
/// batters coast`): the reading to use before turning an edited pair into two claims.
pub(super) fn compare(old: &str, new: &str, lenient: bool) -> Verdict {
    let (Some(a), Some(b)) = (main_clause(old), main_clause(new)) else {
        return Verdict::Unknown;
    };
    let pairs = |c: &Clause| {
        let mut v = vec![(c.head.clone(), c.verb.clone())];
        if lenient && let Some(f) = &c.frame {
            v.push(f.clone());
        }
        v
    };
    let (pa, pb) = (pairs(&a), pairs(&b));
    // `Storm hits coast` / `Storm Ciaran batters coast`: one head inside the other subject.
    let within = |h: &String, c: &Clause| lenient && c.subject.contains(h);
    let kept = within(&a.head, &b)
        || within(&b.head, &a)
        || pa
            .iter()
            .any(|(h, v)| pb.iter().any(|(h2, v2)| h == h2 || v == v2));
    if kept {
        Verdict::Kept
    } else {
        Verdict::Replaced
    }
}

#[rustfmt::skip]
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "may", "might", "could",
    "can", "should", "must", "shall", "does", "do", "did", "be", "been", "being", "isn't",
    "aren't", "wasn't", "weren't", "hasn't", "haven't", "won't", "can't", "cannot", "didn't",
];

/// Between an auxiliary and the verb it carries (`has not yet been`, `will have to`).
#[rustfmt::skip]
const VERB_FILLERS: &[&str] = &[
    "not", "never", "also", "now", "yet", "still", "already", "just", "to", "reportedly",
    "allegedly", "apparently", "likely", "probably", "possibly", "finally", "again", "being",
    "been", "be", "have", "has", "had", "get", "got", "n't",
];

/// Words after which an `-s`/`-ed` word is a noun or adjective, not a verb (`the claims`,
/// `of injured`).
#[rustfmt::skip]
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "its", "his", "her", "their", "our", "my", "your", "this", "that",
    "these", "those", "of", "for", "in", "on", "at", "to", "with", "by", "from", "and", "or",
    "some", "many", "more", "most", "few", "all", "no", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "several", "other", "new", "over", "into", "about",
    "against", "among", "between", "than", "as", "like", "without", "after", "before",
];

/// Frequent verbs whose past or present form has no `-s`/`-ed`.
#[rustfmt::skip]
const IRREGULAR: &[(&str, &str)] = &[
    ("won", "win"), ("win", "win"), ("hit", "hit"), ("put", "put"), ("set", "set"), ("cut", "cut"),
    ("left", "leave"), ("made", "make"), ("took", "take"), ("gave", "give"), ("came", "come"),
    ("went", "go"), ("ran", "run"), ("fell", "fall"), ("met", "meet"), ("held", "hold"),
    ("kept", "keep"), ("lost", "lose"), ("found", "find"), ("sent", "send"), ("saw", "see"),
    ("became", "become"), ("began", "begin"), ("brought", "bring"), ("caught", "catch"),
    ("fought", "fight"), ("led", "lead"), ("paid", "pay"), ("quit", "quit"), ("rose", "rise"),
    ("shot", "shoot"), ("sold", "sell"), ("spent", "spend"), ("stood", "stand"),
    ("struck", "strike"), ("thought", "think"), ("drew", "draw"), ("flew", "fly"),
    ("grew", "grow"), ("knew", "know"), ("threw", "throw"), ("told", "tell"), ("said", "say"),
    ("got", "get"), ("hid", "hide"), ("fled", "flee"), ("sank", "sink"), ("broke", "break"),
    ("chose", "choose"), ("spoke", "speak"), ("stole", "steal"), ("froze", "freeze"),
];

/// A reporting verb that opens a sentence (`The ministry said a threat was made …`): the main
/// claim is the reported clause after it.
#[rustfmt::skip]
const FRAME_VERBS: &[&str] = &[
    "say", "said", "says", "tell", "told", "tells", "report", "reported", "reports", "announce",
    "announced", "announces", "confirm", "confirmed", "confirms", "claim", "claimed", "claims",
    "warn", "warned", "warns", "believe", "believed", "believes", "fear", "feared", "fears",
    "show", "shows", "showed", "suggest", "suggests", "suggested", "estimate", "estimated",
    "estimates",
];

/// Verbs that carry another through `to` (`is threatening to reach`).
#[rustfmt::skip]
const CATENATIVES: &[&str] = &[
    "threaten", "expect", "set", "go", "try", "plan", "want", "hope", "seek", "aim", "vow",
    "pledge", "agree", "refuse", "decide", "continue", "start", "begin", "fail", "need",
    "appear", "seem", "tend", "attempt", "prepare", "promise", "intend", "offer", "move",
    "look", "scramble", "rush", "struggle", "vote",
];

/// Openers of an adverbial phrase before the subject (`After the vote, the minister …`).
#[rustfmt::skip]
const OPENERS: &[&str] = &[
    "in", "on", "at", "after", "before", "as", "when", "while", "despite", "amid", "following",
    "with", "for", "during", "since", "if", "although", "though", "because", "over", "by",
    "from", "once", "until", "earlier", "later", "meanwhile", "now", "last", "this",
];

/// Subordinators: a verb after one belongs to a dependent clause (`… death shortly after the
/// rescue ends`).
#[rustfmt::skip]
const SUBORDINATORS: &[&str] = &[
    "after", "before", "when", "while", "as", "because", "until", "since", "if", "although",
    "though", "unless", "whether", "once",
];

/// Prepositions and relatives that end a subject's head (`the death toll from the quake`).
#[rustfmt::skip]
const POST_HEAD: &[&str] = &[
    "of", "from", "in", "on", "at", "for", "with", "who", "which", "that", "near", "behind",
    "carrying", "including", "accused", "charged", "linked", "known", "after", "over", "under",
];

const PRONOUNS: &[&str] = &["he", "she", "it", "they", "we", "i", "you"];

/// Sentences longer than this are not read (the rule is for headlines and standfirsts).
const MAX_WORDS: usize = 80;

struct Word {
    lower: String,
    capital: bool,
    possessive: bool,
    /// A comma follows the word.
    comma: bool,
}

fn words(sentence: &str) -> Vec<Word> {
    normalize_lower(sentence)
        .split_whitespace()
        .zip(sentence.split_whitespace())
        .map(|(l, w)| Word {
            lower: l
                .trim_matches(|c: char| !c.is_alphanumeric())
                .trim_end_matches("'s")
                .to_string(),
            possessive: l
                .trim_end_matches(|c: char| !c.is_alphanumeric())
                .ends_with("'s"),
            capital: w
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .starts_with(char::is_uppercase),
            comma: l.ends_with(',') || l.ends_with(';'),
        })
        .filter(|w| !w.lower.is_empty() || w.comma)
        .collect()
}

/// Subject head and main verb of `sentence` (quotation contents should already be blanked).
pub(super) fn main_clause(sentence: &str) -> Option<Clause> {
    let ws = words(sentence);
    if ws.is_empty() || ws.len() > MAX_WORDS {
        return None;
    }
    let mut start = 0;
    // An opening adverbial phrase ends at its comma (`At least 40 people` opens a subject).
    let quantity_opener = ws
        .get(1)
        .is_some_and(|w| matches!(w.lower.as_str(), "least" | "most" | "than"));
    if OPENERS.contains(&ws[0].lower.as_str()) && !quantity_opener {
        let commas: Vec<usize> = (0..ws.len().min(12)).filter(|&k| ws[k].comma).collect();
        // `Amid overcrowding, lice and mysterious deaths, the system …`: a list inside the
        // opener ends at the comma after its `and`.
        let listed = |c: usize, next: usize| {
            ws[c + 1..next]
                .iter()
                .any(|w| w.lower == "and" || w.lower == "or")
        };
        start = match commas.as_slice() {
            [] => 0,
            [c, next, ..] if listed(*c, *next) => next + 1,
            [c, ..] => c + 1,
        };
    }
    let (mut verb_at, mut verb) = find_verb(&ws, start, false)?;
    let mut frame = None;
    // `X said (that) <clause>`: the reported clause holds the claim.
    if FRAME_VERBS.contains(&ws[verb_at].lower.as_str()) && verb_at < 10 && !ws[verb_at].comma {
        let mut s = verb_at + 1;
        if ws.get(s).is_some_and(|w| w.lower == "that") {
            s += 1;
        }
        if let Some((at, v)) = find_verb(&ws, s, true) {
            if let Some(h) = subject_head(&ws[start..verb_at]) {
                frame = Some((h, verb.clone()));
            }
            start = s;
            (verb_at, verb) = (at, v);
        }
    }
    let head = subject_head(&ws[start..verb_at])?;
    let subject = ws[start..verb_at]
        .iter()
        .filter(|w| !w.possessive && !DETERMINERS.contains(&w.lower.as_str()))
        .map(|w| fold_noun(&w.lower))
        .collect();
    Some(Clause {
        head,
        verb,
        subject,
        frame,
    })
}

/// The first main verb at or after `from`: its index and folded form. Appositions between
/// commas and the verb of a relative clause in the subject are skipped.
fn find_verb(ws: &[Word], from: usize, clause_only: bool) -> Option<(usize, String)> {
    let mut i = from;
    let mut in_relative = false;
    while i < ws.len() {
        let w = &ws[i];
        // After a reporting verb, an object followed by a dependent clause is not a clause.
        if clause_only && SUBORDINATORS.contains(&w.lower.as_str()) {
            return None;
        }
        // `Lena Varga, captain of …, dies`: skip the apposition to its closing comma.
        if i > from
            && ws[i - 1].comma
            && let Some(close) = ws[i..].iter().take(20).position(|w| w.comma)
        {
            let lead = ws[i].lower.as_str();
            if !AUXILIARIES.contains(&lead) && !is_verb_form(ws, i) || lead == "who" {
                i += close + 1;
                continue;
            }
        }
        // (`The WHO warns`: the acronym is no relative pronoun.)
        if matches!(w.lower.as_str(), "who" | "which" | "that") && i > from && !w.capital {
            in_relative = true;
            i += 1;
            continue;
        }
        if AUXILIARIES.contains(&w.lower.as_str()) && i > from {
            let mut j = i + 1;
            while j < ws.len() && VERB_FILLERS.contains(&ws[j].lower.as_str()) {
                j += 1;
            }
            if in_relative {
                in_relative = false;
                i = j + 1;
                continue;
            }
            let carried = ws.get(j).filter(|v| !v.capital && !v.lower.is_empty());
            let v = match carried {
                Some(_) => catenated(ws, j),
                None => &w.lower,
            };
            return Some((i, fold_verb(v)));
        }
        if i > from && is_verb_form(ws, i) {
            if in_relative || reduced_relative(ws, i) {
                in_relative = false;
                i += 1;
                continue;
            }
            return Some((i, fold_verb(catenated(ws, i))));
        }
        i += 1;
    }
    None
}

/// Prepositions that open the complement of a participle in a subject (`involved in`).
const PARTICIPLE_PREPOSITIONS: &[&str] =
    &["in", "of", "by", "at", "on", "with", "over", "for", "near"];

/// `The five officers involved in the case have pleaded …`: a participle and its preposition
/// after the subject's head, with the sentence's own auxiliary still to come in the clause,
/// belong to the subject. A reporting verb (`confirmed in a statement that …`) is not one.
fn reduced_relative(ws: &[Word], i: usize) -> bool {
    let w = &ws[i];
    if !w.lower.ends_with("ed") || FRAME_VERBS.contains(&w.lower.as_str()) || w.comma {
        return false;
    }
    if !ws
        .get(i + 1)
        .is_some_and(|n| PARTICIPLE_PREPOSITIONS.contains(&n.lower.as_str()))
    {
        return false;
    }
    for later in ws.iter().skip(i + 2).take(12) {
        if SUBORDINATORS.contains(&later.lower.as_str())
            || matches!(later.lower.as_str(), "who" | "which" | "that")
        {
            return false;
        }
        if AUXILIARIES.contains(&later.lower.as_str()) {
            return true;
        }
        if later.comma {
            return false;
        }
    }
    false
}

/// `The genus is named Saurona, as marks on its wings look like an eye` → `Marks on its wings
/// look like an eye`: the new sentence's main clause is the old one's `as`/`while` clause and
/// the old main clause is gone (not merely moved behind a subordinator: `Prices rise as
/// inflation bites` / `Inflation bites as prices rise` keeps both). The main claim was
/// replaced by what used to be its circumstance.
pub(super) fn promoted_subordinate(old: &str, new: &str) -> bool {
    if !(old.contains(" as ") || old.contains(" while ")) {
        return false;
    }
    let Some((main, sub)) = split_subordinate(old) else {
        return false;
    };
    let both = |a: &Clause, b: &Clause| a.head == b.head && a.verb == b.verb;
    let (Some(m), Some(s), Some(n)) = (main_clause(main), main_clause(sub), main_clause(new))
    else {
        return false;
    };
    if !both(&s, &n) || compare(main, new, false) != Verdict::Replaced {
        return false;
    }
    // The old main clause kept as the new sentence's circumstance is a reordering.
    !split_subordinate(new)
        .and_then(|(_, new_sub)| main_clause(new_sub))
        .is_some_and(|ns| both(&m, &ns))
}

/// The main clause and its trailing `as`/`while` clause.
fn split_subordinate(s: &str) -> Option<(&str, &str)> {
    [", as ", " as ", ", while ", " while "]
        .iter()
        .find_map(|sep| {
            let at = s.find(sep)?;
            let sub = &s[at + sep.len()..];
            // `as many as`, `as well as`, `such as`: not a clause.
            let first = sub.split_whitespace().next().unwrap_or("");
            let prev = s[..at].split_whitespace().last().unwrap_or("");
            let clause = !matches!(
                first,
                "many" | "much" | "well" | "long" | "soon" | "far" | "part"
            ) && !matches!(
                prev,
                "such" | "known" | "as" | "same" | "seen" | "described"
            );
            (clause && at > 0).then(|| (&s[..at], sub))
        })
}

/// The verb a catenative carries (`is threatening to reach`, `expected to be removed`): the
/// claim is in the verb after `to`.
fn catenated(ws: &[Word], i: usize) -> &str {
    let mut j = i + 1;
    let folded = fold_verb(&ws[i].lower);
    if ws.get(j).is_none_or(|w| w.lower != "to")
        || !CATENATIVES.iter().any(|c| fold_verb(c) == folded)
    {
        return &ws[i].lower;
    }
    while j < ws.len() && VERB_FILLERS.contains(&ws[j].lower.as_str()) {
        j += 1;
    }
    match ws.get(j) {
        Some(w) if !w.capital && !w.lower.is_empty() && !ws[j - 1].comma => &w.lower,
        _ => &ws[i].lower,
    }
}

/// A lower-case `-s`/`-ed` form or a listed irregular verb, not after a determiner and not a
/// plural noun before an auxiliary (`countries have been added`).
fn is_verb_form(ws: &[Word], i: usize) -> bool {
    let w = &ws[i];
    let l = w.lower.as_str();
    if w.capital || l.len() < 3 || !l.chars().all(|c| c.is_alphabetic()) {
        return false;
    }
    if ws[..i]
        .last()
        .is_some_and(|p| DETERMINERS.contains(&p.lower.as_str()) && !p.comma)
    {
        return false;
    }
    // A plural noun before its verb (`countries have been added`, `officials say`, `the
    // two reporters win`).
    if ws.get(i + 1).is_some_and(|n| {
        let n = n.lower.as_str();
        AUXILIARIES.contains(&n)
            || FRAME_VERBS.contains(&n)
            || (l.ends_with('s') && IRREGULAR.iter().any(|&(f, _)| f == n))
    }) {
        return false;
    }
    IRREGULAR.iter().any(|&(f, _)| f == l)
        || FRAME_VERBS.contains(&l)
        || (l.ends_with('s') && !l.ends_with("ss") && !l.ends_with("us") && !l.ends_with("is"))
        || (l.ends_with("ed") && l.len() >= 4)
}

/// The head noun of a subject: the word before its first preposition or relative, without a
/// possessive; a pronoun is kept as such.
fn subject_head(subject: &[Word]) -> Option<String> {
    let mut head: Option<&str> = None;
    for (k, w) in subject.iter().enumerate() {
        // `The three guards involved in …`: a participle and its preposition follow the head.
        let participle = w.lower.ends_with("ed")
            && subject
                .get(k + 1)
                .is_some_and(|n| PARTICIPLE_PREPOSITIONS.contains(&n.lower.as_str()));
        if k > 0 && (POST_HEAD.contains(&w.lower.as_str()) || participle) {
            break;
        }
        if !w.lower.is_empty() {
            head = Some(&w.lower);
        }
        if w.comma {
            break;
        }
    }
    let head = head?;
    if PRONOUNS.contains(&head) {
        return Some("<pronoun>".to_string());
    }
    Some(fold_noun(head))
}

fn fold_noun(w: &str) -> String {
    w.trim_end_matches('s').to_string()
}

/// A verb without its inflection (`dies`/`died` → `di`, `won` → `win`).
fn fold_verb(v: &str) -> String {
    if let Some(&(_, base)) = IRREGULAR.iter().find(|&&(f, _)| f == v) {
        return base.to_string();
    }
    let stem = ["ies", "ied", "ing", "es", "ed", "s"]
        .iter()
        .find_map(|suf| v.strip_suffix(suf).filter(|s| s.len() >= 2))
        .unwrap_or(v);
    stem.trim_end_matches('e').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(s: &str) -> (String, String) {
        let c = main_clause(s).unwrap_or(Clause {
            head: "?".into(),
            verb: "?".into(),
            subject: Vec::new(),
            frame: None,
        });
        (c.head, c.verb)
    }

    #[test]
    fn reads_subject_head_and_main_verb() {
        assert_eq!(
            clause("Some 300 cars were stranded in the pass, the sheriff says."),
            ("car".into(), "strand".into())
        );
        assert_eq!(
            clause("Lena Varga, captain of the city chess club, dies aged 81"),
            ("varga".into(), "di".into())
        );
        assert_eq!(
            clause("The grandmaster, who was best known for her endgames, died on Friday."),
            ("grandmaster".into(), "di".into())
        );
        assert_eq!(
            clause("The port authority said a cargo ship was stuck in the canal."),
            ("ship".into(), "stuck".into())
        );
        assert_eq!(
            clause("A fire is threatening to reach the town by Sunday."),
            ("fire".into(), "reach".into())
        );
        assert_eq!(
            clause("The death toll from the flooding in Braga rises to 40."),
            ("toll".into(), "ris".into())
        );
    }

    #[test]
    fn a_kept_subject_or_verb_keeps_the_sentence() {
        assert_eq!(
            compare(
                "Lena Varga, captain of the city chess club, dies aged 81",
                "The grandmaster, who was best known for her endgames, died on Friday.",
                false
            ),
            Verdict::Kept
        );
        assert_eq!(
            compare(
                "Nine regions have been added to the drought list, the minister says.",
                "Nine regions are put on the drought list amid fears for the harvest.",
                false
            ),
            Verdict::Kept
        );
        assert_eq!(
            compare(
                "Some 300 cars were stranded in the pass, the sheriff says.",
                "At least 12 people have died in the pass, the sheriff says.",
                true
            ),
            Verdict::Replaced
        );
    }

    #[test]
    fn a_participle_phrase_after_the_subject_is_part_of_it() {
        assert_eq!(
            clause("The three guards involved in the escape have admitted negligence."),
            ("guard".into(), "admitt".into())
        );
        // A verb followed by a preposition, with no auxiliary to come in its clause, or a
        // reporting verb, is the main verb.
        assert_eq!(
            clause("The ferry captain died in hospital after he was rescued."),
            ("captain".into(), "di".into())
        );
        assert_eq!(
            clause("The ministry confirmed in a statement that it had closed the port."),
            ("ministry".into(), "confirm".into())
        );
    }

    #[test]
    fn a_list_inside_an_opening_phrase_is_skipped_whole() {
        assert_eq!(
            clause("Amid delays, strikes and rising costs, the harbour project can be slow."),
            ("project".into(), "slow".into())
        );
        assert_eq!(
            clause("After the vote, the mayor resigned."),
            ("mayor".into(), "resign".into())
        );
    }

    #[test]
    fn a_plural_noun_before_a_common_verb_is_the_subject() {
        assert_eq!(
            clause("The Veridian and Tarvel reporters win jointly for their work."),
            ("reporter".into(), "win".into())
        );
        assert_eq!(
            clause("The storm hits the coast."),
            ("storm".into(), "hit".into())
        );
    }

    #[test]
    fn a_circumstance_promoted_to_the_whole_sentence_replaces_its_claim() {
        assert!(promoted_subordinate(
            "Almost 3,000 cases are reported in Veridia as the WHO warns of more deaths.",
            "The WHO warns of more deaths by spring as cases soar across the region."
        ));
        assert!(promoted_subordinate(
            "The beetle is named Smaug, as its shell looks like a dragon's scales.",
            "Its shell looks like a dragon's scales."
        ));
        // The old main clause kept behind the subordinator is a reordering.
        assert!(!promoted_subordinate(
            "Fares rise in Tarvel as fuel costs bite.",
            "Fuel costs bite as fares rise in Tarvel."
        ));
        assert!(!promoted_subordinate(
            "As many as 40 boats were lost in the storm.",
            "Some 40 boats were lost in the storm."
        ));
    }
}
