//! Counted, located, non-fatal problems, and the line accounting every command shares.
//!
//! Every input line lands in exactly one bucket: an event used, a duplicate dropped, an
//! event of another kind, a blank line, or a bad line. Bad lines keep their file and line
//! number (the first [`KEPT_BAD_LINES`] of them in full) so the user can find them. This module
//! decides nothing about exit codes beyond reporting whether anything was bad; `run` does.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::event::LineError;
use crate::render::text::visible;

/// How many bad lines are kept with their location and reason.
pub const KEPT_BAD_LINES: usize = 100;

/// How many bad lines are printed to stderr before the rest are summarised as a count.
pub const SHOWN_BAD_LINES: usize = 10;

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
    /// snippet in the reason come from outside, so they are made visible, never written raw.
    pub fn write(&self, err: &mut dyn Write) -> io::Result<()> {
        let text = format!("{}:{}: {}", self.source, self.line, self.error);
        writeln!(err, "callflow: {}", visible(&text))
    }
}

/// Where every input line went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// All lines read.
    pub lines: u64,
    /// Call events used to rebuild calls.
    pub events: u64,
    /// Exact re-deliveries dropped.
    pub duplicates: u64,
    /// Valid events of other kinds.
    pub other_events: u64,
    /// Of those, how many per `event_name`.
    pub other_by_name: BTreeMap<String, u64>,
    /// Lines that were not usable events.
    pub bad_lines: u64,
    /// Empty or whitespace-only lines.
    pub blank_lines: u64,
}

impl LineCounts {
    /// True when the buckets add up to the lines read (they always should).
    pub fn balanced(&self) -> bool {
        self.lines == self.events + self.duplicates + self.other_events + self.bad_lines + self.blank_lines
    }
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
        self.counts.other_events += counts.other_events;
        self.counts.bad_lines += counts.bad_lines;
        self.counts.blank_lines += counts.blank_lines;
        for (name, n) in counts.other_by_name {
            *self.counts.other_by_name.entry(name).or_insert(0) += n;
        }
        let room = KEPT_BAD_LINES.saturating_sub(self.bad.len());
        self.bad.extend(part.bad.into_iter().take(room).map(|bad| BadLine { line: bad.line + line_offset, ..bad }));
    }

    /// Prints the first bad lines and a count of the rest, as `callflow: FILE:LINE: reason`.
    pub fn report_bad_lines(&self, err: &mut dyn Write, color: bool) -> io::Result<()> {
        for bad in self.bad.iter().take(SHOWN_BAD_LINES) {
            bad.write(err)?;
        }
        let rest = self.counts.bad_lines.saturating_sub(SHOWN_BAD_LINES as u64);
        if rest > 0 {
            writeln!(err, "callflow: ... and {rest} more bad lines")?;
        }
        if self.counts.bad_lines > 0 {
            let warning = if color { "\x1b[33mwarning\x1b[0m" } else { "warning" };
            writeln!(
                err,
                "callflow: {warning}: {} of {} lines skipped as bad",
                self.counts.bad_lines, self.counts.lines
            )?;
        }
        Ok(())
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
        diag.report_bad_lines(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("callflow: day.ndjson:1: not a JSON object\n"));
        assert!(text.contains("callflow: day.ndjson:10: not a JSON object\n"));
        assert!(!text.contains("day.ndjson:11:"));
        assert!(text.contains("... and 3 more bad lines\n"));
        assert!(text.ends_with("warning: 13 of 13 lines skipped as bad\n"));
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
