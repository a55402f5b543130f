//! `check`, the catalog deployment gate, through the real binary: the bundled examples pass,
//! a catalog broken in many ways at once is reported in full (every problem, located) in one
//! run, warnings alone pass, rendering failures name the variant and flavour, `bash -n`,
//! `shellcheck` and `ruby -c` take part (or are reported as skipped), and `--json` is one
//! document (DESIGN sections 1, 3, 5, 7; issue 6).

use crate::support::{
    locate, stderr, stdout, CatalogDoc, ProblemDoc, Sandbox, Written, PROBLEM_KEYS,
};
use crate::tools::{self, which};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Output;

// ---------------------------------------------------------------------------------------------
// The `check` document
// ---------------------------------------------------------------------------------------------

/// `check --json`: `{"schema": 1, "ok", "checked": {...}, "problems": [...], "skipped": [...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDoc {
    schema: u32,
    ok: bool,
    checked: CheckedDoc,
    problems: Vec<ProblemDoc>,
    skipped: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckedDoc {
    workers: usize,
    variants: usize,
    renders: usize,
}

impl CheckDoc {
    fn errors(&self) -> Vec<&ProblemDoc> {
        self.problems
            .iter()
            .filter(|p| p.severity == "error")
            .collect()
    }

    fn warnings(&self) -> Vec<&ProblemDoc> {
        self.problems
            .iter()
            .filter(|p| p.severity == "warning")
            .collect()
    }

    fn skipped_mentions(&self, tool: &str) -> bool {
        self.skipped.iter().any(|s| s.contains(tool))
    }
}

/// The FIRST JSON document on stdout, checked against schema 1. (That it is the only one is
/// `json_output_is_one_document_even_when_the_gate_fails`'s business.)
fn parse_check(out: &Output) -> CheckDoc {
    let text = stdout(out);
    let value: serde_json::Value = serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .next()
        .unwrap_or_else(|| panic!("no JSON on stdout; stderr:\n{}", stderr(out)))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"));
    for p in value["problems"]
        .as_array()
        .expect("`problems` is an array")
    {
        let obj = p.as_object().expect("a problem is an object");
        for k in PROBLEM_KEYS {
            assert!(obj.contains_key(*k), "problem lacks `{k}`: {p}");
        }
        assert!(
            matches!(obj["severity"].as_str(), Some("error" | "warning")),
            "{p}"
        );
    }
    let doc: CheckDoc = serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("stdout does not match the check schema ({e}):\n{text}"));
    assert_eq!(doc.schema, 1);
    assert_eq!(
        doc.ok,
        doc.errors().is_empty(),
        "`ok` must say whether any error remains: {doc:#?}"
    );
    doc
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

// ---------------------------------------------------------------------------------------------
// Expected render counts, derived from `list --json`
// ---------------------------------------------------------------------------------------------

/// What a fully renderable catalog's `checked.renders` must be: per variant with a Linux
/// platform, each PKGBUILD flavour (release, git, and local for non-index sources) counts its
/// PKGBUILD and its .SRCINFO; per variant with a macOS platform, the release formula when a
/// tarball URL is known and the head formula when a git URL is known.
fn expected_renders(list: &CatalogDoc) -> usize {
    list.workers
        .iter()
        .map(|v| {
            let has = |os: &str| v.platforms.get(os).is_some_and(|a| !a.is_empty());
            let mut n = 0;
            if has("linux") {
                let flavours = if v.source.kind == "index" { 2 } else { 3 };
                n += flavours * 2;
            }
            if has("macos") {
                n += usize::from(v.upstream.tarball.is_some());
                n += usize::from(v.upstream.git.is_some());
            }
            n
        })
        .sum()
}

