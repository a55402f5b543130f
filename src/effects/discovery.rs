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

use crate::catalog::{
    self, Catalog, Found, Recall, Seen, Source, Summary, Whole, Worker, WorkerDir,
};
use crate::checksum::sha256_bytes;
use crate::look::{At, Stat};
use crate::watch::{Changes, Token};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MAGIC: &str = "rbee-workers discovery cache 2";

/// How recent a change may be before a directory is not kept (coarse file-system clocks).
const RACY: Duration = Duration::from_secs(2);

/// How long a cache file of a root not discovered again since it was written is kept.
const UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);

/// What one discovery through the cache came to: how many worker directories the source
/// has, and whether a watcher answered for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Looked {
    pub dirs: usize,
    pub watched: bool,
}

/// Discovers `source` as [`catalog::discover_with`] does, recalling from and updating its
/// cache under `cache_dir`.
pub fn discover(
    cache_dir: &Path,
    source: Arc<Source>,
    catalog: &mut Catalog,
    want: Option<&mut BTreeSet<String>>,
) -> Looked {
    let mut recall = DiskRecall::open(cache_dir, &source);
    catalog::discover_with(source, catalog, &mut recall, want);
    recall.finish()
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
    fn prepare(&mut self, dirs: &[WorkerDir], _clean: bool) {
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
    /// The watcher's token from before this file's looks (`rbee-workers watch`).
    watch: Option<Token>,
    /// Every worker directory the scan found has an entry, and the scan found no problem:
    /// the entries are the whole list of directories (what a run told by a watcher uses).
    complete: bool,
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

/// The digest's first line: whose it is, and the token it holds for.
#[derive(Serialize, Deserialize)]
struct DigestHead {
    build: String,
    root: PathBuf,
    canonical: Option<PathBuf>,
    watch: Token,
    /// How many worker directories the header has.
    dirs: usize,
}

/// A kept directory, as the digest has it: enough to select and read its worker.
#[derive(Serialize, Deserialize)]
struct DigestEntry(String, bool, Vec<String>, Option<Span>);

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
    /// The entries' directories, in discovery order, with whether each is a community one.
    order: Vec<(String, bool)>,
    watch: Option<Token>,
    complete: bool,
}

/// `len` bytes at `at`, if they hash to `sum`.
fn read_summed(file: &std::fs::File, at: u64, len: usize, sum: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0; len];
    read_at(file, &mut buf, at).ok()?;
    (sha256_bytes(&buf) == sum).then_some(buf)
}

fn read_span(file: &std::fs::File, body: u64, span: &Span) -> Option<Vec<u8>> {
    read_summed(file, body + span.at, span.len, &span.sha256)
}

