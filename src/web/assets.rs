//! The stylesheet, script and icon, embedded in the binary and served under names that carry a hash
//! of their content (`app.3f9a1c2e.css`), so a browser may cache them for a year and still
//! gets the new file after an upgrade. Nothing is loaded from anywhere else.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::{App, WebError, pages, typed};

const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");
const ICON: &str = include_str!("static/icon.svg");

/// An embedded file and the name it is served under.
pub struct Asset {
    pub name: String,
    pub body: &'static str,
    pub content_type: &'static str,
}

fn hashed(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    Asset {
        name: format!("{stem}.{hex}.{ext}"),
        body,
        content_type,
    }
}

// Hashed on first use: a few microseconds once, and no build script to compile.
pub static STYLESHEET: LazyLock<Asset> =
    LazyLock::new(|| hashed("app", "css", CSS, "text/css; charset=utf-8"));
pub static SCRIPT: LazyLock<Asset> =
    LazyLock::new(|| hashed("app", "js", JS, "text/javascript; charset=utf-8"));
/// Declared by every page, so a browser does not ask for `/favicon.ico` at the host's root
/// (outside a `base_path`, and a 404 there).
pub static FAVICON: LazyLock<Asset> =
    LazyLock::new(|| hashed("icon", "svg", ICON, "image/svg+xml"));

/// The URL path of an asset.
pub fn href(a: &Asset) -> String {
    format!("/assets/{}", a.name)
}

pub(crate) fn routes() -> Router<App> {
    Router::new().route("/assets/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    for a in [&*STYLESHEET, &*SCRIPT, &*FAVICON] {
        if a.name == name {
            let mut res = typed(StatusCode::OK, a.content_type, a.body);
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            return res;
        }
    }
    pages::error_page(&WebError::not_found(format!(
        "there is no asset {name}: asset names change with each release; reload the page"
    )))
}
