//! `--state` over logs cut by time: every call reported exactly once, by the run in which it
//! became final, with the figures of one run over all the files; the state file's guarantees
//! (lock, corruption, an input read twice, crash safety); `-o` on failure; the README's cron
//! line, run as written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use callflow_generate::{generate, Config};

use crate::common::{callflow, fixture};

/// A generated log, its lines in input order.
pub(crate) fn log(config: &Config) -> Vec<String> {
    let mut bytes = Vec::new();
    generate(config, &mut bytes).unwrap();
    String::from_utf8(bytes).unwrap().lines().map(|l| format!("{l}\n")).collect()
}

/// The `event_time` of a line, if it has one.
fn time_of(line: &str) -> Option<&str> {
    let at = line.find("\"event_time\":\"")? + 14;
    line.get(at..at + 19)
}

/// Cuts lines into files by the first `width` characters of their time, as a receiver writing
/// one file per period would (a line without a time stays in the current file).
pub(crate) fn cut(lines: &[String], width: usize, dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in lines {
        let period = time_of(line).map(|t| t[..width].to_owned());
        match (files.last_mut(), period) {
            (Some((current, text)), Some(p)) if *current >= p => text.push_str(line),
            (Some((_, text)), None) => text.push_str(line),
            (_, Some(p)) => files.push((p, line.clone())),
            (None, None) => files.push((String::new(), line.clone())),
        }
    }
    files
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let path = dir.join(format!("part{i:03}.ndjson"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// Runs `calls --format csv --no-header --state` over each file in turn; every row reported.
fn reported_in_turn(files: &[PathBuf], state: &Path, extra: &[&str]) -> Vec<String> {
    let mut rows = Vec::new();
    for file in files {
        let out = callflow()
            .args(["calls", "--format", "csv", "--no-header", "--state"])
            .arg(state)
            .args(extra)
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
        rows.extend(String::from_utf8(out.stdout).unwrap().lines().map(String::from));
    }
    rows
}

/// The rows of one run over everything, holding every call to the end.
fn reported_at_once(files: &[PathBuf]) -> Vec<String> {
    let out =
        callflow().args(["calls", "--format", "csv", "--no-header", "--settle", "off"]).args(files).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}

fn sorted(mut rows: Vec<String>) -> Vec<String> {
    rows.sort();
    rows
}

#[test]
fn each_call_is_reported_once_over_hourly_and_ten_minute_cuts() {
    let lines = log(&Config { duplicates: 0.02, reorder: 0.02, ..Config::new(1500, 31) });
    for width in [13, 15] {
        let dir = tempfile::tempdir().unwrap();
        let files = cut(&lines, width, dir.path());
        assert!(files.len() > 10, "{width}: {} files", files.len());
        let rows = reported_in_turn(&files, &dir.path().join("state"), &[]);
        let ids: BTreeMap<&str, usize> = rows.iter().fold(BTreeMap::new(), |mut seen, row| {
            *seen.entry(row.split(',').next().unwrap()).or_default() += 1;
            seen
        });
        assert!(ids.values().all(|&n| n == 1), "a call reported twice");
        assert_eq!(sorted(rows), sorted(reported_at_once(&files)), "cut at {width} characters");
    }
}

#[test]
fn a_call_spanning_three_files_is_reported_by_the_last_one_whole() {
    let lines = log(&Config::new(600, 32));
    let dir = tempfile::tempdir().unwrap();
    let files = cut(&lines, 15, dir.path());
    let state = dir.path().join("state");
    // The calls each file's run reports, and the files each call's legs appear in.
    let mut reported_by = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        for row in reported_in_turn(std::slice::from_ref(file), &state, &[]) {
            reported_by.insert(row.split(',').next().unwrap().to_owned(), (i, row));
        }
    }
    let whole = reported_at_once(&files);
    let text: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let spanning = whole.iter().find(|row| {
        let id = row.split(',').next().unwrap();
        text.iter().filter(|t| t.contains(id)).count() >= 3
    });
    let spanning = spanning.expect("a generated call of several minutes spans three ten-minute files");
    let id = spanning.split(',').next().unwrap();
    let (by, row) = &reported_by[id];
    assert_eq!(row, spanning, "the same figures as one run over all the files");
    assert_eq!(*by, text.iter().rposition(|t| t.contains(id)).unwrap(), "reported by the run of its last file");
}

/// Lines of the fixture `name`.
fn fixture_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name)).unwrap().lines().map(|l| format!("{l}\n")).collect()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.concat()).unwrap();
    path
}

