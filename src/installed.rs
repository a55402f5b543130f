//! The installed set: `remove` (exactly the recorded files, or through the package manager
//! that installed them, after confirmation) and `verify` (re-hash every recorded file).

use crate::build::{self, Backend};
use crate::checksum::sha256_file;
use crate::db::{self, Op, Record};
use crate::error::{Error, Result};
use crate::exec::CommandSpec;
use crate::install::Session;
use crate::report;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The installed variants an id names (a variant id, or a worker id for all its variants).
pub fn matching<'d>(db: &'d db::Database, id: &str) -> Result<Vec<&'d Record>> {
    let matches: Vec<&Record> = db
        .installed
        .values()
        .filter(|r| r.id == id || r.worker == id)
        .collect();
    if matches.is_empty() {
        return Err(Error::NotInstalled {
            id: id.to_string(),
            suggestions: db
                .installed
                .keys()
                .filter(|k| strsim::jaro_winkler(k, id) > 0.7)
                .cloned()
                .collect(),
        });
    }
    Ok(matches)
}

/// `remove ID…`: deletes exactly the files the database recorded (or asks the package
/// manager that installed them), after confirmation.
pub fn remove(s: &mut Session, ids: &[String], dry_run: bool) -> Result<()> {
    let db = db::read(&s.dirs.data)?;
    let mut targets: Vec<Record> = Vec::new();
    for id in ids {
        targets.extend(matching(&db, id)?.into_iter().cloned());
    }
    let commands: Vec<(String, Option<CommandSpec>)> = targets
        .iter()
        .map(|r| {
            let tools = &s.config.tools;
            let cmd = match r.backend.as_str() {
                "makepkg" => Some(CommandSpec::new(&tools.sudo).args([
                    tools.pacman.as_str(),
                    "-R",
                    "--noconfirm",
                    &r.id,
                ])),
                "brew" => Some(
                    CommandSpec::new(&tools.brew)
                        .args(["uninstall", &format!("{}/{}", build::TAP, r.id)]),
                ),
                _ => None,
            };
            (r.id.clone(), cmd)
        })
        .collect();
    let mut text = String::new();
    for (r, (_, cmd)) in targets.iter().zip(&commands) {
        text.push_str(&format!("remove {} {} ({}):\n", r.id, r.version, r.backend));
        match cmd {
            Some(c) => text.push_str(&format!("    {}\n", c.display())),
            None => {
                for f in &r.files {
                    text.push_str(&format!("    delete {}\n", f.path.display()));
                }
            }
        }
    }
    let entries: Vec<serde_json::Value> = targets
        .iter()
        .zip(&commands)
        .map(|(r, (_, cmd))| {
            serde_json::json!({
                "id": r.id,
                "version": r.version,
                "backend": r.backend,
                "files": r.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
                "command": cmd,
            })
        })
        .collect();
    if dry_run {
        if s.g.json {
            let doc =
                serde_json::json!({"schema": report::SCHEMA, "dry_run": true, "remove": entries});
            return report::print_json(&doc).map_err(|e| Error::io("write", "stdout", e));
        }
        text.push_str("(dry run: nothing was removed)\n");
        return report::print(&text).map_err(|e| Error::io("write", "stdout", e));
    }
    if s.g.verbosity >= 0 {
        eprint!("{text}");
    }
    if !s.g.noconfirm {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Failed {
                message: "removal needs confirmation, but there is no terminal to ask on".into(),
                help: Some("pass --noconfirm to remove without asking".into()),
            });
        }
        let ok = dialoguer::Confirm::new()
            .with_prompt("Remove these?")
            .default(false)
            .interact()
            .map_err(|e| Error::failed(format!("cannot ask: {e}")))?;
        if !ok {
            return Err(Error::failed("nothing removed: declined"));
        }
    }
    for (r, (id, cmd)) in targets.iter().zip(commands) {
        if let Some(cmd) = cmd {
            s.runner.run(&cmd, &format!("remove {id}"))?;
        }
        let mut locked = db::lock(&s.dirs.data)?;
        let ops = if r.backend == Backend::Cargo.name() {
            r.files
                .iter()
                .map(|f| Op::Delete {
                    path: f.path.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        locked.db.installed.remove(&r.id);
        locked.commit(ops)?;
        s.say(&format!("removed {} {}", r.id, r.version));
    }
    if s.g.json {
        let doc = serde_json::json!({"schema": report::SCHEMA, "removed": entries});
        report::print_json(&doc).map_err(|e| Error::io("write", "stdout", e))?;
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct FileCheck {
    pub id: String,
    pub path: PathBuf,
    /// ok, modified or missing
    pub status: &'static str,
}

#[derive(Serialize)]
struct VerifyDoc<'a> {
    schema: u32,
    ok: bool,
    files: &'a [FileCheck],
}

/// `verify`: re-hash every installed file; non-zero exit naming any that changed or vanished.
pub fn verify(s: &mut Session) -> Result<()> {
    // Taking the lock replays an interrupted change first, so what is checked is settled.
    let db = db::lock(&s.dirs.data)?.db;
    let mut checks = Vec::new();
    for r in db.installed.values() {
        for f in &r.files {
            let status = match sha256_file(&f.path) {
                Ok(sha) if sha == f.sha256 => "ok",
                Ok(_) => "modified",
                Err(_) => "missing",
            };
            checks.push(FileCheck {
                id: r.id.clone(),
                path: f.path.clone(),
                status,
            });
        }
    }
    let bad: Vec<&FileCheck> = checks.iter().filter(|c| c.status != "ok").collect();
    if s.g.json {
        report::print_json(&VerifyDoc {
            schema: report::SCHEMA,
            ok: bad.is_empty(),
            files: &checks,
        })
        .map_err(|e| Error::io("write", "stdout", e))?;
    } else {
        let mut text = String::new();
        for c in &checks {
            text.push_str(&format!("{:<9} {} {}\n", c.status, c.id, c.path.display()));
        }
        text.push_str(&format!(
            "{} files checked, {} changed or missing\n",
            checks.len(),
            bad.len()
        ));
        report::print(&text).map_err(|e| Error::io("write", "stdout", e))?;
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::Reported(format!(
            "{} installed file(s) changed or vanished: {}",
            bad.len(),
            bad.iter()
                .map(|c| format!("{} ({})", c.path.display(), c.status))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}
