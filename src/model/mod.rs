//! The rebuilt data: events grouped into legs, legs grouped into calls, with the strings
//! interned once. Produced by `assemble`, read by every command.
//!
//! The layout is flat on purpose: one `Vec` each of events, legs and calls, where a call owns a
//! contiguous span of legs and of events. That keeps memory proportional to the number of
//! events with no per-leg allocation, and lets commands walk a call's events in order. This
//! module holds no logic beyond lookups; figures live in `metrics`.

use std::ops::Range;

use bitflags::bitflags;

pub mod intern;

use crate::event::{CreateFields, EventKind};
use crate::metrics::CallFigures;
pub use intern::{Strings, Sym};

/// The position of a line in the input: which file, which line. Ordering by `Seq` is input
/// order, which breaks ties between events of the same second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seq(u64);

impl Seq {
    const LINE_BITS: u32 = 40;

    /// The position of line `line` (1-based) of input number `source` (0-based).
    pub fn new(source: usize, line: u64) -> Self {
        Seq(((source as u64) << Self::LINE_BITS) | (line & ((1 << Self::LINE_BITS) - 1)))
    }

    /// The input's index in [`Dataset::sources`].
    pub fn source(self) -> usize {
        (self.0 >> Self::LINE_BITS) as usize
    }

    /// The 1-based line number within that input.
    pub fn line(self) -> u64 {
        self.0 & ((1 << Self::LINE_BITS) - 1)
    }
}

/// A contiguous run of indices into one of the dataset's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First index.
    pub start: u32,
    /// One past the last index.
    pub end: u32,
}

impl Span {
    /// As a range for slicing.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Number of items.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span holds nothing.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// One call event of one leg, in 24 bytes: there are millions. Its leg is the one whose
/// span of [`Dataset::events`] holds it.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct LegEvent {
    /// `event_time` (Unix seconds UTC) shifted left by three, then the kind in two bits and
    /// the re-delivery mark in one. Event times are those of years 0 to 9999, far inside
    /// the 61 bits left.
    packed: i64,
    /// Where it was read.
    pub seq: Seq,
    /// The state it carries, if any.
    pub state: Option<Sym>,
    /// The close cause, on closes.
    pub close_cause: Option<Sym>,
}

impl LegEvent {
    /// An event, not (yet) a re-delivery.
    pub fn new(time: i64, seq: Seq, kind: EventKind, state: Option<Sym>, close_cause: Option<Sym>) -> Self {
        let kind = match kind {
            EventKind::Create => 0,
            EventKind::State => 1,
            EventKind::Close => 2,
        };
        LegEvent { packed: time.wrapping_shl(3) | kind << 1, seq, state, close_cause }
    }

    /// `event_time`, Unix seconds UTC.
    pub fn time(&self) -> i64 {
        self.packed >> 3
    }

    /// Create, state update or close.
    pub fn kind(&self) -> EventKind {
        match self.packed >> 1 & 3 {
            0 => EventKind::Create,
            1 => EventKind::State,
            _ => EventKind::Close,
        }
    }

    /// An exact re-delivery of an earlier event; it counts for nothing.
    pub fn duplicate(&self) -> bool {
        self.packed & 1 == 1
    }

    /// Marks (or unmarks) the event as a re-delivery.
    pub fn set_duplicate(&mut self, duplicate: bool) {
        self.packed = self.packed & !1 | i64::from(duplicate);
    }
}

impl std::fmt::Debug for LegEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegEvent")
            .field("time", &self.time())
            .field("seq", &self.seq)
            .field("kind", &self.kind())
            .field("state", &self.state)
            .field("close_cause", &self.close_cause)
            .field("duplicate", &self.duplicate())
            .finish()
    }
}

/// What a leg's `dialog_create` said about it; its parent is the parent leg's uuid
/// (`caller_dialog_uuid` when not the leg's own).
pub(crate) type LegInfo = CreateFields<Sym>;

/// One party's side of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// `dialog_uuid`.
    pub uuid: Sym,
    /// From its `dialog_create`; `None` when that never arrived.
    pub info: Option<LegInfo>,
    /// Its events in [`Dataset::events`], sorted by (time, input order).
    pub events: Span,
}

