//! Remote sources through the real CLI: `source add/remove/list`, `sync`, git sources cloned
//! from real repositories the tests make (commits, branches, tags; served by `file://` URL),
//! index sources (an `export`ed catalog) served by a real HTTP server on 127.0.0.1 with ETag
//! revalidation, the catalog across sources, and release installs from an index source:
//! a real tarball downloaded, verified, unpacked and built, and a corpus of hostile tarballs
//! that must be refused with nothing written outside the target.
//!
//! Nothing here reaches the network or writes outside the test's temp dirs: hostile archives
//! aim only at places inside the sandbox, where the test then looks for them.

use crate::httpd::TagServer;
use crate::support::{
    assert_success, json_of, parse_catalog, q, stderr, stdout, toolchain_vars, CatalogDoc, Sandbox,
    VariantDoc,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `rbee-workers ARGS…` in the sandbox, with no `--root` (the sandbox has no `bin/`, so the
/// catalog is the configured sources only).
fn run(s: &Sandbox, args: &[&str]) -> Output {
    s.cmd().args(args).output().expect("run rbee-workers")
}

fn run_env(s: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = s.cmd();
    for (k, v) in toolchain_vars() {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("run rbee-workers")
}

fn ok(s: &Sandbox, args: &[&str]) -> Output {
    let out = run(s, args);
    assert_success(&out);
    out
}

/// `list --json` of the sources only.
fn list(s: &Sandbox) -> CatalogDoc {
    json_of(s.cmd().args(["list", "--json"]))
}

fn info(s: &Sandbox, id: &str) -> CatalogDoc {
    json_of(s.cmd().args(["info", id, "--json"]))
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

fn cache(s: &Sandbox) -> PathBuf {
    s.path(".xdg/cache/rbee-workers")
}

fn config_file(s: &Sandbox) -> PathBuf {
    s.config_file()
}

fn source_cache(s: &Sandbox, name: &str) -> PathBuf {
    cache(s).join("sources").join(name)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every path under `root` (not following symlinks), relative to it.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            out.insert(p.strip_prefix(root).expect("under root").to_path_buf());
            if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

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

fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// `sync --json` (and any extra flags): the output and the sync document (the first JSON
/// document on stdout).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncDoc {
    schema: u32,
    sources: Vec<SyncEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncEntry {
    name: String,
    kind: String,
    status: String,
    workers: usize,
    message: Option<String>,
}

impl SyncDoc {
    fn entry(&self, name: &str) -> &SyncEntry {
        self.sources
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no `{name}` in {self:?}"))
    }
}

fn sync_json(s: &Sandbox, extra: &[&str]) -> (Output, SyncDoc) {
    let out = s
        .cmd()
        .arg("sync")
        .arg("--json")
        .args(extra)
        .output()
        .expect("run rbee-workers");
    let first = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<serde_json::Value>()
        .next()
        .unwrap_or_else(|| {
            panic!(
                "sync --json printed no JSON\nstdout:\n{}\nstderr:\n{}",
                stdout(&out),
                stderr(&out)
            )
        })
        .expect("sync --json prints JSON");
    let doc: SyncDoc = serde_json::from_value(first).unwrap_or_else(|e| {
        panic!(
            "sync --json does not match its schema ({e})\nstdout:\n{}",
            stdout(&out)
        )
    });
    assert_eq!(doc.schema, 1);
    (out, doc)
}

// ---------------------------------------------------------------------------------------------
// git repositories
// ---------------------------------------------------------------------------------------------

/// [`crate::tools::git`] (hermetic, a fixed identity), its stdout trimmed.
fn git(dir: &Path, args: &[&str]) -> String {
    crate::tools::git(dir, args).trim().to_string()
}

/// An upstream repository of workers at `SANDBOX/repo`, served by `file://` URL.
struct Origin {
    s: Sandbox,
}

impl Origin {
    fn new() -> Self {
        let s = Sandbox::new();
        let dir = s.mkdir("repo");
        git(&dir, &["init", "-q", "-b", "main"]);
        Origin { s }
    }

    fn dir(&self) -> PathBuf {
        self.s.path("repo")
    }

    fn url(&self) -> String {
        format!("file://{}", self.dir().display())
    }

    /// Writes (or rewrites) worker `id` at `repo/bin/{id}` with features cpu and cuda.
    fn worker(&self, id: &str, version: &str) {
        self.s
            .worker(id)
            .dir(&format!("repo/bin/{id}"))
            .version(version)
            .write();
    }

    fn community_worker(&self, id: &str, version: &str) {
        self.s
            .worker(id)
            .dir(&format!("repo/bin/community/{id}"))
            .version(version)
            .write();
    }

    /// Commits everything; returns the commit id.
    fn commit(&self, msg: &str) -> String {
        git(&self.dir(), &["add", "-A"]);
        git(&self.dir(), &["commit", "-q", "-m", msg]);
        git(&self.dir(), &["rev-parse", "HEAD"])
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.dir(), args)
    }
}

fn version_of(doc: &CatalogDoc, id: &str) -> String {
    doc.variant(id).version.clone()
}

// ---------------------------------------------------------------------------------------------
// source add / list / remove
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceListDoc {
    schema: u32,
    sources: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn source_list(s: &Sandbox) -> SourceListDoc {
    let out = ok(s, &["source", "list", "--json"]);
    let doc: SourceListDoc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "source list --json is not one document ({e}):\n{}",
            stdout(&out)
        )
    });
    assert_eq!(doc.schema, 1);
    doc
}

#[test]
fn source_add_records_git_and_index_sources_in_order_and_source_list_shows_them() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    let u = Sandbox::new();
    let out = ok(&u, &["source", "add", "zeta", &origin.url()]);
    assert!(
        stderr(&out).contains("zeta"),
        "add says what it added: {}",
        stderr(&out)
    );
    ok(
        &u,
        &[
            "source",
            "add",
            "alpha",
            "http://127.0.0.1:9/catalog/index.json",
        ],
    );
    ok(
        &u,
        &[
            "source",
            "add",
            "mid",
            &origin.url(),
            "--ref",
            "main",
            "--trusted",
        ],
    );

    let doc = source_list(&u);
    let names: Vec<&str> = doc
        .sources
        .iter()
        .map(|s| s["name"].as_str().expect("name is a string"))
        .collect();
    assert_eq!(names, ["zeta", "alpha", "mid"], "configured order is kept");
    let keys = |i: usize| -> Vec<&str> {
        let mut k: Vec<&str> = doc.sources[i].keys().map(String::as_str).collect();
        k.sort();
        k
    };
    assert_eq!(keys(0), ["cached", "kind", "name", "trusted", "url"]);
    assert_eq!(keys(2), ["cached", "kind", "name", "ref", "trusted", "url"]);
    let s = &doc.sources;
    assert_eq!(s[0]["kind"], "git");
    assert_eq!(s[0]["url"], origin.url().as_str());
    assert_eq!(s[0]["trusted"], false);
    assert_eq!(s[0]["cached"], false);
    assert_eq!(s[1]["kind"], "index");
    assert_eq!(s[1]["url"], "http://127.0.0.1:9/catalog/index.json");
    assert_eq!(s[2]["kind"], "git");
    assert_eq!(s[2]["ref"], "main");
    assert_eq!(s[2]["trusted"], true);

    // The text listing, in the same order, says what is not synced yet.
    let text = stdout(&ok(&u, &["source", "list"]));
    let pos = |n: &str| {
        text.find(n)
            .unwrap_or_else(|| panic!("`{n}` in source list:\n{text}"))
    };
    assert!(
        pos("zeta") < pos("alpha") && pos("alpha") < pos("mid"),
        "{text}"
    );

    // Once synced, a git source is cached.
    let out = run(&u, &["sync"]);
    assert_exit(&out, 1); // `alpha` is nothing listening on port 9
    let doc = source_list(&u);
    assert_eq!(doc.sources[0]["cached"], true);
    assert_eq!(doc.sources[1]["cached"], false);
    assert_eq!(doc.sources[2]["cached"], true);
}

#[test]
fn a_duplicate_source_name_is_refused_and_the_first_stays() {
    let u = Sandbox::new();
    ok(&u, &["source", "add", "dup", "file:///srv/one.git"]);
    let before = fs::read(config_file(&u)).expect("config written");
    let out = run(&u, &["source", "add", "dup", "file:///srv/two.git"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("dup"), "{}", stderr(&out));
    assert_eq!(
        fs::read(config_file(&u)).unwrap(),
        before,
        "config untouched"
    );
    let doc = source_list(&u);
    assert_eq!(doc.sources.len(), 1);
    assert_eq!(doc.sources[0]["url"], "file:///srv/one.git");
}

/// `source add` loads and re-saves config.toml: the sandbox's tool pins survive it, so the
/// commands after it still never pick up the host's pacman, makepkg, brew or sudo.
#[test]
fn source_add_keeps_the_pinned_tools() {
    let u = Sandbox::new();
    ok(&u, &["source", "add", "kept", "file:///srv/kept.git"]);
    let text = fs::read_to_string(config_file(&u)).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    for t in crate::support::PINNED_TOOLS {
        let want = u.tool_dir().join(t);
        assert_eq!(
            doc["tools"][t].as_str(),
            want.to_str(),
            "[tools] {t} after source add:\n{text}"
        );
    }
    assert!(text.contains("\"kept\""), "{text}");
}

#[test]
fn source_names_are_validated() {
    let u = Sandbox::new();
    // The sandbox's own config (its tool pins): a refused name leaves it as it is.
    let pristine = fs::read(config_file(&u)).expect("the sandbox writes config.toml");
    let too_long = "a".repeat(64);
    for name in [
        "Bad",
        "local",
        "a/b",
        "../up",
        "..",
        "with space",
        "under_score",
        "-dash",
        "",
        too_long.as_str(),
    ] {
        let out = run(&u, &["source", "add", "--", name, "file:///srv/x.git"]);
        assert_exit(&out, 2);
        assert_eq!(
            fs::read(config_file(&u)).unwrap(),
            pristine,
            "nothing written for name {name:?}"
        );
    }
    ok(&u, &["source", "add", "ok-name-2", "file:///srv/x.git"]);
}

#[test]
fn source_remove_drops_the_entry_and_its_cached_copy_only() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    let p = Sandbox::new();
    p.worker("iw").write();
    let site = p.path("site");
    assert_success(&p.run(&["export", site.to_str().unwrap()]));

    let u = Sandbox::new();
    ok(&u, &["source", "add", "g", &origin.url()]);
    ok(
        &u,
        &[
            "source",
            "add",
            "i",
            site.join("index.json").to_str().unwrap(),
        ],
    );
    ok(&u, &["sync"]);
    assert!(source_cache(&u, "g").join("repo/.git").is_dir());
    assert!(source_cache(&u, "i").join("index.json").is_file());
    assert_eq!(list(&u).ids(), ["gw-cpu", "gw-cuda", "iw-cpu", "iw-cuda"]);

    // A name that is no source is "not found", and deletes nothing even if it looks like a
    // path into the cache.
    let decoy = cache(&u).join("keep");
    fs::write(&decoy, "keep").unwrap();
    for name in ["nope", "..", "../sources", "../../rbee-workers"] {
        let out = run(&u, &["source", "remove", "--", name]);
        assert_exit(&out, 3);
    }
    assert!(decoy.is_file());
    assert!(source_cache(&u, "g").is_dir() && source_cache(&u, "i").is_dir());

    ok(&u, &["source", "remove", "g"]);
    assert!(!source_cache(&u, "g").exists(), "cached clone removed");
    assert!(source_cache(&u, "i").join("index.json").is_file());
    let config = fs::read_to_string(config_file(&u)).unwrap();
    assert!(!config.contains("\"g\""), "entry removed:\n{config}");
    let doc = source_list(&u);
    assert_eq!(doc.sources.len(), 1);
    assert_eq!(doc.sources[0]["name"], "i");
    assert_eq!(list(&u).ids(), ["iw-cpu", "iw-cuda"]);
}

// ---------------------------------------------------------------------------------------------
// URLs and refs that try to become options
// ---------------------------------------------------------------------------------------------

/// Files whose name contains CANARY anywhere in the sandbox.
fn canaries(s: &Sandbox) -> Vec<PathBuf> {
    tree(s.root())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("CANARY"))
        .collect()
}

