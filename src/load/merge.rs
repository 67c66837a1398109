//! The merge loop: parsed batches come in from the parser threads in any order, go out to the
//! assembler in input order; with streaming, settled calls go out to the sink as the input
//! streams, and at the end the dataset (or the rest of the calls) and the diagnostics.

use std::collections::BTreeMap;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::{follow, state, Carried, Carry, LoadOptions, Streaming};
use crate::assemble::{Assembler, Gone, Take};
use crate::diagnostics::Diagnostics;
use crate::event::batch::Batch;
use crate::input::follow as following;
use crate::model::Dataset;

/// Merges the parsed blocks as they come until the parser threads are done. A sink that fails
/// (a closed pipe) stops the reading: the channel closes on the way out.
pub(super) fn merge_all(
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

/// Puts parsed blocks back in input order and feeds them to the assembler; when streaming,
/// settles calls every so often and hands them to the sink.
pub(super) struct Merger<'s, 'n> {
    pub(super) assembler: Assembler,
    pub(super) diagnostics: Diagnostics,
    pub(super) pending: BTreeMap<u64, (usize, Batch)>,
    pub(super) next: u64,
    /// Lines already merged, per input.
    pub(super) lines_before: Vec<u64>,
    /// Merged blocks, back to the parser threads to be filled again.
    pub(super) recycled: Sender<Batch>,
    /// The inputs' names.
    pub(super) names: &'n [String],
    /// Call events pushed, duplicates and late ones included.
    pub(super) pushed: u64,
    /// Re-deliveries in the calls finished so far.
    pub(super) duplicates: u64,
    pub(super) streaming: Streaming<'s>,
    /// Legs of the calls already handed on.
    pub(super) gone: Gone,
    /// `pushed` and the log time at the last settling pass.
    pub(super) settled_at: (u64, i64),
    /// With `--state`: how long a call may stay open before it is let go, and the input
    /// number of the carried events (input 0), which count apart from the inputs' lines.
    pub(super) carrying: Option<i64>,
    /// Following inputs that never end: when a line last came (see `follow.rs`).
    pub(super) live: Option<follow::Live>,
}

impl<'s, 'n> Merger<'s, 'n> {
    pub(super) fn new(
        assembler: Assembler,
        names: &'n [String],
        recycled: Sender<Batch>,
        streaming: Streaming<'s>,
    ) -> Self {
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

    pub(super) fn receive(&mut self, index: u64, source: usize, parsed: Batch) -> anyhow::Result<()> {
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
    pub(super) fn carry_in(&mut self, carry: Carry) {
        self.carrying = Some(carry.max_open);
        self.gone = carry.gone;
        if let Some(log_time) = carry.log_time {
            self.assembler.start_at(log_time);
        }
    }

    pub(super) fn merge(&mut self, source: usize, mut parsed: Batch) {
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
    pub(super) fn settle_some(&mut self) -> anyhow::Result<()> {
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
    pub(super) fn hand_on(&mut self, take: Take, now: i64, horizon: Option<i64>) -> anyhow::Result<()> {
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
    pub(super) fn carry_out(&mut self) -> Carried {
        let events = self.assembler.carried().iter().map(state::line).collect();
        let gone = std::mem::take(&mut self.gone);
        Carried { events, gone, log_time: self.assembler.latest(), positions: Vec::new() }
    }

    /// The calls left, and the account of every line: with a sink, every call went to it and
    /// none comes back.
    pub(super) fn finish(mut self) -> anyhow::Result<(Option<Dataset>, Diagnostics, Option<Carried>)> {
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
