//! Canaries for override templates. Built-in templates are proven by property tests; a
//! user's override could still place a value where bash expands it again (a heredoc body,
//! `$(( ))`, an array subscript, `eval`) in a way the lint does not see. So when any bash
//! template is overridden, `check` renders every PKGBUILD again with values that create a
//! file if anything ever runs them, sources the result and runs each of its functions with
//! every external command a no-op, and reports each value that fired, naming the field.

use crate::artifacts::{self, Artifact};
use crate::catalog::{Catalog, Worker};
use crate::exec::{CommandSpec, Runner};
use crate::problem::Problem;
use crate::render::{arch, Engine, BUILTIN};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The fields a canary goes into, and the file it creates when it runs. Each runs through
/// command substitution, backquotes and an arithmetic subscript, using builtins only.
const FIELDS: &[&str] = &["description", "license", "homepage", "tags"];

fn canary(field: &str) -> String {
    let f = format!("rbee-canary-{field}");
    format!("x $(: >{f}-dollar) `: >{f}-backquote` a[$(: >{f}-subscript)] y")
}

/// Whether any bash template is overridden in `dirs` (the search path of the engine).
pub fn overridden(dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|d| {
        BUILTIN
            .iter()
            .any(|(name, _)| name.ends_with(".PKGBUILD.j2") && d.join(name).is_file())
    })
}

fn with_canaries(w: &Worker) -> Worker {
    let mut w = w.clone();
    w.description = canary("description");
    w.license = Some(canary("license"));
    w.homepage = Some(canary("homepage"));
    w.tags = vec![canary("tags")];
    w
}

/// Runs the canaries over every PKGBUILD of the catalog; a problem per value that ran.
pub fn check(
    catalog: &Catalog,
    engine: &Engine,
    scratch: &Path,
    runner: &mut dyn Runner,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (n, w) in catalog.workers.iter().enumerate() {
        let w = with_canaries(w);
        for (i, v) in w.variants.iter().enumerate() {
            for (artifact, available) in artifacts::offered(&w, v, true) {
                let (Artifact::Pkgbuild(flavor), Ok(())) = (artifact, available) else {
                    continue;
                };
                let archive =
                    super::check::placeholder_archive(&w, v, flavor, super::check::PLACEHOLDER_SHA);
                // A render that fails is reported by the gate's own render.
                let Ok(text) =
                    arch::model(&w, v, &archive).and_then(|m| engine.render(flavor.template(), &m))
                else {
                    continue;
                };
                let dir = scratch.join(format!("canary-{n}-{i}-{}", flavor.name()));
                for fired in run(&dir, &text, runner) {
                    problems.push(Problem::error(
                        &w.manifest_path,
                        format!(
                            "the override template for the {} PKGBUILD of {} runs the value of `{fired}` as code (a canary placed in it ran); print values only where bash does not expand them again",
                            flavor.name(),
                            v.id
                        ),
                    ));
                }
            }
        }
    }
    problems.sort_by(|a, b| a.message.cmp(&b.message));
    problems.dedup();
    problems
}

/// Sources the PKGBUILD in `dir` and runs its functions with externals stubbed out; the
/// fields whose canary fired.
fn run(dir: &Path, text: &str, runner: &mut dyn Runner) -> Vec<&'static str> {
    let (src, pkg) = (dir.join("src"), dir.join("pkg"));
    if std::fs::create_dir_all(&src).is_err() || std::fs::create_dir_all(&pkg).is_err() {
        return Vec::new();
    }
    if std::fs::write(dir.join("PKGBUILD"), text).is_err() {
        return Vec::new();
    }
    // Every external command is a no-op, but bash and sh stay real, so `bash -c "$value"`
    // is caught like `eval "$value"`.
    let script = r#"b=$(command -v bash) || exit 0
mkdir -p "$startdir/.bin" && ln -sf "$b" "$startdir/.bin/bash" && ln -sf "$b" "$startdir/.bin/sh"
command_not_found_handle() { return 0; }
PATH="$startdir/.bin"
source ./PKGBUILD >/dev/null 2>&1
for f in pkgver prepare build check package; do
  if declare -F "$f" >/dev/null; then ( cd "$srcdir" 2>/dev/null; "$f" ) >/dev/null 2>&1; fi
done
exit 0"#;
    let spec = CommandSpec::new("bash")
        .args(["--noprofile", "--norc", "-c", script])
        .cwd(dir)
        .env("srcdir", src.display().to_string())
        .env("pkgdir", pkg.display().to_string())
        .env("startdir", dir.display().to_string())
        .env("HOME", dir.display().to_string());
    let _ = runner.attempt(&spec, Duration::from_secs(10));
    FIELDS
        .iter()
        .copied()
        .filter(|f| fired(dir, &format!("rbee-canary-{f}-")))
        .collect()
}

/// Whether a file whose name starts with `prefix` exists anywhere under `dir`.
fn fired(dir: &Path, prefix: &str) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.flatten().any(|e| {
        let ty = e.file_type();
        e.file_name().to_string_lossy().starts_with(prefix)
            || ty.is_ok_and(|t| t.is_dir()) && fired(&e.path(), prefix)
    })
}