#[test]
fn urls_and_refs_that_could_become_options_are_refused_and_nothing_runs() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    let u = Sandbox::new();
    let pristine = fs::read(config_file(&u)).expect("the sandbox writes config.toml");
    let abs = u.path("ABS-CANARY");
    let abs = abs.display();
    let url = origin.url();
    let cases: Vec<Vec<String>> = vec![
        // clap sees an unknown option; still a usage error and nothing written.
        vec!["evil".into(), "-oProxyCommand=touch CANARY".into()],
        vec![
            "--".into(),
            "evil".into(),
            "-oProxyCommand=touch CANARY".into(),
        ],
        vec![
            "--".into(),
            "evil".into(),
            format!("-oProxyCommand=touch {abs}"),
        ],
        vec![
            "--".into(),
            "evil".into(),
            "--upload-pack=touch CANARY".into(),
        ],
        vec!["evil".into(), "ext::sh -c touch% CANARY".into()],
        vec!["evil".into(), format!("ext::sh -c touch% {abs}")],
        vec!["evil".into(), "EXT::sh -c touch% CANARY".into()],
        vec!["evil".into(), "fd::3".into()],
        vec![
            "evil".into(),
            url.clone(),
            "--ref=--upload-pack=touch CANARY".into(),
        ],
        vec!["evil".into(), url.clone(), format!("--ref=-uCANARY{abs}")],
        vec!["evil".into(), url.clone(), "--ref=-b".into()],
    ];
    for args in &cases {
        let mut full = vec!["source", "add"];
        full.extend(args.iter().map(String::as_str));
        let out = run(&u, &full);
        assert_exit(&out, 2);
        assert!(
            fs::read(config_file(&u)).unwrap() == pristine,
            "config written for {args:?}:\n{}",
            fs::read_to_string(config_file(&u)).unwrap_or_default()
        );
        assert!(
            canaries(&u).is_empty(),
            "{args:?} ran something: {:?}",
            canaries(&u)
        );
    }
    let out = run(&u, &["source", "add", "evil", "ext::sh -c touch% CANARY"]);
    assert!(
        stderr(&out).contains("refus"),
        "the refusal says why: {}",
        stderr(&out)
    );

    // Nothing was configured, so sync has nothing to run either.
    ok(&u, &["sync"]);
    assert!(canaries(&u).is_empty(), "{:?}", canaries(&u));
    assert!(!source_cache(&u, "evil").exists());
}

#[test]
fn a_hand_written_config_with_hostile_urls_and_refs_still_runs_nothing() {
    // `source add` refuses these; a config edited by hand must not run them either: git is
    // called with `--` before positionals and with the ext transport disabled.
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    let u = Sandbox::new();
    let c = |n: &str| u.path(format!("CANARY-{n}")).display().to_string();
    let config = format!(
        "[[sources]]\nname = \"opt\"\nkind = \"git\"\nurl = {}\n\n\
         [[sources]]\nname = \"ext\"\nkind = \"git\"\nurl = {}\n\n\
         [[sources]]\nname = \"uploadpack\"\nkind = \"git\"\nurl = {}\n\n\
         [[sources]]\nname = \"refopt\"\nkind = \"git\"\nurl = {}\nref = {}\n",
        q(&format!("-oProxyCommand=touch {}", c("opt"))),
        q(&format!("ext::sh -c touch% {}", c("ext"))),
        q(&format!("--upload-pack=touch {}", c("up"))),
        q(&origin.url()),
        q(&format!("--upload-pack=touch {}", c("ref"))),
    );
    u.write_config(&config);
    let (out, doc) = sync_json(&u, &[]);
    assert_exit(&out, 1);
    for name in ["opt", "ext", "uploadpack", "refopt"] {
        assert_eq!(doc.entry(name).status, "failed", "{doc:?}");
    }
    assert!(canaries(&u).is_empty(), "something ran: {:?}", canaries(&u));
    // A second round (now fetching where anything was cloned) runs nothing either.
    let _ = run(&u, &["sync"]);
    assert!(canaries(&u).is_empty(), "something ran: {:?}", canaries(&u));
}

// ---------------------------------------------------------------------------------------------
// git sources
// ---------------------------------------------------------------------------------------------

#[test]
fn sync_clones_a_git_source_shallow_and_lists_its_workers_unverified() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    origin.worker("gw", "0.2.0");
    origin.worker("hw", "1.0.0");
    let head = origin.commit("two");

    let u = Sandbox::new();
    ok(&u, &["source", "add", "comm", &origin.url()]);
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    let e = doc.entry("comm");
    assert_eq!(
        (e.kind.as_str(), e.status.as_str(), e.workers),
        ("git", "updated", 2)
    );

    let repo = source_cache(&u, "comm").join("repo");
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(&repo, &["rev-parse", "--is-shallow-repository"]),
        "true",
        "the clone is shallow"
    );
    assert_eq!(git(&repo, &["rev-list", "--count", "HEAD"]), "1");

    let doc = list(&u);
    assert_eq!(doc.ids(), ["gw-cpu", "gw-cuda", "hw-cpu", "hw-cuda"]);
    for v in &doc.workers {
        assert_eq!(v.source.name, "comm");
        assert_eq!(v.source.kind, "git");
        assert_eq!(v.source.location, origin.url());
        assert_eq!(v.source.subdir, format!("bin/{}", v.worker));
        assert!(!v.source.verified, "untrusted source: {v:?}");
    }
    assert_eq!(version_of(&doc, "gw-cpu"), "0.2.0");

    // A second sync with nothing new is "unchanged".
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("comm").status, "unchanged");
}

#[test]
fn a_trusted_git_source_is_verified_except_its_community_workers() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.community_worker("cw", "0.1.0");
    origin.commit("one");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "plain", &origin.url()]);
    ok(&u, &["source", "add", "vetted", &origin.url(), "--trusted"]);
    ok(&u, &["sync"]);
    let get = |id: &str| info(&u, id).workers[0].clone();
    assert!(!get("plain/gw-cpu").source.verified);
    assert!(get("vetted/gw-cpu").source.verified);
    assert!(
        !get("vetted/cw-cpu").source.verified,
        "community is unverified"
    );
    assert_eq!(get("vetted/cw-cpu").source.subdir, "bin/community/cw");
    // Without a source prefix the first configured source answers.
    assert_eq!(get("gw-cpu").source.name, "plain");
}

#[test]
fn ref_follows_a_branch_and_a_new_commit_shows_after_the_next_sync() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("main one");
    origin.git(&["checkout", "-q", "-b", "dev"]);
    origin.worker("gw", "0.5.0");
    origin.commit("dev one");
    origin.git(&["checkout", "-q", "main"]);
    origin.worker("gw", "0.2.0");
    origin.commit("main two");

    let u = Sandbox::new();
    ok(&u, &["source", "add", "d", &origin.url(), "--ref", "dev"]);
    ok(&u, &["source", "add", "m", &origin.url()]);
    ok(&u, &["sync"]);
    assert_eq!(version_of(&info(&u, "d/gw-cpu"), "gw-cpu"), "0.5.0");
    assert_eq!(version_of(&info(&u, "m/gw-cpu"), "gw-cpu"), "0.2.0");

    // A version bump on dev, and one on main.
    origin.git(&["checkout", "-q", "dev"]);
    origin.worker("gw", "0.6.0");
    let dev_head = origin.commit("dev two");
    origin.git(&["checkout", "-q", "main"]);
    origin.worker("gw", "0.3.0");
    origin.commit("main three");

    // Not before the sync...
    assert_eq!(version_of(&info(&u, "d/gw-cpu"), "gw-cpu"), "0.5.0");
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("d").status, "updated");
    assert_eq!(doc.entry("m").status, "updated");
    // ...and after it.
    assert_eq!(version_of(&info(&u, "d/gw-cpu"), "gw-cpu"), "0.6.0");
    assert_eq!(version_of(&info(&u, "m/gw-cpu"), "gw-cpu"), "0.3.0");
    let repo = source_cache(&u, "d").join("repo");
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), dev_head);
    assert_eq!(
        git(&repo, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );
}

#[test]
fn ref_pins_a_tag() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    origin.git(&["tag", "v0.1.0"]);
    origin.git(&["tag", "-a", "-m", "annotated", "rel-0.1.0"]);
    origin.worker("gw", "0.2.0");
    origin.commit("two");

    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "t", &origin.url(), "--ref", "v0.1.0"],
    );
    ok(
        &u,
        &["source", "add", "a", &origin.url(), "--ref", "rel-0.1.0"],
    );
    ok(&u, &["sync"]);
    assert_eq!(version_of(&info(&u, "t/gw-cpu"), "gw-cpu"), "0.1.0");
    assert_eq!(version_of(&info(&u, "a/gw-cpu"), "gw-cpu"), "0.1.0");
    // The branch moving on doesn't move a tag.
    origin.worker("gw", "0.3.0");
    origin.commit("three");
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("t").status, "unchanged");
    assert_eq!(doc.entry("a").status, "unchanged");
    assert_eq!(version_of(&info(&u, "t/gw-cpu"), "gw-cpu"), "0.1.0");
    assert_eq!(version_of(&info(&u, "a/gw-cpu"), "gw-cpu"), "0.1.0");
}

