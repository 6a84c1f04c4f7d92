//! Text that leaves redline: secrets taken out of URLs before they are logged, stored in an
//! error or printed; bidirectional-override characters taken out of web text before it is
//! shown; spreadsheet formulas defused in CSV cells. Pure string functions, used by `alert`,
//! `config` and `cli`. See: #10.

use url::Url;

const HIDDEN: &str = "***";

/// Query parameters whose value is a credential.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "key",
    "secret",
    "sig",
    "signature",
    "access_token",
    "api_key",
    "apikey",
    "password",
    "auth",
];

/// `url` with its credentials replaced by `***`: the userinfo password, the token parts of
/// Slack and Discord webhook paths, path segments that look like tokens (long, letters and
/// digits mixed), and secret-named query parameters. Text that does not parse as a URL still
/// loses a `user:pass@` part.
pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = Url::parse(url) else {
        return redact_userinfo_text(url);
    };
    if u.password().is_some() {
        let _ = u.set_password(Some(HIDDEN));
    }
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let segments: Vec<String> = u
        .path_segments()
        .map(|s| s.map(String::from).collect())
        .unwrap_or_default();
    if !segments.is_empty() {
        let is_slack = host == "hooks.slack.com";
        let is_discord = matches!(
            host.as_str(),
            "discord.com" | "discordapp.com" | "ptb.discord.com" | "canary.discord.com"
        ) && segments.len() >= 4
            && segments[0] == "api"
            && segments[1] == "webhooks";
        let redacted: Vec<String> = segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let secret = (is_slack && i >= 1) || (is_discord && i >= 3) || looks_like_token(s);
                if secret && !s.is_empty() {
                    HIDDEN.to_string()
                } else {
                    s.clone()
                }
            })
            .collect();
        u.set_path(&redacted.join("/"));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str())
                    || looks_like_token(&v);
                let v = if secret {
                    HIDDEN.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// A long run of letters and digits mixed (API keys, webhook tokens), not a slug of words.
fn looks_like_token(s: &str) -> bool {
    s.len() >= 20
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && s.chars().filter(|c| *c == '-').count() < 4
}

fn redact_userinfo_text(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#', ' ']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return text.to_string();
    };
    let user = rest[..at].split(':').next().unwrap_or("");
    format!("{}://{user}:{HIDDEN}{}", &text[..scheme_end], &rest[at..])
}

/// Whether `c` reorders how text is displayed (explicit embeddings, overrides, isolates and
/// marks): such characters can make a headline read differently from what it says.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// `text` without bidirectional controls.
pub fn strip_bidi(text: &str) -> String {
    text.chars().filter(|c| !is_bidi_control(*c)).collect()
}

