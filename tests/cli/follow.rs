//! `calls --follow` against a writer thread that appends, rotates by rename, truncates in place
//! and pauses: every call comes out exactly once, with the figures of a batch run over the
//! final files; a row comes out after its call's last event without further input; SIGTERM
//! stops cleanly, `--state` keeps what was in progress, and a restart goes on from there.
//!
//! Waits are for output to appear, with limits generous enough for a loaded machine; the
//! limits only keep a broken build from hanging the suite, nothing asserts how fast it is.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use callflow_generate::{generate, Config, Generated};

use crate::common::{callflow, lines_of};

/// How long to wait for a row before calling the run broken.
const LIMIT: Duration = Duration::from_secs(90);

/// A generated day in input order, and which call each line's leg belongs to.
struct Day {
    lines: Vec<String>,
    call_of_line: Vec<Option<String>>,
}

fn day(calls: usize, seed: u64) -> Day {
    let mut bytes = Vec::new();
    let Generated { truth, .. } = generate(&Config::new(calls, seed), &mut bytes).unwrap();
    let call_of_leg: BTreeMap<&str, &str> =
        truth.iter().flat_map(|t| t.legs.iter().map(|leg| (leg.as_str(), t.call_id.as_str()))).collect();
    let lines: Vec<String> = String::from_utf8(bytes).unwrap().lines().map(|l| format!("{l}\n")).collect();
    let call_of_line = lines
        .iter()
        .map(|line| {
            let at = line.find("\"dialog_uuid\":\"")? + 15;
            let uuid = line.get(at..at + 36)?;
            call_of_leg.get(uuid).map(|call| (*call).to_owned())
        })
        .collect();
    Day { lines, call_of_line }
}

impl Day {
    /// The first line index at or after `from` that ends a call (its last line is just
    /// before), with that call: cutting the log there, that call is whole on one side.
    fn cut_after_a_call(&self, from: usize) -> (usize, String) {
        let mut last = BTreeMap::new();
        for (i, call) in self.call_of_line.iter().enumerate() {
            if let Some(call) = call {
                last.insert(call.clone(), i);
            }
        }
        let (call, at) = last.into_iter().filter(|(_, at)| *at >= from).min_by_key(|(_, at)| *at).unwrap();
        (at + 1, call)
    }

    fn text(&self, lines: std::ops::Range<usize>) -> String {
        self.lines[lines].concat()
    }
}

/// A `calls --follow` run, its stdout read line by line on a thread.
struct Follow {
    child: Child,
    rows: Receiver<String>,
    seen: Vec<String>,
}

impl Follow {
    fn start(args: &[&str]) -> Follow {
        let follow = Follow::start_as("csv", args);
        assert!(follow.seen[0].starts_with("call_id,"), "{}", follow.seen[0]);
        follow
    }

    /// A follow writing `format`, once its first line (the header) is out.
    fn start_as(format: &str, args: &[&str]) -> Follow {
        let bin = assert_cmd::cargo::cargo_bin!("callflow");
        let mut child = Command::new(bin)
            .args(["calls", "--follow", "--format", format, "--settle", "1s"])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let rows = lines_of(child.stdout.take().unwrap());
        let mut follow = Follow { child, rows, seen: Vec::new() };
        // The header comes once the run is set up, its signal handler with it.
        follow.wait_for(|seen| !seen.is_empty(), "the header");
        follow
    }

    /// Reads rows until `done` holds of every line seen so far.
    fn wait_for(&mut self, done: impl Fn(&[String]) -> bool, what: &str) {
        let deadline = Instant::now() + LIMIT;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rows.recv_timeout(left) {
                Ok(row) => self.seen.push(row),
                Err(_) => panic!("no {what} after {LIMIT:?}; rows so far: {:#?}", self.seen),
            }
        }
    }

    /// Waits for the table line of `call` (its id cut to eight characters).
    fn wait_for_call_in_table(&mut self, call: &str) {
        let id = &call[..8];
        self.wait_for(|seen| seen.iter().any(|row| row.contains(id)), &format!("line for call {id}"));
    }

    fn wait_for_call(&mut self, call: &str) {
        self.wait_for(|seen| seen.iter().any(|row| row.starts_with(call)), &format!("row for call {call}"));
    }

    /// SIGTERM, then every row written and the stderr; the run must exit 0.
    fn stop(mut self) -> (Vec<String>, String) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{stderr}");
        self.seen.extend(self.rows.iter());
        (self.seen.split_off(1), stderr)
    }
}

