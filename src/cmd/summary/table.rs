//! The summary as people read it: a table of the figures that matter most, bar charts of the
//! hangup split and of calls over time (only when asked, which `run` does on a terminal),
//! and the data-quality footer. CSV and JSON, with every column, are the parent's business.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

use comfy_table::{Cell, ColumnConstraint, Table};

use super::{fixed_text, Report};
use crate::config::OutputSettings;
use crate::metrics::aggregate::{self, Figures, Fixed, Group, GroupKey, KeyValue};
use crate::render::chart::{self, Bar};
use crate::render::{self, table};
use crate::report::timefmt::Zone;

/// The volume chart is left out beyond this many time buckets: it would no longer be compact.
pub(crate) const MAX_CHART_BUCKETS: usize = 100;

/// Writes the table, the charts when `charts` is set and there are calls, then the footer.
pub fn write(report: &Report<'_>, output: &OutputSettings, charts: bool, out: &mut dyn Write) -> io::Result<()> {
    write_table(report, output, out)?;
    if charts && report.total_calls() > 0 {
        write_charts(report, &output.zone, out)?;
    }
    writeln!(out, "Data quality: {}", report.quality)
}

/// A figure column of the table: its header and how a group's value reads.
struct Column {
    header: String,
    value: Box<dyn Fn(&Figures) -> Shown>,
}

impl Column {
    fn new(header: impl Into<String>, value: impl Fn(&Figures) -> Shown + 'static) -> Self {
        Column { header: header.into(), value: Box::new(value) }
    }
}

/// A figure as the table shows it, with the amount that says whether it went up or down.
struct Shown {
    text: String,
    amount: Option<i128>,
}

impl Shown {
    fn count(n: u64) -> Shown {
        Shown { text: n.to_string(), amount: Some(n.into()) }
    }

    fn rate(rate: Option<Fixed>) -> Shown {
        Shown { text: rate.map(percent).unwrap_or_default(), amount: rate.map(|r| r.scaled.into()) }
    }

    fn mean(value: Option<Fixed>) -> Shown {
        Shown { text: mean(value), amount: value.map(|m| m.scaled.into()) }
    }

    fn seconds(value: Option<i64>) -> Shown {
        Shown { text: value.map(render::human_duration).unwrap_or_default(), amount: value.map(i128::from) }
    }

    /// The text marked `▲` when it went up since `then`, `▼` when down, `=` when the same.
    fn marked(&self, then: &Shown) -> String {
        let mark = match self.amount.zip(then.amount) {
            Some((now, then)) if now > then => "▲",
            Some((now, then)) if now < then => "▼",
            Some(_) => "=",
            None => " ",
        };
        format!("{} {mark}", self.text)
    }
}

/// The table's figures: what people read first, in 120 columns even beside an hour. Every
/// figure is in the CSV and JSON; the chart adds the hangup split on a terminal. The hangup
/// by another leg type shows only when some call has one, which is rare; the wait
/// percentile is the last of `--percentiles`; the counts behind the two rates, and the peak
/// concurrency, only with `--kpi`.
fn columns(report: &Report<'_>) -> Vec<Column> {
    let mut columns = vec![
        Column::new("Calls", |f| Shown::count(f.calls)),
        Column::new("Answered", |f| Shown::count(f.answered)),
        Column::new("Answer\nrate", |f| Shown::rate(f.answer_rate)),
        Column::new("Hangup\nclient", |f| Shown::count(f.hangup_client)),
        Column::new("Hangup\nconsultant", |f| Shown::count(f.hangup_consultant)),
        Column::new("Hangup\nnone", |f| Shown::count(f.hangup_none)),
    ];
    if report.groups.iter().any(|g| g.figures.hangup_other > 0) {
        columns.push(Column::new("Hangup\nother", |f| Shown::count(f.hangup_other)));
    }
    columns.push(Column::new("Talk\nmean", |f| Shown::mean(f.talk.mean)));
    columns.push(Column::new("Wait\nmean", |f| Shown::mean(f.wait.mean)));
    if let Some((last, &pct)) = report.percentiles.iter().enumerate().next_back() {
        columns.push(Column::new(format!("Wait\np{pct}"), move |f| {
            Shown::seconds(f.wait.percentiles.get(last).copied().flatten())
        }));
    }
    if report.kpi {
        columns.extend([
            Column::new("Inbound", |f| Shown::count(f.service.inbound)),
            Column::new("Aban-\ndoned", |f| Shown::count(f.service.abandoned)),
            Column::new("Short\naband.", |f| Shown::count(f.service.short_abandoned)),
            Column::new("In\nSLA", |f| Shown::count(f.service.answered_in_sla)),
        ]);
    }
    columns.extend([
        Column::new("Service\nlevel", |f| Shown::rate(f.service.service_level())),
        Column::new("Abandon\nrate", |f| Shown::rate(f.service.abandon_rate())),
    ]);
    if report.kpi {
        columns.push(Column::new("Peak\nconc.", |f| Shown::count(f.peak_concurrent)));
    }
    columns
}

