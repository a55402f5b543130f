//! The edge: everything that touches the file system, the network or other processes.

pub mod atomic;
pub mod checkout;
pub mod db;
pub mod dirs;
pub mod discovery;
pub mod exec;
pub mod fetch;
pub mod pack;
pub mod registry;
pub mod sign;
pub mod sources;
pub mod unpack;
pub mod verdicts;
pub mod watch;
#[cfg(unix)]
pub mod watchd;
