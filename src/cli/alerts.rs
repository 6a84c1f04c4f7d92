//! `alerts list|test|retry`.

use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Env;
use super::output::{clip, outln, print_json, rfc3339, sanitize};
use crate::alert::dispatch::Dispatcher;
use crate::alert::payload::{ArticleRef, ChangeData, Delivery, FeedRef, Links};
use crate::alert::send;
use crate::claims::{ClaimChange, ClaimKind};
use crate::payload::SentenceCounts;
use crate::store::outbox::{self, DeliveryState};
use crate::store::unix_now_ms;

/// `--state` of `alerts list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateArg {
    Pending,
    Retrying,
    Delivered,
    GivenUp,
}

impl From<StateArg> for DeliveryState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Pending => Self::Pending,
            StateArg::Retrying => Self::Retrying,
            StateArg::Delivered => Self::Delivered,
            StateArg::GivenUp => Self::GivenUp,
        }
    }
}

/// Deliveries listed per page when `--limit` is not given.
pub const DEFAULT_DELIVERIES: i64 = 200;

pub fn list(
    env: &Env,
    state: Option<StateArg>,
    pending: bool,
    failed: bool,
    page: super::output::Page,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if failed {
        // "failed" meant "failed once, will retry" here and "given up" in `status` (#12).
        bail!(
            "--failed is gone: use --state retrying (failed, will be tried again) or \
             --state given-up (failed delivery.max_attempts times)"
        );
    }
    let state = state
        .map(DeliveryState::from)
        .or(pending.then_some(DeliveryState::Pending));
    let store = env.open_store_read_only()?;
    let limit = page.limit_or(DEFAULT_DELIVERIES);
    let rows = store.read(|c| outbox::list_page(c, state, page.offset, limit))?;
    if json {
        // Times in RFC 3339 like every other document (the outbox keeps milliseconds).
        #[derive(serde::Serialize)]
        struct Row<'a> {
            id: i64,
            change_id: Option<i64>,
            alert: &'a str,
            state: DeliveryState,
            attempts: i64,
            created_at: String,
            /// When the next attempt is due; null once delivered or given up.
            next_attempt_at: Option<String>,
            delivered_at: Option<String>,
            last_error: Option<&'a str>,
            folded: bool,
        }
        let out: Vec<Row<'_>> = rows
            .iter()
            .map(|r| Row {
                id: r.id,
                change_id: r.change_id,
                alert: &r.alert,
                state: r.state(),
                attempts: r.attempts,
                created_at: rfc3339(r.created_at / 1000),
                next_attempt_at: matches!(
                    r.state(),
                    DeliveryState::Pending | DeliveryState::Retrying
                )
                .then(|| rfc3339(r.next_attempt_at / 1000)),
                delivered_at: r.delivered_at.map(|d| rfc3339(d / 1000)),
                last_error: r.last_error.as_deref(),
                folded: r.folded,
            })
            .collect();
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if env.config.alerts.is_empty() {
        outln!("no [[alert]] rules in the config");
    } else {
        for a in &env.config.alerts {
            outln!(
                "alert {:<12} sink {:<8} trigger {}{}",
                a.name,
                a.sink.kind(),
                trigger_name(a.trigger),
                a.digest
                    .map(|d| format!(", digest {}", crate::config::format_duration(d)))
                    .unwrap_or_default()
            );
        }
    }
    if rows.is_empty() {
        match state {
            Some(s) => outln!("outbox: no deliveries {}", s.as_str()),
            None => outln!("outbox: empty"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The edit as the article version it produced (`a3v2`, what `diff` and `versions` take):
    // a bare change id next to the delivery id read as an article or feed id.
    let edits: Vec<String> = store.read(|c| {
        rows.iter()
            .map(|r| match r.change_id {
                Some(id) => edit_ref(c, id),
                None => Ok(String::new()),
            })
            .collect()
    })?;
    outln!(
        "{:>8}  {:<12} {:<9} {:>8}  {:<15}  LAST ERROR",
        "DELIVERY",
        "ALERT",
        "EDIT",
        "ATTEMPTS",
        "STATE"
    );
    for (r, edit) in rows.iter().zip(edits) {
        outln!(
            "{:>8}  {:<12} {:<9} {:>8}  {:<15}  {}",
            r.id,
            clip(&r.alert, 12),
            edit,
            r.attempts,
            state_text(r),
            r.last_error
                .as_deref()
                .map(|e| clip(e, 80))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The trigger as the config spells it (`trigger = "edits"`), not as Rust debug-prints it.
fn trigger_name(t: crate::config::Trigger) -> &'static str {
    use crate::config::Trigger;
    match t {
        Trigger::Claims => "claims",
        Trigger::Edits => "edits",
        Trigger::All => "all",
    }
}

/// `a3v2` for the change that made version 2 of article 3 (`a3v1` for an unpublished one).
fn edit_ref(c: &rusqlite::Connection, change_id: i64) -> crate::store::Result<String> {
    use rusqlite::OptionalExtension;
    let found: Option<(i64, Option<i64>, Option<i64>)> = c
        .query_row(
            "SELECT article_id, to_seq, from_seq FROM changes WHERE id = ?1",
            [change_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match found {
        Some((a, Some(seq), _)) | Some((a, None, Some(seq))) => crate::ids::version(a, seq),
        Some((a, None, None)) => crate::ids::article(a),
        None => "(deleted)".into(),
    })
}

/// The state as the text listing says it: a delivery held back by `max_per_hour` waits for the
/// hourly digest, which plain "pending" hid.
pub(crate) fn state_text(r: &outbox::OutboxRow) -> &'static str {
    match r.state() {
        DeliveryState::Pending if r.folded => "held for digest",
        s => s.as_str(),
    }
}

pub fn retry(env: &Env, id: Option<i64>) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let when = "the daemon or the next `redline poll` sends";
    let Some(id) = id else {
        let n = store.write(|tx| outbox::retry(tx, None, unix_now_ms()))?;
        if n == 0 {
            outln!("nothing to retry: no delivery is retrying or given up");
        } else {
            outln!("{n} retrying or given-up deliveries are due now ({when} them)");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let row = store
        .read(|c| outbox::get(c, id))?
        .with_context(|| format!("no delivery {id} in the outbox (see `redline alerts list`)"))?;
    if let Some(at) = row.delivered_at {
        outln!(
            "delivery {id} ({}) was delivered {}; it is not sent again",
            sanitize(&row.alert),
            rfc3339(at / 1000)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let was = row.state();
    store.write(|tx| outbox::retry(tx, Some(id), unix_now_ms()))?;
    outln!(
        "delivery {id} ({}, {}) is due now ({when} it)",
        sanitize(&row.alert),
        was.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// A realistic sample change for `alerts test`.
fn sample(alert: &str) -> ChangeData {
    ChangeData {
        change_id: 0,
        event: "claim_changed".into(),
        alert: alert.into(),
        feed: FeedRef {
            id: 0,
            reference: crate::ids::feed(0),
            name: Some("redline-test".into()),
            url: "https://example.org/feed.xml".into(),
        },
        article: ArticleRef {
            id: 0,
            reference: crate::ids::article(0),
            url: "https://example.org/news/harbour-flood".into(),
            title: "Harbour district evacuated as river bursts its banks (redline test alert)"
                .into(),
            previous_title: None,
        },
        from_version: Some(1),
        to_version: Some(2),
        version_ref: Some("a0v2".into()),
        detected_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        stealth: true,
        stealth_evidence: Some(crate::stamps::StealthEvidence {
            stealth: true,
            seen: vec![crate::stamps::Evidence {
                kind: "http_last_modified".into(),
                before: Some("Tue, 03 Nov 2026 09:00:00 GMT".into()),
                after: Some("Tue, 03 Nov 2026 09:00:00 GMT".into()),
                changed: false,
            }],
        }),
        cosmetic: false,
        revert_of: None,
        fields_changed: vec!["body".into()],
        title_changed: false,
        sentences: SentenceCounts {
            added: 0,
            removed: 0,
            edited: 1,
            moved: 0,
        },
        claim_changes: vec![ClaimChange {
            kind: ClaimKind::NumberChanged,
            field: crate::claims::ClaimField::Body,
            before: Some("less than $6 million".into()),
            after: Some("about $5.6 million".into()),
            before_sentence: Some(
                "The council estimated the damage at less than $6 million.".into(),
            ),
            after_sentence: Some("The council estimated the damage at about $5.6 million.".into()),
        }],
        claims_omitted: 0,
        notices: vec![],
        silent: true,
        word_diff:
            "The council estimated the damage at [-less than-]{+about+} $[-6-]{+5.6+} million."
                .into(),
        links: Links {
            article: "https://example.org/news/harbour-flood".into(),
            feed: "https://example.org/feed.xml".into(),
            ..Links::default()
        },
        test: true,
    }
}

pub fn test(env: &Env, name: &str) -> anyhow::Result<ExitCode> {
    let alert = env
        .config
        .alerts
        .iter()
        .find(|a| a.name == name)
        .with_context(|| format!("no [[alert]] named `{name}` in the config"))?;
    let sample = sample(name);
    if let crate::config::SinkConfig::Atom { path, .. } = &alert.sink {
        // The real file is what feed readers subscribe to: a sample in it would be published
        // (and, repeated, published under one id). The sample feed goes to a temporary file.
        let xml = crate::alert::atom::render(name, std::slice::from_ref(&sample));
        let out = std::env::temp_dir().join(format!(
            "redline-alert-test-{}-{}.xml",
            name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        std::fs::write(&out, xml).with_context(|| format!("writing {}", out.display()))?;
        outln!(
            "wrote a sample Atom feed for `{name}` to {} (the real file {} is not touched)",
            out.display(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    // Other sinks send for real, so the receiver sees what it will get; the payload says
    // `"test": true` and the subject starts with "TEST:".
    let store = env.open_store_read_only()?;
    let dispatcher = Dispatcher::from_config(store.clone(), &env.config)?;
    let delivery = Delivery::One(Box::new(sample));
    let rt = super::runtime()?;
    let result = rt.block_on(send(alert, &delivery, dispatcher.http(), &store));
    match result {
        Ok(()) => {
            outln!(
                "sent a sample alert (marked \"test\": true) through `{name}` ({}): delivered",
                alert.sink.kind()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            outln!(
                "sent a sample alert through `{name}` ({}): FAILED: {}",
                alert.sink.kind(),
                sanitize(&e.to_string())
            );
            Ok(ExitCode::from(1))
        }
    }
}
