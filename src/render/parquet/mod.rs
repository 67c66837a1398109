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
pub const SCHEMA_VERSION: &str = "1";

/// The metadata key of [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "callflow.schema_version";

/// Rows per row group: large enough for engines to scan and skip by statistics, small enough
/// that a writer holds a few tens of megabytes.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

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
pub struct TableWriter<T: Table, W: Write + Send> {
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
        if self.rows.len() >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> anyhow::Result<()> {
        if self.rows.len() > 0 {
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
pub struct CallsFile<'o> {
    writer: TableWriter<tables::Calls, Vec<u8>>,
    out: &'o mut dyn Write,
}

impl<'o> CallsFile<'o> {
    /// Starts the file on `out`.
    pub fn new(out: &'o mut dyn Write) -> anyhow::Result<Self> {
        Ok(CallsFile { writer: TableWriter::new(Vec::new())?, out })
    }

    /// Adds a call's row.
    pub fn append(&mut self, call: &CallRows) -> anyhow::Result<()> {
        self.writer.append(call)?;
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
pub struct Pending {
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

    /// Gives `write` every held call that starts before `watermark` (all for `None`), in order.
    pub fn release(
        &mut self,
        watermark: Option<i64>,
        mut write: impl FnMut(CallRows) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
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
            write(call)?;
        }
        Ok(())
    }
}
