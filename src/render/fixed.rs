//! Tables drawn one line at a time, at column widths fixed before the first row: a header
//! once, then each row the moment it is known, so a table can stream like CSV. A width comes
//! from what a column holds (a timestamp, an 8-character id, a duration), never from the rows,
//! which are not all known when the header is written.
//!
//! A cell longer than its column is cut and ends in `…`; nothing ever wraps, so a row is one
//! line. The last column is the one of free text (a name): it is left unpadded and, when
//! no terminal width is given (a pipe), written whole up to [`text::MAX_CELL_WIDTH`], so
//! `grep` finds every row of a name. On a terminal the other columns give up room, in a
//! stated order, until the last one has its comfortable width or they are at their narrowest.
//!
//! Every cell passes through [`text::visible`]: log text cannot steer the terminal. This
//! module draws; which cells a row has, and their colours, are the caller's.

use std::borrow::Cow;
use std::io::Write as _;

use crossterm::style::{Color, Stylize};
use unicode_width::UnicodeWidthStr;

use super::text;

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text and names.
    Left,
    /// Numbers and durations.
    Right,
}

/// One column of a fixed-width table.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// The header; `\n` splits it over lines.
    pub header: String,
    /// Where cells sit.
    pub align: Align,
    /// The width every value of the column fits in; for the last column, the width its rule
    /// is drawn to (its names may run past it).
    pub width: usize,
}

impl Column {
    /// A column `width` wide, at least as wide as each line of its header.
    pub fn new(header: &str, align: Align, width: usize) -> Self {
        let widest = header.split('\n').map(UnicodeWidthStr::width).max().unwrap_or(0);
        Column { header: header.to_owned(), align, width: width.max(widest) }
    }
}

/// A cell: its text as the log has it (it is escaped here) and an optional colour.
#[derive(Debug, Clone)]
pub(crate) struct Cell<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The foreground colour, when colour is on.
    pub color: Option<Color>,
}

impl<'a> Cell<'a> {
    /// A plain cell.
    pub fn plain(text: impl Into<Cow<'a, str>>) -> Self {
        Cell { text: text.into(), color: None }
    }
}

/// Step of giving up room on a narrow terminal: this column goes down to this width.
pub(crate) type Shrink = (usize, usize);

/// The widths of a fixed-width table, decided once.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    columns: Vec<Column>,
    /// Each column's width; the last is where its cells are cut.
    widths: Vec<usize>,
    /// Width of the rules above and below.
    rule: usize,
}

impl Layout {
    /// The layout of `columns`. With `terminal` (its width in columns), the last column takes
    /// what is left, up to [`text::MAX_CELL_WIDTH`]; while that is less than its own width,
    /// the `shrink` steps are taken in order. Without, every column keeps its width and the
    /// last is written whole.
    pub fn new(columns: Vec<Column>, terminal: Option<u16>, shrink: &[Shrink]) -> Self {
        let mut widths: Vec<usize> = columns.iter().map(|c| c.width).collect();
        let Some((last, others)) = widths.split_last_mut() else {
            return Layout { columns, widths, rule: 0 };
        };
        let wanted = *last;
        let used = |others: &[usize]| others.iter().sum::<usize>() + others.len();
        if let Some(terminal) = terminal {
            let room = |others: &[usize]| usize::from(terminal).saturating_sub(used(others));
            for &(column, narrowest) in shrink {
                if room(others) >= wanted {
                    break;
                }
                let short = wanted - room(others);
                if let Some(width) = others.get_mut(column) {
                    *width -= (*width).saturating_sub(narrowest).min(short);
                }
            }
            *last = room(others).clamp(1, text::MAX_CELL_WIDTH);
        } else {
            *last = text::MAX_CELL_WIDTH;
        }
        let rule = used(others) + wanted.min(*last);
        Layout { columns, widths, rule }
    }

    /// The top rule, the header lines and the rule under them.
    pub fn header(&self, out: &mut Vec<u8>) {
        self.rule(out);
        let lines: Vec<Vec<&str>> = self.columns.iter().map(|c| c.header.split('\n').collect()).collect();
        let depth = lines.iter().map(Vec::len).max().unwrap_or(0);
        for line in 0..depth {
            let cells: Vec<Cell> = lines.iter().map(|l| Cell::plain(*l.get(line).unwrap_or(&""))).collect();
            self.row(&cells, out);
        }
        self.rule(out);
    }

