//! `serve`: the HTTP catalog API (DESIGN section 6) on axum. Every answer comes from the
//! files on disk, without looking at them per request: one discovery thread (`refresh`)
//! watches them and swaps in a new generation when one changed — so a version bump shows
//! moments after it is written, and a burst of requests parses nothing. Each generation
//! (`cache`) makes its documents once, as shared bytes with their ETags, and renders each
//! artifact once.
//!
//! Bounded: a client must send its request's headers, and an idle connection its next
//! request, within `RBEE_WORKERS_SERVE_TIMEOUT` seconds; at most `RBEE_WORKERS_SERVE_JOBS`
//! renders and downloads run at once, and a request past that is answered 503 with
//! `Retry-After` at once rather than queued; `/health` never waits on upstream work; and a
//! shutdown ends within the same timeout however stalled an upstream is.

mod cache;
mod refresh;

#[cfg(test)]
pub use cache::whole_list;
pub use cache::{Body, Generation};

use crate::artifacts;
use crate::catalog::{Catalog, Filter, Target};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::kinds::{ArchFlavor, BrewFlavor};
use crate::report;
use crate::wire::{CatalogDoc, VariantDoc, SCHEMA};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use cache::{DocKey, Docs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

pub const CACHE_CONTROL: &str = "public, max-age=30, s-maxage=60";
pub const ERROR_CACHE_CONTROL: &str = "public, max-age=5, s-maxage=5";

pub struct Server {
    cx: Context,
    /// Permits for upstream work (downloads, renders): `RBEE_WORKERS_SERVE_JOBS`.
    upstream: Arc<tokio::sync::Semaphore>,
    shared: Arc<refresh::Shared>,
    /// The files' fingerprint just before the first discovery (see [`refresh::spawn`]).
    first_look: u64,
    /// The community registry (`--db`): votes and ratings in every variant document.
    pub registry: Option<Arc<super::community::Registry>>,
}

pub(crate) use super::community::Registry;

/// The second input of every document beside the catalog generation: the registry's counts
/// and the day, which change without a file changing (0 without a registry). Documents made
/// for another value are made again.
fn extra(registry: Option<&Registry>) -> u64 {
    registry.map_or(0, |r| r.community_key())
}

impl Server {
    /// Discovers once (so a broken root fails before listening); [`Server::watch`] keeps it
    /// current from then on.
    pub fn new(cx: Context, jobs: usize) -> Result<Self> {
        let first_look = refresh::first_look(&cx);
        let (now, catalog, unwritten) = refresh::load(&cx, None, None)?;
        // Written first, so what it holds is freed before the documents are made.
        if let Some(u) = unwritten {
            u.finish();
        }
        let first = Generation::new(0, now, Ok(Arc::new(catalog)), None);
        Ok(Server {
            first_look,
            cx,
            upstream: Arc::new(tokio::sync::Semaphore::new(jobs)),
            shared: Arc::new(refresh::Shared::new(first)),
            registry: None,
        })
    }

    /// Starts the discovery thread.
    fn watch(&self, mode: refresh::Mode) {
        refresh::spawn(self.shared.clone(), self.cx.clone(), mode, self.first_look);
    }

    /// The last complete generation (never waits for a discovery).
    pub fn generation(&self) -> Arc<Generation> {
        self.shared.current()
    }

    /// The current catalog.
    pub fn catalog(&self) -> Result<Arc<Catalog>> {
        self.generation()
            .catalog
            .clone()
            .map_err(|f| Error::Server {
                message: f.message,
                help: None,
            })
    }
}

/// A response with an ETag (a hash of the body), answered with 304 when the client has it.
pub fn respond(
    req: &HeaderMap,
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    Body::new(content_type, body).response(req, status)
}

pub fn json_response<T: serde::Serialize>(
    req: &HeaderMap,
    status: StatusCode,
    doc: &T,
) -> Response {
    respond(req, status, "application/json", cache::json_bytes(doc))
}

pub fn error(req: &HeaderMap, status: StatusCode, message: impl Into<String>) -> Response {
    let doc: BTreeMap<&str, String> = [("error", message.into())].into();
    json_response(req, status, &doc)
}

#[derive(Deserialize)]
struct ListQuery {
    platform: Option<String>,
    backend: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

#[derive(Deserialize)]
struct FlavorQuery {
    flavor: Option<String>,
}

pub(super) type Shared = Arc<Server>;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("a render task panicked")
}

/// The generation's catalog and its documents for [`extra`], or the error every route
/// answers while the catalog cannot be read.
async fn current(s: &Shared) -> std::result::Result<(Arc<Catalog>, Arc<Docs>), cache::Failure> {
    let g = s.generation();
    let c = g.catalog.clone()?;
    let extra = extra(s.registry.as_deref());
    if let Some(d) = g.docs_ready(extra) {
        return Ok((c, d));
    }
    let c2 = c.clone();
    let s2 = s.clone();
    let d = blocking(move || g.docs_for(&c2, extra, s2.registry.as_deref())).await;
    Ok((c, d))
}

async fn health(State(s): State<Shared>, req: HeaderMap) -> Response {
    match current(&s).await {
        Ok((c, d)) => d
            .docs
            .get_or(DocKey::Health, || {
                Body::json(&serde_json::json!({"status": "ok", "workers": c.workers.len(), "variants": c.variants().len()}))
            })
            .response(&req, StatusCode::OK),
        Err(f) => error(&req, StatusCode::INTERNAL_SERVER_ERROR, f.message),
    }
}

/// `?page=N&per_page=M` of `GET /workers`: pages count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Page {
    pub page: usize,
    pub per_page: usize,
    /// Variants in the whole (filtered) list, and pages of them.
    pub total: usize,
    pub pages: usize,
}

