//! The community registry from the command line (DESIGN section 10): the operator's
//! `registry user add|list|disable` against the database, and a user's `login`, `vote`,
//! `unvote` and `rate`, sent to the index source that provides the worker. A token is
//! never printed, except once by `registry user add`.

use crate::catalog::{SourceKind, Target};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::registry::{self, Store};
use crate::report::{self, Answer};
use crate::wire::{CommunityDoc, SCHEMA};

/// `--db URL`, or the SQLite file under the data directory.
pub fn db_url(cx: &Context, db: Option<&str>) -> String {
    db.map_or_else(|| registry::default_url(&cx.dirs.data), str::to_string)
}

pub fn user_add(cx: &Context, db: Option<&str>, name: &str) -> Result<Answer> {
    let url = db_url(cx, db);
    let token = registry::block_on(async {
        let store = Store::open(&url).await?;
        store.add_user(name).await
    })?;
    let doc = serde_json::json!({"schema": SCHEMA, "name": name, "token": token});
    Ok(Answer::new(&doc, format!("{token}\n")).note(format!(
        "added user {name}; its token is shown this once (only its SHA-256 is kept): give it to them for `rbee-workers login SOURCE`"
    )))
}

pub fn user_list(cx: &Context, db: Option<&str>) -> Result<Answer> {
    let url = db_url(cx, db);
    let users = registry::block_on(async { Store::open(&url).await?.users().await })?;
    let doc = serde_json::json!({"schema": SCHEMA, "users": users});
    if users.is_empty() {
        return Ok(Answer::new(&doc, "").note("no users yet: `registry user add NAME`"));
    }
    let width = users.iter().map(|u| u.name.len()).max().unwrap_or(4).max(4);
    let mut text = format!("{:width$}  STATUS    CREATED\n", "NAME");
    for u in &users {
        let status = if u.disabled { "disabled" } else { "active" };
        text.push_str(&format!(
            "{:width$}  {status:8}  {}\n",
            u.name,
            super::community::rfc3339(u.created)
        ));
    }
    Ok(Answer::new(&doc, text))
}

pub fn user_disable(cx: &Context, db: Option<&str>, name: &str) -> Result<Answer> {
    let url = db_url(cx, db);
    registry::block_on(async { Store::open(&url).await?.disable_user(name).await })?;
    let doc = serde_json::json!({"schema": SCHEMA, "name": name, "disabled": true});
    Ok(Answer::new(&doc, "").note(format!(
        "disabled {name}: its token no longer works and its votes and ratings no longer count"
    )))
}

/// The index source named `name`, as configured.
fn index_source<'c>(cx: &'c Context, name: &str) -> Result<&'c crate::config::SourceConfig> {
    let s = cx
        .config
        .sources
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| Error::UnknownSource {
            name: name.into(),
            suggestions: cx.config.sources.iter().map(|s| s.name.clone()).collect(),
        })?;
    if s.kind != crate::config::RemoteKind::Index {
        return Err(Error::Registry {
            message: format!("source `{name}` is a git source; votes and ratings go to an index source's registry"),
            help: Some("add the registry's catalog as an index source: `rbee-workers source add NAME http://HOST:PORT/workers --kind index`".into()),
        });
    }
    Ok(s)
}

/// `login SOURCE`: the token from a prompt (hidden) or, without a terminal, one line of
/// standard input; stored for that source, mode 0600.
pub fn login(cx: &Context, source: &str) -> Result<Answer> {
    index_source(cx, source)?;
    let token = if report::interactive() {
        report::secret(&format!("token for {source}"))?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            Error::Prompt(format!("cannot read the token from standard input: {e}"))
        })?;
        line
    };
    let token = token.trim();
    if token.is_empty() || token.len() > 256 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Usage(
            "expected the token `registry user add` printed (one line, no spaces)".into(),
        ));
    }
    let path = registry::store_token(&cx.dirs.config, source, token)?;
    let doc = serde_json::json!({"schema": SCHEMA, "source": source, "credentials": path});
    Ok(Answer::new(&doc, "").note(format!(
        "stored the token for {source} in {} (mode 0600)",
        path.display()
    )))
}

/// What a write goes to: the worker, its source, the registry's URL and the token.
struct Destination {
    worker: String,
    source: String,
    base: String,
    token: String,
}

/// The registry's base URL from an index source's URL: the server that serves
/// `…/workers` (or `…/index.json`) serves the registry beside it.
pub fn registry_base(url: &str) -> Option<String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let u = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/');
    let u = u
        .strip_suffix("/workers")
        .or_else(|| u.strip_suffix("/index.json"))
        .unwrap_or(u);
    Some(u.to_string())
}

