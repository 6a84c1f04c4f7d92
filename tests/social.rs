//! The Mastodon and Bluesky sinks against loopback fakes that check what the real services
//! expect (docs.joinmastodon.org methods/media and methods/statuses; docs.bsky.app
//! advanced-guides/posts and post-richtext): the card uploaded as a PNG with its alt text,
//! the status/post naming it, link facets at the right UTF-8 byte offsets, the second post
//! about an article replying to the first, a 500 after the service stored the post still
//! making one post (Idempotency-Key; a stable record key), and a 429 waited out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use redline::alert::dispatch::Dispatcher;
use redline::config::{SinkConfig, Trigger};
use unicode_segmentation::UnicodeSegmentation;

use crate::util::{FeedServer, Route, TestEnv, rss};

const TOKEN: &str = "mastodon-token-4Rk9";
const HANDLE: &str = "tidewater-edits.bsky.social";
const APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";
const DID: &str = "did:plc:tidewatertest01";

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn header(h: &HeaderMap, k: &str) -> String {
    h.get(k)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Splits a multipart body into (headers, content) parts, as a server reads it.
fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return vec![];
    };
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(i) = find(rest, delim.as_bytes()) {
        rest = &rest[i + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest2 = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let Some(h_end) = find(rest2, b"\r\n\r\n") else {
            break;
        };
        let headers = String::from_utf8_lossy(&rest2[..h_end]).to_string();
        let content = &rest2[h_end + 4..];
        let Some(next) = find(content, format!("\r\n{delim}").as_bytes()) else {
            break;
        };
        parts.push((headers, content[..next].to_vec()));
        rest = &content[next + 2..];
    }
    parts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------- Mastodon

/// A status the fake made: its id and the form fields it was posted with.
type Status = (String, Vec<(String, String)>);
/// A post record the fake stored: rkey, uri, cid, record.
type Record = (String, String, String, serde_json::Value);

#[derive(Clone, Default)]
struct Masto {
    problems: Arc<Mutex<Vec<String>>>,
    /// (description, png bytes) per upload.
    media: Arc<Mutex<Vec<(String, usize)>>>,
    /// Statuses created: (id, form fields).
    statuses: Arc<Mutex<Vec<Status>>>,
    by_key: Arc<Mutex<HashMap<String, String>>>,
    /// Store the status, then answer 500 (a lost answer), this many times.
    lose_answer: Arc<AtomicUsize>,
    /// Answer 429 Retry-After: 1 to this many media uploads.
    limit_media: Arc<AtomicUsize>,
    media_times: Arc<Mutex<Vec<Instant>>>,
}

fn take(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
        .is_ok()
}

async fn masto_media(State(m): State<Masto>, h: HeaderMap, body: Bytes) -> Response {
    if header(&h, "authorization") != format!("Bearer {TOKEN}") {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "The access token is invalid"}),
        );
    }
    m.media_times.lock().expect("lock").push(Instant::now());
    if take(&m.limit_media) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "Too many requests",
        )
            .into_response();
    }
    let parts = multipart_parts(&header(&h, "content-type"), &body);
    let desc = parts
        .iter()
        .find(|(hd, _)| hd.contains("name=\"description\""))
        .map(|(_, c)| String::from_utf8_lossy(c).to_string());
    let file = parts.iter().find(|(hd, _)| {
        hd.contains("name=\"file\"")
            && hd.contains("filename=")
            && hd.contains("Content-Type: image/png")
    });
    let (Some(desc), Some((_, png))) = (desc, file) else {
        m.problems.lock().expect("lock").push(format!(
            "media parts: {:?}",
            parts.iter().map(|p| &p.0).collect::<Vec<_>>()
        ));
        return json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({"error": "Validation failed: File can't be blank"}),
        );
    };
    if !png.starts_with(PNG_MAGIC) || desc.trim().is_empty() || desc.chars().count() > 1500 {
        m.problems.lock().expect("lock").push(format!(
            "media: png {} bytes, description {desc:?}",
            png.len()
        ));
    }
    let mut media = m.media.lock().expect("lock");
    media.push((desc, png.len()));
    let id = format!("1090{}", media.len());
    json(
        StatusCode::OK,
        serde_json::json!({"id": id, "type": "image", "url": format!("https://files.example/{id}.png")}),
    )
}

