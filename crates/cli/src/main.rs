//! `sluice`: stream datasets from the command line.
//!
//! `sluice cat data/*.csv.gz | jq .`, `sluice head x.jsonl`, `sluice count 'logs/**/*.jsonl'`,
//! `sluice schema`, `sluice ls`, `sluice formats`. Errors go to standard error as
//! `sluice: <message>` with exit status 1; usage errors exit with 2.

mod args;
mod commands;
mod failure;
mod output;
mod plugins;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub(crate) use failure::Failure;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = args::Cli::parse();
    match plugins::load(&cli.plugins).and_then(|()| commands::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away: nothing more to do, nothing to say.
        Err(_) if output::stdout_closed() => ExitCode::SUCCESS,
        Err(Failure::ClosedOutput) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            let _ = writeln!(std::io::stderr().lock(), "sluice: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A bug must still read like the rest of the tool: `sluice: internal error: ...`, exit
/// status 101, no Rust panic banner. A panic that sluice catches and turns into an error
/// (a third-party reader panicking on corrupt input, see `sluice_core::panics`) passes
/// silently: the error that follows says what happened.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if sluice::panics::is_caught_here() {
            return;
        }
        let message = sluice::panics::message(info.payload());
        let place = info
            .location()
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "sluice: internal error: {message}{place}; please report this"
        );
        std::process::exit(101);
    }));
}
