//! The call as a Mermaid `sequenceDiagram`, to paste into a ticket or a Markdown page.
//!
//! It draws the same lanes and steps as the ladder: one participant per leg, an arrow from a
//! parent leg to each leg it created, a crossed arrow from the leg that hung up, and notes for
//! the other events. Mermaid reads `;` and `#` specially, so they are kept out of the text.

use std::io::{self, Write};

use super::ladder::{offset_label, Lane, Mark, Step};
use super::text::visible;

/// Writes one diagram; `title` is a comment naming the call, `summary` a closing note.
pub fn write(title: &str, lanes: &[Lane], steps: &[Step], summary: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "sequenceDiagram")?;
    writeln!(out, "    %% {}", clean(title))?;
    for (index, lane) in lanes.iter().enumerate() {
        let who = if lane.party.is_empty() { lane.side.clone() } else { format!("{} {}", lane.side, lane.party) };
        writeln!(out, "    participant {} as {} ({})", name(index), clean(&who), clean(&lane.id))?;
    }
    for step in steps {
        writeln!(out, "    {}", line(lanes, step))?;
    }
    let span = match lanes.len() {
        0 => return Ok(()),
        1 => name(0),
        n => format!("{},{}", name(0), name(n - 1)),
    };
    writeln!(out, "    Note over {span}: {}", clean(summary))
}

fn name(lane: usize) -> String {
    format!("L{}", lane + 1)
}

/// One step as an arrow or a note.
fn line(lanes: &[Lane], step: &Step) -> String {
    let at = offset_label(step.offset_s);
    let me = name(step.lane);
    let parent = lanes.get(step.lane).and_then(|lane| lane.parent);
    match (step.mark, parent) {
        (Mark::Created, Some(parent)) => format!("{}->>{me}: {at} new leg, {}", name(parent), clean(&step.label)),
        (Mark::HungUp, _) => {
            let child = lanes.iter().position(|lane| lane.parent == Some(step.lane));
            match parent.or(child) {
                Some(other) => format!("{me}-x{}: {at} hung up", name(other)),
                None => format!("Note over {me}: {at} hung up"),
            }
        }
        _ => format!("Note over {me}: {at} {}", clean(&step.label)),
    }
}

/// The text with what Mermaid would read as syntax (`;`, `#`) replaced, and what a terminal
/// would act on made [`visible`] (line breaks included).
fn clean(text: &str) -> String {
    visible(text).chars().map(|c| if matches!(c, ';' | '#') { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_for_new_legs_and_the_hangup_notes_for_the_rest() {
        let lanes = [
            Lane { id: "aaaaaaaa".into(), side: "consultant".into(), party: "pk".into(), parent: None },
            Lane { id: "bbbbbbbb".into(), side: "client".into(), party: "48#1;2".into(), parent: Some(0) },
        ];
        let steps = [
            Step { lane: 0, offset_s: 0, mark: Mark::Created, label: "ringing".into() },
            Step { lane: 1, offset_s: 6, mark: Mark::Created, label: "ringing".into() },
            Step { lane: 1, offset_s: 28, mark: Mark::HungUp, label: "hung up".into() },
            Step { lane: 0, offset_s: 28, mark: Mark::Closed, label: "DIALOG_LEFT".into() },
        ];
        let mut out = Vec::new();
        write("call aaaaaaaa", &lanes, &steps, "answered, client hung up", &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "sequenceDiagram
    %% call aaaaaaaa
    participant L1 as consultant pk (aaaaaaaa)
    participant L2 as client 48 1 2 (bbbbbbbb)
    Note over L1: +0s ringing
    L1->>L2: +6s new leg, ringing
    L2-xL1: +28s hung up
    Note over L1: +28s DIALOG_LEFT
    Note over L1,L2: answered, client hung up
"
        );
    }
}
