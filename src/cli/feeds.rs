//! `feeds add|list|remove|import|export`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use quick_xml::events::Event;

use url::Url;

use super::check::{CheckReport, check_target};
use super::output::{clip, outln, print_json, rfc3339, sanitize, time};
use super::{Env, FeedAddArgs, FeedsCommand};
use crate::alert::atom::escape as escape_xml;
use crate::config::{self, format_duration, parse_duration, validate_feed_name};
use crate::fetch::HttpClient;
use crate::store::{Store, feeds, unix_now};

pub fn run(env: &Env, cmd: FeedsCommand) -> anyhow::Result<ExitCode> {
    // Only `feeds sync` (and `run`) write the config's feeds; listings read what is stored and
    // say when the config differs. See: #12.
    match cmd {
        FeedsCommand::Sync { restore_removed } => super::config_sync::sync(env, restore_removed),
        FeedsCommand::List { json } => {
            let store = env.open_store_read_only()?;
            if !json {
                outln!("config {}", sanitize(&env.config_origin.describe()));
            }
            super::config_sync::print_hint(env, &store)?;
            list(&store, json)
        }
        FeedsCommand::Export => export(&env.open_store_read_only()?),
        FeedsCommand::Add(args) => add(env, &env.open_store()?, &args),
        FeedsCommand::Remove { feed } => remove(env, &env.open_store()?, &feed),
        FeedsCommand::Import { file, full_text } => import(&env.open_store()?, &file, full_text),
    }
}

