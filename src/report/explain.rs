//! A call's story in plain words: its events in the order they happened, with late arrivals
//! marked, and sentences giving the rule behind its hangup side, outcome and consultant, and
//! its data-quality flags.
//!
//! Pure functions of the dataset. The figures are `metrics`' and are only read here, never
//! recomputed, and which leg decided a figure, by which rule, is `metrics::rules`' answer: a
//! sentence only names the legs and moments that made a figure what it is.

use std::borrow::Cow;

use serde::Serialize;

use crate::metrics::{self, Choice, ConsultantRule, HangupRule, LegFigures, Outcome};
use crate::model::{Call, Dataset, Flags, Leg, LegEvent};
use crate::render::human_duration;
use crate::report::timefmt::Zone;

/// One sentence of explanation, and which figure or flag it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Explanation {
    /// `hangup_side`, `outcome`, `consultant`, a flag's name, `duplicates` or `out_of_order`.
    pub about: Cow<'static, str>,
    /// The sentence.
    pub text: String,
}

/// One event of a call in the order things happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Happened<'a> {
    /// The event.
    pub event: &'a LegEvent,
    /// Its leg's index in the dataset.
    pub leg: u32,
    /// It arrived (in input position) after an event of the same call with a later time.
    pub out_of_order: bool,
}

/// Every event of the call, duplicates included, sorted by (time, input position).
pub(crate) fn chronological<'a>(ds: &'a Dataset, call: &Call) -> Vec<Happened<'a>> {
    let events = &ds.events[call.events.range()];
    let mut arrival: Vec<usize> = (0..events.len()).collect();
    arrival.sort_unstable_by_key(|&i| events[i].seq);
    let mut late = vec![false; events.len()];
    let mut latest = i64::MIN;
    for i in arrival {
        late[i] = events[i].time() < latest;
        latest = latest.max(events[i].time());
    }
    let mut happened: Vec<Happened<'a>> = events
        .iter()
        .zip(late)
        .enumerate()
        .map(|(i, (event, out_of_order))| {
            let leg = ds.leg_of_event(call, call.events.start + i as u32);
            Happened { event, leg, out_of_order }
        })
        .collect();
    happened.sort_by_key(|h| (h.event.time(), h.event.seq));
    happened
}

/// Short names for the legs of one call: the first 8 characters of each uuid, as people quote
/// them, when that tells the legs apart; otherwise the first 4, `…`, and the shortest ending
/// that does (generated or hand-made uuids often share a long start).
pub(crate) fn short_ids(uuids: &[&str]) -> Vec<String> {
    let chars: Vec<Vec<char>> = uuids.iter().map(|u| u.chars().collect()).collect();
    let distinct = |names: &[String]| {
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort_unstable();
        sorted.windows(2).all(|pair| pair[0] != pair[1])
    };
    let heads: Vec<String> = chars.iter().map(|c| c.iter().take(8).collect()).collect();
    if distinct(&heads) {
        return heads;
    }
    let longest = chars.iter().map(Vec::len).max().unwrap_or(0);
    for tail in 4..longest {
        let names: Vec<String> = chars
            .iter()
            .map(|c| match c.len() {
                n if n <= 4 + tail => c.iter().collect(),
                n => format!("{}…{}", c[..4].iter().collect::<String>(), c[n - tail..].iter().collect::<String>()),
            })
            .collect();
        if distinct(&names) {
            return names;
        }
    }
    uuids.iter().map(|u| u.to_string()).collect()
}

/// A leg as sentences name it, with what it did.
struct LegFacts<'a> {
    index: u32,
    leg: &'a Leg,
    fig: LegFigures,
    /// `the client leg bcfdaf62`.
    name: String,
}

