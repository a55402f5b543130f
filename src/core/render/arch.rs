//! The Arch model: one typed `Pkgbuild` per variant × flavour, rendered to a PKGBUILD by a
//! template and to `.SRCINFO` by `srcinfo` — both from the same data, so they cannot drift.

use crate::catalog::{Variant, Worker};
use crate::error::Error;
use crate::manifest::Os;
use serde::Serialize;

pub use crate::kinds::ArchFlavor as Flavor;

impl Flavor {
    pub fn template(self) -> &'static str {
        match self {
            Flavor::Release => "arch-release.PKGBUILD.j2",
            Flavor::Git => "arch-git.PKGBUILD.j2",
            Flavor::Local => "arch-local.PKGBUILD.j2",
        }
    }
}

/// Everything a PKGBUILD template may print. Field names are the template's variables.
#[derive(Debug, Clone, Serialize)]
pub struct Pkgbuild {
    pub flavor: Flavor,
    pub pkgname: String,
    pub pkgver: String,
    pub pkgrel: u32,
    pub pkgdesc: String,
    pub url: Option<String>,
    pub arch: Vec<String>,
    pub license: Vec<String>,
    pub depends: Vec<String>,
    pub makedepends: Vec<String>,
    pub provides: Vec<String>,
    pub conflicts: Vec<String>,
    pub source: Vec<String>,
    pub sha256sums: Vec<String>,
    /// The crate's directory under `$srcdir`, where every function `cd`s.
    pub build_dir: String,
    /// The clone's directory under `$srcdir` (git flavour).
    pub git_dir: Option<String>,
    pub package: String,
    pub feature: String,
    pub binary: String,
    pub installed_name: String,
    /// What the build will see has a Cargo.lock, so `--locked`/`--frozen` can work: the
    /// packed tarball holds it (local), git tracks it (release, git).
    pub locked: bool,
    /// The release tag's glob for `git describe --match` and the prefix before the version
    /// (`v[0-9]*`, `v`); None when the tag pattern does not end with the version.
    pub tag_glob: Option<String>,
    pub tag_prefix: String,
    /// `[test] cargo_args`, after the test command of `check()`.
    pub test_args: Vec<String>,
    /// Submodules holding path dependencies, pinned as extra sources and wired in prepare().
    pub submodules: Vec<crate::vcs::Submodule>,
    /// The release tarball's top directory (where submodules are copied into place).
    pub top_dir: Option<String>,
    pub cuda: bool,
    /// License files in the crate directory, installed to /usr/share/licenses.
    pub license_files: Vec<String>,
}

/// What the release and local flavours need that discovery doesn't know: the checksum of the
/// release tarball, or the packed local tarball's name and checksum.
#[derive(Debug, Clone)]
pub enum Archive {
    Release {
        sha256: String,
    },
    Git,
    Local {
        file_name: String,
        top_dir: String,
        subdir: String,
        sha256: String,
    },
}

impl Archive {
    /// The local flavour's archive of `v`: `{variant}-{pkgver}.tar.gz` unpacking into
    /// `{variant}-{pkgver}/`, the worker at its path inside its source root, with `sha256`.
    pub fn local(w: &Worker, v: &Variant, sha256: String) -> Archive {
        Archive::local_named(w, &v.id, sha256)
    }

    /// The local archive named `{name}-{pkgver}` (a variant's id, or the worker's for a
    /// split package).
    pub fn local_named(w: &Worker, name: &str, sha256: String) -> Archive {
        let top_dir = format!("{name}-{}", pkgver(&w.version));
        let subdir = w
            .dir
            .strip_prefix(w.krate.build_root())
            .unwrap_or(std::path::Path::new(""))
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Archive::Local {
            file_name: format!("{top_dir}.tar.gz"),
            top_dir,
            subdir,
            sha256,
        }
    }
}