impl Old {
    fn read(&self, span: &Span) -> Option<Vec<u8>> {
        read_span(&self.file, self.body, span)
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

/// A cache file's first line: where its digest and header are, and their sums.
struct Layout {
    line: u64,
    digest_len: usize,
    digest_sum: String,
    header_len: usize,
    header_sum: String,
}

impl Layout {
    fn read(file: &std::fs::File) -> Option<Layout> {
        use std::io::{BufRead, Read};
        let mut first = String::new();
        std::io::BufReader::new(file)
            .take(512)
            .read_line(&mut first)
            .ok()?;
        let rest = first.strip_suffix('\n')?.strip_prefix(MAGIC)?.trim_start();
        let mut words = rest.split(' ');
        let layout = Layout {
            line: first.len() as u64,
            digest_len: words.next()?.parse().ok()?,
            digest_sum: words.next()?.to_string(),
            header_len: words.next()?.parse().ok()?,
            header_sum: words.next()?.to_string(),
        };
        // A damaged length is refused before anything is allocated for it.
        let size = file.metadata().ok()?.len();
        let end = layout
            .line
            .checked_add(layout.digest_len as u64)?
            .checked_add(layout.header_len as u64)?;
        (end <= size).then_some(layout)
    }

    fn body(&self) -> u64 {
        self.line + self.digest_len as u64 + self.header_len as u64
    }
}

/// A digest, read whole and found to be this build's and root's.
struct Kept {
    bytes: Vec<u8>,
    head: DigestHead,
}

impl Kept {
    /// Every entry (its offset in the digest) holding `key` as its id or a variant id.
    fn holding(&self, key: &str) -> Vec<usize> {
        let needle = format!("\nK {key}\t");
        memchr::memmem::find_iter(&self.bytes, needle.as_bytes())
            .filter_map(|at| {
                let from = at + needle.len();
                let end = from + memchr::memchr(b'\n', &self.bytes[from..])?;
                std::str::from_utf8(&self.bytes[from..end])
                    .ok()?
                    .parse()
                    .ok()
            })
            .collect()
    }

    fn line(&self, at: usize) -> Option<&[u8]> {
        let rest = self.bytes.get(at..)?;
        Some(&rest[..memchr::memchr(b'\n', rest)?])
    }

    fn entry(&self, at: usize) -> Option<DigestEntry> {
        serde_json::from_slice(self.line(at)?.strip_prefix(b"E ")?).ok()
    }

    fn problems(&self) -> Option<Vec<crate::problem::Problem>> {
        let start = memchr::memchr(b'\n', &self.bytes)? + 1;
        serde_json::from_slice(self.line(start)?.strip_prefix(b"P ")?).ok()
    }
}

/// What the digest says of a source whose ids and problems are `problems` and `kept`.
fn digest(
    head: &DigestHead,
    problems: &[crate::problem::Problem],
    kept: &[&Entry],
) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut out = Vec::new();
    out.extend_from_slice(b"D ");
    serde_json::to_writer(&mut out, head).ok()?;
    out.extend_from_slice(b"\nP ");
    serde_json::to_writer(&mut out, problems).ok()?;
    out.push(b'\n');
    let mut keys = Vec::new();
    for entry in kept {
        let at = out.len();
        out.extend_from_slice(b"E ");
        let e = DigestEntry(
            entry.dir.clone(),
            entry.community,
            entry.summary.requires.clone(),
            entry.worker.clone(),
        );
        serde_json::to_writer(&mut out, &e).ok()?;
        out.push(b'\n');
        for key in entry.summary.id.iter().chain(&entry.summary.variants) {
            // An id that could be mistaken for the format is not looked up here.
            if key.is_empty() || key.contains(['\t', '\n']) {
                return None;
            }
            keys.push((key, at));
        }
    }
    for (key, at) in keys {
        writeln!(out, "K {key}\t{at}").ok()?;
    }
    Some(out)
}

pub struct DiskRecall {
    path: PathBuf,
    root: PathBuf,
    canonical: Option<PathBuf>,
    build: String,
    old: Option<Old>,
    /// The file and its layout while its header is not read yet (a digest may answer alone).
    unread: Option<(std::fs::File, Layout)>,
    /// The digest, while the watcher says nothing changed since it was written.
    digest: Option<(Kept, u64)>,
    /// What the watcher answered this run, and the token it was asked with.
    asked: Option<(Token, Changes, Option<Token>)>,
    /// Directories the watcher vouches for: their entries' fingerprints are taken as they are.
    trusted: std::collections::HashSet<String>,
    /// The scan found no problem.
    clean: bool,
    /// The source's problems and the directories holding its ids, from this discovery.
    outcome: Option<(
        Vec<crate::problem::Problem>,
        std::collections::HashSet<String>,
    )>,
    /// The digest answered: nothing was looked at.
    whole: bool,
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

/// What the watcher of `root` says changed since `since`; None when none answers.
#[cfg(unix)]
fn ask_watcher(cache_dir: &Path, root: &Path, since: Option<Token>) -> Option<(Token, Changes)> {
    let place = crate::watchd::place(cache_dir, root);
    crate::watchd::changes(&place, since)
}

#[cfg(not(unix))]
fn ask_watcher(_: &Path, _: &Path, _: Option<Token>) -> Option<(Token, Changes)> {
    None
}

impl DiskRecall {
    pub fn open(cache_dir: &Path, source: &Source) -> DiskRecall {
        let canonical = std::fs::canonicalize(&source.root).ok();
        let path = cache_dir
            .join("discovery")
            .join(format!("{}.cache", crate::watch::key(&source.root)));
        let build = build_id();
        let mut recall = DiskRecall {
            path,
            root: source.root.clone(),
            canonical,
            build,
            changed: true,
            old: None,
            unread: None,
            digest: None,
            asked: None,
            trusted: Default::default(),
            clean: false,
            outcome: None,
            whole: false,
            fingerprints: HashMap::new(),
            fresh: Vec::new(),
            at: HashMap::new(),
            reused: 0,
        };
        let opened = std::fs::File::open(&recall.path)
            .ok()
            .and_then(|f| Layout::read(&f).map(|layout| (f, layout)));
        let Some((file, layout)) = opened else {
            recall.asked = ask_watcher(cache_dir, &recall.root, None).map(|(t, c)| (t, c, None));
            return recall;
        };
        // A digest is written only for a watched root: ask the watcher with its token first.
        let digest = (layout.digest_len > 0)
            .then(|| read_summed(&file, layout.line, layout.digest_len, &layout.digest_sum))
            .flatten()
            .and_then(|bytes| {
                let end = memchr::memchr(b'\n', &bytes)?;
                let head: DigestHead =
                    serde_json::from_slice(bytes[..end].strip_prefix(b"D ")?).ok()?;
                (head.build == recall.build
                    && head.root == recall.root
                    && head.canonical == recall.canonical)
                    .then_some(Kept { bytes, head })
            });
        let asked_digest = digest.is_some();
        if let Some(d) = digest {
            let since = Some(d.head.watch);
            if let Some((token, changes)) = ask_watcher(cache_dir, &recall.root, since) {
                if changes == Changes::Dirs(Vec::new()) {
                    let body = layout.body();
                    recall.digest = Some((d, body));
                }
                recall.asked = Some((token, changes, since));
            }
        }
        recall.unread = Some((file, layout));
        if recall.digest.is_none() {
            recall.read_old();
            // (Asked once already with the digest's token, and no watcher answered: not again.)
            if recall.asked.is_none() && !asked_digest {
                let since = recall.old.as_ref().and_then(|o| o.watch);
                recall.asked =
                    ask_watcher(cache_dir, &recall.root, since).map(|(t, c)| (t, c, since));
            }
        }
        recall
    }

