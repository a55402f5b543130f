//! install, build, upgrade, remove, verify: pick the variant, make its plan, review it when
//! the worker is unverified, execute it through the runner, and record the result in the
//! installed database. A failure at any step installs nothing and loses nothing.

use crate::build::{self, Backend, BuildFlavor, Plan, PlannedFile, PlannedTarball, Settings, Step};
use crate::catalog::{Catalog, Target, Variant, Worker};
use crate::checksum::{sha256_file, HashingWriter};
use crate::context::Context;
use crate::db::{self, FileRecord, Op, Record};
use crate::detect::{self, Detection};
use crate::error::{Error, Result};
use crate::exec::{CommandSpec, Runner};
use crate::manifest::TestSpec;
use crate::preflight::{gpu_check, preflight, preflight_error};
use crate::render::{arch, brew};
use crate::report::Answer;
use crate::{atomic, pack, package, report};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options shared by build, install and upgrade.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// None: auto.
    pub backend: Option<Backend>,
    pub prefix: Option<PathBuf>,
    pub dry_run: bool,
    /// `brew` only: build the branch head.
    pub head: bool,
    /// `build` only: copy the built binary (or package) here.
    pub out: Option<PathBuf>,
    /// Build the release tarball rather than the source tree.
    pub release: bool,
    /// `install` only: skip what is installed at the same version (pacman's `--needed`).
    pub needed: bool,
    /// Skip the system-package pre-flight check (makepkg's `--nodeps`).
    pub nodeps: bool,
    /// Replace a file at the destination that no install owns (pacman's `--overwrite`).
    pub overwrite: bool,
    /// Build unsandboxed even what would be sandboxed (`--no-sandbox`).
    pub no_sandbox: bool,
    /// Sandbox the cargo steps whether the worker is verified or not (`test`).
    pub sandbox: bool,
    /// `install`/`upgrade`: build even when the index source publishes a bottle.
    pub build_from_source: bool,
    /// `build --bottle`: pack the binary into a bottle in `out`.
    pub bottle: bool,
}

pub use super::Session;

/// What every plan of this command needs.
pub(super) fn settings(s: &Session, opts: &Options, install: bool) -> Result<Settings> {
    let prefix = match &opts.prefix {
        Some(p) => p.clone(),
        None => directories::BaseDirs::new()
            .map(|b| b.home_dir().join(".local"))
            .ok_or_else(|| {
                Error::Usage(
                    "cannot find the home directory for the default prefix; pass --prefix DIR"
                        .into(),
                )
            })?,
    };
    Ok(Settings {
        tools: s.cx.config.tools.clone(),
        cache: s.cx.dirs.cache.clone(),
        prefix,
        install,
    })
}

/// What a user's id picks: a variant that runs here, and why when they named the worker.
pub fn pick<'c>(
    catalog: &'c Catalog,
    id: &str,
    d: &Detection,
) -> Result<(&'c Worker, &'c Variant, Option<String>)> {
    let (os, arch) = d.host().ok_or_else(|| {
        Error::unsupported(format!("unsupported platform {}/{}", d.os, d.arch), None)
    })?;
    match catalog.lookup(id) {
        Some(Target::Variant(w, v)) => {
            if !v.supports(os, arch) {
                return Err(Error::Unsupported {
                    message: format!("{} does not run on {os}/{arch}", v.id),
                    help: Some(format!(
                        "it runs on {}; `rbee-workers info {}` shows the variants",
                        report::platforms_text(&v.platforms),
                        w.id
                    )),
                });
            }
            Ok((w, v, None))
        }
        Some(Target::Worker(w)) => match detect::recommend(w, d) {
            Some((v, why)) => Ok((w, v, Some(why))),
            None => Err(Error::unsupported(
                format!("no variant of {} runs on {os}/{arch}", w.id),
                Some(format!(
                    "`rbee-workers info {}` shows where each variant runs",
                    w.id
                )),
            )),
        },
        None => Err(super::not_found(catalog, id)),
    }
}

pub(crate) fn choose_backend(s: &mut Session, opts: &Options) -> Result<(Backend, String)> {
    if let Some(b) = opts.backend {
        return Ok((b, format!("--backend {}", b.name())));
    }
    // The configured tool paths decide, as they do when the tools run.
    let tools = s.cx.config.tools.clone();
    let host = s.cx.host()?;
    let linux = host.os == "linux";
    let pacman_db = linux && s.arch_host();
    let facts = build::AutoFacts {
        linux,
        macos: host.os == "macos",
        root: s.cx.as_root,
        pacman_db,
        makepkg: crate::exec::tool_exists(&tools.makepkg),
        brew: crate::exec::tool_exists(&tools.brew),
    };
    Ok(build::auto_backend(&facts))
}

fn tap_paths(s: &mut Session, dry_run: bool) -> Result<(PathBuf, PathBuf)> {
    if dry_run {
        return Ok((
            PathBuf::from("$(brew --repository)/Library/Taps/rbee/homebrew-local"),
            PathBuf::from("$(brew --prefix)"),
        ));
    }
    let brew = s.cx.config.tools.brew.clone();
    let repo = s
        .runner
        .capture(&CommandSpec::new(&brew).arg("--repository"))?;
    let prefix = s.runner.capture(&CommandSpec::new(&brew).arg("--prefix"))?;
    Ok((
        Path::new(repo.trim()).join("Library/Taps/rbee/homebrew-local"),
        PathBuf::from(prefix.trim()),
    ))
}

