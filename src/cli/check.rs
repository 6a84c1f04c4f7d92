//! `check URL|FILE`: what redline sees in one feed or page, without touching the database.
//! The same pipeline stages as a poll (the real `HttpClient` with the config's `[http]`
//! settings, `feed::parse_feed`, `extract::extract_article`), shown instead of stored.
//! `feeds add` runs the same check before it adds a feed, and uses [`feed_links`] to find the
//! feed of an HTML page.
//!
//! The `--json` document (fields may be added, never changed; docs/JSON.md has the field
//! table and an example checked against real output):
//! `{"url", "status", "encoding", "format", "bozo", "warnings": [..], "error": null|"...",
//! "feed": {"title", "link", "description"}, "entries": [{"id", "title", "link", "summary",
//! "content", "published", "updated", "author"}]}` plus `source`, `encoding_reason`, `http`,
//! `ttl_seconds`, `page` and `feeds_found`. Text is as redline stores it; dates are RFC 3339
//! in UTC. `feed` also has `published`, `updated`, `created`, `last_modified` (the HTTP
//! header read as a date), `authors: [{"name", "email", "uri"}]` and `dates_as_written`
//! (`{"published", "updated", "created"}`: the strings the document wrote); each entry also
//! has `subtitle` (`itunes:subtitle`), `authors` and `dates_as_written`.
//!
//! For an HTML page `format` is `"html"` and `page` holds the extracted article:
//! `{"title", "byline", "published", "modified", "characters", "paragraphs": [..],
//! "reasons": ["..."], "explanation": {..}}`. `reasons` are the lines the text output
//! prints (where the text came from, what was removed and dropped, where each field was
//! read, what was not found). `explanation` is the same, structured:
//! `{"text_source": "readability"|"json_ld"|"page_paragraphs", "container": "article#story.body"|null,
//! "container_share": percent|null, "readability_chars", "removed": [{"what", "elements",
//! "characters", "example"}], "kept": ["..."], "dropped": [{"reason", "count", "examples": [..]}],
//! "sources": {"title", "byline", "published", "modified"}}` (a source is null when the
//! field was not found).

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use url::Url;

use super::Env;
use super::output::{outln, print_json, sanitize};
use crate::extract::{Explanation, MAX_HTML_BYTES, explain_article};
use crate::feed::{DatesAsWritten, FeedEntry, FeedSource, Person, parse_feed_from};
use crate::fetch::{FetchError, FetchOutcome, HttpClient, Validators, decode_html};
use crate::unwind;

/// Feed media types a page's `<link rel="alternate">` may name.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
];

/// The `format` of a document read as an HTML page rather than a feed.
pub(crate) const HTML_FORMAT: &str = "html";

/// Below this much article text, a page is probably not what a reader sees (paywall,
/// consent wall, a section front).
const LITTLE_TEXT: usize = 250;

