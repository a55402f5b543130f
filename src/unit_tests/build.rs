//! Build plans as data: the exact commands each backend runs, in order, and what
//! `--backend auto` picks from the facts it is given.

use super::{cargo_toml, discover_root, worker_toml, write, write_worker};
use crate::build::{
    auto_backend, brew_plan, cargo_plan, cargo_release_plan, makepkg_plan, AutoFacts, Backend,
    BuildFlavor, Plan, Settings, Step,
};
use crate::catalog::{Catalog, Variant, Worker};
use crate::config::Tools;
use crate::exec::CommandSpec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Tool paths that are nobody's defaults, so a plan that ignores `Settings` shows.
fn settings(install: bool) -> Settings {
    Settings {
        tools: Tools {
            git: "/t/git".into(),
            cargo: "/t/cargo".into(),
            makepkg: "/t/makepkg".into(),
            pacman: "/t/pacman".into(),
            brew: "/t/brew".into(),
            sudo: "/t/sudo".into(),
            bwrap: "/t/bwrap".into(),
        },
        cache: PathBuf::from("/cache"),
        prefix: PathBuf::from("/prefix"),
        install,
    }
}

fn variant<'w>(w: &'w Worker, id: &str) -> &'w Variant {
    w.variants.iter().find(|v| v.id == id).expect("variant")
}

fn worker<'c>(c: &'c Catalog, id: &str) -> &'c Worker {
    c.workers.iter().find(|w| w.id == id).expect("worker")
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

fn command(step: &Step) -> &CommandSpec {
    match step {
        Step::Run { command, .. } => command,
        other => panic!("expected a Run step, found {other:?}"),
    }
}

/// A standalone worker `hello` (package `hello-pkg`, bins from src/main.rs) and, in a
/// workspace at the root, a member worker `llm` (package `llm-rbee`, one bin per feature).
fn catalog() -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_worker(
        root,
        "hello",
        &worker_toml("hello", &["cpu", "cuda"], "linux = [\"x86_64\"]", "", ""),
        &cargo_toml("hello-pkg", &["cpu", "cuda"], ""),
    );
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"bin/llm\"]\nexclude = [\"bin/hello\"]\n\n\
         [workspace.package]\nversion = \"0.3.1\"\n",
    );
    write(root, "Cargo.lock", "version = 4\n");
    write(
        root,
        "bin/llm/worker.toml",
        &worker_toml("llm", &["cpu", "cuda"], "linux = [\"x86_64\"]", "", ""),
    );
    write(
        root,
        "bin/llm/Cargo.toml",
        "[package]\nname = \"llm-rbee\"\nversion.workspace = true\n\n[features]\ncpu = []\ncuda = []\n\n\
         [[bin]]\nname = \"llm-rbee-cpu\"\npath = \"src/cpu.rs\"\nrequired-features = [\"cpu\"]\n\n\
         [[bin]]\nname = \"llm-rbee-cuda\"\npath = \"src/cuda.rs\"\nrequired-features = [\"cuda\"]\n",
    );
    let c = discover_root(root);
    assert!(c.problems.is_empty(), "{:#?}", c.problems);
    assert_eq!(c.workers.len(), 2);
    (dir, c)
}