#[test]
fn sync_prints_a_line_per_source_and_a_summary_naming_the_failure() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.worker("hw", "0.1.0");
    origin.commit("one");
    let p = Sandbox::new();
    p.worker("iw").write();
    let site = p.path("site");
    assert_success(&p.run(&["export", site.to_str().unwrap()]));
    let u = Sandbox::new();
    ok(&u, &["source", "add", "first", &origin.url()]);
    ok(
        &u,
        &[
            "source",
            "add",
            "broken",
            "file:///nonexistent/rbee-test/repo.git",
        ],
    );
    ok(
        &u,
        &[
            "source",
            "add",
            "third",
            site.join("index.json").to_str().unwrap(),
        ],
    );
    let out = run(&u, &["sync"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    for name in ["first", "broken", "third"] {
        assert!(
            err.lines()
                .any(|l| l.contains(name) && !l.contains("sources,")),
            "a line for `{name}`:\n{err}"
        );
    }
    let summary = err
        .lines()
        .find(|l| l.starts_with("3 sources, "))
        .unwrap_or_else(|| panic!("a summary line `3 sources, …`:\n{err}"));
    assert_eq!(summary, "3 sources, 3 workers, 1 failed: broken");
    // git's own words, from the failed clone's log, are shown once.
    assert_eq!(
        err.matches("does not appear to be a git repository")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("1 source could not be synced"), "{err}");
    // Everything that did sync is listed.
    assert_eq!(
        list(&u).ids(),
        ["gw-cpu", "gw-cuda", "hw-cpu", "hw-cuda", "iw-cpu", "iw-cuda"]
    );
    // Nothing failing: exit 0 and no "failed" in the summary.
    ok(&u, &["source", "remove", "broken"]);
    let out = ok(&u, &["sync"]);
    let err = stderr(&out);
    assert!(
        err.lines().any(|l| l == "2 sources, 3 workers"),
        "summary:\n{err}"
    );
}

/// Something done to a cached clone.
type Breakage = Box<dyn Fn(&Path)>;

#[test]
fn a_corrupt_or_half_written_clone_is_detected_and_cloned_again() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    let head = origin.commit("one");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "c", &origin.url()]);
    ok(&u, &["sync"]);
    let repo = source_cache(&u, "c").join("repo");

    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "HEAD deleted",
            Box::new(|r: &Path| fs::remove_file(r.join(".git/HEAD")).unwrap()),
        ),
        (
            "every object file truncated",
            Box::new(|r: &Path| {
                for p in tree(&r.join(".git/objects")) {
                    let p = r.join(".git/objects").join(p);
                    if p.is_file() {
                        let mut perm = fs::metadata(&p).unwrap().permissions();
                        #[allow(clippy::permissions_set_readonly_false)]
                        perm.set_readonly(false);
                        fs::set_permissions(&p, perm).unwrap();
                        fs::write(&p, b"").unwrap();
                    }
                }
            }),
        ),
        (
            "no .git at all (a half-written work tree)",
            Box::new(|r: &Path| fs::remove_dir_all(r.join(".git")).unwrap()),
        ),
        (
            "an empty directory",
            Box::new(|r: &Path| {
                fs::remove_dir_all(r).unwrap();
                fs::create_dir_all(r).unwrap();
            }),
        ),
        (
            "HEAD pointing at a missing branch",
            Box::new(|r: &Path| fs::write(r.join(".git/HEAD"), "ref: refs/heads/gone\n").unwrap()),
        ),
    ];
    for (what, breakage) in &breakages {
        breakage(&repo);
        let (out, doc) = sync_json(&u, &[]);
        assert!(
            out.status.success(),
            "{what}: sync failed\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
        assert_eq!(doc.entry("c").status, "updated", "{what}: recloned");
        assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head, "{what}");
        git(&repo, &["fsck", "--no-progress"]);
        assert_eq!(list(&u).ids(), ["gw-cpu", "gw-cuda"], "{what}");
        // No half-made clones are left beside it.
        assert_eq!(names_in(&source_cache(&u, "c")), ["repo"], "{what}");
    }
}

#[test]
fn a_clone_missing_an_object_is_cloned_again() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    origin.commit("one");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "c", &origin.url()]);
    ok(&u, &["sync"]);
    let repo = source_cache(&u, "c").join("repo");
    // Explode the pack into loose objects, then lose one blob: the commit still reads.
    let packs: Vec<PathBuf> = fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let pack = packs
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack")
        .clone();
    let bytes = fs::read(&pack).unwrap();
    for p in &packs {
        fs::remove_file(p).unwrap();
    }
    let mut child = Command::new("git")
        .current_dir(&repo)
        .args(["unpack-objects", "-q"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    assert!(child.wait().unwrap().success());
    let blob = git(&repo, &["rev-parse", "HEAD:bin/gw/worker.toml"]);
    fs::remove_file(repo.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    // The remote moves on (a version bump), so sync has to fetch.
    origin.worker("gw", "0.2.0");
    let head = origin.commit("two");

    let (out, doc) = sync_json(&u, &[]);
    assert!(
        out.status.success(),
        "sync failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(doc.entry("c").status, "updated");
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    git(&repo, &["fsck", "--no-progress"]);
    assert_eq!(version_of(&list(&u), "gw-cpu"), "0.2.0");
}

#[test]
fn an_unreachable_remote_keeps_the_cached_copy_and_says_so() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    let head = origin.commit("one");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "far", &origin.url()]);
    ok(&u, &["sync"]);
    let repo = source_cache(&u, "far").join("repo");

    let gone = origin.s.path("moved-away");
    fs::rename(origin.dir(), &gone).unwrap();
    let out = run(&u, &["sync"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.contains("far") && l.contains("cached") && !l.contains("sources,")),
        "a line says the cached copy of `far` is kept:\n{err}"
    );
    assert!(
        err.lines()
            .any(|l| l == "1 source, 1 worker, 1 failed: far"),
        "summary:\n{err}"
    );
    let (out, doc) = sync_json(&u, &[]);
    assert_exit(&out, 1);
    let e = doc.entry("far");
    assert_eq!((e.status.as_str(), e.workers), ("cached", 1));
    assert!(e.message.is_some());

    // The cached copy is intact and still serves the catalog.
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    let doc = list(&u);
    assert_eq!(doc.ids(), ["gw-cpu", "gw-cuda"]);
    assert_eq!(doc.variant("gw-cpu").source.name, "far");
    let out = ok(&u, &["info", "far/gw-cpu"]);
    assert!(stdout(&out).contains("gw-cpu"));

    // --offline is content with the cache: exit 0.
    let (out, doc) = sync_json(&u, &["--offline"]);
    assert_success(&out);
    assert_eq!(doc.entry("far").status, "cached");

    // Back online, it syncs again.
    fs::rename(&gone, origin.dir()).unwrap();
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("far").status, "unchanged");
}

#[test]
fn offline_sync_uses_only_the_cache() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    let first = origin.commit("one");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "o", &origin.url()]);
    ok(&u, &["source", "add", "never", &origin.url()]);

    // Nothing cached: --offline cannot clone.
    let (out, doc) = sync_json(&u, &["--offline"]);
    assert_exit(&out, 1);
    assert_eq!(doc.entry("o").status, "failed");
    assert!(!source_cache(&u, "o").join("repo").exists());

    ok(&u, &["source", "remove", "never"]);
    ok(&u, &["sync"]);
    origin.worker("gw", "0.2.0");
    origin.commit("two");
    let (out, doc) = sync_json(&u, &["--offline"]);
    assert_success(&out);
    assert_eq!(doc.entry("o").status, "cached");
    assert_eq!(
        git(&source_cache(&u, "o").join("repo"), &["rev-parse", "HEAD"]),
        first,
        "--offline fetched nothing"
    );
    assert_eq!(version_of(&list(&u), "gw-cpu"), "0.1.0");
    ok(&u, &["sync"]);
    assert_eq!(version_of(&list(&u), "gw-cpu"), "0.2.0");
}

#[test]
fn sync_json_prints_one_document_when_a_source_fails() {
    let u = Sandbox::new();
    ok(
        &u,
        &[
            "source",
            "add",
            "broken",
            "file:///nonexistent/rbee-test/repo.git",
        ],
    );
    let out = run(&u, &["sync", "--json"]);
    assert_exit(&out, 1);
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .expect("stdout is JSON");
    assert_eq!(docs.len(), 1, "one document on stdout:\n{}", stdout(&out));
    assert_eq!(docs[0]["sources"][0]["status"], "failed");
}

// ---------------------------------------------------------------------------------------------
// index sources over HTTP
// ---------------------------------------------------------------------------------------------

const FAKE_SHA: &str = "abababababababababababababababababababababababababababababababab";

/// `[source]` pinned to a tarball and checksum, so exporting needs no network.
fn pinned_source(repo: &str, tarball: &str, sha: &str) -> String {
    format!(
        "[source]\ngit = {}\ntarball = {}\nsha256 = {}\n",
        q(&format!("https://example.invalid/x/{repo}.git")),
        q(tarball),
        q(sha)
    )
}

/// A publisher's catalog with three workers of different shapes (one community).
fn publisher(version: &str) -> Sandbox {
    let p = Sandbox::new();
    p.worker("alpha")
        .features(&["cpu", "cuda", "rocm"])
        .platforms(&[("linux", &["x86_64", "aarch64"]), ("macos", &["aarch64"])])
        .tags(&["llm", "text"])
        .license("MIT")
        .homepage("https://example.invalid/alpha")
        .version(version)
        .extra(
            "[capabilities]\nsupported_formats = [\"gguf\"]\nmax_context_length = 4096\n\n\
             [depends]\narch = [\"gcc-libs\"]\nbrew = []\n\n\
             [variants.cuda]\nbinary = \"alpha-cuda-bin\"\n",
        )
        .bin("alpha", &[])
        .bin("alpha-cuda-bin", &["cuda"])
        .main_rs(false)
        .extra(&pinned_source(
            "alpharepo",
            "https://example.invalid/alpha-{version}.tar.gz",
            FAKE_SHA,
        ))
        .write();
    p.worker("beta")
        .features(&["cpu", "metal"])
        .platforms(&[("linux", &["x86_64"]), ("macos", &["aarch64"])])
        .extra(&pinned_source(
            "betarepo",
            "https://example.invalid/beta.tar.gz",
            FAKE_SHA,
        ))
        .write();
    p.worker("gamma")
        .dir("bin/community/gamma")
        .features(&["cpu"])
        .extra(&pinned_source(
            "gammarepo",
            "https://example.invalid/gamma.tar.gz",
            FAKE_SHA,
        ))
        .write();
    p
}

