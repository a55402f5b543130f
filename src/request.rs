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
    },
    SourceRemove {
        name: String,
    },
    SourceList,
    Sync,
    Export {
        dir: PathBuf,
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
    },
    Completions {
        shell: clap_complete::Shell,
    },
    GenerateAssets {
        dir: PathBuf,
    },
    Search {
        terms: Vec<String>,
        hint: bool,
    },
    Info {
        id: String,
    },
    Detect,
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
