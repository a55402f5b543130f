//! `worker.toml` → `WorkerManifest`: the model, and every mistake located with a hint.

use crate::manifest::{self, Arch, Os, WorkerManifest};
use crate::problem::Problem;
use std::path::Path;

const PATH: &str = "bin/w/worker.toml";

fn parse(text: &str) -> (Option<WorkerManifest>, Vec<Problem>) {
    manifest::parse(Path::new(PATH), text)
}

/// Parses `text`, which must be valid.
fn ok(text: &str) -> WorkerManifest {
    let (m, problems) = parse(text);
    assert!(problems.is_empty(), "unexpected problems: {problems:#?}");
    m.expect("a manifest without problems")
}

/// Parses `text`, which must be refused, and returns its problems.
fn errors(text: &str) -> Vec<Problem> {
    let (m, problems) = parse(text);
    assert!(m.is_none(), "expected no manifest for:\n{text}");
    assert!(!problems.is_empty(), "a refused manifest says why");
    problems
}

/// The 1-based (line, column) of the first occurrence of `needle` in `text`.
fn at(text: &str, needle: &str) -> (Option<usize>, Option<usize>) {
    let offset = text.find(needle).expect("needle in text");
    let (l, c) = crate::problem::line_col(text, offset);
    (Some(l), Some(c))
}

fn the_one(problems: &[Problem]) -> &Problem {
    assert_eq!(problems.len(), 1, "expected one problem: {problems:#?}");
    &problems[0]
}

const BASE: &str = r#"[worker]
id = "llm-worker"
name = "LLM Worker"
description = "Candle-based LLM inference worker"

[build]
features = ["cpu", "cuda"]
default_feature = "cpu"

[platforms]
linux = ["x86_64"]
"#;

#[test]
fn a_full_manifest_parses_into_its_model() {
    let text = r#"[worker]
id = "llm-worker"
name = "LLM Worker"
description = "Candle-based LLM inference worker"
license = "GPL-3.0-or-later"
homepage = "https://rbee.dev"
binary = "llm-worker-rbee"
tags = ["llm", "text"]

[build]
features = ["cpu", "cuda", "metal", "rocm"]
default_feature = "cuda"

[capabilities]
supported_formats = ["gguf", "safetensors"]
max_context_length = 32_768
supports_streaming = true

[platforms]
linux = ["x86_64", "aarch64", "x86_64"]
macos = ["aarch64"]

[depends]
arch = ["gcc-libs>=13"]
brew = ["openssl@3"]

[variants.cuda]
depends = { arch = ["cuda"] }
makedepends = { arch = [] }
platforms = { linux = ["x86_64"] }
binary = "llm-worker-rbee-cuda"

[source]
git = "https://github.com/veighnsche/llama-orch.git"
branch = "dev"
tag = "release-{version}"
tarball = "https://example.com/{tag}.tar.gz"
sha256 = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
subdir = "bin/30_llm_worker_rbee"
"#;
    let m = ok(text);
    assert_eq!(m.id, "llm-worker");
    assert_eq!(m.name, "LLM Worker");
    assert_eq!(m.description, "Candle-based LLM inference worker");
    assert_eq!(m.license.as_deref(), Some("GPL-3.0-or-later"));
    assert_eq!(m.homepage.as_deref(), Some("https://rbee.dev"));
    assert_eq!(m.binary.as_deref(), Some("llm-worker-rbee"));
    assert_eq!(m.tags, ["llm", "text"]);
    let features: Vec<&str> = m.features.iter().map(|f| f.get_ref().as_str()).collect();
    assert_eq!(features, ["cpu", "cuda", "metal", "rocm"], "manifest order");
    // Each feature keeps the span of its entry, so later errors point at it.
    let cuda = &m.features[1];
    assert_eq!(&text[cuda.span()], "\"cuda\"");
    assert_eq!(m.default_feature, "cuda");

    assert_eq!(
        m.capabilities["supported_formats"],
        serde_json::json!(["gguf", "safetensors"])
    );
    assert_eq!(
        m.capabilities["max_context_length"],
        serde_json::json!(32768)
    );
    assert_eq!(
        m.capabilities["supports_streaming"],
        serde_json::json!(true)
    );
    assert_eq!(m.capabilities.len(), 3);

    // Repeats are dropped, order is kept.
    assert_eq!(m.platforms[&Os::Linux], [Arch::X86_64, Arch::Aarch64]);
    assert_eq!(m.platforms[&Os::Macos], [Arch::Aarch64]);
    assert!(!m.platforms.contains_key(&Os::Windows));

    assert_eq!(m.depends.arch, ["gcc-libs>=13"]);
    assert_eq!(m.depends.brew, ["openssl@3"]);

    assert_eq!(m.variants.len(), 1);
    let o = &m.variants["cuda"];
    assert_eq!(o.depends.arch.as_deref(), Some(&["cuda".to_string()][..]));
    assert_eq!(o.depends.brew, None, "unset stays unset");
    assert_eq!(
        o.makedepends.arch.as_deref(),
        Some(&[][..]),
        "empty is not unset"
    );
    let p = o.platforms.as_ref().expect("platforms override");
    assert_eq!(p.len(), 1);
    assert_eq!(p[&Os::Linux], [Arch::X86_64]);
    assert_eq!(o.binary.as_deref(), Some("llm-worker-rbee-cuda"));

    assert_eq!(
        m.source.git.as_deref(),
        Some("https://github.com/veighnsche/llama-orch.git")
    );
    assert_eq!(m.source.branch.as_deref(), Some("dev"));
    assert_eq!(m.source.tag.as_deref(), Some("release-{version}"));
    assert_eq!(
        m.source.tarball.as_deref(),
        Some("https://example.com/{tag}.tar.gz")
    );
    assert_eq!(
        m.source.sha256.as_deref(),
        Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
        "a pinned sum is normalised to lowercase"
    );
    assert_eq!(m.source.subdir.as_deref(), Some("bin/30_llm_worker_rbee"));
}

