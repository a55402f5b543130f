//! The read-only questions: `list`, `search`, `info`, `detect`.

use super::{installed_db, load};
use crate::catalog::{self, Catalog, Filter, Target};
use crate::context::Context;
use crate::db::Database;
use crate::detect;
use crate::error::{Error, Result};
use crate::kinds::Sort;
use crate::report::{self, Answer};
use crate::wire::{self, AlsoIn, CatalogDoc, Recommendation, SCHEMA};

/// What the database says of an install, for JSON and tables.
pub fn installed_doc(
    r: &crate::db::Record,
    origin: Option<catalog::Origin>,
    available: bool,
) -> wire::InstalledDoc {
    wire::InstalledDoc {
        version: r.version.clone(),
        backend: r.backend.name().into(),
        flavor: r.flavor.name().into(),
        path: r
            .files
            .first()
            .map(|f| f.path.display().to_string())
            .unwrap_or_default(),
        origin,
        reason: r.reason,
        available,
    }
}

/// The OS and arch this runs on (no GPU probe: `list` works whatever `RBEE_WORKERS_GPU` says).
fn this_platform() -> Option<(crate::manifest::Os, crate::manifest::Arch)> {
    Some((
        std::env::consts::OS.parse().ok()?,
        std::env::consts::ARCH.parse().ok()?,
    ))
}

/// How `list` and `search` lay out rows: a SOURCE column when more than one source is
/// configured; the `[not for this host]` hint unless `hint` is off.
/// The answer of `list` and `search`: the document, and the table only for a person (at
/// 10,000 workers it costs as much as the document).
fn table_answer(
    cx: &Context,
    doc: &CatalogDoc,
    rows: &[(&catalog::Worker, &catalog::Variant)],
    db: &Database,
    hint: bool,
) -> Answer {
    let table = if cx.json {
        String::new()
    } else {
        report::variants_table(rows, &installed_versions(db), row_options(cx, hint))
    };
    Answer::catalog(doc, table)
}

/// The process ends with the answer: freeing 10,000 workers one allocation at a time would
/// cost a tenth of the run, for memory the exit gives back at once.
fn leave_to_exit(doc: CatalogDoc, catalog: Catalog) {
    std::mem::forget(doc);
    std::mem::forget(catalog);
}

fn row_options(cx: &Context, hint: bool) -> report::RowOptions {
    report::RowOptions {
        source: usize::from(cx.root.is_some()) + cx.config.sources.len() > 1,
        host: this_platform().filter(|_| hint),
    }
}

fn doc_of(db: &Database, w: &catalog::Worker, v: &catalog::Variant) -> wire::VariantDoc {
    let mut doc = wire::variant_doc(w, v);
    doc.runs_here = this_platform().map(|(os, arch)| v.supports(os, arch));
    doc.installed = db.installed.get(&v.id).map(|r| {
        installed_doc(
            r,
            Some(r.origin.clone().unwrap_or_else(|| w.origin())),
            true,
        )
    });
    doc
}

fn catalog_doc(catalog: &Catalog, workers: Vec<wire::VariantDoc>) -> CatalogDoc {
    CatalogDoc {
        schema: SCHEMA,
        workers,
        problems: catalog.problems.clone(),
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    }
}

/// `list [--installed] [--platform] [--backend] [--no-host-hint]`.
pub fn list(cx: &Context, filter: &Filter, installed_only: bool, hint: bool) -> Result<Answer> {
    if installed_only {
        return list_installed(cx, filter);
    }
    let catalog = load(cx)?;
    let db = installed_db(cx)?;
    let rows: Vec<_> = catalog
        .variants()
        .into_iter()
        .filter(|(_, v)| filter.matches(v))
        .collect();
    let doc = catalog_doc(
        &catalog,
        rows.iter().map(|(w, v)| doc_of(&db, w, v)).collect(),
    );
    if rows.is_empty() {
        let note = if catalog.workers.is_empty() {
            "the catalog has no workers"
        } else {
            "no variants match"
        };
        return Ok(Answer::new(&doc, "").note(note));
    }
    let answer = table_answer(cx, &doc, &rows, &db, hint);
    drop(rows);
    leave_to_exit(doc, catalog);
    Ok(answer)
}

