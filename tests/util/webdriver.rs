//! A small W3C WebDriver client for browser tests: headless Chromium driven by `chromedriver`
//! on a loopback port, JSON over HTTP with the reqwest client we already build.
//!
//! No fantoccini/thirtyfour: the dozen commands the tests use are one HTTP request each, and
//! either crate would add hyper-util, a cookie jar and a second TLS stack to every test build.
//!
//! `Browser::start` finds `chromium` and `chromedriver` (or `REDLINE_CHROMIUM` /
//! `REDLINE_CHROMEDRIVER`). Without them it prints why and returns `None`, so the caller skips;
//! with `CI=true` a missing browser panics instead, because CI must run these tests.
//! Dropping a `Browser` ends the session (which closes Chromium) and kills chromedriver, also
//! when a test panics.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key W3C WebDriver uses for an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long chromedriver may take to answer `/status` after it starts.
const DRIVER_START: Duration = Duration::from_secs(20);
/// One WebDriver command, page loads included.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// WebDriver's codes for keys without a character (W3C WebDriver, "Keyboard actions").
pub mod keys {
    pub const ARROW_LEFT: &str = "\u{E012}";
    pub const ARROW_RIGHT: &str = "\u{E014}";
    pub const ENTER: &str = "\u{E007}";
}

/// A laptop screen and a phone held upright, the two sizes every page is looked at in.
pub const LAPTOP: (u32, u32) = (1366, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// A chromedriver process and one browser session on it.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
}

