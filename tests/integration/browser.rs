//! A real headless Chromium for the web catalog's tests, driven over the DevTools protocol
//! on a pipe (`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4). No driver
//! binary, no WebSocket and no new crate: a shell hands the child our pipes as fds 3 and 4.
//! Every wait is bounded; the browser and its profile (a fresh temp dir) go with the value.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "chromium";

/// How long one protocol answer or page load may take before the test fails (a hang, never
/// a timing assertion).
const PATIENCE: Duration = Duration::from_secs(90);

pub struct Browser {
    child: Child,
    to: ChildStdin,
    from: Receiver<Value>,
    next: u64,
    /// Events seen since the last `clear_events`, in order.
    events: Vec<Value>,
    session: String,
    profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser with one blank page, or None (a skip, or a failure under CI) when
    /// there is no Chromium.
    pub fn launch() -> Option<Browser> {
        if !crate::tools::require(CHROMIUM, "the web catalog is tested in a real browser") {
            return None;
        }
        let profile = crate::tools::shared_tempdir();
        let log = std::fs::File::create(profile.path().join("chromium.log")).expect("log file");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec 3<&0 4>&1 </dev/null >/dev/null; exec \"$0\" \"$@\"")
            .arg(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-pipe",
            ])
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("profile").display()
            ))
            .arg("about:blank")
            .env("HOME", profile.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn chromium");
        let to = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        buf.pop_if(|b| *b == 0);
                        match serde_json::from_slice::<Value>(&buf) {
                            Ok(v) => {
                                if tx.send(v).is_err() {
                                    break;
                                }
                            }
                            Err(e) => panic!("chromium sent no JSON ({e}): {buf:?}"),
                        }
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            to,
            from,
            next: 0,
            events: Vec::new(),
            session: String::new(),
            profile,
        };
        let target = b.browser_call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = b.browser_call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        b.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 960, "deviceScaleFactor": 1, "mobile": false}),
        );
        Some(b)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("chromium.log")).unwrap_or_default()
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let m = self.receive(deadline, method);
            if m["id"].as_u64() == Some(id) {
                if let Some(e) = m.get("error") {
                    panic!("{method} failed: {e}");
                }
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    fn receive(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.from.recv_timeout(left) {
            Ok(m) => m,
            Err(_) => panic!(
                "chromium did not answer {what} within {PATIENCE:?}; its log:\n{}",
                self.log()
            ),
        }
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(&session))
    }

    fn clear_events(&mut self) {
        self.events.clear();
    }

    /// Waits for the page's next `method` event (after the last `clear_events`).
    fn wait_event(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let mine = |e: &Value, s: &str| e["method"] == method && e["sessionId"] == s;
        let session = self.session.clone();
        if let Some(e) = self.events.iter().find(|e| mine(e, &session)) {
            return e.clone();
        }
        loop {
            let m = self.receive(deadline, method);
            let found = mine(&m, &session);
            self.events.push(m.clone());
            if found {
                return m;
            }
        }
    }

    /// Loads `url` and waits for its load event.
    pub fn open(&mut self, url: &str) {
        self.clear_events();
        let r = self.call("Page.navigate", json!({"url": url}));
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            panic!("cannot open {url}: {e}");
        }
        self.wait_event("Page.loadEventFired");
    }

    /// Runs `action` (which navigates: a click, Enter in a form) and waits for the new page.
    pub fn navigating(&mut self, action: impl FnOnce(&mut Browser)) {
        self.clear_events();
        action(self);
        self.wait_event("Page.loadEventFired");
    }

    /// The value of a JavaScript expression in the page (the test's own probe of the DOM).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("`{expression}` threw: {e}");
        }
        r["result"]["value"].clone()
    }

    pub fn text(&mut self, selector: &str) -> String {
        let v = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.textContent : null; }})()",
            json!(selector)
        ));
        v.as_str()
            .unwrap_or_else(|| panic!("no element matches `{selector}` in {}", self.url()))
            .to_string()
    }

    pub fn url(&mut self) -> String {
        self.eval("location.href")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn title(&mut self) -> String {
        self.eval("document.title")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Clicks the element as a user would: the mouse at the centre of its first box (a link
    /// that wraps has several; the middle of their union may be no part of it).
    pub fn click(&mut self, selector: &str) {
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getClientRects()[0] || e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            json!(selector)
        ));
        let (x, y) = match at.as_array().map(|a| (a[0].as_f64(), a[1].as_f64())) {
            Some((Some(x), Some(y))) => (x, y),
            _ => panic!("no element matches `{selector}` to click"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Focuses `selector` by clicking it and types `text` into it.
    pub fn type_into(&mut self, selector: &str, text: &str) {
        self.click(selector);
        self.call("Input.insertText", json!({"text": text}));
    }

    pub fn press_enter(&mut self) {
        for kind in ["keyDown", "keyUp"] {
            let mut e =
                json!({"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13});
            if kind == "keyDown" {
                e["text"] = json!("\r");
            }
            self.call("Input.dispatchKeyEvent", e);
        }
    }

    /// Picks `value` in the `<select>` at `selector`, as a user choosing an option does
    /// (the change event included).
    pub fn select(&mut self, selector: &str, value: &str) {
        let ok = self.eval(&format!(
            "(() => {{ const s = document.querySelector({}); if (!s || ![...s.options].some(o => o.value === {v})) return false; s.value = {v}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            json!(selector),
            v = json!(value)
        ));
        assert_eq!(ok, json!(true), "`{selector}` offers no option `{value}`");
    }

    /// What the page printed to its console, threw, or tried to show in a dialog, since the
    /// last navigation.
    pub fn console(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["sessionId"] == self.session.as_str())
            .filter_map(|e| match e["method"].as_str() {
                Some("Runtime.consoleAPICalled") => {
                    Some(format!("console: {}", e["params"]["args"]))
                }
                Some("Runtime.exceptionThrown") => {
                    Some(format!("exception: {}", e["params"]["exceptionDetails"]))
                }
                Some("Page.javascriptDialogOpening") => {
                    Some(format!("dialog: {}", e["params"]["message"]))
                }
                _ => None,
            })
            .collect()
    }

    /// Emulates the system's colour scheme (`light` or `dark`) for `prefers-color-scheme`.
    pub fn color_scheme(&mut self, scheme: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// Saves a PNG of the viewport.
    pub fn screenshot(&mut self, path: &Path) {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64(r["data"].as_str().expect("screenshot data"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (the protocol's binary data), padding allowed.
fn base64(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().fold(0u32, |acc, &c| (acc << 6) | value(c)) << (6 * (4 - chunk.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_the_protocol_s_data() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGVsbG8h"), b"hello!");
    assert_eq!(base64("aA=="), b"h");
}
