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

    /// Parser threads (default: one per available core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
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
