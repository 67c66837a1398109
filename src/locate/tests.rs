//! The located call must be the very call a full load rebuilds, whichever leg is asked for.

use std::io::Cursor;

use super::*;
use crate::report::rows::CallDetail;
use crate::report::timefmt::Zone;

const FIXTURES: [(&str, &str); 10] = [
    ("seed_outbound", include_str!("../../tests/fixtures/seed_outbound.ndjson")),
    ("inbound_multi_offer", include_str!("../../tests/fixtures/inbound_multi_offer.ndjson")),
    ("blind_transfer", include_str!("../../tests/fixtures/blind_transfer.ndjson")),
    ("outbound_unanswered", include_str!("../../tests/fixtures/outbound_unanswered.ndjson")),
    ("inbound_abandoned", include_str!("../../tests/fixtures/inbound_abandoned.ndjson")),
    ("out_of_order_duplicates", include_str!("../../tests/fixtures/out_of_order_duplicates.ndjson")),
    ("split_part1", include_str!("../../tests/fixtures/split_part1.ndjson")),
    ("split_part2", include_str!("../../tests/fixtures/split_part2.ndjson")),
    ("incomplete_and_open", include_str!("../../tests/fixtures/incomplete_and_open.ndjson")),
    ("messy", include_str!("../../tests/fixtures/messy.ndjson")),
];

fn full(inputs: &[(&str, &str)]) -> Loaded {
    let readers = inputs.iter().map(|(name, text)| (name.to_string(), Cursor::new(text.as_bytes())));
    load::load_readers(readers, &LoadOptions::default()).unwrap()
}

fn located(inputs: &[(&str, &str)], id: &str) -> Loaded {
    located_with_window(inputs, id, WINDOW_BYTES)
}

/// With a window of 0 bytes, every link learned late costs a lap of the ring. None of these
/// small searches may give up.
fn located_with_window(inputs: &[(&str, &str)], id: &str, window: usize) -> Loaded {
    let (found, cost) = searched(inputs, id, Limits { window, free_work: FREE_WORK });
    found.unwrap_or_else(|| panic!("the search for {id} gave up: {cost:?}"))
}

fn searched(inputs: &[(&str, &str)], id: &str, limits: Limits) -> (Option<Loaded>, Cost) {
    let names = inputs.iter().map(|(name, _)| name.to_string()).collect();
    let mut open = |index: usize| Ok(Cursor::new(inputs[index].1.as_bytes()));
    search(names, &mut open, &CallId::parse(id).unwrap(), &LoadOptions::default(), limits).unwrap()
}

/// Everything a timeline shows of a call: its record, its legs, and every event with its
/// position and duplicate mark.
fn story(loaded: &Loaded, id: &str) -> String {
    let ds = &loaded.dataset;
    let call = find_call(ds, &CallId::parse(id).unwrap()).unwrap();
    let events: Vec<String> = ds.events[call.events.range()]
        .iter()
        .zip(call.events.start..)
        .map(|(e, index)| {
            let leg = ds.str(ds.legs[ds.leg_of_event(call, index) as usize].uuid);
            let (state, cause) = (ds.opt_str(e.state), ds.opt_str(e.close_cause));
            format!("{leg} {} {:?} {:?} {state:?} {cause:?} {}", e.time(), e.seq, e.kind(), e.duplicate())
        })
        .collect();
    format!("{:?}\n{}", CallDetail::new(ds, call, &Zone::Utc), events.join("\n"))
}

fn leg_uuids(loaded: &Loaded) -> Vec<String> {
    let ds = &loaded.dataset;
    ds.legs.iter().map(|leg| ds.str(leg.uuid).to_owned()).collect()
}

fn assert_same_calls(inputs: &[(&str, &str)]) {
    let whole = full(inputs);
    for uuid in leg_uuids(&whole) {
        for window in [0, 1000, WINDOW_BYTES] {
            let found = located_with_window(inputs, &uuid, window);
            assert_eq!(story(&found, &uuid), story(&whole, &uuid), "asked for {uuid}, window {window}");
        }
        let prefix = &uuid[..MIN_PREFIX + 2];
        if find_call(&whole.dataset, &CallId::parse(prefix).unwrap()).is_ok() {
            assert_eq!(story(&located(inputs, prefix), prefix), story(&whole, prefix), "asked for {prefix}");
        }
    }
}

