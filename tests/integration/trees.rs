//! Reading a catalog's tree through the real binary: every file is a regular file inside the
//! tree, read up to a cap and never by waiting on a FIFO; every broken worker.toml is a
//! problem naming it; invalid UTF-8 is located; manifests are held to caps on array lengths,
//! string sizes and problems, and every git URL meets the one check (issue 12).

use crate::support::{
    locate, parse_catalog, q, stderr, stdout, CargoValue, CatalogDoc, Sandbox, Written,
};
use crate::tools;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// `rbee-workers --root SANDBOX ARGS…`, killed (and the test failed) if it has not finished
/// after a minute: a read that waits on a FIFO must fail the test, not hang the suite.
fn bounded(s: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = s.std_cmd();
    cmd.arg("--root").arg(s.root()).args(args);
    bounded_cmd(cmd, args)
}

fn bounded_cmd(mut cmd: std::process::Command, args: &[&str]) -> Output {
    let out_dir = tempfile::tempdir().unwrap();
    let (o, e) = (out_dir.path().join("out"), out_dir.path().join("err"));
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(fs::File::create(&o).unwrap())
        .stderr(fs::File::create(&e).unwrap())
        .spawn()
        .expect("spawn rbee-workers");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rbee-workers {args:?} hung (killed after a minute)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(o).unwrap(),
        stderr: fs::read(e).unwrap(),
    }
}

fn list(s: &Sandbox) -> CatalogDoc {
    let out = bounded(s, &["list", "--json"]);
    assert!(out.status.success(), "list failed:\n{}", stderr(&out));
    parse_catalog(&out.stdout)
}

/// `list --json` as an unprivileged user, so file modes hold (root reads any directory): as
/// `rbee-test` when the tests run as root, the sandbox opened to it first.
fn list_unprivileged(s: &Sandbox) -> CatalogDoc {
    if !tools::is_root() {
        return list(s);
    }
    let template = s.std_cmd();
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args([
        &format!("--reuid={}", tools::TEST_USER),
        &format!("--regid={}", tools::TEST_USER),
        "--clear-groups",
        "--",
    ])
    .arg(template.get_program())
    .arg("--root")
    .arg(s.root())
    .args(["list", "--json"])
    .current_dir(s.root());
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = bounded_cmd(cmd, &["list"]);
    assert!(out.status.success(), "list failed:\n{}", stderr(&out));
    parse_catalog(&out.stdout)
}

/// Sets the mode of `dir`, after opening the whole sandbox to the unprivileged user.
fn set_mode(s: &Sandbox, dir: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if tools::is_root() && mode != 0o755 {
        tools::chmod_all(s.root());
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(mode)).unwrap();
}

fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo {}", p.display());
}

fn replace_with_link(at: &Path, to: impl AsRef<Path>) {
    let _ = fs::remove_file(at);
    std::os::unix::fs::symlink(to, at).unwrap();
}

/// The one error problem naming `path`, whose message holds `says`.
fn problem_at<'d>(doc: &'d CatalogDoc, path: &Path, says: &str) -> &'d crate::support::ProblemDoc {
    let found = doc.problems_in(path);
    let [p] = found.as_slice() else {
        panic!(
            "expected one problem naming {}: {:#?}",
            path.display(),
            doc.problems
        )
    };
    assert_eq!(p.severity, "error", "{p:?}");
    assert!(
        p.message.contains(says),
        "expected `{says}` in: {}",
        p.message
    );
    p
}

/// A good worker beside a bad one whose worker.toml `break_it` spoils: the good one is
/// listed, the bad one is one problem naming its worker.toml, and `list` finishes.
fn check_broken(says: &str, break_it: impl FnOnce(&Sandbox, &Path)) {
    check_broken_file(|w| &w.worker_toml, says, break_it);
}

