//! The index's bottle entries as data: what `sync` refuses, and where a relative URL leads.

use crate::bottle::{problem, resolve, Bottle};

fn entry(target: &str, url: &str) -> Bottle {
    Bottle {
        target: target.into(),
        url: url.into(),
        sha256: "a".repeat(64),
        size: 1,
    }
}

#[test]
fn an_index_bottle_must_be_a_relative_path_or_an_http_url_for_a_triple() {
    let ok = [
        "bottles/x-0.1.0.x86_64-unknown-linux-gnu.bottle.tar.gz",
        "b.tar.gz",
        "https://cdn.example.org/b.tar.gz",
    ];
    for url in ok {
        assert_eq!(
            problem(&entry("x86_64-unknown-linux-gnu", url)),
            None,
            "{url}"
        );
    }
    let bad = [
        "../b.tar.gz",
        "bottles/../../b.tar.gz",
        "/etc/passwd",
        "bottles//b",
        "b.tar.gz?x=1",
        "",
        "file:///etc/passwd",
        "https://user@evil.example/b",
    ];
    for url in bad {
        assert!(
            problem(&entry("x86_64-unknown-linux-gnu", url)).is_some(),
            "{url}"
        );
    }
    for target in ["", "X86", "a b", "-x", "x\u{1b}[2J"] {
        assert!(problem(&entry(target, "b.tar.gz")).is_some(), "{target:?}");
    }
    let mut b = entry("x86_64-unknown-linux-gnu", "b.tar.gz");
    b.sha256 = "SKIP".into();
    assert!(problem(&b).is_some());
}

#[test]
fn a_bottle_url_is_relative_to_its_index() {
    assert_eq!(
        resolve("http://127.0.0.1:8/cat/index.json", "bottles/b.tar.gz"),
        "http://127.0.0.1:8/cat/bottles/b.tar.gz"
    );
    assert_eq!(
        resolve("/srv/cat/index.json", "bottles/b.tar.gz"),
        "/srv/cat/bottles/b.tar.gz"
    );
    assert_eq!(
        resolve("http://a/index.json", "https://cdn/b.tar.gz"),
        "https://cdn/b.tar.gz"
    );
}
