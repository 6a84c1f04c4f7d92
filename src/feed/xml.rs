//! A liberal XML reader for feeds: decoded text in, an element tree out.
//!
//! Recovers where feedparser's loose parser does — mismatched or missing end tags, a bare `&`
//! or `<`, undeclared HTML entities (`&aacute;`, `&nbsp;`), unterminated comments — and says
//! what it recovered from (`bozo` + a warning). Entities declared in the internal DTD subset
//! are expanded, bounded in depth and total size (no billion laughs); external ones never.
//! Namespaces are resolved to short keys (`atom`, `dc`, `content`, ...) so that `rss.rs` and
//! `atom.rs` match on meaning, not on the prefix a publisher chose.

use std::collections::HashMap;

use url::Url;

use super::decode::c1_to_cp1252;

/// Deeper elements are read as text of their parent: no feed needs 256 levels, and the tree is
/// walked recursively.
const MAX_DEPTH: usize = 256;
/// Total characters produced by expanding DTD entities in one document.
const MAX_ENTITY_EXPANSION: usize = 1 << 20;
/// Entity references inside entity values are followed this deep.
const MAX_ENTITY_DEPTH: usize = 8;

#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Namespace key: `""` (none), `atom`, `atom03`, `rss090`, `rss10`, `rdf`, `dc`, `dcterms`,
    /// `content`, `xhtml`, `itunes`, `media`, ... or the URI itself for unknown namespaces.
    pub ns: String,
    pub local: String,
    pub qname: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// Base URL in effect for this element (document URL, Content-Location, xml:base).
    pub base: Url,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

pub(crate) struct Document {
    pub root: Element,
    /// The text ended inside the root element: a cut-off download, not a sloppy feed.
    pub truncated: bool,
    pub bozo: bool,
    pub warnings: Vec<String>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| {
                k == name || k.rsplit(':').next() == Some(name) && !k.starts_with("xmlns")
            })
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Concatenated text of this element and its descendants.
    pub fn text(&self) -> String {
        let mut s = String::new();
        fn walk(e: &Element, s: &mut String) {
            for n in &e.children {
                match n {
                    Node::Text(t) => s.push_str(t),
                    Node::Element(c) => walk(c, s),
                }
            }
        }
        walk(self, &mut s);
        s
    }

    pub fn has_child_elements(&self) -> bool {
        self.elements().next().is_some()
    }

    /// The children serialised back to markup (for inline XHTML / XML content).
    pub fn inner_markup(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            serialize(n, &mut s);
        }
        s
    }
}

fn serialize(n: &Node, out: &mut String) {
    match n {
        Node::Text(t) => escape_into(t, out, false),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.local);
            for (k, v) in &e.attrs {
                if k == "xmlns" || k.starts_with("xmlns:") {
                    continue;
                }
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                escape_into(v, out, true);
                out.push('"');
            }
            out.push('>');
            for c in &e.children {
                serialize(c, out);
            }
            out.push_str("</");
            out.push_str(&e.local);
            out.push('>');
        }
    }
}