/// `export` of `p` into `p/site`; returns the bytes of index.json.
fn export(p: &Sandbox) -> Vec<u8> {
    let site = p.path("site");
    let out = p.run(&["export", site.to_str().unwrap()]);
    assert_success(&out);
    fs::read(site.join("index.json")).expect("export wrote index.json")
}

/// A variant document without what legitimately differs between the original catalog and
/// its copy read back from an index (which source it is, and so whether it is verified).
fn published_part(v: &VariantDoc) -> VariantDoc {
    let mut v = v.clone();
    v.source.name = String::new();
    v.source.kind = String::new();
    v.source.location = String::new();
    v.source.verified = false;
    v.installed = None;
    v
}

#[test]
fn an_index_over_http_is_revalidated_with_etag_and_an_unchanged_one_costs_one_304() {
    let p = publisher("0.1.0");
    let v1 = export(&p);
    let server = TagServer::start();
    let url = server.serve_tagged("/cat/index.json", &v1, "\"v1\"");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "idx", &url]);
    assert_eq!(source_list(&u).sources[0]["kind"], "index");

    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    let e = doc.entry("idx");
    assert_eq!(
        (e.kind.as_str(), e.status.as_str(), e.workers),
        ("index", "updated", 3)
    );
    let log = server.requests_for("/cat/index.json");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].if_none_match, None, "nothing cached to revalidate");
    assert_eq!(log[0].status, 200);
    let cached = source_cache(&u, "idx").join("index.json");
    assert_eq!(
        fs::read(&cached).unwrap(),
        v1,
        "the cached copy is the index"
    );
    let mtime = fs::metadata(&cached).unwrap().modified().unwrap();
    assert_eq!(version_of(&list(&u), "alpha-cpu"), "0.1.0");

    // Unchanged: exactly one conditional request, answered 304; the cache is not rewritten.
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("idx").status, "unchanged");
    let log = server.requests_for("/cat/index.json");
    assert_eq!(log.len(), 2, "one request per sync: {log:?}");
    assert_eq!(log[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(log[1].status, 304);
    assert_eq!(fs::read(&cached).unwrap(), v1);
    assert_eq!(fs::metadata(&cached).unwrap().modified().unwrap(), mtime);
    assert_eq!(server.log().len(), 2, "nothing else was fetched");

    // A new version published: 200 with the new content.
    let p2 = publisher("0.2.0");
    let v2 = export(&p2);
    assert_ne!(v1, v2);
    server.serve_tagged("/cat/index.json", &v2, "\"v2\"");
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("idx").status, "updated");
    let log = server.requests_for("/cat/index.json");
    assert_eq!(log.len(), 3);
    assert_eq!(log[2].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(log[2].status, 200);
    assert_eq!(fs::read(&cached).unwrap(), v2);
    assert_eq!(version_of(&list(&u), "alpha-cpu"), "0.2.0");

    // And the new ETag is what the next sync sends.
    let (out, _) = sync_json(&u, &[]);
    assert_success(&out);
    let log = server.requests_for("/cat/index.json");
    assert_eq!(log[3].if_none_match.as_deref(), Some("\"v2\""));
    assert_eq!(log[3].status, 304);

    // --offline makes no request at all.
    let (out, doc) = sync_json(&u, &["--offline"]);
    assert_success(&out);
    assert_eq!(doc.entry("idx").status, "cached");
    assert_eq!(server.requests_for("/cat/index.json").len(), 4);
}

#[test]
fn an_invalid_index_is_refused_and_the_previous_cached_copy_stays() {
    let p = publisher("0.1.0");
    let good = export(&p);
    let server = TagServer::start();
    let url = server.serve_tagged("/index.json", &good, "\"good\"");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "idx", &url]);
    ok(&u, &["sync"]);
    let cached = source_cache(&u, "idx").join("index.json");
    let etag = source_cache(&u, "idx").join("etag");
    let etag_before = fs::read(&etag).ok();
    assert_eq!(fs::read(&cached).unwrap(), good);
    let listed = list(&u);

    let good_json: serde_json::Value = serde_json::from_slice(&good).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| -> Vec<u8> {
        let mut v = good_json.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"schema\": 1, \"workers\": [".to_vec()),
        ("HTML", b"<html><body>moved</body></html>".to_vec()),
        ("empty", Vec::new()),
        ("schema 2", with(&|v| v["schema"] = 2.into())),
        ("no workers", br#"{"schema": 1}"#.to_vec()),
        (
            "a variant lacking fields",
            br#"{"schema": 1, "workers": [{"id": "x-cpu"}]}"#.to_vec(),
        ),
        (
            "an uppercase worker id",
            with(&|v| {
                v["workers"][0]["worker"] = "Alpha".into();
                v["workers"][0]["id"] = "Alpha-cpu".into();
            }),
        ),
        (
            "a worker id that is a path",
            with(&|v| {
                v["workers"][0]["worker"] = "../../evil".into();
                v["workers"][0]["id"] = "../../evil-cpu".into();
            }),
        ),
        (
            "an id that is not worker-feature",
            with(&|v| v["workers"][0]["id"] = "something-else".into()),
        ),
        (
            "a version that is not semver",
            with(&|v| v["workers"][0]["version"] = "latest".into()),
        ),
        (
            "a binary that is a path",
            with(&|v| v["workers"][0]["binary"] = "../../bin/sh".into()),
        ),
        (
            "an installed name that is a path",
            with(&|v| v["workers"][0]["installed_name"] = "/usr/bin/evil".into()),
        ),
        (
            "a malformed sha256",
            with(&|v| v["workers"][0]["upstream"]["sha256"] = "nothex".into()),
        ),
    ];
    for (i, (what, body)) in cases.iter().enumerate() {
        server.serve_tagged("/index.json", body, &format!("\"bad{i}\""));
        let (out, doc) = sync_json(&u, &[]);
        assert_exit(&out, 1);
        let e = doc.entry("idx");
        assert_eq!(e.status, "cached", "{what}: the cached copy is kept");
        assert!(
            e.message
                .as_deref()
                .is_some_and(|m| m.contains("not a valid rbee-workers catalog")),
            "{what}: {e:?}"
        );
        assert_eq!(fs::read(&cached).unwrap(), good, "{what}: cache untouched");
        assert_eq!(fs::read(&etag).ok(), etag_before, "{what}: etag untouched");
        assert_eq!(list(&u), listed, "{what}: the catalog is the previous one");
    }
    // Serving the good one again under its old ETag is a 304, the cache still current.
    server.serve_tagged("/index.json", &good, "\"good\"");
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("idx").status, "unchanged");
    assert_eq!(server.log().last().unwrap().status, 304);
}

#[test]
fn a_damaged_cached_index_is_downloaded_again() {
    let p = publisher("0.1.0");
    let good = export(&p);
    let server = TagServer::start();
    let url = server.serve_tagged("/index.json", &good, "\"good\"");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "idx", &url]);
    ok(&u, &["sync"]);
    let cached = source_cache(&u, "idx").join("index.json");
    fs::write(&cached, &good[..good.len() / 2]).unwrap();
    let (out, doc) = sync_json(&u, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("idx").workers, 3, "{doc:?}");
    assert_eq!(fs::read(&cached).unwrap(), good);
    assert_eq!(list(&u).workers.len(), 6);
}

#[test]
fn an_index_source_lists_what_the_original_catalog_lists() {
    let p = publisher("0.3.1");
    let index = export(&p);
    let original = p.list();
    assert!(original.problems.is_empty(), "{:?}", original.problems);
    assert_eq!(
        original.ids(),
        [
            "alpha-cpu",
            "alpha-cuda",
            "alpha-rocm",
            "beta-cpu",
            "beta-metal",
            "gamma-cpu"
        ]
    );
    let server = TagServer::start();
    let url = server.serve_tagged("/index.json", &index, "\"x\"");

    // Over HTTP, untrusted.
    let u = Sandbox::new();
    ok(&u, &["source", "add", "web", &url]);
    ok(&u, &["sync"]);
    let copy = list(&u);
    assert_eq!(copy.ids(), original.ids());
    for (a, b) in original.workers.iter().zip(&copy.workers) {
        assert_eq!(published_part(a), published_part(b), "{}", a.id);
        assert_eq!(b.source.name, "web");
        assert_eq!(b.source.kind, "index");
        assert_eq!(b.source.location, url);
        assert!(!b.source.verified, "{}: untrusted source", b.id);
    }

    // As a local path (relative when added), trusted: verified as in the original.
    let local = u.path("published/index.json");
    fs::create_dir_all(local.parent().unwrap()).unwrap();
    fs::write(&local, &index).unwrap();
    let v = Sandbox::new();
    fs::create_dir_all(v.path("published")).unwrap();
    fs::write(v.path("published/index.json"), &index).unwrap();
    ok(
        &v,
        &["source", "add", "disk", "published/index.json", "--trusted"],
    );
    let listed = source_list(&v);
    assert_eq!(listed.sources[0]["kind"], "index");
    let stored = listed.sources[0]["url"].as_str().unwrap().to_string();
    assert!(
        Path::new(&stored).is_absolute(),
        "a relative path is stored absolute: {stored}"
    );
    ok(&v, &["sync"]);
    // Read from another directory: the stored path does not depend on the cwd.
    let elsewhere = Sandbox::new();
    let copy = json_of(
        v.cmd()
            .current_dir(elsewhere.root())
            .args(["list", "--json"]),
    );
    assert_eq!(copy.ids(), original.ids());
    for (a, b) in original.workers.iter().zip(&copy.workers) {
        assert_eq!(published_part(a), published_part(b), "{}", a.id);
        assert_eq!(b.source.kind, "index");
        assert_eq!(b.source.verified, a.source.verified, "{}", a.id);
    }
    assert!(copy.variant("alpha-cpu").source.verified);
    assert!(!copy.variant("gamma-cpu").source.verified, "community");

    // A file:// URL works too, and a local index is re-read on sync.
    let w = Sandbox::new();
    let file_url = format!("file://{}", local.display());
    ok(&w, &["source", "add", "f", &file_url]);
    ok(&w, &["sync"]);
    assert_eq!(list(&w).ids(), original.ids());
    fs::write(&local, export(&publisher("0.4.0"))).unwrap();
    let (out, doc) = sync_json(&w, &[]);
    assert_success(&out);
    assert_eq!(doc.entry("f").status, "updated");
    assert_eq!(version_of(&list(&w), "alpha-cpu"), "0.4.0");
}

// ---------------------------------------------------------------------------------------------
// The catalog across sources
// ---------------------------------------------------------------------------------------------

