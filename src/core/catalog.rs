//! Sources → workers → variants. Discovery reads `bin/*/worker.toml` and
//! `bin/community/*/worker.toml`, pairs each with its `Cargo.toml`, and derives the variants
//! (DESIGN sections 1 and 2). Broken workers become problems; the rest are still listed.

use crate::cargo::{read_crate, CargoCache, CrateInfo};
use crate::manifest::{self, Arch, Os, Packages, Platforms, WorkerManifest};
use crate::problem::Problem;
use crate::tree::{Tree, Unreadable, MANIFEST_LIMIT};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    Local,
    Git,
    Index,
}

/// A tree of workers and how far it is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    /// Path or URL, as shown to users.
    pub location: String,
    /// The directory holding `bin/`.
    pub root: PathBuf,
    pub trusted: bool,
}

/// Where a worker comes from, as the installed database records it so an install can be
/// found again from any working directory: the source's name, kind and location (the
/// absolute catalog root of a local source, the URL of a git or index source) and the
/// worker's directory inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Origin {
    pub source: String,
    pub kind: SourceKind,
    pub location: String,
    pub subdir: String,
}

/// `[source]` with every default filled in and `{version}`/`{tag}` expanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Upstream {
    pub git: Option<String>,
    pub branch: String,
    pub tag: String,
    pub tarball: Option<String>,
    pub sha256: Option<String>,
    /// The worker's directory inside the upstream repository (and the release tarball).
    pub subdir: String,
}

/// Serialized whole (but for its source, which the reader attaches) by the discovery cache.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Worker {
    pub id: String,
    pub name: String,
    pub description: String,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub tags: Vec<String>,
    pub version: semver::Version,
    pub default_feature: String,
    pub capabilities: BTreeMap<String, serde_json::Value>,
    pub platforms: Platforms,
    /// The worker's directory (holding worker.toml and Cargo.toml).
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    pub krate: CrateInfo,
    #[serde(skip)]
    pub source: Arc<Source>,
    pub community: bool,
    pub upstream: Upstream,
    pub variants: Vec<Variant>,
    /// `[test]` of worker.toml (an index source carries none: the defaults).
    pub test: manifest::TestSpec,
    /// What a build from upstream sees of the source (git facts, filled in after discovery
    /// by `effects::checkout`).
    pub tree: crate::vcs::Tree,
    /// The community registry's counts (DESIGN section 10), when this worker comes from an
    /// index that carries them, or `export --db` snapshotted them.
    pub counts: Option<Counts>,
}

/// The branch of a worker whose manifest names none, until its checkout says otherwise.
pub const DEFAULT_BRANCH: &str = "main";

/// A worker's votes and ratings: `NumVotes`, `Popularity` (each vote weighted 0.98 per day
/// of its age) and the average of its ratings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub votes: u64,
    pub popularity: f64,
    pub average: Option<f64>,
    pub ratings: u64,
}

impl Worker {
    /// Unverified workers are reviewed before anything of theirs runs.
    pub fn verified(&self) -> bool {
        self.source.trusted && !self.community
    }

    /// Where this worker comes from, for the installed database.
    pub fn origin(&self) -> Origin {
        Origin {
            source: self.source.name.clone(),
            kind: self.source.kind,
            location: self.source.location.clone(),
            subdir: self.upstream.subdir.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Variant {
    pub id: String,
    pub feature: String,
    pub platforms: Platforms,
    pub depends: Packages,
    pub makedepends: Packages,
    pub binary: String,
    pub installed_name: String,
    /// Worker dependencies (the worker's and this variant's), parsed, with where each was
    /// written; `depends.workers` holds them as written.
    pub requires: Vec<crate::manifest::Requirement>,
    /// Prebuilt binaries an index source publishes for it, one per target (DESIGN section 12).
    pub bottles: Vec<crate::core::bottle::Bottle>,
}

impl Variant {
    pub fn supports(&self, os: Os, arch: Arch) -> bool {
        self.platforms.get(&os).is_some_and(|a| a.contains(&arch))
    }
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub workers: Vec<Arc<Worker>>,
    pub problems: Vec<Problem>,
    /// What discovery saw of each worker directory of a local source: a later discovery in
    /// the same process (`serve`'s next generation) takes the summary and worker of every
    /// directory whose fingerprint is still this one from this catalog.
    pub seen: HashMap<PathBuf, Seen>,
    /// Where each id is, built by [`Catalog::link`] once every source is loaded.
    index: Option<Index>,
}

/// The positions of every worker id and variant id in `workers`, in search order, so a
/// lookup costs one hash probe however large the catalog. Keyed by a hash of the id (random
/// per process, so ids cannot be chosen to collide), not by a copy of it: 16 bytes a
/// variant instead of about a hundred, which is 6 MB a catalog at 10,000 workers, and
/// `serve` holds two catalogs while it makes the next generation. A place is an answer only
/// when its id is the one asked for.
#[derive(Debug, Default)]
struct Index {
    /// `workers.len()` when built: a catalog changed since (a `retain`, an `extend`) is
    /// searched linearly until linked again.
    len: usize,
    hasher: std::hash::RandomState,
    /// (Tests: every id of one hash, so every lookup goes through the collisions.)
    #[cfg(test)]
    colliding: bool,
    workers: Places<u32>,
    variants: Places<(u32, u32)>,
}

/// Where the ids of one hash are, in search order: the first, and the rest (a duplicate
/// id, or two ids of one hash: rare) beside it.
#[derive(Debug)]
struct Places<T> {
    first: HashMap<u64, T>,
    more: HashMap<u64, Vec<T>>,
}

impl<T> Default for Places<T> {
    fn default() -> Self {
        Places {
            first: HashMap::new(),
            more: HashMap::new(),
        }
    }
}

impl<T: Copy> Places<T> {
    fn push(&mut self, hash: u64, at: T) {
        match self.first.entry(hash) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(at);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.more.entry(hash).or_default().push(at)
            }
        }
    }

    fn get(&self, hash: u64) -> impl Iterator<Item = T> + '_ {
        let more = self.more.get(&hash).map_or(&[][..], Vec::as_slice);
        self.first
            .get(&hash)
            .copied()
            .into_iter()
            .chain(more.iter().copied())
    }
}