/// The sentences behind the call's hangup side, outcome and consultant, then one per flag and
/// one each for re-delivered and late events, if any.
pub(crate) fn explain(ds: &Dataset, call: &Call, zone: &Zone) -> Vec<Explanation> {
    let uuids: Vec<&str> = ds.legs_of(call).iter().map(|leg| ds.str(leg.uuid)).collect();
    let ids = short_ids(&uuids);
    let views = metrics::leg_views(ds.legs_of(call), call.legs.start, &ds.events, &ds.known);
    // The same choices the figures were made from: the sentences only name them.
    let choices = metrics::rules::choose(&views, &ds.known);
    let legs: Vec<LegFacts<'_>> = views
        .iter()
        .zip(ids)
        .map(|(view, id)| LegFacts {
            index: view.index,
            leg: view.leg,
            fig: view.figures,
            name: format!("the {} leg {id}", metrics::side_name(ds, view.leg.info.and_then(|info| info.dialog_type))),
        })
        .collect();
    let clock = |t: i64| zone.local(t).format("%H:%M:%S").to_string();
    let mut out = vec![hangup(ds, call, &legs, choices.hangup, &clock), outcome(call, &legs, choices.answered, &clock)];
    out.extend(consultant(ds, call, &legs, choices.consultant, &clock));
    out.extend(flags(ds, call, &legs, &clock));
    out.extend(arrivals(&chronological(ds, call)));
    out
}

fn says(about: &'static str, text: String) -> Explanation {
    Explanation { about: Cow::Borrowed(about), text }
}

/// The leg a rule chose, among the call's.
fn chosen<'l, 'a>(legs: &'l [LegFacts<'a>], leg: Option<u32>) -> Option<&'l LegFacts<'a>> {
    legs.iter().find(|l| Some(l.index) == leg)
}

/// `the consultant leg c2b19c63 closed with DIALOG_LEFT at 16:25:09`, or that it never closed.
fn close_clause(ds: &Dataset, leg: &LegFacts<'_>, clock: &dyn Fn(i64) -> String) -> String {
    match leg.fig.closed {
        Some((at, _)) => {
            let cause = ds.opt_str(leg.fig.close_cause).unwrap_or("no close_cause");
            format!("{} closed with {cause} at {}", leg.name, clock(at))
        }
        None => format!("{} never closed", leg.name),
    }
}

