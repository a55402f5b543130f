//! Hardware detection with fake probes: which backends, in which order, on what evidence, and
//! the variant `install WORKER` picks from them.

use super::{cargo_toml, discover_root, only_worker, worker_toml, write_worker};
use crate::catalog::Catalog;
use crate::detect::{decide, recommend, Detection, Gpu, Probes};
use std::path::PathBuf;

/// A host with nothing to find: no GPU, no override.
fn host(os: &str, arch: &str) -> Probes {
    Probes {
        os: os.into(),
        arch: arch.into(),
        ..Probes::default()
    }
}

fn backends(p: &Probes) -> Vec<String> {
    decide(p).expect("a valid probe").backends
}

fn gpu(vendor: &str, name: &str, evidence: &str) -> Gpu {
    Gpu {
        vendor: vendor.into(),
        name: name.into(),
        evidence: evidence.into(),
    }
}

#[test]
fn nothing_found_means_cpu_only() {
    let d = decide(&host("linux", "x86_64")).unwrap();
    assert_eq!(
        d,
        Detection {
            os: "linux".into(),
            arch: "x86_64".into(),
            gpus: vec![],
            backends: vec!["cpu".into()],
            overridden_by: None,
        }
    );
    // An Intel Mac has no Metal backend here; only Apple Silicon does.
    assert_eq!(backends(&host("macos", "x86_64")), ["cpu"]);
    assert_eq!(backends(&host("linux", "aarch64")), ["cpu"]);
}

#[test]
fn nvidia_is_found_by_its_driver_or_by_nvidia_smi() {
    let driver = Probes {
        proc_nvidia: true,
        nvidia_smi: Some(PathBuf::from("/usr/bin/nvidia-smi")),
        ..host("linux", "x86_64")
    };
    let d = decide(&driver).unwrap();
    assert_eq!(d.backends, ["cuda", "cpu"]);
    assert_eq!(
        d.gpus,
        [gpu("nvidia", "NVIDIA GPU", "/proc/driver/nvidia/version")],
        "the driver is the better evidence"
    );

    let smi = Probes {
        nvidia_smi: Some(PathBuf::from("/opt/nv/bin/nvidia-smi")),
        ..host("linux", "x86_64")
    };
    let d = decide(&smi).unwrap();
    assert_eq!(d.backends, ["cuda", "cpu"]);
    assert_eq!(
        d.gpus,
        [gpu("nvidia", "NVIDIA GPU", "/opt/nv/bin/nvidia-smi")]
    );
}

#[test]
fn rocm_is_found_by_dev_kfd_or_by_rocminfo() {
    let kfd = Probes {
        dev_kfd: true,
        ..host("linux", "x86_64")
    };
    let d = decide(&kfd).unwrap();
    assert_eq!(d.backends, ["rocm", "cpu"]);
    assert_eq!(d.gpus, [gpu("amd", "AMD GPU (ROCm)", "/dev/kfd")]);

    let info = Probes {
        rocminfo: Some(PathBuf::from("/opt/rocm/bin/rocminfo")),
        ..host("linux", "x86_64")
    };
    let d = decide(&info).unwrap();
    assert_eq!(d.backends, ["rocm", "cpu"]);
    assert_eq!(
        d.gpus,
        [gpu("amd", "AMD GPU (ROCm)", "/opt/rocm/bin/rocminfo")]
    );
}

#[test]
fn backends_are_ordered_cuda_rocm_metal_cpu() {
    let everything = Probes {
        proc_nvidia: true,
        dev_kfd: true,
        ..host("macos", "aarch64")
    };
    let d = decide(&everything).unwrap();
    assert_eq!(d.backends, ["cuda", "rocm", "metal", "cpu"]);
    let vendors: Vec<&str> = d.gpus.iter().map(|g| g.vendor.as_str()).collect();
    assert_eq!(vendors, ["nvidia", "amd", "apple"]);
    assert_eq!(d.gpus[2], gpu("apple", "Apple Silicon", "macos/aarch64"));

    let both = Probes {
        rocminfo: Some(PathBuf::from("/r")),
        nvidia_smi: Some(PathBuf::from("/n")),
        ..host("linux", "x86_64")
    };
    assert_eq!(backends(&both), ["cuda", "rocm", "cpu"]);
}

#[test]
fn rbee_workers_gpu_overrides_every_probe() {
    let busy = Probes {
        proc_nvidia: true,
        dev_kfd: true,
        ..host("macos", "aarch64")
    };
    for forced in ["cuda", "rocm", "metal"] {
        let d = decide(&Probes {
            gpu_override: Some(forced.into()),
            ..busy.clone()
        })
        .unwrap();
        assert_eq!(d.backends, [forced, "cpu"], "{forced}");
        assert_eq!(d.overridden_by.as_deref(), Some(forced));
        assert_eq!(d.gpus.len(), 1, "{forced}: {:?}", d.gpus);
        assert_eq!(d.gpus[0].name, format!("{forced} (forced)"));
        assert_eq!(d.gpus[0].evidence, "RBEE_WORKERS_GPU");
    }
    let vendor = |o: &str| {
        decide(&Probes {
            gpu_override: Some(o.into()),
            ..host("linux", "x86_64")
        })
        .unwrap()
        .gpus[0]
            .vendor
            .clone()
    };
    assert_eq!(
        [vendor("cuda"), vendor("rocm"), vendor("metal")],
        ["nvidia", "amd", "apple"]
    );

    let none = decide(&Probes {
        gpu_override: Some("none".into()),
        ..busy
    })
    .unwrap();
    assert_eq!(none.backends, ["cpu"]);
    assert!(none.gpus.is_empty());
    assert_eq!(none.overridden_by.as_deref(), Some("none"));
}

