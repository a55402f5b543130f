//! The persistent discovery cache (issue 20): what discovery found in each worker directory
//! of a source, kept in `$XDG_CACHE_HOME/rbee-workers/discovery/`, so a command about one
//! worker does not read and validate 10,000 manifests to answer.
//!
//! A directory's entry is trusted only while its *fingerprint* is unchanged: the identity
//! (device, inode), type, size, mtime and ctime of every file discovery reads for it
//! (worker.toml, Cargo.toml, the workspace manifests above it, through symlinks) and of every
//! file whose appearance would change the answer (Cargo.lock, src/main.rs, src/bin and its
//! entries). An entry whose files were modified within the last two seconds is not kept
//! (git's "racily clean" problem: a change in the same clock tick as the look would go
//! unseen), so it is read again next time.
//!
//! The file: one line `rbee-workers discovery cache 1 HEADER_LEN HEADER_SHA256`, the header
//! (JSON: the build that wrote it, the root, and each directory's fingerprint, summary and
//! where its worker is), then each worker as JSON with its own sha256. A file from another
//! build or root, a header that does not hash to its sum, or a worker that does not, is never
//! trusted: the directory is read again and the file rewritten. It is written atomically
//! (a temp file renamed over it), so concurrent runs each see a whole file, and the last
//! writer wins; nothing is synced, since losing it costs only a cold run.

use crate::catalog::{self, Catalog, Found, Recall, Seen, Source, Summary, Worker, WorkerDir};
use crate::checksum::{hex, sha256_bytes};
use crate::look::{At, Stat};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MAGIC: &str = "rbee-workers discovery cache 1";

/// How recent a change may be before a directory is not kept (coarse file-system clocks).
const RACY: Duration = Duration::from_secs(2);

/// How long a cache file of a root not discovered again since it was written is kept.
const UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);

/// Discovers `source` as [`catalog::discover_with`] does, recalling from and updating its
/// cache under `cache_dir`.
pub fn discover(
    cache_dir: &Path,
    source: Arc<Source>,
    catalog: &mut Catalog,
    want: Option<&mut BTreeSet<String>>,
) {
    let mut recall = DiskRecall::open(cache_dir, &source);
    catalog::discover_with(source, catalog, &mut recall, want);
    recall.finish();
}

/// [`discover`], with the cache file written when the caller [`DiskRecall::finish`]es it
/// (`serve`, once the catalog is answering); `catalog.seen` records what was seen.
pub fn discover_after(
    cache_dir: &Path,
    source: Arc<Source>,
    catalog: &mut Catalog,
    want: Option<&mut BTreeSet<String>>,
) -> DiskRecall {
    let mut recall = DiskRecall::open(cache_dir, &source);
    catalog::discover_with(source, catalog, &mut recall, want);
    catalog.seen.extend(recall.fresh.iter().map(|(entry, _)| {
        let seen = Seen {
            fingerprint: entry.fingerprint,
            community: entry.community,
            summary: entry.summary.clone(),
        };
        (recall.root.join(&entry.dir), seen)
    }));
    recall
}

/// [`discover`] from memory alone: the summary and worker of every directory whose
/// fingerprint is the one `prior` (an earlier discovery of the same source in this process,
/// `serve`'s last generation) saw are taken from it, shared; only the others are read. The
/// cache file is neither read nor written (a later run reads the changed directories again).
///
/// With `changed` (the directories file events named since `prior`), every other directory
/// `prior` saw is taken as it was without being looked at: the file events say it did not
/// change, and the safety net ([`unchanged`]) catches an event that never came.
pub fn rediscover(
    source: Arc<Source>,
    catalog: &mut Catalog,
    prior: &Catalog,
    changed: Option<&std::collections::HashSet<PathBuf>>,
) {
    let mut recall = MemoryRecall {
        changed,
        workers: prior
            .workers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.source.root == source.root)
            .map(|(i, w)| (w.dir.as_path(), i))
            .collect(),
        root: source.root.clone(),
        prior,
        fingerprints: HashMap::new(),
        seen: HashMap::new(),
    };
    catalog::discover_with(source, catalog, &mut recall, None);
    catalog.seen.extend(recall.seen);
}

struct MemoryRecall<'p> {
    changed: Option<&'p std::collections::HashSet<PathBuf>>,
    root: PathBuf,
    prior: &'p Catalog,
    workers: HashMap<&'p Path, usize>,
    fingerprints: HashMap<PathBuf, Option<u64>>,
    /// What this discovery saw (recalled or read), for the next one.
    seen: HashMap<PathBuf, Seen>,
}

