//! One module per verb: each takes `&Context`, does its work through the core and the
//! effects, and hands what it found to `report` — the only place that writes.

pub mod check;
pub mod export;
pub mod install;
pub mod installed;
pub mod package;
pub mod query;
pub mod review;
pub mod serve;
pub mod source;

use crate::catalog::{self, Catalog, Source, SourceKind};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::{db, report, sources};
use std::sync::Arc;

/// A command's context and the runner its steps go through (tests record instead).
pub struct Session<'a> {
    pub cx: &'a Context,
    pub runner: Box<dyn crate::exec::Runner>,
}

/// The runner that runs commands for real, logging under the cache.
pub fn system_runner(cx: &Context) -> crate::exec::SystemRunner {
    crate::exec::SystemRunner {
        log_dir: cx.dirs.cache.join("logs"),
    }
}

impl<'a> Session<'a> {
    pub fn new(cx: &'a Context) -> Self {
        Session {
            cx,
            runner: Box::new(system_runner(cx)),
        }
    }

    /// A session whose commands go through `runner` (a recording one, in tests).
    #[cfg(test)]
    pub fn with_runner(cx: &'a Context, runner: Box<dyn crate::exec::Runner>) -> Self {
        Session { cx, runner }
    }

    pub fn say(&self, line: &str) {
        report::say(line);
    }
}

/// The catalog of every source, with what loading it noticed: problems of broken workers (in
/// `catalog.problems`) and notes about sources (no local catalog, a source never synced).
/// Nothing is printed here; `load` reports it.
pub struct Loaded {
    pub catalog: Catalog,
    pub notes: Vec<String>,
}

/// Loads the local root and every configured source, in order.
pub fn load_catalog(cx: &Context) -> Result<Loaded> {
    let mut catalog = Catalog::default();
    let mut notes = Vec::new();
    match &cx.root {
        Some(root) => {
            if !root.is_dir() {
                return Err(Error::BadRoot(root.clone()));
            }
            let source = Source {
                name: "local".into(),
                kind: SourceKind::Local,
                location: root.display().to_string(),
                root: root.clone(),
                trusted: true,
            };
            catalog::discover(Arc::new(source), &mut catalog);
        }
        None if cx.config.sources.is_empty() => notes.push(format!(
            "note: no local catalog here (no ancestor of {} has bin/*/worker.toml) and no sources; use --root DIR, RBEE_WORKERS_ROOT or `rbee-workers source add`",
            cx.cwd.display()
        )),
        None => {}
    }
    for s in &cx.config.sources {
        if !sources::add_source(&cx.dirs, s, &mut catalog) {
            notes.push(format!(
                "warning: source `{}` has not been synced yet; run `rbee-workers sync`",
                s.name
            ));
        }
    }
    Ok(Loaded { catalog, notes })
}

/// Loads the catalog and reports its notes and problems (in human mode).
pub fn load(cx: &Context) -> Result<Catalog> {
    let loaded = load_catalog(cx)?;
    for n in &loaded.notes {
        report::note(n);
    }
    report::problems(&loaded.catalog.problems);
    Ok(loaded.catalog)
}

/// Loads the catalog and reports only the notes (the caller reports the problems itself).
pub fn load_quiet(cx: &Context) -> Result<Catalog> {
    Ok(load_catalog(cx)?.catalog)
}

/// The installed database, for the `installed` field of a listing; unreadable means
/// "nothing known" there (commands that change it read it under its lock and fail loudly).
pub fn installed_db(cx: &Context) -> db::Database {
    db::read(&cx.data()).unwrap_or_default()
}
