//! Bottles and signed catalogs (DESIGN section 12), as a new user meets them: a publisher
//! builds a bottle of the example worker with the real cargo, exports the catalog signed
//! with a key from `key generate`, and serves it over a real HTTP server on 127.0.0.1; a
//! fresh sandbox pins the key, syncs, and installs with no cargo on the child's PATH (so only
//! a bottle can succeed). Then each piece is tampered with in turn and each install refused,
//! with nothing installed and nothing left in the cache. The real `minisign` tool checks that
//! the files are in its format.

use crate::httpd;
use crate::support::{assert_success, stderr, stdout, toolchain_vars, Sandbox};
use crate::tools;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const ID: &str = "hello-worker-cpu";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The target triple the bottle is built for here, as `rustc -vV` says.
fn host_triple() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host")
        .trim()
        .to_string()
}

/// The test process's PATH without any directory that holds `cargo` or `rustc`.
fn path_without_cargo() -> String {
    let dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| !d.join("cargo").exists() && !d.join("rustc").exists())
        .collect();
    std::env::join_paths(dirs)
        .expect("PATH entries")
        .to_string_lossy()
        .into_owned()
}

/// The publisher: a catalog with a copy of hello-worker (whose `[test]` smoke says hello), a
/// key pair, and the bottles it built.
struct Publisher {
    s: Sandbox,
    keys: PathBuf,
    bottles: PathBuf,
}

impl Publisher {
    fn new() -> Publisher {
        let s = crate::install::Bed::copy().s;
        let dest = s.path("bin/hello-worker");
        let manifest = dest.join("worker.toml");
        let mut text = fs::read_to_string(&manifest).unwrap();
        // A release tarball on a closed port: a fallback build fails at once, offline.
        text.push_str(concat!(
            "\n[test]\nsmoke = [\"{bin}\", \"bottle\"]\nexpect = \"Hello, bottle!\"\n",
            "\n[source]\ntarball = \"http://127.0.0.1:1/hello-worker-{version}.tar.gz\"\n",
        ));
        fs::write(&manifest, text).unwrap();
        let keys = s.path("keys");
        let out = s.run(&["key", "generate", "--out", &keys.display().to_string()]);
        assert_success(&out);
        let p = Publisher {
            bottles: s.path("bottles"),
            keys,
            s,
        };
        p.build_bottle();
        p
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.s.cmd();
        for (k, v) in toolchain_vars() {
            cmd.env(k, v);
        }
        cmd.arg("--root").arg(self.s.root()).args(args);
        cmd.output().expect("run rbee-workers")
    }

    /// `build hello-worker-cpu --bottle --out bottles/`; returns the bottle's path.
    fn build_bottle(&self) -> PathBuf {
        let out = self.run(&[
            "build",
            ID,
            "--bottle",
            "--out",
            &self.bottles.display().to_string(),
        ]);
        assert_success(&out);
        let version = self.version();
        let path = self
            .bottles
            .join(format!("{ID}-{version}.{}.bottle.tar.gz", host_triple()));
        assert!(path.is_file(), "{} was written", path.display());
        path
    }

    fn version(&self) -> String {
        let text = fs::read_to_string(self.s.path("bin/hello-worker/Cargo.toml")).unwrap();
        let v: toml::Table = toml::from_str(&text).unwrap();
        v["package"]["version"].as_str().unwrap().to_string()
    }

    fn key(&self) -> PathBuf {
        self.keys.join("rbee-workers.key")
    }

    fn public_key(&self) -> String {
        let text = fs::read_to_string(self.keys.join("rbee-workers.pub")).unwrap();
        text.lines().last().unwrap().trim().to_string()
    }

    /// `export DIR --bottles BOTTLES --sign KEY` (offline: release renders are skipped).
    fn export(&self, dir: &Path, bottles: &Path, key: &Path) {
        let out = self.run(&[
            "--offline",
            "export",
            &dir.display().to_string(),
            "--bottles",
            &bottles.display().to_string(),
            "--sign",
            &key.display().to_string(),
        ]);
        assert_success(&out);
    }
}

/// A server of the files of an export, where any file can be replaced, removed or cut short
/// (its length announced in full, its body not).
#[derive(Clone, Default)]
struct Mirror {
    files: Arc<Mutex<Files>>,
}

