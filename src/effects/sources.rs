//! Remote sources: `source add/remove/list`, `sync`, and turning the cached copies into
//! catalog sources. git sources are shallow clones made by the `git` program (never with a
//! URL or ref that could become an option); index sources are exported `index.json` files,
//! fetched with ETag revalidation and validated before they replace the cached copy.

use crate::cargo::CrateInfo;
use crate::catalog::{Catalog, Source, SourceKind, Upstream, Variant, Worker};
use crate::config::{Config, RemoteKind, SourceConfig};
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::exec::{CommandSpec, Runner};
use crate::fetch::Cap;
use crate::kinds::SyncStatus;
use crate::problem::Problem;
use crate::wire::VariantDoc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn config_path(dirs: &Dirs) -> PathBuf {
    dirs.config.join("config.toml")
}

pub fn source_dir(dirs: &Dirs, name: &str) -> PathBuf {
    dirs.cache.join("sources").join(name)
}

/// Refuses URLs and refs that git could take as options or as the `ext::` transport.
pub fn check_url(url: &str) -> Result<()> {
    match crate::manifest::git_url_problem(url) {
        Some(why) => Err(Error::Usage(format!("refusing source URL `{url}`: {why}"))),
        None => Ok(()),
    }
}

fn check_ref(r: &str) -> Result<()> {
    match crate::manifest::ref_problem(r) {
        Some(why) => Err(Error::Usage(format!("refusing ref `{r}`: {why}"))),
        None => Ok(()),
    }
}

fn check_name(name: &str) -> Result<()> {
    match crate::config::source_name_problem(name) {
        Some(why) => Err(Error::Usage(format!("invalid source name `{name}`: {why}"))),
        None => Ok(()),
    }
}

/// `index` when the URL names a `.json` file, else `git`.
pub fn kind_of(url: &str) -> RemoteKind {
    if url.trim_end_matches('/').ends_with(".json") {
        RemoteKind::Index
    } else {
        RemoteKind::Git
    }
}

pub fn add(
    dirs: &Dirs,
    name: &str,
    url: &str,
    git_ref: Option<String>,
    trusted: bool,
    kind: Option<RemoteKind>,
    key: Option<&str>,
) -> Result<SourceConfig> {
    let kind = kind.unwrap_or_else(|| kind_of(url));
    check_name(name)?;
    if key.is_some() && kind == RemoteKind::Git {
        return Err(Error::Usage(
            "--key pins the key an index source is signed with; a git source has no signed index"
                .into(),
        ));
    }
    let key = key.map(crate::sign::public_key).transpose()?;
    // An index is fetched or read, never handed to git; a git URL must pass git's check.
    if kind == RemoteKind::Git {
        check_url(url)?;
    }
    if let Some(r) = &git_ref {
        check_ref(r)?;
    }
    let path = config_path(dirs);
    let mut config = Config::load(&path)?;
    if config.sources.iter().any(|s| s.name == name) {
        return Err(Error::Usage(format!(
            "a source named `{name}` exists already; `rbee-workers source remove {name}` first"
        )));
    }
    let url = match kind {
        // A local index path is kept absolute, so it works from any directory.
        RemoteKind::Index if !url.contains("://") => {
            std::path::absolute(url).map_or_else(|_| url.to_string(), |p| p.display().to_string())
        }
        _ => url.to_string(),
    };
    let s = SourceConfig {
        name: name.into(),
        kind,
        url,
        git_ref,
        trusted,
        key,
    };
    config.sources.push(s.clone());
    crate::atomic::write(&path, config.to_toml().as_bytes())?;
    Ok(s)
}

pub fn remove(dirs: &Dirs, name: &str) -> Result<()> {
    let path = config_path(dirs);
    let mut config = Config::load(&path)?;
    let before = config.sources.len();
    config.sources.retain(|s| s.name != name);
    if config.sources.len() == before {
        return Err(Error::UnknownSource {
            name: name.into(),
            suggestions: config.sources.iter().map(|s| s.name.clone()).collect(),
        });
    }
    crate::atomic::write(&path, config.to_toml().as_bytes())?;
    let _ = std::fs::remove_dir_all(source_dir(dirs, name));
    Ok(())
}

