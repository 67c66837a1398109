//! `callflow calls`: one row per call, sorted by (start, call_id).

mod table;

use std::io::Write;

use super::Keeping;
use crate::config::{OutputSettings, ReportSettings};
use crate::diagnostics::CallTally;
use crate::exit::ExitCode;
use crate::load::{Settling, Sink};
use crate::model::{Call, Dataset};
use crate::render::csv_layout::CsvLayout;
use crate::render::fixed::Layout;
use crate::render::ordered::{Ordered, Run};
use crate::render::{self, Format, Render};
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

pub use table::short_id;

/// Runs `calls`. Rows stream out as calls settle, in start order (with `--follow`, as each
/// call settles), in every format (a table's column widths are fixed before the first row);
/// with `--settle off`, once every call is in.
pub fn run(settings: &ReportSettings, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    if output.format == Format::Parquet {
        return parquet(input, selection, &output.zone, out, err);
    }
    if let Some(settling) = input.settling {
        return stream(settings, settling, out, err);
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

/// Runs `calls` over settling calls: the header, the rows as they are released, the end.
fn stream(
    settings: &ReportSettings,
    settling: Settling,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    let mut streamed = Streamed {
        output,
        out,
        ordered: Ordered::default(),
        keeping: Keeping::new(selection),
        live: input.follow,
        layout: table::layout(output),
        header: None,
    };
    match output.format {
        Format::Csv => output.csv.write(&CSV_COLUMNS, std::iter::empty::<[&str; 0]>(), streamed.out)?,
        // Following, the header comes at once, as `tail -f` shows what there is.
        Format::Table if input.follow => {
            let mut header = Vec::new();
            streamed.layout.header(&mut header);
            streamed.out.write_all(&header)?;
        }
        // Held until the first row: a run that fails before it writes no half table.
        Format::Table => streamed.layout.header(streamed.header.insert(Vec::new())),
        // Parquet never gets here: `run` hands it to `export`.
        Format::Json | Format::Parquet => {}
    }
    streamed.out.flush()?;
    let diagnostics = super::stream_reported(input, settling, &mut streamed, err)?;
    if output.format == Format::Table {
        let mut end = streamed.header.take().unwrap_or_default();
        table::footer(&streamed.layout, streamed.keeping.kept as u64, &mut end);
        streamed.out.write_all(&end)?;
    }
    streamed.keeping.explain(&output.zone, err)?;
    if !input.follow {
        super::warn_out_of_order(streamed.ordered.out_of_order as usize, err)?;
    }
    super::note_long_table(streamed.keeping.kept, output, err)?;
    Ok(super::status_of(input, &diagnostics, &streamed.keeping.tally))
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
    output: &'a OutputSettings,
    out: &'o mut dyn Write,
    ordered: Ordered,
    keeping: Keeping<'a>,
    /// `--follow`: each row is written as its call settles, not held for earlier calls.
    live: bool,
    /// The table's widths, fixed before the first row.
    layout: Layout,
    /// The table's header, until the first row is written.
    header: Option<Vec<u8>>,
}

impl Sink for Streamed<'_, '_> {
    fn settled(&mut self, ds: Dataset, watermark: Option<i64>) -> anyhow::Result<()> {
        let calls = self.keeping.keep(&ds);
        let zone = &self.output.zone;
        let key = |call: &&Call| (call.figures.start, Box::from(ds.str(call.id)));
        let run = match self.output.format {
            // `run` hands Parquet to `export`: it is never written row by row.
            Format::Parquet => anyhow::bail!("--format parquet is written by export, not row by row"),
            Format::Json => Run::render(&calls, key, |call, buf| {
                serde_json::to_writer(&mut *buf, &CallDetail::new(&ds, call, zone))?;
                buf.push(b'\n');
                Ok(())
            })?,
            Format::Table => Run::render(&calls, key, |call, buf| {
                table::row(&self.layout, &ds, call, self.output, buf);
                Ok(())
            })?,
            Format::Csv => Run::render(&calls, key, |call, buf| {
                let layout = &self.output.csv;
                let mut writer = layout.writer(buf);
                CallRecord::new(&ds, call, zone).write_csv(&mut writer, layout)?;
                writer.flush()?;
                Ok(())
            })?,
        };
        self.ordered.add(run);
        let mut out = Headed { header: &mut self.header, out: &mut *self.out };
        self.ordered.release(watermark.filter(|_| !self.live), &mut out)?;
        self.out.flush()?;
        Ok(())
    }
}

/// `out` that writes `header` (if still there) before its first byte.
struct Headed<'h, 'o> {
    header: &'h mut Option<Vec<u8>>,
    out: &'o mut dyn Write,
}

impl Write for Headed<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(header) = self.header.take() {
            self.out.write_all(&header)?;
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
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
        write_table(self.ds, &self.calls, self.output, out)
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

/// Writes the calls as the table: the same bytes as streaming them.
fn write_table(ds: &Dataset, calls: &[&Call], output: &OutputSettings, out: &mut dyn Write) -> anyhow::Result<()> {
    let layout = table::layout(output);
    let mut buf = Vec::new();
    layout.header(&mut buf);
    out.write_all(&buf)?;
    render::write_in_parallel(calls, out, |calls, buf| {
        calls.iter().for_each(|call| table::row(&layout, ds, call, output, buf));
        Ok(())
    })?;
    buf.clear();
    table::footer(&layout, calls.len() as u64, &mut buf);
    out.write_all(&buf)?;
    Ok(())
}
