//! The one way a file of a source tree (worker.toml, Cargo.toml, a workspace root, Cargo.lock,
//! .gitmodules) or the configuration is read: only a regular file, only one that resolves
//! inside its tree when a tree bounds it, never more than a cap, and never by waiting on a
//! FIFO (the file is opened non-blocking and without following a last symlink, and its type
//! is checked on the open descriptor before a byte is read).

use crate::problem::Problem;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The most a manifest-sized file may hold: worker.toml, Cargo.toml, .gitmodules,
/// config.toml. Real ones are a few KiB.
pub const MANIFEST_LIMIT: u64 = 1 << 20;

/// The most a Cargo.lock may hold: a large workspace's lock runs to a few MiB.
pub const LOCK_LIMIT: u64 = 16 << 20;

/// The directory every file read for one source must resolve inside.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The root as given (problems name paths under it), and its canonical form; `None` for
    /// a read bounded by nothing but the file rules (the configuration, a lone crate).
    root: Option<(PathBuf, Option<PathBuf>)>,
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Unreadable {
    /// Nothing at the path, not even a dangling link.
    Missing,
    /// Something is there that must not or cannot be read; the problem names it and why.
    Refused(Problem),
}

impl Tree {
    /// Files must resolve inside `root` (which is resolved once, here).
    pub fn new(root: &Path) -> Tree {
        Tree {
            root: Some((root.to_path_buf(), fs::canonicalize(root).ok())),
        }
    }

    /// Any regular file, wherever its links lead.
    pub fn unbounded() -> Tree {
        Tree { root: None }
    }

    /// Whether `dir`, as written, lies under the root: how far an upward search may go.
    pub fn holds(&self, dir: &Path) -> bool {
        self.root
            .as_ref()
            .is_none_or(|(given, _)| dir.starts_with(given))
    }

    fn contains(&self, resolved: &Path) -> bool {
        match &self.root {
            None => true,
            Some((_, Some(canonical))) => resolved.starts_with(canonical),
            Some((_, None)) => false,
        }
    }

    /// Whether `path` is a regular file inside the tree (without reading it).
    pub fn is_regular(&self, path: &Path) -> bool {
        fs::canonicalize(path)
            .is_ok_and(|r| self.contains(&r) && fs::metadata(&r).is_ok_and(|m| m.is_file()))
    }

    /// The bytes of `path` (`what` names it in problems), at most `limit` of them.
    pub fn read(&self, path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, Unreadable> {
        let refused = |why: String| {
            Unreadable::Refused(Problem::error(path, format!("cannot read {what}: {why}")))
        };
        let link = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Unreadable::Missing),
            Err(e) => return Err(refused(e.to_string())),
        };
        let resolved = match fs::canonicalize(path) {
            Ok(r) => r,
            Err(e) if link.is_symlink() => {
                let target = fs::read_link(path)
                    .map(|t| format!("`{}`", t.display()))
                    .unwrap_or_else(|_| "a path".into());
                return Err(refused(if is_loop(&e) {
                    format!("it is a symlink to {target} that loops back on itself; expected a regular file")
                } else if e.kind() == io::ErrorKind::NotFound {
                    format!("it is a symlink to {target}, which does not exist (a dangling link); expected a regular file")
                } else {
                    format!("it is a symlink to {target} that cannot be followed: {e}")
                }));
            }
            Err(e) => return Err(refused(e.to_string())),
        };
        if !self.contains(&resolved) {
            let root = self.root.as_ref().map(|(g, _)| g.display().to_string());
            return Err(refused(format!(
                "it resolves to `{}`, outside the source tree `{}`; expected a file inside the tree",
                resolved.display(),
                root.unwrap_or_default()
            )));
        }
        // The type first (a socket cannot even be opened), then again on what was opened.
        let kind = fs::metadata(&resolved).map_err(|e| refused(e.to_string()))?;
        if let Some(kind) = not_regular(&kind.file_type()) {
            return Err(refused(format!("it is {kind}; expected a regular file")));
        }
        let file = open_no_wait(&resolved).map_err(|e| refused(e.to_string()))?;
        let meta = file.metadata().map_err(|e| refused(e.to_string()))?;
        if let Some(kind) = not_regular(&meta.file_type()) {
            return Err(refused(format!("it is {kind}; expected a regular file")));
        }
        let too_big = || refused(format!("it is larger than the limit of {limit} bytes"));
        if meta.len() > limit {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| refused(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(too_big());
        }
        Ok(bytes)
    }

    /// [`Tree::read`] as UTF-8 text; invalid UTF-8 is a problem located at its first bad byte.
    pub fn read_text(&self, path: &Path, what: &str, limit: u64) -> Result<String, Unreadable> {
        let bytes = self.read(path, what, limit)?;
        String::from_utf8(bytes).map_err(|e| {
            let good = e.utf8_error().valid_up_to();
            let bad = e.as_bytes()[good];
            let prefix = std::str::from_utf8(&e.as_bytes()[..good]).expect("valid up to here");
            Unreadable::Refused(
                Problem::error(
                    path,
                    format!(
                        "{what} is not valid UTF-8: byte 0x{bad:02X} here; expected UTF-8 text"
                    ),
                )
                .at(prefix, good..good),
            )
        })
    }
}

/// What a file type is when it is not a regular file.
fn not_regular(t: &fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
    }
    if t.is_dir() {
        Some("a directory")
    } else if !t.is_file() {
        Some("not a regular file")
    } else {
        None
    }
}

/// Opens without blocking (a FIFO with no writer would wait forever) and without following a
/// symlink swapped in after the path was resolved.
#[cfg(unix)]
fn open_no_wait(path: &Path) -> io::Result<fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(io::Error::from)?;
    Ok(fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_no_wait(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

#[cfg(unix)]
fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

#[cfg(not(unix))]
fn is_loop(_: &io::Error) -> bool {
    false
}
