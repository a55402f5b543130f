//! Packages that build a real upstream (issue 13, DESIGN section 3): locked-ness from what the
//! build sees, monotonic -git and pre-release versions by the real `vercmp`, the local
//! tarball's contents, Homebrew's rules, the branch default, and submodules built by the real
//! `makepkg`.

use crate::support::{assert_success, stderr, stdout, Sandbox};
use crate::tools::{self, git};
use std::fs;
use std::path::Path;
use std::process::Command;

const PIN: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// Commits everything in `dir` (a fresh repository when there is none).
fn commit_all(dir: &Path, message: &str) {
    if !dir.join(".git").exists() {
        git(dir, &["init", "-q"]);
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

fn check_json(s: &Sandbox) -> serde_json::Value {
    let out = s.run(&["--json", "check"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// The problems of a `check --json` document whose message contains `needle`.
fn problems_with<'d>(doc: &'d serde_json::Value, needle: &str) -> Vec<&'d serde_json::Value> {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap_or_default().contains(needle))
        .collect()
}

#[test]
fn release_and_git_builds_are_locked_only_when_git_tracks_the_lock() {
    if !tools::require_all(&["git", "bsdtar"], "read what git tracks") {
        return;
    }
    let s = Sandbox::new();
    s.worker("lk")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"])])
        .homepage("https://example.invalid/lk")
        .extra(&format!(
            "[source]\ngit = \"https://github.com/o/lk.git\"\nsha256 = \"{PIN}\"\n"
        ))
        .write();
    s.write("bin/lk/Cargo.lock", "version = 3\n");
    s.write("bin/lk/.gitignore", "Cargo.lock\n");
    commit_all(s.root(), "lock ignored");

    for flavor in ["git", "release"] {
        let out = s.run(&["pkgbuild", "lk-cpu", "--flavor", flavor]);
        assert_success(&out);
        assert!(!stdout(&out).contains("--locked"), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("bin/lk/Cargo.lock is not tracked by git"),
            "{}",
            stderr(&out)
        );
    }
    // The local tarball packs the ignored lock, so its PKGBUILD is locked.
    let out_dir = s.path("out");
    let out = s.run(&[
        "pkgbuild",
        "lk-cpu",
        "--flavor",
        "local",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_success(&out);
    let pkgbuild = fs::read_to_string(out_dir.join("PKGBUILD")).unwrap();
    assert!(pkgbuild.contains("cargo fetch --locked"), "{pkgbuild}");
    let listing = tools::tar_listing(&out_dir.join("lk-cpu-0.1.0.tar.gz"));
    assert!(
        listing.iter().any(|(_, p)| p == "lk-cpu-0.1.0/Cargo.lock"),
        "{listing:?}"
    );
    let doc = check_json(&s);
    let unlocked = problems_with(&doc, "without --locked/--frozen");
    assert_eq!(unlocked.len(), 1, "{unlocked:#?}");
    let message = unlocked[0]["message"].as_str().unwrap();
    assert!(
        message.contains("(lk-cpu release, lk-cpu git)") && message.contains("not tracked by git"),
        "names every unlocked render and why: {message}"
    );
    assert_eq!(unlocked[0]["severity"], "warning");

    git(s.root(), &["add", "-f", "bin/lk/Cargo.lock"]);
    git(s.root(), &["commit", "-q", "-m", "track the lock"]);
    for flavor in ["git", "release"] {
        let out = s.run(&["pkgbuild", "lk-cpu", "--flavor", flavor]);
        assert!(
            stdout(&out).contains("cargo fetch --locked")
                && stdout(&out).contains("cargo build --frozen"),
            "{}",
            stdout(&out)
        );
    }
    let doc = check_json(&s);
    assert!(problems_with(&doc, "without --locked").is_empty());
}

/// Runs the rendered `pkgver()` in the clone `srcdir/NAME`, as makepkg would.
fn run_pkgver(pkgbuild: &Path, srcdir: &Path) -> String {
    let out = Command::new("bash")
        .args(["-c", "set -e; source \"$1\"; srcdir=$2; pkgver", "pkgver"])
        .arg(pkgbuild)
        .arg(srcdir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pkgver(): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Renders the -git PKGBUILD of `id` and returns its path and the static pkgver.
fn git_pkgbuild(s: &Sandbox, id: &str) -> (std::path::PathBuf, String) {
    let dir = s.path(format!("pkg-{id}"));
    let out = s.run(&[
        "pkgbuild",
        id,
        "--flavor",
        "git",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_success(&out);
    let srcinfo = fs::read_to_string(dir.join(".SRCINFO")).unwrap();
    let pkgver = srcinfo
        .lines()
        .find_map(|l| l.strip_prefix("\tpkgver = "))
        .unwrap()
        .to_string();
    (dir.join("PKGBUILD"), pkgver)
}

#[test]
fn git_pkgver_never_sorts_below_the_static_pkgver_by_the_real_vercmp() {
    if !tools::require_all(&["git", "vercmp", "bash"], "order -git versions") {
        return;
    }
    let s = Sandbox::new();
    s.worker("pv")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"])])
        .extra("[source]\ngit = \"https://github.com/o/pv.git\"\n")
        .write();
    let (pkgbuild, pkgver) = git_pkgbuild(&s, "pv-cpu");
    assert_eq!(pkgver, "0.1.0", "the static pkgver is the Cargo version");
    // makepkg's clone of upstream: tagless, three commits.
    let src = tempfile::tempdir().unwrap();
    let clone = src.path().join("pv");
    fs::create_dir_all(&clone).unwrap();
    for i in 0..3 {
        fs::write(clone.join("f"), i.to_string()).unwrap();
        commit_all(&clone, &format!("c{i}"));
    }
    let short = git(&clone, &["rev-parse", "--short=7", "HEAD"]);
    let v1 = run_pkgver(&pkgbuild, src.path());
    assert_eq!(v1, format!("0.1.0.r3.{}", short.trim()));
    assert_eq!(
        tools::vercmp(&v1, &pkgver),
        1,
        "{v1} is newer than {pkgver}"
    );
    // A tag older than the Cargo version does not pull pkgver() below it.
    git(&clone, &["tag", "v0.0.9"]);
    commit_all(&clone, "c3");
    let v2 = run_pkgver(&pkgbuild, src.path());
    assert!(v2.starts_with("0.1.0.r4."), "{v2}");
    assert_eq!(tools::vercmp(&v2, &v1), 1, "{v2} > {v1}");
    // The release tag of this version: its describe form, still newer than pkgver.
    git(&clone, &["tag", "v0.1.0"]);
    commit_all(&clone, "c4");
    let v3 = run_pkgver(&pkgbuild, src.path());
    assert!(v3.starts_with("0.1.0.r1."), "{v3}");
    assert_eq!(tools::vercmp(&v3, &pkgver), 1, "{v3} > {pkgver}");
}

#[test]
fn prerelease_pkgver_sorts_before_the_release_by_the_real_vercmp() {
    if !tools::require_all(&["git", "vercmp", "bash"], "order pre-release versions") {
        return;
    }
    for (version, want) in [("0.4.2-beta.1", "0.4.2beta.1"), ("0.4.2-1", "0.4.2pre1")] {
        let s = Sandbox::new();
        s.worker("pr")
            .features(&["cpu"])
            .platforms(&[("linux", &["x86_64"])])
            .version(version)
            .extra("[source]\ngit = \"https://github.com/o/pr.git\"\n")
            .write();
        let (pkgbuild, pkgver) = git_pkgbuild(&s, "pr-cpu");
        assert_eq!(pkgver, want);
        assert_eq!(tools::vercmp(&pkgver, "0.4.2"), -1, "{pkgver} < 0.4.2");
        assert_eq!(tools::vercmp(&pkgver, "0.4.1"), 1, "{pkgver} > 0.4.1");
        // pkgver() on a clone tagged with the pre-release maps the tag the same way.
        let src = tempfile::tempdir().unwrap();
        let clone = src.path().join("pr");
        fs::create_dir_all(&clone).unwrap();
        commit_all(&clone, "c0");
        git(&clone, &["tag", &format!("v{version}")]);
        commit_all(&clone, "c1");
        let v = run_pkgver(&pkgbuild, src.path());
        assert!(v.starts_with(&format!("{want}.r1.")), "{v}");
        assert_eq!(tools::vercmp(&v, &pkgver), 1, "{v} > {pkgver}");
        assert_eq!(tools::vercmp(&v, "0.4.2"), -1, "{v} < 0.4.2");
    }
}

#[test]
fn local_tarball_leaves_out_only_the_build_dir_and_vcs_files() {
    if !tools::require("bsdtar", "list the tarball") {
        return;
    }
    let s = Sandbox::new();
    s.worker("tb")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"])])
        .write();
    for (file, text) in [
        ("bin/tb/src/target/vendored.rs", "// source\n"),
        ("bin/tb/vendor/x/target/keep.txt", "source\n"),
        ("bin/tb/target/release/junk", "build output\n"),
        ("bin/tb/deps/sub/.git", "gitdir: ../../.git/modules/sub\n"),
        ("bin/tb/deps/sub/lib.rs", "// submodule file\n"),
        ("bin/tb/.gitignore", "*.log\n"),
        ("bin/tb/build.log", "noise\n"),
    ] {
        s.write(file, text);
    }
    let out_dir = s.path("out");
    let out = s.run(&[
        "pkgbuild",
        "tb-cpu",
        "--flavor",
        "local",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_success(&out);
    let tarball = out_dir.join("tb-cpu-0.1.0.tar.gz");
    use std::os::unix::fs::PermissionsExt;
    for f in [
        &tarball,
        &out_dir.join("PKGBUILD"),
        &out_dir.join(".SRCINFO"),
    ] {
        let mode = fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}", f.display());
    }
    let listing: Vec<String> = tools::tar_listing(&tarball)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    for kept in [
        "tb-cpu-0.1.0/src/target/vendored.rs",
        "tb-cpu-0.1.0/vendor/x/target/keep.txt",
        "tb-cpu-0.1.0/deps/sub/lib.rs",
    ] {
        assert!(listing.iter().any(|p| p == kept), "{kept}: {listing:?}");
    }
    for gone in ["tb-cpu-0.1.0/target", "deps/sub/.git", "build.log"] {
        assert!(
            !listing.iter().any(|p| p.contains(gone)),
            "{gone}: {listing:?}"
        );
    }
    let pkgbuild = fs::read_to_string(out_dir.join("PKGBUILD")).unwrap();
    assert!(
        pkgbuild.contains("--features cpu -p tb --bin tb\n"),
        "{pkgbuild}"
    );
}
