//! Article extraction: turns a fetched news page into title, byline, dates and the
//! article's paragraphs, and turns feed HTML fragments into plain text.
//!
//! The main-content detection is dom_smoothie (a readability.js port). Around it this
//! module adds what matters for tracking edits:
//!
//! * **Input caps** ([`MAX_HTML_BYTES`], [`MAX_NESTING`], [`MAX_ELEMENTS`]): html5ever and
//!   dom_smoothie are both super-linear in nesting depth (100 000 nested `<div>`s take about
//!   a minute to parse and then overflow the stack, which aborts the process), so hostile
//!   input is bounded *before* it is parsed. With the caps the worst inputs found cost about
//!   3 s of CPU (4 MiB of `<`, or 128 nested wrappers around 99 000 paragraphs); a typical
//!   page costs 2–5 ms. Callers should still run this on a blocking thread.
//! * **Pre-cleaning**: boilerplate that readability keeps because it sits inside the
//!   article container (ads, share tools, related-links boxes, newsletter prompts, photo
//!   captions and credits, datelines, tag lists, galleries) is removed by element type,
//!   ARIA role and class/id vocabulary, never by site. A size guard stops a loose class
//!   name (`share`, `meta`, …) on a wrapper from taking the whole article with it.
//! * **Post-filtering** of the paragraphs: stock lines ("Advertisement", "Continue reading
//!   below"), "Related:"/"Read more:" teasers, photo credits, datelines, copyright lines
//!   and repeated paragraphs. A stray line of boilerplate would otherwise show up as an
//!   "edit" whenever the site rotates it.
//! * **Dates**: `modified` comes from `article:modified_time`, JSON-LD `dateModified`,
//!   `itemprop=dateModified`, `og:updated_time` and a few rarer forms; dom_smoothie alone
//!   misses many of them. Dates that parse are returned as RFC 3339.
//! * **Furniture**: visible update stamps ("Updated 14:05 GMT"), byline and credit lines
//!   ("Additional reporting by …") are taken out of the text and returned as `update_line` /
//!   `byline` / `credit` (`stamps::split_furniture`);
//!   the update line is also looked for in the page around the article, where sites usually
//!   print it. Correction notices stay in the text and are named in `notice`.
//! * **Fallback**: when readability finds (almost) nothing, JSON-LD `articleBody` or the
//!   page's own `<p>` elements are used instead.
//!
//! Everything here is pure: no IO, no clock.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use dom_query::{Document, NodeRef, Selection};
use dom_smoothie::{Config, Readability, ReadabilityError, TextMode};

mod explain;
use explain::Trace;
pub use explain::{DropGroup, Explanation, Removal, Sources, TextSource};

/// Stored with every extracted version: a change in the text between two versions with
/// different extractors may be ours, not the publisher's.
pub const EXTRACTOR_VERSION: &str = concat!("redline-extract/", env!("CARGO_PKG_VERSION"));

/// Pages longer than this are cut (at a character boundary) before parsing. Real article
/// pages are well under 2 MiB (the largest of 60 benchmark pages is 1.4 MiB); adversarial
/// junk costs the parser and readability up to ~1 µs per byte, so this also caps CPU time.
pub const MAX_HTML_BYTES: usize = 4 * 1024 * 1024;

/// Deepest element nesting passed to the parser; deeper start tags are dropped (their text
/// is kept). Parsing is quadratic in depth and readability's cleaning costs elements ×
/// depth, so this bounds both. Blink's parser allows 512; real news pages stay below 40,
/// and 128 keeps the elements × depth worst case to a few seconds.
pub const MAX_NESTING: usize = 128;

/// Pages with more elements than this are refused ([`ExtractError::TooManyElements`]).
/// A heavy real page has around 10 000–20 000.
pub const MAX_ELEMENTS: usize = 100_000;

/// Below this many characters of article text readability is taken to have missed the
/// article, and the fallbacks are tried.
const MIN_ARTICLE_CHARS: usize = 250;

/// Fields are `None` when the page does not say; `paragraphs` may be empty for pages that
/// are not articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    pub byline: Option<String>,
    /// As found on the page; RFC 3339 if it parses as a date with a time zone.
    pub published: Option<String>,
    /// `article:modified_time`, `og:updated_time`, `itemprop=dateModified`, JSON-LD
    /// `dateModified`, …; RFC 3339 if it parses.
    pub modified: Option<String>,
    /// The page's visible update stamp ("Updated 14:05 GMT"), not part of `paragraphs`.
    pub update_line: Option<String>,
    /// Correction or editor's notes found in `paragraphs` (which keep them).
    pub notice: Option<String>,
    /// A credit line ("Additional reporting by …") taken out of `paragraphs`.
    pub credit: Option<String>,
    /// Main text, one entry per paragraph, trimmed, no empties.
    pub paragraphs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("page has more than {max} elements")]
    TooManyElements { max: usize },
    /// Cannot happen with a parsed `Url` today; kept so a dom_smoothie change surfaces as an
    /// error rather than a panic.
    #[error("page url is not usable as a document url")]
    BadUrl,
    #[error("readability failed")]
    Readability(#[source] ReadabilityError),
}

/// Extracts the article from a whole HTML page. `page_url` resolves relative links and
/// lets readability judge same-site links.
pub fn extract_article(html: &str, page_url: &url::Url) -> Result<Extracted, ExtractError> {
    extract_inner(html, page_url, &mut Trace::Off)
}

/// [`extract_article`], and why it found what it found (for `redline check --page`): the
/// container, what was removed and dropped, where each field came from. Costs a second
/// parse of the page; the poller never calls it.
pub fn explain_article(
    html: &str,
    page_url: &url::Url,
) -> Result<(Extracted, Explanation), ExtractError> {
    let mut trace = Trace::On(Box::default());
    let x = extract_inner(html, page_url, &mut trace)?;
    let mut ex = trace.into_explanation();
    let prepared = prepare_page(html);
    explain::describe(&mut ex, &x, &prepared);
    Ok((x, ex))
}

fn extract_inner(
    html: &str,
    page_url: &url::Url,
    trace: &mut Trace,
) -> Result<Extracted, ExtractError> {
    let html = prepare_page(html);
    let doc = Document::from(html.as_ref());
    // Checked here, not only by readability, because the pre-cleaning below is already
    // proportional to elements × nesting.
    if doc
        .root()
        .descendants_it()
        .filter(NodeRef::is_element)
        .count()
        > MAX_ELEMENTS
    {
        return Err(ExtractError::TooManyElements { max: MAX_ELEMENTS });
    }

    // Metadata first: the pre-cleaning removes the itemprop date elements some of it comes
    // from.
    let ld = JsonLd::from_doc(&doc);
    // Read once: the lookups below ask for a dozen keys between them.
    let metas = doc.select("meta[content]");
    let modified = find_modified(&doc, &metas, &ld);
    let published_fallback = find_published(&doc, &metas, &ld);
    let byline_fallback = ld
        .author
        .clone()
        .map(|a| (a, "JSON-LD author"))
        .or_else(|| meta_content(&metas, &["author"]).map(|a| (a, "<meta name=author>")));
    let title_fallback = meta_content(&metas, &["og:title", "twitter:title"]);
    if let Some(ex) = trace.get() {
        ex.meta_title = title_fallback.clone();
        ex.meta_author = meta_content(&metas, &["author"]);
        ex.ld_author = ld.author.clone();
        ex.ld_headline = ld.headline.clone();
        ex.doc_title = non_empty(collapse_ws(&doc.select("title").text()));
        ex.first_h1 = non_empty(collapse_ws(&doc.select("h1").first().text()));
    }
    let (modified, modified_from) = modified.unzip();
    let (published_fallback, published_from) = published_fallback.unzip();
    // Before the pre-cleaning: stamps usually sit in a "timestamp"/"meta" box it removes.
    let (page_update_line, page_byline) = find_furniture(&doc);

    drop_bare_times(&doc, trace);
    pre_clean(&doc, trace);

    drop(metas);
    let cfg = Config {
        text_mode: TextMode::Formatted,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let mut readability =
        Readability::with_document(doc, Some(page_url.as_str()), Some(cfg)).map_err(map_err)?;
    let (mut paragraphs, links, title, byline, published) = match readability.parse() {
        Ok(article) => (
            split_paragraphs(&article.text_content),
            anchor_texts(&article.content),
            non_empty(article.title.to_string()),
            article.byline.and_then(non_empty),
            article.published_time.and_then(non_empty),
        ),
        // Nothing that looked like an article: the fallbacks below may still find text.
        Err(ReadabilityError::GrabFailed) => (Vec::new(), Vec::new(), None, None, None),
        Err(e) => return Err(map_err(e)),
    };
    let mut dropped = Vec::new();
    paragraphs = post_filter_into(paragraphs, &links, &mut dropped);
    let mut source = explain::TextSource::Readability;
    let readability_chars = text_len(&paragraphs);

    if text_len(&paragraphs) < MIN_ARTICLE_CHARS {
        // Readability took the document and left it half-stripped, so the page's own `<p>`
        // texts come from a second parse, cleaned as the first one was. Only pages where
        // readability found (almost) nothing pay for it; collecting them on every page cost
        // ~3% of an extraction.
        let fallback_paragraphs = {
            let doc = Document::from(html.as_ref());
            drop_bare_times(&doc, &mut Trace::Off);
            pre_clean(&doc, &mut Trace::Off);
            paragraph_texts(&doc)
        };
        let candidates = [
            ld.article_body.as_deref().map(|body| {
                let mut d = Vec::new();
                let p = post_filter_into(split_paragraphs(body), &[], &mut d);
                (explain::TextSource::JsonLd, p, d)
            }),
            Some({
                let mut d = Vec::new();
                let p = post_filter_into(fallback_paragraphs, &[], &mut d);
                (explain::TextSource::PageParagraphs, p, d)
            }),
        ];
        for (kind, candidate, d) in candidates.into_iter().flatten() {
            if text_len(&candidate) > text_len(&paragraphs) {
                paragraphs = candidate;
                source = kind;
                dropped = d;
            }
        }
    }

    if let Some(ex) = trace.get() {
        ex.text_source = source;
        ex.readability_chars = readability_chars;
        ex.dropped_raw = dropped;
        ex.title_from = match (&title, &title_fallback) {
            (Some(_), _) => Some("readability"),
            (None, Some(_)) => Some("<meta property=og:title> (readability found none)"),
            _ => None,
        };
        ex.byline_from = match (&byline, &byline_fallback) {
            (Some(_), _) => Some("readability"),
            (None, Some((_, from))) => Some(from),
            _ => None,
        };
        ex.published_from = published_from.or(published.as_ref().map(|_| "readability"));
        ex.modified_from = modified_from;
    }
    let (paragraphs, furniture, notice) = crate::stamps::split_furniture(paragraphs);

    Ok(Extracted {
        title: title.or(title_fallback).map(|t| collapse_ws(&t)),
        byline: byline
            .or(byline_fallback.map(|(b, _)| b))
            .or(furniture.byline)
            .or(page_byline)
            .and_then(|b| clean_byline(&b)),
        update_line: furniture.update_line.or(page_update_line),
        notice,
        credit: furniture.credit,
        // The page's own structured stamp first: readability's pick can be display text.
        published: published_fallback.or_else(|| published.map(|p| normalize_date(&p))),
        modified,
        paragraphs,
    })
}

/// Converts an HTML fragment (feed summary, `content:encoded`) to plain text: paragraphs
/// separated by a blank line, `<br>` and list items by a newline, entities decoded,
/// script/style/noscript/iframe dropped.
pub fn html_fragment_to_text(html: &str) -> String {
    // Before the nesting bound, which must see the tags that escaping a bogus `<!` uncovers
    // (each `<!'<div>` would otherwise open an unbounded level).
    let html = literal_bogus_declarations(&html[..html.floor_char_boundary(MAX_HTML_BYTES)]);
    let html = bound_input(&html);
    let doc = Document::fragment(html.as_ref());
    // formatted_text() would otherwise include the source of scripts and styles.
    doc.select("script, style, noscript, iframe, template")
        .remove();
    let text = doc.formatted_text();
    split_paragraphs(&text).join("\n\n")
}

/// `<!` that opens neither a comment (`<!--`), a CDATA section nor a declaration closed by a
/// later `>` is text, as feedparser reads it: the HTML parser would make it a bogus comment
/// and swallow everything up to the next `>` (`<!' <a href="x">` shows nothing), or drop an
/// unterminated `<!DOCTYPE` at the end. A fragment that says it keeps it. See: #9
fn literal_bogus_declarations(html: &str) -> Cow<'_, str> {
    if !html.contains("<!") {
        return Cow::Borrowed(html);
    }
    let last_gt = html.rfind('>');
    let mut out = String::with_capacity(html.len() + 8);
    let mut rest = 0;
    for (i, _) in html.match_indices("<!") {
        let after = &html[i + 2..];
        let markup = after.starts_with("--")
            || after.starts_with("[CDATA[")
            || (after.starts_with(|c: char| c.is_ascii_alphabetic())
                && last_gt.is_some_and(|g| g > i));
        if !markup {
            out.push_str(&html[rest..i]);
            out.push_str("&lt;");
            rest = i + 1;
        }
    }
    if rest == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[rest..]);
    Cow::Owned(out)
}

