//! The contact-center figures of `summary` (inbound, abandoned, short abandons, service level,
//! abandon rate, peak concurrency), each computed again here, independently, from the
//! generator's truth and from hand-made calls, and compared with what callflow prints.

use std::io::Write;

use callflow_generate::{generate, Config, Truth};
use chrono::Datelike;
use serde_json::Value;

use crate::common::callflow;

/// Runs `summary --format json ARGS` over `log` and parses every row.
fn rows(log: &[u8], args: &[&str]) -> Vec<Value> {
    let out = callflow().arg("summary").args(args).args(["--format", "json"]).write_stdin(log).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The figures of one group, as this test computes them.
#[derive(Debug, PartialEq)]
struct Kpi {
    inbound: u64,
    abandoned: u64,
    short_abandoned: u64,
    answered_in_sla: u64,
    service_level: Option<f64>,
    abandon_rate: Option<f64>,
    peak_concurrent: u64,
}

impl Kpi {
    fn of_row(row: &Value) -> Kpi {
        let count = |name: &str| row[name].as_u64().unwrap_or_else(|| panic!("{name} in {row}"));
        Kpi {
            inbound: count("inbound"),
            abandoned: count("abandoned"),
            short_abandoned: count("short_abandoned"),
            answered_in_sla: count("answered_in_sla"),
            service_level: row["service_level"].as_f64(),
            abandon_rate: row["abandon_rate"].as_f64(),
            peak_concurrent: count("peak_concurrent"),
        }
    }
}

/// A call as the truth tells it: start, answer and end (`None` while open), and who hung up.
#[derive(Debug, Clone)]
struct Known {
    inbound: bool,
    start: i64,
    answered_at: Option<i64>,
    end: Option<i64>,
    outcome: String,
    hangup_side: String,
}

impl From<&Truth> for Known {
    fn from(t: &Truth) -> Self {
        Known {
            inbound: t.direction == "INBOUND",
            start: t.start,
            answered_at: t.answered_at,
            end: t.end,
            outcome: t.outcome.to_string(),
            hangup_side: t.hangup_side.to_string(),
        }
    }
}

/// `num / den` to 4 decimals, `None` for a zero denominator.
fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| (num as f64 * 10_000.0 / den as f64).round() / 10_000.0)
}

/// The calls in progress at `t` among `calls`: open ones left out, `[start, end)`.
fn in_progress(calls: &[&Known], t: i64) -> u64 {
    calls.iter().filter(|c| c.outcome != "open" && c.end.is_some_and(|end| c.start <= t && t < end)).count() as u64
}

/// The figures of the calls `members` (the group's own calls), with `lane` the calls whose
/// concurrency counts (for a bucket: every call of the other keys overlapping it) and
/// `bucket` the bucket's span, if the group is a time bucket.
fn expected(members: &[&Known], lane: &[&Known], bucket: Option<(i64, i64)>, sla: i64, short: i64) -> Kpi {
    let closed: Vec<&&Known> = members.iter().filter(|c| c.outcome != "open").collect();
    let inbound = closed.iter().filter(|c| c.inbound).count() as u64;
    let abandoned: Vec<&&&Known> =
        closed.iter().filter(|c| c.inbound && c.outcome == "not_answered" && c.hangup_side == "client").collect();
    let short_abandoned = abandoned.iter().filter(|c| c.end.unwrap() - c.start < short).count() as u64;
    let answered_in_sla = closed
        .iter()
        .filter(|c| c.inbound && c.outcome == "answered" && c.answered_at.unwrap() - c.start <= sla)
        .count() as u64;
    let instants: Vec<i64> = match bucket {
        Some((from, to)) => {
            std::iter::once(from).chain(lane.iter().map(|c| c.start).filter(|&s| from <= s && s < to)).collect()
        }
        None => lane.iter().map(|c| c.start).collect(),
    };
    let peak_concurrent = instants.iter().map(|&t| in_progress(lane, t)).max().unwrap_or(0);
    Kpi {
        inbound,
        abandoned: abandoned.len() as u64,
        short_abandoned,
        answered_in_sla,
        service_level: rate(answered_in_sla, inbound - short_abandoned),
        abandon_rate: rate(abandoned.len() as u64 - short_abandoned, inbound - short_abandoned),
        peak_concurrent,
    }
}