#[test]
fn a_transfer_leg_and_a_redelivery_after_the_cut_join_their_carried_call() {
    let lines = fixture_lines("blind_transfer.ndjson");
    // The cut falls just before the last create: the transferred-to leg comes in the next file,
    // with a re-delivery of the first line.
    let last_create = lines.iter().rposition(|l| l.contains("dialog_create")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.ndjson", &lines[..last_create]);
    let mut rest = lines[last_create..].to_vec();
    rest.insert(1, lines[0].clone());
    let second = write(dir.path(), "b.ndjson", &rest);
    let state = dir.path().join("state");
    let rows = reported_in_turn(std::slice::from_ref(&first), &state, &[]);
    assert!(rows.is_empty(), "the call is still in flight at the cut: {rows:?}");
    let rows = reported_in_turn(std::slice::from_ref(&second), &state, &[]);
    assert_eq!(rows, reported_at_once(&[fixture("blind_transfer.ndjson")]));
    let check =
        callflow().args(["check", "--format", "json", "--state"]).arg(dir.path().join("check")).arg(&first).output();
    assert!(check.unwrap().status.success());
    let out =
        callflow().args(["check", "--format", "json", "--state"]).arg(dir.path().join("check")).arg(&second).output();
    let report: serde_json::Value = serde_json::from_slice(&out.unwrap().stdout).unwrap();
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(report["late"], 0, "{report}");
    assert!(report["carried"].as_u64().unwrap() > 0, "{report}");
}

/// One webhook line of leg `uuid`.
fn event(uuid: &str, name: &str, time: &str, extra: &str) -> String {
    format!(
        "{{\"event_type\":\"user_dialog\",\"event_name\":\"{name}\",\"event_time\":\"{time}\",\"dialog_uuid\":\"{uuid}\"{extra}}}\n"
    )
}

#[test]
fn a_call_open_past_max_open_is_reported_open_once_and_later_events_are_late() {
    let stuck = "a0000000-0000-4000-8000-00000000000a";
    let other = "b0000000-0000-4000-8000-00000000000b";
    let create = |uuid, time| event(uuid, "dialog_create", time, ",\"state\":\"ringing\",\"dialog_type\":\"EXTERNAL\"");
    let close = |uuid, time| event(uuid, "dialog_close", time, ",\"close_cause\":\"HANGUP\"");
    let dir = tempfile::tempdir().unwrap();
    let day1 = write(dir.path(), "1.ndjson", &[create(stuck, "2026-03-10 23:50:00")]);
    // A day later: the stuck call has been open for more than 24 hours of log time.
    let day2 =
        write(dir.path(), "2.ndjson", &[create(other, "2026-03-12 08:00:00"), close(other, "2026-03-12 08:01:00")]);
    let day3 = write(dir.path(), "3.ndjson", &[close(stuck, "2026-03-12 09:00:00")]);
    let state = dir.path().join("state");
    assert!(reported_in_turn(&[day1], &state, &[]).is_empty());
    let rows = reported_in_turn(&[day2], &state, &[]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let stuck_row = rows.iter().find(|r| r.starts_with(stuck)).unwrap();
    assert!(stuck_row.contains(",open,") && stuck_row.ends_with(",open"), "{stuck_row}");
    let out = callflow().args(["check", "--format", "json", "--state"]).arg(&state).arg(&day3).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["late"].as_u64(), report["calls"].as_u64()), (Some(1), Some(0)), "{report}");
}

