//! `pkgbuild` and `formula`: resolve a variant, gather what its flavour needs (checksums,
//! the local tarball), render, and write to stdout or atomically into `--out DIR`.

use crate::catalog::{Catalog, Target, Variant, Worker};
use crate::context::Context;
use crate::dirs::Dirs;
use crate::error::{Error, Result};
use crate::render::arch::{self, Archive};
use crate::render::brew;
use crate::render::Engine;
use crate::report::{self, Answer};
use crate::{atomic, fetch, pack};
use std::path::{Path, PathBuf};

/// Files a render produced, for `--out`.
pub struct Rendered {
    pub files: Vec<(String, Vec<u8>)>,
}

pub fn engine(templates: Option<&Path>, dirs: &Dirs) -> Engine {
    let mut search = Vec::new();
    if let Some(t) = templates {
        search.push(t.to_path_buf());
    }
    search.push(dirs.templates());
    Engine::new(search)
}

/// The variant an id names; a worker id is a usage error that lists its variants.
pub fn variant<'c>(catalog: &'c Catalog, id: &str) -> Result<(&'c Worker, &'c Variant)> {
    match catalog.lookup(id) {
        Some(Target::Variant(w, v)) => Ok((w, v)),
        Some(Target::Worker(w)) => Err(Error::Usage(format!(
            "`{id}` is a worker; name one of its variants: {}",
            w.variants
                .iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Err(super::not_found(catalog, id)),
    }
}

/// The release tarball's sha256: pinned, or downloaded and hashed.
pub fn release_sha256(cx: &Context, w: &Worker) -> Result<String> {
    let url = w.upstream.tarball.as_deref().ok_or_else(|| Error::MissingUpstream {
        message: format!("worker `{}` has no release tarball URL", w.id),
        help: "set [source].tarball in worker.toml (GitHub repositories get a default), or use another flavour".into(),
    })?;
    fetch::release_sha256(
        url,
        w.upstream.sha256.as_deref(),
        &cx.dirs.cache,
        cx.offline,
        cx.verbosity < 0,
    )
}

/// Whether the local tarball is written, or only hashed (for a plan, which writes it later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pack {
    Write,
    HashOnly,
}

/// The local flavour's archive of `v` as it lands in `dir`: the tarball packed there, or only
/// its sha256 computed; with the tarball's path.
pub fn local_archive(w: &Worker, v: &Variant, dir: &Path, how: Pack) -> Result<(Archive, PathBuf)> {
    local_archive_named(w, &v.id, dir, how)
}

/// [`local_archive`] named `{name}-{pkgver}` (the worker's id for a split package).
fn local_archive_named(
    w: &Worker,
    name: &str,
    dir: &Path,
    how: Pack,
) -> Result<(Archive, PathBuf)> {
    let Archive::Local {
        file_name,
        top_dir,
        subdir,
        ..
    } = Archive::local_named(w, name, String::new())
    else {
        unreachable!("Archive::local makes a local archive")
    };
    let dest = dir.join(&file_name);
    let root = w.krate.build_root();
    let sha256 = match how {
        Pack::Write => pack::pack(root, &top_dir, &dest)?,
        Pack::HashOnly => pack::digest(root, &top_dir, &dest)?,
    };
    Ok((
        Archive::Local {
            file_name,
            top_dir,
            subdir,
            sha256,
        },
        dest,
    ))
}

/// Renders the PKGBUILD (and .SRCINFO) of `v` in `flavor`. For `local`, packs the source
/// tree into `tarball_dir`.
pub fn render_pkgbuild(
    cx: &Context,
    engine: &Engine,
    w: &Worker,
    v: &Variant,
    flavor: arch::Flavor,
    tarball_dir: &Path,
) -> Result<(arch::Pkgbuild, String, String, Option<PathBuf>)> {
    // Fail on a variant without Linux before any download or packing.
    arch::require_linux(v)?;
    let (archive, tarball) = archive_for(cx, w, &v.id, flavor, tarball_dir)?;
    let model = arch::model(w, v, &archive)?;
    let pkgbuild = engine.render(flavor.template(), &model)?;
    let srcinfo = arch::srcinfo(&model);
    Ok((model, pkgbuild, srcinfo, tarball))
}

/// The source archive of `w`'s `flavor` (named `name` for the local tarball), packed into
/// `tarball_dir` for the local flavour.
fn archive_for(
    cx: &Context,
    w: &Worker,
    name: &str,
    flavor: arch::Flavor,
    tarball_dir: &Path,
) -> Result<(Archive, Option<PathBuf>)> {
    Ok(match flavor {
        arch::Flavor::Release => (
            Archive::Release {
                sha256: release_sha256(cx, w)?,
            },
            None,
        ),
        arch::Flavor::Git => (Archive::Git, None),
        arch::Flavor::Local => {
            let (archive, dest) = local_archive_named(w, name, tarball_dir, Pack::Write)?;
            (archive, Some(dest))
        }
    })
}

/// Renders the split PKGBUILD (and .SRCINFO) of all of `w`'s Linux variants.
pub fn render_split(
    cx: &Context,
    engine: &Engine,
    w: &Worker,
    flavor: arch::Flavor,
    tarball_dir: &Path,
) -> Result<(String, String, String, Option<PathBuf>)> {
    if !w.variants.iter().any(|v| arch::require_linux(v).is_ok()) {
        // The model says why; fail before any download or packing.
        arch::split_model(w, &Archive::Git)?;
    }
    let (archive, tarball) = archive_for(cx, w, &w.id, flavor, tarball_dir)?;
    let model = arch::split_model(w, &archive)?;
    let pkgbuild = engine.render(arch::SPLIT_TEMPLATE, &model)?;
    let srcinfo = arch::split_srcinfo(&model);
    Ok((model.pkgbase, pkgbuild, srcinfo, tarball))
}

pub fn pkgbuild_cmd(
    cx: &Context,
    catalog: &Catalog,
    id: &str,
    flavor: arch::Flavor,
    srcinfo_only: bool,
    out: Option<&Path>,
    templates: Option<&Path>,
) -> Result<Answer> {
    let engine = engine(templates, &cx.dirs);
    let scratch;
    let tarball_dir = match out {
        Some(dir) => dir.to_path_buf(),
        None => {
            scratch =
                tempfile::tempdir().map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
            scratch.path().to_path_buf()
        }
    };
    // A bare worker id is the split package of all its Linux variants.
    let (w, name, pkgbuild, srcinfo, tarball) = match catalog.lookup(id) {
        Some(Target::Worker(w)) => {
            let (name, pkgbuild, srcinfo, tarball) =
                render_split(cx, &engine, w, flavor, &tarball_dir)?;
            (w, name, pkgbuild, srcinfo, tarball)
        }
        _ => {
            let (w, v) = variant(catalog, id)?;
            let (model, pkgbuild, srcinfo, tarball) =
                render_pkgbuild(cx, &engine, w, v, flavor, &tarball_dir)?;
            (w, model.pkgname, pkgbuild, srcinfo, tarball)
        }
    };
    if let Err(why) = arch::locked(w, flavor) {
        report::warn(&format!(
            "the PKGBUILD builds without --locked/--frozen: {why} ({})",
            arch::LOCK_HELP
        ));
    }
    match out {
        Some(dir) => {
            atomic::write(&dir.join("PKGBUILD"), pkgbuild.as_bytes())?;
            atomic::write(&dir.join(".SRCINFO"), srcinfo.as_bytes())?;
            report::say(&format!(
                "wrote {}/PKGBUILD and .SRCINFO for {name} {}",
                dir.display(),
                arch::pkgver(&w.version)
            ));
            if let Some(t) = tarball {
                report::say(&format!("wrote {}", t.display()));
            }
            Ok(Answer::nothing())
        }
        None => {
            if tarball.is_some() {
                report::say("note: the local flavour needs its source tarball beside the PKGBUILD; use --out DIR to write both");
            }
            let text = if srcinfo_only { srcinfo } else { pkgbuild };
            report::artifact(&text)?;
            Ok(Answer::nothing())
        }
    }
}

pub fn render_formula(
    cx: &Context,
    engine: &Engine,
    w: &Worker,
    v: &Variant,
    flavor: brew::Flavor,
) -> Result<(brew::Formula, String)> {
    // Check macOS support before downloading anything.
    brew::require_macos(v)?;
    let sha = match flavor {
        brew::Flavor::Release => Some(release_sha256(cx, w)?),
        brew::Flavor::Head => None,
    };
    let model = brew::model(w, v, flavor, sha)?;
    let text = engine.render(flavor.template(), &model)?;
    Ok((model, text))
}

pub fn formula_cmd(
    cx: &Context,
    catalog: &Catalog,
    id: &str,
    flavor: brew::Flavor,
    out: Option<&Path>,
    templates: Option<&Path>,
) -> Result<Answer> {
    let (w, v) = variant(catalog, id)?;
    let engine = engine(templates, &cx.dirs);
    let (model, text) = render_formula(cx, &engine, w, v, flavor)?;
    match out {
        Some(dir) => {
            let path = dir.join(&model.file_name);
            atomic::write(&path, text.as_bytes())?;
            report::say(&format!("wrote {}", path.display()));
        }
        None => report::artifact(&text)?,
    }
    Ok(Answer::nothing())
}
