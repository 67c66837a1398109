//! The command line, as clap derive types only. The doc comments here are the `--help` text;
//! nothing here validates or decides: `config` turns these into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;
use crate::input::DEFAULT_MAX_LINE_BYTES;

/// Rebuild calls from Conpeek call-center webhook logs (NDJSON, optionally gzip or zstd).
///
/// callflow links the legs of every call, drops re-delivered events, and reports wait, ring
/// and talk times and who hung up.
#[derive(Parser, Debug)]
#[command(name = "callflow", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// One row per call: start, answer, end, wait, talk, duration, who hung up.
    #[command(after_help = CALLS_EXAMPLES)]
    Calls(CallsArgs),
    /// The story of one call, found by any leg's dialog_uuid: legs, events, a ladder and why.
    #[command(after_help = TIMELINE_HELP)]
    Timeline(TimelineArgs),
}

const CALLS_EXAMPLES: &str = "\
Examples:
  callflow calls sample-logs/day.ndjson.gz
  zcat day.ndjson.gz | callflow calls --format csv > calls.csv
  callflow calls logs/*.ndjson --tz Europe/Warsaw --since 2026-03-29 --outcome not_answered";

/// Arguments of `callflow calls`.
#[derive(Args, Debug)]
pub struct CallsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

const TIMELINE_HELP: &str = "\
--call takes any leg's full dialog_uuid or a unique prefix of at least 8 characters; the call
is found without parsing every line of the files. Without --call, the timeline of every call
that passes the filters is shown, one after another.

Examples:
  callflow timeline day.ndjson.gz --call bcfdaf62
  callflow timeline logs/*.ndjson --call c2b19c63 --format json
  callflow timeline day.ndjson --call bcfdaf62 --mermaid > call.mmd
  callflow timeline day.ndjson --consultant pkowalski --format csv > events.csv";

/// Arguments of `callflow timeline`.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,

    /// Print each call as a Mermaid sequenceDiagram, for a ticket or a Markdown page.
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    pub mermaid: bool,
}

/// Where events come from and how strictly they are read.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Log files (NDJSON; gzip and zstd are detected). `-` or no file reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Exit with status 1 when any line is bad (by default bad lines are reported and skipped).
    #[arg(long)]
    pub strict: bool,

    /// Skip (and report) lines longer than this many bytes, so one runaway line cannot
    /// exhaust memory.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
}

/// Which calls to report. All filters must match.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Only calls starting at or after TIME: `2026-03-29`, `2026-03-29 08:00` or RFC 3339,
    /// read in --tz.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only calls starting before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only calls starting on this local day in --tz: shorthand for --since DAY --until DAY+1.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["since", "until"])]
    pub day: Option<String>,

    /// Only inbound or outbound calls.
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,

    /// Only calls handled by this consultant (username).
    #[arg(long, value_name = "USERNAME")]
    pub consultant: Option<String>,

    /// Only calls of this project (name).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,

    /// Only calls with this outcome.
    #[arg(long, value_enum)]
    pub outcome: Option<OutcomeArg>,

    /// Only calls hung up by this side: client, consultant, none, or another leg type in lower case.
    #[arg(long, value_name = "SIDE")]
    pub hangup_side: Option<String>,

    /// Only the call containing the leg with this dialog_uuid.
    #[arg(long, value_name = "UUID")]
    pub call: Option<String>,
}

/// How results are written.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Show and read times in this IANA time zone (e.g. Europe/Warsaw) instead of UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// `--format` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatArg {
    /// A table for people.
    #[default]
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Json,
}

/// `--direction` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectionArg {
    /// Calls from clients.
    Inbound,
    /// Calls to clients.
    Outbound,
}

/// `--outcome` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeArg {
    /// A leg reached talking.
    Answered,
    /// All legs closed without talking.
    #[value(name = "not_answered", alias = "not-answered")]
    NotAnswered,
    /// A leg was still open at the end of the input.
    Open,
}
