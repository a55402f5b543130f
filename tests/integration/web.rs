//! The web catalog (DESIGN section 11) in a real headless Chromium: the pages of a live
//! `serve` and of a static `export`, searched, filtered and followed as a person would, read
//! back from the DOM and compared with what the CLI says; hostile manifest strings shown as
//! text with nothing run; the HTML escaping proven by the browser's own parser; and insta
//! snapshots of both pages for the example catalog. Screenshots go to
//! `target/tmp/web-catalog/`.

use crate::browser::Browser;
use crate::serve::Serve;
use crate::support::{q, stdout, Sandbox};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use rbee_workers::pages::{self, Offer, Site};
use rbee_workers::wire::VariantDoc;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PIN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Three verified workers and one community (unverified) worker, each with a pinned release
/// checksum, so every PKGBUILD and formula renders offline.
fn catalog(s: &Sandbox) {
    let source = |repo: &str| {
        format!(
            "[source]\ngit = \"https://github.com/example/{repo}\"\nsha256 = {}\n",
            q(PIN)
        )
    };
    s.worker("alpha")
        .name("Alpha Chat")
        .description("Chat inference on any GPU")
        .features(&["cpu", "cuda", "metal"])
        .tags(&["llm"])
        .license("MIT")
        .extra(&(source("alpha") + "\n[capabilities]\nmax_context = 4096\nformats = [\"gguf\"]\n"))
        .write();
    s.worker("beta")
        .name("Beta Vision")
        .description("Image generation")
        .features(&["cpu"])
        .platforms(&[("linux", &["x86_64"])])
        .extra(&source("beta"))
        .write();
    s.worker("gamma")
        .name("Gamma Speech")
        .description("Text to speech")
        .features(&["cpu", "rocm"])
        .platforms(&[("linux", &["x86_64"])])
        .extra(&source("gamma"))
        .write();
    s.worker("delta")
        .dir("bin/community/delta")
        .name("Delta Community")
        .description("A community worker")
        .features(&["cpu"])
        .extra(&source("delta"))
        .write();
}

fn artifact_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-catalog")
}

/// The worker ids of the cards on the page, in page order.
fn cards(b: &mut Browser) -> Vec<String> {
    let v = b.eval("[...document.querySelectorAll('li.card')].map(c => c.dataset.worker)");
    serde_json::from_value(v).expect("a list of ids")
}

fn workers_of(
    doc: &crate::support::CatalogDoc,
    keep: impl Fn(&crate::support::VariantDoc) -> bool,
) -> Vec<String> {
    let set: BTreeSet<String> = doc
        .workers
        .iter()
        .filter(|v| keep(v))
        .map(|v| v.worker.clone())
        .collect();
    set.into_iter().collect()
}

/// Nothing a page's hostile values carry may have run: no canary global, nothing on the
/// console, no dialog.
fn assert_nothing_ran(b: &mut Browser, what: &str) {
    assert_eq!(
        b.eval("typeof window.__pwned"),
        json!("undefined"),
        "{what}: a payload ran"
    );
    let console = b.console();
    assert!(
        console.is_empty(),
        "{what}: the page printed or threw: {console:#?}"
    );
}

