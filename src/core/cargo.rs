//! `Cargo.toml`: the facts a worker takes from its crate — package name, version and metadata
//! (resolving `key.workspace = true`), features, bin targets, and the workspace it builds in.

use crate::problem::Problem;
use crate::tomlread::{get, Doc, Value};
use crate::tree::{Tree, Unreadable, MANIFEST_LIMIT};
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BinTarget {
    pub name: String,
    pub required_features: Vec<String>,
}

/// What a worker needs to know about its crate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CrateInfo {
    pub manifest_path: PathBuf,
    pub package: String,
    pub version: semver::Version,
    pub license: Option<String>,
    pub repository: Option<String>,
    /// Where `repository` was written (the crate's manifest or its workspace root), to
    /// locate a problem with it.
    pub repository_at: Option<Written>,
    pub homepage: Option<String>,
    pub description: Option<String>,
    pub features: BTreeSet<String>,
    /// `[features]` as written: each feature and what it enables.
    pub feature_deps: std::collections::BTreeMap<String, Vec<String>>,
    pub bins: Vec<BinTarget>,
    /// The workspace root when the crate is a member of a workspace other than itself.
    pub workspace_root: Option<PathBuf>,
    /// `Cargo.lock` of the build root, if there is one.
    pub lockfile: Option<PathBuf>,
}

/// Where a value was written: the file, and its line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Written {
    /// An error about the value, located where it was written.
    pub fn problem(&self, message: impl Into<String>) -> Problem {
        let mut p = Problem::error(&self.file, message);
        p.line = self.line;
        p.column = self.column;
        p
    }
}

impl CrateInfo {
    /// Where `cargo build` runs: the workspace root for a member, else the crate itself.
    pub fn build_root(&self) -> &Path {
        self.workspace_root.as_deref().unwrap_or_else(|| {
            self.manifest_path
                .parent()
                .expect("a manifest has a parent")
        })
    }
}

/// A workspace root's `[workspace]`: members, excludes and inheritable package keys.
#[derive(Debug)]
struct Workspace {
    root: PathBuf,
    manifest_path: PathBuf,
    /// Members named literally (no glob characters): these win over `exclude`, as in cargo.
    literal_members: Vec<PathBuf>,
    /// Members named by a glob, relative to the root (whose own path is matched literally,
    /// so a root under `ws[1]/` still finds its members).
    members: Vec<glob::Pattern>,
    exclude: Vec<PathBuf>,
    package: HashMap<String, Inherited>,
}

#[derive(Debug, Clone)]
struct Inherited {
    value: String,
    line: Option<usize>,
    column: Option<usize>,
}

/// Memoises the workspace lookups discovery does for every worker, so a catalog of thousands
/// of members under one root reads that root once.
/// Every file is read through the source's [`Tree`], and the upward search for a workspace
/// root stops at the tree's root.
#[derive(Default)]
pub struct CargoCache {
    workspaces: HashMap<PathBuf, Option<Arc<Workspace>>>,
    tree: Tree,
}

impl CargoCache {
    /// A cache for the crates of one source tree.
    pub fn in_tree(tree: Tree) -> Self {
        CargoCache {
            workspaces: HashMap::new(),
            tree,
        }
    }

    fn workspace_at(&mut self, dir: &Path) -> Result<Option<Arc<Workspace>>, Problem> {
        if let Some(w) = self.workspaces.get(dir) {
            return Ok(w.clone());
        }
        let path = dir.join("Cargo.toml");
        let w = match self.tree.read_text(&path, "Cargo.toml", MANIFEST_LIMIT) {
            Ok(text) => read_workspace(&path, &text)?.map(Arc::new),
            Err(Unreadable::Missing) => None,
            Err(Unreadable::Refused(p)) => return Err(p),
        };
        self.workspaces.insert(dir.to_path_buf(), w.clone());
        Ok(w)
    }

