//! The exported tree: `DIR/<table>/day=YYYY-MM-DD/part-N.parquet`, one folder per UTC day of
//! the calls' start (Hive partitioning, which DuckDB, Spark, Trino and ClickHouse read as a
//! `day` column). A day's files are written while it is open and put in place, each
//! atomically, once the watermark passes its end; memory follows the days open, not the calls.
//!
//! By default ([`Parts::Replace`]) a day written again replaces its partition: its `part-0`
//! goes in place, then the other `part-*.parquet` files an earlier run left there are removed.
//! Runs that carry calls between them with `--state` each hold a share of a day instead: each
//! adds its own part ([`Parts::Add`]), named after its inputs, and removes nothing. Days a run
//! has no call of are left alone. A call that settles after its day was put in place (input
//! out of order by more than the grace) goes into a further part of that day.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use chrono::{NaiveDate, NaiveTime};

use super::rows::CallRows;
use super::tables::{Calls, Events, Legs, Table};
use super::TableWriter;
use crate::render::atomic::AtomicFile;

/// What a run's files do to the partitions they go into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parts {
    /// The run's files are the partition: `part-0`, `part-1`, …; other parts are removed.
    Replace,
    /// The run adds `part-<tag>`, `part-<tag>-1`, …: runs over different inputs (different tags)
    /// add up, and a run repeated over the same inputs replaces its own files.
    Add(String),
}

impl Parts {
    /// The name of the run's part number `n` of a day.
    pub fn name(&self, n: u32) -> String {
        match (self, n) {
            (Parts::Replace, n) => format!("part-{n}.parquet"),
            (Parts::Add(tag), 0) => format!("part-{tag}.parquet"),
            (Parts::Add(tag), n) => format!("part-{tag}-{n}.parquet"),
        }
    }
}

/// Writes calls into the tree under `root`, a day at a time.
pub(crate) struct Tree {
    root: PathBuf,
    parts: Parts,
    open: BTreeMap<NaiveDate, Day>,
    /// Parts put in place per day by this run.
    written: BTreeMap<NaiveDate, u32>,
}

/// One day's three files, being written.
struct Day {
    part: u32,
    calls: TableWriter<Calls, AtomicFile>,
    legs: TableWriter<Legs, AtomicFile>,
    events: TableWriter<Events, AtomicFile>,
}

impl Tree {
    /// A tree under `root`, which is created if missing.
    pub fn new(root: &Path, parts: Parts) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
        Ok(Tree { root: root.to_owned(), parts, open: BTreeMap::new(), written: BTreeMap::new() })
    }

    /// The UTC day a call starting at `start` (Unix seconds) belongs to.
    pub fn day_of(start: i64) -> anyhow::Result<NaiveDate> {
        let time = chrono::DateTime::from_timestamp(start, 0).ok_or_else(|| anyhow!("time {start} out of range"))?;
        Ok(time.date_naive())
    }

    /// Adds calls' rows (in start order) to their days' files; the three tables of a day are
    /// encoded in parallel.
    pub fn add(&mut self, calls: &[CallRows]) -> anyhow::Result<()> {
        let mut rest = calls;
        while let Some(first) = rest.first() {
            let date = Self::day_of(first.start())?;
            let same = rest.iter().position(|call| Self::day_of(call.start()).ok() != Some(date));
            let (run, after) = rest.split_at(same.unwrap_or(rest.len()));
            rest = after;
            let day = self.open_day(date)?;
            let (calls, (legs, events)) = rayon::join(
                || day.calls.append_all(run),
                || rayon::join(|| day.legs.append_all(run), || day.events.append_all(run)),
            );
            calls.and(legs).and(events)?;
        }
        Ok(())
    }

    /// The files of `date`, opened if need be.
    fn open_day(&mut self, date: NaiveDate) -> anyhow::Result<&mut Day> {
        Ok(match self.open.entry(date) {
            std::collections::btree_map::Entry::Occupied(open) => open.into_mut(),
            std::collections::btree_map::Entry::Vacant(vacant) => {
                let part = self.written.get(&date).copied().unwrap_or(0);
                let name = self.parts.name(part);
                let file = |table: &str| AtomicFile::create(&partition(&self.root, table, date, &name)?.0);
                vacant.insert(Day {
                    part,
                    calls: TableWriter::new(file(Calls::NAME)?)?,
                    legs: TableWriter::new(file(Legs::NAME)?)?,
                    events: TableWriter::new(file(Events::NAME)?)?,
                })
            }
        })
    }

    /// Puts in place every open day that ends at or before `watermark` (every one for `None`).
    pub fn close_before(&mut self, watermark: Option<i64>) -> anyhow::Result<()> {
        let ended = |date: &NaiveDate| {
            let end = date.succ_opt().map(|next| next.and_time(NaiveTime::MIN).and_utc().timestamp());
            watermark.is_none_or(|watermark| end.is_some_and(|end| end <= watermark))
        };
        let done: Vec<NaiveDate> = self.open.keys().copied().filter(ended).collect();
        for date in done {
            if let Some(day) = self.open.remove(&date) {
                self.close(date, day)?;
            }
        }
        Ok(())
    }

    fn close(&mut self, date: NaiveDate, day: Day) -> anyhow::Result<()> {
        day.calls.finish()?.commit()?;
        day.legs.finish()?.commit()?;
        day.events.finish()?.commit()?;
        self.written.insert(date, day.part + 1);
        if day.part == 0 && self.parts == Parts::Replace {
            for table in [Calls::NAME, Legs::NAME, Events::NAME] {
                remove_stale(&partition(&self.root, table, date, &self.parts.name(0))?)?;
            }
        }
        Ok(())
    }
}

/// The path of the file `name` of `table` for `date`, and its folder, which is created.
fn partition(root: &Path, table: &str, date: NaiveDate, name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let dir = root.join(table).join(format!("day={}", date.format("%Y-%m-%d")));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok((dir.join(name), dir))
}

/// Removes the `part-*.parquet` files of a partition other than `kept` (its new `part-0`):
/// what an earlier run wrote there. Other files are not callflow's and stay.
fn remove_stale((kept, dir): &(PathBuf, PathBuf)) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("part-") && name.ends_with(".parquet") && path != *kept {
            std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}
