//! `--redact-key-file`: no phone number of the input reaches any output, and the tokens that
//! replace them keep what analysts count on: one token per number and key, in every run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use callflow_generate::{generate, Config};
use serde_json::Value;

use crate::common::callflow;

/// A generated day with garbage, and bad lines quoting numbers of the log, in `dir`.
fn day(dir: &Path) -> PathBuf {
    let mut log = Vec::new();
    let config = Config { garbage: 0.01, duplicates: 0.02, open_tail: true, ..Config::new(300, 41) };
    generate(&config, &mut log).unwrap();
    let numbers = numbers_in(&log);
    for number in numbers.iter().take(3) {
        let bad = format!(
            r#"{{"event_type":"user_dialog","event_name":"dialog_create","event_time":"{number}","dialog_uuid":"x"}}"#
        );
        log.extend_from_slice(bad.as_bytes());
        log.push(b'\n');
    }
    let path = dir.join("day.ndjson");
    std::fs::write(&path, log).unwrap();
    path
}

/// Every string value of the log (at any depth) that is a phone number: nine or more digits,
/// with perhaps a leading `+`.
fn numbers_in(log: &[u8]) -> BTreeSet<String> {
    fn walk(value: &Value, found: &mut BTreeSet<String>) {
        match value {
            Value::String(s) => {
                let digits = s.strip_prefix('+').unwrap_or(s);
                if digits.len() >= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
                    found.insert(digits.to_owned());
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            Value::Object(members) => members.values().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    for line in log.split(|&b| b == b'\n') {
        if let Ok(value) = serde_json::from_slice::<Value>(line) {
            walk(&value, &mut found);
        }
    }
    found
}

/// stdout and stderr of `callflow ARGS`, whatever its exit code.
fn output(args: &[&str]) -> String {
    let out = callflow().args(args).output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn key(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// call_id -> client of `calls --format csv ARGS`.
fn clients(args: &[&str]) -> BTreeMap<String, String> {
    let out = callflow().args(["calls", "--format", "csv", "--columns", "call_id,client"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().skip(1).filter_map(|l| l.split_once(',')).map(|(id, c)| (id.to_owned(), c.to_owned())).collect()
}

#[test]
fn no_output_holds_a_number_of_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let log = day(dir.path());
    let numbers = numbers_in(&std::fs::read(&log).unwrap());
    assert!(numbers.len() > 100, "the day has numbers to hide: {}", numbers.len());
    let log = log.to_string_lossy().into_owned();
    let key = key(dir.path(), "key", b"0123456789abcdef-a secret\n");
    let ids: Vec<String> = clients(&[&log]).into_keys().take(5).collect();
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["calls", &log],
        vec!["calls", &log, "--format", "csv"],
        vec!["calls", &log, "--format", "json"],
        vec!["calls", &log, "--format", "csv", "--settle", "off"],
        vec!["summary", &log],
        vec!["summary", &log, "--by", "consultant,project,hangup-side", "--format", "csv"],
        vec!["summary", &log, "--by", "day", "--format", "json"],
        vec!["summary", &log, "--by", "client", "--kpi"],
        vec!["summary", &log, "--by", "client", "--format", "csv"],
        vec!["check", &log],
        vec!["check", &log, "--format", "json"],
    ];
    for id in &ids {
        runs.push(vec!["timeline", &log, "--call", id]);
        runs.push(vec!["timeline", &log, "--call", id, "--mermaid"]);
    }
    runs.push(vec!["timeline", &log, "--consultant", "ewa.wisniewska"]);
    let mut plain_shows_numbers = 0;
    for args in &runs {
        let plain = output(args);
        plain_shows_numbers += numbers.iter().filter(|n| plain.contains(n.as_str())).count();
        let redacted = output(&[args.as_slice(), &["--redact-key-file", &key]].concat());
        let shown: Vec<&String> = numbers.iter().filter(|n| redacted.contains(n.as_str())).collect();
        assert!(shown.is_empty(), "{args:?} shows {shown:?}:\n{redacted}");
    }
    assert!(plain_shows_numbers > 100, "without a key the numbers are there to hide");
}

#[test]
fn one_number_gives_one_token_per_key_in_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = day(dir.path()).to_string_lossy().into_owned();
    let key_a = key(dir.path(), "a", &[42; 32]);
    let key_b = key(dir.path(), "b", &[43; 32]);
    let plain = clients(&[&log]);
    let a = clients(&[&log, "--redact-key-file", &key_a]);
    let b = clients(&[&log, "--redact-key-file", &key_b]);
    assert_eq!(a, clients(&[&log, "--redact-key-file", &key_a, "--settle", "off"]), "the same in every run");
    // Number -> token is a function, and one-to-one: repeat callers stay countable.
    let mut token_of = BTreeMap::new();
    let mut number_of = BTreeMap::new();
    for (id, number) in &plain {
        let token = &a[id];
        assert_eq!(token_of.entry(number).or_insert(token), &token, "{number}");
        assert_eq!(number_of.entry(token).or_insert(number), &number, "{token}");
        if !number.is_empty() {
            assert_ne!(token, number);
            assert_ne!(&b[id], token, "another key gives other tokens");
        }
    }
    assert!(token_of.len() > 100);
}

#[test]
fn calls_carried_in_a_state_are_redacted_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = day(dir.path());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let (one, two) = (dir.path().join("1.ndjson"), dir.path().join("2.ndjson"));
    std::fs::write(&one, first.join("\n") + "\n").unwrap();
    std::fs::write(&two, second.join("\n") + "\n").unwrap();
    let key = key(dir.path(), "key", &[7; 32]);
    let state = dir.path().join("state").to_string_lossy().into_owned();
    let whole = clients(&[&log.to_string_lossy(), "--redact-key-file", &key]);
    let mut in_turn = clients(&[&one.to_string_lossy(), "--redact-key-file", &key, "--state", &state]);
    let carried = std::fs::read_to_string(&state).unwrap();
    let shown: Vec<String> = numbers_in(carried.as_bytes()).into_iter().collect();
    assert!(shown.is_empty(), "the state holds tokens, not numbers: {shown:?}");
    in_turn.extend(clients(&[&two.to_string_lossy(), "--redact-key-file", &key, "--state", &state]));
    // The calls still open at the end stay in the state; every other call has its token.
    assert!(in_turn.len() > 250, "{}", in_turn.len());
    for (id, token) in &in_turn {
        assert_eq!(whole.get(id), Some(token), "{id}");
    }
}
