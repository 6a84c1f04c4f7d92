//! Feed bytes to `FeedEntry` values, read as liberally as feedparser reads them: decoding
//! (`decode`), a recovering XML reader (`xml`), one reader per format (`rss`: RSS 0.90-2.01 and
//! CDF, `atom`: Atom 0.3/1.0, `json`: JSON Feed), dates (`dates`); article identity and URL
//! canonicalisation here.
//!
//! Pure. Identity: the feed's guid/id when it has one; else the canonical link; else a hash of
//! title and published date; else (no guid, link or title) a hash of the entry's text. Canonical URLs drop fragments and tracking parameters so the same
//! article reached through a campaign link is still the same article.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::extract::html_fragment_to_text;
use crate::normalize::{bytes_hash, normalize_line};

mod atom;
mod dates;
mod decode;
mod json;
mod model;
mod rss;
mod xml;

use model::{RawText, TextKind};

/// Entries past this many in one feed are ignored (a feed is a list of recent items, not an archive).
pub const MAX_ENTRIES: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("not a feed (RSS, Atom or JSON Feed): {0}")]
    Parse(String),
}

/// A parsed feed: what redline keeps of it, and what it saw on the way (for `redline check`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The feed's own home page link (absolute).
    pub link: Option<String>,
    /// The feed's description / subtitle, as text.
    pub description: Option<String>,
    /// The feed's own `<ttl>`: poll no sooner than this (capped at a day).
    pub ttl: Option<Duration>,
    /// Format and version as read from the document: `rss2.0`, `rss0.90`, `rss` (no version),
    /// `rss1.0`, `atom1.0`, `atom0.3`, `jsonfeed1.1`, `cdf`, ...
    pub format: String,
    /// The character encoding the text was decoded with (lower-case label, e.g. `utf-8`).
    pub encoding: String,
    /// Why that encoding was chosen: BOM, HTTP header, XML declaration, detection, fallback.
    pub encoding_reason: String,
    /// Parsed leniently: the document was not well-formed (or mis-declared) but was read.
    pub bozo: bool,
    /// What was wrong with the document, one line each (bozo reasons and lesser warnings).
    pub warnings: Vec<String>,
    pub entries: Vec<FeedEntry>,
    /// The feed's own id (Atom `<id>`).
    pub id: Option<String>,
    pub authors: Vec<String>,
    /// The authors with their address and home page where the feed gives them.
    pub author_details: Vec<Person>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// RSS `dcterms:created`.
    pub created: Option<DateTime<Utc>>,
    /// The dates above as the document wrote them.
    pub dates_as_written: DatesAsWritten,
    /// The HTTP `Last-Modified` it was served with, read as a date: when the server says the
    /// document last changed (feedparser's `modified_parsed`).
    pub last_modified: Option<DateTime<Utc>>,
    /// Every link of the feed element with an href, absolute.
    pub links: Vec<FeedLink>,
}

/// A person construct: the byline keeps only the name; `check` shows the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
    pub uri: Option<String>,
}

/// Dates as the document wrote them, before they were read (`Thu, 01 Jan 2004 19:48:21 GMT`):
/// shown by `check` next to the instant redline read, never stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatesAsWritten {
    pub published: Option<String>,
    pub updated: Option<String>,
    pub created: Option<String>,
}

/// What the feed says of an entry that redline does not store or hash, for `check`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntryDetails {
    pub dates_as_written: DatesAsWritten,
    pub author_details: Vec<Person>,
    /// `itunes:subtitle` as text (also the summary when the item has no other).
    pub subtitle: Option<String>,
}

/// A link as Atom writes one (RSS `<link>` becomes `rel="alternate"`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedLink {
    pub href: String,
    pub rel: String,
    pub mime_type: Option<String>,
    pub title: Option<String>,
}

impl FeedLink {
    /// A plain `rel="alternate"` link: the page an entry or feed stands for.
    pub fn alternate(href: String) -> Self {
        Self {
            href,
            rel: "alternate".into(),
            mime_type: None,
            title: None,
        }
    }
}

/// One item of a feed, as redline needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Stable identity within the feed.
    pub id: String,
    /// Canonical article URL (tracking parameters and fragment removed).
    pub url: String,
    pub title: String,
    pub authors: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// When the entry was created (Atom 0.3 `<created>`); also `published` when none is given.
    pub created: Option<DateTime<Utc>>,
    /// Full content (HTML converted to text, paragraphs separated by blank lines).
    pub content: Option<String>,
    pub summary: Option<String>,
    /// Every link of the entry with an href, absolute, not canonicalised.
    pub links: Vec<FeedLink>,
    pub details: EntryDetails,
}