#[test]
fn the_served_catalog_is_searched_filtered_and_followed_in_chromium() {
    let s = Sandbox::new();
    catalog(&s);
    let list = s.list();
    let serve = Serve::start(&s);
    let Some(mut b) = Browser::launch() else {
        return;
    };

    // The catalog: one card per worker, sorted by name.
    b.open(&serve.url("/"));
    assert_eq!(b.title(), "Worker catalog · rbee workers");
    assert_eq!(cards(&mut b), ["alpha", "beta", "delta", "gamma"]);
    assert_eq!(
        workers_of(&list, |_| true),
        ["alpha", "beta", "delta", "gamma"]
    );
    assert_eq!(b.text("#count"), "4 workers");
    assert_eq!(
        b.eval("[...document.querySelectorAll('li.card[data-worker=alpha] .badge')].map(e => e.textContent)"),
        json!(["cpu", "cuda", "metal"])
    );
    assert!(b
        .text("li.card[data-worker=alpha] .community")
        .contains("no votes yet"));
    assert!(b.text("li.card[data-worker=delta]").contains("unverified"));
    b.screenshot(&artifact_dir().join("catalog.png"));
    // Dark mode follows the system's.
    let background = "getComputedStyle(document.body).backgroundColor";
    let light = b.eval(background);
    b.color_scheme("dark");
    let dark = b.eval(background);
    assert_ne!(light, dark, "the page follows prefers-color-scheme");
    assert_eq!(dark, json!("rgb(21, 20, 15)"));
    b.screenshot(&artifact_dir().join("catalog-dark.png"));
    b.color_scheme("light");

    // Search: type into the box, press Enter.
    b.navigating(|b| {
        b.type_into("#q", "speech");
        b.press_enter();
    });
    assert!(b.url().contains("q=speech"), "{}", b.url());
    assert_eq!(cards(&mut b), ["gamma"]);
    assert_eq!(
        b.eval("document.querySelector('#q').value"),
        json!("speech")
    );

    // Filters: a backend, a platform, verified or not; each the same set `list` filters to.
    for (field, value, expected) in [
        (
            "#backend",
            "cuda",
            workers_of(&list, |v| v.feature == "cuda"),
        ),
        (
            "#backend",
            "rocm",
            workers_of(&list, |v| v.feature == "rocm"),
        ),
        (
            "#platform",
            "macos/aarch64",
            workers_of(&list, |v| v.platforms.contains_key("macos")),
        ),
        ("#verified", "no", workers_of(&list, |v| !v.source.verified)),
    ] {
        b.open(&serve.url("/"));
        b.select(field, value);
        b.navigating(|b| b.click("form.search button[type=submit]"));
        assert_eq!(cards(&mut b), expected, "{field} = {value} ({})", b.url());
        assert!(!expected.is_empty());
    }

    // Follow a worker's link from its card.
    b.open(&serve.url("/"));
    b.navigating(|b| b.click("li.card[data-worker=alpha] h2 a"));
    assert!(b.url().ends_with("/w/alpha"), "{}", b.url());
    assert_eq!(b.title(), "Alpha Chat (alpha) · rbee workers");
    assert_eq!(b.text("#install"), "rbee-workers install alpha");
    let info = s.json(&["info", "alpha"]);
    let rows: Vec<String> =
        serde_json::from_value(b.eval("[...document.querySelectorAll('table.variants tbody tr')].map(r => r.id.replace('variant-', ''))")).unwrap();
    assert_eq!(rows, info.ids());
    for v in &info.workers {
        let row = b.text(&format!("#variant-{}", v.id));
        assert!(row.contains(&v.installed_name), "{row}");
        assert!(
            row.contains(&format!("rbee-workers install {}", v.id)),
            "{row}"
        );
    }
    assert_eq!(b.text(".facts .votes"), "no votes yet");
    assert_eq!(b.text(".facts .rating"), "not rated yet");
    assert!(b.text("dl.capabilities").contains("max_context"));
    b.screenshot(&artifact_dir().join("worker.png"));

    // Every file link answers, and the release PKGBUILD is the one the CLI prints.
    let links: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('ul.files a')].map(a => a.href)"),
    )
    .unwrap();
    // alpha-cpu: release+git PKGBUILD and .SRCINFO, release+head formula; cuda: the four
    // Arch files; metal: the two formulas.
    assert_eq!(links.len(), 12, "{links:#?}");
    let http = reqwest::blocking::Client::new();
    for l in &links {
        let r = http.get(l).send().unwrap();
        assert_eq!(r.status(), 200, "{l}");
    }
    b.navigating(|b| b.click("a[href$='alpha-cpu/PKGBUILD?flavor=release']"));
    let shown = b
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    let cli = stdout(&s.run(&["pkgbuild", "alpha-cpu"]));
    assert!(shown.contains("pkgname=alpha-cpu"), "{shown}");
    assert_eq!(shown.trim_end(), cli.trim_end());

    // A variant id redirects to its worker; an unknown id is a page with suggestions.
    b.open(&serve.url("/w/alpha-cuda"));
    assert!(
        b.url().ends_with("/w/alpha#variant-alpha-cuda"),
        "{}",
        b.url()
    );
    b.open(&serve.url("/w/alpah"));
    assert_eq!(b.text("h1"), "No such worker");
    assert!(b.text("ul.suggestions").contains("alpha"));
    b.navigating(|b| b.click("ul.suggestions a"));
    assert!(b.url().contains("/w/alpha"), "{}", b.url());
    assert_nothing_ran(&mut b, "the served catalog");
}

