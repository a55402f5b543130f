//! rbee-workers: discover rbee worker crates from `worker.toml` + `Cargo.toml` and derive
//! everything else — variants, versions, packages, builds. See DESIGN.md for the contract.

pub mod app;
pub mod cargo;
pub mod catalog;
pub mod cli;
pub mod detect;
pub mod error;
pub mod manifest;
pub mod problem;
pub mod report;
pub mod tomlread;
