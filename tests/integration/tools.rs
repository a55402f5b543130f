//! Running the real packaging tools from tests: makepkg refuses root, so as root the tests
//! run it as an unprivileged user (`rbee-test`), in a world-writable temp dir.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

pub const TEST_USER: &str = "rbee-test";

/// Whether `tool` is on this process's PATH.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `CI` is set (non-empty): a missing tool then fails the test instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The one skip policy: true when `tool` is on PATH. Otherwise a test that needs it is
/// skipped with `skipped: TEST: TOOL not found (WHY)` on stderr (the caller returns), and
/// under `CI` it panics instead, so CI never turns a missing tool green.
pub fn require(tool: &str, why: &str) -> bool {
    require_all(&[tool], why)
}

/// [`require`] for several tools at once; names every missing one.
pub fn require_all(tools: &[&str], why: &str) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    skip(&missing.join(", "), why);
    false
}

/// [`require`] for a check a test makes many times (each case of a property test): says it
/// skips once per test and tool, not once per case.
pub fn require_quietly(tool: &str, why: &str) -> bool {
    static SAID: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    if have(tool) {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("").to_string();
    let key = (test, tool.to_string());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if in_ci() || !said.contains(&key) {
        said.push(key);
        drop(said);
        skip(tool, why);
    }
    false
}

/// What [`require`] does when something is missing: `skipped: TEST: WHAT not found (WHY)` on
/// stderr, or a panic under `CI`. For checks that cannot use [`require`] (a file, not a tool
/// on PATH); the caller then leaves out what needs it.
pub fn skip(what: &str, why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("this test");
    let line = format!("skipped: {test}: {what} not found ({why})");
    if in_ci() {
        panic!("{line}; CI is set, so a missing tool is a failure (.ci/run installs it)");
    }
    // Straight to the process's stderr: libtest captures eprintln! of passing tests, and a
    // skip must show in a plain `cargo test` run.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

static USER: Once = Once::new();

/// A temp dir every user can write, under /tmp.
pub fn shared_tempdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("rbee-workers-tool")
        .tempdir_in("/tmp")
        .expect("tempdir");
    chmod_all(dir.path());
    dir
}

pub fn chmod_all(path: &Path) {
    let status = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(path)
        .status()
        .expect("chmod");
    assert!(status.success());
}

/// Runs `script` in bash as an unprivileged user (this user if it isn't root).
pub fn unprivileged(script: &str) -> Output {
    if !is_root() {
        return Command::new("bash")
            .args(["-c", script])
            .output()
            .expect("bash");
    }
    USER.call_once(|| {
        let exists = Command::new("id")
            .arg(TEST_USER)
            .output()
            .is_ok_and(|o| o.status.success());
        if !exists {
            let s = Command::new("useradd")
                .args(["-m", TEST_USER])
                .status()
                .expect("useradd");
            assert!(s.success(), "useradd {TEST_USER} failed");
        }
    });
    Command::new("su")
        .args([TEST_USER, "-s", "/bin/bash", "-c", script])
        .output()
        .expect("su")
}

/// `makepkg --printsrcinfo` in `dir`, as an unprivileged user.
pub fn printsrcinfo(dir: &Path) -> String {
    chmod_all(dir);
    let out = unprivileged(&format!(
        "cd {} && PACMAN=true makepkg --printsrcinfo",
        sh(dir)
    ));
    assert!(
        out.status.success(),
        "makepkg --printsrcinfo failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 srcinfo")
}

/// Environment that lets an unprivileged user reach this machine's Rust toolchain.
pub fn toolchain_env() -> String {
    let cargo = which("cargo").expect("cargo on PATH");
    let bin = cargo.parent().expect("cargo's dir").to_path_buf();
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
        .expect("RUSTUP_HOME or HOME");
    if is_root() {
        // The toolchain usually lives under /root; let the test user traverse it.
        for dir in bin.ancestors().chain(rustup_home.ancestors()) {
            if dir == Path::new("/root") {
                let _ = Command::new("chmod").args(["o+x", "/root"]).status();
            }
        }
    }
    format!(
        "export PATH={}:$PATH RUSTUP_HOME={}",
        sh(&bin),
        sh(&rustup_home)
    )
}

pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// Single-quotes a path for a shell script.
pub fn sh(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run tool")
}

/// Runs git in `dir` hermetically (no global or system config, a fixed identity) and
/// returns its stdout; panics with git's stderr when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=rbee test",
            "-c",
            "user.email=test@rbee.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `vercmp A B`: -1, 0 or 1, from pacman's own comparison.
pub fn vercmp(a: &str, b: &str) -> i32 {
    let out = Command::new("vercmp")
        .args([a, b])
        .output()
        .expect("vercmp");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("vercmp prints a number")
}

/// The entries of a tarball with their modes: `(mode, path)`, via bsdtar.
pub fn tar_listing(tarball: &Path) -> Vec<(String, String)> {
    let out = Command::new("bsdtar")
        .arg("-tvf")
        .arg(tarball)
        .output()
        .expect("bsdtar");
    assert!(out.status.success(), "bsdtar -tvf {}", tarball.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mode = l.split_whitespace().next()?.to_string();
            let path = l.split_whitespace().last()?.to_string();
            Some((mode, path))
        })
        .collect()
}

/// The names in a `.tar.gz`, one per line as `bsdtar -tf` prints them (a directory with a
/// trailing `/`), read in-process with the `tar` crate: unlike [`tar_listing`], a test that
/// needs only the names needs no archiver on the host.
pub fn tar_names(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = String::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let mut name = entry.path().unwrap().to_string_lossy().into_owned();
        if entry.header().entry_type().is_dir() && !name.ends_with('/') {
            name.push('/');
        }
        out.push_str(&name);
        out.push('\n');
    }
    out
}

/// Unpacks the archive `from` into `into` (created) with bsdtar.
pub fn extract(from: &Path, into: &Path) {
    std::fs::create_dir_all(into).expect("create the directory");
    let ok = Command::new("bsdtar")
        .arg("-xf")
        .arg(from)
        .arg("-C")
        .arg(into)
        .status()
        .expect("bsdtar");
    assert!(ok.success(), "bsdtar -xf {}", from.display());
}
