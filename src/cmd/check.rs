//! `callflow check`: the data-quality report a cron job gates on. Every line accounted for,
//! the first bad lines located, and the ids of the calls with each problem. The counts and
//! what they mean are `diagnostics::Quality`'s; this module lays them out.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::config::InputSettings;
use crate::diagnostics::{BadLine, CallTally, Diagnostics, Problem, Quality};
use crate::exit::ExitCode;
use crate::load::{self, Sink};
use crate::model::Dataset;
use crate::render::text::visible;
use crate::render::{self, counted, Format, Render};

/// Call ids shown per problem in the table (JSON lists them all).
const SHOWN_IDS: usize = 10;

/// The report, in the key order of its JSON form.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// Where every line went, and how many calls have each problem.
    #[serde(flatten)]
    pub quality: Quality<'a>,
    /// The first bad lines.
    pub bad: Vec<BadRecord<'a>>,
    /// The ids of the calls with each problem, as many as its count, in the order of the
    /// calls' starts; problems no call has are left out.
    pub flagged: BTreeMap<Problem, Vec<Box<str>>>,
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
    /// The report of a load that met `diagnostics` and rebuilt the calls `seen` counted; with
    /// `mask`, numbers quoted from bad lines are blanked.
    pub fn new(diagnostics: &'a Diagnostics, seen: Seen, mask: bool) -> Self {
        let located = |bad: &'a BadLine| BadRecord { file: &bad.source, line: bad.line, reason: bad.reason(mask) };
        let flagged = seen
            .flagged
            .into_iter()
            .map(|(problem, mut calls)| {
                calls.sort_unstable();
                (problem, calls.into_iter().map(|(_, id)| id).collect())
            })
            .collect();
        Report {
            quality: Quality { counts: &diagnostics.counts, calls: seen.tally },
            bad: diagnostics.bad.iter().map(located).collect(),
            flagged,
        }
    }
}

/// The calls as they settle: counted by problem, and the ids (with their start) of those
/// that have one. Nothing else of a call is kept.
#[derive(Debug, Default)]
pub struct Seen {
    tally: CallTally,
    flagged: BTreeMap<Problem, Vec<(i64, Box<str>)>>,
}

impl Sink for Seen {
    fn settled(&mut self, ds: Dataset, _watermark: Option<i64>) -> anyhow::Result<()> {
        for call in &ds.calls {
            self.tally.add(call);
            for problem in Problem::of(call) {
                self.flagged.entry(problem).or_default().push((call.figures.start, ds.str(call.id).into()));
            }
        }
        Ok(())
    }
}

/// Runs `check`.
pub fn run(
    input: &InputSettings,
    format: Format,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    // The report itself lists bad lines; nothing is repeated on stderr.
    let mut seen = Seen::default();
    let diagnostics = match input.settling {
        Some(settling) => super::stream(input, settling, &mut seen)?,
        None => {
            let loaded = load::load(&input.inputs, &input.load)?;
            seen.settled(loaded.dataset, None)?;
            loaded.diagnostics
        }
    };
    let report = Report::new(&diagnostics, seen, input.load.redact.is_some());
    render::write(format, &report, out)?;
    let asked = super::status_of(input, &diagnostics, &report.quality.calls);
    Ok(if report.quality.clean() { asked } else { ExitCode::Failure })
}

impl Render for Report<'_> {
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        write_text(self, out)
    }

    /// The counts as one row under a header, for a spreadsheet of daily checks.
    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let header = [
            "lines",
            "events",
            "duplicates",
            "late",
            "carried",
            "other_events",
            "bad_lines",
            "blank_lines",
            "calls",
            "open_calls",
            "incomplete_calls",
            "suspicious_calls",
        ];
        let (quality, counts) = (&self.quality, self.quality.counts);
        let row = [
            counts.lines,
            counts.events,
            counts.duplicates,
            counts.late,
            counts.carried,
            counts.other_events,
            counts.bad_lines,
            counts.blank_lines,
            quality.calls.calls,
            quality.calls.open_calls,
            quality.calls.incomplete_calls,
            quality.calls.suspicious_calls,
        ];
        render::write_csv_with_header(&header, [row], out)
    }

    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)?;
        Ok(())
    }
}

fn write_text(report: &Report<'_>, out: &mut dyn Write) -> anyhow::Result<()> {
    let (quality, counts) = (&report.quality, report.quality.counts);
    let verdict = if quality.clean() { "clean" } else { "PROBLEMS FOUND" };
    let (lines, calls) = (counted(counts.lines, "line", "lines"), counted(quality.calls.calls, "call", "calls"));
    writeln!(out, "{verdict}: {lines}, {calls}")?;
    let rows = [
        ("events used", counts.events),
        ("duplicates dropped", counts.duplicates),
        ("late events", counts.late),
        ("events carried in", counts.carried),
        ("other events", counts.other_events),
        ("bad lines", counts.bad_lines),
        ("blank lines", counts.blank_lines),
    ];
    // Names, files and ids come from the input: shown escaped, as every text view shows them.
    let names: Vec<(Cow<'_, str>, u64)> = counts.other_by_name.iter().map(|(k, n)| (visible(k), *n)).collect();
    let width = names.iter().map(|(k, _)| k.chars().count() + 2).max().unwrap_or(0).max(20);
    for (name, n) in rows {
        writeln!(out, "  {name:<width$} {n:>10}")?;
        if name == "other events" {
            for (name, n) in &names {
                writeln!(out, "    {name:<w$} {n:>10}", w = width - 2)?;
            }
        }
    }
    for problem in Problem::ALL {
        let name = format!("{} calls", problem.name());
        writeln!(out, "  {name:<width$} {:>10}", quality.with(problem))?;
    }
    for bad in &report.bad {
        writeln!(out, "bad line {}:{}: {}", visible(bad.file), bad.line, visible(&bad.reason))?;
    }
    if counts.bad_lines > report.bad.len() as u64 {
        let more = counts.bad_lines - report.bad.len() as u64;
        writeln!(out, "... and {}", counted(more, "more bad line", "more bad lines"))?;
    }
    for (problem, ids) in &report.flagged {
        let shown: Vec<Cow<'_, str>> = ids.iter().take(SHOWN_IDS).map(|id| visible(id)).collect();
        let more = ids.len().saturating_sub(SHOWN_IDS);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        writeln!(out, "{} calls ({}): {}{tail}", problem.name(), ids.len(), shown.join(" "))?;
    }
    Ok(())
}
