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

#[test]
fn a_file_without_one_event_is_an_error_and_an_empty_input_is_not() {
    let (code, stdout, stderr) = run(&["calls", &path("not_events.csv")]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.starts_with("callflow: none of the 3 lines of ")
            && stderr.contains(
                "not_events.csv is a Conpeek webhook event (expected JSON objects with event_type/event_name; line 1: "
            )
            && stderr.ends_with("is this the right file?\n"),
        "{stderr}"
    );
    // Another system's JSON log, on stdin, to summary.
    let foreign = "{\"level\":\"info\",\"msg\":\"started\"}\n{\"level\":\"info\",\"msg\":\"stopped\"}\n";
    let out = callflow().args(["summary", "--format", "csv"]).write_stdin(foreign).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("callflow: none of the 2 lines of <stdin> is a Conpeek"));
    // A quiet night: no line at all is no error, and no hint either.
    let out = callflow().args(["calls", "--format", "csv"]).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

#[test]
fn names_and_values_match_in_any_case() {
    let day = path("dst_autumn_warsaw.ndjson");
    let count = |args: &[&str]| {
        let (code, csv, stderr) = run(&[&["calls", day.as_str(), "--format", "csv"], args].concat());
        assert_eq!(code, 0, "{stderr}");
        csv.lines().count() - 1
    };
    assert_eq!(count(&["--consultant", "ewa.zielinska"]), 16);
    assert_eq!(count(&["--consultant", "Ewa.Zielinska"]), 16);
    assert_eq!(count(&["--project", "INFOLINIA"]), 31);
    assert_eq!(count(&["--direction", "INBOUND", "--outcome", "Answered"]), count(&["--outcome", "answered"]));
    assert_eq!(count(&["--hangup-side", "CLIENT"]), count(&["--hangup-side", "client"]));
    assert!(count(&["--hangup-side", "client"]) > 0);
    let help = run(&["calls", "--help"]).1;
    assert!(help.contains("any case"), "{help}");
}

#[test]
fn a_filter_that_matches_nothing_says_what_is_near() {
    let day = path("dst_autumn_warsaw.ndjson");
    let (code, _, stderr) = run(&["calls", &day, "--consultant", "ewa.zielinsk"]);
    assert_eq!(code, 0);
    assert_eq!(stderr, "callflow: no call has consultant \"ewa.zielinsk\"; did you mean \"ewa.zielinska\"?\n");
    let (_, _, stderr) = run(&["summary", &day, "--project", "reklamacje", "--format", "csv"]);
    assert!(
        stderr.starts_with("callflow: no call has project \"reklamacje\"; the input has \"Infolinia\"\n"),
        "{stderr}"
    );
    let (_, _, stderr) = run(&["calls", &day, "--call", "bcfdaf62"]);
    assert_eq!(stderr, "callflow: no call has a leg \"bcfdaf62\" (--call takes a full dialog_uuid or a prefix of at least 8 characters)\n");
    // Each filter finds calls, but not together.
    let (_, _, stderr) = run(&["calls", &day, "--consultant", "ewa.zielinska", "--direction", "outbound"]);
    assert_eq!(stderr, "callflow: none of the 31 calls of the input passes all the filters together\n");
}

#[test]
fn a_day_without_calls_warns_and_says_where_the_calls_are() {
    let day = path("dst_autumn_warsaw.ndjson");
    let (code, stdout, stderr) =
        run(&["calls", &day, "--tz", "Europe/Warsaw", "--day", "2026-10-27", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 1, "just the header");
    assert!(
        stderr.starts_with(
            "callflow: no call starts between 2026-10-27T00:00:00+01:00 and 2026-10-28T00:00:00+01:00; \
             the input's calls start between 2026-10-2"
        ),
        "{stderr}"
    );
}

#[test]
fn since_after_until_is_a_usage_error() {
    let day = path("dst_autumn_warsaw.ndjson");
    let (code, stdout, stderr) = run(&["calls", &day, "--since", "2026-10-26", "--until", "2026-10-25"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "callflow: --since 2026-10-26T00:00:00Z is not before --until 2026-10-25T00:00:00Z: no call can match\n"
    );
}

#[test]
fn stdin_on_a_terminal_is_announced_instead_of_a_silent_wait() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    // `script` gives callflow a terminal and forwards its own stdin to it: a Ctrl-D typed
    // there ends the input, as it would for a person.
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    let command = format!("timeout 60 {} calls --format csv", bin.display());
    let spawned = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        eprintln!("skipped: no util-linux `script` to provide a terminal");
        return;
    };
    child.stdin.take().unwrap().write_all(b"\x04").unwrap();
    let out = child.wait_with_output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("callflow: reading events from stdin (end with Ctrl-D)"), "{screen:?}");
    assert!(screen.contains("see callflow --help"), "{screen:?}");
    assert!(screen.contains("call_id,direction"), "the input ended and the run finished: {screen:?}");
    // Piped stdin is what a script means: no notice.
    let out = callflow().args(["calls", "--format", "csv"]).write_stdin("").output().unwrap();
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

#[test]
fn one_of_a_thing_is_written_in_the_singular() {
    let (_, check, _) = run(&["check", &path("seed_outbound.ndjson")]);
    assert!(check.starts_with("clean: 8 lines, 1 call\n"), "{check}");
    let day = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-logs/day.ndjson.gz");
    let (_, story, _) = run(&["timeline", day, "--call", "301eb58f"]);
    assert!(story.contains("no leg reached talking, and its only leg closed at 08:01:21"), "{story}");
    assert!(!story.contains("all 1 legs"));
    let out = callflow()
        .args(["calls", "--format", "csv"])
        .write_stdin("{\"event_type\":\"user_dialog\"}\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("callflow: none of the 1 line of <stdin> is"), "{stderr}");
}
