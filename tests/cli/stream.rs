//! Settling end to end: `calls` writes rows while its input is still being written, and a
//! streamed run prints the bytes of a run that holds every call to the end.

use std::io::Write;

use callflow_generate::{generate, Config};

use crate::common::{callflow, Piped};

fn day(calls: usize, seed: u64) -> Vec<u8> {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.01, reorder: 0.02, ..Config::new(calls, seed) };
    generate(&config, &mut log).unwrap();
    log
}

#[test]
fn the_first_rows_come_out_while_the_input_is_still_being_written() {
    let log = day(4000, 21);
    let mut run = Piped::spawn(&["calls", "--format", "csv"]);
    // Three quarters of the day, and the pipe stays open.
    let cut = log[..log.len() * 3 / 4].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    run.stdin.write_all(&log[..cut]).unwrap();
    run.stdin.flush().unwrap();
    let header = run.next();
    let first = run.next();
    assert!(header.starts_with("call_id,"), "{header}");
    run.stdin.write_all(&log[cut..]).unwrap();
    let (rows, _) = run.finish(vec![header, first]);
    let whole = callflow().args(["calls", "--format", "csv", "--settle", "off"]).write_stdin(log).output().unwrap();
    assert_eq!(rows.join("\n") + "\n", String::from_utf8(whole.stdout).unwrap());
}

#[test]
fn an_event_for_a_call_already_written_is_late_and_warned_of_never_a_fragment() {
    let log = String::from_utf8(day(4000, 23)).unwrap();
    let mut lines: Vec<&str> = log.lines().collect();
    // A state update of an early call's first leg, held back until that call is written.
    let calls = callflow().args(["calls", "--format", "csv", "--columns", "call_id"]).write_stdin(log.clone()).output();
    let calls = String::from_utf8(calls.unwrap().stdout).unwrap();
    let uuid =
        |line: &str| line.split(r#""dialog_uuid":""#).nth(1).and_then(|rest| rest.split('"').next()).map(str::to_owned);
    let held = lines
        .iter()
        .position(|l| l.contains("dialog_state_update") && uuid(l).is_some_and(|u| calls.lines().any(|id| id == u)))
        .unwrap();
    let held = lines.remove(held);
    let call = uuid(held).unwrap();
    let mut run = Piped::spawn(&["calls", "--format", "csv", "--columns", "call_id"]);
    run.stdin.write_all((lines.join("\n") + "\n").as_bytes()).unwrap();
    run.stdin.flush().unwrap();
    let mut rows = Vec::new();
    while rows.last() != Some(&call) {
        rows.push(run.next());
    }
    run.stdin.write_all(format!("{held}\n").as_bytes()).unwrap();
    let (rows, stderr) = run.finish(rows);
    assert!(stderr.contains("warning: 1 event arrived after its call had been reported"), "{stderr}");
    lines.push(held);
    let mut whole = callflow();
    whole.args(["calls", "--format", "csv", "--columns", "call_id", "--settle", "off"]);
    let whole = whole.write_stdin(lines.join("\n") + "\n").output().unwrap();
    assert_eq!(rows.join("\n") + "\n", String::from_utf8(whole.stdout).unwrap(), "the same calls, no fragment");
}

#[test]
fn streamed_and_whole_runs_print_the_same_bytes() {
    let log = day(1500, 22);
    for args in [&["calls", "--format", "json"][..], &["calls", "--format", "csv", "--tz", "Europe/Warsaw"]] {
        let streamed = callflow().args(args).write_stdin(log.clone()).output().unwrap();
        let whole = callflow().args(args).args(["--settle", "off"]).write_stdin(log.clone()).output().unwrap();
        assert!(streamed.status.success());
        assert_eq!(streamed.stdout, whole.stdout, "{args:?}");
        assert_eq!(streamed.stderr, whole.stderr, "{args:?}");
    }
}

#[test]
fn settle_takes_a_duration_or_off() {
    let bad = callflow().args(["calls", "--settle", "soon"]).write_stdin("").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--settle"));
    for ok in ["90s", "5m", "1h 30m", "120", "off"] {
        let out = callflow().args(["calls", "--settle", ok]).write_stdin("").output().unwrap();
        assert!(out.status.success(), "{ok}");
    }
}

#[test]
fn a_call_arriving_after_later_calls_were_written_is_still_written_and_warned_of() {
    let mut bytes = Vec::new();
    let generated = generate(&Config::new(4000, 24), &mut bytes).unwrap();
    let mut truth: Vec<_> = generated.truth.iter().collect();
    truth.sort_by_key(|t| (t.start, t.call_id.clone()));
    // The tenth call's lines, all held back until the fiftieth call has been written.
    let (held_call, later_call) = (truth[10], &truth[50].call_id);
    let text = String::from_utf8(bytes).unwrap();
    let of_held = |line: &&str| held_call.legs.iter().any(|leg| line.contains(leg.as_str()));
    let (held, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(of_held);
    let mut run = Piped::spawn(&["calls", "--format", "csv", "--columns", "call_id"]);
    run.stdin.write_all((rest.join("\n") + "\n").as_bytes()).unwrap();
    run.stdin.flush().unwrap();
    let mut rows = Vec::new();
    while rows.last() != Some(later_call) {
        rows.push(run.next());
    }
    assert!(!rows.contains(&held_call.call_id));
    run.stdin.write_all((held.join("\n") + "\n").as_bytes()).unwrap();
    let (rows, stderr) = run.finish(rows);
    assert!(rows.contains(&held_call.call_id), "the late call is written, not lost");
    assert_eq!(rows.len(), truth.len() + 1, "every call once, and the header");
    assert!(stderr.contains("written after later-starting calls"), "{stderr}");
}
