//! The community registry's store (DESIGN section 10): accounts, votes and ratings in SQLite
//! (the default, one file in WAL mode) or PostgreSQL (several `serve` instances share it),
//! through one code path — sqlx's `any` driver, runtime queries whose `$N` placeholders both
//! databases read. Migrations run when the store is opened; the schema is versioned.
//!
//! Tokens: 32 random bytes, shown once; only their SHA-256 is stored, and a request's
//! token is found by the hash of what it sent (an index lookup on a digest, so nothing is
//! compared byte by byte against a secret). Times are Unix seconds, so both databases and
//! the `any` driver hold them as BIGINT.

use crate::error::{Error, Result};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The schema this build writes; a database with a later one is refused.
pub const SCHEMA_VERSION: i64 = 1;

const MIGRATIONS: &[(i64, &[&str])] = &[(
    1,
    &[
        "CREATE TABLE users (name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, \
         disabled BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
        "CREATE TABLE votes (user_name TEXT NOT NULL REFERENCES users(name), \
         worker TEXT NOT NULL, voted_at BIGINT NOT NULL, PRIMARY KEY (user_name, worker))",
        "CREATE TABLE ratings (user_name TEXT NOT NULL REFERENCES users(name), \
         worker TEXT NOT NULL, stars BIGINT NOT NULL, review TEXT, rated_at BIGINT NOT NULL, \
         PRIMARY KEY (user_name, worker))",
        "CREATE INDEX votes_worker ON votes (worker)",
        "CREATE INDEX ratings_worker_time ON ratings (worker, rated_at)",
    ],
)];

/// One account, as `registry user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub name: String,
    pub disabled: bool,
    /// Unix seconds.
    pub created: i64,
}

/// One review, newest first in `/reviews`.
#[derive(Debug, Clone)]
pub struct Review {
    pub user: String,
    pub stars: u8,
    pub review: String,
    pub time: i64,
}

/// The counts of one worker, from enabled accounts only: votes by the day they were cast
/// (popularity is a sum over days), and the ratings' count and sum of stars.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub votes_by_day: BTreeMap<i64, u64>,
    pub ratings: u64,
    pub stars: u64,
}

/// Every worker's tally.
pub type Tallies = BTreeMap<String, Tally>;

/// Whether a PUT made something new or found it there, and whether a DELETE removed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
    Removed,
    Absent,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// The URL with any password masked, for messages.
    shown: String,
    postgres: bool,
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The default database: `sqlite:$XDG_DATA_HOME/rbee-workers/registry.db`.
pub fn default_url(data: &Path) -> String {
    format!("sqlite:{}", data.join("registry.db").display())
}

fn db_error(shown: &str, what: &str, e: &sqlx::Error) -> Error {
    Error::Registry {
        message: format!("registry database {shown}: {what}: {e}"),
        help: None,
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The SHA-256 of a token, hex: what the users table holds.
pub fn token_hash(token: &str) -> String {
    crate::checksum::sha256_bytes(token.as_bytes())
}

/// 32 random bytes from the OS, hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Registry {
        message: format!("cannot draw a random token: {e}"),
        help: None,
    })?;
    Ok(crate::checksum::hex(&bytes))
}

