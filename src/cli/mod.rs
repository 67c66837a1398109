//! The command line, as clap derive types only. The doc comments here are the `--help` text;
//! nothing here validates or decides: `config` turns these into settings. Raw arguments flow
//! in, the parsed [`Cli`] flows out; the argument groups several subcommands flatten in (inputs,
//! filters, output, CSV) are in `shared.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

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

    #[command(flatten)]
    #[allow(missing_docs)]
    pub global: GlobalArgs,
}

/// Options every subcommand takes.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// When to colour output: `auto` colours a terminal unless NO_COLOR is set; `always` and
    /// `never` override both.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,

    /// Nothing on stderr for a clean run: no progress line, no data-quality line. Bad lines,
    /// warnings and errors still appear.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// `--color` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// One row per call: start, answer, end, wait, talk, duration, who hung up.
    #[command(after_help = CALLS_EXAMPLES)]
    Calls(CallsArgs),
    /// Totals per group: calls, answer rate, who hung up, talk and wait statistics.
    #[command(after_help = SUMMARY_HELP)]
    Summary(SummaryArgs),
    /// Data-quality report: every line accounted for, flagged calls listed. Exits 1 when
    /// anything is bad, incomplete or suspicious, so a cron job can gate on it.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff), or write them all to a folder.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
    /// The story of one call, found by any leg's dialog_uuid: legs, events, a ladder and why.
    #[command(after_help = TIMELINE_HELP)]
    Timeline(TimelineArgs),
    /// Calls, legs and events as Parquet files in a folder per UTC day, for DuckDB, Spark,
    /// Trino or ClickHouse.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
}

const EXPORT_HELP: &str = "\
Writes DIR/calls, DIR/legs and DIR/events, each partitioned by the UTC day of the call's
start: DIR/calls/day=2026-03-10/part-0.parquet. A day written again replaces its partition,
each file atomically; other days are left alone. The filters and --state work as for calls;
times given to --day, --since and --until are UTC. The schema is in the README.

Examples:
  callflow export --out out logs/*.ndjson.gz
  callflow export --out out --day 2026-03-10 09.ndjson 10.ndjson 11.ndjson   # one day's shard
  duckdb -c \"select count(*) from read_parquet('out/calls/**/*.parquet', hive_partitioning = true)\"";

/// Arguments of `callflow export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,

    /// The folder to write the tables into (created if missing).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
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

const CHECK_HELP: &str = "\
The counts add up: lines = events + duplicates + other_events + bad_lines + blank_lines.
Exit status: 0 when clean; 1 when a line is bad, a call is incomplete (a leg's create is
missing, or the parent its legs name never appeared), or a call is suspicious (a state after
the close, an event before the create, a link cycle). Calls
still open at the end of the input are listed but do not fail the check: a log cut at midnight
always has some.

