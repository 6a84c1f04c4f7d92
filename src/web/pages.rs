//! The HTML pages. maud escapes every interpolated string, so text from the web (headlines,
//! sentences, URLs, error messages quoting a query) is always text, never markup; nothing here
//! builds HTML by string concatenation. No inline script or style (the CSP forbids both):
//! sizes are classes, behaviour is `app.js` reading `data-` attributes.

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};

use super::assets::{FAVICON, SCRIPT, STYLESHEET, href};
use super::data::{self, ChangeItem, ChangesPage, DiffData, Flags};
use super::query::{self, ChangesQuery, DiffMode, SearchQuery};
use super::{App, WebError, typed};
use crate::claims::ClaimKind;
use crate::diff::{SentenceOp, WordChange, WordTag};
use crate::ids;
use crate::store::feeds;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/", get(changes_page))
        .route("/changes.atom", get(changes_atom))
        .route("/search", get(search_page))
        .route("/feeds", get(feeds_page))
        .route("/a/{id}", get(article_page))
        .route("/a/{id}/compare", get(compare_redirect))
        .route("/a/{id}/v/{range}", get(diff_page))
}

fn html_response(status: StatusCode, m: Markup) -> Response {
    typed(status, "text/html; charset=utf-8", m.into_string())
}

fn ok(m: Markup) -> Response {
    html_response(StatusCode::OK, m)
}

pub(crate) fn error_page(e: &WebError) -> Response {
    let reason = e.status.canonical_reason().unwrap_or("Error");
    html_response(
        e.status,
        layout(
            "error",
            &format!("{} {reason}", e.status.as_u16()),
            html! {},
            html! {
                main #error data-status=(e.status.as_u16()) {
                    h1 { (e.status.as_u16()) " " (reason) }
                    p.error-message { (e.message) }
                    p { a href="/" { "Back to the changes" } }
                }
            },
        ),
    )
}

fn respond(r: Result<Markup, WebError>) -> Response {
    match r {
        Ok(m) => ok(m),
        Err(e) => error_page(&e),
    }
}

fn layout(page: &str, title: &str, head: Markup, body: Markup) -> Markup {
    layout_with_query(page, title, None, head, body)
}

/// `layout`, with the header's search box holding `query` (the search page's own query).
fn layout_with_query(
    page: &str,
    title: &str,
    query: Option<&str>,
    head: Markup,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · redline" }
                link rel="stylesheet" href=(href(&STYLESHEET));
                link rel="icon" type="image/svg+xml" href=(href(&FAVICON));
                (head)
                script src=(href(&SCRIPT)) defer {}
            }
            body data-page=(page) {
                header.top {
                    a.brand href="/" { "redline" }
                    nav.main-nav {
                        a #nav-changes href="/" { "Changes" }
                        a #nav-feeds href="/feeds" { "Feeds" }
                    }
                    form #search-form action="/search" method="get" role="search" {
                        input #search-box type="search" name="q" placeholder="Search every article"
                            aria-label="Search every article" maxlength="500" value=[query];
                        button type="submit" { "Search" }
                    }
                }
                (body)
                footer.bottom {
                    "redline " (env!("CARGO_PKG_VERSION")) " · read-only view · "
                    a href="/api/v1" { "JSON API" }
                }
            }
        }
    }
}

/// `1 version`, `3 versions`.
fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn kind_label(kind: &str) -> String {
    kind.replace('_', " ")
}

fn badges(kinds: &[String]) -> Markup {
    html! {
        @for k in kinds {
            span class={"badge kind-" (k)} data-kind=(k) { (kind_label(k)) }
        }
    }
}

fn flags(f: &Flags) -> Markup {
    html! {
        @if f.silent { span.flag data-flag="silent" title="no notice or update line was added" { "silent" } }
        @if f.stealth { span.flag data-flag="stealth" title="the page's modified stamp did not move" { "stealth" } }
        @if f.cosmetic { span.flag data-flag="cosmetic" title="only typography or spacing changed" { "cosmetic" } }
        @if f.revert { span.flag data-flag="revert" title="back to an earlier version" { "revert" } }
        @if f.unpublished { span.flag data-flag="unpublished" { "unpublished" } }
    }
}

/// A time as a `<time>` element: RFC 3339 in the attribute, a shorter UTC form shown.
fn time(t: &str) -> Markup {
    let shown = t.replacen('T', " ", 1).replace('Z', " UTC");
    html! { time datetime=(t) { (shown) } }
}