#[test]
fn an_input_read_twice_is_refused_by_content_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.ndjson", &fixture_lines("seed_outbound.ndjson"));
    let again = write(dir.path(), "again.ndjson", &fixture_lines("seed_outbound.ndjson"));
    let state = dir.path().join("state");
    assert_eq!(reported_in_turn(&[first], &state, &[]).len(), 1);
    let before = std::fs::read(&state).unwrap();
    let out = callflow().args(["calls", "--format", "csv", "--state"]).arg(&state).arg(&again).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("again.ndjson") && err.contains("already read"), "{err}");
    assert_eq!(std::fs::read(&state).unwrap(), before, "the state is untouched");
}

#[test]
fn a_corrupt_or_foreign_state_stops_the_run_and_is_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let seed = fixture("seed_outbound.ndjson");
    let good = dir.path().join("good");
    assert!(callflow().args(["check", "--state"]).arg(&good).arg(&seed).output().unwrap().status.success());
    let text = std::fs::read_to_string(&good).unwrap();
    let cases = [
        ("not a state", "date,calls\n2026-03-10,4\n".to_owned()),
        ("other version", text.replace("\"version\":1", "\"version\":99")),
        (
            "cut short",
            format!(
                "{}{}",
                text.replace("\"events\":0", "\"events\":2"),
                event("x", "dialog_close", "2026-03-10 10:00:00", ",\"close_cause\":\"HANGUP\"")
            ),
        ),
    ];
    for (what, bytes) in cases {
        let state = dir.path().join("bad");
        std::fs::write(&state, &bytes).unwrap();
        let out = callflow().args(["calls", "--format", "csv", "--state"]).arg(&state).arg(&seed).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid callflow state"), "{what}");
        assert_eq!(std::fs::read_to_string(&state).unwrap(), bytes, "{what}: never overwritten");
    }
}

#[test]
fn a_second_run_on_a_locked_state_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("state.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let run = || {
        callflow()
            .args(["calls", "--format", "csv", "--state"])
            .arg(&state)
            .arg(fixture("seed_outbound.ndjson"))
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another callflow run"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!state.exists());
    // Unlocked, not only closed: a child another test forks meanwhile may share the descriptor
    // until it execs, and would hold the lock that long.
    lock.unlock().unwrap();
    assert!(run().status.success());
}

#[test]
fn a_run_killed_midway_leaves_the_previous_state_whole() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let files = cut(&log(&Config::new(300, 33)), 13, dir.path());
    reported_in_turn(&files[..2], &state, &[]);
    let before = std::fs::read(&state).unwrap();
    // A run that never finishes reading: stdin stays open until it is killed.
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    let mut child = std::process::Command::new(bin)
        .args(["calls", "--format", "csv", "--state"])
        .arg(&state)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(std::fs::read(&files[2]).unwrap().as_slice()).unwrap();
    // The header line is out once the run has opened its state and started reading.
    let mut header = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut header).unwrap();
    assert!(header.starts_with("call_id,"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&state).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_failed_run_leaves_no_report_and_keeps_an_older_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = fixture_lines("seed_outbound.ndjson");
    lines.insert(2, "not json\n".into());
    let damaged = write(dir.path(), "damaged.ndjson", &lines);
    let report = dir.path().join("report.csv");
    let run = |args: &[&str], input: &Path| callflow().args(args).arg("-o").arg(&report).arg(input).output().unwrap();
    let out = run(&["calls", "--format", "csv", "--strict"], &damaged);
    assert_eq!(out.status.code(), Some(1));
    assert!(!report.exists(), "no report from a failed run");
    let out = run(&["calls", "--format", "csv"], &fixture("seed_outbound.ndjson"));
    assert!(out.status.success() && out.stdout.is_empty());
    let good = std::fs::read(&report).unwrap();
    assert!(String::from_utf8_lossy(&good).starts_with("call_id,"));
    let out = run(&["calls", "--format", "csv", "--fail-on", "bad"], &damaged);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&report).unwrap(), good, "the older report stays whole");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
}

