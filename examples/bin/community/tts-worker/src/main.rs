//! tts-worker: stub of a community text-to-speech worker.

use std::process::ExitCode;

fn backend() -> &'static str {
    if cfg!(feature = "cuda") {
        "cuda"
    } else if cfg!(feature = "cpu") {
        "cpu"
    } else {
        "none"
    }
}

fn main() -> ExitCode {
    let name = env!("CARGO_PKG_NAME");
    match std::env::args().nth(1).as_deref() {
        Some("--version" | "-V") => {
            println!("{name} {} ({})", env!("CARGO_PKG_VERSION"), backend());
        }
        Some("--help" | "-h") => {
            println!(
                "{name}: {}\n\nUsage: {name} [TEXT]\n       {name} --version | --help",
                env!("CARGO_PKG_DESCRIPTION")
            );
        }
        Some(flag) if flag.starts_with('-') => {
            eprintln!("{name}: unknown option '{flag}' (try --help)");
            return ExitCode::from(2);
        }
        text => {
            println!(
                "{name}: would speak {:?} ({} backend)",
                text.unwrap_or("hello"),
                backend()
            );
        }
    }
    ExitCode::SUCCESS
}
