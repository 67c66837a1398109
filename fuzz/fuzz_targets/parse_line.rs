//! Line parsing on arbitrary bytes: never a panic, the fast scanner never disagrees with the
//! general path, neither path takes for JSON a line a strict parser refuses (an escape in a
//! field never read included), and a block of such lines is accounted for line by line.
#![no_main]

use callflow::event::batch;
use callflow::event;
use callflow::input::Block;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert!(event::fast_path_agrees(data), "fast path disagrees on {:?}", String::from_utf8_lossy(data));
    assert!(event::parse_is_strict(data), "laxer than strict JSON on {:?}", String::from_utf8_lossy(data));
    let parsed = batch::parse_batch(&Block::Lines(data.to_vec()), "fuzz", 1 << 20, &batch::KeyHasher::new());
    let counts = &parsed.diagnostics.counts;
    let accounted = parsed.events.len() as u64 + counts.other_events + counts.bad_lines + counts.blank_lines;
    assert_eq!(accounted, parsed.lines, "every line lands in one bucket");
    let lines =
        if data.is_empty() { 0 } else { data.strip_suffix(b"\n").unwrap_or(data).split(|&b| b == b'\n').count() };
    assert_eq!(parsed.lines, lines as u64);
});
