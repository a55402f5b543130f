//! `Cargo.toml` → `CrateInfo`: inheritance from `[workspace.package]`, semver, features
//! (with the implicit ones of optional dependencies), bin targets and workspace membership.

use super::write;
use crate::cargo::{read_crate, BinTarget, CargoCache, CrateInfo};
use crate::problem::Problem;
use std::path::Path;

fn read(manifest: &Path) -> Result<CrateInfo, Vec<Problem>> {
    read_crate(manifest, &mut CargoCache::default())
}

fn ok(manifest: &Path) -> CrateInfo {
    read(manifest).unwrap_or_else(|p| panic!("unexpected problems: {p:#?}"))
}

fn err(manifest: &Path) -> Vec<Problem> {
    match read(manifest) {
        Ok(c) => panic!("expected problems, read {c:#?}"),
        Err(p) => p,
    }
}

fn bin(name: &str, required: &[&str]) -> BinTarget {
    BinTarget {
        name: name.into(),
        required_features: required.iter().map(|s| s.to_string()).collect(),
    }
}

fn names(bins: &[&BinTarget]) -> Vec<String> {
    bins.iter().map(|b| b.name.clone()).collect()
}

const WORKSPACE: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.3.1"
license = "GPL-3.0-or-later"
repository = "https://github.com/o/r"
homepage = "https://rbee.dev"
description = "Inherited description"
edition = "2021"
"#;

const MEMBER: &str = r#"[package]
name = "member"
version.workspace = true
license.workspace = true
repository.workspace = true
homepage.workspace = true
description.workspace = true
edition.workspace = true
"#;

#[test]
fn a_standalone_crate_reads_its_own_package_keys() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        r#"[package]
name = "solo"
version = "0.2.0-beta.1"
license = "MIT"
repository = "https://github.com/o/solo"
homepage = "https://solo.dev"
description = "Solo crate"
"#,
    );
    let c = ok(&m);
    assert_eq!(c.package, "solo");
    assert_eq!(c.version, semver::Version::parse("0.2.0-beta.1").unwrap());
    assert_eq!(c.license.as_deref(), Some("MIT"));
    assert_eq!(c.repository.as_deref(), Some("https://github.com/o/solo"));
    assert_eq!(c.homepage.as_deref(), Some("https://solo.dev"));
    assert_eq!(c.description.as_deref(), Some("Solo crate"));
    assert_eq!(c.workspace_root, None);
    assert_eq!(c.build_root(), dir.path());
    assert_eq!(c.lockfile, None);
    assert!(c.bins.is_empty(), "no src/main.rs, no [[bin]]");
}

#[test]
fn package_keys_are_inherited_from_workspace_package() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", WORKSPACE);
    write(dir.path(), "Cargo.lock", "version = 4\n");
    let m = write(dir.path(), "crates/member/Cargo.toml", MEMBER);
    let c = ok(&m);
    assert_eq!(c.version.to_string(), "0.3.1");
    assert_eq!(c.license.as_deref(), Some("GPL-3.0-or-later"));
    assert_eq!(c.repository.as_deref(), Some("https://github.com/o/r"));
    assert_eq!(c.homepage.as_deref(), Some("https://rbee.dev"));
    assert_eq!(c.description.as_deref(), Some("Inherited description"));
    // A member builds from the workspace root, with the root's lock file.
    assert_eq!(c.workspace_root.as_deref(), Some(dir.path()));
    assert_eq!(c.build_root(), dir.path());
    assert_eq!(c.lockfile, Some(dir.path().join("Cargo.lock")));
}

#[test]
fn own_values_win_over_the_workspace_and_mix_with_inherited_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", WORKSPACE);
    let m = write(
        dir.path(),
        "crates/member/Cargo.toml",
        "[package]\nname = \"member\"\nversion = \"9.0.0\"\nlicense.workspace = true\n",
    );
    let c = ok(&m);
    assert_eq!(c.version.to_string(), "9.0.0");
    assert_eq!(c.license.as_deref(), Some("GPL-3.0-or-later"));
    assert_eq!(c.homepage, None, "not asked for, not inherited");
    assert_eq!(c.description, None);
}

#[test]
fn the_nearest_ancestor_workspace_is_the_one_inherited_from() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"inner/crates/*\"]\n[workspace.package]\nversion = \"9.9.9\"\n",
    );
    write(
        dir.path(),
        "inner/Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"1.0.0\"\n",
    );
    let m = write(
        dir.path(),
        "inner/crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion.workspace = true\n",
    );
    let c = ok(&m);
    assert_eq!(c.version.to_string(), "1.0.0");
    assert_eq!(c.workspace_root, Some(dir.path().join("inner")));
}

#[test]
fn inheriting_without_a_workspace_is_an_error_at_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[package]\nname = \"a\"\nversion.workspace = true\n";
    let m = write(dir.path(), "Cargo.toml", text);
    let problems = err(&m);
    let p = &problems[0];
    assert!(
        p.message.contains(
            "`version.workspace = true`, but this crate is not a member of any workspace"
        ),
        "{}",
        p.message
    );
    assert_eq!(p.path, m);
    assert_eq!(p.line, Some(3));
}

