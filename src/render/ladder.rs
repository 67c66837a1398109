//! The ladder diagram of one call: one column per leg, time going down, one row per event.
//!
//! Each leg's column carries a lifeline that shows its state between events (dotted while it
//! rings, double while it talks, absent before its first event and after its close), and a
//! mark with a short label on the rows of its own events. The leg that hung up is marked `╳`.
//! Columns share the width so that 2 to 6 legs fit in 100 columns. Only the first
//! [`MAX_LANES`] legs are drawn, and one line counts the legs and events left out: a row per
//! event and a column per leg would grow with their product. Colour is a parameter,
//! decided by `config`; this module only draws what it is given and knows nothing of datasets.

use std::io::{self, Write};

use super::human_duration;

/// The whole width the ladder aims to fit.
pub(crate) const WIDTH: usize = 100;

/// The most legs drawn as columns; the tables beside the ladder list every leg and event.
pub(crate) const MAX_LANES: usize = 12;

/// Rows are events, not seconds; a quiet stretch this long or longer gets an extra row of
/// lifelines for each threshold it passes, so long talks and rings look long.
const GAPS: [i64; 3] = [10, 60, 600];

/// One leg, drawn as a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The leg's short uuid.
    pub id: String,
    /// Its side: `consultant`, `client`, …
    pub side: String,
    /// Who: username or number (may be empty).
    pub party: String,
    /// The lane of its parent leg, when that leg is in the call.
    pub parent: Option<usize>,
}

/// What an event did to its leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The leg's `dialog_create`.
    Created,
    /// `ringing` or `alerting`.
    Ringing,
    /// `answered`.
    Answered,
    /// `talking`: the parties are connected.
    Talking,
    /// Any other state, kept verbatim in the label.
    Other,
    /// A close that did not decide the hangup side.
    Closed,
    /// The close that decided the hangup side.
    HungUp,
}

impl Mark {
    fn glyph(self) -> char {
        match self {
            Mark::Created => '●',
            Mark::Ringing => '○',
            Mark::Answered => '◇',
            Mark::Talking => '◆',
            Mark::Other => '·',
            Mark::Closed => '■',
            Mark::HungUp => '╳',
        }
    }

    /// The ANSI colour of the mark and its label.
    fn colour(self) -> &'static str {
        match self {
            Mark::Created | Mark::Ringing => "33",
            Mark::Answered | Mark::Other => "36",
            Mark::Talking => "32",
            Mark::Closed => "2",
            Mark::HungUp => "1;31",
        }
    }

    /// The lifeline drawn below the mark, until the leg's next event.
    fn lifeline(self, label: &str) -> Life {
        match self {
            Mark::Created if label == "talking" => Life::Talking,
            Mark::Created | Mark::Ringing => Life::Ringing,
            Mark::Answered | Mark::Other => Life::Up,
            Mark::Talking => Life::Talking,
            Mark::Closed | Mark::HungUp => Life::Gone,
        }
    }
}

/// A leg's state between its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Gone,
    Ringing,
    Up,
    Talking,
}

impl Life {
    fn draw(self) -> (&'static str, &'static str) {
        match self {
            Life::Gone => (" ", ""),
            Life::Ringing => ("┆", "33"),
            Life::Up => ("│", ""),
            Life::Talking => ("║", "32"),
        }
    }
}

/// One event, one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The lane of the event's leg.
    pub lane: usize,
    /// Seconds since the call's start.
    pub offset_s: i64,
    /// What the event did.
    pub mark: Mark,
    /// A short label: the state, the close cause, `hung up`.
    pub label: String,
}

/// `+0s`, `+6s`, `+1m 02s`.
pub(crate) fn offset_label(offset_s: i64) -> String {
    format!("+{}", human_duration(offset_s))
}

