//! Worker dependencies: `workers = [...]` parsed with located errors, the resolver over real
//! discovered catalogs (variant choice, order, kept installs, cycles, missing and
//! unsatisfiable requirements with their chain), and requirements in pacman's syntax.

use super::{cargo_toml, discover_root, worker_toml, write_worker};
use crate::catalog::{Catalog, Variant, Worker};
use crate::deps::{self, Installed};
use crate::detect::Detection;
use crate::manifest;
use proptest::prelude::*;
use std::path::Path;

/// Writes worker `id` at `version` with `features` (the first the default) on linux/x86_64,
/// `depends` appended as the body of `[depends]` and `extra` after it.
fn worker(root: &Path, id: &str, version: &str, features: &[&str], depends: &str, extra: &str) {
    let toml = worker_toml(
        id,
        features,
        "linux = [\"x86_64\"]",
        "",
        &format!("[depends]\n{depends}\n{extra}"),
    );
    let krate = cargo_toml(id, features, "").replace("1.2.3", version);
    write_worker(root, id, &toml, &krate);
}

fn host(backends: &[&str]) -> Detection {
    Detection {
        os: "linux".into(),
        arch: "x86_64".into(),
        gpus: vec![],
        backends: backends.iter().map(|b| b.to_string()).collect(),
        overridden_by: None,
    }
}

fn find<'c>(c: &'c Catalog, id: &str) -> (&'c Worker, &'c Variant) {
    c.workers
        .iter()
        .find_map(|w| w.variants.iter().find(|v| v.id == id).map(|v| (&**w, v)))
        .unwrap_or_else(|| panic!("no variant {id}: {:#?}", c.problems))
}

fn order(c: &Catalog, roots: &[&str], d: &Detection, installed: &[Installed]) -> Vec<String> {
    let roots: Vec<_> = roots.iter().map(|r| find(c, r)).collect();
    let g = deps::resolve(c, &roots, d, installed).expect("resolves");
    g.order.iter().map(|n| n.variant.id.clone()).collect()
}

fn problems(c: &Catalog, root: &str, d: &Detection) -> Vec<String> {
    let roots = [find(c, root)];
    match deps::resolve(c, &roots, d, &[]) {
        Ok(g) => panic!(
            "expected problems, resolved {:?}",
            g.order.iter().map(|n| &n.variant.id).collect::<Vec<_>>()
        ),
        Err(p) => p
            .iter()
            .map(|p| format!("{} [{}]", p.message, p.location()))
            .collect(),
    }
}

fn clean(c: &Catalog) {
    assert!(c.problems.is_empty(), "{:#?}", c.problems);
}

#[test]
fn a_three_level_graph_builds_dependencies_first() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "base", "1.4.0", &["cpu"], "", "");
    worker(
        t.path(),
        "mid",
        "0.2.0",
        &["cpu"],
        "workers = [\"base >= 1.0\"]",
        "",
    );
    worker(
        t.path(),
        "app",
        "0.1.0",
        &["cpu"],
        "workers = [\"mid ^0.2\", \"base\"]",
        "",
    );
    let c = discover_root(t.path());
    clean(&c);
    let (_, app) = find(&c, "app-cpu");
    assert_eq!(app.depends.workers, ["mid ^0.2", "base"]);
    assert_eq!(
        order(&c, &["app-cpu"], &host(&["cpu"]), &[]),
        ["base-cpu", "mid-cpu", "app-cpu"]
    );
    let g = deps::resolve(&c, &[find(&c, "app-cpu")], &host(&["cpu"]), &[]).unwrap();
    let base = g.order.iter().find(|n| n.variant.id == "base-cpu").unwrap();
    assert_eq!(
        base.required_by,
        ["mid-cpu", "app-cpu"],
        "a diamond names both dependents"
    );
}

#[test]
fn a_dependency_gets_the_dependents_feature_when_it_runs_here_else_its_best_variant() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "kern", "1.0.0", &["cpu", "cuda"], "", "");
    worker(t.path(), "plain", "1.0.0", &["cpu"], "", "");
    worker(
        t.path(),
        "app",
        "1.0.0",
        &["cpu", "cuda"],
        "workers = [\"kern\", \"plain\"]",
        "",
    );
    let c = discover_root(t.path());
    clean(&c);
    let cuda_host = host(&["cuda", "cpu"]);
    assert_eq!(
        order(&c, &["app-cuda"], &cuda_host, &[]),
        ["kern-cuda", "plain-cpu", "app-cuda"]
    );
    // The cpu build of app gets kern's cpu variant, even where cuda runs.
    assert_eq!(
        order(&c, &["app-cpu"], &cuda_host, &[]),
        ["kern-cpu", "plain-cpu", "app-cpu"]
    );
}

