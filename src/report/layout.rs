//! Fitting text to the terminal, as pacman does: the width of stdout when it is a terminal
//! (`COLUMNS` first, then the terminal's own size), none when it is piped (full rows, for
//! scripts and `grep`); a description cut to fit with `…`, or, when even the columns before
//! it do not fit, pacman's two-line layout with the description indented below.

use std::io::IsTerminal;

/// The columns stdout may fill, or None when it is not a terminal.
pub fn width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    Some(columns.unwrap_or_else(|| {
        terminal_size::terminal_size().map_or(80, |(terminal_size::Width(w), _)| usize::from(w))
    }))
}

/// `text` cut to `max` characters, its last one `…` when anything was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

/// Pieces (plain text, already painted text) laid out greedily in lines of at most `width`
/// columns, separated by `sep`; each line after the first starts with `indent` spaces. A
/// piece longer than a line gets a line of its own.
pub fn wrap(
    pieces: &[(String, String)],
    width: usize,
    first: usize,
    indent: usize,
    sep: &str,
) -> String {
    let mut out = String::new();
    let mut col = first;
    let mut at_start = true;
    for (plain, painted) in pieces {
        let len = plain.chars().count();
        if !at_start && col + sep.len() + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
            at_start = true;
        }
        if !at_start {
            out.push_str(sep);
            col += sep.len();
        }
        out.push_str(painted);
        col += len;
        at_start = false;
    }
    out
}

/// The words of `text`, each unpainted (for wrapping plain text).
pub fn words(text: &str) -> Vec<(String, String)> {
    text.split_whitespace()
        .map(|w| (w.to_string(), w.to_string()))
        .collect()
}
