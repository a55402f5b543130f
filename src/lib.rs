//! rbee-workers: discover rbee worker crates from `worker.toml` + `Cargo.toml` and derive
//! everything else — variants, versions, packages, builds. See DESIGN.md for the contract.
//!
//! Layers (DESIGN section 13), each importing only the ones below it — a test
//! (`tests/integration/layers.rs`) holds the tree to that:
//! - `core`: pure data → data (manifest, cargo, catalog, render, plans, detection decisions);
//! - `effects`: what touches the world (exec — the one place that spawns —, fetch, unpack,
//!   pack, the installed database, sources, directories and configuration);
//! - `report` and `wire`: the one place that writes to the terminal, and the JSON documents;
//! - `context`: the settings, directories, configuration and host probe resolved once;
//! - `commands`: a module per verb, taking `&Context`;
//! - `cli` and `app`: parsing and dispatch.
//!
//! `error` and `kinds` (the closed sets) are shared by every layer.

pub mod app;
pub mod assets;
pub mod cli;
pub(crate) mod commands;
pub mod context;
pub(crate) mod core;
pub(crate) mod effects;
pub mod error;
pub mod kinds;
pub mod pages;
pub mod report;
pub mod request;
pub mod wire;

// The library's API: what the binary and the integration tests use.
pub use crate::commands::package;
pub use crate::core::{cargo, catalog, checksum, manifest, render};
pub use crate::effects::{dirs, fetch, pack};

// Short paths for the rest of the crate.
pub(crate) use crate::commands::{graph, install, installed, preflight, review, serve};
pub(crate) use crate::core::{
    artifacts, bottle, build, command, config, deps, detect, look, par, problem, sandbox, scaffold,
    tomlread, tree, vcs,
};
#[cfg(unix)]
pub(crate) use crate::effects::watchd;
pub(crate) use crate::effects::{
    atomic, checkout, db, discovery, exec, registry, sign, sources, unpack, verdicts, watch,
};

#[cfg(test)]
mod unit_tests;
