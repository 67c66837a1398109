//! The three exported tables as Arrow columns: `calls`, `legs` and `events`. Each table names
//! and types its columns once, in `finish`; the schema a file is opened with is that of an
//! empty batch, so the two cannot disagree. Columns are only ever added, at the end, with
//! [`super::SCHEMA_VERSION`] raised.
//!
//! Times are microseconds since the epoch, adjusted to UTC; durations are whole seconds;
//! strings with few distinct values (outcome, sides, names, causes) are dictionary-encoded.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, StringDictionaryBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, SchemaRef};

use super::rows::CallRows;
use crate::model::Flags;

/// One exported table: rows of calls in, Arrow batches out.
pub trait Table: Default + Send {
    /// The table's folder under the export directory.
    const NAME: &'static str;
    /// Adds the rows `call` has in this table.
    fn append(&mut self, call: &CallRows) -> Result<(), ArrowError>;
    /// Rows added since the last [`Table::finish`].
    fn rows(&self) -> usize;
    /// The rows added so far, as one batch; the table is empty again after.
    fn finish(&mut self) -> Result<RecordBatch, ArrowError>;
    /// The table's schema.
    fn schema() -> Result<SchemaRef, ArrowError> {
        Ok(Self::default().finish()?.schema())
    }
}

/// Unix seconds as microseconds; a time that does not fit (beyond year 294,000) is left out.
fn micros(seconds: Option<i64>) -> Option<i64> {
    seconds.and_then(|s| s.checked_mul(1_000_000))
}

/// A time column's values, in UTC: the builders default to zone-less times, so the zone is set
/// on each finish.
fn time(column: &mut TimestampMicrosecondBuilder) -> ArrayRef {
    Arc::new(column.finish().with_timezone("UTC"))
}

/// Dictionary-encoded strings.
type Names = StringDictionaryBuilder<Int32Type>;

/// Appends a value or a null to a dictionary column.
fn name(column: &mut Names, value: Option<&str>) -> Result<(), ArrowError> {
    match value {
        Some(value) => {
            column.append(value)?;
        }
        None => column.append_null(),
    }
    Ok(())
}

/// A batch from `(name, column, nullable)` triples.
fn batch<const N: usize>(columns: [(&str, ArrayRef, bool); N]) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_from_iter_with_nullable(columns)
}

/// `calls`: the columns of `calls --format csv`, typed.
#[derive(Default)]
pub struct Calls {
    call_id: StringBuilder,
    direction: Names,
    start: TimestampMicrosecondBuilder,
    answered_at: TimestampMicrosecondBuilder,
    end: TimestampMicrosecondBuilder,
    wait_s: Int64Builder,
    talk_s: Int64Builder,
    duration_s: Int64Builder,
    hangup_side: Names,
    outcome: Names,
    consultant: Names,
    project: Names,
    client: StringBuilder,
    legs: Int32Builder,
    close_cause: Names,
    flags: ListBuilder<StringBuilder>,
}

impl Table for Calls {
    const NAME: &'static str = "calls";

    fn append(&mut self, rows: &CallRows) -> Result<(), ArrowError> {
        let call = &rows.call;
        self.call_id.append_value(rows.id());
        name(&mut self.direction, call.direction.as_deref())?;
        self.start.append_option(micros(Some(rows.start())));
        self.answered_at.append_option(micros(call.answered_at));
        self.end.append_option(micros(call.end));
        self.wait_s.append_option(call.wait_s);
        self.talk_s.append_option(call.talk_s);
        self.duration_s.append_option(call.duration_s);
        name(&mut self.hangup_side, Some(&call.hangup_side))?;
        name(&mut self.outcome, Some(call.outcome.name()))?;
        name(&mut self.consultant, call.consultant.as_deref())?;
        name(&mut self.project, call.project.as_deref())?;
        self.client.append_option(call.client.as_deref());
        self.legs.append_value(i32::try_from(call.legs).unwrap_or(i32::MAX));
        name(&mut self.close_cause, call.close_cause.as_deref())?;
        let names = Flags::NAMES.iter().filter(|(flag, _)| call.flags.contains(*flag)).map(|(_, name)| Some(*name));
        self.flags.append_value(names);
        Ok(())
    }

    fn rows(&self) -> usize {
        self.call_id.len()
    }

    fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        batch([
            ("call_id", Arc::new(self.call_id.finish()) as ArrayRef, false),
            ("direction", Arc::new(self.direction.finish()), true),
            ("start", time(&mut self.start), false),
            ("answered_at", time(&mut self.answered_at), true),
            ("end", time(&mut self.end), true),
            ("wait_s", Arc::new(self.wait_s.finish()), true),
            ("talk_s", Arc::new(self.talk_s.finish()), true),
            ("duration_s", Arc::new(self.duration_s.finish()), true),
            ("hangup_side", Arc::new(self.hangup_side.finish()), false),
            ("outcome", Arc::new(self.outcome.finish()), false),
            ("consultant", Arc::new(self.consultant.finish()), true),
            ("project", Arc::new(self.project.finish()), true),
            ("client", Arc::new(self.client.finish()), true),
            ("legs", Arc::new(self.legs.finish()), false),
            ("close_cause", Arc::new(self.close_cause.finish()), true),
            ("flags", Arc::new(self.flags.finish()), false),
        ])
    }
}

/// `legs`: one row per leg.
#[derive(Default)]
pub(crate) struct Legs {
    call_id: StringBuilder,
    dialog_uuid: StringBuilder,
    dialog_type: Names,
    parent: StringBuilder,
    created: TimestampMicrosecondBuilder,
    answered: TimestampMicrosecondBuilder,
    closed: TimestampMicrosecondBuilder,
    close_cause: Names,
    ring_s: Int64Builder,
}

impl Table for Legs {
    const NAME: &'static str = "legs";

    fn append(&mut self, rows: &CallRows) -> Result<(), ArrowError> {
        for leg in &rows.legs {
            self.call_id.append_value(rows.id());
            self.dialog_uuid.append_value(&leg.dialog_uuid);
            name(&mut self.dialog_type, leg.dialog_type.as_deref())?;
            self.parent.append_option(leg.parent.as_deref());
            self.created.append_option(micros(leg.created));
            self.answered.append_option(micros(leg.answered));
            self.closed.append_option(micros(leg.closed));
            name(&mut self.close_cause, leg.close_cause.as_deref())?;
            self.ring_s.append_option(leg.ring_s);
        }
        Ok(())
    }

    fn rows(&self) -> usize {
        self.call_id.len()
    }

    fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        batch([
            ("call_id", Arc::new(self.call_id.finish()) as ArrayRef, false),
            ("dialog_uuid", Arc::new(self.dialog_uuid.finish()), false),
            ("dialog_type", Arc::new(self.dialog_type.finish()), true),
            ("parent", Arc::new(self.parent.finish()), true),
            ("created", time(&mut self.created), true),
            ("answered", time(&mut self.answered), true),
            ("closed", time(&mut self.closed), true),
            ("close_cause", Arc::new(self.close_cause.finish()), true),
            ("ring_s", Arc::new(self.ring_s.finish()), true),
        ])
    }
}

/// `events`: one row per event that counts (re-deliveries left out).
#[derive(Default)]
pub struct Events {
    call_id: StringBuilder,
    dialog_uuid: StringBuilder,
    event_name: Names,
    event_time: TimestampMicrosecondBuilder,
    state: Names,
    close_cause: Names,
}

impl Table for Events {
    const NAME: &'static str = "events";

    fn append(&mut self, rows: &CallRows) -> Result<(), ArrowError> {
        for event in &rows.events {
            self.call_id.append_value(rows.id());
            self.dialog_uuid.append_option(rows.legs.get(event.leg).map(|leg| &leg.dialog_uuid[..]));
            name(&mut self.event_name, Some(event.event_name))?;
            self.event_time.append_option(micros(Some(event.time)));
            name(&mut self.state, event.state.as_deref())?;
            name(&mut self.close_cause, event.close_cause.as_deref())?;
        }
        Ok(())
    }

    fn rows(&self) -> usize {
        self.call_id.len()
    }

    fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        batch([
            ("call_id", Arc::new(self.call_id.finish()) as ArrayRef, false),
            ("dialog_uuid", Arc::new(self.dialog_uuid.finish()), false),
            ("event_name", Arc::new(self.event_name.finish()), false),
            ("event_time", time(&mut self.event_time), false),
            ("state", Arc::new(self.state.finish()), true),
            ("close_cause", Arc::new(self.close_cause.finish()), true),
        ])
    }
}