/// Where the browser binaries are, or why they are not.
fn find_binaries() -> Result<(PathBuf, PathBuf), String> {
    let chromium = locate(
        "REDLINE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let driver = locate("REDLINE_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Ok(c), Ok(d)) => Ok((c, d)),
        (c, d) => Err(format!(
            "{} (Debian: apt-get install chromium chromium-driver)",
            [c.err(), d.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// `$var` when set (it must exist), else the first of `names` on `PATH`.
fn locate(var: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{var}={} is not a file", p.display()))
        };
    }
    names
        .iter()
        .find_map(|n| on_path(n))
        .ok_or_else(|| format!("{} not found on PATH", names[0]))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or `None` (after saying so) when
    /// the browser is not installed and this is not CI.
    pub async fn start(test: &str) -> Option<Self> {
        let (chromium, driver) = match find_binaries() {
            Ok(b) => b,
            Err(why) => {
                assert!(
                    !is_ci(),
                    "CI=true and the browser test {test} cannot run: {why}"
                );
                eprintln!("skipping browser test {test}: {why}");
                return None;
            }
        };
        Some(Self::launch(&chromium, &driver).await)
    }

    async fn launch(chromium: &Path, driver_bin: &Path) -> Self {
        let http = reqwest::Client::builder()
            .timeout(COMMAND_TIMEOUT)
            .no_proxy()
            .build()
            .expect("http client");
        let (driver, addr) = start_driver(driver_bin, &http).await;
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            // Containers often give /dev/shm only 64 MB, which crashes renderer tabs.
            "--disable-dev-shm-usage".into(),
            format!("--window-size={},{}", LAPTOP.0, LAPTOP.1),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chromium.to_string_lossy(), "args": args },
                "timeouts": { "pageLoad": 30_000, "script": 10_000, "implicit": 0 },
            }}
        });
        let mut browser = Self {
            driver,
            addr,
            session: String::new(),
            http,
            _profile: profile,
        };
        let v = browser.send("POST", "/session", Some(caps)).await;
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new session answered without a sessionId: {v}"))
            .to_string();
        browser
    }

    /// One command; panics with WebDriver's error and message when it fails.
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("http://{}{}", self.addr, path);
        let req = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url),
        };
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(b.to_string()),
            None => req,
        };
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        let status = resp.status();
        let text = resp
            .text()
            .await
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: reading the answer: {e}"));
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: not JSON ({e}): {text}"));
        assert!(
            status.is_success(),
            "webdriver {method} {path}: {status}: {} {}",
            v["value"]["error"],
            v["value"]["message"]
        );
        v["value"].clone()
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.send("POST", &self.s("/url"), Some(json!({ "url": url })))
            .await;
    }

    pub async fn current_url(&self) -> String {
        self.send("GET", &self.s("/url"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn back(&self) {
        self.send("POST", &self.s("/back"), Some(json!({}))).await;
    }

    /// The first element matching `css`, if any (no waiting).
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.find_all(css).await.into_iter().next()
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self
            .send(
                "POST",
                &self.s("/elements"),
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element { id: id.to_string() })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (polling every 50 ms, at most `timeout`) for an element matching `css`.
    #[track_caller]
    pub fn wait(&self, css: &str, timeout: Duration) -> impl Future<Output = Element> + '_ {
        let caller = std::panic::Location::caller();
        let css = css.to_string();
        async move {
            let start = Instant::now();
            loop {
                if let Some(e) = self.find(&css).await {
                    return e;
                }
                if start.elapsed() > timeout {
                    let url = self.current_url().await;
                    panic!("{caller}: no element matches `{css}` on {url} after {timeout:?}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Waits (polling every 50 ms, at most `timeout`) until `script` returns a truthy value,
    /// and returns that value.
    #[track_caller]
    pub fn wait_js<'a>(
        &'a self,
        what: &'a str,
        script: &'a str,
        timeout: Duration,
    ) -> impl Future<Output = Value> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let start = Instant::now();
            loop {
                let v = self.execute(script, vec![]).await;
                let truthy = match &v {
                    Value::Null => false,
                    Value::Bool(b) => *b,
                    Value::String(s) => !s.is_empty(),
                    Value::Number(n) => n.as_f64() != Some(0.0),
                    _ => true,
                };
                if truthy {
                    return v;
                }
                if start.elapsed() > timeout {
                    let url = self.current_url().await;
                    panic!("{caller}: timed out after {timeout:?} waiting for {what} on {url}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Runs `script` as a function body (`return …` gives the result) with `args`.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.send(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Presses and releases each key of `keys` in order, at whatever has the focus (the page
    /// itself when nothing does), as a user's keyboard would.
    pub async fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({ "type": "keyDown", "value": k.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": k.to_string() }));
        }
        self.send(
            "POST",
            &self.s("/actions"),
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .await;
        self.send("DELETE", &self.s("/actions"), None).await;
    }

    /// Sets the viewport to exactly `width` × `height` CSS pixels through DevTools device
    /// emulation: a window size would include the browser's frame, and desktop Chromium does
    /// not make windows phone-narrow. Below 600 px the page also gets a mobile viewport (its
    /// `<meta name=viewport>` applies), as on a phone.
    pub async fn set_viewport(&self, (width, height): (u32, u32)) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
    }

    /// A Chrome DevTools command through chromedriver's vendor endpoint.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.send(
            "POST",
            &self.s("/goog/cdp/execute"),
            Some(json!({ "cmd": cmd, "params": params })),
        )
        .await
    }

    /// A PNG of the viewport, saved to `path` (directories created).
    pub async fn screenshot(&self, path: &Path) {
        let v = self.send("GET", &self.s("/screenshot"), None).await;
        let b64 = v.as_str().expect("screenshot is a base64 string");
        let png = decode_base64(b64).expect("screenshot is valid base64");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    pub async fn title(&self) -> String {
        self.send("GET", &self.s("/title"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn click(&self, e: &Element) {
        self.send(
            "POST",
            &self.s(&format!("/element/{}/click", e.id)),
            Some(json!({})),
        )
        .await;
    }

    pub async fn clear(&self, e: &Element) {
        self.send(
            "POST",
            &self.s(&format!("/element/{}/clear", e.id)),
            Some(json!({})),
        )
        .await;
    }

    /// Types `text` into the element (WebDriver "Element Send Keys").
    pub async fn send_keys(&self, e: &Element, text: &str) {
        self.send(
            "POST",
            &self.s(&format!("/element/{}/value", e.id)),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// The element's rendered text, as a user reads it.
    pub async fn text(&self, e: &Element) -> String {
        self.send("GET", &self.s(&format!("/element/{}/text", e.id)), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.send(
            "GET",
            &self.s(&format!("/element/{}/attribute/{name}", e.id)),
            None,
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    pub async fn is_displayed(&self, e: &Element) -> bool {
        self.send(
            "GET",
            &self.s(&format!("/element/{}/displayed", e.id)),
            None,
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// Ends the session (Chromium exits) and stops chromedriver.
    pub async fn quit(mut self) {
        if !self.session.is_empty() {
            self.send("DELETE", &self.s(""), None).await;
            self.session.clear();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await, and it also runs while a test panics inside the runtime, so the
        // session is ended with a plain blocking request: without it Chromium would outlive
        // chromedriver.
        if !self.session.is_empty() {
            let _ = blocking_delete(self.addr, &format!("/session/{}", self.session));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn blocking_delete(addr: SocketAddr, path: &str) -> std::io::Result<()> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut sink = Vec::new();
    s.read_to_end(&mut sink)?;
    Ok(())
}

/// Starts chromedriver on a free loopback port and waits until it says it is ready.
async fn start_driver(bin: &Path, http: &reqwest::Client) -> (Child, SocketAddr) {
    let mut last_error = String::new();
    // The port is picked by binding :0 and released for chromedriver to take, so another
    // process can grab it in between; a second port is tried then.
    for _ in 0..3 {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            l.local_addr().expect("local addr")
        };
        let mut child = Command::new(bin)
            .arg(format!("--port={}", addr.port()))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                last_error = format!("chromedriver exited with {status}: {err}");
                break;
            }
            let ready = http
                .get(format!("http://{addr}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(r) = ready
                && let Ok(t) = r.text().await
                && serde_json::from_str::<Value>(&t)
                    .is_ok_and(|v| v["value"]["ready"].as_bool() == Some(true))
            {
                // Its log is not read any further; a full pipe must not block it.
                drop(child.stderr.take());
                return (child, addr);
            }
            if start.elapsed() > DRIVER_START {
                let _ = child.kill();
                let _ = child.wait();
                last_error = format!("chromedriver not ready on {addr} after {DRIVER_START:?}");
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("could not start chromedriver: {last_error}");
}

/// Standard base64 (RFC 4648 §4), as WebDriver sends screenshots; `None` on a bad character.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[test]
fn base64_decodes_padded_and_unpadded() {
    assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
    assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
    assert_eq!(
        decode_base64("iVBORw0K").as_deref(),
        Some(&b"\x89PNG\r\n"[..])
    );
    assert_eq!(decode_base64("a*b"), None);
}
