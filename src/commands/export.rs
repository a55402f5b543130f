//! `export DIR`: the catalog as static files any web host can serve, and an `index` source
//! can read back. Written into a fresh sibling directory and swapped in, so a host never
//! serves a half-written export.
//!
//! Layout (documented in the README):
//! - `index.json`: the `list --json` document (`GET /workers`)
//! - `workers/{id}.json`: one variant (`GET /workers/{id}`)
//! - `workers/{id}/{release,git}/PKGBUILD` and `.SRCINFO`, for variants that run on Linux
//! - `workers/{id}/{release,head}/{id}.rb`, for variants that run on macOS
//! - `index.html`, `style.css` and `w/{worker}/index.html`: the web catalog's pages (`web`)

use crate::artifacts::{self, Artifact};
use crate::catalog::Catalog;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::problem::Problem;
use crate::report::{self, Answer};
use crate::wire::{CatalogDoc, SCHEMA};
use crate::{atomic, package};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct Summary {
    pub variants: usize,
    pub files: usize,
    pub skipped: Vec<Problem>,
    /// The same skips for a person: (why, what was not exported, the manifest), so one
    /// reason — an unpinned tarball offline, shared by every variant — is said once.
    pub skipped_because: Vec<(String, String, std::path::PathBuf)>,
}

fn json_bytes<T: serde::Serialize>(doc: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(doc).expect("report types serialize");
    b.push(b'\n');
    b
}

/// Writes every file of the export into `out` (an empty directory).
pub fn write_tree(cx: &Context, catalog: &Catalog, out: &Path) -> Result<Summary> {
    let engine = package::engine(None, &cx.dirs);
    let mut summary = Summary::default();
    let mut offers = Vec::new();
    let variants = catalog.variants();
    let scratch = tempfile::tempdir().map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
    // Each directory is made before its files are written, so a file costs one open
    // (`workers/` with the first variant's document, a variant's own with its first artifact).
    for (w, v) in &variants {
        summary.variants += 1;
        let base = out.join("workers").join(&v.id);
        let one = CatalogDoc {
            schema: SCHEMA,
            workers: vec![crate::wire::variant_doc(w, v)],
            problems: Vec::new(),
            ranking: None,
            also_in: Vec::new(),
            recommendation: None,
        };
        atomic::write_unsynced(
            &out.join("workers").join(format!("{}.json", v.id)),
            &json_bytes(&one),
        )?;
        summary.files += 1;
        // What serve answers and check renders, from the same policy; a release render that
        // cannot get its checksum (no pin, no network) is skipped with a warning. Only an
        // artifact that is written gets its directory.
        for (artifact, _) in artifacts::offered(w, v, false) {
            let d = base.join(artifact.flavor_name());
            let written = match artifact {
                Artifact::Pkgbuild(flavor) => {
                    package::render_pkgbuild(cx, &engine, w, v, flavor, scratch.path()).and_then(
                        |(_, pkgbuild, srcinfo, _)| {
                            atomic::make_dir(&d)?;
                            atomic::write_unsynced(&d.join("PKGBUILD"), pkgbuild.as_bytes())?;
                            atomic::write_unsynced(&d.join(".SRCINFO"), srcinfo.as_bytes())?;
                            Ok(2)
                        },
                    )
                }
                Artifact::Formula(flavor) => package::render_formula(cx, &engine, w, v, flavor)
                    .and_then(|(model, text)| {
                        atomic::make_dir(&d)?;
                        atomic::write_unsynced(&d.join(&model.file_name), text.as_bytes())?;
                        Ok(1)
                    }),
            };
            let missing = written.as_ref().err().map(ToString::to_string);
            offers.extend(super::web::exported_offers(&v.id, artifact, missing));
            match written {
                Ok(n) => summary.files += n,
                // Ctrl-C during a download: stop, rather than export without it.
                Err(Error::Interrupted) => return Err(Error::Interrupted),
                Err(e) => {
                    let what = format!("{} {}", v.id, artifact.describe());
                    summary.skipped.push(Problem::warning(
                        &w.manifest_path,
                        format!("{what} not exported: {e}"),
                    ));
                    summary
                        .skipped_because
                        .push((e.to_string(), what, w.manifest_path.clone()));
                }
            }
        }
    }
    let mut problems = catalog.problems.clone();
    problems.extend(summary.skipped.iter().cloned());
    let index = CatalogDoc {
        schema: SCHEMA,
        // Publish the checksum the release renders used, pinned or computed, so a client
        // building from this index can verify the tarball before unpacking it.
        workers: variants
            .iter()
            .map(|(w, v)| {
                let mut doc = crate::wire::variant_doc(w, v);
                if doc.upstream.sha256.is_none() && doc.upstream.tarball.is_some() {
                    doc.upstream.sha256 = package::release_sha256(cx, w).ok();
                }
                doc
            })
            .collect(),
        problems,
        ranking: None,
        also_in: Vec::new(),
        recommendation: None,
    };
    // A checksum lost to Ctrl-C is not an unpublished one.
    crate::exec::check_interrupted()?;
    atomic::write_unsynced(&out.join("index.json"), &json_bytes(&index))?;
    summary.files += 1;
    summary.files += super::web::write_pages(out, &index.workers, &offers)?;
    Ok(summary)
}

