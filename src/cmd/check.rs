//! `callflow check`: the data-quality report a cron job gates on. Every line accounted for,
//! the first bad lines located, and the ids of the calls carrying each flag.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::cli::{CheckArgs, CheckFormat};
use crate::config::{InputSettings, Terminal};
use crate::diagnostics::{BadLine, LineCounts};
use crate::exit::ExitCode;
use crate::load::{self, Loaded};
use crate::model::Flags;
use crate::render::text::visible;

/// Flagged call ids shown per flag in the table (JSON lists them all).
const SHOWN_IDS: usize = 10;

/// The report, in the key order of its JSON form.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// All lines read.
    pub lines: u64,
    /// Call events used.
    pub events: u64,
    /// Exact re-deliveries dropped.
    pub duplicates: u64,
    /// Valid events of other kinds.
    pub other_events: u64,
    /// Of those, per `event_name`.
    pub other_events_by_name: &'a BTreeMap<String, u64>,
    /// Lines that could not be used.
    pub bad_lines: u64,
    /// Empty lines.
    pub blank_lines: u64,
    /// Calls rebuilt.
    pub calls: usize,
    /// Calls with a leg never closed.
    pub open_calls: usize,
    /// Calls with a leg whose `dialog_create` never arrived (or a parent never seen at all).
    pub incomplete_calls: usize,
    /// Calls with a state after the close, an event before the create, or a link cycle.
    pub suspicious_calls: usize,
    /// The first bad lines.
    pub bad: Vec<BadRecord<'a>>,
    /// Call ids per flag name.
    pub flagged: BTreeMap<&'static str, Vec<&'a str>>,
}

/// One bad line, located.
#[derive(Debug, Serialize)]
pub struct BadRecord<'a> {
    /// Input name.
    pub file: &'a str,
    /// Line number.
    pub line: u64,
    /// Why it was rejected.
    pub reason: String,
}

impl<'a> Report<'a> {
    /// The report of a load.
    pub fn new(loaded: &'a Loaded) -> Self {
        let ds = &loaded.dataset;
        let counts: &LineCounts = &loaded.diagnostics.counts;
        let with = |flags: Flags| ds.calls.iter().filter(|c| c.figures.flags.intersects(flags)).count();
        let mut flagged: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
        for call in &ds.calls {
            for (flag, name) in Flags::NAMES {
                if call.figures.flags.contains(flag) {
                    flagged.entry(name).or_default().push(ds.str(call.id));
                }
            }
        }
        let located = |bad: &'a BadLine| BadRecord { file: &bad.source, line: bad.line, reason: bad.error.to_string() };
        Report {
            lines: counts.lines,
            events: counts.events,
            duplicates: counts.duplicates,
            other_events: counts.other_events,
            other_events_by_name: &counts.other_by_name,
            bad_lines: counts.bad_lines,
            blank_lines: counts.blank_lines,
            calls: ds.calls.len(),
            open_calls: with(Flags::OPEN),
            // A parent leg that never appeared is a missing create too.
            incomplete_calls: with(Flags::INCOMPLETE | Flags::MISSING_ROOT),
            suspicious_calls: with(Flags::SUSPICIOUS),
            bad: loaded.diagnostics.bad.iter().map(located).collect(),
            flagged,
        }
    }

    /// Clean: no bad line, no incomplete or suspicious call. Open calls are normal at the end
    /// of a log and do not count against it.
    pub fn clean(&self) -> bool {
        self.bad_lines == 0 && self.incomplete_calls == 0 && self.suspicious_calls == 0
    }
}

/// Runs `check`.
pub fn run(
    args: &CheckArgs,
    terminal: Terminal,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let input = InputSettings::from_args(&args.input, terminal)?;
    // The report itself lists bad lines; nothing is repeated on stderr.
    let loaded = load::load(&input.inputs, &input.load)?;
    let report = Report::new(&loaded);
    match args.format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        CheckFormat::Table => write_text(&report, out)?,
    }
    Ok(if report.clean() { ExitCode::Ok } else { ExitCode::Failure })
}

fn write_text(report: &Report<'_>, out: &mut dyn Write) -> anyhow::Result<()> {
    let verdict = if report.clean() { "clean" } else { "PROBLEMS FOUND" };
    writeln!(out, "{verdict}: {} lines, {} calls", report.lines, report.calls)?;
    let rows = [
        ("events used", report.events),
        ("duplicates dropped", report.duplicates),
        ("other events", report.other_events),
        ("bad lines", report.bad_lines),
        ("blank lines", report.blank_lines),
    ];
    // Names, files and ids come from the input: shown escaped, as every text view shows them.
    let names: Vec<(Cow<'_, str>, u64)> = report.other_events_by_name.iter().map(|(k, n)| (visible(k), *n)).collect();
    let width = names.iter().map(|(k, _)| k.chars().count() + 2).max().unwrap_or(0).max(20);
    for (name, n) in rows {
        writeln!(out, "  {name:<width$} {n:>10}")?;
        if name == "other events" {
            for (name, n) in &names {
                writeln!(out, "    {name:<w$} {n:>10}", w = width - 2)?;
            }
        }
    }
    let calls = [
        ("open calls", report.open_calls),
        ("incomplete calls", report.incomplete_calls),
        ("suspicious calls", report.suspicious_calls),
    ];
    for (name, n) in calls {
        writeln!(out, "  {name:<width$} {n:>10}")?;
    }
    for bad in &report.bad {
        writeln!(out, "bad line {}:{}: {}", visible(bad.file), bad.line, visible(&bad.reason))?;
    }
    if report.bad_lines > report.bad.len() as u64 {
        writeln!(out, "... and {} more bad lines", report.bad_lines - report.bad.len() as u64)?;
    }
    for (flag, ids) in &report.flagged {
        let shown: Vec<Cow<'_, str>> = ids.iter().take(SHOWN_IDS).map(|id| visible(id)).collect();
        let more = ids.len().saturating_sub(SHOWN_IDS);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        writeln!(out, "{flag} ({}): {}{tail}", ids.len(), shown.join(" "))?;
    }
    Ok(())
}