/// [`check_broken`] for the file `pick` names (worker.toml or Cargo.toml).
fn check_broken_file(
    pick: fn(&Written) -> &PathBuf,
    says: &str,
    break_it: impl FnOnce(&Sandbox, &Path),
) {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").write();
    let file = pick(&bad);
    break_it(&s, file);
    let doc = list(&s);
    assert_eq!(doc.ids(), good.variant_ids(), "{:#?}", doc.problems);
    problem_at(&doc, file, says);
    let out = bounded(&s, &["list"]);
    assert!(out.status.success());
    // Shown relative to the working directory, the sandbox.
    let shown = file.strip_prefix(s.root()).unwrap();
    assert!(
        stderr(&out).contains(&format!("--> {}", shown.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dangling_worker_toml_link_is_a_problem() {
    check_broken("dangling link", |_, m| replace_with_link(m, "nowhere.toml"));
}

#[test]
fn a_looping_worker_toml_link_is_a_problem() {
    check_broken("loops back", |_, m| replace_with_link(m, "worker.toml"));
}

#[test]
fn a_directory_named_worker_toml_is_a_problem() {
    check_broken("a directory", |_, m| {
        fs::remove_file(m).unwrap();
        fs::create_dir(m).unwrap();
    });
}

#[test]
fn a_link_from_worker_toml_to_a_directory_is_a_problem() {
    check_broken("a directory", |s, m| {
        replace_with_link(m, s.mkdir("elsewhere"))
    });
}

#[test]
fn a_fifo_named_worker_toml_cannot_hang_list() {
    check_broken("a FIFO", |_, m| {
        fs::remove_file(m).unwrap();
        mkfifo(m);
    });
}

#[test]
fn a_link_from_worker_toml_to_a_fifo_cannot_hang_list() {
    check_broken("a FIFO", |s, m| {
        let fifo = s.path("pipe");
        mkfifo(&fifo);
        replace_with_link(m, fifo);
    });
}

#[test]
fn a_socket_named_worker_toml_is_a_problem() {
    check_broken("a socket", |_, m| {
        fs::remove_file(m).unwrap();
        // The listener closes at once; the socket file stays.
        std::os::unix::net::UnixListener::bind(m).unwrap();
    });
}

#[test]
fn a_worker_toml_linked_outside_the_tree_is_refused_and_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("worker.toml");
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").write();
    fs::write(&target, bad.worker_text.replace("bad name", "OUTSIDE")).unwrap();
    replace_with_link(&bad.worker_toml, &target);
    let doc = list(&s);
    assert_eq!(doc.ids(), good.variant_ids());
    problem_at(&doc, &bad.worker_toml, "outside the source tree");
    let out = bounded(&s, &["list"]);
    assert!(!stdout(&out).contains("OUTSIDE") && !stderr(&out).contains("OUTSIDE"));
}

#[test]
fn a_worker_directory_that_cannot_be_searched_is_a_problem() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").write();
    set_mode(&s, &bad.dir, 0o000);
    let doc = list_unprivileged(&s);
    set_mode(&s, &bad.dir, 0o755);
    assert_eq!(doc.ids(), good.variant_ids(), "{:#?}", doc.problems);
    problem_at(&doc, &bad.worker_toml, "cannot tell whether");
}

#[test]
fn a_community_directory_that_cannot_be_read_is_a_problem() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    s.worker("c").dir("bin/community/c").write();
    let community = s.path("bin/community");
    set_mode(&s, &community, 0o000);
    let doc = list_unprivileged(&s);
    set_mode(&s, &community, 0o755);
    assert_eq!(doc.ids(), good.variant_ids(), "{:#?}", doc.problems);
    problem_at(&doc, &community, "cannot look for workers here");
}

#[test]
fn a_fifo_at_bin_x_cargo_toml_cannot_hang_list() {
    check_broken_file(
        |w| &w.cargo_toml,
        "a FIFO",
        |_, c| {
            fs::remove_file(c).unwrap();
            mkfifo(c);
        },
    );
}

#[test]
fn a_fifo_as_the_workspace_root_manifest_cannot_hang_list() {
    let s = Sandbox::new();
    let w = s.worker("member").write();
    let root = s.path("Cargo.toml");
    mkfifo(&root);
    let doc = list(&s);
    assert!(doc.workers.is_empty(), "{:?}", doc.ids());
    problem_at(&doc, &root, "a FIFO");
    assert!(doc.problems_in(&w.worker_toml).is_empty());
}

#[test]
fn cargo_toml_linked_to_dev_zero_cannot_exhaust_memory() {
    check_broken_file(
        |w| &w.cargo_toml,
        "outside the source tree",
        |_, c| replace_with_link(c, "/dev/zero"),
    );
}

#[test]
fn a_manifest_larger_than_one_mib_is_refused() {
    check_broken_file(
        |w| &w.cargo_toml,
        "larger than the limit of 1048576 bytes",
        |_, c| {
            // Valid TOML all the way: only its size is wrong.
            let padding = format!("# {}\n", "x".repeat(1 << 20));
            let text = fs::read_to_string(c).unwrap() + &padding;
            fs::write(c, text).unwrap();
        },
    );
}

#[test]
fn a_workspace_root_above_the_catalog_root_is_not_read() {
    let s = Sandbox::new();
    s.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"catalog/bin/*\"]\n\n[workspace.package]\nversion = \"6.6.6\"\n",
    );
    let w = s
        .worker("member")
        .dir("catalog/bin/member")
        .cargo_version(Some(CargoValue::Workspace))
        .write();
    let mut cmd = s.std_cmd();
    cmd.arg("--root")
        .arg(s.path("catalog"))
        .args(["list", "--json"]);
    let out = bounded_cmd(cmd, &["list"]);
    let doc = parse_catalog(&out.stdout);
    assert!(doc.workers.is_empty(), "{:?}", doc.ids());
    problem_at(&doc, &w.cargo_toml, "not a member of any workspace");
}

