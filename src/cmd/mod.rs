//! One module per subcommand, all of the same shape: settings in, rows out. The bookkeeping
//! they share (loading, reporting bad lines, the exit status) lives here once.

pub mod calls;
pub mod check;
pub mod summary;
pub mod timeline;

use std::io::Write;

use crate::config::{InputSettings, Job};
use crate::diagnostics::{Diagnostics, Read};
use crate::exit::ExitCode;
use crate::load::{self, Loaded, Settling, Sink};

/// Runs a job, writing results to `out` and diagnostics to `err`.
pub fn run(job: Job, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match job {
        Job::Calls(settings) => calls::run(&settings, out, err),
        Job::Summary { report, by } => summary::run(&report, by, out, err),
        Job::Check { input, format } => check::run(&input, format, out, err),
        Job::Timeline { report, mermaid } => timeline::run(&report, mermaid, out, err),
        Job::Completions { shell, mut command } => {
            clap_complete::generate(shell, &mut command, "callflow", out);
            Ok(ExitCode::Ok)
        }
        Job::Man(command) => {
            clap_mangen::Man::new(*command).render(out)?;
            Ok(ExitCode::Ok)
        }
    }
}

/// Loads the inputs and reports bad lines on `err`.
pub fn load_reported(input: &InputSettings, err: &mut dyn Write) -> anyhow::Result<Loaded> {
    let loaded = load::load(&input.inputs, &input.load)?;
    loaded.diagnostics.report_bad_lines(err, input.color_stderr, Read::Every)?;
    Ok(loaded)
}

/// Streams the inputs into `sink` as calls settle, then reports bad lines on `err`.
pub fn stream_reported(
    input: &InputSettings,
    settling: Settling,
    sink: &mut dyn Sink,
    err: &mut dyn Write,
) -> anyhow::Result<Diagnostics> {
    let diagnostics = load::stream(&input.inputs, &input.load, settling, sink)?;
    diagnostics.report_bad_lines(err, input.color_stderr, Read::Every)?;
    Ok(diagnostics)
}

/// The exit status of a run that completed: a failure only when `--strict` meets a bad line.
pub fn status(input: &InputSettings, diagnostics: &Diagnostics) -> ExitCode {
    if input.strict && diagnostics.counts.bad_lines > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    }
}
