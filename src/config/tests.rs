use super::*;
use crate::cli::{FilterArgs, OutputArgs};
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

#[test]
fn day_is_a_local_calendar_day_across_dst() {
    let zone: Zone = "Europe/Warsaw".parse().unwrap();
    let args = FilterArgs { day: Some("2026-03-29".into()), ..FilterArgs::default() };
    let sel = Selection::from_args(&args, zone).unwrap();
    let (since, until) = (sel.since.unwrap(), sel.until.unwrap());
    assert_eq!(zone.rfc3339(since), "2026-03-29T00:00:00+01:00");
    assert_eq!(zone.rfc3339(until), "2026-03-30T00:00:00+02:00");
    assert_eq!(until - since, 23 * 3600);
}

#[test]
fn columns_wins_over_the_terminal_and_80_is_the_last_resort() {
    assert_eq!(terminal_width(Some("60"), Some(200)), 60);
    assert_eq!(terminal_width(Some(" 132\n"), None), 132);
    for unusable in [None, Some(""), Some("0"), Some("wide"), Some("-5"), Some("99999")] {
        assert_eq!(terminal_width(unusable, Some(150)), 150, "{unusable:?}");
        assert_eq!(terminal_width(unusable, None), 80, "{unusable:?}");
    }
    assert_eq!(terminal_width(None, Some(0)), 80);
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_flag() {
    let tty = Terminal { stdout: true, stderr: false, ..Terminal::default() };
    let with = |color| GlobalArgs { color, quiet: false };
    // NO_COLOR is read from the environment, which tests do not set.
    if std::env::var_os("NO_COLOR").is_none() {
        assert!(tty.choose(&with(ColorArg::Auto)).color);
    }
    assert!(!tty.choose(&with(ColorArg::Auto)).color_stderr);
    assert!(!tty.choose(&with(ColorArg::Never)).color);
    assert!(Terminal::default().choose(&with(ColorArg::Always)).color);
}

#[test]
fn days_and_times_by_name_count_from_now_in_the_zone() {
    let zone: Zone = "Europe/Warsaw".parse().unwrap();
    // 2026-03-30 00:30 in Warsaw is still the 29th in UTC.
    let now = zone.parse_user_time("2026-03-30 00:30").unwrap();
    let day = |name: &str| FilterArgs { day: Some(name.into()), ..FilterArgs::default() };
    let since = |args: FilterArgs| Selection::from_args_at(&args, zone, now).unwrap().since.map(|t| zone.rfc3339(t));
    assert_eq!(since(day("today")).as_deref(), Some("2026-03-30T00:00:00+02:00"));
    assert_eq!(since(day("yesterday")).as_deref(), Some("2026-03-29T00:00:00+01:00"));
    let ago = FilterArgs { since: Some("-2h".into()), until: Some("today".into()), ..FilterArgs::default() };
    let sel = Selection::from_args_at(&ago, zone, now).unwrap();
    assert_eq!(sel.since, Some(now - 7200));
    assert_eq!(sel.until.map(|t| zone.rfc3339(t)).as_deref(), Some("2026-03-30T00:00:00+02:00"));
    assert!(Selection::from_args_at(&day("tomorrow-ish"), zone, now).is_err());
}

#[test]
fn bad_values_are_usage_errors() {
    let bad_day = FilterArgs { day: Some("29.03.2026".into()), ..FilterArgs::default() };
    assert!(Selection::from_args(&bad_day, Zone::Utc).is_err());
    let args = OutputArgs { tz: Some("Nowhere/Town".into()), ..OutputArgs::default() };
    assert!(OutputSettings::from_args(&args, Terminal::default(), &[]).is_err());
}