/// A version's ETag or Last-Modified as the panel shows it. Both are stored since migration
/// 0021, alongside the fetch status (0019): a version with a status but no validator was
/// fetched without one; a version without either predates the recording.
fn validator(v: &data::TimelineEntry, value: Option<&str>) -> String {
    match (value, v.provenance.http_status) {
        (Some(x), _) => x.to_string(),
        (None, Some(_)) => "none sent".to_string(),
        (None, None) => "not recorded".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

async fn changes_page(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    respond(changes_inner(app, raw).await)
}

async fn changes_inner(app: App, raw: Option<String>) -> Result<Markup, WebError> {
    let q = ChangesQuery::parse(raw.as_deref())?;
    let q2 = q.clone();
    let (page, feed_list) = app
        .db
        .run(move |c| Ok((data::changes(c, &q2)?, feeds::list(c)?)))
        .await?;
    let atom = format!("/changes.atom?{}", q.to_query(None));
    Ok(layout(
        "changes",
        "Changes",
        html! { link rel="alternate" type="application/atom+xml" title="These changes (Atom)" href=(atom); },
        html! {
            main.changes-main {
                h1 { "Changes" }
                (facets(&q, &feed_list))
                (change_list(&page))
                nav.pager {
                    @if let Some(next) = page.next_cursor.as_deref().and_then(parse_cursor) {
                        a #next-page rel="next" href={"/?" (q.to_query(Some(next)))} { "Older changes →" }
                    }
                    a #atom-link href=(atom) { "Atom feed of this view" }
                    " · "
                    a href={"/api/v1/changes?" (q.to_query(q.cursor))} { "JSON" }
                }
            }
        },
    ))
}

fn parse_cursor(s: &str) -> Option<query::Cursor> {
    let (t, id) = s.split_once('.')?;
    Some(query::Cursor {
        created_at: t.parse().ok()?,
        id: id.parse().ok()?,
    })
}

fn facets(q: &ChangesQuery, feed_list: &[feeds::FeedRow]) -> Markup {
    let with = |f: &dyn Fn(&mut ChangesQuery)| {
        let mut n = q.clone();
        n.cursor = None;
        f(&mut n);
        format!("/?{}", n.to_query(None))
    };
    let tri = |name: &'static str, cur: Option<bool>, set: fn(&mut ChangesQuery, Option<bool>)| {
        html! {
            span.facet-group {
                span.facet-name { (name) ":" }
                @for (label, v) in [("any", None), ("yes", Some(true)), ("no", Some(false))] {
                    a.facet-flag data-flag=(name) data-value=(label) aria-pressed=(if cur == v { "true" } else { "false" })
                        href=(with(&|n| set(n, v))) { (label) }
                }
            }
        }
    };
    let active = q.kinds.len()
        + usize::from(q.feed.is_some())
        + usize::from(q.silent.is_some())
        + usize::from(q.stealth.is_some())
        + usize::from(q.cosmetic)
        + usize::from(q.since.is_some() || q.until.is_some());
    // Open by default (and without JavaScript); app.js folds it on a phone, where the open
    // filters would fill the first screen before the first change.
    html! {
        details #filters.filters open {
        summary { "Filters" @if active > 0 { " (" (active) " active)" } }
        nav #facets aria-label="Filters" {
            div.facet-row {
                span.facet-name { "claim kind:" }
                @for k in ClaimKind::ALL {
                    @let on = q.kinds.iter().any(|x| x == k.as_str());
                    a class={"facet-kind badge kind-" (k.as_str())} data-kind=(k.as_str())
                        aria-pressed=(if on { "true" } else { "false" })
                        href={"/?" (q.toggle_kind(k.as_str()).to_query(None))} { (kind_label(k.as_str())) }
                }
            }
            @if !feed_list.is_empty() {
                div.facet-row {
                    span.facet-name { "feed:" }
                    a.facet-feed data-feed="" aria-pressed=(if q.feed.is_none() { "true" } else { "false" })
                        href=(with(&|n| n.feed = None)) { "all" }
                    @for f in feed_list {
                        a.facet-feed data-feed=(ids::feed(f.id))
                            aria-pressed=(if q.feed == Some(f.id) { "true" } else { "false" })
                            href=(with(&|n| n.feed = Some(f.id))) { (f.label()) }
                    }
                }
            }
            div.facet-row {
                (tri("silent", q.silent, |n, v| n.silent = v))
                (tri("stealth", q.stealth, |n, v| n.stealth = v))
                span.facet-group {
                    span.facet-name { "cosmetic:" }
                    a.facet-flag data-flag="cosmetic" aria-pressed=(if q.cosmetic { "true" } else { "false" })
                        href=(with(&|n| n.cosmetic = !q.cosmetic)) {
                        @if q.cosmetic { "shown (hide)" } @else { "hidden (show)" }
                    }
                }
            }
            form #date-range action="/" method="get" {
                @if let Some(f) = q.feed { input type="hidden" name="feed" value=(ids::feed(f)); }
                @if !q.kinds.is_empty() { input type="hidden" name="kind" value=(q.kinds.join(",")); }
                @if let Some(v) = q.silent { input type="hidden" name="silent" value=(if v { "1" } else { "0" }); }
                @if let Some(v) = q.stealth { input type="hidden" name="stealth" value=(if v { "1" } else { "0" }); }
                @if q.cosmetic { input type="hidden" name="cosmetic" value="1"; }
                label { "from " input type="date" name="since" value=[q.since.map(day)]; }
                label { " to " input type="date" name="until" value=[q.until.map(|t| day(t - 1))]; }
                button type="submit" { "Apply" }
                @if q.since.is_some() || q.until.is_some() {
                    " " a href=(with(&|n| { n.since = None; n.until = None; })) { "any date" }
                }
            }
        }
        }
    }
}

fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn change_list(page: &ChangesPage) -> Markup {
    html! {
        @if page.items.is_empty() {
            p #no-changes { "No changes match. Cosmetic edits are hidden unless asked for; older changes may be on another page." }
        } @else {
            ol #changes {
                @for c in &page.items { (change_row(c)) }
            }
        }
    }
}

fn change_row(c: &ChangeItem) -> Markup {
    let title = c.title.clone().unwrap_or_else(|| c.url.clone());
    html! {
        li.change data-change-id=(c.id) data-article=(c.article_ref) data-kinds=(c.claim_kinds.join(" ")) {
            div.change-meta {
                span.outlet { (c.feed) }
                " · "
                (time(&c.detected_at))
                @if let (Some(f), Some(t)) = (c.from_seq, c.to_seq) { " · v" (f) "→v" (t) }
            }
            a.change-link href=(c.href) { (title) }
            div.badges { (badges(&c.claim_kinds)) (flags(&c.flags)) }
            @if let Some(first) = c.claims.first() {
                p.claim-preview {
                    @if let Some(b) = &first.before { del { (b) } }
                    @if first.before.is_some() && first.after.is_some() { " → " }
                    @if let Some(a) = &first.after { ins { (a) } }
                    @if c.claims.len() > 1 { " " span.more { "and " (c.claims.len() - 1) " more" } }
                }
            } @else if c.kind == "edit" {
                p.claim-preview.muted {
                    "sentences: +" (c.sentences.added) " −" (c.sentences.removed) " ~" (c.sentences.edited)
                    @if !c.fields.is_empty() { " · " (c.fields.join(", ")) }
                }
            }
        }
    }
}

async fn changes_atom(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let run = async {
        let q = ChangesQuery::parse(raw.as_deref())?;
        let q2 = q.clone();
        let page = app.db.run(move |c| data::changes(c, &q2)).await?;
        Ok::<_, WebError>(atom(&q, &page))
    };
    match run.await {
        Ok(xml) => typed(StatusCode::OK, "application/atom+xml; charset=utf-8", xml),
        Err(e) => error_page(&e),
    }
}

