//! Settling: while the input streams, a call whose legs are all closed, and which the log has
//! moved past by a grace period, is final. [`Assembler::settle`] splits such calls off, to be
//! finished and reported at once, and keeps only the calls in flight, so memory follows the
//! calls in progress rather than the history.
//!
//! The legs of a settled call are remembered for a while ([`Gone`]): an event that arrives
//! later for one of them, or for a leg that names one of them as its parent, is counted as
//! `late` and dropped with the rest of its call, never turned into a fragment call. That is
//! the one mechanism behind `--settle` while the input streams and the calls a `--state`
//! file carries between runs.

use hashbrown::HashMap;

use super::redact::Redacting;
use super::{link, Assembler, Seen, NO_LEG};
use std::borrow::Cow;

use crate::event::uuid::{self, Bits};
use crate::event::CreateFields;
use crate::event::EventKind;
use crate::model::intern::{Strings, Sym};
use crate::model::{Leg, Seq};

/// What a settling pass does with one call, decided on its legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Still in flight: kept.
    Keep,
    /// Final: split off to be reported.
    Settle,
    /// A leg of it belongs to a call already reported: its events are late.
    Late,
}

/// Which calls a settling pass takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Calls whose legs are all closed, the latest close at or before this log time.
    ClosedBy(i64),
    /// Every call: the end of a whole input, where open calls are reported as open.
    All,
    /// The end of a run that carries calls to the next: calls whose legs are all closed,
    /// whenever, and calls that started before this log time (open too long: reported open).
    Final {
        /// Calls starting before this are let go even with a leg open.
        expire_before: i64,
    },
}

/// The legs of calls already reported, with the log time each was let go, so that a later
/// event for one of them is known to be late. Entries older than the retention are
/// forgotten: memory follows the calls of that window, not the history.
#[derive(Debug, Default, Clone)]
pub struct Gone {
    by_bits: HashMap<Bits, i64>,
    by_text: HashMap<Box<str>, i64>,
}

impl Gone {
    /// Legs remembered.
    pub fn len(&self) -> usize {
        self.by_bits.len() + self.by_text.len()
    }

    /// True when no leg is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the legs let go before `time`.
    pub(crate) fn forget_before(&mut self, time: i64) {
        self.by_bits.retain(|_, at| *at >= time);
        self.by_text.retain(|_, at| *at >= time);
    }

    /// Remembers a leg by its uuid's bits.
    pub(crate) fn insert_bits(&mut self, bits: Bits, at: i64) {
        self.by_bits.insert(bits, at);
    }

    /// Remembers a leg by its uuid's text, as bits when it is canonical.
    pub(crate) fn insert_leg(&mut self, uuid: &str, at: i64) {
        match uuid::parse(uuid) {
            Some(bits) => self.insert_bits(bits, at),
            None => self.insert_text(uuid, at),
        }
    }

    /// Remembers a leg whose uuid is not canonical, by its text.
    pub(crate) fn insert_text(&mut self, text: &str, at: i64) {
        self.by_text.insert(text.into(), at);
    }

    /// The legs remembered, by bits and by text, with the time each was let go.
    pub(crate) fn entries(&self) -> (impl Iterator<Item = (&Bits, &i64)>, impl Iterator<Item = (&str, &i64)>) {
        (self.by_bits.iter(), self.by_text.iter().map(|(text, at)| (&**text, at)))
    }

    fn contains(&self, asm: &Assembler, leg: usize) -> bool {
        if asm.legs[leg].uuid == asm.unnamed {
            self.by_bits.contains_key(&asm.bits[leg])
        } else {
            self.by_text.contains_key(asm.strings.resolve(asm.legs[leg].uuid))
        }
    }
}

/// What one settling pass split off.
pub struct Settled {
    /// The final calls, to be finished; `None` when there were none.
    pub calls: Option<Assembler>,
    /// Events dropped as late.
    pub late: u64,
    /// Re-deliveries dropped as they arrived since the last pass (the finished calls count
    /// only those they mark themselves).
    pub redeliveries: u64,
    /// The earliest event of the calls still in flight, if any.
    pub in_flight_from: Option<i64>,
}