fn worker_count(list: &CatalogDoc) -> usize {
    let mut ids: Vec<&str> = list.workers.iter().map(|v| v.worker.as_str()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

// ---------------------------------------------------------------------------------------------
// Catalog helpers
// ---------------------------------------------------------------------------------------------

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// `[source]` with a GitHub repository (so a tarball URL is derived) and a pinned checksum.
fn clean_source(id: &str) -> String {
    format!(
        "[source]\ngit = \"https://github.com/example/{id}.git\"\nsha256 = \"{SHA}\"\n\n[test]\nsmoke = [\"{{bin}}\", \"--help\"]\n"
    )
}

fn write_lock(w: &Written) {
    crate::support::write_file(
        &w.dir.join("Cargo.lock"),
        "# This file is automatically @generated by Cargo.\nversion = 3\n",
    );
}

/// A worker `check` has nothing to say about: git source, pinned sum, Cargo.lock.
fn clean_worker(s: &Sandbox, id: &str, dir: &str) -> Written {
    let w = s.worker(id).dir(dir).extra(&clean_source(id)).write();
    write_lock(&w);
    w
}

/// `rbee-workers --root ROOT check [--json]`, cwd the sandbox, hermetic XDG dirs.
/// A test's catalog is a git checkout with everything committed, as upstream's would be: release
/// and -git renders are locked exactly when a Cargo.lock is tracked (DESIGN section 3).
fn check(s: &Sandbox, root: &Path, json: bool, path: Option<&Path>) -> Output {
    // Only a test's own catalog: the bundled examples already live in this repository.
    let checkout = root.ancestors().find(|d| d.join(".git").exists());
    if root.is_dir() && checkout.is_none_or(|top| top == root) {
        if checkout.is_none() {
            crate::tools::git(root, &["init", "-q"]);
        }
        crate::tools::git(root, &["add", "-A"]);
        crate::tools::git(root, &["commit", "-q", "--allow-empty", "-m", "catalog"]);
    }
    let mut cmd = s.cmd();
    cmd.arg("--root").arg(root).arg("check");
    if json {
        cmd.arg("--json");
    }
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    cmd.output().expect("run rbee-workers")
}

/// A bin dir for the child's PATH holding symlinks to the named host tools (those that exist).
fn bin_dir(tools: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("rbee-workers-gate-path")
        .tempdir()
        .expect("tempdir");
    for t in tools {
        if let Some(real) = which(t) {
            std::os::unix::fs::symlink(&real, dir.path().join(t)).expect("symlink tool");
        }
    }
    dir
}

fn write_script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The problem at `path` whose message holds every one of `says`.
fn find<'d>(doc: &'d CheckDoc, path: &Path, says: &[&str]) -> &'d ProblemDoc {
    doc.problems
        .iter()
        .find(|p| p.path == path && says.iter().all(|s| p.message.contains(s)))
        .unwrap_or_else(|| {
            panic!(
                "no problem at {} says {says:?}: {:#?}",
                path.display(),
                doc.problems
            )
        })
}

/// `path:line:col` as a person is shown it, from `cwd`: the path relative to it when under it.
fn location(p: &ProblemDoc, cwd: &Path) -> String {
    let path = p.path.strip_prefix(cwd).unwrap_or(&p.path).display();
    match (p.line, p.column) {
        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
        (Some(l), None) => format!("{path}:{l}"),
        _ => path.to_string(),
    }
}