fn map_err(e: ReadabilityError) -> ExtractError {
    match e {
        ReadabilityError::TooManyElements(_, max) => ExtractError::TooManyElements { max },
        ReadabilityError::BadDocumentURL => ExtractError::BadUrl,
        other => ExtractError::Readability(other),
    }
}

// ---------------------------------------------------------------------------------------
// Input bounds
// ---------------------------------------------------------------------------------------

/// Applies [`MAX_HTML_BYTES`] and [`MAX_NESTING`]; borrows when the input is within both.
fn bound_input(html: &str) -> Cow<'_, str> {
    let html = &html[..html.floor_char_boundary(MAX_HTML_BYTES)];
    flatten_deep_nesting(html, MAX_NESTING, false)
}

/// [`bound_input`] for a whole page, which also drops what no later step reads: `<style>` and
/// every `<script>` but JSON-LD. On a typical news page that is a third to a half of the
/// bytes, and each of them would otherwise be tokenized, put in the tree, copied by each of
/// readability's attempts and removed again. The same pass, so it costs nothing extra.
/// Comments stay: React pages split a sentence with `<!-- -->`, and dropping them merges text
/// nodes, which made a footer's "(updated 5/25/18) and" read as the page's update stamp.
fn prepare_page(html: &str) -> Cow<'_, str> {
    let html = &html[..html.floor_char_boundary(MAX_HTML_BYTES)];
    flatten_deep_nesting(html, MAX_NESTING, true)
}

/// Start tag never opens a nesting level: void elements, those the parser closes
/// implicitly when a sibling starts (so they cannot pile up), and the document elements,
/// which the parser never nests. `li`, `dt` and `dd` are not among them: a sibling closes
/// them, but a nested list (`ul > li > ul > li`) nests them.
const NON_NESTING: u8 = 1;
/// Content is raw text (outside SVG/MathML): tags inside are not markup.
const RAW_TEXT: u8 = 2;
/// The parser's "special" elements: an end tag for an ordinary element is ignored if one
/// of these is open above it.
const SPECIAL: u8 = 4;
/// An end tag for a special element is ignored if one of these is open above it.
const SCOPE_BOUNDARY: u8 = 8;
/// Table rows and cells: their tags close whatever the previous cell left open, back to
/// the enclosing table.
const TABLE_PART: u8 = 16;
/// `<svg>` / `<math>`: inside them "/>" really self-closes and nothing is raw text.
const FOREIGN_ROOT: u8 = 32;
const TABLE: u8 = 64;
/// `li`, `dt`, `dd`: a start tag closes the open one of its kind unless a special element
/// (other than `address`, `div`, `p`) is open above it, as the parser does.
const LIST_ITEM: u8 = 128;

/// How the HTML parser treats a tag name, as far as nesting depth is concerned.
fn tag_flags(name: &str) -> u8 {
    let mut buf = [0u8; 16];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return 0; // longer than any HTML element name: a custom element, ordinary
    };
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    match &*lower {
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
        | b"meta" | b"source" | b"track" | b"wbr" | b"param" | b"keygen" | b"basefont"
        | b"bgsound" | b"frame" | b"p" | b"option" | b"optgroup" | b"rb" | b"rt" | b"rtc"
        | b"rp" | b"html" | b"head" | b"body" => NON_NESTING,
        b"li" | b"dt" | b"dd" => LIST_ITEM,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed"
        | b"noframes" | b"plaintext" => RAW_TEXT,
        b"tr" | b"td" | b"th" | b"tbody" | b"thead" | b"tfoot" | b"caption" | b"colgroup" => {
            TABLE_PART
        }
        b"table" => TABLE | SPECIAL | SCOPE_BOUNDARY,
        b"applet" | b"marquee" | b"object" | b"template" => SPECIAL | SCOPE_BOUNDARY,
        b"address" | b"article" | b"aside" | b"blockquote" | b"button" | b"center" | b"details"
        | b"dir" | b"div" | b"dl" | b"fieldset" | b"figcaption" | b"figure" | b"footer"
        | b"form" | b"frameset" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"header"
        | b"hgroup" | b"listing" | b"main" | b"menu" | b"nav" | b"noscript" | b"ol" | b"pre"
        | b"search" | b"section" | b"select" | b"summary" | b"ul" | b"foreignobject" | b"desc"
        | b"mi" | b"mo" | b"mn" | b"ms" | b"mtext" | b"annotation-xml" => SPECIAL,
        b"svg" | b"math" => FOREIGN_ROOT,
        _ => 0,
    }
}

/// Drops start tags that would nest deeper than `limit`, keeping their text (the end tags
/// then match nothing and the parser ignores them). With `strip`, also drops `<style>`
/// and `<script>` elements (JSON-LD scripts stay), outside SVG/MathML.
///
/// It keeps a model of the parser's stack of open elements, following the spec's rules for
/// when an end tag pops. Where the model is unsure it keeps elements open: over-estimating
/// depth only flattens sloppy markup, while under-estimating would let hostile markup such
/// as `<span><div></span>` repeated (the parser ignores that `</span>`) through.
fn flatten_deep_nesting(html: &str, limit: usize, strip: bool) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // (name, flags); at most `limit` entries.
    let mut stack: Vec<(&str, u8)> = Vec::new();
    let mut foreign = 0usize;
    let mut out: Option<String> = None;
    let mut copied_to = 0usize;
    let mut i = 0usize;

    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + off;
        let Some(tag) = scan_tag(bytes, start) else {
            i = start + 1;
            continue;
        };
        i = tag.end;
        let name = &html[tag.name.clone()];
        let flags = tag_flags(name);
        match tag.kind {
            TagKind::Other => {}
            TagKind::Start { self_closing } => {
                // A table always holds a row group, a row and a cell (the parser adds them
                // if missing): count all four levels.
                let levels = if flags & TABLE != 0 { 4 } else { 1 };
                if foreign == 0 && flags & RAW_TEXT != 0 {
                    i = skip_raw_text(bytes, tag.end, name);
                    if strip
                        && is_unread_raw_text(name, &bytes[start..tag.end])
                        && !after_lt(html, &out, copied_to, start)
                    {
                        cut(html, &mut out, &mut copied_to, start, i);
                    }
                } else if flags & TABLE_PART != 0 {
                    close_to_table(&mut stack);
                } else if flags & NON_NESTING != 0 || (self_closing && foreign > 0) {
                } else {
                    if flags & LIST_ITEM != 0 && foreign == 0 {
                        close_list_item(&mut stack, name);
                    }
                    if stack.len() + levels > limit {
                        let joins = after_lt(html, &out, copied_to, start);
                        cut(html, &mut out, &mut copied_to, start, tag.end);
                        if joins {
                            // `<` + dropped tag + `div>` must not become a tag nobody counted.
                            if let Some(buf) = out.as_mut() {
                                buf.push(' ');
                            }
                        }
                    } else {
                        if flags & FOREIGN_ROOT != 0 {
                            foreign += 1;
                        }
                        stack.push((name, flags));
                        stack.extend(std::iter::repeat_n(("", 0), levels - 1));
                    }
                }
            }
            TagKind::End if flags & TABLE_PART != 0 => close_to_table(&mut stack),
            TagKind::End if flags & NON_NESTING != 0 => {}
            TagKind::End => {
                let stop = if flags & SPECIAL != 0 {
                    SCOPE_BOUNDARY
                } else {
                    SPECIAL
                };
                // The stack is at most `limit` deep, so this walk keeps the pass linear.
                let target = stack
                    .iter()
                    .rposition(|(open, f)| open.eq_ignore_ascii_case(name) || f & stop != 0);
                if let Some(t) = target.filter(|&t| stack[t].0.eq_ignore_ascii_case(name)) {
                    foreign -= stack[t..]
                        .iter()
                        .filter(|(_, f)| f & FOREIGN_ROOT != 0)
                        .count();
                    stack.truncate(t);
                }
            }
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied_to..]);
            Cow::Owned(buf)
        }
    }
}

