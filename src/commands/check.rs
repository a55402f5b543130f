//! `check`: the deployment gate. Renders every worker × variant × flavour, judges the
//! PKGBUILDs with `bash -n` and `shellcheck` (when present) and the formulas by Homebrew's
//! rules, and reports every problem with its location in one run. The external checkers
//! (concurrent, cached by content) are in `checkers.rs`.

use crate::artifacts::{self, Artifact};
use crate::catalog::{Catalog, SourceKind, Variant, Worker};
use crate::dirs::Dirs;
use crate::error::Result;
use crate::exec::Runner;
use crate::problem::{Problem, Severity};
use crate::render::{arch, brew, Engine};
use std::path::PathBuf;

/// Stands in for a checksum check doesn't download; only the form of the file is judged.
pub(super) const PLACEHOLDER_SHA: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

pub use crate::wire::{CheckDoc as Report, Checked};

/// A rendered file for the external checkers, with the worker it is reported against.
pub(super) struct Script {
    /// Its name in the scratch directory, unique in the run.
    pub(super) file: String,
    pub(super) text: String,
    /// A PKGBUILD's shape (its render by [`Engine::shapes`]), for shellcheck; none for a
    /// formula, or when a bash template is overridden (an override's values are not
    /// known to stand where the built-in templates put them).
    pub(super) shape: Option<String>,
    pub(super) manifest: PathBuf,
    pub(super) what: String,
}

/// `check`: the gate over every source; exit 4 when an error remains.
pub fn run(cx: &crate::context::Context, changed: Option<&str>) -> Result<crate::report::Answer> {
    let mut catalog = super::load_quiet(cx)?;
    if let Some(rev) = changed {
        let picked = super::changed::workers(cx, &catalog, rev)?;
        catalog.workers.retain(|w| picked.ids.contains(&w.id));
        catalog.problems.retain(|p| picked.keeps_problem(&p.path));
        if catalog.workers.is_empty() && catalog.problems.is_empty() {
            return Ok(crate::report::Answer::nothing()
                .note(format!("no worker changed since {rev}: nothing to check")));
        }
    }
    let mut runner = super::system_runner(cx);
    let doc = check(&cx.dirs, &catalog, &mut runner)?;
    if !crate::report::mode().json {
        crate::report::print_check(&doc);
    }
    let answer = crate::report::Answer::new(&doc, "");
    Ok(if doc.ok {
        answer
    } else {
        answer.then(crate::error::Error::GateFailed)
    })
}

pub fn check(dirs: &Dirs, catalog: &Catalog, runner: &mut dyn Runner) -> Result<Report> {
    let engine = crate::package::engine(None, dirs);
    let overridden = super::canary::overridden(&[dirs.templates()]);
    let shapes = (!overridden && crate::exec::tool_exists("shellcheck"))
        .then(|| Engine::shapes(vec![dirs.templates()]));
    let scratch = tempfile::tempdir()
        .map_err(|e| crate::error::Error::io("create", std::env::temp_dir(), e))?;
    let mut problems = catalog.problems.clone();
    // Every worker dependency exists, is met by the catalog's version, and no worker
    // depends on itself (DESIGN section 8), located at the requirement.
    problems.extend(crate::deps::check(catalog));
    let mut checked = Checked::default();
    let mut scripts = Vec::new();
    let mut formulas = Vec::new();
    for w in &catalog.workers {
        checked.workers += 1;
        tree_problems(w, &mut problems);
        unlocked_renders(w, &mut problems);
        if let Some(problem) = stale_lock(w) {
            problems.push(problem);
        }
        if w.upstream.sha256.is_none() && w.upstream.tarball.is_some() {
            problems.push(Problem::warning(
                &w.manifest_path,
                format!(
                    "no pinned [source].sha256: release renders download {} to hash it",
                    w.upstream.tarball.as_deref().unwrap_or_default()
                ),
            ));
        }
        for v in &w.variants {
            checked.variants += 1;
            // DESIGN lets [worker]/[variants.X].binary name the binary; the gate checks that
            // the variant's build really produces it, or install would fail.
            let built = w.krate.bins_built_with(&v.feature);
            if !w.krate.bins.is_empty() && !built.iter().any(|b| b.name == v.binary) {
                let list = built
                    .iter()
                    .map(|b| format!("`{}`", b.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                problems.push(Problem::error(
                    &w.manifest_path,
                    format!(
                        "variant `{}` installs binary `{}`, but `--no-default-features --features {}` does not build it; it builds {}",
                        v.id,
                        v.binary,
                        v.feature,
                        if list.is_empty() { "no binary".to_string() } else { list }
                    ),
                ));
            }
            render_variant(
                w,
                v,
                &engine,
                shapes.as_ref(),
                &mut checked,
                &mut problems,
                &mut scripts,
                &mut formulas,
            );
        }
    }
    if catalog.workers.is_empty() {
        problems.push(Problem::warning(
            "(catalog)",
            "no workers found: is --root (or the working directory) the catalog? it needs bin/*/worker.toml",
        ));
    }
    if overridden {
        problems.extend(super::canary::check(
            catalog,
            &engine,
            scratch.path(),
            runner,
        ));
    }
    let mut skipped = Vec::new();
    let judged = super::checkers::judge(dirs, runner, scratch.path(), &scripts, &formulas)?;
    problems.extend(judged.problems);
    skipped.extend(judged.skipped);
    problems.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
    });
    problems.dedup();
    let ok = !problems.iter().any(|p| p.severity == Severity::Error);
    Ok(Report {
        schema: crate::wire::SCHEMA,
        ok,
        checked,
        problems,
        skipped,
    })
}

