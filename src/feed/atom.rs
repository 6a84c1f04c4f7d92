//! Atom 1.0 and Atom 0.3 from the element tree to `RawFeed`. Text constructs of every type
//! are read: `text` literally, `html`/escaped as HTML, `xhtml`/inline XML serialised, base64
//! decoded; an unknown type is read as text, never a failure.

use super::model::{RawEntry, RawFeed, RawText, TextKind, dated};
use super::xml::Element;
use super::{FeedLink, Person, person_name, resolve};

fn is_atom_ns(ns: &str) -> bool {
    matches!(ns, "atom" | "atom03" | "")
}

/// `<feed>` in an Atom namespace, none, or (as feedparser accepts) any namespace at all: the
/// children in the root's own namespace are then read as Atom.
pub(crate) fn is_atom_root(root: &Element) -> bool {
    root.local == "feed"
}

fn is_own(c: &Element, root_ns: &str) -> bool {
    is_atom_ns(&c.ns) || c.ns == root_ns
}

pub(crate) fn read_atom(root: &Element) -> RawFeed {
    let format = match (root.ns.as_str(), root.attr("version").map(str::trim)) {
        ("atom", _) => "atom1.0".to_string(),
        ("atom03", _) | (_, Some("0.3")) => "atom0.3".to_string(),
        (_, Some(v)) if !v.is_empty() => format!("atom{v}"),
        _ => "atom".to_string(),
    };
    let mut feed = RawFeed {
        format,
        ..RawFeed::default()
    };
    for c in root.elements().filter(|c| is_own(c, &root.ns)) {
        match c.local.as_str() {
            "title" => feed.title = Some(text_construct(c)),
            "subtitle" | "tagline" => feed.description = Some(text_construct(c)),
            "id" => feed.id = Some(c.text().trim().to_string()).filter(|s| !s.is_empty()),
            "link" => feed.links.extend(link(c)),
            "author" => {
                feed.authors.extend(person(c));
                feed.author_details.push(person_detail(c));
            }
            "updated" | "modified" => feed.updated = dated(&c.text()).or(feed.updated),
            "published" | "issued" => feed.published = dated(&c.text()).or(feed.published),
            "entry" => feed.entries.push(read_entry(c, &root.ns)),
            _ => {}
        }
    }
    feed.id = feed.id.map(|id| resolve_id(&id, root));
    feed.link = alternate(&feed.links);
    feed
}

/// An id that is a relative reference resolves against the base like a link does (feedparser
/// does this for feed ids); absolute ids are kept byte for byte.
fn resolve_id(id: &str, e: &Element) -> String {
    if id.contains(':') {
        id.to_string()
    } else {
        resolve(id, e)
    }
}

fn alternate(links: &[FeedLink]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel == "alternate")
        .map(|l| l.href.clone())
}

fn read_entry(entry: &Element, root_ns: &str) -> RawEntry {
    let mut e = RawEntry::default();
    let mut content_rank = 0;
    for c in entry.elements().filter(|c| is_own(c, root_ns)) {
        match c.local.as_str() {
            "title" if e.title.is_none() => e.title = Some(text_construct(c)),
            "id" if e.guid.is_none() => {
                e.guid = Some(c.text().trim().to_string()).filter(|s| !s.is_empty())
            }
            "link" => e.links.extend(link(c)),
            "author" => {
                e.authors.extend(person(c));
                e.author_details.push(person_detail(c));
            }
            "summary" if e.summary.is_none() => e.summary = Some(text_construct(c)),
            "content" => {
                // Several <content> elements: prefer HTML over text, the first of a kind.
                let t = text_construct(c);
                let rank = match t.kind {
                    TextKind::Html => 3,
                    TextKind::Guess => 2,
                    TextKind::Text => 1,
                };
                if rank > content_rank {
                    content_rank = rank;
                    e.content = Some(t);
                }
            }
            "updated" | "modified" => e.updated = dated(&c.text()).or(e.updated),
            "published" | "issued" => e.published = dated(&c.text()).or(e.published),
            "created" => e.created = dated(&c.text()).or(e.created),
            _ => {}
        }
    }
    e.link = alternate(&e.links);
    e
}

fn link(c: &Element) -> Option<FeedLink> {
    // `<link>https://...</link>` without href: RSS habits in an Atom feed.
    let text = c.text();
    let href = c
        .attr("href")
        .map(str::trim)
        .or_else(|| Some(text.trim()).filter(|t| !t.is_empty()))?;
    Some(FeedLink {
        href: resolve(href, c),
        rel: c
            .attr("rel")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("alternate")
            .to_string(),
        mime_type: c.attr("type").map(str::to_string),
        title: c.attr("title").map(str::to_string),
    })
}

fn person(c: &Element) -> Option<String> {
    let name = c
        .elements()
        .find(|n| n.local == "name")
        .map(Element::text)
        .unwrap_or_else(|| {
            if c.has_child_elements() {
                String::new()
            } else {
                c.text()
            }
        });
    person_name(&name)
}

/// Everything an Atom person construct says: feedparser's `author_detail`.
fn person_detail(c: &Element) -> Person {
    let child = |local: &str| {
        c.elements()
            .find(|n| n.local == local)
            .map(|n| n.text().trim().to_string())
            .filter(|t| !t.is_empty())
    };
    Person {
        name: person(c),
        email: child("email"),
        // Atom 0.3 wrote `<url>`, 1.0 `<uri>`.
        uri: child("uri")
            .or_else(|| child("url"))
            .map(|u| resolve(&u, c)),
    }
}

pub(crate) fn text_construct(c: &Element) -> RawText {
    let ty = c.attr("type").unwrap_or("").trim().to_ascii_lowercase();
    let mode = c.attr("mode").unwrap_or("").trim().to_ascii_lowercase();
    let declared = |decoded: String| -> RawText {
        if ty.contains("html") {
            RawText::new(decoded, TextKind::Html)
        } else if ty.is_empty() || ty == "text" || ty == "text/plain" {
            RawText::new(decoded, TextKind::Text)
        } else {
            RawText::new(decoded, TextKind::Guess)
        }
    };
    let is_binary = !ty.is_empty()
        && !ty.starts_with("text")
        && !ty.contains("xml")
        && !matches!(ty.as_str(), "html" | "xhtml");
    if mode == "base64" || (is_binary && !c.has_child_elements()) {
        let raw = c.text();
        if let Some(bytes) = base64_decode(&raw) {
            return declared(String::from_utf8_lossy(&bytes).into_owned());
        }
        return RawText::new(raw, TextKind::Guess);
    }
    if c.has_child_elements() {
        // type="xhtml": the content is the inside of one xhtml <div>.
        let only = c
            .elements()
            .next()
            .filter(|d| d.local == "div" && c.elements().count() == 1);
        let markup = match (ty.as_str(), only) {
            ("xhtml", Some(div)) => div.inner_markup(),
            _ => c.inner_markup(),
        };
        return RawText::new(markup, TextKind::Html);
    }
    if mode == "escaped" && ty.is_empty() {
        return RawText::new(c.text(), TextKind::Html);
    }
    declared(c.text())
}

/// Standard or URL-safe base64, whitespace ignored; `None` when it is not base64.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xFF).unwrap_or(0));
        }
    }
    Some(out)
}
