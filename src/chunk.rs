//! One block of lines -> compact, interned events, with the block's own line accounting.
//!
//! This is the work parser threads do in parallel. It shares nothing with other blocks but
//! the concurrent string table, and it numbers lines from 1 within the block: `load` adds each
//! block's offset when it merges blocks back in input order, so the result is the same as a
//! sequential read.

use crate::diagnostics::Diagnostics;
use crate::event::{self, CallEvent, EventKind, LineError, Parsed};
use crate::input::Block;
use crate::model::{LegInfo, Strings, Sym};

/// A call event with its strings interned: what the assembler keeps of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedEvent {
    /// Line number within its block (1-based).
    pub line: u64,
    /// The leg's uuid.
    pub uuid: Sym,
    /// `event_time`, Unix seconds UTC.
    pub time: i64,
    /// Create, state update or close.
    pub kind: EventKind,
    /// The state carried.
    pub state: Option<Sym>,
    /// The close cause carried.
    pub close_cause: Option<Sym>,
    /// What a create says about its leg.
    pub info: Option<LegInfo>,
}

impl ParsedEvent {
    /// Interns a borrowed event's strings.
    pub fn intern(event: &CallEvent<'_>, line: u64, strings: &Strings) -> Self {
        let intern = |s: &Option<std::borrow::Cow<'_, str>>| s.as_deref().map(|s| strings.get_or_intern(s));
        ParsedEvent {
            line,
            uuid: strings.get_or_intern(&*event.dialog_uuid),
            time: event.time,
            kind: event.kind,
            state: intern(&event.state),
            close_cause: intern(&event.close_cause),
            info: event.create.as_ref().map(|create| LegInfo {
                parent: intern(&create.parent),
                dialog_type: intern(&create.dialog_type),
                business_direction: intern(&create.business_direction),
                self_target: intern(&create.self_target),
                peer_username: intern(&create.peer_username),
                peer_project_name: intern(&create.peer_project_name),
                username: intern(&create.username),
                project: intern(&create.project),
            }),
        }
    }
}

/// Everything one block yielded.
#[derive(Debug, Default)]
pub struct ParsedBlock {
    /// Lines in the block.
    pub lines: u64,
    /// Its call events, in line order.
    pub events: Vec<ParsedEvent>,
    /// Its line accounting; bad lines numbered within the block.
    pub diagnostics: Diagnostics,
}

/// Parses every line of a block. `source` names the input in bad-line reports.
pub fn parse_block(block: &Block, source: &str, max_line_bytes: usize, strings: &Strings) -> ParsedBlock {
    let mut parsed = ParsedBlock::default();
    let too_long = |len| Err(LineError::TooLong { len, limit: max_line_bytes });
    match block {
        Block::TooLong(len) => parsed.account(1, too_long(*len), source, strings),
        Block::Lines(bytes) => {
            let mut line = 0;
            event::parse_block_lines(bytes, max_line_bytes, |result| {
                line += 1;
                parsed.account(line, result, source, strings);
            });
        }
    }
    parsed.diagnostics.counts.lines = parsed.lines;
    parsed
}

impl ParsedBlock {
    fn account(&mut self, line: u64, result: Result<Parsed<'_>, LineError>, source: &str, strings: &Strings) {
        self.lines = line;
        let diagnostics = &mut self.diagnostics;
        match result {
            Ok(Parsed::Blank) => diagnostics.counts.blank_lines += 1,
            Ok(Parsed::Other(event_name)) => diagnostics.other_event(&event_name),
            Ok(Parsed::Call(event)) => self.events.push(ParsedEvent::intern(&event, line, strings)),
            Err(error) => diagnostics.bad_line(source, line, error),
        }
    }
}
