//! `log` (the change log, newest first), `export` (versions and changes for research) and
//! `reprocess` (recompute change records after an upgrade).

use std::io::Write;
use std::process::ExitCode;
use std::str::FromStr;

use super::Env;
use super::output::{Page, clip, outln, rfc3339, time};
use crate::claims::ClaimKind;
use crate::config::parse_duration;
use crate::ids;
use crate::store::changes::{self, ChangeFilter};
use crate::store::{Store, articles, unix_now};
use crate::version::analyze;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// Options of `log`.
pub struct LogOptions<'a> {
    pub since: Option<&'a str>,
    pub feed: Option<&'a str>,
    pub article: Option<&'a str>,
    pub kinds: Option<&'a str>,
    pub claims_only: bool,
    /// Only silent changes (`changes.silent = 1`).
    pub silent: bool,
    pub json: bool,
    pub page: Page,
}

/// Log lines (changes) per page when `--limit` is not given.
pub const DEFAULT_LOG: i64 = 200;

fn since_cutoff(since: Option<&str>) -> anyhow::Result<Option<i64>> {
    since
        .map(|s| {
            parse_duration(s)
                .map(|d| unix_now() - d.as_secs() as i64)
                .map_err(|m| anyhow::anyhow!("--since: {m}"))
        })
        .transpose()
}

fn feed_id(store: &Store, feed: Option<&str>) -> anyhow::Result<Option<i64>> {
    feed.map(|key| super::articles::find_feed(store, key).map(|f| f.id))
        .transpose()
}

