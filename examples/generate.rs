//! Writes a realistic generated day of webhook logs to stdout (see `callflow_generate`).
//!
//! ```text
//! cargo run --release --example generate -- --calls 200000 --seed 7 > big.ndjson
//! cargo run --release --example generate -- --calls 400 --seed 1 --duplicates 0.01 --reorder 0.01 | gzip -n > sample-logs/day.ndjson.gz
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use callflow_generate::{generate, Config, Truth};
use chrono::NaiveDate;
use clap::Parser;

/// Generate a day of Conpeek webhook events, deterministically for a seed.
#[derive(Parser)]
struct Args {
    /// Number of calls.
    #[arg(long, default_value_t = 1000)]
    calls: usize,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The day (calls start between 07:00 and 19:00 UTC).
    #[arg(long, default_value = "2026-03-10")]
    date: NaiveDate,
    /// Probability that an event is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    duplicates: f64,
    /// Probability that a line swaps with the next.
    #[arg(long, default_value_t = 0.0)]
    reorder: f64,
    /// Probability of a garbage line before a line.
    #[arg(long, default_value_t = 0.0)]
    garbage: f64,
    /// Leave the last 1% of calls without their closes.
    #[arg(long)]
    open_tail: bool,
    /// Also write the true figures of every call as CSV to this file.
    #[arg(long)]
    truth: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        calls: args.calls,
        seed: args.seed,
        date: args.date,
        duplicates: args.duplicates,
        reorder: args.reorder,
        garbage: args.garbage,
        open_tail: args.open_tail,
    };
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let result = generate(&config, &mut out).and_then(|generated| {
        out.flush()?;
        match &args.truth {
            Some(path) => write_truth(path, &generated.truth),
            None => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_truth(path: &PathBuf, truth: &[Truth]) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "call_id,kind,direction,start,answered_at,end,hangup_side,outcome,consultant,project,client,legs")?;
    for t in truth {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        writeln!(
            out,
            "{},{:?},{},{},{},{},{},{},{},{},{},{}",
            t.call_id,
            t.kind,
            t.direction,
            t.start,
            opt(t.answered_at),
            opt(t.end),
            t.hangup_side,
            t.outcome,
            t.consultant.as_deref().unwrap_or(""),
            t.project.as_deref().unwrap_or("").replace('"', "\"\""),
            t.client.as_deref().unwrap_or(""),
            t.legs.len()
        )?;
    }
    out.flush()
}
