//! Downloads: streamed to a temp file in the cache while hashed and counted, then renamed
//! into place, so the cache never holds a partial file. Cached by URL. Every GET is bounded:
//! each network operation by a timeout, the body by a size cap (refused early when the
//! server publishes a larger size), the whole by Ctrl-C (even in the middle of a stalled
//! read); and one URL is downloaded once at a time however many ask for it (single flight).

use crate::checksum::{sha256_bytes, sha256_file, HashingWriter};
use crate::error::{Error, Result};
use std::io::Write;
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
    block_on(fetch_shared(url, cache, quiet, Stop::OnSignal))?
}

/// `fetch` for an async caller (`serve`, on its own runtime): the same cache, the same
/// single flight and memory of recent failures. A signal does not stop it: `serve` lets the
/// requests in flight finish, within its own bound.
pub async fn fetch_async(url: &str, cache: &Path) -> Result<Fetched> {
    fetch_shared(url, cache, true, Stop::Never).await
}

/// Whether SIGINT/SIGTERM stops a GET (a command's), or the caller bounds it (`serve`'s).
#[derive(Clone, Copy)]
enum Stop {
    OnSignal,
    Never,
}

impl Stop {
    async fn requested(self) {
        match self {
            Stop::OnSignal => crate::exec::stop_requested().await,
            Stop::Never => std::future::pending().await,
        }
    }
}

/// The cached copy, else one download shared by everyone who asks for `url` meanwhile: the
/// first caller downloads, the others wait for it and find its result in the cache (or its
/// failure remembered).
async fn fetch_shared(url: &str, cache: &Path, quiet: bool, stop: Stop) -> Result<Fetched> {
    let path = cache_path(cache, url);
    if let Some(hit) = cached(&path)? {
        return Ok(hit);
    }
    let flight = in_flight(url);
    let _ours = tokio::select! {
        guard = flight.lock() => guard,
        () = stop.requested() => return Err(Error::Interrupted),
    };
    if let Some(hit) = cached(&path)? {
        return Ok(hit);
    }
    if let Some(e) = recent_failure(url) {
        return Err(e);
    }
    let cap = Cap {
        bytes: download_limit()?,
        name: "the download limit (RBEE_WORKERS_DOWNLOAD_LIMIT)",
    };
    let tmp = staging(&path)?;
    let fail = failure(url, "download", DOWNLOAD_HELP);
    let mut w = HashingWriter::new(tmp.as_file());
    let result = get(url, None, cap, &mut w, quiet, stop, &fail)
        .await
        .map(|_| {
            let (_, sha) = w.finish();
            sha
        });
    remember(url, &result);
    let sha256 = result?;
    tmp.as_file().flush().map_err(|e| fail(e.to_string()))?;
    keep(tmp, path, sha256)
}

/// The lock one URL's download is made under. Entries go when their last holder does.
fn in_flight(url: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::sync::{Arc, Mutex, OnceLock, Weak};
    type Flights = Mutex<std::collections::HashMap<String, Weak<tokio::sync::Mutex<()>>>>;
    static FLIGHTS: OnceLock<Flights> = OnceLock::new();
    let mut map = FLIGHTS
        .get_or_init(Default::default)
        .lock()
        .expect("the in-flight map");
    if let Some(f) = map.get(url).and_then(Weak::upgrade) {
        return f;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let f = Arc::new(tokio::sync::Mutex::new(()));
    map.insert(url.to_string(), Arc::downgrade(&f));
    f
}

/// Runs a download for a blocking caller: on the runtime of the thread when it has one
/// (`serve`'s blocking pool), else on a small runtime of its own.
fn block_on<T>(f: impl std::future::Future<Output = T>) -> Result<T> {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        return Ok(rt.block_on(f));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Download {
            verb: "start a runtime for",
            url: "downloads".into(),
            reason: e.to_string(),
            help: None,
        })?;
    Ok(rt.block_on(f))
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
/// and a failed or interrupted one leaves nothing.
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

/// The most bytes a download may have when `RBEE_WORKERS_DOWNLOAD_LIMIT` is not set.
pub const DEFAULT_DOWNLOAD_LIMIT: u64 = 2 << 30;

/// The most bytes an index source may have: an index is a JSON catalog, and one this large
/// is not one.
pub const INDEX_LIMIT: u64 = 64 << 20;

/// `RBEE_WORKERS_DOWNLOAD_LIMIT` (bytes), else the default; a value that is not a positive
/// number is an error before anything is downloaded, never silently the default.
pub fn download_limit() -> Result<u64> {
    positive_env(
        "RBEE_WORKERS_DOWNLOAD_LIMIT",
        DEFAULT_DOWNLOAD_LIMIT,
        "bytes",
    )
}

/// A positive whole number from the environment variable `name`, else `default` (unset or
/// empty); anything else is an error naming the variable and what it expects.
pub fn positive_env(name: &str, default: u64, unit: &str) -> Result<u64> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) if v.is_empty() => Ok(default),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::Usage(format!(
                "{name} is `{v}`; expected a positive number of {unit} (default {default})"
            ))),
        },
    }
}

/// A bound on a body: its bytes and how to name it in an error.
#[derive(Clone, Copy)]
pub struct Cap {
    pub bytes: u64,
    pub name: &'static str,
}

impl Cap {
    /// The bound on an index source.
    pub fn index() -> Cap {
        Cap {
            bytes: INDEX_LIMIT,
            name: "the 64 MiB limit on an index",
        }
    }

    /// The reason a body is refused: `published` is the size the server announced (refused
    /// before reading), else the body grew past the cap while it was read.
    pub fn exceeded(&self, published: Option<u64>) -> String {
        match published {
            Some(size) => format!(
                "the server says it is {size} bytes, more than {} ({} bytes)",
                self.name, self.bytes
            ),
            None => format!("it is larger than {} ({} bytes)", self.name, self.bytes),
        }
    }
}

