//! The error type every command returns, with the exit code and hint it maps to
//! (DESIGN section 5: 0 ok, 1 failure, 2 usage, 3 not found, 4 gate failed, 130 interrupted).

use crate::problem::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown worker or variant `{id}`")]
    NotFound {
        id: String,
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
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{message}")]
    Failed {
        message: String,
        help: Option<String>,
    },
    /// A failure whose report is already on stdout (under --json, no second document).
    #[error("{0}")]
    Reported(String),
    #[error("the catalog gate failed")]
    GateFailed,
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound { .. } | Error::NotInstalled { .. } => 3,
            Error::Usage(_) => 2,
            Error::GateFailed => 4,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Error::Failed {
            message: message.into(),
            help: None,
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A hint for the user, shown as `= help: …`.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::NotFound { suggestions, .. } | Error::NotInstalled { suggestions, .. }
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
            Error::NotInstalled { .. } => {
                Some("`rbee-workers list --installed` shows what is".into())
            }
            Error::Located(p) => p.help.clone(),
            Error::Failed { help, .. } => help.clone(),
            _ => None,
        }
    }

    /// `path:line:col` for errors about a place in a file.
    pub fn location(&self) -> Option<String> {
        match self {
            Error::Located(p) => Some(p.location()),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } | Error::NotInstalled { .. } => "not_found",
            Error::Usage(_) => "usage",
            Error::Located(_) => "invalid_input",
            Error::Io { .. } => "io",
            Error::Failed { .. } | Error::Reported(_) => "failed",
            Error::GateFailed => "gate_failed",
            Error::Interrupted => "interrupted",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