#[test]
fn an_installed_dependency_at_a_matching_version_is_kept() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "base", "2.0.0", &["cpu"], "", "");
    worker(
        t.path(),
        "app",
        "1.0.0",
        &["cpu"],
        "workers = [\"base >= 1.5\"]",
        "",
    );
    let c = discover_root(t.path());
    let at = |v: &str| Installed {
        id: "base-cpu".into(),
        worker: "base".into(),
        version: v.parse().unwrap(),
    };
    let d = host(&["cpu"]);
    assert_eq!(order(&c, &["app-cpu"], &d, &[at("1.6.0")]), ["app-cpu"]);
    let g = deps::resolve(&c, &[find(&c, "app-cpu")], &d, &[at("1.6.0")]).unwrap();
    assert_eq!(g.kept[0].id, "base-cpu");
    // Too old for the requirement: it is built again.
    assert_eq!(
        order(&c, &["app-cpu"], &d, &[at("1.0.0")]),
        ["base-cpu", "app-cpu"]
    );
}

#[test]
fn an_unsatisfiable_dependency_names_the_chain_and_the_version_found_at_the_requirement() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "c", "1.4.0", &["cpu"], "", "");
    worker(
        t.path(),
        "b",
        "1.0.0",
        &["cpu"],
        "workers = [\"c >= 2\"]",
        "",
    );
    worker(t.path(), "a", "1.0.0", &["cpu"], "workers = [\"b\"]", "");
    let c = discover_root(t.path());
    let got = problems(&c, "a-cpu", &host(&["cpu"]));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("a → b → c >= 2, but the catalog has c 1.4.0"),
        "{got:?}"
    );
    assert!(got[0].contains("bin/b/worker.toml:13:12"), "{got:?}");
}

#[test]
fn a_missing_dependency_and_a_variant_id_are_named() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "base", "1.0.0", &["cpu"], "", "");
    worker(
        t.path(),
        "a",
        "1.0.0",
        &["cpu"],
        "workers = [\"nothere >= 1\", \"base-cpu\"]",
        "",
    );
    let c = discover_root(t.path());
    let got = problems(&c, "a-cpu", &host(&["cpu"]));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].starts_with("a → nothere >= 1, but no source has a worker `nothere`"),
        "{got:?}"
    );
    assert!(
        got[1].contains("`base-cpu` is a variant of `base`, but a dependency names a worker"),
        "{got:?}"
    );
}

#[test]
fn a_cycle_is_named_by_the_resolver_and_by_check() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "a", "1.0.0", &["cpu"], "workers = [\"b\"]", "");
    worker(t.path(), "b", "1.0.0", &["cpu"], "workers = [\"c\"]", "");
    worker(t.path(), "c", "1.0.0", &["cpu"], "workers = [\"a\"]", "");
    let c = discover_root(t.path());
    let got = problems(&c, "a-cpu", &host(&["cpu"]));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("dependency cycle: a → b → c → a"),
        "{got:?}"
    );
    assert!(got[0].contains("bin/c/worker.toml:13:12"), "{got:?}");
    let checked = deps::check(&c);
    assert_eq!(checked.len(), 1, "one cycle, reported once: {checked:#?}");
    assert!(checked[0].message.contains("a → b → c → a"));
}

#[test]
fn check_reports_every_bad_requirement_of_every_variant_with_its_location() {
    let t = tempfile::tempdir().unwrap();
    worker(t.path(), "base", "0.9.0", &["cpu"], "", "");
    worker(
        t.path(),
        "a",
        "1.0.0",
        &["cpu", "cuda"],
        "workers = [\"base >= 1\"]",
        "[variants.cuda]\ndepends = { workers = [\"gone\"] }\n",
    );
    let c = discover_root(t.path());
    clean(&c);
    let (_, cuda) = find(&c, "a-cuda");
    assert_eq!(cuda.depends.workers, ["base >= 1", "gone"]);
    let got: Vec<String> = deps::check(&c).iter().map(|p| format!("{p}")).collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.iter().any(|p| p.contains("worker.toml:13:12: a → base >= 1, but the catalog has base 0.9.0")), "{got:#?}");
    assert!(
        got.iter()
            .any(|p| p.contains("worker.toml:15:24: a → gone, but no source has a worker `gone`")),
        "{got:#?}"
    );
}

