//! Plans through a recording runner, without cargo, makepkg or brew: a plan carries the exact
//! files it writes (DESIGN section 4, "the plan is the whole truth"), the review shows those
//! bytes, execution writes those bytes and runs exactly the plan's commands, in order.

use super::{cargo_toml, discover_root, worker_toml, write_worker};
use crate::build::{Backend, Plan, Step};
use crate::catalog::Catalog;
use crate::checksum::{sha256_bytes, sha256_file};
use crate::command::CommandSpec;
use crate::commands::{install, review, Session};
use crate::context::Context;
use crate::detect::{self, Probes};
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::exec::{Attempt, Runner};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records every command; `run` of a command whose program is `brew` also creates the files
/// a real `brew install` would (the ones the plan's record step names), so the install can
/// be verified and recorded.
#[derive(Clone, Default)]
struct Recorder {
    ran: Arc<Mutex<Vec<CommandSpec>>>,
    probed: Arc<Mutex<Vec<CommandSpec>>>,
    creates: Vec<PathBuf>,
    answer: String,
}

impl Runner for Recorder {
    fn run(&mut self, spec: &CommandSpec, _label: &str) -> Result<()> {
        self.ran.lock().unwrap().push(spec.clone());
        if spec.args.iter().any(|a| a == "install") {
            for f in &self.creates {
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::write(f, "#!/bin/sh\n").unwrap();
            }
        }
        Ok(())
    }
    fn capture(&mut self, spec: &CommandSpec) -> Result<String> {
        self.ran.lock().unwrap().push(spec.clone());
        Ok(self.answer.clone())
    }
    fn output(&mut self, spec: &CommandSpec) -> Result<String> {
        self.ran.lock().unwrap().push(spec.clone());
        Ok(String::new())
    }
    fn attempt(&mut self, spec: &CommandSpec, _timeout: Duration) -> Result<Attempt> {
        // A probe or a smoke test, not a step of the plan.
        self.probed.lock().unwrap().push(spec.clone());
        Ok(Attempt {
            success: true,
            code: Some(0),
            output: String::new(),
        })
    }
}

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    catalog: Catalog,
    cx: Context,
}

fn host(os: &str, arch: &str) -> detect::Detection {
    detect::decide(&Probes {
        os: os.into(),
        arch: arch.into(),
        gpu_override: Some("none".into()),
        ..Probes::default()
    })
    .expect("a valid host")
}

/// A catalog with one worker `hello` (cpu on Linux and macOS), a context whose directories
/// are in the temp dir, on `os`, not as root.
fn world(os: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write_worker(
        &root.join("catalog"),
        "hello",
        &worker_toml(
            "hello",
            &["cpu"],
            "linux = [\"x86_64\"]\nmacos = [\"aarch64\", \"x86_64\"]",
            "homepage = \"https://example.org/hello\"",
            "[source]\ngit = \"https://github.com/example/hello.git\"\nsha256 = \"1111111111111111111111111111111111111111111111111111111111111111\"\n",
        ),
        &cargo_toml("hello", &["cpu"], ""),
    );
    let catalog = discover_root(&root.join("catalog"));
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    let dirs = Dirs {
        config: root.join("config"),
        cache: root.join("cache"),
        data: root.join("data"),
    };
    let mut cx = Context::with_dirs(dirs, true).on_host(host(os, "x86_64"));
    cx.as_root = false;
    World {
        _dir: dir,
        root,
        catalog,
        cx,
    }
}

/// `--backend B`, and `--prefix` where B takes one (cargo).
fn options(backend: Backend, prefix: &Path) -> install::Options {
    install::Options {
        backend: Some(backend),
        prefix: (backend == Backend::Cargo).then(|| prefix.to_path_buf()),
        ..install::Options::default()
    }
}

fn plan_for(s: &mut Session, c: &Catalog, id: &str, o: &install::Options, inst: bool) -> Plan {
    let (w, v, _) = install::pick(c, id, s.cx.host().unwrap()).unwrap();
    install::make_plan(s, w, v, o, inst).unwrap()
}

fn writes(plan: &Plan) -> Vec<&Step> {
    plan.steps
        .iter()
        .filter(|s| matches!(s, Step::Write { .. }))
        .collect()
}

