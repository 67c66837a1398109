//! The fast path of line parsing, stage two: a line's tokens -> the fields callflow needs.
//!
//! Stage one ([`super::tokens`]) found the position of every token with vector compares; this
//! stage walks those positions by the JSON grammar, checks every bare value (`true`, `-12.5`,
//! …), and picks out the needed fields. It never looks at the bytes inside strings it skips,
//! which are most of a webhook body: a string is one token (its opening quote), and its end is
//! the last quote before the token that follows it.
//!
//! It is deliberately conservative. It answers only when it is certain the general path (the
//! serde derive over sonic-rs or serde_json) would give exactly the same [`Wire`]: the whole
//! line is valid JSON, every needed field is a string or null, and no needed key repeats.
//! Anything else (a number where a string was expected, a huge exponent, an escaped key, deep
//! nesting, any syntax error) returns `None`, and the caller takes the general path, which
//! also words the error messages. A test in this module and a property test compare both paths.

use std::borrow::Cow;
use std::cell::RefCell;

use super::tokens::{self, Tokens};
use super::{AppData, AppInfo, Named, Wire};

/// Nesting deeper than this is left to the general path.
const MAX_DEPTH: u32 = 64;

thread_local! {
    /// Token positions for [`scan`], reused from line to line.
    static LINE_TOKENS: RefCell<Tokens> = RefCell::default();
}

/// Scans one line (already known to be UTF-8); `None` means "not certain: use the general path".
pub(super) fn scan(text: &str) -> Option<Wire<'_>> {
    LINE_TOKENS.with_borrow_mut(|tokens| {
        tokens::tokenize(text.as_bytes(), tokens);
        if !tokens.suspects().is_empty() {
            return None;
        }
        let mut wire = Wire::default();
        let end = walk_line(text, tokens, 0, &mut 0, &mut wire)?;
        (end == tokens.positions().len() - 1).then_some(wire)
    })
}

/// Reads the line of `text` (a block already known to be UTF-8, tokenized into `tokens`)
/// whose first token is number `first` into `wire` (which starts out empty). Returns the index
/// of the `\n` token that ends the line. `None` means "not certain", and `wire` holds
/// anything; suspect bytes are the caller's to check. `escape` is the index of the first
/// escape not before the line, kept by the caller from line to line.
pub(super) fn walk_line<'a>(
    text: &'a str,
    tokens: &Tokens,
    first: usize,
    escape: &mut usize,
    wire: &mut Wire<'a>,
) -> Option<usize> {
    if tokens.kinds()[first] != b'{' {
        return None;
    }
    let mut walker = Walker {
        text,
        b: text.as_bytes(),
        at: tokens.positions(),
        kinds: tokens.kinds(),
        t: first,
        depth: 0,
        escapes: tokens.escapes(),
        next_escape: *escape,
    };
    let walked = walker.wire(wire);
    *escape = walker.next_escape;
    walked?;
    (walker.peek() == b'\n').then_some(walker.t)
}

/// A cursor over the tokens of one line.
struct Walker<'a, 't> {
    text: &'a str,
    b: &'a [u8],
    /// Token positions; a string's token is its opening quote, and nothing inside a string
    /// is a token.
    at: &'t [u32],
    /// The byte at each token; the last is a `\n`, which no rule consumes, so the cursor
    /// never passes it.
    kinds: &'t [u8],
    /// The next token.
    t: usize,
    depth: u32,
    /// Offsets of the escapes inside strings, and the first not before the cursor's string.
    escapes: &'t [u32],
    next_escape: usize,
}

/// Where a key of the top-level object goes.
enum Top {
    /// A needed string field, by its bit in the seen-set.
    Field(u32),
    AppInfo,
    TenantUser,
    Project,
    Other,
}

