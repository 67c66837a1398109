//! `summary --follow --every PERIOD`: the totals of the calls that ended in each period of the
//! clock, appended as the period ends, one row per group after a `period_end` column (the
//! wall-clock time it ended, in --tz). A period in which no call ended writes nothing; the last,
//! partial one is written at the stop. The figures are `aggregate`'s over the calls of that
//! period alone, so a period's rows are final when written and a pipe or a file only ever
//! grows; totals over longer spans are sums (counts) or a `summary` run over the files (rates,
//! percentiles).

use std::borrow::Cow;
use std::io::Write;
use std::time::{Duration, Instant};

use super::{figure_columns, figure_values, key_values, JsonRow, Value, PERIOD_COLUMN};
use crate::config::{OutputSettings, ReportSettings, SummarySettings};
use crate::diagnostics::CallTally;
use crate::exit::{ExitCode, UsageError};
use crate::load::Sink;
use crate::metrics::aggregate::{CallFacts, Fold};
use crate::model::{Call, Dataset};
use crate::render::csv_layout::CsvLayout;
use crate::render::{self, Format};
use crate::report::select::Selection;

/// Runs `summary --follow`, grouping and figuring as `summary` says, writing a period's rows
/// every `every`.
pub fn run(
    settings: &ReportSettings,
    summary: &SummarySettings,
    every: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ReportSettings { input, output, selection } = settings;
    let Some(settling) = input.settling else {
        return Err(UsageError("--follow needs --settle as a duration".into()).into());
    };
    let mut periods = Periods {
        summary,
        selection,
        output,
        out,
        every,
        due: Instant::now() + every,
        held: Vec::new(),
        header: output.csv.header,
        tally: CallTally::default(),
    };
    let diagnostics = crate::cmd::stream_reported(input, settling, &mut periods, err)?;
    periods.write_period()?;
    Ok(crate::cmd::status_of(input, &diagnostics, &periods.tally))
}

/// The calls that ended in the current period, and where its rows go.
struct Periods<'a, 'o> {
    summary: &'a SummarySettings,
    selection: &'a Selection,
    output: &'a OutputSettings,
    out: &'o mut dyn Write,
    every: Duration,
    /// When the current period ends.
    due: Instant,
    /// The calls settled in the current period, as they came.
    held: Vec<Dataset>,
    /// The CSV header is still to be written.
    header: bool,
    /// The calls written, by problem, for `--fail-on`.
    tally: CallTally,
}

impl Sink for Periods<'_, '_> {
    fn settled(&mut self, calls: Dataset, _: Option<i64>) -> anyhow::Result<()> {
        self.held.push(calls);
        self.tick()
    }

    fn tick(&mut self) -> anyhow::Result<()> {
        let now = Instant::now();
        if now < self.due {
            return Ok(());
        }
        // A period with the process asleep (a suspended laptop) is skipped, not written empty.
        while self.due <= now {
            self.due += self.every;
        }
        self.write_period()
    }
}

impl Periods<'_, '_> {
    /// Writes the rows of the calls held, if any, and lets them go.
    fn write_period(&mut self) -> anyhow::Result<()> {
        let held = std::mem::take(&mut self.held);
        let selection = self.selection;
        let calls: Vec<(&Dataset, &Call)> =
            held.iter().flat_map(|ds| selection.apply(ds).map(move |call| (ds, call))).collect();
        if calls.is_empty() {
            return Ok(());
        }
        calls.iter().for_each(|(_, call)| self.tally.add(call));
        let zone = &self.output.zone;
        let mut fold = Fold::new(self.summary.by.clone(), *zone, self.summary.definitions.clone());
        calls.iter().for_each(|&(ds, call)| fold.add(&CallFacts::new(ds, call)));
        let groups = fold.finish();
        let period_end = zone.rfc3339(chrono::Utc::now().timestamp());
        let figures = figure_columns(&self.summary.definitions.percentiles);
        let keys = self.summary.by.iter().map(|key| key.column());
        let columns: Vec<&str> =
            [PERIOD_COLUMN].into_iter().chain(keys).chain(figures.iter().map(String::as_str)).collect();
        let values = |group| {
            [Value::Text(Some(Cow::Borrowed(period_end.as_str())))]
                .into_iter()
                .chain(key_values(group, zone))
                .chain(figure_values(&group.figures))
        };
        match self.output.format {
            Format::Json => {
                let rows = groups.iter().map(|group| JsonRow { columns: &columns, values: values(group).collect() });
                render::write_json_lines(rows, self.out)?;
            }
            _ => {
                let layout = CsvLayout { header: self.header, ..self.output.csv.clone() };
                let rows =
                    groups.iter().map(|group| values(group).map(|value| value.csv(layout.safe)).collect::<Vec<_>>());
                layout.write(&columns, rows, self.out)?;
                self.header = false;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}
