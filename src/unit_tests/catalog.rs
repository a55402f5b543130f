//! Discovery → workers → variants: ids, known-backend narrowing, binary resolution (DESIGN §1),
//! first-source-wins lookup, `SOURCE/ID`, and suggestions.

use super::{
    cargo_toml, discover_root, messages, only_worker, source, worker_toml, write, write_worker,
};
use crate::catalog::{discover, Catalog, Target, Variant, Worker};
use crate::manifest::{Arch, Os, Platforms};

const ALL_PLATFORMS: &str =
    "linux = [\"x86_64\", \"aarch64\"]\nmacos = [\"aarch64\", \"x86_64\"]\nwindows = [\"x86_64\"]";

fn variant<'w>(w: &'w Worker, id: &str) -> &'w Variant {
    w.variants
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no variant {id} in {:?}", w.variants))
}

fn platforms(p: &[(Os, &[Arch])]) -> Platforms {
    p.iter().map(|(os, a)| (*os, a.to_vec())).collect()
}

/// One worker `w` with `features` (each a cargo feature too), the platforms table body,
/// `in_worker` for `[worker]`, `extra` for the rest of worker.toml and `cargo_extra` for its
/// Cargo.toml (package `w-pkg`, with a `src/main.rs`).
fn one(
    features: &[&str],
    platforms: &str,
    in_worker: &str,
    extra: &str,
    cargo_extra: &str,
) -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    write_worker(
        dir.path(),
        "w",
        &worker_toml("w", features, platforms, in_worker, extra),
        &cargo_toml("w-pkg", features, cargo_extra),
    );
    let catalog = discover_root(dir.path());
    (dir, catalog)
}

#[test]
fn each_feature_is_a_variant_named_worker_dash_feature() {
    let (_d, c) = one(&["cuda", "cpu", "vulkan"], ALL_PLATFORMS, "", "", "");
    let w = only_worker(&c);
    let ids: Vec<&str> = w.variants.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["w-cpu", "w-cuda", "w-vulkan"], "sorted by id");
    for v in &w.variants {
        assert_eq!(v.id, format!("w-{}", v.feature));
    }
    assert_eq!(w.default_feature, "cuda");
    assert_eq!(w.version.to_string(), "1.2.3");
}

#[test]
fn known_backends_narrow_the_worker_platforms() {
    let (_d, c) = one(
        &["cpu", "cuda", "rocm", "metal", "vulkan"],
        ALL_PLATFORMS,
        "",
        "",
        "",
    );
    let w = only_worker(&c);
    let all = platforms(&[
        (Os::Linux, &[Arch::X86_64, Arch::Aarch64]),
        (Os::Macos, &[Arch::Aarch64, Arch::X86_64]),
        (Os::Windows, &[Arch::X86_64]),
    ]);
    assert_eq!(w.platforms, all);
    assert_eq!(variant(w, "w-cpu").platforms, all, "cpu: the worker's own");
    assert_eq!(
        variant(w, "w-vulkan").platforms,
        all,
        "unknown: the worker's own"
    );

    let cuda = variant(w, "w-cuda");
    assert!(!cuda.platforms.contains_key(&Os::Macos), "cuda: no macOS");
    assert_eq!(cuda.platforms[&Os::Windows], [Arch::X86_64]);
    assert!(cuda.supports(Os::Linux, Arch::X86_64));
    assert!(!cuda.supports(Os::Macos, Arch::Aarch64));

    assert_eq!(
        variant(w, "w-rocm").platforms,
        platforms(&[(Os::Linux, &[Arch::X86_64])])
    );
    assert_eq!(
        variant(w, "w-metal").platforms,
        platforms(&[(Os::Macos, &[Arch::Aarch64])])
    );
}