#[test]
fn pages_have_the_json_routes_etags_and_caching() {
    let s = Sandbox::new();
    catalog(&s);
    let serve = Serve::start(&s);
    let http = reqwest::blocking::Client::new();
    for path in ["/", "/?q=alpha&sort=votes", "/w/alpha", "/style.css"] {
        let r = http.get(serve.url(path)).send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=30, s-maxage=60",
            "{path}"
        );
        let again = http
            .get(serve.url(path))
            .header("If-None-Match", &etag)
            .send()
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    let page = http.get(serve.url("/w/alpha")).send().unwrap();
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let missing = http.get(serve.url("/w/nope")).send().unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(missing.headers().contains_key("etag"));
    let bad = http.get(serve.url("/?sort=stars")).send().unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().unwrap().contains("invalid sort `stars`"));
    let moved = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(serve.url("/w/alpha-cpu"))
        .send()
        .unwrap();
    assert_eq!(moved.status(), 301);
    assert_eq!(moved.headers()["location"], "alpha#variant-alpha-cpu");
}

/// The payloads: each would set `window.__pwned` or print to the console if it ran.
const SCRIPT_NAME: &str = "<script>window.__pwned=1;console.log('PWNED')</script></title><script>window.__pwned=1</script>";
const IMG_DESCRIPTION: &str = "<img src=x onerror=\"window.__pwned=2\"> & ' \" </p>";
const ATTRIBUTE_BREAK: &str =
    "\" onmouseover=\"window.__pwned=3\" autofocus onfocus=\"window.__pwned=3";

fn hostile(s: &Sandbox) {
    s.worker("evil")
        .name(SCRIPT_NAME)
        .description(IMG_DESCRIPTION)
        .features(&["cpu"])
        .tags(&[ATTRIBUTE_BREAK])
        .extra(&format!(
            "[source]\ngit = \"https://github.com/example/evil\"\nsha256 = {}\n\n[capabilities]\nnote = {}\n",
            q(PIN),
            q(ATTRIBUTE_BREAK)
        ))
        .write();
}

