//! Output for spreadsheets and other programs: the CSV separator, header and columns of
//! `calls`, `summary` and `timeline`, flags as a JSON list, and `check --format json` on one
//! line.

use crate::common::{callflow, fixture};

/// Runs callflow and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = callflow().args(args).output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

#[test]
fn calls_csv_takes_a_separator_no_header_and_chosen_columns() {
    let seed = path("seed_outbound.ndjson");
    let base = ["calls", seed.as_str(), "--format", "csv"];
    let (code, csv, _) = run(&[&base[..], &["--delimiter", ";", "--columns", "legs,start,project,flags"]].concat());
    assert_eq!(code, 0);
    assert_eq!(csv, "legs;start;project;flags\n2;2020-08-25T16:24:41Z;Projekt Paweł;\n");
    let (_, csv, _) = run(&[&base[..], &["--no-header", "--columns", "call_id", "--delimiter", "tab"]].concat());
    assert_eq!(csv, "c2b19c63-f17b-4726-b3a1-5b5046e887ef\n");
    // Without options the bytes are the documented ones.
    let (_, csv, _) = run(&base);
    assert!(csv.starts_with("call_id,direction,start,"), "{csv}");
}

#[test]
fn summary_and_timeline_csv_take_the_same_options() {
    let day = path("dst_autumn_warsaw.ndjson");
    let args = ["summary", &day, "--by", "consultant", "--format", "csv", "-q"];
    let (code, csv, stderr) =
        run(&[&args[..], &["--columns", "consultant,calls,answer_rate", "--delimiter", "semicolon"]].concat());
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(csv, "consultant;calls;answer_rate\newa.zielinska;16;0.688\ntomasz.wojcik;15;0.667\n");
    let seed = path("seed_outbound.ndjson");
    let (_, csv, _) = run(&[
        "timeline",
        &seed,
        "--format",
        "csv",
        "--no-header",
        "--columns",
        "offset_s,event_name",
        "--delimiter",
        "|",
    ]);
    assert_eq!(csv.lines().next(), Some("0|dialog_create"));
    assert_eq!(csv.lines().count(), 8);
}

#[test]
fn unknown_columns_and_csv_options_without_csv_are_usage_errors() {
    let seed = path("seed_outbound.ndjson");
    let (code, stdout, stderr) = run(&["calls", &seed, "--format", "csv", "--columns", "start,agent"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("--columns: no column \"agent\"; the columns are: call_id, direction, start,"), "{stderr}");
    let (code, _, stderr) = run(&["summary", &seed, "--by", "day", "--format", "csv", "--columns", "consultant"]);
    assert_eq!(code, 2, "summary --by day has no consultant column: {stderr}");
    assert!(stderr.contains("the columns are: day, calls,"), "{stderr}");
    let (code, _, stderr) = run(&["calls", &seed, "--delimiter", ";"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("add --format csv"), "{stderr}");
    let (code, _, stderr) = run(&["calls", &seed, "--format", "csv", "--delimiter", "ab"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn flags_are_a_json_list() {
    let (_, clean, _) = run(&["calls", &path("seed_outbound.ndjson"), "--format", "json"]);
    assert!(clean.contains(r#","flags":[],"legs_detail":"#), "{clean}");
    let (_, open, _) = run(&["calls", &path("incomplete_and_open.ndjson"), "--format", "json"]);
    assert!(open.contains(r#","flags":["open"],"#), "{open}");
    let (_, csv, _) = run(&["calls", &path("incomplete_and_open.ndjson"), "--format", "csv", "--columns", "flags"]);
    assert_eq!(csv, "flags\nincomplete\nopen\n");
}

#[test]
fn check_json_is_one_line() {
    let (code, json, _) = run(&["check", &path("messy.ndjson"), "--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(json.lines().count(), 1, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["bad_lines"].as_u64().unwrap() > 0);
}
