//! The web catalog (DESIGN section 11): `serve`'s HTML routes — `GET /` (the catalog page),
//! `GET /w/{worker}` (a worker's page; a variant id redirects to its worker), `GET /style.css`
//! — with the JSON routes' ETags and caching, and the same pages as static files for `export`.
//! The pages themselves are rendered by `pages` from variant documents.

use super::serve::{respond, Server, Shared};
use crate::artifacts::{self, Artifact};
use crate::catalog::{Catalog, Target, Variant, Worker};
use crate::error::{Error, Result};
use crate::pages::{self, Offer, PageQuery, Site};
use crate::wire::VariantDoc;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::path::Path;

const HTML: &str = "text/html; charset=utf-8";

/// What a page may load and do: its own stylesheet, nothing else (no script at all), so a
/// value that escaped its escaping would still run nothing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(catalog_page))
        .route("/w/{worker}", get(worker_page))
        .route("/style.css", get(stylesheet))
}

/// The documents the pages are rendered from: the same the JSON routes answer, with the
/// registry's counts when serve has one.
fn docs(s: &Server, c: &Catalog) -> Vec<VariantDoc> {
    super::serve::with_community(
        s.registry.as_deref(),
        c.variants()
            .into_iter()
            .map(|(w, v)| crate::wire::variant_doc(w, v))
            .collect(),
    )
}

/// The files a variant's page links, from the one policy `serve` answers them by.
fn offers(w: &Worker, v: &Variant) -> Vec<Offer> {
    artifacts::offered(w, v, false)
        .into_iter()
        .flat_map(|(a, has)| offer(&v.id, a, has.err().map(|e| e.to_string())))
        .collect()
}

fn offer(variant: &str, a: Artifact, missing: Option<String>) -> Vec<Offer> {
    match a {
        Artifact::Pkgbuild(f) => Offer::pkgbuild(variant, f, missing).to_vec(),
        Artifact::Formula(f) => vec![Offer::formula(variant, f, missing)],
    }
}

fn html(req: &HeaderMap, status: StatusCode, body: String) -> Response {
    let mut r = respond(req, status, HTML, body.into_bytes());
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// An error as a page (a browser asked for one), with `status`.
fn error_page(
    req: &HeaderMap,
    status: StatusCode,
    heading: &str,
    message: &str,
    suggestions: &[String],
    site: &Site,
) -> Response {
    match pages::error_page(heading, message, suggestions, site) {
        Ok(body) => html(req, status, body),
        Err(e) => plain_error(req, &e),
    }
}

/// A page that failed to render (a bug, not the request's fault): said as plain text.
fn plain_error(req: &HeaderMap, e: &Error) -> Response {
    respond(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        "text/plain; charset=utf-8",
        format!("cannot render the page: {e}\n").into_bytes(),
    )
}

async fn load(s: Shared) -> Result<std::sync::Arc<Catalog>> {
    tokio::task::spawn_blocking(move || s.catalog())
        .await
        .expect("discovery panicked")
}

async fn catalog_page(
    State(s): State<Shared>,
    Query(q): Query<PageQuery>,
    req: HeaderMap,
) -> Response {
    let site = Site::served(0);
    let c = match load(s.clone()).await {
        Ok(c) => c,
        Err(e) => return plain_error(&req, &e),
    };
    match pages::catalog_page(&docs(&s, &c), &q, &site) {
        Ok(Ok(body)) => html(&req, StatusCode::OK, body),
        Ok(Err(bad)) => error_page(
            &req,
            StatusCode::BAD_REQUEST,
            "Bad search",
            &bad.0,
            &[],
            &site,
        ),
        Err(e) => plain_error(&req, &e),
    }
}

async fn worker_page(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    req: HeaderMap,
) -> Response {
    let site = Site::served(1);
    let c = match load(s.clone()).await {
        Ok(c) => c,
        Err(e) => return plain_error(&req, &e),
    };
    let w = match c.lookup(&id) {
        Some(Target::Worker(w)) => w,
        // A variant's page is its worker's, which lists every variant.
        Some(Target::Variant(w, _)) => {
            let to = format!("{}#variant-{id}", w.id);
            let shown = crate::render::escape::html(&w.id);
            let mut r = respond(
                &req,
                StatusCode::MOVED_PERMANENTLY,
                HTML,
                format!("<!doctype html><title>Moved</title><p>See {shown}.</p>\n").into_bytes(),
            );
            // An id from an index source may not be header-safe: then back to the catalog.
            let location = HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("../"));
            r.headers_mut().insert(header::LOCATION, location);
            return r;
        }
        None => {
            let hint = c.suggest(&id);
            return error_page(
                &req,
                StatusCode::NOT_FOUND,
                "No such worker",
                &format!("The catalog has no worker or variant `{id}`."),
                &hint,
                &site,
            );
        }
    };
    let variants: Vec<VariantDoc> = super::serve::with_community(
        s.registry.as_deref(),
        w.variants
            .iter()
            .map(|v| crate::wire::variant_doc(w, v))
            .collect(),
    );
    let offered: Vec<Offer> = w.variants.iter().flat_map(|v| offers(w, v)).collect();
    // The newest reviews; a registry that cannot answer now shows none rather than no page.
    let reviews = match &s.registry {
        Some(r) => r.review_docs(&w.id, 1).await.unwrap_or_default(),
        None => Vec::new(),
    };
    match pages::worker_page(&variants, &offered, &reviews, &site) {
        Ok(body) => html(&req, StatusCode::OK, body),
        Err(e) => plain_error(&req, &e),
    }
}

