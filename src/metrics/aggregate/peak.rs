//! `peak_concurrent`: the largest number of calls in progress at one instant, a call being in
//! progress on `[start, end)`. Calls that share every key but the time buckets form a lane;
//! a lane's calls are swept in order of start, holding only the ends of the calls in progress.
//! Under a time bucket (`--by hour` or `day`) a row's peak is taken inside its bucket and
//! counts the calls that began before it; under other keys it is taken over all time.
//!
//! Calls arrive as they settle, not in order of start: they wait in their lane until the
//! watermark says no earlier-starting call can still come, and are swept then.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use hashbrown::HashMap;

use super::fold::Probe;
use super::{day_start, hour_start, GroupKey, KeyValue};
use crate::report::timefmt::Zone;

/// The lanes being swept, and the peaks found.
#[derive(Debug)]
pub struct Peaks {
    /// The finest time key among the grouping keys, whose buckets rows are counted in, and
    /// its place among them.
    bucket: Option<(GroupKey, usize)>,
    /// Where the time keys are among the grouping keys.
    time_keys: Vec<bool>,
    zone: Zone,
    lanes: HashMap<Vec<KeyValue<'static>>, Lane>,
}

/// The calls of one lane: those waiting to be swept, those in progress at the sweep, and the
/// peak of each bucket reached (or of all time, at bucket 0, without time keys).
#[derive(Debug, Default)]
struct Lane {
    waiting: Vec<(i64, Option<i64>)>,
    ending: BinaryHeap<Reverse<i64>>,
    bucket: Option<i64>,
    peaks: HashMap<i64, u64>,
}

impl Peaks {
    /// No calls yet, for rows grouped by `keys`, buckets in `zone`.
    pub fn new(keys: &[GroupKey], zone: Zone) -> Self {
        let bucket =
            [GroupKey::Hour, GroupKey::Day].into_iter().find_map(|k| Some((k, keys.iter().position(|&key| key == k)?)));
        Peaks { bucket, time_keys: keys.iter().map(|k| k.is_time()).collect(), zone, lanes: HashMap::new() }
    }

    /// Takes a call of the group `key` starting at `start`; `end` is `None` for a call that
    /// counts nowhere (still open), which still makes its bucket's row.
    pub fn add(&mut self, key: &[KeyValue<'_>], start: i64, end: Option<i64>) {
        let lane: Vec<KeyValue<'_>> = self.lane_of(key);
        if !self.lanes.contains_key(&Probe(&lane)) {
            self.lanes.insert(lane.iter().cloned().map(KeyValue::into_owned).collect(), Lane::default());
        }
        if let Some(lane) = self.lanes.get_mut(&Probe(&lane)) {
            lane.waiting.push((start, end));
        }
    }

    /// Sweeps the calls that start before `watermark` (every call, when `None`).
    pub fn advance(&mut self, watermark: Option<i64>) {
        let (bucket, zone) = (self.bucket, self.zone);
        for lane in self.lanes.values_mut() {
            lane.waiting.sort_unstable();
            let due = watermark.map_or(lane.waiting.len(), |w| lane.waiting.partition_point(|&(start, _)| start < w));
            let calls: Vec<(i64, Option<i64>)> = lane.waiting.drain(..due).collect();
            for (start, end) in calls {
                lane.sweep(start, end, bucket.map(|(key, _)| bucket_start(key, &zone, start)));
            }
        }
    }

    /// The peak of the row `key`, once every call is swept.
    pub fn of(&self, key: &[KeyValue<'_>]) -> u64 {
        let lane = self.lanes.get(&Probe(&self.lane_of(key)));
        let bucket = match self.bucket.and_then(|(_, at)| key.get(at)) {
            Some(KeyValue::Time(t)) => *t,
            _ => 0,
        };
        lane.and_then(|lane| lane.peaks.get(&bucket)).copied().unwrap_or(0)
    }

    fn lane_of<'a>(&self, key: &[KeyValue<'a>]) -> Vec<KeyValue<'a>> {
        key.iter().zip(&self.time_keys).filter(|(_, &time)| !time).map(|(value, _)| value.clone()).collect()
    }
}

impl Lane {
    /// Moves the sweep to a call starting at `start` in `bucket` (`None`: all time one bucket).
    fn sweep(&mut self, start: i64, end: Option<i64>, bucket: Option<i64>) {
        if let Some(b) = bucket.filter(|&b| self.bucket != Some(b)) {
            // The calls still in progress as the bucket begins count in it.
            self.end_by(b);
            self.bucket = Some(b);
            self.note(b);
        }
        self.end_by(start);
        if let Some(end) = end.filter(|&end| end > start) {
            self.ending.push(Reverse(end));
        }
        self.note(bucket.unwrap_or(0));
    }

    /// Lets go of the calls that ended at or before `t`.
    fn end_by(&mut self, t: i64) {
        while self.ending.peek().is_some_and(|&Reverse(end)| end <= t) {
            self.ending.pop();
        }
    }

    fn note(&mut self, bucket: i64) {
        let peak = self.peaks.entry(bucket).or_default();
        *peak = (*peak).max(self.ending.len() as u64);
    }
}

/// The start of the `key` bucket holding `t`.
fn bucket_start(key: GroupKey, zone: &Zone, t: i64) -> i64 {
    match key {
        GroupKey::Day => day_start(zone, t),
        _ => hour_start(zone, t),
    }
}
