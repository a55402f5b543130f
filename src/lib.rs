//! rbee-workers: discover rbee worker crates from `worker.toml` + `Cargo.toml` and derive
//! everything else — variants, versions, packages, builds. See DESIGN.md for the contract.

pub mod app;
pub mod assets;
pub mod atomic;
pub mod build;
pub mod cargo;
pub mod catalog;
pub mod check;
pub mod checksum;
pub mod cli;
pub mod config;
pub mod db;
pub mod detect;
pub mod dirs;
pub mod error;
pub mod exec;
pub mod export;
pub mod fetch;
pub mod install;
pub mod installed;
pub mod manifest;
pub mod pack;
pub mod package;
pub mod problem;
pub mod render;
pub mod report;
pub mod review;
pub mod serve;
pub mod sources;
pub mod tomlread;
#[cfg(test)]
mod unit_tests;
pub mod unpack;
