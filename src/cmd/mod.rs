//! One module per subcommand, all of the same shape: settings in, rows out. The bookkeeping
//! they share (loading, reporting bad lines, the exit status) lives here once, and that of
//! following live inputs (`--follow`) in `live`.

pub mod calls;
pub mod check;
#[cfg(feature = "parquet")]
pub mod export;
pub mod live;
pub mod summary;
pub mod timeline;

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use crate::cli::FailOn;
use crate::config::OutputSettings;
use crate::config::{InputSettings, Job};
use crate::diagnostics::{CallTally, Diagnostics, Read};
use crate::exit::{ExitCode, UsageError};
use crate::input::InputSpec;
use crate::load::state::State;
use crate::load::{self, Carried, Loaded, Settling, Sink};
use crate::model::{Call, Dataset};
use crate::render::atomic::AtomicFile;
use crate::render::counted;
use crate::render::Format;
use crate::report::hint::{self, Present};
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// Runs a job, writing results to `out` (or, with `-o`, to its file) and diagnostics to `err`.
/// A run that succeeds puts its `-o` report in place, then saves its `--state`; one that fails
/// leaves both as they were.
pub fn run(job: Job, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    PENDING_STATE.lock().unwrap_or_else(PoisonError::into_inner).take();
    let file = job.input().and_then(|input| input.output_file.clone());
    let code = match &file {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            let code = dispatch(job, &mut file, err)?;
            if code == ExitCode::Ok {
                file.commit()?;
            }
            code
        }
        None => dispatch(job, out, err)?,
    };
    let pending = PENDING_STATE.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let (ExitCode::Ok, Some((state, carried))) = (code, pending) {
        state.save(carried)?;
    }
    Ok(code)
}

/// Runs a job's command.
fn dispatch(job: Job, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match job {
        Job::Calls(settings) => calls::run(&settings, out, err),
        Job::Summary { report, summary } => match summary.every {
            Some(every) => summary::live::run(&report, &summary, every, out, err),
            None => summary::run(&report, &summary, out, err),
        },
        Job::Check { input, format } => check::run(&input, format, out, err),
        Job::Export(settings) => export(&settings, err),
        Job::Timeline { report, mermaid } => timeline::run(&report, mermaid, out, err),
        Job::Completions { shell, mut command } => {
            clap_complete::generate(shell, &mut command, "callflow", out);
            Ok(ExitCode::Ok)
        }
        Job::Man { pages, dir } => {
            for page in pages {
                let man = clap_mangen::Man::new(page);
                match &dir {
                    None => man.render(out)?,
                    Some(dir) => writeln!(out, "{}", man.generate_to(dir)?.display())?,
                }
            }
            Ok(ExitCode::Ok)
        }
    }
}

/// Runs `export`.
#[cfg(feature = "parquet")]
fn export(settings: &crate::config::ExportSettings, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    export::run(settings, err)
}

/// Refuses `export` in a build without Parquet (`config` already does; this keeps the match whole).
#[cfg(not(feature = "parquet"))]
fn export(_: &crate::config::ExportSettings, _: &mut dyn Write) -> anyhow::Result<ExitCode> {
    Err(UsageError("this callflow was built without Parquet support".into()).into())
}

/// Loads the inputs and reports bad lines on `err`. Inputs with lines but not one event are
/// an error: a CSV or another system's log given by mistake, not a quiet night.
pub(crate) fn load_reported(input: &InputSettings, err: &mut dyn Write) -> anyhow::Result<Loaded> {
    if input.state.is_some() {
        return Err(UsageError(
            "--state carries calls between runs of calls with --format csv or json, of summary and of check".into(),
        )
        .into());
    }
    let loaded = load::load(&input.inputs, &input.load)?;
    report(input, &loaded.diagnostics, err)?;
    Ok(loaded)
}

/// Fails a run whose inputs held lines but no event, else reports its bad lines on `err`.
fn report(input: &InputSettings, diagnostics: &Diagnostics, err: &mut dyn Write) -> anyhow::Result<()> {
    if diagnostics.counts.no_event() {
        return Err(NotEvents::new(&input.inputs, diagnostics, input.load.redact.is_some()).into());
    }
    diagnostics.report_bad_lines(err, input.color_stderr, Read::Every, input.load.redact.is_some())?;
    diagnostics.report_late(err, input.color_stderr)?;
    Ok(())
}

/// Streams the inputs into `sink` as calls settle, then reports bad lines on `err`. With
/// `--state`, the calls the previous run carried come first, and the calls still in flight at
/// the end are kept for the next run: the state is saved by [`run`] once the run succeeded
/// and its report is in place.
pub(crate) fn stream_reported(
    input: &InputSettings,
    settling: Settling,
    sink: &mut dyn Sink,
    err: &mut dyn Write,
) -> anyhow::Result<Diagnostics> {
    let diagnostics =
        if input.follow { live::stream(input, settling, sink, err)? } else { stream(input, settling, sink)? };
    report(input, &diagnostics, err)?;
    Ok(diagnostics)
}

/// [`stream_reported`] without the report on stderr.
pub fn stream(input: &InputSettings, settling: Settling, sink: &mut dyn Sink) -> anyhow::Result<Diagnostics> {
    let Some(plan) = &input.state else {
        return load::stream(&input.inputs, &input.load, settling, sink);
    };
    let mut state = State::open(&plan.path)?;
    state.consume(&input.inputs)?;
    let carry = state.carry(plan.max_open);
    let (diagnostics, carried) = load::stream_carrying(&input.inputs, &input.load, settling, Some(carry), sink)?;
    if let Some(carried) = carried {
        *PENDING_STATE.lock().unwrap_or_else(PoisonError::into_inner) = Some((state, carried));
    }
    Ok(diagnostics)
}