/// The source a `check` render of `flavor` names: `release_sha` for a release tarball (the
/// pinned sum, else the placeholder), the placeholder for the local tarball, nothing
/// downloaded or packed.
pub(super) fn placeholder_archive(
    w: &Worker,
    v: &Variant,
    flavor: arch::Flavor,
    release_sha: &str,
) -> arch::Archive {
    match flavor {
        arch::Flavor::Release => arch::Archive::Release {
            sha256: release_sha.to_string(),
        },
        arch::Flavor::Git => arch::Archive::Git,
        arch::Flavor::Local => arch::Archive::local(w, v, PLACEHOLDER_SHA.into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_variant(
    w: &Worker,
    v: &crate::catalog::Variant,
    engine: &Engine,
    shapes: Option<&Engine>,
    checked: &mut Checked,
    problems: &mut Vec<Problem>,
    scripts: &mut Vec<Script>,
    formulas: &mut Vec<Script>,
) {
    let sha = w
        .upstream
        .sha256
        .clone()
        .unwrap_or_else(|| PLACEHOLDER_SHA.into());
    if arch::require_linux(v).is_ok() && w.upstream.git.is_none() && v.id == w.variants[0].id {
        // Release and -git builds need an upstream; without one (it is optional) those
        // flavours are not offered, which is worth a warning but is not an error.
        problems.push(Problem::warning(
            &w.manifest_path,
            format!("{} has no upstream ([source].git or Cargo `repository`): only the local flavour can be packaged", w.id),
        ));
    }
    for (artifact, available) in artifacts::offered(w, v, true) {
        if available.is_err() {
            continue;
        }
        match artifact {
            Artifact::Pkgbuild(flavor) => {
                let archive = placeholder_archive(w, v, flavor, &sha);
                check_pkgbuild(
                    w, v, engine, shapes, flavor, &archive, checked, problems, scripts,
                );
            }
            Artifact::Formula(flavor) => {
                let sum = (flavor == brew::Flavor::Release).then(|| sha.clone());
                check_formula(w, v, engine, flavor, sum, checked, problems, formulas);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_pkgbuild(
    w: &Worker,
    v: &Variant,
    engine: &Engine,
    shapes: Option<&Engine>,
    flavor: arch::Flavor,
    archive: &arch::Archive,
    checked: &mut Checked,
    problems: &mut Vec<Problem>,
    scripts: &mut Vec<Script>,
) {
    let what = format!("{} PKGBUILD", flavor.name());
    let rendered = arch::model(w, v, archive)
        .and_then(|m| engine.render(flavor.template(), &m).map(|t| (m, t)));
    match rendered {
        Ok((model, text)) => {
            checked.renders += 2;
            // SKIP only for git sources: the -git flavour's repository, and submodules
            // pinned by `#commit=` (a commit hash pins them already).
            let skips = model
                .source
                .iter()
                .zip(&model.sha256sums)
                .any(|(src, sum)| {
                    sum == "SKIP"
                        && (flavor != arch::Flavor::Git || src != &model.source[0])
                        && !src.contains("#commit=")
                });
            if skips {
                problems.push(Problem::error(
                    &w.manifest_path,
                    format!(
                        "{} {what} uses SKIP: only the -git flavour and pinned submodules may",
                        v.id
                    ),
                ));
            }
            let file = format!("{}.{}.PKGBUILD", v.id, flavor.name());
            // Rendered from the same model: the same template, branches and word count.
            let shape = shapes.and_then(|e| e.render(flavor.template(), &model).ok());
            stage(&file, text, shape, w, format!("{} {what}", v.id), scripts);
        }
        Err(e) => problems.push(render_failed(w, v, &what, e)),
    }
}

/// Keeps a render for the external checkers to judge.
fn stage(
    file: &str,
    text: String,
    shape: Option<String>,
    w: &Worker,
    what: String,
    into: &mut Vec<Script>,
) {
    into.push(Script {
        file: file.to_string(),
        text,
        shape,
        manifest: w.manifest_path.clone(),
        what,
    });
}

fn render_failed(w: &Worker, v: &Variant, what: &str, e: crate::error::Error) -> Problem {
    Problem::error(
        &w.manifest_path,
        format!("{} {what} does not render: {e}", v.id),
    )
}

#[allow(clippy::too_many_arguments)]
fn check_formula(
    w: &Worker,
    v: &Variant,
    engine: &Engine,
    flavor: brew::Flavor,
    sum: Option<String>,
    checked: &mut Checked,
    problems: &mut Vec<Problem>,
    formulas: &mut Vec<Script>,
) {
    let what = format!("{} formula", flavor.name());
    match brew::model(w, v, flavor, sum)
        .and_then(|m| engine.render(flavor.template(), &m).map(|t| (m, t)))
    {
        Ok((_, text)) => {
            checked.renders += 1;
            for (line, finding) in brew::audit(&text) {
                let at = if line == 0 {
                    String::new()
                } else {
                    format!(" (formula line {line})")
                };
                problems.push(Problem::error(
                    &w.manifest_path,
                    format!(
                        "{} {what} breaks Homebrew's FormulaAudit rules: {finding}{at}",
                        v.id
                    ),
                ));
            }
            let file = format!("{}.{}.rb", v.id, flavor.name());
            stage(&file, text, None, w, format!("{} {what}", v.id), formulas);
        }
        Err(e) => problems.push(render_failed(w, v, &what, e)),
    }
}

/// What the source tree gives rendering that can be wrong: a needed submodule that cannot
/// be pinned, a branch that is not there, no smoke test of its own.
fn tree_problems(w: &Worker, problems: &mut Vec<Problem>) {
    if w.source.kind == SourceKind::Index {
        return;
    }
    for why in &w.tree.unresolved {
        problems.push(
            Problem::error(
                &w.manifest_path,
                format!("{}: a path dependency lies in a submodule that cannot be pinned: {why}; release and -git builds cannot fetch it", w.id),
            )
            .with_help("add the submodule with `git submodule add URL PATH` and commit it (its .gitmodules entry and its commit)"),
        );
    }
    if w.tree.branch_exists == Some(false) && w.upstream.git.is_some() {
        let p = Problem::warning(
            &w.manifest_path,
            format!(
                "branch `{}` that the -git and head flavours follow does not exist in the local checkout{}",
                w.upstream.branch,
                match &w.tree.default_branch {
                    Some(d) => format!(" (its default branch is `{d}`)"),
                    None => String::new(),
                }
            ),
        )
        .with_help("set [source].branch in worker.toml to a branch of the repository");
        problems.push(at_key(p, "source", Some("branch")));
    }
    let formulas = w.variants.iter().any(|v| {
        artifacts::offered(w, v, true)
            .into_iter()
            .any(|(a, ok)| matches!(a, Artifact::Formula(_)) && ok.is_ok())
    });
    if formulas && w.homepage.is_none() {
        problems.push(at_key(
            Problem::error(
                &w.manifest_path,
                format!("{} has no homepage: Homebrew's audit rejects its formulas (and its PKGBUILDs have no url=)", w.id),
            )
            .with_help("set [worker] homepage, or `homepage`/`repository` in Cargo.toml, or [source].git"),
            "worker",
            None,
        ));
    }
    if formulas && w.test.smoke.is_none() {
        problems.push(at_key(
            Problem::warning(
                &w.manifest_path,
                format!("{} has no [test] smoke: its formulas' `test do` only runs `--help`, which proves little", w.id),
            )
            .with_help("add [test] smoke = [\"{bin}\", …] (and expect = \"…\") to worker.toml"),
            "worker",
            None,
        ));
    }
}

/// One warning per reason a worker's PKGBUILDs are rendered unlocked, naming every render
/// it concerns (DESIGN section 3: check warns about every unlocked render, and says why).
fn unlocked_renders(w: &Worker, problems: &mut Vec<Problem>) {
    let mut by_why: Vec<(String, Vec<String>)> = Vec::new();
    for flavor in arch::Flavor::ALL {
        let Err(why) = arch::locked(w, flavor) else {
            continue;
        };
        let renders = w
            .variants
            .iter()
            .filter(|v| artifacts::has(w, v, Artifact::Pkgbuild(flavor)).is_ok());
        let names: Vec<String> = renders
            .map(|v| format!("{} {}", v.id, flavor.name()))
            .collect();
        if names.is_empty() {
            continue;
        }
        match by_why.iter_mut().find(|(w, _)| *w == why) {
            Some((_, all)) => all.extend(names),
            None => by_why.push((why, names)),
        }
    }
    for (why, renders) in by_why {
        problems.push(
            Problem::warning(
                &w.manifest_path,
                format!(
                    "PKGBUILDs built without --locked/--frozen ({}): {why}",
                    renders.join(", ")
                ),
            )
            .with_help(arch::LOCK_HELP),
        );
    }
}

/// Points a problem at `[table] key` (or the `[table]` header) of its worker.toml.
fn at_key(p: Problem, table: &str, key: Option<&str>) -> Problem {
    let Ok(text) = std::fs::read_to_string(&p.path) else {
        return p;
    };
    let span = toml::de::DeTable::parse(&text).ok().and_then(|root| {
        let t = crate::tomlread::get(root.get_ref(), table)?;
        match key {
            Some(k) => crate::tomlread::get(t.get_ref().as_table()?, k).map(|v| v.span()),
            None => Some(t.span()),
        }
    });
    match span {
        Some(span) => p.at(&text, span),
        None => p,
    }
}

/// A Cargo.lock that records another version of the worker's own package than Cargo.toml
/// says: every `--locked`/`--frozen` build (the PKGBUILDs', release builds) fails on it.
fn stale_lock(w: &Worker) -> Option<Problem> {
    let lock = w
        .krate
        .lockfile
        .as_ref()
        .filter(|_| w.source.kind != SourceKind::Index)?;
    let text = crate::tree::Tree::new(&w.source.root)
        .read_text(lock, "Cargo.lock", crate::tree::LOCK_LIMIT)
        .ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    let versions: Vec<&str> = doc
        .get("package")?
        .as_array()?
        .iter()
        .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some(w.krate.package.as_str()))
        .filter_map(|p| p.get("version").and_then(|v| v.as_str()))
        .collect();
    let want = w.version.to_string();
    if versions.is_empty() || versions.contains(&want.as_str()) {
        return None;
    }
    Some(
        Problem::error(
            lock,
            format!(
                "Cargo.lock is stale: it records {} {} but Cargo.toml says {want}; --locked builds (the PKGBUILDs) will fail",
                w.krate.package,
                versions.join(", ")
            ),
        )
        .with_help(format!("run `cargo update -p {}` (or any cargo build) and commit Cargo.lock", w.krate.package)),
    )
}
