//! Report and output settings: the output, CSV, filter and export arguments in -> the format,
//! CSV layout, selection of calls and export settings every report command runs with.

use std::path::PathBuf;

use super::input::InputSettings;
use super::time::{named_day, seconds, user_time};
use super::Terminal;
use crate::cli::{CsvArgs, ExportArgs, FilterArgs, FormatArg, InputArgs, OutcomeArg, OutputArgs};
use crate::exit::UsageError;
use crate::locate::CallId;
use crate::metrics::Outcome;
use crate::render::csv_layout::CsvLayout;
use crate::render::Format;
use crate::report::select::{OutcomeFilter, Selection};
use crate::report::timefmt::Zone;

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
pub(super) fn csv_layout(args: &CsvArgs, columns: &[&str]) -> Result<CsvLayout, UsageError> {
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
pub(super) fn calls_only_parquet(report: ReportSettings, command: &str) -> Result<ReportSettings, UsageError> {
    if report.output.format == Format::Parquet {
        return Err(UsageError(format!(
            "{command} has no --format parquet: `callflow calls --format parquet -o FILE` writes the calls, \
             `callflow export --out DIR` the calls, legs and events"
        )));
    }
    Ok(report)
}

/// Fails when this build has no Parquet writer (built without the `parquet` feature).
pub(super) fn parquet_built() -> Result<(), UsageError> {
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
