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
pub mod commands;
pub mod context;
pub mod core;
pub mod effects;
pub mod error;
pub mod kinds;
pub mod report;
pub mod request;
pub mod wire;

// Short paths for the modules the tests and the rest of the crate use most.
pub use crate::commands::{check, export, install, installed, package, review, serve};
pub use crate::core::{
    artifacts, build, cargo, catalog, checksum, command, config, detect, manifest, problem, render,
    tomlread,
};
pub use crate::effects::{atomic, db, dirs, exec, fetch, pack, sources, unpack};

#[cfg(test)]
mod unit_tests;
