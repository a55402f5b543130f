//! The contributor path (DESIGN §9): `test` builds, tests, installs and smoke-tests a
//! variant in a throwaway prefix; `--changed` selects what a commit touched, in a real git
//! repository; untrusted cargo steps run under the real bubblewrap.

use crate::support::{assert_success, q, stderr, stdout, toolchain_vars, Sandbox};
use crate::tools;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A copy of examples/bin/hello-worker at `rel`, named `name`, with `extra` appended to its
/// worker.toml.
fn hello(s: &Sandbox, rel: &str, name: &str, extra: &str) -> PathBuf {
    let dest = s.path(rel);
    let src = examples().join("bin/hello-worker");
    for f in ["worker.toml", "Cargo.toml", "Cargo.lock", "src/main.rs"] {
        let text = fs::read_to_string(src.join(f)).unwrap();
        // The crate's own tests name the package in its source.
        let text = if f == "src/main.rs" {
            text.replace("hello-worker", name)
        } else {
            text.replace("\"hello-worker\"", &q(name))
        };
        let to = dest.join(f);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, text).unwrap();
    }
    let toml = dest.join("worker.toml");
    let mut text = fs::read_to_string(&toml).unwrap();
    text.push_str(extra);
    fs::write(toml, text).unwrap();
    dest
}