impl Recall for MemoryRecall<'_> {
    fn prepare(&mut self, dirs: &[WorkerDir]) {
        let (look, trust): (Vec<&WorkerDir>, Vec<&WorkerDir>) = dirs.iter().partition(|d| {
            self.changed
                .is_none_or(|c| c.contains(&d.path) || !self.prior.seen.contains_key(&d.path))
        });
        let look: Vec<WorkerDir> = look.into_iter().cloned().collect();
        self.fingerprints = fingerprints(&self.root, &look, racy_since())
            .into_iter()
            .map(|(dir, f)| (dir.to_path_buf(), f))
            .collect();
        for d in trust {
            let then = self.prior.seen[&d.path].fingerprint;
            self.fingerprints.insert(d.path.clone(), Some(then));
        }
    }

    fn summary(&mut self, dir: &Path, community: bool) -> Option<Arc<Summary>> {
        let now = (*self.fingerprints.get(dir)?)?;
        let then = self.prior.seen.get(dir)?;
        if then.fingerprint != now || then.community != community {
            return None;
        }
        self.seen.insert(dir.to_path_buf(), then.clone());
        Some(then.summary.clone())
    }

    fn worker(&mut self, dir: &Path) -> Option<Arc<Worker>> {
        // Only for a directory recalled above: its fingerprint is the one it was read with.
        self.seen.get(dir)?;
        let &i = self.workers.get(dir)?;
        Some(self.prior.workers[i].clone())
    }

    fn remember(&mut self, dir: &Path, community: bool, found: &Found) {
        match self.fingerprints.get(dir).copied().flatten() {
            Some(fingerprint) => {
                let seen = Seen {
                    fingerprint,
                    community,
                    summary: Arc::new(Summary::of(found)),
                };
                self.seen.insert(dir.to_path_buf(), seen);
            }
            // Changed too recently: read again next time.
            None => {
                self.seen.remove(dir);
            }
        }
    }
}

/// Whether the worker directories of `root` are the ones `seen` records, each with the same
/// fingerprint (serve's safety net between file events): false when one was added, removed,
/// or changed, or changed too recently to say.
pub fn unchanged(root: &Path, seen: &HashMap<PathBuf, Seen>) -> bool {
    let (dirs, _) = catalog::scan(root);
    let here = seen.keys().filter(|p| p.starts_with(root)).count();
    dirs.len() == here
        && fingerprints(root, &dirs, racy_since())
            .into_iter()
            .all(|(dir, f)| f.is_some() && seen.get(dir).map(|s| s.fingerprint) == f)
}

/// Changes after this (nanoseconds since the epoch) are too recent to be kept.
fn racy_since() -> i128 {
    SystemTime::now()
        .checked_sub(RACY)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128)
}

#[derive(Serialize, Deserialize)]
struct Header {
    build: String,
    root: PathBuf,
    canonical: Option<PathBuf>,
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    /// The directory, relative to the root.
    dir: String,
    community: bool,
    fingerprint: u64,
    summary: Arc<Summary>,
    /// Where its worker is, after the header (none for a broken directory).
    worker: Option<Span>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Span {
    at: u64,
    len: usize,
    sha256: String,
}

/// Where a kept worker's bytes are: in the old file, or serialized now.
enum Bytes {
    Old(Span),
    New(Vec<u8>),
    None,
}

struct Old {
    file: std::fs::File,
    /// Where the workers start.
    body: u64,
    entries: HashMap<String, Entry>,
}

impl Old {
    fn read(&self, span: &Span) -> Option<Vec<u8>> {
        let mut buf = vec![0; span.len];
        read_at(&self.file, &mut buf, self.body + span.at).ok()?;
        (sha256_bytes(&buf) == span.sha256).then_some(buf)
    }
}

#[cfg(unix)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, at)
}

#[cfg(not(unix))]
fn read_at(mut f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    f.seek(std::io::SeekFrom::Start(at))?;
    f.read_exact(buf)
}

pub struct DiskRecall {
    path: PathBuf,
    root: PathBuf,
    canonical: Option<PathBuf>,
    build: String,
    old: Option<Old>,
    /// Each directory's fingerprint (by its path relative to the root), None when it changed
    /// too recently to be kept.
    fingerprints: HashMap<String, Option<u64>>,
    /// What the new file holds, in discovery order.
    fresh: Vec<(Entry, Bytes)>,
    at: HashMap<String, usize>,
    changed: bool,
    reused: usize,
}