/// One line of the table: its key cells and its figure cells.
type Line = (Vec<String>, Vec<String>);

/// The table's lines: one per group; with `--compare`, each group's line marked up or down,
/// then a line of the earlier period's figures, each under a `Period` column.
fn lines(report: &Report<'_>, columns: &[Column], zone: &Zone) -> Vec<Line> {
    let keys = |group: &Group<'_>| report.keys.iter().zip(&group.key).map(|(k, v)| key_label(*k, v, zone)).collect();
    let Some(earlier) = &report.earlier else {
        return report
            .groups
            .iter()
            .map(|g| (keys(g), columns.iter().map(|c| (c.value)(&g.figures).text).collect()))
            .collect();
    };
    let (now_label, then_label) = (period_label(report.since, zone), period_label(earlier.since, zone));
    let mut lines = Vec::new();
    for (group, now, then) in earlier.pairs(&report.groups) {
        let mut key: Vec<String> = vec![now_label.clone()];
        key.extend(keys(group));
        let Some(then) = then else {
            lines.push((key, columns.iter().map(|c| (c.value)(now).text).collect()));
            continue;
        };
        lines.push((key, columns.iter().map(|c| (c.value)(now).marked(&(c.value)(then))).collect()));
        let mut key: Vec<String> = vec![then_label.clone()];
        key.extend(report.keys.iter().map(|_| String::new()));
        lines.push((key, columns.iter().map(|c| format!("{}  ", (c.value)(then).text)).collect()));
    }
    lines
}

/// A period by its start: the date, with the time when it does not start at midnight.
fn period_label(since: Option<i64>, zone: &Zone) -> String {
    let Some(since) = since else { return String::new() };
    let rfc = zone.rfc3339(since);
    match rfc.get(11..19) {
        Some("00:00:00") | None => rfc.get(..10).unwrap_or(&rfc).to_owned(),
        Some(_) => format!("{} {}", &rfc[..10], &rfc[11..16]),
    }
}

fn write_table(report: &Report<'_>, output: &OutputSettings, out: &mut dyn Write) -> io::Result<()> {
    let columns = columns(report);
    let mut key_headers: Vec<String> = report.keys.iter().map(|k| key_header(*k, &output.zone)).collect();
    if report.earlier.is_some() {
        key_headers.insert(0, "Period".into());
    }
    let mut header: Vec<&str> = key_headers.iter().map(String::as_str).collect();
    header.extend(columns.iter().map(|c| c.header.as_str()));
    let lines = lines(report, &columns, &output.zone);
    let piece = |rows: Range<usize>| piece(&lines[rows], output, &header, key_headers.len());
    let widths = table::content_widths(lines.len(), table::PIECE_ROWS, piece);
    table::write_in_pieces(lines.len(), table::PIECE_ROWS, &widths, piece, out)?;
    if let Some(note) = report.earlier.as_ref().and_then(|e| e.uncovered(&output.zone)) {
        writeln!(out, "Not compared: {note}")?;
    }
    Ok(())
}