/// Days of calls from 19:00 to 07:00 UTC: a generated day shifted by twelve hours, so that
/// calls cross midnight, as gzipped files named after the UTC day, as a receiver writes them.
fn night_shift_days(dir: &Path) -> Vec<(String, PathBuf, String)> {
    let mut lines = Vec::new();
    for (day, seed) in [("2026-03-10", 41), ("2026-03-11", 42), ("2026-03-12", 43)] {
        let config = Config { date: day.parse().unwrap(), duplicates: 0.01, ..Config::new(400, seed) };
        lines.extend(log(&config).into_iter().map(|line| shifted(&line, 12 * 3600)));
    }
    let mut by_day: BTreeMap<String, String> = BTreeMap::new();
    let mut current = String::new();
    for line in lines {
        if let Some(time) = time_of(&line) {
            current = current.max(time[..10].to_owned());
        }
        by_day.entry(current.clone()).or_default().push_str(&line);
    }
    by_day
        .into_iter()
        .map(|(day, text)| {
            let path = dir.join(format!("{day}.ndjson.gz"));
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            std::fs::write(&path, gz.finish().unwrap()).unwrap();
            (day, path, text)
        })
        .collect()
}

/// The line with its `event_time` moved by `by` seconds.
fn shifted(line: &str, by: i64) -> String {
    let Some(time) = time_of(line) else { return line.to_owned() };
    let parsed = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S").unwrap();
    let moved = (parsed + chrono::Duration::seconds(by)).format("%Y-%m-%d %H:%M:%S").to_string();
    line.replacen(time, &moved, 1)
}

/// The README's crontab line for the daily report, its paths and date made this test's.
fn cron_line(logs: &Path, state_dir: &Path, reports: &Path, day: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("### A daily report from cron").unwrap()..];
    let line = section.lines().find(|l| l.starts_with("10 0 * * * callflow ")).unwrap();
    let line = line
        .trim_start_matches("10 0 * * * callflow ")
        .replace("$(date -d yesterday +\\%F)", day)
        .replace("/var/log/conpeek", &logs.display().to_string())
        .replace("/var/lib/callflow", &state_dir.display().to_string())
        .replace("/srv/reports", &reports.display().to_string());
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn the_readme_cron_line_reports_every_call_once_across_midnights() {
    let dir = tempfile::tempdir().unwrap();
    let days = night_shift_days(dir.path());
    assert!(days.len() >= 4);
    let mut rows = Vec::new();
    for (day, _, _) in &days {
        let out = callflow().args(cron_line(dir.path(), dir.path(), dir.path(), day)).output().unwrap();
        assert!(out.status.success(), "{day}: {}", String::from_utf8_lossy(&out.stderr));
        let report = std::fs::read_to_string(dir.path().join(format!("calls-{day}.csv"))).unwrap();
        let mut lines = report.lines();
        assert!(lines.next().unwrap().starts_with("call_id,"));
        rows.extend(lines.map(String::from));
    }
    let files: Vec<PathBuf> = days.iter().map(|(_, path, _)| path.clone()).collect();
    let out = callflow()
        .args(["calls", "--format", "csv", "--no-header", "--settle", "off", "--tz", "Europe/Warsaw"])
        .args(&files)
        .output()
        .unwrap();
    let whole: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    assert_eq!(rows.len(), 1200);
    let crossing = rows
        .iter()
        .map(|row| row.split(',').next().unwrap())
        .filter(|id| days.iter().filter(|(_, _, text)| text.contains(id)).count() > 1);
    assert!(crossing.count() > 0, "calls cross midnight, from one day's file to the next");
    assert_eq!(sorted(rows), sorted(whole));
}
