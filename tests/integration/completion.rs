//! Shell completion as a user gets it: the dynamic script registered in a real bash, zsh and
//! fish (`COMPLETE=SHELL rbee-workers`), completing ids from a sandbox catalog, its installed
//! database and its configured sources; and the static script packagers ship.

use crate::support::{q, Sandbox};
use crate::tools;

/// A catalog of two workers (`alpha`: cpu, cuda; `beta`: cpu), `beta-cpu` installed, and
/// one source `extra`.
fn sandbox() -> Sandbox {
    let s = Sandbox::new();
    s.worker("alpha")
        .features(&["cpu", "cuda"])
        .description("First worker")
        .write();
    s.worker("beta").description("Second worker").write();
    let file = s.write("prefix/bin/beta-cpu", "#!/bin/sh\n");
    s.installed("beta", "cpu", &file);
    s.write_config(&format!(
        "[[sources]]\nname = \"extra\"\nkind = \"git\"\nurl = {}\n",
        q("https://example.invalid/extra.git")
    ));
    s
}

/// The words a completion offers after `line` (the word being completed is empty: the
/// cursor sits after a space), as `shell` computes them with the dynamic script sourced.
fn offered(s: &Sandbox, shell: &str, line: &str) -> Vec<String> {
    completed(s, shell, line, "")
}

/// The words a completion offers for `current`, the word being typed after `line`.
fn completed(s: &Sandbox, shell: &str, line: &str, current: &str) -> Vec<String> {
    let script = match shell {
        // What bash's programmable completion does on <Tab>: fill COMP_WORDS/COMP_CWORD and
        // call the function `complete -F` registered.
        "bash" => format!(
            r#"source <(COMPLETE=bash "$RBEE")
COMP_WORDS=({line} "{current}")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_TYPE=9
f=$(complete -p rbee-workers | sed -E 's/.* -F ([^ ]+) .*/\1/')
"$f" rbee-workers "{current}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        ),
        // zsh's completion system needs a terminal; its two entry points the script uses
        // print instead (`compdef` registers, `_describe` offers `value:description` pairs).
        "zsh" => format!(
            r#"compdef() {{ registered=$1; }}
_describe() {{ local arr=${{@[-1]}}; for c in ${{(P)arr}}; do print -r -- ${{c%%:*}}; done; }}
source <(COMPLETE=zsh "$RBEE")
words=({line} "{current}")
CURRENT=${{#words}}
$registered"#
        ),
        "fish" => format!(
            r#"COMPLETE=fish "$RBEE" | source
complete -C "{line} {current}" | string replace -r '\t.*' ''
true"#
        ),
        other => panic!("no driver for {other}"),
    };
    let out = s
        .shell(shell)
        .args(if shell == "zsh" {
            &["-f", "-c"][..]
        } else {
            &["-c"]
        })
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut words: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .collect();
    words.sort();
    words
}

fn check_shell(shell: &str) {
    if !tools::require(shell, "complete ids in a real shell") {
        return;
    }
    let s = sandbox();
    let root = s.root().display().to_string();
    let catalog = [
        "alpha",
        "alpha-cpu",
        "alpha-cuda",
        "beta",
        "beta-cpu",
        "beta-cuda",
    ];
    for verb in ["info", "install", "pkgbuild", "build"] {
        let line = format!("rbee-workers --root {root} {verb}");
        assert_eq!(offered(&s, shell, &line), catalog, "{shell}: {line}");
    }
    for verb in ["remove", "rm", "upgrade"] {
        let line = format!("rbee-workers --root {root} {verb}");
        assert_eq!(
            offered(&s, shell, &line),
            ["beta", "beta-cpu"],
            "{shell}: {line}"
        );
    }
    assert_eq!(
        offered(&s, shell, "rbee-workers source remove"),
        ["extra"],
        "{shell}"
    );
    let verbs = offered(&s, shell, "rbee-workers");
    assert!(verbs.contains(&"install".to_string()), "{shell}: {verbs:?}");
    assert!(
        !verbs.iter().any(|v| v == "generate-assets"),
        "{shell} offers the hidden generate-assets: {verbs:?}"
    );
    // Not even when it is the only verb that starts with what is typed.
    assert_eq!(
        completed(&s, shell, "rbee-workers", "g"),
        Vec::<String>::new(),
        "{shell}"
    );
    assert_eq!(
        completed(&s, shell, "rbee-workers", "ins"),
        ["install"],
        "{shell}"
    );
}

#[test]
fn bash_completes_worker_variant_installed_and_source_ids() {
    check_shell("bash");
}

#[test]
fn zsh_completes_worker_variant_installed_and_source_ids() {
    check_shell("zsh");
}

#[test]
fn fish_completes_worker_variant_installed_and_source_ids() {
    check_shell("fish");
}

#[test]
fn the_static_bash_script_does_not_offer_generate_assets() {
    let s = Sandbox::new();
    let script = r#"source <("$RBEE" completions bash)
COMP_WORDS=(rbee-workers "")
COMP_CWORD=1
_rbee__workers rbee-workers "" rbee-workers
printf '%s\n' "${COMPREPLY[@]}""#;
    let out = s.shell("bash").arg("-c").arg(script).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(words.lines().any(|w| w == "install"), "{words}");
    assert!(!words.contains("generate-assets"), "{words}");
}
