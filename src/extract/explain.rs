//! Why the extractor found what it found, for `redline check --page`: which container the
//! text came from, what the pre-cleaning removed and the post-filter dropped, and where the
//! title, byline and dates were read. Collected only by `explain_article`; the poller's
//! `extract_article` runs with the trace off and pays nothing for it.

use std::collections::BTreeMap;

use dom_query::{Document, NodeRef};

use super::{Extracted, clean_byline, collapse_ws, pre_clean};

/// Where the article's paragraphs came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// readability's top candidate.
    #[default]
    Readability,
    /// JSON-LD `articleBody`: readability found (almost) nothing.
    JsonLd,
    /// Every `<p>` of eight words or more: readability and JSON-LD found (almost) nothing.
    PageParagraphs,
}

/// Elements of one kind removed before readability ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Removal {
    /// `<nav>`, `role=navigation`, `class/id "share"`, `<form>`, ...
    pub what: String,
    pub elements: usize,
    /// Characters of text inside them.
    pub characters: usize,
    /// The first such element, as a selector (`div#share-bar.tools`).
    pub example: String,
}

/// Paragraphs of one kind dropped after extraction.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DropGroup {
    pub reason: &'static str,
    pub count: usize,
    /// Up to three of them, clipped.
    pub examples: Vec<String>,
}

/// Where each field was read. `None`: not found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sources {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    pub text_source: TextSource,
    /// The element the article text sits in, as a selector (readability's pick, located in
    /// the page): `article#story.body`.
    pub container: Option<String>,
    /// Share of the page's `<p>` text (after pre-cleaning) inside the container, in percent.
    pub container_share: Option<u8>,
    /// Characters readability's own text had (after the post-filter).
    pub readability_chars: usize,
    pub removed: Vec<Removal>,
    /// Elements whose class/id says boilerplate but that were kept: they hold the article.
    pub kept: Vec<String>,
    pub dropped: Vec<DropGroup>,
    pub sources: Sources,
    #[serde(skip)]
    pub(super) dropped_raw: Vec<(&'static str, String)>,
    #[serde(skip)]
    removed_map: BTreeMap<String, Removal>,
    #[serde(skip)]
    pub(super) title_from: Option<&'static str>,
    #[serde(skip)]
    pub(super) byline_from: Option<&'static str>,
    #[serde(skip)]
    pub(super) published_from: Option<&'static str>,
    #[serde(skip)]
    pub(super) modified_from: Option<&'static str>,
    #[serde(skip)]
    pub(super) meta_title: Option<String>,
    #[serde(skip)]
    pub(super) meta_author: Option<String>,
    #[serde(skip)]
    pub(super) ld_author: Option<String>,
    #[serde(skip)]
    pub(super) ld_headline: Option<String>,
    #[serde(skip)]
    pub(super) doc_title: Option<String>,
    #[serde(skip)]
    pub(super) first_h1: Option<String>,
}

/// The extractor's trace switch: `Off` costs one branch per recording point.
pub(super) enum Trace {
    Off,
    On(Box<Explanation>),
}

impl Trace {
    pub(super) fn get(&mut self) -> Option<&mut Explanation> {
        match self {
            Self::Off => None,
            Self::On(e) => Some(e),
        }
    }

    pub(super) fn into_explanation(self) -> Explanation {
        match self {
            Self::Off => Explanation::default(),
            Self::On(e) => *e,
        }
    }
}

/// `div#id.class1.class2` for an element (two classes at most).
fn selector(n: &NodeRef) -> String {
    let mut s = n.node_name().map(|t| t.to_string()).unwrap_or_default();
    if let Some(id) = n.attr("id").filter(|i| !i.trim().is_empty()) {
        s.push('#');
        s.push_str(id.trim());
    }
    if let Some(class) = n.attr("class") {
        for c in class.split_whitespace().take(2) {
            s.push('.');
            s.push_str(c);
        }
    }
    s
}

fn clip(s: &str, n: usize) -> String {
    let s = collapse_ws(s);
    if s.chars().count() <= n {
        s
    } else {
        let cut: String = s.chars().take(n).collect();
        format!("{cut}…")
    }
}

impl Explanation {
    fn add_removal(&mut self, what: String, n: &NodeRef) {
        let chars = collapse_ws(&n.text()).chars().count();
        let r = self
            .removed_map
            .entry(what.clone())
            .or_insert_with(|| Removal {
                what,
                example: selector(n),
                ..Removal::default()
            });
        r.elements += 1;
        r.characters += chars;
    }

    /// A `<time>` standing alone on its line (a dateline or timestamp).
    pub(super) fn removed_bare_time(&mut self, n: &NodeRef) {
        self.add_removal("bare <time> (dateline or timestamp)".to_string(), n);
    }