/// Human mode: every problem as `error|warning: message` + `--> location`, each once, and a
/// summary line with the error and warning counts.
fn assert_human_report(err: &str, doc: &CheckDoc, cwd: &Path) {
    for p in &doc.problems {
        let head = format!("{}: {}", p.severity, p.message);
        assert!(err.contains(&head), "stderr lacks `{head}`:\n{err}");
        let arrow = format!("--> {}", location(p, cwd));
        assert!(
            err.lines().any(|l| l.trim() == arrow),
            "stderr lacks `{arrow}`:\n{err}"
        );
    }
    let arrows = err.lines().filter(|l| l.trim_start().starts_with("--> "));
    assert_eq!(
        arrows.count(),
        doc.problems.len(),
        "each problem once on stderr:\n{err}"
    );
    let (e, w) = (doc.errors().len(), doc.warnings().len());
    assert!(
        err.lines()
            .any(|l| l.contains(&format!("{e} error")) && l.contains(&format!("{w} warning"))),
        "no summary line with {e} errors and {w} warnings:\n{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The bundled examples pass
// ---------------------------------------------------------------------------------------------

#[test]
fn check_passes_on_the_bundled_examples() {
    let s = Sandbox::new();
    let mut cmd = s.cmd();
    cmd.arg("--root").arg(examples()).args(["list", "--json"]);
    let list = crate::support::json_of(&mut cmd);
    assert!(list.problems.is_empty(), "{:#?}", list.problems);

    let out = check(&s, &examples(), true, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.ok);
    assert_eq!(
        doc.checked,
        CheckedDoc {
            workers: worker_count(&list),
            variants: list.workers.len(),
            renders: expected_renders(&list),
        }
    );
    // The catalog this file's brief describes: 4 workers, 11 variants.
    assert_eq!((doc.checked.workers, doc.checked.variants), (4, 11));
    assert!(doc.errors().is_empty(), "{:#?}", doc.problems);
    for p in &doc.problems {
        assert!(p.path.starts_with(examples()), "{p:?}");
    }
    for tool in ["bash", "shellcheck", "ruby"] {
        assert_eq!(
            doc.skipped_mentions(tool),
            which(tool).is_none(),
            "`skipped` must mention {tool} exactly when it is missing: {:?}",
            doc.skipped
        );
    }

    let out = check(&s, &examples(), false, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    assert!(stdout(&out).is_empty(), "human output goes to stderr");
    assert_human_report(&stderr(&out), &doc, s.root());
}

// ---------------------------------------------------------------------------------------------
// A catalog broken in many ways at once
// ---------------------------------------------------------------------------------------------

/// One expected problem: where (file, and needle in it for line:col, or None for the file as
/// a whole), severity, and what the message must say.
struct Expect {
    path: PathBuf,
    at: Option<(usize, usize)>,
    severity: &'static str,
    says: Vec<String>,
    help: Option<&'static str>,
}

fn expect(
    path: &Path,
    at: Option<(usize, usize)>,
    severity: &'static str,
    says: &[&str],
) -> Expect {
    Expect {
        path: path.to_path_buf(),
        at,
        severity,
        says: says.iter().map(|s| s.to_string()).collect(),
        help: None,
    }
}

#[test]
fn a_broken_catalog_is_reported_in_full_in_one_run() {
    let s = Sandbox::new();
    let mut want = Vec::new();

    // Invalid TOML.
    let syntax_text = "[worker]\nid = \"syntax\"\nname = \"Syntax\"\ndescription = \"Broken TOML\"\n\n[build]\nfeatures = [\"cpu\"]\ndefault_feature = cpu\n\n[platforms]\nlinux = [\"x86_64\"]\n";
    let syntax = s.worker("syntax").worker_toml(syntax_text).write();
    want.push(expect(
        &syntax.worker_toml,
        Some(locate(syntax_text, "cpu\n")),
        "error",
        &["invalid TOML"],
    ));

    // An unknown key, with a did-you-mean.
    let typo = s
        .worker("typo")
        .extra("[source]\nbrnach = \"main\"\n")
        .write();
    want.push(Expect {
        help: Some("did you mean `branch`?"),
        ..expect(
            &typo.worker_toml,
            Some(typo.at("brnach")),
            "error",
            &["unknown key `brnach`", "[source]"],
        )
    });

    // A bad id.
    let bad_id = s.worker("Bad_Id").write();
    want.push(expect(
        &bad_id.worker_toml,
        Some(bad_id.at("\"Bad_Id\"")),
        "error",
        &["invalid worker id", "`Bad_Id`"],
    ));

    // A feature the crate does not have; the message lists the crate's features.
    let nofeat = s
        .worker("nofeat")
        .features(&["cpu", "cuda", "vulkan"])
        .cargo_features(&["cpu", "cuda"])
        .write();
    want.push(expect(
        &nofeat.worker_toml,
        Some(nofeat.at("\"vulkan\"")),
        "error",
        &["`vulkan`", "`cpu`, `cuda`"],
    ));

    // Invalid semver, located in Cargo.toml.
    let semver = s.worker("semver").version("1.0").write();
    want.push(expect(
        &semver.cargo_toml,
        Some(locate(&semver.cargo_text, "\"1.0\"")),
        "error",
        &["`1.0`", "semver"],
    ));

    // A malformed checksum.
    let badsum = s
        .worker("badsum")
        .extra("[source]\nsha256 = \"abc123\"\n")
        .write();
    want.push(expect(
        &badsum.worker_toml,
        Some(badsum.at("\"abc123\"")),
        "error",
        &["sha256", "`abc123`", "64"],
    ));

    // A variant whose binary can't be resolved: the only bin is gated on `cpu`.
    let nobin = s
        .worker("nobin")
        .main_rs(false)
        .bin("nobin-cpu", &["cpu"])
        .write();
    want.push(expect(
        &nobin.worker_toml,
        Some(nobin.at("\"cuda\"")),
        "error",
        &["nobin-cuda", "no binary"],
    ));

    // The same id twice: the first stands (and is checked), the second is the problem.
    let twin_a = clean_worker(&s, "twin", "bin/twin-a");
    let twin_b = clean_worker(&s, "twin", "bin/twin-b");
    // Located at the second manifest's `id`.
    let twin_b_text = std::fs::read_to_string(&twin_b.worker_toml).unwrap();
    want.push(expect(
        &twin_b.worker_toml,
        Some(locate(&twin_b_text, "\"twin\"")),
        "error",
        &[
            "duplicate worker id `twin`",
            &twin_a.worker_toml.display().to_string(),
        ],
    ));

    // No Cargo.lock: a warning, and the worker is still checked.
    let nolock = s.worker("nolock").extra(&clean_source("nolock")).write();
    want.push(expect(
        &nolock.worker_toml,
        None,
        "warning",
        &["Cargo.lock"],
    ));

    // Two good workers.
    clean_worker(&s, "good-a", "bin/good-a");
    clean_worker(&s, "good-b", "bin/good-b");

    // What `list` still shows is what `check` must count.
    let list = s.list();
    let mut listed: Vec<&str> = list.workers.iter().map(|v| v.worker.as_str()).collect();
    listed.dedup();
    assert_eq!(listed, ["good-a", "good-b", "nolock", "twin"]);
    assert!(list.workers.iter().all(|v| v.source.subdir != "bin/twin-b"));

    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(!doc.ok);
    assert_eq!(
        doc.checked,
        CheckedDoc {
            workers: 4,
            variants: list.workers.len(),
            renders: expected_renders(&list),
        }
    );
    assert_eq!(doc.checked.variants, 8);

    let mut missing = Vec::new();
    for e in &want {
        let says: Vec<&str> = e.says.iter().map(String::as_str).collect();
        let hit = doc.problems.iter().find(|p| {
            p.path == e.path
                && p.severity == e.severity
                && says.iter().all(|s| p.message.contains(s))
        });
        match hit {
            None => missing.push(format!("{} {:?} {says:?}", e.path.display(), e.at)),
            Some(p) => {
                assert_eq!(
                    (p.line, p.column),
                    (e.at.map(|a| a.0), e.at.map(|a| a.1)),
                    "wrong location for {p:#?}"
                );
                if let Some(h) = e.help {
                    assert_eq!(p.help.as_deref(), Some(h), "{p:#?}");
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not reported:\n{}\nreport: {:#?}",
        missing.join("\n"),
        doc.problems
    );
    // Nothing besides: one problem per mistake.
    assert_eq!(doc.problems.len(), want.len(), "{:#?}", doc.problems);
    assert_eq!(doc.warnings().len(), 1, "{:#?}", doc.problems);

    let out = check(&s, s.root(), false, None);
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    assert!(stdout(&out).is_empty(), "{}", describe(&out));
    assert_human_report(&stderr(&out), &doc, s.root());
}

// ---------------------------------------------------------------------------------------------
// Warnings alone pass; rendering failures don't
// ---------------------------------------------------------------------------------------------

#[test]
fn a_catalog_with_warnings_only_passes() {
    let s = Sandbox::new();
    // A GitHub repository without a pinned sum, and no Cargo.lock.
    let w = s
        .worker("warned")
        .extra("[source]\ngit = \"https://github.com/example/warned\"\n")
        .write();
    let list = s.list();

    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.ok);
    assert_eq!(
        doc.checked,
        CheckedDoc {
            workers: 1,
            variants: 2,
            renders: expected_renders(&list),
        }
    );
    assert_eq!(doc.warnings().len(), 3, "{:#?}", doc.problems);
    assert!(doc.errors().is_empty(), "{:#?}", doc.problems);
    find(&doc, &w.worker_toml, &["Cargo.lock"]);
    find(&doc, &w.worker_toml, &["sha256"]);
    find(&doc, &w.worker_toml, &["no [test] smoke"]);

    let out = check(&s, s.root(), false, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    assert_human_report(&stderr(&out), &doc, s.root());
}

#[test]
fn a_worker_without_upstream_is_packaged_locally_with_a_warning() {
    let s = Sandbox::new();
    // Fine manifests, but no [source].git and no Cargo `repository` (both optional): the
    // release and git flavours have nothing to fetch and are not offered; the local one is.
    let w = s
        .worker("nowhere")
        .description("A perfectly fine description")
        .write();
    write_lock(&w);
    let good = clean_worker(&s, "good", "bin/good");
    let list = s.list();
    assert!(list.problems.is_empty(), "{:#?}", list.problems);

    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.ok);
    let p = find(&doc, &w.worker_toml, &["nowhere", "no upstream"]);
    assert_eq!(p.severity, "warning", "{p:?}");
    assert!(doc.errors().is_empty(), "{:#?}", doc.problems);
    assert!(
        !doc.problems
            .iter()
            .any(|p| p.path == good.worker_toml && p.severity == "error"),
        "{:#?}",
        doc.problems
    );
    let linux = list
        .workers
        .iter()
        .filter(|v| v.worker == "nowhere" && v.platforms.contains_key("linux"))
        .count();
    let good_only = CatalogDoc {
        workers: list
            .workers
            .iter()
            .filter(|v| v.worker == "good")
            .cloned()
            .collect(),
        ..list.clone()
    };
    // Only what is offered is rendered: the local PKGBUILD + .SRCINFO of each nowhere
    // variant, and all of the good worker's.
    assert_eq!(
        doc.checked,
        CheckedDoc {
            workers: 2,
            variants: 4,
            renders: expected_renders(&good_only) + 2 * linux,
        }
    );
}

#[test]
fn rendering_failures_name_the_variant_and_flavour() {
    let s = Sandbox::new();
    let good = clean_worker(&s, "good", "bin/good");
    let list = s.list();
    // A user template that names a variable no template input has: every git PKGBUILD
    // fails to render, and each failure names its variant and flavour.
    let templates = s.path(".xdg/config/rbee-workers/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("arch-git.PKGBUILD.j2"),
        "pkgname={{ no_such_input }}\n",
    )
    .unwrap();
    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(!doc.ok);
    let linux: Vec<&str> = list
        .workers
        .iter()
        .filter(|v| v.platforms.contains_key("linux"))
        .map(|v| v.id.as_str())
        .collect();
    assert!(!linux.is_empty());
    for id in &linux {
        let what = format!("{id} git PKGBUILD");
        let p = find(&doc, &good.worker_toml, &[&what, "template"]);
        assert_eq!(p.severity, "error", "{p:?}");
    }
    assert_eq!(doc.errors().len(), linux.len(), "{:#?}", doc.problems);
}

// ---------------------------------------------------------------------------------------------
// bash -n, shellcheck, ruby -c
// ---------------------------------------------------------------------------------------------

#[test]
fn a_missing_shellcheck_is_reported_as_skipped() {
    if !tools::require("bash", "check runs bash -n when shellcheck is missing") {
        return;
    }
    let s = Sandbox::new();
    // bash and ruby, but no shellcheck, on the child's PATH.
    let bin = bin_dir(&["bash", "ruby"]);
    let out = check(&s, &examples(), true, Some(bin.path()));
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.ok);
    assert!(doc.skipped_mentions("shellcheck"), "{:?}", doc.skipped);
    assert!(!doc.skipped_mentions("bash"), "{:?}", doc.skipped);
    assert_eq!(
        doc.skipped_mentions("ruby"),
        which("ruby").is_none(),
        "{:?}",
        doc.skipped
    );

    let out = check(&s, &examples(), false, Some(bin.path()));
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let err = stderr(&out);
    let summary = err
        .lines()
        .find(|l| l.contains("0 error") && l.contains("warning"))
        .unwrap_or_else(|| panic!("no summary line:\n{err}"));
    assert!(summary.contains("shellcheck"), "{summary}");
}

#[test]
fn without_bash_every_shell_check_is_skipped_not_fatal() {
    if !tools::require("ruby", "check still runs ruby -c without bash") {
        return;
    }
    let s = Sandbox::new();
    let bin = bin_dir(&["ruby"]);
    let out = check(&s, &examples(), true, Some(bin.path()));
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.skipped_mentions("bash -n"), "{:?}", doc.skipped);
    assert!(doc.skipped_mentions("shellcheck"), "{:?}", doc.skipped);
}

#[test]
fn bash_n_shellcheck_and_ruby_c_complaints_fail_the_gate() {
    if !tools::require(
        "bash",
        "the fake bash hands everything but -n to the real one",
    ) {
        return;
    }
    let real_bash = which("bash").expect("bash is on PATH");
    let s = Sandbox::new();
    let w = clean_worker(&s, "judged", "bin/judged");
    let list = s.list();
    // git reads what the build will see (the lock is tracked, so no warning).
    let bin = bin_dir(&["git"]);
    // `bash -n FILE` fails with a message naming the file; anything else is the real bash.
    write_script(
        bin.path(),
        "bash",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = -n ]; then echo \"$2: line 7: fake syntax error\"; exit 2; fi\nexec '{}' \"$@\"\n",
            real_bash.display()
        ),
    );
    write_script(
        bin.path(),
        "shellcheck",
        "#!/bin/sh\nfor f; do case \"$f\" in -*) ;; *) echo \"$f:3:1: warning: fake complaint [SC9999]\";; esac; done\nexit 1\n",
    );
    write_script(bin.path(), "ruby", "#!/bin/sh\nexit 1\n");

    let out = check(&s, s.root(), true, Some(bin.path()));
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    let doc = parse_check(&out);
    assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
    let mut pkgbuilds = 0;
    let mut formulas = 0;
    for v in &list.workers {
        if v.platforms.contains_key("linux") {
            for flavour in ["release", "git", "local"] {
                pkgbuilds += 1;
                let what = format!("{} {flavour} PKGBUILD", v.id);
                let p = find(
                    &doc,
                    &w.worker_toml,
                    &[&what, "bash -n", "fake syntax error"],
                );
                assert!(
                    p.message.contains("PKGBUILD: line 7") && !p.message.contains("/tmp"),
                    "the scratch path is shown as PKGBUILD: {p:?}"
                );
                find(
                    &doc,
                    &w.worker_toml,
                    &[&what, "shellcheck", "PKGBUILD:3:1", "SC9999"],
                );
            }
        }
        if v.platforms.contains_key("macos") {
            for flavour in ["release", "head"] {
                formulas += 1;
                let what = format!("{} {flavour} formula", v.id);
                find(&doc, &w.worker_toml, &[&what, "ruby -c"]);
            }
        }
    }
    assert_eq!((pkgbuilds, formulas), (6, 2));
    assert_eq!(
        doc.errors().len(),
        2 * pkgbuilds + formulas,
        "{:#?}",
        doc.problems
    );
    assert!(doc.warnings().is_empty(), "{:#?}", doc.problems);
}

/// Issue 20: each checker's verdict is cached by the bytes it judged. A second run of an
/// unchanged catalog runs no checker and reports the same failures (byte-equal JSON); a
/// worker whose renders changed is judged again (and only it), with what its new renders
/// earn; a damaged cache is ignored and rebuilt. Formulas go to one Ruby interpreter.
/// shellcheck is asked about each distinct *shape* of PKGBUILD once (its values as
/// placeholders), and about the PKGBUILDs themselves only when it complains of their shape.
#[test]
fn check_verdicts_are_cached_by_content_and_a_changed_render_is_judged_again() {
    if !tools::require_all(&["bash", "ruby"], "the logging wrappers run the real tools") {
        return;
    }
    let (real_bash, real_ruby) = (which("bash").unwrap(), which("ruby").unwrap());
    let s = Sandbox::new();
    clean_worker(&s, "judged", "bin/judged");
    clean_worker(&s, "other", "bin/other");
    let bin = bin_dir(&["git", "grep", "sed"]);
    let log = s.path("checkers.log");
    let log_q = crate::support::q(log.to_str().unwrap());
    // bash -n fails every file; shellcheck complains about a check() that passes cargo test
    // arguments of its own (shape or file); each logs what it was given, and ruby logs each
    // start and each formula of its list file.
    write_script(
        bin.path(),
        "bash",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = -n ]; then echo \"n $2\" >> {log_q}; echo \"$2: line 7: fake\"; exit 2; fi\nexec '{}' \"$@\"\n",
            real_bash.display()
        ),
    );
    write_script(
        bin.path(),
        "shellcheck",
        &format!("#!/bin/sh\nfor f; do case \"$f\" in -*) ;; *) echo \"sc $f\" >> {log_q}; if grep -qE -- '--features [^ ]+ [^-]' \"$f\"; then echo \"$f:3:1: warning: flagged [SC9999]\"; fi;; esac; done\nexit 1\n"),
    );
    write_script(
        bin.path(),
        "ruby",
        &format!(
            "#!/bin/sh\necho start >> {log_q}\n[ \"$1\" = -e ] && sed 's/^/rb /' \"$3\" >> {log_q}\nexec '{}' \"$@\"\n",
            real_ruby.display()
        ),
    );
    let logged = || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        std::fs::write(&log, "").unwrap();
        text
    };
    let first = check(&s, s.root(), true, Some(bin.path()));
    assert_eq!(code(&first), Some(4), "{}", describe(&first));
    let doc = parse_check(&first);
    let ran = logged();
    let count = |text: &str, what: &str, who: &str| {
        text.lines()
            .filter(|l| l.starts_with(what) && l.contains(who))
            .count()
    };
    let pkgbuilds = count(&ran, "n ", "");
    let formulas = count(&ran, "rb ", "");
    assert!(pkgbuilds >= 2 && formulas >= 2, "{ran}");
    // The two workers' PKGBUILDs differ only in their values: their shapes are shared
    // (a release and a local PKGBUILD too have one shape).
    let shapes = count(&ran, "sc ", "");
    assert_eq!(count(&ran, "sc ", "/shape-"), shapes, "only shapes: {ran}");
    assert!(shapes >= 1 && 2 * shapes <= pkgbuilds, "{ran}");
    assert_eq!(
        count(&ran, "start", ""),
        1,
        "one interpreter for every formula: {ran}"
    );
    assert_eq!(doc.errors().len(), pkgbuilds, "{:#?}", doc.problems);

    // Unchanged: no checker runs, the same document.
    let second = check(&s, s.root(), true, Some(bin.path()));
    assert_eq!(logged(), "", "nothing judged again");
    assert_eq!(code(&second), Some(4), "{}", describe(&second));
    assert_eq!(
        stdout(&second),
        stdout(&first),
        "the cached failures, as reported"
    );

    // Only `other`'s description changes: its files are judged again, but not its shapes.
    let w = s
        .worker("other")
        .dir("bin/other")
        .extra(&clean_source("other"))
        .description("other new description")
        .write();
    write_lock(&w);
    check(&s, s.root(), true, Some(bin.path()));
    let ran = logged();
    assert!(
        count(&ran, "n ", "other-") >= 1 && count(&ran, "rb ", "other-") >= 1,
        "{ran}"
    );
    assert_eq!(
        count(&ran, "n ", "judged-") + count(&ran, "sc ", ""),
        0,
        "{ran}"
    );

    // `other`'s check() gains an argument: a new shape, which shellcheck complains about,
    // so it judges `other`'s PKGBUILDs themselves (and only those).
    let extra = clean_source("other").replace("[test]\n", "[test]\ncargo_args = [\"FLAG\"]\n");
    let w = s
        .worker("other")
        .dir("bin/other")
        .extra(&extra)
        .description("other new description")
        .write();
    write_lock(&w);
    let third = check(&s, s.root(), true, Some(bin.path()));
    let ran = logged();
    assert_eq!(
        count(&ran, "n ", "judged-") + count(&ran, "rb ", "judged-"),
        0,
        "{ran}"
    );
    let others = count(&ran, "n ", "other-");
    assert!(others >= 1, "{ran}");
    assert_eq!(count(&ran, "sc ", "other-"), others, "{ran}");
    assert!(count(&ran, "sc ", "/shape-") >= 1, "{ran}");
    let doc3 = parse_check(&third);
    let flagged: Vec<_> = doc3
        .problems
        .iter()
        .filter(|p| p.message.contains("SC9999"))
        .collect();
    assert_eq!(flagged.len(), others, "{:#?}", doc3.problems);
    assert!(
        flagged.iter().all(|p| p.path == w.worker_toml),
        "{flagged:#?}"
    );

    // A damaged cache is not trusted: everything is judged again, the same answer.
    let cache = s.path(".xdg/cache/rbee-workers/check/verdicts.json");
    assert!(cache.is_file(), "the cache lives under the cache dir");
    std::fs::write(&cache, "{\"format\": 1, \"verdicts\": {\"x\": [tru").unwrap();
    let fourth = check(&s, s.root(), true, Some(bin.path()));
    assert_eq!(count(&logged(), "n ", ""), pkgbuilds);
    assert_eq!(stdout(&fourth), stdout(&third));
    let fifth = check(&s, s.root(), true, Some(bin.path()));
    assert_eq!(logged(), "", "the rebuilt cache serves the next run");
    assert_eq!(stdout(&fifth), stdout(&third));
}

