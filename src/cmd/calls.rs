//! `callflow calls`: one row per call, sorted by (start, call_id).

use std::io::Write;
use std::ops::Range;

use comfy_table::{Cell, Color};

use crate::cli::CallsArgs;
use crate::config::{OutputSettings, ReportSettings, Terminal};
use crate::exit::ExitCode;
use crate::metrics::Outcome;
use crate::model::{Call, Dataset};
use crate::render::{self, table, Format};
use crate::report::rows::{CallDetail, CallRecord};
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

/// Runs `calls`.
pub fn run(args: &CallsArgs, terminal: Terminal, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } =
        ReportSettings::from_args(&args.input, &args.filter, &args.output, terminal)?;
    let loaded = super::load_reported(&input, err)?;
    let ds = &loaded.dataset;
    write(ds, selection.apply(ds), &output, out)?;
    super::note_long_table(selection.apply(ds).count(), &output, err)?;
    Ok(super::status(&input, &loaded))
}

/// Writes the calls in the chosen format.
pub fn write<'a>(
    ds: &'a Dataset,
    calls: impl Iterator<Item = &'a Call>,
    output: &OutputSettings,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let zone = &output.zone;
    match output.format {
        Format::Csv => write_csv_cells(ds, &calls.collect::<Vec<_>>(), zone, output.csv_safe, out),
        Format::Json => {
            let calls: Vec<&Call> = calls.collect();
            render::write_json_lines_in_parallel(&calls, |c| CallDetail::new(ds, c, zone), out)
        }
        Format::Table => write_table(ds, calls, output, out),
    }
}

/// Writes the calls as CSV under the fixed header, rows rendered in parallel.
pub fn write_csv(ds: &Dataset, calls: &[&Call], zone: &Zone, out: &mut dyn Write) -> anyhow::Result<()> {
    write_csv_cells(ds, calls, zone, false, out)
}

/// [`write_csv`], with text cells guarded against formula injection when `safe`.
fn write_csv_cells(ds: &Dataset, calls: &[&Call], zone: &Zone, safe: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    render::write_csv_with_header(&CSV_COLUMNS, std::iter::empty::<CallRecord<'_>>(), out)?;
    render::write_in_parallel(calls, out, |calls, buf| {
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(buf);
        for call in calls {
            CallRecord::new(ds, call, zone).write_csv(&mut writer, safe)?;
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
