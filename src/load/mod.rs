//! The shared front half of every command: inputs -> blocks of lines -> events -> assembled
//! calls, with every line accounted for in the diagnostics.
//!
//! Parser threads take the inputs' blocks of whole lines in turn and turn them into interned
//! events in parallel; each reads the next plain block itself, so the bytes it parses are in
//! its core's cache, while a compressed input is decompressed ahead by a thread of its own.
//! The calling thread merges blocks back in input order into the assembler, so the result is
//! exactly that of a sequential read. Only I/O failures are errors here (a missing file, a truncated compressed
//! stream): they abort, naming the input, because a report over half a file must never pass
//! for a whole one. Bad lines are counted and located, never fatal. Inputs that never end
//! (`--follow`) come after the others, through the same threads and merger (see `follow.rs`).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::{Mutex, PoisonError};
use std::thread;

use anyhow::Context;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use crate::assemble::redact::Redactor;
use crate::assemble::{Assembler, Gone, Take};
use crate::diagnostics::Diagnostics;
use crate::event::batch::{self, Batch, KeyHasher};
use crate::input::follow::{self as following, Chunk};
use crate::input::progress::{Counted, Progress};
use crate::input::{self, Block, BlockReader, Compression, InputSpec};
use crate::model::Dataset;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Lines longer than this many bytes are skipped as bad.
    pub max_line_bytes: usize,
    /// Parser threads; 0 means one per available core.
    pub threads: usize,
    /// Bytes per block handed to a parser thread.
    pub block_bytes: usize,
    /// Where to report bytes read and events found, if anywhere.
    pub progress: Option<Progress>,
    /// Keep every exact re-delivery, marked, for listings of every input event; otherwise
    /// those recognised early are only counted, so a flood of them costs no memory.
    pub keep_redeliveries: bool,
    /// Replace each leg's number by its token under this key (`--redact-key-file`).
    pub redact: Option<Redactor>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_line_bytes: input::DEFAULT_MAX_LINE_BYTES,
            threads: 0,
            block_bytes: input::BLOCK_SIZE,
            progress: None,
            keep_redeliveries: false,
            redact: None,
        }
    }
}

/// How calls settle while the input streams (see `assemble`'s settling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settling {
    /// Seconds of log time past a call's last close before it is final.
    pub grace: i64,
    /// Seconds of log time a settled call's legs are remembered, to count later events for
    /// them as late.
    pub retention: i64,
    /// Call events merged between two settling passes at the most.
    pub every_events: usize,
    /// Call events merged between two settling passes at the least, when the log time moved
    /// on by the grace (a quiet log still sees its calls settle soon).
    pub min_events: usize,
}

impl Default for Settling {
    fn default() -> Self {
        Settling { grace: 60, retention: 24 * 3600, every_events: 1 << 18, min_events: 1 << 14 }
    }
}

/// What a run carries in from the previous one (`--state`), and how it carries calls on.
#[derive(Debug, Default)]
pub struct Carry {
    /// Seconds of log time after its start that a call still open is reported as open and
    /// dropped, instead of being carried again.
    pub max_open: i64,
    /// The legs of calls the previous runs reported.
    pub gone: Gone,
    /// The log time the previous run reached.
    pub log_time: Option<i64>,
    /// The events of the calls the previous run left in flight, one webhook line each; read
    /// before the inputs, under `name`.
    pub events: Vec<u8>,
    /// Their name in reports.
    pub name: String,
}

/// What a run carries on to the next.
#[derive(Debug, Default)]
pub struct Carried {
    /// Every event of the calls still in flight, one webhook line each, in input order.
    pub events: Vec<String>,
    /// The legs of calls reported so far.
    pub gone: Gone,
    /// The log time reached.
    pub log_time: Option<i64>,
    /// Where followed files were read to (`--follow`).
    pub positions: Vec<following::Position>,
}

