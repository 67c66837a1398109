//! Text from the log, made safe to show to people. Names, uuids, states, file names and bad
//! lines come from whoever wrote the log; written raw, an ESC or BEL in a consultant's name
//! would retitle or clear the reader's terminal, and a bidi override would reorder the columns
//! around it. Every text renderer (tables, the timeline, the ladder, Mermaid, the bad-line
//! snippets on stderr) passes such text through [`visible`].
//!
//! CSV and JSON are data, not text for a terminal: they carry the exact value (CSV quoting and
//! JSON escaping already make any value safe there) and never come through here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The text with every character that could steer a terminal written out as a visible escape:
/// C0 controls and DEL as `\x1b`, C1 controls and invisible bidi/line-separator marks as
/// `\u{202e}`. Clean text (all of it, in practice) is borrowed, not copied.
pub fn visible(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(is_hostile) else {
        return Cow::Borrowed(text);
    };
    let mut shown = String::with_capacity(text.len() + 8);
    shown.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !is_hostile(c) {
            shown.push(c);
        } else if c.is_ascii() {
            // Writing to a String cannot fail.
            let _ = write!(shown, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(shown, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(shown)
}

/// Characters a terminal acts on rather than shows: C0 controls (tab and newline included:
/// they would break a table's rows and columns), DEL, C1 controls, and the invisible marks
/// that reorder or break lines (bidi embeddings, overrides and isolates, LRM/RLM/ALM, the
/// Unicode line and paragraph separators).
fn is_hostile(c: char) -> bool {
    matches!(c,
        '\0'..='\x1f' | '\x7f'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_and_unchanged() {
        for clean in ["pkowalski", "Projekt Paweł", "", "48 123 456", "Zoë ✓ 中文", "a\\x1b"] {
            assert!(matches!(visible(clean), Cow::Borrowed(t) if t == clean), "{clean}");
        }
    }

    #[test]
    fn controls_and_bidi_marks_are_written_out() {
        assert_eq!(visible("\x1b]0;pwned\x07\x1b[2J"), "\\x1b]0;pwned\\x07\\x1b[2J");
        assert_eq!(visible("a\0b\tc\nd\re\x7f"), "a\\x00b\\x09c\\x0ad\\x0de\\x7f");
        assert_eq!(visible("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(visible("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(visible("\u{2066}i\u{2069}\u{2028}\u{200f}"), "\\u{2066}i\\u{2069}\\u{2028}\\u{200f}");
        // Escaping twice changes nothing more: callers need not track what was escaped.
        let once = visible("\x1b[2J\u{202e}").into_owned();
        assert_eq!(visible(&once), once);
    }

    #[test]
    fn every_hostile_character_is_caught() {
        for c in (0u32..0x20).chain(0x7f..0xa0).chain([0x61c, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069]) {
            let c = char::from_u32(c).unwrap();
            let shown = visible(&c.to_string()).into_owned();
            assert!(shown.starts_with('\\') && shown.chars().all(|c| c.is_ascii_graphic()), "{c:?} -> {shown}");
        }
    }
}
