//! Feeds a strict parser loses, through the real fetcher, parser and store on loopback.
//! See: #9

use rusqlite::Connection;

use crate::util::{FeedServer, Route, TestEnv};

fn route(body: Vec<u8>, content_type: &'static str) -> Route {
    Route::Ok {
        body,
        content_type,
        etag: None,
        extra: Vec::new(),
    }
}

/// (title, body text) of every article's latest version, by title.
fn stored(env: &TestEnv) -> Vec<(String, String)> {
    let conn = Connection::open(env.db_path()).expect("open db");
    let mut stmt = conn
        .prepare("SELECT title, body_zstd FROM versions ORDER BY title")
        .expect("prepare");
    stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })
    .expect("query")
    .map(|r| {
        let (t, b) = r.expect("row");
        let body = zstd::decode_all(b.as_slice()).expect("zstd");
        (t, String::from_utf8(body).expect("utf-8 body"))
    })
    .collect()
}

async fn poll_one(body: Vec<u8>, content_type: &'static str) -> (TestEnv, FeedServer) {
    let server = FeedServer::start().await;
    server.set("/feed.xml", route(body, content_type));
    let mut env = TestEnv::new();
    env.add_feed("desk", &server.url("/feed.xml"), false);
    let report = env.poll("desk").await;
    assert_eq!(report.error, None, "{report:?}");
    (env, server)
}

#[tokio::test]
async fn rss_090_feed_with_60_items_gives_60_articles() {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">\n<channel><title>Valley Courier</title>\
         <link>https://courier.example/</link><description>Local news</description></channel>\n",
    );
    for i in 1..=60 {
        xml.push_str(&format!(
            "<item><title>Council briefing number {i}: roads budget revised</title>\
             <link>https://courier.example/news/briefing-{i}</link></item>\n"
        ));
    }
    xml.push_str("</rdf:RDF>\n");
    let (env, _server) = poll_one(xml.into_bytes(), "application/rdf+xml").await;
    assert_eq!(env.count("SELECT COUNT(*) FROM articles"), 60);
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM articles WHERE url = 'https://courier.example/news/briefing-60'"
        ),
        1
    );
}

#[tokio::test]
async fn iso_8859_1_feed_without_declaration_is_read_as_latin1() {
    let xml = "<rss version=\"2.0\"><channel><title>Le Quotidien</title><item>\
               <guid>lq-881</guid><title>Caf\u{e9} owners protest new terrace fees</title>\
               <description>Owners in Vend\u{f4}me say the fee doubles their costs.</description>\
               </item></channel></rss>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(xml);
    let (env, _server) = poll_one(bytes.into_owned(), "application/rss+xml").await;
    let got = stored(&env);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "Café owners protest new terrace fees");
    assert_eq!(
        got[0].1,
        "Owners in Vendôme say the fee doubles their costs."
    );
}

#[tokio::test]
async fn wrong_declared_encoding_does_not_give_mojibake() {
    // Declared ISO-8859-1, written in UTF-8: the common template mistake.
    let xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel>\
               <title>Zeitung</title><item><guid>z-12</guid>\
               <title>Zürich tram strike ends after talks</title>\
               <description>Drivers return on Montag, the union said.</description></item></channel></rss>";
    let (env, _server) = poll_one(xml.as_bytes().to_vec(), "application/rss+xml").await;
    let got = stored(&env);
    assert_eq!(got[0].0, "Zürich tram strike ends after talks");
}

