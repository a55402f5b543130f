//! What one catalog generation answers with, made once and kept as shared bytes: each body
//! with its ETag (hashed once, when the body is made) and its gzip form (compressed once, on
//! the first request that accepts it). A generation holds the catalog (with its id index),
//! the configuration it was read with, one template engine, and two caches — documents and
//! rendered artifacts — each bounded in bytes, so memory follows the catalog's size, not the
//! request rate: past the bound a body is still made, just not kept.

use crate::catalog::Catalog;
use crate::checksum::sha256_bytes;
use crate::context::Context;
use crate::error::Error;
use crate::render::Engine;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::Digest;
use std::collections::HashMap;
use std::hash::Hash;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Bodies smaller than this are sent as they are: compressing them saves less than a packet.
const GZIP_MIN: usize = 1400;

/// A body's bytes: whole, or in parts sent one after another (`/workers`: each variant's
/// document a part, shared with the next generation when its worker did not change, so a
/// change makes one variant's bytes again and memory holds one copy of the document).
enum Content {
    Whole(Bytes),
    Parts(Arc<[Bytes]>),
}

/// One response body, its ETag, and its gzip form once asked for.
pub struct Body {
    content: Content,
    len: usize,
    content_type: &'static str,
    /// `"…"`: the first 128 bits of the body's sha256 in hex (for a body in parts, of a hash
    /// over its head, its parts' sums, its tail and its key).
    etag: HeaderValue,
    /// `"…-gz"`: the gzip form is another representation, so another tag.
    gzip_etag: HeaderValue,
    gzip: OnceLock<Bytes>,
}

impl Body {
    pub fn new(content_type: &'static str, bytes: impl Into<Bytes>) -> Body {
        Body::keyed(content_type, bytes, 0)
    }

    /// A body whose ETag also changes with `key` (0: none) — the registry's counts and the
    /// day, which a document's bytes need not show (DESIGN section 10).
    pub fn keyed(content_type: &'static str, bytes: impl Into<Bytes>, key: u64) -> Body {
        let bytes = bytes.into();
        let hash = if key == 0 {
            sha256_bytes(&bytes)
        } else {
            let mut salted = Vec::with_capacity(bytes.len() + 8);
            salted.extend_from_slice(&bytes);
            salted.extend_from_slice(&key.to_le_bytes());
            sha256_bytes(&salted)
        };
        Body::tagged(content_type, Content::Whole(bytes), &hash)
    }

    /// A body in `parts`, whose ETag is made from `hash` (hex: a hash of what the parts hold,
    /// made by the caller without hashing every byte again).
    fn in_parts(content_type: &'static str, parts: Vec<Bytes>, hash: &str) -> Body {
        Body::tagged(content_type, Content::Parts(parts.into()), hash)
    }

    fn tagged(content_type: &'static str, content: Content, hash: &str) -> Body {
        let hash = &hash[..32];
        let tag = |t: String| HeaderValue::from_str(&t).expect("hex is a valid header");
        let len = match &content {
            Content::Whole(b) => b.len(),
            Content::Parts(p) => p.iter().map(Bytes::len).sum(),
        };
        Body {
            content_type,
            etag: tag(format!("\"{hash}\"")),
            gzip_etag: tag(format!("\"{hash}-gz\"")),
            content,
            len,
            gzip: OnceLock::new(),
        }
    }

    pub fn json<T: serde::Serialize>(doc: &T) -> Body {
        Body::new("application/json", json_bytes(doc))
    }