impl Index {
    fn new(workers: &[Arc<Worker>]) -> Index {
        Index::build(workers, Index::default())
    }

    fn build(workers: &[Arc<Worker>], mut index: Index) -> Index {
        index.len = workers.len();
        let at = |n: usize| u32::try_from(n).expect("fewer than 4 billion workers and variants");
        for (i, w) in workers.iter().enumerate() {
            index.workers.push(index.hash(&w.id), at(i));
            for (j, v) in w.variants.iter().enumerate() {
                index.variants.push(index.hash(&v.id), (at(i), at(j)));
            }
        }
        index
    }

    fn hash(&self, id: &str) -> u64 {
        #[cfg(test)]
        if self.colliding {
            return 7;
        }
        use std::hash::BuildHasher;
        self.hasher.hash_one(id)
    }

    /// The workers whose id is `id`, in search order.
    fn workers<'i>(&'i self, c: &'i Catalog, id: &'i str) -> impl Iterator<Item = usize> + 'i {
        self.workers
            .get(self.hash(id))
            .map(|i| i as usize)
            .filter(move |&i| c.workers.get(i).is_some_and(|w| w.id == id))
    }

    /// The (worker, variant) places whose variant id is `id`, in search order.
    fn variants<'i>(
        &'i self,
        c: &'i Catalog,
        id: &'i str,
    ) -> impl Iterator<Item = (usize, usize)> + 'i {
        self.variants
            .get(self.hash(id))
            .map(|(i, j)| (i as usize, j as usize))
            .filter(move |&(i, j)| {
                let v = c.workers.get(i).and_then(|w| w.variants.get(j));
                v.is_some_and(|v| v.id == id)
            })
    }
}

/// What a user's ID names.
#[derive(Debug, Clone, Copy)]
pub enum Target<'c> {
    Variant(&'c Worker, &'c Variant),
    Worker(&'c Worker),
}

/// Resolves the local root: `--root`, `$RBEE_WORKERS_ROOT`, else the nearest ancestor of
/// `cwd` whose `bin/` holds a worker.toml.
pub fn resolve_root(flag: Option<&Path>, env: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(p) = flag.or(env) {
        return Some(p.to_path_buf());
    }
    cwd.ancestors()
        .find(|dir| !worker_dirs(dir).is_empty())
        .map(Path::to_path_buf)
}

/// Every `bin/*/` and then every `bin/community/*/` directory that holds a worker.toml,
/// each group sorted, with whether it is a community worker. Verified workers come first,
/// so an unverified community worker can never shadow one with the same id.
pub fn worker_dirs(root: &Path) -> Vec<(PathBuf, bool)> {
    scan(root)
        .0
        .into_iter()
        .map(|d| (d.path, d.community))
        .collect()
}

/// A directory that holds a worker.toml, as discovery found it.
#[derive(Debug, Clone)]
pub struct WorkerDir {
    pub path: PathBuf,
    pub community: bool,
    /// What `lstat` said of its worker.toml (the discovery cache's first look).
    pub manifest: crate::look::Stat,
}

/// [`worker_dirs`], and a problem for each place that may hold a worker but cannot be looked
/// into. A worker.toml that is there in any form (a dangling or looping link, a directory, a
/// FIFO) is a worker directory: reading it then says what is wrong, so none vanishes.
pub fn scan(root: &Path) -> (Vec<WorkerDir>, Vec<Problem>) {
    let bin = root.join("bin");
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (dir, community) in [(bin.clone(), false), (bin.join("community"), true)] {
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => continue,
            Err(_) if !dir.is_dir() => continue,
            Err(e) => {
                problems.push(Problem::error(
                    &dir,
                    format!("cannot look for workers here: {e}; expected a readable directory"),
                ));
                continue;
            }
        };
        let mut group: Vec<WorkerDir> = Vec::new();
        // The entry's type costs no stat, but for a link (followed, as before).
        let mut candidates: Vec<(std::ffi::OsString, PathBuf)> = rd
            .flatten()
            .filter(|e| match e.file_type() {
                Ok(t) if t.is_dir() => true,
                Ok(t) if !t.is_symlink() => false,
                _ => e.path().is_dir(),
            })
            .map(|e| (e.file_name(), e.path()))
            .collect();
        // By name: the order of their paths (one parent), without comparing whole paths.
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let at = crate::look::At::open(&dir);
        let looked = crate::par::map(&candidates, 1024, |(name, _)| {
            at.symlink_metadata(&Path::new(name).join("worker.toml"))
        });
        for ((_, p), looked) in candidates.into_iter().zip(looked) {
            match looked {
                Ok(m) => group.push(WorkerDir {
                    path: p,
                    community,
                    manifest: m,
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => problems.push(Problem::error(
                    p.join("worker.toml"),
                    format!(
                        "cannot tell whether {} holds a worker: {e}; expected a readable directory",
                        p.display()
                    ),
                )),
            }
        }
        out.extend(group);
    }
    (out, problems)
}

/// What discovery found in one worker directory: the worker and its warnings, or why it is
/// broken.
pub type Found = Result<(Worker, Vec<Problem>), Vec<Problem>>;

/// What the rest of a discovery needs to know of one directory without its whole worker:
/// the ids (for duplicates, collisions and the choice of what to load), the worker ids its
/// variants require, and its problems (a worker's warnings, or why it is broken).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Summary {
    pub id: Option<String>,
    pub variants: Vec<String>,
    pub requires: Vec<String>,
    pub problems: Vec<Problem>,
}

