//! One call as rows of the three exported tables: the call, its legs and its events, owned, so
//! that they can wait for earlier calls still in flight and be written in (start, call id)
//! order. Values are read from the figures `metrics` computed; nothing is decided here.

use crate::metrics::{self, Outcome};
use crate::model::{Call, Dataset, Flags};
use crate::render::ordered::Key;
use crate::report::explain;

/// A call with its legs and events, ready for every table.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRows {
    /// Where it sorts: its start, then its id.
    pub key: Key,
    /// The row of `calls`.
    pub call: CallRow,
    /// The rows of `legs`, in the call's leg order.
    pub legs: Vec<LegRow>,
    /// The rows of `events`: every event but re-deliveries, by (time, input order).
    pub events: Vec<EventRow>,
}

/// The columns of `calls --format csv`, typed; times are Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// `INBOUND` / `OUTBOUND`.
    pub direction: Option<Box<str>>,
    /// Earliest `talking`.
    pub answered_at: Option<i64>,
    /// Latest close.
    pub end: Option<i64>,
    /// Seconds from start to answer.
    pub wait_s: Option<i64>,
    /// Seconds from answer to end.
    pub talk_s: Option<i64>,
    /// Seconds from start to end.
    pub duration_s: Option<i64>,
    /// `client`, `consultant`, `none`, or another leg type.
    pub hangup_side: Box<str>,
    /// Answered, not answered or open.
    pub outcome: Outcome,
    /// Consultant username.
    pub consultant: Option<Box<str>>,
    /// Project name.
    pub project: Option<Box<str>>,
    /// Client number.
    pub client: Option<Box<str>>,
    /// Number of legs.
    pub legs: u32,
    /// Close cause of the leg that ended the call.
    pub close_cause: Option<Box<str>>,
    /// Data-quality flags.
    pub flags: Flags,
}

/// One leg; times are Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LegRow {
    /// `dialog_uuid`.
    pub dialog_uuid: Box<str>,
    /// `dialog_type`.
    pub dialog_type: Option<Box<str>>,
    /// The parent leg's uuid, as its create names it.
    pub parent: Option<Box<str>>,
    /// Its `dialog_create`.
    pub created: Option<i64>,
    /// Its first `answered`/`talking`.
    pub answered: Option<i64>,
    /// Its close.
    pub closed: Option<i64>,
    /// Its close cause.
    pub close_cause: Option<Box<str>>,
    /// Seconds from creation to answer.
    pub ring_s: Option<i64>,
}

/// One event; its leg is an index into [`CallRows::legs`].
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Its leg, in [`CallRows::legs`].
    pub leg: usize,
    /// `dialog_create`, `dialog_state_update` or `dialog_close`.
    pub event_name: &'static str,
    /// `event_time`, Unix seconds.
    pub time: i64,
    /// The state it carries.
    pub state: Option<Box<str>>,
    /// The close cause, on closes.
    pub close_cause: Option<Box<str>>,
}

impl CallRows {
    /// The rows of `call`.
    pub fn new(ds: &Dataset, call: &Call) -> Self {
        let f = &call.figures;
        let text = |sym| ds.opt_str(sym).map(Box::from);
        let legs = ds.legs_of(call).iter().map(|leg| {
            let fig = metrics::leg_figures(ds.events_of(leg), &ds.known);
            let info = leg.info.unwrap_or_default();
            LegRow {
                dialog_uuid: ds.str(leg.uuid).into(),
                dialog_type: text(info.dialog_type),
                parent: text(info.parent),
                created: fig.created.map(|(t, _)| t),
                answered: fig.answered.map(|(t, _)| t),
                closed: fig.closed.map(|(t, _)| t),
                close_cause: text(fig.close_cause),
                ring_s: fig.ring_s(),
            }
        });
        let events = explain::chronological(ds, call).into_iter().filter(|h| !h.event.duplicate()).map(|h| EventRow {
            leg: (h.leg - call.legs.start) as usize,
            event_name: h.event.kind().name(),
            time: h.event.time(),
            state: text(h.event.state),
            close_cause: text(h.event.close_cause),
        });
        CallRows {
            key: (f.start, ds.str(call.id).into()),
            call: CallRow {
                direction: text(f.direction),
                answered_at: f.answered_at,
                end: f.end,
                wait_s: f.wait_s(),
                talk_s: f.talk_s(),
                duration_s: f.duration_s(),
                hangup_side: metrics::hangup_side(ds, f).into(),
                outcome: f.outcome(),
                consultant: text(f.consultant),
                project: text(f.project),
                client: text(f.client),
                legs: f.legs,
                close_cause: text(f.close_cause),
                flags: f.flags,
            },
            legs: legs.collect(),
            events: events.collect(),
        }
    }

    /// The call's start, Unix seconds.
    pub fn start(&self) -> i64 {
        self.key.0
    }

    /// The call's id.
    pub fn id(&self) -> &str {
        &self.key.1
    }
}
