//! PKGBUILD, .SRCINFO and formula rendering: snapshots of every example variant × flavour,
//! and the real tools (makepkg, bash, shellcheck, ruby) as judges.

use crate::httpd::Server;
use crate::support::{assert_success, stderr, stdout, Sandbox};
use crate::tools;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn cache_dir(s: &Sandbox) -> PathBuf {
    s.path(".xdg/cache/rbee-workers")
}

/// Runs the binary on the bundled examples with the sandbox's XDG dirs.
fn on_examples(s: &Sandbox, args: &[&str]) -> Output {
    s.cmd()
        .arg("--root")
        .arg(examples())
        .args(args)
        .output()
        .expect("run")
}

/// Puts a stand-in release tarball for `url` in the download cache, so release renders
/// need no network and have a checksum that depends only on the URL.
fn seed_cache(s: &Sandbox, url: &str) -> String {
    let path = rbee_workers::fetch::cache_path(&cache_dir(s), url);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let body = format!("release tarball of {url}\n");
    fs::write(&path, &body).unwrap();
    rbee_workers::checksum::sha256_bytes(body.as_bytes())
}

struct ExampleVariant {
    id: String,
    linux: bool,
    macos: bool,
}

fn example_variants(s: &Sandbox) -> Vec<ExampleVariant> {
    let out = on_examples(s, &["list", "--json"]);
    assert_success(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| ExampleVariant {
            id: v["id"].as_str().unwrap().to_string(),
            linux: v["platforms"].get("linux").is_some(),
            macos: v["platforms"].get("macos").is_some(),
        })
        .collect()
}

fn seed_example_tarballs(s: &Sandbox) {
    for url in [
        "https://github.com/veighnsche/llama-orch/archive/refs/tags/v0.3.1.tar.gz",
        "https://github.com/veighnsche/hello-worker/archive/refs/tags/v0.1.0.tar.gz",
        "https://github.com/rbee-community/tts-worker/archive/refs/tags/v0.2.0-beta.1.tar.gz",
    ] {
        seed_cache(s, url);
    }
}

/// Every example variant × flavour, snapshotted. The local tarball's checksum depends on
/// the example tree's bytes, so it is masked here and tested for determinism below.
#[test]
fn example_renders_match_snapshots() {
    let s = Sandbox::new();
    seed_example_tarballs(&s);
    let variants = example_variants(&s);
    assert!(variants.len() >= 10, "the examples hold every backend");
    let out_dir = tempfile::tempdir().unwrap();
    for v in &variants {
        for flavor in ["release", "git", "local"] {
            let out = on_examples(&s, &["-q", "pkgbuild", &v.id, "--flavor", flavor]);
            if !v.linux {
                assert_eq!(out.status.code(), Some(1), "{} has no PKGBUILD", v.id);
                assert!(
                    stderr(&out).contains("no Linux platform"),
                    "{}",
                    stderr(&out)
                );
                continue;
            }
            assert_success(&out);
            let mut text = stdout(&out);
            let local_sha = (flavor == "local").then(|| sha_in(&text));
            if let Some(sha) = &local_sha {
                text = text.replace(sha, "[local tarball sha256]");
            }
            insta::assert_snapshot!(format!("pkgbuild-{}-{flavor}", v.id), text);
            let dir = out_dir.path().join(format!("{}-{flavor}", v.id));
            let out = on_examples(
                &s,
                &[
                    "-q",
                    "pkgbuild",
                    &v.id,
                    "--flavor",
                    flavor,
                    "--out",
                    dir.to_str().unwrap(),
                ],
            );
            assert_success(&out);
            let mut srcinfo = fs::read_to_string(dir.join(".SRCINFO")).unwrap();
            if let Some(sha) = &local_sha {
                srcinfo = srcinfo.replace(sha, "[local tarball sha256]");
            }
            insta::assert_snapshot!(format!("srcinfo-{}-{flavor}", v.id), srcinfo);
        }
        for flavor in ["release", "head"] {
            let out = on_examples(&s, &["formula", &v.id, "--flavor", flavor]);
            if !v.macos {
                assert_eq!(out.status.code(), Some(1), "{} has no formula", v.id);
                assert!(
                    stderr(&out).contains("does not run on macOS"),
                    "{}",
                    stderr(&out)
                );
                continue;
            }
            assert_success(&out);
            insta::assert_snapshot!(format!("formula-{}-{flavor}", v.id), stdout(&out));
        }
    }
}