/// The commit a git source's clone is at, for the installed database.
fn clone_commit(s: &mut Session, w: &Worker) -> Option<String> {
    if w.source.kind != crate::catalog::SourceKind::Git {
        return None;
    }
    let spec = crate::sources::git(&s.cx.config.tools.git)
        .arg("-C")
        .arg(w.source.root.to_string_lossy())
        .args(["rev-parse", "HEAD"]);
    s.runner
        .capture(&spec)
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

pub fn make_plan(
    s: &mut Session,
    w: &Worker,
    v: &Variant,
    opts: &Options,
    install: bool,
) -> Result<Plan> {
    let settings = settings(s, opts, install)?;
    // A bottle for this host's target is poured rather than built (DESIGN section 12).
    let why_built = match super::pour::choose(s, w, v, opts, install)? {
        super::pour::Choice::Pour(mut plan) => {
            plan.overwrite = opts.overwrite;
            plan.preflight = preflight(s, v, &plan, &settings, opts.nodeps, opts.overwrite);
            return Ok(*plan);
        }
        super::pour::Choice::Build(why) => why,
    };
    // An upgrade of a poured install with no bottle now builds it with cargo.
    let rebuilt;
    let opts = if opts.backend == Some(Backend::Bottle) {
        rebuilt = Options {
            backend: Some(Backend::Cargo),
            ..opts.clone()
        };
        &rebuilt
    } else {
        opts
    };
    let (backend, backend_reason) = choose_backend(s, opts)?;
    let backend_reason = match why_built {
        Some(why) => format!("{backend_reason}; {why}"),
        None => backend_reason,
    };
    if opts.prefix.is_some() && backend != Backend::Cargo {
        return Err(Error::Usage(format!(
            "--prefix is for the cargo backend; {} installs where the package manager puts packages ({})",
            backend.name(),
            if backend == Backend::Makepkg { "/usr/bin" } else { "$(brew --prefix)/bin" }
        )));
    }
    let git_commit = if opts.release {
        None
    } else {
        clone_commit(s, w)
    };
    let mut plan = match backend {
        Backend::Cargo if opts.release || w.source.kind == crate::catalog::SourceKind::Index => {
            let url = w
                .upstream
                .tarball
                .clone()
                .ok_or_else(|| Error::MissingUpstream {
                    message: format!("worker `{}` has no release tarball to build from", w.id),
                    help: "its manifest needs [source].tarball or a GitHub repository".into(),
                })?;
            let top = arch::release_top_dir(w).ok_or_else(|| Error::MissingUpstream {
                message: format!("worker `{}` has no repository URL", w.id),
                help: "set [source].git in worker.toml or `repository` in Cargo.toml".into(),
            })?;
            build::cargo_release_plan(w, v, &settings, &url, &top)
        }
        Backend::Cargo => build::cargo_plan(w, v, &settings),
        Backend::Makepkg => {
            arch::require_linux(v)?;
            if s.cx.as_root {
                return Err(Error::Unsupported {
                    message: "the makepkg backend does not run as root: makepkg refuses to, because a PKGBUILD's build() must not run with root's rights".into(),
                    help: Some("run rbee-workers as an ordinary user (pacman is called through sudo), or use --backend cargo".into()),
                });
            }
            let have_pacman = s.arch_host();
            if install && !have_pacman {
                return Err(Error::Unsupported {
                    message: format!("installing with makepkg needs pacman, and `{}` is not here or reads no local package database (this is not an Arch host)", settings.tools.pacman),
                    help: Some("use `build --backend makepkg` to make the package, or `install --backend cargo`; [tools] pacman in config.toml names another pacman".into()),
                });
            }
            if !have_pacman && !s.cx.json {
                s.say("note: pacman is not here: makepkg builds with --nodeps (dependencies are not checked)");
            }
            let release = opts.release || w.source.kind == crate::catalog::SourceKind::Index;
            build::makepkg_plan(w, v, &settings, release, have_pacman)
        }
        Backend::Brew => {
            brew::require_macos(v)?;
            if !install {
                return Err(Error::Usage("Homebrew has no build-only mode; use `install --backend brew`, or `formula` to get the formula".into()));
            }
            let (tap, prefix) = tap_paths(s, opts.dry_run)?;
            build::brew_plan(w, v, &settings, &tap, &prefix, opts.head)
        }
        Backend::Bottle => unreachable!("a bottle is poured, never built"),
    };
    plan.git_commit = git_commit;
    plan.backend.reason = backend_reason;
    plan.overwrite = opts.overwrite;
    plan.preflight = preflight(s, v, &plan, &settings, opts.nodeps, opts.overwrite);
    // A toolkit found outside PATH goes on the PATH of the build that needs it.
    if plan.backend.name == Backend::Cargo {
        if let Some(dir) = crate::preflight::toolkit_dir(&s.cx.path, v) {
            let mut dirs = vec![dir];
            dirs.extend(s.cx.path.iter().cloned());
            let joined = std::env::join_paths(dirs)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            for step in &mut plan.steps {
                if let Step::Run { command, .. } = step {
                    if command.program == settings.tools.cargo {
                        command.env.insert("PATH".into(), joined.clone());
                    }
                }
            }
        }
    }
    if plan.backend.name == Backend::Cargo && (opts.sandbox || !w.verified()) && !opts.no_sandbox {
        sandbox_plan(s, &mut plan, &settings, opts.dry_run);
    }
    fill_writes(s, w, v, &mut plan, opts.dry_run)?;
    Ok(plan)
}

/// Puts the cargo steps of an untrusted build in the sandbox, or says in the pre-flight why
/// it cannot: no bwrap is a warning (the plan shows the build is not sandboxed), a bwrap
/// that cannot start is an error (never a silent unsandboxed build).
fn sandbox_plan(s: &mut Session, plan: &mut Plan, settings: &build::Settings, dry_run: bool) {
    let bwrap = settings.tools.bwrap.clone();
    if !crate::exec::tool_exists(&bwrap) {
        plan.preflight.push(crate::build::Check {
            check: "sandbox".into(),
            ok: false,
            message: format!(
                "not sandboxed: `{bwrap}` (bubblewrap) is not here, so the build runs with your full rights; install bubblewrap, or pass --no-sandbox to accept that"
            ),
            blocking: false,
        });
        return;
    }
    if !dry_run {
        let probe = CommandSpec::new(&bwrap).args([
            "--ro-bind",
            "/",
            "/",
            "--unshare-net",
            "--die-with-parent",
            "true",
        ]);
        let started = s.runner.attempt(&probe, Duration::from_secs(20));
        if let Some(why) = match started {
            Ok(a) if a.success => None,
            Ok(a) => Some(a.output.trim().to_string()),
            Err(e) => Some(e.to_string()),
        } {
            plan.preflight.push(crate::build::Check {
                check: "sandbox".into(),
                ok: false,
                message: format!(
                    "the build sandbox cannot start ({bwrap}: {why}); pass --no-sandbox to build unsandboxed"
                ),
                blocking: true,
            });
            return;
        }
    }
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let mut toolchain = std::collections::BTreeMap::new();
    for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
        let dir = std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)));
        if let Some(d) = dir {
            toolchain.insert(var.to_string(), d);
        }
    }
    let sb = crate::sandbox::Sandbox {
        bwrap,
        home,
        toolchain,
    };
    crate::sandbox::apply(plan, &settings.tools.cargo, &sb);
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub version: String,
    pub backend: Backend,
    pub flavor: BuildFlavor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub files: Vec<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
}