/// What `sync` did for one source.
#[derive(Debug, Serialize)]
pub struct SyncResult {
    pub name: String,
    pub kind: RemoteKind,
    pub status: crate::kinds::SyncStatus,
    pub workers: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Every git command rbee-workers runs starts here, so none can reach the `ext::` transport.
pub fn git(tools_git: &str) -> CommandSpec {
    CommandSpec::new(tools_git).args(["-c", "protocol.ext.allow=never"])
}

fn repo_dir(dirs: &Dirs, name: &str) -> PathBuf {
    source_dir(dirs, name).join("repo")
}

/// A clone we can use: a work tree whose HEAD is a commit, cloned from `url`.
fn clone_ok(runner: &mut dyn Runner, tools_git: &str, repo: &Path, url: &str) -> bool {
    if !repo.join(".git").exists() {
        return false;
    }
    let head = runner.capture(&git(tools_git).arg("-C").arg(repo.to_string_lossy()).args([
        "rev-parse",
        "--verify",
        "--quiet",
        "HEAD^{commit}",
    ]));
    let origin = runner.capture(
        &git(tools_git)
            .arg("-C")
            .arg(repo.to_string_lossy())
            .args(["remote", "get-url", "origin"]),
    );
    matches!((head, origin), (Ok(h), Ok(o)) if !h.trim().is_empty() && o.trim() == url)
}

/// Clones into a fresh directory beside the target and renames it in, so a clone is never
/// seen half-written.
fn fresh_clone(
    runner: &mut dyn Runner,
    tools_git: &str,
    s: &SourceConfig,
    repo: &Path,
) -> Result<()> {
    let parent = repo.parent().expect("repo dirs have a parent");
    std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".clone-")
        .tempdir_in(parent)
        .map_err(|e| Error::io("create a directory in", parent, e))?;
    let into = tmp.path().join("repo");
    let mut cmd = git(tools_git).args(["clone", "--depth", "1", "--quiet"]);
    if let Some(r) = &s.git_ref {
        cmd = cmd.args(["--branch", r]);
    }
    cmd = cmd.arg("--").arg(&s.url).arg(into.to_string_lossy());
    runner.run(&cmd, &format!("clone {}", s.name))?;
    let _ = std::fs::remove_dir_all(repo);
    std::fs::rename(&into, repo).map_err(|e| Error::io("move into place", repo, e))
}

fn sync_git(
    runner: &mut dyn Runner,
    config: &Config,
    dirs: &Dirs,
    s: &SourceConfig,
    offline: bool,
) -> Result<SyncStatus> {
    // A hand-edited config.toml meets the check `source add` makes.
    check_url(&s.url)?;
    if let Some(r) = &s.git_ref {
        check_ref(r)?;
    }
    let tools_git = config.tools.git.as_str();
    let repo = repo_dir(dirs, &s.name);
    let usable = clone_ok(runner, tools_git, &repo, &s.url);
    if offline {
        return if usable {
            Ok(SyncStatus::Cached)
        } else {
            Err(Error::Offline {
                what: format!(
                    "{} has no cached copy and --offline forbids cloning it",
                    s.name
                ),
                help: "run `rbee-workers sync` once without --offline".into(),
            })
        };
    }
    if !usable {
        fresh_clone(runner, tools_git, s, &repo)?;
        return Ok(SyncStatus::Updated);
    }
    let before = runner.capture(
        &git(tools_git)
            .arg("-C")
            .arg(repo.to_string_lossy())
            .args(["rev-parse", "HEAD"]),
    )?;
    let fetch = git(tools_git)
        .arg("-C")
        .arg(repo.to_string_lossy())
        .args(["fetch", "--depth", "1", "--quiet", "--", "origin"])
        .arg(s.git_ref.clone().unwrap_or_else(|| "HEAD".into()));
    let reset = git(tools_git).arg("-C").arg(repo.to_string_lossy()).args([
        "reset",
        "--hard",
        "--quiet",
        "FETCH_HEAD",
    ]);
    let updated = runner
        .run(&fetch, &format!("fetch {}", s.name))
        .and_then(|()| runner.capture(&reset).map(drop));
    if let Err(e) = updated {
        // A clone missing objects fails here although the remote is fine: clone afresh.
        // Were the remote unreachable, this fails too and the cached copy stays.
        return match fresh_clone(runner, tools_git, s, &repo) {
            Ok(()) => Ok(SyncStatus::Updated),
            Err(_) => Err(e),
        };
    }
    let after = runner.capture(
        &git(tools_git)
            .arg("-C")
            .arg(repo.to_string_lossy())
            .args(["rev-parse", "HEAD"]),
    )?;
    Ok(if before == after {
        SyncStatus::Unchanged
    } else {
        SyncStatus::Updated
    })
}

