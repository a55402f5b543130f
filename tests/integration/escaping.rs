//! Hostile values against the real readers of the generated files (DESIGN section 3):
//! `escape::bash` and `escape::ruby` round-trip arbitrary strings through bash and Ruby, and a
//! value placed in every text field of worker.toml and Cargo.toml (and in file and directory
//! names) comes out of the PKGBUILD, .SRCINFO and formula exactly as the model says, with
//! nothing run on the way: every payload tries to create a `CANARY` file, which must not appear.

use crate::tools;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use rbee_workers::catalog::{self, Catalog, Source, SourceKind};
use rbee_workers::context::Context;
use rbee_workers::dirs::Dirs;
use rbee_workers::package;
use rbee_workers::render::{arch, brew, escape, Engine};
use serde_json::json;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Running bash, Ruby and the Arch tools
// ---------------------------------------------------------------------------------------------

/// The file every payload tries to create, relative to the working directory it runs in.
const CANARY: &str = "CANARY";
/// Where makepkg's shell libraries live; `srcinfo.sh` is what `--printsrcinfo` runs.
const MAKEPKG_LIBRARY: &str = "/usr/share/makepkg";
const TEST_USER: &str = "rbee-test";
/// A pinned release checksum, so no render downloads anything.
const PIN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// bash's `$'\u…'` depends on the locale, so every bash check runs in both of these.
const LOCALES: [&str; 2] = ["C.UTF-8", "C"];

/// A scratch directory under /tmp, which every user can traverse (makepkg runs as another
/// user when the tests run as root).
fn scratch() -> TempDir {
    tempfile::Builder::new()
        .prefix("rbee-escaping-")
        .tempdir_in("/tmp")
        .expect("tempdir")
}

/// A child in `dir` with a controlled environment: the locale given, `HOME` inside the
/// sandbox (the payloads include `rm -rf ~`), and no startup files.
fn child(program: &str, dir: &Path, locale: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("LC_ALL", locale)
        .env("HOME", dir)
        .env_remove("BASH_ENV")
        .env_remove("ENV")
        .env_remove("RUBYOPT");
    cmd
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_ran(out: &Output, what: &str) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Every `CANARY` under `dir`: a payload that ran.
fn canaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if entry.file_name() == CANARY {
                found.push(path);
            }
        }
    }
    found
}

fn assert_no_canary(dir: &Path, what: &str) {
    let found = canaries(dir);
    assert!(
        found.is_empty(),
        "{what}: a payload ran and created {found:?}"
    );
}

fn split_nul(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = bytes.split(|b| *b == 0).map(<[u8]>::to_vec).collect();
    assert_eq!(parts.pop(), Some(Vec::new()), "output must end with NUL");
    parts
}

/// Values as the bytes a reader prints, so a mismatch shows what went wrong exactly.
fn bytes_of<S: AsRef<str>>(values: &[S]) -> Vec<Vec<u8>> {
    values
        .iter()
        .map(|v| v.as_ref().as_bytes().to_vec())
        .collect()
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).stdout.trim_ascii() == b"0"
}

/// Runs `script` in bash as an unprivileged user: makepkg refuses root.
fn unprivileged(script: &str) -> Output {
    static ROOT: OnceLock<bool> = OnceLock::new();
    if !*ROOT.get_or_init(is_root) {
        return output(Command::new("bash").args(["-c", script]));
    }
    static USER: OnceLock<()> = OnceLock::new();
    USER.get_or_init(|| {
        let exists = || output(Command::new("id").arg(TEST_USER)).status.success();
        if !exists() {
            let status = Command::new("useradd")
                .args(["-m", TEST_USER])
                .status()
                .expect("useradd");
            // Another test may have created the user at the same moment.
            assert!(status.success() || exists(), "useradd {TEST_USER} failed");
        }
    });
    output(Command::new("su").args([TEST_USER, "-s", "/bin/bash", "-c", script]))
}

fn chmod_all(path: &Path) {
    let status = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(path)
        .status()
        .expect("chmod");
    assert!(status.success(), "chmod -R a+rwX {}", path.display());
}

/// `makepkg --printsrcinfo` on `dir/PKGBUILD` in `locale`, as an unprivileged user whose
/// `HOME` is `dir`.
fn printsrcinfo(dir: &Path, locale: &str) -> Output {
    chmod_all(dir);
    let d = sh_word(&dir.display().to_string());
    unprivileged(&format!(
        "cd {d} && export HOME={d} LC_ALL={locale} PACMAN=true && makepkg --printsrcinfo"
    ))
}

/// Quotes a path of our own making for a shell script (not the code under test).
fn sh_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

// ---------------------------------------------------------------------------------------------
// Hostile strings
// ---------------------------------------------------------------------------------------------

/// Pieces that mean something to bash, Ruby, makepkg or TOML, glued together by the strategies.
/// Each payload only ever creates `CANARY`.
#[rustfmt::skip]
const PIECES: &[&str] = &[
    "$(touch CANARY)", "`touch CANARY`", "${HOME}", "${x:=$(touch CANARY)}", "$HOME", "$'",
    "$\"", "'", "\"", "\\", "\\'", "#{system(\"touch CANARY\")}", "#{`touch CANARY`}", "#@x",
    "#@@x", "#$y", "#", "{", "}", "%q(", "; touch CANARY;", "| touch CANARY", "&& touch CANARY",
    "<(touch CANARY)", ">CANARY", "*", "?", "~", "!", "!!", "-", "--", "=", " ", "\t", "\n",
    "\r", "\n depends=($(touch CANARY)) #", "\u{1b}[1m", "\u{7f}", "\u{85}", "\u{a0}",
    "\u{2028}", "\u{3000}", "é", "日本", "🦀", "\u{200b}", "\u{feff}", "x", "__END__", "=begin",
    "::", "#branch=", "\\u0041", "\\x41", "\\n", "%s", "%n", "{version}", "{tag}",
];

/// Arbitrary strings without NUL (which neither a bash variable nor a TOML string can hold):
/// any characters, a regex heavy in metacharacters, glued payloads, printable Unicode.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..24)
            .prop_map(|v| v.into_iter().filter(|c| *c != '\0').collect::<String>()),
        r#"[$`'"\\#{}();|&<>*?~!\n\t =@%+:,./_a-zé日🦀\x{1b}\x{7f}\x{85}\x{2028}\x{3000}-]{0,24}"#,
        prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

/// C1 controls (U+0080–U+009F): bash's `$'\U…'` only decodes them in a UTF-8 locale.
fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// Non-ASCII whitespace, which makepkg's `[[:space:]]` collapses in a UTF-8 locale only.
fn is_unicode_space(c: char) -> bool {
    !c.is_ascii() && c.is_whitespace()
}

