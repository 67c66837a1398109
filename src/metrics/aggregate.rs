//! Figures over many calls: grouping keys, counts, means and nearest-rank percentiles, as
//! `summary` reports them. Pure arithmetic over [`CallFacts`]; it does no I/O and formats
//! nothing (a bucket is an instant, a mean a scaled integer; `cmd::summary` writes them).
//!
//! Means and rates are kept as exact scaled integers ([`Fixed`]), rounded half away from zero,
//! so that a CSV never shows float noise such as `0.30000000000000004`.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::HashMap;

pub use fold::Fold;
pub use kpi::Service;

use chrono::{Datelike, NaiveTime, Timelike, Weekday};

use crate::metrics::{self, Outcome};
use crate::model::{Call, Dataset};
use crate::report::timefmt::Zone;

/// What calls can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// The call's consultant (username).
    Consultant,
    /// The call's project (name).
    Project,
    /// `INBOUND` / `OUTBOUND`.
    Direction,
    /// `answered`, `not_answered`, `open`.
    Outcome,
    /// `client`, `consultant`, `none`, or another leg type.
    HangupSide,
    /// The local day of the call's start.
    Day,
    /// The local hour of the call's start.
    Hour,
    /// The close cause of the leg that ended the call.
    CloseCause,
    /// The local day of the week of the call's start.
    Weekday,
    /// The client's number.
    Client,
}

impl GroupKey {
    /// The output column named after the key.
    pub fn column(self) -> &'static str {
        match self {
            GroupKey::Consultant => "consultant",
            GroupKey::Project => "project",
            GroupKey::Direction => "direction",
            GroupKey::Outcome => "outcome",
            GroupKey::HangupSide => "hangup_side",
            GroupKey::Day => "day",
            GroupKey::Hour => "hour",
            GroupKey::CloseCause => "close_cause",
            GroupKey::Weekday => "weekday",
            GroupKey::Client => "client",
        }
    }

    /// True for the keys that are time buckets (sorted chronologically).
    pub fn is_time(self) -> bool {
        matches!(self, GroupKey::Day | GroupKey::Hour)
    }
}

/// One call, reduced to what aggregation reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFacts<'a> {
    /// Start, Unix seconds.
    pub start: i64,
    /// Answered, not answered or open.
    pub outcome: Outcome,
    /// Seconds from start to answer.
    pub wait_s: Option<i64>,
    /// Seconds from answer to end.
    pub talk_s: Option<i64>,
    /// Seconds from start to end.
    pub duration_s: Option<i64>,
    /// End, Unix seconds; `None` while a leg is open.
    pub end: Option<i64>,
    /// `client`, `consultant`, `none`, …
    pub hangup_side: Cow<'a, str>,
    /// Consultant username.
    pub consultant: Option<&'a str>,
    /// Project name.
    pub project: Option<&'a str>,
    /// Business direction.
    pub direction: Option<&'a str>,
    /// Close cause of the leg that ended the call.
    pub close_cause: Option<&'a str>,
    /// The client's number.
    pub client: Option<&'a str>,
}

impl<'a> CallFacts<'a> {
    /// The facts of a rebuilt call.
    pub fn new(ds: &'a Dataset, call: &Call) -> Self {
        let f = &call.figures;
        CallFacts {
            start: f.start,
            outcome: f.outcome(),
            wait_s: f.wait_s(),
            talk_s: f.talk_s(),
            duration_s: f.duration_s(),
            end: f.end,
            hangup_side: metrics::hangup_side(ds, f),
            consultant: ds.opt_str(f.consultant),
            project: ds.opt_str(f.project),
            direction: ds.opt_str(f.direction),
            close_cause: ds.opt_str(f.close_cause),
            client: ds.opt_str(f.client),
        }
    }
}

/// A group's value for one key: a time bucket (the instant it starts) or a name, absent
/// when the call has none (no consultant, say).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValue<'a> {
    /// The start of a local day or hour, Unix seconds.
    Time(i64),
    /// A name.
    Name(Option<Cow<'a, str>>),
    /// A day of the week.
    Weekday(Weekday),
}

/// A decimal number kept exactly: `scaled / 10^places`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    /// The value times `10^places`.
    pub scaled: i64,
    /// Digits after the point.
    pub places: u32,
}

impl Fixed {
    /// `num / den` rounded half away from zero to `places` decimals; `None` when `den` is 0.
    pub fn ratio(num: i128, den: i128, places: u32) -> Option<Fixed> {
        if den == 0 {
            return None;
        }
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        let doubled = 2 * num * 10i128.pow(places);
        let rounded = (doubled.abs() + den) / (2 * den) * doubled.signum();
        Some(Fixed { scaled: rounded as i64, places })
    }

