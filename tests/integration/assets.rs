//! The generated files committed with the project (completions, man pages) and the project's
//! own PKGBUILD stay true to the code.

use crate::tools;
use std::fs;
use std::path::Path;
use std::process::Command;

const REGENERATE: &str = "cargo run -- generate-assets .";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn completions_and_man_pages_match_the_cli() {
    let files = rbee_workers::assets::files();
    let mut stale = Vec::new();
    for (rel, want) in &files {
        match fs::read(repo().join(rel)) {
            Ok(have) if have == *want => {}
            _ => stale.push(rel.clone()),
        }
    }
    // Nothing generated may be left over from a removed subcommand either.
    for dir in ["completions", "man"] {
        for entry in fs::read_dir(repo().join(dir)).unwrap().flatten() {
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !files.iter().any(|(r, _)| *r == rel) {
                stale.push(format!("{rel} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}\nregenerate them with: {REGENERATE}"
    );
}

#[test]
fn man_pages_document_exit_status_files_and_environment() {
    for (rel, page) in rbee_workers::assets::files() {
        if !rel.starts_with("man/") {
            continue;
        }
        let page = String::from_utf8(page).unwrap();
        for section in [
            ".SH \"EXIT STATUS\"",
            ".SH FILES",
            ".SH ENVIRONMENT",
            "config.toml",
            "RBEE_WORKERS_GPU",
        ] {
            assert!(page.contains(section), "{rel} lacks {section}");
        }
    }
    let names: Vec<String> = rbee_workers::assets::files()
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    for sub in [
        "list", "search", "info", "pkgbuild", "formula", "install", "check", "source", "sync",
        "export",
    ] {
        assert!(
            names.contains(&format!("man/rbee-workers-{sub}.1")),
            "no man page for {sub}"
        );
    }
}

#[test]
fn every_man_page_reference_names_a_page_that_exists_and_man_renders_them() {
    let files = rbee_workers::assets::files();
    let pages: Vec<String> = files
        .iter()
        .filter_map(|(rel, _)| rel.strip_prefix("man/")?.strip_suffix(".1"))
        .map(str::to_string)
        .collect();
    for (rel, page) in &files {
        if !rel.starts_with("man/") {
            continue;
        }
        let text = String::from_utf8_lossy(page)
            .replace("\\-", "-")
            .replace("\\fB", "")
            .replace("\\fR", "");
        // Every `name(1)`, in SUBCOMMANDS and SEE ALSO alike.
        for (at, _) in text.match_indices("(1)") {
            let name: String = text[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            assert!(
                pages.contains(&name),
                "{rel} refers to {name}(1), which is not generated"
            );
        }
        assert!(text.contains(".SH \"SEE ALSO\""), "{rel} has no SEE ALSO");
        assert!(text.contains(".SH DESCRIPTION"), "{rel} has no DESCRIPTION");
    }
    for sub in ["install", "remove", "list", "pkgbuild"] {
        let (_, page) = files
            .iter()
            .find(|(r, _)| *r == format!("man/rbee-workers-{sub}.1"))
            .unwrap();
        let text = String::from_utf8_lossy(page);
        assert!(text.contains(".SH EXAMPLES"), "{sub} has no EXAMPLES");
    }
    let install = String::from_utf8_lossy(
        &files
            .iter()
            .find(|(r, _)| r == "man/rbee-workers-install.1")
            .unwrap()
            .1,
    )
    .into_owned();
    for topic in ["Backends:", "Review:", "Database:"] {
        assert!(install.contains(topic), "install's page lacks {topic}");
    }
    if !tools::require("man", "render the man pages") {
        return;
    }
    for name in &pages {
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(repo().join(format!("man/{name}.1")))
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .output()
            .unwrap();
        assert!(out.status.success(), "man -l {name}.1 failed");
        let rendered = String::from_utf8_lossy(&out.stdout);
        assert!(rendered.contains("NAME"), "{name}: {rendered}");
        assert!(
            out.stderr.is_empty(),
            "man -l {name}.1 warns: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn completions_are_printed_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = crate::support::Sandbox::new()
            .cmd()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("rbee-workers"),
            "{shell}"
        );
    }
    let bash = Command::new("bash")
        .arg("-n")
        .arg(repo().join("completions/rbee-workers.bash"))
        .status()
        .unwrap();
    assert!(bash.success(), "the bash completion parses");
}

fn cargo_version() -> String {
    let text = fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["package"]["version"].as_str().unwrap().to_string()
}

#[test]
fn the_project_pkgbuild_matches_cargo_toml_and_its_srcinfo() {
    if !tools::require_all(&["makepkg", "shellcheck"], "judge the project's PKGBUILD") {
        return;
    }
    let pkgbuild = fs::read_to_string(repo().join("PKGBUILD")).unwrap();
    let pkgver = pkgbuild
        .lines()
        .find_map(|l| l.strip_prefix("pkgver="))
        .expect("a pkgver line");
    assert_eq!(
        pkgver,
        cargo_version(),
        "PKGBUILD pkgver must equal Cargo.toml's version"
    );
    let dir = tools::shared_tempdir();
    fs::copy(repo().join("PKGBUILD"), dir.path().join("PKGBUILD")).unwrap();
    let made = tools::printsrcinfo(dir.path());
    let committed = fs::read_to_string(repo().join(".SRCINFO")).unwrap();
    assert_eq!(
        made, committed,
        ".SRCINFO is stale: run `makepkg --printsrcinfo > .SRCINFO`"
    );
    let sc = Command::new("shellcheck")
        .args(["--shell=bash", "--exclude=SC2034,SC2154,SC2164"])
        .arg(repo().join("PKGBUILD"))
        .output()
        .unwrap();
    assert!(
        sc.status.success(),
        "{}",
        String::from_utf8_lossy(&sc.stdout)
    );
    for installed in [
        "/usr/bin/rbee-workers",
        "/usr/share/bash-completion/completions/rbee-workers",
        "/usr/share/zsh/site-functions/_rbee-workers",
        "/usr/share/fish/vendor_completions.d/rbee-workers.fish",
        "/usr/share/man/man1",
        "/usr/share/licenses/$pkgname/LICENSE",
    ] {
        assert!(
            pkgbuild.contains(installed),
            "package() installs {installed}"
        );
    }
    for file in [
        "completions/rbee-workers.bash",
        "completions/_rbee-workers",
        "completions/rbee-workers.fish",
        "LICENSE",
    ] {
        assert!(repo().join(file).is_file(), "{file} is shipped");
    }
}
