//! Runs one request: loads the catalog, answers the question, hands the answer to `report`.
//! Library code, so tests can call it without a process.

use crate::catalog::{self, Catalog, Filter, Source, SourceKind, Target};
use crate::detect::{self, Detection};
use crate::error::{Error, Result};
use crate::install;
use crate::report::{self, CatalogDoc, Recommendation, SCHEMA};
use crate::sources;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Settings that apply to every command.
#[derive(Debug, Clone)]
pub struct Globals {
    pub root: Option<PathBuf>,
    pub json: bool,
    pub offline: bool,
    pub noconfirm: bool,
    pub verbosity: i8,
    pub color: Color,
}

#[derive(Debug, Clone)]
pub enum Request {
    List {
        filter: Filter,
        installed: bool,
    },
    Build {
        id: String,
        opts: crate::install::Options,
    },
    Install {
        ids: Vec<String>,
        opts: crate::install::Options,
    },
    Upgrade {
        ids: Vec<String>,
        opts: crate::install::Options,
    },
    Remove {
        ids: Vec<String>,
        dry_run: bool,
    },
    Verify,
    SourceAdd {
        name: String,
        url: String,
        git_ref: Option<String>,
        trusted: bool,
        kind: Option<crate::config::RemoteKind>,
    },
    SourceRemove {
        name: String,
    },
    SourceList,
    Sync,
    Export {
        dir: PathBuf,
    },
    Check,
    Serve {
        addr: String,
    },
    Completions {
        shell: clap_complete::Shell,
    },
    GenerateAssets {
        dir: PathBuf,
    },
    Search {
        terms: Vec<String>,
    },
    Info {
        id: String,
    },
    Detect,
    Pkgbuild {
        id: String,
        flavor: crate::render::arch::Flavor,
        srcinfo: bool,
        out: Option<PathBuf>,
        templates: Option<PathBuf>,
    },
    Formula {
        id: String,
        flavor: crate::render::brew::Flavor,
        out: Option<PathBuf>,
        templates: Option<PathBuf>,
    },
}

