//! Times the user types: durations (`90s`, `1h 30m`), days (`today`) and `--since`/`--until`
//! times in -> seconds out, read in the reader's zone.

use crate::exit::UsageError;
use crate::report::timefmt::Zone;

/// Whole seconds from a duration such as `90s`, `5m` or `1h 30m` (a bare number is seconds).
pub fn seconds(flag: &str, text: &str) -> Result<i64, UsageError> {
    let text = text.trim();
    let parsed = match text.parse::<u64>() {
        Ok(seconds) => Ok(std::time::Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text),
    };
    parsed
        .ok()
        .and_then(|duration| i64::try_from(duration.as_secs()).ok())
        .ok_or_else(|| UsageError(format!("cannot read {flag} {text:?}: use a duration such as 90s, 5m or 2h")))
}

/// The local date `text` names in `zone`: `YYYY-MM-DD`, `today` or `yesterday` (as of `now`);
/// `None` for anything else.
pub(super) fn named_day(text: &str, zone: &Zone, now: i64) -> Result<Option<chrono::NaiveDate>, UsageError> {
    let today = zone.local(now).date();
    Ok(match text.trim() {
        "today" => Some(today),
        "yesterday" => Some(today.pred_opt().ok_or_else(|| UsageError("yesterday is out of range".into()))?),
        other => chrono::NaiveDate::parse_from_str(other, "%Y-%m-%d").ok(),
    })
}

/// A `--since`/`--until` time: a date or time in `zone`, RFC 3339, `today` or `yesterday`
/// (their midnight), or a duration back from `now` (`-2h`, `-30m`).
pub(super) fn user_time(text: &str, zone: &Zone, now: i64) -> Result<i64, UsageError> {
    let trimmed = text.trim();
    if let Some(ago) = trimmed.strip_prefix('-') {
        return Ok(now - seconds("--since/--until", ago)?);
    }
    if let Some(day) = named_day(trimmed, zone, now)?.filter(|_| matches!(trimmed, "today" | "yesterday")) {
        return zone.instant(day.and_time(chrono::NaiveTime::MIN));
    }
    zone.parse_user_time(trimmed)
}
