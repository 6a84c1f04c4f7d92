//! Alerts: which change goes to which sink (`rules`), the versioned wire format (`payload`),
//! the outbox drain loop (`dispatch`) and one module per sink. Alerts are written to the outbox
//! in the poll's own transaction and sent later, so a crash between the two loses nothing.

pub mod api;
pub mod archive;
pub mod atom;
pub mod bluesky;
pub mod chat;
pub mod dispatch;
pub mod email;
pub mod exec;
pub mod mastodon;
pub mod payload;
pub mod retention;
pub mod rules;
pub mod social;
pub mod webhook;

use std::time::Duration;

use crate::config::{AlertConfig, SinkConfig};
use crate::store::Store;
use payload::Delivery;

/// Longest a single delivery may take, whatever the sink; a hanging receiver is cut off here.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("webhook {url}: {detail}")]
    Webhook { url: String, detail: String },
    #[error("email: {0}")]
    Email(String),
    #[error("exec `{command}`: {detail}")]
    Exec { command: String, detail: String },
    #[error("atom file {path}: {detail}")]
    Atom { path: String, detail: String },
    #[error("delivery timed out after {}s", .0.as_secs())]
    Timeout(Duration),
    #[error("payload: {0}")]
    Payload(String),
    #[error("archive {service}: {detail}")]
    Archive { service: String, detail: String },
    #[error("mastodon {instance}: {detail}")]
    Mastodon { instance: String, detail: String },
    #[error("bluesky {pds}: {detail}")]
    Bluesky { pds: String, detail: String },
    /// The post waits for something that is on its way (the archived copy it links to).
    #[error("{what}; next attempt in {}s", api::secs(*retry_after))]
    NotYet {
        what: String,
        retry_after: std::time::Duration,
    },
    /// The receiver said to slow down (HTTP 429, or a limit in its own words): this sink
    /// sends nothing more until `retry_after` has passed.
    #[error("{service}: rate limited, next attempt in {}s", api::secs(*retry_after))]
    RateLimited {
        service: String,
        retry_after: std::time::Duration,
    },
}

impl SinkError {
    /// How long the sink asked us to wait before its next request, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::NotYet { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

/// Sends one delivery (a single change or a digest) through the alert's sink.
pub async fn send(
    alert: &AlertConfig,
    delivery: &Delivery,
    http: &crate::netguard::GuardedClient,
    store: &Store,
) -> Result<(), SinkError> {
    let work = async {
        match &alert.sink {
            SinkConfig::Webhook {
                url,
                secret,
                format,
            } => webhook::send(http, url, secret.as_deref(), *format, delivery).await,
            SinkConfig::Email { to, from, smtp_url } => {
                email::send(to, from, smtp_url, delivery).await
            }
            SinkConfig::Exec { command, timeout } => {
                exec::send(command, *timeout, &alert.name, delivery).await
            }
            SinkConfig::Atom { path, max_entries } => {
                atom::write(store, &alert.name, path, *max_entries).await
            }
            SinkConfig::Mastodon { instance, token } => {
                mastodon::send(http, store, &alert.name, instance, token, delivery).await
            }
            SinkConfig::Bluesky {
                pds,
                handle,
                password,
            } => bluesky::send(http, store, &alert.name, pds, handle, password, delivery).await,
        }
    };
    // An exec sink has its own timeout, which may be longer than the general one.
    let limit = match &alert.sink {
        SinkConfig::Exec { timeout, .. } => DELIVERY_TIMEOUT.max(*timeout + Duration::from_secs(5)),
        _ => DELIVERY_TIMEOUT,
    };
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(SinkError::Timeout(limit)),
    }
}

/// Everything `enqueue` needs to know about a change that was just stored.
pub struct StoredChange<'a> {
    pub change_id: i64,
    pub feed: &'a crate::store::feeds::FeedRow,
    pub article_id: i64,
    pub article_url: &'a str,
    pub title: &'a str,
    pub previous_title: Option<&'a str>,
    pub change: &'a crate::store::changes::NewChange,
    pub claims: &'a [crate::claims::ClaimChange],
    /// The sentence diff, rendered into the payload only if some alert wants the change.
    pub revision: Option<&'a crate::diff::Revision>,
    /// The new text (for keyword rules).
    pub text: &'a str,
}

