//! Review of unverified workers (community ones, and sources added without `--trusted`):
//! before anything of theirs runs, show every step and the files that will run, exactly as
//! the plan will write them, and ask.

use super::Session;
use crate::build::{Plan, Step};
use crate::catalog::Worker;
use crate::error::{Error, Result};
use crate::report;

/// What a review shows: where the worker comes from, every step, and every file a write
/// step carries, byte for byte.
pub fn text(w: &Worker, plan: &Plan) -> String {
    let from = if w.dir.as_os_str().is_empty() {
        format!("{} ({})", w.source.name, w.source.location)
    } else {
        w.dir.display().to_string()
    };
    // A dependency is reviewed like anything else, saying what pulled it in.
    let pulled = match plan.required_by.as_slice() {
        [] => String::new(),
        by => format!(", as a dependency of {}", by.join(", ")),
    };
    let mut text = format!(
        "{} comes from an unverified source ({from}){pulled}; this is what will run:\n",
        plan.id
    );
    for (i, step) in plan.steps.iter().enumerate() {
        text.push_str(&format!("  {}. {}\n", i + 1, step.describe()));
    }
    for step in &plan.steps {
        if let Step::Write { files, .. } = step {
            for f in files {
                text.push_str(&format!("\n{}:\n{}\n", f.path.display(), f.contents));
            }
        }
    }
    text
}

/// Unverified workers: show what will run and ask, unless --noconfirm.
pub fn review(s: &Session, w: &Worker, plan: &Plan) -> Result<()> {
    if w.verified() {
        return Ok(());
    }
    let shown = text(w, plan);
    // On a terminal, through the pager (a PKGBUILD-length review would scroll away);
    // elsewhere, and when no pager runs, inline.
    if s.cx.noconfirm || !report::interactive() || !crate::exec::page(&report::inert(&shown)) {
        report::show(&shown);
    }
    if s.cx.noconfirm {
        report::show("(--noconfirm: proceeding)\n");
        return Ok(());
    }
    let no_terminal = Error::NeedsConfirmation {
        message: format!(
            "{} is unverified and must be reviewed, but there is no terminal to ask on",
            plan.id
        ),
        help: "read the steps above, then pass --noconfirm to proceed".into(),
    };
    if report::confirm(&format!("Build {}?", plan.id), false, no_terminal)? {
        Ok(())
    } else {
        Err(Error::Declined(format!(
            "not building {}: declined at review",
            plan.id
        )))
    }
}
