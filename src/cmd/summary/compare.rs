//! `summary --compare PERIOD`: the same figures for the period shifted back by PERIOD, from
//! the same inputs in the same pass, and the differences. The earlier period's calls are
//! folded as if they had started PERIOD later, so each lands in the row of the group it
//! matches (the same hour a week on, say); their durations and overlaps do not change. A
//! period of whole days moves by the calendar of `--tz`: the same wall-clock time that many
//! days before, so a week across a change to or from summer time still lines up hour by hour.
//! Rates differ in percentage points, counts and seconds as plain differences.

use std::collections::HashMap;

use super::Value;
use crate::config::SummarySettings;
use crate::metrics::aggregate::{CallFacts, Figures, Fixed, Fold, Group, KeyValue};
use crate::model::Dataset;
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// The rates among the figure columns: their differences are in percentage points.
const RATES: [&str; 3] = ["answer_rate", "service_level", "abandon_rate"];

/// The earlier period's calls, folded as they settle.
pub(crate) struct Earlier {
    selection: Selection,
    shift: Shift,
    fold: Fold,
    /// Calls of any kind the inputs hold in the earlier period, before the other filters.
    seen: u64,
    /// The figures of a group without calls.
    zero: Figures,
}

impl Earlier {
    /// The period of `selection` moved back by `shift` seconds, grouped as `summary` says.
    pub fn new(selection: &Selection, shift: i64, summary: &SummarySettings, zone: Zone) -> Self {
        let shift = Shift { seconds: shift, zone };
        let back = |t: Option<i64>| t.map(|t| shift.back(t));
        let selection = Selection { since: back(selection.since), until: back(selection.until), ..selection.clone() };
        let fold = Fold::new(summary.by.clone(), zone, summary.definitions.clone());
        let zero = Fold::new(Vec::new(), zone, summary.definitions.clone()).finish().remove(0).figures;
        Earlier { selection, shift, fold, seen: 0, zero }
    }

    /// Folds the calls of `ds` that the earlier period selects.
    pub fn add(&mut self, ds: &Dataset) {
        for call in &ds.calls {
            if !self.selection.in_window(call.figures.start) {
                continue;
            }
            self.seen += 1;
            if self.selection.matches(ds, call) {
                let mut facts = CallFacts::new(ds, call);
                facts.start = self.shift.forward(facts.start);
                facts.end = facts.end.map(|end| self.shift.forward(end));
                self.fold.add(&facts);
            }
        }
    }

    /// Every call still to come starts at or after `watermark`.
    pub fn advance(&mut self, watermark: Option<i64>) {
        self.fold.advance(watermark.map(|w| self.shift.forward(w)));
    }

    /// The earlier period's groups.
    pub fn finish(self) -> Compared {
        Compared {
            groups: self.fold.finish(),
            covered: self.seen > 0,
            since: self.selection.since,
            until: self.selection.until,
            zero: self.zero,
        }
    }
}

/// How far back the earlier period is: whole days by the calendar of the zone, anything else
/// by the clock.
struct Shift {
    seconds: i64,
    zone: Zone,
}

impl Shift {
    const DAY: i64 = 86_400;

    /// The instant the period shifted back puts at `t`.
    fn back(&self, t: i64) -> i64 {
        self.by_calendar(t, -self.seconds / Shift::DAY).unwrap_or(t - self.seconds)
    }

    /// The instant of the later period that `t` of the earlier one lines up with.
    fn forward(&self, t: i64) -> i64 {
        self.by_calendar(t, self.seconds / Shift::DAY).unwrap_or(t + self.seconds)
    }

    /// `t` moved by `days` local days, the wall-clock time kept; `None` when the period is
    /// not whole days or that time does not exist on the day reached (a DST gap).
    fn by_calendar(&self, t: i64, days: i64) -> Option<i64> {
        if self.seconds % Shift::DAY != 0 {
            return None;
        }
        let moved = self.zone.local(t).checked_add_signed(chrono::TimeDelta::try_days(days)?)?;
        self.zone.instant(moved).ok()
    }
}

/// The groups of the earlier period, keyed as the rows of the later one.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The groups, sorted.
    pub groups: Vec<Group<'static>>,
    /// The inputs hold calls in the earlier period; without any, it is not compared.
    pub covered: bool,
    /// The earlier period's start.
    pub since: Option<i64>,
    /// Its end.
    pub until: Option<i64>,
    /// The figures of a group without calls.
    pub zero: Figures,
}

