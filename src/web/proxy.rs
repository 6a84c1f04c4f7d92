//! Serving behind a reverse proxy and on loopback: a path prefix (`[web] base_path`) and the
//! Host check against DNS rebinding (`[web] allowed_hosts`).
//!
//! **Prefix.** The pages are written with root-relative links (`href="/a/a42"`); with a
//! prefix, the router is nested under it and one response layer puts the prefix before every
//! root-relative `href`, `src` and `action` of an HTML page, every `href` of an Atom feed, and
//! a root-relative `Location`. Done at that one place rather than in each of the pages'
//! links, so a link added later cannot forget it; it is safe on escaped markup because maud
//! writes every attribute as `name="value"` and escapes `"` inside values, so the pattern only
//! meets real attributes. The JSON API puts the prefix in its URLs itself (`api`).
//!
//! **Host.** A hostile page in the user's browser can point its own name at 127.0.0.1 (DNS
//! rebinding) and then read the UI as same-origin. When listening on a loopback address, a
//! request whose `Host` is not `localhost`, `127.0.0.1` or `[::1]` (on our port, or with no
//! port), nor listed in `[web] allowed_hosts`, is refused with 421 and the reason.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::WebError;

/// Checks and normalises a path prefix: `""` (none) or `/segment[/segment…]` without a
/// trailing slash (`"/redline/"` becomes `"/redline"`).
pub fn normalize_base_path(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') {
        return Err(format!(
            "`{raw}` must start with `/`, e.g. \"/redline\" (or be \"\" for none)"
        ));
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
    if let Some(c) = trimmed.chars().find(|&c| !ok(c)) {
        return Err(format!(
            "`{raw}` has `{c}`: a path prefix takes letters, digits and `/ - . _ ~` only"
        ));
    }
    if trimmed.contains("//") || trimmed.split('/').any(|s| s == "." || s == "..") {
        return Err(format!(
            "`{raw}` is not a plain path (empty, `.` or `..` segment)"
        ));
    }
    Ok(trimmed.to_string())
}

/// Largest page the prefix layer rewrites; our pages are far smaller (listings are capped).
const MAX_REWRITE: usize = 64 << 20;

/// Puts `base` before the root-relative links of HTML and Atom responses and before a
/// root-relative `Location`.
pub(crate) async fn prefix_links(State(base): State<Arc<str>>, res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    if let Some(loc) = parts
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        && loc.starts_with('/')
        && !loc.starts_with("//")
        && let Ok(v) = HeaderValue::from_str(&format!("{base}{loc}"))
    {
        parts.headers.insert(header::LOCATION, v);
    }
    let kind = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let attrs: &[&str] = if kind.starts_with("text/html") {
        &["href", "src", "action"]
    } else if kind.starts_with("application/atom+xml") {
        &["href"]
    } else {
        return Response::from_parts(parts, body);
    };
    let bytes = match axum::body::to_bytes(body, MAX_REWRITE).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "a page too large to rewrite for the path prefix");
            return super::pages::error_page(&WebError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "the page was too large to serve under the path prefix".into(),
            });
        }
    };
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    for a in attrs {
        text = text.replace(&format!(" {a}=\"/"), &format!(" {a}=\"{base}/"));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// Routes a request under the prefix to the pages as if it had none (`/redline` and
/// `/redline/` are both the changes page); anything outside it is a 404 that says where the
/// pages are.
pub(crate) async fn strip_prefix(
    State(base): State<Arc<str>>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let rest = match path.strip_prefix(&*base) {
        Some("") => "/".to_string(),
        Some(r) if r.starts_with('/') => r.to_string(),
        _ => {
            let e = WebError::not_found(format!(
                "there is no page at {path}: this server's pages are under {base}/"
            ));
            return if path.contains("/api/") {
                super::api::error_response(&e)
            } else {
                super::pages::error_page(&e)
            };
        }
    };
    let target = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest,
    };
    match target.parse::<axum::http::Uri>() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => {
            return super::pages::error_page(&WebError::bad_request(format!(
                "cannot read the path {path}"
            )));
        }
    }
    next.run(req).await
}

