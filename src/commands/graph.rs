//! The dependency graph as the installing commands see it (DESIGN section 8): the pure
//! resolver fed with this host and the installed database, and the questions `remove` and
//! `upgrade` ask of what is installed — who requires what, what nothing needs any more.

use crate::catalog::{Catalog, Variant, Worker};
use crate::context::Context;
use crate::db::{Database, Record};
use crate::deps::{self, Graph, Installed};
use crate::error::{Error, Result};
use std::collections::BTreeSet;

/// What is installed, as the resolver reads it (a record whose version is not semver
/// satisfies nothing).
pub fn installed_of(db: &Database) -> Vec<Installed> {
    db.installed
        .values()
        .filter_map(|r| {
            Some(Installed {
                id: r.id.clone(),
                worker: r.worker.clone(),
                version: semver::Version::parse(&r.version).ok()?,
            })
        })
        .collect()
}

/// Resolves the graph under `roots` on this host; every problem is reported, located at
/// its requirement.
pub fn resolve<'c>(
    cx: &Context,
    catalog: &'c Catalog,
    roots: &[(&'c Worker, &'c Variant)],
    db: &Database,
) -> Result<Graph<'c>> {
    deps::resolve(catalog, roots, cx.host()?, &installed_of(db)).map_err(|problems| {
        let mut first = problems[0].clone();
        for p in &problems[1..] {
            first
                .message
                .push_str(&format!("\n{}: {}", p.location(), p.message));
        }
        Error::Located(first)
    })
}

/// A requirement of an installed record, parsed (one that does not parse requires nothing).
fn requirements(r: &Record) -> Vec<(String, semver::VersionReq, &str)> {
    r.requires
        .iter()
        .filter_map(|t| {
            let (id, req) = deps::parse_requirement(t).ok()?;
            Some((id, req, t.as_str()))
        })
        .collect()
}

/// The requirements of `r` that nothing in `kept` (installed records, by id) meets.
pub fn unmet<'r>(r: &'r Record, kept: &[&Record]) -> Vec<&'r str> {
    requirements(r)
        .into_iter()
        .filter(|(id, req, _)| {
            !kept.iter().any(|k| {
                k.worker == *id && semver::Version::parse(&k.version).is_ok_and(|v| req.matches(&v))
            })
        })
        .map(|(_, _, t)| t)
        .collect()
}

/// The installed records that removing `gone` would leave with an unmet requirement
/// they had met, with that requirement: `(dependent, requirement)`.
pub fn broken_by<'d>(db: &'d Database, gone: &BTreeSet<String>) -> Vec<(&'d Record, String)> {
    let all: Vec<&Record> = db.installed.values().collect();
    let left: Vec<&Record> = all
        .iter()
        .copied()
        .filter(|r| !gone.contains(&r.id))
        .collect();
    let mut out = Vec::new();
    for r in &left {
        let before = unmet(r, &all);
        for t in unmet(r, &left) {
            if !before.contains(&t) {
                out.push((*r, t.to_string()));
            }
        }
    }
    out
}

/// `--cascade`: `gone` and, until nothing changes, every install that would be left with a
/// requirement no remaining install meets.
pub fn cascade(db: &Database, gone: &mut BTreeSet<String>) {
    loop {
        let more: Vec<String> = broken_by(db, gone)
            .into_iter()
            .map(|(r, _)| r.id.clone())
            .collect();
        if more.is_empty() {
            return;
        }
        gone.extend(more);
    }
}

/// `--orphans`: dependency installs that no remaining install requires, until none is left
/// (what `pacman -Qdt` lists, applied again after each removal).
pub fn orphans(db: &Database, gone: &mut BTreeSet<String>) {
    loop {
        let left: Vec<&Record> = db
            .installed
            .values()
            .filter(|r| !gone.contains(&r.id))
            .collect();
        let needed = |o: &Record| {
            left.iter().any(|r| {
                r.id != o.id
                    && requirements(r).iter().any(|(id, req, _)| {
                        *id == o.worker
                            && semver::Version::parse(&o.version).is_ok_and(|v| req.matches(&v))
                    })
            })
        };
        let more: Vec<String> = left
            .iter()
            .filter(|r| r.reason == crate::kinds::Reason::Dependency && !needed(r))
            .map(|r| r.id.clone())
            .collect();
        if more.is_empty() {
            return;
        }
        gone.extend(more);
    }
}

/// An installed variant `upgrade` would move to a new version.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub version: semver::Version,
    /// The new version's worker dependencies, as written.
    pub requires: Vec<String>,
}

/// Which candidates `upgrade` holds back, and why (DESIGN section 8: never outside a
/// requirement an installed dependent states). One that would leave a dependent's
/// requirement unmet is held back; so is one whose new version needs what would not be
/// installed. Repeated until nothing changes, since holding one back can hold back another.
pub fn hold_back(db: &Database, candidates: &[Candidate]) -> Vec<(String, String)> {
    let mut held: Vec<(String, String)> = Vec::new();
    loop {
        let moving = |id: &str| {
            candidates
                .iter()
                .find(|c| c.id == id && !held.iter().any(|(h, _)| h == id))
        };
        // Each install after the upgrade: (record, version, requirements).
        let after: Vec<(&Record, semver::Version, Vec<String>)> = db
            .installed
            .values()
            .filter_map(|r| match moving(&r.id) {
                Some(c) => Some((r, c.version.clone(), c.requires.clone())),
                None => Some((
                    r,
                    semver::Version::parse(&r.version).ok()?,
                    r.requires.clone(),
                )),
            })
            .collect();
        let mut more = None;
        'find: for (r, _, requires) in &after {
            for t in requires {
                let Ok((dep, req)) = deps::parse_requirement(t) else {
                    continue;
                };
                let met = after
                    .iter()
                    .any(|(o, v, _)| o.worker == dep && req.matches(v));
                if met {
                    continue;
                }
                // Blame the move that breaks it: the dependency's, else the dependent's own.
                let dep_move = after.iter().find(|(o, v, _)| {
                    o.worker == dep
                        && moving(&o.id).is_some()
                        && semver::Version::parse(&o.version).is_ok_and(|old| req.matches(&old))
                        && !req.matches(v)
                });
                more = match dep_move {
                    Some((o, v, _)) => Some((
                        o.id.clone(),
                        format!(
                            "holding back {} {} -> {v}: {} requires `{t}`",
                            o.id, o.version, r.id
                        ),
                    )),
                    None if moving(&r.id).is_some() => {
                        let c = moving(&r.id).expect("moving");
                        Some((
                            r.id.clone(),
                            format!(
                                "holding back {} {} -> {}: it requires `{t}`, which nothing installed (or upgraded) meets; `rbee-workers install {}` resolves it",
                                r.id, r.version, c.version, r.worker
                            ),
                        ))
                    }
                    None => None,
                };
                if more.is_some() {
                    break 'find;
                }
            }
        }
        match more {
            Some(h) => held.push(h),
            None => return held,
        }
    }
}
