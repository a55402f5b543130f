//! Unpacking downloaded source tarballs, refusing anything that could write outside the
//! target: absolute paths, `..`, symlinks or hard links that lead out, device files, fifos,
//! and archives that expand past a size limit. A refused archive leaves nothing behind.

use crate::error::{Error, Result};
use flate2::read::GzDecoder;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Default ceiling on the bytes an archive may expand to (`RBEE_WORKERS_UNPACK_LIMIT`).
pub const DEFAULT_LIMIT: u64 = 4 << 30;

/// Default ceiling on the entries an archive may hold (`RBEE_WORKERS_UNPACK_ENTRIES`): a
/// million empty files cost no bytes but exhaust inodes. The Linux kernel's source tree has
/// under 100,000.
pub const DEFAULT_ENTRIES: u64 = 250_000;

/// What an archive may expand to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub entries: u64,
}

impl Default for Limit {
    fn default() -> Self {
        Limit {
            bytes: DEFAULT_LIMIT,
            entries: DEFAULT_ENTRIES,
        }
    }
}

/// `RBEE_WORKERS_UNPACK_LIMIT` (bytes) and `RBEE_WORKERS_UNPACK_ENTRIES`, else the defaults;
/// a value that is not a positive number is an error (for the commands that unpack), never
/// silently the default.
pub fn limit_from_env() -> std::result::Result<Limit, String> {
    // The pre-flight reports the message; the one parser of positive bounds makes it.
    let positive = |var, default, unit| {
        crate::fetch::positive_env(var, default, unit).map_err(|e| e.to_string())
    };
    Ok(Limit {
        bytes: positive("RBEE_WORKERS_UNPACK_LIMIT", DEFAULT_LIMIT, "bytes")?,
        entries: positive("RBEE_WORKERS_UNPACK_ENTRIES", DEFAULT_ENTRIES, "entries")?,
    })
}

fn refuse(archive: &Path, why: String) -> Error {
    Error::UnsafeArchive {
        archive: archive.to_path_buf(),
        reason: why,
    }
}

