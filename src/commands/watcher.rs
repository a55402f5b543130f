//! `rbee-workers watch`: the resident watcher of the local catalog (see `effects/watchd.rs`).

use crate::context::Context;
use crate::error::{Error, Result};
use crate::report::{self, Answer};
use std::time::Duration;

/// What `watch` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    Foreground,
    Background,
    Stop,
    Status,
}

#[cfg(unix)]
#[derive(serde::Serialize)]
struct Status<'a> {
    schema: u32,
    root: &'a std::path::Path,
    watching: bool,
    status: Option<String>,
}

/// The answer of every mode: the document, and its text as a line.
#[cfg(unix)]
fn answer(root: &std::path::Path, status: Option<String>, text: String) -> Answer {
    let doc = Status {
        schema: 1,
        root,
        watching: status.is_some(),
        status,
    };
    Answer::new(&doc, format!("{text}\n"))
}

#[cfg(unix)]
pub fn watch(cx: &Context, mode: WatchMode, idle: Duration) -> Result<Answer> {
    use crate::watchd;
    let root = cx.root.clone().ok_or_else(|| {
        Error::Usage(format!(
            "`watch` watches a local catalog and there is none here (no ancestor of {} has bin/*/worker.toml); use --root DIR or RBEE_WORKERS_ROOT",
            cx.cwd.display()
        ))
    })?;
    if !root.is_dir() {
        return Err(Error::BadRoot(root));
    }
    let place = watchd::place(&cx.dirs.cache, &root);
    let status = |place: &watchd::Place| watchd::status(place).map(|s| s.trim_end().to_string());
    match mode {
        WatchMode::Status => {
            let s = status(&place);
            let text = match &s {
                Some(s) => s.clone(),
                None => format!("no watcher runs for {}", root.display()),
            };
            Ok(answer(&root, s, text))
        }
        WatchMode::Stop => {
            let stopped = watchd::stop(&place);
            let text = if stopped {
                format!("stopped the watcher of {}", root.display())
            } else {
                format!("no watcher runs for {}", root.display())
            };
            Ok(answer(&root, None, text))
        }
        WatchMode::Foreground => match watchd::run(&root, &cx.dirs.cache, idle, report::say) {
            Ok(()) => Ok(Answer::nothing()),
            Err(watchd::Refused::Running) => Err(Error::Usage(format!(
                "a watcher of {} already runs (`rbee-workers watch --stop` stops it)",
                root.display()
            ))),
            Err(watchd::Refused::Other(why)) => Err(Error::Unsupported {
                message: format!("cannot watch: {why}"),
                help: None,
            }),
        },
        WatchMode::Background => {
            if let Some(s) = status(&place) {
                return Ok(answer(&root, Some(s.clone()), format!("already {s}")));
            }
            let (mut child, log_path, from) = spawn(&root, &place, idle)?;
            let started = std::time::Instant::now();
            loop {
                if let Some(s) = status(&place) {
                    return Ok(answer(&root, Some(s.clone()), s));
                }
                if let Ok(Some(_)) = child.try_wait() {
                    let log = std::fs::read(&log_path).unwrap_or_default();
                    let log = String::from_utf8_lossy(log.get(from as usize..).unwrap_or(&[]));
                    // Another start won the race: that one answers.
                    if let Some(s) = status(&place) {
                        return Ok(answer(&root, Some(s.clone()), format!("already {s}")));
                    }
                    return Err(Error::Unsupported {
                        message: format!(
                            "the watcher of {} did not start: {}",
                            root.display(),
                            log.trim().trim_start_matches("error: ")
                        ),
                        help: None,
                    });
                }
                if started.elapsed() > Duration::from_secs(60) {
                    return Err(Error::Unsupported {
                        message: format!(
                            "the watcher of {} did not answer within a minute (its log: {})",
                            root.display(),
                            log_path.display()
                        ),
                        help: None,
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Starts `rbee-workers --root ROOT watch` as a daemon (see [`crate::exec::detach`]), its
/// output appended to its log; returns at once, with where the log was when it started.
#[cfg(unix)]
fn spawn(
    root: &std::path::Path,
    place: &crate::watchd::Place,
    idle: Duration,
) -> Result<(std::process::Child, std::path::PathBuf, u64)> {
    let io = |action, path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(&place.dir).map_err(io("create", &place.dir))?;
    let log = place.dir.join("log");
    let from = std::fs::metadata(&log).map_or(0, |m| m.len());
    let exe = std::env::current_exe().map_err(io("find", std::path::Path::new("rbee-workers")))?;
    let idle = idle.as_secs().to_string();
    let args = [
        "--root".as_ref(),
        root.as_os_str(),
        "watch".as_ref(),
        "--idle".as_ref(),
        idle.as_ref(),
    ];
    // (Its token is nobody's business; the root is the one given.)
    let child = crate::exec::detach(
        &exe,
        &args,
        &["RBEE_WORKERS_TOKEN", "RBEE_WORKERS_ROOT"],
        &log,
    )
    .map_err(|e| Error::Spawn {
        command: format!("{} watch", exe.display()),
        reason: e.to_string(),
    })?;
    Ok((child, log, from))
}

/// How long a command waits before it starts a watcher for the same root again, when the
/// last one it started is not answering (refused, still starting, or stopped).
#[cfg(target_os = "linux")]
const AUTO_AGAIN: Duration = Duration::from_secs(600);

/// After a command discovered the local catalog `root` (`looked`): starts its watcher in the
/// background when none answered and `[discovery] watch` / `RBEE_WORKERS_WATCH` asks for one
/// at this size, without waiting for it. The command's own answer never depends on it; what
/// happened is said with `-v`. Considered once a process (a command that discovers twice).
#[cfg(target_os = "linux")]
pub fn autostart(cx: &Context, root: &std::path::Path, looked: crate::discovery::Looked) {
    static CONSIDERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let Ok(setting) = cx.watch else { return };
    if looked.watched || !setting.starts_at(looked.dirs) {
        return;
    }
    if CONSIDERED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let place = crate::watchd::place(&cx.dirs.cache, root);
    let not = |why: String| {
        report::verbose(&format!(
            "watch: no watcher answers for {}, and none is started: {why}",
            root.display()
        ))
    };
    if setting == crate::config::AutoWatch::Auto && cx.ci {
        return not(
            "CI is set, and `auto` starts none in CI (RBEE_WORKERS_WATCH=always does)".into(),
        );
    }
    if let Err(why) = crate::watchd::watchable(root, &place) {
        return not(why);
    }
    if let Some(why) = crate::watchd::over_budget(looked.dirs, crate::watchd::watch_limit()) {
        return not(format!("{why}; `watch --background` starts one anyway"));
    }
    if !claim(&place.dir.join("started")) {
        return not(format!(
            "one was started less than {} minutes ago (its log: {})",
            AUTO_AGAIN.as_secs() / 60,
            place.dir.join("log").display()
        ));
    }
    match spawn(root, &place, IDLE) {
        Ok(_) => report::verbose(&format!(
            "watch: started a watcher of {} ({} worker directories) in the background; it exits after {} minutes unused (`watch --stop` stops it, RBEE_WORKERS_WATCH=never or config `[discovery] watch = \"never\"` keeps commands from starting one)",
            root.display(),
            looked.dirs,
            IDLE.as_secs() / 60
        )),
        Err(e) => not(e.to_string()),
    }
}

/// Takes the right to start a watcher: true when `stamp` was made now, by this process (none
/// was there, or the one there is older than [`AUTO_AGAIN`] or from the future). Of
/// concurrent commands that find none, one makes it.
#[cfg(target_os = "linux")]
fn claim(stamp: &std::path::Path) -> bool {
    let make = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(stamp)
            .is_ok()
    };
    if make() {
        return true;
    }
    let Ok(modified) = std::fs::metadata(stamp).and_then(|m| m.modified()) else {
        return false;
    };
    let stale = modified.elapsed().map_or(true, |age| age >= AUTO_AGAIN);
    // Two commands that both found it stale may both remove and make it, and both start a
    // watcher: the second finds the first's lock held and exits (a line in the log).
    stale && std::fs::remove_file(stamp).is_ok() && make()
}

#[cfg(not(target_os = "linux"))]
pub fn autostart(_: &Context, _: &std::path::Path, _: crate::discovery::Looked) {}

/// How long a watcher waits unused before it exits: `watch --idle`'s default.
pub const IDLE: Duration = Duration::from_secs(1800);

#[cfg(not(unix))]
pub fn watch(_: &Context, _: WatchMode, _: Duration) -> Result<Answer> {
    Err(Error::Unsupported {
        message: "`watch` needs inotify (Linux); commands look at every directory instead".into(),
        help: None,
    })
}
