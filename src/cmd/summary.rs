//! `callflow summary`: the figures of each group of calls (computed by `aggregate`) as a table
//! with charts and a data-quality footer, as CSV, or as JSON lines. This module decides how
//! each value reads in CSV and JSON (the table, for people, is in `table`); it computes no
//! figure itself.

mod compare;
pub mod live;
mod table;

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::Keeping;
use crate::config::{OutputSettings, ReportSettings, SummarySettings};
use crate::diagnostics::{Diagnostics, Quality};
use crate::exit::ExitCode;
use crate::load::{Loaded, Sink};
use crate::metrics::aggregate::{CallFacts, Definitions, Figures, Fixed, Fold, Group, GroupKey, KeyValue, Spread};
use crate::model::Dataset;
use crate::render::{self, Format, Render};
use crate::report::select::Selection;
use crate::report::timefmt::Zone;
pub use compare::Compared;

/// The figure columns of CSV and JSON, after one column per key, in their fixed order, with
/// a talk and a wait column for each of `percentiles`. [`row`] writes the values in this order.
pub(crate) fn figure_columns(percentiles: &[u32]) -> Vec<String> {
    let counts = ["calls", "answered", "not_answered", "open", "answer_rate"];
    let hangups = ["hangup_client", "hangup_consultant", "hangup_none", "hangup_other"];
    let service = ["inbound", "abandoned", "short_abandoned", "answered_in_sla", "service_level", "abandon_rate"];
    let ranks = |of: &str| percentiles.iter().map(move |p| format!("{of}_p{p}")).collect::<Vec<_>>();
    let mut columns: Vec<String> = counts.iter().chain(&hangups).map(|c| c.to_string()).collect();
    columns.extend(["talk_s_total".into(), "talk_s_mean".into()]);
    columns.extend(ranks("talk_s"));
    columns.extend(["talk_s_max".into(), "wait_s_mean".into()]);
    columns.extend(ranks("wait_s"));
    columns.extend(["wait_s_max".into(), "duration_s_mean".into()]);
    columns.extend(service.iter().map(|c| c.to_string()));
    columns.push("peak_concurrent".into());
    columns
}

/// The figure columns of CSV and JSON for `summary`: with `--compare`, those of both periods
/// and their differences.
pub(crate) fn summary_columns(summary: &SummarySettings) -> Vec<String> {
    let figures = figure_columns(&summary.definitions.percentiles);
    match summary.compare {
        Some(_) => compare::columns(&figures),
        None => figures,
    }
}

/// The first column of `summary --follow`: when the period of the row ended.
pub(crate) const PERIOD_COLUMN: &str = "period_end";

/// Runs `summary`. Calls are folded into their groups as they settle; with `--settle off`,
/// once every call is in.
pub fn run(
    settings: &ReportSettings,
    summary: &SummarySettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    let mut folded = Folded::new(selection, summary, output.zone);
    let diagnostics = match input.settling {
        Some(settling) => super::stream_reported(input, settling, &mut folded, err)?,
        None => {
            let loaded = super::load_reported(input, err)?;
            folded.settled(loaded.dataset, None)?;
            loaded.diagnostics
        }
    };
    folded.keeping.explain(&output.zone, err)?;
    let report = folded.report(&diagnostics);
    // The table says so under itself; CSV and JSON leave the earlier columns empty.
    let uncovered = report.earlier.as_ref().and_then(|e| e.uncovered(&output.zone));
    if let Some(note) = uncovered.filter(|_| output.format != Format::Table) {
        writeln!(err, "callflow: not compared: {note}")?;
    }
    // Charts are for people looking at a terminal, never for a file or a pipe.
    write(&report, output, output.terminal.stdout, out)?;
    super::note_long_table(report.groups.len(), output, err)?;
    // Under --quiet a clean run is silent, so cron mails nothing; a problem still speaks.
    if output.format != Format::Table && !(output.terminal.quiet && report.quality.clean()) {
        writeln!(err, "callflow: data quality: {}", report.quality)?;
    }
    Ok(super::status_of(input, &diagnostics, &report.quality.calls))
}

/// The selected calls folded into their groups as they settle; nothing of a call is kept.
pub(crate) struct Folded<'s> {
    selection: &'s Selection,
    summary: SummarySettings,
    fold: Fold,
    /// The calls selected.
    keeping: Keeping<'s>,
    /// With `--compare`, the calls of the earlier period.
    earlier: Option<compare::Earlier>,
}

impl<'s> Folded<'s> {
    /// Nothing folded yet: groups and figures as `summary` says, buckets in `zone`.
    pub fn new(selection: &'s Selection, summary: &SummarySettings, zone: Zone) -> Self {
        let fold = Fold::new(summary.by.clone(), zone, summary.definitions.clone());
        let earlier = summary.compare.map(|shift| compare::Earlier::new(selection, shift, summary, zone));
        Folded { selection, fold, summary: summary.clone(), keeping: Keeping::new(selection), earlier }
    }

    /// Folds the selected calls of `ds`.
    fn add(&mut self, ds: &Dataset) {
        for call in self.keeping.keep(ds) {
            self.fold.add(&CallFacts::new(ds, call));
        }
        if let Some(earlier) = &mut self.earlier {
            earlier.add(ds);
        }
    }

    /// The report of the calls folded, over an input that met `diagnostics`.
    pub fn report(self, diagnostics: &Diagnostics) -> Report<'_> {
        let quality = Quality { counts: &diagnostics.counts, calls: self.keeping.tally };
        let (keys, percentiles, kpi) = (self.summary.by, self.summary.definitions.percentiles, self.summary.kpi);
        let earlier = self.earlier.map(compare::Earlier::finish);
        let since = self.selection.since;
        Report { keys, groups: self.fold.finish(), quality, percentiles, kpi, earlier, since }
    }
}