/// The most entries one page may hold, and a page's size when not given.
const MAX_PER_PAGE: usize = 1000;
const PER_PAGE: usize = 100;

fn page_param(
    name: &str,
    value: Option<&str>,
    max: usize,
) -> std::result::Result<Option<usize>, String> {
    let Some(v) = value else { return Ok(None) };
    match v.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "invalid {name} `{v}`: expected a whole number from 1 to {max}"
        )),
    }
}

/// `GET /workers` with a page: the listing's document of that slice, and where it is.
#[derive(Serialize)]
struct PagedDoc {
    #[serde(flatten)]
    doc: CatalogDoc,
    page: Page,
}

/// The `/workers` document for `filter` (one page of it when `page` is (page, per_page)).
/// `community`: the key of the documents being made, and the registry that fills their
/// counts.
fn list_doc(
    c: &Catalog,
    filter: &Filter,
    page: Option<(usize, usize)>,
    community: (u64, Option<&Registry>),
) -> Body {
    let (key, registry) = community;
    let all: Vec<_> = c
        .variants()
        .into_iter()
        .filter(|(_, v)| filter.matches(v))
        .collect();
    let doc = |workers: Vec<_>| CatalogDoc {
        schema: SCHEMA,
        workers: with_community(
            registry,
            workers
                .into_iter()
                .map(|(w, v)| crate::wire::variant_doc(w, v))
                .collect(),
        ),
        problems: c.problems.clone(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    };
    match page {
        None => Body::json_keyed(&doc(all), key),
        Some((page, per_page)) => {
            let total = all.len();
            let slice = all
                .into_iter()
                .skip((page - 1).saturating_mul(per_page))
                .take(per_page)
                .collect();
            Body::json_keyed(
                &PagedDoc {
                    doc: doc(slice),
                    page: Page {
                        page,
                        per_page,
                        total,
                        pages: total.div_ceil(per_page),
                    },
                },
                key,
            )
        }
    }
}

/// The registry's counts filled into variant documents (as they are without a registry).
pub(super) fn with_community(
    registry: Option<&Registry>,
    mut docs: Vec<VariantDoc>,
) -> Vec<VariantDoc> {
    if let Some(r) = registry {
        r.fill(&mut docs);
    }
    docs
}

async fn list(State(s): State<Shared>, Query(q): Query<ListQuery>, req: HeaderMap) -> Response {
    let mut filter = Filter {
        backend: q.backend.clone(),
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
    let page = match (
        page_param("page", q.page.as_deref(), usize::MAX),
        page_param("per_page", q.per_page.as_deref(), MAX_PER_PAGE),
    ) {
        (Ok(None), Ok(None)) => None,
        (Ok(page), Ok(per_page)) => Some((page.unwrap_or(1), per_page.unwrap_or(PER_PAGE))),
        (Err(e), _) | (_, Err(e)) => return error(&req, StatusCode::BAD_REQUEST, e),
    };
    let (c, d) = match current(&s).await {
        Ok(found) => found,
        Err(f) => return error(&req, StatusCode::INTERNAL_SERVER_ERROR, f.message),
    };
    if page.is_none() && filter.os.is_none() && filter.backend.is_none() {
        return d.list.response(&req, StatusCode::OK);
    }
    // Normalised, so `?platform=linux/x86_64` and its spellings share one body.
    let key = DocKey::List(format!(
        "{:?} {:?} {:?} {page:?}",
        filter.os, filter.arch, filter.backend
    ));
    if let Some(b) = d.docs.get(&key) {
        return b.response(&req, StatusCode::OK);
    }
    let body = blocking(move || {
        let made = list_doc(&c, &filter, page, (d.extra, s.registry.as_deref()));
        d.docs.keep(key, made)
    })
    .await;
    body.response(&req, StatusCode::OK)
}

async fn one(State(s): State<Shared>, UrlPath(id): UrlPath<String>, req: HeaderMap) -> Response {
    let (c, d) = match current(&s).await {
        Ok(found) => found,
        Err(f) => return error(&req, StatusCode::INTERNAL_SERVER_ERROR, f.message),
    };
    let key = DocKey::One(id);
    if let Some(b) = d.docs.get(&key) {
        return b.response(&req, StatusCode::OK);
    }
    let DocKey::One(id) = &key else {
        unreachable!("made above")
    };
    let workers = match c.lookup(id) {
        Some(Target::Variant(w, v)) => vec![crate::wire::variant_doc(w, v)],
        Some(Target::Worker(w)) => w
            .variants
            .iter()
            .map(|v| crate::wire::variant_doc(w, v))
            .collect(),
        None => {
            let id = id.clone();
            return blocking(move || not_found(&req, &c, &id)).await;
        }
    };
    let doc = CatalogDoc {
        schema: SCHEMA,
        workers: with_community(s.registry.as_deref(), workers),
        problems: Vec::new(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    };
    d.docs
        .keep(key, Body::json_keyed(&doc, d.extra))
        .response(&req, StatusCode::OK)
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

/// Which file of an artifact a route answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Artifact {
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
    let g = s.generation();
    let c = match &g.catalog {
        Ok(c) => c.clone(),
        Err(f) => return error(&req, f.status, f.message.clone()),
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
        None => return blocking(move || not_found(&req, &c, &id)).await,
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
    let key = (id, wanted, kind);
    if let Some(b) = g.artifacts.get(&key) {
        return b.response(&req, StatusCode::OK);
    }
    // Upstream work from here on: a permit, or 503 now (a queue would only hold the client
    // and its socket while a stalled upstream holds everyone ahead of it).
    let Ok(permit) = s.upstream.clone().try_acquire_owned() else {
        return busy(&req);
    };
    // A release render needs the tarball's sha256; an unpinned one is downloaded here, with
    // the async client on the server's runtime, so the render below finds it in the cache.
    // 502 when that download fails.
    if wanted.flavor_name() == "release" && w.upstream.sha256.is_none() && !g.cx.offline {
        if let Some(url) = &w.upstream.tarball {
            if let Err(e) = crate::fetch::fetch_async(url, &g.cx.dirs.cache).await {
                return error(&req, status_of(&e), e.to_string());
            }
        }
    }
    let result = blocking(move || -> Result<Arc<Body>> {
        // Held until the render is done, even when the client has gone.
        let _permit = permit;
        let Some(Target::Variant(w, v)) = c.lookup(&key.0) else {
            unreachable!("looked up above")
        };
        let (id, wanted, kind) = key;
        match wanted {
            artifacts::Artifact::Pkgbuild(f) => {
                // The local flavour (the only one that packs a tarball) is not served, so
                // there is no directory to pack into.
                let (_, pkgbuild, srcinfo, _) = crate::package::render_pkgbuild(
                    &g.cx,
                    &g.engine,
                    w,
                    v,
                    f,
                    std::path::Path::new("/nonexistent"),
                )?;
                let ct = "text/plain; charset=utf-8";
                let p = g.artifacts.keep(
                    (id.clone(), wanted, Artifact::Pkgbuild),
                    Body::new(ct, pkgbuild),
                );
                let s = g
                    .artifacts
                    .keep((id, wanted, Artifact::Srcinfo), Body::new(ct, srcinfo));
                Ok(if kind == Artifact::Pkgbuild { p } else { s })
            }
            artifacts::Artifact::Formula(f) => {
                let (_, text) = crate::package::render_formula(&g.cx, &g.engine, w, v, f)?;
                Ok(g.artifacts.keep(
                    (id, wanted, kind),
                    Body::new("text/x-ruby; charset=utf-8", text),
                ))
            }
        }
    })
    .await;
    match result {
        Ok(body) => body.response(&req, StatusCode::OK),
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
    // Ours: JSON, or a page of the web catalog's.
    let is_json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
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
        .merge(super::web::routes())
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
    let mode = refresh::Mode::from_env()?;
    let mut server = Server::new(cx.clone(), limits.jobs)?;
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
    server.watch(mode);
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
