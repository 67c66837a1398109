//! Events -> legs -> calls: finding each event's leg, linking legs through their parents,
//! ordering, and dropping exact re-deliveries.
//!
//! Events are only collected while the input streams in (nothing assumes sorted, complete or
//! duplicate-free input, and a call may span files); everything is decided in
//! [`Assembler::finish`], so the result does not depend on the order of the lines beyond ties
//! within one second. The work is split along that flow:
//! - this module collects: blocks of parsed events in input order, each event's leg found by
//!   its key, each leg's earliest create kept;
//! - [`plan`] links legs into calls and orders calls and legs;
//! - [`place`] puts the events in that order and marks re-deliveries.
//!
//! A re-delivery recognised on the way in costs nothing but its count: blocks come without
//! the re-deliveries of their own events, and an event that repeats its leg's last one is
//! dropped here. The rest are marked in [`place`]; either way the count is the same, since
//! the first delivery is always the one kept. A listing of every event asks to keep them all.
//!
//! Figures are computed by `metrics`; this module only builds the structure they read.

use std::collections::HashMap;

use hashbrown::HashTable;
use rayon::prelude::*;

use crate::event::batch::{create_wins, Batch, KeyHasher, LegKey, ParsedCreate, ParsedEvent};
use crate::event::uuid::{self, Bits};
use crate::event::{CallEvent, EventKind};
use crate::metrics;
use crate::model::intern::{Local, Strings, Sym};
use crate::model::{Call, Dataset, Known, Leg, LegEvent, Seq, Span};
use redact::{Redacting, Redactor};

mod link;
mod order;
pub mod redact;
mod settle;

pub use settle::{CarriedEvent, Gone, Settled, Take};

/// Marks "no leg" in leg indices.
const NO_LEG: u32 = u32::MAX;

/// Collects call events; [`Assembler::finish`] turns them into calls.
pub struct Assembler {
    strings: Strings,
    known: Known,
    hasher: KeyHasher,
    /// Legs with a canonical uuid, by the hash of its bits.
    by_uuid: HashTable<u32>,
    /// Legs whose uuid is any other text.
    by_text: HashMap<Sym, u32>,
    /// The bits of each leg's uuid (meaningless for legs in `by_text`).
    bits: Vec<Bits>,
    /// Each leg, in order of first sight; `events` spans are set by `finish`.
    legs: Vec<Leg>,
    /// What `finish` needs to know of each leg besides.
    seen: Vec<Seen>,
    /// Events as they arrived, and the leg of each. `finish` reorders them in place: a large
    /// vector's unused capacity is never touched, so memory follows the number of events.
    events: Vec<LegEvent>,
    event_legs: Vec<u32>,
    /// The legs of the block being added, reused from block to block.
    block_legs: Vec<u32>,
    /// The events of the block being added that are dropped, reused likewise.
    block_dropped: Vec<u32>,
    /// Re-deliveries counted and not kept, by the blocks and here.
    redeliveries: u64,
    /// Keep every re-delivery (marked) instead of dropping those recognised early.
    keep_redeliveries: bool,
    /// The uuid of legs keyed by their bits until `finish` writes their text: a symbol no
    /// interned string can have.
    unnamed: Sym,
    /// The log time: the latest `event_time` pushed.
    latest: Option<i64>,
    /// Numbers become tokens as legs are described (`--redact-key-file`).
    redact: Option<Redacting>,
}

/// What is known of a leg while events stream in.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// When the create that gave the leg's info happened (meaningful once the leg has info);
    /// which create wins is [`create_wins`]'s to say.
    info_time: i64,
    /// The leg that create names as parent, or `NO_LEG`.
    parent: u32,
    /// Its earliest event; meaningful once `count > 0`.
    first: (i64, Seq),
    /// How many events it has; 0 for a parent named by a child but never seen itself.
    count: u32,
    /// Its latest close, if it has one.
    closed: Option<i64>,
    /// The index in `events` of its latest event kept; meaningful once `count > 0`.
    last: u32,
    /// The low 32 bits of that event's time: a cheap first test of a repeat.
    last_time: u32,
}

impl Seen {
    fn first(&self) -> Option<(i64, Seq)> {
        (self.count > 0).then_some(self.first)
    }
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler::new()
    }
}

impl Assembler {
    /// An empty assembler with its own string table and a fresh hash key.
    pub fn new() -> Self {
        Assembler::with_hasher(KeyHasher::new())
    }

