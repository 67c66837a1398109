//! Events -> their final order: grouped by leg in the planned order of legs, sorted by
//! (time, input order) within each leg, exact re-deliveries marked.
//!
//! Events are reordered in place by following the cycles of the permutation, so no second
//! copy of them is ever needed. Since lines arrive roughly in time order and a call's events
//! end up near where they arrived, those cycles stay within a few megabytes of each other.
//! Sorting and marking, leg by leg, run in parallel.

use std::collections::HashSet;

use super::plan::Plan;
use super::NO_LEG;
use crate::model::{LegEvent, Span};

/// Runs of more events than this in one second of one leg are checked with a set; shorter
/// ones (nearly all) by comparing each with the ones before it.
const SHORT_RUN: usize = 16;

/// Puts `events` in the order of `plan` (`counts` is the number of events of each leg);
/// returns them, each final leg's span of them, and how many are re-deliveries.
pub(super) fn place_events(mut events: Vec<LegEvent>, counts: &[u32], plan: &Plan) -> (Vec<LegEvent>, Vec<Span>, u64) {
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
    // Each event's destination, in input order within its leg; then follow the cycles of
    // that permutation, swapping.
    let mut cursor: Vec<u32> = spans.iter().map(|s| s.start).collect();
    let mut dest: Vec<u32> = events
        .iter_mut()
        .map(|event| {
            event.leg = new_index[event.leg as usize];
            let at = &mut cursor[event.leg as usize];
            *at += 1;
            *at - 1
        })
        .collect();
    drop((new_index, cursor));
    for i in 0..events.len() {
        while dest[i] as usize != i {
            let j = dest[i] as usize;
            events.swap(i, j);
            dest.swap(i, j);
        }
    }
    drop(dest);
    let duplicates = for_each_span(&mut events, &spans, &|leg_events| {
        leg_events.sort_unstable_by_key(|e| (e.time, e.seq));
        mark_duplicates(leg_events)
    });
    (events, spans, duplicates)
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
    let key = |e: &LegEvent| (e.kind, e.state, e.close_cause);
    let mut duplicates = 0;
    for run in events.chunk_by_mut(|a, b| a.time == b.time) {
        if run.len() <= SHORT_RUN {
            for i in 1..run.len() {
                run[i].duplicate = run[..i].iter().any(|e| key(e) == key(&run[i]));
                duplicates += u64::from(run[i].duplicate);
            }
        } else {
            let mut seen = HashSet::new();
            for event in run {
                event.duplicate = !seen.insert(key(event));
                duplicates += u64::from(event.duplicate);
            }
        }
    }
    duplicates
}
