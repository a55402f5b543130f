//! `serve`: the HTTP catalog API (DESIGN section 6) on axum. Every answer comes from the
//! files on disk: each request first compares a cheap fingerprint of the manifests (their
//! sizes and mtimes) with the one the cached catalog was built from, and re-discovers only
//! when it changed — so a version bump shows on the next request and a burst of requests
//! parses nothing.
//!
//! Bounded: a client must send its request's headers, and an idle connection its next
//! request, within `RBEE_WORKERS_SERVE_TIMEOUT` seconds; at most `RBEE_WORKERS_SERVE_JOBS`
//! renders and downloads run at once, and a request past that is answered 503 with
//! `Retry-After` at once rather than queued; `/health` never waits on upstream work; and a
//! shutdown ends within the same timeout however stalled an upstream is.

use crate::artifacts;
use crate::catalog::{Catalog, Target};
use crate::checksum::sha256_bytes;
use crate::context::Context;
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::kinds::{ArchFlavor, BrewFlavor};
use crate::report;
use crate::wire::{CatalogDoc, SCHEMA};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const CACHE_CONTROL: &str = "public, max-age=30, s-maxage=60";
pub const ERROR_CACHE_CONTROL: &str = "public, max-age=5, s-maxage=5";

/// The catalog as last discovered, and what it was discovered from.
struct Snapshot {
    fingerprint: u64,
    catalog: Arc<Catalog>,
}

pub struct Server {
    cx: Context,
    /// Permits for upstream work (downloads, renders): `RBEE_WORKERS_SERVE_JOBS`.
    upstream: Arc<tokio::sync::Semaphore>,
    snapshot: Mutex<Option<Snapshot>>,
    /// Held while discovering, so a burst of requests after a change discovers once.
    discovering: Mutex<()>,
    /// The community registry (`--db`): votes and ratings in every variant document.
    pub registry: Option<Arc<super::community::Registry>>,
}

/// A hash of the size and mtime of every file discovery reads: worker manifests, crate
/// manifests, workspace roots, the directories that hold workers (for added or removed
/// workers), the configuration, cached sources and template overrides.
fn fingerprint(catalog: Option<&Catalog>, root: Option<&Path>, dirs: &Dirs) -> u64 {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(root) = root {
        paths.push(root.join("bin"));
        paths.push(root.join("bin/community"));
        for (dir, _) in crate::catalog::worker_dirs(root) {
            paths.push(dir.join("worker.toml"));
            paths.push(dir.join("Cargo.toml"));
            paths.push(dir);
        }
    }
    if let Some(c) = catalog {
        for w in &c.workers {
            if let Some(ws) = &w.krate.workspace_root {
                paths.push(ws.join("Cargo.toml"));
                paths.push(ws.join("Cargo.lock"));
            } else {
                paths.push(w.dir.join("Cargo.lock"));
            }
        }
    }
    paths.push(dirs.config.join("config.toml"));
    paths.push(dirs.templates());
    if let Ok(rd) = std::fs::read_dir(dirs.templates()) {
        paths.extend(rd.flatten().map(|e| e.path()));
    }
    if let Ok(rd) = std::fs::read_dir(dirs.cache.join("sources")) {
        for e in rd.flatten() {
            paths.push(e.path().join("index.json"));
            paths.push(e.path().join("repo/.git/HEAD"));
            paths.push(e.path().join("repo/.git/FETCH_HEAD"));
        }
    }
    paths.sort();
    paths.dedup();
    let mut h = DefaultHasher::new();
    for p in &paths {
        p.hash(&mut h);
        if let Ok(m) = std::fs::metadata(p) {
            m.len().hash(&mut h);
            m.modified().ok().hash(&mut h);
        }
    }
    h.finish()
}

impl Server {
    pub fn new(cx: Context, jobs: usize) -> Self {
        Server {
            cx,
            upstream: Arc::new(tokio::sync::Semaphore::new(jobs)),
            snapshot: Mutex::new(None),
            discovering: Mutex::new(()),
            registry: None,
        }
    }

