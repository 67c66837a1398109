use super::*;
use crate::event::LineError;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|p| (p.display().to_string(), std::fs::read(p).unwrap())).collect()
}

type Outcome = (Vec<String>, crate::diagnostics::LineCounts, Vec<(String, u64, LineError)>);

/// Everything a run reports, in comparable form.
fn outcome(options: &LoadOptions) -> Outcome {
    let inputs = fixtures().into_iter().map(|(name, bytes)| (name, std::io::Cursor::new(bytes)));
    described(load_readers(inputs, options).unwrap())
}

fn described(loaded: Loaded) -> Outcome {
    let ds = &loaded.dataset;
    let zone = crate::report::timefmt::Zone::Utc;
    let record = |c| serde_json::to_string(&crate::report::rows::CallDetail::new(ds, c, &zone)).unwrap();
    let calls = ds.calls.iter().map(record).collect();
    let bad = loaded.diagnostics.bad.into_iter().map(|b| (b.source, b.line, b.error)).collect();
    (calls, loaded.diagnostics.counts, bad)
}

#[test]
fn block_size_and_thread_count_do_not_change_the_result() {
    let reference = outcome(&LoadOptions { threads: 1, ..LoadOptions::default() });
    assert!(reference.1.balanced());
    assert!(reference.0.len() > 5 && !reference.2.is_empty());
    for threads in [1, 2, 3] {
        for block_bytes in [1, 100, 4096] {
            let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
            assert_eq!(outcome(&options), reference, "{threads} threads, {block_bytes}-byte blocks");
        }
    }
}

#[test]
fn redeliveries_count_the_same_whether_kept_or_dropped_on_the_way_in() {
    let config =
        callflow_generate::Config { duplicates: 0.05, reorder: 0.05, ..callflow_generate::Config::new(300, 3) };
    let mut day = Vec::new();
    callflow_generate::generate(&config, &mut day).unwrap();
    let run = |options: &LoadOptions| {
        let mut inputs: Vec<(String, std::io::Cursor<Vec<u8>>)> =
            fixtures().into_iter().map(|(name, bytes)| (name, std::io::Cursor::new(bytes))).collect();
        inputs.push(("day".to_string(), std::io::Cursor::new(day.clone())));
        described(load_readers(inputs, options).unwrap())
    };
    let kept = run(&LoadOptions { keep_redeliveries: true, threads: 1, ..LoadOptions::default() });
    assert!(kept.1.duplicates > 100 && kept.1.balanced(), "{:?}", kept.1);
    for (threads, block_bytes) in [(1, 100), (3, 4096), (2, 1 << 20)] {
        let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
        assert_eq!(run(&options), kept, "{threads} threads, {block_bytes}-byte blocks");
    }
}

#[test]
fn a_flood_of_redelivered_events_holds_each_at_most_once_a_block() {
    let talking = r#"{"event_type":"user_dialog","event_name":"dialog_state_update","event_time":"2026-03-10 10:00:00","dialog_uuid":"abc00000-0000-4000-8000-000000000001","state":"talking"}"#;
    let one = format!("{talking}\n").repeat(50_000);
    let two = format!("{talking}\n{}\n", talking.replace("talking", "answered")).repeat(25_000);
    for (threads, block_bytes) in [(1, 4096), (2, 65_536)] {
        let options = LoadOptions { threads, block_bytes, ..LoadOptions::default() };
        let blocks = two.len().div_ceil(block_bytes);
        for (flood, distinct, most) in [(&one, 1, 1), (&two, 2, 2 * blocks)] {
            let loaded = load_readers([("flood".to_string(), flood.as_bytes())], &options).unwrap();
            let held = loaded.dataset.events.len();
            assert!(held <= most, "{held} events held, {threads} threads, {block_bytes}-byte blocks");
            let counts = &loaded.diagnostics.counts;
            assert_eq!((counts.lines, counts.events, counts.duplicates), (50_000, distinct, 50_000 - distinct));
        }
    }
}

#[test]
fn plain_and_compressed_files_in_one_run_read_as_the_same_bytes_do() {
    let dir = std::env::temp_dir().join(format!("callflow-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut specs = Vec::new();
    let mut plain = Vec::new();
    for (k, (_, bytes)) in fixtures().into_iter().enumerate() {
        // Every third file gzipped, every third in zstd, the rest as they are.
        let stored = match k % 3 {
            0 => bytes.clone(),
            1 => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                std::io::Write::write_all(&mut gz, &bytes).unwrap();
                gz.finish().unwrap()
            }
            _ => zstd::encode_all(&bytes[..], 1).unwrap(),
        };
        let path = dir.join(format!("{k}.log"));
        std::fs::write(&path, stored).unwrap();
        specs.push(InputSpec::Path(path.clone()));
        plain.push((path.display().to_string(), std::io::Cursor::new(bytes)));
    }
    for threads in [1, 3] {
        let options = LoadOptions { threads, block_bytes: 512, ..LoadOptions::default() };
        let from_files = described(load(&specs, &options).unwrap());
        assert_eq!(from_files, described(load_readers(plain.clone(), &options).unwrap()), "{threads} threads");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
