//! docs/JSON.md against the real output (#12 item 17): every documented JSON document is
//! produced by the real binary on a database built by polling a loopback feed with an edit,
//! and compared with its example: the same keys at every level, the same JSON types (null
//! only where the field table says so), every key in the output documented in the table, and
//! every time field an RFC 3339 UTC string.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::util::{FeedServer, Route, redline_in, rss, success_stdout};

/// One documented document: its field table and its example.
#[derive(Debug)]
struct Doc {
    /// Field path (`feed.id`, `claim_changes[].kind`; a listing's rows have no prefix) to
    /// (type, nullable).
    fields: BTreeMap<String, (String, bool)>,
    example: Value,
}

/// The `<!-- json-doc: NAME -->` sections of docs/JSON.md: after the marker, a table of
/// `| `path` | type | null? | meaning |` rows and then one ```json block.
fn parse_docs(text: &str) -> BTreeMap<String, Doc> {
    let mut docs = BTreeMap::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!-- json-doc: ") {
        let after = &rest[at + "<!-- json-doc: ".len()..];
        let end = after.find("-->").expect("marker closed");
        let name = after[..end].trim().to_string();
        let body = &after[end..];
        let fence = body.find("```json\n").expect("json block after marker");
        let table = &body[..fence];
        let code = &body[fence + "```json\n".len()..];
        let close = code.find("\n```").expect("json block closed");
        let mut fields = BTreeMap::new();
        for line in table.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert!(cells.len() >= 4, "{name}: short table row {line}");
            let path = cells[0].trim_matches('`').to_string();
            let nullable = cells[2] == "yes";
            fields.insert(path, (cells[1].to_string(), nullable));
        }
        let example = serde_json::from_str(&code[..close])
            .unwrap_or_else(|e| panic!("{name}: example is not JSON: {e}"));
        assert!(
            docs.insert(name.clone(), Doc { fields, example }).is_none(),
            "{name} twice"
        );
        rest = &code[close..];
    }
    docs
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a value fits a documented type (`time` is an RFC 3339 UTC string; an integer is a
/// number too).
fn fits(doc_type: &str, v: &Value) -> bool {
    match doc_type {
        "time" => v.as_str().is_some_and(is_utc_time),
        "number" => v.is_number(),
        t => type_of(v) == t,
    }
}

fn is_utc_time(s: &str) -> bool {
    s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Compares `real` with `example` at `path`, pushing every difference to `errors`.
fn compare(doc: &Doc, path: &str, example: &Value, real: &Value, errors: &mut Vec<String>) {
    let here = if path.is_empty() { "(top)" } else { path };
    if let Some((ty, nullable)) = doc.fields.get(path) {
        for (what, v) in [("example", example), ("output", real)] {
            if v.is_null() && !nullable {
                errors.push(format!(
                    "{here}: null in the {what}, not documented as nullable"
                ));
            } else if !v.is_null() && !fits(ty, v) {
                errors.push(format!("{here}: {what} value {v} is not a {ty}"));
            }
        }
    } else if !path.is_empty() && !path.ends_with("[]") {
        errors.push(format!("{here}: not in the field table"));
    }
    if let Some(key) = path.rsplit(['.', ']']).next()
        && key.ends_with("_at")
        && let Some(s) = real.as_str()
        && !is_utc_time(s)
    {
        errors.push(format!("{here}: `{s}` is not RFC 3339 UTC"));
    }
    match (example, real) {
        (Value::Object(e), Value::Object(r)) => {
            let ek: BTreeSet<&String> = e.keys().collect();
            let rk: BTreeSet<&String> = r.keys().collect();
            for k in rk.difference(&ek) {
                errors.push(format!(
                    "{}: in the output, not in the example",
                    join(path, k)
                ));
            }
            for k in ek.difference(&rk) {
                errors.push(format!(
                    "{}: in the example, not in the output",
                    join(path, k)
                ));
            }
            for k in ek.intersection(&rk) {
                compare(doc, &join(path, k), &e[*k], &r[*k], errors);
            }
        }
        (Value::Array(e), Value::Array(r)) => {
            if let (Some(e0), Some(r0)) = (e.first(), r.first()) {
                compare(doc, &format!("{path}[]"), e0, r0, errors);
            }
        }
        (e, r) if e.is_null() || r.is_null() => {}
        (e, r) if type_of(e) != type_of(r) && !(e.is_number() && r.is_number()) => {
            errors.push(format!(
                "{here}: example is {}, output is {}",
                type_of(e),
                type_of(r)
            ))
        }
        _ => {}
    }
}

/// Every documented path is in the example (an example that leaves out a field documents
/// nothing about its shape).
fn example_covers_table(doc: &Doc, errors: &mut Vec<String>) {
    fn paths(path: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = join(path, k);
                    out.insert(p.clone());
                    paths(&p, v, out);
                }
            }
            Value::Array(a) => {
                if let Some(first) = a.first() {
                    out.insert(format!("{path}[]"));
                    paths(&format!("{path}[]"), first, out);
                }
            }
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    // A listing is documented by its rows.
    let example = match &doc.example {
        Value::Array(rows) => rows.first().unwrap_or(&Value::Null),
        one => one,
    };
    paths("", example, &mut seen);
    for p in doc.fields.keys() {
        if !p.is_empty() && !seen.contains(p) {
            errors.push(format!("{p}: in the field table, not in the example"));
        }
    }
    for p in seen.iter().filter(|p| !p.ends_with("[]")) {
        if !doc.fields.contains_key(p) {
            errors.push(format!("{p}: in the example, not in the field table"));
        }
    }
}

/// All differences between a document's doc and a real output of it.
fn check_against(docs: &BTreeMap<String, Doc>, name: &str, real: &Value) -> Vec<String> {
    let doc = docs.get(name).unwrap_or_else(|| {
        panic!("docs/JSON.md has no `<!-- json-doc: {name} -->`; real output:\n{real:#}")
    });
    let mut errors = Vec::new();
    example_covers_table(doc, &mut errors);
    // A listing is documented by its rows.
    match (&doc.example, real) {
        (Value::Array(e), Value::Array(r)) => {
            assert!(
                !r.is_empty(),
                "{name}: the test database gave no rows to check"
            );
            compare(doc, "", &e[0], &r[0], &mut errors);
        }
        (e, r) => compare(doc, "", e, r, &mut errors),
    }
    errors
}

#[track_caller]
fn assert_documented(docs: &BTreeMap<String, Doc>, name: &str, real: &Value) {
    let errors = check_against(docs, name, real);
    assert!(
        errors.is_empty(),
        "docs/JSON.md `{name}` does not match the real output:\n  {}\nreal output:\n{real:#}",
        errors.join("\n  ")
    );
}

fn docs() -> BTreeMap<String, Doc> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/JSON.md");
    parse_docs(&std::fs::read_to_string(path).expect("docs/JSON.md"))
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = success_stdout(&redline_in(dir, args), args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{out}"))
}

/// A webhook receiver on loopback that keeps every body it is sent.
async fn hook() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    type Bodies = std::sync::Arc<std::sync::Mutex<Vec<Value>>>;
    async fn receive(
        axum::extract::State(bodies): axum::extract::State<Bodies>,
        body: axum::body::Bytes,
    ) -> axum::http::StatusCode {
        match serde_json::from_slice(&body) {
            Ok(v) => {
                bodies.lock().expect("lock").push(v);
                axum::http::StatusCode::OK
            }
            Err(_) => axum::http::StatusCode::BAD_REQUEST,
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let bodies = Bodies::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(bodies.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), bodies)
}

fn ferry_feed(edited: bool) -> String {
    rss(&[
        (
            "rv-1",
            "https://riverside.example/news/ferry-fares",
            "Ferry fares to rise in spring",
            if edited {
                // With a correction notice, so every document's `notices` has an element
                // whose keys are checked.
                "<p>Return tickets on the island ferry will cost $14 from April, up from $11, the port authority said. Season passes are unchanged.</p>\
                 <p>Correction: an earlier version of this article gave the wrong fare.</p>"
            } else {
                "Return tickets on the island ferry will cost $13 from April, up from $11, the port authority said. Season passes are unchanged."
            },
        ),
        (
            "rv-2",
            "https://riverside.example/news/orchard-fair",
            "Orchard fair returns to the common",
            "The autumn orchard fair drew stalls from forty growers on Sunday. Organisers expect it to return next year.",
        ),
    ])
}

fn page(updated: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Night bus trial extended</title></head><body><article>\
         <h1>Night bus trial extended</h1><p class=\"updated\">{updated}</p>\
         <p>The night bus trial on the harbour loop will run until the end of March, the transport \
         board said on Tuesday after ridership rose through the winter months.</p>\
         <p>Drivers on the route will be offered extra shifts, and a survey of passengers will \
         decide whether the service becomes permanent in the summer timetable.</p>\
         </article></body></html>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_document_matches_docs_json() {
    let docs = docs();
    let server = FeedServer::start().await;
    let (hook_url, bodies) = hook().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"riverside\"\nurl = \"{}\"\n\
             [delivery]\nretry_base = \"1s\"\npoll_timeout = \"10s\"\n\
             [[alert]]\nname = \"desk\"\nsink = \"webhook\"\nurl = \"{hook_url}\"\nformat = \"json\"\ntrigger = \"edits\"\n\
             [[alert]]\nname = \"slack\"\nsink = \"webhook\"\nurl = \"{hook_url}\"\nformat = \"slack\"\ntrigger = \"edits\"\n\
             [[alert]]\nname = \"discord\"\nsink = \"webhook\"\nurl = \"{hook_url}\"\nformat = \"discord\"\ntrigger = \"edits\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    success_stdout(&redline_in(d, &["feeds", "sync"]), &["feeds", "sync"]);
    server.set("/feed.xml", Route::xml(&ferry_feed(false)));
    server.set("/bus.html", Route::html(&page("Published 1 December 2026")));
    let first = json_of(d, &["poll", "--json"]);
    success_stdout(
        &redline_in(
            d,
            &["watch", &server.url("/bus.html"), "--name", "night-bus"],
        ),
        &["watch"],
    );
    server.set("/feed.xml", Route::xml(&ferry_feed(true)));
    let poll = json_of(d, &["poll", "--json"]);
    assert_ne!(first, poll);
    assert_documented(&docs, "poll", &poll);

    let articles = json_of(d, &["articles", "--json"]);
    assert_documented(&docs, "articles", &articles);
    // A search fills the `matched_` fields that a plain listing leaves null.
    let found = json_of(d, &["articles", "--search", "ferry", "--json"]);
    assert_eq!(found[0]["matched_latest"], true, "{found}");
    assert_documented(&docs, "articles", &found);
    let edited = articles
        .as_array()
        .and_then(|rows| rows.iter().find(|a| a["versions"] == 2))
        .and_then(|a| a["ref"].as_str())
        .expect("the edited article is listed")
        .to_string();
    assert_documented(
        &docs,
        "feeds list",
        &json_of(d, &["feeds", "list", "--json"]),
    );
    assert_documented(&docs, "watch", &json_of(d, &["watch", "--json"]));
    assert_documented(
        &docs,
        "versions",
        &json_of(d, &["versions", &edited, "--json"]),
    );
    assert_documented(&docs, "show", &json_of(d, &["show", &edited, "--json"]));
    let png = d.join("card.png");
    let card = ["card", &edited, "-o", png.to_str().expect("path"), "--json"];
    assert_documented(&docs, "card", &json_of(d, &card));
    assert_documented(
        &docs,
        "redline.diff",
        &json_of(d, &["diff", &edited, "--format", "json"]),
    );
    assert_documented(&docs, "log", &json_of(d, &["log", "--json"]));
    assert_documented(
        &docs,
        "alerts list",
        &json_of(d, &["alerts", "list", "--json"]),
    );
    // `status` exits 3 when unhealthy; its JSON is the same either way.
    let status = redline_in(d, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_documented(&docs, "status", &status);

    let export = success_stdout(
        &redline_in(d, &["export", "--format", "jsonl"]),
        &["export"],
    );
    let mut kinds = BTreeSet::new();
    for line in export.lines() {
        let record: Value = serde_json::from_str(line).expect("jsonl line");
        let kind = record["type"].as_str().expect("type").to_string();
        assert_documented(&docs, &format!("export {kind}"), &record);
        kinds.insert(kind);
    }
    assert_eq!(kinds, BTreeSet::from(["change".into(), "version".into()]));

    let (old, new) = (d.join("old.txt"), d.join("new.txt"));
    std::fs::write(
        &old,
        "Ferry fares to rise\n\nTickets will cost $13 from April.\n",
    )
    .expect("old");
    std::fs::write(
        &new,
        "Ferry fares to rise\n\nTickets will cost $14 from April.\n",
    )
    .expect("new");
    let compare = json_of(
        d,
        &[
            "compare",
            old.to_str().expect("path"),
            new.to_str().expect("path"),
            "--format",
            "json",
        ],
    );
    assert_documented(&docs, "redline.diff", &compare);

    std::fs::write(d.join("feed.xml"), ferry_feed(true)).expect("feed file");
    let check = json_of(
        d,
        &[
            "check",
            d.join("feed.xml").to_str().expect("path"),
            "--url",
            "https://riverside.example/rss",
            "--json",
        ],
    );
    assert_documented(&docs, "check", &check);

    let sent = bodies.lock().expect("lock").clone();
    let change = sent
        .iter()
        .find(|b| b["type"] == "redline.change")
        .unwrap_or_else(|| panic!("no redline.change delivered: {sent:?}"));
    assert_documented(&docs, "redline.change", change);
    let chat = |key: &str| {
        sent.iter()
            .find(|b| b.get(key).is_some())
            .unwrap_or_else(|| panic!("no chat body with `{key}` delivered: {sent:?}"))
    };
    assert_documented(&docs, "slack", chat("text"));
    assert_documented(&docs, "discord", chat("content"));
}

/// The checker itself: a key missing from an example, a key the docs do not know, a wrong
/// type, a null where none is allowed and a time that is not UTC are all caught.
#[test]
fn the_checker_catches_each_kind_of_mismatch() {
    let docs = parse_docs(
        "<!-- json-doc: thing -->\n\
         | field | type | null | meaning |\n|---|---|---|---|\n\
         | `id` | integer | | id |\n| `seen_at` | time | | when |\n\
         | `note` | string | yes | maybe |\n| `tags` | array | | tags |\n| `tags[]` | string | | a tag |\n\
         ```json\n{\"id\": 1, \"seen_at\": \"2026-12-02T09:00:00Z\", \"note\": null, \"tags\": [\"x\"]}\n```\n",
    );
    let good =
        serde_json::json!({"id": 2, "seen_at": "2026-12-01T08:00:00Z", "note": "n", "tags": []});
    assert_eq!(check_against(&docs, "thing", &good), Vec::<String>::new());
    for (bad, why) in [
        (
            serde_json::json!({"id": 2, "seen_at": "2026-12-01T08:00:00Z", "note": null, "tags": [], "extra": 1}),
            "extra",
        ),
        (
            serde_json::json!({"id": 2, "seen_at": "2026-12-01T08:00:00Z", "tags": []}),
            "note",
        ),
        (
            serde_json::json!({"id": "2", "seen_at": "2026-12-01T08:00:00Z", "note": null, "tags": []}),
            "id",
        ),
        (
            serde_json::json!({"id": null, "seen_at": "2026-12-01T08:00:00Z", "note": null, "tags": []}),
            "id",
        ),
        (
            serde_json::json!({"id": 2, "seen_at": 1764662400, "note": null, "tags": []}),
            "seen_at",
        ),
        (
            serde_json::json!({"id": 2, "seen_at": "2026-12-01T09:00:00+01:00", "note": null, "tags": []}),
            "seen_at",
        ),
        (
            serde_json::json!({"id": 2, "seen_at": "2026-12-01T08:00:00Z", "note": null, "tags": [3]}),
            "tags[]",
        ),
    ] {
        let errors = check_against(&docs, "thing", &bad);
        assert!(
            errors.iter().any(|e| e.starts_with(why)),
            "{bad}: {errors:?}"
        );
    }
}
