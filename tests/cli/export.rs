//! `export` and `calls --format parquet`, read back with the parquet crate: every row of the
//! three tables held against the JSON and CSV output of the same input, the types and the
//! partition layout, re-runs that replace only their partitions, and the shard recipe (one
//! run per day over the day's file and its neighbours, in parallel) against one run over all.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use callflow_generate::{generate, Config};
use chrono::{NaiveDate, NaiveDateTime};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use serde_json::{Map, Value};

use crate::common::{callflow, calls_csv};

/// Columns as (name, type, nullable).
type Columns<'a> = Vec<(&'a str, &'a DataType, bool)>;

/// A row read back: column name -> value, in JSON terms (times as RFC 3339 UTC).
type Row = Map<String, Value>;

/// A table file read back: its rows and its key-value metadata.
struct Table {
    rows: Vec<Row>,
    batches: Vec<RecordBatch>,
    metadata: BTreeMap<String, String>,
    compression: Vec<Compression>,
}

fn read(path: &Path) -> Table {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let meta = builder.metadata().clone();
    let metadata = meta.file_metadata().key_value_metadata().into_iter().flatten();
    let metadata = metadata.map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default())).collect();
    let compression =
        meta.row_groups().iter().flat_map(|group| group.columns().iter().map(|column| column.compression())).collect();
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(Result::unwrap).collect();
    let rows = batches.iter().flat_map(rows_of).collect();
    Table { rows, batches, metadata, compression }
}

fn rows_of(batch: &RecordBatch) -> Vec<Row> {
    (0..batch.num_rows())
        .map(|i| {
            let schema = batch.schema();
            schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(field, column)| (field.name().clone(), cell(column, i)))
                .collect()
        })
        .collect()
}

/// One cell as JSON: the types an export may hold, and no other.
fn cell(column: &dyn Array, i: usize) -> Value {
    if column.is_null(i) {
        return Value::Null;
    }
    match column.data_type() {
        DataType::Utf8 => column.as_string::<i32>().value(i).into(),
        DataType::Dictionary(..) => {
            let dictionary = column.as_dictionary::<Int32Type>();
            let key = dictionary.keys().value(i) as usize;
            dictionary.values().as_string::<i32>().value(key).into()
        }
        DataType::Int64 => column.as_primitive::<Int64Type>().value(i).into(),
        DataType::Int32 => column.as_primitive::<Int32Type>().value(i).into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(zone)) if &**zone == "UTC" => {
            let micros = column.as_primitive::<TimestampMicrosecondType>().value(i);
            assert_eq!(micros % 1_000_000, 0, "whole seconds");
            let time = chrono::DateTime::from_timestamp(micros / 1_000_000, 0).unwrap();
            time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into()
        }
        DataType::List(_) => {
            let list = column.as_list::<i32>().value(i);
            let names = list.as_string::<i32>();
            names.iter().map(|name| Value::from(name.unwrap())).collect()
        }
        other => panic!("unexpected type {other}"),
    }
}

/// A generated day's log.
fn day_log(config: &Config) -> String {
    let mut bytes = Vec::new();
    generate(config, &mut bytes).unwrap();
    String::from_utf8(bytes).unwrap()
}

