//! A real HTTP/1.1 server on 127.0.0.1 for tests: serves fixed bodies by path and counts
//! the requests it answered.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub struct Server {
    pub base: String,
    hits: Arc<AtomicUsize>,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(AtomicUsize::new(0));
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let (h, f) = (hits.clone(), files.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                        break;
                    }
                }
                h.fetch_add(1, Ordering::SeqCst);
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                let body = f.lock().expect("files").get(&path).cloned();
                let response = match body {
                    Some(b) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&b);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        Server { base, hits, files }
    }

    /// Serves `body` at `path` and returns its URL.
    pub fn serve(&self, path: &str, body: &[u8]) -> String {
        self.files
            .lock()
            .expect("files")
            .insert(path.to_string(), body.to_vec());
        format!("{}{path}", self.base)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------
// An ETag-aware server with a request log (remote sources tests)
// ---------------------------------------------------------------------------------------------

/// One request as the server saw it, and how it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    /// The `If-None-Match` header, as sent.
    pub if_none_match: Option<String>,
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Resource {
    body: Vec<u8>,
    etag: Option<String>,
}

/// Like `Server`, but a resource may carry an `ETag`: a request whose `If-None-Match` names
/// it is answered `304 Not Modified` with no body. Every request is logged (before it is
/// answered, so a test that has seen the client exit sees the entry).
pub struct TagServer {
    pub base: String,
    files: Arc<Mutex<HashMap<String, Resource>>>,
    log: Arc<Mutex<Vec<Logged>>>,
}

impl TagServer {
    pub fn start() -> TagServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let files: Arc<Mutex<HashMap<String, Resource>>> = Arc::default();
        let log: Arc<Mutex<Vec<Logged>>> = Arc::default();
        let (f, l) = (files.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut if_none_match = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.trim().eq_ignore_ascii_case("if-none-match") {
                            if_none_match = Some(value.trim().to_string());
                        }
                    }
                }
                let mut words = request_line.split_whitespace();
                let method = words.next().unwrap_or("").to_string();
                let path = words.next().unwrap_or("/").to_string();
                let resource = f.lock().expect("files").get(&path).cloned();
                let (status, response) = match resource {
                    Some(r) => {
                        let matches = match (&r.etag, &if_none_match) {
                            (Some(tag), Some(inm)) => inm
                                .split(',')
                                .map(str::trim)
                                .any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag)),
                            _ => false,
                        };
                        let etag_line = r
                            .etag
                            .as_ref()
                            .map(|t| format!("ETag: {t}\r\n"))
                            .unwrap_or_default();
                        if matches {
                            (
                                304,
                                format!(
                                    "HTTP/1.1 304 Not Modified\r\n{etag_line}Content-Length: 0\r\nConnection: close\r\n\r\n"
                                )
                                .into_bytes(),
                            )
                        } else {
                            let mut resp = format!(
                                "HTTP/1.1 200 OK\r\n{etag_line}Content-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                                r.body.len()
                            )
                            .into_bytes();
                            resp.extend_from_slice(&r.body);
                            (200, resp)
                        }
                    }
                    None => (
                        404,
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec(),
                    ),
                };
                l.lock().expect("log").push(Logged {
                    method,
                    path,
                    if_none_match,
                    status,
                });
                let _ = stream.write_all(&response);
            }
        });
        TagServer { base, files, log }
    }

    /// Serves `body` at `path` without an ETag and returns its URL.
    pub fn serve(&self, path: &str, body: &[u8]) -> String {
        self.put(path, body, None)
    }

    /// Serves `body` at `path` with `ETag: etag` (give it quoted, as HTTP wants) and returns
    /// its URL.
    pub fn serve_tagged(&self, path: &str, body: &[u8], etag: &str) -> String {
        self.put(path, body, Some(etag.to_string()))
    }

    fn put(&self, path: &str, body: &[u8], etag: Option<String>) -> String {
        self.files.lock().expect("files").insert(
            path.to_string(),
            Resource {
                body: body.to_vec(),
                etag,
            },
        );
        format!("{}{path}", self.base)
    }

    /// Every request so far, oldest first.
    pub fn log(&self) -> Vec<Logged> {
        self.log.lock().expect("log").clone()
    }

    /// The requests for `path`, oldest first.
    pub fn requests_for(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|r| r.path == path).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// A scripted server (bounds tests: stalls, huge or unannounced sizes)
// ---------------------------------------------------------------------------------------------

/// A server that reads each request's head, reports its path on the returned channel, and
/// hands the connection to `answer` (on a thread per connection, so one stalled answer holds
/// no other). Returns the base URL.
pub fn scripted(
    answer: impl Fn(&str, &mut std::net::TcpStream) + Send + Sync + 'static,
) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = std::sync::mpsc::channel();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (tx, answer) = (tx.clone(), answer.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                        break;
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                let _ = tx.send(path.clone());
                answer(&path, &mut stream);
            });
        }
    });
    (base, rx)
}

/// Answers 200 with `Content-Length: announced` and then `body` (which may be shorter).
pub fn announce(stream: &mut std::net::TcpStream, announced: u64, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// Answers 200 with no length (the body ends when the connection closes): `chunks` writes of
/// `chunk`, stopping early when the client hangs up.
pub fn unannounced(stream: &mut std::net::TcpStream, chunk: &[u8], chunks: usize) {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for _ in 0..chunks {
        if stream.write_all(chunk).is_err() {
            return;
        }
    }
}

/// Holds a connection without a word more, as a hung mirror does.
pub fn stall(stream: &mut std::net::TcpStream) {
    let _ = stream.flush();
    std::thread::sleep(std::time::Duration::from_secs(40));
}