fn worker_lock(cache: &Path, worker: &str) -> Result<std::fs::File> {
    atomic::lock_file(&cache.join("locks").join(format!("{worker}.lock")))
}

/// The destination of an install, checked again under the database lock before anything is
/// staged or journalled; a staged copy a killed install left beside it is swept (it is
/// nobody's now: this process holds the lock).
pub(super) fn claim_destination(s: &mut Session, plan: &Plan, to: &Path) -> Result<()> {
    if let Some(why) = crate::preflight::conflict(&s.db()?.db, &plan.id, to, plan.overwrite) {
        return Err(Error::Refused {
            message: format!("not installing {}: {why}", plan.id),
            help: "remove or move that file, or remove the install that owns it".into(),
        });
    }
    if let Some(dir) = to.parent() {
        db::sweep_staging(dir);
    }
    Ok(())
}

/// A staged copy of the built binary beside its destination, removed if dropped.
pub(super) fn stage(from: &Path, to: &Path) -> Result<(tempfile::TempPath, String)> {
    let dir = to.parent().expect("an install path has a parent");
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut src = std::fs::File::open(from).map_err(|e| Error::MissingOutput {
        message: format!("the build produced no {}: {e}", from.display()),
        help: "check the variant's binary name (`rbee-workers info ID`)".into(),
    })?;
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.rbee-"))
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file in", dir, e))?;
    let mut w = HashingWriter::new(tmp.as_file());
    std::io::copy(&mut src, &mut w).map_err(|e| Error::io("copy", from, e))?;
    let (_, sha) = w.finish();
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io("chmod", tmp.path(), e))?;
    }
    Ok((tmp.into_temp_path(), sha))
}

