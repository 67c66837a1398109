//! Shared helpers: running the binary, finding fixtures, and reading JSON output into strict
//! structs (an unknown or missing key fails the test).

use std::path::PathBuf;

use assert_cmd::Command;
use serde::Deserialize;

/// The callflow binary, with a clean environment for colour and terminals.
pub fn callflow() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("callflow");
    cmd.env_remove("TZ").env_remove("CALLFLOW_TZ").env("NO_COLOR", "1");
    cmd
}

/// The path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Runs `callflow calls --format json ARGS` and parses every line.
pub fn calls_json(args: &[&str]) -> Vec<CallJson> {
    let out = callflow().arg("calls").args(args).args(["--format", "json"]).output().expect("run callflow");
    assert!(out.status.success(), "callflow failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Runs `callflow calls --format csv ARGS` and returns stdout.
pub fn calls_csv(args: &[&str]) -> String {
    let out = callflow().arg("calls").args(args).args(["--format", "csv"]).output().expect("run callflow");
    assert!(out.status.success(), "callflow failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// One line of `calls --format json`, exactly.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallJson {
    pub call_id: String,
    pub direction: Option<String>,
    pub start: String,
    pub answered_at: Option<String>,
    pub end: Option<String>,
    pub wait_s: Option<i64>,
    pub talk_s: Option<i64>,
    pub duration_s: Option<i64>,
    pub hangup_side: String,
    pub outcome: String,
    pub consultant: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub legs: u32,
    pub close_cause: Option<String>,
    pub flags: Vec<String>,
    pub legs_detail: Vec<LegJson>,
}

/// One entry of `legs_detail`, exactly.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegJson {
    pub dialog_uuid: String,
    pub dialog_type: Option<String>,
    pub created: Option<String>,
    pub answered: Option<String>,
    pub closed: Option<String>,
    pub close_cause: Option<String>,
    pub ring_s: Option<i64>,
}

/// Where a property test keeps the failing cases it found: the crate's `proptest-regressions/`.
pub fn regressions(name: &str) -> Option<Box<dyn proptest::test_runner::FailurePersistence>> {
    let path = format!("{}/proptest-regressions/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(Box::leak(path.into_boxed_str()))))
}

/// The lines a child writes to `stdout`, sent one by one as they come, from a thread of their
/// own: a test can wait for a line with a limit while the child keeps running.
pub fn lines_of(stdout: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    lines
}

/// A run of `callflow ARGS` reading a pipe: its stdin, its stdout lines as they come, and
/// the process.
pub struct Piped {
    pub stdin: std::process::ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
    child: std::process::Child,
    stderr: std::thread::JoinHandle<String>,
}

impl Piped {
    pub fn spawn(args: &[&str]) -> Piped {
        let bin = assert_cmd::cargo::cargo_bin!("callflow");
        let mut child = std::process::Command::new(bin)
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let lines = lines_of(stdout);
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut err, &mut text).unwrap();
            text
        });
        Piped { stdin, lines, child, stderr }
    }

    /// The next line of stdout; the limit only keeps a broken build from hanging the suite.
    pub fn next(&self) -> String {
        self.lines.recv_timeout(std::time::Duration::from_secs(120)).expect("a line comes")
    }

    /// Closes stdin and waits: the rest of stdout, and stderr.
    pub fn finish(mut self, mut rows: Vec<String>) -> (Vec<String>, String) {
        drop(self.stdin);
        rows.extend(self.lines.iter());
        assert!(self.child.wait().unwrap().success());
        (rows, self.stderr.join().unwrap())
    }
}
