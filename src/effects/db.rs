//! The installed database: JSON in the data dir, changed only under an exclusive file lock
//! and written by temp file + rename. File moves that go with a change are journalled in the
//! database first and replayed by `recover`, so a crash at any instant leaves a state that
//! matches the disk once the next command has run.

use crate::atomic;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: PathBuf,
    pub sha256: String,
}

pub use crate::catalog::Origin;

/// The newest database schema this version reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub worker: String,
    pub feature: String,
    pub version: String,
    pub backend: crate::kinds::Backend,
    pub flavor: crate::kinds::BuildFlavor,
    pub source: String,
    pub files: Vec<FileRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Seconds since the Unix epoch.
    pub installed_at: u64,
    /// Where it came from; None for a record written before origins were recorded whose
    /// origin could not be derived ("unknown").
    #[serde(default)]
    pub origin: Option<Origin>,
    /// Why it is installed (pacman's `--asdeps`).
    #[serde(default)]
    pub reason: crate::kinds::Reason,
    /// Its worker dependencies as written when it was installed (DESIGN section 8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Fields a newer version wrote, kept on rewrite.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A file operation that belongs to the last committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    Rename { from: PathBuf, to: PathBuf },
    Delete { path: PathBuf },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub schema: u32,
    pub installed: BTreeMap<String, Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<Op>,
    /// The records the journalled change replaced (`null`: there was none), so a change
    /// whose files cannot be moved into place is rolled back instead of jamming every later
    /// command.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub undo: BTreeMap<String, Option<Record>>,
    /// Fields a newer version wrote, kept on rewrite.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

pub fn db_path(data: &Path) -> PathBuf {
    data.join("installed.json")
}

/// Reads the database without locking (a reader sees the old or the new file).
pub fn read(data: &Path) -> Result<Database> {
    let path = db_path(data);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Database {
                schema: SCHEMA,
                ..Database::default()
            })
        }
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let corrupt = |reason: String| {
        Error::Corrupt {
        what: "the installed database",
        path: path.clone(),
        reason,
        help: "restore it from a backup, or move it away to start over (installed files stay where they are)".into(),
    }
    };
    // The schema first, so a database from a newer version is refused as such (never
    // rewritten) rather than reported as corrupt for a value this version does not know.
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let schema = value.get("schema").and_then(serde_json::Value::as_u64);
    match schema {
        Some(n) if n > u64::from(SCHEMA) => {
            return Err(Error::NewerDatabase {
                path: path.clone(),
                schema: n,
                supported: SCHEMA,
            })
        }
        Some(_) => {}
        None => return Err(corrupt("it has no `schema` number".into())),
    }
    serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))
}

/// Holds the exclusive lock on the database for as long as it lives.
pub struct Locked {
    data: PathBuf,
    _lock: File,
    pub db: Database,
    /// The records as last written, to know what a commit changes.
    before: BTreeMap<String, Record>,
}

/// Takes the lock (waiting for other rbee-workers processes) and replays any unfinished
/// journal. A replay that cannot apply is rolled back and reported once (a warning), so no
/// later command is held up by it.
pub fn lock(data: &Path) -> Result<Locked> {
    let file = atomic::lock_file(&data.join("installed.lock"))?;
    let db = read(data)?;
    let mut locked = Locked {
        data: data.to_path_buf(),
        _lock: file,
        before: db.installed.clone(),
        db,
    };
    if let Err(e) = locked.recover() {
        crate::report::warn(&format!(
            "the interrupted change could not be finished and was rolled back: {e}"
        ));
    }
    locked.sweep();
    Ok(locked)
}

/// What a reader that must see a settled database gets: the database under the lock (an
/// interrupted change replayed first), or, when the data dir cannot be written (a read-only
/// mount, another user's dir), the file as it is, with the journal left for a writer.
pub fn settled(data: &Path) -> Result<Database> {
    match lock(data) {
        Ok(l) => Ok(l.db),
        Err(Error::Io { source, .. }) if unwritable(&source) => {
            let db = read(data)?;
            if !db.journal.is_empty() {
                crate::report::warn(&format!(
                    "{} holds an interrupted change that this read-only data dir cannot finish; what follows is the database as recorded",
                    db_path(data).display()
                ));
            }
            Ok(db)
        }
        Err(e) => Err(e),
    }
}