/// Path → (the length announced, the body sent).
type Files = HashMap<String, (u64, Vec<u8>)>;

impl Mirror {
    fn start() -> (Mirror, String) {
        let m = Mirror::default();
        let files = m.files.clone();
        let (base, _requests) = httpd::scripted(move |path, stream| {
            let hit = files.lock().unwrap().get(path).cloned();
            match hit {
                Some((announced, body)) => httpd::announce(stream, announced, &body),
                None => {
                    use std::io::Write;
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        });
        (m, base)
    }

    /// Serves every file under `dir` at `/its/relative/path`.
    fn publish(&self, dir: &Path) {
        let mut files = self.files.lock().unwrap();
        files.clear();
        for entry in walk(dir) {
            let rel = entry
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let body = fs::read(&entry).unwrap();
            files.insert(format!("/{rel}"), (body.len() as u64, body));
        }
    }

    fn set(&self, path: &str, body: Vec<u8>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.into(), (body.len() as u64, body));
    }

    fn get(&self, path: &str) -> Vec<u8> {
        self.files.lock().unwrap()[path].1.clone()
    }

    fn remove(&self, path: &str) {
        self.files.lock().unwrap().remove(path);
    }

    fn truncate(&self, path: &str) {
        let mut files = self.files.lock().unwrap();
        let (_, body) = files.get_mut(path).unwrap();
        body.truncate(body.len() / 2);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A user on a clean machine with the mirror added as a keyed source and synced.
struct User {
    s: Sandbox,
}

impl User {
    fn new(base: &str, key: &str) -> User {
        let s = Sandbox::new();
        let url = format!("{base}/index.json");
        let out = s
            .cmd()
            .args(["source", "add", "mirror", &url, "--key", key])
            .output()
            .unwrap();
        assert_success(&out);
        User { s }
    }

    fn sync(&self) -> Output {
        self.s.cmd().arg("sync").output().unwrap()
    }

    fn prefix(&self) -> PathBuf {
        self.s.path("prefix")
    }

    /// `install ID --prefix PREFIX --noconfirm ARGS…` with no cargo or rustc on PATH.
    fn install(&self, args: &[&str]) -> Output {
        self.s
            .cmd()
            .env("PATH", path_without_cargo())
            .args(["install", ID, "--noconfirm", "--prefix"])
            .arg(self.prefix())
            .args(args)
            .output()
            .unwrap()
    }

    fn installed(&self) -> serde_json::Value {
        let db = self.s.path(".xdg/data/rbee-workers/installed.json");
        match fs::read(&db) {
            Ok(b) => serde_json::from_slice(&b).unwrap(),
            Err(_) => serde_json::json!({"installed": {}}),
        }
    }

    /// Nothing installed, and nothing of a bottle left in the cache.
    fn assert_clean(&self, what: &str) {
        assert!(
            !self.prefix().join("bin").join(ID).exists(),
            "{what}: nothing is installed"
        );
        assert!(
            self.installed()["installed"].get(ID).is_none(),
            "{what}: the database records nothing"
        );
        let cache = self.s.path(".xdg/cache/rbee-workers");
        let leftovers: Vec<PathBuf> = ["downloads", "bottles"]
            .iter()
            .flat_map(|d| walk_if(&cache.join(d)))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{what}: the cache holds {leftovers:?}"
        );
    }
}

fn walk_if(dir: &Path) -> Vec<PathBuf> {
    if dir.is_dir() {
        let mut all = walk(dir);
        all.extend(
            fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir()),
        );
        all
    } else {
        Vec::new()
    }
}

fn dry_run_backend(u: &User, args: &[&str]) -> (String, String) {
    let out =
        u.s.cmd()
            .env("PATH", path_without_cargo())
            .args(["install", ID, "--dry-run", "--json", "--prefix"])
            .arg(u.prefix())
            .args(args)
            .output()
            .unwrap();
    assert_success(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &doc["plans"][0]["backend"];
    (
        b["name"].as_str().unwrap().to_string(),
        b["reason"].as_str().unwrap().to_string(),
    )
}

/// The bottle at `path`, rewritten: `edit` gets each (name, bytes) entry and may change it,
/// and `extra` entries (raw names, so `../` and absolute ones too; a `Some` link target makes
/// a symlink) are appended.
fn repack(
    path: &Path,
    edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
    extra: &[(&str, Option<&str>)],
) -> Vec<u8> {
    let mut tar_in = tar::Archive::new(flate2::read::GzDecoder::new(fs::File::open(path).unwrap()));
    let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for entry in tar_in.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut header = entry.header().clone();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body).unwrap();
        let body = edit(&name, body);
        header.set_size(body.len() as u64);
        header.set_cksum();
        out.append(&header, body.as_slice()).unwrap();
    }
    for (name, link) in extra {
        let mut h = tar::Header::new_old();
        let raw = name.as_bytes();
        h.as_old_mut().name[..raw.len()].copy_from_slice(raw);
        h.set_mode(0o644);
        match link {
            Some(target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_link_name(target).unwrap();
                h.set_size(0);
                h.set_cksum();
                out.append(&h, std::io::empty()).unwrap();
            }
            None => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(4);
                h.set_cksum();
                out.append(&h, &b"evil"[..]).unwrap();
            }
        }
    }
    out.into_inner().unwrap().finish().unwrap()
}

