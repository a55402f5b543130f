//! Dependencies between workers (DESIGN section 8) through the real CLI: catalogs of tiny
//! real workers (copies of `hello-worker`, renamed) that require each other, built by real
//! `cargo`, installed into temp prefixes; `check` on bad graphs; the rendered `depends`
//! against the real `makepkg`.

use crate::install::Bed;
use crate::support::{assert_success, stderr, stdout, Sandbox};
use crate::tools;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// A worker `name` at `version` (a renamed hello-worker) requiring `workers`.
fn worker(bed: &Bed, name: &str, version: &str, workers: &[&str]) -> PathBuf {
    let dir = bed.hello(&format!("bin/{name}"), name);
    set_version(&dir, version);
    if !workers.is_empty() {
        let list: Vec<String> = workers.iter().map(|w| format!("{w:?}")).collect();
        let toml = dir.join("worker.toml");
        let mut text = fs::read_to_string(&toml).unwrap();
        text.push_str(&format!("\n[depends]\nworkers = [{}]\n", list.join(", ")));
        fs::write(&toml, text).unwrap();
    }
    dir
}

fn set_version(dir: &std::path::Path, version: &str) {
    let cargo = dir.join("Cargo.toml");
    let text = fs::read_to_string(&cargo).unwrap();
    let old = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_string();
    fs::write(
        &cargo,
        text.replace(&old, &format!("version = \"{version}\"")),
    )
    .unwrap();
}

/// base ← mid ← app, and app also requires base directly (a diamond).
fn three_levels() -> Bed {
    let bed = Bed::copy();
    worker(&bed, "base", "0.2.0", &[]);
    worker(&bed, "mid", "1.0.0", &["base >= 0.2"]);
    worker(&bed, "app", "0.1.0", &["mid ^1", "base ^0.2"]);
    bed
}

fn db(bed: &Bed) -> serde_json::Value {
    serde_json::from_slice(&bed.db_bytes()).expect("installed.json")
}