impl FeedEntry {
    /// The text to keep as the article body when pages are not fetched.
    pub fn body(&self) -> &str {
        self.content
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .or(self.summary.as_deref())
            .unwrap_or("")
    }

    pub fn byline(&self) -> Option<String> {
        (!self.authors.is_empty()).then(|| self.authors.join(", "))
    }

    /// Changes whenever anything the feed says about the entry changes; a changed hash is
    /// what makes a full-text feed fetch the page again.
    pub fn entry_hash(&self) -> String {
        let mut s = String::new();
        for part in [
            self.title.as_str(),
            &self.url,
            &self.authors.join(","),
            &self.updated.map(|d| d.to_rfc3339()).unwrap_or_default(),
            self.content.as_deref().unwrap_or(""),
            self.summary.as_deref().unwrap_or(""),
        ] {
            s.push_str(part);
            s.push('\0');
        }
        bytes_hash(s.as_bytes())
    }
}

/// Where a feed document came from: the URL it was fetched from, and the HTTP headers that
/// change how it is read.
#[derive(Debug, Clone, Copy)]
pub struct FeedSource<'a> {
    pub url: &'a Url,
    /// Its charset outranks the XML declaration.
    pub content_type: Option<&'a str>,
    /// The document's own URL when the server says so; relative links resolve against it.
    pub content_location: Option<&'a str>,
    /// The HTTP `Last-Modified`, reported as [`ParsedFeed::last_modified`].
    pub last_modified: Option<&'a str>,
}

/// Parses a feed document fetched from `feed_url` (used to resolve relative links), with the
/// HTTP `Content-Type` it was served with, if any (its charset outranks the XML declaration).
pub fn parse_feed(
    bytes: &[u8],
    feed_url: &Url,
    content_type: Option<&str>,
) -> Result<ParsedFeed, FeedError> {
    parse_feed_from(
        bytes,
        FeedSource {
            url: feed_url,
            content_type,
            content_location: None,
            last_modified: None,
        },
    )
}

/// [`parse_feed`] with every input that matters (Content-Location too).
pub fn parse_feed_from(bytes: &[u8], source: FeedSource<'_>) -> Result<ParsedFeed, FeedError> {
    let feed_url = source.url;
    let base = source
        .content_location
        .and_then(|l| feed_url.join(l.trim()).ok())
        .unwrap_or_else(|| feed_url.clone());
    let decoded = decode::decode(bytes, source.content_type);
    let mut bozo = decoded.bozo;
    let mut warnings = decoded.warnings;
    let text = decoded.text.trim_start_matches('\u{feff}');
    let raw = if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| FeedError::Parse(format!("invalid JSON: {e}")))?;
        json::read_json(&value, &base)
            .ok_or_else(|| FeedError::Parse("JSON without a jsonfeed.org version".into()))?
    } else {
        let doc = xml::parse(text, &base);
        bozo |= doc.bozo;
        warnings.extend(doc.warnings);
        let root = &doc.root;
        if doc.truncated {
            // Recovering a cut-off download would store its last item half-written; failing
            // keeps the previous state and the feed is polled again after backoff.
            return Err(FeedError::Parse(format!(
                "document is truncated (ends inside <{}>)",
                root.qname
            )));
        }
        if root.local.is_empty() {
            return Err(FeedError::Parse("no root element".into()));
        }
        if rss::is_cdf_root(root) {
            rss::read_cdf(root)
        } else if rss::is_rss_root(root) {
            rss::read_rss(root)
        } else if atom::is_atom_root(root) {
            atom::read_atom(root)
        } else {
            return Err(FeedError::Parse(format!("root element <{}>", root.qname)));
        }
    };
    let mut parsed = finish(
        raw,
        feed_url,
        decoded.encoding,
        decoded.reason,
        bozo,
        warnings,
    );
    parsed.last_modified = source.last_modified.and_then(dates::parse_date);
    Ok(parsed)
}