/// Leaves `html[from..to]` out of the copy being built (started on the first cut).
fn cut(html: &str, out: &mut Option<String>, copied_to: &mut usize, from: usize, to: usize) {
    let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
    buf.push_str(&html[*copied_to..from]);
    *copied_to = to;
}

/// Whether the copy being built ends in `<` just before `from`: cutting there would join that
/// literal `<` to the text after the cut, which may then read as a tag.
fn after_lt(html: &str, out: &Option<String>, copied_to: usize, from: usize) -> bool {
    let last = if from > copied_to {
        html.as_bytes().get(from - 1)
    } else {
        out.as_ref().and_then(|b| b.as_bytes().last())
    };
    last == Some(&b'<')
}

/// `<style>`, and `<script>` unless it is JSON-LD (read for dates, author and body); `tag` is
/// the start tag's bytes. Anything that mentions ld+json is kept, so no JSON-LD is lost to an
/// unusual spelling of the `type` attribute.
fn is_unread_raw_text(name: &str, tag: &[u8]) -> bool {
    if name.eq_ignore_ascii_case("style") {
        return true;
    }
    name.eq_ignore_ascii_case("script")
        && !tag
            .windows(b"ld+json".len())
            .any(|w| w.eq_ignore_ascii_case(b"ld+json"))
}

/// The parser's "li"/"dd or dt" start tag step: pops back through the open item of the same
/// kind, unless a special element other than `address`/`div` is open above it (`p` never is on
/// this stack). Inside SVG/MathML the caller skips it, keeping the deeper, safer estimate.
fn close_list_item(stack: &mut Vec<(&str, u8)>, name: &str) {
    let is_li = name.eq_ignore_ascii_case("li");
    for t in (0..stack.len()).rev() {
        let (open, f) = stack[t];
        if f & LIST_ITEM != 0 && open.eq_ignore_ascii_case("li") == is_li {
            stack.truncate(t);
            return;
        }
        let passable = open.eq_ignore_ascii_case("div") || open.eq_ignore_ascii_case("address");
        if f & SPECIAL != 0 && !passable {
            return;
        }
    }
}

fn close_to_table(stack: &mut Vec<(&str, u8)>) {
    if let Some(t) = stack.iter().rposition(|(_, f)| f & TABLE != 0) {
        stack.truncate((t + 4).min(stack.len()));
    }
}

enum TagKind {
    Start {
        self_closing: bool,
    },
    End,
    /// Comment, doctype, processing instruction.
    Other,
}

struct Tag {
    kind: TagKind,
    /// Byte range of the tag name (ASCII, so on char boundaries).
    name: std::ops::Range<usize>,
    /// Byte index just past the closing `>` (always on a char boundary: `>` is ASCII).
    end: usize,
}

/// Reads the tag starting at `bytes[start] == b'<'`; `None` if it is a literal `<`.
fn scan_tag(bytes: &[u8], start: usize) -> Option<Tag> {
    let rest = &bytes[start + 1..];
    let other = |end| Tag {
        kind: TagKind::Other,
        name: 0..0,
        end,
    };
    if rest.starts_with(b"!--") {
        // Ends at the first "-->" or "--!>", and "<!-->" / "<!--->" are complete comments:
        // stopping later than the parser would hide tags from the depth count.
        let mut from = start + 2;
        let end = loop {
            let Some(p) = find(bytes, from, b"--") else {
                break bytes.len();
            };
            match bytes.get(p + 2) {
                Some(b'>') => break p + 3,
                Some(b'!') if bytes.get(p + 3) == Some(&b'>') => break p + 4,
                _ => from = p + 1,
            }
        };
        return Some(other(end));
    }
    if matches!(rest.first(), Some(b'!' | b'?')) {
        return Some(other(
            find(bytes, start + 1, b">").map_or(bytes.len(), |e| e + 1),
        ));
    }
    let (is_end, name_start) = match rest.first() {
        Some(b'/') => (true, start + 2),
        _ => (false, start + 1),
    };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    // Stopping at the first non-ASCII byte keeps the range on char boundaries; such names
    // are not HTML elements anyway.
    let name_end = bytes[name_start..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>') || !b.is_ascii())
        .map_or(bytes.len(), |p| name_start + p);
    // Quoted attribute values may contain '>'. A quote opens a value only right after
    // '=' (as in the tokenizer); elsewhere it is an ordinary character.
    let mut j = name_end;
    let mut quote: Option<u8> = None;
    let mut after_eq = false;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if after_eq && (b == b'"' || b == b'\'') => quote = Some(b),
            None if b == b'>' => break,
            None => {}
        }
        if quote.is_none() && !b.is_ascii_whitespace() {
            after_eq = b == b'=';
        }
        j += 1;
    }
    let self_closing = j > name_end && bytes.get(j - 1) == Some(&b'/');
    let kind = if is_end {
        TagKind::End
    } else {
        TagKind::Start { self_closing }
    };
    Some(Tag {
        kind,
        name: name_start..name_end,
        end: (j + 1).min(bytes.len()),
    })
}

/// Index just past `</name ...>` (case-insensitive), or the end of input.
fn skip_raw_text(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(p) = find(bytes, i, b"</") {
        let n = p + 2;
        let matches_name = bytes
            .get(n..n + name.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(name.as_bytes()));
        if matches_name {
            return find(bytes, n, b">").map_or(bytes.len(), |e| e + 1);
        }
        i = n;
    }
    bytes.len()
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut i = from;
    // Skip to candidate first bytes instead of comparing at every offset.
    while let Some(p) = hay.get(i..)?.iter().position(|&b| b == first) {
        let at = i + p;
        if hay.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

// ---------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------

/// What the page's JSON-LD says about the article (the first article-like object wins).
#[derive(Default)]
struct JsonLd {
    modified: Option<String>,
    published: Option<String>,
    author: Option<String>,
    headline: Option<String>,
    article_body: Option<String>,
}

impl JsonLd {
    fn from_doc(doc: &Document) -> Self {
        let mut objects = Vec::new();
        for script in doc.select(r#"script[type="application/ld+json"]"#).iter() {
            let raw = script.text();
            let raw = raw.trim();
            let raw = raw
                .strip_prefix("<![CDATA[")
                .and_then(|r| r.strip_suffix("]]>"))
                .unwrap_or(raw);
            // Raw newlines and tabs inside strings are common and invalid JSON; outside
            // strings they are plain whitespace, so replacing them is safe.
            let cleaned: String = raw
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&cleaned) {
                collect_ld_objects(value, &mut objects, 0);
            }
        }
        let article = objects
            .iter()
            .find(|o| is_article_type(o))
            .or_else(|| objects.iter().find(|o| o.contains_key("dateModified")));
        let Some(obj) = article else {
            return Self::default();
        };
        Self {
            modified: obj.get("dateModified").and_then(ld_string),
            published: obj.get("datePublished").and_then(ld_string),
            author: obj.get("author").and_then(ld_author),
            headline: obj.get("headline").and_then(ld_string),
            article_body: obj.get("articleBody").and_then(ld_string),
        }
    }
}

type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Flattens top-level arrays and `@graph` lists; depth-limited because the input is hostile.
fn collect_ld_objects(value: serde_json::Value, out: &mut Vec<JsonObject>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                collect_ld_objects(item, out, depth + 1);
            }
        }
        serde_json::Value::Object(mut obj) => {
            if let Some(graph) = obj.remove("@graph") {
                collect_ld_objects(graph, out, depth + 1);
            }
            out.push(obj);
        }
        _ => {}
    }
}

fn is_article_type(obj: &JsonObject) -> bool {
    let is_article = |t: &str| {
        let t = t.to_ascii_lowercase();
        t.ends_with("article") || t.ends_with("posting") || t == "report"
    };
    match obj.get("@type") {
        Some(serde_json::Value::String(t)) => is_article(t),
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).any(is_article),
        _ => false,
    }
}

fn ld_string(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn ld_author(v: &serde_json::Value) -> Option<String> {
    let name = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Object(o) => o.get("name").and_then(ld_string),
        _ => None,
    };
    let names: Vec<String> = match v {
        serde_json::Value::Array(items) => items.iter().filter_map(name).collect(),
        other => name(other).into_iter().collect(),
    };
    non_empty(names.join(", "))
}

/// Content of the first `<meta>` whose property/name/itemprop is one of `keys`
/// (case-insensitive), in the order of `keys`.
fn meta_content(metas: &Selection, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        metas.iter().find_map(|m| {
            let matches = ["property", "name", "itemprop", "http-equiv"]
                .iter()
                .any(|a| {
                    m.attr(a)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case(key))
                });
            if matches {
                m.attr("content")
                    .and_then(|c| non_empty(c.trim().to_owned()))
            } else {
                None
            }
        })
    })
}

/// Date from the first element matching `sel`, taken from `datetime` or `content`, or its
/// text as a last resort (some sites put the stamp there).
fn element_date(doc: &Document, sel: &str) -> Option<String> {
    let node = doc.select_single(sel);
    node_date(node.nodes().first()?)
}

/// [`element_date`] for `[itemprop=VALUE]`, found by one walk instead of a CSS matcher (the
/// value compares case-sensitively, as the selector's does).
fn itemprop_date(doc: &Document, value: &str) -> Option<String> {
    let node = doc
        .root()
        .descendants_it()
        .find(|n| n.is_element() && n.attr("itemprop").is_some_and(|v| &*v == value))?;
    node_date(&node)
}

fn node_date(node: &NodeRef) -> Option<String> {
    ["datetime", "content"]
        .iter()
        .find_map(|a| node.attr(a).and_then(|v| non_empty(v.trim().to_owned())))
        .or_else(|| non_empty(collapse_ws(&node.text())))
        .filter(|s| s.len() <= 64)
}

/// The date and where it was found (for [`explain_article`]).
fn find_modified(doc: &Document, metas: &Selection, ld: &JsonLd) -> Option<(String, &'static str)> {
    let found = meta_content(metas, &["article:modified_time"])
        .map(|d| (d, "<meta property=article:modified_time>"))
        .or_else(|| ld.modified.clone().map(|d| (d, "JSON-LD dateModified")))
        .or_else(|| itemprop_date(doc, "dateModified").map(|d| (d, "itemprop=dateModified")))
        .or_else(|| {
            meta_content(
                metas,
                &["og:updated_time", "dcterms.modified", "last-modified"],
            )
            .map(|d| {
                (
                    d,
                    "<meta> og:updated_time / dcterms.modified / last-modified",
                )
            })
        })
        // hAtom microformat (WordPress themes): <time class="updated" datetime=…>.
        .or_else(|| {
            element_date(doc, "time.updated[datetime]")
                .map(|d| (d, "visible <time class=updated datetime>"))
        });
    found.map(|(d, from)| (normalize_date(&d), from))
}