/// Longest a text value is shown in text output; `--json` has it all.
const TEXT_CLIP: usize = 400;

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct CheckReport {
    pub url: String,
    /// `http` or `file`.
    pub source: &'static str,
    pub status: Option<u16>,
    pub encoding: Option<String>,
    pub encoding_reason: Option<String>,
    pub format: Option<String>,
    pub bozo: bool,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub http: Option<HttpInfo>,
    pub ttl_seconds: Option<u64>,
    pub feed: FeedInfo,
    pub entries: Vec<EntryInfo>,
    pub page: Option<PageInfo>,
    /// Feeds an HTML page names in `<link rel="alternate">`, absolute.
    pub feeds_found: Vec<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct HttpInfo {
    pub final_url: String,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub cache_control: Option<String>,
    pub retry_after: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct FeedInfo {
    pub title: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub created: Option<String>,
    pub authors: Vec<PersonInfo>,
    pub dates_as_written: DatesInfo,
    /// The HTTP Last-Modified read as a date (RFC 3339, UTC).
    pub last_modified: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct PersonInfo {
    pub name: Option<String>,
    pub email: Option<String>,
    pub uri: Option<String>,
}

/// Dates exactly as the document wrote them, next to the RFC 3339 values redline read.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct DatesInfo {
    pub published: Option<String>,
    pub updated: Option<String>,
    pub created: Option<String>,
}

impl From<&DatesAsWritten> for DatesInfo {
    fn from(d: &DatesAsWritten) -> Self {
        Self {
            published: d.published.clone(),
            updated: d.updated.clone(),
            created: d.created.clone(),
        }
    }
}

fn people(p: &[Person]) -> Vec<PersonInfo> {
    p.iter()
        .map(|p| PersonInfo {
            name: p.name.clone(),
            email: p.email.clone(),
            uri: p.uri.clone(),
        })
        .collect()
}

#[derive(Debug, serde::Serialize)]
pub(crate) struct EntryInfo {
    pub id: String,
    pub title: String,
    pub link: String,
    pub summary: Option<String>,
    pub content: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub author: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Vec<PersonInfo>,
    pub dates_as_written: DatesInfo,
}

#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct PageInfo {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// The visible update stamp, kept out of the text.
    pub update_line: Option<String>,
    pub notice: Option<String>,
    pub characters: usize,
    pub paragraphs: Vec<String>,
    /// The extractor's reasons, one line each: where the text came from, what was removed
    /// and dropped, where each field was read, what could not be found.
    pub reasons: Vec<String>,
    /// The same, structured (see the module doc).
    pub explanation: Option<Explanation>,
}

impl CheckReport {
    /// A feed redline can poll: parsed without error.
    pub(crate) fn is_feed(&self) -> bool {
        self.error.is_none() && self.format.as_deref().is_some_and(|f| f != HTML_FORMAT)
    }

    pub(crate) fn is_html(&self) -> bool {
        self.format.as_deref() == Some(HTML_FORMAT)
    }
}

pub fn check(
    env: &Env,
    target: &str,
    base: Option<&str>,
    page: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let base = base
        .map(|b| Url::parse(b).map_err(|e| anyhow::anyhow!("--url `{b}`: {e}")))
        .transpose()?;
    let http = HttpClient::new(&env.config.http)?;
    let report = super::runtime()?.block_on(check_target(&http, target, base.as_ref(), page));
    if json {
        print_json(&report)?;
    } else {
        print_text(&report)?;
    }
    Ok(if report.error.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Fetches (or reads) `target` and looks at it as redline would. Never fails: what went wrong
/// is the report's `error`.
pub(crate) async fn check_target(
    http: &HttpClient,
    target: &str,
    base: Option<&Url>,
    page: bool,
) -> CheckReport {
    let mut report = CheckReport::default();
    let (body, doc_url, content_type) = match Url::parse(target) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            report.url = url.to_string();
            report.source = "http";
            match fetch(http, &url, &mut report).await {
                Some((body, final_url, ct)) => (body, base.cloned().unwrap_or(final_url), ct),
                None => return report,
            }
        }
        Ok(url) if url.scheme().len() > 1 => {
            report.url = target.to_string();
            report.error = Some(format!(
                "`{target}`: only http(s) URLs and local files can be checked"
            ));
            return report;
        }
        // Not a URL (or a Windows drive letter): a local file.
        _ => {
            report.source = "file";
            match read_file(Path::new(target), http.config().max_body) {
                Ok((body, file_url)) => {
                    report.url = base.unwrap_or(&file_url).to_string();
                    (body, base.cloned().unwrap_or(file_url), None)
                }
                Err(e) => {
                    report.url = target.to_string();
                    report.error = Some(e);
                    return report;
                }
            }
        }
    };
    // CPU work, and hostile input: on a blocking thread, a panic caught as an error.
    let ct = content_type.clone();
    let last_modified = report.http.as_ref().and_then(|h| h.last_modified.clone());
    let looked = unwind::spawn_blocking(move || {
        inspect(
            &body,
            &doc_url,
            ct.as_deref(),
            last_modified.as_deref(),
            page,
        )
    })
    .await;
    match looked {
        Ok(seen) => seen.fill(&mut report),
        Err(p) => report.error = Some(p.to_string()),
    }
    report
}

async fn fetch(
    http: &HttpClient,
    url: &Url,
    report: &mut CheckReport,
) -> Option<(Vec<u8>, Url, Option<String>)> {
    match http.get(url, &Validators::default()).await {
        Ok(FetchOutcome::Fresh(b)) => {
            report.status = Some(b.status.as_u16());
            report.http = Some(http_info(&b.final_url, &b.headers));
            let doc_url = b.document_url();
            Some((b.body, doc_url, b.content_type))
        }
        Ok(FetchOutcome::NotModified { .. }) => {
            report.status = Some(304);
            report.error = Some(format!(
                "{url}: server answered 304 Not Modified to a request without validators"
            ));
            None
        }
        Err(e) => {
            if let FetchError::Status {
                status,
                retry_after,
                ..
            } = &e
            {
                report.status = Some(status.as_u16());
                report.http = Some(HttpInfo {
                    final_url: url.to_string(),
                    retry_after: retry_after.map(|d| format!("{}s", d.as_secs())),
                    ..HttpInfo::default()
                });
            }
            report.error = Some(e.to_string());
            None
        }
    }
}

fn http_info(final_url: &Url, h: &HeaderMap) -> HttpInfo {
    let get = |name: header::HeaderName| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    };
    HttpInfo {
        final_url: final_url.to_string(),
        content_type: get(header::CONTENT_TYPE),
        etag: get(header::ETAG),
        last_modified: get(header::LAST_MODIFIED),
        cache_control: get(header::CACHE_CONTROL),
        retry_after: get(header::RETRY_AFTER),
    }
}