fn finish(
    raw: model::RawFeed,
    feed_url: &Url,
    encoding: String,
    encoding_reason: String,
    bozo: bool,
    warnings: Vec<String>,
) -> ParsedFeed {
    // Stored and shown like article titles, so without escape sequences; otherwise kept as
    // the feed has it (zero-width characters included), as parsers report it.
    let title = raw
        .title
        .as_ref()
        .map(|t| crate::text_safety::strip_terminal_sequences(&text_of(t)).into_owned())
        .filter(|t| !t.is_empty());
    let ttl = raw
        .ttl_minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(m.min(24 * 60) * 60));
    let link = raw
        .link
        .as_deref()
        .and_then(|l| canonicalize_url(l, feed_url))
        .map(|u| u.to_string());
    let description = raw
        .description
        .as_ref()
        .map(text_of)
        .filter(|t| !t.is_empty());
    let mut entries = Vec::new();
    for e in raw.entries.into_iter().take(MAX_ENTRIES) {
        if let Some(entry) = to_entry(e, feed_url) {
            entries.push(entry);
        }
    }
    ParsedFeed {
        title,
        link,
        description,
        ttl,
        format: raw.format,
        encoding,
        encoding_reason,
        bozo,
        warnings,
        entries,
        id: raw.id,
        authors: raw.authors,
        author_details: raw.author_details,
        published: raw.published.as_ref().map(|d| d.at),
        updated: raw.updated.as_ref().map(|d| d.at),
        created: raw.created.as_ref().map(|d| d.at),
        dates_as_written: DatesAsWritten {
            published: raw.published.map(|d| d.written),
            updated: raw.updated.map(|d| d.written),
            created: raw.created.map(|d| d.written),
        },
        last_modified: None,
        links: raw.links,
    }
}

fn to_entry(e: model::RawEntry, feed_url: &Url) -> Option<FeedEntry> {
    let link = e
        .link
        .as_deref()
        .or_else(|| e.links.first().map(|l| l.href.as_str()))
        .and_then(|l| canonicalize_url(l, feed_url));
    let title = e.title.as_ref().map(text_of).unwrap_or_default();
    let guid = e.guid.as_deref().unwrap_or("").trim();
    let published_dated = e
        .published
        .as_ref()
        .or(e.created.as_ref())
        .or(e.updated.as_ref());
    let published = published_dated.map(|d| d.at);
    let dates_as_written = DatesAsWritten {
        published: published_dated.map(|d| d.written.clone()),
        updated: e.updated.as_ref().map(|d| d.written.clone()),
        created: e.created.as_ref().map(|d| d.written.clone()),
    };
    let (updated, created) = (
        e.updated.as_ref().map(|d| d.at),
        e.created.as_ref().map(|d| d.at),
    );
    let url = match &link {
        Some(u) => u.to_string(),
        // A guid that is itself a URL is the article's address (RSS isPermaLink).
        None => match canonicalize_url(guid, feed_url) {
            Some(u) if guid.starts_with("http") && e.guid_is_permalink => u.to_string(),
            _ => String::new(),
        },
    };
    let content = e
        .content
        .as_ref()
        .map(|c| match c.kind {
            TextKind::Text => c.value.trim().to_string(),
            TextKind::Html | TextKind::Guess => html_fragment_to_text(&c.value),
        })
        .filter(|t| !t.trim().is_empty());
    let subtitle = e
        .subtitle
        .as_ref()
        .map(text_of)
        .filter(|t| !t.trim().is_empty());
    // A podcast episode with only an `itunes:subtitle` says what it is there. See: #9
    let summary = e
        .summary
        .as_ref()
        .map(text_of)
        .filter(|t| !t.trim().is_empty())
        .or_else(|| subtitle.clone());
    let id = if !guid.is_empty() {
        guid.to_string()
    } else if !url.is_empty() {
        format!("url:{url}")
    } else if !title.is_empty() {
        let stamp = published.map(|d| d.to_rfc3339()).unwrap_or_default();
        format!(
            "hash:{}",
            &bytes_hash(format!("{title}\0{stamp}").as_bytes())[..32]
        )
    } else {
        // No guid, link or title: what it says is all there is to know it by (an edit to it
        // makes a new article, the best anyone can do with such a feed). See: #9
        let mut s = String::new();
        for part in [content.as_deref(), summary.as_deref()] {
            s.push_str(part.unwrap_or(""));
            s.push('\0');
        }
        s.push_str(&e.authors.join(","));
        // An entry known only by its creation date is kept; others hash as before.
        for d in [
            e.published.as_ref().or(e.created.as_ref()).map(|d| d.at),
            updated,
        ] {
            s.push('\0');
            s.push_str(&d.map(|d| d.to_rfc3339()).unwrap_or_default());
        }
        if s.chars().all(|c| c == '\0') {
            // Nothing to identify it by and nothing to show: skip it.
            return None;
        }
        format!("text:{}", &bytes_hash(s.as_bytes())[..32])
    };
    Some(FeedEntry {
        id,
        url,
        title,
        authors: e.authors,
        published,
        updated,
        created,
        content,
        summary,
        links: e.links,
        details: EntryDetails {
            dates_as_written,
            author_details: e.author_details,
            subtitle,
        },
    })
}

