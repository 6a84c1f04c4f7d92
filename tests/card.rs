//! Diff cards (`redline::card`, `redline card`): the shared fixture pair through a real store
//! (polled from a loopback server), and hostile text. Every PNG is decoded and checked; a copy
//! of each goes to target/cards/ for a person to look at.

use std::path::Path;

use redline::card::{self, CARD_HEIGHT, CARD_WIDTH, CardEdit, CardInput, CardVersion};
use redline::claims::{ClaimChange, ClaimField, ClaimKind};
use redline::diff::{WordChange, WordTag};
use redline::payload::SentenceCounts;
use resvg::tiny_skia::Pixmap;

use crate::util::{FeedServer, Route, fixture, redline_in, rss, success_stdout};

/// Where rendered cards are kept for looking at.
fn keep(name: &str, png: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cards");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(name), png);
}

/// How many pixels are exactly this colour (the card's highlight fills are flat).
fn count_rgb(p: &Pixmap, hex: u32) -> usize {
    let (r, g, b) = ((hex >> 16) as u8, (hex >> 8) as u8, hex as u8);
    p.pixels()
        .iter()
        .filter(|px| px.red() == r && px.green() == g && px.blue() == b && px.alpha() == 255)
        .count()
}

/// Nothing but paper in the side margins below the top bar: every line wrapped inside them.
#[track_caller]
fn assert_margins_clear(p: &Pixmap) {
    let paper = (0xff, 0xfd, 0xf8);
    for y in 10..p.height() {
        for x in (0..48).chain(p.width() - 48..p.width()) {
            let px = p.pixel(x, y).expect("pixel");
            assert_eq!(
                (px.red(), px.green(), px.blue()),
                paper,
                "ink in the margin at ({x}, {y})"
            );
        }
    }
}

const DEL_BG: u32 = 0xfbdcd9;
const INS_BG: u32 = 0xc6efd0;

/// A feed of one item whose description is the article text (title line, blank line,
/// paragraphs), as HTML paragraphs.
fn feed_of(article: &str) -> String {
    let (title, body) = article.split_once('\n').expect("title line");
    let html: String = body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", crate::util::xml_escape(p)))
        .collect();
    rss(&[(
        "open-models-1",
        "https://chronicle.example/tech/open-models",
        title.trim(),
        &html,
    )])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_of_the_shared_fixture_pair_through_the_store_and_the_cli() {
    let server = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("redline.toml"),
        format!(
            "[schedule]\njitter = \"0s\"\n[[feed]]\nname = \"chronicle\"\nurl = \"{}\"\n",
            server.url("/feed.xml")
        ),
    )
    .expect("config");
    server.set(
        "/feed.xml",
        Route::xml(&feed_of(&fixture("articles/open-models/v1.txt"))),
    );
    let d = dir.path().to_path_buf();
    let d = tokio::task::spawn_blocking(move || {
        success_stdout(&redline_in(&d, &["feeds", "sync"]), &["feeds", "sync"]);
        success_stdout(&redline_in(&d, &["poll"]), &["poll"]);
        d
    })
    .await
    .expect("join");
    // One version only: a clear error, and no file.
    let png_path = d.join("card.png");
    let one = redline_in(&d, &["card", "a1", "-o", png_path.to_str().expect("path")]);
    assert!(!one.status.success());
    let err = String::from_utf8_lossy(&one.stderr);
    assert!(err.contains("only one version"), "{err}");
    assert!(!png_path.exists());

    server.set(
        "/feed.xml",
        Route::xml(&feed_of(&fixture("articles/open-models/v2.txt"))),
    );
    let (d, json, alt_run) = tokio::task::spawn_blocking(move || {
        success_stdout(&redline_in(&d, &["poll"]), &["poll"]);
        let args = [
            "card",
            "a1",
            "-o",
            png_path.to_str().expect("path"),
            "--json",
        ];
        let json = success_stdout(&redline_in(&d, &args), &args);
        let alt_path = d.join("alt.txt");
        let args = [
            "card",
            "a1v2",
            "--from",
            "1",
            "-o",
            png_path.to_str().expect("path"),
            "--alt-text",
            alt_path.to_str().expect("path"),
        ];
        let plain = success_stdout(&redline_in(&d, &args), &args);
        (
            d,
            json,
            (plain, std::fs::read_to_string(alt_path).expect("alt file")),
        )
    })
    .await
    .expect("join");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("card --json");
    assert_eq!(doc["width"], CARD_WIDTH);
    assert_eq!(doc["height"], CARD_HEIGHT);
    assert_eq!(doc["path"], d.join("card.png").to_str().expect("path"));
    let alt = doc["alt"].as_str().expect("alt");
    for want in [
        "Harbour City Chronicle",
        "Open models reshape the global race for artificial intelligence",
        "Headline changed from “Open models reshape the race for artificial intelligence”",
        "6 claim changes",
        "Number changed: “$1 trillion” became “$600 billion”.",
        "Number changed: “$6 million” became “$5.6 million”.",
        "Hedge removed: “reportedly”.",
        "Hedge added: “about”.",
        "Added: “The company did not respond to a request for comment.”",
    ] {
        assert!(alt.contains(want), "alt text lacks {want:?}:\n{alt}");
    }
    // With --alt-text the alt goes to the file, and stdout stays empty.
    assert_eq!(alt_run.0, "");
    assert_eq!(alt_run.1, alt);

    let png = std::fs::read(d.join("card.png")).expect("png written");
    keep("fixture-pair.png", &png);
    let p = Pixmap::decode_png(&png).expect("decodes as PNG");
    assert_eq!((p.width(), p.height()), (CARD_WIDTH, CARD_HEIGHT));
    // Struck-through old values and highlighted new ones are drawn.
    assert!(count_rgb(&p, DEL_BG) > 2_000, "{}", count_rgb(&p, DEL_BG));
    assert!(count_rgb(&p, INS_BG) > 2_000, "{}", count_rgb(&p, INS_BG));
    assert_margins_clear(&p);

    // The same card through the library, from the stored versions.
    let store = redline::store::Store::open_read_only(&d.join("redline.db")).expect("store");
    let v = |seq| {
        store
            .read(|c| redline::store::articles::version(c, 1, seq))
            .expect("read")
            .expect("version")
    };
    let input = CardInput::from_versions("Harbour City Chronicle", &v(1), &v(2));
    let svg = card::svg(&input).expect("svg");
    assert!(svg.contains("$600 billion") && svg.contains("$1 trillion"));
    assert_eq!(card::render(&input).expect("render").png, png);
}