fn generated(config: &Config) -> (Vec<u8>, Vec<Known>) {
    let mut log = Vec::new();
    let truth = generate(config, &mut log).unwrap().truth;
    (log, truth.iter().map(Known::from).collect())
}

/// The start of the UTC hour or day holding `t`.
fn floor(t: i64, width: i64) -> i64 {
    t.div_euclid(width) * width
}

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp()
}

#[test]
fn every_figure_matches_the_truth_on_generated_days() {
    let configs =
        [Config::new(800, 51), Config { duplicates: 0.03, reorder: 0.03, open_tail: true, ..Config::new(1200, 52) }];
    for config in &configs {
        let (log, calls) = generated(config);
        for (sla, short) in [("20", "0"), ("10", "5"), ("60", "30")] {
            let defs = ["--sla", sla, "--short-abandon", short];
            let (sla, short) = (sla.parse().unwrap(), short.parse().unwrap());
            let all: Vec<&Known> = calls.iter().collect();
            let whole = rows(&log, &defs);
            assert_eq!(Kpi::of_row(&whole[0]), expected(&all, &all, None, sla, short));
            assert!(whole[0]["abandoned"].as_u64().unwrap() > 0);
            for (key, width) in [("hour", 3600), ("day", 86_400)] {
                for row in rows(&log, &[&["--by", key][..], &defs].concat()) {
                    let from = utc(row[key].as_str().unwrap());
                    let members: Vec<&Known> = calls.iter().filter(|c| floor(c.start, width) == from).collect();
                    let lane: Vec<&Known> = calls.iter().filter(|c| c.start < from + width).collect();
                    let want = expected(&members, &lane, Some((from, from + width)), sla, short);
                    assert_eq!(Kpi::of_row(&row), want, "--by {key} {from}");
                }
            }
            for row in rows(&log, &[&["--by", "hangup_side"][..], &defs].concat()) {
                let side = row["hangup_side"].as_str().unwrap();
                let members: Vec<&Known> = calls.iter().filter(|c| c.hangup_side == side).collect();
                assert_eq!(Kpi::of_row(&row), expected(&members, &members, None, sla, short), "{side}");
            }
        }
    }
}

/// A one-leg call of a client: created at `start`, answered at `answer`, closed at `end`
/// (`None`: still open), all times `HH:MM:SS` on one day.
fn call(n: u32, direction: &str, start: &str, answer: Option<&str>, end: Option<&str>) -> String {
    let uuid = format!("a0000000-0000-4000-8000-{n:012}");
    let line = |name: &str, time: &str, extra: &str| {
        format!(
            "{{\"event_type\":\"user_dialog\",\"event_name\":\"{name}\",\"event_time\":\"2026-03-10 {time}\",\
             \"dialog_uuid\":\"{uuid}\"{extra}}}\n"
        )
    };
    let create = format!(",\"business_direction\":\"{direction}\",\"state\":\"ringing\",\"dialog_type\":\"EXTERNAL\"");
    let mut text = line("dialog_create", start, &create);
    if let Some(answer) = answer {
        text += &line("dialog_state_update", answer, ",\"state\":\"talking\"");
    }
    if let Some(end) = end {
        text += &line("dialog_close", end, ",\"close_cause\":\"HANGUP\"");
    }
    text
}

fn log(calls: &[String]) -> Vec<u8> {
    let mut log = Vec::new();
    for call in calls {
        log.write_all(call.as_bytes()).unwrap();
    }
    log
}

