//! The process boundary: parse arguments, set up stdout and stderr, run, and map errors to exit
//! codes. A closed stdout pipe (`callflow calls big.ndjson | head -1`) is a normal end: exit 0,
//! no message. Any other failure to write stdout (a full disk, a closed descriptor) exits 1 and
//! says so. stderr carries only diagnostics: when it cannot be written, the report on stdout
//! and the exit code are the same as when it can.

use std::cell::RefCell;
#[cfg(unix)]
use std::fs;
use std::io::{self, BufWriter, LineWriter, Write};
#[cfg(unix)]
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::rc::Rc;

use clap::Parser;

use callflow::cli::Cli;
use callflow::config::{Job, Terminal};
use callflow::exit::{ExitCode, UsageError};
use callflow::render::text::visible;

fn main() -> std::process::ExitCode {
    // Ctrl-C or SIGTERM ends the run at once with 130: a report to a file (-o) and a state are
    // only put in place once the run is done, so neither is left half written. While
    // following (--follow), the first one asks the run to stop cleanly instead, and a second
    // ends it at once. Should the handler fail to install, the default action is just as clean.
    let _ = ctrlc::set_handler(|| {
        if !callflow::input::follow::request_stop() {
            std::process::exit(ExitCode::Interrupted.code().into());
        }
    });
    let cli = Cli::parse();
    let mut err = Lenient(io::stderr());
    if stdout_was_closed() {
        let closed = io::Error::new(io::ErrorKind::NotConnected, "it is closed");
        return cannot_write(&closed, &mut err).into();
    }
    // Whether to colour is decided once, in `config` (`--color`, NO_COLOR, the terminal).
    // crossterm, which styles comfy-table's cells, would otherwise read NO_COLOR on its own
    // and strip the colours `--color always` asked for, leaving empty escape codes behind.
    crossterm::style::force_color_output(true);
    let terminal = Terminal::detect();
    let failed = Rc::new(RefCell::new(None));
    let stdout = Watched { inner: io::stdout().lock(), failed: Rc::clone(&failed) };
    let mut out: Box<dyn Write> = if terminal.stdout {
        Box::new(LineWriter::new(stdout))
    } else {
        Box::new(BufWriter::with_capacity(256 * 1024, stdout))
    };
    let result = Job::from_cli(&cli, terminal)
        .map_err(anyhow::Error::new)
        .and_then(|job| {
            if job.input().is_some_and(|input| input.stdin_from_terminal) {
                let _ = writeln!(
                    err,
                    "callflow: reading events from stdin (end with Ctrl-D); name log files or pipe one in, see callflow --help"
                );
            }
            callflow::run(job, &mut out, &mut err)
        })
        .and_then(|code| {
            out.flush()?;
            Ok(code)
        });
    // Whatever error type carries it (csv, serde_json, anyhow), a failed write to stdout was
    // seen by `Watched`; the run's own result says nothing more about it.
    let write_error = failed.borrow_mut().take();
    let code = match (result, write_error) {
        (_, Some(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::Ok,
        (_, Some(e)) => cannot_write(&e, &mut err),
        (Ok(code), None) => code,
        (Err(e), None) => {
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
    // Every byte was flushed above, or stdout has failed: dropping the buffer would only try
    // the failed write again.
    std::mem::forget(out);
    code.into()
}

/// Says that stdout failed; the run failed with it.
fn cannot_write(e: &io::Error, err: &mut dyn Write) -> ExitCode {
    let _ = writeln!(err, "callflow: cannot write to stdout: {e}");
    ExitCode::Failure
}

/// True when the process started with stdout closed (`>&-`). The standard library then opens
/// /dev/null in its place, for reading and writing, and the report would vanish without a
/// word; a shell's `> /dev/null` opens it for writing only, which is a choice to respect.
/// Where /proc cannot tell (not Linux), stdout is taken as open.
#[cfg(unix)]
fn stdout_was_closed() -> bool {
    let (Ok(stdout), Ok(null)) = (fs::metadata("/proc/self/fd/1"), fs::metadata("/dev/null")) else {
        return false;
    };
    let is_null = stdout.file_type().is_char_device() && stdout.rdev() == null.rdev();
    let flags = fs::read_to_string("/proc/self/fdinfo/1").ok().and_then(|info| {
        let octal = info.lines().find_map(|line| line.strip_prefix("flags:"))?;
        u32::from_str_radix(octal.trim(), 8).ok()
    });
    // O_ACCMODE is 3, O_RDWR 2.
    is_null && flags.is_some_and(|flags| flags & 3 == 2)
}

#[cfg(not(unix))]
fn stdout_was_closed() -> bool {
    false
}

/// stdout, remembering the first error a write or flush met.
struct Watched<W> {
    inner: W,
    failed: Rc<RefCell<Option<io::Error>>>,
}

impl<W> Watched<W> {
    fn note<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            let mut failed = self.failed.borrow_mut();
            if failed.is_none() {
                *failed =
                    Some(e.raw_os_error().map_or_else(|| io::Error::from(e.kind()), io::Error::from_raw_os_error));
            }
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// stderr for diagnostics: a write that fails is dropped, so that a full or closed stderr
/// neither stops the report on stdout nor changes the exit code.
struct Lenient<W>(W);

impl<W: Write> Write for Lenient<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}
