//! Everything the user reads, and the one place that writes to the terminal: the output
//! mode is decided once (`init`, from `main`) — human, JSON or quiet — and notes, warnings,
//! progress, prompts, tables and documents all go through here. The JSON documents
//! themselves live in `wire`.

use crate::catalog::{Variant, Worker};
use crate::detect::Detection;
use crate::error::Error;
use crate::manifest::Platforms;
use crate::problem::{Problem, Severity};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

mod layout;

/// The output mode, decided once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub json: bool,
    /// -1 and below: quiet; 0: normal; 1 and above: verbose.
    pub verbosity: i8,
}

static MODE: OnceLock<Mode> = OnceLock::new();

/// Decides the output mode for the whole process. Library callers that never call it get
/// a quiet reporter (nothing on stderr but errors they print themselves).
pub fn init(json: bool, verbosity: i8, color: crate::kinds::Color) {
    match color {
        crate::kinds::Color::Always => anstream::ColorChoice::Always.write_global(),
        crate::kinds::Color::Never => anstream::ColorChoice::Never.write_global(),
        crate::kinds::Color::Auto => {}
    }
    let _ = MODE.set(Mode { json, verbosity });
}

pub fn mode() -> Mode {
    MODE.get().copied().unwrap_or(Mode {
        json: false,
        verbosity: -1,
    })
}

/// A status line on stderr (`removed …`, `==> build …`), unless `--quiet`.
pub fn say(line: &str) {
    if mode().verbosity >= 0 {
        let _ = writeln!(anstream::stderr().lock(), "{}", arrow(&inert(line)));
    }
}

/// A `==> message` line coloured as makepkg colours its own: a green bold `==>`, the
/// message bold. anstream drops the colour off a terminal, under NO_COLOR and with
/// `--color never`.
pub fn arrow(line: &str) -> String {
    match line.strip_prefix("==> ") {
        Some(message) => format!("{} {}", paint(GREEN, "==>"), paint(BOLD, message)),
        None => line.to_string(),
    }
}

/// Text for a human on stderr, unless `--quiet` or `--json` (hints, `note: …`, summaries).
pub fn note(line: &str) {
    let m = mode();
    if m.verbosity >= 0 && !m.json {
        let _ = writeln!(anstream::stderr().lock(), "{}", inert(line));
    }
}

/// A warning on stderr, unless `--quiet` or `--json` (where it is in the document).
pub fn warn(message: &str) {
    let m = mode();
    if m.verbosity >= 0 && !m.json {
        let mut err = anstream::stderr().lock();
        diagnostic(&mut err, (YELLOW, "warning"), message, None, None);
    }
}

/// A line shown only with `--verbose` (a build's own output, streamed).
pub fn verbose(line: &str) {
    if mode().verbosity > 0 {
        let _ = writeln!(anstream::stderr().lock(), "{}", inert(line));
    }
}

/// A block of text shown before a question (the review of an unverified worker), always:
/// what the user is asked to approve must be visible.
pub fn show(text: &str) {
    let _ = write!(anstream::stderr().lock(), "{}", inert(text));
}

/// Whether stderr is a terminal a person watches (progress bars, prompts).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal() && std::io::stdin().is_terminal()
}

