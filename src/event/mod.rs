//! One input line -> a compact, borrowed, typed event, or the reason the line is bad.
//!
//! Only the fields a computation needs are read; everything else in the (large) webhook
//! bodies is skipped without being materialised. Display fields are parsed leniently: a
//! number or an object where a string was expected becomes "absent", never a bad line,
//! because new or odd fields must not cost a whole event. This module does not decide what
//! an event means for a call; that is `assemble`'s job.
//!
//! What a `dialog_create` carries is declared once, in [`CreateFields`], whose module says
//! how to add a field. An event has one shape, [`Line`] and [`Event`], over its kind of
//! string: owned where it must be ([`Parsed`]), or borrowed ([`LineView`]).

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::de::IgnoredAny;

pub mod batch;
mod escape;
mod fields;
mod lines;
mod reference;
mod scan;
mod shape;
mod tokens;
pub mod uuid;
mod wire;

use wire::Wire;

pub use fields::CreateFields;
pub(crate) use lines::parse_block_lines;
#[cfg(test)]
pub(crate) use reference::strict_json;
#[doc(hidden)]
pub use reference::{fast_path_agrees, parse_is_strict};

/// Stage one alone over a block, for measuring it; returns the number of tokens.
#[doc(hidden)]
pub fn tokenize_for_bench(block: &[u8]) -> usize {
    let mut tokens = tokens::Tokens::default();
    tokens::tokenize(block, &mut tokens);
    tokens.positions().len()
}

/// The three `user_dialog` events that rebuild calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum EventKind {
    /// `dialog_create`: a new leg with its parties and its link to a parent leg.
    #[default]
    Create,
    /// `dialog_state_update`: the leg's new `state`.
    State,
    /// `dialog_close`: the leg ended, with a `close_cause`.
    Close,
}

impl EventKind {
    /// The vendor's `event_name` for this kind.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Create => "dialog_create",
            EventKind::State => "dialog_state_update",
            EventKind::Close => "dialog_close",
        }
    }
}

/// What one line turned out to be, its strings of type `S`: [`Parsed`] owns what it must
/// (the line's text, or an unescaped copy), [`LineView`] borrows from wherever they live.
// Boxing the large variant would cost an allocation per line on the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Line<S> {
    /// Empty or whitespace only.
    Blank,
    /// A `user_dialog` create, state update or close.
    Call(Event<S>),
    /// A valid event of another kind (`dialog_hold`, `voice_campaign`, …), by its `event_name`.
    Other(S),
}

/// A call event with only the fields the figures need, its strings of type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<S> {
    /// The leg this event belongs to.
    pub dialog_uuid: S,
    /// Create, state update or close.
    pub kind: EventKind,
    /// `event_time` as Unix seconds (UTC).
    pub time: i64,
    /// The (initial or new) state, verbatim.
    pub state: Option<S>,
    /// `close_cause` of a close, verbatim.
    pub close_cause: Option<S>,
    /// The leg's description, carried by `dialog_create` only.
    pub create: Option<CreateFields<S>>,
}

/// A line as [`parse_line`] returns it: its strings borrowed from the line where they can be.
pub(crate) type Parsed<'a> = Line<Cow<'a, str>>;

/// A line borrowed: what the block path hands on, with nothing moved or copied.
pub(crate) type LineView<'a> = Line<&'a str>;

/// A call event of a [`Parsed`] line.
pub type CallEvent<'a> = Event<Cow<'a, str>>;

/// A call event of a [`LineView`].
pub(crate) type CallView<'a> = Event<&'a str>;

impl<S: AsRef<str>> Line<S> {
    /// This line, borrowed.
    pub fn view(&self) -> LineView<'_> {
        match self {
            Line::Blank => Line::Blank,
            Line::Call(event) => Line::Call(event.view()),
            Line::Other(name) => Line::Other(name.as_ref()),
        }
    }
}

