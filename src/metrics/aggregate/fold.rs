//! The fold behind `summary`: calls go in one at a time, in any order, and leave only counts
//! behind. A group keeps its counts and sums; its talk and wait times, which percentiles need,
//! are kept as how many calls had each whole second, so memory follows the distinct values,
//! not the calls, and the nearest-rank percentiles are exactly those of the sorted values.

use std::hash::{Hash, Hasher};

use hashbrown::{Equivalent, HashMap};

use super::kpi::Service;
use super::peak::Peaks;
use super::{key_value, sort_groups, CallFacts, Definitions, Figures, Fixed, Group, GroupKey, KeyValue, Spread};
use super::{MEAN_PLACES, RATE_PLACES};
use crate::metrics::Outcome;
use crate::report::timefmt::Zone;

/// Groups being folded: their keys, their running totals and their durations.
#[derive(Debug)]
pub struct Fold {
    keys: Vec<GroupKey>,
    zone: Zone,
    definitions: Definitions,
    peaks: Peaks,
    index: HashMap<Vec<KeyValue<'static>>, u32>,
    tallies: Vec<Tally>,
    talk: Counted,
    wait: Counted,
}

impl Fold {
    /// An empty fold grouping by `keys`, time buckets in `zone`, figures as `definitions`
    /// say. Without keys there is exactly one group, even for no calls.
    pub fn new(keys: Vec<GroupKey>, zone: Zone, definitions: Definitions) -> Self {
        let mut fold = Fold {
            peaks: Peaks::new(&keys, zone),
            keys,
            zone,
            definitions,
            index: HashMap::new(),
            tallies: Vec::new(),
            talk: Counted::default(),
            wait: Counted::default(),
        };
        if fold.keys.is_empty() {
            fold.index.insert(Vec::new(), 0);
            fold.tallies.push(Tally::default());
        }
        fold
    }

    /// Folds one call into its group.
    pub fn add(&mut self, call: &CallFacts<'_>) {
        let key: Vec<KeyValue<'_>> = self.keys.iter().map(|&k| key_value(k, call, &self.zone)).collect();
        let group = match self.index.get(&Probe(&key)) {
            Some(&group) => group,
            None => {
                let group = self.tallies.len() as u32;
                self.index.insert(key.iter().cloned().map(KeyValue::into_owned).collect(), group);
                self.tallies.push(Tally::default());
                group
            }
        };
        // Open calls make their row but are in progress nowhere.
        let end = call.end.filter(|_| call.outcome != Outcome::Open);
        self.peaks.add(group, &key, call.start, end);
        self.tallies[group as usize].add(call, &self.definitions);
        if call.outcome == Outcome::Answered {
            self.talk.add(group, call.talk_s);
            self.wait.add(group, call.wait_s);
        }
    }

    /// Takes in that every call still to come starts at or after `watermark` (`None`: no call
    /// is still to come), so the concurrency before it is final.
    pub fn advance(&mut self, watermark: Option<i64>) {
        self.peaks.advance(watermark);
    }

    /// The groups' figures, sorted as [`super::summarize`] says.
    pub fn finish(mut self) -> Vec<Group<'static>> {
        self.peaks.advance(None);
        let mut group_keys: Vec<Vec<KeyValue<'static>>> = vec![Vec::new(); self.tallies.len()];
        for (key, group) in self.index {
            group_keys[group as usize] = key;
        }
        let groups = self.tallies.len();
        let (talk, wait) = (self.talk.runs(groups), self.wait.runs(groups));
        let groups = self
            .tallies
            .into_iter()
            .zip(group_keys)
            .enumerate()
            .map(|(group, (tally, key))| {
                let percentiles = &self.definitions.percentiles;
                let mut figures =
                    tally.finish(Spread::of(talk.of(group), percentiles), Spread::of(wait.of(group), percentiles));
                figures.peak_concurrent = self.peaks.of(group as u32, &key);
                Group { key, figures }
            })
            .collect();
        sort_groups(groups)
    }
}

