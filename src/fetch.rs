//! HTTP fetching, politely and defensively: one shared client, conditional GET, redirects
//! followed by hand (so loops are caught and permanent moves recorded), a body cap enforced while
//! streaming and after decompression, a global and a per-host concurrency limit, and
//! `Retry-After` / `Cache-Control: max-age` read for the scheduler. Every hop goes through
//! `netguard`: internal addresses are refused unless the config allows them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use reqwest::{StatusCode, redirect};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::HttpConfig;
use crate::netguard::{NetGuard, Refused, find_refused};

/// HTTP validators of the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A response with a body.
#[derive(Debug, Clone)]
pub struct FreshBody {
    pub body: Vec<u8>,
    pub validators: Validators,
    /// Where the body came from after redirects.
    pub final_url: Url,
    /// Set when every redirect on the way was permanent (301/308): the resource has moved.
    pub moved_to: Option<Url>,
    /// The server's `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    pub content_type: Option<String>,
    /// The final response's status and headers, for `redline check` to show.
    pub status: StatusCode,
    pub headers: HeaderMap,
}

impl FreshBody {
    /// The URL relative links in the body resolve against: the server's `Content-Location`
    /// (relative to where the body came from) when it gives one, else `final_url`.
    pub fn document_url(&self) -> Url {
        self.headers
            .get(header::CONTENT_LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| self.final_url.join(l.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| self.final_url.clone())
    }
}

#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 304: the validators matched.
    NotModified {
        validators: Validators,
        max_age: Option<Duration>,
    },
    Fresh(Box<FreshBody>),
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: server answered {status}")]
    Status {
        url: String,
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    #[error(
        "{url}: body larger than {limit} bytes (after decompression); raise http.max_body if this is expected"
    )]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: timed out after {}s", .after.as_secs())]
    Timeout { url: String, after: Duration },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url}: redirect loop back to {target}")]
    RedirectLoop { url: String, target: String },
    #[error("{url}: bad redirect: {reason}")]
    BadRedirect { url: String, reason: String },
    /// The URL, or a redirect on the way to it, points at an address the guard refuses.
    #[error("{url}: {}{refused}", redirected_from.as_ref().map(|f| format!("redirected from {f}: ")).unwrap_or_default())]
    Refused {
        url: String,
        redirected_from: Option<String>,
        refused: Box<Refused>,
    },
    #[error("{url}: {detail}")]
    Request { url: String, detail: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// Worth retrying soon (server trouble, network) rather than a sign the URL is wrong.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
            }
            Self::Timeout { .. } | Self::Request { .. } => true,
            Self::TooLarge { .. }
            | Self::TooManyRedirects { .. }
            | Self::RedirectLoop { .. }
            | Self::BadRedirect { .. }
            | Self::Refused { .. }
            | Self::Client(_) => false,
        }
    }

    /// 404 or 410: the page is not there (any more).
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Status { status, .. } if *status == StatusCode::NOT_FOUND || *status == StatusCode::GONE)
    }

    /// How long the server asked us to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A request's hold on its host's limit. Dropping it forgets the limit once no request holds
/// or waits for it: kept forever, the map grew by one entry per host ever fetched (100,000
/// feeds on 100,000 hosts).
struct HostSlot<'a> {
    client: &'a HttpClient,
    host: String,
    limit: Arc<Semaphore>,
}

impl<'a> HostSlot<'a> {
    fn new(client: &'a HttpClient, host: String) -> Self {
        let limit = client.host_limit(&host);
        Self {
            client,
            host,
            limit,
        }
    }
}

impl Drop for HostSlot<'_> {
    fn drop(&mut self) {
        let mut hosts = self.client.hosts.lock().unwrap_or_else(|p| p.into_inner());
        // Clones are only made under this lock, so a count of two (the map's and ours) cannot
        // rise before the entry is gone; a running or waiting request holds another clone.
        if hosts
            .get(&self.host)
            .is_some_and(|s| Arc::ptr_eq(s, &self.limit) && Arc::strong_count(s) == 2)
        {
            hosts.remove(&self.host);
        }
    }
}

/// The one HTTP client of a redline process.
pub struct HttpClient {
    client: reqwest::Client,
    config: HttpConfig,
    guard: NetGuard,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .finish()
    }
}