/// Draws the ladder of the first [`MAX_LANES`] legs, then a legend of its marks.
pub fn write(lanes: &[Lane], steps: &[Step], color: bool, out: &mut dyn Write) -> io::Result<()> {
    let (all_lanes, all_steps) = (lanes, steps);
    let lanes = &lanes[..lanes.len().min(MAX_LANES)];
    let steps: Vec<&Step> = steps.iter().filter(|step| step.lane < lanes.len()).collect();
    let offsets: Vec<String> = steps.iter().map(|s| offset_label(s.offset_s)).collect();
    let gutter = offsets.iter().map(|o| o.chars().count()).max().unwrap_or(0).max(3) + 2;
    let grid = Grid { gutter, lane_width: ((WIDTH - gutter) / lanes.len().max(1)).clamp(12, 24), color };
    for row in 0..3 {
        let cells = lanes.iter().map(|lane| {
            let text = fit([&lane.id, &lane.side, &lane.party][row], grid.lane_width - 1);
            (grid.paint(&text, if row == 0 { "1" } else { "" }), text.chars().count())
        });
        writeln!(out, "{}", grid.line("", cells))?;
    }
    let mut life = vec![Life::Gone; lanes.len()];
    let mut previous = None;
    for (step, offset) in steps.iter().zip(&offsets) {
        let gap = previous.map_or(0, |p| step.offset_s - p);
        for _ in GAPS.iter().filter(|&&long| gap >= long) {
            writeln!(out, "{}", grid.line("", life.iter().map(|state| grid.lifeline(*state))))?;
        }
        let shown = if previous == Some(step.offset_s) { "" } else { offset.as_str() };
        previous = Some(step.offset_s);
        let cells = life.iter().enumerate().map(|(index, state)| {
            if index == step.lane {
                let text = fit(&format!("{} {}", step.mark.glyph(), step.label), grid.lane_width - 1);
                (grid.paint(&text, step.mark.colour()), text.chars().count())
            } else {
                grid.lifeline(*state)
            }
        });
        writeln!(out, "{}", grid.line(shown, cells))?;
        if let Some(state) = life.get_mut(step.lane) {
            *state = step.mark.lifeline(&step.label);
        }
    }
    if all_lanes.len() > lanes.len() {
        let (legs, events) = (all_lanes.len() - lanes.len(), all_steps.len() - steps.len());
        let note = format!("… {} left out of the ladder; the tables list them all", left_out(legs, events));
        writeln!(out, "{}{note}", " ".repeat(grid.gutter))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", legend(color))
}

/// `3 more legs and their 9 events`.
fn left_out(legs: usize, events: usize) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!("{} and their {}", plural(legs, "more leg", "more legs"), plural(events, "event", "events"))
}

/// The ladder's geometry and colour choice.
struct Grid {
    gutter: usize,
    lane_width: usize,
    color: bool,
}

impl Grid {
    /// One row: the offset right-aligned in the gutter, then each (painted cell, visible width)
    /// padded to the lane width; trailing blanks trimmed.
    fn line(&self, offset: &str, cells: impl Iterator<Item = (String, usize)>) -> String {
        let mut line = format!("{offset:>width$}  ", width = self.gutter - 2);
        for (cell, width) in cells {
            line.push_str(&cell);
            line.push_str(&" ".repeat(self.lane_width.saturating_sub(width)));
        }
        line.trim_end().to_owned()
    }

    fn lifeline(&self, state: Life) -> (String, usize) {
        let (glyph, code) = state.draw();
        (self.paint(glyph, code), 1)
    }

    fn paint(&self, text: &str, code: &str) -> String {
        paint(text, code, self.color)
    }
}

fn legend(color: bool) -> String {
    let marks = [
        (Mark::Created, "created"),
        (Mark::Ringing, "ringing"),
        (Mark::Answered, "answered"),
        (Mark::Talking, "talking"),
        (Mark::Closed, "closed"),
        (Mark::HungUp, "hung up"),
    ];
    let mut parts: Vec<String> =
        marks.iter().map(|(mark, name)| paint(&format!("{} {name}", mark.glyph()), mark.colour(), color)).collect();
    parts.push(format!(
        "{} ringing  {} up  {} talking",
        Life::Ringing.draw().0,
        Life::Up.draw().0,
        Life::Talking.draw().0
    ));
    parts.join("  ")
}

