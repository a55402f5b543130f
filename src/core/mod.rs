//! The pure core: data in, data out. Nothing here spawns, reads the environment or writes to
//! the terminal.

pub mod artifacts;
pub mod bottle;
pub mod build;
pub mod cargo;
pub mod catalog;
pub mod checksum;
pub mod command;
pub mod config;
pub mod deps;
pub mod detect;
pub mod look;
pub mod manifest;
pub mod par;
pub mod problem;
pub mod render;
pub mod sandbox;
pub mod scaffold;
pub mod tomlread;
pub mod tree;
pub mod vcs;