impl HttpClient {
    pub fn new(config: &HttpConfig) -> Result<Self, FetchError> {
        let guard = NetGuard::new(config);
        let client = guard
            .client_builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // Redirects are followed in `get` so loops and permanent moves are visible.
            .redirect(redirect::Policy::none())
            // Reuse matters within one poll (a full-text feed's pages on one host, fetched
            // back to back); an idle socket kept 90 s (the default) per host is one open file
            // each, and a warm cycle over tens of thousands of hosts would run out of them.
            .pool_idle_timeout(Duration::from_secs(10))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Self {
            client,
            config: config.clone(),
            guard,
            global: Arc::new(Semaphore::new(config.concurrency)),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn host_limit(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_host_concurrency)))
            .clone()
    }

    /// Hosts with a live concurrency limit (a request running or waiting).
    pub fn hosts_tracked(&self) -> usize {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// GETs `url`, sending `validators` for a conditional request.
    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        // Permits are held for the whole exchange, redirects and body included. The semaphores
        // are never closed, so acquire cannot fail; if it did, we would go on unthrottled.
        // Host first: a task queued behind a busy host must not hold a global slot meanwhile,
        // or one slow publisher stalls every other.
        // Declared before the permit, so it is dropped after it, however this future ends
        // (a cancelled fetch included).
        let slot = HostSlot::new(self, url.host_str().unwrap_or("").to_ascii_lowercase());
        let _host = slot.limit.clone().acquire_owned().await.ok();
        let _global = self.global.clone().acquire_owned().await.ok();
        let limit = self.config.timeout;
        match tokio::time::timeout(limit, self.get_following(url, validators)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout {
                url: url.to_string(),
                after: limit,
            }),
        }
    }

    async fn get_following(
        &self,
        start: &Url,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let mut url = start.clone();
        let mut seen = vec![url.clone()];
        let mut all_permanent = true;
        loop {
            // Checked on every hop, before the request: a redirect to an internal address is
            // refused here, so a 301 cannot move a feed's stored URL inside either.
            let redirected_from = (seen.len() > 1).then(|| start.to_string());
            let refused = |refused: Refused| FetchError::Refused {
                url: url.to_string(),
                redirected_from: redirected_from.clone(),
                refused: Box::new(refused),
            };
            self.guard.check_url(&url).map_err(refused)?;
            let mut req = self.client.get(url.clone());
            if let Some(etag) = &validators.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
            let res = req.send().await.map_err(|e| match find_refused(&e) {
                // The resolver refused the name's addresses.
                Some(r) => refused(r.clone()),
                None => self.request_error(&url, e),
            })?;
            let status = res.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = res
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FetchError::BadRedirect {
                        url: url.to_string(),
                        reason: format!("{status} without a Location header"),
                    })?;
                let next = url.join(location).map_err(|e| FetchError::BadRedirect {
                    url: url.to_string(),
                    reason: format!("Location `{location}`: {e}"),
                })?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(FetchError::BadRedirect {
                        url: url.to_string(),
                        reason: format!("Location `{next}` is not http(s)"),
                    });
                }
                if seen.contains(&next) {
                    return Err(FetchError::RedirectLoop {
                        url: start.to_string(),
                        target: next.to_string(),
                    });
                }
                if seen.len() > self.config.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        url: start.to_string(),
                        limit: self.config.max_redirects,
                    });
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                seen.push(next.clone());
                url = next;
                continue;
            }
            let headers = res.headers().clone();
            let max_age = max_age(&headers);
            let got = Validators {
                etag: header_str(&headers, header::ETAG),
                last_modified: header_str(&headers, header::LAST_MODIFIED),
            };
            if status == StatusCode::NOT_MODIFIED {
                return Ok(FetchOutcome::NotModified {
                    validators: got,
                    max_age,
                });
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status,
                    retry_after: retry_after(&headers),
                });
            }
            let body = self.read_capped(&url, res).await?;
            let moved_to = (seen.len() > 1 && all_permanent).then(|| url.clone());
            return Ok(FetchOutcome::Fresh(Box::new(FreshBody {
                body,
                validators: got,
                final_url: url,
                moved_to,
                max_age,
                content_type: header_str(&headers, header::CONTENT_TYPE),
                status,
                headers,
            })));
        }
    }

    /// Reads the body chunk by chunk (chunks are already decompressed), failing as soon as it
    /// passes the cap: a gzip bomb or a 50 MB body costs at most `max_body` bytes of memory.
    async fn read_capped(
        &self,
        url: &Url,
        mut res: reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.config.max_body;
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit,
        };
        // Content-Length is the compressed size when encoded; still a cheap early refusal.
        if res.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| self.request_error(url, e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn request_error(&self, url: &Url, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout {
                url: url.to_string(),
                after: self.config.timeout,
            }
        } else {
            // Our message already names the URL; reqwest's would repeat it.
            FetchError::Request {
                url: url.to_string(),
                detail: error_chain(&e.without_url()),
            }
        }
    }
}

