//! `rbee-workers watch` (issue 20): a resident watcher of one catalog root, so a command about
//! one worker learns what changed since its last run without looking at 10,000 directories
//! (git's fsmonitor daemon and watchman do the same for `git status`).
//!
//! The watcher holds an inotify watch on the root, `bin/`, `bin/community/`, every directory
//! in those, and each worker's `src/`, `src/bin/` and `src/bin/*/`: every directory whose
//! entries discovery reads. It numbers what it sees. A client asks over a Unix socket what
//! changed since the number its cache file was written at, and gets either the worker
//! directories changed since, or "everything" (another watcher, a queue overflow, a change to
//! `bin/`, a workspace manifest, or a refused watch).
//!
//! **Synchronisation.** A file edited just before the question may not have been read off the
//! kernel's queue yet. So before answering, the watcher makes a *cookie* file in its own
//! watched directory and answers when the cookie's event arrives: one inotify queue carries
//! every watch's events in the order they happened, so every change made before the question
//! has been seen by then (watchman's cookies).
//!
//! **What events cannot see** is never taken on their word: a worker directory one of whose
//! files is a symlink, has another hard link, or lies on another file system than the root is
//! named changed in every answer (its files are looked at, as without a watcher). A root on a
//! file system whose changes may come from elsewhere (NFS, SMB, FUSE) is refused.
//!
//! The watcher exits after `idle` without a question, when its socket is removed, or when the
//! root is gone; every ten minutes it answers one "everything" (a safety net, as `serve`'s).

// Elsewhere only the client is built: `run` refuses.
#![cfg_attr(not(target_os = "linux"), allow(dead_code, unused_imports))]

use crate::watch::{Changes, Token};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a question waits for its cookie before the answer is "everything".
const COOKIE_WAIT: Duration = Duration::from_secs(2);

/// How often the watcher answers "everything" once, whatever the events said.
const SAFETY_NET: Duration = Duration::from_secs(600);

/// Where the watcher of one root is reached.
pub struct Place {
    /// Its directory (private to the user): the socket, the lock and the cookies.
    pub dir: PathBuf,
    pub socket: PathBuf,
    lock: PathBuf,
}

/// The watcher of `root` whose cache lives in `cache_dir`.
pub fn place(cache_dir: &Path, root: &Path) -> Place {
    let dir = cache_dir
        .join("discovery")
        .join("watch")
        .join(crate::watch::key(root));
    Place {
        socket: dir.join("sock"),
        lock: dir.join("lock"),
        dir,
    }
}

/// Asks the watcher of `place` what changed since `since`: the token to keep for next time
/// and the changes. None when no watcher answers (none runs: the caller looks itself).
pub fn changes(place: &Place, since: Option<Token>) -> Option<(Token, Changes)> {
    let mut s = UnixStream::connect(&place.socket).ok()?;
    s.set_read_timeout(Some(COOKIE_WAIT + Duration::from_secs(1)))
        .ok()?;
    let ask = match since {
        Some(t) => format!("sync {} {}\n", t.instance, t.seq),
        None => "sync\n".to_string(),
    };
    s.write_all(ask.as_bytes()).ok()?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok()?;
    parse_answer(&answer)
}

fn parse_answer(answer: &[u8]) -> Option<(Token, Changes)> {
    let end = answer.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&answer[..end]).ok()?;
    let mut words = line.split(' ');
    (words.next()? == "ok").then_some(())?;
    let token = Token {
        instance: words.next()?.parse().ok()?,
        seq: words.next()?.parse().ok()?,
    };
    let changes = match words.next()? {
        "everything" => Changes::Everything,
        "dirs" => {
            let n: usize = words.next()?.parse().ok()?;
            let parts: Vec<&[u8]> = answer[end + 1..].split(|&b| b == 0).collect();
            // A short answer is no answer: n names, each ended.
            (parts.len() == n + 1 && parts[n].is_empty()).then_some(())?;
            Changes::Dirs(
                parts[..n]
                    .iter()
                    .map(|d| String::from_utf8_lossy(d).into_owned())
                    .collect(),
            )
        }
        _ => return None,
    };
    Some((token, changes))
}

