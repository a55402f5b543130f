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
    /// The formulae it depends on, in the order they are printed.
    pub depends: Vec<String>,
    /// Every `depends_on` after `"rust" => :build`, in the order Homebrew's DependencyOrder
    /// cop wants: by name (`arch:` sorts as `arch`, `:macos` as `macos`).
    pub depends_on: Vec<DependsOn>,
    /// `depends_on arch: :arm64` only where it is true: inside `on_macos`/`on_linux` when
    /// the variant runs on x86_64 on the other system.
    pub arm64_on_macos: bool,
    pub arm64_on_linux: bool,
    /// The smoke test's argv; `bin` marks the `{bin}` placeholder (the installed binary).
    pub smoke: Vec<SmokeArg>,
    /// Text the smoke command's output must contain.
    pub expect: Option<String>,
    /// Submodules holding path dependencies: a `resource` each, staged before the build
    /// (release flavour; a head build's clone has them).
    pub resources: Vec<crate::vcs::Submodule>,
    /// The crate's directory inside the source tree, for `std_cargo_args(path:)`.
    pub path: String,
    pub features: Vec<String>,
    pub binary: String,
    pub installed_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependsOn {
    /// `arch` (`depends_on arch: :arm64`), `macos` (`depends_on :macos`) or `formula`.
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmokeArg {
    pub bin: bool,
    pub text: String,
}

/// The smoke command of `[test] smoke` (DESIGN sections 3 and 9), else `{bin} --help`,
/// which every clap binary answers.
pub fn smoke_args(w: &Worker) -> Vec<SmokeArg> {
    let default = ["{bin}".to_string(), "--help".to_string()];
    let argv = w.test.smoke.as_deref().unwrap_or(&default);
    argv.iter()
        .map(|a| SmokeArg {
            bin: a == "{bin}",
            text: a.clone(),
        })
        .collect()
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
    let linux = v.platforms.get(&Os::Linux).filter(|a| !a.is_empty());
    let arm64_mac = !mac.contains(&Arch::X86_64);
    let arm64_linux = linux.is_some_and(|a| !a.contains(&Arch::X86_64));
    let macos_only = linux.is_none();
    // Everywhere the formula installs (macOS, and Linux when it runs there) needs arm64:
    // a plain requirement; else only on the system where it is true.
    let arm64_everywhere = arm64_mac && (macos_only || arm64_linux);
    // System formulas, then each worker dependency's default variant formula (Homebrew has
    // no provides).
    let mut depends_on: Vec<DependsOn> = depends(v)
        .iter()
        .filter(|d| d.as_str() != "rust")
        .map(|d| DependsOn {
            kind: "formula",
            name: d.clone(),
        })
        .collect();
    if arm64_everywhere {
        depends_on.push(DependsOn {
            kind: "arch",
            name: "arch".into(),
        });
    }
    if macos_only {
        depends_on.push(DependsOn {
            kind: "macos",
            name: "macos".into(),
        });
    }
    depends_on.sort_by_key(|d| d.name.to_lowercase());
    depends_on.dedup();
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
        depends: depends_on
            .iter()
            .filter(|d| d.kind == "formula")
            .map(|d| d.name.clone())
            .collect(),
        depends_on,
        arm64_on_macos: arm64_mac && !arm64_everywhere,
        arm64_on_linux: arm64_linux && !arm64_everywhere,
        smoke: smoke_args(w),
        expect: w.test.expect.clone(),
        resources: match flavor {
            Flavor::Release => w.tree.submodules.clone(),
            Flavor::Head => Vec::new(),
        },
        path: w.upstream.subdir.clone(),
        features: vec![v.feature.clone()],
        binary: v.binary.clone(),
        installed_name: v.installed_name.clone(),
    })
}

/// Homebrew's component order (FormulaAudit/ComponentsOrder), as the names `audit` gives
/// the lines of a formula's body; a component may follow only those before it.
const ORDER: &[&str] = &[
    "include",
    "desc",
    "homepage",
    "url",
    "mirror",
    "version",
    "sha256",
    "license",
    "revision",
    "version_scheme",
    "head",
    "stable do",
    "livecheck do",
    "bottle do",
    "head do",
    "keg_only",
    "option",
    "deprecate!",
    "disable!",
    "depends_on",
    "uses_from_macos",
    "on_macos do",
    "on_linux do",
    "conflicts_with",
    "fails_with",
    "resource do",
    "patch",
    "def install",
    "def post_install",
    "def caveats",
    "test do",
];

/// The component a line of the class body (two-space indent) starts.
fn component(line: &str) -> Option<&'static str> {
    let body = line.strip_prefix("  ")?;
    if body.starts_with(' ') {
        return None;
    }
    let word: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '!'))
        .collect();
    let block = body.trim_end().ends_with(" do");
    let name = match (word.as_str(), block) {
        ("def", _) => {
            let m: String = body[4..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            return ORDER.iter().find(|o| **o == format!("def {m}")).copied();
        }
        ("resource", _) => "resource do",
        (w, true) => return ORDER.iter().find(|o| **o == format!("{w} do")).copied(),
        (w, false) => w,
    };
    ORDER.iter().find(|o| **o == name).copied()
}

/// The name DependencyOrder sorts a `depends_on` by, and whether it is a build dependency.
fn dependency(line: &str) -> Option<(String, bool)> {
    let rest = line.trim_start().strip_prefix("depends_on ")?;
    let name = if let Some(r) = rest.strip_prefix('"') {
        r.split('"').next()?.to_string()
    } else if let Some(r) = rest.strip_prefix(':') {
        r.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next()?
            .to_string()
    } else {
        rest.split(':').next()?.trim().to_string()
    };
    Some((name, rest.contains("=> :build")))
}