#[test]
fn cargo_plan_builds_one_feature_of_one_package_then_installs() {
    let (dir, c) = catalog();
    let w = worker(&c, "hello");
    let v = variant(w, "hello-cuda");
    let p = cargo_plan(w, v, &settings(true));
    assert_eq!(
        (p.id.as_str(), p.worker.as_str(), p.feature.as_str()),
        ("hello-cuda", "hello", "cuda")
    );
    assert_eq!(
        (p.version.as_str(), p.backend.name),
        ("1.2.3", Backend::Cargo)
    );
    assert_eq!((p.flavor.name(), p.source.as_str()), ("local", "local"));
    assert_eq!(p.steps.len(), 2, "{:#?}", p.steps);

    let crate_dir = dir.path().join("bin/hello");
    let cmd = command(&p.steps[0]);
    assert_eq!(cmd.program, "/t/cargo");
    assert_eq!(
        cmd.args,
        strings(&[
            "build",
            "--release",
            "--no-default-features",
            "--features",
            "cuda",
            "-p",
            "hello-pkg",
            "--bin",
            "hello-pkg",
            "--manifest-path",
            &crate_dir.join("Cargo.toml").to_string_lossy(),
        ]),
        "no --locked for the user's own tree"
    );
    assert_eq!(cmd.cwd.as_deref(), Some(crate_dir.as_path()));
    assert_eq!(cmd.env, env(&[("CARGO_TARGET_DIR", "/cache/target/hello")]));
    match &p.steps[1] {
        Step::Install { from, to } => {
            assert_eq!(from, Path::new("/cache/target/hello/release/hello-pkg"));
            assert_eq!(to, Path::new("/prefix/bin/hello-pkg-cuda"));
        }
        other => panic!("expected Install, found {other:?}"),
    }

    let build_only = cargo_plan(w, v, &settings(false));
    assert_eq!(build_only.steps.len(), 1, "no install without `install`");
    assert_eq!(command(&build_only.steps[0]), cmd);
}

#[test]
fn a_workspace_member_builds_from_the_workspace_root_with_one_target_dir_per_worker() {
    let (dir, c) = catalog();
    let w = worker(&c, "llm");
    let s = settings(true);
    let cpu = cargo_plan(w, variant(w, "llm-cpu"), &s);
    let cuda = cargo_plan(w, variant(w, "llm-cuda"), &s);
    let (cpu_cmd, cuda_cmd) = (command(&cpu.steps[0]), command(&cuda.steps[0]));
    assert_eq!(
        cpu_cmd.cwd.as_deref(),
        Some(dir.path()),
        "the workspace root"
    );
    assert_eq!(
        cpu_cmd.args,
        strings(&[
            "build",
            "--release",
            "--no-default-features",
            "--features",
            "cpu",
            "-p",
            "llm-rbee",
            "--bin",
            "llm-rbee-cpu",
            "--manifest-path",
            &dir.path().join("bin/llm/Cargo.toml").to_string_lossy(),
        ])
    );
    assert_eq!(
        cpu_cmd.env, cuda_cmd.env,
        "variants share the worker's target dir"
    );
    assert_eq!(
        cpu_cmd.env,
        env(&[("CARGO_TARGET_DIR", "/cache/target/llm")])
    );
    let other = cargo_plan(
        worker(&c, "hello"),
        variant(worker(&c, "hello"), "hello-cpu"),
        &s,
    );
    assert_ne!(
        command(&other.steps[0]).env,
        cpu_cmd.env,
        "workers do not share one"
    );
    match &cuda.steps[1] {
        Step::Install { from, to } => {
            assert_eq!(from, Path::new("/cache/target/llm/release/llm-rbee-cuda"));
            assert_eq!(to, Path::new("/prefix/bin/llm-rbee-cuda"));
        }
        other => panic!("expected Install, found {other:?}"),
    }
}

/// DESIGN §3 "The binary, exactly": `cargo build`/`cargo install` name the variant's binary
/// (`--bin B`), so a crate with several bins behind one feature builds only the one the
/// catalog names.
#[test]
fn cargo_plan_names_the_binary() {
    let (_dir, c) = catalog();
    let w = worker(&c, "llm");
    let p = cargo_plan(w, variant(w, "llm-cuda"), &settings(false));
    let args = &command(&p.steps[0]).args;
    let at = args.iter().position(|a| a == "--bin").expect("--bin");
    assert_eq!(args[at + 1], "llm-rbee-cuda");
}

