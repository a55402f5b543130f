//! One module per verb: each takes `&Context`, does its work through the core and the
//! effects, and hands what it found to `report` — the only place that writes.

pub mod canary;
pub mod changed;
pub mod check;
mod checkers;
pub mod community;
pub mod complete;
pub mod export;
pub mod graph;
pub mod install;
pub mod installed;
pub mod key;
pub mod new;
pub mod package;
pub mod pour;
pub mod preflight;
pub mod publish;
pub mod query;
pub mod review;
pub mod serve;
pub mod source;
pub mod test;
pub mod voting;
pub mod watcher;
pub mod web;

use crate::catalog::{self, Catalog, Source, SourceKind};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::{db, report, sources};
use std::sync::Arc;

/// The error for an id the catalog does not have. When a worker that was skipped as broken
/// would have provided it (its directory is named as the id, or as the worker of a variant
/// id), the error is that worker's first problem, located, rather than suggestions of others.
pub fn not_found(catalog: &Catalog, id: &str) -> Error {
    let bare = id.rsplit('/').next().unwrap_or(id);
    let broken = catalog
        .problems
        .iter()
        // Reversed, so that of equals `max_by_key` keeps the first problem, not the last.
        .rev()
        .filter(|p| p.is_error())
        // Only a directory that gave no worker: a kept worker's collision is not "broken".
        .filter(|p| {
            catalog
                .workers
                .iter()
                .all(|w| Some(w.dir.as_path()) != p.path.parent())
        })
        .filter_map(|p| {
            let dir = p.path.parent()?.file_name()?.to_str()?;
            let names = bare == dir || bare.strip_prefix(dir)?.starts_with('-');
            names.then_some((dir, p))
        })
        // The longest directory name that fits: `llm-worker`, not `llm`, for llm-worker-cpu.
        .max_by_key(|(dir, _)| dir.len());
    match broken {
        Some((dir, p)) => {
            let mut p = p.clone();
            p.message = format!(
                "`{id}` is not in the catalog: worker `{dir}` is broken and was skipped: {}",
                p.message
            );
            p.help = Some(p.help.map_or_else(
                || "fix it; `rbee-workers check` lists every problem".to_string(),
                |h| format!("{h} (`rbee-workers check` lists every problem)"),
            ));
            Error::BrokenWorker(Box::new(p))
        }
        None => Error::NotFound {
            id: id.to_string(),
            suggestions: catalog.suggest(id),
        },
    }
}

/// A command's context and the runner its steps go through (tests record instead).
pub struct Session<'a> {
    pub cx: &'a Context,
    pub runner: Box<dyn crate::exec::Runner>,
    /// The installed database, locked from planning to commit (DESIGN section 4): two
    /// commands that change what is installed take turns, and neither plans from a state
    /// the other is about to change.
    locked: Option<db::Locked>,
    /// Whether this is an Arch host (probed once).
    arch_host: Option<bool>,
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
            locked: None,
            arch_host: None,
        }
    }

    /// A session whose commands go through `runner` (a recording one, in tests).
    #[cfg(test)]
    pub fn with_runner(cx: &'a Context, runner: Box<dyn crate::exec::Runner>) -> Self {
        Session {
            cx,
            runner,
            locked: None,
            arch_host: None,
        }
    }

    /// The installed database under its lock, taken on first use and held for the rest of
    /// the session (a crashed change is finished first).
    pub fn db(&mut self) -> Result<&mut db::Locked> {
        if self.locked.is_none() {
            self.locked = Some(db::lock(&self.cx.dirs.data)?);
        }
        Ok(self.locked.as_mut().expect("just locked"))
    }

    /// Whether this is an Arch host: the configured pacman reads a local database that knows
    /// pacman itself. Probed once per session, without writing to the host.
    pub fn arch_host(&mut self) -> bool {
        if let Some(a) = self.arch_host {
            return a;
        }
        let a = self.cx.host().is_ok_and(|h| h.os == "linux") && pacman_reads_its_database(self);
        self.arch_host = Some(a);
        a
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
    finished(load_catalog_with(cx, None, Serving::No)?)
}

/// How `serve` loads the local root.
enum Serving {
    No,
    /// Its first catalog: what was seen is recorded, the cache file written later.
    First,
    /// The next one after this catalog, from memory; with the directories file events named
    /// since, only those are looked at.
    After(
        Arc<Catalog>,
        Option<std::collections::HashSet<std::path::PathBuf>>,
    ),
}

fn finished((loaded, unwritten): (Loaded, Option<crate::discovery::DiskRecall>)) -> Result<Loaded> {
    if let Some(u) = unwritten {
        u.finish();
    }
    Ok(loaded)
}