/// A value the manifest takes for a one-line field: no line break, not blank. It also leaves
/// out the two character classes of the known bugs below (C1 controls, non-ASCII spaces), so
/// the end-to-end property can hold in both locales; remove that filter when they are fixed.
fn one_line(s: String) -> String {
    let mut s: String = s
        .chars()
        .map(|c| match c {
            // The manifest refuses line breaks and control characters but tab.
            c if c.is_control() && c != '\t' => ' ',
            '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .filter(|c| !is_c1(*c) && !is_unicode_space(*c))
        .collect();
    if s.trim().is_empty() {
        s.push('x');
    }
    s
}

/// The fixed hostile cases: every one must come out of every generated file as inert text.
const FIXED: &[&str] = &[
    "$(touch CANARY)",
    "`touch CANARY`",
    "${HOME}",
    "${HOME:-$(touch CANARY)}",
    "'",
    "\"",
    "\\",
    "#{system(\"touch CANARY\")}",
    "#{`touch CANARY`} #@x #$y #@@z",
    "; rm -rf ~; echo \"",
    "'; touch CANARY; '",
    "\"; touch CANARY; \"",
    "\\'\"$(touch CANARY)\"\\'",
    "Ünïcödé — 日本語 🦀 \u{200b}x",
    "-rf",
    "a\tb [31m\t",
    "  leading and trailing  ",
    "*.tar.gz ~ ?[a] !! %s %n",
    "w::git+https://x/y#branch=main",
    "$'\\x41' \\u0041 \\n {version} {tag}",
    "__END__ =begin %q(",
];

// ---------------------------------------------------------------------------------------------
// 1. The quoting functions, unit by unit
// ---------------------------------------------------------------------------------------------

/// A bash script that reads each quoted value back in the contexts templates use (assignment,
/// array item, command word, glued after `"$srcdir"/`) and after a comment holding it, and
/// prints them NUL-separated.
fn bash_script(values: &[String]) -> String {
    let q: Vec<String> = values.iter().map(|v| escape::bash(v)).collect();
    let mut s = String::new();
    for (i, w) in q.iter().enumerate() {
        writeln!(s, "# {w}").unwrap();
        writeln!(s, "x{i}={w}").unwrap();
    }
    writeln!(s, "arr=({})", q.join(" ")).unwrap();
    writeln!(s, "srcdir=/src").unwrap();
    s.push_str("printf '%s\\0'");
    for i in 0..q.len() {
        write!(s, " \"$x{i}\"").unwrap();
    }
    s.push_str("\nprintf '%s\\0' \"${#arr[@]}\" \"${arr[@]}\"\n");
    writeln!(s, "printf '%s\\0' {}", q.join(" ")).unwrap();
    s.push_str("printf '%s\\0'");
    for w in &q {
        write!(s, " \"$srcdir\"/{w}").unwrap();
    }
    s.push('\n');
    s
}

fn bash_expected(values: &[String]) -> Vec<Vec<u8>> {
    let mut want = values.to_vec();
    want.push(values.len().to_string());
    want.extend(values.iter().cloned());
    want.extend(values.iter().cloned());
    want.extend(values.iter().map(|v| format!("/src/{v}")));
    bytes_of(&want)
}

/// `bash -n` accepts the script, running it prints exactly `values` in every context, and
/// nothing else runs.
fn check_bash_roundtrip(values: &[String], locale: &str) {
    let dir = scratch();
    let script = bash_script(values);
    let path = dir.path().join("quoted.sh");
    fs::write(&path, &script).unwrap();
    assert_ran(
        &output(child("bash", dir.path(), locale).arg("-n").arg(&path)),
        &format!("bash -n rejects the quoted values:\n{script}"),
    );
    let out = output(child("bash", dir.path(), locale).arg(&path));
    assert_ran(&out, &format!("bash fails on the quoted values:\n{script}"));
    assert_eq!(
        split_nul(&out.stdout),
        bash_expected(values),
        "bash ({locale}) reads back other values from:\n{script}"
    );
    assert_no_canary(dir.path(), &format!("bash ({locale}) on:\n{script}"));
}

/// A Ruby file that reads each quoted value back as a literal, as an array item, as the
/// argument of a parenthesis-free call (`desc "…"`) and interpolated into another literal
/// (`"#{bin/"…"} --version"`), and writes them NUL-separated.
fn ruby_script(values: &[String]) -> String {
    let q: Vec<String> = values.iter().map(|v| escape::ruby(v)).collect();
    let mut s = String::from("$out = []\ndef desc(v) = $out << v\n");
    for w in &q {
        writeln!(s, "$out << {w} # {w}").unwrap();
    }
    writeln!(s, "$out.concat([{}])", q.join(", ")).unwrap();
    for w in &q {
        writeln!(s, "desc {w}").unwrap();
    }
    for w in &q {
        writeln!(s, "$out << \"<#{{{w}}}>\"").unwrap();
    }
    s.push_str("$out.each { |v| raise \"bad encoding: #{v.inspect}\" unless v.valid_encoding?; $stdout.write(v, \"\\0\") }\n");
    s
}

fn ruby_expected(values: &[String]) -> Vec<Vec<u8>> {
    let mut want = Vec::new();
    for _ in 0..3 {
        want.extend(values.iter().cloned());
    }
    want.extend(values.iter().map(|v| format!("<{v}>")));
    bytes_of(&want)
}

/// `ruby -wc` accepts the file without a warning, and running it prints exactly `values` in
/// every context; Ruby runs in the C locale, where nothing is transcoded.
fn check_ruby_roundtrip(values: &[String]) {
    if !tools::require_quietly("ruby", "Ruby itself judges the Ruby quoting") {
        return;
    }
    let dir = scratch();
    let script = ruby_script(values);
    let path = dir.path().join("quoted.rb");
    fs::write(&path, &script).unwrap();
    let syntax = output(child("ruby", dir.path(), "C").arg("-wc").arg(&path));
    assert!(
        syntax.status.success() && syntax.stdout == b"Syntax OK\n" && syntax.stderr.is_empty(),
        "ruby -wc rejects the quoted values:\n{script}\n{}{}",
        text(&syntax.stdout),
        text(&syntax.stderr)
    );
    let out = output(child("ruby", dir.path(), "C").arg("-w").arg(&path));
    assert_ran(&out, &format!("ruby fails on the quoted values:\n{script}"));
    assert_eq!(
        split_nul(&out.stdout),
        ruby_expected(values),
        "Ruby reads back other values from:\n{script}"
    );
    assert_no_canary(dir.path(), &format!("ruby on:\n{script}"));
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(48) })]

    /// In a UTF-8 locale every string without NUL survives bash quoting exactly.
    #[test]
    fn bash_quoting_round_trips_any_string(values in prop::collection::vec(any_text(), 1..24)) {
        check_bash_roundtrip(&values, "C.UTF-8");
    }

    /// In the C locale too, except for C1 controls (see the ignored test below).
    #[test]
    fn bash_quoting_round_trips_in_the_c_locale(values in prop::collection::vec(any_text(), 1..24)) {
        let without_c1 = |v: String| v.chars().filter(|c| !is_c1(*c)).collect();
        check_bash_roundtrip(&values.into_iter().map(without_c1).collect::<Vec<_>>(), "C");
    }

    #[test]
    fn ruby_quoting_round_trips_any_string(values in prop::collection::vec(any_text(), 1..24)) {
        check_ruby_roundtrip(&values);
    }
}

