//! A block of whole lines -> one parse result per line, in order.
//!
//! This is how parser threads read: UTF-8 is checked once for the whole block, stage one
//! (`tokens`) runs once over it, and stage two (`scan`) reads each line from its tokens. A line
//! either stage doubts (a suspect byte, a grammar the scanner leaves alone) takes the general
//! path of [`super::parse_line`], which decides and words any error; so does every line of a
//! block that is not UTF-8, each checked alone. Results are exactly those of splitting the
//! block with `input::lines_of` and parsing each line with `parse_line`.

use std::cell::RefCell;

use super::scan::{self, Recording};
use super::shape::Shapes;
use super::tokens::{self, Tokens};
use super::{parse_general, LineError, LineView, Wire};
use crate::input::{self, Line};

thread_local! {
    /// Token positions and a recording, reused from block to block, and the shapes of lines
    /// seen lately.
    static BLOCK: RefCell<(Tokens, Shapes, Recording)> = RefCell::default();
}

/// Parses every line of `block` (lines end with `\n`; the last may not), calling `each` with
/// the result of each in order, borrowed for the call. Lines over `max_len` bytes are bad
/// without being read.
pub(crate) fn parse_block_lines(block: &[u8], max_len: usize, mut each: impl FnMut(Result<LineView<'_>, LineError>)) {
    let Ok(text) = simdutf8::basic::from_utf8(block) else {
        for line in input::lines_of(block, max_len) {
            match line {
                Line::Text(text) => general(text, &mut each),
                Line::TooLong(len) => each(Err(LineError::TooLong { len, limit: max_len })),
            }
        }
        return;
    };
    BLOCK.with_borrow_mut(|(tokens, shapes, recording)| {
        tokens::tokenize(block, tokens);
        let (positions, suspects) = (tokens.positions(), tokens.suspects());
        let (mut start, mut first, mut suspect, mut escape) = (0, 0, 0, 0);
        while start < block.len() {
            // A run of empty lines is a run of `\n` tokens: each line is blank, and costs no more.
            let empty = newlines_at(&block[start..]);
            if empty > 0 {
                debug_assert_eq!((positions[first] as usize, tokens.kinds()[first]), (start, b'\n'));
                (0..empty).for_each(|_| each(Ok(LineView::Blank)));
                (start, first) = (start + empty, first + empty);
                while suspects.get(suspect).is_some_and(|&at| (at as usize) < start) {
                    suspect += 1;
                }
                continue;
            }
            // The line's `\n` token: the end stands for one after the last line.
            let last = first + memchr::memchr(b'\n', &tokens.kinds()[first..]).unwrap_or(0);
            let mut wire = Wire::default();
            let fast = if shapes.replay(text, tokens, (first, last), &mut escape, &mut wire) {
                Some(last)
            } else {
                wire = Wire::default();
                let walked = scan::walk_line(text, tokens, first, &mut escape, &mut wire, recording);
                if walked == Some(last) {
                    shapes.remember(tokens, (first, last), recording);
                }
                walked
            };
            // The line's end (its newline, or the block's end) and its first token after it.
            let (end, next) = match fast {
                Some(last) => (positions[last] as usize, last + 1),
                None => {
                    let end = memchr::memchr(b'\n', &block[start..]).map_or(block.len(), |at| start + at);
                    (end, positions.partition_point(|&p| (p as usize) <= end))
                }
            };
            let doubtful = suspects.get(suspect).is_some_and(|&at| at as usize <= end);
            while suspects.get(suspect).is_some_and(|&at| at as usize <= end) {
                suspect += 1;
            }
            let line = &block[start..end];
            match fast {
                _ if line.len() > max_len => each(Err(LineError::TooLong { len: line.len(), limit: max_len })),
                Some(_) if !doubtful => each(wire.view()),
                _ => general(line.strip_suffix(b"\r").unwrap_or(line), &mut each),
            }
            (start, first) = (end + 1, next);
        }
    });
}

/// How many `\n` bytes `bytes` starts with, eight at a time while they last.
fn newlines_at(bytes: &[u8]) -> usize {
    let words = bytes.chunks_exact(8).take_while(|word| *word == b"\n\n\n\n\n\n\n\n").count();
    8 * words + bytes[8 * words..].iter().take_while(|&&b| b == b'\n').count()
}

/// The general path's result for one line, handed on borrowed.
fn general(line: &[u8], each: &mut impl FnMut(Result<LineView<'_>, LineError>)) {
    match parse_general(line) {
        Ok(parsed) => each(Ok(parsed.view())),
        Err(error) => each(Err(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    /// Each line's result, written out: views live only as long as the call that gets them.
    fn by_block(block: &[u8], max_len: usize) -> Vec<String> {
        let mut out = Vec::new();
        parse_block_lines(block, max_len, |result| out.push(format!("{result:?}")));
        out
    }

    fn by_line(block: &[u8], max_len: usize) -> Vec<String> {
        input::lines_of(block, max_len)
            .map(|line| match line {
                Line::Text(text) => format!("{:?}", parse_line(text).as_ref().map(|parsed| parsed.view())),
                Line::TooLong(len) => {
                    format!("{:?}", Err::<LineView<'_>, _>(LineError::TooLong { len, limit: max_len }))
                }
            })
            .collect()
    }

    #[test]
    fn a_block_reads_as_its_lines_read_one_by_one() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let all: Vec<u8> = files.iter().flat_map(|path| std::fs::read(path).unwrap()).collect();
        assert!(all.len() > 10_000);
        for max_len in [100, 1 << 20] {
            assert_eq!(by_block(&all, max_len), by_line(&all, max_len));
        }
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(by_block(&bytes, 1 << 20), by_line(&bytes, 1 << 20), "{}", path.display());
        }
    }

    #[test]
    fn odd_lines_between_good_ones() {
        let good = r#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2020-08-25 16:24:47","dialog_uuid":"b","state":"alerting"}"#;
        for odd in [
            "",
            "   ",
            "\r",
            "\u{feff}{}",
            "[1]",
            "{\"a\":\"open",
            "{\"a\":1}}",
            "{\"a\":\"\\\"\"}",
            "\t{}\t",
            "{\"a\":\"\u{1}\"}",
            "nul",
            "{\"event_type\":\"x\"} 1",
            "{\"a\":\"\\uzzzz\"}",
            "{\"a\":\"\\ud800\"}",
        ] {
            for block in [format!("{good}\n{odd}\n{good}\n"), format!("{odd}\n{good}"), format!("{good}\n{odd}")] {
                assert_eq!(by_block(block.as_bytes(), 1000), by_line(block.as_bytes(), 1000), "{block:?}");
            }
        }
        // Runs of empty lines, at the start, between lines, at the end, beside other blanks.
        for block in [
            format!("\n\n\n{good}\n\n\n\n{good}\n\n"),
            format!("{good}\n\n\r\n\n \n\n{good}"),
            format!("{good}\n{}{good}\n{}", "\n".repeat(5000), "\n".repeat(70)),
            "\n".repeat(10),
        ] {
            assert_eq!(by_block(block.as_bytes(), 1000), by_line(block.as_bytes(), 1000), "{block:?}");
        }
        let invalid_utf8 = [good.as_bytes(), b"\n{\"a\":\"\xff\"}\n", good.as_bytes()].concat();
        assert_eq!(by_block(&invalid_utf8, 1000), by_line(&invalid_utf8, 1000));
    }

    /// Every line of a generated day with faults (re-deliveries, swapped lines, garbage),
    /// through stage one, shapes and the walker, reads as the serde path alone reads it.
    #[test]
    fn a_generated_day_reads_as_the_general_path_reads_it() {
        let config = callflow_generate::Config {
            duplicates: 0.02,
            reorder: 0.02,
            garbage: 0.02,
            ..callflow_generate::Config::new(300, 11)
        };
        let mut day = Vec::new();
        callflow_generate::generate(&config, &mut day).unwrap();
        let general: Vec<String> = input::lines_of(&day, 1 << 20)
            .map(|line| match line {
                Line::Text(text) => format!("{:?}", parse_general(text).as_ref().map(|parsed| parsed.view())),
                Line::TooLong(len) => {
                    format!("{:?}", Err::<LineView<'_>, _>(LineError::TooLong { len, limit: 1 << 20 }))
                }
            })
            .collect();
        assert!(general.len() > 2000 && general.iter().any(|r| r.starts_with("Err")));
        // In blocks of several sizes, so lines cross chunk and block edges everywhere.
        for block_size in [4096, 65_536, 1 << 20] {
            let mut reader = input::BlockReader::new(&day[..], block_size, 1 << 20);
            let mut fast = Vec::new();
            while let Some(input::Block::Lines(block)) = reader.next_block().unwrap() {
                fast.extend(by_block(&block, 1 << 20));
            }
            assert_eq!(fast, general, "blocks of {block_size} bytes");
        }
    }

    #[test]
    fn a_shape_is_replayed_only_on_lines_it_fits() {
        let first = r#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2020-08-25 16:24:47","dialog_uuid":"b","state":"alerting","self_name":"x","n":12,"o":{"a":null}}"#;
        let variants = [
            // Same kinds, keys that now matter, or matter twice.
            first.replace("self_name", "state_aaa").replace("\"state\"", "\"other\""),
            first.replace("self_name", "close_cause"),
            first.replace("self_name", "event_name"),
            first.replace("\"o\"", "\"project\""),
            // Same kinds, bare values that are not whole, or a number grown too long.
            first.replace(":12,", ":1x,"),
            first.replace(":null}", ":nul1}"),
            first.replace(":12,", ":1234567890123456789,"),
            // Same kinds, an escape in a needed value or a key.
            first.replace("alerting", "aler\\u0074ing"),
            first.replace("\"dialog_uuid\"", "\"dialog\\u005fuuid\""),
            // Same kinds, space before a colon.
            first.replace("\"state\":", "\"state\" :"),
        ];
        for variant in &variants {
            let block = format!("{first}\n{variant}\n{first}\n{variant}");
            assert_eq!(by_block(block.as_bytes(), 1000), by_line(block.as_bytes(), 1000), "{variant}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, failure_persistence: crate::regressions("event-lines"), ..Default::default() })]

        /// Runs of real lines with bytes replaced, inserted or removed anywhere (newlines,
        /// quotes and backslashes among them) read the same as a block and one by one.
        #[test]
        fn mutated_blocks_read_as_their_lines(
            first in 0usize..1000,
            count in 1usize..12,
            edits in proptest::collection::vec((0usize..20_000, 0u8..3, proptest::sample::select(b"\n\"\\{}[]:, a0\x01\xc5".to_vec())), 0..6),
        ) {
            let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/blind_transfer.ndjson");
            let text = std::fs::read_to_string(fixture).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let mut block: Vec<u8> = (0..count).flat_map(|i| format!("{}\n", lines[(first + i) % lines.len()]).into_bytes()).collect();
            for (at, op, byte) in edits {
                let at = at % (block.len() + 1);
                match op {
                    0 if at < block.len() => block[at] = byte,
                    1 => block.insert(at, byte),
                    _ if at < block.len() => { block.remove(at); }
                    _ => {}
                }
            }
            proptest::prop_assert_eq!(by_block(&block, 1 << 20), by_line(&block, 1 << 20));
        }
    }
}