async fn stylesheet(req: HeaderMap) -> Response {
    respond(
        &req,
        StatusCode::OK,
        "text/css; charset=utf-8",
        pages::STYLESHEET.as_bytes().to_vec(),
    )
}

/// A variant's files as `export` wrote them: `missing` names those it could not write.
pub fn exported_offers(variant: &str, a: Artifact, missing: Option<String>) -> Vec<Offer> {
    offer(variant, a, missing)
}

/// Writes the pages into an export: `index.html`, `style.css` and `w/{worker}/index.html`,
/// linking each other and the exported files relatively. Returns how many files it wrote.
pub fn write_pages(out: &Path, docs: &[VariantDoc], offers: &[Offer]) -> Result<usize> {
    let index = pages::catalog_page(docs, &PageQuery::default(), &Site::exported(0))?
        .map_err(|bad| Error::Template { message: bad.0 })?;
    crate::atomic::write_unsynced(&out.join("index.html"), index.as_bytes())?;
    crate::atomic::write_unsynced(&out.join("style.css"), pages::STYLESHEET.as_bytes())?;
    let mut files = 2;
    // Grouped once: a scan of every document and offer per worker was quadratic (minutes at
    // 10,000 workers).
    let mut by_worker: std::collections::BTreeMap<&str, Vec<VariantDoc>> = Default::default();
    for d in docs {
        by_worker
            .entry(d.worker.as_str())
            .or_default()
            .push(d.clone());
    }
    let mut by_variant: std::collections::HashMap<&str, Vec<&Offer>> = Default::default();
    for o in offers {
        by_variant.entry(o.variant.as_str()).or_default().push(o);
    }
    for (worker, variants) in by_worker {
        // A document from an index source may name anything; only a plain id is a directory.
        if !crate::manifest::is_valid_id(worker) {
            continue;
        }
        let own: Vec<Offer> = variants
            .iter()
            .flat_map(|v| by_variant.get(v.id.as_str()).into_iter().flatten())
            .map(|o| (*o).clone())
            .collect();
        let page = pages::worker_page(&variants, &own, &[], &Site::exported(2))?;
        let dir = out.join("w").join(worker);
        crate::atomic::make_dir(&dir)?;
        crate::atomic::write_unsynced(&dir.join("index.html"), page.as_bytes())?;
        files += 1;
    }
    Ok(files)
}
