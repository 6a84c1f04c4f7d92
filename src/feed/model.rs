//! What the format readers (`rss`, `atom`, `json`) hand to `mod.rs`: values as the document
//! gives them, text constructs still tagged with how to read them.

use chrono::{DateTime, Utc};

use super::dates::parse_date;
use super::{FeedLink, Person};

/// How a text value is to be turned into plain text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum TextKind {
    /// Declared plain text: kept literally ("History of the <blink> tag").
    Text,
    /// Declared (or serialised) HTML: converted to text.
    Html,
    /// Undeclared (RSS): HTML when it contains markup, else plain.
    Guess,
}

#[derive(Debug, Clone)]
pub(crate) struct RawText {
    pub value: String,
    pub kind: TextKind,
}

impl RawText {
    pub fn new(value: impl Into<String>, kind: TextKind) -> Self {
        Self {
            value: value.into(),
            kind,
        }
    }
}

/// A date as the document wrote it, and the instant it was read as (`check` shows both, so a
/// misread date can be seen for what it was).
#[derive(Debug, Clone)]
pub(crate) struct Dated {
    pub at: DateTime<Utc>,
    pub written: String,
}

/// [`parse_date`], keeping the text.
pub(crate) fn dated(raw: &str) -> Option<Dated> {
    parse_date(raw).map(|at| Dated {
        at,
        written: raw.trim().to_string(),
    })
}

#[derive(Debug, Default)]
pub(crate) struct RawFeed {
    pub format: String,
    pub title: Option<RawText>,
    pub link: Option<String>,
    pub links: Vec<FeedLink>,
    pub description: Option<RawText>,
    pub id: Option<String>,
    pub authors: Vec<String>,
    /// Authors with what else the document says of them (Atom `<email>`, `<uri>`).
    pub author_details: Vec<Person>,
    pub published: Option<Dated>,
    pub updated: Option<Dated>,
    /// RSS `dcterms:created`.
    pub created: Option<Dated>,
    pub ttl_minutes: Option<u64>,
    pub entries: Vec<RawEntry>,
}

#[derive(Debug, Default)]
pub(crate) struct RawEntry {
    pub guid: Option<String>,
    /// An RSS guid with `isPermaLink="false"` is not an address.
    pub guid_is_permalink: bool,
    pub link: Option<String>,
    pub links: Vec<FeedLink>,
    pub title: Option<RawText>,
    pub authors: Vec<String>,
    pub author_details: Vec<Person>,
    pub published: Option<Dated>,
    pub updated: Option<Dated>,
    /// Atom 0.3 `<created>`.
    pub created: Option<Dated>,
    pub content: Option<RawText>,
    pub summary: Option<RawText>,
    /// `itunes:subtitle`: a podcast episode's one-line description.
    pub subtitle: Option<RawText>,
}
