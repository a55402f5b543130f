//! Build plans as data: each backend is a pure function from (worker, variant, settings) to
//! the steps it will take and the exact commands, in order. `install` executes plans;
//! `--dry-run` prints them.

use crate::catalog::{Variant, Worker};
use crate::command::CommandSpec;
use crate::config::Tools;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use crate::kinds::{Backend, BuildFlavor};

/// What `--backend auto` looks at (DESIGN section 4), gathered by the caller so the choice
/// itself is pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoFacts {
    pub linux: bool,
    pub macos: bool,
    pub root: bool,
    /// `pacman -Q pacman` succeeded: pacman reads a local database that knows pacman itself,
    /// i.e. this is an Arch system, not merely a host with a `pacman` binary (Debian's
    /// `pacman-package-manager` has an empty database).
    pub pacman_db: bool,
    pub makepkg: bool,
    pub brew: bool,
}

/// `--backend auto`: makepkg on an Arch host for a user who is not root, brew on macOS with
/// brew, else cargo; with the reason, for the plan and `detect`.
pub fn auto_backend(f: &AutoFacts) -> (Backend, String) {
    if f.linux && f.pacman_db && f.makepkg && !f.root {
        return (
            Backend::Makepkg,
            "auto: an Arch host (pacman reads its local database) with makepkg".into(),
        );
    }
    if f.macos && f.brew {
        return (Backend::Brew, "auto: macOS with Homebrew".into());
    }
    let why = if f.linux && f.pacman_db && f.makepkg && f.root {
        "auto: an Arch host, but makepkg does not run as root"
    } else if f.linux && f.pacman_db {
        "auto: an Arch host without makepkg"
    } else if f.linux && !f.pacman_db {
        "auto: not an Arch host (no pacman that reads a local package database)"
    } else if f.macos {
        "auto: macOS without Homebrew"
    } else {
        "auto: neither Arch nor macOS with Homebrew"
    };
    (Backend::Cargo, why.into())
}

/// The backend a plan uses, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendChoice {
    pub name: Backend,
    pub reason: String,
}

/// One pre-flight check (DESIGN section 4): what was checked, whether it holds, and what to
/// do when it does not. A failed blocking check stops the plan before anything runs; a
/// failed non-blocking one is a warning (a GPU variant built where no such GPU is seen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub message: String,
    pub blocking: bool,
}

/// A generated file a plan writes, with its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub sha256: String,
    pub contents: String,
}

impl PlannedFile {
    pub fn new(path: PathBuf, contents: String) -> PlannedFile {
        PlannedFile {
            sha256: crate::checksum::sha256_bytes(contents.as_bytes()),
            path,
            contents,
        }
    }
}