/// Text of a feed text construct: HTML is converted, plain text kept. Undeclared text (RSS)
/// containing `<` is read as HTML, as before #9; declared plain text is kept literally.
fn text_of(t: &RawText) -> String {
    match t.kind {
        TextKind::Html => html_fragment_to_text(&t.value),
        TextKind::Guess if t.value.contains('<') || has_html_entity(&t.value) => {
            html_fragment_to_text(&t.value)
        }
        TextKind::Text | TextKind::Guess => t.value.trim().to_string(),
    }
}

/// An HTML character reference left in text (`&amp;#146;` in the XML): the publisher
/// escaped HTML, so read it as HTML.
fn has_html_entity(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    s.contains('&')
        && RE
            .get_or_init(|| {
                regex::Regex::new(r"(?i)&(#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});")
                    .expect("static regex")
            })
            .is_match(s)
}

/// A person as RSS writes one (`desk@example.com (Jo Reyes)`), reduced to the name; `None`
/// when only an address is given. Matches what feed-rs kept, so bylines do not change.
pub(crate) fn person_name(raw: &str) -> Option<String> {
    static EMAIL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = EMAIL.get_or_init(|| {
        regex::Regex::new(
            r"\b(<\[\()?(mailto:)?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})(>]\))?\b",
        )
        .expect("static regex")
    });
    let raw = raw.trim();
    let name = match re.find(raw) {
        Some(m) => {
            let (pre, post) = (&raw[..m.start()], &raw[m.end()..]);
            if pre.len() > post.len() { pre } else { post }
        }
        None => raw,
    };
    let n = normalize_line(name.trim().trim_matches(|c| c == '(' || c == ')'));
    (!n.is_empty()).then_some(n)
}

/// `href` resolved against the element's base (xml:base, Content-Location, document URL).
pub(crate) fn resolve(href: &str, e: &xml::Element) -> String {
    let href = href.trim();
    e.base
        .join(href)
        .map_or_else(|_| href.to_string(), |u| u.to_string())
}

/// Query parameters that identify a campaign or a click, never an article.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "mc_cid"
                | "mc_eid"
                | "igshid"
                | "yclid"
                | "_ga"
                | "cmpid"
                | "ocid"
                | "smid"
                | "ncid"
                | "at_medium"
                | "at_campaign"
        )
}

