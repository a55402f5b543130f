//! Everything a command needs to know about where and how it runs, resolved once in `main`
//! (ripgrep's `HiArgs`): the global flags, the directories, the configuration (loaded once),
//! the catalog root, the unpack limit, and a host probe that runs only when a command asks
//! for it — so `RBEE_WORKERS_GPU=bogus rbee-workers verify` works, and `install` fails on it.

use crate::config::{AutoWatch, Config};
use crate::detect::{self, Detection};
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::kinds::Color;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The global flags, as parsed (before anything is read from the machine).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `--root`, else a non-empty `$RBEE_WORKERS_ROOT`.
    pub root: Option<PathBuf>,
    pub json: bool,
    pub offline: bool,
    pub noconfirm: bool,
    pub verbosity: i8,
    pub color: Color,
}

/// The resolved settings every command takes by reference.
#[derive(Debug, Clone)]
pub struct Context {
    pub json: bool,
    pub offline: bool,
    pub noconfirm: bool,
    pub verbosity: i8,
    pub dirs: Dirs,
    pub config: Config,
    pub cwd: PathBuf,
    /// The local catalog root: `--root`, `$RBEE_WORKERS_ROOT`, or the nearest ancestor of the
    /// working directory with workers; absolute. None when there is none.
    pub root: Option<PathBuf>,
    /// `--root` or `$RBEE_WORKERS_ROOT` as given, for `refresh`.
    root_arg: Option<PathBuf>,
    /// What an archive may expand to (`RBEE_WORKERS_UNPACK_LIMIT`, `_ENTRIES`); a bad value is
    /// an error for the commands that unpack.
    pub unpack_limit: std::result::Result<crate::unpack::Limit, String>,
    /// Whether a command starts a watcher of the local catalog by itself
    /// (`RBEE_WORKERS_WATCH`, else config's `[discovery] watch`); a bad value is an error for
    /// the commands that discover the local catalog.
    pub watch: std::result::Result<AutoWatch, String>,
    /// Whether `CI` says this runs in continuous integration (set, and not `false` or `0`):
    /// `auto` starts no watcher there (Nx and Turborepo keep their daemons out of CI too).
    pub ci: bool,
    /// Whether this process runs as root (makepkg refuses to).
    pub as_root: bool,
    /// `$PATH`, for finding toolkits and warning when an install's bin is not on it.
    pub path: Vec<PathBuf>,
    host: OnceLock<std::result::Result<Detection, String>>,
}

/// `RBEE_WORKERS_WATCH` (empty is unset), else the configuration's `[discovery] watch`.
fn auto_watch(config: &Config) -> std::result::Result<AutoWatch, String> {
    match std::env::var_os("RBEE_WORKERS_WATCH") {
        Some(v) if !v.is_empty() => v.to_str().and_then(AutoWatch::parse).ok_or_else(|| {
            format!(
                "RBEE_WORKERS_WATCH is `{}`; expected auto (a command starts a watcher for a local catalog of {} worker directories or more), always or never",
                v.to_string_lossy(),
                crate::config::AUTO_WATCH_MIN
            )
        }),
        _ => Ok(config.discovery.watch),
    }
}

impl Context {
    /// Reads the environment and the configuration file once.
    pub fn new(g: &Globals) -> Result<Context> {
        let dirs = Dirs::from_env()?;
        let config = Config::load(&crate::sources::config_path(&dirs))?;
        let cwd =
            std::env::current_dir().map_err(|e| Error::io("read", "the working directory", e))?;
        let root =
            crate::catalog::resolve_root(g.root.as_deref(), None, &cwd).map(|r| absolute(&cwd, &r));
        Ok(Context {
            json: g.json,
            offline: g.offline,
            noconfirm: g.noconfirm,
            verbosity: g.verbosity,
            dirs,
            cwd,
            root,
            root_arg: g.root.clone(),
            unpack_limit: crate::unpack::limit_from_env(),
            watch: auto_watch(&config),
            ci: std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0"),
            config,
            as_root: detect::running_as_root(),
            path: search_path(),
            host: OnceLock::new(),
        })
    }

    /// A context for library callers and tests: the given directories, the default
    /// configuration, no catalog root, and the host as `RBEE_WORKERS_GPU`/the probes say.
    pub fn with_dirs(dirs: Dirs, offline: bool) -> Context {
        Context {
            json: false,
            offline,
            noconfirm: false,
            verbosity: -1,
            dirs,
            config: Config::default(),
            cwd: PathBuf::from("/"),
            root: None,
            root_arg: None,
            unpack_limit: Ok(crate::unpack::Limit::default()),
            watch: Ok(AutoWatch::Never),
            ci: false,
            as_root: detect::running_as_root(),
            path: search_path(),
            host: OnceLock::new(),
        }
    }

    /// The same context with the configuration read again and the root resolved again, for
    /// a long-running `serve` that answers from the files as they are now.
    pub fn refresh(&self) -> Result<Context> {
        let mut cx = self.clone();
        cx.config = Config::load(&crate::sources::config_path(&cx.dirs))?;
        cx.root = crate::catalog::resolve_root(self.root_arg.as_deref(), None, &self.cwd)
            .map(|r| absolute(&self.cwd, &r));
        Ok(cx)
    }

    /// The same context on a given host (tests: a macOS host for the brew backend).
    pub fn on_host(self, d: Detection) -> Context {
        let host = OnceLock::new();
        let _ = host.set(Ok(d));
        Context { host, ..self }
    }

    /// This machine: OS, arch, GPUs and the backends it runs, probed on first use.
    /// `RBEE_WORKERS_GPU` with a value it does not know is a usage error — for the commands
    /// that look at the host, and only for them.
    pub fn host(&self) -> Result<&Detection> {
        self.host
            .get_or_init(|| detect::decide(&detect::probe()))
            .as_ref()
            .map_err(|e| Error::Usage(e.clone()))
    }

    /// The data directory (the installed database).
    pub fn data(&self) -> PathBuf {
        self.dirs.data.clone()
    }

    /// Whether notes and progress are shown (not under `--quiet` or `--json`).
    pub fn chatty(&self) -> bool {
        self.verbosity >= 0 && !self.json
    }
}

fn search_path() -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default()
}

/// `root` made absolute against `cwd`, without `.` components (builds run elsewhere).
fn absolute(cwd: &Path, root: &Path) -> PathBuf {
    cwd.join(root)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}
