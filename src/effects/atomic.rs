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
