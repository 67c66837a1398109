//! Raw arguments -> validated settings. This is the only place that reads the environment or
//! asks whether a stream is a terminal; nothing downstream sees clap types. The parsed command
//! line flows in, a [`Job`] flows out; input, report/output and summary settings and the
//! parsing of times the user types are in submodules of their own.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::{CheckFormat, Cli, ColorArg, Command, GlobalArgs, ManArgs};
use crate::cmd::calls::CSV_COLUMNS;
use crate::cmd::summary::{summary_columns, PERIOD_COLUMN};
use crate::cmd::timeline::CSV_COLUMNS as EVENT_COLUMNS;
use crate::exit::UsageError;
use crate::render::Format;

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

mod input;
mod report;
mod summary;
mod time;

pub use input::{InputSettings, StateSettings};
use report::{calls_only_parquet, parquet_built};
pub use report::{ExportSettings, OutputSettings, ReportSettings};
pub use summary::{group_keys, SummarySettings};
pub use time::seconds;

#[cfg(test)]
mod tests;
