//! The web UI and API over HTTP: a database filled by real polls of a loopback feed server,
//! the router served in-process on 127.0.0.1, every route checked for status, content type,
//! security headers, escaping and its 4xx answers.

use std::time::Duration;

use redline::web::{self, WebOptions};
use tokio_util::sync::CancellationToken;

use crate::util::{FeedServer, Route, TestEnv, rss};

/// The markup a hostile feed puts in a headline; it must come back as text.
pub const HOSTILE_TITLE: &str = "Council <script>window.__redline_pwned = 1</script> vote <img src=x onerror=\"window.__redline_pwned=2\"> delayed";

const FLOOD_V1: &str = "Floodwater reached the harbour district early on Tuesday, forcing the evacuation of about 1,200 residents, city officials said.\n\nThe council estimated the damage at less than $6 million.\n\nVolunteers filled sandbags along the quay through the night.";
const FLOOD_V2: &str = "Floodwater reached the harbour district early on Tuesday, forcing the evacuation of about 1,400 residents, city officials said.\n\nThe council estimated the damage at about $5.6 million.\n\nVolunteers filled sandbags along the quay through the night.";
const FLOOD_V3: &str = "Floodwater reached the harbour district early on Tuesday, forcing the evacuation of about 1,400 residents, city officials said.\n\nThe council estimated the damage at about $5.6 million.\n\nVolunteers filled sandbags along the quay through the night.\n\nThe river is expected to peak again on Thursday, the weather service said.";
const MAYOR_V1: &str = "\"We will rebuild every home,\" Mayor Ines Duarte said at a briefing on Wednesday.\n\nThe city has set aside an emergency fund for repairs.";
const MAYOR_V2: &str = "\"We will try to rebuild as many homes as we can,\" Mayor Ines Duarte said at a briefing on Wednesday.\n\nThe city has set aside an emergency fund for repairs.";
const VOTE_V1: &str = "The council postponed its budget vote until next week after a heated session.\n\nCouncillors disagreed over the flood relief package.";
const VOTE_V2: &str = "The council postponed its budget vote until next month after a heated session.\n\nCouncillors disagreed over the flood relief package.";

fn feed(flood: &str, mayor: &str, vote: &str) -> String {
    // Feed titles are read as HTML, so markup meant to survive as text is entity-escaped
    // once more: the stored headline is then the literal `<script>` text.
    let hostile = HOSTILE_TITLE.replace('<', "&lt;").replace('>', "&gt;");
    rss(&[
        (
            "chronicle-flood",
            "https://chronicle.example/news/harbour-flood",
            "Harbour district evacuated as river bursts its banks",
            flood,
        ),
        (
            "chronicle-mayor",
            "https://chronicle.example/news/mayor-pledge",
            "Mayor pledges to rebuild flooded homes",
            mayor,
        ),
        (
            "chronicle-vote",
            "https://chronicle.example/news/budget-vote",
            &hostile,
            vote,
        ),
    ])
}

/// A newsroom of three articles polled three times through the real pipeline: a number change
/// (flood, v1→v2), a quote change (mayor), a date change under a hostile headline (vote), and
/// a third flood version that adds a paragraph. Returns the env (it owns the database).
pub async fn fill_newsroom(server: &FeedServer) -> TestEnv {
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), false);
    for (flood, mayor, vote) in [
        (FLOOD_V1, MAYOR_V1, VOTE_V1),
        (FLOOD_V2, MAYOR_V2, VOTE_V2),
        (FLOOD_V3, MAYOR_V2, VOTE_V2),
    ] {
        server.set("/feed.xml", Route::xml(&feed(flood, mayor, vote)));
        let r = env.poll("chronicle").await;
        assert_eq!(r.error, None, "{r:?}");
    }
    env
}

/// The web UI on 127.0.0.1, in-process; stops when dropped.
pub struct WebServer {
    pub base: String,
    stop: CancellationToken,
}

