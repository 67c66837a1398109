//! `summary`'s own settings: the `--by` and figure-definition arguments in -> the grouping keys and
//! definitions out.

use super::time::seconds;
use crate::cli::{ByArg, SummaryArgs};
use crate::exit::UsageError;
use crate::metrics::aggregate::{Definitions, GroupKey};

/// What `summary` groups by and how its figures are defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummarySettings {
    /// The grouping keys, in order, each once.
    pub by: Vec<GroupKey>,
    /// Percentiles and the thresholds of the contact-center figures.
    pub definitions: Definitions,
    /// `--kpi`: the table shows every contact-center figure.
    pub kpi: bool,
    /// `--compare`: also report the period shifted back by this many seconds.
    pub compare: Option<i64>,
    /// With `--follow`: how often the totals of the calls that ended are written.
    pub every: Option<std::time::Duration>,
}

impl SummarySettings {
    /// From the arguments of `summary`.
    pub fn from_args(args: &SummaryArgs) -> Result<Self, UsageError> {
        let mut percentiles: Vec<u32> = Vec::with_capacity(args.percentiles.len());
        for &pct in &args.percentiles {
            if !(1..=100).contains(&pct) {
                return Err(UsageError(format!("--percentiles {pct}: a percentile is a whole number from 1 to 100")));
            }
            if !percentiles.contains(&pct) {
                percentiles.push(pct);
            }
        }
        let definitions = Definitions {
            percentiles,
            sla: seconds("--sla", &args.sla)?,
            short_abandon: seconds("--short-abandon", &args.filter.short_abandon)?,
        };
        let compare = args.compare.as_deref().map(|period| seconds("--compare", period)).transpose()?;
        if compare == Some(0) {
            return Err(UsageError("--compare 0 compares a period with itself: use a period such as 1d or 1w".into()));
        }
        Ok(SummarySettings { by: group_keys(&args.by), definitions, kpi: args.kpi, compare, every: None })
    }
}

/// The grouping keys, in the order given; a key repeated by mistake counts once.
pub fn group_keys(by: &[ByArg]) -> Vec<GroupKey> {
    let mut keys = Vec::with_capacity(by.len());
    for arg in by {
        let key = match arg {
            ByArg::Consultant => GroupKey::Consultant,
            ByArg::Project => GroupKey::Project,
            ByArg::Direction => GroupKey::Direction,
            ByArg::Outcome => GroupKey::Outcome,
            ByArg::HangupSide => GroupKey::HangupSide,
            ByArg::Day => GroupKey::Day,
            ByArg::Hour => GroupKey::Hour,
            ByArg::CloseCause => GroupKey::CloseCause,
            ByArg::Weekday => GroupKey::Weekday,
            ByArg::Client => GroupKey::Client,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}
