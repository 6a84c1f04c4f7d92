//! `feeds add|list|remove|import|export`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use quick_xml::events::Event;

use url::Url;

use super::check::{CheckReport, check_target};
use super::output::{Page, clip, outln, print_json, rfc3339, sanitize, time};
use super::{Env, FeedAddArgs, FeedsCommand};
use crate::alert::atom::escape as escape_xml;
use crate::config::{self, format_duration, parse_duration, validate_feed_name};
use crate::fetch::HttpClient;
use crate::ids;
use crate::store::{Store, StoreError, feeds, unix_now};

pub fn run(env: &Env, cmd: FeedsCommand) -> anyhow::Result<ExitCode> {
    // Only `feeds sync` (and `run`) write the config's feeds; listings read what is stored and
    // say when the config differs. See: #12.
    match cmd {
        FeedsCommand::Sync { restore_removed } => super::config_sync::sync(env, restore_removed),
        FeedsCommand::List { page, json } => {
            let store = env.open_store_read_only()?;
            if !json {
                outln!("config {}", sanitize(&env.config_origin.describe()));
            }
            super::config_sync::print_hint(env, &store)?;
            list(env, &store, page, json)
        }
        FeedsCommand::Edit(args) => edit(env, &env.open_store()?, &args),
        FeedsCommand::Export => export(&env.open_store_read_only()?),
        FeedsCommand::Add(args) => add(env, &env.open_store()?, &args),
        FeedsCommand::Remove { feed } => remove(env, &env.open_store()?, &feed),
        FeedsCommand::Import { file, full_text } => import(&env.open_store()?, &file, full_text),
    }
}

/// Deletes a feed and its history; one the config lists gets a tombstone so that the next
/// config sync does not add it back.
fn remove(env: &Env, store: &Store, key: &str) -> anyhow::Result<ExitCode> {
    let f = super::articles::find_feed(store, key)?;
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
    /// `f7`, as the text listing prints it and every command accepts.
    #[serde(rename = "ref")]
    reference: String,
    name: Option<String>,
    url: String,
    title: Option<String>,
    source: String,
    /// `feed`, or `page` for a page watched with `redline watch`.
    kind: String,
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
    /// Paused with `feeds edit --pause`: not polled until `--resume`.
    paused: bool,
    tags: Vec<String>,
}