/// Layers reqwest and hyper wrap every connection failure in, saying nothing the cause below
/// them does not ("error sending request: client error (Connect): dns error: error resolving
/// DNS: failed to lookup address…" was four layers before the reason).
const WRAPPER_LAYERS: &[&str] = &[
    "error sending request",
    "client error (Connect)",
    "client error (SendRequest)",
    "error trying to connect",
    "error resolving DNS",
];

/// The error and its causes in one line: reqwest's top-level message alone ("error sending
/// request") does not tell a user what went wrong, and its wrappers bury what does. Wrapper
/// layers are dropped when a cause follows them; every other layer is kept.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let last = parts.len() - 1;
    let kept: Vec<&str> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == last || !WRAPPER_LAYERS.contains(&p.as_str()))
        .map(|(_, p)| p.as_str())
        .collect();
    kept.join(": ")
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Capped at a day.
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = header_str(h, header::RETRY_AFTER)?;
    let secs = match v.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(&v).ok()?;
            u64::try_from((at.timestamp() - chrono::Utc::now().timestamp()).max(0)).ok()?
        }
    };
    Some(Duration::from_secs(secs.min(86_400)))
}

/// `Cache-Control: max-age=N`. Capped at a day so a misconfigured server cannot silence a feed.
fn max_age(h: &HeaderMap) -> Option<Duration> {
    let v = header_str(h, header::CACHE_CONTROL)?;
    v.split(',').find_map(|d| {
        let (k, n) = d.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case("max-age"))
            .then(|| n.trim().trim_matches('"').parse::<u64>().ok())
            .flatten()
            .map(|s| Duration::from_secs(s.min(86_400)))
    })
}

/// Decodes an HTML page to text: charset from the Content-Type header, else from a `<meta>`
/// in the first 1 KiB, else UTF-8; invalid sequences become U+FFFD rather than failing.
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> String {
    let from_header = content_type.and_then(charset_param);
    let label = from_header.or_else(|| {
        let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
        let at = head.find("charset=")?;
        let rest = head[at + 8..].trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        Some(rest[..end].to_string())
    });
    let encoding = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(body);
    text.into_owned()
}

fn charset_param(ct: &str) -> Option<String> {
    ct.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of plain messages, as reqwest and hyper nest theirs.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }
    fn chain(layers: &[&'static str]) -> Layer {
        let mut it = layers.iter().rev();
        let mut e = Layer(it.next().expect("a layer"), None);
        for l in it {
            e = Layer(l, Some(Box::new(e)));
        }
        e
    }

    #[test]
    fn error_chain_drops_wrappers_and_keeps_the_cause() {
        let dns = chain(&[
            "error sending request",
            "client error (Connect)",
            "dns error",
            "error resolving DNS",
            "failed to lookup address information: Name or service not known",
        ]);
        assert_eq!(
            error_chain(&dns),
            "dns error: failed to lookup address information: Name or service not known"
        );
        // A wrapper with nothing under it is all there is to say.
        assert_eq!(
            error_chain(&chain(&["error sending request"])),
            "error sending request"
        );
        // An unknown layer is kept.
        assert_eq!(
            error_chain(&chain(&[
                "error sending request",
                "connection closed before message completed"
            ])),
            "connection closed before message completed"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "120".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(
            header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            "public, max-age=600".parse().expect("header"),
        );
        assert_eq!(max_age(&h), Some(Duration::from_secs(600)));
    }

    #[test]
    fn html_decoding_honours_charset() {
        let latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><body>Caf\xe9</body></html>";
        assert!(decode_html(latin1, None).contains("Café"));
        assert!(decode_html(b"caf\xff", Some("text/html; charset=utf-8")).contains('\u{FFFD}'));
    }
}
