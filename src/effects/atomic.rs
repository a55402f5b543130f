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
/// durable once, before it is swapped in.
///
/// A new file in a directory that exists (nearly every file of an export) costs one open,
/// one write and one close: the directory is made only when the open says it is missing, and
/// the mode is given to the open, changed afterwards only when the umask takes a bit of
/// 0644 away or the file was already there.
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
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
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
    if !fresh || umask_takes_from(0o644) {
        use std::os::unix::fs::PermissionsExt;
        // As `write` leaves it, whatever the umask.
        let _ = f.set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = fresh;
    Ok(())
}

/// Makes the directory `dir` of a tree being filled, with one `mkdir` when its parent is
/// there (a writer that makes its directories top-down), else as `create_dir_all` does.
pub fn make_dir(dir: &Path) -> Result<()> {
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e)),
    }
}

/// Whether the process's umask clears any bit of `mode` (true when it cannot be told). Read
/// once from /proc/self/status: setting the umask to learn it would race other threads.
#[cfg(unix)]
fn umask_takes_from(mode: u32) -> bool {
    static UMASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    let umask = UMASK.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(line.trim(), 8).ok()
    });
    umask.is_none_or(|u| u & mode != 0)
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