fn runs(plan: &Plan) -> Vec<CommandSpec> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Run { command, .. } => Some(command.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_makepkg_plan_carries_the_pkgbuild_whose_checksum_is_the_tarball_it_packs() {
    let wd = world("linux");
    let rec = Recorder::default();
    let mut s = Session::with_runner(&wd.cx, Box::new(rec.clone()));
    let o = options(Backend::Makepkg, &wd.root.join("prefix"));
    let plan = plan_for(&mut s, &wd.catalog, "hello-cpu", &o, false);
    let [Step::Write { files, tarball, .. }] = writes(&plan)[..] else {
        panic!("one write step: {:?}", plan.steps)
    };
    let tarball = tarball.as_ref().expect("the local flavour packs a tarball");
    let names: Vec<_> = files.iter().map(|f| f.path.file_name().unwrap()).collect();
    assert_eq!(names, ["PKGBUILD", ".SRCINFO"]);
    let pkgbuild = &files[0].contents;
    assert!(
        pkgbuild.contains(&tarball.sha256),
        "the PKGBUILD checks the tarball the plan packs ({}):\n{pkgbuild}",
        tarball.sha256
    );
    assert_eq!(files[0].sha256, sha256_bytes(pkgbuild.as_bytes()));
    // Planning wrote nothing.
    assert!(!tarball.path.exists() && !files[0].path.exists());

    // Executing writes exactly those bytes, packs a tarball with exactly that sum, and runs
    // exactly the plan's commands, in order.
    let (w, _, _) = install::pick(&wd.catalog, "hello-cpu", wd.cx.host().unwrap()).unwrap();
    install::execute(&mut s, w, &plan).unwrap();
    for f in files {
        assert_eq!(std::fs::read_to_string(&f.path).unwrap(), f.contents);
    }
    assert_eq!(sha256_file(&tarball.path).unwrap(), tarball.sha256);
    assert_eq!(*rec.ran.lock().unwrap(), runs(&plan));
    assert_eq!(runs(&plan)[0].program, "makepkg");

    // What a review shows is those bytes.
    let shown = review::text(w, &plan);
    for f in files {
        assert!(
            shown.contains(&f.contents),
            "the review shows {}",
            f.path.display()
        );
    }
}

#[test]
fn a_tree_that_changes_after_planning_is_refused_and_nothing_is_written() {
    let wd = world("linux");
    let mut s = Session::with_runner(&wd.cx, Box::new(Recorder::default()));
    let o = options(Backend::Makepkg, &wd.root.join("prefix"));
    let plan = plan_for(&mut s, &wd.catalog, "hello-cpu", &o, false);
    std::fs::write(
        wd.root.join("catalog/bin/hello/src/main.rs"),
        "fn main() { std::process::exit(7) } // changed after review\n",
    )
    .unwrap();
    let (w, _, _) = install::pick(&wd.catalog, "hello-cpu", wd.cx.host().unwrap()).unwrap();
    let err = install::execute(&mut s, w, &plan).unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    assert!(err.to_string().contains("changed after"), "{err}");
    let [Step::Write { files, tarball, .. }] = writes(&plan)[..] else {
        panic!()
    };
    assert!(!files[0].path.exists(), "no PKGBUILD written");
    assert!(!tarball.as_ref().unwrap().path.exists(), "no tarball kept");
}

#[test]
fn a_brew_install_writes_the_planned_formula_and_records_what_brew_installed() {
    let wd = world("macos");
    let brew_prefix = wd.root.join("brew");
    let installed = brew_prefix.join("bin/hello-cpu");
    let rec = Recorder {
        creates: vec![installed.clone()],
        answer: brew_prefix.display().to_string(),
        ..Recorder::default()
    };
    let mut s = Session::with_runner(&wd.cx, Box::new(rec.clone()));
    let o = options(Backend::Brew, &wd.root.join("prefix"));
    let plan = plan_for(&mut s, &wd.catalog, "hello-cpu", &o, true);
    let [Step::Write { files, .. }] = writes(&plan)[..] else {
        panic!("{:?}", plan.steps)
    };
    let formula = &files[0];
    assert!(
        formula.contents.contains("class HelloCpu < Formula"),
        "{}",
        formula.contents
    );
    assert!(formula.contents.contains(&"1".repeat(64)), "the pinned sum");

    rec.ran.lock().unwrap().clear();
    let answer = install::install_with(&mut s, &wd.catalog, &["hello-cpu".into()], &o).unwrap();
    assert_eq!(
        std::fs::read_to_string(&formula.path).unwrap(),
        formula.contents
    );
    let ran: Vec<String> = rec
        .ran
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.display())
        .collect();
    assert!(
        ran.iter()
            .any(|c| c.ends_with("install --build-from-source rbee/local/hello-cpu")),
        "{ran:?}"
    );
    let db = crate::db::read(&wd.cx.dirs.data).unwrap();
    let r = &db.installed["hello-cpu"];
    assert_eq!(
        (r.backend, r.files[0].path.clone()),
        (Backend::Brew, installed)
    );
    assert_eq!(answer.json()["results"][0]["backend"], "brew");
}