/// The hostile worker's pages show every payload as text: in the title, the card, the
/// description, the tags and the capabilities; no element, attribute or script came of it.
fn assert_hostile_is_text(b: &mut Browser, what: &str) {
    assert_eq!(cards(b), ["evil"], "{what}");
    assert_eq!(b.text("li.card h2"), SCRIPT_NAME, "{what}");
    assert_eq!(b.text("li.card .description"), IMG_DESCRIPTION, "{what}");
    assert_eq!(
        b.eval("document.querySelectorAll('main script, main img').length"),
        json!(0)
    );
    assert_nothing_ran(b, what);
    b.navigating(|b| b.click("li.card h2 a"));
    assert_eq!(
        b.title(),
        format!("{SCRIPT_NAME} (evil) · rbee workers"),
        "{what}"
    );
    assert_eq!(
        b.text("h1").trim_end_matches(" 0.1.0"),
        SCRIPT_NAME,
        "{what}"
    );
    assert_eq!(b.text("main > p.description"), IMG_DESCRIPTION, "{what}");
    assert_eq!(b.text("dl.capabilities dd"), ATTRIBUTE_BREAK, "{what}");
    assert!(b.text("dl.facts").contains(ATTRIBUTE_BREAK), "{what}");
    let handlers = b.eval("[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on') || n === 'autofocus')");
    assert_eq!(handlers, json!([]), "{what}: an attribute broke out");
    // Hovering and focusing everything would run an injected handler.
    b.eval("document.querySelectorAll('*').forEach(e => { e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); e.dispatchEvent(new FocusEvent('focus')); })");
    assert_nothing_ran(b, what);
    b.screenshot(&artifact_dir().join("hostile.png"));
    if b.url().starts_with("file:") {
        return;
    }
    // A tag links to a search for it (its title attribute names it); the search reflects the
    // query into the box's value attribute.
    assert_eq!(
        b.eval("document.querySelector('dl.facts a.tag').title"),
        json!(format!("Workers tagged {ATTRIBUTE_BREAK}"))
    );
    b.navigating(|b| b.click("dl.facts a.tag"));
    assert_eq!(
        b.eval("document.querySelector('#q').value"),
        json!(ATTRIBUTE_BREAK),
        "{what}"
    );
    assert_eq!(cards(b), ["evil"], "{what}: the tag finds its worker");
    let handlers = b.eval("[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on') || n === 'autofocus')");
    assert_eq!(
        handlers,
        json!([]),
        "{what}: the query broke out of the search box"
    );
    assert_nothing_ran(b, what);
}

#[test]
fn hostile_manifest_strings_are_text_in_the_browser_served_and_exported() {
    let s = Sandbox::new();
    hostile(&s);
    let serve = Serve::start(&s);
    let Some(mut b) = Browser::launch() else {
        return;
    };
    b.open(&serve.url("/"));
    assert_hostile_is_text(&mut b, "served");

    // The export has no Content-Security-Policy header: the escaping alone holds.
    let out = s.path("export");
    let run = s.run(&["export", out.to_str().unwrap()]);
    crate::support::assert_success(&run);
    b.open(&format!("file://{}", out.join("index.html").display()));
    assert_hostile_is_text(&mut b, "exported");
}

