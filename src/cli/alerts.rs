//! `alerts list|test|retry`.

use std::process::ExitCode;

use anyhow::Context;

use super::Env;
use super::output::{clip, outln, print_json, rfc3339, sanitize};
use crate::alert::dispatch::Dispatcher;
use crate::alert::payload::{ArticleRef, ChangeData, Delivery, FeedRef, Links};
use crate::alert::send;
use crate::claims::{ClaimChange, ClaimKind};
use crate::payload::SentenceCounts;
use crate::store::outbox::{self, Listing};
use crate::store::unix_now_ms;

pub fn list(env: &Env, which: Listing, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let rows = store.read(|c| outbox::list(c, which, 200))?;
    if json {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            row: &'a outbox::OutboxRow,
            created: String,
            delivered: Option<String>,
        }
        let out: Vec<Row<'_>> = rows
            .iter()
            .map(|r| Row {
                row: r,
                created: rfc3339(r.created_at / 1000),
                delivered: r.delivered_at.map(|d| rfc3339(d / 1000)),
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
                "alert {:<12} sink {:<8} trigger {:?}{}",
                a.name,
                a.sink.kind(),
                a.trigger,
                a.digest
                    .map(|d| format!(", digest {}", crate::config::format_duration(d)))
                    .unwrap_or_default()
            );
        }
    }
    if rows.is_empty() {
        outln!("outbox: empty");
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>6}  {:<12} {:>7} {:>8}  {:<10}  LAST ERROR",
        "ID",
        "ALERT",
        "CHANGE",
        "ATTEMPTS",
        "STATE"
    );
    for r in rows {
        let state = if r.delivered_at.is_some() {
            "delivered"
        } else if r.failed {
            "failed"
        } else {
            "pending"
        };
        outln!(
            "{:>6}  {:<12} {:>7} {:>8}  {:<10}  {}",
            r.id,
            clip(&r.alert, 12),
            r.change_id.map(|c| c.to_string()).unwrap_or_default(),
            r.attempts,
            state,
            r.last_error
                .as_deref()
                .map(|e| clip(e, 80))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn retry(env: &Env, id: Option<i64>) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let n = store.write(|tx| outbox::retry(tx, id, unix_now_ms()))?;
    outln!(
        "{n} alert deliveries scheduled for retry now (the daemon or the next `redline poll` sends them)"
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
            name: Some("redline-test".into()),
            url: "https://example.org/feed.xml".into(),
        },
        article: ArticleRef {
            id: 0,
            url: "https://example.org/news/harbour-flood".into(),
            title: "Harbour district evacuated as river bursts its banks (redline test alert)"
                .into(),
            previous_title: None,
        },
        from_version: Some(1),
        to_version: Some(2),
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
            before: Some("less than $6 million".into()),
            after: Some("about $5.6 million".into()),
            before_sentence: Some(
                "The council estimated the damage at less than $6 million.".into(),
            ),
            after_sentence: Some("The council estimated the damage at about $5.6 million.".into()),
        }],
        claims_omitted: 0,
        word_diff:
            "The council estimated the damage at [-less than-]{+about+} $[-6-]{+5.6+} million."
                .into(),
        links: Links {
            article: "https://example.org/news/harbour-flood".into(),
            feed: "https://example.org/feed.xml".into(),
        },
    }
}

pub fn test(env: &Env, name: &str) -> anyhow::Result<ExitCode> {
    let alert = env
        .config
        .alerts
        .iter()
        .find(|a| a.name == name)
        .with_context(|| format!("no [[alert]] named `{name}` in the config"))?;
    let store = env.open_store()?;
    let dispatcher = Dispatcher::from_config(store.clone(), &env.config)?;
    let delivery = Delivery::One(Box::new(sample(name)));
    if let crate::config::SinkConfig::Atom { .. } = alert.sink {
        // The Atom sink renders the outbox; give it the sample as a delivered row.
        let json = delivery.to_json();
        store.write(|tx| {
            let id = outbox::insert(tx, None, name, &json, unix_now_ms(), unix_now_ms())?;
            outbox::mark_delivered(tx, id, unix_now_ms())
        })?;
    }
    let rt = super::runtime()?;
    let result = rt.block_on(send(alert, &delivery, dispatcher.http(), &store));
    match result {
        Ok(()) => {
            outln!(
                "sent a sample alert through `{name}` ({}): delivered",
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
