//! Pure functions from a call's legs and events to its figures, exactly as DOMAIN.md defines
//! them. No I/O, no formatting, no string resolution beyond comparing interned constants.

use std::borrow::Cow;

pub mod aggregate;

use crate::event::EventKind;
use crate::model::{Dataset, Flags, Known, Leg, LegEvent, LegInfo, Seq, Sym};

/// A moment in the input: a time, with the input position breaking ties within a second.
pub type Moment = (i64, Seq);

/// What one leg did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegFigures {
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
pub fn leg_figures(events: &[LegEvent], known: &Known) -> LegFigures {
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

/// The figures of a call (DOMAIN.md, "What a call's figures mean").
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
pub struct LegView<'a> {
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

/// The figures of a call from its legs (`root` is the index into `legs` of the root leg, when
/// it is in the input). `structural` carries the flags found while linking.
pub fn call_figures(legs: &[LegView<'_>], root: Option<usize>, structural: Flags, known: &Known) -> CallFigures {
    let start = legs.iter().map(|l| l.figures.first.0).min().unwrap_or(0);
    let answered_at = legs.iter().filter_map(|l| l.figures.talking).map(|t| t.0).min();
    let all_closed = legs.iter().all(|l| l.figures.closed.is_some());
    let end = if all_closed { legs.iter().filter_map(|l| l.figures.closed).map(|c| c.0).max() } else { None };
    let flags = legs.iter().fold(structural, |acc, l| acc | l.figures.flags);

    let (consultant, project) = consultant_and_project(legs, known);
    let hangup = hangup_leg(legs, known);
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
        hangup_leg: hangup,
        direction,
        consultant,
        project,
        client,
        close_cause: ending_close_cause(legs, hangup, known),
        legs: legs.len() as u32,
        flags,
    }
}

/// The leg whose `HANGUP` close is the latest, looking first at legs that reached `talking`.
fn hangup_leg(legs: &[LegView<'_>], known: &Known) -> Option<u32> {
    let latest_hangup = |talked_only: bool| {
        legs.iter()
            .filter(|l| !talked_only || l.figures.talking.is_some())
            .filter(|l| l.figures.close_cause == Some(known.hangup))
            .max_by_key(|l| l.figures.closed)
            .map(|l| l.index)
    };
    latest_hangup(true).or_else(|| latest_hangup(false))
}

/// The close cause of the leg that ended the call: the hangup leg when there is one, else the
/// first leg to close (a `BUSY` or `NO_ANSWER` that the other legs then followed). Within the
/// first second, a `DIALOG_LEFT` ("the other party left") is a consequence, never the cause, so
/// the order of same-second lines does not change the answer.
fn ending_close_cause(legs: &[LegView<'_>], hangup: Option<u32>, known: &Known) -> Option<Sym> {
    let ending = match hangup {
        Some(index) => legs.iter().find(|l| l.index == index),
        None => legs
            .iter()
            .filter_map(|l| Some((l.figures.closed?, l)))
            .min_by_key(|((time, seq), l)| (*time, l.figures.close_cause == Some(known.dialog_left), *seq))
            .map(|(_, l)| l),
    };
    ending.and_then(|l| l.figures.close_cause)
}

/// The consultant: the last consultant leg that reached `talking`, else the last consultant leg
/// created, else a client leg's `peer_username`; the project from the same source.
fn consultant_and_project(legs: &[LegView<'_>], known: &Known) -> (Option<Sym>, Option<Sym>) {
    let consultants = || legs.iter().filter(|l| l.is_type(known.consultant));
    let chosen = consultants()
        .filter(|l| l.figures.talking.is_some())
        .max_by_key(|l| l.figures.talking)
        .or_else(|| consultants().filter(|l| l.figures.created.is_some()).max_by_key(|l| l.figures.created));
    if let Some(info) = chosen.and_then(|l| l.info()) {
        if info.username.is_some() {
            return (info.username, info.project);
        }
    }
    let from_client = legs
        .iter()
        .filter(|l| l.is_type(known.external) && l.info().is_some_and(|i| i.peer_username.is_some()))
        .min_by_key(|l| l.figures.created)
        .and_then(|l| l.info());
    match from_client {
        Some(info) => (info.peer_username, info.peer_project_name),
        None => (None, chosen.and_then(|l| l.info()?.project)),
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
pub fn side_name(ds: &Dataset, dialog_type: Option<Sym>) -> Cow<'_, str> {
    match dialog_type {
        Some(t) if t == ds.known.external => Cow::Borrowed("client"),
        Some(t) if t == ds.known.consultant => Cow::Borrowed("consultant"),
        Some(other) => Cow::Owned(ds.str(other).to_lowercase()),
        None => Cow::Borrowed("unknown"),
    }
}
