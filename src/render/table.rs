//! Tables for people, with one look shared by every command: light borders, right-aligned
//! numbers, and a width that fits the terminal (or 100 columns in a pipe).

use std::io;
use std::ops::Range;

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle, Width};

/// Width used when stdout is not a terminal, so piped tables stay readable and stable.
pub const PIPE_WIDTH: u16 = 100;

/// Rules above, under the header and below; no lines between rows, so long lists stay dense.
const STYLE: TableStyle = TableStyle::new()
    .top_border(LineStyle::none().fill('─').junction('─'))
    .header_separator(LineStyle::none().fill('─').junction('─'))
    .bottom_border(LineStyle::none().fill('─').junction('─'));

/// A new table with the shared style and the given header. On a terminal it fits the
/// terminal's width; elsewhere it fits [`PIPE_WIDTH`].
pub fn new(header: &[&str], on_terminal: bool) -> Table {
    let mut table = Table::new();
    table.load_style(STYLE).set_content_arrangement(ContentArrangement::Dynamic).set_header(header.iter().copied());
    // The empty vertical rule already leaves one space between columns: no padding keeps
    // wide rows inside 100 columns.
    for column in table.column_iter_mut() {
        column.set_padding((0, 0));
    }
    if !on_terminal {
        table.force_no_tty().set_width(PIPE_WIDTH);
    }
    table
}

