//! The web catalog's pages (DESIGN section 11): variant documents in, HTML out (the HTML
//! counterpart of `wire`'s JSON, rendered by the template engine of `render`). The catalog
//! page filters, sorts and pages the documents a `GET /` form asks for; the worker page shows
//! one worker's variants with the files each one offers. Every value is escaped by the
//! engine's HTML formatter, and a link is only ever an http(s) or relative URL.
//!
//! The pages read `VariantDoc.community` (votes, popularity, rating) when a registry filled it
//! and say "no votes yet" when not; sorting treats absent counts as 0 and unrated as last.

use crate::error::Error;
use crate::kinds::{ArchFlavor, BrewFlavor};
use crate::manifest::{Arch, Os};
use crate::render::escape::linkable;
use crate::render::Engine;
use crate::wire::{CommunityDoc, ReviewDoc, VariantDoc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Workers on one page of the served catalog.
pub const PAGE_SIZE: usize = 48;

/// Where a page sits and how it links: `serve`'s routes, or the static export's files.
#[derive(Debug, Clone)]
pub struct Site {
    /// The way back to the site's root from the page (`""`, `"../"`, `"../../"`).
    root: String,
    exported: bool,
}

impl Site {
    /// A page of `serve`, `depth` path segments below `/` (`/` is 0, `/w/x` is 1).
    pub fn served(depth: usize) -> Site {
        Site {
            root: "../".repeat(depth),
            exported: false,
        }
    }

    /// A page of the export, `depth` directories below the export's root.
    pub fn exported(depth: usize) -> Site {
        Site {
            root: "../".repeat(depth),
            exported: true,
        }
    }

    fn home(&self) -> String {
        match (self.exported, self.root.is_empty()) {
            (true, _) => format!("{}index.html", self.root),
            (false, true) => "./".into(),
            (false, false) => self.root.clone(),
        }
    }

    fn stylesheet(&self) -> String {
        format!("{}style.css", self.root)
    }

    fn catalog_json(&self) -> String {
        if self.exported {
            format!("{}index.json", self.root)
        } else {
            format!("{}workers", self.root)
        }
    }

    fn worker(&self, id: &str) -> String {
        if self.exported {
            format!("{}w/{}/index.html", self.root, segment(id))
        } else {
            format!("{}w/{}", self.root, segment(id))
        }
    }

    /// The JSON of a worker: `GET /workers/{worker}` (every variant), or in an export, where
    /// each variant has its own document, its lead variant's.
    fn worker_json(&self, worker: &str, lead: &str) -> String {
        if self.exported {
            self.variant_json(lead)
        } else {
            format!("{}workers/{}", self.root, segment(worker))
        }
    }

    fn variant_json(&self, id: &str) -> String {
        if self.exported {
            format!("{}workers/{}.json", self.root, segment(id))
        } else {
            format!("{}workers/{}", self.root, segment(id))
        }
    }

    /// Where `serve` answers a file, or where `export` wrote it.
    fn file(&self, variant: &str, file: File, flavor: &str) -> String {
        let id = segment(variant);
        let flavor = segment(flavor);
        match (self.exported, file) {
            (true, File::Pkgbuild) => format!("{}workers/{id}/{flavor}/PKGBUILD", self.root),
            (true, File::Srcinfo) => format!("{}workers/{id}/{flavor}/.SRCINFO", self.root),
            (true, File::Formula) => format!("{}workers/{id}/{flavor}/{id}.rb", self.root),
            (false, File::Pkgbuild) => {
                format!("{}workers/{id}/PKGBUILD?flavor={flavor}", self.root)
            }
            (false, File::Srcinfo) => format!("{}workers/{id}/SRCINFO?flavor={flavor}", self.root),
            (false, File::Formula) => format!("{}workers/{id}/formula?flavor={flavor}", self.root),
        }
    }
}

/// An id as one URL path segment: ids are plain (`[a-z0-9-]`) in a manifest, but a document
/// from an index source may say anything.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() || out == "." || out == ".." {
        out = out.replace('.', "%2E");
    }
    out
}

/// A file a variant's page links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum File {
    Pkgbuild,
    Srcinfo,
    Formula,
}

impl File {
    fn label(self) -> &'static str {
        match self {
            File::Pkgbuild => "PKGBUILD",
            File::Srcinfo => ".SRCINFO",
            File::Formula => "formula",
        }
    }
}

