//! What the Mastodon and Bluesky sinks share: the post's short text (headline, first claim
//! change, article link, archive link), the diff card as an image with its alt text, the
//! thread to reply to, and the record of posts made (`store::archives::insert_post`), read
//! back to thread the next post about the same article.

use super::SinkError;
use super::payload::{ChangeData, Delivery, one_line};
use crate::store::archives::{self, PostRow};
use crate::store::{Store, StoreError, articles, unix_now_ms};

/// The card as a post attaches it.
#[derive(Debug, Clone)]
pub struct Image {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

/// One piece of a post's text; a link carries the address it opens (Bluesky facets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link { shown: String, uri: String },
}

/// What one post says and shows.
#[derive(Debug, Clone)]
pub struct Post {
    pub change_id: i64,
    pub article_id: i64,
    /// Headline line, claim line: cut by each sink to its own limit.
    pub headline: String,
    pub claim: Option<String>,
    pub article_url: String,
    pub archive_url: Option<String>,
    pub image: Option<Image>,
    /// When the change was detected (RFC 3339), for a stable record key.
    pub detected_at: String,
}

impl Post {
    /// The text as pieces, with `headline` and `claim` cut to `max_headline`/`max_claim`
    /// characters and links shown as given by `show_link`.
    pub fn pieces(
        &self,
        max_headline: usize,
        max_claim: usize,
        show_link: impl Fn(&str) -> String,
    ) -> Vec<Piece> {
        let mut out = vec![Piece::Text(cut(&self.headline, max_headline))];
        if let Some(c) = &self.claim {
            out.push(Piece::Text(format!("\n{}", cut(c, max_claim))));
        }
        out.push(Piece::Text("\n".into()));
        out.push(Piece::Link {
            shown: show_link(&self.article_url),
            uri: self.article_url.clone(),
        });
        if let Some(a) = &self.archive_url {
            out.push(Piece::Text("\nArchived: ".into()));
            out.push(Piece::Link {
                shown: show_link(a),
                uri: a.clone(),
            });
        }
        out
    }
}

/// At most `max` characters, an ellipsis marking a cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t = t.trim_end().to_string();
    t.push('…');
    t
}

/// The post for one change: text from the payload, the card rendered from the stored
/// versions (the payload alone when they are gone). A card that fails to render is logged
/// and the post goes without it: the text is the news, the image the evidence.
pub async fn post_for(store: &Store, d: &ChangeData) -> Result<Post, SinkError> {
    let store = store.clone();
    let d = d.clone();
    tokio::task::spawn_blocking(move || {
        let image = card_for(&store, &d)
            .map_err(|e| tracing::warn!(change = d.change_id, error = %e, "diff card not rendered; posting without it"))
            .ok();
        let lead = if d.event == "unpublished" {
            "Unpublished"
        } else if d.stealth {
            "Stealth edit"
        } else {
            "Edited"
        };
        let claim = d.claim_changes.first().map(|c| {
            format!(
                "{}: {} → {}",
                c.kind.as_str().replace('_', " "),
                one_line(c.before.as_deref().unwrap_or("—")),
                one_line(c.after.as_deref().unwrap_or("—"))
            )
        });
        Post {
            change_id: d.change_id,
            article_id: d.article.id,
            headline: format!("{lead}: {}", one_line(&d.article.title)),
            claim,
            article_url: d.links.article.clone(),
            archive_url: d.links.archive.clone(),
            image,
            detected_at: d.detected_at.clone(),
        }
    })
    .await
    .map_err(|e| SinkError::Payload(format!("post task failed: {e}")))
}

fn card_for(store: &Store, d: &ChangeData) -> Result<Image, String> {
    let versions = match (d.from_version, d.to_version) {
        (Some(a), Some(b)) => store
            .read(|c| {
                Ok((
                    articles::version(c, d.article.id, a)?,
                    articles::version(c, d.article.id, b)?,
                ))
            })
            .map_err(|e| e.to_string())?,
        _ => (None, None),
    };
    let input = match versions {
        (Some(old), Some(new)) => {
            let outlet = crate::card::outlet_name(d.feed.name.as_deref(), &d.article.url);
            crate::card::CardInput::from_versions(&outlet, &old, &new)
        }
        _ => crate::card::CardInput::from_change(d),
    };
    let card = crate::card::render(&input).map_err(|e| e.to_string())?;
    Ok(Image {
        png: card.png,
        width: card.width,
        height: card.height,
        alt: card.alt,
    })
}

/// The changes a delivery posts: one post per change, oldest first (a digest of a burst is
/// still one post per change, each in its article's thread).
pub fn changes(delivery: &Delivery) -> Vec<&ChangeData> {
    delivery.changes()
}

/// How long a post waits for the archived copy of its version before it goes without the
/// link: captures take seconds to a minute; an archive that is down must not hold the news.
pub const ARCHIVE_WAIT: std::time::Duration = std::time::Duration::from_secs(600);
/// Pause between two looks at a capture a post waits for.
pub const ARCHIVE_RECHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// `Err(NotYet)` while the new version's capture is still in the outbox and the change is
/// younger than `ARCHIVE_WAIT`, so the post can carry the archive link.
pub async fn wait_for_capture(store: &Store, d: &ChangeData) -> Result<(), SinkError> {
    let Some(seq) = d.to_version else {
        return Ok(());
    };
    let age_ms = chrono::DateTime::parse_from_rfc3339(&d.detected_at)
        .map(|t| unix_now_ms() - t.timestamp_millis())
        .unwrap_or(i64::MAX);
    if d.links.archive.is_some()
        || age_ms > i64::try_from(ARCHIVE_WAIT.as_millis()).unwrap_or(i64::MAX)
    {
        return Ok(());
    }
    let (s, article) = (store.clone(), d.article.id);
    if blocking(move || s.read(|c| archives::capture_pending(c, article, seq))).await? {
        return Err(SinkError::NotYet {
            what: format!(
                "waiting for the archived copy of {} to link it",
                crate::ids::version(article, seq)
            ),
            retry_after: ARCHIVE_RECHECK,
        });
    }
    Ok(())
}

pub async fn last_post(
    store: &Store,
    article_id: i64,
    alert: &str,
) -> Result<Option<PostRow>, SinkError> {
    let (store, alert) = (store.clone(), alert.to_string());
    blocking(move || store.read(|c| archives::last_post(c, article_id, &alert))).await
}

pub async fn already_posted(store: &Store, alert: &str, change_id: i64) -> Result<bool, SinkError> {
    let (store, alert) = (store.clone(), alert.to_string());
    blocking(move || store.read(|c| archives::change_posted(c, &alert, change_id))).await
}

pub async fn record(store: &Store, row: PostRow) -> Result<(), SinkError> {
    let store = store.clone();
    blocking(move || store.write(|tx| archives::insert_post(tx, &row))).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, SinkError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SinkError::Payload(format!("store task failed: {e}")))?
        .map_err(|e| SinkError::Payload(e.to_string()))
}

pub fn now_ms() -> i64 {
    unix_now_ms()
}