// ---------------------------------------------------------------------------------------------
// --json is one document
// ---------------------------------------------------------------------------------------------

#[test]
fn json_output_is_one_document_even_when_the_gate_fails() {
    let s = Sandbox::new();
    s.worker("Bad").write();
    clean_worker(&s, "good", "bin/good");
    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    let text = stdout(&out);
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"));
    assert_eq!(docs.len(), 1, "stdout must hold one document:\n{text}");
    let doc = parse_check(&out);
    assert!(!doc.ok);
    assert_eq!(doc.checked.workers, 1);
}

#[test]
fn json_output_is_one_document_when_the_gate_passes() {
    let s = Sandbox::new();
    clean_worker(&s, "good", "bin/good");
    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(0), "{}", describe(&out));
    let text = stdout(&out);
    let value: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not exactly one JSON document ({e}):\n{text}"));
    assert!(value.is_object());
    let doc = parse_check(&out);
    assert!(doc.problems.is_empty(), "{:#?}", doc.problems);
}

/// Found by the acceptance walkthrough: a binary named in worker.toml that the variant's build
/// does not produce, and a Cargo.lock older than Cargo.toml, both passed the gate and then
/// failed at install or makepkg time.
#[test]
fn binaries_a_build_does_not_produce_and_stale_locks_fail_the_gate() {
    let s = Sandbox::new();
    let named = s
        .worker("named")
        .features(&["cpu", "cuda"])
        .bin("named-cpu", &["cpu"])
        .bin("named-cuda", &["cuda"])
        .extra(&clean_source("named"))
        .extra("[variants.cpu]\nbinary = \"not-a-target\"\n")
        .write();
    write_lock(&named);
    let stale = clean_worker(&s, "stale", "bin/stale");
    crate::support::write_file(
        &stale.dir.join("Cargo.lock"),
        "version = 3\n\n[[package]]\nname = \"stale\"\nversion = \"0.0.1\"\n",
    );
    let out = check(&s, s.root(), true, None);
    assert_eq!(code(&out), Some(4), "{}", describe(&out));
    let doc = parse_check(&out);
    let p = find(
        &doc,
        &named.worker_toml,
        &["named-cpu", "not-a-target", "does not build it"],
    );
    assert_eq!(p.severity, "error");
    assert!(
        !doc.problems
            .iter()
            .any(|p| p.message.contains("named-cuda` installs")),
        "the cuda variant's gated bin is fine: {:#?}",
        doc.problems
    );
    let lock = find(
        &doc,
        &stale.dir.join("Cargo.lock"),
        &["stale", "0.0.1", "Cargo.lock is stale"],
    );
    assert_eq!(lock.severity, "error");
}