/// The local flavour's source tarball: packed from `root` under `top_dir/` at run time, and
/// expected to hash to `sha256` (what the PKGBUILD that was shown says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedTarball {
    pub path: PathBuf,
    pub root: PathBuf,
    pub top_dir: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// Run a command; the build steps.
    Run {
        description: String,
        command: CommandSpec,
        /// Whether the command runs inside the build sandbox (bubblewrap).
        sandboxed: bool,
    },
    /// Write generated files (PKGBUILD and .SRCINFO, or a formula) and, for the local
    /// flavour, pack the source tarball. The plan carries the exact bytes (`files`, filled in
    /// before the plan is returned, so a review shows what is then written) and the tarball's
    /// sha256, which the packing at run time must reproduce.
    Write {
        path: PathBuf,
        what: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<PlannedFile>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tarball: Option<PlannedTarball>,
    },
    /// Stage `from` beside `to`, smoke-test it (`--version`, else `--help`), then rename it
    /// into place and record it in the installed database.
    Install { from: PathBuf, to: PathBuf },
    /// Record files a package manager installed.
    Record { files: Vec<PathBuf> },
    /// Download the release tarball (cached by URL) and check its sha256 when one is known.
    Fetch { url: String, sha256: Option<String> },
    /// Unpack the fetched tarball into a fresh directory, refusing anything unsafe.
    Unpack { url: String, dest: PathBuf },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::Run {
                description,
                command,
                sandboxed,
            } => format!(
                "{description}{}: {}",
                if *sandboxed { " (sandboxed)" } else { "" },
                command.display()
            ),
            Step::Write {
                path,
                what,
                tarball,
                ..
            } => match tarball {
                Some(t) => format!(
                    "write {what} to {} (tarball sha256 {})",
                    path.display(),
                    t.sha256
                ),
                None => format!("write {what} to {}", path.display()),
            },
            Step::Install { from, to } => format!(
                "install {} as {} (after a smoke test)",
                from.display(),
                to.display()
            ),
            Step::Fetch { url, sha256 } => match sha256 {
                Some(sum) => format!("download {url} and check sha256 {sum}"),
                None => format!(
                    "download {url} (no published sha256: it is shown before anything unpacks)"
                ),
            },
            Step::Unpack { dest, .. } => format!(
                "unpack it into {} (refusing links or paths that lead out)",
                dest.display()
            ),
            Step::Record { files } => {
                format!(
                    "record {}",
                    files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}

/// One variant's build (and install) plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: String,
    pub worker: String,
    pub feature: String,
    pub version: String,
    /// Which backend and why (`--backend`, or what `auto` saw).
    pub backend: BackendChoice,
    pub flavor: BuildFlavor,
    /// The catalog source the worker comes from.
    pub source: String,
    /// Where exactly, as the installed database records it.
    pub origin: crate::catalog::Origin,
    /// The commit built, for installs from a git source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Why this variant, when the user named the worker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What must hold before anything builds (toolkits, system packages, the prefix);
    /// filled in by the command that makes the plan.
    pub preflight: Vec<Check>,
    /// `--overwrite`: an install step may replace a file no install owns.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overwrite: bool,
    /// `dependency` when it is built only because other variants of the graph need it
    /// (`required_by`), `explicit` when the user named it; the installed database records
    /// it (DESIGN section 8). None (an upgrade): as it was installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_reason: Option<crate::kinds::Reason>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_by: Vec<String>,
    /// Its worker dependencies as written, recorded with the install so `remove` and
    /// `upgrade` know what it needs even when its origin is gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    pub steps: Vec<Step>,
}

/// Settings every plan needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub tools: Tools,
    pub cache: PathBuf,
    pub prefix: PathBuf,
    /// Install after building (else build only).
    pub install: bool,
}

/// One `CARGO_TARGET_DIR` per worker, shared by its variants, so a second variant reuses the
/// compiled dependencies.
pub fn target_dir(cache: &Path, worker: &str) -> PathBuf {
    cache.join("target").join(worker)
}

pub fn build_dir(cache: &Path, variant: &str) -> PathBuf {
    cache.join("build").join(variant)
}

/// Builds of the user's own tree are not `--locked`: a version bump makes cargo update the
/// lock file, exactly as `cargo build` would for them. Release tarballs are built locked.
pub fn cargo_build_command(w: &Worker, v: &Variant, s: &Settings) -> CommandSpec {
    cargo_build_in(w, v, s, &w.krate.manifest_path, w.krate.build_root(), false)
}

/// `cargo build` of `v` with the manifest at `manifest`, run in `dir`.
fn cargo_build_in(
    w: &Worker,
    v: &Variant,
    s: &Settings,
    manifest: &Path,
    dir: &Path,
    locked: bool,
) -> CommandSpec {
    let mut cmd = CommandSpec::new(&s.tools.cargo).arg("build");
    if locked && w.krate.lockfile.is_some() {
        cmd = cmd.arg("--locked");
    }
    cmd.args([
        "--release",
        "--no-default-features",
        "--features",
        &v.feature,
        "-p",
        &w.krate.package,
        "--bin",
        &v.binary,
    ])
    .arg("--manifest-path")
    .arg(manifest.to_string_lossy())
    .cwd(dir)
    .env(
        "CARGO_TARGET_DIR",
        target_dir(&s.cache, &w.id).to_string_lossy(),
    )
}