/// The top-level keys callflow reads, by length first: most keys are not among them.
fn top_key(key: &[u8]) -> Top {
    let field = match (key.len(), key) {
        (5, b"state") => 4,
        (7, b"project") => return Top::Project,
        (10, b"event_type") => 0,
        (10, b"event_name") => 1,
        (10, b"event_time") => 2,
        (11, b"dialog_uuid") => 3,
        (11, b"close_cause") => 5,
        (11, b"dialog_type") => 6,
        (11, b"self_target") => 8,
        (11, b"tenant_user") => return Top::TenantUser,
        (13, b"peer_username") => 9,
        (17, b"peer_project_name") => 10,
        (18, b"business_direction") => 7,
        (24, b"initial_application_info") => return Top::AppInfo,
        _ => return Top::Other,
    };
    Top::Field(field)
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

/// Four token kinds read at once: a string key and a string value, then a comma or the end
/// of the object. Most pairs of a webhook body look like this.
const KEY_STRING_COMMA: u32 = u32::from_le_bytes(*b"\":\",");
const KEY_STRING_CLOSE: u32 = u32::from_le_bytes(*b"\":\"}");

impl<'a> Walker<'a, '_> {
    /// The byte of the next token.
    #[inline(always)]
    fn peek(&self) -> u8 {
        self.kinds[self.t]
    }

    /// The top-level object, filling the needed fields of `w`.
    fn wire(&mut self, w: &mut Wire<'a>) -> Option<()> {
        let mut seen = 0u32;
        self.object(true, |s, key| {
            let slot = match top_key(key) {
                Top::Other => return s.skip_value(),
                Top::AppInfo => {
                    once(&mut seen, 11)?;
                    w.initial_application_info = s.nullable(Walker::app_info)?;
                    return Some(());
                }
                Top::TenantUser => {
                    once(&mut seen, 12)?;
                    w.tenant_user = s.nullable(Walker::named)?;
                    return Some(());
                }
                Top::Project => {
                    once(&mut seen, 13)?;
                    w.project = s.nullable(Walker::named)?;
                    return Some(());
                }
                Top::Field(bit) => {
                    once(&mut seen, bit)?;
                    match bit {
                        0 => &mut w.event_type,
                        1 => &mut w.event_name,
                        2 => &mut w.event_time,
                        3 => &mut w.dialog_uuid,
                        4 => &mut w.state,
                        5 => &mut w.close_cause,
                        6 => &mut w.dialog_type,
                        7 => &mut w.business_direction,
                        8 => &mut w.self_target,
                        9 => &mut w.peer_username,
                        _ => &mut w.peer_project_name,
                    }
                }
            };
            s.field(slot)
        })
    }

    fn app_info(&mut self) -> Option<AppInfo<'a>> {
        let (mut data, mut seen) = (None, 0u32);
        self.object(true, |s, key| match key {
            b"data" => {
                once(&mut seen, 0)?;
                data = s.nullable(Walker::app_data)?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(AppInfo { data })
    }

    fn app_data(&mut self) -> Option<AppData<'a>> {
        let (mut caller_dialog_uuid, mut seen) = (None, 0u32);
        self.object(true, |s, key| match key {
            b"caller_dialog_uuid" => {
                once(&mut seen, 0)?;
                s.field(&mut caller_dialog_uuid)
            }
            _ => s.skip_value(),
        })?;
        Some(AppData { caller_dialog_uuid })
    }

    fn named(&mut self) -> Option<Named<'a>> {
        let (mut username, mut name, mut seen) = (None, None, 0u32);
        self.object(true, |s, key| match key {
            b"username" => {
                once(&mut seen, 0)?;
                s.field(&mut username)
            }
            b"name" => {
                once(&mut seen, 1)?;
                s.field(&mut name)
            }
            _ => s.skip_value(),
        })?;
        Some(Named { username, name })
    }

    /// `null`, or what `inner` reads from an object.
    fn nullable<T>(&mut self, inner: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.peek() {
            b'n' => self.literal(b"null").map(|_| None),
            b'{' => inner(self).map(Some),
            _ => None,
        }
    }

    /// A needed string into `slot`: a string, or null (left `None`); anything else is for
    /// the general path.
    fn field(&mut self, slot: &mut Option<Cow<'a, str>>) -> Option<()> {
        match self.peek() {
            b'"' => {
                let open = self.at[self.t] as usize;
                self.t += 1;
                let close = self.closing_quote();
                let raw = self.text.get(open + 1..close)?;
                *slot = Some(if self.escaped(open, close) {
                    // Escapes were validated by stage one; serde_json undoes them.
                    Cow::Owned(serde_json::from_str(self.text.get(open..=close)?).ok()?)
                } else {
                    Cow::Borrowed(raw)
                });
                Some(())
            }
            b'n' => self.literal(b"null"),
            _ => None,
        }
    }

    /// An object at the cursor: calls `value` for each key, positioned before the value.
    /// Only objects whose keys matter (`named`) look at the keys; others are walked for
    /// their grammar alone, `value` getting an empty key.
    #[inline(always)]
    fn object(&mut self, named: bool, mut value: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
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
            let key = if named { self.key()? } else { &[][..] };
            self.t += 2;
            value(self, key)?;
            if !self.separator(b'}')? {
                break;
            }
        }
        self.depth -= 1;
        Some(())
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

    /// The key at the cursor (an unescaped string, followed by a colon token).
    #[inline(always)]
    fn key(&mut self) -> Option<&'a [u8]> {
        let open = self.at[self.t] as usize;
        let colon = self.at[self.t + 1] as usize;
        let close = if self.b[colon - 1] == b'"' { colon - 1 } else { self.quote_before(colon) };
        if self.escaped(open, close) {
            return None;
        }
        self.b.get(open + 1..close)
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
            b'n' => self.literal(b"null"),
            b'{' => self.skip_object(),
            b'[' => self.array(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// The closing quote of the string just passed: the last quote before the next token,
    /// since only whitespace can lie between them (anything else would be a token).
    #[inline(always)]
    fn closing_quote(&self) -> usize {
        let next = self.at[self.t] as usize;
        if self.b[next - 1] == b'"' {
            next - 1
        } else {
            self.quote_before(next)
        }
    }

    /// The last quote before `at`, past whitespace.
    fn quote_before(&self, at: usize) -> usize {
        let mut at = at - 1;
        while self.b[at] != b'"' {
            at -= 1;
        }
        at
    }

    /// Whether the string between the quotes at `open` and `close` holds an escape. Strings
    /// are asked about in order, so a cursor over the (few) escapes does.
    #[inline(always)]
    fn escaped(&mut self, open: usize, close: usize) -> bool {
        let next = |s: &Self| s.escapes.get(s.next_escape).map_or(usize::MAX, |&at| at as usize);
        if next(self) >= close {
            return false;
        }
        while next(self) < open {
            self.next_escape += 1;
        }
        next(self) < close
    }

    /// A bare literal at the cursor, which must end there.
    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let start = self.at[self.t] as usize;
        let end = start + word.len();
        (self.b.get(start..end)? == word).then_some(())?;
        self.bare_end(end)
    }

    /// A number by the JSON grammar; exponents and very long numbers go to the general path,
    /// whose range rules then apply.
    fn number(&mut self) -> Option<()> {
        let start = self.at[self.t] as usize;
        let mut i = start + usize::from(self.b[start] == b'-');
        match self.b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = self.digits(i),
            _ => return None,
        }
        if self.b.get(i) == Some(&b'.') {
            let after = self.digits(i + 1);
            if after == i + 1 {
                return None;
            }
            i = after;
        }
        if i - start > 18 {
            return None;
        }
        self.bare_end(i)
    }

    fn digits(&self, mut i: usize) -> usize {
        while let Some(b'0'..=b'9') = self.b.get(i) {
            i += 1;
        }
        i
    }

    /// A bare value read up to `end` is whole only if nothing of it follows (`nullx`, `1e5`
    /// and `01` are not whole); then the cursor moves past its token.
    #[inline(always)]
    fn bare_end(&mut self, end: usize) -> Option<()> {
        if self.b.get(end).is_some_and(|&next| !ENDS_BARE[next as usize]) {
            return None;
        }
        self.t += 1;
        Some(())
    }
}

/// Marks field `bit` as seen; a needed key seen twice is for the general path (serde rejects
/// duplicate fields).
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let mask = 1 << bit;
    (*seen & mask == 0).then(|| *seen |= mask)
}

#[cfg(test)]
mod tests {
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
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Real lines with bytes replaced, inserted or removed anywhere: whenever the scanner
        /// still answers, the general path must read the same thing.
        #[test]
        fn mutated_real_lines_never_make_the_paths_disagree(
            pick in 0usize..1000,
            edits in proptest::collection::vec((0usize..4000, 0u8..3, proptest::prelude::any::<u8>()), 1..4),
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
                    _ if at < line.len() => { line.remove(at); }
                    _ => {}
                }
            }
            proptest::prop_assert!(super::super::fast_path_agrees(&line), "{}", String::from_utf8_lossy(&line));
        }
    }
}
