//! `sink = "bluesky"`: one `app.bsky.feed.post` per change, with the diff card embedded with
//! its alt text and link facets, replying to the post made about the same article before.
//!
//! Shapes from the Bluesky and AT Protocol documentation:
//! - https://docs.bsky.app/docs/advanced-guides/posts — `com.atproto.server.createSession`
//!   (`identifier`, app `password` → `accessJwt`, `did`), `com.atproto.repo.uploadBlob` (raw
//!   bytes with their content type → `{"blob": …}`; images at most 1,000,000 bytes),
//!   `com.atproto.repo.createRecord` (`repo`, `collection`, `rkey`, `record`), a post record
//!   with `text` (at most 300 graphemes), `createdAt`, `embed` of type
//!   `app.bsky.embed.images` (`alt`, `image`, `aspectRatio`) and `reply` `{root, parent}`,
//!   each a strong ref `{uri, cid}`;
//! - https://docs.bsky.app/docs/advanced-guides/post-richtext — links are facets over UTF-8
//!   byte offsets (`byteStart` inclusive, `byteEnd` exclusive), feature
//!   `app.bsky.richtext.facet#link`;
//! - https://atproto.com/specs/record-key — post keys are TIDs (13 base32-sortable
//!   characters of microseconds and a clock id).
//!
//! Delivered once: the record key is derived from the change (its detection time and the
//! alert), and looked up with `com.atproto.repo.getRecord` before it is created, so a retry
//! after a lost answer finds the first post instead of making a second. Sessions are kept in
//! memory per account: `createSession` is rate limited far more strictly than posting.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use unicode_segmentation::UnicodeSegmentation;
use url::Url;

use super::SinkError;
use super::api;
use super::payload::Delivery;
use super::social::{self, Piece, Post};
use crate::netguard::GuardedClient;
use crate::store::Store;
use crate::store::archives::PostRow;

/// A post's text limit.
pub const MAX_GRAPHEMES: usize = 300;
/// The image embed's size limit (`app.bsky.embed.images`, `maxSize`).
pub const MAX_IMAGE_BYTES: usize = 1_000_000;
/// A link is shown at most this long (the facet carries the whole address).
const MAX_LINK_SHOWN: usize = 32;
const COLLECTION: &str = "app.bsky.feed.post";

#[derive(Debug, Clone)]
struct Session {
    access: String,
    did: String,
}

fn sessions() -> &'static Mutex<HashMap<String, Session>> {
    static S: OnceLock<Mutex<HashMap<String, Session>>> = OnceLock::new();
    S.get_or_init(Mutex::default)
}

pub async fn send(
    http: &GuardedClient,
    store: &Store,
    alert: &str,
    pds: &Url,
    handle: &str,
    password: &str,
    delivery: &Delivery,
) -> Result<(), SinkError> {
    let client = Client {
        http,
        pds,
        handle,
        password,
    };
    for d in social::changes(delivery) {
        if d.test {
            // Bluesky has no private posts: a test never publishes, it only signs in.
            client.session(false).await?;
            continue;
        }
        if social::already_posted(store, alert, d.change_id).await? {
            continue;
        }
        social::wait_for_capture(store, d).await?;
        let post = social::post_for(store, d).await?;
        let parent = social::last_post(store, post.article_id, alert).await?;
        let rkey = tid(&post, alert);
        let (uri, cid) = match client.existing(&rkey).await? {
            Some(found) => found,
            None => {
                let blob = match &post.image {
                    Some(img) if img.png.len() <= MAX_IMAGE_BYTES => {
                        Some(client.upload(&img.png).await?)
                    }
                    Some(img) => {
                        tracing::warn!(
                            bytes = img.png.len(),
                            "diff card over Bluesky's 1 MB image limit; posting without it"
                        );
                        None
                    }
                    None => None,
                };
                let record = record(&post, blob, parent.as_ref());
                client.create(&rkey, record).await?
            }
        };
        let (root_id, root_cid) = match &parent {
            Some(p) => (
                Some(p.root_id.clone().unwrap_or_else(|| p.post_id.clone())),
                p.root_cid.clone().or_else(|| p.post_cid.clone()),
            ),
            None => (None, None),
        };
        social::record(
            store,
            PostRow {
                article_id: post.article_id,
                alert: alert.to_string(),
                change_id: Some(post.change_id),
                url: web_url(&uri, handle),
                post_id: uri,
                post_cid: Some(cid),
                root_id,
                root_cid,
                posted_at: social::now_ms(),
            },
        )
        .await?;
    }
    Ok(())
}