// ---------------------------------------------------------------------------------------------
// Canaries through override templates
// ---------------------------------------------------------------------------------------------

/// An override that passes the lint (no value in an expanding context) but hands a value to
/// `eval` or `bash -c` through a variable: only running it shows that the value runs.
#[test]
fn check_sources_override_renders_with_canaries() {
    if !tools::require("bash", "check runs override renders in bash") {
        return;
    }
    let s = Sandbox::new();
    let w = clean_worker(&s, "cw", "bin/cw");
    let templates = s.path(".xdg/config/rbee-workers/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let template = |body: &str| {
        std::fs::write(
            templates.join("arch-local.PKGBUILD.j2"),
            format!(
                "pkgname={{{{ pkgname }}}}\npkgver={{{{ pkgver }}}}\npkgrel=1\narch=(x86_64)\n_d={{{{ pkgdesc }}}}\n{body}\n"
            ),
        )
        .unwrap();
    };
    for body in [
        "build() {\n  eval \"echo $_d\"\n}",
        "package() {\n  bash -c \"echo $_d\"\n}",
    ] {
        template(body);
        let out = check(&s, s.root(), true, None);
        let doc = parse_check(&out);
        let p = find(
            &doc,
            &w.worker_toml,
            &["runs the value of `description`", "local PKGBUILD"],
        );
        assert_eq!(p.severity, "error", "{body}: {p:?}");
        assert_eq!(code(&out), Some(4), "{}", describe(&out));
        // Nothing fired anywhere but in check's scratch dir.
        assert!(!s.root().join("rbee-canary-description-dollar").exists());
    }
    // Printed as a word and used quoted, the same value is inert.
    template("package() {\n  printf '%s\\n' \"$_d\" >/dev/null\n}");
    let doc = parse_check(&check(&s, s.root(), true, None));
    assert!(
        !doc.problems.iter().any(|p| p.message.contains("canary")),
        "{:#?}",
        doc.problems
    );
}