impl Drop for Follow {
    /// A test that fails leaves no run behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new().create(true).append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// Rows of `calls --format csv` over `files` in one batch run, without the header.
fn batch(files: &[PathBuf], args: &[&str]) -> Vec<String> {
    let out = callflow().args(["calls", "--format", "csv", "--settle", "off"]).args(args).args(files).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().skip(1).map(str::to_owned).collect()
}

fn sorted(mut rows: Vec<String>) -> Vec<String> {
    rows.sort();
    rows
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callflow-follow-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_call_comes_out_once_through_rotation_and_truncation_as_a_batch_run_sees_it() {
    let day = day(300, 41);
    let dir = temp_dir("rotate");
    let live = dir.join("live.ndjson");
    let (rotated, copied) = (dir.join("live.ndjson.1"), dir.join("live.ndjson.2"));
    // The file does not exist yet: the run waits for it.
    let mut run = Follow::start(&[live.to_str().unwrap()]);
    let n = day.lines.len();
    let (first, first_call) = day.cut_after_a_call(n / 3);
    let (second, second_call) = day.cut_after_a_call(n * 2 / 3);

    // A third, in pieces; then a pause: the call that ends it comes out on the clock alone.
    for piece in day.lines[..first].chunks(97) {
        append(&live, &piece.concat());
    }
    run.wait_for_call(&first_call);
    // logrotate's create mode: the file is renamed and a new one takes its name.
    fs::rename(&live, &rotated).unwrap();
    append(&live, &day.text(first..second));
    run.wait_for_call(&second_call);
    // copytruncate: the file is copied, then cut to nothing in place, and written on.
    fs::copy(&live, &copied).unwrap();
    OpenOptions::new().write(true).open(&live).unwrap().set_len(0).unwrap();
    append(&live, &day.text(second..n));

    let expected = batch(&[rotated, copied, live], &[]);
    assert_eq!(expected.len(), 300);
    run.wait_for(|seen| seen.len() > expected.len(), "row of every call");
    let (rows, stderr) = run.stop();
    assert_eq!(sorted(rows), sorted(expected), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigterm_saves_the_calls_in_progress_and_a_restart_goes_on_without_losing_or_repeating_one() {
    let day = day(400, 42);
    let dir = temp_dir("state");
    let (live, state) = (dir.join("live.ndjson"), dir.join("follow.state"));
    let args = [live.to_str().unwrap(), "--state", state.to_str().unwrap()];
    let n = day.lines.len();
    append(&live, &day.text(0..n / 2));
    let mut run = Follow::start(&args);
    run.wait_for(|seen| seen.len() > 1, "first row");
    let (mut rows, stderr) = run.stop();
    assert!(state.exists(), "{stderr}");

    // Written while nothing follows; the next run reads it from where the last one stopped.
    append(&live, &day.text(n / 2..n));
    let expected = batch(std::slice::from_ref(&live), &[]);
    let mut run = Follow::start(&args);
    let before = rows.len();
    run.wait_for(|seen| before + seen.len() > expected.len(), "row of every call");
    let (more, stderr) = run.stop();
    rows.extend(more);
    let unique: HashSet<&str> = rows.iter().map(|row| &row[..36]).collect();
    assert_eq!(unique.len(), rows.len(), "a call came out twice: {stderr}");
    assert_eq!(sorted(rows), sorted(expected), "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdin_is_followed_to_its_end_and_filters_apply() {
    let day = day(200, 43);
    let dir = temp_dir("stdin");
    let file = dir.join("day.ndjson");
    fs::write(&file, day.text(0..day.lines.len())).unwrap();
    for filter in [&[][..], &["--outcome", "not_answered"], &["--since", "2026-03-10 12:00"]] {
        let out = callflow()
            .args(["calls", "-f", "-", "--format", "csv", "--settle", "1s"])
            .args(filter)
            .write_stdin(fs::read(&file).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().skip(1).map(str::to_owned).collect();
        let expected = batch(std::slice::from_ref(&file), filter);
        assert!(!expected.is_empty() && (filter.is_empty() || expected.len() < 200), "{filter:?}");
        assert_eq!(sorted(rows), sorted(expected), "{filter:?}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn follow_is_refused_where_it_cannot_write_rows_one_by_one() {
    for args in [&["--format", "csv", "--settle", "off"][..], &["--format", "csv", "-o", "x.csv"]] {
        let out = callflow().args(["calls", "--follow", "-"]).args(args).write_stdin("").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--follow"), "{args:?}");
    }
}

#[test]
fn a_followed_table_shows_its_header_at_once_then_one_line_per_call_as_it_ends() {
    let day = day(60, 45);
    let dir = temp_dir("table");
    let live = dir.join("live.ndjson");
    let mut run = Follow::start_as("table", &[live.to_str().unwrap()]);
    // The header is out before any event: a rule, the titles, the zone, a rule.
    run.wait_for(|seen| seen.len() >= 4, "the table's header");
    assert!(run.seen[0].starts_with('─') && run.seen[3].starts_with('─'), "{:#?}", run.seen);
    let n = day.lines.len();
    let (half, call) = day.cut_after_a_call(n / 2);
    append(&live, &day.text(0..half));
    run.wait_for_call_in_table(&call);
    append(&live, &day.text(half..n));
    let calls = batch(std::slice::from_ref(&live), &[]).len();
    run.wait_for(|seen| seen.len() >= 4 + calls, "a line for every call");
    let (lines, stderr) = run.stop();
    let rows: Vec<&String> = lines.iter().skip(3).filter(|l| !l.starts_with('─')).collect();
    assert_eq!(rows.len(), calls + 1, "one line per call, then the count: {stderr}");
    // Fixed widths: every call's id sits in the same columns.
    let id_at_20 = |row: &&String| row.chars().skip(20).take(8).all(|c| c.is_ascii_hexdigit());
    assert!(rows[..calls].iter().all(id_at_20), "fixed width: {rows:#?}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_compressed_file_is_refused_rather_than_read_as_bad_lines() {
    let dir = temp_dir("gzip");
    let file = dir.join("day.ndjson.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let day = day(20, 44);
    gz.write_all(day.text(0..day.lines.len()).as_bytes()).unwrap();
    fs::write(&file, gz.finish().unwrap()).unwrap();
    let out = callflow().args(["calls", "-f", "--format", "csv"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is compressed"), "{}", String::from_utf8_lossy(&out.stderr));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_followed_summary_appends_period_rows_whose_counts_add_up_to_a_batch_summary() {
    let day = day(300, 45);
    let log = day.text(0..day.lines.len());
    let count = |csv: &[u8], skip: usize| {
        let mut by_direction: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for line in String::from_utf8(csv.to_vec()).unwrap().lines().skip(1) {
            let cells: Vec<&str> = line.split(',').skip(skip).collect();
            let entry = by_direction.entry(cells[0].to_owned()).or_default();
            entry.0 += cells[1].parse::<u64>().unwrap();
            entry.1 += cells[2].parse::<u64>().unwrap();
        }
        by_direction
    };
    let args = ["--by", "direction", "--format", "csv"];
    let live = callflow()
        .args(["summary", "--follow", "-", "--every", "1s", "--settle", "1s"])
        .args(args)
        .write_stdin(log.clone())
        .output()
        .unwrap();
    assert!(live.status.success(), "{}", String::from_utf8_lossy(&live.stderr));
    let header = String::from_utf8_lossy(&live.stdout).lines().next().unwrap_or_default().to_owned();
    assert!(header.starts_with("period_end,direction,calls,answered,"), "{header}");
    assert_eq!(String::from_utf8_lossy(&live.stdout).matches("period_end").count(), 1, "one header");
    let batch = callflow().arg("summary").args(args).write_stdin(log).output().unwrap();
    let expected = count(&batch.stdout, 0);
    assert_eq!(expected.values().map(|(calls, _)| calls).sum::<u64>(), 300);
    assert_eq!(count(&live.stdout, 1), expected);
}