/// The post's text and its link facets (UTF-8 byte offsets into the text).
pub fn text_and_facets(post: &Post) -> (String, Vec<serde_json::Value>) {
    // Cut the headline further until the whole text fits (links and labels are fixed).
    let mut headline = 140;
    let mut claim = 100;
    loop {
        let (text, facets) = assemble(&post.pieces(headline, claim, show_link));
        if text.graphemes(true).count() <= MAX_GRAPHEMES || headline <= 10 {
            return (text, facets);
        }
        headline = headline.saturating_sub(20).max(10);
        claim = claim.saturating_sub(10).max(10);
    }
}

fn assemble(pieces: &[Piece]) -> (String, Vec<serde_json::Value>) {
    let mut text = String::new();
    let mut facets = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => text.push_str(t),
            Piece::Link { shown, uri } => {
                let start = text.len();
                text.push_str(shown);
                facets.push(serde_json::json!({
                    "index": {"byteStart": start, "byteEnd": text.len()},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]
                }));
            }
        }
    }
    (text, facets)
}

/// A link as the Bluesky app shows one: no scheme, cut with an ellipsis.
fn show_link(uri: &str) -> String {
    let bare = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .unwrap_or(uri);
    social::cut(bare, MAX_LINK_SHOWN)
}

fn record(
    post: &Post,
    blob: Option<serde_json::Value>,
    parent: Option<&PostRow>,
) -> serde_json::Value {
    let (text, facets) = text_and_facets(post);
    let mut r = serde_json::json!({
        "$type": COLLECTION,
        "text": text,
        "facets": facets,
        "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    if let (Some(blob), Some(img)) = (blob, &post.image) {
        r["embed"] = serde_json::json!({
            "$type": "app.bsky.embed.images",
            "images": [{
                "alt": img.alt,
                "image": blob,
                "aspectRatio": {"width": img.width, "height": img.height}
            }]
        });
    }
    if let Some(p) = parent
        && let Some(parent_cid) = &p.post_cid
    {
        let root_uri = p.root_id.clone().unwrap_or_else(|| p.post_id.clone());
        let root_cid = p.root_cid.clone().unwrap_or_else(|| parent_cid.clone());
        r["reply"] = serde_json::json!({
            "root": {"uri": root_uri, "cid": root_cid},
            "parent": {"uri": p.post_id, "cid": parent_cid},
        });
    }
    r
}

/// A TID for this change's post: the detection time in microseconds (plus the change id's
/// low digits, so two changes detected in one millisecond differ) and a clock id from the
/// alert's name. The same change always gets the same key.
pub fn tid(post: &Post, alert: &str) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let ms = chrono::DateTime::parse_from_rfc3339(&post.detected_at)
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
        .max(0);
    let micros = (ms as u64)
        .saturating_mul(1000)
        .saturating_add(post.change_id.unsigned_abs() % 1000)
        & ((1 << 53) - 1);
    let clock = alert.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) & 0x3ff;
    let v = (micros << 10) | clock;
    (0..13)
        .rev()
        .map(|k| ALPHABET[((v >> (5 * k)) & 31) as usize] as char)
        .collect()
}

/// `https://bsky.app/profile/{handle}/post/{rkey}` for an `at://did/collection/rkey` URI.
fn web_url(uri: &str, handle: &str) -> Option<String> {
    let rkey = uri.rsplit('/').next().filter(|k| !k.is_empty())?;
    Some(format!("https://bsky.app/profile/{handle}/post/{rkey}"))
}

struct Client<'a> {
    http: &'a GuardedClient,
    pds: &'a Url,
    handle: &'a str,
    password: &'a str,
}

