//! `new`: a worker.toml proposed from a crate (DESIGN §9). Pure: the crate's metadata in,
//! the proposal and its TOML text out.

use crate::cargo::CrateInfo;
use serde::Serialize;
use std::collections::BTreeMap;

/// Features that name a backend a worker is built for.
pub const KNOWN_BACKENDS: &[&str] = &["cpu", "cuda", "rocm", "metal"];

/// Every value of a proposed worker.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: String,
    pub name: String,
    pub description: String,
    pub features: Vec<String>,
    pub default_feature: String,
}

/// Why no worker.toml can be proposed for a crate, if none can.
pub fn propose(krate: &CrateInfo) -> Result<Proposal, String> {
    if krate.bins.is_empty() {
        return Err(format!(
            "crate `{}` has no binary target: a worker installs a program (add src/main.rs or a [[bin]])",
            krate.package
        ));
    }
    if krate.features.is_empty() {
        return Err(format!(
            "crate `{}` has no features: a worker builds one variant per cargo feature (add e.g. `[features] cpu = []`)",
            krate.package
        ));
    }
    let backends: Vec<String> = KNOWN_BACKENDS
        .iter()
        .filter(|b| krate.features.contains(**b))
        .map(|b| b.to_string())
        .collect();
    // Without a known backend: every feature that gates a bin.
    let features = if backends.is_empty() {
        let mut gating: Vec<String> = krate
            .bins
            .iter()
            .flat_map(|b| b.required_features.iter().cloned())
            .filter(|f| krate.features.contains(f))
            .collect();
        gating.sort();
        gating.dedup();
        gating
    } else {
        backends
    };
    if features.is_empty() {
        return Err(format!(
            "crate `{}` has features ({}) but none is a known backend ({}) or gates a binary: name the variants' features in [build] features by hand",
            krate.package,
            krate.features.iter().cloned().collect::<Vec<_>>().join(", "),
            KNOWN_BACKENDS.join(", ")
        ));
    }
    let id = krate.package.to_lowercase().replace('_', "-");
    let default_feature = if features.iter().any(|f| f == "cpu") {
        "cpu".to_string()
    } else {
        features[0].clone()
    };
    Ok(Proposal {
        name: title_case(&id),
        description: krate
            .description
            .as_deref()
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("The {} rbee worker", title_case(&id))),
        id,
        features,
        default_feature,
    })
}

/// `llm-worker` → `Llm Worker`.
pub fn title_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The platforms the features run on, from the known backends (a feature that is not one
/// runs wherever cpu does).
pub fn platforms(features: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |os: &str, arches: &[&str]| {
        let e = out.entry(os.to_string()).or_default();
        for a in arches {
            if !e.iter().any(|x| x == a) {
                e.push(a.to_string());
            }
        }
    };
    for f in features {
        match f.as_str() {
            "cuda" | "rocm" => add("linux", &["x86_64"]),
            "metal" => add("macos", &["aarch64"]),
            _ => {
                add("linux", &["x86_64", "aarch64"]);
                add("macos", &["aarch64"]);
            }
        }
    }
    for arches in out.values_mut() {
        arches.sort_by_key(|a| (a != "x86_64", a.clone()));
    }
    out
}

#[derive(Serialize)]
struct Doc<'p> {
    worker: WorkerDoc<'p>,
    build: BuildDoc<'p>,
    platforms: BTreeMap<String, Vec<String>>,
    test: TestDoc,
}

#[derive(Serialize)]
struct WorkerDoc<'p> {
    id: &'p str,
    name: &'p str,
    description: &'p str,
}

#[derive(Serialize)]
struct BuildDoc<'p> {
    features: &'p [String],
    default_feature: &'p str,
}

#[derive(Serialize)]
struct TestDoc {
    smoke: Vec<String>,
}

/// The worker.toml text, serialised by the toml crate (so every value is quoted as TOML
/// wants), with a header saying where it came from.
pub fn manifest_text(p: &Proposal) -> String {
    let doc = Doc {
        worker: WorkerDoc {
            id: &p.id,
            name: &p.name,
            description: &p.description,
        },
        build: BuildDoc {
            features: &p.features,
            default_feature: &p.default_feature,
        },
        platforms: platforms(&p.features),
        test: TestDoc {
            smoke: vec!["{bin}".into(), "--help".into()],
        },
    };
    let body = toml::to_string(&doc).expect("a proposal always serializes");
    format!(
        "# Written by `rbee-workers new` from Cargo.toml; the version always comes from there.\n# [test] smoke runs against the installed binary ({{bin}}); make it prove more than --help.\n{body}"
    )
}
