//! The process boundary: parse arguments, set up stdout, run, and map errors to exit codes.
//! A closed stdout pipe (`callflow calls big.ndjson | head -1`) is a normal end: exit 0, no message.

use std::io::{self, BufWriter, LineWriter, Write};

use clap::Parser;

use callflow::cli::Cli;
use callflow::config::Terminal;
use callflow::exit::{ExitCode, UsageError};
use callflow::render::text::visible;

fn main() -> std::process::ExitCode {
    // Ctrl-C ends the run at once with 130. Results are only written once all input is read,
    // so an interrupted load leaves stdout empty rather than holding half a report. Should the
    // handler fail to install, the default action (end by SIGINT) is just as clean.
    let _ = ctrlc::set_handler(|| std::process::exit(ExitCode::Interrupted.code().into()));
    let cli = Cli::parse();
    let terminal = Terminal::detect();
    let stdout = io::stdout();
    let mut out: Box<dyn Write> = if terminal.stdout {
        Box::new(LineWriter::new(stdout.lock()))
    } else {
        Box::new(BufWriter::with_capacity(256 * 1024, stdout.lock()))
    };
    // Not locked for the whole run: the progress line is drawn from other threads, which
    // would wait forever on a lock held here.
    let mut err = io::stderr();
    let result = callflow::run(cli, terminal, &mut out, &mut err).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    let code = match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::Ok,
        Err(e) => {
            // A file name or a --call id may hold control characters; the message's own line
            // breaks (a list of candidates) stay.
            let message = format!("{e:#}");
            let lines: Vec<_> = message.split('\n').map(visible).collect();
            let _ = writeln!(err, "callflow: {}", lines.join("\n"));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::Usage
            } else {
                ExitCode::Failure
            }
        }
    };
    // A flush that fails on a closed pipe at exit is not an error worth a panic.
    std::mem::forget(out);
    code.into()
}

/// True when the error chain holds a broken pipe: the reader went away, which is fine.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}