/// One file of one variant, and why it is not there when it is not (no tarball URL, no
/// checksum); the command layer decides from `artifacts`.
#[derive(Debug, Clone)]
pub struct Offer {
    pub variant: String,
    pub file: File,
    pub flavor: &'static str,
    pub missing: Option<String>,
}

impl Offer {
    pub fn pkgbuild(variant: &str, flavor: ArchFlavor, missing: Option<String>) -> [Offer; 2] {
        [File::Pkgbuild, File::Srcinfo].map(|file| Offer {
            variant: variant.to_string(),
            file,
            flavor: flavor.name(),
            missing: missing.clone(),
        })
    }

    pub fn formula(variant: &str, flavor: BrewFlavor, missing: Option<String>) -> Offer {
        Offer {
            variant: variant.to_string(),
            file: File::Formula,
            flavor: flavor.name(),
            missing,
        }
    }
}

/// What the catalog page's form asks for (`GET /?q=…&platform=…&backend=…&verified=…&sort=…`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub backend: String,
    #[serde(default)]
    pub verified: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<String>,
}

/// The sort orders of the catalog page.
pub const SORTS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("votes", "Votes"),
    ("popularity", "Popularity"),
    ("rating", "Rating"),
];

/// A query the form cannot have sent: the message says what was expected.
#[derive(Debug)]
pub struct BadQuery(pub String);

struct Parsed {
    terms: Vec<String>,
    platform: Option<(Os, Option<Arch>)>,
    verified: Option<bool>,
    sort: &'static str,
    page: usize,
}

impl PageQuery {
    fn parse(&self) -> Result<Parsed, BadQuery> {
        let platform = match self.platform.as_str() {
            "" => None,
            p => {
                let (os, arch) = p.split_once('/').map_or((p, None), |(o, a)| (o, Some(a)));
                match (os.parse::<Os>(), arch.map(str::parse::<Arch>).transpose()) {
                    (Ok(os), Ok(arch)) => Some((os, arch)),
                    _ => return Err(BadQuery(format!("invalid platform `{p}`: expected OS or OS/ARCH (linux|macos|windows, x86_64|aarch64)"))),
                }
            }
        };
        let verified = match self.verified.as_str() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            v => {
                return Err(BadQuery(format!(
                    "invalid verified `{v}`: expected yes or no (or nothing, for both)"
                )))
            }
        };
        let sort = match self.sort.as_str() {
            "" => "name",
            s => match SORTS.iter().find(|(name, _)| *name == s) {
                Some((name, _)) => name,
                None => {
                    return Err(BadQuery(format!(
                        "invalid sort `{s}`: expected name, votes, popularity or rating"
                    )))
                }
            },
        };
        let page = match self.page.as_deref() {
            None | Some("") => 1,
            Some(p) => match p.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(BadQuery(format!(
                        "invalid page `{p}`: expected a number from 1"
                    )))
                }
            },
        };
        Ok(Parsed {
            terms: self.q.split_whitespace().map(str::to_string).collect(),
            platform,
            verified,
            sort,
            page,
        })
    }

    fn matches(&self, p: &Parsed, v: &VariantDoc) -> bool {
        let platform = match p.platform {
            None => true,
            Some((os, None)) => v.platforms.get(&os).is_some_and(|a| !a.is_empty()),
            Some((os, Some(arch))) => v.platforms.get(&os).is_some_and(|a| a.contains(&arch)),
        };
        let search = p.terms.is_empty()
            || crate::catalog::rank_terms(
                &crate::catalog::Searchable {
                    variant: &v.id,
                    worker: &v.worker,
                    name: &v.name,
                    tags: &v.tags,
                    description: &v.description,
                    capabilities: &v.capabilities,
                },
                &p.terms,
            )
            .is_some();
        platform
            && search
            && (self.backend.is_empty() || v.feature == self.backend)
            && p.verified.is_none_or(|want| v.source.verified == want)
    }

    /// This query's URL on page `page`, for the pager.
    fn with_page(&self, home: &str, page: usize) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("platform", &self.platform),
            ("backend", &self.backend),
            ("verified", &self.verified),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            home.to_string()
        } else {
            format!("{home}?{q}")
        }
    }
}

