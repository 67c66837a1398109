//! Events -> their final order: grouped by leg in the planned order of legs, sorted by
//! (time, input order) within each leg, exact re-deliveries marked.
//!
//! Events are reordered in place, so no second copy of them is ever needed: first into
//! buckets of nearby destinations, then within each bucket, buckets in parallel, by following
//! the cycles of the permutation several at a time. Sorting and marking, leg by leg, run in
//! parallel too.

use std::collections::HashSet;

use rayon::prelude::*;

use super::link::Plan;
use super::NO_LEG;
use crate::model::{LegEvent, Span};

/// Runs of more events than this in one second of one leg are checked with a set; shorter
/// ones (nearly all) by comparing each with the ones before it.
const SHORT_RUN: usize = 16;

/// Puts `events` (whose legs are `legs`, indices of first sight) in the order of `plan`
/// (`counts` is the number of events of each leg); returns them, each final leg's span of
/// them, and how many are re-deliveries.
pub(super) fn place_events(
    mut events: Vec<LegEvent>,
    mut legs: Vec<u32>,
    counts: &[u32],
    plan: &Plan,
) -> (Vec<LegEvent>, Vec<Span>, u64) {
    let mut new_index = vec![NO_LEG; counts.len()];
    let mut spans = Vec::with_capacity(plan.order.len());
    let mut next = 0u32;
    for call in &plan.calls {
        for &old in &plan.order[call.legs.range()] {
            new_index[old as usize] = spans.len() as u32;
            let count = counts[old as usize];
            spans.push(Span { start: next, end: next + count });
            next += count;
        }
    }
    // Each event's destination, in input order within its leg, in place of its leg.
    let mut cursor: Vec<u32> = spans.iter().map(|s| s.start).collect();
    for leg in &mut legs {
        let at = &mut cursor[new_index[*leg as usize] as usize];
        *leg = *at;
        *at += 1;
    }
    drop((new_index, cursor));
    place_in_buckets(&mut events, &mut legs);
    drop(legs);
    let duplicates = for_each_span(&mut events, &spans, &|leg_events| {
        leg_events.sort_unstable_by_key(|e| (e.time(), e.seq));
        mark_duplicates(leg_events)
    });
    (events, spans, duplicates)
}

/// Items that [`permute`] can put in place: each knows where it belongs, and a slot can be
/// marked as a hole.
pub(super) trait Slots {
    type Item: Copy;
    fn len(&self) -> usize;
    fn get(&self, at: usize) -> Self::Item;
    fn set(&mut self, at: usize, item: Self::Item);
    /// Where `item` belongs.
    fn target(&self, item: &Self::Item) -> usize;
    fn make_hole(&mut self, at: usize);
    fn is_hole(item: &Self::Item) -> bool;
}

/// Targets are grouped in buckets of this many (a bucket of events and their targets, about
/// 450 KiB, fits in a core's cache).
const BUCKET_SHIFT: u32 = 14;

/// Puts each event at its target (`targets` is a permutation of the indices), in place. One
/// pass moves every event into the run of indices of its bucket, swapping it to that bucket's
/// next free place: the places swapped to advance in order through memory, unlike the jumps
/// of following the permutation's cycles. Then the events of each bucket are put in place
/// among themselves, in the cache, buckets in parallel.
fn place_in_buckets(events: &mut [LegEvent], targets: &mut [u32]) {
    let size = 1usize << BUCKET_SHIFT;
    let bucket_of = |target: u32| (target >> BUCKET_SHIFT) as usize;
    let mut heads: Vec<usize> = (0..events.len().div_ceil(size)).map(|b| b * size).collect();
    for bucket in 0..heads.len() {
        let end = ((bucket + 1) * size).min(events.len());
        while heads[bucket] < end {
            let at = heads[bucket];
            let home = bucket_of(targets[at]);
            if home != bucket {
                // Its bucket's next place takes it; what was there comes here to be sorted.
                let to = heads[home];
                events.swap(at, to);
                targets.swap(at, to);
            }
            heads[home] += 1;
        }
    }
    let buckets = events.par_chunks_mut(size).zip(targets.par_chunks_mut(size)).enumerate();
    buckets.for_each(|(bucket, (events, targets))| {
        permute(&mut Placing { events, targets, base: (bucket * size) as u32 });
    });
}

/// Events with the index each belongs at, counted from `base` (`u32::MAX` marks a hole).
struct Placing<'a> {
    events: &'a mut [LegEvent],
    targets: &'a mut [u32],
    base: u32,
}