#[test]
fn a_dry_run_plans_everything_and_creates_nothing() {
    let wd = world("linux");
    let rec = Recorder::default();
    let mut s = Session::with_runner(&wd.cx, Box::new(rec.clone()));
    let mut o = options(Backend::Makepkg, &wd.root.join("prefix"));
    o.dry_run = true;
    let answer = install::build_with(&mut s, &wd.catalog, "hello-cpu", &o).unwrap();
    let doc = answer.json();
    let steps = &doc["plans"][0]["steps"];
    let write = steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "write")
        .expect("a write step");
    assert!(write["files"][0]["contents"]
        .as_str()
        .unwrap()
        .contains("pkgname=hello-cpu"));
    assert!(write["tarball"]["sha256"].as_str().unwrap().len() == 64);
    assert!(rec.ran.lock().unwrap().is_empty(), "nothing ran");
    assert!(
        !wd.cx.dirs.cache.exists(),
        "nothing was written under the cache"
    );
}

#[test]
fn an_unknown_backend_in_the_database_is_an_error_not_a_cargo_rebuild() {
    let wd = world("linux");
    std::fs::create_dir_all(&wd.cx.dirs.data).unwrap();
    let record = |backend: &str| {
        format!(
            r#"{{"schema": 1, "installed": {{"hello-cpu": {{"id": "hello-cpu", "worker": "hello", "feature": "cpu", "version": "1.0.0", "backend": "{backend}", "flavor": "local", "source": "local", "files": [], "installed_at": 0}}}}}}"#
        )
    };
    let db = crate::db::db_path(&wd.cx.dirs.data);
    std::fs::write(&db, record("cargo")).unwrap();
    assert!(crate::db::read(&wd.cx.dirs.data).is_ok());
    std::fs::write(&db, record("nix")).unwrap();
    let mut s = Session::with_runner(&wd.cx, Box::new(Recorder::default()));
    let err = install::upgrade_with(&mut s, &[], &install::Options::default()).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("nix"), "names the value: {err}");
}

#[test]
fn a_makepkg_failure_pacman_caused_points_at_the_cargo_backend() {
    let failed = |tail: &str| {
        Error::CommandFailed(Box::new(crate::error::CommandFailure {
            label: "[2/3] hello-cpu".into(),
            command: "makepkg --force".into(),
            status: Some(1),
            log: PathBuf::from("/tmp/log"),
            tail: tail.into(),
            hint: None,
        }))
    };
    let e = install::pacman_hint(failed(
        "error: failed to initialize alpm library\n(could not create database)",
    ));
    let help = e.help().unwrap();
    assert!(help.contains("--backend cargo"), "{help}");
    assert!(help.contains("/tmp/log"), "the log is still named: {help}");
    // A compile error is not pacman's.
    let e = install::pacman_hint(failed("error[E0425]: cannot find value `x`"));
    assert!(!e.help().unwrap().contains("--backend cargo"));
}

#[test]
fn makepkg_installs_a_dependency_it_built_first_and_as_a_dependency() {
    let mut wd = world("linux");
    write_worker(
        &wd.root.join("catalog"),
        "app",
        &worker_toml(
            "app",
            &["cpu"],
            "linux = [\"x86_64\"]",
            "",
            "[depends]\nworkers = [\"hello >= 1\"]\n[source]\ngit = \"https://github.com/example/app.git\"\n",
        ),
        &cargo_toml("app", &["cpu"], ""),
    );
    wd.catalog = discover_root(&wd.root.join("catalog"));
    assert!(wd.catalog.problems.is_empty(), "{:?}", wd.catalog.problems);
    // An Arch host: the configured pacman exists (the recorder answers its probe).
    wd.cx.config.tools.pacman = "/bin/sh".into();
    let rec = Recorder::default();
    let mut s = Session::with_runner(&wd.cx, Box::new(rec.clone()));
    let mut o = options(Backend::Makepkg, &wd.root.join("prefix"));
    o.dry_run = true;
    let answer = install::install_with(&mut s, &wd.catalog, &["app-cpu".into()], &o).unwrap();
    let doc = answer.json();
    let plans = doc["plans"].as_array().unwrap();
    let makepkg = |i: usize| -> Vec<String> {
        let run = plans[i]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "run")
            .unwrap();
        serde_json::from_value(run["command"]["args"].clone()).unwrap()
    };
    assert_eq!(plans[0]["id"], "hello-cpu");
    assert_eq!(plans[1]["id"], "app-cpu");
    assert!(
        makepkg(0).contains(&"--asdeps".to_string()),
        "{:?}",
        makepkg(0)
    );
    assert!(
        !makepkg(1).contains(&"--asdeps".to_string()),
        "{:?}",
        makepkg(1)
    );
    let pkgbuild = plans[1]["steps"][0]["files"][0]["contents"]
        .as_str()
        .unwrap();
    assert!(pkgbuild.contains("depends=('hello>=1.0.0')"), "{pkgbuild}");
    assert!(rec.ran.lock().unwrap().is_empty(), "nothing ran");
}
