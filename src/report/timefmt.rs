//! Time zones: printing instants in the zone the user asked for, and reading the times the
//! user types (`--since 2026-03-29 08:00`) in that zone, correctly across DST changes.

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::exit::UsageError;

/// The zone times are shown and read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// UTC, written with a `Z`.
    #[default]
    Utc,
    /// An IANA zone, written with its offset.
    Named(Tz),
}

impl FromStr for Zone {
    type Err = UsageError;

    fn from_str(name: &str) -> Result<Self, UsageError> {
        if name.eq_ignore_ascii_case("utc") || name == "Z" {
            return Ok(Zone::Utc);
        }
        Tz::from_str(name)
            .map(Zone::Named)
            .map_err(|_| UsageError(format!("unknown time zone {name:?}: use an IANA name such as Europe/Warsaw")))
    }
}

impl Zone {
    /// The zone's name (`UTC`, `Europe/Warsaw`).
    pub fn name(&self) -> &str {
        match self {
            Zone::Utc => "UTC",
            Zone::Named(tz) => tz.name(),
        }
    }

    /// RFC 3339 with the zone's offset: `2020-08-25T16:24:41Z`, `2020-08-25T18:24:41+02:00`.
    pub fn rfc3339(&self, unix: i64) -> String {
        self.stamp(unix).as_str().to_owned()
    }

    /// The same as [`Zone::rfc3339`], written on the stack: what output rows hold, since a
    /// report writes three of them per call.
    ///
    /// An instant RFC 3339 cannot write in this zone is written in UTC instead, where event
    /// times (years 0 to 9999) always fit: a local time past 9999-12-31 or before the year 0
    /// (`+10000-01-01T08:59:59+09:00` is not RFC 3339), or an offset with seconds (local mean
    /// time before about 1900, which RFC 3339 would round to another instant).
    pub fn stamp(&self, unix: i64) -> Stamp {
        let offset = match self {
            Zone::Utc => 0,
            Zone::Named(tz) => tz.offset_from_utc_datetime(&to_utc(unix).naive_utc()).fix().local_minus_utc(),
        };
        let local = unix + i64::from(offset);
        match civil_date(local.div_euclid(86_400)) {
            // Offsets of whole minutes and four-digit years, which is all but history.
            Some(date) if offset % 60 == 0 => Stamp::new(date, local.rem_euclid(86_400), offset, *self == Zone::Utc),
            _ if *self != Zone::Utc => Zone::Utc.stamp(unix),
            _ => Stamp::from_str(&self.rfc3339_by_chrono(unix)),
        }
    }

    fn rfc3339_by_chrono(&self, unix: i64) -> String {
        let utc = to_utc(unix);
        match self {
            Zone::Utc => utc.to_rfc3339_opts(SecondsFormat::Secs, true),
            Zone::Named(tz) => utc.with_timezone(tz).to_rfc3339_opts(SecondsFormat::Secs, false),
        }
    }

    /// Local wall-clock time for tables: `2020-08-25 18:24:41`. Where [`Zone::stamp`] falls
    /// back to UTC, so does this, marked: `9999-12-31 23:59:59Z`.
    pub fn wall_clock(&self, unix: i64) -> String {
        let stamp = self.stamp(unix);
        let text = stamp.as_str();
        let mark = if *self != Zone::Utc && text.ends_with('Z') { "Z" } else { "" };
        format!("{} {}{mark}", text.get(..10).unwrap_or(text), text.get(11..19).unwrap_or_default())
    }

    /// Local wall-clock time of an instant.
    pub fn local(&self, unix: i64) -> NaiveDateTime {
        let utc = to_utc(unix);
        match self {
            Zone::Utc => utc.naive_utc(),
            Zone::Named(tz) => utc.with_timezone(tz).naive_local(),
        }
    }

