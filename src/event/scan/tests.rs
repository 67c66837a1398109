//! The scanner against the general parser, on crafted lines.

use super::*;

fn general(line: &str) -> Option<Wire<'_>> {
    serde_json::from_str(line).ok()
}

/// When the scanner answers, the general path must agree; it must answer on real events.
fn agree(line: &str) -> bool {
    let fast = scan(line);
    if let Some(fast) = &fast {
        assert_eq!(Some(fast), general(line).as_ref(), "paths differ on {line}");
    }
    fast.is_some()
}

#[test]
fn answers_on_real_events_exactly_as_the_general_path() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for line in text.lines().map(|l| l.trim_start_matches('\u{feff}').trim_end_matches('\r')) {
            let parses = line.starts_with('{') && general(line).is_some();
            assert!(agree(line) || !parses || line.contains('\\'), "fast path refused a plain event: {line}");
        }
    }
}

#[test]
fn defers_whenever_it_is_not_certain() {
    for line in [
        r#"{"event\u005ftype":"user_dialog"}"#,
        r#"{"event_type":"a","event_type":"b"}"#,
        r#"{"event_type":1}"#,
        r#"{"x":1e999}"#,
        r#"{"x":01}"#,
        r#"{"x":"\ud800"}"#,
        r#"{"x":[1,]}"#,
        r#"{"x":tru}"#,
        "{\"x\":\"a\u{1}\"}",
        r#"{"project":"name"}"#,
        r#"{"a":1} x"#,
        r#"[1]"#,
        r#"{"a":1"#,
    ] {
        assert!(scan(line).is_none(), "should defer: {line}");
        assert!(!agree(line));
    }
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    assert!(scan(&deep).is_none());
}

#[test]
fn answers_on_plain_odd_but_valid_lines() {
    for line in [
        r#" { "event_type" : "user_dialog" , "n" : -0.5 , "e" : [ true , false , null , { } , [ ] ] } "#,
        r#"{"x":"esc \" \\ \/ \n \u0142 fine","project":null,"tenant_user":{"username":null,"id":[1,{"a":"b"}]}}"#,
        r#"{"initial_application_info":{"data":{"caller_dialog_uuid":"p","caller_initial_application_info":{"data":{"caller_dialog_uuid":"q"}}}}}"#,
        r#"{}"#,
        r#"{"event_type":"user\u005fdialog","project":{"name":"Projekt \"Lato\" \u0142"}}"#,
    ] {
        assert!(agree(line), "should answer: {line}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: crate::regressions("event-scan"), ..Default::default() })]

    /// Real lines with bytes replaced, inserted or removed anywhere, or `\u` escapes of
    /// hex and other characters inserted: whenever the scanner still answers, the general
    /// path must read the same thing, and a strict parser accept the line; whenever the
    /// line is taken for JSON, the strict parser must agree.
    #[test]
    fn mutated_real_lines_never_make_the_paths_disagree(
        pick in 0usize..1000,
        edits in proptest::collection::vec((0usize..4000, 0u8..5, proptest::prelude::any::<u8>()), 1..4),
        escape in proptest::array::uniform4(proptest::sample::select(b"0123456789abcdefABCDEFdDxz\"\\ ".to_vec())),
    ) {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/blind_transfer.ndjson");
        let text = std::fs::read_to_string(fixtures).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut line = lines[pick % lines.len()].as_bytes().to_vec();
        for (at, op, byte) in edits {
            let at = at % (line.len() + 1);
            match op {
                0 if at < line.len() => line[at] = byte,
                1 => line.insert(at, byte),
                // `\u` and four characters, or a leading surrogate's `\ud8` and two.
                3 => drop(line.splice(at..at, [&b"\\u"[..], &escape].concat())),
                4 => drop(line.splice(at..at, [&b"\\ud8"[..], &escape[..2]].concat())),
                _ if at < line.len() => { line.remove(at); }
                _ => {}
            }
        }
        proptest::prop_assert!(super::super::fast_path_agrees(&line), "{}", String::from_utf8_lossy(&line));
        proptest::prop_assert!(super::super::parse_is_strict(&line), "{}", String::from_utf8_lossy(&line));
    }
}