#[test]
fn optional_sections_default_to_empty() {
    let m = ok(BASE);
    assert_eq!(m.license, None);
    assert_eq!(m.homepage, None);
    assert_eq!(m.binary, None);
    assert!(m.tags.is_empty());
    assert!(m.capabilities.is_empty());
    assert!(m.depends.arch.is_empty() && m.depends.brew.is_empty());
    assert!(m.variants.is_empty());
    assert!(m.source.git.is_none() && m.source.sha256.is_none());
}

#[test]
fn unknown_keys_are_errors_at_their_line_and_column_with_a_hint() {
    // (text, the misspelt key, the message's table, the hint)
    let cases = [
        (
            BASE.replace("name = ", "nmae = "),
            "nmae",
            "[worker]",
            Some("name"),
        ),
        (
            BASE.replace("features = ", "fetaures = "),
            "fetaures",
            "[build]",
            Some("features"),
        ),
        (
            format!("{BASE}\n[platform]\nlinux = [\"x86_64\"]\n"),
            "platform]",
            "worker.toml",
            Some("platforms"),
        ),
        (
            format!("{BASE}\n[variants.cuda]\nbinaries = \"x\"\n"),
            "binaries",
            "[variants.cuda]",
            Some("binary"),
        ),
        (
            format!("{BASE}\n[source]\nbrnach = \"main\"\n"),
            "brnach",
            "[source]",
            Some("branch"),
        ),
        (
            format!("{BASE}\n[depends]\npacman = [\"x\"]\n"),
            "pacman",
            "[depends]",
            None,
        ),
    ];
    for (text, key, table, hint) in cases {
        let problems = errors(&text);
        let key_name = key.trim_end_matches(']');
        let p = problems
            .iter()
            .find(|p| p.message.contains(&format!("unknown key `{key_name}`")))
            .unwrap_or_else(|| panic!("no unknown-key error for `{key_name}`: {problems:#?}"));
        assert!(p.message.contains(&format!("in {table};")), "{}", p.message);
        assert!(p.message.contains("expected one of"), "{}", p.message);
        assert_eq!((p.line, p.column), at(&text, key), "located at the key");
        assert_eq!(p.path, Path::new(PATH));
        assert_eq!(
            p.help,
            hint.map(|h| format!("did you mean `{h}`?")),
            "hint for `{key_name}`"
        );
    }
}

#[test]
fn ids_follow_the_documented_pattern() {
    for good in ["a", "0", "llm-worker", "a-", &"a".repeat(63)] {
        assert!(manifest::is_valid_id(good), "{good:?} is a valid id");
    }
    for bad in [
        "",
        "-a",
        "A",
        "llm_worker",
        "llm.worker",
        "llm worker",
        "é",
        &"a".repeat(64),
    ] {
        assert!(!manifest::is_valid_id(bad), "{bad:?} is not a valid id");
    }
}

#[test]
fn a_bad_id_is_an_error_at_the_value() {
    let text = BASE.replace("\"llm-worker\"", "\"LLM_Worker\"");
    let problems = errors(&text);
    let p = the_one(&problems);
    assert!(
        p.message.contains("invalid worker id `LLM_Worker`"),
        "{}",
        p.message
    );
    assert!(p.message.contains("^[a-z0-9][a-z0-9-]{0,62}$"));
    assert_eq!((p.line, p.column), at(&text, "\"LLM_Worker\""));
}

