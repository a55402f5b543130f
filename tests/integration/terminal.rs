//! What a person at a terminal sees (run under a real pseudo-terminal with `script`): `list`
//! and `search` rows fitted to its width, whole when piped; a SOURCE column once there is
//! more than one source; `[not for this host]` on rows this machine cannot run, and
//! `runs_here` in JSON; `remove` asking `[Y/n]` as pacman does.

use crate::support::{assert_success, stdout, Sandbox};
use crate::tools;

const EVERYWHERE: &[(&str, &[&str])] = &[
    ("linux", &["x86_64", "aarch64"]),
    ("macos", &["x86_64", "aarch64"]),
];

const LONG: &str = "A worker whose description goes on and on, well past what any \
                    eighty-column terminal can show on the same line as its id";

/// `rbee-workers --root SANDBOX ARGS…` on a pseudo-terminal `columns` wide; its output
/// with the terminal's `\r\n` turned back into `\n`.
fn on_terminal(s: &Sandbox, columns: usize, args: &str) -> String {
    typed_on_terminal(s, columns, args, "")
}

/// [`on_terminal`] with `keys` typed at the terminal.
fn typed_on_terminal(s: &Sandbox, columns: usize, args: &str, keys: &str) -> String {
    let out = run_on_terminal(s, columns, args, keys, &[]);
    assert_success(&out);
    stdout(&out).replace("\r\n", "\n")
}

