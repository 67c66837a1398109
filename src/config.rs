//! Raw arguments -> validated settings. This is the only place that reads the environment or
//! asks whether a stream is a terminal; nothing downstream sees clap types.

use std::io::IsTerminal;

use crate::cli::{FilterArgs, FormatArg, InputArgs, OutcomeArg, OutputArgs};
use crate::exit::UsageError;
use crate::input::InputSpec;
use crate::load::LoadOptions;
use crate::metrics::Outcome;
use crate::render::Format;
use crate::select::Selection;
use crate::timefmt::Zone;

/// What the process is attached to, detected once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    /// stdout is a terminal (line-buffer it, tables may use its width).
    pub stdout: bool,
    /// stderr is a terminal.
    pub stderr: bool,
}

impl Terminal {
    /// Looks at the real stdout and stderr.
    pub fn detect() -> Self {
        Terminal { stdout: std::io::stdout().is_terminal(), stderr: std::io::stderr().is_terminal() }
    }
}

/// Where input comes from and how it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSettings {
    /// The inputs in the order given; stdin when none.
    pub inputs: Vec<InputSpec>,
    /// Line limits.
    pub load: LoadOptions,
    /// Bad lines make the run fail.
    pub strict: bool,
}

impl InputSettings {
    /// From the input arguments.
    pub fn from_args(args: &InputArgs) -> Result<Self, UsageError> {
        if args.max_line_bytes == 0 {
            return Err(UsageError("--max-line-bytes must be at least 1".into()));
        }
        let inputs = if args.files.is_empty() {
            vec![InputSpec::Stdin]
        } else {
            args.files.iter().map(|f| InputSpec::from_arg(f)).collect()
        };
        Ok(InputSettings { inputs, load: LoadOptions { max_line_bytes: args.max_line_bytes }, strict: args.strict })
    }
}

/// How output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    /// Table, CSV or JSON.
    pub format: Format,
    /// The zone times are shown in.
    pub zone: Zone,
    /// What stdout and stderr are.
    pub terminal: Terminal,
    /// Whether to colour output: only on a terminal, and never when `NO_COLOR` is set.
    pub color: bool,
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
        let color = wants_color(terminal.stdout, std::env::var_os("NO_COLOR").as_deref());
        Ok(OutputSettings { format, zone, terminal, color })
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value
/// (the no-color.org convention: an empty value does not count).
pub fn wants_color(stdout_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stdout_is_terminal && no_color.is_none_or(|value| value.is_empty())
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
            call: args.call.clone(),
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
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(wants_color(true, None));
        assert!(wants_color(true, Some(OsStr::new(""))));
        assert!(!wants_color(true, Some(OsStr::new("1"))));
        assert!(!wants_color(false, None));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let bad_day = FilterArgs { day: Some("29.03.2026".into()), ..FilterArgs::default() };
        assert!(Selection::from_args(&bad_day, Zone::Utc).is_err());
        let args = OutputArgs { tz: Some("Nowhere/Town".into()), ..OutputArgs::default() };
        assert!(OutputSettings::from_args(&args, Terminal::default()).is_err());
    }
}