/// Homebrew's FormulaAudit rules that a formula's text can break, checked on the rendered
/// text (so an override template is held to them too): the required components, their
/// order, `depends_on` order (build dependencies first, then by name), `desc` rules and a
/// 64-hex `sha256`. Each finding is `(line, message)`.
pub fn audit(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut seen: Vec<(&str, usize)> = Vec::new();
    let mut deps: Vec<Vec<(String, bool, usize)>> = vec![Vec::new()];
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.starts_with("    ") && in_block {
            if let Some((name, build)) = dependency(line) {
                deps.last_mut().expect("a group").push((name, build, n));
            }
            continue;
        }
        if line == "  end" {
            in_block = false;
            deps.push(Vec::new());
            continue;
        }
        let Some(c) = component(line) else { continue };
        in_block = c.ends_with(" do") && !line.trim_end().ends_with(" end");
        if in_block {
            deps.push(Vec::new());
        }
        if c == "depends_on" {
            if let Some((name, build)) = dependency(line) {
                deps[0].push((name, build, n));
            }
        }
        let rank = ORDER.iter().position(|o| *o == c).unwrap_or(0);
        if let Some((later, at)) = seen
            .iter()
            .find(|(s, _)| ORDER.iter().position(|o| o == s).unwrap_or(0) > rank)
        {
            out.push((
                n,
                format!("`{c}` (line {n}) should be put before `{later}` (line {at})"),
            ));
        }
        seen.push((c, n));
        if c == "desc" {
            let d = line.trim_start().strip_prefix("desc ").unwrap_or("").trim();
            let d = d.trim_matches('"');
            if d.chars().count() > 80 {
                out.push((
                    n,
                    format!("`desc` is {} characters; at most 80", d.chars().count()),
                ));
            }
            if d.ends_with('.') && !d.ends_with("etc.") {
                out.push((n, "`desc` shouldn't end with a full stop".into()));
            }
            let first = d.split(' ').next().unwrap_or("").to_lowercase();
            if ["a", "an", "the"].contains(&first.as_str()) {
                out.push((n, "`desc` shouldn't start with an article".into()));
            }
            if d.is_empty() {
                out.push((n, "`desc` is empty".into()));
            }
        }
        if c == "sha256" {
            let v = line
                .trim_start()
                .strip_prefix("sha256 ")
                .unwrap_or("")
                .trim();
            if !crate::manifest::is_sha256_hex(v.trim_matches('"')) {
                out.push((n, format!("`sha256 {v}` is not 64 hex digits")));
            }
        }
    }
    // `depends_on` per block: build dependencies first, each group by name.
    for group in &deps {
        let mut sorted = group.clone();
        sorted.sort_by_key(|(name, build, _)| (!*build, name.to_lowercase()));
        for ((name, _, at), (want, _, _)) in group.iter().zip(&sorted) {
            if name != want {
                out.push((
                    *at,
                    format!("`depends_on \"{want}\"` should be put before `depends_on \"{name}\"` (line {at}): build dependencies first, then by name"),
                ));
                break;
            }
        }
    }
    let has = |c: &str| seen.iter().any(|(s, _)| *s == c);
    for required in ["desc", "homepage", "def install", "test do"] {
        if !has(required) {
            out.push((0, format!("the formula has no `{required}`")));
        }
    }
    if !has("url") && !has("head") {
        out.push((0, "the formula has neither `url` nor `head`".into()));
    }
    if has("url") && !has("sha256") {
        out.push((0, "the formula has a `url` but no `sha256`".into()));
    }
    out.sort();
    out
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

    const GOOD: &str = "class X < Formula\n  desc \"Tiny worker\"\n  homepage \"https://x\"\n  url \"https://x/a.tar.gz\"\n  sha256 \"0000000000000000000000000000000000000000000000000000000000000000\"\n\n  depends_on \"rust\" => :build\n  depends_on arch: :arm64\n  depends_on \"libomp\"\n\n  on_macos do\n    depends_on arch: :arm64\n  end\n\n  def install\n    system \"cargo\"\n  end\n\n  test do\n    system bin/\"x\", \"--help\"\n  end\nend\n";

    #[test]
    fn audit_passes_homebrew_s_order_and_flags_each_break() {
        assert_eq!(audit(GOOD), vec![]);
        let swapped = GOOD.replace(
            "  depends_on \"rust\" => :build\n  depends_on arch: :arm64\n",
            "  depends_on arch: :arm64\n  depends_on \"rust\" => :build\n",
        );
        assert!(
            audit(&swapped)[0]
                .1
                .contains("`depends_on \"rust\"` should be put before"),
            "{:?}",
            audit(&swapped)
        );
        let late_homepage = GOOD
            .replace("  homepage \"https://x\"\n", "")
            .replace("  def install", "  homepage \"https://x\"\n  def install");
        assert!(
            audit(&late_homepage).iter().any(|(l, m)| *l == 14
                && m.starts_with("`homepage` (line 14) should be put before `url`")),
            "{:?}",
            audit(&late_homepage)
        );
        let no_test = GOOD.replace("  test do\n    system bin/\"x\", \"--help\"\n  end\n", "");
        assert_eq!(
            audit(&no_test),
            vec![(0, "the formula has no `test do`".to_string())]
        );
        let no_home = GOOD.replace("  homepage \"https://x\"\n", "");
        assert_eq!(
            audit(&no_home),
            vec![(0, "the formula has no `homepage`".to_string())]
        );
    }
}