fn hour_rows(log: &[u8], args: &[&str]) -> Vec<(String, Kpi)> {
    rows(log, &[&["--by", "hour"][..], args].concat())
        .iter()
        .map(|row| (row["hour"].as_str().unwrap()[11..16].to_owned(), Kpi::of_row(row)))
        .collect()
}

#[test]
fn a_call_crossing_the_hour_counts_in_the_next_hour_and_an_empty_call_nowhere() {
    let log = log(&[
        call(1, "INBOUND", "09:50:00", Some("09:50:05"), Some("10:20:00")),
        call(2, "INBOUND", "10:05:00", Some("10:05:30"), Some("10:10:00")),
        call(3, "INBOUND", "11:30:00", Some("11:30:10"), Some("12:10:00")),
        call(4, "INBOUND", "12:40:00", Some("12:40:01"), Some("12:45:00")),
        // Equal start and end: in progress at no instant.
        call(5, "INBOUND", "13:00:00", None, Some("13:00:00")),
        call(6, "INBOUND", "14:00:00", None, Some("14:00:00")),
        call(7, "INBOUND", "14:00:00", Some("14:00:02"), Some("14:05:00")),
        // Still open: left out of everything, though its hour has a row.
        call(8, "INBOUND", "15:00:00", Some("15:00:01"), None),
    ]);
    let peaks: Vec<(String, u64)> = hour_rows(&log, &[]).into_iter().map(|(h, k)| (h, k.peak_concurrent)).collect();
    let want = [("09:00", 1), ("10:00", 2), ("11:00", 1), ("12:00", 1), ("13:00", 0), ("14:00", 1), ("15:00", 0)];
    assert_eq!(peaks, want.map(|(h, n)| (h.to_owned(), n)));
    let whole = Kpi::of_row(&rows(&log, &[])[0]);
    assert_eq!(whole.peak_concurrent, 2);
    // 7 closed inbound calls, 2 of them empty calls hung up by the client before an answer;
    // call 2 waited 30 seconds, beyond the 20 of the service level.
    assert_eq!((whole.inbound, whole.abandoned, whole.answered_in_sla), (7, 2, 4));
}

#[test]
fn all_abandoned_empty_denominators_and_short_abandons() {
    let abandoned = [
        call(1, "INBOUND", "09:00:00", None, Some("09:00:03")),
        call(2, "INBOUND", "09:01:00", None, Some("09:01:10")),
        call(3, "INBOUND", "09:02:00", None, Some("09:02:40")),
    ];
    let all = Kpi::of_row(&rows(&log(&abandoned), &[])[0]);
    assert_eq!((all.inbound, all.abandoned, all.answered_in_sla), (3, 3, 0));
    assert_eq!((all.service_level, all.abandon_rate), (Some(0.0), Some(1.0)));
    // Every one a short abandon: nothing left to divide by.
    let short = Kpi::of_row(&rows(&log(&abandoned), &["--short-abandon", "60"])[0]);
    assert_eq!((short.short_abandoned, short.service_level, short.abandon_rate), (3, None, None));
    // Outbound calls only: no inbound call, no rate, and CSV fields left empty.
    let outbound = log(&[call(4, "OUTBOUND", "09:00:00", Some("09:00:05"), Some("09:01:00"))]);
    let out = Kpi::of_row(&rows(&outbound, &[])[0]);
    assert_eq!((out.inbound, out.service_level, out.abandon_rate, out.peak_concurrent), (0, None, None, 1));
    let csv = callflow().args(["summary", "--format", "csv"]).write_stdin(outbound).output().unwrap();
    assert!(String::from_utf8(csv.stdout).unwrap().ends_with(",0,0,0,0,,,1\n"));
    // Short abandons (under 10 s: only the 3-second one) leave both rates.
    let mut mixed = abandoned.to_vec();
    mixed.push(call(5, "INBOUND", "10:00:00", Some("10:00:05"), Some("10:03:00")));
    mixed.push(call(6, "INBOUND", "10:01:00", Some("10:01:30"), Some("10:04:00")));
    let kpi = Kpi::of_row(&rows(&log(&mixed), &["--short-abandon", "10s"])[0]);
    assert_eq!((kpi.inbound, kpi.abandoned, kpi.short_abandoned, kpi.answered_in_sla), (5, 3, 1, 1));
    assert_eq!((kpi.service_level, kpi.abandon_rate), (Some(0.25), Some(0.5)));
    let csv = callflow().args(["summary", "--format", "csv", "--sla", "30"]).write_stdin(log(&mixed)).output().unwrap();
    assert!(String::from_utf8(csv.stdout).unwrap().ends_with(",5,3,0,2,0.4000,0.6000,2\n"));
}

