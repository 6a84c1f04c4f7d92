//! What the format readers (`rss`, `atom`, `json`) hand to `mod.rs`: values as the document
//! gives them, text constructs still tagged with how to read them.

use chrono::{DateTime, Utc};

use super::FeedLink;

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

#[derive(Debug, Default)]
pub(crate) struct RawFeed {
    pub format: String,
    pub title: Option<RawText>,
    pub link: Option<String>,
    pub links: Vec<FeedLink>,
    pub description: Option<RawText>,
    pub id: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
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
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Atom 0.3 `<created>`.
    pub created: Option<DateTime<Utc>>,
    pub content: Option<RawText>,
    pub summary: Option<RawText>,
}