    /// [`Body::json`] with an ETag keyed as [`Body::keyed`].
    pub fn json_keyed<T: serde::Serialize>(doc: &T, key: u64) -> Body {
        Body::keyed("application/json", json_bytes(doc), key)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    fn compressible(&self) -> bool {
        self.len >= GZIP_MIN
    }

    #[cfg(test)]
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// How many slices the body is sent in.
    #[cfg(test)]
    pub fn slices(&self) -> usize {
        match &self.content {
            Content::Whole(_) => 1,
            Content::Parts(p) => p.len(),
        }
    }

    /// The bytes, whole (a copy when in parts).
    #[cfg(test)]
    pub fn to_vec(&self) -> Vec<u8> {
        match &self.content {
            Content::Whole(b) => b.to_vec(),
            Content::Parts(p) => p.concat(),
        }
    }

    fn gzipped(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                // A large document is compressed fast: it is made once per generation, but a
                // client waits for it.
                let level = if self.len > (1 << 20) {
                    flate2::Compression::fast()
                } else {
                    flate2::Compression::default()
                };
                let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(self.len / 4), level);
                match &self.content {
                    Content::Whole(b) => gz.write_all(b),
                    Content::Parts(p) => p.iter().try_for_each(|b| gz.write_all(b)),
                }
                .expect("compressing into memory");
                Bytes::from(gz.finish().expect("compressing into memory"))
            })
            .clone()
    }

    /// The response: 304 when the client has this representation, gzip when it accepts it
    /// (for a 200 of some size), and the caching headers.
    pub fn response(&self, req: &HeaderMap, status: StatusCode) -> Response {
        let ok = status == StatusCode::OK;
        let gzip = ok && self.compressible() && accepts_gzip(req);
        let etag = if gzip { &self.gzip_etag } else { &self.etag };
        let mut resp = if ok && matches_etag(req, etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let body = match (&self.content, gzip) {
                (_, true) => axum::body::Body::from(self.gzipped()),
                (Content::Whole(b), false) => axum::body::Body::from(b.clone()),
                (Content::Parts(p), false) => axum::body::Body::new(PartsBody {
                    parts: p.clone(),
                    next: 0,
                    left: self.len as u64,
                }),
            };
            let mut r = (status, body).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if gzip {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            r
        };
        let h = resp.headers_mut();
        h.insert(header::ETAG, etag.clone());
        if ok && self.compressible() {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        // An error (a worker not there yet, a download that failed) is cached only moments.
        let cache = if status.is_client_error() || status.is_server_error() {
            super::ERROR_CACHE_CONTROL
        } else {
            super::CACHE_CONTROL
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        resp
    }
}

/// The parts of a body, sent one after another with their total length.
struct PartsBody {
    parts: Arc<[Bytes]>,
    next: usize,
    left: u64,
}

impl http_body::Body for PartsBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let part = this.parts.get(this.next).cloned();
        if let Some(p) = &part {
            this.next += 1;
            this.left -= p.len() as u64;
        }
        std::task::Poll::Ready(part.map(|p| Ok(http_body::Frame::data(p))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.parts.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

fn matches_etag(req: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    req.get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
        })
}

/// Whether `Accept-Encoding` takes gzip (`gzip`, `x-gzip` or `*`, with a q above zero).
pub fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            !zero
                && (name.eq_ignore_ascii_case("gzip")
                    || name.eq_ignore_ascii_case("x-gzip")
                    || name == "*")
        })
}

/// A JSON document as every route writes it: pretty, with a final newline.
pub fn json_bytes<T: serde::Serialize>(doc: &T) -> Vec<u8> {
    let mut body = serde_json::to_vec_pretty(doc).expect("report types serialize");
    body.push(b'\n');
    body
}

/// A map of bodies holding at most `limit` bytes of them.
pub struct Bounded<K> {
    map: RwLock<HashMap<K, Arc<Body>>>,
    used: AtomicUsize,
    limit: usize,
}

impl<K: Hash + Eq> Bounded<K> {
    pub fn new(limit: usize) -> Self {
        Bounded {
            map: RwLock::new(HashMap::new()),
            used: AtomicUsize::new(0),
            limit,
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<Body>> {
        self.map.read().expect("the cache lock").get(key).cloned()
    }

    /// The body, kept when there is room for it.
    pub fn keep(&self, key: K, body: Body) -> Arc<Body> {
        let body = Arc::new(body);
        let size = body.len();
        let mut map = self.map.write().expect("the cache lock");
        if let Some(there) = map.get(&key) {
            return there.clone();
        }
        if self.used.load(Ordering::Relaxed) + size <= self.limit {
            self.used.fetch_add(size, Ordering::Relaxed);
            map.insert(key, body.clone());
        }
        body
    }

    /// The body of `key`, made by `make` unless kept.
    pub fn get_or(&self, key: K, make: impl FnOnce() -> Body) -> Arc<Body> {
        match self.get(&key) {
            Some(b) => b,
            None => self.keep(key, make()),
        }
    }
}

/// A catalog that could not be read, as every request answers until the next discovery.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
}

/// What the document cache is keyed by (with the generation it belongs to).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocKey {
    Health,
    /// `/workers` with its query, normalised.
    List(String),
    /// `/workers/{id}`.
    One(String),
}

/// The documents of one generation for one value of the second input (community data,
/// say): the whole `/workers` body made up front, everything else on first request.
pub struct Docs {
    pub extra: u64,
    pub list: Arc<Body>,
    pub docs: Bounded<DocKey>,
    /// The parts of `list`, for the next generation to take what it can.
    fragments: Fragments,
}

/// The parts of a `/workers` document by variant id, and the `extra` they were made for.
pub struct Fragments {
    extra: u64,
    /// In the document's order (by variant id).
    list: Vec<Fragment>,
}