impl Client<'_> {
    fn err(&self) -> impl Fn(String) -> SinkError + '_ {
        |detail| SinkError::Bluesky {
            pds: self.pds.as_str().trim_end_matches('/').to_string(),
            detail,
        }
    }

    fn xrpc(&self, method: &str) -> Result<Url, SinkError> {
        self.pds
            .join(&format!("/xrpc/{method}"))
            .map_err(|e| self.err()(format!("{method}: {e}")))
    }

    fn key(&self) -> String {
        format!("{}|{}", self.pds, self.handle)
    }

    async fn session(&self, fresh: bool) -> Result<Session, SinkError> {
        if !fresh
            && let Some(s) = sessions()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&self.key())
        {
            return Ok(s.clone());
        }
        let err = self.err();
        let url = self.xrpc("com.atproto.server.createSession")?;
        let body = serde_json::json!({"identifier": self.handle, "password": self.password});
        let req = self
            .http
            .client
            .post(url.clone())
            .header("content-type", "application/json")
            .body(body.to_string());
        let a = api::send(self.http, &url, req, "bluesky", &err).await?;
        if matches!(a.status.as_u16(), 400 | 401) {
            return Err(err(format!(
                "createSession answered {}: the handle or app password was refused (check handle and password_file): {}",
                a.status,
                a.snippet()
            )));
        }
        if !a.status.is_success() {
            return Err(err(format!(
                "createSession answered {}: {}",
                a.status,
                a.snippet()
            )));
        }
        let v = a.json().map_err(&err)?;
        let s = match (
            v.get("accessJwt").and_then(|x| x.as_str()),
            v.get("did").and_then(|x| x.as_str()),
        ) {
            (Some(access), Some(did)) if did.starts_with("did:") => Session {
                access: access.to_string(),
                did: did.to_string(),
            },
            _ => {
                return Err(err(
                    "createSession answered without accessJwt and did".into()
                ));
            }
        };
        sessions()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(self.key(), s.clone());
        Ok(s)
    }

    /// Sends an authenticated request built by `build`; an expired session is renewed once.
    async fn call(
        &self,
        url: &Url,
        build: impl Fn(&Session) -> reqwest::RequestBuilder,
    ) -> Result<api::Answer, SinkError> {
        let err = self.err();
        let mut s = self.session(false).await?;
        for renewed in [false, true] {
            let a = api::send(self.http, url, build(&s), "bluesky", &err).await?;
            let expired = a.status.as_u16() == 401
                || (a.status.as_u16() == 400 && a.snippet().contains("ExpiredToken"));
            if expired && !renewed {
                s = self.session(true).await?;
                continue;
            }
            return Ok(a);
        }
        Err(err("session refused after renewal".into()))
    }

    /// The post already stored under `rkey` (a retry after a lost answer), if any.
    async fn existing(&self, rkey: &str) -> Result<Option<(String, String)>, SinkError> {
        let err = self.err();
        let s = self.session(false).await?;
        let mut url = self.xrpc("com.atproto.repo.getRecord")?;
        url.query_pairs_mut()
            .append_pair("repo", &s.did)
            .append_pair("collection", COLLECTION)
            .append_pair("rkey", rkey);
        let a = self
            .call(&url, |s| {
                self.http.client.get(url.clone()).bearer_auth(&s.access)
            })
            .await?;
        if a.status.is_success() {
            let v = a.json().map_err(&err)?;
            return Ok(strong_ref(&v));
        }
        // 400 RecordNotFound: not posted yet.
        if a.status.as_u16() == 400 {
            return Ok(None);
        }
        Err(err(format!(
            "getRecord answered {}: {}",
            a.status,
            a.snippet()
        )))
    }

    async fn upload(&self, png: &[u8]) -> Result<serde_json::Value, SinkError> {
        let err = self.err();
        let url = self.xrpc("com.atproto.repo.uploadBlob")?;
        let a = self
            .call(&url, |s| {
                self.http
                    .client
                    .post(url.clone())
                    .bearer_auth(&s.access)
                    .header("content-type", "image/png")
                    .body(png.to_vec())
            })
            .await?;
        if !a.status.is_success() {
            return Err(err(format!(
                "uploadBlob answered {}: {}",
                a.status,
                a.snippet()
            )));
        }
        a.json()
            .map_err(&err)?
            .get("blob")
            .filter(|b| b.is_object())
            .cloned()
            .ok_or_else(|| err("uploadBlob answered without a blob".into()))
    }

    async fn create(
        &self,
        rkey: &str,
        record: serde_json::Value,
    ) -> Result<(String, String), SinkError> {
        let err = self.err();
        let url = self.xrpc("com.atproto.repo.createRecord")?;
        let a = self
            .call(&url, |s| {
                let body = serde_json::json!({
                    "repo": s.did,
                    "collection": COLLECTION,
                    "rkey": rkey,
                    "record": record,
                });
                self.http
                    .client
                    .post(url.clone())
                    .bearer_auth(&s.access)
                    .header("content-type", "application/json")
                    .body(body.to_string())
            })
            .await?;
        if !a.status.is_success() {
            return Err(err(format!(
                "createRecord answered {}: {}",
                a.status,
                a.snippet()
            )));
        }
        let v = a.json().map_err(&err)?;
        strong_ref(&v).ok_or_else(|| err("createRecord answered without uri and cid".into()))
    }
}

