//! One block of input lines -> a [`Batch`]: its call events in compact form, with the block's
//! own string table and the block's own line accounting.
//!
//! This is the work parser threads do in parallel, sharing nothing with other blocks. Strings
//! are numbered within the block ([`BlockStrings`]) and canonical leg uuids become 128 bits
//! with their hash ([`LegKey`]), so the thread that merges blocks interns each distinct string
//! of a block once and finds each leg with one probe. Lines are numbered from 1 within the
//! block: `load` adds each block's offset when it merges blocks back in input order, so the
//! result is the same as a sequential read.
//!
//! An exact re-delivery of an event already in the block (same leg, kind, time, state and
//! cause) is only counted, not kept: the first delivery is the one that counts, and a flood
//! of re-deliveries must not cost memory. Whoever lists every event asks to keep them.

use hashbrown::HashTable;

use crate::diagnostics::Diagnostics;
use crate::event::uuid::{self, Bits};
use crate::event::{self, CallView, CreateFields, EventKind, LineError, LineView};
use crate::input::Block;
use crate::model::intern::{BlockStrings, Local};

/// Hashes leg keys: the same (per-run random) key on every thread, so a hash computed by a
/// parser thread is valid in the merging thread's table.
pub type KeyHasher = ahash::RandomState;

/// Which leg an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKey {
    /// A canonical uuid.
    Uuid {
        /// The uuid's 128 bits.
        bits: Bits,
        /// Their hash by the run's [`KeyHasher`].
        hash: u64,
    },
    /// Any other text, as a string of the block.
    Text(Local),
}

impl LegKey {
    /// The key of a leg uuid, its text interned in `strings` unless it is canonical.
    pub fn new(text: &str, strings: &mut BlockStrings, hasher: &KeyHasher) -> Self {
        match uuid::parse(text) {
            Some(bits) => LegKey::Uuid { bits, hash: hasher.hash_one(bits) },
            None => LegKey::Text(strings.intern(text)),
        }
    }
}

/// A call event with its strings numbered in its block: what the assembler keeps of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedEvent {
    /// Line number within its block (1-based).
    pub line: u64,
    /// Its leg, as an index into [`Batch::legs`].
    pub leg: u32,
    /// `event_time`, Unix seconds UTC.
    pub time: i64,
    /// Create, state update or close.
    pub kind: EventKind,
    /// The state carried.
    pub state: Option<Local>,
    /// The close cause carried.
    pub close_cause: Option<Local>,
}

/// One leg as one block saw it: what the assembler needs to know of it, gathered by the
/// parser thread so the merging thread looks each leg up once a block, not once an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLeg {
    /// The leg.
    pub key: LegKey,
    /// Its earliest event in the block: time and line.
    pub first: (i64, u64),
    /// Its events in the block.
    pub count: u32,
    /// Its create that [`create_wins`] in the block: its time, and what it says, as an index
    /// into [`Batch::creates`].
    pub create: Option<(i64, u32)>,
    /// Its first and its last event kept, as indices into [`Batch::events`].
    pub events: (u32, u32),
    /// The latest time of its events: an event after it repeats none of them.
    latest: i64,
    /// Its events are in [`Batch::event_index`]: it has too many to compare one by one.
    indexed: bool,
}

/// Whether a leg's `dialog_create` at `candidate` replaces the one kept, made at `kept`: the
/// earliest create describes the leg. Creates are offered in input order, within a block and
/// across blocks, so of two in the same second the one read first stays: a later line never
/// wins a tie. The one home of the rule, for a block here and across blocks in `assemble`.
pub(crate) fn create_wins(candidate: i64, kept: Option<i64>) -> bool {
    kept.is_none_or(|kept| candidate < kept)
}

/// What a `dialog_create` says about its leg, its strings numbered in its block and its
/// parent as a leg key.
pub(crate) type ParsedCreate = CreateFields<Local, LegKey>;

