//! Test support: catalogs of worker crates written into temp dirs with a builder, the real
//! `rbee-workers` binary run against them with every XDG directory redirected into the
//! sandbox, and the JSON documents of DESIGN section 7 pinned with `deny_unknown_fields`.

// The document structs pin the whole schema; not every test reads every field.
#![allow(dead_code)]

use assert_cmd::Command;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// JSON documents (schema 1)
// ---------------------------------------------------------------------------------------------

/// `list`, `search`, `info`: `{"schema": 1, "workers": [...], "problems": [...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDoc {
    pub schema: u32,
    pub workers: Vec<VariantDoc>,
    pub problems: Vec<ProblemDoc>,
    /// `search` only: variant ids, best match first.
    pub ranking: Option<Vec<String>>,
    /// `info` only: later sources that also provide the id.
    #[serde(default)]
    pub also_in: Vec<AlsoInDoc>,
    /// `info WORKER` only.
    pub recommendation: Option<RecommendationDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlsoInDoc {
    pub source: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationDoc {
    pub id: String,
    pub reason: String,
}

pub type PlatformsDoc = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackagesDoc {
    pub arch: Vec<String>,
    pub brew: Vec<String>,
    /// Worker dependencies as written (`depends` only; absent when there are none).
    #[serde(default)]
    pub workers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDoc {
    pub id: String,
    pub worker: String,
    pub feature: String,
    pub default: bool,
    pub name: String,
    pub description: String,
    pub version: String,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub tags: Vec<String>,
    pub binary: String,
    pub installed_name: String,
    pub platforms: PlatformsDoc,
    pub depends: PackagesDoc,
    pub makedepends: PackagesDoc,
    pub capabilities: BTreeMap<String, serde_json::Value>,
    pub source: SourceDoc,
    pub upstream: UpstreamDoc,
    /// Prebuilt binaries per target, from an index (DESIGN section 12); absent when none.
    #[serde(default)]
    pub bottles: Vec<BottleDoc>,
    pub installed: Option<InstalledDoc>,
    /// `info WORKER` only.
    pub recommended: Option<bool>,
    /// `list`, `search` and `info`: whether its platforms include this host.
    pub runs_here: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BottleDoc {
    pub target: String,
    pub url: String,
    pub sha256: String,
    pub size: u64,
}

/// Keys every variant object must carry, even when their value is `null` (serde would
/// otherwise accept a missing `Option`).
pub const VARIANT_KEYS: &[&str] = &[
    "id",
    "worker",
    "feature",
    "default",
    "name",
    "description",
    "version",
    "license",
    "homepage",
    "tags",
    "binary",
    "installed_name",
    "platforms",
    "depends",
    "makedepends",
    "capabilities",
    "source",
    "upstream",
    "installed",
];

pub const PROBLEM_KEYS: &[&str] = &["path", "line", "column", "severity", "message"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    pub name: String,
    pub kind: String,
    pub location: String,
    pub subdir: String,
    pub verified: bool,
}

/// Where release and -git builds fetch from (an addition to DESIGN section 7's Variant).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamDoc {
    pub git: Option<String>,
    pub branch: String,
    pub tag: String,
    pub tarball: Option<String>,
    pub sha256: Option<String>,
    pub package: String,
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstalledDoc {
    pub version: String,
    pub backend: String,
    pub flavor: String,
    pub path: String,
    /// Where it was installed from (null: unknown, an older record).
    pub origin: Option<OriginDoc>,
    /// `explicit` or `dependency`.
    pub reason: String,
    /// Whether its origin still provides it.
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginDoc {
    pub source: String,
    pub kind: String,
    pub location: String,
    pub subdir: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemDoc {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub severity: String,
    pub message: String,
    pub help: Option<String>,
}

/// The document printed on stdout for an error under `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDoc {
    pub schema: u32,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub kind: String,
    pub message: String,
    pub exit_code: i32,
    pub location: Option<String>,
    pub help: Option<String>,
    #[serde(default)]
    pub suggestions: Vec<String>,
}

/// Parses stdout as exactly one catalog document, checking the keys serde can't.
pub fn parse_catalog(stdout: &[u8]) -> CatalogDoc {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    let value: serde_json::Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{text}"));
    for w in value["workers"].as_array().expect("`workers` is an array") {
        let obj = w.as_object().expect("a variant is an object");
        for k in VARIANT_KEYS {
            assert!(obj.contains_key(*k), "variant lacks `{k}`: {w}");
        }
    }
    for p in value["problems"]
        .as_array()
        .expect("`problems` is an array")
    {
        let obj = p.as_object().expect("a problem is an object");
        for k in PROBLEM_KEYS {
            assert!(obj.contains_key(*k), "problem lacks `{k}`: {p}");
        }
    }
    let doc: CatalogDoc = serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("stdout does not match schema 1 ({e}):\n{text}"));
    assert_eq!(doc.schema, 1);
    doc
}

pub fn parse_error(stdout: &[u8]) -> ErrorDoc {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    let doc: ErrorDoc = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("stdout is not an error document ({e}):\n{text}"));
    assert_eq!(doc.schema, 1);
    doc
}

impl CatalogDoc {
    pub fn ids(&self) -> Vec<String> {
        self.workers.iter().map(|v| v.id.clone()).collect()
    }

    pub fn variant(&self, id: &str) -> &VariantDoc {
        self.workers
            .iter()
            .find(|v| v.id == id)
            .unwrap_or_else(|| panic!("no variant `{id}` in {:?}", self.ids()))
    }

    pub fn problems_in(&self, path: &Path) -> Vec<&ProblemDoc> {
        self.problems.iter().filter(|p| p.path == path).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Sandbox: a catalog root in a temp dir, and the binary run against it
// ---------------------------------------------------------------------------------------------

/// The host tools rbee-workers would pick up from PATH (config.toml `[tools]`), which every
/// sandbox pins: which of them exist decides `--backend auto`, and pacman, makepkg and sudo
/// reach the host's package database. git and cargo are not pinned: tests use the real ones.
pub const PINNED_TOOLS: [&str; 4] = ["pacman", "makepkg", "brew", "sudo"];

/// `[tools]` pinning every [`PINNED_TOOLS`] entry to `NAME` in `dir` (a path that does not
/// exist unless a test puts a tool there), then `overrides` (`(tool, path)`).
pub fn tool_pins(dir: &Path, overrides: &[(&str, &str)]) -> String {
    let mut tools: BTreeMap<String, String> = PINNED_TOOLS
        .iter()
        .map(|t| (t.to_string(), dir.join(t).display().to_string()))
        .collect();
    for (k, v) in overrides {
        tools.insert(k.to_string(), v.to_string());
    }
    let mut s = String::from("[tools]\n");
    for (k, v) in &tools {
        s += &format!("{k} = {}\n", q(v));
    }
    s
}

/// A temp dir that is a catalog root (its `bin/` holds the workers). XDG directories live
/// under `.xdg/` inside it, so nothing a test runs touches the real home; its config.toml
/// pins the host tools ([`PINNED_TOOLS`]) to paths inside it, so every run behaves the same
/// on Arch, on Debian with or without pacman, as root or not, and on macOS (`--backend auto`
/// sees no pacman, makepkg or brew and picks cargo) unless a test puts a tool there
/// ([`Sandbox::fake_tool`], [`Sandbox::set_tool`]).
pub struct Sandbox {
    _dir: TempDir,
    root: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("rbee-workers-test")
            .tempdir()
            .expect("create temp dir");
        // Canonical, so paths compare equal to what the binary derives from its cwd.
        let root = dir.path().canonicalize().expect("canonicalize temp dir");
        let s = Sandbox { _dir: dir, root };
        s.write_config("");
        s
    }

    /// `$XDG_CONFIG_HOME/rbee-workers/config.toml` of every command the sandbox runs.
    pub fn config_file(&self) -> PathBuf {
        self.root.join(".xdg/config/rbee-workers/config.toml")
    }

    /// Where the pinned tools point: nothing is there unless a test puts a fake tool there.
    pub fn tool_dir(&self) -> PathBuf {
        self.root.join(".xdg/tools")
    }

    /// The `[tools]` table every sandbox starts with.
    pub fn tool_pins(&self) -> String {
        tool_pins(&self.tool_dir(), &[])
    }

    /// Writes config.toml as the pinned `[tools]` followed by `rest` (`[[sources]]` …), so a
    /// test's own configuration keeps the pins.
    pub fn write_config(&self, rest: &str) -> PathBuf {
        write_file(
            &self.config_file(),
            &format!("{}\n{rest}", self.tool_pins()),
        )
    }

    /// Points `[tools] TOOL` at `path` in the current config.toml, keeping everything else.
    pub fn set_tool(&self, tool: &str, path: impl AsRef<Path>) {
        let file = self.config_file();
        let text = fs::read_to_string(&file).unwrap_or_default();
        let mut doc: toml::Table = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not parse ({e}):\n{text}", file.display()));
        let tools = doc
            .entry("tools")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("[tools] is a table");
        tools.insert(
            tool.to_string(),
            toml::Value::String(path.as_ref().display().to_string()),
        );
        write_file(&file, &toml::to_string(&doc).expect("config serializes"));
    }

    /// An executable `#!/bin/sh` script `body` at `tool_dir()/TOOL`, where the pin already
    /// points: the fake is now the tool rbee-workers runs. Returns its path.
    pub fn fake_tool(&self, tool: &str, body: &str) -> PathBuf {
        let path = fake_script(&self.tool_dir(), tool, body);
        self.set_tool(tool, &path);
        path
    }

    /// Asserts config.toml still pins every [`PINNED_TOOLS`] entry to some path (a test
    /// that rewrote it must have kept them). A config that does not parse runs no tool.
    fn assert_pinned(&self) {
        let Ok(text) = fs::read_to_string(self.config_file()) else {
            panic!(
                "{} is gone: the host's tools are no longer pinned",
                self.config_file().display()
            );
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            return;
        };
        for t in PINNED_TOOLS {
            let pinned = doc
                .get("tools")
                .and_then(|tools| tools.get(t))
                .and_then(toml::Value::as_str)
                .is_some_and(|p| p.contains('/'));
            assert!(
                pinned,
                "config.toml does not pin [tools] {t} to a path (write it with \
                 Sandbox::write_config or set_tool):\n{text}"
            );
        }
    }

    /// The environment of every command the sandbox runs (`None`: removed).
    fn env(&self) -> Vec<(&'static str, Option<PathBuf>)> {
        vec![
            ("RBEE_WORKERS_ROOT", None),
            ("RBEE_WORKERS_TOKEN", None),
            ("RBEE_WORKERS_WATCH", None),
            // (Whether the tests run in CI is for the tests: a command there starts no watcher.)
            ("CI", None),
            ("XDG_CONFIG_HOME", Some(self.root.join(".xdg/config"))),
            ("XDG_CACHE_HOME", Some(self.root.join(".xdg/cache"))),
            ("XDG_DATA_HOME", Some(self.root.join(".xdg/data"))),
            ("HOME", Some(self.root.join(".xdg/home"))),
            ("RBEE_WORKERS_GPU", Some("none".into())),
            ("NO_COLOR", Some("1".into())),
            ("COLUMNS", Some("100".into())),
            ("CLICOLOR_FORCE", None),
            ("PATH", Some(self.child_path())),
        ]
    }

    /// The directory of programs put first on the child's PATH (fake toolkits: `nvcc`).
    pub fn path_dir(&self) -> PathBuf {
        self.root.join(".xdg/path")
    }

    /// The child's PATH: the sandbox's own programs, then this process's PATH.
    fn child_path(&self) -> PathBuf {
        let mut dirs = vec![self.path_dir()];
        if let Some(p) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(dirs).expect("PATH entries").into()
    }

    /// A fake program on the child's PATH (never the test process's).
    pub fn on_path(&self, name: &str, body: &str) -> PathBuf {
        fake_script(&self.path_dir(), name, body)
    }

    /// [`Sandbox::cmd`] as a `std::process::Command`, to spawn and signal it.
    pub fn std_cmd(&self) -> std::process::Command {
        self.shell(assert_cmd::cargo::cargo_bin("rbee-workers"))
    }

    /// `program` (a shell, say) with the environment of [`Sandbox::cmd`], cwd = the sandbox,
    /// and `$RBEE` the binary, to drive rbee-workers as a user's shell does.
    pub fn shell(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        self.assert_pinned();
        let mut cmd = std::process::Command::new(program);
        cmd.current_dir(&self.root)
            .env("RBEE", assert_cmd::cargo::cargo_bin("rbee-workers"));
        for (k, v) in self.env() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `text` to `rel` (creating parent directories) and returns the absolute path.
    pub fn write(&self, rel: impl AsRef<Path>, text: &str) -> PathBuf {
        write_file(&self.root.join(rel), text)
    }

    pub fn mkdir(&self, rel: impl AsRef<Path>) -> PathBuf {
        let p = self.root.join(rel);
        fs::create_dir_all(&p).expect("mkdir");
        p
    }

    /// Writes an installed database holding one cargo install of `worker`'s `feature` at
    /// version 0.1.0 that owns `file` (recorded with a placeholder sha256).
    pub fn installed(&self, worker: &str, feature: &str, file: &Path) {
        let id = format!("{worker}-{feature}");
        let db = serde_json::json!({
            "schema": 1,
            "installed": {
                id.clone(): {
                    "id": id, "worker": worker, "feature": feature, "version": "0.1.0",
                    "backend": "cargo", "flavor": "local", "source": "local",
                    "files": [{"path": file, "sha256": "0".repeat(64)}],
                    "installed_at": 0
                }
            }
        });
        self.write(".xdg/data/rbee-workers/installed.json", &db.to_string());
    }

    /// A worker crate at `bin/{id}`, to be configured and then `write()`n.
    pub fn worker(&self, id: &str) -> WorkerBuilder<'_> {
        WorkerBuilder::new(self, id)
    }

    /// A cpu worker `id` for Linux x86_64 whose release tarball is `tarball` (`{version}`
    /// allowed) with no pinned sha256, so a release render downloads it to sum it.
    pub fn worker_downloading(&self, id: &str, tarball: &str) {
        self.worker(id)
            .features(&["cpu"])
            .platforms(&[("linux", &["x86_64"])])
            .extra(&format!(
                "[source]\ngit = \"https://github.com/example/{id}\"\ntarball = {}\n",
                q(tarball)
            ))
            .write();
    }

    /// The binary with a hermetic environment (XDG dirs, HOME and the pinned tools of
    /// config.toml all inside the sandbox), cwd = the sandbox, and no `--root`.
    pub fn cmd(&self) -> Command {
        self.assert_pinned();
        let mut cmd = Command::cargo_bin("rbee-workers").expect("the rbee-workers binary");
        cmd.current_dir(&self.root);
        for (k, v) in self.env() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }

    /// Runs `rbee-workers --root SANDBOX ARGS…` and returns the output, whatever the status.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.cmd();
        cmd.arg("--root").arg(&self.root).args(args);
        cmd.output().expect("run rbee-workers")
    }

    /// Runs `rbee-workers --root SANDBOX ARGS… --json`, expects success, parses stdout.
    pub fn json(&self, args: &[&str]) -> CatalogDoc {
        let mut cmd = self.cmd();
        cmd.arg("--root").arg(&self.root).args(args).arg("--json");
        json_of(&mut cmd)
    }

    pub fn list(&self) -> CatalogDoc {
        self.json(&["list"])
    }
}

/// Runs a prepared command, expects exit 0, parses stdout as a catalog document.
pub fn json_of(cmd: &mut Command) -> CatalogDoc {
    let out = cmd.output().expect("run rbee-workers");
    assert_success(&out);
    parse_catalog(&out.stdout)
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "rbee-workers failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn write_file(path: &Path, text: &str) -> PathBuf {
    fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
    fs::write(path, text).expect("write file");
    path.to_path_buf()
}

/// Writes an executable `#!/bin/sh` script `body` at `dir/name` and returns its path.
pub fn fake_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = write_file(&dir.join(name), &format!("#!/bin/sh\n{body}\n"));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod fake tool");
    path
}

/// A TOML basic string (JSON's escaping is valid TOML for these inputs).
pub fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string serializes")
}