/// The same query as an Atom feed. Links are relative: a reader resolves them against the
/// feed's own URL, so they work behind any host name.
fn atom(q: &ChangesQuery, page: &ChangesPage) -> String {
    use crate::alert::atom::escape;
    let updated = page
        .items
        .first()
        .map(|c| c.detected_at.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let query = q.to_query(None);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  \
         <title>redline changes</title>\n  <id>urn:redline:web:changes:{}</id>\n  <updated>{updated}</updated>\n  \
         <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  \
         <generator>redline</generator>\n",
        escape(&query),
        escape(&format!("/changes.atom?{query}")),
        escape(&format!("/?{query}")),
    );
    for c in &page.items {
        let title = c.title.clone().unwrap_or_else(|| c.url.clone());
        let kinds = if c.claim_kinds.is_empty() {
            c.kind.clone()
        } else {
            c.claim_kinds
                .iter()
                .map(|k| kind_label(k))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut summary = String::new();
        for cl in &c.claims {
            summary.push_str(&format!(
                "{}: {} → {}\n",
                kind_label(&cl.kind),
                cl.before.as_deref().unwrap_or("—"),
                cl.after.as_deref().unwrap_or("—")
            ));
        }
        if summary.is_empty() {
            summary = format!(
                "{} sentences added, {} removed, {} edited",
                c.sentences.added, c.sentences.removed, c.sentences.edited
            );
        }
        xml.push_str(&format!(
            "  <entry>\n    <id>urn:redline:change:{}</id>\n    <title>{} ({})</title>\n    \
             <updated>{}</updated>\n    <link href=\"{}\"/>\n    <author><name>{}</name></author>\n    \
             <summary>{}</summary>\n  </entry>\n",
            c.id,
            escape(&title),
            escape(&kinds),
            c.detected_at,
            escape(&c.href),
            escape(&c.feed),
            escape(summary.trim_end())
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

// ---------------------------------------------------------------------------------------------
// Search

async fn search_page(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let run = async {
        let q = SearchQuery::parse(raw.as_deref())?;
        let q2 = q.clone();
        let page = app.db.run(move |c| data::search(c, &q2)).await?;
        Ok::<_, WebError>(layout_with_query(
            "search",
            if q.q.is_empty() { "Search" } else { &q.q },
            Some(&q.q).filter(|q| !q.is_empty()).map(String::as_str),
            html! {},
            html! {
                main.search-main {
                    h1 { "Search" }
                    form.search-big action="/search" method="get" {
                        input type="search" name="q" value=(q.q) aria-label="Search" maxlength="500";
                        (search_hidden(&q))
                        button type="submit" { "Search" }
                    }
                    @if !q.q.is_empty() { (search_facets(&q)) }
                    @if q.q.is_empty() {
                        p.muted { "Words must all appear; \"quoted phrase\" for a phrase, word* for a prefix. Every version of every article is searched; a word only an older version had opens that version." }
                    } @else if page.hits.is_empty() {
                        p #no-hits { "Nothing matched " q { (q.q) } "." }
                    } @else {
                        ol #search-results start=(q.offset + 1) {
                            @for h in &page.hits {
                                li.hit data-article=(h.article_ref) {
                                    a.hit-link href=(h.href) { (h.title.clone().unwrap_or_else(|| h.url.clone())) }
                                    div.change-meta {
                                        span.outlet { (h.feed) } " · " (h.article_ref) " · "
                                        (count(h.versions, "version", "versions")) " · "
                                        (count(h.claim_changes, "claim change", "claim changes"))
                                    }
                                    @if !h.matched_latest {
                                        div.hit-old { "Found in v" (h.matched_seq) ", no longer in the latest text (v" (h.versions) ")." }
                                    }
                                }
                            }
                        }
                        @if let Some(n) = &page.next_cursor {
                            nav.pager { a #next-page rel="next" href={"/search?" (q.to_query(n.parse().ok()))} { "More results →" } }
                        }
                    }
                }
            },
        ))
    };
    respond(run.await)
}

/// The search's filters other than the words, carried through a form.
fn search_hidden(q: &SearchQuery) -> Markup {
    let c = &q.change;
    html! {
        @if let Some(f) = q.feed { input type="hidden" name="feed" value=(ids::feed(f)); }
        @if !c.kinds.is_empty() { input type="hidden" name="kind" value=(c.kinds.join(",")); }
        @if let Some(v) = c.silent { input type="hidden" name="silent" value=(if v { "1" } else { "0" }); }
        @if let Some(v) = c.stealth { input type="hidden" name="stealth" value=(if v { "1" } else { "0" }); }
        @if let Some(t) = c.since { input type="hidden" name="since" value=(super::rfc3339(t)); }
        @if let Some(t) = c.until { input type="hidden" name="until" value=(super::rfc3339(t)); }
    }
}

/// The changes page's facets, narrowing hits to articles with a matching change.
fn search_facets(q: &SearchQuery) -> Markup {
    let with = |f: &dyn Fn(&mut SearchQuery)| {
        let mut n = q.clone();
        n.offset = 0;
        f(&mut n);
        format!("/search?{}", n.to_query(None))
    };
    let tri = |name: &'static str, cur: Option<bool>, set: fn(&mut SearchQuery, Option<bool>)| {
        html! {
            span.facet-group {
                span.facet-name { (name) ":" }
                @for (label, v) in [("any", None), ("yes", Some(true)), ("no", Some(false))] {
                    a.facet-flag data-flag=(name) data-value=(label) aria-pressed=(if cur == v { "true" } else { "false" })
                        href=(with(&|n| set(n, v))) { (label) }
                }
            }
        }
    };
    let c = &q.change;
    html! {
        nav #facets aria-label="Filters" {
            div.facet-row {
                span.facet-name { "has a change with claim kind:" }
                @for k in ClaimKind::ALL {
                    @let on = c.kinds.iter().any(|x| x == k.as_str());
                    a class={"facet-kind badge kind-" (k.as_str())} data-kind=(k.as_str())
                        aria-pressed=(if on { "true" } else { "false" })
                        href=(with(&|n| {
                            let ks = &mut n.change.kinds;
                            if let Some(i) = ks.iter().position(|x| x == k.as_str()) {
                                ks.remove(i);
                            } else {
                                ks.push(k.as_str().to_string());
                                ks.sort_by_key(|x| ClaimKind::ALL.iter().position(|c| c.as_str() == x));
                            }
                        })) { (kind_label(k.as_str())) }
                }
            }
            div.facet-row {
                (tri("silent", c.silent, |n, v| n.change.silent = v))
                (tri("stealth", c.stealth, |n, v| n.change.stealth = v))
            }
            form #date-range action="/search" method="get" {
                input type="hidden" name="q" value=(q.q);
                @if let Some(f) = q.feed { input type="hidden" name="feed" value=(ids::feed(f)); }
                @if !c.kinds.is_empty() { input type="hidden" name="kind" value=(c.kinds.join(",")); }
                @if let Some(v) = c.silent { input type="hidden" name="silent" value=(if v { "1" } else { "0" }); }
                @if let Some(v) = c.stealth { input type="hidden" name="stealth" value=(if v { "1" } else { "0" }); }
                label { "change recorded from " input type="date" name="since" value=[c.since.map(day)]; }
                label { " to " input type="date" name="until" value=[c.until.map(|t| day(t - 1))]; }
                button type="submit" { "Apply" }
                @if c.since.is_some() || c.until.is_some() {
                    " " a href=(with(&|n| { n.change.since = None; n.change.until = None; })) { "any date" }
                }
            }
            a #search-json href={"/api/v1/search?" (q.to_query((q.offset > 0).then_some(q.offset)))} { "JSON" }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Feeds

async fn feeds_page(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let run = async {
        query::Params::parse(raw.as_deref()).only(&[])?;
        let page = app.db.run(data::feeds).await?;
        Ok::<_, WebError>(layout(
            "feeds",
            "Feeds",
            html! {},
            html! {
                main.feeds-main {
                    h1 { "Feeds" }
                    @if page.feeds.is_empty() {
                        p #no-feeds { "No feeds yet: add some to the config and run " code { "redline feeds sync" } "." }
                    } @else {
                        div.table-wrap {
                            table #feeds {
                                thead { tr {
                                    th { "Feed" } th { "Status" } th { "Last success" } th { "Errors" }
                                    th { "Next poll" } th { "Articles" } th { "Versions" }
                                } }
                                tbody {
                                    @for f in &page.feeds {
                                        @let status = if !f.active { "inactive" } else if f.paused { "paused" }
                                            else if f.error_streak > 0 { "failing" } else if f.last_ok_at.is_none() { "new" } else { "ok" };
                                        tr.feed data-feed=(f.reference) {
                                            td {
                                                a href={"/?feed=" (f.reference)} { (f.name) }
                                                div.muted.url { (f.url) }
                                            }
                                            td.feed-status data-status=(status) { (status) }
                                            td { @if let Some(t) = &f.last_ok_at { (time(t)) } @else { "never" } }
                                            td {
                                                @if f.error_streak > 0 {
                                                    (f.error_streak) " in a row"
                                                    @if let Some(m) = &f.last_error { div.error-text { (m) } }
                                                } @else { "—" }
                                                @if let Some(w) = &f.parse_warning { div.muted { "read leniently: " (w) } }
                                            }
                                            td {
                                                @if let Some(t) = &f.next_poll_at { (time(t)) } @else { "—" }
                                                @if f.backoff_until.is_some() { div.muted { "waiting out the server's Retry-After or backoff" } }
                                            }
                                            td.num { (f.articles) }
                                            td.num { (f.versions) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ))
    };
    respond(run.await)
}

// ---------------------------------------------------------------------------------------------
// Article

async fn article_page(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        query::Params::parse(raw.as_deref()).only(&[])?;
        let id = query::article_id(&id)?;
        let a = app.db.run(move |c| data::article(c, id)).await?;
        let aref = a.reference.clone();
        Ok::<_, WebError>(layout(
            "article",
            &a.title,
            html! {},
            html! {
                main.article-main data-article=(aref) data-latest=[a.versions.last().map(|v| v.seq)] {
                    h1 #article-title { (a.title) }
                    p.change-meta {
                        span.outlet { (a.feed) } " · " (aref) " · "
                        a.external href=(a.url) rel="noopener noreferrer nofollow" { "original page" }
                        " · first seen " (time(&a.first_seen))
                    }
                    @if a.status == "unpublished" {
                        p.banner.unpublished-banner {
                            "This article was unpublished"
                            @if let Some(t) = &a.unpublished_at { " (noticed " (time(t)) ")" }
                            ". Its last version is kept below."
                        }
                    }
                    h2 { "Versions" }
                    ol #timeline {
                        @for v in &a.versions {
                            @let size = (v.share_changed * 10.0).round() as i64;
                            li id={"v" (v.seq)}
                                class={"tl-version size-" (size)
                                    @if v.claim_changes > 0 { " has-claims" }
                                    @if v.notice.is_some() { " has-notice" }
                                    @if v.title_changed { " title-changed" }
                                    @if v.flags.unpublished { " unpublished" }}
                                data-seq=(v.seq) data-share=(format!("{:.3}", v.share_changed)) data-claims=(v.claim_changes) {
                                span.tl-node aria-hidden="true" {}
                                div.tl-body {
                                    div.tl-head {
                                        strong { "v" (v.seq) } " · " (time(&v.fetched_at))
                                        @if v.seq > 1 {
                                            " · " span.share { (format!("{:.0}%", v.share_changed * 100.0)) " of sentences changed" }
                                        }
                                    }
                                    @if v.title_changed { div.tl-title { "headline: " (v.title) } }
                                    div.badges { (badges(&v.claim_kinds)) (flags(&v.flags)) }
                                    @if let Some(n) = &v.notice { div.notice { "notice: " (n) } }
                                    @if let Some(u) = &v.update_line { div.muted { (u) } }
                                    @if v.seq > 1 {
                                        a.tl-diff data-to=(v.seq) href={"/a/" (aref) "/v/" (v.seq - 1) ".." (v.seq)} {
                                            "compare with v" (v.seq - 1)
                                        }
                                    }
                                    details.provenance data-seq=(v.seq) {
                                        summary { "provenance" }
                                        dl {
                                            dt { "fetched" } dd { (time(&v.provenance.fetched_at)) }
                                            dt { "text from" } dd { (if v.provenance.source == "page" { "the article page" } else { "the feed" }) }
                                            dt { "URL" } dd.url { (v.provenance.url) }
                                            dt { "content hash" } dd { code { (v.provenance.content_hash) } }
                                            dt { "HTTP status" } dd { (v.provenance.http_status.map_or_else(|| "not recorded".to_string(), |s| s.to_string())) }
                                            dt { "extractor" } dd { (v.provenance.extractor.as_deref().unwrap_or("not recorded")) }
                                            dt { "ETag" } dd.etag { (validator(v, v.provenance.etag.as_deref())) }
                                            dt { "Last-Modified" } dd.last-modified { (validator(v, v.provenance.last_modified.as_deref())) }
                                            dt { "feed updated" } dd { (v.provenance.feed_updated.as_deref().unwrap_or("—")) }
                                            dt { "published" } dd { (v.provenance.published.as_deref().unwrap_or("—")) }
                                            dt { "page's modified stamp" } dd { (v.provenance.modified.as_deref().unwrap_or("—")) }
                                            dt { "byline" } dd { (v.provenance.byline.as_deref().unwrap_or("—")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if a.versions.len() >= data::MAX_TIMELINE {
                        p.muted { "Only the newest " (data::MAX_TIMELINE) " versions are shown." }
                    }
                    h2 { "Headlines" }
                    ol #headlines {
                        @for h in &a.headlines {
                            li.headline data-seq=(h.seq) { "v" (h.seq) " · " (time(&h.fetched_at)) " — " (h.title) }
                        }
                    }
                    @if a.versions.len() > 1 {
                        form.compare-form action={"/a/" (aref) "/compare"} method="get" {
                            "Compare v"
                            input type="number" name="from" min="1" max=(a.versions.len()) value=(a.versions.len() - 1) aria-label="older version";
                            " with v"
                            input type="number" name="to" min="2" max=(a.versions.len()) value=(a.versions.len()) aria-label="newer version";
                            button type="submit" { "Compare" }
                        }
                    }
                    p { a href={"/api/v1/articles/" (aref)} { "JSON" } }
                }
            },
        ))
    };
    respond(run.await)
}

/// `/a/{id}/compare?from=N&to=M` (the no-JS compare form) → the diff page's URL.
async fn compare_redirect(Path(id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let run = || -> Result<String, WebError> {
        let aid = query::article_id(&id)?;
        let p: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        query::Params::parse(raw.as_deref()).only(&["from", "to"])?;
        let get = |k: &str| {
            p.iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let (from, to) = query::version_range(&format!("{}..{}", get("from"), get("to")), aid)?;
        Ok(format!("/a/{}/v/{from}..{to}", ids::article(aid)))
    };
    match run() {
        Ok(to) => {
            let mut res = typed(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
            if let Ok(v) = HeaderValue::from_str(&to) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res
        }
        Err(e) => error_page(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Diff

async fn diff_page(
    State(app): State<App>,
    Path((id, range)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (range, patch) = match range.strip_suffix(".patch") {
        Some(r) => (r.to_string(), true),
        None => (range, false),
    };
    let run = async {
        let aid = query::article_id(&id)?;
        let mode = if patch {
            query::Params::parse(raw.as_deref()).only(&[])?;
            DiffMode::Claims
        } else {
            DiffMode::parse(raw.as_deref())?
        };
        let (from, to) = query::version_range(&range, aid)?;
        let d = app.db.run(move |c| data::diff(c, aid, from, to)).await?;
        Ok::<_, WebError>((d, mode))
    };
    match run.await {
        Ok((d, _)) if patch => patch_response(&d),
        Ok((d, mode)) => ok(diff_markup(&d, mode)),
        Err(e) => error_page(&e),
    }
}

fn patch_response(d: &DiffData) -> Response {
    let (a, b) = (
        ids::version(d.article_id, d.old.seq),
        ids::version(d.article_id, d.new.seq),
    );
    let mut body = format!(
        "redline diff of article {} ({})\nold: {a} fetched {}\nnew: {b} fetched {}\n",
        ids::article(d.article_id),
        d.new.url,
        super::rfc3339(d.old.fetched_at),
        super::rfc3339(d.new.fetched_at)
    );
    if d.old.title != d.new.title {
        body.push_str(&format!("title: {} -> {}\n", d.old.title, d.new.title));
    }
    body.push_str(
        &crate::diff::render_unified(&d.old.body, &d.new.body)
            .replacen("--- old", &format!("--- {a}"), 1)
            .replacen("+++ new", &format!("+++ {b}"), 1),
    );
    let mut res = typed(StatusCode::OK, "text/x-patch; charset=utf-8", body);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{a}-{b}.patch\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Which side of a word diff to show.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Old,
    New,
    Both,
}

fn words(ws: &[WordChange], side: Side) -> Markup {
    html! {
        @for w in ws {
            @match (w.tag, side) {
                (WordTag::Equal, _) => (w.text),
                (WordTag::Delete, Side::Old | Side::Both) => del { (w.text) },
                (WordTag::Insert, Side::New | Side::Both) => ins { (w.text) },
                _ => {},
            }
        }
    }
}

fn op_name(op: &SentenceOp) -> &'static str {
    match op {
        SentenceOp::Same { .. } => "same",
        SentenceOp::Edited { .. } => "edited",
        SentenceOp::Added { .. } => "added",
        SentenceOp::Removed { .. } => "removed",
        SentenceOp::Moved { .. } => "moved",
        SentenceOp::Merged { .. } => "merged",
        SentenceOp::Split { .. } => "split",
    }
}

/// The anchor of an op: `sN` on the newer side (1-based), `rN` for a removed sentence.
fn anchor(op: &SentenceOp) -> String {
    match op {
        SentenceOp::Same { new_idx, .. }
        | SentenceOp::Edited { new_idx, .. }
        | SentenceOp::Added { new_idx, .. }
        | SentenceOp::Moved { new_idx, .. }
        | SentenceOp::Merged { new_idx, .. } => format!("s{}", new_idx + 1),
        SentenceOp::Split { new_idx, .. } => format!("s{}", new_idx.first().map_or(0, |i| i + 1)),
        SentenceOp::Removed { old_idx, .. } => format!("r{}", old_idx + 1),
    }
}

fn first_new_idx(op: &SentenceOp) -> Option<usize> {
    match op {
        SentenceOp::Same { new_idx, .. }
        | SentenceOp::Edited { new_idx, .. }
        | SentenceOp::Added { new_idx, .. }
        | SentenceOp::Moved { new_idx, .. }
        | SentenceOp::Merged { new_idx, .. } => Some(*new_idx),
        SentenceOp::Split { new_idx, .. } => new_idx.first().copied(),
        SentenceOp::Removed { .. } => None,
    }
}

/// Sentence indexes (newer side) that open a paragraph, when the body's paragraphs split into
/// exactly the sentences the alignment saw; empty otherwise (the text then flows as one).
fn paragraph_starts(body: &str, sentences: usize) -> HashSet<usize> {
    let mut starts = HashSet::new();
    let mut n = 0;
    for p in body.split("\n\n") {
        let k = crate::diff::split_sentences(p).len();
        if k > 0 {
            starts.insert(n);
        }
        n += k;
    }
    if n == sentences {
        starts
    } else {
        HashSet::new()
    }
}

fn inline_op(op: &SentenceOp) -> Markup {
    let id = anchor(op);
    let name = op_name(op);
    let change = !matches!(op, SentenceOp::Same { .. });
    html! {
        span.sent id=(id) data-op=(name) data-change=[change.then_some(name)] {
            @match op {
                SentenceOp::Same { text, .. } => (text),
                SentenceOp::Moved { text, .. } => { span.op-label { "moved" } " " (text) },
                SentenceOp::Added { text, .. } => ins { (text) },
                SentenceOp::Removed { text, .. } => del { (text) },
                SentenceOp::Edited { words: w, moved, .. }
                | SentenceOp::Merged { words: w, moved, .. }
                | SentenceOp::Split { words: w, moved, .. } => {
                    @if *moved { span.op-label { "moved" } " " }
                    @if matches!(op, SentenceOp::Merged { .. }) { span.op-label { "merged" } " " }
                    @if matches!(op, SentenceOp::Split { .. }) { span.op-label { "split" } " " }
                    (words(w, Side::Both))
                },
            }
        }
        " "
    }
}

fn diff_markup(d: &DiffData, mode: DiffMode) -> Markup {
    let aref = ids::article(d.article_id);
    let (from, to) = (d.old.seq, d.new.seq);
    let base = format!("/a/{aref}/v/{from}..{to}");
    let mode_href = |m: DiffMode| {
        if m == DiffMode::Claims {
            base.clone()
        } else {
            format!("{base}?mode={}", m.as_str())
        }
    };
    let mode_q = if mode == DiffMode::Claims {
        String::new()
    } else {
        format!("?mode={}", mode.as_str())
    };
    let r = &d.report;
    let sentences = r
        .ops
        .ops
        .iter()
        .filter_map(|op| match op {
            SentenceOp::Split { new_idx, .. } => new_idx.last().map(|i| i + 1),
            op => first_new_idx(op).map(|i| i + 1),
        })
        .max()
        .unwrap_or(0);
    let title = format!("{} (v{from}→v{to})", d.new.title);
    html! {
        (layout("diff", &title, html! {}, html! {
            main #diff data-article=(aref) data-from=(from) data-to=(to) data-latest=(d.latest_seq) data-mode=(mode.as_str()) {
                h1 #diff-title {
                    @if r.title_changed {
                        (words(&crate::diff::word_diff(&d.old.title, &d.new.title), Side::Both))
                    } @else { (d.new.title) }
                }
                p.change-meta {
                    span.outlet { (d.feed) } " · "
                    a href={"/a/" (aref)} { (aref) } " · "
                    "v" (from) " (" (time(&super::rfc3339(d.old.fetched_at))) ") → v" (to) " (" (time(&super::rfc3339(d.new.fetched_at))) ")"
                }
                p.change-meta {
                    "sentences: +" (r.sentences.added) " −" (r.sentences.removed) " ~" (r.sentences.edited) " moved " (r.sentences.moved)
                    @if !r.fields_changed.is_empty() { " · changed: " (r.fields_changed.join(", ")) }
                    " "
                    @if r.silent { span.flag data-flag="silent" title="claim changes and no correction or update notice added" { "silent" } }
                    @if r.stealth { span.flag data-flag="stealth" { "stealth" } }
                    @if r.cosmetic { span.flag data-flag="cosmetic" { "cosmetic" } }
                    @if r.simplified { span.flag data-flag="simplified" title=(r.simplified_reasons.join("; ")) { "simplified" } }
                }
                @for n in &r.notices {
                    p.notice data-notice=(match n.change { crate::notices::NoticeChange::Added => "added", crate::notices::NoticeChange::Removed => "removed" }) {
                        (match n.change { crate::notices::NoticeChange::Added => "Notice added: ", crate::notices::NoticeChange::Removed => "Notice removed: " })
                        (n.text)
                    }
                }
                div.diff-bar {
                    nav #modes aria-label="Diff mode" {
                        @for m in DiffMode::ALL {
                            a.mode data-mode=(m.as_str()) href=(mode_href(m)) aria-current=[(m == mode).then_some("page")] { (m.label()) }
                        }
                    }
                    nav.steps aria-label="Versions" {
                        @if from > 1 {
                            a data-nav="prev" rel="prev" href={"/a/" (aref) "/v/" (from - 1) ".." (to - 1) (mode_q)} title="previous pair (←)" { "← v" (from - 1) "..v" (to - 1) }
                        }
                        @if to < d.latest_seq {
                            a data-nav="next" rel="next" href={"/a/" (aref) "/v/" (from + 1) ".." (to + 1) (mode_q)} title="next pair (→)" { "v" (from + 1) "..v" (to + 1) " →" }
                        }
                    }
                    span.downloads {
                        a #download-json href={"/api/v1/articles/" (aref) "/diff/" (from) ".." (to)} download={(aref) "-v" (from) "-v" (to) ".json"} { "JSON" }
                        " "
                        a #download-patch href={(base) ".patch"} download={(aref) "-v" (from) "-v" (to) ".patch"} { "patch" }
                    }
                }
                @match mode {
                    DiffMode::Claims => (claims_mode(d, &base)),
                    DiffMode::Side => (side_mode(d)),
                    DiffMode::Inline => (inline_mode(d, sentences, false)),
                    DiffMode::Changes => (inline_mode(d, sentences, true)),
                }
                p.keys.muted { "Keys: ← → previous/next pair · j k next/previous change" }
            }
        }))
    }
}

fn claims_mode(d: &DiffData, base: &str) -> Markup {
    let r = &d.report;
    let (t_old, t_new) = (
        super::rfc3339(d.old.fetched_at),
        super::rfc3339(d.new.fetched_at),
    );
    html! {
        @if r.claim_changes.is_empty() {
            p #no-claims {
                "No claim changed between these versions. "
                a href={(base) "?mode=changes"} { "See the changed sentences" } "."
            }
        } @else {
            div.claim-cards {
                @for (i, c) in r.claim_changes.iter().enumerate() {
                    @let n = i + 1;
                    @let kind = c.kind.as_str();
                    @let sentence = c.after_sentence.as_deref().or(c.before_sentence.as_deref()).unwrap_or("");
                    @let para = c.after_sentence.as_deref().and_then(|s| data::paragraph_of(&d.new.body, s))
                        .or_else(|| c.before_sentence.as_deref().and_then(|s| data::paragraph_of(&d.old.body, s)));
                    @let quote = format!(
                        "{}\nBefore (v{}, {}): {}\nAfter (v{}, {}): {}",
                        d.new.title, d.old.seq, t_old, c.before_sentence.as_deref().or(c.before.as_deref()).unwrap_or("—"),
                        d.new.seq, t_new, c.after_sentence.as_deref().or(c.after.as_deref()).unwrap_or("—"));
                    article.claim-card id={"c" (n)} data-kind=(kind) data-change=(kind) data-quote=(quote) {
                        header {
                            span class={"badge kind-" (kind)} data-kind=(kind) { (kind_label(kind)) }
                            a.claim-permalink href={(base) "#c" (n)} title="permalink of this claim change" { "#" (n) }
                            button.copy-quote type="button" data-target={"c" (n)} hidden { "Copy as quote" }
                        }
                        p.values {
                            @if let Some(b) = &c.before { del { (b) } } @else { span.muted { "(none)" } }
                            " → "
                            @if let Some(a) = &c.after { ins { (a) } } @else { span.muted { "(none)" } }
                        }
                        @if let (Some(b), Some(a)) = (&c.before_sentence, &c.after_sentence) {
                            @if b != a {
                                blockquote.sentence { (words(&crate::diff::word_diff(b, a), Side::Both)) }
                            } @else { blockquote.sentence { (a) } }
                        } @else if !sentence.is_empty() {
                            blockquote.sentence { (sentence) }
                        }
                        @if let Some(id) = context_anchor(&r.ops.ops, c.after_sentence.as_deref(), c.before_sentence.as_deref()) {
                            a.claim-context href={(base) "?mode=inline#" (id)} { "in context" }
                        }
                        @if let Some(p) = para.filter(|p| p.trim() != sentence.trim()) {
                            details.paragraph { summary { "its paragraph" } p { (p) } }
                        }
                    }
                }
            }
        }
    }
}

/// The sentence anchor of the op that holds a claim change's sentence (newer side first).
fn context_anchor(ops: &[SentenceOp], after: Option<&str>, before: Option<&str>) -> Option<String> {
    let hit = |text: Option<String>, want: Option<&str>| matches!((text, want), (Some(t), Some(w)) if t.contains(w.trim()));
    ops.iter()
        .find(|op| hit(op.new_text(), after))
        .or_else(|| ops.iter().find(|op| hit(op.old_text(), before)))
        .map(anchor)
}

fn side_mode(d: &DiffData) -> Markup {
    let _ = d.old.seq;
    html! {
        div.table-wrap {
            table.side-by-side {
                thead { tr { th { "v" (d.old.seq) } th { "v" (d.new.seq) } } }
                tbody {
                    @for op in &d.report.ops.ops {
                        @let name = op_name(op);
                        @let change = !matches!(op, SentenceOp::Same { .. });
                        tr class={"op-" (name)} data-op=(name) data-change=[change.then_some(name)] {
                            @match op {
                                SentenceOp::Same { text, .. } => {
                                    td.old { (text) }
                                    td.new { span.sent id=(anchor(op)) data-op=(name) { (text) } }
                                },
                                SentenceOp::Moved { text, .. } => {
                                    td.old { span.op-label { "moved from here" } " " (text) }
                                    td.new { span.sent id=(anchor(op)) data-op=(name) { span.op-label { "moved" } " " (text) } }
                                },
                                SentenceOp::Added { text, .. } => {
                                    td.old.empty {}
                                    td.new { span.sent id=(anchor(op)) data-op=(name) { ins { (text) } } }
                                },
                                SentenceOp::Removed { text, .. } => {
                                    td.old { span.sent id=(anchor(op)) data-op=(name) { del { (text) } } }
                                    td.new.empty {}
                                },
                                SentenceOp::Edited { words: w, moved, .. } => {
                                    td.old { (words(w, Side::Old)) }
                                    td.new { span.sent id=(anchor(op)) data-op=(name) {
                                        @if *moved { span.op-label { "moved" } " " }
                                        (words(w, Side::New)) } }
                                },
                                SentenceOp::Merged { old, words: w, .. } => {
                                    td.old { @for s in old { div.part { (s) } } }
                                    td.new { span.sent id=(anchor(op)) data-op=(name) { span.op-label { "merged" } " " (words(w, Side::New)) } }
                                },
                                SentenceOp::Split { old, new, new_idx, .. } => {
                                    td.old { (old) }
                                    td.new {
                                        span.op-label { "split" }
                                        @for (s, i) in new.iter().zip(new_idx) {
                                            div.part.sent id={"s" (i + 1)} data-op=(name) { (s) }
                                        }
                                    }
                                },
                            }
                        }
                    }
                }
            }
        }
    }
}

fn inline_mode(d: &DiffData, sentences: usize, changes_only: bool) -> Markup {
    let starts = paragraph_starts(&d.new.body, sentences);
    // Paragraphs of ops: a new paragraph opens at an op whose newer sentence starts one.
    let mut paras: Vec<Vec<&SentenceOp>> = vec![Vec::new()];
    for op in &d.report.ops.ops {
        if let Some(i) = first_new_idx(op)
            && starts.contains(&i)
            && paras.last().is_some_and(|p| !p.is_empty())
        {
            paras.push(Vec::new());
        }
        if let Some(p) = paras.last_mut() {
            p.push(op);
        }
    }
    let mut chunks: Vec<Chunk<'_>> = Vec::new();
    for op in &d.report.ops.ops {
        match (op, chunks.last_mut()) {
            (SentenceOp::Same { .. }, Some(Chunk::Unchanged(run))) => run.push(op),
            (SentenceOp::Same { .. }, _) => chunks.push(Chunk::Unchanged(vec![op])),
            _ => chunks.push(Chunk::Change(op)),
        }
    }
    html! {
        div class={"inline-diff" @if changes_only { " changes-only" }} {
            @if changes_only {
                @for chunk in &chunks {
                    @match chunk {
                        Chunk::Unchanged(run) => (collapsed(run)),
                        Chunk::Change(op) => p.change-para { (inline_op(op)) },
                    }
                }
            } @else {
                @for p in &paras {
                    p { @for op in p { (inline_op(op)) } }
                }
            }
        }
    }
}

enum Chunk<'a> {
    Unchanged(Vec<&'a SentenceOp>),
    Change(&'a SentenceOp),
}

/// A run of unchanged sentences, folded (opens without JS).
fn collapsed(run: &[&SentenceOp]) -> Markup {
    html! {
        @if !run.is_empty() {
            details.unchanged {
                summary { (run.len()) " unchanged sentence" @if run.len() > 1 { "s" } }
                p { @for op in run { (inline_op(op)) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Revision;
    use crate::store::articles::Version;

    #[test]
    fn search_hit_counts_read_in_the_singular_for_one() {
        assert_eq!(count(1, "version", "versions"), "1 version");
        assert_eq!(count(3_i64, "version", "versions"), "3 versions");
        assert_eq!(count(0, "claim change", "claim changes"), "0 claim changes");
    }

    fn version(seq: i64, title: &str, body: &str) -> Version {
        Version {
            id: seq,
            article_id: 7,
            seq,
            fetched_at: 1_764_666_000 + seq * 3600,
            source: "feed".into(),
            url: "https://chronicle.example/news/port".into(),
            title: title.into(),
            byline: None,
            published: None,
            modified: None,
            body: body.into(),
            body_chars: body.chars().count() as i64,
            hash: format!("h{seq}"),
            typo_hash: format!("t{seq}"),
            cosmetic: false,
            revert_of: None,
            stamps: Default::default(),
            http_status: None,
            extractor: None,
            etag: None,
            last_modified: None,
        }
    }

    /// A diff whose alignment holds every kind of op, with markup in the text.
    fn every_op() -> DiffData {
        let old = version(1, "Port <b>reopens</b>", "x");
        let new = version(2, "Port reopens", "y");
        let mut report = data_report(&old, &new);
        let w = |t: &str| {
            vec![WordChange {
                tag: WordTag::Equal,
                text: t.into(),
            }]
        };
        report.ops = Revision {
            ops: vec![
                SentenceOp::Same {
                    old_idx: 0,
                    new_idx: 0,
                    text: "The port <i>reopened</i>.".into(),
                },
                SentenceOp::Moved {
                    old_idx: 3,
                    new_idx: 1,
                    text: "Ships queued.".into(),
                },
                SentenceOp::Merged {
                    old_idx: vec![1, 2],
                    new_idx: 2,
                    old: vec!["Cranes stood idle.".into(), "Crews waited.".into()],
                    new: "Cranes stood idle as crews waited.".into(),
                    words: w("Cranes stood idle as crews waited."),
                    moved: false,
                },
                SentenceOp::Split {
                    old_idx: 4,
                    new_idx: vec![3, 4],
                    old: "Fuel ran low and prices rose.".into(),
                    new: vec!["Fuel ran low.".into(), "Prices rose.".into()],
                    words: w("Fuel ran low. Prices rose."),
                    moved: false,
                },
                SentenceOp::Added {
                    new_idx: 5,
                    text: "Talks resume Monday.".into(),
                },
                SentenceOp::Removed {
                    old_idx: 5,
                    text: "No talks are planned.".into(),
                },
            ],
            simplified: Vec::new(),
        };
        DiffData {
            article_id: 7,
            feed: "chronicle".into(),
            latest_seq: 2,
            old,
            new,
            report,
        }
    }

    fn data_report(old: &Version, new: &Version) -> crate::payload::DiffReport {
        let analysis = crate::version::analyze(old.into(), new.into(), false);
        crate::payload::DiffReport {
            schema: "redline.diff",
            version: 1,
            minor: 2,
            old: crate::payload::Side::new("v1", old.into()),
            new: crate::payload::Side::new("v2", new.into()),
            title_changed: analysis.title_changed(),
            fields_changed: Vec::new(),
            cosmetic: false,
            stealth: false,
            stealth_evidence: None,
            sentences: crate::payload::SentenceCounts::of(&analysis.revision),
            claim_changes: analysis.claims,
            notices: analysis.change.notices,
            silent: analysis.change.silent,
            ops: analysis.revision,
            simplified: false,
            simplified_reasons: Vec::new(),
            archive_diff: None,
        }
    }

    #[test]
    fn side_by_side_shows_moves_merges_and_splits_with_anchors() {
        let d = every_op();
        let html = side_mode(&d).into_string();
        for (op, anchor) in [
            ("same", "s1"),
            ("moved", "s2"),
            ("merged", "s3"),
            ("split", "s4"),
            ("split", "s5"),
            ("added", "s6"),
            ("removed", "r6"),
        ] {
            assert!(html.contains(&format!("class=\"op-{op}\"")), "{op}: {html}");
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "{anchor}: {html}"
            );
        }
        assert!(html.contains("moved from here"));
        assert!(
            html.contains("Crews waited."),
            "both merged sentences on the old side"
        );
        assert!(
            html.contains("&lt;i&gt;reopened&lt;/i&gt;"),
            "text is escaped: {html}"
        );
        assert!(!html.contains("<i>"));
        // Every op but the unchanged one is a stop for j/k.
        assert_eq!(html.matches("data-change=").count(), 5, "{html}");
    }

    #[test]
    fn changes_only_folds_unchanged_runs_and_headline_is_a_word_diff() {
        let d = every_op();
        let html = inline_mode(&d, 6, true).into_string();
        assert!(html.contains("1 unchanged sentence<"), "{html}");
        assert!(html.contains("<ins>Talks resume Monday.</ins>"));
        assert!(html.contains("<del>No talks are planned.</del>"));
        let page = diff_markup(&d, DiffMode::Side).into_string();
        assert!(page.contains("&lt;b&gt;"), "old headline escaped: {page}");
        assert!(!page.contains("<b>"));
        assert!(page.contains("aria-current=\"page\""));
    }
}
