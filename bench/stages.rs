//! Throughput of each stage of the pipeline, and of the whole, on a generated day: reading
//! into blocks, decompression (gzip, zstd), stage one of the scanner alone, parsing (both
//! stages and the block's strings and legs), merging blocks, finishing (linking, ordering,
//! figures), rendering CSV, end to end. Every throughput is in bytes of the (uncompressed)
//! log, one thread each except rendering and end to end, which use the machine.
//!
//! `cargo bench` runs them; CI only builds them (`cargo bench --no-run`). For the side-by-side
//! run against `wc -l` and DuckDB on a full-size day, see `bench/run.sh`.

use std::io::{Cursor, Read, Write};

use callflow::assemble::Assembler;
use callflow::cmd::calls;
use callflow::event;
use callflow::event::batch::{self, Batch, KeyHasher};
use callflow::input::{self, Block, BlockReader};
use callflow::load::{self, LoadOptions};
use callflow::model::{Call, Dataset};
use callflow::render::csv_layout::CsvLayout;
use callflow::report::timefmt::Zone;
use callflow_generate::{generate, Config};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const CALLS: usize = 5_000;

fn day() -> Vec<u8> {
    let mut log = Vec::new();
    let config = Config { duplicates: 0.01, reorder: 0.01, ..Config::new(CALLS, 7) };
    generate(&config, &mut log).expect("generating into memory cannot fail");
    log
}

fn blocks(log: &[u8]) -> Vec<Block> {
    let mut reader = BlockReader::new(log, input::BLOCK_SIZE, input::DEFAULT_MAX_LINE_BYTES);
    std::iter::from_fn(|| reader.next_block().expect("in-memory read")).collect()
}

fn parse(blocks: &[Block], hasher: &KeyHasher) -> Vec<Batch> {
    blocks.iter().map(|b| batch::parse_batch(b, "day", input::DEFAULT_MAX_LINE_BYTES, hasher)).collect()
}

fn stages(c: &mut Criterion) {
    let log = day();
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(log.len() as u64)).sample_size(10);

    group.bench_function("read_blocks", |b| b.iter(|| blocks(&log).len()));

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&log).expect("in-memory write");
    let gz = gz.finish().expect("in-memory write");
    let zst = zstd::encode_all(&log[..], 3).expect("in-memory write");
    for (name, packed) in [("decompress_gzip", &gz), ("decompress_zstd", &zst)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(log.len());
                input::decode(Box::new(Cursor::new(packed.clone()))).and_then(|mut r| Ok(r.read_to_end(&mut out)?))
            })
        });
    }

    let blocks = blocks(&log);
    let lines = || blocks.iter().filter_map(|block| if let Block::Lines(bytes) = block { Some(bytes) } else { None });
    group.bench_function("tokenize", |b| {
        b.iter(|| lines().map(|bytes| event::tokenize_for_bench(bytes)).sum::<usize>())
    });
    group.bench_function("parse", |b| b.iter(|| parse(&blocks, &KeyHasher::new())));

    let merged = |parsed: &[Batch], mut assembler: Assembler| {
        let mut offset = 0;
        for block in parsed {
            assembler.push_block(block, 0, offset);
            offset += block.lines;
        }
        assembler
    };
    let parsed_for = || {
        let assembler = Assembler::new();
        let parsed = parse(&blocks, assembler.key_hasher());
        (assembler, parsed)
    };
    group.bench_function("merge", |b| {
        b.iter_batched(
            parsed_for,
            |(assembler, parsed)| merged(&parsed, assembler).event_count(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("finish", |b| {
        b.iter_batched(
            || {
                let (assembler, parsed) = parsed_for();
                merged(&parsed, assembler)
            },
            |assembler| assembler.finish(vec!["day".into()]).calls.len(),
            BatchSize::LargeInput,
        )
    });

    let loaded = load::load_readers([("day".to_string(), Cursor::new(log.clone()))], &LoadOptions::default())
        .expect("in-memory load");
    let ds = &loaded.dataset;
    let calls: Vec<_> = ds.calls.iter().collect();
    let csv = |ds: &Dataset, calls: &[&Call]| {
        calls::write_csv(ds, calls, &Zone::Utc, &CsvLayout::default(), &mut std::io::sink())
    };
    group.bench_function("render_csv", |b| b.iter(|| csv(ds, &calls)));

    group.bench_function("end_to_end_csv", |b| {
        b.iter(|| {
            let loaded = load::load_readers([("day".to_string(), Cursor::new(log.clone()))], &LoadOptions::default())
                .expect("in-memory load");
            let calls: Vec<_> = loaded.dataset.calls.iter().collect();
            csv(&loaded.dataset, &calls)
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
