//! `sink = "mastodon"`: one status per change, with the diff card attached and described,
//! threaded under the status posted about the same article before.
//!
//! Shapes from the Mastodon API documentation:
//! - https://docs.joinmastodon.org/methods/media/#v2 — `POST /api/v2/media`, multipart `file`
//!   and `description` (alt text, at most 1,500 characters); 200 with the attachment, or 202
//!   while it is processed (`url` null), then `GET /api/v1/media/:id` answers 206 until done;
//! - https://docs.joinmastodon.org/methods/statuses/#create — `POST /api/v1/statuses` with
//!   `status`, `media_ids[]`, `in_reply_to_id`; an `Idempotency-Key` header makes a repeated
//!   request (ours after a lost answer) return the first status instead of a second one
//!   (keys are kept for an hour);
//! - both take `Authorization: Bearer <token>` (scopes `write:media`, `write:statuses`); a
//!   429 comes with `X-RateLimit-Reset` and, on Mastodon 4, `Retry-After`.
//!
//! The status is at most 500 characters on a default instance, URLs counting 23 each: the
//! headline is cut to 200 characters and the claim line to 220.

use std::time::Duration;

use url::Url;

use super::SinkError;
use super::api;
use super::payload::Delivery;
use super::social::{self, Piece, Post};
use crate::netguard::GuardedClient;
use crate::store::Store;
use crate::store::archives::PostRow;

/// Mastodon refuses longer media descriptions.
pub const MAX_DESCRIPTION: usize = 1_500;
/// How long an attachment may stay "processing" before the status goes without it.
const MEDIA_WAIT: Duration = Duration::from_secs(20);

pub async fn send(
    http: &GuardedClient,
    store: &Store,
    alert: &str,
    instance: &Url,
    token: &str,
    delivery: &Delivery,
) -> Result<(), SinkError> {
    for d in social::changes(delivery) {
        if d.test {
            // `alerts test` must not publish to the world: a private, unthreaded status.
            let post = social::post_for(store, d).await?;
            status(http, instance, token, &post, None, None, "direct", "test").await?;
            continue;
        }
        if social::already_posted(store, alert, d.change_id).await? {
            continue;
        }
        social::wait_for_capture(store, d).await?;
        let post = social::post_for(store, d).await?;
        let media = match &post.image {
            Some(img) => Some(upload(http, instance, token, img, post.change_id).await?),
            None => None,
        };
        let parent = social::last_post(store, post.article_id, alert).await?;
        let key = format!("redline-{alert}-{}", post.change_id);
        let (id, url) = status(
            http,
            instance,
            token,
            &post,
            media.as_deref(),
            parent.as_ref().map(|p| p.post_id.as_str()),
            "public",
            &key,
        )
        .await?;
        social::record(
            store,
            PostRow {
                article_id: post.article_id,
                alert: alert.to_string(),
                change_id: Some(post.change_id),
                post_id: id,
                post_cid: None,
                root_id: None,
                root_cid: None,
                url,
                posted_at: social::now_ms(),
            },
        )
        .await?;
    }
    Ok(())
}

fn error(instance: &Url) -> impl Fn(String) -> SinkError + '_ {
    |detail| SinkError::Mastodon {
        instance: instance.as_str().trim_end_matches('/').to_string(),
        detail,
    }
}

fn endpoint(instance: &Url, path: &str) -> Result<Url, SinkError> {
    instance
        .join(path)
        .map_err(|e| error(instance)(format!("{path}: {e}")))
}

fn refused(status: reqwest::StatusCode, what: &str, answer: &api::Answer) -> String {
    if matches!(status.as_u16(), 401 | 403) {
        format!(
            "{what} answered {status}: the token was refused (check token_file; it needs the write:media and write:statuses scopes)"
        )
    } else {
        format!("{what} answered {status}: {}", answer.snippet())
    }
}

/// Uploads the card; returns the attachment id once it is ready.
async fn upload(
    http: &GuardedClient,
    instance: &Url,
    token: &str,
    img: &social::Image,
    seed: i64,
) -> Result<String, SinkError> {
    let err = error(instance);
    let url = endpoint(instance, "/api/v2/media")?;
    let description = social::cut(&img.alt, MAX_DESCRIPTION);
    let (content_type, body) = api::multipart(
        &[("description", &description)],
        ("file", "redline-card.png", "image/png", &img.png),
        seed.unsigned_abs(),
    );
    let req = http
        .client
        .post(url.clone())
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    let answer = api::send(http, &url, req, "mastodon", &err).await?;
    if !answer.status.is_success() {
        return Err(err(refused(answer.status, "media upload", &answer)));
    }
    let v = answer.json().map_err(&err)?;
    let id = v
        .get("id")
        .and_then(|i| i.as_str())
        .ok_or_else(|| {
            err(format!(
                "media upload answered without an id: {}",
                answer.snippet()
            ))
        })?
        .to_string();
    if answer.status.as_u16() == 202 {
        // Still processing: a status naming it would be refused (422) until it is done.
        let check = endpoint(instance, &format!("/api/v1/media/{id}"))?;
        let deadline = tokio::time::Instant::now() + MEDIA_WAIT;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let req = http.client.get(check.clone()).bearer_auth(token);
            let a = api::send(http, &check, req, "mastodon", &err).await?;
            match a.status.as_u16() {
                200 => break,
                206 if tokio::time::Instant::now() < deadline => {}
                _ => return Err(err(refused(a.status, "media processing", &a))),
            }
        }
    }
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn status(
    http: &GuardedClient,
    instance: &Url,
    token: &str,
    post: &Post,
    media: Option<&str>,
    in_reply_to: Option<&str>,
    visibility: &str,
    idempotency_key: &str,
) -> Result<(String, Option<String>), SinkError> {
    let err = error(instance);
    let url = endpoint(instance, "/api/v1/statuses")?;
    let text: String = post
        .pieces(200, 220, str::to_string)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Link { uri, .. } => uri,
        })
        .collect();
    let mut pairs: Vec<(&str, &str)> = vec![("status", &text), ("visibility", visibility)];
    if let Some(m) = media {
        pairs.push(("media_ids[]", m));
    }
    if let Some(r) = in_reply_to {
        pairs.push(("in_reply_to_id", r));
    }
    let req = http
        .client
        .post(url.clone())
        .bearer_auth(token)
        .header("idempotency-key", idempotency_key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(api::form(&pairs));
    let answer = api::send(http, &url, req, "mastodon", &err).await?;
    if !answer.status.is_success() {
        return Err(err(refused(answer.status, "status", &answer)));
    }
    let v = answer.json().map_err(&err)?;
    let id = v
        .get("id")
        .and_then(|i| i.as_str())
        .filter(|i| !i.is_empty() && i.len() <= 100)
        .ok_or_else(|| {
            err(format!(
                "status answered without an id: {}",
                answer.snippet()
            ))
        })?;
    let link = v.get("url").and_then(|u| u.as_str()).map(str::to_string);
    Ok((id.to_string(), link))
}
