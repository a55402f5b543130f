//! install, build, upgrade, remove, verify: pick the variant, make its plan, review it when
//! the worker is unverified, execute it through the runner, and record the result in the
//! installed database. A failure at any step installs nothing and loses nothing.

use crate::app::Globals;
use crate::build::{self, Backend, Plan, Settings, Step};
use crate::catalog::{Catalog, Target, Variant, Worker};
use crate::checksum::{sha256_file, HashingWriter};
use crate::config::Config;
use crate::db::{self, FileRecord, Op, Record};
use crate::detect::{self, Detection};
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::exec::{CommandSpec, Runner};
use crate::render::{arch, brew};
use crate::{atomic, package, report};
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
}

/// Everything a command needs to touch the world.
pub struct Session<'a> {
    pub g: &'a Globals,
    pub dirs: Dirs,
    pub config: Config,
    pub runner: Box<dyn Runner>,
    pub detection: Detection,
}

impl<'a> Session<'a> {
    pub fn new(g: &'a Globals, runner: Box<dyn Runner>) -> Result<Self> {
        let dirs = Dirs::from_env()?;
        let config = Config::load(&dirs.config.join("config.toml"))?;
        let detection = detect::decide(&detect::probe()).map_err(Error::Usage)?;
        Ok(Session {
            g,
            dirs,
            config,
            runner,
            detection,
        })
    }

    pub fn say(&self, line: &str) {
        if self.g.verbosity >= 0 {
            eprintln!("{line}");
        }
    }

    fn settings(&self, opts: &Options, install: bool) -> Result<Settings> {
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
            tools: self.config.tools.clone(),
            cache: self.dirs.cache.clone(),
            prefix,
            install,
            noconfirm: self.g.noconfirm,
        })
    }
}

