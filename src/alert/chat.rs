//! Chat messages (Slack and Discord incoming webhooks): short by construction. A chat alert
//! is read on a phone between other messages, so it carries the headline, the claim changes
//! first, a few changed sentences of the word diff and the link, never the article. Every
//! message fits its platform: Discord refuses `content` over 2,000 characters; Slack takes
//! 40,000 but folds anything past a few screens, so we stop far earlier.
//!
//! Pure: a `Delivery` in, a string out. Web text in it is escaped for the platform (Slack
//! `&<>`; Discord mentions are switched off by the sender, see `webhook::body`).

use super::payload::{ChangeData, Delivery, one_line};

/// Longest Discord message we send (characters); the platform's limit is 2,000.
pub const DISCORD_MAX_CHARS: usize = 1_900;
/// Longest Slack message we send (characters): about a screen.
pub const SLACK_MAX_CHARS: usize = 3_000;
/// Claim changes shown before "… and N more".
const MAX_CLAIMS_SHOWN: usize = 5;
/// A claim value or a sentence is cut here (characters).
const MAX_VALUE_CHARS: usize = 120;
const MAX_SENTENCE_CHARS: usize = 240;
/// Changed sentences of the word diff shown at most.
const MAX_DIFF_LINES: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Slack,
    Discord,
}

impl Platform {
    pub fn max_chars(self) -> usize {
        match self {
            Self::Slack => SLACK_MAX_CHARS,
            Self::Discord => DISCORD_MAX_CHARS,
        }
    }

    fn bold(self, s: &str) -> String {
        match self {
            Self::Slack => format!("*{s}*"),
            Self::Discord => format!("**{s}**"),
        }
    }

    /// A URL as the platform links it: Slack wants `&` as `&amp;` in links too; Discord links
    /// a bare URL, and markdown escapes inside it would break it (a parsed URL has no spaces
    /// or angle brackets left to abuse).
    fn link(self, url: &str) -> String {
        match self {
            Self::Slack => self.escape(url),
            Self::Discord => url.to_string(),
        }
    }

    /// Web text made inert: Slack reads `<…>` as links and mentions (`<!channel>`); Discord
    /// reads markdown, and `@everyone` is disarmed by `allowed_mentions`, not here.
    fn escape(self, s: &str) -> String {
        match self {
            Self::Slack => s
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
            Self::Discord => s
                .replace('\\', "\\\\")
                .replace('*', "\\*")
                .replace('_', "\\_")
                .replace('`', "\\`")
                .replace('~', "\\~")
                .replace('|', "\\|"),
        }
    }
}

/// The message for one delivery, at most `platform.max_chars()` characters.
pub fn message(platform: Platform, delivery: &Delivery) -> String {
    let max = platform.max_chars();
    let text = match delivery {
        Delivery::One(d) => one_change(platform, d, max),
        Delivery::Digest(d) => digest(platform, &d.alert, &d.changes, max),
    };
    clip(&text, max)
}

