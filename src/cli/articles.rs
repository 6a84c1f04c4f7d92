//! `articles`, `versions`, `show`.

use std::process::ExitCode;

use anyhow::Context;

use super::Env;
use super::output::{Page, clip, outln, print_json, sanitize, time};
use crate::ids;
use crate::store::articles::{self, ArticleFilter, ArticleRow};
use crate::store::{Store, feeds, search};

/// Resolves what a user typed (id or URL) to an article.
pub fn find_article(store: &Store, key: &str) -> anyhow::Result<ArticleRow> {
    store.read(|c| articles::find(c, key))?.with_context(|| {
        let k = key.trim();
        // `f1` is a feed id (as every listing prints it), never an article's URL or guid.
        match ids::parse_feed(k).filter(|_| k.starts_with(['f', 'F'])) {
            Some(id) => format!(
                "{0} is a feed, not an article; `redline articles --feed {0}` lists its articles",
                ids::feed(id)
            ),
            None => format!("no article `{}` (see `redline articles`)", sanitize(key)),
        }
    })
}

/// Resolves what a user typed (name, id or URL) to a feed.
pub fn find_feed(store: &Store, key: &str) -> anyhow::Result<feeds::FeedRow> {
    store.read(|c| feeds::find(c, key))?.with_context(|| {
        let k = key.trim();
        // No feed took `a42` as its name: it is an article id (a bare `42` is a feed id here).
        match ids::parse_article(k).filter(|_| k.starts_with(['a', 'A'])) {
            Some((id, _)) => format!(
                "{0} is an article, not a feed; `redline versions {0}` lists its versions and `redline feeds list` the feeds",
                ids::article(id)
            ),
            None => format!("no feed `{}` (see `redline feeds list`)", sanitize(key)),
        }
    })
}

/// Articles listed per page when `--limit` is not given.
pub const DEFAULT_ARTICLES: i64 = 50;