impl WebServer {
    /// Listens on 127.0.0.1, with the Host check of a loopback listener (`opts.listen`).
    pub async fn start(db: &std::path::Path, opts: WebOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let local = listener.local_addr().expect("addr");
        let prefix = opts.base_path.trim_end_matches('/').to_string();
        let router = web::router(
            db,
            WebOptions {
                listen: Some(local),
                ..opts
            },
        )
        .expect("router over the test database");
        let base = format!("http://{local}{prefix}");
        let stop = CancellationToken::new();
        tokio::spawn(web::serve(listener, router, stop.clone()));
        Self { base, stop }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(crate) struct Got {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

pub(crate) async fn get(base: &str, path: &str) -> Got {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let res = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.text().await.expect("body");
    Got {
        status,
        content_type,
        headers,
        body,
    }
}

#[track_caller]
pub(crate) fn assert_page(g: &Got, path: &str, status: u16, content_type: &str) {
    assert_eq!(g.status, status, "{path}: {}", g.body);
    assert!(
        g.content_type.starts_with(content_type),
        "{path}: content type {}",
        g.content_type
    );
    let csp = g
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("script-src 'self'"), "{path}: CSP {csp}");
    assert!(!csp.contains("unsafe-inline"), "{path}: CSP {csp}");
    assert_eq!(
        g.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff"),
        "{path}"
    );
    assert!(g.headers.contains_key("referrer-policy"), "{path}");
}

/// The hostile headline's markup must be escaped wherever it is shown.
#[track_caller]
pub(crate) fn assert_escaped(g: &Got, path: &str) {
    assert!(
        !g.body.contains("<script>window.__redline_pwned"),
        "{path}: raw script tag in the page"
    );
    assert!(!g.body.contains("<img src=x"), "{path}: raw img tag");
}

async fn newsroom() -> (FeedServer, TestEnv, WebServer) {
    let server = FeedServer::start().await;
    let env = fill_newsroom(&server).await;
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    (server, env, web)
}

pub(crate) fn article_id(env: &TestEnv, guid: &str) -> i64 {
    env.store
        .read(|c| {
            Ok(
                c.query_row("SELECT id FROM articles WHERE guid = ?1", [guid], |r| {
                    r.get(0)
                })?,
            )
        })
        .expect("article")
}

#[tokio::test]
async fn changes_page_lists_edits_with_badges_facets_and_escaped_headlines() {
    let (_server, env, web) = newsroom().await;
    let g = get(&web.base, "/").await;
    assert_page(&g, "/", 200, "text/html");
    assert_escaped(&g, "/");
    let at = g.body.find("Council").unwrap_or(0);
    assert!(
        g.body.contains("&lt;script&gt;window.__redline_pwned"),
        "headline shown as text: {}",
        &g.body[at..(at + 300).min(g.body.len())]
    );
    assert!(g.body.contains("data-page=\"changes\""));
    // Three edits of the flood/mayor/vote articles plus the flood's third version.
    assert_eq!(g.body.matches("class=\"change\"").count(), 4, "{}", g.body);
    assert!(g.body.contains("data-kind=\"number_changed\""));
    assert!(g.body.contains("data-kind=\"quote_changed\""));
    let flood = article_id(&env, "chronicle-flood");
    assert!(g.body.contains(&format!("href=\"/a/a{flood}/v/1..2\"")));
    // The stylesheet and script are ours, hashed, and nothing else is loaded.
    assert!(g.body.contains("/assets/app."), "{}", g.body);
    assert!(!g.body.contains("https://cdn"), "no CDN");
    assert!(!g.body.contains("<script>"), "no inline script");

    // The kind facet narrows the list; its URL is canonical and has an Atom twin.
    let g = get(&web.base, "/?kind=number_changed").await;
    assert_page(&g, "/?kind=number_changed", 200, "text/html");
    assert_eq!(g.body.matches("class=\"change\"").count(), 1, "{}", g.body);
    assert!(g.body.contains("Harbour district evacuated"));
    assert!(
        g.body
            .contains("href=\"/changes.atom?kind=number_changed\"")
    );
    let atom = get(&web.base, "/changes.atom?kind=number_changed").await;
    assert_page(&atom, "/changes.atom", 200, "application/atom+xml");
    assert_eq!(atom.body.matches("<entry>").count(), 1, "{}", atom.body);
    assert!(atom.body.contains("number changed"));
    let all = get(&web.base, "/changes.atom").await;
    assert_escaped(&all, "/changes.atom");
    assert!(all.body.contains("&lt;script&gt;"), "{}", all.body);

    // Cursor pagination: one row a page, the next link leads on, no row twice.
    let mut path = "/?limit=1".to_string();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let g = get(&web.base, &path).await;
        assert_page(&g, &path, 200, "text/html");
        let id = g
            .body
            .split("data-change-id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a row")
            .to_string();
        assert!(!seen.contains(&id), "row {id} twice");
        seen.push(id);
        match g.body.split("id=\"next-page\" rel=\"next\" href=\"").nth(1) {
            Some(rest) => path = rest.split('"').next().expect("href").replace("&amp;", "&"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[tokio::test]
async fn diff_page_has_four_modes_anchors_and_downloads() {
    let (_server, env, web) = newsroom().await;
    let flood = article_id(&env, "chronicle-flood");
    let base = format!("/a/a{flood}/v/1..2");
    let g = get(&web.base, &base).await;
    assert_page(&g, &base, 200, "text/html");
    assert!(g.body.contains("class=\"claim-card\""), "{}", g.body);
    assert!(g.body.contains("id=\"c1\""));
    assert!(g.body.contains("$6 million") || g.body.contains("6 million"));
    // A figure changed and no correction notice came with it: the page says it was silent.
    assert!(g.body.contains("data-flag=\"silent\""), "{}", g.body);
    assert!(!g.body.contains("class=\"notice\""));
    assert!(
        g.body.contains("data-nav=\"next\""),
        "v1..2 has a next pair"
    );
    assert!(
        !g.body.contains("data-nav=\"prev\""),
        "v1..2 has no previous pair"
    );
    for mode in ["side", "inline", "changes"] {
        let path = format!("{base}?mode={mode}");
        let g = get(&web.base, &path).await;
        assert_page(&g, &path, 200, "text/html");
        assert!(g.body.contains(&format!("data-mode=\"{mode}\"")), "{path}");
        assert!(g.body.contains("id=\"s1\""), "{path}: sentence anchors");
        assert!(g.body.contains("<del>"), "{path}: {}", g.body);
        assert!(g.body.contains("<ins>"), "{path}");
        assert!(g.body.contains("aria-current=\"page\""), "{path}");
    }
    let changes_only = get(&web.base, &format!("{base}?mode=changes")).await;
    assert!(changes_only.body.contains("unchanged sentence"));

    let patch = get(&web.base, &format!("{base}.patch")).await;
    assert_page(&patch, "patch", 200, "text/x-patch");
    assert!(
        patch.body.contains(&format!("--- a{flood}v1")),
        "{}",
        patch.body
    );
    assert!(
        patch
            .body
            .contains("+The council estimated the damage at about $5.6 million.")
    );

    let json = get(&web.base, &format!("/api/v1/articles/a{flood}/diff/1..2")).await;
    assert_page(&json, "diff json", 200, "application/json");
    let doc: serde_json::Value = serde_json::from_str(&json.body).expect("json");
    assert_eq!(doc["schema"], "redline.diff");
    assert_eq!(doc["new"]["ref"], format!("a{flood}v2"));
    assert!(
        doc["claim_changes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["kind"] == "number_changed"))
    );

    // The hostile headline's diff page escapes it too.
    let vote = article_id(&env, "chronicle-vote");
    let path = format!("/a/a{vote}/v/1..2?mode=side");
    let g = get(&web.base, &path).await;
    assert_page(&g, &path, 200, "text/html");
    assert_escaped(&g, &path);
}

#[tokio::test]
async fn article_search_and_feeds_pages_render_real_data() {
    let (_server, env, web) = newsroom().await;
    let flood = article_id(&env, "chronicle-flood");
    let path = format!("/a/a{flood}");
    let g = get(&web.base, &path).await;
    assert_page(&g, &path, 200, "text/html");
    assert_eq!(
        g.body.matches("class=\"tl-version").count(),
        3,
        "{}",
        g.body
    );
    assert!(g.body.contains("has-claims"));
    assert!(g.body.contains("class=\"provenance\""));
    assert!(g.body.contains(&format!("href=\"/a/a{flood}/v/2..3\"")));
    // Feed-text versions record the feed fetch's status and "feed" as what made the text.
    assert_eq!(
        g.body.matches("<dt>HTTP status</dt><dd>200</dd>").count(),
        3,
        "{}",
        g.body
    );
    assert_eq!(g.body.matches("<dt>extractor</dt><dd>feed</dd>").count(), 3);
    let api = get(&web.base, &format!("/api/v1/articles/a{flood}")).await;
    assert_page(&api, "article json", 200, "application/json");
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["versions"].as_array().map(Vec::len), Some(3));
    assert!(doc["versions"][1]["share_changed"].as_f64().unwrap_or(0.0) > 0.0);
    for v in doc["versions"].as_array().into_iter().flatten() {
        assert_eq!(v["provenance"]["http_status"], 200, "{v}");
        assert_eq!(v["provenance"]["extractor"], "feed", "{v}");
    }

    let vote = article_id(&env, "chronicle-vote");
    let g = get(&web.base, &format!("/a/a{vote}")).await;
    assert_escaped(&g, "vote article");

    let g = get(&web.base, "/search?q=sandbags").await;
    assert_page(&g, "/search", 200, "text/html");
    assert!(
        g.body.contains(&format!("data-article=\"a{flood}\"")),
        "{}",
        g.body
    );
    // The header's box keeps the query on the search page.
    let header_box = g
        .body
        .split("id=\"search-box\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(header_box.contains("value=\"sandbags\""), "{}", g.body);
    let g = get(&web.base, "/search?q=%3Cscript%3E").await;
    assert_page(&g, "/search?q=<script>", 200, "text/html");
    assert!(!g.body.contains("value=\"<script>"), "search box escaped");
    let api = get(&web.base, "/api/v1/search?q=budget").await;
    assert_page(&api, "search json", 200, "application/json");
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["hits"][0]["article_id"], vote);

    let g = get(&web.base, "/feeds").await;
    assert_page(&g, "/feeds", 200, "text/html");
    assert!(g.body.contains("data-status=\"ok\""), "{}", g.body);
    let api = get(&web.base, "/api/v1/feeds").await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["feeds"][0]["articles"], 3);
    assert_eq!(doc["feeds"][0]["versions"], 7);

    let api = get(&web.base, "/api/v1/changes?limit=2").await;
    assert_page(&api, "changes json", 200, "application/json");
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["items"].as_array().map(Vec::len), Some(2));
    let next = doc["next_cursor"].as_str().expect("a next cursor");
    let api = get(&web.base, &format!("/api/v1/changes?limit=2&cursor={next}")).await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["items"].as_array().map(Vec::len), Some(2));
    assert!(doc["next_cursor"].is_null());

