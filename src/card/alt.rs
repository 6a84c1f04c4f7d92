//! The card in words, for screen readers and for whoever cannot see the image: the same
//! facts in the same order (outlet, headline, times, claim changes, edited sentences).

use super::layout::{Style, clean, kind_label, trimmed_words};
use super::{CardInput, CardVersion};
use crate::diff::WordTag;

/// Alt text is cut here: Mastodon's limit for an image description (Bluesky takes more).
pub const MAX_ALT_CHARS: usize = 1_500;
/// A headline in the alt text is cut here (it appears twice when it changed).
const MAX_ALT_TITLE: usize = 300;

fn title(text: &str) -> String {
    let t = clean(text);
    if t.chars().count() <= MAX_ALT_TITLE {
        return t;
    }
    let mut s: String = t.chars().take(MAX_ALT_TITLE - 1).collect();
    s.push('…');
    s
}

fn side(v: &CardVersion) -> String {
    let label = clean(&v.label);
    let label = if label.is_empty() {
        "a version".to_string()
    } else {
        format!("version {}", label.trim_start_matches('v'))
    };
    match v
        .fetched_at
        .and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0))
    {
        Some(t) => format!("{label} (fetched {})", t.format("%-d %B %Y, %H:%M UTC")),
        None => label,
    }
}

pub fn alt_text(input: &CardInput) -> String {
    let mut parts: Vec<String> = Vec::new();
    let outlet = clean(&input.outlet);
    let title = title(&input.new.title);
    parts.push(format!(
        "Changes to an article{}: “{title}”, between {} and {}.",
        if outlet.is_empty() {
            String::new()
        } else {
            format!(" in {outlet}")
        },
        side(&input.old),
        side(&input.new)
    ));
    if input.stealth {
        parts.push("No update stamp or correction notice acknowledged the edit.".into());
    }
    if input.title_changed {
        parts.push(format!(
            "Headline changed from “{}” to “{title}”.",
            self::title(&input.old.title)
        ));
    }
    let total = input.claims.len() + input.claims_omitted;
    if total > 0 {
        parts.push(format!(
            "{total} claim change{}:",
            if total == 1 { "" } else { "s" }
        ));
        for c in &input.claims {
            let kind = kind_label(c.kind.as_str());
            let mut chars = kind.chars();
            let kind: String = chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
                .collect();
            parts.push(match (&c.before, &c.after) {
                (Some(b), Some(a)) => format!("{kind}: “{}” became “{}”.", clean(b), clean(a)),
                // The kind says which way (hedge removed, claim added).
                (Some(b), None) => format!("{kind}: “{}”.", clean(b)),
                (None, Some(a)) => format!("{kind}: “{}”.", clean(a)),
                (None, None) => format!("{kind}."),
            });
        }
    }
    if !input.edits.is_empty() {
        let s = input.sentences;
        parts.push(format!(
            "Sentences: {} edited, {} added, {} removed.",
            s.edited, s.added, s.removed
        ));
        for e in &input.edits {
            // The sentence as the card shows it: unchanged stretches far from a change cut.
            let spans = trimmed_words(&e.words);
            let side = |keep: Style| {
                clean(
                    &spans
                        .iter()
                        .filter(|(_, s)| *s == Style::Plain || *s == keep)
                        .map(|(t, _)| t.as_str())
                        .collect::<String>(),
                )
            };
            let (before, after) = (side(Style::Deleted), side(Style::Inserted));
            let has = |tag: WordTag| e.words.iter().any(|w| w.tag == tag);
            parts.push(if !has(WordTag::Equal) && !has(WordTag::Delete) {
                format!("Added: “{after}”")
            } else if !has(WordTag::Equal) && !has(WordTag::Insert) {
                format!("Removed: “{before}”")
            } else {
                format!("Edited: “{after}”, where {}.", hunks(&e.words).join(", "))
            });
        }
    }
    join_capped(&parts, MAX_ALT_CHARS)
}

/// Each change in a sentence: “less than” became “about”, “reportedly” cut, “new” added.
fn hunks(words: &[crate::diff::WordChange]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut del, mut ins) = (String::new(), String::new());
    let mut flush = |del: &mut String, ins: &mut String| {
        let (d, i) = (clean(del), clean(ins));
        match (d.is_empty(), i.is_empty()) {
            (false, false) => out.push(format!("“{d}” became “{i}”")),
            (false, true) => out.push(format!("“{d}” was cut")),
            (true, false) => out.push(format!("“{i}” was added")),
            (true, true) => {}
        }
        del.clear();
        ins.clear();
    };
    for w in words {
        match w.tag {
            WordTag::Delete => del.push_str(&w.text),
            WordTag::Insert => ins.push_str(&w.text),
            WordTag::Equal => flush(&mut del, &mut ins),
        }
    }
    flush(&mut del, &mut ins);
    out
}

/// The parts joined by spaces, as many as fit in `max` characters; a part that does not fit
/// is cut with an ellipsis.
fn join_capped(parts: &[String], max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for p in parts {
        let sep = usize::from(!out.is_empty());
        let len = p.chars().count();
        if n + sep + len <= max {
            if sep == 1 {
                out.push(' ');
            }
            out.push_str(p);
            n += sep + len;
            continue;
        }
        let room = max.saturating_sub(n + sep + 1);
        if room >= 20 {
            if sep == 1 {
                out.push(' ');
            }
            out.extend(p.chars().take(room));
            out.push('…');
        } else if n < max {
            out.push('…');
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_join_stays_within_the_limit() {
        let parts: Vec<String> = (0..100)
            .map(|i| format!("Part number {i} says a thing."))
            .collect();
        let s = join_capped(&parts, 200);
        assert!(s.chars().count() <= 200, "{}", s.chars().count());
        assert!(s.ends_with('…'));
        assert_eq!(
            join_capped(&parts[..2], 200),
            "Part number 0 says a thing. Part number 1 says a thing."
        );
    }
}