/// One worker directory as a discovery saw it: its fingerprint (the discovery cache's,
/// taken before it was read) and what was found there.
#[derive(Debug, Clone)]
pub struct Seen {
    pub fingerprint: u64,
    pub community: bool,
    pub summary: Arc<Summary>,
}

impl Summary {
    pub fn of(found: &Found) -> Summary {
        match found {
            Ok((w, warnings)) => {
                let mut requires: Vec<String> = w
                    .variants
                    .iter()
                    .flat_map(|v| v.requires.iter().map(|r| r.id.clone()))
                    .collect();
                requires.sort();
                requires.dedup();
                Summary {
                    id: Some(w.id.clone()),
                    variants: w.variants.iter().map(|v| v.id.clone()).collect(),
                    requires,
                    problems: warnings.clone(),
                }
            }
            Err(problems) => Summary {
                id: None,
                variants: Vec::new(),
                requires: Vec::new(),
                problems: problems.clone(),
            },
        }
    }
}

/// A memory of earlier discoveries (the persistent discovery cache of issue 20). It answers
/// for a directory only while nothing that discovery read there has changed, so a discovery
/// that recalls gives the answer a cold one would.
pub trait Recall {
    /// The whole answer for the workers `want` names, when nothing at all changed since it was
    /// kept: every problem of the source (but `.gitmodules`', read each time) and the selected
    /// workers in discovery order; `want` gains the ids they require. Tried first.
    fn whole(&mut self, _want: &mut std::collections::BTreeSet<String>) -> Option<Whole> {
        None
    }
    /// The source's worker directories, known without a scan (a watcher says which could have
    /// changed, and those were looked at). None: scan.
    fn dirs(&mut self) -> Option<Vec<WorkerDir>> {
        None
    }
    /// Called once with every worker directory of the source, before any other call but the
    /// two above; `clean`: the scan found no problem.
    fn prepare(&mut self, _dirs: &[WorkerDir], _clean: bool) {}
    /// The source's problems from its directories' summaries, duplicates and collisions, and
    /// the directories that hold their ids (for [`Recall::whole`] next time).
    fn outcome(&mut self, _problems: &[Problem], _kept: &[&Path]) {}
    /// The summary of an earlier discovery of `dir`, if nothing it read has changed.
    fn summary(&mut self, dir: &Path, community: bool) -> Option<Arc<Summary>>;
    /// The worker of a directory [`Recall::summary`] answered for (its source not yet
    /// attached); None when what was kept is damaged, and the directory is read again.
    fn worker(&mut self, dir: &Path) -> Option<Arc<Worker>>;
    /// [`Recall::worker`] of each of `dirs`, in order (a recall that reads them from a file
    /// reads them on the available cores).
    fn workers(&mut self, dirs: &[&Path]) -> Vec<Option<Arc<Worker>>> {
        dirs.iter().map(|d| self.worker(d)).collect()
    }
    /// What a fresh discovery of `dir` found.
    fn remember(&mut self, dir: &Path, community: bool, found: &Found);
}

/// What [`Recall::whole`] answers.
pub struct Whole {
    pub problems: Vec<Problem>,
    pub workers: Vec<Arc<Worker>>,
}

/// Remembers nothing: every discovery is cold.
pub struct Forget;

impl Recall for Forget {
    fn summary(&mut self, _: &Path, _: bool) -> Option<Arc<Summary>> {
        None
    }
    fn worker(&mut self, _: &Path) -> Option<Arc<Worker>> {
        None
    }
    fn remember(&mut self, _: &Path, _: bool, _: &Found) {}
}

/// Discovers every worker of `source`, appending to `catalog`.
pub fn discover(source: Arc<Source>, catalog: &mut Catalog) {
    discover_with(source, catalog, &mut Forget, None);
}

