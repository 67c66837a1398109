//! One module per subcommand, all of the same shape: settings in, rows out. The bookkeeping
//! they share (loading, reporting bad lines, the exit status) lives here once.

pub mod calls;
pub mod check;
pub mod summary;
pub mod timeline;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::config::{InputSettings, OutputSettings, Terminal};
use crate::exit::ExitCode;
use crate::load::{self, Loaded};
use crate::render::Format;

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
    loaded.diagnostics.report_bad_lines(err, input.color_stderr)?;
    Ok(loaded)
}

/// Tables longer than this get a note on stderr: people do not read them, and CSV is cheaper.
pub const LONG_TABLE_ROWS: usize = 1000;

/// Notes on stderr that a table of `rows` rows is long, suggesting CSV or a filter; the table
/// is still written, before the note, so that the note is what a reader at a terminal sees
/// last. Other formats are for programs, which want every row.
pub fn note_long_table(rows: usize, output: &OutputSettings, err: &mut dyn Write) -> std::io::Result<()> {
    if output.format == Format::Table && rows > LONG_TABLE_ROWS {
        writeln!(err, "callflow: note: the table has {rows} rows; --format csv or a filter suits that many better")?;
    }
    Ok(())
}

/// The exit status of a run that completed: a failure only when `--strict` meets a bad line.
pub fn status(input: &InputSettings, loaded: &Loaded) -> ExitCode {
    if input.strict && loaded.diagnostics.counts.bad_lines > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    }
}