/// `pkgver` may not hold a hyphen (DESIGN section 3): the pre-release hyphen is dropped and any
/// other `-` becomes `_`, so `0.4.2-beta.1` becomes `0.4.2beta.1`, which vercmp sorts before
/// `0.4.2` (`0.4.2_beta.1` would sort after it). A pre-release that starts with a digit gets
/// `pre` in front (`0.4.2-1` → `0.4.2pre1`): a bare `0.4.21` would be a later release.
pub fn pkgver(v: &semver::Version) -> String {
    let mut out = format!("{}.{}.{}", v.major, v.minor, v.patch);
    if !v.pre.is_empty() {
        if v.pre.as_str().starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str("pre");
        }
        out.push_str(&v.pre.as_str().replace('-', "_"));
    }
    if !v.build.is_empty() {
        out.push('+');
        out.push_str(&v.build.as_str().replace('-', "_"));
    }
    out
}

/// The repository's name: the last path segment of its URL, without `.git`.
pub fn repo_name(url: &str) -> Option<String> {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next()?;
    let name = last.strip_suffix(".git").unwrap_or(last);
    (!name.is_empty()).then(|| name.to_string())
}

/// The release tarball's top directory: GitHub archives unpack into `{repo}-{tag without v}`.
pub fn release_top_dir(w: &Worker) -> Option<String> {
    let repo = w.upstream.git.as_deref().and_then(repo_name)?;
    let tag = w.upstream.tag.strip_prefix('v').unwrap_or(&w.upstream.tag);
    Some(format!("{repo}-{tag}"))
}

fn join(dir: &str, sub: &str) -> String {
    if sub.is_empty() || sub == "." {
        dir.to_string()
    } else {
        format!("{dir}/{}", sub.trim_matches('/'))
    }
}

pub fn linux_arches(v: &Variant) -> Vec<String> {
    v.platforms
        .get(&Os::Linux)
        .map(|a| a.iter().map(|x| x.as_str().to_string()).collect())
        .unwrap_or_default()
}

/// The variant's Linux arches; a variant that doesn't run on Linux has no PKGBUILD.
pub fn require_linux(v: &Variant) -> Result<Vec<String>, Error> {
    let arch = linux_arches(v);
    if arch.is_empty() {
        return Err(Error::NoArtifact {
            message: format!(
                "variant `{}` has no Linux platform, so it has no PKGBUILD",
                v.id
            ),
            help: match v.platforms.contains_key(&Os::Macos) {
                true => format!("it runs on macOS: `rbee-workers formula {}`", v.id),
                false => {
                    "add a linux entry to [platforms] (or [variants.X].platforms) in worker.toml"
                        .into()
                }
            },
        });
    }
    Ok(arch)
}