/// The build that writes a cache: another binary may discover differently.
fn build_id() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{mtime}", m.len())
        })
        .unwrap_or_default();
    format!(
        "{} {} {exe}",
        env!("CARGO_PKG_VERSION"),
        env!("RBEE_WORKERS_COMMIT")
    )
}

impl DiskRecall {
    pub fn open(cache_dir: &Path, source: &Source) -> DiskRecall {
        let canonical = std::fs::canonicalize(&source.root).ok();
        let key = Sha256::digest(format!(
            "{}\0{}",
            source.root.display(),
            canonical.as_deref().unwrap_or(Path::new("")).display()
        ));
        let path = cache_dir
            .join("discovery")
            .join(format!("{}.cache", hex(&key[..12])));
        let build = build_id();
        let old = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(file, &build, &source.root, canonical.as_deref()));
        DiskRecall {
            path,
            root: source.root.clone(),
            canonical,
            build,
            changed: old.is_none(),
            old,
            fingerprints: HashMap::new(),
            fresh: Vec::new(),
            at: HashMap::new(),
            reused: 0,
        }
    }

    fn key<'d>(&self, dir: &'d Path) -> std::borrow::Cow<'d, str> {
        dir.strip_prefix(&self.root)
            .unwrap_or(dir)
            .to_string_lossy()
    }

    /// Writes the cache when anything in it changed (a directory read again, added or gone).
    pub fn finish(self) {
        // What is left of the old entries was not recalled: gone, or changed.
        let gone = self.old.as_ref().is_some_and(|o| !o.entries.is_empty());
        crate::report::verbose(&format!(
            "discovery: {} of {} worker directories recalled from the cache ({})",
            self.reused,
            self.fingerprints.len(),
            self.path.display()
        ));
        if self.changed || gone {
            let _ = self.write();
        } else if let Some(old) = &self.old {
            // Still in use: kept from [`forget_old`] (a look a day, not a write a run).
            let stale = old
                .file
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_secs(24 * 3600));
            if stale {
                if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&self.path) {
                    let _ = f.set_modified(SystemTime::now());
                }
            }
        }
    }

    /// Writes the file through a buffer, copying the workers kept from the old file one at a
    /// time, so writing holds no second copy of the cache. A kept worker whose bytes no longer
    /// match their sum is written as zeros: the next run finds it damaged and reads it again.
    fn write(self) -> std::io::Result<()> {
        let mut at = 0u64;
        let mut entries = Vec::with_capacity(self.fresh.len());
        let mut bodies = Vec::with_capacity(self.fresh.len());
        for (mut entry, bytes) in self.fresh {
            let span = match &bytes {
                Bytes::Old(old) => Some(Span { at, ..old.clone() }),
                Bytes::New(b) => Some(Span {
                    at,
                    len: b.len(),
                    sha256: sha256_bytes(b),
                }),
                Bytes::None => None,
            };
            at += span.as_ref().map_or(0, |s| s.len as u64);
            entry.worker = span;
            entries.push(entry);
            bodies.push(bytes);
        }
        let header = serde_json::to_vec(&Header {
            build: self.build,
            root: self.root,
            canonical: self.canonical,
            entries,
        })?;
        let dir = self.path.parent().expect("a cache file has a directory");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            use std::io::Write;
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            writeln!(out, "{MAGIC} {} {}", header.len(), sha256_bytes(&header))?;
            out.write_all(&header)?;
            drop(header);
            for bytes in bodies {
                match bytes {
                    Bytes::Old(span) => {
                        let b = self.old.as_ref().and_then(|o| o.read(&span));
                        out.write_all(&b.unwrap_or_else(|| vec![0; span.len]))?;
                    }
                    Bytes::New(b) => out.write_all(&b)?,
                    Bytes::None => {}
                }
            }
            out.flush()?;
        }
        tmp.persist(&self.path).map_err(|e| e.error)?;
        forget_old(dir);
        Ok(())
    }

    fn keep(&mut self, entry: Entry, bytes: Bytes) {
        match self.at.get(&entry.dir) {
            Some(&i) => self.fresh[i] = (entry, bytes),
            None => {
                self.at.insert(entry.dir.clone(), self.fresh.len());
                self.fresh.push((entry, bytes));
            }
        }
    }
}