/// What `report::inert` may leave in text for a terminal: newlines, tabs and SGR (colour)
/// sequences; every other control character is gone.
fn terminal_safe(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' {
            let body = rest.strip_prefix("\u{1b}[").ok_or("a bare ESC")?;
            let n = body
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':')
                .count();
            if body.as_bytes().get(n) != Some(&b'm') {
                return Err(format!("an ESC that starts no SGR sequence in {text:?}"));
            }
            rest = &body[n + 1..];
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            return Err(format!("control {c:?} left in {text:?}"));
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(512) })]

    /// Any text, hostile or not, reaches the terminal with nothing that can drive it, and
    /// text without control characters is left exactly as it is.
    #[test]
    fn terminal_text_is_inert(values in prop::collection::vec(any_text(), 1..8)) {
        let text = values.concat();
        let shown = rbee_workers::report::inert(&text);
        let verdict = terminal_safe(&shown);
        prop_assert!(verdict.is_ok(), "{:?}", verdict);
        if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            prop_assert_eq!(shown.as_ref(), text.as_str());
        }
        // Every character that was not a control survives, in order.
        let kept = |t: &str| t.chars().filter(|c| !c.is_control()).collect::<String>();
        let (before, after) = (kept(&text), kept(&shown));
        let mut rest = after.chars();
        let subsequence = before.chars().all(|c| rest.any(|d| d == c));
        prop_assert!(subsequence, "{:?} lost from {:?}", before, after);
    }
}

#[test]
fn terminal_text_keeps_colours_and_escapes_everything_else() {
    use rbee_workers::report::inert;
    assert_eq!(
        inert("\u{1b}[1;31mred\u{1b}[0m"),
        "\u{1b}[1;31mred\u{1b}[0m"
    );
    assert_eq!(inert("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    assert_eq!(inert("\u{1b}]0;title\u{7}"), "\\u{1b}]0;title\\u{7}");
    assert_eq!(inert("real\rfake"), "real\\u{d}fake");
    assert_eq!(inert("csi\u{9b}31m"), "csi\\u{9b}31m");
    assert_eq!(inert("tab\tand\nnewline"), "tab\tand\nnewline");
}

#[test]
fn quoting_round_trips_the_fixed_hostile_values() {
    let mut values: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    values.extend(PIECES.iter().map(|s| s.to_string()));
    values.extend(["", "a\nb", "a\rb", "\u{1}\u{1f}\u{7f}"].map(String::from));
    check_bash_roundtrip(&values, "C.UTF-8");
    check_ruby_roundtrip(&values);
}

/// Bug: `escape::bash` writes a C1 control (U+0080–U+009F) as `$'\U000000XX'`, which bash
/// decodes only in a UTF-8 locale; under `LC_ALL=C` (the default of many CI and build
/// environments) `$'a\U00000085b'` expands to the six characters `a\u0085b`. worker.toml
/// accepts such a character in `description` (only `\n` and `\r` are refused), so `pkgdesc`
/// and the .SRCINFO makepkg writes differ from the manifest. Writing the character's UTF-8
/// bytes as `\xC2\x85` (or the raw character) is locale-independent.
#[test]
fn bash_quoting_of_c1_controls_is_locale_independent() {
    check_bash_roundtrip(&["a\u{85}b".to_string(), "\u{9b}31m".to_string()], "C");
}

// ---------------------------------------------------------------------------------------------
// 2. End to end: manifests → catalog → PKGBUILD, .SRCINFO, formula → bash, makepkg, Ruby
// ---------------------------------------------------------------------------------------------

/// Where the crate metadata that reaches the generated files comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// worker.toml sets license, homepage and every `[source]` key.
    Worker,
    /// license, homepage and the git URL come from Cargo.toml, the subdir from the worker's
    /// directory name.
    Cargo,
    /// As `Cargo`, without a Cargo `homepage`, so `repository` becomes the homepage.
    CargoRepository,
}

const LAYOUTS: [Layout; 3] = [Layout::Worker, Layout::Cargo, Layout::CargoRepository];

#[derive(Debug, Clone)]
struct Case {
    /// The hostile value, put in every text field.
    value: String,
    layout: Layout,
}

impl Case {
    fn git_url(&self) -> String {
        // The git and release flavours need a repository name (the URL's last segment).
        let url = if arch::repo_name(&self.value).is_some() {
            self.value.clone()
        } else {
            format!("{}/repo", self.value)
        };
        // git must never be handed a URL that could become an option or a remote-helper
        // transport: the manifest refuses those (tested in the sources tests). A value the
        // check refuses as a whole URL still reaches the files in the path of an https one.
        let in_path = format!("https://example.com/x/{url}");
        let fallback = if rbee_workers::manifest::git_url_problem(&in_path).is_none() {
            in_path
        } else {
            "https://example.com/x/repo.git".to_string()
        };
        allowed(url, rbee_workers::manifest::git_url_problem, &fallback)
    }

    /// The value in the path of a homepage (which must be an http(s) URL), where the manifest
    /// takes it as one, else an ordinary homepage.
    fn homepage(&self) -> String {
        self.in_url("https://example.com/", |u| {
            rbee_workers::manifest::homepage_problem(u).is_none()
        })
    }

    /// The value in the path of a download URL, where the manifest takes it as one (written
    /// as it is fetched), else an ordinary URL.
    fn tarball(&self) -> String {
        self.in_url("https://example.com/dl/", |u| {
            rbee_workers::manifest::download_url_problem(u).is_none()
        })
    }

    /// `PREFIX{value}` when `ok` takes it, else `PREFIXw.tar.gz`.
    fn in_url(&self, prefix: &str, ok: impl Fn(&str) -> bool) -> String {
        let url = format!("{prefix}{}", self.value);
        if ok(&url) {
            url
        } else {
            format!("{prefix}w.tar.gz")
        }
    }

    /// The value where the manifest takes it as a branch or tag name, else an ordinary one.
    fn git_ref(&self, fallback: &str) -> String {
        allowed(
            self.value.clone(),
            rbee_workers::manifest::ref_problem,
            fallback,
        )
    }

    fn subdir(&self) -> String {
        allowed(
            self.value.clone(),
            rbee_workers::manifest::subdir_problem,
            "sub",
        )
    }

    /// The manifest refuses package names makepkg's lint would refuse (a located problem,
    /// tested below), so every case lists an ordinary name there.
    fn dependency(&self) -> String {
        "hostile-dep".into()
    }

    /// The worker's directory name: the value as a file name (no `/`, at most 200 bytes).
    fn dir_name(&self) -> String {
        file_name("w", &self.value)
    }

    fn license_file(&self) -> String {
        file_name("LICENSE-", &self.value)
    }
}

fn allowed(value: String, problem: fn(&str) -> Option<&'static str>, fallback: &str) -> String {
    if problem(&value).is_none() {
        value
    } else {
        fallback.to_string()
    }
}

fn file_name(prefix: &str, value: &str) -> String {
    let mut name = prefix.to_string();
    for c in value.chars().map(|c| if c == '/' { '_' } else { c }) {
        if name.len() + c.len_utf8() > 200 {
            break;
        }
        name.push(c);
    }
    name
}