/// Text nodes looked at for a visible update stamp; past this the page is not a news page.
const UPDATE_SCAN_NODES: usize = 200_000;
/// A stamp is short: an element whose text is longer holds more than the stamp.
const UPDATE_LINE_MAX_CHARS: usize = 200;

/// The first visible update stamp ("Updated 14:05 GMT") and byline line ("By Jane Doe") on
/// the page, wherever they are: readability drops such short lines, and the pre-cleaning
/// removes the "meta"/"timestamp" boxes they usually sit in. Each is found from a text node
/// with a cue word and the smallest element around it that reads as the whole line (a
/// `<span>Updated</span> <time>14:05</time>` pair, `By <a>Jane Doe</a>`). Bounded: a fixed
/// number of nodes, and an element's text is only read when the element is small.
fn find_furniture(doc: &Document) -> (Option<String>, Option<String>) {
    let (mut update, mut byline) = (None, None);
    for node in doc.root().descendants_it().take(UPDATE_SCAN_NODES) {
        if update.is_some() && byline.is_some() {
            break;
        }
        if !node.is_text() {
            continue;
        }
        let text = node.text();
        let trimmed = text.trim_start();
        let lower = trimmed.to_lowercase();
        // One Aho-Corasick pass over the cue words `is_update_line` itself checks first (seven
        // substring searches here were 5% of an extraction).
        let wants_update = update.is_none() && crate::stamps::may_hold_update_cue(&lower);
        let wants_byline =
            byline.is_none() && (lower == "by" || lower.starts_with("by ") || lower == "by:");
        if !wants_update && !wants_byline {
            continue;
        }
        let Some(parent) = node.parent() else {
            continue;
        };
        if matches!(
            parent.node_name().as_deref(),
            Some("script" | "style" | "noscript" | "template" | "title" | "textarea" | "option")
        ) {
            continue;
        }
        // The text node itself, then its parent and grandparent while they stay small.
        let mut lines = vec![collapse_ws(&text)];
        let mut el = Some(parent);
        for _ in 0..2 {
            let Some(e) = el else { break };
            if e.descendants_it().take(40).count() >= 40 {
                break;
            }
            let line = collapse_ws(&e.text());
            if line.chars().count() > UPDATE_LINE_MAX_CHARS {
                break;
            }
            lines.push(line);
            el = e.parent();
        }
        if wants_update {
            update = lines
                .iter()
                .find(|l| crate::stamps::is_update_line(l))
                .cloned();
        }
        if wants_byline {
            byline = lines.iter().find_map(|l| crate::stamps::byline_of(l));
        }
    }
    (update, byline)
}

/// Longest `<time>` text taken for a dateline or timestamp; longer is content in a `<time>`.
const BARE_TIME_MAX_CHARS: usize = 80;

/// Inline elements: a `<time>` next to one of these (or to text) is part of a sentence.
const PHRASING: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// Removes `<time>` elements that stand alone on their line (a dateline or timestamp between
/// blocks, alone in a wrapper or after a `<br>`): page furniture, never body text. Readability
/// glues such loose inline text onto the next paragraph ("2 December 2026\nThe bridge…")
/// unless another block separates them, so the body of a page would change when an update line
/// appeared next to its dateline. A `<time>` inside a sentence stays. Runs after the dates
/// and update line were read from the page.
fn drop_bare_times(doc: &Document, trace: &mut Trace) {
    for sel in doc.select("time").iter() {
        let Some(&time) = sel.nodes().first() else {
            continue;
        };
        let text = collapse_ws(&time.text());
        if text.is_empty() || text.chars().count() > BARE_TIME_MAX_CHARS {
            continue;
        }
        // Up through wrappers that hold nothing else (`<span class=date><time>…`).
        let mut el = time;
        for _ in 0..3 {
            let Some(parent) = el.parent() else { break };
            if matches!(
                parent.node_name().as_deref(),
                Some("body" | "article" | "main" | "html")
            ) || parent.descendants_it().take(16).count() >= 16
                || collapse_ws(&parent.text()) != text
            {
                break;
            }
            el = parent;
        }
        if in_running_text(el.prev_sibling(), |n| n.prev_sibling())
            || in_running_text(el.next_sibling(), |n| n.next_sibling())
        {
            continue;
        }
        if let Some(ex) = trace.get() {
            ex.removed_bare_time(&time);
        }
        time.remove_from_parent();
    }
}

/// Whether the nearest sibling in one direction, past whitespace and comments, is text or an
/// inline element. Past 64 such blank nodes it counts as text: the `<time>` stays.
fn in_running_text<'a>(
    mut node: Option<NodeRef<'a>>,
    step: impl Fn(&NodeRef<'a>) -> Option<NodeRef<'a>>,
) -> bool {
    for _ in 0..64 {
        let Some(n) = node else { return false };
        if n.is_comment() || (n.is_text() && n.text().trim().is_empty()) {
            node = step(&n);
            continue;
        }
        if n.is_text() {
            return true;
        }
        return n
            .node_name()
            .is_some_and(|name| PHRASING.contains(&name.to_ascii_lowercase().as_str()));
    }
    true
}

fn find_published(
    doc: &Document,
    metas: &Selection,
    ld: &JsonLd,
) -> Option<(String, &'static str)> {
    let found = meta_content(metas, &["article:published_time"])
        .map(|d| (d, "<meta property=article:published_time>"))
        .or_else(|| ld.published.clone().map(|d| (d, "JSON-LD datePublished")))
        .or_else(|| itemprop_date(doc, "datePublished").map(|d| (d, "itemprop=datePublished")))
        .or_else(|| {
            meta_content(metas, &["dcterms.created", "date", "pubdate"])
                .map(|d| (d, "<meta> dcterms.created / date / pubdate"))
        });
    found.map(|(d, from)| (normalize_date(&d), from))
}

/// RFC 3339 if `raw` is a date-time with a zone in one of the common shapes; otherwise the
/// trimmed original (a zone-less time cannot be placed on the timeline honestly).
fn normalize_date(raw: &str) -> String {
    let s = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return dt.to_rfc3339();
    }
    // "…Z" is not accepted by %z; "GMT"/"UTC" suffixes are common in <time datetime>.
    let zoned = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix(" GMT"))
        .or_else(|| s.strip_suffix(" UTC"))
        .map_or_else(|| s.to_owned(), |base| format!("{base}+0000"));
    const FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ];
    for f in FORMATS {
        if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(&zoned, f) {
            return dt.to_rfc3339();
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return dt.to_rfc3339();
    }
    // Zone-less but well-formed: keep as found, but in the canonical shape.
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return dt.format("%Y-%m-%dT%H:%M:%S").to_string();
        }
    }
    s.to_owned()
}

// ---------------------------------------------------------------------------------------
// Pre-cleaning
// ---------------------------------------------------------------------------------------

/// Elements that are never article prose, by name.
const NOISE_NAMES: &[&str] = &[
    "nav",
    "aside",
    "footer",
    "button",
    "select",
    "textarea",
    "label",
    "dialog",
    "figcaption",
    "template",
    "iframe",
    "svg",
    "canvas",
];
/// … and by ARIA role.
const NOISE_ROLES: &[&str] = &[
    "navigation",
    "complementary",
    "contentinfo",
    "banner",
    "dialog",
    "alertdialog",
    "search",
    "toolbar",
];

/// Whether `node` is never article prose: one of [`NOISE_NAMES`] or [`NOISE_ROLES`], `[hidden]`,
/// `[aria-hidden=true]`, an `itemprop` date, or a tag link (`a[rel=tag]`). The CSS selector
/// list it replaces was matched rule by rule against every element; this reads the name and
/// the attributes once. Values compare as the selector did (`rel` ignoring ASCII case).
fn is_noise_element(node: &NodeRef) -> bool {
    let Some(el) = node.element_ref() else {
        return false;
    };
    if NOISE_NAMES.contains(&&*el.name.local) {
        return true;
    }
    let is_a = &*el.name.local == "a";
    let html_ns = &*el.name.ns == "http://www.w3.org/1999/xhtml";
    // One pass over the attributes (five `attr` lookups, each a scan and a copy of the value,
    // were ~2% of an extraction); the first attribute of a name decides, as `attr` reads it.
    let mut seen = [false; 5];
    let mut first = |i: usize| !std::mem::replace(&mut seen[i], true);
    el.attrs.iter().any(|attr| {
        let v: &str = &attr.value;
        match &*attr.name.local {
            "hidden" => true,
            "aria-hidden" => first(0) && v == "true",
            "role" => first(1) && NOISE_ROLES.contains(&v),
            "itemprop" => first(2) && matches!(v, "datePublished" | "dateModified" | "dateCreated"),
            "rel" if is_a => {
                first(3)
                    && if html_ns {
                        v.eq_ignore_ascii_case("tag")
                    } else {
                        v == "tag"
                    }
            }
            _ => false,
        }
    })
}

/// Whole class/id tokens (split at `-`, `_`, spaces, camelCase) that mark boilerplate.
const NOISE_TOKENS: &[&str] = &[
    // ads and sponsorship
    "ad",
    "ads",
    "adv",
    "advert",
    "adverts",
    "advertisement",
    "advertising",
    "dfp",
    "sponsor",
    "sponsored",
    "promo",
    "promos",
    "outbrain",
    "taboola",
    // share tools and social
    "share",
    "sharing",
    "shares",
    "sharebar",
    "social",
    "sociallinks",
    // related / more / recommended boxes
    "related",
    "recommended",
    "recommendations",
    "recirc",
    "trending",
    "popular",
    "readmore",
    "morestories",
    // newsletter / subscription prompts
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    // captions, credits, galleries
    "caption",
    "captions",
    "credit",
    "credits",
    "gallery",
    "slideshow",
    "carousel",
    // datelines, tags, breadcrumbs, bylines boxes
    "dateline",
    "timestamp",
    "breadcrumb",
    "breadcrumbs",
    "tags",
    "tagcloud",
    "tag",
    // comments
    "comment",
    "comments",
    "disqus",
    // overlays
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "popup",
    "modal",
    "overlay",
    // screen-reader-only text ("Share on Facebook", "Opens in new window")
    "sronly",
    "screenreader",
    "visuallyhidden",
    // author boxes at the end
    "bio",
    "authorbio",
];

