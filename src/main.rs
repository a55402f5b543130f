//! The `rbee-workers` binary: parse, run, map the outcome to an exit code.

use clap::Parser;
use rbee_workers::{app, cli::Cli, report};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let outcome = cli
        .into_request()
        .and_then(|(globals, request)| app::run(&globals, request));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report::print_error(&e, json);
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
