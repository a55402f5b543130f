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
            // A template names another by a plain relative name (`{% include "x.j2" %}`),
            // resolved only inside the template dirs: never an absolute path, `..`, or a
            // link that leads out.
            let plain = !name.is_empty()
                && std::path::Path::new(name)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !plain {
                return Err(TplError::new(
                    ErrorKind::TemplateNotFound,
                    format!("`{name}` is not a template name: includes name a file in the template directories, without `/` at the start or `..`"),
                ));
            }
            for dir in &override_dirs {
                let path = dir.join(name);
                if !path.exists() {
                    continue;
                }
                let inside = match (path.canonicalize(), dir.canonicalize()) {
                    (Ok(p), Ok(d)) => p.starts_with(&d) && p.is_file(),
                    _ => false,
                };
                if !inside {
                    return Err(TplError::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "{} is not a regular file inside {}",
                            path.display(),
                            dir.display()
                        ),
                    ));
                }
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

/// Refuses a bash template that prints a value where bash would expand it again. The engine
/// quotes every value as one bash word, which is only inert where a word is read once:
/// inside quotes of the template's own (`"{{ x }}"`: `$(…)` runs again), a heredoc body,
/// an arithmetic expression (`$(( ))`, `(( ))`, `$[ ]`) or an array subscript (also inside
/// `${…}`), `[[ … ]]` (whose `-eq` evaluates its operands), backquotes, right
/// after a `$` (which turns `'…'` into `$'…'`), or an `eval`, each of which evaluates its
/// text as code. `check` also sources every override render with canaries.
pub fn lint_bash_template(text: &str) -> Result<(), String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Q {
        None,
        Single,
        Double,
    }
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let starts = |i: usize, s: &str| s.chars().enumerate().all(|(k, ch)| at(i + k) == ch);
    let mut q = Q::None;
    let (mut arith, mut subscript, mut brace) = (0usize, 0usize, 0usize);
    let (mut backquote, mut eval) = (false, false);
    // `[[` opened at this depth of `$( )`: a value in a command substitution inside it is a
    // command's argument again, not an operand.
    let (mut test, mut cmdsub): (Option<usize>, usize) = (None, 0);
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let (mut line, mut at_word_start) = (1usize, true);
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '{' && matches!(at(i + 1), '%' | '#') {
            // A template tag or comment: template syntax, not bash.
            let close = if at(i + 1) == '%' { "%}" } else { "#}" };
            while i < c.len() && !starts(i, close) {
                line += usize::from(c[i] == '\n');
                i += 1;
            }
            i += 2;
            continue;
        }
        if ch == '{' && at(i + 1) == '{' {
            let context = match q {
                Q::Single => Some("single quotes"),
                Q::Double => Some("double quotes"),
                Q::None if arith > 0 => Some("an arithmetic expression"),
                Q::None if subscript > 0 => Some("an array subscript"),
                Q::None if test == Some(cmdsub) => Some("`[[ … ]]`"),
                Q::None if backquote => Some("backquotes"),
                Q::None if eval => Some("an `eval`"),
                Q::None if i > 0 && c[i - 1] == '$' => Some("`$…` (it would read `$'…'`)"),
                Q::None => None,
            };
            if let Some(context) = context {
                return Err(format!(
                    "line {line}: `{{{{ … }}}}` inside {context}, where bash expands it again; values are quoted by the engine, print them as plain words (e.g. `pkgdesc={{{{ pkgdesc }}}}`)"
                ));
            }
            while i < c.len() && !starts(i, "}}") {
                line += usize::from(c[i] == '\n');
                i += 1;
            }
            i += 2;
            at_word_start = false;
            continue;
        }
        let mut step = 1;
        match q {
            Q::Single => {
                if ch == '\'' {
                    q = Q::None;
                }
            }
            Q::Double => match ch {
                '"' => q = Q::None,
                '\\' => step = 2,
                _ => {}
            },
            Q::None => match ch {
                '#' if at_word_start => {
                    while i + 1 < c.len() && c[i + 1] != '\n' {
                        i += 1;
                    }
                }
                '\'' => q = Q::Single,
                '"' => q = Q::Double,
                '\\' => step = 2,
                '`' => backquote = !backquote,
                '$' if at(i + 1) == '(' && at(i + 2) == '(' => {
                    arith += 1;
                    step = 3;
                }
                '(' if at(i + 1) == '(' && at_word_start => {
                    arith += 1;
                    step = 2;
                }
                ')' if arith > 0 && at(i + 1) == ')' => {
                    arith -= 1;
                    step = 2;
                }
                '$' if at(i + 1) == '(' => {
                    cmdsub += 1;
                    step = 2;
                }
                ')' if cmdsub > 0 && arith == 0 => cmdsub -= 1,
                '$' if at(i + 1) == '[' => {
                    subscript += 1;
                    step = 2;
                }
                '$' if at(i + 1) == '{' && at(i + 2) != '{' => {
                    brace += 1;
                    step = 2;
                }
                '}' if brace > 0 => brace -= 1,
                '[' if at(i + 1) == '[' && at_word_start => {
                    test = Some(cmdsub);
                    step = 2;
                }
                ']' if test.is_some() && subscript == 0 && at(i + 1) == ']' => {
                    test = None;
                    step = 2;
                }
                '[' if i > 0 && (c[i - 1].is_ascii_alphanumeric() || c[i - 1] == '_') => {
                    subscript += 1;
                }
                ']' if subscript > 0 => subscript -= 1,
                '<' if at(i + 1) == '<' && at(i + 2) != '<' => {
                    let mut j = i + 2;
                    let strip = at(j) == '-';
                    j += usize::from(strip);
                    while at(j) == ' ' {
                        j += 1;
                    }
                    let quote = at(j);
                    j += usize::from(matches!(quote, '\'' | '"'));
                    let begin = j;
                    while at(j).is_ascii_alphanumeric() || at(j) == '_' {
                        j += 1;
                    }
                    let word: String = c[begin..j].iter().collect();
                    j += usize::from(matches!(quote, '\'' | '"') && at(j) == quote);
                    if !word.is_empty() {
                        heredocs.push((word, strip));
                    }
                    step = j - i;
                }
                'e' if at_word_start
                    && starts(i, "eval")
                    && (at(i + 4).is_whitespace() || at(i + 4) == '\0') =>
                {
                    eval = true;
                }
                _ => {}
            },
        }
        if ch == '\n' {
            line += 1;
            if q == Q::None {
                eval = false;
                // Heredoc bodies start on the next line and run to their delimiter.
                for (word, strip) in std::mem::take(&mut heredocs) {
                    loop {
                        let end = (i + 1..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len());
                        let body: String = c[i + 1..end].iter().collect();
                        i = end;
                        let shown = if strip {
                            body.trim_start_matches('\t')
                        } else {
                            &body
                        };
                        if shown == word || end >= c.len() {
                            line += 1;
                            break;
                        }
                        if body.contains("{{") {
                            return Err(format!(
                                "line {line}: `{{{{ … }}}}` inside a heredoc body (`<<{word}`), where bash expands it again; set a variable from the value first, outside the heredoc"
                            ));
                        }
                        line += 1;
                    }
                }
            }
        } else if step == 2 && matches!(ch, '\\') && at(i + 1) == '\n' {
            line += 1;
        }
        at_word_start = ch.is_whitespace() || matches!(ch, ';' | '(' | '|' | '&' | '{' | '}');
        i += step;
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
    fn values_where_bash_expands_them_again_are_refused() {
        for (text, context) in [
            ("cat <<EOF\n{{ pkgdesc }}\nEOF\n", "heredoc"),
            ("cat <<-'END'\n\t{{ x }}\n\tEND\n", "heredoc"),
            ("n=$(( {{ x }} + 1 ))\n", "arithmetic"),
            ("(( n = {{ x }} ))\n", "arithmetic"),
            ("arr[{{ x }}]=1\n", "subscript"),
            ("echo ${arr[{{ x }}]}\n", "subscript"),
            ("[[ {{ x }} -eq 1 ]]\n", "[[ … ]]"),
            ("echo `echo {{ x }}`\n", "backquotes"),
            ("eval {{ x }}\n", "eval"),
            ("echo ${{ x }}\n", "`$…`"),
        ] {
            let err = lint_bash_template(text).expect_err(text);
            assert!(err.contains(context), "{text:?}: {err}");
        }
        // After a heredoc ends, and outside those contexts, a value is a plain word again.
        assert!(lint_bash_template("cat <<EOF\nplain\nEOF\npkgdesc={{ pkgdesc }}\n").is_ok());
        assert!(lint_bash_template("[[ -n $x ]] && echo {{ x }}\n").is_ok());
        assert!(lint_bash_template("[[ $(vercmp \"$v\" {{ x }}) != -1 ]]\n").is_ok());
        // In a `${…}` pattern or default a quoted word is matched or used literally.
        assert!(lint_bash_template("v=${v#{{ prefix }}}; w=${w:-{{ d }}}\n").is_ok());
        assert!(lint_bash_template("n=$(( 1 + 1 )); echo {{ x }} \"$(date)\"\n").is_ok());
        assert!(lint_bash_template("echo $(printf %s {{ x }})\n").is_ok());
        assert!(
            lint_bash_template("{% include \"arch-common.PKGBUILD.j2\" %}\nx={{ x }}\n").is_ok()
        );
        assert_eq!(
            lint_bash_template("a=1\ncat <<EOF\nok\n{{ x }}\nEOF\n")
                .unwrap_err()
                .split(':')
                .next(),
            Some("line 4")
        );
    }

    #[test]
    fn values_inside_template_quotes_are_refused() {
        assert!(lint_bash_template("pkgdesc=\"{{ pkgdesc }}\"\n").is_err());
        assert!(lint_bash_template("echo '{{ x }}'\n").is_err());
        assert!(lint_bash_template("# it's fine\npkgdesc={{ pkgdesc }}\n").is_ok());
        assert!(lint_bash_template("cd \"$srcdir\"/{{ dir }}\n").is_ok());
    }
}
