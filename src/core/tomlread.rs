//! A thin reader over toml's spanned document tree: typed getters that record a located
//! `Problem` (file:line:col, what was expected) instead of stopping at the first mistake.

use crate::problem::{did_you_mean, Problem};
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub type Value<'i> = Spanned<DeValue<'i>>;

/// The most entries an array or a table of a manifest may hold.
pub const MAX_ENTRIES: usize = 1000;

/// The most bytes a string value of a manifest may hold.
pub const MAX_STRING: usize = 4096;

/// The problems reported for one file; past this, one more says the rest are not shown.
const MAX_PROBLEMS: usize = 100;

/// One TOML file being read, and every problem found in it so far.
pub struct Doc<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub problems: Vec<Problem>,
    /// Where each line starts, found once, so locating a problem costs a binary search.
    line_starts: std::cell::OnceCell<Vec<usize>>,
    /// What `error` hands back once the problems are capped.
    discarded: Problem,
}

impl<'a> Doc<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Doc {
            path,
            text,
            problems: Vec::new(),
            line_starts: std::cell::OnceCell::new(),
            discarded: Problem::error(path, ""),
        }
    }

    /// 1-based line and column (in characters) of byte `offset`, as
    /// [`crate::problem::line_col`] finds them, in time linear in the line's length only.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = starts.partition_point(|&s| s <= offset);
        let column = text[starts[line - 1]..offset].chars().count() + 1;
        (line, column)
    }

    /// Parses the file; a syntax error becomes a located problem.
    pub fn parse(&mut self) -> Option<Spanned<DeTable<'a>>> {
        match DeTable::parse(self.text) {
            Ok(t) => Some(t),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = format!("invalid TOML: {}", e.message().trim_end());
                self.error(span, message);
                None
            }
        }
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Problem {
        if self.problems.len() >= MAX_PROBLEMS {
            if self.problems.len() == MAX_PROBLEMS {
                self.problems.push(Problem::error(
                    self.path,
                    format!(
                        "more than {MAX_PROBLEMS} problems in this file; the rest are not shown"
                    ),
                ));
            }
            self.discarded = Problem::error(self.path, message);
            return &mut self.discarded;
        }
        let (line, column) = self.line_col(span.start);
        let mut p = Problem::error(self.path, message);
        p.line = Some(line);
        p.column = Some(column);
        self.problems.push(p);
        self.problems.last_mut().expect("just pushed")
    }

    /// A located problem when an array or a table holds more than [`MAX_ENTRIES`].
    fn too_many(&mut self, v: &Value<'a>, len: usize, what: &str) -> bool {
        if len <= MAX_ENTRIES {
            return false;
        }
        self.error(
            v.span(),
            format!("{what} has {len} entries, more than the limit of {MAX_ENTRIES}"),
        );
        true
    }

    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// Reports every key of `table` not in `allowed`, with the closest allowed key as a hint.
    pub fn check_keys(&mut self, table: &DeTable<'_>, table_name: &str, allowed: &[&str]) {
        for (key, _) in table.iter() {
            let k: &str = key.get_ref();
            if allowed.contains(&k) {
                continue;
            }
            let expected = allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!("unknown key `{k}` in {table_name}; expected one of {expected}");
            let hint =
                did_you_mean(k, allowed.iter().copied()).map(|s| format!("did you mean `{s}`?"));
            let p = self.error(key.span(), message);
            p.help = hint;
        }
    }

    pub fn table<'t>(&mut self, v: &'t Value<'a>, what: &str) -> Option<&'t DeTable<'a>> {
        match v.get_ref() {
            DeValue::Table(t) if self.too_many(v, t.len(), what) => None,
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    v.span(),
                    format!("expected a table for {what}, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub fn string(&mut self, v: &Value<'a>, what: &str) -> Option<Spanned<String>> {
        match v.get_ref() {
            DeValue::String(s) if s.len() > MAX_STRING => {
                self.error(
                    v.span(),
                    format!(
                        "{what} is {} bytes long, more than the limit of {MAX_STRING}",
                        s.len()
                    ),
                );
                None
            }
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => {
                self.error(
                    v.span(),
                    format!("expected a string for {what}, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A string that must fit on one line and hold something besides spaces.
    pub fn line(&mut self, v: &Value<'a>, what: &str) -> Option<Spanned<String>> {
        let s = self.string(v, what)?;
        if s.get_ref().trim().is_empty() {
            self.error(s.span(), format!("expected a non-empty string for {what}"));
            return None;
        }
        if let Some(problem) = one_line_problem(s.get_ref()) {
            self.error(s.span(), format!("expected {what} to be {problem}"));
            return None;
        }
        Some(s)
    }

    pub fn string_list(&mut self, v: &Value<'a>, what: &str) -> Option<Vec<Spanned<String>>> {
        let DeValue::Array(items) = v.get_ref() else {
            let found = v.get_ref().type_str();
            self.error(
                v.span(),
                format!("expected an array of strings for {what}, found {found}"),
            );
            return None;
        };
        if self.too_many(v, items.len(), what) {
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.line(item, &format!("an item of {what}")) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// Why `s` cannot be a one-line value, if it can't: a line break, a control character, or a
/// Unicode space that makepkg would turn into a plain one in some locales and not others.
pub fn one_line_problem(s: &str) -> Option<String> {
    if s.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return Some("one line, found a line break".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\t') {
        return Some(format!(
            "printable text, found control character U+{:04X}",
            c as u32
        ));
    }
    if let Some(c) = s.chars().find(|c| matches!(c, '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}' | '\u{205F}' | '\u{3000}')) {
        return Some(format!("plain text, found the Unicode space U+{:04X} (use an ordinary space)", c as u32));
    }
    None
}

/// The value at `key` in `table`.
pub fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table.get(key)
}

/// The span of `key` itself (not its value), to point at a table header or a key.
pub fn key_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| {
            let k: &str = k.get_ref();
            k == key
        })
        .map(|(k, _)| k.span())
}

/// Converts a TOML value to JSON, for `[capabilities]`, which is exported as written.
pub fn to_json(v: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map(J::from)
            .unwrap_or_else(|_| J::String(i.as_str().to_string())),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| J::String(f.as_str().to_string()), J::Number),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(a) => J::Array(a.iter().map(|x| to_json(x.get_ref())).collect()),
        DeValue::Table(t) => J::Object(
            t.iter()
                .map(|(k, x)| (k.get_ref().to_string(), to_json(x.get_ref())))
                .collect(),
        ),
    }
}