fn sha_in(pkgbuild: &str) -> String {
    let line = pkgbuild
        .lines()
        .find(|l| l.starts_with("sha256sums=("))
        .expect("sha256sums line");
    line.trim_start_matches("sha256sums=(")
        .trim_end_matches(')')
        .to_string()
}

/// Renders every example variant × flavour into directories and judges them with makepkg
/// --printsrcinfo (byte for byte), bash -n, shellcheck and ruby -c.
#[test]
fn real_tools_accept_every_example_render() {
    if !tools::require_all(
        &["makepkg", "shellcheck", "ruby", "bash"],
        "judge every example render with the real tools",
    ) {
        return;
    }
    let s = Sandbox::new();
    seed_example_tarballs(&s);
    let work = tools::shared_tempdir();
    let mut judged = 0;
    for v in example_variants(&s) {
        if v.linux {
            for flavor in ["release", "git", "local"] {
                let dir = work.path().join(format!("{}-{flavor}", v.id));
                let out = on_examples(
                    &s,
                    &[
                        "-q",
                        "pkgbuild",
                        &v.id,
                        "--flavor",
                        flavor,
                        "--out",
                        dir.to_str().unwrap(),
                    ],
                );
                assert_success(&out);
                let ours = fs::read_to_string(dir.join(".SRCINFO")).unwrap();
                assert_eq!(
                    ours,
                    tools::printsrcinfo(&dir),
                    "{}-{flavor}: .SRCINFO differs from makepkg's",
                    v.id
                );
                let pkgbuild = dir.join("PKGBUILD");
                let bash = Command::new("bash")
                    .arg("-n")
                    .arg(&pkgbuild)
                    .output()
                    .unwrap();
                assert!(
                    bash.status.success(),
                    "bash -n {}: {}",
                    pkgbuild.display(),
                    String::from_utf8_lossy(&bash.stderr)
                );
                let sc = Command::new("shellcheck")
                    .args(["--shell=bash", "--exclude=SC2034,SC2154,SC2164"])
                    .arg(&pkgbuild)
                    .output()
                    .unwrap();
                assert!(
                    sc.status.success(),
                    "shellcheck {}:\n{}",
                    pkgbuild.display(),
                    String::from_utf8_lossy(&sc.stdout)
                );
                if flavor != "git" {
                    assert!(!ours.contains("SKIP"), "SKIP only in the git flavour");
                }
                judged += 1;
            }
        }
        if v.macos {
            for flavor in ["release", "head"] {
                let dir = work.path().join(format!("{}-{flavor}-rb", v.id));
                let out = on_examples(
                    &s,
                    &[
                        "-q",
                        "formula",
                        &v.id,
                        "--flavor",
                        flavor,
                        "--out",
                        dir.to_str().unwrap(),
                    ],
                );
                assert_success(&out);
                let rb = dir.join(format!("{}.rb", v.id));
                let ruby = Command::new("ruby").arg("-c").arg(&rb).output().unwrap();
                assert!(
                    ruby.status.success(),
                    "ruby -c {}: {}",
                    rb.display(),
                    String::from_utf8_lossy(&ruby.stderr)
                );
                judged += 1;
            }
        }
    }
    // The split package of each worker (`pkgbuild WORKER`), every flavour.
    for worker in ["hello-worker", "llm-worker", "sd-worker", "tts-worker"] {
        for flavor in ["release", "git", "local"] {
            let dir = work.path().join(format!("{worker}-{flavor}-split"));
            let out = on_examples(
                &s,
                &[
                    "-q",
                    "pkgbuild",
                    worker,
                    "--flavor",
                    flavor,
                    "--out",
                    dir.to_str().unwrap(),
                ],
            );
            assert_success(&out);
            assert_eq!(
                fs::read_to_string(dir.join(".SRCINFO")).unwrap(),
                tools::printsrcinfo(&dir),
                "{worker}-{flavor}: the split .SRCINFO differs from makepkg's"
            );
            judged += 1;
        }
    }
    assert!(judged >= 32, "judged {judged} renders");
}