#[test]
fn the_release_plan_fetches_unpacks_and_builds_locked_in_the_subdir() {
    let (_dir, c) = catalog();
    let w = worker(&c, "llm");
    let v = variant(w, "llm-cuda");
    let url = "https://example.com/v0.3.1.tar.gz";
    let p = cargo_release_plan(w, v, &settings(true), url, "repo-0.3.1");
    assert_eq!(p.flavor, BuildFlavor::Release);
    assert_eq!(p.steps.len(), 4, "{:#?}", p.steps);
    assert!(matches!(&p.steps[0], Step::Fetch { url: u, sha256: None } if u == url));
    let dest = PathBuf::from("/cache/src/llm-0.3.1");
    assert!(matches!(&p.steps[1], Step::Unpack { url: u, dest: d } if u == url && *d == dest));
    let crate_dir = dest.join("repo-0.3.1/bin/llm");
    let cmd = command(&p.steps[2]);
    assert_eq!(
        cmd.args,
        strings(&[
            "build",
            "--locked",
            "--release",
            "--no-default-features",
            "--features",
            "cuda",
            "-p",
            "llm-rbee",
            "--bin",
            "llm-rbee-cuda",
            "--manifest-path",
            &crate_dir.join("Cargo.toml").to_string_lossy(),
        ]),
        "the workspace has a Cargo.lock, so the tarball builds --locked"
    );
    assert_eq!(cmd.cwd.as_deref(), Some(crate_dir.as_path()));
    assert!(matches!(&p.steps[3], Step::Install { .. }));

    // Without a lock file there is nothing to be locked to.
    let hello = worker(&c, "hello");
    let p = cargo_release_plan(
        hello,
        variant(hello, "hello-cpu"),
        &settings(false),
        url,
        "t",
    );
    assert_eq!(p.steps.len(), 3);
    assert!(!command(&p.steps[2]).args.contains(&"--locked".to_string()));
}

fn run_args(p: &Plan) -> (&CommandSpec, Vec<&str>) {
    let cmd = command(&p.steps[1]);
    (cmd, cmd.args.iter().map(String::as_str).collect())
}

#[test]
fn makepkg_without_pacman_skips_dependency_checks() {
    let (_dir, c) = catalog();
    let w = worker(&c, "hello");
    let v = variant(w, "hello-cuda");
    let p = makepkg_plan(w, v, &settings(false), false, false);
    assert_eq!(
        (p.backend.name, p.flavor.name()),
        (Backend::Makepkg, "local")
    );
    assert_eq!(p.steps.len(), 2, "{:#?}", p.steps);
    let dir = PathBuf::from("/cache/build/hello-cuda");
    match &p.steps[0] {
        Step::Write { path, what, .. } => {
            assert_eq!(path, &dir);
            assert!(what.contains("source tarball"), "{what}");
        }
        other => panic!("expected Write, found {other:?}"),
    }
    let (cmd, args) = run_args(&p);
    assert_eq!(cmd.program, "/t/makepkg");
    assert_eq!(args, ["--force", "--cleanbuild", "--nodeps"]);
    assert_eq!(cmd.cwd.as_deref(), Some(dir.as_path()));
    assert_eq!(
        cmd.env,
        env(&[("PACMAN", "true"), ("PKGDEST", "/cache/build/hello-cuda")])
    );
}

#[test]
fn makepkg_with_pacman_installs_through_it_and_records_the_file() {
    let (_dir, c) = catalog();
    let w = worker(&c, "hello");
    let v = variant(w, "hello-cuda");
    let p = makepkg_plan(w, v, &settings(true), true, true);
    assert_eq!(p.flavor, BuildFlavor::Release);
    assert_eq!(p.steps.len(), 3, "{:#?}", p.steps);
    match &p.steps[0] {
        Step::Write { what, .. } => assert!(what.contains("makepkg downloads"), "{what}"),
        other => panic!("expected Write, found {other:?}"),
    }
    let (cmd, args) = run_args(&p);
    assert_eq!(
        args,
        [
            "--force",
            "--cleanbuild",
            "--syncdeps",
            "--install",
            "--noconfirm"
        ]
    );
    assert_eq!(
        cmd.env,
        env(&[
            ("PACMAN", "/t/pacman"),
            ("PKGDEST", "/cache/build/hello-cuda")
        ]),
        "the configured pacman"
    );
    match &p.steps[2] {
        Step::Record { files } => assert_eq!(files, &[PathBuf::from("/usr/bin/hello-pkg-cuda")]),
        other => panic!("expected Record, found {other:?}"),
    }

    // Without pacman an install still names --nodeps and PACMAN=true (the caller refuses it).
    let p = makepkg_plan(w, v, &settings(true), false, false);
    let (cmd, args) = run_args(&p);
    assert_eq!(
        args,
        [
            "--force",
            "--cleanbuild",
            "--nodeps",
            "--syncdeps",
            "--install",
            "--noconfirm"
        ]
    );
    assert_eq!(cmd.env["PACMAN"], "true");
}