#[test]
fn an_invalid_override_is_an_error_naming_the_choices() {
    for bad in ["bogus", "CUDA", "cpu", " cuda"] {
        let e = decide(&Probes {
            gpu_override: Some(bad.into()),
            proc_nvidia: true,
            ..host("linux", "x86_64")
        })
        .expect_err(bad);
        assert_eq!(
            e,
            format!("RBEE_WORKERS_GPU is `{bad}`; expected one of cuda, rocm, metal, none")
        );
    }
}

// ---- recommend ----

/// A worker `w` with `features` (the first is its default) on every platform.
fn worker(features: &[&str]) -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    write_worker(
        dir.path(),
        "w",
        &worker_toml(
            "w",
            features,
            "linux = [\"x86_64\", \"aarch64\"]\nmacos = [\"aarch64\"]",
            "",
            "",
        ),
        &cargo_toml("w", features, ""),
    );
    let c = discover_root(dir.path());
    (dir, c)
}

/// (feature, reason) that `recommend` picks on the host `p` describes.
fn pick(c: &Catalog, p: &Probes) -> Option<(String, String)> {
    let d = decide(p).unwrap();
    recommend(only_worker(c), &d).map(|(v, why)| (v.feature.clone(), why))
}

fn r(feature: &str, why: &str) -> Option<(String, String)> {
    Some((feature.into(), why.into()))
}

#[test]
fn recommend_picks_the_best_detected_backend_the_worker_has() {
    let (_d, c) = worker(&["cpu", "cuda", "rocm", "metal"]);
    let nvidia_and_amd = Probes {
        proc_nvidia: true,
        dev_kfd: true,
        ..host("linux", "x86_64")
    };
    assert_eq!(
        pick(&c, &nvidia_and_amd),
        r(
            "cuda",
            "NVIDIA GPU found (/proc/driver/nvidia/version); cuda is the best backend this machine supports"
        )
    );
    let amd = Probes {
        rocminfo: Some(PathBuf::from("/opt/rocm/bin/rocminfo")),
        ..host("linux", "x86_64")
    };
    assert_eq!(
        pick(&c, &amd),
        r(
            "rocm",
            "AMD GPU (ROCm) found (/opt/rocm/bin/rocminfo); rocm is the best backend this machine supports"
        )
    );
    assert_eq!(
        pick(&c, &host("macos", "aarch64")),
        r(
            "metal",
            "Apple Silicon found (macos/aarch64); metal is the best backend this machine supports"
        )
    );
    assert_eq!(
        pick(&c, &host("linux", "x86_64")),
        r("cpu", "no GPU detected; cpu runs on linux/x86_64")
    );
}

#[test]
fn recommend_skips_a_detected_backend_the_platform_cannot_run() {
    let (_d, c) = worker(&["cpu", "cuda", "rocm"]);
    // ROCm runs on linux x86_64 only: an aarch64 host with /dev/kfd gets cpu.
    let arm_amd = Probes {
        dev_kfd: true,
        ..host("linux", "aarch64")
    };
    assert_eq!(
        pick(&c, &arm_amd),
        r("cpu", "no GPU variant runs here; cpu runs on linux/aarch64")
    );
    // A worker without the detected backend: cuda found, only cpu and rocm offered.
    let (_d, c) = worker(&["cpu", "rocm"]);
    let nvidia = Probes {
        proc_nvidia: true,
        ..host("linux", "x86_64")
    };
    assert_eq!(
        pick(&c, &nvidia),
        r("cpu", "no GPU variant runs here; cpu runs on linux/x86_64")
    );
}

#[test]
fn recommend_says_when_the_override_chose() {
    let (_d, c) = worker(&["cpu", "cuda"]);
    let forced = Probes {
        gpu_override: Some("cuda".into()),
        ..host("linux", "x86_64")
    };
    assert_eq!(
        pick(&c, &forced),
        r(
            "cuda",
            "RBEE_WORKERS_GPU=cuda; cuda is the best backend this machine supports"
        )
    );
    let none = Probes {
        gpu_override: Some("none".into()),
        proc_nvidia: true,
        ..host("linux", "x86_64")
    };
    assert_eq!(
        pick(&c, &none),
        r("cpu", "no GPU detected; cpu runs on linux/x86_64")
    );
}

#[test]
fn without_a_cpu_variant_the_default_feature_then_any_runnable_one() {
    let (_d, c) = worker(&["vulkan", "cuda"]);
    assert_eq!(
        pick(&c, &host("linux", "x86_64")),
        r(
            "vulkan",
            "the worker's default feature `vulkan` runs on linux/x86_64"
        )
    );
    // The default (metal) does not run on Linux; the one that does is taken.
    let (_d, c) = worker(&["metal", "vulkan"]);
    assert_eq!(
        pick(&c, &host("linux", "x86_64")),
        r(
            "vulkan",
            "the only kind of variant that runs on linux/x86_64"
        )
    );
    // Nothing runs on Windows for a worker without windows platforms.
    assert_eq!(pick(&c, &host("windows", "x86_64")), None);
}

#[test]
fn an_unknown_host_gets_no_recommendation() {
    let (_d, c) = worker(&["cpu"]);
    assert_eq!(pick(&c, &host("freebsd", "x86_64")), None);
    assert_eq!(pick(&c, &host("linux", "riscv64")), None);
    assert_eq!(
        decide(&host("linux", "riscv64")).unwrap().host(),
        None,
        "an arch outside the closed set"
    );
}
