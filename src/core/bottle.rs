//! Bottles (DESIGN section 12): a variant's prebuilt binary for one target triple, as data —
//! its file name, the `bottle.json` inside it, the entry an index publishes for it, and the
//! checks an unpacked bottle must pass before anything of it is installed.

use crate::manifest::{Arch, Os};
use serde::{Deserialize, Serialize};

/// What `bottle.json` is called inside a bottle, beside `bin/`.
pub const META: &str = "bottle.json";

/// A bottle as `index.json` lists it under its variant: `url` is relative to index.json (or
/// an http(s) URL), and `sha256` — inside the signed index — is what the download must hash to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bottle {
    pub target: String,
    pub url: String,
    pub sha256: String,
    pub size: u64,
}

/// `bottle.json`: what was built, for which target, with what, and the binary's sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub id: String,
    pub version: String,
    pub target: String,
    pub features: Vec<String>,
    pub rustc: String,
    /// The installed name: the binary is `bin/{binary}`.
    pub binary: String,
    pub sha256: String,
    #[serde(
        rename = "CUDA_COMPUTE_CAP",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cuda_compute_cap: Option<String>,
    /// The manifest's `[test] smoke` and `expect`, so a bottle from an index is smoke-tested
    /// as `test` would (an index carries no `[test]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoke: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
}

/// `{id}-{version}`: the one top directory of a bottle.
pub fn top_dir(id: &str, version: &str) -> String {
    format!("{id}-{version}")
}

/// `{id}-{version}.{target}.bottle.tar.gz`.
pub fn file_name(id: &str, version: &str, target: &str) -> String {
    format!("{id}-{version}.{target}.bottle.tar.gz")
}

/// The target triple a bottle must be built for to run here (what `rustc -vV` says `host:` on
/// such a machine).
pub fn host_target(os: Os, arch: Arch) -> &'static str {
    match (os, arch) {
        (Os::Linux, Arch::X86_64) => "x86_64-unknown-linux-gnu",
        (Os::Linux, Arch::Aarch64) => "aarch64-unknown-linux-gnu",
        (Os::Macos, Arch::X86_64) => "x86_64-apple-darwin",
        (Os::Macos, Arch::Aarch64) => "aarch64-apple-darwin",
        (Os::Windows, Arch::X86_64) => "x86_64-pc-windows-msvc",
        (Os::Windows, Arch::Aarch64) => "aarch64-pc-windows-msvc",
    }
}

/// Why an index's bottle entry cannot be used, if it cannot: a target that is not a triple,
/// a malformed sum, or a URL that is neither a plain relative path (no `..`, no query) nor
/// an http(s) download URL.
pub fn problem(b: &Bottle) -> Option<String> {
    let triple = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
            && !s.starts_with(['-', '.'])
    };
    if !triple(&b.target) {
        return Some(format!(
            "target `{}` is not a target triple",
            b.target.escape_debug()
        ));
    }
    if !crate::manifest::is_sha256_hex(&b.sha256) {
        return Some(format!(
            "the bottle for {} has a malformed sha256",
            b.target
        ));
    }
    if b.url.contains("://") {
        return crate::manifest::download_url_problem(&b.url).map(|why| {
            format!(
                "the bottle URL `{}` cannot be used: {why}",
                b.url.escape_debug()
            )
        });
    }
    let plain = !b.url.is_empty()
        && !b.url.starts_with('/')
        && b.url.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
        });
    (!plain).then(|| {
        format!(
            "the bottle URL `{}` must be a path relative to index.json (letters, digits, `._+-`, no `..`) or an http(s) URL",
            b.url.escape_debug()
        )
    })
}

/// Where a bottle listed by the index at `index` (an http(s) URL or a file path) is.
pub fn resolve(index: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_string();
    }
    if index.contains("://") && !index.starts_with("file://") {
        return match url::Url::parse(index).and_then(|base| base.join(url)) {
            Ok(u) => u.to_string(),
            Err(_) => url.to_string(),
        };
    }
    let path = std::path::Path::new(index.strip_prefix("file://").unwrap_or(index));
    path.parent()
        .unwrap_or(std::path::Path::new("/"))
        .join(url)
        .display()
        .to_string()
}

/// Why an unpacked bottle's `bottle.json` does not describe what the signed index promised
/// (this variant, this version, this host's target, this binary), if it does not.
pub fn mismatch(
    meta: &Meta,
    id: &str,
    version: &str,
    target: &str,
    binary: &str,
) -> Option<String> {
    if meta.id != id || meta.version != version {
        return Some(format!(
            "it holds {} {}, not {id} {version}",
            meta.id.escape_debug(),
            meta.version.escape_debug()
        ));
    }
    if meta.target != target {
        return Some(format!(
            "it was built for {}, and this host is {target}",
            meta.target.escape_debug()
        ));
    }
    if meta.binary != binary {
        return Some(format!(
            "its binary is `{}`, not `{binary}`",
            meta.binary.escape_debug()
        ));
    }
    None
}
