//! Raw arguments -> validated settings. This is the only place that reads the environment or
//! asks whether a stream is a terminal; nothing downstream sees clap types.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::assemble::redact::Redactor;
use crate::cli::{
    ByArg, CheckFormat, Cli, ColorArg, Command, CsvArgs, ExportArgs, FailOn, FilterArgs, FormatArg, GlobalArgs,
    InputArgs, ManArgs, OutcomeArg, OutputArgs, SummaryArgs,
};
use crate::cmd::calls::CSV_COLUMNS;
use crate::cmd::summary::{summary_columns, PERIOD_COLUMN};
use crate::cmd::timeline::CSV_COLUMNS as EVENT_COLUMNS;
use crate::exit::UsageError;
use crate::input::progress::Progress;
use crate::input::{self, InputSpec};
use crate::load::{LoadOptions, Settling};
use crate::locate::CallId;
use crate::metrics::aggregate::{Definitions, GroupKey};
use crate::metrics::Outcome;
use crate::render::csv_layout::CsvLayout;
use crate::render::Format;
use crate::report::select::{OutcomeFilter, Selection};
use crate::report::timefmt::Zone;

/// What the process is attached to, detected once, and what the user chose for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    /// stdout is a terminal (line-buffer it, tables may use its width).
    pub stdout: bool,
    /// stderr is a terminal.
    pub stderr: bool,
    /// stdin is a terminal: reading it waits for someone to type.
    pub stdin: bool,
    /// Colour results on stdout.
    pub color: bool,
    /// Colour warnings on stderr.
    pub color_stderr: bool,
    /// No progress line.
    pub quiet: bool,
    /// The columns a table on stdout may take: `None` when stdout is not a terminal (tables
    /// then never wrap nor cut), else `COLUMNS` or the terminal's own width.
    pub width: Option<u16>,
}

impl Terminal {
    /// Looks at the real stdout and stderr; no colour until [`Terminal::choose`] says so.
    pub fn detect() -> Self {
        let stdout = std::io::stdout().is_terminal();
        let width = stdout.then(|| {
            let real = crossterm::terminal::size().ok().map(|(columns, _)| columns);
            terminal_width(std::env::var("COLUMNS").ok().as_deref(), real)
        });
        Terminal {
            stdout,
            stderr: std::io::stderr().is_terminal(),
            stdin: std::io::stdin().is_terminal(),
            width,
            ..Terminal::default()
        }
    }

    /// Applies `--color`, `--quiet` and the `NO_COLOR` convention (<https://no-color.org>):
    /// colour on a terminal unless `NO_COLOR` is set to anything non-empty, or as forced.
    pub fn choose(self, global: &GlobalArgs) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match global.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => tty && !no_color,
        };
        Terminal { color: decide(self.stdout), color_stderr: decide(self.stderr), quiet: global.quiet, ..self }
    }
}

/// The width of the terminal stdout is: `COLUMNS` when it holds a width (the shell keeps it
/// current, and a user sets it to narrow a report), else what the terminal says, else 80.
fn terminal_width(columns: Option<&str>, real: Option<u16>) -> u16 {
    let set = columns.and_then(|value| value.trim().parse::<u16>().ok());
    set.filter(|&w| w > 0).or(real.filter(|&w| w > 0)).unwrap_or(80)
}

/// What to run, with every setting validated: the commands see this, never clap's types.
#[derive(Debug)]
pub enum Job {
    /// `calls`.
    Calls(ReportSettings),
    /// `summary`.
    Summary {
        /// Inputs, filters and output.
        report: ReportSettings,
        /// Grouping and figures.
        summary: SummarySettings,
    },
    /// `check`.
    Check {
        /// The inputs.
        input: InputSettings,
        /// Table or JSON.
        format: Format,
    },
    /// `timeline`.
    Timeline {
        /// Inputs, filters and output.
        report: ReportSettings,
        /// Mermaid diagrams instead of the chosen format.
        mermaid: bool,
    },
    /// `export`.
    Export(ExportSettings),
    /// A shell completion script for this command line.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
        /// The command line to complete.
        command: Box<clap::Command>,
    },
    /// Manual pages: one to stdout, or every one into a folder.
    Man {
        /// The pages: callflow(1) and those of its subcommands, named as they refer to each other.
        pages: Vec<clap::Command>,
        /// Write the pages into this folder instead of stdout.
        dir: Option<PathBuf>,
    },
}