/// An exported catalog: the `list --json` document.
#[derive(Debug, Deserialize)]
pub struct IndexDoc {
    pub schema: u32,
    pub workers: Vec<VariantDoc>,
}

/// Parses and checks an index before anything trusts it.
pub fn validate_index(bytes: &[u8], origin: &str) -> Result<IndexDoc> {
    let bad = |why: String| Error::InvalidIndex {
        origin: origin.to_string(),
        reason: why,
    };
    let doc: IndexDoc = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if doc.schema != 1 {
        return Err(bad(format!(
            "schema {} (this rbee-workers reads schema 1)",
            doc.schema
        )));
    }
    for v in &doc.workers {
        if !crate::manifest::is_valid_id(&v.worker)
            || v.id != format!("{}-{}", v.worker, v.feature)
            || !crate::manifest::is_valid_feature(&v.feature)
        {
            return Err(bad(format!(
                "variant `{}` of worker `{}` has an invalid id",
                v.id, v.worker
            )));
        }
        if let Some(c) = &v.community {
            let average_ok = c.rating.average.is_none_or(|a| (1.0..=5.0).contains(&a));
            if !c.popularity.is_finite() || c.popularity < 0.0 || !average_ok {
                return Err(bad(format!(
                    "variant `{}` has community counts out of range (popularity {}, rating {:?})",
                    v.id, c.popularity, c.rating.average
                )));
            }
        }
        semver::Version::parse(&v.version).map_err(|e| {
            bad(format!(
                "variant `{}` has version `{}`: {e}",
                v.id, v.version
            ))
        })?;
        if !crate::manifest::is_valid_binary(&v.binary)
            || !crate::manifest::is_valid_binary(&v.installed_name)
        {
            return Err(bad(format!(
                "variant `{}` has an invalid binary name",
                v.id
            )));
        }
        // An index is written by somebody else: its values meet the rules a manifest's do
        // (one line, no control characters — nothing that can drive a terminal), and the
        // installed name is the one the binary and feature give, never one it chooses.
        // Worker dependencies reach PKGBUILDs and the resolver: each must parse as a
        // manifest's would, and only `depends` has them.
        for text in &v.depends.workers {
            if let Err(why) = crate::manifest::parse_requirement(text) {
                return Err(bad(format!("variant `{}`: {}", v.id, why.escape_debug())));
            }
        }
        if !v.makedepends.workers.is_empty() {
            return Err(bad(format!(
                "variant `{}` has worker dependencies in `makedepends`; they belong in `depends.workers`",
                v.id
            )));
        }
        let derived = crate::catalog::installed_name(&v.binary, &v.feature);
        if v.installed_name != derived {
            return Err(bad(format!(
                "variant `{}` says it installs as `{}`, but binary `{}` with feature `{}` installs as `{derived}`",
                v.id, v.installed_name, v.binary, v.feature
            )));
        }
        let texts = [
            ("name", Some(v.name.as_str())),
            ("description", Some(v.description.as_str())),
            ("license", v.license.as_deref()),
            ("homepage", v.homepage.as_deref()),
        ];
        for (what, value) in texts
            .into_iter()
            .filter_map(|(w, val)| Some((w, val?)))
            .chain(v.tags.iter().map(|t| ("tags", t.as_str())))
        {
            if let Some(why) = crate::tomlread::one_line_problem(value) {
                return Err(bad(format!(
                    "variant `{}` has a {what} `{}` that must be {why}",
                    v.id,
                    value.escape_debug()
                )));
            }
        }
        let u = &v.upstream;
        let problem = u
            .git
            .as_deref()
            .and_then(crate::manifest::git_url_problem)
            .or_else(|| crate::manifest::ref_problem(&u.branch))
            .or_else(|| crate::manifest::ref_problem(&u.tag))
            .or_else(|| crate::manifest::subdir_problem(&v.source.subdir));
        if let Some(why) = problem {
            return Err(bad(format!(
                "variant `{}` has an unusable upstream: {why}",
                v.id
            )));
        }
        if u.package.is_empty()
            || !u
                .package
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        {
            return Err(bad(format!(
                "variant `{}` has an invalid package name `{}`",
                v.id, u.package
            )));
        }
        if let Some(why) = u
            .tarball
            .as_deref()
            .and_then(crate::manifest::download_url_problem)
        {
            return Err(bad(format!(
                "variant `{}` has a tarball `{}` that cannot be used: {why}",
                v.id,
                u.tarball.as_deref().unwrap_or_default().escape_debug()
            )));
        }
        if let Some(sha) = &v.upstream.sha256 {
            if !crate::manifest::is_sha256_hex(sha) {
                return Err(bad(format!("variant `{}` has a malformed sha256", v.id)));
            }
        }
        for (i, b) in v.bottles.iter().enumerate() {
            if let Some(why) = crate::bottle::problem(b) {
                return Err(bad(format!("variant `{}`: {why}", v.id)));
            }
            if v.bottles[..i].iter().any(|o| o.target == b.target) {
                return Err(bad(format!(
                    "variant `{}` lists two bottles for {}; expected one per target",
                    v.id, b.target
                )));
            }
        }
    }
    check_index_ids(&doc.workers).map_err(bad)?;
    Ok(doc)
}