pub fn list(
    env: &Env,
    feed: Option<&str>,
    changed: bool,
    search: Option<String>,
    page: Page,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let feed_id = match feed {
        Some(key) => Some(find_feed(&store, key)?.id),
        None => None,
    };
    let limit = page.limit_or(DEFAULT_ARTICLES);
    let searching = search.is_some();
    let filter = ArticleFilter {
        feed_id,
        changed_only: changed,
        search,
        offset: page.offset,
        // One more than shown, to know whether there is a next page.
        limit: limit.saturating_add(1),
        ..Default::default()
    };
    let mut rows = store.read(|c| articles::list(c, &filter))?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if searching {
        let left = store.read(search::backfill_remaining)?;
        if left > 0 {
            crate::errln!(
                "note: {left} older articles are not in the search index yet; `redline run`, `poll` or `reprocess` indexes them"
            );
        }
    }
    if json {
        let out: Vec<super::json::ArticleJson> = rows.iter().map(Into::into).collect();
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        if searching {
            outln!("no articles match");
        } else if page.offset > 0 {
            outln!("no articles past --offset {}", page.offset);
        } else if changed {
            outln!("no changed articles yet");
        } else {
            outln!("no articles yet: run `redline poll`");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if changed {
        outln!(
            "{:>7}  {:<14} {:>3} {:>7} {:>6}  {:<16}  TITLE",
            "ARTICLE",
            "FEED",
            "VER",
            "CHANGES",
            "CLAIMS",
            "LAST EDITED"
        );
    } else {
        outln!(
            "{:>7}  {:<14} {:>3}  {:<16}  TITLE",
            "ARTICLE",
            "FEED",
            "VER",
            "LAST SEEN"
        );
    }
    let shown = rows.len();
    for a in rows {
        let status = if a.status == "live" {
            String::new()
        } else {
            format!(" [{}]", a.status)
        };
        let title = clip(a.title.as_deref().unwrap_or(&a.url), 90);
        // Words the article no longer has would look like a wrong hit without this.
        let status = match a.matched_seq {
            Some(seq) if !a.matched_latest => {
                format!("{status}  · matched v{seq} (text since changed)")
            }
            _ => status,
        };
        if changed {
            outln!(
                "{:>7}  {:<14} {:>3} {:>7} {:>6}  {:<16}  {title}{status}",
                ids::article(a.id),
                clip(&a.feed, 14),
                a.versions,
                a.changes,
                a.claim_changes,
                a.last_change_at.map(time).unwrap_or_else(|| "-".into()),
            );
        } else {
            outln!(
                "{:>7}  {:<14} {:>3}  {:<16}  {title}{status}",
                ids::article(a.id),
                clip(&a.feed, 14),
                a.versions,
                time(a.last_seen),
            );
        }
    }
    if more {
        outln!("{}", page.next_hint(shown));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn versions(env: &Env, key: &str, page: Page, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let article = find_article(&store, key)?;
    let all = store.read(|c| articles::versions(c, article.id))?;
    let total = all.len();
    let versions = page.slice(all, None);
    let archived: std::collections::HashMap<i64, String> = store
        .read(|c| crate::store::archives::for_article(c, article.id))?
        .into_iter()
        .filter_map(|(seq, a)| a.capture_url.map(|u| (seq, u)))
        .collect();
    if json {
        let out: Vec<super::json::VersionJson> = versions
            .iter()
            .map(|v| super::json::VersionJson {
                archive: archived.get(&v.seq).cloned(),
                ..v.into()
            })
            .collect();
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "article {} {}",
        ids::article(article.id),
        sanitize(&article.url)
    );
    let shown = versions.len();
    for v in versions {
        let mut flags = Vec::new();
        if v.cosmetic {
            flags.push("cosmetic".to_string());
        }
        if let Some(r) = v.revert_of {
            flags.push(format!("revert of v{r}"));
        }
        outln!(
            "  {:<8} {}  {:>6} chars  {}{}",
            ids::version(v.article_id, v.seq),
            time(v.fetched_at),
            v.body_chars,
            clip(&v.title, 80),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        );
        if let Some(a) = archived.get(&v.seq) {
            outln!("           archived {}", sanitize(a));
        }
    }
    if (page.offset as usize).saturating_add(shown) < total {
        outln!("{}", page.next_hint(shown));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(env: &Env, key: &str, seq: Option<i64>, json: bool) -> anyhow::Result<ExitCode> {
    let store = env.open_store_read_only()?;
    let article = find_article(&store, key)?;
    let seq = match (seq, ids::parse_article(key).and_then(|(_, v)| v)) {
        (Some(s), Some(v)) if s != v => {
            anyhow::bail!("`{key}` names version {v} but --version says {s}; give one of them")
        }
        (s, v) => s.or(v),
    };
    let version = match seq {
        Some(n) => store.read(|c| articles::version(c, article.id, n))?,
        None => store.read(|c| articles::latest_version(c, article.id))?,
    }
    .with_context(|| match seq {
        Some(n) => format!("article {} has no version {n}", ids::article(article.id)),
        None => format!(
            "article {} has no stored version yet",
            ids::article(article.id)
        ),
    })?;
    let archived = store
        .read(|c| crate::store::archives::get(c, version.id))?
        .and_then(|a| a.capture_url);
    if json {
        let mut detail = super::json::VersionDetail::from(&version);
        detail.version.archive = archived;
        print_json(&detail)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}", sanitize(&version.title));
    if let Some(b) = &version.byline {
        outln!("By {}", sanitize(b));
    }
    outln!("{}", sanitize(&version.url));
    outln!(
        "version {} ({}), fetched {}{}{}",
        version.seq,
        ids::version(article.id, version.seq),
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
    if let Some(a) = &archived {
        outln!("archived {}", sanitize(a));
    }
    outln!();
    outln!("{}", sanitize(&version.body));
    Ok(ExitCode::SUCCESS)
}