    /// An empty assembler with its own string table, keying legs with `hasher`.
    fn with_hasher(hasher: KeyHasher) -> Self {
        let mut strings = Strings::new();
        let known = Known::intern(&mut strings);
        let unnamed = strings.add_unique("");
        Assembler {
            strings,
            known,
            hasher,
            by_uuid: HashTable::new(),
            by_text: HashMap::new(),
            bits: Vec::new(),
            legs: Vec::new(),
            seen: Vec::new(),
            events: Vec::new(),
            event_legs: Vec::new(),
            block_legs: Vec::new(),
            block_dropped: Vec::new(),
            redeliveries: 0,
            keep_redeliveries: false,
            unnamed,
            latest: None,
            redact: None,
        }
    }

    /// Starts the log time at `log_time`, where a previous run left it.
    pub(crate) fn start_at(&mut self, log_time: i64) {
        self.latest = Some(self.latest.map_or(log_time, |latest| latest.max(log_time)));
    }

    /// The log time: the latest `event_time` pushed so far.
    pub(crate) fn latest(&self) -> Option<i64> {
        self.latest
    }

    /// Finds every leg again by its key, after the legs were rebuilt.
    fn index_legs(&mut self) {
        self.by_uuid.clear();
        self.by_text.clear();
        for leg in 0..self.legs.len() as u32 {
            let uuid = self.legs[leg as usize].uuid;
            if uuid == self.unnamed {
                let (known, hasher) = (&self.bits, &self.hasher);
                let hash = hasher.hash_one(known[leg as usize]);
                self.by_uuid.insert_unique(hash, leg, |&leg| hasher.hash_one(known[leg as usize]));
            } else {
                self.by_text.insert(uuid, leg);
            }
        }
    }

    /// An assembler that keeps every re-delivery, marked, for listings of every input event.
    pub(crate) fn keeping_redeliveries() -> Self {
        Assembler { keep_redeliveries: true, ..Assembler::new() }
    }

    /// The same assembler, replacing each leg's number by its token under `redactor`.
    pub(crate) fn redacting(self, redactor: Option<Redactor>) -> Self {
        Assembler { redact: redactor.map(Redacting::new), ..self }
    }

    /// The hasher parser threads must key legs with, for blocks given to this assembler.
    pub fn key_hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// Number of call events collected so far (duplicates included, kept or not).
    pub fn event_count(&self) -> usize {
        self.events.len() + self.redeliveries as usize
    }

    /// Adds one borrowed call event read at `seq`. Events come in input order (`seq`
    /// increasing), as blocks do: of two creates of one leg in the same second, the first
    /// pushed is the one kept.
    pub fn push(&mut self, event: &CallEvent<'_>, seq: Seq) {
        let mut block = Batch::new(&self.hasher);
        block.keep_redeliveries = self.keep_redeliveries;
        block.push(&event.view(), seq.line(), &self.hasher);
        self.push_block(&block, seq.source(), 0);
    }

    /// Adds the events of one block of input `source`, whose lines follow `line_offset` others.
    /// The block's keys must come from [`Assembler::key_hasher`], and blocks come in input
    /// order.
    pub fn push_block(&mut self, block: &Batch, source: usize, line_offset: u64) {
        let syms = self.strings.intern_block(&block.strings);
        let seq = |line: u64| Seq::new(source, line_offset + line);
        let sym = |local: Option<Local>| local.map(|local| syms[local as usize]);
        let held = |e: &ParsedEvent| LegEvent::new(e.time, seq(e.line), e.kind, sym(e.state), sym(e.close_cause));
        let base = self.events.len() as u32;
        let (mut legs, mut dropped) = (std::mem::take(&mut self.block_legs), std::mem::take(&mut self.block_dropped));
        legs.clear();
        dropped.clear();
        for block_leg in &block.legs {
            let leg = self.leg_for(block_leg.key, &syms);
            if let Some((time, create)) = block_leg.create {
                self.create(leg, time, &block.creates[create as usize], &syms);
            }
            let first_event = block_leg.events.0;
            let repeats = self.repeats_last(leg, &held(&block.events[first_event as usize]));
            if repeats {
                dropped.push(first_event);
            }
            let seen = &mut self.seen[leg as usize];
            let first = (block_leg.first.0, seq(block_leg.first.1));
            if seen.count == 0 || first < seen.first {
                seen.first = first;
            }
            seen.count += block_leg.count;
            // Where its last event lands, unless events are dropped (put right below); a leg whose
            // only event repeated its last keeps that last.
            let last = block_leg.events.1;
            if !(repeats && last == first_event) {
                (seen.last, seen.last_time) = (base + last, block.events[last as usize].time as u32);
            }
            legs.push(leg);
        }
        self.redeliveries += block.redeliveries + dropped.len() as u64;
        if dropped.is_empty() {
            self.events.extend(block.events.iter().map(held));
            self.event_legs.extend(block.events.iter().map(|event| legs[event.leg as usize]));
        } else {
            let kept = || (0..).zip(&block.events).filter(|(at, _)| dropped.binary_search(at).is_err());
            self.events.extend(kept().map(|(_, event)| held(event)));
            self.event_legs.extend(kept().map(|(_, event)| legs[event.leg as usize]));
            self.place_lasts(block, &legs, &dropped, base);
        }
        for event in &block.events {
            self.latest = Some(self.latest.map_or(event.time, |latest| latest.max(event.time)));
            if event.kind == EventKind::Close {
                let closed = &mut self.seen[legs[event.leg as usize] as usize].closed;
                *closed = Some(closed.map_or(event.time, |at| at.max(event.time)));
            }
        }
        (self.block_legs, self.block_dropped) = (legs, dropped);
    }

