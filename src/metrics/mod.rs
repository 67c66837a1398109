//! Pure functions from a call's legs and events to its figures, exactly as the README's CSV
//! columns define them. No I/O, no formatting, no string resolution beyond comparing interned
//! constants. Which leg decides a figure, and by which rule, is [`rules`]' answer.

use std::borrow::Cow;

pub mod aggregate;
pub mod rules;

use crate::event::EventKind;
use crate::model::{Dataset, Flags, Known, Leg, LegEvent, LegInfo, Seq, Sym};
pub use rules::{Choice, Choices, ConsultantRule, HangupRule};

/// A moment in the input: a time, with the input position breaking ties within a second.
pub(crate) type Moment = (i64, Seq);

/// What one leg did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LegFigures {
    /// Its first event (of any kind).
    pub first: Moment,
    /// Its `dialog_create`.
    pub created: Option<Moment>,
    /// Its first `answered` or `talking` state.
    pub answered: Option<Moment>,
    /// Its first `talking` state.
    pub talking: Option<Moment>,
    /// Its first close.
    pub closed: Option<Moment>,
    /// The cause of that close.
    pub close_cause: Option<Sym>,
    /// Data-quality flags of this leg alone.
    pub flags: Flags,
}

impl LegFigures {
    /// Seconds from creation to the first `answered`/`talking`.
    pub fn ring_s(&self) -> Option<i64> {
        Some(self.answered?.0 - self.created?.0)
    }
}

/// Figures of one leg from its events (sorted by time and input order; duplicates skipped).
pub(crate) fn leg_figures(events: &[LegEvent], known: &Known) -> LegFigures {
    let mut fig = LegFigures {
        first: events.first().map_or((0, Seq::new(0, 0)), |e| (e.time(), e.seq)),
        created: None,
        answered: None,
        talking: None,
        closed: None,
        close_cause: None,
        flags: Flags::empty(),
    };
    for event in events.iter().filter(|e| !e.duplicate()) {
        let at = (event.time(), event.seq);
        if fig.closed.is_some() {
            fig.flags |= Flags::STATE_AFTER_CLOSE;
        }
        match event.kind() {
            EventKind::Create => {
                fig.created.get_or_insert(at);
            }
            EventKind::Close => {
                if fig.closed.is_none() {
                    fig.closed = Some(at);
                    fig.close_cause = event.close_cause;
                }
            }
            EventKind::State => {}
        }
        if event.state == Some(known.talking) {
            fig.talking.get_or_insert(at);
        }
        if event.state == Some(known.talking) || event.state == Some(known.answered) {
            fig.answered.get_or_insert(at);
        }
    }
    match fig.created {
        None => fig.flags |= Flags::INCOMPLETE,
        Some((created, _)) if fig.first.0 < created => fig.flags |= Flags::EVENT_BEFORE_CREATE,
        Some(_) => {}
    }
    if fig.closed.is_none() {
        fig.flags |= Flags::OPEN;
    }
    fig
}

/// The figures of a call, one per column of `calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFigures {
    /// Earliest event time of any leg.
    pub start: i64,
    /// Earliest `talking` of any leg.
    pub answered_at: Option<i64>,
    /// Latest close of any leg; `None` while a leg is open.
    pub end: Option<i64>,
    /// Index (in the dataset) of the leg whose `HANGUP` decides the hangup side.
    pub hangup_leg: Option<u32>,
    /// `business_direction` of the root leg.
    pub direction: Option<Sym>,
    /// The consultant's username.
    pub consultant: Option<Sym>,
    /// The project's name.
    pub project: Option<Sym>,
    /// The client's number.
    pub client: Option<Sym>,
    /// The close cause of the leg that ended the call: the hangup leg, else the first to close.
    pub close_cause: Option<Sym>,
    /// Number of legs.
    pub legs: u32,
    /// Data-quality flags of the call.
    pub flags: Flags,
}

/// Whether and how a call was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// A leg reached `talking`, and all legs closed.
    Answered,
    /// All legs closed and none reached `talking`.
    NotAnswered,
    /// A leg is still open at the end of the input.
    Open,
}

impl Outcome {
    /// Every outcome, in display order.
    pub const ALL: [Outcome; 3] = [Outcome::Answered, Outcome::NotAnswered, Outcome::Open];

    /// The name used in outputs and filters.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::NotAnswered => "not_answered",
            Outcome::Open => "open",
        }
    }
}

impl CallFigures {
    /// `answered_at − start`.
    pub fn wait_s(&self) -> Option<i64> {
        Some(self.answered_at? - self.start)
    }

    /// `end − answered_at`.
    pub fn talk_s(&self) -> Option<i64> {
        Some(self.end? - self.answered_at?)
    }

    /// `end − start`.
    pub fn duration_s(&self) -> Option<i64> {
        Some(self.end? - self.start)
    }