/// Values that land inside the PKGBUILD's functions must be plain text: makepkg re-reads
/// `declare -f` output line by line, so a quoted line break there would still run.
fn check_function_values(p: &Pkgbuild) -> Result<(), Error> {
    let mut fields = vec![
        ("build directory", Some(&p.build_dir)),
        ("git directory", p.git_dir.as_ref()),
        ("package", Some(&p.package)),
        ("feature", Some(&p.feature)),
        ("binary", Some(&p.binary)),
        ("installed name", Some(&p.installed_name)),
        ("pkgname", Some(&p.pkgname)),
        ("tag", p.tag_glob.as_ref()),
        ("tag", Some(&p.tag_prefix)),
        ("top directory", p.top_dir.as_ref()),
    ];
    fields.extend(
        p.test_args
            .iter()
            .map(|a| ("[test] cargo_args entry", Some(a))),
    );
    for s in &p.submodules {
        fields.extend([
            ("submodule name", Some(&s.name)),
            ("submodule path", Some(&s.path)),
            ("submodule source", Some(&s.source)),
        ]);
    }
    for (what, value) in fields {
        if let Some(v) = value {
            if let Some(problem) = crate::tomlread::one_line_problem(v) {
                return Err(Error::Unrenderable {
                    message: format!(
                        "cannot render the PKGBUILD of {}: its {what} `{}` must be {problem}",
                        p.pkgname,
                        v.escape_debug()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The system packages, then each worker dependency in pacman's syntax: any variant of the
/// dependency satisfies it, since every variant provides its worker id.
fn depends(v: &Variant) -> Vec<String> {
    let mut out = v.depends.arch.clone();
    for r in &v.requires {
        for d in pacman_depends(&r.id, &r.req) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

pub fn model(w: &Worker, v: &Variant, archive: &Archive) -> Result<Pkgbuild, Error> {
    let p = model_unchecked(w, v, archive)?;
    check_function_values(&p)?;
    Ok(p)
}

fn model_unchecked(w: &Worker, v: &Variant, archive: &Archive) -> Result<Pkgbuild, Error> {
    let arch = require_linux(v)?;
    let flavor = match archive {
        Archive::Release { .. } => Flavor::Release,
        Archive::Git => Flavor::Git,
        Archive::Local { .. } => Flavor::Local,
    };
    let pkgname = match flavor {
        Flavor::Git => format!("{}-git", v.id),
        _ => v.id.clone(),
    };
    let pkgver = pkgver(&w.version);
    let mut makedepends = vec!["cargo".to_string()];
    if flavor == Flavor::Git {
        makedepends.push("git".into());
    }
    for p in &v.makedepends.arch {
        if !makedepends.contains(p) {
            makedepends.push(p.clone());
        }
    }
    // Versioned, because only a versioned provision satisfies a versioned dependency
    // (`base-worker>=0.2.0` of a dependent, PKGBUILD(5)).
    let mut provides = vec![format!("{}={pkgver}", w.id)];
    let mut conflicts = Vec::new();
    if flavor == Flavor::Git {
        provides.push(v.id.clone());
        conflicts.push(v.id.clone());
    }
    let missing = |what: &str| Error::MissingUpstream {
        message: format!(
            "worker `{}` has no {what}, which the {} flavour needs",
            w.id,
            flavor.name()
        ),
        help: "set [source].git (or `repository` in Cargo.toml) in the worker's manifests".into(),
    };
    let (mut source, mut sha256sums, build_dir, git_dir) = match archive {
        Archive::Release { sha256 } => {
            let url = w
                .upstream
                .tarball
                .clone()
                .ok_or_else(|| Error::MissingUpstream {
                    message: format!("worker `{}` has no release tarball URL", w.id),
                    help: "set [source].tarball in worker.toml (GitHub repositories get a default)"
                        .into(),
                })?;
            let top = release_top_dir(w).ok_or_else(|| missing("repository URL"))?;
            let source = format!("{pkgname}-{pkgver}.tar.gz::{url}");
            (
                vec![source],
                vec![sha256.clone()],
                join(&top, &w.upstream.subdir),
                None,
            )
        }
        Archive::Git => {
            let url = w
                .upstream
                .git
                .clone()
                .ok_or_else(|| missing("git repository URL"))?;
            let dir = repo_name(&url).ok_or_else(|| missing("usable git repository URL"))?;
            let vcs = if url.starts_with("git+") || url.starts_with("git://") {
                url.clone()
            } else {
                format!("git+{url}")
            };
            let source = format!("{dir}::{vcs}#branch={}", w.upstream.branch);
            (
                vec![source],
                vec!["SKIP".to_string()],
                join(&dir, &w.upstream.subdir),
                Some(dir),
            )
        }
        Archive::Local {
            file_name,
            top_dir,
            subdir,
            sha256,
        } => (
            vec![file_name.clone()],
            vec![sha256.clone()],
            join(top_dir, subdir),
            None,
        ),
    };
    // A GitHub archive and makepkg's clone lack submodules: each one the build needs is a
    // source of its own, pinned by commit (so SKIP is safe), and put in place by prepare().
    let submodules = match flavor {
        Flavor::Local => Vec::new(),
        _ => w.tree.submodules.clone(),
    };
    for s in &submodules {
        let url = s.url.strip_prefix("git+").unwrap_or(&s.url);
        source.push(format!("{}::git+{url}#commit={}", s.source, s.commit));
        sha256sums.push("SKIP".into());
    }
    let locked = locked(w, flavor).is_ok();
    let (tag_glob, tag_prefix) = tag_pattern(w);
    Ok(Pkgbuild {
        flavor,
        pkgname,
        pkgver,
        pkgrel: 1,
        pkgdesc: w.description.clone(),
        url: w.homepage.clone(),
        arch,
        license: vec![w
            .license
            .clone()
            .unwrap_or_else(|| "LicenseRef-unknown".into())],
        depends: depends(v),
        makedepends,
        provides,
        conflicts,
        source,
        sha256sums,
        build_dir,
        git_dir,
        package: w.krate.package.clone(),
        feature: v.feature.clone(),
        binary: v.binary.clone(),
        installed_name: v.installed_name.clone(),
        locked,
        tag_glob,
        tag_prefix,
        test_args: w.test.cargo_args.clone(),
        submodules,
        top_dir: (flavor == Flavor::Release)
            .then(|| release_top_dir(w))
            .flatten(),
        cuda: crate::kinds::GpuBackend::of_feature(&v.feature)
            == Some(crate::kinds::GpuBackend::Cuda),
        license_files: license_files(&w.dir),
    })
}

pub const LOCK_HELP: &str =
    "commit Cargo.lock (`git add -f Cargo.lock` when it is .gitignored) so packaged builds are reproducible";

/// Whether the build of `flavor` will see a Cargo.lock (DESIGN section 3: decided by what
/// the build sees, never by the working tree), and why not when it won't.
pub fn locked(w: &Worker, flavor: Flavor) -> Result<(), String> {
    // An index source's worker has no tree here: its lock is the index's word.
    let index = w.source.kind == crate::catalog::SourceKind::Index;
    if w.krate.lockfile.is_none() && !index {
        return Err(format!(
            "there is no Cargo.lock in {}",
            w.krate.build_root().display()
        ));
    }
    match flavor {
        Flavor::Local => Ok(()),
        _ if w.tree.release_locked => Ok(()),
        _ => Err(w
            .tree
            .unlocked_why
            .clone()
            .unwrap_or_else(|| "git tracks no Cargo.lock in the source".into())),
    }
}

/// The release tag as a `git describe --match` glob: `v0.3.1` (from `v{version}`) gives
/// `v[0-9]*` and the prefix `v`. A tag that does not end with the version gives no glob.
fn tag_pattern(w: &Worker) -> (Option<String>, String) {
    let version = w.version.to_string();
    match w.upstream.tag.strip_suffix(&version) {
        Some(prefix) => (Some(format!("{prefix}[0-9]*")), prefix.to_string()),
        None => (None, String::new()),
    }
}

fn license_files(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        // Only plain names: these are written into package().
        .filter(|n| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
        .filter(|n| {
            let u = n.to_ascii_uppercase();
            u.starts_with("LICENSE") || u.starts_with("LICENCE") || u.starts_with("COPYING")
        })
        .collect();
    out.sort();
    out
}

/// makepkg collapses whitespace runs to one space and trims, when it writes .SRCINFO.
fn srcinfo_value(s: &str) -> String {
    s.split([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `.SRCINFO` exactly as `makepkg --printsrcinfo` writes it for the rendered PKGBUILD.
pub fn srcinfo(p: &Pkgbuild) -> String {
    let mut out = format!("pkgbase = {}\n", p.pkgname);
    let mut one = |key: &str, value: &str| {
        out.push_str(&format!("\t{key} = {}\n", srcinfo_value(value)));
    };
    one("pkgdesc", &p.pkgdesc);
    one("pkgver", &p.pkgver);
    one("pkgrel", &p.pkgrel.to_string());
    if let Some(url) = &p.url {
        one("url", url);
    }
    for (key, values) in [
        ("arch", &p.arch),
        ("license", &p.license),
        ("makedepends", &p.makedepends),
        ("depends", &p.depends),
        ("provides", &p.provides),
        ("conflicts", &p.conflicts),
        ("source", &p.source),
        ("sha256sums", &p.sha256sums),
    ] {
        for v in values {
            one(key, v);
        }
    }
    out.push_str(&format!("\npkgname = {}\n", p.pkgname));
    out
}

/// The requirement in pacman's `depends` syntax: `id`, or one `id OP VERSION` entry per bound
/// (`^1.2` is `id>=1.2.0` and `id<2.0.0`), versions written as the PKGBUILD's pkgver.
pub fn pacman_depends(id: &str, req: &semver::VersionReq) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in &req.comparators {
        for (op, v) in bounds(c) {
            if op == ">=" && v == semver::Version::new(0, 0, 0) {
                continue;
            }
            let entry = format!("{id}{op}{}", pkgver(&v));
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    if out.is_empty() {
        out.push(id.to_string());
    }
    out
}

/// A comparator as plain bounds on full versions.
fn bounds(c: &semver::Comparator) -> Vec<(&'static str, semver::Version)> {
    let (major, minor, patch) = (c.major, c.minor, c.patch);
    let full = |mi: u64, pa: u64| {
        let mut v = semver::Version::new(major, mi, pa);
        v.pre = c.pre.clone();
        v
    };
    let lo = full(minor.unwrap_or(0), patch.unwrap_or(0));
    // The first version past what the partial version names: `1.2` → 1.3.0, `1` → 2.0.0.
    let past = || match (minor, patch) {
        (Some(mi), Some(pa)) => semver::Version::new(major, mi, pa + 1),
        (Some(mi), None) => semver::Version::new(major, mi + 1, 0),
        _ => semver::Version::new(major + 1, 0, 0),
    };
    match c.op {
        semver::Op::Exact | semver::Op::Wildcard if minor.is_some() && patch.is_some() => {
            vec![("=", lo)]
        }
        semver::Op::Exact | semver::Op::Wildcard => vec![(">=", lo), ("<", past())],
        semver::Op::Greater if patch.is_some() => vec![(">", lo)],
        semver::Op::Greater => vec![(">=", past())],
        semver::Op::GreaterEq => vec![(">=", lo)],
        semver::Op::Less => vec![("<", lo)],
        semver::Op::LessEq if patch.is_some() => vec![("<=", lo)],
        semver::Op::LessEq => vec![("<", past())],
        semver::Op::Tilde => {
            let hi = match minor {
                Some(mi) => semver::Version::new(major, mi + 1, 0),
                None => semver::Version::new(major + 1, 0, 0),
            };
            vec![(">=", lo), ("<", hi)]
        }
        // Caret: the left-most non-zero part may not change.
        _ => {
            let hi = match (major, minor, patch) {
                (0, Some(0), Some(pa)) => semver::Version::new(0, 0, pa + 1),
                (0, Some(0), None) => semver::Version::new(0, 1, 0),
                (0, Some(mi), _) => semver::Version::new(0, mi + 1, 0),
                _ => semver::Version::new(major + 1, 0, 0),
            };
            vec![(">=", lo), ("<", hi)]
        }
    }
}

/// One package of a split PKGBUILD: what differs per variant.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub pkgname: String,
    pub feature: String,
    pub binary: String,
    pub installed_name: String,
    /// Set only when the variant's arches differ from the split package's.
    pub arch: Vec<String>,
    pub depends: Vec<String>,
    pub provides: Vec<String>,
    pub conflicts: Vec<String>,
}

/// A split PKGBUILD for every Linux variant of a worker, as Arch's own `ollama` is packaged
/// (DESIGN section 3): one source, one prepare(), a build() that builds each feature into
/// its own target directory, a `package_X()` per variant.
#[derive(Debug, Clone, Serialize)]
pub struct Split {
    pub pkgbase: String,
    pub pkgnames: Vec<String>,
    pub parts: Vec<Part>,
    #[serde(flatten)]
    pub base: Pkgbuild,
}

pub const SPLIT_TEMPLATE: &str = "arch-split.PKGBUILD.j2";

/// The split package of `w`'s Linux variants, from the single-variant models (so both
/// cannot drift); `archive` is the one source they share.
pub fn split_model(w: &Worker, archive: &Archive) -> Result<Split, Error> {
    let linux: Vec<&Variant> = w
        .variants
        .iter()
        .filter(|v| !linux_arches(v).is_empty())
        .collect();
    if linux.is_empty() {
        return Err(Error::NoArtifact {
            message: format!(
                "worker `{}` has no variant with a Linux platform, so it has no PKGBUILD",
                w.id
            ),
            help: format!(
                "it may run on macOS: `rbee-workers formula {}-FEATURE`",
                w.id
            ),
        });
    }
    let models = linux
        .iter()
        .map(|v| model(w, v, archive))
        .collect::<Result<Vec<_>, _>>()?;
    let mut base = models[0].clone();
    let mut arch: Vec<String> = Vec::new();
    let mut makedepends: Vec<String> = Vec::new();
    for m in &models {
        for a in &m.arch {
            if !arch.contains(a) {
                arch.push(a.clone());
            }
        }
        for d in &m.makedepends {
            if !makedepends.contains(d) {
                makedepends.push(d.clone());
            }
        }
    }
    // A fixed order, whatever order the variants came in.
    arch.sort_by_key(|a| (a != "x86_64", a.clone()));
    let parts = models
        .iter()
        .map(|m| Part {
            pkgname: m.pkgname.clone(),
            feature: m.feature.clone(),
            binary: m.binary.clone(),
            installed_name: m.installed_name.clone(),
            arch: if m.arch.len() == arch.len() {
                Vec::new()
            } else {
                m.arch.clone()
            },
            depends: m.depends.clone(),
            provides: m.provides.clone(),
            conflicts: m.conflicts.clone(),
        })
        .collect::<Vec<_>>();
    let pkgbase = match base.flavor {
        Flavor::Git => format!("{}-git", w.id),
        _ => w.id.clone(),
    };
    base.pkgname = pkgbase.clone();
    base.arch = arch;
    base.makedepends = makedepends;
    base.depends = Vec::new();
    base.provides = Vec::new();
    base.conflicts = Vec::new();
    // One environment for every variant's build: /opt/cuda/bin on PATH when one needs it.
    base.cuda = models.iter().any(|m| m.cuda);
    if let Some(s) = base.source.first_mut() {
        // The release tarball's local name is the package base's, not one variant's.
        if let Some((_, url)) = s
            .split_once("::")
            .filter(|_| base.flavor == Flavor::Release)
        {
            *s = format!("{pkgbase}-{}.tar.gz::{url}", base.pkgver);
        }
    }
    Ok(Split {
        pkgbase,
        pkgnames: parts.iter().map(|p| p.pkgname.clone()).collect(),
        parts,
        base,
    })
}

/// `.SRCINFO` of a split PKGBUILD as `makepkg --printsrcinfo` writes it: the global section,
/// then each package with what its `package_X()` sets.
pub fn split_srcinfo(s: &Split) -> String {
    let p = &s.base;
    let mut out = format!("pkgbase = {}\n", s.pkgbase);
    let one = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("\t{key} = {}\n", srcinfo_value(value)));
    };
    one(&mut out, "pkgdesc", &p.pkgdesc);
    one(&mut out, "pkgver", &p.pkgver);
    one(&mut out, "pkgrel", &p.pkgrel.to_string());
    if let Some(url) = &p.url {
        one(&mut out, "url", url);
    }
    for (key, values) in [
        ("arch", &p.arch),
        ("license", &p.license),
        ("makedepends", &p.makedepends),
        ("source", &p.source),
        ("sha256sums", &p.sha256sums),
    ] {
        for v in values {
            one(&mut out, key, v);
        }
    }
    for part in &s.parts {
        out.push_str(&format!("\npkgname = {}\n", part.pkgname));
        for (key, values) in [
            ("arch", &part.arch),
            ("depends", &part.depends),
            ("provides", &part.provides),
            ("conflicts", &part.conflicts),
        ] {
            for v in values {
                one(&mut out, key, v);
            }
        }
    }
    out
}