fn read_file(path: &Path, limit: u64) -> Result<(Vec<u8>, Url), String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if meta.len() > limit {
        return Err(format!(
            "{shown}: {} bytes, larger than http.max_body ({limit} bytes)",
            meta.len()
        ));
    }
    let mut body = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    if body.starts_with(&[0x1f, 0x8b]) {
        // A saved .gz page or feed: read what is inside, under the same cap (a gzip bomb
        // stops at the limit instead of filling memory).
        use std::io::Read as _;
        let mut inner = Vec::new();
        flate2::read::GzDecoder::new(body.as_slice())
            .take(limit + 1)
            .read_to_end(&mut inner)
            .map_err(|e| format!("{shown}: not valid gzip: {e}"))?;
        if inner.len() as u64 > limit {
            return Err(format!(
                "{shown}: decompresses to more than http.max_body ({limit} bytes)"
            ));
        }
        body = inner;
    }
    let abs = std::fs::canonicalize(path).map_err(|e| format!("{shown}: {e}"))?;
    let url = Url::from_file_path(&abs)
        .map_err(|()| format!("{shown}: cannot be named as a file:// URL; pass --url"))?;
    Ok((body, url))
}

/// What the pure stages made of a document.
struct Seen {
    format: Option<String>,
    encoding: Option<String>,
    encoding_reason: Option<String>,
    bozo: bool,
    warnings: Vec<String>,
    ttl: Option<u64>,
    feed: FeedInfo,
    entries: Vec<EntryInfo>,
    page: Option<PageInfo>,
    feeds_found: Vec<String>,
    error: Option<String>,
}

impl Seen {
    fn fill(self, r: &mut CheckReport) {
        r.format = self.format;
        r.encoding = self.encoding;
        r.encoding_reason = self.encoding_reason;
        r.bozo = self.bozo;
        r.warnings = self.warnings;
        r.ttl_seconds = self.ttl;
        r.feed = self.feed;
        r.entries = self.entries;
        r.page = self.page;
        r.feeds_found = self.feeds_found;
        r.error = self.error;
    }
}