impl Fragments {
    /// Where the bytes of the part of `id` (a variant of `c`, the catalog these were made
    /// from) are: two parts made once are the same bytes.
    #[cfg(test)]
    pub fn at(&self, c: &Catalog, id: &str) -> Option<*const u8> {
        self.list
            .iter()
            .find(|f| c.workers[f.at.0].variants[f.at.1].id == id)
            .map(|f| f.block[f.range.clone()].as_ptr())
    }
}

/// One variant's document as it sits in the `workers` array of the pretty `/workers`
/// document — `,\n` and the document indented two levels (the first one is sent without its
/// comma) — with its sha256, and the worker and variant of its catalog it was made from.
/// Parts made together share one block of memory, so a run of them is sent as one slice.
#[derive(Clone)]
struct Fragment {
    block: Bytes,
    range: std::ops::Range<usize>,
    sum: [u8; 32],
    at: (usize, usize),
}

/// The parts of `docs` (each with where it is in its catalog), in one block.
fn fragments(docs: &[crate::wire::VariantDoc], at: &[(usize, usize)]) -> Vec<Fragment> {
    let each: Vec<Vec<u8>> = docs.iter().map(crate::wire::pretty_element).collect();
    // Exactly as large as what it holds: the block is kept as it is allocated.
    let mut block = Vec::with_capacity(each.iter().map(Vec::len).sum());
    let mut made = Vec::with_capacity(docs.len());
    for (bytes, &at) in each.iter().zip(at) {
        let start = block.len();
        block.extend_from_slice(bytes);
        made.push((start..block.len(), at));
    }
    drop(each);
    let block = Bytes::from(block);
    made.into_iter()
        .map(|(range, at)| Fragment {
            sum: sha2::Sha256::digest(&block[range.clone()]).into(),
            block: block.clone(),
            range,
            at,
        })
        .collect()
}

