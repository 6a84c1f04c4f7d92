//! What the archive, Mastodon and Bluesky clients share: one request sent through the
//! dispatcher's guarded client, its answer read with a size cap, rate limits turned into a
//! wait (`SinkError::RateLimited`), and request bodies built by hand (form, multipart, JSON),
//! so reqwest's `json`/`form`/`multipart` features (and their compile time) stay off.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::SinkError;
use crate::netguard::{GuardedClient, find_refused};

/// Largest answer read from one of these APIs; their JSON answers are a few KB.
pub const MAX_ANSWER: usize = 256 * 1024;
/// Wait after a 429 that says nothing about when to come back.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// One answer: status, headers that matter, and the (capped) body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("answer is not JSON: {e}"))
    }

    /// The answer's text for an error message: one line, at most 300 characters, no
    /// terminal controls.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let one: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect();
        crate::text_safety::strip_bidi(&one)
    }
}

/// Sends `req` (already aimed at `url`) and reads the answer. A 429 becomes `RateLimited` with
/// the server's `Retry-After` (or Bluesky's `ratelimit-reset`, a unix time), so the
/// dispatcher waits that long before this sink's next request.
pub async fn send(
    http: &GuardedClient,
    url: &Url,
    req: reqwest::RequestBuilder,
    service: &str,
    err: impl Fn(String) -> SinkError,
) -> Result<Answer, SinkError> {
    http.guard.check_url(url).map_err(|r| err(r.to_string()))?;
    let res = req.send().await.map_err(|e| {
        err(match find_refused(&e) {
            Some(r) => r.to_string(),
            None => crate::fetch::error_chain(&e.without_url()),
        })
    })?;
    let status = res.status();
    let headers = res.headers().clone();
    let retry_after = crate::fetch::retry_after(&headers).or_else(|| ratelimit_reset(&headers));
    let mut body = Vec::new();
    let mut res = res;
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| err(format!("reading the answer: {}", e.without_url())))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(err(format!("answer larger than {MAX_ANSWER} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(SinkError::RateLimited {
            service: service.to_string(),
            retry_after: retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT),
        });
    }
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// Bluesky's `ratelimit-reset: <unix seconds>` (its PDS also sends `retry-after` on 429).
fn ratelimit_reset(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let at: i64 = h
        .get("ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let secs = (at - chrono::Utc::now().timestamp()).clamp(0, 86_400);
    Some(Duration::from_secs(u64::try_from(secs).ok()?))
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A `multipart/form-data` body (RFC 7578): text fields, then one file part. Returns the
/// content type (with its boundary) and the bytes.
pub fn multipart(
    fields: &[(&str, &str)],
    file: (&str, &str, &str, &[u8]),
    seed: u64,
) -> (String, Vec<u8>) {
    // Any byte string not in the parts works; a fixed prefix plus the change id keeps the
    // bodies reproducible in tests, and the PNG's bytes are checked not to contain it.
    let mut boundary = format!("redline-{seed:016x}-boundary");
    let (name, filename, mime, bytes) = file;
    while contains(bytes, boundary.as_bytes()) || fields.iter().any(|(_, v)| v.contains(&boundary))
    {
        boundary.push('x');
    }
    let mut out = Vec::with_capacity(bytes.len() + 1024);
    for (k, v) in fields {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{v}\r\n",
                quote(k)
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {mime}\r\n\r\n",
            quote(name),
            quote(filename)
        )
        .as_bytes(),
    );
    out.extend_from_slice(bytes);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

fn quote(s: &str) -> String {
    s.replace(['"', '\r', '\n'], "_")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Seconds in a human error message.
pub fn secs(d: Duration) -> u64 {
    d.as_secs().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_boundary_never_occurs_in_the_parts() {
        let png = b"\x89PNG--redline-000000000000002a-boundary...".to_vec();
        let (ct, body) = multipart(
            &[("description", "A card")],
            ("file", "card.png", "image/png", &png),
            42,
        );
        let boundary = ct.split("boundary=").nth(1).expect("boundary");
        assert_ne!(boundary, "redline-000000000000002a-boundary");
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("name=\"description\"\r\n\r\nA card\r\n"),
            "{text}"
        );
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
