//! Hostile input, the output side: text from the log can never steer the reader's terminal,
//! huge values cannot stall a table, and CSV and JSON still carry every value exactly.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{callflow, fixture};

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("callflow-output-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The consultant name of the issue: retitles the terminal, rings, and clears the screen.
const NAME: &str = "\x1b]0;pwned\x07\x1b[2J";
/// The same, as JSON writes it.
const NAME_JSON: &str = "\\u001b]0;pwned\\u0007\\u001b[2J";
/// The same, as text views show it.
const NAME_SHOWN: &str = "\\x1b]0;pwned\\x07\\x1b[2J";

/// Characters that must never reach a text view raw.
const HOSTILE: [char; 6] = ['\x1b', '\x07', '\0', '\u{9b}', '\u{202e}', '\r'];

/// The seed call with hostile text in the consultant's name, the consultant leg's uuid, the
/// client's number, a close cause and another event's name; one bad line with a hostile time.
fn hostile_log() -> String {
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let mut log = seed
        .replace("pkowalski", NAME_JSON)
        .replace("c2b19c63-f17b", "c2b19c63-\\u202ef17b")
        .replace("\"self_target\":\"48xxxxxxxxx\"", "\"self_target\":\"48\\u009b31m\\r\"")
        .replace("DIALOG_LEFT", "DIALOG\\u0000LEFT");
    log.push_str(
        "{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_\\u001b[2Jhold\",\"event_time\":\"2020-08-25 16:24:50\",\"dialog_uuid\":\"x\"}\n",
    );
    log.push_str("{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_close\",\"event_time\":\"\\u001b]0;x\\u0007\",\"dialog_uuid\":\"y\"}\n");
    log
}

/// Runs callflow; returns (exit code, stdout, stderr).
fn run(args: &[&str], file: &Path) -> (Option<i32>, String, String) {
    let out = callflow().args(args).arg(file).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Fails when `text` holds a hostile character other than the colour codes callflow writes
/// itself (`ESC [ digits ; m`).
fn assert_safe(view: &str, text: &str) {
    let mut rest = text;
    let mut plain = String::new();
    while let Some(at) = rest.find("\x1b[") {
        plain.push_str(&rest[..at]);
        let code = &rest[at + 2..];
        let end = code.find(|c: char| !c.is_ascii_digit() && c != ';').unwrap_or(code.len());
        if code[end..].starts_with('m') {
            rest = &code[end + 1..];
        } else {
            plain.push('\x1b');
            rest = &rest[at + 1..];
        }
    }
    plain.push_str(rest);
    if let Some(c) = plain.chars().find(|c| HOSTILE.contains(c)) {
        panic!("{view} writes {c:?} raw:\n{text}");
    }
}

#[test]
fn text_views_escape_what_the_log_says() {
    let dir = Scratch::new("escape");
    // The file name is hostile too: it appears in the bad-line report.
    let log = dir.file("day\x1b[2J.ndjson", &hostile_log());
    let views: [&[&str]; 7] = [
        &["calls", "--color", "never"],
        &["calls", "--color", "always"],
        &["summary", "--by", "consultant,close-cause"],
        &["timeline"],
        &["timeline", "--mermaid"],
        &["timeline", "--call", "c2b19c63", "--color", "always"],
        &["check"],
    ];
    for args in views {
        let (_, out, err) = run(args, &log);
        let view = args.join(" ");
        assert_safe(&view, &out);
        assert!(!out.contains(NAME), "{view}: {out}");
        assert_safe(&format!("{view} (stderr)"), &err);
        if args[0] != "check" {
            assert!(out.contains(&NAME_SHOWN[..6]), "{view} shows the name escaped: {out}");
        }
    }
    let (_, out, err) = run(&["check"], &log);
    assert!(out.contains("dialog_\\x1b[2Jhold"), "{out}");
    assert!(out.contains("day\\x1b[2J.ndjson:"), "{out}");
    let (_, _, err_calls) = run(&["calls"], &log);
    assert!(err_calls.contains("day\\x1b[2J.ndjson:10: event_time"), "{err_calls}");
    assert!(err.is_empty(), "{err}");
    let (_, out, _) = run(&["timeline", "--call", "c2b19c63"], &log);
    assert!(out.contains("client       48\\u{9b}31m\\x0d"), "{out}");
    assert!(out.contains("c2b19c63-\\u{202e}f17b"), "{out}");
    assert!(out.contains("DIALOG\\x00LEFT"), "{out}");
}

#[test]
fn json_escapes_control_characters_and_csv_keeps_them_exactly() {
    let dir = Scratch::new("data");
    let log = dir.file("day.ndjson", &hostile_log());
    let (_, json, _) = run(&["calls", "--format", "json"], &log);
    assert!(json.contains(NAME_JSON), "{json}");
    assert_safe("json", &json.replace(['\u{202e}', '\u{9b}'], ""));
    let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(row["consultant"], NAME);
    let (_, csv_text, _) = run(&["calls", "--format", "csv"], &log);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let field = |name: &str| record.get(headers.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(field("consultant"), NAME);
    assert_eq!(field("client"), "48\u{9b}31m\r");
    assert_eq!(field("call_id"), "c2b19c63-\u{202e}f17b-4726-b3a1-5b5046e887ef");
    assert_eq!(field("close_cause"), "HANGUP");
}

#[test]
fn a_huge_name_is_cut_in_tables_and_kept_whole_in_csv() {
    let dir = Scratch::new("huge");
    let name = "x".repeat(300_000);
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log = dir.file("day.ndjson", &seed.replace("pkowalski", &name));
    for args in [&["calls"][..], &["summary", "--by", "consultant"], &["timeline"]] {
        let (code, out, _) = run(args, &log);
        assert_eq!(code, Some(0));
        assert!(out.contains("x…"), "{args:?}: {out}");
        // Tables cut the name; the summary never wraps a cell, so its table is wider than 100
        // columns, but not much. The timeline's header and its sentences give it whole, once.
        let long: Vec<&str> = out.lines().filter(|line| line.chars().count() > 160).collect();
        let whole = usize::from(args[0] == "timeline") * 2;
        assert_eq!(long.len(), whole, "{args:?}");
        assert!(long.iter().all(|line| line.contains(&name)));
    }
    let (_, csv_text, _) = run(&["calls", "--format", "csv"], &log);
    assert!(csv_text.contains(&format!(",{name},")));
}

/// Runs callflow with stdout and stderr as given; returns its exit code.
fn run_to(args: &[&str], stdout: Stdio, stderr: Stdio) -> Option<i32> {
    let status = Command::new(env!("CARGO_BIN_EXE_callflow"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .unwrap();
    status.code()
}

fn dev_full() -> Stdio {
    Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
}

#[test]
fn a_failed_write_to_stdout_fails_the_run_and_says_so() {
    let dir = Scratch::new("full");
    let seed = fixture("seed_outbound.ndjson");
    for format in ["table", "csv", "json"] {
        let err_path = dir.0.join(format!("{format}.err"));
        let err = Stdio::from(std::fs::File::create(&err_path).unwrap());
        let code = run_to(&["calls", seed.to_str().unwrap(), "--format", format], dev_full(), err);
        let said = std::fs::read_to_string(&err_path).unwrap();
        assert_eq!(code, Some(1), "{format}: {said}");
        assert!(said.starts_with("callflow: cannot write to stdout: No space left on device"), "{format}: {said}");
    }
}

#[test]
fn a_closed_stdout_fails_the_run_and_says_so() {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{:?} calls {:?} >&-", env!("CARGO_BIN_EXE_callflow"), fixture("seed_outbound.ndjson")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "callflow: cannot write to stdout: it is closed\n");
}

#[test]
fn an_unwritable_stderr_changes_neither_the_report_nor_the_exit_code() {
    let dir = Scratch::new("stderr");
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log = dir.file("day.ndjson", &format!("not json\n{seed}"));
    let expected = run(&["calls", "--format", "csv"], &log).1;
    let out_path = dir.0.join("out.csv");
    let args = ["calls", log.to_str().unwrap(), "--format", "csv"];
    let code = run_to(&args, Stdio::from(std::fs::File::create(&out_path).unwrap()), dev_full());
    assert_eq!(code, Some(0));
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
    let strict = ["calls", log.to_str().unwrap(), "--format", "csv", "--strict"];
    assert_eq!(run_to(&strict, Stdio::null(), dev_full()), Some(1));
    let closed = Command::new("sh")
        .arg("-c")
        .arg(format!("{:?} summary {:?} --format csv 2>&-", env!("CARGO_BIN_EXE_callflow"), log))
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(0));
    assert_eq!(String::from_utf8(closed.stdout).unwrap().lines().count(), 2);
}

#[test]
fn a_long_table_is_written_whole_with_a_note_on_stderr() {
    let dir = Scratch::new("long");
    // 1,001 consultants, one call each: the seed call again and again under new names and ids.
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log: String = (0..1001)
        .map(|i| {
            seed.replace("pkowalski", &format!("agent{i:04}"))
                .replace("c2b19c63", &format!("{i:08x}"))
                .replace("bcfdaf62", &format!("b{i:07x}"))
        })
        .collect();
    let log = dir.file("day.ndjson", &log);
    let (code, out, err) = run(&["summary", "--by", "consultant"], &log);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().filter(|line| line.starts_with("agent")).count(), 1001);
    assert!(out.contains("agent0000 ") && out.contains("agent1000 "));
    assert_eq!(err, "callflow: note: the table has 1001 rows; --format csv or a filter suits that many better\n");
    let (_, out, err) = run(&["calls"], &log);
    assert!(out.ends_with("1001 calls\n"), "{out}");
    assert!(err.contains("the table has 1001 rows"), "{err}");
    let (_, _, err) = run(&["summary", "--by", "consultant", "--format", "csv"], &log);
    assert!(!err.contains("note"), "{err}");
    let (_, _, err) = run(&["calls", "--consultant", "agent0001"], &log);
    assert!(err.is_empty(), "{err}");
}

/// The seed call with a formula for a consultant, a talk that ends before it starts (its
/// talking states arrive stamped after the close), and `project` as given.
fn formula_log(dir: &Scratch, project: &str) -> PathBuf {
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log: String = seed
        .lines()
        .map(|line| {
            let line = line.replace("pkowalski", "=HYPERLINK(\\\"http://x\\\")").replace("Projekt Paweł", project);
            let line = if line.contains("\"state\":\"talking\"") { line.replace("16:25:01", "16:25:19") } else { line };
            line + "\n"
        })
        .collect();
    dir.file("day.ndjson", &log)
}

#[test]
fn csv_safe_guards_text_cells_and_leaves_numbers_alone() {
    let dir = Scratch::new("csvsafe");
    let log = formula_log(&dir, "@SUM(A1)");
    let (_, plain, _) = run(&["calls", "--format", "csv"], &log);
    assert!(plain.contains(",-10,"), "a negative talk: {plain}");
    assert!(plain.contains(",\"=HYPERLINK(\"\"http://x\"\")\",@SUM(A1),48xxxxxxxxx,"), "{plain}");
    let (code, safe, _) = run(&["calls", "--format", "csv", "--csv-safe"], &log);
    assert_eq!(code, Some(0));
    assert!(safe.contains(",-10,"), "numbers stay numbers: {safe}");
    assert!(safe.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),48xxxxxxxxx,"), "{safe}");
    // Nothing else changes.
    assert_eq!(safe.replace('\'', ""), plain);

    let (_, summary, _) = run(&["summary", "--by", "consultant,project", "--format", "csv", "--csv-safe"], &log);
    let row = summary.lines().nth(1).unwrap();
    assert!(row.starts_with("\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),1,1,0,0,"), "{row}");
    assert!(row.contains(",-10,"), "{row}");
}

#[test]
fn csv_safe_guards_the_timeline_events_too() {
    let dir = Scratch::new("csvsafe-timeline");
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log = dir.file("day.ndjson", &seed.replace("DIALOG_LEFT", "-DIALOG_LEFT").replace("alerting", "+alerting"));
    let (_, plain, _) = run(&["timeline", "--format", "csv"], &log);
    let (_, safe, _) = run(&["timeline", "--format", "csv", "--csv-safe"], &log);
    assert!(plain.contains(",+alerting,") && plain.contains(",-DIALOG_LEFT,"), "{plain}");
    assert!(safe.contains(",'+alerting,") && safe.contains(",'-DIALOG_LEFT,"), "{safe}");
    assert_eq!(safe.replace('\'', ""), plain);
}

#[test]
fn times_past_the_year_9999_in_the_zone_are_written_in_utc() {
    let dir = Scratch::new("y9999");
    let seed = std::fs::read_to_string(fixture("seed_outbound.ndjson")).unwrap();
    let log = dir.file("day.ndjson", &seed.replace("2020-08-25 16:", "9999-12-31 23:"));
    let csv_text = run(&["calls", "--format", "csv", "--tz", "Asia/Tokyo"], &log).1;
    assert!(csv_text.contains(",9999-12-31T23:24:41Z,9999-12-31T23:25:01Z,9999-12-31T23:25:09Z,"), "{csv_text}");
    let table = run(&["calls", "--tz", "Asia/Tokyo"], &log).1;
    assert!(table.contains("9999-12-31 23:24:41Z"), "{table}");
    let day = run(&["summary", "--by", "day", "--format", "csv", "--tz", "Pacific/Kiritimati"], &log).1;
    assert!(!day.contains("+10000") && !day.contains("10000-"), "{day}");
}

#[test]
fn calls_and_timeline_read_call_the_same_way() {
    let seed = fixture("seed_outbound.ndjson");
    let seed = seed.to_str().unwrap();
    let ids = ["bcfdaf62", "  bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d ", " c2b19c63\t"];
    for id in ids {
        let calls = callflow().args(["calls", seed, "--format", "csv", "--call", id]).output().unwrap();
        let csv_text = String::from_utf8(calls.stdout).unwrap();
        assert_eq!(csv_text.lines().count(), 2, "calls --call {id:?}: {csv_text}");
        assert!(csv_text.contains("\nc2b19c63-f17b-4726-b3a1-5b5046e887ef,"), "{csv_text}");
        let timeline = callflow().args(["timeline", seed, "--format", "csv", "--call", id]).output().unwrap();
        assert_eq!(timeline.status.code(), Some(0), "timeline --call {id:?}");
    }
    for id in ["a", " bcfdaf6 ", ""] {
        for command in ["calls", "timeline"] {
            let out = callflow().args([command, seed, "--call", id]).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{command} --call {id:?}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("is too short"), "{command} --call {id:?}");
        }
    }
    let unknown = callflow().args(["calls", seed, "--format", "csv", "--call", "ffffffff"]).output().unwrap();
    let header = format!("{}\n", callflow::cmd::calls::CSV_COLUMNS.join(","));
    assert_eq!((unknown.status.code(), String::from_utf8(unknown.stdout).unwrap()), (Some(0), header));
}