/// The whole `/workers` document of `c` (what [`json_bytes`] makes of its `CatalogDoc`, byte
/// for byte) in parts, one per variant. A variant whose worker and variant are equal to
/// those its part in `prior` (the last generation's catalog and documents, when made for
/// the same `extra`) was made from takes that part; the others are made now.
pub fn whole_list(
    c: &Catalog,
    community: (u64, Option<&super::Registry>),
    prior: Option<(&Catalog, &Fragments)>,
) -> (Body, Fragments) {
    let (extra, registry) = community;
    let at = c.variant_indices();
    let prior = prior.filter(|(_, d)| d.extra == extra);
    // Both lists are sorted by variant id: one walk pairs them.
    let mut old = prior.map(|(pc, pd)| (pc, pd.list.iter().peekable()));
    let mut same_worker: HashMap<(usize, usize), bool> = HashMap::new();
    let mut parts: Vec<Option<Fragment>> = at
        .iter()
        .map(|&(i, j)| {
            let (pc, old) = old.as_mut()?;
            let w = &c.workers[i];
            let v = &w.variants[j];
            let id_of = |f: &Fragment| &pc.workers[f.at.0].variants[f.at.1].id;
            while old.next_if(|f| *id_of(f) < v.id).is_some() {}
            let f = old.next_if(|f| *id_of(f) == v.id)?;
            let (pi, pj) = f.at;
            let same = *same_worker.entry((pi, i)).or_insert_with(|| {
                // A worker taken from the last catalog is the same allocation.
                let p = &pc.workers[pi];
                Arc::ptr_eq(p, w) || **p == **w
            });
            (same && pc.workers[pi].variants[pj] == *v).then(|| Fragment {
                at: (i, j),
                ..f.clone()
            })
        })
        .collect();
    let todo: Vec<usize> = (0..at.len()).filter(|&k| parts[k].is_none()).collect();
    // In batches: the registry fills a batch at a time, and no document of all is held.
    for batch in todo.chunks(256) {
        let docs = batch
            .iter()
            .map(|&k| {
                let (i, j) = at[k];
                crate::wire::variant_doc(&c.workers[i], &c.workers[i].variants[j])
            })
            .collect();
        let docs = super::with_community(registry, docs);
        let places: Vec<_> = batch.iter().map(|&k| at[k]).collect();
        for (&k, f) in batch.iter().zip(fragments(&docs, &places)) {
            parts[k] = Some(f);
        }
    }
    // filter_map, not flatten: collected in place (an Option<Fragment> is a Fragment's size),
    // so no second list of 40,000 parts at 10,000 workers.
    #[allow(clippy::filter_map_identity)]
    let parts: Vec<Fragment> = parts.into_iter().filter_map(|p| p).collect();
    let frame = json_bytes(&crate::wire::CatalogDoc {
        schema: crate::wire::SCHEMA,
        workers: Vec::new(),
        problems: c.problems.clone(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    });
    let (head, tail) = crate::wire::split_pretty(&frame, !parts.is_empty());
    let mut sum = sha2::Sha256::new();
    let mut body = Vec::with_capacity(parts.len() + 2);
    sum.update(head);
    body.push(Bytes::copy_from_slice(head));
    // Runs of parts next to each other in one block go as one slice of it (the first part
    // without its comma).
    let mut run: Option<(&Bytes, std::ops::Range<usize>)> = None;
    for (n, p) in parts.iter().enumerate() {
        sum.update(p.sum);
        let start = p.range.start + usize::from(n == 0);
        run = match run {
            Some((block, r)) if block.as_ptr() == p.block.as_ptr() && r.end == start => {
                Some((block, r.start..p.range.end))
            }
            Some((block, r)) => {
                body.push(block.slice(r));
                Some((&p.block, start..p.range.end))
            }
            None => Some((&p.block, start..p.range.end)),
        };
    }
    if let Some((block, r)) = run {
        body.push(block.slice(r));
    }
    sum.update(&tail);
    body.push(Bytes::copy_from_slice(&tail));
    sum.update(extra.to_le_bytes());
    let hash = crate::checksum::hex(&sum.finalize());
    (
        Body::in_parts("application/json", body, &hash),
        Fragments { extra, list: parts },
    )
}

/// An artifact of a variant: the id as asked, the artifact, and which file of it.
pub type ArtifactKey = (String, crate::artifacts::Artifact, super::Artifact);

/// One catalog as discovered, with everything answered from it.
pub struct Generation {
    /// Counts discoveries since the server started.
    pub number: u64,
    /// The context it was discovered with (configuration read then).
    pub cx: Context,
    pub catalog: Result<Arc<Catalog>, Failure>,
    /// The one template engine of this generation (templates changed → a new generation).
    pub engine: Engine,
    /// Read by every request; written only to swap in documents made for a new `extra`.
    docs: RwLock<Option<Arc<Docs>>>,
    /// Held while documents are made, so they are made once.
    making: Mutex<()>,
    pub artifacts: Bounded<ArtifactKey>,
}

/// The smallest bound of each cache, however small the catalog.
const MIN_CACHE: usize = 8 << 20;

/// Each cache holds at most half the whole catalog document's size (or [`MIN_CACHE`]).
fn cache_limit(list: &Body) -> usize {
    (list.len() / 2).max(MIN_CACHE)
}

impl Generation {
    /// `prior`: the generation this one follows, whose documents it takes what it can from.
    pub fn new(
        number: u64,
        cx: Context,
        catalog: Result<Arc<Catalog>, Error>,
        prior: Option<&Generation>,
    ) -> Generation {
        let catalog = catalog.map_err(|e| Failure {
            status: StatusCode::from_u16(e.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: e.to_string(),
        });
        let engine = crate::package::engine(None, &cx.dirs);
        let mut g = Generation {
            number,
            cx,
            catalog,
            engine,
            docs: RwLock::new(None),
            making: Mutex::new(()),
            artifacts: Bounded::new(MIN_CACHE),
        };
        // The whole document now, on the discovery thread, so no request waits for it.
        if let Ok(c) = &g.catalog {
            let prior = prior.and_then(|p| Some((p.catalog.as_deref().ok()?, p.docs_ready(0)?)));
            let docs = g.make_docs(c, 0, None, prior.as_ref().map(|(c, d)| (*c, &d.fragments)));
            g.artifacts = Bounded::new(cache_limit(&docs.list));
        }
        g
    }

    /// The documents for `extra`, made now when the ones kept are for another value (call
    /// it off the async threads: this may serialise the whole catalog).
    pub fn docs_for(
        &self,
        catalog: &Catalog,
        extra: u64,
        registry: Option<&super::Registry>,
    ) -> Arc<Docs> {
        self.make_docs(catalog, extra, registry, None)
    }

    fn make_docs(
        &self,
        catalog: &Catalog,
        extra: u64,
        registry: Option<&super::Registry>,
        prior: Option<(&Catalog, &Fragments)>,
    ) -> Arc<Docs> {
        let _one_at_a_time = self.making.lock().expect("the documents lock");
        if let Some(d) = self.docs_ready(extra) {
            return d;
        }
        let (list, fragments) = whole_list(catalog, (extra, registry), prior);
        let list = Arc::new(list);
        let made = Arc::new(Docs {
            extra,
            docs: Bounded::new(cache_limit(&list)),
            list,
            fragments,
        });
        *self.docs.write().expect("the documents lock") = Some(made.clone());
        made
    }

    /// The documents kept for `extra`, when they are (never waits for them to be made).
    pub fn docs_ready(&self, extra: u64) -> Option<Arc<Docs>> {
        let docs = self.docs.try_read().ok()?;
        docs.as_ref().filter(|d| d.extra == extra).cloned()
    }
}
