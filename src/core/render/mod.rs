//! Rendering PKGBUILDs, .SRCINFO, Homebrew formulas (DESIGN section 3) and the web
//! catalog's pages (section 11). Template inputs are typed structs; the engine's formatter
//! quotes every printed value for the template's target language (bash, Ruby, HTML), so no
//! template can forget to.

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
    (
        "html/layout.html.j2",
        include_str!("templates/html/layout.html.j2"),
    ),
    (
        "html/catalog.html.j2",
        include_str!("templates/html/catalog.html.j2"),
    ),
    (
        "html/worker.html.j2",
        include_str!("templates/html/worker.html.j2"),
    ),
    (
        "html/error.html.j2",
        include_str!("templates/html/error.html.j2"),
    ),
];

/// The language a template's output is read in, from its name.
#[derive(Clone, Copy, PartialEq)]
enum Language {
    Bash,
    Ruby,
    Html,
}

impl Language {
    fn of(name: &str) -> Language {
        if name.ends_with(".rb.j2") {
            Language::Ruby
        } else if name.ends_with(".html.j2") {
            Language::Html
        } else {
            Language::Bash
        }
    }

    fn escape(self) -> AutoEscape {
        AutoEscape::Custom(match self {
            Language::Bash => "bash",
            Language::Ruby => "ruby",
            Language::Html => "html",
        })
    }
}

/// A template engine that looks for each template in the override directories first
/// (`--templates DIR`, then `$XDG_CONFIG_HOME/rbee-workers/templates/`), then built in.
pub struct Engine {
    env: Environment<'static>,
}

impl Engine {
    pub fn new(override_dirs: Vec<PathBuf>) -> Self {
        Self::build(override_dirs, false)
    }

    /// An engine whose bash renders are *shapes*: every value printed as a placeholder word
    /// of the same quoting form (`v`, `'v'` or `$'v'`, by [`escape::bash_shape`]), so renders
    /// that differ only in their values' text have one shape. `check` has shellcheck judge
    /// the shapes (see `commands/checkers.rs`). Ruby and HTML renders are as [`Engine::new`]'s.
    pub fn shapes(override_dirs: Vec<PathBuf>) -> Self {
        Self::build(override_dirs, true)
    }

