//! How `serve` knows the catalog changed without looking at every file per request: one
//! thread owns discovery. It waits for a file event (inotify on every directory discovery
//! reads from), or for its timer — a full fingerprint of sizes and mtimes, every
//! [`SAFETY_NET`] seconds as a safety net for events that never come (network file systems), or every
//! [`POLL`] when there are no events at all (`RBEE_WORKERS_SERVE_WATCH=poll`, or the kernel
//! refused a watch). Then it re-discovers and swaps the new generation in whole; requests
//! keep the last complete one meanwhile, and only this thread discovers (single flight).
//!
//! The pending flag is cleared *before* discovery reads anything, so a file written during a
//! discovery wakes the next one, and the watches of a round that looks at everything are set
//! before it reads. A round woken only by events inside worker directories looks at those
//! alone (see [`only_in_workers`]); the rounds that look at everything keep the others true.

use super::Generation;
use crate::catalog::Catalog;
use crate::context::Context;
use crate::discovery::DiskRecall;
use crate::error::{Error, Result};
use crate::report;
use crate::watch::Watch;
use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

/// The full check between events, when events are had (`RBEE_WORKERS_SERVE_RESCAN`, in
/// seconds).
pub const SAFETY_NET: u64 = 5;
/// The full check when there are no events.
pub const POLL: Duration = Duration::from_millis(500);
/// Events that come together (an editor's temp file and rename) are one change.
const SETTLE: Duration = Duration::from_millis(10);

/// How changes are noticed: `RBEE_WORKERS_SERVE_WATCH` and `RBEE_WORKERS_SERVE_RESCAN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// File events (polling when the kernel refuses them), or polling only.
    pub events: bool,
    /// Between full checks when there are events.
    pub rescan: Duration,
}

impl Mode {
    pub fn from_env() -> Result<Mode> {
        let events = match std::env::var("RBEE_WORKERS_SERVE_WATCH").as_deref() {
            Err(_) | Ok("") | Ok("auto") => true,
            Ok("poll") => false,
            Ok(other) => return Err(Error::Usage(format!(
                "RBEE_WORKERS_SERVE_WATCH is `{other}`; expected auto (file events, polling when they cannot be had) or poll"
            ))),
        };
        let secs = crate::fetch::positive_env("RBEE_WORKERS_SERVE_RESCAN", SAFETY_NET, "seconds")?;
        Ok(Mode {
            events,
            rescan: Duration::from_secs(secs),
        })
    }
}

/// What the discovery thread and the requests share.
pub struct Shared {
    pub current: RwLock<Arc<Generation>>,
    wake: Mutex<Wake>,
    cond: Condvar,
}

/// What woke the discovery thread: the paths file events named, or anything.
#[derive(Default)]
struct Wake {
    poked: bool,
    anything: bool,
    paths: HashSet<PathBuf>,
}

impl Shared {
    pub fn new(first: Generation) -> Shared {
        Shared {
            current: RwLock::new(Arc::new(first)),
            wake: Mutex::new(Wake::default()),
            cond: Condvar::new(),
        }
    }

    pub fn current(&self) -> Arc<Generation> {
        self.current.read().expect("the generation lock").clone()
    }

    /// Something may have changed: the discovery thread looks at everything.
    fn poke(&self) {
        let mut w = self.wake.lock().expect("the wake lock");
        w.poked = true;
        w.anything = true;
        self.cond.notify_one();
    }

    /// A file event at `paths` (None: the kernel does not say where).
    fn poke_at(&self, paths: Option<&[PathBuf]>) {
        let mut w = self.wake.lock().expect("the wake lock");
        w.poked = true;
        match paths {
            Some(p) => w.paths.extend(p.iter().cloned()),
            None => w.anything = true,
        }
        self.cond.notify_one();
    }

    /// Waits for a poke or `timeout`; true when poked.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.wake.lock().expect("the wake lock");
        let (w, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |w| !w.poked)
            .expect("the wake lock");
        w.poked
    }

    /// What woke it since the last take, cleared.
    fn take(&self) -> Wake {
        std::mem::take(&mut *self.wake.lock().expect("the wake lock"))
    }
}