fn hangup(
    ds: &Dataset,
    call: &Call,
    legs: &[LegFacts<'_>],
    choice: Choice<HangupRule>,
    clock: &dyn Fn(i64) -> String,
) -> Explanation {
    let others: Vec<String> =
        legs.iter().filter(|l| Some(l.index) != choice.leg).map(|l| close_clause(ds, l, clock)).collect();
    let mut text = match chosen(legs, choice.leg) {
        Some(leg) => {
            let rule = match choice.rule {
                HangupRule::NoTalkedHangup => {
                    ", the latest HANGUP of any leg, since no leg that reached talking closed with one"
                }
                HangupRule::LatestTalkedHangup => ", the latest HANGUP among the legs that reached talking",
                HangupRule::LatestHangup => ", the latest HANGUP",
                HangupRule::OnlyHangup | HangupRule::NoHangup => "",
            };
            let side = metrics::hangup_side(ds, &call.figures);
            format!("{side} hung up: {}{rule}", close_clause(ds, leg, clock))
        }
        None => "nobody hung up (hangup side none): no leg closed with HANGUP".to_owned(),
    };
    for other in others {
        text.push_str("; ");
        text.push_str(&other);
    }
    says("hangup_side", text)
}

fn outcome(call: &Call, legs: &[LegFacts<'_>], answered: Option<u32>, clock: &dyn Fn(i64) -> String) -> Explanation {
    let f = &call.figures;
    let text = match f.outcome() {
        Outcome::Answered => {
            let who = chosen(legs, answered).map_or_else(|| "a leg".to_owned(), |l| l.name.clone());
            let (answered, end) = (f.answered_at.unwrap_or(f.start), f.end.unwrap_or(f.start));
            format!(
                "answered: {who} reached talking at {}, {} after the call started; the last leg closed at {}, {} later",
                clock(answered),
                human_duration(answered - f.start),
                clock(end),
                human_duration(end - answered)
            )
        }
        Outcome::NotAnswered => {
            let closed = match legs.len() {
                1 => "its only leg closed at".to_owned(),
                n => format!("all {n} legs closed, the last at"),
            };
            format!("not answered: no leg reached talking, and {closed} {}", clock(f.end.unwrap_or(f.start)))
        }
        Outcome::Open => {
            let open: Vec<&str> = legs.iter().filter(|l| l.fig.closed.is_none()).map(|l| l.name.as_str()).collect();
            format!("open: {} never closed in the input, so the call has no end", open.join(" and "))
        }
    };
    says("outcome", text)
}

/// Nothing when the call has no consultant: no rule found a name.
fn consultant(
    ds: &Dataset,
    call: &Call,
    legs: &[LegFacts<'_>],
    choice: Choice<ConsultantRule>,
    clock: &dyn Fn(i64) -> String,
) -> Option<Explanation> {
    let name = ds.opt_str(call.figures.consultant)?;
    let leg = chosen(legs, choice.leg)?;
    let text = match choice.rule {
        ConsultantRule::LastTalking => {
            let at = leg.fig.talking.map_or(0, |t| t.0);
            let is_consultant = |l: &&LegFacts<'_>| l.leg.info.and_then(|i| i.dialog_type) == Some(ds.known.consultant);
            let offered = match legs.iter().filter(is_consultant).count() {
                1 => String::new(),
                n => format!(" (of {n} consultant legs)"),
            };
            format!(
                "consultant {name}: {} was the last consultant leg to reach talking, at {}{offered}",
                leg.name,
                clock(at)
            )
        }
        ConsultantRule::LastCreated => {
            format!("consultant {name}: no consultant leg reached talking, and {} was the last one created", leg.name)
        }
        ConsultantRule::ClientPeerUsername => format!(
            "consultant {name}: no consultant leg names its user, so the name comes from {} (peer_username)",
            leg.name
        ),
        ConsultantRule::Nobody => return None,
    };
    Some(says("consultant", text))
}

fn flags(ds: &Dataset, call: &Call, legs: &[LegFacts<'_>], clock: &dyn Fn(i64) -> String) -> Vec<Explanation> {
    let names = |flag: Flags| {
        let named: Vec<&str> = legs.iter().filter(|l| l.fig.flags.contains(flag)).map(|l| l.name.as_str()).collect();
        named.join(" and ")
    };
    let mut out = Vec::new();
    for (flag, about) in Flags::NAMES.iter().filter(|(flag, _)| call.figures.flags.contains(*flag)) {
        let text = match *flag {
            Flags::INCOMPLETE => format!(
                "{about}: no dialog_create arrived for {}, so it could not be linked to other legs and its type is unknown",
                names(Flags::INCOMPLETE)
            ),
            Flags::OPEN => format!("{about}: {} never closed", names(Flags::OPEN)),
            Flags::STATE_AFTER_CLOSE => format!("{about}: {} has events after its close", names(*flag)),
            Flags::EVENT_BEFORE_CREATE => {
                let early = legs.iter().filter(|l| l.fig.flags.contains(*flag));
                let each: Vec<String> = early
                    .map(|l| {
                        let created = l.fig.created.map_or(0, |c| c.0);
                        format!("{} has an event at {}, before its create at {}", l.name, clock(l.fig.first.0), clock(created))
                    })
                    .collect();
                format!("{about}: {}", each.join("; "))
            }
            Flags::LINK_CYCLE => format!(
                "{about}: the legs name each other as parents in a circle; {} was taken as the root",
                ds.str(call.id)
            ),
            Flags::MISSING_ROOT => format!(
                "{about}: the legs name a parent leg {} that never appeared in the input; its uuid is the call_id",
                ds.str(call.id)
            ),
            _ => about.to_string(),
        };
        out.push(says(about, text));
    }
    out
}

fn arrivals(events: &[Happened<'_>]) -> Vec<Explanation> {
    let duplicates = events.iter().filter(|h| h.event.duplicate()).count();
    let late = events.iter().filter(|h| h.out_of_order).count();
    let mut out = Vec::new();
    if duplicates > 0 {
        out.push(says(
            "duplicates",
            format!(
                "duplicates: {duplicates} re-delivered event{} dropped (same leg, event, time, state and cause as an earlier one)",
                plural(duplicates)
            ),
        ));
    }
    if late > 0 {
        out.push(says(
            "out_of_order",
            format!(
                "out_of_order: {late} event{} arrived after a later event of the call; shown by event_time",
                plural(late)
            ),
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::load::{self, LoadOptions};

    fn texts(fixture: &str) -> Vec<String> {
        // As `timeline` loads: every re-delivery kept, to be counted here.
        let options = LoadOptions { keep_redeliveries: true, ..LoadOptions::default() };
        let loaded = load::load_readers([("f".to_string(), Cursor::new(fixture))], &options).unwrap();
        let ds = &loaded.dataset;
        explain(ds, &ds.calls[0], &Zone::Utc).into_iter().map(|e| e.text).collect()
    }

    #[test]
    fn the_seed_call_is_explained_by_its_legs() {
        let why = texts(include_str!("../../tests/fixtures/seed_outbound.ndjson"));
        assert_eq!(
            why,
            [
                "client hung up: the client leg bcfdaf62 closed with HANGUP at 16:25:09; \
                 the consultant leg c2b19c63 closed with DIALOG_LEFT at 16:25:09",
                "answered: the client leg bcfdaf62 reached talking at 16:25:01, 20s after the call started; \
                 the last leg closed at 16:25:09, 8s later",
                "consultant pkowalski: the consultant leg c2b19c63 was the last consultant leg to reach talking, at 16:25:01",
            ]
        );
    }

    #[test]
    fn late_and_repeated_events_are_counted() {
        let why = texts(include_str!("../../tests/fixtures/out_of_order_duplicates.ndjson"));
        assert_eq!(why.len(), 5, "{why:?}");
        assert!(why[3].starts_with("duplicates: 3 re-delivered events dropped"), "{}", why[3]);
        assert!(why[4].starts_with("out_of_order: 8 events arrived"), "{}", why[4]);
    }

    #[test]
    fn short_ids_tell_the_legs_apart() {
        let real = ["c2b19c63-f17b-4726", "bcfdaf62-87b7-4cd8"];
        assert_eq!(short_ids(&real), ["c2b19c63", "bcfdaf62"]);
        let made = ["a1000000-0000-4000-8000-000000000001", "a1000000-0000-4000-8000-000000000002"];
        assert_eq!(short_ids(&made), ["a100…0001", "a100…0002"]);
        assert_eq!(short_ids(&["x", "x-long-name-1", "x-long-name-2"]), ["x", "x-lo…me-1", "x-lo…me-2"]);
    }

    #[test]
    fn the_consultant_sentence_names_the_rule_that_chose_the_name() {
        // The consultant leg that talked names no user, so the name is the client's peer; a
        // later consultant leg of the same name must not be taken for the source.
        let line = |time: &str, uuid: &str, rest: &str| {
            format!(
                r#"{{"event_type":"user_dialog","event_time":"2026-03-10 10:00:{time}","dialog_uuid":"{uuid}",{rest}}}"#
            ) + "\n"
        };
        let create = |kind: &str, who: &str| {
            format!(
                r#""event_name":"dialog_create","dialog_type":"{kind}",{who}"initial_application_info":{{"data":{{"caller_dialog_uuid":"leg-0"}}}}"#
            )
        };
        let log = [
            line("00", "leg-0", &create("EXTERNAL", r#""peer_username":"ewa","#)),
            line("01", "leg-1", &create("CONSULTANT", "")),
            line("02", "leg-2", &create("CONSULTANT", r#""tenant_user":{"username":"ewa"},"#)),
            line("05", "leg-0", r#""event_name":"dialog_state_update","state":"talking""#),
            line("05", "leg-1", r#""event_name":"dialog_state_update","state":"talking""#),
        ];
        let why = texts(&log.concat());
        assert_eq!(
            why[2],
            "consultant ewa: no consultant leg names its user, so the name comes from the client leg leg-0 (peer_username)"
        );
    }

    #[test]
    fn an_unlinked_leg_is_explained_as_incomplete() {
        let why = texts(include_str!("../../tests/fixtures/incomplete_and_open.ndjson"));
        assert_eq!(why[0], "unknown hung up: the unknown leg f7000000 closed with HANGUP at 13:00:40");
        assert!(why.iter().any(|w| w.starts_with("incomplete: no dialog_create arrived for the unknown leg f7000000")));
    }
}
