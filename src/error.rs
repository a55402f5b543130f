//! The error type every layer returns: one variant per kind of failure, each carrying its
//! data, and each mapping to its help text, its exit code (DESIGN section 5: 0 ok, 1 failure,
//! 2 usage, 3 not found, 4 gate failed, 130 interrupted), its JSON `kind` and the HTTP status
//! `serve` answers with — so nothing downstream has to guess from a message.

use crate::problem::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown worker or variant `{id}`")]
    NotFound {
        id: String,
        suggestions: Vec<String>,
    },
    /// `source remove NAME` of a source that is not configured.
    #[error("no source named `{name}`")]
    UnknownSource {
        name: String,
        suggestions: Vec<String>,
    },
    #[error("`{id}` is not installed")]
    NotInstalled {
        id: String,
        suggestions: Vec<String>,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{}", .0.message)]
    Located(Problem),
    /// An id no worker provides because the worker that would was skipped as broken: not
    /// found (exit 3, `not_found`), shown as that worker's first problem, located.
    #[error("{}", .0.message)]
    BrokenWorker(Box<Problem>),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A command ran and failed (a build step, a package manager).
    #[error("{}", .0)]
    CommandFailed(Box<CommandFailure>),
    /// A short query (git rev-parse, brew --prefix) failed.
    #[error("{command} failed: {stderr}")]
    QueryFailed { command: String, stderr: String },
    /// A program that is not installed (or not where config.toml says).
    #[error("`{program}` not found (needed to run: {command})")]
    ToolMissing {
        program: String,
        command: String,
        hint: &'static str,
    },
    /// A program that exists but could not be started or waited for.
    #[error("cannot run {command}: {reason}")]
    Spawn { command: String, reason: String },
    /// A download or HTTP request that failed.
    #[error("cannot {verb} {url}: {reason}")]
    Download {
        verb: &'static str,
        url: String,
        reason: String,
        help: Option<String>,
    },
    /// What `--offline` forbids and the cache does not have.
    #[error("{what}")]
    Offline { what: String, help: String },
    #[error("checksum mismatch for {url}: expected sha256 {expected}, got {actual}")]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// An archive that would write outside its target, or is too big, or is corrupt.
    #[error("refusing to unpack {}: {reason}", archive.display())]
    UnsafeArchive { archive: PathBuf, reason: String },
    /// A variant that has no such artifact (no PKGBUILD without Linux, no formula without
    /// macOS, no release without a tarball URL, …).
    #[error("{message}")]
    NoArtifact { message: String, help: String },
    /// A build that did not produce what it should have (the binary, the package).
    #[error("{message}")]
    MissingOutput { message: String, help: String },
    /// The catalog's upstream for a worker lacks what a build needs.
    #[error("{message}")]
    MissingUpstream { message: String, help: String },
    /// What this host, user or backend cannot do (a variant for another platform, makepkg as
    /// root, install with makepkg but no pacman).
    #[error("{message}")]
    Unsupported {
        message: String,
        help: Option<String>,
    },
    /// The smoke test of a freshly built binary failed.
    #[error("smoke test failed: {tried} failed; nothing was installed{}", if output.is_empty() { String::new() } else { format!("\n--- what it printed ---\n{output}") })]
    SmokeFailed {
        binary: PathBuf,
        /// The commands tried (`BIN --version and BIN --help`).
        tried: String,
        output: String,
    },
    /// Pre-flight checks that failed, before anything was built.
    #[error("{id}: pre-flight failed: {}", failed.join("; "))]
    Preflight { id: String, failed: Vec<String> },
    /// A file rbee-workers keeps (the installed database, a cached index) that cannot be read
    /// as what it should be.
    #[error("{what} {} is corrupt: {reason}", path.display())]
    Corrupt {
        what: &'static str,
        path: PathBuf,
        reason: String,
        help: String,
    },
    /// An installed database written by a newer rbee-workers: refused, never rewritten.
    #[error("the installed database {} has schema {schema}; this rbee-workers reads schema {supported} and older", path.display())]
    NewerDatabase {
        path: PathBuf,
        schema: u64,
        supported: u32,
    },
    /// An index document that is not a valid catalog.
    #[error("{origin} is not a valid rbee-workers catalog: {reason}")]
    InvalidIndex { origin: String, reason: String },
    /// A template that does not render.
    #[error("{message}")]
    Template { message: String },
    /// A value the model refuses to print into a PKGBUILD or formula.
    #[error("{message}")]
    Unrenderable { message: String },
    /// A destination rbee-workers will not overwrite.
    #[error("{message}")]
    Refused { message: String, help: String },
    /// A question that needs a terminal, asked without one.
    #[error("{message}")]
    NeedsConfirmation { message: String, help: String },
    /// The user said no.
    #[error("{0}")]
    Declined(String),
    #[error("cannot ask: {0}")]
    Prompt(String),
    /// The HTTP server could not start or run.
    #[error("{message}")]
    Server {
        message: String,
        help: Option<String>,
    },
    /// The community registry (DESIGN section 10): its database, its accounts, or a
    /// registry's answer to `vote`, `unvote`, `rate` or `login`.
    #[error("{message}")]
    Registry {
        message: String,
        help: Option<String>,
    },
    /// `--root` (or `RBEE_WORKERS_ROOT`) names something that is not a directory.
    #[error("catalog root {} {}", .0.display(), if .0.exists() { "is not a directory" } else { "does not exist" })]
    BadRoot(PathBuf),
    /// A failure whose report is already on stdout (under --json, no second document).
    #[error("{0}")]
    Reported(String),
    #[error("the catalog gate failed")]
    GateFailed,
    #[error("interrupted")]
    Interrupted,
}