/// The installed ids (none when there is no database yet).
fn installed_ids(bed: &Bed) -> Vec<String> {
    if bed.db_bytes().is_empty() {
        return Vec::new();
    }
    let db = db(bed);
    db["installed"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn a_three_level_graph_installs_in_order_and_removal_keeps_the_database_and_disk_consistent() {
    let bed = three_levels();
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();

    // The dry run lists every step of the graph, dependencies first.
    let out = bed.run(&["install", "app", "--prefix", p, "--dry-run", "--json"]);
    assert_success(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plans = doc["plans"].as_array().unwrap();
    let ids: Vec<&str> = plans.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["base-cpu", "mid-cpu", "app-cpu"]);
    let reasons: Vec<&str> = plans
        .iter()
        .map(|p| p["install_reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["dependency", "dependency", "explicit"]);
    assert_eq!(
        plans[0]["required_by"],
        serde_json::json!(["mid-cpu", "app-cpu"])
    );
    assert!(plans
        .iter()
        .all(|p| p["steps"].as_array().unwrap().len() == 2));
    assert!(!prefix.exists(), "a dry run installs nothing");

    let out = bed.run(&["install", "app", "--prefix", p, "--noconfirm"]);
    assert_success(&out);
    let text = stdout(&out);
    let at = |id: &str| {
        text.find(&format!("installed {id} "))
            .unwrap_or_else(|| panic!("{id} in:\n{text}"))
    };
    assert!(
        at("base-cpu") < at("mid-cpu") && at("mid-cpu") < at("app-cpu"),
        "{text}"
    );
    for (bin, version) in [
        ("base-cpu", "0.2.0"),
        ("mid-cpu", "1.0.0"),
        ("app-cpu", "0.1.0"),
    ] {
        let run = Command::new(prefix.join("bin").join(bin))
            .arg("--version")
            .output()
            .unwrap();
        let name = bin.trim_end_matches("-cpu");
        assert_eq!(
            String::from_utf8_lossy(&run.stdout).trim(),
            format!("{name} {version} (cpu)")
        );
    }
    let d = db(&bed);
    assert_eq!(d["installed"]["app-cpu"]["reason"], "explicit");
    assert_eq!(d["installed"]["mid-cpu"]["reason"], "dependency");
    assert_eq!(d["installed"]["base-cpu"]["reason"], "dependency");
    assert_eq!(
        d["installed"]["app-cpu"]["requires"],
        serde_json::json!(["mid ^1", "base ^0.2"])
    );
    let list = bed.run(&["list", "--installed"]);
    assert_success(&list);
    let list = stdout(&list);
    assert!(
        list.contains("base-cpu [dependency]") && list.contains("mid-cpu [dependency]"),
        "{list}"
    );
    assert!(!list.contains("app-cpu [dependency]"), "{list}");
    let info = bed.run(&["info", "base-cpu"]);
    assert!(
        stdout(&info).contains("Required By     : app-cpu  mid-cpu"),
        "{}",
        stdout(&info)
    );

    // A second install keeps what is installed at a matching version.
    let again = bed.run(&["install", "app", "--prefix", p, "--noconfirm", "--dry-run"]);
    assert_success(&again);
    assert!(stdout(&again).contains("==> app-cpu"), "{}", stdout(&again));
    assert!(
        !stdout(&again).contains("==> base-cpu"),
        "{}",
        stdout(&again)
    );
    assert!(
        stderr(&again).contains("keeping base-cpu 0.2.0"),
        "{}",
        stderr(&again)
    );

    // upgrade never moves base outside app's `base ^0.2`.
    set_version(&bed.path("bin/base"), "0.3.0");
    let up = bed.run(&["upgrade", "--noconfirm"]);
    assert_success(&up);
    assert!(
        stderr(&up).contains("holding back base-cpu 0.2.0 -> 0.3.0: app-cpu requires `base ^0.2`"),
        "{}",
        stderr(&up)
    );
    assert_eq!(db(&bed)["installed"]["base-cpu"]["version"], "0.2.0");
    set_version(&bed.path("bin/base"), "0.2.0");

    // Removing what a dependent needs is refused, and nothing changes.
    let before = bed.db_bytes();
    let out = bed.run(&["remove", "base-cpu", "--noconfirm"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "not removing base-cpu: required by app-cpu (`base ^0.2`), mid-cpu (`base >= 0.2`)"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(bed.db_bytes(), before);
    assert!(prefix.join("bin/base-cpu").is_file());

    // --cascade takes the dependents along; base stays, now needed by nothing.
    let out = bed.run(&["remove", "mid-cpu", "--cascade", "--noconfirm"]);
    assert_success(&out);
    assert_eq!(installed_ids(&bed), ["base-cpu"]);
    assert!(!prefix.join("bin/mid-cpu").exists() && !prefix.join("bin/app-cpu").exists());
    assert!(prefix.join("bin/base-cpu").is_file());

    // --orphans removes the dependency install nothing needs any more.
    let out = bed.run(&["remove", "--orphans", "--noconfirm"]);
    assert_success(&out);
    assert!(installed_ids(&bed).is_empty(), "{:?}", installed_ids(&bed));
    assert!(!prefix.join("bin/base-cpu").exists());
}

#[test]
fn an_unsatisfiable_requirement_or_a_failed_dependency_build_installs_nothing() {
    let bed = Bed::copy();
    worker(&bed, "base", "1.4.0", &[]);
    worker(&bed, "mid", "1.0.0", &["base >= 2"]);
    worker(&bed, "app", "0.1.0", &["mid"]);
    let prefix = bed.path("prefix");
    let p = prefix.to_str().unwrap();
    let out = bed.run(&["install", "app", "--prefix", p, "--noconfirm"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("app → mid → base >= 2, but the catalog has base 1.4.0"),
        "{err}"
    );
    assert!(err.contains("bin/mid/worker.toml:"), "{err}");
    assert!(!prefix.exists());

    // The requirement met, but base does not compile: neither mid nor app is built.
    fs::write(
        bed.path("bin/mid/worker.toml"),
        fs::read_to_string(bed.path("bin/mid/worker.toml"))
            .unwrap()
            .replace("base >= 2", "base"),
    )
    .unwrap();
    fs::write(
        bed.path("bin/base/src/main.rs"),
        "fn main() { this does not compile }\n",
    )
    .unwrap();
    let out = bed.run(&["install", "app", "--prefix", p, "--noconfirm"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("base-cpu failed"), "{}", stderr(&out));
    assert!(installed_ids(&bed).is_empty());
    assert!(!prefix.join("bin/mid-cpu").exists() && !prefix.join("bin/app-cpu").exists());
}

#[test]
fn check_reports_a_cycle_and_an_unsatisfiable_requirement_at_their_locations() {
    let bed = Bed::copy();
    worker(&bed, "a", "0.1.0", &["b"]);
    worker(&bed, "b", "0.1.0", &["a >= 0.1"]);
    worker(&bed, "c", "0.1.0", &["hello-worker >= 2"]);
    worker(&bed, "d", "0.1.0", &["hello-worker-cpu"]);
    let out = bed.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems: Vec<String> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .map(|p| {
            format!(
                "{}:{}:{}: {}",
                p["path"].as_str().unwrap(),
                p["line"],
                p["column"],
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("bin/b/worker.toml:17:12: dependency cycle: a → b → a"),
        "{problems:#?}"
    );
    assert!(has("bin/c/worker.toml:17:12: c → hello-worker >= 2, but the catalog has hello-worker 0.1.0"), "{problems:#?}");
    assert!(has("bin/d/worker.toml:17:12: d → hello-worker-cpu: `hello-worker-cpu` is a variant of `hello-worker`"), "{problems:#?}");
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

#[test]
fn the_rendered_depends_pass_makepkg_and_every_document_carries_them() {
    let bed = Bed::copy();
    worker(&bed, "base", "0.2.0", &[]);
    worker(&bed, "app", "0.1.0", &["base >= 0.2", "hello-worker ^0.1"]);

    let out = bed.run(&["pkgbuild", "app-cpu", "--flavor", "local", "--srcinfo"]);
    assert_success(&out);
    let srcinfo = stdout(&out);
    for line in [
        "\tdepends = base>=0.2.0",
        "\tdepends = hello-worker>=0.1.0",
        "\tdepends = hello-worker<0.2.0",
        "\tprovides = app=0.1.0",
    ] {
        assert!(srcinfo.lines().any(|l| l == line), "{line} in:\n{srcinfo}");
    }
    let formula = bed.run(&["formula", "app-cpu", "--flavor", "head"]);
    assert_success(&formula);
    assert!(
        stdout(&formula).contains("depends_on \"base-cpu\""),
        "{}",
        stdout(&formula)
    );

    let info = bed.run(&["info", "app-cpu", "--json"]);
    assert_success(&info);
    let doc: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(
        doc["workers"][0]["depends"]["workers"],
        serde_json::json!(["base >= 0.2", "hello-worker ^0.1"])
    );

    let export = bed.path("export");
    assert_success(&bed.run(&["export", export.to_str().unwrap()]));
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(export.join("index.json")).unwrap()).unwrap();
    let app = index["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "app-cpu")
        .unwrap();
    assert_eq!(
        app["depends"]["workers"],
        serde_json::json!(["base >= 0.2", "hello-worker ^0.1"])
    );

    if !tools::require(
        "makepkg",
        "compare the .SRCINFO of a PKGBUILD with worker dependencies",
    ) {
        return;
    }
    let work = tools::shared_tempdir();
    let dir = work.path().join("app-cpu");
    assert_success(&bed.run(&[
        "-q",
        "pkgbuild",
        "app-cpu",
        "--flavor",
        "local",
        "--out",
        dir.to_str().unwrap(),
    ]));
    assert_eq!(
        tools::printsrcinfo(&dir),
        fs::read_to_string(dir.join(".SRCINFO")).unwrap()
    );
}

#[test]
fn a_dependency_from_an_unverified_source_is_reviewed_before_anything_runs() {
    let bed = Bed::copy();
    bed.hello("bin/community/base", "base");
    worker(&bed, "app", "0.1.0", &["base"]);
    let prefix = bed.path("prefix");
    let out = bed.run(&["install", "app", "--prefix", prefix.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("base-cpu comes from an unverified source")
            && err.contains("as a dependency of app-cpu; this is what will run:"),
        "{err}"
    );
    assert!(
        err.contains("base-cpu is unverified and must be reviewed"),
        "{err}"
    );
    assert!(!prefix.exists(), "nothing ran");
    assert!(
        !bed.path(".xdg/cache/rbee-workers/target").exists(),
        "nothing was built"
    );
}

#[test]
fn worker_dependencies_travel_through_an_exported_index_and_a_bad_one_is_refused() {
    let bed = Bed::copy();
    worker(&bed, "base", "0.2.0", &[]);
    worker(&bed, "app", "0.1.0", &["base >= 0.2"]);
    let site = bed.path("site");
    assert_success(&bed.run(&["export", site.to_str().unwrap()]));
    let index = site.join("index.json");

    let u = Sandbox::new();
    let add = |name: &str, path: &std::path::Path| {
        let out = u.run(&["source", "add", name, path.to_str().unwrap(), "--trusted"]);
        assert_success(&out);
    };
    add("mirror", &index);
    assert_success(&u.run(&["sync"]));
    let info = u.run(&["info", "mirror/app-cpu", "--json"]);
    assert_success(&info);
    let doc: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(
        doc["workers"][0]["depends"]["workers"],
        serde_json::json!(["base >= 0.2"])
    );
    // The resolver reads them back: the plan builds base from the index first.
    let prefix = u.path("prefix");
    let plan = u.run(&[
        "install",
        "app",
        "--dry-run",
        "--json",
        "--prefix",
        prefix.to_str().unwrap(),
    ]);
    let doc: serde_json::Value =
        serde_json::from_slice(&plan.stdout).unwrap_or_else(|_| panic!("{}", stderr(&plan)));
    let ids: Vec<&str> = doc["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["base-cpu", "app-cpu"]);

    // An index is untrusted input: a requirement that does not parse refuses the index.
    let text = fs::read_to_string(&index)
        .unwrap()
        .replace("\"base >= 0.2\"", "\"base >= one\"");
    let bad = u.path("bad/index.json");
    fs::create_dir_all(bad.parent().unwrap()).unwrap();
    fs::write(&bad, text).unwrap();
    add("bad", &bad);
    let out = u.run(&["sync"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid version requirement `>= one`"),
        "{}",
        stderr(&out)
    );
}

/// The `pkgbuild ID --flavor local --srcinfo` of `id`: its `key = value` lines.
fn srcinfo(bed: &Bed, id: &str) -> Vec<(String, String)> {
    let out = bed.run(&["pkgbuild", id, "--flavor", "local", "--srcinfo"]);
    assert_success(&out);
    stdout(&out)
        .lines()
        .filter_map(|l| l.trim().split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn pacman_finds_a_rendered_worker_dependency_satisfied_by_the_rendered_provides() {
    if !tools::require("pacman", "check rendered depends against rendered provides") {
        return;
    }
    let bed = Bed::copy();
    worker(&bed, "base", "0.2.0", &[]);
    worker(&bed, "app", "0.1.0", &["base ^0.2"]);
    let base = srcinfo(&bed, "base-cpu");
    let field = |k: &str| -> Vec<&str> {
        base.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    // base-cpu as pacman's local database would hold it once installed.
    let dbpath = tempfile::tempdir().unwrap();
    let entry = dbpath.path().join(format!(
        "local/base-cpu-{}-{}",
        field("pkgver")[0],
        field("pkgrel")[0]
    ));
    fs::create_dir_all(&entry).unwrap();
    fs::write(dbpath.path().join("local/ALPM_DB_VERSION"), "9\n").unwrap();
    let desc = format!(
        "%NAME%\n{}\n\n%VERSION%\n{}-{}\n\n%PROVIDES%\n{}\n\n",
        field("pkgname")[0],
        field("pkgver")[0],
        field("pkgrel")[0],
        field("provides").join("\n")
    );
    fs::write(entry.join("desc"), desc).unwrap();
    let depends: Vec<String> = srcinfo(&bed, "app-cpu")
        .into_iter()
        .filter(|(k, _)| k == "depends")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(depends, ["base>=0.2.0", "base<0.3.0"]);
    // `pacman -T` prints what is missing and exits 127; nothing is.
    let t = Command::new("pacman")
        .arg("--dbpath")
        .arg(dbpath.path())
        .arg("-T")
        .args(&depends)
        .output()
        .unwrap();
    assert!(
        t.status.success(),
        "pacman -T says missing: {}",
        String::from_utf8_lossy(&t.stdout)
    );
    // And a requirement the installed version does not meet is missing.
    let t = Command::new("pacman")
        .arg("--dbpath")
        .arg(dbpath.path())
        .args(["-T", "base>=0.3.0"])
        .output()
        .unwrap();
    assert_eq!(t.status.code(), Some(127));
}
