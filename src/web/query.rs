//! Query strings of the web UI and the API: parsed by hand (not serde), so every mistake gets
//! a message that names the parameter and what it takes, and written back canonically, so each
//! filtered view has one URL. Pure: strings in, values out.

use chrono::{NaiveDate, TimeZone, Utc};

use super::WebError;
use crate::claims::ClaimKind;
use crate::ids;
use crate::store::articles::ChangeFacet;

/// Rows per page when the query gives no `limit`.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest `limit` accepted: a page that big still renders in milliseconds.
pub const MAX_LIMIT: i64 = 200;
/// A search longer than this is refused rather than tokenised.
pub const MAX_QUERY_CHARS: usize = 500;

/// The raw `key=value` pairs, in order.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// Refuses a parameter this page does not take: a typo (`knd=`) would otherwise show an
    /// unfiltered page that looks filtered.
    pub fn only(&self, allowed: &[&str]) -> Result<(), WebError> {
        for (k, _) in &self.0 {
            if !allowed.contains(&k.as_str()) {
                return Err(WebError::bad_request(format!(
                    "unknown parameter `{}`; this page takes {}",
                    clip(k),
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn one(&self, key: &str) -> Result<Option<&str>, WebError> {
        let mut it = self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
        let first = it.next();
        if it.next().is_some() {
            return Err(WebError::bad_request(format!(
                "parameter `{key}` is given twice; give it once"
            )));
        }
        Ok(first.map(String::as_str).filter(|v| !v.is_empty()))
    }

    fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, WebError> {
        match self.one(key)? {
            None => Ok(None),
            Some("1" | "true" | "yes") => Ok(Some(true)),
            Some("0" | "false" | "no") => Ok(Some(false)),
            Some(v) => Err(WebError::bad_request(format!(
                "`{key}={}` is not a yes/no value; use {key}=1 or {key}=0",
                clip(v)
            ))),
        }
    }

    fn limit(&self) -> Result<i64, WebError> {
        match self.one("limit")? {
            None => Ok(DEFAULT_LIMIT),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                Ok(n) => Err(WebError::bad_request(format!(
                    "limit {n} is out of range: give 1 to {MAX_LIMIT}"
                ))),
                Err(_) => Err(WebError::bad_request(format!(
                    "limit `{}` is not a number: give 1 to {MAX_LIMIT}",
                    clip(v)
                ))),
            },
        }
    }
}

/// Text quoted back in an error, cut so a megabyte of query does not come back as a page.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The filters of the changes page (and its Atom feed and API twin).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangesQuery {
    pub feed: Option<i64>,
    /// Claim kinds (`number_changed`, ...): a change with at least one of them.
    pub kinds: Vec<String>,
    pub silent: Option<bool>,
    pub stealth: Option<bool>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    /// Cosmetic edits are hidden unless asked for.
    pub cosmetic: bool,
    pub limit: i64,
    pub cursor: Option<Cursor>,
}

/// Where the next page of changes starts: strictly older than this (created_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }

    fn decode(s: &str) -> Result<Self, WebError> {
        let bad = || {
            WebError::bad_request(format!(
                "cursor `{}` is malformed: use the `next` link of the previous page",
                clip(s)
            ))
        };
        let (t, id) = s.split_once('.').ok_or_else(bad)?;
        let num = |x: &str| {
            (!x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
                .then(|| x.parse::<i64>().ok())
                .flatten()
        };
        Ok(Self {
            created_at: num(t).ok_or_else(bad)?,
            id: num(id).ok_or_else(bad)?,
        })
    }
}

pub const CHANGES_PARAMS: &[&str] = &[
    "feed", "kind", "silent", "stealth", "since", "until", "cosmetic", "limit", "cursor",
];

impl ChangesQuery {
    pub fn parse(raw: Option<&str>) -> Result<Self, WebError> {
        let p = Params::parse(raw);
        p.only(CHANGES_PARAMS)?;
        let feed = p
            .one("feed")?
            .map(|v| {
                ids::parse_feed(v).ok_or_else(|| {
                    WebError::bad_request(format!(
                        "feed `{}` is not a feed id; use the form f7",
                        clip(v)
                    ))
                })
            })
            .transpose()?;
        let kinds = parse_kinds(&p)?;
        let (since, until) = parse_range(&p)?;
        Ok(Self {
            feed,
            kinds,
            silent: p.flag("silent")?,
            stealth: p.flag("stealth")?,
            since,
            until,
            cosmetic: p.flag("cosmetic")?.unwrap_or(false),
            limit: p.limit()?,
            cursor: p.one("cursor")?.map(Cursor::decode).transpose()?,
        })
    }

    /// The query string of this filter (no cursor unless given), canonical: a link to the
    /// same view is the same URL.
    pub fn to_query(&self, cursor: Option<Cursor>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(f) = self.feed {
            s.append_pair("feed", &ids::feed(f));
        }
        append_change_facets(
            &mut s,
            &self.kinds,
            self.silent,
            self.stealth,
            self.since,
            self.until,
        );
        if self.cosmetic {
            s.append_pair("cosmetic", "1");
        }
        if self.limit != DEFAULT_LIMIT {
            s.append_pair("limit", &self.limit.to_string());
        }
        if let Some(c) = cursor {
            s.append_pair("cursor", &c.encode());
        }
        s.finish()
    }

    /// This filter with one claim kind switched on or off (the kind facet links).
    pub fn toggle_kind(&self, kind: &str) -> Self {
        let mut q = self.clone();
        if let Some(i) = q.kinds.iter().position(|k| k == kind) {
            q.kinds.remove(i);
        } else {
            q.kinds.push(kind.to_string());
            q.kinds
                .sort_by_key(|k| ClaimKind::ALL.iter().position(|c| c.as_str() == k));
        }
        q.cursor = None;
        q
    }
}

/// The `kind` facet: known claim kinds only, each once, in canonical order so the same filter
/// is always the same URL.
fn parse_kinds(p: &Params) -> Result<Vec<String>, WebError> {
    let mut kinds: Vec<String> = Vec::new();
    for k in p.all("kind") {
        if !ClaimKind::ALL.iter().any(|c| c.as_str() == k) {
            return Err(WebError::bad_request(format!(
                "unknown claim kind `{}`; kinds are {}",
                clip(k),
                ClaimKind::ALL.map(|c| c.as_str()).join(", ")
            )));
        }
        if !kinds.iter().any(|x| x == k) {
            kinds.push(k.to_string());
        }
    }
    kinds.sort_by_key(|k| ClaimKind::ALL.iter().position(|c| c.as_str() == k));
    Ok(kinds)
}

/// `since` / `until`: since inclusive, until exclusive (a bare day includes that day).
fn parse_range(p: &Params) -> Result<(Option<i64>, Option<i64>), WebError> {
    let since = p
        .one("since")?
        .map(|v| parse_time("since", v))
        .transpose()?;
    let until = p
        .one("until")?
        .map(|v| parse_time("until", v).map(|t| t.saturating_add(until_day_extra(v))))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(WebError::bad_request(
            "`since` must be before `until`".to_string(),
        ));
    }
    Ok((since, until))
}

/// A day given as `YYYY-MM-DD` for `until` means up to the end of that day.
fn until_day_extra(v: &str) -> i64 {
    if NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() {
        86_400
    } else {
        0
    }
}

/// `2026-12-01` (midnight UTC) or an RFC 3339 time.
fn parse_time(key: &str, v: &str) -> Result<i64, WebError> {
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(Utc.from_utc_datetime(&t).timestamp());
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.timestamp())
        .map_err(|_| {
            WebError::bad_request(format!(
                "`{key}={}` is not a date: use 2026-12-01 or 2026-12-01T09:00:00Z",
                clip(v)
            ))
        })
}

/// The search page's query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub q: String,
    pub feed: Option<i64>,
    /// The changes page's facets: hits with at least one matching change.
    pub change: ChangeFacet,
    pub limit: i64,
    /// Rows skipped: search results are ranked, so the cursor is a position.
    pub offset: i64,
}

