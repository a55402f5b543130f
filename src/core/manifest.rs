//! `worker.toml`: parsed and validated into a `WorkerManifest`, every mistake reported with
//! its `path:line:col` and what was expected (DESIGN section 1).

use crate::problem::Problem;
use crate::tomlread::{get, key_span, to_json, Doc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use toml::de::DeTable;
use toml::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    X86_64,
    Aarch64,
}

pub const OS_NAMES: &[&str] = &["linux", "macos", "windows"];
pub const ARCH_NAMES: &[&str] = &["x86_64", "aarch64"];

impl FromStr for Os {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "linux" => Ok(Os::Linux),
            "macos" => Ok(Os::Macos),
            "windows" => Ok(Os::Windows),
            _ => Err(()),
        }
    }
}

impl FromStr for Arch {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "x86_64" => Ok(Arch::X86_64),
            "aarch64" => Ok(Arch::Aarch64),
            _ => Err(()),
        }
    }
}

impl Os {
    pub fn as_str(self) -> &'static str {
        OS_NAMES[self as usize]
    }
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        ARCH_NAMES[self as usize]
    }
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// os -> arches, in manifest order without repeats.
pub type Platforms = BTreeMap<Os, Vec<Arch>>;

/// Packages per packaging system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packages {
    pub arch: Vec<String>,
    pub brew: Vec<String>,
    /// Worker dependencies as written (`"base-worker >= 1.0"`, DESIGN section 8); only in
    /// `depends`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workers: Vec<String>,
}

/// `[variants.X]`: additions and narrowing for one feature. `None` means "not set here".
#[derive(Debug, Clone, Default)]
pub struct VariantOverride {
    pub span: Range<usize>,
    pub depends: PartialPackages,
    pub makedepends: PartialPackages,
    pub platforms: Option<Platforms>,
    pub binary: Option<String>,
    /// `depends = { workers = [...] }`, added to the worker's.
    pub worker_deps: Vec<Requirement>,
}

/// Packages where each system may be left unset (so a backend's default applies).
#[derive(Debug, Clone, Default)]
pub struct PartialPackages {
    pub arch: Option<Vec<String>>,
    pub brew: Option<Vec<String>>,
}

/// `[source]` as written; defaults are filled in by the catalog, which knows the crate.
#[derive(Debug, Clone, Default)]
pub struct SourceSpec {
    pub git: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub tarball: Option<String>,
    pub sha256: Option<String>,
    pub subdir: Option<String>,
}

/// `[test]` (DESIGN section 9): what `rbee-workers test`, the installer's smoke test, the
/// formula's `test do` and the PKGBUILD's `check()` run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TestSpec {
    /// Extra `cargo test` arguments (`["--lib", "--bins"]`).
    pub cargo_args: Vec<String>,
    /// The smoke command, an argv run without a shell; `{bin}` stands for the binary's path.
    /// None: `--version`, else `--help`.
    pub smoke: Option<Vec<String>>,
    /// Text the smoke command's output must contain.
    pub expect: Option<String>,
    /// Seconds each step may take (default 600).
    pub timeout: Option<u64>,
}

/// A validated `worker.toml`.
#[derive(Debug, Clone)]
pub struct WorkerManifest {
    pub id: String,
    pub name: String,
    pub description: String,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub binary: Option<String>,
    pub tags: Vec<String>,
    /// Each feature with the span of its entry in `build.features`.
    pub features: Vec<Spanned<String>>,
    pub default_feature: String,
    pub capabilities: BTreeMap<String, serde_json::Value>,
    pub platforms: Platforms,
    pub depends: Packages,
    /// `[depends] workers`, with where each was written.
    pub worker_deps: Vec<Requirement>,
    pub variants: BTreeMap<String, VariantOverride>,
    pub source: SourceSpec,
    pub test: TestSpec,
}

const TOP_KEYS: &[&str] = &[
    "worker",
    "build",
    "capabilities",
    "platforms",
    "depends",
    "variants",
    "source",
    "test",
];
const WORKER_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "license",
    "homepage",
    "binary",
    "tags",
];
const BUILD_KEYS: &[&str] = &["features", "default_feature"];
const PACKAGE_SYSTEMS: &[&str] = &["arch", "brew"];
const DEPENDS_KEYS: &[&str] = &["arch", "brew", "workers"];
const VARIANT_KEYS: &[&str] = &["depends", "makedepends", "platforms", "binary"];
const SOURCE_KEYS: &[&str] = &["git", "branch", "tag", "tarball", "sha256", "subdir"];
const TEST_KEYS: &[&str] = &["cargo_args", "smoke", "expect", "timeout"];

