//! What a build from upstream will see of a worker's source (DESIGN section 3): a GitHub
//! archive and makepkg's clone carry only what git tracks, so whether `Cargo.lock` is there,
//! which submodules the build needs and pins, and the default branch are read from the local
//! git checkout (`effects::checkout` runs git; this parses and decides).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// The facts of one git repository that rendering needs, as `git` reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    pub toplevel: PathBuf,
    /// Tracked files named `Cargo.lock`, relative to the top level (`/`-separated).
    pub tracked_locks: BTreeSet<String>,
    /// Gitlinks (mode 160000): submodule path → the commit the superproject pins.
    pub gitlinks: BTreeMap<String, String>,
    /// `.gitmodules`: name → (path, url).
    pub modules: BTreeMap<String, (Option<String>, Option<String>)>,
    /// `refs/remotes/origin/HEAD` without `origin/`.
    pub default_branch: Option<String>,
    /// Local branches and origin's remote branches, by short name.
    pub branches: BTreeSet<String>,
}

/// A submodule a build needs, pinned: `name::git+URL#commit=SHA` in a PKGBUILD, a `resource`
/// in a formula.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Submodule {
    /// Its name in `.gitmodules` (the key of `submodule.NAME.url`).
    pub name: String,
    /// The source name in the PKGBUILD (`$srcdir/SOURCE`) and the formula's resource name.
    pub source: String,
    /// Its path relative to the repository's top level.
    pub path: String,
    /// The `https` form of its URL.
    pub url: String,
    pub commit: String,
}

/// What rendering knows about a worker's source tree beyond its manifests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tree {
    /// `[source].branch` is in worker.toml (else the checkout's default branch is taken).
    pub branch_from_manifest: bool,
    /// The worker lives in a git checkout (so the facts below were read from git).
    pub checkout: bool,
    /// Release and -git builds can be `--locked`: the lock file is tracked by git (for an
    /// index source: what the index says).
    pub release_locked: bool,
    /// Why release and -git builds are not locked, for `check`.
    pub unlocked_why: Option<String>,
    /// The repository's default branch (`origin/HEAD`), when it could be read.
    pub default_branch: Option<String>,
    /// Whether the branch worker.toml names exists in the checkout (None: not named, or
    /// unknown).
    pub branch_exists: Option<bool>,
    /// Submodules holding path dependencies of the build, pinned.
    pub submodules: Vec<Submodule>,
    /// Path dependencies inside submodules that cannot be pinned, each with why.
    pub unresolved: Vec<String>,
}

/// Parses `git ls-files -s -z`: `MODE SHA STAGE\tPATH\0`…
pub fn parse_ls_files(out: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let (mut locks, mut links) = (BTreeSet::new(), BTreeMap::new());
    for entry in out.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (Some(mode), Some(sha)) = (parts.next(), parts.next()) else {
            continue;
        };
        if mode == "160000" {
            links.insert(path.to_string(), sha.to_string());
        } else if path == "Cargo.lock" || path.ends_with("/Cargo.lock") {
            locks.insert(path.to_string());
        }
    }
    (locks, links)
}

/// Parses `git config -z -f .gitmodules --list`: `KEY\nVALUE\0`…
pub fn parse_gitmodules(out: &str) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let mut modules: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for entry in out.split('\0').filter(|e| !e.is_empty()) {
        let Some((key, value)) = entry.split_once('\n') else {
            continue;
        };
        let Some(rest) = key.strip_prefix("submodule.") else {
            continue;
        };
        let Some((name, field)) = rest.rsplit_once('.') else {
            continue;
        };
        let slot = modules.entry(name.to_string()).or_default();
        match field {
            "path" => slot.0 = Some(value.trim_end_matches('/').to_string()),
            "url" => slot.1 = Some(value.to_string()),
            _ => {}
        }
    }
    modules
}