#[test]
fn resolving_a_thousand_workers_visits_each_once() {
    let t = tempfile::tempdir().unwrap();
    let n = 1000;
    for i in 0..n {
        let deps = if i == 0 {
            String::new()
        } else if i == 1 {
            "workers = [\"w0\"]".to_string()
        } else {
            // Each depends on the one before it and on worker 0: a long chain with diamonds.
            format!("workers = [\"w{} >= 1\", \"w0\"]", i - 1)
        };
        worker(t.path(), &format!("w{i}"), "1.0.0", &["cpu"], &deps, "");
    }
    let c = discover_root(t.path());
    clean(&c);
    let got = order(&c, &[&format!("w{}-cpu", n - 1)], &host(&["cpu"]), &[]);
    assert_eq!(got.len(), n);
    assert_eq!(got[0], "w0-cpu");
    assert!(deps::check(&c).is_empty());
}

fn parse_errors(depends: &str) -> Vec<String> {
    let text = format!(
        "[worker]\nid = \"me\"\nname = \"Me\"\ndescription = \"d\"\n\n[build]\nfeatures = [\"cpu\"]\ndefault_feature = \"cpu\"\n\n[platforms]\nlinux = [\"x86_64\"]\n\n[depends]\n{depends}\n"
    );
    let (m, problems) = manifest::parse(Path::new("w/worker.toml"), &text);
    assert!(m.is_none(), "expected a refusal for {depends}");
    problems.iter().map(|p| format!("{p}")).collect()
}

#[test]
fn bad_worker_dependencies_are_located_errors() {
    let cases = [
        (
            "workers = [\"base >= banana\"]",
            "w/worker.toml:14:12: invalid version requirement `>= banana`",
        ),
        (
            "workers = [\"Base\"]",
            "invalid worker dependency `Base`: expected a worker id",
        ),
        ("workers = [\"me >= 1\"]", "worker `me` depends on itself"),
        (
            "workers = [\"me-cpu\"]",
            "`me-cpu` in `workers` of [depends] is a variant of this worker",
        ),
        ("workers = [\"a\", \"a ^1\"]", "worker `a` is listed twice"),
        (
            "workers = \"a\"",
            "expected an array of strings for `workers` in [depends]",
        ),
        ("wrokers = [\"a\"]", "unknown key `wrokers` in [depends]"),
    ];
    for (depends, expected) in cases {
        let bad = parse_errors(depends);
        assert!(bad[0].contains(expected), "{depends}: {bad:?}");
    }
}

#[test]
fn requirements_become_pacman_depends() {
    let p =
        |r: &str| crate::render::arch::pacman_depends("b", &semver::VersionReq::parse(r).unwrap());
    assert_eq!(p(">= 0.2"), ["b>=0.2.0"]);
    assert_eq!(p("^1"), ["b>=1.0.0", "b<2.0.0"]);
    assert_eq!(p("^0.2.3"), ["b>=0.2.3", "b<0.3.0"]);
    assert_eq!(p("~1.4"), ["b>=1.4.0", "b<1.5.0"]);
    assert_eq!(p("=1.2.3"), ["b=1.2.3"]);
    assert_eq!(p("> 1.2"), ["b>=1.3.0"]);
    assert_eq!(p("<= 1"), ["b<2.0.0"]);
    assert_eq!(p("*"), ["b"]);
    assert_eq!(p(">=1.0.0-beta.1"), ["b>=1.0.0beta.1"]);
}

/// Evaluates a pacman constraint (`b>=1.2.0`) on a release version by semver order, which
/// is vercmp's order for plain `X.Y.Z`.
fn holds(constraint: &str, v: &semver::Version) -> bool {
    let rest = &constraint[1..];
    let op_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
    let (op, ver) = rest.split_at(op_len);
    if op.is_empty() {
        return true;
    }
    let ver = semver::Version::parse(ver).unwrap();
    match op {
        ">=" => v >= &ver,
        ">" => v > &ver,
        "<=" => v <= &ver,
        "<" => v < &ver,
        "=" => v == &ver,
        _ => panic!("operator {op}"),
    }
}