    /// Reads the old file's header, if it is whole and from this build and root.
    fn read_old(&mut self) {
        self.digest = None;
        let Some((file, layout)) = self.unread.take() else {
            return;
        };
        let at = layout.line + layout.digest_len as u64;
        let old = read_summed(&file, at, layout.header_len, &layout.header_sum)
            .and_then(|bytes| serde_json::from_slice::<Header>(&bytes).ok())
            .filter(|h| {
                h.build == self.build && h.root == self.root && h.canonical == self.canonical
            })
            .map(|header| Old {
                body: layout.body(),
                order: header
                    .entries
                    .iter()
                    .map(|e| (e.dir.clone(), e.community))
                    .collect(),
                entries: header
                    .entries
                    .into_iter()
                    .map(|e| (e.dir.clone(), e))
                    .collect(),
                watch: header.watch,
                complete: header.complete,
                file,
            });
        self.changed = old.is_none();
        self.old = old;
    }

    fn key<'d>(&self, dir: &'d Path) -> std::borrow::Cow<'d, str> {
        dir.strip_prefix(&self.root)
            .unwrap_or(dir)
            .to_string_lossy()
    }

    /// The token to keep in the new file: the watcher's answer of this run.
    fn token(&self) -> Option<Token> {
        self.asked.as_ref().map(|(t, ..)| *t)
    }