pub fn q_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| q(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// 1-based (line, column) of the `nth` (0-based) occurrence of `needle` in `text`, counted in
/// characters: where a located problem about that text must point.
pub fn locate_nth(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` occurs fewer than {} times in:\n{text}", nth + 1))
        .0;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    locate_nth(text, needle, 0)
}

// ---------------------------------------------------------------------------------------------
// Worker crates
// ---------------------------------------------------------------------------------------------

/// A `[package]` value: written literally, or inherited with `key.workspace = true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CargoValue {
    Literal(String),
    Workspace,
}

#[derive(Debug, Clone)]
pub struct BinSpec {
    pub name: String,
    pub path: Option<String>,
    pub required_features: Vec<String>,
}

/// Builds a worker crate: `worker.toml`, `Cargo.toml` and sources. Defaults make a valid
/// worker: features `cpu` and `cuda`, default `cpu`, Linux x86_64/aarch64 and macOS aarch64,
/// version 0.1.0, one bin from `src/main.rs` named after the package (= the id).
pub struct WorkerBuilder<'s> {
    sandbox: &'s Sandbox,
    pub id: String,
    pub dir: String,
    pub name: String,
    pub description: String,
    pub features: Vec<String>,
    pub default_feature: String,
    pub platforms: Vec<(String, Vec<String>)>,
    pub tags: Vec<String>,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub binary: Option<String>,
    pub extra_toml: String,
    pub worker_toml: Option<String>,
    pub package: String,
    pub version: Option<CargoValue>,
    pub cargo_license: Option<CargoValue>,
    pub cargo_repository: Option<CargoValue>,
    pub cargo_homepage: Option<CargoValue>,
    pub cargo_features: Option<Vec<String>>,
    pub bins: Vec<BinSpec>,
    pub main_rs: bool,
    pub src_bins: Vec<String>,
    pub extra_cargo: String,
    pub cargo_toml: Option<String>,
    pub with_cargo_toml: bool,
}

/// What `WorkerBuilder::write` put on disk.
#[derive(Debug, Clone)]
pub struct Written {
    pub id: String,
    pub dir: PathBuf,
    pub worker_toml: PathBuf,
    pub cargo_toml: PathBuf,
    pub worker_text: String,
    pub cargo_text: String,
    pub features: Vec<String>,
    pub default_feature: String,
    pub platforms: PlatformsDoc,
}

impl Written {
    /// `{id}-{feature}` for every feature, sorted.
    pub fn variant_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .features
            .iter()
            .map(|f| format!("{}-{f}", self.id))
            .collect();
        ids.sort();
        ids
    }

    /// Where `needle` first occurs in worker.toml.
    pub fn at(&self, needle: &str) -> (usize, usize) {
        locate(&self.worker_text, needle)
    }
}

