//! Text output never steers a terminal: the vendor's example call, with arbitrary text put
//! into the fields people read, shown by every command's text output, holds no character a
//! terminal acts on but the newline that ends a line. This module is shared with the fuzz
//! target `text_output`, which runs the same check on inputs a fuzzer finds.

use callflow::cli::Cli;
use callflow::config::{Job, Terminal};
use callflow::render::text::is_hostile;
use clap::Parser;
use serde_json::Value;

/// The vendor's example outbound call.
const CALL: &str = include_str!("../fixtures/seed_outbound.ndjson");

/// The fields whose text reaches a table, a timeline or a message.
const FIELDS: [&str; 12] = [
    "dialog_uuid",
    "event_name",
    "state",
    "close_cause",
    "self_name",
    "peer_target",
    "peer_project_name",
    "caller_contact_address",
    "callee_contact_address",
    "self_target",
    "dialog_type",
    "event_time",
];

/// One field of one line of the call set to `text`.
#[derive(Debug, Clone)]
pub struct Change {
    pub line: u8,
    pub field: u8,
    pub text: String,
}

/// The example call with the changes made, as NDJSON, and the first leg's uuid after them.
pub fn changed_call(changes: &[Change]) -> (Vec<u8>, String) {
    let mut lines: Vec<Value> = CALL.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    for change in changes {
        let count = lines.len();
        if let Some(Value::Object(event)) = lines.get_mut(change.line as usize % count) {
            let field = FIELDS[change.field as usize % FIELDS.len()];
            event.insert(field.to_owned(), Value::String(change.text.clone()));
        }
    }
    let mut log = Vec::new();
    for line in &lines {
        log.extend_from_slice(line.to_string().as_bytes());
        log.push(b'\n');
    }
    let uuid = lines.first().and_then(|event| event["dialog_uuid"].as_str()).unwrap_or_default().to_owned();
    (log, uuid)
}

/// Runs every command's text output on the log at `path`; the first character a terminal
/// would act on, with the command and the stream that wrote it.
pub fn first_hostile_output(path: &str, uuid: &str) -> Option<String> {
    let commands: [&[&str]; 5] = [
        &["calls", path],
        &["summary", path, "--by", "consultant"],
        &["check", path],
        &["timeline", path, "--call", uuid],
        &["timeline", path, "--call", uuid, "--mermaid"],
    ];
    for args in commands {
        let Ok(cli) = Cli::try_parse_from(std::iter::once("callflow").chain(args.iter().copied())) else {
            continue;
        };
        let Ok(job) = Job::from_cli(&cli, Terminal::default()) else { continue };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = callflow::run(job, &mut out, &mut err);
        for (name, text) in [("stdout", out), ("stderr", err)] {
            let shown = String::from_utf8_lossy(&text);
            if let Some(c) = shown.chars().find(|&c| c != '\n' && is_hostile(c)) {
                return Some(format!("{args:?} wrote {c:?} to {name}:\n{shown}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    /// Text rich in what terminals act on: C0 and C1 controls, DEL, bidi marks, and letters.
    fn text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            prop::char::range('\0', '\x1f'),
            prop::char::range('\x7f', '\u{9f}'),
            prop::char::range('\u{2028}', '\u{202e}'),
            prop::char::range('\u{2066}', '\u{2069}'),
            prop::char::range('a', 'z'),
            any::<char>(),
        ];
        prop::collection::vec(c, 0..16).prop_map(String::from_iter)
    }

    fn change() -> impl Strategy<Value = Change> {
        (any::<u8>(), any::<u8>(), text()).prop_map(|(line, field, text)| Change { line, field, text })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, failure_persistence: crate::common::regressions("shown"), ..ProptestConfig::default() })]

        #[test]
        fn no_text_output_holds_a_character_a_terminal_acts_on(changes in prop::collection::vec(change(), 1..6)) {
            let (log, uuid) = changed_call(&changes);
            let path = std::env::temp_dir().join(format!("callflow-shown-{}-{:x}.ndjson", std::process::id(), rand::random::<u64>()));
            std::fs::write(&path, &log).unwrap();
            let hostile = first_hostile_output(&path.to_string_lossy(), &uuid);
            std::fs::remove_file(&path).unwrap();
            prop_assert!(hostile.is_none(), "{}", hostile.unwrap_or_default());
        }
    }
}
