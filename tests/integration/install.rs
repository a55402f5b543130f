//! build, install, upgrade, remove and verify through the real CLI, with real `cargo` builds
//! of the bundled `hello-worker` (cpu and cuda variants) into temp prefixes, the real
//! `makepkg` as an unprivileged user, and a fake `brew` on the child's PATH.
//!
//! Every command runs with the sandbox's XDG dirs and HOME; because HOME moves, the children
//! get this process's `RUSTUP_HOME`/`CARGO_HOME` so the rustup proxies still find the
//! toolchain.

use crate::support::{
    assert_success, parse_catalog, stderr, stdout, toolchain_vars, write_file, Sandbox,
};
use crate::tools;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The test bed
// ---------------------------------------------------------------------------------------------

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A sandbox whose catalog is either the bundled examples (read-only use) or copies of
/// `hello-worker` inside the sandbox (tests that change the source).
pub(crate) struct Bed {
    pub(crate) s: Sandbox,
    pub(crate) root: PathBuf,
}

impl Bed {
    /// The bundled examples as the catalog; nothing under them is written. The child's PATH
    /// has a (fake) CUDA toolkit, so cuda variants pass their pre-flight and build (the
    /// example's cuda feature compiles without it).
    fn examples() -> Self {
        let bed = Self::examples_without_toolkit();
        bed.s.on_path("nvcc", "echo 'nvcc: fake'");
        bed
    }

    /// The bundled examples, on a host with no CUDA toolkit on the child's PATH.
    fn examples_without_toolkit() -> Self {
        Bed {
            s: Sandbox::new(),
            root: examples(),
        }
    }

    /// A sandbox catalog holding a copy of hello-worker at `bin/hello-worker`.
    pub(crate) fn copy() -> Self {
        let s = Sandbox::new();
        s.on_path("nvcc", "echo 'nvcc: fake'");
        let root = s.root().to_path_buf();
        let bed = Bed { s, root };
        bed.hello("bin/hello-worker", "hello-worker");
        bed
    }

    /// Copies examples/bin/hello-worker to `rel`, renamed to `name` (worker id, package name
    /// and Cargo.lock entry), so its variants are `{name}-cpu` and `{name}-cuda`.
    pub(crate) fn hello(&self, rel: &str, name: &str) -> PathBuf {
        let dest = self.s.path(rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let status = Command::new("cp")
            .arg("-a")
            .arg(examples().join("bin/hello-worker"))
            .arg(&dest)
            .status()
            .unwrap();
        assert!(status.success(), "cp -a hello-worker");
        let _ = fs::remove_dir_all(dest.join("target"));
        if name != "hello-worker" {
            for file in ["worker.toml", "Cargo.toml", "Cargo.lock"] {
                let p = dest.join(file);
                let text = fs::read_to_string(&p).unwrap();
                assert!(
                    text.contains("\"hello-worker\""),
                    "{file} names hello-worker"
                );
                fs::write(&p, text.replace("\"hello-worker\"", &format!("\"{name}\""))).unwrap();
            }
        }
        dest
    }

    /// `rbee-workers --root ROOT` with the sandbox environment and the real toolchain.
    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.s.cmd();
        for (k, v) in toolchain_vars() {
            cmd.env(k, v);
        }
        cmd.arg("--root").arg(&self.root);
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run rbee-workers")
    }

    fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = self.cmd();
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args).output().expect("run rbee-workers")
    }

    /// The same command as `cmd()`, as a std Command (to spawn and signal it).
    fn std_cmd(&self) -> Command {
        let c = self.cmd();
        let mut std = Command::new(c.get_program());
        std.args(c.get_args());
        for (k, v) in c.get_envs() {
            match v {
                Some(v) => std.env(k, v),
                None => std.env_remove(k),
            };
        }
        if let Some(d) = c.get_current_dir() {
            std.current_dir(d);
        }
        std
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.s.path(rel)
    }

    fn home(&self) -> PathBuf {
        self.s.path(".xdg/home")
    }

    fn data(&self) -> PathBuf {
        self.s.path(".xdg/data/rbee-workers")
    }

    fn cache(&self) -> PathBuf {
        self.s.path(".xdg/cache/rbee-workers")
    }

    fn db_path(&self) -> PathBuf {
        self.data().join("installed.json")
    }

    pub(crate) fn db_bytes(&self) -> Vec<u8> {
        fs::read(self.db_path()).unwrap_or_default()
    }

    fn db(&self) -> Db {
        parse_db(&self.db_bytes())
    }
}

// ---------------------------------------------------------------------------------------------
// The installed database, read independently of the crate's own types
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Db {
    schema: u32,
    installed: BTreeMap<String, Rec>,
    #[serde(default)]
    journal: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Rec {
    id: String,
    worker: String,
    feature: String,
    version: String,
    backend: String,
    flavor: String,
    source: String,
    files: Vec<FileRec>,
    #[serde(default)]
    git_commit: Option<String>,
    installed_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct FileRec {
    path: PathBuf,
    sha256: String,
}

fn parse_db(bytes: &[u8]) -> Db {
    let db: Db = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "installed.json does not parse ({e}):\n{}",
            String::from_utf8_lossy(bytes)
        )
    });
    assert_eq!(db.schema, 1, "installed.json schema");
    db
}

impl Db {
    fn rec(&self, id: &str) -> &Rec {
        self.installed
            .get(id)
            .unwrap_or_else(|| panic!("no `{id}` in the database: {self:#?}"))
    }

    fn ids(&self) -> Vec<&str> {
        self.installed.keys().map(String::as_str).collect()
    }
}

fn sha256_hex(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    Some(
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Every record's files exist and hash to what was recorded; no journal is pending.
fn assert_db_matches_disk(db: &Db) {
    assert!(db.journal.is_empty(), "a journal is left: {db:#?}");
    for r in db.installed.values() {
        assert_eq!(r.id, format!("{}-{}", r.worker, r.feature), "{r:?}");
        assert!(!r.files.is_empty(), "{} records no files", r.id);
        for f in &r.files {
            match sha256_hex(&f.path) {
                Some(sha) => assert_eq!(
                    sha,
                    f.sha256,
                    "{} of {} does not match its record",
                    f.path.display(),
                    r.id
                ),
                None => panic!("{} of {} is missing", f.path.display(), r.id),
            }
        }
    }
}

/// `BIN --version`, trimmed.
fn version_of(bin: &Path) -> String {
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} --version failed: {}",
        bin.display(),
        stderr(&out)
    );
    stdout(&out).trim().to_string()
}

/// Sets the crate version in `dir`'s Cargo.toml and Cargo.lock (builds use `--locked`).
fn set_version(dir: &Path, from: &str, to: &str) {
    for file in ["Cargo.toml", "Cargo.lock"] {
        let p = dir.join(file);
        let text = fs::read_to_string(&p).unwrap();
        let old = format!("version = \"{from}\"");
        assert!(text.contains(&old), "{} has no `{old}`", p.display());
        fs::write(&p, text.replacen(&old, &format!("version = \"{to}\""), 1)).unwrap();
    }
}

fn json(out: &Output) -> serde_json::Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

fn assert_fails(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// File names in `dir`, sorted (empty when it doesn't exist).
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `CARGO_TARGET_DIR=…` of the command a build log starts with (`$ cd … && VAR=… cargo …`).
fn target_dir_in_log(log: &Path) -> PathBuf {
    let text = fs::read_to_string(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let first = text.lines().next().unwrap_or_default();
    let value = first
        .split_whitespace()
        .find_map(|t| t.strip_prefix("CARGO_TARGET_DIR="))
        .unwrap_or_else(|| panic!("no CARGO_TARGET_DIR in the log's command: {first}"));
    PathBuf::from(value.trim_matches('\''))
}

/// Sends `signal` to the process (or with `group`, its whole process group) `pid`.
fn signal(pid: u32, sig: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let _ = Command::new("kill")
        .args([&format!("-{sig}"), "--", &target])
        .stderr(Stdio::null())
        .status();
}

/// Arguments as `CommandSpec::display` shows them: plain words stay bare.
fn shown(args: &[&str]) -> String {
    args.join(" ")
}

/// splitmix64: a tiny deterministic PRNG.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// cargo backend: install, variants, target dir
// ---------------------------------------------------------------------------------------------

#[test]
fn cpu_and_cuda_install_into_a_prefix_run_and_share_the_worker_target_dir() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "hello-worker-cuda",
        "--prefix",
        p,
        "--json",
    ]);
    let doc = json(&out);
    assert_eq!(doc["schema"], 1);
    let results = doc["results"].as_array().expect("results");
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hello-worker-cpu", "hello-worker-cuda"]);
    // The progress counter numbers the commands each plan runs and reaches its total.
    let err = stderr(&out);
    for id in ids.iter() {
        let counters: Vec<&str> = err
            .lines()
            .filter_map(|l| l.strip_prefix("==> ["))
            .filter(|l| l.contains(&format!("] {id}: ")))
            .collect();
        let total = counters.len();
        assert!(total > 0, "no progress lines for {id}:\n{err}");
        for (n, line) in counters.iter().enumerate() {
            assert!(
                line.starts_with(&format!("{}/{total}] ", n + 1)),
                "{id}: step {} of {total} reads {line}",
                n + 1
            );
        }
    }
    for (r, feature) in results.iter().zip(["cpu", "cuda"]) {
        let bin = prefix.join("bin").join(format!("hello-worker-{feature}"));
        assert_eq!(r["version"], "0.1.0");
        assert_eq!(r["backend"], "cargo");
        assert_eq!(r["files"], serde_json::json!([bin]));
        assert!(
            r.get("reason").is_none(),
            "a variant id needs no reason: {r}"
        );
        assert_eq!(version_of(&bin), format!("hello-worker 0.1.0 ({feature})"));
    }
    assert_eq!(
        names_in(&prefix.join("bin")),
        ["hello-worker-cpu", "hello-worker-cuda"],
        "exactly the two binaries, no temp files"
    );

    // list --installed: both, with `installed` filled in.
    let mut cmd = bed.cmd();
    cmd.args(["list", "--installed", "--json"]);
    let out = cmd.output().unwrap();
    assert_success(&out);
    let list = parse_catalog(&out.stdout);
    assert_eq!(list.ids(), ["hello-worker-cpu", "hello-worker-cuda"]);
    for feature in ["cpu", "cuda"] {
        let id = format!("hello-worker-{feature}");
        let inst = list
            .variant(&id)
            .installed
            .as_ref()
            .unwrap_or_else(|| panic!("{id} has no `installed`"));
        assert_eq!(inst.version, "0.1.0");
        assert_eq!(inst.backend, "cargo");
        assert_eq!(inst.flavor, "local");
        assert_eq!(
            PathBuf::from(&inst.path),
            prefix.join("bin").join(&id),
            "installed.path"
        );
    }

    // The database agrees with the disk and records everything DESIGN lists.
    let db = bed.db();
    assert_eq!(db.ids(), ["hello-worker-cpu", "hello-worker-cuda"]);
    assert_db_matches_disk(&db);
    let cpu = db.rec("hello-worker-cpu");
    assert_eq!(
        (
            cpu.worker.as_str(),
            cpu.feature.as_str(),
            cpu.version.as_str()
        ),
        ("hello-worker", "cpu", "0.1.0")
    );
    assert_eq!(cpu.source, "local");
    assert!(cpu.git_commit.is_none());
    assert!(
        cpu.installed_at > 1_600_000_000,
        "installed_at is epoch seconds"
    );

    // Both variants built in the one target dir of the worker.
    let logs = bed.cache().join("logs");
    let cpu_dir = target_dir_in_log(&logs.join("hello-worker-cpu.log"));
    let cuda_dir = target_dir_in_log(&logs.join("hello-worker-cuda.log"));
    assert_eq!(cpu_dir, cuda_dir, "the variants share CARGO_TARGET_DIR");
    assert_eq!(cpu_dir, bed.cache().join("target/hello-worker"));
    assert_eq!(names_in(&bed.cache().join("target")), ["hello-worker"]);
    let binaries = names_in(&cpu_dir.join("release/deps"))
        .into_iter()
        .filter(|n| n.starts_with("hello_worker-") && !n.ends_with(".d"))
        .count();
    assert_eq!(
        binaries, 2,
        "one compiled binary per variant in the shared dir"
    );
}