/// A noise candidate holding more than this share of the page's paragraph text is
/// taken to be a wrapper around the article, and kept.
const WRAPPER_SHARE: f32 = 0.4;

/// Upper bound on nodes visited by the wrapper guard in [`pre_clean`]. A heavy real page
/// needs well under a tenth of it; hostile markup (hundreds of nested `class="ad"`
/// wrappers around everything) would otherwise cost elements × nesting.
const GUARD_VISIT_BUDGET: usize = 2_000_000;

fn pre_clean(doc: &Document, trace: &mut Trace) {
    // Collected first and removed after, in document order, as a selection would be: nested
    // matches are each reported to the trace.
    let noise: Vec<NodeRef> = doc
        .root()
        .descendants_it()
        .filter(|n| n.is_element() && is_noise_element(n))
        .collect();
    if let Some(ex) = trace.get() {
        for node in &noise {
            ex.removed_element(node);
        }
    }
    for node in &noise {
        node.remove_from_parent();
    }

    let total: usize = paragraphs(doc)
        .iter()
        .map(|p| p.text().trim().chars().count())
        .sum();
    let mut budget = GUARD_VISIT_BUDGET;
    // Forms are usually search boxes and sign-ups, but ASP.NET pages wrap the whole body
    // in one, so they go through the same wrapper guard as class names.
    let named: Vec<NodeRef> = doc
        .root()
        .descendants_it()
        .filter(|n| {
            n.is_element() && (n.has_name("form") || n.has_attr("class") || n.has_attr("id"))
        })
        .collect();
    for n in &named {
        let name = n.node_name();
        if matches!(name.as_deref(), Some("html" | "body" | "main" | "article")) {
            continue;
        }
        let token = if name.as_deref() == Some("form") {
            Some("form".to_string())
        } else {
            noise_token(&n.attr_or("class", "")).or_else(|| noise_token(&n.attr_or("id", "")))
        };
        let Some(token) = token else {
            continue;
        };
        // Share/meta vocabulary on a wrapper must not take the article with it.
        let Some(inside) = guarded_paragraph_chars(n, &mut budget) else {
            // Out of budget: keeping the rest is safe, readability still runs.
            break;
        };
        if inside > 500 && inside as f32 > WRAPPER_SHARE * total as f32 {
            if let Some(ex) = trace.get() {
                ex.kept_wrapper(n, &token, inside, total);
            }
            continue;
        }
        if let Some(ex) = trace.get() {
            ex.removed_by_name(n, &token);
        }
        n.remove_from_parent();
    }
}

/// The `<p>` elements in document order: what `doc.select("p")` gives, by a walk of the tree
/// instead of a CSS matcher (which cost ~8% of an extraction for the two calls).
fn paragraphs(doc: &Document) -> Vec<NodeRef<'_>> {
    doc.root()
        .descendants_it()
        .filter(|n| n.has_name("p"))
        .collect()
}

/// Characters of `<p>` text under `node`, or `None` once `budget` node visits are spent.
fn guarded_paragraph_chars(node: &NodeRef, budget: &mut usize) -> Option<usize> {
    let mut chars = 0;
    for d in node.descendants_it() {
        *budget = budget.checked_sub(1)?;
        if d.has_name("p") {
            chars += d.text().trim().chars().count();
        }
    }
    Some(chars)
}

/// The boilerplate token a class or id attribute value contains, if any.
fn noise_token(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    value.split_whitespace().find_map(|name| {
        if let Some(t) = class_tokens(name).find(|t| NOISE_TOKENS.contains(&t.as_str())) {
            return Some(t);
        }
        {
            // Compound names like "relatedArticles" or "social-share-bar": also match the
            // name with separators removed against the distinctive (long) tokens.
            let joined: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            [
                "advertisement",
                "newsletter",
                "related",
                "recommended",
                "breadcrumb",
                "sronly",
                "screenreader",
                "visuallyhidden",
                "authorbio",
                "sharebar",
                "socialshare",
            ]
            .iter()
            .find(|k| joined.contains(*k))
            .map(|k| (*k).to_string())
        }
    })
}

#[cfg(test)]
fn is_noise_name(value: &str) -> bool {
    noise_token(value).is_some()
}

/// Splits `fooBar-baz_qux` into `foo`, `bar`, `baz`, `qux` (lowercase).
fn class_tokens(name: &str) -> impl Iterator<Item = String> + '_ {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens.into_iter()
}

/// Texts of `<p>` elements that read like prose, for the no-article fallback.
fn paragraph_texts(doc: &Document) -> Vec<String> {
    paragraphs(doc)
        .iter()
        .map(|p| collapse_ws(&p.text()))
        .filter(|t| t.split_whitespace().count() >= 8)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Post-filtering
// ---------------------------------------------------------------------------------------

/// Splits formatted text at blank lines; trims each line, drops empties.
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(cur.join("\n"));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur.join("\n"));
    }
    out
}

/// Whole paragraphs (lowercase, trailing punctuation stripped) that are boilerplate.
const STOCK_LINES: &[&str] = &[
    "advertisement",
    "advert",
    "ad",
    "ads",
    "sponsored",
    "sponsored content",
    "continue reading below",
    "continue reading",
    "story continues below",
    "article continues below",
    "content continues below",
    "scroll to continue",
    "sharing is caring",
    "share",
    "share this",
    "share this article",
    "share this story",
    "tweet",
    "email",
    "print",
    "comments",
    "comment",
    "loading",
    "loading content",
    "read more",
    "related",
    "related articles",
    "related stories",
    "related content",
    "you may also like",
    "recommended",
    "recommended for you",
    "more stories",
    "tags",
    "text size",
    "order reprints",
    "print article",
    "this slideshow requires javascript",
    "caption",
    "close",
    "image",
    "photo",
    "video",
    "subscribe",
    "sign up",
    "don't miss",
    "dont miss",
    "see also",
    "most popular",
    "most read",
    "trending",
    "latest popular",
    "loading content",
    "related news",
];

/// Prefixes of short teaser/credit paragraphs.
const TEASER_PREFIXES: &[&str] = &[
    "related:",
    "related article:",
    "related story:",
    "see more:",
    "read more:",
    "read more ",
    "more:",
    "also read:",
    "read also:",
    "read next:",
    "watch:",
    "photo:",
    "photos:",
    "image:",
    "images:",
    "credit:",
    "photo credit:",
    "image credit:",
    "source:",
    "copyright ",
    "copyright©",
    "©",
    "(c) ",
    "click here",
    "sign up",
    "subscribe to",
    "get the latest",
    "follow us",
    "image 1 of",
];

/// Headings that announce a box of links to other stories ("You may also like…").
const TEASER_HEADINGS: &[&str] = &[
    "you may also like",
    "you might also like",
    "you may like",
    "more from",
    "more great",
    "more stories",
    "more on this",
    "related",
    "recommended",
    "don't miss",
    "dont miss",
    "read more",
    "read next",
    "see also",
    "also read",
    "most popular",
    "most read",
    "latest news",
    "trending",
    "top stories",
    "editor's picks",
    "editors picks",
];

/// Share of a paragraph's characters inside links above which it counts as a link teaser.
const LINK_DENSE: f32 = 0.3;

/// Drops boilerplate paragraphs. `links` are the texts of the anchors in the extracted
/// content, to recognise link teasers.
#[cfg(test)]
fn post_filter(paragraphs: Vec<String>, links: &[String]) -> Vec<String> {
    post_filter_into(paragraphs, links, &mut Vec::new())
}