/// The nearest-rank percentile of sorted values, the textbook way.
fn nearest_rank(sorted: &[i64], pct: usize) -> Option<i64> {
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[test]
fn chosen_percentiles_are_columns_with_the_true_values() {
    let mut log = Vec::new();
    let truth = generate(&Config::new(700, 53), &mut log).unwrap().truth;
    let pcts = [50, 95, 99, 1, 100];
    for row in rows(&log, &["--by", "consultant", "--percentiles", "50,95,99,1,100"]) {
        let consultant = row["consultant"].as_str().map(String::from);
        let answered: Vec<&Truth> =
            truth.iter().filter(|t| t.consultant == consultant && t.outcome == "answered").collect();
        let mut talk: Vec<i64> = answered.iter().map(|t| t.end.unwrap() - t.answered_at.unwrap()).collect();
        let mut wait: Vec<i64> = answered.iter().map(|t| t.answered_at.unwrap() - t.start).collect();
        talk.sort_unstable();
        wait.sort_unstable();
        for pct in pcts {
            assert_eq!(row[format!("talk_s_p{pct}")].as_i64(), nearest_rank(&talk, pct), "p{pct} {row}");
            assert_eq!(row[format!("wait_s_p{pct}")].as_i64(), nearest_rank(&wait, pct), "p{pct} {row}");
        }
        assert!(row.get("talk_s_p90").is_none());
    }
    let csv = callflow().args(["summary", "--format", "csv", "--percentiles", "95"]).write_stdin(log.clone()).output();
    let header = String::from_utf8(csv.unwrap().stdout).unwrap().lines().next().unwrap().to_owned();
    assert!(header.contains(",talk_s_mean,talk_s_p95,talk_s_max,wait_s_mean,wait_s_p95,wait_s_max,"), "{header}");
    for bad in ["0", "101", "fifty"] {
        let out = callflow().args(["summary", "--percentiles", bad]).write_stdin(log.clone()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn the_table_shows_the_two_rates_and_the_rest_with_kpi() {
    let shorts = [
        call(1, "INBOUND", "09:00:00", None, Some("09:00:03")),
        call(2, "INBOUND", "09:01:00", Some("09:01:05"), Some("09:03:00")),
        call(3, "INBOUND", "09:02:00", Some("09:02:50"), Some("09:04:00")),
    ];
    let table = |extra: &[&str]| {
        let out = callflow().args(["summary"]).args(extra).write_stdin(log(&shorts)).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = table(&[]);
    let words =
        |text: &str| text.lines().take(4).flat_map(|l| l.split_whitespace()).map(String::from).collect::<Vec<_>>();
    assert!(words(&plain).windows(2).any(|w| w == ["Service", "Abandon"]), "{plain}");
    assert!(!plain.contains("Inbound") && !plain.contains("Peak"), "{plain}");
    // One answered within 20 s of three inbound calls; one abandoned.
    assert!(plain.lines().nth(4).unwrap().ends_with(" 33.3%   33.3%"), "{plain}");
    let kpi = table(&["--kpi", "--short-abandon", "5"]);
    let header = words(&kpi);
    for word in ["Inbound", "Short", "SLA", "Peak"] {
        assert!(header.iter().any(|w| w == word), "{word}: {kpi}");
    }
    // The short abandon leaves the rates: one of two answered in time, none abandoned.
    assert!(kpi.lines().nth(4).unwrap().ends_with(" 3     1      1   1   50.0%    0.0%     2"), "{kpi}");
}

#[test]
fn calls_outcome_abandoned_lists_the_calls_the_summary_counts() {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.02, reorder: 0.02, open_tail: true, ..Config::new(900, 54) };
    let truth = generate(&config, &mut log).unwrap().truth;
    let listed = |args: &[&str]| -> Vec<String> {
        let mut cmd = callflow();
        cmd.args(["calls", "--format", "csv", "--no-header", "--columns", "call_id"]).args(args);
        let out = cmd.write_stdin(log.clone()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
    };
    let ids = |keep: &dyn Fn(&Truth) -> bool| -> Vec<String> {
        let mut kept: Vec<&Truth> = truth.iter().filter(|t| keep(t)).collect();
        kept.sort_by_key(|t| (t.start, t.call_id.clone()));
        kept.iter().map(|t| t.call_id.clone()).collect()
    };
    let abandoned = |t: &Truth| t.direction == "INBOUND" && t.outcome == "not_answered" && t.hangup_side == "client";
    let want = ids(&abandoned);
    assert!(want.len() > 10, "{} abandoned calls", want.len());
    assert_eq!(listed(&["--outcome", "abandoned"]), want);
    let short = ids(&|t: &Truth| abandoned(t) && t.end.unwrap() - t.start < 15);
    assert!(!short.is_empty() && short.len() < want.len(), "{} short of {}", short.len(), want.len());
    assert_eq!(listed(&["--outcome", "short_abandoned", "--short-abandon", "15"]), short);
    assert!(listed(&["--outcome", "short-abandoned"]).is_empty(), "none is short under the default 0");
    let summary = rows(&log, &["--short-abandon", "15"]);
    assert_eq!(summary[0]["abandoned"].as_u64(), Some(want.len() as u64));
    assert_eq!(summary[0]["short_abandoned"].as_u64(), Some(short.len() as u64));
}

#[test]
fn weekdays_run_monday_first_and_clients_by_calls() {
    let mut log = Vec::new();
    let mut truth = Vec::new();
    // A Sunday and the Monday after it.
    for (day, seed) in [("2026-03-08", 55), ("2026-03-09", 56)] {
        let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        truth.extend(generate(&Config { date, ..Config::new(300, seed) }, &mut log).unwrap().truth);
    }
    let weekdays = rows(&log, &["--by", "weekday"]);
    let named: Vec<(&str, u64)> =
        weekdays.iter().map(|r| (r["weekday"].as_str().unwrap(), r["calls"].as_u64().unwrap())).collect();
    let on = |weekday: u32| {
        truth
            .iter()
            .filter(|t| {
                chrono::DateTime::from_timestamp(t.start, 0).unwrap().weekday().num_days_from_monday() == weekday
            })
            .count() as u64
    };
    assert_eq!(named, [("Monday", on(0)), ("Sunday", on(6))]);
    let clients = rows(&log, &["--by", "client"]);
    let mut previous = u64::MAX;
    for row in &clients {
        let client = row["client"].as_str().map(String::from);
        let calls = row["calls"].as_u64().unwrap();
        assert_eq!(calls, truth.iter().filter(|t| t.client == client).count() as u64, "{client:?}");
        assert!(calls <= previous || client.is_none());
        previous = calls;
    }
    assert!(clients.len() > 10);
}

/// Runs `summary --format csv ARGS` over `log`: the header, and each row by its first field.
fn csv_rows(log: &[u8], args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let out = callflow().args(["summary", "--format", "csv"]).args(args).write_stdin(log).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

#[test]
fn compare_reports_both_periods_as_separate_runs_would_and_their_differences() {
    let mut log = Vec::new();
    for (day, seed) in [("2026-03-02", 57), ("2026-03-09", 58)] {
        let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        generate(&Config { date, duplicates: 0.02, reorder: 0.02, ..Config::new(400, seed) }, &mut log).unwrap();
    }
    let shift = |hour: &str| {
        let t = utc(hour) - 7 * 86_400;
        chrono::DateTime::from_timestamp(t, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    for by in [&[][..], &["--by", "hour"][..]] {
        let (header, rows) = csv_rows(&log, &[&["--day", "2026-03-09", "--compare", "1w"][..], by].concat());
        let (plain_header, now) = csv_rows(&log, &[&["--day", "2026-03-09"][..], by].concat());
        let (_, then) = csv_rows(&log, &[&["--day", "2026-03-02"][..], by].concat());
        let keys = by.len() / 2;
        let figures = &plain_header[keys..];
        assert_eq!(header.len(), keys + 3 * figures.len());
        assert!(rows.len() > 5 || by.is_empty(), "{rows:?}");
        for row in &rows {
            let at = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
            let key: Vec<String> = row[..keys].to_vec();
            let earlier_key: Vec<String> = key.iter().map(|hour| shift(hour)).collect();
            let want_now = now.iter().find(|r| r[..keys] == key[..]).unwrap();
            let want_then = then.iter().find(|r| r[..keys] == earlier_key[..]).unwrap();
            for (i, name) in figures.iter().enumerate() {
                let (a, b) = (&want_now[keys + i], &want_then[keys + i]);
                assert_eq!((&at(name), &at(&format!("{name}_earlier"))), (a, b), "{name} {key:?}");
                let rate = ["answer_rate", "service_level", "abandon_rate"].contains(&name.as_str());
                let diff = at(&format!("{name}{}", if rate { "_diff_pp" } else { "_diff" }));
                match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(a), Ok(b)) => {
                        let want = if rate { (a - b) * 100.0 } else { a - b };
                        assert!((diff.parse::<f64>().unwrap() - want).abs() < 1e-9, "{name}: {diff} vs {want}");
                    }
                    _ => assert_eq!(diff, "", "{name}"),
                }
            }
        }
    }
}

#[test]
fn compare_says_when_the_earlier_period_is_not_in_the_inputs() {
    let mut log = Vec::new();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    generate(&Config { date, ..Config::new(200, 59) }, &mut log).unwrap();
    let args = ["summary", "--day", "2026-03-09", "--compare", "1w"];
    let out = callflow().args(args).args(["--format", "csv"]).write_stdin(log.clone()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not compared: the inputs hold no call in the earlier period (2026-03-02"), "{stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[0], "200");
    assert!(row[row.len() * 2 / 3..].iter().all(|f| f.is_empty()), "no differences from nothing: {text}");
    let table = callflow().args(args).write_stdin(log.clone()).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("\nNot compared: the inputs hold no call in the earlier period"), "{table}");
    assert!(!table.contains('▲') && !table.contains('▼'));
    let usage = callflow().args(["summary", "--compare", "1w"]).write_stdin(log).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn the_compared_table_marks_each_figure_up_or_down_above_the_earlier_line() {
    let mut log = Vec::new();
    for (day, calls, seed) in [("2026-03-02", 150, 60), ("2026-03-09", 180, 61)] {
        let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        generate(&Config { date, ..Config::new(calls, seed) }, &mut log).unwrap();
    }
    let out = callflow().args(["summary", "--day", "2026-03-09", "--compare", "1w"]).write_stdin(log).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[1].starts_with("Period "), "{table}");
    // More calls this week than last (180 generated against 150, give or take a midnight).
    let (now, then) = (lines[4], lines[5]);
    assert!(now.starts_with("2026-03-09 ") && now.split_whitespace().nth(2) == Some("▲"), "{table}");
    assert!(now.matches(['▲', '▼', '=']).count() >= 10, "{table}");
    assert!(then.starts_with("2026-03-02 ") && !then.contains(['▲', '▼', '=']), "{table}");
}
