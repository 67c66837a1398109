//! Finding one call by one of its legs, in large logs, without parsing every line.
//!
//! A full load parses every line as JSON. To find one call, this module looks at the raw bytes
//! first and parses only the lines that contain a uuid of interest. That set grows as links are
//! learned (a leg's create names its parent; a child's create names a leg already wanted), and
//! a link can sit before or after the line that reveals it: asking for the second consultant
//! offered an inbound call reveals the client leg only at that consultant's create, after the
//! first consultant's create (which names the client leg) has gone by. Links mostly point back a
//! few minutes, so the last few MiB of lines are kept and checked again whenever the set grows.
//! Lines before that window are covered by reading the inputs as a ring: scanning wraps around
//! to the first input and goes on up to the window's start at the last growth; growth on the
//! way extends the ring. When it stops, every line has been checked against the final set. The
//! usual cost is one turn plus the way back to the call.
//!
//! Hostile shapes make that cost grow with the legs: a long chain linked in reverse order
//! learns one leg per check of the window, or per turn of the ring when links are far apart,
//! and every growth rebuilds the searcher. So the search keeps an account of its work, and
//! once that passes a few readings of the inputs it gives up: the caller then loads every
//! line, which costs one reading whatever the call looks like.
//!
//! The lines found are then replayed through the normal loader at their own line numbers (the
//! lines between them replayed as blank), so the call is assembled, de-duplicated and measured
//! by exactly the code of a full load and comes out identical.
//!
//! JSON may spell a character of a uuid as an escape (`\u0063` for `c`), which a byte search
//! would miss; lines holding such an escape are parsed too, so the search never loses a line.
//!
//! This module does not decide when to use it: inputs are read more than once, so it needs
//! regular files ([`locate`] declines stdin and pipes), and bad lines are seen only when they
//! mention the call. The command falls back to the full load otherwise, and when the search
//! gives up.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt;
use std::io::{BufRead, Cursor};

use anyhow::Context;
use memchr::memmem;

use crate::diagnostics::Diagnostics;
use crate::event::{self, CallEvent, LineError, Parsed};
use crate::exit::UsageError;
use crate::input::{self, InputSpec, Line, LineReader};
use crate::load::{self, LoadOptions, Loaded};
use crate::model::{Call, Dataset, Seq};

mod matcher;
#[cfg(test)]
mod tests;

use matcher::Matcher;

/// How much of the latest input is kept to be checked again when a link is learned: links
/// point back minutes at most, which a few MiB of a busy log cover.
const WINDOW_BYTES: usize = 8 * 1024 * 1024;

/// The search gives up once its work passes this many readings of the inputs (plus
/// [`FREE_WORK`]): one turn of the ring, the way back, and the window's checks fit.
const PASSES: u64 = 4;

/// Work every search may do whatever the size of the inputs, so that a small log never gives
/// up for want of bytes to weigh against.
const FREE_WORK: u64 = 64 * 1024 * 1024;

/// Building the searcher costs about this many bytes of matching per byte of pattern.
const BUILD_WEIGHT: u64 = 32;

/// The shortest prefix accepted for a uuid: 8 hex digits are unique in any realistic log.
pub const MIN_PREFIX: usize = 8;

/// A call asked for by one of its legs: a full `dialog_uuid` or a prefix of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallId(String);

impl CallId {
    /// Reads the user's ID; shorter than [`MIN_PREFIX`] characters is a usage error, since it
    /// would match too much to be useful.
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        let id = text.trim();
        if id.chars().count() < MIN_PREFIX {
            return Err(UsageError(format!(
                "--call {id:?} is too short: give a full dialog_uuid or at least {MIN_PREFIX} of its first characters"
            )));
        }
        Ok(CallId(id.to_owned()))
    }

    /// The ID as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `uuid` is this ID or starts with it.
    pub fn matches(&self, uuid: &str) -> bool {
        uuid.starts_with(&self.0)
    }
}

/// One leg an ambiguous ID matched, and the call it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The leg's uuid (or the call id of a call whose root never appeared).
    pub dialog_uuid: String,
    /// Its call.
    pub call_id: String,
    /// The call's start, Unix seconds.
    pub start: i64,
}

