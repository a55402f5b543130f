//! What the command line asks for, in the library's own types (`cli` makes it, `app`
//! dispatches it), so nothing below the top sees clap.

use crate::catalog::Filter;
use crate::commands::install;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Request {
    List {
        filter: Filter,
        installed: bool,
        /// Mark rows whose platforms exclude this host.
        hint: bool,
    },
    Build {
        id: String,
        opts: install::Options,
    },
    Install {
        ids: Vec<String>,
        opts: install::Options,
    },
    Upgrade {
        ids: Vec<String>,
        opts: install::Options,
    },
    Remove {
        ids: Vec<String>,
        opts: crate::installed::RemoveOptions,
    },
    Verify,
    SourceAdd {
        name: String,
        url: String,
        git_ref: Option<String>,
        trusted: bool,
        kind: Option<crate::config::RemoteKind>,
        /// `--key`: the public key (or a file holding it) its index must be signed with.
        key: Option<String>,
    },
    KeyGenerate {
        out: Option<PathBuf>,
    },
    SourceRemove {
        name: String,
    },
    SourceList,
    Sync,
    Export {
        dir: PathBuf,
        publish: crate::commands::publish::Publish,
        /// `--db`: Some(None) is the default database.
        db: Option<Option<String>>,
    },
    Login {
        source: String,
    },
    Vote {
        id: String,
    },
    Unvote {
        id: String,
    },
    Rate {
        id: String,
        stars: u8,
        review: Option<String>,
    },
    UserAdd {
        name: String,
        db: Option<String>,
    },
    UserList {
        db: Option<String>,
    },
    UserDisable {
        name: String,
        db: Option<String>,
    },
    Check {
        changed: Option<String>,
    },
    Test(crate::commands::test::TestOptions),
    New {
        path: Option<PathBuf>,
    },
    Serve {
        addr: String,
        /// `--db`: Some(None) is the default database.
        db: Option<Option<String>>,
        write_limit: usize,
    },
    Completions {
        shell: clap_complete::Shell,
    },
    GenerateAssets {
        dir: PathBuf,
    },
    Search {
        terms: Vec<String>,
        sort: crate::kinds::Sort,
        hint: bool,
    },
    Info {
        id: String,
    },
    Detect,
    Watch {
        mode: crate::commands::watcher::WatchMode,
        idle: std::time::Duration,
    },
    Pkgbuild {
        id: String,
        flavor: crate::kinds::ArchFlavor,
        srcinfo: bool,
        out: Option<PathBuf>,
        templates: Option<PathBuf>,
    },
    Formula {
        id: String,
        flavor: crate::kinds::BrewFlavor,
        out: Option<PathBuf>,
        templates: Option<PathBuf>,
    },
}