/// Writes an outbox row for every alert that wants this change. Runs inside the poll's
/// transaction, so the alert exists exactly when the change does.
pub fn enqueue(
    tx: &rusqlite::Connection,
    alerts: &[AlertConfig],
    s: &StoredChange<'_>,
    now_ms: i64,
) -> Result<usize, crate::store::StoreError> {
    let event = rules::ChangeEvent {
        feed_name: s.feed.name.as_deref(),
        kind: s.change.kind,
        cosmetic: s.change.cosmetic,
        stealth: s.change.stealth,
        revert: s.change.revert_of.is_some(),
        silent: s.change.silent,
        claims: s.claims,
        title: s.title,
        text: s.text,
    };
    let mut n = 0;
    // Rendered once, on the first matching alert: most changes match none.
    let mut word_diff: Option<String> = None;
    for alert in alerts.iter().filter(|a| rules::matches(a, &event)) {
        let word_diff = word_diff.get_or_insert_with(|| {
            s.revision
                .map(|r| {
                    let words = crate::diff::render_words_capped(r, payload::MAX_WORD_DIFF);
                    payload::truncate(words, payload::MAX_WORD_DIFF)
                })
                .unwrap_or_default()
        });
        let data = payload::ChangeData {
            change_id: s.change_id,
            event: event_name(s.change, s.claims).to_string(),
            alert: alert.name.clone(),
            feed: payload::FeedRef {
                id: s.feed.id,
                reference: crate::ids::feed(s.feed.id),
                name: s.feed.name.clone(),
                url: s.feed.url.clone(),
            },
            article: payload::ArticleRef {
                id: s.article_id,
                reference: crate::ids::article(s.article_id),
                url: s.article_url.to_string(),
                // Every sink shows these: no bidi controls, and a title short enough for a
                // mail subject line. See: #10.
                title: shown_title(s.title),
                previous_title: s.previous_title.map(shown_title),
            },
            from_version: s.change.from_seq,
            to_version: s.change.to_seq,
            version_ref: s
                .change
                .to_seq
                .map(|v| crate::ids::version(s.article_id, v)),
            detected_at: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            stealth: s.change.stealth,
            stealth_evidence: s.change.evidence.clone(),
            cosmetic: s.change.cosmetic,
            revert_of: s.change.revert_of,
            fields_changed: s.change.fields.iter().map(|f| f.to_string()).collect(),
            title_changed: s.change.fields.contains(&"title"),
            sentences: crate::payload::SentenceCounts {
                added: s.change.sentences_added as usize,
                removed: s.change.sentences_removed as usize,
                edited: s.change.sentences_edited as usize,
                moved: s.change.sentences_moved as usize,
            },
            claim_changes: shown_claims(s.claims),
            claims_omitted: s.claims.len().saturating_sub(MAX_CLAIMS),
            notices: shown_notices(&s.change.notices),
            silent: s.change.silent,
            word_diff: crate::text_safety::strip_bidi(word_diff),
            links: payload::Links {
                article: s.article_url.to_string(),
                feed: s.feed.url.clone(),
                ..payload::Links::default()
            },
            test: false,
        };
        let json = Delivery::One(Box::new(data)).to_json();
        // Past `max_per_hour` single alerts in the last hour, the row is held and folded with
        // the others held into one digest at the top of the hour: a burst of edits (a live
        // page, a site redesign) is one message, not a hundred.
        let folded = alert.digest.is_none()
            && match alert.max_per_hour {
                Some(max) => {
                    crate::store::outbox::recent_unfolded(tx, &alert.name, now_ms - HOUR_MS)?
                        >= i64::from(max)
                }
                None => false,
            };
        // A digest alert's rows all fall due at the end of their window and go out together.
        let due = match alert.digest {
            Some(window) => {
                let w = window.as_millis().max(1) as i64;
                (now_ms / w + 1) * w
            }
            None if folded => (now_ms / HOUR_MS + 1) * HOUR_MS,
            None => now_ms,
        };
        let id =
            crate::store::outbox::insert(tx, Some(s.change_id), &alert.name, &json, now_ms, due)?;
        if folded {
            crate::store::outbox::set_folded(tx, id)?;
        }
        n += 1;
    }
    Ok(n)
}

