//! `--changed REV` (DESIGN §9): the workers a pull request touches, found with git, so a
//! submission costs the same in a catalog of 10 workers or 10,000. A worker is touched when
//! a file under its directory changed, or its workspace root's `Cargo.toml` or `Cargo.lock`;
//! a change to the shared templates (`templates/`) or configuration (`config.toml`) at the
//! catalog root touches every worker.

use crate::catalog::{Catalog, SourceKind};
use crate::error::{Error, Result};
use crate::exec::{CommandSpec, Runner};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What changed since a revision.
pub struct Changed {
    /// The local workers touched.
    pub ids: HashSet<String>,
    /// The directories of the touched workers and of every changed file, for the problems
    /// worth showing (a new worker that does not even parse is in one of them).
    pub dirs: Vec<PathBuf>,
}

impl Changed {
    pub fn keeps_problem(&self, path: &Path) -> bool {
        let path = canonical(path);
        self.dirs.iter().any(|d| path.starts_with(d))
    }
}

/// The local workers touched since `rev`; an unknown `rev` is a usage error.
pub fn workers(cx: &crate::context::Context, catalog: &Catalog, rev: &str) -> Result<Changed> {
    let root = cx.root.clone().ok_or_else(|| {
        Error::Usage("--changed needs the local catalog to be a git checkout (--root)".into())
    })?;
    if rev.starts_with('-') {
        return Err(Error::Usage(format!(
            "--changed `{rev}`: expected a revision"
        )));
    }
    let mut runner = super::system_runner(cx);
    let git = |args: &[&str]| {
        CommandSpec::new(&cx.config.tools.git)
            .arg("-C")
            .arg(root.to_string_lossy())
            .args(args.iter().copied())
    };
    let verify = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ]);
    if runner.capture(&verify).is_err() {
        return Err(Error::Usage(format!(
            "--changed `{rev}`: no such revision in {}",
            root.display()
        )));
    }
    let top = PathBuf::from(
        runner
            .capture(&git(&["rev-parse", "--show-toplevel"]))?
            .trim(),
    );
    let diff = runner.capture(&git(&[
        "diff",
        "--name-only",
        "-z",
        &format!("{rev}...HEAD"),
    ]))?;
    let changed: Vec<PathBuf> = diff
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(|p| top.join(p))
        .collect();
    let ids = select(catalog, &canonical(&root), &changed);
    let mut dirs: Vec<PathBuf> = changed
        .iter()
        .filter_map(|p| p.parent().map(canonical))
        .collect();
    dirs.extend(
        catalog
            .workers
            .iter()
            .filter(|w| ids.contains(&w.id))
            .map(|w| canonical(&w.dir)),
    );
    Ok(Changed { ids, dirs })
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Pure: which local workers the changed paths (absolute) touch.
pub fn select(catalog: &Catalog, root: &Path, changed: &[PathBuf]) -> HashSet<String> {
    let local = || {
        catalog
            .workers
            .iter()
            .filter(|w| w.source.kind == SourceKind::Local)
    };
    let shared = changed
        .iter()
        .any(|p| p.starts_with(root.join("templates")) || *p == root.join("config.toml"));
    if shared {
        return local().map(|w| w.id.clone()).collect();
    }
    local()
        .filter(|w| {
            let dir = canonical(&w.dir);
            let ws = canonical(w.krate.build_root());
            changed.iter().any(|p| {
                p.starts_with(&dir) || *p == ws.join("Cargo.toml") || *p == ws.join("Cargo.lock")
            })
        })
        .map(|w| w.id.clone())
        .collect()
}