    /// True when `event`, a leg's first in a block, repeats the last event kept of the leg
    /// (then it is taken off the leg's count): a flood of one event across blocks costs its
    /// count only. A block has no re-delivery of its own events, so only a leg's first event
    /// in it can be one.
    fn repeats_last(&mut self, leg: u32, event: &LegEvent) -> bool {
        let seen = &mut self.seen[leg as usize];
        // The time held beside the index spares a look at the event, nearly always.
        if self.keep_redeliveries || seen.count == 0 || seen.last_time != event.time() as u32 {
            return false;
        }
        let same = |e: &LegEvent| (e.kind(), e.time(), e.state, e.close_cause);
        let repeats = same(&self.events[seen.last as usize]) == same(event);
        seen.count -= u32::from(repeats);
        repeats
    }

    /// Points each leg of the block at its last event kept, now that `dropped` (indices into
    /// the block's events, in order) are not kept.
    fn place_lasts(&mut self, block: &Batch, legs: &[u32], dropped: &[u32], base: u32) {
        for (block_leg, &leg) in block.legs.iter().zip(legs) {
            let last = block_leg.events.1;
            // A leg whose only event was dropped still points at the one it repeated.
            if dropped.binary_search(&last).is_err() {
                self.seen[leg as usize].last = base + last - dropped.partition_point(|&at| at < last) as u32;
            }
        }
    }

    /// Keeps what a create says about `leg` when it [`create_wins`] over the one kept.
    fn create(&mut self, leg: u32, time: i64, create: &ParsedCreate, syms: &[Sym]) {
        let kept = self.legs[leg as usize].info.map(|_| self.seen[leg as usize].info_time);
        if !create_wins(time, kept) {
            return;
        }
        // An inbound client leg names itself as caller: that is no parent.
        let parent = create.parent.map(|key| self.leg_for(key, syms)).filter(|&parent| parent != leg);
        let parent_uuid = parent.map(|parent| self.legs[parent as usize].uuid);
        let mut info = create.with_parent(parent_uuid).map(|local| syms[local as usize]);
        if let Some(redact) = &mut self.redact {
            info.self_target = info.self_target.map(|number| redact.sym(number, &mut self.strings));
        }
        self.legs[leg as usize].info = Some(info);
        let seen = &mut self.seen[leg as usize];
        seen.info_time = time;
        seen.parent = parent.unwrap_or(NO_LEG);
    }

    /// The index of the leg with `key`, created on first sight.
    fn leg_for(&mut self, key: LegKey, syms: &[Sym]) -> u32 {
        match key {
            LegKey::Uuid { bits, hash } => {
                let known = &self.bits;
                if let Some(&leg) = self.by_uuid.find(hash, |&leg| known[leg as usize] == bits) {
                    return leg;
                }
                let leg = self.new_leg(self.unnamed, bits);
                let (known, hasher) = (&self.bits, &self.hasher);
                self.by_uuid.insert_unique(hash, leg, |&leg| hasher.hash_one(known[leg as usize]));
                leg
            }
            LegKey::Text(local) => {
                let uuid = syms[local as usize];
                match self.by_text.get(&uuid) {
                    Some(&leg) => leg,
                    None => {
                        let leg = self.new_leg(uuid, [0; 2]);
                        self.by_text.insert(uuid, leg);
                        leg
                    }
                }
            }
        }
    }

    fn new_leg(&mut self, uuid: Sym, bits: Bits) -> u32 {
        let none = (0, Seq::new(0, 0));
        self.legs.push(Leg { uuid, info: None, events: Span::default() });
        self.seen.push(Seen {
            info_time: 0,
            parent: NO_LEG,
            first: none,
            count: 0,
            closed: None,
            last: 0,
            last_time: 0,
        });
        self.bits.push(bits);
        self.legs.len() as u32 - 1
    }