/// The text cut to `width` characters, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color && !code.is_empty() && !text.trim().is_empty() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(id: &str, side: &str, party: &str) -> Lane {
        Lane { id: id.into(), side: side.into(), party: party.into(), parent: None }
    }

    fn step(lane: usize, offset_s: i64, mark: Mark, label: &str) -> Step {
        Step { lane, offset_s, mark, label: label.into() }
    }

    fn draw(lanes: &[Lane], steps: &[Step], color: bool) -> String {
        let mut out = Vec::new();
        write(lanes, steps, color, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lifelines_follow_each_legs_state() {
        let lanes = [lane("aaaaaaaa", "consultant", "pk"), lane("bbbbbbbb", "client", "48123")];
        let steps = [
            step(0, 0, Mark::Created, "ringing"),
            step(1, 6, Mark::Created, "ringing"),
            step(1, 20, Mark::Talking, "talking"),
            step(0, 20, Mark::Talking, "talking"),
            step(1, 28, Mark::HungUp, "hung up"),
            step(0, 28, Mark::Closed, "DIALOG_LEFT"),
        ];
        let text = draw(&lanes, &steps, false);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], "      aaaaaaaa                bbbbbbbb");
        assert_eq!(rows[3], " +0s  ● ringing");
        assert_eq!(rows[4], " +6s  ┆                       ● ringing");
        assert_eq!(rows[5], "      ┆                       ┆");
        assert_eq!(rows[6], "+20s  ┆                       ◆ talking");
        assert_eq!(rows[7], "      ◆ talking               ║");
        assert_eq!(rows[8], "+28s  ║                       ╳ hung up");
        assert_eq!(rows[9], "      ■ DIALOG_LEFT");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn six_legs_fit_in_a_hundred_columns_with_long_labels_cut() {
        let lanes: Vec<Lane> = (0..6).map(|i| lane(&format!("leg{i}"), "consultant", "a.very.long.username")).collect();
        let steps: Vec<Step> =
            (0..6).map(|i| step(i, 3600 + i as i64, Mark::Closed, "A_VERY_LONG_CLOSE_CAUSE")).collect();
        let text = draw(&lanes, &steps, false);
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(text.contains("+1h 00m 05s"), "{text}");
        assert!(text.contains("a.very.long.… a.very"), "{text}");
    }

    #[test]
    fn only_the_first_legs_are_drawn_and_the_rest_are_counted() {
        let lanes: Vec<Lane> = (0..1000).map(|i| lane(&format!("leg{i:04}"), "consultant", "pk")).collect();
        let steps: Vec<Step> = (0..3000).map(|i| step(i / 3, i as i64 / 3, Mark::Ringing, "ringing")).collect();
        let text = draw(&lanes, &steps, false);
        assert!(text.contains("leg0011") && !text.contains("leg0012"), "{text}");
        assert!(text.contains("… 988 more legs and their 2964 events left out of the ladder"), "{text}");
        // Three header rows, a row per drawn event and its gaps, the note, the legend.
        assert!(text.lines().count() < 3 + 36 * 2 + 3, "{text}");
        assert!(text.lines().all(|line| line.chars().count() <= 6 + MAX_LANES * 24), "{text}");
        let few = draw(&lanes[..12], &steps[..36], false);
        assert!(!few.contains("left out"), "{few}");
    }

    #[test]
    fn colour_only_when_asked() {
        let lanes = [lane("aaaaaaaa", "client", "")];
        let steps = [step(0, 0, Mark::HungUp, "hung up")];
        assert!(draw(&lanes, &steps, true).contains("\x1b[1;31m╳ hung up\x1b[0m"));
        assert!(!draw(&lanes, &steps, false).contains('\x1b'));
    }
}