bitflags! {
    /// Data-quality flags of a leg or a call.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
    pub struct Flags: u16 {
        /// A leg's `dialog_create` never arrived.
        const INCOMPLETE = 1 << 0;
        /// A leg was never closed.
        const OPEN = 1 << 1;
        /// A leg has an event after its close.
        const STATE_AFTER_CLOSE = 1 << 2;
        /// A leg has an event earlier than its create.
        const EVENT_BEFORE_CREATE = 1 << 3;
        /// Legs name each other as parents in a cycle.
        const LINK_CYCLE = 1 << 4;
        /// Legs name a parent leg that never appeared in the input.
        const MISSING_ROOT = 1 << 5;
    }
}

impl Flags {
    /// Stable names, in this order, as written in outputs.
    pub const NAMES: [(Flags, &'static str); 6] = [
        (Flags::INCOMPLETE, "incomplete"),
        (Flags::OPEN, "open"),
        (Flags::STATE_AFTER_CLOSE, "state_after_close"),
        (Flags::EVENT_BEFORE_CREATE, "event_before_create"),
        (Flags::LINK_CYCLE, "link_cycle"),
        (Flags::MISSING_ROOT, "missing_root"),
    ];

    /// The flags that make a call suspicious rather than merely unfinished.
    pub const SUSPICIOUS: Flags = Flags::STATE_AFTER_CLOSE.union(Flags::EVENT_BEFORE_CREATE).union(Flags::LINK_CYCLE);

    /// The set names joined by `;` (empty when clean).
    pub fn names(self) -> String {
        let names: Vec<&str> =
            Flags::NAMES.iter().filter(|(flag, _)| self.contains(*flag)).map(|(_, name)| *name).collect();
        names.join(";")
    }
}

/// A rebuilt call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The root leg's uuid.
    pub id: Sym,
    /// Its legs in [`Dataset::legs`], in order of their first event.
    pub legs: Span,
    /// All events of its legs in [`Dataset::events`] (grouped by leg).
    pub events: Span,
    /// Its figures, as `docs/figures.md` defines them.
    pub figures: CallFigures,
}

/// Strings the figures compare against, interned once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// State `answered`.
    pub answered: Sym,
    /// State `talking`.
    pub talking: Sym,
    /// Close cause `HANGUP`.
    pub hangup: Sym,
    /// Close cause `DIALOG_LEFT`.
    pub dialog_left: Sym,
    /// Dialog type `EXTERNAL` (the client).
    pub external: Sym,
    /// Dialog type `CONSULTANT`.
    pub consultant: Sym,
}

impl Known {
    /// Interns the constants into a string table.
    pub fn intern(strings: &mut Strings) -> Self {
        Known {
            answered: strings.intern("answered"),
            talking: strings.intern("talking"),
            hangup: strings.intern("HANGUP"),
            dialog_left: strings.intern("DIALOG_LEFT"),
            external: strings.intern("EXTERNAL"),
            consultant: strings.intern("CONSULTANT"),
        }
    }
}

/// Everything rebuilt from the input.
#[derive(Debug)]
pub struct Dataset {
    /// The interned strings.
    pub strings: Strings,
    /// Interned constants.
    pub known: Known,
    /// Display names of the inputs, indexed by [`Seq::source`].
    pub sources: Vec<String>,
    /// All call events kept, grouped by leg, legs grouped by call.
    pub events: Vec<LegEvent>,
    /// All legs, grouped by call.
    pub legs: Vec<Leg>,
    /// All calls, sorted by (start, call_id).
    pub calls: Vec<Call>,
    /// How many events were exact re-deliveries: marked in `events`, or dropped on the way in;
    /// none counts in the figures.
    pub duplicates: u64,
}

impl Dataset {
    /// Resolves an interned string.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// Resolves an optional interned string.
    pub fn opt_str(&self, sym: Option<Sym>) -> Option<&str> {
        sym.map(|s| self.str(s))
    }

    /// The legs of a call.
    pub fn legs_of(&self, call: &Call) -> &[Leg] {
        &self.legs[call.legs.range()]
    }

    /// The index in [`Dataset::legs`] of the leg of event `index` of `call`.
    pub fn leg_of_event(&self, call: &Call, index: u32) -> u32 {
        let legs = &self.legs[call.legs.range()];
        call.legs.start + legs.partition_point(|leg| leg.events.end <= index) as u32
    }

    /// The events of a leg, sorted by (time, input order), duplicates included.
    pub fn events_of(&self, leg: &Leg) -> &[LegEvent] {
        &self.events[leg.events.range()]
    }
}
