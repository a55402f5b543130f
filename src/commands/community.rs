//! The community registry's side of `serve --db` (DESIGN section 10): the vote, rating and
//! review routes, and the counts every variant document carries.
//!
//! The counts are read per request from memory: a tally per worker, reloaded from the
//! database after each write and every few seconds (so instances sharing one PostgreSQL
//! agree), with a `generation` that moves when any count does. `community_key` (the
//! generation and the day, since popularity decays by the day) is what a cached body and
//! an ETag are keyed by.

use super::serve::{error, json_response, Server};
use crate::registry::{Change, Store, Tallies, Tally};
use crate::report;
use crate::wire::{CommunityDoc, ReviewDoc, VariantDoc, SCHEMA};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, put};
use axum::Router;
use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A request body past this is 413, before anything else is looked at.
pub const BODY_LIMIT: usize = 8 * 1024;
/// A review's length, in characters.
pub const REVIEW_LIMIT: usize = 2000;
/// Reviews per page of `/reviews`.
pub const PER_PAGE: u32 = 20;
/// How often the counts are reloaded when nothing was written here.
const REFRESH: Duration = Duration::from_secs(2);
const WINDOW: Duration = Duration::from_secs(60);

type Shared = Arc<Server>;

pub struct Registry {
    store: Store,
    tallies: RwLock<Arc<Tallies>>,
    generation: AtomicU64,
    /// Serialises reloads, so a reload that read older rows never replaces a newer one.
    reloading: tokio::sync::Mutex<()>,
    /// Writes committed here, and how many of them the last reload had seen: concurrent
    /// writers share one reload rather than queueing one each.
    committed: AtomicU64,
    loaded: AtomicU64,
    /// Accepted writes per token (by its hash) in the last minute.
    writes: Mutex<HashMap<String, VecDeque<Instant>>>,
    write_limit: usize,
    /// Whether the last reload failed (logged once per outage).
    down: AtomicBool,
}

/// Today, in days since the epoch (popularity's and the ETag's granularity).
pub fn today() -> i64 {
    crate::registry::now().div_euclid(86_400)
}

/// A tally as the documents carry it: popularity as of `today` (each vote weighted 0.98
/// per whole day of its age), the average rating to two decimals.
pub fn counts_of(t: &Tally, today: i64) -> crate::catalog::Counts {
    let popularity: f64 = t
        .votes_by_day
        .iter()
        .map(|(day, n)| {
            let age = i32::try_from((today - day).max(0)).unwrap_or(i32::MAX);
            *n as f64 * 0.98f64.powi(age)
        })
        // From +0.0: an empty f64 `sum()` is -0.0, which JSON would show as `-0.0`.
        .fold(0.0, |a, b| a + b);
    crate::catalog::Counts {
        votes: t.votes_by_day.values().sum(),
        popularity: (popularity * 1e6).round() / 1e6,
        average: (t.ratings > 0).then(|| {
            let avg = t.stars as f64 / t.ratings as f64;
            (avg * 100.0).round() / 100.0
        }),
        ratings: t.ratings,
    }
}

impl Registry {
    /// Opens the store (migrating it) and loads the counts; unreachable is an error now.
    pub async fn open(url: &str, write_limit: usize) -> crate::error::Result<Registry> {
        let store = Store::open(url).await?;
        let tallies = store.snapshot().await?;
        Ok(Registry {
            store,
            tallies: RwLock::new(Arc::new(tallies)),
            generation: AtomicU64::new(0),
            reloading: tokio::sync::Mutex::new(()),
            committed: AtomicU64::new(0),
            loaded: AtomicU64::new(0),
            writes: Mutex::new(HashMap::new()),
            write_limit,
            down: AtomicBool::new(false),
        })
    }

    pub fn shown(&self) -> &str {
        self.store.shown()
    }

    /// Changes whenever any count changes, and at midnight UTC.
    pub fn community_key(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.generation.load(Ordering::Acquire).hash(&mut h);
        today().hash(&mut h);
        h.finish()
    }

    /// A page (from 1) of the worker's reviews, newest first, as `/reviews` and the worker's
    /// web page show them.
    pub async fn review_docs(
        &self,
        worker: &str,
        page: u32,
    ) -> std::result::Result<Vec<ReviewDoc>, sqlx::Error> {
        let list = self.store.reviews(worker, page, PER_PAGE).await?;
        Ok(list
            .into_iter()
            .map(|v| ReviewDoc {
                user: v.user,
                stars: v.stars,
                review: v.review,
                time: rfc3339(v.time),
            })
            .collect())
    }

    /// Fills `community` into each document, from memory.
    pub fn fill(&self, docs: &mut [VariantDoc]) {
        let tallies = self.tallies.read().expect("the tallies lock").clone();
        let day = today();
        let none = Tally::default();
        for d in docs {
            let t = tallies.get(&d.worker).unwrap_or(&none);
            d.community = Some(CommunityDoc::from(&counts_of(t, day)));
        }
    }