/// Each variant id once, and none equal to a worker id: an index that names one thing twice
/// is refused, not merged into whichever entry came first. The variants of one worker agree
/// on its version.
fn check_index_ids(variants: &[VariantDoc]) -> std::result::Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    let mut versions: std::collections::HashMap<&str, &str> = Default::default();
    for v in variants {
        if !ids.insert(v.id.as_str()) {
            return Err(format!(
                "variant id `{}` appears more than once; expected each id once",
                v.id
            ));
        }
        let version = *versions.entry(&v.worker).or_insert(&v.version);
        if version != v.version {
            return Err(format!(
                "worker `{}` has variants of versions `{version}` and `{}`; expected one version per worker",
                v.worker, v.version
            ));
        }
    }
    match variants.iter().find(|v| ids.contains(v.worker.as_str())) {
        Some(v) => Err(format!(
            "worker id `{}` is also the id of a variant; expected each id to name one thing",
            v.worker
        )),
        None => Ok(()),
    }
}

fn index_path(dirs: &Dirs, name: &str) -> PathBuf {
    source_dir(dirs, name).join("index.json")
}

/// A local index file, refused past `cap`; only a regular file is opened (a FIFO would
/// block `sync` forever, `/dev/zero` never end), and at most `cap` + 1 bytes are read.
fn read_capped(path: &Path, cap: Cap) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if !meta.is_file() {
        return Err(Error::Download {
            verb: "read",
            url: path.display().to_string(),
            reason: "it is not a regular file (a directory, device or FIFO)".into(),
            help: Some("an index source names a JSON file".into()),
        });
    }
    let f = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut bytes = Vec::new();
    f.take(cap.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > cap.bytes {
        return Err(Error::Download {
            verb: "read",
            url: path.display().to_string(),
            reason: cap.exceeded(None),
            help: None,
        });
    }
    Ok(bytes)
}