/// What a user's id picks: a variant that runs here, and why when they named the worker.
pub fn pick<'c>(
    catalog: &'c Catalog,
    id: &str,
    d: &Detection,
) -> Result<(&'c Worker, &'c Variant, Option<String>)> {
    let (os, arch) = d
        .host()
        .ok_or_else(|| Error::failed(format!("unsupported platform {}/{}", d.os, d.arch)))?;
    match catalog.lookup(id) {
        Some(Target::Variant(w, v)) => {
            if !v.supports(os, arch) {
                return Err(Error::Failed {
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
            None => Err(Error::failed(format!(
                "no variant of {} runs on {os}/{arch}",
                w.id
            ))),
        },
        None => Err(Error::NotFound {
            id: id.to_string(),
            suggestions: catalog.suggest(id),
        }),
    }
}

fn choose_backend(s: &mut Session, opts: &Options) -> (Backend, String) {
    if let Some(b) = opts.backend {
        return (b, format!("--backend {}", b.name()));
    }
    // The configured tool paths decide, as they do when the tools run.
    let tools = s.config.tools.clone();
    let linux = s.detection.os == "linux";
    let pacman_db = linux
        && crate::exec::tool_exists(&tools.pacman)
        && s.runner
            .succeeds(
                &CommandSpec::new(&tools.pacman).args(["-Q", "pacman"]),
                std::time::Duration::from_secs(10),
            )
            .unwrap_or(false);
    let facts = build::AutoFacts {
        linux,
        macos: s.detection.os == "macos",
        root: detect::running_as_root(),
        pacman_db,
        makepkg: crate::exec::tool_exists(&tools.makepkg),
        brew: crate::exec::tool_exists(&tools.brew),
    };
    build::auto_backend(&facts)
}

fn tap_paths(s: &mut Session, dry_run: bool) -> Result<(PathBuf, PathBuf)> {
    if dry_run {
        return Ok((
            PathBuf::from("$(brew --repository)/Library/Taps/rbee/homebrew-local"),
            PathBuf::from("$(brew --prefix)"),
        ));
    }
    let brew = s.config.tools.brew.clone();
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
    let spec = crate::sources::git(&s.config.tools.git)
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
    let settings = s.settings(opts, install)?;
    let (backend, backend_reason) = choose_backend(s, opts);
    let git_commit = if opts.release {
        None
    } else {
        clone_commit(s, w)
    };
    let mut plan = match backend {
        Backend::Cargo if opts.release || w.source.kind == crate::catalog::SourceKind::Index => {
            let url = w.upstream.tarball.clone().ok_or_else(|| Error::Failed {
                message: format!("worker `{}` has no release tarball to build from", w.id),
                help: Some("its manifest needs [source].tarball or a GitHub repository".into()),
            })?;
            let top = arch::release_top_dir(w)
                .ok_or_else(|| Error::failed(format!("worker `{}` has no repository URL", w.id)))?;
            build::cargo_release_plan(w, v, &settings, &url, &top)
        }
        Backend::Cargo => build::cargo_plan(w, v, &settings),
        Backend::Makepkg => {
            arch::require_linux(v)?;
            if detect::running_as_root() {
                return Err(Error::Failed {
                    message: "the makepkg backend does not run as root: makepkg refuses to, because a PKGBUILD's build() must not run with root's rights".into(),
                    help: Some("run rbee-workers as an ordinary user (pacman is called through sudo), or use --backend cargo".into()),
                });
            }
            let have_pacman = crate::exec::tool_exists(&settings.tools.pacman);
            if install && !have_pacman {
                return Err(Error::Failed {
                    message: format!("installing with makepkg needs pacman, and `{}` is not here", settings.tools.pacman),
                    help: Some("use `build --backend makepkg` to make the package, or `install --backend cargo`; [tools] pacman in config.toml names another pacman".into()),
                });
            }
            if !have_pacman && !s.g.json {
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
    };
    plan.git_commit = git_commit;
    plan.backend_reason = backend_reason;
    Ok(plan)
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub version: String,
    pub backend: Backend,
    pub flavor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub files: Vec<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
}

fn worker_lock(cache: &Path, worker: &str) -> Result<std::fs::File> {
    let dir = cache.join("locks");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    let path = dir.join(format!("{worker}.lock"));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("open", &path, e))?;
    f.lock().map_err(|e| Error::io("lock", &path, e))?;
    Ok(f)
}

/// A staged copy of the built binary beside its destination, removed if dropped.
fn stage(from: &Path, to: &Path) -> Result<(tempfile::TempPath, String)> {
    let dir = to.parent().expect("an install path has a parent");
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut src = std::fs::File::open(from).map_err(|e| Error::Failed {
        message: format!("the build produced no {}: {e}", from.display()),
        help: Some("check the variant's binary name (`rbee-workers info ID`)".into()),
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

fn smoke(runner: &mut dyn Runner, bin: &Path, shown_as: &Path) -> Result<()> {
    for flag in ["--version", "--help"] {
        let spec = CommandSpec::new(bin.to_string_lossy()).arg(flag);
        if runner.succeeds(&spec, Duration::from_secs(30))? {
            return Ok(());
        }
    }
    Err(Error::Failed {
        message: format!(
            "smoke test failed: {} --version and --help both failed; nothing was installed",
            shown_as.display()
        ),
        help: Some("the build succeeded but the binary does not run here".into()),
    })
}

/// Runs a plan. Returns the files it installed (empty for a build).
fn execute(
    s: &mut Session,
    w: &Worker,
    v: &Variant,
    plan: &Plan,
    opts: &Options,
) -> Result<Vec<PathBuf>> {
    let total = plan.steps.len();
    let mut installed = Vec::new();
    // Variants of one worker share a target dir, and so `release/<binary>`: hold the worker's
    // lock from the build until the binary is staged, or a concurrent install of another
    // variant could swap it between cargo's build and our copy.
    let _worker_lock = match plan.backend {
        Backend::Cargo => Some(worker_lock(&s.dirs.cache, &w.id)?),
        _ => None,
    };
    for (i, step) in plan.steps.iter().enumerate() {
        crate::exec::check_interrupted()?;
        let label = format!("[{}/{total}] {}", i + 1, plan.id);
        match step {
            Step::Run { command, .. } => s.runner.run(command, &label)?,
            Step::Write { path, .. } => match plan.backend {
                Backend::Makepkg => {
                    let engine = package::engine(None, &s.dirs);
                    let (_, pkgbuild, srcinfo, _) = package::render_pkgbuild(
                        s.g,
                        &s.dirs,
                        &engine,
                        w,
                        v,
                        if plan.flavor == "release" {
                            arch::Flavor::Release
                        } else {
                            arch::Flavor::Local
                        },
                        path,
                    )?;
                    atomic::write(&path.join("PKGBUILD"), pkgbuild.as_bytes())?;
                    atomic::write(&path.join(".SRCINFO"), srcinfo.as_bytes())?;
                }
                _ => {
                    let engine = package::engine(None, &s.dirs);
                    let flavor = if opts.head {
                        brew::Flavor::Head
                    } else {
                        brew::Flavor::Release
                    };
                    let (_, text) = package::render_formula(s.g, &s.dirs, &engine, w, v, flavor)?;
                    atomic::write(path, text.as_bytes())?;
                }
            },
            Step::Install { from, to } => {
                let (staged, sha) = stage(from, to)?;
                smoke(s.runner.as_mut(), &staged, to)?;
                commit(s, plan, vec![(to.clone(), sha)], Some(staged))?;
                installed.push(to.clone());
            }
            Step::Fetch { url, sha256 } => {
                // With no published sum there is nothing to verify against: the plan (and,
                // for unverified sources, the review) said so, and the sum is shown below.
                let got = crate::fetch::fetch(url, &s.dirs.cache, s.g.offline, s.g.verbosity < 0)?;
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
                let archive = crate::fetch::cache_path(&s.dirs.cache, url);
                if let Err(e) =
                    crate::unpack::unpack(&archive, dest, crate::unpack::limit_from_env())
                {
                    let _ = std::fs::remove_file(&archive);
                    return Err(e);
                }
                normalize_top_dir(dest, &plan.steps)?;
            }
            Step::Record { files } => {
                let mut recs = Vec::new();
                for f in files {
                    let sha = sha256_file(f).map_err(|e| Error::Failed {
                        message: format!(
                            "{} says it installed {}, but it cannot be read: {e}",
                            plan.backend.name(),
                            f.display()
                        ),
                        help: None,
                    })?;
                    recs.push((f.clone(), sha));
                }
                for f in files {
                    smoke(s.runner.as_mut(), f, f).map_err(|e| Error::Failed {
                        message: format!(
                            "{e} (installed by {}; not recorded)",
                            plan.backend.name()
                        ),
                        help: Some(format!(
                            "remove it with {}",
                            if plan.backend == Backend::Brew {
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
        _ => Err(Error::failed(format!(
            "the release tarball does not unpack into {}",
            expected.display()
        ))),
    }
}

/// Records the install under the database lock; a staged binary is renamed into place as
/// part of the same journalled change. Files of the previous install that the new one does
/// not replace are removed.
fn commit(
    s: &Session,
    plan: &Plan,
    files: Vec<(PathBuf, String)>,
    staged: Option<tempfile::TempPath>,
) -> Result<()> {
    let mut locked = db::lock(&s.dirs.data)?;
    let mut ops = Vec::new();
    if let (Some(staged), Some((to, _))) = (staged, files.first()) {
        let from = staged.keep().map_err(|e| Error::io("keep", to, e.error))?;
        ops.push(Op::Rename {
            from,
            to: to.clone(),
        });
    }
    if let Some(old) = locked.db.installed.get(&plan.id) {
        for f in &old.files {
            if !files.iter().any(|(p, _)| *p == f.path) && old.backend == Backend::Cargo.name() {
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
            backend: plan.backend.name().into(),
            flavor: plan.flavor.clone(),
            source: plan.source.clone(),
            files: files
                .into_iter()
                .map(|(path, sha256)| FileRecord { path, sha256 })
                .collect(),
            git_commit: plan.git_commit.clone(),
            installed_at: db::now(),
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

fn print_plans(g: &Globals, plans: &[Plan]) -> Result<()> {
    if g.json {
        return report::print_json(&PlansDoc {
            schema: report::SCHEMA,
            dry_run: true,
            plans,
        })
        .map_err(|e| Error::io("write", "stdout", e));
    }
    let mut text = String::new();
    for p in plans {
        text.push_str(&format!(
            "==> {} {} ({} backend, {} flavour)\n",
            p.id,
            p.version,
            p.backend.name(),
            p.flavor
        ));
        if let Some(r) = &p.reason {
            text.push_str(&format!("    picked because: {r}\n"));
        }
        text.push_str(&format!("    backend: {}\n", p.backend_reason));
        for (i, step) in p.steps.iter().enumerate() {
            text.push_str(&format!("    {}. {}\n", i + 1, step.describe()));
        }
    }
    text.push_str("(dry run: nothing was run)\n");
    report::print(&text).map_err(|e| Error::io("write", "stdout", e))
}

fn print_outcomes(g: &Globals, results: &[Outcome], verb: &str) -> Result<()> {
    if g.json {
        return report::print_json(&OutcomesDoc {
            schema: report::SCHEMA,
            results,
        })
        .map_err(|e| Error::io("write", "stdout", e));
    }
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
    report::print(&text).map_err(|e| Error::io("write", "stdout", e))
}

/// `install ID…`: each id picks a variant; all are planned (and reviewed) before any runs.
pub fn install(s: &mut Session, catalog: &Catalog, ids: &[String], opts: &Options) -> Result<()> {
    let db = db::read(&s.dirs.data)?;
    let mut work = Vec::new();
    for id in ids {
        let (w, v, reason) = pick(catalog, id, &s.detection)?;
        if let Some(r) = &reason {
            s.say(&format!("==> {id}: installing {} ({r})", v.id));
        }
        let mut plan = make_plan(s, w, v, opts, true)?;
        plan.reason = reason;
        work.push((w, v, plan));
    }
    run_plans(s, work, opts, &db, "installed")
}

fn run_plans(
    s: &mut Session,
    work: Vec<(&Worker, &Variant, Plan)>,
    opts: &Options,
    db: &db::Database,
    verb: &str,
) -> Result<()> {
    if opts.dry_run {
        let plans: Vec<Plan> = work.into_iter().map(|(_, _, p)| p).collect();
        return print_plans(s.g, &plans);
    }
    for (w, _, plan) in &work {
        crate::review::review(s, w, plan)?;
    }
    let mut results = Vec::new();
    for (w, v, plan) in &work {
        let files = execute(s, w, v, plan, opts)?;
        results.push(Outcome {
            id: plan.id.clone(),
            version: plan.version.clone(),
            backend: plan.backend,
            flavor: plan.flavor.clone(),
            reason: plan.reason.clone(),
            files,
            previous_version: db.installed.get(&plan.id).map(|r| r.version.clone()),
        });
    }
    print_outcomes(s.g, &results, verb)
}

/// `build ID`: build without installing; `--out DIR` receives the binary or package.
pub fn build(s: &mut Session, catalog: &Catalog, id: &str, opts: &Options) -> Result<()> {
    let (w, v, reason) = pick(catalog, id, &s.detection)?;
    let mut plan = make_plan(s, w, v, opts, false)?;
    plan.reason = reason;
    if opts.dry_run {
        return print_plans(s.g, &[plan]);
    }
    crate::review::review(s, w, &plan)?;
    execute(s, w, v, &plan, opts)?;
    let products = match plan.backend {
        Backend::Cargo => vec![build::target_dir(&s.dirs.cache, &w.id)
            .join("release")
            .join(&v.binary)],
        _ => packages_in(
            &build::build_dir(&s.dirs.cache, &v.id),
            &v.id,
            &arch::pkgver(&w.version),
        ),
    };
    let mut out = Vec::new();
    for p in products {
        match &opts.out {
            Some(dir) => {
                let name = match plan.backend {
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
                if plan.backend == Backend::Cargo {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
                }
                out.push(dest);
            }
            None => out.push(p),
        }
    }
    let outcome = Outcome {
        id: plan.id.clone(),
        version: plan.version.clone(),
        backend: plan.backend,
        flavor: plan.flavor.clone(),
        reason: plan.reason.clone(),
        files: out,
        previous_version: None,
    };
    print_outcomes(s.g, &[outcome], "built")
}

/// The packages makepkg wrote for `pkgname` `pkgver` in `dir`.
fn packages_in(dir: &Path, pkgname: &str, pkgver: &str) -> Vec<PathBuf> {
    let prefix = format!("{pkgname}-{pkgver}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.starts_with(&prefix) && n.contains(".pkg.tar")
        })
        .collect();
    found.sort();
    found
}

/// `upgrade [ID…]`: rebuild installed variants whose catalog version is newer.
pub fn upgrade(s: &mut Session, catalog: &Catalog, ids: &[String], opts: &Options) -> Result<()> {
    let db = db::read(&s.dirs.data)?;
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
            s.config.sources.iter().find(|c| c.name == rec.source),
        ) else {
            continue;
        };
        if s.g.offline {
            continue;
        }
        let r = src.git_ref.clone().unwrap_or_else(|| "HEAD".into());
        let spec = crate::sources::git(&s.config.tools.git)
            .args(["ls-remote", "--"])
            .arg(&src.url)
            .arg(&r);
        let out = s.runner.capture(&spec)?;
        let Some(new) = out.split_whitespace().next().map(str::to_string) else {
            s.say(&format!(
                "warning: {} has no {r}; {} not checked",
                src.name, rec.id
            ));
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
        let config = s.config.clone();
        for name in names {
            crate::sources::sync_named(s.g, &s.dirs, &config, s.runner.as_mut(), name)?;
        }
        reloaded = crate::app::load(s.g)?;
        &reloaded
    };
    let mut work = Vec::new();
    for rec in wanted {
        let Some(Target::Variant(w, v)) = catalog.lookup(&rec.id) else {
            s.say(&format!(
                "warning: {} is installed but no longer in the catalog; skipped",
                rec.id
            ));
            continue;
        };
        let newer = match semver::Version::parse(&rec.version) {
            Ok(old) => w.version > old,
            Err(_) => true,
        };
        if let Some((old, new)) = moved.get(&rec.id) {
            s.say(&format!(
                "{} {} ({}) -> {} ({})",
                rec.id,
                rec.version,
                short(old),
                w.version,
                short(new)
            ));
        } else if newer {
            s.say(&format!("{} {} -> {}", rec.id, rec.version, w.version));
        } else {
            continue;
        }
        let backend = match rec.backend.as_str() {
            "makepkg" => Backend::Makepkg,
            "brew" => Backend::Brew,
            _ => Backend::Cargo,
        };
        let mut o = opts.clone();
        o.backend = opts.backend.or(Some(backend));
        // Rebuild it the way it was built.
        o.release = opts.release || rec.flavor == "release";
        o.head = opts.head || rec.flavor == "head";
        if o.prefix.is_none() && backend == Backend::Cargo {
            o.prefix = rec
                .files
                .first()
                .and_then(|f| f.path.parent())
                .and_then(Path::parent)
                .map(Path::to_path_buf);
        }
        let plan = make_plan(s, w, v, &o, true)?;
        work.push((w, v, plan));
    }
    if work.is_empty() {
        if s.g.json {
            return print_outcomes(s.g, &[], "upgraded");
        }
        s.say("nothing to upgrade");
        return Ok(());
    }
    run_plans(s, work, opts, &db, "upgraded")
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}
