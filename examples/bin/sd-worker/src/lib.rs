//! Stub of the Stable Diffusion worker: `--version` and `--help` for each backend's binary.

use std::process::ExitCode;

/// Entry point shared by every backend binary (`sd-worker-<backend>`).
pub fn run(backend: &str) -> ExitCode {
    let bin = format!("sd-worker-{backend}");
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--version" | "-V") => {
            println!("{bin} {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h") => {
            println!(
                "{bin}: {} ({backend} backend)",
                env!("CARGO_PKG_DESCRIPTION")
            );
            println!();
            println!("Usage: {bin} [--version | --help]");
            ExitCode::SUCCESS
        }
        None => {
            println!("{bin}: image worker ready ({backend} backend)");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("{bin}: unknown argument '{other}' (try --help)");
            ExitCode::from(2)
        }
    }
}
