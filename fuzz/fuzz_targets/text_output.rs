//! What people read: the vendor's example call with arbitrary text (control characters,
//! escape sequences, bidi overrides) put into its names, numbers, uuids, causes and event
//! names, then shown by every command's text output. Never a panic, and never a character in
//! stdout or stderr that a terminal would act on, but the newline that ends a line. The check
//! is the integration tests' own (tests/cli/shown.rs), which runs it on random text.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/cli/shown.rs"]
mod shown;

#[derive(Debug, Arbitrary)]
struct Change {
    line: u8,
    field: u8,
    text: String,
}

fuzz_target!(|changes: Vec<Change>| {
    let changes: Vec<shown::Change> =
        changes.into_iter().map(|c| shown::Change { line: c.line, field: c.field, text: c.text }).collect();
    let (log, uuid) = shown::changed_call(&changes);
    let path = std::env::temp_dir().join(format!("callflow-fuzz-{}.ndjson", std::process::id()));
    if std::fs::write(&path, &log).is_err() {
        return;
    }
    let hostile = shown::first_hostile_output(&path.to_string_lossy(), &uuid);
    let _ = std::fs::remove_file(&path);
    assert!(hostile.is_none(), "{}", hostile.unwrap_or_default());
});