    /// Writes the cache when anything in it changed (a directory read again, added or gone).
    pub fn finish(mut self) -> Looked {
        if self.whole {
            let dirs = self.digest.as_ref().map_or(0, |(d, _)| d.head.dirs);
            crate::report::verbose(&format!(
                "discovery: {dirs} of {dirs} worker directories recalled from the cache ({}); the watcher saw no change",
                self.path.display()
            ));
            if let Some((file, _)) = &self.unread {
                keep_fresh(file, &self.path);
            }
            return Looked {
                dirs,
                watched: true,
            };
        }
        let looked = Looked {
            dirs: self.fingerprints.len(),
            watched: self.asked.is_some(),
        };
        // What is left of the old entries was not recalled: gone, or changed.
        let gone = self.old.as_ref().is_some_and(|o| !o.entries.is_empty());
        crate::report::verbose(&format!(
            "discovery: {} of {} worker directories recalled from the cache ({}){}",
            self.reused,
            self.fingerprints.len(),
            self.path.display(),
            match &self.asked {
                Some((_, Changes::Dirs(d), _)) =>
                    format!("; the watcher named {} changed", d.len()),
                Some((_, Changes::Everything, _)) =>
                    "; the watcher could not say what changed".into(),
                None => String::new(),
            }
        ));
        // A newer token is worth keeping when the old one made this run look at something.
        let old_token = self.old.as_ref().and_then(|o| o.watch);
        let newer = self.token().is_some()
            && self.token() != old_token
            && !matches!(&self.asked, Some((_, Changes::Dirs(d), _)) if d.is_empty());
        if self.changed || gone || newer {
            let _ = self.write();
        } else if let Some(old) = self.old.take() {
            keep_fresh(&old.file, &self.path);
        }
        looked
    }

