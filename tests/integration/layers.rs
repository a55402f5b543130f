//! The architecture of DESIGN section 13, held by reading the source: every module reference
//! (`crate::name`, `super::name`) is an edge of the module graph; the graph has no cycle, and
//! no module reaches a layer above its own (core < report < effects < context < commands <
//! top). Nothing outside `report` writes to the terminal.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each module name as the crate spells it (its re-exported short name or its
/// folder), lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "core",
        &[
            "core",
            "error",
            "kinds",
            "artifacts",
            "bottle",
            "build",
            "cargo",
            "catalog",
            "checksum",
            "command",
            "config",
            "deps",
            "detect",
            "look",
            "manifest",
            "par",
            "problem",
            "render",
            "sandbox",
            "scaffold",
            "tomlread",
            "tree",
            "vcs",
        ],
    ),
    ("report", &["report", "layout", "wire", "pages"]),
    (
        "effects",
        &[
            "effects",
            "atomic",
            "checkout",
            "db",
            "dirs",
            "exec",
            "fetch",
            "pack",
            "registry",
            "sign",
            "sources",
            "discovery",
            "unpack",
            "verdicts",
            "watch",
            "watchd",
        ],
    ),
    ("context", &["context"]),
    (
        "commands",
        &[
            "commands",
            "canary",
            "changed",
            "check",
            "checkers",
            "community",
            "complete",
            "export",
            "graph",
            "install",
            "installed",
            "key",
            "new",
            "package",
            "pour",
            "preflight",
            "publish",
            "query",
            "review",
            "serve",
            "source",
            "test",
            "web",
            "voting",
            "watcher",
        ],
    ),
    ("top", &["app", "assets", "cli", "request"]),
];

fn rank_of_module(name: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, names)| names.contains(&name))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a source file is: `core/render/arch.rs` → `render`, `commands/install.rs` →
/// `install`, `commands/mod.rs` → `commands`, `report.rs` → `report`. None for the test
/// helpers and the binary's `main.rs`/`lib.rs`, which may see everything.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).expect("under src");
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [one] if one == "main" || one == "lib" => None,
        [first, ..] if first == "unit_tests" => None,
        [one] => Some(one.clone()),
        [layer, m] if m == "mod" => Some(layer.clone()),
        [_, m] => Some(m.clone()),
        // A folder module below a layer (core/render/*): the folder's name.
        [_, sub, ..] => Some(sub.clone()),
        [] => None,
    }
}

/// Code only: line comments and doc comments are dropped (they may name anything).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module names `text` refers to through `crate::` (also inside `use crate::{a, b}`) and
/// `super::` (resolved against the file's folder).
fn references(file: &Path, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if matches!(name.as_str(), "core" | "effects" | "commands") {
                // `crate::core::build` names `build`.
                let inner = ident(&rest[name.len() + 2..]);
                out.insert(if inner.is_empty() { name } else { inner });
            } else if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    if text.contains("super::") {
        // In a folder module, `super` is the folder's own module (commands/mod.rs).
        let folder = file
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.insert(folder);
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let Some(m) = module_of(&f) else { continue };
        let text = code(&std::fs::read_to_string(&f).expect("read source"));
        let refs = references(&f, &text);
        let entry = g.entry(m.clone()).or_default();
        entry.extend(
            refs.into_iter()
                .filter(|r| *r != m && rank_of_module(r).is_some()),
        );
    }
    g
}

#[test]
fn every_module_has_a_layer() {
    for m in graph().keys() {
        assert!(
            rank_of_module(m).is_some(),
            "module `{m}` is in no layer of tests/integration/layers.rs; add it to the layer it belongs to"
        );
    }
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let mut bad = Vec::new();
    for (m, refs) in graph() {
        let Some(mine) = rank_of_module(&m) else {
            continue;
        };
        for r in refs {
            let theirs = rank_of_module(&r).expect("filtered");
            if theirs > mine {
                bad.push(format!(
                    "{m} ({}) imports {r} ({})",
                    LAYERS[mine].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    // Depth-first search with colours; a grey node reached again closes a cycle.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(1) => {
                let start = path.iter().position(|p| p == n).expect("on the path");
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for next in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if let Some(cycle) = visit(n, &g, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn nothing_outside_report_writes_to_the_terminal() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let forbidden = [
        "eprint!",
        "eprintln!",
        "print!",
        "println!",
        "std::io::stdout",
        "std::io::stderr",
        "anstream::",
        "indicatif::",
        "dialoguer::",
    ];
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src()).expect("under src").to_path_buf();
        // report.rs and its own submodules (report/layout.rs) are the terminal layer.
        if rel == Path::new("report.rs") || rel.starts_with("report") {
            continue;
        }
        let text = code(&std::fs::read_to_string(&f).expect("read source"));
        for (n, line) in text.lines().enumerate() {
            for word in forbidden {
                // `println!` also matches inside `eprintln!`; both are forbidden anyway.
                if line.contains(word) {
                    bad.push(format!("src/{}:{}: {}", rel.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "only src/report.rs writes to the terminal:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_sees_a_planted_cycle_and_a_planted_upward_import() {
    // The scanner itself: a reference it cannot see would make the tests above pass vacuously.
    let f = src().join("core/catalog.rs");
    let refs = references(
        &f,
        "use crate::{install, report::Answer};\nlet x = crate::core::build::plan;",
    );
    assert!(refs.contains("install") && refs.contains("report") && refs.contains("build"));
    let refs = references(&src().join("commands/install.rs"), "use super::Session;");
    assert!(refs.contains("commands"));
    assert_eq!(
        module_of(&src().join("core/render/arch.rs")).as_deref(),
        Some("render")
    );
    assert_eq!(
        module_of(&src().join("commands/mod.rs")).as_deref(),
        Some("commands")
    );
    assert!(rank_of_module("install") > rank_of_module("catalog"));
}