/// A spinner for a long step, drawn only on a terminal at normal verbosity.
pub fn spinner(label: &str) -> indicatif::ProgressBar {
    let m = mode();
    if m.verbosity != 0 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {wide_msg}")
            .expect("valid template"),
    );
    bar.set_prefix(inert(label).into_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A download progress bar on a terminal; elsewhere one `downloading URL` line.
pub fn download_bar(url: &str, len: Option<u64>, quiet: bool) -> indicatif::ProgressBar {
    let m = mode();
    if m.verbosity < 0 || quiet {
        return indicatif::ProgressBar::hidden();
    }
    if !std::io::stderr().is_terminal() {
        say(&format!("downloading {url}"));
        return indicatif::ProgressBar::hidden();
    }
    let bar = len.map_or_else(
        indicatif::ProgressBar::no_length,
        indicatif::ProgressBar::new,
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(format!("downloading {}", inert(url)));
    bar
}

/// Asks a yes/no question on the terminal, Enter answering `default` (`[Y/n]` or `[y/N]`).
/// Without a terminal there is no one to ask: that is an error whose help says how to
/// answer in advance (`--noconfirm`).
pub fn confirm(prompt: &str, default: bool, no_terminal: Error) -> crate::error::Result<bool> {
    if !interactive() {
        return Err(no_terminal);
    }
    dialoguer::Confirm::new()
        .with_prompt(inert(prompt))
        .default(default)
        .interact()
        .map_err(|e| Error::Prompt(e.to_string()))
}

/// Asks for a secret on the terminal, without echoing it.
pub fn secret(prompt: &str) -> crate::error::Result<String> {
    dialoguer::Password::new()
        .with_prompt(inert(prompt))
        .interact()
        .map_err(|e| Error::Prompt(e.to_string()))
}

/// `4.6 (12)` as `paru -Si` shows a rating, or `None (0)`.
pub fn rating_text(average: Option<f64>, count: u64) -> String {
    match average {
        Some(a) => format!("{a:.1} ({count})"),
        None => format!("None ({count})"),
    }
}

/// `1 worker`, `2 workers`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Asks for a value on the terminal, offering `default` (Enter takes it).
pub fn ask(prompt: &str, default: &str) -> crate::error::Result<String> {
    dialoguer::Input::<String>::new()
        .with_prompt(inert(prompt))
        .default(default.to_string())
        .interact_text()
        .map_err(|e| Error::Prompt(e.to_string()))
}

/// What a command answers: one JSON document for `--json`, text for a person (stdout), a
/// note for a person (stderr), and the error the command ends with after answering (a
/// failed gate, a sync that could not reach a source).
#[derive(Debug, Default)]
pub struct Answer {
    /// The JSON document, rendered (pretty) when the mode is `--json`, else empty: a large
    /// listing goes straight from its types to text, never through a `serde_json::Value`.
    json: Option<String>,
    pub text: String,
    pub note: Option<String>,
    pub then: Option<Error>,
}

impl Answer {
    pub fn new(doc: &impl Serialize, text: impl Into<String>) -> Answer {
        Answer {
            json: (mode().json || cfg!(test)).then(|| json_text(doc)),
            text: text.into(),
            note: None,
            then: None,
        }
    }

    /// [`Answer::new`] for a catalog document: the same bytes, its variants written on the
    /// available cores.
    pub fn catalog(doc: &crate::wire::CatalogDoc, text: impl Into<String>) -> Answer {
        Answer {
            json: (mode().json || cfg!(test)).then(|| {
                String::from_utf8(crate::wire::pretty_catalog(doc)).expect("JSON is UTF-8")
            }),
            text: text.into(),
            note: None,
            then: None,
        }
    }

    /// The JSON document as a value (tests look into it), whatever the mode.
    pub fn json(&self) -> serde_json::Value {
        self.json
            .as_deref()
            .map(|t| serde_json::from_str(t).expect("rendered from a document"))
            .unwrap_or_default()
    }

    /// Nothing to print (the command reported as it went).
    pub fn nothing() -> Answer {
        Answer::default()
    }

    pub fn note(mut self, note: impl Into<String>) -> Answer {
        self.note = Some(note.into());
        self
    }

    pub fn then(mut self, e: Error) -> Answer {
        self.then = Some(e);
        self
    }
}

/// Prints an answer the way the mode says, then returns the error it ends with.
pub fn answer(a: Answer) -> crate::error::Result<()> {
    if mode().json {
        if let Some(text) = &a.json {
            print_raw(text).map_err(|e| Error::io("write", "stdout", e))?;
        }
    } else {
        if let Some(n) = &a.note {
            note(n);
        }
        if !a.text.is_empty() {
            out(&a.text)?;
        }
    }
    match a.then {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Writes text for a person to stdout, every control character but our colours inert.
pub fn out(text: &str) -> crate::error::Result<()> {
    print(&inert(text)).map_err(|e| Error::io("write", "stdout", e))
}

/// Writes a file's text (a PKGBUILD, a formula) to stdout: byte for byte into a pipe or a
/// file, with control characters made inert on a terminal.
pub fn artifact(text: &str) -> crate::error::Result<()> {
    let shown = if std::io::stdout().is_terminal() {
        inert(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    print(&shown).map_err(|e| Error::io("write", "stdout", e))
}

/// `text` with every control character shown as an escape (`\u{1b}`), so a value from a
/// manifest, an index or a server can neither clear the screen, set the title, move the
/// cursor nor hide what follows (`\r`). Kept as they are: newlines, tabs, and colour (SGR)
/// sequences, `ESC [ digits;… m`, which is all this program writes; a colour in a value can
/// only recolour text, never hide or rewrite it.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(is_bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' {
            if let Some(len) = sgr_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if is_bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// The length of the SGR sequence `ESC [ [0-9;:]* m` that `s` starts with.
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\u{1b}[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// Writes one JSON document to stdout.
pub fn json<T: Serialize>(doc: &T) -> crate::error::Result<()> {
    print_json(doc).map_err(|e| Error::io("write", "stdout", e))
}

/// Writes bytes to stdout as they are (completion scripts).
pub fn out_bytes(bytes: &[u8]) -> crate::error::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| Error::io("write", "stdout", e)),
    }
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
    print_raw(&json_text(doc))
}

/// A document as pretty JSON and a newline.
fn json_text<T: Serialize + ?Sized>(doc: &T) -> String {
    let mut out = serde_json::to_string_pretty(doc).expect("report types always serialize");
    out.push('\n');
    out
}

/// Writes JSON to stdout as it is: serde_json escapes every control character, so there is
/// nothing for anstream to strip (which, for a 50 MB listing, cost a tenth of the run).
fn print_raw(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
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
    let _ = writeln!(err, "{}: {}", paint(style, label), inert(message));
    if let Some(loc) = location {
        let _ = writeln!(err, "  {} {}", paint(BLUE, "-->"), inert(loc));
    }
    if let Some(h) = help {
        let _ = writeln!(err, "   {} help: {}", paint(BLUE, "="), inert(h));
    }
}

/// The problems of a catalog load, as warnings on stderr (human mode, not `--quiet`): in a
/// listing even an error only skips one worker.
pub fn problems(problems: &[Problem]) {
    let m = mode();
    if m.verbosity >= 0 && !m.json {
        print_problems(problems);
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
            Some(&shown_location(p)),
            p.help.as_deref(),
        );
    }
}

/// `path:line:col` as a person reads it: the path relative to the working directory when it
/// lies under it (`bin/foo/worker.toml:3:7`, as the README shows), else as it is. `--json`
/// keeps the absolute `path` its schema documents.
fn shown_location(p: &Problem) -> String {
    static CWD: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    crate::problem::location(&relative_to(cwd.as_deref(), &p.path), p.line, p.column)
}

/// `path` relative to `cwd` when it lies under it; `/` counts as no working directory.
fn relative_to<'p>(
    cwd: Option<&std::path::Path>,
    path: &'p std::path::Path,
) -> std::borrow::Cow<'p, std::path::Path> {
    match cwd
        .filter(|c| c.parent().is_some())
        .map(|c| path.strip_prefix(c))
    {
        Some(Ok(rest)) if rest.as_os_str().is_empty() => std::path::Path::new(".").into(),
        Some(Ok(rest)) => rest.into(),
        _ => path.into(),
    }
}

pub fn print_error(e: &Error, json: bool) {
    // A failure whose report is already on stdout gets no second document.
    if json && !matches!(e, Error::Reported(_) | Error::GateFailed) {
        let suggestions = match e {
            Error::NotFound { suggestions, .. }
            | Error::NotInstalled { suggestions, .. }
            | Error::UnknownSource { suggestions, .. } => suggestions.as_slice(),
            _ => &[],
        };
        let doc = crate::wire::ErrorDoc {
            schema: crate::wire::SCHEMA,
            error: crate::wire::ErrorBody {
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
    let location = match e {
        Error::Located(p) => Some(shown_location(p)),
        Error::BrokenWorker(p) => Some(shown_location(p)),
        _ => e.location(),
    };
    let help = e.help();
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

/// A table row: (plain text, style) per cell.
type Row = Vec<(String, Style)>;

/// The widths of every column but the last (which is never padded).
fn column_widths(header: &[&str], rows: &[Vec<(String, Style)>]) -> Vec<usize> {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, (c, _)) in r.iter().enumerate().take(n - 1) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    widths
}

/// An aligned table; `cells` are (plain text, style) so widths ignore escape codes.
fn table(header: &[&str], rows: &[Vec<(String, Style)>]) -> String {
    let widths = column_widths(header, rows);
    let mut out = String::new();
    table_line(&header_row(header), &widths, &mut out);
    for r in rows {
        table_line(r, &widths, &mut out);
    }
    out
}

fn header_row(header: &[&str]) -> Row {
    header.iter().map(|h| (h.to_string(), BOLD)).collect()
}

/// One line of a table: each cell but the last padded to its column and two spaces.
fn table_line(cells: &[(String, Style)], widths: &[usize], out: &mut String) {
    let last = cells.len() - 1;
    for (i, (c, style)) in cells.iter().enumerate() {
        out.push_str(&paint(*style, c));
        if i != last {
            out.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
        }
    }
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
}

/// `table` fitted to the terminal, as `pacman -Si` fits a long value: the columns from `from`
/// on (space-separated words) wrap within their columns, each continuation line under its
/// column, the earlier of them widened first; whole when piped or when it fits. When even
/// their longest words do not fit beside the columns before them, each row is those columns
/// on one line and every wrapped one below it, indented.
fn fitted_table(header: &[&str], rows: &[Row], from: usize) -> String {
    let Some(width) = layout::width() else {
        return table(header, rows);
    };
    let mut widths = column_widths(header, rows);
    let longest = |i: usize, words: bool| {
        rows.iter()
            .map(|r| match words {
                true => r[i].0.split_whitespace().map(|w| w.chars().count()).max(),
                false => Some(r[i].0.chars().count()),
            })
            .fold(header[i].chars().count(), |m, w| m.max(w.unwrap_or(0)))
    };
    let last = header.len() - 1;
    if widths[..last].iter().map(|w| w + 2).sum::<usize>() + longest(last, false) <= width {
        return table(header, rows);
    }
    let before: usize = widths[..from].iter().map(|w| w + 2).sum();
    let wrapped = from..header.len();
    let least: usize = wrapped.clone().map(|i| longest(i, true) + 2).sum::<usize>() - 2;
    if before + least > width {
        let mut out = String::new();
        for r in rows {
            let head: Vec<String> = r[..from].iter().map(|(c, st)| paint(*st, c)).collect();
            out.push_str(&head.join("  "));
            for (c, st) in r[from..].iter().filter(|(c, _)| !c.is_empty()) {
                let text = layout::wrap(&layout::words(c), width, 4, 4, " ");
                for l in text.lines() {
                    out.push_str(&format!("\n    {}", paint(*st, l.trim_start())));
                }
            }
            out.push('\n');
        }
        return out;
    }
    // Each wrapped column at its longest word, then widened in order while room is left.
    widths.resize(header.len(), 0);
    let mut room = width - before - least;
    for i in wrapped.clone() {
        let least = longest(i, true);
        let grow = (longest(i, false) - least).min(room);
        widths[i] = least + grow;
        room -= grow;
    }
    let mut out = String::new();
    table_line(&header_row(header), &widths, &mut out);
    for r in rows {
        let cells: Vec<Vec<String>> = r
            .iter()
            .enumerate()
            .map(|(i, (c, _))| match wrapped.contains(&i) {
                true => layout::wrap(&layout::words(c), widths[i], 0, 0, " ")
                    .lines()
                    .map(str::to_string)
                    .collect(),
                false => vec![c.clone()],
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let line: Row = cells
                .iter()
                .zip(r)
                .map(|(c, (_, st))| (c.get(k).cloned().unwrap_or_default(), *st))
                .collect();
            table_line(&line, &widths, &mut out);
        }
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

/// What `list` and `search` show besides each variant's id, version and description.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowOptions {
    /// A SOURCE column (more than one source is configured).
    pub source: bool,
    /// This host, when rows it cannot run are to be marked `[not for this host]`.
    pub host: Option<(crate::manifest::Os, crate::manifest::Arch)>,
}

/// The narrowest description worth keeping on the row before pacman's two-line layout.
const MIN_DESCRIPTION: usize = 20;

/// The variants as rows; `installed` (id → installed version) marks each installed one as
/// `pacman -Ss` does: `[installed]`, or `[installed: OLD]` when another version is. On a
/// terminal the rows fit its width (see `layout`); piped, they are whole.
pub fn variants_table(
    rows: &[(&Worker, &Variant)],
    installed: &std::collections::BTreeMap<String, String>,
    opts: RowOptions,
) -> String {
    // Each row: the cells before the description, the description, its markers.
    let marked: Vec<(Row, String, String)> = rows
        .iter()
        .map(|(w, v)| {
            let mut mark = marks(w);
            match installed.get(&v.id) {
                Some(old) if *old == w.version.to_string() => mark.push_str(" [installed]"),
                Some(old) => mark.push_str(&format!(" [installed: {old}]")),
                None => {}
            }
            if opts.host.is_some_and(|(os, arch)| !v.supports(os, arch)) {
                mark.push_str(" [not for this host]");
            }
            let mut cells = vec![(v.id.clone(), BOLD)];
            if opts.source {
                cells.push((w.source.name.clone(), BLUE));
            }
            cells.push((w.version.to_string(), GREEN));
            cells.push((platforms_text(&v.platforms), CYAN));
            (cells, w.description.clone(), mark)
        })
        .collect();
    let mut header = vec!["ID"];
    if opts.source {
        header.push("SOURCE");
    }
    header.extend(["VERSION", "PLATFORMS", "DESCRIPTION"]);
    let whole = |cut: Option<usize>| -> Vec<Vec<(String, Style)>> {
        marked
            .iter()
            .map(|(cells, desc, mark)| {
                let desc = match cut {
                    Some(room) => layout::truncate(desc, room.saturating_sub(mark.chars().count())),
                    None => desc.clone(),
                };
                let mut row = cells.clone();
                row.push((
                    format!("{desc}{mark}").trim_start().to_string(),
                    Style::new(),
                ));
                row
            })
            .collect()
    };
    let rows = whole(None);
    let Some(width) = layout::width() else {
        return table(&header, &rows);
    };
    let widths = column_widths(&header, &rows);
    let before: usize = widths[..widths.len() - 1].iter().map(|w| w + 2).sum();
    let longest = rows
        .iter()
        .map(|r| before + r.last().map_or(0, |(c, _)| c.chars().count()))
        .max()
        .unwrap_or(0);
    if longest <= width {
        return table(&header, &rows);
    }
    if before + MIN_DESCRIPTION <= width {
        return table(&header, &whole(Some(width - before)));
    }
    // pacman -Ss: `[source/]id version (platforms) [marks]`, the description indented below.
    let mut out = String::new();
    for (cells, desc, mark) in &marked {
        let mut pieces: Vec<(String, String)> = Vec::new();
        let id = match opts.source {
            true => format!("{}/{}", cells[1].0, cells[0].0),
            false => cells[0].0.clone(),
        };
        pieces.push((id.clone(), paint(BOLD, &id)));
        let rest = &cells[if opts.source { 2 } else { 1 }..];
        pieces.push((rest[0].0.clone(), paint(GREEN, &rest[0].0)));
        let platforms = format!("({})", rest[1].0);
        pieces.push((platforms.clone(), paint(CYAN, &platforms)));
        pieces.extend(layout::words(mark));
        out.push_str(&layout::wrap(&pieces, width, 0, 4, " "));
        out.push_str("\n    ");
        out.push_str(&layout::wrap(&layout::words(desc), width, 4, 4, " "));
        out.push('\n');
    }
    out
}

/// `list --installed`, like `pacman -Q`: the installed version, and the catalog's when newer.
/// `list --installed`: each install (as recorded, with where it came from) and the
/// catalog's newer version, if any; an install whose origin no longer provides it is marked.
pub fn installed_table(rows: &[(String, crate::wire::InstalledDoc, Option<String>)]) -> String {
    let rows: Vec<Vec<(String, Style)>> = rows
        .iter()
        .map(|(id, r, catalog)| {
            let update = match catalog {
                Some(c) if *c != r.version => format!(" -> {c}"),
                _ => String::new(),
            };
            let source = match (&r.origin, r.available) {
                (Some(o), true) => o.source.clone(),
                (Some(o), false) => format!("{}: gone", o.source),
                (None, _) => "origin unknown".into(),
            };
            let reason = match r.reason {
                crate::kinds::Reason::Dependency => " [dependency]",
                crate::kinds::Reason::Explicit => "",
            };
            vec![
                (format!("{id}{reason}"), BOLD),
                (format!("{}{update}", r.version), GREEN),
                (format!("{} ({source})", r.backend), Style::new()),
                (r.path.clone(), CYAN),
            ]
        })
        .collect();
    // A PATH too long for the terminal goes below its row, as info's platforms do.
    fitted_table(&["ID", "VERSION", "BACKEND (SOURCE)", "PATH"], &rows, 3)
}

/// Where a field's value starts (`Key            : value`).
const FIELD: usize = 18;

/// `Key            : value`; on a terminal a plain value too long for it wraps as `pacman -Si`
/// wraps one, each continuation line under the first (at its double spaces when it is a
/// list, else at its spaces).
fn field(out: &mut String, key: &str, value: &str) {
    let wrapped;
    let value = match layout::width() {
        Some(width) if FIELD + value.chars().count() > width && !value.contains(['\n', '\x1b']) => {
            let sep = if value.contains("  ") { "  " } else { " " };
            let pieces: Vec<(String, String)> = value
                .split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| (p.to_string(), p.to_string()))
                .collect();
            wrapped = layout::wrap(&pieces, width, FIELD, FIELD, sep);
            &wrapped
        }
        _ => value,
    };
    out.push_str(&format!(
        "{}{} : {value}\n",
        paint(BOLD, key),
        " ".repeat((FIELD - 3).saturating_sub(key.len()))
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
    field(&mut out, "Depends On", &list_or_none(&v.depends.workers));
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
    out.push_str(&fitted_table(
        &["VARIANT", "BINARY", "PLATFORMS", "NOTE"],
        &rows,
        2,
    ));
    match recommended {
        Some((v, why)) => {
            // Wrapped on a terminal, as the fields are.
            let head = "==> recommended here:";
            let mut pieces = vec![(head.to_string(), paint(GREEN, head))];
            pieces.extend(layout::words(&format!("{} ({why})", v.id)));
            let width = layout::width().unwrap_or(usize::MAX);
            out.push_str(&format!("\n{}\n", layout::wrap(&pieces, width, 0, 4, " ")));
        }
        None => out.push_str("\nno variant of this worker runs on this machine\n"),
    }
    out
}

pub fn detect_text(d: &Detection, backend: &crate::build::BackendChoice) -> String {
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
    field(
        &mut out,
        "Build with",
        &format!("{} ({})", backend.name, backend.reason),
    );
    out
}

/// `check`'s report for people: every problem, then what was checked.
pub fn print_check(r: &crate::wire::CheckDoc) {
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
            Some(&shown_location(p)),
            p.help.as_deref(),
        );
    }
    let errors = r.problems.iter().filter(|p| p.is_error()).count();
    let warnings = r.problems.len() - errors;
    let mut line = format!(
        "checked {}, {}, {}: {}, {}",
        count(r.checked.workers, "worker"),
        count(r.checked.variants, "variant"),
        count(r.checked.renders, "render"),
        count(errors, "error"),
        count(warnings, "warning")
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
