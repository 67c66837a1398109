//! Unit tests of the aggregation: every figure on hand-made calls, rounding, nearest-rank
//! percentiles, ordering, and DST buckets in Europe/Warsaw.

use super::*;

fn utc(text: &str) -> i64 {
    Zone::Utc.parse_user_time(text).unwrap()
}

fn warsaw() -> Zone {
    "Europe/Warsaw".parse().unwrap()
}

/// A closed answered call: waited `wait`, talked `talk`.
fn answered(start: &str, wait: i64, talk: i64, side: &'static str, consultant: &'static str) -> CallFacts<'static> {
    CallFacts {
        start: utc(start),
        outcome: Outcome::Answered,
        wait_s: Some(wait),
        talk_s: Some(talk),
        duration_s: Some(wait + talk),
        end: Some(utc(start) + wait + talk),
        hangup_side: Cow::Borrowed(side),
        consultant: Some(consultant),
        project: Some("Wsparcie"),
        direction: Some("INBOUND"),
        close_cause: Some("HANGUP"),
        client: Some("48500100200"),
    }
}

/// A call that rang `duration` seconds and closed without an answer.
fn missed(start: &str, duration: i64, consultant: Option<&'static str>) -> CallFacts<'static> {
    CallFacts {
        start: utc(start),
        outcome: Outcome::NotAnswered,
        wait_s: None,
        talk_s: None,
        duration_s: Some(duration),
        end: Some(utc(start) + duration),
        hangup_side: Cow::Borrowed("client"),
        consultant,
        project: None,
        direction: Some("INBOUND"),
        close_cause: Some("HANGUP"),
        client: Some("48500100200"),
    }
}

/// A call still open at the end of the input (answered, so it has a wait but no talk).
fn open(start: &str) -> CallFacts<'static> {
    CallFacts {
        start: utc(start),
        outcome: Outcome::Open,
        wait_s: Some(3),
        talk_s: None,
        duration_s: None,
        end: None,
        hangup_side: Cow::Borrowed("none"),
        consultant: Some("anna"),
        project: Some("Wsparcie"),
        direction: Some("OUTBOUND"),
        close_cause: None,
        client: None,
    }
}

fn day_of_calls() -> Vec<CallFacts<'static>> {
    vec![
        answered("2026-03-10 09:00:00", 10, 60, "client", "anna"),
        answered("2026-03-10 09:30:00", 20, 30, "consultant", "anna"),
        answered("2026-03-10 10:05:00", 5, 125, "client", "jan"),
        missed("2026-03-10 10:10:00", 17, Some("jan")),
        missed("2026-03-10 11:00:00", 40, None),
        open("2026-03-10 11:30:00"),
    ]
}

fn fixed(scaled: i64, places: u32) -> Option<Fixed> {
    Some(Fixed { scaled, places })
}

#[test]
fn every_figure_of_one_group() {
    let groups = summarize(day_of_calls(), &[], &Zone::Utc);
    assert_eq!(groups.len(), 1);
    assert!(groups[0].key.is_empty());
    let f = &groups[0].figures;
    assert_eq!((f.calls, f.answered, f.not_answered, f.open), (6, 3, 2, 1));
    // Open calls are neither answered nor missed yet: 3 of 5 closed calls.
    assert_eq!(f.answer_rate, fixed(600, 3));
    assert_eq!((f.hangup_client, f.hangup_consultant, f.hangup_none, f.hangup_other), (4, 1, 1, 0));
    // Talk and wait over the three answered calls only (the open call's wait is left out).
    let talk = Spread { total: 215, mean: fixed(717, 1), percentiles: vec![Some(60), Some(125)], max: Some(125) };
    assert_eq!(f.talk, talk);
    let wait = Spread { total: 35, mean: fixed(117, 1), percentiles: vec![Some(10), Some(20)], max: Some(20) };
    assert_eq!(f.wait, wait);
    // Durations of the five closed calls: 70, 50, 130, 17, 40.
    assert_eq!(f.duration_s_mean, fixed(614, 1));
}

