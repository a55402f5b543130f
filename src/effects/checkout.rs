//! Reads what a build from upstream will see out of each worker's local git checkout (DESIGN
//! section 3): which lock files git tracks, the submodules and the commits they are pinned
//! at, the default branch. One set of `git` queries per repository, however many workers it
//! holds; a worker outside any checkout costs no process at all.

use crate::catalog::{Catalog, SourceKind, Worker};
use crate::exec::{CommandSpec, Runner};
use crate::vcs::{self, Repo, Tree};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The nearest ancestor of `dir` (or itself) that holds a `.git` entry: the checkout's top
/// level, found without running git.
/// The git top level of `dir` (the nearest directory holding `.git`), remembering the answer for every directory above `dir`: the workers of one
/// catalog share their parents, so 10,000 of them cost 10,000 looks, not 60,000.
fn toplevel_in(dir: &Path, known: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    if let Some(top) = known.get(dir) {
        return top.clone();
    }
    let top = if dir.join(".git").exists() {
        Some(dir.to_path_buf())
    } else {
        dir.parent().and_then(|p| toplevel_in(p, known))
    };
    known.insert(dir.to_path_buf(), top.clone());
    top
}

fn git(tool: &str, top: &Path) -> CommandSpec {
    CommandSpec::new(tool)
        .args(["-c", "protocol.ext.allow=never", "-C"])
        .arg(top.to_string_lossy())
}

/// Queries one repository; None when git cannot read it (not a repository after all, an
/// ownership git refuses, no git).
pub fn probe(runner: &mut dyn Runner, tool: &str, top: &Path) -> Option<Repo> {
    let ls = runner
        .capture(&git(tool, top).args(["ls-files", "-s", "-z"]))
        .ok()?;
    let (tracked_locks, gitlinks) = vcs::parse_ls_files(&ls);
    let modules = if top.join(".gitmodules").is_file() {
        runner
            .capture(&git(tool, top).args(["config", "-z", "-f", ".gitmodules", "--list"]))
            .map(|o| vcs::parse_gitmodules(&o))
            .unwrap_or_default()
    } else {
        Default::default()
    };
    let default_branch = runner
        .capture(&git(tool, top).args([
            "symbolic-ref",
            "-q",
            "--short",
            "refs/remotes/origin/HEAD",
        ]))
        .ok()
        .and_then(|o| {
            let o = o.trim();
            o.strip_prefix("origin/").map(str::to_string)
        })
        .filter(|b| !b.is_empty());
    let branches = runner
        .capture(&git(tool, top).args([
            "for-each-ref",
            "--format=%(refname)",
            "refs/heads",
            "refs/remotes/origin",
        ]))
        .map(|o| {
            o.lines()
                .filter_map(|l| {
                    l.strip_prefix("refs/heads/")
                        .or_else(|| l.strip_prefix("refs/remotes/origin/"))
                })
                .filter(|b| *b != "HEAD")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(Repo {
        toplevel: top.to_path_buf(),
        tracked_locks,
        gitlinks,
        modules,
        default_branch,
        branches,
    })
}

/// The tree of one worker of a local or git source, from its repository's facts (None: it
/// is not in a git checkout).
pub fn tree(w: &Worker, repo: Option<&Repo>) -> Tree {
    let branch_from_manifest = w.tree.branch_from_manifest;
    let root = w.krate.build_root();
    let Some(repo) = repo else {
        let why = match w.krate.lockfile {
            None => format!("there is no Cargo.lock in {}", root.display()),
            Some(_) => format!(
                "{} is not in a git checkout, so nothing tells whether upstream tracks its Cargo.lock",
                root.display()
            ),
        };
        return Tree {
            unlocked_why: Some(why),
            branch_from_manifest,
            ..Tree::default()
        };
    };
    let rel = |p: &Path| -> String {
        p.strip_prefix(&repo.toplevel)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let lock = rel(&root.join("Cargo.lock"));
    let lock = lock.trim_start_matches('/').to_string();
    let release_locked = repo.tracked_locks.contains(&lock);
    let unlocked_why = (!release_locked).then(|| match w.krate.lockfile.is_some() {
        true => format!(
            "{lock} is not tracked by git (`git ls-files {lock}` is empty: it is .gitignored or never committed), and GitHub archives and clones carry only tracked files"
        ),
        false => format!("there is no Cargo.lock in {}", root.display()),
    });
    let in_submodule = |p: &Path| {
        p.strip_prefix(&repo.toplevel).is_ok_and(|r| {
            let r = r.to_string_lossy().replace('\\', "/");
            repo.gitlinks
                .keys()
                .map(String::as_str)
                .chain(repo.modules.values().filter_map(|(p, _)| p.as_deref()))
                .any(|m| r == m || r.starts_with(&format!("{m}/")))
        })
    };
    let deps = vcs::path_deps(root, &w.krate.manifest_path, &in_submodule);
    let taken: BTreeSet<String> = w
        .upstream
        .git
        .as_deref()
        .and_then(crate::render::arch::repo_name)
        .into_iter()
        .collect();
    let (submodules, unresolved) =
        vcs::needed_submodules(repo, &deps, w.upstream.git.as_deref(), &taken);
    let default_branch = repo.default_branch.clone();
    Tree {
        checkout: true,
        branch_from_manifest,
        release_locked,
        unlocked_why,
        default_branch,
        // Only a branch worker.toml names is judged: a default is origin/HEAD (there by
        // definition) or a guess (`main`) a detached CI checkout cannot confirm.
        branch_exists: branch_from_manifest.then(|| repo.branches.contains(&w.upstream.branch)),
        submodules,
        unresolved,
    }
}

/// Fills in every worker's tree: probed from git for local and git sources (the branch
/// default taken from the checkout unless the manifest names one), from the index's word for
/// index sources.
pub fn fill(catalog: &mut Catalog, runner: &mut dyn Runner, tool: &str) {
    let mut repos: HashMap<PathBuf, Option<Repo>> = HashMap::new();
    let mut tops = HashMap::new();
    // A worker whose tree and branch are already what they would become is left as it is
    // (shared with the catalog it was taken from, see `Catalog::seen`).
    for w in &mut catalog.workers {
        if w.source.kind == SourceKind::Index {
            let release_locked = w.krate.lockfile.is_some();
            let why = (!release_locked)
                .then(|| "the index says its release has no Cargo.lock".to_string());
            if w.tree.release_locked != release_locked
                || (why.is_some() && w.tree.unlocked_why != why)
            {
                let w = std::sync::Arc::make_mut(w);
                w.tree.release_locked = release_locked;
                if why.is_some() {
                    w.tree.unlocked_why = why;
                }
            }
            continue;
        }
        let repo = toplevel_in(&w.dir, &mut tops).and_then(|top| {
            repos
                .entry(top.clone())
                .or_insert_with(|| probe(runner, tool, &top))
                .clone()
        });
        let tree = tree(w, repo.as_ref());
        // From what the manifest says and the checkout alone, never from an earlier fill
        // (a worker taken from serve's last generation was filled before).
        let branch = match (&tree.default_branch, tree.branch_from_manifest) {
            (_, true) => w.upstream.branch.as_str(),
            (Some(b), false) => b.as_str(),
            (None, false) => crate::catalog::DEFAULT_BRANCH,
        };
        if tree != w.tree || branch != w.upstream.branch {
            let branch = branch.to_string();
            let w = std::sync::Arc::make_mut(w);
            w.upstream.branch = branch;
            w.tree = tree;
        }
    }
}
