//! Rendering PKGBUILDs, .SRCINFO and Homebrew formulas (DESIGN section 3). Template inputs
//! are typed structs; the engine's formatter quotes every printed value for the template's
//! target language, so no template can forget to.

pub mod arch;
pub mod brew;
pub mod escape;

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error as TplError, ErrorKind, UndefinedBehavior};
use std::path::PathBuf;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "arch-release.PKGBUILD.j2",
        include_str!("templates/arch-release.PKGBUILD.j2"),
    ),
    (
        "arch-git.PKGBUILD.j2",
        include_str!("templates/arch-git.PKGBUILD.j2"),
    ),
    (
        "arch-local.PKGBUILD.j2",
        include_str!("templates/arch-local.PKGBUILD.j2"),
    ),
    (
        "arch-common.PKGBUILD.j2",
        include_str!("templates/arch-common.PKGBUILD.j2"),
    ),
    (
        "arch-cargo-env.PKGBUILD.j2",
        include_str!("templates/arch-cargo-env.PKGBUILD.j2"),
    ),
    (
        "arch-functions.PKGBUILD.j2",
        include_str!("templates/arch-functions.PKGBUILD.j2"),
    ),
    (
        "arch-prepare.PKGBUILD.j2",
        include_str!("templates/arch-prepare.PKGBUILD.j2"),
    ),
    (
        "arch-pkgver.PKGBUILD.j2",
        include_str!("templates/arch-pkgver.PKGBUILD.j2"),
    ),
    (
        "arch-split.PKGBUILD.j2",
        include_str!("templates/arch-split.PKGBUILD.j2"),
    ),
    (
        "brew-release.rb.j2",
        include_str!("templates/brew-release.rb.j2"),
    ),
    ("brew-head.rb.j2", include_str!("templates/brew-head.rb.j2")),
    ("brew-body.rb.j2", include_str!("templates/brew-body.rb.j2")),
];

/// A template engine that looks for each template in the override directories first
/// (`--templates DIR`, then `$XDG_CONFIG_HOME/rbee-workers/templates/`), then built in.
pub struct Engine {
    env: Environment<'static>,
}

impl Engine {
    pub fn new(override_dirs: Vec<PathBuf>) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".rb.j2") {
                AutoEscape::Custom("ruby")
            } else {
                AutoEscape::Custom("bash")
            }
        });
        env.set_formatter(|out, state, value| {
            let quote: fn(&str) -> String = match state.auto_escape() {
                AutoEscape::Custom("ruby") => escape::ruby,
                _ => escape::bash,
            };
            let text = format_value(
                value,
                quote,
                state.auto_escape() == AutoEscape::Custom("ruby"),
            )?;
            out.write_str(&text)
                .map_err(|_| TplError::new(ErrorKind::WriteFailure, "write failed"))
        });
        env.set_loader(move |name| {
            for dir in &override_dirs {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        if !name.ends_with(".rb.j2") {
                            lint_bash_template(&text).map_err(|e| {
                                TplError::new(
                                    ErrorKind::InvalidOperation,
                                    format!("{}: {e}", path.display()),
                                )
                            })?;
                        }
                        return Ok(Some(text));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(TplError::new(
                            ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        ))
                    }
                }
            }
            Ok(BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.to_string()))
        });
        Engine { env }
    }

    pub fn render<S: serde::Serialize>(
        &self,
        template: &str,
        ctx: &S,
    ) -> Result<String, crate::error::Error> {
        let tpl = self.env.get_template(template).map_err(template_error)?;
        tpl.render(ctx).map_err(template_error)
    }
}

fn template_error(e: TplError) -> crate::error::Error {
    let mut message = format!("template error: {e}");
    if let Some(name) = e.name() {
        message.push_str(&format!(" (in {name}"));
        if let Some(line) = e.line() {
            message.push_str(&format!(" line {line}"));
        }
        message.push(')');
    }
    crate::error::Error::Template { message }
}

/// Refuses a bash template that prints a value inside quotes it wrote itself: the engine
/// quotes every value already, and `"{{ x }}"` would put that quoting inside double quotes,
/// where `$(…)` runs again.
pub fn lint_bash_template(text: &str) -> Result<(), String> {
    #[derive(PartialEq)]
    enum Q {
        None,
        Single,
        Double,
    }
    let mut q = Q::None;
    let (mut line, mut at_word_start) = (1, true);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && matches!(chars.peek(), Some('{')) && q != Q::None {
            return Err(format!(
                "line {line}: `{{{{ … }}}}` inside {} quotes; values are quoted by the engine, write them bare (e.g. `pkgdesc={{{{ pkgdesc }}}}`)",
                if q == Q::Single { "single" } else { "double" }
            ));
        }
        match (&q, c) {
            (_, '\n') => line += 1,
            (Q::None, '#') if at_word_start => {
                // A comment: skip to the end of the line.
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                        break;
                    }
                }
                at_word_start = true;
                continue;
            }
            (Q::None, '\'') => q = Q::Single,
            (Q::None, '"') => q = Q::Double,
            (Q::None | Q::Double, '\\') if chars.next() == Some('\n') => line += 1,
            (Q::Single, '\'') | (Q::Double, '"') => q = Q::None,
            _ => {}
        }
        at_word_start = c.is_whitespace() || matches!(c, ';' | '(' | '|' | '&');
    }
    Ok(())
}

/// Strings and numbers are quoted; a list becomes space-separated quoted words (bash) or an
/// array literal (Ruby); values marked safe by the template pass through.
fn format_value(value: &Value, quote: fn(&str) -> String, ruby: bool) -> Result<String, TplError> {
    if value.is_safe() {
        return Ok(value.to_string());
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Err(TplError::new(
            ErrorKind::UndefinedError,
            "refusing to print an empty value; guard it with {% if %}",
        )),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = value
                .try_iter()?
                .map(|v| format_value(&v, quote, ruby))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if ruby {
                format!("[{}]", items.join(", "))
            } else {
                items.join(" ")
            })
        }
        ValueKind::Map => Err(TplError::new(
            ErrorKind::InvalidOperation,
            "cannot print a map",
        )),
        ValueKind::String => Ok(quote(value.as_str().unwrap_or_default())),
        _ => Ok(quote(&value.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_bash_templates_pass_the_lint() {
        for (name, text) in BUILTIN.iter().filter(|(n, _)| !n.ends_with(".rb.j2")) {
            assert_eq!(lint_bash_template(text), Ok(()), "{name}");
        }
    }

    #[test]
    fn values_inside_template_quotes_are_refused() {
        assert!(lint_bash_template("pkgdesc=\"{{ pkgdesc }}\"\n").is_err());
        assert!(lint_bash_template("echo '{{ x }}'\n").is_err());
        assert!(lint_bash_template("# it's fine\npkgdesc={{ pkgdesc }}\n").is_ok());
        assert!(lint_bash_template("cd \"$srcdir\"/{{ dir }}\n").is_ok());
    }
}