/// [`load_quiet`] for `serve`'s next generation: workers are taken from `prior` (its last
/// catalog) where nothing changed, and the local root's discovery cache is left for the
/// caller to write (with [`crate::discovery::DiskRecall::finish`]) once the catalog is
/// answering.
pub fn load_after(
    cx: &Context,
    prior: Option<Arc<Catalog>>,
    changed: Option<std::collections::HashSet<std::path::PathBuf>>,
) -> Result<(Catalog, Option<crate::discovery::DiskRecall>)> {
    let serving = match prior {
        Some(p) => Serving::After(p, changed),
        None => Serving::First,
    };
    let (loaded, unwritten) = load_catalog_with(cx, None, serving)?;
    Ok((loaded.catalog, unwritten))
}

/// [`load_catalog`] for a command about the workers `ids` names (`ID` or `SOURCE/ID`, and
/// what they require): only those are loaded from the discovery cache, which is what makes
/// `info ID` at 10,000 workers cost little more than at 100. Whenever the part might answer
/// differently from the whole — an id it does not hold (the "did you mean" needs every id),
/// or a requirement a source did not provide — the whole catalog is loaded instead. Only the
/// local catalog alone is loaded in part: across sources the first one holding an id wins
/// the worker whole (and its dependencies), which a part of each cannot tell.
pub fn load_catalog_for<'a>(
    cx: &Context,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Loaded> {
    if !cx.config.sources.is_empty() {
        return load_catalog(cx);
    }
    let queries: Vec<&str> = ids.into_iter().collect();
    let mut want: std::collections::BTreeSet<String> = queries
        .iter()
        .map(|q| q.rsplit_once('/').map_or(*q, |(_, id)| id).to_string())
        .collect();
    let loaded = finished(load_catalog_with(cx, Some(&mut want), Serving::No)?)?;
    let c = &loaded.catalog;
    let found = queries.iter().all(|q| c.lookup(q).is_some());
    let held: std::collections::HashSet<&str> = c.workers.iter().map(|w| w.id.as_str()).collect();
    let complete = c
        .workers
        .iter()
        .flat_map(|w| &w.variants)
        .flat_map(|v| &v.requires)
        .all(|r| held.contains(r.id.as_str()));
    if found && complete {
        Ok(loaded)
    } else {
        load_catalog(cx)
    }
}

fn load_catalog_with(
    cx: &Context,
    mut want: Option<&mut std::collections::BTreeSet<String>>,
    serving: Serving,
) -> Result<(Loaded, Option<crate::discovery::DiskRecall>)> {
    let mut catalog = Catalog::default();
    let mut notes = Vec::new();
    let mut unwritten = None;
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
            let source = Arc::new(source);
            let cache = &cx.dirs.cache;
            match serving {
                Serving::No => {
                    if let Err(why) = &cx.watch {
                        return Err(Error::Usage(why.clone()));
                    }
                    let at = want.as_deref_mut();
                    let looked = crate::discovery::discover(cache, source, &mut catalog, at);
                    watcher::autostart(cx, root, looked);
                }
                Serving::First => {
                    let at = want.as_deref_mut();
                    unwritten = Some(crate::discovery::discover_after(cache, source, &mut catalog, at))
                }
                Serving::After(p, changed) => {
                    crate::discovery::rediscover(source, &mut catalog, &p, changed.as_ref())
                }
            }
        }
        None if cx.config.sources.is_empty() => notes.push(format!(
            "note: no local catalog here (no ancestor of {} has bin/*/worker.toml) and no sources; use --root DIR, RBEE_WORKERS_ROOT or `rbee-workers source add`",
            cx.cwd.display()
        )),
        None => {}
    }
    for s in &cx.config.sources {
        if !sources::add_source(&cx.dirs, s, &mut catalog, want.as_deref_mut()) {
            notes.push(format!(
                "warning: source `{}` has not been synced yet; run `rbee-workers sync`",
                s.name
            ));
        }
    }
    crate::checkout::fill(&mut catalog, &mut system_runner(cx), &cx.config.tools.git);
    catalog.link();
    Ok((Loaded { catalog, notes }, unwritten))
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