    // Every API document matches the schema it is served with.
    for (name, doc_path) in [
        ("changes", "/api/v1/changes".to_string()),
        ("search", "/api/v1/search?q=flood".to_string()),
        ("article", format!("/api/v1/articles/a{flood}")),
        ("feeds", "/api/v1/feeds".to_string()),
        ("diff", format!("/api/v1/articles/a{flood}/diff/1..3")),
    ] {
        let path = format!("/api/v1/schemas/{name}.json");
        let g = get(&web.base, &path).await;
        assert_page(&g, &path, 200, "application/schema+json");
        let schema: serde_json::Value = serde_json::from_str(&g.body).expect("schema is JSON");
        let doc: serde_json::Value =
            serde_json::from_str(&get(&web.base, &doc_path).await.body).expect("doc");
        conforms(&doc, &schema, &schema, name);
    }
}

#[tokio::test]
async fn assets_are_hashed_and_cached_for_a_year() {
    let (_server, _env, web) = newsroom().await;
    let page = get(&web.base, "/").await;
    for ext in ["css", "js"] {
        let href = page
            .body
            .split("/assets/app.")
            .skip(1)
            .map(|s| s.split('"').next().unwrap_or(""))
            .find(|s| s.ends_with(ext))
            .map(|s| format!("/assets/app.{s}"))
            .expect("asset link");
        let g = get(&web.base, &href).await;
        assert_page(
            &g,
            &href,
            200,
            if ext == "css" {
                "text/css"
            } else {
                "text/javascript"
            },
        );
        assert!(
            g.headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("max-age=31536000") && v.contains("immutable")),
            "{href}"
        );
    }
    // The icon too, declared so that no browser asks for /favicon.ico outside a base path.
    let icon = page
        .body
        .split("rel=\"icon\" type=\"image/svg+xml\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("icon link");
    assert!(
        icon.starts_with("/assets/icon.") && icon.ends_with(".svg"),
        "{icon}"
    );
    let g = get(&web.base, icon).await;
    assert_page(&g, icon, 200, "image/svg+xml");
    assert!(g.body.starts_with("<svg"), "{}", g.body);
    let g = get(&web.base, "/assets/app.00000000.css").await;
    assert_page(&g, "stale asset", 404, "text/html");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_the_reason_never_a_500() {
    let (_server, env, web) = newsroom().await;
    let flood = article_id(&env, "chronicle-flood");
    for (path, status, says) in [
        ("/a/a99999".to_string(), 404, "there is no article a99999"),
        ("/a/zzz".to_string(), 404, "not an article id"),
        (format!("/a/a{flood}/v/3..2"), 400, "must be older"),
        (format!("/a/a{flood}/v/2..2"), 400, "must be older"),
        (format!("/a/a{flood}/v/1..9"), 404, "has no version 9"),
        (
            format!("/a/a{flood}/v/one..two"),
            400,
            "not a version range",
        ),
        (
            format!("/a/a{flood}/v/1..2?mode=fancy"),
            400,
            "unknown mode",
        ),
        (
            "/?limit=100000".to_string(),
            400,
            "limit 100000 is out of range",
        ),
        ("/?cursor=garbage".to_string(), 400, "cursor"),
        ("/?kind=%3Cscript%3E".to_string(), 400, "unknown claim kind"),
        ("/?since=not-a-date".to_string(), 400, "is not a date"),
        ("/?limit=1&limit=2".to_string(), 400, "given twice"),
        ("/search?q=%22%22".to_string(), 400, "nothing to search"),
        ("/search?cursor=-5&q=x".to_string(), 400, "cursor"),
        ("/no/such/page".to_string(), 404, "there is no page"),
        ("/changes.atom?limit=0".to_string(), 400, "limit 0"),
    ] {
        let g = get(&web.base, &path).await;
        assert_page(&g, &path, status, "text/html");
        assert!(g.body.contains("id=\"error\""), "{path}");
        assert!(g.body.contains(says), "{path}: {}", g.body);
    }
    // A hostile value quoted back in an error is escaped.
    let g = get(&web.base, "/?kind=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!g.body.contains("<script>alert"), "{}", g.body);
    // The API answers in JSON, with the same reasons.
    for (path, status) in [
        ("/api/v1/changes?limit=5000".to_string(), 400),
        (format!("/api/v1/articles/a{flood}/diff/2..1"), 400),
        ("/api/v1/articles/a99999".to_string(), 404),
        ("/api/v1/nothing".to_string(), 404),
        ("/api/v1/schemas/nope.json".to_string(), 404),
    ] {
        let g = get(&web.base, &path).await;
        assert_page(&g, &path, status, "application/json");
        let doc: serde_json::Value = serde_json::from_str(&g.body).expect("json error");
        assert_eq!(doc["error"]["status"], status, "{path}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn a_poll_while_serving_is_not_blocked_and_shows_on_the_next_request() {
    let server = FeedServer::start().await;
    let env = fill_newsroom(&server).await;
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    let flood = article_id(&env, "chronicle-flood");
    let g = get(&web.base, &format!("/a/a{flood}")).await;
    assert_eq!(g.body.matches("class=\"tl-version").count(), 3);
    // The server holds read-only connections open; the writer must still get its lock.
    server.set("/feed.xml", Route::xml(&feed(FLOOD_V1, MAYOR_V2, VOTE_V2)));
    let r = tokio::time::timeout(Duration::from_secs(10), env.poll("chronicle"))
        .await
        .expect("the poll is not blocked by the web server");
    assert_eq!(r.error, None);
    assert_eq!(r.new_versions, 1, "{r:?}");
    let g = get(&web.base, &format!("/a/a{flood}")).await;
    assert_eq!(
        g.body.matches("class=\"tl-version").count(),
        4,
        "the new version shows"
    );
    assert!(g.body.contains("revert"), "v4 repeats v1: {}", g.body);
}

/// The part of JSON Schema our schemas use: `type`, `required`, `properties`, `items`, `enum`,
/// `const` and local `$ref`s. Enough to catch a field renamed, dropped or of another type.
#[track_caller]
fn conforms(v: &serde_json::Value, schema: &serde_json::Value, root: &serde_json::Value, at: &str) {
    use serde_json::Value;
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return conforms(v, &root["$defs"][name], root, at);
    }
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match &schema["type"] {
        Value::String(t) => assert!(
            t == kind || (t == "number" && kind == "integer"),
            "{at}: {kind}, schema says {t}"
        ),
        Value::Array(ts) => assert!(
            ts.iter()
                .any(|t| t == kind || (t == "number" && kind == "integer")),
            "{at}: {kind}, schema says {ts:?}"
        ),
        _ => {}
    }
    if let Some(options) = schema["enum"].as_array() {
        assert!(options.contains(v), "{at}: {v} not in {options:?}");
    }
    if !schema["const"].is_null() {
        assert_eq!(v, &schema["const"], "{at}");
    }
    if let (Some(obj), Some(props)) = (v.as_object(), schema["properties"].as_object()) {
        for req in schema["required"].as_array().into_iter().flatten() {
            let key = req.as_str().unwrap_or("");
            assert!(obj.contains_key(key), "{at}: missing `{key}`");
        }
        for key in obj.keys() {
            assert!(
                props.contains_key(key),
                "{at}: `{key}` is not in the schema"
            );
        }
        for (key, sub) in props {
            if let Some(x) = obj.get(key) {
                conforms(x, sub, root, &format!("{at}.{key}"));
            }
        }
    }
    if let (Some(items), Some(sub)) = (v.as_array(), schema.get("items")) {
        for (i, x) in items.iter().enumerate() {
            conforms(x, sub, root, &format!("{at}[{i}]"));
        }
    }
}

fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("redline did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_url_and_serves_the_database() {
    use std::io::BufRead;
    let server = FeedServer::start().await;
    let env = fill_newsroom(&server).await;
    let mut child = crate::util::redline_command()
        .args(["--db", env.db_path().to_str().expect("path")])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("REDLINE_CONFIG")
        .current_dir(env.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(env.dir.path().join("serve.log")).expect("log"))
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read");
        line
    })
    .await
    .expect("reader");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| {
            panic!(
                "no URL in {line:?}; stderr: {}",
                std::fs::read_to_string(env.dir.path().join("serve.log")).unwrap_or_default()
            )
        });
    let g = get(&base, "/").await;
    assert_page(&g, "/", 200, "text/html");
    assert!(g.body.contains("Harbour district evacuated"));
    let status = tokio::task::block_in_place(|| terminate(&mut child));
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_web_listen_serves_what_it_polls() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", Route::xml(&feed(FLOOD_V1, MAYOR_V1, VOTE_V1)));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[web]\nlisten = \"127.0.0.1:{port}\"\n\
             [[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    let mut child = crate::util::redline_command()
        .args([
            "--config",
            dir.path().join("redline.toml").to_str().expect("path"),
        ])
        .args([
            "--db",
            dir.path().join("redline.db").to_str().expect("path"),
        ])
        .arg("run")
        .env_remove("NOTIFY_SOCKET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn run");
    let db = dir.path().join("redline.db");
    crate::util::wait_for_async("the first poll", Duration::from_secs(20), || {
        crate::util::count_in(&db, "SELECT COUNT(*) FROM versions") == 3
    })
    .await;
    let base = format!("http://127.0.0.1:{port}");
    let g = get(&base, "/search?q=sandbags").await;
    assert_page(&g, "/search", 200, "text/html");
    assert!(g.body.contains("class=\"hit\""), "{}", g.body);
    let status = tokio::task::block_in_place(|| terminate(&mut child));
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn feeds_page_shows_a_failing_feed_with_its_error_and_wait() {
    let server = FeedServer::start().await;
    let mut env = fill_newsroom(&server).await;
    server.set(
        "/down.xml",
        Route::Status(503, vec![("retry-after", "7200".to_string())]),
    );
    env.add_feed("harbour-wire", &server.url("/down.xml"), false);
    let r = env.poll("harbour-wire").await;
    assert!(r.error.is_some(), "{r:?}");
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    let g = get(&web.base, "/feeds").await;
    assert_page(&g, "/feeds", 200, "text/html");
    assert!(g.body.contains("data-status=\"failing\""), "{}", g.body);
    assert!(
        g.body.contains("503"),
        "the error message is shown: {}",
        g.body
    );
    let api = get(&web.base, "/api/v1/feeds").await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let down = doc["feeds"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "harbour-wire"))
        .expect("the failing feed")
        .clone();
    assert_eq!(down["error_streak"], 1);
    // Retry-After: 2 hours holds the next poll back at least that long.
    let next = chrono::DateTime::parse_from_rfc3339(down["backoff_until"].as_str().expect("set"))
        .expect("rfc3339");
    assert!(
        next.timestamp() >= chrono::Utc::now().timestamp() + 7000,
        "{down}"
    );
}