/// [`discover`], recalling what has not changed since an earlier discovery. With `want`, only
/// the workers whose id or variant id is in it are loaded, and the worker ids those require
/// are added to it (so a later source loads them too); every problem of the source is still
/// reported, duplicates and collisions are still found among all of its workers.
pub fn discover_with(
    source: Arc<Source>,
    catalog: &mut Catalog,
    recall: &mut dyn Recall,
    mut want: Option<&mut std::collections::BTreeSet<String>>,
) {
    let tree = Tree::new(&source.root);
    if let Some(whole) = want.as_deref_mut().and_then(|w| recall.whole(w)) {
        catalog
            .problems
            .extend(gitmodules_problems(&source.root, &tree));
        catalog.problems.extend(whole.problems);
        for mut w in whole.workers {
            if *w.source != *source {
                Arc::make_mut(&mut w).source = source.clone();
            }
            catalog.workers.push(w);
        }
        return;
    }
    let mut cache = CargoCache::in_tree(tree.clone());
    let (dirs, problems) = match recall.dirs() {
        Some(dirs) => (dirs, Vec::new()),
        None => scan(&source.root),
    };
    let clean = problems.is_empty();
    catalog.problems.extend(problems);
    catalog
        .problems
        .extend(gitmodules_problems(&source.root, &tree));
    recall.prepare(&dirs, clean);
    // Each directory's summary, and its worker when it was read now.
    // (A worker read now is boxed: most directories are recalled, and a `Found` is large.)
    type Entry = (PathBuf, bool, Arc<Summary>, Option<Box<Found>>);
    let mut entries: Vec<Entry> = Vec::with_capacity(dirs.len());
    for WorkerDir {
        path: dir,
        community,
        ..
    } in dirs
    {
        let entry = match recall.summary(&dir, community) {
            Some(summary) => (dir, community, summary, None),
            None => {
                let found = load_worker(&dir, community, &source, &tree, &mut cache);
                recall.remember(&dir, community, &found);
                let summary = Arc::new(Summary::of(&found));
                (dir, community, summary, Some(Box::new(found)))
            }
        };
        entries.push(entry);
    }
    // The first directory of an id holds it; a later one is a problem, and left out.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut kept = vec![false; entries.len()];
    let mut problems = Vec::new();
    for (i, (dir, _, summary, _)) in entries.iter().enumerate() {
        problems.extend(summary.problems.iter().cloned());
        let Some(id) = summary.id.as_deref() else {
            continue;
        };
        match seen.get(id) {
            Some(&first) => {
                let p = Problem::error(
                    dir.join("worker.toml"),
                    format!(
                        "duplicate worker id `{id}`: {} already defines it; expected each id once per source",
                        entries[first].0.join("worker.toml").display()
                    ),
                );
                problems.push(at_worker_id(p, &tree));
            }
            None => {
                seen.insert(id, i);
                kept[i] = true;
            }
        }
    }
    problems.extend(variant_collisions(
        entries
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|((dir, _, s, _), _)| (dir.as_path(), &**s)),
    ));
    let kept_dirs: Vec<&Path> = entries
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|((dir, ..), _)| dir.as_path())
        .collect();
    recall.outcome(&problems, &kept_dirs);
    drop(kept_dirs);
    catalog.problems.extend(problems);
    let wanted = |summary: &Summary, want: &std::collections::BTreeSet<String>| {
        summary.id.as_ref().is_some_and(|id| want.contains(id))
            || summary.variants.iter().any(|v| want.contains(v))
    };
    let mut selected = kept.clone();
    if let Some(want) = want {
        selected.fill(false);
        loop {
            let before = want.len();
            for (i, (_, _, summary, _)) in entries.iter().enumerate() {
                if kept[i] && !selected[i] && wanted(summary, want) {
                    selected[i] = true;
                    want.extend(summary.requires.iter().cloned());
                }
            }
            if want.len() == before {
                break;
            }
        }
    }
    let recalled: Vec<&Path> = entries
        .iter()
        .zip(&selected)
        .filter(|((_, _, _, found), &s)| s && found.is_none())
        .map(|((dir, ..), _)| dir.as_path())
        .collect();
    let mut recalled = recall.workers(&recalled).into_iter();
    for (i, (dir, community, summary, found)) in entries.into_iter().enumerate() {
        if !selected[i] {
            continue;
        }
        let worker = match found.map(|f| *f) {
            Some(Ok((w, _))) => Some(Arc::new(w)),
            Some(Err(_)) => None,
            None => match recalled.next().flatten() {
                Some(mut w) => {
                    if *w.source != *source {
                        Arc::make_mut(&mut w).source = source.clone();
                    }
                    Some(w)
                }
                // What was kept is damaged: read the directory again, as a cold run would.
                None => {
                    let found = load_worker(&dir, community, &source, &tree, &mut cache);
                    recall.remember(&dir, community, &found);
                    let fresh = Summary::of(&found);
                    if fresh != *summary {
                        catalog.problems.extend(fresh.problems);
                    }
                    found.ok().map(|(w, _)| Arc::new(w))
                }
            },
        };
        catalog.workers.extend(worker);
    }
}

/// Every submodule URL in the source's `.gitmodules` that git must not be given, located.
/// The clone never fetches submodules, but a build of the tree may, so its URLs meet the one
/// git-URL check.
fn gitmodules_problems(root: &Path, tree: &Tree) -> Vec<Problem> {
    let path = root.join(".gitmodules");
    let text = match tree.read_text(&path, ".gitmodules", MANIFEST_LIMIT) {
        Ok(text) => text,
        Err(Unreadable::Missing) => return Vec::new(),
        Err(Unreadable::Refused(p)) => return vec![p],
    };
    let mut problems = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("url") {
            continue;
        }
        let value_at = start + key.len() + 1 + (value.len() - value.trim_start().len());
        let url = gitconfig_value(value);
        // A relative URL is resolved against the superproject's, which passed the check.
        let relative = url.starts_with("./") || url.starts_with("../");
        if let Some(why) = manifest::git_url_problem(&url).filter(|_| !relative) {
            problems.push(
                Problem::error(
                    &path,
                    format!("refusing submodule URL `{}`: {why}", url.escape_debug()),
                )
                .at(&text, value_at..value_at),
            );
        }
    }
    problems
}

/// A git-config value: quoted (with `\"` and `\\` escapes), or up to a comment.
fn gitconfig_value(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(quoted) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => out.extend(chars.next()),
                c => out.push(c),
            }
        }
        return out;
    }
    let end = raw
        .char_indices()
        .find(|&(i, c)| (c == '#' || c == ';') && raw[..i].ends_with([' ', '\t']))
        .map_or(raw.len(), |(i, _)| i);
    raw[..end].trim_end().to_string()
}

