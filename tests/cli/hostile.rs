//! Hostile input: nothing crashes or hangs, every bad line is reported with its place, the
//! rest of the input still counts where that is safe, and failures use the documented codes.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{callflow, fixture};

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callflow-hostile-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn seed() -> Vec<u8> {
    std::fs::read(fixture("seed_outbound.ndjson")).unwrap()
}

/// The seed call with `bad` inserted as line 3; returns (exit code, stdout, stderr).
fn with_bad_line(name: &str, bad: &[u8], extra_args: &[&str]) -> (Option<i32>, String, String) {
    let dir = scratch(name);
    let path = dir.join("log.ndjson");
    let seed = seed();
    let mut lines: Vec<&[u8]> = seed.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    lines.insert(2, bad);
    std::fs::write(&path, lines.join(&b'\n')).unwrap();
    let out = callflow().args(["calls", "--format", "csv"]).args(extra_args).arg(&path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The seed call's CSV row, which every case below must still produce.
const SEED_ROW: &str = "c2b19c63-f17b-4726-b3a1-5b5046e887ef,OUTBOUND,2020-08-25T16:24:41Z,2020-08-25T16:25:01Z,2020-08-25T16:25:09Z,20,8,28,client,answered";

fn assert_line_3_bad(name: &str, bad: &[u8], reason: &str) {
    let (code, out, err) = with_bad_line(name, bad, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(SEED_ROW), "the rest of the input still counts: {out}");
    assert!(err.contains(&format!("log.ndjson:3: {reason}")), "{err}");
    assert!(err.contains("1 of 9 lines skipped as bad"), "{err}");
}

#[test]
fn invalid_utf8_inside_a_line() {
    assert_line_3_bad(
        "utf8",
        b"{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_hold\",\"x\":\"\xff\xfe\"}",
        "invalid UTF-8 at byte 60",
    );
}

#[test]
fn a_nul_byte() {
    assert_line_3_bad("nul", b"{\"event_type\":\"user_dialog\",\0\"event_name\":\"dialog_hold\"}", "invalid JSON");
}

#[test]
fn a_bad_escape_in_a_field_never_read() {
    let hold = |value: &str| format!(r#"{{"event_type":"user_dialog","event_name":"dialog_hold","note":"{value}"}}"#);
    assert_line_3_bad("escape", hold(r"\uzzzz").as_bytes(), "invalid JSON: invalid escape at line 1 column 69");
    assert_line_3_bad("surrogate", hold(r"\ud800").as_bytes(), r"invalid JSON: unpaired surrogate \ud800 at byte 63");
}

#[test]
fn arrays_and_numbers_are_not_events() {
    assert_line_3_bad("array", br#"["user_dialog","dialog_create"]"#, "not a JSON object");
    assert_line_3_bad("number", b"42", "not a JSON object");
    assert_line_3_bad("string", br#""dialog_create""#, "not a JSON object");
}

#[test]
fn deeply_nested_json() {
    // Whatever the reason given, the line is bad and the process survives it.
    let deep = format!("{{\"event_type\":{}1{}}}", "[".repeat(200_000), "]".repeat(200_000));
    assert_line_3_bad("deep", deep.as_bytes(), "");
    let objects = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    assert_line_3_bad("deep-objects", objects.as_bytes(), "");
}

#[test]
fn a_60_mb_line_is_skipped_and_the_limit_is_a_flag() {
    let mut huge = b"{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_hold\",\"pad\":\"".to_vec();
    huge.resize(60 * 1024 * 1024, b'x');
    huge.extend_from_slice(b"\"}");
    let (code, out, err) = with_bad_line("huge", &huge, &[]);
    assert_eq!(code, Some(0));
    assert!(out.contains(SEED_ROW));
    let expected = format!("log.ndjson:3: line of {} bytes exceeds the limit of 8388608 bytes", huge.len());
    assert!(err.contains(&expected), "{err}");
    // Raised above the line, the line is read (and is then an event of another kind).
    let (code, out, err) = with_bad_line("huge-allowed", &huge, &["--max-line-bytes", "70000000"]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert!(out.contains(SEED_ROW));
    // Lowered, ordinary events become too long.
    let (_, _, err) = with_bad_line("tiny-limit", b"{}", &["--max-line-bytes", "100"]);
    assert!(err.contains("exceeds the limit of 100 bytes"), "{err}");
}

#[test]
fn truncated_zstd_is_fatal() {
    let dir = scratch("zstd");
    let packed = zstd::encode_all(&seed().repeat(100)[..], 3).unwrap();
    let path = dir.join("cut.ndjson.zst");
    std::fs::write(&path, &packed[..packed.len() * 2 / 3]).unwrap();
    let out = callflow().arg("calls").arg(&path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.ndjson.zst"));
}

#[test]
fn an_empty_file_is_an_empty_report() {
    let dir = scratch("empty");
    let path = dir.join("empty.ndjson");
    std::fs::write(&path, b"").unwrap();
    let out = callflow().args(["calls", "--format", "csv"]).arg(&path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1, "the header only");
    assert!(out.stderr.is_empty());
}

#[test]
fn a_file_without_final_newline_keeps_its_last_line() {
    let seed = seed();
    let out =
        callflow().args(["calls", "--format", "csv"]).write_stdin(seed.trim_ascii_end().to_vec()).output().unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    // The last line is the consultant's close: without it the call would be open.
    assert!(csv.contains(SEED_ROW), "{csv}");
}

/// A log big enough that its CSV overflows a pipe buffer many times.
fn big_log(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("big.ndjson");
    let mut file = std::fs::File::create(&path).unwrap();
    callflow_generate::generate(&callflow_generate::Config::new(3000, 9), &mut file).unwrap();
    path
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let dir = scratch("pipe");
    let log = big_log(&dir);
    for format in ["csv", "json", "table"] {
        let bin = assert_cmd::cargo::cargo_bin!("callflow");
        let mut child = Command::new(bin)
            .args(["calls", "--format", format])
            .arg(&log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take()); // like `| head -c 64`
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(out.stderr.is_empty(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// True once the process has a handler for SIGINT (Linux: bit 2 of SigCgt in /proc).
fn catches_sigint(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mask = status.lines().find_map(|l| l.strip_prefix("SigCgt:")).map(str::trim).unwrap_or("0");
    u64::from_str_radix(mask, 16).is_ok_and(|m| m & 2 != 0)
}

#[test]
fn sigint_mid_run_exits_130_with_nothing_on_stdout() {
    // Holding every call to the end, nothing is written before the input ends.
    assert_eq!(interrupted(&["--settle", "off"]), b"");
    // Streaming, only whole lines are: at most the header, as no call has settled yet (the
    // signal may come before it is written).
    let header = callflow::cmd::calls::CSV_COLUMNS.join(",") + "\n";
    let streamed = interrupted(&[]);
    assert!(streamed.is_empty() || streamed == header.as_bytes(), "{}", String::from_utf8_lossy(&streamed));
}

/// The stdout of `calls --format csv` interrupted by SIGINT while reading stdin that never
/// ends, once it exited with 130.
fn interrupted(args: &[&str]) -> Vec<u8> {
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    // Reading stdin that never ends: the run is certainly in the middle of its input.
    let mut child = Command::new(bin)
        .args(["calls", "--format", "csv"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&seed()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !catches_sigint(child.id()) && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(catches_sigint(child.id()), "no SIGINT handler installed");
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(130));
    out.stdout
}

/// A call of `legs` legs, each the parent of the next, written last leg first: finding the
/// root's children from a file once took a check of the recent lines per leg.
fn reversed_chain(legs: usize) -> String {
    let uuid = |i: usize| format!("abc00000-0000-4000-8000-{i:012x}");
    let mut text = String::new();
    for i in (0..legs).rev() {
        let time = format!("2026-03-10 10:{:02}:{:02}", i / 60 % 60, i % 60);
        text += &format!(
            r#"{{"event_type":"user_dialog","event_name":"dialog_create","event_time":"{time}","dialog_uuid":"{}","dialog_type":"CONSULTANT","state":"ringing","initial_application_info":{{"data":{{"caller_dialog_uuid":"{}"}}}}}}"#,
            uuid(i),
            uuid(i.saturating_sub(1))
        );
        text += &format!(
            "\n{{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_close\",\"event_time\":\"{time}\",\"dialog_uuid\":\"{}\",\"close_cause\":\"HANGUP\"}}\n",
            uuid(i)
        );
    }
    text
}

#[test]
fn a_call_of_many_legs_linked_backwards_reads_from_a_file_as_from_stdin_with_a_bounded_ladder() {
    let dir = scratch("chain");
    let path = dir.join("chain.ndjson");
    let text = reversed_chain(2000);
    std::fs::write(&path, &text).unwrap();
    let root = "abc00000-0000-4000-8000-000000000000";
    let from_file = callflow().args(["timeline", "--call", root]).arg(&path).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let from_stdin = callflow().args(["timeline", "--call", root]).write_stdin(text).output().unwrap();
    assert_eq!(from_file.status.code(), Some(0), "{}", String::from_utf8_lossy(&from_file.stderr));
    let shown = String::from_utf8(from_file.stdout).unwrap();
    assert_eq!(shown, String::from_utf8(from_stdin.stdout).unwrap());
    assert!(shown.contains("… 1988 more legs and their 3976 events left out of the ladder"), "{shown}");
    // The tables still list every leg, with both its events.
    let (legs, rest) = shown.split_once("\nLegs (").unwrap().1.split_once("\nEvents (").unwrap();
    let events = rest.split_once("\nLadder").unwrap().0;
    assert_eq!(legs.lines().filter(|line| line.contains(" consultant ")).count(), 2000);
    assert_eq!(events.lines().filter(|line| line.contains(" abc0…")).count(), 4000);
    assert!(shown.lines().all(|line| line.chars().count() <= 400));
}
