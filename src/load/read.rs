//! The parser threads' side: the inputs in -> blocks of whole lines, read (or decompressed
//! ahead) in order, parsed into batches out, each tagged with its block number and input.

use std::io::Read;
use std::sync::{Mutex, PoisonError};
use std::thread;

use anyhow::Context;
use crossbeam_channel::{bounded, Receiver, Sender};

use super::{Job, LoadOptions, Opener};
use crate::event::batch::{self, Batch, KeyHasher};
use crate::input::follow::{self as following, Chunk};
use crate::input::{Block, BlockReader};

/// Every input, in order, as blocks of whole lines. A plain input is read by whichever parser
/// thread is free, one at a time: the block's bytes are then in the cache of the core that
/// parses them. A compressed one is decompressed ahead by a thread of its own, so
/// decompressing one block overlaps parsing the ones before.
pub(super) struct Inputs<'a, 'n> {
    pub(super) openers: std::vec::IntoIter<Opener<'a>>,
    /// Inputs followed once the openers are done: the number of the first, and their blocks.
    pub(super) follow: Option<(usize, &'n Receiver<anyhow::Result<Chunk>>)>,
    pub(super) names: &'n [String],
    pub(super) options: &'n LoadOptions,
    /// The input being read, and its number.
    pub(super) current: Option<(usize, Reading<'a>)>,
    pub(super) opened: usize,
    /// Blocks handed out so far.
    pub(super) blocks: u64,
    /// The first I/O failure; reading stops there.
    pub(super) error: Option<anyhow::Error>,
}

/// How the blocks of the input being read come.
pub(super) enum Reading<'a> {
    /// Read here, by the parser thread that asks.
    Here(BlockReader<Box<dyn Read + Send + 'a>>),
    /// From the thread decompressing it, which takes emptied buffers back.
    Ahead { blocks: Receiver<anyhow::Result<Block>>, spare: Sender<Vec<u8>> },
}

impl<'a, 'n> Inputs<'a, 'n> {
    pub(super) fn new(
        openers: Vec<Opener<'a>>,
        follow: Option<(usize, &'n Receiver<anyhow::Result<Chunk>>)>,
        names: &'n [String],
        options: &'n LoadOptions,
    ) -> Self {
        let openers = openers.into_iter();
        Inputs { openers, follow, names, options, current: None, opened: 0, blocks: 0, error: None }
    }

    /// The next block of the followed inputs, waiting for one; `None` once they ended.
    pub(super) fn next_followed(&mut self) -> anyhow::Result<Option<Job>> {
        let Some((base, chunks)) = self.follow else { return Ok(None) };
        let Some(chunk) = following::next_chunk(chunks)? else { return Ok(None) };
        self.blocks += 1;
        Ok(Some(Job { index: self.blocks - 1, source: base + chunk.source, block: chunk.block }))
    }

    /// The next block to parse, or `None` at the end of the inputs or after a failure, which
    /// is kept for the caller of [`load`]. `spare` is a parsed block's buffer, to fill again;
    /// `scope` is where a decompressing thread may start.
    pub(super) fn next_job<'scope>(
        &mut self,
        scope: &'scope thread::Scope<'scope, '_>,
        spare: Option<Vec<u8>>,
    ) -> Option<Job>
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

    pub(super) fn read<'scope>(
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
pub(super) fn decompress_ahead<R: Read>(
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
pub(super) fn next_block<R: Read>(reader: &mut BlockReader<R>, name: &str) -> anyhow::Result<Option<Block>> {
    reader.next_block().with_context(|| format!("cannot read {name}"))
}

/// A parser thread: takes the next block of the inputs, parses it, and hands it to the
/// merging thread; fills again the buffers it read into and the parsed blocks given back.
pub(super) fn parse_jobs<'scope, 'a: 'scope>(
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