/// Why an ID does not name exactly one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// No leg has this uuid or prefix.
    NotFound(CallId),
    /// Legs of several calls match the prefix.
    Ambiguous(CallId, Vec<Candidate>),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound(id) => write!(f, "no call has a leg whose dialog_uuid is or starts with {:?}", id.0),
            LookupError::Ambiguous(id, candidates) => {
                write!(f, "--call {:?} matches legs of {} calls; give more characters:", id.0, candidates.len())?;
                for c in candidates {
                    write!(f, "\n  {}  (call {})", c.dialog_uuid, c.call_id)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for LookupError {}

/// The one call with a leg (or call id) that is `id` or starts with it. An exact uuid wins over
/// longer uuids it happens to prefix; several legs of one call are no ambiguity.
pub fn find_call<'a>(ds: &'a Dataset, id: &CallId) -> Result<&'a Call, LookupError> {
    let mut hits: Vec<(usize, &str)> = Vec::new();
    for (index, call) in ds.calls.iter().enumerate() {
        let uuids = ds.legs_of(call).iter().map(|leg| ds.str(leg.uuid)).chain([ds.str(call.id)]);
        hits.extend(uuids.filter(|uuid| id.matches(uuid)).map(|uuid| (index, uuid)));
    }
    if hits.iter().any(|(_, uuid)| *uuid == id.0) {
        hits.retain(|(_, uuid)| *uuid == id.0);
    }
    hits.sort_unstable();
    hits.dedup_by_key(|(index, _)| *index);
    match hits.as_slice() {
        [] => Err(LookupError::NotFound(id.clone())),
        [(index, _)] => Ok(&ds.calls[*index]),
        many => {
            let candidates = many
                .iter()
                .map(|&(index, uuid)| Candidate {
                    dialog_uuid: uuid.to_owned(),
                    call_id: ds.str(ds.calls[index].id).to_owned(),
                    start: ds.calls[index].figures.start,
                })
                .collect();
            Err(LookupError::Ambiguous(id.clone(), candidates))
        }
    }
}

/// Loads only the lines of the calls with a leg matching `id`, or returns `None` when an input
/// cannot be read twice (stdin, a pipe, a missing file) or the search stops paying: the caller
/// then loads everything, which also reports the missing file properly.
pub fn locate(inputs: &[InputSpec], id: &CallId, options: &LoadOptions) -> anyhow::Result<Option<Loaded>> {
    let rereadable = |spec: &InputSpec| match spec {
        InputSpec::Stdin => false,
        InputSpec::Path(path) => std::fs::metadata(path).is_ok_and(|meta| meta.is_file()),
    };
    if !inputs.iter().all(rereadable) {
        return Ok(None);
    }
    let names = inputs.iter().map(ToString::to_string).collect();
    locate_in(names, |index| input::open(&inputs[index]), id, options)
}

/// [`locate`] over any inputs that `open` can open afresh, by index, as often as asked; `None`
/// when the search gave up.
pub fn locate_in<R: BufRead>(
    names: Vec<String>,
    mut open: impl FnMut(usize) -> anyhow::Result<R>,
    id: &CallId,
    options: &LoadOptions,
) -> anyhow::Result<Option<Loaded>> {
    let limits = Limits { window: WINDOW_BYTES, free_work: FREE_WORK };
    Ok(search(names, &mut open, id, options, limits)?.0)
}

/// How far a search may go: tests shrink both to exercise the ring and the budget.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Bytes of recent lines checked again when the set grows.
    window: usize,
    /// Work allowed whatever the size of the inputs.
    free_work: u64,
}

/// What a search did, in bytes: the bound on its work is observable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    /// Bytes of the inputs (each line once).
    input: u64,
    /// Bytes of lines matched against the wanted uuids, every lap and every check of the
    /// window counted, plus the weighed cost of building the searcher.
    work: u64,
    /// Turns of the ring begun.
    laps: u32,
    /// It stopped because the work passed its budget.
    gave_up: bool,
}

impl Cost {
    fn over(&self, free_work: u64) -> bool {
        self.work > PASSES * self.input + free_work
    }
}

/// The search, and what it cost; no call when it gave up.
fn search<R: BufRead>(
    names: Vec<String>,
    open: &mut impl FnMut(usize) -> anyhow::Result<R>,
    id: &CallId,
    options: &LoadOptions,
    limits: Limits,
) -> anyhow::Result<(Option<Loaded>, Cost)> {
    let mut search = Search::new(id, limits)?;
    search.run(&names, open, options)?;
    let cost = search.cost;
    let loaded = if cost.gave_up { None } else { Some(search.replay(names, options)?) };
    Ok((loaded, cost))
}

