//! Settling while the input streams gives the calls of a whole load: the same calls with the
//! same figures, each handed on once, and in an order the watermark allows.

use std::io::Cursor;

use callflow_generate::{generate, Config};

use super::*;
use crate::diagnostics::LineCounts;
use crate::report::rows::CallDetail;
use crate::report::timefmt::Zone;

/// Keeps what a stream hands on: each call as its JSON line with its start, per hand-over,
/// and the watermark that came with it.
#[derive(Default)]
struct Kept {
    handed: Vec<Handed>,
}

/// One hand-over: each call's start and JSON line, and the watermark.
type Handed = (Vec<(i64, String)>, Option<i64>);

impl Sink for Kept {
    fn settled(&mut self, calls: Dataset, watermark: Option<i64>) -> anyhow::Result<()> {
        let rows = calls
            .calls
            .iter()
            .map(|c| (c.figures.start, serde_json::to_string(&CallDetail::new(&calls, c, &Zone::Utc)).unwrap()))
            .collect();
        self.handed.push((rows, watermark));
        Ok(())
    }
}

fn day(config: &Config) -> Vec<u8> {
    let mut log = Vec::new();
    generate(config, &mut log).unwrap();
    log
}

fn whole(log: &[u8], options: &LoadOptions) -> (Vec<String>, LineCounts) {
    let loaded = load_readers([("day".to_string(), Cursor::new(log.to_vec()))], options).unwrap();
    let ds = &loaded.dataset;
    let rows = ds.calls.iter().map(|c| serde_json::to_string(&CallDetail::new(ds, c, &Zone::Utc)).unwrap());
    (rows.collect(), loaded.diagnostics.counts)
}

fn streamed(log: &[u8], options: &LoadOptions, settling: Settling) -> (Kept, LineCounts) {
    let mut kept = Kept::default();
    let input = [("day".to_string(), Cursor::new(log.to_vec()))];
    let diagnostics = stream_readers(input, options, settling, &mut kept).unwrap();
    (kept, diagnostics.counts)
}

#[test]
fn a_streamed_load_hands_on_every_call_of_a_whole_load_once() {
    let config = Config { duplicates: 0.02, reorder: 0.05, ..Config::new(400, 3) };
    let log = day(&config);
    let options = LoadOptions { threads: 2, block_bytes: 4096, ..LoadOptions::default() };
    let (expected, counts) = whole(&log, &options);
    for every_events in [1, 50, 1000] {
        let settling = Settling { every_events, min_events: every_events, ..Settling::default() };
        let (kept, streamed_counts) = streamed(&log, &options, settling);
        assert!(kept.handed.len() > 2, "calls settle before the end ({every_events})");
        let mut all: Vec<(i64, String)> = kept.handed.iter().flat_map(|(rows, _)| rows.clone()).collect();
        // The watermark holds: no call handed on later starts before one it announced.
        let mut floor = i64::MIN;
        for (rows, watermark) in &kept.handed {
            assert!(rows.iter().all(|(start, _)| *start >= floor), "{every_events}");
            floor = floor.max(watermark.unwrap_or(i64::MAX));
        }
        all.sort();
        let rows: Vec<String> = all.into_iter().map(|(_, row)| row).collect();
        assert_eq!(rows.len(), expected.len());
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        let mut rows_sorted = rows.clone();
        rows_sorted.sort();
        assert_eq!(rows_sorted, expected_sorted, "{every_events}");
        assert_eq!(streamed_counts, counts, "{every_events}");
        assert!(streamed_counts.balanced());
    }
}

#[test]
fn events_for_a_call_already_handed_on_are_late_never_a_fragment() {
    let log = day(&Config::new(200, 5));
    let lines: Vec<&[u8]> = log.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    // The first close of the day again at the very end, long after its call settled.
    let close = lines.iter().find(|l| l.windows(12).any(|w| w == b"dialog_close")).unwrap();
    let mut late_log = log.clone();
    late_log.extend_from_slice(close);
    late_log.push(b'\n');
    let options = LoadOptions::default();
    let settling = Settling { every_events: 10, min_events: 10, ..Settling::default() };
    let (kept, counts) = streamed(&late_log, &options, settling);
    let (expected, whole_counts) = whole(&log, &options);
    let handed: usize = kept.handed.iter().map(|(rows, _)| rows.len()).sum();
    assert_eq!(handed, expected.len(), "no fragment call");
    assert_eq!(counts.late, 1);
    assert_eq!(counts.lines, whole_counts.lines + 1);
    assert_eq!(counts.events, whole_counts.events);
    assert!(counts.balanced());
}
