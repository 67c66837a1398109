//! `callflow timeline`: finding a call by any leg, the same figures as `calls`, and the text,
//! JSON, CSV and Mermaid outputs pinned as snapshots.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::common::{callflow, calls_json, fixture, CallJson};

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// Every fixture, in a fixed order.
const FIXTURES: [&str; 13] = [
    "seed_outbound.ndjson",
    "inbound_multi_offer.ndjson",
    "blind_transfer.ndjson",
    "consult_transfer.ndjson",
    "outbound_unanswered.ndjson",
    "inbound_abandoned.ndjson",
    "out_of_order_duplicates.ndjson",
    "split_part1.ndjson",
    "split_part2.ndjson",
    "incomplete_and_open.ndjson",
    "messy.ndjson",
    "twin_prefix.ndjson",
    "seed_outbound.ndjson",
];

/// Runs `callflow timeline ARGS`, expecting success, and returns stdout.
fn timeline(args: &[&str]) -> String {
    let out = callflow().arg("timeline").args(args).output().expect("run callflow");
    assert!(out.status.success(), "callflow failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// One line of `timeline --format json`, exactly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineJson {
    call: CallJson,
    legs: Vec<LegLineJson>,
    events: Vec<EventJson>,
    explanation: Vec<ExplanationJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LegLineJson {
    dialog_uuid: String,
    dialog_type: Option<String>,
    created: Option<String>,
    answered: Option<String>,
    closed: Option<String>,
    close_cause: Option<String>,
    ring_s: Option<i64>,
    side: String,
    party: Option<String>,
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct EventJson {
    time: String,
    offset_s: i64,
    dialog_uuid: String,
    event_name: String,
    state: Option<String>,
    close_cause: Option<String>,
    duplicate: bool,
    out_of_order: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplanationJson {
    about: String,
    text: String,
}

fn timeline_json(args: &[&str]) -> Vec<TimelineJson> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    timeline(&all).lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[test]
fn seed_call_has_the_figures_of_calls_and_its_story() {
    let seed = path("seed_outbound.ndjson");
    let [story] = <[TimelineJson; 1]>::try_from(timeline_json(&[&seed, "--call", "bcfdaf62"])).unwrap();
    assert_eq!(story.call, calls_json(&[&seed])[0]);
    let sides: Vec<&str> = story.legs.iter().map(|l| l.side.as_str()).collect();
    assert_eq!(sides, ["consultant", "client"]);
    assert_eq!(story.legs[1].parent.as_deref(), Some("c2b19c63-f17b-4726-b3a1-5b5046e887ef"));
    let offsets: Vec<i64> = story.events.iter().map(|e| e.offset_s).collect();
    assert_eq!(offsets, [0, 6, 6, 20, 20, 20, 28, 28]);
    assert_eq!(story.explanation[0].about, "hangup_side");
    assert!(story.explanation[0].text.starts_with(
        "client hung up: the client leg bcfdaf62 closed with HANGUP at 16:25:09; \
         the consultant leg c2b19c63 closed with DIALOG_LEFT"
    ));
}

#[test]
fn every_event_is_listed_with_duplicates_flagged_and_late_arrivals_marked() {
    let messy = path("out_of_order_duplicates.ndjson");
    let story = &timeline_json(&[&messy, "--call", "c2b19c63"])[0];
    assert_eq!(story.events.len(), 11);
    assert_eq!(story.events.iter().filter(|e| e.duplicate).count(), 3);
    assert_eq!(story.events.iter().filter(|e| e.out_of_order).count(), 8);
    let clean = &timeline_json(&[&path("seed_outbound.ndjson"), "--call", "c2b19c63"])[0];
    assert_eq!(story.call, clean.call);
    // The events that count are the seed's (ties within a second keep their arrival order).
    let mut counted: Vec<(&str, i64)> =
        story.events.iter().filter(|e| !e.duplicate).map(|e| (e.event_name.as_str(), e.offset_s)).collect();
    let mut seed: Vec<(&str, i64)> = clean.events.iter().map(|e| (e.event_name.as_str(), e.offset_s)).collect();
    counted.sort_unstable();
    seed.sort_unstable();
    assert_eq!(counted, seed);
    let text = timeline(&[&messy, "--call", "c2b19c63"]);
    assert!(text.contains("Events (times in UTC, 3 re-delivered events dropped)"), "{text}");
    assert_eq!(text.matches("arrived late").count(), 6, "{text}");
}

/// The leg uuids of every call in these files, grouped by call.
fn legs_by_call(files: &[String]) -> Vec<Vec<String>> {
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    calls_json(&args).into_iter().map(|c| c.legs_detail.into_iter().map(|l| l.dialog_uuid).collect()).collect()
}

#[test]
fn asking_by_any_leg_or_its_prefix_gives_the_same_call() {
    let files: Vec<String> = FIXTURES.iter().map(|f| path(f)).collect();
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let calls = legs_by_call(&files);
    for legs in &calls {
        // A prefix no leg of another call shares.
        let unique = |prefix: &&str| calls.iter().filter(|c| c.iter().any(|u| u.starts_with(prefix))).count() == 1;
        let prefixes = legs.iter().map(|uuid| &uuid[..13]).filter(unique);
        let outputs: BTreeSet<String> = legs
            .iter()
            .map(String::as_str)
            .chain(prefixes)
            .map(|id| {
                let mut with_call = args.clone();
                with_call.extend(["--call", id]);
                timeline(&with_call)
            })
            .collect();
        assert_eq!(outputs.len(), 1, "legs {legs:?} give different timelines: {outputs:#?}");
    }
}

#[test]
fn the_fast_search_gives_what_a_full_load_of_stdin_gives() {
    let files: Vec<String> = FIXTURES.iter().map(|f| path(f)).collect();
    let all: Vec<u8> = FIXTURES.iter().flat_map(|f| std::fs::read(fixture(f)).unwrap()).collect();
    for legs in legs_by_call(&files) {
        for uuid in &legs {
            let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
            args.extend(["--call", uuid, "--format", "json"]);
            let from_stdin =
                callflow().args(["timeline", "--call", uuid, "--format", "json"]).write_stdin(all.clone()).output();
            let from_stdin = String::from_utf8(from_stdin.unwrap().stdout).unwrap();
            assert_eq!(timeline(&args), from_stdin, "{uuid}");
        }
    }
}

#[test]
fn an_ambiguous_prefix_lists_the_calls_and_is_a_usage_error() {
    let twins = path("twin_prefix.ndjson");
    let out = callflow().args(["timeline", &twins, "--call", "d00d0000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--call \"d00d0000\" matches legs of 2 calls"), "{err}");
    assert!(err.contains("(call d00d0000-0000-4000-8000-000000000001)"), "{err}");
    assert!(err.contains("(call d00d0000-1111-4000-8000-000000000001)"), "{err}");
    assert_eq!(
        timeline_json(&[&twins, "--call", "d00d0000-1"])[0].call.call_id,
        "d00d0000-1111-4000-8000-000000000001"
    );
}

#[test]
fn an_unknown_id_exits_1_and_a_short_one_exits_2() {
    let seed = path("seed_outbound.ndjson");
    let out = callflow().args(["timeline", &seed, "--call", "00000000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err, "callflow: no call has a leg whose dialog_uuid is or starts with \"00000000\"\n");
    let out = callflow().args(["timeline", &seed, "--call", "c2b19c6"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = callflow().args(["timeline", &seed, "--call", "c2b19c63", "--direction", "inbound"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("does not pass the other filters"));
}

#[test]
fn without_call_every_call_that_passes_the_filters_is_shown() {
    let files: Vec<String> = FIXTURES[..7].iter().map(|f| path(f)).collect();
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--direction", "inbound"]);
    let ids: Vec<String> = timeline_json(&args).into_iter().map(|t| t.call.call_id[..4].to_string()).collect();
    assert_eq!(ids, ["a100", "b200", "d400", "9a7e"]);
    let text = timeline(&args);
    assert_eq!(text.matches("\nWhy\n").count(), 4);
    args.extend(["--format", "csv"]);
    let csv = timeline(&args);
    let calls: BTreeSet<&str> = csv.lines().skip(1).map(|l| &l[..4]).collect();
    assert_eq!(calls, BTreeSet::from(["a100", "b200", "d400", "9a7e"]));
}

#[test]
fn bad_lines_that_mention_the_call_are_reported() {
    let out = callflow().args(["timeline", &path("messy.ndjson"), "--call", "bcfdaf62"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("messy.ndjson:9: event_time \"yesterday\""), "{err}");
    assert!(err.contains("1 line mentioning the call skipped as bad"), "{err}");
}

#[test]
fn strict_reads_every_line_and_still_shows_the_same_call() {
    let messy = path("messy.ndjson");
    let fast = timeline(&[&messy, "--call", "bcfdaf62", "--format", "json"]);
    let out = callflow().args(["timeline", &messy, "--call", "bcfdaf62", "--format", "json", "--strict"]).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), fast);
    // The full load reports every bad line, not only those that mention the call.
    assert!(String::from_utf8(out.stderr).unwrap().contains("messy.ndjson:5: invalid JSON"));
}

#[test]
fn text_fits_in_100_columns_without_colour_in_a_pipe() {
    for fixture in ["consult_transfer.ndjson", "inbound_multi_offer.ndjson", "seed_outbound.ndjson"] {
        let text = timeline(&[&path(fixture)]);
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }
    let out = callflow().args(["timeline", &path("seed_outbound.ndjson"), "--mermaid", "--format", "json"]).output();
    assert_eq!(out.unwrap().status.code(), Some(2));
}

#[test]
fn snapshot_seed_text() {
    insta::assert_snapshot!(timeline(&[&path("seed_outbound.ndjson"), "--call", "bcfdaf62"]));
}

#[test]
fn snapshot_inbound_offered_to_two_consultants_text() {
    insta::assert_snapshot!(timeline(&[
        &path("inbound_multi_offer.ndjson"),
        "--call",
        "a1000000-0000-4000-8000-000000000003"
    ]));
}

#[test]
fn snapshot_blind_transfer_text_in_warsaw_time() {
    let transfer = path("blind_transfer.ndjson");
    insta::assert_snapshot!(timeline(&[
        &transfer,
        "--call",
        "b2000000-0000-4000-8000-000000000003",
        "--tz",
        "Europe/Warsaw"
    ]));
}

#[test]
fn snapshot_consult_transfer_text() {
    insta::assert_snapshot!(timeline(&[&path("consult_transfer.ndjson"), "--call", "71b5e8f3"]));
}

#[test]
fn snapshot_seed_json() {
    // The exact bytes: key order is part of the contract.
    insta::assert_snapshot!(timeline(&[&path("seed_outbound.ndjson"), "--call", "c2b19c63", "--format", "json"]));
}

#[test]
fn snapshot_out_of_order_csv() {
    insta::assert_snapshot!(timeline(&[&path("out_of_order_duplicates.ndjson"), "--format", "csv"]));
}

#[test]
fn snapshot_mermaid() {
    insta::assert_snapshot!(
        "mermaid_seed",
        timeline(&[&path("seed_outbound.ndjson"), "--call", "bcfdaf62", "--mermaid"])
    );
    insta::assert_snapshot!(
        "mermaid_consult_transfer",
        timeline(&[&path("consult_transfer.ndjson"), "--call", "9a7e41c2", "--mermaid"])
    );
}

#[test]
fn the_readme_shows_the_real_mermaid_diagram() {
    // The text timeline is a console example, checked with the others in `readme.rs`.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("$ callflow timeline sample-logs/outbound_call.ndjson --call bcfdaf62\n"));
    let mermaid = timeline(&[&path("seed_outbound.ndjson"), "--call", "bcfdaf62", "--mermaid"]);
    assert!(readme.contains(&format!("```mermaid\n{mermaid}```")), "the README's diagram is stale");
}
