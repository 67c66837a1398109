//! Tables for people, with one look shared by every command: light borders, right-aligned
//! numbers, and a width that fits the terminal (or 100 columns in a pipe).

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle};

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

/// Writes a table whose columns all keep their content width (none wraps) `piece_rows` rows
/// at a time, each piece drawn at the column widths of the whole: the same bytes as one table,
/// in the memory of one piece. A table holds every cell and draws every line before writing
/// the first, which for a million groups took gigabytes. `piece(rows)` builds the table of
/// those rows, header included; it is called twice per piece (to measure, then to draw).
pub fn write_in_pieces(
    rows: usize,
    piece_rows: usize,
    piece: impl Fn(std::ops::Range<usize>) -> Table,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let starts: Vec<usize> = (0..rows.max(1)).step_by(piece_rows.max(1)).collect();
    let range = |start: usize| start..(start + piece_rows).min(rows);
    let mut widths = piece(0..0).column_max_content_widths();
    for &start in &starts {
        for (width, max) in widths.iter_mut().zip(piece(range(start)).column_max_content_widths()) {
            *width = (*width).max(max);
        }
    }
    // The top border, the header and the rule under it open every piece; only the first
    // keeps them. The bottom border closes every piece; only the last keeps it.
    let opening = piece(0..0).lines().count().saturating_sub(1);
    for (index, &start) in starts.iter().enumerate() {
        let mut t = piece(range(start));
        for (column, &width) in t.column_iter_mut().zip(&widths) {
            column.set_constraint(ColumnConstraint::Absolute(comfy_table::Width::Fixed(width)));
        }
        let lines: Vec<String> = t.lines().collect();
        let first = if index == 0 { 0 } else { opening };
        let last = if index + 1 == starts.len() { lines.len() } else { lines.len().saturating_sub(1) };
        for line in lines.get(first..last).unwrap_or_default() {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
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
            write_in_pieces(rows, 3, whole_of, &mut pieces).unwrap();
            assert_eq!(String::from_utf8(pieces).unwrap(), format!("{}\n", whole_of(0..rows)), "{rows} rows");
        }
    }
}
