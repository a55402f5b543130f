//! Quoting for the three languages generated files are read by (bash, Ruby, HTML). Every value a template prints
//! goes through one of these (the engine's formatter applies them), so a manifest value can
//! only ever be inert text: proven by the property tests in `tests/`.

/// Characters that mean nothing special to bash anywhere in a word (`shlex.quote`'s set).
fn bash_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c)
}

/// Quotes `s` as one bash word that expands to exactly `s`, on one line.
///
/// Plain words stay bare (`x86_64`); anything else is single-quoted, where bash expands
/// nothing; a value holding a line break or other control character uses `$'…'` so the
/// generated line never splits (a value in a comment could otherwise escape it).
pub fn bash(s: &str) -> String {
    if !s.is_empty() && s.chars().all(bash_safe) {
        return s.to_string();
    }
    // Single quotes read best, but shellcheck flags `$`, backticks and `\\` inside them
    // (SC2016, SC1003); `$'…'` keeps those literal without the noise.
    if !s
        .chars()
        .any(|c| c.is_control() || matches!(c, '$' | '`' | '\\'))
    {
        return format!("'{}'", s.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\t' => out.push_str(r"\t"),
            '\r' => out.push_str(r"\r"),
            // As UTF-8 bytes: `\\U…` would depend on the locale bash runs in.
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The shape of [`bash`]'s word for `s`: a placeholder of the same quoting form — `v` for a
/// bare word, `'v'` for a single-quoted one, `$'v'` for an ANSI-C-quoted one. Each is one
/// inert word, as the word it stands for is, so a render's shape has the render's words in
/// the render's places, whatever the values say.
pub fn bash_shape(s: &str) -> String {
    let word = bash(s);
    if word.starts_with("$'") {
        "$'v'".to_string()
    } else if word.starts_with('\'') {
        "'v'".to_string()
    } else {
        "v".to_string()
    }
}

/// Quotes `s` as a Ruby double-quoted string literal that evaluates to exactly `s`:
/// `"`, `\` and the interpolation openers `#{`, `#@`, `#$` are escaped.
pub fn ruby(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '#' if matches!(chars.peek(), Some('{' | '@' | '$')) => out.push_str("\\#"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes `s` as HTML text that a browser reads back as exactly `s`, in element content and
/// in a quoted attribute value alike: `&`, `<`, `>`, both quotes, and a carriage return
/// (which the parser would otherwise fold into a newline) become character references.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` may be a link target: an absolute `http(s)` URL, or a reference relative to
/// the page (no scheme at all). `javascript:`, `data:` and every other scheme are refused, as
/// is a scheme-relative `//host` reference.
pub fn linkable(url: &str) -> bool {
    if url.starts_with("//") || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']).unwrap_or(url.len());
    match scheme_end {
        Some(i) if i < path_start => {
            let scheme = url[..i].to_ascii_lowercase();
            (scheme == "http" || scheme == "https") && url[i + 1..].starts_with("//")
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_leaves_plain_words_bare() {
        assert_eq!(bash("x86_64"), "x86_64");
        assert_eq!(bash("GPL-3.0-or-later"), "GPL-3.0-or-later");
    }

    #[test]
    fn bash_quotes_everything_else() {
        assert_eq!(bash(""), "''");
        assert_eq!(bash("-rf"), "-rf");
        assert_eq!(bash("$(id)"), "$'$(id)'");
        assert_eq!(bash("a\u{85}b"), r"$'a\xc2\x85b'");
        assert_eq!(bash("it's"), r"'it'\''s'");
        assert_eq!(bash("a\nb"), r"$'a\nb'");
    }

    #[test]
    fn ruby_escapes_interpolation() {
        assert_eq!(ruby("#{x}"), r##""\#{x}""##);
        assert_eq!(ruby("a # b"), "\"a # b\"");
        assert_eq!(ruby("\"\\"), r#""\"\\""#);
    }

    #[test]
    fn html_escapes_markup_and_both_quotes() {
        assert_eq!(
            html("<a href=\"x\" title='y'>&\r</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#13;&lt;/a&gt;"
        );
        assert_eq!(html("Ünïcödé 🦀"), "Ünïcödé 🦀");
    }

    #[test]
    fn only_web_and_relative_urls_are_linkable() {
        for ok in [
            "https://rbee.dev",
            "http://x/y?z#w",
            "../../workers/a/release/PKGBUILD",
            "/w/a",
            "a?b=c:d",
        ] {
            assert!(linkable(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:x",
            "data:text/html,x",
            "//evil",
            "vbscript:x",
            " https://x",
            "https:x",
            "java\tscript:x",
        ] {
            assert!(!linkable(bad), "{bad}");
        }
    }
}