/// Everything one block yielded.
#[derive(Debug, Default)]
pub struct Batch {
    /// Lines in the block.
    pub lines: u64,
    /// Its call events, in line order.
    pub events: Vec<ParsedEvent>,
    /// The distinct legs of its events, in order of first sight.
    pub legs: Vec<BatchLeg>,
    /// What its creates say, indexed by [`BatchLeg::create`].
    pub creates: Vec<ParsedCreate>,
    /// The distinct strings of its events.
    pub strings: BlockStrings,
    /// Its line accounting; bad lines numbered within the block.
    pub diagnostics: Diagnostics,
    /// Exact re-deliveries of an event of the block, counted and not kept in `events`.
    pub redeliveries: u64,
    /// Keep re-deliveries in `events` too (for listings of every event); set by the owner.
    pub keep_redeliveries: bool,
    /// `legs` by the hash of their keys.
    leg_index: HashTable<u32>,
    /// For each event, the one of its leg kept before it, or [`NO_EVENT`].
    previous: Vec<u32>,
    /// The events of legs with many in the block, by the hash of what makes them the same.
    event_index: HashTable<u32>,
}

/// Marks "no event" in event indices.
const NO_EVENT: u32 = u32::MAX;

/// A leg's events in a block are compared one by one with a new one up to this many (real
/// legs have a few); past it they are indexed by hash, so a hostile block costs no more.
const COMPARED: u32 = 32;

impl Batch {
    /// An empty block whose strings and keys hash with `hasher`.
    pub fn new(hasher: &KeyHasher) -> Self {
        Batch { strings: BlockStrings::with_hasher(hasher.clone()), ..Batch::default() }
    }

    /// Empties the block for the next one, keeping its memory: a few blocks go round between
    /// parser threads and the merging thread instead of being allocated afresh.
    pub(crate) fn clear(&mut self) {
        self.lines = 0;
        self.events.clear();
        self.legs.clear();
        self.creates.clear();
        self.strings.clear();
        self.diagnostics = Diagnostics::default();
        self.redeliveries = 0;
        self.leg_index.clear();
        self.previous.clear();
        self.event_index.clear();
    }

    /// Adds one call event read at line `line` of the block.
    pub fn push(&mut self, event: &CallView<'_>, line: u64, hasher: &KeyHasher) {
        let strings = &mut self.strings;
        let mut intern = |s: Option<&str>| s.map(|s| strings.intern(s));
        let state = intern(event.state);
        let close_cause = intern(event.close_cause);
        let create = event.create.map(|create| {
            let parent = create.parent.map(|parent| LegKey::new(parent, &mut self.strings, hasher));
            self.creates.push(create.with_parent(parent).map(|s| self.strings.intern(s)));
            self.creates.len() as u32 - 1
        });
        let key = LegKey::new(event.dialog_uuid, &mut self.strings, hasher);
        let at = (event.time, line);
        let leg = self.leg(key, at, hasher);
        let (kind, time) = (event.kind, event.time);
        let parsed = ParsedEvent { line, leg, time, kind, state, close_cause };
        if !self.keep_redeliveries && self.is_redelivery(&parsed, hasher) {
            // A create of a re-delivery never wins: an earlier line has its time.
            self.creates.truncate(self.creates.len() - usize::from(create.is_some()));
            self.redeliveries += 1;
            return;
        }
        let at_event = self.events.len() as u32;
        let seen = &mut self.legs[leg as usize];
        if at < seen.first {
            seen.first = at;
        }
        self.previous.push(if seen.count == 0 { NO_EVENT } else { seen.events.1 });
        seen.events = (if seen.count == 0 { at_event } else { seen.events.0 }, at_event);
        seen.latest = seen.latest.max(time);
        seen.count += 1;
        if let Some(create) = create {
            if create_wins(event.time, seen.create.map(|(kept, _)| kept)) {
                seen.create = Some((event.time, create));
            }
        }
        let index = !self.keep_redeliveries && (seen.indexed || seen.count == COMPARED);
        seen.indexed |= index;
        self.events.push(parsed);
        if index {
            self.index_events(leg, hasher);
        }
    }

