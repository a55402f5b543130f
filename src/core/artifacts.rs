//! Which artifacts a variant has (DESIGN section 3): the one policy `check`, `export` and
//! `serve` ask, so they cannot disagree. A PKGBUILD needs a Linux platform, a formula a macOS
//! one; the release flavours need a tarball URL (and a PKGBUILD's, the repository it unpacks
//! from), the -git/head flavours a git repository, the local flavour a tree on this disk.

use crate::catalog::{SourceKind, Variant, Worker};
use crate::error::Error;
use crate::kinds::{ArchFlavor, BrewFlavor};
use crate::render::{arch, brew};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Artifact {
    /// A PKGBUILD and its .SRCINFO.
    Pkgbuild(ArchFlavor),
    Formula(BrewFlavor),
}

impl Artifact {
    pub fn flavor_name(self) -> &'static str {
        match self {
            Artifact::Pkgbuild(f) => f.name(),
            Artifact::Formula(f) => f.name(),
        }
    }

    /// `release PKGBUILD`, `head formula`, for messages.
    pub fn describe(self) -> String {
        match self {
            Artifact::Pkgbuild(f) => format!("{} PKGBUILD", f.name()),
            Artifact::Formula(f) => format!("{} formula", f.name()),
        }
    }
}

fn missing(w: &Worker, a: Artifact, what: &str, help: &str) -> Error {
    Error::MissingUpstream {
        message: format!(
            "{} has no {what}, so its {} has nothing to fetch",
            w.id,
            a.describe()
        ),
        help: help.into(),
    }
}

const NO_GIT: &str = "set [source].git in worker.toml or `repository` in Cargo.toml";
const NO_TARBALL: &str = "set [source].tarball in worker.toml (GitHub repositories get a default)";

/// Whether `v` has artifact `a`; the error says why not (`NoArtifact` for the platform,
/// `MissingUpstream` for what the manifest lacks).
pub fn has(w: &Worker, v: &Variant, a: Artifact) -> Result<(), Error> {
    match a {
        Artifact::Pkgbuild(f) => {
            arch::require_linux(v)?;
            match f {
                ArchFlavor::Release => {
                    if w.upstream.git.is_none() {
                        return Err(missing(w, a, "git repository", NO_GIT));
                    }
                    if w.upstream.tarball.is_none() {
                        return Err(missing(w, a, "release tarball URL", NO_TARBALL));
                    }
                }
                ArchFlavor::Git => {
                    if w.upstream.git.is_none() {
                        return Err(missing(w, a, "git repository", NO_GIT));
                    }
                }
                ArchFlavor::Local => {
                    if w.source.kind == SourceKind::Index {
                        return Err(Error::NoArtifact {
                            message: format!(
                                "{} comes from an index, which has no source tree to pack for the local flavour",
                                v.id
                            ),
                            help: "use the release or git flavour".into(),
                        });
                    }
                }
            }
        }
        Artifact::Formula(f) => {
            brew::require_macos(v)?;
            match f {
                BrewFlavor::Release if w.upstream.tarball.is_none() => {
                    return Err(missing(w, a, "release tarball URL", NO_TARBALL));
                }
                BrewFlavor::Head if w.upstream.git.is_none() => {
                    return Err(missing(w, a, "git repository", NO_GIT));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Every artifact kind × flavour for the variant's platforms, with whether it has it:
/// PKGBUILDs (release, git, local) for a Linux variant, formulas (release, head) for a macOS
/// one. `local` is left out when `with_local` is false (what `export` and `serve` publish).
pub fn offered(w: &Worker, v: &Variant, with_local: bool) -> Vec<(Artifact, Result<(), Error>)> {
    let mut out = Vec::new();
    if arch::require_linux(v).is_ok() {
        for f in ArchFlavor::ALL {
            if f == ArchFlavor::Local && !with_local {
                continue;
            }
            let a = Artifact::Pkgbuild(f);
            out.push((a, has(w, v, a)));
        }
    }
    if brew::require_macos(v).is_ok() {
        for f in BrewFlavor::ALL {
            let a = Artifact::Formula(f);
            out.push((a, has(w, v, a)));
        }
    }
    out
}
