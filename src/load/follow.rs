//! The front half for inputs that never end (`calls --follow`): the followed inputs' blocks
//! go through the parser threads and the merger as any input's do, and two rules make it
//! live. When the log goes quiet, calls settle on the wall clock: once no line has come for
//! the grace, every call whose legs are all closed is final, so the last call of the night does
//! not wait for the next morning's first event. A stop (Ctrl-C, SIGTERM) ends the inputs: calls
//! in progress then are not written as if they had ended, but carried (`--state`) or counted.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::{run, Carried, Carry, Merger, Opened, Opener, Settling, Sink};
use crate::assemble::Take;
use crate::diagnostics::Diagnostics;
use crate::input::follow::{self as following, Chunk};
use crate::input::InputSpec;

/// When a line last came, and whether the calls it closed were handed on since.
#[derive(Debug)]
pub(super) struct Live {
    /// The grace, on the wall clock.
    grace: Duration,
    last: Instant,
    /// The quiet rule already handed on every closed call since the last line.
    flushed: bool,
}

impl Live {
    /// A line came.
    pub(super) fn heard(&mut self) {
        self.last = Instant::now();
        self.flushed = false;
    }
}

/// Reads the calls `carry` brings, then follows `inputs`, whose blocks come from `chunks`,
/// until they end (stdin) or a stop is asked for; settled calls go to `sink` as they settle.
/// Returns the account of every line and, when the run was stopped or carries calls, the
/// calls still in progress.
pub fn follow(
    inputs: &[InputSpec],
    chunks: &Receiver<anyhow::Result<Chunk>>,
    options: &super::LoadOptions,
    settling: Settling,
    carry: Option<Carry>,
    sink: &mut dyn Sink,
) -> anyhow::Result<(Diagnostics, Option<Carried>)> {
    let mut openers: Vec<(String, Opener<'_>)> = Vec::new();
    let carry = carry.map(|mut carry| {
        let events = std::io::Cursor::new(std::mem::take(&mut carry.events));
        let open: Opener<'_> = Box::new(move || Ok(Opened { bytes: Box::new(events), compressed: false }));
        openers.push((carry.name.clone(), open));
        carry
    });
    let names = inputs.iter().map(ToString::to_string).collect();
    let outcome = run(openers, Some((names, chunks)), options, Some((settling, sink)), carry)?;
    Ok((outcome.1, outcome.2))
}

impl Merger<'_, '_> {
    /// Follows inputs that never end: the quiet rule applies.
    pub(super) fn go_live(&mut self) {
        let grace = self.streaming.as_ref().map_or(0, |(settling, _)| settling.grace);
        let grace = Duration::from_secs(u64::try_from(grace).unwrap_or(0));
        self.live = Some(Live { grace, last: Instant::now(), flushed: true });
    }

    /// Called when no block came for a while: once no line came for the grace, hands on every
    /// call whose legs are all closed.
    pub(super) fn quiet(&mut self) -> anyhow::Result<()> {
        let Some(live) = &mut self.live else { return Ok(()) };
        if live.flushed || live.last.elapsed() < live.grace {
            return Ok(());
        }
        live.flushed = true;
        let Some(now) = self.assembler.latest() else { return Ok(()) };
        self.hand_on(Take::ClosedBy(now), now, Some(now))
    }

    /// Lets a live sink look at the clock.
    pub(super) fn tick(&mut self) -> anyhow::Result<()> {
        match (&self.live, &mut self.streaming) {
            (Some(_), Some((_, sink))) => sink.tick(),
            _ => Ok(()),
        }
    }

    /// Whether following ended by a stop, not by the end of the inputs.
    pub(super) fn stopped(&self) -> bool {
        self.live.is_some() && following::stop_requested()
    }
}
