//! `new [PATH]`: writes a worker.toml for the crate at PATH (DESIGN §9), asking for each
//! value on a terminal (the defaults with `--noconfirm`), never overwriting, then validates
//! what it wrote exactly as `check` does.

use crate::context::Context;
use crate::error::{Error, Result};
use crate::report::{self, Answer};
use crate::scaffold::{self, Proposal};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(cx: &Context, path: Option<&Path>) -> Result<Answer> {
    let dir = path.map_or_else(|| cx.cwd.clone(), |p| cx.cwd.join(p));
    let dir = dir.canonicalize().map_err(|e| Error::io("read", &dir, e))?;
    let manifest = dir.join("worker.toml");
    if std::fs::symlink_metadata(&manifest).is_ok() {
        return Err(Error::Refused {
            message: format!("{} exists: `new` never overwrites", manifest.display()),
            help: "edit it, or move it away to start over".into(),
        });
    }
    let root = cx
        .root
        .as_ref()
        .and_then(|r| r.canonicalize().ok())
        .filter(|r| dir.starts_with(r))
        .unwrap_or_else(|| PathBuf::from("/"));
    let mut cache = crate::cargo::CargoCache::in_tree(crate::tree::Tree::new(&root));
    let krate = crate::cargo::read_crate(&dir.join("Cargo.toml"), &mut cache)
        .map_err(|mut problems| Error::Located(problems.remove(0)))?;
    let mut proposal = scaffold::propose(&krate).map_err(Error::Usage)?;
    if !cx.noconfirm {
        if !report::interactive() {
            return Err(Error::NeedsConfirmation {
                message: "`new` asks for each value, but there is no terminal to ask on".into(),
                help: "pass --noconfirm to take the proposed values".into(),
            });
        }
        proposal = ask(proposal)?;
    }
    let text = scaffold::manifest_text(&proposal);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&manifest)
        .map_err(|e| Error::io("create", &manifest, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::io("write", &manifest, e))?;
    report::note(&format!("wrote {}", manifest.display()));
    // Validated exactly as `check` validates a catalog.
    let community = dir
        .parent()
        .is_some_and(|p| p.file_name().is_some_and(|n| n == "community"));
    let mut catalog = crate::catalog::load_one(&dir, &root, community);
    let mut runner = super::system_runner(cx);
    crate::checkout::fill(&mut catalog, &mut runner, &cx.config.tools.git);
    let doc = super::check::check(&cx.dirs, &catalog, &mut runner)?;
    if !report::mode().json {
        report::print_check(&doc);
    }
    let answer = Answer::new(
        &serde_json::json!({
            "schema": crate::wire::SCHEMA,
            "path": manifest,
            "worker": proposal.id,
            "check": doc,
        }),
        "",
    );
    Ok(if doc.ok {
        answer
    } else {
        answer.then(Error::GateFailed)
    })
}

/// Each value asked for, the proposal's as the default.
fn ask(p: Proposal) -> Result<Proposal> {
    let id = report::ask("worker id", &p.id)?;
    let name = report::ask("name", &p.name)?;
    let description = report::ask("description", &p.description)?;
    let features = report::ask("features (comma-separated)", &p.features.join(", "))?;
    let features: Vec<String> = features
        .split(',')
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    let default_feature = report::ask("default feature", &p.default_feature)?;
    Ok(Proposal {
        id,
        name,
        description,
        features,
        default_feature,
    })
}