    /// The nearest `f64` (for JSON, whose writer prints the shortest exact form).
    pub fn to_f64(self) -> f64 {
        self.scaled as f64 / 10f64.powi(self.places as i32)
    }
}

/// Decimals of means (seconds).
pub(crate) const MEAN_PLACES: u32 = 1;
/// Decimals of `answer_rate`.
pub(crate) const RATE_PLACES: u32 = 3;

/// What the figures are defined with: the percentiles reported and the contact-center
/// thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definitions {
    /// `--percentiles`: the nearest-rank percentiles of talk and wait, in column order.
    pub percentiles: Vec<u32>,
    /// `--sla`: an inbound call answered after waiting at most this many seconds is within
    /// the service level.
    pub sla: i64,
    /// `--short-abandon`: an abandoned call shorter than this many seconds is a short abandon.
    pub short_abandon: i64,
}

impl Default for Definitions {
    fn default() -> Self {
        Definitions { percentiles: vec![50, 90], sla: 20, short_abandon: 0 }
    }
}

/// Statistics of one duration over a group's answered calls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spread {
    /// Sum (0 when there are no values).
    pub total: i64,
    /// Mean, 1 decimal.
    pub mean: Option<Fixed>,
    /// The nearest-rank percentiles of [`Definitions::percentiles`], in their order.
    pub percentiles: Vec<Option<i64>>,
    /// Largest value.
    pub max: Option<i64>,
}

impl Spread {
    /// The spread of values given as (value, how many calls had it), in ascending order of
    /// value, with the percentiles `percentiles`.
    fn of(counted: &[(i64, u64)], percentiles: &[u32]) -> Spread {
        let total: i64 = counted.iter().map(|&(value, n)| value * n as i64).sum();
        let count: u64 = counted.iter().map(|&(_, n)| n).sum();
        Spread {
            total,
            mean: Fixed::ratio(total.into(), count.into(), MEAN_PLACES),
            percentiles: percentiles.iter().map(|&pct| nearest_rank_counted(counted, count, pct.into())).collect(),
            max: counted.last().map(|&(value, _)| value),
        }
    }
}

/// The smallest value v such that at least `pct`% of the sorted values are ≤ v.
pub fn nearest_rank(sorted: &[i64], pct: u64) -> Option<i64> {
    let rank = (pct * sorted.len() as u64).div_ceil(100).max(1);
    sorted.get(rank as usize - 1).copied()
}

/// [`nearest_rank`] over values given as (value, how many), ascending, `count` in all.
fn nearest_rank_counted(counted: &[(i64, u64)], count: u64, pct: u64) -> Option<i64> {
    let rank = (pct * count).div_ceil(100).max(1);
    let mut seen = 0;
    counted.iter().find_map(|&(value, n)| {
        seen += n;
        (seen >= rank).then_some(value)
    })
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    /// Calls in the group.
    pub calls: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Closed without answer.
    pub not_answered: u64,
    /// Still open.
    pub open: u64,
    /// `answered / (answered + not_answered)`; `None` when nothing closed.
    pub answer_rate: Option<Fixed>,
    /// Calls the client hung up.
    pub hangup_client: u64,
    /// Calls the consultant hung up.
    pub hangup_consultant: u64,
    /// Calls with no `HANGUP` at all.
    pub hangup_none: u64,
    /// Calls hung up by another leg type (bot, system…).
    pub hangup_other: u64,
    /// Talk time of answered calls.
    pub talk: Spread,
    /// Wait time of answered calls.
    pub wait: Spread,
    /// Mean duration of closed calls (answered or not).
    pub duration_s_mean: Option<Fixed>,
    /// Inbound, abandoned and answered within the service level, with the rates over them.
    pub service: Service,
    /// The most calls in progress at one instant: see [`peak`].
    pub peak_concurrent: u64,
}

/// One output row: the group's key values (in the order of the keys) and its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    /// One value per grouping key.
    pub key: Vec<KeyValue<'a>>,
    /// Its figures.
    pub figures: Figures,
}

/// Groups the calls by `keys` (buckets in `zone`) and sorts the groups: time keys
/// chronologically, other keys by their number of calls (descending), then by name, a missing
/// name last. With several keys the order nests: a key's call count is that of the group of
/// all keys up to it, so rows of one consultant stay together under `--by consultant,day`.
/// Without keys there is exactly one group, even for no calls. What `summary` folds as calls
/// settle, over a list at once: the unit tests' way in.
#[cfg(test)]
pub(crate) fn summarize<'a>(
    calls: impl IntoIterator<Item = CallFacts<'a>>,
    keys: &[GroupKey],
    zone: &Zone,
) -> Vec<Group<'a>> {
    let mut fold = Fold::new(keys.to_vec(), *zone, Definitions::default());
    for call in calls {
        fold.add(&call);
    }
    fold.finish()
}

