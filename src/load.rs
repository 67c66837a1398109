//! The shared front half of every command: inputs -> blocks of lines -> events -> assembled
//! calls, with every line accounted for in the diagnostics.
//!
//! Three kinds of thread cooperate: one reads (and decompresses) inputs into blocks of whole
//! lines, parser threads turn blocks into interned events in parallel, and the calling thread
//! merges blocks back in input order into the assembler, so the result is exactly that of a
//! sequential read. Only I/O failures are errors here (a missing file, a truncated compressed
//! stream): they abort, naming the input, because a report over half a file must never pass
//! for a whole one. Bad lines are counted and located, never fatal.

use std::collections::BTreeMap;
use std::io::Read;
use std::thread;

use anyhow::Context;
use crossbeam_channel::{bounded, Receiver, Sender};

use crate::assemble::Assembler;
use crate::chunk::{self, KeyHasher, ParsedBlock};
use crate::diagnostics::Diagnostics;
use crate::input::{self, Block, BlockReader, InputSpec};
use crate::model::Dataset;
use crate::progress::{Counted, Progress};

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
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_line_bytes: input::DEFAULT_MAX_LINE_BYTES,
            threads: 0,
            block_bytes: input::BLOCK_SIZE,
            progress: None,
        }
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

/// An input not yet opened: its display name and how to open it.
type Opener<'a> = Box<dyn FnOnce() -> anyhow::Result<Box<dyn Read + Send + 'a>> + Send + 'a>;

/// Reads every input in turn and rebuilds the calls.
pub fn load(inputs: &[InputSpec], options: &LoadOptions) -> anyhow::Result<Loaded> {
    let openers = inputs.iter().map(|spec| {
        let (name, spec, progress) = (spec.to_string(), spec.clone(), options.progress.clone());
        let open: Opener = Box::new(move || {
            let raw = input::open_raw(&spec)?;
            let raw: Box<dyn Read + Send> = match progress {
                Some(progress) => Box::new(Counted::new(raw, progress)),
                None => raw,
            };
            Ok(Box::new(input::decode(raw)?) as Box<dyn Read + Send>)
        });
        (name, open)
    });
    let loaded = run(openers.collect(), options);
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    loaded
}

/// Rebuilds calls from in-memory or other readers (already decompressed), named for diagnostics.
pub fn load_readers<R: Read + Send>(
    inputs: impl IntoIterator<Item = (String, R)>,
    options: &LoadOptions,
) -> anyhow::Result<Loaded> {
    let openers = inputs.into_iter().map(|(name, reader)| {
        let open: Opener<'_> = Box::new(move || Ok(Box::new(reader) as Box<dyn Read + Send>));
        (name, open)
    });
    run(openers.collect(), options)
}

/// A block on its way to a parser thread.
struct Job {
    index: u64,
    source: usize,
    block: Block,
}