/// [`load`] for a command about the workers `ids` names (see [`load_catalog_for`]).
pub fn load_for<'a>(cx: &Context, ids: impl IntoIterator<Item = &'a str>) -> Result<Catalog> {
    let loaded = load_catalog_for(cx, ids)?;
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

/// The installed database, for the `installed` field of a listing. A database that cannot
/// be read (corrupt, from a newer version) is an error here too, never "nothing installed".
pub fn installed_db(cx: &Context) -> Result<db::Database> {
    db::read(&cx.data())
}

/// Where an install came from: as recorded, or — for a record written before origins were
/// recorded — derived from what is here now (the local root when it holds that worker, a
/// configured source of that name); None is "unknown".
pub fn origin_of(cx: &Context, catalog: &Catalog, r: &db::Record) -> Option<catalog::Origin> {
    if let Some(o) = &r.origin {
        return Some(o.clone());
    }
    catalog
        .workers
        .iter()
        .filter(|w| w.source.name == r.source)
        .find(|w| w.variants.iter().any(|v| v.id == r.id))
        .map(|w| w.origin())
        .or_else(|| {
            let s = cx.config.sources.iter().find(|s| s.name == r.source)?;
            Some(catalog::Origin {
                source: s.name.clone(),
                kind: match s.kind {
                    crate::config::RemoteKind::Git => SourceKind::Git,
                    crate::config::RemoteKind::Index => SourceKind::Index,
                },
                location: s.url.clone(),
                subdir: String::new(),
            })
        })
}

/// The catalog the installed database needs, from any working directory: every source as
/// usual, plus every local catalog root an install came from (`pacman -Q` works from
/// anywhere). Nothing is printed.
pub fn installed_catalog(cx: &Context, db: &db::Database) -> Result<Catalog> {
    let mut catalog = load_catalog(cx)?.catalog;
    let mut roots: Vec<&str> = db
        .installed
        .values()
        .filter_map(|r| r.origin.as_ref())
        .filter(|o| o.kind == SourceKind::Local)
        .map(|o| o.location.as_str())
        .filter(|l| {
            cx.root
                .as_ref()
                .is_none_or(|r| r.display().to_string() != *l)
        })
        .collect();
    roots.sort();
    roots.dedup();
    for location in roots {
        let root = std::path::PathBuf::from(location);
        if root.is_dir() {
            let source = Source {
                name: "local".into(),
                kind: SourceKind::Local,
                location: location.to_string(),
                root,
                trusted: true,
            };
            // Its problems belong to that catalog, not to this listing.
            let mut other = Catalog::default();
            catalog::discover(Arc::new(source), &mut other);
            catalog.workers.extend(other.workers);
        }
    }
    catalog.link();
    Ok(catalog)
}

/// The worker and variant an install came from, found through its origin; None when the
/// origin no longer provides it.
pub fn find_installed<'c>(
    cx: &Context,
    catalog: &'c Catalog,
    r: &db::Record,
) -> Option<(&'c catalog::Worker, &'c catalog::Variant)> {
    let origin = origin_of(cx, catalog, r)?;
    catalog
        .workers
        .iter()
        .filter(|w| w.source.kind == origin.kind && w.source.location == origin.location)
        .find_map(|w| w.variants.iter().find(|v| v.id == r.id).map(|v| (&**w, v)))
}

/// Fills in the origin of records written before origins were recorded, where it can be
/// derived (the database is upgraded in place on its next change).
pub fn fill_origins(cx: &Context, db: &mut db::Database) {
    if db.installed.values().all(|r| r.origin.is_some()) {
        return;
    }
    let Ok(loaded) = load_catalog(cx) else { return };
    let catalog = &loaded.catalog;
    let derived: Vec<(String, catalog::Origin)> = db
        .installed
        .values()
        .filter(|r| r.origin.is_none())
        .filter_map(|r| Some((r.id.clone(), origin_of(cx, catalog, r)?)))
        .collect();
    for (id, o) in derived {
        if let Some(r) = db.installed.get_mut(&id) {
            r.origin = Some(o);
        }
    }
}

/// Whether the configured pacman reads a local database that knows pacman itself (an Arch
/// host), probed without writing to the host: pacman run as root on Debian creates an empty
/// database as a side effect, so root only looks for the `desc` entry of the database's own
/// pacman record; anyone else asks `pacman -Q pacman`. A pacman that cannot read its database
/// counts as no pacman everywhere (DESIGN section 4).
fn pacman_reads_its_database(s: &mut Session) -> bool {
    let pacman = s.cx.config.tools.pacman.clone();
    if !crate::exec::tool_exists(&pacman) {
        return false;
    }
    if s.cx.as_root {
        return std::fs::read_dir("/var/lib/pacman/local").is_ok_and(|rd| {
            rd.flatten().any(|e| {
                e.file_name().to_string_lossy().starts_with("pacman-")
                    && e.path().join("desc").is_file()
            })
        });
    }
    s.runner
        .attempt(
            &crate::command::CommandSpec::new(&pacman).args(["-Q", "pacman"]),
            std::time::Duration::from_secs(10),
        )
        .is_ok_and(|a| a.success)
}
