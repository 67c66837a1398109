//! How CSV output is laid out for a spreadsheet: the field separator (a Polish Excel expects
//! `;`), whether a header comes first (not when appending to a running file), and which
//! columns, in which order. Commands hand over every field of a row in their fixed column
//! order; this module picks and writes. Column names are checked against a command's columns
//! once, before any input is read.

use std::io::Write;

/// The CSV layout chosen by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLayout {
    /// The field separator, one ASCII byte.
    pub delimiter: u8,
    /// Write the header line.
    pub header: bool,
    /// Indexes into the command's columns, in output order; `None` for all, in their order.
    pub columns: Option<Vec<usize>>,
    /// Text cells that a spreadsheet would run as a formula get a leading `'` (`--csv-safe`).
    pub safe: bool,
}

impl Default for CsvLayout {
    fn default() -> Self {
        CsvLayout { delimiter: b',', header: true, columns: None, safe: false }
    }
}

/// A column name the command does not have, with the names it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownColumn {
    /// The name asked for.
    pub name: String,
    /// The command's columns, in order.
    pub valid: Vec<String>,
}

impl std::fmt::Display for UnknownColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no column {:?}; the columns are: {}", self.name, self.valid.join(", "))
    }
}

impl CsvLayout {
    /// The indexes of `wanted` among `columns` (names compared in any case), in the order
    /// given; a repeated name is written twice, as asked.
    pub fn pick(columns: &[&str], wanted: &[String]) -> Result<Vec<usize>, UnknownColumn> {
        let index = |name: &String| {
            let name = name.trim();
            columns.iter().position(|c| c.eq_ignore_ascii_case(name)).ok_or_else(|| UnknownColumn {
                name: name.to_owned(),
                valid: columns.iter().map(|c| c.to_string()).collect(),
            })
        };
        wanted.iter().map(index).collect()
    }

    /// A CSV writer with this separator that writes only what it is given (no serde header).
    pub fn writer<W: Write>(&self, out: W) -> csv::Writer<W> {
        csv::WriterBuilder::new().delimiter(self.delimiter).has_headers(false).from_writer(out)
    }

    /// Writes one row, given every field in the command's column order.
    pub fn write_record<W: Write, F: AsRef<[u8]>>(&self, out: &mut csv::Writer<W>, fields: &[F]) -> csv::Result<()> {
        match &self.columns {
            None => out.write_record(fields),
            Some(columns) => out.write_record(columns.iter().map(|&i| fields.get(i).map_or(&b""[..], AsRef::as_ref))),
        }
    }

    /// Writes the header, unless the layout has none, then `rows`.
    pub fn write<F: AsRef<[u8]>>(
        &self,
        header: &[&str],
        rows: impl IntoIterator<Item = impl AsRef<[F]>>,
        out: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer(out);
        if self.header {
            self.write_record(&mut writer, header)?;
        }
        for row in rows {
            self.write_record(&mut writer, row.as_ref())?;
        }
        writer.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(layout: &CsvLayout) -> String {
        let mut out = Vec::new();
        layout.write(&["a", "b", "c"], [["1", "x;y", "3"]], &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn separator_header_and_columns() {
        assert_eq!(written(&CsvLayout::default()), "a,b,c\n1,x;y,3\n");
        let semicolon = CsvLayout { delimiter: b';', ..CsvLayout::default() };
        assert_eq!(written(&semicolon), "a;b;c\n1;\"x;y\";3\n", "a field holding the separator is quoted");
        let columns = CsvLayout::pick(&["a", "b", "c"], &["C".into(), "a".into()]).unwrap();
        let picked = CsvLayout { header: false, columns: Some(columns), ..CsvLayout::default() };
        assert_eq!(written(&picked), "3,1\n");
    }

    #[test]
    fn unknown_columns_name_the_valid_ones() {
        let err = CsvLayout::pick(&["a", "b"], &["a".into(), "z".into()]).unwrap_err();
        assert_eq!(err.to_string(), "no column \"z\"; the columns are: a, b");
    }
}
