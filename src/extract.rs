//! Article page HTML to main text (readability-style, through dom_smoothie). Pure.

use url::Url;

/// Pages larger than this are cut before parsing.
pub const MAX_HTML_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no article text found: {0}")]
    NoArticle(String),
}

pub fn extract_article(html: &str, page_url: &Url) -> Result<Extracted, ExtractError> {
    let html = truncate(html, MAX_HTML_BYTES);
    let doc = dom_query::Document::from(html);
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let mut r = dom_smoothie::Readability::with_document(doc, Some(page_url.as_str()), Some(cfg))
        .map_err(|e| ExtractError::NoArticle(e.to_string()))?;
    let a = r
        .parse()
        .map_err(|e| ExtractError::NoArticle(e.to_string()))?;
    let paragraphs: Vec<String> = a
        .text_content
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Extracted {
        title: Some(a.title.to_string()).filter(|t| !t.is_empty()),
        byline: a.byline.map(|b| b.to_string()),
        published: a.published_time.map(|b| b.to_string()),
        modified: a.modified_time.map(|b| b.to_string()),
        paragraphs,
    })
}

pub fn html_fragment_to_text(html: &str) -> String {
    let doc = dom_query::Document::fragment(truncate(html, MAX_HTML_BYTES));
    doc.select("script, style, noscript, iframe").remove();
    doc.formatted_text().trim().to_string()
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