pub const SEARCH_PARAMS: &[&str] = &[
    "q", "feed", "kind", "silent", "stealth", "since", "until", "limit", "cursor",
];

/// Search results past this position are not served: refine the query instead.
pub const MAX_SEARCH_OFFSET: i64 = 10_000;

impl SearchQuery {
    pub fn parse(raw: Option<&str>) -> Result<Self, WebError> {
        let p = Params::parse(raw);
        p.only(SEARCH_PARAMS)?;
        let q = p.one("q")?.unwrap_or("").trim().to_string();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(WebError::bad_request(format!(
                "the search is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        let feed = p
            .one("feed")?
            .map(|v| {
                ids::parse_feed(v).ok_or_else(|| {
                    WebError::bad_request(format!(
                        "feed `{}` is not a feed id; use the form f7",
                        clip(v)
                    ))
                })
            })
            .transpose()?;
        let offset = match p.one("cursor")? {
            None => 0,
            Some(c) => match c.parse::<i64>() {
                Ok(n) if (0..=MAX_SEARCH_OFFSET).contains(&n) => n,
                _ => {
                    return Err(WebError::bad_request(format!(
                        "cursor `{}` is malformed: use the `next` link of the previous page",
                        clip(c)
                    )));
                }
            },
        };
        let (since, until) = parse_range(&p)?;
        let change = ChangeFacet {
            kinds: parse_kinds(&p)?,
            silent: p.flag("silent")?,
            stealth: p.flag("stealth")?,
            since,
            until,
        };
        Ok(Self {
            q,
            feed,
            change,
            limit: p.limit()?,
            offset,
        })
    }

    pub fn to_query(&self, offset: Option<i64>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.q);
        if let Some(f) = self.feed {
            s.append_pair("feed", &ids::feed(f));
        }
        let c = &self.change;
        append_change_facets(&mut s, &c.kinds, c.silent, c.stealth, c.since, c.until);
        if self.limit != DEFAULT_LIMIT {
            s.append_pair("limit", &self.limit.to_string());
        }
        if let Some(o) = offset {
            s.append_pair("cursor", &o.to_string());
        }
        s.finish()
    }
}

/// Diff page modes, over one sentence alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffMode {
    Claims,
    Side,
    Inline,
    Changes,
}

impl DiffMode {
    pub const ALL: [DiffMode; 4] = [Self::Claims, Self::Side, Self::Inline, Self::Changes];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claims => "claims",
            Self::Side => "side",
            Self::Inline => "inline",
            Self::Changes => "changes",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Claims => "Claims",
            Self::Side => "Side by side",
            Self::Inline => "Inline",
            Self::Changes => "Changes only",
        }
    }

    pub fn parse(raw: Option<&str>) -> Result<Self, WebError> {
        let p = Params::parse(raw);
        p.only(&["mode"])?;
        match p.one("mode")? {
            None => Ok(Self::Claims),
            Some(m) => Self::ALL
                .into_iter()
                .find(|x| x.as_str() == m)
                .ok_or_else(|| {
                    WebError::bad_request(format!(
                        "unknown mode `{}`; modes are claims, side, inline, changes",
                        clip(m)
                    ))
                }),
        }
    }
}

