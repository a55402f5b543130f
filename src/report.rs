//! Everything the user reads: the JSON documents of DESIGN section 7 (report structs kept
//! apart from the internal types) and the human tables. Nothing else writes stdout.

use crate::catalog::{Source, Variant, Worker};
use crate::detect::Detection;
use crate::error::Error;
use crate::manifest::{Packages, Platforms};
use crate::problem::{Problem, Severity};
use anstyle::{AnsiColor, Style};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

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
    pub installed: Option<InstalledDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<bool>,
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
            locked: w.krate.lockfile.is_some(),
        },
        installed: None,
        recommended: None,
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

#[derive(Debug, Serialize)]
pub struct AlsoIn {
    pub source: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct Recommendation {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct DetectDoc<'a> {
    pub schema: u32,
    #[serde(flatten)]
    pub detection: &'a Detection,
}

#[derive(Debug, Serialize)]
struct ErrorDoc<'a> {
    schema: u32,
    error: ErrorBody<'a>,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    kind: &'static str,
    message: String,
    exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    suggestions: &'a [String],
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

pub fn print_json<T: Serialize>(doc: &T) -> std::io::Result<()> {
    let mut s = serde_json::to_string_pretty(doc).expect("report types always serialize");
    s.push('\n');
    print(&s)
}

const BOLD: Style = Style::new().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();
const BLUE: Style = AnsiColor::Blue.on_default().bold();

fn paint(style: Style, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// Problems go to stderr, rustc style: `warning: message` then `  --> path:line:col`.
/// One diagnostic on stderr, rustc style: `label: message`, `--> location`, `= help: …`.
fn diagnostic(
    err: &mut impl Write,
    (style, label): (Style, &str),
    message: &str,
    location: Option<&str>,
    help: Option<&str>,
) {
    let _ = writeln!(err, "{}: {message}", paint(style, label));
    if let Some(loc) = location {
        let _ = writeln!(err, "  {} {loc}", paint(BLUE, "-->"));
    }
    if let Some(h) = help {
        let _ = writeln!(err, "   {} help: {h}", paint(BLUE, "="));
    }
}

pub fn print_problems(problems: &[Problem]) {
    let mut err = anstream::stderr().lock();
    for p in problems {
        // In a listing even an error only skips one worker, so it is reported as a warning.
        let skipped = match p.severity {
            Severity::Error => " (worker skipped)",
            Severity::Warning => "",
        };
        let message = format!("{}{skipped}", p.message);
        diagnostic(
            &mut err,
            (YELLOW, "warning"),
            &message,
            Some(&p.location()),
            p.help.as_deref(),
        );
    }
}

pub fn print_error(e: &Error, json: bool) {
    // A failure whose report is already on stdout gets no second document.
    if json && !matches!(e, Error::Reported(_) | Error::GateFailed) {
        let suggestions = match e {
            Error::NotFound { suggestions, .. } | Error::NotInstalled { suggestions, .. } => {
                suggestions.as_slice()
            }
            _ => &[],
        };
        let doc = ErrorDoc {
            schema: SCHEMA,
            error: ErrorBody {
                kind: e.kind(),
                message: e.to_string(),
                exit_code: e.exit_code(),
                location: e.location(),
                help: e.help(),
                suggestions,
            },
        };
        let _ = print_json(&doc);
    }
    let mut err = anstream::stderr().lock();
    let (location, help) = (e.location(), e.help());
    diagnostic(
        &mut err,
        (RED, "error"),
        &e.to_string(),
        location.as_deref(),
        help.as_deref(),
    );
}

pub fn platforms_text(p: &Platforms) -> String {
    if p.is_empty() {
        return "none".into();
    }
    p.iter()
        .map(|(os, arches)| {
            let a: Vec<&str> = arches.iter().map(|a| a.as_str()).collect();
            format!("{os}/{}", a.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An aligned table; `cells` are (plain text, style) so widths ignore escape codes.
fn table(header: &[&str], rows: &[Vec<(String, Style)>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, (c, _)) in r.iter().enumerate().take(n - 1) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<(String, Style)>, out: &mut String| {
        let last = cells.len() - 1;
        for (i, (c, style)) in cells.into_iter().enumerate() {
            let pad = if i == last {
                0
            } else {
                widths[i] - c.chars().count() + 2
            };
            out.push_str(&paint(style, &c));
            out.push_str(&" ".repeat(pad));
        }
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(
        header.iter().map(|h| (h.to_string(), BOLD)).collect(),
        &mut out,
    );
    for r in rows {
        line(r.clone(), &mut out);
    }
    out
}

fn marks(w: &Worker) -> String {
    if w.verified() {
        String::new()
    } else {
        " [unverified]".into()
    }
}

pub fn variants_table(rows: &[(&Worker, &Variant)]) -> String {
    let rows: Vec<Vec<(String, Style)>> = rows
        .iter()
        .map(|(w, v)| {
            vec![
                (v.id.clone(), BOLD),
                (w.version.to_string(), GREEN),
                (platforms_text(&v.platforms), CYAN),
                (format!("{}{}", w.description, marks(w)), Style::new()),
            ]
        })
        .collect();
    table(&["ID", "VERSION", "PLATFORMS", "DESCRIPTION"], &rows)
}

/// `list --installed`, like `pacman -Q`: the installed version, and the catalog's when newer.
pub fn installed_table(rows: &[(&Worker, &Variant, &crate::db::Record)]) -> String {
    let rows: Vec<Vec<(String, Style)>> = rows
        .iter()
        .map(|(w, v, r)| {
            let catalog = w.version.to_string();
            let update = if catalog != r.version {
                format!(" -> {catalog}")
            } else {
                String::new()
            };
            let path = r
                .files
                .first()
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            vec![
                (v.id.clone(), BOLD),
                (format!("{}{update}", r.version), GREEN),
                (format!("{} ({})", r.backend, r.source), Style::new()),
                (path, CYAN),
            ]
        })
        .collect();
    table(&["ID", "VERSION", "BACKEND (SOURCE)", "PATH"], &rows)
}

fn field(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!(
        "{}{} : {value}\n",
        paint(BOLD, key),
        " ".repeat(15usize.saturating_sub(key.len()))
    ));
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "None".into()
    } else {
        items.join("  ")
    }
}

/// `info VARIANT`, laid out like `pacman -Si`.
pub fn variant_info(w: &Worker, v: &Variant) -> String {
    let mut out = String::new();
    field(&mut out, "ID", &paint(BOLD, &v.id));
    field(&mut out, "Worker", &format!("{} ({})", w.id, w.name));
    field(
        &mut out,
        "Feature",
        &format!(
            "{}{}",
            v.feature,
            if v.feature == w.default_feature {
                " (default)"
            } else {
                ""
            }
        ),
    );
    field(&mut out, "Version", &paint(GREEN, &w.version.to_string()));
    field(&mut out, "Description", &w.description);
    worker_fields(&mut out, w);
    field(&mut out, "Binary", &v.binary);
    field(&mut out, "Installed name", &v.installed_name);
    field(&mut out, "Platforms", &platforms_text(&v.platforms));
    field(&mut out, "Depends (arch)", &list_or_none(&v.depends.arch));
    field(
        &mut out,
        "Makedeps (arch)",
        &list_or_none(&v.makedepends.arch),
    );
    field(&mut out, "Depends (brew)", &list_or_none(&v.depends.brew));
    out
}

fn worker_fields(out: &mut String, w: &Worker) {
    field(out, "License", w.license.as_deref().unwrap_or("None"));
    field(out, "Homepage", w.homepage.as_deref().unwrap_or("None"));
    field(out, "Tags", &list_or_none(&w.tags));
    let caps: Vec<String> = w
        .capabilities
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    field(out, "Capabilities", &list_or_none(&caps));
    field(
        out,
        "Source",
        &format!(
            "{} ({}) {}",
            w.source.name, w.source.location, w.upstream.subdir
        ),
    );
    let verified = if w.verified() {
        "yes".to_string()
    } else {
        paint(YELLOW, "no (reviewed before building)")
    };
    field(out, "Verified", &verified);
}

/// `info WORKER`: the worker, then its variants with the recommended one marked.
pub fn worker_info(w: &Worker, recommended: Option<(&Variant, &str)>) -> String {
    let mut out = String::new();
    field(
        &mut out,
        "Worker",
        &format!("{} ({})", paint(BOLD, &w.id), w.name),
    );
    field(&mut out, "Version", &paint(GREEN, &w.version.to_string()));
    field(&mut out, "Description", &w.description);
    worker_fields(&mut out, w);
    out.push('\n');
    let rows: Vec<Vec<(String, Style)>> = w
        .variants
        .iter()
        .map(|v| {
            let mut note = Vec::new();
            if v.feature == w.default_feature {
                note.push("default".to_string());
            }
            if recommended.is_some_and(|(r, _)| r.id == v.id) {
                note.push("recommended".to_string());
            }
            let note_style = if note.iter().any(|n| n == "recommended") {
                GREEN
            } else {
                Style::new()
            };
            vec![
                (v.id.clone(), BOLD),
                (v.installed_name.clone(), Style::new()),
                (platforms_text(&v.platforms), CYAN),
                (note.join(", "), note_style),
            ]
        })
        .collect();
    out.push_str(&table(&["VARIANT", "BINARY", "PLATFORMS", "NOTE"], &rows));
    match recommended {
        Some((v, why)) => out.push_str(&format!(
            "\n{} {} ({why})\n",
            paint(GREEN, "==> recommended here:"),
            v.id
        )),
        None => out.push_str("\nno variant of this worker runs on this machine\n"),
    }
    out
}

pub fn detect_text(d: &Detection) -> String {
    let mut out = String::new();
    field(&mut out, "Platform", &format!("{}/{}", d.os, d.arch));
    if d.gpus.is_empty() {
        field(&mut out, "GPUs", "none detected");
    }
    for g in &d.gpus {
        field(
            &mut out,
            "GPU",
            &format!("{} [{}] (via {})", g.name, g.vendor, g.evidence),
        );
    }
    if let Some(o) = &d.overridden_by {
        field(&mut out, "Override", &format!("RBEE_WORKERS_GPU={o}"));
    }
    field(&mut out, "Backends", &d.backends.join(" > "));
    out
}

/// `check`'s report for people: every problem, then what was checked.
pub fn print_check(r: &crate::check::Report) {
    let mut err = anstream::stderr().lock();
    for p in &r.problems {
        let label = match p.severity {
            Severity::Error => (RED, "error"),
            Severity::Warning => (YELLOW, "warning"),
        };
        diagnostic(
            &mut err,
            label,
            &p.message,
            Some(&p.location()),
            p.help.as_deref(),
        );
    }
    let errors = r.problems.iter().filter(|p| p.is_error()).count();
    let warnings = r.problems.len() - errors;
    let mut line = format!(
        "checked {} workers, {} variants, {} renders: {errors} errors, {warnings} warnings",
        r.checked.workers, r.checked.variants, r.checked.renders
    );
    if !r.skipped.is_empty() {
        line.push_str(&format!("; skipped: {}", r.skipped.join(", ")));
    }
    let _ = writeln!(
        err,
        "{}",
        paint(if errors == 0 { GREEN } else { RED }, &line)
    );
}
