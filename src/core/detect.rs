//! Hardware detection: which backends this machine can run, best first (DESIGN section 4).
//! `probe` looks at the machine; `decide` and `recommend` are pure, so tests drive them with
//! fake probes and `RBEE_WORKERS_GPU`.

use crate::catalog::{Variant, Worker};
use crate::kinds::GpuBackend;
use crate::manifest::{Arch, Os};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What was seen on the machine, before any decision.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    pub os: String,
    pub arch: String,
    /// `RBEE_WORKERS_GPU`, when set.
    pub gpu_override: Option<String>,
    /// `/proc/driver/nvidia/version` exists.
    pub proc_nvidia: bool,
    /// `nvidia-smi` on PATH.
    pub nvidia_smi: Option<PathBuf>,
    /// `/dev/kfd` exists (the ROCm kernel driver).
    pub dev_kfd: bool,
    /// `rocminfo` on PATH.
    pub rocminfo: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gpu {
    pub vendor: String,
    pub name: String,
    /// How it was found.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub os: String,
    pub arch: String,
    pub gpus: Vec<Gpu>,
    /// Features this machine can run, best first; always ends with `cpu`.
    pub backends: Vec<String>,
    /// Set when `RBEE_WORKERS_GPU` decided instead of the probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
}

impl Detection {
    pub fn host(&self) -> Option<(Os, Arch)> {
        Some((self.os.parse().ok()?, self.arch.parse().ok()?))
    }
}

pub const GPU_VALUES: &[&str] = &["cuda", "rocm", "metal", "none"];

pub fn probe() -> Probes {
    Probes {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        gpu_override: std::env::var("RBEE_WORKERS_GPU")
            .ok()
            .filter(|s| !s.is_empty()),
        proc_nvidia: Path::new("/proc/driver/nvidia/version").exists(),
        nvidia_smi: which("nvidia-smi"),
        dev_kfd: Path::new("/dev/kfd").exists(),
        rocminfo: which("rocminfo"),
    }
}

/// The first executable called `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

pub fn decide(p: &Probes) -> Result<Detection, String> {
    let mut gpus = Vec::new();
    let mut backends = Vec::new();
    let overridden_by = p.gpu_override.clone();
    if let Some(o) = &p.gpu_override {
        match o.as_str() {
            known if GpuBackend::of_feature(known).is_some() => {
                gpus.push(Gpu {
                    vendor: vendor_of(o).into(),
                    name: format!("{o} (forced)"),
                    evidence: "RBEE_WORKERS_GPU".into(),
                });
                backends.push(o.clone());
            }
            "none" => {}
            other => {
                return Err(format!(
                    "RBEE_WORKERS_GPU is `{other}`; expected one of {}",
                    GPU_VALUES.join(", ")
                ))
            }
        }
    } else {
        if p.proc_nvidia || p.nvidia_smi.is_some() {
            let evidence = if p.proc_nvidia {
                "/proc/driver/nvidia/version".to_string()
            } else {
                format!("{}", p.nvidia_smi.as_ref().expect("checked").display())
            };
            gpus.push(Gpu {
                vendor: "nvidia".into(),
                name: "NVIDIA GPU".into(),
                evidence,
            });
            backends.push(GpuBackend::Cuda.name().into());
        }
        if p.dev_kfd || p.rocminfo.is_some() {
            let evidence = if p.dev_kfd {
                "/dev/kfd".to_string()
            } else {
                format!("{}", p.rocminfo.as_ref().expect("checked").display())
            };
            gpus.push(Gpu {
                vendor: "amd".into(),
                name: "AMD GPU (ROCm)".into(),
                evidence,
            });
            backends.push(GpuBackend::Rocm.name().into());
        }
        if p.os == "macos" && p.arch == "aarch64" {
            gpus.push(Gpu {
                vendor: "apple".into(),
                name: "Apple Silicon".into(),
                evidence: "macos/aarch64".into(),
            });
            backends.push(GpuBackend::Metal.name().into());
        }
    }
    backends.push("cpu".into());
    Ok(Detection {
        os: p.os.clone(),
        arch: p.arch.clone(),
        gpus,
        backends,
        overridden_by,
    })
}

fn vendor_of(backend: &str) -> &'static str {
    GpuBackend::of_feature(backend).map_or("unknown", GpuBackend::vendor)
}

/// The variant `install WORKER` picks here and why: the best detected backend the worker has a
/// variant for on this platform, else its default feature, else any variant that runs here.
pub fn recommend<'w>(w: &'w Worker, d: &Detection) -> Option<(&'w Variant, String)> {
    let (os, arch) = d.host()?;
    let runs: Vec<&Variant> = w.variants.iter().filter(|v| v.supports(os, arch)).collect();
    let why_gpu = |b: &str| match &d.overridden_by {
        Some(_) => format!("RBEE_WORKERS_GPU={b}"),
        None => d
            .gpus
            .iter()
            .find(|g| vendor_of(b) == g.vendor)
            .map_or_else(
                || "no GPU detected".to_string(),
                |g| format!("{} found ({})", g.name, g.evidence),
            ),
    };
    for b in &d.backends {
        if let Some(v) = runs.iter().find(|v| &v.feature == b) {
            let reason = if b == "cpu" {
                let gpu_note = if d.gpus.is_empty() {
                    "no GPU detected".to_string()
                } else {
                    "no GPU variant runs here".to_string()
                };
                format!("{gpu_note}; cpu runs on {os}/{arch}")
            } else {
                format!(
                    "{}; {b} is the best backend this machine supports",
                    why_gpu(b)
                )
            };
            return Some((v, reason));
        }
    }
    if let Some(v) = runs.iter().find(|v| v.feature == w.default_feature) {
        return Some((
            v,
            format!(
                "the worker's default feature `{}` runs on {os}/{arch}",
                v.feature
            ),
        ));
    }
    runs.first().map(|v| {
        (
            *v,
            format!("the only kind of variant that runs on {os}/{arch}"),
        )
    })
}

/// Whether this process runs as root (makepkg refuses to, and so does its backend).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}
