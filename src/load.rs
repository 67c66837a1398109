//! The shared front half of every command: inputs -> lines -> events -> assembled calls, with
//! every line accounted for in the diagnostics.
//!
//! Only I/O failures are errors here (a missing file, a truncated compressed stream): they
//! abort, naming the input, because a report over half a file must never pass for a whole one.
//! Bad lines are counted and located, never fatal.

use std::io::BufRead;

use anyhow::Context;

use crate::assemble::Assembler;
use crate::diagnostics::Diagnostics;
use crate::event::{self, LineError, Parsed};
use crate::input::{self, InputSpec, Line, LineReader};
use crate::model::{Dataset, Seq};

/// How inputs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Lines longer than this many bytes are skipped as bad.
    pub max_line_bytes: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { max_line_bytes: input::DEFAULT_MAX_LINE_BYTES }
    }
}

/// The rebuilt calls and the account of every line read.
#[derive(Debug)]
pub struct Loaded {
    /// Events, legs and calls.
    pub dataset: Dataset,
    /// Line counts and bad lines.
    pub diagnostics: Diagnostics,
}

/// Reads every input in turn and rebuilds the calls.
pub fn load(inputs: &[InputSpec], options: &LoadOptions) -> anyhow::Result<Loaded> {
    let mut assembler = Assembler::new();
    let mut diagnostics = Diagnostics::default();
    let mut sources = Vec::with_capacity(inputs.len());
    for (index, spec) in inputs.iter().enumerate() {
        let name = spec.to_string();
        let reader = input::open(spec)?;
        feed(reader, index, &name, options, &mut assembler, &mut diagnostics)?;
        sources.push(name);
    }
    Ok(finish(assembler, diagnostics, sources))
}

/// Rebuilds calls from in-memory or other readers, named for diagnostics.
pub fn load_readers<R: BufRead>(
    inputs: impl IntoIterator<Item = (String, R)>,
    options: &LoadOptions,
) -> anyhow::Result<Loaded> {
    let mut assembler = Assembler::new();
    let mut diagnostics = Diagnostics::default();
    let mut sources = Vec::new();
    for (index, (name, reader)) in inputs.into_iter().enumerate() {
        feed(reader, index, &name, options, &mut assembler, &mut diagnostics)?;
        sources.push(name);
    }
    Ok(finish(assembler, diagnostics, sources))
}

fn finish(assembler: Assembler, mut diagnostics: Diagnostics, sources: Vec<String>) -> Loaded {
    let call_events = assembler.event_count() as u64;
    let dataset = assembler.finish(sources);
    diagnostics.counts.duplicates = dataset.duplicates;
    diagnostics.counts.events = call_events - dataset.duplicates;
    Loaded { dataset, diagnostics }
}

/// Reads one input's lines into the assembler, accounting for each.
fn feed<R: BufRead>(
    reader: R,
    index: usize,
    name: &str,
    options: &LoadOptions,
    assembler: &mut Assembler,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<()> {
    let mut lines = LineReader::new(reader, options.max_line_bytes);
    while let Some((line_no, line)) = lines.next_line().with_context(|| format!("cannot read {name}"))? {
        diagnostics.counts.lines += 1;
        let parsed = match line {
            Line::TooLong(len) => Err(LineError::TooLong { len, limit: options.max_line_bytes }),
            Line::Text(text) => event::parse_line(text),
        };
        match parsed {
            Ok(Parsed::Blank) => diagnostics.counts.blank_lines += 1,
            Ok(Parsed::Other(event_name)) => diagnostics.other_event(&event_name),
            Ok(Parsed::Call(event)) => assembler.push(&event, Seq::new(index, line_no)),
            Err(error) => diagnostics.bad_line(name, line_no, error),
        }
    }
    Ok(())
}
