//! `callflow summary`: the figures of each group of calls (computed by `aggregate`) as a table
//! with charts and a data-quality footer, as CSV, or as JSON lines. This module decides how
//! each value reads in CSV and JSON (the table, for people, is in `table`); it computes no
//! figure itself.

pub mod live;
mod table;

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::config::{OutputSettings, ReportSettings};
use crate::diagnostics::Quality;
use crate::exit::ExitCode;
use crate::load::Loaded;
use crate::metrics::aggregate::{self, CallFacts, Fixed, Group, GroupKey, KeyValue};
use crate::model::Call;
use crate::render::{self, Format, Render};
use crate::report::hint::Present;
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// The figure columns of CSV and JSON, after one column per key, in their fixed order.
pub const FIGURE_COLUMNS: [&str; 19] = [
    "calls",
    "answered",
    "not_answered",
    "open",
    "answer_rate",
    "hangup_client",
    "hangup_consultant",
    "hangup_none",
    "hangup_other",
    "talk_s_total",
    "talk_s_mean",
    "talk_s_p50",
    "talk_s_p90",
    "talk_s_max",
    "wait_s_mean",
    "wait_s_p50",
    "wait_s_p90",
    "wait_s_max",
    "duration_s_mean",
];

/// The first column of `summary --follow`: when the period of the row ended.
pub const PERIOD_COLUMN: &str = "period_end";

/// Runs `summary`, grouping by `keys`.
pub fn run(
    settings: &ReportSettings,
    keys: Vec<GroupKey>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    let loaded = super::load_reported(input, err)?;
    let report = Report::new(&loaded, selection, keys, &output.zone);
    super::explain_empty(
        selection,
        &Present::of(selection, &loaded.dataset),
        &output.zone,
        report.total_calls() as usize,
        err,
    )?;
    // Charts are for people looking at a terminal, never for a file or a pipe.
    write(&report, output, output.terminal.stdout, out)?;
    super::note_long_table(report.groups.len(), output, err)?;
    // Under --quiet a clean run is silent, so cron mails nothing; a problem still speaks.
    if output.format != Format::Table && !(output.terminal.quiet && report.quality.clean()) {
        writeln!(err, "callflow: data quality: {}", report.quality)?;
    }
    Ok(super::status_of(input, &loaded.diagnostics, &report.quality.calls))
}

/// The groups of one run and the quality of the input they came from.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The grouping keys, in order.
    pub keys: Vec<GroupKey>,
    /// One group per row, sorted.
    pub groups: Vec<Group<'a>>,
    /// The data quality of the input and of the calls reported.
    pub quality: Quality<'a>,
}

impl<'a> Report<'a> {
    /// Groups the selected calls of `loaded` by `keys`, with time buckets in `zone`.
    pub fn new(loaded: &'a Loaded, selection: &Selection, keys: Vec<GroupKey>, zone: &Zone) -> Self {
        let ds = &loaded.dataset;
        let calls: Vec<&Call> = selection.apply(ds).collect();
        let quality = Quality::new(&loaded.diagnostics, calls.iter().copied());
        let groups = aggregate::summarize(calls.iter().map(|c| CallFacts::new(ds, c)), &keys, zone);
        Report { keys, groups, quality }
    }

    fn total_calls(&self) -> u64 {
        self.groups.iter().map(|g| g.figures.calls).sum()
    }
}

/// Writes the report in the chosen format; `charts` adds the bar charts to a table.
pub fn write(report: &Report<'_>, output: &OutputSettings, charts: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    render::write(output.format, &Rows { report, output, charts }, out)
}

/// The report's rows as written: zone and terminal, and whether a table has charts.
struct Rows<'r, 'a> {
    report: &'r Report<'a>,
    output: &'r OutputSettings,
    charts: bool,
}

impl Rows<'_, '_> {
    fn columns(&self) -> Vec<&'static str> {
        let mut columns: Vec<&str> = self.report.keys.iter().map(|k| k.column()).collect();
        columns.extend(FIGURE_COLUMNS);
        columns
    }
}

