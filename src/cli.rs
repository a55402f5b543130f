//! The command line, and nothing else: clap derive definitions, converted into the library's
//! own request types so the rest of the crate never sees clap.

use crate::build::Backend;
use crate::catalog::Filter;
use crate::commands::complete;
use crate::context::Globals;
use crate::error::Error;
use crate::install::Options;
use crate::kinds::Color;
use crate::kinds::Sort;
use crate::render::{arch, brew};
use crate::request::Request;
use clap::{Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;
use std::path::PathBuf;

/// `--version`'s text as a literal, for `LONG_VERSION` and `VERBOSE_VERSION` alike.
macro_rules! long_version {
    () => {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("RBEE_WORKERS_COMMIT"),
            " ",
            env!("RBEE_WORKERS_COMMIT_DATE"),
            ", ",
            env!("RBEE_WORKERS_TARGET"),
            ")"
        )
    };
}

/// `--version`: what a bug report needs (`-V` prints the short form).
const LONG_VERSION: &str = long_version!();

/// `--version --verbose`, as `cargo -vV` prints it: the long version, then one `key: value`
/// a line for what a bug report may need besides.
pub const VERBOSE_VERSION: &str = concat!(
    "rbee-workers ",
    long_version!(),
    "\nrelease: ",
    env!("CARGO_PKG_VERSION"),
    "\ncommit-hash: ",
    env!("RBEE_WORKERS_COMMIT"),
    "\ncommit-date: ",
    env!("RBEE_WORKERS_COMMIT_DATE"),
    "\nhost: ",
    env!("RBEE_WORKERS_TARGET"),
    "\nfeatures: ",
    env!("RBEE_WORKERS_FEATURES"),
    "\nprofile: ",
    env!("RBEE_WORKERS_PROFILE"),
    "\nrustc: ",
    env!("RBEE_WORKERS_RUSTC"),
    "\n"
);

/// Whether `args` (the command line after the program) ask for more (`-v`, `--verbose`),
/// read before clap answers `--version` by itself.
pub fn asks_verbose(args: &[String]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| {
        a == "--verbose" || (a.starts_with('-') && !a.starts_with("--") && a.contains('v'))
    })
}

/// The commands `--noconfirm` and `--offline` act on (and that take them after the name).
const ASKS: &str = "build, install, upgrade, remove and new";
const ONLINE: &str =
    "build, install, upgrade, sync, pkgbuild, formula, export, serve, vote, unvote and rate";

/// A command line with `--noconfirm`/`--offline` moved before the subcommand, and what to
/// tell the user about it.
pub struct Moved {
    pub args: Vec<std::ffi::OsString>,
    pub note: String,
}

/// When `parsed` failed only because `--noconfirm` or `--offline` came after a command they
/// do nothing for: the same line with the flag before the subcommand, where every command
/// takes it (DESIGN section 5: global flags work before or after the subcommand).
pub fn misplaced(
    args: &[std::ffi::OsString],
    parsed: Result<Cli, clap::Error>,
) -> Result<Cli, (clap::Error, Option<Moved>)> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let e = match parsed {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    if e.kind() != ErrorKind::UnknownArgument {
        return Err((e, None));
    }
    let (flag, takers) = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) if a == "--noconfirm" => ("--noconfirm", ASKS),
        Some(ContextValue::String(a)) if a == "--offline" => ("--offline", ONLINE),
        _ => return Err((e, None)),
    };
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let Some(at) = args[..end].iter().rposition(|a| a == flag) else {
        return Err((e, None));
    };
    let mut moved = args.to_vec();
    let f = moved.remove(at);
    moved.insert(1.min(moved.len()), f);
    let note = format!("`{flag}` does nothing for this command; it acts on {takers}");
    Err((e, Some(Moved { args: moved, note })))
}

/// clap's "unexpected argument" for `--noconfirm` or `--offline` after a command they do
/// nothing for, with a tip that says so and where they act.
pub fn explain(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return e;
    }
    let takers = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) if a == "--noconfirm" => ASKS,
        Some(ContextValue::String(a)) if a == "--offline" => ONLINE,
        _ => return e,
    };
    let tip = format!("it does nothing for this command; it acts on {takers}");
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![tip.into()]),
    );
    e
}

/// The root page's DESCRIPTION (`--help` and man).
const LONG_ABOUT: &str = "An AUR-helper-style package manager for rbee workers: Rust crates that build in cpu, cuda, metal and rocm variants chosen by cargo features. A worker is a directory with a worker.toml beside its Cargo.toml; the variants, the version, the PKGBUILDs and .SRCINFO, the Homebrew formulas, the JSON catalog, builds and installs are derived from those two files.