/// Removes the cache files of roots not discovered for [`UNUSED`] (temporary checkouts of
/// `--changed`, catalogs moved away): a root seen again is discovered cold once.
fn forget_old(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in rd.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > UNUSED);
        if old && e.path().extension().is_some_and(|x| x == "cache") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The header of a cache file, if it is whole and from this build and root.
fn parse(file: std::fs::File, build: &str, root: &Path, canonical: Option<&Path>) -> Option<Old> {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::new(&file);
    let mut first = String::new();
    reader.by_ref().take(256).read_line(&mut first).ok()?;
    let rest = first.strip_suffix('\n')?.strip_prefix(MAGIC)?.trim_start();
    let (len, sum) = rest.split_once(' ')?;
    let len: usize = len.parse().ok()?;
    // A damaged length is refused before anything is allocated for it.
    if len as u64 > file.metadata().ok()?.len() {
        return None;
    }
    let mut header = vec![0; len];
    reader.read_exact(&mut header).ok()?;
    if sha256_bytes(&header) != sum {
        return None;
    }
    let header: Header = serde_json::from_slice(&header).ok()?;
    if header.build != build || header.root != root || header.canonical.as_deref() != canonical {
        return None;
    }
    Some(Old {
        body: (first.len() + len) as u64,
        entries: header
            .entries
            .into_iter()
            .map(|e| (e.dir.clone(), e))
            .collect(),
        file,
    })
}

impl Recall for DiskRecall {
    fn prepare(&mut self, dirs: &[WorkerDir]) {
        self.fingerprints = fingerprints(&self.root, dirs, racy_since())
            .into_iter()
            .map(|(dir, f)| (self.key(dir).into_owned(), f))
            .collect();
    }

    fn summary(&mut self, dir: &Path, community: bool) -> Option<Arc<Summary>> {
        let key = self.key(dir);
        let fingerprint = (*self.fingerprints.get(&*key)?)?;
        let mut entry = self.old.as_mut()?.entries.remove(&*key)?;
        if entry.fingerprint != fingerprint || entry.community != community {
            return None;
        }
        // (The span is placed again when the file is written.)
        let bytes = entry.worker.take().map_or(Bytes::None, Bytes::Old);
        let summary = entry.summary.clone();
        self.keep(entry, bytes);
        self.reused += 1;
        Some(summary)
    }

    fn worker(&mut self, dir: &Path) -> Option<Arc<Worker>> {
        self.workers(&[dir]).pop().flatten()
    }

    fn workers(&mut self, dirs: &[&Path]) -> Vec<Option<Arc<Worker>>> {
        let Some(old) = self.old.as_ref() else {
            return vec![None; dirs.len()];
        };
        let spans: Vec<Option<Span>> = dirs
            .iter()
            .map(
                |d| match self.at.get(&*self.key(d)).map(|&i| &self.fresh[i].1) {
                    Some(Bytes::Old(span)) => Some(span.clone()),
                    _ => None,
                },
            )
            .collect();
        let read = |span: &Option<Span>| -> Option<Arc<Worker>> {
            let bytes = old.read(span.as_ref()?)?;
            serde_json::from_slice(&bytes).ok().map(Arc::new)
        };
        // On the available cores where a read does not move a shared offset (pread).
        let min = if cfg!(unix) { 256 } else { usize::MAX };
        let workers = crate::par::map(&spans, min, read);
        if workers.iter().any(Option::is_none) {
            // Damaged: the caller reads those directories again and remembers what it finds.
            self.changed = true;
        }
        workers
    }

    fn remember(&mut self, dir: &Path, community: bool, found: &Found) {
        self.changed = true;
        let key = self.key(dir).into_owned();
        let Some(Some(fingerprint)) = self.fingerprints.get(&key).copied() else {
            // Changed too recently (or never looked at): read again next time.
            return;
        };
        let bytes = match found {
            Ok((w, _)) => match serde_json::to_vec(w) {
                Ok(b) => Bytes::New(b),
                Err(_) => return,
            },
            Err(_) => Bytes::None,
        };
        let entry = Entry {
            dir: key,
            community,
            fingerprint,
            summary: Arc::new(Summary::of(found)),
            worker: None,
        };
        self.keep(entry, bytes);
    }
}