/// Points a problem about a worker's id at `[worker] id` in its manifest.
fn at_worker_id(p: Problem, tree: &Tree) -> Problem {
    let Ok(text) = tree.read_text(&p.path, "worker.toml", MANIFEST_LIMIT) else {
        return p;
    };
    let span = toml::de::DeTable::parse(&text).ok().and_then(|root| {
        let worker = crate::tomlread::get(root.get_ref(), "worker")?
            .get_ref()
            .as_table()?;
        crate::tomlread::get(worker, "id").map(|v| v.span())
    });
    match span {
        Some(span) => p.at(&text, span),
        None => p,
    }
}

/// A variant id must name one thing: `a-b` + `c` and `a` + `b-c` would both be `a-b-c`.
/// Among the (directory, summary) of one source's workers.
fn variant_collisions<'a>(workers: impl Iterator<Item = (&'a Path, &'a Summary)>) -> Vec<Problem> {
    let workers: Vec<(&Path, &str, &[String])> = workers
        .filter_map(|(dir, s)| Some((dir, s.id.as_deref()?, &s.variants[..])))
        .collect();
    let mut owners: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, (dir, id, variants)) in workers.iter().enumerate() {
        for v in variants.iter() {
            if let Some(other) = owners.insert(v, i) {
                let (other_dir, other_id, _) = &workers[other];
                if other_id != id {
                    problems.push(Problem::error(
                        dir.join("worker.toml"),
                        format!(
                            "variant id `{v}` is also a variant of `{other_id}` ({})",
                            other_dir.join("worker.toml").display()
                        ),
                    ));
                }
            }
        }
    }
    for (dir, id, _) in &workers {
        if let Some(&other) = owners.get(id) {
            let (other_dir, other_id, _) = &workers[other];
            problems.push(Problem::error(
                dir.join("worker.toml"),
                format!(
                    "worker id `{id}` is also a variant id of `{other_id}` ({})",
                    other_dir.join("worker.toml").display()
                ),
            ));
        }
    }
    problems
}

/// The one worker in `dir` (its worker.toml and Cargo.toml), read as discovery reads it with
/// `root` as the source's root: what `new` validates after writing. A catalog holding the
/// worker, or its problems.
pub fn load_one(dir: &Path, root: &Path, community: bool) -> Catalog {
    let source = Arc::new(Source {
        name: "local".into(),
        kind: SourceKind::Local,
        location: root.display().to_string(),
        root: root.to_path_buf(),
        trusted: true,
    });
    let tree = Tree::new(root);
    let mut cache = CargoCache::in_tree(tree.clone());
    let mut catalog = Catalog::default();
    match load_worker(dir, community, &source, &tree, &mut cache) {
        Ok((w, warnings)) => {
            catalog.problems.extend(warnings);
            catalog.workers.push(Arc::new(w));
        }
        Err(problems) => catalog.problems.extend(problems),
    }
    catalog.link();
    catalog
}