/// DESIGN §3: "the known `cuda` backend narrows Linux to x86_64 (Arch's `cuda` package is
/// x86_64-only) unless `[variants.cuda].platforms` says otherwise".
#[test]
fn cuda_narrows_linux_to_x86_64() {
    let (_d, c) = one(&["cpu", "cuda"], ALL_PLATFORMS, "", "", "");
    let w = only_worker(&c);
    assert_eq!(
        variant(w, "w-cuda").platforms,
        platforms(&[(Os::Linux, &[Arch::X86_64]), (Os::Windows, &[Arch::X86_64])])
    );
}

#[test]
fn known_backends_add_packages_to_the_worker_s() {
    let (_d, c) = one(
        &["cpu", "cuda", "rocm"],
        ALL_PLATFORMS,
        "",
        "[depends]\narch = [\"gcc-libs\"]\nbrew = [\"libomp\"]\n",
        "",
    );
    let w = only_worker(&c);
    let cpu = variant(w, "w-cpu");
    assert_eq!(cpu.depends.arch, ["gcc-libs"]);
    assert_eq!(cpu.depends.brew, ["libomp"]);
    assert!(cpu.makedepends.arch.is_empty());

    let cuda = variant(w, "w-cuda");
    assert_eq!(cuda.depends.arch, ["gcc-libs", "cuda"]);
    assert_eq!(cuda.depends.brew, ["libomp"]);
    assert!(cuda.makedepends.arch.is_empty());

    let rocm = variant(w, "w-rocm");
    assert_eq!(rocm.depends.arch, ["gcc-libs", "rocm-hip-runtime"]);
    assert_eq!(rocm.makedepends.arch, ["rocm-hip-sdk"]);
}

#[test]
fn variant_overrides_replace_the_backend_defaults() {
    let (_d, c) = one(
        &["cpu", "cuda", "rocm", "metal"],
        ALL_PLATFORMS,
        "",
        "[depends]\narch = [\"gcc-libs\"]\n\n\
         [variants.cuda]\nplatforms = { linux = [\"aarch64\"], macos = [\"aarch64\"] }\n\
         depends = { arch = [\"cuda-tools\", \"gcc-libs\"] }\nmakedepends = { arch = [\"cuda\"] }\n\n\
         [variants.rocm]\nmakedepends = { arch = [] }\n",
        "",
    );
    let w = only_worker(&c);
    let cuda = variant(w, "w-cuda");
    assert_eq!(
        cuda.platforms,
        platforms(&[(Os::Linux, &[Arch::Aarch64]), (Os::Macos, &[Arch::Aarch64])]),
        "written platforms are taken as they are, even macOS for cuda"
    );
    assert_eq!(
        cuda.depends.arch,
        ["gcc-libs", "cuda-tools"],
        "the worker's depends, then the override's, without repeats"
    );
    assert_eq!(cuda.makedepends.arch, ["cuda"]);
    let rocm = variant(w, "w-rocm");
    assert_eq!(rocm.depends.arch, ["gcc-libs", "rocm-hip-runtime"]);
    assert!(
        rocm.makedepends.arch.is_empty(),
        "an empty list is an override"
    );
}

#[test]
fn a_backend_that_narrows_to_nothing_is_a_warning_not_an_error() {
    let (_d, c) = one(&["cpu", "metal"], "linux = [\"x86_64\"]", "", "", "");
    let w = only_worker(&c);
    assert!(variant(w, "w-metal").platforms.is_empty());
    let warnings: Vec<_> = c.problems.iter().filter(|p| !p.is_error()).collect();
    assert_eq!(warnings.len(), 1, "{:#?}", c.problems);
    assert!(warnings[0]
        .message
        .contains("variant `w-metal` supports no platform"));
}