/// `a/b/c` with every component normal; `None` for absolute paths or `..`.
fn safe_relative(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Where a symlink at `link` (relative to the root) pointing at `target` lands, if inside.
fn symlink_inside(link: &Path, target: &Path) -> Option<PathBuf> {
    if target.is_absolute() {
        return None;
    }
    let mut stack: Vec<std::ffi::OsString> = link
        .parent()
        .into_iter()
        .flat_map(|p| p.components())
        .map(|c| c.as_os_str().to_owned())
        .collect();
    for c in target.components() {
        match c {
            Component::Normal(n) => stack.push(n.to_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                stack.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(stack.iter().collect())
}

/// Unpacks the `.tar.gz` at `archive` into `dest`, which must not exist yet: everything goes
/// into a fresh sibling directory that is renamed to `dest` only when the whole archive was
/// accepted. On refusal the partial directory is removed.
pub fn unpack(archive: &Path, dest: &Path, limit: Limit) -> Result<()> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(parent)
        .map_err(|e| Error::io("create a directory in", parent, e))?;
    unpack_into(archive, tmp.path(), limit)?;
    let _ = fs::remove_dir_all(dest);
    let kept = tmp.keep();
    fs::rename(&kept, dest).map_err(|e| {
        let _ = fs::remove_dir_all(&kept);
        Error::io("move into place", dest, e)
    })
}

fn unpack_into(archive: &Path, root: &Path, limit: Limit) -> Result<()> {
    let io = |e: io::Error| refuse(archive, format!("it is not a readable .tar.gz ({e})"));
    let file = File::open(archive).map_err(|e| Error::io("open", archive, e))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let (mut total, mut count): (u64, u64) = (0, 0);
    for entry in tar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        count += 1;
        if count > limit.entries {
            return Err(refuse(
                archive,
                format!(
                    "it holds more than {} entries (RBEE_WORKERS_UNPACK_ENTRIES)",
                    limit.entries
                ),
            ));
        }
        let raw = entry.path().map_err(io)?.into_owned();
        let rel = safe_relative(&raw).ok_or_else(|| {
            refuse(
                archive,
                format!(
                    "entry `{}` is absolute or climbs out with `..`",
                    raw.display()
                ),
            )
        })?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let path = root.join(&rel);
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Directory => {
                ensure_parent(root, &path)?;
                fs::create_dir_all(&path).map_err(|e| Error::io("create", &path, e))?;
                if !resolves_inside(root, &path) {
                    return Err(refuse(
                        archive,
                        format!("directory `{}` resolves outside the archive", rel.display()),
                    ));
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                ensure_parent(root, &path)?;
                let mode = entry.header().mode().unwrap_or(0o644);
                let mut out = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| {
                        refuse(
                            archive,
                            format!(
                                "cannot create `{}` ({e}); is it written twice or through a link?",
                                rel.display()
                            ),
                        )
                    })?;
                let remaining = limit.bytes.saturating_sub(total);
                let copied =
                    io::copy(&mut (&mut entry).take(remaining + 1), &mut out).map_err(io)?;
                total += copied;
                if total > limit.bytes {
                    return Err(refuse(
                        archive,
                        format!(
                            "it expands past the limit of {} bytes (RBEE_WORKERS_UNPACK_LIMIT)",
                            limit.bytes
                        ),
                    ));
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = fs::set_permissions(
                        &path,
                        fs::Permissions::from_mode(if mode & 0o111 != 0 { 0o755 } else { 0o644 }),
                    );
                }
                #[cfg(not(unix))]
                let _ = mode;
            }
            tar::EntryType::Symlink => {
                let target = entry.link_name().map_err(io)?.ok_or_else(|| {
                    refuse(
                        archive,
                        format!("symlink `{}` has no target", rel.display()),
                    )
                })?;
                ensure_parent(root, &path)?;
                if symlink_inside(&rel, &target).is_none()
                    || !physically_inside(root, &path, &target)
                {
                    return Err(refuse(
                        archive,
                        format!(
                            "symlink `{}` -> `{}` points outside the archive",
                            rel.display(),
                            target.display()
                        ),
                    ));
                }
                #[cfg(unix)]
                std::os::unix::fs::symlink(&target, &path).map_err(|e| {
                    refuse(
                        archive,
                        format!("cannot create symlink `{}` ({e})", rel.display()),
                    )
                })?;
            }
            tar::EntryType::Link => {
                let target = entry.link_name().map_err(io)?.ok_or_else(|| {
                    refuse(
                        archive,
                        format!("hard link `{}` has no target", rel.display()),
                    )
                })?;
                let target_rel = safe_relative(&target).ok_or_else(|| {
                    refuse(
                        archive,
                        format!(
                            "hard link `{}` -> `{}` points outside the archive",
                            rel.display(),
                            target.display()
                        ),
                    )
                })?;
                let source = root.join(&target_rel);
                let meta = fs::symlink_metadata(&source).map_err(|_| {
                    refuse(
                        archive,
                        format!(
                            "hard link `{}` -> `{}` names no earlier file",
                            rel.display(),
                            target.display()
                        ),
                    )
                })?;
                if !meta.is_file() || !resolves_inside(root, &source) {
                    return Err(refuse(
                        archive,
                        format!(
                            "hard link `{}` -> `{}` points outside the archive",
                            rel.display(),
                            target.display()
                        ),
                    ));
                }
                ensure_parent(root, &path)?;
                fs::hard_link(&source, &path).map_err(|e| {
                    refuse(
                        archive,
                        format!("cannot create hard link `{}` ({e})", rel.display()),
                    )
                })?;
            }
            tar::EntryType::XGlobalHeader
            | tar::EntryType::XHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink => {}
            other => {
                return Err(refuse(
                    archive,
                    format!(
                        "entry `{}` is a {other:?}, which has no place in a source tarball",
                        rel.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Creates `path`'s parent directories and checks they resolve inside `root` (a directory
/// entry could be a symlink planted earlier).
fn ensure_parent(root: &Path, path: &Path) -> Result<()> {
    let parent = path.parent().expect("entries have parents");
    fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    if !resolves_inside(root, parent) {
        return Err(Error::UnsafeArchive {
            archive: root.to_path_buf(),
            reason: format!("{} resolves outside the unpack directory", path.display()),
        });
    }
    Ok(())
}

/// Where a symlink at `link` pointing at `target` really lands, judged from its parent's
/// real location (earlier links included) and without passing through another link: a
/// chain of links each harmless by its own text could otherwise climb out.
fn physically_inside(root: &Path, link: &Path, target: &Path) -> bool {
    let (Ok(root), Some(Ok(mut at))) = (root.canonicalize(), link.parent().map(Path::canonicalize))
    else {
        return false;
    };
    for c in target.components() {
        match c {
            Component::Normal(n) => {
                at.push(n);
                if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                    return false;
                }
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if !at.pop() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
        if !at.starts_with(&root) {
            return false;
        }
    }
    at.starts_with(&root)
}

fn resolves_inside(root: &Path, p: &Path) -> bool {
    match (root.canonicalize(), p.canonicalize()) {
        (Ok(r), Ok(q)) => q.starts_with(r),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_only() {
        assert_eq!(
            safe_relative(Path::new("a/./b")),
            Some(PathBuf::from("a/b"))
        );
        assert_eq!(safe_relative(Path::new("/etc/passwd")), None);
        assert_eq!(safe_relative(Path::new("a/../../b")), None);
    }

    #[test]
    fn symlinks_must_land_inside() {
        assert!(symlink_inside(Path::new("a/l"), Path::new("../b")).is_some());
        assert!(symlink_inside(Path::new("a/l"), Path::new("../../b")).is_none());
        assert!(symlink_inside(Path::new("l"), Path::new("/etc")).is_none());
    }
}
