//! POST the payload. `secret` signs the exact body bytes: `X-Redline-Signature:
//! sha256=<hex HMAC-SHA256(secret, body)>`, so a receiver can check it came from us.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use super::SinkError;
use super::chat;
use super::payload::Delivery;
use crate::config::WebhookFormat;
use crate::netguard::{GuardedClient, find_refused};

/// `sha256=<hex>` of the body under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256=");
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The request body for the chosen format.
pub fn body(format: WebhookFormat, delivery: &Delivery) -> String {
    match format {
        WebhookFormat::Json => delivery.to_json(),
        // Slack and Discord incoming webhooks take a short text message (see `chat`).
        WebhookFormat::Slack => serde_json::json!({
            "text": chat::message(chat::Platform::Slack, delivery)
        })
        .to_string(),
        // No pings: a headline with "@everyone" in it must not notify a whole server.
        WebhookFormat::Discord => serde_json::json!({
            "content": chat::message(chat::Platform::Discord, delivery),
            "allowed_mentions": {"parse": []}
        })
        .to_string(),
    }
}

pub async fn send(
    http: &GuardedClient,
    url: &Url,
    secret: Option<&str>,
    format: WebhookFormat,
    delivery: &Delivery,
) -> Result<(), SinkError> {
    // Slack and Discord put the token in the path: the URL is redacted before it reaches
    // the outbox's error column or a log line.
    let err = |detail: String| SinkError::Webhook {
        url: crate::text_safety::redact_url(url.as_str()),
        detail,
    };
    // An IP-literal URL never reaches the resolver, so it is checked here.
    http.guard.check_url(url).map_err(|r| err(r.to_string()))?;
    let body = body(format, delivery);
    let mut req = http
        .client
        .post(url.clone())
        .header("content-type", "application/json")
        .header("x-redline-event", delivery.event());
    if let Some(secret) = secret {
        req = req.header("x-redline-signature", signature(secret, body.as_bytes()));
    }
    let res = req.body(body).send().await.map_err(|e| {
        err(match find_refused(&e) {
            Some(r) => r.to_string(),
            // reqwest's own message carries the URL, token and all.
            None => e.without_url().to_string(),
        })
    })?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else if status.is_redirection() {
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "?".to_string(), crate::text_safety::redact_url);
        Err(err(format!(
            "receiver answered {status} to {to}; configure that URL instead"
        )))
    } else {
        Err(err(format!("receiver answered {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
