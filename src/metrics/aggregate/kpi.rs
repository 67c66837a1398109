//! The contact-center figures, defined once: which call is inbound, abandoned, abandoned too
//! fast to be served, or answered within the service-level target, and the two rates built on
//! them. `summary` counts with these rules and `--outcome abandoned` (or `short_abandoned`)
//! selects with them.
//! Calls still open are left out of every one of these.

use super::{CallFacts, Definitions, Fixed};
use crate::metrics::Outcome;

/// Decimals of `service_level` and `abandon_rate`.
pub(crate) const KPI_PLACES: u32 = 4;

/// A call with direction `INBOUND` that has ended.
pub fn inbound(call: &CallFacts<'_>) -> bool {
    call.outcome != Outcome::Open && call.direction.is_some_and(|d| d.eq_ignore_ascii_case("INBOUND"))
}

/// An inbound call not answered, hung up by the client: the caller gave up.
pub fn abandoned(call: &CallFacts<'_>) -> bool {
    inbound(call) && call.outcome == Outcome::NotAnswered && call.hangup_side == "client"
}

/// An abandoned call shorter than `--short-abandon` (`under` seconds).
pub fn short_abandoned(call: &CallFacts<'_>, under: i64) -> bool {
    abandoned(call) && call.duration_s.is_some_and(|d| d < under)
}

/// An inbound call answered after waiting at most `--sla` seconds.
pub fn answered_in_sla(call: &CallFacts<'_>, definitions: &Definitions) -> bool {
    inbound(call) && call.outcome == Outcome::Answered && call.wait_s.is_some_and(|w| w <= definitions.sla)
}

/// A group's counts of the calls above, and the rates over them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Service {
    /// Inbound calls.
    pub inbound: u64,
    /// Of those, abandoned.
    pub abandoned: u64,
    /// Of those, short abandons.
    pub short_abandoned: u64,
    /// Inbound calls answered within the service level.
    pub answered_in_sla: u64,
}

impl Service {
    /// Counts one more call.
    pub fn add(&mut self, call: &CallFacts<'_>, definitions: &Definitions) {
        self.inbound += u64::from(inbound(call));
        self.abandoned += u64::from(abandoned(call));
        self.short_abandoned += u64::from(short_abandoned(call, definitions.short_abandon));
        self.answered_in_sla += u64::from(answered_in_sla(call, definitions));
    }

    /// `answered_in_sla / (inbound − short_abandoned)`; `None` when that is 0.
    pub fn service_level(&self) -> Option<Fixed> {
        Fixed::ratio(self.answered_in_sla.into(), self.offered().into(), KPI_PLACES)
    }

    /// `(abandoned − short_abandoned) / (inbound − short_abandoned)`; `None` when that is 0.
    pub fn abandon_rate(&self) -> Option<Fixed> {
        Fixed::ratio((self.abandoned - self.short_abandoned).into(), self.offered().into(), KPI_PLACES)
    }

    /// The calls the rates are over: inbound calls, short abandons left out.
    fn offered(&self) -> u64 {
        self.inbound - self.short_abandoned
    }
}