#[derive(Serialize)]
struct Chrome {
    title: String,
    home: String,
    stylesheet: String,
    json: String,
    exported: bool,
}

impl Chrome {
    fn new(site: &Site, title: String, json: String) -> Chrome {
        Chrome {
            title,
            home: site.home(),
            stylesheet: site.stylesheet(),
            json,
            exported: site.exported,
        }
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(values: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

#[derive(Serialize)]
struct Community {
    votes: String,
    rating: String,
    popularity: Option<String>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn community(c: Option<&CommunityDoc>) -> Community {
    let votes = match c.map_or(0, |c| c.votes) {
        0 => "no votes yet".to_string(),
        n => plural(n, "vote", "votes"),
    };
    let rating = match c.and_then(|c| c.rating.average.map(|a| (a, c.rating.count))) {
        Some((average, count)) if count > 0 => {
            format!("★ {average:.1} ({})", plural(count, "rating", "ratings"))
        }
        _ => "not rated yet".to_string(),
    };
    Community {
        votes,
        rating,
        popularity: c
            .filter(|c| c.votes > 0)
            .map(|c| format!("popularity {:.2}", c.popularity)),
    }
}

fn platform_names(v: &VariantDoc) -> Vec<String> {
    v.platforms
        .iter()
        .flat_map(|(os, arches)| arches.iter().map(move |a| format!("{os}/{a}")))
        .collect()
}

#[derive(Serialize)]
struct Badge {
    feature: String,
    title: String,
    default: bool,
}

#[derive(Serialize)]
struct Card {
    id: String,
    name: String,
    description: String,
    version: String,
    url: String,
    verified: bool,
    variants: Vec<Badge>,
    community: Community,
}

#[derive(Serialize)]
struct CatalogPage {
    page: Chrome,
    searchable: bool,
    q: String,
    platforms: Vec<Choice>,
    backends: Vec<Choice>,
    verified: Vec<Choice>,
    sorts: Vec<Choice>,
    total: usize,
    first: usize,
    last: usize,
    workers_in_catalog: usize,
    cards: Vec<Card>,
    previous: Option<String>,
    next: Option<String>,
    page_number: usize,
    pages: usize,
}

/// One worker's variants, in id order, from documents in any order.
fn by_worker(docs: &[VariantDoc]) -> BTreeMap<&str, Vec<&VariantDoc>> {
    let mut out: BTreeMap<&str, Vec<&VariantDoc>> = BTreeMap::new();
    for d in docs {
        out.entry(d.worker.as_str()).or_default().push(d);
    }
    for variants in out.values_mut() {
        variants.sort_by(|a, b| a.id.cmp(&b.id));
    }
    out
}

/// The document that speaks for a worker: its default variant, else its first.
fn lead<'d>(variants: &[&'d VariantDoc]) -> &'d VariantDoc {
    variants.iter().find(|v| v.default).unwrap_or(&variants[0])
}

/// The catalog page for `query`: `Err(BadQuery)` for a value the form cannot send. The
/// export renders it with the default query and every worker on one page.
pub fn catalog_page(
    docs: &[VariantDoc],
    query: &PageQuery,
    site: &Site,
) -> Result<Result<String, BadQuery>, Error> {
    let parsed = match query.parse() {
        Ok(p) => p,
        Err(bad) => return Ok(Err(bad)),
    };
    let workers = by_worker(docs);
    let mut shown: Vec<&Vec<&VariantDoc>> = workers
        .values()
        .filter(|vs| vs.iter().any(|v| query.matches(&parsed, v)))
        .collect();
    let count = |vs: &Vec<&VariantDoc>, f: fn(&CommunityDoc) -> f64| {
        lead(vs).community.as_ref().map_or(0.0, f)
    };
    let average = |vs: &Vec<&VariantDoc>| {
        lead(vs)
            .community
            .as_ref()
            .and_then(|c| c.rating.average)
            .unwrap_or(-1.0)
    };
    let name_key = |vs: &Vec<&VariantDoc>| (lead(vs).name.to_lowercase(), lead(vs).worker.clone());
    shown.sort_by(|a, b| {
        let by: std::cmp::Ordering = match parsed.sort {
            "votes" => count(b, |c| c.votes as f64).total_cmp(&count(a, |c| c.votes as f64)),
            "popularity" => count(b, |c| c.popularity).total_cmp(&count(a, |c| c.popularity)),
            // Unrated (no registry, or nobody rated it) after every rated worker.
            "rating" => average(b).total_cmp(&average(a)).then_with(|| {
                count(b, |c| c.rating.count as f64).total_cmp(&count(a, |c| c.rating.count as f64))
            }),
            _ => std::cmp::Ordering::Equal,
        };
        by.then_with(|| name_key(a).cmp(&name_key(b)))
    });
    let total = shown.len();
    let size = if site.exported {
        total.max(1)
    } else {
        PAGE_SIZE
    };
    let pages = total.div_ceil(size).max(1);
    let page_number = parsed.page.min(pages);
    let start = (page_number - 1) * size;
    let cards: Vec<Card> = shown
        .iter()
        .skip(start)
        .take(size)
        .map(|vs| {
            let d = lead(vs);
            Card {
                id: d.worker.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                version: d.version.clone(),
                url: site.worker(&d.worker),
                verified: d.source.verified,
                variants: vs
                    .iter()
                    .map(|v| Badge {
                        feature: v.feature.clone(),
                        title: format!("{}: {}", v.id, platform_names(v).join(", ")),
                        default: v.default,
                    })
                    .collect(),
                community: community(d.community.as_ref()),
            }
        })
        .collect();
    let mut platforms: Vec<(String, String)> = vec![(String::new(), "Any platform".into())];
    let mut seen = std::collections::BTreeSet::new();
    for d in docs {
        for (os, arches) in &d.platforms {
            seen.insert(os.to_string());
            for a in arches {
                seen.insert(format!("{os}/{a}"));
            }
        }
    }
    platforms.extend(seen.into_iter().map(|p| (p.clone(), p)));
    let mut backends: Vec<String> = docs.iter().map(|d| d.feature.clone()).collect();
    backends.sort();
    backends.dedup();
    let home = site.home();
    let page = CatalogPage {
        page: Chrome::new(site, "Worker catalog".into(), site.catalog_json()),
        searchable: !site.exported,
        q: query.q.clone(),
        platforms: choices(platforms, &query.platform),
        backends: choices(
            std::iter::once((String::new(), "Any backend".to_string()))
                .chain(backends.into_iter().map(|b| (b.clone(), b))),
            &query.backend,
        ),
        verified: choices(
            [
                ("", "Verified or not"),
                ("yes", "Verified only"),
                ("no", "Unverified only"),
            ]
            .map(|(v, l)| (v.to_string(), l.to_string())),
            &query.verified,
        ),
        sorts: choices(
            SORTS.iter().map(|(v, l)| (v.to_string(), l.to_string())),
            parsed.sort,
        ),
        total,
        first: if total == 0 { 0 } else { start + 1 },
        last: start + cards.len(),
        workers_in_catalog: workers.len(),
        cards,
        previous: (page_number > 1).then(|| query.with_page(&home, page_number - 1)),
        next: (page_number < pages).then(|| query.with_page(&home, page_number + 1)),
        page_number,
        pages,
    };
    Engine::new(Vec::new())
        .render("html/catalog.html.j2", &page)
        .map(Ok)
}

#[derive(Serialize)]
struct Link {
    label: String,
    url: Option<String>,
    missing: Option<String>,
}

#[derive(Serialize)]
struct Row {
    id: String,
    feature: String,
    default: bool,
    platforms: Vec<String>,
    binary: String,
    installed_name: String,
    depends: Vec<String>,
    makedepends: Vec<String>,
    install: String,
    json: String,
    links: Vec<Link>,
}

#[derive(Serialize)]
struct Capability {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct Review {
    user: String,
    stars: String,
    label: String,
    review: String,
    time: String,
}

#[derive(Serialize)]
struct WorkerPage {
    page: Chrome,
    id: String,
    name: String,
    description: String,
    version: String,
    license: Option<String>,
    /// Only an http(s) homepage is a link; anything else is shown as text.
    homepage_link: Option<String>,
    homepage_text: Option<String>,
    tags: Vec<Link>,
    verified: bool,
    source: String,
    install: String,
    capabilities: Vec<Capability>,
    variants: Vec<Row>,
    community: Community,
    reviews: Vec<Review>,
}

fn packages(p: &crate::manifest::Packages) -> Vec<String> {
    let mut out: Vec<String> = p.arch.iter().map(|x| format!("arch: {x}")).collect();
    out.extend(p.brew.iter().map(|x| format!("brew: {x}")));
    out.extend(p.workers.iter().map(|x| format!("worker: {x}")));
    out
}

/// The page of the worker whose variants are `variants` (non-empty, one worker's), linking
/// the files in `offers`, with `reviews` newest first.
pub fn worker_page(
    variants: &[VariantDoc],
    offers: &[Offer],
    reviews: &[ReviewDoc],
    site: &Site,
) -> Result<String, Error> {
    let all: Vec<&VariantDoc> = variants.iter().collect();
    let Some(first) = all.first() else {
        return Err(Error::Template {
            message: "a worker page needs at least one variant".into(),
        });
    };
    let d = lead(&all);
    let homepage = d.homepage.clone();
    let rows = by_worker(variants)
        .remove(first.worker.as_str())
        .unwrap_or_default()
        .into_iter()
        .map(|v| Row {
            id: v.id.clone(),
            feature: v.feature.clone(),
            default: v.default,
            platforms: platform_names(v),
            binary: v.binary.clone(),
            installed_name: v.installed_name.clone(),
            depends: packages(&v.depends),
            makedepends: packages(&v.makedepends),
            install: format!("rbee-workers install {}", v.id),
            json: site.variant_json(&v.id),
            links: offers
                .iter()
                .filter(|o| o.variant == v.id)
                .map(|o| Link {
                    label: format!("{} {}", o.flavor, o.file.label()),
                    url: o
                        .missing
                        .is_none()
                        .then(|| site.file(&v.id, o.file, o.flavor)),
                    missing: o.missing.clone(),
                })
                .collect(),
        })
        .collect();
    let page = WorkerPage {
        page: Chrome::new(
            site,
            format!("{} ({})", d.name, d.worker),
            site.worker_json(&d.worker, &d.id),
        ),
        id: d.worker.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        version: d.version.clone(),
        license: d.license.clone(),
        homepage_link: homepage.clone().filter(|h| is_web(h)),
        homepage_text: homepage.filter(|h| !is_web(h)),
        // A tag finds the workers that carry it (on the served catalog, which can search).
        tags: d
            .tags
            .iter()
            .map(|t| Link {
                label: t.clone(),
                url: (!site.exported).then(|| {
                    PageQuery {
                        q: t.clone(),
                        ..Default::default()
                    }
                    .with_page(&site.home(), 1)
                }),
                missing: None,
            })
            .collect(),
        verified: d.source.verified,
        source: d.source.name.clone(),
        install: format!("rbee-workers install {}", d.worker),
        capabilities: d
            .capabilities
            .iter()
            .map(|(k, v)| Capability {
                key: k.clone(),
                value: match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            })
            .collect(),
        variants: rows,
        community: community(d.community.as_ref()),
        reviews: reviews
            .iter()
            .map(|r| Review {
                user: r.user.clone(),
                stars: "★".repeat(r.stars.min(5) as usize)
                    + &"☆".repeat(5 - r.stars.min(5) as usize),
                label: format!("{} out of 5 stars", r.stars.min(5)),
                review: r.review.clone(),
                time: r.time.clone(),
            })
            .collect(),
    };
    Engine::new(Vec::new()).render("html/worker.html.j2", &page)
}

/// An absolute http(s) URL, the only kind of homepage a page links.
fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && linkable(url)
}

#[derive(Serialize)]
struct ErrorPage {
    page: Chrome,
    heading: String,
    message: String,
    suggestions: Vec<Link>,
}

/// A page for an unknown worker (with the closest ids as links) or a bad query.
pub fn error_page(
    heading: &str,
    message: &str,
    suggestions: &[String],
    site: &Site,
) -> Result<String, Error> {
    let page = ErrorPage {
        page: Chrome::new(site, heading.to_string(), site.catalog_json()),
        heading: heading.to_string(),
        message: message.to_string(),
        suggestions: suggestions
            .iter()
            .map(|s| Link {
                label: s.clone(),
                url: Some(site.worker(s)),
                missing: None,
            })
            .collect(),
    };
    Engine::new(Vec::new()).render("html/error.html.j2", &page)
}

/// The one stylesheet of every page.
pub const STYLESHEET: &str = include_str!("core/render/templates/html/style.css");
