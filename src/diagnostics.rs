//! Counted, located, non-fatal problems, the line accounting every command shares, and the
//! one data-quality report that `check`, `summary` and `timeline` print from.
//!
//! Every input line lands in exactly one bucket: an event used, a duplicate dropped, an
//! event of another kind, a blank line, or a bad line. Bad lines keep their file and line
//! number (the first [`KEPT_BAD_LINES`] of them in full) so the user can find them. What makes
//! a call open, incomplete or suspicious is [`Problem`]'s to say, and [`Quality`] counts lines
//! and calls by it. This module decides nothing about exit codes beyond reporting whether
//! anything was bad; the commands do.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::assemble::redact::Redactor;
use crate::event::LineError;
use crate::model::{Call, Flags};
use crate::render::counted;
use crate::render::text::visible;

/// How many bad lines are kept with their location and reason.
pub(crate) const KEPT_BAD_LINES: usize = 100;

/// How many bad lines are printed to stderr before the rest are summarised as a count.
pub(crate) const SHOWN_BAD_LINES: usize = 10;

/// A line that could not be used, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// The input's display name (`day.ndjson`, `<stdin>`).
    pub source: String,
    /// 1-based line number within that input (after decompression).
    pub line: u64,
    /// Why the line was rejected.
    pub error: LineError,
}

impl BadLine {
    /// Writes `callflow: FILE:LINE: reason` for a reader at a terminal. The file name and the
    /// snippet in the reason come from outside, so they are made visible, never written raw;
    /// with `mask`, numbers quoted from the line are blanked (see [`Redactor::mask`]).
    pub fn write(&self, err: &mut dyn Write, mask: bool) -> io::Result<()> {
        let text = format!("{}:{}: {}", self.source, self.line, self.reason(mask));
        writeln!(err, "callflow: {}", visible(&text))
    }

    /// Why the line is bad, in words; with `mask`, numbers quoted from the line are blanked.
    pub fn reason(&self, mask: bool) -> String {
        let reason = self.error.to_string();
        if mask {
            Redactor::mask(&reason).into_owned()
        } else {
            reason
        }
    }
}

/// Where every input line went. Serialized, the keys of `check --format json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    /// All lines read.
    pub lines: u64,
    /// Call events used to rebuild calls.
    pub events: u64,
    /// Exact re-deliveries dropped.
    pub duplicates: u64,
    /// Call events that arrived after their call was settled and reported: dropped, never
    /// made into a fragment call.
    pub late: u64,
    /// Valid events of other kinds.
    pub other_events: u64,
    /// Events of calls carried in from the previous run (`--state`): read again, not lines of
    /// this run's inputs, so counted apart.
    pub carried: u64,
    /// Of those, how many per `event_name`.
    #[serde(rename = "other_events_by_name")]
    pub other_by_name: BTreeMap<String, u64>,
    /// Lines that were not usable events.
    pub bad_lines: u64,
    /// Empty or whitespace-only lines.
    pub blank_lines: u64,
}

impl LineCounts {
    /// True when there were lines but not one was an event of any kind: every line bad or
    /// blank, as when a CSV or another system's log is given by mistake. No line at all is a
    /// quiet night, not this.
    pub fn no_event(&self) -> bool {
        self.bad_lines > 0 && self.events + self.duplicates + self.other_events == 0
    }

    /// True when the buckets add up to the lines read (they always should).
    pub fn balanced(&self) -> bool {
        self.lines == self.events + self.duplicates + self.late + self.other_events + self.bad_lines + self.blank_lines
    }
}

/// A way a call is not whole. One call may have several. Serialized, its [`Problem::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// A leg never closed: normal at the end of a log, and no failure.
    Open,
    /// A leg's `dialog_create` never arrived (`incomplete`), or the legs name a parent leg that
    /// never appeared at all (`missing_root`), whose create is missing too: either way the
    /// call may lack legs, and its figures what those legs would have said.
    Incomplete,
    /// A state after the close, an event before the create, or legs linked in a cycle.
    Suspicious,
}

impl Problem {
    /// Every problem, in the order reports list them.
    pub const ALL: [Problem; 3] = [Problem::Open, Problem::Incomplete, Problem::Suspicious];

    /// The flags that give a call this problem: the one definition every report counts by.
    pub const fn flags(self) -> Flags {
        match self {
            Problem::Open => Flags::OPEN,
            Problem::Incomplete => Flags::INCOMPLETE.union(Flags::MISSING_ROOT),
            Problem::Suspicious => Flags::SUSPICIOUS,
        }
    }