#[test]
fn a_feature_the_crate_lacks_is_an_error_listing_its_features() {
    let dir = tempfile::tempdir().unwrap();
    let text = worker_toml("w", &["cpu", "cuda"], "linux = [\"x86_64\"]", "", "");
    write_worker(
        dir.path(),
        "w",
        &text,
        &cargo_toml("w-pkg", &["cpu", "metal"], ""),
    );
    let c = discover_root(dir.path());
    assert!(c.workers.is_empty(), "a broken worker is not listed");
    let p = c
        .problems
        .iter()
        .find(|p| {
            p.message
                .contains("feature `cuda` is not a feature of crate `w-pkg`")
        })
        .unwrap_or_else(|| panic!("{:#?}", messages(&c)));
    assert!(
        p.message.ends_with("its features: `cpu`, `metal`"),
        "{}",
        p.message
    );
    let offset = text.find("\"cuda\"").unwrap();
    let (line, col) = crate::problem::line_col(&text, offset);
    assert_eq!((p.line, p.column), (Some(line), Some(col)));
}

// ---- binary resolution (DESIGN §1) ----

/// The (binary, installed name) of each variant of a worker, in variant order.
fn binaries(c: &Catalog) -> Vec<(String, String)> {
    only_worker(c)
        .variants
        .iter()
        .map(|v| (v.binary.clone(), v.installed_name.clone()))
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const GATED: &str =
    "[[bin]]\nname = \"w-rbee-cpu\"\npath = \"src/cpu.rs\"\nrequired-features = [\"cpu\"]\n\n\
     [[bin]]\nname = \"w-rbee-cuda\"\npath = \"src/cuda.rs\"\nrequired-features = [\"cuda\"]\n\n\
     [[bin]]\nname = \"helper\"\npath = \"src/helper.rs\"\nrequired-features = [\"cuda\"]\n";

#[test]
fn a_per_variant_binary_wins() {
    let (_d, c) = one(
        &["cpu", "cuda"],
        ALL_PLATFORMS,
        "binary = \"worker-wide\"",
        "[variants.cuda]\nbinary = \"special\"\n",
        GATED,
    );
    assert_eq!(
        binaries(&c),
        pairs(&[("w-rbee-cpu", "w-rbee-cpu"), ("special", "special-cuda")])
    );
}

#[test]
fn a_bin_gated_on_the_feature_and_named_for_it_wins_over_worker_binary() {
    // `helper` is gated on cuda too; the one named `…-cuda` is chosen.
    let (_d, c) = one(
        &["cpu", "cuda"],
        ALL_PLATFORMS,
        "binary = \"worker-wide\"",
        "",
        GATED,
    );
    assert_eq!(
        binaries(&c),
        pairs(&[("w-rbee-cpu", "w-rbee-cpu"), ("w-rbee-cuda", "w-rbee-cuda")]),
        "already ending with -FEATURE, so not suffixed again"
    );
}

#[test]
fn the_only_bin_gated_on_the_feature_wins_whatever_its_name() {
    let (_d, c) = one(
        &["cpu", "cuda"],
        ALL_PLATFORMS,
        "binary = \"worker-wide\"",
        "",
        "[[bin]]\nname = \"accel\"\npath = \"src/accel.rs\"\nrequired-features = [\"cuda\"]\n",
    );
    assert_eq!(
        binaries(&c),
        pairs(&[("worker-wide", "worker-wide-cpu"), ("accel", "accel-cuda")])
    );
}

#[test]
fn several_gated_bins_none_named_for_the_feature_fall_back_to_worker_binary() {
    let (_d, c) = one(
        &["cpu", "cuda"],
        ALL_PLATFORMS,
        "binary = \"worker-wide\"",
        "",
        "[[bin]]\nname = \"a\"\npath = \"src/a.rs\"\nrequired-features = [\"cuda\"]\n\n\
         [[bin]]\nname = \"b\"\npath = \"src/b.rs\"\nrequired-features = [\"cuda\"]\n",
    );
    assert_eq!(
        binaries(&c),
        pairs(&[
            ("worker-wide", "worker-wide-cpu"),
            ("worker-wide", "worker-wide-cuda")
        ])
    );
}

#[test]
fn without_gated_bins_or_worker_binary_the_only_bin_is_the_package_name() {
    let (_d, c) = one(&["cpu", "cuda"], ALL_PLATFORMS, "", "", "");
    assert_eq!(
        binaries(&c),
        pairs(&[("w-pkg", "w-pkg-cpu"), ("w-pkg", "w-pkg-cuda")]),
        "src/main.rs is the bin named after the package"
    );
}

#[test]
fn a_bin_gated_on_another_feature_is_no_candidate_for_this_one() {
    // cpu: nothing is gated on cpu and there is no worker binary, so the bins a
    // `--no-default-features --features cpu` build makes count: only `w-pkg` (src/main.rs),
    // since `x-tool` needs `extra`.
    let (_d, c) = one(
        &["cpu", "extra"],
        ALL_PLATFORMS,
        "",
        "",
        "[[bin]]\nname = \"x-tool\"\npath = \"src/t.rs\"\nrequired-features = [\"extra\"]\n",
    );
    assert_eq!(
        binaries(&c),
        pairs(&[("w-pkg", "w-pkg-cpu"), ("x-tool", "x-tool-extra")])
    );
}

#[test]
fn two_candidate_binaries_are_an_error_naming_them() {
    let (_d, c) = one(
        &["cpu"],
        ALL_PLATFORMS,
        "",
        "",
        "[[bin]]\nname = \"other\"\npath = \"src/other.rs\"\n",
    );
    assert!(c.workers.is_empty());
    let m = messages(&c);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].contains("variant `w-cpu` has several candidate binaries (`other`, `w-pkg`)"),
        "{}",
        m[0]
    );
}