fn hostile() -> CardInput {
    let headline = format!(
        "<script>alert('x')</script> Minister & \"aides\" 🚨🔥 {}",
        "resign over the harbour contract after weeks of pressure ".repeat(35)
    );
    assert!(headline.chars().count() >= 2_000);
    let words = |w: &[(WordTag, &str)]| CardEdit {
        words: w
            .iter()
            .map(|(tag, text)| WordChange {
                tag: *tag,
                text: text.to_string(),
            })
            .collect(),
    };
    CardInput {
        outlet: "<b>Gazette</b> \u{1b}[31m & Co".into(),
        url: "https://gazette.example/politics/<script>?a=1&b=2".into(),
        reference: "a7".into(),
        old: CardVersion {
            label: "v1".into(),
            title: "وزير يستقيل بعد أسابيع من الضغط".into(),
            fetched_at: Some(1_796_212_800),
        },
        new: CardVersion {
            label: "v2".into(),
            title: headline,
            fetched_at: Some(1_796_230_800),
        },
        title_changed: true,
        stealth: true,
        claims: vec![
            ClaimChange {
                kind: ClaimKind::NumberChanged,
                field: ClaimField::Title,
                before: Some("שלושה מיליון שקלים".into()),
                after: Some("ארבעה מיליון שקלים".into()),
                before_sentence: None,
                after_sentence: None,
            },
            ClaimChange {
                kind: ClaimKind::QuoteChanged,
                field: ClaimField::Body,
                before: Some("「港の契約は公正だった」".into()),
                after: Some("<img src=x onerror=alert(1)> 😀".into()),
                before_sentence: None,
                after_sentence: None,
            },
        ],
        claims_omitted: 0,
        edits: vec![
            words(&[
                (WordTag::Equal, "قال الوزير إن "),
                (WordTag::Delete, "ثلاثة"),
                (WordTag::Insert, "أربعة"),
                (WordTag::Equal, " ملايين دولار ذهبت إلى الميناء."),
            ]),
            words(&[
                (WordTag::Equal, "港湾局は"),
                (WordTag::Delete, "三百"),
                (WordTag::Insert, "五百"),
                (WordTag::Equal, "人の職員が影響を受けたと発表した。"),
            ]),
            words(&[(WordTag::Insert, &"</text><script>x</script>🙂 ".repeat(80))]),
        ],
        sentences: SentenceCounts {
            added: 1,
            removed: 0,
            edited: 2,
            moved: 0,
        },
    }
}