/// Asks the watcher to exit and waits (up to five seconds) until it has, so a start right
/// after finds no lock held; false when none answered.
pub fn stop(place: &Place) -> bool {
    // (It may be setting its watches again first: seconds at 10,000 workers.)
    if !ask(place, "stop\n", Duration::from_secs(60)).is_some_and(|a| a.starts_with("ok")) {
        return false;
    }
    if let Ok(lock) = std::fs::OpenOptions::new().write(true).open(&place.lock) {
        let free = || {
            rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
        };
        let start = Instant::now();
        while !free() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    true
}

/// The watcher's own account of itself, or None when none answers.
pub fn status(place: &Place) -> Option<String> {
    ask(place, "status\n", Duration::from_secs(3))
        .and_then(|a| a.strip_prefix("ok ").map(str::to_string))
}

fn ask(place: &Place, what: &str, wait: Duration) -> Option<String> {
    let mut s = UnixStream::connect(&place.socket).ok()?;
    s.set_read_timeout(Some(wait)).ok()?;
    s.write_all(what.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// Why a watcher could not start.
#[derive(Debug)]
pub enum Refused {
    /// Another watcher holds this root's lock.
    Running,
    Other(String),
}

enum Msg {
    /// File events (None: the queue overflowed).
    Event(Option<Vec<PathBuf>>),
    /// The kernel's event queue cannot be read any more.
    Dead,
    Question(UnixStream, String),
}

struct Pending {
    cookie: u64,
    stream: UnixStream,
    since: Option<Token>,
    asked: Instant,
}

struct State {
    root: PathBuf,
    cookies: PathBuf,
    instance: u64,
    seq: u64,
    /// A token from before this is answered "everything".
    full_since: u64,
    /// Each changed worker directory (relative) and when it last changed.
    changed: HashMap<String, u64>,
    /// Worker directories events cannot vouch for.
    always: HashSet<String>,
    /// Why events are not complete (a refused watch): every answer is "everything".
    broken: Option<String>,
    watched: usize,
}

impl State {
    fn answer(&self, since: Option<Token>) -> String {
        let now = format!("ok {} {}", self.instance, self.seq);
        let ok = since.is_some_and(|t| {
            t.instance == self.instance && t.seq >= self.full_since && t.seq <= self.seq
        });
        if !ok || self.broken.is_some() {
            return format!("{now} everything\n");
        }
        let t = since.expect("checked above").seq;
        let dirs: HashSet<&String> = self
            .changed
            .iter()
            .filter(|(_, &s)| s > t)
            .map(|(d, _)| d)
            .chain(&self.always)
            .collect();
        let mut out = format!("{now} dirs {}\n", dirs.len());
        for d in dirs {
            out.push_str(d);
            out.push('\0');
        }
        out
    }

    /// Anything may have changed: every older token is answered "everything".
    fn everything(&mut self) {
        self.seq += 1;
        self.full_since = self.seq;
        self.changed.clear();
    }
}

/// What an event at `p` is to the watcher.
enum Hit {
    Ignore,
    /// Something that changes what every worker is, or which directories are workers.
    Everything,
    /// Something inside one worker directory (relative to the root).
    Worker(String),
    Cookie(u64),
}

fn classify(state: &State, p: &Path) -> Hit {
    if p.parent() == Some(state.cookies.as_path()) {
        let name = p.file_name().and_then(OsStr::to_str).unwrap_or("");
        return match name.strip_prefix("cookie.").and_then(|n| n.parse().ok()) {
            Some(n) => Hit::Cookie(n),
            None => Hit::Ignore,
        };
    }
    let Ok(rel) = p.strip_prefix(&state.root) else {
        return Hit::Ignore;
    };
    let c: Vec<&OsStr> = rel.iter().collect();
    let is = |s: &OsStr, what: &str| s == OsStr::new(what);
    match c.as_slice() {
        [] => Hit::Everything,
        [name]
            if ["Cargo.toml", "Cargo.lock", "bin"]
                .iter()
                .any(|w| is(name, w)) =>
        {
            Hit::Everything
        }
        [_] => Hit::Ignore,
        [bin, _] if is(bin, "bin") => Hit::Everything,
        [bin, community, _] if is(bin, "bin") && is(community, "community") => Hit::Everything,
        [bin, community, x, _, ..] if is(bin, "bin") && is(community, "community") => {
            Hit::Worker(format!("bin/community/{}", x.to_string_lossy()))
        }
        [bin, x, _, ..] if is(bin, "bin") => Hit::Worker(format!("bin/{}", x.to_string_lossy())),
        _ => Hit::Ignore,
    }
}

/// Whether events can vouch for what is at `p`: not a symlink (its target's directory is not
/// watched), not on another file system than the root, not a file with a second hard link.
/// None when nothing is there.
fn vouched(p: &Path, root_dev: u64) -> Option<(std::fs::Metadata, bool)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(p).ok()?;
    let ok = !m.file_type().is_symlink() && m.dev() == root_dev && !(m.is_file() && m.nlink() > 1);
    Some((m, ok))
}

/// Watches what of worker directory `dir` discovery reads — the directory, its manifests for
/// themselves (an edit through a hard link made later is still their event), `src/`,
/// `src/bin/`, `src/bin/*/` — each before its entries are listed, so an entry made meanwhile
/// is an event; and says whether events can vouch for it. A symlink is not followed (its
/// target's events would come as another path's): never vouched for.
#[cfg(target_os = "linux")]
fn watch_worker(watch: &mut Kernel, dir: &Path, root_dev: u64) -> bool {
    let Some((m, ok)) = vouched(dir, root_dev) else {
        // Gone: its removal is an event of `bin/`.
        return true;
    };
    if !ok || !m.is_dir() {
        return false;
    }
    watch.add(dir);
    let mut trusted = true;
    let mut check = |p: &Path| -> Option<std::fs::Metadata> {
        let (m, ok) = vouched(p, root_dev)?;
        trusted &= ok;
        Some(m)
    };
    for f in ["worker.toml", "Cargo.toml", "Cargo.lock"] {
        let p = dir.join(f);
        if check(&p).is_some_and(|m| m.is_file()) {
            watch.add(&p);
        }
    }
    let src = dir.join("src");
    if check(&src).is_some_and(|m| m.is_dir()) {
        watch.add(&src);
        check(&src.join("main.rs"));
        let bins = src.join("bin");
        if check(&bins).is_some_and(|m| m.is_dir()) {
            watch.add(&bins);
            if let Ok(rd) = std::fs::read_dir(&bins) {
                for e in rd.flatten() {
                    let p = e.path();
                    if check(&p).is_some_and(|m| m.is_dir()) {
                        watch.add(&p);
                        check(&p.join("main.rs"));
                    }
                }
            }
        }
    }
    trusted
}

/// Every directory of `root/bin` and `root/bin/community` (a worker's, or one a worker.toml
/// may appear in), relative, and whether it is a symlink (to a directory or not, yet: events
/// cannot vouch for what it points to).
fn worker_dirs(root: &Path) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (rel, skip) in [("bin", Some("community")), ("bin/community", None)] {
        let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            if skip.is_some_and(|s| name == OsStr::new(s)) {
                continue;
            }
            let link = e.file_type().is_ok_and(|t| t.is_symlink());
            if link || e.path().is_dir() {
                out.push((format!("{rel}/{}", name.to_string_lossy()), link));
            }
        }
    }
    out
}

