//! The persistent discovery cache (issue 20): a warm run gives the answer a cold one gives —
//! after edits that keep a file's size and mtime, added and removed workers, a new workspace
//! root, a new binary, a duplicate id — and a damaged cache is rebuilt, never trusted.
//!
//! Every comparison is between the same command run twice on the same tree: once with the
//! sandbox's cache (warm, recalled) and once with an empty cache directory of its own (cold).

use crate::support::{assert_success, stderr, write_file, Sandbox};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Sets the mtime of everything under `root` changed in the last minute two hours back, so
/// the cache may keep what it read (it keeps nothing changed in the last two seconds), and
/// what was not changed keeps its fingerprint. The ctimes stay: they are now.
fn backdate(root: &Path) {
    let st = std::process::Command::new("find")
        .arg(root)
        .args([
            "-path",
            "*/.xdg",
            "-prune",
            "-o",
            "-newermt",
            "1 minute ago",
        ])
        .args(["-exec", "touch", "-h", "-d", "2 hours ago", "{}", "+"])
        .status()
        .expect("run find");
    assert!(st.success());
}

/// What a person and a script see: status, stdout and stderr.
fn seen(out: &Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(out),
    )
}

/// `args` run warm (the sandbox's cache) and cold (a fresh cache dir).
fn warm_and_cold(s: &Sandbox, args: &[&str]) -> (Output, Output) {
    let warm = s.run(args);
    let cold_cache = tempfile::tempdir().expect("temp dir");
    let cold = s
        .cmd()
        .env("XDG_CACHE_HOME", cold_cache.path())
        .env("RBEE_WORKERS_WATCH", "never")
        .arg("--root")
        .arg(s.root())
        .args(args)
        .output()
        .expect("run rbee-workers");
    (warm, cold)
}

/// Every command about one worker (and the whole listing), warm against cold.
const COMMANDS: &[&[&str]] = &[
    &["info", "app", "--json"],
    &["info", "app"],
    &["info", "app-cpu", "--json"],
    &["info", "base-cpu", "--json"],
    &["info", "dup", "--json"],
    &["info", "ap", "--json"],
    &["info", "broken-cpu"],
    &["pkgbuild", "app-cpu"],
    &["formula", "app-cpu"],
    &["list", "--json"],
    &["list"],
];

fn assert_warm_is_cold(s: &Sandbox, when: &str) {
    for args in COMMANDS {
        // Twice warm: the first may write the cache, the second reads what it wrote.
        let _ = s.run(args);
        let (warm, cold) = warm_and_cold(s, args);
        assert_eq!(
            seen(&warm),
            seen(&cold),
            "{when}: `{}` warm differs from cold",
            args.join(" ")
        );
    }
}

/// How many worker directories the last run recalled, from its `-v` line.
fn recalled(s: &Sandbox, args: &[&str]) -> (usize, usize) {
    let mut all = vec!["-v"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("discovery: "))
        .unwrap_or_else(|| panic!("no discovery line in:\n{err}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    (
        words[1].parse().expect("a count"),
        words[3].parse().expect("a count"),
    )
}

/// A catalog with what the cache must keep straight: a dependency, a duplicate id, a broken
/// worker, a community worker, a worker with a warning, and a workspace member.
fn catalog() -> Sandbox {
    let s = Sandbox::new();
    s.worker("base").features(&["cpu"]).write();
    s.worker("app")
        .features(&["cpu", "cuda"])
        .extra("[depends]\nworkers = [\"base >= 0.1\"]\n")
        .write();
    s.worker("dup").features(&["cpu"]).write();
    s.worker("dup")
        .dir("bin/dup-again")
        .features(&["cpu"])
        .write();
    s.worker("broken").features(&["cpu"]).write();
    write_file(
        &s.path("bin/broken/worker.toml"),
        "[worker]\nid = \"broken\"\nname = 3\n",
    );
    s.worker("voice")
        .dir("bin/community/voice")
        .features(&["cpu"])
        .write();
    s.worker("metal-only")
        .features(&["cpu", "metal"])
        .platforms(&[("linux", &["x86_64"])])
        .write();
    s.worker("member").features(&["cpu"]).inherit_all().write();
    write_file(
        &s.path("bin/Cargo.toml"),
        "[workspace]\nmembers = [\"member\"]\n\n[workspace.package]\nversion = \"3.1.4\"\nlicense = \"MIT\"\nedition = \"2021\"\nrepository = \"https://github.com/example/member\"\nhomepage = \"https://example.org/member\"\n",
    );
    backdate(s.root());
    // What the catalog holds, so the comparisons below compare something.
    let out = s.run(&["list", "--json"]);
    let doc = crate::support::parse_catalog(&out.stdout);
    let ids = doc.ids();
    for id in [
        "app-cpu",
        "app-cuda",
        "base-cpu",
        "dup-cpu",
        "member-cpu",
        "voice-cpu",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} not in {ids:?}");
    }
    assert!(!ids.contains(&"broken-cpu".to_string()));
    assert_eq!(doc.variant("member-cpu").version, "3.1.4");
    let err = stderr(&s.run(&["list"]));
    for what in [
        "duplicate worker id `dup`",
        "bin/broken/worker.toml",
        "supports no platform",
    ] {
        assert!(err.contains(what), "no `{what}` in:\n{err}");
    }
    s
}