#[test]
fn hostile_card_renders_escaped_within_its_margins() {
    let input = hostile();
    let svg = card::svg(&input).expect("svg");
    assert!(!svg.contains("<script") && !svg.contains("<img") && !svg.contains("<b>"));
    assert!(svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"));
    assert!(!svg.contains('\u{1b}'));
    let card = card::render(&input).expect("renders");
    keep("hostile.png", &card.png);
    let p = Pixmap::decode_png(&card.png).expect("decodes");
    assert_eq!((p.width(), p.height()), (CARD_WIDTH, CARD_HEIGHT));
    assert_eq!((card.width, card.height), (CARD_WIDTH, CARD_HEIGHT));
    assert_margins_clear(&p);
    assert!(count_rgb(&p, DEL_BG) > 500 && count_rgb(&p, INS_BG) > 500);
    // The alt text is plain text (the sinks escape it for their formats), capped, and
    // keeps the characters the font cannot draw.
    let n = card.alt.chars().count();
    assert!(n <= card::MAX_ALT_CHARS, "{n}");
    assert!(card.alt.contains("<script>alert('x')</script>"));
    assert!(card.alt.contains("「港の契約は公正だった」"));
    assert!(card.alt.ends_with('…'));
}

#[test]
fn card_from_an_alert_payload_shows_its_word_diff() {
    let json = r#"{"type": "redline.change", "version": 1, "minor": 2, "data": {"change_id": 9, "event": "claim_changed", "alert": "desk",
      "feed": {"id": 1, "ref": "f1", "name": "ledger", "url": "https://ledger.example/rss"},
      "article": {"id": 4, "ref": "a4", "url": "https://ledger.example/flood",
                  "title": "Flood waters recede", "previous_title": null},
      "from_version": 1, "to_version": 2, "version_ref": "a4v2",
      "detected_at": "2026-11-03T10:15:00Z", "stealth": false, "cosmetic": false,
      "revert_of": null, "fields_changed": ["body"], "title_changed": false,
      "sentences": {"added": 0, "removed": 0, "edited": 1, "moved": 0},
      "claim_changes": [{"kind": "number_changed", "before": "40", "after": "55",
        "before_sentence": null, "after_sentence": null}],
      "claims_omitted": 0,
      "word_diff": "Rain fell all night.\nOfficials said [-40-]{+55+} homes were flooded.\n",
      "links": {"article": "https://ledger.example/flood", "feed": "https://ledger.example/rss"}}}"#;
    let data = redline::alert::payload::parse_change(json).expect("payload");
    let input = CardInput::from_change(&data);
    assert_eq!(input.edits.len(), 1);
    assert_eq!(input.new.fetched_at, Some(1_793_700_900));
    let card = card::render(&input).expect("renders");
    keep("payload.png", &card.png);
    let p = Pixmap::decode_png(&card.png).expect("decodes");
    assert_eq!((p.width(), p.height()), (CARD_WIDTH, CARD_HEIGHT));
    assert!(
        card.alt
            .contains("Edited: “Officials said 55 homes were flooded.”, where “40” became “55”."),
        "{}",
        card.alt
    );
}

/// The README's example card (docs/card-example.png), from this project's own fixture text,
/// through a polled store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_of_the_harbour_bridge_fixture() {
    let server = FeedServer::start().await;
    let mut env = crate::util::TestEnv::new();
    env.add_feed("gazette", &server.url("/feed.xml"), false);
    let feed = |v: &str| {
        feed_of(&fixture(&format!("articles/harbour-bridge/{v}.txt")))
            .replace("Harbour City Chronicle", "Riverside Gazette")
            .replace("open-models-1", "harbour-bridge-1")
            .replace("tech/open-models", "city/harbour-bridge-repairs")
    };
    server.set("/feed.xml", Route::xml(&feed("v1")));
    env.poll("gazette").await;
    server.set("/feed.xml", Route::xml(&feed("v2")));
    env.poll("gazette").await;
    let v = |seq| {
        env.store
            .read(|c| redline::store::articles::version(c, 1, seq))
            .expect("read")
            .expect("version")
    };
    let input = CardInput::from_versions("Riverside Gazette", &v(1), &v(2));
    let kinds: Vec<&str> = input.claims.iter().map(|c| c.kind.as_str()).collect();
    assert!(kinds.contains(&"number_changed"), "{kinds:?}");
    let card = card::render(&input).expect("renders");
    keep("card-example.png", &card.png);
    let p = Pixmap::decode_png(&card.png).expect("decodes");
    assert_eq!((p.width(), p.height()), (CARD_WIDTH, CARD_HEIGHT));
    assert_margins_clear(&p);
    assert!(
        card.alt.contains("“$48 million” became “$61 million”"),
        "{}",
        card.alt
    );
}