impl Job {
    /// Validates the parsed command line; `terminal` is what the process is attached to.
    pub fn from_cli(cli: &Cli, terminal: Terminal) -> Result<Self, UsageError> {
        let terminal = terminal.choose(&cli.global);
        Ok(match &cli.command {
            Command::Calls(args) => {
                if let Some(by) = &args.by {
                    return Err(grouping_is_for_summary(by));
                }
                let mut report =
                    ReportSettings::from_args(&args.input, &args.filter, &args.output, terminal, &CSV_COLUMNS)?;
                if report.output.format == Format::Parquet {
                    parquet_built()?;
                    if report.input.output_file.is_none() {
                        return Err(UsageError(
                            "--format parquet writes a binary file: name it with -o FILE (callflow export writes \
                             calls, legs and events into a folder)"
                                .into(),
                        ));
                    }
                }
                if args.follow {
                    report.input.follow(&args.input.settle)?;
                }
                Job::Calls(report)
            }
            Command::Export(args) => Job::Export(ExportSettings::from_args(args, terminal)?),
            Command::Summary(args) => {
                let mut summary = SummarySettings::from_args(args)?;
                let figures = summary_columns(&summary);
                let period = args.follow.then_some(PERIOD_COLUMN);
                let keys = summary.by.iter().map(|key| key.column());
                let columns: Vec<&str> =
                    period.into_iter().chain(keys).chain(figures.iter().map(String::as_str)).collect();
                let mut report =
                    ReportSettings::from_args(&args.input, &args.filter, &args.output, terminal, &columns)?;
                if summary.compare.is_some() && (report.selection.since.is_none() || report.selection.until.is_none()) {
                    return Err(UsageError(
                        "--compare shifts a period back: name it with --day, or --since and --until".into(),
                    ));
                }
                if args.follow {
                    if summary.compare.is_some() {
                        return Err(UsageError(
                            "--follow writes each period as it ends; --compare needs both periods whole: run it over \
                             the files"
                                .into(),
                        ));
                    }
                    if !matches!(report.output.format, Format::Csv | Format::Json) {
                        return Err(UsageError(
                            "summary --follow appends each period's rows: use --format csv or json".into(),
                        ));
                    }
                    report.input.follow(&args.input.settle)?;
                    let seconds = seconds("--every", &args.every)?;
                    if seconds == 0 {
                        return Err(UsageError("--every must be at least 1s".into()));
                    }
                    summary.every = Some(std::time::Duration::from_secs(seconds.unsigned_abs()));
                }
                Job::Summary { report: calls_only_parquet(report, "summary")?, summary }
            }
            Command::Check(args) => Job::Check {
                input: InputSettings::from_args(&args.input, terminal)?,
                format: match args.format {
                    CheckFormat::Table => Format::Table,
                    CheckFormat::Json => Format::Json,
                    CheckFormat::Csv => Format::Csv,
                },
            },
            Command::Timeline(args) => {
                let report =
                    ReportSettings::from_args(&args.input, &args.filter, &args.output, terminal, &EVENT_COLUMNS)?;
                Job::Timeline { report: calls_only_parquet(report, "timeline")?, mermaid: args.mermaid }
            }
            Command::Completions { shell } => Job::Completions { shell: *shell, command: Box::new(Cli::command()) },
            Command::Man(args) => man_pages(args)?,
        })
    }

    /// The inputs the job reads, if it reads any.
    pub fn input(&self) -> Option<&InputSettings> {
        match self {
            Job::Calls(report) | Job::Summary { report, .. } | Job::Timeline { report, .. } => Some(&report.input),
            Job::Check { input, .. } => Some(input),
            Job::Export(export) => Some(&export.input),
            Job::Completions { .. } | Job::Man { .. } => None,
        }
    }
}