#[tokio::test]
async fn utf8_declared_over_windows_1252_bytes_is_read_as_windows_1252() {
    // The opposite template mistake: a UTF-8 declaration over a CMS's windows-1252 bytes.
    // Read as declared, every accent and quote would become U+FFFD.
    let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
               <title>Market Gazette</title><item><guid>mg-204</guid>\
               <title>Caf\u{e9} chain\u{2019}s \u{201c}na\u{ef}ve\u{201d} expansion plan</title>\
               <description>Shares fell to \u{a3}40 after the \u{201c}na\u{ef}ve\u{201d} \
               forecast, the chair said.</description></item></channel></rss>";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(xml);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    let (env, _server) = poll_one(bytes.into_owned(), "application/rss+xml").await;
    let got = stored(&env);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "Café chain’s “naïve” expansion plan");
    assert_eq!(
        got[0].1,
        "Shares fell to £40 after the “naïve” forecast, the chair said."
    );
    let row = env.feed_row("desk");
    assert_eq!(row.encoding.as_deref(), Some("windows-1252"));
    let warning = row.parse_warning.expect("a wrong declaration is bozo");
    assert!(warning.contains("not UTF-8"), "{warning}");
}

#[tokio::test]
async fn one_stray_byte_does_not_lose_the_feed() {
    let mut bytes = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
                     <title>Harbour Post</title><item><guid>hp-1</guid>\
                     <title>Ferry fares rise by 4%</title><description>The operator blamed fuel"
        .as_bytes()
        .to_vec();
    bytes.push(0xA0); // one latin-1 no-break space in a UTF-8 document
    bytes.extend_from_slice(
        "costs, says the café owner. Fares rise on 1 March.</description></item>\
         <item><guid>hp-2</guid><title>Harbour wall repairs begin</title>\
         <description>Work starts on Monday.</description></item></channel></rss>"
            .as_bytes(),
    );
    let (env, _server) = poll_one(bytes, "application/rss+xml").await;
    let got = stored(&env);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "Ferry fares rise by 4%");
    assert!(
        got[0].1.starts_with("The operator blamed fuel"),
        "{}",
        got[0].1
    );
    assert!(got[0].1.contains("café owner"), "{}", got[0].1);
}

#[tokio::test]
async fn utf16be_feed_with_bom_is_read() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel>\
               <title>Nordic Wire</title><item><guid>nw-7</guid>\
               <title>Tromsø airport reopens after snowstorm</title>\
               <description>Flights resumed at 06:00, Avinor said.</description></item></channel></rss>";
    let mut bytes = vec![0xFE, 0xFF];
    for unit in xml.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    let (env, _server) = poll_one(bytes, "application/xml").await;
    let got = stored(&env);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "Tromsø airport reopens after snowstorm");
    assert_eq!(got[0].1, "Flights resumed at 06:00, Avinor said.");
}

#[tokio::test]
async fn items_with_only_a_description_are_all_kept() {
    let xml = "<rss version=\"2.0\"><channel><title>Bulletin</title>\
               <item><description>Road closed between Ashby and Marston until Friday.</description></item>\
               <item><description>Water supply restored to 3,000 homes in Eastfield.</description></item>\
               <item><description>&lt;p&gt;Library opening hours extended over the holidays.&lt;/p&gt;</description></item>\
               </channel></rss>";
    let (env, _server) = poll_one(xml.as_bytes().to_vec(), "application/rss+xml").await;
    let mut bodies: Vec<String> = stored(&env).into_iter().map(|(_, b)| b).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            "Library opening hours extended over the holidays.",
            "Road closed between Ashby and Marston until Friday.",
            "Water supply restored to 3,000 homes in Eastfield.",
        ]
    );
    // Polled again unchanged: the same three articles, not three more.
    env.poll("desk").await;
    assert_eq!(env.count("SELECT COUNT(*) FROM articles"), 3);
}

#[tokio::test]
async fn relative_links_resolve_against_the_servers_content_location() {
    let xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour Gazette</title>\
        <item><title>Ferry timetable cut for winter</title><link>ferry-timetable</link>\
        <description>Two crossings a day will run from January.</description></item>\
        </channel></rss>";
    let server = FeedServer::start().await;
    // The feed is served from /feed.xml but says it lives under /local/news/.
    server.set(
        "/feed.xml",
        Route::Ok {
            body: xml.as_bytes().to_vec(),
            content_type: "application/rss+xml",
            etag: None,
            extra: vec![("Content-Location", "/local/news/rss".to_string())],
        },
    );
    let mut env = TestEnv::new();
    env.add_feed("gazette", &server.url("/feed.xml"), false);
    let report = env.poll("gazette").await;
    assert_eq!(report.error, None, "{report:?}");
    let conn = Connection::open(env.db_path()).expect("open db");
    let url: String = conn
        .query_row("SELECT url FROM articles", [], |r| r.get(0))
        .expect("one article");
    assert_eq!(url, server.url("/local/news/ferry-timetable"));
}

