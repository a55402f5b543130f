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

/// An upstream like the real rbee: a workspace whose worker path-depends on a crate inside a
/// git submodule, with its Cargo.lock committed. Returns the superproject's path.
fn submodule_upstream(work: &Path) -> std::path::PathBuf {
    let candle = work.join("candle");
    for (file, text) in [
        (
            "subdep/Cargo.toml",
            "[package]\nname = \"subdep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "subdep/src/lib.rs",
            "pub fn hello() -> &'static str {\n    \"hello from the submodule\"\n}\n",
        ),
    ] {
        crate::support::write_file(&candle.join(file), text);
    }
    commit_all(&candle, "candle");
    let rbee = work.join("rbee");
    let url = format!("file://{}", rbee.display());
    for (file, text) in [
        (
            "Cargo.toml".to_string(),
            "[workspace]\nmembers = [\"bin/sm\"]\nresolver = \"2\"\n".to_string(),
        ),
        (
            "bin/sm/Cargo.toml".into(),
            "[package]\nname = \"sm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\ncpu = []\n\n[dependencies]\nsubdep = { path = \"../../deps/candle/subdep\" }\n".into(),
        ),
        (
            "bin/sm/src/main.rs".into(),
            "fn main() {\n    println!(\"{}\", subdep::hello());\n}\n".into(),
        ),
        (
            "bin/sm/worker.toml".into(),
            format!("[worker]\nid = \"sm\"\nname = \"Sm\"\ndescription = \"Worker with a submodule\"\nlicense = \"MIT\"\nhomepage = \"https://example.invalid/sm\"\n\n[build]\nfeatures = [\"cpu\"]\ndefault_feature = \"cpu\"\n\n[platforms]\nlinux = [\"x86_64\"]\n\n[test]\nsmoke = [\"{{bin}}\"]\n\n[source]\ngit = \"{url}\"\n"),
        ),
    ] {
        crate::support::write_file(&rbee.join(file), &text);
    }
    git(&rbee, &["init", "-q"]);
    git(
        &rbee,
        &[
            "submodule",
            "add",
            "-q",
            &format!("file://{}", candle.display()),
            "deps/candle",
        ],
    );
    generate_lockfile(&rbee);
    commit_all(&rbee, "rbee");
    rbee
}

/// A real `Cargo.lock` for the workspace at `dir` (path dependencies only: no network).
fn generate_lockfile(dir: &Path) {
    let lock = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
}

/// Runs `makepkg --nodeps` as the unprivileged user in `dir` (everything under `work`) and
/// returns its log; panics when it fails.
fn run_makepkg(work: &Path, dir: &Path) -> String {
    tools::chmod_all(work);
    // The repositories belong to this user; a global config of the test's own lets the
    // test user's git read them (safe.directory counts only there).
    let gitconfig = work.join("gitconfig");
    fs::write(&gitconfig, "[safe]\n\tdirectory = *\n").unwrap();
    let script = format!(
        "{} CARGO_HOME={}/cargo-home PACMAN=true PKGEXT=.pkg.tar.gz GIT_CONFIG_GLOBAL={} GIT_CONFIG_NOSYSTEM=1; cd {} && makepkg --nodeps --noconfirm 2>&1",
        tools::toolchain_env(),
        tools::sh(work),
        tools::sh(&gitconfig),
        tools::sh(dir)
    );
    let build = tools::unprivileged(&script);
    let log = String::from_utf8_lossy(&build.stdout).into_owned();
    assert!(
        build.status.success(),
        "makepkg in {}:\n{log}",
        dir.display()
    );
    log
}

/// makepkg as the unprivileged user in `dir`; what the packaged binary prints.
fn makepkg(work: &Path, dir: &Path) -> Vec<String> {
    let log = run_makepkg(work, dir);
    let pkg = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".pkg.tar.gz"))
        .unwrap_or_else(|| panic!("no package:\n{log}"));
    let x = dir.join("x");
    tools::extract(&pkg, &x);
    let run = Command::new(x.join("usr/bin/sm-cpu")).output().unwrap();
    vec![String::from_utf8_lossy(&run.stdout).trim().to_string()]
}

