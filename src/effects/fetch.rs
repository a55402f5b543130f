//! Downloads: streamed to a temp file in the cache while hashed, then renamed into place, so
//! the cache never holds a partial file. Cached by URL.

use crate::checksum::{sha256_bytes, sha256_file, HashingWriter};
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A file in the download cache and its sha256.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub path: PathBuf,
    pub sha256: String,
}

/// The cache file for `url`: a hash of the URL (so any URL is a safe file name) plus its
/// last segment for people reading the cache.
pub fn cache_path(cache: &Path, url: &str) -> PathBuf {
    let base: String = url
        .rsplit('/')
        .next()
        .unwrap_or("download")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    cache
        .join("downloads")
        .join(format!("{}-{base}", &sha256_bytes(url.as_bytes())[..16]))
}

/// The sha256 of a file in the download cache, hashed once per process while its size and
/// mtime stay the same: export and serve ask for a worker's release sum once per variant,
/// flavour and request, and a source tarball can be large.
fn cached_sha256(path: &Path) -> std::io::Result<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Key = (u64, Option<std::time::SystemTime>);
    static HASHES: OnceLock<Mutex<HashMap<PathBuf, (Key, String)>>> = OnceLock::new();
    let meta = std::fs::metadata(path)?;
    let key = (meta.len(), meta.modified().ok());
    let hashes = HASHES.get_or_init(Default::default);
    if let Some((k, sha)) = hashes.lock().expect("the hash cache").get(path) {
        if *k == key {
            return Ok(sha.clone());
        }
    }
    let sha = sha256_file(path)?;
    hashes
        .lock()
        .expect("the hash cache")
        .insert(path.to_path_buf(), (key, sha.clone()));
    Ok(sha)
}

/// Returns the cached copy of `url`, downloading it first unless `offline`.
pub fn fetch(url: &str, cache: &Path, offline: bool, quiet: bool) -> Result<Fetched> {
    let path = cache_path(cache, url);
    if let Some(hit) = cached(&path)? {
        return Ok(hit);
    }
    if offline {
        return Err(Error::Offline {
            what: format!("{url} is not in the cache and --offline forbids downloading it"),
            help: "run once without --offline, or pin [source].sha256 in worker.toml".into(),
        });
    }
    let tmp = staging(&path)?;
    let sha256 = remembering_failures(url, || download(url, tmp.as_file(), quiet))?;
    keep(tmp, path, sha256)
}

/// The cached copy at `path`, if there is one.
fn cached(path: &Path) -> Result<Option<Fetched>> {
    if !path.is_file() {
        return Ok(None);
    }
    let sha256 = cached_sha256(path).map_err(|e| Error::io("read", path, e))?;
    Ok(Some(Fetched {
        path: path.to_path_buf(),
        sha256,
    }))
}

/// A temp file beside the cache entry `path`, so a finished download is renamed into place
/// and a failed one leaves nothing.
fn staging(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().expect("cache paths have a parent");
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io("create a file in", dir, e))
}

/// Renames a finished download into the cache.
fn keep(tmp: tempfile::NamedTempFile, path: PathBuf, sha256: String) -> Result<Fetched> {
    tmp.persist(&path)
        .map_err(|e| Error::io("write", &path, e.error))?;
    Ok(Fetched { path, sha256 })
}

/// How long a failed download is not retried within one process (a `serve` answering a
/// burst of requests for a tarball it cannot reach should not wait on it for each).
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

type Failures = std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, String)>>;

fn failures() -> &'static Failures {
    static FAILED: std::sync::OnceLock<Failures> = std::sync::OnceLock::new();
    FAILED.get_or_init(Default::default)
}

/// The error of a download of `url` that failed moments ago, if one did.
fn recent_failure(url: &str) -> Option<Error> {
    let failed = failures().lock().expect("the failure cache");
    let (when, reason) = failed.get(url)?;
    (when.elapsed() < RETRY_AFTER).then(|| Error::Download {
        verb: "download",
        url: url.to_string(),
        reason: reason.clone(),
        help: Some("it failed moments ago and is not retried yet".into()),
    })
}

fn remember(url: &str, result: &Result<String>) {
    let mut map = failures().lock().expect("the failure cache");
    match result {
        Err(Error::Download { reason, .. }) => {
            map.insert(url.to_string(), (std::time::Instant::now(), reason.clone()));
        }
        _ => {
            map.remove(url);
        }
    }
}

fn remembering_failures(url: &str, f: impl FnOnce() -> Result<String>) -> Result<String> {
    if let Some(e) = recent_failure(url) {
        return Err(e);
    }
    let result = f();
    remember(url, &result);
    result
}

/// `fetch` for an async caller (`serve`, on its own runtime): the same cache, the same
/// memory of recent failures, with reqwest's async client instead of a blocking one.
pub async fn fetch_async(url: &str, cache: &Path) -> Result<Fetched> {
    let path = cache_path(cache, url);
    if let Some(hit) = cached(&path)? {
        return Ok(hit);
    }
    if let Some(e) = recent_failure(url) {
        return Err(e);
    }
    let tmp = staging(&path)?;
    let result = download_async(url, tmp.as_file()).await;
    remember(url, &result);
    keep(tmp, path, result?)
}

