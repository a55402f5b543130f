//! `$XDG_CONFIG_HOME/rbee-workers/config.toml`: the paths of the tools rbee-workers runs, so a
//! user can point it at their own (paru's `makepkg_bin`, `git_bin`, …).

use crate::error::{Error, Result};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tools {
    pub git: String,
    pub cargo: String,
    pub makepkg: String,
    pub pacman: String,
    pub brew: String,
    pub sudo: String,
    /// bubblewrap, the build sandbox of untrusted workers.
    pub bwrap: String,
}

impl Default for Tools {
    fn default() -> Self {
        Tools {
            git: "git".into(),
            cargo: "cargo".into(),
            makepkg: "makepkg".into(),
            pacman: "pacman".into(),
            brew: "brew".into(),
            sudo: "sudo".into(),
            bwrap: "bwrap".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteKind {
    Git,
    Index,
}

/// When a command starts `rbee-workers watch` for the local catalog by itself
/// (`[discovery] watch`, or `RBEE_WORKERS_WATCH`, which wins).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoWatch {
    /// For a catalog of [`AUTO_WATCH_MIN`] worker directories or more.
    #[default]
    Auto,
    /// For every local catalog.
    Always,
    /// Never: only `watch --background` starts one.
    Never,
}

/// How many worker directories make `auto` start a watcher: below it, looking at every
/// directory costs a few milliseconds (see the README's Scale).
pub const AUTO_WATCH_MIN: usize = 1000;

impl AutoWatch {
    /// `RBEE_WORKERS_WATCH`'s value; None for one it does not know.
    pub fn parse(value: &str) -> Option<AutoWatch> {
        match value {
            "auto" => Some(AutoWatch::Auto),
            "always" => Some(AutoWatch::Always),
            "never" => Some(AutoWatch::Never),
            _ => None,
        }
    }

    /// Whether a catalog of `dirs` worker directories, watched by nobody, gets a watcher.
    pub fn starts_at(self, dirs: usize) -> bool {
        match self {
            AutoWatch::Auto => dirs >= AUTO_WATCH_MIN,
            AutoWatch::Always => true,
            AutoWatch::Never => false,
        }
    }
}

/// `[discovery]`: how the local catalog is discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscoveryConfig {
    pub watch: AutoWatch,
}

/// One `[[sources]]` entry: a git repository of workers or an exported `index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub kind: RemoteKind,
    pub url: String,
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(default)]
    pub trusted: bool,
    /// The minisign public key (`RW…`) its index must be signed with (DESIGN section 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub tools: Tools,
    #[serde(skip_serializing_if = "is_default")]
    pub discovery: DiscoveryConfig,
    /// Searched in order after the local root; the first holding an id wins.
    pub sources: Vec<SourceConfig>,
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

impl Config {
    /// Reads `path`; a missing file is the default configuration.
    pub fn load(path: &Path) -> Result<Config> {
        // Through the one reader: a FIFO or /dev/zero in its place cannot hang or fill memory
        // (it may be a link into a dotfiles repository, so it is bounded by no tree).
        let tree = crate::tree::Tree::unbounded();
        let text = match tree.read_text(path, "config.toml", crate::tree::MANIFEST_LIMIT) {
            Ok(t) => t,
            Err(crate::tree::Unreadable::Missing) => return Ok(Config::default()),
            Err(crate::tree::Unreadable::Refused(p)) => return Err(Error::Located(p)),
        };
        let config: Config = toml::from_str(&text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            let mut p = Problem::error(path, message.clone());
            if let Some(hint) = unknown_key_hint(&message) {
                p = p.with_help(hint);
            }
            Error::Located(match e.span() {
                Some(span) => p.at(&text, span),
                None => p,
            })
        })?;
        // A source's name becomes a directory under the cache: a hand-edited
        // `../../victim` must never reach the file system.
        for src in &config.sources {
            if let Some(why) = source_name_problem(&src.name) {
                let quoted = format!("\"{}\"", src.name);
                let p = Problem::error(path, format!("source name `{}`: {why}", src.name));
                return Err(Error::Located(match text.find(&quoted) {
                    Some(at) => p.at(&text, at..at + quoted.len()),
                    None => p,
                }));
            }
        }
        Ok(config)
    }
}

impl Config {
    /// The configuration as config.toml text (`sources` writes it atomically).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("the configuration always serializes")
    }
}

/// "did you mean `cargo`?" for serde's ``unknown field `carg`, expected one of `git`, …``
/// (and for an ``unknown variant``).
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (word, expected) = rest.split_once('`')?;
    let candidates = expected.split('`').skip(1).step_by(2);
    crate::problem::did_you_mean(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Names the local catalog and community workers use.
pub const RESERVED_SOURCE_NAMES: &[&str] = &["local", "community"];

/// Why `name` cannot name a source, if it cannot: it must be an id (lowercase letters,
/// digits, `-`; so never a path), and not a reserved name.
pub fn source_name_problem(name: &str) -> Option<String> {
    if !crate::manifest::is_valid_id(name) {
        return Some(
            "expected lowercase letters, digits and `-` (it names a directory in the cache)".into(),
        );
    }
    if RESERVED_SOURCE_NAMES.contains(&name) {
        return Some("is reserved (`local` is the local catalog, `community/ID` names community workers); pick another source name".into());
    }
    None
}

/// How to get a tool that is missing, for the error message.
pub fn install_hint(tool: &str) -> &'static str {
    match tool {
        "cargo" | "rustc" => "install Rust with rustup (https://rustup.rs) or your distribution's `rust` package",
        "git" => "install git with your package manager (pacman -S git, apt install git, brew install git)",
        "makepkg" | "pacman" => "makepkg and pacman come with Arch Linux's `pacman` package; elsewhere use `--backend cargo`",
        "brew" => "install Homebrew (https://brew.sh); elsewhere use `--backend cargo`",
        "sudo" => "install sudo, or run the package manager yourself",
        "bwrap" => "install bubblewrap (pacman -S bubblewrap, apt install bubblewrap), or pass --no-sandbox",
        _ => "install it, or point config.toml [tools] at it",
    }
}