// Worker dependencies (DESIGN section 8); the resolver is `deps`.

/// One `workers = [...]` entry: a worker id and a semver requirement (`*` when none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// As written, for JSON and messages.
    pub text: String,
    pub id: String,
    pub req: semver::VersionReq,
    /// Where it was written (a manifest, or the index it was read from).
    pub path: std::path::PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The dependency's default variant (its Homebrew formula, Homebrew having no
    /// provides), once the whole catalog is known (`Catalog::link`).
    pub default_variant: Option<String>,
}

impl Requirement {
    /// An error located at this requirement.
    pub fn problem(&self, message: impl Into<String>) -> Problem {
        Problem {
            line: self.line,
            column: self.column,
            ..Problem::error(&self.path, message)
        }
    }

    /// Whether `version` meets it.
    pub fn matches(&self, version: &semver::Version) -> bool {
        self.req.matches(version)
    }
}

/// Splits `"id >= 0.2"` (or `"id"`, `"id ^1"`) into the worker id and the requirement; the
/// error says what was expected.
pub fn parse_requirement(text: &str) -> Result<(String, semver::VersionReq), String> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .unwrap_or(t.len());
    let (id, rest) = t.split_at(end);
    let rest = rest.trim();
    if id.is_empty()
        || !is_valid_id(id)
        || rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        return Err(format!(
            "invalid worker dependency `{text}`: expected a worker id (lowercase letters, digits and `-`) and an optional semver requirement, such as `base-worker >= 0.2` or `base-worker ^1`"
        ));
    }
    if rest.is_empty() {
        return Ok((id.to_string(), semver::VersionReq::STAR));
    }
    semver::VersionReq::parse(rest).map(|r| (id.to_string(), r)).map_err(|e| {
        format!(
            "invalid version requirement `{rest}` in worker dependency `{text}`: {e}; expected a semver requirement such as `>= 0.2`, `^1` or `~1.4`"
        )
    })
}