fn one_change(p: Platform, d: &ChangeData, max: usize) -> String {
    let head = p.bold(&p.escape(&clip(&one_line(&d.article.title), 200)));
    let mut what = vec![d.event.replace('_', " ")];
    if d.stealth {
        what.push("stealth edit (no update stamp or notice changed)".into());
    }
    if d.silent {
        what.push("silent (claims changed, no notice added)".into());
    }
    let feed = d.feed.name.as_deref().unwrap_or(&d.feed.url);
    let meta = format!("{} · {}", what.join(" · "), p.escape(&clip(feed, 60)));
    // The link is never cut off: it is reserved first.
    let link = format!("Article: {}", p.link(&clip(&d.links.article, 500)));
    let mut out = format!("{head}\n{meta}\n");
    let budget = max.saturating_sub(count(&out) + count(&link) + 2);
    let mut body = String::new();
    if d.title_changed
        && let Some(prev) = &d.article.previous_title
    {
        body.push_str(&format!(
            "Headline was: {}\n",
            p.escape(&clip(&one_line(prev), 200))
        ));
    }
    let total_claims = d.claim_changes.len() + d.claims_omitted;
    for c in d.claim_changes.iter().take(MAX_CLAIMS_SHOWN) {
        let line = format!(
            "• {}: {} → {}\n",
            c.kind.as_str().replace('_', " "),
            p.escape(&clip(c.before.as_deref().unwrap_or("—"), MAX_VALUE_CHARS)),
            p.escape(&clip(c.after.as_deref().unwrap_or("—"), MAX_VALUE_CHARS)),
        );
        let sentence = c
            .after_sentence
            .as_deref()
            .or(c.before_sentence.as_deref())
            .map(|s| format!("   “{}”\n", p.escape(&clip(s, MAX_SENTENCE_CHARS))))
            .unwrap_or_default();
        if count(&body) + count(&line) + count(&sentence) > budget {
            break;
        }
        body.push_str(&line);
        body.push_str(&sentence);
    }
    let shown = body.matches("• ").count();
    if total_claims > shown {
        let more = format!("• … and {} more claim changes\n", total_claims - shown);
        if count(&body) + count(&more) <= budget {
            body.push_str(&more);
        }
    }
    // A notice is what makes an edit not silent: one short line each, if there is room.
    for n in &d.notices {
        let change = match n.change {
            crate::notices::NoticeChange::Added => "Notice added",
            crate::notices::NoticeChange::Removed => "Notice removed",
        };
        let line = format!(
            "{change}: {}\n",
            p.escape(&clip(&one_line(&n.text), MAX_SENTENCE_CHARS))
        );
        if count(&body) + count(&line) <= budget {
            body.push_str(&line);
        }
    }
    // Then as much of the changed sentences as fits: never the unchanged article around them.
    let changed: Vec<&str> = d
        .word_diff
        .lines()
        .filter(|l| l.contains("[-") || l.contains("{+"))
        .take(MAX_DIFF_LINES)
        .collect();
    if !changed.is_empty() {
        let room = budget.saturating_sub(count(&body) + 12);
        if room > 60 {
            let excerpt = changed
                .iter()
                .map(|l| clip(l, MAX_SENTENCE_CHARS * 2))
                .collect::<Vec<_>>()
                .join("\n");
            body.push_str(&format!("Changed:\n{}\n", p.escape(&clip(&excerpt, room))));
        }
    }
    out.push_str(&body);
    out.push_str(&link);
    out
}

fn digest(p: Platform, alert: &str, changes: &[ChangeData], max: usize) -> String {
    let head = p.bold(&format!(
        "{} changes ({})",
        changes.len(),
        p.escape(&clip(alert, 60))
    ));
    let mut out = format!("{head}\n");
    for (i, d) in changes.iter().enumerate() {
        let n = d.claim_changes.len() + d.claims_omitted;
        let line = format!(
            "• {}{} — {} — {}\n",
            if d.stealth { "[stealth] " } else { "" },
            p.escape(&clip(&one_line(&d.article.title), 120)),
            if n > 0 {
                format!("{n} claim change{}", if n == 1 { "" } else { "s" })
            } else {
                d.event.replace('_', " ")
            },
            p.link(&clip(&d.links.article, 300))
        );
        let rest = changes.len() - i;
        let tail = format!("• … and {rest} more (`redline log` lists them)");
        if count(&out) + count(&line) + count(&tail) + 1 > max {
            out.push_str(&tail);
            return out;
        }
        out.push_str(&line);
    }
    out
}