/// A call's key, borrowed, looked up among the owned keys without copying its names.
pub(super) struct Probe<'k, 'a>(pub(super) &'k [KeyValue<'a>]);

impl Hash for Probe<'_, '_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // A Vec hashes as its slice does.
        self.0.hash(state);
    }
}

impl Equivalent<Vec<KeyValue<'static>>> for Probe<'_, '_> {
    fn equivalent(&self, key: &Vec<KeyValue<'static>>) -> bool {
        self.0 == key.as_slice()
    }
}

impl KeyValue<'_> {
    /// The same value, owning its name.
    pub fn into_owned(self) -> KeyValue<'static> {
        match self {
            KeyValue::Time(t) => KeyValue::Time(t),
            KeyValue::Weekday(day) => KeyValue::Weekday(day),
            KeyValue::Name(name) => KeyValue::Name(name.map(|n| n.into_owned().into())),
        }
    }
}

/// The running totals of a group: counts and sums only.
#[derive(Debug, Default)]
struct Tally {
    calls: u64,
    answered: u64,
    not_answered: u64,
    open: u64,
    hangup_client: u64,
    hangup_consultant: u64,
    hangup_none: u64,
    hangup_other: u64,
    duration_sum: i128,
    duration_count: u64,
    service: Service,
}

impl Tally {
    fn add(&mut self, call: &CallFacts<'_>, definitions: &Definitions) {
        self.calls += 1;
        self.service.add(call, definitions);
        match call.outcome {
            Outcome::Answered => self.answered += 1,
            Outcome::NotAnswered => self.not_answered += 1,
            Outcome::Open => self.open += 1,
        }
        match call.hangup_side.as_ref() {
            "client" => self.hangup_client += 1,
            "consultant" => self.hangup_consultant += 1,
            "none" => self.hangup_none += 1,
            _ => self.hangup_other += 1,
        }
        if let Some(d) = call.duration_s {
            self.duration_sum += i128::from(d);
            self.duration_count += 1;
        }
    }

    fn finish(self, talk: Spread, wait: Spread) -> Figures {
        let closed = self.answered + self.not_answered;
        Figures {
            calls: self.calls,
            answered: self.answered,
            not_answered: self.not_answered,
            open: self.open,
            answer_rate: Fixed::ratio(self.answered.into(), closed.into(), RATE_PLACES),
            hangup_client: self.hangup_client,
            hangup_consultant: self.hangup_consultant,
            hangup_none: self.hangup_none,
            hangup_other: self.hangup_other,
            talk,
            wait,
            duration_s_mean: Fixed::ratio(self.duration_sum, self.duration_count.into(), MEAN_PLACES),
            service: self.service,
            peak_concurrent: 0,
        }
    }
}

/// The talk or wait times of answered calls of every group: how many calls of a group had
/// each value. One map for all groups, so that many groups of one call stay cheap.
#[derive(Debug, Default)]
struct Counted(HashMap<(u32, i64), u64>);

impl Counted {
    fn add(&mut self, group: u32, seconds: Option<i64>) {
        if let Some(seconds) = seconds {
            *self.0.entry((group, seconds)).or_default() += 1;
        }
    }

    /// Every group's (value, count) pairs in ascending order of value.
    fn runs(self, groups: usize) -> Runs {
        let mut counted: Vec<((u32, i64), u64)> = self.0.into_iter().collect();
        counted.sort_unstable();
        let mut ends = vec![0; groups];
        for &((group, _), _) in &counted {
            ends[group as usize] += 1;
        }
        let mut end = 0;
        for count in &mut ends {
            end += *count;
            *count = end;
        }
        Runs { values: counted.into_iter().map(|((_, seconds), n)| (seconds, n)).collect(), ends }
    }
}

/// The counted values of all groups, each group's a sorted run ending at `ends[group]`.
struct Runs {
    values: Vec<(i64, u64)>,
    ends: Vec<usize>,
}

impl Runs {
    fn of(&self, group: usize) -> &[(i64, u64)] {
        let start = if group == 0 { 0 } else { self.ends[group - 1] };
        &self.values[start..self.ends[group]]
    }
}