/// `^[a-z0-9][a-z0-9-]{0,62}$`
pub fn is_valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Feature names become part of variant ids and file names: lowercase, digits, `-` and `_`.
pub fn is_valid_feature(f: &str) -> bool {
    let b = f.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

/// Binary names reach file names, shell commands and Ruby: what cargo allows for bin targets.
pub fn is_valid_binary(b: &str) -> bool {
    !b.is_empty()
        && !b.starts_with(['-', '.'])
        && b.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// What makepkg's lint accepts in `depends`: a package name and an optional constraint.
pub fn is_arch_dependency(p: &str) -> bool {
    let split = p.find(['<', '>', '=']).unwrap_or(p.len());
    let (name, constraint) = p.split_at(split);
    let name_ok = !name.is_empty()
        && !name.starts_with(['-', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+-".contains(c));
    let version = constraint.trim_start_matches(['<', '>', '=']);
    let op = &constraint[..constraint.len() - version.len()];
    let constraint_ok = constraint.is_empty()
        || (matches!(op, "<" | ">" | "=" | "<=" | ">=")
            && !version.is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._:+~-".contains(c)));
    name_ok && constraint_ok
}

pub fn is_brew_dependency(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with(['-', '.', '/'])
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+-/".contains(c))
}

/// Why `s` cannot be a homepage, if it can't: a page links it, so only an absolute `http` or
/// `https` URL with a host will do (never `javascript:`, `data:`, `file:` or a bare path).
pub fn homepage_problem(s: &str) -> Option<String> {
    match url::Url::parse(s) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            None
        }
        Ok(u) => Some(format!(
            "an http:// or https:// URL, found a `{}:` URL",
            u.scheme()
        )),
        Err(e) => Some(format!("an http:// or https:// URL, found `{s}` ({e})")),
    }
}

/// Why git must not be given `url`, if it must not. The one check for every URL that reaches
/// git (`[source].git`, Cargo's `repository` used as one, `.gitmodules`, `source add`, an
/// index's upstream): it allows `https`, `http`, `ssh` (also `git+ssh`, `ssh+git`), `git` and
/// `file` URLs, scp-like `[user@]host:path` and absolute paths, and refuses anything that
/// could be taken for an option, every remote-helper form (`ext::…`, `fd::…`,
/// `transport::…`, and `x://…`, which runs `git-remote-x`), and whitespace or control
/// characters.
pub fn git_url_problem(url: &str) -> Option<&'static str> {
    const SCHEMES: &[&str] = &["https", "http", "ssh", "git+ssh", "ssh+git", "git", "file"];
    if url.is_empty() || url.starts_with('-') {
        return Some("it could be taken for an option");
    }
    // git's own rule for a remote helper: a run of URL-scheme characters, then `::`.
    let scheme_len = url
        .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .unwrap_or(url.len());
    let (scheme, rest) = url.split_at(scheme_len);
    if rest.starts_with("::") {
        return Some("git's remote-helper transports (`ext::`, `fd::`, any `transport::`) run commands; expected an https, http, ssh, git or file URL");
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("it holds whitespace or control characters");
    }
    if let Some(after) = rest.strip_prefix("://") {
        if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            return Some("git hands that scheme to a remote-helper program; expected an https, http, ssh, git or file URL");
        }
        let host = after.split('/').next().unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or_default();
        if after.starts_with('-') || host.starts_with('-') {
            return Some("its host could be taken for an option");
        }
        return None;
    }
    if url.starts_with('/') {
        return None;
    }
    // scp-like `[user@]host:path`: no `/` before the first `:`.
    if let Some((authority, path)) = url.split_once(':') {
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host_ok = !host.is_empty()
            && !host.starts_with('-')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._[]".contains(c));
        if !authority.contains('/') && host_ok && !path.is_empty() {
            return None;
        }
    }
    Some("expected an https, http, ssh, git or file URL, an scp-like `user@host:path`, or an absolute path")
}

/// Why `url` is not usable as a download URL, if it isn't: http or https, no user or
/// password (`https://github.com@evil.example/` names evil.example), and written exactly as
/// it will be fetched, so what a review shows is what is downloaded.
pub fn download_url_problem(url: &str) -> Option<String> {
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("it is not a URL ({e})")),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some(format!(
            "expected an http or https URL, found scheme `{}`",
            parsed.scheme()
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some(format!(
            "it carries a user name, so its host is `{}`, not what it seems",
            parsed.host_str().unwrap_or_default()
        ));
    }
    if parsed.as_str() != url {
        return Some(format!(
            "it is fetched as `{}`; write it that way",
            parsed.as_str()
        ));
    }
    None
}

/// Why `r` is not usable as a branch or tag name, if it isn't.
pub fn ref_problem(r: &str) -> Option<&'static str> {
    if r.is_empty()
        || r.starts_with('-')
        || r.contains("..")
        || r.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Some(
            "expected a branch or tag name (not starting with `-`, without `..` or spaces)",
        );
    }
    None
}

/// Why `p` is not usable as a directory inside a source tree, if it isn't.
pub fn subdir_problem(p: &str) -> Option<&'static str> {
    let path = std::path::Path::new(p);
    if path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Some("expected a relative path inside the source tree (no leading `/`, no `..`)");
    }
    None
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Parses `text` (the contents of `path`). Returns the manifest when it has no errors, and
/// every problem found either way.
pub fn parse(path: &Path, text: &str) -> (Option<WorkerManifest>, Vec<Problem>) {
    let mut doc = Doc::new(path, text);
    let manifest = doc.parse().and_then(|root| read(&mut doc, root.get_ref()));
    let manifest = manifest.filter(|_| !doc.has_errors());
    (manifest, doc.problems)
}