/// The window of `max_per_hour`, in the outbox's milliseconds.
const HOUR_MS: i64 = 3_600_000;

/// Longest title an alert carries (characters); a subject line past this is abuse, not news.
pub const MAX_TITLE_CHARS: usize = 300;

/// Claim changes an alert carries; the rest are counted in `claims_omitted`.
pub const MAX_CLAIMS: usize = 50;
/// Longest claim sentence an alert carries (characters).
pub const MAX_SENTENCE_CHARS: usize = 1_000;

fn shown_title(title: &str) -> String {
    shown_text(title, MAX_TITLE_CHARS)
}

/// Web text as every sink shows it: no bidi controls, at most `max` characters.
fn shown_text(text: &str, max: usize) -> String {
    let clean = crate::text_safety::strip_bidi(text);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut t: String = clean.chars().take(max).collect();
    t.push_str(" (truncated)");
    t
}

/// The first `MAX_CLAIMS` claim changes with every text field made safe to show and capped,
/// so a hostile page cannot turn one alert into megabytes of mail.
fn shown_claims(claims: &[crate::claims::ClaimChange]) -> Vec<crate::claims::ClaimChange> {
    let value = |v: &Option<String>| v.as_deref().map(shown_title);
    let sentence = |v: &Option<String>| v.as_deref().map(|t| shown_text(t, MAX_SENTENCE_CHARS));
    claims
        .iter()
        .take(MAX_CLAIMS)
        .map(|c| crate::claims::ClaimChange {
            kind: c.kind,
            field: c.field,
            before: value(&c.before),
            after: value(&c.after),
            before_sentence: sentence(&c.before_sentence),
            after_sentence: sentence(&c.after_sentence),
        })
        .collect()
}

/// Notices as every sink shows them: no bidi controls, each capped like a claim sentence.
fn shown_notices(notices: &[crate::notices::Notice]) -> Vec<crate::notices::Notice> {
    notices
        .iter()
        .map(|n| crate::notices::Notice {
            change: n.change,
            text: shown_text(&n.text, MAX_SENTENCE_CHARS),
        })
        .collect()
}

fn event_name(
    change: &crate::store::changes::NewChange,
    claims: &[crate::claims::ClaimChange],
) -> &'static str {
    if change.kind == "unpublished" {
        "unpublished"
    } else if change.revert_of.is_some() {
        "reverted"
    } else if change.cosmetic {
        "cosmetic"
    } else if !claims.is_empty() {
        "claim_changed"
    } else {
        "edited"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{ClaimChange, ClaimKind};

    #[test]
    fn alert_claims_are_capped_in_number_and_size_and_lose_bidi_controls() {
        let huge = format!(
            "The council said \u{202E}{}",
            "the levy rose. ".repeat(350_000)
        );
        let claims: Vec<ClaimChange> = (0..500)
            .map(|i| ClaimChange {
                kind: ClaimKind::NumberChanged,
                field: crate::claims::ClaimField::Body,
                before: Some(format!("{i} homes")),
                after: Some(format!("{} homes", i + 1)),
                // A few 5 MB sentences make the point; 500 of them would take gigabytes here.
                before_sentence: Some(if i < 3 { huge.clone() } else { format!("{i}") }),
                after_sentence: Some(if i < 3 { huge.clone() } else { format!("{i}") }),
            })
            .collect();
        assert!(huge.len() > 5_000_000);
        let shown = shown_claims(&claims);
        assert_eq!(shown.len(), MAX_CLAIMS);
        let longest = shown
            .iter()
            .filter_map(|c| c.before_sentence.as_ref())
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        assert!(longest <= MAX_SENTENCE_CHARS + " (truncated)".len());
        let json = serde_json::to_string(&shown).expect("serialises");
        assert!(json.len() < 200_000, "claims take {} bytes", json.len());
        let s = shown[0].after_sentence.as_deref().expect("sentence kept");
        assert!(s.starts_with("The council said the levy rose."));
        assert!(s.ends_with("(truncated)"));
        assert!(!s.contains('\u{202E}'));
        assert_eq!(shown[7].before.as_deref(), Some("7 homes"));
    }
}