    /// The current catalog: the cached one when nothing on disk changed.
    fn cached(&self, fp: u64) -> Option<Arc<Catalog>> {
        let snap = self.snapshot.lock().expect("the snapshot lock");
        snap.as_ref()
            .filter(|s| s.fingerprint == fp)
            .map(|s| s.catalog.clone())
    }

    /// The current catalog: the cached one when nothing on disk changed.
    ///
    /// The fingerprint is taken before discovering and stored with the result, so a write
    /// that lands during discovery changes the next fingerprint and is never lost. (When
    /// discovery finds new workspace roots, the next request sees them in its fingerprint and
    /// discovers once more.) Stat-ing happens outside any lock, so requests don't queue.
    pub(crate) fn catalog(&self) -> Result<Arc<Catalog>> {
        let cx = self.cx.refresh()?;
        let previous = self
            .snapshot
            .lock()
            .expect("the snapshot lock")
            .as_ref()
            .map(|s| s.catalog.clone());
        let fp = fingerprint(previous.as_deref(), cx.root.as_deref(), &cx.dirs);
        if let Some(c) = self.cached(fp) {
            return Ok(c);
        }
        let _one_at_a_time = self.discovering.lock().expect("the discovery lock");
        if let Some(c) = self.cached(fp) {
            return Ok(c);
        }
        let catalog = Arc::new(super::load_quiet(&cx)?);
        *self.snapshot.lock().expect("the snapshot lock") = Some(Snapshot {
            fingerprint: fp,
            catalog: catalog.clone(),
        });
        Ok(catalog)
    }

    /// Fills the registry's counts into variant documents; the key their ETag includes.
    fn with_community(&self, docs: &mut [crate::wire::VariantDoc]) -> Option<u64> {
        let r = self.registry.as_ref()?;
        r.fill(docs);
        Some(r.community_key())
    }
}

/// A response with an ETag (a hash of the body), answered with 304 when the client has it.
fn respond(
    req: &HeaderMap,
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    respond_keyed(req, status, content_type, body, None)
}

