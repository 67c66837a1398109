//! `callflow calls`: one row per call, sorted by (start, call_id).

use std::io::Write;
use std::ops::Range;

use comfy_table::{Cell, Color};

use crate::config::{OutputSettings, ReportSettings};
use crate::diagnostics::CallTally;
use crate::exit::ExitCode;
use crate::load::Sink;
use crate::metrics::Outcome;
use crate::model::{Call, Dataset};
use crate::render::csv_layout::CsvLayout;
use crate::render::ordered::{Ordered, Run};
use crate::render::{self, table, Format, Render};
use crate::report::hint::Present;
use crate::report::rows::{CallDetail, CallRecord};
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// The CSV columns, in their fixed order (the first 14 are a documented contract).
pub const CSV_COLUMNS: [&str; 16] = [
    "call_id",
    "direction",
    "start",
    "answered_at",
    "end",
    "wait_s",
    "talk_s",
    "duration_s",
    "hangup_side",
    "outcome",
    "consultant",
    "project",
    "client",
    "legs",
    "close_cause",
    "flags",
];

/// Runs `calls`. CSV and JSON rows stream out as calls settle; a table is laid out once every
/// call is in.
pub fn run(settings: &ReportSettings, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    if output.format == Format::Parquet {
        return parquet(input, selection, &output.zone, out, err);
    }
    if let (Some(settling), Format::Csv | Format::Json) = (input.settling, output.format) {
        let mut streamed = Streamed {
            selection,
            output,
            out,
            ordered: Ordered::default(),
            present: None,
            kept: 0,
            tally: CallTally::default(),
        };
        if *selection != Selection::default() {
            streamed.present = Some(Present::default());
        }
        if output.format == Format::Csv {
            output.csv.write(&CSV_COLUMNS, std::iter::empty::<[&str; 0]>(), streamed.out)?;
            streamed.out.flush()?;
        }
        let diagnostics = super::stream_reported(input, settling, &mut streamed, err)?;
        if let Some(present) = &streamed.present {
            super::explain_empty(selection, present, &output.zone, streamed.kept, err)?;
        }
        let late_rows = streamed.ordered.out_of_order;
        if late_rows > 0 {
            writeln!(
                err,
                "callflow: warning: {late_rows} row{} written after later-starting calls: the input is out of \
                 order by more than --settle",
                if late_rows == 1 { "" } else { "s" }
            )?;
        }
        return Ok(super::status_of(input, &diagnostics, &streamed.tally));
    }
    let loaded = super::load_reported(input, err)?;
    let ds = &loaded.dataset;
    let rows = Rows { ds, calls: selection.apply(ds).collect(), output };
    super::explain_empty(selection, &Present::of(selection, ds), &output.zone, rows.calls.len(), err)?;
    render::write(output.format, &rows, out)?;
    super::note_long_table(rows.calls.len(), output, err)?;
    let mut tally = CallTally::default();
    rows.calls.iter().for_each(|call| tally.add(call));
    Ok(super::status_of(input, &loaded.diagnostics, &tally))
}

/// `--format parquet`: the calls table of `export`, in one file.
#[cfg(feature = "parquet")]
fn parquet(
    input: &crate::config::InputSettings,
    selection: &Selection,
    zone: &Zone,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    super::export::calls_file(input, selection, zone, out, err)
}

/// `--format parquet` in a build without it (`config` refuses it first).
#[cfg(not(feature = "parquet"))]
fn parquet(
    _: &crate::config::InputSettings,
    _: &Selection,
    _: &Zone,
    _: &mut dyn Write,
    _: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    Err(crate::exit::UsageError("this callflow was built without Parquet support".into()).into())
}

/// Calls written as they settle: rendered at once, released in order.
struct Streamed<'a, 'o> {
    selection: &'a Selection,
    output: &'a OutputSettings,
    out: &'o mut dyn Write,
    ordered: Ordered,
    /// What the calls have, to say why none was kept; gathered only when a filter is set.
    present: Option<Present>,
    /// Rows kept so far.
    kept: usize,
    /// The calls kept, by problem, for `--fail-on`.
    tally: CallTally,
}

impl Sink for Streamed<'_, '_> {
    fn settled(&mut self, ds: Dataset, watermark: Option<i64>) -> anyhow::Result<()> {
        let calls: Vec<&Call> = self.selection.apply(&ds).collect();
        self.kept += calls.len();
        calls.iter().for_each(|call| self.tally.add(call));
        if let Some(present) = self.present.as_mut().filter(|_| self.kept == 0) {
            present.add(self.selection, &ds);
        }
        let zone = &self.output.zone;
        let key = |call: &&Call| (call.figures.start, Box::from(ds.str(call.id)));
        let run = match self.output.format {
            Format::Json => Run::render(&calls, key, |call, buf| {
                serde_json::to_writer(&mut *buf, &CallDetail::new(&ds, call, zone))?;
                buf.push(b'\n');
                Ok(())
            })?,
            _ => Run::render(&calls, key, |call, buf| {
                let layout = &self.output.csv;
                let mut writer = layout.writer(buf);
                CallRecord::new(&ds, call, zone).write_csv(&mut writer, layout)?;
                writer.flush()?;
                Ok(())
            })?,
        };
        self.ordered.add(run);
        self.ordered.release(watermark, self.out)?;
        self.out.flush()?;
        Ok(())
    }
}