/// Runs callflow and returns stdout; it must succeed.
fn run(args: &[&str], files: &[PathBuf]) -> String {
    let out = callflow().args(args).args(files).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json_lines(text: &str) -> Vec<Row> {
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Every file of a table under `root`, by partition folder name, read back.
fn partitions(root: &Path, table: &str) -> BTreeMap<String, Vec<Table>> {
    let mut found = BTreeMap::new();
    for day in std::fs::read_dir(root.join(table)).unwrap() {
        let day = day.unwrap().path();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&day).unwrap().map(|f| f.unwrap().path()).collect();
        files.retain(|file| file.extension().is_some_and(|ext| ext == "parquet"));
        files.sort();
        let name = day.file_name().unwrap().to_str().unwrap().to_owned();
        found.insert(name, files.iter().map(|file| read(file)).collect());
    }
    found
}

/// All rows of a table under `root`, partition by partition, with the partition's day.
fn all_rows(root: &Path, table: &str) -> Vec<(String, Row)> {
    let mut rows = Vec::new();
    for (day, files) in partitions(root, table) {
        for file in files {
            rows.extend(file.rows.into_iter().map(|row| (day.clone(), row)));
        }
    }
    rows
}

/// The partition folder of a call starting at `start` (RFC 3339 UTC).
fn day_of(start: &Value) -> String {
    format!("day={}", &start.as_str().unwrap()[..10])
}

fn messy(calls: usize, seed: u64) -> Config {
    Config { duplicates: 0.05, reorder: 0.05, open_tail: true, ..Config::new(calls, seed) }
}

#[test]
fn every_row_of_the_three_tables_is_what_calls_and_timeline_say() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("day.ndjson");
    std::fs::write(&log, day_log(&messy(400, 11))).unwrap();
    let out = dir.path().join("out");
    run(&["export", "--out", out.to_str().unwrap()], std::slice::from_ref(&log));

    let calls = json_lines(&run(&["calls", "--format", "json"], std::slice::from_ref(&log)));
    let stories = json_lines(&run(&["timeline", "--format", "json"], std::slice::from_ref(&log)));
    assert_eq!(calls.len(), 400);
    assert!(calls.iter().any(|c| c["flags"].as_array().is_some_and(|f| !f.is_empty())), "a flagged call");

    let exported = all_rows(&out, "calls");
    assert_eq!(exported.len(), calls.len());
    for ((day, got), mut want) in exported.into_iter().zip(calls) {
        want.remove("legs_detail");
        assert_eq!(day, day_of(&want["start"]));
        assert_eq!(got, want);
    }

    let (mut legs, mut events) = (Vec::new(), Vec::new());
    for story in &stories {
        let call_id = &story["call"]["call_id"];
        for leg in story["legs"].as_array().unwrap() {
            let mut row = Row::new();
            row.insert("call_id".into(), call_id.clone());
            for column in
                ["dialog_uuid", "dialog_type", "parent", "created", "answered", "closed", "close_cause", "ring_s"]
            {
                row.insert(column.into(), leg[column].clone());
            }
            legs.push(row);
        }
        for event in story["events"].as_array().unwrap().iter().filter(|e| e["duplicate"] == false) {
            let mut row = Row::new();
            row.insert("call_id".into(), call_id.clone());
            for (column, from) in [("dialog_uuid", "dialog_uuid"), ("event_name", "event_name"), ("event_time", "time")]
            {
                row.insert(column.into(), event[from].clone());
            }
            row.insert("state".into(), event["state"].clone());
            row.insert("close_cause".into(), event["close_cause"].clone());
            events.push(row);
        }
    }
    let strip = |rows: Vec<(String, Row)>| rows.into_iter().map(|(_, row)| row).collect::<Vec<_>>();
    assert_eq!(strip(all_rows(&out, "legs")), legs);
    let exported_events = strip(all_rows(&out, "events"));
    assert!(stories.iter().any(|s| s["events"].as_array().unwrap().iter().any(|e| e["duplicate"] == true)));
    assert_eq!(exported_events, events, "every event but the re-deliveries");
}

#[test]
fn columns_have_their_types_and_files_their_version_and_compression() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("day.ndjson");
    std::fs::write(&log, day_log(&messy(50, 5))).unwrap();
    let out = dir.path().join("out");
    run(&["export", "--out", out.to_str().unwrap()], &[log]);
    let time = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let name = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let list = DataType::List(std::sync::Arc::new(arrow_schema::Field::new("item", DataType::Utf8, true)));
    let expected: [(&str, Columns<'_>); 3] = [
        ("calls", {
            vec![
                ("call_id", &DataType::Utf8, false),
                ("direction", &name, true),
                ("start", &time, false),
                ("answered_at", &time, true),
                ("end", &time, true),
                ("wait_s", &DataType::Int64, true),
                ("talk_s", &DataType::Int64, true),
                ("duration_s", &DataType::Int64, true),
                ("hangup_side", &name, false),
                ("outcome", &name, false),
                ("consultant", &name, true),
                ("project", &name, true),
                ("client", &DataType::Utf8, true),
                ("legs", &DataType::Int32, false),
                ("close_cause", &name, true),
                ("flags", &list, false),
            ]
        }),
        (
            "legs",
            vec![
                ("call_id", &DataType::Utf8, false),
                ("dialog_uuid", &DataType::Utf8, false),
                ("dialog_type", &name, true),
                ("parent", &DataType::Utf8, true),
                ("created", &time, true),
                ("answered", &time, true),
                ("closed", &time, true),
                ("close_cause", &name, true),
                ("ring_s", &DataType::Int64, true),
            ],
        ),
        (
            "events",
            vec![
                ("call_id", &DataType::Utf8, false),
                ("dialog_uuid", &DataType::Utf8, false),
                ("event_name", &name, false),
                ("event_time", &time, false),
                ("state", &name, true),
                ("close_cause", &name, true),
            ],
        ),
    ];
    for (table, columns) in expected {
        let days = partitions(&out, table);
        assert_eq!(days.keys().collect::<Vec<_>>(), ["day=2026-03-10"], "{table}");
        let files = &days["day=2026-03-10"];
        assert_eq!(files.len(), 1);
        let file = &files[0];
        let schema = file.batches[0].schema();
        let got: Columns<'_> =
            schema.fields().iter().map(|f| (f.name().as_str(), f.data_type(), f.is_nullable())).collect();
        assert_eq!(got, columns, "{table}");
        assert_eq!(file.metadata.get("callflow.schema_version").map(String::as_str), Some("1"));
        assert!(!file.compression.is_empty());
        assert!(file.compression.iter().all(|c| matches!(c, Compression::ZSTD(_))), "{table}: {:?}", file.compression);
    }
    let names: Vec<String> = std::fs::read_dir(out.join("calls/day=2026-03-10"))
        .unwrap()
        .map(|f| f.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["part-0.parquet"], "no temporary file left");
}