    /// Open while a leg is open, else answered when a leg talked, else not answered.
    pub fn outcome(&self) -> Outcome {
        match (self.end, self.answered_at) {
            (None, _) => Outcome::Open,
            (Some(_), Some(_)) => Outcome::Answered,
            (Some(_), None) => Outcome::NotAnswered,
        }
    }
}

/// One leg with what the call figures need of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LegView<'a> {
    /// Index of the leg in the dataset.
    pub index: u32,
    /// The leg.
    pub leg: &'a Leg,
    /// Its figures.
    pub figures: LegFigures,
}

impl LegView<'_> {
    fn info(&self) -> Option<&LegInfo> {
        self.leg.info.as_ref()
    }

    fn is_type(&self, dialog_type: Sym) -> bool {
        self.info().and_then(|i| i.dialog_type) == Some(dialog_type)
    }
}

/// Each leg of a call with its figures: `legs` are the call's legs, the first of them at index
/// `first` in the dataset, and `events` all the dataset's events.
pub(crate) fn leg_views<'a>(legs: &'a [Leg], first: u32, events: &[LegEvent], known: &Known) -> Vec<LegView<'a>> {
    let view = |(i, leg): (usize, &'a Leg)| LegView {
        index: first + i as u32,
        leg,
        figures: leg_figures(&events[leg.events.range()], known),
    };
    legs.iter().enumerate().map(view).collect()
}

/// The figures of a call from its legs (`root` is the index into `legs` of the root leg, when
/// it is in the input). `structural` carries the flags found while linking. Every figure taken
/// from one chosen leg comes from [`rules::choose`].
pub(crate) fn call_figures(legs: &[LegView<'_>], root: Option<usize>, structural: Flags, known: &Known) -> CallFigures {
    let start = legs.iter().map(|l| l.figures.first.0).min().unwrap_or(0);
    let all_closed = legs.iter().all(|l| l.figures.closed.is_some());
    let end = if all_closed { legs.iter().filter_map(|l| l.figures.closed).map(|c| c.0).max() } else { None };
    let flags = legs.iter().fold(structural, |acc, l| acc | l.figures.flags);

    let chosen = rules::choose(legs, known);
    let leg = |index: Option<u32>| index.and_then(|index| legs.iter().find(|l| l.index == index));
    let answered_at = leg(chosen.answered).and_then(|l| l.figures.talking).map(|t| t.0);
    let (consultant, project) = consultant_and_project(leg(chosen.consultant.leg), chosen.consultant.rule);
    let first_created = |keep: &dyn Fn(&LegInfo) -> bool| {
        legs.iter()
            .filter(|l| l.figures.created.is_some() && l.info().is_some_and(keep))
            .min_by_key(|l| l.figures.created)
            .and_then(|l| l.info())
    };
    let direction = root
        .and_then(|r| legs[r].info())
        .and_then(|i| i.business_direction)
        .or_else(|| first_created(&|i| i.business_direction.is_some())?.business_direction);
    let client = first_created(&|i| i.dialog_type == Some(known.external)).and_then(|i| i.self_target);

    CallFigures {
        start,
        answered_at,
        end,
        hangup_leg: chosen.hangup.leg,
        direction,
        consultant,
        project,
        client,
        close_cause: leg(chosen.ending).and_then(|l| l.figures.close_cause),
        legs: legs.len() as u32,
        flags,
    }
}

/// The consultant and project that `leg`, chosen by `rule`, names.
fn consultant_and_project(leg: Option<&LegView<'_>>, rule: ConsultantRule) -> (Option<Sym>, Option<Sym>) {
    let Some(info) = leg.and_then(|l| l.info()) else {
        return (None, None);
    };
    match rule {
        ConsultantRule::LastTalking | ConsultantRule::LastCreated => (info.username, info.project),
        ConsultantRule::ClientPeerUsername => (info.peer_username, info.peer_project_name),
        ConsultantRule::Nobody => (None, info.project),
    }
}

/// The hangup side's name: `client` for `EXTERNAL`, `consultant` for `CONSULTANT`, another
/// leg type in lower case, or `none` when no leg closed with `HANGUP`.
pub fn hangup_side<'a>(ds: &'a Dataset, figures: &CallFigures) -> Cow<'a, str> {
    match figures.hangup_leg {
        None => Cow::Borrowed("none"),
        Some(leg) => side_name(ds, ds.legs[leg as usize].info.and_then(|i| i.dialog_type)),
    }
}

/// The side a leg of this `dialog_type` stands for, as [`hangup_side`] names it; `unknown` for
/// a leg whose create never arrived.
pub(crate) fn side_name(ds: &Dataset, dialog_type: Option<Sym>) -> Cow<'_, str> {
    match dialog_type {
        Some(t) if t == ds.known.external => Cow::Borrowed("client"),
        Some(t) if t == ds.known.consultant => Cow::Borrowed("consultant"),
        Some(other) => Cow::Owned(ds.str(other).to_lowercase()),
        None => Cow::Borrowed("unknown"),
    }
}