#[test]
fn a_group_without_answered_calls_has_no_means_or_percentiles() {
    let groups = summarize(vec![missed("2026-03-10 11:00:00", 40, None)], &[], &Zone::Utc);
    let f = &groups[0].figures;
    assert_eq!(f.answer_rate, fixed(0, 3));
    assert_eq!(f.talk, Spread { total: 0, mean: None, percentiles: vec![None, None], max: None });
    assert_eq!(f.wait, f.talk);
    assert_eq!(f.duration_s_mean, fixed(400, 1));
}

#[test]
fn no_calls_is_one_empty_row_ungrouped_and_no_rows_grouped() {
    let groups = summarize(Vec::new(), &[], &Zone::Utc);
    assert_eq!(groups.len(), 1);
    let f = &groups[0].figures;
    assert_eq!((f.calls, f.answer_rate, f.duration_s_mean), (0, None, None));
    assert!(summarize(Vec::new(), &[GroupKey::Consultant], &Zone::Utc).is_empty());
}

#[test]
fn only_open_calls_have_no_answer_rate() {
    let groups = summarize(vec![open("2026-03-10 11:30:00")], &[], &Zone::Utc);
    assert_eq!(groups[0].figures.answer_rate, None);
    assert_eq!(groups[0].figures.duration_s_mean, None);
}

#[test]
fn nearest_rank_percentiles() {
    // The textbook example: 15, 20, 35, 40, 50.
    let values = [15, 20, 35, 40, 50];
    let p = |pct| nearest_rank(&values, pct);
    assert_eq!(
        (p(5), p(30), p(40), p(50), p(90), p(100)),
        (Some(15), Some(20), Some(20), Some(35), Some(50), Some(50))
    );
    assert_eq!(nearest_rank(&[7], 50), Some(7));
    assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
    assert_eq!(nearest_rank(&(1..=10).collect::<Vec<_>>(), 90), Some(9));
    assert_eq!(nearest_rank(&[], 50), None);
}

#[test]
fn fixed_ratios_round_half_away_from_zero_without_float_noise() {
    assert_eq!(Fixed::ratio(1, 4, 1), fixed(3, 1));
    assert_eq!(Fixed::ratio(-1, 4, 1), fixed(-3, 1));
    assert_eq!(Fixed::ratio(1, 3, 1), fixed(3, 1));
    assert_eq!(Fixed::ratio(2, 3, 3), fixed(667, 3));
    assert_eq!(Fixed::ratio(3, 10, 3), fixed(300, 3));
    assert_eq!(Fixed::ratio(7, -2, 1), fixed(-35, 1));
    assert_eq!(Fixed::ratio(5, 0, 1), None);
    assert_eq!(fixed(3, 1).unwrap().to_f64().to_string(), "0.3");
}