#[tokio::test]
async fn serving_before_the_database_exists_shows_it_once_it_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let later = dir.path().join("later.db");
    let web = WebServer::start(&later, WebOptions::default()).await;
    let g = get(&web.base, "/").await;
    assert_page(&g, "/", 200, "text/html");
    assert!(g.body.contains("id=\"no-changes\""), "{}", g.body);
    assert!(!later.exists(), "serving never creates the database");
    let server = FeedServer::start().await;
    let env = fill_newsroom(&server).await;
    let target = later.to_str().expect("path").to_string();
    env.store
        .read(|c| {
            c.execute("VACUUM INTO ?1", [&target])?;
            Ok(())
        })
        .expect("copy the database");
    let g = get(&web.base, "/").await;
    assert_eq!(g.body.matches("class=\"change\"").count(), 4, "{}", g.body);
}

#[tokio::test]
async fn a_silent_connection_is_closed_and_frees_its_slot() {
    use tokio::io::AsyncReadExt;
    let server = FeedServer::start().await;
    let env = fill_newsroom(&server).await;
    let router = web::router(&env.db_path(), WebOptions::default()).expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = CancellationToken::new();
    // One connection at a time, closed after 300 ms of silence.
    tokio::spawn(web::serve_bounded(
        listener,
        router,
        stop.clone(),
        1,
        Duration::from_millis(300),
    ));
    let started = std::time::Instant::now();
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
        .await
        .expect("the server closes a silent connection")
        .unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // The only slot is free again: a real request is served.
    let g = get(&format!("http://{addr}"), "/feeds").await;
    assert_page(&g, "/feeds", 200, "text/html");
    stop.cancel();
}