#[test]
fn a_default_feature_outside_features_is_an_error_listing_them() {
    let text = BASE.replace("default_feature = \"cpu\"", "default_feature = \"rocm\"");
    let problems = errors(&text);
    let p = the_one(&problems);
    assert!(
        p.message.contains("`default_feature` is `rocm`"),
        "{}",
        p.message
    );
    assert!(
        p.message.contains("expected one of `cpu`, `cuda`"),
        "{}",
        p.message
    );
    assert_eq!((p.line, p.column), at(&text, "\"rocm\""));
}

#[test]
fn features_must_be_a_non_empty_list_of_distinct_valid_names() {
    let empty = BASE.replace("[\"cpu\", \"cuda\"]", "[]");
    let problems = errors(&empty);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("at least one feature")),
        "{problems:#?}"
    );

    let twice = BASE.replace("[\"cpu\", \"cuda\"]", "[\"cpu\", \"cuda\", \"cpu\"]");
    let p = the_one(&errors(&twice)).clone();
    assert!(
        p.message.contains("feature `cpu` is listed twice"),
        "{}",
        p.message
    );
    // The second `cpu`, not the first.
    let first = twice.find("\"cpu\"").expect("first cpu");
    let second = first + 1 + twice[first + 1..].find("\"cpu\"").expect("second cpu");
    let (l, c) = crate::problem::line_col(&twice, second);
    assert_eq!((p.line, p.column), (Some(l), Some(c)));

    let upper = BASE.replace("\"cuda\"]", "\"CUDA\"]");
    let problems = errors(&upper);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("invalid feature name `CUDA`")),
        "{problems:#?}"
    );
}

#[test]
fn a_missing_required_key_or_table_is_named() {
    let no_name = BASE.replace("name = \"LLM Worker\"\n", "");
    let problems = errors(&no_name);
    assert!(
        problems
            .iter()
            .any(|p| p.message == "missing required key `name` in [worker]"),
        "{problems:#?}"
    );

    let no_platforms = BASE.replace("[platforms]\nlinux = [\"x86_64\"]\n", "");
    let problems = errors(&no_platforms);
    assert!(
        problems
            .iter()
            .any(|p| p.message.starts_with("missing required table [platforms]")),
        "{problems:#?}"
    );
}

#[test]
fn platform_names_are_checked_with_hints() {
    let text = BASE.replace(
        "linux = [\"x86_64\"]",
        "linux = [\"x86-64\"]\nmacox = [\"aarch64\"]",
    );
    let problems = errors(&text);
    let arch = problems
        .iter()
        .find(|p| p.message.contains("unknown arch `x86-64`"))
        .expect("arch problem");
    assert_eq!(arch.help.as_deref(), Some("did you mean `x86_64`?"));
    assert_eq!((arch.line, arch.column), at(&text, "\"x86-64\""));
    let os = problems
        .iter()
        .find(|p| p.message.contains("unknown platform `macox`"))
        .expect("os problem");
    assert_eq!(os.help.as_deref(), Some("did you mean `macos`?"));
    assert_eq!((os.line, os.column), at(&text, "macox"));
}

/// What the catalog's known-backend narrowing starts from: the worker's `[platforms]`, and a
/// `[variants.X].platforms` that is `None` unless written (then it replaces the narrowing).
#[test]
fn variant_overrides_keep_unset_apart_from_set() {
    let text = format!(
        "{BASE}\n[variants.cuda]\nplatforms = {{ linux = [\"aarch64\"], windows = [\"x86_64\"] }}\n\
         depends = {{ brew = [\"libomp\"] }}\n\n[variants.cpu]\nbinary = \"plain\"\n"
    );
    let m = ok(&text);
    let cuda = &m.variants["cuda"];
    let p = cuda.platforms.as_ref().expect("written, so set");
    assert_eq!(p[&Os::Linux], [Arch::Aarch64]);
    assert_eq!(p[&Os::Windows], [Arch::X86_64]);
    assert_eq!(cuda.depends.arch, None, "arch left to the backend default");
    assert_eq!(
        cuda.depends.brew.as_deref(),
        Some(&["libomp".to_string()][..])
    );
    assert_eq!(cuda.binary, None);
    assert_eq!(&text[cuda.span.clone()], "cuda", "span of the table's key");

    let cpu = &m.variants["cpu"];
    assert_eq!(cpu.platforms, None, "not written, so the backend narrows");
    assert_eq!(cpu.binary.as_deref(), Some("plain"));
    assert_eq!(m.platforms[&Os::Linux], [Arch::X86_64]);
}