/// The worker directories a wake names, when that is all it names: every path an entry of
/// a worker directory of the local root (not the directory itself, and not a workspace root
/// other workers read). Anything else — `bin/` itself, a workspace manifest, configuration,
/// templates, sources, an event the kernel could not place — is a look at everything.
fn only_in_workers(wake: &Wake, catalog: Option<&Catalog>) -> Option<HashSet<PathBuf>> {
    if wake.anything || wake.paths.is_empty() {
        return None;
    }
    let c = catalog?;
    let roots: HashSet<&PathBuf> = c
        .workers
        .iter()
        .filter_map(|w| w.krate.workspace_root.as_ref())
        .collect();
    let mut dirs = HashSet::new();
    for p in &wake.paths {
        let dir = p.parent()?;
        if !c.seen.contains_key(dir) || roots.contains(&dir.to_path_buf()) {
            return None;
        }
        dirs.insert(dir.to_path_buf());
    }
    Some(dirs)
}

/// Discovers once, as every request would have: the configuration read again, the root
/// resolved again. An error (a root gone, a broken config.toml) is the generation's answer.
/// `prior`, the generation answering now, lends what has not changed: its workers and the
/// parts of its documents. The discovery cache is written after; give it back to
/// [`DiskRecall::finish`] once the generation is answering.
///
/// `changed`: the worker directories file events named since `prior`, when they named
/// nothing else; only those are looked at.
pub fn discover(
    cx: &Context,
    number: u64,
    prior: Option<&Generation>,
    changed: Option<HashSet<PathBuf>>,
) -> (Generation, Option<DiskRecall>) {
    let before = prior.and_then(|p| p.catalog.as_ref().ok().cloned());
    match load(cx, before, changed) {
        Ok((cx, catalog, unwritten)) => (
            Generation::new(number, cx, Ok(Arc::new(catalog)), prior),
            unwritten,
        ),
        Err(e) => (Generation::new(number, cx.clone(), Err(e), None), None),
    }
}

/// The context and catalog as they are on disk now, and the discovery cache not yet written.
pub fn load(
    cx: &Context,
    prior: Option<Arc<Catalog>>,
    changed: Option<HashSet<PathBuf>>,
) -> Result<(Context, Catalog, Option<DiskRecall>)> {
    let cx = cx.refresh()?;
    let (catalog, unwritten) = crate::commands::load_after(&cx, prior, changed)?;
    Ok((cx, catalog, unwritten))
}

/// What the worker files look like before the first discovery: the discovery thread, once its
/// watches are set, looks again, so a file changed between that discovery and the watches
/// (a bump right after the server said it was ready, on a loaded machine) is not lost.
pub fn first_look(cx: &Context) -> u64 {
    fingerprint(None, cx)
}

/// Starts the discovery thread; it runs until the process ends. `first_look` is
/// [`first_look`] taken before the first generation was discovered.
pub fn spawn(shared: Arc<Shared>, cx: Context, mode: Mode, first_look: u64) {
    std::thread::Builder::new()
        .name("rbee-serve-discovery".into())
        .spawn(move || run(&shared, &cx, mode, first_look))
        .expect("spawn the discovery thread");
}