pub fn run(g: &Globals, req: Request) -> Result<()> {
    // Ctrl-C sets a flag the runner and downloads poll; they stop, drop their temp files and
    // the command exits 130. `serve` handles SIGINT itself, to finish requests in flight.
    if !matches!(req, Request::Serve { .. }) {
        crate::exec::interrupted();
    }
    match g.color {
        Color::Always => anstream::ColorChoice::Always.write_global(),
        Color::Never => anstream::ColorChoice::Never.write_global(),
        Color::Auto => {}
    }
    match req {
        Request::List { filter, installed } => list(g, &filter, installed),
        Request::Build { id, opts } => {
            let catalog = load(g)?;
            install::build(&mut session(g)?, &catalog, &id, &opts)
        }
        Request::Install { ids, opts } => {
            let catalog = load(g)?;
            install::install(&mut session(g)?, &catalog, &ids, &opts)
        }
        Request::Upgrade { ids, opts } => {
            let catalog = load(g)?;
            install::upgrade(&mut session(g)?, &catalog, &ids, &opts)
        }
        Request::Remove { ids, dry_run } => {
            crate::installed::remove(&mut session(g)?, &ids, dry_run)
        }
        Request::Verify => crate::installed::verify(&mut session(g)?),
        Request::SourceAdd {
            name,
            url,
            git_ref,
            trusted,
            kind,
        } => {
            let dirs = crate::dirs::Dirs::from_env()?;
            let s = sources::add(&dirs, &name, &url, git_ref, trusted, kind)?;
            if g.json {
                return write(report::print_json(
                    &serde_json::json!({"schema": SCHEMA, "added": s}),
                ));
            }
            if g.verbosity >= 0 {
                eprintln!(
                    "added {} source `{}` ({}); run `rbee-workers sync` to fetch it",
                    format!("{:?}", s.kind).to_lowercase(),
                    s.name,
                    s.url
                );
            }
            Ok(())
        }
        Request::SourceRemove { name } => {
            sources::remove(&crate::dirs::Dirs::from_env()?, &name)?;
            if g.json {
                return write(report::print_json(
                    &serde_json::json!({"schema": SCHEMA, "removed": name}),
                ));
            }
            Ok(())
        }
        Request::SourceList => {
            let dirs = crate::dirs::Dirs::from_env()?;
            let config = crate::config::Config::load(&sources::config_path(&dirs))?;
            sources::list(g, &dirs, &config)
        }
        Request::Sync => sync(g),
        Request::Serve { addr } => crate::serve::serve(g, &addr),
        Request::Check => {
            let catalog = load_quiet(g)?;
            let mut s = session(g)?;
            let report = crate::check::check(&s.dirs, &catalog, s.runner.as_mut())?;
            if g.json {
                write(report::print_json(&report))?;
            } else {
                report::print_check(&report);
            }
            if report.ok {
                Ok(())
            } else {
                Err(Error::GateFailed)
            }
        }
        Request::Completions { shell } => write(std::io::Write::write_all(
            &mut std::io::stdout(),
            &crate::assets::completion(shell),
        )),
        Request::GenerateAssets { dir } => {
            let n = crate::assets::generate(&dir)?;
            eprintln!("wrote {n} files under {}", dir.display());
            Ok(())
        }
        Request::Export { dir } => {
            let catalog = load(g)?;
            let dirs = crate::dirs::Dirs::from_env()?;
            let summary = crate::export::export(g, &dirs, &catalog, &dir)?;
            if g.json {
                let doc = serde_json::json!({
                    "schema": SCHEMA,
                    "dir": std::path::absolute(&dir).unwrap_or(dir.clone()),
                    "variants": summary.variants,
                    "files": summary.files,
                    "skipped": summary.skipped,
                });
                return write(report::print_json(&doc));
            }
            if g.verbosity >= 0 {
                report::print_problems(&summary.skipped);
                eprintln!(
                    "exported {} variants ({} files) to {}",
                    summary.variants,
                    summary.files,
                    dir.display()
                );
            }
            Ok(())
        }
        Request::Search { terms } => search(g, &terms),
        Request::Info { id } => info(g, &id),
        Request::Pkgbuild {
            id,
            flavor,
            srcinfo,
            out,
            templates,
        } => {
            let catalog = load(g)?;
            crate::package::pkgbuild_cmd(
                g,
                &catalog,
                &id,
                flavor,
                srcinfo,
                out.as_deref(),
                templates.as_deref(),
            )
        }
        Request::Formula {
            id,
            flavor,
            out,
            templates,
        } => {
            let catalog = load(g)?;
            crate::package::formula_cmd(
                g,
                &catalog,
                &id,
                flavor,
                out.as_deref(),
                templates.as_deref(),
            )
        }
        Request::Detect => {
            let d = detection()?;
            if g.json {
                report::print_json(&report::DetectDoc {
                    schema: SCHEMA,
                    detection: &d,
                })
            } else {
                report::print(&report::detect_text(&d))
            }
            .map_err(|e| Error::io("write", "stdout", e))
        }
    }
}

#[derive(serde::Serialize)]
struct SyncDoc {
    schema: u32,
    sources: Vec<sources::SyncResult>,
}

fn sync(g: &Globals) -> Result<()> {
    let mut s = session(g)?;
    let results = sources::sync(g, &s.dirs, &s.config, s.runner.as_mut());
    let workers: usize = results.iter().map(|r| r.workers).sum();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.status == "failed" || r.message.is_some())
        .map(|r| format!("{} ({})", r.name, r.message.clone().unwrap_or_default()))
        .collect();
    if g.json {
        write(report::print_json(&SyncDoc {
            schema: SCHEMA,
            sources: results,
        }))?;
    } else if g.verbosity >= 0 {
        let mut line = format!("{} sources, {workers} workers", s.config.sources.len());
        if !failed.is_empty() {
            line.push_str(&format!(", {} failed: {}", failed.len(), failed.join(", ")));
        }
        eprintln!("{line}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Reported(format!(
            "{} source(s) could not be synced",
            failed.len()
        )))
    }
}

fn session(g: &Globals) -> Result<install::Session<'_>> {
    let dirs = crate::dirs::Dirs::from_env()?;
    let runner = crate::exec::SystemRunner {
        log_dir: dirs.cache.join("logs"),
        verbose: g.verbosity > 0,
        quiet: g.verbosity < 0,
    };
    crate::exec::interrupted();
    install::Session::new(g, Box::new(runner))
}

fn detection() -> Result<Detection> {
    detect::decide(&detect::probe()).map_err(Error::Usage)
}

