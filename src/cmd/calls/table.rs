//! The calls table: its columns and how one call becomes one line of it. The widths are fixed
//! before the first call settles ([`crate::render::fixed`]), so the table streams as CSV and
//! JSON do: the header, one line per call as it is released, the closing rule and count.

use crossterm::style::Color;

use crate::config::OutputSettings;
use crate::metrics::Outcome;
use crate::model::{Call, Dataset};
use crate::render::fixed::{Align, Cell, Column, Layout, Shrink};
use crate::render::{self, counted};
use crate::report::rows::CallRecord;
use crate::report::timefmt::Zone;

/// Widest a duration is drawn whole: `23h 59m 59s` is 11, `2h 03m 09s` 10.
const DURATION: usize = 10;

/// On a narrow terminal, the columns give up room in this order until the consultant has
/// [`CONSULTANT`] columns: durations of an hour or more are cut first (rare), then
/// `consultant` as a hangup side, then `not_answered`, then durations of ten minutes or more.
const SHRINK: [Shrink; 9] = [(3, 7), (4, 7), (5, 7), (6, 7), (7, 8), (3, 6), (4, 6), (5, 6), (6, 6)];

/// The width the consultant's rule is drawn to; names run past it, unpadded (it is the last
/// column), so in a pipe every name is written whole.
const CONSULTANT: usize = 20;

/// The calls table laid out for `output`: its zone names the start column, its terminal
/// (if any) sets the width.
pub fn layout(output: &OutputSettings) -> Layout {
    // A named zone marks a time it cannot write locally with a `Z`.
    let start = if output.zone == Zone::Utc { 19 } else { 20 };
    let columns = vec![
        Column::new(&format!("Start\n({})", output.zone.name()), Align::Left, start),
        Column::new("Call", Align::Left, 8),
        Column::new("Dir", Align::Left, 3),
        Column::new("Wait", Align::Right, DURATION),
        Column::new("Talk", Align::Right, DURATION),
        Column::new("Total", Align::Right, DURATION),
        Column::new("Hangup", Align::Left, "consultant".len()),
        Column::new("Outcome", Align::Left, "not_answered".len()),
        Column::new("Legs", Align::Right, 4),
        Column::new("Consultant", Align::Left, CONSULTANT),
    ];
    Layout::new(columns, output.terminal.width, &SHRINK)
}

/// Appends one call's line.
pub fn row(layout: &Layout, ds: &Dataset, call: &Call, output: &OutputSettings, out: &mut Vec<u8>) {
    let rec = CallRecord::new(ds, call, &output.zone);
    let duration = |s: Option<i64>| Cell::plain(s.map(render::human_duration).unwrap_or_default());
    let on = output.terminal.color;
    let direction = match rec.direction {
        Some(d) if d.eq_ignore_ascii_case("inbound") => "in",
        Some(d) if d.eq_ignore_ascii_case("outbound") => "out",
        Some(d) => d,
        None => "",
    };
    let cells = [
        Cell::plain(output.zone.wall_clock(call.figures.start)),
        Cell::plain(short_id(rec.call_id)),
        Cell::plain(direction),
        duration(rec.wait_s),
        duration(rec.talk_s),
        duration(rec.duration_s),
        Cell { text: rec.hangup_side.as_ref().into(), color: hangup_color(&rec.hangup_side).filter(|_| on) },
        Cell { text: rec.outcome.into(), color: Some(outcome_color(call.figures.outcome())).filter(|_| on) },
        Cell::plain(rec.legs.to_string()),
        Cell::plain(rec.consultant.unwrap_or("")),
    ];
    layout.row(&cells, out);
}

/// The closing rule and the count of calls.
pub fn footer(layout: &Layout, calls: u64, out: &mut Vec<u8>) {
    layout.rule(out);
    out.extend(counted(calls, "call", "calls").as_bytes());
    out.push(b'\n');
}

/// Outcomes at a glance: answered green, missed yellow, still open cyan.
fn outcome_color(outcome: Outcome) -> Color {
    match outcome {
        Outcome::Answered => Color::Green,
        Outcome::NotAnswered => Color::Yellow,
        Outcome::Open => Color::Cyan,
    }
}

/// Who hung up: the client in blue, the consultant in magenta, anything else plain.
fn hangup_color(side: &str) -> Option<Color> {
    match side {
        "client" => Some(Color::Blue),
        "consultant" => Some(Color::Magenta),
        _ => None,
    }
}

/// The first 8 characters of a uuid: unique enough to read, short enough for a table.
pub fn short_id(uuid: &str) -> &str {
    uuid.get(..8).unwrap_or(uuid)
}
