//! What `check`'s external checkers (bash -n, shellcheck, ruby) said about a rendered file,
//! kept under the cache directory by the sha256 of the checker, its program and the file's
//! bytes — so re-running the gate on an unchanged catalog runs no checker at all. A verdict
//! is only what the checker printed about the file (path-free), never the problem built
//! from it, so a cached failure is reported exactly as a fresh one. A damaged or foreign
//! cache file is ignored (and rewritten); concurrent runs merge under a lock.

use crate::checksum::sha256_bytes;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;
/// Verdicts not used by this run are kept while the file holds fewer than this many.
const KEEP: usize = 200_000;
/// A cache file larger than this is not ours to read.
const LIMIT: u64 = 512 << 20;

#[derive(Serialize, Deserialize)]
struct File {
    format: u32,
    verdicts: BTreeMap<String, Vec<String>>,
}

#[derive(Default)]
pub struct Verdicts {
    path: PathBuf,
    known: HashMap<String, Vec<String>>,
    used: HashSet<String>,
    added: usize,
}

fn read(path: &Path) -> HashMap<String, Vec<String>> {
    let fits = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= LIMIT);
    let doc = fits
        .then(|| std::fs::read(path).ok())
        .flatten()
        .and_then(|b| serde_json::from_slice::<File>(&b).ok())
        .filter(|f| f.format == FORMAT);
    doc.map(|f| f.verdicts.into_iter().collect())
        .unwrap_or_default()
}

impl Verdicts {
    /// The verdicts cached under `cache_dir` (none when the file is missing or damaged).
    pub fn open(cache_dir: &Path) -> Self {
        let path = cache_dir.join("check").join("verdicts.json");
        Verdicts {
            known: read(&path),
            path,
            ..Default::default()
        }
    }

    /// What the checker said about content of this key, when it was asked before.
    pub fn get(&mut self, key: &str) -> Option<&[String]> {
        let found = self.known.get(key)?;
        self.used.insert(key.to_string());
        Some(found)
    }

    pub fn put(&mut self, key: String, findings: Vec<String>) {
        self.used.insert(key.clone());
        self.known.insert(key, findings);
        self.added += 1;
    }

    /// Writes the verdicts back (atomically, merged with what a concurrent run wrote
    /// meanwhile). Nothing to do when every verdict came from the cache.
    pub fn save(self) -> Result<()> {
        if self.added == 0 {
            return Ok(());
        }
        let dir = self.path.parent().expect("under the cache dir");
        let _lock = crate::atomic::lock_file(&dir.join("verdicts.lock"))?;
        let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let theirs = read(&self.path);
        let keep_all = theirs.len() + self.known.len() <= KEEP;
        for (k, v) in theirs.into_iter().chain(self.known) {
            if keep_all || self.used.contains(&k) {
                all.insert(k, v);
            }
        }
        let doc = File {
            format: FORMAT,
            verdicts: all,
        };
        let bytes = serde_json::to_vec(&doc).expect("verdicts serialize");
        crate::atomic::write(&self.path, &bytes)
    }
}

/// What identifies a program: its path, size and modification time (an upgraded checker
/// judges afresh).
pub fn program_id(program: &str) -> String {
    let path = if program.contains('/') {
        Some(PathBuf::from(program))
    } else {
        crate::detect::which(program)
    };
    let meta = path.as_ref().and_then(|p| std::fs::metadata(p).ok());
    let mtime = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos());
    format!(
        "{}:{:?}:{:?}",
        path.unwrap_or_default().display(),
        meta.map(|m| m.len()),
        mtime
    )
}

/// The key of `content` as judged by `checker` (its command line and `program_id`s).
pub fn key(checker: &str, content: &[u8]) -> String {
    let mut b = Vec::with_capacity(checker.len() + content.len() + 1);
    b.extend_from_slice(checker.as_bytes());
    b.push(0);
    b.extend_from_slice(content);
    sha256_bytes(&b)
}