    /// The instant of a local wall-clock time. In the hour repeated in autumn the earlier
    /// instant is taken; a time skipped in spring is an error.
    pub fn instant(&self, local: NaiveDateTime) -> Result<i64, UsageError> {
        let resolved = match self {
            Zone::Utc => return Ok(local.and_utc().timestamp()),
            Zone::Named(tz) => tz.from_local_datetime(&local),
        };
        match resolved {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.timestamp()),
            LocalResult::None => Err(UsageError(format!("{local} does not exist in {} (a DST gap)", self.name()))),
        }
    }

    /// Reads `2026-03-29`, `2026-03-29 08:00`, `2026-03-29 08:00:00` (local to this zone)
    /// or RFC 3339 (`2026-03-29T08:00:00+02:00`, with its own offset).
    pub fn parse_user_time(&self, text: &str) -> Result<i64, UsageError> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(t.timestamp());
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return self.instant(date.and_time(chrono::NaiveTime::MIN));
        }
        for format in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
            if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
                return self.instant(local);
            }
        }
        Err(UsageError(format!("cannot read time {text:?}: use 2026-03-29, \"2026-03-29 08:00\" or RFC 3339")))
    }
}

/// An instant as RFC 3339 text, at most 25 bytes, without an allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    bytes: [u8; 32],
    len: u8,
}

impl Stamp {
    /// `YYYY-MM-DDTHH:MM:SS` then `Z` or the offset.
    fn new(date: [u8; 10], seconds: i64, offset: i32, utc: bool) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..10].copy_from_slice(&date);
        bytes[10] = b'T';
        let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        bytes[11..13].copy_from_slice(&two(seconds / 3600));
        bytes[13] = b':';
        bytes[14..16].copy_from_slice(&two(seconds / 60 % 60));
        bytes[16] = b':';
        bytes[17..19].copy_from_slice(&two(seconds % 60));
        if utc {
            bytes[19] = b'Z';
            return Stamp { bytes, len: 20 };
        }
        let minutes = i64::from(offset.unsigned_abs() / 60);
        bytes[19] = if offset < 0 { b'-' } else { b'+' };
        bytes[20..22].copy_from_slice(&two(minutes / 60));
        bytes[22] = b':';
        bytes[23..25].copy_from_slice(&two(minutes % 60));
        Stamp { bytes, len: 25 }
    }

    fn from_str(text: &str) -> Self {
        let mut bytes = [0u8; 32];
        let len = text.len().min(bytes.len());
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        Stamp { bytes, len: len as u8 }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01, for years 0 to 9999; the last day asked
/// is remembered, since a report's rows come in time order.
fn civil_date(day: i64) -> Option<[u8; 10]> {
    thread_local! {
        static LAST: Cell<(i64, [u8; 10])> = const { Cell::new((i64::MIN, [0; 10])) };
    }
    let (last, text) = LAST.get();
    if last == day {
        return Some(text);
    }
    let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 719_163).ok()?)?;
    let year = u32::try_from(date.year()).ok().filter(|&y| y <= 9999)?;
    let mut text = [b'-'; 10];
    for (at, value, digits) in [(0, year, 4), (5, date.month(), 2), (8, date.day(), 2)] {
        for i in 0..digits {
            text[at + i] = b'0' + (value / 10u32.pow((digits - 1 - i) as u32) % 10) as u8;
        }
    }
    LAST.set((day, text));
    Some(text)
}