/// The article refs of a search page's hits, in order.
fn hit_refs(body: &str) -> Vec<String> {
    body.split("class=\"hit\" data-article=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(String::from))
        .collect()
}

fn api_hits(body: &str) -> Vec<i64> {
    let doc: serde_json::Value = serde_json::from_str(body).expect("search json");
    doc["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["article_id"].as_i64())
        .collect()
}

#[tokio::test]
async fn search_facets_narrow_hits_to_articles_with_a_matching_change() {
    let (_server, env, web) = newsroom().await;
    let flood = article_id(&env, "chronicle-flood");
    let mayor = article_id(&env, "chronicle-mayor");
    let vote = article_id(&env, "chronicle-vote");
    // `flood*` matches all three articles' latest text or headline.
    let mut all = api_hits(&get(&web.base, "/api/v1/search?q=flood*").await.body);
    all.sort();
    let mut want = vec![flood, mayor, vote];
    want.sort();
    assert_eq!(all, want);

    // Kind: only the article whose change carries that claim kind, on the page and the API.
    let g = get(&web.base, "/search?q=flood*&kind=number_changed").await;
    assert_page(&g, "/search?kind=number_changed", 200, "text/html");
    assert_eq!(hit_refs(&g.body), vec![format!("a{flood}")], "{}", g.body);
    // The facet survives in the page's links (canonical order: kinds as ClaimKind::ALL).
    assert!(
        g.body
            .contains("href=\"/api/v1/search?q=flood*&amp;kind=number_changed\""),
        "{}",
        g.body
    );
    assert!(g.body.contains("name=\"kind\" value=\"number_changed\""));
    let api = get(&web.base, "/api/v1/search?q=flood*&kind=quote_changed").await;
    assert_page(&api, "search json kind", 200, "application/json");
    assert_eq!(api_hits(&api.body), vec![mayor]);
    let mut two = api_hits(
        &get(
            &web.base,
            "/api/v1/search?q=flood*&kind=quote_changed,number_changed",
        )
        .await
        .body,
    );
    two.sort();
    let mut want = vec![flood, mayor];
    want.sort();
    assert_eq!(two, want);

    // Silent and stealth keep exactly the articles the changes page lists for that flag.
    for flag in ["silent=1", "silent=0", "stealth=1", "stealth=0"] {
        let ch = get(&web.base, &format!("/api/v1/changes?{flag}")).await;
        let doc: serde_json::Value = serde_json::from_str(&ch.body).expect("changes json");
        let mut expect: Vec<i64> = doc["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["article_id"].as_i64())
            .collect();
        expect.sort();
        expect.dedup();
        let path = format!("/api/v1/search?q=flood*&{flag}");
        let mut got = api_hits(&get(&web.base, &path).await.body);
        got.sort();
        assert_eq!(got, expect, "{path}");
    }
    // The feed shows no notices: the claim-carrying edits (flood, mayor) are silent, the
    // vote's has no claim change so is not; no feed text has a modified stamp, so all stealth.
    assert_eq!(
        api_hits(
            &get(&web.base, "/api/v1/search?q=flood*&silent=0")
                .await
                .body
        ),
        vec![vote]
    );
    assert!(
        api_hits(
            &get(&web.base, "/api/v1/search?q=flood*&stealth=0")
                .await
                .body
        )
        .is_empty()
    );
    let g = get(&web.base, "/search?q=flood*&silent=1&kind=number_changed").await;
    assert_eq!(hit_refs(&g.body), vec![format!("a{flood}")], "{}", g.body);
    assert!(
        g.body
            .contains("data-flag=\"silent\" data-value=\"yes\" aria-pressed=\"true\"")
    );

    // Date range: changes recorded now are in a range around now and none before 2000.
    let g = get(&web.base, "/search?q=flood*&until=2000-01-01").await;
    assert_page(&g, "/search?until=2000-01-01", 200, "text/html");
    assert!(hit_refs(&g.body).is_empty(), "{}", g.body);
    assert!(
        g.body
            .contains("/api/v1/search?q=flood*&amp;until=2000-01-02T00%3A00%3A00Z"),
        "{}",
        g.body
    );
    assert_eq!(
        api_hits(
            &get(
                &web.base,
                "/api/v1/search?q=flood*&since=2000-01-01&silent=0"
            )
            .await
            .body
        ),
        vec![vote]
    );

    // Malformed facets: a 400 naming the parameter, on the page and in the API.
    for (path, says) in [
        ("/search?q=flood&kind=bogus", "unknown claim kind `bogus`"),
        ("/search?q=flood&silent=maybe", "`silent=maybe`"),
        ("/search?q=flood&stealth=2", "`stealth=2`"),
        (
            "/search?q=flood&since=yesterday",
            "`since=yesterday` is not a date",
        ),
        (
            "/search?q=flood&since=2026-02-01&until=2026-01-01",
            "`since` must be before",
        ),
        ("/search?q=flood&cosmetic=1", "unknown parameter `cosmetic`"),
    ] {
        let g = get(&web.base, path).await;
        assert_page(&g, path, 400, "text/html");
        assert!(g.body.contains(says), "{path}: {}", g.body);
        let api = format!("/api/v1{path}");
        let g = get(&web.base, &api).await;
        assert_page(&g, &api, 400, "application/json");
        assert!(g.body.contains(says), "{api}: {}", g.body);
    }
}

/// A full-text version's provenance names the page fetch's status and the extractor build.
#[tokio::test]
async fn page_version_provenance_shows_page_status_and_extractor() {
    let server = FeedServer::start().await;
    let page_url = server.url("/news/ferry-timetable");
    server.set(
        "/feed.xml",
        Route::xml(&rss(&[(
            "chronicle-ferry",
            &page_url,
            "Ferry timetable cut for winter",
            "The island ferry will run four times a day.",
        )])),
    );
    let paras = [
        "The island ferry will run four crossings a day from December, down from six, the operator said on Monday.",
        "Commuters who rely on the early sailing said the change would add an hour to their working day.",
        "The operator blamed rising fuel costs and a shortage of licensed crew for the reduced winter service.",
    ];
    let body: String = paras.iter().map(|p| format!("<p>{p}</p>")).collect();
    let page = format!(
        "<!doctype html><html><head><title>Ferry timetable cut for winter</title></head>\
         <body><article><h1>Ferry timetable cut for winter</h1>{body}</article></body></html>"
    );
    // The page's own validators, not the feed's, are the version's.
    server.set(
        "/news/ferry-timetable",
        Route::Ok {
            body: page.into_bytes(),
            content_type: "text/html; charset=utf-8",
            etag: Some("\"ferry-page-1\"".into()),
            extra: vec![("last-modified", "Wed, 02 Dec 2026 06:00:00 GMT".into())],
        },
    );
    let mut env = TestEnv::new();
    env.add_feed("chronicle", &server.url("/feed.xml"), true);
    let r = env.poll("chronicle").await;
    assert_eq!((r.new_versions, r.pages_fetched), (1, 1), "{r:?}");
    let web = WebServer::start(&env.db_path(), WebOptions::default()).await;
    let id = article_id(&env, "chronicle-ferry");
    let extractor = format!("redline-extract/{}", env!("CARGO_PKG_VERSION"));
    let g = get(&web.base, &format!("/a/a{id}")).await;
    assert_page(&g, "page article", 200, "text/html");
    assert!(
        g.body.contains("<dt>HTTP status</dt><dd>200</dd>"),
        "{}",
        g.body
    );
    assert!(
        g.body
            .contains(&format!("<dt>extractor</dt><dd>{extractor}</dd>")),
        "{}",
        g.body
    );
    let api = get(&web.base, &format!("/api/v1/articles/a{id}")).await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(doc["versions"][0]["provenance"]["source"], "page");
    assert_eq!(doc["versions"][0]["provenance"]["http_status"], 200);
    assert_eq!(
        doc["versions"][0]["provenance"]["extractor"],
        extractor.as_str()
    );
    assert_eq!(doc["versions"][0]["provenance"]["etag"], "\"ferry-page-1\"");
    assert_eq!(
        doc["versions"][0]["provenance"]["last_modified"],
        "Wed, 02 Dec 2026 06:00:00 GMT"
    );
}