fn sync_index(dirs: &Dirs, s: &SourceConfig, offline: bool, quiet: bool) -> Result<SyncStatus> {
    let cached = index_path(dirs, &s.name);
    if offline {
        return if cached.is_file() {
            Ok(SyncStatus::Cached)
        } else {
            Err(Error::Offline {
                what: format!(
                    "{} has no cached copy and --offline forbids downloading it",
                    s.name
                ),
                help: "run `rbee-workers sync` once without --offline".into(),
            })
        };
    }
    let etag_path = source_dir(dirs, &s.name).join("etag");
    let http = s.url.starts_with("http://") || s.url.starts_with("https://");
    let (bytes, etag) = if http {
        // Revalidate only a cached copy that is still intact (and, for a keyed source, still
        // verifies); a damaged one is fetched whole.
        let intact = std::fs::read(&cached)
            .is_ok_and(|b| validate_index(&b, &s.url).is_ok() && cached_signature_ok(dirs, s, &b));
        let etag = std::fs::read_to_string(&etag_path).ok().filter(|_| intact);
        match crate::fetch::get_revalidated(&s.url, etag.as_deref(), Cap::index(), quiet)? {
            None => return Ok(SyncStatus::Unchanged),
            Some(got) => got,
        }
    } else {
        let path = s.url.strip_prefix("file://").unwrap_or(&s.url);
        (read_capped(Path::new(path), Cap::index())?, None)
    };
    // Verified before anything is parsed or replaced: a refusal keeps the cached copy.
    let signature = match &s.key {
        Some(key) => Some(fetch_signature(s, http, quiet, key, &bytes)?),
        None => None,
    };
    validate_index(&bytes, &s.url)?;
    let unchanged = std::fs::read(&cached).is_ok_and(|old| old == bytes);
    crate::atomic::write(&cached, &bytes)?;
    let sig_path = signature_path(dirs, &s.name);
    match signature {
        Some(sig) => crate::atomic::write(&sig_path, sig.as_bytes())?,
        None => {
            let _ = std::fs::remove_file(&sig_path);
        }
    }
    match etag {
        Some(e) => crate::atomic::write(&etag_path, e.as_bytes())?,
        None => {
            let _ = std::fs::remove_file(&etag_path);
        }
    }
    Ok(if unchanged {
        SyncStatus::Unchanged
    } else {
        SyncStatus::Updated
    })
}

fn signature_path(dirs: &Dirs, name: &str) -> PathBuf {
    source_dir(dirs, name).join(format!("index.json{}", crate::sign::SUFFIX))
}

/// The bound on a signature file (a few hundred bytes).
const SIGNATURE_CAP: Cap = Cap {
    bytes: 64 << 10,
    name: "the 64 KiB limit on a signature",
};

/// Fetches (or reads) `URL.minisig` of keyed source `s` and checks it signs `bytes`; a
/// source with no signature, or one by another key, is refused.
fn fetch_signature(
    s: &SourceConfig,
    http: bool,
    quiet: bool,
    key: &str,
    bytes: &[u8],
) -> Result<String> {
    let url = format!("{}{}", s.url, crate::sign::SUFFIX);
    let refused = |why: String| {
        Error::InvalidIndex {
        origin: s.url.clone(),
        reason: format!(
            "{why}; source `{}` pins key {key}, so its index must be signed by it (the cached copy is kept)",
            s.name
        ),
    }
    };
    let sig = if http {
        match crate::fetch::get_revalidated(&url, None, SIGNATURE_CAP, quiet) {
            Ok(Some((b, _))) => b,
            Ok(None) => {
                return Err(refused(format!(
                    "{url} answered 304 to a request without a tag"
                )))
            }
            Err(e) => {
                return Err(refused(format!(
                    "no signature could be fetched from {url} ({e})"
                )))
            }
        }
    } else {
        let path = url.strip_prefix("file://").unwrap_or(&url);
        read_capped(Path::new(path), SIGNATURE_CAP)
            .map_err(|e| refused(format!("no signature could be read from {path} ({e})")))?
    };
    let text = String::from_utf8(sig).map_err(|_| refused(format!("{url} is not text")))?;
    crate::sign::verify(key, bytes, &text)
        .map_err(|why| refused(format!("its signature {url} does not verify: {why}")))?;
    Ok(text)
}

