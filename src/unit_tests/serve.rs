//! `serve`'s `/workers` body made in parts (issue 20): byte for byte the pretty document
//! every other route and `export` write, and a part taken from the last generation exactly
//! when its worker is unchanged.

use super::{cargo_toml, discover_root, worker_toml, write_worker};
use crate::catalog::Catalog;
use crate::commands::serve::whole_list;
use crate::wire::{variant_doc, CatalogDoc, SCHEMA};

const PLATFORMS: &str = "linux = [\"x86_64\"]";

/// The document as `json_bytes` writes a `CatalogDoc`: the reference the parts must equal.
fn reference(c: &Catalog) -> Vec<u8> {
    let doc = CatalogDoc {
        schema: SCHEMA,
        workers: c
            .variants()
            .into_iter()
            .map(|(w, v)| variant_doc(w, v))
            .collect(),
        problems: c.problems.clone(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    };
    let mut out = serde_json::to_vec_pretty(&doc).unwrap();
    out.push(b'\n');
    out
}

/// Three workers, one with a description that looks like the document's own keys and
/// escapes, and a broken one (a problem in the document).
/// `beta` at `version`.
fn catalog(root: &std::path::Path, version: &str) -> Catalog {
    for (id, features) in [("alpha", &["cpu", "cuda"][..]), ("beta", &["cpu"][..])] {
        let mut krate = cargo_toml(&format!("{id}-pkg"), features, "");
        if id == "beta" {
            krate = krate.replace("1.2.3", version);
        }
        write_worker(
            root,
            id,
            &worker_toml(id, features, PLATFORMS, "", ""),
            &krate,
        );
    }
    write_worker(
        root,
        "gamma",
        &worker_toml("gamma", &["cpu"], PLATFORMS, "", "").replace(
            "A worker for tests",
            "  \\\"workers\\\": [] ] }, { \\u00e9 \u{1F41D} </script>",
        ),
        &cargo_toml("gamma-pkg", &["cpu"], ""),
    );
    write_worker(
        root,
        "broken",
        "[worker\n",
        &cargo_toml("broken", &["cpu"], ""),
    );
    discover_root(root)
}

#[test]
fn the_parts_are_the_pretty_document_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalog(dir.path(), "1.0.0");
    assert_eq!(c.workers.len(), 3, "{:#?}", c.problems);
    assert!(!c.problems.is_empty(), "the broken worker is a problem");
    let (body, _) = whole_list(&c, (0, None), None);
    assert_eq!(
        String::from_utf8(body.to_vec()).unwrap(),
        String::from_utf8(reference(&c)).unwrap()
    );
    assert_eq!(body.len(), reference(&c).len());
    assert_eq!(
        body.slices(),
        3,
        "the head, the parts made together as one slice, the tail"
    );

    let empty = Catalog::default();
    let (body, _) = whole_list(&empty, (0, None), None);
    assert_eq!(body.to_vec(), reference(&empty));
}

#[test]
fn a_part_is_taken_from_the_last_generation_only_when_its_worker_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let before = catalog(dir.path(), "1.0.0");
    let (first, parts) = whole_list(&before, (0, None), None);

    // beta's version changes; alpha and gamma do not.
    let after = catalog(dir.path(), "2.0.0");
    let (second, next) = whole_list(&after, (0, None), Some((&before, &parts)));
    assert_eq!(second.to_vec(), reference(&after));
    assert_eq!(second.slices(), 5, "head, alpha, the new beta, gamma, tail");
    assert_ne!(first.to_vec(), second.to_vec());
    assert_ne!(first.etag(), second.etag(), "another document, another tag");
    for id in ["alpha-cpu", "alpha-cuda", "gamma-cpu"] {
        assert_eq!(
            parts.at(&before, id),
            next.at(&after, id),
            "{id} is unchanged: its part is shared"
        );
    }
    assert_ne!(
        parts.at(&before, "beta-cpu"),
        next.at(&after, "beta-cpu"),
        "beta changed: made again"
    );

    // Made for another value of the community input: nothing is taken.
    let (third, other) = whole_list(&after, (7, None), Some((&after, &next)));
    assert_eq!(third.to_vec(), reference(&after));
    assert_ne!(third.etag(), second.etag(), "the key is in the tag");
    assert_ne!(other.at(&after, "alpha-cpu"), next.at(&after, "alpha-cpu"));

    // The same catalog again: every part shared, the same tag.
    let (again, last) = whole_list(&after, (0, None), Some((&after, &next)));
    assert_eq!(again.etag(), second.etag());
    assert_eq!(last.at(&after, "beta-cpu"), next.at(&after, "beta-cpu"));
}

/// A worker serve takes from its last generation was filled before: filling it again gives
/// the branch a fresh load gives (the manifest's, else the checkout's default, else `main`),
/// not the one an earlier checkout said.
#[test]
fn filling_again_takes_the_branch_from_the_manifest_and_the_checkout_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_worker(
        dir.path(),
        "w",
        &worker_toml("w", &["cpu"], PLATFORMS, "", ""),
        &cargo_toml("w-pkg", &["cpu"], ""),
    );
    let mut c = discover_root(dir.path());
    // As the last generation left it: filled from a checkout whose default branch was master,
    // which is gone now (the directory is in no checkout).
    std::sync::Arc::make_mut(&mut c.workers[0]).upstream.branch = "master".into();
    let mut runner = crate::exec::SystemRunner {
        log_dir: dir.path().join("logs"),
    };
    crate::checkout::fill(&mut c, &mut runner, "git");
    assert_eq!(c.workers[0].upstream.branch, crate::catalog::DEFAULT_BRANCH);
}