#[test]
fn inheriting_a_key_the_workspace_lacks_is_an_error_with_help() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"1.0.0\"\n",
    );
    let m = write(
        dir.path(),
        "crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion.workspace = true\nlicense.workspace = true\n",
    );
    let problems = err(&m);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert!(
        p.message
            .contains("`license.workspace = true`, but [workspace.package] has no `license`"),
        "{}",
        p.message
    );
    assert_eq!(p.line, Some(4));
    let help = p.help.as_deref().expect("help");
    assert!(help.contains(&root.display().to_string()), "{help}");
}

#[test]
fn an_invalid_version_is_an_error_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[package]\nname = \"a\"\nversion = \"1.0\"\n";
    let m = write(dir.path(), "Cargo.toml", text);
    let problems = err(&m);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].message.starts_with("invalid version `1.0`"),
        "{}",
        problems[0].message
    );
    assert_eq!(problems[0].path, m);
    assert_eq!((problems[0].line, problems[0].column), (Some(3), Some(11)));

    // An inherited one is located in the workspace root, which holds the mistake.
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nversion = \"v1.2.3\"\n",
    );
    let m = write(
        dir.path(),
        "crates/a/Cargo.toml",
        "[package]\nname = \"a\"\nversion.workspace = true\n",
    );
    let problems = err(&m);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.starts_with("invalid version `v1.2.3`"));
    assert_eq!(problems[0].path, root);
    assert_eq!((problems[0].line, problems[0].column), (Some(5), Some(11)));
}

#[test]
fn a_missing_version_or_a_virtual_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "Cargo.toml", "[package]\nname = \"a\"\n");
    assert!(err(&m)[0]
        .message
        .starts_with("missing `version` in [package]"));

    let m = write(dir.path(), "Cargo.toml", "[workspace]\nmembers = []\n");
    assert!(err(&m)[0].message.starts_with("no [package] table"));
}

#[test]
fn features_include_implicit_ones_of_optional_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        r#"[package]
name = "a"
version = "1.0.0"

[features]
default = ["cpu"]
cpu = []
cuda = ["dep:cudarc", "gpu"]
gpu = []

[dependencies]
plain = { path = "plain" }
cudarc = { path = "cudarc", optional = true }
serde = { version = "1", optional = true }

[build-dependencies]
cc = { version = "1", optional = true }

[target.'cfg(unix)'.dependencies]
libc = { version = "0.2", optional = true }

[dev-dependencies]
insta = "1"
"#,
    );
    let c = ok(&m);
    let features: Vec<&str> = c.features.iter().map(String::as_str).collect();
    // `default` is not a feature a variant can name; `cudarc` is hidden behind `dep:`.
    assert_eq!(features, ["cc", "cpu", "cuda", "gpu", "libc", "serde"]);
    assert_eq!(c.feature_deps["cuda"], ["dep:cudarc", "gpu"]);
    assert_eq!(c.feature_deps["default"], ["cpu"]);
}

#[test]
fn a_build_with_one_feature_enables_what_it_lists_transitively() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        r#"[package]
name = "a"
version = "1.0.0"

[features]
default = ["cpu"]
cpu = []
cuda = ["gpu", "dep:x", "x/feature"]
gpu = ["accel"]
accel = []

[[bin]]
name = "a-accel"
path = "src/accel.rs"
required-features = ["accel"]

[[bin]]
name = "a-cpu"
path = "src/cpu.rs"
required-features = ["cpu"]

[[bin]]
name = "a-any"
path = "src/any.rs"
"#,
    );
    let c = ok(&m);
    let on: Vec<String> = c.enabled("cuda").into_iter().collect();
    assert_eq!(on, ["accel", "cuda", "gpu"]);
    assert_eq!(names(&c.bins_built_with("cuda")), ["a-accel", "a-any"]);
    // `--no-default-features`: a cpu build does not get `accel`, and `default` is not on.
    assert_eq!(names(&c.bins_built_with("cpu")), ["a-cpu", "a-any"]);
}

#[test]
fn bins_are_the_explicit_ones_then_cargo_s_auto_discovered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        r#"[package]
name = "pkg"
version = "1.0.0"

[features]
cuda = []

[[bin]]
name = "pkg-cuda"
path = "src/bin/gpu.rs"
required-features = ["cuda"]
"#,
    );
    for (rel, text) in [
        ("src/main.rs", "fn main() {}"),
        ("src/bin/gpu.rs", "fn main() {}"),
        ("src/bin/zeta.rs", "fn main() {}"),
        ("src/bin/alpha.rs", "fn main() {}"),
        ("src/bin/multi/main.rs", "fn main() {}"),
        ("src/bin/multi/helper.rs", ""),
        ("src/bin/notes.txt", ""),
        ("src/bin/empty/README", ""),
    ] {
        write(dir.path(), rel, text);
    }
    let c = ok(&m);
    assert_eq!(
        c.bins,
        [
            bin("pkg-cuda", &["cuda"]),
            bin("pkg", &[]),
            bin("alpha", &[]),
            bin("multi", &[]),
            bin("zeta", &[]),
        ],
        "src/bin/gpu.rs is the explicit pkg-cuda, not an auto bin `gpu`"
    );
}

