//! The Homebrew model: one typed `Formula` per variant × flavour, in Homebrew's component
//! order (desc, homepage, url, sha256, license, head, livecheck, depends_on, install, test).

use crate::catalog::{Variant, Worker};
use crate::error::Error;
use crate::manifest::{Arch, Os};
use serde::Serialize;

pub use crate::kinds::BrewFlavor as Flavor;

impl Flavor {
    pub fn template(self) -> &'static str {
        match self {
            Flavor::Release => "brew-release.rb.j2",
            Flavor::Head => "brew-head.rb.j2",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Formula {
    pub class_name: String,
    pub file_name: String,
    pub desc: String,
    pub homepage: Option<String>,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub license: Option<String>,
    pub head_url: Option<String>,
    pub branch: String,
    pub depends: Vec<String>,
    pub arm64_only: bool,
    pub macos_only: bool,
    /// The crate's directory inside the source tree, for `std_cargo_args(path:)`.
    pub path: String,
    pub features: Vec<String>,
    pub binary: String,
    pub installed_name: String,
}

/// Homebrew's class name for a formula name: `llm-worker-cuda` → `LlmWorkerCuda`.
pub fn class_name(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        // A Ruby constant must start with a letter.
        out.insert_str(0, "Rbee");
    }
    out
}

/// Homebrew's `desc` rules: at most 80 characters, no leading article, no trailing period.
pub fn desc(text: &str) -> String {
    let mut d = text.trim().to_string();
    for article in ["A ", "An ", "The "] {
        if let Some(rest) = d.strip_prefix(article) {
            let mut chars = rest.chars();
            d = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            break;
        }
    }
    while d.ends_with('.') {
        d.pop();
    }
    if d.chars().count() > 80 {
        let cut: String = d.chars().take(80).collect();
        d = match cut.rfind(' ') {
            Some(i) if i > 40 => cut[..i].to_string(),
            _ => cut,
        };
        d = d.trim_end_matches(['.', ',', ';', ':', ' ']).to_string();
    }
    d
}

/// The variant's macOS arches; a variant that doesn't run on macOS has no formula.
pub fn require_macos(v: &Variant) -> Result<&[Arch], Error> {
    match v.platforms.get(&Os::Macos).filter(|a| !a.is_empty()) {
        Some(a) => Ok(a),
        None => Err(Error::NoArtifact {
            message: format!(
                "variant `{}` does not run on macOS, so it has no Homebrew formula",
                v.id
            ),
            help: match v.platforms.contains_key(&Os::Linux) {
                true => format!("it runs on Linux: `rbee-workers pkgbuild {}`", v.id),
                false => "add a macos entry to [platforms] in worker.toml".into(),
            },
        }),
    }
}

/// The formulas, then each worker dependency's default variant formula (Homebrew has no
/// provides, so a dependency names one formula).
fn depends(v: &Variant) -> Vec<String> {
    let mut out = v.depends.brew.clone();
    for r in &v.requires {
        let f = r.default_variant.clone().unwrap_or_else(|| r.id.clone());
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

pub fn model(
    w: &Worker,
    v: &Variant,
    flavor: Flavor,
    sha256: Option<String>,
) -> Result<Formula, Error> {
    let mac = require_macos(v)?;
    let head_url = w.upstream.git.clone();
    let (url, sha256) = match flavor {
        Flavor::Release => {
            let url = w
                .upstream
                .tarball
                .clone()
                .ok_or_else(|| Error::MissingUpstream {
                    message: format!(
                        "worker `{}` has no release tarball URL, so it has no release formula",
                        w.id
                    ),
                    help: "set [source].tarball in worker.toml, or use `--flavor head`".into(),
                })?;
            let sha = sha256.ok_or_else(|| Error::MissingUpstream {
                message: format!("no sha256 for {url}"),
                help: "pin [source].sha256 in worker.toml".into(),
            })?;
            (Some(url), Some(sha))
        }
        Flavor::Head => {
            if head_url.is_none() {
                return Err(Error::MissingUpstream {
                    message: format!(
                        "worker `{}` has no git repository, so it has no head formula",
                        w.id
                    ),
                    help: "set [source].git in worker.toml or `repository` in Cargo.toml".into(),
                });
            }
            (None, None)
        }
    };
    Ok(Formula {
        class_name: class_name(&v.id),
        file_name: format!("{}.rb", v.id),
        desc: desc(&w.description),
        homepage: w.homepage.clone(),
        url,
        sha256,
        license: w.license.clone(),
        head_url,
        branch: w.upstream.branch.clone(),
        depends: depends(v),
        arm64_only: !mac.contains(&Arch::X86_64),
        macos_only: v.platforms.keys().all(|os| *os == Os::Macos),
        path: w.upstream.subdir.clone(),
        features: vec![v.feature.clone()],
        binary: v.binary.clone(),
        installed_name: v.installed_name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_are_camel_case_constants() {
        assert_eq!(class_name("llm-worker-cuda"), "LlmWorkerCuda");
        assert_eq!(class_name("3d-worker-cpu"), "Rbee3dWorkerCpu");
    }

    #[test]
    fn desc_follows_homebrew_rules() {
        assert_eq!(
            desc("A tiny worker that says hello."),
            "Tiny worker that says hello"
        );
        let long = "word ".repeat(30);
        assert!(desc(&long).chars().count() <= 80);
    }
}