impl Assembler {
    /// Splits off the calls that `take` makes final, and drops the late ones into the count;
    /// the calls in flight stay, in a fresh string table. Legs of the calls split off or
    /// dropped are remembered in `gone`, as let go at `now` (the log time).
    pub fn settle(&mut self, take: Take, gone: &mut Gone, now: i64) -> Settled {
        let fates = self.fates(take, gone);
        for (leg, &fate) in fates.iter().enumerate() {
            if fate != Fate::Keep && self.seen[leg].count > 0 {
                if self.legs[leg].uuid == self.unnamed {
                    gone.insert_bits(self.bits[leg], now);
                } else {
                    gone.insert_text(self.strings.resolve(self.legs[leg].uuid), now);
                }
            }
        }
        let late = self.event_legs.iter().filter(|&&leg| fates[leg as usize] == Fate::Late).count() as u64;
        let in_flight_from = (0..self.legs.len())
            .filter(|&leg| fates[leg] == Fate::Keep)
            .filter_map(|leg| self.seen[leg].first())
            .map(|first| first.0)
            .min();
        let any_settled = fates.contains(&Fate::Settle);
        let redeliveries = std::mem::take(&mut self.redeliveries);
        let kept = self.split(&fates);
        let settled = std::mem::replace(self, kept);
        Settled { calls: any_settled.then_some(settled), late, redeliveries, in_flight_from }
    }

    /// The fate of each leg: that of its call.
    fn fates(&self, take: Take, gone: &Gone) -> Vec<Fate> {
        let components = link::components(&self.seen);
        let mut fates = vec![Fate::Settle; self.seen.len()];
        let mut closed = vec![i64::MIN; self.seen.len()];
        let mut starts = vec![i64::MAX; self.seen.len()];
        for (leg, &c) in components.iter().enumerate() {
            let seen = &self.seen[leg];
            let c = c as usize;
            if fates[c] == Fate::Late {
                continue;
            }
            if gone.contains(self, leg) {
                fates[c] = Fate::Late;
                continue;
            }
            if seen.count == 0 {
                // A parent named but never seen: it does not hold its call back.
                continue;
            }
            match (take, seen.closed) {
                (Take::All, _) => {}
                (Take::ClosedBy(_) | Take::Final { .. }, None) => fates[c] = Fate::Keep,
                (Take::ClosedBy(_) | Take::Final { .. }, Some(at)) => closed[c] = closed[c].max(at),
            }
            starts[c] = starts[c].min(seen.first.0);
        }
        match take {
            Take::ClosedBy(horizon) => {
                for (fate, &at) in fates.iter_mut().zip(&closed) {
                    if *fate == Fate::Settle && at > horizon {
                        *fate = Fate::Keep;
                    }
                }
            }
            Take::Final { expire_before } => {
                for (fate, &start) in fates.iter_mut().zip(&starts) {
                    if *fate == Fate::Keep && start < expire_before {
                        *fate = Fate::Settle;
                    }
                }
            }
            Take::All => {}
        }
        components.iter().map(|&c| fates[c as usize]).collect()
    }