#[test]
fn a_bare_worker_id_installs_the_variant_rbee_workers_gpu_picks() {
    let bed = Bed::examples();
    let local_bin = bed.home().join(".local/bin");
    for (gpu, want, why) in [
        ("cuda", "hello-worker-cuda", "RBEE_WORKERS_GPU=cuda"),
        ("none", "hello-worker-cpu", "no GPU detected"),
        ("rocm", "hello-worker-cpu", "cpu"),
    ] {
        let out = bed.run_env(
            &[("RBEE_WORKERS_GPU", gpu)],
            &["install", "hello-worker", "--json"],
        );
        let doc = json(&out);
        let results = doc["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{doc}");
        assert_eq!(results[0]["id"], want, "RBEE_WORKERS_GPU={gpu}: {doc}");
        let reason = results[0]["reason"]
            .as_str()
            .unwrap_or_else(|| panic!("--json carries no reason under {gpu}: {doc}"));
        assert!(reason.contains(why), "reason under {gpu}: {reason}");
        // The text on stderr says which and why.
        assert!(
            stderr(&out).contains(&format!("installing {want} (")),
            "{}",
            stderr(&out)
        );
        // Default prefix: ~/.local.
        let bin = local_bin.join(want);
        assert_eq!(results[0]["files"], serde_json::json!([bin]));
        let feature = want.rsplit('-').next().unwrap();
        assert_eq!(version_of(&bin), format!("hello-worker 0.1.0 ({feature})"));
    }
    assert_db_matches_disk(&bed.db());
    assert_eq!(bed.db().ids(), ["hello-worker-cpu", "hello-worker-cuda"]);
}

#[test]
fn dry_run_prints_the_exact_plan_and_creates_nothing() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let dir = examples().join("bin/hello-worker");
    let target = bed.cache().join("target/hello-worker");
    let args = |feature: &str| -> Vec<String> {
        // Builds of the user's own tree are not --locked: a version bump updates the lock.
        [
            "build",
            "--release",
            "--no-default-features",
            "--features",
            feature,
            "-p",
            "hello-worker",
            "--bin",
            "hello-worker",
            "--manifest-path",
            dir.join("Cargo.toml").to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };

    // Text.
    let out = bed.run_env(
        &[("RBEE_WORKERS_GPU", "cuda")],
        &["install", "hello-worker", "--prefix", p, "--dry-run"],
    );
    assert_success(&out);
    let text = stdout(&out);
    let cuda_args = args("cuda");
    let command = format!(
        "cd {} && CARGO_TARGET_DIR={} cargo {}",
        dir.display(),
        target.display(),
        shown(&cuda_args.iter().map(String::as_str).collect::<Vec<_>>())
    );
    assert!(
        text.contains(&format!("1. build hello-worker-cuda: {command}\n")),
        "the exact cargo command:\n{text}\nwanted: {command}"
    );
    assert!(
        text.contains("==> hello-worker-cuda 0.1.0 (cargo backend"),
        "{text}"
    );
    assert!(
        text.contains("picked because: RBEE_WORKERS_GPU=cuda"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "2. install {} as {}",
            target.join("release/hello-worker").display(),
            prefix.join("bin/hello-worker-cuda").display()
        )),
        "{text}"
    );
    assert!(text.contains("dry run"), "{text}");

    // JSON.
    let out = bed.run(&[
        "install",
        "hello-worker",
        "--prefix",
        p,
        "--dry-run",
        "--json",
    ]);
    let doc = json(&out);
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["dry_run"], true);
    let plans = doc["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 1);
    let plan = &plans[0];
    assert_eq!(plan["id"], "hello-worker-cpu");
    assert_eq!(plan["backend"]["name"], "cargo");
    assert_eq!(plan["version"], "0.1.0");
    assert!(
        plan["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no GPU")),
        "{plan}"
    );
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{plan}");
    assert_eq!(steps[0]["kind"], "run");
    let cmd = &steps[0]["command"];
    assert_eq!(cmd["program"], "cargo");
    assert_eq!(cmd["args"], serde_json::json!(args("cpu")));
    assert_eq!(cmd["cwd"], serde_json::json!(dir));
    assert_eq!(
        cmd["env"],
        serde_json::json!({ "CARGO_TARGET_DIR": target })
    );
    assert_eq!(steps[1]["kind"], "install");
    assert_eq!(
        steps[1]["from"],
        serde_json::json!(target.join("release/hello-worker"))
    );
    assert_eq!(
        steps[1]["to"],
        serde_json::json!(prefix.join("bin/hello-worker-cpu"))
    );

    // build --dry-run: the build step only.
    let out = bed.run(&["build", "hello-worker-cuda", "--dry-run", "--json"]);
    let doc = json(&out);
    let steps = doc["plans"][0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "{doc}");
    assert_eq!(steps[0]["command"]["args"], serde_json::json!(args("cuda")));

    // Nothing ran: no prefix, no database, no target dir, no logs.
    assert!(!prefix.exists(), "the prefix was created");
    assert!(!bed.home().join(".local").exists());
    assert!(!bed.db_path().exists(), "a database was written");
    assert!(!bed.data().join("installed.lock").exists());
    assert!(!bed.cache().join("target").exists(), "something was built");
    assert!(!bed.cache().join("logs").exists(), "something was run");
    assert!(!dir.join("target").exists());
}

// ---------------------------------------------------------------------------------------------
// upgrade
// ---------------------------------------------------------------------------------------------

#[test]
fn upgrade_rebuilds_only_the_bumped_worker_then_has_nothing_to_do() {
    let bed = Bed::copy();
    bed.hello("bin/hello-b", "hello-b");
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "hello-b-cpu", "--prefix", p]));
    let before = bed.db();
    let b_bin = prefix.join("bin/hello-b-cpu");
    let b_meta = fs::metadata(&b_bin).unwrap();
    let b_log = bed.cache().join("logs/hello-b-cpu.log");
    let b_log_mtime = fs::metadata(&b_log).unwrap().modified().unwrap();
    // installed_at has one-second resolution.
    std::thread::sleep(Duration::from_millis(1100));

    set_version(&bed.path("bin/hello-worker"), "0.1.0", "0.1.1");

    // --dry-run: shows the change and the plan, changes nothing.
    let db_bytes = bed.db_bytes();
    let out = bed.run(&["upgrade", "--dry-run"]);
    assert_success(&out);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("hello-worker-cpu 0.1.0 -> 0.1.1"), "{all}");
    assert!(
        stdout(&out).contains(&shown(&[
            "--features",
            "cpu",
            "-p",
            "hello-worker",
            "--bin",
            "hello-worker",
            "--manifest-path"
        ])),
        "{all}"
    );
    assert!(!all.contains("hello-b-cpu 0.1.0 ->"), "{all}");
    assert_eq!(bed.db_bytes(), db_bytes, "--dry-run changed the database");
    assert_eq!(
        version_of(&prefix.join("bin/hello-worker-cpu")),
        "hello-worker 0.1.0 (cpu)"
    );

    let out = bed.run(&["upgrade"]);
    assert_success(&out);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("hello-worker-cpu 0.1.0 -> 0.1.1"), "{all}");
    assert!(
        !stderr(&out).contains("-p hello-b"),
        "hello-b was rebuilt:\n{all}"
    );
    assert_eq!(
        version_of(&prefix.join("bin/hello-worker-cpu")),
        "hello-worker 0.1.1 (cpu)"
    );
    let after = bed.db();
    assert_db_matches_disk(&after);
    let new = after.rec("hello-worker-cpu");
    let old = before.rec("hello-worker-cpu");
    assert_eq!(new.version, "0.1.1");
    assert!(new.installed_at > old.installed_at, "{old:?} -> {new:?}");
    assert_ne!(new.files[0].sha256, old.files[0].sha256);
    // hello-b: untouched — same record, same file, no new build log.
    assert_eq!(after.rec("hello-b-cpu"), before.rec("hello-b-cpu"));
    let b_meta2 = fs::metadata(&b_bin).unwrap();
    assert_eq!(
        (b_meta2.ino(), b_meta2.mtime(), b_meta2.mtime_nsec()),
        (b_meta.ino(), b_meta.mtime(), b_meta.mtime_nsec()),
        "hello-b-cpu's binary was replaced"
    );
    assert_eq!(
        fs::metadata(&b_log).unwrap().modified().unwrap(),
        b_log_mtime,
        "hello-b-cpu was built again"
    );

    // Again: nothing to do, nothing changes.
    let db_bytes = bed.db_bytes();
    let out = bed.run(&["upgrade"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("nothing to upgrade"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("cargo build"), "{}", stderr(&out));
    let out = bed.run(&["upgrade", "--json"]);
    let doc = json(&out);
    assert_eq!(doc["results"], serde_json::json!([]));
    assert_eq!(bed.db_bytes(), db_bytes);
}

// ---------------------------------------------------------------------------------------------
// verify, remove
// ---------------------------------------------------------------------------------------------

#[test]
fn verify_names_modified_and_missing_files() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p]));
    let bin = prefix.join("bin/hello-worker-cpu");

    let out = bed.run(&["verify"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains(&bin.display().to_string()),
        "{}",
        stdout(&out)
    );

    // One byte appended.
    let mut bytes = fs::read(&bin).unwrap();
    bytes.push(0);
    fs::write(&bin, &bytes).unwrap();
    let out = bed.run(&["verify"]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains(&bin.display().to_string()), "{err}");
    assert!(err.contains("modified"), "{err}");

    // Gone.
    fs::remove_file(&bin).unwrap();
    let out = bed.run(&["verify"]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains(&bin.display().to_string()), "{err}");
    assert!(err.contains("missing"), "{err}");
}