impl Sink for Folded<'_> {
    fn settled(&mut self, ds: Dataset, watermark: Option<i64>) -> anyhow::Result<()> {
        self.add(&ds);
        self.fold.advance(watermark);
        if let Some(earlier) = &mut self.earlier {
            earlier.advance(watermark);
        }
        Ok(())
    }
}

/// The groups of one run and the quality of the input they came from.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The grouping keys, in order.
    pub keys: Vec<GroupKey>,
    /// One group per row, sorted.
    pub groups: Vec<Group<'static>>,
    /// The data quality of the input and of the calls reported.
    pub quality: Quality<'a>,
    /// The percentiles of talk and wait each group has, in order.
    pub percentiles: Vec<u32>,
    /// `--kpi`: the table shows every contact-center figure, not only the two rates.
    pub kpi: bool,
    /// With `--compare`, the groups of the earlier period.
    pub earlier: Option<Compared>,
    /// The start of the period reported (`--since` or `--day`), if one was named.
    pub since: Option<i64>,
}

impl<'a> Report<'a> {
    /// Groups the selected calls of `loaded` by `keys`, with time buckets in `zone`.
    pub fn new(loaded: &'a Loaded, selection: &Selection, keys: Vec<GroupKey>, zone: &Zone) -> Self {
        let summary =
            SummarySettings { by: keys, definitions: Definitions::default(), kpi: false, compare: None, every: None };
        let mut folded = Folded::new(selection, &summary, *zone);
        folded.add(&loaded.dataset);
        folded.report(&loaded.diagnostics)
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
    /// The header and the rows of CSV and JSON: with `--compare`, each group's figures for
    /// both periods and their differences.
    fn lines(&self) -> (Vec<String>, Vec<Vec<Value<'_>>>) {
        let report = self.report;
        let mut columns: Vec<String> = report.keys.iter().map(|k| k.column().to_owned()).collect();
        let figures = figure_columns(&report.percentiles);
        let zone = &self.output.zone;
        match &report.earlier {
            None => {
                columns.extend(figures);
                let rows = report.groups.iter().map(|g| key_values(g, zone).chain(figure_values(&g.figures)).collect());
                (columns, rows.collect())
            }
            Some(earlier) => {
                columns.extend(compare::columns(&figures));
                let rows = earlier.pairs(&report.groups).map(|(group, now, then)| {
                    let mut row: Vec<Value<'_>> = key_values(group, zone).collect();
                    row.extend(compare::values(&figures, figure_values(now), then.map(figure_values)));
                    row
                });
                (columns, rows.collect())
            }
        }
    }
}

impl Render for Rows<'_, '_> {
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(table::write(self.report, self.output, self.charts, out)?)
    }

    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let (columns, rows) = self.lines();
        let rows = rows.iter().map(|row| row.iter().map(|value| value.csv(self.output.csv.safe)).collect::<Vec<_>>());
        let header: Vec<&str> = columns.iter().map(String::as_str).collect();
        self.output.csv.write(&header, rows, out)
    }

    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let (columns, rows) = self.lines();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let rows = rows.into_iter().map(|values| JsonRow { columns: &columns, values });
        render::write_json_lines(rows, out)
    }
}

/// One value of a CSV or JSON row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'v> {
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

/// The key values of one group.
pub(super) fn key_values<'g>(group: &'g Group<'_>, zone: &Zone) -> impl Iterator<Item = Value<'g>> + 'g {
    let zone = *zone;
    group.key.iter().map(move |value| match value {
        KeyValue::Time(t) => Value::Text(Some(Cow::Owned(zone.rfc3339(*t)))),
        KeyValue::Name(name) => Value::Text(name.as_deref().map(Cow::Borrowed)),
        KeyValue::Weekday(day) => Value::Text(Some(Cow::Borrowed(weekday_name(*day)))),
    })
}

/// The figures of one group, in the order of [`figure_columns`].
pub(super) fn figure_values(f: &Figures) -> Vec<Value<'static>> {
    let ranks = |spread: &Spread| spread.percentiles.iter().map(|&p| Value::Seconds(p)).collect::<Vec<_>>();
    let mut values = vec![
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
    ];
    values.extend(ranks(&f.talk));
    values.extend([Value::Seconds(f.talk.max), Value::Decimal(f.wait.mean)]);
    values.extend(ranks(&f.wait));
    values.extend([
        Value::Seconds(f.wait.max),
        Value::Decimal(f.duration_s_mean),
        Value::Count(f.service.inbound),
        Value::Count(f.service.abandoned),
        Value::Count(f.service.short_abandoned),
        Value::Count(f.service.answered_in_sla),
        Value::Decimal(f.service.service_level()),
        Value::Decimal(f.service.abandon_rate()),
        Value::Count(f.peak_concurrent),
    ]);
    values
}

/// A day of the week by its English name: `Monday`.
pub(crate) fn weekday_name(day: chrono::Weekday) -> &'static str {
    const NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    NAMES[day.num_days_from_monday() as usize]
}

/// A fixed-point number with all its places: `0.600`, `12.0`, `-3.5`.
pub(super) fn fixed_text(value: Fixed) -> String {
    let unit = 10i64.pow(value.places);
    let sign = if value.scaled < 0 { "-" } else { "" };
    let (whole, frac) = (value.scaled.unsigned_abs() / unit as u64, value.scaled.unsigned_abs() % unit as u64);
    match value.places {
        0 => format!("{sign}{whole}"),
        places => format!("{sign}{whole}.{frac:0width$}", width = places as usize),
    }
}
