//! `/api/v1/...`: the documents behind every page, as JSON (docs/API.md), with the same query
//! parameters and cursors as the pages. Errors are JSON too: `{"error": {"status", "message"}}`.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::query::{self, ChangesQuery, SearchQuery};
use super::{App, WebError, data, typed};

/// The schemas served under `/api/v1/schemas/`, by file name.
pub const SCHEMAS: &[(&str, &str)] = &[
    ("changes.json", include_str!("schemas/changes.json")),
    ("search.json", include_str!("schemas/search.json")),
    ("article.json", include_str!("schemas/article.json")),
    ("feeds.json", include_str!("schemas/feeds.json")),
    ("diff.json", include_str!("schemas/diff.json")),
];

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1", get(index))
        .route("/api/v1/", get(index))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/search", get(search))
        .route("/api/v1/feeds", get(feeds))
        .route("/api/v1/articles/{id}", get(article))
        .route("/api/v1/articles/{id}/diff/{range}", get(diff))
        .route("/api/v1/schemas/{name}", get(schema))
}

fn json<T: Serialize>(r: Result<T, WebError>) -> Response {
    match r.and_then(|v| {
        serde_json::to_vec_pretty(&v)
            .map_err(|e| WebError::bad_request(format!("cannot write the document: {e}")))
    }) {
        Ok(body) => typed(StatusCode::OK, "application/json", body),
        Err(e) => error_response(&e),
    }
}

pub(crate) fn error_response(e: &WebError) -> Response {
    let body = serde_json::json!({
        "error": { "status": e.status.as_u16(), "message": e.message }
    });
    typed(e.status, "application/json", body.to_string())
}

async fn index(State(app): State<App>) -> Response {
    let b = &app.base;
    json(Ok(serde_json::json!({
        "schema": "redline.web.index",
        "endpoints": {
            "changes": format!("{b}/api/v1/changes?feed=&kind=&silent=&stealth=&since=&until=&cosmetic=&limit=&cursor="),
            "search": format!("{b}/api/v1/search?q=&feed=&limit=&cursor="),
            "article": format!("{b}/api/v1/articles/{{id}}"),
            "diff": format!("{b}/api/v1/articles/{{id}}/diff/{{from}}..{{to}}"),
            "feeds": format!("{b}/api/v1/feeds"),
        },
        "schemas": SCHEMAS.iter().map(|(n, _)| format!("{b}/api/v1/schemas/{n}")).collect::<Vec<_>>(),
    })))
}

/// The documents' URLs are root-relative; behind a path prefix they start with it.
fn prefixed(base: &str, url: &mut String) {
    if !base.is_empty() && url.starts_with('/') {
        url.insert_str(0, base);
    }
}

async fn changes(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    json(
        async {
            let q = ChangesQuery::parse(raw.as_deref())?;
            let mut page = app.db.run(move |c| data::changes(c, &q)).await?;
            for i in &mut page.items {
                prefixed(&app.base, &mut i.href);
            }
            if let Some(n) = &mut page.next {
                prefixed(&app.base, n);
            }
            Ok(page)
        }
        .await,
    )
}

async fn search(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    json(
        async {
            let q = SearchQuery::parse(raw.as_deref())?;
            let mut page = app.db.run(move |c| data::search(c, &q)).await?;
            for h in &mut page.hits {
                prefixed(&app.base, &mut h.href);
            }
            if let Some(n) = &mut page.next {
                prefixed(&app.base, n);
            }
            Ok(page)
        }
        .await,
    )
}

async fn feeds(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    json(
        async {
            query::Params::parse(raw.as_deref()).only(&[])?;
            app.db.run(data::feeds).await
        }
        .await,
    )
}

async fn article(State(app): State<App>, Path(id): Path<String>) -> Response {
    json(
        async {
            let id = query::article_id(&id)?;
            app.db.run(move |c| data::article(c, id)).await
        }
        .await,
    )
}

async fn diff(State(app): State<App>, Path((id, range)): Path<(String, String)>) -> Response {
    json(
        async {
            let id = query::article_id(&id)?;
            let (from, to) = query::version_range(&range, id)?;
            app.db
                .run(move |c| data::diff(c, id, from, to).map(|d| d.report))
                .await
        }
        .await,
    )
}

async fn schema(Path(name): Path<String>) -> Response {
    match SCHEMAS.iter().find(|(n, _)| *n == name) {
        Some((_, body)) => typed(StatusCode::OK, "application/schema+json", *body),
        None => error_response(&WebError::not_found(format!(
            "there is no schema {name}; schemas are {}",
            SCHEMAS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