    /// After a write committed: reloads, unless a reload that began after the commit has
    /// already finished (then the counts include it).
    async fn reload_after_write(&self) {
        let mine = self.committed.fetch_add(1, Ordering::AcqRel) + 1;
        let _one = self.reloading.lock().await;
        if self.loaded.load(Ordering::Acquire) >= mine {
            return;
        }
        self.reload_locked().await;
    }

    /// Reloads the counts from the database; the generation moves when they changed.
    pub async fn reload(&self) {
        let _one = self.reloading.lock().await;
        self.reload_locked().await;
    }

    async fn reload_locked(&self) {
        let seen = self.committed.load(Ordering::Acquire);
        match self.store.tallies().await {
            Ok(t) => {
                if self.down.swap(false, Ordering::AcqRel) {
                    report::say(&format!("registry database {} is back", self.shown()));
                }
                let mut cur = self.tallies.write().expect("the tallies lock");
                if **cur != t {
                    *cur = Arc::new(t);
                    self.generation.fetch_add(1, Ordering::AcqRel);
                }
                self.loaded.store(seen, Ordering::Release);
            }
            Err(e) => {
                if !self.down.swap(true, Ordering::AcqRel) {
                    report::say(&format!(
                        "registry database {} unreachable ({e}); serving the last counts, writes answer 503",
                        self.shown()
                    ));
                }
            }
        }
    }

    /// Reloads every few seconds, for writes made through other instances.
    pub async fn keep_fresh(self: Arc<Self>) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.reload().await;
        }
    }

    /// Takes a write slot for `token`, or says in how many seconds one frees up.
    fn reserve(&self, token: &str) -> Result<Instant, u64> {
        let now = Instant::now();
        let mut all = self.writes.lock().expect("the write-limit lock");
        let q = all.entry(token.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= self.write_limit {
            let oldest = *q.front().expect("the limit is at least 1");
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        q.push_back(now);
        Ok(now)
    }

    /// Gives back a slot whose request was refused: refused requests do not count.
    fn release(&self, token: &str, at: Instant) {
        let mut all = self.writes.lock().expect("the write-limit lock");
        if let Some(q) = all.get_mut(token) {
            if let Some(i) = q.iter().rposition(|t| *t == at) {
                q.remove(i);
            }
        }
    }
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/workers/{id}/vote",
            put(writer(Op::Vote)).delete(writer(Op::Unvote)),
        )
        .route(
            "/workers/{id}/rating",
            put(writer(Op::Rate)).delete(writer(Op::Unrate)),
        )
        .route("/workers/{id}/reviews", get(reviews))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Clone, Copy)]
enum Op {
    Vote,
    Unvote,
    Rate,
    Unrate,
}

type Answering = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;
type WriteRequest = (
    State<Shared>,
    UrlPath<String>,
    HeaderMap,
    Result<Bytes, BytesRejection>,
);

/// The handler of one write route.
fn writer(op: Op) -> impl Fn(WriteRequest) -> Answering + Clone + Send + Sync + 'static {
    move |(State(s), UrlPath(id), req, body)| Box::pin(write(s, id, req, body, op))
}

fn no_registry(req: &HeaderMap) -> Response {
    error(
        req,
        StatusCode::NOT_FOUND,
        "this server keeps no community registry: start it with `serve --db [URL]`",
    )
}

fn unavailable(req: &HeaderMap, r: &Registry) -> Response {
    let mut resp = error(
        req,
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the registry database {} is unreachable; nothing was written, retry later",
            r.shown()
        ),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    resp
}

fn unauthorized(req: &HeaderMap, why: &str) -> Response {
    let mut resp = error(req, StatusCode::UNAUTHORIZED, why);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"rbee-workers\""),
    );
    resp
}

