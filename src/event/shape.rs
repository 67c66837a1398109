//! Stage two's shortcut: lines of a shape already walked are replayed, not walked.
//!
//! Webhook bodies come in a handful of shapes: the same keys in the same order, the same
//! kinds of values, only the values' text differs. Two lines with the same sequence of token
//! kinds (stage one's `kinds`) have the same grammar, so one is valid JSON exactly when the
//! other is, bare values aside; and when the keys of the objects whose keys matter are the
//! same bytes too, the walker would take the same decisions on both. So once the walker has
//! read a line, its [`Recording`] of keys, bare values and needed values is kept with the
//! line's kinds, and a later line with the same kinds only has its keys compared, its bare
//! values checked and its needed strings sliced out. Any difference sends the line to the
//! walker, so the result is always the walker's.

use super::scan::{self, Recording};
use super::tokens::Tokens;
use super::wire::Wire;

/// Shapes are kept per parser thread in this many slots, by a hash of their kinds, and up
/// to `WAYS` in a slot (shapes can share kinds and differ by keys); a new shape in a full
/// slot replaces the oldest there.
const SLOTS: usize = 256;
const WAYS: usize = 4;

/// Lines with more tokens than this are walked each time, and never kept.
const MAX_TOKENS: usize = 4096;

/// A line's token kinds and what walking it found.
#[derive(Debug)]
struct Shape {
    kinds: Box<[u8]>,
    recording: Recording,
}

/// The shapes a parser thread has seen lately, by a hash of their kinds.
#[derive(Debug)]
pub(super) struct Shapes {
    slots: Vec<Vec<Shape>>,
}

impl Default for Shapes {
    fn default() -> Self {
        Shapes { slots: (0..SLOTS).map(|_| Vec::new()).collect() }
    }
}

impl Shapes {
    /// Fills `wire` (empty) from the line of `text` whose tokens are `first..end` (`end` being
    /// its `\n` token), when a known shape fits the line; `false` when none does, `wire` then
    /// holding anything. `escape` is the walker's cursor over escapes, moved only on success.
    pub(crate) fn replay<'a>(
        &self,
        text: &'a str,
        tokens: &Tokens,
        (first, end): (usize, usize),
        escape: &mut usize,
        wire: &mut Wire<'a>,
    ) -> bool {
        let kinds = &tokens.kinds()[first..end];
        let at = &tokens.positions()[first..];
        for shape in self.slots[slot(kinds)].iter().filter(|shape| *shape.kinds == *kinds) {
            let mut cursor = *escape;
            if replay(&shape.recording, text, at, tokens.escapes(), &mut cursor, wire).is_some() {
                *escape = cursor;
                return true;
            }
            *wire = Wire::default();
        }
        false
    }

    /// Keeps the shape of a line the walker has just read: its tokens `first..end` and what
    /// the walk recorded.
    pub(crate) fn remember(&mut self, tokens: &Tokens, (first, end): (usize, usize), recording: &Recording) {
        let kinds = &tokens.kinds()[first..end];
        if kinds.len() <= MAX_TOKENS {
            let shapes = &mut self.slots[slot(kinds)];
            if shapes.len() == WAYS {
                shapes.remove(0);
            }
            shapes.push(Shape { kinds: kinds.into(), recording: recording.clone() });
        }
    }
}

/// Replays a recording on a line whose token positions start at `at`.
fn replay<'a>(
    recording: &Recording,
    text: &'a str,
    at: &[u32],
    escapes: &[u32],
    cursor: &mut usize,
    wire: &mut Wire<'a>,
) -> Option<()> {
    let b = text.as_bytes();
    for &(token, from, to) in &recording.keys {
        let open = at[token as usize] as usize;
        if !holds(b, open + 1, &recording.key_bytes[from as usize..to as usize]) {
            return None;
        }
    }
    for &token in &recording.bares {
        if !scan::bare_value(b, at[token as usize] as usize) {
            return None;
        }
    }
    for &(slot, token) in &recording.sets {
        let open = at[token as usize] as usize;
        let close = scan::closing_quote(b, at[token as usize + 1] as usize);
        let escaped = scan::escaped(escapes, cursor, open, close);
        scan::set_string(wire, slot, text, (open, close), escaped)?;
    }
    Some(())
}

/// Whether `b` holds `expected` at `at`, compared eight bytes at a time: keys are short, and
/// a call to `memcmp` per key cost more than the comparing.
#[inline(always)]
fn holds(b: &[u8], at: usize, expected: &[u8]) -> bool {
    let Some(found) = b.get(at..at + expected.len()) else { return false };
    let len = expected.len();
    let word = |bytes: &[u8], i: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(word)
    };
    if len < 8 {
        // One word of the line, its bytes past the key masked off; a short slice compare
        // would call memcmp. Near the block's end, the slice compare it is.
        let Some(window) = b.get(at..at + 8) else { return found == expected };
        let mut padded = [0u8; 8];
        padded[..len].copy_from_slice(expected);
        let mask = u64::MAX >> (8 * (8 - len));
        return (word(window, 0) ^ u64::from_le_bytes(padded)) & mask == 0;
    }
    let mut i = 0;
    while i + 8 < len {
        if word(found, i) != word(expected, i) {
            return false;
        }
        i += 8;
    }
    word(found, len - 8) == word(expected, len - 8)
}

/// The slot of a sequence of kinds: a hash of its words (the last one padded with zeros).
fn slot(kinds: &[u8]) -> usize {
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut hash = kinds.len() as u64;
    let mut words = kinds.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    // Byte by byte: a copy of a few bytes would be a call to `memcpy`.
    let rest = words.remainder();
    if !rest.is_empty() {
        hash = mix(hash, rest.iter().rev().fold(0, |word, &kind| word << 8 | u64::from(kind)));
    }
    (hash >> 56) as usize % SLOTS
}