#[test]
fn a_javascript_homepage_is_a_located_manifest_error_and_never_a_link() {
    let s = Sandbox::new();
    let w = s
        .worker("jsh")
        .homepage("javascript:window.__pwned=4")
        .features(&["cpu"])
        .write();
    let out = s.run(&["check", "--json"]);
    assert!(!out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (line, column) = w.at("\"javascript:");
    let p = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["message"].as_str().unwrap().contains("`homepage`"))
        .unwrap_or_else(|| panic!("no homepage problem: {doc:#}"));
    assert!(
        p["path"].as_str().unwrap().ends_with("bin/jsh/worker.toml"),
        "{p}"
    );
    assert_eq!(
        (p["line"].as_u64(), p["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("http:// or https://"),
        "{p}"
    );
    let cargo = s
        .worker("jsc")
        .cargo_homepage(crate::support::CargoValue::Literal(
            "data:text/html,x".into(),
        ))
        .write();
    let out = s.run(&["check", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["problems"].as_array().unwrap().iter().any(|p| p["path"]
            .as_str()
            .unwrap()
            .ends_with("bin/jsc/Cargo.toml")
            && p["line"].is_u64()
            && p["message"].as_str().unwrap().contains("package.homepage")),
        "{doc:#} {}",
        cargo.dir.display()
    );

    // A document from elsewhere (an index source) is untrusted too: the page shows such a
    // homepage as text, never as a link.
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let mut doc = sample_doc("w", "cpu");
    doc.homepage = Some("javascript:window.__pwned=4".into());
    let html = pages::worker_page(&[doc], &[], &[], &Site::exported(2)).unwrap();
    let dir = crate::tools::shared_tempdir();
    std::fs::write(dir.path().join("page.html"), &html).unwrap();
    b.open(&format!("file://{}/page.html", dir.path().display()));
    assert_eq!(
        b.eval("document.querySelectorAll('a[href^=\"javascript\" i]').length"),
        json!(0)
    );
    assert!(b.text("dl.facts").contains("javascript:window.__pwned=4"));
    assert_nothing_ran(&mut b, "a javascript: homepage");
}

#[test]
fn the_static_export_is_browsable_from_file_urls() {
    let s = Sandbox::new();
    catalog(&s);
    let out = s.path("export");
    crate::support::assert_success(&s.run(&["export", out.to_str().unwrap()]));
    for f in [
        "index.html",
        "style.css",
        "w/alpha/index.html",
        "w/delta/index.html",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let index = format!("file://{}/index.html", out.display());
    b.open(&index);
    assert_eq!(cards(&mut b), ["alpha", "beta", "delta", "gamma"]);
    // Every link of every page resolves to a file of the export.
    let mut pages_seen = 0;
    for page in [
        "index.html",
        "w/alpha/index.html",
        "w/beta/index.html",
        "w/gamma/index.html",
        "w/delta/index.html",
    ] {
        b.open(&format!("file://{}/{page}", out.display()));
        let hrefs: Vec<String> = serde_json::from_value(
            b.eval("[...document.querySelectorAll('a[href], link[href]')].map(a => a.href)"),
        )
        .unwrap();
        for h in hrefs {
            let path = h.split('#').next().unwrap();
            let Some(path) = path.strip_prefix("file://") else {
                // Only a homepage leaves the export, and only for the web.
                assert!(h.starts_with("https://github.com/example/"), "{page}: {h}");
                continue;
            };
            assert!(Path::new(path).is_file(), "{page}: {h} does not resolve");
            assert!(
                path.starts_with(out.to_str().unwrap()),
                "{page}: {h} leaves the export"
            );
        }
        pages_seen += 1;
    }
    assert_eq!(pages_seen, 5);
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('main')).maxWidth"),
        json!("1152px"),
        "the stylesheet loads"
    );
    b.open(&index);
    b.navigating(|b| b.click("li.card[data-worker=alpha] h2 a"));
    assert!(b.url().ends_with("/w/alpha/index.html"), "{}", b.url());
    assert_eq!(b.text("#install"), "rbee-workers install alpha");
    b.navigating(|b| b.click("a[href$='alpha-cpu/release/PKGBUILD']"));
    let shown = b
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(shown.contains("pkgname=alpha-cpu"), "{shown}");
    b.open(&index);
    b.screenshot(&artifact_dir().join("export.png"));
}

/// The example catalog's two pages, as served.
#[test]
fn example_catalog_pages_snapshot() {
    let s = Sandbox::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let serve = Serve::start_at(&s, Some(&examples));
    let http = reqwest::blocking::Client::new();
    let get = |p: &str| {
        let r = http.get(serve.url(p)).send().unwrap();
        assert_eq!(r.status(), 200, "{p}");
        r.text().unwrap()
    };
    insta::assert_snapshot!("web_catalog_page", get("/"));
    insta::assert_snapshot!("web_worker_page", get("/w/llm-worker"));
}

fn sample_doc(worker: &str, feature: &str) -> VariantDoc {
    serde_json::from_value(json!({
        "id": format!("{worker}-{feature}"), "worker": worker, "feature": feature, "default": true,
        "name": "N", "description": "D", "version": "0.1.0", "license": "MIT",
        "homepage": "https://example.com", "tags": [], "binary": "b", "installed_name": "b",
        "platforms": {"linux": ["x86_64"]}, "depends": {"arch": [], "brew": []},
        "makedepends": {"arch": [], "brew": []}, "capabilities": {},
        "source": {"name": "local", "kind": "local", "location": "/x", "subdir": "", "verified": true},
        "upstream": {"git": null, "branch": "main", "tag": "v0.1.0", "tarball": null, "sha256": null, "package": "p", "locked": false},
        "installed": null
    }))
    .expect("a variant document")
}

/// Any string without NUL (which no HTML document can carry as text).
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        r#"[<>&"'=/ \r\n\t;:a-z!\-\[\]{}()#`$\x{85}\x{2028}é🦀]{0,24}"#,
        prop::collection::vec(
            prop::sample::select(
                &[
                    "<script>",
                    "</title>",
                    "&amp;",
                    "&#13;",
                    "\"",
                    "'",
                    " onload=",
                    "<!--",
                    "]]>",
                    "\r\n",
                    "\r",
                    "javascript:",
                    "<img src=x onerror=1>",
                    "</textarea>"
                ][..]
            ),
            0..8
        )
        .prop_map(|v| v.concat()),
    ]
    .prop_map(|s| s.replace('\0', ""))
}