impl<S: AsRef<str>> Event<S> {
    /// This event, borrowed.
    pub fn view(&self) -> CallView<'_> {
        Event {
            dialog_uuid: self.dialog_uuid.as_ref(),
            kind: self.kind,
            time: self.time,
            state: self.state.as_ref().map(AsRef::as_ref),
            close_cause: self.close_cause.as_ref().map(AsRef::as_ref),
            create: self.create.as_ref().map(CreateFields::view),
        }
    }
}

/// Why a line could not be used. Each variant is one reason a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Longer than the configured limit; the line was skipped unread.
    TooLong {
        /// The line's length in bytes.
        len: usize,
        /// The limit it broke (`--max-line-bytes`).
        limit: usize,
    },
    /// Not valid UTF-8.
    InvalidUtf8 {
        /// Where the first bad byte is, from the start of the line.
        offset: usize,
    },
    /// Not a JSON object (an array, a number, a string…).
    NotAnObject,
    /// Not valid JSON, with the parser's message.
    Json(String),
    /// A field every event or this call event needs is absent or not a string.
    Missing(&'static str),
    /// `event_time` is not `YYYY-MM-DD HH:MM:SS`.
    BadTime(String),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { len, limit } => {
                write!(f, "line of {len} bytes exceeds the limit of {limit} bytes (--max-line-bytes)")
            }
            LineError::InvalidUtf8 { offset } => write!(f, "invalid UTF-8 at byte {offset}"),
            LineError::NotAnObject => f.write_str("not a JSON object"),
            LineError::Json(msg) => write!(f, "invalid JSON: {msg}"),
            LineError::Missing(field) => write!(f, "missing or non-string field {field}"),
            LineError::BadTime(t) => write!(f, "event_time {t:?} is not YYYY-MM-DD HH:MM:SS"),
        }
    }
}

/// Parses one line (without its newline; a trailing `\r` and a leading BOM are tolerated).
pub(crate) fn parse_line(line: &[u8]) -> Result<Parsed<'_>, LineError> {
    parse_with(line, true)
}

/// Parses one line with the general path only: for lines the fast scanner already doubted.
fn parse_general(line: &[u8]) -> Result<Parsed<'_>, LineError> {
    parse_with(line, false)
}

fn parse_with(line: &[u8], fast: bool) -> Result<Parsed<'_>, LineError> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    // JSON is UTF-8. Checked up front, over the whole line, because parsers skip unknown fields
    // without validating them: a bad byte makes the line bad wherever it sits.
    let line = match simdutf8::basic::from_utf8(line) {
        Ok(text) => text,
        Err(_) => {
            return Err(LineError::InvalidUtf8 {
                offset: std::str::from_utf8(line).err().map_or(0, |e| e.valid_up_to()),
            })
        }
    };
    let Some(first) = line.bytes().position(|b| !b.is_ascii_whitespace()) else {
        return Ok(Parsed::Blank);
    };
    if line.as_bytes()[first] != b'{' {
        // serde would happily read a JSON array positionally into a struct.
        serde_json::from_str::<IgnoredAny>(line).map_err(|e| LineError::Json(e.to_string()))?;
        escape::check(line)?;
        return Err(LineError::NotAnObject);
    }
    let wire = match fast.then(|| scan::scan(line)).flatten() {
        Some(wire) => wire,
        None => general_wire(line)?,
    };
    wire.into_parsed()
}

/// The general path's [`Wire`] of an object line, every escape checked: the parser checks
/// them only in the fields it reads.
fn general_wire(line: &str) -> Result<Wire<'_>, LineError> {
    // serde_json stops at 128 levels of nesting, so hostile nesting is a bad line, not a stack
    // overflow.
    let wire = serde_json::from_str(line).map_err(|e| LineError::Json(e.to_string()))?;
    escape::check(line)?;
    Ok(wire)
}