    /// A rule across the table.
    pub fn rule(&self, out: &mut Vec<u8>) {
        out.extend("─".repeat(self.rule).as_bytes());
        out.push(b'\n');
    }

    /// One row: its cells cut to their columns, on one line.
    pub fn row(&self, cells: &[Cell], out: &mut Vec<u8>) {
        // Spaces owed before the next text; those still owed at the end of the line are
        // dropped, so the last column is never padded.
        let mut owed = 0;
        for (index, ((column, &width), cell)) in self.columns.iter().zip(&self.widths).zip(cells).enumerate() {
            owed += usize::from(index > 0);
            let shown = text::fit(text::visible(&cell.text), width);
            let pad = width.saturating_sub(shown.width());
            if column.align == Align::Right {
                owed += pad;
            }
            if !shown.is_empty() {
                out.extend(std::iter::repeat_n(b' ', owed));
                owed = 0;
                match cell.color {
                    // Writing to a Vec cannot fail.
                    Some(color) => drop(write!(out, "{}", shown.as_ref().with(color))),
                    None => out.extend_from_slice(shown.as_bytes()),
                }
            }
            if column.align == Align::Left {
                owed += pad;
            }
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column::new("Id", Align::Left, 4),
            Column::new("Time\n(s)", Align::Right, 6),
            Column::new("Name", Align::Left, 8),
        ]
    }

    fn drawn(layout: &Layout, rows: &[[&str; 3]]) -> String {
        let mut out = Vec::new();
        layout.header(&mut out);
        for row in rows {
            layout.row(&row.map(Cell::plain), &mut out);
        }
        layout.rule(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_pipe_keeps_every_width_and_writes_the_last_column_whole() {
        let layout = Layout::new(columns(), None, &[(1, 3)]);
        let table = drawn(&layout, &[["ab", "12", "ewa"], ["abcdef", "1234567", "krzysztof.dabrowski"]]);
        let rule = "─".repeat(4 + 1 + 6 + 1 + 8);
        let expected = format!(
            "{rule}\nId     Time Name\n        (s)\n{rule}\nab       12 ewa\nabc… 12345… krzysztof.dabrowski\n{rule}\n"
        );
        assert_eq!(table, expected);
    }

    #[test]
    fn a_terminal_cuts_the_last_column_to_what_is_left_after_the_shrink_steps() {
        // 12 columns: Id and Time take 4 + 1 + 6 + 1 = 12 before any shrinking.
        let layout = Layout::new(columns(), Some(17), &[(1, 3), (0, 2)]);
        let table = drawn(&layout, &[["abcdef", "123", "krzysztof.dabrowski"]]);
        // Time gives 3, Id gives none (2 would do): the name gets 17 - (4+1+3+1) = 8.
        assert!(table.contains("\nabc… 123 krzyszt…\n"), "{table}");
        assert!(table.lines().all(|line| line.width() <= 17), "{table}");
        // A wide terminal gives names room up to the cap and draws the rule to the column's width.
        let wide = Layout::new(columns(), Some(200), &[(1, 3)]);
        let name = "x".repeat(100);
        let table = drawn(&wide, &[["a", "1", &name]]);
        assert!(table.contains(&format!(" {}…\n", "x".repeat(text::MAX_CELL_WIDTH - 1))), "{table}");
        assert!(table.starts_with(&format!("{}\n", "─".repeat(4 + 1 + 6 + 1 + 8))));
    }

    #[test]
    fn cells_are_escaped_and_colours_do_not_count_as_width() {
        let layout = Layout::new(columns(), None, &[]);
        let mut out = Vec::new();
        let cells =
            [Cell { text: "ok".into(), color: Some(Color::Green) }, Cell::plain("7"), Cell::plain("\x1b]0;x\x07")];
        layout.row(&cells, &mut out);
        let line = String::from_utf8(out).unwrap();
        assert_eq!(line, format!("{}        7 \\x1b]0;x\\x07\n", "ok".with(Color::Green)));
    }
}