/// The kernel's inotify, used directly: a watch is one system call (through `notify` it was
/// a round trip to its event thread and three more stats, 4.6 s for 40,005 watches).
#[cfg(target_os = "linux")]
struct Kernel {
    watches: inotify::Watches,
    /// Each watch's paths (one inode may be reached by two, through a bind mount), shared
    /// with the thread that reads the events. A watch is added and recorded under its lock,
    /// so no event of it is read before its path is known.
    paths: std::sync::Arc<std::sync::Mutex<HashMap<inotify::WatchDescriptor, Vec<PathBuf>>>>,
    /// How many watches were asked for since [`Kernel::count_afresh`], and the first refusal.
    count: usize,
    refused: Option<String>,
}

#[cfg(target_os = "linux")]
impl Kernel {
    /// What a change is: an entry made, removed, renamed, written or its attributes (a link
    /// count among them) changed, or the watched thing itself removed or moved.
    const MASK: inotify::WatchMask = inotify::WatchMask::CREATE
        .union(inotify::WatchMask::DELETE)
        .union(inotify::WatchMask::MOVED_FROM)
        .union(inotify::WatchMask::MOVED_TO)
        .union(inotify::WatchMask::MODIFY)
        .union(inotify::WatchMask::ATTRIB)
        .union(inotify::WatchMask::CLOSE_WRITE)
        .union(inotify::WatchMask::DELETE_SELF)
        .union(inotify::WatchMask::MOVE_SELF)
        // A symlink is watched as itself, never its target (whose events would come as this
        // path's): what is a symlink is not vouched for anyway.
        .union(inotify::WatchMask::DONT_FOLLOW);