#[test]
fn no_bin_built_with_the_feature_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bin/w/worker.toml",
        &worker_toml("w", &["cpu", "cuda"], ALL_PLATFORMS, "", ""),
    );
    write(
        dir.path(),
        "bin/w/Cargo.toml",
        &cargo_toml(
            "w-pkg",
            &["cpu", "cuda"],
            "[[bin]]\nname = \"w-cpu\"\npath = \"src/cpu.rs\"\nrequired-features = [\"cpu\"]\n",
        ),
    );
    let c = discover_root(dir.path());
    let m = messages(&c);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].contains("variant `w-cuda` has no binary: crate `w-pkg` has no bin target built with feature `cuda`"),
        "{}",
        m[0]
    );
}

#[test]
fn a_binary_name_that_is_not_a_file_name_is_refused() {
    let (_d, c) = one(&["cpu"], ALL_PLATFORMS, "binary = \"../evil\"", "", "");
    assert!(c.workers.is_empty());
    let m = messages(&c);
    assert!(
        m[0].contains("binary name `../evil` of variant `w-cpu` is not a valid file name"),
        "{m:#?}"
    );
}

// ---- lookup, sources, suggestions ----

/// Two sources, `first` and `second`, both holding worker `w` (versions 1.0.0 and 2.0.0);
/// `second` also holds `only-second`, and `first` a community worker `tts`.
fn two_sources() -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let krate =
        |pkg: &str, version: &str| cargo_toml(pkg, &["cpu", "cuda"], "").replace("1.2.3", version);
    let linux = "linux = [\"x86_64\"]";
    write_worker(
        &a,
        "w",
        &worker_toml("w", &["cpu", "cuda"], linux, "", ""),
        &krate("w", "1.0.0"),
    );
    write_worker(
        &a,
        "community/tts",
        &worker_toml("tts", &["cpu", "cuda"], linux, "", ""),
        &krate("tts", "0.1.0"),
    );
    // The shadowed `w` has a variant the visible one lacks.
    write_worker(
        &b,
        "w",
        &worker_toml("w", &["cpu", "cuda", "rocm"], linux, "", ""),
        &cargo_toml("w", &["cpu", "cuda", "rocm"], "").replace("1.2.3", "2.0.0"),
    );
    write_worker(
        &b,
        "only-second",
        &worker_toml("only-second", &["cpu", "cuda"], linux, "", ""),
        &krate("o", "3.0.0"),
    );
    let mut catalog = Catalog::default();
    discover(source("first", &a), &mut catalog);
    discover(source("second", &b), &mut catalog);
    assert!(catalog.problems.is_empty(), "{:#?}", catalog.problems);
    (dir, catalog)
}

