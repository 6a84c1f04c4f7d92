//! RSS 0.90-0.94, 1.0 (RDF), 2.0/2.01, RSS without a version or without `<channel>`, and
//! Microsoft CDF, from the element tree to `RawFeed`. Elements are matched by namespace key
//! and local name, so `<foo:description>` in an unknown namespace never overrides an item's
//! `<description>`.

use super::model::{RawEntry, RawFeed, RawText, TextKind, dated};
use super::xml::Element;
use super::{FeedLink, person_name, resolve};

/// RSS's own elements: no namespace, or one of the RSS namespaces (0.90, 1.0, userland 2.0).
fn is_rss(e: &Element) -> bool {
    matches!(e.ns.as_str(), "" | "rss090" | "rss10")
}

fn is(e: &Element, ns: &str, local: &str) -> bool {
    if ns.is_empty() {
        is_rss(e) && e.local == local
    } else {
        e.ns == ns && e.local == local
    }
}

fn text(e: &Element) -> String {
    e.text().trim().to_string()
}

pub(crate) fn is_rss_root(root: &Element) -> bool {
    (root.local.eq_ignore_ascii_case("rss") && root.ns != "atom")
        || (root.local == "RDF" && matches!(root.ns.as_str(), "rdf" | "undeclared:rdf" | ""))
        || (root.local == "channel" && is_rss(root))
}

pub(crate) fn read_rss(root: &Element) -> RawFeed {
    let format = if root.local.eq_ignore_ascii_case("rss") {
        match root.attr("version").map(str::trim) {
            Some(v) if !v.is_empty() => {
                let v = if v == "2.0.1" { "2.01" } else { v };
                format!("rss{v}")
            }
            _ => "rss".to_string(),
        }
    } else if root.local == "RDF" {
        if root.elements().any(|e| e.ns == "rss090") {
            "rss0.90".into()
        } else {
            "rss1.0".into()
        }
    } else {
        "rss".to_string()
    };
    let channel = root
        .elements()
        .find(|e| is(e, "", "channel"))
        .unwrap_or(root);
    let mut feed = RawFeed {
        format,
        ..RawFeed::default()
    };
    for c in channel.elements() {
        match (c.ns.as_str(), c.local.as_str()) {
            _ if is(c, "", "title") => feed.title = Some(RawText::new(c.text(), TextKind::Guess)),
            ("dc", "title") if feed.title.is_none() => {
                feed.title = Some(RawText::new(c.text(), TextKind::Guess))
            }
            _ if is(c, "", "link") => {
                let t = text(c);
                if !t.is_empty() {
                    feed.link = Some(resolve(&t, c));
                }
            }
            ("atom", "link") => {
                if let Some(l) = atom_link(c) {
                    feed.links.push(l);
                }
            }
            _ if is(c, "", "description") => {
                feed.description = Some(RawText::new(c.text(), TextKind::Guess))
            }
            ("dc", "description") if feed.description.is_none() => {
                feed.description = Some(RawText::new(c.text(), TextKind::Guess));
            }
            ("itunes", "subtitle") if feed.description.is_none() => {
                feed.description = Some(RawText::new(c.text(), TextKind::Guess));
            }
            _ if is(c, "", "ttl") => feed.ttl_minutes = text(c).parse().ok(),
            _ if is(c, "", "pubDate") => feed.published = dated(&text(c)),
            ("dcterms", "issued") => feed.published = dated(&text(c)),
            ("dc", "date") | ("dcterms", "modified") => feed.updated = dated(&text(c)),
            ("dcterms", "created") => feed.created = dated(&text(c)).or(feed.created),
            _ if is(c, "", "lastBuildDate") => {
                feed.updated = feed.updated.or_else(|| dated(&text(c)))
            }
            ("dc", "creator" | "author") | ("itunes", "author") => {
                push_person(&mut feed.authors, &text(c))
            }
            _ if is(c, "", "managingEditor") => push_person(&mut feed.authors, &text(c)),
            _ => {}
        }
    }
    if feed.link.is_none() {
        feed.link = feed
            .links
            .iter()
            .find(|l| l.rel == "alternate")
            .map(|l| l.href.clone());
    }
    let mut items: Vec<&Element> = channel.elements().filter(|e| is(e, "", "item")).collect();
    if !std::ptr::eq(channel, root) {
        items.extend(root.elements().filter(|e| is(e, "", "item")));
    }
    feed.entries = items.into_iter().map(read_item).collect();
    feed
}

fn push_person(list: &mut Vec<String>, raw: &str) {
    if let Some(n) = person_name(raw) {
        list.push(n);
    }
}

fn atom_link(c: &Element) -> Option<FeedLink> {
    let href = c.attr("href")?.trim();
    Some(FeedLink {
        href: resolve(href, c),
        rel: c.attr("rel").unwrap_or("alternate").trim().to_string(),
        mime_type: c.attr("type").map(str::to_string),
        title: c.attr("title").map(str::to_string),
    })
}