async fn masto_status(State(m): State<Masto>, h: HeaderMap, body: String) -> Response {
    if header(&h, "authorization") != format!("Bearer {TOKEN}") {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "The access token is invalid"}),
        );
    }
    if header(&h, "content-type") != "application/x-www-form-urlencoded" {
        m.problems.lock().expect("lock").push(format!(
            "status content-type {}",
            header(&h, "content-type")
        ));
    }
    let key = header(&h, "idempotency-key");
    if key.is_empty() {
        m.problems
            .lock()
            .expect("lock")
            .push("status without Idempotency-Key".into());
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Mastodon answers a repeated key with the status it made the first time.
    if let Some(id) = m.by_key.lock().expect("lock").get(&key) {
        return json(
            StatusCode::OK,
            serde_json::json!({"id": id, "url": format!("https://social.example/@desk/{id}")}),
        );
    }
    let media_known: Vec<String> = (1..=m.media.lock().expect("lock").len())
        .map(|n| format!("1090{n}"))
        .collect();
    for (k, v) in &fields {
        if k == "media_ids[]" && !media_known.contains(v) {
            m.problems
                .lock()
                .expect("lock")
                .push(format!("unknown media id {v}"));
        }
    }
    let status = fields
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if status.chars().count() > 500 || status.is_empty() {
        m.problems.lock().expect("lock").push(format!(
            "status text of {} characters",
            status.chars().count()
        ));
    }
    let mut statuses = m.statuses.lock().expect("lock");
    let id = format!("11350{}", statuses.len() + 1);
    statuses.push((id.clone(), fields));
    m.by_key.lock().expect("lock").insert(key, id.clone());
    if take(&m.lose_answer) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "We're sorry, but something went wrong",
        )
            .into_response();
    }
    json(
        StatusCode::OK,
        serde_json::json!({"id": id, "url": format!("https://social.example/@desk/{id}")}),
    )
}

async fn start_masto() -> (String, Masto) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let m = Masto::default();
    let app = axum::Router::new()
        .route("/api/v2/media", axum::routing::post(masto_media))
        .route("/api/v1/statuses", axum::routing::post(masto_status))
        .with_state(m.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/"), m)
}

// ---------------------------------------------------------------- Bluesky

#[derive(Clone, Default)]
struct Pds {
    problems: Arc<Mutex<Vec<String>>>,
    sessions: Arc<AtomicUsize>,
    blobs: Arc<AtomicUsize>,
    /// rkey → (uri, cid, record)
    records: Arc<Mutex<Vec<Record>>>,
    lose_answer: Arc<AtomicUsize>,
    limit_create: Arc<AtomicUsize>,
    create_times: Arc<Mutex<Vec<Instant>>>,
}

fn authed(h: &HeaderMap) -> bool {
    header(h, "authorization") == "Bearer access-jwt-1"
}

async fn pds_session(State(p): State<Pds>, h: HeaderMap, body: String) -> Response {
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if !header(&h, "content-type").starts_with("application/json")
        || v["identifier"] != HANDLE
        || v["password"] != APP_PASSWORD
    {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
        );
    }
    p.sessions.fetch_add(1, Ordering::SeqCst);
    json(
        StatusCode::OK,
        serde_json::json!({"accessJwt": "access-jwt-1", "refreshJwt": "refresh-jwt-1", "handle": HANDLE, "did": DID}),
    )
}

async fn pds_blob(State(p): State<Pds>, h: HeaderMap, body: Bytes) -> Response {
    if !authed(&h) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "AuthenticationRequired"}),
        );
    }
    if header(&h, "content-type") != "image/png"
        || !body.starts_with(PNG_MAGIC)
        || body.len() > 1_000_000
    {
        p.problems.lock().expect("lock").push(format!(
            "blob: {} {} bytes",
            header(&h, "content-type"),
            body.len()
        ));
    }
    let n = p.blobs.fetch_add(1, Ordering::SeqCst) + 1;
    json(
        StatusCode::OK,
        serde_json::json!({"blob": {"$type": "blob", "ref": {"$link": format!("bafkreiblob{n}")}, "mimeType": "image/png", "size": body.len()}}),
    )
}