fn inspect(
    body: &[u8],
    url: &Url,
    content_type: Option<&str>,
    last_modified: Option<&str>,
    page: bool,
) -> Seen {
    let mut seen = Seen {
        format: None,
        encoding: None,
        encoding_reason: None,
        bozo: false,
        warnings: Vec::new(),
        ttl: None,
        feed: FeedInfo::default(),
        entries: Vec::new(),
        page: None,
        feeds_found: Vec::new(),
        error: None,
    };
    if !page {
        let source = FeedSource {
            url,
            content_type,
            // Already applied: `url` is the document URL the fetcher worked out.
            content_location: None,
            last_modified,
        };
        match parse_feed_from(body, source) {
            Ok(f) => {
                seen.format = Some(f.format);
                seen.encoding = Some(f.encoding);
                seen.encoding_reason = Some(f.encoding_reason);
                seen.bozo = f.bozo;
                seen.warnings = f.warnings;
                seen.ttl = f.ttl.map(|d| d.as_secs());
                seen.feed = FeedInfo {
                    title: f.title,
                    link: f.link,
                    description: f.description,
                    published: rfc3339(f.published),
                    updated: rfc3339(f.updated),
                    created: rfc3339(f.created),
                    authors: people(&f.author_details),
                    dates_as_written: (&f.dates_as_written).into(),
                    last_modified: rfc3339(f.last_modified),
                };
                seen.entries = f.entries.iter().map(entry_info).collect();
                return seen;
            }
            Err(e) if !looks_like_html(body, content_type) => {
                seen.error = Some(e.to_string());
                return seen;
            }
            // An HTML page: show what the extractor sees in it, and the feeds it names.
            Err(_) => {}
        }
    }
    let html = decode_html(body, content_type);
    seen.format = Some(HTML_FORMAT.to_string());
    seen.feeds_found = feed_links(&html, url);
    let info = match explain_article(&html, url) {
        Ok((x, explanation)) => {
            let characters = x.paragraphs.iter().map(|p| p.chars().count()).sum();
            let mut reasons = explanation.lines();
            if body.len() > MAX_HTML_BYTES {
                reasons.push(format!(
                    "the page is {} bytes: only the first {MAX_HTML_BYTES} were read",
                    body.len()
                ));
            }
            if x.paragraphs.is_empty() {
                reasons.push(
                    "no article text found: a poll would record this as a failed page check".into(),
                );
            } else if characters < LITTLE_TEXT {
                reasons.push(format!(
                    "only {characters} characters of article text: a paywall, a consent wall or not an article?"
                ));
            }
            if x.modified.is_none() && x.update_line.is_none() {
                reasons.push(
                    "no modified date (article:modified_time, JSON-LD dateModified, ...) or visible update line: only HTTP Last-Modified or a correction notice can show that an edit was acknowledged"
                        .into(),
                );
            }
            if x.published.is_none() {
                reasons.push(
                    "no published date (article:published_time, JSON-LD datePublished, itemprop=datePublished, <meta name=date>) found"
                        .into(),
                );
            }
            if x.byline.is_none() {
                reasons.push(
                    "no byline (JSON-LD author, <meta name=author>, a visible byline) found".into(),
                );
            }
            if x.title.is_none() {
                reasons.push("no title (<title>, og:title, <h1>) found".into());
            }
            PageInfo {
                title: x.title,
                byline: x.byline,
                published: x.published.map(|d| utc(&d)),
                modified: x.modified.map(|d| utc(&d)),
                update_line: x.update_line,
                notice: x.notice,
                characters,
                paragraphs: x.paragraphs,
                reasons,
                explanation: Some(explanation),
            }
        }
        Err(e) => {
            seen.error = Some(format!("{url}: extraction failed: {e}"));
            PageInfo::default()
        }
    };
    if seen.error.is_none() && info.paragraphs.is_empty() {
        seen.error = Some(if page {
            "no article text found on the page".to_string()
        } else {
            format!(
                "not a feed but an HTML page without article text{}",
                hint(&seen.feeds_found)
            )
        });
    }
    seen.page = Some(info);
    seen
}

fn hint(feeds: &[String]) -> String {
    match feeds.first() {
        Some(f) => format!("; it names a feed: {f}"),
        None => String::new(),
    }
}

