//! hello-worker: a tiny worker that says hello, built once per backend feature.

use std::process::ExitCode;

/// The backend this binary was built for; cuda wins when several features are enabled.
fn backend() -> &'static str {
    if cfg!(feature = "cuda") {
        "cuda"
    } else if cfg!(feature = "cpu") {
        "cpu"
    } else {
        "none"
    }
}

fn version_line() -> String {
    format!(
        "{} {} ({})",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        backend()
    )
}

fn usage() -> String {
    format!(
        "{name}: {desc}\n\nUsage: {name} [NAME]\n       {name} --version | --help\n",
        name = env!("CARGO_PKG_NAME"),
        desc = env!("CARGO_PKG_DESCRIPTION"),
    )
}

fn greeting(name: Option<&str>) -> String {
    format!(
        "Hello, {}! ({} backend)",
        name.unwrap_or("world"),
        backend()
    )
}

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--version" | "-V") => println!("{}", version_line()),
        Some("--help" | "-h") => print!("{}", usage()),
        Some(flag) if flag.starts_with('-') => {
            eprintln!("hello-worker: unknown option '{flag}'\n\n{}", usage());
            return ExitCode::from(2);
        }
        name => println!("{}", greeting(name)),
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_package_version_and_backend() {
        let line = version_line();
        assert!(line.starts_with(&format!("hello-worker {} (", env!("CARGO_PKG_VERSION"))));
        assert!(line.ends_with(&format!("({})", backend())));
    }

    #[test]
    fn backend_follows_features() {
        let expected = if cfg!(feature = "cuda") {
            "cuda"
        } else if cfg!(feature = "cpu") {
            "cpu"
        } else {
            "none"
        };
        assert_eq!(backend(), expected);
    }

    #[test]
    fn greets_world_by_default_and_a_name_when_given() {
        assert!(greeting(None).starts_with("Hello, world!"));
        assert!(greeting(Some("rbee")).starts_with("Hello, rbee!"));
    }

    #[test]
    fn usage_mentions_flags() {
        let u = usage();
        assert!(u.contains("--version") && u.contains("--help"));
    }
}
