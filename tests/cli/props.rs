//! Properties over generated days of every kind of call: the calls do not depend on the order
//! of the lines, on how they are split across files, or on re-deliveries; every line is counted
//! exactly once; and duration is wait plus talk.

use std::io::Cursor;

use callflow::cmd::calls;
use callflow::diagnostics::LineCounts;
use callflow::load::{load_readers, LoadOptions};
use callflow::render::csv_layout::CsvLayout;
use callflow::report::timefmt::Zone;
use callflow_generate::{generate, Config};
use proptest::prelude::*;

/// The calls CSV and line counts of some inputs.
fn run(inputs: Vec<Vec<u8>>) -> (String, LineCounts) {
    let named = inputs.into_iter().enumerate().map(|(i, bytes)| (format!("part{i}"), Cursor::new(bytes)));
    let loaded = load_readers(named, &LoadOptions { threads: 2, ..LoadOptions::default() }).unwrap();
    let ds = &loaded.dataset;
    let mut csv = Vec::new();
    let calls: Vec<_> = ds.calls.iter().collect();
    calls::write_csv(ds, &calls, &Zone::Utc, &CsvLayout::default(), &mut csv).unwrap();
    (String::from_utf8(csv).unwrap(), loaded.diagnostics.counts)
}

/// A generated day as lines, with some re-deliveries, reordering and garbage already in it.
fn day(seed: u64, calls: usize) -> Vec<Vec<u8>> {
    let config = Config { duplicates: 0.02, reorder: 0.02, garbage: 0.01, open_tail: true, ..Config::new(calls, seed) };
    let mut log = Vec::new();
    generate(&config, &mut log).unwrap();
    log.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| [l, b"\n"].concat()).collect()
}

fn days() -> impl Strategy<Value = Vec<Vec<u8>>> {
    (0u64..10_000, 5usize..40).prop_map(|(seed, calls)| day(seed, calls))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: crate::common::regressions("props"), ..ProptestConfig::default() })]

    #[test]
    fn line_order_does_not_matter(lines in days(), order in any::<u64>()) {
        let (expected, counts) = run(vec![lines.concat()]);
        let mut shuffled = lines.clone();
        let mut rng = order;
        for i in (1..shuffled.len()).rev() {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (rng >> 33) as usize % (i + 1));
        }
        let (got, shuffled_counts) = run(vec![shuffled.concat()]);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(shuffled_counts, counts);
    }

    #[test]
    fn splitting_across_files_does_not_matter(lines in days(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..4), reverse in any::<bool>()) {
        let (expected, counts) = run(vec![lines.concat()]);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(lines.len())).collect();
        at.sort_unstable();
        let mut parts = Vec::new();
        let mut start = 0;
        for end in at.into_iter().chain([lines.len()]) {
            parts.push(lines[start..end.max(start)].concat());
            start = end.max(start);
        }
        if reverse {
            parts.reverse();
        }
        let (got, split_counts) = run(parts);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(split_counts.lines, counts.lines);
        prop_assert_eq!(split_counts.events, counts.events);
        prop_assert_eq!(split_counts.duplicates, counts.duplicates);
    }

    #[test]
    fn redelivery_changes_nothing_but_the_duplicate_count(lines in days(), picks in prop::collection::vec(any::<prop::sample::Index>(), 1..20)) {
        let (expected, counts) = run(vec![lines.concat()]);
        let mut redelivered = lines.clone();
        let mut added = 0;
        for pick in &picks {
            let line = lines[pick.index(lines.len())].clone();
            // Only call events are re-delivered by the platform.
            if String::from_utf8_lossy(&line).contains("\"dialog_") && !line.starts_with(b"[") && line.ends_with(b"}\n") {
                redelivered.push(line);
                added += 1;
            }
        }
        let (got, more) = run(vec![redelivered.concat()]);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(more.lines, counts.lines + added);
        prop_assert_eq!(more.events, counts.events);
    }

    #[test]
    fn every_line_is_counted_once_and_duration_is_wait_plus_talk(lines in days()) {
        let (csv, counts) = run(vec![lines.concat()]);
        prop_assert!(counts.balanced(), "{:?}", counts);
        prop_assert_eq!(counts.lines, lines.len() as u64);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for row in reader.records() {
            let row = row.unwrap();
            let number = |i: usize| row.get(i).and_then(|v| v.parse::<i64>().ok());
            if row.get(9) == Some("answered") {
                prop_assert_eq!(number(7), Some(number(5).unwrap() + number(6).unwrap()));
            }
        }
    }
}