async fn download_async(url: &str, out: &std::fs::File) -> Result<String> {
    let fail = |e: String| Error::Download {
        verb: "download",
        url: url.to_string(),
        reason: e,
        help: Some(
            "check the URL and the server's connection, or pin [source].sha256 in worker.toml"
                .into(),
        ),
    };
    let client = reqwest::Client::builder()
        .user_agent(concat!("rbee-workers/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(io_timeout().min(std::time::Duration::from_secs(10)))
        .read_timeout(io_timeout())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut resp = client.get(url).send().await.map_err(|e| fail(why(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(format!("the server answered {}", resp.status())));
    }
    let mut w = HashingWriter::new(out);
    while let Some(chunk) = resp.chunk().await.map_err(|e| fail(why(&e)))? {
        w.write_all(&chunk).map_err(|e| fail(e.to_string()))?;
    }
    let (mut f, sha) = w.finish();
    f.flush().map_err(|e| fail(e.to_string()))?;
    Ok(sha)
}

/// How long any single network operation — connecting, sending, each read of a body — may
/// take before a download gives up: a stalled server cannot hold a command forever, while a
/// slow but moving download goes on. `RBEE_WORKERS_HTTP_TIMEOUT` (seconds), default 60.
pub fn io_timeout() -> std::time::Duration {
    static T: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *T.get_or_init(|| {
        let secs = std::env::var("RBEE_WORKERS_HTTP_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(60);
        std::time::Duration::from_secs(secs)
    })
}

/// A request error as a person can act on it: a timeout says so and how long it waited;
/// anything else shows its whole chain of causes (reqwest's top line alone says only
/// "error sending request").
fn why(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return timed_out();
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn io_why(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut || e.to_string().contains("timed out") {
        return timed_out();
    }
    e.to_string()
}

fn timed_out() -> String {
    format!(
        "timed out: the server sent nothing for {} s (RBEE_WORKERS_HTTP_TIMEOUT)",
        io_timeout().as_secs()
    )
}

fn client() -> Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .user_agent(concat!("rbee-workers/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(io_timeout().min(std::time::Duration::from_secs(10)))
        // In the blocking client this bounds each operation (each read), not the whole body.
        .timeout(io_timeout())
        .build()
        .map_err(|e| Error::Download {
            verb: "start an HTTP client for",
            url: "downloads".into(),
            reason: e.to_string(),
            help: None,
        })
}

/// Streams `url` into `out`, hashing as it goes; a progress bar on a terminal.
fn download(url: &str, out: &std::fs::File, quiet: bool) -> Result<String> {
    let fail = |e: String| Error::Download {
        verb: "download",
        url: url.to_string(),
        reason: e,
        help: Some(
            "check the URL and your connection, or pin [source].sha256 and use --offline".into(),
        ),
    };
    let mut resp = client()?.get(url).send().map_err(|e| fail(why(&e)))?;
    if !resp.status().is_success() {
        return Err(fail(format!("the server answered {}", resp.status())));
    }
    let bar = crate::report::download_bar(url, resp.content_length(), quiet);
    let mut w = HashingWriter::new(out);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        crate::exec::check_interrupted()?;
        let n = resp.read(&mut buf).map_err(|e| fail(io_why(&e)))?;
        if n == 0 {
            break;
        }
        w.write_all(&buf[..n]).map_err(|e| fail(e.to_string()))?;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    let (f, sha) = w.finish();
    let mut f = f;
    f.flush().map_err(|e| fail(e.to_string()))?;
    Ok(sha)
}

/// The sha256 of a release tarball: the pinned sum when there is one (checked against the
/// cached download if one exists), else the download's.
pub fn release_sha256(
    url: &str,
    pinned: Option<&str>,
    cache: &Path,
    offline: bool,
    quiet: bool,
) -> Result<String> {
    if let Some(pin) = pinned {
        let path = cache_path(cache, url);
        if path.is_file() {
            let got = cached_sha256(&path).map_err(|e| Error::io("read", &path, e))?;
            if got != pin {
                return Err(mismatch(url, pin, &got));
            }
        }
        return Ok(pin.to_string());
    }
    if offline && !cache_path(cache, url).is_file() {
        return Err(Error::Offline {
            what: format!("no pinned sha256 for {url}, and --offline forbids downloading it to compute one"),
            help: "pin it in worker.toml: [source] sha256 = \"<64 hex digits>\", or run without --offline".into(),
        });
    }
    Ok(fetch(url, cache, offline, quiet)?.sha256)
}

pub fn mismatch(url: &str, expected: &str, actual: &str) -> Error {
    Error::ChecksumMismatch {
        url: url.to_string(),
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

/// GET with `If-None-Match`: `None` when the server answers 304 (the cached copy is
/// current), else the body and its `ETag`.
pub fn get_revalidated(
    url: &str,
    etag: Option<&str>,
    quiet: bool,
) -> Result<Option<(Vec<u8>, Option<String>)>> {
    let fail = |e: String| Error::Download {
        verb: "fetch",
        url: url.to_string(),
        reason: e,
        help: None,
    };
    let mut req = client()?.get(url);
    if let Some(e) = etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, e.trim());
    }
    if !quiet {
        crate::report::note(&format!("fetching {url}"));
    }
    let resp = req.send().map_err(|e| fail(why(&e)))?;
    if resp.status() == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !resp.status().is_success() {
        return Err(fail(format!("the server answered {}", resp.status())));
    }
    let new_etag = resp
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.bytes().map_err(|e| fail(why(&e)))?;
    Ok(Some((body.to_vec(), new_etag)))
}