fn escape_into(t: &str, out: &mut String, attr: bool) {
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Short key for a namespace URI.
fn ns_key(uri: &str) -> String {
    let u = uri.trim();
    let lower = u.to_ascii_lowercase();
    let key = match lower.trim_end_matches(['/', '#']) {
        "http://www.w3.org/2005/atom" => "atom",
        "http://purl.org/atom/ns" => "atom03",
        "http://my.netscape.com/rdf/simple/0.9" => "rss090",
        "http://purl.org/rss/1.0" => "rss10",
        "http://backend.userland.com/rss2" | "http://blogs.law.harvard.edu/tech/rss" => "",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns" => "rdf",
        "http://purl.org/dc/elements/1.1" => "dc",
        "http://purl.org/dc/terms" => "dcterms",
        "http://purl.org/rss/1.0/modules/content" => "content",
        "http://www.w3.org/1999/xhtml" => "xhtml",
        "http://www.itunes.com/dtds/podcast-1.0.dtd" => "itunes",
        "http://search.yahoo.com/mrss" => "media",
        _ => return u.to_string(),
    };
    key.to_string()
}

/// A prefix used without a declaration: feeds often write `dc:creator` or `content:encoded`
/// and forget `xmlns:dc`; read them as the namespace everyone means.
fn undeclared_prefix_key(prefix: &str) -> String {
    match prefix.to_ascii_lowercase().as_str() {
        p @ ("dc" | "dcterms" | "content" | "rdf" | "itunes" | "media" | "atom" | "xhtml") => {
            p.to_string()
        }
        other => format!("undeclared:{other}"),
    }
}

struct Frame {
    el: Element,
    /// Namespace declarations made on this element.
    scope: Vec<(String, String)>,
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    bozo: bool,
    warnings: Vec<String>,
    entities: HashMap<String, String>,
    expanded: usize,
    html_entities_used: bool,
}

pub(crate) fn parse(text: &str, base: &Url) -> Document {
    let mut r = Reader {
        s: text,
        pos: 0,
        bozo: false,
        warnings: Vec::new(),
        entities: HashMap::new(),
        expanded: 0,
        html_entities_used: false,
    };
    let root_base = base.clone();
    let mut stack: Vec<Frame> = vec![Frame {
        el: Element {
            ns: String::new(),
            local: "#document".into(),
            qname: "#document".into(),
            attrs: Vec::new(),
            children: Vec::new(),
            base: root_base,
        },
        scope: vec![("xml".into(), "xml".into())],
    }];
    let mut saw_root = false;
    while r.pos < r.s.len() {
        let rest = &r.s[r.pos..];
        let Some(lt) = rest.find('<') else {
            let t = r.decode_text(rest);
            push_text(&mut stack, t);
            r.pos = r.s.len();
            break;
        };
        if lt > 0 {
            let t = r.decode_text(&rest[..lt]);
            push_text(&mut stack, t);
            r.pos += lt;
            continue;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            match comment.find("-->") {
                Some(end) => r.pos += 4 + end + 3,
                None => {
                    r.warn("unterminated comment; the rest of the document was ignored");
                    r.pos = r.s.len();
                }
            }
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let (t, adv) = match body.find("]]>") {
                Some(end) => (&body[..end], 9 + end + 3),
                None => {
                    r.warn("unterminated CDATA section");
                    (body, rest.len())
                }
            };
            push_text(&mut stack, t.to_string());
            r.pos += adv;
        } else if rest
            .get(..9)
            .is_some_and(|h| h.eq_ignore_ascii_case("<!DOCTYPE"))
        {
            let adv = r.doctype(rest);
            r.pos += adv;
        } else if rest.starts_with("<!") {
            r.pos += rest.find('>').map_or(rest.len(), |e| e + 1);
        } else if rest.starts_with("<?") {
            r.pos += rest.find("?>").map_or(rest.len(), |e| e + 2);
        } else if let Some(after) = rest.strip_prefix("</") {
            let name_len = after
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(after.len());
            let name = &after[..name_len];
            let close = after.find('>').map_or(rest.len(), |e| e + 3);
            r.pos += close;
            r.end_tag(&mut stack, name);
        } else if rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_' || c == ':') {
            let adv = r.start_tag(&mut stack, rest, &mut saw_root);
            r.pos += adv;
        } else {
            r.warn("bare '<' in text read as a character");
            push_text(&mut stack, "<".into());
            r.pos += 1;
        }
    }
    let truncated = stack.len() > 1;
    if stack.len() > 1 {
        let open: Vec<String> = stack[1..].iter().map(|f| f.el.qname.clone()).collect();
        r.warn(&format!(
            "unclosed element(s) at end of document: {}",
            open.join(", ")
        ));
    }
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    let doc = stack.pop().map(|f| f.el);
    let root = doc
        .and_then(|d| {
            d.children.into_iter().find_map(|n| match n {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            })
        })
        .unwrap_or_else(|| Element {
            ns: String::new(),
            local: String::new(),
            qname: String::new(),
            attrs: Vec::new(),
            children: Vec::new(),
            base: base.clone(),
        });
    if r.html_entities_used {
        r.warnings.push("undeclared HTML entities decoded".into());
    }
    Document {
        root,
        truncated,
        bozo: r.bozo,
        warnings: r.warnings,
    }
}

fn push_text(stack: &mut [Frame], t: String) {
    if t.is_empty() {
        return;
    }
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(prev)) = top.el.children.last_mut() {
            prev.push_str(&t);
        } else {
            top.el.children.push(Node::Text(t));
        }
    }
}

fn close_top(stack: &mut Vec<Frame>) {
    if stack.len() <= 1 {
        return;
    }
    if let Some(f) = stack.pop()
        && let Some(parent) = stack.last_mut()
    {
        parent.el.children.push(Node::Element(f.el));
    }
}

