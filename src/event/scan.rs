//! The fast path of line parsing: a validating JSON scanner that reads only the fields callflow
//! needs, in one pass, without allocating.
//!
//! It is deliberately conservative. It answers only when it is certain the general path (the
//! serde derive over sonic-rs or serde_json) would give exactly the same [`Wire`]: the whole
//! line is valid JSON, every needed field is a plain string (no escapes) or null, and no
//! needed key repeats. Anything else (an escape in a needed value, a number where a string was
//! expected, a huge exponent, deep nesting, any syntax error) returns `None`, and the caller
//! takes the general path, which also words the error messages. A test in this module and a
//! property test compare both paths.

use std::borrow::Cow;

use super::{AppData, AppInfo, Named, Wire};

/// Nesting deeper than this is left to the general path.
const MAX_DEPTH: u32 = 64;

/// Scans a line (already known to be UTF-8); `None` means "not certain: use the general path".
pub(super) fn scan(text: &str) -> Option<Wire<'_>> {
    let mut s = Scanner { text, b: text.as_bytes(), i: 0, depth: 0 };
    s.ws();
    let wire = s.wire()?;
    s.ws();
    (s.i == s.b.len()).then_some(wire)
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
}

/// A needed string field: `Some(None)` for null, `Some(Some(s))` for a plain string.
type Field<'a> = Option<Option<Cow<'a, str>>>;

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&byte)).then(|| self.i += 1)
    }

    /// The top-level object, filling the needed fields.
    fn wire(&mut self) -> Option<Wire<'a>> {
        let mut w = Wire::default();
        let mut seen = 0u32;
        self.object(|s, key| {
            let slot = match key {
                "event_type" => (0, &mut w.event_type),
                "event_name" => (1, &mut w.event_name),
                "event_time" => (2, &mut w.event_time),
                "dialog_uuid" => (3, &mut w.dialog_uuid),
                "state" => (4, &mut w.state),
                "close_cause" => (5, &mut w.close_cause),
                "dialog_type" => (6, &mut w.dialog_type),
                "business_direction" => (7, &mut w.business_direction),
                "self_target" => (8, &mut w.self_target),
                "peer_username" => (9, &mut w.peer_username),
                "peer_project_name" => (10, &mut w.peer_project_name),
                "initial_application_info" => {
                    once(&mut seen, 11)?;
                    w.initial_application_info = s.nullable(Scanner::app_info)?;
                    return Some(());
                }
                "tenant_user" => {
                    once(&mut seen, 12)?;
                    w.tenant_user = s.nullable(Scanner::named)?;
                    return Some(());
                }
                "project" => {
                    once(&mut seen, 13)?;
                    w.project = s.nullable(Scanner::named)?;
                    return Some(());
                }
                _ => return s.skip_value(),
            };
            once(&mut seen, slot.0)?;
            *slot.1 = s.field()?;
            Some(())
        })?;
        Some(w)
    }

    fn app_info(&mut self) -> Option<AppInfo<'a>> {
        let (mut data, mut seen) = (None, 0u32);
        self.object(|s, key| match key {
            "data" => {
                once(&mut seen, 0)?;
                data = s.nullable(Scanner::app_data)?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(AppInfo { data })
    }

    fn app_data(&mut self) -> Option<AppData<'a>> {
        let (mut caller_dialog_uuid, mut seen) = (None, 0u32);
        self.object(|s, key| match key {
            "caller_dialog_uuid" => {
                once(&mut seen, 0)?;
                caller_dialog_uuid = s.field()?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(AppData { caller_dialog_uuid })
    }

    fn named(&mut self) -> Option<Named<'a>> {
        let (mut username, mut name, mut seen) = (None, None, 0u32);
        self.object(|s, key| match key {
            "username" => {
                once(&mut seen, 0)?;
                username = s.field()?;
                Some(())
            }
            "name" => {
                once(&mut seen, 1)?;
                name = s.field()?;
                Some(())
            }
            _ => s.skip_value(),
        })?;
        Some(Named { username, name })
    }

    /// `null`, or what `inner` reads from an object.
    fn nullable<T>(&mut self, inner: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.ws();
        if self.b.get(self.i) == Some(&b'n') {
            return self.literal("null").map(|_| None);
        }
        inner(self).map(Some)
    }

    /// A needed string: plain string or null, anything else is for the general path.
    fn field(&mut self) -> Field<'a> {
        self.ws();
        match self.b.get(self.i)? {
            b'"' => match self.string()? {
                (text, false) => Some(Some(Cow::Borrowed(text))),
                (_, true) => None,
            },
            b'n' => self.literal("null").map(|_| None),
            _ => None,
        }
    }

    /// An object: calls `value` for each key, positioned before the value.
    fn object(&mut self, mut value: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.sequence(b'{', b'}', |s| {
            s.ws();
            if s.b.get(s.i) != Some(&b'"') {
                return None;
            }
            match s.string()? {
                (key, false) => {
                    s.eat(b':')?;
                    value(s, key)
                }
                (_, true) => None,
            }
        })
    }

    fn array(&mut self) -> Option<()> {
        self.sequence(b'[', b']', Scanner::skip_value)
    }

    /// `open`, then `item`s separated by commas (or none), then `close`; deeper than
    /// [`MAX_DEPTH`] is for the general path.
    fn sequence(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.b.get(self.i) != Some(&close) {
            loop {
                item(self)?;
                self.ws();
                match *self.b.get(self.i)? {
                    b',' => self.i += 1,
                    c if c == close => break,
                    _ => return None,
                }
            }
        }
        self.i += 1;
        self.depth -= 1;
        Some(())
    }

    /// Validates and skips any value.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.b.get(self.i)? {
            b'"' => self.string().map(|_| ()),
            b'{' => self.object(|s, _| s.skip_value()),
            b'[' => self.array(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word.as_bytes()).then(|| self.i = end)
    }

    /// A number by the JSON grammar; exponents and very long numbers go to the general path,
    /// whose range rules then apply.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            let before = self.i;
            self.digits();
            if self.i == before {
                return None;
            }
        }
        let plain = !matches!(self.b.get(self.i), Some(b'e' | b'E')) && self.i - start <= 18;
        plain.then_some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// A string at the cursor: its raw content and whether it holds escapes (validated).
    fn string(&mut self) -> Option<(&'a str, bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = find_special(self.b, self.i);
            match self.b.get(self.i)? {
                b'"' => {
                    let text = self.text.get(start..self.i)?;
                    self.i += 1;
                    return Some((text, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return None, // a control character
            }
        }
    }

    fn escape(&mut self) -> Option<()> {
        match self.b.get(self.i + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
            b'u' => {
                let hex = self.b.get(self.i + 2..self.i + 6)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let code = u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                // Surrogate pairs have their own rules; leave them to the general path.
                if (0xD800..=0xDFFF).contains(&code) {
                    return None;
                }
                self.i += 6;
            }
            _ => return None,
        }
        Some(())
    }
}

/// Marks field `bit` as seen; a needed key seen twice is for the general path (serde rejects
/// duplicate fields).
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let mask = 1 << bit;
    (*seen & mask == 0).then(|| *seen |= mask)
}

/// The index of the first `"`, `\` or control character at or after `i` (or the end),
/// eight bytes at a time.
fn find_special(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let hits = has_zero(v ^ (ONES * u64::from(b'"')))
            | has_zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGHS);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
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
            r#"{"event_type":"user\u005fdialog"}"#,
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
        ] {
            assert!(agree(line), "should answer: {line}");
        }
    }

    #[test]
    fn finds_special_bytes_at_every_offset() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert_eq!(find_special(&bytes, 0), at);
                }
            }
            assert_eq!(find_special(&vec![0xC5; len], 0), len);
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