#[test]
fn makepkg_builds_release_and_git_packages_whose_path_dependency_is_in_a_submodule() {
    if !tools::require_all(
        &["git", "makepkg", "bsdtar", "fakeroot", "curl"],
        "build a worker whose path dependency lives in a git submodule",
    ) {
        return;
    }
    let work = tools::shared_tempdir();
    let rbee = submodule_upstream(work.path());
    let commit = git(&rbee, &["rev-parse", "HEAD:deps/candle"]);
    // A GitHub-like archive: only tracked files, the submodule an empty directory.
    let archive = work.path().join("rbee-0.1.0.tar.gz");
    git(
        &rbee,
        &[
            "archive",
            "--format=tar.gz",
            "--prefix=rbee-0.1.0/",
            "-o",
            archive.to_str().unwrap(),
            "HEAD",
        ],
    );
    let server = crate::httpd::Server::start();
    let url = server.serve("/rbee-0.1.0.tar.gz", &fs::read(&archive).unwrap());
    let manifest = rbee.join("bin/sm/worker.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, format!("{text}tarball = \"{url}\"\n")).unwrap();

    let s = Sandbox::new();
    for flavor in ["git", "release"] {
        let dir = work.path().join(format!("pkg-{flavor}"));
        let out = s
            .cmd()
            .arg("--root")
            .arg(&rbee)
            .args(["pkgbuild", "sm-cpu", "--flavor", flavor, "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_success(&out);
        let pkgbuild = fs::read_to_string(dir.join("PKGBUILD")).unwrap();
        let pinned = format!(
            "candle::git+file://{}#commit={}",
            work.path().join("candle").display(),
            commit.trim()
        );
        assert!(pkgbuild.contains(&pinned), "{pkgbuild}");
        assert!(pkgbuild.contains("cargo fetch --locked"), "{pkgbuild}");
        assert_eq!(
            fs::read_to_string(dir.join(".SRCINFO")).unwrap(),
            tools::printsrcinfo(&dir),
            "{flavor}: .SRCINFO differs from makepkg's"
        );
        assert_eq!(
            makepkg(work.path(), &dir),
            ["hello from the submodule"],
            "{flavor}"
        );
    }
}

#[test]
fn check_errors_when_a_needed_submodule_cannot_be_pinned() {
    if !tools::require_all(&["git", "cargo"], "make a repository with a submodule") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let rbee = submodule_upstream(work.path());
    let s = Sandbox::new();
    let check = |s: &Sandbox| -> serde_json::Value {
        let out = s
            .cmd()
            .arg("--root")
            .arg(&rbee)
            .args(["--json", "check"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let doc = check(&s);
    assert!(problems_with(&doc, "submodule").is_empty(), "{doc:#}");
    // The pinned submodule's SKIP is no defect: its commit pins it.
    assert!(problems_with(&doc, "SKIP").is_empty(), "{doc:#}");
    assert_eq!(doc["ok"], true, "{doc:#}");
    // The gitlink stays, its .gitmodules entry goes: no URL to fetch it from.
    fs::write(rbee.join(".gitmodules"), "").unwrap();
    commit_all(&rbee, "drop .gitmodules");
    let doc = check(&s);
    let p = problems_with(&doc, "submodule `deps/candle`");
    assert_eq!(p.len(), 1, "{doc:#}");
    assert_eq!(p[0]["severity"], "error");
    assert!(
        p[0]["message"]
            .as_str()
            .unwrap()
            .contains("deps/candle/subdep"),
        "{}",
        p[0]
    );
    assert_eq!(doc["ok"], false);
}

#[test]
fn the_branch_defaults_to_the_checkout_s_and_check_warns_about_one_that_is_not_there() {
    if !tools::require("git", "read the default branch") {
        return;
    }
    // Upstream's default branch is `development`; the catalog is a clone of it.
    let up = tempfile::tempdir().unwrap();
    git(up.path(), &["init", "-q", "-b", "development"]);
    let s = Sandbox::new();
    s.worker("br")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"]), ("macos", &["aarch64"])])
        .homepage("https://example.invalid/br")
        .extra("[source]\ngit = \"https://github.com/o/br.git\"\n\n[test]\nsmoke = [\"{bin}\", \"--help\"]\n")
        .write();
    crate::support::write_file(&s.path("bin/br/Cargo.lock"), "version = 3\n");
    fs::rename(s.path("bin"), up.path().join("bin")).unwrap();
    commit_all(up.path(), "upstream");
    let clone = s.path("clone");
    git(
        s.root(),
        &[
            "clone",
            "-q",
            up.path().to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let run = |args: &[&str]| {
        s.cmd()
            .arg("--root")
            .arg(&clone)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["pkgbuild", "br-cpu", "--flavor", "git"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains("#branch=development"),
        "{}",
        stdout(&out)
    );
    let out = run(&["formula", "br-cpu", "--flavor", "head"]);
    assert!(
        stdout(&out).contains("branch: \"development\""),
        "{}",
        stdout(&out)
    );
    let out = run(&["--json", "check"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(problems_with(&doc, "does not exist").is_empty(), "{doc:#}");

    // A branch named in worker.toml that the checkout does not have: a located warning.
    let manifest = clone.join("bin/br/worker.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let text = text.replace("[source]\n", "[source]\nbranch = \"main\"\n");
    fs::write(&manifest, &text).unwrap();
    let out = run(&["--json", "check"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = problems_with(&doc, "branch `main`");
    assert_eq!(p.len(), 1, "{doc:#}");
    assert_eq!(p[0]["severity"], "warning");
    let (line, col) = crate::support::locate(&text, "\"main\"");
    assert_eq!(
        (p[0]["line"].as_u64(), p[0]["column"].as_u64()),
        (Some(line as u64), Some(col as u64))
    );
    assert!(
        p[0]["message"].as_str().unwrap().contains("`development`"),
        "{}",
        p[0]
    );
}

#[test]
fn formulas_follow_homebrew_s_rules_and_check_enforces_them() {
    if !tools::require("ruby", "parse the formulas") {
        return;
    }
    let s = Sandbox::new();
    // Runs on macOS arm64 and Linux x86_64; no homepage but an ssh repository URL.
    s.worker("hb")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"]), ("macos", &["aarch64"])])
        .extra(&format!(
            "[depends]\nbrew = [\"zstd\", \"abseil\"]\n\n[source]\ngit = \"git@github.com:o/hb.git\"\nsha256 = \"{PIN}\"\n\n[test]\nsmoke = [\"{{bin}}\", \"serve\", \"--help\"]\nexpect = \"Usage\"\n"
        ))
        .write();
    let out = s.run(&["formula", "hb-cpu"]);
    assert_success(&out);
    let rb = stdout(&out);
    let at = |needle: &str| rb.find(needle).unwrap_or_else(|| panic!("{needle}:\n{rb}"));
    assert!(
        rb.contains("  homepage \"https://github.com/o/hb\"\n"),
        "{rb}"
    );
    // DependencyOrder: build dependencies first, then by name; arm64 only on macOS.
    assert!(at("depends_on \"rust\" => :build") < at("depends_on \"abseil\""));
    assert!(at("depends_on \"abseil\"") < at("depends_on \"zstd\""));
    assert!(
        rb.contains("  on_macos do\n    depends_on arch: :arm64\n  end\n"),
        "{rb}"
    );
    assert!(!rb.contains("\n  depends_on arch:"), "{rb}");
    assert!(rb.contains("\"--bin\", \"hb\""), "{rb}");
    assert!(
        rb.contains("assert_match \"Usage\", shell_output(Shellwords.join([bin/\"hb-cpu\", \"serve\", \"--help\"]))"),
        "{rb}"
    );
    let file = s.write("hb.rb", &rb);
    let ruby = Command::new("ruby").arg("-c").arg(&file).output().unwrap();
    assert!(
        ruby.status.success(),
        "{}",
        String::from_utf8_lossy(&ruby.stderr)
    );
    let out = s.run(&["pkgbuild", "hb-cpu", "--srcinfo"]);
    assert!(
        stdout(&out).contains("\turl = https://github.com/o/hb\n"),
        "{}",
        stdout(&out)
    );

    let doc = check_json(&s);
    assert!(problems_with(&doc, "FormulaAudit").is_empty(), "{doc:#}");
    // An override template that puts a dependency before rust, and drops `test do`.
    let templates = s.path(".xdg/config/rbee-workers/templates");
    let body = rbee_workers::render::BUILTIN
        .iter()
        .find(|(n, _)| *n == "brew-body.rb.j2")
        .unwrap()
        .1;
    let broken = body
        .replace("  depends_on \"rust\" => :build\n", "")
        .replace(
            "{% endfor %}\n{% if arm64_on_macos %}",
            "{% endfor %}\n  depends_on \"rust\" => :build\n{% if arm64_on_macos %}",
        )
        .replace("  test do\n", "  def test_x\n");
    crate::support::write_file(&templates.join("brew-body.rb.j2"), &broken);
    let doc = check_json(&s);
    let found = problems_with(&doc, "FormulaAudit");
    assert!(
        found.iter().any(|p| p["message"]
            .as_str()
            .unwrap()
            .contains("`depends_on \"rust\"` should be put before")),
        "{doc:#}"
    );
    assert!(
        found
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("no `test do`")),
        "{doc:#}"
    );
    assert!(found.iter().all(|p| p["severity"] == "error"));
    assert_eq!(doc["ok"], false);
}

#[test]
fn check_errors_on_a_formula_without_a_homepage() {
    let s = Sandbox::new();
    let w = s
        .worker("nohome")
        .features(&["cpu"])
        .platforms(&[("macos", &["aarch64"])])
        .extra(&format!(
            "[source]\ngit = \"file:///nowhere/nohome.git\"\ntarball = \"https://example.invalid/nohome.tar.gz\"\nsha256 = \"{PIN}\"\n"
        ))
        .write();
    let doc = check_json(&s);
    let p = problems_with(&doc, "has no homepage");
    assert_eq!(p.len(), 1, "{doc:#}");
    assert_eq!(p[0]["severity"], "error");
    assert_eq!(p[0]["path"], w.worker_toml.to_str().unwrap());
    assert_eq!(p[0]["line"], 1, "at [worker]");
    assert_eq!(doc["ok"], false);
}

#[test]
fn a_bare_worker_id_renders_one_split_package_that_makepkg_builds() {
    if !tools::require_all(
        &["makepkg", "bsdtar", "fakeroot", "shellcheck"],
        "build a split package with makepkg",
    ) {
        return;
    }
    let work = tools::shared_tempdir();
    let s = Sandbox::new();
    s.worker("sp")
        .features(&["cpu", "fast"])
        .platforms(&[("linux", &["x86_64"])])
        .homepage("https://example.invalid/sp")
        .extra("[source]\ngit = \"https://github.com/o/sp.git\"\n")
        .write();
    generate_lockfile(&s.path("bin/sp"));
    for flavor in ["git", "local"] {
        let dir = work.path().join(format!("split-{flavor}"));
        let out = s.run(&[
            "pkgbuild",
            "sp",
            "--flavor",
            flavor,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_success(&out);
        let pkgbuild = fs::read_to_string(dir.join("PKGBUILD")).unwrap();
        let base = if flavor == "git" { "sp-git" } else { "sp" };
        assert!(
            pkgbuild.contains(&format!("pkgbase={base}\n")),
            "{pkgbuild}"
        );
        assert_eq!(
            fs::read_to_string(dir.join(".SRCINFO")).unwrap(),
            tools::printsrcinfo(&dir),
            "{flavor}: .SRCINFO differs from makepkg's"
        );
        let sc = Command::new("shellcheck")
            .args(["--shell=bash", "--exclude=SC2034,SC2154,SC2164"])
            .arg(dir.join("PKGBUILD"))
            .output()
            .unwrap();
        assert!(
            sc.status.success(),
            "{}",
            String::from_utf8_lossy(&sc.stdout)
        );
    }
    // The local split package, built for real: one package per variant.
    let dir = work.path().join("split-local");
    run_makepkg(work.path(), &dir);
    for (pkg, bin) in [("sp-cpu", "sp-cpu"), ("sp-fast", "sp-fast")] {
        let file = dir.join(format!("{pkg}-0.1.0-1-x86_64.pkg.tar.gz"));
        let listing: Vec<String> = tools::tar_listing(&file)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        assert!(
            listing.iter().any(|p| *p == format!("usr/bin/{bin}")),
            "{pkg}: {listing:?}"
        );
        assert_eq!(
            listing
                .iter()
                .filter(|p| p.starts_with("usr/bin/") && p.len() > 8)
                .count(),
            1,
            "{pkg} holds only its own binary: {listing:?}"
        );
    }
}

#[test]
fn the_release_formula_stages_each_pinned_submodule_as_a_resource() {
    if !tools::require_all(&["git", "cargo", "ruby"], "a formula with a submodule") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let rbee = submodule_upstream(work.path());
    let commit = git(&rbee, &["rev-parse", "HEAD:deps/candle"]);
    let manifest = rbee.join("bin/sm/worker.toml");
    let text = fs::read_to_string(&manifest).unwrap().replace(
        "linux = [\"x86_64\"]\n",
        "linux = [\"x86_64\"]\nmacos = [\"aarch64\"]\n",
    );
    fs::write(
        &manifest,
        format!("{text}tarball = \"https://example.invalid/sm.tar.gz\"\nsha256 = \"{PIN}\"\n"),
    )
    .unwrap();
    let s = Sandbox::new();
    let out = s
        .cmd()
        .arg("--root")
        .arg(&rbee)
        .args(["formula", "sm-cpu"])
        .output()
        .unwrap();
    assert_success(&out);
    let rb = stdout(&out);
    let candle = work.path().join("candle");
    let resource = format!(
        "  resource \"candle\" do\n    url \"file://{}\",\n        revision: \"{}\"\n  end\n",
        candle.display(),
        commit.trim()
    );
    assert!(rb.contains(&resource), "{rb}");
    let stage = rb
        .find("    resource(\"candle\").stage buildpath/\"deps/candle\"\n")
        .unwrap_or_else(|| panic!("{rb}"));
    assert!(
        stage < rb.find("system \"cargo\"").unwrap(),
        "staged before the build"
    );
    let file = s.write("sm.rb", &rb);
    let ruby = Command::new("ruby").arg("-c").arg(&file).output().unwrap();
    assert!(
        ruby.status.success(),
        "{}",
        String::from_utf8_lossy(&ruby.stderr)
    );
    let out = s
        .cmd()
        .arg("--root")
        .arg(&rbee)
        .args(["--json", "check"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(problems_with(&doc, "FormulaAudit").is_empty(), "{doc:#}");
}
