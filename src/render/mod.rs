//! Rows -> bytes: the output formats behind one closed enum. Commands build rows (serde
//! records for CSV and JSON, cells for tables); this module only writes them. It never
//! computes a figure and never decides which rows to show.

pub mod atomic;
pub mod chart;
pub mod csv_layout;
pub mod fixed;
pub mod ladder;
pub mod mermaid;
pub mod ordered;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod table;
pub mod text;

use std::borrow::Cow;
use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A table for people.
    #[default]
    Table,
    /// CSV with a header.
    Csv,
    /// One JSON object per line.
    Json,
    /// Parquet: only `calls` writes it, through `render::parquet`, never through [`write`].
    Parquet,
}

/// What a command writes, in every format: each command implements it once for its rows, and
/// [`write`] is the one place that picks among the formats.
pub trait Render {
    /// As a table (or text) for people.
    fn table(&self, out: &mut dyn Write) -> anyhow::Result<()>;
    /// As CSV with a header.
    fn csv(&self, out: &mut dyn Write) -> anyhow::Result<()>;
    /// As JSON lines.
    fn json(&self, out: &mut dyn Write) -> anyhow::Result<()>;
}

/// Writes `what` in `format`.
pub fn write(format: Format, what: &dyn Render, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Table => what.table(out),
        Format::Csv => what.csv(out),
        Format::Json => what.json(out),
        Format::Parquet => Err(crate::exit::UsageError("--format parquet is for calls only".into()).into()),
    }
}

/// Writes records as CSV under a fixed header, so that an empty result still names its columns
/// (a cron job's report keeps a stable shape even on a quiet day).
pub(crate) fn write_csv_with_header<T: Serialize>(
    header: &[&str],
    rows: impl IntoIterator<Item = T>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// A CSV text cell as `--csv-safe` writes it: a cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, as OWASP
/// recommends against CSV injection. Only text columns go through here: a number such as a
/// negative duration is a value, not a formula. Other cells are borrowed unchanged.
pub(crate) fn formula_safe(text: &str, safe: bool) -> Cow<'_, str> {
    if safe && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Rows one thread renders at a time.
const CHUNK_ROWS: usize = 2048;

/// Writes `items`, `render` turning a run of them into bytes: runs are rendered in parallel
/// and written in order, a few per thread at a time, so the output is the same as a
/// sequential one and memory stays bounded.
pub(crate) fn write_in_parallel<T: Sync>(
    items: &[T],
    out: &mut dyn Write,
    render: impl Fn(&[T], &mut Vec<u8>) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<()> {
    let window = CHUNK_ROWS * rayon::current_num_threads() * 2;
    for part in items.chunks(window) {
        let rendered: Vec<anyhow::Result<Vec<u8>>> = part
            .par_chunks(CHUNK_ROWS)
            .map(|rows| {
                let mut buf = Vec::with_capacity(rows.len() * 256);
                render(rows, &mut buf)?;
                Ok(buf)
            })
            .collect();
        for buf in rendered {
            out.write_all(&buf?)?;
        }
    }
    Ok(())
}

/// Writes JSON lines made by `row` from each item, in parallel.
pub(crate) fn write_json_lines_in_parallel<T: Sync, R: Serialize>(
    items: &[T],
    row: impl Fn(&T) -> R + Sync,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    write_in_parallel(items, out, |items, buf| write_json_lines(items.iter().map(&row), buf))
}

/// Writes records as JSON, one object per line.
pub(crate) fn write_json_lines<T: Serialize>(
    rows: impl IntoIterator<Item = T>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for row in rows {
        serde_json::to_writer(&mut *out, &row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A count with its noun: `1 call`, `0 calls`, `3 calls`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration for people: `8s`, `1m 05s`, `2h 03m 09s`; negative values keep their sign.
pub(crate) fn human_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sign}{sec}s"),
        (0, min, sec) => format!("{sign}{min}m {sec:02}s"),
        (h, min, sec) => format!("{sign}{h}h {min:02}m {sec:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_safe_prefixes_only_what_a_spreadsheet_would_run() {
        for risky in ["=1+1", "+48123", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_safe(risky, true), format!("'{risky}"));
            assert_eq!(formula_safe(risky, false), risky);
        }
        for plain in ["", "pkowalski", "a=b", " =1", "'quoted"] {
            assert!(matches!(formula_safe(plain, true), Cow::Borrowed(t) if t == plain));
        }
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(8), "8s");
        assert_eq!(human_duration(65), "1m 05s");
        assert_eq!(human_duration(3600 + 62), "1h 01m 02s");
        assert_eq!(human_duration(-5), "-5s");
    }

    #[derive(Serialize)]
    struct Row<'a> {
        name: &'a str,
        n: Option<i64>,
    }

    #[test]
    fn csv_writes_empty_fields_for_missing_values_and_keeps_the_header_when_empty() {
        let mut out = Vec::new();
        let rows = [Row { name: "a,b", n: None }, Row { name: "c", n: Some(3) }];
        write_csv_with_header(&["name", "n"], rows, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "name,n\n\"a,b\",\nc,3\n");
        let mut out = Vec::new();
        write_csv_with_header(&["name", "n"], Vec::<Row<'_>>::new(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "name,n\n");
    }

    #[test]
    fn json_lines_write_nulls() {
        let mut out = Vec::new();
        write_json_lines([Row { name: "a", n: None }], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"name\":\"a\",\"n\":null}\n");
    }
}