The local catalog is --root DIR, else $RBEE_WORKERS_ROOT, else the nearest ancestor of the working directory whose bin/ holds a worker.toml; remote sources (git repositories, exported catalogs) are added with `source add` and refreshed with `sync`. Every query has --json, a stable schema.";

const EXAMPLES: &str = "Examples:
  rbee-workers list                          every variant, marked [installed]
  rbee-workers search llm cuda               variants matching every term
  rbee-workers info llm-worker               a worker, its variants, the one picked here
  rbee-workers install llm-worker            build and install the best variant here
  rbee-workers upgrade                       rebuild what the catalog has newer
  rbee-workers remove llm-worker-cuda        remove exactly the recorded files
  rbee-workers pkgbuild llm-worker-cuda      a PKGBUILD for Arch Linux";

/// Discover, package, build and install rbee workers.
#[derive(Debug, Parser)]
#[command(name = "rbee-workers", version, long_version = LONG_VERSION, about, long_about = LONG_ABOUT, after_long_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// The local catalog: a directory whose bin/ holds worker crates [env: RBEE_WORKERS_ROOT]
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print one JSON document (schema 1) on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Use only what is cached; never touch the network
    #[arg(long, long_help = format!("Use only what is cached; never touch the network (it acts on {ONLINE})"))]
    pub offline: bool,
    /// Answer yes to every question, as pacman does
    #[arg(long, long_help = format!("Answer yes to every question, as pacman does (it acts on {ASKS})"))]
    pub noconfirm: bool,
    /// Print less (warnings about broken workers are kept out of the way)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Print more
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour the output
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every variant in the catalog
    ///
    /// Installed variants are marked as pacman -Ss marks them ([installed], or [installed:
    /// OLD] when the catalog has another version); community workers and untrusted sources
    /// are [unverified]; a variant this host cannot run is [not for this host]. A broken
    /// worker is a warning naming its file, line and column, never a missing row.
    #[command(
        visible_alias = "ls",
        after_long_help = "Examples:
  rbee-workers list
  rbee-workers list --platform macos/aarch64 --backend metal
  rbee-workers list --installed              installed variants, and newer catalog versions
  rbee-workers list --json | jq -r '.workers[].id'"
    )]
    List {
        /// Only variants that run on OS or OS/ARCH (linux, macos, windows; x86_64, aarch64)
        #[arg(long, value_name = "OS[/ARCH]")]
        platform: Option<String>,
        /// Only variants of one feature (cpu, cuda, metal, rocm, …)
        #[arg(long, value_name = "FEATURE")]
        backend: Option<String>,
        /// Only installed variants
        #[arg(long)]
        installed: bool,
        /// Leave out the `[not for this host]` marks
        #[arg(long)]
        no_host_hint: bool,
    },
    /// Find variants whose id, name, tags, description or capabilities match every term
    ///
    /// Terms match case-insensitively; the best match comes first: exact id, id prefix, id
    /// substring, name, tags, description, capabilities.
    #[command(after_long_help = "Examples:
  rbee-workers search llm cuda
  rbee-workers search gguf --json")]
    Search {
        /// Terms that must all match (case-insensitively)
        #[arg(required = true, value_name = "QUERY")]
        terms: Vec<String>,
        /// Order of the results: best match, or the registry's counts (most first), or id
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Leave out the `[not for this host]` marks
        #[arg(long)]
        no_host_hint: bool,
    },
    /// Show a variant, or a worker with all its variants and the one `install` would pick
    ///
    /// A variant is shown as pacman -Si shows a package, with what is installed and the
    /// installs that require it; a worker lists its variants and recommends the one this
    /// machine's GPU runs (RBEE_WORKERS_GPU overrides the detection).
    #[command(after_long_help = "Examples:
  rbee-workers info llm-worker-cuda
  rbee-workers info llm-worker
  rbee-workers info extra/llm-worker-cpu     the one from source `extra`")]
    Info {
        /// A variant id (llm-worker-cuda), a worker id (llm-worker), or SOURCE/ID
        #[arg(add = ArgValueCandidates::new(complete::catalog_ids))]
        id: String,
    },
    /// Show the GPUs found here and the backends this machine can run, best first
    Detect,
    /// Watch the local catalog, so a command about one worker need not look at every one
    ///
    /// The watcher (inotify; Linux) tells each command which worker directories changed since
    /// its last run; a warm `info ID` at 10,000 workers then costs about what it does at 100.
    /// A command on a local catalog of 1000 worker directories or more starts one by itself
    /// in the background when none answers, outside CI (RBEE_WORKERS_WATCH=auto|always|never,
    /// or config's `[discovery] watch`); without a watcher every command looks at every
    /// directory. It exits after --idle seconds without a command asking, or when the catalog
    /// is gone.
    #[command(after_long_help = "Examples:
  rbee-workers --root . watch --background   start one for this catalog, return once it answers
  rbee-workers --root . watch --status
  rbee-workers --root . watch --stop")]
    Watch {
        /// Start the watcher in the background and return once it answers
        #[arg(long, conflicts_with_all = ["stop", "status"])]
        background: bool,
        /// Stop the watcher of this catalog
        #[arg(long, conflicts_with = "status")]
        stop: bool,
        /// Say whether a watcher of this catalog runs, and what it watches
        #[arg(long)]
        status: bool,
        /// Exit after this many seconds without a command asking
        #[arg(long, value_name = "SECS", default_value_t = crate::commands::watcher::IDLE.as_secs())]
        idle: u64,
    },
    /// Build a variant without installing it
    ///
    /// Backends: auto picks makepkg on an Arch host (not as root), brew on macOS with Homebrew, else cargo. The cargo backend builds in the source checkout and installs PREFIX/bin/NAME (default ~/.local); makepkg writes the local PKGBUILD into the cache and hands the package to pacman; brew installs from the local tap rbee/local.
    ///
    /// Review: an unverified worker (a community worker, or one from a source added without --trusted) is shown before it builds: the plan's exact files and commands, and you are asked; --noconfirm answers yes. Its cargo steps run in a bubblewrap sandbox when bwrap is installed.
    #[command(after_long_help = "Examples:
  rbee-workers build hello-worker-cpu --out dist/
  rbee-workers build llm-worker --dry-run    every step and exact command; runs nothing")]
    Build {
        /// A variant id, or a worker id for the best variant for this machine
        #[arg(add = ArgValueCandidates::new(complete::catalog_ids))]
        id: String,
        #[command(flatten)]
        how: BuildArgs,
        /// Copy the built binary (or package) into DIR
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write a bottle (the binary, its license and bottle.json, for this target) into
        /// --out DIR instead: {id}-{version}.{target}.bottle.tar.gz
        #[arg(long, requires = "out")]
        bottle: bool,
        #[command(flatten)]
        ask: Confirm,
        #[command(flatten)]
        net: Offline,
    },
    /// Build and install variants; a worker id picks the best variant for this machine
    ///
    /// Dependencies between workers are resolved first and installed before their
    /// dependents. A pre-flight checks toolkits (nvcc, hipcc), system packages and the
    /// destination before anything builds.
    ///
    /// Backends: auto picks makepkg on an Arch host (not as root), brew on macOS with Homebrew, else cargo. The cargo backend builds in the source checkout and installs PREFIX/bin/NAME (default ~/.local); makepkg writes the local PKGBUILD into the cache and hands the package to pacman; brew installs from the local tap rbee/local.
    ///
    /// Review: an unverified worker (a community worker, or one from a source added without --trusted) is shown before it builds: the plan's exact files and commands, and you are asked; --noconfirm answers yes. Its cargo steps run in a bubblewrap sandbox when bwrap is installed.
    ///
    /// Database: every install is recorded in $XDG_DATA_HOME/rbee-workers/installed.json (its files with their sha256, its origin, its reason), changed only under a lock and through a journal, so an interrupted change is finished or undone on the next run.
    #[command(after_long_help = "Examples:
  rbee-workers install llm-worker            the best variant for this machine
  rbee-workers install llm-worker-cuda --prefix /opt/rbee
  rbee-workers install llm-worker --dry-run --json
  rbee-workers install tts-worker --noconfirm")]
    Install {
        /// Variant ids (llm-worker-cuda), or worker ids (llm-worker) for the best variant here
        #[arg(required = true, value_name = "ID", add = ArgValueCandidates::new(complete::catalog_ids))]
        ids: Vec<String>,
        #[command(flatten)]
        how: BuildArgs,
        /// Install under DIR (binaries in DIR/bin); cargo backend only [default: ~/.local]
        #[arg(long, value_name = "DIR")]
        prefix: Option<PathBuf>,
        /// Skip what is installed at the same version already (as pacman --needed)
        #[arg(long)]
        needed: bool,
        /// Replace a file at the destination that no install owns (as pacman --overwrite)
        #[arg(long)]
        overwrite: bool,
        /// Build even when the index source publishes a bottle for this target
        #[arg(long)]
        build_from_source: bool,
        #[command(flatten)]
        ask: Confirm,
        #[command(flatten)]
        net: Offline,
    },
    /// Rebuild installed variants whose catalog version is newer
    ///
    /// Each is rebuilt with the backend and flavour it was installed with, from where it was
    /// installed (whatever the working directory); a dependency is never moved outside what
    /// an installed dependent requires. Unverified workers are reviewed again.
    ///
    /// Database: every install is recorded in $XDG_DATA_HOME/rbee-workers/installed.json (its files with their sha256, its origin, its reason), changed only under a lock and through a journal, so an interrupted change is finished or undone on the next run.
    #[command(after_long_help = "Examples:
  rbee-workers upgrade
  rbee-workers upgrade llm-worker --dry-run")]
    Upgrade {
        /// Variant or worker ids (default: everything installed)
        #[arg(value_name = "ID", add = ArgValueCandidates::new(complete::installed_ids))]
        ids: Vec<String>,
        /// Print the plan and run nothing
        #[arg(long)]
        dry_run: bool,
        /// Build unverified workers outside the bubblewrap sandbox
        #[arg(long)]
        no_sandbox: bool,
        /// Build even what was installed from a bottle, and what has a bottle now
        #[arg(long)]
        build_from_source: bool,
        #[command(flatten)]
        ask: Confirm,
        #[command(flatten)]
        net: Offline,
    },
    /// Remove installed variants (exactly the files that were recorded)
    ///
    /// It asks first ([Y/n], as pacman does; --noconfirm answers yes) and refuses while
    /// another install requires what it removes, unless --cascade.
    ///
    /// Database: every install is recorded in $XDG_DATA_HOME/rbee-workers/installed.json (its files with their sha256, its origin, its reason), changed only under a lock and through a journal, so an interrupted change is finished or undone on the next run.
    #[command(visible_aliases = ["rm", "uninstall"], after_long_help = "Examples:
  rbee-workers remove llm-worker-cuda
  rbee-workers remove llm-worker             every installed variant of it
  rbee-workers remove base-worker-cpu --cascade
  rbee-workers remove --orphans --noconfirm")]
    Remove {
        /// Installed variant ids, or worker ids for every installed variant of them
        #[arg(required_unless_present = "orphans", value_name = "ID", add = ArgValueCandidates::new(complete::installed_ids))]
        ids: Vec<String>,
        /// Print what would be removed and remove nothing
        #[arg(long)]
        dry_run: bool,
        /// Also remove every installed worker that requires what is removed (as pacman -Rc)
        #[arg(long)]
        cascade: bool,
        /// Also remove dependency installs that nothing installed requires any more
        #[arg(long)]
        orphans: bool,
        #[command(flatten)]
        ask: Confirm,
    },
    /// Re-hash every installed file and report any that changed or vanished
    ///
    /// Database: every install is recorded in $XDG_DATA_HOME/rbee-workers/installed.json (its files with their sha256, its origin, its reason), changed only under a lock and through a journal, so an interrupted change is finished or undone on the next run.
    #[command(after_long_help = "Examples:
  rbee-workers verify
  rbee-workers verify --json")]
    Verify,
    /// Manage remote sources of workers (git repositories, exported catalogs)
    ///
    /// Sources are searched in order after the local catalog; the first that holds an id
    /// wins, and SOURCE/ID names one explicitly. Workers of a source added without --trusted
    /// are unverified: reviewed before they build.
    #[command(
        subcommand,
        after_long_help = "Examples:
  rbee-workers source add extra https://github.com/example/workers.git
  rbee-workers source add mirror https://example.com/catalog/index.json --trusted
  rbee-workers sync
  rbee-workers source remove extra"
    )]
    Source(SourceCommand),
    /// Refresh every remote source (clone/fetch git sources, revalidate index sources)
    ///
    /// A source that cannot be reached keeps its cached copy; the others are refreshed.
    #[command(after_long_help = "Examples:
  rbee-workers sync
  rbee-workers sync --json")]
    Sync {
        #[command(flatten)]
        net: Offline,
    },
    /// The deployment gate: validate and render every worker × variant × flavour
    ///
    /// Every problem is reported with its location in one run; bash -n, shellcheck and
    /// ruby -c judge the renders when they are installed. Exit 4 when an error remains.
    #[command(after_long_help = "Examples:
  rbee-workers --root . check
  rbee-workers check --changed origin/main   only the workers a pull request touches")]
    Check {
        /// Only the workers changed since REV (their directory, workspace Cargo.toml or
        /// Cargo.lock), found with git
        #[arg(long, value_name = "REV")]
        changed: Option<String>,
    },
    /// Write a worker.toml for the crate at PATH (asking for each value; --noconfirm takes
    /// the proposed ones), then validate it as `check` does
    New {
        /// The crate's directory [default: the current directory]
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        #[command(flatten)]
        ask: Confirm,
    },
    /// Build, test, install into a throwaway prefix and smoke-test variants (what CI runs on
    /// a submitted worker); variants this host cannot build are skipped
    Test {
        /// Variant or worker ids (default: every variant)
        #[arg(value_name = "ID", add = ArgValueCandidates::new(complete::catalog_ids))]
        ids: Vec<String>,
        /// Only the workers changed since REV, found with git
        #[arg(long, value_name = "REV")]
        changed: Option<String>,
        /// Also write the results as JUnit XML to FILE
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Run the cargo steps outside the bubblewrap sandbox
        #[arg(long)]
        no_sandbox: bool,
    },
    /// Print a shell completion script
    ///
    /// The static script completes subcommands and flags. For worker and variant ids too,
    /// register the dynamic one instead: COMPLETE=bash rbee-workers (or zsh, fish).
    #[command(after_long_help = "Examples:
  rbee-workers completions bash > /usr/share/bash-completion/completions/rbee-workers
  echo 'source <(COMPLETE=bash rbee-workers)' >> ~/.bashrc")]
    Completions {
        /// The shell to print the script for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Regenerate completions/ and man/ under DIR (for maintainers)
    #[command(hide = true)]
    GenerateAssets {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Serve the catalog over HTTP (always the current files on disk)
    Serve {
        /// Address to listen on
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8787")]
        addr: String,
        /// Keep a community registry (votes, ratings) in sqlite:PATH or postgres://…
        /// [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]
        #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
        db: Option<String>,
        /// Registry writes a minute allowed per token
        #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
        write_limit: u32,
        #[command(flatten)]
        net: Offline,
    },
    /// Write the catalog as static files (index.json, PKGBUILDs, formulas) into DIR
    Export {
        /// Where to write the files (replaced whole, never half-written)
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Publish the bottles (`build --bottle`) in DIR2 under DIR/bottles/, listed per
        /// variant in index.json
        #[arg(long, value_name = "DIR2")]
        bottles: Option<PathBuf>,
        /// Sign index.json with this minisign secret key (`key generate`), writing
        /// index.json.minisig
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Snapshot the community registry's counts (sqlite:PATH or postgres://…) into it
        /// [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]
        #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
        db: Option<String>,
        #[command(flatten)]
        net: Offline,
    },
    /// Store a registry token for an index source (read from a prompt, or standard input)
    Login {
        /// The index source whose registry issued the token
        source: String,
    },
    /// Vote for a worker in the registry of the index source that provides it
    Vote {
        /// A worker or variant id (a variant's vote counts for its worker), or SOURCE/ID
        id: String,
        #[command(flatten)]
        net: Offline,
    },
    /// Take back your vote for a worker
    Unvote {
        /// A worker or variant id, or SOURCE/ID
        id: String,
        #[command(flatten)]
        net: Offline,
    },
    /// Rate a worker from 1 to 5 stars, with an optional short review
    Rate {
        /// A worker or variant id, or SOURCE/ID
        id: String,
        /// 1 to 5
        #[arg(value_parser = clap::value_parser!(u8).range(1..=5))]
        stars: u8,
        /// A review of at most 2,000 characters on one line
        #[arg(long, value_name = "TEXT")]
        review: Option<String>,
        #[command(flatten)]
        net: Offline,
    },
    /// The community registry's accounts (run by the operator, against its database)
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Make a minisign key pair to sign exports with
    #[command(subcommand)]
    Key(KeyCommand),
    /// Render a variant's PKGBUILD (or .SRCINFO) for Arch Linux, or a worker's split package
    #[command(after_long_help = "Examples:
  rbee-workers pkgbuild llm-worker-cuda
  rbee-workers pkgbuild llm-worker-cuda --flavor git --srcinfo
  rbee-workers pkgbuild hello-worker-cpu --flavor local --out pkg/
  rbee-workers pkgbuild llm-worker --flavor git   one split package")]
    Pkgbuild {
        /// A variant id (llm-worker-cuda), or a worker id (llm-worker) for one split package of
        /// all its Linux variants
        #[arg(add = ArgValueCandidates::new(complete::catalog_ids))]
        id: String,
        /// release: the tagged tarball; git: a VCS package `ID-git`; local: this source tree
        #[arg(long, value_enum, default_value_t = PkgFlavor::Release)]
        flavor: PkgFlavor,
        /// Print .SRCINFO instead of the PKGBUILD (with --out both are always written)
        #[arg(long)]
        srcinfo: bool,
        /// Write DIR/PKGBUILD and DIR/.SRCINFO (and the local source tarball) instead
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Look for templates in DIR before the user's and the built-in ones
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        #[command(flatten)]
        net: Offline,
    },
    /// Render a variant's Homebrew formula
    #[command(after_long_help = "Examples:
  rbee-workers formula llm-worker-metal
  rbee-workers formula llm-worker-metal --flavor head --out Formula/")]
    Formula {
        /// A variant id that runs on macOS, e.g. llm-worker-metal
        #[arg(add = ArgValueCandidates::new(complete::catalog_ids))]
        id: String,
        /// release: url + sha256 of the tagged tarball; head: build the branch head
        #[arg(long, value_enum, default_value_t = BrewFlavor::Release)]
        flavor: BrewFlavor,
        /// Write DIR/<variant>.rb instead
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Look for templates in DIR before the user's and the built-in ones
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        #[command(flatten)]
        net: Offline,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Add, list or disable accounts
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account and print its token once
    Add {
        /// Letters, digits, `-`, `_` or `.` (shown as the author of reviews)
        name: String,
        /// sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]
        #[arg(long, value_name = "URL")]
        db: Option<String>,
    },
    /// List the accounts
    List {
        /// sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]
        #[arg(long, value_name = "URL")]
        db: Option<String>,
    },
    /// Disable an account: its token stops working, its votes and ratings stop counting
    Disable {
        /// The account's name
        name: String,
        /// sqlite:PATH or postgres://… [default: sqlite:$XDG_DATA_HOME/rbee-workers/registry.db]
        #[arg(long, value_name = "URL")]
        db: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    Relevance,
    Votes,
    Popularity,
    Rating,
    Name,
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a source: a git URL (https, ssh, file) or an index.json URL or path
    Add {
        /// A name for it (lowercase letters, digits, `-`), used as SOURCE/ID
        name: String,
        /// A git URL, or an index.json URL or path
        url: String,
        /// The branch or tag to follow (git sources; default: the remote's HEAD)
        #[arg(long = "ref", value_name = "REF")]
        git_ref: Option<String>,
        /// Trust its workers: build them without review
        #[arg(long)]
        trusted: bool,
        /// git or index [default: index for URLs ending in .json, else git]
        #[arg(long, value_enum)]
        kind: Option<SourceKindArg>,
        /// Pin the minisign public key (RW…, or a file holding it) its index must be signed
        /// with: `sync` refuses an index whose signature does not verify, and an unsigned one
        #[arg(long, value_name = "PUBKEY")]
        key: Option<String>,
    },
    /// Remove a source and its cached copy
    Remove {
        /// The source's name, as `source list` shows it
        #[arg(add = ArgValueCandidates::new(complete::source_names))]
        name: String,
    },
    /// List the sources in search order
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write rbee-workers.key (secret, mode 0600, unencrypted) and rbee-workers.pub
    Generate {
        /// Where to write them [default: $XDG_CONFIG_HOME/rbee-workers/keys]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceKindArg {
    Git,
    Index,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// auto: makepkg on Arch, brew on macOS, else cargo
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    backend: BackendArg,
    /// What to build: local (the source tree; cargo, makepkg), release (the tagged tarball;
    /// cargo, brew) or head (brew)
    #[arg(long, value_enum, default_value_t = BuildFlavor::Local)]
    flavor: BuildFlavor,
    /// Print the plan (every step and command) and run nothing
    #[arg(long)]
    dry_run: bool,
    /// Do not check the system packages the variant depends on (as makepkg --nodeps)
    #[arg(long)]
    nodeps: bool,
    /// Build an unverified worker outside the bubblewrap sandbox, with your full rights
    #[arg(long)]
    no_sandbox: bool,
}

/// `--noconfirm` after the subcommand: only the commands that ask something take it (before
/// the subcommand every command accepts it, as a program's own option).
#[derive(Debug, clap::Args)]
pub struct Confirm {
    /// Answer yes to every question (the review of an unverified worker, a removal, the values
    /// `new` proposes), as pacman does
    #[arg(long)]
    noconfirm: bool,
}

/// `--offline` after the subcommand: only the commands that would touch the network take it.
#[derive(Debug, clap::Args)]
pub struct Offline {
    /// Use only what is cached (sources, downloads); never touch the network
    #[arg(long)]
    offline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    Auto,
    Cargo,
    Makepkg,
    Brew,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuildFlavor {
    Local,
    Release,
    Head,
}

impl BuildArgs {
    fn options(&self) -> Result<Options, Error> {
        let backend = match self.backend {
            BackendArg::Auto => None,
            BackendArg::Cargo => Some(Backend::Cargo),
            BackendArg::Makepkg => Some(Backend::Makepkg),
            BackendArg::Brew => Some(Backend::Brew),
        };
        let brew = backend == Some(Backend::Brew);
        match (self.flavor, brew) {
            (BuildFlavor::Local, true) => {
                return Err(Error::Usage("the brew backend builds from the release tarball or the branch head: --flavor release|head".into()))
            }
            (BuildFlavor::Head, false) if backend.is_some() => {
                return Err(Error::Usage("--flavor head is for the brew backend; cargo and makepkg build --flavor local or release".into()))
            }
            (BuildFlavor::Release, false) if backend == Some(Backend::Makepkg) => {
                return Err(Error::Usage("the makepkg backend builds this source tree (--flavor local); `pkgbuild ID` renders the release PKGBUILD".into()))
            }
            _ => {}
        }
        Ok(Options {
            backend,
            prefix: None,
            dry_run: self.dry_run,
            head: self.flavor == BuildFlavor::Head,
            release: self.flavor == BuildFlavor::Release,
            out: None,
            needed: false,
            nodeps: self.nodeps,
            overwrite: false,
            no_sandbox: self.no_sandbox,
            sandbox: false,
            build_from_source: false,
            bottle: false,
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PkgFlavor {
    Release,
    Git,
    Local,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BrewFlavor {
    Release,
    Head,
}

impl Command {
    /// `--noconfirm` and `--offline` as given after the subcommand, which takes each only
    /// where it acts.
    fn confirm_offline(&self) -> (bool, bool) {
        match self {
            Command::Build { ask, net, .. }
            | Command::Install { ask, net, .. }
            | Command::Upgrade { ask, net, .. } => (ask.noconfirm, net.offline),
            Command::Remove { ask, .. } | Command::New { ask, .. } => (ask.noconfirm, false),
            Command::Sync { net }
            | Command::Pkgbuild { net, .. }
            | Command::Formula { net, .. }
            | Command::Export { net, .. }
            | Command::Serve { net, .. }
            | Command::Vote { net, .. }
            | Command::Unvote { net, .. }
            | Command::Rate { net, .. } => (false, net.offline),
            _ => (false, false),
        }
    }
}

impl Cli {
    /// `-v` counts up, `-q` down.
    pub fn verbosity(&self) -> i8 {
        i8::try_from(self.verbose).unwrap_or(i8::MAX) - i8::try_from(self.quiet).unwrap_or(i8::MAX)
    }

    pub fn color(&self) -> Color {
        match self.color {
            ColorWhen::Auto => Color::Auto,
            ColorWhen::Always => Color::Always,
            ColorWhen::Never => Color::Never,
        }
    }

    /// Converts the parsed command line into library types, validating values clap can't.
    pub fn into_request(self) -> Result<(Globals, Request), Error> {
        let (verbosity, color) = (self.verbosity(), self.color());
        let (noconfirm, offline) = self.command.confirm_offline();
        let globals = Globals {
            // Read here rather than by clap, so an exported but empty variable counts as
            // unset, as the XDG variables do.
            root: self.root.or_else(|| {
                std::env::var_os("RBEE_WORKERS_ROOT")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            }),
            json: self.json,
            offline: self.offline || offline,
            noconfirm: self.noconfirm || noconfirm,
            verbosity,
            color,
        };
        let request = match self.command {
            Command::Build {
                id,
                how,
                out,
                bottle,
                ..
            } => {
                let mut opts = Options {
                    out,
                    bottle,
                    ..how.options()?
                };
                // A bottle holds what cargo builds: the binary, nothing a package manager
                // installed.
                if bottle {
                    match opts.backend {
                        None | Some(Backend::Cargo) => opts.backend = Some(Backend::Cargo),
                        Some(b) => {
                            return Err(Error::Usage(format!(
                                "--bottle packs what the cargo backend builds; drop --backend {}",
                                b.name()
                            )))
                        }
                    }
                }
                Request::Build { id, opts }
            }
            Command::Install {
                ids,
                how,
                prefix,
                needed,
                overwrite,
                build_from_source,
                ..
            } => Request::Install {
                ids,
                opts: Options {
                    prefix,
                    needed,
                    overwrite,
                    build_from_source,
                    ..how.options()?
                },
            },
            Command::Upgrade {
                ids,
                dry_run,
                no_sandbox,
                build_from_source,
                ..
            } => Request::Upgrade {
                ids,
                opts: Options {
                    dry_run,
                    no_sandbox,
                    build_from_source,
                    ..Options::default()
                },
            },
            Command::Remove {
                ids,
                dry_run,
                cascade,
                orphans,
                ..
            } => Request::Remove {
                ids,
                opts: crate::installed::RemoveOptions {
                    dry_run,
                    cascade,
                    orphans,
                },
            },
            Command::Verify => Request::Verify,
            Command::Source(SourceCommand::Add {
                name,
                url,
                git_ref,
                trusted,
                kind,
                key,
            }) => Request::SourceAdd {
                name,
                url,
                git_ref,
                trusted,
                key,
                kind: kind.map(|k| match k {
                    SourceKindArg::Git => crate::config::RemoteKind::Git,
                    SourceKindArg::Index => crate::config::RemoteKind::Index,
                }),
            },
            Command::Source(SourceCommand::Remove { name }) => Request::SourceRemove { name },
            Command::Source(SourceCommand::List) => Request::SourceList,
            Command::Sync { .. } => Request::Sync,
            Command::Export {
                dir,
                bottles,
                sign,
                db,
                ..
            } => Request::Export {
                dir,
                publish: crate::commands::publish::Publish { bottles, sign },
                db: db.map(|u| Some(u).filter(|u| !u.is_empty())),
            },
            Command::Key(KeyCommand::Generate { out }) => Request::KeyGenerate { out },
            Command::Login { source } => Request::Login { source },
            Command::Vote { id, .. } => Request::Vote { id },
            Command::Unvote { id, .. } => Request::Unvote { id },
            Command::Rate {
                id, stars, review, ..
            } => Request::Rate { id, stars, review },
            Command::Registry(RegistryCommand::User(u)) => match u {
                UserCommand::Add { name, db } => Request::UserAdd { name, db },
                UserCommand::List { db } => Request::UserList { db },
                UserCommand::Disable { name, db } => Request::UserDisable { name, db },
            },
            Command::Check { changed } => Request::Check { changed },
            Command::New { path, .. } => Request::New { path },
            Command::Test {
                ids,
                changed,
                junit,
                no_sandbox,
            } => Request::Test(crate::commands::test::TestOptions {
                ids,
                changed,
                junit,
                no_sandbox,
            }),
            Command::Serve {
                addr,
                db,
                write_limit,
                ..
            } => Request::Serve {
                addr,
                db: db.map(|u| Some(u).filter(|u| !u.is_empty())),
                write_limit: write_limit as usize,
            },
            Command::Completions { shell } => Request::Completions { shell },
            Command::GenerateAssets { dir } => Request::GenerateAssets { dir },
            Command::List {
                platform,
                backend,
                installed,
                no_host_hint,
            } => {
                let mut filter = Filter {
                    backend,
                    ..Filter::default()
                };
                if let Some(p) = platform {
                    let (os, arch) = match p.split_once('/') {
                        Some((o, a)) => (o, Some(a)),
                        None => (p.as_str(), None),
                    };
                    filter.os = Some(os.parse().map_err(|()| {
                        Error::Usage(format!(
                            "invalid --platform `{p}`: unknown OS `{os}`; expected linux, macos or windows{}",
                            match os {
                                "darwin" | "osx" | "mac" => " (did you mean `macos`?)",
                                "win" | "win32" | "win64" => " (did you mean `windows`?)",
                                _ => "",
                            }
                        ))
                    })?);
                    if let Some(a) = arch {
                        filter.arch = Some(a.parse().map_err(|()| {
                            Error::Usage(format!(
                                "invalid --platform `{p}`: unknown arch `{a}`; expected x86_64 or aarch64{}",
                                match a {
                                    "arm64" | "armv8" | "aarch" => " (did you mean `aarch64`? Rust and rbee-workers call arm64 aarch64)",
                                    "amd64" | "x64" | "x86-64" | "x86" => " (did you mean `x86_64`?)",
                                    _ => "",
                                }
                            ))
                        })?);
                    }
                }
                Request::List {
                    filter,
                    installed,
                    hint: !no_host_hint,
                }
            }
            Command::Search {
                terms,
                sort,
                no_host_hint,
            } => Request::Search {
                terms,
                hint: !no_host_hint,
                sort: match sort {
                    SortArg::Relevance => Sort::Relevance,
                    SortArg::Votes => Sort::Votes,
                    SortArg::Popularity => Sort::Popularity,
                    SortArg::Rating => Sort::Rating,
                    SortArg::Name => Sort::Name,
                },
            },
            Command::Info { id } => Request::Info { id },
            Command::Detect => Request::Detect,
            Command::Watch {
                background,
                stop,
                status,
                idle,
            } => Request::Watch {
                mode: if stop {
                    crate::commands::watcher::WatchMode::Stop
                } else if status {
                    crate::commands::watcher::WatchMode::Status
                } else if background {
                    crate::commands::watcher::WatchMode::Background
                } else {
                    crate::commands::watcher::WatchMode::Foreground
                },
                idle: std::time::Duration::from_secs(idle.max(1)),
            },
            Command::Pkgbuild {
                id,
                flavor,
                srcinfo,
                out,
                templates,
                ..
            } => Request::Pkgbuild {
                id,
                flavor: match flavor {
                    PkgFlavor::Release => arch::Flavor::Release,
                    PkgFlavor::Git => arch::Flavor::Git,
                    PkgFlavor::Local => arch::Flavor::Local,
                },
                srcinfo,
                out,
                templates,
            },
            Command::Formula {
                id,
                flavor,
                out,
                templates,
                ..
            } => Request::Formula {
                id,
                flavor: match flavor {
                    BrewFlavor::Release => brew::Flavor::Release,
                    BrewFlavor::Head => brew::Flavor::Head,
                },
                out,
                templates,
            },
        };
        Ok((globals, request))
    }
}
