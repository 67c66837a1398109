//! Settling end to end: `calls` writes rows while its input is still being written, and a
//! streamed run prints the bytes of a run that holds every call to the end.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;

use callflow_generate::{generate, Config};

use crate::common::callflow;

fn day(calls: usize, seed: u64) -> Vec<u8> {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.01, reorder: 0.02, ..Config::new(calls, seed) };
    generate(&config, &mut log).unwrap();
    log
}

#[test]
fn the_first_rows_come_out_while_the_input_is_still_being_written() {
    let log = day(4000, 21);
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    let mut child = Command::new(bin)
        .args(["calls", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    // Three quarters of the day, and the pipe stays open.
    let cut = log[..log.len() * 3 / 4].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    stdin.write_all(&log[..cut]).unwrap();
    stdin.flush().unwrap();
    // Waits for the rows the run has written so far; the limit only keeps a broken build
    // from hanging the suite.
    let limit = std::time::Duration::from_secs(120);
    let header = rx.recv_timeout(limit).expect("the header comes at once");
    let first = rx.recv_timeout(limit).expect("a row comes before the input ends");
    assert!(header.starts_with("call_id,"), "{header}");
    stdin.write_all(&log[cut..]).unwrap();
    drop(stdin);
    let mut rows = vec![header, first];
    rows.extend(rx.iter());
    reader.join().unwrap();
    assert!(child.wait().unwrap().success());
    let whole = callflow().args(["calls", "--format", "csv", "--settle", "off"]).write_stdin(log).output().unwrap();
    assert_eq!(rows.join("\n") + "\n", String::from_utf8(whole.stdout).unwrap());
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