#[test]
fn a_warm_run_answers_as_a_cold_one() {
    let s = catalog();
    assert_warm_is_cold(&s, "unchanged");
    let (recalled_now, of) = recalled(&s, &["info", "app"]);
    assert_eq!(
        (recalled_now, of),
        (of, 8),
        "an unchanged catalog is recalled whole"
    );
    // `info` needs app and what it requires, not the rest.
    let out = s.run(&["info", "app", "--json"]);
    assert_success(&out);
}

type Edit = Box<dyn Fn(&Sandbox)>;

/// Every kind of change the cache must see, in an order each can follow the last.
fn edits() -> Vec<(&'static str, Edit)> {
    vec![
        (
            "a same-size edit with the mtime put back",
            Box::new(|s: &Sandbox| {
                let p = s.path("bin/app/Cargo.toml");
                let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(text.contains("version = \"0.1.0\""));
                let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
                std::io::Write::write_all(
                    &mut &f,
                    text.replace("version = \"0.1.0\"", "version = \"0.9.0\"")
                        .as_bytes(),
                )
                .unwrap();
                f.set_modified(mtime).unwrap();
                assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
            }),
        ),
        (
            "a worker id changed to another's",
            Box::new(|s: &Sandbox| {
                let p = s.path("bin/base/worker.toml");
                let text = std::fs::read_to_string(&p).unwrap();
                write_file(&p, &text.replace("id = \"base\"", "id = \"app\""));
            }),
        ),
        (
            "the id put back",
            Box::new(|s: &Sandbox| {
                let p = s.path("bin/base/worker.toml");
                let text = std::fs::read_to_string(&p).unwrap();
                write_file(&p, &text.replace("id = \"app\"", "id = \"base\""));
            }),
        ),
        (
            "a new worker",
            Box::new(|s: &Sandbox| {
                s.worker("apx").features(&["cpu"]).write();
            }),
        ),
        (
            "a worker removed",
            Box::new(|s: &Sandbox| {
                std::fs::remove_dir_all(s.path("bin/dup-again")).unwrap();
            }),
        ),
        (
            "a broken worker mended",
            Box::new(|s: &Sandbox| {
                s.worker("broken").features(&["cpu"]).write();
            }),
        ),
        (
            "the workspace's version changed",
            Box::new(|s: &Sandbox| {
                let p = s.path("bin/Cargo.toml");
                let text = std::fs::read_to_string(&p).unwrap();
                write_file(&p, &text.replace("3.1.4", "3.2.0"));
            }),
        ),
        (
            "a second binary beside main.rs",
            Box::new(|s: &Sandbox| {
                write_file(&s.path("bin/app/src/bin/other.rs"), "fn main() {}\n");
            }),
        ),
        (
            "a third binary in src/bin",
            Box::new(|s: &Sandbox| {
                write_file(&s.path("bin/app/src/bin/third.rs"), "fn main() {}\n");
            }),
        ),
        (
            "a lock file beside a worker",
            Box::new(|s: &Sandbox| {
                write_file(&s.path("bin/base/Cargo.lock"), "version = 4\n");
            }),
        ),
        (
            "a worker.toml replaced by a symlink to another",
            Box::new(|s: &Sandbox| {
                let p = s.path("bin/apx/worker.toml");
                std::fs::remove_file(&p).unwrap();
                std::os::unix::fs::symlink(s.path("bin/dup/worker.toml"), &p).unwrap();
            }),
        ),
    ]
}

