//! Reading input: compression, stdin, messy lines, and the exit-code contract for failures.

use std::io::Write;

use crate::common::{callflow, calls_csv, fixture};

fn seed_bytes() -> Vec<u8> {
    std::fs::read(fixture("seed_outbound.ndjson")).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn seed_csv() -> String {
    calls_csv(&[&fixture("seed_outbound.ndjson").to_string_lossy()])
}

#[test]
fn gzip_and_zstd_are_detected_by_magic_on_files_and_stdin() {
    let dir = tempdir();
    let gz = dir.join("calls.log");
    std::fs::write(&gz, gzip(&seed_bytes())).unwrap();
    let zst = dir.join("calls.txt");
    std::fs::write(&zst, zstd::encode_all(&seed_bytes()[..], 3).unwrap()).unwrap();
    let expected = seed_csv();
    assert_eq!(calls_csv(&[&gz.to_string_lossy()]), expected);
    assert_eq!(calls_csv(&[&zst.to_string_lossy()]), expected);
    let out = callflow().args(["calls", "--format", "csv"]).write_stdin(gzip(&seed_bytes())).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    let out = callflow().args(["calls", "--format", "csv", "-"]).write_stdin(seed_bytes()).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn messy_lines_are_reported_with_file_and_line_and_the_rest_is_used() {
    let messy = fixture("messy.ndjson");
    let out = callflow().args(["calls", "--format", "csv"]).arg(&messy).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // BOM, CRLF and blank lines are tolerated: the call is whole.
    assert_eq!(String::from_utf8(out.stdout).unwrap(), seed_csv());
    let err = String::from_utf8(out.stderr).unwrap();
    let name = messy.display().to_string();
    for (line, reason) in [
        (5, "invalid JSON"),
        (6, "not a JSON object"),
        (7, "not a JSON object"),
        (8, "missing or non-string field dialog_uuid"),
        (9, "event_time \"yesterday\""),
    ] {
        assert!(err.contains(&format!("callflow: {name}:{line}: {reason}")), "line {line} not reported: {err}");
    }
    assert!(err.contains("5 of 17 lines skipped as bad"), "{err}");
    let strict = callflow().args(["calls", "--strict"]).arg(&messy).output().unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn missing_file_directory_and_truncated_stream_are_fatal() {
    let dir = tempdir();
    let out = callflow().args(["calls", "no/such/file.ndjson"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.ndjson"));
    let out = callflow().arg("calls").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
    let gz = gzip(&seed_bytes().repeat(50));
    let truncated = dir.join("cut.ndjson.gz");
    std::fs::write(&truncated, &gz[..gz.len() / 2]).unwrap();
    let out = callflow().arg("calls").arg(&truncated).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no report on half a file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.ndjson.gz"));
}

#[test]
fn usage_errors_exit_2() {
    let seed = fixture("seed_outbound.ndjson");
    for args in [
        vec!["calls", "--tz", "Mars/Olympus"],
        vec!["calls", "--since", "last tuesday"],
        vec!["calls", "--format", "xml"],
        vec!["calls", "--day", "2026-03-29", "--since", "2026-03-28"],
        vec!["frobnicate"],
    ] {
        let out = callflow().args(&args).arg(&seed).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn same_input_same_bytes() {
    let files: Vec<String> = ["inbound_multi_offer", "blind_transfer", "messy"]
        .iter()
        .map(|n| fixture(&format!("{n}.ndjson")).to_string_lossy().into_owned())
        .collect();
    let run = || callflow().arg("calls").args(&files).args(["--format", "json"]).output().unwrap().stdout;
    assert_eq!(run(), run());
}

/// A fresh directory under the target dir (no extra crate needed for a scratch folder).
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "callflow-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