/// The manual pages `man` asks for. Built once so that subcommands carry their display name
/// (`callflow-calls`), the name callflow(1) refers to them by; no `help` subcommand, which
/// has no page.
fn man_pages(args: &ManArgs) -> Result<Job, UsageError> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let subcommands: Vec<clap::Command> = command.get_subcommands().filter(|c| !c.is_hide_set()).cloned().collect();
    let pages = match (&args.page, &args.dir) {
        (_, Some(_)) => std::iter::once(command.clone()).chain(subcommands).collect(),
        (None, None) => vec![command.clone()],
        (Some(name), None) => {
            let page = subcommands.iter().find(|c| c.get_name() == name).cloned().ok_or_else(|| {
                let names: Vec<&str> = subcommands.iter().map(|c| c.get_name()).collect();
                UsageError(format!("no subcommand {name:?}; the pages are: {}", names.join(", ")))
            })?;
            vec![page]
        }
    };
    Ok(Job::Man { pages, dir: args.dir.clone() })
}

/// The error for `calls --by KEY`: grouping is what `summary` does.
fn grouping_is_for_summary(by: &[String]) -> UsageError {
    let keys = if by.is_empty() { "consultant".to_owned() } else { by.join(",") };
    UsageError(format!(
        "calls lists calls one by one and has no --by; for totals per group, run \
         `callflow summary --by {keys}` with the same files and filters"
    ))
}

/// What `summary` groups by and how its figures are defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummarySettings {
    /// The grouping keys, in order, each once.
    pub by: Vec<GroupKey>,
    /// Percentiles and the thresholds of the contact-center figures.
    pub definitions: Definitions,
    /// `--kpi`: the table shows every contact-center figure.
    pub kpi: bool,
    /// `--compare`: also report the period shifted back by this many seconds.
    pub compare: Option<i64>,
    /// With `--follow`: how often the totals of the calls that ended are written.
    pub every: Option<std::time::Duration>,
}

impl SummarySettings {
    /// From the arguments of `summary`.
    pub fn from_args(args: &SummaryArgs) -> Result<Self, UsageError> {
        let mut percentiles: Vec<u32> = Vec::with_capacity(args.percentiles.len());
        for &pct in &args.percentiles {
            if !(1..=100).contains(&pct) {
                return Err(UsageError(format!("--percentiles {pct}: a percentile is a whole number from 1 to 100")));
            }
            if !percentiles.contains(&pct) {
                percentiles.push(pct);
            }
        }
        let definitions = Definitions {
            percentiles,
            sla: seconds("--sla", &args.sla)?,
            short_abandon: seconds("--short-abandon", &args.filter.short_abandon)?,
        };
        let compare = args.compare.as_deref().map(|period| seconds("--compare", period)).transpose()?;
        if compare == Some(0) {
            return Err(UsageError("--compare 0 compares a period with itself: use a period such as 1d or 1w".into()));
        }
        Ok(SummarySettings { by: group_keys(&args.by), definitions, kpi: args.kpi, compare, every: None })
    }
}