/// Runs the smoke test of a freshly built binary: the manifest's `[test] smoke` command
/// (`{bin}` standing for the binary, no shell; its output must contain `[test] expect`),
/// else `--version`, else `--help`. On failure the error shows what the binary printed.
pub(super) fn smoke(
    runner: &mut dyn Runner,
    test: &TestSpec,
    bin: &Path,
    shown_as: &Path,
) -> Result<()> {
    let timeout = Duration::from_secs(test.timeout.unwrap_or(30));
    let path = bin.to_string_lossy();
    let tries: Vec<Vec<String>> = match &test.smoke {
        Some(argv) => vec![argv.iter().map(|a| a.replace("{bin}", &path)).collect()],
        None => vec![
            vec![path.to_string(), "--version".into()],
            vec![path.to_string(), "--help".into()],
        ],
    };
    let mut output = String::new();
    for argv in &tries {
        let spec = CommandSpec::new(&argv[0]).args(&argv[1..]);
        let a = runner.attempt(&spec, timeout)?;
        let expected = test
            .expect
            .as_ref()
            .is_none_or(|e| a.output.contains(e.as_str()));
        if a.success && expected {
            return Ok(());
        }
        output = match (&test.expect, a.success) {
            (Some(e), true) => format!("{}\n(the output does not contain `{e}`)", a.output),
            _ => a.output,
        };
    }
    let shown = shown_as.to_string_lossy();
    let tried = tries
        .iter()
        .map(|argv| {
            argv.iter()
                .map(|a| a.replace(path.as_ref(), &shown))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" and ");
    Err(Error::SmokeFailed {
        binary: shown_as.to_path_buf(),
        tried,
        output,
    })
}

/// Renders what each write step of `plan` writes — the PKGBUILD and .SRCINFO, or the formula —
/// and the sha256 of the local tarball, so the plan carries the exact bytes: the review shows
/// them and `execute` writes them. A dry run downloads nothing: an unpinned release sum it
/// does not have cached is shown as pending.
fn fill_writes(s: &Session, w: &Worker, v: &Variant, plan: &mut Plan, dry_run: bool) -> Result<()> {
    let engine = package::engine(None, &s.cx.dirs);
    let release_sum = || -> Result<String> {
        let cached = w
            .upstream
            .tarball
            .as_deref()
            .is_some_and(|u| crate::fetch::cache_path(&s.cx.dirs.cache, u).is_file());
        if dry_run && w.upstream.sha256.is_none() && !cached {
            return Ok(PENDING_SUM.into());
        }
        package::release_sha256(s.cx, w)
    };
    for step in &mut plan.steps {
        let Step::Write {
            path,
            files,
            tarball,
            ..
        } = step
        else {
            continue;
        };
        match plan.backend.name {
            Backend::Makepkg => {
                let (flavor, archive) = if plan.flavor == BuildFlavor::Release {
                    let sha256 = release_sum()?;
                    (arch::Flavor::Release, arch::Archive::Release { sha256 })
                } else {
                    let (archive, dest) =
                        package::local_archive(w, v, path, package::Pack::HashOnly)?;
                    let arch::Archive::Local {
                        top_dir, sha256, ..
                    } = &archive
                    else {
                        unreachable!("a local archive")
                    };
                    *tarball = Some(PlannedTarball {
                        path: dest,
                        root: w.krate.build_root().to_path_buf(),
                        top_dir: top_dir.clone(),
                        sha256: sha256.clone(),
                    });
                    (arch::Flavor::Local, archive)
                };
                let model = arch::model(w, v, &archive)?;
                let text = engine.render(flavor.template(), &model)?;
                files.push(PlannedFile::new(path.join("PKGBUILD"), text));
                files.push(PlannedFile::new(
                    path.join(".SRCINFO"),
                    arch::srcinfo(&model),
                ));
            }
            Backend::Brew => {
                let flavor = if plan.flavor == BuildFlavor::Head {
                    brew::Flavor::Head
                } else {
                    brew::Flavor::Release
                };
                let sum = match flavor {
                    brew::Flavor::Release => Some(release_sum()?),
                    brew::Flavor::Head => None,
                };
                let model = brew::model(w, v, flavor, sum)?;
                files.push(PlannedFile::new(
                    path.clone(),
                    engine.render(flavor.template(), &model)?,
                ));
            }
            Backend::Cargo | Backend::Bottle => {}
        }
    }
    Ok(())
}

/// Stands in for a release checksum a dry run does not download.
const PENDING_SUM: &str = "(computed when the release tarball is downloaded)";

/// Runs a plan. Returns the files it installed (empty for a build).
pub fn execute(s: &mut Session, w: &Worker, plan: &Plan) -> Result<Vec<PathBuf>> {
    if plan.backend.name == Backend::Bottle {
        return super::pour::execute(s, w, plan);
    }
    // The counter numbers the commands that run (what the `==> [n/total]` lines show), so
    // the last one reads `[total/total]`; writes and records print no line of their own.
    let total = plan
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Run { .. }))
        .count();
    let mut ran = 0;
    let mut installed = Vec::new();
    // Variants of one worker share a target dir, and so `release/<binary>`: hold the worker's
    // lock from the build until the binary is staged, or a concurrent install of another
    // variant could swap it between cargo's build and our copy.
    let _worker_lock = match plan.backend.name {
        Backend::Cargo => Some(worker_lock(&s.cx.dirs.cache, &w.id)?),
        _ => None,
    };
    for step in &plan.steps {
        crate::exec::check_interrupted()?;
        match step {
            Step::Run {
                command, sandboxed, ..
            } => {
                ran += 1;
                let label = format!("[{ran}/{total}] {}", plan.id);
                if *sandboxed {
                    // The sandbox binds the target dir, which must exist to be bound.
                    if let Some(t) = command.env.get("CARGO_TARGET_DIR") {
                        std::fs::create_dir_all(t).map_err(|e| Error::io("create", t, e))?;
                    }
                }
                s.runner.run(command, &label).map_err(|e| {
                    if plan.backend.name == Backend::Makepkg {
                        pacman_hint(e)
                    } else {
                        e
                    }
                })?
            }
            Step::Write { files, tarball, .. } => {
                // Exactly the bytes the plan (and the review) carried.
                if let Some(t) = tarball {
                    let got = pack::pack(&t.root, &t.top_dir, &t.path)?;
                    if got != t.sha256 {
                        let _ = std::fs::remove_file(&t.path);
                        return Err(Error::Refused {
                            message: format!(
                                "the source tree {} changed after {} was planned: its tarball now hashes to {got}, the PKGBUILD says {}",
                                t.root.display(),
                                plan.id,
                                t.sha256
                            ),
                            help: "run the command again, to plan (and review) the tree as it is now".into(),
                        });
                    }
                }
                for f in files {
                    atomic::write(&f.path, f.contents.as_bytes())?;
                }
            }
            Step::Install { from, to } => {
                claim_destination(s, plan, to)?;
                let (staged, sha) = stage(from, to)?;
                smoke(s.runner.as_mut(), &w.test, &staged, to)?;
                commit(s, plan, vec![(to.clone(), sha)], Some(staged))?;
                installed.push(to.clone());
            }
            Step::Fetch { url, sha256 } => {
                // With no published sum there is nothing to verify against: the plan (and,
                // for unverified sources, the review) said so, and the sum is shown below.
                let got =
                    crate::fetch::fetch(url, &s.cx.dirs.cache, s.cx.offline, s.cx.verbosity < 0)?;
                match sha256 {
                    Some(want) if *want != got.sha256 => {
                        let _ = std::fs::remove_file(&got.path);
                        return Err(crate::fetch::mismatch(url, want, &got.sha256));
                    }
                    Some(_) => {}
                    None => s.say(&format!(
                        "==> {url} has sha256 {} (not published by the source)",
                        got.sha256
                    )),
                }
            }
            Step::Unpack { url, dest } => {
                let archive = crate::fetch::cache_path(&s.cx.dirs.cache, url);
                if let Err(e) = crate::unpack::unpack(
                    &archive,
                    dest,
                    s.cx.unpack_limit.clone().map_err(Error::Usage)?,
                ) {
                    let _ = std::fs::remove_file(&archive);
                    return Err(e);
                }
                normalize_top_dir(dest, &plan.steps)?;
            }
            Step::Record { files } => {
                let mut recs = Vec::new();
                for f in files {
                    let sha = sha256_file(f).map_err(|e| Error::MissingOutput {
                        message: format!(
                            "{} says it installed {}, but it cannot be read: {e}",
                            plan.backend.name.name(),
                            f.display()
                        ),
                        help: format!(
                            "check the package's file list ({})",
                            package_query(plan.backend.name)
                        ),
                    })?;
                    recs.push((f.clone(), sha));
                }
                for f in files {
                    smoke(s.runner.as_mut(), &w.test, f, f).map_err(|e| Error::Unsupported {
                        message: format!(
                            "{e} (installed by {}; not recorded)",
                            plan.backend.name.name()
                        ),
                        help: Some(format!(
                            "remove it with {}",
                            if plan.backend.name == Backend::Brew {
                                "brew uninstall"
                            } else {
                                "pacman -R"
                            }
                        )),
                    })?;
                }
                commit(s, plan, recs, None)?;
                installed.extend(files.iter().cloned());
            }
        }
    }
    Ok(installed)
}