/// Canonical form of an article URL: absolute, host lower-cased (the url crate does this),
/// fragment and tracking parameters dropped, default port dropped. `None` for non-http(s).
pub fn canonicalize_url(href: &str, base: &Url) -> Option<Url> {
    let mut url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    url.set_fragment(None);
    // The query is rebuilt only when a tracking parameter goes: re-serialising it otherwise
    // would change the address (`?c` becomes `?c=`).
    if url.query().is_some() && url.query_pairs().any(|(k, _)| is_tracking_param(&k)) {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://News.Example.com/feeds/world.xml").expect("valid")
    }

    #[test]
    fn tracking_params_and_fragment_are_dropped() {
        let u = canonicalize_url(
            "/world/2026/flood-toll?utm_source=rss&id=7&fbclid=abc&gclid=x#comments",
            &base(),
        )
        .expect("http url");
        assert_eq!(
            u.as_str(),
            "https://news.example.com/world/2026/flood-toll?id=7"
        );
        let u =
            canonicalize_url("https://news.example.com/a?utm_medium=feed", &base()).expect("url");
        assert_eq!(u.as_str(), "https://news.example.com/a");
        assert!(canonicalize_url("mailto:desk@example.com", &base()).is_none());
    }

    #[test]
    fn rss_item_without_guid_is_identified_by_its_link() {
        let xml = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><ttl>30</ttl>
<item><title>Port strike enters second week</title><link>https://news.example.com/port-strike?utm_source=rss</link>
<description>Dock workers in Rotterdam stayed off the job.</description></item></channel></rss>"#;
        let feed = parse_feed(xml, &base(), None).expect("parses");
        assert_eq!(feed.ttl, Some(Duration::from_secs(1800)));
        let e = &feed.entries[0];
        assert_eq!(e.id, "url:https://news.example.com/port-strike");
        assert_eq!(e.body(), "Dock workers in Rotterdam stayed off the job.");
    }

    #[test]
    fn atom_text_title_with_angle_brackets_is_kept_literally() {
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:x,2026:1</id>
<title type="text">History of the &lt;blink&gt; tag</title>
<content type="application/octet-stream">AAEC</content></entry></feed>"#;
        let feed = parse_feed(xml, &base(), None).expect("parses");
        assert_eq!(feed.format, "atom1.0");
        assert_eq!(feed.entries[0].title, "History of the <blink> tag");
    }

    #[test]
    fn atom_03_and_rss_without_version_give_entries() {
        let atom03 = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>
<id>urn:a1</id><title>Bridge reopens</title><link rel="alternate" href="/bridge"/>
<issued>2026-11-30T08:00:00Z</issued></entry></feed>"#;
        let f = parse_feed(atom03, &base(), None).expect("atom 0.3");
        assert_eq!(f.format, "atom0.3");
        assert_eq!(f.entries[0].url, "https://news.example.com/bridge");
        assert!(f.entries[0].published.is_some());
        let rss = b"<rss><item><title>Strike ends</title><guid>s-1</guid></item></rss>";
        let f = parse_feed(rss, &base(), None).expect("rss without version or channel");
        assert_eq!(
            (f.format.as_str(), f.entries[0].id.as_str()),
            ("rss", "s-1")
        );
    }

    #[test]
    fn item_without_guid_link_or_title_is_identified_by_its_text() {
        let xml = b"<rss version=\"2.0\"><channel><item><description>Road closed.</description></item></channel></rss>";
        let a = parse_feed(xml, &base(), None).expect("parses");
        let b = parse_feed(xml, &base(), None).expect("parses");
        assert!(a.entries[0].id.starts_with("text:"));
        assert_eq!(a.entries[0].id, b.entries[0].id);
    }

    #[test]
    fn ill_formed_feed_is_read_and_flagged_bozo() {
        let xml = b"<rss version=\"2.0\"><channel><item><title>Caf&eacute; & bar</title><guid>c1</guid></channel></rss>";
        let f = parse_feed(xml, &base(), None).expect("recovered");
        assert!(f.bozo);
        assert_eq!(f.entries[0].title, "Caf\u{e9} & bar");
    }

    #[test]
    fn html_is_not_a_feed() {
        let err = parse_feed(
            b"<html><body>Service unavailable</body></html>",
            &base(),
            None,
        );
        assert!(err.is_err());
    }

    #[test]
    fn atom_03_created_is_kept_and_stands_in_for_published() {
        let xml = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>
<id>urn:c1</id><title>Ferry timetable changes</title>
<created>2026-11-29T07:30:00Z</created></entry></feed>"#;
        let f = parse_feed(xml, &base(), None).expect("atom 0.3");
        let when = dates::parse_date("2026-11-29T07:30:00Z");
        assert!(when.is_some());
        assert_eq!(f.entries[0].created, when);
        assert_eq!(f.entries[0].published, when);
    }

    #[test]
    fn itunes_subtitle_is_the_description_when_there_is_none() {
        let xml = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Harbour Hour</title><itunes:subtitle>Weekly news from the port</itunes:subtitle>
</channel></rss>"#;
        let f = parse_feed(xml, &base(), None).expect("rss");
        assert_eq!(f.description.as_deref(), Some("Weekly news from the port"));
    }

    #[test]
    fn atom_author_address_is_kept_beside_the_byline() {
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Courier</title>
<author><name>Newsroom</name><email>tips@courier.example</email></author>
<entry><id>tag:courier.example,2026:412</id><title>Dam inspection finds cracks</title>
<author><name>Priya Natarajan</name><email>p.natarajan@courier.example</email>
<uri>/staff/priya</uri></author></entry></feed>"#;
        let f = parse_feed(xml, &base(), None).expect("atom");
        let e = &f.entries[0];
        // The byline (stored, hashed) is still the name alone.
        assert_eq!(e.byline().as_deref(), Some("Priya Natarajan"));
        assert_eq!(
            e.details.author_details,
            vec![Person {
                name: Some("Priya Natarajan".into()),
                email: Some("p.natarajan@courier.example".into()),
                uri: Some("https://news.example.com/staff/priya".into()),
            }]
        );
        assert_eq!(
            f.author_details[0].email.as_deref(),
            Some("tips@courier.example")
        );
    }

    #[test]
    fn dates_are_kept_as_written_beside_the_instant() {
        let xml = br#"<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel>
<title>Harbour Gazette</title><pubDate>Mon, 30 Nov 2026 06:15:00 +0100</pubDate>
<dcterms:created>2019-03-04T09:00:00Z</dcterms:created>
<item><guid>hg-881</guid><title>Pilots vote to strike</title>
<pubDate> Tue, 01 Dec 2026 14:02:00 EST </pubDate></item></channel></rss>"#;
        let f = parse_feed(xml, &base(), None).expect("rss");
        assert_eq!(
            f.dates_as_written.published.as_deref(),
            Some("Mon, 30 Nov 2026 06:15:00 +0100")
        );
        assert_eq!(f.published, dates::parse_date("2026-11-30T05:15:00Z"));
        assert_eq!(f.created, dates::parse_date("2019-03-04T09:00:00Z"));
        assert_eq!(
            f.dates_as_written.created.as_deref(),
            Some("2019-03-04T09:00:00Z")
        );
        let e = &f.entries[0];
        assert_eq!(
            e.details.dates_as_written.published.as_deref(),
            Some("Tue, 01 Dec 2026 14:02:00 EST")
        );
        assert_eq!(e.published, dates::parse_date("2026-12-01T19:02:00Z"));
        // CDF writes its dates as attributes.
        let cdf = br#"<CHANNEL HREF="https://news.example.com/"><ITEM HREF="/tides" LASTMOD="2026-11-28T23:05:43-05:00"><TITLE>Tide tables</TITLE></ITEM></CHANNEL>"#;
        let f = parse_feed(cdf, &base(), None).expect("cdf");
        assert_eq!(
            f.entries[0].details.dates_as_written.updated.as_deref(),
            Some("2026-11-28T23:05:43-05:00")
        );
    }

    #[test]
    fn http_last_modified_is_read_as_a_date() {
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title></feed>"#;
        let url = base();
        let f = parse_feed_from(
            xml,
            FeedSource {
                url: &url,
                content_type: Some("application/atom+xml"),
                content_location: None,
                last_modified: Some("Tue, 01 Dec 2026 07:45:10 GMT"),
            },
        )
        .expect("atom");
        assert_eq!(f.last_modified, dates::parse_date("2026-12-01T07:45:10Z"));
        assert_eq!(f.updated, None, "the server's date is not the feed's own");
        let f = parse_feed_from(
            xml,
            FeedSource {
                url: &url,
                content_type: None,
                content_location: None,
                last_modified: Some("sometime last week"),
            },
        )
        .expect("atom");
        assert_eq!(f.last_modified, None);
    }

    #[test]
    fn item_with_only_an_itunes_subtitle_is_kept() {
        let xml = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Harbour Hour</title>
<item><itunes:subtitle>Dockworkers and the port authority trade offers</itunes:subtitle></item>
<item><title>Episode 12</title><description>The ferry fare rise, explained.</description>
<itunes:subtitle>Fares go up in January</itunes:subtitle></item></channel></rss>"#;
        let f = parse_feed(xml, &base(), None).expect("rss");
        assert_eq!(f.entries.len(), 2);
        let only = &f.entries[0];
        assert!(only.id.starts_with("text:"));
        assert_eq!(
            only.body(),
            "Dockworkers and the port authority trade offers"
        );
        // With a description, the description stays the summary.
        let both = &f.entries[1];
        assert_eq!(both.body(), "The ferry fare rise, explained.");
        assert_eq!(
            both.details.subtitle.as_deref(),
            Some("Fares go up in January")
        );
    }

    #[test]
    fn query_is_kept_as_written_when_nothing_is_removed() {
        let u = canonicalize_url("/search?c&q=a+b", &base()).expect("url");
        assert_eq!(u.as_str(), "https://news.example.com/search?c&q=a+b");
        let u = canonicalize_url("/search?c&utm_source=x", &base()).expect("url");
        assert_eq!(u.as_str(), "https://news.example.com/search?c=");
    }
}