    /// An element removed by type or role (`NOISE_ELEMENTS`).
    pub(super) fn removed_element(&mut self, n: &NodeRef) {
        let name = n.node_name().map(|t| t.to_string()).unwrap_or_default();
        let named = matches!(
            name.as_str(),
            "nav"
                | "aside"
                | "footer"
                | "button"
                | "select"
                | "textarea"
                | "label"
                | "dialog"
                | "figcaption"
                | "template"
                | "iframe"
                | "svg"
                | "canvas"
        );
        let what = if named {
            format!("<{name}>")
        } else if let Some(role) = n.attr("role").filter(|r| {
            matches!(
                r.trim(),
                "navigation"
                    | "complementary"
                    | "contentinfo"
                    | "banner"
                    | "dialog"
                    | "alertdialog"
                    | "search"
                    | "toolbar"
            )
        }) {
            format!("role={}", role.trim())
        } else if n.has_attr("hidden") {
            "hidden".to_string()
        } else if n
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            "aria-hidden".to_string()
        } else if let Some(p) = n.attr("itemprop").filter(|p| p.starts_with("date")) {
            format!("itemprop={p}")
        } else if name == "a" {
            "tag link (rel=tag)".to_string()
        } else {
            format!("<{name}>")
        };
        self.add_removal(what, n);
    }

    /// An element removed for a boilerplate word in its class or id, or a form.
    pub(super) fn removed_by_name(&mut self, n: &NodeRef, token: &str) {
        let what = if token == "form" {
            "<form>".to_string()
        } else {
            format!("class/id \"{token}\"")
        };
        self.add_removal(what, n);
    }

    pub(super) fn kept_wrapper(&mut self, n: &NodeRef, token: &str, inside: usize, total: usize) {
        let pct = inside * 100 / total.max(1);
        self.kept.push(format!(
            "{} kept although its class/id says \"{token}\": it holds {pct}% of the page's paragraph text",
            selector(n)
        ));
    }

    /// One line per reason, for the text output.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.text_source {
            TextSource::Readability => match (&self.container, self.container_share) {
                (Some(c), Some(pct)) => out.push(format!(
                    "text: readability's top candidate, {c} ({pct}% of the page's paragraph text)"
                )),
                (Some(c), None) => out.push(format!("text: readability's top candidate, {c}")),
                (None, _) => out.push(
                    "text: readability's top candidate (its element could not be located in the page)"
                        .into(),
                ),
            },
            TextSource::JsonLd => out.push(format!(
                "text: JSON-LD articleBody (readability found only {} characters)",
                self.readability_chars
            )),
            TextSource::PageParagraphs => out.push(format!(
                "text: the page's <p> elements of 8+ words (readability and JSON-LD found only {} characters)",
                self.readability_chars
            )),
        }
        const SHOWN: usize = 6;
        for r in self.removed.iter().take(SHOWN) {
            out.push(format!(
                "removed {} {} before extraction ({} characters of text), e.g. {}",
                r.elements, r.what, r.characters, r.example
            ));
        }
        if self.removed.len() > SHOWN {
            let rest = &self.removed[SHOWN..];
            out.push(format!(
                "removed {} more elements of {} other kinds ({} characters; --json lists them)",
                rest.iter().map(|r| r.elements).sum::<usize>(),
                rest.len(),
                rest.iter().map(|r| r.characters).sum::<usize>()
            ));
        }
        out.extend(self.kept.iter().cloned());
        for d in &self.dropped {
            out.push(format!(
                "dropped {} paragraph{}: {}, e.g. \u{201c}{}\u{201d}",
                d.count,
                if d.count == 1 { "" } else { "s" },
                d.reason,
                d.examples.first().map_or("", String::as_str)
            ));
        }
        for (field, from) in [
            ("title", &self.sources.title),
            ("byline", &self.sources.byline),
            ("published", &self.sources.published),
            ("modified", &self.sources.modified),
        ] {
            if let Some(from) = from {
                out.push(format!("{field} from {from}"));
            }
        }
        out
    }
}

/// Fills in what needs the result: the container located in a fresh parse of the page,
/// drops grouped, and the field sources named as precisely as the page allows.
pub(super) fn describe(ex: &mut Explanation, x: &Extracted, html: &str) {
    ex.removed = std::mem::take(&mut ex.removed_map).into_values().collect();
    ex.removed
        .sort_by_key(|r| std::cmp::Reverse((r.characters, r.elements)));
    let mut groups: Vec<DropGroup> = Vec::new();
    for (reason, p) in std::mem::take(&mut ex.dropped_raw) {
        let i = match groups.iter().position(|g| g.reason == reason) {
            Some(i) => i,
            None => {
                groups.push(DropGroup {
                    reason,
                    ..DropGroup::default()
                });
                groups.len() - 1
            }
        };
        groups[i].count += 1;
        if groups[i].examples.len() < 3 {
            groups[i].examples.push(clip(&p, 80));
        }
    }
    ex.dropped = groups;
    if ex.text_source == TextSource::Readability && !x.paragraphs.is_empty() {
        locate_container(ex, x, html);
    }
    ex.sources = Sources {
        title: title_source(ex, x),
        byline: byline_source(ex, x),
        published: ex.published_from.map(str::to_string),
        modified: ex.modified_from.map(str::to_string),
    };
}