#[test]
fn brew_plan_creates_the_tap_once_writes_the_formula_and_installs_it() {
    let (dir, c) = catalog();
    let w = worker(&c, "hello");
    let v = variant(w, "hello-cpu");
    let tap = dir.path().join("tap-not-yet");
    let prefix = Path::new("/opt/homebrew");
    let p = brew_plan(w, v, &settings(true), &tap, prefix, false);
    assert_eq!(
        (p.backend.name, p.flavor.name()),
        (Backend::Brew, "release")
    );
    assert_eq!(p.steps.len(), 4, "{:#?}", p.steps);
    let tap_new = command(&p.steps[0]);
    assert_eq!(tap_new.program, "/t/brew");
    assert_eq!(
        tap_new.args,
        strings(&["tap-new", "--no-git", "rbee/local"])
    );
    match &p.steps[1] {
        Step::Write { path, what, .. } => {
            assert_eq!(path, &tap.join("Formula/hello-cpu.rb"));
            assert_eq!(what, "formula");
        }
        other => panic!("expected Write, found {other:?}"),
    }
    let install = command(&p.steps[2]);
    assert_eq!(
        install.args,
        strings(&["install", "--build-from-source", "rbee/local/hello-cpu"])
    );
    match &p.steps[3] {
        Step::Record { files } => {
            assert_eq!(files, &[PathBuf::from("/opt/homebrew/bin/hello-pkg-cpu")])
        }
        other => panic!("expected Record, found {other:?}"),
    }

    // An existing tap is not created again; --HEAD comes before the formula name.
    let p = brew_plan(w, v, &settings(false), dir.path(), prefix, true);
    assert_eq!(p.flavor, BuildFlavor::Head);
    assert_eq!(p.steps.len(), 2, "{:#?}", p.steps);
    assert!(matches!(&p.steps[0], Step::Write { .. }));
    assert_eq!(
        command(&p.steps[1]).args,
        strings(&[
            "install",
            "--build-from-source",
            "--HEAD",
            "rbee/local/hello-cpu"
        ])
    );
}

fn facts(
    linux: bool,
    macos: bool,
    root: bool,
    pacman_db: bool,
    makepkg: bool,
    brew: bool,
) -> AutoFacts {
    AutoFacts {
        linux,
        macos,
        root,
        pacman_db,
        makepkg,
        brew,
    }
}

#[test]
fn auto_backend_says_which_and_why() {
    let t = true;
    let f = false;
    let cases = [
        // linux macos root pacman_db makepkg brew
        (
            facts(t, f, f, t, t, f),
            Backend::Makepkg,
            "auto: an Arch host (pacman reads its local database) with makepkg",
        ),
        (
            facts(t, f, t, t, t, f),
            Backend::Cargo,
            "auto: an Arch host, but makepkg does not run as root",
        ),
        (
            facts(t, f, f, t, f, f),
            Backend::Cargo,
            "auto: an Arch host without makepkg",
        ),
        // Debian with pacman-package-manager: a makepkg, but no database that knows pacman.
        (
            facts(t, f, f, f, t, f),
            Backend::Cargo,
            "auto: not an Arch host (no pacman that reads a local package database)",
        ),
        (
            facts(f, t, f, f, f, t),
            Backend::Brew,
            "auto: macOS with Homebrew",
        ),
        (
            facts(f, t, t, f, f, t),
            Backend::Brew,
            "auto: macOS with Homebrew",
        ),
        (
            facts(f, t, f, f, f, f),
            Backend::Cargo,
            "auto: macOS without Homebrew",
        ),
        // Linuxbrew is not chosen: brew is the macOS backend.
        (
            facts(t, f, f, f, f, t),
            Backend::Cargo,
            "auto: not an Arch host (no pacman that reads a local package database)",
        ),
        (
            facts(f, f, f, t, t, t),
            Backend::Cargo,
            "auto: neither Arch nor macOS with Homebrew",
        ),
    ];
    for (facts, backend, why) in cases {
        assert_eq!(
            auto_backend(&facts),
            (backend, why.to_string()),
            "{facts:?}"
        );
    }
}