/// A keyed source's cached index still verifies against its cached signature (an unkeyed
/// one always does).
fn cached_signature_ok(dirs: &Dirs, s: &SourceConfig, bytes: &[u8]) -> bool {
    let Some(key) = &s.key else { return true };
    std::fs::read_to_string(signature_path(dirs, &s.name))
        .is_ok_and(|sig| crate::sign::verify(key, bytes, &sig).is_ok())
}

/// `sync`: refresh every source; a source that fails keeps its cached copy. `each` hears
/// of every source as it is done (the command reports it as it goes).
pub fn sync(
    dirs: &Dirs,
    config: &Config,
    runner: &mut dyn Runner,
    offline: bool,
    mut each: impl FnMut(&SyncResult),
) -> Vec<SyncResult> {
    let mut out = Vec::new();
    for s in &config.sources {
        // Ctrl-C stops the run (the command exits 130); the sources left keep their copies.
        if crate::exec::check_interrupted().is_err() {
            break;
        }
        let result = match s.kind {
            RemoteKind::Git => sync_git(runner, config, dirs, s, offline),
            RemoteKind::Index => sync_index(dirs, s, offline, crate::report::mode().verbosity < 0),
        };
        let mut probe = Catalog::default();
        let have_copy = add_source(dirs, s, &mut probe, None);
        let workers = probe.workers.len();
        let r = match result {
            Ok(status) => SyncResult {
                name: s.name.clone(),
                kind: s.kind,
                status,
                workers,
                message: None,
            },
            Err(e) => SyncResult {
                name: s.name.clone(),
                kind: s.kind,
                status: if have_copy {
                    SyncStatus::Cached
                } else {
                    SyncStatus::Failed
                },
                workers,
                message: Some(e.to_string()),
            },
        };
        each(&r);
        out.push(r);
    }
    out
}

/// Syncs the one source called `name`.
pub fn sync_named(
    dirs: &Dirs,
    config: &Config,
    runner: &mut dyn Runner,
    offline: bool,
    name: &str,
) -> Result<()> {
    let s = config
        .sources
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| Error::NotFound {
            id: name.into(),
            suggestions: Vec::new(),
        })?;
    match s.kind {
        RemoteKind::Git => sync_git(runner, config, dirs, s, offline).map(|_| ()),
        RemoteKind::Index => {
            sync_index(dirs, s, offline, crate::report::mode().verbosity < 0).map(|_| ())
        }
    }
}

/// Adds the cached copy of source `s` to the catalog; false when there is none.
/// With `want`, a git source loads only the workers it names (see
/// [`catalog::discover_with`]).
pub fn add_source(
    dirs: &Dirs,
    s: &SourceConfig,
    catalog: &mut Catalog,
    want: Option<&mut std::collections::BTreeSet<String>>,
) -> bool {
    match s.kind {
        RemoteKind::Git => {
            let repo = repo_dir(dirs, &s.name);
            if !repo.is_dir() {
                return false;
            }
            let source = Source {
                name: s.name.clone(),
                kind: SourceKind::Git,
                location: s.url.clone(),
                root: repo,
                trusted: s.trusted,
            };
            crate::discovery::discover(&dirs.cache, Arc::new(source), catalog, want);
            true
        }
        RemoteKind::Index => {
            let path = index_path(dirs, &s.name);
            let Ok(bytes) = std::fs::read(&path) else {
                return false;
            };
            if !cached_signature_ok(dirs, s, &bytes) {
                catalog.problems.push(Problem::error(
                    &path,
                    format!(
                        "source `{}` pins a key, and its cached index is not signed by it; its workers are not listed (`rbee-workers sync` fetches a signed copy)",
                        s.name
                    ),
                ));
                return true;
            }
            match validate_index(&bytes, &path.display().to_string()) {
                Ok(doc) => {
                    let source = Arc::new(Source {
                        name: s.name.clone(),
                        kind: SourceKind::Index,
                        location: s.url.clone(),
                        root: source_dir(dirs, &s.name),
                        trusted: s.trusted,
                    });
                    catalog.workers.extend(
                        workers_from_index(&doc, &source, &path)
                            .into_iter()
                            .map(Arc::new),
                    );
                }
                Err(e) => catalog.problems.push(Problem::error(&path, e.to_string())),
            }
            true
        }
    }
}

