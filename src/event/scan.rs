//! The fast path of line parsing, stage two: a line's tokens -> the fields callflow needs.
//!
//! Stage one ([`super::tokens`]) found the position of every token with vector compares; this
//! stage walks those positions by the JSON grammar, checks every bare value (`true`, `-12.5`,
//! …), and picks out the needed fields. It never looks at the bytes inside strings it skips,
//! which are most of a webhook body: a string is one token (its opening quote), and its end is
//! the last quote before the token that follows it. As it walks it records the line's shape
//! ([`Recording`]), which [`super::shape`] replays on the next lines like it.
//!
//! It is deliberately conservative. It answers only when it is certain the general path (the
//! serde derive over serde_json) would give exactly the same [`Wire`]: the whole
//! line is valid JSON, every needed field is a string or null, and no needed key repeats.
//! Anything else (a number where a string was expected, a huge exponent, an escaped key, deep
//! nesting, any syntax error) returns `None`, and the caller takes the general path, which
//! also words the error messages. A test in this module and a property test compare both paths.

use std::borrow::Cow;
use std::cell::RefCell;

use super::tokens::{self, Tokens};
use super::wire::{self, Key, Object, Seen, Slot, Wire};

/// Nesting deeper than this is left to the general path.
const MAX_DEPTH: u32 = 64;

thread_local! {
    /// Token positions and a recording for [`scan`], reused from line to line.
    static LINE: RefCell<(Tokens, Recording)> = RefCell::default();
}

/// Scans one line (already known to be UTF-8); `None` means "not certain: use the general path".
pub(super) fn scan(text: &str) -> Option<Wire<'_>> {
    LINE.with_borrow_mut(|(tokens, recording)| {
        tokens::tokenize(text.as_bytes(), tokens);
        if !tokens.suspects().is_empty() {
            return None;
        }
        let mut wire = Wire::default();
        let end = walk_line(text, tokens, 0, &mut 0, &mut wire, recording)?;
        (end == tokens.positions().len() - 1).then_some(wire)
    })
}

/// What a walk over a line found that the same shape of line will have again: the keys that
/// decide where values go, the bare values to check, and where the needed values are. Token
/// numbers count from the line's first token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Recording {
    /// Each key of an object whose keys matter: its token, and the bytes after its opening
    /// quote (`event_type":`) in `key_bytes`.
    pub keys: Vec<(u32, u32, u32)>,
    pub key_bytes: Vec<u8>,
    /// The tokens of bare values.
    pub bares: Vec<u32>,
    /// The needed strings, in order: where each went, and its token.
    pub sets: Vec<(Slot, u32)>,
}

impl Recording {
    fn clear(&mut self) {
        self.keys.clear();
        self.key_bytes.clear();
        self.bares.clear();
        self.sets.clear();
    }
}

/// Reads the line of `text` (a block already known to be UTF-8, tokenized into `tokens`)
/// whose first token is number `first` into `wire` (which starts out empty), recording its
/// shape into `recording`. Returns the index of the `\n` token that ends the line. `None`
/// means "not certain", and `wire` and `recording` hold anything; suspect bytes are the
/// caller's to check. `escape` is the index of the first escape not before the line, kept by
/// the caller from line to line.
pub(super) fn walk_line<'a>(
    text: &'a str,
    tokens: &Tokens,
    first: usize,
    escape: &mut usize,
    wire: &mut Wire<'a>,
    recording: &mut Recording,
) -> Option<usize> {
    if tokens.kinds()[first] != b'{' {
        return None;
    }
    recording.clear();
    let mut walker = Walker {
        text,
        b: text.as_bytes(),
        at: tokens.positions(),
        kinds: tokens.kinds(),
        first,
        t: first,
        depth: 0,
        escapes: tokens.escapes(),
        next_escape: *escape,
        wire,
        recording,
    };
    let walked = walker.object_in(Object::Top);
    *escape = walker.next_escape;
    walked?;
    (walker.peek() == b'\n').then_some(walker.t)
}

/// A cursor over the tokens of one line.
struct Walker<'a, 't, 'w> {
    text: &'a str,
    b: &'a [u8],
    /// Token positions; a string's token is its opening quote, and nothing inside a string
    /// is a token.
    at: &'t [u32],
    /// The byte at each token; the last is a `\n`, which no rule consumes, so the cursor
    /// never passes it.
    kinds: &'t [u8],
    /// The line's first token, and the next token.
    first: usize,
    t: usize,
    depth: u32,
    /// Offsets of the escapes inside strings, and the first not before the cursor's string.
    escapes: &'t [u32],
    next_escape: usize,
    wire: &'w mut Wire<'a>,
    recording: &'w mut Recording,
}

