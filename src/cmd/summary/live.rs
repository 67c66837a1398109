//! `summary --follow --every PERIOD`: the totals of the calls that ended in each period of the
//! clock, appended as the period ends, one row per group after a `period_end` column (the
//! wall-clock time it ended, in --tz). A period in which no call ended writes nothing; the last,
//! partial one is written at the stop. Calls are folded as they settle, nothing of them kept.
//! The figures are `aggregate`'s over the calls of that
//! period alone, so a period's rows are final when written and a pipe or a file only ever
//! grows; totals over longer spans are sums (counts) or a `summary` run over the files (rates,
//! percentiles).

use std::borrow::Cow;
use std::io::Write;
use std::time::{Duration, Instant};

use super::{figure_columns, figure_values, key_values, JsonRow, Value, PERIOD_COLUMN};
use crate::cmd::Keeping;
use crate::config::{OutputSettings, ReportSettings, SummarySettings};
use crate::exit::{ExitCode, UsageError};
use crate::load::Sink;
use crate::metrics::aggregate::{CallFacts, Fold};
use crate::model::Dataset;
use crate::render::csv_layout::CsvLayout;
use crate::render::{self, Format};

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
        output,
        out,
        every,
        due: Instant::now() + every,
        keeping: Keeping::new(selection),
        fold: new_fold(summary, output),
        folded: 0,
        header: output.csv.header,
    };
    let diagnostics = crate::cmd::stream_reported(input, settling, &mut periods, err)?;
    periods.write_period()?;
    Ok(crate::cmd::status_of(input, &diagnostics, &periods.keeping.tally))
}

/// A period's groups, empty.
fn new_fold(summary: &SummarySettings, output: &OutputSettings) -> Fold {
    Fold::new(summary.by.clone(), output.zone, summary.definitions.clone())
}

/// The calls that ended in the current period, folded, and where its rows go.
struct Periods<'a, 'o> {
    summary: &'a SummarySettings,
    output: &'a OutputSettings,
    out: &'o mut dyn Write,
    every: Duration,
    /// When the current period ends.
    due: Instant,
    /// The calls selected, by problem for `--fail-on`.
    keeping: Keeping<'a>,
    /// The current period's calls, folded into their groups.
    fold: Fold,
    /// How many calls `fold` holds.
    folded: usize,
    /// The CSV header is still to be written.
    header: bool,
}

impl Sink for Periods<'_, '_> {
    fn settled(&mut self, ds: Dataset, _: Option<i64>) -> anyhow::Result<()> {
        for call in self.keeping.keep(&ds) {
            self.fold.add(&CallFacts::new(&ds, call));
            self.folded += 1;
        }
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
    /// Writes the rows of the period's calls, if any, and starts the next period.
    fn write_period(&mut self) -> anyhow::Result<()> {
        if self.folded == 0 {
            return Ok(());
        }
        self.folded = 0;
        let groups = std::mem::replace(&mut self.fold, new_fold(self.summary, self.output)).finish();
        let zone = &self.output.zone;
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