/// Writes `root/bin/<dir>/{worker.toml,Cargo.toml,src/main.rs,LICENSE…}` with `case.value` in
/// every text field, serialised by the toml crate; returns the worker's directory.
fn write_catalog(root: &Path, case: &Case) -> PathBuf {
    let (v, dep, git) = (case.value.as_str(), case.dependency(), case.git_url());
    let mut manifest = json!({
        "worker": { "id": "w", "name": v, "description": v, "binary": "w", "tags": [v] },
        "build": { "features": ["cpu"], "default_feature": "cpu" },
        "platforms": { "linux": ["x86_64"], "macos": ["aarch64"] },
        "depends": { "arch": [dep, "gcc-libs"], "brew": [dep] },
        "variants": { "cpu": { "makedepends": { "arch": [dep] } } },
        "source": { "branch": case.git_ref("main"), "tag": case.git_ref("v1"), "tarball": case.tarball(), "sha256": PIN },
    });
    if case.layout == Layout::Worker {
        manifest["worker"]["license"] = json!(v);
        manifest["worker"]["homepage"] = json!(case.homepage());
        manifest["source"]["git"] = json!(git);
        manifest["source"]["subdir"] = json!(case.subdir());
    }
    let mut cargo = json!({
        "package": {
            "name": v, "version": "0.1.0", "edition": "2021",
            "license": v, "description": v, "repository": git,
        },
        "features": { "cpu": [] },
    });
    if case.layout != Layout::CargoRepository {
        cargo["package"]["homepage"] = json!(case.homepage());
    }
    let dir = root.join("bin").join(case.dir_name());
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("worker.toml"), toml::to_string(&manifest).unwrap()).unwrap();
    fs::write(dir.join("Cargo.toml"), toml::to_string(&cargo).unwrap()).unwrap();
    fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    fs::write(dir.join("LICENSE"), "license\n").unwrap();
    fs::write(dir.join(case.license_file()), "license\n").unwrap();
    dir
}

/// Sets the value at `pointer` (a JSON pointer into the TOML document) of `dir/file`.
fn set(dir: &Path, file: &str, pointer: &str, value: &str) {
    let path = dir.join(file);
    let mut doc: serde_json::Value = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    *doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {file}")) = json!(value);
    fs::write(&path, toml::to_string(&doc).unwrap()).unwrap();
}

fn discover(root: &Path) -> Catalog {
    let source = Arc::new(Source {
        name: "local".into(),
        kind: SourceKind::Local,
        location: root.display().to_string(),
        root: root.to_path_buf(),
        trusted: true,
    });
    let mut catalog = Catalog::default();
    catalog::discover(source, &mut catalog);
    catalog
}

/// Offline: a render that would need a download fails instead.
fn context(base: &Path) -> Context {
    Context::with_dirs(dirs_in(base), true)
}

fn dirs_in(base: &Path) -> Dirs {
    Dirs {
        config: base.join("config"),
        cache: base.join("cache"),
        data: base.join("data"),
    }
}

struct RenderedPkgbuild {
    model: arch::Pkgbuild,
    srcinfo: String,
    dir: PathBuf,
}

struct RenderedFormula {
    model: brew::Formula,
    path: PathBuf,
}

struct Rendered {
    pkgbuilds: Vec<RenderedPkgbuild>,
    formulas: Vec<RenderedFormula>,
}

/// Discovers the catalog under `base/catalog` and renders the PKGBUILD of every flavour into
/// `base/<flavour>/` and both formulas into `base/formula/`.
fn render_all(base: &Path, case: &Case) -> Rendered {
    let root = base.join("catalog");
    write_catalog(&root, case);
    let catalog = discover(&root);
    let errors: Vec<_> = catalog.problems.iter().filter(|p| p.is_error()).collect();
    assert!(
        errors.is_empty() && catalog.workers.len() == 1,
        "{case:?}: discovery failed: {errors:#?}"
    );
    let w = &catalog.workers[0];
    let v = &w.variants[0];
    let (cx, engine) = (context(base), Engine::new(vec![]));

    let mut pkgbuilds = Vec::new();
    for flavor in [
        arch::Flavor::Release,
        arch::Flavor::Git,
        arch::Flavor::Local,
    ] {
        let dir = base.join(flavor.name());
        fs::create_dir_all(&dir).unwrap();
        let (model, text, srcinfo, _tarball) =
            package::render_pkgbuild(&cx, &engine, w, v, flavor, &dir)
                .unwrap_or_else(|e| panic!("{case:?}: {} PKGBUILD: {e}", flavor.name()));
        fs::write(dir.join("PKGBUILD"), text).unwrap();
        pkgbuilds.push(RenderedPkgbuild {
            model,
            srcinfo,
            dir,
        });
    }

    let mut formulas = Vec::new();
    let dir = base.join("formula");
    fs::create_dir_all(&dir).unwrap();
    for (flavor, name) in [
        (brew::Flavor::Release, "release"),
        (brew::Flavor::Head, "head"),
    ] {
        let (model, text) = package::render_formula(&cx, &engine, w, v, flavor)
            .unwrap_or_else(|e| panic!("{case:?}: {name} formula: {e}"));
        let path = dir.join(format!("{name}.rb"));
        fs::write(&path, text).unwrap();
        formulas.push(RenderedFormula { model, path });
    }
    Rendered {
        pkgbuilds,
        formulas,
    }
}

/// The hostile value really reached every model field it was put in, so the checks below are
/// not vacuous.
fn assert_models_carry(case: &Case, r: &Rendered) {
    let v = &case.value;
    for p in &r.pkgbuilds {
        let m = &p.model;
        let what = format!("{case:?}: {:?} model", m.flavor);
        assert_eq!(&m.pkgdesc, v, "{what}: pkgdesc");
        let url = match case.layout {
            Layout::CargoRepository => case.git_url(),
            _ => case.homepage(),
        };
        assert_eq!(m.url.as_ref(), Some(&url), "{what}: url");
        assert_eq!(m.license, std::slice::from_ref(v), "{what}: license");
        assert!(m.depends.contains(&case.dependency()), "{what}: depends");
        assert!(
            m.makedepends.contains(&case.dependency()),
            "{what}: makedepends"
        );
        assert_eq!(&m.package, v, "{what}: package");
        // Only plain file names are written into package(); others are left out.
        let plain = case
            .license_file()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        assert_eq!(
            m.license_files.contains(&case.license_file()),
            plain,
            "{what}: license files"
        );
    }
    let subdir = match case.layout {
        Layout::Worker => case.subdir(),
        _ => format!("bin/{}", case.dir_name()),
    };
    for f in &r.formulas {
        let m = &f.model;
        assert_eq!(m.desc, brew::desc(v), "{case:?}: formula desc");
        assert_eq!(m.path, subdir, "{case:?}: formula path");
        assert_eq!(m.depends, [case.dependency()], "{case:?}: formula depends");
        assert_eq!(m.branch, case.git_ref("main"), "{case:?}: formula branch");
        assert_eq!(
            m.head_url.as_deref(),
            Some(case.git_url().as_str()),
            "{case:?}: formula head"
        );
    }
}

/// The bash harness's output: records of a name and its values.
type Records = Vec<(String, Vec<Vec<u8>>)>;

fn parse_records(bytes: &[u8]) -> Records {
    let parts = split_nul(bytes);
    let mut out = Vec::new();
    let mut it = parts.into_iter();
    while let Some(name) = it.next() {
        let n: usize = text(&it.next().expect("a count"))
            .parse()
            .expect("a numeric count");
        let values: Vec<Vec<u8>> = it.by_ref().take(n).collect();
        assert_eq!(values.len(), n, "truncated record {}", text(&name));
        out.push((text(&name), values));
    }
    out
}