/// (source name, variant id or `-`, version) of what `query` names.
fn found(c: &Catalog, query: &str) -> Option<(String, String, String)> {
    c.lookup(query).map(|t| match t {
        Target::Variant(w, v) => (w.source.name.clone(), v.id.clone(), w.version.to_string()),
        Target::Worker(w) => (w.source.name.clone(), "-".into(), w.version.to_string()),
    })
}

fn f(source: &str, variant: &str, version: &str) -> Option<(String, String, String)> {
    Some((source.into(), variant.into(), version.into()))
}

#[test]
fn the_first_source_wins_and_source_slash_id_names_one() {
    let (_d, c) = two_sources();
    first_source_wins(&c);
}

/// The index `link` builds answers as the linear search does, and a catalog changed after
/// it was linked is never answered from a stale index.
#[test]
fn a_linked_catalog_looks_up_by_its_index_as_it_would_linearly() {
    let (_d, mut c) = two_sources();
    c.link();
    first_source_wins(&c);
    c.workers.retain(|w| w.id != "only-second");
    assert_eq!(found(&c, "only-second-cpu"), None, "retained away");
    assert_eq!(found(&c, "w-cuda"), f("first", "w-cuda", "1.0.0"));
}

/// Ids are indexed by their hash: two ids of one hash are told apart by the ids themselves.
#[test]
fn an_index_whose_ids_all_collide_answers_as_the_linear_search() {
    let (_d, mut c) = two_sources();
    c.link_colliding();
    first_source_wins(&c);
    assert_eq!(found(&c, "w-rocm"), None, "shadowed: only by its source");
    assert_eq!(found(&c, "second/w-rocm"), f("second", "w-rocm", "2.0.0"));
}

fn first_source_wins(c: &Catalog) {
    assert_eq!(found(c, "w-cuda"), f("first", "w-cuda", "1.0.0"));
    assert_eq!(found(c, "w"), f("first", "-", "1.0.0"));
    assert_eq!(found(c, "second/w-cuda"), f("second", "w-cuda", "2.0.0"));
    assert_eq!(found(c, "second/w"), f("second", "-", "2.0.0"));
    assert_eq!(found(c, "first/w-cpu"), f("first", "w-cpu", "1.0.0"));
    assert_eq!(
        found(c, "only-second-cpu"),
        f("second", "only-second-cpu", "3.0.0")
    );
    assert_eq!(
        found(c, "first/only-second-cpu"),
        None,
        "not in that source"
    );
    assert_eq!(found(c, "nowhere/w-cpu"), None, "no such source");
    // The first source wins `w` whole: the shadowed one's extra variant needs its source.
    assert_eq!(found(c, "w-rocm"), None);
    assert_eq!(found(c, "second/w-rocm"), f("second", "w-rocm", "2.0.0"));

    // Community workers answer to their source's name and to `community/`.
    assert_eq!(
        found(c, "community/tts-cpu"),
        f("first", "tts-cpu", "0.1.0")
    );
    assert_eq!(found(c, "first/tts-cpu"), f("first", "tts-cpu", "0.1.0"));
    assert_eq!(
        found(c, "community/w-cpu"),
        None,
        "w is not a community worker"
    );

    let tts = c.workers.iter().find(|w| w.id == "tts").unwrap();
    assert!(tts.community && !tts.verified());
    let w = c.workers.iter().find(|w| w.id == "w").unwrap();
    assert!(w.verified());
}