fn list(env: &Env, store: &Store, page: Page, json: bool) -> anyhow::Result<ExitCode> {
    let all = store.read(feeds::list)?;
    let total = all.len();
    let rows = store.read(|c| {
        page.slice(all, None)
            .into_iter()
            .map(|f| {
                let (articles, versions) = feeds::counts(c, f.id)?;
                let tags = feeds::tags(c, f.id)?;
                Ok((f, articles, versions, tags))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    if json {
        let out: Vec<FeedListing> = rows
            .into_iter()
            .map(|(f, articles, versions, tags)| FeedListing {
                reference: ids::feed(f.id),
                paused: f.paused,
                tags,
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
                kind: f.kind,
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
        if page.offset > 0 && total > 0 {
            outln!("no feeds past --offset {}", page.offset);
        } else if !env.config.feeds.is_empty() {
            outln!(
                "no feeds in the database yet: the config ({}) lists {} feeds, not synced; \
                 `redline feeds sync` adds them",
                sanitize(
                    &env.config_origin
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
                env.config.feeds.len()
            );
        } else {
            outln!("no feeds: add [[feed]] entries to the config or run `redline feeds add URL`");
        }
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{:>5}  {:<18} {:<8} {:<7} {:>8} {:>8}  {:<16}  {:<16}  URL",
        "FEED",
        "NAME",
        "SOURCE",
        "STATE",
        "ARTICLES",
        "VERSIONS",
        "LAST OK",
        "TAGS"
    );
    let shown = rows.len();
    for (f, articles, versions, tags) in rows {
        let state = if !f.active {
            "removed"
        } else if f.paused {
            "paused"
        } else {
            "active"
        };
        outln!(
            "{:>5}  {:<18} {:<8} {:<7} {:>8} {:>8}  {:<16}  {:<16}  {}{}",
            ids::feed(f.id),
            clip(f.name.as_deref().unwrap_or("-"), 18),
            // A watched page is listed as what it is, not as one more feed added by hand.
            if f.is_page() {
                "page"
            } else {
                f.source.as_str()
            },
            state,
            articles,
            versions,
            f.last_ok_at.map(time).unwrap_or_else(|| "never".into()),
            if tags.is_empty() {
                "-".to_string()
            } else {
                clip(&tags.join(","), 16)
            },
            sanitize(&f.url),
            match &f.last_error {
                Some(e) if f.error_streak > 0 =>
                    format!("\n      error ({}x): {}", f.error_streak, clip(e, 120)),
                _ if f.never_read() => format!("\n      {}", super::status::NO_CONTENT),
                _ => String::new(),
            }
        );
    }
    if (page.offset as usize).saturating_add(shown) < total {
        outln!("{}", page.next_hint(shown));
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
        let wanted = title.as_deref().and_then(name_from_title);
        let parsed = match config::parse_feed_url(&url) {
            Ok(u) => u,
            Err(m) => {
                crate::errln!("skipped: {}", sanitize(&m));
                skipped += 1;
                continue;
            }
        };
        let added_feed = store.write(|tx| {
            let name = match &wanted {
                Some(n) => free_name(tx, n)?,
                None => None,
            };
            feeds::add(
                tx,
                parsed.as_str(),
                name.as_deref(),
                None,
                full_text,
                unix_now(),
            )
        });
        match added_feed {
            Ok(f) => {
                outln!(
                    "added {} {}{}",
                    ids::feed(f.id),
                    sanitize(f.name.as_deref().unwrap_or(&f.url)),
                    title
                        .as_deref()
                        .filter(|t| Some(*t) != f.name.as_deref())
                        .map(|t| format!(" ({})", clip(t, 80)))
                        .unwrap_or_default()
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

/// A feed name from an OPML title: "Harbour City Chronicle – World" → "harbour-city-chronicle-world".
/// Accents are dropped (NFD, then ASCII only), anything else becomes one `-`; `None` when
/// nothing usable is left (a title in another script), and the feed is added without a name.
pub fn name_from_title(title: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut name = String::new();
    for c in title.nfd() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            name.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && unicode_normalization::char::is_combining_mark(c) {
            // The accent of a decomposed letter: the letter itself was kept.
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name = name.trim_matches(['-', '.']).to_string();
    if name.len() > 56 {
        // Room for a "-2" suffix within the 64-character limit.
        name.truncate(56);
        name = name.trim_end_matches(['-', '.']).to_string();
    }
    // An id-like name ("f7") would be found before feed f7 itself (names are looked up first).
    if validate_feed_name(&name).is_ok() && crate::ids::parse_feed(&name).is_none() {
        Some(name)
    } else if !name.is_empty() && validate_feed_name(&format!("feed-{name}")).is_ok() {
        // Only digits ("1843"), or written like an id ("f7").
        Some(format!("feed-{name}"))
    } else {
        None
    }
}

/// `name`, or `name-2`, `name-3`… when another feed already has it.
fn free_name(conn: &rusqlite::Connection, name: &str) -> Result<Option<String>, StoreError> {
    for n in 1..100 {
        let candidate = if n == 1 {
            name.to_string()
        } else {
            format!("{name}-{n}")
        };
        if feeds::find(conn, &candidate)?.is_none() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// `feeds edit`'s arguments.
#[derive(Debug, clap::Args)]
pub struct FeedEditArgs {
    /// The feed: name, id (`f7`) or URL.
    pub feed: String,
    /// New name (letters, digits, '-', '_', '.').
    #[arg(long)]
    pub name: Option<String>,
    /// Poll interval, e.g. "10m"; "default" for the config's [schedule].
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// Fetch and extract each article's page (on), or keep the feed's own text (off). Stored
    /// versions are kept either way.
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub full_text: Option<bool>,
    /// Stop polling it (the feed and its pages) until --resume; nothing is deleted.
    #[arg(long, conflicts_with = "resume")]
    pub pause: bool,
    /// Poll it again after --pause.
    #[arg(long)]
    pub resume: bool,
    /// Add a tag (repeatable).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Remove a tag (repeatable).
    #[arg(long, value_name = "TAG")]
    pub untag: Vec<String>,
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("`{s}`: write on or off")),
    }
}

/// A tag: 1-32 letters, digits, '-', '_' or '.'.
fn validate_tag(tag: &str) -> anyhow::Result<()> {
    let ok = !tag.is_empty()
        && tag.len() <= 32
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        bail!(
            "tag `{}` must be 1-32 letters, digits, '-', '_' or '.'",
            sanitize(tag)
        );
    }
    Ok(())
}

fn edit(env: &Env, store: &Store, args: &FeedEditArgs) -> anyhow::Result<ExitCode> {
    let f = super::articles::find_feed(store, &args.feed)?;
    if let Some(name) = &args.name {
        validate_feed_name(name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
    }
    for t in args.tag.iter().chain(&args.untag) {
        validate_tag(t)?;
    }
    let interval = match args.interval.as_deref() {
        None => None,
        Some("default") => Some(None),
        Some(s) => Some(Some(
            parse_duration(s).map_err(|m| anyhow::anyhow!("--interval: {m}"))?,
        )),
    };
    let change = feeds::FeedEdit {
        name: args.name.clone(),
        interval,
        full_text: args.full_text,
        paused: match (args.pause, args.resume) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        tag: args.tag.clone(),
        untag: args.untag.clone(),
    };
    if change.name.is_none()
        && change.interval.is_none()
        && change.full_text.is_none()
        && change.paused.is_none()
        && change.tag.is_empty()
        && change.untag.is_empty()
    {
        bail!(
            "nothing to change: give --name, --interval, --full-text on|off, --pause, --resume, --tag or --untag"
        );
    }
    // The config owns what it writes: its next sync would silently undo an edit here.
    if f.source == "config" && f.active && change.touches_config_fields() {
        let file = env
            .config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the config file".into());
        bail!(
            "feed {} comes from {file}: change its name, interval or full_text in its [[feed]] entry there; \
             --pause, --resume, --tag and --untag work on it here",
            sanitize(&f.label())
        );
    }
    let edited = store.write(|tx| feeds::edit(tx, &f, &change))?;
    let tags = store.read(|c| feeds::tags(c, edited.id))?;
    outln!(
        "feed {} {}: interval {}, full text {}, {}{}",
        ids::feed(edited.id),
        sanitize(edited.name.as_deref().unwrap_or(&edited.url)),
        edited
            .interval()
            .map(format_duration)
            .unwrap_or_else(|| "default".into()),
        if edited.full_text { "on" } else { "off" },
        if edited.paused { "paused" } else { "active" },
        if tags.is_empty() {
            String::new()
        } else {
            format!(", tags {}", tags.join(","))
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn export(store: &Store) -> anyhow::Result<ExitCode> {
    let feeds = store.read(feeds::active)?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head><title>redline feeds</title></head>\n  <body>\n",
    );
    // A watched page is no feed: an OPML reader would fail on it.
    for f in feeds.into_iter().filter(|f| !f.is_page()) {
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
    fn opml_titles_become_valid_names() {
        let cases = [
            (
                "Harbour City Chronicle – World",
                Some("harbour-city-chronicle-world"),
            ),
            ("Café Économie", Some("cafe-economie")),
            ("  BBC News: UK  ", Some("bbc-news-uk")),
            ("Wire & Co.", Some("wire-co")),
            ("1843", Some("feed-1843")),
            ("F7", Some("feed-f7")),
            ("Новости", None),
            ("---", None),
        ];
        for (title, want) in cases {
            assert_eq!(name_from_title(title).as_deref(), want, "{title}");
        }
        let long = name_from_title(&"Long title ".repeat(20)).expect("a name");
        assert!(
            long.len() <= 56 && validate_feed_name(&long).is_ok(),
            "{long}"
        );
    }

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