fn read<'a>(doc: &mut Doc<'a>, root: &DeTable<'a>) -> Option<WorkerManifest> {
    doc.check_keys(root, "worker.toml", TOP_KEYS);

    let worker = required_table(doc, root, "worker");
    let build = required_table(doc, root, "build");
    let platforms_v = get(root, "platforms");

    let mut id = None;
    let (mut name, mut description) = (None, None);
    let (mut license, mut homepage, mut binary) = (None, None, None);
    let mut tags = Vec::new();
    if let Some((w, w_span)) = worker {
        doc.check_keys(w, "[worker]", WORKER_KEYS);
        id = required(doc, w, &w_span, "id", "[worker]").and_then(|v| doc.line(v, "`id`"));
        if let Some(i) = &id {
            if !is_valid_id(i.get_ref()) {
                doc.error(
                    i.span(),
                    format!(
                        "invalid worker id `{}`: expected 1 to 63 characters of lowercase letters, digits and `-`, starting with a letter or digit (^[a-z0-9][a-z0-9-]{{0,62}}$)",
                        i.get_ref()
                    ),
                );
            }
        }
        name = required(doc, w, &w_span, "name", "[worker]").and_then(|v| doc.line(v, "`name`"));
        description = required(doc, w, &w_span, "description", "[worker]")
            .and_then(|v| doc.line(v, "`description`"));
        license = optional_line(doc, w, "license");
        homepage = get(w, "homepage")
            .and_then(|v| doc.line(v, "`homepage`"))
            .and_then(|h| match homepage_problem(h.get_ref()) {
                Some(problem) => {
                    doc.error(h.span(), format!("expected `homepage` to be {problem}"));
                    None
                }
                None => Some(h.into_inner()),
            });
        binary = optional_line(doc, w, "binary");
        if let Some(v) = get(w, "tags") {
            tags = doc
                .string_list(v, "`tags`")
                .unwrap_or_default()
                .into_iter()
                .map(Spanned::into_inner)
                .collect();
        }
    }

    let mut features: Vec<Spanned<String>> = Vec::new();
    // The names in `features`, so checks against them stay linear.
    let mut feature_set = std::collections::HashSet::new();
    let mut default_feature = None;
    if let Some((b, b_span)) = build {
        doc.check_keys(b, "[build]", BUILD_KEYS);
        if let Some(v) = required(doc, b, &b_span, "features", "[build]") {
            if let Some(list) = doc.string_list(v, "`build.features`") {
                if list.is_empty() {
                    doc.error(
                        v.span(),
                        "expected at least one feature in `build.features`, found an empty array",
                    );
                }
                for f in list {
                    if !is_valid_feature(f.get_ref()) {
                        doc.error(
                            f.span(),
                            format!(
                                "invalid feature name `{}`: expected lowercase letters, digits, `-` and `_` (it becomes part of the variant id)",
                                f.get_ref()
                            ),
                        );
                    } else if !feature_set.insert(f.get_ref().clone()) {
                        doc.error(
                            f.span(),
                            format!("feature `{}` is listed twice", f.get_ref()),
                        );
                    } else {
                        features.push(f);
                    }
                }
            }
        }
        default_feature = required(doc, b, &b_span, "default_feature", "[build]")
            .and_then(|v| doc.line(v, "`default_feature`"));
        if let Some(d) = &default_feature {
            if !features.is_empty() && !feature_set.contains(d.get_ref()) {
                let list = quoted_list(features.iter().map(|f| f.get_ref().as_str()));
                doc.error(
                    d.span(),
                    format!("`default_feature` is `{}`, which is not in `build.features`; expected one of {list}", d.get_ref()),
                );
            }
        }
    }

    let mut capabilities = BTreeMap::new();
    if let Some(v) = get(root, "capabilities") {
        if let Some(t) = doc.table(v, "[capabilities]") {
            for (k, x) in t.iter() {
                capabilities.insert(k.get_ref().to_string(), to_json(x.get_ref()));
            }
        }
    }

    let platforms = match platforms_v {
        Some(v) => read_platforms(doc, v, "[platforms]").unwrap_or_default(),
        None => {
            doc.error(0..0, "missing required table [platforms]: expected e.g. `linux = [\"x86_64\", \"aarch64\"]`");
            Platforms::new()
        }
    };

    let own_id = id.as_ref().map(|i| i.get_ref().clone());
    let own_variants: Vec<String> = own_id
        .iter()
        .flat_map(|i| features.iter().map(move |f| format!("{i}-{}", f.get_ref())))
        .collect();
    let mut depends = Packages::default();
    let mut worker_deps = Vec::new();
    if let Some(v) = get(root, "depends") {
        let p = read_packages(doc, v, "[depends]", DEPENDS_KEYS);
        depends.arch = p.arch.unwrap_or_default();
        depends.brew = p.brew.unwrap_or_default();
        worker_deps = read_worker_deps(doc, v, "[depends]", own_id.as_deref(), &own_variants);
    }

    let mut variants = BTreeMap::new();
    if let Some(v) = get(root, "variants") {
        if let Some(t) = doc.table(v, "[variants]") {
            for (k, x) in t.iter() {
                let feature = k.get_ref().to_string();
                let what = format!("[variants.{feature}]");
                if !features.is_empty() && !feature_set.contains(&feature) {
                    let list = quoted_list(features.iter().map(|f| f.get_ref().as_str()));
                    let p = doc.error(
                        k.span(),
                        format!("{what} names a feature that is not in `build.features`; expected one of {list}"),
                    );
                    p.help = crate::problem::did_you_mean(
                        &feature,
                        features.iter().map(|f| f.get_ref().as_str()),
                    )
                    .map(|s| format!("did you mean `{s}`?"));
                    continue;
                }
                if let Some(o) = read_variant(doc, x, &what, own_id.as_deref(), &own_variants) {
                    variants.insert(
                        feature,
                        VariantOverride {
                            span: k.span(),
                            ..o
                        },
                    );
                }
            }
        }
    }

    let mut source = SourceSpec::default();
    if let Some(v) = get(root, "source") {
        if let Some(t) = doc.table(v, "[source]") {
            doc.check_keys(t, "[source]", SOURCE_KEYS);
            // Checked here, because these reach git and makepkg (`git clone URL` without `--`).
            let mut checked = |key: &str, problem: fn(&str) -> Option<&'static str>| {
                let v = get(t, key).and_then(|v| doc.line(v, &format!("`source.{key}`")))?;
                if let Some(why) = problem(v.get_ref()) {
                    doc.error(
                        v.span(),
                        format!("refusing `source.{key}` = `{}`: {why}", v.get_ref()),
                    );
                    return None;
                }
                Some(v.into_inner())
            };
            source.git = checked("git", git_url_problem);
            source.branch = checked("branch", ref_problem);
            source.tag = checked("tag", ref_problem);
            source.subdir = checked("subdir", subdir_problem);
            source.tarball = optional_line(doc, t, "tarball");
            if let (Some(url), Some(v)) = (&source.tarball, get(t, "tarball")) {
                // Checked with its placeholders filled in, as it will be fetched.
                let filled = url.replace("{version}", "0.1.0").replace("{tag}", "v0.1.0");
                if let Some(why) = download_url_problem(&filled) {
                    doc.error(
                        v.span(),
                        format!("refusing `source.tarball` = `{url}`: {why}"),
                    );
                    source.tarball = None;
                }
            }
            if let Some(v) = get(t, "sha256") {
                if let Some(s) = doc.line(v, "`source.sha256`") {
                    if is_sha256_hex(s.get_ref()) {
                        source.sha256 = Some(s.get_ref().to_ascii_lowercase());
                    } else {
                        doc.error(
                            s.span(),
                            format!(
                                "`source.sha256` must be 64 hexadecimal digits, found `{}`",
                                s.get_ref()
                            ),
                        );
                    }
                }
            }
        }
    }

    let mut test = TestSpec::default();
    if let Some(v) = get(root, "test") {
        if let Some(t) = doc.table(v, "[test]") {
            doc.check_keys(t, "[test]", TEST_KEYS);
            if let Some(v) = get(t, "cargo_args") {
                test.cargo_args = doc
                    .string_list(v, "`test.cargo_args`")
                    .unwrap_or_default()
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect();
            }
            if let Some(v) = get(t, "smoke") {
                if let Some(argv) = doc.string_list(v, "`test.smoke`") {
                    if argv.is_empty() {
                        doc.error(
                            v.span(),
                            "`test.smoke` must name a command: an argv array such as [\"{bin}\", \"--help\"]",
                        );
                    } else {
                        test.smoke = Some(argv.into_iter().map(Spanned::into_inner).collect());
                    }
                }
            }
            test.expect = optional_line(doc, t, "expect");
            if let Some(v) = get(t, "timeout") {
                match v.get_ref() {
                    toml::de::DeValue::Integer(i) => {
                        match u64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                            Ok(n) if n > 0 => test.timeout = Some(n),
                            _ => {
                                doc.error(
                                    v.span(),
                                    format!(
                                        "`test.timeout` must be a positive number of seconds, found `{}`",
                                        i.as_str()
                                    ),
                                );
                            }
                        }
                    }
                    _ => {
                        doc.error(
                            v.span(),
                            "`test.timeout` must be a whole number of seconds (e.g. 600)",
                        );
                    }
                }
            }
        }
    }

    Some(WorkerManifest {
        id: id?.into_inner(),
        name: name?.into_inner(),
        description: description?.into_inner(),
        license,
        homepage,
        binary,
        tags,
        features,
        default_feature: default_feature?.into_inner(),
        capabilities,
        platforms,
        depends,
        worker_deps,
        variants,
        source,
        test,
    })
}