/// `--json` prints one document on stdout, also when verify finds a changed file.
#[test]
fn verify_json_is_one_document_when_a_file_changed() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p]));
    let bin = prefix.join("bin/hello-worker-cpu");
    let mut bytes = fs::read(&bin).unwrap();
    bytes.push(0);
    fs::write(&bin, &bytes).unwrap();
    let out = bed.run(&["verify", "--json"]);
    assert_fails(&out, 1);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(&out)));
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["files"][0]["status"], "modified");
    assert_eq!(doc["files"][0]["path"], serde_json::json!(bin));
}

#[test]
fn remove_asks_first_then_deletes_exactly_the_recorded_files() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&[
        "install",
        "hello-worker-cpu",
        "hello-worker-cuda",
        "--prefix",
        p,
    ]));
    let bin = prefix.join("bin");
    write_file(&bin.join("other-tool"), "#!/bin/sh\n");
    write_file(&bin.join(".hello-worker-cpu.keep"), "mine\n");
    write_file(&prefix.join("share/hello-worker-cpu"), "not recorded\n");
    let cpu = bin.join("hello-worker-cpu");
    let cuda = bin.join("hello-worker-cuda");
    let db_before = bed.db_bytes();

    // No terminal, no --noconfirm: refuses, removes nothing.
    let out = bed.run(&["remove", "hello-worker-cpu"]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("--noconfirm"), "{err}");
    assert!(err.contains("terminal"), "{err}");
    assert!(cpu.exists() && cuda.exists());
    assert_eq!(bed.db_bytes(), db_before);

    // --dry-run: says what it would delete, deletes nothing.
    let out = bed.run(&["remove", "hello-worker-cpu", "--dry-run"]);
    assert_success(&out);
    assert!(
        stdout(&out).contains(&format!("delete {}", cpu.display())),
        "{}",
        stdout(&out)
    );
    assert!(cpu.exists());
    assert_eq!(bed.db_bytes(), db_before);

    // --noconfirm: exactly the recorded file goes.
    let out = bed.run(&["remove", "hello-worker-cpu", "--noconfirm"]);
    assert_success(&out);
    assert!(!cpu.exists());
    assert_eq!(
        names_in(&bin),
        [".hello-worker-cpu.keep", "hello-worker-cuda", "other-tool"]
    );
    assert!(prefix.join("share/hello-worker-cpu").exists());
    let db = bed.db();
    assert_eq!(db.ids(), ["hello-worker-cuda"]);
    assert_db_matches_disk(&db);

    // The worker id removes its remaining variant.
    let out = bed.run(&["remove", "hello-worker", "--noconfirm"]);
    assert_success(&out);
    assert_eq!(names_in(&bin), [".hello-worker-cpu.keep", "other-tool"]);
    assert!(bed.db().installed.is_empty());
    assert_success(&bed.run(&["verify"]));
}

// ---------------------------------------------------------------------------------------------
// Faults: a failing build, concurrency, SIGKILL, SIGINT
// ---------------------------------------------------------------------------------------------

#[test]
fn a_build_that_fails_to_compile_keeps_the_previous_install_and_shows_the_error() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p]));
    let bin = prefix.join("bin/hello-worker-cpu");
    let bin_before = fs::read(&bin).unwrap();
    let db_before = bed.db_bytes();
    let names_before = names_in(&prefix.join("bin"));

    let src = bed.path("bin/hello-worker");
    fs::write(
        src.join("src/main.rs"),
        "fn main() {\n    let rbee_broken: u32 = \"rbee-broken-build\";\n}\n",
    )
    .unwrap();
    set_version(&src, "0.1.0", "0.1.1");

    for args in [
        vec!["upgrade"],
        vec!["install", "hello-worker-cpu", "--prefix", p],
    ] {
        let out = bed.run(&args);
        assert_fails(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("error[E0308]"),
            "{args:?}: no compiler error in:\n{err}"
        );
        assert!(err.contains("rbee-broken-build"), "{args:?}:\n{err}");
        assert!(err.contains("could not compile"), "{args:?}:\n{err}");
        assert_eq!(
            fs::read(&bin).unwrap(),
            bin_before,
            "{args:?} touched the binary"
        );
        assert_eq!(bed.db_bytes(), db_before, "{args:?} touched the database");
        assert_eq!(names_in(&prefix.join("bin")), names_before, "{args:?}");
    }
    assert_eq!(version_of(&bin), "hello-worker 0.1.0 (cpu)");
    assert_success(&bed.run(&["verify"]));
}

/// Eight installs at once (four workers × cpu/cuda, two prefixes, one database and cache):
/// all succeed, and the database holds all eight, matching the disk. Then the same eight
/// again with the prefixes swapped, with warm builds so the commits pile up: each install
/// moves its record and deletes its old file, and no update is lost.
#[test]
fn eight_concurrent_installs_leave_a_consistent_database() {
    let s = Sandbox::new();
    s.on_path("nvcc", "echo 'nvcc: fake'");
    let bed = Bed {
        root: s.root().to_path_buf(),
        s,
    };
    let workers = ["hello-a", "hello-b", "hello-c", "hello-d"];
    for w in workers {
        bed.hello(&format!("bin/{w}"), w);
    }
    let prefixes = [bed.path("p1"), bed.path("p2")];
    for round in 0..2 {
        let mut jobs = Vec::new();
        for i in 0..8 {
            let worker = workers[i / 2];
            let feature = ["cpu", "cuda"][i % 2];
            let prefix = &prefixes[(i / 2 + round) % 2];
            let id = format!("{worker}-{feature}");
            let child = bed
                .std_cmd()
                .args(["install", &id, "--prefix"])
                .arg(prefix)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            jobs.push((id, prefix.clone(), child));
        }
        let mut installed = Vec::new();
        for (id, prefix, child) in jobs {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: install {id} failed:\n{}",
                stderr(&out)
            );
            installed.push((id, prefix));
        }
        let db = bed.db();
        let mut want: Vec<&str> = installed.iter().map(|(id, _)| id.as_str()).collect();
        want.sort();
        assert_eq!(db.ids(), want, "round {round}");
        assert_db_matches_disk(&db);
        for (id, prefix) in &installed {
            let bin = prefix.join("bin").join(id);
            assert_eq!(db.rec(id).files[0].path, bin, "round {round}");
        }
        // Each prefix holds exactly what the database says it holds: no temp files, and
        // after the swap no file of the previous round.
        for prefix in &prefixes {
            let mut want: Vec<String> = installed
                .iter()
                .filter(|(_, p)| p == prefix)
                .map(|(id, _)| id.clone())
                .collect();
            want.sort();
            assert_eq!(names_in(&prefix.join("bin")), want, "round {round}");
        }
    }
}

/// Concurrent installs of the cpu and cuda variants of one worker share its target dir; each
/// must still install the binary of its own feature. Repeated a few rounds, since the window
/// (between one process's build finishing and its copy of `target/release/<bin>`) is short.
#[test]
fn concurrent_variant_installs_each_get_their_own_feature() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    for round in 0..6 {
        let children: Vec<_> = ["cpu", "cuda", "cpu", "cuda"]
            .iter()
            .map(|feature| {
                let child = bed
                    .std_cmd()
                    .args(["install", &format!("hello-worker-{feature}"), "--prefix"])
                    .arg(&prefix)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                (feature, child)
            })
            .collect();
        for (feature, child) in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{feature}: {}", stderr(&out));
        }
        let db = bed.db();
        assert_db_matches_disk(&db);
        for feature in ["cpu", "cuda"] {
            let id = format!("hello-worker-{feature}");
            let bin = &db.rec(&id).files[0].path;
            assert_eq!(
                version_of(bin),
                format!("hello-worker 0.1.0 ({feature})"),
                "round {round}: {} holds the wrong variant",
                bin.display()
            );
        }
    }
}