/// `rbee-workers --root SANDBOX ARGS…` on a pseudo-terminal, `keys` typed at it and `env`
/// set: its output, however it exited.
fn run_on_terminal(
    s: &Sandbox,
    columns: usize,
    args: &str,
    keys: &str,
    env: &[(&str, String)],
) -> std::process::Output {
    use std::io::Write;
    let line = format!("\"$RBEE\" --root {} {args}", tools::sh(s.root()));
    let mut child = s
        .shell("script")
        .env("COLUMNS", columns.to_string())
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(keys.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn too_wide(text: &str, columns: usize) -> Vec<&str> {
    text.lines()
        .filter(|l| l.chars().count() > columns)
        .collect()
}

#[test]
fn list_rows_fit_an_80_column_terminal_and_are_whole_when_piped() {
    if !tools::require("script", "run list on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    // Wide platforms leave no room for the description: pacman's two-line layout.
    s.worker("wide")
        .description(LONG)
        .platforms(EVERYWHERE)
        .write();
    for columns in [80, 60] {
        let text = on_terminal(&s, columns, "list");
        assert!(too_wide(&text, columns).is_empty(), "{columns}:\n{text}");
        assert!(text.contains("wide-cpu 0.1.0 ("), "{text}");
        assert!(text.contains("\n    A worker whose"), "{text}");
        // Wrapped, not cut: every word is there.
        let words: Vec<&str> = text.split_whitespace().collect();
        for w in LONG.split_whitespace() {
            assert!(words.contains(&w), "{w} is missing:\n{text}");
        }
    }
    // Piped: one whole row per variant, however long.
    let out = s.run(&["list"]);
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("wide-cpu") && l.ends_with(LONG)),
        "{text}"
    );
}

#[test]
fn a_description_too_long_for_the_row_is_cut_with_its_markers_kept() {
    if !tools::require("script", "run search on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    s.worker("narrow")
        .description(LONG)
        .features(&["cpu"])
        .platforms(&[("windows", &["x86_64"])])
        .write();
    let text = on_terminal(&s, 80, "search narrow");
    assert!(too_wide(&text, 80).is_empty(), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("narrow-cpu"))
        .unwrap_or_else(|| panic!("no row:\n{text}"));
    assert!(row.ends_with("… [not for this host]"), "{row}");
    assert!(row.contains("A worker whose"), "{row}");
}

#[test]
fn info_wraps_the_capabilities_line_under_its_first_value() {
    if !tools::require("script", "run info on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    s.worker("caps")
        .extra(
            "[capabilities]\nmax_context_length = 32768\nsupported_formats = [\"gguf\", \"safetensors\"]\n\
             supports_batching = false\nsupports_streaming = true\n",
        )
        .write();
    let text = on_terminal(&s, 80, "info caps-cpu");
    assert!(too_wide(&text, 80).is_empty(), "{text}");
    let at = text.find("Capabilities").expect("a capabilities line");
    let lines: Vec<&str> = text[at..].lines().take(3).collect();
    assert!(lines[1].starts_with(&" ".repeat(18)), "{lines:?}");
    assert!(lines[1].trim_start().contains('='), "{lines:?}");
    // Piped, it is one line.
    let piped = stdout(&s.run(&["info", "caps-cpu"]));
    let line = piped
        .lines()
        .find(|l| l.starts_with("Capabilities"))
        .unwrap();
    assert!(line.ends_with("supports_streaming=true"), "{line}");
}

#[test]
fn info_worker_fits_its_variant_table_and_long_values_to_the_terminal_and_is_whole_when_piped() {
    if !tools::require("script", "run info on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    let platforms: &[(&str, &[&str])] = &[
        ("linux", &["x86_64", "aarch64"]),
        ("macos", &["x86_64", "aarch64"]),
        ("windows", &["x86_64"]),
    ];
    s.worker("wide")
        .description(LONG)
        .features(&["cpu", "cuda", "metal"])
        .platforms(platforms)
        .write();
    let cpu = "wide-cpu";
    let all = "linux/x86_64,aarch64 macos/x86_64,aarch64 windows/x86_64";
    // 80 columns: PLATFORMS wraps within its column, under it; 50: each variant's platforms
    // go below its id and binary, indented.
    for columns in [80, 50] {
        let text = on_terminal(&s, columns, "info wide");
        let under = match columns {
            80 => text
                .lines()
                .find_map(|l| l.strip_prefix("VARIANT")?.find("PLATFORMS"))
                .map(|at| at + "VARIANT".len())
                .unwrap_or_else(|| panic!("no header:\n{text}")),
            _ => 4,
        };
        assert!(too_wide(&text, columns).is_empty(), "{columns}:\n{text}");
        let at = text
            .lines()
            .position(|l| l.starts_with(cpu))
            .unwrap_or_else(|| panic!("no row of {cpu}:\n{text}"));
        // The row, and its continuation lines.
        let rows: Vec<&str> = text
            .lines()
            .skip(at)
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with(' '))
            .map(|(_, l)| l)
            .collect();
        let shown: Vec<&str> = rows
            .iter()
            .flat_map(|l| l.split_whitespace())
            .filter(|w| w.contains('/'))
            .collect();
        assert_eq!(
            shown.join(" "),
            all,
            "{columns}: every platform, in order:\n{text}"
        );
        assert!(
            rows[1].starts_with(&" ".repeat(under)) && rows[1].chars().nth(under) != Some(' '),
            "{columns}: continued at column {under}: {rows:#?}"
        );
        assert!(rows.iter().any(|l| l.contains("default")), "{rows:#?}");
        // A long description wraps under its first line, every word kept.
        let desc: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Description"))
            .take_while(|l| l.starts_with("Description") || l.starts_with(&" ".repeat(18)))
            .collect();
        assert!(desc.len() > 1, "{columns}: {desc:#?}");
        let words: Vec<&str> = desc.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(words[2..].join(" "), LONG, "{desc:#?}");
    }
    // Piped: one whole row per variant, the description on one line.
    let piped = stdout(&s.run(&["info", "wide"]));
    let row = piped.lines().find(|l| l.starts_with(cpu)).unwrap();
    assert!(row.contains(&format!("{all}  default")), "{piped}");
    assert!(piped.lines().any(|l| l.ends_with(LONG)), "{piped}");
}

#[test]
fn list_installed_puts_a_path_too_long_for_the_terminal_below_its_row() {
    if !tools::require("script", "run list on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    s.worker("hello").features(&["cpu"]).write();
    // About 60 columns: longer than what the row leaves (about 40), not than a line.
    let root = s.root().display().to_string().len();
    let pad = 60usize.saturating_sub(root + "/bin/hello-cpu".len()).max(1);
    let bin = s.write(format!("{}/bin/hello-cpu", "p".repeat(pad)), "#!/bin/sh\n");
    s.installed("hello", "cpu", &bin);
    let path = bin.display().to_string();
    let text = on_terminal(&s, 80, "list --installed");
    // (Under a temp dir so deep that the path alone is wider, only its own line may be.)
    let own = format!("    {path}");
    assert!(too_wide(&text, 80).iter().all(|l| *l == own), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("hello-cpu"))
        .expect(&text);
    assert!(!lines[at].contains(&path), "{text}");
    assert_eq!(lines[at + 1], format!("    {path}"), "{text}");
    // Piped, the row is whole.
    let piped = stdout(&s.run(&["list", "--installed"]));
    let row = piped.lines().find(|l| l.starts_with("hello-cpu")).unwrap();
    assert!(row.ends_with(&path), "{piped}");
}

#[test]
fn rows_this_host_cannot_run_are_marked_unless_asked_not_to_and_json_says_runs_here() {
    let s = Sandbox::new();
    s.worker("here")
        .platforms(EVERYWHERE)
        .features(&["cpu"])
        .write();
    s.worker("away")
        .features(&["cpu"])
        .platforms(&[("windows", &["x86_64"])])
        .write();
    for args in [&["list"][..], &["search", "cpu"]] {
        let text = stdout(&s.run(args));
        let row = |id: &str| {
            text.lines()
                .find(|l| l.starts_with(id))
                .unwrap()
                .to_string()
        };
        assert!(row("away-cpu").ends_with("[not for this host]"), "{text}");
        assert!(!row("here-cpu").contains("not for this host"), "{text}");
        let hidden = stdout(&s.run(&[args, &["--no-host-hint"]].concat()));
        assert!(!hidden.contains("not for this host"), "{hidden}");
        let doc = s.json(args);
        assert_eq!(doc.variant("away-cpu").runs_here, Some(false));
        assert_eq!(doc.variant("here-cpu").runs_here, Some(true));
    }
}

#[test]
fn a_source_column_appears_once_a_second_source_is_configured() {
    let s = Sandbox::new();
    s.worker("mine").features(&["cpu"]).write();
    let header = |s: &Sandbox| {
        stdout(&s.run(&["list"]))
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(!header(&s).contains("SOURCE"), "one source: {}", header(&s));

    let _upstream = add_synced_source(&s);
    let text = stdout(&s.run(&["list"]));
    assert!(header(&s).starts_with("ID"), "{text}");
    assert!(header(&s).contains("SOURCE"), "{text}");
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no {id}:\n{text}"))
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(row("mine-cpu"), "local");
    assert_eq!(row("theirs-cpu"), "extra");
}

#[test]
fn remove_asks_y_n_with_yes_the_default_as_pacman_does() {
    if !tools::require("script", "answer remove's question on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    let file = s.write("prefix/bin/gone-cpu", "#!/bin/sh\n");
    s.installed("gone", "cpu", &file);
    // Enter alone takes the default.
    let text = typed_on_terminal(&s, 80, "remove gone-cpu", "\r");
    assert!(text.contains("[Y/n]"), "{text}");
    assert!(!file.exists(), "Enter means yes:\n{text}");
}

/// A git repository of one worker (`theirs`), added to `s` as source `extra` and synced.
fn add_synced_source(s: &Sandbox) -> Sandbox {
    let upstream = Sandbox::new();
    upstream.worker("theirs").features(&["cpu"]).write();
    tools::git(upstream.root(), &["init", "-q"]);
    tools::git(upstream.root(), &["add", "bin"]);
    tools::git(upstream.root(), &["commit", "-q", "-m", "one"]);
    let url = format!("file://{}", upstream.root().display());
    assert_success(&s.run(&["source", "add", "extra", &url]));
    assert_success(&s.run(&["sync"]));
    upstream
}

#[test]
fn arrow_lines_are_coloured_as_makepkg_colours_them_and_plain_under_no_color() {
    let s = Sandbox::new();
    let _upstream = add_synced_source(&s);
    let arrows = |color: &str| -> Vec<String> {
        let out = s.run(&["--color", color, "sync"]);
        assert_success(&out);
        crate::support::stderr(&out)
            .lines()
            .filter(|l| l.contains("==>"))
            .map(str::to_string)
            .collect()
    };
    let coloured = arrows("always");
    assert!(!coloured.is_empty(), "sync runs git and says so");
    for line in &coloured {
        // Green bold `==>`, then the message in bold, as makepkg's msg().
        assert!(
            line.starts_with("\u{1b}[1m\u{1b}[32m==>\u{1b}[0m \u{1b}[1m"),
            "{line:?}"
        );
    }
    // The sandbox sets NO_COLOR: --color auto prints no escape.
    for line in arrows("auto") {
        assert!(
            line.starts_with("==> ") && !line.contains('\u{1b}'),
            "{line:?}"
        );
    }
}

#[test]
fn export_offline_warns_once_per_unpinned_tarball_not_once_per_file() {
    let s = Sandbox::new();
    // cpu and cuda on Linux (two release PKGBUILDs), cpu on macOS (a release formula): three
    // renders that all need the one unpinned tarball.
    s.worker("multi")
        .extra(
            "[source]\ngit = \"https://github.com/example/multi\"\n\
             tarball = \"https://example.invalid/multi-{version}.tar.gz\"\n",
        )
        .write();
    let site = s.path("site");
    let out = s.run(&["--offline", "export", site.to_str().unwrap()]);
    assert_success(&out);
    let err = crate::support::stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    for what in [
        "multi-cpu release PKGBUILD",
        "multi-cuda release PKGBUILD",
        "multi-cpu release formula",
    ] {
        assert!(warnings[0].contains(what), "{what}: {err}");
    }
    assert_eq!(
        err.matches("https://example.invalid/multi-0.1.0.tar.gz")
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn a_review_on_a_terminal_goes_through_the_pager() {
    if !tools::require("script", "review an unverified worker on a pseudo-terminal") {
        return;
    }
    let s = Sandbox::new();
    s.worker("x").dir("bin/community/x").write();
    let paged = s.root().join("paged.txt");
    let prefix = s.root().join("prefix");
    let args = format!("install x-cpu --no-sandbox --prefix {}", tools::sh(&prefix));
    // The user's pager, run by `sh -c` as git runs it: here it keeps what it was given.
    let pager = format!("cat > {}", tools::sh(&paged));
    let out = run_on_terminal(&s, 80, &args, "n\r", &[("PAGER", pager)]);
    let text = stdout(&out).replace("\r\n", "\n");
    let review = std::fs::read_to_string(&paged).unwrap_or_else(|e| {
        panic!("the pager was not run ({e}):\n{text}");
    });
    assert!(review.contains("x-cpu"), "{review}");
    assert!(
        review.contains("cargo"),
        "the steps are in the review:\n{review}"
    );
    let first_step = review
        .lines()
        .find(|l| l.contains("cargo"))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        !text.contains(&first_step),
        "the review went to the pager, not inline:\n{text}"
    );
    assert!(text.contains("declined"), "{text}");
    assert!(!prefix.join("bin").exists(), "nothing was installed");
}
