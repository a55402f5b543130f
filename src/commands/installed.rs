//! The installed set: `remove` (exactly the recorded files, or through the package manager
//! that installed them, after confirmation) and `verify` (re-hash every recorded file).

use super::Session;
use crate::build::{self, Backend};
use crate::checksum::sha256_file;
use crate::context::Context;
use crate::db::{self, Op, Record};
use crate::error::{Error, Result};
use crate::exec::CommandSpec;
use crate::kinds::FileStatus;
use crate::report::{self, Answer};
use serde::Serialize;
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
pub fn remove(cx: &Context, ids: &[String], dry_run: bool) -> Result<Answer> {
    remove_with(&mut Session::new(cx), ids, dry_run)
}

/// `remove` through a given session.
pub fn remove_with(s: &mut Session, ids: &[String], dry_run: bool) -> Result<Answer> {
    // Locked from choosing what to remove (and asking) to the last commit, so what is
    // removed is what was shown; a dry run only reads.
    let db = if dry_run {
        db::read(&s.cx.dirs.data)?
    } else {
        s.db()?.db.clone()
    };
    let mut targets: Vec<Record> = Vec::new();
    for id in ids {
        targets.extend(matching(&db, id)?.into_iter().cloned());
    }
    let commands: Vec<(String, Option<CommandSpec>)> = targets
        .iter()
        .map(|r| {
            let tools = &s.cx.config.tools;
            let cmd = match r.backend {
                Backend::Makepkg => Some(CommandSpec::new(&tools.sudo).args([
                    tools.pacman.as_str(),
                    "-R",
                    "--noconfirm",
                    &r.id,
                ])),
                Backend::Brew => Some(
                    CommandSpec::new(&tools.brew)
                        .args(["uninstall", &format!("{}/{}", build::TAP, r.id)]),
                ),
                Backend::Cargo => None,
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
        text.push_str("(dry run: nothing was removed)\n");
        let doc =
            serde_json::json!({"schema": crate::wire::SCHEMA, "dry_run": true, "remove": entries});
        return Ok(Answer::new(&doc, text));
    }
    if report::mode().verbosity >= 0 {
        report::show(&text);
    }
    if !s.cx.noconfirm {
        let no_terminal = Error::NeedsConfirmation {
            message: "removal needs confirmation, but there is no terminal to ask on".into(),
            help: "pass --noconfirm to remove without asking".into(),
        };
        if !report::confirm("Remove these?", no_terminal)? {
            return Err(Error::Declined("nothing removed: declined".into()));
        }
    }
    for (r, (id, cmd)) in targets.iter().zip(commands) {
        if let Some(cmd) = cmd {
            s.runner.run(&cmd, &format!("remove {id}"))?;
        }
        let cx = s.cx;
        let locked = s.db()?;
        super::fill_origins(cx, &mut locked.db);
        let ops = if r.backend == Backend::Cargo {
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
    Ok(Answer::new(
        &serde_json::json!({"schema": crate::wire::SCHEMA, "removed": entries}),
        "",
    ))
}

#[derive(Debug, Serialize)]
pub struct FileCheck {
    pub id: String,
    pub path: PathBuf,
    pub status: crate::kinds::FileStatus,
}

#[derive(Serialize)]
struct VerifyDoc<'a> {
    schema: u32,
    ok: bool,
    files: &'a [FileCheck],
}

/// `verify`: re-hash every installed file; non-zero exit naming any that changed or vanished.
pub fn verify(cx: &Context) -> Result<Answer> {
    // Taking the lock replays an interrupted change first, so what is checked is settled;
    // a read-only data dir is read as it is.
    let db = db::settled(&cx.dirs.data)?;
    let mut checks = Vec::new();
    for r in db.installed.values() {
        for f in &r.files {
            let status = match sha256_file(&f.path) {
                Ok(sha) if sha == f.sha256 => FileStatus::Ok,
                Ok(_) => FileStatus::Modified,
                Err(_) => FileStatus::Missing,
            };
            checks.push(FileCheck {
                id: r.id.clone(),
                path: f.path.clone(),
                status,
            });
        }
    }
    let bad: Vec<&FileCheck> = checks
        .iter()
        .filter(|c| c.status != FileStatus::Ok)
        .collect();
    let mut text = String::new();
    for c in &checks {
        text.push_str(&format!(
            "{:<9} {} {}\n",
            c.status.name(),
            c.id,
            c.path.display()
        ));
    }
    text.push_str(&format!(
        "{} files checked, {} changed or missing\n",
        checks.len(),
        bad.len()
    ));
    let failure = (!bad.is_empty()).then(|| {
        Error::Reported(format!(
            "{} installed file(s) changed or vanished: {}",
            bad.len(),
            bad.iter()
                .map(|c| format!("{} ({})", c.path.display(), c.status))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    });
    let answer = Answer::new(
        &VerifyDoc {
            schema: crate::wire::SCHEMA,
            ok: bad.is_empty(),
            files: &checks,
        },
        text,
    );
    Ok(match failure {
        Some(e) => answer.then(e),
        None => answer,
    })
}
