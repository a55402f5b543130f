//! The closed sets, one enum each, shared by every layer, the JSON documents and the
//! installed database (an unknown value read back is an error, never a silent default).

use crate::manifest::{Arch, Os};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// How a variant is built and installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Cargo,
    Makepkg,
    Brew,
    /// A prebuilt binary from an index source, poured without building (DESIGN section 12).
    Bottle,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cargo => "cargo",
            Backend::Makepkg => "makepkg",
            Backend::Brew => "brew",
            Backend::Bottle => "bottle",
        }
    }

    /// rbee-workers puts the files in place itself (under the prefix), so it deletes them on
    /// removal and checks their destination; pacman and brew own theirs.
    pub fn owns_files(self) -> bool {
        matches!(self, Backend::Cargo | Backend::Bottle)
    }
}

/// A PKGBUILD flavour (DESIGN section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchFlavor {
    Release,
    Git,
    Local,
}

impl ArchFlavor {
    pub const ALL: [ArchFlavor; 3] = [ArchFlavor::Release, ArchFlavor::Git, ArchFlavor::Local];

    pub fn name(self) -> &'static str {
        match self {
            ArchFlavor::Release => "release",
            ArchFlavor::Git => "git",
            ArchFlavor::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<ArchFlavor> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// A Homebrew formula flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BrewFlavor {
    Release,
    Head,
}

impl BrewFlavor {
    pub const ALL: [BrewFlavor; 2] = [BrewFlavor::Release, BrewFlavor::Head];

    pub fn name(self) -> &'static str {
        match self {
            BrewFlavor::Release => "release",
            BrewFlavor::Head => "head",
        }
    }

    pub fn parse(s: &str) -> Option<BrewFlavor> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// What a build was made from, as plans and the installed database record it: the source
/// tree (`local`), a git source's clone or branch (`git`), the tagged release (`release`), or
/// Homebrew's `head`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildFlavor {
    Local,
    Git,
    Release,
    Head,
}

impl BuildFlavor {
    pub fn name(self) -> &'static str {
        match self {
            BuildFlavor::Local => "local",
            BuildFlavor::Git => "git",
            BuildFlavor::Release => "release",
            BuildFlavor::Head => "head",
        }
    }
}

impl From<ArchFlavor> for BuildFlavor {
    fn from(f: ArchFlavor) -> Self {
        match f {
            ArchFlavor::Release => BuildFlavor::Release,
            ArchFlavor::Git => BuildFlavor::Git,
            ArchFlavor::Local => BuildFlavor::Local,
        }
    }
}

impl From<BrewFlavor> for BuildFlavor {
    fn from(f: BrewFlavor) -> Self {
        match f {
            BrewFlavor::Release => BuildFlavor::Release,
            BrewFlavor::Head => BuildFlavor::Head,
        }
    }
}

macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}
display_by_name!(
    Backend,
    ArchFlavor,
    BrewFlavor,
    BuildFlavor,
    GpuBackend,
    SyncStatus,
    FileStatus
);

/// The GPU backends rbee-workers knows (DESIGN section 1): the one table of where each runs,
/// what Arch packages it adds, which vendor's hardware it needs, and the order `install
/// WORKER` prefers them in. Any other feature (`cpu` among them) runs wherever the worker does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuBackend {
    Cuda,
    Rocm,
    Metal,
}

impl GpuBackend {
    /// Best first.
    pub const ALL: [GpuBackend; 3] = [GpuBackend::Cuda, GpuBackend::Rocm, GpuBackend::Metal];

    pub fn name(self) -> &'static str {
        match self {
            GpuBackend::Cuda => "cuda",
            GpuBackend::Rocm => "rocm",
            GpuBackend::Metal => "metal",
        }
    }

    /// The known backend a cargo feature selects, if any.
    pub fn of_feature(feature: &str) -> Option<GpuBackend> {
        Self::ALL.into_iter().find(|b| b.name() == feature)
    }

    /// Whether the backend can run on `os`/`arch` at all (before the worker's own platforms):
    /// CUDA has no macOS, ROCm is Linux x86_64, Metal is Apple Silicon.
    pub fn runs_on(self, os: Os, arch: Arch) -> bool {
        match self {
            // Arch's `cuda` package is x86_64-only (DESIGN section 3).
            GpuBackend::Cuda => os == Os::Windows || (os == Os::Linux && arch == Arch::X86_64),
            GpuBackend::Rocm => os == Os::Linux && arch == Arch::X86_64,
            GpuBackend::Metal => os == Os::Macos && arch == Arch::Aarch64,
        }
    }

    /// Arch runtime packages and build packages the backend adds.
    pub fn arch_packages(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            GpuBackend::Cuda => (&["cuda"], &[]),
            GpuBackend::Rocm => (&["rocm-hip-runtime"], &["rocm-hip-sdk"]),
            GpuBackend::Metal => (&[], &[]),
        }
    }

    /// Whose hardware it needs, as `detect` reports it.
    pub fn vendor(self) -> &'static str {
        match self {
            GpuBackend::Cuda => "nvidia",
            GpuBackend::Rocm => "amd",
            GpuBackend::Metal => "apple",
        }
    }
}

/// Why a variant is installed: named by the user, or pulled in as another's dependency
/// (pacman's `--asdeps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    #[default]
    Explicit,
    Dependency,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Explicit => "explicit",
            Reason::Dependency => "dependency",
        }
    }
}

/// What `sync` did for one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    Updated,
    Unchanged,
    /// Kept the cached copy (after a failure, or under `--offline`).
    Cached,
    Failed,
}

impl SyncStatus {
    pub fn name(self) -> &'static str {
        match self {
            SyncStatus::Updated => "updated",
            SyncStatus::Unchanged => "unchanged",
            SyncStatus::Cached => "cached",
            SyncStatus::Failed => "failed",
        }
    }
}

/// What `verify` found for one installed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Ok,
    Modified,
    Missing,
}

impl FileStatus {
    pub fn name(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Modified => "modified",
            FileStatus::Missing => "missing",
        }
    }
}

/// `search --sort`: paru's `--sortby`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Votes,
    Popularity,
    Rating,
    Name,
}