    /// Puts the events of `leg` not yet in [`Batch::event_index`] there: all of them when it
    /// reaches [`COMPARED`], then each new one.
    fn index_events(&mut self, leg: u32, hasher: &KeyHasher) {
        let leg = &self.legs[leg as usize];
        let all = leg.count == COMPARED;
        let events = &self.events;
        let rehash = |&at: &u32| hasher.hash_one(same_event(&events[at as usize]));
        let mut at = leg.events.1;
        while at != NO_EVENT {
            self.event_index.insert_unique(rehash(&at), at, rehash);
            at = if all { self.previous[at as usize] } else { NO_EVENT };
        }
    }

    /// True when the block already has this very event (in an earlier line). Only an event no
    /// later than its leg's latest can be one; it is compared with the leg's events back to
    /// front (lines mostly come in time order), or looked up when they are many.
    fn is_redelivery(&self, event: &ParsedEvent, hasher: &KeyHasher) -> bool {
        let leg = &self.legs[event.leg as usize];
        if leg.count == 0 || event.time > leg.latest {
            return false;
        }
        let events = &self.events;
        if leg.indexed {
            let hash = hasher.hash_one(same_event(event));
            return self.event_index.find(hash, |&at| same_event(&events[at as usize]) == same_event(event)).is_some();
        }
        let mut at = leg.events.1;
        while at != NO_EVENT {
            if same_event(&events[at as usize]) == same_event(event) {
                return true;
            }
            at = self.previous[at as usize];
        }
        false
    }

    /// The index of the leg with `key` in `legs`, added on first sight at `at`.
    fn leg(&mut self, key: LegKey, at: (i64, u64), hasher: &KeyHasher) -> u32 {
        let hash = match key {
            LegKey::Uuid { hash, .. } => hash,
            LegKey::Text(local) => hasher.hash_one(local),
        };
        let legs = &self.legs;
        if let Some(&leg) = self.leg_index.find(hash, |&leg| legs[leg as usize].key == key) {
            return leg;
        }
        self.legs.push(BatchLeg {
            key,
            first: at,
            count: 0,
            create: None,
            events: (0, 0),
            latest: at.0,
            indexed: false,
        });
        let leg = self.legs.len() as u32 - 1;
        let legs = &self.legs;
        let rehash = |&leg: &u32| match legs[leg as usize].key {
            LegKey::Uuid { hash, .. } => hash,
            LegKey::Text(local) => hasher.hash_one(local),
        };
        self.leg_index.insert_unique(hash, leg, rehash);
        leg
    }

    fn account(&mut self, line: u64, result: Result<LineView<'_>, LineError>, source: &str, hasher: &KeyHasher) {
        self.lines = line;
        match result {
            Ok(LineView::Blank) => self.diagnostics.counts.blank_lines += 1,
            Ok(LineView::Other(event_name)) => self.diagnostics.other_event(event_name),
            Ok(LineView::Call(event)) => self.push(&event, line, hasher),
            Err(error) => self.diagnostics.bad_line(source, line, error),
        }
    }
}

/// What makes two events of a block the same event: an exact re-delivery has it all.
fn same_event(event: &ParsedEvent) -> (u32, i64, EventKind, Option<Local>, Option<Local>) {
    (event.leg, event.time, event.kind, event.state, event.close_cause)
}

/// Parses every line of a block. `source` names the input in bad-line reports.
pub fn parse_batch(block: &Block, source: &str, max_line_bytes: usize, hasher: &KeyHasher) -> Batch {
    let mut parsed = Batch::new(hasher);
    parse_batch_into(block, source, max_line_bytes, hasher, &mut parsed);
    parsed
}

