//! Calls, legs and events as Parquet, for the engines people query history with (DuckDB,
//! Spark, Trino, ClickHouse). Rows are typed ([`rows`]), gathered into Arrow columns
//! ([`tables`]), and written by the arrow-rs writer, zstd-compressed, in row groups large
//! enough to scan; [`tree`] keeps one file per table and UTC day of the call's start.
//!
//! Rows are written in (start, call id) order, as the CSV is: calls that settle out of order
//! wait in [`Pending`] until the watermark says nothing earlier can come.

pub mod rows;
pub mod tables;
pub mod tree;

use std::collections::BTreeMap;
use std::io::Write;

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use rows::CallRows;
use tables::Table;

/// The version of the exported schema, in each file's key-value metadata under
/// [`SCHEMA_VERSION_KEY`]. Raised whenever a column is added; columns are never removed,
/// renamed or retyped.
pub(crate) const SCHEMA_VERSION: &str = "1";

/// The metadata key of [`SCHEMA_VERSION`].
pub(crate) const SCHEMA_VERSION_KEY: &str = "callflow.schema_version";

/// Rows per row group: large enough for engines to scan and skip by statistics, small enough
/// that a writer holds a few tens of megabytes.
pub(crate) const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Rows gathered into one Arrow batch before it goes to the writer.
const BATCH_ROWS: usize = 8192;

