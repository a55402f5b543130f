//! The `local` flavour's source tarball: a deterministic `.tar.gz` of a worker's source root.
//! Entries sorted, mtime/owner fixed, modes normalised to 0644/0755, the build directory
//! (`target/` at the root) and VCS metadata (directories, and a submodule's `.git` file) left
//! out, `.gitignore` honoured but for the root's `Cargo.lock`, which a locked PKGBUILD needs —
//! the same tree gives the same sha256 anywhere.

use crate::checksum::HashingWriter;
use crate::error::{Error, Result};
use flate2::{Compression, GzBuilder};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj", ".bzr", "_darcs"];
/// A fixed timestamp (2000-01-01), since some tools warn about entries from 1970.
pub const MTIME: u64 = 946_684_800;

/// Every file, directory and symlink under `root` that goes into the tarball, sorted, as
/// paths relative to `root`.
pub fn entries(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            // Only the workspace's own build directory: a `target` deeper down (a vendored
            // crate's `src/target/`) is source.
            let build_dir = is_dir && name == "target" && e.depth() == 1;
            !(build_dir || VCS_DIRS.contains(&name.as_ref()))
        })
        .build();
    for entry in walker {
        let entry =
            entry.map_err(|e| Error::io("walk", root, std::io::Error::other(e.to_string())))?;
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("walk stays under root");
        if !rel.as_os_str().is_empty() {
            out.push(rel.to_path_buf());
        }
    }
    // The lock file decides whether the PKGBUILD is locked: pack it even when .gitignored.
    let lock = PathBuf::from("Cargo.lock");
    if root.join(&lock).is_file() && !out.contains(&lock) {
        out.push(lock);
    }
    out.sort();
    Ok(out)
}

/// Writes the tarball of `root` (entries under `top_dir/`) to `dest` atomically and returns
/// its sha256.
pub fn pack(root: &Path, top_dir: &str, dest: &Path) -> Result<String> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let files = selection(root, dest)?;
    let tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io("create a file in", dir, e))?;
    let sha = write_tar_gz(root, top_dir, &files, tmp.as_file())?;
    // A temporary file is 0600; the tarball is a source file like any other.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io("write", dest, e))?;
    }
    tmp.persist(dest)
        .map_err(|e| Error::io("write", dest, e.error))?;
    Ok(sha)
}

/// The sha256 the tarball `pack(root, top_dir, dest)` would have, computed without writing
/// anything (for plans and dry runs).
pub fn digest(root: &Path, top_dir: &str, dest: &Path) -> Result<String> {
    let files = selection(root, dest)?;
    write_tar_gz(root, top_dir, &files, std::io::sink())
}

/// What goes into the tarball of `root` written to `dest`. Walks before creating anything,
/// and never packs the output directory itself (it may be inside the tree), so the result
/// depends only on the source.
fn selection(root: &Path, dest: &Path) -> Result<Vec<PathBuf>> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut files = entries(root)?;
    if let (Ok(r), Some(d)) = (root.canonicalize(), canonical_lenient(dir)) {
        if let Ok(inside) = d.strip_prefix(&r) {
            if !inside.as_os_str().is_empty() {
                files.retain(|f| !f.starts_with(inside));
            } else {
                // `--out` is the tree itself: leave out what rendering writes there.
                let name = dest.file_name().map(Path::new);
                files.retain(|f| {
                    Some(f.as_path()) != name
                        && f != Path::new("PKGBUILD")
                        && f != Path::new(".SRCINFO")
                });
            }
        }
    }
    Ok(files)
}

/// `p` canonicalized, even when its last components do not exist yet (a plan's build
/// directory): the nearest existing ancestor is resolved and the rest appended.
fn canonical_lenient(p: &Path) -> Option<PathBuf> {
    let p = std::path::absolute(p).ok()?;
    let mut rest = Vec::new();
    let mut cur = p.as_path();
    loop {
        if let Ok(c) = cur.canonicalize() {
            return Some(rest.iter().rev().fold(c, |acc: PathBuf, n| acc.join(n)));
        }
        rest.push(cur.file_name()?.to_os_string());
        cur = cur.parent()?;
    }
}

fn write_tar_gz(root: &Path, top_dir: &str, files: &[PathBuf], out: impl Write) -> Result<String> {
    let io = |e: std::io::Error| Error::io("pack", root, e);
    let hashing = HashingWriter::new(out);
    // No file name and a fixed mtime in the gzip header: only the content decides the bytes.
    let gz = GzBuilder::new()
        .mtime(0)
        .write(hashing, Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    let mut dir_header = header(tar::EntryType::Directory, 0o755, 0);
    tar.append_data(&mut dir_header, format!("{top_dir}/"), std::io::empty())
        .map_err(io)?;
    for rel in files {
        let path = root.join(rel);
        let name = Path::new(top_dir).join(rel);
        let meta = std::fs::symlink_metadata(&path).map_err(io)?;
        let ft = meta.file_type();
        if ft.is_dir() {
            let mut h = header(tar::EntryType::Directory, 0o755, 0);
            tar.append_data(&mut h, &name, std::io::empty())
                .map_err(io)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&path).map_err(io)?;
            let mut h = header(tar::EntryType::Symlink, 0o777, 0);
            tar.append_link(&mut h, &name, &target).map_err(io)?;
        } else if ft.is_file() {
            let mode = if is_executable(&meta) { 0o755 } else { 0o644 };
            let mut h = header(tar::EntryType::Regular, mode, meta.len());
            let f = File::open(&path).map_err(io)?;
            tar.append_data(&mut h, &name, f).map_err(io)?;
        }
        // Sockets, fifos and devices have no place in a source tarball.
    }
    let gz = tar.into_inner().map_err(io)?;
    let hashing = gz.finish().map_err(io)?;
    let (mut f, sha) = hashing.finish();
    f.flush().map_err(io)?;
    Ok(sha)
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(MTIME);
    h.set_uid(0);
    h.set_gid(0);
    let _ = h.set_username("root");
    let _ = h.set_groupname("root");
    h
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}
