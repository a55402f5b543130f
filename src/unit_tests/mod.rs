//! Unit tests of the pure seams — manifest, cargo, catalog, build plans, detection — kept
//! apart from the modules they test so those modules can move without taking the tests along.
//! Workers are made the way users make them: a worker.toml and a Cargo.toml in a temp dir,
//! read by the real parsers, never assembled field by field.

mod bottle;
mod build;
mod cargo;
mod catalog;
mod community;
mod db;
mod deps;
mod detect;
mod manifest;
mod plans;
mod serve;

use crate::catalog::{discover, Catalog, Source, SourceKind, Worker};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes `text` to `root/rel`, creating its parent directories.
fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
    fs::write(&path, text).expect("write");
    path
}

/// A trusted local source named `name` rooted at `root`.
fn source(name: &str, root: &Path) -> Arc<Source> {
    Arc::new(Source {
        name: name.into(),
        kind: SourceKind::Local,
        location: root.display().to_string(),
        root: root.to_path_buf(),
        trusted: true,
    })
}

/// Discovers the workers of one local source rooted at `root`.
fn discover_root(root: &Path) -> Catalog {
    let mut catalog = Catalog::default();
    discover(source("local", root), &mut catalog);
    catalog
}

/// A minimal worker.toml: the given id, features (the first is the default), the body of
/// `[platforms]`, `in_worker` appended to `[worker]` and `extra` to the end.
fn worker_toml(
    id: &str,
    features: &[&str],
    platforms: &str,
    in_worker: &str,
    extra: &str,
) -> String {
    let list = features
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let default = features[0];
    format!(
        "[worker]\nid = \"{id}\"\nname = \"Test {id}\"\ndescription = \"A worker for tests\"\n{in_worker}\n\
         [build]\nfeatures = [{list}]\ndefault_feature = \"{default}\"\n\n\
         [platforms]\n{platforms}\n{extra}"
    )
}

/// A standalone crate manifest with `package`, the given features (each empty) and `extra`.
fn cargo_toml(package: &str, features: &[&str], extra: &str) -> String {
    let features = features
        .iter()
        .map(|f| format!("{f} = []\n"))
        .collect::<String>();
    format!(
        "[package]\nname = \"{package}\"\nversion = \"1.2.3\"\nedition = \"2021\"\n\n\
         [features]\n{features}\n{extra}"
    )
}

/// Writes a worker under `root/bin/{dir}` with a `src/main.rs`, so the crate has one bin.
fn write_worker(root: &Path, dir: &str, worker: &str, krate: &str) -> PathBuf {
    write(root, &format!("bin/{dir}/worker.toml"), worker);
    write(root, &format!("bin/{dir}/src/main.rs"), "fn main() {}\n");
    write(root, &format!("bin/{dir}/Cargo.toml"), krate)
        .parent()
        .expect("a file has a parent")
        .to_path_buf()
}

/// The one worker a catalog must hold, failing with its problems when it does not.
fn only_worker(catalog: &Catalog) -> &Worker {
    assert!(
        catalog.problems.iter().all(|p| !p.is_error()),
        "unexpected problems: {:#?}",
        catalog.problems
    );
    assert_eq!(catalog.workers.len(), 1, "workers: {:?}", ids(catalog));
    &catalog.workers[0]
}

fn ids(catalog: &Catalog) -> Vec<&str> {
    catalog.workers.iter().map(|w| w.id.as_str()).collect()
}

/// The messages of every error in `catalog`, for assertions on what it says.
fn messages(catalog: &Catalog) -> Vec<String> {
    catalog
        .problems
        .iter()
        .map(|p| format!("{} [{}]", p.message, p.location()))
        .collect()
}