    fn build(override_dirs: Vec<PathBuf>, shape: bool) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_auto_escape_callback(|name| Language::of(name).escape());
        env.set_formatter(move |out, state, value| {
            let language = match state.auto_escape() {
                AutoEscape::Custom("ruby") => Language::Ruby,
                AutoEscape::Custom("html") => Language::Html,
                _ => Language::Bash,
            };
            let text = format_value(value, language, shape)?;
            out.write_str(&text)
                .map_err(|_| TplError::new(ErrorKind::WriteFailure, "write failed"))
        });
        // A link target in a page: refused unless it is http(s) or relative (escape::linkable),
        // so a `javascript:` value can never become a link, whatever the template does.
        env.add_filter("url", |url: String| -> Result<String, TplError> {
            if escape::linkable(&url) {
                Ok(url)
            } else {
                Err(TplError::new(
                    ErrorKind::InvalidOperation,
                    format!("refusing `{url}` as a link: expected an http(s) or relative URL"),
                ))
            }
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
            // The web pages are built in only: what a browser runs is not a packager's to change.
            let overridable = Language::of(name) != Language::Html;
            for dir in override_dirs.iter().filter(|_| overridable) {
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
                        if Language::of(name) == Language::Bash {
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

/// Refuses an HTML template that prints a value where HTML escaping does not make it inert:
/// outside a quoted attribute value inside a tag (an unquoted value or an attribute name),
/// in an event handler (`on…`), `style` or `srcdoc` attribute, inside `<script>` or
/// `<style>`, or in a URL attribute (`href`, `src`, `action`, …) without the `url` filter
/// (which refuses `javascript:` and every other scheme but http(s)).
pub fn lint_html_template(text: &str) -> Result<(), String> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let starts = |i: usize, s: &str| s.chars().enumerate().all(|(k, ch)| at(i + k) == ch);
    let line_of = |i: usize| 1 + c[..i.min(c.len())].iter().filter(|&&x| x == '\n').count();
    #[derive(PartialEq)]
    enum At {
        /// Between attributes (or in the tag's name).
        Gap,
        Name,
        Equals,
        Unquoted,
        Quoted(char),
    }
    // Inside a tag: its name, the attribute being read, and where in it.
    let mut tag: Option<(String, String, At)> = None;
    let mut raw: Option<String> = None;
    let mut i = 0;
    while i < c.len() {
        if c[i] == '{' && matches!(at(i + 1), '%' | '#') {
            let close = if at(i + 1) == '%' { "%}" } else { "#}" };
            while i < c.len() && !starts(i, close) {
                i += 1;
            }
            i += 2;
            continue;
        }
        if starts(i, "{{") {
            let begin = i;
            while i < c.len() && !starts(i, "}}") {
                i += 1;
            }
            let expr: String = c[begin + 2..i.min(c.len())]
                .iter()
                .filter(|c| !c.is_whitespace())
                .collect();
            i += 2;
            let refused = match (&tag, &raw) {
                (_, Some(element)) => Some(format!("inside <{element}>")),
                (None, None) => None,
                (Some((_, attr, At::Quoted(_))), _) => {
                    if attr.starts_with("on") || attr == "style" || attr == "srcdoc" {
                        Some(format!("in the `{attr}` attribute"))
                    } else if URL_ATTRIBUTES.contains(&attr.as_str()) && !expr.contains("|url") {
                        Some(format!("in the URL attribute `{attr}` without `|url`"))
                    } else {
                        None
                    }
                }
                (Some(_), _) => Some("inside a tag outside a quoted attribute value".to_string()),
            };
            if let Some(context) = refused {
                return Err(format!(
                    "line {}: `{{{{ … }}}}` {context}, where HTML escaping does not make it inert",
                    line_of(begin)
                ));
            }
            continue;
        }
        let ch = c[i];
        if let Some(element) = &raw {
            if starts(i, &format!("</{element}")) {
                raw = None;
            }
            i += 1;
            continue;
        }
        match &mut tag {
            None => {
                if starts(i, "<!--") {
                    while i < c.len() && !starts(i, "-->") {
                        i += 1;
                    }
                } else if ch == '<' && (at(i + 1).is_ascii_alphabetic() || at(i + 1) == '/') {
                    let name: String = c[i + 1..]
                        .iter()
                        .skip_while(|c| **c == '/')
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    i += name.len();
                    tag = Some((name, String::new(), At::Gap));
                }
            }
            Some((name, attr, state)) => match (&*state, ch) {
                (At::Quoted(q), ch) if ch == *q => *state = At::Gap,
                (At::Quoted(_), _) => {}
                (_, '>') if *state != At::Equals => {
                    if at(i.wrapping_sub(1)) != '/' && matches!(name.as_str(), "script" | "style") {
                        raw = Some(name.clone());
                    }
                    tag = None;
                }
                (At::Equals, '"' | '\'') => *state = At::Quoted(ch),
                (At::Equals, ch) if ch.is_whitespace() => {}
                (At::Equals, _) => *state = At::Unquoted,
                (At::Unquoted, ch) if ch.is_whitespace() => *state = At::Gap,
                (At::Unquoted, _) => {}
                (At::Name, '=') => *state = At::Equals,
                (At::Name, ch) if ch.is_whitespace() => *state = At::Gap,
                (At::Name, ch) => attr.push(ch.to_ascii_lowercase()),
                (At::Gap, '=') => *state = At::Equals,
                (At::Gap, ch) if ch.is_whitespace() || ch == '/' => {}
                (At::Gap, ch) => {
                    attr.clear();
                    attr.push(ch.to_ascii_lowercase());
                    *state = At::Name;
                }
            },
        }
        i += 1;
    }
    Ok(())
}

/// Attributes whose value a browser follows or loads as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "cite",
    "background",
];

/// Strings and numbers are quoted; a list becomes space-separated quoted words (bash) or an
/// array literal (Ruby), and is refused in HTML (a page loops over it); values marked safe by
/// the template pass through.
fn format_value(value: &Value, language: Language, shape: bool) -> Result<String, TplError> {
    let quote: fn(&str) -> String = match language {
        Language::Bash if shape => escape::bash_shape,
        Language::Bash => escape::bash,
        Language::Ruby => escape::ruby,
        Language::Html => escape::html,
    };
    if value.is_safe() {
        return Ok(value.to_string());
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Err(TplError::new(
            ErrorKind::UndefinedError,
            "refusing to print an empty value; guard it with {% if %}",
        )),
        ValueKind::Seq | ValueKind::Iterable if language == Language::Html => Err(TplError::new(
            ErrorKind::InvalidOperation,
            "cannot print a list in a page; loop over it",
        )),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = value
                .try_iter()?
                .map(|v| format_value(&v, language, shape))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if language == Language::Ruby {
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
    fn built_in_templates_pass_their_language_s_lint() {
        for (name, text) in BUILTIN {
            let verdict = match Language::of(name) {
                Language::Bash => lint_bash_template(text),
                Language::Html => lint_html_template(text),
                Language::Ruby => Ok(()),
            };
            assert_eq!(verdict, Ok(()), "{name}");
        }
    }

    #[test]
    fn values_where_html_escaping_is_not_enough_are_refused() {
        for (text, context) in [
            ("<p class={{ x }}>", "outside a quoted"),
            ("<p {{ x }}>", "outside a quoted"),
            ("<p onclick=\"f({{ x }})\">", "`onclick`"),
            ("<p style='color: {{ x }}'>", "`style`"),
            ("<script>var x = \"{{ x }}\";</script>", "inside <script>"),
            ("<style>p { color: {{ x }} }</style>", "inside <style>"),
            ("<a href=\"{{ homepage }}\">", "without `|url`"),
            ("<img alt=\"\" src=\"{{ x }}\">", "without `|url`"),
        ] {
            let err = lint_html_template(text).expect_err(text);
            assert!(err.contains(context), "{text:?}: {err}");
        }
        for ok in [
            "<p title=\"{{ x }}\">{{ y }}</p>",
            "<a class=\"c\" href=\"{{ homepage|url }}\">{{ homepage }}</a>",
            "<input name=\"q\" value='{{ q }}'{% if x %} checked{% endif %}>",
            "<script src=\"a.js\"></script><p>{{ x }}</p>",
            "<!-- <p class={{ x }}> -->",
        ] {
            assert_eq!(lint_html_template(ok), Ok(()), "{ok}");
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
