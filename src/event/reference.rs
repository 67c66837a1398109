//! The yardsticks the parse paths are held to in property tests and fuzzing; parsing never
//! uses them. They are written to be obviously right rather than fast, and share nothing
//! with the code they check beyond the [`Wire`] both paths fill.

use serde::de::IgnoredAny;

use super::{parse_line, scan, LineError, Parsed, Wire};

/// Whether a strict JSON parser accepts `line` (a leading BOM aside): serde_json's grammar,
/// and every string, key or value, read or not, decoded as serde_json decodes a string it
/// reads (escapes valid, surrogates paired).
pub(crate) fn strict_json(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    serde_json::from_slice::<IgnoredAny>(line).is_ok()
        && strings(line).all(|s| serde_json::from_slice::<String>(s).is_ok())
}

/// The string literals of a line of valid JSON grammar, quotes included.
fn strings(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let open = at + line[at..].iter().position(|&b| b == b'"')?;
        let mut close = open + 1;
        while line[close] != b'"' {
            close += if line[close] == b'\\' { 2 } else { 1 };
        }
        at = close + 1;
        Some(&line[open..=close])
    })
}

/// Whether the fast scanner, where it answers at all, reads `line` exactly as the general
/// serde path does, and only answers on lines [`strict_json`] accepts.
pub fn fast_path_agrees(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(line) else { return true };
    match scan::scan(text) {
        None => true,
        Some(fast) => strict_json(line) && serde_json::from_str::<Wire<'_>>(text).ok().as_ref() == Some(&fast),
    }
}

/// Whether [`parse_line`], wherever it takes `line` for JSON (an event, an object short of a
/// field, a value that is not an object), has [`strict_json`] agree.
pub fn parse_is_strict(line: &[u8]) -> bool {
    match parse_line(line) {
        Ok(Parsed::Blank) | Err(LineError::TooLong { .. } | LineError::InvalidUtf8 { .. } | LineError::Json(_)) => true,
        Ok(_) | Err(LineError::NotAnObject | LineError::Missing(_) | LineError::BadTime(_)) => strict_json(line),
    }
}