fn run(s: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = s.cmd();
    for (k, v) in toolchain_vars() {
        cmd.env(k, v);
    }
    cmd.arg("--root").arg(s.root()).args(args);
    cmd.output().expect("run rbee-workers")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn results(out: &Output) -> Vec<(String, String)> {
    json(out)["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    tools::git(dir, args);
}

#[test]
fn test_passes_a_good_worker_fails_a_broken_one_and_skips_what_cannot_build_here() {
    if !tools::require("cargo", "test builds workers") {
        return;
    }
    let s = Sandbox::new();
    hello(&s, "bin/good", "good", "");
    // Its smoke command expects text the binary never prints.
    hello(
        &s,
        "bin/liar",
        "liar",
        "\n[test]\nsmoke = [\"{bin}\", \"--version\"]\nexpect = \"this is not printed\"\n",
    );
    let junit = s.path("out/junit.xml");
    let out = run(
        &s,
        &[
            "test",
            "good",
            "liar",
            "--no-sandbox",
            "--json",
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = results(&out);
    assert!(
        got.contains(&("good-cpu".into(), "passed".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("liar-cpu".into(), "failed".into())),
        "{got:?}"
    );
    // No nvcc on the child's PATH: cuda variants are skipped, with the reason.
    assert!(
        got.contains(&("good-cuda".into(), "skipped".into())),
        "{got:?}"
    );
    let doc = json(&out);
    let cuda = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "good-cuda")
        .unwrap();
    assert!(cuda["reason"].as_str().unwrap().contains("nvcc"), "{cuda}");
    let liar = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "liar-cpu")
        .unwrap();
    assert!(
        liar["reason"]
            .as_str()
            .unwrap()
            .contains("this is not printed"),
        "{liar}"
    );
    // The throwaway install touched neither the user's database nor ~/.local.
    assert!(!s.path(".xdg/data/rbee-workers/installed.json").exists());
    assert!(!s.path(".xdg/home/.local/bin/good-cpu").exists());
    // JUnit that a CI system reads: one suite per worker, one case per variant.
    let xml = fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
    if tools::which("python3").is_some() {
        let parsed = Command::new("python3")
            .args([
                "-c",
                "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])",
            ])
            .arg(&junit)
            .status()
            .unwrap();
        assert!(parsed.success(), "the JUnit file parses as XML");
    }
}

#[test]
fn a_crate_whose_tests_fail_fails_test() {
    if !tools::require("cargo", "test builds workers") {
        return;
    }
    let s = Sandbox::new();
    let dir = hello(&s, "bin/flaky", "flaky", "");
    let main = dir.join("src/main.rs");
    let mut text = fs::read_to_string(&main).unwrap();
    text.push_str("\n#[test]\nfn always_fails() { panic!(\"deliberately broken\"); }\n");
    fs::write(&main, text).unwrap();
    let out = run(&s, &["test", "flaky-cpu", "--no-sandbox"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAILED") && text.contains("flaky-cpu"),
        "{text}"
    );
    assert!(
        text.contains("deliberately broken"),
        "the log tail is shown: {text}"
    );
}

#[test]
fn changed_selects_exactly_the_workers_a_commit_touched() {
    let s = Sandbox::new();
    hello(&s, "bin/alpha", "alpha", "");
    hello(&s, "bin/beta", "beta", "");
    git(s.root(), &["init", "-q", "-b", "main"]);
    git(s.root(), &["add", "-A"]);
    git(s.root(), &["commit", "-q", "-m", "catalog"]);
    // A pull request adds a community worker and nothing else.
    hello(&s, "bin/community/gamma", "gamma", "");
    git(s.root(), &["add", "-A"]);
    git(s.root(), &["commit", "-q", "-m", "add gamma"]);
    let out = run(&s, &["check", "--changed", "HEAD~1", "--json"]);
    let doc = json(&out);
    assert_eq!(doc["checked"]["workers"], 1, "{doc}");
    // test --changed: only gamma's variants (cuda is skipped here, cpu is built).
    let out = run(
        &s,
        &["test", "--changed", "HEAD~1", "--no-sandbox", "--json"],
    );
    let ids: Vec<String> = results(&out).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["gamma-cpu", "gamma-cuda"], "{}", stderr(&out));
    // Nothing changed since HEAD: nothing selected is success.
    let out = run(&s, &["check", "--changed", "HEAD"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("nothing to check"),
        "{}",
        stderr(&out)
    );
    // A change to a worker's Cargo.lock selects it.
    let lock = s.path("bin/beta/Cargo.lock");
    let mut text = fs::read_to_string(&lock).unwrap();
    text.push('\n');
    fs::write(&lock, text).unwrap();
    git(s.root(), &["commit", "-q", "-am", "touch beta's lock"]);
    let doc = json(&run(&s, &["check", "--changed", "HEAD~1", "--json"]));
    assert_eq!(doc["checked"]["workers"], 1, "{doc}");
    // A REV that does not exist is a usage error.
    let out = run(&s, &["check", "--changed", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-rev"), "{}", stderr(&out));
}

#[test]
fn a_sandboxed_build_script_reaches_neither_home_nor_the_network() {
    if !tools::require("bwrap", "untrusted builds run under bubblewrap")
        || !tools::require("cargo", "test builds workers")
    {
        return;
    }
    let s = Sandbox::new();
    let home = s.path(".xdg/home");
    fs::create_dir_all(&home).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = hello(&s, "bin/community/sneaky", "sneaky", "");
    let pwned = home.join("pwned");
    fs::write(
        dir.join("build.rs"),
        format!(
            "fn main() {{\n    let home = std::env::var(\"HOME\").unwrap();\n    let _ = std::fs::write(format!(\"{{home}}/pwned-env\"), \"x\");\n    let _ = std::fs::write({:?}, \"x\");\n    let _ = std::net::TcpStream::connect(\"127.0.0.1:{port}\");\n}}\n",
            pwned.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = run(&s, &["test", "sneaky-cpu", "--json"]);
    let doc = json(&out);
    let r = &doc["results"][0];
    assert_eq!(r["status"], "passed", "{doc}\n{}", stderr(&out));
    assert_eq!(r["sandboxed"], true, "{doc}");
    assert!(!pwned.exists(), "the build script wrote into $HOME");
    assert!(!home.join("pwned-env").exists());
    assert!(
        listener.accept().is_err(),
        "the build script connected to a loopback listener"
    );
    // Unsandboxed, the same build script does both: the test above could fail. (Changed, so
    // cargo runs it again.)
    let script = fs::read_to_string(dir.join("build.rs")).unwrap();
    fs::write(dir.join("build.rs"), format!("// again\n{script}")).unwrap();
    let out = run(&s, &["test", "sneaky-cpu", "--no-sandbox"]);
    assert_success(&out);
    assert!(pwned.exists());
    assert!(listener.accept().is_ok());
}

#[test]
fn an_unverified_install_plan_says_whether_it_is_sandboxed() {
    let s = Sandbox::new();
    hello(&s, "bin/community/cw", "cw", "");
    let steps = |out: &Output| json(out)["plans"][0]["steps"].clone();
    if tools::which("bwrap").is_some() {
        let out = run(
            &s,
            &[
                "install",
                "cw-cpu",
                "--dry-run",
                "--json",
                "--backend",
                "cargo",
            ],
        );
        let st = steps(&out);
        let runs: Vec<&serde_json::Value> = st
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "run")
            .collect();
        assert_eq!(runs[0]["sandboxed"], false, "the fetch runs outside: {st}");
        assert_eq!(runs[1]["sandboxed"], true, "the build runs inside: {st}");
        assert!(runs[1]["command"]["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--unshare-net"));
    }
    // No bwrap: the plan says the build is not sandboxed.
    s.set_tool("bwrap", s.path("no/bwrap"));
    let out = run(
        &s,
        &[
            "install",
            "cw-cpu",
            "--dry-run",
            "--json",
            "--backend",
            "cargo",
        ],
    );
    let doc = json(&out);
    let checks = doc["plans"][0]["preflight"].to_string();
    assert!(checks.contains("not sandboxed"), "{checks}");
    // A bwrap that cannot start is an error, never a silent unsandboxed build.
    let fake = s.fake_tool(
        "bwrap",
        "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n",
    );
    s.set_tool("bwrap", &fake);
    let out = run(
        &s,
        &["install", "cw-cpu", "--noconfirm", "--backend", "cargo"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sandbox cannot start"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--no-sandbox"), "{}", stderr(&out));
}

#[test]
fn a_test_that_hangs_is_stopped_by_the_timeout_with_its_children() {
    if !tools::require("cargo", "test builds workers") {
        return;
    }
    let s = Sandbox::new();
    let marker = s.path("still-running");
    let dir = hello(&s, "bin/hang", "hang", "\n[test]\ntimeout = 20\n");
    let main = dir.join("src/main.rs");
    let mut text = fs::read_to_string(&main).unwrap();
    // The test starts a child that would outlive it, then hangs.
    text.push_str(&format!(
        "\n#[test]\nfn hangs() {{\n    std::process::Command::new(\"sh\").args([\"-c\", \"sleep 60; touch {}\"]).spawn().unwrap();\n    std::thread::sleep(std::time::Duration::from_secs(3600));\n}}\n",
        marker.display()
    ));
    fs::write(&main, text).unwrap();
    // Built first, so the 20 s bound the test step only.
    let out = run(&s, &["build", "hang-cpu", "--backend", "cargo"]);
    assert_success(&out);
    let started = std::time::Instant::now();
    let out = run(&s, &["test", "hang-cpu", "--no-sandbox", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let r = &doc["results"][0];
    assert_eq!(r["status"], "failed", "{doc}");
    assert!(
        r["reason"].as_str().unwrap().contains("timeout of 20s"),
        "{doc}"
    );
    assert!(started.elapsed().as_secs() < 55, "the timeout ended it");
    // The sleeping child was killed with the step: no process names the marker any more.
    let needle = marker.to_string_lossy().into_owned();
    let alive = fs::read_dir("/proc").unwrap().flatten().any(|e| {
        fs::read(e.path().join("cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
    });
    assert!(!alive, "a child of the hung test is still running");
}

fn new(s: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = s.cmd();
    cmd.arg("new").args(args);
    cmd.output().expect("run rbee-workers")
}

#[test]
fn new_writes_a_manifest_that_lists_renders_and_passes_check_and_never_overwrites() {
    let s = Sandbox::new();
    let dir = hello(&s, "bin/fresh", "fresh", "");
    fs::remove_file(dir.join("worker.toml")).unwrap();
    // No terminal to ask on, and no --noconfirm: nothing is written.
    let out = new(&s, &[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--noconfirm"), "{}", stderr(&out));
    assert!(!dir.join("worker.toml").exists());
    let out = new(&s, &[dir.to_str().unwrap(), "--noconfirm"]);
    assert_success(&out);
    let text = fs::read_to_string(dir.join("worker.toml")).unwrap();
    assert!(text.contains("id = \"fresh\""), "{text}");
    assert!(text.contains("features = [\"cpu\", \"cuda\"]"), "{text}");
    // What it wrote needs no hand edit: it lists, renders and passes the gate.
    let list = s.list();
    assert_eq!(list.ids(), ["fresh-cpu", "fresh-cuda"]);
    assert!(list.problems.is_empty(), "{:#?}", list.problems);
    assert_success(&s.run(&["pkgbuild", "fresh-cpu", "--flavor", "local"]));
    let out = s.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Never overwrites.
    fs::write(dir.join("worker.toml"), format!("{text}# mine\n")).unwrap();
    let out = new(&s, &[dir.to_str().unwrap(), "--noconfirm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );
    assert!(fs::read_to_string(dir.join("worker.toml"))
        .unwrap()
        .ends_with("# mine\n"));
}

#[test]
fn new_refuses_a_crate_without_features_or_bins_and_takes_bin_gating_features() {
    let s = Sandbox::new();
    let plain = s.write(
        "bin/plain/Cargo.toml",
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.write("bin/plain/src/main.rs", "fn main() {}\n");
    let dir = plain.parent().unwrap();
    let out = new(&s, &[dir.to_str().unwrap(), "--noconfirm"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no features"), "{}", stderr(&out));
    assert!(!dir.join("worker.toml").exists());
    let lib = s.write(
        "bin/lib/Cargo.toml",
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[features]\ncpu = []\n",
    );
    s.write("bin/lib/src/lib.rs", "\n");
    let out = new(
        &s,
        &[lib.parent().unwrap().to_str().unwrap(), "--noconfirm"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no binary target"),
        "{}",
        stderr(&out)
    );
    // Features that are no known backend: those that gate a bin.
    let gated = s.write(
        "bin/gated/Cargo.toml",
        "[package]\nname = \"gated\"\nversion = \"0.2.0\"\nedition = \"2021\"\ndescription = \"Gated bins\"\n\
         [features]\nfast = []\nslow = []\nextra = []\n\
         [[bin]]\nname = \"gated-fast\"\npath = \"src/fast.rs\"\nrequired-features = [\"fast\"]\n\
         [[bin]]\nname = \"gated-slow\"\npath = \"src/slow.rs\"\nrequired-features = [\"slow\"]\n",
    );
    s.write("bin/gated/src/fast.rs", "fn main() {}\n");
    s.write("bin/gated/src/slow.rs", "fn main() {}\n");
    let out = new(
        &s,
        &[gated.parent().unwrap().to_str().unwrap(), "--noconfirm"],
    );
    let text = fs::read_to_string(gated.parent().unwrap().join("worker.toml")).unwrap();
    assert!(
        text.contains("features = [\"fast\", \"slow\"]"),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(text.contains("description = \"Gated bins\""), "{text}");
    assert!(s.list().ids().contains(&"gated-fast".to_string()));
}