/// An article id in a path: `a42` or `42`.
pub fn article_id(s: &str) -> Result<i64, WebError> {
    match ids::parse_article(s) {
        Some((id, None)) => Ok(id),
        _ => Err(WebError::not_found(format!(
            "`{}` is not an article id; ids look like a42",
            clip(s)
        ))),
    }
}

/// `3..5` (or `a42v3..a42v5`): the two versions of a diff path, checked for order.
pub fn version_range(s: &str, article: i64) -> Result<(i64, i64), WebError> {
    let bad = || {
        WebError::bad_request(format!(
            "`{}` is not a version range; write it as 2..3 (older..newer)",
            clip(s)
        ))
    };
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let side = |x: &str| -> Result<i64, WebError> {
        if let Ok(n) = x.parse::<i64>()
            && x.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(n);
        }
        match ids::parse_article(x) {
            Some((aid, Some(v))) if aid == article => Ok(v),
            Some((aid, Some(_))) => Err(WebError::bad_request(format!(
                "`{}` is a version of {}, not of {}",
                clip(x),
                ids::article(aid),
                ids::article(article)
            ))),
            _ => Err(bad()),
        }
    };
    let (from, to) = (side(a)?, side(b)?);
    if from < 1 || from >= to {
        return Err(WebError::bad_request(format!(
            "versions {from}..{to}: the first must be older than the second (from < to, both from 1)"
        )));
    }
    Ok((from, to))
}