impl Compared {
    /// Each row with its figures now and then: the later period's groups in their order, then
    /// the groups only the earlier one has. A group one period lacks has the figures of no
    /// calls there; the earlier figures are `None` when the inputs do not cover that period.
    pub fn pairs<'a>(
        &'a self,
        now: &'a [Group<'static>],
    ) -> impl Iterator<Item = (&'a Group<'static>, &'a Figures, Option<&'a Figures>)> + 'a {
        let then: HashMap<&[KeyValue<'static>], &Figures> =
            self.groups.iter().map(|g| (g.key.as_slice(), &g.figures)).collect();
        let known: HashMap<&[KeyValue<'static>], ()> = now.iter().map(|g| (g.key.as_slice(), ())).collect();
        let covered = self.covered;
        let zero = &self.zero;
        let later = now
            .iter()
            .map(move |g| (g, &g.figures, covered.then(|| then.get(g.key.as_slice()).copied().unwrap_or(zero))));
        let only_earlier = self
            .groups
            .iter()
            .filter(move |g| covered && !known.contains_key(g.key.as_slice()))
            .map(move |g| (g, zero, Some(&g.figures)));
        later.chain(only_earlier)
    }

    /// What to tell the reader when the inputs hold no call in the earlier period.
    pub fn uncovered(&self, zone: &Zone) -> Option<String> {
        if self.covered {
            return None;
        }
        let at = |t: Option<i64>| t.map(|t| zone.rfc3339(t)).unwrap_or_default();
        Some(format!(
            "the inputs hold no call in the earlier period ({} to {}); give its logs too to compare",
            at(self.since),
            at(self.until)
        ))
    }
}

/// The figure columns with `--compare`: the later period's, the earlier one's
/// (`NAME_earlier`), then the differences (`NAME_diff`, rates `NAME_diff_pp`).
pub fn columns(figures: &[String]) -> Vec<String> {
    let earlier = figures.iter().map(|name| format!("{name}_earlier"));
    let diff = figures.iter().map(|name| match RATES.contains(&name.as_str()) {
        true => format!("{name}_diff_pp"),
        false => format!("{name}_diff"),
    });
    figures.iter().cloned().chain(earlier).chain(diff).collect()
}

/// The values of [`columns`]: `now`, `then` (empty when not covered) and the differences.
pub fn values(figures: &[String], now: Vec<Value<'static>>, then: Option<Vec<Value<'static>>>) -> Vec<Value<'static>> {
    let then = then.unwrap_or_else(|| now.iter().map(absent).collect());
    let diffs: Vec<Value<'static>> = figures
        .iter()
        .zip(now.iter().zip(&then))
        .map(|(name, (a, b))| difference(a, b, RATES.contains(&name.as_str())))
        .collect();
    now.into_iter().chain(then).chain(diffs).collect()
}

/// A value of the same kind with nothing in it.
fn absent(value: &Value<'_>) -> Value<'static> {
    match value {
        Value::Decimal(_) => Value::Decimal(None),
        _ => Value::Seconds(None),
    }
}

/// `a − b`: counts and seconds as whole numbers, means with their places, rates in percentage
/// points; nothing when either side has no value.
fn difference(a: &Value<'_>, b: &Value<'_>, rate: bool) -> Value<'static> {
    match (a, b) {
        (Value::Count(a), Value::Count(b)) => Value::Seconds(Some(*a as i64 - *b as i64)),
        (Value::Seconds(a), Value::Seconds(b)) => Value::Seconds(a.zip(*b).map(|(a, b)| a - b)),
        (Value::Decimal(a), Value::Decimal(b)) => Value::Decimal(a.zip(*b).map(|(a, b)| {
            let places = if rate { a.places.saturating_sub(2) } else { a.places };
            Fixed { scaled: a.scaled - b.scaled, places }
        })),
        (Value::Decimal(_), _) | (_, Value::Decimal(_)) => Value::Decimal(None),
        _ => Value::Seconds(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(zone: Zone, local: &str) -> i64 {
        zone.parse_user_time(local).unwrap()
    }

    #[test]
    fn whole_days_move_by_the_calendar_across_a_change_of_summer_time() {
        let warsaw: Zone = "Europe/Warsaw".parse().unwrap();
        let week = Shift { seconds: 7 * Shift::DAY, zone: warsaw };
        // Monday after the clocks went forward, and the Monday before, at 09:15 each.
        let (now, then) = (at(warsaw, "2026-03-30 09:15"), at(warsaw, "2026-03-23 09:15"));
        assert_eq!(now - then, 7 * Shift::DAY - 3600);
        assert_eq!(week.back(now), then);
        assert_eq!(week.forward(then), now);
        // In UTC, or for a period that is not whole days, the clock decides.
        let utc = Shift { seconds: 7 * Shift::DAY, zone: Zone::Utc };
        assert_eq!(utc.back(now), now - 7 * Shift::DAY);
        let hours = Shift { seconds: 36 * 3600, zone: warsaw };
        assert_eq!(hours.back(now), now - 36 * 3600);
    }

    #[test]
    fn a_repeated_hour_maps_to_its_wall_clock_time_and_a_skipped_one_keeps_the_clock() {
        let warsaw: Zone = "Europe/Warsaw".parse().unwrap();
        let day = Shift { seconds: Shift::DAY, zone: warsaw };
        // 2026-10-25 02:30 happens twice in Warsaw: both times line up with 02:30 the next day.
        let first = at(warsaw, "2026-10-25 02:30");
        let next_day = at(warsaw, "2026-10-26 02:30");
        assert_eq!(day.forward(first), next_day);
        assert_eq!(day.forward(first + 3600), next_day);
        // A time that the day reached skips (02:30 on the day clocks go forward) keeps the clock.
        let before_gap = at(warsaw, "2026-03-28 02:30");
        assert_eq!(day.forward(before_gap), before_gap + Shift::DAY);
    }
}