impl Render for Rows<'_, '_> {
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(table::write(self.report, self.output, self.charts, out)?)
    }

    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let zone = &self.output.zone;
        let rows = self
            .report
            .groups
            .iter()
            .map(|g| row(g, zone).iter().map(|value| value.csv(self.output.csv.safe)).collect::<Vec<_>>());
        self.output.csv.write(&self.columns(), rows, out)
    }

    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let (zone, columns) = (&self.output.zone, self.columns());
        let rows = self.report.groups.iter().map(|g| JsonRow { columns: &columns, values: row(g, zone) });
        render::write_json_lines(rows, out)
    }
}

/// One value of a CSV or JSON row.
#[derive(Debug, Clone, PartialEq)]
enum Value<'v> {
    Text(Option<Cow<'v, str>>),
    Count(u64),
    Seconds(Option<i64>),
    Decimal(Option<Fixed>),
}

impl Value<'_> {
    /// The CSV field: absent values are empty, decimals keep their fixed places; text is
    /// guarded against formula injection when `safe`.
    fn csv(&self, safe: bool) -> String {
        match self {
            Value::Text(text) => render::formula_safe(text.as_deref().unwrap_or(""), safe).into_owned(),
            Value::Count(n) => n.to_string(),
            Value::Seconds(s) => s.map(|s| s.to_string()).unwrap_or_default(),
            Value::Decimal(d) => d.map(fixed_text).unwrap_or_default(),
        }
    }
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Text(text) => text.serialize(s),
            Value::Count(n) => s.serialize_u64(*n),
            Value::Seconds(secs) => secs.serialize(s),
            Value::Decimal(d) => d.map(Fixed::to_f64).serialize(s),
        }
    }
}

/// A row as one JSON object, keys in column order.
struct JsonRow<'r> {
    columns: &'r [&'r str],
    values: Vec<Value<'r>>,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(&self.values) {
            map.serialize_entry(column, value)?;
        }
        map.end()
    }
}

/// The key values, then the figures, of one group.
fn row<'g>(group: &'g Group<'_>, zone: &Zone) -> Vec<Value<'g>> {
    let keys = group.key.iter().map(|value| match value {
        KeyValue::Time(t) => Value::Text(Some(Cow::Owned(zone.rfc3339(*t)))),
        KeyValue::Name(name) => Value::Text(name.as_deref().map(Cow::Borrowed)),
    });
    let f = &group.figures;
    let figures = [
        Value::Count(f.calls),
        Value::Count(f.answered),
        Value::Count(f.not_answered),
        Value::Count(f.open),
        Value::Decimal(f.answer_rate),
        Value::Count(f.hangup_client),
        Value::Count(f.hangup_consultant),
        Value::Count(f.hangup_none),
        Value::Count(f.hangup_other),
        Value::Seconds(Some(f.talk.total)),
        Value::Decimal(f.talk.mean),
        Value::Seconds(f.talk.p50),
        Value::Seconds(f.talk.p90),
        Value::Seconds(f.talk.max),
        Value::Decimal(f.wait.mean),
        Value::Seconds(f.wait.p50),
        Value::Seconds(f.wait.p90),
        Value::Seconds(f.wait.max),
        Value::Decimal(f.duration_s_mean),
    ];
    keys.chain(figures).collect()
}

/// A fixed-point number with all its places: `0.600`, `12.0`, `-3.5`.
fn fixed_text(value: Fixed) -> String {
    let unit = 10i64.pow(value.places);
    let sign = if value.scaled < 0 { "-" } else { "" };
    let (whole, frac) = (value.scaled.unsigned_abs() / unit as u64, value.scaled.unsigned_abs() % unit as u64);
    match value.places {
        0 => format!("{sign}{whole}"),
        places => format!("{sign}{whole}.{frac:0width$}", width = places as usize),
    }
}