#[test]
fn every_kind_of_change_is_seen() {
    let s = catalog();
    assert_warm_is_cold(&s, "unchanged");
    for (what, edit) in edits() {
        edit(&s);
        backdate(s.root());
        assert_warm_is_cold(&s, what);
    }
}

#[test]
fn a_damaged_cache_is_rebuilt_never_trusted() {
    let s = catalog();
    let _ = s.run(&["list", "--json"]);
    let dir = s.path(".xdg/cache/rbee-workers/discovery");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the cache is written")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file per source: {files:?}");
    let file = files[0].clone();
    let good = std::fs::read(&file).unwrap();
    // Damage: a flipped byte in the header, in the last worker, a cut, an empty file, noise.
    let header_at = good.iter().position(|&b| b == b'\n').unwrap() + 10;
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("a byte of the header", {
            let mut b = good.clone();
            b[header_at] ^= 1;
            b
        }),
        ("the versions inside the workers (still valid JSON)", {
            let mut b = good.clone();
            // `rbee-workers discovery cache 2 DIGEST_LEN SUM HEADER_LEN SUM`
            let first = String::from_utf8_lossy(&b[..header_at - 10]).into_owned();
            let words: Vec<&str> = first.split(' ').collect();
            let len = |i: usize| -> usize { words[i].parse().unwrap() };
            let body = header_at - 10 + 1 + len(4) + len(6);
            let mut flipped = 0;
            for at in body..b.len() - 7 {
                if &b[at..at + 7] == b"\"0.1.0\"" {
                    b[at + 3] = b'7';
                    flipped += 1;
                }
            }
            assert!(flipped > 0, "no worker version after the header");
            b
        }),
        ("cut short", good[..good.len() - 100].to_vec()),
        ("empty", Vec::new()),
        (
            "noise",
            b"rbee-workers discovery cache 2 0 zz 99999999 zz\n{".to_vec(),
        ),
        // Lengths whose sum wraps past u64::MAX: refused, never allocated or read.
        ("lengths that overflow", {
            let mut b = b"rbee-workers discovery cache 2 18446744073709551515 zz 200 zz\n".to_vec();
            b.extend(std::iter::repeat_n(b'x', 400));
            b
        }),
    ];
    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        for args in COMMANDS {
            std::fs::write(&file, &bytes).unwrap();
            let (warm, cold) = warm_and_cold(&s, args);
            assert_eq!(
                seen(&warm),
                seen(&cold),
                "cache damaged ({what}): `{}` differs from a cold run",
                args.join(" ")
            );
        }
        // And it is whole again after one run.
        std::fs::write(&file, &bytes).unwrap();
        let _ = s.run(&["list", "--json"]);
        let (n, of) = recalled(&s, &["list", "--json"]);
        assert_eq!(n, of, "cache damaged ({what}): not rebuilt");
    }
}

#[test]
fn concurrent_runs_each_see_a_whole_cache() {
    let s = catalog();
    let expected = {
        let (_, cold) = warm_and_cold(&s, &["info", "app", "--json"]);
        assert_success(&cold);
        seen(&cold)
    };
    for round in 0..3 {
        // Every round starts cold, so the runs race to write the cache.
        let _ = std::fs::remove_dir_all(s.path(".xdg/cache/rbee-workers/discovery"));
        let children: Vec<_> = (0..8)
            .map(|_| {
                s.std_cmd()
                    .arg("--root")
                    .arg(s.root())
                    .args(["info", "app", "--json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(seen(&out), expected, "round {round}");
        }
    }
    let (n, of) = recalled(&s, &["info", "app", "--json"]);
    assert_eq!(n, of);
}

#[test]
fn a_file_changed_just_now_is_read_again() {
    let s = catalog();
    // Changed "within the last two seconds" however slow the machine: its mtime is ahead.
    s.worker("fresh").features(&["cpu"]).write();
    let st = std::process::Command::new("touch")
        .args(["-d", "1 hour"])
        .arg(s.path("bin/fresh/worker.toml"))
        .status()
        .unwrap();
    assert!(st.success());
    let (_, _) = recalled(&s, &["info", "app"]);
    let (n, of) = recalled(&s, &["info", "app"]);
    assert_eq!(
        of - n,
        1,
        "only the worker changed just now is read again ({n} of {of})"
    );
}

#[test]
fn cache_files_of_roots_unused_for_a_week_are_removed() {
    let s = catalog();
    let dir = s.path(".xdg/cache/rbee-workers/discovery");
    let ours: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(ours.len(), 1);
    let age = |p: &Path, days: u64| {
        let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        f.set_modified(
            std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400),
        )
        .unwrap();
    };
    let gone = write_file(&dir.join("0123456789abcdef01234567.cache"), "old");
    let kept = write_file(&dir.join("fedcba9876543210fedcba98.cache"), "recent");
    age(&gone, 8);
    age(&kept, 6);
    // Ours, unchanged but not looked at for two days: a run that recalls it marks it used.
    age(&ours[0], 2);
    let _ = s.run(&["info", "app"]);
    let used = std::fs::metadata(&ours[0]).unwrap().modified().unwrap();
    assert!(used.elapsed().unwrap() < std::time::Duration::from_secs(3600));
    // A run that writes its cache removes what has not been used for a week.
    s.worker("another").features(&["cpu"]).write();
    backdate(s.root());
    let _ = s.run(&["info", "app"]);
    assert!(!gone.exists(), "a cache file unused for 8 days is kept");
    assert!(kept.exists(), "a cache file used 6 days ago is removed");
    assert!(ours[0].exists());
}

/// `rbee-workers watch` in the background for `s`, stopped when the guard goes.
#[cfg(target_os = "linux")]
struct Watcher<'s>(&'s Sandbox);

#[cfg(target_os = "linux")]
impl<'s> Watcher<'s> {
    fn start(s: &'s Sandbox) -> Watcher<'s> {
        let out = s.run(&["watch", "--background", "--idle", "120"]);
        assert_success(&out);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            said.contains("watching"),
            "watch --background said:\n{said}"
        );
        Watcher(s)
    }
}

#[cfg(target_os = "linux")]
impl Drop for Watcher<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["watch", "--stop"]);
    }
}

