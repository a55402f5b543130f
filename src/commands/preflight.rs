//! The pre-flight of DESIGN section 4: what must hold before anything builds — the toolkit of
//! a GPU variant (and that it runs), the system packages where the system can be asked, a
//! writable prefix — and the warning for a GPU variant named where no such GPU is seen.
//! Everything here only reads and asks; a failed blocking check stops the plan before any
//! step runs.

use super::Session;
use crate::build::{Backend, Check, Plan, Settings};
use crate::catalog::Variant;
use crate::command::CommandSpec;
use crate::error::Error;
use crate::kinds::GpuBackend;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a known backend's compiler is looked for (DESIGN section 4), after `$PATH`.
fn toolkit(b: GpuBackend) -> Option<(&'static str, &'static [&'static str])> {
    match b {
        GpuBackend::Cuda => Some(("nvcc", &["/opt/cuda/bin", "/usr/local/cuda/bin"])),
        GpuBackend::Rocm => Some(("hipcc", &["/opt/rocm/bin"])),
        GpuBackend::Metal => None,
    }
}

/// Where `tool` is: on `path`, else in one of the toolkit's own `dirs`.
fn find_tool(path: &[PathBuf], tool: &str, dirs: &[&str]) -> Option<PathBuf> {
    path.iter()
        .map(PathBuf::as_path)
        .chain(dirs.iter().map(Path::new))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// The toolkit directory a variant's build needs on its PATH: where its compiler was found,
/// when that is not on PATH already (`/opt/cuda/bin` on Arch). The PKGBUILD does the same.
pub fn toolkit_dir(path: &[PathBuf], v: &Variant) -> Option<PathBuf> {
    let (tool, dirs) = GpuBackend::of_feature(&v.feature).and_then(toolkit)?;
    let found = find_tool(path, tool, dirs)?;
    let dir = found.parent()?.to_path_buf();
    (!path.contains(&dir)).then_some(dir)
}

/// `sudo ` for a user, nothing for root.
fn sudo(s: &Session) -> &'static str {
    if s.cx.as_root {
        ""
    } else {
        "sudo "
    }
}

/// How to get a toolkit on this system.
fn toolkit_hint(b: GpuBackend, arch_host: bool, sudo: &str) -> String {
    let debian = Path::new("/usr/bin/apt-get").is_file();
    match (b, arch_host, debian) {
        (GpuBackend::Cuda, true, _) => format!("install it with `{sudo}pacman -S cuda` (it lands in /opt/cuda/bin)"),
        (GpuBackend::Cuda, false, true) => format!("install it with `{sudo}apt install nvidia-cuda-toolkit`, or NVIDIA's own packages (https://developer.nvidia.com/cuda-downloads), which put nvcc in /usr/local/cuda/bin"),
        (GpuBackend::Cuda, ..) => "install the CUDA toolkit (https://developer.nvidia.com/cuda-downloads) so that nvcc is on PATH, in /opt/cuda/bin or in /usr/local/cuda/bin".into(),
        (GpuBackend::Rocm, true, _) => format!("install it with `{sudo}pacman -S rocm-hip-sdk` (it lands in /opt/rocm/bin)"),
        (GpuBackend::Rocm, ..) => "install ROCm (https://rocm.docs.amd.com), which puts hipcc in /opt/rocm/bin".into(),
        (GpuBackend::Metal, ..) => "install Xcode's command line tools (`xcode-select --install`)".into(),
    }
}

fn check(check: &str, ok: bool, message: String, blocking: bool) -> Check {
    Check {
        check: check.into(),
        ok,
        message,
        blocking,
    }
}

/// What must hold before anything builds (DESIGN section 4): the toolkit of a GPU variant,
/// the system packages where the system can be asked, a writable prefix. Only reads.
pub fn preflight(
    s: &mut Session,
    v: &Variant,
    plan: &Plan,
    settings: &Settings,
    nodeps: bool,
    overwrite: bool,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let backend = plan.backend.name;
    // The toolkit: cargo runs the crate's build scripts right here; makepkg without pacman
    // has nothing that would install it.
    let builds_here = backend == Backend::Cargo || (backend == Backend::Makepkg && !s.arch_host());
    if let Some((gpu, (tool, dirs))) = GpuBackend::of_feature(&v.feature)
        .and_then(|b| toolkit(b).map(|t| (b, t)))
        .filter(|_| builds_here)
    {
        let found = find_tool(&s.cx.path, tool, dirs);
        let name = format!("{} toolkit", gpu.name());
        checks.push(match found {
            // There, and it runs: a broken toolkit fails here, not half an hour into a build.
            Some(p) => match s.runner.attempt(
                &CommandSpec::new(p.to_string_lossy()).arg("--version"),
                Duration::from_secs(30),
            ) {
                Ok(a) if a.success => {
                    check(&name, true, format!("{tool} is {}", p.display()), true)
                }
                Ok(a) => check(
                    &name,
                    false,
                    format!(
                        "{} is there but `{tool} --version` fails{}; {}",
                        p.display(),
                        if a.output.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", a.output.lines().last().unwrap_or_default())
                        },
                        toolkit_hint(gpu, s.arch_host(), sudo(s))
                    ),
                    true,
                ),
                Err(e) => check(
                    &name,
                    false,
                    format!("{} cannot be run: {e}", p.display()),
                    true,
                ),
            },
            None => check(
                &name,
                false,
                format!(
                    "{} needs {tool}, which is not on PATH{}{}; {}",
                    v.id,
                    if dirs.is_empty() { "" } else { " nor in " },
                    dirs.join(" or "),
                    toolkit_hint(gpu, s.arch_host(), sudo(s))
                ),
                true,
            ),
        });
    }
    // System packages, where the system can be asked. A package manager that installs
    // dependencies itself (makepkg --syncdeps, brew) makes a missing one a note, not a stop.
    let host_os = s.cx.host().map(|h| h.os.clone()).unwrap_or_default();
    let (packages, asker): (Vec<String>, Option<CommandSpec>) = if host_os == "linux" {
        let mut p = v.depends.arch.clone();
        p.extend(v.makedepends.arch.iter().cloned());
        // Asked only when there is something to ask about (the probe runs pacman).
        let ask = (!p.is_empty() && s.arch_host()).then(|| {
            CommandSpec::new(&s.cx.config.tools.pacman)
                .arg("-T")
                .args(p.clone())
        });
        (p, ask)
    } else if host_os == "macos" {
        let p = v.depends.brew.clone();
        let ask = crate::exec::tool_exists(&s.cx.config.tools.brew).then(|| {
            CommandSpec::new(&s.cx.config.tools.brew)
                .args(["list", "--versions"])
                .args(p.clone())
        });
        (p, ask)
    } else {
        (Vec::new(), None)
    };
    let installs_deps = match backend {
        Backend::Makepkg => settings.install && s.arch_host(),
        Backend::Brew => true,
        Backend::Cargo | Backend::Bottle => false,
    };
    if !packages.is_empty() {
        let name = "system packages";
        checks.push(match (nodeps, asker) {
            (true, _) => check(name, true, format!("not checked (--nodeps): {}", packages.join(" ")), false),
            (false, None) => check(
                name,
                true,
                format!("not checked: this system has no package database to ask about {}", packages.join(" ")),
                false,
            ),
            (false, Some(ask)) => match s.runner.attempt(&ask, Duration::from_secs(30)) {
                Ok(a) => {
                    let missing: Result<Vec<String>, String> = if host_os == "macos" {
                        let have: Vec<&str> = a
                            .output
                            .lines()
                            .filter_map(|l| l.split_whitespace().next())
                            .collect();
                        Ok(packages
                            .iter()
                            .filter(|p| !have.contains(&p.as_str()))
                            .cloned()
                            .collect())
                    } else if a.success {
                        Ok(Vec::new())
                    } else if a.code == Some(127) {
                        // `pacman -T` lists what is not satisfied, one per line, and exits 127.
                        Ok(a.output
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(String::from)
                            .collect())
                    } else {
                        Err(a.output.lines().last().unwrap_or_default().to_string())
                    };
                    match missing {
                        Err(why) => check(
                            name,
                            false,
                            format!("cannot ask the package manager ({}): {why}", ask.display()),
                            false,
                        ),
                        Ok(missing) if missing.is_empty() => {
                            check(name, true, format!("installed: {}", packages.join(" ")), true)
                        }
                        Ok(missing) if installs_deps => check(
                            name,
                            true,
                            format!("{} installs the missing {}", backend.name(), missing.join(" ")),
                            false,
                        ),
                        Ok(missing) => {
                            let how = if host_os == "macos" {
                                format!("brew install {}", missing.join(" "))
                            } else {
                                format!("{}pacman -S --asdeps {}", sudo(s), missing.join(" "))
                            };
                            check(
                                name,
                                false,
                                format!(
                                    "missing {}: install them with `{how}`, or pass --nodeps to build anyway",
                                    missing.join(" ")
                                ),
                                true,
                            )
                        }
                    }
                }
                Err(e) => check(name, false, format!("cannot ask the package manager: {e}"), false),
            },
        });
    }
    // A release build unpacks a tarball: its bound must be a number.
    if plan
        .steps
        .iter()
        .any(|st| matches!(st, crate::build::Step::Unpack { .. }))
    {
        if let Err(why) = &s.cx.unpack_limit {
            checks.push(check("unpack limit", false, why.clone(), true));
        }
    }
    // The destination: a file another install owns, or one nobody does, is a conflict.
    if backend.owns_files() && settings.install {
        if let Ok(db) = crate::db::read(&s.cx.dirs.data) {
            let to = settings.prefix.join("bin").join(&v.installed_name);
            checks.push(match conflict(&db, &v.id, &to, overwrite) {
                None => check(
                    "destination",
                    true,
                    format!("{} is free", to.display()),
                    true,
                ),
                Some(why) => check("destination", false, why, true),
            });
        }
    }
    // The prefix the cargo backend (or a bottle) installs into.
    if backend.owns_files() && settings.install {
        let bin = settings.prefix.join("bin");
        checks.push(match writable(&bin) {
            Ok(()) => check(
                "prefix",
                true,
                format!("{} is writable", bin.display()),
                true,
            ),
            Err(why) => check("prefix", false, why, true),
        });
    }
    checks
}