fn run(inputs: Vec<(String, Opener<'_>)>, options: &LoadOptions) -> anyhow::Result<Loaded> {
    let (names, openers): (Vec<String>, Vec<Opener<'_>>) = inputs.into_iter().unzip();
    let threads = match options.threads {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (job_tx, job_rx) = bounded::<Job>(threads * 2);
    let (done_tx, done_rx) = bounded::<(u64, usize, ParsedBlock)>(threads * 2);
    let (spare_tx, spare_rx) = bounded::<Vec<u8>>(threads * 4);
    let (parsed_tx, parsed_rx) = bounded::<ParsedBlock>(threads * 4);
    let mut merger = Merger::new(Assembler::new(), names.len(), parsed_tx);
    let hasher = merger.assembler.key_hasher().clone();
    let read_result = thread::scope(|scope| {
        let names = &names;
        let reader = scope.spawn(move || read_blocks(openers, names, options, job_tx, spare_rx));
        for _ in 0..threads {
            let channels = Channels {
                jobs: job_rx.clone(),
                done: done_tx.clone(),
                spare: spare_tx.clone(),
                parsed: parsed_rx.clone(),
            };
            let hasher = &hasher;
            scope.spawn(move || parse_jobs(channels, names, options.max_line_bytes, hasher));
        }
        drop((job_rx, done_tx, spare_tx, parsed_rx));
        for (index, source, parsed) in done_rx {
            merger.receive(index, source, parsed);
            if let Some(progress) = &options.progress {
                progress.found(merger.assembler.event_count());
            }
        }
        reader.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the input reader stopped unexpectedly")))
    });
    read_result?;
    Ok(merger.finish(names))
}

/// The reader thread: every input, in order, as blocks of whole lines.
fn read_blocks(
    openers: Vec<Opener<'_>>,
    names: &[String],
    options: &LoadOptions,
    jobs: Sender<Job>,
    spare: Receiver<Vec<u8>>,
) -> anyhow::Result<()> {
    let mut index = 0;
    for (source, (open, name)) in openers.into_iter().zip(names).enumerate() {
        let mut blocks = BlockReader::new(open()?, options.block_bytes, options.max_line_bytes);
        loop {
            while let Ok(buf) = spare.try_recv() {
                blocks.recycle(buf);
            }
            let Some(block) = blocks.next_block().with_context(|| format!("cannot read {name}"))? else { break };
            if jobs.send(Job { index, source, block }).is_err() {
                return Ok(());
            }
            index += 1;
        }
    }
    Ok(())
}

/// A parser thread: blocks in, parsed blocks out, emptied buffers back to the reader.
fn parse_jobs(channels: Channels, names: &[String], max_line: usize, hasher: &KeyHasher) {
    let Channels { jobs, done, spare, parsed: recycled } = channels;
    for job in jobs {
        let mut parsed = recycled.try_recv().unwrap_or_else(|_| ParsedBlock::new(hasher));
        chunk::parse_block_into(&job.block, &names[job.source], max_line, hasher, &mut parsed);
        if let Block::Lines(buf) = job.block {
            // A full queue just means enough spares already wait; this one is freed.
            let _ = spare.try_send(buf);
        }
        if done.send((job.index, job.source, parsed)).is_err() {
            return;
        }
    }
}

/// What a parser thread works with: blocks in, parsed blocks out, emptied block buffers back
/// to the reader, and parsed blocks already merged back from the merging thread.
struct Channels {
    jobs: Receiver<Job>,
    done: Sender<(u64, usize, ParsedBlock)>,
    spare: Sender<Vec<u8>>,
    parsed: Receiver<ParsedBlock>,
}

/// Puts parsed blocks back in input order and feeds them to the assembler.
struct Merger {
    assembler: Assembler,
    diagnostics: Diagnostics,
    pending: BTreeMap<u64, (usize, ParsedBlock)>,
    next: u64,
    /// Lines already merged, per input.
    lines_before: Vec<u64>,
    /// Merged blocks, back to the parser threads to be filled again.
    recycled: Sender<ParsedBlock>,
}

impl Merger {
    fn new(assembler: Assembler, sources: usize, recycled: Sender<ParsedBlock>) -> Self {
        Merger {
            assembler,
            diagnostics: Diagnostics::default(),
            pending: BTreeMap::new(),
            next: 0,
            lines_before: vec![0; sources],
            recycled,
        }
    }

    fn receive(&mut self, index: u64, source: usize, parsed: ParsedBlock) {
        self.pending.insert(index, (source, parsed));
        while let Some((source, parsed)) = self.pending.remove(&self.next) {
            self.merge(source, parsed);
            self.next += 1;
        }
    }

    fn merge(&mut self, source: usize, mut parsed: ParsedBlock) {
        let offset = self.lines_before[source];
        self.assembler.push_block(&parsed, source, offset);
        self.lines_before[source] += parsed.lines;
        self.diagnostics.absorb(std::mem::take(&mut parsed.diagnostics), offset);
        // A full queue just means enough wait already; this one is freed.
        let _ = self.recycled.try_send(parsed);
    }

    fn finish(self, sources: Vec<String>) -> Loaded {
        let mut diagnostics = self.diagnostics;
        let call_events = self.assembler.event_count() as u64;
        let dataset = self.assembler.finish(sources);
        diagnostics.counts.duplicates = dataset.duplicates;
        diagnostics.counts.events = call_events - dataset.duplicates;
        Loaded { dataset, diagnostics }
    }
}

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

    /// Everything a run reports, in comparable form.
    fn outcome(options: &LoadOptions) -> (Vec<String>, crate::diagnostics::LineCounts, Vec<(String, u64, LineError)>) {
        let inputs = fixtures().into_iter().map(|(name, bytes)| (name, std::io::Cursor::new(bytes)));
        let loaded = load_readers(inputs, options).unwrap();
        let ds = &loaded.dataset;
        let zone = crate::timefmt::Zone::Utc;
        let record = |c| serde_json::to_string(&crate::record::CallDetail::new(ds, c, &zone)).unwrap();
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
}
