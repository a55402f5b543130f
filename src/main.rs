//! The `rbee-workers` binary: parse, resolve the context once, run, map the outcome to an
//! exit code.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use rbee_workers::{app, cli::Cli, context::Context, report};
use std::process::ExitCode;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, v2 and v3; libmimalloc-sys 0.1.49
/// names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// serve holds two catalog generations while it builds the next: memory freed then goes back
/// to the system at once, not a second later (peak RSS after a bump at 10,000 workers, idle:
/// 4.27-4.39x the catalog document with the default delay, 3.84-3.92x without).
fn purge_at_once() {
    // SAFETY: sets one of mimalloc's options, which it reads on each purge; nothing else
    // changes it meanwhile (serve has started no thread yet).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    // `COMPLETE=bash rbee-workers`: dynamic completion (ids from `commands::complete`).
    clap_complete::CompleteEnv::with_factory(rbee_workers::assets::completion_command)
        .bin("rbee-workers")
        .complete();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut moved_note = None;
    let parsed = match rbee_workers::cli::misplaced(&args, Cli::try_parse_from(&args)) {
        // DESIGN section 5: a global flag works after the subcommand too; one that does
        // nothing for it is taken as the program's, with a note saying so.
        Err((e, Some(moved))) => match Cli::try_parse_from(&moved.args) {
            Ok(cli) => {
                moved_note = Some(moved.note);
                Ok(cli)
            }
            Err(_) => Err(e),
        },
        Err((e, None)) => Err(e),
        Ok(cli) => Ok(cli),
    };
    let cli = match parsed.map_err(rbee_workers::cli::explain) {
        Ok(cli) => cli,
        // `--version --verbose` (`-vV`): the build's details too, as `cargo -vV` prints them.
        Err(e)
            if e.kind() == clap::error::ErrorKind::DisplayVersion
                && rbee_workers::cli::asks_verbose(
                    &std::env::args().skip(1).collect::<Vec<_>>(),
                ) =>
        {
            let _ = report::out_bytes(rbee_workers::cli::VERBOSE_VERSION.as_bytes());
            return ExitCode::SUCCESS;
        }
        // A usage error under --json is a JSON error document too, as every other error is.
        Err(e) if e.use_stderr() && std::env::args().any(|a| a == "--json") => {
            let message = e.render().to_string();
            let first = message
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            report::print_error(&rbee_workers::error::Error::Usage(first), true);
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    report::init(cli.json, cli.verbosity(), cli.color());
    if matches!(cli.command, rbee_workers::cli::Command::Serve { .. }) {
        purge_at_once();
    }
    if let Some(n) = moved_note {
        report::note(&format!("note: {n}"));
    }
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