fn looks_like_html(body: &[u8], content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

fn rfc3339(d: Option<DateTime<Utc>>) -> Option<String> {
    d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A page's date in UTC when it parses as RFC 3339; as found on the page when it does not.
fn utc(found: &str) -> String {
    DateTime::parse_from_rfc3339(found).map_or_else(
        |_| found.to_string(),
        |d| {
            d.with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        },
    )
}

fn entry_info(e: &FeedEntry) -> EntryInfo {
    EntryInfo {
        id: e.id.clone(),
        title: e.title.clone(),
        link: e.url.clone(),
        summary: e.summary.clone(),
        content: e.content.clone(),
        published: rfc3339(e.published),
        updated: rfc3339(e.updated),
        author: e.byline(),
        subtitle: e.details.subtitle.clone(),
        authors: people(&e.details.author_details),
        dates_as_written: (&e.details.dates_as_written).into(),
    }
}

/// The feeds an HTML page names in `<link rel="alternate" type="application/rss+xml|...">`,
/// resolved against the page's `<base href>` or URL, in page order, without duplicates.
pub(crate) fn feed_links(html: &str, page_url: &Url) -> Vec<String> {
    let doc = dom_query::Document::from(html);
    let base = doc
        .select("base[href]")
        .attr("href")
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut out: Vec<String> = Vec::new();
    for link in doc.select("link[rel][href]").iter() {
        let rel = link.attr("rel").unwrap_or_default().to_ascii_lowercase();
        if !rel.split_ascii_whitespace().any(|r| r == "alternate") {
            continue;
        }
        let kind = link.attr("type").unwrap_or_default().to_ascii_lowercase();
        let kind = kind.split(';').next().unwrap_or("").trim();
        if !FEED_TYPES.contains(&kind) {
            continue;
        }
        let href = link.attr("href").unwrap_or_default();
        if let Ok(u) = base.join(href.trim())
            && matches!(u.scheme(), "http" | "https" | "file")
            && !out.contains(&u.to_string())
        {
            out.push(u.to_string());
        }
    }
    out
}

fn clip_text(text: &str) -> String {
    let clean = sanitize(text);
    let n = clean.chars().count();
    if n <= TEXT_CLIP {
        clean
    } else {
        let cut: String = clean.chars().take(TEXT_CLIP).collect();
        format!("{cut}… ({n} characters; --json shows all)")
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2004-01-01T19:48:21Z (written "Thu, 01 Jan 2004 19:48:21 GMT")`: the written form only
/// when it differs, so a misread date shows what the feed said.
fn dated(v: &Option<String>, written: &Option<String>) -> String {
    match (v, written) {
        (None, _) => "-".into(),
        (Some(v), Some(w)) if w != v => format!("{} (written \"{}\")", sanitize(v), sanitize(w)),
        (Some(v), _) => sanitize(v),
    }
}

fn person(p: &PersonInfo) -> String {
    let mut s = sanitize(p.name.as_deref().unwrap_or("-"));
    if let Some(e) = &p.email {
        s.push_str(&format!(" <{}>", sanitize(e)));
    }
    if let Some(u) = &p.uri {
        s.push_str(&format!(" {}", sanitize(u)));
    }
    s
}

fn print_text(r: &CheckReport) -> anyhow::Result<()> {
    let s = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), sanitize);
    outln!("url          {}", sanitize(&r.url));
    if let Some(status) = r.status {
        outln!("status       {status}");
    }
    if let Some(h) = &r.http {
        if h.final_url != r.url {
            outln!("final url    {}", sanitize(&h.final_url));
        }
        for (name, v) in [
            ("content-type", &h.content_type),
            ("etag", &h.etag),
            ("last-modified", &h.last_modified),
            ("cache-control", &h.cache_control),
            ("retry-after", &h.retry_after),
        ] {
            if let Some(v) = v {
                outln!("{name:<12} {}", sanitize(v));
            }
        }
    }
    if let Some(f) = &r.format {
        outln!("format       {}", sanitize(f));
    }
    if let Some(enc) = &r.encoding {
        outln!("encoding     {} ({})", sanitize(enc), s(&r.encoding_reason));
    }
    if r.format.is_some() && !r.is_html() {
        outln!("bozo         {}", if r.bozo { "yes" } else { "no" });
    }
    for w in &r.warnings {
        outln!("warning      {}", sanitize(w));
    }
    if let Some(ttl) = r.ttl_seconds {
        outln!("ttl          {ttl}s");
    }
    if r.format.is_some() && !r.is_html() {
        outln!("title        {}", s(&r.feed.title));
        outln!("link         {}", s(&r.feed.link));
        outln!("description  {}", s(&r.feed.description));
        let f = &r.feed;
        let w = &f.dates_as_written;
        for (name, v, written) in [
            ("published", &f.published, &w.published),
            ("updated", &f.updated, &w.updated),
            ("created", &f.created, &w.created),
        ] {
            if v.is_some() {
                outln!("{name:<12} {}", dated(v, written));
            }
        }
        if let Some(lm) = &f.last_modified {
            outln!("http date    {} (Last-Modified)", sanitize(lm));
        }
        for a in &f.authors {
            outln!("author       {}", person(a));
        }
        outln!("entries      {}", r.entries.len());
    }
    for (i, e) in r.entries.iter().enumerate() {
        outln!("\n[{}] {}", i + 1, sanitize(&e.title));
        outln!("    id         {}", sanitize(&e.id));
        outln!("    link       {}", sanitize(&e.link));
        outln!("    author     {}", s(&e.author));
        for a in e
            .authors
            .iter()
            .filter(|a| a.email.is_some() || a.uri.is_some())
        {
            outln!("    person     {}", person(a));
        }
        let w = &e.dates_as_written;
        outln!("    published  {}", dated(&e.published, &w.published));
        outln!("    updated    {}", dated(&e.updated, &w.updated));
        if let Some(sub) = &e.subtitle {
            outln!("    subtitle   {}", clip_text(sub));
        }
        for (name, v) in [("summary", &e.summary), ("content", &e.content)] {
            match v {
                Some(t) => outln!("    {name}:\n{}", indent(&clip_text(t), "      ")),
                None => outln!("    {name:<10} -"),
            }
        }
    }
    for f in &r.feeds_found {
        outln!("feed found   {}", sanitize(f));
    }
    if let Some(p) = &r.page {
        outln!("\npage title   {}", s(&p.title));
        outln!("byline       {}", s(&p.byline));
        outln!("published    {}", s(&p.published));
        outln!("modified     {}", s(&p.modified));
        outln!("update line  {}", s(&p.update_line));
        if p.notice.is_some() {
            outln!("notice       {}", s(&p.notice));
        }
        outln!(
            "text         {} paragraphs, {} characters",
            p.paragraphs.len(),
            p.characters
        );
        for reason in &p.reasons {
            outln!("reason       {}", sanitize(reason));
        }
        for para in &p.paragraphs {
            outln!("\n{}", sanitize(para));
        }
    }
    if let Some(e) = &r.error {
        outln!("\nerror        {}", sanitize(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_links_are_found_resolved_and_filtered_by_type() {
        let page = Url::parse("https://news.example/world/story.html").expect("url");
        let html = r#"<html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/rss+xml" href="../feeds/world.xml">
            <link rel="Alternate home" type="application/atom+xml; charset=utf-8" href="https://news.example/atom">
            <link rel="alternate" type="text/html" hreflang="fr" href="/fr/story.html">
            <link rel="alternate" type="application/rss+xml" href="/feeds/world.xml">
            </head><body></body></html>"#;
        assert_eq!(
            feed_links(html, &page),
            vec![
                "https://news.example/feeds/world.xml".to_string(),
                "https://news.example/atom".to_string(),
            ]
        );
    }

    #[test]
    fn html_is_recognised_by_header_or_by_its_start() {
        assert!(looks_like_html(b"{}", Some("text/html; charset=utf-8")));
        assert!(looks_like_html(b"\n  <!DOCTYPE html><html>", None));
        assert!(!looks_like_html(b"<?xml version=\"1.0\"?><rss/>", None));
    }
}