    /// The calls kept, as a new assembler with a string table of their own; `self` keeps the
    /// calls settled, its late legs and events removed.
    fn split(&mut self, fates: &[Fate]) -> Assembler {
        let mut kept = Assembler::with_hasher(self.hasher.clone());
        // New index of each leg in its part.
        let mut index = vec![NO_LEG; fates.len()];
        let (mut settled_legs, mut kept_legs) = (0u32, 0u32);
        for (leg, fate) in fates.iter().enumerate() {
            match fate {
                Fate::Settle => {
                    index[leg] = settled_legs;
                    settled_legs += 1;
                }
                Fate::Keep => {
                    index[leg] = kept_legs;
                    kept_legs += 1;
                }
                Fate::Late => {}
            }
        }
        let remap_seen = |seen: &Seen| Seen {
            parent: if seen.parent == NO_LEG { NO_LEG } else { index[seen.parent as usize] },
            ..*seen
        };
        let (old_strings, unnamed) = (&self.strings, self.unnamed);
        let mut cache: HashMap<Sym, Sym> = HashMap::new();
        let mut to_kept = |sym: Sym, strings: &mut Strings| -> Sym {
            if sym == unnamed {
                return kept.unnamed;
            }
            *cache.entry(sym).or_insert_with(|| strings.intern(old_strings.resolve(sym)))
        };
        let mut kept_strings = std::mem::take(&mut kept.strings);
        for (leg, fate) in fates.iter().enumerate() {
            if *fate != Fate::Keep {
                continue;
            }
            let old = self.legs[leg];
            let uuid = to_kept(old.uuid, &mut kept_strings);
            let info = old.info.map(|info| {
                let parent = info.parent.map(|sym| to_kept(sym, &mut kept_strings));
                info.map(|sym| to_kept(sym, &mut kept_strings)).with_parent(parent)
            });
            kept.legs.push(Leg { uuid, info, events: old.events });
            kept.seen.push(remap_seen(&self.seen[leg]));
            kept.bits.push(self.bits[leg]);
        }
        let mut settled_events = 0;
        for i in 0..self.events.len() {
            let leg = self.event_legs[i] as usize;
            match fates[leg] {
                Fate::Settle => {
                    self.events[settled_events] = self.events[i];
                    self.event_legs[settled_events] = index[leg];
                    settled_events += 1;
                }
                Fate::Keep => {
                    let mut event = self.events[i];
                    let mut remap = |sym: Option<Sym>| sym.map(|sym| to_kept(sym, &mut kept_strings));
                    (event.state, event.close_cause) = (remap(event.state), remap(event.close_cause));
                    kept.events.push(event);
                    kept.event_legs.push(index[leg]);
                }
                Fate::Late => {}
            }
        }
        kept.strings = kept_strings;
        self.events.truncate(settled_events);
        self.event_legs.truncate(settled_events);
        let mut at = 0;
        for (leg, _) in fates.iter().enumerate().filter(|(_, &fate)| fate == Fate::Settle) {
            self.legs[at] = self.legs[leg];
            self.seen[at] = remap_seen(&self.seen[leg]);
            self.bits[at] = self.bits[leg];
            at += 1;
        }
        self.legs.truncate(at);
        self.seen.truncate(at);
        self.bits.truncate(at);
        // Each kept leg's last event, which a repeat is compared with, has a new index.
        for (at, (&leg, event)) in kept.event_legs.iter().zip(&kept.events).enumerate() {
            let seen = &mut kept.seen[leg as usize];
            (seen.last, seen.last_time) = (at as u32, event.time() as u32);
        }
        kept.index_legs();
        kept.latest = self.latest;
        kept.keep_redeliveries = self.keep_redeliveries;
        kept.redact = self.redact.as_ref().map(Redacting::fresh);
        kept
    }
}

/// One event of a call in flight, as a state file carries it to the next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedEvent<'a> {
    /// Where it was read: carried events keep their input order.
    pub seq: Seq,
    /// `event_time`, Unix seconds UTC.
    pub time: i64,
    /// Create, state update or close.
    pub kind: EventKind,
    /// Its leg's uuid.
    pub dialog_uuid: Cow<'a, str>,
    /// The state it carries.
    pub state: Option<&'a str>,
    /// The close cause it carries.
    pub close_cause: Option<&'a str>,
    /// On a create, what the leg's create says (the one that won), the parent by its uuid.
    pub create: Option<CreateFields<&'a str, Cow<'a, str>>>,
}

impl Assembler {
    /// Every event held (the calls in flight after a final pass), in input order.
    pub fn carried(&self) -> Vec<CarriedEvent<'_>> {
        let uuid = |leg: usize| -> Cow<'_, str> {
            if self.legs[leg].uuid == self.unnamed {
                Cow::Owned(String::from_utf8_lossy(&uuid::format(self.bits[leg])).into_owned())
            } else {
                Cow::Borrowed(self.strings.resolve(self.legs[leg].uuid))
            }
        };
        let text = |sym: Option<Sym>| sym.map(|sym| self.strings.resolve(sym));
        let mut events: Vec<CarriedEvent<'_>> = self
            .events
            .iter()
            .zip(&self.event_legs)
            .map(|(event, &leg)| {
                let leg = leg as usize;
                let create = (event.kind() == EventKind::Create).then(|| {
                    let info = self.legs[leg].info.unwrap_or_default();
                    let parent = self.seen[leg].parent;
                    let parent = (parent != NO_LEG).then(|| uuid(parent as usize));
                    info.map(|sym| self.strings.resolve(sym)).with_parent(parent)
                });
                CarriedEvent {
                    seq: event.seq,
                    time: event.time(),
                    kind: event.kind(),
                    dialog_uuid: uuid(leg),
                    state: text(event.state),
                    close_cause: text(event.close_cause),
                    create,
                }
            })
            .collect();
        events.sort_by_key(|event| event.seq);
        events
    }
}