/// Deletes a feed and its history; one the config lists gets a tombstone so that the next
/// config sync does not add it back.
fn remove(env: &Env, store: &Store, key: &str) -> anyhow::Result<ExitCode> {
    let f = store
        .read(|c| feeds::find(c, key))?
        .with_context(|| format!("no feed `{key}`"))?;
    let listed = env.config.feeds.iter().any(|c| c.url.as_str() == f.url);
    let tombstone = listed || f.source == "config";
    store.write(|tx| feeds::remove(tx, &f, tombstone, unix_now()))?;
    outln!(
        "removed feed {} ({}) and its history",
        sanitize(&f.label()),
        sanitize(&f.url)
    );
    if tombstone {
        outln!(
            "the config lists it: it stays removed, and `redline feeds sync` will not add it back \
             (`redline feeds add {}` or `redline feeds sync --restore-removed` does)",
            sanitize(&f.url)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn add(env: &Env, store: &Store, args: &FeedAddArgs) -> anyhow::Result<ExitCode> {
    let mut url = config::parse_feed_url(&args.url).map_err(anyhow::Error::msg)?;
    if let Some(name) = &args.name {
        validate_feed_name(name).map_err(anyhow::Error::msg)?;
    }
    let interval = args
        .interval
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|m| anyhow::anyhow!("--interval: {m}"))?;
    if !args.force {
        let (feed_url, report) = check_before_adding(env, &url)?;
        if feed_url != url {
            outln!(
                "{} is an HTML page; it names the feed {}",
                sanitize(url.as_str()),
                sanitize(feed_url.as_str())
            );
            url = feed_url;
        }
        outln!(
            "checked: {} ({}), {} entries",
            sanitize(report.feed.title.as_deref().unwrap_or("untitled")),
            sanitize(report.format.as_deref().unwrap_or("?")),
            report.entries.len()
        );
    }
    let f = store.write(|tx| {
        feeds::add(
            tx,
            url.as_str(),
            args.name.as_deref(),
            interval,
            args.full_text,
            unix_now(),
        )
    })?;
    outln!(
        "added feed {} ({}){}",
        f.label(),
        f.url,
        if f.full_text { ", full text" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `check` on `url`; for an HTML page, on the feeds it names. Returns the URL to add.
fn check_before_adding(env: &Env, url: &Url) -> anyhow::Result<(Url, CheckReport)> {
    let http = HttpClient::new(&env.config.http)?;
    let rt = super::runtime()?;
    let report = rt.block_on(check_target(&http, url.as_str(), None, false));
    let refuse = |why: String| anyhow::anyhow!("{why}; use --force to add it anyway");
    if report.is_html() {
        if report.feeds_found.is_empty() {
            bail!(refuse(format!(
                "{url} is an HTML page, not a feed, and it names no feed (<link rel=\"alternate\" type=\"application/rss+xml\"> or atom+xml or feed+json)"
            )));
        }
        let mut failures = Vec::new();
        for found in &report.feeds_found {
            let Ok(candidate) = config::parse_feed_url(found) else {
                failures.push(format!("{found}: not an http(s) URL"));
                continue;
            };
            let r = rt.block_on(check_target(&http, candidate.as_str(), None, false));
            match usable(&r) {
                Ok(()) => return Ok((candidate, r)),
                Err(why) => failures.push(why),
            }
        }
        bail!(refuse(format!(
            "{url} is an HTML page, and no feed it names can be used: {}",
            failures.join("; ")
        )));
    }
    usable(&report).map_err(refuse)?;
    Ok((url.clone(), report))
}

/// Why a checked document cannot be added as a feed, if it cannot.
fn usable(r: &CheckReport) -> Result<(), String> {
    if let Some(e) = &r.error {
        // Fetch errors already name the URL.
        return Err(if e.starts_with(&r.url) {
            e.clone()
        } else {
            format!("{}: {e}", r.url)
        });
    }
    if !r.is_feed() {
        return Err(format!("{} is an HTML page, not a feed", r.url));
    }
    if r.entries.is_empty() {
        return Err(format!("{} is a feed with no entries", r.url));
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct FeedListing {
    id: i64,
    name: Option<String>,
    url: String,
    title: Option<String>,
    source: String,
    active: bool,
    full_text: bool,
    interval: String,
    articles: i64,
    versions: i64,
    last_ok_at: Option<String>,
    next_poll_at: Option<String>,
    error_streak: i64,
    last_error: Option<String>,
    /// Polled, but only ever answered 304: nothing of it was read.
    no_content_yet: bool,
}

fn list(store: &Store, json: bool) -> anyhow::Result<ExitCode> {
    let rows = store.read(|c| {
        feeds::list(c)?
            .into_iter()
            .map(|f| {
                let (articles, versions) = feeds::counts(c, f.id)?;
                Ok((f, articles, versions))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    if json {
        let out: Vec<FeedListing> = rows
            .into_iter()
            .map(|(f, articles, versions)| FeedListing {
                no_content_yet: f.never_read(),
                interval: f
                    .interval()
                    .map(format_duration)
                    .unwrap_or_else(|| "default".into()),
                id: f.id,
                name: f.name,
                url: f.url,
                title: f.title,
                source: f.source,
                active: f.active,
                full_text: f.full_text,
                articles,
                versions,
                last_ok_at: f.last_ok_at.map(rfc3339),
                next_poll_at: f.next_poll_at.map(rfc3339),
                error_streak: f.error_streak,
                last_error: f.last_error,
            })
            .collect();
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        outln!("no feeds: add [[feed]] entries to the config or run `redline feeds add URL`");
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>4}  {:<18} {:<8} {:>8} {:>8}  {:<16}  URL",
        "ID",
        "NAME",
        "SOURCE",
        "ARTICLES",
        "VERSIONS",
        "LAST OK"
    );
    for (f, articles, versions) in rows {
        let source = if f.active {
            f.source.clone()
        } else {
            format!("{} (removed)", f.source)
        };
        outln!(
            "{:>4}  {:<18} {:<8} {:>8} {:>8}  {:<16}  {}{}",
            f.id,
            clip(f.name.as_deref().unwrap_or("-"), 18),
            source,
            articles,
            versions,
            f.last_ok_at.map(time).unwrap_or_else(|| "never".into()),
            sanitize(&f.url),
            match &f.last_error {
                Some(e) if f.error_streak > 0 =>
                    format!("\n      error ({}x): {}", f.error_streak, clip(e, 120)),
                _ if f.never_read() => format!("\n      {}", super::status::NO_CONTENT),
                _ => String::new(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Feeds listed in an OPML document: (xmlUrl, title).
pub fn parse_opml(xml: &str) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().context("malformed OPML")? {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "outline" => {
                let mut url = None;
                let mut title = None;
                for attr in e.attributes().flatten() {
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::default())
                        .context("malformed OPML attribute")?
                        .to_string();
                    match attr.key.as_ref() {
                        "xmlUrl" => url = Some(value),
                        "title" => title = Some(value),
                        "text" if title.is_none() => title = Some(value),
                        _ => {}
                    }
                }
                if let Some(u) = url {
                    out.push((u, title));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn import(store: &Store, file: &std::path::Path, full_text: bool) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let outlines = parse_opml(&text)?;
    if outlines.is_empty() {
        bail!("{}: no <outline xmlUrl=...> entries found", file.display());
    }
    let (mut added, mut skipped) = (0, 0);
    for (url, title) in outlines {
        let parsed = match config::parse_feed_url(&url) {
            Ok(u) => u,
            Err(m) => {
                crate::errln!("skipped: {}", sanitize(&m));
                skipped += 1;
                continue;
            }
        };
        match store.write(|tx| feeds::add(tx, parsed.as_str(), None, None, full_text, unix_now())) {
            Ok(f) => {
                outln!(
                    "added {} {}",
                    f.id,
                    sanitize(title.as_deref().unwrap_or(&f.url))
                );
                added += 1;
            }
            Err(e) => {
                crate::errln!("skipped {}: {}", sanitize(&url), sanitize(&e.to_string()));
                skipped += 1;
            }
        }
    }
    outln!("imported {added} feeds, skipped {skipped}");
    Ok(ExitCode::SUCCESS)
}

fn export(store: &Store) -> anyhow::Result<ExitCode> {
    let feeds = store.read(feeds::active)?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head><title>redline feeds</title></head>\n  <body>\n",
    );
    for f in feeds {
        let title = f
            .title
            .clone()
            .or_else(|| f.name.clone())
            .unwrap_or_else(|| f.url.clone());
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{u}\"/>\n",
            t = escape_xml(&title),
            u = escape_xml(&f.url)
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    outln!("{}", out.trim_end());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opml_outlines_are_read_including_nested() {
        let xml = r#"<?xml version="1.0"?><opml version="2.0"><body>
<outline text="World"><outline text="Wire &amp; Co" xmlUrl="https://wire.example.com/rss"/></outline>
<outline text="no feed here"/></body></opml>"#;
        let v = parse_opml(xml).expect("parses");
        assert_eq!(
            v,
            vec![(
                "https://wire.example.com/rss".to_string(),
                Some("Wire & Co".to_string())
            )]
        );
    }
}