/// Where settled calls go, as they settle.
pub trait Sink {
    /// Takes calls that are final. Every call that will come later starts at or after
    /// `watermark` (when the input's disorder stays within the grace); `None` at the end.
    fn settled(&mut self, calls: Dataset, watermark: Option<i64>) -> anyhow::Result<()>;

    /// Called often, whether calls settled or not, while inputs are followed: a sink that
    /// writes on the clock (`summary --follow`) looks at it here.
    fn tick(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The rebuilt calls and the account of every line read.
#[derive(Debug)]
pub struct Loaded {
    /// Events, legs and calls.
    pub dataset: Dataset,
    /// Line counts and bad lines.
    pub diagnostics: Diagnostics,
}

/// An input opened: its decompressed bytes, and whether a decompressor makes them.
struct Opened<'a> {
    bytes: Box<dyn Read + Send + 'a>,
    compressed: bool,
}

/// An input not yet opened: how to open it.
type Opener<'a> = Box<dyn FnOnce() -> anyhow::Result<Opened<'a>> + Send + 'a>;

/// Reads every input in turn and rebuilds the calls.
pub fn load(inputs: &[InputSpec], options: &LoadOptions) -> anyhow::Result<Loaded> {
    let loaded = run(openers(inputs, options), None, options, None, None).map(whole);
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    loaded
}

/// How to open each input, with its name.
fn openers<'a>(inputs: &'a [InputSpec], options: &LoadOptions) -> Vec<(String, Opener<'a>)> {
    let openers = inputs.iter().map(|spec| {
        let (name, spec, progress) = (spec.to_string(), spec.clone(), options.progress.clone());
        let open: Opener = Box::new(move || {
            let raw = input::open_raw(&spec)?;
            let raw: Box<dyn Read + Send> = match progress {
                Some(progress) => Box::new(Counted::new(raw, progress)),
                None => raw,
            };
            let (compression, bytes) = input::decode_found(raw)?;
            Ok(Opened { bytes: Box::new(bytes), compressed: compression != Compression::None })
        });
        (name, open)
    });
    openers.collect()
}

/// Readers as inputs.
fn reader_openers<'a, R: Read + Send + 'a>(inputs: impl IntoIterator<Item = (String, R)>) -> Vec<(String, Opener<'a>)> {
    let openers = inputs.into_iter().map(|(name, reader)| {
        let open: Opener<'_> = Box::new(move || Ok(Opened { bytes: Box::new(reader), compressed: false }));
        (name, open)
    });
    openers.collect()
}

/// A whole load's calls, all in one dataset.
fn whole((dataset, diagnostics, _): (Option<Dataset>, Diagnostics, Option<Carried>)) -> Loaded {
    let dataset = dataset.unwrap_or_else(|| Assembler::new().finish(Vec::new()));
    Loaded { dataset, diagnostics }
}

/// Reads every input in turn, handing calls to `sink` as they settle, and the rest at the end;
/// returns the account of every line. Memory follows the calls in flight, not the history.
pub fn stream(
    inputs: &[InputSpec],
    options: &LoadOptions,
    settling: Settling,
    sink: &mut dyn Sink,
) -> anyhow::Result<Diagnostics> {
    stream_carrying(inputs, options, settling, None, sink).map(|(diagnostics, _)| diagnostics)
}

/// [`stream`], first reading the calls `carry` brings from the previous run, and keeping the
/// calls still in flight at the end (all their legs are not closed) instead of handing them
/// on: they come back to be carried to the next run.
pub fn stream_carrying(
    inputs: &[InputSpec],
    options: &LoadOptions,
    settling: Settling,
    carry: Option<Carry>,
    sink: &mut dyn Sink,
) -> anyhow::Result<(Diagnostics, Option<Carried>)> {
    let mut openers = openers(inputs, options);
    let carry = carry.map(|mut carry| {
        let events = std::mem::take(&mut carry.events);
        let open: Opener<'_> = Box::new(move || Ok(Opened { bytes: Box::new(Cursor::new(events)), compressed: false }));
        openers.insert(0, (carry.name.clone(), open));
        carry
    });
    let outcome = run(openers, None, options, Some((settling, sink)), carry)
        .map(|(_, diagnostics, carried)| (diagnostics, carried));
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    outcome
}