/// Whether `dir` can be written, or created: it is a directory we may write, or its nearest
/// existing ancestor is. Only looks.
fn writable(dir: &Path) -> std::result::Result<(), String> {
    let mut cur = dir;
    loop {
        match std::fs::metadata(cur) {
            Ok(m) if !m.is_dir() => {
                return Err(format!(
                    "{} cannot be created: {} is a file, not a directory",
                    dir.display(),
                    cur.display()
                ))
            }
            Ok(_) => break,
            Err(_) => match cur.parent() {
                Some(p) => cur = p,
                None => return Err(format!("{} has no existing parent", dir.display())),
            },
        }
    }
    if may_write(cur) {
        Ok(())
    } else {
        Err(format!(
            "{} is not writable{}: pick another --prefix (the default is ~/.local)",
            cur.display(),
            if cur == dir {
                String::new()
            } else {
                format!(" (needed to create {})", dir.display())
            }
        ))
    }
}

#[cfg(unix)]
fn may_write(dir: &Path) -> bool {
    rustix::fs::access(dir, rustix::fs::Access::WRITE_OK).is_ok()
}

#[cfg(not(unix))]
fn may_write(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
}

/// A warning when the user named a GPU variant that detection does not see here (it may be
/// a build host for another machine).
pub fn gpu_check(s: &Session, v: &Variant) -> Option<Check> {
    let b = GpuBackend::of_feature(&v.feature)?;
    let host = s.cx.host().ok()?;
    if host.backends.iter().any(|x| x == b.name()) {
        return None;
    }
    Some(check(
        "gpu",
        false,
        format!(
            "{} is a {} variant, and no {} GPU is seen here (fine on a build host for another machine; set RBEE_WORKERS_GPU={} if detection is wrong)",
            v.id,
            b.name(),
            b.vendor(),
            b.name()
        ),
        false,
    ))
}

