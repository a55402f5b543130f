//! The one place that spawns processes. Commands are data (`CommandSpec`, built by pure
//! functions elsewhere); a `Runner` executes them — the system one streams output to a log
//! (shown live with -v, its tail on failure), tests inject their own.

use crate::config::install_hint;
use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::core::command::CommandSpec;

pub trait Runner {
    /// Runs a long step (a build), showing `label` as progress. Fails with the log's tail.
    fn run(&mut self, spec: &CommandSpec, label: &str) -> Result<()>;
    /// Runs a short query and returns its stdout; fails when the command does.
    fn capture(&mut self, spec: &CommandSpec) -> Result<String>;
    /// Runs a checker and returns what it printed on stdout; failing is an answer here (the
    /// checker says so in its output), not an error.
    fn output(&mut self, spec: &CommandSpec) -> Result<String>;
    /// Runs each of `specs` as `output` does, in order of `specs` (a runner may run them at
    /// once): what each printed on stdout, with its exit status when the runner knows it.
    fn output_all(&mut self, specs: &[CommandSpec]) -> Result<Vec<Attempt>> {
        specs
            .iter()
            .map(|s| {
                let output = self.output(s)?;
                Ok(Attempt {
                    success: false,
                    code: None,
                    output,
                })
            })
            .collect()
    }
    /// Runs `spec` for at most `timeout` (killed after): whether it exited 0, and what it
    /// printed (stdout and stderr, the last few KiB) — a smoke test shows the binary's own
    /// words when it fails.
    fn attempt(&mut self, spec: &CommandSpec, timeout: Duration) -> Result<Attempt>;
}

/// What a short, bounded run of a command gave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attempt {
    pub success: bool,
    /// The exit status; None when it was killed (a signal, the timeout).
    pub code: Option<i32>,
    pub output: String,
}

/// The one signal mechanism of the process: SIGINT, SIGTERM and SIGHUP (ctrlc's
/// `termination`) set a flag that every runner and download polls, and wake `serve`'s
/// graceful shutdown.
struct Interrupt {
    flag: AtomicBool,
    notify: tokio::sync::Notify,
}

static INTERRUPT: OnceLock<Arc<Interrupt>> = OnceLock::new();

fn interrupt() -> &'static Arc<Interrupt> {
    INTERRUPT.get_or_init(|| {
        let i = Arc::new(Interrupt {
            flag: AtomicBool::new(false),
            notify: tokio::sync::Notify::new(),
        });
        let handler = i.clone();
        let _ = ctrlc::set_handler(move || {
            handler.flag.store(true, Ordering::SeqCst);
            // Every waiter: serve's shutdown and each download in flight.
            handler.notify.notify_waiters();
        });
        i
    })
}

/// Installs the handler once: children get the signal from the terminal; we note it, stop
/// waiting, let temp files drop, and exit 130.
pub fn interrupted() -> bool {
    interrupt().flag.load(Ordering::SeqCst)
}

/// Resolves when the process is asked to stop (for `serve`, which finishes requests in
/// flight, and for a download, which stops even in the middle of a stalled read). The
/// handler is installed by the call, before the future is awaited; any number of futures
/// may wait at once.
pub fn stop_requested() -> impl std::future::Future<Output = ()> {
    let i = interrupt().clone();
    async move {
        let notified = i.notify.notified();
        tokio::pin!(notified);
        // Registered before the flag is read: a signal between the two still wakes us.
        notified.as_mut().enable();
        if !i.flag.load(Ordering::SeqCst) {
            notified.await;
        }
    }
}

pub fn check_interrupted() -> Result<()> {
    match INTERRUPT.get() {
        Some(i) if i.flag.load(Ordering::SeqCst) => Err(Error::Interrupted),
        _ => Ok(()),
    }
}

/// Runs commands for real.
pub struct SystemRunner {
    pub log_dir: PathBuf,
}

fn spawn_error(spec: &CommandSpec, e: std::io::Error) -> Error {
    if let Some(cwd) = spec.cwd.as_ref().filter(|c| !c.is_dir()) {
        return Error::Spawn {
            command: spec.tool().to_string(),
            reason: format!("its working directory {} does not exist", cwd.display()),
        };
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::ToolMissing {
            program: spec.program.clone(),
            command: spec.display(),
            hint: install_hint(spec.tool()),
        }
    } else {
        Error::Spawn {
            command: spec.display(),
            reason: e.to_string(),
        }
    }
}