/// An install or upgrade killed with SIGKILL (with its builds) at random moments: after each
/// kill, `verify` (which settles an interrupted change under the lock) passes, and the
/// database parses and matches the disk, binaries included. Half the kills land 0–1500 ms
/// after the start; the other half 0–60 ms after a staged binary appears in the prefix, so
/// the smoke test and the commit (database, rename, journal) get hit too.
#[test]
fn sigkill_at_random_moments_leaves_a_database_that_matches_the_disk() {
    const ROUNDS: u64 = 16;
    let start = Instant::now();
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let bin_dir = prefix.join("bin");
    let p = prefix.to_str().unwrap().to_string();
    let src = bed.path("bin/hello-worker");
    assert_success(&bed.run(&[
        "install",
        "hello-worker-cpu",
        "hello-worker-cuda",
        "--prefix",
        &p,
    ]));
    let temp_files = |dir: &Path| -> Vec<String> {
        names_in(dir)
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    let (mut journals, mut finished) = (0, 0);
    let mut version = "0.1.0".to_string();
    for i in 0..ROUNDS {
        let next = format!("0.1.{}", i + 1);
        set_version(&src, &version, &next);
        version = next;
        let args: Vec<&str> = if i % 4 < 2 {
            vec!["upgrade"]
        } else {
            vec![
                "install",
                "hello-worker-cpu",
                "hello-worker-cuda",
                "--prefix",
                &p,
            ]
        };
        let random = splitmix64(0x5eed_0000 + i);
        // What the kill waits for, then how long after it.
        let (moment, delay) = match i % 4 {
            1 => ("a staged binary appeared", random % 60),
            3 => ("the database showed a journal", 0),
            _ => ("the start", random % 1500),
        };
        let delay = Duration::from_millis(delay);
        let stale = temp_files(&bin_dir);
        let mut child = bed
            .std_cmd()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let waiting = |child: &mut std::process::Child| {
            Instant::now() < deadline && child.try_wait().unwrap().is_none()
        };
        match i % 4 {
            1 => {
                while temp_files(&bin_dir) == stale && waiting(&mut child) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            3 => {
                while waiting(&mut child)
                    && !fs::read(bed.db_path())
                        .is_ok_and(|b| String::from_utf8_lossy(&b).contains("\"journal\""))
                {
                }
            }
            _ => {}
        }
        std::thread::sleep(delay);
        let done = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        // And the rest of its group: cargo and rustc die with it.
        signal(child.id(), "KILL", true);
        let _ = child.wait();
        if done {
            finished += 1;
        }
        if let Ok(bytes) = fs::read(bed.db_path()) {
            if !parse_db(&bytes).journal.is_empty() {
                journals += 1;
            }
        }
        let out = bed.run(&["verify"]);
        let how = format!("{delay:?} after {moment}");
        assert!(
            out.status.success(),
            "round {i} ({args:?} killed {how}): verify failed\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        );
        let db = bed.db();
        assert_eq!(db.ids(), ["hello-worker-cpu", "hello-worker-cuda"]);
        assert_db_matches_disk(&db);
        for r in db.installed.values() {
            assert_eq!(
                version_of(&r.files[0].path),
                format!("hello-worker {} ({})", r.version, r.feature),
                "round {i} ({args:?} killed {how}): the binary is not what {} records",
                r.id
            );
        }
    }
    let leftovers = temp_files(&bin_dir);
    eprintln!(
        "sigkill loop: {finished} of {ROUNDS} runs had finished before the kill, {journals} left a \
         journal to replay, {} staged temp files left in the prefix, {:?}",
        leftovers.len(),
        start.elapsed()
    );
    // Still usable afterwards.
    assert_success(&bed.run(&["upgrade"]));
    let db = bed.db();
    assert_db_matches_disk(&db);
    assert!(
        db.installed.values().all(|r| r.version == version),
        "{db:#?}"
    );
}

/// Ctrl-C during a build: the build stops, exit 130, nothing installed, no temp files.
#[test]
fn sigint_during_a_build_exits_130_and_installs_nothing() {
    let bed = Bed::copy();
    // A build script that takes long enough to be interrupted.
    write_file(
        &bed.path("bin/hello-worker/build.rs"),
        "fn main() { std::thread::sleep(std::time::Duration::from_secs(30)); }\n",
    );
    let prefix = bed.path("prefix");
    let mut child = bed
        .std_cmd()
        .args(["install", "hello-worker-cpu", "--prefix"])
        .arg(&prefix)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let log = bed.cache().join("logs/hello-worker-cpu.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !log.exists() {
        assert!(Instant::now() < deadline, "the build never started");
        assert!(child.try_wait().unwrap().is_none(), "install ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    signal(child.id(), "INT", false);
    let mut code = None;
    while sent.elapsed() < Duration::from_secs(10) {
        if let Some(status) = child.try_wait().unwrap() {
            code = Some(status.code());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let waited = sent.elapsed();
    // Clean up the group (the build script's sleep) whatever happened.
    signal(child.id(), "KILL", true);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        code,
        Some(Some(130)),
        "after {waited:?}\nstderr:\n{}",
        stderr(&out)
    );
    assert!(
        waited < Duration::from_secs(5),
        "took {waited:?} to stop the build"
    );
    assert!(!prefix.join("bin/hello-worker-cpu").exists());
    assert!(
        names_in(&prefix.join("bin")).is_empty(),
        "{:?}",
        names_in(&prefix.join("bin"))
    );
    assert!(!bed.db_path().exists() || bed.db().installed.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Review of unverified workers
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unverified_worker_is_reviewed_and_needs_noconfirm_without_a_terminal() {
    let s = Sandbox::new();
    let bed = Bed {
        root: s.root().to_path_buf(),
        s,
    };
    bed.hello("bin/community/x", "x");
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();

    // The sandboxed plan is tested in contrib.rs; this one is about the review.
    let out = bed.run(&["install", "x-cpu", "--prefix", p, "--no-sandbox"]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("unverified"), "{err}");
    assert!(err.contains("terminal"), "{err}");
    assert!(err.contains("--noconfirm"), "{err}");
    let build = format!(
        "cargo {}",
        shown(&[
            "build",
            "--release",
            "--no-default-features",
            "--features",
            "cpu",
            "-p",
            "x"
        ])
    );
    assert!(
        err.contains(&build),
        "the steps are shown before asking:\n{err}"
    );
    assert!(!prefix.exists(), "something was installed");
    assert!(!bed.cache().join("target").exists(), "something was built");
    assert!(!bed.cache().join("logs").exists(), "something was run");
    assert!(!bed.db_path().exists());

    let out = bed.run(&[
        "install",
        "x-cpu",
        "--prefix",
        p,
        "--noconfirm",
        "--no-sandbox",
    ]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("unverified"), "{err}");
    assert!(
        err.contains("1. build x-cpu: ") && err.contains(&build),
        "the steps are printed:\n{err}"
    );
    assert!(err.contains("2. install "), "{err}");
    assert_eq!(version_of(&prefix.join("bin/x-cpu")), "x 0.1.0 (cpu)");
    assert_db_matches_disk(&bed.db());
}

// ---------------------------------------------------------------------------------------------
// makepkg backend
// ---------------------------------------------------------------------------------------------

/// makepkg refuses root, and so does the backend, before anything is written; anyone else
/// gets a makepkg plan. A fake makepkg is there in both cases, so it is the uid and not a
/// missing tool that decides.
#[test]
fn makepkg_backend_refuses_to_run_as_root() {
    let bed = Bed::examples();
    bed.s.fake_tool("makepkg", "exit 0");
    if tools::is_root() {
        for cmd in ["build", "install"] {
            let out = bed.run(&[cmd, "--backend", "makepkg", "hello-worker-cpu"]);
            assert_fails(&out, 1);
            let err = stderr(&out);
            assert!(err.contains("root"), "{cmd}: {err}");
            assert!(err.contains("makepkg"), "{cmd}: {err}");
        }
    } else {
        let out = bed.run(&[
            "build",
            "--backend",
            "makepkg",
            "hello-worker-cpu",
            "--dry-run",
            "--json",
        ]);
        let doc = json(&out);
        let plan = &doc["plans"][0];
        assert_eq!(plan["backend"]["name"], "makepkg", "{doc}");
        assert_eq!(plan["backend"]["reason"], "--backend makepkg", "{doc}");
        assert!(!stderr(&out).contains("root"), "{}", stderr(&out));
    }
    assert!(!bed.cache().join("build").exists(), "something was written");
    assert!(!bed.db_path().exists());
}

/// A path every user can read and execute: the test binary itself when all its ancestors
/// are traversable, else a copy in `dir`.
fn reachable_binary(dir: &Path) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_rbee-workers"));
    let traversable = bin
        .ancestors()
        .skip(1)
        .all(|d| fs::metadata(d).is_ok_and(|m| m.mode() & 0o001 != 0));
    let runnable = fs::metadata(&bin).is_ok_and(|m| m.mode() & 0o005 == 0o005);
    if traversable && runnable {
        return bin;
    }
    let copy = dir.join("rbee-workers");
    fs::copy(&bin, &copy).unwrap();
    copy
}

#[test]
fn makepkg_backend_builds_a_package_as_an_unprivileged_user() {
    if !tools::require_all(
        &["makepkg", "bsdtar", "fakeroot"],
        "build a package with the makepkg backend",
    ) {
        return;
    }
    let makepkg = tools::which("makepkg").expect("makepkg is on PATH");
    let work = tools::shared_tempdir();
    let w = work.path();
    let root = w.join("root");
    fs::create_dir_all(root.join("bin")).unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(examples().join("bin/hello-worker"))
        .arg(root.join("bin/hello-worker"))
        .status()
        .unwrap();
    assert!(status.success());
    let _ = fs::remove_dir_all(root.join("bin/hello-worker/target"));
    // The real makepkg (this test opts in to it), and a fake pacman that records what it is
    // asked and says every dependency is there: makepkg asks $PACMAN (rbee-workers passes
    // [tools] pacman) and never reaches the host's package database. The fakes are also
    // first on the child's PATH, as is a fake sudo (makepkg runs `sudo pacman` for
    // anything but -T/-Q), so neither a bare `pacman` nor `sudo` finds the host's.
    let fakebin = w.join("fakebin");
    let pacman_log = w.join("pacman.log");
    let pacman = crate::support::fake_script(
        &fakebin,
        "pacman",
        &format!(
            "printf '%s\\n' \"$*\" >> {}\nexit 0",
            tools::sh(&pacman_log)
        ),
    );
    let sudo_log = w.join("sudo.log");
    crate::support::fake_script(
        &fakebin,
        "sudo",
        &format!("printf '%s\\n' \"$*\" >> {}\nexit 1", tools::sh(&sudo_log)),
    );
    write_file(
        &w.join("config/rbee-workers/config.toml"),
        &crate::support::tool_pins(
            &w.join("no-such-tool"),
            &[
                ("pacman", pacman.to_str().unwrap()),
                ("makepkg", makepkg.to_str().unwrap()),
            ],
        ),
    );
    fs::create_dir_all(w.join("home")).unwrap();
    let bin = reachable_binary(w);
    tools::chmod_all(w);
    let script = format!(
        "{toolchain}; export HOME={w}/home XDG_CONFIG_HOME={w}/config XDG_CACHE_HOME={w}/cache \
         XDG_DATA_HOME={w}/data CARGO_HOME={w}/cargo-home RBEE_WORKERS_GPU=none NO_COLOR=1 \
         PATH={fakebin}:$PATH; unset RBEE_WORKERS_ROOT; \
         cd {w} && {bin} --root {root} build --backend makepkg hello-worker-cpu",
        toolchain = tools::toolchain_env(),
        w = tools::sh(w),
        fakebin = tools::sh(&fakebin),
        bin = tools::sh(&bin),
        root = tools::sh(&root),
    );
    let out = tools::unprivileged(&script);
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(
        out.status.success(),
        "build --backend makepkg failed\nstdout:\n{o}\nstderr:\n{e}"
    );
    let pkg = o
        .split_whitespace()
        .find(|t| t.contains(".pkg.tar"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("the output names no package:\n{o}\nstderr:\n{e}"));
    assert!(pkg.is_absolute() && pkg.is_file(), "{}", pkg.display());
    assert_eq!(
        pkg.parent().unwrap(),
        w.join("cache/rbee-workers/build/hello-worker-cpu")
    );
    assert!(
        pkg.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("hello-worker-cpu-0.1.0-1-"),
        "{}",
        pkg.display()
    );
    assert!(o.contains("built hello-worker-cpu 0.1.0 (makepkg)"), "{o}");
    let list = Command::new("bsdtar")
        .arg("-tf")
        .arg(&pkg)
        .output()
        .unwrap();
    assert!(list.status.success());
    let list = stdout(&list);
    assert!(
        list.lines().any(|l| l == "usr/bin/hello-worker-cpu"),
        "{list}"
    );
    // A build installs nothing.
    assert!(!w.join("data/rbee-workers/installed.json").exists());
    // makepkg asked the fake pacman whether the dependencies are there (`-T`, as the
    // PKGBUILD's makedepends include cargo) and queried it (`-Q…`), never to install or sync
    // anything, and sudo was never needed.
    let asked: Vec<String> = fs::read_to_string(&pacman_log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    assert!(
        asked
            .iter()
            .any(|l| l.starts_with("-T") && l.contains("cargo")),
        "makepkg did not check the dependencies with the configured pacman: {asked:?}"
    );
    assert!(
        asked
            .iter()
            .all(|l| l.starts_with("-T") || l.starts_with("-Q")),
        "pacman was asked more than -T/-Q: {asked:?}"
    );
    assert!(
        !sudo_log.exists(),
        "sudo was run: {:?}",
        fs::read_to_string(&sudo_log)
    );
}

// ---------------------------------------------------------------------------------------------
// --backend auto, with fakes
// ---------------------------------------------------------------------------------------------

/// `rbee-workers install hello-worker-cpu --dry-run --json [EXTRA…]`: the first plan's
/// backend and the reason for it.
fn planned_backend(bed: &Bed, extra: &[&str]) -> (String, String) {
    let mut args = vec!["install", "hello-worker-cpu", "--dry-run", "--json"];
    args.extend(extra);
    let doc = json(&bed.run(&args));
    let backend = &doc["plans"][0]["backend"];
    let field = |k: &str| {
        backend[k]
            .as_str()
            .unwrap_or_else(|| panic!("plans[0].backend.{k} is not a string: {doc}"))
            .to_string()
    };
    (field("name"), field("reason"))
}

/// A fake pacman in the sandbox ([tools] pacman) that logs its arguments and exits 0 for
/// `-Q pacman` when `arch` (an Arch host's database knows pacman), else 1 (Debian's
/// `pacman-package-manager`, whose database is empty). Returns the log's path.
fn fake_pacman(bed: &Bed, arch: bool) -> PathBuf {
    let log = bed.path("pacman.log");
    let known = if arch { 0 } else { 1 };
    bed.s.fake_tool(
        "pacman",
        &format!(
            "printf '%s\\n' \"$*\" >> {}\n[ \"$*\" = '-Q pacman' ] && exit {known}\nexit 1",
            tools::sh(&log)
        ),
    );
    log
}

fn lines_of(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// On an Arch host (pacman reads a database that knows pacman, makepkg is there) auto picks
/// makepkg for a user, and cargo for root, because makepkg refuses root. Asserted for the
/// uid the suite runs as; the other branch is the same test run by the other user.
#[test]
#[cfg(target_os = "linux")] // the makepkg backend is for Linux only
fn auto_on_an_arch_host_picks_makepkg_for_a_user_and_cargo_for_root() {
    let bed = Bed::examples();
    let log = fake_pacman(&bed, true);
    bed.s.fake_tool("makepkg", "exit 0");
    let (backend, reason) = planned_backend(&bed, &[]);
    let asked = lines_of(&log);
    if tools::is_root() {
        // makepkg refuses root, and pacman run as root on Debian creates an empty database:
        // as root the probe never runs pacman, it only looks for the host's own database.
        assert_eq!(backend, "cargo", "{reason}");
        assert!(reason.starts_with("auto:"), "{reason}");
        assert!(asked.is_empty(), "pacman was run as root: {asked:?}");
    } else {
        assert_eq!(backend, "makepkg", "{reason}");
        assert!(
            reason.starts_with("auto:") && reason.contains("Arch host"),
            "{reason}"
        );
        assert!(asked.contains(&"-Q pacman".to_string()), "{asked:?}");
        assert!(
            asked.iter().all(|l| l.starts_with("-Q")),
            "the probe only reads: {asked:?}"
        );
    }

    // The text dry run says the same.
    let out = bed.run(&["install", "hello-worker-cpu", "--dry-run"]);
    assert_success(&out);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.lines().any(|l| l == format!("    backend: {reason}")),
        "no `backend: {reason}` line:\n{all}"
    );
}

/// Debian with `pacman-package-manager`: a pacman binary whose database is empty
/// (`pacman -Q pacman` fails) is no Arch host, even with makepkg there.
#[test]
#[cfg(target_os = "linux")] // the makepkg backend is for Linux only
fn auto_where_pacman_reads_no_database_picks_cargo() {
    let bed = Bed::examples();
    let log = fake_pacman(&bed, false);
    bed.s.fake_tool("makepkg", "exit 0");
    let (backend, reason) = planned_backend(&bed, &[]);
    assert_eq!(backend, "cargo", "{reason}");
    assert_eq!(
        reason,
        "auto: not an Arch host (no pacman that reads a local package database)"
    );
    // A user's probe asks pacman; root's never runs it.
    assert_eq!(
        lines_of(&log).contains(&"-Q pacman".to_string()),
        !tools::is_root()
    );
}

/// No pacman at all (the sandbox's default pins: nothing is where [tools] points): cargo,
/// and pacman is never run.
#[test]
fn auto_without_pacman_picks_cargo() {
    let bed = Bed::examples();
    bed.s.fake_tool("makepkg", "exit 0");
    let (backend, reason) = planned_backend(&bed, &[]);
    assert_eq!(backend, "cargo", "{reason}");
    if cfg!(target_os = "linux") {
        assert_eq!(
            reason,
            "auto: not an Arch host (no pacman that reads a local package database)"
        );
    } else {
        assert!(reason.starts_with("auto:"), "{reason}");
    }
    assert!(!bed.s.tool_dir().join("pacman").exists());
}

/// `--backend cargo` is its own reason, even on an Arch host where auto would say makepkg.
#[test]
fn an_explicit_backend_is_the_reason_given() {
    let bed = Bed::examples();
    let log = fake_pacman(&bed, true);
    bed.s.fake_tool("makepkg", "exit 0");
    let (backend, reason) = planned_backend(&bed, &["--backend", "cargo"]);
    assert_eq!(
        (backend.as_str(), reason.as_str()),
        ("cargo", "--backend cargo")
    );
    assert!(
        lines_of(&log).is_empty(),
        "an explicit backend probes nothing: {:?}",
        lines_of(&log)
    );
}

// ---------------------------------------------------------------------------------------------
// brew backend, with a fake brew
// ---------------------------------------------------------------------------------------------

/// A fake `brew` in `dir/fakebin`: logs each call's arguments to `dir/brew.log`, answers
/// `--repository`/`--prefix` with `dir/repo`/`dir/cellar`, creates the tap for `tap-new`,
/// installs `cellar/bin/NAME` (a script running `body`) for `install`, deletes it for
/// `uninstall`. Returns the PATH for the child.
struct FakeBrew {
    bin: PathBuf,
    log: PathBuf,
    repo: PathBuf,
    prefix: PathBuf,
    path: String,
}

fn fake_brew(dir: &Path, body: &str) -> FakeBrew {
    let fb = FakeBrew {
        bin: dir.join("fakebin/brew"),
        log: dir.join("brew.log"),
        repo: dir.join("repo"),
        prefix: dir.join("cellar"),
        path: format!(
            "{}:{}",
            dir.join("fakebin").display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    };
    fs::create_dir_all(&fb.repo).unwrap();
    let script = format!(
        r#"#!/bin/sh
printf '%s\n' "$*" >> {log}
for a in "$@"; do last=$a; done
case "$1" in
  --repository) echo {repo} ;;
  --prefix) echo {prefix} ;;
  tap-new) mkdir -p {repo}/Library/Taps/rbee/homebrew-local ;;
  install)
    name=${{last##*/}}
    mkdir -p {prefix}/bin
    cat > {prefix}/bin/"$name" <<'EOF'
#!/bin/sh
{body}
EOF
    chmod 755 {prefix}/bin/"$name" ;;
  uninstall) rm -f {prefix}/bin/"${{last##*/}}" ;;
esac
"#,
        log = tools::sh(&fb.log),
        repo = tools::sh(&fb.repo),
        prefix = tools::sh(&fb.prefix),
    );
    let brew = write_file(&dir.join("fakebin/brew"), &script);
    let status = Command::new("chmod")
        .arg("755")
        .arg(&brew)
        .status()
        .unwrap();
    assert!(status.success());
    fb
}

impl FakeBrew {
    fn calls(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

#[test]
fn brew_backend_writes_the_formula_into_a_local_tap_and_runs_brew() {
    let bed = Bed::examples();
    let fb = fake_brew(&bed.path("brew"), "echo 'hello-worker 0.1.0 (cpu)'");
    bed.s.set_tool("brew", &fb.bin);
    let out = bed.run_env(
        &[("PATH", &fb.path)],
        &[
            "install",
            "--backend",
            "brew",
            "--flavor",
            "head",
            "hello-worker-cpu",
        ],
    );
    assert_success(&out);

    let formula = fb
        .repo
        .join("Library/Taps/rbee/homebrew-local/Formula/hello-worker-cpu.rb");
    let text = fs::read_to_string(&formula)
        .unwrap_or_else(|e| panic!("no formula at {}: {e}", formula.display()));
    let rendered = bed.run(&["formula", "hello-worker-cpu", "--flavor", "head"]);
    assert_success(&rendered);
    assert_eq!(text, stdout(&rendered), "the tap holds the head formula");

    let calls = fb.calls();
    let pos = |c: &str| calls.iter().position(|l| l == c);
    let tap =
        pos("tap-new --no-git rbee/local").unwrap_or_else(|| panic!("no tap-new in {calls:#?}"));
    let install = pos("install --build-from-source --HEAD rbee/local/hello-worker-cpu")
        .unwrap_or_else(|| panic!("no install in {calls:#?}"));
    assert!(tap < install, "{calls:#?}");
    assert!(
        pos("--repository").is_some() && pos("--prefix").is_some(),
        "{calls:#?}"
    );

    let bin = fb.prefix.join("bin/hello-worker-cpu");
    let db = bed.db();
    assert_db_matches_disk(&db);
    let rec = db.rec("hello-worker-cpu");
    assert_eq!(rec.backend, "brew");
    assert_eq!(rec.flavor, "head");
    assert_eq!(rec.files.len(), 1);
    assert_eq!(rec.files[0].path, bin);

    // Installing again: the tap exists, so no second tap-new.
    assert_success(&bed.run_env(
        &[("PATH", &fb.path)],
        &[
            "install",
            "--backend",
            "brew",
            "--flavor",
            "head",
            "hello-worker-cpu",
        ],
    ));
    assert_eq!(
        fb.calls()
            .iter()
            .filter(|l| l.starts_with("tap-new"))
            .count(),
        1,
        "{:#?}",
        fb.calls()
    );

    // remove asks brew to uninstall, and forgets the record.
    let out = bed.run_env(
        &[("PATH", &fb.path)],
        &["remove", "hello-worker-cpu", "--noconfirm"],
    );
    assert_success(&out);
    assert!(
        fb.calls()
            .iter()
            .any(|l| l == "uninstall rbee/local/hello-worker-cpu"),
        "{:#?}",
        fb.calls()
    );
    assert!(!bin.exists());
    assert!(bed.db().installed.is_empty());
}

/// DESIGN 4: "After installing, a smoke test runs the installed binary (--version, else
/// --help) and reports failure" — for every backend, not only cargo.
#[test]
fn brew_install_smoke_tests_the_installed_binary() {
    let bed = Bed::examples();
    let fb = fake_brew(&bed.path("brew"), "exit 1");
    bed.s.set_tool("brew", &fb.bin);
    let out = bed.run_env(
        &[("PATH", &fb.path)],
        &[
            "install",
            "--backend",
            "brew",
            "--flavor",
            "head",
            "hello-worker-cpu",
        ],
    );
    assert_fails(&out, 1);
    assert!(stderr(&out).contains("smoke test"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Missing tools
// ---------------------------------------------------------------------------------------------

#[test]
fn a_missing_tool_is_named_with_how_to_get_it() {
    let bed = Bed::examples();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    bed.s.set_tool("cargo", "/nonexistent/cargo");
    bed.s.set_tool("brew", "/nonexistent/brew");

    let out = bed.run(&["install", "hello-worker-cpu", "--prefix", p]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/cargo"), "{err}");
    assert!(err.contains("not found"), "{err}");
    assert!(err.contains("rustup"), "how to get cargo: {err}");
    assert!(!prefix.exists());
    assert!(!bed.db_path().exists());

    let out = bed.run(&[
        "install",
        "--backend",
        "brew",
        "--flavor",
        "head",
        "hello-worker-cpu",
    ]);
    assert_fails(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/brew"), "{err}");
    assert!(err.contains("brew.sh"), "how to get brew: {err}");
    assert!(!bed.db_path().exists());
}

/// Regression: builds of the user's own tree used `--locked`, so bumping the version in
/// Cargo.toml alone (the lock file still naming the old one) made `upgrade` fail with
/// "cannot update the lock file". cargo updates the lock, as `cargo build` would.
#[test]
fn upgrade_after_bumping_only_cargo_toml() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p]));
    let manifest = bed.path("bin/hello-worker/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replacen("version = \"0.1.0\"", "version = \"0.2.0\"", 1),
    )
    .unwrap();
    let out = bed.run(&["upgrade"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("hello-worker-cpu 0.1.0 -> 0.2.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        version_of(&prefix.join("bin/hello-worker-cpu")),
        "hello-worker 0.2.0 (cpu)"
    );
    assert_db_matches_disk(&bed.db());
}

/// Found by the acceptance walkthrough: `list --installed` showed the catalog's version, not
/// the installed one. Like `pacman -Q`, it shows what is installed and what the catalog has.
#[test]
fn list_installed_shows_the_installed_version_and_the_update() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p]));
    let manifest = bed.path("bin/hello-worker/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replacen("version = \"0.1.0\"", "version = \"0.3.0\"", 1),
    )
    .unwrap();
    let out = bed.run(&["list", "--installed"]);
    assert_success(&out);
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("hello-worker-cpu"))
        .map(str::to_string);
    let line = line.unwrap_or_else(|| panic!("{}", stdout(&out)));
    assert!(line.contains("0.1.0 -> 0.3.0"), "{line}");
    assert!(
        line.contains(&prefix.join("bin/hello-worker-cpu").display().to_string()),
        "{line}"
    );
    let doc = json(&bed.run(&["list", "--installed", "--json"]));
    let v = &doc["workers"][0];
    assert_eq!(v["version"], "0.3.0");
    assert_eq!(v["installed"]["version"], "0.1.0");
}

// ---------------------------------------------------------------------------------------------
// Installs that know where they came from; pre-flight (DESIGN section 4)
// ---------------------------------------------------------------------------------------------

/// `rbee-workers ARGS…` run from `cwd`, with no `--root`: what a user typing it elsewhere gets.
fn run_in(bed: &Bed, cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = bed.s.cmd();
    for (k, v) in toolchain_vars() {
        cmd.env(k, v);
    }
    cmd.current_dir(cwd)
        .args(args)
        .output()
        .expect("run rbee-workers")
}

#[test]
fn an_install_is_listed_upgraded_and_removed_from_any_directory() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        prefix.to_str().unwrap(),
        "--noconfirm",
    ]);
    assert_success(&out);
    let rec = &bed.db().installed["hello-worker-cpu"];
    assert_eq!(rec.source, "local");
    let db: serde_json::Value = serde_json::from_slice(&bed.db_bytes()).unwrap();
    let origin = &db["installed"]["hello-worker-cpu"]["origin"];
    assert_eq!(origin["kind"], "local");
    assert_eq!(origin["location"], bed.root.display().to_string());
    assert_eq!(origin["subdir"], "bin/hello-worker");
    assert_eq!(db["installed"]["hello-worker-cpu"]["reason"], "explicit");

    // From a directory with no catalog at all.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_in(&bed, elsewhere.path(), &["list", "--installed", "--json"]);
    assert_success(&out);
    let doc = crate::support::parse_catalog(&out.stdout);
    assert_eq!(doc.ids(), ["hello-worker-cpu"]);
    let installed = doc.workers[0].installed.as_ref().unwrap();
    assert!(installed.available);
    assert_eq!(
        installed.origin.as_ref().unwrap().location,
        bed.root.display().to_string()
    );
    assert!(!stderr(&out).contains("no longer"), "{}", stderr(&out));

    // `info` finds it from there, as `pacman -Qi` does.
    let out = run_in(
        &bed,
        elsewhere.path(),
        &["info", "hello-worker-cpu", "--json"],
    );
    assert_success(&out);
    let doc = crate::support::parse_catalog(&out.stdout);
    assert_eq!(doc.workers[0].installed.as_ref().unwrap().version, "0.1.0");

    // A version bump is seen from there too.
    let cargo_toml = bed.path("bin/hello-worker/Cargo.toml");
    let text = fs::read_to_string(&cargo_toml).unwrap();
    fs::write(
        &cargo_toml,
        text.replacen("version = \"0.1.0\"", "version = \"0.1.1\"", 1),
    )
    .unwrap();
    let out = run_in(&bed, elsewhere.path(), &["upgrade", "--dry-run", "--json"]);
    assert_success(&out);
    let plans = json(&out)["plans"].clone();
    assert_eq!(plans[0]["id"], "hello-worker-cpu", "{plans}");
    assert_eq!(plans[0]["version"], "0.1.1");

    // And removed from there.
    let bin = prefix.join("bin/hello-worker-cpu");
    assert!(bin.is_file());
    let out = run_in(
        &bed,
        elsewhere.path(),
        &["remove", "hello-worker-cpu", "--noconfirm"],
    );
    assert_success(&out);
    assert!(!bin.exists());
    assert!(bed.db().installed.is_empty());
}

/// A database record as an older version wrote it (no origin), or as this one does.
fn record_json(id: &str, file: &Path, origin: Option<serde_json::Value>) -> serde_json::Value {
    let sha = format!("{:x}", Sha256::digest(fs::read(file).unwrap()));
    let mut r = serde_json::json!({
        "id": id, "worker": "hello-worker", "feature": "cpu", "version": "0.1.0",
        "backend": "cargo", "flavor": "local", "source": "local",
        "files": [{"path": file, "sha256": sha}], "installed_at": 0
    });
    if let Some(o) = origin {
        r["origin"] = o;
    }
    r
}

#[test]
fn an_install_whose_origin_is_gone_is_still_listed_verified_and_removable() {
    let bed = Bed::copy();
    let bin = bed.s.write("prefix/bin/hello-worker-cpu", "#!/bin/sh\n");
    let gone = bed.path("moved-away");
    let db = serde_json::json!({"schema": 1, "installed": {
        "hello-worker-cpu": record_json("hello-worker-cpu", &bin, Some(serde_json::json!({
            "source": "local", "kind": "local", "location": gone, "subdir": "bin/hello-worker"
        })))
    }});
    bed.s
        .write(".xdg/data/rbee-workers/installed.json", &db.to_string());
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_in(&bed, elsewhere.path(), &["list", "--installed", "--json"]);
    assert_success(&out);
    let doc = crate::support::parse_catalog(&out.stdout);
    assert_eq!(doc.ids(), ["hello-worker-cpu"]);
    let installed = doc.workers[0].installed.as_ref().unwrap();
    assert!(!installed.available);
    assert_eq!(installed.version, "0.1.0");
    let out = run_in(&bed, elsewhere.path(), &["list", "--installed"]);
    assert_success(&out);
    assert!(stdout(&out).contains("local: gone"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no longer provides it"),
        "{}",
        stderr(&out)
    );
    let out = run_in(&bed, elsewhere.path(), &["verify"]);
    assert_success(&out);
    let out = run_in(
        &bed,
        elsewhere.path(),
        &["remove", "hello-worker-cpu", "--noconfirm"],
    );
    assert_success(&out);
    assert!(!bin.exists());
}

#[test]
fn a_record_from_before_origins_is_derived_where_it_can_be_and_unknown_elsewhere() {
    let bed = Bed::copy();
    let bin = bed.s.write("prefix/bin/hello-worker-cpu", "#!/bin/sh\n");
    let db = serde_json::json!({"schema": 1, "installed": {
        "hello-worker-cpu": record_json("hello-worker-cpu", &bin, None)
    }});
    bed.s
        .write(".xdg/data/rbee-workers/installed.json", &db.to_string());
    // From inside its catalog the origin is derived.
    let out = run_in(&bed, &bed.root, &["list", "--installed", "--json"]);
    assert_success(&out);
    let doc = crate::support::parse_catalog(&out.stdout);
    let installed = doc.workers[0].installed.as_ref().unwrap();
    assert!(installed.available);
    assert_eq!(
        installed.origin.as_ref().unwrap().location,
        bed.root.display().to_string()
    );
    // Elsewhere it is unknown, and said so plainly; the record stays listed.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_in(&bed, elsewhere.path(), &["list", "--installed"]);
    assert_success(&out);
    assert!(stdout(&out).contains("origin unknown"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("origin is unknown"),
        "{}",
        stderr(&out)
    );
    // The next change writes the derived origin into the database.
    let out = run_in(
        &bed,
        &bed.root,
        &["remove", "hello-worker-cpu", "--dry-run"],
    );
    assert_success(&out);
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_byte_identical() {
    let bed = Bed::copy();
    let text = "{\"schema\": 2, \"installed\": {}, \"future\": {\"kept\": true}}\n";
    bed.s.write(".xdg/data/rbee-workers/installed.json", text);
    for args in [
        &["list", "--installed"][..],
        &["verify"],
        &["remove", "hello-worker-cpu", "--noconfirm"],
        &["upgrade"],
        &["install", "hello-worker-cpu", "--noconfirm"],
    ] {
        let out = bed.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("has schema 2"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(fs::read_to_string(bed.db_path()).unwrap(), text, "{args:?}");
    }
}

#[test]
fn fields_this_version_does_not_know_are_kept_on_rewrite() {
    let bed = Bed::copy();
    let bin = bed.s.write("prefix/bin/hello-worker-cpu", "#!/bin/sh\n");
    let other = bed.s.write("prefix/bin/other-cpu", "#!/bin/sh\n");
    let mut rec = record_json("hello-worker-cpu", &bin, None);
    rec["pinned_by_a_newer_version"] = serde_json::json!({"why": "testing"});
    let db = serde_json::json!({"schema": 1, "mirror": "kept", "installed": {
        "hello-worker-cpu": rec,
        "other-cpu": record_json("other-cpu", &other, None),
    }});
    bed.s
        .write(".xdg/data/rbee-workers/installed.json", &db.to_string());
    let out = bed.run(&["remove", "other-cpu", "--noconfirm"]);
    assert_success(&out);
    let after: serde_json::Value = serde_json::from_slice(&bed.db_bytes()).unwrap();
    assert_eq!(after["mirror"], "kept");
    assert_eq!(
        after["installed"]["hello-worker-cpu"]["pinned_by_a_newer_version"]["why"],
        "testing"
    );
    // Upgraded in place: the derived origin is written.
    assert_eq!(
        after["installed"]["hello-worker-cpu"]["origin"]["location"],
        bed.root.display().to_string()
    );
}

#[test]
fn prefix_with_makepkg_or_brew_is_a_usage_error() {
    let bed = Bed::examples();
    bed.s.fake_tool("makepkg", "exit 0");
    for (backend, flavor) in [("makepkg", "local"), ("brew", "release")] {
        let out = bed.run(&[
            "install",
            "hello-worker-cpu",
            "--backend",
            backend,
            "--flavor",
            flavor,
            "--prefix",
            "/opt/rbee",
            "--dry-run",
        ]);
        assert_eq!(out.status.code(), Some(2), "{backend}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--prefix is for the cargo backend"),
            "{}",
            stderr(&out)
        );
    }
}

/// A CUDA toolkit on this host would make the no-toolkit half meaningless.
fn host_has_nvcc() -> bool {
    tools::which("nvcc").is_some()
        || Path::new("/opt/cuda/bin/nvcc").is_file()
        || Path::new("/usr/local/cuda/bin/nvcc").is_file()
}

#[test]
fn a_cuda_variant_without_nvcc_stops_before_building_and_says_how_to_get_it() {
    if host_has_nvcc() {
        tools::skip(
            "a_cuda_variant_without_nvcc_stops_before_building_and_says_how_to_get_it",
            "this host has a real CUDA toolkit",
        );
        return;
    }
    let bed = Bed::examples_without_toolkit();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let out = bed.run(&[
        "install",
        "hello-worker-cuda",
        "--prefix",
        p,
        "--dry-run",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The plan is still printed, whole: the exit status says it would stop.
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the plan");
    let checks = doc["plans"][0]["preflight"].as_array().unwrap().clone();
    let toolkit = checks
        .iter()
        .find(|c| c["check"] == "cuda toolkit")
        .expect("a toolkit check");
    assert_eq!(toolkit["ok"], false);
    assert!(
        toolkit["message"].as_str().unwrap().contains("nvcc"),
        "{toolkit}"
    );
    let gpu = checks
        .iter()
        .find(|c| c["check"] == "gpu")
        .expect("the no-GPU warning");
    assert_eq!(
        (gpu["ok"].clone(), gpu["blocking"].clone()),
        (false.into(), false.into())
    );

    let out = bed.run(&["install", "hello-worker-cuda", "--prefix", p, "--noconfirm"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("pre-flight failed") && err.contains("nvcc"),
        "{err}"
    );
    assert!(err.contains("install it with"), "says how: {err}");
    assert!(!bed.cache().join("target").exists(), "nothing was built");
    assert!(!prefix.exists(), "nothing was installed");

    // A toolkit that is there but does not run fails the check, with what it said.
    bed.s.on_path(
        "nvcc",
        "echo 'nvcc: libcudart.so.12: cannot open shared object' >&2; exit 127",
    );
    let out = bed.run(&["install", "hello-worker-cuda", "--prefix", p, "--noconfirm"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("--version` fails") && err.contains("libcudart.so.12"),
        "{err}"
    );

    // With a toolkit on PATH that runs, the same plan passes.
    bed.s.on_path("nvcc", "echo 'nvcc: fake'");
    let out = bed.run(&[
        "install",
        "hello-worker-cuda",
        "--prefix",
        p,
        "--dry-run",
        "--json",
    ]);
    assert_success(&out);
    let doc = json(&out);
    let toolkit = doc["plans"][0]["preflight"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "cuda toolkit")
        .cloned()
        .unwrap();
    assert_eq!(toolkit["ok"], true, "{toolkit}");
}

#[test]
fn a_prefix_that_is_a_file_fails_the_preflight() {
    let bed = Bed::examples();
    let file = bed.s.write("not-a-dir", "x");
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        file.to_str().unwrap(),
        "--noconfirm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is a file"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn repeated_ids_are_merged_and_needed_skips_what_is_up_to_date() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "hello-worker-cpu",
        "--prefix",
        p,
        "--dry-run",
        "--json",
    ]);
    assert_success(&out);
    assert_eq!(json(&out)["plans"].as_array().unwrap().len(), 1);
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    let bin = prefix.join("bin/hello-worker-cpu");
    let installed_at = fs::metadata(&bin).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        p,
        "--needed",
        "--noconfirm",
    ]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("hello-worker-cpu-0.1.0 is up to date -- skipping"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::metadata(&bin).unwrap().modified().unwrap(),
        installed_at
    );
    let out = bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("hello-worker-cpu-0.1.0 is up to date -- reinstalling"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_smoke_test_shows_what_the_binary_said_and_installs_nothing() {
    let s = Sandbox::new();
    s.worker("grumpy").features(&["cpu"]).write();
    s.write(
        "bin/grumpy/src/main.rs",
        "fn main() { eprintln!(\"grumpy: no model file at /models/x.gguf\"); std::process::exit(3) }\n",
    );
    let bed = Bed {
        root: s.root().to_path_buf(),
        s,
    };
    let prefix = bed.path("prefix");
    let out = bed.run(&[
        "install",
        "grumpy-cpu",
        "--prefix",
        prefix.to_str().unwrap(),
        "--noconfirm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("smoke test failed"), "{err}");
    assert!(
        err.contains("grumpy: no model file at /models/x.gguf"),
        "shows the binary's words: {err}"
    );
    assert!(!prefix.join("bin/grumpy-cpu").exists());
    assert!(!bed.db_path().exists() || bed.db().installed.is_empty());
}

#[test]
fn an_install_outside_path_is_warned_about() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        prefix.to_str().unwrap(),
        "--noconfirm",
    ]);
    assert_success(&out);
    let dir = prefix.join("bin");
    assert!(
        stderr(&out).contains(&format!("{} is not on your PATH", dir.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_manifests_smoke_command_and_expect_decide_the_smoke_test() {
    let s = Sandbox::new();
    // A worker that rejects --version and --help (as the real llm worker rejects --version)
    // and answers its own smoke command.
    s.worker("picky")
        .features(&["cpu"])
        .extra(
            "[test]\nsmoke = [\"{bin}\", \"self-check\"]\nexpect = \"picky ready\"\ntimeout = 20\n",
        )
        .write();
    let main = "fn main() { if std::env::args().nth(1).as_deref() == Some(\"self-check\") { println!(\"picky ready\") } else { eprintln!(\"picky: unknown argument\"); std::process::exit(2) } }\n";
    s.write("bin/picky/src/main.rs", main);
    let bed = Bed {
        root: s.root().to_path_buf(),
        s,
    };
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let out = bed.run(&["install", "picky-cpu", "--prefix", p, "--noconfirm"]);
    assert_success(&out);
    assert!(prefix.join("bin/picky-cpu").is_file());

    // The same command whose output lacks the expected text fails, saying so.
    let worker = bed.path("bin/picky/worker.toml");
    let text = fs::read_to_string(&worker).unwrap();
    fs::write(
        &worker,
        text.replace("picky ready\"\ntimeout", "all systems go\"\ntimeout"),
    )
    .unwrap();
    let out = bed.run(&["install", "picky-cpu", "--prefix", p, "--noconfirm"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("self-check failed"), "{err}");
    assert!(err.contains("does not contain `all systems go`"), "{err}");
}

#[test]
fn a_bad_test_table_is_a_located_problem() {
    let s = Sandbox::new();
    let w = s
        .worker("tested")
        .extra("[test]\nsmoke = []\ntimeout = 0\nretries = 3\n")
        .write();
    let doc = s.list();
    assert!(
        !doc.ids().iter().any(|i| i.starts_with("tested")),
        "{:?}",
        doc.ids()
    );
    let problems = doc.problems_in(&w.worker_toml);
    let find = |needle: &str| {
        problems
            .iter()
            .find(|p| p.message.contains(needle))
            .unwrap_or_else(|| panic!("no problem about {needle}: {problems:?}"))
    };
    let smoke = find("`test.smoke` must name a command");
    assert_eq!(
        (smoke.line, smoke.column),
        (Some(w.at("[]").0), Some(w.at("[]").1))
    );
    let timeout = find("`test.timeout` must be a positive number");
    assert_eq!(timeout.line, Some(w.at("timeout = 0").0));
    let unknown = find("retries");
    assert_eq!(unknown.line, Some(w.at("retries").0));
}

#[test]
fn system_packages_are_asked_of_pacman_where_it_can_answer_and_nodeps_skips() {
    let s = Sandbox::new();
    s.worker("needy")
        .features(&["cpu"])
        .extra("[depends]\narch = [\"gcc-libs\", \"libfoo\"]\n")
        .write();
    let log = s.path("pacman.log");
    // An Arch host's pacman: it knows itself, and `-T` names what is not installed.
    s.fake_tool(
        "pacman",
        &format!(
            "printf '%s\\n' \"$*\" >> {}\n[ \"$*\" = '-Q pacman' ] && exit 0\n[ \"$1\" = -T ] && {{ echo libfoo; exit 127; }}\nexit 1",
            tools::sh(&log)
        ),
    );
    let bed = Bed {
        root: s.root().to_path_buf(),
        s,
    };
    let p = bed.path("prefix");
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "install",
            "needy-cpu",
            "--backend",
            "cargo",
            "--prefix",
            p.to_str().unwrap(),
            "--dry-run",
            "--json",
        ];
        args.extend(extra);
        let out = bed.run(&args);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a plan");
        let check = doc["plans"][0]["preflight"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "system packages")
            .cloned()
            .expect("a system-packages check");
        (out.status.code(), check)
    };
    let (code, check) = plan(&[]);
    if tools::is_root() {
        // As root the probe never runs pacman, so this is no Arch host it can ask.
        assert_eq!(code, Some(0));
        assert_eq!(check["ok"], true);
        assert!(
            check["message"]
                .as_str()
                .unwrap()
                .starts_with("not checked"),
            "{check}"
        );
    } else {
        assert_eq!(code, Some(1), "{check}");
        assert_eq!(
            (check["ok"].clone(), check["blocking"].clone()),
            (false.into(), true.into())
        );
        let m = check["message"].as_str().unwrap();
        assert!(
            m.contains("missing libfoo") && m.contains("pacman -S --asdeps libfoo"),
            "{m}"
        );
        assert!(fs::read_to_string(&log)
            .unwrap()
            .contains("-T gcc-libs libfoo"));
    }
    let (code, check) = plan(&["--nodeps"]);
    assert_eq!(code, Some(0), "{check}");
    assert!(
        check["message"].as_str().unwrap().contains("--nodeps"),
        "{check}"
    );
}

#[test]
fn a_file_no_install_owns_is_never_clobbered_unless_overwrite() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let mine = bed.s.write(
        "prefix/bin/hello-worker-cpu",
        "#!/bin/sh\necho my own script\n",
    );
    let out = bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("exists in filesystem") && err.contains("--overwrite"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&mine).unwrap(),
        "#!/bin/sh\necho my own script\n"
    );
    assert!(!bed.db_path().exists() || bed.db().installed.is_empty());
    // --overwrite replaces it, and from then on the install owns it.
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        p,
        "--overwrite",
        "--noconfirm",
    ]);
    assert_success(&out);
    assert_ne!(fs::read(&mine).unwrap(), b"#!/bin/sh\necho my own script\n");
    let out = bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]);
    assert_success(&out);
}

#[test]
fn a_directory_at_the_destination_is_refused_before_anything_is_journalled() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    fs::create_dir_all(prefix.join("bin/hello-worker-cpu")).unwrap();
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        prefix.to_str().unwrap(),
        "--overwrite",
        "--noconfirm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    // Nothing is left in a journal: every later command works.
    assert_success(&bed.run(&["verify"]));
    assert_success(&bed.run(&["list", "--installed"]));
}

#[test]
fn two_installs_never_own_one_path() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    // A record of another install that claims the same file (as two workers whose variants
    // resolve to one installed name would).
    let mut db: serde_json::Value = serde_json::from_slice(&bed.db_bytes()).unwrap();
    let mut other = db["installed"]["hello-worker-cpu"].clone();
    other["id"] = "twin-cpu".into();
    db["installed"]["twin-cpu"] = other;
    db["installed"]
        .as_object_mut()
        .unwrap()
        .remove("hello-worker-cpu");
    fs::write(bed.db_path(), db.to_string()).unwrap();
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        p,
        "--overwrite",
        "--noconfirm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is owned by twin-cpu"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn staged_copies_a_killed_install_left_are_swept_by_the_next_lock_holder() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    let left = bed.s.write(
        "prefix/bin/.hello-worker-cpu.rbee-Xk3j9a",
        "a full copy of a binary",
    );
    let mine = bed.s.write("prefix/bin/.my-dotfile", "keep");
    assert_success(&bed.run(&["verify"]));
    assert!(!left.exists(), "the staged copy is swept");
    assert_eq!(fs::read_to_string(&mine).unwrap(), "keep");
    // The first install into a directory sweeps it too.
    let fresh = bed.path("fresh");
    let orphan = bed.s.write(
        "fresh/bin/.hello-worker-cpu.rbee-Qq1",
        "left by a killed install",
    );
    let out = bed.run(&[
        "install",
        "hello-worker-cpu",
        "--prefix",
        fresh.to_str().unwrap(),
        "--noconfirm",
    ]);
    assert_success(&out);
    assert!(!orphan.exists());
}

/// The state a crash leaves between writing a change and moving its file into place, made
/// unreplayable: the destination became a directory meanwhile.
fn jam_the_journal(bed: &Bed, prefix: &Path, with_undo: bool) -> (PathBuf, serde_json::Value) {
    let dest = prefix.join("bin/hello-worker-cpu");
    let staged = bed.s.write(
        "prefix/bin/.hello-worker-cpu.rbee-jam1",
        "#!/bin/sh\necho new\n",
    );
    let mut db: serde_json::Value = serde_json::from_slice(&bed.db_bytes()).unwrap();
    let old = db["installed"]["hello-worker-cpu"].clone();
    let mut new = old.clone();
    new["version"] = "9.9.9".into();
    new["files"][0]["sha256"] = sha256_hex(&staged).unwrap().into();
    db["installed"]["hello-worker-cpu"] = new;
    db["journal"] = serde_json::json!([{"op": "rename", "from": staged, "to": dest}]);
    if with_undo {
        db["undo"] = serde_json::json!({ "hello-worker-cpu": old });
    }
    fs::write(bed.db_path(), db.to_string()).unwrap();
    fs::remove_file(&dest).unwrap();
    fs::create_dir(&dest).unwrap();
    (staged, old)
}

#[test]
fn a_replay_that_cannot_apply_is_rolled_back_and_reported_once() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    let (staged, old) = jam_the_journal(&bed, &prefix, true);
    let out = bed.run(&["verify"]);
    let err = stderr(&out);
    assert_eq!(
        err.matches("rolled back").count(),
        1,
        "reported once:\n{err}"
    );
    // The record is the one before the change; the journal and the staged file are gone.
    let db = bed.db();
    assert!(db.journal.is_empty(), "{db:#?}");
    assert_eq!(db.rec("hello-worker-cpu").version, old["version"]);
    assert!(
        !staged.exists(),
        "the staged copy of the rolled-back change is removed"
    );
    // verify then reports the directory where the binary was, and nothing is jammed.
    assert_eq!(out.status.code(), Some(1), "{err}");
    let again = bed.run(&["verify"]);
    assert!(
        !stderr(&again).contains("rolled back"),
        "{}",
        stderr(&again)
    );
    assert_success(&bed.run(&["list", "--installed"]));
    fs::remove_dir(prefix.join("bin/hello-worker-cpu")).unwrap();
    assert_success(&bed.run(&["remove", "hello-worker-cpu", "--noconfirm"]));
    assert!(bed.db().installed.is_empty());
}

#[test]
fn a_jammed_journal_from_before_undo_records_is_cleared_and_reported() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    let (staged, _) = jam_the_journal(&bed, &prefix, false);
    let out = bed.run(&["list", "--installed"]);
    assert_success(&out);
    let out = bed.run(&["remove", "hello-worker-cpu", "--noconfirm"]);
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    assert!(bed.db().journal.is_empty());
    assert!(!staged.exists());
    // The next command is not held up by it.
    let out = bed.run(&["verify"]);
    assert!(!stderr(&out).contains("rolled back"), "{}", stderr(&out));
    assert_success(&out);
}

