//! The rules that pick one leg of a call for a figure: which leg hung up, which leg answered,
//! which consultant counts, and which leg's close ended the call.
//!
//! Each rule returns the leg it chose and, where more than one rule could have chosen it, which
//! one did. The figures are made from these answers and `timeline` words them; neither decides
//! anything again, so a rule changed here changes the figures and their explanation together.

use super::LegView;
use crate::model::Known;

/// A leg chosen for a figure (its index in the dataset), and the rule that chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<R> {
    /// The leg; `None` when no leg qualifies.
    pub leg: Option<u32>,
    /// Why that leg, or why none.
    pub rule: R,
}

/// Why a leg decides the hangup side: the latest `HANGUP` close, looking first at the legs
/// that reached talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangupRule {
    /// No leg closed with `HANGUP`: the side is `none`.
    NoHangup,
    /// The only leg that closed with `HANGUP`, and no leg that reached talking was passed over.
    OnlyHangup,
    /// The latest `HANGUP` among the legs that reached talking; other legs closed with one too.
    LatestTalkedHangup,
    /// Legs reached talking but none of them closed with `HANGUP`: the latest of any leg.
    NoTalkedHangup,
    /// No leg reached talking: the latest of several `HANGUP`s.
    LatestHangup,
}

/// Where the consultant's name (and the project) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultantRule {
    /// The last consultant leg that reached talking.
    LastTalking,
    /// No consultant leg reached talking: the last consultant leg created.
    LastCreated,
    /// The consultant leg those rules chose names no user (or there is none): the
    /// `peer_username` of the first client leg created that has one.
    ClientPeerUsername,
    /// No name anywhere. The leg, if any, is the consultant leg the project comes from.
    Nobody,
}

/// What the rules chose for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choices {
    /// The leg whose `HANGUP` decides the hangup side.
    pub hangup: Choice<HangupRule>,
    /// The first leg to reach talking (by time, then input order): its moment is the call's
    /// `answered_at`.
    pub answered: Option<u32>,
    /// The leg the consultant and project come from.
    pub consultant: Choice<ConsultantRule>,
    /// The leg whose close cause is the call's: the hangup leg, else the first leg to close.
    pub ending: Option<u32>,
}

