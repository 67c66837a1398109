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

use std::io::{Cursor, Read};
use std::sync::{Mutex, PoisonError};
use std::thread;

use crossbeam_channel::{bounded, Receiver};

use crate::assemble::redact::Redactor;
use crate::assemble::{Assembler, Gone};
use crate::diagnostics::Diagnostics;
use crate::event::batch::Batch;
use crate::input::follow::{self as following, Chunk};
use crate::input::progress::{Counted, Progress};
use crate::input::{self, Block, Compression, InputSpec};
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
pub(crate) fn stream_carrying(
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

/// [`stream`] over in-memory or other readers (already decompressed), named for diagnostics:
/// the unit tests' way in.
#[cfg(test)]
pub(crate) fn stream_readers<R: Read + Send>(
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

mod follow;
mod merge;
mod read;
pub mod state;

use merge::{merge_all, Merger};
use read::{parse_jobs, Inputs};

pub use follow::follow;

#[cfg(test)]
mod settle_tests;

#[cfg(test)]
mod tests;
