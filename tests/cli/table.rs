//! The calls table: one line per call at fixed widths, streamed like CSV, whole in a pipe
//! (so `grep` finds every call of a name) and cut, never wrapped, to fit a terminal.

use std::io::Write;
use std::process::{Command, Stdio};

use callflow_generate::{generate, Config};
use unicode_width::UnicodeWidthStr;

use crate::common::{callflow, CallJson, Piped};

/// A consultant's login, renamed to something longer than any column would hold.
const SHORT_NAME: &str = "krzysztof.dabrowski";
const LONG_NAME: &str = "krzysztof.dabrowski-wisniewska.zespol-reklamacji";

/// A generated day, disordered within the grace, where one consultant has a long login.
fn day(calls: usize, seed: u64) -> Vec<u8> {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.01, reorder: 0.02, ..Config::new(calls, seed) };
    generate(&config, &mut log).unwrap();
    String::from_utf8(log).unwrap().replace(SHORT_NAME, LONG_NAME).into_bytes()
}

fn run(args: &[&str], log: &[u8]) -> String {
    let out = callflow().arg("calls").args(args).write_stdin(log.to_vec()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn calls_of(log: &[u8]) -> Vec<CallJson> {
    run(&["--format", "json"], log).lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The lines of a table that are calls: those that start with a date and time.
fn rows(table: &str) -> Vec<&str> {
    table.lines().filter(|line| line.starts_with("20") && line.contains(':')).collect()
}

#[test]
fn a_piped_table_has_one_whole_line_per_call() {
    let log = day(1200, 31);
    let calls = calls_of(&log);
    let theirs = calls.iter().filter(|c| c.consultant.as_deref() == Some(LONG_NAME)).count();
    assert!(theirs > 10, "the day gives the long name calls: {theirs}");
    let table = run(&[], &log);
    let rows = rows(&table);
    // One line per call, in the calls' order, the id always in the same place.
    assert_eq!(rows.len(), calls.len());
    for (row, call) in rows.iter().zip(&calls) {
        assert_eq!(row.get(20..28), Some(&call.call_id[..8]), "{row}");
    }
    assert_eq!(table.lines().filter(|line| line.contains(LONG_NAME)).count(), theirs, "{table}");
    assert!(!table.contains('…'), "nothing is cut in a pipe");
    assert!(table.ends_with(&format!("\n{} calls\n", calls.len())), "{table}");
}

#[test]
fn the_streamed_table_is_the_whole_input_table_byte_for_byte() {
    let log = day(1500, 32);
    for zone in ["UTC", "Europe/Warsaw"] {
        for filter in [&[][..], &["--outcome", "answered"], &["--consultant", LONG_NAME]] {
            let args: Vec<&str> = ["--tz", zone].iter().chain(filter).copied().collect();
            let streamed = run(&args, &log);
            let whole = run(&[&args[..], &["--settle", "off"]].concat(), &log);
            assert!(rows(&streamed).len() > 20, "{args:?}: {streamed}");
            assert_eq!(streamed, whole, "{args:?}");
        }
    }
}

#[test]
fn table_rows_come_out_while_the_input_is_still_being_written() {
    let log = day(4000, 33);
    let mut piped = Piped::spawn(&["calls"]);
    let cut = log[..log.len() * 3 / 4].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    piped.stdin.write_all(&log[..cut]).unwrap();
    piped.stdin.flush().unwrap();
    let lines: Vec<String> = (0..5).map(|_| piped.next()).collect();
    assert!(lines[1].starts_with("Start ") && lines[2] == "(UTC)", "{lines:?}");
    assert!(lines[4].starts_with("20"), "a call: {lines:?}");
    piped.stdin.write_all(&log[cut..]).unwrap();
    let (lines, _) = piped.finish(lines);
    assert_eq!(lines.join("\n") + "\n", run(&["--settle", "off"], &log));
}

/// Runs `callflow calls FILE` with stdout on a pseudo-terminal `columns` wide (util-linux
/// `script`, `stty`), with `COLUMNS` as given or unset; `None` where there is no `script`.
fn on_terminal(file: &std::path::Path, columns: u16, env_columns: Option<&str>) -> Option<String> {
    run_on_terminal(&format!("calls {}", file.display()), columns, env_columns)
}

/// Runs `callflow ARGS --color never` as [`on_terminal`] does.
fn run_on_terminal(args: &str, columns: u16, env_columns: Option<&str>) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    // The shell sets COLUMNS from the terminal after `stty`: the command sets it last.
    let env = env_columns.map_or("-u COLUMNS".to_owned(), |value| format!("COLUMNS={value}"));
    let command = format!("stty cols {columns} rows 50 && exec env {env} {} {args} --color never", bin.display());
    let mut script = Command::new("script");
    script.args(["-qec", &command, "/dev/null"]).env_remove("TZ").env("NO_COLOR", "1");
    let out = script.stdin(Stdio::null()).output().ok()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"))
}

fn scratch_log(name: &str, log: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("callflow-table-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("day.ndjson");
    std::fs::write(&path, log).unwrap();
    path
}

#[test]
fn a_terminal_table_fits_its_width_and_cuts_rather_than_wraps() {
    let log = day(300, 34);
    let calls = calls_of(&log);
    let path = scratch_log("width", &log);
    // The terminal's own width, then COLUMNS over a wider terminal.
    for (columns, env_columns) in [(90, None), (200, Some("100"))] {
        let Some(table) = on_terminal(&path, columns, env_columns) else {
            eprintln!("skipped: no util-linux `script` to provide a terminal");
            return;
        };
        let width = env_columns.map_or(columns.into(), |c| c.parse().unwrap());
        for line in table.lines() {
            assert!(line.width() <= width, "{width} columns: {line:?}");
        }
        let rows = rows(&table);
        assert_eq!(rows.len(), calls.len(), "one line per call:\n{table}");
        for (row, call) in rows.iter().zip(&calls) {
            assert_eq!(row.get(20..28), Some(&call.call_id[..8]), "{row}");
        }
        // The long name is cut, with an ellipsis, on every one of its calls.
        let cut = rows.iter().filter(|row| row.ends_with('…') && row.contains("krzysztof.dab")).count();
        let theirs = calls.iter().filter(|c| c.consultant.as_deref() == Some(LONG_NAME)).count();
        assert!(theirs > 0 && cut == theirs, "{cut} of {theirs} cut:\n{table}");
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn control_characters_stay_escaped_whole_or_cut() {
    let hostile = "\x1b]0;pwned\x07\x1b[2J\u{202e}";
    // As the JSON of the log writes it.
    let quoted = serde_json::to_string(&format!("{hostile}{SHORT_NAME}")).unwrap();
    let log = String::from_utf8(day(200, 35)).unwrap().replace(LONG_NAME, quoted.trim_matches('"'));
    let piped = run(&[], log.as_bytes());
    assert!(piped.contains(&format!(" \\x1b]0;pwned\\x07\\x1b[2J\\u{{202e}}{SHORT_NAME}\n")), "{piped}");
    let path = scratch_log("escape", log.as_bytes());
    if let Some(narrow) = on_terminal(&path, 100, None) {
        assert!(narrow.contains(" \\x1b]0;pw"), "{narrow}");
        assert!(!narrow.contains(['\x1b', '\x07', '\u{202e}']), "{narrow:?}");
    }
    assert!(!piped.contains(['\x1b', '\x07', '\u{202e}']));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn summary_and_timeline_tables_do_not_wrap_in_a_pipe() {
    let log = day(300, 36);
    let theirs = calls_of(&log).into_iter().find(|c| c.consultant.as_deref() == Some(LONG_NAME)).unwrap();
    let path = scratch_log("summary", &log);
    let file = path.to_str().unwrap();
    for args in [&["summary", "--by", "consultant", file][..], &["timeline", file, "--call", &theirs.call_id]] {
        let out = callflow().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        // The long name is whole in a table row wider than a terminal, beside the row's figures
        // (summary) or times (timeline): the row did not wrap.
        let whole_row = |line: &&str| line.contains(LONG_NAME) && line.width() > 100 && line.contains(['0', '1', '2']);
        assert!(text.lines().any(|line| whole_row(&line)), "{args:?}: {text}");
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_timeline_on_a_narrow_terminal_cuts_its_cells_rather_than_wrap_them() {
    let file = crate::common::fixture("consult_transfer.ndjson");
    let Some(text) = run_on_terminal(&format!("timeline {}", file.display()), 60, None) else {
        eprintln!("skipped: no util-linux `script` to provide a terminal");
        return;
    };
    let section = |title: &str| -> Vec<&str> {
        let from = text.split(title).nth(1).unwrap_or_else(|| panic!("{title}: {text}"));
        // The lines between the rule under the header and the closing rule.
        from.split('─').filter(|part| !part.trim().is_empty()).nth(2).unwrap_or("").trim_matches('\n').lines().collect()
    };
    let legs = section("\nLegs (");
    let events = section("\nEvents (");
    // The fixture's four legs and its events, one line each, cut to the width.
    assert_eq!(legs.len(), 4, "{text}");
    assert!(legs.iter().any(|row| row.contains('…')), "{text}");
    let full = callflow().arg("timeline").arg(&file).arg("--format").arg("csv").output().unwrap();
    let kept = String::from_utf8(full.stdout).unwrap().lines().filter(|l| l.ends_with(",false")).count();
    assert!(kept > 10 && events.len() == kept, "{} of {kept}: {text}", events.len());
    for line in legs.iter().chain(&events) {
        assert!(line.width() <= 60, "{line:?}");
    }
}
