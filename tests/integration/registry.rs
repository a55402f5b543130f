//! The community registry (DESIGN section 10, issue 16) through the real binary: `serve
//! --db` on a real SQLite file and a real PostgreSQL (tests/integration/pg.rs), the same
//! cases against both; accounts by `registry user`, writes by `login`/`vote`/`rate` and by
//! raw HTTP, counts read back by `info`, `search --sort` and `GET /workers`.

use crate::pg::Postgres;
use crate::support::{assert_success, stderr, stdout, Sandbox};
use reqwest::blocking::Client;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A database for one test: an SQLite file in the sandbox, or a running PostgreSQL.
enum Db {
    Sqlite(String),
    Postgres(Postgres),
}

impl Db {
    fn url(&self) -> String {
        match self {
            Db::Sqlite(u) => u.clone(),
            Db::Postgres(p) => p.url(),
        }
    }
}

fn sqlite(s: &Sandbox) -> Option<Db> {
    Some(Db::Sqlite(format!(
        "sqlite:{}",
        s.path("registry/votes.db").display()
    )))
}

fn postgres(_: &Sandbox) -> Option<Db> {
    Postgres::start().map(Db::Postgres)
}

/// The same test body against each backend.
macro_rules! both_backends {
    ($body:ident) => {
        mod $body {
            #[test]
            fn sqlite() {
                let s = crate::support::Sandbox::new();
                if let Some(db) = super::sqlite(&s) {
                    super::$body(&s, &db);
                }
            }
            #[test]
            fn postgres() {
                let s = crate::support::Sandbox::new();
                if let Some(db) = super::postgres(&s) {
                    super::$body(&s, &db);
                }
            }
        }
    };
}

/// `rbee-workers ARGS` in the sandbox, with extra environment.
fn run_env(s: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = s.std_cmd();
    cmd.args(args).envs(env.iter().copied());
    cmd.stdin(Stdio::null()).output().expect("run rbee-workers")
}

fn run(s: &Sandbox, args: &[&str]) -> Output {
    run_env(s, args, &[])
}

fn ok(s: &Sandbox, args: &[&str]) -> Output {
    let out = run(s, args);
    assert_success(&out);
    out
}

