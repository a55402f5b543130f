//! The catalog core through the real binary: discovery, manifests and their problems,
//! variants (versions, binaries, platforms, packages), `list`/`search`/`info`, root
//! resolution, and the bundled `examples/` catalog (DESIGN sections 1, 2, 5, 7).

use crate::support::{
    assert_success, locate, locate_nth, parse_catalog, parse_error, q_list, stderr, stdout,
    write_file, CargoValue, CatalogDoc, PackagesDoc, PlatformsDoc, Sandbox, VariantDoc,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn platforms(p: &[(&str, &[&str])]) -> PlatformsDoc {
    p.iter()
        .map(|(os, a)| (os.to_string(), a.iter().map(|s| s.to_string()).collect()))
        .collect()
}

fn packages(arch: &[&str], brew: &[&str]) -> PackagesDoc {
    PackagesDoc {
        arch: arch.iter().map(|s| s.to_string()).collect(),
        brew: brew.iter().map(|s| s.to_string()).collect(),
        workers: Vec::new(),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Discovery at scale
// ---------------------------------------------------------------------------------------------

/// The platforms a `cpu` variant of worker `i` runs on, and its version: varied per worker so
/// a mix-up between workers shows.
fn scale_worker(i: usize) -> (&'static [(&'static str, &'static [&'static str])], String) {
    const P: [&[(&str, &[&str])]; 3] = [
        &[("linux", &["x86_64"])],
        &[("linux", &["x86_64", "aarch64"]), ("macos", &["aarch64"])],
        &[("windows", &["x86_64"]), ("linux", &["aarch64"])],
    ];
    (P[i % 3], format!("{}.{}.{}", i % 3, i, i % 11))
}

fn check_catalog_of(n: usize) {
    let s = Sandbox::new();
    let features = ["cpu", "cuda"];
    // Unpadded numbers, so numeric and sorted order differ ("w-10" < "w-2").
    for i in 0..n {
        let (p, version) = scale_worker(i);
        // Directory names sort in the reverse of the ids, so `list` must sort by id itself.
        s.worker(&format!("w-{i}"))
            .dir(&format!("bin/{:04}", n - i))
            .features(&features)
            .platforms(p)
            .version(&version)
            .write();
    }
    let doc = s.list();
    assert_eq!(doc.workers.len(), n * features.len());
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let mut expected = Vec::new();
    for i in 0..n {
        for f in features {
            expected.push(format!("w-{i}-{f}"));
        }
    }
    assert_eq!(doc.ids(), sorted(expected));
    for i in 0..n {
        let (p, version) = scale_worker(i);
        let all = platforms(p);
        // cuda: no macOS, and Linux only on x86_64 (Arch's cuda is x86_64-only).
        let no_macos: PlatformsDoc = all
            .clone()
            .into_iter()
            .filter(|(os, _)| os != "macos")
            .map(|(os, arches)| {
                let arches = match os.as_str() {
                    "linux" => arches.into_iter().filter(|a| a == "x86_64").collect(),
                    _ => arches,
                };
                (os, arches)
            })
            .filter(|(_, arches): &(String, Vec<String>)| !arches.is_empty())
            .collect();
        for (f, plats) in [("cpu", all), ("cuda", no_macos)] {
            let v = doc.variant(&format!("w-{i}-{f}"));
            assert_eq!(v.worker, format!("w-{i}"));
            assert_eq!(v.feature, f);
            assert_eq!(v.default, f == "cpu");
            assert_eq!(v.version, version, "{}", v.id);
            assert_eq!(v.platforms, plats, "{}", v.id);
        }
    }
}

#[test]
fn list_of_zero_workers() {
    check_catalog_of(0);
}

#[test]
fn list_of_one_worker() {
    check_catalog_of(1);
}

#[test]
fn list_of_seven_workers() {
    check_catalog_of(7);
}

#[test]
fn list_of_300_workers() {
    check_catalog_of(300);
}

#[test]
fn a_worker_added_between_runs_appears() {
    let s = Sandbox::new();
    let a = s.worker("alpha").write();
    assert_eq!(s.list().ids(), a.variant_ids());
    let b = s
        .worker("beta")
        .features(&["cpu", "rocm", "vulkan"])
        .version("3.2.1")
        .write();
    let doc = s.list();
    assert_eq!(
        doc.ids(),
        sorted([a.variant_ids(), b.variant_ids()].concat())
    );
    assert_eq!(doc.variant("beta-vulkan").version, "3.2.1");
    let out = s.run(&["list"]);
    assert_success(&out);
    assert_eq!(stderr(&out), "", "a clean catalog prints no warnings");
    assert!(stdout(&out).contains("beta-vulkan"));
}

// ---------------------------------------------------------------------------------------------
// Versions and Cargo metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn workspace_members_inherit_version_license_repository_homepage() {
    let s = Sandbox::new();
    s.write(
        "Cargo.toml",
        r#"[workspace]
members = ["bin/*"]
exclude = ["bin/standalone"]
resolver = "2"

[workspace.package]
version = "2.5.0"
license = "MIT OR Apache-2.0"
repository = "https://example.org/ws-repo"
homepage = "https://example.org/ws-home"
"#,
    );
    s.worker("inherit-all").inherit_all().write();
    // No homepage anywhere: falls back to the (inherited) repository.
    let mut no_home = s.worker("no-home").inherit_all();
    no_home.cargo_homepage = None;
    no_home.write();
    s.worker("own-license")
        .inherit_all()
        .license("GPL-3.0-only")
        .homepage("https://worker.example/home")
        .write();
    s.worker("own-version")
        .version("1.0.0")
        .cargo_license(CargoValue::Workspace)
        .write();
    s.worker("standalone")
        .version("0.9.0")
        .cargo_license(CargoValue::Literal("BSD-3-Clause".into()))
        .cargo_repository(CargoValue::Literal("https://example.org/standalone".into()))
        .write();

    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let v = doc.variant("inherit-all-cuda");
    assert_eq!(v.version, "2.5.0");
    assert_eq!(v.license.as_deref(), Some("MIT OR Apache-2.0"));
    assert_eq!(v.homepage.as_deref(), Some("https://example.org/ws-home"));
    assert_eq!(v.source.subdir, "bin/inherit-all");

    let v = doc.variant("no-home-cpu");
    assert_eq!(v.version, "2.5.0");
    assert_eq!(v.homepage.as_deref(), Some("https://example.org/ws-repo"));

    let v = doc.variant("own-license-cpu");
    assert_eq!(v.license.as_deref(), Some("GPL-3.0-only"));
    assert_eq!(v.homepage.as_deref(), Some("https://worker.example/home"));

    let v = doc.variant("own-version-cpu");
    assert_eq!(v.version, "1.0.0");
    assert_eq!(v.license.as_deref(), Some("MIT OR Apache-2.0"));
    assert_eq!(v.homepage, None);

    let v = doc.variant("standalone-cpu");
    assert_eq!(v.version, "0.9.0");
    assert_eq!(v.license.as_deref(), Some("BSD-3-Clause"));
    assert_eq!(
        v.homepage.as_deref(),
        Some("https://example.org/standalone")
    );
}

#[test]
fn a_prerelease_version_comes_through_exactly() {
    let s = Sandbox::new();
    s.worker("pre").version("0.4.2-beta.1").write();
    s.worker("meta").version("1.0.0-rc.2+build.7").write();
    let doc = s.list();
    assert_eq!(doc.variant("pre-cpu").version, "0.4.2-beta.1");
    assert_eq!(doc.variant("pre-cuda").version, "0.4.2-beta.1");
    assert_eq!(doc.variant("meta-cpu").version, "1.0.0-rc.2+build.7");
    let out = s.run(&["list"]);
    assert_success(&out);
    assert!(stdout(&out).contains("0.4.2-beta.1"), "{}", stdout(&out));
}

#[test]
fn an_invalid_version_is_located_in_the_crate_manifest() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").version("1.0").write();
    let doc = s.list();
    assert_eq!(doc.ids(), good.variant_ids());
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, bad.cargo_toml);
    let (line, column) = locate(&bad.cargo_text, "\"1.0\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)));
    assert_eq!(p.severity, "error");
    assert!(
        p.message.contains("`1.0`") && p.message.contains("semver"),
        "{}",
        p.message
    );
}

