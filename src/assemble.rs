//! Events -> legs -> calls: interning, linking legs through their parents, ordering, and
//! dropping exact re-deliveries.
//!
//! Events are only collected while the input streams in (nothing assumes sorted, complete or
//! duplicate-free input, and a call may span files); everything is decided in [`Assembler::finish`],
//! so the result does not depend on the order of the lines beyond ties within one second.
//! Figures are computed by `metrics`; this module only builds the structure they read.

use std::collections::HashSet;

use lasso::Key;

use crate::chunk::ParsedEvent;
use crate::event::CallEvent;
use crate::metrics::{self, LegView};
use crate::model::{Call, Dataset, Flags, Known, Leg, LegEvent, LegInfo, Resolved, Seq, Span, Strings, Sym};

const NO_LEG: u32 = u32::MAX;

/// Collects call events; [`Assembler::finish`] turns them into calls. Strings live in a
/// separate [`Strings`] table so parser threads can intern while the assembler collects.
pub struct Assembler {
    known: Known,
    /// Leg index of each interned string that is a leg uuid, `NO_LEG` otherwise.
    leg_of: Vec<u32>,
    legs: Vec<BuildLeg>,
    events: Vec<LegEvent>,
}

struct BuildLeg {
    uuid: Sym,
    /// The create the leg's description was taken from (the earliest), with its position.
    info: Option<((i64, Seq), LegInfo)>,
}

impl Assembler {
    /// An empty assembler whose events are interned in `strings`.
    pub fn new(strings: &Strings) -> Self {
        Assembler { known: Known::intern(strings), leg_of: Vec::new(), legs: Vec::new(), events: Vec::new() }
    }

    /// Number of call events collected so far (duplicates included).
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Number of distinct legs seen so far.
    pub fn leg_count(&self) -> usize {
        self.legs.len()
    }

    /// Adds one borrowed call event read at `seq`, interning its strings.
    pub fn push(&mut self, strings: &Strings, event: &CallEvent<'_>, seq: Seq) {
        self.push_parsed(&ParsedEvent::intern(event, seq.line(), strings), seq);
    }

    /// Adds one interned call event read at `seq`.
    pub fn push_parsed(&mut self, event: &ParsedEvent, seq: Seq) {
        let leg = self.leg_for(event.uuid);
        if let Some(info) = event.info {
            let at = (event.time, seq);
            let slot = &mut self.legs[leg as usize];
            if slot.info.as_ref().is_none_or(|(seen, _)| at < *seen) {
                // An inbound client leg names itself as caller: that is no parent.
                let parent = info.parent.filter(|&parent| parent != event.uuid);
                slot.info = Some((at, LegInfo { parent, ..info }));
            }
        }
        self.events.push(LegEvent {
            time: event.time,
            seq,
            leg,
            kind: event.kind,
            state: event.state,
            close_cause: event.close_cause,
            duplicate: false,
        });
    }

    /// The index of the leg whose uuid is `sym`, created on first sight.
    fn leg_for(&mut self, sym: Sym) -> u32 {
        let slot = sym.into_usize();
        if slot >= self.leg_of.len() {
            self.leg_of.resize(slot + 1, NO_LEG);
        }
        if self.leg_of[slot] == NO_LEG {
            self.leg_of[slot] = self.legs.len() as u32;
            self.legs.push(BuildLeg { uuid: sym, info: None });
        }
        self.leg_of[slot]
    }

    /// Links, orders and de-duplicates everything collected, and computes the figures.
    pub fn finish(mut self, strings: Strings, sources: Vec<String>) -> Dataset {
        // Nothing is interned from here on; the reader resolves by index, not by hashing.
        let strings = strings.into_reader();
        // Parents that never appeared become placeholder nodes so their children still link.
        let parents: Vec<Sym> = self.legs.iter().filter_map(|l| l.info.as_ref()?.1.parent).collect();
        for parent in parents {
            self.leg_for(parent);
        }
        let first = self.first_moments();
        let components = self.components();
        let calls = self.order_calls(&components, &first, &strings);

        let mut new_index = vec![NO_LEG; self.legs.len()];
        let mut next = 0u32;
        for plan in &calls {
            for &old in &plan.legs {
                new_index[old as usize] = next;
                next += 1;
            }
        }
        for event in &mut self.events {
            event.leg = new_index[event.leg as usize];
        }
        self.events.sort_unstable_by_key(|e| (e.leg, e.time, e.seq));
        let duplicates = mark_duplicates(&mut self.events);
        self.build(calls, strings, sources, duplicates)
    }

