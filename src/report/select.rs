//! Which calls a command reports: the filters shared by every subcommand. Pure predicates over
//! figures; parsing the user's values happens in `config`.

use crate::locate::CallId;
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
    pub outcome: Option<Outcome>,
    /// Hangup side name, lower case.
    pub hangup_side: Option<String>,
    /// A leg the call must contain: its uuid or a prefix of one (or of the call id), read
    /// by [`CallId::parse`] as `timeline --call` reads it.
    pub call: Option<CallId>,
}

impl Selection {
    /// True when the call passes every filter.
    pub fn matches(&self, ds: &Dataset, call: &Call) -> bool {
        let f = &call.figures;
        let eq = |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| have == Some(w));
        self.since.is_none_or(|since| f.start >= since)
            && self.until.is_none_or(|until| f.start < until)
            && self.outcome.is_none_or(|o| f.outcome() == o)
            && eq(&self.direction, ds.opt_str(f.direction).map(str::to_uppercase).as_deref())
            && eq(&self.consultant, ds.opt_str(f.consultant))
            && eq(&self.project, ds.opt_str(f.project))
            && eq(&self.hangup_side, Some(&metrics::hangup_side(ds, f)))
            && self.call.as_ref().is_none_or(|id| {
                id.matches(ds.str(call.id)) || ds.legs_of(call).iter().any(|leg| id.matches(ds.str(leg.uuid)))
            })
    }

    /// The matching calls, in the dataset's order (start, call_id).
    pub fn apply<'a>(&'a self, ds: &'a Dataset) -> impl Iterator<Item = &'a Call> + 'a {
        ds.calls.iter().filter(move |call| self.matches(ds, call))
    }
}
