//! How callflow behaves as a Unix tool: version, completions, man page, colour rules, and
//! progress never leaking into pipes.

use std::process::Command;

use crate::common::{callflow, fixture};

#[test]
fn version_names_the_tool() {
    let out = callflow().arg("--version").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("callflow {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = callflow().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["calls", "summary", "since", "format"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let bad = callflow().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_page_is_roff() {
    let out = callflow().arg("man").output().unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH callflow 1"), "{page}");
    assert!(page.contains("calls") && page.contains("summary"));
}

#[test]
fn every_page_the_man_page_refers_to_exists() {
    let page = |args: &[&str]| {
        let out = callflow().arg("man").args(args).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (_, calls, _) = page(&["calls"]);
    assert!(calls.contains(".TH callflow-calls 1") && calls.contains("delimiter"), "{calls}");
    let dir = std::env::temp_dir().join(format!("callflow-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, listed, _) = page(&["--dir", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    let mut written: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    written.sort();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(listed.lines().count(), written.len(), "{listed}");
    let (_, main, _) = page(&[]);
    // callflow(1) names its subcommands' pages as `callflow\-calls(1)`: each must be written.
    let referred: Vec<String> = main
        .split("callflow\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)").map(|(name, _)| format!("callflow-{name}.1")))
        .collect();
    assert!(referred.len() >= 5, "{main}");
    for name in referred.iter().chain([&"callflow.1".to_owned()]) {
        assert!(written.contains(name), "{name} not in {written:?}");
    }
    let (code, _, stderr) = page(&["nosuch"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("the pages are: calls, summary, check"), "{stderr}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let seed = fixture("seed_outbound.ndjson");
    let table = |args: &[&str]| {
        let out = callflow().arg("calls").arg(&seed).args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!table(&[]).contains('\x1b'), "a pipe gets no colour");
    // The environment has NO_COLOR=1 (see `callflow()`): `--color always` overrides it.
    let forced = table(&["--color", "always"]);
    assert!(forced.contains("\x1b[38;5;"), "foreground colours: {forced:?}");
    assert!(!forced.contains("\x1b[m"), "no empty escape codes: {forced:?}");
    assert!(!table(&["--color", "never"]).contains('\x1b'));
    // JSON and CSV never carry colour, even when forced.
    for format in ["csv", "json"] {
        assert!(!table(&["--color", "always", "--format", format]).contains('\x1b'));
    }
}

/// Runs callflow with stdout on a pseudo-terminal (util-linux `script`), or `None` where that
/// tool is not available.
fn on_terminal(args: &str, no_color: &str) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    let command = format!("NO_COLOR={no_color} {} {args}", bin.display());
    let out = Command::new("script").args(["-qec", &command, "/dev/null"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let args = format!("calls {}", fixture("seed_outbound.ndjson").display());
    let Some(coloured) = on_terminal(&args, "") else {
        eprintln!("skipped: no util-linux `script` to provide a terminal");
        return;
    };
    assert!(coloured.contains("\x1b["), "a terminal gets colour: {coloured:?}");
    let plain = on_terminal(&args, "1").unwrap_or_default();
    assert!(!plain.contains("\x1b[38"), "NO_COLOR set: {plain:?}");
}

#[test]
fn no_progress_line_when_stderr_is_not_a_terminal() {
    // Several files: on a terminal this run would draw a progress line.
    let files = [fixture("seed_outbound.ndjson"), fixture("blind_transfer.ndjson")];
    let out = callflow().args(["summary", "--format", "csv"]).args(&files).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "callflow: data quality: 20 lines read, 0 bad lines, 0 duplicates dropped; 0 open calls, 0 incomplete calls\n"
    );
}

#[test]
fn progress_on_a_terminal_finishes_and_clears_itself() {
    let dir = std::env::temp_dir().join(format!("callflow-tty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("day.ndjson");
    let mut file = std::fs::File::create(&big).unwrap();
    callflow_generate::generate(&callflow_generate::Config::new(3000, 4), &mut file).unwrap();
    // Several files on a terminal: the progress line is drawn from the reader thread while the
    // main thread works; a stderr lock held by the main thread would hang this forever.
    let args = format!("summary --format csv {} {}", big.display(), fixture("seed_outbound.ndjson").display());
    let bin = assert_cmd::cargo::cargo_bin!("callflow");
    let command = format!("timeout 120 {} {args}", bin.display());
    let Ok(out) = Command::new("script").args(["-qec", &command, "/dev/null"]).output() else {
        eprintln!("skipped: no util-linux `script` to provide a terminal");
        return;
    };
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{:?}", String::from_utf8_lossy(&out.stdout));
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("calls,answered,not_answered"), "{screen:?}");
    assert!(screen.contains("3001,"), "all calls counted: {screen:?}");
}

#[test]
fn quiet_is_silent_on_a_clean_run_and_still_reports_problems() {
    let clean =
        callflow().args(["summary", "--format", "csv", "-q"]).arg(fixture("seed_outbound.ndjson")).output().unwrap();
    assert!(clean.status.success());
    assert!(!clean.stdout.is_empty());
    assert_eq!(String::from_utf8(clean.stderr).unwrap(), "", "a clean run under -q says nothing");
    let messy = callflow().args(["summary", "--format", "csv", "-q"]).arg(fixture("messy.ndjson")).output().unwrap();
    let stderr = String::from_utf8(messy.stderr).unwrap();
    assert!(stderr.contains("lines skipped as bad"), "{stderr}");
    assert!(stderr.contains("callflow: data quality:"), "a damaged log still gets its quality line: {stderr}");
}

#[test]
fn callflow_tz_sets_the_default_zone_and_tz_wins_over_it() {
    let seed = fixture("seed_outbound.ndjson");
    let start = |env: Option<&str>, args: &[&str]| {
        let mut cmd = callflow();
        if let Some(zone) = env {
            cmd.env("CALLFLOW_TZ", zone);
        }
        let out = cmd.arg("calls").arg(&seed).args(["--format", "csv"]).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let csv = String::from_utf8(out.stdout).unwrap();
        csv.lines().nth(1).unwrap().split(',').nth(2).unwrap().to_owned()
    };
    assert_eq!(start(None, &[]), "2020-08-25T16:24:41Z");
    assert_eq!(start(Some("Europe/Warsaw"), &[]), "2020-08-25T18:24:41+02:00");
    assert_eq!(start(Some("Europe/Warsaw"), &["--tz", "UTC"]), "2020-08-25T16:24:41Z");
    // Filters are read in the zone too: 18:00 in Warsaw is 16:00 UTC, before the call.
    assert_eq!(start(Some("Europe/Warsaw"), &["--since", "2020-08-25 18:00"]), "2020-08-25T18:24:41+02:00");
    let help = callflow().args(["calls", "--help"]).output().unwrap();
    assert!(String::from_utf8(help.stdout).unwrap().contains("[env: CALLFLOW_TZ]"));
}