/// Right-aligns the given columns (numbers and durations).
pub fn align_right(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Keeps the given columns at their content width (times, ids): other columns wrap first.
pub fn keep_whole(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// A cell of text from the log: escaped and cut by [`super::text::cell`], so that it can
/// neither steer the terminal nor take the layout quadratic time.
pub fn text_cell(text: &str) -> Cell {
    Cell::new(super::text::cell(text))
}

/// Rows [`write_in_pieces`] draws at a time.
pub const PIECE_ROWS: usize = 1000;

/// A long table drawn `piece_rows` rows at a time at fixed column widths, those the whole
/// table would get ([`content_widths`], [`arranged_widths`]): the same bytes as one table, in
/// the memory of one piece. A table holds every cell and draws every line before writing the
/// first, which for a million rows took gigabytes. `piece(rows)` builds the table of those
/// rows, header included.
pub fn write_in_pieces(
    rows: usize,
    piece_rows: usize,
    widths: &[u16],
    piece: impl Fn(Range<usize>) -> Table,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let fixed = |rows: Range<usize>| {
        let mut t = piece(rows);
        for (column, &width) in t.column_iter_mut().zip(widths) {
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(width)));
        }
        t
    };
    // The top border, the header and the rule under it open every piece; only the first
    // keeps them. The bottom border closes every piece; only the last keeps it.
    let opening = fixed(0..0).lines().count().saturating_sub(1);
    let starts = piece_starts(rows, piece_rows);
    for (index, &start) in starts.iter().enumerate() {
        let lines: Vec<String> = fixed(start..(start + piece_rows).min(rows)).lines().collect();
        let first = if index == 0 { 0 } else { opening };
        let last = if index + 1 == starts.len() { lines.len() } else { lines.len().saturating_sub(1) };
        for line in lines.get(first..last).unwrap_or_default() {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The first row of each piece; one (empty) piece for no rows, so the header is still drawn.
fn piece_starts(rows: usize, piece_rows: usize) -> Vec<usize> {
    (0..rows.max(1)).step_by(piece_rows.max(1)).collect()
}

/// The column widths of a table whose columns all keep their content width (none wraps):
/// the widest cell of each column over all pieces.
pub fn content_widths(rows: usize, piece_rows: usize, piece: impl Fn(Range<usize>) -> Table) -> Vec<u16> {
    let mut widths = piece(0..0).column_max_content_widths();
    for start in piece_starts(rows, piece_rows) {
        for (width, max) in
            widths.iter_mut().zip(piece(start..(start + piece_rows).min(rows)).column_max_content_widths())
        {
            *width = (*width).max(max);
        }
    }
    widths
}

/// The column widths the layout gives `probe`. A layout reads only each column's widest line
/// and how each cell would split, so a probe holding every distinct cell of a column (only
/// the widest, for a column that keeps its content width) under the same header and
/// constraints is laid out exactly like the whole table.
pub fn arranged_widths(mut probe: Table) -> Vec<u16> {
    // A junction no content can hold marks where one column ends and the next begins.
    let style = probe.style().top_border(LineStyle::none().fill('─').junction('┼'));
    probe.load_style(style);
    let top = probe.lines().next().unwrap_or_default();
    top.split('┼').map(|part| part.chars().filter(|&c| c == '─').count().try_into().unwrap_or(u16::MAX)).collect()
}

/// Distinct cells a [`Probe`] keeps per column; past this, the probe would cost what the
/// whole table does.
pub const PROBE_CELLS: usize = 10_000;

/// Rows of a [`arranged_widths`] probe: the widest cell of each column in `whole`, the
/// distinct cells of the others, up to [`PROBE_CELLS`] of them.
#[derive(Debug, Default)]
pub struct Probe {
    columns: Vec<Vec<String>>,
    seen: Vec<std::collections::HashSet<String>>,
    whole: Vec<usize>,
    full: bool,
}

impl Probe {
    /// A probe for `columns` columns, of which those in `whole` keep their content width.
    pub fn new(columns: usize, whole: &[usize]) -> Self {
        Probe {
            columns: vec![Vec::new(); columns],
            seen: vec![Default::default(); columns],
            whole: whole.to_vec(),
            full: false,
        }
    }

    /// Takes in one row's cells.
    pub fn add(&mut self, row: &[Cell]) {
        if self.full {
            return;
        }
        for (index, cell) in row.iter().enumerate().take(self.columns.len()) {
            let text = cell.content();
            let cells = &mut self.columns[index];
            if self.whole.contains(&index) {
                let wider = cells.first().is_none_or(|kept| text_width(kept) < text_width(&text));
                if wider {
                    *cells = vec![text];
                }
            } else if self.seen[index].insert(text.clone()) {
                cells.push(text);
                self.full |= cells.len() > PROBE_CELLS;
            }
        }
        if self.full {
            *self = Probe { full: true, ..Probe::default() };
        }
    }

    /// The probe's rows, added to `table` (which has the header and constraints); `None`
    /// when a column had more than [`PROBE_CELLS`] distinct cells.
    pub fn into_table(self, mut table: Table) -> Option<Table> {
        if self.full {
            return None;
        }
        let rows = self.columns.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..rows {
            table.add_row(self.columns.iter().map(|cells| cells.get(row).map_or("", String::as_str)));
        }
        Some(table)
    }
}

fn text_width(text: &str) -> usize {
    text.lines().map(unicode_width::UnicodeWidthStr::width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_in_pieces_is_the_same_bytes_as_a_whole_one() {
        let names = ["a", "ewa.wojcik", "Zoë", "中文名字", "x"];
        let whole_of = |rows: std::ops::Range<usize>| {
            let mut t = new(&["Name", "Calls\nanswered", "Rate"], false);
            for i in rows {
                t.add_row(vec![
                    text_cell(names[i % names.len()]),
                    Cell::new(i * 37),
                    Cell::new(format!("{}%", i % 100)),
                ]);
            }
            for column in t.column_iter_mut() {
                column.set_constraint(ColumnConstraint::ContentWidth);
            }
            align_right(&mut t, &[1, 2]);
            t
        };
        for rows in [0, 1, 3, 4, 7, 30] {
            let mut pieces = Vec::new();
            let widths = content_widths(rows, 3, whole_of);
            write_in_pieces(rows, 3, &widths, whole_of, &mut pieces).unwrap();
            assert_eq!(String::from_utf8(pieces).unwrap(), format!("{}\n", whole_of(0..rows)), "{rows} rows");
        }
    }

    #[test]
    fn a_wrapping_table_in_pieces_at_its_probe_widths_is_the_same_bytes_as_a_whole_one() {
        let words = ["ewa.wojcik", "Konsultant Paweł z projektu", "a b c d e f g h", "x", "中文 名字 很长的名字", ""];
        let header = ["Start\n(UTC)", "Who", "Note", "N"];
        let table_of = |rows: &mut dyn Iterator<Item = Vec<Cell>>| {
            let mut t = new(&header, false);
            t.set_width(40);
            t.add_rows(rows);
            align_right(&mut t, &[3]);
            keep_whole(&mut t, &[0]);
            t
        };
        let row = |i: usize| {
            let who = words[i % words.len()];
            let note = words[(i * 7 + 3) % words.len()].repeat(i % 4);
            vec![Cell::new(format!("2026-03-{:02}", i % 28 + 1)), text_cell(who), text_cell(&note), Cell::new(i * 13)]
        };
        for rows in [0, 1, 5, 17] {
            let mut probe = Probe::new(header.len(), &[0]);
            (0..rows).for_each(|i| probe.add(&row(i)));
            let widths = arranged_widths(probe.into_table(table_of(&mut std::iter::empty())).unwrap());
            let mut pieces = Vec::new();
            write_in_pieces(rows, 4, &widths, |r: Range<usize>| table_of(&mut r.map(row)), &mut pieces).unwrap();
            let whole = table_of(&mut (0..rows).map(row));
            assert_eq!(String::from_utf8(pieces).unwrap(), format!("{whole}\n"), "{rows} rows");
            if rows == 17 {
                // Cells did wrap: more lines than rules, header and rows.
                assert!(whole.lines().count() > 3 + 2 + rows, "{whole}");
            }
        }
    }

    #[test]
    fn a_probe_gives_up_past_its_limit() {
        let mut probe = Probe::new(1, &[]);
        for i in 0..=PROBE_CELLS {
            probe.add(&[Cell::new(i)]);
        }
        assert!(probe.into_table(new(&["N"], false)).is_none());
        let mut probe = Probe::new(1, &[]);
        for i in 0..=PROBE_CELLS {
            probe.add(&[Cell::new(i % 3)]);
        }
        assert_eq!(probe.into_table(new(&["N"], false)).unwrap().row_count(), 3);
    }
}