fn quoted_list<'s>(items: impl Iterator<Item = &'s str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn required_table<'t, 'a>(
    doc: &mut Doc<'a>,
    root: &'t DeTable<'a>,
    key: &str,
) -> Option<(&'t DeTable<'a>, Range<usize>)> {
    match get(root, key) {
        Some(v) => {
            let span = key_span(root, key).unwrap_or_else(|| v.span());
            doc.table(v, &format!("[{key}]")).map(|t| (t, span))
        }
        None => {
            doc.error(0..0, format!("missing required table [{key}]"));
            None
        }
    }
}

fn required<'t, 'a>(
    doc: &mut Doc<'a>,
    table: &'t DeTable<'a>,
    table_span: &Range<usize>,
    key: &str,
    table_name: &str,
) -> Option<&'t crate::tomlread::Value<'a>> {
    let v = get(table, key);
    if v.is_none() {
        doc.error(
            table_span.clone(),
            format!("missing required key `{key}` in {table_name}"),
        );
    }
    v
}

fn optional_line<'a>(doc: &mut Doc<'a>, table: &DeTable<'a>, key: &str) -> Option<String> {
    get(table, key)
        .and_then(|v| doc.line(v, &format!("`{key}`")))
        .map(Spanned::into_inner)
}

fn read_platforms<'a>(
    doc: &mut Doc<'a>,
    v: &crate::tomlread::Value<'a>,
    what: &str,
) -> Option<Platforms> {
    let t = doc.table(v, what)?;
    let mut out = Platforms::new();
    if t.is_empty() {
        doc.error(
            v.span(),
            format!("expected at least one platform in {what}, e.g. `linux = [\"x86_64\"]`"),
        );
    }
    for (k, x) in t.iter() {
        let os_name: &str = k.get_ref();
        let Ok(os) = os_name.parse::<Os>() else {
            let p = doc.error(
                k.span(),
                format!("unknown platform `{os_name}` in {what}; expected one of `linux`, `macos`, `windows`"),
            );
            p.help = crate::problem::did_you_mean(os_name, OS_NAMES.iter().copied())
                .map(|s| format!("did you mean `{s}`?"));
            continue;
        };
        let Some(list) = doc.string_list(x, &format!("`{os_name}` in {what}")) else {
            continue;
        };
        if list.is_empty() {
            doc.error(
                x.span(),
                format!(
                    "expected at least one arch for `{os_name}` in {what}, found an empty array"
                ),
            );
        }
        let mut arches = Vec::new();
        for a in list {
            match a.get_ref().parse::<Arch>() {
                Ok(arch) if !arches.contains(&arch) => arches.push(arch),
                Ok(_) => {}
                Err(()) => {
                    let p = doc.error(
                        a.span(),
                        format!(
                            "unknown arch `{}` for `{os_name}`; expected `x86_64` or `aarch64`",
                            a.get_ref()
                        ),
                    );
                    p.help = crate::problem::did_you_mean(a.get_ref(), ARCH_NAMES.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"));
                }
            }
        }
        out.insert(os, arches);
    }
    Some(out)
}

fn read_packages<'a>(
    doc: &mut Doc<'a>,
    v: &crate::tomlread::Value<'a>,
    what: &str,
    keys: &[&str],
) -> PartialPackages {
    let mut out = PartialPackages::default();
    let Some(t) = doc.table(v, what) else {
        return out;
    };
    doc.check_keys(t, what, keys);
    let read = |doc: &mut Doc<'a>, key: &str| {
        let list = get(t, key).and_then(|x| doc.string_list(x, &format!("`{key}` in {what}")))?;
        let valid = if key == "arch" {
            is_arch_dependency
        } else {
            is_brew_dependency
        };
        let mut ok = true;
        for p in &list {
            if !valid(p.get_ref()) {
                ok = false;
                let expected = if key == "arch" {
                    "an Arch package name (letters, digits, `@._+-`, not starting with `-` or `.`), optionally with a version constraint such as `>=1.2`"
                } else {
                    "a Homebrew formula name (letters, digits, `@._+-/`)"
                };
                doc.error(
                    p.span(),
                    format!(
                        "invalid package `{}` in `{key}` of {what}: expected {expected}",
                        p.get_ref()
                    ),
                );
            }
        }
        ok.then(|| list.into_iter().map(Spanned::into_inner).collect())
    };
    out.arch = read(doc, "arch");
    out.brew = read(doc, "brew");
    out
}