/// The table of `lines`, under `header`, whose first `keys` columns are keys.
fn piece(lines: &[Line], output: &OutputSettings, header: &[&str], keys: usize) -> Table {
    let mut t = table::new(header, output.terminal.width);
    for (key, figures) in lines {
        let keys = key.iter().map(|k| table::text_cell(k));
        let figures = figures.iter().map(Cell::new);
        t.add_row(keys.chain(figures).collect::<Vec<Cell>>());
    }
    // No cell ever wraps: with several keys a wide table reads better than a number split
    // across lines.
    for column in t.column_iter_mut() {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    let numbers: Vec<usize> = (keys..header.len()).collect();
    table::align_right(&mut t, &numbers);
    t
}

/// A mean for people: rounded to whole seconds, as a duration.
fn mean(value: Option<Fixed>) -> String {
    value.map(|m| render::human_duration(whole_seconds(m))).unwrap_or_default()
}

/// A rate of 0–1 as a percentage with 1 decimal: `0.667` -> `66.7%`, `0.3571` -> `35.7%`.
fn percent(rate: Fixed) -> String {
    // A rate with more places is first rounded to 3, so every percentage has 1 decimal.
    let rate = Fixed::ratio(rate.scaled.into(), 10i128.pow(rate.places), rate.places.min(3)).unwrap_or(rate);
    format!("{}%", fixed_text(Fixed { scaled: rate.scaled, places: rate.places.saturating_sub(2) }))
}

/// A mean rounded to whole seconds, for people.
fn whole_seconds(mean: Fixed) -> i64 {
    Fixed::ratio(mean.scaled.into(), 10i128.pow(mean.places), 0).map_or(0, |f| f.scaled)
}

fn key_header(key: GroupKey, zone: &Zone) -> String {
    match key {
        GroupKey::Consultant => "Consultant".into(),
        GroupKey::Project => "Project".into(),
        GroupKey::Direction => "Direction".into(),
        GroupKey::Outcome => "Outcome".into(),
        GroupKey::HangupSide => "Hangup side".into(),
        GroupKey::CloseCause => "Close cause".into(),
        GroupKey::Day => format!("Day ({})", zone.name()),
        GroupKey::Hour => format!("Hour ({})", zone.name()),
        GroupKey::Weekday => format!("Weekday ({})", zone.name()),
        GroupKey::Client => "Client".into(),
    }
}

/// A key value for people: names as they are (`(none)` when absent), days as dates, hours
/// with their offset so that the repeated autumn hour reads as two different rows.
fn key_label(key: GroupKey, value: &KeyValue<'_>, zone: &Zone) -> String {
    match value {
        KeyValue::Name(name) => name.as_deref().unwrap_or("(none)").to_owned(),
        KeyValue::Time(t) => time_label(key, *t, zone),
        KeyValue::Weekday(day) => super::weekday_name(*day).to_owned(),
    }
}

fn time_label(key: GroupKey, t: i64, zone: &Zone) -> String {
    // RFC 3339 is `2026-10-25T02:00:00+01:00` (or `…Z`): keep the date, hour and offset.
    let rfc = zone.rfc3339(t);
    match key {
        GroupKey::Day => rfc.get(..10).unwrap_or(&rfc).to_owned(),
        _ => format!("{} {}{}", &rfc[..10], &rfc[11..16], &rfc[19..]),
    }
}

/// The hangup split of all reported calls, then calls over time when grouped by hour or day.
fn write_charts(report: &Report<'_>, zone: &Zone, out: &mut dyn Write) -> io::Result<()> {
    let calls = report.total_calls();
    let sum = |f: fn(&Figures) -> u64| report.groups.iter().map(|g| f(&g.figures)).sum::<u64>();
    let share =
        |n: u64| Fixed::ratio(n.into(), calls.into(), 3).map(|r| format!("  {:>6}", percent(r))).unwrap_or_default();
    let mut sides = vec![
        ("client", sum(|f| f.hangup_client)),
        ("consultant", sum(|f| f.hangup_consultant)),
        ("none", sum(|f| f.hangup_none)),
    ];
    let other = sum(|f| f.hangup_other);
    if other > 0 {
        sides.push(("other", other));
    }
    let bars: Vec<Bar> =
        sides.into_iter().map(|(label, n)| Bar { label: label.into(), value: n, note: share(n) }).collect();
    writeln!(out)?;
    chart::write_bars("Hung up by", &bars, out)?;
    let time_key =
        [GroupKey::Hour, GroupKey::Day].into_iter().find_map(|k| Some((k, report.keys.iter().position(|&x| x == k)?)));
    if let Some((key, level)) = time_key {
        writeln!(out)?;
        write_volume(report, key, level, zone, out)?;
    }
    writeln!(out)
}

/// Calls per time bucket, empty buckets included, oldest first.
fn write_volume(report: &Report<'_>, key: GroupKey, level: usize, zone: &Zone, out: &mut dyn Write) -> io::Result<()> {
    let mut per_bucket: BTreeMap<i64, u64> = BTreeMap::new();
    for group in &report.groups {
        if let KeyValue::Time(t) = group.key[level] {
            *per_bucket.entry(t).or_default() += group.figures.calls;
        }
    }
    let title = format!("Calls per {} ({})", if key == GroupKey::Hour { "hour" } else { "day" }, zone.name());
    let (Some((&first, _)), Some((&last, _))) = (per_bucket.first_key_value(), per_bucket.last_key_value()) else {
        return Ok(());
    };
    let mut bars = Vec::new();
    let mut t = first;
    while t <= last {
        if bars.len() == MAX_CHART_BUCKETS {
            return writeln!(out, "{title}: more than {MAX_CHART_BUCKETS} buckets, too many to chart");
        }
        let value = per_bucket.get(&t).copied().unwrap_or(0);
        bars.push(Bar { label: time_label(key, t, zone), value, note: String::new() });
        t = aggregate::next_bucket(key, zone, t);
    }
    chart::write_bars(&title, &bars, out)
}