    /// Links, orders and de-duplicates everything collected, and computes the figures.
    pub fn finish(self, sources: Vec<String>) -> Dataset {
        let Assembler {
            mut strings,
            known,
            by_uuid,
            by_text,
            bits,
            mut legs,
            seen,
            events,
            event_legs,
            unnamed,
            redeliveries,
            ..
        } = self;
        // Keys are not needed from here on, and legs keyed by bits get their text only now:
        // their lookup tables are gone before it takes room.
        drop((by_uuid, by_text));
        name_legs(&mut legs, &seen, &bits, unnamed, &mut strings);
        drop(bits);
        let plan = link::plan_calls(&legs, &seen, &strings);
        let counts: Vec<u32> = seen.iter().map(|s| s.count).collect();
        drop(seen);
        let (events, spans, marked) = order::place_events(events, event_legs, &counts, &plan);
        let duplicates = marked + redeliveries;
        drop(counts);
        let legs = order_legs(legs, &plan, &spans);
        let calls = build_calls(&plan, &legs, &events, &known);
        Dataset { strings, known, sources, events, legs, calls, duplicates }
    }
}

/// Writes the uuid text of the legs keyed by their bits (formatted in parallel, added in
/// one run), and puts it in the parent links made before it existed.
fn name_legs(legs: &mut [Leg], seen: &[Seen], bits: &[Bits], unnamed: Sym, strings: &mut Strings) {
    let unnamed: Vec<usize> = (0..legs.len()).filter(|&i| legs[i].uuid == unnamed).collect();
    let format = |k: usize, slot: &mut [u8]| slot.copy_from_slice(&uuid::format(bits[unnamed[k]]));
    let named: Vec<Sym> = strings.add_unique_run(unnamed.len(), 36, format).collect();
    for (&leg, uuid) in unnamed.iter().zip(named) {
        legs[leg].uuid = uuid;
    }
    for (index, seen) in seen.iter().enumerate() {
        if seen.parent != NO_LEG {
            let parent = legs[seen.parent as usize].uuid;
            if let Some(info) = legs[index].info.as_mut() {
                info.parent = Some(parent);
            }
        }
    }
}

/// The legs in the planned order with their spans of events, in place; legs in no call
/// (parents named but never seen) go.
fn order_legs(mut legs: Vec<Leg>, plan: &link::Plan, spans: &[Span]) -> Vec<Leg> {
    let mut targets = vec![NO_LEG; legs.len()];
    let order = plan.calls.iter().flat_map(|call| &plan.order[call.legs.range()]);
    for (final_index, &old) in order.enumerate() {
        targets[old as usize] = final_index as u32;
    }
    // Legs in no call go after the others, to be cut off.
    let unplaced = targets.iter_mut().filter(|t| **t == NO_LEG);
    for (to, target) in (spans.len() as u32..).zip(unplaced) {
        *target = to;
    }
    order::permute(&mut Placed { legs: &mut legs, targets: &mut targets });
    drop(targets);
    legs.truncate(spans.len());
    for (leg, &span) in legs.iter_mut().zip(spans) {
        leg.events = span;
    }
    legs
}

/// Legs while they move, with the index each belongs at (`NO_LEG` marks a hole).
struct Placed<'a> {
    legs: &'a mut [Leg],
    targets: &'a mut [u32],
}

impl order::Slots for Placed<'_> {
    type Item = (Leg, u32);

    fn len(&self) -> usize {
        self.legs.len()
    }
    fn get(&self, at: usize) -> Self::Item {
        (self.legs[at], self.targets[at])
    }
    fn set(&mut self, at: usize, (leg, target): Self::Item) {
        self.legs[at] = leg;
        self.targets[at] = target;
    }
    fn target(&self, item: &Self::Item) -> usize {
        item.1 as usize
    }
    fn make_hole(&mut self, at: usize) {
        self.targets[at] = NO_LEG;
    }
    fn is_hole(item: &Self::Item) -> bool {
        item.1 == NO_LEG
    }
}

/// Each planned call with its figures, computed in parallel.
fn build_calls(plan: &link::Plan, legs: &[Leg], events: &[LegEvent], known: &Known) -> Vec<Call> {
    let mut first_leg = 0u32;
    let spans: Vec<Span> = plan
        .calls
        .iter()
        .map(|call| {
            let span = Span { start: first_leg, end: first_leg + call.legs.len() as u32 };
            first_leg = span.end;
            span
        })
        .collect();
    plan.calls
        .par_iter()
        .zip(spans)
        .with_min_len(256)
        .map(|(call, span)| {
            let root = plan.order[call.legs.range()].iter().position(|&old| old == call.root);
            let views = metrics::leg_views(&legs[span.range()], span.start, events, known);
            let figures = metrics::call_figures(&views, root, call.flags, known);
            let first = legs[span.start as usize].events.start;
            let events = Span { start: first, end: legs[span.end as usize - 1].events.end };
            Call { id: call.id, legs: span, events, figures }
        })
        .collect()
}

#[cfg(test)]
mod tests;