#[test]
fn an_invalid_inherited_version_is_located_in_the_workspace_root() {
    let s = Sandbox::new();
    let root_text = "[workspace]\nmembers = [\"bin/bad\"]\n\n[workspace.package]\nlicense = \"MIT\"\nversion = \"2.x\"\n";
    let root_manifest = s.write("Cargo.toml", root_text);
    let good = s.worker("good").write();
    s.worker("bad")
        .cargo_version(Some(CargoValue::Workspace))
        .cargo_license(CargoValue::Workspace)
        .write();
    // `good` is not a member (the workspace lists only bin/bad): its own version stands.
    let doc = s.list();
    assert_eq!(doc.ids(), good.variant_ids());
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, root_manifest);
    let (line, column) = locate(root_text, "\"2.x\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)));
    assert!(p.message.contains("`2.x`"), "{}", p.message);
}

#[test]
fn a_crate_that_is_its_own_workspace_root_inherits_from_itself() {
    let s = Sandbox::new();
    s.worker("selfws")
        .cargo_version(Some(CargoValue::Workspace))
        .cargo_license(CargoValue::Workspace)
        .extra_cargo(
            "[workspace]\n\n[workspace.package]\nversion = \"7.1.0-alpha\"\nlicense = \"ISC\"\n",
        )
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(doc.variant("selfws-cpu").version, "7.1.0-alpha");
    assert_eq!(doc.variant("selfws-cuda").license.as_deref(), Some("ISC"));
}

#[test]
fn workspace_members_written_with_dot_or_trailing_slash_are_members() {
    let s = Sandbox::new();
    s.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"./bin/dotted\", \"bin/slashed/\"]\n\n[workspace.package]\nversion = \"1.2.3\"\n",
    );
    let a = s
        .worker("dotted")
        .cargo_version(Some(CargoValue::Workspace))
        .write();
    let b = s
        .worker("slashed")
        .cargo_version(Some(CargoValue::Workspace))
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:#?}", doc.problems);
    assert_eq!(
        doc.ids(),
        sorted([a.variant_ids(), b.variant_ids()].concat())
    );
    assert!(doc.workers.iter().all(|v| v.version == "1.2.3"));
}

#[test]
fn inheriting_without_a_workspace_is_a_problem_in_the_crate_manifest() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s
        .worker("bad")
        .cargo_version(Some(CargoValue::Workspace))
        .write();
    let doc = s.list();
    assert_eq!(doc.ids(), good.variant_ids());
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, bad.cargo_toml);
    assert_eq!(p.line, Some(locate(&bad.cargo_text, "version.workspace").0));
    assert!(p.message.contains("workspace"), "{}", p.message);
}

// ---------------------------------------------------------------------------------------------
// Binary resolution and installed names
// ---------------------------------------------------------------------------------------------

fn binaries(doc: &CatalogDoc, worker: &str) -> BTreeMap<String, (String, String)> {
    doc.workers
        .iter()
        .filter(|v| v.worker == worker)
        .map(|v| {
            (
                v.feature.clone(),
                (v.binary.clone(), v.installed_name.clone()),
            )
        })
        .collect()
}

fn pairs(p: &[(&str, &str, &str)]) -> BTreeMap<String, (String, String)> {
    p.iter()
        .map(|(f, b, i)| (f.to_string(), (b.to_string(), i.to_string())))
        .collect()
}

#[test]
fn binary_resolution_follows_the_design_order() {
    let s = Sandbox::new();
    // 1. [variants.X].binary beats everything, even a gated `…-X` bin.
    s.worker("ovr")
        .bin("ovr-cuda", &["cuda"])
        .extra("[variants.cuda]\nbinary = \"custom-bin\"\n")
        .write();
    // 2. Among several gated bins, the one named `…-X`; `…-X` is not suffixed twice.
    s.worker("named")
        .main_rs(false)
        .bin("named-helper", &["cuda"])
        .bin("named-cuda", &["cuda"])
        .bin("named-cpu", &["cpu"])
        .write();
    // 3. The only gated bin, whatever its name; it beats [worker].binary.
    s.worker("only")
        .main_rs(false)
        .binary("only-daemon")
        .bin("server", &["cuda"])
        .write();
    // 4. Two gated bins and none named `…-X`: [worker].binary (for cpu too, which has no
    //    gated bin: [worker].binary comes before the crate's only bin).
    s.worker("twogated")
        .binary("fallback")
        .bin("one", &["cuda"])
        .bin("two", &["cuda"])
        .write();
    // 5. The crate's only bin: src/main.rs, named after the package.
    s.worker("plain").package("plain-pkg").write();
    // 6. Auto-discovered src/bin/*.rs.
    s.worker("autob")
        .main_rs(false)
        .src_bin("autob-tool")
        .write();
    // 7. An explicit [[bin]] for src/main.rs renames the package's bin; a bin gated on cpu
    //    does not exist in a cuda build.
    s.worker("renamed")
        .bin_at("renamed-server", "src/main.rs", &[])
        .bin("renamed-cpu", &["cpu"])
        .write();
    // 8. An override that already ends in `-X` is not suffixed again.
    s.worker("presuffixed")
        .extra("[variants.cuda]\nbinary = \"thing-cuda\"\n[variants.cpu]\nbinary = \"thing\"\n")
        .write();

    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let cases = [
        (
            "ovr",
            pairs(&[
                ("cpu", "ovr", "ovr-cpu"),
                ("cuda", "custom-bin", "custom-bin-cuda"),
            ]),
        ),
        (
            "named",
            pairs(&[
                ("cpu", "named-cpu", "named-cpu"),
                ("cuda", "named-cuda", "named-cuda"),
            ]),
        ),
        (
            "only",
            pairs(&[
                ("cpu", "only-daemon", "only-daemon-cpu"),
                ("cuda", "server", "server-cuda"),
            ]),
        ),
        (
            "twogated",
            pairs(&[
                ("cpu", "fallback", "fallback-cpu"),
                ("cuda", "fallback", "fallback-cuda"),
            ]),
        ),
        (
            "plain",
            pairs(&[
                ("cpu", "plain-pkg", "plain-pkg-cpu"),
                ("cuda", "plain-pkg", "plain-pkg-cuda"),
            ]),
        ),
        (
            "autob",
            pairs(&[
                ("cpu", "autob-tool", "autob-tool-cpu"),
                ("cuda", "autob-tool", "autob-tool-cuda"),
            ]),
        ),
        (
            "renamed",
            pairs(&[
                ("cpu", "renamed-cpu", "renamed-cpu"),
                ("cuda", "renamed-server", "renamed-server-cuda"),
            ]),
        ),
        (
            "presuffixed",
            pairs(&[
                ("cpu", "thing", "thing-cpu"),
                ("cuda", "thing-cuda", "thing-cuda"),
            ]),
        ),
    ];
    for (worker, expected) in cases {
        assert_eq!(binaries(&doc, worker), expected, "worker {worker}");
    }
}

#[test]
fn several_candidate_binaries_without_a_choice_is_a_problem() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s
        .worker("bad")
        .features(&["cpu"])
        .src_bin("first")
        .src_bin("second")
        .write();
    let doc = s.list();
    assert_eq!(doc.ids(), good.variant_ids());
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, bad.worker_toml);
    assert!(
        p.message.contains("`bad`")
            && p.message.contains("`first`")
            && p.message.contains("`second`"),
        "{}",
        p.message
    );
}

/// A Cargo.toml whose `cudarc` and `flash` are optional dependencies; `cudarc` is named with
/// `dep:` by the `cuda` feature, so it is no feature itself.
const OPTIONAL_DEPS_CARGO: &str = r#"[package]
name = "opt"
version = "0.1.0"
edition = "2021"

[features]
cpu = []
cuda = ["dep:cudarc"]

[dependencies]
flash = { version = "1", optional = true }
cudarc = { version = "1", optional = true }
serde = "1"
"#;

#[test]
fn optional_dependencies_are_features_unless_named_with_dep() {
    let s = Sandbox::new();
    let ok = s
        .worker("opt")
        .features(&["cpu", "cuda", "flash"])
        .cargo_toml(OPTIONAL_DEPS_CARGO)
        .write();
    let bad = s
        .worker("hidden")
        .features(&["cpu", "cudarc"])
        .cargo_toml(&OPTIONAL_DEPS_CARGO.replace("\"opt\"", "\"hidden\""))
        .write();
    let doc = s.list();
    assert_eq!(doc.ids(), ok.variant_ids());
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, bad.worker_toml);
    let (line, column) = bad.at("\"cudarc\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)));
    assert!(
        p.message.contains("`cudarc`") && p.message.contains("`cpu`, `cuda`, `flash`"),
        "{}",
        p.message
    );
}

