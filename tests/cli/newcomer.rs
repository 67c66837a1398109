//! What a new user trips over: results that are empty without saying why, filters that differ
//! from the data only in case, hints that point the wrong way.

use crate::common::{callflow, fixture};

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// Runs callflow and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = callflow().args(args).output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

#[test]
fn unanswered_and_missed_mean_not_answered() {
    let day = path("inbound_abandoned.ndjson");
    let (code, expected, _) = run(&["calls", &day, "--format", "csv", "--outcome", "not_answered"]);
    assert_eq!(code, 0);
    assert_eq!(expected.lines().count(), 2, "the fixture has one missed call: {expected}");
    for alias in ["unanswered", "missed", "not-answered"] {
        let (code, csv, stderr) = run(&["calls", &day, "--format", "csv", "--outcome", alias]);
        assert_eq!((code, csv.as_str()), (0, expected.as_str()), "{alias}: {stderr}");
    }
}

#[test]
fn calls_by_points_to_summary() {
    let seed = path("seed_outbound.ndjson");
    for args in [vec!["calls", "--by", "consultant", &seed], vec!["calls", &seed, "--by"]] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "");
        assert!(stderr.contains("`callflow summary --by "), "{stderr}");
        assert!(!stderr.contains("-- --by"), "{stderr}");
    }
}
