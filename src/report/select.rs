//! Which calls a command reports: the filters shared by every subcommand. Pure predicates over
//! figures; parsing the user's values happens in `config`. Names match regardless of case,
//! since a username typed from memory rarely has the log's capitals.

use crate::locate::CallId;
use crate::metrics::aggregate::{kpi, CallFacts};
use crate::metrics::{self, Outcome};
use crate::model::{Call, Dataset};

/// The filters in force; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Call start at or after (Unix seconds).
    pub since: Option<i64>,
    /// Call start before (Unix seconds).
    pub until: Option<i64>,
    /// `INBOUND` or `OUTBOUND`.
    pub direction: Option<String>,
    /// Consultant username.
    pub consultant: Option<String>,
    /// Project name.
    pub project: Option<String>,
    /// Outcome.
    pub outcome: Option<OutcomeFilter>,
    /// Hangup side name.
    pub hangup_side: Option<String>,
    /// A leg the call must contain: its uuid or a prefix of one (or of the call id), read
    /// by [`CallId::parse`] as `timeline --call` reads it.
    pub call: Option<CallId>,
}

impl Selection {
    /// True when the call passes every filter.
    pub fn matches(&self, ds: &Dataset, call: &Call) -> bool {
        let f = &call.figures;
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have.is_some_and(|h| same_name(h, w)))
        };
        self.in_window(f.start)
            && self.outcome.is_none_or(|o| o.matches(ds, call))
            && eq(&self.direction, ds.opt_str(f.direction))
            && eq(&self.consultant, ds.opt_str(f.consultant))
            && eq(&self.project, ds.opt_str(f.project))
            && (self.hangup_side.is_none() || eq(&self.hangup_side, Some(&metrics::hangup_side(ds, f))))
            && self.matches_call(ds, call)
    }

    /// True when the call has the leg `--call` names, or no leg is named.
    pub fn matches_call(&self, ds: &Dataset, call: &Call) -> bool {
        self.call.as_ref().is_none_or(|id| {
            id.matches(ds.str(call.id)) || ds.legs_of(call).iter().any(|leg| id.matches(ds.str(leg.uuid)))
        })
    }

    /// True when a call starting at `start` is inside `--since`/`--until`.
    pub fn in_window(&self, start: i64) -> bool {
        self.since.is_none_or(|since| start >= since) && self.until.is_none_or(|until| start < until)
    }

    /// The matching calls, in the dataset's order (start, call_id).
    pub fn apply<'a>(&'a self, ds: &'a Dataset) -> impl Iterator<Item = &'a Call> + 'a {
        ds.calls.iter().filter(move |call| self.matches(ds, call))
    }
}

/// What `--outcome` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeFilter {
    /// Calls with this outcome.
    Is(Outcome),
    /// Abandoned calls, as [`kpi::abandoned`] says.
    Abandoned,
    /// Abandoned calls shorter than `under` seconds, as [`kpi::short_abandoned`] says.
    ShortAbandoned {
        /// `--short-abandon`.
        under: i64,
    },
}

impl OutcomeFilter {
    /// True when the call is of this kind.
    pub fn matches(self, ds: &Dataset, call: &Call) -> bool {
        match self {
            OutcomeFilter::Is(outcome) => call.figures.outcome() == outcome,
            OutcomeFilter::Abandoned => kpi::abandoned(&CallFacts::new(ds, call)),
            OutcomeFilter::ShortAbandoned { under } => kpi::short_abandoned(&CallFacts::new(ds, call), under),
        }
    }
}

/// The one rule for comparing names given by a user with names in the log: equal regardless
/// of case (Unicode case, so `PAWEŁ` is `paweł`).
pub(crate) fn same_name(have: &str, want: &str) -> bool {
    have.eq_ignore_ascii_case(want)
        || (!(have.is_ascii() && want.is_ascii()) && have.to_lowercase() == want.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn names_match_regardless_of_case() {
        assert!(same_name("ewa.wojcik", "Ewa.Wojcik"));
        assert!(same_name("Projekt Paweł", "PROJEKT PAWEŁ"));
        assert!(!same_name("ewa.wojcik", "ewa.wojcik2"));
    }
}