fn unwritable(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    matches!(e.kind(), PermissionDenied | ReadOnlyFilesystem)
}

impl Locked {
    /// Finishes the file operations of the last committed change, then clears the journal;
    /// when they cannot all apply, restores the records the change replaced.
    fn recover(&mut self) -> Result<()> {
        if self.db.journal.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.db.journal);
        let outcome = self.finish(&ops);
        self.before = self.db.installed.clone();
        outcome
    }

    /// Applies `ops` of the change already written. A rename that fails (nothing of the
    /// change is in place yet) rolls the records back and removes the staged file; a file
    /// that cannot be deleted afterwards is left and reported, as pacman does. Either way the
    /// journal is cleared.
    fn finish(&mut self, ops: &[Op]) -> Result<()> {
        let undo = std::mem::take(&mut self.db.undo);
        let failed = apply(ops);
        if let Err(e) = &failed {
            if e.rolls_back {
                for (id, old) in undo {
                    match old {
                        Some(r) => self.db.installed.insert(id, r),
                        None => self.db.installed.remove(&id),
                    };
                }
                for op in ops {
                    if let Op::Rename { from, .. } = op {
                        let _ = std::fs::remove_file(from);
                    }
                }
            }
        }
        self.db.journal.clear();
        self.write()?;
        match failed {
            Ok(()) => Ok(()),
            Err(e) if e.rolls_back => Err(e.error),
            Err(e) => {
                crate::report::warn(&e.error.to_string());
                Ok(())
            }
        }
    }

    /// Removes staged copies (`.NAME.rbee-*`) that a killed install left beside installed
    /// binaries. Installs hold this lock from planning to commit and the journal is replayed
    /// just before, so whatever staging file is found now belongs to nobody.
    fn sweep(&self) {
        let mut dirs: Vec<&Path> = self
            .db
            .installed
            .values()
            .flat_map(|r| r.files.iter().filter_map(|f| f.path.parent()))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            sweep_staging(dir);
        }
    }

    fn write(&self) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(&self.db).expect("the database serializes");
        bytes.push(b'\n');
        atomic::write(&db_path(&self.data), &bytes)
    }

    /// Commits `self.db` together with `ops`: the database (with the journal) is written
    /// first, then the operations run, then the journal is cleared.
    /// A rename that cannot apply rolls the change back (the error says why); see `finish`.
    pub fn commit(&mut self, ops: Vec<Op>) -> Result<()> {
        self.db.schema = SCHEMA;
        let mut undo = BTreeMap::new();
        for (id, r) in &self.db.installed {
            if self.before.get(id) != Some(r) {
                undo.insert(id.clone(), self.before.get(id).cloned());
            }
        }
        for (id, r) in &self.before {
            if !self.db.installed.contains_key(id) {
                undo.insert(id.clone(), Some(r.clone()));
            }
        }
        self.db.undo = undo;
        self.db.journal = ops.clone();
        self.write()?;
        let outcome = self.finish(&ops);
        self.before = self.db.installed.clone();
        outcome
    }
}

/// Removes the staged copies (`.NAME.rbee-*`) in `dir`; a staged copy is never a directory.
pub fn sweep_staging(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            && name.contains(".rbee-")
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

struct Failed {
    error: Error,
    /// Whether nothing of the change took effect yet (a rename failed), so its records can
    /// be restored.
    rolls_back: bool,
}

/// Replays operations; each is idempotent, so a replay after a crash is safe. Renames come
/// before deletes in every change; every delete is tried, the first failure is returned.
fn apply(ops: &[Op]) -> std::result::Result<(), Failed> {
    let mut first = None;
    for op in ops {
        match op {
            Op::Rename { from, to } => {
                if from.exists() {
                    std::fs::rename(from, to).map_err(|e| Failed {
                        error: Error::io("install", to, e),
                        rolls_back: true,
                    })?;
                }
            }
            Op::Delete { path } => match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    first.get_or_insert(Failed {
                        error: Error::io("remove", path, e),
                        rolls_back: false,
                    });
                }
            },
        }
    }
    first.map_or(Ok(()), Err)
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