/// HTML escaping, proven by Chromium's parser: a value escaped into element text and into
/// double- and single-quoted attributes parses back to exactly that value, adding no
/// element; and a whole worker page with the value in its name, description, tag and
/// capability reads back the value in each, with the same elements as a plain page.
#[test]
fn html_escaping_round_trips_any_string_through_chromium() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    b.open("about:blank");
    let plain_page = |value: &str| {
        let mut doc = sample_doc("w", "cpu");
        doc.name = value.to_string();
        doc.description = value.to_string();
        doc.tags = vec![value.to_string()];
        doc.capabilities.insert("k".into(), json!(value));
        let offers = Offer::pkgbuild("w-cpu", rbee_workers::kinds::ArchFlavor::Release, None);
        pages::worker_page(&[doc], &offers, &[], &Site::served(1)).unwrap()
    };
    let baseline: Value = b.eval(&format!(
        "new DOMParser().parseFromString({}, 'text/html').querySelectorAll('*').length",
        json!(plain_page("plain"))
    ));
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let browser = std::cell::RefCell::new(b);
    runner
        .run(&any_text(), |value| {
            let mut b = browser.borrow_mut();
            let e = rbee_workers::render::escape::html(&value);
            let snippet = format!("<p title=\"{e}\">{e}</p><p title='{e}'></p><title>{e}</title>");
            let read = b.eval(&format!(
                "(() => {{ const d = new DOMParser().parseFromString({}, 'text/html'); const p = d.querySelectorAll('p'); return [d.querySelectorAll('body *').length, p[0].textContent, p[0].getAttribute('title'), p[1].getAttribute('title'), d.querySelector('title').textContent]; }})()",
                json!(snippet)
            ));
            // Three elements: a `<title>` in the body stays there.
            prop_assert_eq!(&read, &json!([3, value, value, value, value]), "from {}", snippet);
            let page = plain_page(&value);
            let read = b.eval(&format!(
                "(() => {{ const d = new DOMParser().parseFromString({}, 'text/html'); return [d.querySelectorAll('*').length, d.querySelector('title').textContent, d.querySelector('main > p.description').textContent, d.querySelector('dl.capabilities dd code').textContent, d.querySelector('dl.facts .tag').textContent]; }})()",
                json!(page)
            ));
            prop_assert_eq!(
                &read,
                &json!([baseline, format!("{value} (w) · rbee workers"), value, value, value]),
                "page for {:?}", value
            );
            Ok(())
        })
        .unwrap();
}