/// Bytes that may follow a bare value: whitespace, structure, a newline, a quote.
const ENDS_BARE: [bool; 256] = {
    let mut table = [false; 256];
    let ends = b" \t\r\n,}]:\"{[";
    let mut i = 0;
    while i < ends.len() {
        table[ends[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether the bare value at `start` of `b` is a whole `true`, `false`, `null` or number
/// this path accepts: exponents and very long numbers go to the general path, whose range
/// rules then apply; `nullx`, `1e5` and `01` are not whole.
pub(super) fn bare_value(b: &[u8], start: usize) -> bool {
    let end = match b[start] {
        b'n' => literal(b, start, b"null"),
        b't' => literal(b, start, b"true"),
        b'f' => literal(b, start, b"false"),
        _ => number(b, start),
    };
    end.is_some_and(|end| b.get(end).is_none_or(|&next| ENDS_BARE[next as usize]))
}

#[inline(always)]
fn literal(b: &[u8], start: usize, word: &[u8]) -> Option<usize> {
    let end = start + word.len();
    (b.get(start..end)? == word).then_some(end)
}

fn number(b: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while let Some(b'0'..=b'9') = b.get(i) {
            i += 1;
        }
        i
    };
    let mut i = start + usize::from(b[start] == b'-');
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let after = digits(i + 1);
        if after == i + 1 {
            return None;
        }
        i = after;
    }
    (i - start <= 18).then_some(i)
}

/// The closing quote of a string whose next token is at `next`: the last quote before it,
/// since only whitespace and a separator can lie between them.
#[inline(always)]
pub(super) fn closing_quote(b: &[u8], next: usize) -> usize {
    if b[next - 1] == b'"' {
        return next - 1;
    }
    let mut at = next - 1;
    while b[at] != b'"' {
        at -= 1;
    }
    at
}

/// Four token kinds read at once: a string key and a string value, then a comma or the end
/// of the object. Most pairs of a webhook body look like this.
const KEY_STRING_COMMA: u32 = u32::from_le_bytes(*b"\":\",");
const KEY_STRING_CLOSE: u32 = u32::from_le_bytes(*b"\":\"}");

impl<'a> Walker<'a, '_, '_> {
    /// The byte of the next token.
    #[inline(always)]
    fn peek(&self) -> u8 {
        self.kinds[self.t]
    }

    /// The next token, counted from the line's first.
    #[inline(always)]
    fn offset(&self) -> u32 {
        (self.t - self.first) as u32
    }

    /// An object callflow enters, at the cursor (the body, to begin with): each key as
    /// [`wire::key`] says, the needed strings filled.
    fn object_in(&mut self, object: Object) -> Option<()> {
        let mut seen = Seen::default();
        self.object(true, |s, key| {
            let found = wire::key(object, key);
            if !seen.first(found) {
                // A key serde reads, twice: for the general path, which rejects the line.
                return None;
            }
            match found {
                Key::Field(slot) => s.field(slot),
                Key::Object(inner, _) => s.nullable(|s| s.object_in(inner)),
                Key::Unused => s.unused(),
                Key::Other => s.skip_value(),
            }
        })
    }

    /// `null`, or an object read by `inner`.
    fn nullable(&mut self, inner: impl FnOnce(&mut Self) -> Option<()>) -> Option<()> {
        match self.peek() {
            b'n' => self.bare(),
            b'{' => inner(self),
            _ => None,
        }
    }

    /// A string nothing uses, which the general path still reads as one: a string or null,
    /// like a needed one.
    fn unused(&mut self) -> Option<()> {
        match self.peek() {
            b'"' => {
                self.t += 1;
                Some(())
            }
            b'n' => self.bare(),
            _ => None,
        }
    }

    /// A needed string into `slot`: a string, or null (left absent); anything else is for
    /// the general path.
    fn field(&mut self, slot: Slot) -> Option<()> {
        match self.peek() {
            b'"' => {
                self.recording.sets.push((slot, self.offset()));
                let open = self.at[self.t] as usize;
                self.t += 1;
                let close = closing_quote(self.b, self.at[self.t] as usize);
                let escaped = self.escaped(open, close);
                set_string(self.wire, slot, self.text, (open, close), escaped)
            }
            b'n' => self.bare(),
            _ => None,
        }
    }

    /// An object at the cursor: calls `value` for each key, positioned before the value.
    /// Only objects whose keys matter (`named`) look at the keys; others are walked for
    /// their grammar alone, `value` getting an empty key.
    #[inline(always)]
    fn object(&mut self, named: bool, mut value: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        debug_assert_eq!(self.peek(), b'{');
        self.t += 1;
        self.enter()?;
        if self.peek() == b'}' {
            self.t += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            let four = u32::from_le_bytes([
                self.kinds[self.t],
                self.kinds[self.t + 1],
                self.kinds[self.t + 2],
                self.kinds[self.t + 3],
            ]);
            if !named && (four == KEY_STRING_COMMA || four == KEY_STRING_CLOSE) {
                // Key, colon, string, and the separator: nothing to check but the kinds.
                self.t += 4;
                if four == KEY_STRING_CLOSE {
                    break;
                }
                continue;
            }
            if four as u16 != u16::from_le_bytes(*b"\":") {
                return None;
            }
            let key = if named { self.key()? } else { "" };
            self.t += 2;
            value(self, key)?;
            if !self.separator(b'}')? {
                break;
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// The key at the cursor (an unescaped string, followed by a colon token), recorded.
    #[inline(always)]
    fn key(&mut self) -> Option<&'a str> {
        let open = self.at[self.t] as usize;
        let colon = self.at[self.t + 1] as usize;
        let close = closing_quote(self.b, colon);
        if self.escaped(open, close) {
            return None;
        }
        // What a line of the same shape must hold after the key's opening quote: the key,
        // its closing quote and the colon, with no space between.
        let recorded = self.recording.key_bytes.len() as u32;
        self.recording.key_bytes.extend_from_slice(self.b.get(open + 1..close)?);
        self.recording.key_bytes.extend_from_slice(b"\":");
        let end = self.recording.key_bytes.len() as u32;
        self.recording.keys.push((self.offset(), recorded, end));
        self.text.get(open + 1..close)
    }

    /// After an item: a comma (`true`, more follow), or `close` (`false`, the end).
    #[inline(always)]
    fn separator(&mut self, close: u8) -> Option<bool> {
        let kind = self.peek();
        self.t += 1;
        match kind {
            b',' => Some(true),
            _ if kind == close => Some(false),
            _ => None,
        }
    }

    /// An object whose keys do not matter.
    fn skip_object(&mut self) -> Option<()> {
        self.object(false, |s, _| s.skip_value())
    }

    fn array(&mut self) -> Option<()> {
        self.t += 1;
        self.enter()?;
        if self.peek() == b']' {
            self.t += 1;
        } else {
            loop {
                self.skip_value()?;
                if !self.separator(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// One level deeper; deeper than [`MAX_DEPTH`] is for the general path.
    #[inline(always)]
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Validates and skips any value.
    #[inline(always)]
    fn skip_value(&mut self) -> Option<()> {
        match self.peek() {
            // Stage one saw the string closed before the next token.
            b'"' => {
                self.t += 1;
                Some(())
            }
            b'{' => self.skip_object(),
            b'[' => self.array(),
            b'n' | b't' | b'f' | b'-' | b'0'..=b'9' => self.bare(),
            _ => None,
        }
    }

    /// A bare value at the cursor, checked and recorded.
    #[inline(always)]
    fn bare(&mut self) -> Option<()> {
        if !bare_value(self.b, self.at[self.t] as usize) {
            return None;
        }
        self.recording.bares.push(self.offset());
        self.t += 1;
        Some(())
    }

    /// Whether the string between the quotes at `open` and `close` holds an escape.
    #[inline(always)]
    fn escaped(&mut self, open: usize, close: usize) -> bool {
        escaped(self.escapes, &mut self.next_escape, open, close)
    }
}

/// Whether the string between the quotes at `open` and `close` holds one of `escapes`.
/// Strings are asked about in order, so a cursor over the (few) escapes does.
#[inline(always)]
pub(super) fn escaped(escapes: &[u32], next_escape: &mut usize, open: usize, close: usize) -> bool {
    let next = |cursor: usize| escapes.get(cursor).map_or(usize::MAX, |&at| at as usize);
    if next(*next_escape) >= close {
        return false;
    }
    while next(*next_escape) < open {
        *next_escape += 1;
    }
    next(*next_escape) < close
}

/// Sets `slot` to the string between the quotes at `open` and `close`, borrowed unless it
/// holds escapes (already validated by stage one), which serde_json undoes.
#[inline(always)]
pub(super) fn set_string<'a>(
    wire: &mut Wire<'a>,
    slot: Slot,
    text: &'a str,
    (open, close): (usize, usize),
    escaped: bool,
) -> Option<()> {
    if escaped {
        let value: String = serde_json::from_str(text.get(open..=close)?).ok()?;
        wire.set(slot, Cow::Owned(value));
    } else {
        wire.set_borrowed(slot, text.get(open + 1..close)?);
    }
    Some(())
}

#[cfg(test)]
mod tests;