/// Parses `YYYY-MM-DD HH:MM:SS` (a `T` separator and a trailing `Z` are accepted too)
/// into Unix seconds, UTC.
pub(crate) fn parse_event_time(s: &str) -> Option<i64> {
    let b = s.strip_suffix('Z').unwrap_or(s).as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b' ' && b[10] != b'T' {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        b[at..at + len].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let midnight = midnight_of(b[..10].try_into().ok()?, || {
        let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
        Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
    })?;
    Some(midnight + i64::from(hour * 3600 + minute * 60 + second))
}

/// The Unix time of midnight of a `YYYY-MM-DD` date, by `compute` unless it is the date asked
/// last on this thread: events come in time order, so nearly every line repeats the date.
fn midnight_of(date: [u8; 10], compute: impl FnOnce() -> Option<i64>) -> Option<i64> {
    thread_local! {
        static LAST: std::cell::Cell<([u8; 10], i64)> = const { std::cell::Cell::new(([0; 10], 0)) };
    }
    let (last, midnight) = LAST.get();
    if last == date {
        return Some(midnight);
    }
    let midnight = compute()?;
    LAST.set((date, midnight));
    Some(midnight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(line: &str) -> CallEvent<'_> {
        match parse_line(line.as_bytes()) {
            Ok(Parsed::Call(event)) => event,
            other => panic!("not a call event: {other:?}"),
        }
    }

    #[test]
    fn reads_only_the_needed_fields_of_a_create() {
        let line = r#"{"event_type":"user_dialog","event_name":"dialog_create","event_time":"2020-08-25 16:24:47","dialog_type":"EXTERNAL","business_direction":"OUTBOUND","dialog_uuid":"b","self_target":"48123","peer_username":"pk","media":["audio"],"initial_application_info":{"type":"X","data":{"caller_dialog_uuid":"a","nested":{"deep":[1,2]}}},"new_field":{"x":1}}"#;
        let event = call(line);
        assert_eq!(event.kind, EventKind::Create);
        assert_eq!(event.time, 1_598_372_687);
        let create = event.create.unwrap();
        assert_eq!(create.parent.as_deref(), Some("a"));
        assert_eq!(create.dialog_type.as_deref(), Some("EXTERNAL"));
        assert_eq!(create.self_target.as_deref(), Some("48123"));
        assert_eq!(create.peer_username.as_deref(), Some("pk"));
    }

    #[test]
    fn escaped_strings_and_odd_types_are_tolerated() {
        let line = r#"{"event_type":"user_dialog","event_name":"dialog_create","event_time":"2020-08-25T16:24:47Z","dialog_uuid":"a","self_target":48123,"tenant_user":{"username":"pawe\u0142"},"project":{"name":null},"peer_username":{"odd":true}}"#;
        let create = call(line).create.unwrap();
        assert_eq!(create.self_target.as_deref(), Some("48123"));
        assert_eq!(create.username.as_deref(), Some("paweł"));
        assert_eq!(create.project, None);
        assert_eq!(create.peer_username, None);
    }

    #[test]
    fn classifies_other_blank_and_bad_lines() {
        assert_eq!(parse_line(b"  \r"), Ok(Parsed::Blank));
        assert_eq!(parse_line(b"\xEF\xBB\xBF"), Ok(Parsed::Blank));
        let hold = br#"{"event_type":"user_dialog","event_name":"dialog_hold","event_time":"?"}"#;
        assert_eq!(parse_line(hold), Ok(Parsed::Other(Cow::Borrowed("dialog_hold"))));
        assert_eq!(parse_line(b"[1,2]"), Err(LineError::NotAnObject));
        assert_eq!(parse_line(b"42"), Err(LineError::NotAnObject));
        assert!(matches!(parse_line(b"{\"event_type\":"), Err(LineError::Json(_))));
        assert_eq!(parse_line(b"{\"event_type\":\"a\xff\"}"), Err(LineError::InvalidUtf8 { offset: 16 }));
        // Also in a field that is never read, and in a line that is not an object.
        let latin1 = b"{\"event_type\":\"user_dialog\",\"event_name\":\"dialog_hold\",\"note\":\"caf\xe9\"}";
        assert_eq!(parse_line(latin1), Err(LineError::InvalidUtf8 { offset: 66 }));
        assert_eq!(parse_line(b"[\"\xc3\"]"), Err(LineError::InvalidUtf8 { offset: 2 }));
        assert_eq!(parse_line(br#"{"event_name":"x"}"#), Err(LineError::Missing("event_type")));
        let no_state = br#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2020-08-25 16:24:47","dialog_uuid":"a"}"#;
        assert_eq!(parse_line(no_state), Err(LineError::Missing("state")));
        let nested = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert!(parse_line(nested.as_bytes()).is_err());
    }

    /// An escape JSON forbids makes the line bad in whichever field it sits, read or not, on
    /// every path: the fast one and the general one, shallow or deep.
    #[test]
    fn a_bad_escape_anywhere_is_a_bad_line() {
        let close = r#"{"event_type":"user_dialog","event_name":"dialog_close","event_time":"2020-08-25 16:25:09","dialog_uuid":"a","close_cause":"HANGUP","note":"#;
        let deep = |value: &str| format!("{}{value}{}", "[".repeat(101), "]".repeat(101));
        for (value, valid) in [
            (r#""\uzzzz""#.to_owned(), false),
            (r#""\u00zz""#.to_owned(), false),
            (r#"{"\uzzzz":1}"#.to_owned(), false),
            (r#""\ud800""#.to_owned(), false),
            (r#""\udc00""#.to_owned(), false),
            (r#"["\ud800\u0041"]"#.to_owned(), false),
            (deep(r#""\uzzzz""#), false),
            (deep(r#""\ud800""#), false),
            (r#""\ud83d\ude00 \u0142""#.to_owned(), true),
            (deep(r#""\ud83d\ude00""#), true),
        ] {
            let line = format!("{close}{value}}}");
            for parsed in [parse_line(line.as_bytes()), parse_general(line.as_bytes())] {
                assert_eq!(parsed.is_ok(), valid, "{line}");
                assert!(valid || matches!(parsed, Err(LineError::Json(_))), "{line}: {parsed:?}");
            }
            let mut block = Vec::new();
            parse_block_lines(line.as_bytes(), 1 << 20, |result| block.push(result.is_ok()));
            assert_eq!(block, [valid], "{line}");
            assert_eq!(strict_json(line.as_bytes()), valid, "{line}");
        }
        let message = parse_line(br#"{"event_type":"user_dialog","x":"\uzzzz"}"#).unwrap_err().to_string();
        assert_eq!(message, "invalid JSON: invalid escape at line 1 column 39");
        assert!(matches!(parse_line(br#"["\ud800"]"#), Err(LineError::Json(_))));
        assert_eq!(parse_line(br#"["\ud800\udc00"]"#), Err(LineError::NotAnObject));
    }

    #[test]
    fn event_times() {
        assert_eq!(parse_event_time("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_event_time("2020-08-25 16:24:41"), parse_event_time("2020-08-25T16:24:41Z"));
        for bad in [
            "2020-02-30 00:00:00",
            "2020-08-25 24:00:00",
            "2020-08-25 16:24",
            "2020-08-25 16:24:4x",
            "",
            "2020-08-25 16:24:41+02:00",
            "2020-08-25 16:24:60",
            "2020-08-25 16:60:00",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad}");
        }
        // The last date is remembered; other dates and bad times around it are not affected.
        let leap = parse_event_time("2020-02-29 10:00:00").unwrap();
        assert_eq!(parse_event_time("2020-02-29 23:59:59"), Some(leap + 13 * 3600 + 3599));
        assert_eq!(parse_event_time("2021-02-29 10:00:00"), None);
        assert_eq!(parse_event_time("2020-02-29 24:00:00"), None);
        assert_eq!(parse_event_time("2020-03-01 00:00:00"), Some(leap + 14 * 3600));
        assert_eq!(parse_event_time("2020-02-29 10:00:00"), Some(leap));
    }
}