/// The facets the changes and search pages share, in their one canonical order and form.
fn append_change_facets(
    s: &mut url::form_urlencoded::Serializer<'_, String>,
    kinds: &[String],
    silent: Option<bool>,
    stealth: Option<bool>,
    since: Option<i64>,
    until: Option<i64>,
) {
    let flag = |v: bool| if v { "1" } else { "0" };
    if !kinds.is_empty() {
        s.append_pair("kind", &kinds.join(","));
    }
    if let Some(v) = silent {
        s.append_pair("silent", flag(v));
    }
    if let Some(v) = stealth {
        s.append_pair("stealth", flag(v));
    }
    if let Some(t) = since {
        s.append_pair("since", &super::rfc3339(t));
    }
    if let Some(t) = until {
        s.append_pair("until", &super::rfc3339(t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_query_facets_round_trip_to_one_canonical_url() {
        let q = SearchQuery::parse(Some(
            "q=flood&kind=quote_changed,number_changed&silent=yes&stealth=0&until=2026-12-01&cursor=50",
        ))
        .expect("valid");
        assert_eq!(q.change.kinds, vec!["number_changed", "quote_changed"]);
        assert_eq!(
            (q.change.silent, q.change.stealth),
            (Some(true), Some(false))
        );
        // A bare `until` day runs to the end of that day.
        assert_eq!(q.change.until, Some(1_796_169_600));
        let again = SearchQuery::parse(Some(&q.to_query(Some(50)))).expect("canonical parses");
        assert_eq!(again, q);
        assert!(
            SearchQuery::parse(Some("q=x&kind=nope"))
                .is_err_and(|e| e.message.contains("unknown claim kind `nope`"))
        );
    }

    #[test]
    fn changes_query_round_trips_to_one_canonical_url() {
        let q = ChangesQuery::parse(Some(
            "kind=quote_changed&kind=number_changed&feed=f3&stealth=1&since=2026-11-01&limit=20",
        ))
        .expect("valid");
        assert_eq!(q.feed, Some(3));
        assert_eq!(q.kinds, vec!["number_changed", "quote_changed"]);
        let again = ChangesQuery::parse(Some(&q.to_query(None))).expect("canonical parses");
        assert_eq!(again, q);
        assert_eq!(again.to_query(None), q.to_query(None));
    }

    #[test]
    fn bad_queries_name_the_parameter() {
        for (raw, says) in [
            ("limit=100000", "limit 100000"),
            ("limit=x", "limit `x`"),
            ("kind=made_up", "unknown claim kind `made_up`"),
            ("cursor=12", "cursor `12` is malformed"),
            ("cursor=1.-2", "malformed"),
            ("since=yesterday", "`since=yesterday` is not a date"),
            ("knd=x", "unknown parameter `knd`"),
            ("stealth=maybe", "stealth=maybe"),
            ("since=2026-12-02&until=2026-12-01", "before `until`"),
            ("feed=chronicle", "not a feed id"),
        ] {
            let err = ChangesQuery::parse(Some(raw)).expect_err(raw);
            assert_eq!(err.status.as_u16(), 400, "{raw}");
            assert!(err.message.contains(says), "{raw}: {}", err.message);
        }
    }

    #[test]
    fn version_ranges_are_ordered() {
        assert_eq!(version_range("2..3", 4).expect("ok"), (2, 3));
        assert_eq!(version_range("a4v1..a4v3", 4).expect("ok"), (1, 3));
        assert!(version_range("3..2", 4).is_err());
        assert!(version_range("2..2", 4).is_err());
        assert!(version_range("0..2", 4).is_err());
        assert!(version_range("a5v1..a5v2", 4).is_err());
        assert!(version_range("1-2", 4).is_err());
        assert!(version_range("+1..2", 4).is_err());
    }
}
