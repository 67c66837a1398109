//! End-to-end tests of the `callflow` binary: fixtures in, bytes and exit codes out.
//! One integration binary, one module per area (see tests/fixtures/ for the inputs).

mod calls;
mod check;
mod common;
#[cfg(feature = "parquet")]
mod export;
mod follow;
mod generated;
mod hostile;
mod input;
mod newcomer;
mod output;
mod props;
mod readme;
mod redact;
mod service;
mod shown;
mod spreadsheet;
mod state;
mod stream;
mod summary;
mod summary_stream;
mod table;
mod timeline;
mod ux;