#[test]
fn calls_format_parquet_holds_the_rows_of_the_csv_and_needs_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("day.ndjson");
    std::fs::write(&log, day_log(&messy(300, 2))).unwrap();
    let file = dir.path().join("calls.parquet");
    let filter = ["--outcome", "answered"];
    run(
        &["calls", "--format", "parquet", "-o", file.to_str().unwrap(), filter[0], filter[1]],
        std::slice::from_ref(&log),
    );
    let csv = calls_csv(&[log.to_str().unwrap(), filter[0], filter[1]]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let expected: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let got: Vec<Vec<String>> = read(&file)
        .rows
        .into_iter()
        .map(|row| {
            assert_eq!(row.keys().collect::<Vec<_>>(), header.iter().collect::<Vec<_>>());
            row.values()
                .map(|value| match value {
                    Value::Null => String::new(),
                    Value::String(text) => text.clone(),
                    Value::Array(names) => names.iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>().join(";"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(got, expected);

    let out = callflow().args(["calls", "--format", "parquet"]).arg(&log).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o FILE"));
    let out =
        callflow().args(["summary", "--format", "parquet", "-o"]).arg(dir.path().join("s")).arg(&log).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_rerun_replaces_the_partitions_it_writes_and_leaves_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (first, second) = (dir.path().join("a.ndjson"), dir.path().join("b.ndjson"));
    let date = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    std::fs::write(&first, day_log(&Config { date: date(10), ..Config::new(100, 1) })).unwrap();
    std::fs::write(&second, day_log(&Config { date: date(11), ..Config::new(80, 2) })).unwrap();
    let out_arg = out.to_str().unwrap();
    run(&["export", "--out", out_arg], std::slice::from_ref(&first));
    run(&["export", "--out", out_arg], std::slice::from_ref(&second));
    // An earlier run's extra part, and a file that is not callflow's, in a partition written again.
    let partition = out.join("calls/day=2026-03-11");
    std::fs::copy(partition.join("part-0.parquet"), partition.join("part-1.parquet")).unwrap();
    std::fs::write(partition.join("notes.txt"), "mine").unwrap();
    let kept_day = read(&out.join("calls/day=2026-03-10/part-0.parquet")).rows;

    run(&["export", "--out", out_arg, "--outcome", "answered"], std::slice::from_ref(&second));
    let rows = read(&partition.join("part-0.parquet")).rows;
    assert!(!rows.is_empty() && rows.iter().all(|row| row["outcome"] == "answered"), "replaced");
    assert!(rows.len() < 80);
    assert!(!partition.join("part-1.parquet").exists(), "an earlier run's part is gone");
    assert!(partition.join("notes.txt").exists(), "files that are not callflow's stay");
    assert_eq!(read(&out.join("calls/day=2026-03-10/part-0.parquet")).rows, kept_day, "other days are left alone");
    assert_eq!(all_rows(&out, "calls").len(), 100 + rows.len());
}

/// `event_time` of a line, shifted by `hours`.
fn shifted(line: &str, hours: i64) -> (String, NaiveDate) {
    let at = line.find("\"event_time\":\"").unwrap() + 14;
    let time = NaiveDateTime::parse_from_str(&line[at..at + 19], "%Y-%m-%d %H:%M:%S").unwrap();
    let time = time + chrono::Duration::hours(hours);
    let text = format!("{}{}{}\n", &line[..at], time.format("%Y-%m-%d %H:%M:%S"), &line[at + 19..]);
    (text, time.date())
}

#[test]
fn shards_run_in_parallel_per_day_give_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    // Generated days run 07:00 to 19:00; moved six hours on, the evening's calls cross
    // midnight into the next day's file, as a receiver writing one file per UTC day cuts them.
    let mut files: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for (i, day) in (10..14).enumerate() {
        let config = Config { date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(), ..messy(250, 40 + i as u64) };
        for line in day_log(&config).lines() {
            let (line, date) = shifted(line, 6);
            files.entry(date).or_default().push_str(&line);
        }
    }
    let paths: BTreeMap<NaiveDate, PathBuf> = files
        .iter()
        .map(|(date, text)| {
            let path = dir.path().join(format!("{date}.ndjson"));
            std::fs::write(&path, text).unwrap();
            (*date, path)
        })
        .collect();
    let all: Vec<PathBuf> = paths.values().cloned().collect();
    let single = dir.path().join("single");
    run(&["export", "--out", single.to_str().unwrap()], &all);

    let crossers = all_rows(&single, "calls")
        .iter()
        .filter(|(day, row)| row["end"].as_str().is_some_and(|end| day_of(&Value::from(end)) != *day))
        .count();
    assert!(crossers > 0, "some calls cross midnight");

    let shards = dir.path().join("shards");
    std::thread::scope(|scope| {
        for date in paths.keys() {
            let neighbours: Vec<PathBuf> = [date.pred_opt().unwrap(), *date, date.succ_opt().unwrap()]
                .iter()
                .filter_map(|d| paths.get(d).cloned())
                .collect();
            let (shards, day) = (&shards, date.to_string());
            scope.spawn(move || run(&["export", "--out", shards.to_str().unwrap(), "--day", &day], &neighbours));
        }
    });
    for table in ["calls", "legs", "events"] {
        let (one, sharded) = (all_rows(&single, table), all_rows(&shards, table));
        assert!(one.len() >= 1000, "{table}");
        assert_eq!(sharded, one, "{table}");
    }
}

#[test]
fn runs_carrying_calls_with_state_add_up_to_one_run() {
    let dir = tempfile::tempdir().unwrap();
    // Hourly files, as a receiver cuts them: a line out of order stays in the current file.
    let mut hours: Vec<(String, String)> = Vec::new();
    // Calls left open stay carried by the state; the other runs' calls are all final.
    for line in day_log(&Config { open_tail: false, ..messy(300, 21) }).lines() {
        let at = line.find("\"event_time\":\"").unwrap() + 14;
        let hour = line[at..at + 13].to_owned();
        match hours.last_mut() {
            Some((current, text)) if *current >= hour => text.push_str(&format!("{line}\n")),
            _ => hours.push((hour, format!("{line}\n"))),
        }
    }
    let files: Vec<PathBuf> = hours
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let path = dir.path().join(format!("{i:02}.ndjson"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    assert!(files.len() > 10);
    let (carried, single) = (dir.path().join("carried"), dir.path().join("single"));
    let state = dir.path().join("state");
    for file in &files {
        let args = ["export", "--out", carried.to_str().unwrap(), "--state", state.to_str().unwrap()];
        run(&args, std::slice::from_ref(file));
    }
    run(&["export", "--out", single.to_str().unwrap(), "--settle", "off"], &files);
    let parts = std::fs::read_dir(carried.join("calls/day=2026-03-10")).unwrap().count();
    assert!(parts > 1, "each run adds its part");
    let sorted = |root: &Path, table| {
        let mut rows: Vec<String> = all_rows(root, table).iter().map(|row| format!("{row:?}")).collect();
        rows.sort();
        rows
    };
    for table in ["calls", "legs", "events"] {
        let (carried, single) = (sorted(&carried, table), sorted(&single, table));
        assert!(single.len() >= 300);
        let missing: Vec<&String> = single.iter().filter(|row| !carried.contains(row)).take(3).collect();
        assert!(missing.is_empty(), "{table}: {missing:?}");
        assert_eq!(carried, single, "{table}");
    }
}

#[test]
fn a_redacted_export_holds_the_tokens_of_calls_and_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("day.ndjson");
    std::fs::write(&log, day_log(&messy(200, 12))).unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, [9u8; 32]).unwrap();
    let redact = ["--redact-key-file", key.to_str().unwrap()];
    let out = dir.path().join("out");
    run(&[&["export", "--out", out.to_str().unwrap()][..], &redact].concat(), std::slice::from_ref(&log));
    let calls = json_lines(&run(&[&["calls", "--format", "json"][..], &redact].concat(), std::slice::from_ref(&log)));
    let plain = json_lines(&run(&["calls", "--format", "json"], std::slice::from_ref(&log)));
    let exported: Vec<Row> = all_rows(&out, "calls").into_iter().map(|(_, row)| row).collect();
    assert_eq!(exported.len(), calls.len());
    for ((got, want), plain) in exported.iter().zip(&calls).zip(&plain) {
        assert_eq!(got["client"], want["client"], "the token calls shows");
        if plain["client"].is_string() {
            assert_ne!(got["client"], plain["client"], "not the number");
        }
    }
    assert!(plain.iter().filter(|c| c["client"].is_string()).count() > 100);
}
