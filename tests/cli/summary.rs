//! `callflow summary`: every figure on the core fixtures, grouped counts adding up, the DST
//! days in Europe/Warsaw, cron attribution, the three formats, the charts, and the README.

use serde::Deserialize;

use callflow::cmd::summary::{self, Report};
use callflow::config::{OutputSettings, Terminal};
use callflow::input::InputSpec;
use callflow::load::{self, LoadOptions};
use callflow::metrics::aggregate::GroupKey;
use callflow::render::csv_layout::CsvLayout;
use callflow::render::Format;
use callflow::report::select::Selection;
use callflow::report::timefmt::Zone;

use crate::common::{callflow, fixture};

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

/// One fixture per kind of call: answered three ways, unanswered twice, incomplete, open.
fn core_fixtures() -> Vec<String> {
    [
        "seed_outbound",
        "inbound_multi_offer",
        "blind_transfer",
        "outbound_unanswered",
        "inbound_abandoned",
        "incomplete_and_open",
    ]
    .iter()
    .map(|n| path(&format!("{n}.ndjson")))
    .collect()
}

const SPRING: &str = "dst_spring_warsaw.ndjson";
const AUTUMN: &str = "dst_autumn_warsaw.ndjson";

/// Runs `callflow summary ARGS` and returns stdout, checking it succeeded.
fn summary(args: &[&str]) -> String {
    let out = callflow().arg("summary").args(args).output().expect("run callflow");
    assert!(out.status.success(), "callflow failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs `summary --format json` over `files` and parses every row.
fn rows(files: &[String], args: &[&str]) -> Vec<RowJson> {
    let mut all: Vec<&str> = files.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    summary(&all).lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

/// One line of `summary --format json`: the figures exactly, and whichever key columns were asked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowJson {
    #[serde(default)]
    consultant: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    hangup_side: Option<String>,
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    hour: Option<String>,
    #[serde(default)]
    close_cause: Option<String>,
    #[serde(default)]
    weekday: Option<String>,
    #[serde(default)]
    client: Option<String>,
    calls: u64,
    answered: u64,
    not_answered: u64,
    open: u64,
    answer_rate: Option<f64>,
    hangup_client: u64,
    hangup_consultant: u64,
    hangup_none: u64,
    hangup_other: u64,
    talk_s_total: i64,
    talk_s_mean: Option<f64>,
    talk_s_p50: Option<i64>,
    talk_s_p90: Option<i64>,
    talk_s_max: Option<i64>,
    wait_s_mean: Option<f64>,
    wait_s_p50: Option<i64>,
    wait_s_p90: Option<i64>,
    wait_s_max: Option<i64>,
    duration_s_mean: Option<f64>,
    inbound: u64,
    abandoned: u64,
    short_abandoned: u64,
    answered_in_sla: u64,
    service_level: Option<f64>,
    abandon_rate: Option<f64>,
    peak_concurrent: u64,
}

#[test]
fn every_figure_over_the_core_fixtures() {
    let all = rows(&core_fixtures(), &[]);
    assert_eq!(all.len(), 1);
    let r = &all[0];
    // seed, multi-offer, transfer and the incomplete leg talked; two rang out; one is open.
    assert_eq!((r.calls, r.answered, r.not_answered, r.open), (7, 4, 2, 1));
    assert_eq!(r.answer_rate, Some(0.667));
    // The incomplete leg's type is unknown, so its hangup is "other".
    assert_eq!((r.hangup_client, r.hangup_consultant, r.hangup_none, r.hangup_other), (3, 2, 1, 1));
    // Talk 8, 95, 174, 30; wait 20, 30, 6, 0; durations 28, 125, 180, 33, 19, 30.
    assert_eq!(
        (r.talk_s_total, r.talk_s_mean, r.talk_s_p50, r.talk_s_p90, r.talk_s_max),
        (307, Some(76.8), Some(30), Some(174), Some(174))
    );
    assert_eq!((r.wait_s_mean, r.wait_s_p50, r.wait_s_p90, r.wait_s_max), (Some(14.0), Some(6), Some(30), Some(30)));
    assert_eq!(r.duration_s_mean, Some(69.2));
}

#[test]
fn csv_has_fixed_decimals_and_empty_fields_where_there_is_nothing_to_average() {
    let mut args: Vec<String> = core_fixtures();
    args.extend(["--by", "direction,outcome", "--format", "csv"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    insta::assert_snapshot!(summary(&args));
}

#[test]
fn grouped_counts_add_up_to_the_ungrouped_ones_for_every_key() {
    let mut files = core_fixtures();
    files.extend([path(SPRING), path(AUTUMN)]);
    let total = rows(&files, &[]).remove(0);
    let keys = [
        "consultant",
        "project",
        "direction",
        "outcome",
        "hangup-side",
        "day",
        "hour",
        "close-cause",
        "weekday",
        "client",
    ];
    for key in keys {
        let groups = rows(&files, &["--by", key, "--tz", "Europe/Warsaw"]);
        assert!(groups.len() > 1, "--by {key} should split the calls");
        let sum = |f: fn(&RowJson) -> u64| groups.iter().map(f).sum::<u64>();
        assert_eq!(sum(|r| r.calls), total.calls, "--by {key}");
        assert_eq!(sum(|r| r.answered), total.answered, "--by {key}");
        assert_eq!(sum(|r| r.not_answered), total.not_answered, "--by {key}");
        assert_eq!(sum(|r| r.open), total.open, "--by {key}");
        assert_eq!(sum(|r| r.hangup_client), total.hangup_client, "--by {key}");
        assert_eq!(sum(|r| r.hangup_consultant), total.hangup_consultant, "--by {key}");
        assert_eq!(sum(|r| r.hangup_none), total.hangup_none, "--by {key}");
        assert_eq!(sum(|r| r.hangup_other), total.hangup_other, "--by {key}");
        assert_eq!(groups.iter().map(|r| r.talk_s_total).sum::<i64>(), total.talk_s_total, "--by {key}");
    }
    assert_eq!(total.calls, total.hangup_client + total.hangup_consultant + total.hangup_none + total.hangup_other);
}

fn hours(file: &str, day: &str) -> Vec<(String, u64)> {
    let rows = rows(&[path(file)], &["--day", day, "--tz", "Europe/Warsaw", "--by", "hour"]);
    rows.into_iter().map(|r| (r.hour.expect("an hour column"), r.calls)).collect()
}

#[test]
fn the_spring_day_in_warsaw_has_23_hours() {
    let hours = hours(SPRING, "2026-03-29");
    assert_eq!(hours.len(), 23, "{hours:?}");
    let names: Vec<&str> = hours.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(names[..3], ["2026-03-29T00:00:00+01:00", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"]);
    assert_eq!(names[22], "2026-03-29T23:00:00+02:00");
    // The call at 00:00:00 sharp counts in the first hour, with the one at 00:10.
    assert_eq!(hours[0].1, 2);
    assert!(hours[1..].iter().all(|(_, calls)| *calls == 1), "{hours:?}");
}

#[test]
fn the_autumn_day_in_warsaw_has_25_hours_and_the_repeated_hour_twice() {
    let hours = hours(AUTUMN, "2026-10-25");
    assert_eq!(hours.len(), 25, "{hours:?}");
    let expected = [
        ("2026-10-25T02:00:00+02:00".to_string(), 3),
        ("2026-10-25T02:00:00+01:00".to_string(), 1),
        ("2026-10-25T03:00:00+01:00".to_string(), 1),
    ];
    assert_eq!(hours[2..5], expected);
    assert_eq!(hours[24].0, "2026-10-25T23:00:00+01:00");
}

#[test]
fn a_day_counts_the_calls_that_started_in_it() {
    let days = rows(&[path(SPRING)], &["--tz", "Europe/Warsaw", "--by", "day"]);
    let days: Vec<(&str, u64)> = days.iter().map(|r| (r.day.as_deref().unwrap(), r.calls)).collect();
    // The call begun at 23:59:30 and ended after midnight belongs to the 28th.
    assert_eq!(
        days,
        [("2026-03-28T00:00:00+01:00", 2), ("2026-03-29T00:00:00+01:00", 24), ("2026-03-30T00:00:00+02:00", 1)]
    );
    let day = rows(&[path(SPRING)], &["--tz", "Europe/Warsaw", "--day", "2026-03-29"]);
    assert_eq!(day[0].calls, 24);
    let utc_day = rows(&[path(SPRING)], &["--day", "2026-03-29"]);
    assert_eq!(utc_day[0].calls, 23, "in UTC the day starts an hour later and lasts 24 hours");
}

#[test]
fn groups_sort_by_calls_then_name_and_times_chronologically() {
    let consultants: Vec<Option<String>> =
        rows(&core_fixtures(), &["--by", "consultant"]).into_iter().map(|r| r.consultant).collect();
    let name = |s: &str| Some(s.to_string());
    assert_eq!(
        consultants,
        [
            None,
            name("anna.nowak"),
            name("jan.kowalski"),
            name("marta.lis"),
            name("piotr.wisniewski"),
            name("pkowalski")
        ],
        "the two calls without a consultant come first by count"
    );
    let mut files = core_fixtures();
    files.push(path(AUTUMN));
    let consultants: Vec<(Option<String>, u64)> =
        rows(&files, &["--by", "consultant"]).into_iter().map(|r| (r.consultant, r.calls)).collect();
    assert_eq!(consultants[..3], [(name("ewa.zielinska"), 16), (name("tomasz.wojcik"), 15), (None, 2)]);
}

#[test]
fn json_rows_put_the_key_columns_first_and_write_null_for_missing_values() {
    let mut args: Vec<String> = core_fixtures();
    args.extend(["--by", "consultant,outcome", "--format", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = summary(&args).lines().next().unwrap().to_string();
    assert!(first.starts_with(r#"{"consultant":null,"outcome":"answered","calls":1,"#), "{first}");
    let open = summary(&args).lines().find(|l| l.contains(r#""outcome":"open""#)).unwrap().to_string();
    assert!(open.contains(r#""answer_rate":null,"#), "{open}");
    assert!(open.contains(r#""talk_s_total":0,"talk_s_mean":null,"talk_s_p50":null,"#), "{open}");
}

#[test]
fn no_calls_is_one_row_of_zeros_ungrouped_and_just_the_header_grouped() {
    let seed = path("seed_outbound.ndjson");
    let csv = summary(&[&seed, "--day", "2030-01-01", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("calls,answered,not_answered,open,answer_rate,"));
    assert_eq!(lines[1], "0,0,0,0,,0,0,0,0,0,,,,,,,,,,0,0,0,0,,,0");
    let csv = summary(&[&seed, "--day", "2030-01-01", "--format", "csv", "--by", "day"]);
    assert_eq!(csv.lines().count(), 1);
    assert!(csv.starts_with("day,calls,"));
}

#[test]
fn quality_goes_below_the_table_or_to_stderr() {
    let messy = path("messy.ndjson");
    let table = callflow().args(["summary", &messy]).output().unwrap();
    let stdout = String::from_utf8(table.stdout).unwrap();
    let footer = "Data quality: 17 lines read, 5 bad lines, 1 duplicate dropped; 0 open calls, 0 incomplete calls\n";
    assert!(stdout.ends_with(footer), "{stdout}");
    assert!(!String::from_utf8(table.stderr).unwrap().contains("data quality"));
    for format in ["csv", "json"] {
        let out = callflow().args(["summary", &messy, "--format", format]).output().unwrap();
        assert!(out.status.success());
        assert!(!String::from_utf8(out.stdout).unwrap().contains("quality"), "{format}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.ends_with(&format!("callflow: data quality: {}", &footer["Data quality: ".len()..])),
            "{stderr}"
        );
    }
    let strict = callflow().args(["summary", &messy, "--strict", "--format", "csv"]).output().unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn the_table_in_a_pipe_has_no_chart() {
    let mut args: Vec<String> = core_fixtures();
    args.extend(["--by", "consultant"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let table = summary(&args);
    assert!(!table.contains('█') && !table.contains("Hung up by"), "{table}");
    // The leg of unknown type that hung up gets its column, so each row's split adds up.
    let header_words =
        |line: &str| line.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w == ["none", "other"]);
    assert!(table.lines().any(header_words), "{table}");
    insta::assert_snapshot!(table);
}

/// Renders the table as a terminal would get it (charts on), without needing a terminal.
fn table_with_charts(file: &str, keys: Vec<GroupKey>, day: &str) -> String {
    let zone: Zone = "Europe/Warsaw".parse().unwrap();
    let loaded = load::load(&[InputSpec::Path(fixture(file))], &LoadOptions::default()).unwrap();
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let at = |d: chrono::NaiveDate| zone.instant(d.and_time(chrono::NaiveTime::MIN)).unwrap();
    let selection =
        Selection { since: Some(at(date)), until: Some(at(date.succ_opt().unwrap())), ..Selection::default() };
    let report = Report::new(&loaded, &selection, keys, &zone);
    let output =
        OutputSettings { format: Format::Table, zone, terminal: Terminal::default(), csv: CsvLayout::default() };
    let mut out = Vec::new();
    summary::write(&report, &output, true, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn on_a_terminal_the_table_has_the_hangup_split_and_calls_per_hour() {
    let text = table_with_charts(AUTUMN, vec![GroupKey::Hour], "2026-10-25");
    assert!(text.contains("Hung up by\n"), "{text}");
    assert!(text.contains("\nCalls per hour (Europe/Warsaw)\n"), "{text}");
    assert!(text.contains("  2026-10-25 02:00+02:00  ██████████████████████████████ 3\n"), "{text}");
    assert!(text.contains("  2026-10-25 02:00+01:00  ██████████                     1\n"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn the_volume_chart_shows_empty_buckets_between_busy_ones() {
    let text = table_with_charts(SPRING, vec![GroupKey::Consultant, GroupKey::Day], "2026-03-29");
    assert!(
        text.contains("Calls per day (Europe/Warsaw)\n  2026-03-29  ██████████████████████████████ 24\n"),
        "{text}"
    );
    let two_days = {
        let zone: Zone = "Europe/Warsaw".parse().unwrap();
        let inputs = [InputSpec::Path(fixture(SPRING)), InputSpec::Path(fixture(AUTUMN))];
        let loaded = load::load(&inputs, &LoadOptions::default()).unwrap();
        let report = Report::new(&loaded, &Selection::default(), vec![GroupKey::Day], &zone);
        let output =
            OutputSettings { format: Format::Table, zone, terminal: Terminal::default(), csv: CsvLayout::default() };
        let mut out = Vec::new();
        summary::write(&report, &output, true, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    // From 28 March to 26 October: 213 days, most of them empty, is too many to chart.
    assert!(
        two_days.contains("Calls per day (Europe/Warsaw): more than 100 buckets, too many to chart\n"),
        "{two_days}"
    );
}

#[test]
fn by_takes_commas_aliases_and_refuses_unknown_keys() {
    let seed = path("seed_outbound.ndjson");
    let csv = summary(&[&seed, "--by", "hangup_side,close-cause", "--by", "hangup-side", "--format", "csv"]);
    assert!(csv.starts_with("hangup_side,close_cause,calls,"), "{csv}");
    let out = callflow().args(["summary", &seed, "--by", "week"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_documents_the_columns_and_edge_cases() {
    let out = callflow().args(["summary", "--help"]).env("COLUMNS", "100").output().unwrap();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// The README's summary section.
fn readme_section() -> String {
    let readme = std::fs::read_to_string(fixture("../../README.md")).unwrap();
    readme.split("\n## ").find(|s| s.starts_with("Daily summary")).expect("a summary section").to_string()
}

/// The bodies of the section's fenced blocks.
fn blocks(section: &str) -> Vec<&str> {
    section.split("```").skip(1).step_by(2).map(|block| block.split_once('\n').map_or("", |(_, body)| body)).collect()
}

#[test]
fn the_readme_shows_a_table_a_cron_csv_and_a_real_chart() {
    // The examples' output is checked, with every other README example, in `readme.rs`.
    let section = readme_section();
    let commands: Vec<&str> =
        blocks(&section).into_iter().filter_map(|b| b.strip_prefix("$ callflow summary ")).collect();
    assert!(commands.iter().any(|c| c.lines().next().is_some_and(|c| c.contains("--format csv"))), "a CSV example");
    assert!(commands.iter().any(|c| c.lines().next().is_some_and(|c| !c.contains("--format"))), "a table example");
    let chart = blocks(&section).into_iter().find(|b| b.starts_with("Hung up by")).expect("a chart");
    let terminal = table_with_charts(AUTUMN, vec![GroupKey::Consultant], "2026-10-25");
    assert!(terminal.contains(chart), "{terminal}");
}