fn title_source(ex: &Explanation, x: &Extracted) -> Option<String> {
    let title = x.title.as_deref()?;
    let from = ex.title_from?;
    if from != "readability" {
        return Some(from.to_string());
    }
    let same = |v: &Option<String>| v.as_deref().is_some_and(|v| collapse_ws(v) == title);
    Some(
        if same(&ex.ld_headline) {
            "JSON-LD headline (via readability)"
        } else if same(&ex.meta_title) {
            "<meta property=og:title> (via readability)"
        } else if same(&ex.first_h1) {
            "the page's <h1> (via readability)"
        } else if same(&ex.doc_title) {
            "<title> (via readability)"
        } else if ex.doc_title.as_deref().is_some_and(|t| t.contains(title)) {
            "<title>, site name cut off (via readability)"
        } else {
            "readability's pick from the page"
        }
        .to_string(),
    )
}

fn byline_source(ex: &Explanation, x: &Extracted) -> Option<String> {
    let byline = x.byline.as_deref()?;
    let from = ex.byline_from?;
    if from != "readability" {
        return Some(from.to_string());
    }
    let same = |v: &Option<String>| {
        v.as_deref()
            .and_then(clean_byline)
            .is_some_and(|v| v == byline)
    };
    Some(
        if same(&ex.ld_author) {
            "JSON-LD author (via readability)"
        } else if same(&ex.meta_author) {
            "<meta name=author> (via readability)"
        } else {
            "visible byline text (rel=author, class byline/author; via readability)"
        }
        .to_string(),
    )
}

/// Finds readability's container in the page as the smallest element holding the first and
/// the last extracted paragraph.
fn locate_container(ex: &mut Explanation, x: &Extracted, html: &str) {
    let doc = Document::from(html);
    pre_clean(&doc, &mut Trace::Off);
    let head = |p: &str| collapse_ws(p).chars().take(40).collect::<String>();
    let (Some(first), Some(last)) = (x.paragraphs.first(), x.paragraphs.last()) else {
        return;
    };
    let (first, last) = (head(first), head(last));
    let blocks = doc.select("p, li, blockquote, pre, h1, h2, h3, h4, h5, h6, td, dd, div");
    // The smallest block holding each: the paragraph itself, or the block a <br> split.
    let mut a: Option<(usize, NodeRef)> = None;
    let mut b: Option<(usize, NodeRef)> = None;
    for n in blocks.iter() {
        let Some(node) = n.nodes().first().cloned() else {
            continue;
        };
        let text = collapse_ws(&node.text());
        let len = text.len();
        if text.contains(&first) && a.as_ref().is_none_or(|(l, _)| len < *l) {
            a = Some((len, node));
        }
        if text.contains(&last) && b.as_ref().is_none_or(|(l, _)| len <= *l) {
            b = Some((len, node));
        }
    }
    let (Some((_, a)), Some((_, b))) = (a, b) else {
        return;
    };
    let mut up: Vec<NodeRef> = vec![a];
    up.extend(a.ancestors_it(None));
    let ids: Vec<_> = up.iter().map(|n| n.id).collect();
    let mut cur = Some(b);
    let lca = loop {
        match cur {
            Some(n) if ids.contains(&n.id) => break Some(n),
            Some(n) => cur = n.parent(),
            None => break None,
        }
    };
    let Some(mut c) = lca else { return };
    // A paragraph is not a container: a one-paragraph article sits in the paragraph's parent.
    if c.has_name("p")
        && let Some(p) = c.parent()
    {
        c = p;
    }
    let page: usize = doc
        .select("p")
        .iter()
        .map(|p| p.text().trim().chars().count())
        .sum();
    let inside: usize = c
        .descendants_it()
        .filter(|d| d.has_name("p"))
        .map(|d| d.text().trim().chars().count())
        .sum();
    ex.container = Some(selector(&c));
    ex.container_share = (inside * 100)
        .checked_div(page)
        .and_then(|pct| u8::try_from(pct.min(100)).ok());
}

#[cfg(test)]
mod tests {
    use super::super::explain_article;
    use super::*;