proptest! {
    #[test]
    fn pacman_depends_accept_exactly_what_the_requirement_does(
        op in prop::sample::select(vec!["", "=", ">", ">=", "<", "<=", "~", "^"]),
        parts in prop::collection::vec(0u64..4, 1..=3),
        version in (0u64..4, 0u64..4, 0u64..4),
    ) {
        let req = parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        let req = semver::VersionReq::parse(&format!("{op}{req}")).unwrap();
        let v = semver::Version::new(version.0, version.1, version.2);
        let constraints = crate::render::arch::pacman_depends("b", &req);
        prop_assert_eq!(
            req.matches(&v),
            constraints.iter().all(|c| holds(c, &v)),
            "{} vs {:?} on {}", req, constraints, v
        );
    }
}

/// An installed database of `(id, version, reason, requires)` records, as JSON would hold it.
fn installed_db(records: &[(&str, &str, &str, &[&str])]) -> crate::db::Database {
    let installed: serde_json::Map<String, serde_json::Value> = records
        .iter()
        .map(|(id, version, reason, requires)| {
            let (worker, feature) = id.rsplit_once('-').expect("a variant id");
            let rec = serde_json::json!({
                "id": id, "worker": worker, "feature": feature, "version": version,
                "backend": "cargo", "flavor": "local", "source": "local", "files": [],
                "installed_at": 0, "reason": reason, "requires": requires,
            });
            (id.to_string(), rec)
        })
        .collect();
    serde_json::from_value(serde_json::json!({"schema": 1, "installed": installed}))
        .expect("a database")
}

fn ids(set: &std::collections::BTreeSet<String>) -> Vec<&str> {
    set.iter().map(String::as_str).collect()
}

#[test]
fn removal_is_blocked_only_while_nothing_else_installed_meets_the_requirement() {
    use crate::graph::{broken_by, cascade, orphans};
    let db = installed_db(&[
        ("app-cpu", "1.0.0", "explicit", &["mid ^1"]),
        ("mid-cpu", "1.2.0", "dependency", &["base >= 0.2"]),
        ("base-cpu", "0.2.0", "dependency", &[]),
        ("base-cuda", "0.3.0", "explicit", &[]),
        ("loose-cpu", "1.0.0", "dependency", &[]),
    ]);
    let gone = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
    // Another variant of base meets `base >= 0.2`: removing base-cpu breaks nothing.
    assert!(broken_by(&db, &gone(&["base-cpu"])).is_empty());
    let both = broken_by(&db, &gone(&["base-cpu", "base-cuda"]));
    assert_eq!(both.len(), 1);
    assert_eq!(
        (both[0].0.id.as_str(), both[0].1.as_str()),
        ("mid-cpu", "base >= 0.2")
    );
    // Cascade follows the chain up; orphans follow it down to dependency installs only.
    let mut set = gone(&["base-cpu", "base-cuda"]);
    cascade(&db, &mut set);
    assert_eq!(ids(&set), ["app-cpu", "base-cpu", "base-cuda", "mid-cpu"]);
    let mut set = gone(&["app-cpu"]);
    orphans(&db, &mut set);
    assert_eq!(ids(&set), ["app-cpu", "base-cpu", "loose-cpu", "mid-cpu"]);
}

#[test]
fn upgrade_holds_back_what_would_leave_a_requirement_unmet() {
    use crate::graph::{hold_back, Candidate};
    let db = installed_db(&[
        ("app-cpu", "1.0.0", "explicit", &["base ^0.2"]),
        ("base-cpu", "0.2.0", "dependency", &[]),
        ("tool-cpu", "1.0.0", "explicit", &[]),
    ]);
    let c = |id: &str, v: &str, requires: &[&str]| Candidate {
        id: id.into(),
        version: v.parse().unwrap(),
        requires: requires.iter().map(|r| r.to_string()).collect(),
    };
    let held = hold_back(
        &db,
        &[c("base-cpu", "0.3.0", &[]), c("tool-cpu", "1.1.0", &[])],
    );
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].0, "base-cpu");
    assert!(
        held[0].1.contains("app-cpu requires `base ^0.2`"),
        "{held:?}"
    );
    // When app moves too, to a version that accepts the new base, nothing is held back.
    let both = [
        c("base-cpu", "0.3.0", &[]),
        c("app-cpu", "1.1.0", &["base ^0.3"]),
    ];
    assert!(hold_back(&db, &both).is_empty());
    // A dependent whose new version needs what nothing provides is held back, and then its
    // old requirement holds the dependency back in turn.
    let chain = [
        c("base-cpu", "0.3.0", &[]),
        c("app-cpu", "1.1.0", &["base ^0.4"]),
    ];
    let held: Vec<String> = hold_back(&db, &chain)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(held, ["app-cpu", "base-cpu"]);
}