#[test]
fn every_leg_of_every_fixture_gives_the_call_of_a_full_load() {
    for fixture in FIXTURES {
        assert_same_calls(&[fixture]);
    }
}

#[test]
fn every_leg_of_all_fixtures_together_gives_the_call_of_a_full_load() {
    assert_same_calls(&FIXTURES);
    let mut reversed = FIXTURES;
    reversed.reverse();
    assert_same_calls(&reversed);
    let one_file: String = FIXTURES.iter().map(|(_, text)| *text).collect();
    assert_same_calls(&[("all", &one_file)]);
}

#[test]
fn only_the_lines_of_the_call_are_assembled() {
    let found = located(&FIXTURES, "a1000000-0000-4000-8000-000000000003");
    assert_eq!(found.dataset.calls.len(), 1);
    assert_eq!(found.dataset.legs.len(), 3);
    assert_eq!(found.diagnostics.counts.events, 12);
    assert!(found.diagnostics.counts.balanced());
    assert_eq!(found.diagnostics.counts.bad_lines, 0);
}

fn create(uuid: &str, parent: &str, time: &str) -> String {
    format!(
        r#"{{"event_type":"user_dialog","event_name":"dialog_create","event_time":"2026-03-10 {time}","dialog_uuid":"{uuid}","dialog_type":"CONSULTANT","initial_application_info":{{"data":{{"caller_dialog_uuid":"{parent}"}}}}}}"#
    )
}

fn close(uuid: &str, time: &str) -> String {
    format!(
        r#"{{"event_type":"user_dialog","event_name":"dialog_close","event_time":"2026-03-10 {time}","dialog_uuid":"{uuid}","close_cause":"HANGUP"}}"#
    )
}

#[test]
fn links_learned_late_are_followed_back_around_the_ring() {
    // Asking for the last sibling reveals the root only at its create; the first sibling,
    // its close and the root's close all lie before that, some in an earlier file.
    let first = [create("sib-one-0001", "root-0000-0001", "10:00:05"), close("sib-one-0001", "10:00:20")].join("\n");
    let second = [
        close("root-0000-0001", "10:02:00"),
        create("other-0000-0001", "", "10:00:00"),
        create("sib-two-0002", "root-0000-0001", "10:00:21"),
        create("root-0000-0001", "root-0000-0001", "10:00:00"),
        close("sib-two-0002", "10:02:00"),
    ]
    .join("\n");
    let inputs = [("first", first.as_str()), ("second", second.as_str())];
    for window in [0, 200, WINDOW_BYTES] {
        let found = located_with_window(&inputs, "sib-two-0002", window);
        assert_eq!(leg_uuids(&found), ["root-0000-0001", "sib-one-0001", "sib-two-0002"], "window {window}");
        assert_eq!(story(&found, "sib-two-0002"), story(&full(&inputs), "sib-two-0002"));
    }
}

/// A chain of `legs` legs, each the parent of the next, written child first, each leg's
/// lines followed by `padding` lines of another call: every leg is learned only after its
/// lines have gone by.
fn reversed_chain(legs: usize, padding: usize) -> String {
    let uuid = |i: usize| format!("abc00000-0000-4000-8000-{i:012x}");
    let mut text = String::new();
    for i in (0..legs).rev() {
        let time = format!("10:{:02}:{:02}", i / 60 % 60, i % 60);
        text += &create(&uuid(i), &uuid(i.saturating_sub(1)), &time);
        text += "\n";
        text += &close(&uuid(i), &time);
        text += "\n";
        for _ in 0..padding {
            text += &close("fff00000-0000-4000-8000-000000000000", &time);
            text += "\n";
        }
    }
    text
}

