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