/// The real thing: makepkg builds the hello worker's local PKGBUILD as an unprivileged
/// user, and the package holds the binary under its installed name.
#[test]
fn makepkg_builds_the_local_hello_worker_package() {
    if !tools::require_all(
        &["makepkg", "bsdtar", "fakeroot"],
        "build the hello worker's package with makepkg",
    ) {
        return;
    }
    let s = Sandbox::new();
    let work = tools::shared_tempdir();
    let dir = work.path().join("hello-worker-cpu");
    let out = on_examples(
        &s,
        &[
            "-q",
            "pkgbuild",
            "hello-worker-cpu",
            "--flavor",
            "local",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert_success(&out);
    assert!(dir.join("hello-worker-cpu-0.1.0.tar.gz").is_file());
    tools::chmod_all(work.path());
    let script = format!(
        "{} CARGO_HOME={}/cargo-home PACMAN=true PKGEXT=.pkg.tar.gz; cd {} && makepkg --nodeps --noconfirm 2>&1",
        tools::toolchain_env(),
        tools::sh(work.path()),
        tools::sh(&dir)
    );
    let build = tools::unprivileged(&script);
    let log = String::from_utf8_lossy(&build.stdout);
    assert!(build.status.success(), "makepkg failed:\n{log}");
    let pkg = dir.join("hello-worker-cpu-0.1.0-1-x86_64.pkg.tar.gz");
    let pkg = if pkg.exists() {
        pkg
    } else {
        fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(".pkg.tar"))
            .unwrap_or_else(|| panic!("no package in {}:\n{log}", dir.display()))
    };
    let pkginfo = Command::new("bsdtar")
        .arg("-xOf")
        .arg(&pkg)
        .arg(".PKGINFO")
        .output()
        .unwrap();
    let pkginfo = String::from_utf8_lossy(&pkginfo.stdout);
    assert!(
        pkginfo.lines().any(|l| l == "pkgname = hello-worker-cpu"),
        "{pkginfo}"
    );
    assert!(
        pkginfo.lines().any(|l| l == "pkgver = 0.1.0-1"),
        "{pkginfo}"
    );
    let list = Command::new("bsdtar")
        .arg("-tf")
        .arg(&pkg)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.lines().any(|l| l == "usr/bin/hello-worker-cpu"),
        "{list}"
    );
    // The packaged binary is the cpu build and runs.
    let x = work.path().join("x");
    tools::extract(&pkg, &x);
    let run = Command::new(x.join("usr/bin/hello-worker-cpu"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "hello-worker 0.1.0 (cpu)"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Two copies of a tree with different mtimes (and junk in target/ and .git/) pack to the
/// same bytes; a change in content changes the checksum.
#[test]
fn local_tarball_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    copy_tree(&examples().join("bin/hello-worker"), &a);
    copy_tree(&examples().join("bin/hello-worker"), &b);
    let _ = fs::remove_dir_all(a.join("target"));
    let _ = fs::remove_dir_all(b.join("target"));
    // b: other mtimes, build output, VCS data and an ignored file.
    assert!(Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(b.join("src/main.rs"))
        .status()
        .unwrap()
        .success());
    fs::create_dir_all(b.join("target/release")).unwrap();
    fs::write(b.join("target/release/junk"), "x").unwrap();
    fs::create_dir_all(b.join(".git")).unwrap();
    fs::write(b.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::write(b.join(".gitignore"), "*.log\n").unwrap();
    fs::write(a.join(".gitignore"), "*.log\n").unwrap();
    fs::write(b.join("build.log"), "noise").unwrap();
    let out = tmp.path().join("out");
    let sha_a = rbee_workers::pack::pack(&a, "t-1", &out.join("a.tar.gz")).unwrap();
    let sha_b = rbee_workers::pack::pack(&b, "t-1", &out.join("b.tar.gz")).unwrap();
    assert_eq!(sha_a, sha_b);
    assert_eq!(
        fs::read(out.join("a.tar.gz")).unwrap(),
        fs::read(out.join("b.tar.gz")).unwrap()
    );
    let listing = tools::tar_names(&out.join("b.tar.gz"));
    assert!(listing.contains("t-1/src/main.rs"), "{listing}");
    for absent in ["target", ".git/", "build.log"] {
        assert!(
            !listing.contains(absent),
            "{absent} leaked into the tarball:\n{listing}"
        );
    }
    fs::write(b.join("src/main.rs"), "fn main() {}\n").unwrap();
    let sha_c = rbee_workers::pack::pack(&b, "t-1", &out.join("c.tar.gz")).unwrap();
    assert_ne!(sha_a, sha_c, "content changes the checksum");
}

/// A worker whose release tarball is served from 127.0.0.1.
fn served_worker(s: &Sandbox, url: &str, pin: Option<&str>) {
    let mut source =
        format!("[source]\ngit = \"https://example.invalid/w/served.git\"\ntarball = \"{url}\"\n");
    if let Some(p) = pin {
        source.push_str(&format!("sha256 = \"{p}\"\n"));
    }
    s.worker("served")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"]), ("macos", &["aarch64"])])
        .extra(&source)
        .write();
}

#[test]
fn release_checksum_is_downloaded_once_then_cached() {
    let server = Server::start();
    let body = b"a release tarball".repeat(1000);
    let url = server.serve("/served-1.0.tar.gz", &body);
    let s = Sandbox::new();
    served_worker(&s, &url, None);
    let want = rbee_workers::checksum::sha256_bytes(&body);
    let out = s.run(&["pkgbuild", "served-cpu"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains(&format!("sha256sums=({want})")),
        "{}",
        stdout(&out)
    );
    let out = s.run(&["formula", "served-cpu"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains(&format!("sha256 \"{want}\"")),
        "{}",
        stdout(&out)
    );
    assert_eq!(server.hits(), 1, "the second render uses the cache");
    // Offline works from the cache too.
    let out = s.run(&["--offline", "pkgbuild", "served-cpu"]);
    assert_success(&out);
}

#[test]
fn offline_without_a_pin_or_cache_says_how_to_fix_it() {
    let s = Sandbox::new();
    served_worker(&s, "http://127.0.0.1:9/never.tar.gz", None);
    let out = s.run(&["--offline", "pkgbuild", "served-cpu"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("--offline") && err.contains("sha256"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn pinned_checksum_is_used_and_a_mismatching_download_names_both_sums() {
    let server = Server::start();
    let url = server.serve("/p.tar.gz", b"the real bytes");
    let s = Sandbox::new();
    let pin = "ab".repeat(32);
    served_worker(&s, &url, Some(&pin));
    let out = s.run(&["pkgbuild", "served-cpu"]);
    assert_success(&out);
    assert!(stdout(&out).contains(&format!("sha256sums=({pin})")));
    assert_eq!(server.hits(), 0, "a pinned sum needs no download");
    // Once the tarball is in the cache, it is checked against the pin.
    let cached = rbee_workers::fetch::cache_path(&cache_dir(&s), &url);
    fs::create_dir_all(cached.parent().unwrap()).unwrap();
    fs::write(&cached, b"the real bytes").unwrap();
    let out = s.run(&["pkgbuild", "served-cpu"]);
    assert_eq!(out.status.code(), Some(1));
    let actual = rbee_workers::checksum::sha256_bytes(b"the real bytes");
    let err = stderr(&out);
    assert!(err.contains(&pin) && err.contains(&actual), "{err}");
}

#[test]
fn a_failed_download_is_an_error_and_caches_nothing() {
    let server = Server::start();
    let s = Sandbox::new();
    served_worker(&s, &format!("{}/missing.tar.gz", server.base), None);
    let out = s.run(&["pkgbuild", "served-cpu"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    let downloads = cache_dir(&s).join("downloads");
    let left: Vec<_> = fs::read_dir(&downloads)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "nothing half-written stays in the cache: {left:?}"
    );
}

#[test]
fn variants_without_the_platform_get_a_clear_error() {
    let s = Sandbox::new();
    let out = on_examples(&s, &["pkgbuild", "llm-worker-metal"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("formula llm-worker-metal"),
        "{}",
        stderr(&out)
    );
    let out = on_examples(&s, &["formula", "llm-worker-rocm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not run on macOS"),
        "{}",
        stderr(&out)
    );
    // A worker id is a split package for pkgbuild, but not a formula.
    let out = on_examples(&s, &["pkgbuild", "llm-worker", "--flavor", "git"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains("pkgbase=llm-worker-git\n"),
        "{}",
        stdout(&out)
    );
    let out = on_examples(&s, &["formula", "llm-worker"]);
    assert_eq!(out.status.code(), Some(2), "a worker id is not a variant");
    assert!(stderr(&out).contains("llm-worker-cuda"));
    let out = on_examples(&s, &["pkgbuild", "llm-worker-cdua"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn without_a_cargo_lock_the_pkgbuild_is_unlocked_and_says_so() {
    let s = Sandbox::new();
    s.worker("nolock")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"])])
        .extra("[source]\ngit = \"https://example.invalid/n.git\"\n")
        .write();
    assert!(!s.path("bin/nolock/Cargo.lock").exists());
    let out = s.run(&["pkgbuild", "nolock-cpu", "--flavor", "git"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        !text.contains("--locked") && !text.contains("--frozen"),
        "{text}"
    );
    assert!(
        text.contains("cargo build --release --no-default-features --features cpu -p nolock"),
        "{text}"
    );
    assert!(stderr(&out).contains("no Cargo.lock"), "{}", stderr(&out));
    // A lock in the working tree that git does not track: a clone has none, so the -git
    // build stays unlocked (the rest is in packaging.rs).
    fs::write(s.path("bin/nolock/Cargo.lock"), "version = 3\n").unwrap();
    let out = s.run(&["pkgbuild", "nolock-cpu", "--flavor", "git"]);
    assert!(!stdout(&out).contains("--locked"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("not in a git checkout"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prerelease_versions_map_to_a_pkgver_without_hyphens() {
    let s = Sandbox::new();
    seed_example_tarballs(&s);
    let out = on_examples(
        &s,
        &["pkgbuild", "tts-worker-cpu", "--flavor", "git", "--srcinfo"],
    );
    assert_success(&out);
    assert!(
        stdout(&out).contains("\tpkgver = 0.2.0beta.1\n"),
        "{}",
        stdout(&out)
    );
    // The tag keeps the semver spelling.
    let out = on_examples(&s, &["-q", "pkgbuild", "tts-worker-cpu", "--srcinfo"]);
    assert!(
        stdout(&out).contains("/v0.2.0-beta.1.tar.gz\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn templates_are_overridable_and_strict() {
    let s = Sandbox::new();
    let user = s.path(".xdg/config/rbee-workers/templates");
    fs::create_dir_all(&user).unwrap();
    fs::write(
        user.join("brew-head.rb.j2"),
        "# user template for {{ class_name|safe }}: {{ desc }}\n",
    )
    .unwrap();
    let out = on_examples(&s, &["formula", "llm-worker-metal", "--flavor", "head"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "# user template for LlmWorkerMetal: \"Candle-based LLM inference worker\"\n"
    );
    // --templates comes first, and is escaped just the same.
    let mine = tempfile::tempdir().unwrap();
    fs::write(
        mine.path().join("brew-head.rb.j2"),
        "{{ installed_name }} {{ features }}\n",
    )
    .unwrap();
    let out = on_examples(
        &s,
        &[
            "formula",
            "llm-worker-metal",
            "--flavor",
            "head",
            "--templates",
            mine.path().to_str().unwrap(),
        ],
    );
    assert_success(&out);
    assert_eq!(stdout(&out), "\"llm-worker-rbee-metal\" [\"metal\"]\n");
    // An undefined variable is an error, not an empty string.
    fs::write(mine.path().join("brew-head.rb.j2"), "{{ no_such_thing }}\n").unwrap();
    let out = on_examples(
        &s,
        &[
            "formula",
            "llm-worker-metal",
            "--flavor",
            "head",
            "--templates",
            mine.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("template error"), "{}", stderr(&out));
}

#[test]
fn out_dir_gets_pkgbuild_srcinfo_and_the_local_tarball() {
    let s = Sandbox::new();
    let out_dir = tempfile::tempdir().unwrap();
    let out = on_examples(
        &s,
        &[
            "pkgbuild",
            "llm-worker-cpu",
            "--flavor",
            "local",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    );
    assert_success(&out);
    let mut names: Vec<String> = fs::read_dir(out_dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".SRCINFO", "PKGBUILD", "llm-worker-cpu-0.3.1.tar.gz"]
    );
    // A workspace member's tarball is its workspace, and the PKGBUILD cds to the member.
    let listing = tools::tar_names(&out_dir.path().join("llm-worker-cpu-0.3.1.tar.gz"));
    assert!(
        listing
            .lines()
            .any(|l| l == "llm-worker-cpu-0.3.1/Cargo.lock"),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l == "llm-worker-cpu-0.3.1/bin/sd-worker/Cargo.toml"),
        "{listing}"
    );
    let pkgbuild = fs::read_to_string(out_dir.path().join("PKGBUILD")).unwrap();
    assert!(
        pkgbuild.contains("cd \"$srcdir\"/llm-worker-cpu-0.3.1/bin/llm-worker\n"),
        "{pkgbuild}"
    );
    let sha =
        rbee_workers::checksum::sha256_file(&out_dir.path().join("llm-worker-cpu-0.3.1.tar.gz"))
            .unwrap();
    assert!(pkgbuild.contains(&format!("sha256sums=({sha})")));
}

/// Found by the acceptance walkthrough: a user template that wraps a value in its own quotes
/// (`pkgdesc="{{ pkgdesc }}"`) puts the engine's quoting inside double quotes, where `$(…)`
/// runs again. Such templates are refused before anything is rendered.
#[test]
fn a_user_template_that_quotes_values_itself_is_refused() {
    let s = Sandbox::new();
    let mine = tempfile::tempdir().unwrap();
    fs::write(
        mine.path().join("arch-git.PKGBUILD.j2"),
        "pkgname={{ pkgname }}\npkgdesc=\"{{ pkgdesc }}\"\n",
    )
    .unwrap();
    let out = on_examples(
        &s,
        &[
            "pkgbuild",
            "hello-worker-cpu",
            "--flavor",
            "git",
            "--templates",
            mine.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("line 2") && err.contains("quoted by the engine"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
    // Written bare, the same template is fine.
    fs::write(
        mine.path().join("arch-git.PKGBUILD.j2"),
        "pkgname={{ pkgname }}\npkgdesc={{ pkgdesc }}\n",
    )
    .unwrap();
    let out = on_examples(
        &s,
        &[
            "pkgbuild",
            "hello-worker-cpu",
            "--flavor",
            "git",
            "--templates",
            mine.path().to_str().unwrap(),
        ],
    );
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "pkgname=hello-worker-cpu-git\npkgdesc='A tiny worker that says hello'\n"
    );
}

#[test]
fn an_include_reads_only_inside_the_template_dirs() {
    let s = Sandbox::new();
    let mine = tempfile::tempdir().unwrap();
    let secret = s.write("outside/secret", "pkgdesc=the-secret-value\n");
    std::os::unix::fs::symlink(&secret, mine.path().join("link.j2")).unwrap();
    for name in [
        secret.to_str().unwrap().to_string(),
        "../outside/secret".to_string(),
        "link.j2".to_string(),
    ] {
        fs::write(
            mine.path().join("arch-git.PKGBUILD.j2"),
            format!("pkgname={{{{ pkgname }}}}\n{{% include \"{name}\" %}}\n"),
        )
        .unwrap();
        let out = on_examples(
            &s,
            &[
                "pkgbuild",
                "hello-worker-cpu",
                "--flavor",
                "git",
                "--templates",
                mine.path().to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        assert!(!stdout(&out).contains("the-secret-value"), "{name}");
        assert!(!stderr(&out).contains("the-secret-value"), "{name}");
    }
}

/// `pkgbuild hello-worker-cpu --flavor git` with `template` as the user's
/// arch-git.PKGBUILD.j2 (in a `--templates` dir).
fn with_git_template(s: &Sandbox, template: &str) -> Output {
    let mine = tempfile::tempdir().unwrap();
    fs::write(mine.path().join("arch-git.PKGBUILD.j2"), template).unwrap();
    on_examples(
        s,
        &[
            "pkgbuild",
            "hello-worker-cpu",
            "--flavor",
            "git",
            "--templates",
            mine.path().to_str().unwrap(),
        ],
    )
}

#[test]
fn a_user_template_that_puts_a_value_in_a_heredoc_is_refused() {
    let s = Sandbox::new();
    let out = with_git_template(
        &s,
        "pkgname={{ pkgname }}\npackage() {\n  cat >notes <<EOF\n{{ pkgdesc }}\nEOF\n}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 4") && err.contains("heredoc"), "{err}");
}