/// Sources the PKGBUILD as makepkg does and prints every variable a manifest value reaches;
/// then calls each function with `cd`, `cargo`, `install`, `rustc` and `git` stubbed out to
/// record their arguments; then writes .SRCINFO with makepkg's own library. Records go to
/// fd 3, NUL-separated; anything else the PKGBUILD prints is noise, checked to be empty.
const PKGBUILD_HARNESS: &str = r#"
exec 3>&1 1>&2
rec() { { printf '%s\0' "$1" "$(( $# - 1 ))"; (( $# > 1 )) && printf '%s\0' "${@:2}"; } >&3; }
noise=$(source ./PKGBUILD 2>&1)
rec noise "$noise"
source ./PKGBUILD || exit 97
rec pkgname "${pkgname[@]}"
rec pkgver "$pkgver"
rec pkgrel "$pkgrel"
rec pkgdesc "$pkgdesc"
rec url ${url+"$url"}
rec arch "${arch[@]}"
rec license "${license[@]}"
rec depends "${depends[@]}"
rec makedepends "${makedepends[@]}"
rec provides "${provides[@]}"
rec conflicts "${conflicts[@]}"
rec source "${source[@]}"
rec sha256sums "${sha256sums[@]}"
srcdir=/SRCDIR pkgdir=/PKGDIR
cd() { rec call:cd "$@"; }
cargo() { rec call:cargo "$@"; }
install() { rec call:install "$@"; }
rustc() { printf '%s\n' x86_64-unknown-linux-gnu; }
git() { return 1; }
for f in pkgver prepare build check package; do
  declare -F "$f" >/dev/null || continue
  rec fn "$f"
  ( "$f" ) >/dev/null
done
if [[ -n $WANT_SRCINFO && -r $MAKEPKG_LIBRARY/srcinfo.sh ]]; then
  srcinfo=$(
    shopt -s extglob
    LIBRARY=$MAKEPKG_LIBRARY
    source "$LIBRARY/srcinfo.sh"
    pkgbase=${pkgbase:-${pkgname[0]}}
    write_srcinfo_content
    printf .
  )
  rec srcinfo "${srcinfo%.}"
fi
"#;

/// The calls one function made: (command, argv).
fn calls_of<'r>(records: &'r Records, function: &str) -> Vec<(&'r str, Vec<String>)> {
    let mut inside = false;
    let mut out = Vec::new();
    for (name, values) in records {
        if name == "fn" {
            inside = values.first().is_some_and(|f| f == function.as_bytes());
        } else if inside {
            if let Some(cmd) = name.strip_prefix("call:") {
                out.push((cmd, values.iter().map(|v| text(v)).collect()));
            }
        }
    }
    out
}

fn followed_by(argv: &[String], flag: &str, value: &str) -> bool {
    argv.windows(2).any(|w| w[0] == flag && w[1] == value)
}

/// `bash -n`, then the harness in `locale`: every variable equals the model's field, each
/// function `cd`s where the model says and passes the model's package, feature, binary and
/// license files, makepkg's .SRCINFO (when `srcinfo`) equals ours, and nothing ran.
fn check_pkgbuild(case: &Case, p: &RenderedPkgbuild, locale: &str, srcinfo: bool) {
    let m = &p.model;
    let what = format!("{case:?}: {:?} PKGBUILD in {locale}", m.flavor);
    let pkgbuild = fs::read_to_string(p.dir.join("PKGBUILD")).unwrap();
    let shown = format!("{what}\n--- PKGBUILD\n{pkgbuild}");
    assert_ran(
        &output(child("bash", &p.dir, locale).args(["-n", "PKGBUILD"])),
        &format!("bash -n fails: {shown}"),
    );
    let out = output(
        child("bash", &p.dir, locale)
            .env("MAKEPKG_LIBRARY", MAKEPKG_LIBRARY)
            .env("WANT_SRCINFO", if srcinfo { "1" } else { "" })
            .args(["-c", PKGBUILD_HARNESS]),
    );
    assert_ran(&out, &format!("sourcing fails: {shown}"));
    let records = parse_records(&out.stdout);
    let got = |key: &str| -> Vec<Vec<u8>> {
        records
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no `{key}` record: {shown}"))
    };

    let scalar = |v: &str| vec![v.as_bytes().to_vec()];
    let fields: [(&str, Vec<Vec<u8>>); 14] = [
        ("noise", scalar("")),
        ("pkgname", scalar(&m.pkgname)),
        ("pkgver", scalar(&m.pkgver)),
        ("pkgrel", scalar(&m.pkgrel.to_string())),
        ("pkgdesc", scalar(&m.pkgdesc)),
        ("url", bytes_of(m.url.as_slice())),
        ("arch", bytes_of(&m.arch)),
        ("license", bytes_of(&m.license)),
        ("depends", bytes_of(&m.depends)),
        ("makedepends", bytes_of(&m.makedepends)),
        ("provides", bytes_of(&m.provides)),
        ("conflicts", bytes_of(&m.conflicts)),
        ("source", bytes_of(&m.source)),
        ("sha256sums", bytes_of(&m.sha256sums)),
    ];
    for (key, want) in fields {
        assert_eq!(got(key), want, "`{key}` differs from the model: {shown}");
    }

    let build_dir = format!("/SRCDIR/{}", m.build_dir);
    for function in ["prepare", "build", "check", "package"] {
        let calls = calls_of(&records, function);
        assert_eq!(
            calls.first().map(|(c, a)| (*c, a.clone())),
            Some(("cd", vec![build_dir.clone()])),
            "{function}() must first cd into the model's build_dir: {shown}"
        );
        if function == "build" || function == "check" {
            let cargo: Vec<_> = calls.iter().filter(|(c, _)| *c == "cargo").collect();
            assert!(
                cargo.len() == 1
                    && followed_by(&cargo[0].1, "-p", &m.package)
                    && followed_by(&cargo[0].1, "--features", &m.feature),
                "{function}() must run cargo -p PACKAGE --features FEATURE, ran {cargo:?}: {shown}"
            );
        }
    }
    let installs: Vec<Vec<String>> = calls_of(&records, "package")
        .into_iter()
        .filter(|(c, _)| *c == "install")
        .map(|(_, a)| a)
        .collect();
    let mut want = vec![vec![
        "-Dm0755".to_string(),
        format!("target/release/{}", m.binary),
        format!("/PKGDIR/usr/bin/{}", m.installed_name),
    ]];
    for f in &m.license_files {
        want.push(vec![
            "-Dm0644".to_string(),
            f.clone(),
            format!("/PKGDIR/usr/share/licenses/{}/{f}", m.pkgname),
        ]);
    }
    assert_eq!(installs, want, "package() installs: {shown}");
    if let Some(git_dir) = &m.git_dir {
        assert_eq!(
            calls_of(&records, "pkgver")
                .first()
                .map(|(c, a)| (*c, a.clone())),
            Some(("cd", vec![format!("/SRCDIR/{git_dir}")])),
            "pkgver() must cd into the model's git_dir: {shown}"
        );
    }

    match records.iter().find(|(n, _)| n == "srcinfo") {
        Some((_, v)) => assert_eq!(
            text(&v[0]),
            p.srcinfo,
            "makepkg's srcinfo library disagrees with arch::srcinfo: {shown}"
        ),
        None if srcinfo => tools::skip(
            &format!("{MAKEPKG_LIBRARY}/srcinfo.sh"),
            &format!("makepkg's library; {what}: .SRCINFO not compared"),
        ),
        None => {}
    }
    assert_no_canary(&p.dir, &shown);
}

/// Loads a formula under a stub `Formula` that records every DSL call, runs `install` and the
/// `test` block against stubs, and prints the record as JSON.
const FORMULA_HARNESS: &str = r#"
require "json"
$rec = { "depends_on" => [], "system" => [], "mv" => [], "shell_output" => [] }
class Bin
  def /(name) = "BIN/#{name}"
end
class Formula
  class << self
    attr_reader :test_block
    def inherited(k) = ($class = k)
    def desc(v) = ($rec["desc"] = v)
    def homepage(v) = ($rec["homepage"] = v)
    def url(v) = ($rec["url"] = v)
    def sha256(v) = ($rec["sha256"] = v)
    def license(v) = ($rec["license"] = v)
    def head(v, branch: nil) = ($rec["head"] = [v, branch])
    def livecheck(&) = ($rec["livecheck"] = true)
    def test(&b) = (@test_block = b)
    def on_macos(&b) = (($rec["on_macos"] ||= 0) && ($rec["on_macos"] += 1) && b.call)
    def on_linux(&b) = (($rec["on_linux"] ||= 0) && ($rec["on_linux"] += 1) && b.call)
    def depends_on(dep)
      $rec["depends_on"] << case dep
        when String then ["string", dep]
        when Symbol then ["symbol", dep.to_s]
        when Hash then ["hash", dep.map { |k, v| [k.inspect, v.inspect] }]
        else ["other", dep.inspect]
      end
    end
  end
  def bin = Bin.new
  def version = "VERSION"
  def system(*args) = ($rec["system"] << args)
  def mv(from, to) = ($rec["mv"] << [from, to])
  def shell_output(cmd) = ($rec["shell_output"] << cmd; "VERSION")
  def assert_match(want, got) = ($rec["assert_match"] = [want, got])
  def std_cargo_args(path:, features:)
    $rec["std_cargo_args"] = { "path" => path, "features" => features }
    []
  end
end
load ARGV[0]
$rec["class"] = $class.name
f = $class.new
f.install
f.instance_eval(&$class.test_block)
$stdout.write(JSON.generate($rec))
"#;

/// `ruby -wc` accepts the formula without a warning; loaded under the stub, every DSL value
/// equals the model's field, and nothing ran.
fn check_formula(case: &Case, f: &RenderedFormula) {
    if !tools::require_quietly("ruby", "Ruby itself loads every formula") {
        return;
    }
    let m = &f.model;
    let dir = f.path.parent().unwrap();
    let formula = fs::read_to_string(&f.path).unwrap();
    let what = format!(
        "{case:?}: formula {}\n--- formula\n{formula}",
        f.path.display()
    );
    let syntax = output(child("ruby", dir, "C").arg("-wc").arg(&f.path));
    assert!(
        syntax.status.success() && syntax.stdout == b"Syntax OK\n" && syntax.stderr.is_empty(),
        "ruby -wc: {}{}{what}",
        text(&syntax.stdout),
        text(&syntax.stderr)
    );
    let harness = dir.join("harness.rb");
    fs::write(&harness, FORMULA_HARNESS).unwrap();
    let out = output(child("ruby", dir, "C").arg(&harness).arg(&f.path));
    assert_ran(&out, &format!("loading the formula fails: {what}"));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON from the harness ({e}): {what}"));
    let opt = |v: &Option<String>| v.as_deref().map_or(serde_json::Value::Null, Into::into);
    let field = |key: &str| got.get(key).cloned().unwrap_or(serde_json::Value::Null);

    assert_eq!(field("class"), m.class_name.as_str(), "class: {what}");
    assert_eq!(field("desc"), m.desc.as_str(), "desc: {what}");
    assert_eq!(field("homepage"), opt(&m.homepage), "homepage: {what}");
    assert_eq!(field("url"), opt(&m.url), "url: {what}");
    assert_eq!(field("sha256"), opt(&m.sha256), "sha256: {what}");
    assert_eq!(field("license"), opt(&m.license), "license: {what}");
    let head = m.head_url.as_ref().map_or(serde_json::Value::Null, |u| {
        serde_json::json!([u, m.branch])
    });
    assert_eq!(field("head"), head, "head: {what}");
    let strings: Vec<serde_json::Value> = got["depends_on"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d[0] == "string")
        .map(|d| d[1].clone())
        .collect();
    assert_eq!(strings, m.depends, "depends_on strings: {what}");
    assert_eq!(
        field("std_cargo_args"),
        serde_json::json!({ "path": m.path, "features": m.features }),
        "std_cargo_args: {what}"
    );
    let bin = format!("BIN/{}", m.installed_name);
    let test_ran_binary = got["shell_output"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            got["system"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c.as_array().unwrap().first()),
        )
        .any(|c| c.as_str().is_some_and(|c| c.starts_with(&bin)));
    assert!(test_ran_binary, "the test block must run {bin}: {what}");
    assert_no_canary(dir, &what);
}

/// shellcheck finds nothing at `severity` or above in any of the PKGBUILDs.
fn check_shellcheck(case: &Case, r: &Rendered, severity: &str) {
    let mut cmd = Command::new("shellcheck");
    cmd.args(["--shell=bash", "--exclude=SC2034,SC2154,SC2164"])
        .arg(format!("--severity={severity}"));
    for p in &r.pkgbuilds {
        cmd.arg(p.dir.join("PKGBUILD"));
    }
    let out = output(&mut cmd);
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{case:?}: shellcheck:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The whole end-to-end check of one case, in a fresh scratch directory. `thorough` adds
/// shellcheck and compares .SRCINFO in both locales rather than one.
fn check_case(case: &Case, thorough: bool) {
    let base = scratch();
    let rendered = render_all(base.path(), case);
    assert_models_carry(case, &rendered);
    if thorough {
        // Only warnings and errors: see the ignored test below for the info-level notes.
        check_shellcheck(case, &rendered, "warning");
    }
    for p in &rendered.pkgbuilds {
        for (i, locale) in LOCALES.into_iter().enumerate() {
            check_pkgbuild(case, p, locale, thorough || i == 0);
        }
    }
    for f in &rendered.formulas {
        check_formula(case, f);
    }
    assert_no_canary(base.path(), &format!("{case:?}"));
}

/// Runs `check` on every case on its own thread, and reports every failure at once.
fn check_all<T: Sync + std::fmt::Debug>(cases: &[T], check: impl Fn(&T) + Sync) {
    let check = &check;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| (c, scope.spawn(|| check(c))))
            .collect();
        handles
            .into_iter()
            .filter_map(|(c, h)| {
                h.join().err().map(|e| {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    format!("{c:?}:\n{msg}")
                })
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn fixed_cases() -> Vec<Case> {
    FIXED
        .iter()
        .enumerate()
        .map(|(i, v)| Case {
            value: v.to_string(),
            layout: LAYOUTS[i % LAYOUTS.len()],
        })
        .collect()
}

#[test]
fn fixed_hostile_values_come_out_of_every_generated_file_as_inert_text() {
    if !tools::require_all(
        &["bash", "ruby", "shellcheck"],
        "the fixed end-to-end cases",
    ) {
        return;
    }
    check_all(&fixed_cases(), |case| check_case(case, true));
}

/// The real `makepkg --printsrcinfo` (lint included) prints exactly our .SRCINFO and runs
/// nothing. A makepkg run costs a second, so each case judges one flavour in one locale, in
/// turn; the harness above compares every flavour × locale with makepkg's own srcinfo.sh.
#[test]
fn makepkg_printsrcinfo_equals_ours_for_the_fixed_hostile_values() {
    if !tools::require("makepkg", "the makepkg .SRCINFO comparison") {
        return;
    }
    let cases: Vec<(usize, Case)> = fixed_cases().into_iter().enumerate().collect();
    check_all(&cases, |(i, case)| {
        let base = scratch();
        let rendered = render_all(base.path(), case);
        let p = &rendered.pkgbuilds[i % rendered.pkgbuilds.len()];
        let locale = LOCALES[(i / rendered.pkgbuilds.len()) % LOCALES.len()];
        let out = printsrcinfo(&p.dir, locale);
        let pkgbuild = fs::read_to_string(p.dir.join("PKGBUILD")).unwrap();
        assert!(
            out.status.success(),
            "makepkg --printsrcinfo ({locale}) fails on the {:?} PKGBUILD:\n{}\n--- PKGBUILD\n{pkgbuild}",
            p.model.flavor,
            text(&out.stderr)
        );
        assert_eq!(
            text(&out.stdout),
            p.srcinfo,
            "makepkg ({locale}) and arch::srcinfo differ for the {:?} PKGBUILD:\n{pkgbuild}",
            p.model.flavor
        );
        assert_no_canary(
            &p.dir,
            &format!("makepkg on the {:?} PKGBUILD:\n{pkgbuild}", p.model.flavor),
        );
    });
}

fn layout() -> impl Strategy<Value = Layout> {
    prop::sample::select(LAYOUTS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(32) })]

    /// Any one-line value, in every field at once, round-trips through bash (both locales),
    /// makepkg's .SRCINFO writer and Ruby.
    #[test]
    fn any_one_line_value_comes_out_of_every_generated_file_as_inert_text(
        value in any_text().prop_map(one_line),
        layout in layout(),
    ) {
        check_case(&Case { value, layout }, false);
    }
}

/// What bash reads of a PKGBUILD's top level: each array's length, and the functions.
const PKGBUILD_WORDS: &str = r#"for a in arch license depends makedepends provides conflicts source sha256sums; do
  declare -n r=$a; printf '%s=%s\n' "$a" "${#r[@]}"; unset -n r
done
declare -F"#;

/// `check` has shellcheck judge a PKGBUILD's shape (`Engine::shapes`: every value a
/// placeholder word of its quoting form). For any value in every field, the shape of each
/// flavour's PKGBUILD is a script `bash -n` accepts, whose arrays are as long as the
/// render's and whose functions are the render's.
fn check_shape(case: &Case) {
    let base = scratch();
    let root = base.path().join("catalog");
    write_catalog(&root, case);
    let catalog = discover(&root);
    assert_eq!(
        catalog.workers.len(),
        1,
        "{case:?}: {:#?}",
        catalog.problems
    );
    let (w, v) = (&catalog.workers[0], &catalog.workers[0].variants[0]);
    let (text, shapes) = (Engine::new(vec![]), Engine::shapes(vec![]));
    let flavours = [
        (
            arch::Flavor::Release,
            arch::Archive::Release { sha256: PIN.into() },
        ),
        (arch::Flavor::Git, arch::Archive::Git),
        (arch::Flavor::Local, arch::Archive::local(w, v, PIN.into())),
    ];
    for (flavor, archive) in flavours {
        let model = arch::model(w, v, &archive).unwrap();
        let read = |engine: &Engine, name: &str| {
            let path = base.path().join(name);
            fs::write(&path, engine.render(flavor.template(), &model).unwrap()).unwrap();
            let checked = output(child("bash", base.path(), "C.UTF-8").arg("-n").arg(&path));
            assert_ran(&checked, &format!("{case:?}: bash -n {name}"));
            let script = format!(". {}\n{PKGBUILD_WORDS}", path.display());
            let out = output(child("bash", base.path(), "C.UTF-8").arg("-c").arg(script));
            assert_ran(&out, &format!("{case:?}: bash reads {name}"));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let (render, shape) = (read(&text, "render.sh"), read(&shapes, "shape.sh"));
        assert!(render.contains("declare -f package"), "{render}");
        assert_eq!(shape, render, "{case:?}: the {} shape", flavor.name());
    }
    assert_no_canary(base.path(), &format!("{case:?}"));
}

#[test]
fn the_shape_of_each_fixed_hostile_value_s_pkgbuild_has_its_words() {
    if !tools::require("bash", "bash reads the shapes") {
        return;
    }
    check_all(&fixed_cases(), check_shape);
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(32) })]

    #[test]
    fn the_shape_of_any_value_s_pkgbuild_has_its_words(
        value in any_text().prop_map(one_line),
        layout in layout(),
    ) {
        if tools::require("bash", "bash reads the shapes") {
            check_shape(&Case { value, layout });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Line breaks: refused where the manifest reads a one-line value
// ---------------------------------------------------------------------------------------------

/// The fields the manifests read as one line: (file, JSON pointer).
const ONE_LINE_FIELDS: &[(&str, &str)] = &[
    ("worker.toml", "/worker/name"),
    ("worker.toml", "/worker/description"),
    ("worker.toml", "/worker/license"),
    ("worker.toml", "/worker/homepage"),
    ("worker.toml", "/worker/tags/0"),
    ("worker.toml", "/source/git"),
    ("worker.toml", "/source/branch"),
    ("worker.toml", "/source/tag"),
    ("worker.toml", "/source/tarball"),
    ("worker.toml", "/source/subdir"),
    ("worker.toml", "/depends/arch/0"),
    ("worker.toml", "/depends/brew/0"),
    ("worker.toml", "/variants/cpu/makedepends/arch/0"),
    ("Cargo.toml", "/package/name"),
];

/// `value` at `pointer` of `file` gives no worker but an error located in that file.
fn assert_refused_with_location((file, pointer): (&str, &str), value: &str) {
    let base = scratch();
    let root = base.path().join("catalog");
    let case = Case {
        value: "plain".into(),
        layout: Layout::Worker,
    };
    set(&write_catalog(&root, &case), file, pointer, value);
    let catalog = discover(&root);
    let what = format!("{file} {pointer} = {value:?}");
    assert!(
        catalog.workers.is_empty(),
        "{what}: expected a problem, got a worker"
    );
    assert!(
        catalog.problems.iter().any(|p| p.is_error()
            && p.path.ends_with(file)
            && p.line.is_some()
            && p.column.is_some()),
        "{what}: expected an error located in {file}, got {:#?}",
        catalog.problems
    );
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(48) })]

    #[test]
    fn a_line_break_in_a_one_line_field_is_a_located_problem(
        field in prop::sample::select(ONE_LINE_FIELDS.to_vec()),
        before in any_text(),
        brk in prop::sample::select(vec!["\n", "\r", "\r\n"]),
        after in any_text(),
    ) {
        assert_refused_with_location(field, &format!("{before}{brk}{after}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Known bugs, found by the hostile cases above
// ---------------------------------------------------------------------------------------------

/// Bug: makepkg does not only source the PKGBUILD. To find package-level overrides it greps
/// the text `declare -f package` prints for lines like ` depends=(…)` and `eval`s them
/// (`extract_function_variable` in libmakepkg's util/pkgbuild.sh, run by the lint on every
/// makepkg invocation and by `--printsrcinfo`). bash prints a quoted `$'…\n…'` word there as a
/// single-quoted string with a real line break, so a value holding a newline that is printed
/// inside `package()` is no longer inert: its second line is evaluated by makepkg.
///
/// Three values reach `package()` without a line-break check: the names of `LICENSE*` files
/// in the worker's directory, Cargo.toml `repository` (via the repository name in
/// `build_dir`), and the worker's directory name (via the default `subdir` in `build_dir`).
/// Expected: the worker is refused with a problem, or makepkg runs nothing and prints our
/// .SRCINFO. Actual: makepkg creates `CANARY`, and prints an extra `depends = ` line in the
/// `pkgname` section. Fixes: refuse line breaks in these values too, or keep every manifest
/// value out of function bodies (assign it to a global such as `_build_dir=…` and use
/// `"$_build_dir"` inside the functions).
#[test]
fn a_newline_inside_package_never_runs_under_makepkg() {
    if !tools::require("makepkg", "the makepkg injection check") {
        return;
    }
    let vectors = ["license file", "Cargo.toml repository", "directory name"];
    let failures: Vec<String> = vectors.iter().flat_map(|v| newline_vector(v)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Puts a newline payload into one of the values that reach `package()`, renders every
/// flavour, runs makepkg --printsrcinfo on each, and returns what went wrong.
fn newline_vector(vector: &str) -> Vec<String> {
    let payload = "x\n depends=($(touch CANARY)) #";
    let base = scratch();
    let root = base.path().join("catalog");
    let case = Case {
        value: "plain".into(),
        layout: Layout::Cargo,
    };
    let dir = write_catalog(&root, &case);
    match vector {
        "license file" => fs::write(dir.join(format!("LICENSE-{payload}")), "x").unwrap(),
        "Cargo.toml repository" => {
            let url = format!("https://example.com/{payload}");
            set(&dir, "Cargo.toml", "/package/repository", &url)
        }
        _ => fs::rename(&dir, root.join("bin").join(format!("w{payload}"))).unwrap(),
    }
    let catalog = discover(&root);
    let Some(w) = catalog.workers.first() else {
        // Refusing the value is a fix too.
        return match catalog.problems.iter().any(|p| p.is_error()) {
            true => Vec::new(),
            false => vec![format!("{vector}: no worker and no problem")],
        };
    };
    let (cx, engine) = (context(base.path()), Engine::new(vec![]));
    let mut failures = Vec::new();
    for flavor in [
        arch::Flavor::Release,
        arch::Flavor::Git,
        arch::Flavor::Local,
    ] {
        let out = base.path().join(flavor.name());
        fs::create_dir_all(&out).unwrap();
        let (pkgbuild, srcinfo) =
            match package::render_pkgbuild(&cx, &engine, w, &w.variants[0], flavor, &out) {
                Ok((_, pkgbuild, srcinfo, _)) => (pkgbuild, srcinfo),
                // Refusing to render a line break into a function is a fix too.
                Err(e) if e.to_string().contains("must be one line") => continue,
                Err(e) => panic!("{vector}, {} flavour: {e}", flavor.name()),
            };
        if !pkgbuild.contains("touch CANARY") {
            continue;
        }
        fs::write(out.join("PKGBUILD"), &pkgbuild).unwrap();
        let made = printsrcinfo(&out, "C.UTF-8");
        let ran = canaries(&out);
        if !ran.is_empty() || text(&made.stdout) != srcinfo {
            let line = pkgbuild
                .lines()
                .find(|l| l.contains("touch CANARY"))
                .unwrap_or_default();
            failures.push(format!(
                "{vector}, {} flavour: makepkg --printsrcinfo created {ran:?} and printed\n{}for the PKGBUILD line\n{line}",
                flavor.name(),
                text(&made.stdout),
            ));
        }
    }
    failures
}

/// Regression: in a UTF-8 locale (the usual one on Arch) makepkg's `[[:space:]]` also
/// matches non-ASCII spaces such as U+3000 and U+2003, and in the C locale it doesn't, so no
/// .SRCINFO could match makepkg's in both. The manifest refuses such characters in one-line
/// values with a located problem instead.
#[test]
fn unicode_spaces_in_one_line_values_are_located_problems() {
    let base = scratch();
    let root = base.path().join("catalog");
    let case = Case {
        value: "a\u{3000}b\u{2003}".into(),
        layout: Layout::Worker,
    };
    write_catalog(&root, &case);
    let catalog = discover(&root);
    assert!(catalog.workers.is_empty(), "the worker is refused");
    let p = catalog
        .problems
        .iter()
        .find(|p| p.message.contains("U+3000"))
        .unwrap_or_else(|| panic!("no problem names U+3000: {:#?}", catalog.problems));
    assert!(
        p.path.ends_with("worker.toml") && p.line.is_some() && p.column.is_some(),
        "{p:?}"
    );
}

/// Bug: `[depends].arch` / `[variants.X].makedepends.arch` take any one-line string, but
/// makepkg's lint refuses a package name outside `[[:alnum:]@._+-]` (or starting with `-` or
/// `.`), so such a worker renders a PKGBUILD makepkg will not read (DESIGN section 3: the files
/// must pass makepkg as they stand). Expected: a problem located in worker.toml; actual: a
/// worker whose PKGBUILD makepkg rejects with "depends contains invalid characters".
#[test]
fn arch_package_names_makepkg_refuses_are_located_problems() {
    assert_refused_with_location(("worker.toml", "/depends/arch/0"), "$(touch CANARY)");
    let makedepends = ("worker.toml", "/variants/cpu/makedepends/arch/0");
    assert_refused_with_location(makedepends, "foo bar");
}

/// Bug (cosmetic): for a value holding `$`, a backtick or a `\\`, the single-quoted form
/// `escape::bash` writes is correct but trips shellcheck's info-level notes SC2016
/// ("Expressions don't expand in single quotes") and SC1003 ("Want to escape a single
/// quote?"), e.g. `pkgdesc='$(touch CANARY)'` and `pkgdesc='\\'`, so a packager who runs
/// shellcheck on the generated PKGBUILD sees noise. `$'…'` quoting (with `\\` and `\'`
/// escaped) is silent for the same values.
#[test]
fn shellcheck_reports_nothing_for_the_fixed_hostile_values() {
    if !tools::require("shellcheck", "the info-level shellcheck check") {
        return;
    }
    check_all(&fixed_cases(), |case| {
        let base = scratch();
        check_shellcheck(case, &render_all(base.path(), case), "style");
    });
}

/// Bug: Cargo.toml `license`, `homepage` and `repository` reach pkgdesc-like one-line
/// fields (`license`, `url`, the git source and the formula's `license`/`homepage`/`head`)
/// but are not checked for line breaks as worker.toml's are; `repository` with a newline is
/// the Cargo.toml route of the makepkg injection above. Expected: an error located in
/// Cargo.toml; actual: a worker.
#[test]
fn a_line_break_in_cargo_metadata_is_a_located_problem() {
    let mut failures = Vec::new();
    for key in ["license", "homepage", "repository"] {
        let base = scratch();
        let root = base.path().join("catalog");
        let case = Case {
            value: "plain".into(),
            layout: Layout::Cargo,
        };
        let dir = write_catalog(&root, &case);
        set(&dir, "Cargo.toml", &format!("/package/{key}"), "a\nb");
        let catalog = discover(&root);
        let located = catalog
            .problems
            .iter()
            .any(|p| p.is_error() && p.path.ends_with("Cargo.toml") && p.line.is_some());
        if !catalog.workers.is_empty() || !located {
            failures.push(format!(
                "{key} = \"a\\nb\": {} worker(s), problems {:?}",
                catalog.workers.len(),
                catalog.problems
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
