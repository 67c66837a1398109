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
pub(crate) struct Peaks {
    /// The finest time key among the grouping keys, whose buckets rows are counted in, and
    /// its place among them.
    bucket: Option<(GroupKey, usize)>,
    /// Where the time keys are among the grouping keys.
    time_keys: Vec<bool>,
    zone: Zone,
    /// The lanes by their keys, when a grouping key is a time bucket; without one, a group's
    /// lane is the group itself, numbered alike.
    index: HashMap<Vec<KeyValue<'static>>, u32>,
    lanes: Vec<Lane>,
    /// The lanes with calls waiting, so that a pass does not visit every lane.
    waiting: Vec<u32>,
}

/// The calls of one lane: those waiting to be swept, those in progress at the sweep, and the
/// peak of each bucket reached, in the order reached (one entry, bucket 0, without time keys).
#[derive(Debug, Default)]
struct Lane {
    waiting: Vec<(i64, Option<i64>)>,
    ending: BinaryHeap<Reverse<i64>>,
    bucket: Option<i64>,
    peaks: Vec<(i64, u64)>,
}

impl Peaks {
    /// No calls yet, for rows grouped by `keys`, buckets in `zone`.
    pub fn new(keys: &[GroupKey], zone: Zone) -> Self {
        let bucket =
            [GroupKey::Hour, GroupKey::Day].into_iter().find_map(|k| Some((k, keys.iter().position(|&key| key == k)?)));
        let time_keys = keys.iter().map(|k| k.is_time()).collect();
        Peaks { bucket, time_keys, zone, index: HashMap::new(), lanes: Vec::new(), waiting: Vec::new() }
    }

    /// Takes a call of the group numbered `group`, keyed `key`, starting at `start`; `end` is
    /// `None` for a call that counts nowhere (still open), which still makes its bucket's row.
    pub fn add(&mut self, group: u32, key: &[KeyValue<'_>], start: i64, end: Option<i64>) {
        let lane = match self.bucket {
            None => group,
            Some(_) => {
                let lane = self.lane_of(key);
                match self.index.get(&Probe(&lane)) {
                    Some(&at) => at,
                    None => {
                        let at = self.index.len() as u32;
                        self.index.insert(lane.into_iter().map(KeyValue::into_owned).collect(), at);
                        at
                    }
                }
            }
        };
        if self.lanes.len() <= lane as usize {
            self.lanes.resize_with(lane as usize + 1, Lane::default);
        }
        let waiting = &mut self.lanes[lane as usize].waiting;
        if waiting.is_empty() {
            self.waiting.push(lane);
        }
        waiting.push((start, end));
    }

    /// Sweeps the calls that start before `watermark` (every call, when `None`).
    pub fn advance(&mut self, watermark: Option<i64>) {
        let (bucket, zone) = (self.bucket, self.zone);
        let lanes = std::mem::take(&mut self.waiting);
        for at in lanes {
            let lane = &mut self.lanes[at as usize];
            lane.waiting.sort_unstable();
            let due = watermark.map_or(lane.waiting.len(), |w| lane.waiting.partition_point(|&(start, _)| start < w));
            let calls: Vec<(i64, Option<i64>)> = lane.waiting.drain(..due).collect();
            for (start, end) in calls {
                lane.sweep(start, end, bucket.map(|(key, _)| bucket_start(key, &zone, start)));
            }
            if lane.waiting.is_empty() {
                lane.waiting = Vec::new();
            } else {
                self.waiting.push(at);
            }
        }
    }

    /// The peak of the row numbered `group`, keyed `key`, once every call is swept.
    pub fn of(&self, group: u32, key: &[KeyValue<'_>]) -> u64 {
        let lane = match self.bucket {
            None => Some(group),
            Some(_) => self.index.get(&Probe(&self.lane_of(key))).copied(),
        };
        let bucket = match self.bucket.and_then(|(_, at)| key.get(at)) {
            Some(KeyValue::Time(t)) => *t,
            _ => 0,
        };
        let peaks = lane.and_then(|lane| self.lanes.get(lane as usize)).map_or(&[][..], |lane| &lane.peaks[..]);
        peaks.iter().filter(|&&(b, _)| b == bucket).map(|&(_, peak)| peak).max().unwrap_or(0)
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
        let now = self.ending.len() as u64;
        match self.peaks.last_mut() {
            Some((last, peak)) if *last == bucket => *peak = (*peak).max(now),
            _ => self.peaks.push((bucket, now)),
        }
    }
}

/// The start of the `key` bucket holding `t`.
fn bucket_start(key: GroupKey, zone: &Zone, t: i64) -> i64 {
    match key {
        GroupKey::Day => day_start(zone, t),
        _ => hour_start(zone, t),
    }
}
