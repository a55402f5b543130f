//! Shell completions and man pages, generated from the one clap definition in `cli.rs`, so
//! they cannot drift from the parser. The committed copies in `completions/` and `man/` are
//! checked against these by a test; `rbee-workers generate-assets .` rewrites them.

use crate::error::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "rbee-workers.bash"),
    (Shell::Zsh, "_rbee-workers"),
    (Shell::Fish, "rbee-workers.fish"),
    (Shell::Elvish, "rbee-workers.elv"),
    (Shell::PowerShell, "_rbee-workers.ps1"),
];

/// The CLI as the generated files describe it: the version without the commit, so the
/// committed man pages do not change with every commit.
pub fn command() -> clap::Command {
    crate::cli::Cli::command().long_version(env!("CARGO_PKG_VERSION"))
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut offered(command()), "rbee-workers", &mut out);
    out
}

/// `root` without its hidden subcommands: clap_complete's static scripts offer a hidden
/// subcommand (`generate-assets`) as readily as any other, and it is for maintainers only.
fn offered(root: clap::Command) -> clap::Command {
    let mut cmd = clap::Command::new(root.get_name().to_string())
        .about(root.get_about().cloned().unwrap_or_default())
        .propagate_version(true)
        .args(root.get_arguments().cloned())
        .subcommands(root.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(v) = root.get_version() {
        cmd = cmd.version(v.to_string());
    }
    cmd
}

const TRAILER: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success.
.TP
\fB1\fR
Failure: a build, download, render or installed\-file check failed.
.TP
\fB2\fR
Usage error: a bad flag, value or combination.
.TP
\fB3\fR
Not found: an unknown worker or variant id (the nearest ids are suggested).
.TP
\fB4\fR
\fBcheck\fR found an error in the catalog.
.TP
\fB130\fR
Interrupted (Ctrl\-C); temporary files are removed.
.SH FILES
.TP
\fI$XDG_CONFIG_HOME/rbee\-workers/config.toml\fR
Remote sources in search order and the paths of the tools rbee\-workers runs ([tools] git, cargo, makepkg, pacman, brew, sudo).
.TP
\fI$XDG_CONFIG_HOME/rbee\-workers/templates/\fR
Template overrides (arch\-release.PKGBUILD.j2, brew\-release.rb.j2, ...).
.TP
\fI$XDG_CACHE_HOME/rbee\-workers/\fR
Clones and index copies of sources (sources/), downloads (downloads/), build directories and logs, one cargo target directory per worker (target/).
.TP
\fI$XDG_DATA_HOME/rbee\-workers/installed.json\fR
The installed database, changed only under installed.lock.
.SH ENVIRONMENT
.TP
\fBRBEE_WORKERS_ROOT\fR
The local catalog when \fB\-\-root\fR is not given.
.TP
\fBRBEE_WORKERS_GPU\fR
cuda, rocm, metal or none: overrides GPU detection when choosing a variant.
.TP
\fBRBEE_WORKERS_UNPACK_LIMIT\fR
The most bytes a downloaded source tarball may expand to (default 4 GiB).
.TP
\fBRBEE_WORKERS_UNPACK_ENTRIES\fR
The most entries (files, directories, links) a downloaded source tarball may hold (default 250000).
.TP
\fBRBEE_WORKERS_HTTP_TIMEOUT\fR
Seconds any one network operation (connect, each read) may stall before a download fails (default 60).
.TP
\fBRBEE_WORKERS_HTTP_TOTAL_TIMEOUT\fR
Seconds one download may take in all, however steadily it moves (default 3600).
.TP
\fBRBEE_WORKERS_DOWNLOAD_LIMIT\fR
The most bytes a download may have (default 2 GiB); a larger published size is refused before reading. An index source may have at most 64 MiB.
.TP
\fBRBEE_WORKERS_SERVE_TIMEOUT\fR
serve: seconds a client may take to send a request's headers or sit idle between requests, and that requests in flight get at shutdown (default 10).
.TP
\fBRBEE_WORKERS_SERVE_JOBS\fR
serve: renders and downloads at once; past it a request is answered 503 with Retry\-After (default 32).
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_CACHE_HOME\fR, \fBXDG_DATA_HOME\fR
Where configuration, cache and data live (defaults per platform).
.TP
\fBNO_COLOR\fR
Disables colour, as does \fB\-\-color never\fR.
"#;

/// The man page of `cmd`, with the EXIT STATUS, FILES and ENVIRONMENT sections.
pub fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .expect("writing to memory");
    out.extend_from_slice(TRAILER.as_bytes());
    out
}

/// Every generated file, as (path relative to the repository root, contents).
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, name) in SHELLS {
        out.push((format!("completions/{name}"), completion(*shell)));
    }
    let root = command();
    out.push(("man/rbee-workers.1".to_string(), man_page(root.clone())));
    for sub in root
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("rbee-workers-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("rbee-workers {}", sub.get_name()));
        out.push((format!("man/{name}.1"), man_page(page)));
    }
    out
}

pub fn generate(dir: &Path) -> Result<usize> {
    let files = files();
    for (rel, bytes) in &files {
        crate::atomic::write(&dir.join(rel), bytes)?;
    }
    Ok(files.len())
}