fn load_worker(
    dir: &Path,
    community: bool,
    source: &Arc<Source>,
    tree: &Tree,
    cache: &mut CargoCache,
) -> Result<(Worker, Vec<Problem>), Vec<Problem>> {
    let manifest_path = dir.join("worker.toml");
    let text = match tree.read_text(&manifest_path, "worker.toml", MANIFEST_LIMIT) {
        Ok(text) => text,
        Err(Unreadable::Refused(p)) => return Err(vec![p]),
        Err(Unreadable::Missing) => {
            return Err(vec![Problem::error(
                &manifest_path,
                "cannot read worker.toml: it is gone",
            )])
        }
    };
    let (m, mut problems) = manifest::parse(&manifest_path, &text);
    let cargo_path = dir.join("Cargo.toml");
    // Anything there, even a dangling link, is read (and refused with the reason).
    let krate = if fs::symlink_metadata(&cargo_path).is_ok() {
        read_crate(&cargo_path, cache)
            .map_err(|p| problems.extend(p))
            .ok()
    } else {
        problems.push(Problem::error(
            &manifest_path,
            "no Cargo.toml beside worker.toml: expected the worker's crate in the same directory",
        ));
        None
    };
    let (Some(m), Some(krate)) = (m, krate) else {
        return Err(problems);
    };
    let mut warnings = Vec::new();
    let worker = build_worker(
        m,
        krate,
        dir,
        community,
        source,
        &text,
        &mut problems,
        &mut warnings,
    );
    match worker {
        Some(w) if problems.is_empty() => Ok((w, warnings)),
        _ => {
            problems.extend(warnings);
            Err(problems)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn build_worker(
    m: WorkerManifest,
    krate: CrateInfo,
    dir: &Path,
    community: bool,
    source: &Arc<Source>,
    text: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<Worker> {
    let manifest_path = dir.join("worker.toml");
    for f in &m.features {
        if !krate.features.contains(f.get_ref()) {
            let list = if krate.features.is_empty() {
                "it has none".to_string()
            } else {
                krate
                    .features
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(
                Problem::error(
                    &manifest_path,
                    format!(
                        "feature `{}` is not a feature of crate `{}` ({}); its features: {list}",
                        f.get_ref(),
                        krate.package,
                        krate.manifest_path.display()
                    ),
                )
                .at(text, f.span()),
            );
        }
    }
    let mut variants = Vec::new();
    for f in &m.features {
        let feature = f.get_ref();
        match variant_for(&m, &krate, feature) {
            Ok(v) => {
                if v.platforms.values().all(Vec::is_empty) {
                    warnings.push(
                        Problem::warning(
                            &manifest_path,
                            format!("variant `{}` supports no platform: the `{feature}` backend narrows [platforms] to nothing", v.id),
                        )
                        .at(text, f.span()),
                    );
                }
                variants.push(v);
            }
            Err(msg) => problems.push(Problem::error(&manifest_path, msg).at(text, f.span())),
        }
    }
    // Cargo's `repository` becomes the git URL makepkg and brew clone unless [source].git
    // names one: it meets the same check.
    if m.source.git.is_none() {
        let repository = krate
            .repository
            .as_deref()
            .zip(krate.repository_at.as_ref());
        if let Some((url, at)) = repository {
            if let Some(why) = manifest::git_url_problem(url) {
                problems.push(
                    at.problem(format!(
                        "refusing Cargo's `repository` = `{url}` as the worker's git URL: {why}"
                    ))
                    .with_help(format!(
                        "set [source].git in {} to the repository's git URL",
                        manifest_path.display()
                    )),
                );
            }
        }
    }
    let rel = dir.strip_prefix(&source.root).unwrap_or(dir);
    let upstream = upstream(&m, &krate, rel);
    variants.sort_by(|a, b| a.id.cmp(&b.id));
    // DESIGN section 3: a formula always has a homepage, so the chain ends at the web form
    // of the repository.
    let homepage = m
        .homepage
        .or_else(|| krate.homepage.clone())
        .or_else(|| krate.repository.clone())
        .or_else(|| upstream.git.as_deref().and_then(crate::vcs::web_url));
    let tree = crate::vcs::Tree {
        branch_from_manifest: m.source.branch.is_some(),
        ..Default::default()
    };
    Some(Worker {
        id: m.id,
        name: m.name,
        description: m.description,
        license: m.license.or_else(|| krate.license.clone()),
        homepage,
        tags: m.tags,
        version: krate.version.clone(),
        default_feature: m.default_feature,
        capabilities: m.capabilities,
        platforms: m.platforms,
        dir: dir.to_path_buf(),
        manifest_path,
        krate,
        source: source.clone(),
        community,
        upstream,
        variants,
        test: m.test,
        tree,
        counts: None,
    })
}

fn upstream(m: &WorkerManifest, krate: &CrateInfo, rel: &Path) -> Upstream {
    let version = krate.version.to_string();
    let git = m.source.git.clone().or_else(|| krate.repository.clone());
    let tag = m
        .source
        .tag
        .clone()
        .unwrap_or_else(|| "v{version}".into())
        .replace("{version}", &version);
    let tarball = match &m.source.tarball {
        Some(t) => Some(t.replace("{version}", &version).replace("{tag}", &tag)),
        // `git@github.com:o/r.git` has a GitHub archive too.
        None => git
            .as_deref()
            .and_then(crate::vcs::web_url)
            .as_deref()
            .and_then(github_repo)
            .map(|repo| format!("{repo}/archive/refs/tags/{tag}.tar.gz")),
    };
    let subdir = m.source.subdir.clone().unwrap_or_else(|| {
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    });
    Upstream {
        git,
        branch: m
            .source
            .branch
            .clone()
            .unwrap_or_else(|| DEFAULT_BRANCH.into()),
        tag,
        tarball,
        sha256: m.source.sha256.clone(),
        subdir,
    }
}

/// `https://github.com/owner/repo(.git)` → `https://github.com/owner/repo`.
pub fn github_repo(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://github.com/")?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && !owner.is_empty() && !repo.is_empty())
        .then(|| format!("https://github.com/{owner}/{repo}"))
}

/// The name a variant installs as: its binary, suffixed `-{feature}` unless it already ends
/// with it, so variants install side by side (DESIGN section 1). Always derived, never taken
/// from an index.
pub fn installed_name(binary: &str, feature: &str) -> String {
    let suffix = format!("-{feature}");
    if binary.ends_with(&suffix) {
        binary.to_string()
    } else {
        format!("{binary}{suffix}")
    }
}

/// Known backends narrow the worker's platforms and add packages (DESIGN section 1).
fn backend_platforms(feature: &str, worker: &Platforms) -> Platforms {
    let known = crate::kinds::GpuBackend::of_feature(feature);
    let keep = |os: Os, arch: Arch| known.is_none_or(|b| b.runs_on(os, arch));
    worker
        .iter()
        .map(|(os, arches)| {
            (
                *os,
                arches
                    .iter()
                    .copied()
                    .filter(|a| keep(*os, *a))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, a)| !a.is_empty())
        .collect()
}

fn backend_packages(feature: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    match crate::kinds::GpuBackend::of_feature(feature) {
        Some(b) => {
            let (depends, makedepends) = b.arch_packages();
            (depends.to_vec(), makedepends.to_vec())
        }
        None => (vec![], vec![]),
    }
}

/// `base` then `extra`, each package once, in first-seen order (in linear time: a manifest
/// may list many).
fn merge(base: &[String], extra: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    base.iter()
        .chain(extra)
        .filter(|p| seen.insert(p.as_str()))
        .cloned()
        .collect()
}

fn variant_for(m: &WorkerManifest, krate: &CrateInfo, feature: &str) -> Result<Variant, String> {
    let o = m.variants.get(feature).cloned().unwrap_or_default();
    let platforms = o
        .platforms
        .clone()
        .unwrap_or_else(|| backend_platforms(feature, &m.platforms));
    let (dep_arch, makedep_arch) = backend_packages(feature);
    let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    let depends = Packages {
        arch: merge(
            &m.depends.arch,
            &o.depends.arch.clone().unwrap_or_else(|| owned(dep_arch)),
        ),
        brew: merge(&m.depends.brew, &o.depends.brew.clone().unwrap_or_default()),
        workers: Vec::new(),
    };
    let requires: Vec<crate::manifest::Requirement> = m
        .worker_deps
        .iter()
        .chain(&o.worker_deps)
        .cloned()
        .collect();
    let depends = Packages {
        workers: requires.iter().map(|r| r.text.clone()).collect(),
        ..depends
    };
    let makedepends = Packages {
        arch: o
            .makedepends
            .arch
            .clone()
            .unwrap_or_else(|| owned(makedep_arch)),
        brew: o.makedepends.brew.clone().unwrap_or_default(),
        workers: Vec::new(),
    };
    let binary = resolve_binary(m, krate, feature, o.binary.as_deref())?;
    if !manifest::is_valid_binary(&binary) {
        return Err(format!(
            "binary name `{binary}` of variant `{}-{feature}` is not a valid file name: expected ASCII letters, digits, `-`, `_` and `.`, not starting with `-` or `.`",
            m.id
        ));
    }
    let installed_name = installed_name(&binary, feature);
    Ok(Variant {
        id: format!("{}-{feature}", m.id),
        feature: feature.to_string(),
        platforms,
        depends,
        makedepends,
        binary,
        installed_name,
        requires,
        bottles: Vec::new(),
    })
}

/// DESIGN "binary resolution": override; a bin gated on the feature (preferring `…-X`); the
/// worker's `binary`; the crate's only bin that a `--no-default-features --features X` build
/// produces.
fn resolve_binary(
    m: &WorkerManifest,
    krate: &CrateInfo,
    feature: &str,
    over: Option<&str>,
) -> Result<String, String> {
    if let Some(b) = over {
        return Ok(b.to_string());
    }
    let gated: Vec<_> = krate
        .bins
        .iter()
        .filter(|b| b.required_features.iter().any(|f| f == feature))
        .collect();
    let suffix = format!("-{feature}");
    if let Some(b) = gated.iter().find(|b| b.name.ends_with(&suffix)) {
        return Ok(b.name.clone());
    }
    if let [only] = gated.as_slice() {
        return Ok(only.name.clone());
    }
    if let Some(b) = &m.binary {
        return Ok(b.clone());
    }
    let built = krate.bins_built_with(feature);
    match built.as_slice() {
        [only] => Ok(only.name.clone()),
        [] => Err(format!(
            "variant `{}-{feature}` has no binary: crate `{}` has no bin target built with feature `{feature}`; expected a [[bin]] with `required-features = [\"{feature}\"]`, or `binary` in [worker] or [variants.{feature}]",
            m.id, krate.package
        )),
        many => Err(format!(
            "variant `{}-{feature}` has several candidate binaries ({}); expected `binary` in [worker] or [variants.{feature}] to pick one",
            m.id,
            many.iter().map(|b| format!("`{}`", b.name)).collect::<Vec<_>>().join(", ")
        )),
    }
}

impl Catalog {
    /// Points each worker dependency at the default variant of the worker it names (the
    /// visible one: the first source holding the id), once every source is loaded.
    pub fn link(&mut self) {
        self.index = Some(Index::new(&self.workers));
        let defaults: HashMap<String, String> = self
            .visible()
            .into_iter()
            .map(|w| (w.id.clone(), format!("{}-{}", w.id, w.default_feature)))
            .collect();
        // A worker whose links are already these is left as it is (shared with the catalog
        // it was taken from, see [`Catalog::seen`]).
        for w in &mut self.workers {
            let linked = |w: &Worker| {
                w.variants
                    .iter()
                    .flat_map(|v| &v.requires)
                    .all(|r| r.default_variant.as_ref() == defaults.get(&r.id))
            };
            if linked(w) {
                continue;
            }
            for v in Arc::make_mut(w).variants.iter_mut() {
                for r in &mut v.requires {
                    r.default_variant = defaults.get(&r.id).cloned();
                }
            }
        }
    }

    /// Workers in search order, without those whose id an earlier source already holds: the
    /// first source wins a worker whole, as pacman's first repository wins a package.
    pub fn visible(&self) -> Vec<&Worker> {
        let mut seen = std::collections::HashSet::new();
        self.workers
            .iter()
            .map(|w| &**w)
            .filter(|w| seen.insert(w.id.as_str()))
            .collect()
    }

    /// The workers of later sources that the visible one with this id (or holding this
    /// variant id) shadows.
    pub fn shadowed(&self, id: &str) -> Vec<&Worker> {
        let holds = |w: &&Worker| w.id == id || w.variants.iter().any(|v| v.id == id);
        self.workers
            .iter()
            .map(|w| &**w)
            .filter(holds)
            .skip(1)
            .collect()
    }

    /// Every visible (worker, variant), sorted by variant id.
    pub fn variants(&self) -> Vec<(&Worker, &Variant)> {
        self.variant_indices()
            .into_iter()
            .map(|(i, j)| (&*self.workers[i], &self.workers[i].variants[j]))
            .collect()
    }

    /// [`Catalog::variants`] as (worker, variant) indices into `workers` and its `variants`.
    pub fn variant_indices(&self) -> Vec<(usize, usize)> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<(usize, usize)> = self
            .workers
            .iter()
            .enumerate()
            .filter(|(_, w)| seen.insert(w.id.as_str()))
            .flat_map(|(i, w)| (0..w.variants.len()).map(move |j| (i, j)))
            .collect();
        let id = |&(i, j): &(usize, usize)| self.workers[i].variants[j].id.as_str();
        out.sort_by(|a, b| id(a).cmp(id(b)));
        out.dedup_by(|b, a| id(a) == id(b));
        out
    }

    /// [`Catalog::link`] with an index in which every id has the same hash.
    #[cfg(test)]
    pub fn link_colliding(&mut self) {
        self.link();
        let colliding = Index {
            colliding: true,
            ..Default::default()
        };
        self.index = Some(Index::build(&self.workers, colliding));
    }

    /// Looks up `ID` or `SOURCE/ID`: a variant id, or a worker id.
    pub fn lookup(&self, query: &str) -> Option<Target<'_>> {
        let (source, id) = match query.split_once('/') {
            Some((s, i)) => (Some(s), i),
            None => (None, query),
        };
        let in_source = |w: &Worker| {
            source.is_none_or(|s| w.source.name == s || (s == "community" && w.community))
        };
        let Some(index) = self.index.as_ref().filter(|i| i.len == self.workers.len()) else {
            return self.lookup_linearly(source.is_some(), id, in_source);
        };
        // Without a source, only what is visible (the first worker of its id): a shadowed
        // worker is reached by SOURCE/ID.
        let visible = |i: usize| index.workers(self, &self.workers[i].id).next() == Some(i);
        let wanted = |i: usize| in_source(&self.workers[i]) && (source.is_some() || visible(i));
        if let Some((i, j)) = index.variants(self, id).find(|&(i, _)| wanted(i)) {
            let w = &self.workers[i];
            return Some(Target::Variant(w, &w.variants[j]));
        }
        let worker = index.workers(self, id).find(|&i| wanted(i));
        worker.map(|i| Target::Worker(&self.workers[i]))
    }

    /// [`Catalog::lookup`] for a catalog not linked since it last changed.
    fn lookup_linearly<'c>(
        &'c self,
        any_source: bool,
        id: &str,
        in_source: impl Fn(&Worker) -> bool,
    ) -> Option<Target<'c>> {
        let pool = if any_source {
            self.workers.iter().map(|w| &**w).collect()
        } else {
            self.visible()
        };
        let workers = pool.into_iter().filter(|w| in_source(w));
        for w in workers.clone() {
            if let Some(v) = w.variants.iter().find(|v| v.id == id) {
                return Some(Target::Variant(w, v));
            }
        }
        workers.into_iter().find(|w| w.id == id).map(Target::Worker)
    }

    /// Up to three known ids closest to `query`, for "did you mean".
    pub fn suggest(&self, query: &str) -> Vec<String> {
        let id = query.rsplit('/').next().unwrap_or(query);
        let mut scored: Vec<(f64, String)> = self
            .workers
            .iter()
            .flat_map(|w| {
                std::iter::once(w.id.clone()).chain(w.variants.iter().map(|v| v.id.clone()))
            })
            .map(|c| (strsim::jaro_winkler(id, &c), c))
            .filter(|(s, _)| *s > 0.7)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(3).map(|(_, c)| c).collect()
    }
}

/// `list --platform OS[/ARCH] --backend FEATURE`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub os: Option<Os>,
    pub arch: Option<Arch>,
    pub backend: Option<String>,
}

impl Filter {
    pub fn matches(&self, v: &Variant) -> bool {
        let platform_ok = match (self.os, self.arch) {
            (Some(os), Some(arch)) => v.supports(os, arch),
            (Some(os), None) => v.platforms.get(&os).is_some_and(|a| !a.is_empty()),
            _ => true,
        };
        platform_ok && self.backend.as_deref().is_none_or(|b| v.feature == b)
    }
}

/// The fields search reads, from a catalog entry or from a variant document alike.
pub struct Searchable<'a> {
    pub variant: &'a str,
    pub worker: &'a str,
    pub name: &'a str,
    pub tags: &'a [String],
    pub description: &'a str,
    pub capabilities: &'a BTreeMap<String, serde_json::Value>,
}

