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

/// `remove` flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    pub dry_run: bool,
    /// Also remove the installs that require what is removed.
    pub cascade: bool,
    /// Also remove dependency installs nothing requires any more.
    pub orphans: bool,
}

/// `remove ID…`: deletes exactly the files the database recorded (or asks the package
/// manager that installed them), after confirmation.
pub fn remove(cx: &Context, ids: &[String], opts: &RemoveOptions) -> Result<Answer> {
    remove_with(&mut Session::new(cx), ids, opts)
}

/// `remove` through a given session.
pub fn remove_with(s: &mut Session, ids: &[String], opts: &RemoveOptions) -> Result<Answer> {
    let dry_run = opts.dry_run;
    // Locked from choosing what to remove (and asking) to the last commit, so what is
    // removed is what was shown; a dry run only reads.
    let db = if dry_run {
        db::read(&s.cx.dirs.data)?
    } else {
        s.db()?.db.clone()
    };
    let targets = remove_targets(&db, ids, opts)?;
    if targets.is_empty() {
        return Ok(Answer::new(
            &serde_json::json!({"schema": crate::wire::SCHEMA, "dry_run": dry_run, "remove": []}),
            "there is nothing to do\n",
        ));
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
                Backend::Cargo | Backend::Bottle => None,
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
        if !report::confirm("Remove these?", true, no_terminal)? {
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
        let ops = if r.backend.owns_files() {
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

/// What `remove` removes, dependents before what they require: the named installs, their
/// dependents with `--cascade`, then with `--orphans` the dependency installs nothing
/// needs any more. Refused while an install outside that set would lose a requirement
/// (pacman's "breaks dependency … required by …").
fn remove_targets(db: &db::Database, ids: &[String], opts: &RemoveOptions) -> Result<Vec<Record>> {
    use crate::graph;
    let mut gone = std::collections::BTreeSet::new();
    for id in ids {
        gone.extend(matching(db, id)?.into_iter().map(|r| r.id.clone()));
    }
    if opts.cascade {
        graph::cascade(db, &mut gone);
    }
    let broken = graph::broken_by(db, &gone);
    if let Some((dependent, _)) = broken.first() {
        let mut by: Vec<String> = broken
            .iter()
            .map(|(r, req)| format!("{} (`{req}`)", r.id))
            .collect();
        by.dedup();
        let needed: Vec<&str> = gone
            .iter()
            .map(String::as_str)
            .filter(|g| {
                let w = &db.installed[*g].worker;
                broken.iter().any(|(_, req)| {
                    crate::deps::parse_requirement(req).is_ok_and(|(id, _)| id == *w)
                })
            })
            .collect();
        return Err(Error::Refused {
            message: format!(
                "not removing {}: required by {}",
                needed.join(", "),
                by.join(", ")
            ),
            help: format!(
                "remove {} too (or pass --cascade to remove every dependent)",
                dependent.id
            ),
        });
    }
    if opts.orphans {
        graph::orphans(db, &mut gone);
    }
    // Dependents first: each removal leaves the rest consistent.
    let mut order: Vec<Record> = Vec::new();
    let mut left = gone.clone();
    while !left.is_empty() {
        let next =
            left.iter()
                .find(|id| {
                    // Nothing else still to remove requires it.
                    let w = &db.installed[*id].worker;
                    !left.iter().any(|o| {
                        o != *id
                            && db.installed[o].requires.iter().any(|t| {
                                crate::deps::parse_requirement(t).is_ok_and(|(d, _)| d == *w)
                            })
                    })
                })
                .or_else(|| left.iter().next())
                .cloned()
                .expect("not empty");
        left.remove(&next);
        order.push(db.installed[&next].clone());
    }
    Ok(order)
}