/// `registry user add NAME --db URL`: the token, alone on its line.
fn add_user(s: &Sandbox, db: &Db, name: &str) -> String {
    let out = ok(s, &["registry", "user", "add", name, "--db", &db.url()]);
    let text = stdout(&out);
    let token = text.trim();
    assert_eq!(text, format!("{token}\n"), "the token alone on one line");
    assert_eq!(token.len(), 64, "32 bytes, hex: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    token.to_string()
}

/// `serve --db URL`, killed on drop; its stderr collected.
struct Served {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    fn start(s: &Sandbox, db: &Db, extra: &[&str]) -> Served {
        let mut cmd = s.std_cmd();
        cmd.arg("--root")
            .arg(examples())
            .args(["serve", "--addr", "127.0.0.1:0", "--db", &db.url()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn serve");
        let err = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { break };
                    if let Some(url) = line.strip_prefix("serving the catalog on ") {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(url.trim().to_string());
                        }
                    }
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => Served { child, base, log },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                panic!("serve never started:\n{}", log.lock().unwrap());
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: serde_json::Value,
}

fn send(c: &Client, method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> Resp {
    let mut req = c.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Resp {
        status,
        headers,
        json,
    }
}

/// `community` of each variant of `worker` in `GET /workers`: all equal, returned once.
fn community(c: &Client, srv: &Served, worker: &str) -> serde_json::Value {
    let r = send(c, "GET", &srv.url("/workers"), None, None);
    assert_eq!(r.status, 200);
    let docs: Vec<&serde_json::Value> = r.json["workers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["worker"] == worker)
        .collect();
    assert!(!docs.is_empty(), "{worker} is in the catalog");
    for d in &docs {
        assert_eq!(
            d["community"], docs[0]["community"],
            "every variant of {worker}"
        );
    }
    docs[0]["community"].clone()
}

fn votes(c: &Client, srv: &Served, worker: &str) -> u64 {
    community(c, srv, worker)["votes"].as_u64().expect("votes")
}

/// Polls (bounded) until `f` holds; the periodic reload makes other writers' counts show.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what}: not within 30 s");
}

fn login(s: &Sandbox, source: &str, token: &str) -> Output {
    let mut cmd = s.std_cmd();
    cmd.args(["login", source])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    child.wait_with_output().unwrap()
}

/// A new user adds two accounts, logs in, votes, unvotes, rates, and reads the counts back
/// through `info`, `search --sort votes` and the HTTP API; nothing ever shows a token.
fn end_to_end(s: &Sandbox, db: &Db) {
    let alice = add_user(s, db, "alice");
    let bob = add_user(s, db, "bob");
    let again = run(s, &["registry", "user", "add", "alice", "--db", &db.url()]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let list = ok(
        s,
        &["--json", "registry", "user", "list", "--db", &db.url()],
    );
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let names: Vec<&str> = doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);

    let srv = Served::start(s, db, &[]);
    let c = client();
    let mut outputs = Vec::new();
    let add = ok(
        s,
        &[
            "source",
            "add",
            "reg",
            &srv.url("/workers"),
            "--kind",
            "index",
        ],
    );
    outputs.push(add);
    outputs.push(ok(s, &["sync"]));

    let logged = login(s, "reg", &alice);
    assert_success(&logged);
    let creds = s.path(".xdg/config/rbee-workers/credentials.toml");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "credentials.toml is private");
    outputs.push(logged);

    // alice through the credentials file, bob through RBEE_WORKERS_TOKEN (which wins).
    outputs.push(ok(s, &["vote", "llm-worker-cuda"]));
    let again = ok(s, &["--json", "vote", "llm-worker"]);
    let doc: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(doc["status"], 200, "a repeated vote is 200: {doc}");
    assert_eq!(doc["community"]["votes"], 1);
    outputs.push(again);
    outputs.push(ok(
        s,
        &["rate", "llm-worker", "5", "--review", "fast and small"],
    ));
    let as_bob = [("RBEE_WORKERS_TOKEN", bob.as_str())];
    for args in [
        &["vote", "llm-worker"][..],
        &["vote", "sd-worker-cpu"],
        &["unvote", "sd-worker"],
        &["rate", "llm-worker-cpu", "4"],
        &["vote", "hello-worker"],
    ] {
        let out = run_env(s, args, &as_bob);
        assert_success(&out);
        outputs.push(out);
    }
    let unvoted = run_env(s, &["--json", "unvote", "sd-worker"], &as_bob);
    let doc: serde_json::Value = serde_json::from_slice(&unvoted.stdout).unwrap();
    assert_eq!(doc["status"], 204, "nothing to take back: {doc}");
    outputs.push(unvoted);

    let llm = community(&c, &srv, "llm-worker");
    assert_eq!(llm["votes"], 2, "{llm}");
    assert_eq!(llm["popularity"], 2.0, "two votes cast today: {llm}");
    assert_eq!(llm["rating"]["count"], 2);
    assert_eq!(llm["rating"]["average"], 4.5);
    assert_eq!(votes(&c, &srv, "sd-worker"), 0);
    assert_eq!(votes(&c, &srv, "hello-worker"), 1);
    let reviews = send(
        &c,
        "GET",
        &srv.url("/workers/llm-worker/reviews"),
        None,
        None,
    );
    assert_eq!(reviews.status, 200);
    assert_eq!(reviews.json["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(reviews.json["reviews"][0]["user"], "alice");
    assert_eq!(reviews.json["reviews"][0]["review"], "fast and small");

    // The counts reach info and search through the index source, after a sync.
    outputs.push(ok(s, &["sync"]));
    let info = ok(s, &["info", "reg/llm-worker-cpu"]);
    let text = stdout(&info);
    assert!(text.contains("Votes           : 2\n"), "{text}");
    assert!(text.contains("Popularity      : 2.00\n"), "{text}");
    assert!(text.contains("Rating          : 4.5 (2)\n"), "{text}");
    outputs.push(info);
    let search = ok(s, &["--json", "search", "worker", "--sort", "votes"]);
    let doc: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
    let ranking: Vec<&str> = doc["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        ranking[0].starts_with("llm-worker-") && ranking[4].starts_with("hello-worker-"),
        "most votes first: {ranking:?}"
    );
    outputs.push(search);

    // A disabled account's votes and ratings stop counting, and its token stops working.
    ok(
        s,
        &["registry", "user", "disable", "bob", "--db", &db.url()],
    );
    eventually("bob's vote no longer counts", || {
        votes(&c, &srv, "llm-worker") == 1
    });
    let refused = run_env(s, &["vote", "sd-worker"], &as_bob);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("HTTP 401"),
        "{}",
        stderr(&refused)
    );
    outputs.push(refused);

    // No token in any output or log (`registry user add` printed each once, above).
    let mut all = srv.log();
    for o in &outputs {
        all.push_str(&stdout(o));
        all.push_str(&stderr(o));
    }
    for t in [&alice, &bob] {
        assert!(!all.contains(t.as_str()), "a token leaked:\n{all}");
    }
}
both_backends!(end_to_end);

/// Every bad input of the issue, each answered with its status, in the order 413 > 401 >
/// 404 > 400, and a flood from one token limited without counting refused requests.
fn bad_input(s: &Sandbox, db: &Db) {
    let good = add_user(s, db, "good");
    let gone = add_user(s, db, "gone");
    let flood = add_user(s, db, "flood");
    ok(
        s,
        &["registry", "user", "disable", "gone", "--db", &db.url()],
    );
    let srv = Served::start(s, db, &["--write-limit", "5"]);
    let c = client();
    let u = |p: &str| srv.url(p);
    let status =
        |m: &str, p: &str, t: Option<&str>, b: Option<&str>| send(&c, m, &u(p), t, b).status;
    let big = format!("{{\"stars\": 3, \"review\": \"{}\"}}", "x".repeat(20_000));
    // 413 first, whatever else is wrong.
    assert_eq!(status("PUT", "/workers/nope/rating", None, Some(&big)), 413);
    assert_eq!(
        status("PUT", "/workers/llm-worker/rating", Some(&good), Some(&big)),
        413
    );
    // 401: none, wrong, disabled; before 404.
    let r = send(&c, "PUT", &u("/workers/llm-worker/vote"), None, None);
    assert_eq!(r.status, 401);
    assert!(r.headers.contains_key("www-authenticate"));
    assert!(r.json["error"].as_str().unwrap().contains("token"));
    assert_eq!(status("PUT", "/workers/nope/vote", None, None), 401);
    assert_eq!(
        status("PUT", "/workers/llm-worker/vote", Some("wrong"), None),
        401
    );
    assert_eq!(
        status("PUT", "/workers/llm-worker/vote", Some(&gone), None),
        401
    );
    // 404 before 400.
    assert_eq!(status("PUT", "/workers/nope/vote", Some(&good), None), 404);
    assert_eq!(
        status(
            "PUT",
            "/workers/nope/rating",
            Some(&good),
            Some("{\"stars\": 9}")
        ),
        404
    );
    // 400: bad values and bad bodies.
    let rating = "/workers/llm-worker/rating";
    for body in [
        "{\"stars\": 0}".to_string(),
        "{\"stars\": 6}".to_string(),
        "{\"stars\": \"five\"}".to_string(),
        "not json".to_string(),
        "{\"stars\": 3, \"extra\": 1}".to_string(),
        "{\"stars\": 3, \"review\": \"line\\u0007bell\"}".to_string(),
        "{\"stars\": 3, \"review\": \"two\\nlines\"}".to_string(),
        format!("{{\"stars\": 3, \"review\": \"{}\"}}", "é".repeat(2001)),
    ] {
        let r = send(&c, "PUT", &u(rating), Some(&good), Some(&body));
        assert_eq!(r.status, 400, "{body:.80}: {}", r.json);
        assert!(r.json["error"].is_string());
    }
    let long = format!("{{\"stars\": 3, \"review\": \"{}\"}}", "é".repeat(2000));
    assert_eq!(
        status("PUT", rating, Some(&good), Some(&long)),
        201,
        "2,000 characters is fine"
    );
    assert_eq!(
        status("PUT", rating, Some(&good), Some("{\"stars\": 2}")),
        200,
        "a repeated PUT"
    );
    assert_eq!(status("DELETE", rating, Some(&good), None), 200);
    assert_eq!(
        status("DELETE", rating, Some(&good), None),
        204,
        "nothing to delete"
    );
    assert_eq!(community(&c, &srv, "llm-worker")["rating"]["count"], 0);
    // The CLI refuses out-of-range stars before sending anything.
    for stars in ["0", "6"] {
        let out = run(s, &["rate", "llm-worker", stars]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }

    // A flood: refused requests do not count; past 5 accepted writes a minute, 429.
    for _ in 0..3 {
        assert_eq!(status("PUT", "/workers/nope/vote", Some(&flood), None), 404);
        assert_eq!(
            status("PUT", rating, Some(&flood), Some("{\"stars\": 0}")),
            400
        );
    }
    for i in 0..5 {
        let st = status("PUT", "/workers/sd-worker/vote", Some(&flood), None);
        assert!(st == 201 || st == 200, "write {i}: {st}");
    }
    let r = send(&c, "PUT", &u("/workers/sd-worker/vote"), Some(&flood), None);
    assert_eq!(r.status, 429, "{}", r.json);
    let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&after), "Retry-After {after}");
    assert_eq!(
        status("PUT", "/workers/sd-worker/vote", Some(&good), None),
        201,
        "other tokens go on"
    );

    // A database that cannot be reached at start: a clear error naming it, no server.
    let bad_url = match db {
        Db::Sqlite(_) => {
            std::fs::write(s.path("not-a-dir"), "").unwrap();
            format!("sqlite:{}", s.path("not-a-dir/registry.db").display())
        }
        Db::Postgres(_) => format!(
            "postgres://rbee@127.0.0.1:{}/postgres",
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        ),
    };
    let out = run(
        s,
        &[
            "--root",
            examples().to_str().unwrap(),
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            &bad_url,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error:") && err.contains("not-a-dir")
            || err.contains("cannot open the registry database postgres://"),
        "{err}"
    );
    assert!(!err.contains("serving the catalog"), "{err}");
}
both_backends!(bad_input);

/// 8 clients × 20 accounts at once, each pair of clients voting the same account for the
/// same worker: exactly one vote per account and worker, exactly one 201 per pair.
fn vote_storm(s: &Sandbox, db: &Db) {
    let tokens: Vec<String> = (0..20).map(|i| add_user(s, db, &format!("u{i}"))).collect();
    let srv = Served::start(s, db, &[]);
    let workers = ["hello-worker", "llm-worker", "sd-worker", "tts-worker"];
    let tokens = Arc::new(tokens);
    let base = srv.base.clone();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (tokens, base) = (tokens.clone(), base.clone());
            std::thread::spawn(move || {
                let c = client();
                let w = ["hello-worker", "llm-worker", "sd-worker", "tts-worker"][t % 4];
                let url = format!("{base}/workers/{w}/vote");
                tokens
                    .iter()
                    .map(|tok| send(&c, "PUT", &url, Some(tok), None).status)
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(statuses.len(), 160);
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        80,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        80,
        "{statuses:?}"
    );
    let c = client();
    for w in workers {
        assert_eq!(votes(&c, &srv, w), 20, "{w}");
    }
}
both_backends!(vote_storm);

/// kill -9 in the middle of writes, then a restart on the same database: every write that
/// was acknowledged is there.
fn kill_loses_nothing(s: &Sandbox, db: &Db) {
    let tokens: Vec<String> = (0..30).map(|i| add_user(s, db, &format!("k{i}"))).collect();
    let mut srv = Served::start(s, db, &[]);
    let (tx, rx) = mpsc::channel::<()>();
    let base = srv.base.clone();
    let acked = Arc::new(Mutex::new(0usize));
    let tried = Arc::new(Mutex::new(0usize));
    let writers: Vec<_> = tokens
        .chunks(10)
        .map(|chunk| {
            let (chunk, base, acked, tried, tx) = (
                chunk.to_vec(),
                base.clone(),
                acked.clone(),
                tried.clone(),
                tx.clone(),
            );
            std::thread::spawn(move || {
                let c = Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                for tok in chunk {
                    *tried.lock().unwrap() += 1;
                    let r = c
                        .put(format!("{base}/workers/llm-worker/vote"))
                        .bearer_auth(&tok)
                        .send();
                    match r {
                        Ok(r) if r.status().as_u16() == 201 => {
                            *acked.lock().unwrap() += 1;
                            let _ = tx.send(());
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    drop(tx);
    // Kill once some writes are acknowledged, while others are in flight.
    for _ in 0..8 {
        rx.recv_timeout(Duration::from_secs(30))
            .expect("acknowledged writes");
    }
    srv.kill9();
    for w in writers {
        w.join().unwrap();
    }
    let (acked, tried) = (*acked.lock().unwrap(), *tried.lock().unwrap());
    assert!(acked >= 8);
    let srv = Served::start(s, db, &[]);
    let n = votes(&client(), &srv, "llm-worker") as usize;
    assert!(
        n >= acked && n <= tried,
        "acknowledged {acked}, attempted {tried}, stored {n}"
    );
}
both_backends!(kill_loses_nothing);

/// Two instances behind one PostgreSQL agree: a write through either shows in both.
#[test]
fn two_instances_on_one_postgres_agree() {
    let s = Sandbox::new();
    let Some(db) = postgres(&s) else { return };
    let t = add_user(&s, &db, "pat");
    let (a, b) = (Served::start(&s, &db, &[]), Served::start(&s, &db, &[]));
    let c = client();
    assert_eq!(
        send(
            &c,
            "PUT",
            &a.url("/workers/llm-worker/vote"),
            Some(&t),
            None
        )
        .status,
        201
    );
    assert_eq!(
        send(
            &c,
            "PUT",
            &b.url("/workers/llm-worker/vote"),
            Some(&t),
            None
        )
        .status,
        200,
        "b sees a's vote"
    );
    let r = send(
        &c,
        "PUT",
        &b.url("/workers/sd-worker/rating"),
        Some(&t),
        Some("{\"stars\": 3}"),
    );
    assert_eq!(r.status, 201);
    eventually("both instances show the same counts", || {
        community(&c, &a, "sd-worker") == community(&c, &b, "sd-worker")
            && community(&c, &a, "llm-worker") == community(&c, &b, "llm-worker")
    });
    assert_eq!(votes(&c, &a, "llm-worker"), 1);
    assert_eq!(community(&c, &a, "sd-worker")["rating"]["average"], 3.0);
}

/// The database goes away while serving: writes answer 503, the catalog is still served
/// (with the last counts); when it is back, writes work again.
#[test]
fn postgres_gone_while_serving_writes_503_reads_ok() {
    let s = Sandbox::new();
    let Some(pg) = Postgres::start() else { return };
    let mut db = Db::Postgres(pg);
    let t = add_user(&s, &db, "pat");
    let srv = Served::start(&s, &db, &[]);
    let c = client();
    assert_eq!(
        send(
            &c,
            "PUT",
            &srv.url("/workers/llm-worker/vote"),
            Some(&t),
            None
        )
        .status,
        201
    );
    let etag_before = send(&c, "GET", &srv.url("/workers"), None, None).headers["etag"].clone();
    let Db::Postgres(pg) = &mut db else {
        unreachable!()
    };
    pg.down();
    let r = send(
        &c,
        "PUT",
        &srv.url("/workers/sd-worker/vote"),
        Some(&t),
        None,
    );
    assert_eq!(r.status, 503, "{}", r.json);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(
        votes(&c, &srv, "llm-worker"),
        1,
        "reads keep the last counts"
    );
    assert_eq!(
        send(&c, "GET", &srv.url("/workers/llm-worker-cpu"), None, None).status,
        200
    );
    pg.up();
    eventually("writes work again", || {
        send(
            &c,
            "PUT",
            &srv.url("/workers/sd-worker/vote"),
            Some(&t),
            None,
        )
        .status
            == 201
    });
    let etag_after = send(&c, "GET", &srv.url("/workers"), None, None).headers["etag"].clone();
    assert_ne!(etag_before, etag_after, "the ETag changes with the counts");
}

/// `export --db` snapshots the counts into every variant document of the export.
#[test]
fn export_snapshots_the_counts() {
    let s = Sandbox::new();
    let db = sqlite(&s).unwrap();
    let t = add_user(&s, &db, "ex");
    {
        let srv = Served::start(&s, &db, &[]);
        let c = client();
        assert_eq!(
            send(
                &c,
                "PUT",
                &srv.url("/workers/sd-worker/vote"),
                Some(&t),
                None
            )
            .status,
            201
        );
    }
    let out = s.path("out");
    let done = run(
        &s,
        &[
            "--root",
            examples().to_str().unwrap(),
            "--offline",
            "export",
            out.to_str().unwrap(),
            "--db",
            &db.url(),
        ],
    );
    assert_success(&done);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap()).unwrap();
    for v in index["workers"].as_array().unwrap() {
        let want = u64::from(v["worker"] == "sd-worker");
        assert_eq!(v["community"]["votes"], want, "{}", v["id"]);
    }
    let one: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("workers/sd-worker-cpu.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(one["workers"][0]["community"]["votes"], 1);
}