Examples:
  callflow check day.ndjson.gz && callflow summary day.ndjson.gz --format csv >> daily.csv
  callflow check logs/*.ndjson --format json | jq .bad_lines";

/// Arguments of `callflow check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,

    /// Output format (CSV: the counts as one row under a header).
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// `check --format` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckFormat {
    /// A report for people.
    #[default]
    Table,
    /// One JSON object.
    Json,
    /// The counts as one CSV row under a header.
    Csv,
}

const MAN_EXAMPLES: &str = "\
Examples:
  callflow man > ~/.local/share/man/man1/callflow.1
  callflow man calls > ~/.local/share/man/man1/callflow-calls.1
  callflow man --dir ~/.local/share/man/man1";

/// Arguments of `callflow man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// The page of this subcommand (callflow-SUBCOMMAND(1)) instead of callflow(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub page: Option<String>,

    /// Write every page (callflow.1 and one per subcommand) into DIR, and list the files written.
    #[arg(long, value_name = "DIR", conflicts_with = "page")]
    pub dir: Option<PathBuf>,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  callflow completions bash > ~/.local/share/bash-completion/completions/callflow
  callflow completions zsh > ~/.zfunc/_callflow
  callflow completions fish > ~/.config/fish/completions/callflow.fish";

const CALLS_EXAMPLES: &str = "\
Examples:
  callflow calls sample-logs/day.ndjson.gz
  zcat day.ndjson.gz | callflow calls --format csv > calls.csv
  callflow calls logs/*.ndjson --tz Europe/Warsaw --since 2026-03-29 --outcome not_answered
  callflow calls day.ndjson.gz --format csv --delimiter ';' --columns start,consultant,talk_s
  callflow calls --follow live.ndjson --format csv --settle 30s | tee -a today.csv
  callflow calls logs/*.ndjson.gz --format parquet -o calls.parquet";

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

    /// Keep reading as the files grow, following each by name as `tail -F` does (through
    /// rotation and truncation; a missing file is waited for), and write each call once it
    /// settles: --settle after its last close in log time, or that long on the clock once the
    /// log goes quiet. Rows are flushed one by one. Stop with Ctrl-C or SIGTERM (exit 0):
    /// with --state, calls in progress are saved and the next run goes on where this one
    /// stopped. A table shows its header at once, then a line per call.
    #[arg(short = 'f', long, help_heading = "Live")]
    pub follow: bool,

    /// Not an option of `calls`, which lists calls one by one: accepted only so that the
    /// error can point to `summary --by` instead of clap's guess.
    #[arg(long, hide = true, value_name = "KEY", num_args = 0..=1)]
    pub by: Option<Vec<String>>,
}

const SUMMARY_HELP: &str = "\
Columns (CSV and JSON), after one column per --by key:
  calls, answered, not_answered, open      call counts by outcome
  answer_rate                              answered / (answered + not_answered), 3 decimals
  hangup_client, hangup_consultant,        who hung up; hangup_other counts other leg types
    hangup_none, hangup_other              (bots, systems), so the four add up to calls
  talk_s_total, talk_s_mean, talk_s_pNN,   talk time of answered calls, seconds, one pNN
    talk_s_max                             per --percentiles (default 50,90)
  wait_s_mean, wait_s_pNN, wait_s_max      wait time of answered calls, seconds
  duration_s_mean                          duration of closed calls (answered or not)
  inbound, abandoned, short_abandoned,     contact-center counts and rates (below); calls
    answered_in_sla, service_level,        still open are left out of all of these
    abandon_rate, peak_concurrent

Definitions:
  Open calls count in calls and open only: they are left out of answer_rate and of every
  time figure. pNN is the nearest-rank percentile: the smallest value v such that at least
  NN% of the values are <= v. Means have 1 decimal, rounded half away from zero.
  abandoned: inbound calls not answered, hung up by the client. short_abandoned: abandoned
  calls shorter than --short-abandon. answered_in_sla: inbound calls answered with wait_s
  <= --sla. service_level = answered_in_sla / (inbound - short_abandoned); abandon_rate =
  (abandoned - short_abandoned) / (inbound - short_abandoned); 4 decimals. peak_concurrent:
  the most calls in progress at one instant, a call being in progress on [start, end); under
  --by hour or day it is taken inside the bucket and counts calls that began before it.
  Where a figure has no values (no answered call; no closed call for answer_rate and
  duration_s_mean) the CSV field is empty and the JSON value null; talk_s_total is then 0.
  day and hour are the local day or hour of the call's start in --tz, written as the
  RFC 3339 start of the bucket; on the autumn DST day the repeated hour is two rows.
  A call without a consultant, project, direction or close cause is grouped under an
  empty name (null in JSON, \"(none)\" in the table).
  With --compare, every figure NAME is followed by NAME_earlier columns, then NAME_diff
  (rates: NAME_diff_pp, percentage points); an earlier period without any call in the
  inputs is not compared and its columns are empty.
  weekday is the local day of the week of the call's start in --tz, in English.
  Rows: day and hour chronologically, weekday Monday first; other keys by calls, descending, then by name,
  the empty name last. Without --by there is one row, even when no call matched.
  Table output adds, on a terminal, bar charts of the hangup split and (with --by day or
  hour) of calls over time, then a data-quality footer; with CSV and JSON that footer
  goes to stderr.

Examples:
  callflow summary logs/*.ndjson.gz --tz Europe/Warsaw --by consultant
  callflow summary day.ndjson.gz --tz Europe/Warsaw --by hour --direction inbound
  callflow summary logs/*.ndjson.gz --tz Europe/Warsaw --day 2026-03-29 --by day --format csv";

/// Arguments of `callflow summary`.
#[derive(Args, Debug)]
pub struct SummaryArgs {
    /// Group by these keys, in this order (repeat the option or separate keys with commas).
    #[arg(long, value_enum, value_name = "KEY", value_delimiter = ',', help_heading = "Grouping")]
    pub by: Vec<ByArg>,
    /// Service-level target: an inbound call answered after waiting at most this long counts
    /// in answered_in_sla (seconds, or a duration such as 30s).
    #[arg(long, value_name = "SECONDS", default_value = "20", help_heading = "Figures")]
    pub sla: String,
    /// The nearest-rank percentiles of talk and wait to report, as columns talk_s_pNN and
    /// wait_s_pNN (whole numbers from 1 to 100, comma-separated); the table shows the last.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "50,90", help_heading = "Figures")]
    pub percentiles: Vec<u32>,
    /// Show every contact-center figure in the table (inbound, abandoned, short abandons,
    /// answered within the service level, peak concurrency), not only the two rates.
    #[arg(long, help_heading = "Figures")]
    pub kpi: bool,
    /// Also report the period shifted back by PERIOD (`1d`, `1w`, `28d`), from the same
    /// inputs, and the differences: rates in percentage points, counts and seconds as
    /// differences. The period is --day, or --since and --until.
    #[arg(long, value_name = "PERIOD", help_heading = "Figures")]
    pub compare: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,

    /// Follow the files as `calls --follow` does, and every --every append the totals of the
    /// calls that ended in that period, one row per group after a `period_end` column (the
    /// wall-clock time the period ended). Stop with Ctrl-C or SIGTERM (exit 0). Needs --format
    /// csv or json.
    #[arg(short = 'f', long, help_heading = "Live")]
    pub follow: bool,
    /// With --follow, how long each period is, on the clock.
    #[arg(long, value_name = "DURATION", default_value = "1m", requires = "follow", help_heading = "Live")]
    pub every: String,
}

/// `--by` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByArg {
    /// The consultant's username.
    Consultant,
    /// The project's name.
    Project,
    /// INBOUND or OUTBOUND.
    Direction,
    /// answered, not_answered or open.
    Outcome,
    /// client, consultant, none, or another leg type.
    #[value(alias = "hangup_side")]
    HangupSide,
    /// The local day of the call's start, in --tz.
    Day,
    /// The local hour of the call's start, in --tz.
    Hour,
    /// The close cause of the leg that ended the call.
    #[value(alias = "close_cause")]
    CloseCause,
    /// The local day of the week of the call's start, in --tz (Monday first).
    Weekday,
    /// The client's number.
    Client,
}

mod shared;

pub use shared::{CsvArgs, DirectionArg, FailOn, FilterArgs, FormatArg, InputArgs, OutcomeArg, OutputArgs};