/// Loads every source; problems are reported on stderr (text mode) and kept for JSON.
/// Loads the catalog without printing its problems (the caller reports them).
pub fn load_quiet(g: &Globals) -> Result<Catalog> {
    let mut quiet = g.clone();
    quiet.verbosity = -1;
    load(&quiet)
}

pub fn load(g: &Globals) -> Result<Catalog> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", "the working directory", e))?;
    let mut catalog = Catalog::default();
    let dirs = crate::dirs::Dirs::from_env()?;
    let config = crate::config::Config::load(&sources::config_path(&dirs))?;
    match catalog::resolve_root(g.root.as_deref(), None, &cwd) {
        Some(root) => {
            // Absolute, because builds run in other directories.
            let root: PathBuf = cwd
                .join(root)
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            if !root.is_dir() {
                return Err(Error::Failed {
                    message: format!("catalog root {} is not a directory", root.display()),
                    help: Some("--root (or RBEE_WORKERS_ROOT) must name a directory whose bin/ holds worker crates".into()),
                });
            }
            let source = Source {
                name: "local".into(),
                kind: SourceKind::Local,
                location: root.display().to_string(),
                root: root.clone(),
                trusted: true,
            };
            catalog::discover(Arc::new(source), &mut catalog);
        }
        None if config.sources.is_empty() && g.verbosity >= 0 && !g.json => {
            eprintln!(
                "note: no local catalog here (no ancestor of {} has bin/*/worker.toml) and no sources; use --root DIR, RBEE_WORKERS_ROOT or `rbee-workers source add`",
                cwd.display()
            );
        }
        None => {}
    }
    for s in &config.sources {
        if !sources::add_source(&dirs, s, &mut catalog) && g.verbosity >= 0 && !g.json {
            eprintln!(
                "warning: source `{}` has not been synced yet; run `rbee-workers sync`",
                s.name
            );
        }
    }
    if !g.json && g.verbosity >= 0 {
        report::print_problems(&catalog.problems);
    }
    Ok(catalog)
}

fn write(r: std::io::Result<()>) -> Result<()> {
    r.map_err(|e| Error::io("write", Path::new("stdout"), e))
}

/// The installed database, for the `installed` field; unreadable means "nothing known".
fn installed_db() -> crate::db::Database {
    crate::dirs::Dirs::from_env()
        .ok()
        .and_then(|d| crate::db::read(&d.data).ok())
        .unwrap_or_default()
}

fn doc_of(
    db: &crate::db::Database,
    w: &crate::catalog::Worker,
    v: &crate::catalog::Variant,
) -> report::VariantDoc {
    let mut doc = report::variant_doc(w, v);
    doc.installed = db.installed.get(&v.id).map(|r| report::InstalledDoc {
        version: r.version.clone(),
        backend: r.backend.clone(),
        flavor: r.flavor.clone(),
        path: r
            .files
            .first()
            .map(|f| f.path.display().to_string())
            .unwrap_or_default(),
    });
    doc
}

fn list(g: &Globals, filter: &Filter, installed_only: bool) -> Result<()> {
    let catalog = load(g)?;
    let db = installed_db();
    let rows: Vec<_> = if installed_only {
        // Each install as it is recorded: from the source it came from, even if another
        // source now shadows that id.
        let mut rows = Vec::new();
        for r in db.installed.values() {
            let found = catalog
                .lookup(&format!("{}/{}", r.source, r.id))
                .or_else(|| catalog.lookup(&r.id));
            match found {
                Some(Target::Variant(w, v)) if filter.matches(v) => rows.push((w, v)),
                Some(_) => {}
                None if g.verbosity >= 0 => eprintln!(
                    "warning: {} is installed but no longer in the catalog",
                    r.id
                ),
                None => {}
            }
        }
        rows
    } else {
        catalog
            .variants()
            .into_iter()
            .filter(|(_, v)| filter.matches(v))
            .collect()
    };
    if g.json {
        let doc = CatalogDoc {
            schema: SCHEMA,
            workers: rows.iter().map(|(w, v)| doc_of(&db, w, v)).collect(),
            problems: catalog.problems.clone(),
            ranking: None,
            also_in: Vec::new(),
            recommendation: None,
        };
        return write(report::print_json(&doc));
    }
    if rows.is_empty() {
        eprintln!("no variants match");
        return Ok(());
    }
    if installed_only {
        let rows: Vec<_> = rows
            .iter()
            .map(|(w, v)| (*w, *v, &db.installed[&v.id]))
            .collect();
        return write(report::print(&report::installed_table(&rows)));
    }
    write(report::print(&report::variants_table(&rows)))
}