/// One look at a path, hashed: what is there, its identity, size and times; whether it
/// changed after `since` (nanoseconds since the epoch).
fn look(m: std::io::Result<Stat>, h: &mut impl Hasher, since: i128) -> bool {
    match m {
        Err(e) => {
            (e.kind() as u32).hash(h);
            false
        }
        Ok(m) => {
            m.hash(h);
            m.mtime >= since
        }
    }
}

/// [`look`] at `rel` inside `at` as `link` (its `lstat`) saw it, and through it when it is a
/// symlink.
fn probe_with(
    at: &At,
    rel: &Path,
    link: std::io::Result<Stat>,
    h: &mut impl Hasher,
    since: i128,
) -> bool {
    let is_link = link.as_ref().is_ok_and(Stat::is_symlink);
    let mut racy = look(link, h, since);
    if is_link {
        racy |= look(at.metadata(rel), h, since);
    }
    racy
}

fn probe(at: &At, rel: &Path, h: &mut impl Hasher, since: i128) -> bool {
    probe_with(at, rel, at.symlink_metadata(rel), h, since)
}

/// Every directory's fingerprint (None: changed since `since`), looked at on the available
/// cores. The workspace manifests above a worker are looked at once for all.
///
/// What a worker's discovery reads or would read if it appeared: its worker.toml (looked at
/// by the scan), Cargo.toml and Cargo.lock, `src` (whose entries say whether there is a
/// `main.rs` and a `bin`), `src/bin` and each of its directories' `main.rs`, and the
/// Cargo.toml and Cargo.lock of every directory above it inside the root.
fn fingerprints<'d>(
    root: &Path,
    dirs: &'d [WorkerDir],
    since: i128,
) -> Vec<(&'d Path, Option<u64>)> {
    // What is above the workers is the same for every worker of one parent (`bin`,
    // `bin/community`): looked at once, with the parent opened for the looks inside it.
    struct Parent {
        at: At,
        /// The sum of each directory above it inside the root, nearest first.
        above: Vec<u64>,
        racy: bool,
    }
    let mut sums: HashMap<&Path, (u64, bool)> = HashMap::new();
    let mut parents: HashMap<&Path, Parent> = HashMap::new();
    for d in dirs {
        let Some(parent) = d.path.parent() else {
            continue;
        };
        if parents.contains_key(parent) {
            continue;
        }
        let mut above = Vec::new();
        let mut racy = false;
        for a in d.path.ancestors().skip(1) {
            if !a.starts_with(root) {
                break;
            }
            let &mut (sum, r) = sums.entry(a).or_insert_with(|| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                let at = At::open(a);
                let r = probe(&at, Path::new("Cargo.toml"), &mut h, since)
                    | probe(&at, Path::new("Cargo.lock"), &mut h, since);
                (h.finish(), r)
            });
            above.push(sum);
            racy |= r;
        }
        let at = At::open(parent);
        parents.insert(parent, Parent { at, above, racy });
    }
    let one = |d: &WorkerDir| -> Option<u64> {
        let dir = &d.path;
        let parent = &parents[dir.parent()?];
        let at = &parent.at;
        // NAME/FILE, in one buffer.
        let mut rel = PathBuf::from(dir.file_name()?);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rel.push("worker.toml");
        let mut racy = probe_with(at, &rel, Ok(d.manifest), &mut h, since);
        for file in ["Cargo.toml", "Cargo.lock", "src"] {
            rel.set_file_name(file);
            racy |= probe(at, &rel, &mut h, since);
        }
        rel.push("bin");
        let listing = at.symlink_metadata(&rel);
        let is_dir = listing.as_ref().is_ok_and(|m| !m.is_file());
        racy |= probe_with(at, &rel, listing, &mut h, since);
        if is_dir {
            if let Ok(rd) = std::fs::read_dir(dir.join("src/bin")) {
                let mut names: Vec<_> = rd.flatten().map(|e| e.file_name()).collect();
                names.sort();
                for n in names {
                    let p = rel.join(n);
                    p.hash(&mut h);
                    if at.metadata(&p).is_ok_and(|m| m.is_dir()) {
                        racy |= probe(at, &p.join("main.rs"), &mut h, since);
                    }
                }
            }
        }
        for sum in &parent.above {
            sum.hash(&mut h);
        }
        racy |= parent.racy;
        (!racy).then(|| h.finish())
    };
    crate::par::map(dirs, 256, |d| (d.path.as_path(), one(d)))
}
