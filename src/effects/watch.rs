//! File-change events for a long-running `serve`: inotify (through the `notify` crate) on a
//! set of directories, each watched on its own (not recursively: a worker's `target/` must
//! not cost a watch per build directory). A directory not there yet is watched through its
//! nearest existing ancestor, so its creation is an event too.
//!
//! When the kernel refuses (out of inotify watches, no inotify at all) the watch gives up and
//! says why: the caller then polls instead.

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Directories watched for changes, and a callback run (on the watcher's thread) for every
/// event that may change what discovery reads.
pub struct Watch {
    watcher: notify::RecommendedWatcher,
    watched: BTreeSet<PathBuf>,
    /// The directories asked for (not their ancestors), read by the callback.
    wanted: Arc<RwLock<BTreeSet<PathBuf>>>,
}

/// Why events cannot be had: the caller polls instead.
#[derive(Debug, Clone)]
pub struct Unwatchable(pub String);

/// Whether an event may change a file's contents or a directory's entries. Opening or
/// reading a file is an event too (discovery's own reads would wake it forever): not those.
fn changes(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

fn refused(what: &str, e: &notify::Error) -> Unwatchable {
    let why = match &e.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "out of inotify watches (raise fs.inotify.max_user_watches)".to_string()
        }
        _ => e.to_string(),
    };
    Unwatchable(format!("cannot watch {what}: {why}"))
}

/// Whether an event at `path` concerns a wanted directory: an entry of one, or a directory
/// on the way to one (an ancestor watched because it is not there yet). Anything else in a
/// watched ancestor — a log file written in `~/.config`, say — is not: were it, a server
/// logging beside the directory it waits for would wake itself forever.
fn concerns(wanted: &BTreeSet<PathBuf>, path: &Path) -> bool {
    path.parent().is_some_and(|dir| wanted.contains(dir))
        || wanted.iter().any(|w| w.starts_with(path))
}

impl Watch {
    /// A watcher calling `changed` for each event that may change a file in a wanted
    /// directory, with the event's paths (and with none when the kernel's queue overflowed,
    /// which may hide some: anything may have changed).
    pub fn new(
        changed: impl Fn(Option<&[PathBuf]>) + Send + 'static,
    ) -> Result<Watch, Unwatchable> {
        let wanted: Arc<RwLock<BTreeSet<PathBuf>>> = Arc::default();
        let seen = wanted.clone();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            match event {
                Ok(e) if e.need_rescan() => changed(None),
                Ok(e) if !changes(&e.kind) => {}
                Ok(e) if !e.paths.is_empty() => {
                    let wanted = seen.read().expect("the watch set lock");
                    if e.paths.iter().any(|p| concerns(&wanted, p)) {
                        changed(Some(&e.paths));
                    }
                }
                // An error in the stream (an overflow among them) may hide a change.
                _ => changed(None),
            }
        })
        .map_err(|e| refused("files", &e))?;
        Ok(Watch {
            watcher,
            watched: BTreeSet::new(),
            wanted,
        })
    }

    /// Watches exactly `wanted` (each directory, or its nearest existing ancestor), adding
    /// and removing watches as needed. An error is the kernel refusing one: no watch is
    /// complete any more, and the caller polls.
    pub fn set(&mut self, wanted: &BTreeSet<PathBuf>) -> Result<(), Unwatchable> {
        *self.wanted.write().expect("the watch set lock") = wanted.clone();
        let wanted: BTreeSet<PathBuf> = wanted.iter().filter_map(|p| existing(p)).collect();
        for gone in self.watched.difference(&wanted) {
            // A directory removed since is no longer watched anyway.
            let _ = self.watcher.unwatch(gone);
        }
        self.watched.retain(|p| wanted.contains(p));
        for dir in &wanted {
            if self.watched.contains(dir) {
                continue;
            }
            match self.watcher.watch(dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(dir.clone());
                }
                // Gone between the look and the watch: its parent's event says so.
                Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => {}
                Err(e) => return Err(refused(&dir.display().to_string(), &e)),
            }
        }
        Ok(())
    }
}

/// `dir`, or its nearest ancestor that is there.
fn existing(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|p| p.is_dir()).map(Path::to_path_buf)
}

/// A point in one watcher's numbering of what it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Token {
    pub instance: u64,
    pub seq: u64,
}

/// What changed since a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Anything may have: look at everything.
    Everything,
    /// Only these worker directories (relative to the root, such as `bin/llm-worker`).
    Dirs(Vec<String>),
}

/// The name one root's cache file and watcher go by: its path as given and as resolved.
pub fn key(root: &Path) -> String {
    use sha2::Digest;
    let canonical = std::fs::canonicalize(root).ok();
    let key = sha2::Sha256::digest(format!(
        "{}\0{}",
        root.display(),
        canonical.as_deref().unwrap_or(Path::new("")).display()
    ));
    crate::checksum::hex(&key[..12])
}
