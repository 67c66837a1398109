//! Call assembly on arbitrary event sequences: shuffled, duplicated, with missing creates or
//! closes, legs naming themselves or each other in cycles. Never a panic, every leg lands in
//! exactly one call, every event is kept, and calls come sorted.
#![no_main]

use std::borrow::Cow;
use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use callflow::assemble::Assembler;
use callflow::event::{CallEvent, CreateFields, EventKind};
use callflow::model::Seq;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Op {
    leg: u8,
    kind: u8,
    time: u16,
    state: u8,
    cause: u8,
    parent: Option<u8>,
    dialog_type: u8,
}

const STATES: [&str; 4] = ["ringing", "alerting", "answered", "talking"];
const CAUSES: [&str; 3] = ["HANGUP", "DIALOG_LEFT", "BUSY"];
const TYPES: [&str; 3] = ["EXTERNAL", "CONSULTANT", "BOT"];

fuzz_target!(|ops: Vec<Op>| {
    let uuid = |n: u8| format!("leg-{}", n % 12);
    let names: Vec<String> = (0..=255u8).map(uuid).collect();
    let mut assembler = Assembler::new();
    let mut legs = BTreeSet::new();
    for (i, op) in ops.iter().enumerate() {
        let kind = [EventKind::Create, EventKind::State, EventKind::Close][op.kind as usize % 3];
        let create = (kind == EventKind::Create).then(|| CreateFields {
            parent: op.parent.map(|p| Cow::Borrowed(names[p as usize].as_str())),
            dialog_type: Some(Cow::Borrowed(TYPES[op.dialog_type as usize % 3])),
            ..CreateFields::default()
        });
        let event = CallEvent {
            dialog_uuid: Cow::Borrowed(&names[op.leg as usize]),
            kind,
            time: 1_600_000_000 + i64::from(op.time % 600),
            state: (kind != EventKind::Close).then(|| Cow::Borrowed(STATES[op.state as usize % 4])),
            close_cause: (kind == EventKind::Close).then(|| Cow::Borrowed(CAUSES[op.cause as usize % 3])),
            create,
        };
        legs.insert(names[op.leg as usize].clone());
        assembler.push(&event, Seq::new(0, i as u64 + 1));
    }
    let ds = assembler.finish(vec!["fuzz".into()]);
    let mut seen = BTreeSet::new();
    for call in &ds.calls {
        for leg in ds.legs_of(call) {
            assert!(seen.insert(ds.str(leg.uuid).to_owned()), "a leg in two calls");
        }
    }
    assert_eq!(seen, legs, "every leg with events lands in a call");
    assert_eq!(ds.events.len(), ops.len(), "no event is lost");
    let keys: Vec<(i64, &str)> = ds.calls.iter().map(|c| (c.figures.start, ds.str(c.id))).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "calls sorted by (start, id)");
});