/// The state of one search: what is wanted, and what was found.
struct Search<'i> {
    id: &'i CallId,
    /// Uuids of legs linked to a leg matching the ID (and those legs themselves).
    wanted: HashSet<String>,
    /// Finds the ID or any wanted uuid in a line's bytes.
    matcher: Matcher,
    /// True while every wanted uuid is plain (ASCII letters, digits, `-`): then only an escaped
    /// ASCII character can hide one from the byte search.
    plain: bool,
    escape: memmem::Finder<'static>,
    /// Call events of wanted legs, by position.
    kept: BTreeMap<Seq, Vec<u8>>,
    /// Lines that mention a wanted uuid but could not be used.
    bad: BTreeMap<Seq, LineError>,
    /// The lines just read, checked again when the set grows.
    window: VecDeque<(Seq, Vec<u8>)>,
    window_bytes: usize,
    limits: Limits,
    cost: Cost,
    /// The lap of the last growth, and the first position not checked again then: lines
    /// before it have not been checked against the final set.
    unchecked_before: Option<(u32, Seq)>,
}

impl<'i> Search<'i> {
    fn new(id: &'i CallId, limits: Limits) -> anyhow::Result<Self> {
        let mut search = Search {
            id,
            wanted: HashSet::new(),
            matcher: Matcher::new([id.as_str()])?,
            plain: is_plain(id.as_str()),
            escape: memmem::Finder::new(b"\\"),
            kept: BTreeMap::new(),
            bad: BTreeMap::new(),
            window: VecDeque::new(),
            window_bytes: 0,
            limits,
            cost: Cost::default(),
            unchecked_before: None,
        };
        search.rebuild()?;
        Ok(search)
    }

    /// Reads the inputs as a ring until every line has been checked against the final set, or
    /// the work passes its budget ([`Cost::gave_up`]).
    fn run<R: BufRead>(
        &mut self,
        names: &[String],
        open: &mut impl FnMut(usize) -> anyhow::Result<R>,
        options: &LoadOptions,
    ) -> anyhow::Result<()> {
        let first = Seq::new(0, 1);
        let mut lap = 0u32;
        loop {
            self.cost.laps += 1;
            self.forget_window();
            for (source, name) in names.iter().enumerate() {
                let mut lines = LineReader::new(open(source)?, options.max_line_bytes);
                while let Some((line_no, line)) = lines.next_line().with_context(|| format!("cannot read {name}"))? {
                    let seq = Seq::new(source, line_no);
                    if matches!(self.unchecked_before, Some((grown, before)) if grown < lap && seq >= before) {
                        return Ok(());
                    }
                    if lap == 0 {
                        self.cost.input += match line {
                            Line::Text(text) => text.len() as u64 + 1,
                            Line::TooLong(len) => len as u64 + 1,
                        };
                    }
                    if let Line::Text(text) = line {
                        if self.examine(seq, text)? {
                            self.recheck_window(lap, seq)?;
                        }
                        self.remember(seq, text);
                    }
                    if self.giving_up() {
                        return Ok(());
                    }
                }
            }
            // Another lap only if this one grew the set with lines before the window unchecked.
            if !self.unchecked_before.is_some_and(|(grown, before)| grown == lap && before > first) {
                return Ok(());
            }
            lap += 1;
        }
    }

    /// The set just grew at `seq`: checks the window again, as often as that teaches more.
    fn recheck_window(&mut self, lap: u32, seq: Seq) -> anyhow::Result<()> {
        let window = std::mem::take(&mut self.window);
        let mut grew = true;
        while grew && !self.giving_up() {
            grew = false;
            for (at, text) in &window {
                grew |= self.examine(*at, text)?;
                if self.giving_up() {
                    break;
                }
            }
        }
        self.unchecked_before = Some((lap, window.front().map_or(seq, |(at, _)| *at)));
        self.window = window;
        Ok(())
    }

    /// Adds a line to the window, dropping (and reusing) the oldest beyond its size.
    fn remember(&mut self, seq: Seq, text: &[u8]) {
        let mut buf = Vec::new();
        if text.len() > self.limits.window {
            return self.forget_window();
        }
        while self.window_bytes + text.len() > self.limits.window {
            let Some((_, old)) = self.window.pop_front() else { break };
            self.window_bytes -= old.len();
            buf = old;
        }
        buf.clear();
        buf.extend_from_slice(text);
        self.window_bytes += buf.len();
        self.window.push_back((seq, buf));
    }

    /// Empties the window at the start of a lap, so it only holds lines of the current lap.
    fn forget_window(&mut self) {
        self.window.clear();
        self.window_bytes = 0;
    }