#[test]
fn a_reversed_chain_gives_up_after_a_few_passes_instead_of_one_per_leg() {
    let text = reversed_chain(300, 4);
    let inputs = [("chain", text.as_str())];
    let root = "abc00000-0000-4000-8000-000000000000";
    // Windows too small to hold a leg, then one that holds all: a lap per leg, then a check of
    // the window per leg.
    for window in [0, 1000, WINDOW_BYTES] {
        let (found, cost) = searched(&inputs, root, Limits { window, free_work: 0 });
        assert!(found.is_none() && cost.gave_up, "window {window}: {cost:?}");
        // It stops within a line, or a build of the searcher, of its budget.
        let overshoot = 1000 + BUILD_WEIGHT * 37 * 301;
        assert!(cost.work <= PASSES * cost.input + overshoot, "window {window}: {cost:?}");
        assert!(cost.laps <= PASSES as u32 + 1, "window {window}: {cost:?}");
    }
    // With its usual allowance, a short chain in a small log is searched to the end.
    let text = reversed_chain(40, 4);
    let inputs = [("chain", text.as_str())];
    let found = located(&inputs, root);
    assert_eq!(found.dataset.legs.len(), 40);
    assert_eq!(story(&found, root), story(&full(&inputs), root));
}

#[test]
fn a_uuid_spelled_with_escapes_is_still_found() {
    let seed = FIXTURES[0].1;
    let escaped = seed.replacen(
        r#""dialog_uuid":"bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d","state":"answered""#,
        r#""dialog_uuid":"\u0062cfdaf62-87b7-4cd8-bd2e-b3d25a974b6d","state":"answered""#,
        1,
    );
    assert_ne!(escaped, seed);
    let inputs = [("escaped", escaped.as_str())];
    let id = "c2b19c63-f17b-4726-b3a1-5b5046e887ef";
    assert_eq!(story(&located(&inputs, id), id), story(&full(&inputs), id));
    assert_eq!(located(&inputs, id).diagnostics.counts.events, 8);
}

#[test]
fn only_escapes_of_ascii_characters_can_hide_a_plain_uuid() {
    let id = CallId::parse("c2b19c63").unwrap();
    let limits = Limits { window: 0, free_work: FREE_WORK };
    let search = Search::new(&id, limits).unwrap();
    assert!(search.may_hide_a_uuid(br#"{"dialog_uuid":"\u0063"}"#));
    assert!(!search.may_hide_a_uuid(r#"{"self_name":"Pawe\u0142 \"x\""}"#.as_bytes()));
    let mut odd = Search::new(&id, limits).unwrap();
    odd.want("weird/uuid");
    assert!(odd.may_hide_a_uuid(br#"{"a":"\/"}"#));
}

#[test]
fn bad_lines_that_mention_the_call_are_reported_where_they_are() {
    let found = located(&[FIXTURES[9]], "bcfdaf62");
    let bad: Vec<(u64, String)> = found.diagnostics.bad.iter().map(|b| (b.line, b.error.to_string())).collect();
    assert_eq!(bad, [(9, r#"event_time "yesterday" is not YYYY-MM-DD HH:MM:SS"#.to_string())]);
    assert!(found.diagnostics.counts.balanced());
}

#[test]
fn ids_are_prefixes_of_at_least_eight_characters() {
    assert!(CallId::parse("c2b19c6").is_err());
    let id = CallId::parse(" c2b19c63 ").unwrap();
    assert!(id.matches("c2b19c63-f17b"));
    assert!(!id.matches("bcfdaf62"));
}

#[test]
fn a_prefix_shared_by_two_calls_is_ambiguous_and_an_unknown_one_is_not_found() {
    let whole = full(&FIXTURES);
    let ds = &whole.dataset;
    let shared = CallId::parse("a1000000-0000").unwrap();
    assert_eq!(ds.str(find_call(ds, &shared).unwrap().id), "a1000000-0000-4000-8000-000000000001");
    let twin = FIXTURES[3].1.replace("c3000000-0000-", "c3000000-9999-");
    let two = [("x", FIXTURES[3].1), ("y", twin.as_str())];
    let both = full(&two);
    let err = find_call(&both.dataset, &CallId::parse("c3000000").unwrap()).unwrap_err();
    let LookupError::Ambiguous(_, candidates) = &err else { panic!("{err}") };
    assert_eq!(candidates.len(), 2);
    assert!(err.to_string().contains("matches legs of 2 calls"), "{err}");
    let missing = CallId::parse("ffffffff").unwrap();
    assert_eq!(find_call(ds, &missing), Err(LookupError::NotFound(missing.clone())));
}