/// [`stream`] over in-memory or other readers (already decompressed), named for diagnostics.
pub fn stream_readers<R: Read + Send>(
    inputs: impl IntoIterator<Item = (String, R)>,
    options: &LoadOptions,
    settling: Settling,
    sink: &mut dyn Sink,
) -> anyhow::Result<Diagnostics> {
    run(reader_openers(inputs), None, options, Some((settling, sink)), None).map(|(_, diagnostics, _)| diagnostics)
}

/// Rebuilds calls from in-memory or other readers (already decompressed), named for diagnostics.
pub fn load_readers<R: Read + Send>(
    inputs: impl IntoIterator<Item = (String, R)>,
    options: &LoadOptions,
) -> anyhow::Result<Loaded> {
    run(reader_openers(inputs), None, options, None, None).map(whole)
}

/// A block on its way to a parser thread.
struct Job {
    index: u64,
    source: usize,
    block: Block,
}

/// Settling, and where settled calls go; `None` for a whole load.
type Streaming<'s> = Option<(Settling, &'s mut dyn Sink)>;

/// Inputs followed after the opened ones: their names, and their blocks as they are written.
type Followed<'f> = (Vec<String>, &'f Receiver<anyhow::Result<Chunk>>);

/// Reads the inputs, then the `followed` ones until they end; with `streaming`, settled calls
/// go to its sink as the input streams and the rest at the end, else every call comes back in
/// one dataset.
fn run(
    inputs: Vec<(String, Opener<'_>)>,
    followed: Option<Followed<'_>>,
    options: &LoadOptions,
    streaming: Streaming<'_>,
    carry: Option<Carry>,
) -> anyhow::Result<(Option<Dataset>, Diagnostics, Option<Carried>)> {
    let (mut names, openers): (Vec<String>, Vec<Opener<'_>>) = inputs.into_iter().unzip();
    let follow = followed.map(|(followed_names, chunks)| {
        let base = names.len();
        names.extend(followed_names);
        (base, chunks)
    });
    let threads = match options.threads {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (done_tx, done_rx) = bounded::<(u64, usize, Batch)>(threads * 2);
    let (parsed_tx, parsed_rx) = bounded::<Batch>(threads * 4);
    let assembler = if options.keep_redeliveries { Assembler::keeping_redeliveries() } else { Assembler::new() };
    let assembler = assembler.redacting(options.redact.clone());
    let mut merger = Merger::new(assembler, &names, parsed_tx, streaming);
    if let Some(carry) = carry {
        merger.carry_in(carry);
    }
    let live = follow.is_some();
    if live {
        merger.go_live();
    }
    let hasher = merger.assembler.key_hasher().clone();
    let inputs = Mutex::new(Inputs::new(openers, follow, &names, options));
    let merged = thread::scope(|scope| {
        for _ in 0..threads {
            let (done, parsed) = (done_tx.clone(), parsed_rx.clone());
            let (inputs, names, hasher) = (&inputs, &names, &hasher);
            scope.spawn(move || parse_jobs(scope, inputs, done, parsed, names, options, hasher));
        }
        drop((done_tx, parsed_rx));
        let merged = merge_all(&mut merger, done_rx, options);
        if merged.is_err() && live {
            // The followed inputs never end: the parser threads waiting for them stop here.
            following::request_stop();
        }
        merged
    });
    let inputs = inputs.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(error) = inputs.error {
        return Err(error);
    }
    merged?;
    merger.finish()
}

/// Merges the parsed blocks as they come until the parser threads are done. A sink that fails
/// (a closed pipe) stops the reading: the channel closes on the way out.
fn merge_all(
    merger: &mut Merger<'_, '_>,
    done: Receiver<(u64, usize, Batch)>,
    options: &LoadOptions,
) -> anyhow::Result<()> {
    loop {
        // A live log that goes quiet still sees its calls settle (see `Merger::quiet`).
        let (index, source, parsed) = match done.recv_timeout(following::POLL) {
            Ok(done) => done,
            Err(RecvTimeoutError::Timeout) => {
                merger.quiet()?;
                merger.tick()?;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        merger.receive(index, source, parsed)?;
        merger.tick()?;
        if let Some(progress) = &options.progress {
            progress.found(merger.pushed as usize);
        }
    }
}

/// Every input, in order, as blocks of whole lines. A plain input is read by whichever parser
/// thread is free, one at a time: the block's bytes are then in the cache of the core that
/// parses them. A compressed one is decompressed ahead by a thread of its own, so
/// decompressing one block overlaps parsing the ones before.
struct Inputs<'a, 'n> {
    openers: std::vec::IntoIter<Opener<'a>>,
    /// Inputs followed once the openers are done: the number of the first, and their blocks.
    follow: Option<(usize, &'n Receiver<anyhow::Result<Chunk>>)>,
    names: &'n [String],
    options: &'n LoadOptions,
    /// The input being read, and its number.
    current: Option<(usize, Reading<'a>)>,
    opened: usize,
    /// Blocks handed out so far.
    blocks: u64,
    /// The first I/O failure; reading stops there.
    error: Option<anyhow::Error>,
}

/// How the blocks of the input being read come.
enum Reading<'a> {
    /// Read here, by the parser thread that asks.
    Here(BlockReader<Box<dyn Read + Send + 'a>>),
    /// From the thread decompressing it, which takes emptied buffers back.
    Ahead { blocks: Receiver<anyhow::Result<Block>>, spare: Sender<Vec<u8>> },
}

impl<'a, 'n> Inputs<'a, 'n> {
    fn new(
        openers: Vec<Opener<'a>>,
        follow: Option<(usize, &'n Receiver<anyhow::Result<Chunk>>)>,
        names: &'n [String],
        options: &'n LoadOptions,
    ) -> Self {
        let openers = openers.into_iter();
        Inputs { openers, follow, names, options, current: None, opened: 0, blocks: 0, error: None }
    }

    /// The next block of the followed inputs, waiting for one; `None` once they ended.
    fn next_followed(&mut self) -> anyhow::Result<Option<Job>> {
        let Some((base, chunks)) = self.follow else { return Ok(None) };
        let Some(chunk) = following::next_chunk(chunks)? else { return Ok(None) };
        self.blocks += 1;
        Ok(Some(Job { index: self.blocks - 1, source: base + chunk.source, block: chunk.block }))
    }

    /// The next block to parse, or `None` at the end of the inputs or after a failure, which
    /// is kept for the caller of [`load`]. `spare` is a parsed block's buffer, to fill again;
    /// `scope` is where a decompressing thread may start.
    fn next_job<'scope>(&mut self, scope: &'scope thread::Scope<'scope, '_>, spare: Option<Vec<u8>>) -> Option<Job>
    where
        'a: 'scope,
    {
        if self.error.is_some() {
            return None;
        }
        match self.read(scope, spare) {
            Ok(job) => job,
            Err(error) => {
                self.error = Some(error);
                // Dropped, a decompressing thread's channel tells it to stop.
                self.current = None;
                None
            }
        }
    }

    fn read<'scope>(
        &mut self,
        scope: &'scope thread::Scope<'scope, '_>,
        mut spare: Option<Vec<u8>>,
    ) -> anyhow::Result<Option<Job>>
    where
        'a: 'scope,
    {
        loop {
            let (source, reading) = match &mut self.current {
                Some(current) => current,
                None => {
                    let Some(open) = self.openers.next() else { return self.next_followed() };
                    let (source, opened) = (self.opened, open()?);
                    self.opened += 1;
                    let (block_bytes, max_line) = (self.options.block_bytes, self.options.max_line_bytes);
                    let blocks = BlockReader::new(opened.bytes, block_bytes, max_line);
                    let reading = if opened.compressed {
                        let (blocks_tx, blocks_rx) = bounded(4);
                        let (spare_tx, spare_rx) = bounded(8);
                        let name = self.names[source].clone();
                        scope.spawn(move || decompress_ahead(blocks, &name, blocks_tx, spare_rx));
                        Reading::Ahead { blocks: blocks_rx, spare: spare_tx }
                    } else {
                        Reading::Here(blocks)
                    };
                    self.current.insert((source, reading))
                }
            };
            let block = match reading {
                Reading::Here(blocks) => {
                    blocks.recycle_all(spare.take());
                    next_block(blocks, &self.names[*source])?
                }
                Reading::Ahead { blocks, spare: back } => {
                    if let Some(buf) = spare.take() {
                        // A full queue just means enough spares already wait; this one is freed.
                        let _ = back.try_send(buf);
                    }
                    // The channel closes after the last block.
                    blocks.recv().ok().transpose()?
                }
            };
            match block {
                Some(block) => {
                    self.blocks += 1;
                    return Ok(Some(Job { index: self.blocks - 1, source: *source, block }));
                }
                None => self.current = None,
            }
        }
    }
}

/// A decompressing thread: one compressed input's blocks, in order, until its end, its first
/// failure, or nobody asks any more.
fn decompress_ahead<R: Read>(
    mut reader: BlockReader<R>,
    name: &str,
    blocks: Sender<anyhow::Result<Block>>,
    spare: Receiver<Vec<u8>>,
) {
    loop {
        reader.recycle_all(spare.try_iter());
        let (block, last) = match next_block(&mut reader, name) {
            Ok(Some(block)) => (Ok(block), false),
            Ok(None) => return,
            Err(error) => (Err(error), true),
        };
        if blocks.send(block).is_err() || last {
            return;
        }
    }
}

/// The next block of the input `name`, its read failure naming it.
fn next_block<R: Read>(reader: &mut BlockReader<R>, name: &str) -> anyhow::Result<Option<Block>> {
    reader.next_block().with_context(|| format!("cannot read {name}"))
}

/// A parser thread: takes the next block of the inputs, parses it, and hands it to the
/// merging thread; fills again the buffers it read into and the parsed blocks given back.
fn parse_jobs<'scope, 'a: 'scope>(
    scope: &'scope thread::Scope<'scope, '_>,
    inputs: &Mutex<Inputs<'a, '_>>,
    done: Sender<(u64, usize, Batch)>,
    recycled: Receiver<Batch>,
    names: &[String],
    options: &LoadOptions,
    hasher: &KeyHasher,
) {
    let mut spare = None;
    loop {
        let job = inputs.lock().unwrap_or_else(PoisonError::into_inner).next_job(scope, spare.take());
        let Some(job) = job else { return };
        let mut parsed = recycled.try_recv().unwrap_or_else(|_| Batch::new(hasher));
        parsed.keep_redeliveries = options.keep_redeliveries;
        batch::parse_batch_into(&job.block, &names[job.source], options.max_line_bytes, hasher, &mut parsed);
        if let Block::Lines(buf) = job.block {
            spare = Some(buf);
        }
        if done.send((job.index, job.source, parsed)).is_err() {
            return;
        }
    }
}

/// Puts parsed blocks back in input order and feeds them to the assembler; when streaming,
/// settles calls every so often and hands them to the sink.
struct Merger<'s, 'n> {
    assembler: Assembler,
    diagnostics: Diagnostics,
    pending: BTreeMap<u64, (usize, Batch)>,
    next: u64,
    /// Lines already merged, per input.
    lines_before: Vec<u64>,
    /// Merged blocks, back to the parser threads to be filled again.
    recycled: Sender<Batch>,
    /// The inputs' names.
    names: &'n [String],
    /// Call events pushed, duplicates and late ones included.
    pushed: u64,
    /// Re-deliveries in the calls finished so far.
    duplicates: u64,
    streaming: Streaming<'s>,
    /// Legs of the calls already handed on.
    gone: Gone,
    /// `pushed` and the log time at the last settling pass.
    settled_at: (u64, i64),
    /// With `--state`: how long a call may stay open before it is let go, and the input
    /// number of the carried events (input 0), which count apart from the inputs' lines.
    carrying: Option<i64>,
    /// Following inputs that never end: when a line last came (see `follow.rs`).
    live: Option<follow::Live>,
}

impl<'s, 'n> Merger<'s, 'n> {
    fn new(assembler: Assembler, names: &'n [String], recycled: Sender<Batch>, streaming: Streaming<'s>) -> Self {
        Merger {
            assembler,
            diagnostics: Diagnostics::default(),
            pending: BTreeMap::new(),
            next: 0,
            lines_before: vec![0; names.len()],
            recycled,
            names,
            pushed: 0,
            duplicates: 0,
            streaming,
            gone: Gone::default(),
            settled_at: (0, i64::MIN),
            carrying: None,
            live: None,
        }
    }

    fn receive(&mut self, index: u64, source: usize, parsed: Batch) -> anyhow::Result<()> {
        self.pending.insert(index, (source, parsed));
        while let Some((source, parsed)) = self.pending.remove(&self.next) {
            self.merge(source, parsed);
            if let Some(live) = &mut self.live {
                live.heard();
            }
            self.next += 1;
            self.settle_some()?;
        }
        Ok(())
    }

    /// Takes what the previous run left: its legs let go, its log time; its events come as
    /// input 0.
    fn carry_in(&mut self, carry: Carry) {
        self.carrying = Some(carry.max_open);
        self.gone = carry.gone;
        if let Some(log_time) = carry.log_time {
            self.assembler.start_at(log_time);
        }
    }

    fn merge(&mut self, source: usize, mut parsed: Batch) {
        let offset = self.lines_before[source];
        self.assembler.push_block(&parsed, source, offset);
        self.lines_before[source] += parsed.lines;
        if self.carrying.is_some() && source == 0 {
            // Carried events were counted by the run that read them.
            self.diagnostics.counts.carried += parsed.events.len() as u64;
        } else {
            // Re-deliveries the parser thread already dropped count as pushed too.
            self.pushed += parsed.events.len() as u64 + parsed.redeliveries;
            self.diagnostics.absorb(std::mem::take(&mut parsed.diagnostics), offset);
        }
        // A full queue just means enough wait already; this one is freed.
        let _ = self.recycled.try_send(parsed);
    }

    /// When streaming and enough events came since the last pass, hands on the calls the log
    /// has moved past.
    fn settle_some(&mut self) -> anyhow::Result<()> {
        let Some((settling, _)) = &self.streaming else { return Ok(()) };
        let settling = *settling;
        let Some(now) = self.assembler.latest() else { return Ok(()) };
        let (events, moved) = (self.pushed - self.settled_at.0, now.saturating_sub(self.settled_at.1));
        let due =
            events >= settling.every_events as u64 || (events >= settling.min_events as u64 && moved >= settling.grace);
        if !due {
            return Ok(());
        }
        self.settled_at = (self.pushed, now);
        let horizon = now.saturating_sub(settling.grace);
        self.hand_on(Take::ClosedBy(horizon), now, Some(horizon))?;
        self.gone.forget_before(now.saturating_sub(settling.retention));
        Ok(())
    }

    /// Splits off the calls `take` makes final and hands them to the sink. `horizon` bounds the
    /// start of calls still to come; `None` says none will.
    fn hand_on(&mut self, take: Take, now: i64, horizon: Option<i64>) -> anyhow::Result<()> {
        let settled = self.assembler.settle(take, &mut self.gone, now);
        self.diagnostics.counts.late += settled.late;
        self.duplicates += settled.redeliveries;
        let Some(calls) = settled.calls else { return Ok(()) };
        let dataset = calls.finish(self.names.to_vec());
        self.duplicates += dataset.duplicates;
        let watermark = match (horizon, settled.in_flight_from) {
            (None, _) => None,
            (Some(horizon), from) => Some(from.map_or(horizon, |from| from.min(horizon))),
        };
        match &mut self.streaming {
            Some((_, sink)) => sink.settled(dataset, watermark),
            None => Ok(()),
        }
    }

    /// The calls still in flight, to carry to the next run.
    fn carry_out(&mut self) -> Carried {
        let events = self.assembler.carried().iter().map(state::line).collect();
        let gone = std::mem::take(&mut self.gone);
        Carried { events, gone, log_time: self.assembler.latest(), positions: Vec::new() }
    }

    /// The calls left, and the account of every line: with a sink, every call went to it and
    /// none comes back.
    fn finish(mut self) -> anyhow::Result<(Option<Dataset>, Diagnostics, Option<Carried>)> {
        let mut carried = None;
        let dataset = if self.streaming.is_some() {
            let now = self.assembler.latest().unwrap_or(0);
            match (self.carrying, self.stopped()) {
                (Some(max_open), _) => {
                    self.hand_on(Take::Final { expire_before: now.saturating_sub(max_open) }, now, None)?;
                    carried = Some(self.carry_out());
                }
                // Stopped with nothing to carry them in: calls in progress are not written as
                // if they had ended; they come back only to be counted.
                (None, true) => {
                    self.hand_on(Take::Final { expire_before: i64::MIN }, now, None)?;
                    carried = Some(self.carry_out());
                }
                (None, false) => self.hand_on(Take::All, now, None)?,
            }
            None
        } else {
            let assembler = std::mem::take(&mut self.assembler);
            let dataset = assembler.finish(self.names.to_vec());
            self.duplicates += dataset.duplicates;
            Some(dataset)
        };
        let mut diagnostics = self.diagnostics;
        diagnostics.counts.duplicates = self.duplicates;
        diagnostics.counts.events = self.pushed - self.duplicates - diagnostics.counts.late;
        Ok((dataset, diagnostics, carried))
    }
}

mod follow;
pub mod state;

pub use follow::follow;

#[cfg(test)]
mod settle_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LineError;

    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.iter().map(|p| (p.display().to_string(), std::fs::read(p).unwrap())).collect()
    }

    type Outcome = (Vec<String>, crate::diagnostics::LineCounts, Vec<(String, u64, LineError)>);

    /// Everything a run reports, in comparable form.
    fn outcome(options: &LoadOptions) -> Outcome {
        let inputs = fixtures().into_iter().map(|(name, bytes)| (name, std::io::Cursor::new(bytes)));
        described(load_readers(inputs, options).unwrap())
    }

    fn described(loaded: Loaded) -> Outcome {
        let ds = &loaded.dataset;
        let zone = crate::report::timefmt::Zone::Utc;
        let record = |c| serde_json::to_string(&crate::report::rows::CallDetail::new(ds, c, &zone)).unwrap();
        let calls = ds.calls.iter().map(record).collect();
        let bad = loaded.diagnostics.bad.into_iter().map(|b| (b.source, b.line, b.error)).collect();
        (calls, loaded.diagnostics.counts, bad)
    }

    #[test]
    fn block_size_and_thread_count_do_not_change_the_result() {
        let reference = outcome(&LoadOptions { threads: 1, ..LoadOptions::default() });
        assert!(reference.1.balanced());
        assert!(reference.0.len() > 5 && !reference.2.is_empty());
        for threads in [1, 2, 3] {
            for block_bytes in [1, 100, 4096] {
                let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
                assert_eq!(outcome(&options), reference, "{threads} threads, {block_bytes}-byte blocks");
            }
        }
    }

    #[test]
    fn redeliveries_count_the_same_whether_kept_or_dropped_on_the_way_in() {
        let config =
            callflow_generate::Config { duplicates: 0.05, reorder: 0.05, ..callflow_generate::Config::new(300, 3) };
        let mut day = Vec::new();
        callflow_generate::generate(&config, &mut day).unwrap();
        let run = |options: &LoadOptions| {
            let mut inputs: Vec<(String, std::io::Cursor<Vec<u8>>)> =
                fixtures().into_iter().map(|(name, bytes)| (name, std::io::Cursor::new(bytes))).collect();
            inputs.push(("day".to_string(), std::io::Cursor::new(day.clone())));
            described(load_readers(inputs, options).unwrap())
        };
        let kept = run(&LoadOptions { keep_redeliveries: true, threads: 1, ..LoadOptions::default() });
        assert!(kept.1.duplicates > 100 && kept.1.balanced(), "{:?}", kept.1);
        for (threads, block_bytes) in [(1, 100), (3, 4096), (2, 1 << 20)] {
            let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
            assert_eq!(run(&options), kept, "{threads} threads, {block_bytes}-byte blocks");
        }
    }

    #[test]
    fn a_flood_of_redelivered_events_holds_each_at_most_once_a_block() {
        let talking = r#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2026-03-10 10:00:00","dialog_uuid":"abc00000-0000-4000-8000-000000000001","state":"talking"}"#;
        let one = format!("{talking}\n").repeat(50_000);
        let two = format!("{talking}\n{}\n", talking.replace("talking", "answered")).repeat(25_000);
        for (threads, block_bytes) in [(1, 4096), (2, 65_536)] {
            let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
            let blocks = two.len().div_ceil(block_bytes);
            for (flood, distinct, most) in [(&one, 1, 1), (&two, 2, 2 * blocks)] {
                let loaded = load_readers([("flood".to_string(), flood.as_bytes())], &options).unwrap();
                let held = loaded.dataset.events.len();
                assert!(held <= most, "{held} events held, {threads} threads, {block_bytes}-byte blocks");
                let counts = &loaded.diagnostics.counts;
                assert_eq!((counts.lines, counts.events, counts.duplicates), (50_000, distinct, 50_000 - distinct));
            }
        }
    }

    #[test]
    fn plain_and_compressed_files_in_one_run_read_as_the_same_bytes_do() {
        let dir = std::env::temp_dir().join(format!("callflow-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut specs = Vec::new();
        let mut plain = Vec::new();
        for (k, (_, bytes)) in fixtures().into_iter().enumerate() {
            // Every third file gzipped, every third in zstd, the rest as they are.
            let stored = match k % 3 {
                0 => bytes.clone(),
                1 => {
                    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    std::io::Write::write_all(&mut gz, &bytes).unwrap();
                    gz.finish().unwrap()
                }
                _ => zstd::encode_all(&bytes[..], 1).unwrap(),
            };
            let path = dir.join(format!("{k}.log"));
            std::fs::write(&path, stored).unwrap();
            specs.push(InputSpec::Path(path.clone()));
            plain.push((path.display().to_string(), std::io::Cursor::new(bytes)));
        }
        for threads in [1, 3] {
            let options = LoadOptions { threads, block_bytes: 512, ..LoadOptions::default() };
            let from_files = described(load(&specs, &options).unwrap());
            assert_eq!(from_files, described(load_readers(plain.clone(), &options).unwrap()), "{threads} threads");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