#[test]
fn a_signed_export_with_bottles_installs_without_cargo_and_every_tampered_piece_is_refused() {
    if !tools::require("cargo", "bottles are built by cargo") {
        return;
    }
    let p = Publisher::new();
    let bottle = p.build_bottle();
    let export = p.s.path("export");
    p.export(&export, &p.bottles, &p.key());
    let (mirror, base) = Mirror::start();
    mirror.publish(&export);
    let index: serde_json::Value = serde_json::from_slice(&mirror.get("/index.json")).unwrap();
    let doc = index["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == ID)
        .unwrap()
        .clone();
    let name = bottle.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(doc["bottles"][0]["target"], host_triple());
    assert_eq!(doc["bottles"][0]["url"], format!("bottles/{name}"));
    assert_eq!(
        doc["bottles"][0]["size"],
        fs::metadata(&bottle).unwrap().len()
    );
    let bottle_url = format!("/bottles/{name}");

    // A clean machine: the key pinned, no cargo anywhere on PATH.
    let u = User::new(&base, &p.public_key());
    assert_success(&u.sync());
    let listed = crate::support::json_of(u.s.cmd().args(["list", "--json"]));
    let bottles = &listed.variant(ID).bottles;
    assert_eq!(bottles.len(), 1, "{bottles:?}");
    assert!(
        bottles[0].url.ends_with(&format!("/bottles/{name}")),
        "{bottles:?}"
    );
    let (backend, why) = dry_run_backend(&u, &[]);
    assert_eq!(backend, "bottle");
    assert!(why.contains("signed by the pinned key"), "{why}");
    let (backend, why) = dry_run_backend(&u, &["--build-from-source"]);
    assert_eq!(backend, "cargo");
    assert!(why.contains("--build-from-source"), "{why}");
    let out = u.install(&[]);
    assert_success(&out);
    let bin = u.prefix().join("bin").join(ID);
    let ran = Command::new(&bin).arg("user").output().unwrap();
    assert_eq!(stdout(&ran).trim(), "Hello, user! (cpu backend)");
    let rec = &u.installed()["installed"][ID];
    assert_eq!(rec["backend"], "bottle");
    assert_eq!(rec["version"], "0.1.0");
    let verify = u.s.cmd().args(["verify", "--json"]).output().unwrap();
    assert_success(&verify);
    let v: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");

    // The publisher releases 0.1.1: `upgrade` pours its bottle, still without cargo.
    let manifest = p.s.path("bin/hello-worker/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("version = \"0.1.0\"", "version = \"0.1.1\""),
    )
    .unwrap();
    fs::remove_file(&bottle).unwrap();
    p.build_bottle();
    p.export(&export, &p.bottles, &p.key());
    mirror.publish(&export);
    assert_success(&u.sync());
    let up =
        u.s.cmd()
            .env("PATH", path_without_cargo())
            .args(["upgrade", "--noconfirm"])
            .output()
            .unwrap();
    assert_success(&up);
    let rec = &u.installed()["installed"][ID];
    assert_eq!(rec["backend"], "bottle", "{}", stderr(&up));
    assert_eq!(rec["version"], "0.1.1");
    let ran = Command::new(&bin).arg("--version").output().unwrap();
    assert!(stdout(&ran).contains("0.1.1"), "{}", stdout(&ran));
    let bottle = p
        .bottles
        .join(format!("{ID}-0.1.1.{}.bottle.tar.gz", host_triple()));
    let bottle_url = bottle_url.replace("0.1.0", "0.1.1");

    // Each piece tampered with in turn, each before a clean machine's install.
    let fresh = || {
        let u = User::new(&base, &p.public_key());
        assert_success(&u.sync());
        u
    };
    let good = mirror.get(&bottle_url);

    // Bytes that differ from the signed sum: a well-formed bottle with one file more.
    let top = format!("{ID}-0.1.1");
    let extra = format!("{top}/extra");
    mirror.set(
        &bottle_url,
        repack(&bottle, |_, b| b, &[(extra.as_str(), None)]),
    );
    let u = fresh();
    let out = u.install(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("checksum mismatch") && stderr(&out).contains(&bottle_url),
        "{}",
        stderr(&out)
    );
    u.assert_clean("a bottle with other bytes");

    // A truncated download.
    mirror.set(&bottle_url, good.clone());
    mirror.truncate(&bottle_url);
    let u = fresh();
    let out = u.install(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    u.assert_clean("a truncated bottle");
    mirror.set(&bottle_url, good.clone());

    // Bottles that escape (`../`, an absolute path, a symlink out) — even published and
    // signed by the key's owner, through `export`.
    for (what, extra) in [
        ("../", (format!("{top}/../../escaped"), None)),
        (
            "an absolute path",
            ("/tmp/rbee-bottle-escaped".to_string(), None),
        ),
        (
            "a symlink out",
            (format!("{top}/bin/out"), Some("/etc/passwd")),
        ),
        (
            "a relative symlink out",
            (format!("{top}/out"), Some("../../../../etc")),
        ),
    ] {
        let evil_dir = p.s.path("evil-bottles");
        let _ = fs::remove_dir_all(&evil_dir);
        fs::create_dir_all(&evil_dir).unwrap();
        let bytes = repack(&bottle, |_, b| b, &[(extra.0.as_str(), extra.1)]);
        fs::write(evil_dir.join(bottle.file_name().unwrap()), bytes).unwrap();
        let evil_export = p.s.path("evil-export");
        p.export(&evil_export, &evil_dir, &p.key());
        mirror.publish(&evil_export);
        let u = fresh();
        let out = u.install(&[]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("refusing") || stderr(&out).contains("unsafe"),
            "{what}: {}",
            stderr(&out)
        );
        u.assert_clean(what);
        assert!(!Path::new("/tmp/rbee-bottle-escaped").exists());
    }

    // A bottle for another target only: the plan says there is none for this host, and
    // with no cargo the build it falls back to fails, installing nothing.
    let other = if host_triple().starts_with("x86_64") {
        "aarch64-apple-darwin"
    } else {
        "x86_64-unknown-linux-gnu"
    };
    let other_dir = p.s.path("other-bottles");
    fs::create_dir_all(&other_dir).unwrap();
    let bytes = repack(
        &bottle,
        |name, b| {
            if name.ends_with("bottle.json") {
                String::from_utf8(b)
                    .unwrap()
                    .replace(&host_triple(), other)
                    .into_bytes()
            } else {
                b
            }
        },
        &[],
    );
    fs::write(
        other_dir.join(format!("{ID}-0.1.1.{other}.bottle.tar.gz")),
        bytes,
    )
    .unwrap();
    let other_export = p.s.path("other-export");
    p.export(&other_export, &other_dir, &p.key());
    mirror.publish(&other_export);
    let u = fresh();
    let (backend, why) = dry_run_backend(&u, &[]);
    assert_eq!(backend, "cargo");
    assert!(
        why.contains(&format!("no bottle for {}", host_triple())) && why.contains(other),
        "{why}"
    );
    let out = u.install(&[]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    u.assert_clean("a bottle for another target");

    // An index that lists that bottle for this host's target, signed by the key's owner
    // (with the real minisign): the bottle's own bottle.json gives it away.
    if tools::require("minisign", "it re-signs an index that lies about a target") {
        let index = other_export.join("index.json");
        let text = fs::read_to_string(&index).unwrap();
        let lie = format!("\"target\": \"{}\"", host_triple());
        fs::write(
            &index,
            text.replace(&format!("\"target\": \"{other}\""), &lie),
        )
        .unwrap();
        let signed = Command::new("minisign")
            .args(["-S", "-s"])
            .arg(p.key())
            .arg("-m")
            .arg(&index)
            .arg("-x")
            .arg(other_export.join("index.json.minisig"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(signed.status.success(), "{}", stderr(&signed));
        mirror.publish(&other_export);
        let u = fresh();
        let (backend, _) = dry_run_backend(&u, &[]);
        assert_eq!(backend, "bottle");
        let out = u.install(&[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("it was built for {other}")),
            "{}",
            stderr(&out)
        );
        u.assert_clean("a bottle for another target, listed for this one");
    }

    // An index signed by another key, and one not signed at all: refused at sync, so
    // nothing of it is listed or installable.
    mirror.publish(&export);
    let other_keys = p.s.path("other-keys");
    assert_success(&p.s.run(&[
        "key",
        "generate",
        "--out",
        &other_keys.display().to_string(),
    ]));
    let foreign = p.s.path("foreign-export");
    p.export(&foreign, &p.bottles, &other_keys.join("rbee-workers.key"));
    mirror.set(
        "/index.json.minisig",
        fs::read(foreign.join("index.json.minisig")).unwrap(),
    );
    let u = User::new(&base, &p.public_key());
    let out = u.sync();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    let out = u.install(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    u.assert_clean("an index signed by another key");
    mirror.remove("/index.json.minisig");
    let u = User::new(&base, &p.public_key());
    let out = u.sync();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no signature"), "{}", stderr(&out));
    u.assert_clean("an unsigned index");
}

/// A keyed source verifies before it replaces its cached index: a tampered index, an
/// unsigned one or one signed by another key is refused, `sync` exits 1, and the copy it
/// had is kept and still listed. No build is needed: the export has no bottles.
#[test]
fn a_keyed_source_refuses_a_tampered_index_and_keeps_its_cached_copy() {
    let p = Sandbox::new();
    let keys = p.path("keys");
    assert_success(&p.run(&["key", "generate", "--out", &keys.display().to_string()]));
    let export = p.path("export");
    let root = examples();
    let ex = |dir: &Path, key: &Path| {
        let out = p
            .cmd()
            .args(["--offline", "--root"])
            .arg(&root)
            .arg("export")
            .arg(dir)
            .arg("--sign")
            .arg(key)
            .output()
            .unwrap();
        assert_success(&out);
    };
    ex(&export, &keys.join("rbee-workers.key"));
    let (mirror, base) = Mirror::start();
    mirror.publish(&export);
    let public = fs::read_to_string(keys.join("rbee-workers.pub")).unwrap();
    // The key as a file, this time.
    let u = User::new(&base, &keys.join("rbee-workers.pub").display().to_string());
    let config = fs::read_to_string(u.s.config_file()).unwrap();
    assert!(config.contains(public.lines().last().unwrap()), "{config}");
    assert_success(&u.sync());
    let listed = |u: &User| {
        let out = u.s.cmd().args(["list", "--json"]).output().unwrap();
        assert_success(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["workers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["description"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let before = listed(&u);
    assert!(before.iter().any(|d| d == "A tiny worker that says hello"));
    let good = mirror.get("/index.json");
    let tampered = String::from_utf8(good.clone()).unwrap().replace(
        "A tiny worker that says hello",
        "A tiny worker, tampered with",
    );
    mirror.set("/index.json", tampered.into_bytes());
    let out = u.sync();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    assert_eq!(listed(&u), before, "the cached copy is kept");
    mirror.set("/index.json", good);
    mirror.remove("/index.json.minisig");
    let out = u.sync();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no signature"), "{}", stderr(&out));
    assert_eq!(listed(&u), before, "the cached copy is kept");
    // A bottle entry whose URL leads out of the export is refused, naming what is wrong.
    let mut doc: serde_json::Value = serde_json::from_slice(&mirror.get("/index.json")).unwrap();
    doc["workers"][0]["bottles"] = serde_json::json!([{
        "target": "x86_64-unknown-linux-gnu",
        "url": "../../etc/passwd",
        "sha256": "0".repeat(64),
        "size": 1,
    }]);
    mirror.set("/bad/index.json", serde_json::to_vec(&doc).unwrap());
    let out =
        u.s.cmd()
            .args(["source", "add", "bad", &format!("{base}/bad/index.json")])
            .output()
            .unwrap();
    assert_success(&out);
    let out = u.sync();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("must be a path relative to index.json"),
        "{}",
        stderr(&out)
    );
    // A key that is neither a key nor a file is a usage error, and a git source takes none.
    let out =
        u.s.cmd()
            .args([
                "source",
                "add",
                "other",
                &format!("{base}/index.json"),
                "--key",
                "RWnot-a-key",
            ])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out =
        u.s.cmd()
            .args(["source", "add", "g", "https://example.org/x.git", "--key"])
            .arg(public.lines().last().unwrap())
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// `key generate` writes what the real minisign reads: it verifies `export --sign`'s
/// signature with the public key, and signs with the (unencrypted) secret key without a
/// password. The secret key is 0600, and a second `key generate` replaces nothing.
#[test]
fn key_generate_and_export_sign_are_what_minisign_reads() {
    let p = Sandbox::new();
    let keys = p.path("keys");
    let out = p.run(&["key", "generate", "--out", &keys.display().to_string()]);
    assert_success(&out);
    let sk = keys.join("rbee-workers.key");
    let pk = keys.join("rbee-workers.pub");
    assert!(stdout(&out).contains(&sk.display().to_string()));
    assert!(stdout(&out).contains(&pk.display().to_string()));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&sk).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = p.run(&["key", "generate", "--out", &keys.display().to_string()]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    // The default place is the configuration directory.
    assert_success(&p.run(&["key", "generate"]));
    assert!(p
        .path(".xdg/config/rbee-workers/keys/rbee-workers.key")
        .is_file());
    let export = p.path("export");
    let out = p
        .cmd()
        .args(["--offline", "--root"])
        .arg(examples())
        .arg("export")
        .arg(&export)
        .arg("--sign")
        .arg(&sk)
        .output()
        .unwrap();
    assert_success(&out);
    if !tools::require(
        "minisign",
        "the signature must be in the format minisign reads",
    ) {
        return;
    }
    let verified = Command::new("minisign")
        .args(["-V", "-q", "-p"])
        .arg(&pk)
        .arg("-m")
        .arg(export.join("index.json"))
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", stderr(&verified));
    let data = p.write("data.txt", "some data\n");
    let signed = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(&sk)
        .arg("-m")
        .arg(&data)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", stderr(&signed));
}

/// The same binary packs into the same bottle, byte for byte (the deterministic packer),
/// holding the binary, a license and bottle.json with what DESIGN section 12 lists.
#[test]
fn a_bottle_is_deterministic_and_says_what_it_holds() {
    if !tools::require("cargo", "bottles are built by cargo") {
        return;
    }
    let p = Publisher::new();
    let first = p.build_bottle();
    let bytes = fs::read(&first).unwrap();
    fs::remove_file(&first).unwrap();
    // A touch changes no byte.
    let _ = Command::new("touch")
        .arg(p.s.path("bin/hello-worker/src/main.rs"))
        .status();
    let second = p.build_bottle();
    assert_eq!(fs::read(&second).unwrap(), bytes, "the same bottle twice");
    let mut names = Vec::new();
    let mut meta = None;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        if name.ends_with("bottle.json") {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut b).unwrap();
            meta = Some(serde_json::from_slice::<serde_json::Value>(&b).unwrap());
        }
        names.push((name, e.header().mode().unwrap()));
    }
    let top = format!("{ID}-0.1.0");
    assert!(
        names.contains(&(format!("{top}/bin/{ID}"), 0o755)),
        "{names:?}"
    );
    assert!(
        names.contains(&(format!("{top}/LICENSE"), 0o644)),
        "{names:?}"
    );
    let meta = meta.expect("bottle.json");
    assert_eq!(meta["id"], ID);
    assert_eq!(meta["version"], "0.1.0");
    assert_eq!(meta["target"], host_triple());
    assert_eq!(meta["features"], serde_json::json!(["cpu"]));
    assert!(meta["rustc"].as_str().unwrap().starts_with("rustc "));
    let built =
        p.s.path(".xdg/cache/rbee-workers/target/hello-worker/release/hello-worker");
    let sum = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(fs::read(built).unwrap()))
    };
    assert_eq!(meta["sha256"], sum);
    assert!(meta.get("CUDA_COMPUTE_CAP").is_none());
}