impl Reader<'_> {
    fn warn(&mut self, msg: &str) {
        self.bozo = true;
        if self.warnings.len() < 20 && !self.warnings.iter().any(|w| w == msg) {
            self.warnings.push(msg.to_string());
        }
    }

    fn end_tag(&mut self, stack: &mut Vec<Frame>, name: &str) {
        let found = stack.iter().rposition(|f| f.el.qname == name).or_else(|| {
            stack
                .iter()
                .rposition(|f| f.el.qname.eq_ignore_ascii_case(name))
        });
        match found {
            Some(i) if i > 0 => {
                if i + 1 < stack.len() {
                    let msg = format!(
                        "element <{}> closed by </{name}>",
                        stack[stack.len() - 1].el.qname
                    );
                    self.warn(&msg);
                }
                while stack.len() > i {
                    close_top(stack);
                }
            }
            _ => self.warn(&format!("stray end tag </{name}> ignored")),
        }
    }

    /// Parses `<name attrs...>` at the start of `rest`; returns the bytes consumed.
    fn start_tag(&mut self, stack: &mut Vec<Frame>, rest: &str, saw_root: &mut bool) -> usize {
        let b = rest.as_bytes();
        let mut i = 1;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let qname = rest[1..i].to_string();
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut self_closing = false;
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() {
                self.warn("document ends inside a start tag");
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            if b[i] == b'/' {
                i += 1;
                if i < b.len() && b[i] == b'>' {
                    self_closing = true;
                    i += 1;
                    break;
                }
                continue;
            }
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = rest[start..i].to_string();
            if name.is_empty() {
                i += 1;
                continue;
            }
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    let ve = rest[vs..].find(q as char).map_or(rest.len(), |e| vs + e);
                    value = self.decode_text(&rest[vs..ve]);
                    i = (ve + 1).min(rest.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    self.warn("unquoted attribute value");
                    value = self.decode_text(&rest[vs..i]);
                }
            } else {
                self.warn("attribute without a value");
            }
            if !attrs.iter().any(|(k, _)| *k == name) {
                attrs.push((name, value));
            }
        }
        if stack.len() == 1 && *saw_root {
            self.warn("content after the root element");
        }
        if stack.len() >= MAX_DEPTH {
            self.warn("elements nested too deep; inner tags ignored");
            return i;
        }
        if stack.len() == 1 {
            *saw_root = true;
        }
        let scope: Vec<(String, String)> = attrs
            .iter()
            .filter_map(|(k, v)| {
                if k == "xmlns" {
                    Some((String::new(), v.clone()))
                } else {
                    k.strip_prefix("xmlns:").map(|p| (p.to_string(), v.clone()))
                }
            })
            .collect();
        let lookup = |prefix: &str| -> Option<String> {
            scope
                .iter()
                .rev()
                .chain(stack.iter().rev().flat_map(|f| f.scope.iter().rev()))
                .find(|(p, _)| p == prefix)
                .map(|(_, u)| u.clone())
        };
        if let Some((p, _)) = qname.split_once(':')
            && p != "xml"
            && lookup(p).is_none()
        {
            let msg = format!("namespace prefix {p}: used without a declaration");
            self.warn(&msg);
        }
        let (ns, local) = match qname.split_once(':') {
            Some((p, l)) => (
                lookup(p).map_or_else(|| undeclared_prefix_key(p), |u| ns_key(&u)),
                l.to_string(),
            ),
            None => (
                lookup("").map(|u| ns_key(&u)).unwrap_or_default(),
                qname.clone(),
            ),
        };
        let parent_base = stack.last().map(|f| f.el.base.clone());
        let base = match (parent_base, attrs.iter().find(|(k, _)| k == "xml:base")) {
            (Some(pb), Some((_, v))) => pb.join(v.trim()).unwrap_or(pb),
            (Some(pb), None) => pb,
            (None, _) => Url::parse("about:blank").expect("static url"),
        };
        let el = Element {
            ns,
            local,
            qname,
            attrs,
            children: Vec::new(),
            base,
        };
        stack.push(Frame { el, scope });
        if self_closing {
            close_top(stack);
        }
        i
    }

    /// Reads the internal subset of a DOCTYPE for `<!ENTITY name "value">` declarations.
    fn doctype(&mut self, rest: &str) -> usize {
        let b = rest.as_bytes();
        let mut i = 9;
        let mut quote: Option<u8> = None;
        let mut subset_start = None;
        let mut subset_end = None;
        while i < b.len() {
            let c = b[i];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'[' if subset_start.is_none() => subset_start = Some(i + 1),
                    b']' if subset_start.is_some() && subset_end.is_none() => subset_end = Some(i),
                    b'>' if subset_start.is_none() || subset_end.is_some() => {
                        i += 1;
                        break;
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        if let (Some(s), Some(e)) = (subset_start, subset_end) {
            self.read_entity_decls(&rest[s..e]);
        }
        i
    }

    fn read_entity_decls(&mut self, subset: &str) {
        let mut rest = subset;
        while let Some(at) = rest.find("<!ENTITY") {
            rest = &rest[at + 8..];
            let decl_end = rest.find('>').unwrap_or(rest.len());
            let decl = &rest[..decl_end];
            rest = &rest[decl_end..];
            let mut parts = decl.trim_start().splitn(2, char::is_whitespace);
            let name = parts.next().unwrap_or("");
            let body = parts.next().unwrap_or("").trim();
            if name == "%" || name.is_empty() {
                continue; // parameter entity
            }
            let Some(q) = body.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                // SYSTEM / PUBLIC: external, never fetched.
                continue;
            };
            let value = body[1..].split(q).next().unwrap_or("");
            self.entities
                .entry(name.to_string())
                .or_insert_with(|| value.to_string());
        }
    }

    fn decode_text(&mut self, raw: &str) -> String {
        self.decode_depth(raw, 0)
    }

    fn decode_depth(&mut self, raw: &str, depth: usize) -> String {
        if !raw.contains('&') {
            return raw.to_string();
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            rest = &rest[amp..];
            let body = &rest[1..];
            let end = body
                .char_indices()
                .find(|(_, c)| {
                    !(c.is_alphanumeric() || *c == '#' || *c == '_' || *c == '-' || *c == '.')
                })
                .map_or(body.len(), |(i, _)| i);
            let name = &body[..end];
            let has_semi = body[end..].starts_with(';');
            let consumed = 1 + end + usize::from(has_semi);
            if let Some(num) = name.strip_prefix('#') {
                let n = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    num.parse::<u32>().ok()
                };
                if let Some(n) = n {
                    if !has_semi {
                        self.warn("character reference without ';'");
                    }
                    let c = char::from_u32(n).filter(|_| n != 0).unwrap_or('\u{FFFD}');
                    out.push(c1_to_cp1252(c));
                    rest = &rest[consumed..];
                    continue;
                }
            } else if has_semi && !name.is_empty() {
                if let Some(c) = match name {
                    "lt" => Some("<"),
                    "gt" => Some(">"),
                    "amp" => Some("&"),
                    "quot" => Some("\""),
                    "apos" => Some("'"),
                    _ => None,
                } {
                    out.push_str(c);
                    rest = &rest[consumed..];
                    continue;
                }
                if let Some(value) = self.entities.get(name).cloned() {
                    if depth < MAX_ENTITY_DEPTH
                        && self.expanded + value.len() <= MAX_ENTITY_EXPANSION
                    {
                        self.expanded += value.len();
                        let v = self.decode_depth(&value, depth + 1);
                        out.push_str(&v);
                    } else {
                        self.warn("entity expansion limit reached; entity left unexpanded");
                        out.push_str(&rest[..consumed]);
                    }
                    rest = &rest[consumed..];
                    continue;
                }
                let key = format!("{name};");
                if let Some((a, b)) = web_atoms::NAMED_ENTITIES.get(key.as_str()) {
                    self.html_entities_used = true;
                    if let Some(c) = char::from_u32(*a) {
                        out.push(c);
                    }
                    if *b != 0
                        && let Some(c) = char::from_u32(*b)
                    {
                        out.push(c);
                    }
                    rest = &rest[consumed..];
                    continue;
                }
                self.warn(&format!("unknown entity &{name}; kept as text"));
                out.push_str(&rest[..consumed]);
                rest = &rest[consumed..];
                continue;
            }
            self.warn("bare '&' in text read as a character");
            out.push('&');
            rest = &rest[1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.com/feed.xml").expect("url")
    }

    #[test]
    fn html_entities_and_internal_dtd_entities_are_decoded() {
        let d = parse(
            "<!DOCTYPE rss [<!ENTITY desk \"City desk\">]><rss><t>Caf&eacute;&nbsp;&desk;</t></rss>",
            &base(),
        );
        let t = d.root.elements().next().expect("t").text();
        assert_eq!(t, "Caf\u{e9}\u{a0}City desk");
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut dtd = String::from("<!DOCTYPE r [<!ENTITY a0 \"lol\">");
        for i in 1..12 {
            let p = i - 1;
            dtd.push_str(&format!(
                "<!ENTITY a{i} \"&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};\">"
            ));
        }
        dtd.push_str("]><r>&a11;</r>");
        let d = parse(&dtd, &base());
        assert!(d.root.text().len() <= MAX_ENTITY_EXPANSION + 1000);
        assert!(d.bozo);
    }

    #[test]
    fn mismatched_end_tags_are_recovered_and_flagged() {
        let d = parse(
            "<rss><channel><title>Wire<b></title></channel><x></rss>",
            &base(),
        );
        assert!(d.bozo);
        let ch = d.root.elements().next().expect("channel");
        assert_eq!(ch.elements().next().expect("title").text(), "Wire");
    }

    #[test]
    fn xml_base_is_inherited_and_resolved() {
        let d = parse(
            "<feed xml:base=\"https://a.example/x/\"><entry xml:base=\"y/\"><link/></entry></feed>",
            &base(),
        );
        let e = d.root.elements().next().expect("entry");
        assert_eq!(e.base.as_str(), "https://a.example/x/y/");
    }
}