#[test]
fn the_local_root_wins_over_a_source_and_source_slash_id_picks_one() {
    let origin = Origin::new();
    origin.worker("dup", "2.0.0");
    origin.worker("remote-only", "1.0.0");
    origin.commit("one");
    let u = Sandbox::new();
    u.worker("dup").version("1.0.0").write();
    ok(&u, &["source", "add", "remote", &origin.url()]);
    ok(&u, &["sync"]);

    // `--root` makes the sandbox the local catalog.
    let doc = u.list();
    assert_eq!(
        doc.ids(),
        ["dup-cpu", "dup-cuda", "remote-only-cpu", "remote-only-cuda"],
        "each id once"
    );
    assert_eq!(doc.variant("dup-cpu").version, "1.0.0");
    assert_eq!(doc.variant("dup-cpu").source.name, "local");
    assert_eq!(doc.variant("remote-only-cpu").source.name, "remote");

    let pick = |id: &str| u.json(&["info", id]).workers;
    assert_eq!(pick("dup-cpu")[0].source.name, "local");
    assert_eq!(pick("remote/dup-cpu")[0].version, "2.0.0");
    assert_eq!(pick("remote/dup-cpu")[0].source.name, "remote");
    assert_eq!(pick("local/dup-cpu")[0].version, "1.0.0");
    let whole = pick("remote/dup");
    assert_eq!(whole.len(), 2);
    assert!(whole
        .iter()
        .all(|v| v.source.name == "remote" && v.version == "2.0.0"));
    let out = u.run(&["info", "remote/remote-only-cpu", "--json"]);
    assert_success(&out);
    let out = u.run(&["info", "local/remote-only-cpu"]);
    assert_exit(&out, 3);
    let out = u.run(&["info", "nosuch/dup-cpu"]);
    assert_exit(&out, 3);
}

#[test]
fn the_first_configured_source_wins() {
    // Two git sources and an index source holding the same worker, configured in an order
    // that is not alphabetical.
    let a = Origin::new();
    a.worker("dup", "3.0.0");
    a.commit("a");
    let b = Origin::new();
    b.worker("dup", "2.0.0");
    b.worker("only-b", "1.0.0");
    b.commit("b");
    let p = Sandbox::new();
    p.worker("dup").version("9.0.0").write();
    let site_index = {
        export(&p);
        p.path("site/index.json")
    };

    let u = Sandbox::new();
    ok(&u, &["source", "add", "zulu", &a.url()]);
    ok(&u, &["source", "add", "alpha", &b.url()]);
    ok(&u, &["source", "add", "idx", site_index.to_str().unwrap()]);
    ok(&u, &["sync"]);
    let doc = list(&u);
    assert_eq!(
        doc.ids(),
        ["dup-cpu", "dup-cuda", "only-b-cpu", "only-b-cuda"]
    );
    assert_eq!(doc.variant("dup-cpu").version, "3.0.0");
    assert_eq!(doc.variant("dup-cpu").source.name, "zulu");
    assert_eq!(doc.variant("only-b-cpu").source.name, "alpha");
    assert_eq!(info(&u, "dup-cuda").workers[0].source.name, "zulu");
    assert_eq!(info(&u, "alpha/dup-cpu").workers[0].version, "2.0.0");
    assert_eq!(info(&u, "idx/dup-cpu").workers[0].version, "9.0.0");
    assert_eq!(info(&u, "idx/dup-cpu").workers[0].source.kind, "index");

    // Reordering the sources (remove and add back) changes who wins.
    ok(&u, &["source", "remove", "zulu"]);
    ok(&u, &["source", "add", "zulu", &a.url()]);
    ok(&u, &["sync"]);
    let doc = list(&u);
    assert_eq!(doc.variant("dup-cpu").version, "2.0.0");
    assert_eq!(doc.variant("dup-cpu").source.name, "alpha");
}

#[test]
fn a_shadowed_worker_is_shadowed_whole() {
    let origin = Origin::new();
    origin
        .s
        .worker("dup")
        .dir("repo/bin/dup")
        .features(&["cpu", "rocm"])
        .version("2.0.0")
        .write();
    origin.commit("one");
    let u = Sandbox::new();
    u.worker("dup").features(&["cpu"]).version("1.0.0").write();
    ok(&u, &["source", "add", "remote", &origin.url()]);
    ok(&u, &["sync"]);
    let doc = u.list();
    assert_eq!(doc.ids(), ["dup-cpu"], "the local worker `dup` wins whole");
    assert_eq!(
        u.json(&["info", "remote/dup-rocm"]).workers[0].version,
        "2.0.0"
    );
}

#[test]
fn info_names_the_other_sources_that_provide_an_id() {
    let origin = Origin::new();
    origin.worker("dup", "2.0.0");
    origin.commit("one");
    let u = Sandbox::new();
    u.worker("dup").version("1.0.0").write();
    ok(&u, &["source", "add", "remote", &origin.url()]);
    ok(&u, &["sync"]);
    let out = u.run(&["info", "dup-cpu"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("local"), "{text}");
    assert!(
        text.contains("remote"),
        "info says `remote` also provides dup-cpu:\n{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Release downloads
// ---------------------------------------------------------------------------------------------

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Copies examples/bin/hello-worker to `dest`, renamed `name` (id, package, lock entry).
fn hello_crate(dest: &Path, name: &str) {
    fs::create_dir_all(dest).unwrap();
    let src = examples().join("bin/hello-worker");
    for rel in ["worker.toml", "Cargo.toml", "Cargo.lock", "src/main.rs"] {
        let text = fs::read_to_string(src.join(rel)).unwrap();
        let text = text.replace("\"hello-worker\"", &q(name));
        let to = dest.join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, text).unwrap();
    }
}

type Tgz = tar::Builder<flate2::write::GzEncoder<Vec<u8>>>;

fn tgz() -> Tgz {
    tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ))
}

fn finish(b: Tgz) -> Vec<u8> {
    b.into_inner().unwrap().finish().unwrap()
}

/// Appends an entry with exactly these name and link-name bytes: the `tar` crate's own
/// setters refuse `..` and absolute paths, which is the point here.
fn raw_entry(b: &mut Tgz, kind: tar::EntryType, name: &str, link: Option<&str>, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        assert!(name.len() < old.name.len(), "name fits the header: {name}");
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(l) = link {
            assert!(l.len() < old.linkname.len(), "link fits the header: {l}");
            old.linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
    }
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(match kind {
        tar::EntryType::Directory => 0o755,
        _ => 0o644,
    });
    h.set_mtime(1_700_000_000);
    if matches!(kind, tar::EntryType::Char | tar::EntryType::Block) {
        h.set_device_major(1).unwrap();
        h.set_device_minor(3).unwrap();
    }
    h.set_cksum();
    b.append(&h, data).unwrap();
}

fn file(b: &mut Tgz, name: &str, data: &[u8]) {
    raw_entry(b, tar::EntryType::Regular, name, None, data);
}

/// A publisher whose only worker `{name}` builds its release from `tarball` (top dir
/// `{name}repo-0.1.0`) pinned to `sha`; exported into `p/site`. Returns the index path.
fn publish_release(p: &Sandbox, name: &str, tarball: &str, sha: &str) -> PathBuf {
    let dir = p.path(format!("bin/{name}"));
    hello_crate(&dir, name);
    let mut toml = fs::read_to_string(dir.join("worker.toml")).unwrap();
    toml.push('\n');
    toml.push_str(&pinned_source(&format!("{name}repo"), tarball, sha));
    fs::write(dir.join("worker.toml"), toml).unwrap();
    export(p);
    p.path("site/index.json")
}

