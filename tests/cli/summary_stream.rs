//! `summary` on the settling path: streamed runs print the bytes of whole-input runs, and
//! `--state` over logs cut by time reports each call in exactly one run's groups.

use std::collections::BTreeMap;

use callflow_generate::{generate, Config};

use crate::common::callflow;
use crate::state::{cut, log};

fn day(calls: usize, seed: u64) -> Vec<u8> {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.01, reorder: 0.02, ..Config::new(calls, seed) };
    generate(&config, &mut log).unwrap();
    log
}

#[test]
fn streamed_and_whole_summaries_print_the_same_bytes() {
    let log = day(1500, 41);
    let groupings: [&[&str]; 8] = [
        &[],
        &["--by", "hour", "--tz", "Europe/Warsaw"],
        &["--by", "consultant,day"],
        &["--by", "hangup_side,outcome", "--direction", "inbound"],
        &["--by", "close_cause,project"],
        &["--by", "weekday,client", "--percentiles", "10,99", "--sla", "5", "--short-abandon", "8"],
        &["--by", "consultant,hour", "--kpi"],
        &["--by", "hour", "--since", "2026-03-10 12:00", "--until", "2026-03-10 18:00", "--compare", "4h"],
    ];
    for by in groupings {
        for format in ["csv", "json", "table"] {
            let args = [&["summary", "--format", format][..], by].concat();
            let streamed = callflow().args(&args).write_stdin(log.clone()).output().unwrap();
            let whole = callflow().args(&args).args(["--settle", "off"]).write_stdin(log.clone()).output().unwrap();
            assert!(streamed.status.success(), "{}", String::from_utf8_lossy(&streamed.stderr));
            assert!(streamed.stdout.len() > 100, "{args:?}");
            assert_eq!(String::from_utf8_lossy(&streamed.stdout), String::from_utf8_lossy(&whole.stdout), "{args:?}");
            assert_eq!(streamed.stderr, whole.stderr, "{args:?}");
        }
    }
}

/// The counts of `summary --by hour --format csv` output, added up per hour.
fn add_counts(csv: &str, totals: &mut BTreeMap<String, Vec<i64>>) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let summed = ["calls", "answered", "not_answered", "open", "hangup_client", "talk_s_total"];
    let at: Vec<usize> = summed.iter().map(|c| header.iter().position(|h| h == c).unwrap()).collect();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let sums = totals.entry(fields[0].to_owned()).or_insert_with(|| vec![0; summed.len()]);
        for (sum, &i) in sums.iter_mut().zip(&at) {
            *sum += fields[i].parse::<i64>().unwrap();
        }
    }
}

#[test]
fn state_carries_calls_so_that_hourly_runs_add_up_to_one_run() {
    let lines = log(&Config { duplicates: 0.02, reorder: 0.02, ..Config::new(1200, 43) });
    let dir = tempfile::tempdir().unwrap();
    let files = cut(&lines, 13, dir.path());
    assert!(files.len() > 10, "{} files", files.len());
    let state = dir.path().join("state");
    let mut in_turn = BTreeMap::new();
    for file in &files {
        let out = callflow()
            .args(["summary", "--by", "hour", "--format", "csv", "--state"])
            .arg(&state)
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        add_counts(&String::from_utf8(out.stdout).unwrap(), &mut in_turn);
    }
    let whole = callflow().args(["summary", "--by", "hour", "--format", "csv"]).args(&files).output().unwrap();
    let mut at_once = BTreeMap::new();
    add_counts(&String::from_utf8(whole.stdout).unwrap(), &mut at_once);
    assert!(at_once.len() > 10);
    assert_eq!(in_turn, at_once);
}