#[test]
fn a_shadowed_worker_is_hidden_whole_from_listings() {
    let (_d, c) = two_sources();
    let visible: Vec<(&str, &str)> = c
        .visible()
        .iter()
        .map(|w| (w.source.name.as_str(), w.id.as_str()))
        .collect();
    assert_eq!(
        visible,
        [("first", "w"), ("first", "tts"), ("second", "only-second")]
    );
    let shadowed: Vec<String> = c
        .shadowed("w-cpu")
        .iter()
        .map(|w| format!("{}/{}@{}", w.source.name, w.id, w.version))
        .collect();
    assert_eq!(shadowed, ["second/w@2.0.0"]);
    let ids: Vec<String> = c
        .variants()
        .iter()
        .map(|(w, v)| format!("{}/{}", w.source.name, v.id))
        .collect();
    assert_eq!(
        ids,
        [
            "second/only-second-cpu",
            "second/only-second-cuda",
            "first/tts-cpu",
            "first/tts-cuda",
            "first/w-cpu",
            "first/w-cuda",
        ]
    );
}

#[test]
fn unknown_ids_get_up_to_three_close_suggestions() {
    let (_d, c) = two_sources();
    let s = c.suggest("w-cdua");
    assert_eq!(s[..2], ["w-cuda", "w-cpu"], "best first: {s:?}");
    assert_eq!(s.len(), 3, "capped at three: {s:?}");
    // `w-cuda` is in both sources and suggested once.
    assert_eq!(s.iter().filter(|x| *x == "w-cuda").count(), 1);
    assert_eq!(c.suggest("second/only-secnd-cuda")[0], "only-second-cuda");
    assert!(c.suggest("only-second").len() <= 3);
    assert_eq!(c.suggest("only-second")[0], "only-second", "exact first");
    assert!(c.suggest("zzzzzzzzzz").is_empty());
}

#[test]
fn duplicate_ids_in_one_source_keep_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let text = worker_toml("w", &["cpu"], "linux = [\"x86_64\"]", "", "");
    write_worker(dir.path(), "a", &text, &cargo_toml("a", &["cpu"], ""));
    write_worker(dir.path(), "b", &text, &cargo_toml("b", &["cpu"], ""));
    let c = discover_root(dir.path());
    assert_eq!(c.workers.len(), 1);
    assert_eq!(c.workers[0].krate.package, "a", "sorted: bin/a first");
    let m = messages(&c);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(m[0].contains("duplicate worker id `w`"), "{}", m[0]);
    assert!(
        m[0].contains("bin/b/worker.toml:2:6"),
        "at the id: {}",
        m[0]
    );
}

#[test]
fn metadata_defaults_come_from_the_crate() {
    let (_d, c) = one(&["cpu"], ALL_PLATFORMS, "", "", "");
    let w = only_worker(&c);
    assert_eq!((w.license.as_deref(), w.homepage.as_deref()), (None, None));

    let dir = tempfile::tempdir().unwrap();
    let krate = cargo_toml("p", &["cpu"], "").replace(
        "edition",
        "license = \"MIT\"\nrepository = \"https://github.com/o/p.git\"\nedition",
    );
    write_worker(
        dir.path(),
        "w",
        &worker_toml("w", &["cpu"], "linux = [\"x86_64\"]", "", ""),
        &krate,
    );
    let c = discover_root(dir.path());
    let w = only_worker(&c);
    assert_eq!(w.license.as_deref(), Some("MIT"));
    assert_eq!(
        w.homepage.as_deref(),
        Some("https://github.com/o/p.git"),
        "repository"
    );
    assert_eq!(
        w.upstream.git.as_deref(),
        Some("https://github.com/o/p.git")
    );
    assert_eq!(
        w.upstream.tarball.as_deref(),
        Some("https://github.com/o/p/archive/refs/tags/v1.2.3.tar.gz")
    );
    assert_eq!(w.upstream.subdir, "bin/w");
    assert_eq!(w.upstream.branch, "main");

    let with_own = krate.replace("edition", "homepage = \"https://p.dev\"\nedition");
    write(dir.path(), "bin/w/Cargo.toml", &with_own);
    let c = discover_root(dir.path());
    assert_eq!(only_worker(&c).homepage.as_deref(), Some("https://p.dev"));
}
