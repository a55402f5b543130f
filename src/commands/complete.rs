//! The candidates of dynamic shell completion (`COMPLETE=bash rbee-workers`): worker and
//! variant ids from the catalog, installed ids from the database, source names from the
//! configuration. A completion prints nothing but candidates, so every failure here is "no
//! candidates", never a message.

use crate::context::{Context, Globals};
use clap_complete::engine::CompletionCandidate;
use std::ffi::OsString;
use std::path::PathBuf;

/// `--root DIR` (or `--root=DIR`) as written on the line being completed, which the shell
/// passes after `--`; else `$RBEE_WORKERS_ROOT`; else the working directory decides.
fn root_from(args: &[OsString]) -> Option<PathBuf> {
    let line = args.iter().skip_while(|a| *a != "--").skip(1);
    let mut root = None;
    let mut take = false;
    for a in line {
        if take {
            root = Some(PathBuf::from(a));
            take = false;
        } else if a == "--root" {
            take = true;
        } else if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--root=")) {
            root = Some(PathBuf::from(v));
        }
    }
    root.or_else(|| {
        std::env::var_os("RBEE_WORKERS_ROOT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

fn context() -> Option<Context> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let globals = Globals {
        root: root_from(&args),
        verbosity: -1,
        ..Globals::default()
    };
    Context::new(&globals).ok()
}

fn candidate(value: &str, help: &str) -> CompletionCandidate {
    CompletionCandidate::new(value).help(Some(help.to_string().into()))
}

/// Every variant id and worker id of the catalog (workers first, as `install WORKER` is the
/// everyday form), each with its description.
pub fn catalog_ids() -> Vec<CompletionCandidate> {
    let Some(cx) = context() else {
        return Vec::new();
    };
    let Ok(loaded) = super::load_catalog(&cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in &loaded.catalog.workers {
        out.push(candidate(&w.id, &w.description));
    }
    for w in &loaded.catalog.workers {
        for v in &w.variants {
            out.push(candidate(&v.id, &w.description));
        }
    }
    dedup(out)
}

/// The ids of installed variants, and the workers they belong to.
pub fn installed_ids() -> Vec<CompletionCandidate> {
    let Some(db) = context().and_then(|cx| super::installed_db(&cx).ok()) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionCandidate> = db
        .installed
        .values()
        .map(|r| candidate(&r.worker, "installed worker"))
        .collect();
    out.extend(
        db.installed
            .values()
            .map(|r| candidate(&r.id, &format!("installed {}", r.version))),
    );
    dedup(out)
}

/// The names of the configured sources.
pub fn source_names() -> Vec<CompletionCandidate> {
    let Some(cx) = context() else {
        return Vec::new();
    };
    cx.config
        .sources
        .iter()
        .map(|s| candidate(&s.name, &s.url))
        .collect()
}

/// One candidate per value (a worker of two sources is offered once), in first-seen order.
fn dedup(all: Vec<CompletionCandidate>) -> Vec<CompletionCandidate> {
    let mut seen = std::collections::BTreeSet::new();
    all.into_iter()
        .filter(|c| seen.insert(c.get_value().to_os_string()))
        .collect()
}