/// Rebuilds workers from an exported catalog: the variants as published, with what a
/// release build needs (tarball, checksum, package) from `upstream`.
pub fn workers_from_index(doc: &IndexDoc, source: &Arc<Source>, path: &Path) -> Vec<Worker> {
    let mut by_worker: BTreeMap<&str, Vec<&VariantDoc>> = BTreeMap::new();
    for v in &doc.workers {
        by_worker.entry(&v.worker).or_default().push(v);
    }
    by_worker
        .into_iter()
        .map(|(id, docs)| {
            let first = docs[0];
            let version = semver::Version::parse(&first.version).expect("validated");
            let mut platforms = crate::manifest::Platforms::new();
            for d in &docs {
                for (os, arches) in &d.platforms {
                    let e = platforms.entry(*os).or_default();
                    for a in arches {
                        if !e.contains(a) {
                            e.push(*a);
                        }
                    }
                }
            }
            let krate = CrateInfo {
                manifest_path: path.to_path_buf(),
                package: first.upstream.package.clone(),
                version: version.clone(),
                license: first.license.clone(),
                repository: first.upstream.git.clone(),
                repository_at: None,
                homepage: first.homepage.clone(),
                description: Some(first.description.clone()),
                features: docs.iter().map(|d| d.feature.clone()).collect(),
                feature_deps: Default::default(),
                bins: Vec::new(),
                workspace_root: None,
                lockfile: first.upstream.locked.then(|| PathBuf::from("Cargo.lock")),
            };
            Worker {
                id: id.to_string(),
                name: first.name.clone(),
                description: first.description.clone(),
                license: first.license.clone(),
                homepage: first.homepage.clone(),
                tags: first.tags.clone(),
                version,
                default_feature: docs
                    .iter()
                    .find(|d| d.default)
                    .map_or_else(|| first.feature.clone(), |d| d.feature.clone()),
                capabilities: first.capabilities.clone(),
                platforms,
                dir: PathBuf::new(),
                manifest_path: path.to_path_buf(),
                krate,
                source: source.clone(),
                community: !first.source.verified,
                upstream: Upstream {
                    git: first.upstream.git.clone(),
                    branch: first.upstream.branch.clone(),
                    tag: first.upstream.tag.clone(),
                    tarball: first.upstream.tarball.clone(),
                    sha256: first.upstream.sha256.clone(),
                    subdir: first.source.subdir.clone(),
                },
                variants: docs
                    .iter()
                    .map(|d| Variant {
                        id: d.id.clone(),
                        feature: d.feature.clone(),
                        platforms: d.platforms.clone(),
                        depends: d.depends.clone(),
                        makedepends: d.makedepends.clone(),
                        binary: d.binary.clone(),
                        installed_name: d.installed_name.clone(),
                        requires: d
                            .depends
                            .workers
                            .iter()
                            .filter_map(|text| {
                                let (id, req) = crate::manifest::parse_requirement(text).ok()?;
                                Some(crate::manifest::Requirement {
                                    text: text.clone(),
                                    id,
                                    req,
                                    path: path.to_path_buf(),
                                    line: None,
                                    column: None,
                                    default_variant: None,
                                })
                            })
                            .collect(),
                        // Where each bottle is, as listed relative to the index.
                        bottles: d
                            .bottles
                            .iter()
                            .map(|b| crate::bottle::Bottle {
                                url: crate::bottle::resolve(&source.location, &b.url),
                                ..b.clone()
                            })
                            .collect(),
                    })
                    .collect(),
                test: Default::default(),
                tree: Default::default(),
                counts: first.community.as_ref().map(Into::into),
            }
        })
        .collect()
}

/// Whether source `s` has a cached copy (a clone, or a fetched index).
pub fn cached(dirs: &Dirs, s: &SourceConfig) -> bool {
    match s.kind {
        RemoteKind::Git => repo_dir(dirs, &s.name).is_dir(),
        RemoteKind::Index => index_path(dirs, &s.name).is_file(),
    }
}
