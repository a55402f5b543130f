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
use std::collections::HashMap;
use std::hash::Hash;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Bodies smaller than this are sent as they are: compressing them saves less than a packet.
const GZIP_MIN: usize = 1400;

/// One response body, its ETag, and its gzip form once asked for.
pub struct Body {
    bytes: Bytes,
    content_type: &'static str,
    /// `"…"`: the first 128 bits of the body's sha256, in hex.
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
        let hash = &hash[..32];
        let tag = |t: String| HeaderValue::from_str(&t).expect("hex is a valid header");
        Body {
            content_type,
            etag: tag(format!("\"{hash}\"")),
            gzip_etag: tag(format!("\"{hash}-gz\"")),
            bytes,
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
        self.bytes.len()
    }

    fn compressible(&self) -> bool {
        self.bytes.len() >= GZIP_MIN
    }

    fn gzipped(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                // A large document is compressed fast: it is made once per generation, but a
                // client waits for it.
                let level = if self.bytes.len() > (1 << 20) {
                    flate2::Compression::fast()
                } else {
                    flate2::Compression::default()
                };
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::with_capacity(self.bytes.len() / 4), level);
                gz.write_all(&self.bytes).expect("compressing into memory");
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
            let body = if gzip {
                self.gzipped()
            } else {
                self.bytes.clone()
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
    pub fn new(number: u64, cx: Context, catalog: Result<Arc<Catalog>, Error>) -> Generation {
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
            let docs = g.docs_for(c, 0, None);
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
        let _one_at_a_time = self.making.lock().expect("the documents lock");
        if let Some(d) = self.docs_ready(extra) {
            return d;
        }
        let list = Arc::new(super::list_doc(
            catalog,
            &crate::catalog::Filter::default(),
            None,
            (extra, registry),
        ));
        let made = Arc::new(Docs {
            extra,
            docs: Bounded::new(cache_limit(&list)),
            list,
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
