//! JSON Feed 1.0 and 1.1 (<https://www.jsonfeed.org/version/1.1/>) to `RawFeed`.

use serde_json::Value;
use url::Url;

use super::model::{RawEntry, RawFeed, RawText, TextKind, dated};
use super::{FeedLink, person_name};

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn authors(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = v.get("authors").and_then(Value::as_array) {
        out.extend(
            list.iter()
                .filter_map(|a| s(a, "name"))
                .filter_map(person_name),
        );
    }
    if out.is_empty()
        && let Some(a) = v.get("author")
    {
        out.extend(s(a, "name").and_then(person_name));
    }
    out
}

fn join(base: &Url, href: &str) -> String {
    base.join(href)
        .map_or_else(|_| href.to_string(), |u| u.to_string())
}

pub(crate) fn read_json(v: &Value, base: &Url) -> Option<RawFeed> {
    let version = s(v, "version")?;
    if !version.contains("jsonfeed.org") {
        return None;
    }
    let format = if version.ends_with("/1") {
        "jsonfeed1.0"
    } else if version.ends_with("/1.1") {
        "jsonfeed1.1"
    } else {
        "jsonfeed"
    };
    let mut feed = RawFeed {
        format: format.into(),
        ..RawFeed::default()
    };
    feed.title = s(v, "title").map(|t| RawText::new(t, TextKind::Text));
    feed.link = s(v, "home_page_url").map(|u| join(base, u));
    feed.links
        .extend(feed.link.clone().map(FeedLink::alternate));
    feed.description = s(v, "description").map(|t| RawText::new(t, TextKind::Text));
    feed.authors = authors(v);
    for item in v
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut e = RawEntry {
            guid_is_permalink: false,
            ..RawEntry::default()
        };
        e.guid = match item.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        e.link = s(item, "url")
            .or_else(|| s(item, "external_url"))
            .map(|u| join(base, u));
        e.links.extend(e.link.clone().map(FeedLink::alternate));
        e.title = s(item, "title").map(|t| RawText::new(t, TextKind::Text));
        e.content = s(item, "content_html")
            .map(|t| RawText::new(t, TextKind::Html))
            .or_else(|| s(item, "content_text").map(|t| RawText::new(t, TextKind::Text)));
        e.summary = s(item, "summary").map(|t| RawText::new(t, TextKind::Text));
        e.published = s(item, "date_published").and_then(dated);
        e.updated = s(item, "date_modified").and_then(dated);
        e.authors = authors(item);
        feed.entries.push(e);
    }
    Some(feed)
}