fn to_utc(unix: i64) -> DateTime<Utc> {
    // Event times come from a parsed calendar date, so they are always in range.
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warsaw() -> Zone {
        "Europe/Warsaw".parse().unwrap()
    }

    #[test]
    fn prints_utc_with_z_and_zones_with_their_offset_across_dst() {
        let t = Zone::Utc.parse_user_time("2020-08-25 16:24:41").unwrap();
        assert_eq!(Zone::Utc.rfc3339(t), "2020-08-25T16:24:41Z");
        assert_eq!(warsaw().rfc3339(t), "2020-08-25T18:24:41+02:00");
        let winter = Zone::Utc.parse_user_time("2026-01-10 12:00").unwrap();
        assert_eq!(warsaw().rfc3339(winter), "2026-01-10T13:00:00+01:00");
        assert_eq!(warsaw().wall_clock(winter), "2026-01-10 13:00:00");
    }

    #[test]
    fn stamps_match_chrono_everywhere() {
        let zones: Vec<Zone> = [
            "UTC",
            "Europe/Warsaw",
            "America/Santiago",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Europe/Amsterdam",
            "Pacific/Kiritimati",
        ]
        .iter()
        .map(|name| name.parse().unwrap())
        .collect();
        // Across DST changes, odd offsets, local mean times with seconds, and the edges of
        // four-digit years.
        let mut instants: Vec<i64> = (0..20_000).map(|i| 1_774_000_000 + i * 7_919).collect();
        instants.extend([
            -62_167_219_200,
            253_402_300_799,
            -2_840_140_800,
            -1_000_000_000,
            0,
            1_616_893_200,
            1_616_896_800,
        ]);
        for zone in &zones {
            for &t in &instants {
                let chrono = zone.rfc3339_by_chrono(t);
                // Where chrono writes no RFC 3339 (a fifth digit of year, an offset rounded to
                // the minute), the stamp is the UTC one.
                let exact = DateTime::parse_from_rfc3339(&chrono).is_ok_and(|d| d.timestamp() == t);
                let expected = if exact { chrono } else { Zone::Utc.rfc3339_by_chrono(t) };
                assert_eq!(zone.stamp(t).as_str(), expected, "{} at {t}", zone.name());
            }
        }
    }

    #[test]
    fn a_time_rfc3339_cannot_write_in_the_zone_is_written_in_utc() {
        let last = Zone::Utc.parse_user_time("9999-12-31 23:59:59").unwrap();
        let first = Zone::Utc.parse_user_time("0000-01-01 00:00:00").unwrap();
        let tokyo: Zone = "Asia/Tokyo".parse().unwrap();
        let new_york: Zone = "America/New_York".parse().unwrap();
        assert_eq!(tokyo.rfc3339(last), "9999-12-31T23:59:59Z");
        assert_eq!(tokyo.wall_clock(last), "9999-12-31 23:59:59Z");
        assert_eq!(new_york.rfc3339(first), "0000-01-01T00:00:00Z");
        // Hours earlier Tokyo is still in the year 9999, and keeps its offset.
        assert_eq!(tokyo.rfc3339(last - 10 * 3600), "9999-12-31T22:59:59+09:00");
        assert_eq!(tokyo.wall_clock(last - 10 * 3600), "9999-12-31 22:59:59");
        assert_eq!(new_york.rfc3339(last), "9999-12-31T18:59:59-05:00");
        assert_eq!(Zone::Utc.wall_clock(last), "9999-12-31 23:59:59");
        for zone in [tokyo, new_york, warsaw(), Zone::Utc] {
            for t in [first, first + 3600, last - 3600, last] {
                let stamp = zone.rfc3339(t);
                assert!(DateTime::parse_from_rfc3339(&stamp).is_ok_and(|d| d.timestamp() == t), "{stamp}");
                assert!(stamp.len() == 20 || stamp.len() == 25, "{stamp}");
            }
        }
    }

    #[test]
    fn reads_user_times_in_the_zone() {
        let z = warsaw();
        assert_eq!(z.rfc3339(z.parse_user_time("2026-03-29").unwrap()), "2026-03-29T00:00:00+01:00");
        assert_eq!(z.rfc3339(z.parse_user_time("2026-03-29 08:00").unwrap()), "2026-03-29T08:00:00+02:00");
        assert_eq!(z.parse_user_time("2026-03-29T06:00:00Z").unwrap(), z.parse_user_time("2026-03-29 08:00").unwrap());
        // The repeated autumn hour takes its first occurrence; the spring gap is refused.
        assert_eq!(z.rfc3339(z.parse_user_time("2026-10-25 02:30").unwrap()), "2026-10-25T02:30:00+02:00");
        assert!(z.parse_user_time("2026-03-29 02:30").is_err());
        assert!(z.parse_user_time("yesterday").is_err());
        assert!("Mars/Olympus".parse::<Zone>().is_err());
    }
}