fn read_item(item: &Element) -> RawEntry {
    let mut e = RawEntry {
        guid_is_permalink: true,
        ..RawEntry::default()
    };
    let mut itunes_author = None;
    let mut media_title = None;
    for c in item.elements() {
        match (c.ns.as_str(), c.local.as_str()) {
            _ if is(c, "", "title") => e.title = Some(RawText::new(c.text(), TextKind::Guess)),
            ("dc", "title") if e.title.is_none() => {
                e.title = Some(RawText::new(c.text(), TextKind::Guess))
            }
            _ if is(c, "", "link") => {
                let t = text(c);
                if !t.is_empty() {
                    let href = resolve(&t, c);
                    e.links.push(FeedLink::alternate(href.clone()));
                    e.link = Some(href);
                }
            }
            ("atom", "link") => {
                if let Some(l) = atom_link(c) {
                    e.links.push(l);
                }
            }
            _ if is(c, "", "guid") => {
                let g = text(c);
                if !g.is_empty() {
                    e.guid = Some(g);
                    e.guid_is_permalink = !c
                        .attr("isPermaLink")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
                }
            }
            _ if is(c, "", "description") => e.summary = Some(description(c)),
            ("dc", "description") if e.summary.is_none() => e.summary = Some(description(c)),
            ("content", "encoded") => e.content = Some(RawText::new(c.text(), TextKind::Html)),
            _ if is(c, "", "fullitem") && e.content.is_none() => {
                e.content = Some(RawText::new(c.text(), TextKind::Html))
            }
            ("media", "title") if e.title.is_none() => {
                media_title = Some(RawText::new(c.text(), TextKind::Guess))
            }
            ("xhtml", "body") if e.content.is_none() => {
                e.content = Some(RawText::new(c.inner_markup(), TextKind::Html))
            }
            _ if is(c, "", "author") => push_person(&mut e.authors, &text(c)),
            ("dc", "creator" | "author") => push_person(&mut e.authors, &text(c)),
            ("itunes", "author") => itunes_author = Some(text(c)),
            ("itunes", "subtitle") if e.subtitle.is_none() => {
                e.subtitle = Some(RawText::new(c.text(), TextKind::Guess))
            }
            _ if is(c, "", "pubDate") => e.published = dated(&text(c)).or(e.published),
            ("dc", "date") => e.published = dated(&text(c)).or(e.published),
            ("dcterms", "issued") => e.published = dated(&text(c)).or(e.published),
            ("dcterms", "created") => e.created = dated(&text(c)).or(e.created),
            ("atom" | "", "updated") | ("dcterms", "modified") => {
                e.updated = dated(&text(c)).or(e.updated)
            }
            _ => {}
        }
    }
    if e.title.is_none() {
        e.title = media_title;
    }
    if e.authors.is_empty()
        && let Some(a) = itunes_author
    {
        push_person(&mut e.authors, &a);
    }
    e
}

/// An RSS description is escaped HTML, but some publishers write the markup inline.
fn description(c: &Element) -> RawText {
    if c.has_child_elements() {
        RawText::new(c.inner_markup(), TextKind::Html)
    } else {
        RawText::new(c.text(), TextKind::Guess)
    }
}

pub(crate) fn is_cdf_root(root: &Element) -> bool {
    root.local.eq_ignore_ascii_case("channel")
        && root
            .attrs
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("href"))
        || root.local == "CHANNEL"
}

fn attr_ci<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Microsoft's Channel Definition Format (1997): `<CHANNEL HREF LASTMOD>` with `<ITEM>`s.
pub(crate) fn read_cdf(root: &Element) -> RawFeed {
    let mut feed = RawFeed {
        format: "cdf".into(),
        ..RawFeed::default()
    };
    feed.link = attr_ci(root, "href").map(|h| resolve(h, root));
    feed.links
        .extend(feed.link.clone().map(FeedLink::alternate));
    feed.updated = attr_ci(root, "lastmod").and_then(dated);
    for c in root.elements() {
        match c.local.to_ascii_lowercase().as_str() {
            "title" => feed.title = Some(RawText::new(c.text(), TextKind::Guess)),
            "abstract" => feed.description = Some(RawText::new(c.text(), TextKind::Guess)),
            "item" => {
                let mut e = RawEntry {
                    guid_is_permalink: true,
                    ..RawEntry::default()
                };
                e.link = attr_ci(c, "href").map(|h| resolve(h, c));
                e.links.extend(e.link.clone().map(FeedLink::alternate));
                e.updated = attr_ci(c, "lastmod").and_then(dated);
                for f in c.elements() {
                    match f.local.to_ascii_lowercase().as_str() {
                        "title" => e.title = Some(RawText::new(f.text(), TextKind::Guess)),
                        "abstract" => e.summary = Some(RawText::new(f.text(), TextKind::Guess)),
                        _ => {}
                    }
                }
                feed.entries.push(e);
            }
            _ => {}
        }
    }
    feed
}
