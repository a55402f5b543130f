//! Build metadata for `rbee-workers --version` (a bug report wants the commit, its date and
//! the target): from git when the source is a checkout, else the release's tag and the date of
//! `SOURCE_DATE_EPOCH` (what makepkg and Debian set for a reproducible build); and for
//! `--version --verbose`, the cargo features and the compiler.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// `YYYY-MM-DD` of a Unix time (Howard Hinnant's days-to-civil).
fn civil(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn main() {
    // From a release tarball (no checkout): its tag, and the date makepkg and Debian give a
    // reproducible build in SOURCE_DATE_EPOCH.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let release = || {
        format!(
            "v{}",
            std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
        )
    };
    let commit = git(&["rev-parse", "--short=9", "HEAD"]).unwrap_or_else(release);
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(civil);
    let date = git(&["log", "-1", "--format=%cs", "HEAD"])
        .or(epoch)
        .unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=RBEE_WORKERS_COMMIT={commit}");
    println!("cargo:rustc-env=RBEE_WORKERS_COMMIT_DATE={date}");
    println!("cargo:rustc-env=RBEE_WORKERS_TARGET={target}");
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            Some(
                k.strip_prefix("CARGO_FEATURE_")?
                    .to_lowercase()
                    .replace('_', "-"),
            )
        })
        .collect();
    features.sort();
    let features = if features.is_empty() {
        "none".to_string()
    } else {
        features.join(", ")
    };
    println!("cargo:rustc-env=RBEE_WORKERS_FEATURES={features}");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=RBEE_WORKERS_RUSTC={rustc}");
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=RBEE_WORKERS_PROFILE={profile}");
    if let Some(path) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={path}");
        // Through --git-path: in a worktree the branch lives in the common directory.
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(&["rev-parse", "--git-path", &head]) {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