fn names(groups: &[Group<'_>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            g.key
                .iter()
                .map(|v| match v {
                    KeyValue::Name(n) => n.as_deref().unwrap_or("-").to_string(),
                    KeyValue::Time(t) => Zone::Utc.rfc3339(*t),
                    KeyValue::Weekday(day) => day.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn names_sort_by_calls_then_name_with_the_missing_name_last() {
    let groups = summarize(day_of_calls(), &[GroupKey::Consultant], &Zone::Utc);
    assert_eq!(names(&groups), [["anna"], ["jan"], ["-"]]);
    assert_eq!(groups.iter().map(|g| g.figures.calls).collect::<Vec<_>>(), [3, 2, 1]);
    let groups = summarize(day_of_calls(), &[GroupKey::HangupSide], &Zone::Utc);
    assert_eq!(names(&groups), [["client"], ["consultant"], ["none"]]);
}

#[test]
fn nested_keys_keep_each_outer_group_together() {
    let groups = summarize(day_of_calls(), &[GroupKey::Hour, GroupKey::Consultant], &Zone::Utc);
    assert_eq!(
        names(&groups),
        [
            ["2026-03-10T09:00:00Z", "anna"],
            ["2026-03-10T10:00:00Z", "jan"],
            ["2026-03-10T11:00:00Z", "anna"],
            ["2026-03-10T11:00:00Z", "-"],
        ]
    );
    // anna has more calls overall, so her rows come first even where jan's row is larger.
    let mut calls = day_of_calls();
    calls.push(missed("2026-03-11 08:00:00", 5, Some("jan")));
    calls.push(missed("2026-03-11 08:10:00", 5, Some("jan")));
    calls.push(answered("2026-03-11 09:00:00", 5, 5, "client", "anna"));
    calls.push(answered("2026-03-11 09:10:00", 5, 5, "client", "anna"));
    let groups = summarize(calls, &[GroupKey::Consultant, GroupKey::Day], &Zone::Utc);
    let rows: Vec<(String, u64)> =
        names(&groups).into_iter().zip(&groups).map(|(n, g)| (n.join(" "), g.figures.calls)).collect();
    let expected = [
        ("anna 2026-03-10T00:00:00Z", 3),
        ("anna 2026-03-11T00:00:00Z", 2),
        ("jan 2026-03-10T00:00:00Z", 2),
        ("jan 2026-03-11T00:00:00Z", 2),
        ("- 2026-03-10T00:00:00Z", 1),
    ];
    assert_eq!(rows, expected.map(|(n, c)| (n.to_string(), c)));
}

#[test]
fn grouped_counts_add_up_to_the_ungrouped_ones_for_every_key() {
    let all = summarize(day_of_calls(), &[], &Zone::Utc).remove(0).figures;
    let keys = [
        GroupKey::Consultant,
        GroupKey::Project,
        GroupKey::Direction,
        GroupKey::Outcome,
        GroupKey::HangupSide,
        GroupKey::Day,
        GroupKey::Hour,
        GroupKey::CloseCause,
    ];
    for key in keys {
        let groups = summarize(day_of_calls(), &[key], &warsaw());
        let sum = |f: fn(&Figures) -> u64| groups.iter().map(|g| f(&g.figures)).sum::<u64>();
        assert_eq!(sum(|f| f.calls), all.calls, "{key:?}");
        assert_eq!(sum(|f| f.answered), all.answered, "{key:?}");
        assert_eq!(sum(|f| f.not_answered), all.not_answered, "{key:?}");
        assert_eq!(sum(|f| f.open), all.open, "{key:?}");
        assert_eq!(sum(|f| f.hangup_client), all.hangup_client, "{key:?}");
        assert_eq!(sum(|f| f.hangup_none), all.hangup_none, "{key:?}");
        assert_eq!(groups.iter().map(|g| g.figures.talk.total).sum::<i64>(), all.talk.total, "{key:?}");
    }
}

#[test]
fn another_leg_type_hanging_up_is_counted_apart() {
    let mut bot = answered("2026-03-10 09:00:00", 1, 1, "bot", "anna");
    bot.hangup_side = Cow::Owned("bot".to_string());
    let f = summarize(vec![bot], &[], &Zone::Utc).remove(0).figures;
    assert_eq!((f.hangup_client, f.hangup_consultant, f.hangup_none, f.hangup_other), (0, 0, 0, 1));
}

/// Every hour bucket of one local day in Warsaw, given one call every 20 minutes (UTC).
fn hours_of_day(day: &str) -> Vec<String> {
    let zone = warsaw();
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let since = zone.instant(date.and_time(NaiveTime::MIN)).unwrap();
    let until = zone.instant(date.succ_opt().unwrap().and_time(NaiveTime::MIN)).unwrap();
    let calls = (since..until).step_by(20 * 60).map(|t| CallFacts { start: t, ..open("2026-01-01 00:00:00") });
    let groups = summarize(calls, &[GroupKey::Hour], &zone);
    assert!(groups.iter().all(|g| g.figures.calls == 3), "three calls in every hour");
    groups.iter().map(|g| names_in(&zone, g)).collect()
}

fn names_in(zone: &Zone, group: &Group<'_>) -> String {
    match group.key[0] {
        KeyValue::Time(t) => zone.rfc3339(t),
        KeyValue::Name(_) | KeyValue::Weekday(_) => unreachable!("hours are times"),
    }
}

#[test]
fn spring_day_in_warsaw_has_23_hours() {
    let hours = hours_of_day("2026-03-29");
    assert_eq!(hours.len(), 23);
    assert_eq!(hours[..3], ["2026-03-29T00:00:00+01:00", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"]);
    assert_eq!(hours[22], "2026-03-29T23:00:00+02:00");
}

#[test]
fn autumn_day_in_warsaw_has_25_hours_and_the_repeated_hour_is_two_buckets() {
    let hours = hours_of_day("2026-10-25");
    assert_eq!(hours.len(), 25);
    assert_eq!(
        hours[1..5],
        [
            "2026-10-25T01:00:00+02:00",
            "2026-10-25T02:00:00+02:00",
            "2026-10-25T02:00:00+01:00",
            "2026-10-25T03:00:00+01:00"
        ]
    );
    assert_eq!(hours[24], "2026-10-25T23:00:00+01:00");
}

#[test]
fn days_start_at_local_midnight_whatever_the_offset() {
    let zone = warsaw();
    let start = |t: &str| zone.rfc3339(day_start(&zone, zone.parse_user_time(t).unwrap()));
    assert_eq!(start("2026-03-29 23:59:59"), "2026-03-29T00:00:00+01:00");
    assert_eq!(start("2026-03-30 00:00:00"), "2026-03-30T00:00:00+02:00");
    assert_eq!(start("2026-10-25T02:30:00+01:00"), "2026-10-25T00:00:00+02:00");
    // Where DST skips midnight (Chile, September 2026), the day starts at 01:00.
    let santiago: Zone = "America/Santiago".parse().unwrap();
    let t = santiago.parse_user_time("2026-09-06 12:00").unwrap();
    assert_eq!(santiago.rfc3339(day_start(&santiago, t)), "2026-09-06T01:00:00-03:00");
    assert_eq!(Zone::Utc.rfc3339(day_start(&Zone::Utc, utc("2026-03-10 13:14:15"))), "2026-03-10T00:00:00Z");
}

#[test]
fn hours_follow_half_hour_offsets() {
    let kolkata: Zone = "Asia/Kolkata".parse().unwrap();
    let t = utc("2026-03-10 04:50:00");
    assert_eq!(kolkata.rfc3339(hour_start(&kolkata, t)), "2026-03-10T10:00:00+05:30");
}

#[test]
fn interleaved_groups_keep_their_own_times() {
    // Calls of three consultants arrive interleaved; each group's spread is of its own calls
    // only, whatever the order its values were gathered in.
    let names = ["anna", "bartek", "celina"];
    let calls: Vec<CallFacts<'static>> = (0..30)
        .map(|i| answered("2026-03-10 09:00", 30 - i, 100 + i * 7 % 11, "client", names[i as usize % 3]))
        .collect();
    let groups = summarize(calls.clone(), &[GroupKey::Consultant], &Zone::Utc);
    assert_eq!(groups.len(), 3);
    for group in &groups {
        let KeyValue::Name(Some(name)) = &group.key[0] else { panic!("{:?}", group.key) };
        let mine: Vec<&CallFacts<'_>> = calls.iter().filter(|c| c.consultant == Some(name)).collect();
        let mut talk: Vec<i64> = mine.iter().filter_map(|c| c.talk_s).collect();
        let mut wait: Vec<i64> = mine.iter().filter_map(|c| c.wait_s).collect();
        talk.sort_unstable();
        wait.sort_unstable();
        let (mut want_talk, mut want_wait) = (spread_of(&talk), spread_of(&wait));
        want_talk.percentiles.truncate(2);
        want_wait.percentiles.truncate(2);
        assert_eq!(group.figures.talk, want_talk, "{name}");
        assert_eq!(group.figures.wait, want_wait, "{name}");
        assert_eq!(group.figures.wait.max, wait.last().copied());
    }
}

#[test]
fn permute_moves_every_item_to_its_place() {
    let items = vec!['a', 'b', 'c', 'd', 'e'];
    assert_eq!(permute(items.clone(), vec![2, 0, 1, 4, 3]), ['c', 'a', 'b', 'e', 'd']);
    assert_eq!(permute(items.clone(), vec![0, 1, 2, 3, 4]), items);
    assert_eq!(permute(items, vec![4, 3, 2, 1, 0]), ['e', 'd', 'c', 'b', 'a']);
    assert!(permute(Vec::<u8>::new(), Vec::new()).is_empty());
}

/// The spread of sorted values, computed the plain way: sum, mean and ranks of the list.
fn spread_of(sorted: &[i64]) -> Spread {
    let total: i64 = sorted.iter().sum();
    Spread {
        total,
        mean: Fixed::ratio(total.into(), sorted.len() as i128, MEAN_PLACES),
        percentiles: [50, 90, 1, 99, 100].iter().map(|&p| nearest_rank(sorted, p)).collect(),
        max: sorted.last().copied(),
    }
}

#[test]
fn counted_percentiles_are_those_of_the_values_one_by_one() {
    let values: Vec<i64> = (0..200).map(|i| (i * 37 % 23) as i64).collect();
    let mut sorted = values.clone();
    sorted.sort_unstable();
    for len in [0, 1, 2, 3, 10, 99, 200] {
        let some = &sorted[..len];
        let mut sub: Vec<(i64, u64)> = Vec::new();
        for &v in some {
            match sub.last_mut() {
                Some((last, n)) if *last == v => *n += 1,
                _ => sub.push((v, 1)),
            }
        }
        assert_eq!(Spread::of(&sub, &[50, 90, 1, 99, 100]), spread_of(some), "{len} values");
    }
}

#[test]
fn peaks_are_the_same_whatever_the_order_calls_settle_in() {
    // Calls of two consultants overlapping across hours, settling in a scrambled order, the
    // watermark moving on between them as the settling path moves it.
    let calls: Vec<CallFacts<'static>> = (0..40)
        .map(|i| {
            let start = format!("2026-03-10 {:02}:{:02}:00", 9 + i / 12, i * 5 % 60);
            answered(&start, 10, 600 + (i * 370 % 1900), "client", ["anna", "jan"][i as usize % 2])
        })
        .collect();
    for keys in [vec![], vec![GroupKey::Hour], vec![GroupKey::Consultant, GroupKey::Hour], vec![GroupKey::Consultant]] {
        let at_once = summarize(calls.clone(), &keys, &Zone::Utc);
        let mut fold = Fold::new(keys.clone(), Zone::Utc, Definitions::default());
        for batch in calls.chunks(4) {
            for call in batch.iter().rev() {
                fold.add(call);
            }
            // Every call still to come starts at or after the last start of this batch.
            fold.advance(batch.iter().map(|c| c.start).max());
        }
        assert_eq!(fold.finish(), at_once, "{keys:?}");
        assert!(at_once.iter().any(|g| g.figures.peak_concurrent > 1), "{keys:?}");
    }
}

#[test]
fn the_contact_center_rules_leave_open_calls_out_and_read_direction_in_any_case() {
    let definitions = Definitions { short_abandon: 20, ..Definitions::default() };
    let gave_up = missed("2026-03-10 10:00:00", 17, None);
    assert!(kpi::abandoned(&gave_up) && kpi::short_abandoned(&gave_up, definitions.short_abandon));
    assert!(!kpi::short_abandoned(&missed("2026-03-10 10:00:00", 20, None), 20), "20 s is not under 20 s");
    let lower = CallFacts { direction: Some("inbound"), ..gave_up.clone() };
    assert!(kpi::abandoned(&lower));
    let outbound = CallFacts { direction: Some("OUTBOUND"), ..gave_up.clone() };
    let by_consultant = CallFacts { hangup_side: Cow::Borrowed("consultant"), ..gave_up.clone() };
    assert!(!kpi::abandoned(&outbound) && !kpi::abandoned(&by_consultant));
    let waiting = CallFacts { direction: Some("INBOUND"), ..open("2026-03-10 11:30:00") };
    assert!(!kpi::inbound(&waiting) && !kpi::answered_in_sla(&waiting, &definitions));
    assert!(kpi::answered_in_sla(&answered("2026-03-10 09:00:00", 20, 60, "client", "anna"), &definitions));
    assert!(!kpi::answered_in_sla(&answered("2026-03-10 09:00:00", 21, 60, "client", "anna"), &definitions));
    let mut service = Service::default();
    for call in [gave_up, waiting, missed("2026-03-10 10:05:00", 40, None)] {
        service.add(&call, &definitions);
    }
    assert_eq!((service.inbound, service.abandoned, service.short_abandoned, service.answered_in_sla), (2, 2, 1, 0));
    assert_eq!((service.service_level(), service.abandon_rate()), (fixed(0, 4), fixed(10_000, 4)));
    assert_eq!(Service::default().service_level(), None);
}