    /// Starts reading events into `tx`: each batch's paths, None for an overflowed queue
    /// (anything may have changed), and [`Msg::Dead`] when the kernel stops answering.
    fn new(tx: mpsc::Sender<Msg>) -> Result<Kernel, String> {
        use inotify::EventMask;
        let mut inotify =
            inotify::Inotify::init().map_err(|e| format!("cannot use inotify: {e}"))?;
        let watches = inotify.watches();
        let paths: std::sync::Arc<std::sync::Mutex<HashMap<_, Vec<PathBuf>>>> = Default::default();
        let known = paths.clone();
        std::thread::Builder::new()
            .name("rbee-watch-events".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let Ok(events) = inotify.read_events_blocking(&mut buf) else {
                        let _ = tx.send(Msg::Dead);
                        return;
                    };
                    let mut batch = Vec::new();
                    let mut map = known.lock().expect("the watch paths lock");
                    let mut overflowed = false;
                    for e in events {
                        if e.mask.contains(EventMask::Q_OVERFLOW) {
                            overflowed = true;
                        } else if e.mask.contains(EventMask::IGNORED) {
                            // The watch is gone (its inode removed): a path made again is
                            // another watch.
                            map.remove(&e.wd);
                        } else if let Some(paths) = map.get(&e.wd) {
                            batch.extend(paths.iter().map(|p| match e.name {
                                Some(n) => p.join(n),
                                None => p.clone(),
                            }));
                        }
                    }
                    drop(map);
                    if !batch.is_empty() {
                        let _ = tx.send(Msg::Event(Some(batch)));
                    }
                    if overflowed {
                        let _ = tx.send(Msg::Event(None));
                    }
                }
            })
            .map_err(|e| format!("cannot start the event reader: {e}"))?;
        Ok(Kernel {
            watches,
            paths,
            count: 0,
            refused: None,
        })
    }

    /// Starts counting the watches asked for again (a rebuild asks for all of them).
    fn count_afresh(&mut self) {
        self.count = 0;
        self.refused = None;
    }

    /// Watches `p` (again: a path whose inode changed is another watch). A path not there is
    /// no error, its parent's event says when it comes; a refusal is kept in `refused`.
    fn add(&mut self, p: &Path) {
        if let Err(e) = self.try_add(p) {
            self.refused.get_or_insert(e);
        }
    }

    fn try_add(&mut self, p: &Path) -> Result<(), String> {
        let mut map = self.paths.lock().expect("the watch paths lock");
        match self.watches.add(p, Self::MASK) {
            Ok(wd) => {
                let paths = map.entry(wd).or_default();
                if !paths.iter().any(|q| q == p) {
                    paths.push(p.to_path_buf());
                }
                self.count += 1;
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(())
            }
            // ENOSPC: the user's watch limit.
            Err(e) if e.raw_os_error() == Some(28) => Err(format!(
                "out of inotify watches at {} (raise fs.inotify.max_user_watches)",
                p.display()
            )),
            Err(e) => Err(format!("cannot watch {}: {e}", p.display())),
        }
    }
}