/// The last `-v` discovery line of `args`.
#[cfg(target_os = "linux")]
fn discovery_line(s: &Sandbox, args: &[&str]) -> String {
    let mut all = vec!["-v"];
    all.extend_from_slice(args);
    let err = stderr(&s.run(&all));
    err.lines()
        .find(|l| l.starts_with("discovery: "))
        .unwrap_or_else(|| panic!("no discovery line in:\n{err}"))
        .to_string()
}

/// [`discovery_line`] once it says `what`: a run asking while the watcher sets its watches
/// again (after a change to `bin/`, as `backdate` makes) is told "look at everything", and so
/// is the run after it (its token is from no watcher). Fails after ten seconds.
#[cfg(target_os = "linux")]
fn settled_line(s: &Sandbox, args: &[&str], what: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let line = discovery_line(s, args);
        if line.ends_with(what) || start.elapsed() > std::time::Duration::from_secs(10) {
            return line;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_watched_catalog_answers_as_a_cold_one_right_after_each_change() {
    let s = catalog();
    let _watcher = Watcher::start(&s);
    assert_warm_is_cold(&s, "unchanged, watched");
    // Nothing changed: the digest answers, and nothing is looked at.
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    for (what, edit) in edits() {
        edit(&s);
        backdate(s.root());
        // The first run after the change is the one a watcher could get wrong.
        for args in [
            &["info", "app", "--json"][..],
            &["info", "base-cpu", "--json"],
        ] {
            let (warm, cold) = warm_and_cold(&s, args);
            assert_eq!(
                seen(&warm),
                seen(&cold),
                "watched, right after {what}: `{}` warm differs from cold",
                args.join(" ")
            );
        }
        assert_warm_is_cold(&s, what);
    }
    // A change the watcher saw is looked at; the others are taken on its word.
    settled_line(&s, &["info", "app"], "the watcher saw no change");
    write_file(&s.path("bin/base/src/extra.rs"), "// a new file\n");
    backdate(s.root());
    let line = discovery_line(&s, &["info", "app"]);
    assert!(line.contains("the watcher named"), "{line}");
}

#[test]
#[cfg(target_os = "linux")]
fn a_version_bump_is_seen_at_once_by_a_watched_catalog() {
    let s = catalog();
    let _watcher = Watcher::start(&s);
    let version = |s: &Sandbox| {
        let out = s.run(&["info", "base-cpu", "--json"]);
        assert_success(&out);
        let doc = crate::support::parse_catalog(&out.stdout);
        doc.variant("base-cpu").version.clone()
    };
    assert_eq!(version(&s), "0.1.0");
    let line = settled_line(&s, &["info", "base-cpu"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    // Edited and asked at once, size and mtime kept: only the event tells.
    for (from, to) in [("0.1.0", "0.2.0"), ("0.2.0", "0.3.0")] {
        let p = s.path("bin/base/Cargo.toml");
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        write_file(&p, &text.replace(from, to));
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(version(&s), to);
    }
}

#[test]
#[cfg(target_os = "linux")]
fn watch_starts_once_says_what_it_watches_and_stops() {
    let s = catalog();
    let status = |s: &Sandbox| {
        let out = s.run(&["watch", "--status", "--json"]);
        assert_success(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
    };
    assert_eq!(status(&s)["watching"], false);
    let watcher = Watcher::start(&s);
    let doc = status(&s);
    assert_eq!(doc["watching"], true, "{doc}");
    assert!(
        doc["status"].as_str().unwrap().contains("directories"),
        "{doc}"
    );
    // A second start finds the first.
    let again = s.run(&["watch", "--background"]);
    assert_success(&again);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already"));
    let fg = s.run(&["watch", "--idle", "1"]);
    assert_eq!(fg.status.code(), Some(2), "{}", stderr(&fg));
    assert!(stderr(&fg).contains("already runs"), "{}", stderr(&fg));
    drop(watcher);
    assert_eq!(status(&s)["watching"], false);
    // Without a watcher, commands look for themselves.
    let line = discovery_line(&s, &["info", "app"]);
    assert!(!line.contains("watcher"), "{line}");
    assert_warm_is_cold(&s, "after the watcher stopped");
}

#[test]
#[cfg(target_os = "linux")]
fn a_watcher_ends_when_its_catalog_is_gone() {
    let s = catalog();
    let outside = tempfile::tempdir().unwrap();
    let root = outside.path().join("catalog");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::rename(s.path("bin/base"), root.join("bin/base")).unwrap();
    let run = |args: &[&str]| {
        s.cmd()
            .arg("--root")
            .arg(&root)
            .args(args)
            .output()
            .expect("run rbee-workers")
    };
    assert_success(&run(&["watch", "--background", "--idle", "120"]));
    let status = || String::from_utf8_lossy(&run(&["watch", "--status"]).stdout).into_owned();
    assert!(status().contains("watching"), "{}", status());
    let socket_dir = s.path(".xdg/cache/rbee-workers/discovery/watch");
    std::fs::remove_dir_all(&root).unwrap();
    // Within seconds it sees its root is gone, and leaves.
    let gone = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::fs::read_dir(&socket_dir)
            .into_iter()
            .flatten()
            .flatten()
            .all(|d| !d.path().join("sock").exists())
    });
    assert!(
        gone,
        "the watcher still answers after its catalog was removed"
    );
}

/// Changes inotify on a worker's directories alone would miss: each must still be seen.
#[test]
#[cfg(target_os = "linux")]
fn a_watched_catalog_sees_what_directory_events_alone_would_miss() {
    let s = catalog();
    let outside = tempfile::tempdir().unwrap();
    let ext = outside.path();
    // A symlink in bin/ to a directory not there yet.
    std::os::unix::fs::symlink(ext.join("late"), s.path("bin/late")).unwrap();
    backdate(s.root());
    let _watcher = Watcher::start(&s);
    // The symlink in bin/ is named changed in every answer; the rest is taken on the events'
    // word.
    let settle = |s: &Sandbox, what: &str, named: usize| {
        // (The symlinked worker's files too: one changed just now is never kept.)
        backdate(s.root());
        backdate(ext);
        let want = format!("the watcher named {named} changed");
        let line = settled_line(s, &["info", "app"], &want);
        assert!(line.ends_with(&want), "{what}: {line}");
    };
    let check = |s: &Sandbox, what: &str| {
        for args in [
            &["info", "app", "--json"][..],
            &["info", "late", "--json"],
            &["info", "base-cpu", "--json"],
        ] {
            let (warm, cold) = warm_and_cold(s, args);
            assert_eq!(
                seen(&warm),
                seen(&cold),
                "watched, after {what}: `{}` warm differs from cold",
                args.join(" ")
            );
        }
    };
    settle(&s, "at the start", 1);
    check(&s, "nothing");
    // 1. The target of the symlink appears: a new worker, with a duplicate id.
    let late = ext.join("late");
    std::fs::create_dir_all(late.join("src")).unwrap();
    for f in ["worker.toml", "Cargo.toml", "src/main.rs"] {
        std::fs::copy(s.path("bin/dup").join(f), late.join(f)).unwrap();
    }
    check(&s, "a symlinked worker directory appeared");
    // 2. A worker's src/ removed and made again, then a file in it removed: the new src/
    //    must be watched, as the old one was.
    let saved = ext.join("saved-src");
    std::fs::rename(s.path("bin/app/src"), &saved).unwrap();
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(&saved)
        .arg(s.path("bin/app/src"))
        .status()
        .unwrap();
    assert!(st.success());
    settle(&s, "src made again", 1);
    std::fs::remove_file(s.path("bin/app/src/main.rs")).unwrap();
    check(&s, "main.rs removed from a src/ made again");
    // 3. A hard link made after the watcher looked, and the file edited through it at once:
    //    no event in any watched directory, only on the file itself.
    settle(&s, "before the hard link", 1);
    let link = ext.join("hard-link.toml");
    std::fs::hard_link(s.path("bin/base/Cargo.toml"), &link).unwrap();
    let text = std::fs::read_to_string(&link).unwrap();
    assert!(text.contains("version = \"0.1.0\""), "{text}");
    let f = std::fs::OpenOptions::new().write(true).open(&link).unwrap();
    std::io::Write::write_all(&mut &f, text.replace("0.1.0", "0.7.0").as_bytes()).unwrap();
    drop(f);
    let (_, cold) = warm_and_cold(&s, &["info", "base-cpu", "--json"]);
    assert!(String::from_utf8_lossy(&cold.stdout).contains("0.7.0"));
    check(&s, "an edit through a hard link");
}

/// A workspace manifest events cannot vouch for (a symlink to elsewhere) makes every answer
/// "look at everything", and `--status` says why.
#[test]
#[cfg(target_os = "linux")]
fn a_symlinked_workspace_manifest_makes_the_watcher_vouch_for_nothing() {
    let s = catalog();
    let outside = tempfile::tempdir().unwrap();
    let real = outside.path().join("workspace.toml");
    std::fs::rename(s.path("bin/Cargo.toml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, s.path("bin/Cargo.toml")).unwrap();
    backdate(s.root());
    let _watcher = Watcher::start(&s);
    let status = String::from_utf8_lossy(&s.run(&["watch", "--status"]).stdout).into_owned();
    assert!(
        status.contains("incomplete") && status.contains("symlink"),
        "{status}"
    );
    let _ = s.run(&["info", "member-cpu"]);
    let line = discovery_line(&s, &["info", "member-cpu"]);
    assert!(
        line.ends_with("the watcher could not say what changed"),
        "{line}"
    );
    let text = std::fs::read_to_string(&real).unwrap();
    std::fs::write(&real, text.replace("3.1.4", "3.9.0")).unwrap();
    let (warm, cold) = warm_and_cold(&s, &["info", "member-cpu", "--json"]);
    assert_eq!(seen(&warm), seen(&cold));
}

/// A symlink in bin/ to a sibling worker: the sibling's own events still name the sibling (a
/// followed link would have made them the link's).
#[test]
#[cfg(target_os = "linux")]
fn a_symlink_to_a_sibling_worker_does_not_take_its_events() {
    let s = catalog();
    // (Named to sort after its target, as the watch set was built in order.)
    std::os::unix::fs::symlink("base", s.path("bin/zz-alias")).unwrap();
    backdate(s.root());
    let _watcher = Watcher::start(&s);
    let want = "the watcher named 1 changed";
    let line = settled_line(&s, &["info", "base-cpu"], want);
    assert!(line.ends_with(want), "{line}");
    let p = s.path("bin/base/Cargo.toml");
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("version = \"0.1.0\""));
    write_file(&p, &text.replace("0.1.0", "0.4.0"));
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    for args in [&["info", "base-cpu", "--json"][..], &["list", "--json"]] {
        let (warm, cold) = warm_and_cold(&s, args);
        assert_eq!(seen(&warm), seen(&cold), "`{}`", args.join(" "));
        assert!(seen(&cold).1.contains("0.4.0"));
    }
}

/// Whether `watch --status --json` says a watcher of `s` runs.
#[cfg(target_os = "linux")]
fn watching(s: &Sandbox) -> bool {
    let out = s.run(&["watch", "--status", "--json"]);
    assert_success(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["watching"] == true
}

/// `-v ARGS` with the variables `env` set: its stderr.
#[cfg(target_os = "linux")]
fn verbose_with(s: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = s.cmd();
    cmd.envs(env.iter().copied());
    let out = cmd
        .arg("-v")
        .arg("--root")
        .arg(s.root())
        .args(args)
        .output()
        .expect("run rbee-workers");
    assert_success(&out);
    stderr(&out)
}

/// Stops whatever watcher of the sandbox runs when it goes (one a command started).
#[cfg(target_os = "linux")]
struct StopsWatcher<'s>(&'s Sandbox);

#[cfg(target_os = "linux")]
impl Drop for StopsWatcher<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["watch", "--stop"]);
    }
}

/// A command on a local catalog of 1000 worker directories or more starts its watcher by
/// itself (git's fsmonitor daemon, but on by default for a big catalog), without waiting for
/// it and without holding the command's output open; `never` keeps it from doing so, and a
/// watcher that does not answer is not started again by every command.
#[test]
#[cfg(target_os = "linux")]
fn a_command_on_a_big_catalog_starts_its_watcher_by_itself() {
    let s = catalog();
    let _stops = StopsWatcher(&s);
    // catalog() has 8 worker directories: 991 more make 999, one short of the threshold.
    for i in 0..991 {
        let id = format!("filler-{i:04}");
        write_file(
            &s.path(format!("bin/{id}/worker.toml")),
            &format!("[worker]\nid = \"{id}\"\nname = \"Filler {i}\"\ndescription = \"filler\"\n\n[variants.cpu]\nfeatures = []\n"),
        );
        write_file(
            &s.path(format!("bin/{id}/Cargo.toml")),
            &format!("[package]\nname = \"{id}\"\nversion = \"0.1.0\"\nlicense = \"MIT\"\nedition = \"2021\"\nrepository = \"https://github.com/example/{id}\"\n\n[features]\ndefault = []\n"),
        );
        write_file(&s.path(format!("bin/{id}/src/main.rs")), "fn main() {}\n");
    }
    backdate(s.root());
    let (_, dirs) = recalled(&s, &["info", "app"]);
    assert_eq!(dirs, 999, "the fillers are worker directories");
    let err = verbose_with(&s, &[], &["info", "app"]);
    assert!(
        !err.contains("watch: "),
        "999 directories start nothing:\n{err}"
    );
    assert!(!watching(&s));
    // `always` starts one at any size, `never` at none; a bad value is refused by name.
    let bad = s
        .cmd()
        .env("RBEE_WORKERS_WATCH", "sometimes")
        .arg("--root")
        .arg(s.root())
        .args(["info", "app"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("RBEE_WORKERS_WATCH is `sometimes`; expected auto"),
        "{}",
        stderr(&bad)
    );
    s.worker("thousandth").features(&["cpu"]).write();
    backdate(s.root());
    let err = verbose_with(&s, &[("RBEE_WORKERS_WATCH", "never")], &["info", "app"]);
    assert!(!err.contains("watch: "), "never starts nothing:\n{err}");
    assert!(!watching(&s));
    // Nor does `auto` in CI (Nx's and Turborepo's daemons stay out of it too).
    let err = verbose_with(&s, &[("CI", "true")], &["info", "app"]);
    assert!(err.contains("none is started: CI is set"), "{err}");
    assert!(!watching(&s));
    // The thousandth directory: the command starts one, and its answer is a cold run's.
    let err = verbose_with(&s, &[], &["info", "app"]);
    assert!(
        err.contains("watch: started a watcher of") && err.contains("(1000 worker directories)"),
        "{err}"
    );
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    assert!(watching(&s));
    for args in [
        &["info", "app", "--json"][..],
        &["list", "--json"],
        &["info", "dup"],
    ] {
        let (warm, cold) = warm_and_cold(&s, args);
        assert_eq!(
            seen(&warm),
            seen(&cold),
            "`{}` warm differs from cold",
            args.join(" ")
        );
    }
    // Stopped, it is not started again at once by the next command (nor by every one).
    assert_success(&s.run(&["watch", "--stop"]));
    let err = verbose_with(&s, &[], &["info", "app"]);
    assert!(
        err.contains("one was started less than 10 minutes ago"),
        "{err}"
    );
    assert!(!watching(&s));
}

/// Forgets when a command last started a watcher of `s` (it starts one once in ten minutes).
#[cfg(target_os = "linux")]
fn forget_started(s: &Sandbox) {
    let dir = s.path(".xdg/cache/rbee-workers/discovery/watch");
    for d in std::fs::read_dir(dir).unwrap().flatten() {
        let _ = std::fs::remove_file(d.path().join("started"));
    }
}

/// `[discovery] watch` in config.toml says the same (the environment wins), and a misspelt
/// value is located.
#[test]
#[cfg(target_os = "linux")]
fn config_says_whether_commands_start_a_watcher() {
    let s = catalog();
    let _stops = StopsWatcher(&s);
    let config = |value: &str| {
        s.write_config(&format!("[discovery]\nwatch = \"{value}\"\n"));
        std::fs::read_to_string(s.config_file())
            .unwrap()
            .lines()
            .count()
    };
    config("always");
    let err = verbose_with(&s, &[], &["info", "app"]);
    assert!(err.contains("watch: started a watcher of"), "{err}");
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    assert_success(&s.run(&["watch", "--stop"]));
    forget_started(&s);
    config("never");
    let err = verbose_with(&s, &[], &["info", "app"]);
    assert!(!err.contains("watch: "), "{err}");
    assert!(!watching(&s));
    let err = verbose_with(&s, &[("RBEE_WORKERS_WATCH", "always")], &["info", "app"]);
    assert!(err.contains("watch: started a watcher of"), "{err}");
    // (Stopped once it answers: a stop before that would find none, and it would stay.)
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    assert_success(&s.run(&["watch", "--stop"]));
    assert!(!watching(&s));
    let line = config("nevr");
    let out = s.run(&["info", "app"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("unknown variant `nevr`"), "{err}");
    assert!(
        err.contains(&format!("config.toml:{line}:9")),
        "names the line and column: {err}"
    );
    assert!(err.contains("did you mean `never`?"), "{err}");
    // `watch --stop` (the guard's) reads the configuration too.
    config("never");
}

/// Clients that connect to the watcher and say nothing delay no other: each question is read
/// on its own (one after another, three such would hold a command past its three seconds).
#[test]
#[cfg(target_os = "linux")]
fn silent_clients_of_the_watcher_delay_no_other() {
    let s = catalog();
    let _watcher = Watcher::start(&s);
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    let dir = s.path(".xdg/cache/rbee-workers/discovery/watch");
    let socket = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|d| d.path().join("sock"))
        .find(|p| p.exists())
        .expect("the watcher's socket");
    let silent: Vec<_> = (0..4)
        .map(|_| std::os::unix::net::UnixStream::connect(&socket).unwrap())
        .collect();
    let line = discovery_line(&s, &["info", "app"]);
    assert!(
        line.ends_with("the watcher saw no change"),
        "with {} silent clients: {line}",
        silent.len()
    );
    drop(silent);
}

/// The watcher a command starts is a daemon: a session of its own, `/` as its working
/// directory, and none of the command's open files — a `flock 9 rbee-workers …` lock or a
/// harness's pipe held by it would outlive the command by half an hour.
#[test]
#[cfg(target_os = "linux")]
fn a_started_watcher_keeps_none_of_the_commands_files() {
    let s = catalog();
    let _stops = StopsWatcher(&s);
    let mark = s.path("held-open");
    let out = s
        .shell("bash")
        .env("RBEE_WORKERS_WATCH", "always")
        .env("MARK", &mark)
        .env("ROOT", s.root())
        .args([
            "-c",
            r#"exec 9>>"$MARK"; exec "$RBEE" -v --root "$ROOT" info app"#,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        stderr(&out).contains("watch: started a watcher of"),
        "{}",
        stderr(&out)
    );
    let line = settled_line(&s, &["info", "app"], "the watcher saw no change");
    assert!(line.ends_with("the watcher saw no change"), "{line}");
    // The watcher: the process whose arguments are `--root ROOT watch`.
    let root = s.root().as_os_str().as_encoded_bytes().to_vec();
    let pid = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|d| {
            d.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .find(|d| {
            let cmdline = std::fs::read(d.path().join("cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            args.windows(3)
                .any(|w| w[0] == b"--root" && w[1] == root.as_slice() && w[2] == b"watch")
        })
        .map(|d| d.path())
        .expect("the watcher's process");
    let fds: Vec<PathBuf> = std::fs::read_dir(pid.join("fd"))
        .unwrap()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .collect();
    assert!(
        !fds.contains(&mark),
        "the watcher holds the command's descriptor 9: {fds:?}"
    );
    assert_eq!(std::fs::read_link(pid.join("cwd")).unwrap(), Path::new("/"));
    // stat: "PID (comm) STATE PPID PGRP SESSION …"; its own session.
    let stat = std::fs::read_to_string(pid.join("stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let own = pid.file_name().unwrap().to_str().unwrap();
    assert_eq!(fields[3], own, "a session of its own: {stat}");
}