/// The grouping keys, in the order given; a key repeated by mistake counts once.
pub fn group_keys(by: &[ByArg]) -> Vec<GroupKey> {
    let mut keys = Vec::with_capacity(by.len());
    for arg in by {
        let key = match arg {
            ByArg::Consultant => GroupKey::Consultant,
            ByArg::Project => GroupKey::Project,
            ByArg::Direction => GroupKey::Direction,
            ByArg::Outcome => GroupKey::Outcome,
            ByArg::HangupSide => GroupKey::HangupSide,
            ByArg::Day => GroupKey::Day,
            ByArg::Hour => GroupKey::Hour,
            ByArg::CloseCause => GroupKey::CloseCause,
            ByArg::Weekday => GroupKey::Weekday,
            ByArg::Client => GroupKey::Client,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Inputs larger than this (in total) get a progress line on a terminal.
const PROGRESS_BYTES: u64 = 50 * 1024 * 1024;

/// Where input comes from and how it is read.
#[derive(Debug, Clone)]
pub struct InputSettings {
    /// The inputs in the order given; stdin when none.
    pub inputs: Vec<InputSpec>,
    /// Line limits.
    pub load: LoadOptions,
    /// Bad lines make the run fail.
    pub strict: bool,
    /// How calls settle while the input streams; `None` holds every call to the end.
    pub settling: Option<Settling>,
    /// Colour warnings on stderr.
    pub color_stderr: bool,
    /// stdin is read from a terminal: say so before waiting, or the run looks hung.
    pub stdin_from_terminal: bool,
    /// `--state`: where calls in flight are carried between runs.
    pub state: Option<StateSettings>,
    /// What else fails the run (`--fail-on`); `--strict` is `bad` here.
    pub fail_on: Vec<FailOn>,
    /// `-o`: the report goes to this file, whole, and only when the run succeeds.
    pub output_file: Option<std::path::PathBuf>,
    /// `--follow`: the inputs never end; calls are written as they settle until a stop.
    pub follow: bool,
}

/// How `--state` carries calls between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSettings {
    /// The state file.
    pub path: std::path::PathBuf,
    /// Seconds of log time a call may stay open before it is reported open and dropped.
    pub max_open: i64,
}

impl InputSettings {
    /// From the input arguments; a progress line is drawn only on a terminal, without
    /// `--quiet`, for several files, stdin, or more than 50 MB.
    pub fn from_args(args: &InputArgs, terminal: Terminal) -> Result<Self, UsageError> {
        if args.max_line_bytes == 0 {
            return Err(UsageError("--max-line-bytes must be at least 1".into()));
        }
        let inputs = if args.files.is_empty() {
            vec![InputSpec::Stdin]
        } else {
            args.files.iter().map(|f| InputSpec::from_arg(f)).collect()
        };
        let total = input::total_size(&inputs);
        let large = inputs.len() > 1 || total.is_none_or(|bytes| bytes > PROGRESS_BYTES);
        let load = LoadOptions {
            max_line_bytes: args.max_line_bytes,
            threads: args.threads.map_or(0, usize::from),
            progress: (terminal.stderr && !terminal.quiet && large).then(|| Progress::new(total)),
            redact: args
                .redact_key_file
                .as_deref()
                .map(|path| Redactor::from_file(path).map_err(|e| UsageError(format!("--redact-key-file: {e}"))))
                .transpose()?,
            ..LoadOptions::default()
        };
        let state = args
            .state
            .as_ref()
            .map(|path| {
                Ok::<_, UsageError>(StateSettings {
                    path: path.clone(),
                    max_open: seconds("--max-open", &args.max_open)?,
                })
            })
            .transpose()?;
        let settling = match args.settle.trim() {
            // Carrying calls needs the streamed path: it holds every call to the end then.
            "off" if state.is_some() => Some(Settling {
                grace: i64::MAX / 4,
                every_events: usize::MAX,
                min_events: usize::MAX,
                ..Settling::default()
            }),
            "off" => None,
            grace => Some(Settling { grace: seconds("--settle", grace)?, ..Settling::default() }),
        };
        let mut fail_on = args.fail_on.clone();
        if args.strict && !fail_on.contains(&FailOn::Bad) {
            fail_on.push(FailOn::Bad);
        }
        let stdin_from_terminal =
            terminal.stdin && !terminal.quiet && inputs.iter().any(|i| matches!(i, InputSpec::Stdin));
        Ok(InputSettings {
            inputs,
            load,
            strict: args.strict,
            settling,
            color_stderr: terminal.color_stderr,
            stdin_from_terminal,
            state,
            fail_on,
            output_file: args.output.clone(),
            follow: false,
        })
    }

    /// Follows the inputs (`--follow`) with the grace `settle`. A follow writes rows one by one,
    /// as calls settle: a report written whole (`-o`) or calls held to the end (`--settle off`)
    /// cannot be.
    pub fn follow(&mut self, settle: &str) -> Result<(), UsageError> {
        if self.output_file.is_some() {
            return Err(UsageError(
                "--follow writes rows as calls end, and -o writes a report whole once the input ends; pipe into \
                 `tee -a FILE` instead"
                    .into(),
            ));
        }
        let Some(settling) = self.settling.as_mut().filter(|_| settle.trim() != "off") else {
            return Err(UsageError(
                "--follow needs --settle as a duration: with off, no call would ever be written".into(),
            ));
        };
        // Every merged block may settle calls: lines come a few at a time.
        settling.min_events = 1;
        self.load.progress = None;
        self.follow = true;
        Ok(())
    }
}

/// Whole seconds from a duration such as `90s`, `5m` or `1h 30m` (a bare number is seconds).
pub fn seconds(flag: &str, text: &str) -> Result<i64, UsageError> {
    let text = text.trim();
    let parsed = match text.parse::<u64>() {
        Ok(seconds) => Ok(std::time::Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text),
    };
    parsed
        .ok()
        .and_then(|duration| i64::try_from(duration.as_secs()).ok())
        .ok_or_else(|| UsageError(format!("cannot read {flag} {text:?}: use a duration such as 90s, 5m or 2h")))
}

/// The local date `text` names in `zone`: `YYYY-MM-DD`, `today` or `yesterday` (as of `now`);
/// `None` for anything else.
fn named_day(text: &str, zone: &Zone, now: i64) -> Result<Option<chrono::NaiveDate>, UsageError> {
    let today = zone.local(now).date();
    Ok(match text.trim() {
        "today" => Some(today),
        "yesterday" => Some(today.pred_opt().ok_or_else(|| UsageError("yesterday is out of range".into()))?),
        other => chrono::NaiveDate::parse_from_str(other, "%Y-%m-%d").ok(),
    })
}

/// A `--since`/`--until` time: a date or time in `zone`, RFC 3339, `today` or `yesterday`
/// (their midnight), or a duration back from `now` (`-2h`, `-30m`).
fn user_time(text: &str, zone: &Zone, now: i64) -> Result<i64, UsageError> {
    let trimmed = text.trim();
    if let Some(ago) = trimmed.strip_prefix('-') {
        return Ok(now - seconds("--since/--until", ago)?);
    }
    if let Some(day) = named_day(trimmed, zone, now)?.filter(|_| matches!(trimmed, "today" | "yesterday")) {
        return zone.instant(day.and_time(chrono::NaiveTime::MIN));
    }
    zone.parse_user_time(trimmed)
}

/// How output is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSettings {
    /// Table, CSV or JSON.
    pub format: Format,
    /// The zone times are shown in.
    pub zone: Zone,
    /// What stdout and stderr are, and whether to colour them.
    pub terminal: Terminal,
    /// Separator, header and columns of CSV output.
    pub csv: CsvLayout,
}

impl OutputSettings {
    /// From the output arguments; `columns` are the command's CSV columns, which `--columns`
    /// chooses from.
    pub fn from_args(args: &OutputArgs, terminal: Terminal, columns: &[&str]) -> Result<Self, UsageError> {
        let zone = match &args.tz {
            Some(name) => name.parse()?,
            None => Zone::Utc,
        };
        let format = match args.format {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Parquet => Format::Parquet,
        };
        let mut csv = csv_layout(&args.csv, columns)?;
        if format != Format::Csv && csv != CsvLayout::default() {
            return Err(UsageError("--delimiter, --no-header and --columns shape CSV output: add --format csv".into()));
        }
        csv.safe = args.csv_safe;
        Ok(OutputSettings { format, zone, terminal, csv })
    }
}

/// The CSV layout the arguments ask for, columns checked against the command's `columns`.
fn csv_layout(args: &CsvArgs, columns: &[&str]) -> Result<CsvLayout, UsageError> {
    let delimiter = match args.delimiter.as_deref() {
        None => b',',
        Some("tab" | "\\t" | "\t") => b'\t',
        // Named, since a bare `;` ends a shell command.
        Some("semicolon") => b';',
        Some(text) => match text.as_bytes() {
            [byte] if byte.is_ascii() && !matches!(byte, b'"' | b'\n' | b'\r') => *byte,
            _ => {
                return Err(UsageError(format!(
                    "--delimiter {text:?} must be one ASCII character, `tab` or `semicolon`, and not a quote"
                )))
            }
        },
    };
    let picked = if args.columns.is_empty() {
        None
    } else {
        Some(CsvLayout::pick(columns, &args.columns).map_err(|e| UsageError(format!("--columns: {e}")))?)
    };
    Ok(CsvLayout { delimiter, header: !args.no_header, columns: picked, safe: false })
}

/// What `export` runs with.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// Inputs and how to read them.
    pub input: InputSettings,
    /// Which calls to export.
    pub selection: Selection,
    /// The folder of the tables.
    pub out: PathBuf,
}