/// `list --installed`: every install as recorded, found through its origin from whatever
/// directory this runs in; one whose origin no longer provides it is still listed, marked.
fn list_installed(cx: &Context, filter: &Filter) -> Result<Answer> {
    let db = crate::db::read(&cx.dirs.data)?;
    let catalog = super::installed_catalog(cx, &db)?;
    let mut docs = Vec::new();
    let mut rows = Vec::new();
    for r in db.installed.values() {
        let origin = super::origin_of(cx, &catalog, r);
        match super::find_installed(cx, &catalog, r) {
            Some((w, v)) => {
                if !filter.matches(v) {
                    continue;
                }
                let installed = installed_doc(r, origin, true);
                let mut doc = wire::variant_doc(w, v);
                doc.installed = Some(installed.clone());
                docs.push(doc);
                rows.push((r.id.clone(), installed, Some(w.version.to_string())));
            }
            None => {
                let what = match &origin {
                    Some(o) => format!(
                        "its origin {} ({}) no longer provides it",
                        o.location, o.source
                    ),
                    None => {
                        "its origin is unknown (it was installed by an older rbee-workers)".into()
                    }
                };
                report::warn(&format!("{} is installed, but {what}", r.id));
                let installed = installed_doc(r, origin, false);
                docs.push(wire::gone_variant_doc(
                    installed.clone(),
                    &r.id,
                    &r.worker,
                    &r.feature,
                ));
                rows.push((r.id.clone(), installed, None));
            }
        }
    }
    docs.sort_by(|a, b| a.id.cmp(&b.id));
    let doc = catalog_doc(&Catalog::default(), docs);
    if rows.is_empty() {
        return Ok(Answer::new(&doc, "").note("no variants match"));
    }
    Ok(Answer::new(&doc, report::installed_table(&rows)))
}

/// What is installed, by variant id, at which version.
fn installed_versions(db: &crate::db::Database) -> std::collections::BTreeMap<String, String> {
    db.installed
        .values()
        .map(|r| (r.id.clone(), r.version.clone()))
        .collect()
}

/// `search TERM… [--sort]`: best match (or most votes, popularity, best rating — paru's
/// `--sortby`; ties by match, then id) first in the text, by id in `workers` with a
/// `ranking`. Counts come from index sources that carry the registry's.
pub fn search(cx: &Context, terms: &[String], sort: Sort, hint: bool) -> Result<Answer> {
    let catalog = load(cx)?;
    let mut hits: Vec<_> = catalog
        .variants()
        .into_iter()
        .filter_map(|(w, v)| catalog::search_rank(w, v, terms).map(|r| (r, w, v)))
        .collect();
    let none = catalog::Counts::default();
    let counts = |w: &catalog::Worker| w.counts.clone().unwrap_or_else(|| none.clone());
    hits.sort_by(|a, b| {
        let (ca, cb) = (counts(a.1), counts(b.1));
        let by = match sort {
            Sort::Relevance | Sort::Name => std::cmp::Ordering::Equal,
            Sort::Votes => cb.votes.cmp(&ca.votes),
            Sort::Popularity => cb.popularity.total_cmp(&ca.popularity),
            Sort::Rating => cb
                .average
                .unwrap_or(0.0)
                .total_cmp(&ca.average.unwrap_or(0.0))
                .then_with(|| cb.ratings.cmp(&ca.ratings)),
        };
        let by = if sort == Sort::Name {
            a.2.id.cmp(&b.2.id)
        } else {
            by.then_with(|| a.0.cmp(&b.0))
        };
        by.then_with(|| a.2.id.cmp(&b.2.id))
    });
    let db = installed_db(cx)?;
    let mut by_id: Vec<_> = hits.iter().map(|(_, w, v)| doc_of(&db, w, v)).collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    let mut doc = catalog_doc(&catalog, by_id);
    doc.ranking = Some(hits.iter().map(|(_, _, v)| v.id.clone()).collect());
    if hits.is_empty() {
        let note = match catalog.workers.is_empty() {
            true => "the catalog has no workers".to_string(),
            false => format!("no variants match {}", terms.join(" ")),
        };
        return Ok(Answer::new(&doc, "").note(note));
    }
    let rows: Vec<_> = hits.iter().map(|(_, w, v)| (*w, *v)).collect();
    let answer = table_answer(cx, &doc, &rows, &db, hint);
    drop(rows);
    leave_to_exit(doc, catalog);
    Ok(answer)
}

pub fn not_found(catalog: &Catalog, id: &str) -> Error {
    super::not_found(catalog, id)
}