impl Store {
    /// Connects (creating an SQLite file and its directory), and migrates. A database that
    /// cannot be reached is an error naming it, within a few seconds.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let shown = redact(url);
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        let connect_url = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            if file.is_empty() || file == ":memory:" {
                return Err(Error::Usage(format!(
                    "--db {shown}: name a file (sqlite:PATH); an in-memory registry would lose every vote"
                )));
            }
            if let Some(dir) = Path::new(file)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
            }
            if path.contains("mode=") {
                format!("sqlite:{path}")
            } else if path.contains('?') {
                format!("sqlite:{path}&mode=rwc")
            } else {
                format!("sqlite:{path}?mode=rwc")
            }
        } else if postgres {
            url.to_string()
        } else {
            return Err(Error::Usage(format!(
                "--db {shown}: expected sqlite:PATH or postgres://USER@HOST:PORT/DB"
            )));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if postgres { 16 } else { 4 })
            .acquire_timeout(Duration::from_secs(5))
            .connect(&connect_url)
            .await
            .map_err(|e| Error::Registry {
                message: format!("cannot open the registry database {shown}: {e}"),
                help: Some(if postgres {
                    "is the PostgreSQL server running and the URL right (postgres://USER[:PASSWORD]@HOST:PORT/DB)?".into()
                } else {
                    "the file's directory must be writable (--db sqlite:PATH)".into()
                }),
            })?;
        let store = Store {
            pool,
            shown,
            postgres,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn err(&self, what: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
        let what = what.to_string();
        move |e| db_error(&self.shown, &what, &e)
    }

    /// Applies every migration past the recorded version, in one transaction (on PostgreSQL
    /// under an advisory lock, so two instances starting at once migrate once).
    async fn migrate(&self) -> Result<()> {
        if !self.postgres {
            // Persistent in the file: readers never block the writer, and a kill -9 loses
            // nothing committed.
            sqlx::query("PRAGMA journal_mode=WAL")
                .fetch_all(&self.pool)
                .await
                .map_err(self.err("set WAL mode"))?;
        }
        let mut tx = self.pool.begin().await.map_err(self.err("migrate"))?;
        if self.postgres {
            sqlx::query("SELECT 1 AS one FROM (SELECT pg_advisory_xact_lock(7234016)) AS l")
                .fetch_all(&mut *tx)
                .await
                .map_err(self.err("lock for migration"))?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS registry_schema (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(self.err("migrate"))?;
        let row = sqlx::query("SELECT MAX(version) FROM registry_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(self.err("read the schema version"))?;
        let current: i64 = row.try_get::<Option<i64>, _>(0).ok().flatten().unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(Error::Registry {
                message: format!(
                    "registry database {} has schema {current}; this rbee-workers knows {SCHEMA_VERSION}",
                    self.shown
                ),
                help: Some("a newer rbee-workers migrated it: upgrade rbee-workers".into()),
            });
        }
        for (version, steps) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            for step in *steps {
                sqlx::query(step)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err("migrate"))?;
            }
            sqlx::query("DELETE FROM registry_schema")
                .execute(&mut *tx)
                .await
                .map_err(self.err("migrate"))?;
            sqlx::query("INSERT INTO registry_schema (version) VALUES ($1)")
                .bind(*version)
                .execute(&mut *tx)
                .await
                .map_err(self.err("migrate"))?;
        }
        tx.commit().await.map_err(self.err("migrate"))
    }

    /// A new account; its token, shown once. An existing name is an error.
    pub async fn add_user(&self, name: &str) -> Result<String> {
        if let Some(why) = user_name_problem(name) {
            return Err(Error::Usage(format!("invalid user name `{name}`: {why}")));
        }
        let token = new_token()?;
        let added = sqlx::query(
            "INSERT INTO users (name, token_sha256, disabled, created_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(token_hash(&token))
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(self.err("add a user"))?;
        if added.rows_affected() == 0 {
            return Err(Error::Registry {
                message: format!("user `{name}` already exists in {}", self.shown),
                help: Some("pick another name; `registry user list` shows them".into()),
            });
        }
        Ok(token)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT name, disabled, created_at FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("list users"))?;
        rows.iter()
            .map(|r| {
                Ok(User {
                    name: r.try_get(0)?,
                    disabled: r.try_get::<i64, _>(1)? != 0,
                    created: r.try_get(2)?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(self.err("list users"))
    }

    /// Disables an account: its token stops working and its votes and ratings stop counting
    /// (they are kept, so re-enabling by hand in the database restores them).
    pub async fn disable_user(&self, name: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET disabled = 1 WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(self.err("disable a user"))?;
        if done.rows_affected() == 0 {
            return Err(Error::Registry {
                message: format!("no user `{name}` in {}", self.shown),
                help: Some("`registry user list` shows them".into()),
            });
        }
        Ok(())
    }

    /// The enabled account a token belongs to.
    pub async fn user_of(&self, token: &str) -> std::result::Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT name FROM users WHERE token_sha256 = $1 AND disabled = 0")
            .bind(token_hash(token))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0)).transpose()
    }

    pub async fn vote(&self, user: &str, worker: &str) -> std::result::Result<Change, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO votes (user_name, worker, voted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_name, worker) DO NOTHING",
        )
        .bind(user)
        .bind(worker)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() > 0 {
            Change::Created
        } else {
            Change::Unchanged
        })
    }

    pub async fn unvote(
        &self,
        user: &str,
        worker: &str,
    ) -> std::result::Result<Change, sqlx::Error> {
        self.delete("votes", user, worker).await
    }

    pub async fn unrate(
        &self,
        user: &str,
        worker: &str,
    ) -> std::result::Result<Change, sqlx::Error> {
        self.delete("ratings", user, worker).await
    }

    async fn delete(
        &self,
        table: &'static str,
        user: &str,
        worker: &str,
    ) -> std::result::Result<Change, sqlx::Error> {
        let sql = format!("DELETE FROM {table} WHERE user_name = $1 AND worker = $2");
        let done = sqlx::query(&sql)
            .bind(user)
            .bind(worker)
            .execute(&self.pool)
            .await?;
        Ok(if done.rows_affected() > 0 {
            Change::Removed
        } else {
            Change::Absent
        })
    }

    /// One rating per account and worker: a new one, or the account's earlier one replaced.
    pub async fn rate(
        &self,
        user: &str,
        worker: &str,
        stars: u8,
        review: Option<&str>,
    ) -> std::result::Result<Change, sqlx::Error> {
        let (stars, time) = (i64::from(stars), now());
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO ratings (user_name, worker, stars, review, rated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_name, worker) DO NOTHING",
        )
        .bind(user)
        .bind(worker)
        .bind(stars)
        .bind(review)
        .bind(time)
        .execute(&mut *tx)
        .await?;
        let change = if added.rows_affected() > 0 {
            Change::Created
        } else {
            sqlx::query(
                "UPDATE ratings SET stars = $1, review = $2, rated_at = $3 \
                 WHERE user_name = $4 AND worker = $5",
            )
            .bind(stars)
            .bind(review)
            .bind(time)
            .bind(user)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
            Change::Updated
        };
        tx.commit().await?;
        Ok(change)
    }

    /// Ratings with a review, newest first, `per_page` from page `page` (1-based).
    pub async fn reviews(
        &self,
        worker: &str,
        page: u32,
        per_page: u32,
    ) -> std::result::Result<Vec<Review>, sqlx::Error> {
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let rows = sqlx::query(
            "SELECT r.user_name, r.stars, r.review, r.rated_at FROM ratings r \
             JOIN users u ON u.name = r.user_name \
             WHERE r.worker = $1 AND u.disabled = 0 AND r.review IS NOT NULL AND r.review <> '' \
             ORDER BY r.rated_at DESC, r.user_name LIMIT $2 OFFSET $3",
        )
        .bind(worker)
        .bind(i64::from(per_page))
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Review {
                    user: r.try_get(0)?,
                    stars: u8::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0),
                    review: r.try_get(2)?,
                    time: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Every worker's counts, from enabled accounts.
    pub async fn tallies(&self) -> std::result::Result<Tallies, sqlx::Error> {
        let mut out = Tallies::new();
        let votes = sqlx::query(
            "SELECT v.worker, v.voted_at / 86400, COUNT(*) FROM votes v \
             JOIN users u ON u.name = v.user_name WHERE u.disabled = 0 \
             GROUP BY v.worker, v.voted_at / 86400",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &votes {
            let worker: String = r.try_get(0)?;
            let day: i64 = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            *out.entry(worker)
                .or_default()
                .votes_by_day
                .entry(day)
                .or_default() += u64::try_from(n).unwrap_or(0);
        }
        let ratings = sqlx::query(
            "SELECT r.worker, COUNT(*), CAST(SUM(r.stars) AS BIGINT) FROM ratings r \
             JOIN users u ON u.name = r.user_name WHERE u.disabled = 0 GROUP BY r.worker",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &ratings {
            let worker: String = r.try_get(0)?;
            let t = out.entry(worker).or_default();
            t.ratings = u64::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0);
            t.stars = u64::try_from(r.try_get::<i64, _>(2)?).unwrap_or(0);
        }
        Ok(out)
    }

    /// The tallies for a command (export's snapshot), as a located error.
    pub async fn snapshot(&self) -> Result<Tallies> {
        self.tallies().await.map_err(self.err("read the counts"))
    }
}

/// An account name: what a review shows as its author.
pub fn user_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 64 {
        return Some("expected 1 to 64 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Some("expected letters, digits, `-`, `_` or `.`");
    }
    None
}

/// Runs a store operation from synchronous code (the `registry` and `export` commands).
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Registry {
            message: format!("cannot start the runtime: {e}"),
            help: None,
        })?
        .block_on(f)
}