fn run(shared: &Arc<Shared>, cx: &Context, mode: Mode, first_look: u64) {
    let mut watch = match mode.events {
        false => None,
        true => {
            let poke = Arc::downgrade(shared);
            match Watch::new(move |paths| {
                if let Some(s) = poke.upgrade() {
                    s.poke_at(paths);
                }
            }) {
                Ok(w) => Some(w),
                Err(why) => {
                    fall_back(&why.0);
                    None
                }
            }
        }
    };
    let mut catalog = shared.current().catalog.as_ref().ok().cloned();
    let mut watched = watch_set(catalog.as_deref(), cx);
    set_watches(&mut watch, &watched);
    let mut fp = fingerprint(catalog.as_deref(), cx);
    if fingerprint(None, cx) != first_look {
        shared.poke();
    }
    // From here on a change is an event (a change before it was seen by the look above).
    if watch.is_some() {
        report::say(&format!(
            "watching {} directories for changes (and looking at every file every {} s)",
            watched.len(),
            mode.rescan.as_secs()
        ));
    }
    let mut number = shared.current().number;
    // A round that looked only at the directories events named took the others on trust;
    // until a round looks at everything, the safety net checks them too.
    // `fp` is taken only before a round that looks at everything, so after a targeted round
    // the next check finds the edited files changed and looks at everything; and no
    // directory is taken on trust for longer than `interval`, however many events keep
    // coming. `trusted_since`: when the first round since the last full one took directories
    // on trust (None: nothing is taken on trust).
    let mut trusted_since: Option<std::time::Instant> = None;
    loop {
        let interval = if watch.is_some() { mode.rescan } else { POLL };
        let mut only = None;
        if shared.wait(interval) {
            std::thread::sleep(SETTLE);
            let wake = shared.take();
            let overdue = trusted_since.is_some_and(|t| t.elapsed() >= interval);
            if watch.is_some() && !overdue {
                only = only_in_workers(&wake, catalog.as_deref());
            }
        } else {
            let same = fingerprint(catalog.as_deref(), cx) == fp;
            if same && trusted_since.is_none() {
                continue;
            }
            if same && !changed_untold(catalog.as_deref(), cx) {
                // Everything taken on trust is as recorded.
                trusted_since = None;
                continue;
            }
        }
        if only.is_none() {
            trusted_since = None;
            // Watches first, then the fingerprint, then the reads: a write after any of
            // them is a change the next round sees.
            watched = watch_set(catalog.as_deref(), cx);
            set_watches(&mut watch, &watched);
            fp = fingerprint(catalog.as_deref(), cx);
        }
        if only.is_some() && trusted_since.is_none() {
            trusted_since = Some(std::time::Instant::now());
        }
        number += 1;
        let started = std::time::Instant::now();
        let looked = only.as_ref().map(HashSet::len);
        let (next, unwritten) = discover(cx, number, Some(&shared.current()), only);
        catalog = next.catalog.as_ref().ok().cloned();
        let before = std::mem::replace(
            &mut *shared.current.write().expect("the generation lock"),
            Arc::new(next),
        );
        report::say(&match &catalog {
            Some(c) => format!(
                "catalog generation {number}: {} workers, {} problems, in {} ms{}",
                c.workers.len(),
                c.problems.len(),
                started.elapsed().as_millis(),
                match looked {
                    Some(n) => format!(" (looked at the {n} directories file events named)"),
                    None => String::new(),
                }
            ),
            None => format!("catalog generation {number}: the catalog cannot be read"),
        });
        // Once the new generation answers: the cache file, and the old generation freed here
        // rather than by a request.
        if let Some(u) = unwritten {
            u.finish();
        }
        drop(before);
        // Directories this discovery found (a new workspace root) were not watched while it
        // read them: once more, watching them.
        let now = watch_set(catalog.as_deref(), cx);
        if !now.is_subset(&watched) {
            set_watches(&mut watch, &now);
            shared.poke();
        }
    }
}

/// Whether a worker directory of the local root changed without the file event that would
/// have said so: the fingerprints discovery recorded, against the files now.
fn changed_untold(catalog: Option<&Catalog>, cx: &Context) -> bool {
    match (catalog, root_now(cx)) {
        (Some(c), Some(root)) => !crate::discovery::unchanged(&root, &c.seen),
        _ => true,
    }
}

/// Every directory that holds a worker or may become one (a worker.toml written into it
/// later): the folders of `bin/` and `bin/community/`.
fn candidates(root: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for bin in [root.join("bin"), root.join("bin/community")] {
        if let Ok(rd) = std::fs::read_dir(bin) {
            // The entry's type from the listing; only a link is looked through.
            out.extend(rd.flatten().filter_map(|e| {
                let t = e.file_type().ok()?;
                let dir = t.is_dir() || (t.is_symlink() && e.path().is_dir());
                dir.then(|| e.path())
            }));
        }
    }
    out
}

/// The catalog root as a request would resolve it now.
fn root_now(cx: &Context) -> Option<PathBuf> {
    match cx.refresh() {
        Ok(now) => now.root,
        Err(_) => cx.root.clone(),
    }
}