/// How every file is written.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(vec![KeyValue::new(SCHEMA_VERSION_KEY.into(), SCHEMA_VERSION.to_owned())]))
        .set_created_by(format!("callflow {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One Parquet file of table `T` being written into `W`.
pub(crate) struct TableWriter<T: Table, W: Write + Send> {
    rows: T,
    writer: ArrowWriter<W>,
}

impl<T: Table, W: Write + Send> TableWriter<T, W> {
    /// Starts a file in `out`.
    pub fn new(out: W) -> anyhow::Result<Self> {
        let writer = ArrowWriter::try_new(out, T::schema()?, Some(properties()))?;
        Ok(TableWriter { rows: T::default(), writer })
    }

    /// Adds the rows `call` has in the table.
    pub fn append(&mut self, call: &CallRows) -> anyhow::Result<()> {
        self.rows.append(call)?;
        if self.rows.rows() >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Adds the rows `calls` have in the table.
    pub fn append_all(&mut self, calls: &[CallRows]) -> anyhow::Result<()> {
        calls.iter().try_for_each(|call| self.append(call))
    }

    fn write_batch(&mut self) -> anyhow::Result<()> {
        if self.rows.rows() > 0 {
            self.writer.write(&self.rows.finish()?)?;
        }
        Ok(())
    }

    /// The bytes written so far: a buffer may be emptied as the file grows (see
    /// [`CallsFile`]).
    fn inner_mut(&mut self) -> &mut W {
        self.writer.inner_mut()
    }

    /// Writes the last rows and the footer; gives back where the file went.
    pub fn finish(mut self) -> anyhow::Result<W> {
        self.write_batch()?;
        Ok(self.writer.into_inner()?)
    }
}

/// One `calls` table written to a stream (`calls --format parquet -o FILE`): the writer fills
/// a buffer, which is moved to `out` as it grows, so memory holds one row group, not the file.
pub(crate) struct CallsFile<'o> {
    writer: TableWriter<tables::Calls, Vec<u8>>,
    out: &'o mut dyn Write,
}

impl<'o> CallsFile<'o> {
    /// Starts the file on `out`.
    pub fn new(out: &'o mut dyn Write) -> anyhow::Result<Self> {
        Ok(CallsFile { writer: TableWriter::new(Vec::new())?, out })
    }

    /// Adds calls' rows.
    pub fn append(&mut self, calls: &[CallRows]) -> anyhow::Result<()> {
        self.writer.append_all(calls)?;
        let written = self.writer.inner_mut();
        if !written.is_empty() {
            self.out.write_all(written)?;
            written.clear();
        }
        Ok(())
    }

    /// Writes the rest of the file.
    pub fn finish(self) -> anyhow::Result<()> {
        let rest = self.writer.finish()?;
        self.out.write_all(&rest)?;
        self.out.flush()?;
        Ok(())
    }
}

/// Calls waiting to be written in (start, call id) order: those that settled while an earlier
/// call was still in flight.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    calls: BTreeMap<(i64, Box<str>, u64), CallRows>,
    /// Calls added so far: tells apart two calls with the same start and id.
    added: u64,
    /// The last key released.
    last: Option<(i64, Box<str>)>,
    /// Calls released after one that sorts after them: the input was out of order by more
    /// than the settling grace.
    pub out_of_order: u64,
}

impl Pending {
    /// Holds a call.
    pub fn add(&mut self, call: CallRows) {
        self.added += 1;
        self.calls.insert((call.key.0, call.key.1.clone(), self.added), call);
    }

    /// Every held call that starts before `watermark` (all for `None`), in order.
    pub fn release(&mut self, watermark: Option<i64>) -> Vec<CallRows> {
        let mut released = Vec::new();
        while let Some(entry) = self.calls.first_entry() {
            if watermark.is_some_and(|watermark| entry.key().0 >= watermark) {
                break;
            }
            let call = entry.remove();
            if self.last.as_ref().is_some_and(|last| call.key < *last) {
                self.out_of_order += 1;
            } else {
                self.last = Some(call.key.clone());
            }
            released.push(call);
        }
        released
    }
}

#[cfg(test)]
mod tests {
    use super::rows::CallRow;
    use super::tree::{Parts, Tree};
    use super::*;
    use crate::metrics::Outcome;
    use crate::model::Flags;

    /// A call of one leg and no event, starting at `start`.
    fn call(start: i64, id: &str) -> CallRows {
        CallRows {
            key: (start, id.into()),
            call: CallRow {
                direction: None,
                answered_at: None,
                end: None,
                wait_s: None,
                talk_s: None,
                duration_s: None,
                hangup_side: "none".into(),
                outcome: Outcome::Open,
                consultant: None,
                project: None,
                client: None,
                legs: 0,
                close_cause: None,
                flags: Flags::OPEN,
            },
            legs: Vec::new(),
            events: Vec::new(),
        }
    }

    fn ids(calls: &[CallRows]) -> Vec<&str> {
        calls.iter().map(CallRows::id).collect()
    }

    #[test]
    fn pending_calls_come_out_in_order_up_to_the_watermark() {
        let mut pending = Pending::default();
        for (start, id) in [(5, "e"), (1, "b"), (1, "a"), (9, "z")] {
            pending.add(call(start, id));
        }
        assert_eq!(ids(&pending.release(Some(5))), ["a", "b"]);
        pending.add(call(3, "c"));
        pending.add(call(0, "late"));
        assert_eq!(ids(&pending.release(None)), ["late", "c", "e", "z"]);
        assert_eq!(pending.out_of_order, 1);
    }

    #[test]
    fn a_call_after_its_day_went_in_place_goes_into_a_further_part() {
        let dir = tempfile::tempdir().unwrap();
        let mut tree = Tree::new(dir.path(), Parts::Replace).unwrap();
        let day = 1_773_100_800; // 2026-03-10T00:00:00Z
        tree.add(&[call(day + 10, "a")]).unwrap();
        tree.close_before(Some(day + 86_400)).unwrap();
        tree.add(&[call(day + 5, "late"), call(day + 86_400, "next")]).unwrap();
        tree.close_before(None).unwrap();
        let names = |folder: &str| {
            let mut names: Vec<String> = std::fs::read_dir(dir.path().join("calls").join(folder))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names("day=2026-03-10"), ["part-0.parquet", "part-1.parquet"]);
        assert_eq!(names("day=2026-03-11"), ["part-0.parquet"]);
        assert_eq!(Parts::Add("ab12".into()).name(0), "part-ab12.parquet");
    }
}