/// Applies every rule to the legs of one call.
pub(crate) fn choose(legs: &[LegView<'_>], known: &Known) -> Choices {
    let hangup = hangup(legs, known);
    Choices {
        hangup,
        answered: legs
            .iter()
            .filter(|l| l.figures.talking.is_some())
            .min_by_key(|l| l.figures.talking)
            .map(|l| l.index),
        consultant: consultant(legs, known),
        ending: hangup.leg.or_else(|| first_to_close(legs, known)),
    }
}

/// The leg whose `HANGUP` close is the latest, looking first at legs that reached `talking`.
fn hangup(legs: &[LegView<'_>], known: &Known) -> Choice<HangupRule> {
    let hung_up = |l: &&LegView<'_>| l.figures.close_cause == Some(known.hangup);
    let latest = |talked_only: bool| {
        legs.iter()
            .filter(|l| !talked_only || l.figures.talking.is_some())
            .filter(hung_up)
            .max_by_key(|l| l.figures.closed)
            .map(|l| l.index)
    };
    let several = legs.iter().filter(hung_up).nth(1).is_some();
    let (leg, rule) = if let Some(leg) = latest(true) {
        (leg, if several { HangupRule::LatestTalkedHangup } else { HangupRule::OnlyHangup })
    } else if let Some(leg) = latest(false) {
        let rule = match (legs.iter().any(|l| l.figures.talking.is_some()), several) {
            (true, _) => HangupRule::NoTalkedHangup,
            (false, true) => HangupRule::LatestHangup,
            (false, false) => HangupRule::OnlyHangup,
        };
        (leg, rule)
    } else {
        return Choice { leg: None, rule: HangupRule::NoHangup };
    };
    Choice { leg: Some(leg), rule }
}

/// The first leg to close: a `BUSY` or `NO_ANSWER` that the other legs then followed. Within the
/// first second, a `DIALOG_LEFT` ("the other party left") is a consequence, never the cause, so
/// the order of same-second lines does not change the answer.
fn first_to_close(legs: &[LegView<'_>], known: &Known) -> Option<u32> {
    legs.iter()
        .filter_map(|l| Some((l.figures.closed?, l)))
        .min_by_key(|((time, seq), l)| (*time, l.figures.close_cause == Some(known.dialog_left), *seq))
        .map(|(_, l)| l.index)
}

/// The consultant: the last consultant leg that reached `talking`, else the last consultant leg
/// created, else a client leg's `peer_username`.
fn consultant(legs: &[LegView<'_>], known: &Known) -> Choice<ConsultantRule> {
    let consultants = || legs.iter().filter(|l| l.is_type(known.consultant));
    let talked = consultants().filter(|l| l.figures.talking.is_some()).max_by_key(|l| l.figures.talking);
    let chosen = talked.map(|l| (l, ConsultantRule::LastTalking)).or_else(|| {
        let created = consultants().filter(|l| l.figures.created.is_some()).max_by_key(|l| l.figures.created);
        created.map(|l| (l, ConsultantRule::LastCreated))
    });
    if let Some((leg, rule)) = chosen {
        if leg.info().is_some_and(|i| i.username.is_some()) {
            return Choice { leg: Some(leg.index), rule };
        }
    }
    let client = legs
        .iter()
        .filter(|l| l.is_type(known.external) && l.info().is_some_and(|i| i.peer_username.is_some()))
        .min_by_key(|l| l.figures.created);
    match client {
        Some(leg) => Choice { leg: Some(leg.index), rule: ConsultantRule::ClientPeerUsername },
        None => Choice { leg: chosen.map(|(leg, _)| leg.index), rule: ConsultantRule::Nobody },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::load::{self, LoadOptions};
    use crate::metrics::leg_views;

    /// A leg of the test call: `c` a consultant (user `user` unless empty), `x` the client
    /// (naming `user` as its peer unless empty); the first leg is the root, the others its
    /// children. `talk` and `close` are seconds after 10:00:00; `close` with its cause.
    struct Leg<'a> {
        kind: char,
        user: &'a str,
        created: u32,
        talk: Option<u32>,
        close: Option<(u32, &'a str)>,
    }

    fn log(legs: &[Leg<'_>]) -> String {
        let at = |s: u32| format!("2026-03-10 10:{:02}:{:02}", s / 60, s % 60);
        let line = |s: u32, uuid: &str, rest: &str| {
            format!(r#"{{"event_type":"user_dialog","event_time":"{}","dialog_uuid":"{uuid}",{rest}}}"#, at(s)) + "\n"
        };
        let mut out = String::new();
        for (i, leg) in legs.iter().enumerate() {
            let uuid = format!("leg-{i}");
            let (kind, who) = match (leg.kind, leg.user) {
                ('c', "") => ("CONSULTANT", String::new()),
                ('c', user) => ("CONSULTANT", format!(r#","tenant_user":{{"username":"{user}"}}"#)),
                (_, "") => ("EXTERNAL", String::new()),
                (_, user) => ("EXTERNAL", format!(r#","peer_username":"{user}""#)),
            };
            let create = format!(
                r#""event_name":"dialog_create","state":"ringing","dialog_type":"{kind}"{who},"initial_application_info":{{"data":{{"caller_dialog_uuid":"leg-0"}}}}"#
            );
            out += &line(leg.created, &uuid, &create);
            if let Some(s) = leg.talk {
                out += &line(s, &uuid, r#""event_name":"dialog_state_update","state":"talking""#);
            }
            if let Some((s, cause)) = leg.close {
                out += &line(s, &uuid, &format!(r#""event_name":"dialog_close","close_cause":"{cause}""#));
            }
        }
        out
    }

    /// The choices for the one call of `legs`, each leg given by its position in `legs`.
    fn choices(legs: &[Leg<'_>]) -> Choices {
        let loaded = load::load_readers([("t".to_string(), Cursor::new(log(legs)))], &LoadOptions::default()).unwrap();
        let ds = &loaded.dataset;
        assert_eq!(ds.calls.len(), 1, "{}", log(legs));
        let call = &ds.calls[0];
        let views = leg_views(ds.legs_of(call), call.legs.start, &ds.events, &ds.known);
        let chosen = choose(&views, &ds.known);
        // The dataset orders legs its own way: name them by the position in `legs` instead.
        let position = |leg: Option<u32>| leg.map(|leg| ds.str(ds.legs[leg as usize].uuid)[4..].parse().unwrap());
        Choices {
            hangup: Choice { leg: position(chosen.hangup.leg), rule: chosen.hangup.rule },
            answered: position(chosen.answered),
            consultant: Choice { leg: position(chosen.consultant.leg), rule: chosen.consultant.rule },
            ending: position(chosen.ending),
        }
    }

    fn leg<'a>(kind: char, user: &'a str, created: u32, talk: Option<u32>, close: Option<(u32, &'a str)>) -> Leg<'a> {
        Leg { kind, user, created, talk, close }
    }

    #[test]
    fn the_hangup_rule_says_which_of_its_cases_chose_the_leg() {
        let hangup = |legs: &[Leg<'_>]| {
            let c = choices(legs);
            (c.hangup.leg, c.hangup.rule)
        };
        let talked = |close| leg('x', "", 0, Some(5), Some(close));
        let only = [leg('c', "ewa", 0, Some(5), Some((9, "DIALOG_LEFT"))), talked((9, "HANGUP"))];
        assert_eq!(hangup(&only), (Some(1), HangupRule::OnlyHangup));
        let both = [leg('c', "ewa", 0, Some(5), Some((8, "HANGUP"))), talked((9, "HANGUP"))];
        assert_eq!(hangup(&both), (Some(1), HangupRule::LatestTalkedHangup));
        let bystander = [talked((9, "DIALOG_LEFT")), leg('c', "ewa", 1, None, Some((3, "HANGUP")))];
        assert_eq!(hangup(&bystander), (Some(1), HangupRule::NoTalkedHangup));
        let unanswered = [leg('x', "", 0, None, Some((4, "HANGUP"))), leg('c', "ewa", 1, None, Some((3, "HANGUP")))];
        assert_eq!(hangup(&unanswered), (Some(0), HangupRule::LatestHangup));
        let busy = [leg('x', "", 0, None, Some((4, "BUSY"))), leg('c', "ewa", 1, None, Some((4, "DIALOG_LEFT")))];
        assert_eq!(hangup(&busy), (None, HangupRule::NoHangup));
        assert_eq!(choices(&busy).ending, Some(0), "the BUSY leg ended the call, not the one that left");
    }

    #[test]
    fn the_consultant_rule_says_where_the_name_comes_from() {
        let consultant = |legs: &[Leg<'_>]| {
            let c = choices(legs);
            (c.consultant.leg, c.consultant.rule)
        };
        let client = |user| leg('x', user, 0, Some(5), Some((9, "HANGUP")));
        let offered = [client("ewa"), leg('c', "ewa", 1, Some(5), None), leg('c', "jan", 2, None, None)];
        assert_eq!(consultant(&offered), (Some(1), ConsultantRule::LastTalking));
        let missed = [leg('x', "", 0, None, None), leg('c', "ewa", 1, None, None), leg('c', "jan", 2, None, None)];
        assert_eq!(consultant(&missed), (Some(2), ConsultantRule::LastCreated));
        let nameless = [client("ewa"), leg('c', "", 1, Some(5), None), leg('c', "jan", 2, None, None)];
        assert_eq!(consultant(&nameless), (Some(0), ConsultantRule::ClientPeerUsername));
        let nobody = [client(""), leg('c', "", 1, Some(5), None)];
        assert_eq!(consultant(&nobody), (Some(1), ConsultantRule::Nobody));
    }

    #[test]
    fn the_answering_leg_is_the_first_to_talk() {
        let legs = [leg('x', "", 0, Some(6), None), leg('c', "ewa", 1, Some(5), None)];
        assert_eq!(choices(&legs).answered, Some(1));
    }
}