fn set_watches(watch: &mut Option<Watch>, dirs: &BTreeSet<PathBuf>) {
    if let Some(w) = watch {
        if let Err(why) = w.set(dirs) {
            fall_back(&why.0);
            *watch = None;
        }
    }
}

/// Said once: from here on the thread polls.
fn fall_back(why: &str) {
    report::warn(&format!(
        "{why}; polling for changes every {} ms instead",
        POLL.as_millis()
    ));
}

/// The directories whose entries discovery reads: the root and its `bin/` folders, each
/// worker's directory, each workspace root's, the configuration and templates, and each
/// cached source (and its clone's `.git`, which a sync changes).
fn watch_set(catalog: Option<&Catalog>, cx: &Context) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::new();
    if let Some(root) = &root_now(cx) {
        dirs.insert(root.clone());
        dirs.insert(root.join("bin"));
        dirs.insert(root.join("bin/community"));
        // And the `src/` and `src/bin/` of each one that is not a worker of this generation
        // (new, or broken): its main.rs may be the last file written, after the generation
        // read it. (A worker's own are left to the safety net: two more watches a worker
        // would cost serve its memory goal at 10,000.)
        let loaded: std::collections::HashSet<&std::path::Path> = catalog
            .map(|c| c.workers.iter().map(|w| w.dir.as_path()).collect())
            .unwrap_or_default();
        for dir in candidates(root) {
            if !loaded.contains(dir.as_path()) {
                dirs.insert(dir.join("src"));
                dirs.insert(dir.join("src/bin"));
            }
            dirs.insert(dir);
        }
    }
    if let Some(c) = catalog {
        for w in &c.workers {
            dirs.insert(w.dir.clone());
            if let Some(ws) = &w.krate.workspace_root {
                dirs.insert(ws.clone());
            }
        }
    }
    dirs.insert(cx.dirs.config.clone());
    dirs.insert(cx.dirs.templates());
    let sources = cx.dirs.cache.join("sources");
    if let Ok(rd) = std::fs::read_dir(&sources) {
        for e in rd.flatten() {
            dirs.insert(e.path());
            dirs.insert(e.path().join("repo/.git"));
        }
    }
    dirs.insert(sources);
    dirs
}

/// A hash of the size and mtime of every file discovery reads: worker manifests, crate
/// manifests, workspace roots, the directories that hold workers (for added or removed
/// workers), the configuration, cached sources and template overrides.
fn fingerprint(catalog: Option<&Catalog>, cx: &Context) -> u64 {
    let dirs = &cx.dirs;
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(root) = &root_now(cx) {
        paths.push(root.join("bin"));
        paths.push(root.join("bin/community"));
        for dir in candidates(root) {
            paths.push(dir.join("worker.toml"));
            paths.push(dir.join("Cargo.toml"));
            paths.push(dir);
        }
    }
    if let Some(c) = catalog {
        // The members of one workspace share its root: looked at once.
        let mut roots = std::collections::HashSet::new();
        for w in &c.workers {
            if let Some(ws) = &w.krate.workspace_root {
                if roots.insert(ws) {
                    paths.push(ws.join("Cargo.toml"));
                    paths.push(ws.join("Cargo.lock"));
                }
            } else {
                paths.push(w.dir.join("Cargo.lock"));
            }
        }
    }
    paths.push(dirs.config.join("config.toml"));
    paths.push(dirs.templates());
    if let Ok(rd) = std::fs::read_dir(dirs.templates()) {
        paths.extend(rd.flatten().map(|e| e.path()));
    }
    if let Ok(rd) = std::fs::read_dir(dirs.cache.join("sources")) {
        for e in rd.flatten() {
            paths.push(e.path().join("index.json"));
            paths.push(e.path().join("repo/.git/HEAD"));
            paths.push(e.path().join("repo/.git/FETCH_HEAD"));
        }
    }
    // Each path hashed on its own and the hashes summed: the same answer in any order,
    // without sorting every path.
    paths
        .iter()
        .map(|p| {
            let mut h = DefaultHasher::new();
            p.hash(&mut h);
            if let Ok(m) = std::fs::metadata(p) {
                m.len().hash(&mut h);
                m.modified().ok().hash(&mut h);
            }
            h.finish()
        })
        .fold(0u64, u64::wrapping_add)
}