impl<'s> WorkerBuilder<'s> {
    fn new(sandbox: &'s Sandbox, id: &str) -> Self {
        WorkerBuilder {
            sandbox,
            id: id.to_string(),
            dir: format!("bin/{id}"),
            name: format!("{id} name"),
            description: format!("{id} description"),
            features: vec!["cpu".into(), "cuda".into()],
            default_feature: "cpu".into(),
            platforms: vec![
                ("linux".into(), vec!["x86_64".into(), "aarch64".into()]),
                ("macos".into(), vec!["aarch64".into()]),
            ],
            tags: Vec::new(),
            license: None,
            homepage: None,
            binary: None,
            extra_toml: String::new(),
            worker_toml: None,
            package: id.to_string(),
            version: Some(CargoValue::Literal("0.1.0".into())),
            cargo_license: None,
            cargo_repository: None,
            cargo_homepage: None,
            cargo_features: None,
            bins: Vec::new(),
            main_rs: true,
            src_bins: Vec::new(),
            extra_cargo: String::new(),
            cargo_toml: None,
            with_cargo_toml: true,
        }
    }

    /// The directory relative to the root (default `bin/{id}`).
    pub fn dir(mut self, rel: &str) -> Self {
        self.dir = rel.to_string();
        self
    }
    pub fn name(mut self, s: &str) -> Self {
        self.name = s.into();
        self
    }
    pub fn description(mut self, s: &str) -> Self {
        self.description = s.into();
        self
    }
    pub fn features(mut self, f: &[&str]) -> Self {
        self.features = f.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn default_feature(mut self, s: &str) -> Self {
        self.default_feature = s.into();
        self
    }
    /// `[("linux", &["x86_64"]), …]`, in manifest order.
    pub fn platforms(mut self, p: &[(&str, &[&str])]) -> Self {
        self.platforms = p
            .iter()
            .map(|(os, arches)| {
                (
                    os.to_string(),
                    arches.iter().map(|a| a.to_string()).collect(),
                )
            })
            .collect();
        self
    }
    pub fn tags(mut self, t: &[&str]) -> Self {
        self.tags = t.iter().map(|s| s.to_string()).collect();
        self
    }
    /// `[worker].license`
    pub fn license(mut self, s: &str) -> Self {
        self.license = Some(s.into());
        self
    }
    /// `[worker].homepage`
    pub fn homepage(mut self, s: &str) -> Self {
        self.homepage = Some(s.into());
        self
    }
    /// `[worker].binary`
    pub fn binary(mut self, s: &str) -> Self {
        self.binary = Some(s.into());
        self
    }
    /// Appended verbatim to worker.toml (`[variants.X]`, `[source]`, `[depends]`, …).
    pub fn extra(mut self, toml: &str) -> Self {
        self.extra_toml.push('\n');
        self.extra_toml.push_str(toml);
        self
    }
    /// Replaces the generated worker.toml entirely.
    pub fn worker_toml(mut self, text: &str) -> Self {
        self.worker_toml = Some(text.into());
        self
    }
    pub fn package(mut self, s: &str) -> Self {
        self.package = s.into();
        self
    }
    pub fn version(mut self, v: &str) -> Self {
        self.version = Some(CargoValue::Literal(v.into()));
        self
    }
    /// `version.workspace = true`, and the same for license, repository and homepage.
    pub fn inherit_all(mut self) -> Self {
        self.version = Some(CargoValue::Workspace);
        self.cargo_license = Some(CargoValue::Workspace);
        self.cargo_repository = Some(CargoValue::Workspace);
        self.cargo_homepage = Some(CargoValue::Workspace);
        self
    }
    pub fn cargo_version(mut self, v: Option<CargoValue>) -> Self {
        self.version = v;
        self
    }
    pub fn cargo_license(mut self, v: CargoValue) -> Self {
        self.cargo_license = Some(v);
        self
    }
    pub fn cargo_repository(mut self, v: CargoValue) -> Self {
        self.cargo_repository = Some(v);
        self
    }
    pub fn cargo_homepage(mut self, v: CargoValue) -> Self {
        self.cargo_homepage = Some(v);
        self
    }
    /// The crate's `[features]` keys (default: the worker's features).
    pub fn cargo_features(mut self, f: &[&str]) -> Self {
        self.cargo_features = Some(f.iter().map(|s| s.to_string()).collect());
        self
    }
    /// A `[[bin]]` target (its source file is written too).
    pub fn bin(mut self, name: &str, required_features: &[&str]) -> Self {
        self.bins.push(BinSpec {
            name: name.into(),
            path: Some(format!("src/bin/{name}.rs")),
            required_features: required_features.iter().map(|s| s.to_string()).collect(),
        });
        self
    }
    pub fn bin_at(mut self, name: &str, path: &str, required_features: &[&str]) -> Self {
        self.bins.push(BinSpec {
            name: name.into(),
            path: Some(path.into()),
            required_features: required_features.iter().map(|s| s.to_string()).collect(),
        });
        self
    }
    /// Whether `src/main.rs` exists (default yes).
    pub fn main_rs(mut self, yes: bool) -> Self {
        self.main_rs = yes;
        self
    }
    /// An auto-discovered `src/bin/{name}.rs`, with no `[[bin]]` entry.
    pub fn src_bin(mut self, name: &str) -> Self {
        self.src_bins.push(name.into());
        self
    }
    /// Appended verbatim to Cargo.toml.
    pub fn extra_cargo(mut self, toml: &str) -> Self {
        self.extra_cargo.push('\n');
        self.extra_cargo.push_str(toml);
        self
    }
    /// Replaces the generated Cargo.toml entirely.
    pub fn cargo_toml(mut self, text: &str) -> Self {
        self.cargo_toml = Some(text.into());
        self
    }
    /// Leaves Cargo.toml out.
    pub fn no_cargo_toml(mut self) -> Self {
        self.with_cargo_toml = false;
        self
    }

    pub fn render_worker_toml(&self) -> String {
        if let Some(t) = &self.worker_toml {
            return t.clone();
        }
        let mut s = String::from("[worker]\n");
        s += &format!("id = {}\n", q(&self.id));
        s += &format!("name = {}\n", q(&self.name));
        s += &format!("description = {}\n", q(&self.description));
        for (k, v) in [
            ("license", &self.license),
            ("homepage", &self.homepage),
            ("binary", &self.binary),
        ] {
            if let Some(v) = v {
                s += &format!("{k} = {}\n", q(v));
            }
        }
        if !self.tags.is_empty() {
            s += &format!("tags = {}\n", q_list(&self.tags));
        }
        s += "\n[build]\n";
        s += &format!("features = {}\n", q_list(&self.features));
        s += &format!("default_feature = {}\n", q(&self.default_feature));
        s += "\n[platforms]\n";
        for (os, arches) in &self.platforms {
            s += &format!("{os} = {}\n", q_list(arches));
        }
        s += &self.extra_toml;
        s
    }

    pub fn render_cargo_toml(&self) -> String {
        if let Some(t) = &self.cargo_toml {
            return t.clone();
        }
        let mut s = String::from("[package]\n");
        s += &format!("name = {}\n", q(&self.package));
        for (k, v) in [
            ("version", &self.version),
            ("license", &self.cargo_license),
            ("repository", &self.cargo_repository),
            ("homepage", &self.cargo_homepage),
        ] {
            match v {
                Some(CargoValue::Literal(x)) => s += &format!("{k} = {}\n", q(x)),
                Some(CargoValue::Workspace) => s += &format!("{k}.workspace = true\n"),
                None => {}
            }
        }
        s += "edition = \"2021\"\npublish = false\n";
        s += "\n[features]\n";
        for f in self.cargo_features.as_ref().unwrap_or(&self.features) {
            s += &format!("{f} = []\n");
        }
        for b in &self.bins {
            s += "\n[[bin]]\n";
            s += &format!("name = {}\n", q(&b.name));
            if let Some(p) = &b.path {
                s += &format!("path = {}\n", q(p));
            }
            if !b.required_features.is_empty() {
                s += &format!("required-features = {}\n", q_list(&b.required_features));
            }
        }
        s += &self.extra_cargo;
        s
    }

    pub fn write(self) -> Written {
        let dir = self.sandbox.root.join(&self.dir);
        fs::create_dir_all(&dir).expect("mkdir worker dir");
        let worker_text = self.render_worker_toml();
        let cargo_text = self.render_cargo_toml();
        let worker_toml = write_file(&dir.join("worker.toml"), &worker_text);
        let cargo_toml = dir.join("Cargo.toml");
        if self.with_cargo_toml {
            write_file(&cargo_toml, &cargo_text);
        }
        let main = "fn main() {}\n";
        if self.main_rs {
            write_file(&dir.join("src/main.rs"), main);
        }
        for b in &self.bins {
            if let Some(p) = &b.path {
                write_file(&dir.join(p), main);
            }
        }
        for b in &self.src_bins {
            write_file(&dir.join(format!("src/bin/{b}.rs")), main);
        }
        Written {
            id: self.id,
            dir,
            worker_toml,
            cargo_toml,
            worker_text,
            cargo_text,
            features: self.features,
            default_feature: self.default_feature,
            platforms: self.platforms.into_iter().collect(),
        }
    }
}

/// `RUSTUP_HOME` and `CARGO_HOME` as this process sees them (the defaults under the real
/// HOME otherwise), for children whose HOME is the sandbox.
pub fn toolchain_vars() -> [(&'static str, PathBuf); 2] {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .expect("HOME is set");
    let var = |name: &str, default: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(default))
    };
    [
        ("RUSTUP_HOME", var("RUSTUP_HOME", ".rustup")),
        ("CARGO_HOME", var("CARGO_HOME", ".cargo")),
    ]
}