fn package_query(b: Backend) -> &'static str {
    match b {
        Backend::Brew => "brew list",
        _ => "pacman -Ql",
    }
}

/// The build step expects the tarball's top directory under the name GitHub gives it; a
/// tarball with one top directory of another name is renamed to match.
fn normalize_top_dir(dest: &Path, steps: &[Step]) -> Result<()> {
    let Some(expected) = steps.iter().find_map(|s| match s {
        Step::Run { command, .. } => command
            .cwd
            .as_ref()
            .and_then(|c| c.strip_prefix(dest).ok())
            .and_then(|r| r.components().next())
            .map(|c| dest.join(c)),
        _ => None,
    }) else {
        return Ok(());
    };
    if expected.exists() {
        return Ok(());
    }
    let tops: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(|e| Error::io("read", dest, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    match tops.as_slice() {
        [only] => std::fs::rename(only, &expected).map_err(|e| Error::io("rename", only, e)),
        _ => Err(Error::MissingOutput {
            message: format!(
                "the release tarball does not unpack into {}",
                expected.display()
            ),
            help: "[source].tarball must be an archive with one top directory (as GitHub's are)"
                .into(),
        }),
    }
}

/// Records the install under the database lock; a staged binary is renamed into place as
/// part of the same journalled change. Files of the previous install that the new one does
/// not replace are removed.
pub(super) fn commit(
    s: &mut Session,
    plan: &Plan,
    files: Vec<(PathBuf, String)>,
    staged: Option<tempfile::TempPath>,
) -> Result<()> {
    let cx = s.cx;
    let locked = s.db()?;
    let mut ops = Vec::new();
    if let (Some(staged), Some((to, _))) = (staged, files.first()) {
        let from = staged.keep().map_err(|e| Error::io("keep", to, e.error))?;
        ops.push(Op::Rename {
            from,
            to: to.clone(),
        });
    }
    super::fill_origins(cx, &mut locked.db);
    let previous = locked.db.installed.get(&plan.id).cloned();
    if let Some(old) = &previous {
        for f in &old.files {
            if !files.iter().any(|(p, _)| *p == f.path) && old.backend.owns_files() {
                ops.push(Op::Delete {
                    path: f.path.clone(),
                });
            }
        }
    }
    locked.db.installed.insert(
        plan.id.clone(),
        Record {
            id: plan.id.clone(),
            worker: plan.worker.clone(),
            feature: plan.feature.clone(),
            version: plan.version.clone(),
            backend: plan.backend.name,
            flavor: plan.flavor,
            source: plan.source.clone(),
            files: files
                .into_iter()
                .map(|(path, sha256)| FileRecord { path, sha256 })
                .collect(),
            git_commit: plan.git_commit.clone(),
            installed_at: db::now(),
            origin: Some(plan.origin.clone()),
            reason: record_reason(plan, previous.as_ref()),
            requires: plan.requires.clone(),
            extra: previous.map(|r| r.extra).unwrap_or_default(),
        },
    );
    locked.commit(ops)
}

#[derive(Serialize)]
struct PlansDoc<'p> {
    schema: u32,
    dry_run: bool,
    plans: &'p [Plan],
}

#[derive(Serialize)]
struct OutcomesDoc<'o> {
    schema: u32,
    results: &'o [Outcome],
}

fn plans_answer(plans: &[Plan]) -> Answer {
    let mut text = String::new();
    for p in plans {
        text.push_str(&format!(
            "==> {} {} ({} backend, {} flavour)\n",
            p.id, p.version, p.backend.name, p.flavor
        ));
        if let Some(r) = &p.reason {
            text.push_str(&format!("    picked because: {r}\n"));
        }
        if !p.required_by.is_empty() {
            text.push_str(&format!(
                "    a dependency of: {}\n",
                p.required_by.join(", ")
            ));
        }
        text.push_str(&format!("    backend: {}\n", p.backend.reason));
        for c in &p.preflight {
            let mark = match (c.ok, c.blocking) {
                (true, _) => "ok",
                (false, true) => "FAILED",
                (false, false) => "warning",
            };
            text.push_str(&format!("    check {}: {mark}: {}\n", c.check, c.message));
        }
        for (i, step) in p.steps.iter().enumerate() {
            text.push_str(&format!("    {}. {}\n", i + 1, step.describe()));
        }
    }
    text.push_str("(dry run: nothing was run)\n");
    let answer = Answer::new(
        &PlansDoc {
            schema: crate::wire::SCHEMA,
            dry_run: true,
            plans,
        },
        text,
    );
    // A dry run that would stop at a pre-flight check says so with its exit status.
    match plans.iter().find_map(preflight_error) {
        Some(e) => answer.then(Error::Reported(e.to_string())),
        None => answer,
    }
}

