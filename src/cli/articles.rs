//! `articles`, `versions`, `show`.

use std::process::ExitCode;

use anyhow::Context;

use super::Env;
use super::output::{clip, outln, print_json, rfc3339, sanitize, time};
use crate::store::articles::{self, ArticleRow};
use crate::store::{Store, feeds};

/// Resolves what a user typed (id or URL) to an article.
pub fn find_article(store: &Store, key: &str) -> anyhow::Result<ArticleRow> {
    store
        .read(|c| articles::find(c, key))?
        .with_context(|| format!("no article `{key}` (see `redline articles`)"))
}

pub fn list(
    env: &Env,
    feed: Option<&str>,
    changed: bool,
    limit: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let feed_id = match feed {
        Some(key) => Some(
            store
                .read(|c| feeds::find(c, key))?
                .with_context(|| format!("no feed `{key}`"))?
                .id,
        ),
        None => None,
    };
    let rows = store.read(|c| articles::list(c, feed_id, changed, limit))?;
    if json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        outln!("no articles yet: run `redline poll`");
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>6}  {:<14} {:>3}  {:<16}  TITLE",
        "ID",
        "FEED",
        "VER",
        "LAST SEEN"
    );
    for a in rows {
        let status = if a.status == "live" {
            String::new()
        } else {
            format!(" [{}]", a.status)
        };
        outln!(
            "{:>6}  {:<14} {:>3}  {:<16}  {}{status}",
            a.id,
            clip(&a.feed, 14),
            a.versions,
            time(a.last_seen),
            clip(a.title.as_deref().unwrap_or(&a.url), 90)
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct VersionListing {
    seq: i64,
    fetched_at: String,
    source: String,
    title: String,
    byline: Option<String>,
    published: Option<String>,
    modified: Option<String>,
    chars: i64,
    cosmetic: bool,
    revert_of: Option<i64>,
}

pub fn versions(env: &Env, key: &str, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let article = find_article(&store, key)?;
    let versions = store.read(|c| articles::versions(c, article.id))?;
    if json {
        let out: Vec<VersionListing> = versions
            .into_iter()
            .map(|v| VersionListing {
                seq: v.seq,
                fetched_at: rfc3339(v.fetched_at),
                source: v.source,
                title: v.title,
                byline: v.byline,
                published: v.published,
                modified: v.modified,
                chars: v.body_chars,
                cosmetic: v.cosmetic,
                revert_of: v.revert_of,
            })
            .collect();
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("article {} {}", article.id, sanitize(&article.url));
    for v in versions {
        let mut flags = Vec::new();
        if v.cosmetic {
            flags.push("cosmetic".to_string());
        }
        if let Some(r) = v.revert_of {
            flags.push(format!("revert of v{r}"));
        }
        outln!(
            "  v{:<3} {}  {:>6} chars  {}{}",
            v.seq,
            time(v.fetched_at),
            v.body_chars,
            clip(&v.title, 80),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(env: &Env, key: &str, seq: Option<i64>, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let article = find_article(&store, key)?;
    let version = match seq {
        Some(n) => store.read(|c| articles::version(c, article.id, n))?,
        None => store.read(|c| articles::latest_version(c, article.id))?,
    }
    .with_context(|| match seq {
        Some(n) => format!("article {} has no version {n}", article.id),
        None => format!("article {} has no stored version yet", article.id),
    })?;
    if json {
        print_json(&version)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}", sanitize(&version.title));
    if let Some(b) = &version.byline {
        outln!("By {}", sanitize(b));
    }
    outln!("{}", sanitize(&version.url));
    outln!(
        "version {} of article {}, fetched {}{}{}",
        version.seq,
        article.id,
        time(version.fetched_at),
        version
            .published
            .as_deref()
            .map(|p| format!(", published {}", sanitize(p)))
            .unwrap_or_default(),
        version
            .modified
            .as_deref()
            .map(|p| format!(", modified {}", sanitize(p)))
            .unwrap_or_default(),
    );
    outln!();
    outln!("{}", sanitize(&version.body));
    Ok(ExitCode::SUCCESS)
}
