//! One module per subcommand, all of the same shape: settings in, rows out. The bookkeeping
//! they share (loading, reporting bad lines, the exit status) lives here once.

pub mod calls;
pub mod check;
pub mod summary;
pub mod timeline;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::config::{InputSettings, Terminal};
use crate::diagnostics::Read;
use crate::exit::ExitCode;
use crate::load::{self, Loaded};

/// Runs the parsed command line, writing results to `out` and diagnostics to `err`.
pub fn run(cli: Cli, terminal: Terminal, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let terminal = terminal.choose(&cli.global);
    match cli.command {
        Command::Calls(args) => calls::run(&args, terminal, out, err),
        Command::Summary(args) => summary::run(&args, terminal, out, err),
        Command::Check(args) => check::run(&args, terminal, out, err),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "callflow", out);
            Ok(ExitCode::Ok)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(ExitCode::Ok)
        }
        Command::Timeline(args) => timeline::run(&args, terminal, out, err),
    }
}

/// Loads the inputs and reports bad lines on `err`.
pub fn load_reported(input: &InputSettings, err: &mut dyn Write) -> anyhow::Result<Loaded> {
    let loaded = load::load(&input.inputs, &input.load)?;
    loaded.diagnostics.report_bad_lines(err, input.color_stderr, Read::Every)?;
    Ok(loaded)
}

/// The exit status of a run that completed: a failure only when `--strict` meets a bad line.
pub fn status(input: &InputSettings, loaded: &Loaded) -> ExitCode {
    if input.strict && loaded.diagnostics.counts.bad_lines > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    }
}
