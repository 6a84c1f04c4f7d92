//! `watch [URL] [--name N]`: one article page tracked without a feed, and the list of them.

use std::process::ExitCode;

use anyhow::bail;

use super::Env;
use super::check::check_target;
use super::output::{clip, outln, print_json, rfc3339, sanitize, time};
use crate::config::{self, validate_feed_name};
use crate::fetch::HttpClient;
use crate::ids;
use crate::store::{articles, feeds, unix_now};

pub fn run(
    env: &Env,
    url: Option<&str>,
    name: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match url {
        Some(url) => watch(env, url, name),
        None => list(env, json),
    }
}

fn watch(env: &Env, raw: &str, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let url = config::parse_feed_url(raw).map_err(anyhow::Error::msg)?;
    if let Some(name) = name {
        validate_feed_name(name).map_err(anyhow::Error::msg)?;
    }
    // One URL, one article: a page a feed already lists would be fetched, versioned and
    // alerted twice (see ARCHITECTURE, watched pages).
    let store = env.open_store()?;
    if let Some((a, f)) = store.read(|c| {
        let Some(a) = articles::tracked_elsewhere(c, url.as_str(), None, false)? else {
            return Ok(None);
        };
        Ok(feeds::get(c, a.feed_id)?.map(|f| (a, f)))
    })? {
        if f.is_page() {
            bail!(
                "{} is already watched as {} ({})",
                sanitize(url.as_str()),
                ids::article(a.id),
                ids::feed(f.id)
            );
        }
        bail!(
            "{} is already tracked as {} in feed {} ({}): `redline versions {}` shows its history",
            sanitize(url.as_str()),
            ids::article(a.id),
            sanitize(&f.label()),
            ids::feed(f.id),
            ids::article(a.id)
        );
    }
    // The same fetch and extraction a check does, under the same address rules
    // (`http.allow_private_networks`): a page redline cannot read is refused now, not
    // discovered failing later.
    let http = HttpClient::new(&env.config.http)?;
    let rt = super::runtime()?;
    let report = rt.block_on(check_target(&http, url.as_str(), None, false));
    if let Some(e) = &report.error {
        bail!("cannot watch {}: {}", sanitize(url.as_str()), sanitize(e));
    }
    if report.is_feed() && !report.is_html() {
        bail!(
            "{} is a feed, not an article page: add it with `redline feeds add {}`",
            sanitize(url.as_str()),
            sanitize(url.as_str())
        );
    }
    let Some(page) = report.page.as_ref().filter(|p| !p.paragraphs.is_empty()) else {
        bail!(
            "{} has no article text redline can extract (`redline check --page {}` shows what it sees)",
            sanitize(url.as_str()),
            sanitize(url.as_str())
        );
    };
    let f = store.write(|tx| feeds::add_page(tx, url.as_str(), name, unix_now()))?;
    outln!(
        "watching {} ({}): \"{}\", {} paragraphs; first version at the next `redline poll` or `run`",
        f.label(),
        sanitize(&f.url),
        clip(page.title.as_deref().unwrap_or("untitled"), 80),
        page.paragraphs.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct WatchedPage {
    id: i64,
    /// The page's feed (`f7`): a watched page is a feed of its own kind.
    #[serde(rename = "ref")]
    reference: String,
    /// Its one article (`a42`: what `versions`, `show` and `diff` take); null before the
    /// first check stored it.
    article_id: Option<i64>,
    article_ref: Option<String>,
    name: Option<String>,
    url: String,
    title: Option<String>,
    versions: i64,
    last_ok_at: Option<String>,
    next_check_at: Option<String>,
    last_error: Option<String>,
}

fn list(env: &Env, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store()?;
    let rows: Vec<WatchedPage> = store.read(|c| {
        let mut out = Vec::new();
        for f in feeds::list(c)?.into_iter().filter(|f| f.is_page()) {
            let (_, versions) = feeds::counts(c, f.id)?;
            let (article_id, title, next): (Option<i64>, Option<String>, Option<i64>) = c.query_row(
                "SELECT a.id, (SELECT v.title FROM versions v WHERE v.article_id = a.id ORDER BY v.seq DESC LIMIT 1), \
                 a.next_check_at FROM articles a WHERE a.feed_id = ?1 ORDER BY a.id LIMIT 1",
                [f.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            ).unwrap_or((None, None, None));
            out.push(WatchedPage {
                id: f.id,
                reference: crate::ids::feed(f.id),
                article_id,
                article_ref: article_id.map(crate::ids::article),
                name: f.name,
                url: f.url,
                title,
                versions,
                last_ok_at: f.last_ok_at.map(rfc3339),
                next_check_at: next.map(rfc3339),
                last_error: f.last_error.filter(|_| f.error_streak > 0),
            });
        }
        Ok(out)
    })?;
    if json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        outln!("no watched pages: `redline watch URL` tracks one article page without a feed");
        return Ok(ExitCode::SUCCESS);
    }
    // Both ids, typed: `versions`/`diff` take the article, `feeds edit`/`remove` the feed.
    outln!(
        "{:<6} {:<7} {:<18} {:>8}  {:<16}  {:<16}  TITLE / URL",
        "PAGE",
        "ARTICLE",
        "NAME",
        "VERSIONS",
        "LAST OK",
        "NEXT CHECK"
    );
    for p in rows {
        outln!(
            "{:<6} {:<7} {:<18} {:>8}  {:<16}  {:<16}  {}\n      {}{}",
            ids::feed(p.id),
            p.article_id.map(ids::article).unwrap_or_else(|| "-".into()),
            clip(p.name.as_deref().unwrap_or("-"), 18),
            p.versions,
            p.last_ok_at
                .as_deref()
                .map(short)
                .unwrap_or_else(|| "never".into()),
            p.next_check_at
                .as_deref()
                .map(short)
                .unwrap_or_else(|| "-".into()),
            clip(p.title.as_deref().unwrap_or("(not checked yet)"), 70),
            sanitize(&p.url),
            match &p.last_error {
                Some(e) => format!("\n      error: {}", clip(e, 120)),
                None => String::new(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// "2026-11-03T09:00:00Z" as the listings show times.
fn short(rfc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|t| time(t.timestamp()))
        .unwrap_or_else(|_| rfc.to_string())
}