/// [`parse_batch`] into `parsed`, emptied first.
pub(crate) fn parse_batch_into(
    block: &Block,
    source: &str,
    max_line_bytes: usize,
    hasher: &KeyHasher,
    parsed: &mut Batch,
) {
    parsed.clear();
    match block {
        Block::TooLong(len) => {
            parsed.account(1, Err(LineError::TooLong { len: *len, limit: max_line_bytes }), source, hasher)
        }
        Block::Lines(bytes) => {
            let mut line = 0;
            event::parse_block_lines(bytes, max_line_bytes, |result| {
                line += 1;
                parsed.account(line, result, source, hasher);
            });
        }
    }
    parsed.diagnostics.counts.lines = parsed.lines;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_create_wins_and_a_tie_keeps_the_one_read_first() {
        assert!(create_wins(5, None));
        assert!(create_wins(4, Some(5)));
        assert!(!create_wins(5, Some(5)), "a later line never wins a tie");
        assert!(!create_wins(6, Some(5)));
    }

    #[test]
    fn events_keep_their_strings_and_legs() {
        let hasher = KeyHasher::new();
        let block = concat!(
            r#"{"event_type":"user_dialog","event_name":"dialog_create","event_time":"2020-08-25 16:24:47","dialog_uuid":"bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d","state":"ringing","dialog_type":"EXTERNAL","initial_application_info":{"data":{"caller_dialog_uuid":"leg-one"}}}"#,
            "\n\n",
            r#"{"event_type":"user_dialog","event_name":"dialog_close","event_time":"2020-08-25 16:25:09","dialog_uuid":"leg-one","close_cause":"HANGUP"}"#,
            "\nnot json\n"
        );
        let parsed = parse_batch(&Block::Lines(block.as_bytes().to_vec()), "x", 1000, &hasher);
        assert_eq!((parsed.lines, parsed.events.len(), parsed.creates.len()), (4, 2, 1));
        let counts = &parsed.diagnostics.counts;
        assert_eq!((counts.blank_lines, counts.bad_lines), (1, 1));
        let (create, close) = (parsed.events[0], parsed.events[1]);
        let text = |local: Option<Local>| local.map(|l| parsed.strings.resolve(l));
        assert_eq!((create.line, close.line), (1, 3));
        let (created, closed) = (parsed.legs[create.leg as usize], parsed.legs[close.leg as usize]);
        assert!(matches!(created.key, LegKey::Uuid { .. }));
        assert_eq!(closed.key, LegKey::Text(parsed.strings.clone().intern("leg-one")));
        assert_eq!(
            (created.count, created.first, created.create.map(|c| c.0)),
            (1, (create.time, 1), Some(create.time))
        );
        assert_eq!((closed.count, closed.create), (1, None));
        assert_eq!(parsed.creates[0].parent, Some(closed.key));
        assert_eq!(text(create.state), Some("ringing"));
        assert_eq!(text(parsed.creates[0].dialog_type), Some("EXTERNAL"));
        assert_eq!(text(close.close_cause), Some("HANGUP"));
        let again = parse_batch(&Block::Lines(block.as_bytes().to_vec()), "x", 1000, &hasher);
        assert_eq!(again.legs[0].key, created.key, "keys hash the same in every block of a run");
    }

    #[test]
    fn a_block_keeps_each_event_once_however_many_its_leg_has() {
        let hasher = KeyHasher::new();
        let line = |state: usize, second: usize| {
            format!(
                r#"{{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2026-03-10 10:00:{:02}","dialog_uuid":"abc00000-0000-4000-8000-000000000001","state":"s{state}"}}"#,
                second % 60
            )
        };
        // A few events, then more than are compared one by one; in order, and cycling back.
        for distinct in [3, COMPARED as usize + 1, 200] {
            let lines: Vec<String> = (0..10 * distinct).map(|i| line(i % distinct, i % distinct / 7)).collect();
            let block = Block::Lines(lines.join("\n").into_bytes());
            let parsed = parse_batch(&block, "x", 1000, &hasher);
            assert_eq!((parsed.events.len(), parsed.redeliveries), (distinct, 9 * distinct as u64));
            let mut kept = Batch::new(&hasher);
            kept.keep_redeliveries = true;
            parse_batch_into(&block, "x", 1000, &hasher, &mut kept);
            assert_eq!((kept.events.len(), kept.redeliveries), (10 * distinct, 0));
        }
    }
}