/// [`post_filter`], with each dropped paragraph and why into `dropped`.
fn post_filter_into(
    paragraphs: Vec<String>,
    links: &[String],
    dropped: &mut Vec<(&'static str, String)>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paragraphs.len());
    let mut in_teaser_box = false;
    for p in paragraphs.into_iter().flat_map(peel_stamp_lines) {
        if is_teaser_heading(&p) {
            in_teaser_box = true;
            dropped.push(("heading of a related-links box", p));
            continue;
        }
        // Inside a box the links run until the first paragraph of ordinary prose.
        if in_teaser_box && link_density(&p, links) >= LINK_DENSE {
            dropped.push(("link in a related-links box", p));
            continue;
        }
        in_teaser_box = false;
        if let Some(why) = boilerplate_kind(&p) {
            dropped.push((why, p));
        // The same paragraph twice in a row is a caption rendered for two layouts. Repeats
        // further apart are kept: interviews repeat their questions.
        } else if out.last() == Some(&p) {
            dropped.push(("repeated paragraph", p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `p` with the dateline and update-stamp lines at its start and end split off as paragraphs
/// of their own, for the filters to drop or take as furniture. Loose inline text before a
/// block (`<time>…</time> <span>Updated 14:05</span><p>The bridge…`) comes out of readability
/// as the first line of the paragraph after it, so without this the body of a page would
/// change when an update stamp appeared. A paragraph of nothing but such lines, or one the
/// filters drop whole anyway, stays whole.
fn peel_stamp_lines(p: String) -> Vec<String> {
    // A short box that is mostly a date as a whole ("Festival\nNov 29, 2018 - Jan 20, 2019")
    // goes to the dateline filter whole.
    if !p.contains('\n') || boilerplate_kind(&p).is_some() {
        return vec![p];
    }
    let is_stamp = |l: &str| {
        l.split_whitespace().count() <= 14
            && (is_dateline(&l.to_lowercase()) || crate::stamps::is_update_line(l))
    };
    let lines: Vec<&str> = p.lines().collect();
    let head = lines.iter().take_while(|l| is_stamp(l)).count();
    if head == lines.len() {
        return vec![p];
    }
    let tail = lines[head..]
        .iter()
        .rev()
        .take_while(|l| is_stamp(l))
        .count();
    if head == 0 && tail == 0 {
        return vec![p];
    }
    let body_end = lines.len() - tail;
    let mut out: Vec<String> = lines[..head].iter().map(|l| l.to_string()).collect();
    out.push(lines[head..body_end].join("\n"));
    out.extend(lines[body_end..].iter().map(|l| l.to_string()));
    out
}

fn is_teaser_heading(p: &str) -> bool {
    // The word limit first: it answers for the long paragraphs without lowercasing them.
    p.split_whitespace().nth(6).is_none() && {
        let bare = bare_words(&p.to_lowercase());
        TEASER_HEADINGS
            .iter()
            .any(|h| bare.starts_with(&bare_words(h)))
    }
}

fn link_density(p: &str, links: &[String]) -> f32 {
    let linked: usize = links
        .iter()
        .filter(|l| p.contains(l.as_str()))
        .map(|l| l.chars().count())
        .sum();
    linked as f32 / p.chars().count().max(1) as f32
}

/// Texts of the links in the extracted article HTML, longest first so that a paragraph
/// is not matched by a short link text inside a longer one twice over.
fn anchor_texts(content: &str) -> Vec<String> {
    let doc = Document::fragment(content);
    let mut links: Vec<String> = doc
        .select("a")
        .iter()
        .map(|a| collapse_ws(&a.text()))
        .filter(|t| t.chars().count() >= 3)
        .collect();
    links.sort_by_key(|l| std::cmp::Reverse(l.len()));
    links.dedup();
    links
}

/// Lowercase words of `s` joined by single spaces, punctuation dropped: "Tags:\n, ," and
/// "— Advertisement —" compare equal to their stock forms.
fn bare_words(s: &str) -> String {
    bare_word_iter(s).collect::<Vec<_>>().join(" ")
}

/// The words [`bare_words`] joins.
fn bare_word_iter(s: &str) -> impl Iterator<Item = &str> + Clone {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
}

/// Most words in a [`STOCK_LINES`] entry (a test checks it): a paragraph with more bare words
/// is not a stock line, whatever they are.
const STOCK_LINE_MAX_WORDS: usize = 4;

#[cfg(test)]
fn is_boilerplate(p: &str) -> bool {
    boilerplate_kind(p).is_some()
}

/// Which kind of boilerplate `p` is, if it is.
fn boilerplate_kind(p: &str) -> Option<&'static str> {
    let lower = p.to_lowercase();
    let bare = lower.trim_end_matches(|c: char| c.is_ascii_punctuation() || c == '…');
    let bare = bare.trim_start_matches(|c: char| c.is_ascii_punctuation() && c != '(');
    let words = p.split_whitespace().count();
    // Counted, not joined: long paragraphs are answered without building their bare form.
    let bare_count = bare_word_iter(&lower)
        .take(STOCK_LINE_MAX_WORDS + 1)
        .count();
    if bare_count == 0
        || (bare_count <= STOCK_LINE_MAX_WORDS
            && STOCK_LINES.contains(&bare_words(&lower).as_str()))
    {
        return Some("stock line (Advertisement, Continue reading, ...)");
    }
    if words <= 30 && TEASER_PREFIXES.iter().any(|pre| bare.starts_with(pre)) {
        return Some("stock prefix (Read more:, Related:, Photo:, Copyright, Sign up, ...)");
    }
    if words <= 40 && lower.contains("all rights reserved") {
        return Some("copyright line");
    }
    if words <= 40 && ends_with_credit(&lower) {
        return Some("photo caption or credit");
    }
    (words <= 14 && is_dateline(&lower)).then_some("dateline")
}

/// "… (Image: GETTY)", "… (Photo: AP)", "… Photo: Jane Doe, AP": a photo caption.
fn ends_with_credit(lower: &str) -> bool {
    let tail = lower.trim_end();
    let paren = tail
        .strip_suffix(')')
        .and_then(|t| t.rfind('(').map(|i| &t[i + 1..]))
        .is_some_and(|inside| {
            [
                "image:",
                "photo:",
                "picture:",
                "credit:",
                "source:",
                "photograph:",
                "getty",
                "reuters",
                "ap photo",
                "afp",
            ]
            .iter()
            .any(|k| inside.trim_start().starts_with(k))
        });
    paren
        || [
            "getty images",
            "ap photo",
            "/ reuters",
            "| reuters",
            "/ afp",
            "| afp",
        ]
        .iter()
        .any(|k| tail.ends_with(k))
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// "By Jane Doe | November 18, 2019 at 2:26 PM", "Nov. 20, 2019 Updated: 1:35 a.m.".
fn is_dateline(lower: &str) -> bool {
    // Embedded tweets end in "— Name (@handle) November 1, 2019", which is quoted content.
    if lower.contains('@') {
        return false;
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return false;
    }
    let month = |t: &&str| MONTHS.iter().any(|m| t.starts_with(m) && t.len() <= 9);
    let numeric = |t: &&str| t.chars().all(|c| c.is_ascii_digit());
    let has_month = tokens.iter().any(month);
    let has_year = tokens
        .iter()
        .any(|t| t.len() == 4 && numeric(t) && (t.starts_with("19") || t.starts_with("20")));
    let has_clock = lower.contains(':')
        && tokens.iter().any(|t| {
            [
                "am", "pm", "a", "p", "et", "gmt", "utc", "est", "edt", "pst", "hst", "bst", "cet",
            ]
            .contains(t)
        });
    let dateish = tokens
        .iter()
        .filter(|t| {
            numeric(t)
                || month(t)
                || [
                    "updated",
                    "published",
                    "posted",
                    "by",
                    "at",
                    "on",
                    "am",
                    "pm",
                    "ago",
                    "hours",
                    "minutes",
                    "days",
                    "gmt",
                    "et",
                    "utc",
                    "original",
                ]
                .contains(*t)
        })
        .count();
    let stamp_word = [
        "updated",
        "published",
        "posted",
        "by",
        "last",
        "first",
        "original",
    ]
    .contains(&tokens[0]);
    let has_ago = tokens.contains(&"ago");
    (has_month && (has_year || has_clock) && dateish * 2 > tokens.len())
        || (stamp_word && (has_year || has_clock || has_month || has_ago))
}

/// "By Jane Doe - 2018-09-16" → "Jane Doe": bylines often carry the "By" and the date.
fn clean_byline(raw: &str) -> Option<String> {
    let s = collapse_ws(raw);
    if s.eq_ignore_ascii_case("by") {
        return None;
    }
    let s = ["by:", "by "]
        .iter()
        .find_map(|p| {
            s.get(..p.len())
                .filter(|head| head.eq_ignore_ascii_case(p))
                .map(|_| s[p.len()..].trim_start())
        })
        .unwrap_or(&s);
    let words: Vec<&str> = s.split(' ').collect();
    let is_month = |w: &str| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        w.len() >= 3 && w.len() <= 9 && MONTHS.iter().any(|m| w.starts_with(m))
    };
    let starts_digit = |w: &str| w.starts_with(|c: char| c.is_ascii_digit());
    // The name ends where a date begins: "November 19, 2019" or "2018-09-16".
    let end = (0..words.len())
        .find(|&i| {
            starts_digit(words[i])
                || (is_month(words[i]) && words.get(i + 1).is_some_and(|w| starts_digit(w)))
        })
        .unwrap_or(words.len());
    let name = words[..end]
        .join(" ")
        .trim_end_matches(|c: char| c.is_whitespace() || "-|,·•–—/".contains(c))
        .to_owned();
    // Longer than any list of names: readability picked up a paragraph.
    if name.chars().count() > 200 {
        None
    } else {
        non_empty(name)
    }
}

fn text_len(paragraphs: &[String]) -> usize {
    paragraphs.iter().map(|p| p.chars().count()).sum()
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEWS_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Council approves new bike lanes on Harbour Road | The Riverside Gazette</title>
  <meta property="og:title" content="Council approves new bike lanes on Harbour Road">
  <meta property="article:published_time" content="2024-03-05T09:12:00+01:00">
  <meta property="article:modified_time" content="2024-03-05T14:40:00+01:00">
  <meta name="author" content="Maria Lindqvist">
  <script type="application/ld+json">
  {"@context": "https://schema.org", "@type": "NewsArticle",
   "headline": "Council approves new bike lanes on Harbour Road",
   "datePublished": "2024-03-05T09:12:00+01:00",
   "dateModified": "2024-03-05T14:40:00+01:00",
   "author": {"@type": "Person", "name": "Maria Lindqvist"}}
  </script>
  <style>.ad { min-height: 250px }</style>
</head>
<body>
  <div id="cookie-banner" class="cookie-consent">
    <p>We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.</p>
    <button>Accept all</button>
  </div>
  <header class="site-header">
    <a href="/" class="logo">The Riverside Gazette</a>
    <nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>
  </header>
  <div class="ad ad-leaderboard" id="ad-top"><span>Advertisement</span><iframe src="https://ads.example.net/slot1"></iframe></div>
  <main>
    <article class="story">
      <h1>Council approves new bike lanes on Harbour Road</h1>
      <div class="byline">By <a rel="author" href="/staff/maria">Maria Lindqvist</a></div>
      <time class="timestamp" datetime="2024-03-05T09:12:00+01:00">March 5, 2024 at 9:12 AM</time>
      <ul class="share-tools"><li><a href="#">Share on Facebook</a></li><li><a href="#">Share on X</a></li><li><a href="#">Email</a></li></ul>
      <figure><img src="/img/harbour.jpg" alt=""><figcaption>Cyclists on Harbour Road last spring. (Photo: Jan Berg)</figcaption></figure>
      <div class="story-body">
        <p>The city council voted 27 to 14 on Tuesday evening to build protected bike lanes along the full length of Harbour Road, ending a two-year dispute between residents and shop owners.</p>
        <p>The lanes will replace one row of street parking on each side. Construction is due to start in September and should take about five months, according to the transport department.</p>
        <div class="ad ad-inline"><p>Advertisement</p></div>
        <p>Shop owners had warned that losing the parking spaces would drive customers away. "We are not against bikes, we are against losing half our trade," said Henrik Dahl, who runs a hardware store near the harbour.</p>
        <aside class="related-links"><h3>Related stories</h3><ul><li><a href="/a">Harbour Road traffic study published</a></li><li><a href="/b">Mayor promises cycling plan by 2025</a></li></ul></aside>
        <p>Supporters pointed to a traffic study showing that most shoppers in the area arrive on foot, by bus or by bicycle. The council will review the effect on local businesses after one year.</p>
        <div class="newsletter-signup"><p>Get the Gazette's morning briefing in your inbox every weekday. Sign up now, it is free.</p><form><input type="email"><button>Subscribe</button></form></div>
        <p>Advertisement</p>
        <p>The total cost of the project is estimated at 4.2 million euros, most of it covered by a national grant for sustainable transport.</p>
      </div>
    </article>
    <section id="comments" class="comments">
      <h2>Comments (2)</h2>
      <div class="comment"><p>Finally! I have been waiting for this for years and I will use these lanes every single day.</p></div>
      <div class="comment"><p>Another waste of money, the road was fine as it was and now traffic will be even worse.</p></div>
    </section>
  </main>
  <aside class="sidebar"><h3>Most read</h3><ol><li><a href="/x">Ferry timetable changes from April</a></li></ol></aside>
  <footer><p>© 2024 The Riverside Gazette. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body>
</html>"##;

    fn url() -> url::Url {
        url::Url::parse("https://gazette.example/news/2024/03/05/bike-lanes").expect("test url")
    }

    #[test]
    fn news_page_paragraphs_byline_and_dates() {
        let a = extract_article(NEWS_PAGE, &url()).expect("extracts");
        assert_eq!(
            a.paragraphs,
            vec![
                "The city council voted 27 to 14 on Tuesday evening to build protected bike lanes along the full length of Harbour Road, ending a two-year dispute between residents and shop owners.",
                "The lanes will replace one row of street parking on each side. Construction is due to start in September and should take about five months, according to the transport department.",
                "Shop owners had warned that losing the parking spaces would drive customers away. \"We are not against bikes, we are against losing half our trade,\" said Henrik Dahl, who runs a hardware store near the harbour.",
                "Supporters pointed to a traffic study showing that most shoppers in the area arrive on foot, by bus or by bicycle. The council will review the effect on local businesses after one year.",
                "The total cost of the project is estimated at 4.2 million euros, most of it covered by a national grant for sustainable transport.",
            ]
        );
        assert_eq!(a.byline.as_deref(), Some("Maria Lindqvist"));
        assert_eq!(a.modified.as_deref(), Some("2024-03-05T14:40:00+01:00"));
        assert_eq!(a.published.as_deref(), Some("2024-03-05T09:12:00+01:00"));
        assert_eq!(
            a.title.as_deref(),
            Some("Council approves new bike lanes on Harbour Road")
        );
    }

    #[test]
    fn modified_from_json_ld_graph_when_no_meta() {
        let html = NEWS_PAGE
            .replace(r#"<meta property="article:modified_time" content="2024-03-05T14:40:00+01:00">"#, "")
            .replace(
                r#""dateModified": "2024-03-05T14:40:00+01:00","#,
                r#""dateModified": "2024-03-06T08:00:00Z","#,
            )
            .replace(
                r#"{"@context": "https://schema.org", "@type": "NewsArticle","#,
                r#"{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Gazette"}, {"@type": "NewsArticle","#,
            )
            .replace(
                r#""author": {"@type": "Person", "name": "Maria Lindqvist"}}"#,
                r#""author": {"@type": "Person", "name": "Maria Lindqvist"}}]}"#,
            );
        let a = extract_article(&html, &url()).expect("extracts");
        assert_eq!(a.modified.as_deref(), Some("2024-03-06T08:00:00+00:00"));
        assert_eq!(a.paragraphs.len(), 5);
    }

    /// When readability finds (almost) nothing, the page's own `<p>` texts are taken, from a
    /// second parse cleaned as the first one was: the boilerplate box stays out.
    #[test]
    fn page_paragraphs_fallback_reads_a_fresh_clean_parse() {
        let para = |i: usize| {
            format!(
                r#"<p>Harbour ferry timetable changes announced for the winter season number {i}</p>"#
            )
        };
        let body: String = (0..6).map(para).collect();
        // Readability skips elements styled invisible; the pre-cleaning does not look at style.
        let html = format!(
            r#"<html><body><div style="display:none">{body}<div class="newsletter"><p>Our daily briefing brings the harbour news to your inbox every single morning</p></div></div></body></html>"#
        );
        let (x, ex) = explain_article(&html, &url()).expect("extracts");
        assert_eq!(ex.text_source, explain::TextSource::PageParagraphs, "{x:?}");
        assert_eq!(x.paragraphs.len(), 6, "{:?}", x.paragraphs);
        assert!(x.paragraphs[5].ends_with("season number 5"));
        assert!(!x.paragraphs.iter().any(|p| p.contains("briefing")));
        assert_eq!(extract_article(&html, &url()).expect("extracts"), x);
    }

    /// The noise rules read from one pass over the attributes, as the selector list did.
    #[test]
    fn noise_elements_by_attribute() {
        let doc = Document::from(
            r#"<html><body>
            <div id="n1" hidden></div><div id="n2" aria-hidden="true"></div>
            <div id="n3" role="navigation"></div><span id="n4" itemprop="dateModified"></span>
            <a id="n5" rel="TAG" href="/t"></a><nav id="n6"></nav>
            <div id="k1" aria-hidden="false"></div><div id="k2" role="main"></div>
            <span id="k3" rel="tag"></span><span id="k4" itemprop="author"></span>
            <p id="k5" class="hidden">text</p>
            </body></html>"#,
        );
        for n in doc.root().descendants_it().filter(|n| n.has_attr("id")) {
            let id = n.attr("id").map(|v| v.to_string()).unwrap_or_default();
            assert_eq!(is_noise_element(&n), id.starts_with('n'), "{id}");
        }
    }

    /// The walks that replaced CSS matchers find what the selectors found: the first match in
    /// document order, the itemprop value compared case-sensitively.
    #[test]
    fn walks_find_what_the_selectors_found() {
        let doc = Document::from(
            r#"<html><body><div><p>One <b>bold</b></p><span itemprop="DateModified" content="2020-01-01">x</span></div>
            <section><p>Two</p><time itemprop="dateModified" datetime="2021-02-03T04:05:06Z">y</time>
            <span itemprop="dateModified" content="2022-01-01">z</span><p></p></section></body></html>"#,
        );
        assert_eq!(
            itemprop_date(&doc, "dateModified"),
            element_date(&doc, "[itemprop=dateModified]")
        );
        assert_eq!(
            itemprop_date(&doc, "dateModified").as_deref(),
            Some("2021-02-03T04:05:06Z")
        );
        assert_eq!(itemprop_date(&doc, "datePublished"), None);
        let walked: Vec<String> = paragraphs(&doc)
            .iter()
            .map(|p| p.text().to_string())
            .collect();
        let selected: Vec<String> = doc
            .select("p")
            .iter()
            .map(|p| p.text().to_string())
            .collect();
        assert_eq!(walked, selected);
        assert_eq!(walked, ["One bold", "Two", ""]);
    }

    #[test]
    fn modified_from_itemprop_and_og_updated_time() {
        let page = |head: &str, body: &str| {
            format!(
                "<html><head>{head}</head><body><article>{body}<p>{}</p></article></body></html>",
                "Words of an article. ".repeat(40)
            )
        };
        let a = extract_article(
            &page(
                "",
                r#"<span itemprop="dateModified" content="2024-01-02 10:00:00">2 Jan</span>"#,
            ),
            &url(),
        )
        .expect("extracts");
        // No zone on the page: kept as found, only the shape normalised.
        assert_eq!(a.modified.as_deref(), Some("2024-01-02T10:00:00"));
        let a = extract_article(
            &page(
                r#"<meta property="og:updated_time" content="2024-01-02T10:00:00-0500">"#,
                "",
            ),
            &url(),
        )
        .expect("extracts");
        assert_eq!(a.modified.as_deref(), Some("2024-01-02T10:00:00-05:00"));
    }

    #[test]
    fn empty_and_garbage_input() {
        for input in [
            "",
            "   ",
            "not html at all",
            "<<<<>>>>&&&&;;;",
            "<html><body></body></html>",
            "<script>while(true){}</script>",
            "\u{0}\u{1}\u{fffd}<p\u{0}>",
            "<html><head><script type=\"application/ld+json\">{\"dateModified\": [[[[[[</script>",
        ] {
            let a = extract_article(input, &url()).expect("no error on junk");
            assert!(a.modified.is_none(), "{input:?}");
            assert!(
                a.paragraphs.iter().all(|p| !p.trim().is_empty()),
                "{input:?}"
            );
        }
        assert_eq!(html_fragment_to_text(""), "");
    }

    #[test]
    fn deep_nesting_is_flattened_not_fatal() {
        let depth = 50_000;
        let html = format!(
            "<html><body>{}<p>{}</p></body></html>",
            "<div><span>".repeat(depth),
            "Deeply buried words of the article. ".repeat(20)
        );
        let flat = flatten_deep_nesting(&html, MAX_NESTING, false);
        assert!(flat.len() < html.len());
        let a = extract_article(&html, &url()).expect("extracts");
        assert!(a.paragraphs.concat().contains("Deeply buried words"));
    }

    #[test]
    fn nesting_estimate_leaves_normal_markup_alone() {
        let html = "<div><p>one<p>two<br><img src=x><svg><path d='M0'/><g/></svg>\
                    <script>if (a < b) { x = '<div>'; }</script><!-- <div> --></div>";
        assert!(matches!(
            flatten_deep_nesting(html, 3, false),
            Cow::Borrowed(_)
        ));
        // Sibling items close each other: a long flat list is 2 deep, however long.
        let list = format!("<ul>{}</ul>", "<li>item <div>x</div>".repeat(500));
        assert!(matches!(
            flatten_deep_nesting(&list, 3, false),
            Cow::Borrowed(_)
        ));
        let deep = "<b>".repeat(10) + "text";
        let flat = flatten_deep_nesting(&deep, 4, false);
        assert_eq!(flat, "<b><b><b><b>text");
    }

    #[test]
    fn page_preparation_drops_scripts_and_styles_but_not_json_ld_or_comments() {
        let html = "<head><style>p { color: red }</style>\
                    <script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script>\
                    <SCRIPT>if (a < b) { x = '<div>'; }</SCRIPT></head>\
                    <body><!-- ad slot --><p>Ferry <!-- x -->service resumes</p>\
                    <script src=a.js></script></body>";
        assert_eq!(
            prepare_page(html),
            "<head><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script>\
             </head><body><!-- ad slot --><p>Ferry <!-- x -->service resumes</p></body>"
        );
        // Cutting after a literal `<` would join it to the text after the cut.
        assert_eq!(
            prepare_page("a <<style>x</style>p> b"),
            "a <<style>x</style>p> b"
        );
        // Unterminated: the rest is script, as the parser reads it.
        assert_eq!(prepare_page("<p>kept</p><script>var x = 1;"), "<p>kept</p>");
        assert!(matches!(prepare_page("<p>plain</p>"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_dropped_deep_tag_does_not_join_a_literal_lt_into_a_new_tag() {
        let attack = format!("{}{}", "<b>".repeat(MAX_NESTING), "<<b>div>".repeat(2_000));
        let flat = flatten_deep_nesting(&attack, MAX_NESTING, false);
        assert!(parsed_depth(&flat) <= MAX_NESTING + 8);
    }

    fn parsed_depth(html: &str) -> usize {
        let doc = Document::from(html);
        doc.root()
            .descendants_it()
            .map(|n| n.ancestors_it(None).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn nesting_attacks_stay_bounded_after_parsing() {
        let n = 2_000;
        let attacks = [
            "<div></span>".repeat(n),
            "<span><div></span>".repeat(n),
            "<b><div></b>".repeat(n),
            "<a href=x>".repeat(n),
            "<div/>".repeat(n),
            "<div x\">".repeat(n),
            "<table><tr><td>".repeat(n),
            "<p><button>".repeat(n),
            "<ul><li>".repeat(n),
            "<ol><li><div>".repeat(n),
            "<dl><dt><dl><dd>".repeat(n),
            format!("<svg>{}", "<g>".repeat(n)),
            format!("<svg><title>{}", "<div>".repeat(n)),
            format!("<!-->{}", "<div>".repeat(n)),
            format!("<!-- --!>{}", "<div>".repeat(n)),
            format!("<math><mi>{}", "<div>".repeat(n)),
            "<<!---->div>".repeat(n),
            "<<script></script>div>".repeat(n),
            "<div><!-- --><script>x</script>".repeat(n),
        ];
        for attack in attacks {
            let flat = flatten_deep_nesting(&attack, MAX_NESTING, false);
            let depth = parsed_depth(&flat);
            assert!(depth <= MAX_NESTING + 8, "{}: depth {depth}", &attack[..20]);
            let depth = parsed_depth(&prepare_page(&attack));
            // html, body and the odd implied wrapper (tbody, svg) come on top.
            assert!(depth <= MAX_NESTING + 8, "{}: depth {depth}", &attack[..20]);
        }
    }

    #[test]
    fn a_bogus_markup_declaration_in_a_fragment_is_text() {
        assert_eq!(
            html_fragment_to_text(
                "The council voted 7-2 <!' see <a href=\"/minutes\">the minutes</a> for who."
            ),
            "The council voted 7-2 <!' see the minutes for who."
        );
        assert_eq!(
            html_fragment_to_text("Readers asked why the page starts with <!DOCTYPE"),
            "Readers asked why the page starts with <!DOCTYPE"
        );
        // Real comments, doctypes and CDATA sections are still markup.
        assert_eq!(
            html_fragment_to_text("<!DOCTYPE html><p>Ferry service resumes</p><!-- ad slot -->"),
            "Ferry service resumes"
        );
        // Escaping uncovers tags; the nesting bound still sees them.
        let deep = "<!'<div>".repeat(MAX_NESTING * 4) + "Harbour";
        let text = html_fragment_to_text(&deep);
        assert_eq!(text.matches("<!'").count(), MAX_NESTING * 4);
        assert!(text.ends_with("Harbour"), "{text}");
    }

    #[test]
    fn too_many_elements_is_refused() {
        let html = "<br>".repeat(MAX_ELEMENTS + 1);
        assert!(matches!(
            extract_article(&html, &url()),
            Err(ExtractError::TooManyElements { .. })
        ));
    }

    #[test]
    fn oversized_input_is_cut_on_a_char_boundary() {
        let html = "é".repeat(MAX_HTML_BYTES); // 2 bytes each: twice the cap
        let bounded = bound_input(&html);
        assert!(bounded.len() <= MAX_HTML_BYTES);
    }

    #[test]
    fn fragment_to_text() {
        let html = "<p>First &amp; foremost.</p><script>alert(1)</script><style>p{}</style>\
                    <p>Second<br>line two.</p><noscript>Enable JS</noscript>\
                    <iframe src=x>frame</iframe><ul><li>a</li><li>b</li></ul>";
        assert_eq!(
            html_fragment_to_text(html),
            "First & foremost.\n\nSecond\nline two.\n\na\nb"
        );
        assert_eq!(html_fragment_to_text("plain &lt;text&gt;"), "plain <text>");
    }

    #[test]
    fn dates_normalise_to_rfc3339() {
        assert_eq!(
            normalize_date("2019-11-19T10:48:00Z"),
            "2019-11-19T10:48:00+00:00"
        );
        assert_eq!(
            normalize_date("2019-11-20T01:07:00-0500"),
            "2019-11-20T01:07:00-05:00"
        );
        assert_eq!(
            normalize_date("2019-11-18 17:19:53 GMT"),
            "2019-11-18T17:19:53+00:00"
        );
        assert_eq!(
            normalize_date("Tue, 19 Nov 2019 10:00:00 +0100"),
            "2019-11-19T10:00:00+01:00"
        );
        assert_eq!(normalize_date(" November 19, 2019 "), "November 19, 2019");
    }

    #[test]
    fn noise_names_match_tokens_not_substrings() {
        for noisy in [
            "ad-slot",
            "adUnit",
            "social-share",
            "relatedArticles",
            "c-newsletter__box",
            "wp-caption-text",
            "sr-only",
        ] {
            assert!(is_noise_name(noisy), "{noisy}");
        }
        for clean in [
            "header",
            "shadow",
            "download",
            "loaded",
            "article-body",
            "thread",
            "readability",
        ] {
            assert!(!is_noise_name(clean), "{clean}");
        }
    }

    #[test]
    fn boilerplate_lines() {
        for line in [
            "Advertisement",
            "— ADVERTISEMENT —",
            "Continue Reading Below",
            "Updated Nov 19, 6:55 AM; Posted Nov 19, 6:51 AM",
            "By HNN Staff | November 18, 2019 at 2:26 PM HST",
            "Published 1 day ago",
            "Protesters have worn masks to protect their identities (Image: GETTY )",
            "Related: The 15 Weirdest Galaxies in Our Universe",
            "Copyright 2019 Example News. All rights reserved.",
        ] {
            assert!(is_boilerplate(line), "{line}");
        }
        for line in [
            "Posted on social media by the performance analysts at Digital Foundry, the Stadia port is not smooth.",
            "— Digital Foundry (@digitalfoundry) November 18, 2019",
            "The discovery was announced on November 18, 2019 in the journal Nature Astronomy.",
            "May 2019 was the wettest month on record, the agency said on Monday after reviewing data.",
        ] {
            assert!(!is_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn stock_lines_fit_the_word_bound() {
        for line in STOCK_LINES {
            assert!(
                bare_word_iter(line).count() <= STOCK_LINE_MAX_WORDS,
                "{line}: raise STOCK_LINE_MAX_WORDS"
            );
            assert!(is_boilerplate(&line.to_uppercase()), "{line}");
        }
    }

    #[test]
    fn teaser_box_after_heading_is_dropped() {
        let paragraphs = vec![
            "Real prose paragraph one.".to_owned(),
            "You may also like...".to_owned(),
            "Who will make the Hall in 2020?".to_owned(),
            "Fans really want the band in the Hall".to_owned(),
            "Real prose again, with no links at all in it.".to_owned(),
        ];
        let links = vec![
            "Who will make the Hall in 2020?".to_owned(),
            "Fans really want the band in the Hall".to_owned(),
        ];
        assert_eq!(
            post_filter(paragraphs, &links),
            vec![
                "Real prose paragraph one.",
                "Real prose again, with no links at all in it."
            ]
        );
    }

    #[test]
    fn noise_class_on_a_wrapper_keeps_the_article() {
        let body: String = (0..20)
            .map(|i| format!("<p>Sentence {i} of the article, which goes on for a while.</p>"))
            .collect();
        let html = format!(
            "<html><body><div class=\"social-share-container\">{body}\
             <div class=\"social-share\"><a href=\"#\">Share on Facebook</a></div></div></body></html>"
        );
        let a = extract_article(&html, &url()).expect("extracts");
        assert_eq!(a.paragraphs.len(), 20);
        assert!(!a.paragraphs.concat().contains("Facebook"));
    }

    #[test]
    fn page_wrapped_in_a_form_keeps_the_article() {
        let html = NEWS_PAGE
            .replace("<body>", "<body><form id=\"aspnetForm\" method=\"post\">")
            .replace("</body>", "</form></body>");
        let a = extract_article(&html, &url()).expect("extracts");
        assert_eq!(a.paragraphs.len(), 5);
    }

    #[test]
    fn an_update_stamp_next_to_a_dateline_leaves_the_body_as_it_was() {
        let page = |furniture: &str| {
            format!(
                "<html><body><article><h1>Library hours extended</h1>\n\
                 <time datetime=\"2026-10-12T07:30:00Z\">12 October 2026</time>{furniture}\n\
                 <p>The central library will open until 9pm on weekdays from next month, the \
                 council said on Monday.</p>\n<p>Staffing for the longer hours costs about \
                 £40,000 a year.</p></article></body></html>"
            )
        };
        let before = extract_article(&page(""), &url()).expect("extract");
        assert!(
            !before.paragraphs.iter().any(|p| p.contains("12 October")),
            "{:?}",
            before.paragraphs
        );
        for furniture in [
            "<p class=\"updated\">Updated 14:05 GMT</p>",
            " <span class=\"updated\">Updated 14:05 GMT</span>",
            "<br>Updated 14:05 GMT",
            " | Updated 14:05 GMT",
        ] {
            let after = extract_article(&page(furniture), &url()).expect("extract");
            assert_eq!(after.paragraphs, before.paragraphs, "{furniture}");
            assert!(
                after
                    .update_line
                    .as_deref()
                    .is_some_and(|u| u.contains("Updated 14:05")),
                "{furniture}: {:?}",
                after.update_line
            );
        }
    }

    #[test]
    fn only_stamp_lines_at_the_edges_are_peeled() {
        let p = "Ferry timetable\nMonday 3 March 2025\nBoats leave every hour from the pier.";
        assert_eq!(peel_stamp_lines(p.to_string()), vec![p.to_string()]);
        let body = "Boats leave the pier every hour from six in the morning until late evening.";
        assert_eq!(
            peel_stamp_lines(format!("Posted March 3, 2025\n{body}\nUpdated 10:15 GMT")),
            vec!["Posted March 3, 2025", body, "Updated 10:15 GMT"]
        );
        // All stamps: left whole, the dateline filter judges it.
        let all = "3 March 2025\nUpdated 10:15 GMT";
        assert_eq!(peel_stamp_lines(all.to_string()), vec![all.to_string()]);
    }

    #[test]
    fn byline_cleanup() {
        assert_eq!(
            clean_byline("By admin - 2018-09-16").as_deref(),
            Some("admin")
        );
        assert_eq!(
            clean_byline("Associated Press November 19, 2019, 9:02 AM").as_deref(),
            Some("Associated Press")
        );
        assert_eq!(clean_byline("Theresa May").as_deref(), Some("Theresa May"));
        assert_eq!(clean_byline("by   "), None);
    }
}
