//! End-to-end tests of the `callflow` binary: fixtures in, bytes and exit codes out.
//! One integration binary, one module per area (see tests/fixtures/ for the inputs).

mod calls;
mod common;
mod input;
mod timeline;