#[test]
fn a_variant_for_an_unlisted_feature_is_an_error_with_a_hint() {
    let text = format!("{BASE}\n[variants.cdua]\nbinary = \"x\"\n");
    let problems = errors(&text);
    let p = the_one(&problems);
    assert!(
        p.message
            .contains("[variants.cdua] names a feature that is not in `build.features`"),
        "{}",
        p.message
    );
    assert_eq!(p.help.as_deref(), Some("did you mean `cuda`?"));
    assert_eq!((p.line, p.column), at(&text, "cdua"));
}

#[test]
fn package_names_are_checked_per_packaging_system() {
    let text =
        format!("{BASE}\n[variants.cuda]\ndepends = {{ arch = [\"-rf\"], brew = [\"ok/tap\"] }}\n");
    let problems = errors(&text);
    let p = the_one(&problems);
    assert!(p.message.contains("invalid package `-rf`"), "{}", p.message);
    assert_eq!((p.line, p.column), at(&text, "\"-rf\""));

    for good in [
        "gcc-libs",
        "cuda>=12",
        "python=3.12",
        "lib32-glibc<=2.40",
        "gtk+3",
    ] {
        assert!(manifest::is_arch_dependency(good), "{good}");
    }
    for bad in ["", "-x", ".x", "a b", "cuda=>12", "cuda>=", "cuda>=1 2"] {
        assert!(!manifest::is_arch_dependency(bad), "{bad}");
    }
}

#[test]
fn source_values_that_reach_git_are_refused() {
    for (key, value, why) in [
        ("git", "--upload-pack=touch /tmp/x", "option"),
        ("git", "ext::sh -c touch% /tmp/x", "remote-helper"),
        ("branch", "-b", "branch or tag"),
        ("tag", "v1..v2", "branch or tag"),
        ("subdir", "../outside", "relative path"),
        ("subdir", "/etc", "relative path"),
    ] {
        let text = format!("{BASE}\n[source]\n{key} = {value:?}\n");
        let problems = errors(&text);
        let p = the_one(&problems);
        assert!(
            p.message.contains(&format!("refusing `source.{key}`")) && p.message.contains(why),
            "{key} = {value}: {}",
            p.message
        );
    }
    let text = format!("{BASE}\n[source]\nsha256 = \"abc\"\n");
    let p = the_one(&errors(&text)).clone();
    assert!(p.message.contains("64 hexadecimal digits"), "{}", p.message);
    // https, ssh and scp-like URLs are fine.
    for url in [
        "https://github.com/a/b.git",
        "ssh://git@host/a.git",
        "git@github.com:a/b.git",
    ] {
        assert_eq!(manifest::git_url_problem(url), None, "{url}");
    }
}

#[test]
fn the_one_git_url_check_allows_what_git_fetches_plainly_and_nothing_else() {
    for url in [
        "https://github.com/a/b.git",
        "HTTP://example.org/a",
        "ssh://git@host/a.git",
        "git+ssh://host/a",
        "ssh+git://host/a",
        "git://host/a.git",
        "file:///srv/a.git",
        "git@github.com:a/b.git",
        "host.example:a/b",
        "[::1]:a/b",
        "/srv/a.git",
    ] {
        assert_eq!(manifest::git_url_problem(url), None, "{url}");
    }
    for url in [
        "",
        "-oProxyCommand=x",
        "--upload-pack=x",
        "ext::sh -c x",
        "EXT::sh",
        "fd::3",
        "fd::3,4",
        "transport::https://host/a",
        "git-remote-x::y",
        "::x",
        "foo+bar://host/a",
        "git+https://host/a",
        "ssh://-oProxyCommand=x/a",
        "ssh://user@-oProxyCommand=x/a",
        "-host:path",
        "relative/path",
        "dir/with:colon",
        "host:",
        "https://host/a b",
        "https://host/a\n",
    ] {
        assert!(manifest::git_url_problem(url).is_some(), "{url:?} passed");
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = BASE
        .replace("\"llm-worker\"", "\"Bad Id\"")
        .replace("features = ", "fetaures = ");
    let problems = errors(&text);
    assert!(problems
        .iter()
        .any(|p| p.message.contains("invalid worker id")));
    assert!(problems
        .iter()
        .any(|p| p.message.contains("unknown key `fetaures`")));
    assert!(problems
        .iter()
        .any(|p| p.message.contains("missing required key `features`")));
}

#[test]
fn invalid_toml_is_located() {
    let text = "[worker]\nid = \"a\nname = 1\n";
    let problems = errors(text);
    let p = &problems[0];
    assert!(p.message.starts_with("invalid TOML"), "{}", p.message);
    assert_eq!(p.line, Some(2));
}