    const PAGE: &str = r##"<!DOCTYPE html><html><head>
<title>Tram line to the airport opens a year late | Riverside Post</title>
<meta property="og:title" content="Tram line to the airport opens a year late">
<meta property="article:published_time" content="2026-11-30T07:00:00+01:00">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tram line to the airport opens a year late",
 "author": {"@type": "Person", "name": "Tomasz Wilk"}, "dateModified": "2026-11-30T12:40:00Z"}</script>
</head><body>
<nav><a href="/">Home</a> <a href="/city">City</a> <a href="/transport">Transport</a></nav>
<main><div id="story-text" class="story-body wide">
<h1>Tram line to the airport opens a year late</h1>
<div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Share by email</a></div>
<p>The first trams on the new airport line carried passengers on Monday morning, fourteen months after the date the city had promised when building began in 2023.</p>
<p>Advertisement</p>
<p>The line runs eleven kilometres from the central station to the terminal, with seven stops, and the transport authority says a trip will take nineteen minutes at most.</p>
<p>Its cost rose from 310 million to 402 million euros, mostly because of a tunnel section under the ring road that had to be redesigned after flooding in the spring of 2024.</p>
<p>"We know people waited too long for this," the deputy mayor said at the opening. Commuter groups welcomed the line but asked for trams after midnight on weekends.</p>
</div>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Airport adds gates</a></li></ul></aside>
</main><footer>Riverside Post, 12 Quay Street</footer></body></html>"##;

    #[test]
    fn the_explanation_names_container_removals_drops_and_sources() {
        let url = url::Url::parse("https://riverside.example/city/airport-tram").expect("url");
        let (x, ex) = explain_article(PAGE, &url).expect("extracts");
        assert_eq!(x.paragraphs.len(), 4, "{:?}", x.paragraphs);
        assert_eq!(ex.text_source, TextSource::Readability);
        assert_eq!(
            ex.container.as_deref(),
            Some("div#story-text.story-body.wide")
        );
        assert_eq!(ex.container_share, Some(100));
        let removed = |what: &str| ex.removed.iter().find(|r| r.what == what);
        assert_eq!(removed("<nav>").map(|r| r.elements), Some(1));
        assert_eq!(removed("<footer>").map(|r| r.elements), Some(1));
        assert_eq!(removed("<aside>").map(|r| r.elements), Some(1));
        let share = removed("class/id \"share\"").expect("share tools removed");
        assert_eq!(share.example, "div.share-tools");
        assert_eq!(share.characters, "Share on Facebook Share by email".len());
        assert_eq!(
            ex.dropped,
            vec![DropGroup {
                reason: "stock line (Advertisement, Continue reading, ...)",
                count: 1,
                examples: vec!["Advertisement".into()],
            }]
        );
        assert_eq!(
            ex.sources.title.as_deref(),
            Some("JSON-LD headline (via readability)")
        );
        // dom_smoothie does not read this JSON-LD author; the fallback does.
        assert_eq!(ex.sources.byline.as_deref(), Some("JSON-LD author"));
        assert_eq!(x.byline.as_deref(), Some("Tomasz Wilk"));
        assert_eq!(
            ex.sources.published.as_deref(),
            Some("<meta property=article:published_time>")
        );
        assert_eq!(ex.sources.modified.as_deref(), Some("JSON-LD dateModified"));
        let lines = ex.lines();
        assert_eq!(
            lines[0],
            "text: readability's top candidate, div#story-text.story-body.wide (100% of the page's paragraph text)"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("dropped 1 paragraph: stock line")
                    && l.contains("Advertisement")),
            "{lines:#?}"
        );
    }

    #[test]
    fn text_from_json_ld_is_said_to_come_from_there() {
        // A script-rendered page: one teaser line in the HTML, the article in JSON-LD.
        let html = r#"<html><head><title>Bridge closed</title>
<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "The Mill Road bridge will close to traffic for six weeks from Monday while engineers replace its bearings, the council said.\n\nBuses on routes 4 and 11 will be diverted over the Quay Street bridge, adding about ten minutes to journeys at peak times.\n\nPedestrians and cyclists can still cross on a temporary walkway on the east side of the bridge, which will stay open around the clock."}</script>
</head><body><div id="app"><p>Bridge closes for six weeks.</p></div></body></html>"#;
        let url = url::Url::parse("https://riverside.example/bridge").expect("url");
        let (x, ex) = explain_article(html, &url).expect("extracts");
        assert_eq!(x.paragraphs.len(), 3, "{:?}", x.paragraphs);
        assert_eq!(ex.text_source, TextSource::JsonLd);
        assert_eq!(ex.container, None);
        assert!(
            ex.lines()[0].starts_with("text: JSON-LD articleBody (readability found only "),
            "{:?}",
            ex.lines()
        );
        assert!(ex.sources.byline.is_none() && ex.sources.modified.is_none());
    }
}