/// cargo backend: build in the source checkout, install `PREFIX/bin/<installed name>`.
pub fn cargo_plan(w: &Worker, v: &Variant, s: &Settings) -> Plan {
    let built = target_dir(&s.cache, &w.id).join("release").join(&v.binary);
    let mut steps = vec![Step::Run {
        description: format!("build {}", v.id),
        command: cargo_build_command(w, v, s),
        sandboxed: false,
    }];
    if s.install {
        steps.push(Step::Install {
            from: built,
            to: s.prefix.join("bin").join(&v.installed_name),
        });
    }
    let flavor = match w.source.kind {
        crate::catalog::SourceKind::Git => BuildFlavor::Git,
        _ => BuildFlavor::Local,
    };
    plan(w, v, Backend::Cargo, flavor, steps)
}

/// Where a worker's release tarball is unpacked.
pub fn unpack_dir(cache: &Path, w: &Worker) -> PathBuf {
    cache.join("src").join(format!("{}-{}", w.id, w.version))
}

/// cargo backend, release flavour: download the tagged tarball, verify it, unpack it safely
/// and build from there — how workers from an `index` source are built.
pub fn cargo_release_plan(w: &Worker, v: &Variant, s: &Settings, url: &str, top_dir: &str) -> Plan {
    let dest = unpack_dir(&s.cache, w);
    let crate_dir = dest.join(top_dir).join(&w.upstream.subdir);
    let built = target_dir(&s.cache, &w.id).join("release").join(&v.binary);
    let mut steps = vec![
        Step::Fetch {
            url: url.to_string(),
            sha256: w.upstream.sha256.clone(),
        },
        Step::Unpack {
            url: url.to_string(),
            dest: dest.clone(),
        },
        Step::Run {
            description: format!("build {}", v.id),
            command: cargo_build_in(w, v, s, &crate_dir.join("Cargo.toml"), &crate_dir, true),
            sandboxed: false,
        },
    ];
    if s.install {
        steps.push(Step::Install {
            from: built,
            to: s.prefix.join("bin").join(&v.installed_name),
        });
    }
    plan(w, v, Backend::Cargo, BuildFlavor::Release, steps)
}

/// Where a bottle is unpacked before its binary is staged.
pub fn bottle_dir(cache: &Path, v: &Variant, version: &str, target: &str) -> PathBuf {
    cache
        .join("bottles")
        .join(format!("{}-{version}.{target}", v.id))
}

/// A bottle (DESIGN section 12): download it, check the sha256 the (signed) index gives,
/// unpack it safely, and install its binary after a smoke test — nothing is compiled.
pub fn bottle_plan(
    w: &Worker,
    v: &Variant,
    s: &Settings,
    url: &str,
    sha256: &str,
    target: &str,
) -> Plan {
    let version = w.version.to_string();
    let dest = bottle_dir(&s.cache, v, &version, target);
    let from = dest
        .join(crate::bottle::top_dir(&v.id, &version))
        .join("bin")
        .join(&v.installed_name);
    let steps = vec![
        Step::Fetch {
            url: url.to_string(),
            sha256: Some(sha256.to_string()),
        },
        Step::Unpack {
            url: url.to_string(),
            dest,
        },
        Step::Install {
            from,
            to: s.prefix.join("bin").join(&v.installed_name),
        },
    ];
    plan(w, v, Backend::Bottle, BuildFlavor::Release, steps)
}