    /// Writes the file through a buffer, copying the workers kept from the old file one at a
    /// time, so writing holds no second copy of the cache. A kept worker whose bytes no longer
    /// match their sum is written as zeros: the next run finds it damaged and reads it again.
    fn write(self) -> std::io::Result<()> {
        let complete = self.clean
            && self.fresh.len() == self.fingerprints.len()
            && self.fingerprints.values().all(Option::is_some);
        let watch = self.token();
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
        // Only a watched root's next run can trust a digest: none is written otherwise.
        let digest = match (&self.outcome, watch) {
            (Some((problems, kept)), Some(watch)) if complete => {
                let head = DigestHead {
                    build: self.build.clone(),
                    root: self.root.clone(),
                    canonical: self.canonical.clone(),
                    watch,
                    dirs: entries.len(),
                };
                let kept: Vec<&Entry> = entries.iter().filter(|e| kept.contains(&e.dir)).collect();
                digest(&head, problems, &kept)
            }
            _ => None,
        }
        .unwrap_or_default();
        let header = serde_json::to_vec(&Header {
            build: self.build,
            root: self.root,
            canonical: self.canonical,
            watch,
            complete,
            entries,
        })?;
        let dir = self.path.parent().expect("a cache file has a directory");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            use std::io::Write;
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            writeln!(
                out,
                "{MAGIC} {} {} {} {}",
                digest.len(),
                sha256_bytes(&digest),
                header.len(),
                sha256_bytes(&header)
            )?;
            out.write_all(&digest)?;
            drop(digest);
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

/// A cache file still in use is kept from [`forget_old`] (a look a day, not a write a run).
fn keep_fresh(file: &std::fs::File, path: &Path) {
    let stale = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > Duration::from_secs(24 * 3600));
    if stale {
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
            let _ = f.set_modified(SystemTime::now());
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

impl Recall for DiskRecall {
    fn whole(&mut self, want: &mut BTreeSet<String>) -> Option<Whole> {
        let answer = (|| {
            let (d, body) = self.digest.as_ref()?;
            let (file, _) = self.unread.as_ref()?;
            let mut wanted = want.clone();
            let mut selected: BTreeSet<usize> = BTreeSet::new();
            let mut asked: BTreeSet<String> = BTreeSet::new();
            // As discovery selects: every kept worker holding a wanted id, and what it requires.
            loop {
                let new: Vec<String> = wanted.difference(&asked).cloned().collect();
                if new.is_empty() {
                    break;
                }
                for key in new {
                    for at in d.holding(&key) {
                        if selected.insert(at) {
                            wanted.extend(d.entry(at)?.2);
                        }
                    }
                    asked.insert(key);
                }
            }
            let spans: Vec<Span> = selected
                .iter()
                .map(|&at| d.entry(at)?.3)
                .collect::<Option<_>>()?;
            let read = |span: &Span| -> Option<Arc<Worker>> {
                let bytes = read_span(file, *body, span)?;
                serde_json::from_slice(&bytes).ok().map(Arc::new)
            };
            let workers: Vec<Arc<Worker>> = crate::par::map(&spans, 256, read)
                .into_iter()
                .collect::<Option<_>>()?;
            Some((
                Whole {
                    problems: d.problems()?,
                    workers,
                },
                wanted,
            ))
        })();
        match answer {
            Some((whole, wanted)) => {
                *want = wanted;
                self.whole = true;
                Some(whole)
            }
            None => {
                // Damaged, or a worker not kept: discovery goes the long way.
                self.read_old();
                None
            }
        }
    }

    fn dirs(&mut self) -> Option<Vec<WorkerDir>> {
        if self.unread.is_some() {
            self.read_old();
        }
        let (_, Changes::Dirs(changed), since) = self.asked.as_ref()? else {
            return None;
        };
        let old = self.old.as_ref()?;
        if !old.complete || old.watch.is_none() || old.watch != *since {
            return None;
        }
        let changed: std::collections::HashSet<&str> = changed.iter().map(String::as_str).collect();
        let known: std::collections::HashSet<&str> =
            old.order.iter().map(|(d, _)| d.as_str()).collect();
        let at = At::open(&self.root);
        let manifest = |dir: &str| at.symlink_metadata(&Path::new(dir).join("worker.toml"));
        // A directory that became a worker's, or stopped being one: the scan says so.
        for c in &changed {
            if !known.contains(c) {
                match manifest(c) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    _ => return None,
                }
            }
        }
        let mut dirs = Vec::with_capacity(old.order.len());
        let mut trusted = std::collections::HashSet::new();
        for (dir, community) in &old.order {
            let stat = if changed.contains(dir.as_str()) {
                manifest(dir).ok()?
            } else {
                trusted.insert(dir.clone());
                Stat::default()
            };
            dirs.push(WorkerDir {
                path: self.root.join(dir),
                community: *community,
                manifest: stat,
            });
        }
        self.trusted = trusted;
        Some(dirs)
    }

    fn prepare(&mut self, dirs: &[WorkerDir], clean: bool) {
        if self.unread.is_some() {
            self.read_old();
        }
        self.clean = clean;
        let look: Vec<WorkerDir> = dirs
            .iter()
            .filter(|d| !self.trusted.contains(&*self.key(&d.path)))
            .cloned()
            .collect();
        self.fingerprints = fingerprints(&self.root, &look, racy_since())
            .into_iter()
            .map(|(dir, f)| (self.key(dir).into_owned(), f))
            .collect();
        if let Some(old) = &self.old {
            for dir in &self.trusted {
                let then = old.entries.get(dir).map(|e| e.fingerprint);
                self.fingerprints.insert(dir.clone(), then);
            }
        }
    }

    fn outcome(&mut self, problems: &[crate::problem::Problem], kept: &[&Path]) {
        let kept = kept.iter().map(|d| self.key(d).into_owned()).collect();
        self.outcome = Some((problems.to_vec(), kept));
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
        // Read again after the outcome was taken (a damaged worker): it may be another now.
        self.outcome = None;
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