    /// The problems `call` has, in [`Problem::ALL`] order.
    pub fn of(call: &Call) -> impl Iterator<Item = Problem> {
        let flags = call.figures.flags;
        Problem::ALL.into_iter().filter(move |problem| flags.intersects(problem.flags()))
    }

    /// `open`, `incomplete` or `suspicious`, as reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Problem::Open => "open",
            Problem::Incomplete => "incomplete",
            Problem::Suspicious => "suspicious",
        }
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The data quality of a report: where every line went and how many of its calls have each
/// [`Problem`]. Serialized, the counts of `check --format json`, in its key order; a new
/// figure is a new field here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quality<'a> {
    /// Where every input line went.
    #[serde(flatten)]
    pub counts: &'a LineCounts,
    /// The calls of the report, by problem.
    #[serde(flatten)]
    pub calls: CallTally,
}

/// How many calls a report has, and how many have each [`Problem`]: counted call by call, as
/// calls settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CallTally {
    /// Calls in the report.
    pub calls: u64,
    /// Of those, with a leg still open.
    pub open_calls: u64,
    /// Of those, incomplete: see [`Problem::Incomplete`].
    pub incomplete_calls: u64,
    /// Of those, suspicious.
    pub suspicious_calls: u64,
}

impl CallTally {
    /// Counts one more call.
    pub fn add(&mut self, call: &Call) {
        self.calls += 1;
        for problem in Problem::of(call) {
            *self.with_mut(problem) += 1;
        }
    }

    /// How many calls have `problem`.
    pub fn with(&self, problem: Problem) -> u64 {
        match problem {
            Problem::Open => self.open_calls,
            Problem::Incomplete => self.incomplete_calls,
            Problem::Suspicious => self.suspicious_calls,
        }
    }

    fn with_mut(&mut self, problem: Problem) -> &mut u64 {
        match problem {
            Problem::Open => &mut self.open_calls,
            Problem::Incomplete => &mut self.incomplete_calls,
            Problem::Suspicious => &mut self.suspicious_calls,
        }
    }
}

impl<'a> Quality<'a> {
    /// The quality of a report of `calls`, from a load that met `diagnostics`.
    pub fn new<'c>(diagnostics: &'a Diagnostics, calls: impl IntoIterator<Item = &'c Call>) -> Self {
        let mut tally = CallTally::default();
        calls.into_iter().for_each(|call| tally.add(call));
        Quality { counts: &diagnostics.counts, calls: tally }
    }

    /// How many calls have `problem`.
    pub fn with(&self, problem: Problem) -> u64 {
        self.calls.with(problem)
    }

    /// Clean: no bad line, no incomplete or suspicious call. Open calls are normal at the end
    /// of a log and do not count against it.
    pub fn clean(&self) -> bool {
        self.counts.bad_lines == 0 && self.calls.incomplete_calls == 0 && self.calls.suspicious_calls == 0
    }
}

/// The one-line form, as `summary` ends with: `17 lines read, 5 bad lines, 1 duplicate
/// dropped; 0 open calls, 0 incomplete calls`.
impl std::fmt::Display for Quality<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {}, {}; {}, {}",
            counted(self.counts.lines, "line read", "lines read"),
            counted(self.counts.bad_lines, "bad line", "bad lines"),
            counted(self.counts.duplicates, "duplicate dropped", "duplicates dropped"),
            counted(self.calls.open_calls, "open call", "open calls"),
            counted(self.calls.incomplete_calls, "incomplete call", "incomplete calls"),
        )
    }
}

/// Which lines a load read, as its bad-line warning names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Every line of the input.
    Every,
    /// Only the lines that mention one call's legs (`timeline --call`): a count "of N lines"
    /// would mislead.
    OneCall,
}

/// The non-fatal problems of one run.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// The line accounting.
    pub counts: LineCounts,
    /// The first bad lines, with location and reason.
    pub bad: Vec<BadLine>,
}

impl Diagnostics {
    /// Records a bad line: always counted, kept in full while under the cap.
    pub fn bad_line(&mut self, source: &str, line: u64, error: LineError) {
        self.counts.bad_lines += 1;
        if self.bad.len() < KEPT_BAD_LINES {
            self.bad.push(BadLine { source: source.to_owned(), line, error });
        }
    }