/// The `data-worker` of every card, in page order.
fn card_ids(html: &str) -> Vec<String> {
    html.split("data-worker=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

fn with_community(
    worker: &str,
    votes: u64,
    popularity: f64,
    rating: Option<(f64, u64)>,
) -> VariantDoc {
    let mut d = sample_doc(worker, "cpu");
    d.name = worker.to_uppercase();
    d.community = Some(rbee_workers::wire::CommunityDoc {
        votes,
        popularity,
        rating: rbee_workers::wire::RatingDoc {
            average: rating.map(|r| r.0),
            count: rating.map_or(0, |r| r.1),
        },
    });
    d
}

#[test]
fn the_catalog_page_sorts_by_the_community_counts_and_shows_them() {
    let docs = vec![
        with_community("a", 1, 0.5, Some((3.0, 4))),
        with_community("b", 7, 6.1, None),
        with_community("c", 3, 2.9, Some((4.5, 2))),
        sample_doc("d", "cpu"),
    ];
    let page = |sort: &str| {
        let q = pages::PageQuery {
            sort: sort.into(),
            ..Default::default()
        };
        pages::catalog_page(&docs, &q, &Site::served(0))
            .unwrap()
            .unwrap()
    };
    // By name (the default), a registry's absence is "no votes yet".
    assert_eq!(card_ids(&page("")), ["a", "b", "c", "d"]);
    assert_eq!(card_ids(&page("votes")), ["b", "c", "a", "d"]);
    assert_eq!(card_ids(&page("popularity")), ["b", "c", "a", "d"]);
    // Unrated sorts after every rated worker.
    assert_eq!(card_ids(&page("rating")), ["c", "a", "b", "d"]);
    let html = page("votes");
    assert!(
        html.contains("7 votes<") && html.contains("1 vote<"),
        "{html}"
    );
    assert!(
        html.contains("★ 4.5 (2 ratings)") && html.contains("not rated yet"),
        "{html}"
    );
    assert!(html.contains("no votes yet"), "{html}");
    let worker = pages::worker_page(
        &[with_community("c", 3, 2.9, Some((4.5, 2)))],
        &[],
        &[rbee_workers::wire::ReviewDoc {
            user: "ann".into(),
            stars: 4,
            review: "<b>fast</b>".into(),
            time: "2026-11-30T10:00:00Z".into(),
        }],
        &Site::served(1),
    )
    .unwrap();
    assert!(worker.contains("3 votes (popularity 2.90)"), "{worker}");
    assert!(
        worker.contains("aria-label=\"4 out of 5 stars\">★★★★☆</span> <strong>ann</strong>"),
        "{worker}"
    );
    assert!(worker.contains("&lt;b&gt;fast&lt;/b&gt;"), "{worker}");
}

#[test]
fn a_big_catalog_is_paged_with_a_count() {
    let docs: Vec<VariantDoc> = (0..60)
        .map(|i| sample_doc(&format!("w{i:02}"), "cpu"))
        .collect();
    let page = |n: &str| {
        let q = pages::PageQuery {
            page: Some(n.into()),
            ..Default::default()
        };
        pages::catalog_page(&docs, &q, &Site::served(0))
            .unwrap()
            .unwrap()
    };
    let first = page("1");
    assert_eq!(card_ids(&first).len(), pages::PAGE_SIZE);
    assert!(first.contains("Workers 1–48 of 60"), "{first}");
    assert!(first.contains("href=\"./?page=2\""), "{first}");
    let second = page("2");
    assert_eq!(card_ids(&second).first().map(String::as_str), Some("w48"));
    assert_eq!(card_ids(&second).len(), 12);
    // The export lists every worker on its one page.
    let all = pages::catalog_page(&docs, &Default::default(), &Site::exported(0))
        .unwrap()
        .unwrap();
    assert_eq!(card_ids(&all).len(), 60);
    let bad = pages::PageQuery {
        page: Some("0".into()),
        ..Default::default()
    };
    assert!(pages::catalog_page(&docs, &bad, &Site::served(0))
        .unwrap()
        .is_err());
}