/// Marks a directory as an export, so a later export may replace it (and nothing else).
pub const MARKER: &str = ".rbee-export";

/// Refuses to replace anything that is not an earlier export, or that holds the catalog.
fn check_destination(catalog: &Catalog, dest: &Path) -> Result<()> {
    let holds_catalog = catalog.workers.iter().any(|w| {
        let dir = if w.dir.as_os_str().is_empty() {
            &w.source.root
        } else {
            &w.dir
        };
        dir.starts_with(dest) || w.source.root.starts_with(dest)
    });
    if holds_catalog {
        return Err(Error::Usage(format!(
            "refusing to export into {}: it holds the catalog itself",
            dest.display()
        )));
    }
    let non_empty = std::fs::read_dir(dest).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !dest.join(MARKER).is_file() {
        return Err(Error::Refused {
            message: format!("refusing to replace {}: it exists and is not an rbee-workers export", dest.display()),
            help: "export into a new or empty directory; an earlier export (it has a .rbee-export file) is replaced whole".into(),
        });
    }
    Ok(())
}

/// Puts `fresh` where `dest` is: an atomic exchange where the OS has one, so a web server
/// always finds the old tree or the new one.
fn swap_in(fresh: &Path, dest: &Path) -> Result<()> {
    if !dest.exists() {
        return std::fs::rename(fresh, dest).map_err(|e| Error::io("move into place", dest, e));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        if renameat_with(CWD, fresh, CWD, dest, RenameFlags::EXCHANGE).is_ok() {
            // `fresh` now holds the old tree.
            let _ = std::fs::remove_dir_all(fresh);
            return Ok(());
        }
    }
    let parent = dest.parent().unwrap_or(Path::new("/"));
    let old = parent.join(format!(
        ".{}.old-{}",
        dest.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::rename(dest, &old).map_err(|e| Error::io("move aside", dest, e))?;
    std::fs::rename(fresh, dest).map_err(|e| Error::io("move into place", dest, e))?;
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}

/// One warning per reason and manifest (an unpinned tarball offline is one reason for every
/// variant of its worker), naming everything it kept out.
fn grouped(skips: &[(String, String, std::path::PathBuf)]) -> Vec<Problem> {
    // In first-seen order, found by a hash (a scan of the groups per skip was quadratic:
    // 40,000 skips of 10,000 workers offline).
    let mut groups: Vec<(&str, &std::path::Path, Vec<&str>)> = Vec::new();
    let mut at: std::collections::HashMap<(&str, &std::path::Path), usize> = Default::default();
    for (why, what, path) in skips {
        match at.get(&(why.as_str(), path.as_path())) {
            Some(&i) => groups[i].2.push(what),
            None => {
                at.insert((why, path), groups.len());
                groups.push((why, path, vec![what]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(why, path, whats)| {
            Problem::warning(path, format!("not exported: {} ({why})", whats.join(", ")))
        })
        .collect()
}

/// `export DIR`: build the tree beside DIR, then swap it in.
/// `export DIR` as the command runs it: the catalog of every source, then a summary.
pub fn run(
    cx: &Context,
    dir: &Path,
    publish: &super::publish::Publish,
    db: Option<&str>,
) -> Result<Answer> {
    let mut catalog = super::load(cx)?;
    // `--db`: the registry's counts as of now, in every variant document of the export.
    if let Some(url) = db {
        let tallies = crate::registry::block_on(async {
            crate::registry::Store::open(url).await?.snapshot().await
        })?;
        let (day, none) = (super::community::today(), Default::default());
        for w in &mut catalog.workers {
            let t = tallies.get(&w.id).unwrap_or(&none);
            std::sync::Arc::make_mut(w).counts = Some(super::community::counts_of(t, day));
        }
    }
    let summary = export(cx, &catalog, dir, publish)?;
    report::problems(&grouped(&summary.skipped_because));
    let doc = serde_json::json!({
        "schema": SCHEMA,
        "dir": std::path::absolute(dir).unwrap_or(dir.to_path_buf()),
        "variants": summary.variants,
        "files": summary.files,
        "skipped": summary.skipped,
    });
    Ok(Answer::new(&doc, "").note(format!(
        "exported {} variants ({} files) to {}",
        summary.variants,
        summary.files,
        dir.display()
    )))
}

pub fn export(
    cx: &Context,
    catalog: &Catalog,
    dest: &Path,
    publish: &super::publish::Publish,
) -> Result<Summary> {
    let dest: PathBuf = std::path::absolute(dest)
        .map_err(|e| Error::io("resolve", dest, e))?
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    check_destination(catalog, &dest)?;
    let parent = dest.parent().unwrap_or(Path::new("/")).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let fresh = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a directory in", &parent, e))?;
    let summary = write_tree(cx, catalog, fresh.path())?;
    super::publish::apply(fresh.path(), publish)?;
    atomic::write_unsynced(
        &fresh.path().join(MARKER),
        concat!("rbee-workers ", env!("CARGO_PKG_VERSION"), "\n").as_bytes(),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(fresh.path(), std::fs::Permissions::from_mode(0o755));
    }
    // Durable once, whole, before anyone can see it: a crash leaves the previous export.
    atomic::sync_tree(fresh.path())?;
    let fresh = fresh.keep();
    swap_in(&fresh, &dest).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&fresh);
    })?;
    atomic::sync_dir(&parent)?;
    Ok(summary)
}
