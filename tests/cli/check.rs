//! `callflow check`: the counts add up, bad lines and flagged calls are listed, and the exit
//! code tells a cron job whether to trust the data.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::{callflow, fixture};

/// The JSON report, exactly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    lines: u64,
    events: u64,
    duplicates: u64,
    late: u64,
    carried: u64,
    other_events: u64,
    other_events_by_name: BTreeMap<String, u64>,
    bad_lines: u64,
    blank_lines: u64,
    calls: usize,
    open_calls: usize,
    incomplete_calls: usize,
    suspicious_calls: usize,
    bad: Vec<Bad>,
    flagged: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bad {
    file: String,
    line: u64,
    reason: String,
}

/// Writes the lines of a fixture but those `drop` matches, as a log that lost them would be,
/// to `name` in a folder of its own for this run; returns the folder (to remove) and the file.
fn trimmed(fixture_name: &str, name: &str, drop: impl Fn(&str) -> bool) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("callflow-check-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixture(fixture_name)).unwrap();
    let kept: String = text.lines().filter(|l| !drop(l)).map(|l| format!("{l}\n")).collect();
    let file = dir.join(name);
    std::fs::write(&file, kept).unwrap();
    (dir, file)
}

fn check(files: &[&str]) -> (Option<i32>, Report) {
    let paths: Vec<_> = files.iter().map(|f| fixture(f)).collect();
    let out = callflow().args(["check", "--format", "json"]).args(&paths).output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn a_clean_log_passes() {
    let (code, report) = check(&["seed_outbound.ndjson", "inbound_multi_offer.ndjson", "blind_transfer.ndjson"]);
    assert_eq!(code, Some(0));
    assert_eq!((report.lines, report.events, report.calls), (34, 34 - 2, 3));
    assert_eq!(
        report.other_events_by_name,
        BTreeMap::from([("dialog_hold".into(), 1), ("user_system_state".into(), 1)])
    );
    assert!(report.bad.is_empty() && report.flagged.is_empty());
}

#[test]
fn counts_add_up_and_problems_fail_the_check() {
    let (code, r) = check(&["messy.ndjson", "out_of_order_duplicates.ndjson", "incomplete_and_open.ndjson"]);
    assert_eq!(code, Some(1));
    assert_eq!(r.lines, r.events + r.duplicates + r.other_events + r.bad_lines + r.blank_lines);
    assert_eq!((r.lines, r.bad_lines, r.blank_lines, r.other_events), (17 + 11 + 4, 5, 2, 1));
    // Both files carry the seed call: 20 lines of its events, 8 of them distinct.
    assert_eq!(r.duplicates, 20 - 8);
    assert_eq!((r.open_calls, r.incomplete_calls, r.suspicious_calls), (1, 1, 0));
    assert_eq!(r.flagged["incomplete"], ["f7000000-0000-4000-8000-000000000001"]);
    assert_eq!(r.flagged["open"], ["f7000000-0000-4000-8000-000000000002"]);
    let first = &r.bad[0];
    assert!(first.file.ends_with("messy.ndjson") && first.line == 5 && first.reason.starts_with("invalid JSON"));
}

#[test]
fn open_calls_alone_do_not_fail_but_suspicious_ones_do() {
    let (dir, open) = trimmed("seed_outbound.ndjson", "open.ndjson", |l| l.contains("dialog_close"));
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let out = callflow().arg("check").arg(&open).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // A state update after the close, a second later.
    let late = r#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2020-08-25 16:25:10","dialog_uuid":"bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d","state":"talking"}"#;
    let suspicious = dir.join("late.ndjson");
    std::fs::write(&suspicious, format!("{seed}{late}\n")).unwrap();
    let out = callflow().args(["check", "--format", "json"]).arg(&suspicious).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.suspicious_calls, 1);
    assert_eq!(report.flagged["suspicious"], ["c2b19c63-f17b-4726-b3a1-5b5046e887ef"]);
}

#[test]
fn the_table_says_clean_or_not() {
    let out = callflow().arg("check").arg(fixture("seed_outbound.ndjson")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("clean: 8 lines, 1 call"), "{text}");
    let out = callflow().arg("check").arg(fixture("messy.ndjson")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("PROBLEMS FOUND") && text.contains("bad line "), "{text}");
}

#[test]
fn csv_is_the_json_counts_as_one_row_with_the_same_exit_code() {
    let files = ["messy.ndjson", "incomplete_and_open.ndjson"];
    let (code, report) = check(&files);
    let paths: Vec<_> = files.iter().map(|f| fixture(f)).collect();
    let out = callflow().args(["check", "--format", "csv"]).args(&paths).output().unwrap();
    assert_eq!(out.status.code(), code);
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<u64>> =
        reader.records().map(|r| r.unwrap().iter().map(|v| v.parse().unwrap()).collect()).collect();
    let expected = [
        ("lines", report.lines),
        ("events", report.events),
        ("duplicates", report.duplicates),
        ("late", report.late),
        ("carried", report.carried),
        ("other_events", report.other_events),
        ("bad_lines", report.bad_lines),
        ("blank_lines", report.blank_lines),
        ("calls", report.calls as u64),
        ("open_calls", report.open_calls as u64),
        ("incomplete_calls", report.incomplete_calls as u64),
        ("suspicious_calls", report.suspicious_calls as u64),
    ];
    assert_eq!(header, expected.iter().map(|(name, _)| name.to_string()).collect::<Vec<_>>());
    assert_eq!(rows, [expected.iter().map(|(_, n)| *n).collect::<Vec<_>>()]);
    assert!(report.bad_lines > 0 && report.incomplete_calls > 0, "the fixtures have problems to count");
}

#[test]
fn check_and_the_summary_count_the_same_incomplete_calls_and_list_them_all() {
    // The log begins after the client leg's lines (they went to the previous file): the
    // consultant legs offered the call name a parent that never appears (missing_root). The
    // other file adds a leg whose dialog_create never arrived (incomplete).
    let client = r#""dialog_uuid":"a1000000-0000-4000-8000-000000000001""#;
    let (dir, rotated) = trimmed("inbound_multi_offer.ndjson", "rotated.ndjson", |l| l.contains(client));
    let files = [rotated, fixture("incomplete_and_open.ndjson")];
    let run = |args: &[&str]| callflow().args(args).args(&files).output().unwrap();
    let (json, text, summary) = (run(&["check", "--format", "json"]), run(&["check"]), run(&["summary"]));
    let csv = run(&["summary", "--format", "csv"]);
    std::fs::remove_dir_all(&dir).unwrap();

    let report: Report = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json.status.code(), Some(1));
    assert_eq!(report.incomplete_calls, 2);
    assert_eq!(
        report.flagged["incomplete"],
        ["a1000000-0000-4000-8000-000000000001", "f7000000-0000-4000-8000-000000000001"]
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("\n  incomplete calls              2\n"), "{text}");
    let listed =
        text.lines().find_map(|l| l.strip_prefix("incomplete calls (2): ")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(listed.split(' ').count(), 2, "{text}");
    let footer = String::from_utf8(summary.stdout).unwrap();
    assert!(footer.trim_end().ends_with("; 1 open call, 2 incomplete calls"), "{footer}");
    let stderr = String::from_utf8(csv.stderr).unwrap();
    assert!(stderr.trim_end().ends_with("; 1 open call, 2 incomplete calls"), "{stderr}");
}