/// The calls of a report, one row each, in the order given.
pub struct Rows<'a> {
    /// Where the calls are.
    pub ds: &'a Dataset,
    /// The calls to write.
    pub calls: Vec<&'a Call>,
    /// Zone and terminal.
    pub output: &'a OutputSettings,
}

impl Render for Rows<'_> {
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        write_table(self.ds, self.calls.iter().copied(), self.output, out)
    }

    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        write_csv(self.ds, &self.calls, &self.output.zone, &self.output.csv, out)
    }

    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let (ds, zone) = (self.ds, &self.output.zone);
        render::write_json_lines_in_parallel(&self.calls, |c| CallDetail::new(ds, c, zone), out)
    }
}

/// Writes the calls as CSV in `layout` (by default every column under the fixed header), rows
/// rendered in parallel.
pub fn write_csv(
    ds: &Dataset,
    calls: &[&Call],
    zone: &Zone,
    layout: &CsvLayout,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    layout.write(&CSV_COLUMNS, std::iter::empty::<[&str; 0]>(), out)?;
    render::write_in_parallel(calls, out, |calls, buf| {
        let mut writer = layout.writer(buf);
        for call in calls {
            CallRecord::new(ds, call, zone).write_csv(&mut writer, layout)?;
        }
        writer.flush()?;
        Ok(())
    })
}

fn write_table<'a>(
    ds: &'a Dataset,
    calls: impl Iterator<Item = &'a Call>,
    output: &OutputSettings,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let calls: Vec<&Call> = calls.collect();
    let start = format!("Start\n({})", output.zone.name());
    let header = [&start, "Call", "Dir", "Wait", "Talk", "Total", "Hangup", "Outcome", "Consultant", "Legs"];
    let table_of = |rows: &mut dyn Iterator<Item = Vec<Cell>>| {
        let mut t = table::new(&header, output.terminal.stdout);
        if output.terminal.color {
            t.enforce_styling();
        }
        t.add_rows(rows);
        table::align_right(&mut t, &[3, 4, 5, 9]);
        table::keep_whole(&mut t, &KEEP_WHOLE);
        t
    };
    // Long columns wrap, and where depends on every row: the widths come from a probe of
    // the distinct cells, then the rows are drawn a piece at a time at those widths. With too
    // many distinct cells for a probe, the table is drawn at once.
    let mut probe = table::Probe::new(header.len(), &KEEP_WHOLE);
    for call in &calls {
        probe.add(&row(ds, call, output));
    }
    match probe.into_table(table_of(&mut std::iter::empty())) {
        Some(probe) => {
            let widths = table::arranged_widths(probe);
            let piece = |rows: Range<usize>| table_of(&mut calls[rows].iter().map(|call| row(ds, call, output)));
            table::write_in_pieces(calls.len(), table::PIECE_ROWS, &widths, piece, out)?;
        }
        None => writeln!(out, "{}", table_of(&mut calls.iter().map(|call| row(ds, call, output))))?,
    }
    let count = calls.len();
    writeln!(out, "{count} call{}", if count == 1 { "" } else { "s" })?;
    Ok(())
}

/// The columns of the table that never wrap: times, the id, durations, the outcome.
const KEEP_WHOLE: [usize; 6] = [0, 1, 3, 4, 5, 7];

/// One call's row of the table.
fn row(ds: &Dataset, call: &Call, output: &OutputSettings) -> Vec<Cell> {
    let rec = CallRecord::new(ds, call, &output.zone);
    let f = &call.figures;
    let duration = |s: Option<i64>| s.map(render::human_duration).unwrap_or_default();
    vec![
        Cell::new(output.zone.wall_clock(f.start)),
        table::text_cell(short_id(rec.call_id)),
        table::text_cell(match rec.direction {
            Some(d) if d.eq_ignore_ascii_case("inbound") => "in",
            Some(d) if d.eq_ignore_ascii_case("outbound") => "out",
            Some(d) => d,
            None => "",
        }),
        Cell::new(duration(rec.wait_s)),
        Cell::new(duration(rec.talk_s)),
        Cell::new(duration(rec.duration_s)),
        paint(table::text_cell(&rec.hangup_side), output.terminal.color, hangup_color(&rec.hangup_side)),
        paint(Cell::new(rec.outcome), output.terminal.color, outcome_color(f.outcome())),
        table::text_cell(rec.consultant.unwrap_or("")),
        Cell::new(rec.legs),
    ]
}

/// Outcomes at a glance: answered green, missed yellow, still open cyan.
fn outcome_color(outcome: Outcome) -> Color {
    match outcome {
        Outcome::Answered => Color::Green,
        Outcome::NotAnswered => Color::Yellow,
        Outcome::Open => Color::Cyan,
    }
}

/// Who hung up: the client in blue, the consultant in magenta, anything else plain.
fn hangup_color(side: &str) -> Color {
    match side {
        "client" => Color::Blue,
        "consultant" => Color::Magenta,
        _ => Color::Reset,
    }
}

fn paint(cell: Cell, color: bool, with: Color) -> Cell {
    if color && with != Color::Reset {
        cell.fg(with)
    } else {
        cell
    }
}

/// The first 8 characters of a uuid: unique enough to read, short enough for a table.
pub fn short_id(uuid: &str) -> &str {
    uuid.get(..8).unwrap_or(uuid)
}
