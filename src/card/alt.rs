//! The card in words, for screen readers and for whoever cannot see the image: the same
//! facts in the same order (outlet, headline, times, claim changes, edited sentences).

use super::layout::{clean, kind_label};
use super::{CardInput, CardVersion};
use crate::diff::WordTag;

/// Alt text is cut here: Mastodon's limit for an image description (Bluesky takes more).
pub const MAX_ALT_CHARS: usize = 1_500;

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
    let title = clean(&input.new.title);
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
            clean(&input.old.title)
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
                (Some(b), None) => format!("{kind}: “{}” removed.", clean(b)),
                (None, Some(a)) => format!("{kind}: “{}” added.", clean(a)),
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
            let side = |keep: WordTag| {
                clean(
                    &e.words
                        .iter()
                        .filter(|w| w.tag == WordTag::Equal || w.tag == keep)
                        .map(|w| w.text.as_str())
                        .collect::<String>(),
                )
            };
            let (before, after) = (side(WordTag::Delete), side(WordTag::Insert));
            parts.push(match (before.is_empty(), after.is_empty()) {
                (true, _) => format!("Added: “{after}”"),
                (_, true) => format!("Removed: “{before}”"),
                _ => format!("Before: “{before}” After: “{after}”"),
            });
        }
    }
    join_capped(&parts, MAX_ALT_CHARS)
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