fn wait_error(spec: &CommandSpec, e: std::io::Error) -> Error {
    Error::Spawn {
        command: spec.tool().to_string(),
        reason: format!("cannot wait for it: {e}"),
    }
}

fn command(spec: &CommandSpec) -> Command {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args).envs(&spec.env).stdin(Stdio::null());
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    cmd
}

/// Kills `child` and, when it leads a process group of its own (a step with a timeout),
/// every process in it.
fn kill_tree(child: &mut std::process::Child, spec: &CommandSpec) {
    #[cfg(unix)]
    if spec.timeout_s.is_some() {
        let pid = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Starts `program ARGS` as a daemon and returns at once: a session of its own (no
/// terminal; this one's Ctrl-C and hangup are not for it), `/` as its working directory (it
/// keeps no file system busy), stdin from /dev/null, stdout and stderr appended to `log`,
/// `env_remove` left out of its environment, and none of this process's other open files
/// kept open in it (a caller's `flock 9 …` lock, make's jobserver pipes, a test harness's
/// descriptors: held for the daemon's lifetime, they would outlive the command).
#[cfg(unix)]
pub fn detach(
    program: &Path,
    args: &[&std::ffi::OsStr],
    env_remove: &[&str],
    log: &Path,
) -> std::io::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    for var in env_remove {
        cmd.env_remove(var);
    }
    // SAFETY: between fork and exec the closure only makes system calls that are
    // async-signal-safe (setsid, close_range, fcntl), allocating nothing.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            close_inherited();
            Ok(())
        });
    }
    cmd.spawn()
}