fn count(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `max` characters, ending in "…" when cut.
fn clip(s: &str, max: usize) -> String {
    if count(s) <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::payload::{ArticleRef, FeedRef, Links};
    use crate::claims::{ClaimChange, ClaimKind};

    fn change(title: &str, claims: usize, diff_lines: usize) -> ChangeData {
        let sentence = "The council said the flood barrier would cost about £40 million to repair.";
        ChangeData {
            change_id: 1,
            event: "claim_changed".into(),
            alert: "desk".into(),
            feed: FeedRef {
                id: 1,
                reference: crate::ids::feed(1),
                name: Some("chronicle".into()),
                url: "https://chronicle.example/feed.xml".into(),
            },
            article: ArticleRef {
                id: 7,
                reference: crate::ids::article(7),
                url: "https://chronicle.example/news/flood-barrier".into(),
                title: title.into(),
                previous_title: None,
            },
            from_version: Some(1),
            to_version: Some(2),
            version_ref: Some("a7v2".into()),
            detected_at: "2026-12-02T09:00:00Z".into(),
            stealth: true,
            stealth_evidence: None,
            test: false,
            cosmetic: false,
            revert_of: None,
            fields_changed: vec!["body".into()],
            title_changed: false,
            sentences: Default::default(),
            claim_changes: (0..claims)
                .map(|i| ClaimChange {
                    kind: ClaimKind::NumberChanged,
                    field: crate::claims::ClaimField::Body,
                    before: Some(format!("£{i}0 million")),
                    after: Some(format!("£{i}5 million")),
                    before_sentence: Some(sentence.into()),
                    after_sentence: Some(sentence.repeat(10)),
                })
                .collect(),
            claims_omitted: 0,
            notices: vec![],
            silent: false,
            word_diff: (0..diff_lines)
                .map(|i| {
                    if i % 3 == 0 {
                        format!("Repairs will cost [-£{i}0-]{{+£{i}5+}} million, officials said.\n")
                    } else {
                        "The barrier was built in 1982 and protects 4,000 homes.\n".into()
                    }
                })
                .collect(),
            links: Links {
                article: "https://chronicle.example/news/flood-barrier".into(),
                feed: "https://chronicle.example/feed.xml".into(),
                ..Links::default()
            },
        }
    }

    #[test]
    fn a_huge_change_stays_under_the_limits_with_claims_first_and_the_link() {
        let d = change(&"Flood barrier repair bill ".repeat(30), 40, 3_000);
        for p in [Platform::Discord, Platform::Slack] {
            let m = message(p, &Delivery::One(Box::new(d.clone())));
            assert!(count(&m) <= p.max_chars(), "{} chars", count(&m));
            assert!(
                m.ends_with("Article: https://chronicle.example/news/flood-barrier"),
                "{m}"
            );
            let claim_at = m.find("number changed").expect("claims shown");
            if let Some(diff_at) = m.find("Changed:") {
                assert!(claim_at < diff_at);
            }
            assert!(m.contains("more claim changes"), "{m}");
            // Unchanged sentences of the article are never sent.
            assert!(!m.contains("built in 1982"), "{m}");
        }
    }

    #[test]
    fn a_silent_edit_says_so_and_a_notice_is_shown() {
        let mut d = change("Flood barrier repair bill rises", 1, 1);
        d.silent = true;
        let m = message(Platform::Slack, &Delivery::One(Box::new(d.clone())));
        assert!(
            m.contains("silent (claims changed, no notice added)"),
            "{m}"
        );
        d.silent = false;
        d.notices = vec![crate::notices::Notice {
            change: crate::notices::NoticeChange::Added,
            text: "Correction: an earlier version of this article gave the wrong <cost>.".into(),
        }];
        let m = message(Platform::Slack, &Delivery::One(Box::new(d)));
        assert!(!m.contains("silent"), "{m}");
        assert!(
            m.contains("Notice added: Correction: an earlier version of this article gave the wrong &lt;cost&gt;."),
            "{m}"
        );
    }

    #[test]
    fn slack_text_cannot_mention_the_channel() {
        let d = change("Mayor <!channel> resigns & apologises", 1, 1);
        let m = message(Platform::Slack, &Delivery::One(Box::new(d)));
        assert!(m.contains("&lt;!channel&gt;") && m.contains("&amp;"), "{m}");
    }

    #[test]
    fn a_digest_lists_what_fits_and_counts_the_rest() {
        let changes: Vec<ChangeData> = (0..200)
            .map(|i| change(&format!("Story number {i} about the flood barrier"), 2, 1))
            .collect();
        let m = message(
            Platform::Discord,
            &Delivery::Digest(crate::alert::payload::DigestData {
                alert: "desk".into(),
                changes,
            }),
        );
        assert!(count(&m) <= DISCORD_MAX_CHARS);
        assert!(m.starts_with("**200 changes"), "{m}");
        assert!(
            m.contains("Story number 0 ") && m.contains("more (`redline log`"),
            "{m}"
        );
    }
}
