//! `callflow calls`: the figures of every kind of call, ordering, time zones and filters.

use crate::common::{callflow, calls_csv, calls_json, fixture, CallJson};

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

fn only_call(name: &str) -> CallJson {
    let calls = calls_json(&[&path(name)]);
    assert_eq!(calls.len(), 1, "{name} should hold one call: {calls:?}");
    calls.into_iter().next().unwrap()
}

#[test]
fn seed_call_has_exactly_the_domain_figures() {
    let call = only_call("seed_outbound.ndjson");
    assert_eq!(call.call_id, "c2b19c63-f17b-4726-b3a1-5b5046e887ef");
    assert_eq!(call.direction.as_deref(), Some("OUTBOUND"));
    assert_eq!(call.start, "2020-08-25T16:24:41Z");
    assert_eq!(call.answered_at.as_deref(), Some("2020-08-25T16:25:01Z"));
    assert_eq!(call.end.as_deref(), Some("2020-08-25T16:25:09Z"));
    assert_eq!((call.wait_s, call.talk_s, call.duration_s), (Some(20), Some(8), Some(28)));
    assert_eq!(call.hangup_side, "client");
    assert_eq!(call.outcome, "answered");
    assert_eq!(call.consultant.as_deref(), Some("pkowalski"));
    assert_eq!(call.project.as_deref(), Some("Projekt Paweł"));
    assert_eq!(call.client.as_deref(), Some("48xxxxxxxxx"));
    assert_eq!(call.legs, 2);
    assert!(call.flags.is_empty());
    let client = &call.legs_detail[1];
    assert_eq!(client.dialog_uuid, "bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d");
    assert_eq!(client.dialog_type.as_deref(), Some("EXTERNAL"));
    assert_eq!(client.ring_s, Some(14));
    assert_eq!(client.close_cause.as_deref(), Some("HANGUP"));
    assert_eq!(call.legs_detail[0].close_cause.as_deref(), Some("DIALOG_LEFT"));
}

#[test]
fn seed_call_csv_row() {
    let csv = calls_csv(&[&path("seed_outbound.ndjson")]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("call_id,direction,start,answered_at,end,wait_s,talk_s,duration_s,hangup_side,outcome,consultant,project,client,legs,close_cause,flags")
    );
    assert_eq!(
        lines.next(),
        Some("c2b19c63-f17b-4726-b3a1-5b5046e887ef,OUTBOUND,2020-08-25T16:24:41Z,2020-08-25T16:25:01Z,2020-08-25T16:25:09Z,20,8,28,client,answered,pkowalski,Projekt Paweł,48xxxxxxxxx,2,HANGUP,")
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn inbound_call_offered_to_two_consultants_in_turn() {
    let call = only_call("inbound_multi_offer.ndjson");
    assert_eq!(call.call_id, "a1000000-0000-4000-8000-000000000001");
    assert_eq!(call.direction.as_deref(), Some("INBOUND"));
    assert_eq!((call.wait_s, call.talk_s, call.duration_s), (Some(30), Some(95), Some(125)));
    assert_eq!(call.hangup_side, "client");
    // The consultant who talked, not the one offered first.
    assert_eq!(call.consultant.as_deref(), Some("jan.kowalski"));
    assert_eq!(call.project.as_deref(), Some("Wsparcie"));
    assert_eq!(call.client.as_deref(), Some("48600100200"));
    assert_eq!(call.legs, 3);
    let first_offer = &call.legs_detail[1];
    assert_eq!(first_offer.close_cause.as_deref(), Some("NO_ANSWER"));
    assert_eq!(first_offer.ring_s, None);
    assert_eq!(call.legs_detail[2].ring_s, Some(9));
}

#[test]
fn blind_transfer_follows_the_chain_of_parents() {
    let call = only_call("blind_transfer.ndjson");
    assert_eq!(call.call_id, "b2000000-0000-4000-8000-000000000001");
    assert_eq!(call.legs, 3);
    assert_eq!((call.wait_s, call.talk_s, call.duration_s), (Some(6), Some(174), Some(180)));
    assert_eq!(call.hangup_side, "consultant");
    assert_eq!(call.consultant.as_deref(), Some("piotr.wisniewski"));
    assert_eq!(call.project.as_deref(), Some("Reklamacje"));
    assert_eq!(call.close_cause.as_deref(), Some("HANGUP"));
}

#[test]
fn unanswered_outbound_call() {
    let call = only_call("outbound_unanswered.ndjson");
    assert_eq!(call.outcome, "not_answered");
    assert_eq!((call.answered_at, call.wait_s, call.talk_s, call.duration_s), (None, None, None, Some(33)));
    assert_eq!(call.hangup_side, "consultant");
    assert_eq!(call.consultant.as_deref(), Some("marta.lis"));
    assert_eq!(call.client.as_deref(), Some("48700800900"));
}

#[test]
fn inbound_call_abandoned_while_ringing() {
    let call = only_call("inbound_abandoned.ndjson");
    assert_eq!(call.outcome, "not_answered");
    assert_eq!(call.hangup_side, "client");
    assert_eq!(call.duration_s, Some(19));
    // Nobody talked: the last consultant leg created.
    assert_eq!(call.consultant.as_deref(), Some("anna.nowak"));
    assert_eq!(call.legs_detail[1].ring_s, None);
}

#[test]
fn out_of_order_and_duplicated_events_give_the_seed_figures() {
    let seed = only_call("seed_outbound.ndjson");
    let messy = only_call("out_of_order_duplicates.ndjson");
    assert_eq!(messy, seed);
}

#[test]
fn a_call_split_across_two_files_is_one_call_in_any_order() {
    let forward = calls_csv(&[&path("split_part1.ndjson"), &path("split_part2.ndjson")]);
    let backward = calls_csv(&[&path("split_part2.ndjson"), &path("split_part1.ndjson")]);
    assert_eq!(forward, backward);
    let calls = calls_json(&[&path("split_part2.ndjson"), &path("split_part1.ndjson")]);
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.start, "2026-03-10T23:59:50Z");
    assert_eq!(call.end.as_deref(), Some("2026-03-11T00:01:00Z"));
    assert_eq!((call.wait_s, call.talk_s, call.duration_s), (Some(15), Some(55), Some(70)));
    assert_eq!(call.hangup_side, "consultant");
    assert!(call.flags.is_empty());
}

#[test]
fn a_leg_without_create_is_its_own_incomplete_call_and_unclosed_calls_are_open() {
    let calls = calls_json(&[&path("incomplete_and_open.ndjson")]);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].call_id, "f7000000-0000-4000-8000-000000000001");
    assert_eq!(calls[0].flags, ["incomplete"]);
    assert_eq!(calls[0].legs, 1);
    assert_eq!(calls[1].outcome, "open");
    assert_eq!(calls[1].flags, ["open"]);
    assert_eq!((calls[1].end.as_deref(), calls[1].duration_s), (None, None));
}