/// The token of `Authorization: Bearer TOKEN`.
fn bearer(req: &HeaderMap) -> Option<&str> {
    let v = req.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The worker a variant or worker id names, or the 404 to answer.
async fn worker_of(s: &Shared, id: &str, req: &HeaderMap) -> Result<String, Response> {
    let server = s.clone();
    let catalog = tokio::task::spawn_blocking(move || server.catalog())
        .await
        .expect("discovery panicked");
    match catalog {
        Ok(c) => match c.lookup(id) {
            Some(crate::catalog::Target::Variant(w, _) | crate::catalog::Target::Worker(w)) => {
                Ok(w.id.clone())
            }
            None => Err(super::serve::not_found(req, &c, id)),
        },
        Err(e) => Err(error(req, StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    stars: i64,
    #[serde(default)]
    review: Option<String>,
}

/// A rating's body, or what is wrong with it (400).
fn parse_rating(body: &[u8]) -> Result<(u8, Option<String>), String> {
    let b: RatingBody = serde_json::from_slice(body).map_err(|e| {
        format!("invalid rating body: {e}; expected {{\"stars\": 1..5, \"review\": \"…\"}}")
    })?;
    let stars = u8::try_from(b.stars)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| format!("stars must be 1 to 5, got {}", b.stars))?;
    if let Some(r) = &b.review {
        let n = r.chars().count();
        if n > REVIEW_LIMIT {
            return Err(format!(
                "the review has {n} characters; at most {REVIEW_LIMIT} are allowed"
            ));
        }
        if let Some((i, c)) = r.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(format!(
                "the review has a control character (U+{:04X}) at character {}; write it on one line, without control characters",
                u32::from(c),
                i + 1
            ));
        }
    }
    Ok((stars, b.review.filter(|r| !r.trim().is_empty())))
}

async fn write(
    s: Shared,
    id: String,
    req: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    op: Op,
) -> Response {
    // 413 before anything else, then 401, 404, 400 (DESIGN section 10).
    let body = match body {
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                &req,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {BODY_LIMIT} bytes"),
            )
        }
        Err(rej) => return error(&req, StatusCode::BAD_REQUEST, rej.body_text()),
    };
    let Some(r) = s.registry.clone() else {
        return no_registry(&req);
    };
    let Some(token) = bearer(&req) else {
        return unauthorized(
            &req,
            "a token is needed: send `Authorization: Bearer TOKEN` (`rbee-workers login SOURCE`)",
        );
    };
    let user = match r.store.user_of(token).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return unauthorized(&req, "the token is not valid (or its account is disabled)")
        }
        Err(_) => return unavailable(&req, &r),
    };
    let slot_key = crate::registry::token_hash(token);
    let slot = match r.reserve(&slot_key) {
        Ok(at) => at,
        Err(wait) => {
            let mut resp = error(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "more than {} writes in a minute from this token; retry in {wait} s",
                    r.write_limit
                ),
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&wait.to_string()).expect("digits"),
            );
            return resp;
        }
    };
    let refused = |resp: Response| {
        r.release(&slot_key, slot);
        resp
    };
    let worker = match worker_of(&s, &id, &req).await {
        Ok(w) => w,
        Err(resp) => return refused(resp),
    };
    let done = match op {
        Op::Vote => r.store.vote(&user, &worker).await,
        Op::Unvote => r.store.unvote(&user, &worker).await,
        Op::Unrate => r.store.unrate(&user, &worker).await,
        Op::Rate => match parse_rating(&body) {
            Ok((stars, review)) => r.store.rate(&user, &worker, stars, review.as_deref()).await,
            Err(why) => return refused(error(&req, StatusCode::BAD_REQUEST, why)),
        },
    };
    let change = match done {
        Ok(c) => c,
        Err(_) => return refused(unavailable(&req, &r)),
    };
    r.reload_after_write().await;
    let status = match change {
        Change::Created => StatusCode::CREATED,
        Change::Updated | Change::Unchanged | Change::Removed => StatusCode::OK,
        Change::Absent => {
            let mut resp = Response::new(axum::body::Body::empty());
            *resp.status_mut() = StatusCode::NO_CONTENT;
            return resp;
        }
    };
    let tallies = r.tallies.read().expect("the tallies lock").clone();
    let counts = counts_of(tallies.get(&worker).unwrap_or(&Tally::default()), today());
    let doc = serde_json::json!({
        "schema": SCHEMA,
        "worker": worker,
        "user": user,
        "community": CommunityDoc::from(&counts),
    });
    json_response(&req, status, &doc)
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn reviews(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<PageQuery>,
    req: HeaderMap,
) -> Response {
    let Some(r) = s.registry.clone() else {
        return no_registry(&req);
    };
    let worker = match worker_of(&s, &id, &req).await {
        Ok(w) => w,
        Err(resp) => return resp,
    };
    let page = match q.page.as_deref().map(str::parse::<u32>) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => {
            return error(
                &req,
                StatusCode::BAD_REQUEST,
                "page must be a whole number from 1",
            )
        }
    };
    match r.review_docs(&worker, page).await {
        Ok(reviews) => {
            let doc = serde_json::json!({
                "schema": SCHEMA, "worker": worker, "page": page, "reviews": reviews,
            });
            json_response(&req, StatusCode::OK, &doc)
        }
        Err(_) => unavailable(&req, &r),
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `serve --db URL [--write-limit N]`.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    pub write_limit: usize,
}

/// Opens the registry on serve's runtime and starts its periodic reload.
pub fn start(rt: &tokio::runtime::Runtime, db: &DbOptions) -> crate::error::Result<Arc<Registry>> {
    let r = Arc::new(rt.block_on(Registry::open(&db.url, db.write_limit.max(1)))?);
    rt.spawn(r.clone().keep_fresh());
    report::say(&format!("community registry: {}", r.shown()));
    Ok(r)
}
