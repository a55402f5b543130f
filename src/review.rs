//! Review of unverified workers (community ones, and sources added without `--trusted`):
//! before anything of theirs runs, show every step and the PKGBUILD or formula, and ask.

use crate::build::{Backend, Plan};
use crate::catalog::Worker;
use crate::error::{Error, Result};
use crate::install::Session;
use crate::package;
use crate::render::{arch, brew};
use std::io::IsTerminal;

/// Unverified workers: show what will run and ask, unless --noconfirm.
pub fn review(s: &Session, w: &Worker, plan: &Plan) -> Result<()> {
    if w.verified() {
        return Ok(());
    }
    let from = if w.dir.as_os_str().is_empty() {
        format!("{} ({})", w.source.name, w.source.location)
    } else {
        w.dir.display().to_string()
    };
    let mut text = format!(
        "{} comes from an unverified source ({from}); this is what will run:\n",
        plan.id
    );
    for (i, step) in plan.steps.iter().enumerate() {
        text.push_str(&format!("  {}. {}\n", i + 1, step.describe()));
    }
    // The file that will run, as it will be written (the checksum is filled in later).
    let v = w
        .variants
        .iter()
        .find(|v| v.id == plan.id)
        .expect("the plan's variant");
    let engine = package::engine(None, &s.dirs);
    let pending = "(computed when the source is packed or downloaded)".to_string();
    let shown = match plan.backend {
        Backend::Makepkg => {
            let archive = if plan.flavor == "release" {
                arch::Archive::Release {
                    sha256: w.upstream.sha256.clone().unwrap_or(pending),
                }
            } else {
                arch::Archive::local(w, v, pending)
            };
            let flavor = if plan.flavor == "release" {
                arch::Flavor::Release
            } else {
                arch::Flavor::Local
            };
            arch::model(w, v, &archive)
                .and_then(|m| engine.render(flavor.template(), &m))
                .ok()
                .map(|t| ("PKGBUILD", t))
        }
        Backend::Brew => {
            let flavor = if plan.flavor == "head" {
                brew::Flavor::Head
            } else {
                brew::Flavor::Release
            };
            let sum = (flavor == brew::Flavor::Release)
                .then(|| w.upstream.sha256.clone().unwrap_or(pending));
            brew::model(w, v, flavor, sum)
                .and_then(|m| engine.render(flavor.template(), &m))
                .ok()
                .map(|t| ("formula", t))
        }
        Backend::Cargo => None,
    };
    if let Some((what, body)) = shown {
        text.push_str(&format!("\nThe {what}:\n{body}\n"));
    }
    eprint!("{text}");
    if s.g.noconfirm {
        eprintln!("(--noconfirm: proceeding)");
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Error::Failed {
            message: format!(
                "{} is unverified and must be reviewed, but there is no terminal to ask on",
                plan.id
            ),
            help: Some("read the steps above, then pass --noconfirm to proceed".into()),
        });
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(format!("Build {}?", plan.id))
        .default(false)
        .interact()
        .map_err(|e| Error::failed(format!("cannot ask: {e}")))?;
    if ok {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "not building {}: declined at review",
            plan.id
        )))
    }
}