/// The value of one key for one call.
pub(crate) fn key_value<'a>(key: GroupKey, call: &CallFacts<'a>, zone: &Zone) -> KeyValue<'a> {
    let name = |s: Option<&'a str>| KeyValue::Name(s.map(Cow::Borrowed));
    match key {
        GroupKey::Consultant => name(call.consultant),
        GroupKey::Project => name(call.project),
        GroupKey::Direction => name(call.direction),
        GroupKey::Outcome => name(Some(call.outcome.name())),
        GroupKey::HangupSide => KeyValue::Name(Some(call.hangup_side.clone())),
        GroupKey::CloseCause => name(call.close_cause),
        GroupKey::Day => KeyValue::Time(day_start(zone, call.start)),
        GroupKey::Hour => KeyValue::Time(hour_start(zone, call.start)),
        GroupKey::Weekday => KeyValue::Weekday(zone.local(call.start).weekday()),
        GroupKey::Client => name(call.client),
    }
}

/// The instant the local hour containing `t` began. Taken at `t`'s own offset, so the hour
/// repeated when clocks go back is two buckets (02:00+02:00, then 02:00+01:00).
pub(crate) fn hour_start(zone: &Zone, t: i64) -> i64 {
    let local = zone.local(t);
    t - i64::from(local.minute() * 60 + local.second())
}

/// The instant the local day containing `t` began: local midnight, or, where a DST change
/// skips midnight, the first minute of the day that exists.
pub fn day_start(zone: &Zone, t: i64) -> i64 {
    let date = zone.local(t).date();
    (0..24 * 60)
        .filter_map(|minute| NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0))
        .find_map(|time| zone.instant(date.and_time(time)).ok())
        .filter(|&start| start <= t)
        .unwrap_or(t)
}

/// The start of the time bucket after the one starting at `start`: the next local day for
/// [`GroupKey::Day`], the next hour for the other keys.
pub(crate) fn next_bucket(key: GroupKey, zone: &Zone, start: i64) -> i64 {
    match key {
        // A local day lasts 23 to 25 hours, so 26 hours on is always inside the next one.
        GroupKey::Day => day_start(zone, start + 26 * 3600),
        _ => hour_start(zone, start + 3600),
    }
}

/// The position of a group under one key.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank<'k> {
    Time(i64),
    Name { calls: Reverse<u64>, missing: bool, name: &'k str },
}

fn rank<'k>(value: &'k KeyValue<'_>, calls: u64) -> Rank<'k> {
    match value {
        KeyValue::Time(t) => Rank::Time(*t),
        // Monday first, as ISO 8601 and most of the world's calendars have it.
        KeyValue::Weekday(day) => Rank::Time(day.num_days_from_monday().into()),
        KeyValue::Name(name) => {
            Rank::Name { calls: Reverse(calls), missing: name.is_none(), name: name.as_deref().unwrap_or("") }
        }
    }
}

fn sort_groups(groups: Vec<Group<'_>>) -> Vec<Group<'_>> {
    let order = {
        let depth = groups.first().map_or(0, |g| g.key.len());
        let mut prefix_calls: HashMap<&[KeyValue<'_>], u64> = HashMap::new();
        for group in &groups {
            for level in 1..=depth {
                *prefix_calls.entry(&group.key[..level]).or_default() += group.figures.calls;
            }
        }
        let ranks: Vec<Vec<Rank<'_>>> = groups
            .iter()
            .map(|group| {
                let calls = |level: usize| prefix_calls[&group.key[..=level]];
                group.key.iter().enumerate().map(|(level, value)| rank(value, calls(level))).collect()
            })
            .collect();
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| ranks[a].cmp(&ranks[b]));
        order
    };
    permute(groups, order)
}

/// `items` rearranged so that position k holds the item that was at `order[k]`, in place:
/// a second vector of groups would double the peak memory of a big summary.
fn permute<T>(mut items: Vec<T>, mut order: Vec<usize>) -> Vec<T> {
    for start in 0..order.len() {
        let mut here = start;
        while order[here] != usize::MAX {
            let from = std::mem::replace(&mut order[here], usize::MAX);
            if from == start {
                break;
            }
            items.swap(here, from);
            here = from;
        }
    }
    items
}

mod fold;
pub mod kpi;
pub mod peak;
#[cfg(test)]
mod tests;
