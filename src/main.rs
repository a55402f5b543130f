//! The `rbee-workers` binary: parse, resolve the context once, run, map the outcome to an
//! exit code.

use clap::Parser;
use rbee_workers::{app, cli::Cli, context::Context, report};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    report::init(cli.json, cli.verbosity(), cli.color());
    let outcome = cli
        .into_request()
        .and_then(|(globals, request)| Ok((Context::new(&globals)?, request)))
        .and_then(|(cx, request)| app::run(&cx, request));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report::print_error(&e, report::mode().json);
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