#[test]
fn installing_from_an_index_source_downloads_verifies_unpacks_and_builds_the_release() {
    // The release tarball, as GitHub would make it: one top dir `{repo}-{version}`.
    let stage = Sandbox::new();
    let top = stage.path("relwrepo-0.1.0");
    hello_crate(&top.join("bin/relw"), "relw");
    fs::write(top.join("README"), "the upstream repository\n").unwrap();
    let mut b = tgz();
    b.append_dir_all("relwrepo-0.1.0", &top).unwrap();
    let bytes = finish(b);
    let sha = sha256_hex(&bytes);

    let server = TagServer::start();
    let tarball = server.serve("/dl/relwrepo-0.1.0.tar.gz", &bytes);
    let p = Sandbox::new();
    let index = fs::read(publish_release(&p, "relw", &tarball, &sha)).unwrap();
    let index_url = server.serve_tagged("/site/index.json", &index, "\"1\"");

    let u = Sandbox::new();
    ok(&u, &["source", "add", "rel", &index_url, "--trusted"]);
    ok(&u, &["sync"]);
    let listed = list(&u);
    assert_eq!(listed.ids(), ["relw-cpu", "relw-cuda"]);
    assert!(listed.variant("relw-cpu").source.verified);
    assert_eq!(
        listed.variant("relw-cpu").upstream.sha256.as_deref(),
        Some(sha.as_str())
    );

    let prefix = u.path("prefix");
    let out = run_env(
        &u,
        &[],
        &[
            "install",
            "relw-cpu",
            "--noconfirm",
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_success(&out);
    let bin = prefix.join("bin/relw-cpu");
    let ver = Command::new(&bin).arg("--version").output().unwrap();
    assert!(ver.status.success(), "{}", stderr(&ver));
    assert_eq!(stdout(&ver).trim(), "relw 0.1.0 (cpu)");
    let hello = Command::new(&bin).arg("rbee").output().unwrap();
    assert_eq!(stdout(&hello).trim(), "Hello, rbee! (cpu backend)");

    // Downloaded once, from the server; unpacked into the cache and built from there.
    let gets = server.requests_for("/dl/relwrepo-0.1.0.tar.gz");
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(gets[0].status, 200);
    let unpacked = cache(&u).join("src/relw-0.1.0/relwrepo-0.1.0");
    assert!(unpacked.join("bin/relw/Cargo.toml").is_file());
    assert!(unpacked.join("README").is_file());
    let downloads = names_in(&cache(&u).join("downloads"));
    assert_eq!(downloads.len(), 1, "{downloads:?}");
    assert_eq!(
        sha256_hex(&fs::read(cache(&u).join("downloads").join(&downloads[0])).unwrap()),
        sha
    );

    let doc = list(&u);
    let installed = doc
        .variant("relw-cpu")
        .installed
        .clone()
        .expect("recorded as installed");
    assert_eq!(installed.flavor, "release");
    assert_eq!(installed.backend, "cargo");
    assert_eq!(installed.version, "0.1.0");
    assert_eq!(Path::new(&installed.path), bin);
}

#[test]
fn an_unverified_index_worker_is_reviewed_before_anything_is_downloaded() {
    let server = TagServer::start();
    let tarball = server.serve("/dl/revrepo-0.1.0.tar.gz", b"never fetched");
    let p = Sandbox::new();
    let index = publish_release(&p, "rev", &tarball, FAKE_SHA);
    let u = Sandbox::new();
    ok(&u, &["source", "add", "unv", index.to_str().unwrap()]);
    ok(&u, &["sync"]);
    let prefix = u.path("prefix");
    let out = run_env(
        &u,
        &[],
        &["install", "rev-cpu", "--prefix", prefix.to_str().unwrap()],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("unverified"), "{err}");
    assert!(
        err.contains(&tarball),
        "the review shows the download: {err}"
    );
    assert!(err.contains(FAKE_SHA), "and its checksum: {err}");
    assert!(server.log().is_empty(), "nothing downloaded before review");
    assert!(!cache(&u).join("downloads").exists());
    assert!(!prefix.exists());
}

/// What a hostile-archive install left behind.
struct Hostile {
    u: Sandbox,
    out: Output,
    before: BTreeSet<PathBuf>,
    server: TagServer,
    url_path: String,
    prefix: PathBuf,
}

/// Publishes a worker `evil` whose release tarball is what `build` makes (given the user
/// sandbox, so entries can aim at places inside it), then runs
/// `install evil-cpu --noconfirm` with `env`.
fn hostile(env: &[(&str, &str)], build: impl FnOnce(&Sandbox, &mut Tgz)) -> Hostile {
    let u = Sandbox::new();
    fs::create_dir_all(u.path("outside")).unwrap();
    fs::write(u.path("outside/secret"), "secret\n").unwrap();
    let mut b = tgz();
    // Something harmless first, so a refusal has a partial unpack to clean up.
    raw_entry(
        &mut b,
        tar::EntryType::Directory,
        "evilrepo-0.1.0/",
        None,
        b"",
    );
    file(&mut b, "evilrepo-0.1.0/README", b"harmless\n");
    build(&u, &mut b);
    let bytes = finish(b);
    let server = TagServer::start();
    let url_path = "/dl/evilrepo-0.1.0.tar.gz".to_string();
    let tarball = server.serve(&url_path, &bytes);
    let p = Sandbox::new();
    let index = publish_release(&p, "evil", &tarball, &sha256_hex(&bytes));
    ok(
        &u,
        &["source", "add", "ev", index.to_str().unwrap(), "--trusted"],
    );
    ok(&u, &["sync"]);
    let before = tree(u.root());
    let prefix = u.path("prefix");
    let mut args = vec!["install", "evil-cpu", "--noconfirm", "--prefix"];
    args.push(prefix.to_str().unwrap());
    let out = run_env(&u, env, &args);
    Hostile {
        u,
        out,
        before,
        server,
        url_path,
        prefix,
    }
}

impl Hostile {
    /// Refused, with nothing outside the target, no unpack dir, no archive, no build; `aimed`
    /// are the places the archive tried to write.
    fn assert_refused(&self, why: &str, aimed: &[PathBuf]) {
        // Where it aimed first: that is what matters most.
        for p in aimed {
            assert!(!exists(p), "{} was written", p.display());
        }
        let err = stderr(&self.out);
        assert_exit(&self.out, 1);
        assert!(
            err.contains("refusing to unpack"),
            "the error says it refused:\n{err}"
        );
        assert!(err.contains(why), "the error says why ({why}):\n{err}");
        let gets = self.server.requests_for(&self.url_path);
        assert_eq!(gets.len(), 1, "the archive was downloaded: {gets:?}");
        let secret = self.u.path("outside/secret");
        assert_eq!(fs::read_to_string(&secret).unwrap(), "secret\n");
        assert_eq!(names_in(&self.u.path("outside")), ["secret"]);
        let cache = cache(&self.u);
        let src = cache.join("src");
        assert!(
            !exists(&src.join("evil-0.1.0")),
            "the unpack dir does not exist"
        );
        assert_eq!(
            names_in(&src),
            Vec::<String>::new(),
            "nothing beside the unpack dir"
        );
        assert_eq!(
            names_in(&cache.join("downloads")),
            Vec::<String>::new(),
            "the archive is deleted"
        );
        assert!(!cache.join("target").exists(), "nothing was built");
        assert!(!exists(&self.prefix), "nothing was installed");
        // Nothing new anywhere in the sandbox but bookkeeping and empty directories.
        let after = tree(self.u.root());
        let allowed = |p: &Path| {
            let c = Path::new(".xdg/cache/rbee-workers");
            p.starts_with(c.join("locks"))
                || p.starts_with(c.join("logs"))
                || p == c.join("src")
                || p == c.join("downloads")
                || p.starts_with(".xdg/data")
        };
        let new: Vec<&PathBuf> = after
            .difference(&self.before)
            .filter(|p| !allowed(p))
            .collect();
        assert!(new.is_empty(), "written outside the target: {new:?}");
        let db = self.u.path(".xdg/data/rbee-workers/installed.json");
        if let Ok(text) = fs::read_to_string(db) {
            assert!(!text.contains("evil-cpu"), "recorded as installed: {text}");
        }
    }
}

#[test]
fn a_tarball_entry_that_climbs_out_with_dotdot_is_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        let c = cache(u);
        // From the unpack dir (CACHE/src/.unpack-XXXX): up two is CACHE.
        file(b, "../../evil", b"pwned\n");
        aimed.push(c.join("evil"));
        aimed.push(c.join("src/evil"));
    });
    h.assert_refused("..", &aimed);
}

#[test]
fn a_tarball_entry_that_climbs_out_from_inside_its_top_dir_is_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        file(b, "evilrepo-0.1.0/../../evil", b"pwned\n");
        aimed.push(cache(u).join("src/evil"));
    });
    h.assert_refused("..", &aimed);
}

#[test]
fn a_tarball_entry_with_an_absolute_path_is_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        let target = u.path("outside/abs-evil");
        file(b, target.to_str().unwrap(), b"pwned\n");
        aimed.push(target);
    });
    h.assert_refused("absolute", &aimed);
}

#[test]
fn a_symlink_to_an_absolute_path_and_a_file_written_through_it_are_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        let outside = u.path("outside");
        raw_entry(
            b,
            tar::EntryType::Symlink,
            "evilrepo-0.1.0/link",
            Some(outside.to_str().unwrap()),
            b"",
        );
        file(b, "evilrepo-0.1.0/link/evil", b"pwned\n");
        aimed.push(outside.join("evil"));
    });
    h.assert_refused("symlink", &aimed);
}

#[test]
fn a_symlink_to_etc_is_refused() {
    // Only the link: nothing is ever written through it, whatever the outcome.
    let h = hostile(&[], |_, b| {
        raw_entry(
            b,
            tar::EntryType::Symlink,
            "evilrepo-0.1.0/etc",
            Some("/etc"),
            b"",
        );
    });
    h.assert_refused("symlink", &[]);
}

#[test]
fn a_symlink_that_climbs_out_and_a_file_written_through_it_are_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        // evilrepo-0.1.0/up -> ../.. is CACHE/src, the unpack dir's parent.
        raw_entry(
            b,
            tar::EntryType::Symlink,
            "evilrepo-0.1.0/up",
            Some("../.."),
            b"",
        );
        file(b, "evilrepo-0.1.0/up/evil", b"pwned\n");
        aimed.push(cache(u).join("src/evil"));
    });
    h.assert_refused("symlink", &aimed);
}

#[test]
fn a_symlink_chain_that_climbs_out_is_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        let d = tar::EntryType::Directory;
        raw_entry(b, d, "evilrepo-0.1.0/a/b/", None, b"");
        // Lexically inside (a/b/../.. = the top dir), and really the top dir.
        raw_entry(
            b,
            tar::EntryType::Symlink,
            "evilrepo-0.1.0/a/b/up",
            Some("../.."),
            b"",
        );
        // Lexically a/b/up/../.. = a, but `up` is the top dir: really the unpack dir's parent.
        raw_entry(
            b,
            tar::EntryType::Symlink,
            "evilrepo-0.1.0/a/b/up/esc",
            Some("../.."),
            b"",
        );
        raw_entry(b, d, "evilrepo-0.1.0/a/b/up/esc/pwned/", None, b"");
        aimed.push(cache(u).join("src/pwned"));
    });
    h.assert_refused("symlink", &aimed);
}

#[test]
fn a_hard_link_to_an_absolute_path_outside_is_refused() {
    let mut aimed = Vec::new();
    let h = hostile(&[], |u, b| {
        let secret = u.path("outside/secret");
        raw_entry(
            b,
            tar::EntryType::Link,
            "evilrepo-0.1.0/hl",
            Some(secret.to_str().unwrap()),
            b"",
        );
        // Were the link made, this would write through it into the secret.
        file(b, "evilrepo-0.1.0/hl", b"pwned\n");
        aimed.push(u.path("outside/evil"));
    });
    h.assert_refused("hard link", &aimed);
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(h.u.path("outside/secret")).unwrap();
    assert_eq!(meta.nlink(), 1, "no link to the secret remains");
}

#[test]
fn a_hard_link_that_climbs_out_is_refused() {
    let h = hostile(&[], |_, b| {
        // From the unpack dir: CACHE/src/.unpack-X/../../../../outside/secret = SANDBOX/outside.
        raw_entry(
            b,
            tar::EntryType::Link,
            "evilrepo-0.1.0/hl",
            Some("../../../../outside/secret"),
            b"",
        );
    });
    h.assert_refused("hard link", &[]);
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(h.u.path("outside/secret")).unwrap();
    assert_eq!(meta.nlink(), 1, "no link to the secret remains");
}

#[test]
fn a_device_node_is_refused() {
    let h = hostile(&[], |_, b| {
        raw_entry(b, tar::EntryType::Char, "evilrepo-0.1.0/null", None, b"");
    });
    h.assert_refused("Char", &[]);
    let h = hostile(&[], |_, b| {
        raw_entry(b, tar::EntryType::Block, "evilrepo-0.1.0/sda", None, b"");
    });
    h.assert_refused("Block", &[]);
}

#[test]
fn a_fifo_is_refused() {
    let h = hostile(&[], |_, b| {
        raw_entry(b, tar::EntryType::Fifo, "evilrepo-0.1.0/pipe", None, b"");
    });
    h.assert_refused("Fifo", &[]);
}

#[test]
fn an_archive_that_expands_past_the_limit_is_refused() {
    let h = hostile(&[("RBEE_WORKERS_UNPACK_LIMIT", "65536")], |_, b| {
        // 4 MiB of zeros: a few KiB compressed.
        file(b, "evilrepo-0.1.0/zeros", &vec![0u8; 4 << 20]);
    });
    h.assert_refused("limit", &[]);
    let bytes = h.server.requests_for(&h.url_path);
    assert_eq!(bytes.len(), 1);
}

