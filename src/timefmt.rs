//! Time zones: printing instants in the zone the user asked for, and reading the times the
//! user types (`--since 2026-03-29 08:00`) in that zone, correctly across DST changes.

use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

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
        let utc = to_utc(unix);
        match self {
            Zone::Utc => utc.to_rfc3339_opts(SecondsFormat::Secs, true),
            Zone::Named(tz) => utc.with_timezone(tz).to_rfc3339_opts(SecondsFormat::Secs, false),
        }
    }

    /// Local wall-clock time for tables: `2020-08-25 18:24:41`.
    pub fn wall_clock(&self, unix: i64) -> String {
        self.local(unix).format("%Y-%m-%d %H:%M:%S").to_string()
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