#[tokio::test]
async fn a_feed_read_leniently_says_so_on_its_row_and_in_status_until_it_is_fixed() {
    let server = FeedServer::start().await;
    let mut broken = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
                      <title>Harbour Post</title><item><guid>hp-1</guid>\
                      <title>Ferry fares rise</title><description>Fuel"
        .as_bytes()
        .to_vec();
    broken.push(0xA0);
    broken.extend_from_slice(b" costs rose.</description></item></channel></rss>");
    server.set("/feed.xml", route(broken, "application/rss+xml"));
    let mut env = TestEnv::new();
    env.add_feed("post", &server.url("/feed.xml"), false);
    let report = env.poll("post").await;
    assert_eq!(report.error, None, "{report:?}");
    let row = env.feed_row("post");
    assert_eq!(row.encoding.as_deref(), Some("utf-8"));
    let warning = row.parse_warning.expect("a bozo feed keeps its warning");
    assert!(!warning.is_empty());

    let conf = tempfile::tempdir().expect("tempdir");
    let conf_path = conf.path().join("redline.toml");
    std::fs::write(&conf_path, "[schedule]\njitter = \"0s\"\n").expect("config");
    let out = crate::util::redline_command()
        .args(["--config", conf_path.to_str().expect("path")])
        .args([
            "--db",
            env.db_path().to_str().expect("path"),
            "status",
            "--json",
        ])
        .output()
        .expect("run status");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let feed = &status["feed_status"][0];
    assert_eq!(feed["name"].as_str(), Some("post"), "{status}");
    assert_eq!(feed["parse_warning"].as_str(), Some(warning.as_str()));
    assert_eq!(feed["encoding"].as_str(), Some("utf-8"));

    // The publisher fixes the feed: the next parse clears the warning.
    server.set(
        "/feed.xml",
        route(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
             <title>Harbour Post</title><item><guid>hp-1</guid><title>Ferry fares rise</title>\
             <description>Fuel costs rose.</description></item></channel></rss>"
                .as_bytes()
                .to_vec(),
            "application/rss+xml",
        ),
    );
    let report = env.poll("post").await;
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(env.feed_row("post").parse_warning, None);
}

#[tokio::test]
async fn terminal_sequences_in_feed_text_are_not_stored() {
    // OSC 8 hyperlinks, SGR colours and a screen clear: dropping only the ESC would store
    // "]8;;http://…" and "[31m" as words of the headline. (A C1 character in feed text is
    // read as the windows-1252 punctuation it almost always is, so the 8-bit forms are
    // covered by the normaliser's own tests.)
    let xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>\
               <title>Metro \u{1b}[2Jdesk</title><link>http://x/</link><description>d</description>\
               <item><guid>v-7</guid>\
               <title>Recount \u{1b}]8;;http://evil.example/\u{7}ordered\u{1b}]8;;\u{7} in \u{1b}[31mWard 4</title>\
               <description>The recount was ordered \u{1b}[1mafter\u{1b}[0m a 12-vote margin, \
               \u{1b}]0;pwned\u{1b}\\officials said.</description></item></channel></rss>";
    let (env, _server) = poll_one(xml.as_bytes().to_vec(), "application/rss+xml").await;
    let got = stored(&env);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "Recount ordered in Ward 4");
    assert_eq!(
        got[0].1,
        "The recount was ordered after a 12-vote margin, officials said."
    );
    let feed = env.feed_row("desk");
    assert_eq!(feed.title.as_deref(), Some("Metro desk"), "{feed:?}");
}