#[test]
fn many_small_files_past_the_limit_are_refused_too() {
    let h = hostile(&[("RBEE_WORKERS_UNPACK_LIMIT", "65536")], |_, b| {
        for i in 0..40 {
            file(b, &format!("evilrepo-0.1.0/f{i}"), &[b'x'; 4096]);
        }
    });
    h.assert_refused("limit", &[]);
}

#[test]
fn empty_files_count_against_the_entry_limit() {
    // 2,000 empty files cost no bytes at all; the entry limit catches them.
    let h = hostile(&[("RBEE_WORKERS_UNPACK_ENTRIES", "1000")], |_, b| {
        for i in 0..2000 {
            file(b, &format!("evilrepo-0.1.0/e{i}"), b"");
        }
    });
    h.assert_refused("more than 1000 entries", &[]);
}

#[test]
fn a_bad_entry_limit_is_an_error_before_anything_is_downloaded() {
    let h = hostile(&[("RBEE_WORKERS_UNPACK_ENTRIES", "-5")], |_, _| {});
    assert_exit(&h.out, 1);
    assert!(
        stderr(&h.out).contains("RBEE_WORKERS_UNPACK_ENTRIES is `-5`"),
        "{}",
        stderr(&h.out)
    );
    assert!(h.server.requests_for(&h.url_path).is_empty());
}

#[test]
fn a_checksum_mismatch_is_refused_naming_both_sums_and_nothing_is_unpacked() {
    let stage = Sandbox::new();
    let top = stage.path("mismrepo-0.1.0");
    hello_crate(&top.join("bin/mism"), "mism");
    let mut b = tgz();
    b.append_dir_all("mismrepo-0.1.0", &top).unwrap();
    let bytes = finish(b);
    let pinned = sha256_hex(&bytes);
    // The server serves something else than what was pinned.
    let mut tampered = bytes.clone();
    tampered.extend_from_slice(b"tampered");
    let actual = sha256_hex(&tampered);

    let server = TagServer::start();
    let tarball = server.serve("/dl/mismrepo-0.1.0.tar.gz", &tampered);
    let p = Sandbox::new();
    let index = publish_release(&p, "mism", &tarball, &pinned);
    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "m", index.to_str().unwrap(), "--trusted"],
    );
    ok(&u, &["sync"]);
    let prefix = u.path("prefix");
    let out = run_env(
        &u,
        &[],
        &[
            "install",
            "mism-cpu",
            "--noconfirm",
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("mismatch"), "{err}");
    assert!(err.contains(&pinned), "names the expected sum: {err}");
    assert!(err.contains(&actual), "names the actual sum: {err}");
    assert_eq!(server.requests_for("/dl/mismrepo-0.1.0.tar.gz").len(), 1);
    let c = cache(&u);
    assert_eq!(names_in(&c.join("downloads")), Vec::<String>::new());
    assert!(names_in(&c.join("src")).is_empty(), "nothing unpacked");
    assert!(!c.join("target").exists(), "nothing built");
    assert!(!prefix.exists());

    // A second attempt downloads again (nothing bad was kept) and fails the same way.
    let out = run_env(
        &u,
        &[],
        &[
            "install",
            "mism-cpu",
            "--noconfirm",
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    assert_eq!(server.requests_for("/dl/mismrepo-0.1.0.tar.gz").len(), 2);
    assert_eq!(names_in(&c.join("downloads")), Vec::<String>::new());
}

#[test]
fn the_catalog_from_a_release_index_round_trips_through_parse_catalog() {
    // The exported index.json itself is a valid `list --json` document (schema 1).
    let p = publisher("1.2.3");
    let index = export(&p);
    let doc = parse_catalog(&index);
    assert_eq!(doc.ids(), p.list().ids());
}

#[test]
fn a_release_tarball_without_the_workers_directory_says_so_rather_than_blaming_cargo() {
    let mut b = tgz();
    raw_entry(
        &mut b,
        tar::EntryType::Directory,
        "nosubrepo-0.1.0/",
        None,
        b"",
    );
    file(&mut b, "nosubrepo-0.1.0/README", b"no crate here\n");
    let bytes = finish(b);
    let server = TagServer::start();
    let tarball = server.serve("/dl/nosubrepo-0.1.0.tar.gz", &bytes);
    let p = Sandbox::new();
    let index = publish_release(&p, "nosub", &tarball, &sha256_hex(&bytes));
    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "n", index.to_str().unwrap(), "--trusted"],
    );
    ok(&u, &["sync"]);
    let prefix = u.path("prefix");
    let out = run_env(
        &u,
        &[],
        &[
            "install",
            "nosub-cpu",
            "--noconfirm",
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        !err.contains("`cargo` not found"),
        "cargo is installed; the tarball lacks bin/nosub:\n{err}"
    );
    assert!(err.contains("bin/nosub"), "{err}");
    assert!(!prefix.exists());
}

#[test]
fn a_hand_edited_source_name_that_is_a_path_is_refused_where_it_is_written() {
    let s = Sandbox::new();
    s.worker("here").write();
    let victim = s.mkdir("victim");
    s.write("victim/keep.txt", "precious");
    s.write_config(
        "[[sources]]\nname = \"../../../victim\"\nkind = \"git\"\nurl = \"file:///nowhere\"\n",
    );
    let text = std::fs::read_to_string(s.config_file()).unwrap();
    for args in [
        &["sync"][..],
        &["source", "remove", "../../../victim"],
        &["list"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("source name `../../../victim`"), "{err}");
        let (line, col) = crate::support::locate(&text, "\"../../../victim\"");
        assert!(
            err.contains(&format!("config.toml:{line}:{col}")),
            "located: {err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(victim.join("keep.txt")).unwrap(),
        "precious"
    );
}

#[test]
fn a_bad_unpack_limit_is_an_error_before_anything_is_downloaded() {
    let h = hostile(&[("RBEE_WORKERS_UNPACK_LIMIT", "lots")], |_, b| {
        file(b, "evilrepo-0.1.0/zeros", &[0u8; 16]);
    });
    assert_exit(&h.out, 1);
    let err = stderr(&h.out);
    assert!(
        err.contains("RBEE_WORKERS_UNPACK_LIMIT is `lots`"),
        "says what is wrong: {err}"
    );
    assert!(
        h.server.requests_for(&h.url_path).is_empty(),
        "nothing was downloaded"
    );
    // Commands that unpack nothing do not care.
    let out = run_env(&h.u, &[("RBEE_WORKERS_UNPACK_LIMIT", "lots")], &["list"]);
    assert_exit(&out, 0);
}

/// A server that accepts connections and never answers (or answers the headers and then
/// stalls the body): what a hung mirror looks like.
fn stalled_server(send_headers: bool) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        // Two connections are plenty for one command; then keep them open a while and go.
        for conn in listener.incoming().take(2).flatten() {
            if send_headers {
                use std::io::{Read, Write};
                let mut c = conn;
                let mut buf = [0u8; 4096];
                let _ = c.read(&mut buf);
                let _ = c.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n{\"schema\": 1, ",
                );
                held.push(c);
            } else {
                held.push(conn);
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(20));
    });
    (format!("http://{addr}/index.json"), handle)
}

#[test]
fn a_stalled_index_server_cannot_hold_sync() {
    for send_headers in [false, true] {
        let s = Sandbox::new();
        let (url, _server) = stalled_server(send_headers);
        ok(&s, &["source", "add", "hung", &url]);
        let out = run_env(&s, &[("RBEE_WORKERS_HTTP_TIMEOUT", "1")], &["sync"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("hung"), "names the source: {err}");
        assert!(
            err.to_lowercase().contains("timed out") || err.contains("timeout"),
            "says it timed out (headers sent: {send_headers}): {err}"
        );
    }
}

/// Exports a one-worker catalog and returns the index path.
fn exported_index(p: &Sandbox) -> PathBuf {
    p.worker("iw").write();
    let site = p.path("site");
    assert_success(&p.run(&["export", site.to_str().unwrap()]));
    site.join("index.json")
}

fn edit_index(index: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(index).unwrap()).unwrap();
    for w in doc["workers"].as_array_mut().unwrap() {
        edit(w);
    }
    fs::write(index, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn an_index_value_with_terminal_escapes_is_refused_and_the_cache_is_kept() {
    let p = Sandbox::new();
    let index = exported_index(&p);
    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "i", index.to_str().unwrap(), "--trusted"],
    );
    ok(&u, &["sync"]);
    // The mirror turns hostile: clear the screen, set the window title.
    edit_index(&index, |w| {
        w["description"] = "fast \u{1b}[2J\u{1b}]0;pwned\u{7} worker".into()
    });
    let out = run(&u, &["sync"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("description") && err.contains("control character"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "the refusal itself prints no raw escape: {err:?}"
    );
    // The cached copy is kept, with its harmless description.
    let doc = list(&u);
    let v = doc.variant("iw-cpu");
    assert_eq!(v.description, "iw description");
}

#[test]
fn an_index_cannot_choose_the_name_a_binary_installs_as() {
    let p = Sandbox::new();
    let index = exported_index(&p);
    edit_index(&index, |w| w["installed_name"] = "ls".into());
    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "i", index.to_str().unwrap(), "--trusted"],
    );
    let out = run(&u, &["sync"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("says it installs as `ls`"), "{err}");
    assert!(list(&u).workers.is_empty());
}

#[test]
fn an_index_tarball_url_that_hides_its_host_is_refused() {
    for (url, why) in [
        (
            "https://github.com@evil.example/rbee/x.tar.gz",
            "its host is `evil.example`",
        ),
        // Fetched as `…/b/x.tar.gz`: the review would show another path than the download.
        ("https://github.com/a/../b/x.tar.gz", "write it that way"),
        ("file:///etc/passwd", "scheme `file`"),
    ] {
        let p = Sandbox::new();
        let index = exported_index(&p);
        edit_index(&index, |w| w["upstream"]["tarball"] = url.into());
        let u = Sandbox::new();
        ok(
            &u,
            &["source", "add", "i", index.to_str().unwrap(), "--trusted"],
        );
        let out = run(&u, &["sync"]);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(err.contains("tarball") && err.contains(why), "{url}: {err}");
        assert!(list(&u).workers.is_empty());
    }
}

#[test]
fn a_manifest_tarball_url_that_hides_its_host_is_refused_at_its_line() {
    let s = Sandbox::new();
    let w = s
        .worker("tw")
        .extra("[source]\ntarball = \"https://github.com@evil.example/{tag}.tar.gz\"\n")
        .write();
    let doc = s.list();
    assert!(doc.workers.is_empty());
    let problems = doc.problems_in(&w.worker_toml);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("evil.example") && p.line == Some(w.at("tarball").0)),
        "{problems:?}"
    );
}