impl ExportSettings {
    /// From `export`'s arguments: filter times are UTC, as the partitions' days are.
    pub fn from_args(args: &ExportArgs, terminal: Terminal) -> Result<Self, UsageError> {
        parquet_built()?;
        if args.input.output.is_some() {
            return Err(UsageError("export writes into the folder given with --out, not to -o FILE".into()));
        }
        Ok(ExportSettings {
            input: InputSettings::from_args(&args.input, terminal)?,
            selection: Selection::from_args(&args.filter, Zone::Utc)?,
            out: args.out.clone(),
        })
    }
}

/// Refuses `--format parquet` for `command`: only `calls` writes Parquet (and `export`, which
/// holds the events `timeline` lists).
fn calls_only_parquet(report: ReportSettings, command: &str) -> Result<ReportSettings, UsageError> {
    if report.output.format == Format::Parquet {
        return Err(UsageError(format!(
            "{command} has no --format parquet: `callflow calls --format parquet -o FILE` writes the calls, \
             `callflow export --out DIR` the calls, legs and events"
        )));
    }
    Ok(report)
}

/// Fails when this build has no Parquet writer (built without the `parquet` feature).
fn parquet_built() -> Result<(), UsageError> {
    if cfg!(feature = "parquet") {
        Ok(())
    } else {
        Err(UsageError("this callflow was built without Parquet support (cargo feature `parquet`)".into()))
    }
}