const DOWNLOAD_HELP: &str =
    "check the URL and your connection, or pin [source].sha256 and use --offline";

fn failure(url: &str, verb: &'static str, help: &str) -> impl Fn(String) -> Error + Sync {
    let (url, help) = (url.to_string(), help.to_string());
    move |reason| Error::Download {
        verb,
        url: url.clone(),
        reason,
        help: (!help.is_empty()).then(|| help.clone()),
    }
}

/// What a GET gave, its body having gone to the writer.
enum Got {
    /// 304: the copy named by `If-None-Match` is current.
    NotModified,
    Body {
        etag: Option<String>,
    },
}

/// One GET of `url` streamed into `out`: at most `cap` bytes (refused before reading when the
/// published length is larger), each network operation bounded by `io_timeout` (a bad value an error), and the
/// whole stopped by SIGINT/SIGTERM (`Error::Interrupted`) even while a read is stalled,
/// unless `stop` says otherwise. A progress bar on a terminal unless `quiet`.
async fn get(
    url: &str,
    if_none_match: Option<&str>,
    cap: Cap,
    out: &mut (dyn Write + Send),
    quiet: bool,
    stop: Stop,
    fail: &(dyn Fn(String) -> Error + Sync),
) -> Result<Got> {
    let stop = stop.requested();
    tokio::pin!(stop);
    let timeout = io_timeout()?;
    let total = total_timeout()?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("rbee-workers/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout.min(std::time::Duration::from_secs(10)))
        .read_timeout(timeout)
        .timeout(total)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let started = std::time::Instant::now();
    let why = |e: &reqwest::Error, timeout| {
        if e.is_timeout() && started.elapsed() >= total {
            format!(
                "timed out: the download took longer than {} s in all (RBEE_WORKERS_HTTP_TOTAL_TIMEOUT)",
                total.as_secs()
            )
        } else {
            why(e, timeout)
        }
    };
    let mut req = client.get(url);
    if let Some(tag) = if_none_match {
        req = req.header(reqwest::header::IF_NONE_MATCH, tag.trim());
    }
    let mut resp = tokio::select! {
        r = req.send() => r.map_err(|e| fail(why(&e, timeout)))?,
        () = &mut stop => return Err(Error::Interrupted),
    };
    if resp.status() == reqwest::StatusCode::NOT_MODIFIED && if_none_match.is_some() {
        return Ok(Got::NotModified);
    }
    if !resp.status().is_success() {
        return Err(fail(format!("the server answered {}", resp.status())));
    }
    if let Some(len) = resp.content_length().filter(|n| *n > cap.bytes) {
        return Err(fail(cap.exceeded(Some(len))));
    }
    let etag = resp
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bar = crate::report::download_bar(url, resp.content_length(), quiet);
    let mut got: u64 = 0;
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c.map_err(|e| fail(why(&e, timeout)))?,
            () = &mut stop => {
                bar.finish_and_clear();
                return Err(Error::Interrupted);
            }
        };
        let Some(chunk) = chunk else { break };
        got += chunk.len() as u64;
        if got > cap.bytes {
            bar.finish_and_clear();
            return Err(fail(cap.exceeded(None)));
        }
        out.write_all(&chunk).map_err(|e| fail(e.to_string()))?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    out.flush().map_err(|e| fail(e.to_string()))?;
    Ok(Got::Body { etag })
}

/// GET with `If-None-Match`: `None` when the server answers 304 (the cached copy is
/// current), else the body (at most `cap`) and its `ETag`.
pub fn get_revalidated(
    url: &str,
    etag: Option<&str>,
    cap: Cap,
    quiet: bool,
) -> Result<Option<(Vec<u8>, Option<String>)>> {
    if !quiet {
        crate::report::note(&format!("fetching {url}"));
    }
    let fail = failure(url, "fetch", "");
    let mut body = Vec::new();
    match block_on(get(url, etag, cap, &mut body, true, Stop::OnSignal, &fail))?? {
        Got::NotModified => Ok(None),
        Got::Body { etag } => Ok(Some((body, etag))),
    }
}

/// How long any single network operation — connecting, sending, each read of a body — may
/// take before a download gives up: a stalled server cannot hold a command forever, while a
/// slow but moving download goes on. `RBEE_WORKERS_HTTP_TIMEOUT` (seconds), default 60; a
/// value that is not a positive number is an error before anything is fetched.
pub fn io_timeout() -> Result<std::time::Duration> {
    positive_env("RBEE_WORKERS_HTTP_TIMEOUT", 60, "seconds").map(std::time::Duration::from_secs)
}

/// How long one download may take in all, however steadily its bytes arrive: a server that
/// trickles a byte a minute cannot hold a command forever either.
/// `RBEE_WORKERS_HTTP_TOTAL_TIMEOUT` (seconds), default 3600.
pub fn total_timeout() -> Result<std::time::Duration> {
    positive_env("RBEE_WORKERS_HTTP_TOTAL_TIMEOUT", 3600, "seconds")
        .map(std::time::Duration::from_secs)
}

/// A request error as a person can act on it: a timeout says so and how long it waited;
/// anything else shows its whole chain of causes (reqwest's top line alone says only
/// "error sending request").
pub(crate) fn why(e: &reqwest::Error, timeout: std::time::Duration) -> String {
    if e.is_timeout() {
        return timed_out(timeout);
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.to_string().contains("timed out") {
            return timed_out(timeout);
        }
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn timed_out(timeout: std::time::Duration) -> String {
    format!(
        "timed out: the server sent nothing for {} s (RBEE_WORKERS_HTTP_TIMEOUT)",
        timeout.as_secs()
    )
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