fn strong_ref(v: &serde_json::Value) -> Option<(String, String)> {
    let uri = v.get("uri")?.as_str().filter(|u| u.starts_with("at://"))?;
    let cid = v.get("cid")?.as_str().filter(|c| !c.is_empty())?;
    Some((uri.to_string(), cid.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(title: &str) -> Post {
        Post {
            change_id: 42,
            article_id: 7,
            headline: format!("Edited: {title}"),
            claim: Some("number changed: 1.2 metres → 2 metres".into()),
            article_url: "https://tidewater.example/news/2026/12/02/harbour-wall-to-be-raised".into(),
            archive_url: Some("https://web.archive.org/web/20261202030200/https://tidewater.example/news/2026/12/02/harbour-wall-to-be-raised".into()),
            image: None,
            detected_at: "2026-12-02T03:02:00Z".into(),
        }
    }

    #[test]
    fn facets_point_at_the_link_bytes_after_multibyte_text() {
        let p = post("Mur du port relevé à Saint-Malo — «\u{a0}2\u{a0}mètres\u{a0}» 🌊");
        let (text, facets) = text_and_facets(&p);
        assert!(text.graphemes(true).count() <= MAX_GRAPHEMES);
        assert_eq!(facets.len(), 2);
        for (f, want) in facets
            .iter()
            .zip([&p.article_url, p.archive_url.as_ref().expect("archive")])
        {
            let s = f["index"]["byteStart"].as_u64().expect("start") as usize;
            let e = f["index"]["byteEnd"].as_u64().expect("end") as usize;
            let shown = &text.as_bytes()[s..e];
            let shown = std::str::from_utf8(shown).expect("facet on char boundaries");
            assert!(
                shown.ends_with('…') && want.contains(shown.trim_end_matches('…')),
                "{shown}"
            );
            assert_eq!(f["features"][0]["uri"], want.as_str());
        }
    }

    #[test]
    fn a_very_long_headline_is_cut_to_fit_300_graphemes() {
        let (text, _) = text_and_facets(&post(&"Flood defences ".repeat(200)));
        assert!(
            text.graphemes(true).count() <= MAX_GRAPHEMES,
            "{}",
            text.len()
        );
        assert!(text.contains('…'));
    }

    #[test]
    fn record_keys_are_stable_tids() {
        let p = post("Harbour wall");
        let k = tid(&p, "bsky");
        assert_eq!(k.len(), 13);
        assert_eq!(k, tid(&p, "bsky"));
        assert_ne!(k, tid(&p, "other"));
        assert!(
            k.bytes()
                .all(|b| b"234567abcdefghijklmnopqrstuvwxyz".contains(&b))
        );
        // The first character carries the top bits, which are zero for any date before 2200.
        assert!(b"234567ab".contains(&k.as_bytes()[0]), "{k}");
    }
}