    /// The workspace `crate_dir` belongs to: the nearest ancestor (or itself) with `[workspace]`.
    fn find_workspace(
        &mut self,
        crate_dir: &Path,
        own: Option<Arc<Workspace>>,
    ) -> Result<Option<Arc<Workspace>>, Problem> {
        if own.is_some() {
            return Ok(own);
        }
        for dir in crate_dir.ancestors().skip(1) {
            if !self.tree.holds(dir) {
                break;
            }
            if let Some(w) = self.workspace_at(dir)? {
                return Ok(Some(w));
            }
        }
        Ok(None)
    }
}

fn read_workspace(path: &Path, text: &str) -> Result<Option<Workspace>, Problem> {
    let mut doc = Doc::new(path, text);
    let Some(root) = doc.parse() else {
        return Err(doc.problems.remove(0));
    };
    let Some(ws) = get(root.get_ref(), "workspace").and_then(|v| v.get_ref().as_table()) else {
        return Ok(None);
    };
    let dir = path.parent().expect("a file has a parent").to_path_buf();
    let strings = |key: &str| -> Vec<String> {
        get(ws, key)
            .and_then(|v| v.get_ref().as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get_ref().as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (literal, globbed): (Vec<String>, Vec<String>) = strings("members")
        .into_iter()
        .partition(|m| !m.contains(['*', '?', '[', ']']));
    let literal_members = literal.iter().map(|m| normalize(&dir.join(m))).collect();
    let escaped_root = glob::Pattern::escape(&dir.to_string_lossy());
    let members = globbed
        .iter()
        .filter_map(|m| {
            let rel = normalize(Path::new(m)).to_string_lossy().into_owned();
            glob::Pattern::new(&format!("{escaped_root}/{rel}")).ok()
        })
        .collect();
    let exclude = strings("exclude")
        .iter()
        .map(|e| normalize(&dir.join(e)))
        .collect();
    let mut package = HashMap::new();
    if let Some(p) = get(ws, "package").and_then(|v| v.get_ref().as_table()) {
        for (k, v) in p.iter() {
            if let Some(s) = v.get_ref().as_str() {
                let (line, column) = crate::problem::line_col(text, v.span().start);
                package.insert(
                    k.get_ref().to_string(),
                    Inherited {
                        value: s.to_string(),
                        line: Some(line),
                        column: Some(column),
                    },
                );
            }
        }
    }
    Ok(Some(Workspace {
        root: dir,
        manifest_path: path.to_path_buf(),
        literal_members,
        members,
        exclude,
        package,
    }))
}

impl Workspace {
    fn has_member(&self, crate_dir: &Path) -> bool {
        let crate_dir = &normalize(crate_dir);
        if *crate_dir == self.root || self.literal_members.contains(crate_dir) {
            return true;
        }
        if self.exclude.iter().any(|e| crate_dir.starts_with(e)) {
            return false;
        }
        // As cargo: `*` matches within one path component (`bin/*` is not `bin/a/b`).
        let opts = glob::MatchOptions {
            require_literal_separator: true,
            ..Default::default()
        };
        self.members
            .iter()
            .any(|m| m.matches_path_with(crate_dir, opts))
    }
}

/// `a/./b/` → `a/b`: cargo accepts `./bin/x` and `bin/x/` as member paths.
fn normalize(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Reads the crate at `manifest_path`. Errors are located in the file that holds the mistake
/// (the crate's own `Cargo.toml`, or the workspace root's for an inherited version).
pub fn read_crate(manifest_path: &Path, cache: &mut CargoCache) -> Result<CrateInfo, Vec<Problem>> {
    let text = match cache
        .tree
        .read_text(manifest_path, "Cargo.toml", MANIFEST_LIMIT)
    {
        Ok(text) => text,
        Err(Unreadable::Refused(p)) => return Err(vec![p]),
        Err(Unreadable::Missing) => {
            return Err(vec![Problem::error(
                manifest_path,
                "cannot read Cargo.toml: it does not exist",
            )])
        }
    };
    let crate_dir = manifest_path.parent().expect("a file has a parent");
    let mut doc = Doc::new(manifest_path, &text);
    let Some(root) = doc.parse() else {
        return Err(doc.problems);
    };
    let root = root.get_ref();

    let own_ws = read_workspace(manifest_path, &text)
        .map_err(|p| vec![p])?
        .map(Arc::new);
    let workspace = cache
        .find_workspace(crate_dir, own_ws)
        .map_err(|p| vec![p])?;
    let workspace = workspace.filter(|w| w.has_member(crate_dir));

    let Some(pkg_v) = get(root, "package") else {
        doc.error(
            0..0,
            "no [package] table: expected the worker's crate manifest, not a virtual workspace",
        );
        return Err(doc.problems);
    };
    let Some(pkg) = doc.table(pkg_v, "[package]") else {
        return Err(doc.problems);
    };
    let package = get(pkg, "name").and_then(|v| doc.line(v, "`package.name`"));
    if package.is_none() && !doc.has_errors() {
        doc.error(pkg_v.span(), "missing required key `name` in [package]");
    }

    let mut field = |key: &str| inherited(&mut doc, pkg, key, workspace.as_deref());
    let version = field("version");
    let license = field("license").map(|i| i.value);
    let repository = field("repository");
    let repository_at = repository.as_ref().map(|f| Written {
        file: f
            .file
            .clone()
            .unwrap_or_else(|| manifest_path.to_path_buf()),
        line: f.line,
        column: f.column,
    });
    let repository = repository.map(|i| i.value);
    let homepage = field("homepage").map(|i| i.value);
    let description = field("description").map(|i| i.value);
    let homepage = match homepage
        .as_deref()
        .and_then(crate::manifest::homepage_problem)
    {
        Some(problem) => {
            let span = get(pkg, "homepage").map_or(0..0, |v| v.span());
            doc.error(span, format!("expected `package.homepage` to be {problem}"));
            None
        }
        None => homepage,
    };

    let version = match version {
        None => {
            if !doc.has_errors() {
                doc.error(pkg_v.span(), "missing `version` in [package]: expected a semver version such as \"0.1.0\" (or `version.workspace = true`)");
            }
            None
        }
        Some(v) => match semver::Version::parse(&v.value) {
            Ok(version) => Some(version),
            Err(e) => {
                let file = v
                    .file
                    .clone()
                    .unwrap_or_else(|| manifest_path.to_path_buf());
                let mut p = Problem::error(file, format!("invalid version `{}`: {e}; expected semver such as \"1.2.3\" or \"0.4.2-beta.1\"", v.value));
                p.line = v.line;
                p.column = v.column;
                doc.problems.push(p);
                None
            }
        },
    };

    let features = read_features(root);
    let feature_deps = read_feature_deps(root);
    let bins = read_bins(
        &mut doc,
        root,
        crate_dir,
        package.as_ref().map(|p| p.get_ref().as_str()),
    );

    if doc.has_errors() {
        return Err(doc.problems);
    }
    let workspace_root = workspace
        .as_ref()
        .map(|w| w.root.clone())
        .filter(|r| r != crate_dir);
    let build_root = workspace_root
        .clone()
        .unwrap_or_else(|| crate_dir.to_path_buf());
    let lock = build_root.join("Cargo.lock");
    Ok(CrateInfo {
        manifest_path: manifest_path.to_path_buf(),
        package: package.expect("checked above").into_inner(),
        version: version.expect("checked above"),
        license,
        repository,
        repository_at,
        homepage,
        description,
        features,
        feature_deps,
        bins,
        workspace_root,
        lockfile: cache.tree.is_regular(&lock).then_some(lock),
    })
}

struct Field {
    value: String,
    /// Where the value was written when that is not the crate's own manifest.
    file: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
}

/// `[package].key` as a string, following `key.workspace = true` to the workspace root.
fn inherited(
    doc: &mut Doc<'_>,
    pkg: &DeTable<'_>,
    key: &str,
    ws: Option<&Workspace>,
) -> Option<Field> {
    let v = get(pkg, key)?;
    match v.get_ref() {
        DeValue::String(s) => {
            if let Some(problem) = crate::tomlread::one_line_problem(s) {
                doc.error(
                    v.span(),
                    format!("expected `package.{key}` to be {problem}"),
                );
                return None;
            }
            let (line, column) = crate::problem::line_col(doc.text, v.span().start);
            Some(Field {
                value: s.to_string(),
                file: None,
                line: Some(line),
                column: Some(column),
            })
        }
        DeValue::Table(t)
            if get(t, "workspace").and_then(|w| w.get_ref().as_bool()) == Some(true) =>
        {
            let Some(ws) = ws else {
                doc.error(v.span(), format!("`{key}.workspace = true`, but this crate is not a member of any workspace: expected an ancestor Cargo.toml with [workspace] listing it in `members`"));
                return None;
            };
            match ws.package.get(key) {
                Some(i) if crate::tomlread::one_line_problem(&i.value).is_some() => {
                    let problem = crate::tomlread::one_line_problem(&i.value).unwrap_or_default();
                    let mut p = Problem::error(
                        &ws.manifest_path,
                        format!("expected `workspace.package.{key}` to be {problem}"),
                    );
                    p.line = i.line;
                    p.column = i.column;
                    doc.problems.push(p);
                    None
                }
                Some(i) => Some(Field {
                    value: i.value.clone(),
                    file: Some(ws.manifest_path.clone()),
                    line: i.line,
                    column: i.column,
                }),
                None => {
                    let p = doc.error(
                        v.span(),
                        format!("`{key}.workspace = true`, but [workspace.package] has no `{key}`"),
                    );
                    p.help = Some(format!(
                        "add `{key} = …` under [workspace.package] in {}",
                        ws.manifest_path.display()
                    ));
                    None
                }
            }
        }
        // `readme = false`, `license-file`, … are no concern of ours; only a malformed
        // version is.
        other if key == "version" => {
            doc.error(
                v.span(),
                format!(
                    "expected a string or `{{ workspace = true }}` for `package.version`, found {}",
                    other.type_str()
                ),
            );
            None
        }
        _ => None,
    }
}

/// `[features]` as a map from each feature to the entries it lists.
fn read_feature_deps(root: &DeTable<'_>) -> std::collections::BTreeMap<String, Vec<String>> {
    get(root, "features")
        .and_then(|v| v.get_ref().as_table())
        .map(|t| {
            t.iter()
                .map(|(k, v)| {
                    let deps = v
                        .get_ref()
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.get_ref().as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (k.get_ref().to_string(), deps)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl CrateInfo {
    /// The features a `--no-default-features --features FEATURE` build turns on: FEATURE and,
    /// transitively, the features it lists.
    pub fn enabled(&self, feature: &str) -> BTreeSet<String> {
        let mut on = BTreeSet::new();
        let mut todo = vec![feature.to_string()];
        while let Some(f) = todo.pop() {
            if on.insert(f.clone()) {
                for d in self.feature_deps.get(&f).into_iter().flatten() {
                    if self.feature_deps.contains_key(d) {
                        todo.push(d.clone());
                    }
                }
            }
        }
        on
    }

    /// The bin targets a `--no-default-features --features FEATURE` build produces.
    pub fn bins_built_with(&self, feature: &str) -> Vec<&BinTarget> {
        let on = self.enabled(feature);
        self.bins
            .iter()
            .filter(|b| b.required_features.iter().all(|f| on.contains(f)))
            .collect()
    }
}

/// `[features]` keys plus the implicit features of optional dependencies.
fn read_features(root: &DeTable<'_>) -> BTreeSet<String> {
    let mut features = BTreeSet::new();
    let mut dep_refs = BTreeSet::new();
    if let Some(t) = get(root, "features").and_then(|v| v.get_ref().as_table()) {
        for (k, v) in t.iter() {
            features.insert(k.get_ref().to_string());
            for item in v.get_ref().as_array().into_iter().flat_map(|a| a.iter()) {
                if let Some(d) = item.get_ref().as_str().and_then(|s| s.strip_prefix("dep:")) {
                    dep_refs.insert(d.to_string());
                }
            }
        }
    }
    // Optional dependencies become features wherever they are declared, including
    // `[target.'cfg(…)'.dependencies]`.
    let mut tables = Vec::new();
    let mut sections = vec![root];
    if let Some(targets) = get(root, "target").and_then(|v| v.get_ref().as_table()) {
        sections.extend(targets.iter().filter_map(|(_, t)| t.get_ref().as_table()));
    }
    for section in sections {
        for name in ["dependencies", "build-dependencies"] {
            if let Some(t) = get(section, name).and_then(|v| v.get_ref().as_table()) {
                tables.push(t);
            }
        }
    }
    for t in tables {
        for (k, v) in t.iter() {
            let optional = v
                .get_ref()
                .as_table()
                .and_then(|d| get(d, "optional"))
                .and_then(|o| o.get_ref().as_bool())
                == Some(true);
            if optional && !dep_refs.contains(k.get_ref().as_ref()) {
                features.insert(k.get_ref().to_string());
            }
        }
    }
    features.remove("default");
    features
}

/// Explicit `[[bin]]` targets plus cargo's auto-discovered ones (`src/main.rs`, `src/bin/`).
fn read_bins<'a>(
    doc: &mut Doc<'a>,
    root: &DeTable<'a>,
    crate_dir: &Path,
    package: Option<&str>,
) -> Vec<BinTarget> {
    let mut bins: Vec<BinTarget> = Vec::new();
    let mut explicit_paths = Vec::new();
    if let Some(v) = get(root, "bin") {
        let items: Vec<&Value<'_>> = match v.get_ref() {
            DeValue::Array(a) => a.iter().collect(),
            other => {
                doc.error(
                    v.span(),
                    format!(
                        "expected an array of tables for [[bin]], found {}",
                        other.type_str()
                    ),
                );
                Vec::new()
            }
        };
        for item in items {
            let Some(t) = doc.table(item, "[[bin]]") else {
                continue;
            };
            let name = get(t, "name")
                .and_then(|v| v.get_ref().as_str())
                .map(str::to_string);
            let Some(name) = name.or_else(|| package.map(str::to_string)) else {
                continue;
            };
            if let Some(p) = get(t, "path").and_then(|v| v.get_ref().as_str()) {
                explicit_paths.push(crate_dir.join(p));
            }
            let required_features = get(t, "required-features")
                .and_then(|v| doc.string_list(v, "`required-features`"))
                .map(|l| l.into_iter().map(|s| s.into_inner()).collect())
                .unwrap_or_default();
            bins.push(BinTarget {
                name,
                required_features,
            });
        }
    }
    let autobins = get(root, "package")
        .and_then(|p| p.get_ref().as_table())
        .and_then(|p| get(p, "autobins"))
        .and_then(|v| v.get_ref().as_bool())
        != Some(false);
    if autobins {
        let mut auto = Vec::new();
        let main = crate_dir.join("src/main.rs");
        if main.is_file() {
            if let Some(p) = package {
                auto.push((p.to_string(), main));
            }
        }
        if let Ok(rd) = fs::read_dir(crate_dir.join("src/bin")) {
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for path in entries {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                if path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").is_file() {
                    let target = if path.is_dir() {
                        path.join("main.rs")
                    } else {
                        path.clone()
                    };
                    if let Some(stem) = stem {
                        auto.push((stem, target));
                    }
                }
            }
        }
        let mut named: std::collections::HashSet<String> =
            bins.iter().map(|b| b.name.clone()).collect();
        let explicit: std::collections::HashSet<PathBuf> = explicit_paths.into_iter().collect();
        for (name, path) in auto {
            if !explicit.contains(&path) && named.insert(name.clone()) {
                bins.push(BinTarget {
                    name,
                    required_features: Vec::new(),
                });
            }
        }
    }
    bins
}
