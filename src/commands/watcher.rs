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
            let io = |action, path: &std::path::Path| {
                let path = path.to_path_buf();
                move |source| Error::Io {
                    action,
                    path,
                    source,
                }
            };
            std::fs::create_dir_all(&place.dir).map_err(io("create", &place.dir))?;
            let log_path = place.dir.join("log");
            let log = std::fs::File::create(&log_path).map_err(io("create", &log_path))?;
            let exe = std::env::current_exe()
                .map_err(io("find", std::path::Path::new("rbee-workers")))?;
            use std::os::unix::process::CommandExt;
            let mut child = std::process::Command::new(&exe)
                .arg("--root")
                .arg(&root)
                .arg("watch")
                .arg("--idle")
                .arg(idle.as_secs().to_string())
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone().map_err(io("open", &log_path))?)
                .stderr(log)
                // Its own process group: a Ctrl-C at this terminal is not for it.
                .process_group(0)
                .spawn()
                .map_err(|e| Error::Spawn {
                    command: format!("{} watch", exe.display()),
                    reason: e.to_string(),
                })?;
            let started = std::time::Instant::now();
            loop {
                if let Some(s) = status(&place) {
                    return Ok(answer(&root, Some(s.clone()), s));
                }
                if let Ok(Some(_)) = child.try_wait() {
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
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

#[cfg(not(unix))]
pub fn watch(_: &Context, _: WatchMode, _: Duration) -> Result<Answer> {
    Err(Error::Unsupported {
        message: "`watch` needs inotify (Linux); commands look at every directory instead".into(),
        help: None,
    })
}
