//! `source add|remove|list` and `sync`: the remote sources in config.toml and their caches.

use crate::config::{RemoteKind, SourceConfig};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::kinds::SyncStatus;
use crate::report::{self, Answer};
use crate::sources;
use crate::wire::SCHEMA;
use serde::Serialize;

pub fn add(
    cx: &Context,
    name: &str,
    url: &str,
    git_ref: Option<String>,
    trusted: bool,
    kind: Option<RemoteKind>,
    key: Option<&str>,
) -> Result<Answer> {
    let s = sources::add(&cx.dirs, name, url, git_ref, trusted, kind, key)?;
    let doc = serde_json::json!({"schema": SCHEMA, "added": s});
    Ok(Answer::new(&doc, "").note(format!(
        "added {} source `{}` ({}); run `rbee-workers sync` to fetch it",
        kind_name(s.kind),
        s.name,
        s.url
    )))
}

pub fn remove(cx: &Context, name: &str) -> Result<Answer> {
    sources::remove(&cx.dirs, name)?;
    Ok(Answer::new(
        &serde_json::json!({"schema": SCHEMA, "removed": name}),
        "",
    ))
}

fn kind_name(k: RemoteKind) -> &'static str {
    match k {
        RemoteKind::Git => "git",
        RemoteKind::Index => "index",
    }
}

#[derive(Serialize)]
struct SourceListDoc<'a> {
    schema: u32,
    sources: Vec<SourceEntry<'a>>,
}

#[derive(Serialize)]
struct SourceEntry<'a> {
    #[serde(flatten)]
    config: &'a SourceConfig,
    cached: bool,
}

pub fn list(cx: &Context) -> Result<Answer> {
    let entries: Vec<SourceEntry> = cx
        .config
        .sources
        .iter()
        .map(|s| SourceEntry {
            config: s,
            cached: sources::cached(&cx.dirs, s),
        })
        .collect();
    let mut text = String::new();
    for e in &entries {
        let s = e.config;
        text.push_str(&format!(
            "{:<16} {:<6} {}{}{}{}\n",
            s.name,
            kind_name(s.kind),
            s.url,
            s.git_ref
                .as_ref()
                .map(|r| format!(" @{r}"))
                .unwrap_or_default(),
            if s.trusted {
                " [trusted]"
            } else {
                " [unverified]"
            },
            if e.cached { "" } else { " (not synced)" }
        ));
    }
    if text.is_empty() {
        text.push_str("no sources; add one with `rbee-workers source add NAME URL`\n");
    }
    Ok(Answer::new(
        &SourceListDoc {
            schema: SCHEMA,
            sources: entries,
        },
        text,
    ))
}

#[derive(Serialize)]
struct SyncDoc {
    schema: u32,
    sources: Vec<sources::SyncResult>,
}

/// `sync`: refresh every source, one line each as it goes; exit 1 when any failed (its
/// cached copy, if any, is kept).
pub fn sync(cx: &Context) -> Result<Answer> {
    let mut runner = super::system_runner(cx);
    let results = sources::sync(&cx.dirs, &cx.config, &mut runner, cx.offline, |r| {
        let note = match (&r.message, r.status) {
            (Some(m), SyncStatus::Cached) => {
                format!(" — unreachable, using the cached copy ({m})")
            }
            (Some(m), _) => format!(" — {m}"),
            _ => String::new(),
        };
        report::note(&format!(
            ":: {} ({}) {}: {} workers{note}",
            r.name,
            kind_name(r.kind),
            r.status,
            r.workers
        ));
    });
    // Interrupted: exit 130 (what was synced before stays synced).
    crate::exec::check_interrupted()?;
    let workers: usize = results.iter().map(|r| r.workers).sum();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.status == SyncStatus::Failed || r.message.is_some())
        // Only the names: each failure's message and log tail are on its own line above.
        .map(|r| r.name.clone())
        .collect();
    let mut line = format!(
        "{}, {}",
        report::count(cx.config.sources.len(), "source"),
        report::count(workers, "worker")
    );
    if !failed.is_empty() {
        line.push_str(&format!(", {} failed: {}", failed.len(), failed.join(", ")));
    }
    let answer = Answer::new(
        &SyncDoc {
            schema: SCHEMA,
            sources: results,
        },
        "",
    )
    .note(line);
    Ok(if failed.is_empty() {
        answer
    } else {
        answer.then(Error::Reported(format!(
            "{} could not be synced",
            report::count(failed.len(), "source")
        )))
    })
}
