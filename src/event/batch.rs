//! One block of input lines -> a [`Batch`]: its call events in compact form, with the block's
//! own string table and the block's own line accounting.
//!
//! This is the work parser threads do in parallel, sharing nothing with other blocks. Strings
//! are numbered within the block ([`BlockStrings`]) and canonical leg uuids become 128 bits
//! with their hash ([`LegKey`]), so the thread that merges blocks interns each distinct string
//! of a block once and finds each leg with one probe. Lines are numbered from 1 within the
//! block: `load` adds each block's offset when it merges blocks back in input order, so the
//! result is the same as a sequential read.

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
    /// A canonical uuid, as bits, with their hash by the run's [`KeyHasher`].
    Uuid { bits: Bits, hash: u64 },
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
}

/// Whether a leg's `dialog_create` at `candidate` replaces the one kept, made at `kept`: the
/// earliest create describes the leg. Creates are offered in input order, within a block and
/// across blocks, so of two in the same second the one read first stays: a later line never
/// wins a tie. The one home of the rule, for a block here and across blocks in `assemble`.
pub fn create_wins(candidate: i64, kept: Option<i64>) -> bool {
    kept.is_none_or(|kept| candidate < kept)
}

/// What a `dialog_create` says about its leg, its strings numbered in its block and its
/// parent as a leg key.
pub type ParsedCreate = CreateFields<Local, LegKey>;

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
    /// `legs` by the hash of their keys.
    leg_index: HashTable<u32>,
}

impl Batch {
    /// An empty block whose strings and keys hash with `hasher`.
    pub fn new(hasher: &KeyHasher) -> Self {
        Batch { strings: BlockStrings::with_hasher(hasher.clone()), ..Batch::default() }
    }

    /// Empties the block for the next one, keeping its memory: a few blocks go round between
    /// parser threads and the merging thread instead of being allocated afresh.
    pub fn clear(&mut self) {
        self.lines = 0;
        self.events.clear();
        self.legs.clear();
        self.creates.clear();
        self.strings.clear();
        self.diagnostics = Diagnostics::default();
        self.leg_index.clear();
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
        let seen = &mut self.legs[leg as usize];
        if at < seen.first {
            seen.first = at;
        }
        seen.count += 1;
        if let Some(create) = create {
            if create_wins(event.time, seen.create.map(|(kept, _)| kept)) {
                seen.create = Some((event.time, create));
            }
        }
        let (kind, time) = (event.kind, event.time);
        self.events.push(ParsedEvent { line, leg, time, kind, state, close_cause });
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
        self.legs.push(BatchLeg { key, first: at, count: 0, create: None });
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

/// Parses every line of a block. `source` names the input in bad-line reports.
pub fn parse_batch(block: &Block, source: &str, max_line_bytes: usize, hasher: &KeyHasher) -> Batch {
    let mut parsed = Batch::new(hasher);
    parse_batch_into(block, source, max_line_bytes, hasher, &mut parsed);
    parsed
}

/// [`parse_batch`] into `parsed`, emptied first.
pub fn parse_batch_into(block: &Block, source: &str, max_line_bytes: usize, hasher: &KeyHasher, parsed: &mut Batch) {
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
}
