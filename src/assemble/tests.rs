//! Events in, calls out: linking whatever the order, which create wins, and re-deliveries
//! marked or dropped on the way in with the same count.

use super::*;
use crate::event::{CreateFields, EventKind};
use crate::model::Flags;
use std::borrow::Cow;

fn create<'a>(uuid: &'a str, parent: Option<&'a str>, time: i64) -> CallEvent<'a> {
    CallEvent {
        dialog_uuid: Cow::Borrowed(uuid),
        kind: EventKind::Create,
        time,
        state: Some(Cow::Borrowed("ringing")),
        close_cause: None,
        create: Some(CreateFields { parent: parent.map(Cow::Borrowed), ..CreateFields::default() }),
    }
}

fn close(uuid: &str, time: i64) -> CallEvent<'_> {
    CallEvent {
        dialog_uuid: Cow::Borrowed(uuid),
        kind: EventKind::Close,
        time,
        state: None,
        close_cause: Some(Cow::Borrowed("HANGUP")),
        create: None,
    }
}

fn assemble(events: &[CallEvent<'_>]) -> Dataset {
    assemble_with(Assembler::new(), events)
}

/// One block per event, as `push` makes them.
fn assemble_with(mut asm: Assembler, events: &[CallEvent<'_>]) -> Dataset {
    for (i, event) in events.iter().enumerate() {
        asm.push(event, Seq::new(0, i as u64 + 1));
    }
    asm.finish(vec!["test".into()])
}

fn call_ids(ds: &Dataset) -> Vec<(&str, u32, Flags)> {
    ds.calls.iter().map(|c| (ds.str(c.id), c.figures.legs, c.figures.flags)).collect()
}

#[test]
fn links_chains_whatever_the_order() {
    let events = [create("c", Some("b"), 30), create("a", None, 10), create("b", Some("a"), 20)];
    let ds = assemble(&events);
    assert_eq!(call_ids(&ds), [("a", 3, Flags::OPEN)]);
    let legs: Vec<&str> = ds.legs_of(&ds.calls[0]).iter().map(|l| ds.str(l.uuid)).collect();
    assert_eq!(legs, ["a", "b", "c"]);
}

#[test]
fn cycles_and_missing_parents_are_flagged_not_lost() {
    let ds = assemble(&[create("x", Some("y"), 5), create("y", Some("x"), 6), create("k", Some("gone"), 1)]);
    assert_eq!(
        call_ids(&ds),
        [("gone", 1, Flags::OPEN | Flags::MISSING_ROOT), ("x", 2, Flags::OPEN | Flags::LINK_CYCLE)]
    );
    let ds = assemble(&[create("self", Some("self"), 1), close("self", 2)]);
    assert_eq!(call_ids(&ds), [("self", 1, Flags::empty())]);
}

#[test]
fn a_legs_earliest_create_gives_its_info_and_the_first_read_wins_a_tie() {
    let typed = |time: i64, kind: &'static str| {
        let mut event = create("a", None, time);
        if let Some(fields) = event.create.as_mut() {
            fields.dialog_type = Some(Cow::Borrowed(kind));
        }
        event
    };
    let events = [typed(5, "LATE"), typed(3, "EARLY"), typed(3, "TIE"), typed(4, "MIDDLE")];
    let kept = |ds: &Dataset| ds.legs[0].info.and_then(|info| info.dialog_type).map(|t| ds.str(t).to_owned());
    // One block per event, as `push` makes them, and all of them in one block.
    assert_eq!(kept(&assemble(&events)).as_deref(), Some("EARLY"));
    let mut asm = Assembler::new();
    let mut block = Batch::new(asm.key_hasher());
    for (line, event) in events.iter().enumerate() {
        block.push(&event.view(), line as u64 + 1, asm.key_hasher());
    }
    asm.push_block(&block, 0, 0);
    assert_eq!(kept(&asm.finish(vec!["test".into()])).as_deref(), Some("EARLY"));
}

#[test]
fn exact_redeliveries_are_marked_once() {
    let events = [create("a", None, 1), close("a", 9), create("a", None, 1), close("a", 9), close("a", 9)];
    let ds = assemble_with(Assembler::keeping_redeliveries(), &events);
    assert_eq!(ds.duplicates, 3);
    let kept: Vec<(EventKind, bool)> = ds.events.iter().map(|e| (e.kind(), e.duplicate())).collect();
    assert_eq!(
        kept,
        [
            (EventKind::Create, false),
            (EventKind::Create, true),
            (EventKind::Close, false),
            (EventKind::Close, true),
            (EventKind::Close, true)
        ]
    );
    assert_eq!(ds.calls[0].figures.flags, Flags::empty());
}

#[test]
fn redeliveries_recognised_on_the_way_in_are_counted_and_not_kept() {
    let events = [create("a", None, 1), close("a", 9), create("a", None, 1), close("a", 9), close("a", 9)];
    // Twice in one block: only the first create and the first close are kept.
    let mut asm = Assembler::new();
    let mut block = Batch::new(asm.key_hasher());
    for (line, event) in events.iter().chain(&events).enumerate() {
        block.push(&event.view(), line as u64 + 1, asm.key_hasher());
    }
    assert_eq!((block.events.len(), block.redeliveries), (2, 8));
    asm.push_block(&block, 0, 0);
    // Then one block per event: a close that repeats the leg's last event is dropped too.
    for (i, event) in events.iter().enumerate() {
        asm.push(event, Seq::new(0, 11 + i as u64));
    }
    assert_eq!(asm.event_count(), 15);
    let ds = asm.finish(vec!["test".into()]);
    assert_eq!(ds.duplicates, 13, "as many as when every one is kept");
    let kept: Vec<(EventKind, u64, bool)> = ds.events.iter().map(|e| (e.kind(), e.seq.line(), e.duplicate())).collect();
    let (create, close) = (EventKind::Create, EventKind::Close);
    let expected = [
        (create, 1, false),
        (create, 11, true),
        (create, 13, true),
        (close, 2, false),
        (close, 12, true),
        (close, 14, true),
    ];
    assert_eq!(kept, expected);
}

#[test]
fn state_after_close_and_event_before_create_are_flagged() {
    let late = CallEvent { kind: EventKind::State, state: Some(Cow::Borrowed("talking")), ..close("a", 12) };
    let ds = assemble(&[create("a", None, 5), close("a", 10), late]);
    assert_eq!(ds.calls[0].figures.flags, Flags::STATE_AFTER_CLOSE);
    let early = CallEvent { kind: EventKind::State, state: Some(Cow::Borrowed("alerting")), ..close("b", 1) };
    let ds = assemble(&[create("b", None, 5), early, close("b", 10)]);
    assert_eq!(ds.calls[0].figures.flags, Flags::EVENT_BEFORE_CREATE);
}