#[test]
fn verify_works_on_a_read_only_data_dir() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    // The lock file is gone and the dir cannot be written: taking the lock must fail, as on a
    // read-only mount. Root writes anywhere, so the commands run as an unprivileged user then.
    let data = bed.db_path().parent().unwrap().to_path_buf();
    let _ = fs::remove_file(data.join("installed.lock"));
    let base = bed.std_cmd();
    let mut line = String::from("env -i");
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            line.push_str(&format!(
                " {}={}",
                k.to_string_lossy(),
                tools::sh(Path::new(v))
            ));
        }
    }
    line.push_str(&format!(" {}", tools::sh(Path::new(base.get_program()))));
    for a in base.get_args() {
        line.push_str(&format!(" {}", tools::sh(Path::new(a))));
    }
    let cmd = |args: &str| format!("{line} {args}");
    tools::chmod_all(bed.s.root());
    let mut perms = fs::metadata(&data).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    fs::set_permissions(&data, perms).unwrap();
    let out = tools::unprivileged(&cmd("verify"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 files checked"));
    let out = tools::unprivileged(&cmd("list --installed"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!data.join("installed.lock").exists());
}

#[test]
fn list_and_search_mark_installed_variants_as_pacman_ss_does() {
    let bed = Bed::copy();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    assert_success(&bed.run(&["install", "hello-worker-cpu", "--prefix", p, "--noconfirm"]));
    let line = |args: &[&str], id: &str| {
        stdout(&bed.run(args))
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line(&["list"], "hello-worker-cpu").ends_with("[installed]"));
    assert!(!line(&["list"], "hello-worker-cuda").contains("[installed"));
    assert!(line(&["search", "hello"], "hello-worker-cpu").ends_with("[installed]"));
    // A newer version in the catalog: the installed one is named.
    set_version(&bed.path("bin/hello-worker"), "0.1.0", "0.2.0");
    assert!(
        line(&["list"], "hello-worker-cpu").ends_with("[installed: 0.1.0]"),
        "{}",
        line(&["list"], "hello-worker-cpu")
    );
}