/// `$XDG_CONFIG_HOME/rbee-workers/credentials.toml`: a token per source name.
pub fn credentials_path(config: &Path) -> std::path::PathBuf {
    config.join("credentials.toml")
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

fn read_credentials(path: &Path) -> Result<Credentials> {
    let tree = crate::tree::Tree::unbounded();
    match tree.read_text(path, "credentials.toml", crate::tree::MANIFEST_LIMIT) {
        Ok(text) => toml::from_str(&text).map_err(|e| Error::Corrupt {
            what: "credentials file",
            path: path.to_path_buf(),
            reason: e.message().to_string(),
            help: "it holds `[tokens]` with `SOURCE = \"TOKEN\"` lines; `rbee-workers login SOURCE` rewrites an entry".into(),
        }),
        Err(crate::tree::Unreadable::Missing) => Ok(Credentials::default()),
        Err(crate::tree::Unreadable::Refused(p)) => Err(Error::Located(p)),
    }
}

/// The token stored for `source`.
pub fn stored_token(config: &Path, source: &str) -> Result<Option<String>> {
    Ok(read_credentials(&credentials_path(config))?
        .tokens
        .remove(source))
}

/// Stores `token` for `source`: written to a new file of mode 0600 and renamed over the old.
pub fn store_token(config: &Path, source: &str, token: &str) -> Result<std::path::PathBuf> {
    let path = credentials_path(config);
    let mut creds = read_credentials(&path)?;
    creds.tokens.insert(source.to_string(), token.to_string());
    let text = toml::to_string(&creds).expect("credentials serialize");
    std::fs::create_dir_all(config).map_err(|e| Error::io("create", config, e))?;
    // tempfile creates its file with mode 0600, so the token is never readable by others.
    let mut tmp =
        tempfile::NamedTempFile::new_in(config).map_err(|e| Error::io("create", config, e))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    tmp.persist(&path)
        .map_err(|e| Error::io("write", &path, e.error))?;
    Ok(path)
}

/// A registry's answer: its status and body.
pub struct Answered {
    pub status: u16,
    pub body: String,
}

/// Sends one write to a registry, with the token as a Bearer credential (never in a URL,
/// never printed).
pub fn send(method: &str, url: &str, token: &str, body: Option<String>) -> Result<Answered> {
    let timeout = crate::fetch::io_timeout()?;
    let client = reqwest::blocking::Client::builder()
        .user_agent(concat!("rbee-workers/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .build()
        .map_err(|e| Error::Registry {
            message: format!("cannot reach {url}: {e}"),
            help: None,
        })?;
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a known method");
    let mut req = client
        .request(method, url)
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(b) = body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(b);
    }
    let resp = req.send().map_err(|e| Error::Registry {
        message: format!(
            "cannot reach the registry at {url}: {}",
            crate::fetch::why(&e, timeout)
        ),
        help: Some(
            "is the source's `serve --db` running? `rbee-workers source list` shows its URL".into(),
        ),
    })?;
    let status = resp.status().as_u16();
    let body = resp.text().unwrap_or_default();
    Ok(Answered { status, body })
}