impl Slots for Placing<'_> {
    type Item = (LegEvent, u32);

    fn len(&self) -> usize {
        self.events.len()
    }
    fn get(&self, at: usize) -> Self::Item {
        (self.events[at], self.targets[at])
    }
    fn set(&mut self, at: usize, (event, target): Self::Item) {
        self.events[at] = event;
        self.targets[at] = target;
    }
    fn target(&self, item: &Self::Item) -> usize {
        (item.1 - self.base) as usize
    }
    fn make_hole(&mut self, at: usize) {
        self.targets[at] = u32::MAX;
    }
    fn is_hole(item: &Self::Item) -> bool {
        item.1 == u32::MAX
    }
}

/// Puts every item where it belongs (a permutation of the indices), in place. Following one
/// cycle of the permutation waits on one memory access at a time; `CHAINS` cycles are
/// followed side by side, so their accesses overlap. Each chain leaves a hole where it
/// starts, and ends when the item it carries belongs in a hole; chains that meet in one
/// cycle then simply split it between them.
pub(super) fn permute<S: Slots>(slots: &mut S) {
    const CHAINS: usize = 8;
    let mut hands: [Option<S::Item>; CHAINS] = [None; CHAINS];
    let mut next = 0;
    loop {
        let mut moving = false;
        for hand in &mut hands {
            if hand.is_none() {
                while next < slots.len() && slots.target(&slots.get(next)) == next {
                    next += 1;
                }
                if next < slots.len() {
                    *hand = Some(slots.get(next));
                    slots.make_hole(next);
                    next += 1;
                }
            }
            if let Some(carried) = *hand {
                let at = slots.target(&carried);
                let there = slots.get(at);
                slots.set(at, carried);
                *hand = (!S::is_hole(&there)).then_some(there);
                moving = true;
            }
        }
        if !moving {
            return;
        }
    }
}

/// Calls `f` on the items of each span (contiguous and in order, covering `items`), in
/// parallel over runs of spans; returns the sum of what `f` returned.
fn for_each_span<T: Send>(items: &mut [T], spans: &[Span], f: &(impl Fn(&mut [T]) -> u64 + Sync)) -> u64 {
    const SERIAL: usize = 4096;
    let Some(first) = spans.first() else { return 0 };
    if spans.len() <= SERIAL {
        return spans.iter().map(|span| f(&mut items[(span.start - first.start) as usize..][..span.len()])).sum();
    }
    let (left_spans, right_spans) = spans.split_at(spans.len() / 2);
    let (left, right) = items.split_at_mut((right_spans[0].start - first.start) as usize);
    let (a, b) = rayon::join(|| for_each_span(left, left_spans, f), || for_each_span(right, right_spans, f));
    a + b
}

/// Marks exact re-deliveries among one leg's events (sorted by time, then input order): same
/// kind, time, state and cause as an earlier one, so the first delivery is kept. Returns how
/// many were marked.
fn mark_duplicates(events: &mut [LegEvent]) -> u64 {
    let key = |e: &LegEvent| (e.kind(), e.state, e.close_cause);
    let mut duplicates = 0;
    for run in events.chunk_by_mut(|a, b| a.time() == b.time()) {
        if run.len() <= SHORT_RUN {
            for i in 1..run.len() {
                let duplicate = run[..i].iter().any(|e| key(e) == key(&run[i]));
                run[i].set_duplicate(duplicate);
                duplicates += u64::from(duplicate);
            }
        } else {
            let mut seen = HashSet::new();
            for event in run {
                let duplicate = !seen.insert(key(event));
                event.set_duplicate(duplicate);
                duplicates += u64::from(duplicate);
            }
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    use super::*;
    use crate::event::EventKind;
    use crate::model::Seq;

    #[test]
    fn events_land_at_their_targets_across_many_buckets() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [0, 1, 7, 1 << BUCKET_SHIFT, (7 << BUCKET_SHIFT) / 2 + 3] {
            let mut targets: Vec<u32> = (0..n as u32).collect();
            targets.shuffle(&mut rng);
            // Each event carries its own target as its time, to be found where it lands.
            let mut events: Vec<LegEvent> = targets
                .iter()
                .map(|&t| LegEvent::new(i64::from(t), Seq::new(0, 0), EventKind::State, None, None))
                .collect();
            place_in_buckets(&mut events, &mut targets);
            let times: Vec<i64> = events.iter().map(LegEvent::time).collect();
            assert_eq!(times, (0..n as i64).collect::<Vec<_>>(), "{n} events");
        }
    }
}
