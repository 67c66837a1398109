//! `callflow export`: calls, legs and events as Parquet in a tree partitioned by day, and
//! `calls --format parquet`, the calls table alone in one file. Both stream: calls are
//! selected as they settle, held until their turn in (start, call id) order, and written;
//! the Parquet machinery is `render::parquet`'s.

use std::io::Write;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::Keeping;
use crate::config::{ExportSettings, InputSettings};
use crate::exit::ExitCode;
use crate::input::InputSpec;
use crate::load::state::fingerprint;
use crate::load::Sink;
use crate::model::Dataset;
use crate::render::parquet::rows::CallRows;
use crate::render::parquet::tree::{Parts, Tree};
use crate::render::parquet::{CallsFile, Pending};
use crate::report::select::Selection;
use crate::report::timefmt::Zone;

/// Where released calls go.
trait Destination {
    /// Writes calls' rows, in order.
    fn add(&mut self, calls: &[CallRows]) -> anyhow::Result<()>;
    /// Nothing starting before `watermark` is still to come (nothing at all for `None`).
    fn passed(&mut self, watermark: Option<i64>) -> anyhow::Result<()>;
}

impl Destination for Tree {
    fn add(&mut self, calls: &[CallRows]) -> anyhow::Result<()> {
        Tree::add(self, calls)
    }

    fn passed(&mut self, watermark: Option<i64>) -> anyhow::Result<()> {
        self.close_before(watermark)
    }
}

impl Destination for CallsFile<'_> {
    fn add(&mut self, calls: &[CallRows]) -> anyhow::Result<()> {
        self.append(calls)
    }

    /// One file holds every day: it is finished once the run is over.
    fn passed(&mut self, _: Option<i64>) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Selected calls on their way to a destination, in order.
struct Exporting<'a, D> {
    pending: Pending,
    to: D,
    /// The calls kept.
    keeping: Keeping<'a>,
}

impl<D: Destination> Sink for Exporting<'_, D> {
    fn settled(&mut self, ds: Dataset, watermark: Option<i64>) -> anyhow::Result<()> {
        let calls = self.keeping.keep(&ds);
        let rows: Vec<CallRows> = calls.par_iter().map(|call| CallRows::new(&ds, call)).collect();
        rows.into_iter().for_each(|call| self.pending.add(call));
        self.to.add(&self.pending.release(watermark))?;
        self.to.passed(watermark)
    }
}

/// Runs `export`.
pub fn run(settings: &ExportSettings, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let parts = match &settings.input.state {
        None => Parts::Replace,
        Some(_) => Parts::Add(inputs_tag(&settings.input.inputs)?),
    };
    let tree = Tree::new(&settings.out, parts)?;
    Ok(export(&settings.input, &settings.selection, &Zone::Utc, tree, err)?.1)
}

/// A name for what a run reads: 16 hex digits of a digest of its inputs' contents (as
/// `--state` recognises them), so that a run repeated over the same files gets the same name.
/// stdin cannot be recognised: a run reading it gets a name of its own, from the clock.
fn inputs_tag(inputs: &[InputSpec]) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    for input in inputs {
        match input {
            InputSpec::Path(path) => hasher.update(fingerprint(path)?.digest),
            InputSpec::Stdin => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                hasher.update(now.as_nanos().to_le_bytes());
            }
        }
        hasher.update("\n");
    }
    Ok(hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Runs `calls --format parquet`: the calls table alone, to `out`; `zone` is the one the
/// filters were read in, for the note that says why no call was kept.
pub(crate) fn calls_file(
    input: &InputSettings,
    selection: &Selection,
    zone: &Zone,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let (exporting, code) = export(input, selection, zone, CallsFile::new(out)?, err)?;
    exporting.to.finish()?;
    Ok(code)
}

/// Streams the inputs' selected calls into `to`, in order; reports as `calls` does.
fn export<'a, D: Destination>(
    input: &InputSettings,
    selection: &'a Selection,
    zone: &Zone,
    to: D,
    err: &mut dyn Write,
) -> anyhow::Result<(Exporting<'a, D>, ExitCode)> {
    let mut exporting = Exporting { pending: Pending::default(), to, keeping: Keeping::new(selection) };
    let diagnostics = match input.settling {
        Some(settling) => super::stream_reported(input, settling, &mut exporting, err)?,
        None => {
            let loaded = super::load_reported(input, err)?;
            exporting.settled(loaded.dataset, None)?;
            loaded.diagnostics
        }
    };
    exporting.keeping.explain(zone, err)?;
    super::warn_out_of_order(exporting.pending.out_of_order as usize, err)?;
    let code = super::status_of(input, &diagnostics, &exporting.keeping.tally);
    Ok((exporting, code))
}