/// The `https` form of a git URL a packager's build can fetch without keys:
/// `git@github.com:o/r.git` and `ssh://git@host/o/r` become `https://…`; a relative URL
/// (`../r.git`) is resolved against the superproject's URL.
pub fn https_url(url: &str, superproject: Option<&str>) -> Option<String> {
    let url = url.trim();
    if url.starts_with("./") || url.starts_with("../") {
        let base = https_url(superproject?, None)?;
        let mut parts: Vec<&str> = base.trim_end_matches('/').split('/').collect();
        for seg in url.split('/') {
            match seg {
                "." | "" => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        return Some(parts.join("/"));
    }
    if let Some(rest) = url.strip_prefix("ssh://") {
        let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
        let (host, path) = rest.split_once('/')?;
        let host = host.split(':').next()?;
        return Some(format!("https://{host}/{path}"));
    }
    if let Some(rest) = url.strip_prefix("git://") {
        return Some(format!("https://{rest}"));
    }
    if url.starts_with("https://") || url.starts_with("http://") || url.starts_with("file://") {
        return Some(url.to_string());
    }
    // scp-like `user@host:path`.
    if let Some((userhost, path)) = url.split_once(':') {
        if !userhost.contains('/') && !path.starts_with("//") {
            let host = userhost.split_once('@').map_or(userhost, |(_, h)| h);
            return Some(format!("https://{host}/{}", path.trim_start_matches('/')));
        }
    }
    None
}

/// The page a person would open for a repository URL: `https://github.com/o/r.git` and
/// `git@github.com:o/r.git` → `https://github.com/o/r`. None for local paths and file URLs.
pub fn web_url(git: &str) -> Option<String> {
    let url = https_url(git.strip_prefix("git+").unwrap_or(git), None)?;
    if !url.starts_with("https://") && !url.starts_with("http://") {
        return None;
    }
    let url = url.trim_end_matches('/');
    Some(url.strip_suffix(".git").unwrap_or(url).to_string())
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Every `path = "…"` dependency of the manifests a build of `build_root` loads (the root,
/// its workspace members, `[patch]` and `[workspace.dependencies]`, and the path crates
/// those reach), as normalized absolute paths. `stop(p)` says a path lies in a submodule:
/// its own manifests are not followed (the submodule brings them).
pub fn path_deps(build_root: &Path, also: &Path, stop: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut todo = vec![build_root.join("Cargo.toml"), also.to_path_buf()];
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    while let Some(manifest) = todo.pop() {
        let manifest = normalize(&manifest);
        if !seen.insert(manifest.clone()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut found = Vec::new();
        collect_paths(&doc, &mut found);
        if let Some(ws) = doc.get("workspace").and_then(|w| w.as_table()) {
            if let Some(deps) = ws.get("dependencies").and_then(|d| d.as_table()) {
                dep_table_paths(deps, &mut found);
            }
            for m in ws
                .get("members")
                .and_then(|m| m.as_array())
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str())
            {
                let pattern = dir.join(m).join("Cargo.toml");
                for hit in glob::glob(&pattern.to_string_lossy()).into_iter().flatten() {
                    todo.extend(hit.ok());
                }
            }
        }
        for p in found {
            let abs = normalize(&dir.join(p));
            if stop(&abs) {
                out.insert(abs);
            } else {
                todo.push(abs.join("Cargo.toml"));
            }
        }
    }
    out.into_iter().collect()
}

fn collect_paths(doc: &toml::Table, out: &mut Vec<String>) {
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(key).and_then(|d| d.as_table()) {
            dep_table_paths(t, out);
        }
    }
    for (_, target) in doc
        .get("target")
        .and_then(|t| t.as_table())
        .into_iter()
        .flatten()
    {
        if let Some(t) = target.as_table() {
            collect_paths(t, out);
        }
    }
    for (_, registry) in doc
        .get("patch")
        .and_then(|t| t.as_table())
        .into_iter()
        .flatten()
    {
        if let Some(t) = registry.as_table() {
            dep_table_paths(t, out);
        }
    }
}

fn dep_table_paths(t: &toml::Table, out: &mut Vec<String>) {
    for dep in t.values() {
        if let Some(p) = dep.get("path").and_then(|p| p.as_str()) {
            out.push(p.to_string());
        }
    }
}

/// A plain source name for makepkg and Homebrew from a submodule's name (its last segment).
fn source_name(name: &str, taken: &BTreeSet<String>) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    let mut base: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    base = base.trim_start_matches(['-', '.']).to_string();
    if base.is_empty() {
        base = "submodule".into();
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// The submodules `deps` (absolute path dependencies) lie in, pinned, and the ones that
/// cannot be pinned with why. `taken` holds names the PKGBUILD's sources already use.
pub fn needed_submodules(
    repo: &Repo,
    deps: &[PathBuf],
    superproject: Option<&str>,
    taken: &BTreeSet<String>,
) -> (Vec<Submodule>, Vec<String>) {
    let mut taken = taken.clone();
    let (mut subs, mut unresolved) = (Vec::new(), Vec::new());
    let mut done = BTreeSet::new();
    for dep in deps {
        let Ok(rel) = dep.strip_prefix(&repo.toplevel) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let Some(path) = module_path_of(repo, &rel) else {
            continue;
        };
        if !done.insert(path.clone()) {
            continue;
        }
        let name = repo
            .modules
            .iter()
            .find(|(_, (p, _))| p.as_deref() == Some(path.as_str()))
            .map(|(n, (_, u))| (n.clone(), u.clone()));
        let commit = repo.gitlinks.get(&path);
        match (name, commit) {
            (Some((name, Some(url))), Some(commit)) => match https_url(&url, superproject) {
                Some(https) => {
                    let source = source_name(&name, &taken);
                    taken.insert(source.clone());
                    subs.push(Submodule {
                        name,
                        source,
                        path,
                        url: https,
                        commit: commit.clone(),
                    });
                }
                None => unresolved.push(format!(
                    "submodule `{path}` (holding path dependency `{rel}`) has URL `{url}`, which has no https form a build can fetch"
                )),
            },
            (Some((_, None)), _) | (None, Some(_)) => unresolved.push(format!(
                "submodule `{path}` (holding path dependency `{rel}`) has no url in .gitmodules"
            )),
            (Some(_), None) => unresolved.push(format!(
                "submodule `{path}` (holding path dependency `{rel}`) is in .gitmodules but no commit of it is committed (`git ls-files -s {path}` shows no gitlink)"
            )),
            (None, None) => {}
        }
    }
    (subs, unresolved)
}

/// The submodule path (a gitlink or a `.gitmodules` path) that `rel` lies in.
fn module_path_of(repo: &Repo, rel: &str) -> Option<String> {
    let inside = |p: &str| rel == p || rel.starts_with(&format!("{p}/"));
    repo.gitlinks
        .keys()
        .map(String::as_str)
        .chain(repo.modules.values().filter_map(|(p, _)| p.as_deref()))
        .filter(|p| inside(p))
        .max_by_key(|p| p.len())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_and_scp_urls_get_their_https_form() {
        assert_eq!(
            https_url("git@github.com:huggingface/candle.git", None).as_deref(),
            Some("https://github.com/huggingface/candle.git")
        );
        assert_eq!(
            https_url("ssh://git@github.com:22/o/r.git", None).as_deref(),
            Some("https://github.com/o/r.git")
        );
        assert_eq!(
            https_url("../candle.git", Some("https://github.com/o/rbee.git")).as_deref(),
            Some("https://github.com/o/candle.git")
        );
        assert_eq!(
            web_url("git@github.com:o/r.git").as_deref(),
            Some("https://github.com/o/r")
        );
        assert_eq!(web_url("file:///tmp/r.git"), None);
    }

    #[test]
    fn ls_files_gives_tracked_locks_and_gitlinks() {
        let out =
            "100644 aaaa 0\tCargo.lock\x00160000 bbbb 0\tdeps/candle\x00100644 cccc 0\tsrc/main.rs\x00";
        let (locks, links) = parse_ls_files(out);
        assert_eq!(locks.into_iter().collect::<Vec<_>>(), ["Cargo.lock"]);
        assert_eq!(links.get("deps/candle").map(String::as_str), Some("bbbb"));
    }
}
