//! callflow: rebuild calls from Conpeek call-center webhook logs.
//!
//! ```text
//! files/stdin -> input -> event -> load -> assemble -> metrics -> report -> cmd -> render -> stdout
//!                                   \-> diagnostics (every line counted; stderr, exit code)
//! ```
//!
//! One folder per stage, each with a `mod.rs` that says what flows in and out:
//! - [`input`]: files and stdin, gzip/zstd undone, cut into blocks of whole, bounded lines;
//!   files followed as they grow (`--follow`); the progress line;
//! - [`event`]: one line -> a compact typed event or the reason it is bad; a block of lines ->
//!   a [`event::batch::Batch`] of events with its own strings, on parser threads;
//! - [`load`]: runs the front half for every command: parser threads, batches merged back in
//!   input order into the assembler, every line accounted for in [`diagnostics`];
//! - [`assemble`]: events -> legs -> calls: linking legs, ordering events, dropping re-deliveries;
//! - [`model`]: the rebuilt data (events, legs, calls, interned strings) that every later stage
//!   reads;
//! - [`metrics`]: each call's figures, and figures over groups of calls (pure functions);
//! - [`report`]: which calls a report keeps, their output rows, times in the reader's zone, and
//!   a call's story in words;
//! - `locate`: one call found by a leg's uuid without parsing every line (`timeline --call`);
//! - [`cmd`]: one module per subcommand, from settings to rows;
//! - [`render`]: rows -> table, CSV, JSON or Parquet, ladders and charts; text from the log made
//!   safe to show people.
//!
//! Beside them: [`cli`] (the clap types), [`config`] (arguments -> validated settings) and
//! [`exit`] (exit codes).
//!
//! The binary (`main.rs`) only parses arguments, sets up stdout and maps errors to exit codes.

#![warn(missing_docs)]

pub mod assemble;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diagnostics;
pub mod event;
pub mod exit;
pub mod input;
pub mod load;
pub(crate) mod locate;
pub mod metrics;
pub mod model;
pub mod render;
pub mod report;

pub use cmd::run;

/// Where a property test keeps the failing cases it found: one file per test module, all in
/// the crate's `proptest-regressions/` folder.
#[cfg(test)]
fn regressions(name: &str) -> Option<Box<dyn proptest::test_runner::FailurePersistence>> {
    let path = format!("{}/proptest-regressions/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(Box::leak(path.into_boxed_str()))))
}