async fn pds_get(State(p): State<Pds>, h: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let q: HashMap<String, String> = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !authed(&h) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "AuthenticationRequired"}),
        );
    }
    let rkey = q.get("rkey").cloned().unwrap_or_default();
    if q.get("repo").map(String::as_str) != Some(DID)
        || q.get("collection").map(String::as_str) != Some("app.bsky.feed.post")
    {
        p.problems
            .lock()
            .expect("lock")
            .push(format!("getRecord query {q:?}"));
    }
    match p.records.lock().expect("lock").iter().find(|r| r.0 == rkey) {
        Some((_, uri, cid, value)) => json(
            StatusCode::OK,
            serde_json::json!({"uri": uri, "cid": cid, "value": value}),
        ),
        None => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "RecordNotFound", "message": "Could not locate record"}),
        ),
    }
}

/// Checks a post record as the app.bsky.feed.post lexicon wants it.
fn check_post(record: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    let text = record["text"].as_str().unwrap_or("");
    if record["$type"] != "app.bsky.feed.post" {
        problems.push("record $type".into());
    }
    if text.graphemes(true).count() > 300 {
        problems.push(format!(
            "text of {} graphemes",
            text.graphemes(true).count()
        ));
    }
    if record["createdAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_none()
    {
        problems.push(format!("createdAt {}", record["createdAt"]));
    }
    for f in record["facets"].as_array().into_iter().flatten() {
        let (s, e) = (
            f["index"]["byteStart"].as_u64(),
            f["index"]["byteEnd"].as_u64(),
        );
        let uri = f["features"][0]["uri"].as_str().unwrap_or("");
        let shown = match (s, e) {
            (Some(s), Some(e)) if s < e && (e as usize) <= text.len() => {
                text.get(s as usize..e as usize)
            }
            _ => None,
        };
        match shown {
            Some(shown)
                if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"
                    && uri.contains(shown.trim_end_matches('…')) => {}
            _ => problems.push(format!("facet {f} over {text:?}")),
        }
    }
    let images = &record["embed"]["images"];
    if record["embed"]["$type"] != "app.bsky.embed.images"
        || images[0]["alt"].as_str().is_none_or(str::is_empty)
        || images[0]["image"]["ref"]["$link"].as_str().is_none()
        || images[0]["aspectRatio"]["width"].as_u64().is_none()
    {
        problems.push(format!("embed {}", record["embed"]));
    }
    problems
}

async fn pds_create(State(p): State<Pds>, h: HeaderMap, body: String) -> Response {
    if !authed(&h) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "AuthenticationRequired"}),
        );
    }
    p.create_times.lock().expect("lock").push(Instant::now());
    if take(&p.limit_create) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "Rate Limit Exceeded",
        )
            .into_response();
    }
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let mut problems = check_post(&v["record"]);
    if v["repo"] != DID || v["collection"] != "app.bsky.feed.post" {
        problems.push(format!("repo/collection {} {}", v["repo"], v["collection"]));
    }
    let rkey = v["rkey"].as_str().unwrap_or("").to_string();
    if rkey.len() != 13 {
        problems.push(format!("rkey {rkey}"));
    }
    let mut records = p.records.lock().expect("lock");
    if records.iter().any(|r| r.0 == rkey) {
        problems.push(format!("second createRecord for {rkey}"));
    }
    p.problems.lock().expect("lock").extend(problems);
    let uri = format!("at://{DID}/app.bsky.feed.post/{rkey}");
    let cid = format!("bafyreipost{}", records.len() + 1);
    records.push((rkey, uri.clone(), cid.clone(), v["record"].clone()));
    if take(&p.lose_answer) {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"error": "InternalServerError"}),
        );
    }
    json(StatusCode::OK, serde_json::json!({"uri": uri, "cid": cid}))
}