pub fn log(env: &Env, o: &LogOptions<'_>) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let kinds: Option<Vec<ClaimKind>> = o
        .kinds
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    ClaimKind::from_str(k).map_err(|_| {
                        anyhow::anyhow!(
                            "--kind: unknown claim kind `{k}` (one of number_changed, quote_changed, speaker_changed, attribution_changed, hedge_added, hedge_removed, negation_flipped, claim_added, claim_removed)"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .transpose()?;
    let claims_only = o.claims_only || kinds.is_some();
    let article_id = o
        .article
        .map(|key| super::articles::find_article(&store, key).map(|a| a.id))
        .transpose()?;
    let limit = o.page.limit_or(DEFAULT_LOG);
    let filter = ChangeFilter {
        since: since_cutoff(o.since)?,
        feed_id: feed_id(&store, o.feed)?,
        article_id,
        // With claim filters the page is cut after filtering, below. One more than shown,
        // to know whether there is a next page.
        limit: (!claims_only).then_some(limit.saturating_add(1)),
        offset: if claims_only { 0 } else { o.page.offset },
        silent_only: o.silent,
    };
    let mut rows = store.read(|c| changes::list(c, &filter))?;
    if let Some(kinds) = &kinds {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        for r in &mut rows {
            r.claims.retain(|c| names.contains(&c.kind.as_str()));
        }
    }
    if claims_only {
        rows.retain(|r| !r.claims.is_empty());
        rows.drain(..rows.len().min(usize::try_from(o.page.offset).unwrap_or(0)));
    }
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if o.json {
        let out: Vec<super::json::ChangeJson<'_>> = rows.iter().map(Into::into).collect();
        super::output::print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        writeln!(
            out,
            "no {}changes{}",
            if o.silent { "silent " } else { "" },
            if claims_only {
                " with claim changes"
            } else {
                ""
            }
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for r in &rows {
        let versions = match (r.from_seq, r.to_seq) {
            (Some(a), Some(b)) => format!("v{a}→v{b}"),
            (Some(a), None) => format!("v{a}"),
            _ => String::new(),
        };
        let mut flags = String::new();
        if r.stealth {
            flags.push_str(" [stealth]");
        }
        if r.silent == Some(true) {
            flags.push_str(" [silent]");
        }
        let added = r
            .notices
            .iter()
            .flatten()
            .filter(|n| n.change == crate::notices::NoticeChange::Added)
            .count();
        if added > 0 {
            flags.push_str(&format!(
                " [notice{}]",
                if added == 1 {
                    String::new()
                } else {
                    format!("s: {added}")
                }
            ));
        }
        // What acknowledged the edit, so "not stealth" says why.
        if let Some(e) = &r.stealth_evidence
            && !e.changed().is_empty()
        {
            flags.push_str(&format!(" [acknowledged: {}]", e.changed().join(", ")));
        }
        if r.cosmetic {
            flags.push_str(" [cosmetic]");
        }
        if r.revert_of.is_some() {
            flags.push_str(" [revert]");
        }
        if r.simplified.is_some() {
            flags.push_str(" [simplified diff]");
        }
        let prefix = format!(
            "{}  {:<12} {:<6} {:<7}",
            time(r.created_at),
            clip(&r.feed, 12),
            ids::article(r.article_id),
            versions
        );
        let title = clip(r.title.as_deref().unwrap_or(&r.url), 70);
        if r.claims.is_empty() {
            let what = if r.kind == "unpublished" {
                "unpublished".to_string()
            } else {
                format!(
                    "edit: {} edited, {} added, {} removed{}",
                    r.sentences_edited,
                    r.sentences_added,
                    r.sentences_removed,
                    if r.fields.iter().any(|f| f == "title") {
                        ", title"
                    } else {
                        ""
                    }
                )
            };
            writeln!(out, "{prefix} {what}{flags}  {title}")?;
        }
        for c in &r.claims {
            writeln!(
                out,
                "{prefix} {:<19} {}{} → {}{flags}  {title}",
                c.kind,
                // A headline claim and the same figure in the body would read alike.
                if c.field == "title" { "title: " } else { "" },
                clip(c.before.as_deref().unwrap_or("—"), 40),
                clip(c.after.as_deref().unwrap_or("—"), 40),
            )?;
        }
        for n in r.notices.iter().flatten() {
            let change = match n.change {
                crate::notices::NoticeChange::Added => "notice added",
                crate::notices::NoticeChange::Removed => "notice removed",
            };
            writeln!(out, "{prefix} {change:<19} {}", clip(&n.text, 100))?;
        }
    }
    if more {
        writeln!(out, "{}", o.page.next_hint(rows.len()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// 2: records carry `ref`s, times named `_at`, change fields named as in `redline.change`
/// (docs/JSON.md).
const EXPORT_SCHEMA_VERSION: u32 = 2;

#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ExportRecord<'a> {
    Version {
        schema_version: u32,
        #[serde(rename = "ref")]
        reference: String,
        article_id: i64,
        article_ref: String,
        feed_id: i64,
        feed_ref: String,
        feed: &'a str,
        seq: i64,
        fetched_at: String,
        source: &'a str,
        url: &'a str,
        title: &'a str,
        byline: Option<&'a str>,
        published: Option<String>,
        modified: Option<String>,
        cosmetic: bool,
        revert_of: Option<i64>,
        body: &'a str,
    },
    Change {
        schema_version: u32,
        #[serde(flatten)]
        change: super::json::ChangeJson<'a>,
    },
}

pub fn export(env: &Env, format: ExportFormat, since: Option<&str>) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let cutoff = since_cutoff(since)?.unwrap_or(i64::MIN);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == ExportFormat::Csv {
        writeln!(
            out,
            "record,article_id,feed,url,seq,from_seq,to_seq,time,title,kind,before,after,before_sentence,after_sentence,cosmetic,stealth,body,silent"
        )?;
    }
    // One article's versions in memory at a time: an archive of years does not fit at once.
    let all = articles::ArticleFilter {
        limit: -1,
        ..Default::default()
    };
    let list = store.read(|c| articles::list(c, &all))?;
    for article in &list {
        let feed = &article.feed;
        let versions = store.read(|c| articles::versions(c, article.id))?;
        for v in versions.iter().filter(|v| v.fetched_at >= cutoff) {
            match format {
                ExportFormat::Jsonl => {
                    serde_json::to_writer(
                        &mut out,
                        &ExportRecord::Version {
                            schema_version: EXPORT_SCHEMA_VERSION,
                            reference: ids::version(v.article_id, v.seq),
                            article_id: v.article_id,
                            article_ref: ids::article(v.article_id),
                            feed_id: article.feed_id,
                            feed_ref: ids::feed(article.feed_id),
                            feed,
                            seq: v.seq,
                            fetched_at: rfc3339(v.fetched_at),
                            source: &v.source,
                            url: &v.url,
                            title: &v.title,
                            byline: v.byline.as_deref(),
                            published: v.published.as_deref().map(super::json::utc_stamp),
                            modified: v.modified.as_deref().map(super::json::utc_stamp),
                            cosmetic: v.cosmetic,
                            revert_of: v.revert_of,
                            body: &v.body,
                        },
                    )?;
                    writeln!(out)?;
                }
                ExportFormat::Csv => csv_row(
                    &mut out,
                    &[
                        "version",
                        &v.article_id.to_string(),
                        feed,
                        &v.url,
                        &v.seq.to_string(),
                        "",
                        "",
                        &rfc3339(v.fetched_at),
                        &v.title,
                        "",
                        "",
                        "",
                        "",
                        "",
                        &v.cosmetic.to_string(),
                        "",
                        &v.body,
                        "",
                    ],
                )?,
            }
        }
    }
    let filter = ChangeFilter {
        since: (cutoff != i64::MIN).then_some(cutoff),
        ..ChangeFilter::default()
    };
    let mut changes = store.read(|c| changes::list(c, &filter))?;
    changes.reverse(); // oldest first, like the versions
    for ch in &changes {
        match format {
            ExportFormat::Jsonl => {
                serde_json::to_writer(
                    &mut out,
                    &ExportRecord::Change {
                        schema_version: EXPORT_SCHEMA_VERSION,
                        change: ch.into(),
                    },
                )?;
                writeln!(out)?;
            }
            ExportFormat::Csv => {
                let base =
                    |kind: &str, before: &str, after: &str, bs: &str, as_: &str, record: &str| {
                        [
                            record.to_string(),
                            ch.article_id.to_string(),
                            ch.feed.clone(),
                            ch.url.clone(),
                            String::new(),
                            ch.from_seq.map(|s| s.to_string()).unwrap_or_default(),
                            ch.to_seq.map(|s| s.to_string()).unwrap_or_default(),
                            rfc3339(ch.created_at),
                            ch.title.clone().unwrap_or_default(),
                            kind.to_string(),
                            before.to_string(),
                            after.to_string(),
                            bs.to_string(),
                            as_.to_string(),
                            ch.cosmetic.to_string(),
                            ch.stealth.to_string(),
                            String::new(),
                            ch.silent.map(|s| s.to_string()).unwrap_or_default(),
                        ]
                    };
                let row = base(&ch.kind, "", "", "", "", "change");
                csv_row(
                    &mut out,
                    &row.iter().map(String::as_str).collect::<Vec<_>>(),
                )?;
                // A notice is a record of its own: kind added/removed, its text in
                // before (removed) or after (added).
                for n in ch.notices.iter().flatten() {
                    let (kind, before, after) = match n.change {
                        crate::notices::NoticeChange::Added => ("added", "", n.text.as_str()),
                        crate::notices::NoticeChange::Removed => ("removed", n.text.as_str(), ""),
                    };
                    let row = base(kind, before, after, "", "", "notice");
                    csv_row(
                        &mut out,
                        &row.iter().map(String::as_str).collect::<Vec<_>>(),
                    )?;
                }
                for c in &ch.claims {
                    let row = base(
                        &c.kind,
                        c.before.as_deref().unwrap_or(""),
                        c.after.as_deref().unwrap_or(""),
                        c.before_sentence.as_deref().unwrap_or(""),
                        c.after_sentence.as_deref().unwrap_or(""),
                        "claim",
                    );
                    csv_row(
                        &mut out,
                        &row.iter().map(String::as_str).collect::<Vec<_>>(),
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// RFC 4180: quote every field that needs it, double inner quotes.
fn csv_row(out: &mut impl Write, fields: &[&str]) -> std::io::Result<()> {
    let line: Vec<String> = fields
        .iter()
        .map(|f| {
            let f = crate::text_safety::strip_bidi(f);
            let f = crate::text_safety::csv_safe_cell(&f);
            let f = f.as_ref();
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_string()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
}

pub fn reprocess(env: &Env) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let indexed = crate::store::search::backfill(&store, || false)?;
    if indexed > 0 {
        outln!("indexed {indexed} articles for search");
    }
    let edits = store.read(changes::all_edits)?;
    let mut updated = 0usize;
    for (change_id, article_id, from, to) in &edits {
        let changed = store.write(|tx| {
            let (Some(old), Some(new)) = (
                articles::version(tx, *article_id, *from)?,
                articles::version(tx, *article_id, *to)?,
            ) else {
                return Ok(false);
            };
            let a = analyze((&old).into(), (&new).into(), new.cosmetic);
            changes::update_computed(tx, *change_id, &a.change)?;
            Ok(true)
        })?;
        updated += usize::from(changed);
    }
    outln!("recomputed {updated} of {} change records", edits.len());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::csv_row;

    // See: #10 item 6: a title starting with `=` ran as a formula in a spreadsheet.
    #[test]
    fn csv_cells_cannot_be_formulas_or_carry_bidi_controls() {
        let mut out = Vec::new();
        csv_row(
            &mut out,
            &[
                "=HYPERLINK(\"http://x.example\",\"click\")",
                "-3+4",
                "Budget \u{202E}cut",
            ],
        )
        .expect("write");
        let line = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            line,
            "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\",'-3+4,Budget cut\n"
        );
    }
}
