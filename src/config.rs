//! Raw arguments -> validated settings. This is the only place that reads the environment or
//! asks whether a stream is a terminal; nothing downstream sees clap types.

use std::io::IsTerminal;

use crate::cli::{ColorArg, FilterArgs, FormatArg, GlobalArgs, InputArgs, OutcomeArg, OutputArgs};
use crate::exit::UsageError;
use crate::input::progress::Progress;
use crate::input::{self, InputSpec};
use crate::load::LoadOptions;
use crate::locate::CallId;
use crate::metrics::Outcome;
use crate::render::Format;
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// What the process is attached to, detected once, and what the user chose for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    /// stdout is a terminal (line-buffer it, tables may use its width).
    pub stdout: bool,
    /// stderr is a terminal.
    pub stderr: bool,
    /// Colour results on stdout.
    pub color: bool,
    /// Colour warnings on stderr.
    pub color_stderr: bool,
    /// No progress line.
    pub quiet: bool,
}

impl Terminal {
    /// Looks at the real stdout and stderr; no colour until [`Terminal::choose`] says so.
    pub fn detect() -> Self {
        Terminal {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
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
    /// Colour warnings on stderr.
    pub color_stderr: bool,
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
            ..LoadOptions::default()
        };
        Ok(InputSettings { inputs, load, strict: args.strict, color_stderr: terminal.color_stderr })
    }
}

/// How output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    /// Table, CSV or JSON.
    pub format: Format,
    /// The zone times are shown in.
    pub zone: Zone,
    /// What stdout and stderr are, and whether to colour them.
    pub terminal: Terminal,
    /// CSV text cells are guarded against formula injection (`--csv-safe`).
    pub csv_safe: bool,
}

impl OutputSettings {
    /// From the output arguments.
    pub fn from_args(args: &OutputArgs, terminal: Terminal) -> Result<Self, UsageError> {
        let zone = match &args.tz {
            Some(name) => name.parse()?,
            None => Zone::Utc,
        };
        let format = match args.format {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
        };
        Ok(OutputSettings { format, zone, terminal, csv_safe: args.csv_safe })
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
    /// From the three argument groups the report commands share.
    pub fn from_args(
        input: &InputArgs,
        filter: &FilterArgs,
        output: &OutputArgs,
        terminal: Terminal,
    ) -> Result<Self, UsageError> {
        let output = OutputSettings::from_args(output, terminal)?;
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
        let (since, until) = match &args.day {
            Some(day) => {
                let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                    .map_err(|_| UsageError(format!("cannot read --day {day:?}: use YYYY-MM-DD")))?;
                let next = date.succ_opt().ok_or_else(|| UsageError(format!("--day {day:?} is out of range")))?;
                let midnight = chrono::NaiveTime::MIN;
                (Some(zone.instant(date.and_time(midnight))?), Some(zone.instant(next.and_time(midnight))?))
            }
            None => (
                args.since.as_deref().map(|t| zone.parse_user_time(t)).transpose()?,
                args.until.as_deref().map(|t| zone.parse_user_time(t)).transpose()?,
            ),
        };
        Ok(Selection {
            since,
            until,
            direction: args.direction.map(|d| format!("{d:?}").to_uppercase()),
            consultant: args.consultant.clone(),
            project: args.project.clone(),
            outcome: args.outcome.map(|o| match o {
                OutcomeArg::Answered => Outcome::Answered,
                OutcomeArg::NotAnswered => Outcome::NotAnswered,
                OutcomeArg::Open => Outcome::Open,
            }),
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
    fn bad_values_are_usage_errors() {
        let bad_day = FilterArgs { day: Some("29.03.2026".into()), ..FilterArgs::default() };
        assert!(Selection::from_args(&bad_day, Zone::Utc).is_err());
        let args = OutputArgs { tz: Some("Nowhere/Town".into()), ..OutputArgs::default() };
        assert!(OutputSettings::from_args(&args, Terminal::default()).is_err());
    }
}