fn target(cx: &Context, id: &str) -> Result<Destination> {
    let catalog = super::load(cx)?;
    let w = match catalog.lookup(id) {
        Some(Target::Variant(w, _) | Target::Worker(w)) => w,
        None => return Err(super::query::not_found(&catalog, id)),
    };
    if w.source.kind != SourceKind::Index {
        return Err(Error::Registry {
            message: format!(
                "{} comes from the {:?} source `{}`, which has no registry; votes go to the index source that provides a worker",
                w.id,
                w.source.kind,
                w.source.name
            ),
            help: Some("name the index source's copy as SOURCE/ID".into()),
        });
    }
    let config = index_source(cx, &w.source.name)?;
    let base = registry_base(&config.url).ok_or_else(|| Error::Registry {
        message: format!(
            "source `{}` is the file {}; only an index served over HTTP has a registry",
            w.source.name, config.url
        ),
        help: None,
    })?;
    let token = match std::env::var("RBEE_WORKERS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Some(t) => t.trim().to_string(),
        None => registry::stored_token(&cx.dirs.config, &w.source.name)?.ok_or_else(|| {
            Error::Registry {
                message: format!("no token for source `{}`", w.source.name),
                help: Some(format!(
                    "run `rbee-workers login {}` (or set RBEE_WORKERS_TOKEN)",
                    w.source.name
                )),
            }
        })?,
    };
    Ok(Destination {
        worker: w.id.clone(),
        source: w.source.name.clone(),
        base,
        token,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Vote,
    Unvote,
    Rate,
}

/// `vote ID`, `unvote ID`, `rate ID STARS [--review TEXT]`.
pub fn write(
    cx: &Context,
    id: &str,
    what: Write,
    stars: u8,
    review: Option<&str>,
) -> Result<Answer> {
    if what == Write::Rate {
        if !(1..=5).contains(&stars) {
            return Err(Error::Usage(format!("STARS must be 1 to 5, got {stars}")));
        }
        if let Some(r) = review {
            if r.chars().count() > super::community::REVIEW_LIMIT || r.chars().any(char::is_control)
            {
                return Err(Error::Usage(format!(
                    "a review is at most {} characters on one line, without control characters",
                    super::community::REVIEW_LIMIT
                )));
            }
        }
    }
    if cx.offline {
        return Err(Error::Offline {
            what: "a vote or rating needs the registry (--offline)".into(),
            help: "run it without --offline".into(),
        });
    }
    let t = target(cx, id)?;
    let (method, path, body) = match what {
        Write::Vote => ("PUT", "vote", None),
        Write::Unvote => ("DELETE", "vote", None),
        Write::Rate => {
            let mut b = serde_json::json!({"stars": stars});
            if let Some(r) = review {
                b["review"] = r.into();
            }
            ("PUT", "rating", Some(b.to_string()))
        }
    };
    let url = format!("{}/workers/{}/{path}", t.base, t.worker);
    let answered = registry::send(method, &url, &t.token, body)?;
    let parsed: serde_json::Value = serde_json::from_str(&answered.body).unwrap_or_default();
    if !(200..300).contains(&answered.status) {
        let said = parsed["error"].as_str().map_or_else(
            || format!("HTTP {}", answered.status),
            |e| format!("{e} (HTTP {})", answered.status),
        );
        let help = match answered.status {
            401 => Some(format!("log in again: `rbee-workers login {}`", t.source)),
            429 => Some("wait the minute out and try again".into()),
            _ => None,
        };
        return Err(Error::Registry {
            message: format!("the registry of `{}` refused it: {said}", t.source),
            help,
        });
    }
    let community: Option<CommunityDoc> = serde_json::from_value(parsed["community"].clone()).ok();
    let done = match (what, answered.status) {
        (Write::Vote, 201) => format!("voted for {}", t.worker),
        (Write::Vote, _) => format!("you had already voted for {}", t.worker),
        (Write::Unvote, 204) => format!("you had not voted for {}", t.worker),
        (Write::Unvote, _) => format!("removed your vote for {}", t.worker),
        (Write::Rate, _) => format!("rated {} {stars}/5", t.worker),
    };
    let counts = community.as_ref().map_or(String::new(), |c| {
        format!(
            " (now {} votes, rating {})",
            c.votes,
            report::rating_text(c.rating.average, c.rating.count)
        )
    });
    let doc = serde_json::json!({
        "schema": SCHEMA, "worker": t.worker, "source": t.source,
        "status": answered.status, "community": community,
    });
    Ok(Answer::new(&doc, "").note(format!(
        "{done}{counts}; `sync` brings the new counts to info and search"
    )))
}
