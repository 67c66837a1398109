//! The argument groups several subcommands share (inputs, filters, output, CSV) and the values
//! their flags take: clap derive types only, flattened into the subcommands in `cli`; nothing
//! here validates, `config` turns them into settings.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::input::DEFAULT_MAX_LINE_BYTES;

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

    /// Log time a call waits after its last leg closed before it is final and written, while
    /// the input streams (`90s`, `5m`); later events for it count as late. `off` holds every
    /// call to the end of the input, for files given out of order.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub settle: String,
    /// Carry the calls still in flight at the end to the next run through this state file,
    /// and read the ones the previous run left: over logs cut by time, each call is reported
    /// once, by the run in which all its legs closed. Crash-safe and locked; see the README.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --state, a call still open this long (log time) after its start is reported as
    /// open and no longer carried.
    #[arg(long, value_name = "DURATION", default_value = "24h", requires = "state")]
    pub max_open: String,
    /// Also fail the run (exit 1, and no -o file) when any of these is found: bad lines,
    /// incomplete, open or suspicious calls, late events (comma-separated).
    #[arg(long, value_enum, value_name = "LIST", value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
    /// Write the report to FILE instead of stdout, whole or not at all: it appears (replacing
    /// FILE) only when the run succeeds.
    #[arg(short = 'o', long = "output", value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Replace every phone number in the output by a keyed token (HMAC-SHA256 under the
    /// secret key in FILE, at least 16 bytes): the same number gives the same token.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub redact_key_file: Option<PathBuf>,
    /// Parser threads (default: one per available core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

/// Which calls to report. All filters must match; names and values match in any case.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Only calls starting at or after TIME: `2026-03-29`, `2026-03-29 08:00` or RFC 3339,
    /// read in --tz; `today` or `yesterday` (their midnight); or a duration ago (`-2h`).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Only calls starting before TIME (same forms as --since).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,

    /// Only calls starting on this local day in --tz (`YYYY-MM-DD`, `today` or `yesterday`):
    /// shorthand for --since DAY --until DAY+1.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["since", "until"])]
    pub day: Option<String>,

    /// Only inbound or outbound calls (in any case).
    #[arg(long, value_enum, ignore_case = true)]
    pub direction: Option<DirectionArg>,

    /// Only calls handled by this consultant (username, in any case).
    #[arg(long, value_name = "USERNAME")]
    pub consultant: Option<String>,

    /// Only calls of this project (name, in any case).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,

    /// Only calls with this outcome (in any case).
    #[arg(long, value_enum, ignore_case = true)]
    pub outcome: Option<OutcomeArg>,

    /// Only calls hung up by this side (in any case): client, consultant, none, unknown (a leg whose create
    /// never arrived), or another leg type.
    #[arg(long, value_name = "SIDE")]
    pub hangup_side: Option<String>,

    /// Only the call containing the leg with this dialog_uuid, or with a dialog_uuid that
    /// starts with it (at least 8 characters); spaces around it are ignored.
    #[arg(long, value_name = "UUID")]
    pub call: Option<String>,

    /// An abandoned call shorter than this is a short abandon: what --outcome short_abandoned
    /// keeps, and what summary leaves out of its rates (seconds, or a duration such as 5s; 0
    /// counts none).
    #[arg(long, value_name = "SECONDS", default_value = "0")]
    pub short_abandon: String,
}

/// How results are written.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Show and read times in this IANA time zone (e.g. Europe/Warsaw) instead of UTC. The
    /// CALLFLOW_TZ environment variable sets a default; --tz wins over it.
    #[arg(long, value_name = "ZONE", env = "CALLFLOW_TZ", hide_env_values = true)]
    pub tz: Option<String>,

    /// With --format csv, write a text cell that starts with =, +, -, @, tab or carriage
    /// return with a leading ' so that a spreadsheet shows it instead of running it as a
    /// formula (CSV injection). Numbers are left as they are.
    #[arg(long)]
    pub csv_safe: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub csv: CsvArgs,
}

/// The shape of CSV output, for spreadsheets and running files.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "CSV")]
pub struct CsvArgs {
    /// Separate CSV fields with CHAR instead of a comma: `';'` or `semicolon` for a Polish
    /// Excel, `tab` for a tab.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Leave out the CSV header line, to append to a running file.
    #[arg(long)]
    pub no_header: bool,

    /// Only these CSV columns, in this order (comma-separated names; an unknown name is an
    /// error that lists the valid ones).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub columns: Vec<String>,
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
    /// Parquet, the calls table of `export` (calls only; needs -o FILE).
    Parquet,
}

/// What `--fail-on` can fail a run on.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// A line that is not a usable event.
    Bad,
    /// A call missing a leg's create or its root leg.
    Incomplete,
    /// A call with a leg never closed (reported open).
    Open,
    /// An event that came after its call was reported.
    Late,
    /// A call with a state after the close, an event before the create or a link cycle.
    Suspicious,
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
    /// All legs closed without talking (also accepted: unanswered, missed).
    #[value(name = "not_answered", aliases = ["not-answered", "unanswered", "missed"])]
    NotAnswered,
    /// A leg was still open at the end of the input.
    Open,
    /// Inbound, not answered, hung up by the client: the caller gave up.
    Abandoned,
    /// Abandoned in less than --short-abandon.
    #[value(name = "short_abandoned", alias = "short-abandoned")]
    ShortAbandoned,
}