fn outcomes_answer(results: &[Outcome], verb: &str) -> Answer {
    let mut text = String::new();
    for r in results {
        let change = match &r.previous_version {
            Some(old) if *old != r.version => format!("{old} -> {}", r.version),
            _ => r.version.clone(),
        };
        let files = r
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "{verb} {} {change} ({}) {files}\n",
            r.id,
            r.backend.name()
        ));
    }
    Answer::new(
        &OutcomesDoc {
            schema: crate::wire::SCHEMA,
            results,
        },
        text,
    )
}

/// `install ID…`: each id picks a variant; all are planned (and reviewed) before any runs.
pub fn install(cx: &Context, catalog: &Catalog, ids: &[String], opts: &Options) -> Result<Answer> {
    install_with(&mut Session::new(cx), catalog, ids, opts)
}

/// `install` through a given session (tests pass a recording runner).
pub fn install_with(
    s: &mut Session,
    catalog: &Catalog,
    ids: &[String],
    opts: &Options,
) -> Result<Answer> {
    // Locked from here (planning) to the last commit; a dry run reads and lets go.
    let db = if opts.dry_run {
        db::read(&s.cx.dirs.data)?
    } else {
        s.db()?.db.clone()
    };
    let mut roots: Vec<(&Worker, &Variant, Option<String>)> = Vec::new();
    let mut skipped = Vec::new();
    for id in ids {
        let (w, v, reason) = pick(catalog, id, s.cx.host()?)?;
        // `install X X` (or a worker and its variant) is one install, as in pacman.
        if roots.iter().any(|(_, done, _)| done.id == v.id) || skipped.contains(&v.id) {
            continue;
        }
        if let Some(old) = db.installed.get(&v.id) {
            if old.version == w.version.to_string() {
                if opts.needed {
                    report::warn(&format!(
                        "{}-{} is up to date -- skipping",
                        v.id, old.version
                    ));
                    skipped.push(v.id.clone());
                    continue;
                }
                report::warn(&format!(
                    "{}-{} is up to date -- reinstalling",
                    v.id, old.version
                ));
            }
        }
        if let Some(r) = &reason {
            s.say(&format!("==> {id}: installing {} ({r})", v.id));
        }
        roots.push((w, v, reason));
    }
    let work = plan_graph(s, catalog, roots, opts, &db, true)?;
    if work.is_empty() && !skipped.is_empty() {
        return Ok(outcomes_answer(&[], "installed").note(" there is nothing to do"));
    }
    run_plans(s, work, opts, &db, "installed")
}

/// A makepkg failure that pacman caused (no database, no permission, a dependency it could
/// not resolve) says that the cargo backend needs none of that.
pub(crate) fn pacman_hint(e: Error) -> Error {
    match e {
        Error::CommandFailed(mut c)
            if c.hint.is_none()
                && ["pacman", "alpm", "database"]
                    .iter()
                    .any(|w| c.tail.to_lowercase().contains(w)) =>
        {
            c.hint = Some(
                "pacman failed under makepkg; `--backend cargo` builds and installs without pacman"
                    .into(),
            );
            Error::CommandFailed(c)
        }
        e => e,
    }
}

