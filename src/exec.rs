//! The one place that spawns processes. Commands are data (`CommandSpec`, built by pure
//! functions elsewhere); a `Runner` executes them — the system one streams output to a log
//! (shown live with -v, its tail on failure), tests inject their own.

use crate::config::install_hint;
use crate::error::{Error, Result};
use crate::render::escape;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A command to run: program, arguments, working directory, extra environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandSpec {
    pub program: String,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl CommandSpec {
    pub fn new(program: impl Into<String>) -> Self {
        CommandSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: BTreeMap::new(),
        }
    }

    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, a: I) -> Self {
        self.args.extend(a.into_iter().map(Into::into));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub fn env(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.env.insert(k.into(), v.into());
        self
    }

    /// The command as a user could paste it into a shell.
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        if let Some(cwd) = &self.cwd {
            parts.push(format!("cd {} &&", escape::bash(&cwd.to_string_lossy())));
        }
        for (k, v) in &self.env {
            parts.push(format!("{k}={}", escape::bash(v)));
        }
        parts.push(escape::bash(&self.program));
        parts.extend(self.args.iter().map(|a| escape::bash(a)));
        parts.join(" ")
    }

    /// The tool's name, for messages (`/usr/bin/git` → `git`).
    pub fn tool(&self) -> &str {
        Path::new(&self.program)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.program)
    }
}

/// What a checker printed.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

pub trait Runner {
    /// Runs a long step (a build), showing `label` as progress. Fails with the log's tail.
    fn run(&mut self, spec: &CommandSpec, label: &str) -> Result<()>;
    /// Runs a short query and returns its stdout; fails when the command does.
    fn capture(&mut self, spec: &CommandSpec) -> Result<String>;
    /// Runs a checker and returns whether it succeeded and what it printed; failing is an
    /// answer here, not an error.
    fn output(&mut self, spec: &CommandSpec) -> Result<Captured>;
    /// Whether `spec` exits 0 within `timeout` (killed otherwise); output discarded.
    fn succeeds(&mut self, spec: &CommandSpec, timeout: Duration) -> Result<bool>;
}

static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the Ctrl-C handler once: children get the signal from the terminal; we note it,
/// stop waiting, let temp files drop, and exit 130.
pub fn interrupted() -> Arc<AtomicBool> {
    INTERRUPTED
        .get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
            flag
        })
        .clone()
}

pub fn check_interrupted() -> Result<()> {
    match INTERRUPTED.get() {
        Some(f) if f.load(Ordering::SeqCst) => Err(Error::Interrupted),
        _ => Ok(()),
    }
}

/// Runs commands for real.
pub struct SystemRunner {
    pub log_dir: PathBuf,
    pub verbose: bool,
    pub quiet: bool,
}

fn spawn_error(spec: &CommandSpec, e: std::io::Error) -> Error {
    if let Some(cwd) = spec.cwd.as_ref().filter(|c| !c.is_dir()) {
        return Error::Failed {
            message: format!(
                "cannot run {}: its working directory {} does not exist",
                spec.tool(),
                cwd.display()
            ),
            help: None,
        };
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::Failed {
            message: format!(
                "`{}` not found (needed to run: {})",
                spec.program,
                spec.display()
            ),
            help: Some(format!(
                "{}; or set its path under [tools] in config.toml",
                install_hint(spec.tool())
            )),
        }
    } else {
        Error::Failed {
            message: format!("cannot run {}: {e}", spec.display()),
            help: None,
        }
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
        let flag = interrupted();
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

        let terminal = std::io::stderr().is_terminal() && !self.quiet && !self.verbose;
        let bar = if terminal {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {prefix} [{elapsed}] {wide_msg}",
                )
                .expect("a valid template"),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            if !self.quiet {
                eprintln!("==> {label}: {}", spec.display());
            }
            indicatif::ProgressBar::hidden()
        };

        let mut child = command(spec)
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
            let (log, bar, verbose) = (log.clone(), bar.clone(), self.verbose);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(|l| l.ok()) {
                    writeln!(log.lock().expect("log"), "{line}").ok();
                    if verbose {
                        eprintln!("{line}");
                    }
                    bar.set_message(line);
                }
            }));
        }
        let start = Instant::now();
        let status = loop {
            if flag.load(Ordering::SeqCst) {
                let _ = child.kill();
                let _ = child.wait();
                bar.finish_and_clear();
                return Err(Error::Interrupted);
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => std::thread::sleep(Duration::from_millis(40)),
                Err(e) => {
                    return Err(Error::Failed {
                        message: format!("waiting for {}: {e}", spec.tool()),
                        help: None,
                    })
                }
            }
        };
        for r in readers {
            let _ = r.join();
        }
        bar.finish_and_clear();
        if status.success() {
            if !self.quiet && terminal {
                eprintln!("==> {label} ({:.1}s)", start.elapsed().as_secs_f64());
            }
            return Ok(());
        }
        Err(Error::Failed {
            message: format!(
                "{label} failed ({}): {}\n--- last lines of {} ---\n{}",
                status.code().map_or_else(
                    || "killed by a signal".to_string(),
                    |c| format!("exit status {c}")
                ),
                spec.display(),
                log_path.display(),
                tail(&log_path, 25)
            ),
            help: Some(format!("the full log is {}", log_path.display())),
        })
    }

    fn capture(&mut self, spec: &CommandSpec) -> Result<String> {
        check_interrupted()?;
        let out = command(spec).output().map_err(|e| spawn_error(spec, e))?;
        if !out.status.success() {
            return Err(Error::Failed {
                message: format!(
                    "{} failed: {}",
                    spec.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                help: None,
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn output(&mut self, spec: &CommandSpec) -> Result<Captured> {
        check_interrupted()?;
        let out = command(spec).output().map_err(|e| spawn_error(spec, e))?;
        Ok(Captured {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn succeeds(&mut self, spec: &CommandSpec, timeout: Duration) -> Result<bool> {
        check_interrupted()?;
        let mut child = command(spec)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| spawn_error(spec, e))?;
        let start = Instant::now();
        loop {
            if let Some(status) = child
                .try_wait()
                .map_err(|e| Error::failed(format!("waiting for {}: {e}", spec.tool())))?
            {
                return Ok(status.success());
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Records every command and answers with canned output; for tests of plan execution.
#[derive(Default)]
pub struct RecordingRunner {
    pub ran: Vec<CommandSpec>,
    pub answers: Vec<(String, String)>,
}

impl Runner for RecordingRunner {
    fn run(&mut self, spec: &CommandSpec, _label: &str) -> Result<()> {
        self.ran.push(spec.clone());
        Ok(())
    }

    fn capture(&mut self, spec: &CommandSpec) -> Result<String> {
        self.ran.push(spec.clone());
        let line = spec.display();
        Ok(self
            .answers
            .iter()
            .find(|(k, _)| line.contains(k.as_str()))
            .map(|(_, v)| v.clone())
            .unwrap_or_default())
    }

    fn output(&mut self, spec: &CommandSpec) -> Result<Captured> {
        let stdout = self.capture(spec)?;
        Ok(Captured {
            success: true,
            stdout,
            stderr: String::new(),
        })
    }

    fn succeeds(&mut self, spec: &CommandSpec, _timeout: Duration) -> Result<bool> {
        self.ran.push(spec.clone());
        Ok(true)
    }
}