    /// Each leg's first (time, position); `None` for placeholder parents with no events.
    fn first_moments(&self) -> Vec<Option<(i64, Seq)>> {
        let mut first = vec![None; self.legs.len()];
        for event in &self.events {
            let slot: &mut Option<(i64, Seq)> = &mut first[event.leg as usize];
            let at = (event.time, event.seq);
            if slot.is_none_or(|seen| at < seen) {
                *slot = Some(at);
            }
        }
        first
    }

    /// Union-find over parent links: the component root of every leg.
    fn components(&self) -> Vec<u32> {
        let mut parent: Vec<u32> = (0..self.legs.len() as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        for (child, leg) in self.legs.iter().enumerate() {
            if let Some(p) = leg.info.as_ref().and_then(|(_, info)| info.parent) {
                let p = self.leg_of[p.into_usize()];
                let (a, b) = (find(&mut parent, child as u32), find(&mut parent, p));
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        (0..self.legs.len() as u32).map(|x| find(&mut parent, x)).collect()
    }

    /// Groups legs into calls, picks each call's root, and sorts calls by (start, call_id).
    fn order_calls(&self, components: &[u32], first: &[Option<(i64, Seq)>], strings: &Resolved) -> Vec<CallPlan> {
        let mut by_component: Vec<u32> = (0..self.legs.len() as u32).collect();
        by_component.sort_unstable_by_key(|&l| (components[l as usize], first[l as usize]));
        let mut plans = Vec::new();
        for group in by_component.chunk_by(|a, b| components[*a as usize] == components[*b as usize]) {
            let has_parent = |l: u32| self.legs[l as usize].info.as_ref().is_some_and(|(_, i)| i.parent.is_some());
            let (root, flags) = match group.iter().copied().find(|&l| !has_parent(l)) {
                Some(root) if first[root as usize].is_none() => (root, Flags::MISSING_ROOT),
                Some(root) => (root, Flags::empty()),
                // A cycle: no leg without a parent. Take the earliest leg, uuid breaking ties.
                None => {
                    let uuid = |l: u32| strings.resolve(&self.legs[l as usize].uuid);
                    let root = group.iter().copied().min_by_key(|&l| (first[l as usize].map(|f| f.0), uuid(l)));
                    (root.unwrap_or(group[0]), Flags::LINK_CYCLE)
                }
            };
            let legs: Vec<u32> = group.iter().copied().filter(|&l| first[l as usize].is_some()).collect();
            if let Some(&earliest) = legs.first() {
                let start = first[earliest as usize].map_or(0, |f| f.0);
                plans.push(CallPlan { root, start, legs, flags });
            }
        }
        plans.sort_unstable_by(|a, b| {
            let id = |p: &CallPlan| strings.resolve(&self.legs[p.root as usize].uuid);
            (a.start, id(a)).cmp(&(b.start, id(b)))
        });
        plans
    }

    fn build(self, plans: Vec<CallPlan>, strings: Resolved, sources: Vec<String>, duplicates: u64) -> Dataset {
        let leg_spans = spans_by(&self.events, |e| e.leg as usize, plans.iter().map(|p| p.legs.len()).sum());
        let mut legs = Vec::with_capacity(leg_spans.len());
        let mut calls = Vec::with_capacity(plans.len());
        for plan in &plans {
            let first_leg = legs.len() as u32;
            let mut root = None;
            for &old in &plan.legs {
                if old == plan.root {
                    root = Some(legs.len() - first_leg as usize);
                }
                let build = &self.legs[old as usize];
                let events = leg_spans[legs.len()];
                legs.push(Leg { uuid: build.uuid, info: build.info.map(|(_, info)| info), events });
            }
            let span = Span { start: first_leg, end: legs.len() as u32 };
            let views: Vec<LegView<'_>> = legs[span.range()]
                .iter()
                .enumerate()
                .map(|(i, leg)| LegView {
                    index: first_leg + i as u32,
                    leg,
                    figures: metrics::leg_figures(&self.events[leg.events.range()], &self.known),
                })
                .collect();
            let figures = metrics::call_figures(&views, root, plan.flags, &self.known);
            let events = Span { start: legs[first_leg as usize].events.start, end: legs[legs.len() - 1].events.end };
            calls.push(Call { id: self.legs[plan.root as usize].uuid, legs: span, events, figures });
        }
        Dataset { strings, known: self.known, sources, events: self.events, legs, calls, duplicates }
    }
}

/// Legs of one call, by old index, with the root and the flags found while linking.
struct CallPlan {
    root: u32,
    start: i64,
    legs: Vec<u32>,
    flags: Flags,
}

/// For items sorted by `key`, the span of each key value `0..count`.
fn spans_by<T>(items: &[T], key: impl Fn(&T) -> usize, count: usize) -> Vec<Span> {
    let mut spans = vec![Span::default(); count];
    let mut start = 0;
    for group in items.chunk_by(|a, b| key(a) == key(b)) {
        let end = start + group.len();
        spans[key(&group[0])] = Span { start: start as u32, end: end as u32 };
        start = end;
    }
    spans
}

/// Marks exact re-deliveries: same leg, kind, time, state and cause as an earlier event.
/// Events must be sorted by (leg, time, input order), so the first delivery is kept. Returns
/// how many were marked.
fn mark_duplicates(events: &mut [LegEvent]) -> u64 {
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for run in events.chunk_by_mut(|a, b| a.leg == b.leg && a.time == b.time) {
        if run.len() == 1 {
            continue;
        }
        seen.clear();
        for event in run {
            event.duplicate = !seen.insert((event.kind, event.state, event.close_cause));
            duplicates += u64::from(event.duplicate);
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{CreateFields, EventKind};
    use std::borrow::Cow;

    fn create<'a>(uuid: &'a str, parent: Option<&'a str>, time: i64) -> CallEvent<'a> {
        CallEvent {
            dialog_uuid: Cow::Borrowed(uuid),
            kind: EventKind::Create,
            time,
            state: Some(Cow::Borrowed("ringing")),
            close_cause: None,
            create: Some(CreateFields { parent: parent.map(Cow::Borrowed), ..CreateFields::default() }),
        }
    }

    fn close(uuid: &str, time: i64) -> CallEvent<'_> {
        CallEvent {
            dialog_uuid: Cow::Borrowed(uuid),
            kind: EventKind::Close,
            time,
            state: None,
            close_cause: Some(Cow::Borrowed("HANGUP")),
            create: None,
        }
    }

    fn assemble(events: &[CallEvent<'_>]) -> Dataset {
        let strings = crate::model::new_strings();
        let mut asm = Assembler::new(&strings);
        for (i, event) in events.iter().enumerate() {
            asm.push(&strings, event, Seq::new(0, i as u64 + 1));
        }
        asm.finish(strings, vec!["test".into()])
    }

    fn call_ids(ds: &Dataset) -> Vec<(&str, u32, Flags)> {
        ds.calls.iter().map(|c| (ds.str(c.id), c.figures.legs, c.figures.flags)).collect()
    }

    #[test]
    fn links_chains_whatever_the_order() {
        let events = [create("c", Some("b"), 30), create("a", None, 10), create("b", Some("a"), 20)];
        let ds = assemble(&events);
        assert_eq!(call_ids(&ds), [("a", 3, Flags::OPEN)]);
        let legs: Vec<&str> = ds.legs_of(&ds.calls[0]).iter().map(|l| ds.str(l.uuid)).collect();
        assert_eq!(legs, ["a", "b", "c"]);
    }

    #[test]
    fn cycles_and_missing_parents_are_flagged_not_lost() {
        let ds = assemble(&[create("x", Some("y"), 5), create("y", Some("x"), 6), create("k", Some("gone"), 1)]);
        assert_eq!(
            call_ids(&ds),
            [("gone", 1, Flags::OPEN | Flags::MISSING_ROOT), ("x", 2, Flags::OPEN | Flags::LINK_CYCLE)]
        );
        let ds = assemble(&[create("self", Some("self"), 1), close("self", 2)]);
        assert_eq!(call_ids(&ds), [("self", 1, Flags::empty())]);
    }

    #[test]
    fn exact_redeliveries_are_marked_once() {
        let events = [create("a", None, 1), close("a", 9), create("a", None, 1), close("a", 9), close("a", 9)];
        let ds = assemble(&events);
        assert_eq!(ds.duplicates, 3);
        let kept: Vec<(EventKind, bool)> = ds.events.iter().map(|e| (e.kind, e.duplicate)).collect();
        assert_eq!(
            kept,
            [
                (EventKind::Create, false),
                (EventKind::Create, true),
                (EventKind::Close, false),
                (EventKind::Close, true),
                (EventKind::Close, true)
            ]
        );
        assert_eq!(ds.calls[0].figures.flags, Flags::empty());
    }

    #[test]
    fn state_after_close_and_event_before_create_are_flagged() {
        let late = CallEvent { kind: EventKind::State, state: Some(Cow::Borrowed("talking")), ..close("a", 12) };
        let ds = assemble(&[create("a", None, 5), close("a", 10), late]);
        assert_eq!(ds.calls[0].figures.flags, Flags::STATE_AFTER_CLOSE);
        let early = CallEvent { kind: EventKind::State, state: Some(Cow::Borrowed("alerting")), ..close("b", 1) };
        let ds = assemble(&[create("b", None, 5), early, close("b", 10)]);
        assert_eq!(ds.calls[0].figures.flags, Flags::EVENT_BEFORE_CREATE);
    }
}