/// Marks every descriptor from 3 up close-on-exec (in a child between fork and exec).
#[cfg(unix)]
fn close_inherited() {
    #[cfg(target_os = "linux")]
    // SAFETY: a system call on descriptor numbers; it touches no memory.
    let done = unsafe {
        libc::close_range(
            3,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC as libc::c_int,
        ) == 0
    };
    #[cfg(not(target_os = "linux"))]
    let done = false;
    if !done {
        // Kernels before 5.11: each descriptor a process usually has room for.
        for fd in 3..1024 {
            // SAFETY: as above; a descriptor that is not open is EBADF, nothing else.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
    }
}

/// Whether `tool` (a name looked up on PATH, or a path) exists as a program.
pub fn tool_exists(tool: &str) -> bool {
    if tool.contains('/') {
        Path::new(tool).is_file()
    } else {
        crate::detect::which(tool).is_some()
    }
}

/// The last `n` lines of a log file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Runner for SystemRunner {
    fn run(&mut self, spec: &CommandSpec, label: &str) -> Result<()> {
        interrupted();
        check_interrupted()?;
        std::fs::create_dir_all(&self.log_dir)
            .map_err(|e| Error::io("create", &self.log_dir, e))?;
        let name = label.rsplit("] ").next().unwrap_or(label);
        let log_path = self.log_dir.join(format!(
            "{}.log",
            name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
        ));
        let log =
            std::fs::File::create(&log_path).map_err(|e| Error::io("create", &log_path, e))?;
        let log = Arc::new(Mutex::new(log));
        writeln!(log.lock().expect("log"), "$ {}", spec.display()).ok();

        let bar = crate::report::spinner(label);
        if bar.is_hidden() {
            crate::report::say(&format!("==> {label}: {}", spec.display()));
        }

        let mut cmd = command(spec);
        // A step with a timeout gets a process group of its own, so that the timeout ends
        // it and every process it started (a hung test, its children).
        #[cfg(unix)]
        if spec.timeout_s.is_some() {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(spec, e))?;
        let mut readers = Vec::new();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let (log, bar) = (log.clone(), bar.clone());
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(|l| l.ok()) {
                    writeln!(log.lock().expect("log"), "{line}").ok();
                    crate::report::verbose(&line);
                    bar.set_message(line);
                }
            }));
        }
        let start = Instant::now();
        let deadline = spec.timeout_s.map(Duration::from_secs);
        let status = loop {
            if interrupted() {
                kill_tree(&mut child, spec);
                bar.finish_and_clear();
                return Err(Error::Interrupted);
            }
            if deadline.is_some_and(|d| start.elapsed() > d) {
                kill_tree(&mut child, spec);
                for r in readers {
                    let _ = r.join();
                }
                bar.finish_and_clear();
                let secs = spec.timeout_s.unwrap_or_default();
                writeln!(log.lock().expect("log"), "(stopped after {secs}s)").ok();
                return Err(Error::CommandFailed(Box::new(
                    crate::error::CommandFailure {
                        label: label.to_string(),
                        command: spec.display(),
                        status: None,
                        tail: tail(&log_path, 25),
                        log: log_path,
                        hint: Some(format!(
                            "it ran past its timeout of {secs}s ([test] timeout in worker.toml) and was stopped, with every process it started"
                        )),
                    },
                )));
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => std::thread::sleep(Duration::from_millis(40)),
                Err(e) => return Err(wait_error(spec, e)),
            }
        };
        for r in readers {
            let _ = r.join();
        }
        bar.finish_and_clear();
        if status.success() {
            if !bar.is_hidden() {
                crate::report::say(&format!(
                    "==> {label} ({:.1}s)",
                    start.elapsed().as_secs_f64()
                ));
            }
            return Ok(());
        }
        Err(Error::CommandFailed(Box::new(
            crate::error::CommandFailure {
                label: label.to_string(),
                command: spec.display(),
                status: status.code(),
                tail: tail(&log_path, 25),
                log: log_path,
                hint: None,
            },
        )))
    }

    fn capture(&mut self, spec: &CommandSpec) -> Result<String> {
        check_interrupted()?;
        let out = command(spec).output().map_err(|e| spawn_error(spec, e))?;
        if !out.status.success() {
            return Err(Error::QueryFailed {
                command: spec.display(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn output(&mut self, spec: &CommandSpec) -> Result<String> {
        check_interrupted()?;
        let out = command(spec).output().map_err(|e| spawn_error(spec, e))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// As many at once as there are cores (checkers are CPU-bound), results in order.
    fn output_all(&mut self, specs: &[CommandSpec]) -> Result<Vec<Attempt>> {
        let jobs = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(specs.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<Attempt>>>> =
            specs.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(spec) = specs.get(i) else { break };
                    let out = check_interrupted().and_then(|()| {
                        let out = command(spec).output().map_err(|e| spawn_error(spec, e))?;
                        Ok(Attempt {
                            success: out.status.success(),
                            code: out.status.code(),
                            output: String::from_utf8_lossy(&out.stdout).into_owned(),
                        })
                    });
                    *results[i].lock().expect("result slot") = Some(out);
                });
            }
        });
        results
            .into_iter()
            .map(|r| {
                r.into_inner()
                    .expect("result slot")
                    .expect("every spec ran")
            })
            .collect()
    }

    fn attempt(&mut self, spec: &CommandSpec, timeout: Duration) -> Result<Attempt> {
        check_interrupted()?;
        // A file, not a pipe: a chatty child can never block on a full pipe while we wait.
        let out = tempfile::tempfile().map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
        let err = out
            .try_clone()
            .map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
        let mut child = command(spec)
            .stdout(
                out.try_clone()
                    .map_err(|e| Error::io("create", std::env::temp_dir(), e))?,
            )
            .stderr(err)
            .spawn()
            .map_err(|e| spawn_error(spec, e))?;
        let start = Instant::now();
        let (success, code) = loop {
            if let Some(status) = child.try_wait().map_err(|e| wait_error(spec, e))? {
                break (status.success(), status.code());
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break (false, None);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(Attempt {
            success,
            code,
            output: tail_of_file(out),
        })
    }
}

/// The last 4 KiB of what a child wrote to `f`.
fn tail_of_file(mut f: std::fs::File) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let len = f.seek(SeekFrom::End(0)).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(4096)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).trim_end().to_string()
}

/// Shows `text` through the user's pager, as git and paru do for long output on a terminal:
/// `$PAGER` (run by `sh -c`, as git runs it), else `less -R`; `LESS=FRX` unless `LESS` is set,
/// so a text that fits one screen is printed and the pager quits by itself. False when no
/// pager could be started (the caller prints the text itself).
pub fn page(text: &str) -> bool {
    use std::io::Write;
    let mut cmd = match std::env::var("PAGER") {
        Ok(p) if !p.trim().is_empty() => {
            let mut c = Command::new("sh");
            c.args(["-c", &p]);
            c
        }
        _ => {
            let mut c = Command::new("less");
            c.arg("-R");
            c
        }
    };
    if std::env::var_os("LESS").is_none() {
        cmd.env("LESS", "FRX");
    }
    let Ok(mut child) = cmd.stdin(Stdio::piped()).spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit before reading everything closes the pipe: that is the user's choice.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().is_ok_and(|s| s.success())
}
