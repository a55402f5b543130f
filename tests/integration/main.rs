//! The one integration test binary: each module tests one area through the real CLI.

mod assets;
mod bottles;
mod browser;
mod cargo_metadata;
mod catalog;
mod completion;
mod context;
mod contrib;
mod deps;
mod downloads;
mod escaping;
mod gate;
mod httpd;
mod install;
mod layers;
mod packaging;
mod pg;
mod registry;
mod render;
mod serve;
mod sources;
mod support;
mod terminal;
mod tools;
mod trees;
mod web;