/// makepkg backend: the local-flavour PKGBUILD, .SRCINFO and source tarball in a build dir,
/// then makepkg — with `--install`, which hands the package to pacman the way makepkg does.
///
/// `release` builds the tagged tarball (makepkg downloads and verifies it), as for workers
/// from an index source; otherwise the local tree is packed. Without pacman (Debian, say) a
/// build runs with `--nodeps` and `PACMAN=true`, so makepkg does not ask pacman about
/// dependencies; an install needs pacman and is refused before the plan is made.
pub fn makepkg_plan(
    w: &Worker,
    v: &Variant,
    s: &Settings,
    release: bool,
    have_pacman: bool,
) -> Plan {
    let dir = build_dir(&s.cache, &v.id);
    let mut cmd = CommandSpec::new(&s.tools.makepkg)
        .args(["--force", "--cleanbuild"])
        .cwd(&dir)
        .env("PKGDEST", dir.to_string_lossy());
    if have_pacman {
        cmd = cmd.env("PACMAN", &s.tools.pacman);
    } else {
        cmd = cmd.arg("--nodeps").env("PACMAN", "true");
    }
    if s.install {
        // rbee-workers has already asked (review, --noconfirm); makepkg's child has no
        // terminal to ask pacman's questions on.
        cmd = cmd.args(["--syncdeps", "--install", "--noconfirm"]);
    }
    let what = if release {
        "PKGBUILD and .SRCINFO (makepkg downloads and verifies the release tarball)"
    } else {
        "PKGBUILD, .SRCINFO and the source tarball"
    };
    let mut steps = vec![
        Step::Write {
            path: dir.clone(),
            what: what.into(),
            files: Vec::new(),
            tarball: None,
        },
        Step::Run {
            description: format!("makepkg {}", v.id),
            command: cmd,
            sandboxed: false,
        },
    ];
    if s.install {
        steps.push(Step::Record {
            files: vec![PathBuf::from("/usr/bin").join(&v.installed_name)],
        });
    }
    plan(
        w,
        v,
        Backend::Makepkg,
        if release {
            BuildFlavor::Release
        } else {
            BuildFlavor::Local
        },
        steps,
    )
}

/// brew backend: the formula in a local tap, then `brew install --build-from-source`.
pub fn brew_plan(
    w: &Worker,
    v: &Variant,
    s: &Settings,
    tap_dir: &Path,
    brew_prefix: &Path,
    head: bool,
) -> Plan {
    let path = tap_dir.join("Formula").join(format!("{}.rb", v.id));
    let mut cmd = CommandSpec::new(&s.tools.brew).args(["install", "--build-from-source"]);
    if head {
        cmd = cmd.arg("--HEAD");
    }
    cmd = cmd.arg(format!("{TAP}/{}", v.id));
    let mut steps = Vec::new();
    if !tap_dir.exists() {
        steps.push(Step::Run {
            description: format!("create the local tap {TAP}"),
            command: CommandSpec::new(&s.tools.brew).args(["tap-new", "--no-git", TAP]),
            sandboxed: false,
        });
    }
    steps.push(Step::Write {
        path: path.clone(),
        what: "formula".into(),
        files: Vec::new(),
        tarball: None,
    });
    steps.push(Step::Run {
        description: format!("brew {}", v.id),
        command: cmd,
        sandboxed: false,
    });
    if s.install {
        steps.push(Step::Record {
            files: vec![brew_prefix.join("bin").join(&v.installed_name)],
        });
    }
    plan(
        w,
        v,
        Backend::Brew,
        if head {
            BuildFlavor::Head
        } else {
            BuildFlavor::Release
        },
        steps,
    )
}

/// The local tap formulas are written into.
pub const TAP: &str = "rbee/local";

fn plan(w: &Worker, v: &Variant, backend: Backend, flavor: BuildFlavor, steps: Vec<Step>) -> Plan {
    Plan {
        id: v.id.clone(),
        worker: w.id.clone(),
        feature: v.feature.clone(),
        version: w.version.to_string(),
        backend: BackendChoice {
            name: backend,
            reason: String::new(),
        },
        flavor,
        source: w.source.name.clone(),
        origin: w.origin(),
        git_commit: None,
        reason: None,
        preflight: Vec::new(),
        overwrite: false,
        install_reason: None,
        required_by: Vec::new(),
        requires: v.depends.workers.clone(),
        steps,
    }
}