/// File systems whose every change is an event here: local disks, tmpfs, overlays.
#[cfg(target_os = "linux")]
fn local_file_system(root: &Path) -> Result<(), String> {
    let fs =
        rustix::fs::statfs(root).map_err(|e| format!("cannot look at {}: {e}", root.display()))?;
    const KNOWN: &[(i64, &str)] = &[
        (0xEF53, "ext4"),
        (0x5846_5342, "xfs"),
        (0x9123_683E, "btrfs"),
        (0x0102_1994, "tmpfs"),
        (0x794C_7630, "overlayfs"),
        (0xF2F5_2010, "f2fs"),
        (0x2FC1_2FC1, "zfs"),
    ];
    let kind = fs.f_type as i64;
    if KNOWN.iter().any(|&(k, _)| k == kind) {
        Ok(())
    } else {
        Err(format!(
            "{} is on a file system (type {kind:#x}) whose changes may not all be events here; expected a local disk (ext4, xfs, btrfs, f2fs, zfs), tmpfs or overlayfs",
            root.display()
        ))
    }
}

/// The root as the watcher of `root` at `place` watches it (canonical), made sure of before
/// one starts (and by `run` itself): or why one would refuse, the root or the directory of
/// its socket and cookies being on a file system whose changes need not be events here.
pub fn watchable(root: &Path, place: &Place) -> Result<PathBuf, String> {
    let canonical =
        std::fs::canonicalize(root).map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    local_file_system(&canonical)?;
    std::fs::create_dir_all(&place.dir).map_err(|e| format!("{}: {e}", place.dir.display()))?;
    // The cookies' events must come as surely as the catalog's.
    local_file_system(&place.dir)?;
    Ok(canonical)
}

/// How many inotify watches this user may hold (`fs.inotify.max_user_watches`), when known.
pub fn watch_limit() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/fs/inotify/max_user_watches")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Why a watcher of `dirs` worker directories nobody asked for would take too much of the
/// `limit` watches every program of this user shares (editors, file managers, `serve`): more
/// than half. It holds at most the directory, `src/`, `src/bin/` and three manifests of each
/// worker, and the root's own.
pub fn over_budget(dirs: usize, limit: Option<usize>) -> Option<String> {
    let need = dirs.saturating_mul(6).saturating_add(16);
    let limit = limit?;
    (need > limit / 2).then(|| {
        format!(
            "it would hold up to {need} of the {limit} inotify watches this user may have (fs.inotify.max_user_watches)"
        )
    })
}

#[cfg(not(target_os = "linux"))]
fn local_file_system(_: &Path) -> Result<(), String> {
    Err("`watch` needs inotify (Linux); commands look at every directory instead".into())
}

#[cfg(not(target_os = "linux"))]
pub fn run(_: &Path, _: &Path, _: Duration, _: impl FnOnce(&str)) -> Result<(), Refused> {
    Err(Refused::Other(
        "`watch` needs inotify (Linux); commands look at every directory instead".into(),
    ))
}

/// How many questions are read at once, each on a thread of its own; past it the listener
/// reads the next itself.
const READERS: usize = 64;

