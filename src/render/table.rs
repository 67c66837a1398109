//! Tables for people, with one look shared by every command: light borders, right-aligned
//! numbers, and a width that fits the terminal. In a pipe nothing wraps: a row stays one line,
//! so `grep` finds it. The calls table, which streams, is drawn by [`super::fixed`] instead.

use std::io;
use std::ops::Range;

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle, Width};

/// Rules above, under the header and below; no lines between rows, so long lists stay dense.
const STYLE: TableStyle = TableStyle::new()
    .top_border(LineStyle::none().fill('─').junction('─'))
    .header_separator(LineStyle::none().fill('─').junction('─'))
    .bottom_border(LineStyle::none().fill('─').junction('─'));

/// A new table with the shared style and the given header. On a terminal `width` columns
/// wide it wraps long cells to fit; with no width (stdout is not a terminal) nothing wraps.
pub fn new(header: &[&str], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.load_style(STYLE).set_header(header.iter().copied());
    // The empty vertical rule already leaves one space between columns: no padding keeps
    // wide rows narrow.
    for column in table.column_iter_mut() {
        column.set_padding((0, 0));
    }
    match width {
        Some(width) => table.set_content_arrangement(ContentArrangement::Dynamic).set_width(width),
        None => table.set_content_arrangement(ContentArrangement::Disabled).force_no_tty(),
    };
    table
}

/// Right-aligns the given columns (numbers and durations).
pub(crate) fn align_right(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Keeps each row of `table` on one line: on a narrow terminal a long cell (a phone number, a
/// close cause) is cut and ends in `…` rather than wrapping in two. Only a terminal's width
/// ever cuts: in a pipe the table is as wide as its cells.
pub(crate) fn one_line_rows(table: &mut Table) {
    for row in table.row_iter_mut() {
        row.max_height(1);
    }
}

/// A cell of text from the log: escaped and cut by [`super::text::cell`], so that it can
/// neither steer the terminal nor take the layout quadratic time.
pub(crate) fn text_cell(text: &str) -> Cell {
    Cell::new(super::text::cell(text))
}

/// Rows [`write_in_pieces`] draws at a time.
pub(crate) const PIECE_ROWS: usize = 1000;

/// A long table drawn `piece_rows` rows at a time at fixed column widths, those the whole
/// table would get ([`content_widths`]): the same bytes as one table, in
/// the memory of one piece. A table holds every cell and draws every line before writing the
/// first, which for a million rows took gigabytes. `piece(rows)` builds the table of those
/// rows, header included.
pub(crate) fn write_in_pieces(
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
pub(crate) fn content_widths(rows: usize, piece_rows: usize, piece: impl Fn(Range<usize>) -> Table) -> Vec<u16> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_in_pieces_is_the_same_bytes_as_a_whole_one() {
        let names = ["a", "ewa.wojcik", "Zoë", "中文名字", "x"];
        let whole_of = |rows: std::ops::Range<usize>| {
            let mut t = new(&["Name", "Calls\nanswered", "Rate"], None);
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
}