    /// Records an event of another kind.
    pub fn other_event(&mut self, name: &str) {
        self.counts.other_events += 1;
        match self.counts.other_by_name.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.counts.other_by_name.insert(name.to_owned(), 1);
            }
        }
    }

    /// Adds the accounting of a later part of the same input, whose line numbers start after
    /// `line_offset` lines.
    pub fn absorb(&mut self, part: Diagnostics, line_offset: u64) {
        let counts = part.counts;
        self.counts.lines += counts.lines;
        self.counts.events += counts.events;
        self.counts.duplicates += counts.duplicates;
        self.counts.late += counts.late;
        self.counts.other_events += counts.other_events;
        self.counts.bad_lines += counts.bad_lines;
        self.counts.blank_lines += counts.blank_lines;
        for (name, n) in counts.other_by_name {
            *self.counts.other_by_name.entry(name).or_insert(0) += n;
        }
        let room = KEPT_BAD_LINES.saturating_sub(self.bad.len());
        self.bad.extend(part.bad.into_iter().take(room).map(|bad| BadLine { line: bad.line + line_offset, ..bad }));
    }

    /// Prints the first bad lines and a count of the rest, as `callflow: FILE:LINE: reason`,
    /// then a warning with how many there were among the lines `read`; with `mask`, numbers
    /// quoted from bad lines are blanked.
    pub fn report_bad_lines(&self, err: &mut dyn Write, color: bool, read: Read, mask: bool) -> io::Result<()> {
        for bad in self.bad.iter().take(SHOWN_BAD_LINES) {
            bad.write(err, mask)?;
        }
        let rest = self.counts.bad_lines.saturating_sub(SHOWN_BAD_LINES as u64);
        if rest > 0 {
            writeln!(err, "callflow: ... and {}", counted(rest, "more bad line", "more bad lines"))?;
        }
        let (bad, lines) = (self.counts.bad_lines, self.counts.lines);
        let warning = warning(color);
        match read {
            _ if bad == 0 => Ok(()),
            Read::Every => {
                writeln!(err, "callflow: {warning}: {bad} of {} skipped as bad", counted(lines, "line", "lines"))
            }
            Read::OneCall => {
                let s = if bad == 1 { "" } else { "s" };
                writeln!(err, "callflow: {warning}: {bad} line{s} mentioning the call skipped as bad")
            }
        }
    }

    /// Warns of late events, if there were any: events of calls already settled and reported,
    /// which the reports leave out.
    pub fn report_late(&self, err: &mut dyn Write, color: bool) -> io::Result<()> {
        match self.counts.late {
            0 => Ok(()),
            late => writeln!(
                err,
                "callflow: {}: {} arrived after {} call had been reported, and {} left out (see `callflow \
                 check`); if the input is out of order, give a longer --settle, or --settle off",
                warning(color),
                counted(late, "event", "events"),
                if late == 1 { "its" } else { "their" },
                if late == 1 { "was" } else { "were" },
            ),
        }
    }
}

/// The word that starts a warning, yellow when `color`.
fn warning(color: bool) -> &'static str {
    if color {
        "\x1b[33mwarning\x1b[0m"
    } else {
        "warning"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_first_ten_bad_lines_then_a_count() {
        let mut diag = Diagnostics::default();
        for line in 1..=13 {
            diag.counts.lines += 1;
            diag.bad_line("day.ndjson", line, LineError::NotAnObject);
        }
        let mut out = Vec::new();
        diag.report_bad_lines(&mut out, false, Read::Every, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("callflow: day.ndjson:1: not a JSON object\n"));
        assert!(text.contains("callflow: day.ndjson:10: not a JSON object\n"));
        assert!(!text.contains("day.ndjson:11:"));
        assert!(text.contains("... and 3 more bad lines\n"));
        assert!(text.ends_with("warning: 13 of 13 lines skipped as bad\n"));
    }

    #[test]
    fn one_bad_line_of_one_is_written_in_the_singular() {
        let mut diag = Diagnostics::default();
        diag.counts.lines = 1;
        diag.bad_line("x", 1, LineError::NotAnObject);
        let mut out = Vec::new();
        diag.report_bad_lines(&mut out, false, Read::Every, false).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with("warning: 1 of 1 line skipped as bad\n"));
    }

    #[test]
    fn every_flag_is_counted_under_exactly_one_problem() {
        for (flag, name) in Flags::NAMES {
            let homes: Vec<Problem> = Problem::ALL.into_iter().filter(|p| p.flags().contains(flag)).collect();
            assert_eq!(homes.len(), 1, "{name}: {homes:?}");
        }
        assert!(Problem::Incomplete.flags().contains(Flags::MISSING_ROOT), "a parent never seen is a missing create");
    }

    #[test]
    fn keeps_a_bounded_number_of_bad_lines() {
        let mut diag = Diagnostics::default();
        for line in 0..(KEPT_BAD_LINES as u64 + 50) {
            diag.bad_line("x", line, LineError::Missing("event_name"));
        }
        assert_eq!(diag.bad.len(), KEPT_BAD_LINES);
        assert_eq!(diag.counts.bad_lines, KEPT_BAD_LINES as u64 + 50);
    }
}
