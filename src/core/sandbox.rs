//! The build sandbox (DESIGN §9): untrusted cargo steps run under bubblewrap with the host
//! read-only, only the source root and the target dir writable, `$HOME` an empty tmpfs and
//! no network. Dependencies are fetched first, outside and with the network, by a `cargo
//! fetch` of the same manifest; the build then runs `--offline` inside. Pure: commands in,
//! commands out.

use crate::build::{Plan, Step};
use crate::command::CommandSpec;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the sandbox needs to know of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub bwrap: String,
    /// The user's home, hidden behind an empty tmpfs.
    pub home: Option<PathBuf>,
    /// The toolchain (`CARGO_HOME`, `RUSTUP_HOME`), read-only inside even when under home,
    /// with the variables that name it.
    pub toolchain: BTreeMap<String, PathBuf>,
}

/// `cmd` run inside the sandbox, with `writable` the only directories it can change.
pub fn wrap(cmd: &CommandSpec, writable: &[PathBuf], sb: &Sandbox) -> CommandSpec {
    let mut out = CommandSpec::new(&sb.bwrap).args([
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]);
    if let Some(home) = &sb.home {
        out = out.arg("--tmpfs").arg(home.to_string_lossy());
    }
    for (var, dir) in &sb.toolchain {
        let d = dir.to_string_lossy();
        out = out
            .args(["--ro-bind-try", &d, &d])
            .args(["--setenv", var, &d]);
    }
    for dir in writable {
        let d = dir.to_string_lossy();
        out = out.args(["--bind", &d, &d]);
    }
    out = out.args([
        "--unshare-net",
        "--die-with-parent",
        "--new-session",
        "--setenv",
        "HOME",
        "/tmp",
    ]);
    if let Some(cwd) = &cmd.cwd {
        out = out.arg("--chdir").arg(cwd.to_string_lossy());
    }
    out = out
        .arg("--")
        .arg(&cmd.program)
        .args(cmd.args.iter().cloned());
    out.cwd = cmd.cwd.clone();
    out.env = cmd.env.clone();
    out
}

/// Sandboxes every cargo step of `plan`. Before the first, a `cargo fetch` of the same
/// manifest runs outside (it is the one step with the network); the steps then run
/// `--offline`. Returns whether any step was sandboxed.
pub fn apply(plan: &mut Plan, cargo: &str, sb: &Sandbox) -> bool {
    let mut steps = Vec::with_capacity(plan.steps.len() + 1);
    let mut fetched = false;
    for step in std::mem::take(&mut plan.steps) {
        match step {
            Step::Run {
                description,
                command,
                ..
            } if command.program == cargo => {
                if !fetched {
                    steps.push(Step::Run {
                        description:
                            "fetch the dependencies (outside the sandbox, with the network)".into(),
                        command: fetch_for(&command),
                        sandboxed: false,
                    });
                    fetched = true;
                }
                let mut offline = command.clone();
                if let Some(at) = offline.args.iter().position(|a| !a.starts_with('-')) {
                    offline.args.insert(at + 1, "--offline".into());
                }
                let writable: Vec<PathBuf> = command
                    .cwd
                    .iter()
                    .cloned()
                    .chain(command.env.get("CARGO_TARGET_DIR").map(PathBuf::from))
                    .collect();
                steps.push(Step::Run {
                    description,
                    command: wrap(&offline, &writable, sb),
                    sandboxed: true,
                });
            }
            other => steps.push(other),
        }
    }
    plan.steps = steps;
    fetched
}

/// `cargo fetch` of the manifest `build` builds, locked when it is.
fn fetch_for(build: &CommandSpec) -> CommandSpec {
    let mut fetch = CommandSpec::new(&build.program).arg("fetch");
    if build
        .args
        .iter()
        .any(|a| a == "--locked" || a == "--frozen")
    {
        fetch = fetch.arg("--locked");
    }
    if let Some(at) = build.args.iter().position(|a| a == "--manifest-path") {
        if let Some(path) = build.args.get(at + 1) {
            fetch = fetch.arg("--manifest-path").arg(path);
        }
    }
    fetch.cwd = build.cwd.clone();
    fetch.env = build.env.clone();
    fetch
}
