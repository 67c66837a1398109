//! The rule for escapes inside JSON strings, wherever they sit in a line: `\` starts one of
//! `\" \\ \/ \b \f \n \r \t` or `\u` with four hex digits, and a `\u` surrogate comes in a
//! pair (a leading `\ud800`..`\udbff` followed at once by a trailing `\udc00`..`\udfff`),
//! exactly as serde_json's strict parse of a string has it.
//!
//! The parsers behind the general path check escapes only in the strings they read: skipping
//! an unneeded field, serde_json takes a lone surrogate. A field callflow
//! does not read must not make a bad line valid, so the general path holds every escape of a
//! line it accepted to this rule ([`check`]). The fast path's stage one (`tokens`) reads the
//! same hex digits ([`unicode`]) and leaves every surrogate to the general path.

use super::LineError;

/// The code unit of the `\u` escape whose backslash is at `at` in `b`, when four hex digits
/// follow the `u`.
#[inline]
pub(super) fn unicode(b: &[u8], at: usize) -> Option<u32> {
    let hex = b.get(at + 2..at + 6)?;
    hex.iter().try_fold(0u32, |code, &digit| Some(code * 16 + char::from(digit).to_digit(16)?))
}

/// Checks every escape of `line`, a line the general path found to be valid JSON otherwise:
/// there, a backslash can only sit inside a string, so each one starts an escape.
pub(super) fn check(line: &str) -> Result<(), LineError> {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'\\', &b[from..]) {
        let at = from + found;
        from = at + escape_len(b, at).ok_or_else(|| invalid(line, at))?;
    }
    Ok(())
}

/// The length of the valid escape at `at` (a surrogate pair counts as one), if it is one.
fn escape_len(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(2),
        b'u' => match unicode(b, at)? {
            0xD800..=0xDBFF => {
                let trailing = (b.get(at + 6..at + 8)? == b"\\u").then(|| unicode(b, at + 6)).flatten()?;
                (0xDC00..=0xDFFF).contains(&trailing).then_some(12)
            }
            0xDC00..=0xDFFF => None,
            _ => Some(6),
        },
        _ => None,
    }
}

/// The error for the bad escape at `at`, quoting it: the backslash and the next character,
/// or up to the four after a `u`. A line the parsers accepted holds no control character in a
/// string, so the quote prints as it is.
fn invalid(line: &str, at: usize) -> LineError {
    let long = line.as_bytes().get(at + 1) == Some(&b'u');
    let quoted: String = line[at..].chars().take(if long { 6 } else { 2 }).collect();
    let what = match unicode(line.as_bytes(), at) {
        Some(0xD800..=0xDFFF) => "unpaired surrogate",
        _ => "invalid escape",
    };
    LineError::Json(format!("{what} {quoted} at byte {at}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_a_strict_parser_accepts() {
        for line in [
            r#"{"a":"plain"}"#,
            r#"{"a":"\" \\ \/ \b \f \n \r \t"}"#,
            r#"{"a":"pawe\u0142 \u00E9 \uFFFF \u0000"}"#,
            r#"{"a":"\ud83d\ude00","b":"\uDBFF\uDFFF"}"#,
            r#"{"a":"\\u12","b":"\\\\"}"#,
        ] {
            assert_eq!(check(line), Ok(()), "{line}");
            assert!(serde_json::from_str::<serde_json::Value>(line).is_ok(), "{line}");
        }
    }

    #[test]
    fn refuses_what_a_strict_parser_refuses() {
        for (line, error) in [
            (r#"{"a":"\uzzzz"}"#, r#"invalid escape \uzzzz at byte 6"#),
            (r#"{"a":"\u12"}"#, r#"invalid escape \u12"} at byte 6"#),
            (r#"{"a":"\q"}"#, r#"invalid escape \q at byte 6"#),
            (r#"{"a":"x\ud800"}"#, r#"unpaired surrogate \ud800 at byte 7"#),
            (r#"{"a":"\ud800\u0041"}"#, r#"unpaired surrogate \ud800 at byte 6"#),
            (r#"{"a":"\ud800\ud800"}"#, r#"unpaired surrogate \ud800 at byte 6"#),
            (r#"{"a":"\ud800\n"}"#, r#"unpaired surrogate \ud800 at byte 6"#),
            (r#"{"a":"\udc00"}"#, r#"unpaired surrogate \udc00 at byte 6"#),
            (r#"{"a":"\\\udfff"}"#, r#"unpaired surrogate \udfff at byte 8"#),
        ] {
            assert_eq!(check(line), Err(LineError::Json(error.into())), "{line}");
            assert!(serde_json::from_str::<serde_json::Value>(line).is_err(), "{line}");
        }
    }
}