/// Ranks `(worker, variant)` pairs against every term (all must match). Lower is better:
/// exact id, id prefix, id substring, name, tags, description, capabilities.
pub fn search_rank(w: &Worker, v: &Variant, terms: &[String]) -> Option<u32> {
    rank_terms(
        &Searchable {
            variant: &v.id,
            worker: &w.id,
            name: &w.name,
            tags: &w.tags,
            description: &w.description,
            capabilities: &w.capabilities,
        },
        terms,
    )
}

/// `search_rank` on the fields themselves (the web catalog searches variant documents).
pub fn rank_terms(s: &Searchable<'_>, terms: &[String]) -> Option<u32> {
    let mut total = 0;
    for term in terms {
        let t = term.to_lowercase();
        let rank = if s.variant == t || s.worker == t {
            0
        } else if s.variant.starts_with(&t) {
            1
        } else if s.variant.contains(&t) {
            2
        } else if s.name.to_lowercase().contains(&t) {
            3
        } else if s.tags.iter().any(|g| g.to_lowercase().contains(&t)) {
            4
        } else if s.description.to_lowercase().contains(&t) {
            5
        } else if s.capabilities.iter().any(|(k, x)| {
            k.to_lowercase().contains(&t) || x.to_string().to_lowercase().contains(&t)
        }) {
            6
        } else {
            return None;
        };
        total += rank;
    }
    Some(total)
}