/// Shows the pre-flight warnings of a plan and fails on its blocking checks, before
/// anything runs.
fn gate(plan: &Plan) -> Result<()> {
    for c in plan.preflight.iter().filter(|c| !c.ok && !c.blocking) {
        report::warn(&format!("{}: {}", plan.id, c.message));
    }
    match preflight_error(plan) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Warns, as `cargo install` does, when the directory a binary went into is not on PATH.
fn warn_if_not_on_path(s: &Session, files: &[PathBuf]) {
    for f in files {
        let Some(dir) = f.parent() else { continue };
        if !s.cx.path.iter().any(|p| p == dir) {
            report::warn(&format!(
                "{} is not on your PATH: add it to run {} by name",
                dir.display(),
                f.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
        }
    }
}

/// Every plan passes its pre-flight, and every unverified one is reviewed, before any runs.
fn approve(s: &mut Session, work: &[(&Worker, &Variant, Plan)]) -> Result<()> {
    for (_, _, plan) in work {
        gate(plan)?;
    }
    for (w, _, plan) in work {
        crate::review::review(s, w, plan)?;
    }
    Ok(())
}

fn run_plans(
    s: &mut Session,
    work: Vec<(&Worker, &Variant, Plan)>,
    opts: &Options,
    db: &db::Database,
    verb: &str,
) -> Result<Answer> {
    if opts.dry_run {
        let plans: Vec<Plan> = work.into_iter().map(|(_, _, p)| p).collect();
        return Ok(plans_answer(&plans));
    }
    approve(s, &work)?;
    let mut results = Vec::new();
    for (w, _, plan) in &work {
        let files = execute(s, w, plan)?;
        if plan.backend.name.owns_files() {
            warn_if_not_on_path(s, &files);
        }
        results.push(Outcome {
            id: plan.id.clone(),
            version: plan.version.clone(),
            backend: plan.backend.name,
            flavor: plan.flavor,
            reason: plan.reason.clone(),
            files,
            previous_version: db.installed.get(&plan.id).map(|r| r.version.clone()),
        });
    }
    Ok(outcomes_answer(&results, verb))
}

/// `build ID`: build without installing; `--out DIR` receives the binary or package.
pub fn build(cx: &Context, catalog: &Catalog, id: &str, opts: &Options) -> Result<Answer> {
    build_with(&mut Session::new(cx), catalog, id, opts)
}

/// `build` through a given session.
pub fn build_with(s: &mut Session, catalog: &Catalog, id: &str, opts: &Options) -> Result<Answer> {
    let (w, v, reason) = pick(catalog, id, s.cx.host()?)?;
    let db = db::read(&s.cx.dirs.data)?;
    // The whole graph is built, dependencies first (a dependency installed at a matching
    // version is kept).
    let work = plan_graph(s, catalog, vec![(w, v, reason)], opts, &db, false)?;
    if opts.dry_run {
        let plans: Vec<Plan> = work.into_iter().map(|(_, _, p)| p).collect();
        return Ok(plans_answer(&plans));
    }
    approve(s, &work)?;
    let mut outcomes = Vec::new();
    for (w, v, plan) in &work {
        outcomes.push(build_one(s, w, v, plan, opts)?);
    }
    Ok(outcomes_answer(&outcomes, "built"))
}

/// Runs one build plan and copies what it made into `--out`.
fn build_one(
    s: &mut Session,
    w: &Worker,
    v: &Variant,
    plan: &Plan,
    opts: &Options,
) -> Result<Outcome> {
    execute(s, w, plan)?;
    if opts.bottle {
        let built = build::target_dir(&s.cx.dirs.cache, &w.id)
            .join("release")
            .join(&v.binary);
        let dir = opts.out.as_deref().expect("clap: --bottle requires --out");
        let bottle = super::pour::make_bottle(s, w, v, &built, dir)?;
        return Ok(Outcome {
            id: plan.id.clone(),
            version: plan.version.clone(),
            backend: plan.backend.name,
            flavor: plan.flavor,
            reason: plan.reason.clone(),
            files: vec![bottle],
            previous_version: None,
        });
    }
    let products = match plan.backend.name {
        Backend::Cargo => vec![build::target_dir(&s.cx.dirs.cache, &w.id)
            .join("release")
            .join(&v.binary)],
        _ => packages_in(
            &build::build_dir(&s.cx.dirs.cache, &v.id),
            &v.id,
            &arch::pkgver(&w.version),
        ),
    };
    let mut out = Vec::new();
    for p in products {
        match &opts.out {
            Some(dir) => {
                let name = match plan.backend.name {
                    Backend::Cargo => v.installed_name.clone(),
                    _ => p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                };
                let dest = dir.join(name);
                let bytes = std::fs::read(&p).map_err(|e| Error::io("read", &p, e))?;
                atomic::write(&dest, &bytes)?;
                #[cfg(unix)]
                if plan.backend.name == Backend::Cargo {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
                }
                out.push(dest);
            }
            None => out.push(p),
        }
    }
    Ok(Outcome {
        id: plan.id.clone(),
        version: plan.version.clone(),
        backend: plan.backend.name,
        flavor: plan.flavor,
        reason: plan.reason.clone(),
        files: out,
        previous_version: None,
    })
}

/// The packages makepkg wrote for `pkgname` `pkgver` in `dir`.
fn packages_in(dir: &Path, pkgname: &str, pkgver: &str) -> Vec<PathBuf> {
    let prefix = format!("{pkgname}-{pkgver}-");
    files_named(dir, |n| n.starts_with(&prefix) && n.contains(".pkg.tar"))
}

/// The entries of `dir` whose names pass `wanted`, sorted (none when it cannot be read).
pub(super) fn files_named(dir: &Path, wanted: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| wanted(&n.to_string_lossy())))
        .collect();
    found.sort();
    found
}

/// `upgrade [ID…]`: rebuild installed variants whose catalog version is newer.
pub fn upgrade(cx: &Context, ids: &[String], opts: &Options) -> Result<Answer> {
    upgrade_with(&mut Session::new(cx), ids, opts)
}

/// `upgrade` through a given session.
pub fn upgrade_with(s: &mut Session, ids: &[String], opts: &Options) -> Result<Answer> {
    let db = if opts.dry_run {
        db::read(&s.cx.dirs.data)?
    } else {
        s.db()?.db.clone()
    };
    // Each install is found through its origin, from whatever directory this runs in.
    let found = super::installed_catalog(s.cx, &db)?;
    let catalog = &found;
    let mut wanted: Vec<&Record> = Vec::new();
    if ids.is_empty() {
        wanted.extend(db.installed.values());
    } else {
        for id in ids {
            wanted.extend(crate::installed::matching(&db, id)?);
        }
    }
    // Installs from git sources follow their branch: ask the remote where it is now, and
    // fetch the sources that moved before planning.
    let mut moved: std::collections::HashMap<String, (String, String)> = Default::default();
    for rec in &wanted {
        let (Some(old), Some(src)) = (
            &rec.git_commit,
            s.cx.config.sources.iter().find(|c| c.name == rec.source),
        ) else {
            continue;
        };
        if s.cx.offline {
            continue;
        }
        let r = src.git_ref.clone().unwrap_or_else(|| "HEAD".into());
        let spec = crate::sources::git(&s.cx.config.tools.git)
            .args(["ls-remote", "--"])
            .arg(&src.url)
            .arg(&r);
        let out = s.runner.capture(&spec)?;
        let Some(new) = out.split_whitespace().next().map(str::to_string) else {
            report::warn(&format!("{} has no {r}; {} not checked", src.name, rec.id));
            continue;
        };
        if &new != old {
            moved.insert(rec.id.clone(), (old.clone(), new));
        }
    }
    let reloaded;
    // A dry run changes nothing, the cached clones included: it plans from them as they are.
    let catalog = if moved.is_empty() || opts.dry_run {
        catalog
    } else {
        let names: std::collections::BTreeSet<&str> = wanted
            .iter()
            .filter(|r| moved.contains_key(&r.id))
            .map(|r| r.source.as_str())
            .collect();
        for name in names {
            crate::sources::sync_named(
                &s.cx.dirs,
                &s.cx.config,
                s.runner.as_mut(),
                s.cx.offline,
                name,
            )?;
        }
        reloaded = super::installed_catalog(s.cx, &db)?;
        &reloaded
    };
    let mut pending: Vec<(&Record, &Worker, &Variant, String)> = Vec::new();
    for rec in wanted {
        let Some((w, v)) = super::find_installed(s.cx, catalog, rec) else {
            report::warn(&format!(
                "{} is installed, but its origin no longer provides it (or is unknown); skipped",
                rec.id
            ));
            continue;
        };
        let newer = match semver::Version::parse(&rec.version) {
            Ok(old) => w.version > old,
            Err(_) => true,
        };
        let line = if let Some((old, new)) = moved.get(&rec.id) {
            format!(
                "{} {} ({}) -> {} ({})",
                rec.id,
                rec.version,
                short(old),
                w.version,
                short(new)
            )
        } else if newer {
            format!("{} {} -> {}", rec.id, rec.version, w.version)
        } else {
            continue;
        };
        pending.push((rec, w, v, line));
    }
    // A dependency never moves outside a requirement its installed dependents state.
    let candidates: Vec<super::graph::Candidate> = pending
        .iter()
        .map(|(rec, w, v, _)| super::graph::Candidate {
            id: rec.id.clone(),
            version: w.version.clone(),
            requires: v.depends.workers.clone(),
        })
        .collect();
    let held = super::graph::hold_back(&db, &candidates);
    for (_, why) in &held {
        report::warn(why);
    }
    let mut work = Vec::new();
    for (rec, w, v, line) in pending {
        if held.iter().any(|(id, _)| *id == rec.id) {
            continue;
        }
        s.say(&line);
        let backend = rec.backend;
        let mut o = opts.clone();
        o.backend = opts.backend.or(Some(backend));
        // Rebuild it the way it was built.
        o.release = opts.release || rec.flavor == BuildFlavor::Release;
        o.head = opts.head || rec.flavor == BuildFlavor::Head;
        if o.prefix.is_none() && backend.owns_files() {
            o.prefix = rec
                .files
                .first()
                .and_then(|f| f.path.parent())
                .and_then(Path::parent)
                .map(Path::to_path_buf);
        }
        let mut plan = make_plan(s, w, v, &o, true)?;
        if opts.backend.is_none() {
            plan.backend.reason = format!("as it was installed ({})", backend.name());
        }
        work.push((w, v, plan));
    }
    if work.is_empty() {
        return Ok(outcomes_answer(&[], "upgraded").note("nothing to upgrade"));
    }
    run_plans(s, work, opts, &db, "upgraded")
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}

/// Why an install is recorded: named by the user, it is explicit; pulled in as a
/// dependency, it keeps an earlier explicit install's reason; an upgrade keeps its reason.
fn record_reason(plan: &Plan, previous: Option<&Record>) -> crate::kinds::Reason {
    use crate::kinds::Reason;
    match (plan.install_reason, previous) {
        (Some(Reason::Explicit), _) => Reason::Explicit,
        (Some(Reason::Dependency), None) => Reason::Dependency,
        (_, Some(old)) => old.reason,
        (None, None) => Reason::Explicit,
    }
}

/// Plans the whole dependency graph under `roots` (DESIGN section 8): dependencies first,
/// each planned as it will run; a dependency installed at a matching version is kept.
fn plan_graph<'c>(
    s: &mut Session,
    catalog: &'c Catalog,
    roots: Vec<(&'c Worker, &'c Variant, Option<String>)>,
    opts: &Options,
    db: &db::Database,
    install: bool,
) -> Result<Vec<(&'c Worker, &'c Variant, Plan)>> {
    let pairs: Vec<(&Worker, &Variant)> = roots.iter().map(|(w, v, _)| (*w, *v)).collect();
    let graph = super::graph::resolve(s.cx, catalog, &pairs, db)?;
    for k in &graph.kept {
        s.say(&format!(
            "==> keeping {} {}: it satisfies `{}` of {}",
            k.id, k.version, k.requirement, k.required_by
        ));
    }
    let mut work = Vec::new();
    for node in graph.order {
        let (w, v) = (node.worker, node.variant);
        let mut plan = make_plan(s, w, v, opts, install)?;
        match roots.iter().find(|(_, r, _)| r.id == v.id) {
            Some((_, _, reason)) => {
                if reason.is_none() {
                    plan.preflight.extend(gpu_check(s, v));
                }
                plan.reason = reason.clone();
                plan.install_reason = Some(crate::kinds::Reason::Explicit);
            }
            None => {
                s.say(&format!(
                    "==> {}: a dependency of {}",
                    v.id,
                    node.required_by.join(", ")
                ));
                plan.install_reason = Some(crate::kinds::Reason::Dependency);
                // pacman records it as a dependency too (`pacman -Qdt` finds it), as paru
                // installs what it built for another package.
                if install && plan.backend.name == Backend::Makepkg {
                    for step in &mut plan.steps {
                        if let Step::Run { command, .. } = step {
                            if command.program == s.cx.config.tools.makepkg {
                                command.args.push("--asdeps".into());
                            }
                        }
                    }
                }
            }
        }
        plan.required_by = node.required_by;
        work.push((w, v, plan));
    }
    Ok(work)
}