#[test]
fn invalid_utf8_in_a_manifest_is_located_at_its_first_bad_byte() {
    let s = Sandbox::new();
    let good = s.worker("good").write();
    let bad = s.worker("bad").write();
    let mut bytes = fs::read(&bad.worker_toml).unwrap();
    let at = bytes.windows(8).position(|w| w == b"bad name").unwrap() + 3;
    bytes[at] = 0xFF;
    fs::write(&bad.worker_toml, &bytes).unwrap();
    let doc = list(&s);
    assert_eq!(doc.ids(), good.variant_ids());
    let p = problem_at(&doc, &bad.worker_toml, "not valid UTF-8");
    let (line, column) = locate(&bad.worker_text, " name\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)), "{p:?}");
    assert!(p.message.contains("0xFF"), "{}", p.message);
}

/// `[depends] arch` with `n` valid packages.
fn with_depends(s: &Sandbox, id: &str, n: usize) -> crate::support::Written {
    let packages: Vec<String> = (0..n).map(|i| format!("pkg{i}")).collect();
    s.worker(id)
        .extra(&format!(
            "\n[depends]\narch = {}\n",
            crate::support::q_list(&packages)
        ))
        .write()
}

#[test]
fn eighty_thousand_depends_entries_are_one_located_problem() {
    let s = Sandbox::new();
    let good = with_depends(&s, "good", 1000);
    let bad = with_depends(&s, "bad", 80_000);
    let doc = list(&s);
    assert_eq!(doc.ids(), good.variant_ids());
    assert_eq!(
        doc.variant("good-cpu").depends.arch.len(),
        1000,
        "the cap is inclusive"
    );
    let p = problem_at(
        &doc,
        &bad.worker_toml,
        "80000 entries, more than the limit of 1000",
    );
    let (line, column) = locate(&bad.worker_text, "[\"pkg0\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)));
}

#[test]
fn a_string_longer_than_four_kib_is_a_located_problem() {
    let s = Sandbox::new();
    let good = s.worker("good").description(&"d".repeat(4096)).write();
    let bad = s.worker("bad").description(&"d".repeat(4097)).write();
    let doc = list(&s);
    assert_eq!(doc.ids(), good.variant_ids());
    let p = problem_at(
        &doc,
        &bad.worker_toml,
        "4097 bytes long, more than the limit of 4096",
    );
    assert_eq!(p.line, Some(locate(&bad.worker_text, "description").0));
}

#[test]
fn hundreds_of_mistakes_in_one_manifest_are_capped_at_one_hundred_problems() {
    let s = Sandbox::new();
    let keys: String = (0..500).map(|i| format!("typo{i} = 1\n")).collect();
    let bad = s.worker("bad").extra(&format!("\n[test]\n{keys}")).write();
    let doc = list(&s);
    let found = doc.problems_in(&bad.worker_toml);
    assert_eq!(found.len(), 101, "{:#?}", &found[..3]);
    assert!(found[..100]
        .iter()
        .all(|p| p.message.contains("unknown key")));
    assert!(
        found[100].message.contains("the rest are not shown"),
        "{:?}",
        found[100]
    );
}

#[test]
fn cargo_repository_that_git_must_not_be_given_is_a_located_problem() {
    let s = Sandbox::new();
    let hostile = "--upload-pack=touch CANARY";
    let bad = s
        .worker("bad")
        .cargo_repository(CargoValue::Literal(hostile.into()))
        .write();
    // With [source].git set, Cargo's `repository` is no git URL, so it is no concern.
    let named = s
        .worker("named")
        .cargo_repository(CargoValue::Literal(hostile.into()))
        .extra("\n[source]\ngit = \"https://example.invalid/named.git\"\n")
        .write();
    let doc = list(&s);
    assert_eq!(doc.ids(), named.variant_ids(), "{:#?}", doc.problems);
    let p = problem_at(&doc, &bad.cargo_toml, "refusing Cargo's `repository`");
    let (line, column) = locate(&bad.cargo_text, &q(hostile));
    assert_eq!((p.line, p.column), (Some(line), Some(column)), "{p:?}");
    assert!(p
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("[source].git"));
}

#[test]
fn a_remote_helper_url_in_source_git_is_a_located_problem() {
    for url in [
        "transport::https://example.invalid/x.git",
        "fd::7",
        "foo+bar://x/y",
    ] {
        let s = Sandbox::new();
        let bad = s
            .worker("bad")
            .extra(&format!("\n[source]\ngit = {}\n", q(url)))
            .write();
        let doc = list(&s);
        assert!(doc.workers.is_empty(), "{url}: {:?}", doc.ids());
        let p = problem_at(&doc, &bad.worker_toml, "refusing `source.git`");
        assert_eq!(p.line, Some(bad.at(url).0), "{url}");
        assert!(p.message.contains("remote-helper"), "{url}: {}", p.message);
    }
}

#[test]
fn config_toml_as_a_fifo_cannot_hang_any_command() {
    let s = Sandbox::new();
    s.worker("good").write();
    // Another configuration directory, so the sandbox's pinned config.toml stays readable.
    let config_home = s.mkdir("fifo-config");
    fs::create_dir(config_home.join("rbee-workers")).unwrap();
    let config: PathBuf = config_home.join("rbee-workers/config.toml");
    mkfifo(&config);
    let mut cmd = s.std_cmd();
    cmd.env("XDG_CONFIG_HOME", &config_home)
        .arg("--root")
        .arg(s.root())
        .arg("list");
    let out = bounded_cmd(cmd, &["list"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--> fifo-config/rbee-workers/config.toml") && err.contains("FIFO"),
        "{err}"
    );
}
