//! Text from the log, made safe to show to people. Names, uuids, states, file names and bad
//! lines come from whoever wrote the log; written raw, an ESC or BEL in a consultant's name
//! would retitle or clear the reader's terminal, and a bidi override would reorder the columns
//! around it. Every text renderer (tables, the timeline, the ladder, Mermaid, the bad-line
//! snippets on stderr) passes such text through [`visible`]; long table cells also through
//! [`cell`], which cuts them so that a table is laid out in time linear in its input.
//!
//! CSV and JSON are data, not text for a terminal: they carry the exact value (CSV quoting and
//! JSON escaping already make any value safe there) and never come through here.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// The widest a table cell is drawn, in terminal columns; longer text is cut and ends in `…`.
pub(crate) const MAX_CELL_WIDTH: usize = 64;

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
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\0'..='\x1f' | '\x7f'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// A table cell: the text made [`visible`], then cut to [`MAX_CELL_WIDTH`] columns with a
/// closing `…`. Table layout wraps long words at a cost that grows with the square of their
/// length (a 1 MB name took most of a minute); a cell this short costs nothing, and the full
/// value is in the CSV and JSON.
pub fn cell(text: &str) -> Cow<'_, str> {
    fit(visible(text), MAX_CELL_WIDTH)
}

/// The text cut to at most `width` columns, the last of them `…` when cut. Reads no further
/// than one column past the width, so a huge value costs what a short one does.
pub fn fit(text: Cow<'_, str>, width: usize) -> Cow<'_, str> {
    let mut used = 0;
    // Where the text is cut if it turns out too long: room is left there for the `…`.
    let mut cut = None;
    for (at, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if cut.is_none() && used + w >= width {
            cut = Some(at);
        }
        used += w;
        if used > width {
            let mut short = text[..cut.unwrap_or(at)].to_owned();
            short.push('…');
            return Cow::Owned(short);
        }
    }
    text
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

    #[test]
    fn cells_are_cut_to_the_width_with_an_ellipsis() {
        assert_eq!(cell("short"), "short");
        let exact = "x".repeat(MAX_CELL_WIDTH);
        assert_eq!(cell(&exact), exact);
        let long = "y".repeat(MAX_CELL_WIDTH + 1);
        assert_eq!(cell(&long), format!("{}…", "y".repeat(MAX_CELL_WIDTH - 1)));
        // Wide characters count two columns.
        let wide = "中".repeat(MAX_CELL_WIDTH);
        let cut = cell(&wide);
        assert_eq!(cut, format!("{}…", "中".repeat(MAX_CELL_WIDTH / 2 - 1)));
        // Escapes count as what they show.
        let hostile = "\x1b".repeat(MAX_CELL_WIDTH);
        assert_eq!(cell(&hostile).chars().count(), MAX_CELL_WIDTH);
        assert!(cell(&hostile).ends_with("…"));
    }
}
