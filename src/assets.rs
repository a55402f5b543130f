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

/// The CLI dynamic completion (`COMPLETE=bash rbee-workers`) completes from: without its
/// hidden subcommands, which clap_complete would still offer once they are the only match
/// (`rbee-workers g<Tab>`).
pub fn completion_command() -> clap::Command {
    offered(command())
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
\fI$XDG_CONFIG_HOME/rbee\-workers/keys/\fR
The minisign key pair \fBkey generate\fR writes by default (rbee\-workers.key, secret and unencrypted, mode 0600; rbee\-workers.pub).
.TP
\fI$XDG_CACHE_HOME/rbee\-workers/\fR
Clones and index copies of sources (sources/, with a keyed source's index.json.minisig), downloads (downloads/, bottles too), build directories and logs, one cargo target directory per worker (target/).
.TP
\fI$XDG_DATA_HOME/rbee\-workers/installed.json\fR
The installed database, changed only under installed.lock.
.TP
\fI$XDG_DATA_HOME/rbee\-workers/registry.db\fR
The community registry of \fBserve \-\-db\fR and \fBregistry user\fR when no URL is given (SQLite, WAL mode).
.TP
\fI$XDG_CONFIG_HOME/rbee\-workers/credentials.toml\fR
Registry tokens by source name, written by \fBlogin\fR with mode 0600.
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
\fBRBEE_WORKERS_SERVE_WATCH\fR
serve: auto (file events, polling when the kernel refuses a watch) or poll (no events: a full check of every file every 0.5 s).
.TP
\fBRBEE_WORKERS_SERVE_RESCAN\fR
serve: seconds between full checks of every file when there are file events, a safety net for file systems that send none (default 5).
.TP
\fBRBEE_WORKERS_WATCH\fR
auto (default: a command on a local catalog of 1000 worker directories or more starts \fBwatch\fR in the background when none answers, unless \fBCI\fR is set), always or never; wins over config's \fB[discovery] watch\fR.
.TP
\fBRBEE_WORKERS_TOKEN\fR
vote, unvote, rate: the registry token to send, instead of the one in credentials.toml.
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_CACHE_HOME\fR, \fBXDG_DATA_HOME\fR
Where configuration, cache and data live (defaults per platform).
.TP
\fBNO_COLOR\fR
Disables colour, as does \fB\-\-color never\fR.
"#;

/// The man page of `cmd`: clap_mangen's sections (DESCRIPTION from the long about), its
/// `after_long_help` examples as EXAMPLES, the EXIT STATUS, FILES and ENVIRONMENT sections,
/// and SEE ALSO naming the pages `see_also` lists (every one of them generated).
pub fn man_page(cmd: clap::Command, see_also: &[String]) -> Vec<u8> {
    let examples = cmd.get_after_long_help().map(|h| h.to_string());
    let subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let version = cmd.get_version().is_some();
    // `help` is no page of its own: the SUBCOMMANDS list would point at a missing one.
    let man = clap_mangen::Man::new(
        cmd.disable_help_subcommand(true)
            .after_long_help(None::<&str>),
    );
    let mut out = Vec::new();
    let w: &mut dyn std::io::Write = &mut out;
    man.render_title(w)
        .and_then(|()| man.render_name_section(w))
        .and_then(|()| man.render_synopsis_section(w))
        .and_then(|()| man.render_description_section(w))
        .and_then(|()| man.render_options_section(w))
        .expect("writing to memory");
    if subcommands {
        man.render_subcommands_section(w)
            .expect("writing to memory");
    }
    if version {
        man.render_version_section(w).expect("writing to memory");
    }
    // Each section clap_mangen renders on its own starts with the same two-line preamble.
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8(out).expect("roff is UTF-8");
    let mut out = match text.split_once(preamble) {
        Some((head, rest)) => format!("{head}{preamble}{}", rest.replace(preamble, "")),
        None => text,
    }
    .into_bytes();
    if let Some(examples) = examples {
        out.extend_from_slice(b".SH EXAMPLES\n.nf\n");
        for line in examples.lines().skip_while(|l| l.trim() == "Examples:") {
            out.extend_from_slice(roff_text(line.strip_prefix("  ").unwrap_or(line)).as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b".fi\n");
    }
    out.extend_from_slice(TRAILER.as_bytes());
    out.extend_from_slice(b".SH \"SEE ALSO\"\n");
    let refs: Vec<String> = see_also
        .iter()
        .map(|p| format!("\\fB{}\\fR(1)", roff_text(p)))
        .collect();
    out.extend_from_slice(refs.join(", ").as_bytes());
    out.push(b'\n');
    out
}

/// A line of text as roff reads it literally (`-` is a hyphen-minus, `\` an escape, and
/// a leading `.` or `'` is not a request).
fn roff_text(line: &str) -> String {
    let text = line.replace('\\', "\\e").replace('-', "\\-");
    match text.starts_with(['.', '\'']) {
        true => format!("\\&{text}"),
        false => text,
    }
}

/// Every generated file, as (path relative to the repository root, contents).
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, name) in SHELLS {
        out.push((format!("completions/{name}"), completion(*shell)));
    }
    man_pages(command(), "rbee-workers", "rbee-workers", &[], &mut out);
    out
}

/// The page of `cmd` (named `page`, run as `bin`) and, below it, one page per subcommand
/// (`rbee-workers-source-add`), so every page a SUBCOMMANDS list names exists. SEE ALSO
/// names the pages above a page and the ones below it.
fn man_pages(
    cmd: clap::Command,
    page: &str,
    bin: &str,
    above: &[String],
    out: &mut Vec<(String, Vec<u8>)>,
) {
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    let below: Vec<String> = subs
        .iter()
        .map(|s| format!("{page}-{}", s.get_name()))
        .collect();
    let see_also: Vec<String> = above.iter().chain(&below).cloned().collect();
    let named = cmd.name(page.to_string()).bin_name(bin.to_string());
    out.push((format!("man/{page}.1"), man_page(named, &see_also)));
    let mut above = above.to_vec();
    above.push(page.to_string());
    for (sub, name) in subs.into_iter().zip(below) {
        let sub_bin = format!("{bin} {}", sub.get_name());
        man_pages(sub, &name, &sub_bin, &above, out);
    }
}

pub fn generate(dir: &Path) -> Result<usize> {
    let files = files();
    for (rel, bytes) in &files {
        crate::atomic::write(&dir.join(rel), bytes)?;
    }
    Ok(files.len())
}
