//! The context resolved once: the host is probed only by the commands that need it, and
//! the installed database is read as the closed sets it stores.

use crate::support::{assert_success, parse_error, stderr, Sandbox};

fn with_bogus_gpu(s: &Sandbox, args: &[&str]) -> std::process::Output {
    s.cmd()
        .env("RBEE_WORKERS_GPU", "bogus")
        .arg("--root")
        .arg(s.root())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_bogus_rbee_workers_gpu_breaks_only_the_commands_that_look_at_the_gpu() {
    let s = Sandbox::new();
    s.worker("hello").write();
    for args in [
        &["verify"][..],
        &["list", "--json"],
        &["info", "hello-cpu", "--json"],
        &["pkgbuild", "hello-cpu", "--flavor", "local"],
        &["check"],
    ] {
        assert_success(&with_bogus_gpu(&s, args));
    }
    for args in [
        &["detect", "--json"][..],
        &["info", "hello", "--json"],
        &["install", "hello", "--dry-run", "--json"],
    ] {
        let out = with_bogus_gpu(&s, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let doc = parse_error(&out.stdout);
        assert_eq!(doc.error.kind, "usage");
        assert!(
            doc.error.message.contains("RBEE_WORKERS_GPU is `bogus`"),
            "{}",
            doc.error.message
        );
    }
}

fn database(backend: &str, flavor: &str, file: &std::path::Path) -> String {
    serde_json::json!({
        "schema": 1,
        "installed": {
            "hello-cpu": {
                "id": "hello-cpu", "worker": "hello", "feature": "cpu", "version": "0.1.0",
                "backend": backend, "flavor": flavor, "source": "local",
                "files": [{"path": file, "sha256": "0".repeat(64)}],
                "installed_at": 0
            }
        }
    })
    .to_string()
}

#[test]
fn an_unknown_backend_or_flavour_in_the_database_is_an_error_that_loses_nothing() {
    let s = Sandbox::new();
    s.worker("hello").write();
    let bin = s.write("prefix/bin/hello-cpu", "#!/bin/sh\n");
    let db = s.path(".xdg/data/rbee-workers/installed.json");
    for (backend, flavor) in [("nix", "local"), ("cargo", "nightly")] {
        let text = database(backend, flavor, &bin);
        s.write(".xdg/data/rbee-workers/installed.json", &text);
        for args in [
            &["remove", "hello-cpu", "--noconfirm"][..],
            &["upgrade", "--dry-run"],
            &["verify"],
        ] {
            let out = s.run(args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            let err = stderr(&out);
            assert!(
                err.contains("installed.json") && err.contains("is corrupt"),
                "{err}"
            );
            assert!(
                err.contains(backend) || err.contains(flavor),
                "names the bad value: {err}"
            );
            // Nothing was rewritten, nothing removed.
            assert_eq!(std::fs::read_to_string(&db).unwrap(), text);
            assert!(bin.is_file());
        }
    }
    // The same record with known values is accepted.
    s.write(
        ".xdg/data/rbee-workers/installed.json",
        &database("cargo", "local", &bin),
    );
    let out = s.run(&["remove", "hello-cpu", "--noconfirm"]);
    assert_success(&out);
    assert!(!bin.exists());
}

#[test]
fn a_misspelt_key_in_config_toml_is_located_with_a_did_you_mean() {
    let s = Sandbox::new();
    s.worker("hello").write();
    // The pinned [tools] table, then the typo inside it.
    let text = format!("{}carg = \"/usr/bin/cargo\"\n", s.tool_pins());
    let line = text.lines().count();
    crate::support::write_file(&s.config_file(), &text);
    let out = s.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    // Relative to the working directory (the sandbox), which holds the XDG directories.
    let at = format!("--> .xdg/config/rbee-workers/config.toml:{line}:1");
    assert!(err.contains("unknown field `carg`"), "{err}");
    assert!(err.contains(&at), "names {at}: {err}");
    assert!(err.contains("did you mean `cargo`?"), "{err}");
}
