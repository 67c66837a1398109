//! The bookkeeping of `calls --follow`, beside the other streamed runs': the followed inputs
//! are started, their calls streamed to the sink until the inputs end or a stop is asked for,
//! and then the calls in progress are either saved in `--state` with where each file was
//! read to, or counted on stderr as not written.

use std::io::Write;

use crate::config::InputSettings;
use crate::diagnostics::Diagnostics;
use crate::input::follow::{self, Following};
use crate::load::state::State;
use crate::load::{self, Settling, Sink};

/// Follows the inputs into `sink` until they end (stdin) or a stop (Ctrl-C, SIGTERM). With
/// `--state`, the calls the previous run carried come first and every file goes on from where
/// that run stopped; the calls in progress at the stop are kept for [`super::run`] to save.
pub fn stream(
    input: &InputSettings,
    settling: Settling,
    sink: &mut dyn Sink,
    err: &mut dyn Write,
) -> anyhow::Result<Diagnostics> {
    let mut state = input.state.as_ref().map(|plan| State::open(&plan.path)).transpose()?;
    let carry = match (&mut state, &input.state) {
        (Some(state), Some(plan)) => Some(state.carry(plan.max_open)),
        _ => None,
    };
    let resume = state.as_ref().map(|state| state.positions.clone()).unwrap_or_default();
    follow::begin();
    let following = Following::start(&input.inputs, &resume, input.load.max_line_bytes);
    let outcome = load::follow(&input.inputs, &following.chunks, &input.load, settling, carry, sink);
    let (diagnostics, carried) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            // The file threads end at the stop; the process ends with the error anyway.
            follow::request_stop();
            return Err(error);
        }
    };
    let positions = following.positions();
    match (state, carried) {
        (Some(state), Some(mut carried)) => {
            carried.positions = positions;
            *super::PENDING_STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((state, carried));
        }
        (None, Some(carried)) if !carried.events.is_empty() => {
            let events = crate::render::counted(carried.events.len() as u64, "event", "events");
            writeln!(
                err,
                "callflow: stopped; the calls in progress ({events}) were not written: with --state they are \
                 carried to the next run"
            )?;
        }
        _ => {}
    }
    Ok(diagnostics)
}