fn all_fixtures() -> Vec<String> {
    ["blind_transfer", "inbound_abandoned", "inbound_multi_offer", "outbound_unanswered", "seed_outbound"]
        .iter()
        .map(|n| path(&format!("{n}.ndjson")))
        .collect()
}

#[test]
fn rows_are_sorted_by_start_then_id_whatever_the_file_order() {
    let files = all_fixtures();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let calls = calls_json(&args);
    let starts: Vec<&str> = calls.iter().map(|c| c.start.as_str()).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    let reversed: Vec<&str> = args.iter().rev().copied().collect();
    assert_eq!(calls_csv(&args), calls_csv(&reversed));
}

#[test]
fn tz_prints_offsets_and_the_table_names_the_zone() {
    let seed = path("seed_outbound.ndjson");
    let call = &calls_json(&[&seed, "--tz", "Europe/Warsaw"])[0];
    assert_eq!(call.start, "2020-08-25T18:24:41+02:00");
    assert_eq!(call.legs_detail[1].created.as_deref(), Some("2020-08-25T18:24:47+02:00"));
    let out = callflow().args(["calls", &seed, "--tz", "Europe/Warsaw"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Start") && table.contains("(Europe/Warsaw)"), "{table}");
    assert!(table.contains("2020-08-25 18:24:41"), "{table}");
    assert!(table.contains("1m 05s") || table.contains("20s"), "{table}");
    // Rules, two header lines, one call, the count: the call is one line.
    assert_eq!(table.lines().count(), 7, "{table}");
}

fn ids(args: &[&str]) -> Vec<String> {
    let files = all_fixtures();
    let mut all: Vec<&str> = files.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    calls_json(&all).into_iter().map(|c| c.call_id[..2].to_string()).collect()
}

#[test]
fn filters_select_calls() {
    assert_eq!(ids(&[]), ["c2", "a1", "b2", "c3", "d4"]);
    assert_eq!(ids(&["--direction", "outbound"]), ["c2", "c3"]);
    assert_eq!(ids(&["--outcome", "not_answered"]), ["c3", "d4"]);
    assert_eq!(ids(&["--hangup-side", "consultant"]), ["b2", "c3"]);
    assert_eq!(ids(&["--consultant", "anna.nowak"]), ["d4"]);
    assert_eq!(ids(&["--project", "Wsparcie"]), ["a1"]);
    assert_eq!(ids(&["--since", "2026-03-10 10:00", "--until", "2026-03-10T12:00:00Z"]), ["b2", "c3"]);
    // Read in --tz: 11:00 in Warsaw is 10:00 UTC.
    assert_eq!(ids(&["--since", "2026-03-10 11:00", "--tz", "Europe/Warsaw", "--until", "2026-03-10 12:00"]), ["b2"]);
    assert_eq!(ids(&["--day", "2026-03-10"]), ["a1", "b2", "c3", "d4"]);
    // Any leg finds its call.
    assert_eq!(ids(&["--call", "b2000000-0000-4000-8000-000000000003"]), ["b2"]);
    assert_eq!(ids(&["--call", "bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d"]), ["c2"]);
}

#[test]
fn an_empty_result_still_has_the_csv_header() {
    let csv = calls_csv(&[&path("seed_outbound.ndjson"), "--outcome", "open"]);
    assert_eq!(csv.lines().count(), 1);
    assert!(csv.starts_with("call_id,direction,start,"));
}

/// Every fixture at once, in every format: the bytes are pinned so optimisations of the hot
/// path cannot change the output unnoticed.
#[test]
fn output_bytes_are_pinned() {
    let mut files: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    for format in ["csv", "json", "table"] {
        let out =
            callflow().arg("calls").args(&files).args(["--format", format, "--tz", "Europe/Warsaw"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!(format!("all_fixtures_{format}"), text);
    }
}
