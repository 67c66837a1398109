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
    /// Events as they arrived. `finish` reorders them in place: a large vector's unused
    /// capacity is never touched, so memory follows the number of events.
    events: Vec<LegEvent>,
}

/// What is known of a leg while events stream in.
struct BuildLeg {
    uuid: Sym,
    /// From the earliest create seen, at `info_at`.
    info: Option<LegInfo>,
    info_at: (i64, Seq),
    /// Its earliest event; `None` for a parent named by a child but never seen itself.
    first: Option<(i64, Seq)>,
    /// How many events it has.
    count: u32,
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

    /// Adds one borrowed call event read at `seq`, interning its strings.
    pub fn push(&mut self, strings: &Strings, event: &CallEvent<'_>, seq: Seq) {
        self.add(&ParsedEvent::intern(event, seq.line(), strings), seq);
    }

    /// Adds the events of one block of input `source`, whose lines follow `line_offset` others.
    pub fn push_block(&mut self, events: &[ParsedEvent], source: usize, line_offset: u64) {
        for event in events {
            self.add(event, Seq::new(source, line_offset + event.line));
        }
    }

    fn add(&mut self, event: &ParsedEvent, seq: Seq) {
        let leg = self.leg_for(event.uuid);
        let at = (event.time, seq);
        let slot = &mut self.legs[leg as usize];
        if let Some(info) = event.info {
            if slot.info.is_none() || at < slot.info_at {
                // An inbound client leg names itself as caller: that is no parent.
                let parent = info.parent.filter(|&parent| parent != event.uuid);
                slot.info = Some(LegInfo { parent, ..info });
                slot.info_at = at;
            }
        }
        if slot.first.is_none_or(|first| at < first) {
            slot.first = Some(at);
        }
        slot.count += 1;
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
            let start = (0, Seq::new(0, 0));
            self.legs.push(BuildLeg { uuid: sym, info: None, info_at: start, first: None, count: 0 });
        }
        self.leg_of[slot]
    }

    /// Links, orders and de-duplicates everything collected, and computes the figures.
    pub fn finish(mut self, strings: Strings, sources: Vec<String>) -> Dataset {
        // Nothing is interned from here on; the reader resolves by index, not by hashing.
        let strings = strings.into_reader();
        // Parents that never appeared become placeholder nodes so their children still link.
        let parents: Vec<Sym> = self.legs.iter().filter_map(|l| l.info?.parent).collect();
        for parent in parents {
            self.leg_for(parent);
        }
        let plan = self.plan_calls(&strings);
        let (events, spans, duplicates) = self.place_events(&plan);
        self.build(plan, events, spans, strings, sources, duplicates)
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
            if let Some(p) = leg.info.and_then(|info| info.parent) {
                let p = self.leg_of[p.into_usize()];
                let (a, b) = (find(&mut parent, child as u32), find(&mut parent, p));
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        (0..self.legs.len() as u32).map(|x| find(&mut parent, x)).collect()
    }

    /// Groups legs into calls, picks each call's root, and orders calls by (start, call_id)
    /// and each call's legs by their first event.
    fn plan_calls(&self, strings: &Resolved) -> Plan {
        let components = self.components();
        let first = |l: u32| self.legs[l as usize].first;
        let mut by_component: Vec<u32> = (0..self.legs.len() as u32).collect();
        by_component.sort_unstable_by_key(|&l| (components[l as usize], first(l)));
        let mut calls = Vec::new();
        let mut order = Vec::with_capacity(by_component.len());
        for group in by_component.chunk_by(|a, b| components[*a as usize] == components[*b as usize]) {
            let has_parent = |l: u32| self.legs[l as usize].info.is_some_and(|i| i.parent.is_some());
            let (root, flags) = match group.iter().copied().find(|&l| !has_parent(l)) {
                Some(root) if first(root).is_none() => (root, Flags::MISSING_ROOT),
                Some(root) => (root, Flags::empty()),
                // A cycle: no leg without a parent. Take the earliest leg, uuid breaking ties.
                None => {
                    let uuid = |l: u32| strings.resolve(&self.legs[l as usize].uuid);
                    let root = group.iter().copied().min_by_key(|&l| (first(l).map(|f| f.0), uuid(l)));
                    (root.unwrap_or(group[0]), Flags::LINK_CYCLE)
                }
            };
            let start = order.len() as u32;
            order.extend(group.iter().copied().filter(|&l| first(l).is_some()));
            if let Some(&earliest) = order.get(start as usize) {
                let legs = Span { start, end: order.len() as u32 };
                calls.push(CallPlan { root, start: first(earliest).map_or(0, |f| f.0), legs, flags });
            }
        }
        calls.sort_unstable_by(|a, b| {
            let id = |p: &CallPlan| strings.resolve(&self.legs[p.root as usize].uuid);
            (a.start, id(a)).cmp(&(b.start, id(b)))
        });
        Plan { calls, order }
    }

    /// Reorders the events in place: grouped by leg in the planned order, sorted by (time,
    /// input order) within each leg; and marks re-deliveries.
    fn place_events(&mut self, plan: &Plan) -> (Vec<LegEvent>, Vec<Span>, u64) {
        let mut new_index = vec![NO_LEG; self.legs.len()];
        let mut spans = Vec::with_capacity(plan.order.len());
        let mut next = 0u32;
        for call in &plan.calls {
            for &old in &plan.order[call.legs.range()] {
                new_index[old as usize] = spans.len() as u32;
                let count = self.legs[old as usize].count;
                spans.push(Span { start: next, end: next + count });
                next += count;
            }
        }
        // Each event's destination, in input order within its leg; then follow the cycles of
        // that permutation, swapping, so no second copy of the events is ever needed.
        let mut cursor: Vec<u32> = spans.iter().map(|s| s.start).collect();
        let mut events = std::mem::take(&mut self.events);
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
        let mut duplicates = 0;
        for span in &spans {
            let leg_events = &mut events[span.range()];
            leg_events.sort_unstable_by_key(|e| (e.time, e.seq));
            duplicates += mark_duplicates(leg_events);
        }
        (events, spans, duplicates)
    }

    fn build(
        self,
        plan: Plan,
        events: Vec<LegEvent>,
        spans: Vec<Span>,
        strings: Resolved,
        sources: Vec<String>,
        duplicates: u64,
    ) -> Dataset {
        let legs: Vec<Leg> = plan
            .calls
            .iter()
            .flat_map(|call| &plan.order[call.legs.range()])
            .zip(&spans)
            .map(|(&old, &events)| Leg {
                uuid: self.legs[old as usize].uuid,
                info: self.legs[old as usize].info,
                events,
            })
            .collect();
        let mut calls = Vec::with_capacity(plan.calls.len());
        let mut first_leg = 0u32;
        for call in &plan.calls {
            let span = Span { start: first_leg, end: first_leg + call.legs.len() as u32 };
            let root = plan.order[call.legs.range()].iter().position(|&old| old == call.root);
            let views: Vec<LegView<'_>> = legs[span.range()]
                .iter()
                .enumerate()
                .map(|(i, leg)| LegView {
                    index: first_leg + i as u32,
                    leg,
                    figures: metrics::leg_figures(&events[leg.events.range()], &self.known),
                })
                .collect();
            let figures = metrics::call_figures(&views, root, call.flags, &self.known);
            let event_span =
                Span { start: legs[span.start as usize].events.start, end: legs[span.end as usize - 1].events.end };
            calls.push(Call { id: self.legs[call.root as usize].uuid, legs: span, events: event_span, figures });
            first_leg = span.end;
        }
        Dataset { strings, known: self.known, sources, events, legs, calls, duplicates }
    }
}

/// The calls to build: legs (old indices) in final order, and each call's run of them.
struct Plan {
    calls: Vec<CallPlan>,
    order: Vec<u32>,
}

/// One call: its root leg (old index), start, legs (a span of `Plan::order`) and the flags
/// found while linking.
struct CallPlan {
    root: u32,
    start: i64,
    legs: Span,
    flags: Flags,
}

/// Marks exact re-deliveries among one leg's events (sorted by time, then input order): same
/// kind, time, state and cause as an earlier one, so the first delivery is kept. Returns how
/// many were marked.
fn mark_duplicates(events: &mut [LegEvent]) -> u64 {
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for run in events.chunk_by_mut(|a, b| a.time == b.time) {
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