#[test]
fn auto_backend_picks_makepkg_exactly_on_a_non_root_arch_host_with_makepkg() {
    for bits in 0u8..64 {
        let b = |i: u8| bits & (1 << i) != 0;
        let f = facts(b(0), b(1), b(2), b(3), b(4), b(5));
        let (backend, why) = auto_backend(&f);
        let makepkg = f.linux && f.pacman_db && f.makepkg && !f.root;
        let brew = !makepkg && f.macos && f.brew;
        let expected = if makepkg {
            Backend::Makepkg
        } else if brew {
            Backend::Brew
        } else {
            Backend::Cargo
        };
        assert_eq!(backend, expected, "{f:?}");
        assert!(why.starts_with("auto: "), "{why}");
    }
}

#[test]
fn the_sandbox_fetches_outside_then_builds_offline_with_only_the_tree_and_target_writable() {
    let (_dir, c) = catalog();
    let w = worker(&c, "llm");
    let mut p = cargo_plan(w, variant(w, "llm-cpu"), &settings(true));
    let build = command(&p.steps[0]).clone();
    let sb = crate::sandbox::Sandbox {
        bwrap: "/t/bwrap".into(),
        home: Some(PathBuf::from("/home/u")),
        toolchain: [("CARGO_HOME".to_string(), PathBuf::from("/home/u/.cargo"))].into(),
    };
    assert!(crate::sandbox::apply(&mut p, "/t/cargo", &sb));
    let (fetch, inside) = (command(&p.steps[0]), command(&p.steps[1]));
    assert!(matches!(
        p.steps[0],
        Step::Run {
            sandboxed: false,
            ..
        }
    ));
    assert!(matches!(
        p.steps[1],
        Step::Run {
            sandboxed: true,
            ..
        }
    ));
    assert_eq!(fetch.program, "/t/cargo");
    assert_eq!(fetch.args[0], "fetch");
    assert_eq!(fetch.cwd, build.cwd);
    assert_eq!(inside.program, "/t/bwrap");
    let a = &inside.args;
    let pair = |flag: &str, path: &str| {
        a.windows(3)
            .any(|w| w[0] == flag && w[1] == path && w[2] == path)
    };
    let target = &build.env["CARGO_TARGET_DIR"];
    let tree = build.cwd.as_ref().unwrap().to_string_lossy().into_owned();
    assert!(pair("--bind", target) && pair("--bind", &tree), "{a:?}");
    assert!(pair("--ro-bind-try", "/home/u/.cargo"), "{a:?}");
    assert_eq!(
        a.iter().filter(|x| *x == "--bind").count(),
        2,
        "only two writable dirs: {a:?}"
    );
    assert!(
        a.windows(2).any(|w| w == ["--tmpfs", "/home/u"]),
        "home hidden: {a:?}"
    );
    assert!(a.contains(&"--unshare-net".to_string()));
    let dashdash = a.iter().position(|x| x == "--").unwrap();
    assert_eq!(
        &a[dashdash + 1..dashdash + 4],
        ["/t/cargo", "build", "--offline"]
    );
    // The install step is untouched.
    assert!(matches!(p.steps[2], Step::Install { .. }));
}
