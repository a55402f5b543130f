//! The JSON documents (schema 1, DESIGN section 7), kept apart from the internal types: the
//! one definition that `--json` output, `serve`, `export` and the index-source reader all use.
//! Adding a field is allowed; renaming or removing one bumps `SCHEMA`.

use crate::catalog::{Source, Variant, Worker};
use crate::detect::Detection;
use crate::manifest::{Packages, Platforms};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceDoc {
    pub name: String,
    pub kind: crate::catalog::SourceKind,
    pub location: String,
    pub subdir: String,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstalledDoc {
    pub version: String,
    pub backend: String,
    pub flavor: String,
    pub path: String,
    /// Where it was installed from; null for a record older than origins whose origin
    /// could not be derived.
    #[serde(default)]
    pub origin: Option<crate::catalog::Origin>,
    /// `explicit` or `dependency`.
    #[serde(default)]
    pub reason: crate::kinds::Reason,
    /// Whether its origin still provides it (false: the catalog moved or was deleted, or
    /// the source was removed; the install is still listed, verified and removable).
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

/// A variant document for an install whose origin no longer provides it: what the installed
/// database knows, and nothing it does not.
pub fn gone_variant_doc(
    installed: InstalledDoc,
    id: &str,
    worker: &str,
    feature: &str,
) -> VariantDoc {
    let name = std::path::Path::new(&installed.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let origin = installed.origin.clone();
    VariantDoc {
        id: id.into(),
        worker: worker.into(),
        feature: feature.into(),
        default: false,
        name: id.into(),
        description: String::new(),
        version: installed.version.clone(),
        license: None,
        homepage: None,
        tags: Vec::new(),
        binary: name.clone(),
        installed_name: name,
        platforms: Platforms::default(),
        depends: Packages::default(),
        makedepends: Packages::default(),
        capabilities: BTreeMap::new(),
        source: SourceDoc {
            name: origin
                .as_ref()
                .map_or_else(|| "unknown".into(), |o| o.source.clone()),
            kind: origin
                .as_ref()
                .map_or(crate::catalog::SourceKind::Local, |o| o.kind),
            location: origin
                .as_ref()
                .map_or_else(String::new, |o| o.location.clone()),
            subdir: origin
                .as_ref()
                .map_or_else(String::new, |o| o.subdir.clone()),
            verified: false,
        },
        upstream: UpstreamDoc {
            git: None,
            branch: String::new(),
            tag: String::new(),
            tarball: None,
            sha256: None,
            package: String::new(),
            locked: false,
        },
        bottles: Vec::new(),
        installed: Some(installed),
        recommended: None,
        runs_here: None,
        community: None,
    }
}

/// Where release and `-git` builds fetch from, so a client of an exported catalog (an
/// `index` source) can build without the manifests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpstreamDoc {
    pub git: Option<String>,
    pub branch: String,
    pub tag: String,
    pub tarball: Option<String>,
    pub sha256: Option<String>,
    /// The cargo package, for `-p`.
    pub package: String,
    /// The source has a Cargo.lock.
    pub locked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantDoc {
    pub id: String,
    pub worker: String,
    pub feature: String,
    pub default: bool,
    pub name: String,
    pub description: String,
    pub version: String,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub tags: Vec<String>,
    pub binary: String,
    pub installed_name: String,
    pub platforms: Platforms,
    pub depends: Packages,
    pub makedepends: Packages,
    pub capabilities: BTreeMap<String, serde_json::Value>,
    pub source: SourceDoc,
    pub upstream: UpstreamDoc,
    /// Prebuilt binaries per target (DESIGN section 12), published by `export --bottles`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bottles: Vec<crate::bottle::Bottle>,
    pub installed: Option<InstalledDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<bool>,
    /// Whether its platforms include the host that answers (`list`, `search`, `info`);
    /// absent from documents a server or an export writes for other hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_here: Option<bool>,
    /// The community registry's counts for this variant's worker (DESIGN section 10); absent
    /// when the document comes from no registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityDoc>,
}

/// Votes and ratings of one worker (DESIGN section 10): the AUR's `NumVotes` and
/// `Popularity` (each vote weighted 0.98 per day of its age), and an app-store rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommunityDoc {
    pub votes: u64,
    pub popularity: f64,
    pub rating: RatingDoc,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingDoc {
    /// Null when nobody rated it.
    pub average: Option<f64>,
    pub count: u64,
}

/// One review, as `GET /workers/{id}/reviews` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDoc {
    pub user: String,
    pub stars: u8,
    pub review: String,
    /// RFC 3339, UTC.
    pub time: String,
}

pub fn variant_doc(w: &Worker, v: &Variant) -> VariantDoc {
    VariantDoc {
        id: v.id.clone(),
        worker: w.id.clone(),
        feature: v.feature.clone(),
        default: v.feature == w.default_feature,
        name: w.name.clone(),
        description: w.description.clone(),
        version: w.version.to_string(),
        license: w.license.clone(),
        homepage: w.homepage.clone(),
        tags: w.tags.clone(),
        binary: v.binary.clone(),
        installed_name: v.installed_name.clone(),
        platforms: v.platforms.clone(),
        depends: v.depends.clone(),
        makedepends: v.makedepends.clone(),
        capabilities: w.capabilities.clone(),
        source: source_doc(&w.source, &w.upstream.subdir, w.verified()),
        upstream: UpstreamDoc {
            git: w.upstream.git.clone(),
            branch: w.upstream.branch.clone(),
            tag: w.upstream.tag.clone(),
            tarball: w.upstream.tarball.clone(),
            sha256: w.upstream.sha256.clone(),
            package: w.krate.package.clone(),
            // What a release build will see (DESIGN section 3), which is what an index
            // source builds.
            locked: crate::render::arch::locked(w, crate::kinds::ArchFlavor::Release).is_ok(),
        },
        bottles: v.bottles.clone(),
        installed: None,
        recommended: None,
        runs_here: None,
        community: w.counts.as_ref().map(CommunityDoc::from),
    }
}

impl From<&crate::catalog::Counts> for CommunityDoc {
    fn from(c: &crate::catalog::Counts) -> Self {
        CommunityDoc {
            votes: c.votes,
            popularity: c.popularity,
            rating: RatingDoc {
                average: c.average,
                count: c.ratings,
            },
        }
    }
}

impl From<&CommunityDoc> for crate::catalog::Counts {
    fn from(c: &CommunityDoc) -> Self {
        crate::catalog::Counts {
            votes: c.votes,
            popularity: c.popularity,
            average: c.rating.average,
            ratings: c.rating.count,
        }
    }
}

fn source_doc(s: &Source, subdir: &str, verified: bool) -> SourceDoc {
    SourceDoc {
        name: s.name.clone(),
        kind: s.kind,
        location: s.location.clone(),
        subdir: subdir.to_string(),
        verified,
    }
}

/// One element of the `workers` array of a pretty [`CatalogDoc`] as `serde_json` writes it
/// there: `,\n`, then the element indented two levels (the first element of the array goes
/// without the comma).
pub fn pretty_element<T: Serialize>(element: &T) -> Vec<u8> {
    let mut out = Vec::new();
    pretty_element_into(&mut out, element);
    out
}

/// [`pretty_element`], appended to `out`: serde_json's pretty formatter, started two levels
/// in (the document's object, its `workers` array), writes the element where it goes, with
/// no copy to indent it afterwards.
pub fn pretty_element_into<T: Serialize>(out: &mut Vec<u8>, element: &T) {
    use serde_json::ser::Formatter;
    let mut formatter = serde_json::ser::PrettyFormatter::new();
    let sink = &mut std::io::sink();
    formatter
        .begin_object(sink)
        .and_then(|()| formatter.begin_array(sink))
        .expect("a sink takes everything");
    out.extend_from_slice(b",\n    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
    element.serialize(&mut ser).expect("documents serialize");
}

/// A pretty [`CatalogDoc`] made with no workers (its final newline included), split where
/// the elements of `workers` go: the head ends with `[`, the tail starts with `\n  ]` when
/// there are elements, and is `]…` as it was when there are none.
pub fn split_pretty(frame: &[u8], elements: bool) -> (&[u8], std::borrow::Cow<'_, [u8]>) {
    // The top-level key: every nested line is indented further.
    const EMPTY: &[u8] = b"\n  \"workers\": []";
    let at = frame
        .windows(EMPTY.len())
        .position(|w| w == EMPTY)
        .expect("a catalog document has its workers")
        + EMPTY.len()
        - 1;
    let (head, tail) = frame.split_at(at);
    if !elements {
        return (head, tail.into());
    }
    let mut end = b"\n  ".to_vec();
    end.extend_from_slice(tail);
    (head, end.into())
}

/// `doc` as [`serde_json::to_vec_pretty`] writes it, with a final newline; the variant
/// documents are written on the available cores (`list --json` at 10,000 workers writes
/// 50 MB).
pub fn pretty_catalog(doc: &CatalogDoc) -> Vec<u8> {
    let frame = CatalogDoc {
        schema: doc.schema,
        workers: Vec::new(),
        problems: doc.problems.clone(),
        ranking: doc.ranking.clone(),
        also_in: doc.also_in.clone(),
        recommendation: doc.recommendation.clone(),
    };
    let mut frame = serde_json::to_vec_pretty(&frame).expect("documents serialize");
    frame.push(b'\n');
    let (head, tail) = split_pretty(&frame, !doc.workers.is_empty());
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = doc.workers.len().div_ceil(threads).max(512);
    let parts: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = doc
            .workers
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    for w in part {
                        pretty_element_into(&mut out, w);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("serializing does not panic"))
            .collect()
    });
    let size = head.len() + tail.len() + parts.iter().map(Vec::len).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(head);
    for (n, p) in parts.iter().enumerate() {
        // The first element goes without its comma.
        out.extend_from_slice(if n == 0 { &p[1..] } else { p });
    }
    out.extend_from_slice(&tail);
    out
}

/// `list`, `search` and `info`: `{"schema": 1, "workers": [...], "problems": [...]}`.
#[derive(Debug, Serialize)]
pub struct CatalogDoc {
    pub schema: u32,
    pub workers: Vec<VariantDoc>,
    pub problems: Vec<Problem>,
    /// `search` only: variant ids best match first (`workers` stays sorted by id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Vec<String>>,
    /// `info` only: later sources that also provide this id (shadowed by the first).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub also_in: Vec<AlsoIn>,
    /// `info WORKER` only: the variant `install` would pick here, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlsoIn {
    pub source: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct DetectDoc<'a> {
    pub schema: u32,
    #[serde(flatten)]
    pub detection: &'a Detection,
    /// What `--backend auto` picks here, and why (the plan's `backend`).
    pub backend: &'a crate::build::BackendChoice,
}

#[derive(Debug, Serialize)]
pub struct ErrorDoc<'a> {
    pub schema: u32,
    pub error: ErrorBody<'a>,
}

#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub kind: &'static str,
    pub message: String,
    pub exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub suggestions: &'a [String],
}

#[derive(Debug, Default, Serialize)]
pub struct Checked {
    pub workers: usize,
    pub variants: usize,
    pub renders: usize,
}

#[derive(Debug, Serialize)]
/// `check --json`.
pub struct CheckDoc {
    pub schema: u32,
    pub ok: bool,
    pub checked: Checked,
    pub problems: Vec<Problem>,
    /// Checks that could not run here, and why.
    pub skipped: Vec<String>,
}