/// `text` without terminal control sequences, each removed whole: CSI (`ESC [` or the 8-bit
/// `U+009B`, parameters, final byte), the string sequences OSC/DCS/APC/PM/SOS (`ESC ]`, `ESC P`,
/// `ESC _`, `ESC ^`, `ESC X` or `U+009D`, `U+0090`, `U+009F`, `U+009E`, `U+0098`, up to BEL,
/// `ESC \` or ST `U+009C`) and two-character escapes (`ESC c`, `ESC (B`). Dropping only the
/// ESC would leave `]8;;http://…` and `[31m` in the text. A malformed sequence ends at the
/// first character that cannot belong to it, and a string sequence at a newline, so one stray
/// ESC cannot swallow the following lines. Other characters, control or not, stay: callers
/// decide about those. Text without ESC or C1 characters is returned as it is.
pub fn strip_terminal_sequences(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c == '\u{1b}' || is_c1(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    Seq::Csi
                }
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    Seq::Str
                }
                Some(n) if ('\u{20}'..='\u{7e}').contains(&n) => Seq::Esc,
                // A lone ESC (end of text, or before a character no escape uses).
                _ => continue,
            },
            '\u{9b}' => Seq::Csi,
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => Seq::Str,
            c => {
                out.push(c);
                continue;
            }
        };
        match kind {
            // Parameters and intermediates 0x20..=0x3f, then one final byte 0x40..=0x7e.
            Seq::Csi => {
                while let Some(&n) = chars.peek() {
                    if ('\u{20}'..='\u{3f}').contains(&n) {
                        chars.next();
                        continue;
                    }
                    if ('\u{40}'..='\u{7e}').contains(&n) {
                        chars.next();
                    }
                    break;
                }
            }
            Seq::Str => {
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                    if n == '\u{7}' || n == '\u{9c}' {
                        break;
                    }
                    if n == '\u{1b}' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            // Intermediates 0x20..=0x2f, then one final byte 0x30..=0x7e.
            Seq::Esc => {
                while let Some(&n) = chars.peek() {
                    if !('\u{20}'..='\u{7e}').contains(&n) {
                        break;
                    }
                    chars.next();
                    if !('\u{20}'..='\u{2f}').contains(&n) {
                        break;
                    }
                }
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

enum Seq {
    Csi,
    Str,
    Esc,
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): cells
/// starting with `=`, `+`, `-`, `@`, tab or carriage return get a leading `'`.
pub fn csv_safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_go_whole() {
        let osc8 = "Vote \u{1b}]8;;http://evil/\u{7}count\u{1b}]8;;\u{7} delayed \u{1b}[31mred";
        assert_eq!(strip_terminal_sequences(osc8), "Vote count delayed red");
        assert_eq!(
            strip_terminal_sequences("by \u{1b}[1mtwo\u{1b}[0m hours, \u{9b}31mofficials\u{9b}0m"),
            "by two hours, officials"
        );
        assert_eq!(
            strip_terminal_sequences("a\u{1b}]0;title\u{1b}\\b \u{9d}2;t\u{9c}c \u{90}q\u{9c}d"),
            "ab c d"
        );
        assert_eq!(
            strip_terminal_sequences("reset\u{1b}c \u{1b}(Bdone\u{1b}"),
            "reset done"
        );
        // An unterminated string sequence stops at the line's end.
        assert_eq!(
            strip_terminal_sequences("x\u{1b}]8;;http://evil\nsecond line"),
            "x\nsecond line"
        );
        // A CSI cut short keeps what cannot be part of it.
        assert_eq!(strip_terminal_sequences("\u{1b}[12é!"), "é!");
        let plain = "Plain text: 3 \u{2013} 4, caf\u{e9}, \u{201c}quoted\u{201d}\n\tsecond";
        assert!(matches!(
            strip_terminal_sequences(plain),
            std::borrow::Cow::Borrowed(p) if p == plain
        ));
    }

    #[test]
    fn userinfo_password_is_hidden() {
        assert_eq!(
            redact_url("smtps://desk:hunter2@mail.example.org:465"),
            "smtps://desk:***@mail.example.org:465"
        );
        assert_eq!(
            redact_url("not a url smtp://desk:hunter2@mail host"),
            "not a url smtp://desk:***@mail host"
        );
    }

    #[test]
    fn slack_and_discord_tokens_are_hidden() {
        let slack = redact_url(
            "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/Xk9sQz8mPq2LrT5vWn4YbC3d",
        );
        assert_eq!(slack, "https://hooks.slack.com/services/***/***/***");
        let discord = redact_url(
            "https://discord.com/api/webhooks/1234567890/AbCdEf-GhIjKl_MnOp1234567890qrStUvWx",
        );
        assert_eq!(discord, "https://discord.com/api/webhooks/1234567890/***");
    }

    #[test]
    fn token_segments_and_secret_params_are_hidden_but_slugs_stay() {
        let u = redact_url(
            "https://alerts.example.org/in/9f8e7d6c5b4a39281706f5e4?token=abc&team=desk&sig=zz",
        );
        assert_eq!(
            u,
            "https://alerts.example.org/in/***?token=***&team=desk&sig=***"
        );
        let slug = "https://news.example.org/2026/12/council-approves-budget-for-2027";
        assert_eq!(redact_url(slug), slug);
    }

    #[test]
    fn bidi_controls_are_removed() {
        assert_eq!(
            strip_bidi("Minister \u{202E}deined\u{202C} claims \u{2067}x\u{2069}\u{200F}"),
            "Minister deined claims x"
        );
    }

    #[test]
    fn formula_cells_get_a_quote() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_safe_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(
            csv_safe_cell("Council approves budget"),
            "Council approves budget"
        );
    }
}
