//! Atomic file writes: a temp file in the destination directory, then a rename, so readers
//! see the old file or the new one and never half of one.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io("create a file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("write", path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("write", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
    Ok(())
}

/// Opens (creating) `path` and takes an exclusive lock on it, waiting for whoever holds it;
/// the lock lasts as long as the returned file.
pub fn lock_file(path: &Path) -> Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io("open", path, e))?;
    f.lock().map_err(|e| Error::io("lock", path, e))?;
    Ok(f)
}

/// Writes a file of a tree that nobody sees yet (an export being built beside its
/// destination): no temp file and no fsync per file — `sync_tree` makes the whole tree
/// durable once, before it is swapped in. The file is 0644 whatever the umask (a web server
/// reads it), and a missing directory is made as [`make_dir`] makes it.
///
/// A new file in a directory that exists (nearly every file of an export) costs an open, a
/// write, an fstat and a close: the directory is made only when the open says it is missing,
/// and the mode given to the open is changed afterwards only when it did not come out 0644
/// (a umask or a default ACL took from it) or the file was already there.
pub fn write_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    let open_new = || {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o644);
        o.open(path)
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let created = match (open_new(), parent) {
        (Err(e), Some(dir)) if e.kind() == std::io::ErrorKind::NotFound => {
            make_dir(dir)?;
            open_new()
        }
        (r, _) => r,
    };
    let (mut f, fresh) = match created {
        Ok(f) => (f, true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let f = std::fs::File::create(path).map_err(|e| Error::io("write", path, e))?;
            (f, false)
        }
        Err(e) => return Err(Error::io("write", path, e)),
    };
    f.write_all(bytes)
        .map_err(|e| Error::io("write", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let right = fresh
            && f.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o7777 == 0o644);
        if !right {
            let _ = f.set_permissions(std::fs::Permissions::from_mode(0o644));
        }
    }
    #[cfg(not(unix))]
    let _ = fresh;
    Ok(())
}

/// Makes the directory `dir` of a tree being filled, 0755 whatever the umask (a web server
/// reads the tree): one mkdir and one stat when its parent is there (a writer that makes its
/// directories top-down), its missing parents first, the same way, otherwise. A directory
/// that is already there is left as it is.
pub fn make_dir(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::io("create", dir, e);
    let made = match std::fs::create_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(parent) => make_dir(parent)?,
                None => return Err(io(e)),
            }
            std::fs::create_dir(dir)
        }
        made => made,
    };
    match made {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(io(e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(io)?.permissions().mode() & 0o7777;
        if mode != 0o755 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
        }
    }
    Ok(())
}

/// Makes every file and directory under `root` durable: one `syncfs` of its file system on
/// Linux, an fsync of each entry elsewhere.
pub fn sync_tree(root: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::io("sync", root, e);
    #[cfg(target_os = "linux")]
    {
        let dir = std::fs::File::open(root).map_err(io)?;
        return rustix::fs::syncfs(&dir).map_err(|e| io(e.into()));
    }
    #[allow(unreachable_code)]
    {
        fn walk(p: &Path) -> std::io::Result<()> {
            if std::fs::symlink_metadata(p)?.is_dir() {
                for e in std::fs::read_dir(p)? {
                    walk(&e?.path())?;
                }
            }
            std::fs::File::open(p)?.sync_all()
        }
        walk(root).map_err(io)
    }
}

/// Makes a rename inside `dir` durable (the directory entry itself).
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