/// The error for a plan whose blocking pre-flight checks failed.
pub fn preflight_error(plan: &Plan) -> Option<Error> {
    let failed: Vec<String> = plan
        .preflight
        .iter()
        .filter(|c| c.blocking && !c.ok)
        .map(|c| format!("{}: {}", c.check, c.message))
        .collect();
    (!failed.is_empty()).then(|| Error::Preflight {
        id: plan.id.clone(),
        failed,
    })
}

/// Why `to` cannot be installed by `id`, if it cannot: another install owns it (one path
/// never has two owners), it is a directory, or a file no install owns is there (pacman's
/// "exists in filesystem"; `--overwrite` replaces it). An install may replace its own file.
pub fn conflict(db: &crate::db::Database, id: &str, to: &Path, overwrite: bool) -> Option<String> {
    if let Some(other) = db
        .installed
        .values()
        .find(|r| r.id != id && r.files.iter().any(|f| f.path == to))
    {
        return Some(format!(
            "{} is owned by {} {}: two installs cannot share a file",
            to.display(),
            other.id,
            other.version
        ));
    }
    let meta = std::fs::symlink_metadata(to).ok()?;
    if meta.is_dir() {
        return Some(format!("{} exists and is a directory", to.display()));
    }
    let ours = db
        .installed
        .get(id)
        .is_some_and(|r| r.files.iter().any(|f| f.path == to));
    (!ours && !overwrite).then(|| {
        format!(
            "{} exists in filesystem and no install owns it; --overwrite replaces it",
            to.display()
        )
    })
}