#[test]
fn control_characters_in_values_are_inert_in_human_output() {
    let s = Sandbox::new();
    // Manifest values refuse control characters (and unknown keys are shown escaped), but a
    // directory name is whatever a git tree holds: it reaches every diagnostic's location.
    s.worker("ok").write();
    s.write(
        "bin/c\u{1b}]0;pwned\u{7}\u{1b}[2J/worker.toml",
        "[worker]\n",
    );
    for args in [
        &["list"][..],
        &["info", "ok-cpu"],
        &["search", "ok"],
        &["check"],
    ] {
        let out = s.run(args);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{args:?} printed a raw control character: {text:?}"
        );
        assert!(
            stderr(&out).contains("c\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a source's tree: nothing outside it, nothing but what it may hold
// ---------------------------------------------------------------------------------------------

#[test]
fn index_variants_whose_ids_collide_are_refused_and_the_cached_copy_kept() {
    let p = Sandbox::new();
    let index = exported_index(&p);
    let good = fs::read(&index).unwrap();
    let u = Sandbox::new();
    ok(
        &u,
        &["source", "add", "i", index.to_str().unwrap(), "--trusted"],
    );
    ok(&u, &["sync"]);
    let cached = source_cache(&u, "i").join("index.json");
    let listed = list(&u);
    assert_eq!(listed.ids(), ["iw-cpu", "iw-cuda"]);
    let doc: serde_json::Value = serde_json::from_slice(&good).unwrap();
    let with = |f: &dyn Fn(&mut Vec<serde_json::Value>)| {
        let mut d = doc.clone();
        f(d["workers"].as_array_mut().unwrap());
        serde_json::to_vec(&d).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "the same variant twice, differing",
            with(&|w| {
                let mut twin = w[0].clone();
                twin["description"] = "the other one".into();
                w.push(twin);
            }),
            "variant id `iw-cpu` appears more than once",
        ),
        (
            "a worker whose id is another's variant id",
            with(&|w| {
                let mut other = w[0].clone();
                other["worker"] = "iw-cpu".into();
                other["id"] = "iw-cpu-x".into();
                other["feature"] = "x".into();
                other["installed_name"] = "iw-x".into();
                w.push(other);
            }),
            "worker id `iw-cpu` is also the id of a variant",
        ),
        (
            "one worker at two versions",
            with(&|w| w[1]["version"] = "9.9.9".into()),
            "expected one version per worker",
        ),
    ];
    for (what, body, says) in cases {
        fs::write(&index, &body).unwrap();
        let (out, sync) = sync_json(&u, &[]);
        assert_exit(&out, 1);
        let e = sync.entry("i");
        assert_eq!(e.status, "cached", "{what}: {e:?}");
        assert!(
            e.message.as_deref().is_some_and(|m| m.contains(says)),
            "{what}: {e:?}"
        );
        assert_eq!(fs::read(&cached).unwrap(), good, "{what}: cache untouched");
        assert_eq!(list(&u), listed, "{what}: the catalog is the previous one");
    }
}

/// A git source whose tree links out of the clone: `Cargo.toml -> /dev/zero` (which read
/// until memory ran out), a Cargo.toml and a worker.toml linked to files outside it (whose
/// values were printed), and a workspace root above the clone that must not be consulted.
#[test]
fn a_git_source_cannot_read_outside_its_clone() {
    let origin = Origin::new();
    origin.worker("fine", "0.1.0");
    origin.worker("zero", "0.1.0");
    origin.worker("outcargo", "0.1.0");
    origin.worker("outtoml", "0.1.0");
    let secret = origin.s.write(
        "secret/Cargo.toml",
        "[package]\nname = \"SECRET-NAME\"\nversion = \"6.6.6\"\n\n[features]\ncpu = []\ncuda = []\n",
    );
    let secret_toml = origin.s.write(
        "secret/worker.toml",
        "[worker]\nid = \"secret-id\"\nname = \"SECRET\"\ndescription = \"SECRET\"\n\n[build]\nfeatures = [\"cpu\"]\ndefault_feature = \"cpu\"\n\n[platforms]\nlinux = [\"x86_64\"]\n",
    );
    let link = |rel: &str, to: &Path| {
        let at = origin.dir().join(rel);
        fs::remove_file(&at).unwrap();
        std::os::unix::fs::symlink(to, &at).unwrap();
    };
    link("bin/zero/Cargo.toml", Path::new("/dev/zero"));
    link("bin/outcargo/Cargo.toml", &secret);
    link("bin/outtoml/worker.toml", &secret_toml);
    origin.commit("links out");

    let u = Sandbox::new();
    ok(&u, &["source", "add", "g", &origin.url()]);
    ok(&u, &["sync"]);
    // A workspace root in the cache above the clone: not part of the source.
    fs::write(
        cache(&u).join("Cargo.toml"),
        "[workspace]\nmembers = [\"sources/g/repo/bin/*\"]\n\n[workspace.package]\nversion = \"6.6.6\"\n",
    )
    .unwrap();

    let doc = list(&u);
    assert_eq!(doc.ids(), ["fine-cpu", "fine-cuda"], "{:#?}", doc.problems);
    assert_eq!(doc.variant("fine-cpu").version, "0.1.0");
    let repo = source_cache(&u, "g").join("repo");
    for (rel, target) in [
        ("bin/zero/Cargo.toml", PathBuf::from("/dev/zero")),
        ("bin/outcargo/Cargo.toml", secret.clone()),
        ("bin/outtoml/worker.toml", secret_toml.clone()),
    ] {
        let path = repo.join(rel);
        let p = doc
            .problems
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no problem names {rel}: {:#?}", doc.problems));
        assert_eq!(p.severity, "error");
        assert!(
            p.message.contains("outside the source tree")
                && p.message.contains(&target.display().to_string()),
            "{rel}: {}",
            p.message
        );
    }
    let out = run(&u, &["list"]);
    assert_success(&out);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !all.contains("SECRET") && !all.contains("secret-id") && !all.contains("6.6.6"),
        "a value from outside the clone was printed:\n{all}"
    );
}

#[test]
fn gitmodules_urls_that_git_must_not_be_given_are_located_problems() {
    let origin = Origin::new();
    origin.worker("gw", "0.1.0");
    let text = "[submodule \"ok\"]\n\tpath = a\n\turl = https://example.invalid/a.git\n\
                [submodule \"rel\"]\n\tpath = r\n\turl = ../sibling.git\n\
                [submodule \"scp\"]\n\tpath = s\n\turl = git@example.invalid:x/s.git\n\
                [submodule \"helper\"]\n\tpath = b\n\turl = \"fd::3\"\n\
                [submodule \"opt\"]\n\tpath = c\n\tURL = --upload-pack=touch CANARY\n";
    fs::write(origin.dir().join(".gitmodules"), text).unwrap();
    origin.commit("submodules");
    let u = Sandbox::new();
    ok(&u, &["source", "add", "g", &origin.url()]);
    ok(&u, &["sync"]);
    let doc = list(&u);
    let path = source_cache(&u, "g").join("repo/.gitmodules");
    let mut found: Vec<(usize, usize, bool)> = doc
        .problems_in(&path)
        .iter()
        .map(|p| {
            (
                p.line.unwrap(),
                p.column.unwrap(),
                p.message.contains("refusing submodule URL"),
            )
        })
        .collect();
    found.sort();
    let at = |needle: &str| crate::support::locate(text, needle);
    let (l1, c1) = at("\"fd::3\"");
    let (l2, c2) = at("--upload-pack");
    assert_eq!(
        found,
        [(l1, c1, true), (l2, c2, true)],
        "{:#?}",
        doc.problems
    );
    assert!(
        doc.ids().contains(&"gw-cpu".to_string()),
        "the workers stay"
    );
    assert!(canaries(&u).is_empty());
}

#[test]
fn source_add_takes_only_urls_the_one_git_check_allows() {
    let u = Sandbox::new();
    let pristine = fs::read(config_file(&u)).unwrap();
    for url in [
        "transport::https://example.invalid/x.git",
        "fd::3",
        "Ext::sh -c true",
        "git-remote-x::y",
        "foo+bar://example.invalid/x",
        "ssh://-oProxyCommand=touch%20CANARY/x",
        "ssh://user@-oProxyCommand=x/y",
        "relative/dir",
        "-uhost:path",
    ] {
        let out = run(&u, &["source", "add", "--", "evil", url]);
        assert_exit(&out, 2);
        assert!(
            stderr(&out).contains("refusing source URL"),
            "{url}: {}",
            stderr(&out)
        );
        assert_eq!(fs::read(config_file(&u)).unwrap(), pristine, "{url}");
    }
    for (i, url) in [
        "https://example.invalid/x.git",
        "http://example.invalid/x.git",
        "ssh://git@example.invalid/x.git",
        "git://example.invalid/x.git",
        "file:///srv/x.git",
        "git@example.invalid:x/y.git",
        "/srv/x.git",
    ]
    .iter()
    .enumerate()
    {
        ok(&u, &["source", "add", &format!("ok-{i}"), url]);
    }
    // A hand-edited config meets the same check at sync.
    u.write_config("[[sources]]\nname = \"t\"\nkind = \"git\"\nurl = \"transport::file:///x\"\n");
    let (out, doc) = sync_json(&u, &[]);
    assert_exit(&out, 1);
    let e = doc.entry("t");
    assert_eq!(e.status, "failed");
    assert!(
        e.message
            .as_deref()
            .is_some_and(|m| m.contains("remote-helper")),
        "{e:?}"
    );
}

#[test]
fn a_server_that_trickles_bytes_is_stopped_by_the_total_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/index.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for conn in listener.incoming().take(2).flatten() {
            std::thread::spawn(move || {
                let mut c = conn;
                let mut buf = [0u8; 4096];
                let _ = c.read(&mut buf);
                let _ = c.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n{");
                // A byte every 200 ms: never stalled long enough for the read timeout.
                for _ in 0..150 {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    if c.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    let s = Sandbox::new();
    ok(&s, &["source", "add", "slow", &url]);
    let started = std::time::Instant::now();
    let out = run_env(
        &s,
        &[
            ("RBEE_WORKERS_HTTP_TIMEOUT", "5"),
            ("RBEE_WORKERS_HTTP_TOTAL_TIMEOUT", "2"),
        ],
        &["sync"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("longer than 2 s in all"), "{err}");
    assert!(
        started.elapsed().as_secs() < 25,
        "it did not wait for the whole trickle"
    );
}