/// What a failed command left: its label, the command line, how it ended, its log.
#[derive(Debug)]
pub struct CommandFailure {
    pub label: String,
    /// The command as a user could paste it.
    pub command: String,
    /// The exit status; None when a signal killed it.
    pub status: Option<i32>,
    pub log: PathBuf,
    pub tail: String,
    /// What to try instead, when the failure says what caused it.
    pub hint: Option<String>,
}

impl std::fmt::Display for CommandFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed ({}): {}\n--- last lines of {} ---\n{}",
            self.label,
            status_text(self.status),
            self.command,
            self.log.display(),
            self.tail
        )
    }
}

fn status_text(status: Option<i32>) -> String {
    match status {
        Some(c) => format!("exit status {c}"),
        None => "killed by a signal".into(),
    }
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound { .. }
            | Error::BrokenWorker(_)
            | Error::NotInstalled { .. }
            | Error::UnknownSource { .. } => 3,
            Error::Usage(_) => 2,
            Error::GateFailed => 4,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    /// The HTTP status `serve` answers with when this error decides a request.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::NotFound { .. }
            | Error::BrokenWorker(_)
            | Error::NotInstalled { .. }
            | Error::UnknownSource { .. } => 404,
            Error::Usage(_) => 400,
            Error::NoArtifact { .. }
            | Error::MissingUpstream { .. }
            | Error::Unsupported { .. } => 422,
            Error::Download { .. } | Error::ChecksumMismatch { .. } | Error::Offline { .. } => 502,
            _ => 500,
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn unsupported(message: impl Into<String>, help: Option<String>) -> Self {
        Error::Unsupported {
            message: message.into(),
            help,
        }
    }

    /// A hint for the user, shown as `= help: …`.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::NotFound { suggestions, .. }
            | Error::NotInstalled { suggestions, .. }
            | Error::UnknownSource { suggestions, .. }
                if !suggestions.is_empty() =>
            {
                Some(format!(
                    "did you mean {}?",
                    suggestions
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            Error::NotFound { .. } => Some("`rbee-workers list` shows every id".into()),
            Error::UnknownSource { .. } => {
                Some("`rbee-workers source list` shows the configured sources".into())
            }
            Error::NotInstalled { .. } => {
                Some("`rbee-workers list --installed` shows what is".into())
            }
            Error::Located(p) => p.help.clone(),
            Error::BrokenWorker(p) => p.help.clone(),
            Error::CommandFailed(c) => Some(match &c.hint {
                Some(h) => format!("{h}; the full log is {}", c.log.display()),
                None => format!("the full log is {}", c.log.display()),
            }),
            Error::ToolMissing { hint, .. } => {
                Some(format!("{hint}; or set its path under [tools] in config.toml"))
            }
            Error::Download { help, .. }
            | Error::Unsupported { help, .. }
            | Error::Server { help, .. }
            | Error::Registry { help, .. } => help.clone(),
            Error::Offline { help, .. }
            | Error::NoArtifact { help, .. }
            | Error::MissingOutput { help, .. }
            | Error::MissingUpstream { help, .. }
            | Error::Corrupt { help, .. }
            | Error::Refused { help, .. }
            | Error::NeedsConfirmation { help, .. } => Some(help.clone()),
            Error::ChecksumMismatch { .. } => Some("the download differs from the pinned [source].sha256; if the release was re-tagged, update the pin".into()),
            Error::UnsafeArchive { .. } => Some(
                "the archive is unsafe or corrupt; nothing was written outside its target directory".into(),
            ),
            Error::Preflight { .. } => Some("each failed check says how to fix it; `--dry-run` shows them all".into()),
            Error::SmokeFailed { .. } => {
                Some("the build succeeded but the binary does not run here".into())
            }
            Error::InvalidIndex { .. } => Some("it must be the index.json written by `rbee-workers export` (schema 1)".into()),
            Error::NewerDatabase { .. } => Some("a newer rbee-workers wrote it: upgrade rbee-workers; the database was left as it is".into()),
            Error::BadRoot(_) => Some("--root (or RBEE_WORKERS_ROOT) must name a directory whose bin/ holds worker crates".into()),
            Error::Template { .. } => Some(
                "fix the template (see `--templates DIR` and $XDG_CONFIG_HOME/rbee-workers/templates/)".into(),
            ),
            _ => None,
        }
    }

    /// `path:line:col` for errors about a place in a file.
    pub fn location(&self) -> Option<String> {
        match self {
            Error::Located(p) => Some(p.location()),
            Error::BrokenWorker(p) => Some(p.location()),
            _ => None,
        }
    }

    /// The `kind` of the `--json` error document.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. }
            | Error::BrokenWorker(_)
            | Error::NotInstalled { .. }
            | Error::UnknownSource { .. } => "not_found",
            Error::Usage(_) => "usage",
            Error::Located(_) => "invalid_input",
            Error::Io { .. } => "io",
            Error::CommandFailed(_) | Error::QueryFailed { .. } => "command_failed",
            Error::ToolMissing { .. } => "tool_missing",
            Error::Spawn { .. } => "spawn",
            Error::Download { .. } => "download",
            Error::Offline { .. } => "offline",
            Error::ChecksumMismatch { .. } => "checksum_mismatch",
            Error::UnsafeArchive { .. } => "unsafe_archive",
            Error::NoArtifact { .. } => "no_artifact",
            Error::MissingOutput { .. } => "missing_output",
            Error::MissingUpstream { .. } => "missing_upstream",
            Error::Unsupported { .. } => "unsupported",
            Error::SmokeFailed { .. } => "smoke_failed",
            Error::Preflight { .. } => "preflight",
            Error::Corrupt { .. } => "corrupt",
            Error::InvalidIndex { .. } => "invalid_index",
            Error::NewerDatabase { .. } => "newer_database",
            Error::Template { .. } | Error::Unrenderable { .. } => "render",
            Error::Refused { .. } => "refused",
            Error::NeedsConfirmation { .. } => "needs_confirmation",
            Error::Declined(_) => "declined",
            Error::Prompt(_) => "prompt",
            Error::Server { .. } => "server",
            Error::Registry { .. } => "registry",
            Error::BadRoot(_) => "usage",
            Error::Reported(_) => "failed",
            Error::GateFailed => "gate_failed",
            Error::Interrupted => "interrupted",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