/// A state to save once the run has succeeded: the run's report must be whole before the state
/// moves past its calls, and a failed run must leave the state as it was. Set by
/// [`stream_reported`], taken by [`run`].
static PENDING_STATE: Mutex<Option<(State, Carried)>> = Mutex::new(None);

/// The exit status of a run that completed: a failure when `--strict` or `--fail-on` meets
/// what it names, in the lines read or in `calls`, the calls the report counted.
pub(crate) fn status_of(input: &InputSettings, diagnostics: &Diagnostics, calls: &CallTally) -> ExitCode {
    let counts = &diagnostics.counts;
    let failed = input.fail_on.iter().any(|fail| match fail {
        FailOn::Bad => counts.bad_lines > 0,
        FailOn::Late => counts.late > 0,
        FailOn::Incomplete => calls.incomplete_calls > 0,
        FailOn::Open => calls.open_calls > 0,
        FailOn::Suspicious => calls.suspicious_calls > 0,
    });
    if failed {
        ExitCode::Failure
    } else {
        ExitCode::Ok
    }
}

/// Inputs with lines, none of them a webhook event.
#[derive(Debug)]
pub(crate) struct NotEvents {
    /// Lines read.
    lines: u64,
    /// The inputs, as named on the command line.
    inputs: String,
    /// The first bad line's number and reason, as a clue.
    first: Option<String>,
}

impl NotEvents {
    /// With `mask`, numbers quoted from the first bad line are blanked.
    fn new(inputs: &[InputSpec], diagnostics: &Diagnostics, mask: bool) -> Self {
        let names: Vec<String> = inputs.iter().map(ToString::to_string).collect();
        let inputs = match names.as_slice() {
            [one] => one.clone(),
            many => format!("the {} inputs ({})", many.len(), many.join(", ")),
        };
        let first = diagnostics.bad.first().map(|bad| format!("line {}: {}", bad.line, bad.reason(mask)));
        NotEvents { lines: diagnostics.counts.lines, inputs, first }
    }
}

impl std::fmt::Display for NotEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines = counted(self.lines, "line", "lines");
        let clue = self.first.as_deref().map(|first| format!("; {first}")).unwrap_or_default();
        write!(
            f,
            "none of the {lines} of {} is a Conpeek webhook event (expected JSON objects with \
             event_type/event_name{clue}); is this the right file?",
            self.inputs
        )
    }
}

impl std::error::Error for NotEvents {}

/// Says on `err` why a report kept no call, when the filters found nothing: which filter, and
/// the values near it that the input has.
pub(crate) fn explain_empty(
    selection: &Selection,
    present: &Present,
    zone: &Zone,
    kept: usize,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    if kept > 0 {
        return Ok(());
    }
    for note in hint::why_empty(selection, present, zone) {
        writeln!(err, "callflow: {note}")?;
    }
    Ok(())
}

/// The calls a streamed report keeps as they settle: its filters applied, the calls kept
/// counted by problem for `--fail-on`, and, until one is kept, what the input has, to say why
/// none was.
pub(crate) struct Keeping<'s> {
    selection: &'s Selection,
    present: Option<Present>,
    /// Calls kept so far.
    pub(crate) kept: usize,
    /// The calls kept, by problem.
    pub(crate) tally: CallTally,
}

impl<'s> Keeping<'s> {
    /// Nothing kept yet under `selection`.
    pub(crate) fn new(selection: &'s Selection) -> Self {
        let present = (*selection != Selection::default()).then(Present::default);
        Keeping { selection, present, kept: 0, tally: CallTally::default() }
    }

    /// The calls of `ds` the report keeps, in order.
    pub(crate) fn keep<'d>(&mut self, ds: &'d Dataset) -> Vec<&'d Call>
    where
        's: 'd,
    {
        let calls: Vec<&Call> = self.selection.apply(ds).collect();
        self.kept += calls.len();
        calls.iter().for_each(|call| self.tally.add(call));
        if let Some(present) = self.present.as_mut().filter(|_| self.kept == 0) {
            present.add(self.selection, ds);
        }
        calls
    }

    /// Says on `err` why no call was kept, if none was (see [`explain_empty`]).
    pub(crate) fn explain(&self, zone: &Zone, err: &mut dyn Write) -> std::io::Result<()> {
        match &self.present {
            Some(present) => explain_empty(self.selection, present, zone, self.kept, err),
            None => Ok(()),
        }
    }
}

/// Warns that `rows` rows were written after rows of calls that started later: the input was
/// out of order by more than the grace of settling.
pub(crate) fn warn_out_of_order(rows: usize, err: &mut dyn Write) -> std::io::Result<()> {
    match rows {
        0 => Ok(()),
        rows => writeln!(
            err,
            "callflow: warning: {} written after later-starting calls: the input is out of order by more than \
             --settle",
            counted(rows as u64, "row", "rows")
        ),
    }
}

/// Tables longer than this get a note on stderr: people do not read them, and CSV is cheaper.
pub(crate) const LONG_TABLE_ROWS: usize = 1000;

/// Notes on stderr that a table of `rows` rows is long, suggesting CSV or a filter; the table
/// is still written, before the note, so that the note is what a reader at a terminal sees
/// last. Other formats are for programs, which want every row.
pub(crate) fn note_long_table(rows: usize, output: &OutputSettings, err: &mut dyn Write) -> std::io::Result<()> {
    if output.format == Format::Table && rows > LONG_TABLE_ROWS {
        writeln!(err, "callflow: note: the table has {rows} rows; --format csv or a filter suits that many better")?;
    }
    Ok(())
}