/// Later sources that also provide `id`, for `info`.
fn also_in(catalog: &Catalog, id: &str) -> Vec<AlsoIn> {
    let shown = catalog.lookup(id).map(|t| match t {
        Target::Variant(w, _) | Target::Worker(w) => w,
    });
    let bare = id.rsplit('/').next().unwrap_or(id);
    catalog
        .workers
        .iter()
        .filter(|w| w.id == bare || w.variants.iter().any(|v| v.id == bare))
        .filter(|w| !shown.is_some_and(|s| std::ptr::eq(s, &***w)))
        .map(|w| AlsoIn {
            source: w.source.name.clone(),
            version: w.version.to_string(),
        })
        .collect()
}

/// `info ID`: one variant (with whether it is installed, like `pacman -Qi`), or a worker
/// with every variant and the one `install` would pick here.
pub fn info(cx: &Context, id: &str) -> Result<Answer> {
    let here = super::load_for(cx, [id])?;
    let db = installed_db(cx)?;
    // An installed variant is found through its origin from anywhere, as `pacman -Qi` is.
    let bare = id.rsplit('/').next().unwrap_or(id);
    let found;
    let catalog = if here.lookup(id).is_none()
        && db
            .installed
            .values()
            .any(|r| r.id == bare || r.worker == bare)
    {
        found = super::installed_catalog(cx, &db)?;
        &found
    } else {
        &here
    };
    let others = also_in(catalog, id);
    let note = |text: String| -> String {
        if others.is_empty() {
            return text;
        }
        let list: Vec<String> = others
            .iter()
            .map(|o| format!("{} ({})", o.source, o.version))
            .collect();
        format!(
            "{text}Also provided by: {} (name one as SOURCE/ID)\n",
            list.join(", ")
        )
    };
    match catalog.lookup(id).ok_or_else(|| not_found(catalog, id))? {
        Target::Variant(w, v) => {
            let variant = doc_of(&db, w, v);
            let mut text = report::variant_info(w, v);
            let installed = match &variant.installed {
                Some(i) => format!("{} ({}, {}) {}", i.version, i.backend, i.flavor, i.path),
                None => "no".into(),
            };
            text.push_str(&format!("Installed       : {installed}\n"));
            // As `pacman -Qi`: the installs that require this worker.
            let required_by: Vec<&str> = db
                .installed
                .values()
                .filter(|r| {
                    r.requires
                        .iter()
                        .any(|t| crate::deps::parse_requirement(t).is_ok_and(|(id, _)| id == w.id))
                })
                .map(|r| r.id.as_str())
                .collect();
            let required_by = match required_by.is_empty() {
                true => "None".to_string(),
                false => required_by.join("  "),
            };
            text.push_str(&format!("Required By     : {required_by}\n"));
            text.push_str(&counts_text(w));
            let mut doc = catalog_doc(catalog, vec![variant]);
            doc.also_in = others.clone();
            Ok(Answer::new(&doc, note(text)))
        }
        Target::Worker(w) => {
            let rec = detect::recommend(w, cx.host()?);
            let workers = w
                .variants
                .iter()
                .map(|v| {
                    let mut doc = doc_of(&db, w, v);
                    doc.recommended = Some(rec.as_ref().is_some_and(|(r, _)| r.id == v.id));
                    doc
                })
                .collect();
            let mut doc = catalog_doc(catalog, workers);
            doc.also_in = others.clone();
            doc.recommendation = rec.as_ref().map(|(v, why)| Recommendation {
                id: v.id.clone(),
                reason: why.clone(),
            });
            let rec = rec.as_ref().map(|(v, why)| (*v, why.as_str()));
            let mut text = report::worker_info(w, rec);
            if w.counts.is_some() {
                text = format!("{}{text}", counts_text(w));
            }
            Ok(Answer::new(&doc, note(text)))
        }
    }
}

/// `Votes`, `Popularity` and `Rating` as `paru -Si` shows them, for a worker whose index
/// carries the registry's counts.
fn counts_text(w: &catalog::Worker) -> String {
    match &w.counts {
        Some(c) => format!(
            "Votes           : {}\nPopularity      : {:.2}\nRating          : {}\n",
            c.votes,
            c.popularity,
            report::rating_text(c.average, c.ratings)
        ),
        None => String::new(),
    }
}

/// `detect`: what this machine runs, best first.
pub fn detect(cx: &Context) -> Result<Answer> {
    let d = cx.host()?;
    let mut s = super::Session::new(cx);
    let (name, reason) = super::install::choose_backend(&mut s, &Default::default())?;
    let backend = crate::build::BackendChoice { name, reason };
    Ok(Answer::new(
        &wire::DetectDoc {
            schema: SCHEMA,
            detection: d,
            backend: &backend,
        },
        report::detect_text(d, &backend),
    ))
}
