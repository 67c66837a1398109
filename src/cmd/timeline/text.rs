//! The text view of one timeline, for people: the call's columns, its legs, its events, the
//! ladder diagram and the sentences that explain it, each under a title; its tables wrap only to
//! fit a terminal, never in a pipe.

use std::io::Write;

use comfy_table::Cell;

use super::{clock, header, Story};
use crate::config::OutputSettings;
use crate::render::text::visible;
use crate::render::{human_duration, ladder, table};

/// Where the sentences of "Why" wrap.
const WRAP: usize = 100;

/// Writes the whole text view of one call.
pub fn write(story: &Story<'_>, output: &OutputSettings, out: &mut dyn Write) -> anyhow::Result<()> {
    let record = &story.detail.call;
    writeln!(out, "Call {}", visible(record.call_id))?;
    for (name, value) in header(record) {
        writeln!(out, "  {name:<12} {}", visible(&value))?;
    }
    writeln!(out, "\nLegs (times in {})", output.zone.name())?;
    legs(story, output, out)?;
    let dropped = story.events.iter().filter(|e| e.duplicate).count();
    let note = match dropped {
        0 => String::new(),
        1 => ", 1 re-delivered event dropped".to_owned(),
        n => format!(", {n} re-delivered events dropped"),
    };
    writeln!(out, "\nEvents (times in {}{note})", output.zone.name())?;
    events(story, output, out)?;
    writeln!(out, "\nLadder")?;
    ladder::write(&story.lanes, &story.steps, output.terminal.color, out)?;
    writeln!(out, "\nWhy")?;
    for explanation in &story.explanation {
        for (i, line) in wrap(&visible(&explanation.text), WRAP - 4).iter().enumerate() {
            writeln!(out, "{}{line}", if i == 0 { "  - " } else { "    " })?;
        }
    }
    Ok(())
}

fn legs(story: &Story<'_>, output: &OutputSettings, out: &mut dyn Write) -> anyhow::Result<()> {
    let header = ["Leg", "Parent", "Side", "Party", "Created", "Answered", "Closed", "Cause", "Ring"];
    let mut t = table::new(&header, output.terminal.width);
    let start = story.start;
    let at = |moment: Option<(i64, _)>| moment.map(|(t, _)| clock(&output.zone, start, t)).unwrap_or_default();
    for (leg, lane) in story.legs.iter().zip(&story.lanes) {
        let parent = match (lane.parent, leg.parent) {
            (Some(index), _) => story.lanes[index].id.as_str(),
            (None, Some(outside)) => outside,
            (None, None) => "",
        };
        t.add_row(vec![
            table::text_cell(&lane.id),
            table::text_cell(parent),
            table::text_cell(&leg.side),
            table::text_cell(leg.party.unwrap_or_default()),
            Cell::new(at(leg.figures.created)),
            Cell::new(at(leg.figures.answered)),
            Cell::new(at(leg.figures.closed)),
            table::text_cell(leg.record.close_cause.unwrap_or_default()),
            Cell::new(leg.record.ring_s.map(human_duration).unwrap_or_default()),
        ]);
    }
    table::align_right(&mut t, &[8]);
    table::one_line_rows(&mut t);
    writeln!(out, "{t}")?;
    Ok(())
}

fn events(story: &Story<'_>, output: &OutputSettings, out: &mut dyn Write) -> anyhow::Result<()> {
    let header = ["Time", "Offset", "Leg", "Event", "State / cause", "Note"];
    let mut t = table::new(&header, output.terminal.width);
    let start = story.start;
    for event in story.events.iter().filter(|e| !e.duplicate) {
        t.add_row(vec![
            Cell::new(clock(&output.zone, start, event.unix)),
            Cell::new(ladder::offset_label(event.offset_s)),
            table::text_cell(&story.lanes[event.lane].id),
            Cell::new(event.event_name),
            table::text_cell(event.state.or(event.close_cause).unwrap_or_default()),
            Cell::new(if event.out_of_order { "arrived late" } else { "" }),
        ]);
    }
    table::align_right(&mut t, &[1]);
    table::one_line_rows(&mut t);
    writeln!(out, "{t}")?;
    Ok(())
}

/// Greedy word wrap: lines of at most `width` characters unless one word is longer.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("a-very-long-word x", 4), ["a-very-long-word", "x"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
