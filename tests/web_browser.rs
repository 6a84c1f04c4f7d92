//! In a real browser: headless Chromium through WebDriver (tests/util/webdriver.rs) against
//! pages served on 127.0.0.1. Without chromium/chromedriver these tests say so and pass; with
//! `CI=true` a missing browser fails them (`.ci/run` installs both).

use std::time::Duration;

use crate::util::webdriver::{Browser, LAPTOP, PHONE, keys};
use crate::util::{FeedServer, Route};

const WAIT: Duration = Duration::from_secs(10);

/// The harness itself, on a page of our own: navigation, CSS lookup, typing, key presses
/// reaching the page's listener, both viewport sizes and a PNG screenshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webdriver_harness_drives_a_loopback_page() {
    let Some(b) = Browser::start("webdriver_harness_drives_a_loopback_page").await else {
        return;
    };
    let server = FeedServer::start().await;
    server.set(
        "/page.html",
        Route::html(
            "<!doctype html><meta name=viewport content='width=device-width'>\
             <title>Harness</title><h1 id=h>Council budget</h1><input id=q>\
             <p id=keys></p><script>document.addEventListener('keydown', e => \
             { document.getElementById('keys').textContent += e.key + ' '; });</script>",
        ),
    );
    b.goto(&server.url("/page.html")).await;
    assert_eq!(b.title().await, "Harness");
    let h = b.wait("#h", WAIT).await;
    assert_eq!(b.text(&h).await, "Council budget");
    assert_eq!(b.attribute(&h, "id").await.as_deref(), Some("h"));
    let q = b.wait("#q", WAIT).await;
    b.send_keys(&q, "rates").await;
    let typed = b
        .execute("return document.getElementById('q').value", vec![])
        .await;
    assert_eq!(typed, "rates");
    b.execute("document.activeElement.blur()", vec![]).await;
    b.press(&format!("j{}", keys::ARROW_RIGHT)).await;
    b.wait_js(
        "both keys to reach the page",
        "return document.getElementById('keys').textContent.includes('j ArrowRight')",
        WAIT,
    )
    .await;
    for (size, name) in [(PHONE, "phone"), (LAPTOP, "laptop")] {
        b.set_viewport(size).await;
        let width = b.execute("return window.innerWidth", vec![]).await;
        assert_eq!(width, size.0, "{name} viewport width");
        let height = b.execute("return window.innerHeight", vec![]).await;
        assert_eq!(height, size.1, "{name} viewport height");
    }
    let shot =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/harness.png");
    b.screenshot(&shot).await;
    assert!(std::fs::metadata(&shot).expect("screenshot saved").len() > 1000);
    b.quit().await;
}