/// Reads one question off `stream` (two seconds at most) and hands it to the watcher, or
/// answers it at once while the watches are being set again.
fn read_question(
    stream: UnixStream,
    tx: &mpsc::Sender<Msg>,
    busy: &std::sync::atomic::AtomicBool,
    shown: &str,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    let mut r = BufReader::new(&stream).take(256);
    if r.read_line(&mut line).is_err() {
        return;
    }
    if busy.load(std::sync::atomic::Ordering::SeqCst) {
        if line.starts_with("sync") {
            let _ = (&stream).write_all(b"ok 0 0 everything\n");
            return;
        }
        if line.starts_with("status") {
            let said = format!("ok watching {shown} (setting its watches again)\n");
            let _ = (&stream).write_all(said.as_bytes());
            return;
        }
    }
    let _ = tx.send(Msg::Question(stream, line));
}

/// Runs the watcher of `root` until it is stopped, idle for `idle`, or its root or socket is
/// gone. `ready` is called once it answers.
#[cfg(target_os = "linux")]
pub fn run(
    root: &Path,
    cache_dir: &Path,
    idle: Duration,
    ready: impl FnOnce(&str),
) -> Result<(), Refused> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let place = place(cache_dir, root);
    let canonical = watchable(root, &place).map_err(Refused::Other)?;
    let root_meta = std::fs::metadata(&canonical).map_err(|e| Refused::Other(e.to_string()))?;
    let (root_dev, root_ino) = (root_meta.dev(), root_meta.ino());
    let other = |what: &str, e: std::io::Error| Refused::Other(format!("{what}: {e}"));
    // Only this user may ask (or lie to) the commands that trust its answers.
    std::fs::set_permissions(&place.dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| other(&place.dir.display().to_string(), e))?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&place.lock)
        .map_err(|e| other(&place.lock.display().to_string(), e))?;
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return Err(Refused::Running);
    }
    let _ = std::fs::remove_file(&place.socket);
    let listener = UnixListener::bind(&place.socket)
        .map_err(|e| other(&format!("cannot listen on {}", place.socket.display()), e))?;
    let socket_ino = std::fs::metadata(&place.socket)
        .map_err(|e| other(&place.socket.display().to_string(), e))?
        .ino();
    let cookies = std::fs::canonicalize(&place.dir).unwrap_or(place.dir.clone());
    for e in std::fs::read_dir(&cookies).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with("cookie.") {
            let _ = std::fs::remove_file(e.path());
        }
    }

    let (tx, rx) = mpsc::channel::<Msg>();
    let events = tx.clone();
    let mut watch = Kernel::new(events).map_err(Refused::Other)?;
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| Refused::Other(e.to_string()))?;
    let mut state = State {
        root: canonical,
        cookies,
        // Never 0: the instance of the answer given while the watches are being set.
        instance: (u64::from_le_bytes(bytes) >> 1) | 1,
        seq: 0,
        full_since: 0,
        changed: HashMap::new(),
        always: HashSet::new(),
        broken: None,
        watched: 0,
    };
    // While every watch is set again (seconds at 10,000 workers), a question is answered at
    // once: "look at everything", with a token no later answer honours.
    let rebuilding = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let busy = rebuilding.clone();
    let rebuild = |state: &mut State, watch: &mut Kernel| {
        use std::sync::atomic::Ordering;
        rebuilding.store(true, Ordering::SeqCst);
        state.everything();
        state.always.clear();
        watch.count_afresh();
        // Each directory watched before it is listed: what is made meanwhile is an event.
        for d in [
            state.cookies.clone(),
            state.root.clone(),
            state.root.join("bin"),
            state.root.join("bin/community"),
        ] {
            watch.add(&d);
        }
        // What every worker reads: the workspace manifests above the workers, watched for
        // themselves. Where events cannot vouch for those, or for `bin` itself, they vouch
        // for nothing.
        let mut unvouched = None;
        for dir in ["", "bin", "bin/community"] {
            let d = state.root.join(dir);
            if !dir.is_empty() && vouched(&d, root_dev).is_some_and(|(_, ok)| !ok) {
                unvouched = Some(d.clone());
            }
            for f in ["Cargo.toml", "Cargo.lock"] {
                match vouched(&d.join(f), root_dev) {
                    Some((_, false)) => unvouched = Some(d.join(f)),
                    Some((m, true)) if m.is_file() => watch.add(&d.join(f)),
                    _ => {}
                }
            }
        }
        for (rel, link) in worker_dirs(&state.root) {
            let trusted = watch_worker(watch, &state.root.join(&rel), root_dev);
            if link || !trusted {
                state.always.insert(rel);
            }
        }
        state.watched = watch.count;
        state.broken = watch.refused.clone();
        rebuilding.store(false, Ordering::SeqCst);
        if let Some(p) = unvouched {
            state.broken = Some(format!(
                "{} is a symlink, a hard link or on another file system, whose changes need not be events here",
                p.display()
            ));
        }
        if let Some(why) = &state.broken {
            crate::report::say(&format!(
                "watch: {why}; every answer is \"look at everything\""
            ));
        }
    };
    rebuild(&mut state, &mut watch);

    let shown: std::sync::Arc<str> = state.root.display().to_string().into();
    // Each question is read on a thread of its own (up to READERS at once): a client that
    // connects and says nothing delays nobody else.
    let readers = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("rbee-watch-listen".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let (tx, busy, shown) = (tx.clone(), busy.clone(), shown.clone());
                let read = move || read_question(stream, &tx, &busy, &shown);
                use std::sync::atomic::Ordering;
                if readers.fetch_add(1, Ordering::SeqCst) >= READERS {
                    readers.fetch_sub(1, Ordering::SeqCst);
                    read();
                    continue;
                }
                let done = readers.clone();
                let spawned = std::thread::Builder::new()
                    .name("rbee-watch-ask".into())
                    .spawn(move || {
                        read();
                        done.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    readers.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })
        .map_err(|e| other("cannot start the listener", e))?;
    ready(&format!(
        "watching {} ({} directories and files); socket {}",
        state.root.display(),
        state.watched,
        place.socket.display()
    ));

    let mut pending: Vec<Pending> = Vec::new();
    let mut next_cookie = 0u64;
    let mut last_question = Instant::now();
    let mut last_net = Instant::now();
    let mut last_check = Instant::now();
    loop {
        let msg = rx.recv_timeout(Duration::from_millis(500));
        match msg {
            Ok(Msg::Event(None)) => rebuild(&mut state, &mut watch),
            Ok(Msg::Dead) => {
                crate::report::say("watch: the kernel's event queue cannot be read; exiting");
                let _ = std::fs::remove_file(&place.socket);
                return Ok(());
            }
            Ok(Msg::Event(Some(paths))) => {
                let mut rebuilt = false;
                for p in &paths {
                    match classify(&state, p) {
                        Hit::Ignore => {}
                        Hit::Everything if !rebuilt => {
                            rebuild(&mut state, &mut watch);
                            rebuilt = true;
                        }
                        Hit::Everything => {}
                        Hit::Cookie(n) => {
                            let _ = std::fs::remove_file(p);
                            pending.retain(|q| {
                                if q.cookie != n {
                                    return true;
                                }
                                let _ = (&q.stream).write_all(state.answer(q.since).as_bytes());
                                false
                            });
                        }
                        Hit::Worker(rel) => {
                            state.seq += 1;
                            let trusted =
                                watch_worker(&mut watch, &state.root.join(&rel), root_dev);
                            if let Some(e) = watch.refused.take() {
                                state.broken = Some(e);
                            }
                            if trusted {
                                state.always.remove(&rel);
                            } else {
                                state.always.insert(rel.clone());
                            }
                            state.changed.insert(rel, state.seq);
                        }
                    }
                }
            }
            Ok(Msg::Question(stream, line)) => {
                last_question = Instant::now();
                let mut words = line.trim_end().split(' ');
                match words.next() {
                    Some("sync") => {
                        let since = match (words.next(), words.next()) {
                            (Some(i), Some(s)) => i
                                .parse()
                                .ok()
                                .zip(s.parse().ok())
                                .map(|(instance, seq)| Token { instance, seq }),
                            _ => None,
                        };
                        next_cookie += 1;
                        let cookie = state.cookies.join(format!("cookie.{next_cookie}"));
                        if std::fs::write(&cookie, b"").is_ok() {
                            pending.push(Pending {
                                cookie: next_cookie,
                                stream,
                                since,
                                asked: Instant::now(),
                            });
                        } else {
                            let _ = (&stream).write_all(state.answer(None).as_bytes());
                        }
                    }
                    Some("status") => {
                        let _ = (&stream).write_all(
                            format!(
                                "ok watching {} ({} directories and files, {} changes seen{})\n",
                                state.root.display(),
                                state.watched,
                                state.seq,
                                match &state.broken {
                                    Some(why) => format!("; incomplete: {why}"),
                                    None => String::new(),
                                }
                            )
                            .as_bytes(),
                        );
                    }
                    Some("stop") => {
                        let _ = (&stream).write_all(b"ok\n");
                        let _ = std::fs::remove_file(&place.socket);
                        return Ok(());
                    }
                    _ => {
                        let _ = (&stream).write_all(b"error: expected sync, status or stop\n");
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
        // A cookie whose event never came: the answer cannot vouch for anything.
        pending.retain(|q| {
            if q.asked.elapsed() < COOKIE_WAIT {
                return true;
            }
            let _ = (&q.stream).write_all(state.answer(None).as_bytes());
            false
        });
        if last_net.elapsed() >= SAFETY_NET {
            last_net = Instant::now();
            state.everything();
        }
        if last_check.elapsed() >= Duration::from_secs(1) {
            last_check = Instant::now();
            let socket_here = std::fs::metadata(&place.socket).is_ok_and(|m| m.ino() == socket_ino);
            // Its root removed, or another directory in its place: not the catalog watched.
            let root_here = std::fs::metadata(&state.root)
                .is_ok_and(|m| m.is_dir() && (m.dev(), m.ino()) == (root_dev, root_ino));
            if !socket_here || !root_here || last_question.elapsed() >= idle {
                if socket_here {
                    let _ = std::fs::remove_file(&place.socket);
                }
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watcher_nobody_asked_for_takes_at_most_half_the_watches() {
        // Linux's old default of 8,192: not at 1,000 workers; 10,000 within this machine's.
        assert!(over_budget(1000, Some(8192)).is_some_and(|w| w.contains("6016 of the 8192")));
        assert_eq!(over_budget(600, Some(8192)), None);
        assert_eq!(over_budget(10_000, Some(192_530)), None);
        assert!(over_budget(10_000, Some(65_536)).is_some());
        // Unknown (no /proc): nothing to go by.
        assert_eq!(over_budget(usize::MAX, None), None);
    }

    #[test]
    fn an_answer_is_parsed_only_when_whole() {
        let t = Token {
            instance: 7,
            seq: 9,
        };
        assert_eq!(
            parse_answer(b"ok 7 9 everything\n"),
            Some((t, Changes::Everything))
        );
        assert_eq!(
            parse_answer(b"ok 7 9 dirs 2\nbin/a\0bin/community/b\0"),
            Some((
                t,
                Changes::Dirs(vec!["bin/a".into(), "bin/community/b".into()])
            ))
        );
        assert_eq!(
            parse_answer(b"ok 7 9 dirs 0\n"),
            Some((t, Changes::Dirs(vec![])))
        );
        // Cut short, or not an answer: none.
        assert_eq!(parse_answer(b"ok 7 9 dirs 2\nbin/a\0"), None);
        assert_eq!(parse_answer(b"ok 7 9 dirs 2\nbin/a\0bin/b"), None);
        assert_eq!(parse_answer(b"ok 7 9"), None);
        assert_eq!(parse_answer(b"error: no\n"), None);
    }
}