fn search(g: &Globals, terms: &[String]) -> Result<()> {
    let catalog = load(g)?;
    let mut hits: Vec<_> = catalog
        .variants()
        .into_iter()
        .filter_map(|(w, v)| catalog::search_rank(w, v, terms).map(|r| (r, w, v)))
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.id.cmp(&b.2.id)));
    if g.json {
        let db = installed_db();
        let mut by_id: Vec<_> = hits.iter().map(|(_, w, v)| doc_of(&db, w, v)).collect();
        by_id.sort_by(|a, b| a.id.cmp(&b.id));
        let doc = CatalogDoc {
            schema: SCHEMA,
            workers: by_id,
            problems: catalog.problems.clone(),
            ranking: Some(hits.iter().map(|(_, _, v)| v.id.clone()).collect()),
            also_in: Vec::new(),
            recommendation: None,
        };
        return write(report::print_json(&doc));
    }
    if hits.is_empty() {
        eprintln!("no variants match {}", terms.join(" "));
        return Ok(());
    }
    let rows: Vec<_> = hits.iter().map(|(_, w, v)| (*w, *v)).collect();
    write(report::print(&report::variants_table(&rows)))
}

fn not_found(catalog: &Catalog, id: &str) -> Error {
    Error::NotFound {
        id: id.to_string(),
        suggestions: catalog.suggest(id),
    }
}

/// Later sources that also provide `id`, for `info`.
fn also_in(catalog: &Catalog, id: &str) -> Vec<report::AlsoIn> {
    let shown = catalog.lookup(id).map(|t| match t {
        Target::Variant(w, _) | Target::Worker(w) => w,
    });
    let bare = id.rsplit('/').next().unwrap_or(id);
    catalog
        .workers
        .iter()
        .filter(|w| w.id == bare || w.variants.iter().any(|v| v.id == bare))
        .filter(|w| !shown.is_some_and(|s| std::ptr::eq(s, *w)))
        .map(|w| report::AlsoIn {
            source: w.source.name.clone(),
            version: w.version.to_string(),
        })
        .collect()
}

fn info(g: &Globals, id: &str) -> Result<()> {
    let catalog = load(g)?;
    let others = also_in(&catalog, id);
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
    match catalog.lookup(id).ok_or_else(|| not_found(&catalog, id))? {
        Target::Variant(w, v) => {
            if g.json {
                let doc = CatalogDoc {
                    schema: SCHEMA,
                    workers: vec![doc_of(&installed_db(), w, v)],
                    problems: catalog.problems.clone(),
                    ranking: None,
                    also_in: others,
                    recommendation: None,
                };
                return write(report::print_json(&doc));
            }
            let mut text = report::variant_info(w, v);
            let installed = match doc_of(&installed_db(), w, v).installed {
                Some(i) => format!("{} ({}, {}) {}", i.version, i.backend, i.flavor, i.path),
                None => "no".into(),
            };
            text.push_str(&format!("Installed       : {installed}\n"));
            write(report::print(&note(text)))
        }
        Target::Worker(w) => {
            let d = detection()?;
            let rec = detect::recommend(w, &d);
            if g.json {
                let db = installed_db();
                let workers = w
                    .variants
                    .iter()
                    .map(|v| {
                        let mut doc = doc_of(&db, w, v);
                        doc.recommended = Some(rec.as_ref().is_some_and(|(r, _)| r.id == v.id));
                        doc
                    })
                    .collect();
                let doc = CatalogDoc {
                    schema: SCHEMA,
                    workers,
                    problems: catalog.problems.clone(),
                    ranking: None,
                    also_in: others,
                    recommendation: rec.as_ref().map(|(v, why)| Recommendation {
                        id: v.id.clone(),
                        reason: why.clone(),
                    }),
                };
                return write(report::print_json(&doc));
            }
            let rec = rec.as_ref().map(|(v, why)| (*v, why.as_str()));
            write(report::print(&note(report::worker_info(w, rec))))
        }
    }
}