#[test]
fn an_explicit_bin_named_like_an_auto_one_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"1.0.0\"\n[features]\ncpu = []\n\n\
         [[bin]]\nname = \"pkg\"\nrequired-features = [\"cpu\"]\n",
    );
    write(dir.path(), "src/main.rs", "fn main() {}");
    let c = ok(&m);
    assert_eq!(c.bins, [bin("pkg", &["cpu"])]);
}

#[test]
fn autobins_false_keeps_only_the_explicit_bins() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"1.0.0\"\nautobins = false\n\n\
         [[bin]]\nname = \"only\"\npath = \"src/only.rs\"\n",
    );
    write(dir.path(), "src/main.rs", "fn main() {}");
    write(dir.path(), "src/bin/extra.rs", "fn main() {}");
    assert_eq!(ok(&m).bins, [bin("only", &[])]);
}

#[test]
fn bad_required_features_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"1.0.0\"\n\n[[bin]]\nname = \"b\"\nrequired-features = \"cuda\"\n",
    );
    let problems = err(&m);
    assert!(
        problems[0].message.contains("`required-features`"),
        "{problems:#?}"
    );
    assert_eq!(problems[0].line, Some(7));
}

/// Which of `dirs` (relative to the workspace root) are members of a workspace whose
/// `[workspace]` body is `ws`: a member inherits, a non-member cannot.
fn members(ws: &str, dirs: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        &format!("[workspace]\n{ws}\n[workspace.package]\nversion = \"1.0.0\"\n"),
    );
    let mut out = Vec::new();
    for d in dirs {
        let m = write(
            dir.path(),
            &format!("{d}/Cargo.toml"),
            "[package]\nname = \"a\"\nversion.workspace = true\n",
        );
        match read(&m) {
            Ok(c) => {
                assert_eq!(c.workspace_root.as_deref(), Some(dir.path()), "{d}");
                out.push(d.to_string());
            }
            Err(p) => assert!(
                p[0].message.contains("not a member of any workspace"),
                "{d}: {p:#?}"
            ),
        }
    }
    out
}

#[test]
fn workspace_members_follow_globs_and_excludes_as_cargo_does() {
    // `*` stays within one path component.
    assert_eq!(
        members(
            "members = [\"bin/*\"]",
            &["bin/a", "bin/b", "bin/x/y", "lib/c"]
        ),
        ["bin/a", "bin/b"]
    );
    // Excludes are path prefixes and win over a glob.
    assert_eq!(
        members(
            "members = [\"bin/*\", \"bin/community/*\"]\nexclude = [\"bin/hello\", \"bin/community\"]",
            &["bin/a", "bin/hello", "bin/community/tts"]
        ),
        ["bin/a"]
    );
    // `./x` and `x/` name the same member as `x`.
    assert_eq!(
        members(
            "members = [\"./bin/a\", \"bin/b/\"]",
            &["bin/a", "bin/b", "bin/c"]
        ),
        ["bin/a", "bin/b"]
    );
    // Other glob forms cargo accepts.
    assert_eq!(
        members(
            "members = [\"crates/worker-?\", \"plugins/[ab]*\"]",
            &[
                "crates/worker-1",
                "crates/worker-10",
                "plugins/alpha",
                "plugins/cat"
            ]
        ),
        ["crates/worker-1", "plugins/alpha"]
    );
}

#[test]
fn a_crate_that_is_its_own_workspace_root_builds_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\n\n[workspace.package]\nversion = \"2.0.0\"\n\n[package]\nname = \"root\"\nversion.workspace = true\n",
    );
    let c = ok(&m);
    assert_eq!(c.version.to_string(), "2.0.0");
    assert_eq!(c.workspace_root, None, "the root is the crate itself");
    assert_eq!(c.build_root(), dir.path());
}

#[test]
fn one_cache_reads_each_workspace_once_and_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", WORKSPACE);
    let a = write(
        dir.path(),
        "crates/a/Cargo.toml",
        &MEMBER.replace("member", "a"),
    );
    let b = write(
        dir.path(),
        "crates/b/Cargo.toml",
        &MEMBER.replace("member", "b"),
    );
    let mut cache = CargoCache::default();
    let a = read_crate(&a, &mut cache).expect("a");
    // The root changes on disk; the cache keeps what it read (one read per discovery).
    write(
        dir.path(),
        "Cargo.toml",
        &WORKSPACE.replace("0.3.1", "7.0.0"),
    );
    let b = read_crate(&b, &mut cache).expect("b");
    assert_eq!(a.version, b.version);
    assert_eq!(b.version.to_string(), "0.3.1");
}