/// `respond`, with an ETag that also changes with `key` (the registry's counts and day).
fn respond_keyed(
    req: &HeaderMap,
    status: StatusCode,
    content_type: &'static str,
    mut body: Vec<u8>,
    key: Option<u64>,
) -> Response {
    let etag = match key {
        None => format!("\"{}\"", &sha256_bytes(&body)[..32]),
        Some(k) => {
            let n = body.len();
            body.extend_from_slice(&k.to_le_bytes());
            let tag = format!("\"{}\"", &sha256_bytes(&body)[..32]);
            body.truncate(n);
            tag
        }
    };
    let matches = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let mut resp = if matches && status == StatusCode::OK {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = (status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    // An error (a worker not there yet, a download that failed) is cached only moments.
    let cache = if status.is_client_error() || status.is_server_error() {
        ERROR_CACHE_CONTROL
    } else {
        CACHE_CONTROL
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

pub(crate) fn json_response<T: serde::Serialize>(
    req: &HeaderMap,
    status: StatusCode,
    doc: &T,
) -> Response {
    json_keyed(req, status, doc, None)
}

fn json_keyed<T: serde::Serialize>(
    req: &HeaderMap,
    status: StatusCode,
    doc: &T,
    key: Option<u64>,
) -> Response {
    let mut body = serde_json::to_vec_pretty(doc).expect("report types serialize");
    body.push(b'\n');
    respond_keyed(req, status, "application/json", body, key)
}

pub(crate) fn error(req: &HeaderMap, status: StatusCode, message: impl Into<String>) -> Response {
    let doc: BTreeMap<&str, String> = [("error", message.into())].into();
    json_response(req, status, &doc)
}

#[derive(Deserialize)]
struct ListQuery {
    platform: Option<String>,
    backend: Option<String>,
}

#[derive(Deserialize)]
struct FlavorQuery {
    flavor: Option<String>,
}

type Shared = Arc<Server>;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("a render task panicked")
}

async fn health(State(s): State<Shared>, req: HeaderMap) -> Response {
    match blocking(move || s.catalog()).await {
        Ok(c) => {
            let doc = serde_json::json!({"status": "ok", "workers": c.workers.len(), "variants": c.variants().len()});
            json_response(&req, StatusCode::OK, &doc)
        }
        Err(e) => error(&req, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn list(State(s): State<Shared>, Query(q): Query<ListQuery>, req: HeaderMap) -> Response {
    let mut filter = crate::catalog::Filter {
        backend: q.backend,
        ..Default::default()
    };
    if let Some(p) = &q.platform {
        let (os, arch) = p
            .split_once('/')
            .map_or((p.as_str(), None), |(o, a)| (o, Some(a)));
        match (os.parse(), arch.map(str::parse).transpose()) {
            (Ok(os), Ok(arch)) => {
                filter.os = Some(os);
                filter.arch = arch;
            }
            _ => return error(&req, StatusCode::BAD_REQUEST, format!("invalid platform `{p}`: expected OS or OS/ARCH (linux|macos|windows, x86_64|aarch64)")),
        }
    }
    let server = s.clone();
    match blocking(move || server.catalog()).await {
        Ok(c) => {
            let mut doc = CatalogDoc {
                schema: SCHEMA,
                workers: c
                    .variants()
                    .into_iter()
                    .filter(|(_, v)| filter.matches(v))
                    .map(|(w, v)| crate::wire::variant_doc(w, v))
                    .collect(),
                problems: c.problems.clone(),
                ranking: None,
                also_in: Vec::new(),
                recommendation: None,
            };
            let key = s.with_community(&mut doc.workers);
            json_keyed(&req, StatusCode::OK, &doc, key)
        }
        Err(e) => error(&req, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn one(State(s): State<Shared>, UrlPath(id): UrlPath<String>, req: HeaderMap) -> Response {
    let server = s.clone();
    let c = match blocking(move || server.catalog()).await {
        Ok(c) => c,
        Err(e) => return error(&req, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let mut workers = match c.lookup(&id) {
        Some(Target::Variant(w, v)) => vec![crate::wire::variant_doc(w, v)],
        Some(Target::Worker(w)) => w
            .variants
            .iter()
            .map(|v| crate::wire::variant_doc(w, v))
            .collect(),
        None => return not_found(&req, &c, &id),
    };
    let key = s.with_community(&mut workers);
    let doc = CatalogDoc {
        schema: SCHEMA,
        workers,
        problems: Vec::new(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    };
    json_keyed(&req, StatusCode::OK, &doc, key)
}

/// The status an error decides (DESIGN section 6).
fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(crate) fn not_found(req: &HeaderMap, c: &Catalog, id: &str) -> Response {
    let hint = c.suggest(id);
    let mut msg = format!("unknown worker or variant `{id}`");
    if !hint.is_empty() {
        msg.push_str(&format!("; did you mean {}?", hint.join(", ")));
    }
    error(req, StatusCode::NOT_FOUND, msg)
}

enum Artifact {
    Pkgbuild,
    Srcinfo,
    Formula,
}

async fn artifact(
    s: Shared,
    id: String,
    flavor: Option<String>,
    kind: Artifact,
    req: HeaderMap,
) -> Response {
    let c = match blocking({
        let s = s.clone();
        move || s.catalog()
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return error(&req, status_of(&e), e.to_string()),
    };
    let (w, v) = match c.lookup(&id) {
        Some(Target::Variant(w, v)) => (w, v),
        Some(Target::Worker(w)) => {
            let ids: Vec<&str> = w.variants.iter().map(|v| v.id.as_str()).collect();
            return error(
                &req,
                StatusCode::NOT_FOUND,
                format!(
                    "`{id}` is a worker; name one of its variants: {}",
                    ids.join(", ")
                ),
            );
        }
        None => return not_found(&req, &c, &id),
    };
    let flavor = flavor.unwrap_or_else(|| "release".into());
    let wanted = match kind {
        Artifact::Pkgbuild | Artifact::Srcinfo => match flavor.as_str() {
            "release" => artifacts::Artifact::Pkgbuild(ArchFlavor::Release),
            "git" => artifacts::Artifact::Pkgbuild(ArchFlavor::Git),
            other => {
                return error(
                    &req,
                    StatusCode::BAD_REQUEST,
                    format!("unknown flavor `{other}`: expected release or git"),
                )
            }
        },
        Artifact::Formula => match BrewFlavor::parse(&flavor) {
            Some(f) => artifacts::Artifact::Formula(f),
            None => {
                return error(
                    &req,
                    StatusCode::BAD_REQUEST,
                    format!("unknown flavor `{flavor}`: expected release or head"),
                )
            }
        },
    };
    // 422: the variant has no such artifact (no Linux, no macOS, no upstream for the flavour).
    if let Err(e) = artifacts::has(w, v, wanted) {
        return error(&req, status_of(&e), e.to_string());
    }
    // Upstream work from here on: a permit, or 503 now (a queue would only hold the client
    // and its socket while a stalled upstream holds everyone ahead of it).
    let Ok(permit) = s.upstream.clone().try_acquire_owned() else {
        return busy(&req);
    };
    // A release render needs the tarball's sha256; an unpinned one is downloaded here, with
    // the async client on the server's runtime, so the render below finds it in the cache.
    // 502 when that download fails.
    if wanted.flavor_name() == "release" && w.upstream.sha256.is_none() && !s.cx.offline {
        if let Some(url) = &w.upstream.tarball {
            if let Err(e) = crate::fetch::fetch_async(url, &s.cx.dirs.cache).await {
                return error(&req, status_of(&e), e.to_string());
            }
        }
    }
    let result = blocking(move || -> Result<(&'static str, String)> {
        // Held until the render is done, even when the client has gone.
        let _permit = permit;
        let Some(Target::Variant(w, v)) = c.lookup(&id) else {
            unreachable!("looked up above")
        };
        let engine = crate::package::engine(None, &s.cx.dirs);
        match wanted {
            artifacts::Artifact::Pkgbuild(f) => {
                let scratch = tempfile::tempdir()
                    .map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
                let (_, pkgbuild, srcinfo, _) =
                    crate::package::render_pkgbuild(&s.cx, &engine, w, v, f, scratch.path())?;
                Ok((
                    "text/plain; charset=utf-8",
                    if matches!(kind, Artifact::Pkgbuild) {
                        pkgbuild
                    } else {
                        srcinfo
                    },
                ))
            }
            artifacts::Artifact::Formula(f) => {
                let (_, text) = crate::package::render_formula(&s.cx, &engine, w, v, f)?;
                Ok(("text/x-ruby; charset=utf-8", text))
            }
        }
    })
    .await;
    match result {
        Ok((ct, text)) => respond(&req, StatusCode::OK, ct, text.into_bytes()),
        Err(e) => error(&req, status_of(&e), e.to_string()),
    }
}

/// How long a client told 503 should wait before asking again, in seconds.
const RETRY_AFTER_SECS: &str = "2";

/// 503: every upstream permit is taken.
fn busy(req: &HeaderMap) -> Response {
    let mut r = error(
        req,
        StatusCode::SERVICE_UNAVAILABLE,
        "busy: every render and download slot is taken (RBEE_WORKERS_SERVE_JOBS); retry shortly",
    );
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    r
}

async fn pkgbuild(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<FlavorQuery>,
    req: HeaderMap,
) -> Response {
    artifact(s, id, q.flavor, Artifact::Pkgbuild, req).await
}

async fn srcinfo(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<FlavorQuery>,
    req: HeaderMap,
) -> Response {
    artifact(s, id, q.flavor, Artifact::Srcinfo, req).await
}

async fn formula(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<FlavorQuery>,
    req: HeaderMap,
) -> Response {
    artifact(s, id, q.flavor, Artifact::Formula, req).await
}

async fn fallback(req: HeaderMap) -> Response {
    error(&req, StatusCode::NOT_FOUND, "no such route; see GET /workers, /workers/{id}, /workers/{id}/PKGBUILD, /workers/{id}/SRCINFO, /workers/{id}/formula, /health")
}

/// One line per request on stderr; errors the framework answers itself (405, a malformed
/// query) are turned into the same JSON errors, with an ETag, as ours.
async fn log(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (method, uri, start) = (req.method().clone(), req.uri().clone(), Instant::now());
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let resp = if (resp.status().is_client_error() || resp.status().is_server_error()) && !is_json {
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body).trim().to_string();
        let message = if text.is_empty() {
            let reason = status.canonical_reason().unwrap_or("error");
            format!("{reason}: {method} {}", uri.path())
        } else {
            text
        };
        error(&HeaderMap::new(), status, message)
    } else {
        resp
    };
    report::say(&format!(
        "{method} {uri} {} {:.1}ms",
        resp.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0
    ));
    resp
}

pub fn router(server: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/workers", get(list))
        .route("/workers/{id}", get(one))
        .route("/workers/{id}/PKGBUILD", get(pkgbuild))
        .route("/workers/{id}/SRCINFO", get(srcinfo))
        .route("/workers/{id}/formula", get(formula))
        .merge(super::community::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn(log))
        .with_state(server)
}

/// Resolves on SIGINT or SIGTERM (the process's one handler, in `exec`). The handler is
/// installed when this is called, before the server says it is listening, so a signal right
/// after that line is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    let stop = crate::exec::stop_requested();
    async move {
        stop.await;
        report::say("shutting down: finishing requests in flight");
    }
}

/// The bounds `serve` keeps (the module note says what they hold).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For a request's headers, for an idle connection's next request, and for the requests
    /// in flight at shutdown.
    pub timeout: std::time::Duration,
    /// Renders and downloads at once.
    pub jobs: usize,
}

impl Limits {
    /// `RBEE_WORKERS_SERVE_TIMEOUT` (seconds, default 10) and `RBEE_WORKERS_SERVE_JOBS`
    /// (default 32).
    pub fn from_env() -> Result<Limits> {
        let secs = crate::fetch::positive_env("RBEE_WORKERS_SERVE_TIMEOUT", 10, "seconds")?;
        let jobs = crate::fetch::positive_env("RBEE_WORKERS_SERVE_JOBS", 32, "jobs")?;
        // Its downloads' bound, checked now rather than on the first render.
        crate::fetch::io_timeout()?;
        Ok(Limits {
            timeout: std::time::Duration::from_secs(secs),
            jobs: usize::try_from(jobs).unwrap_or(usize::MAX).min(4096),
        })
    }
}

/// Serves until SIGINT or SIGTERM; requests in flight get `limits.timeout` to finish.
pub fn serve(cx: &Context, addr: &str, db: Option<&super::community::DbOptions>) -> Result<()> {
    let limits = Limits::from_env()?;
    let mut server = Server::new(cx.clone(), limits.jobs);
    // Discover once up front, so a broken root fails now rather than on the first request.
    server.catalog()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Server {
            message: format!("cannot start the runtime: {e}"),
            help: None,
        })?;
    if let Some(db) = db {
        server.registry = Some(super::community::start(&rt, db)?);
    }
    let server = Arc::new(server);
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::Server {
                message: format!("cannot listen on {addr}: {e}"),
                help: Some("pick another --addr HOST:PORT".into()),
            })?;
        let local = listener.local_addr().map_err(|e| Error::Server {
            message: format!("cannot read the address listened on: {e}"),
            help: None,
        })?;
        let shutdown = shutdown_signal();
        report::say(&format!("serving the catalog on http://{local}"));
        accept_until(listener, router(server), limits, shutdown).await;
        Ok(())
    });
    // A render still running on the blocking pool gets no longer than the requests did.
    rt.shutdown_timeout(limits.timeout);
    served
}

/// The accept loop: each connection served by hyper with a header-read timeout (which also
/// closes a keep-alive connection idle that long), watched for a graceful shutdown that is
/// given `limits.timeout` before the connections left are dropped.
async fn accept_until(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                // Out of file descriptors (or a connection reset before it was accepted):
                // wait a moment for the timeouts to free some, rather than spin.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            // A client that hangs up or is cut off by a timeout is no error of ours.
            let _ = conn.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.timeout, graceful.shutdown())
        .await
        .is_err()
    {
        report::say(&format!(
            "shutting down: requests still in flight after {} s are dropped",
            limits.timeout.as_secs()
        ));
    }
}