async fn start_pds() -> (String, Pds) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let p = Pds::default();
    let app = axum::Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            axum::routing::post(pds_session),
        )
        .route(
            "/xrpc/com.atproto.repo.uploadBlob",
            axum::routing::post(pds_blob),
        )
        .route(
            "/xrpc/com.atproto.repo.getRecord",
            axum::routing::get(pds_get),
        )
        .route(
            "/xrpc/com.atproto.repo.createRecord",
            axum::routing::post(pds_create),
        )
        .with_state(p.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/"), p)
}

// ---------------------------------------------------------------- the story

fn harbour_feed(height: &str) -> String {
    rss(&[(
        "harbour-wall-2026",
        "https://tidewater.example/news/harbour-wall",
        "Harbour wall to be raised after winter storms — «\u{a0}Saint-Malo\u{a0}» 🌊",
        &format!(
            "The port authority will raise the harbour wall by {height} before next winter, its chair said on Monday.\n\nWork starts in March."
        ),
    )])
}

fn dispatcher(env: &TestEnv) -> Dispatcher {
    let mut config = env.config.clone();
    config.delivery.retry_base = Duration::from_millis(50);
    Dispatcher::from_config(env.store.clone(), &config).expect("dispatcher")
}

/// Two edits of one article, each delivered before the next.
async fn two_edits(env: &mut TestEnv, feeds: &FeedServer) {
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    env.add_feed("tidewater", &feeds.url("/feed.xml"), false);
    env.poll("tidewater").await;
    for height in ["2 metres", "2.5 metres"] {
        feeds.set("/feed.xml", Route::xml(&harbour_feed(height)));
        let r = env.poll("tidewater").await;
        assert_eq!(r.claim_changes, 1, "{r:?}");
        let report = dispatcher(env).drain_until(Duration::from_secs(20)).await;
        assert_eq!(report.delivered, 1, "{report:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_gets_the_card_with_alt_text_and_the_second_status_replies_to_the_first() {
    let feeds = FeedServer::start().await;
    let (instance, masto) = start_masto().await;
    // The first status is stored but its answer is lost: the retry must not post it again.
    masto.lose_answer.store(1, Ordering::SeqCst);
    masto.limit_media.store(1, Ordering::SeqCst);
    let mut env = TestEnv::new();
    env.config.alerts.push(crate::util::alert_config(
        "masto",
        SinkConfig::Mastodon {
            instance: instance.parse().expect("url"),
            token: TOKEN.into(),
        },
        Trigger::Claims,
    ));
    two_edits(&mut env, &feeds).await;

    assert!(
        masto.problems.lock().expect("lock").is_empty(),
        "{:?}",
        masto.problems.lock().expect("lock")
    );
    let statuses = masto.statuses.lock().expect("lock").clone();
    assert_eq!(statuses.len(), 2, "one status per change: {statuses:?}");
    let field = |i: usize, k: &str| {
        statuses[i]
            .1
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let first = field(0, "status").expect("status");
    assert!(first.contains("Harbour wall to be raised"), "{first}");
    assert!(first.contains("1.2 metres → 2 metres"), "{first}");
    assert!(
        first.contains("https://tidewater.example/news/harbour-wall"),
        "{first}"
    );
    assert!(field(0, "media_ids[]").is_some());
    assert_eq!(field(0, "in_reply_to_id"), None);
    assert_eq!(
        field(1, "in_reply_to_id").as_deref(),
        Some(statuses[0].0.as_str())
    );
    let media = masto.media.lock().expect("lock").clone();
    assert!(media.len() >= 2);
    assert!(
        media[0].0.contains("2 metres"),
        "alt text says the change: {}",
        media[0].0
    );
    // The 429 on the first upload was waited out (Retry-After: 1).
    let times = masto.media_times.lock().expect("lock").clone();
    assert!(
        times[1].duration_since(times[0]) >= Duration::from_millis(950),
        "{times:?}"
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM article_posts WHERE alert = 'masto'"),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bluesky_posts_the_card_with_link_facets_and_threads_the_second_post() {
    let feeds = FeedServer::start().await;
    let (pds, fake) = start_pds().await;
    fake.lose_answer.store(1, Ordering::SeqCst);
    fake.limit_create.store(1, Ordering::SeqCst);
    let mut env = TestEnv::new();
    env.config.alerts.push(crate::util::alert_config(
        "bsky",
        SinkConfig::Bluesky {
            pds: pds.parse().expect("url"),
            handle: HANDLE.into(),
            password: APP_PASSWORD.into(),
        },
        Trigger::Claims,
    ));
    two_edits(&mut env, &feeds).await;

    assert!(
        fake.problems.lock().expect("lock").is_empty(),
        "{:?}",
        fake.problems.lock().expect("lock")
    );
    let records = fake.records.lock().expect("lock").clone();
    assert_eq!(
        records.len(),
        2,
        "one post per change, the lost answer found again"
    );
    let (first, second) = (&records[0], &records[1]);
    let text = first.3["text"].as_str().expect("text");
    assert!(text.contains("1.2 metres → 2 metres"), "{text}");
    assert!(first.3.get("reply").is_none());
    assert_eq!(second.3["reply"]["parent"]["uri"], first.1.as_str());
    assert_eq!(second.3["reply"]["parent"]["cid"], first.2.as_str());
    assert_eq!(second.3["reply"]["root"]["uri"], first.1.as_str());
    // The link facet spans exactly the shown link, after the multi-byte headline.
    let f = &first.3["facets"][0];
    let (s, e) = (
        f["index"]["byteStart"].as_u64().expect("start") as usize,
        f["index"]["byteEnd"].as_u64().expect("end") as usize,
    );
    assert_eq!(&text[s..e], "tidewater.example/news/harbour-…");
    assert_eq!(
        f["features"][0]["uri"],
        "https://tidewater.example/news/harbour-wall"
    );
    assert!(
        text[..s].len() > text[..s].chars().count(),
        "offsets are bytes, not characters"
    );
    let alt = first.3["embed"]["images"][0]["alt"].as_str().expect("alt");
    assert!(alt.contains("2 metres"), "{alt}");
    assert_eq!(
        fake.sessions.load(Ordering::SeqCst),
        1,
        "the session is reused"
    );
    let times = fake.create_times.lock().expect("lock").clone();
    assert!(
        times[1].duration_since(times[0]) >= Duration::from_millis(950),
        "429 waited out: {times:?}"
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM article_posts WHERE alert = 'bsky' AND post_cid IS NOT NULL"
        ),
        2
    );
}

/// The "done when": a version archived, carded and posted end to end. The status
/// waits for the capture of the new version and links it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_waits_for_the_capture_and_links_the_archived_copy() {
    let feeds = FeedServer::start().await;
    let (instance, masto) = start_masto().await;
    let (spn_url, _spn) = crate::archive::start_spn().await;
    let mut env = TestEnv::new();
    env.config.archive = crate::archive::archive_config(&spn_url);
    env.config.alerts.push(crate::util::alert_config(
        "masto",
        SinkConfig::Mastodon {
            instance: instance.parse().expect("url"),
            token: TOKEN.into(),
        },
        Trigger::Claims,
    ));
    feeds.set("/feed.xml", Route::xml(&harbour_feed("1.2 metres")));
    env.add_feed("tidewater", &feeds.url("/feed.xml"), false);
    env.poll("tidewater").await;
    feeds.set("/feed.xml", Route::xml(&harbour_feed("2 metres")));
    env.poll("tidewater").await;
    let report = dispatcher(&env).drain_until(Duration::from_secs(20)).await;
    assert_eq!(
        report.delivered, 3,
        "two captures and the status: {report:?}"
    );
    let statuses = masto.statuses.lock().expect("lock").clone();
    assert_eq!(statuses.len(), 1);
    let text = &statuses[0]
        .1
        .iter()
        .find(|(k, _)| k == "status")
        .expect("status")
        .1;
    let capture: String = env
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT capture_url FROM version_archives a JOIN versions v ON v.id = a.version_id WHERE v.seq = 2",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("capture of v2");
    assert!(text.contains(&format!("Archived: {capture}")), "{text}");
    let media = masto.media.lock().expect("lock").clone();
    assert_eq!(media.len(), 1, "the card went with it");
}