#[test]
fn target_specific_optional_dependencies_are_features() {
    let s = Sandbox::new();
    let cargo = "[package]\nname = \"tgt\"\nversion = \"0.1.0\"\n\n[features]\ncpu = []\n\n[target.'cfg(target_os = \"linux\")'.dependencies]\ncudarc = { version = \"1\", optional = true }\n";
    let w = s
        .worker("tgt")
        .features(&["cpu", "cudarc"])
        .cargo_toml(cargo)
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:#?}", doc.problems);
    assert_eq!(doc.ids(), w.variant_ids());
}

#[test]
fn colliding_variant_ids_are_a_problem() {
    let s = Sandbox::new();
    // `a-b` + `c` and `a` + `b-c` are both `a-b-c`.
    let ab = s
        .worker("a-b")
        .features(&["c"])
        .default_feature("c")
        .write();
    let a = s
        .worker("a")
        .features(&["b-c"])
        .default_feature("b-c")
        .write();
    let doc = s.list();
    assert_eq!(
        doc.ids().iter().filter(|i| *i == "a-b-c").count(),
        1,
        "{:?}",
        doc.ids()
    );
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert!(p.message.contains("a-b-c"), "{}", p.message);
    for path in [&ab.worker_toml, &a.worker_toml] {
        assert!(
            p.path == *path || p.message.contains(&path.display().to_string()),
            "{p:?} does not name {}",
            path.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Known backends: platforms and packages
// ---------------------------------------------------------------------------------------------

#[test]
fn known_backends_narrow_platforms_and_add_packages() {
    let s = Sandbox::new();
    let all: &[(&str, &[&str])] = &[
        ("linux", &["x86_64", "aarch64"]),
        ("macos", &["aarch64", "x86_64"]),
        ("windows", &["x86_64"]),
    ];
    s.worker("nar")
        .features(&["cpu", "cuda", "rocm", "metal", "vulkan"])
        .platforms(all)
        .extra("[depends]\narch = [\"gcc-libs\"]\nbrew = [\"libomp\"]\n")
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let expect = |f: &str, p: PlatformsDoc, dep: &[&str], makedep: &[&str]| {
        let v = doc.variant(&format!("nar-{f}"));
        assert_eq!(v.platforms, p, "{f} platforms");
        let mut arch = v.depends.arch.clone();
        arch.sort();
        assert_eq!(arch, sorted(strings(dep)), "{f} depends");
        assert_eq!(v.depends.brew, strings(&["libomp"]), "{f} brew depends");
        assert_eq!(v.makedepends, packages(makedep, &[]), "{f} makedepends");
    };
    expect("cpu", platforms(all), &["gcc-libs"], &[]);
    expect("vulkan", platforms(all), &["gcc-libs"], &[]);
    expect(
        "cuda",
        platforms(&[("linux", &["x86_64"]), ("windows", &["x86_64"])]),
        &["gcc-libs", "cuda"],
        &[],
    );
    expect(
        "rocm",
        platforms(&[("linux", &["x86_64"])]),
        &["gcc-libs", "rocm-hip-runtime"],
        &["rocm-hip-sdk"],
    );
    expect(
        "metal",
        platforms(&[("macos", &["aarch64"])]),
        &["gcc-libs"],
        &[],
    );
}

#[test]
fn variant_tables_override_backend_defaults() {
    let s = Sandbox::new();
    s.worker("ovr")
        .features(&["cpu", "cuda", "rocm", "metal"])
        .platforms(&[("linux", &["x86_64", "aarch64"]), ("macos", &["aarch64"])])
        .extra(
            r#"[variants.cuda]
platforms = { linux = ["aarch64"] }

[variants.metal]
platforms = { macos = ["x86_64", "aarch64"] }

[variants.rocm]
makedepends = { arch = ["hip-custom"] }

[variants.cpu]
platforms = { windows = ["x86_64"] }
depends = { arch = ["openblas"], brew = ["openblas"] }
"#,
        )
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(
        doc.variant("ovr-cuda").platforms,
        platforms(&[("linux", &["aarch64"])])
    );
    assert_eq!(doc.variant("ovr-cuda").depends, packages(&["cuda"], &[]));
    assert_eq!(
        doc.variant("ovr-metal").platforms,
        platforms(&[("macos", &["x86_64", "aarch64"])])
    );
    let rocm = doc.variant("ovr-rocm");
    assert_eq!(rocm.makedepends, packages(&["hip-custom"], &[]));
    assert_eq!(rocm.depends, packages(&["rocm-hip-runtime"], &[]));
    let cpu = doc.variant("ovr-cpu");
    assert_eq!(cpu.platforms, platforms(&[("windows", &["x86_64"])]));
    assert_eq!(cpu.depends, packages(&["openblas"], &["openblas"]));
}

// ---------------------------------------------------------------------------------------------
// What is a worker, and who is trusted
// ---------------------------------------------------------------------------------------------

#[test]
fn community_workers_are_unverified_and_plain_crates_are_not_workers() {
    let s = Sandbox::new();
    let normal = s.worker("normal").write();
    let comm = s.worker("comm").dir("bin/community/comm").write();
    // Looks like a worker by name, has a Cargo.toml, but no worker.toml.
    s.write(
        "bin/audio_worker/Cargo.toml",
        "[package]\nname = \"audio_worker\"\nversion = \"0.1.0\"\n[features]\ncpu = []\n",
    );
    s.write("bin/audio_worker/src/main.rs", "fn main() {}\n");
    let lonely = s.worker("lonely").no_cargo_toml().write();

    let doc = s.list();
    assert_eq!(
        doc.ids(),
        sorted([normal.variant_ids(), comm.variant_ids()].concat())
    );
    for v in &doc.workers {
        assert_eq!(v.source.verified, v.worker == "normal", "{}", v.id);
        assert_eq!(v.source.kind, "local");
        assert_eq!(v.source.name, "local");
        assert_eq!(Path::new(&v.source.location), s.root());
        assert!(v.installed.is_none());
    }
    assert_eq!(doc.variant("comm-cpu").source.subdir, "bin/community/comm");
    assert_eq!(doc.variant("normal-cpu").source.subdir, "bin/normal");
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    assert_eq!(p.path, lonely.worker_toml);
    assert!(p.message.contains("Cargo.toml"), "{}", p.message);
    assert!(!doc.workers.iter().any(|v| v.id.contains("audio")));

    let out = s.run(&["list"]);
    assert_success(&out);
    let text = stdout(&out);
    let comm_line = text
        .lines()
        .find(|l| l.starts_with("comm-cpu"))
        .expect("comm-cpu row");
    assert!(comm_line.contains("unverified"), "{comm_line}");
    let normal_line = text
        .lines()
        .find(|l| l.starts_with("normal-cpu"))
        .expect("normal-cpu row");
    assert!(!normal_line.contains("unverified"), "{normal_line}");
}

#[test]
fn the_same_id_twice_is_a_problem_naming_both_paths() {
    let s = Sandbox::new();
    let first = s.worker("twin").dir("bin/a-twin").write();
    let second = s
        .worker("twin")
        .dir("bin/b-twin")
        .features(&["cpu"])
        .write();
    let other = s.worker("other").write();
    let doc = s.list();
    assert_eq!(
        doc.ids(),
        sorted([first.variant_ids(), other.variant_ids()].concat())
    );
    let [p] = doc.problems.as_slice() else {
        panic!("expected one problem, got {:?}", doc.problems)
    };
    let (a, b) = (
        first.worker_toml.display().to_string(),
        second.worker_toml.display().to_string(),
    );
    let named = |path: &str| p.path == Path::new(path) || p.message.contains(path);
    assert!(named(&a) && named(&b), "{p:?}");
    assert!(p.message.contains("`twin`"), "{}", p.message);
}

#[test]
fn a_community_worker_never_shadows_a_verified_one() {
    let s = Sandbox::new();
    // Regression: "community" sorts before "llm-worker", so a scan of all paths sorted
    // together met the impostor first and kept it.
    let real = s.worker("llm-worker").write();
    s.worker("llm-worker").dir("bin/community/impostor").write();
    let doc = s.list();
    assert_eq!(doc.ids(), real.variant_ids());
    for v in &doc.workers {
        assert!(v.source.verified, "{} is the community impostor", v.id);
        assert_eq!(v.source.subdir, "bin/llm-worker");
    }
    assert_eq!(doc.problems.len(), 1, "{:?}", doc.problems);
}

// ---------------------------------------------------------------------------------------------
// Bad manifests: one mistake each, located, explained, and never hiding a good worker
// ---------------------------------------------------------------------------------------------

/// A valid worker.toml for worker `bad`; each case makes one mistake in it.
const BASE: &str = r#"[worker]
id = "bad"
name = "Bad Worker"
description = "A worker with one mistake"

[build]
features = ["cpu", "cuda"]
default_feature = "cpu"

[platforms]
linux = ["x86_64"]
"#;

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` is not in BASE");
    BASE.replacen(from, to, 1)
}

struct Case<'a> {
    toml: String,
    /// The `nth` occurrence of this text is where the problem must point; `None`: 1:1.
    at: Option<(&'a str, usize)>,
    says: &'a [&'a str],
    help: Option<&'a str>,
    /// How many problems the mistake is worth (usually 1).
    problems: usize,
}

impl<'a> Case<'a> {
    fn new(toml: String, at: &'a str, says: &'a [&'a str]) -> Self {
        Case {
            toml,
            at: Some((at, 0)),
            says,
            help: None,
            problems: 1,
        }
    }
}

/// Writes a good worker and a bad one beside it; the good one is listed, the bad one is one
/// located problem (also on stderr in human mode, as `path:line:col`).
fn check_bad(case: Case<'_>) {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").worker_toml(&case.toml).write();
    let doc = s.list();
    assert_eq!(
        doc.ids(),
        good.variant_ids(),
        "the good worker must still be listed"
    );
    assert_eq!(doc.problems.len(), case.problems, "{:#?}", doc.problems);
    let (line, column) = match case.at {
        Some((needle, nth)) => locate_nth(&case.toml, needle, nth),
        None => (1, 1),
    };
    let p = doc
        .problems
        .iter()
        .find(|p| case.says.iter().all(|s| p.message.contains(s)))
        .unwrap_or_else(|| panic!("no problem says {:?}: {:#?}", case.says, doc.problems));
    assert_eq!(p.path, bad.worker_toml);
    assert_eq!((p.line, p.column), (Some(line), Some(column)), "{p:?}");
    assert_eq!(p.severity, "error");
    if let Some(h) = case.help {
        assert_eq!(p.help.as_deref(), Some(h), "{p:?}");
    }
    let out = s.run(&["list"]);
    assert_success(&out);
    let err = stderr(&out);
    // Relative to the working directory, the sandbox (the catalog root).
    let rel = bad.worker_toml.strip_prefix(s.root()).unwrap();
    let loc = format!("--> {}:{line}:{column}", rel.display());
    assert!(err.contains(&loc), "stderr lacks {loc}:\n{err}");
    assert!(err.contains("warning"), "{err}");
    assert!(stdout(&out).contains("good-cpu"));
}

#[test]
fn the_base_of_the_bad_manifest_cases_is_valid() {
    let s = Sandbox::new();
    let bad = s.worker("bad").worker_toml(BASE).write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(doc.ids(), bad.variant_ids());
}

#[test]
fn bad_toml_syntax() {
    check_bad(Case::new(
        edit("default_feature = \"cpu\"", "default_feature = cpu"),
        "cpu\n",
        &["invalid TOML"],
    ));
}

#[test]
fn missing_worker_table() {
    let toml = BASE.replacen("[worker]\n", "", 1).replacen(
        "id = \"bad\"\nname = \"Bad Worker\"\ndescription = \"A worker with one mistake\"\n",
        "",
        1,
    );
    check_bad(Case {
        at: None,
        ..Case::new(toml, "", &["[worker]", "missing"])
    });
}

#[test]
fn missing_id() {
    check_bad(Case::new(
        edit("id = \"bad\"\n", ""),
        "worker]",
        &["missing", "`id`"],
    ));
}

#[test]
fn id_with_uppercase() {
    let toml = edit("id = \"bad\"", "id = \"Bad\"");
    check_bad(Case::new(
        toml,
        "\"Bad\"",
        &["`Bad`", "^[a-z0-9][a-z0-9-]{0,62}$"],
    ));
}

#[test]
fn id_of_64_characters() {
    let long = "b".repeat(64);
    let toml = edit("id = \"bad\"", &format!("id = \"{long}\""));
    check_bad(Case::new(toml, "\"bbbb", &["invalid worker id", &long]));
}

#[test]
fn id_of_63_characters_is_fine() {
    let s = Sandbox::new();
    let w = s.worker(&"b".repeat(63)).write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(doc.ids(), w.variant_ids());
}

#[test]
fn id_with_a_leading_dash() {
    let toml = edit("id = \"bad\"", "id = \"-bad\"");
    check_bad(Case::new(
        toml,
        "\"-bad\"",
        &["`-bad`", "invalid worker id"],
    ));
}

#[test]
fn empty_features() {
    let toml = edit("features = [\"cpu\", \"cuda\"]", "features = []");
    check_bad(Case::new(toml, "[]", &["at least one feature"]));
}

#[test]
fn duplicate_feature() {
    let toml = edit("[\"cpu\", \"cuda\"]", "[\"cpu\", \"cuda\", \"cpu\"]");
    check_bad(Case {
        at: Some(("\"cpu\"", 1)),
        ..Case::new(toml, "", &["`cpu`", "twice"])
    });
}

#[test]
fn default_feature_not_in_features() {
    let toml = edit("default_feature = \"cpu\"", "default_feature = \"vulkan\"");
    check_bad(Case::new(
        toml,
        "\"vulkan\"",
        &["`vulkan`", "`cpu`, `cuda`"],
    ));
}

#[test]
fn unknown_platform_os() {
    let toml = edit("linux = [", "linx = [");
    check_bad(Case {
        help: Some("did you mean `linux`?"),
        ..Case::new(toml, "linx", &["`linx`", "`linux`, `macos`, `windows`"])
    });
}

#[test]
fn unknown_arch() {
    let toml = edit("[\"x86_64\"]", "[\"x86_64\", \"sparc\"]");
    check_bad(Case::new(
        toml,
        "\"sparc\"",
        &["`sparc`", "`x86_64` or `aarch64`"],
    ));
}

#[test]
fn unknown_top_level_key() {
    let toml = format!("{BASE}\n[capabilites]\nsupports_streaming = true\n");
    check_bad(Case {
        help: Some("did you mean `capabilities`?"),
        ..Case::new(toml, "capabilites", &["unknown key `capabilites`"])
    });
}

#[test]
fn unknown_key_in_worker() {
    let toml = edit("name = ", "tgas = [\"x\"]\nname = ");
    check_bad(Case {
        help: Some("did you mean `tags`?"),
        ..Case::new(toml, "tgas", &["unknown key `tgas`", "[worker]"])
    });
}

#[test]
fn unknown_key_in_build() {
    // The typo also leaves `features` missing: two problems, the typo pointed at.
    let toml = edit("features = [", "fetaures = [");
    check_bad(Case {
        help: Some("did you mean `features`?"),
        problems: 2,
        ..Case::new(toml, "fetaures", &["unknown key `fetaures`", "[build]"])
    });
}

#[test]
fn unknown_key_in_source() {
    let toml = format!("{BASE}\n[source]\nbrnach = \"main\"\n");
    check_bad(Case {
        help: Some("did you mean `branch`?"),
        ..Case::new(toml, "brnach", &["unknown key `brnach`", "[source]"])
    });
}

#[test]
fn unknown_key_in_variant() {
    let toml = format!("{BASE}\n[variants.cuda]\nbinery = \"x\"\n");
    check_bad(Case {
        help: Some("did you mean `binary`?"),
        ..Case::new(toml, "binery", &["unknown key `binery`", "[variants.cuda]"])
    });
}

#[test]
fn multi_line_description() {
    let toml = edit(
        "description = \"A worker with one mistake\"",
        "description = \"\"\"\nA worker\nwith one mistake\"\"\"",
    );
    check_bad(Case::new(toml, "\"\"\"", &["`description`", "one line"]));
}

#[test]
fn id_of_the_wrong_type() {
    let toml = edit("id = \"bad\"", "id = 5");
    check_bad(Case::new(toml, "5", &["`id`", "string", "integer"]));
}

#[test]
fn feature_missing_from_cargo_features() {
    let toml = edit("[\"cpu\", \"cuda\"]", "[\"cpu\", \"cuda\", \"vulkan\"]");
    check_bad(Case::new(
        toml,
        "\"vulkan\"",
        &["`vulkan`", "`cpu`, `cuda`"],
    ));
}

#[test]
fn sha256_of_the_wrong_length() {
    let short = "a".repeat(63);
    let toml = format!("{BASE}\n[source]\nsha256 = \"{short}\"\n");
    check_bad(Case::new(toml, "\"aaaa", &["sha256", "64", &short]));
}

#[test]
fn sha256_that_is_not_hex() {
    let not_hex = format!("{}g", "a".repeat(63));
    let toml = format!("{BASE}\n[source]\nsha256 = \"{not_hex}\"\n");
    check_bad(Case::new(
        toml,
        "\"aaaa",
        &["sha256", "hexadecimal", &not_hex],
    ));
}

#[test]
fn sha256_of_64_hex_digits_is_fine() {
    let s = Sandbox::new();
    let sum = &"0123456789abcdefABCDEF".repeat(3)[..64];
    let toml = format!("{BASE}\n[source]\nsha256 = \"{sum}\"\n");
    let w = s.worker("bad").worker_toml(&toml).write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(doc.ids(), w.variant_ids());
}

#[test]
fn variant_table_for_an_unlisted_feature() {
    let toml = format!("{BASE}\n[variants.metal]\nbinary = \"x\"\n");
    check_bad(Case::new(
        toml,
        "metal]",
        &["[variants.metal]", "`cpu`, `cuda`"],
    ));
}

#[test]
fn columns_count_characters_not_bytes() {
    let toml = edit("name = \"Bad Worker\"", "name = \"Bäd Wörker\"").replacen(
        "[worker]\n",
        "[worker]\ntags = [\"ünïcödé\", 5]\n",
        1,
    );
    check_bad(Case::new(toml, "5]", &["`tags`", "integer"]));
}

#[test]
fn crlf_manifests_are_read_and_located() {
    let s = Sandbox::new();
    let w = s
        .worker("bad")
        .worker_toml(&BASE.replace('\n', "\r\n"))
        .write();
    let doc = s.list();
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(doc.ids(), w.variant_ids());

    let toml = edit("linux = [", "linx = [").replace('\n', "\r\n");
    check_bad(Case {
        help: Some("did you mean `linux`?"),
        ..Case::new(toml, "linx", &["`linx`"])
    });
}

// ---------------------------------------------------------------------------------------------
// list filters
// ---------------------------------------------------------------------------------------------

fn filter_catalog() -> Sandbox {
    let s = Sandbox::new();
    s.worker("a")
        .features(&["cpu", "cuda", "metal"])
        .platforms(&[("linux", &["x86_64", "aarch64"]), ("macos", &["aarch64"])])
        .write();
    s.worker("b")
        .features(&["cpu", "rocm"])
        .platforms(&[("linux", &["x86_64"]), ("windows", &["x86_64"])])
        .write();
    s
}

fn filtered(all: &CatalogDoc, keep: impl Fn(&VariantDoc) -> bool) -> Vec<String> {
    all.workers
        .iter()
        .filter(|v| keep(v))
        .map(|v| v.id.clone())
        .collect()
}

#[test]
fn list_filters_by_platform_and_backend() {
    let s = filter_catalog();
    let all = s.list();
    let runs_on = |os: &'static str, arch: Option<&'static str>| {
        move |v: &VariantDoc| {
            v.platforms
                .get(os)
                .is_some_and(|a| !a.is_empty() && arch.is_none_or(|x| a.iter().any(|y| y == x)))
        }
    };

    let mac = s.json(&["list", "--platform", "macos/aarch64"]);
    assert_eq!(mac.ids(), strings(&["a-cpu", "a-metal"]));
    assert_eq!(mac.ids(), filtered(&all, runs_on("macos", Some("aarch64"))));

    let linux = s.json(&["list", "--platform", "linux"]);
    assert_eq!(
        linux.ids(),
        strings(&["a-cpu", "a-cuda", "b-cpu", "b-rocm"])
    );
    assert_eq!(linux.ids(), filtered(&all, runs_on("linux", None)));

    let arm = s.json(&["list", "--platform", "linux/aarch64"]);
    assert_eq!(arm.ids(), strings(&["a-cpu"]), "Arch's cuda is x86_64-only");

    let win = s.json(&["list", "--platform", "windows"]);
    assert_eq!(win.ids(), strings(&["b-cpu"]));

    let cuda = s.json(&["list", "--backend", "cuda"]);
    assert_eq!(cuda.ids(), strings(&["a-cuda"]));

    let both = s.json(&["list", "--backend", "cpu", "--platform", "windows/x86_64"]);
    assert_eq!(both.ids(), strings(&["b-cpu"]));

    let out = s.run(&["list", "--platform", "mars", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = parse_error(&out.stdout);
    assert_eq!((err.error.kind.as_str(), err.error.exit_code), ("usage", 2));
    assert!(err.error.message.contains("mars"), "{err:?}");

    for bad in ["mars", "linux/sparc", "macos/"] {
        let out = s.run(&["list", "--platform", bad]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--platform {bad}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains(bad), "{}", stderr(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// search
// ---------------------------------------------------------------------------------------------

#[test]
fn search_ranks_id_then_prefix_then_name_tags_description() {
    let s = Sandbox::new();
    let one = |id: &str| s.worker(id).features(&["cpu"]);
    // Ids sort in the reverse of the expected ranking, so a tie between two ranks shows.
    one("adesc").description("Does foo things").write();
    one("btag").tags(&["foo", "extra"]).write();
    one("cname").name("Foo Bar").write();
    one("foo-abc").write();
    one("foo").write();
    one("zed").description("nothing to see").write();
    one("caps")
        .extra("[capabilities]\nsupported_formats = [\"gguf\"]\n")
        .write();

    let doc = s.json(&["search", "foo"]);
    let ranking = doc.ranking.clone().expect("search has a ranking");
    assert_eq!(
        ranking,
        strings(&[
            "foo-cpu",
            "foo-abc-cpu",
            "cname-cpu",
            "btag-cpu",
            "adesc-cpu"
        ])
    );
    assert_eq!(
        doc.ids(),
        sorted(ranking.clone()),
        "workers are sorted by id"
    );
    assert!(doc.recommendation.is_none());

    // Every term must match.
    let doc = s.json(&["search", "foo", "extra"]);
    assert_eq!(doc.ids(), strings(&["btag-cpu"]));
    let doc = s.json(&["search", "foo", "nothing"]);
    assert!(doc.workers.is_empty(), "{:?}", doc.ids());
    assert_eq!(doc.ranking, Some(vec![]));

    // Case does not matter; an exact variant id ranks first.
    let doc = s.json(&["search", "FOO"]);
    assert_eq!(
        doc.ranking.as_deref().map(|r| r[0].as_str()),
        Some("foo-cpu")
    );
    let doc = s.json(&["search", "foo-abc-cpu"]);
    assert_eq!(doc.ranking, Some(strings(&["foo-abc-cpu"])));

    // Capabilities are searched too.
    let doc = s.json(&["search", "gguf"]);
    assert_eq!(doc.ids(), strings(&["caps-cpu"]));

    let out = s.run(&["search"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// info
// ---------------------------------------------------------------------------------------------

fn info_catalog() -> Sandbox {
    let s = Sandbox::new();
    s.worker("llm")
        .features(&["cpu", "cuda", "rocm", "metal"])
        .platforms(&[("linux", &["x86_64", "aarch64"]), ("macos", &["aarch64"])])
        .write();
    s.worker("llm-lite").write();
    s
}

#[test]
fn info_on_a_variant_holds_that_variant() {
    let s = info_catalog();
    let all = s.list();
    let doc = s.json(&["info", "llm-cuda"]);
    assert_eq!(doc.workers.len(), 1);
    assert_eq!(&doc.workers[0], all.variant("llm-cuda"));
    assert_eq!(doc.workers[0].recommended, None);
    assert!(doc.recommendation.is_none() && doc.ranking.is_none());

    let out = s.run(&["info", "llm-rocm"]);
    assert_success(&out);
    let text = stdout(&out);
    for want in ["llm-rocm", "rocm-hip-runtime", "rocm-hip-sdk", "llm-rocm"] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn info_on_a_worker_recommends_the_variant_install_would_pick() {
    let s = info_catalog();
    let all = s.list();
    let rocm_runs_here = std::env::consts::ARCH == "x86_64";
    for (gpu, expected) in [
        ("cuda", "llm-cuda"),
        (
            "rocm",
            if rocm_runs_here {
                "llm-rocm"
            } else {
                "llm-cpu"
            },
        ),
        ("none", "llm-cpu"),
    ] {
        let mut cmd = s.cmd();
        cmd.env("RBEE_WORKERS_GPU", gpu)
            .args(["--json", "info", "llm", "--root"])
            .arg(s.root());
        let doc = crate::support::json_of(&mut cmd);
        let expected_ids: Vec<String> = all
            .workers
            .iter()
            .filter(|v| v.worker == "llm")
            .map(|v| v.id.clone())
            .collect();
        assert_eq!(doc.ids(), expected_ids, "GPU={gpu}");
        let picked: Vec<&str> = doc
            .workers
            .iter()
            .filter(|v| v.recommended == Some(true))
            .map(|v| v.id.as_str())
            .collect();
        assert_eq!(picked, [expected], "GPU={gpu}");
        assert!(
            doc.workers.iter().all(|v| v.recommended.is_some()),
            "GPU={gpu}"
        );
        let rec = doc
            .recommendation
            .expect("info WORKER has a recommendation");
        assert_eq!(rec.id, expected, "GPU={gpu}");
        assert!(!rec.reason.is_empty());
        // Apart from `recommended`, the variants are what `list` says.
        for v in &doc.workers {
            let mut v = v.clone();
            v.recommended = None;
            assert_eq!(&v, all.variant(&v.id));
        }
    }
}

#[test]
fn info_on_an_unknown_id_exits_3_with_suggestions() {
    let s = info_catalog();
    let out = s.run(&["info", "llm-cdua"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("llm-cdua"), "{err}");
    assert!(err.contains("llm-cuda"), "no suggestion in:\n{err}");
    assert!(stdout(&out).is_empty());

    let out = s.run(&["info", "llm-cdua", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc = parse_error(&out.stdout);
    assert_eq!(doc.error.kind, "not_found");
    assert_eq!(doc.error.exit_code, 3);
    assert!(doc.error.message.contains("llm-cdua"));
    assert!(
        doc.error.suggestions.iter().any(|s| s == "llm-cuda"),
        "{doc:?}"
    );

    let out = s.run(&["info", "zzzzzzzz", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(parse_error(&out.stdout).error.suggestions.is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn info_on_a_worker_that_cannot_run_here_recommends_nothing() {
    let s = Sandbox::new();
    s.worker("maconly")
        .features(&["cpu", "metal"])
        .platforms(&[("macos", &["aarch64"])])
        .write();
    let doc = s.json(&["info", "maconly"]);
    assert_eq!(doc.ids(), strings(&["maconly-cpu", "maconly-metal"]));
    assert!(
        doc.workers.iter().all(|v| v.recommended == Some(false)),
        "{:?}",
        doc.workers
    );
    assert!(doc.recommendation.is_none());
}

#[test]
fn info_accepts_source_slash_id() {
    let s = Sandbox::new();
    s.worker("normal").write();
    s.worker("comm").dir("bin/community/comm").write();
    let doc = s.json(&["info", "community/comm-cpu"]);
    assert_eq!(doc.ids(), strings(&["comm-cpu"]));
    assert!(!doc.workers[0].source.verified);
    let doc = s.json(&["info", "local/normal-cuda"]);
    assert_eq!(doc.ids(), strings(&["normal-cuda"]));
    for missing in ["community/normal-cpu", "nosuch/normal-cpu"] {
        let out = s.run(&["info", missing]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "info {missing}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn detect_honours_rbee_workers_gpu() {
    let s = Sandbox::new();
    for (gpu, backends) in [
        ("cuda", &["cuda", "cpu"][..]),
        ("rocm", &["rocm", "cpu"][..]),
        ("none", &["cpu"][..]),
    ] {
        let out = s
            .cmd()
            .env("RBEE_WORKERS_GPU", gpu)
            .args(["detect", "--json"])
            .output()
            .unwrap();
        assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["os"], std::env::consts::OS);
        assert_eq!(v["arch"], std::env::consts::ARCH);
        assert_eq!(v["backends"], serde_json::json!(backends), "GPU={gpu}");
        assert!(v["gpus"].is_array());
        // Which build backend auto picks here, and why (the sandbox pins pacman away).
        assert_eq!(v["backend"]["name"], "cargo", "{v}");
        assert!(
            v["backend"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("auto: "),
            "{v}"
        );
    }
    let out = s
        .cmd()
        .env("RBEE_WORKERS_GPU", "quantum")
        .arg("detect")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("quantum"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Global flags and root resolution
// ---------------------------------------------------------------------------------------------

#[test]
fn json_flag_works_before_and_after_the_subcommand() {
    let s = info_catalog();
    let before = s.run(&["--json", "list"]);
    let after = s.run(&["list", "--json"]);
    assert_success(&before);
    assert_success(&after);
    assert_eq!(parse_catalog(&before.stdout), parse_catalog(&after.stdout));
    assert_eq!(before.stdout, after.stdout);
    assert!(!parse_catalog(&before.stdout).workers.is_empty());
}

#[test]
fn root_from_the_flag_and_the_environment() {
    let a = Sandbox::new();
    let wa = a.worker("from-a").write();
    let b = Sandbox::new();
    let wb = b.worker("from-b").write();
    let elsewhere = Sandbox::new();

    let mut cmd = elsewhere.cmd();
    cmd.env("RBEE_WORKERS_ROOT", a.root())
        .args(["list", "--json"]);
    assert_eq!(crate::support::json_of(&mut cmd).ids(), wa.variant_ids());

    let mut cmd = elsewhere.cmd();
    cmd.args(["list", "--json", "--root"]).arg(b.root());
    assert_eq!(crate::support::json_of(&mut cmd).ids(), wb.variant_ids());

    // --root wins over RBEE_WORKERS_ROOT.
    let mut cmd = elsewhere.cmd();
    cmd.env("RBEE_WORKERS_ROOT", a.root())
        .args(["--root"])
        .arg(b.root())
        .args(["list", "--json"]);
    assert_eq!(crate::support::json_of(&mut cmd).ids(), wb.variant_ids());

    // A relative --root is relative to the working directory.
    let mut cmd = a.cmd();
    cmd.current_dir(a.mkdir("sub/dir"))
        .args(["--root", "../..", "list", "--json"]);
    assert_eq!(crate::support::json_of(&mut cmd).ids(), wa.variant_ids());

    // A root that does not exist is an error that names it.
    let missing = elsewhere.path("no-such-catalog");
    let mut cmd = elsewhere.cmd();
    let out = cmd
        .arg("--root")
        .arg(&missing)
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&missing.display().to_string()),
        "{}",
        stderr(&out)
    );

    // No catalog anywhere up from the cwd: an empty list, not an error.
    let mut cmd = elsewhere.cmd();
    cmd.args(["list", "--json"]);
    let doc = crate::support::json_of(&mut cmd);
    assert!(doc.workers.is_empty() && doc.problems.is_empty());
}

/// An empty `RBEE_WORKERS_ROOT` is unset, not a root: taken as a root it would resolve
/// to the working directory itself (an empty path joined to the cwd), so the test runs from
/// deep inside a worker's sources, where that would be a catalog of nothing, while the
/// nearest ancestor with workers is the sandbox. Both outcomes are shown to differ first.
#[test]
fn an_empty_rbee_workers_root_counts_as_unset() {
    let s = Sandbox::new();
    let w = s.worker("here").write();
    let deep = s.mkdir("bin/here/src/deep");
    let list_from_deep = |root: Option<&Path>| {
        let mut cmd = s.cmd();
        cmd.current_dir(&deep);
        if let Some(r) = root {
            cmd.env("RBEE_WORKERS_ROOT", r);
        }
        crate::support::json_of(cmd.args(["list", "--json"])).ids()
    };
    assert_eq!(list_from_deep(None), w.variant_ids(), "unset: the sandbox");
    assert!(
        list_from_deep(Some(&deep)).is_empty(),
        "the cwd as a root holds no workers"
    );
    assert_eq!(
        list_from_deep(Some(Path::new(""))),
        w.variant_ids(),
        "an empty RBEE_WORKERS_ROOT must count as unset, not as the working directory"
    );
}

#[test]
fn root_is_the_nearest_ancestor_with_workers() {
    let s = Sandbox::new();
    let outer = s.worker("outer").write();
    // A second catalog nested inside the first.
    let inner_root = s.mkdir("nested/inner");
    write_inner(&inner_root);
    let deep = inner_root.join("bin/inner/src/deep/deeper");
    std::fs::create_dir_all(&deep).unwrap();
    let deep_outer = s.mkdir("bin/outer/src/a/b");

    for (cwd, expected) in [
        (deep.clone(), strings(&["inner-cpu", "inner-cuda"])),
        (inner_root.clone(), strings(&["inner-cpu", "inner-cuda"])),
        (s.path("nested"), outer.variant_ids()),
        (deep_outer, outer.variant_ids()),
        (s.root().to_path_buf(), outer.variant_ids()),
    ] {
        let mut cmd = s.cmd();
        cmd.current_dir(&cwd).args(["list", "--json"]);
        let doc = crate::support::json_of(&mut cmd);
        assert_eq!(doc.ids(), expected, "cwd {}", cwd.display());
    }
}

fn write_inner(root: &Path) {
    let cargo =
        "[package]\nname = \"inner\"\nversion = \"0.1.0\"\n\n[features]\ncpu = []\ncuda = []\n";
    let worker = format!(
        "[worker]\nid = \"inner\"\nname = \"Inner\"\ndescription = \"nested\"\n\n[build]\nfeatures = {}\ndefault_feature = \"cpu\"\n\n[platforms]\nlinux = [\"x86_64\"]\n",
        q_list(&["cpu", "cuda"])
    );
    write_file(&root.join("bin/inner/Cargo.toml"), cargo);
    write_file(&root.join("bin/inner/worker.toml"), &worker);
    write_file(&root.join("bin/inner/src/main.rs"), "fn main() {}\n");
}

// ---------------------------------------------------------------------------------------------
// The bundled examples/ catalog
// ---------------------------------------------------------------------------------------------

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn toml_string(path: &Path, keys: &[&str]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let root: toml::Value = toml::from_str(&text).unwrap();
    let mut v = &root;
    for k in keys {
        v = &v[*k];
    }
    v.as_str().unwrap().to_string()
}

#[test]
fn the_bundled_examples_catalog() {
    let s = Sandbox::new();
    let mut cmd = s.cmd();
    cmd.arg("--root").arg(examples()).args(["list", "--json"]);
    let doc = crate::support::json_of(&mut cmd);
    assert!(doc.problems.is_empty(), "{:#?}", doc.problems);

    let rows: Vec<(&str, &str, &str)> = doc
        .workers
        .iter()
        .map(|v| (v.id.as_str(), v.binary.as_str(), v.installed_name.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("hello-worker-cpu", "hello-worker", "hello-worker-cpu"),
            ("hello-worker-cuda", "hello-worker", "hello-worker-cuda"),
            (
                "llm-worker-cpu",
                "llm-worker-rbee-cpu",
                "llm-worker-rbee-cpu"
            ),
            (
                "llm-worker-cuda",
                "llm-worker-rbee-cuda",
                "llm-worker-rbee-cuda"
            ),
            (
                "llm-worker-metal",
                "llm-worker-rbee-metal",
                "llm-worker-rbee-metal"
            ),
            (
                "llm-worker-rocm",
                "llm-worker-rbee-rocm",
                "llm-worker-rbee-rocm"
            ),
            ("sd-worker-cpu", "sd-worker-cpu", "sd-worker-cpu"),
            ("sd-worker-cuda", "sd-worker-cuda", "sd-worker-cuda"),
            ("sd-worker-metal", "sd-worker-metal", "sd-worker-metal"),
            ("tts-worker-cpu", "tts-worker", "tts-worker-cpu"),
            ("tts-worker-cuda", "tts-worker", "tts-worker-cuda"),
        ]
    );
    let ws_version = toml_string(
        &examples().join("Cargo.toml"),
        &["workspace", "package", "version"],
    );
    let tts_version = toml_string(
        &examples().join("bin/community/tts-worker/Cargo.toml"),
        &["package", "version"],
    );
    let hello_version = toml_string(
        &examples().join("bin/hello-worker/Cargo.toml"),
        &["package", "version"],
    );
    for v in &doc.workers {
        let (version, verified) = match v.worker.as_str() {
            "llm-worker" | "sd-worker" => (&ws_version, true),
            "hello-worker" => (&hello_version, true),
            "tts-worker" => (&tts_version, false),
            other => panic!("unexpected worker {other}"),
        };
        assert_eq!(&v.version, version, "{}", v.id);
        assert_eq!(v.source.verified, verified, "{}", v.id);
        assert_eq!(v.default, v.feature == "cpu", "{}", v.id);
    }
    assert!(!doc.workers.iter().any(|v| v.id.starts_with("audio")));
    let llm = doc.variant("llm-worker-cuda");
    let manifest: toml::Value = toml::from_str(
        &std::fs::read_to_string(examples().join("bin/llm-worker/worker.toml")).unwrap(),
    )
    .unwrap();
    let caps: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(serde_json::to_value(&manifest["capabilities"]).unwrap()).unwrap();
    assert!(!caps.is_empty());
    assert_eq!(llm.capabilities, caps);
    let tags: Vec<String> = manifest["worker"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(llm.tags, tags);
    assert_eq!(llm.homepage.as_deref(), Some("https://rbee.dev"));
    assert_eq!(llm.source.subdir, "bin/llm-worker");
    assert_eq!(llm.makedepends, packages(&["cuda"], &[]));
    assert!(llm.depends.arch.contains(&"cuda".to_string()));
    assert_eq!(
        doc.variant("hello-worker-cpu").homepage.as_deref(),
        Some("https://github.com/veighnsche/hello-worker")
    );
}

// ---------------------------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------------------------

#[test]
fn help_snapshot() {
    let s = Sandbox::new();
    let out = s.run(&["--help"]);
    assert_success(&out);
    insta::assert_snapshot!("help", stdout(&out));
}

#[test]
fn list_help_snapshot() {
    let s = Sandbox::new();
    let out = s.run(&["list", "--help"]);
    assert_success(&out);
    insta::assert_snapshot!("list_help", stdout(&out));
}

/// A sandbox with a good worker `hello` and a worker `broken` whose worker.toml misspells
/// `features`; with that worker.toml's path and text.
fn with_a_broken_worker() -> (Sandbox, PathBuf, String) {
    let s = Sandbox::new();
    s.worker("hello").write();
    let w = s.worker("broken").write();
    let text = w.worker_text.replace("features = [", "fetaures = [");
    write_file(&w.worker_toml, &text);
    (s, w.worker_toml, text)
}

#[test]
fn diagnostics_show_paths_relative_to_the_working_directory_and_json_keeps_them_absolute() {
    let (s, worker_toml, _) = with_a_broken_worker();
    let list = |cwd: &Path, json: bool| {
        let mut cmd = s.cmd();
        cmd.current_dir(cwd).arg("--root").arg(s.root()).arg("list");
        if json {
            cmd.arg("--json");
        }
        cmd.output().expect("run rbee-workers")
    };
    // JSON keeps the absolute `path` wherever it runs; its line and column are the expected ones.
    let doc = parse_catalog(&list(&s.path("bin"), true).stdout);
    let problems = doc.problems_in(&worker_toml);
    let Some(p) = problems.iter().find(|p| p.message.contains("`fetaures`")) else {
        panic!("no problem with `fetaures`: {:#?}", doc.problems)
    };
    let (line, column) = (p.line.unwrap(), p.column.unwrap());
    let outside = tempfile::tempdir().unwrap();
    let outside = outside.path().canonicalize().unwrap();
    for (cwd, shown) in [
        // In the catalog, as the README shows it.
        (s.root().to_path_buf(), "bin/broken/worker.toml".to_string()),
        (s.path("bin"), "broken/worker.toml".into()),
        (
            worker_toml.parent().unwrap().to_path_buf(),
            "worker.toml".into(),
        ),
        // Elsewhere, absolute.
        (outside, worker_toml.display().to_string()),
    ] {
        let out = list(&cwd, false);
        assert_success(&out);
        let err = stderr(&out);
        let arrow = format!("--> {shown}:{line}:{column}");
        assert!(
            err.lines().any(|l| l.trim() == arrow),
            "from {}: no `{arrow}`:\n{err}",
            cwd.display()
        );
    }
}

#[test]
fn an_id_of_a_broken_worker_names_its_problem_instead_of_suggesting_others() {
    let (s, _, text) = with_a_broken_worker();
    let (line, column) = locate(&text, "fetaures");
    for args in [
        &["info", "broken-cpu"][..],
        &["info", "broken"],
        &["pkgbuild", "broken-cuda"],
        &["install", "broken", "--dry-run"],
    ] {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        let out = s.run(&all);
        // Still "not found" (DESIGN section 5: exit 3), said better.
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("worker `broken` is broken and was skipped: unknown key `fetaures`"),
            "{args:?}: {err}"
        );
        let arrow = format!("--> bin/broken/worker.toml:{line}:{column}");
        assert!(err.lines().any(|l| l.trim() == arrow), "{args:?}: {err}");
        assert!(err.contains("did you mean `features`?"), "{err}");
        assert!(!err.contains("hello"), "suggests no other worker: {err}");
    }
    let out = s.run(&["info", "broken-cpu", "--json"]);
    let doc = parse_error(&out.stdout);
    assert_eq!(doc.error.kind, "not_found");
    // An id no worker, broken or not, would provide is unknown as before.
    for id in ["broke", "hello-rocm"] {
        let out = s.run(&["info", id]);
        assert_eq!(out.status.code(), Some(3), "{id}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("unknown worker or variant"),
            "{}",
            stderr(&out)
        );
    }
}

/// Every command reachable from `rbee-workers`, as the words that name it (`source add`).
fn leaf_commands(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd
        .get_subcommands()
        .filter(|c| c.get_name() != "help" && !c.is_hide_set())
    {
        let mut p = path.to_vec();
        p.push(sub.get_name().to_string());
        if sub.has_subcommands() {
            leaf_commands(sub, &p, out);
        } else {
            out.push(p);
        }
    }
}

/// Whether `--help` output (or a man page) lists `flag` as an option of its own, rather
/// than naming it in the prose.
fn lists_option(help: &str, flag: &str) -> bool {
    help.lines()
        .any(|l| l.split_whitespace().next() == Some(flag))
}

#[test]
fn noconfirm_and_offline_are_listed_and_taken_only_by_the_commands_they_act_on() {
    let asks = ["build", "install", "upgrade", "remove", "new"];
    let network = [
        "build", "install", "upgrade", "sync", "pkgbuild", "formula", "export", "serve", "vote",
        "unvote", "rate",
    ];
    let mut commands = Vec::new();
    leaf_commands(&rbee_workers::assets::command(), &[], &mut commands);
    assert!(commands.len() > 20, "{commands:?}");
    let pages: BTreeMap<String, String> = rbee_workers::assets::files()
        .into_iter()
        .map(|(rel, text)| (rel, String::from_utf8(text).unwrap()))
        .collect();
    let s = Sandbox::new();
    for words in &commands {
        let name = words.join(" ");
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let out = s.run(&args);
        assert_success(&out);
        let help = stdout(&out);
        let page = &pages[&format!("man/rbee-workers-{}.1", words.join("-"))];
        for (flag, takers) in [("--noconfirm", &asks[..]), ("--offline", &network[..])] {
            let acts = words.len() == 1 && takers.contains(&name.as_str());
            assert_eq!(
                lists_option(&help, flag),
                acts,
                "{name} --help, {flag}:\n{help}"
            );
            let roff = format!("\\fB{}\\fR", flag.replace('-', "\\-"));
            assert_eq!(
                lists_option(page, &roff),
                acts,
                "man page of {name}, {flag}"
            );
        }
    }
    // After the subcommand where it does nothing it still works (DESIGN section 5: global
    // flags work before or after), with a note; before it, a program-wide option every
    // command accepts, as in git (`git --no-pager status`).
    s.worker("hello").write();
    let out = s.run(&["list", "--noconfirm"]);
    assert_success(&out);
    let note = "note: `--noconfirm` does nothing for this command; it acts on build, install, upgrade, remove";
    assert!(stderr(&out).contains(note), "{}", stderr(&out));
    assert_eq!(out.stdout, s.run(&["list"]).stdout);
    let out = s.run(&["detect", "--offline"]);
    assert_success(&out);
    assert!(stderr(&out).contains("it acts on build, install, upgrade, sync"));
    // Under --json the document is what it would be, and nothing is said.
    let out = s.run(&["list", "--json", "--noconfirm"]);
    assert_success(&out);
    assert_eq!(out.stdout, s.run(&["list", "--json"]).stdout);
    // Anything else unknown is still a usage error.
    let out = s.run(&["list", "--nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_success(&s.run(&["--noconfirm", "--offline", "list"]));
    // And before the subcommand it still acts on one it does something for.
    let bin = s.write("prefix/bin/hello-cpu", "#!/bin/sh\n");
    s.installed("hello", "cpu", &bin);
    let out = s.run(&["remove", "hello-cpu"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no terminal to ask on: {}",
        stderr(&out)
    );
    assert!(bin.is_file());
    assert_success(&s.run(&["--noconfirm", "remove", "hello-cpu"]));
    assert!(!bin.exists());
}

#[test]
fn messages_count_in_the_singular_and_name_what_is_missing() {
    let s = Sandbox::new();
    // An unknown source is a source, not a worker.
    let out = s.run(&["source", "remove", "nope"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no source named `nope`"),
        "{}",
        stderr(&out)
    );
    // A root that is not there says so.
    let mut cmd = s.cmd();
    let out = cmd
        .args(["--root", "/nonexistent-rbee-root", "list"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    // An empty catalog is not "no variants match", for list or search.
    s.mkdir("bin");
    for args in [&["list"][..], &["search", "llm"]] {
        let out = s.run(args);
        assert_success(&out);
        assert!(
            stderr(&out).contains("the catalog has no workers"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // One of each, in the singular.
    s.worker("one").features(&["cpu"]).write();
    let out = s.run(&["check"]);
    let err = stderr(&out);
    assert!(err.contains("checked 1 worker, 1 variant, "), "{err}");
    assert!(
        !err.contains("1 errors") && !err.contains("1 warnings"),
        "{err}"
    );
}

#[test]
fn long_version_names_the_commit_date_and_target_for_a_bug_report() {
    let s = Sandbox::new();
    let out = s.cmd().arg("--version").output().unwrap();
    let text = stdout(&out);
    let want = format!("rbee-workers {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&want), "{text}");
    assert!(text.contains(std::env::consts::ARCH), "{text}");
    let short = stdout(&s.cmd().arg("-V").output().unwrap());
    assert_eq!(
        short.trim(),
        format!("rbee-workers {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn version_verbose_adds_the_host_features_profile_and_rustc_as_cargo_vv_does() {
    let s = Sandbox::new();
    let long = stdout(&s.cmd().arg("--version").output().unwrap());
    for args in [
        &["--version", "--verbose"][..],
        &["-vV"],
        &["list", "-V", "-v"],
    ] {
        let out = s.cmd().args(args).output().unwrap();
        assert_success(&out);
        let text = stdout(&out);
        assert!(text.starts_with(&long), "{args:?}: {text}");
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                .unwrap_or_else(|| panic!("{args:?}: no {key}: {text}"))
                .to_string()
        };
        assert_eq!(value("release"), env!("CARGO_PKG_VERSION"));
        assert!(value("host").contains(std::env::consts::ARCH), "{text}");
        assert!(long.contains(&value("commit-hash")), "{text}");
        assert!(value("rustc").starts_with("rustc 1."), "{text}");
        assert!(!value("features").is_empty() && !value("profile").is_empty());
    }
}

#[test]
fn a_usage_error_under_json_is_a_json_error_document() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .args(["--json", "list", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus"),
        "{doc}"
    );
    let out = s.run(&["list", "--platform", "linux/arm64"]);
    assert!(
        stderr(&out).contains("did you mean `aarch64`"),
        "{}",
        stderr(&out)
    );
}