/// What every report command (`calls`, `summary`, `timeline`) starts from.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// Inputs and how to read them.
    pub input: InputSettings,
    /// Format, zone, terminal.
    pub output: OutputSettings,
    /// Which calls to report.
    pub selection: Selection,
}

impl ReportSettings {
    /// From the three argument groups the report commands share; `columns` are the command's
    /// CSV columns.
    pub fn from_args(
        input: &InputArgs,
        filter: &FilterArgs,
        output: &OutputArgs,
        terminal: Terminal,
        columns: &[&str],
    ) -> Result<Self, UsageError> {
        let output = OutputSettings::from_args(output, terminal, columns)?;
        Ok(ReportSettings {
            input: InputSettings::from_args(input, terminal)?,
            selection: Selection::from_args(filter, output.zone)?,
            output,
        })
    }
}

impl Selection {
    /// From the filter arguments; times are read in `zone`.
    pub fn from_args(args: &FilterArgs, zone: Zone) -> Result<Self, UsageError> {
        Selection::from_args_at(args, zone, chrono::Utc::now().timestamp())
    }

    /// [`Selection::from_args`] with `now` as the time `today`, `yesterday` and `-2h` count
    /// from.
    pub fn from_args_at(args: &FilterArgs, zone: Zone, now: i64) -> Result<Self, UsageError> {
        let (since, until) = match &args.day {
            Some(day) => {
                let date = named_day(day, &zone, now)?.ok_or_else(|| {
                    UsageError(format!("cannot read --day {day:?}: use YYYY-MM-DD, today or yesterday"))
                })?;
                let next = date.succ_opt().ok_or_else(|| UsageError(format!("--day {day:?} is out of range")))?;
                let midnight = chrono::NaiveTime::MIN;
                (Some(zone.instant(date.and_time(midnight))?), Some(zone.instant(next.and_time(midnight))?))
            }
            None => (
                args.since.as_deref().map(|t| user_time(t, &zone, now)).transpose()?,
                args.until.as_deref().map(|t| user_time(t, &zone, now)).transpose()?,
            ),
        };
        if let (Some(since), Some(until)) = (since, until) {
            if since >= until {
                let (since, until) = (zone.rfc3339(since), zone.rfc3339(until));
                return Err(UsageError(format!("--since {since} is not before --until {until}: no call can match")));
            }
        }
        Ok(Selection {
            since,
            until,
            direction: args.direction.map(|d| format!("{d:?}").to_uppercase()),
            consultant: args.consultant.clone(),
            project: args.project.clone(),
            outcome: match args.outcome {
                None => None,
                Some(OutcomeArg::Answered) => Some(OutcomeFilter::Is(Outcome::Answered)),
                Some(OutcomeArg::NotAnswered) => Some(OutcomeFilter::Is(Outcome::NotAnswered)),
                Some(OutcomeArg::Open) => Some(OutcomeFilter::Is(Outcome::Open)),
                Some(OutcomeArg::Abandoned) => Some(OutcomeFilter::Abandoned),
                Some(OutcomeArg::ShortAbandoned) => {
                    Some(OutcomeFilter::ShortAbandoned { under: seconds("--short-abandon", &args.short_abandon)? })
                }
            },
            hangup_side: args.hangup_side.as_deref().map(str::to_lowercase),
            call: args.call.as_deref().map(CallId::parse).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_is_a_local_calendar_day_across_dst() {
        let zone: Zone = "Europe/Warsaw".parse().unwrap();
        let args = FilterArgs { day: Some("2026-03-29".into()), ..FilterArgs::default() };
        let sel = Selection::from_args(&args, zone).unwrap();
        let (since, until) = (sel.since.unwrap(), sel.until.unwrap());
        assert_eq!(zone.rfc3339(since), "2026-03-29T00:00:00+01:00");
        assert_eq!(zone.rfc3339(until), "2026-03-30T00:00:00+02:00");
        assert_eq!(until - since, 23 * 3600);
    }

    #[test]
    fn columns_wins_over_the_terminal_and_80_is_the_last_resort() {
        assert_eq!(terminal_width(Some("60"), Some(200)), 60);
        assert_eq!(terminal_width(Some(" 132\n"), None), 132);
        for unusable in [None, Some(""), Some("0"), Some("wide"), Some("-5"), Some("99999")] {
            assert_eq!(terminal_width(unusable, Some(150)), 150, "{unusable:?}");
            assert_eq!(terminal_width(unusable, None), 80, "{unusable:?}");
        }
        assert_eq!(terminal_width(None, Some(0)), 80);
    }

    #[test]
    fn colour_follows_the_terminal_no_color_and_the_flag() {
        let tty = Terminal { stdout: true, stderr: false, ..Terminal::default() };
        let with = |color| GlobalArgs { color, quiet: false };
        // NO_COLOR is read from the environment, which tests do not set.
        if std::env::var_os("NO_COLOR").is_none() {
            assert!(tty.choose(&with(ColorArg::Auto)).color);
        }
        assert!(!tty.choose(&with(ColorArg::Auto)).color_stderr);
        assert!(!tty.choose(&with(ColorArg::Never)).color);
        assert!(Terminal::default().choose(&with(ColorArg::Always)).color);
    }

    #[test]
    fn days_and_times_by_name_count_from_now_in_the_zone() {
        let zone: Zone = "Europe/Warsaw".parse().unwrap();
        // 2026-03-30 00:30 in Warsaw is still the 29th in UTC.
        let now = zone.parse_user_time("2026-03-30 00:30").unwrap();
        let day = |name: &str| FilterArgs { day: Some(name.into()), ..FilterArgs::default() };
        let since =
            |args: FilterArgs| Selection::from_args_at(&args, zone, now).unwrap().since.map(|t| zone.rfc3339(t));
        assert_eq!(since(day("today")).as_deref(), Some("2026-03-30T00:00:00+02:00"));
        assert_eq!(since(day("yesterday")).as_deref(), Some("2026-03-29T00:00:00+01:00"));
        let ago = FilterArgs { since: Some("-2h".into()), until: Some("today".into()), ..FilterArgs::default() };
        let sel = Selection::from_args_at(&ago, zone, now).unwrap();
        assert_eq!(sel.since, Some(now - 7200));
        assert_eq!(sel.until.map(|t| zone.rfc3339(t)).as_deref(), Some("2026-03-30T00:00:00+02:00"));
        assert!(Selection::from_args_at(&day("tomorrow-ish"), zone, now).is_err());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let bad_day = FilterArgs { day: Some("29.03.2026".into()), ..FilterArgs::default() };
        assert!(Selection::from_args(&bad_day, Zone::Utc).is_err());
        let args = OutputArgs { tz: Some("Nowhere/Town".into()), ..OutputArgs::default() };
        assert!(OutputSettings::from_args(&args, Terminal::default(), &[]).is_err());
    }
}