/// Who may name this server in `Host`, when it listens on loopback.
#[derive(Debug, Clone)]
pub(crate) struct HostCheck {
    pub port: u16,
    /// `[web] allowed_hosts`, lowercased: `name` (any port) or `name:port`.
    pub allowed: Vec<String>,
}

impl HostCheck {
    /// The check for a server listening on `listen`: none unless that is a loopback address
    /// (on a public address the names people use are not known here).
    pub fn for_listen(listen: Option<SocketAddr>, allowed: &[String]) -> Option<Self> {
        let l = listen.filter(|l| l.ip().is_loopback())?;
        Some(Self {
            port: l.port(),
            allowed: allowed
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        })
    }

    /// `None` when `host` may be served, else the reason it may not.
    pub fn refuse(&self, host: Option<&str>) -> Option<String> {
        let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
            return Some("the request has no Host header".into());
        };
        let (name, port) = split_host(&host);
        let local = matches!(name, "localhost" | "127.0.0.1" | "[::1]")
            && port.is_none_or(|p| p == self.port.to_string());
        let listed = self.allowed.iter().any(|a| match split_host(a) {
            (_, Some(_)) => *a == host,
            (n, None) => n == name,
        });
        if local || listed {
            return None;
        }
        Some(format!(
            "this server listens on a loopback address and answers to localhost, 127.0.0.1 \
             and [::1] on port {}, not to `{host}`: a page under another name could read it \
             through DNS rebinding. If you reach it through a reverse proxy or another name, \
             list that name in `[web] allowed_hosts`",
            self.port
        ))
    }
}

/// `name` and `port` of a Host value; IPv6 names keep their brackets.
fn split_host(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => {
                let (name, rest) = host.split_at(end + 1);
                (name, rest.strip_prefix(':'))
            }
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

pub(crate) async fn check_host(
    State(check): State<Arc<HostCheck>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        // HTTP/2 and absolute-form requests name the host in the URI instead.
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match check.refuse(host.as_deref()) {
        None => next.run(req).await,
        Some(reason) => {
            tracing::warn!(
                host = host.as_deref().unwrap_or(""),
                "refused a request for another host name"
            );
            let e = WebError {
                status: StatusCode::MISDIRECTED_REQUEST,
                message: reason,
            };
            if req.uri().path().contains("/api/") {
                super::api::error_response(&e)
            } else {
                super::pages::error_page(&e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised_or_refused_with_the_reason() {
        assert_eq!(normalize_base_path("").as_deref(), Ok(""));
        assert_eq!(normalize_base_path("/").as_deref(), Ok(""));
        assert_eq!(normalize_base_path("/redline/").as_deref(), Ok("/redline"));
        assert_eq!(
            normalize_base_path("/tools/redline").as_deref(),
            Ok("/tools/redline")
        );
        for bad in ["redline", "/red line", "/a//b", "/a/../b", "/x?y", "/\"x"] {
            assert!(normalize_base_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_names_on_our_port_and_listed_names_pass() {
        let c = HostCheck::for_listen(
            Some("127.0.0.1:8080".parse().expect("addr")),
            &["News.Example.org".into(), "proxy.example:8443".into()],
        )
        .expect("loopback is checked");
        for ok in [
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "LOCALHOST",
            "news.example.org",
            "news.example.org:443",
            "proxy.example:8443",
        ] {
            assert_eq!(c.refuse(Some(ok)), None, "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "localhost:9999",
            "127.0.0.2:8080",
            "proxy.example:9000",
            "localhost.evil.example",
        ] {
            assert!(c.refuse(Some(bad)).is_some(), "{bad}");
        }
        assert!(c.refuse(None).is_some());
        assert!(HostCheck::for_listen(Some("0.0.0.0:8080".parse().expect("addr")), &[]).is_none());
    }
}