fn read_variant<'a>(
    doc: &mut Doc<'a>,
    v: &crate::tomlread::Value<'a>,
    what: &str,
    own_id: Option<&str>,
    own_variants: &[String],
) -> Option<VariantOverride> {
    let t = doc.table(v, what)?;
    doc.check_keys(t, what, VARIANT_KEYS);
    let mut o = VariantOverride::default();
    if let Some(x) = get(t, "depends") {
        let what = format!("`depends` in {what}");
        o.depends = read_packages(doc, x, &what, DEPENDS_KEYS);
        o.worker_deps = read_worker_deps(doc, x, &what, own_id, own_variants);
    }
    if let Some(x) = get(t, "makedepends") {
        o.makedepends = read_packages(doc, x, &format!("`makedepends` in {what}"), PACKAGE_SYSTEMS);
    }
    if let Some(x) = get(t, "platforms") {
        o.platforms = read_platforms(doc, x, &format!("`platforms` in {what}"));
    }
    o.binary = optional_line(doc, t, "binary");
    Some(o)
}

/// `workers = ["id >= req", …]` of a `depends` table: each a worker id with an optional semver
/// requirement, never this worker itself, each worker once.
fn read_worker_deps<'a>(
    doc: &mut Doc<'a>,
    v: &crate::tomlread::Value<'a>,
    what: &str,
    own_id: Option<&str>,
    own_variants: &[String],
) -> Vec<Requirement> {
    // A `depends` that is not a table was reported by `read_packages`.
    let toml::de::DeValue::Table(t) = v.get_ref() else {
        return Vec::new();
    };
    let Some(list) =
        get(t, "workers").and_then(|x| doc.string_list(x, &format!("`workers` in {what}")))
    else {
        return Vec::new();
    };
    let mut out: Vec<Requirement> = Vec::new();
    for item in list {
        let (id, req) = match crate::manifest::parse_requirement(item.get_ref()) {
            Ok(parsed) => parsed,
            Err(message) => {
                doc.error(item.span(), message);
                continue;
            }
        };
        if let Some(own) = own_id.filter(|o| own_variants.contains(&id) && id.starts_with(*o)) {
            doc.error(
                item.span(),
                format!("`{id}` in `workers` of {what} is a variant of this worker (`{own}`); a worker cannot depend on itself, and a dependency names a worker id, never a variant"),
            );
            continue;
        }
        if Some(id.as_str()) == own_id {
            doc.error(
                item.span(),
                format!("worker `{id}` depends on itself in `workers` of {what}; expected the ids of other workers"),
            );
            continue;
        }
        if out.iter().any(|r| r.id == id) {
            doc.error(
                item.span(),
                format!("worker `{id}` is listed twice in `workers` of {what}; expected each dependency once (one requirement such as `>= 1.2, < 2` says both bounds)"),
            );
            continue;
        }
        let (line, column) = crate::problem::line_col(doc.text, item.span().start);
        out.push(Requirement {
            text: item.get_ref().trim().to_string(),
            id,
            req,
            path: doc.path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            default_variant: None,
        });
    }
    out
}