    /// Parses the line if its bytes may mention the call, and learns from it. True when the
    /// wanted set grew.
    fn examine(&mut self, seq: Seq, line: &[u8]) -> anyhow::Result<bool> {
        self.cost.work += line.len() as u64 + 1;
        let named = self.matcher.is_match(line);
        if !named && !self.may_hide_a_uuid(line) {
            return Ok(false);
        }
        match event::parse_line(line) {
            Ok(Parsed::Call(event)) => self.consider(seq, line, &event),
            Err(error) if named => {
                self.bad.insert(seq, error);
                Ok(false)
            }
            Ok(_) | Err(_) => Ok(false),
        }
    }

    /// Keeps the event if it belongs to a wanted leg or links to one, and wants its links.
    fn consider(&mut self, seq: Seq, line: &[u8], event: &CallEvent<'_>) -> anyhow::Result<bool> {
        let uuid: &str = &event.dialog_uuid;
        let parent = event.create.as_ref().and_then(|create| create.parent.as_deref());
        let ours = |s: &str| self.wanted.contains(s) || self.id.matches(s);
        if !ours(uuid) && !parent.is_some_and(ours) {
            return Ok(false);
        }
        self.kept.entry(seq).or_insert_with(|| line.to_vec());
        let grew = self.want(uuid) | parent.is_some_and(|p| self.want(p));
        if grew {
            self.rebuild()?;
        }
        Ok(grew)
    }

    fn want(&mut self, uuid: &str) -> bool {
        if self.wanted.contains(uuid) {
            return false;
        }
        self.plain &= is_plain(uuid);
        self.wanted.insert(uuid.to_owned())
    }

    fn rebuild(&mut self) -> anyhow::Result<()> {
        let patterns = self.wanted.iter().map(String::as_str).chain([self.id.as_str()]);
        let bytes: usize = patterns.clone().map(str::len).sum();
        self.cost.work += BUILD_WEIGHT * bytes as u64;
        self.matcher = Matcher::new(patterns)?;
        Ok(())
    }

    /// True once the work passed its budget: the search has stopped paying.
    fn giving_up(&mut self) -> bool {
        self.cost.gave_up |= self.cost.over(self.limits.free_work);
        self.cost.gave_up
    }

    /// True when the line has a JSON escape that could spell a wanted uuid differently.
    fn may_hide_a_uuid(&self, line: &[u8]) -> bool {
        if !self.plain {
            return self.escape.find(line).is_some();
        }
        // `\u0020`..`\u007f`: an escaped ASCII character. Plain uuids need no other escape.
        self.escape.find_iter(line).any(|at| match line.get(at + 1..at + 5) {
            Some([b'u', b'0', b'0', high]) => (b'2'..=b'7').contains(high),
            _ => false,
        })
    }

    /// Feeds the kept lines through the normal loader at their own positions.
    fn replay(mut self, names: Vec<String>, options: &LoadOptions) -> anyhow::Result<Loaded> {
        let mut texts = vec![Vec::new(); names.len()];
        let mut padding = 0u64;
        let mut next_line = vec![1u64; names.len()];
        // Each kept line is freed once copied: a call with many lines is not held twice.
        for (seq, line) in std::mem::take(&mut self.kept) {
            let (text, next) = (&mut texts[seq.source()], &mut next_line[seq.source()]);
            let blanks = seq.line() - *next;
            text.resize(text.len() + blanks as usize, b'\n');
            text.extend_from_slice(&line);
            text.push(b'\n');
            padding += blanks;
            *next = seq.line() + 1;
        }
        let readers = names.iter().cloned().zip(texts.into_iter().map(Cursor::new));
        let mut loaded = load::load_readers(readers, options)?;
        loaded.diagnostics = self.diagnostics(loaded.diagnostics, padding, &names);
        Ok(loaded)
    }

    /// The replay's account without its padding, plus the bad lines that mention the call.
    fn diagnostics(&self, replayed: Diagnostics, padding: u64, names: &[String]) -> Diagnostics {
        let mut diagnostics = replayed;
        diagnostics.counts.lines -= padding;
        diagnostics.counts.blank_lines -= padding;
        for (seq, error) in &self.bad {
            diagnostics.counts.lines += 1;
            diagnostics.bad_line(&names[seq.source()], seq.line(), error.clone());
        }
        diagnostics
    }
}

/// ASCII letters, digits and `-`: what uuids are made of, and what JSON never needs to escape.
fn is_plain(uuid: &str) -> bool {
    uuid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
