//! callflow: rebuild calls from Conpeek call-center webhook logs.
//!
//! ```text
//! files/stdin -> input -> event -> assemble -> metrics -> cmd builds rows -> render -> stdout
//!                          \-> diagnostics (stderr summary, exit code)
//! ```
//!
//! - [`input`] opens files and stdin, undoes gzip/zstd, and yields bounded lines;
//! - [`event`] turns one line into a compact borrowed event, or says why it is bad;
//! - [`assemble`] links legs into calls, orders and de-duplicates their events;
//! - [`metrics`] computes each call's figures (pure functions);
//! - [`aggregate`] groups calls and computes counts, means and percentiles (pure functions);
//! - [`load`] runs that front half once for every command, with [`diagnostics`] counting lines;
//! - [`locate`] finds one call by a leg's uuid without parsing every line (`timeline --call`);
//! - [`cmd`] holds one module per subcommand, which select calls and build rows;
//! - [`render`] writes rows as a table, CSV or JSON.
//!
//! The binary (`main.rs`) only parses arguments, sets up stdout and maps errors to exit codes.

pub mod aggregate;
pub mod assemble;
pub mod chunk;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diagnostics;
pub mod event;
pub mod exit;
pub mod explain;
pub mod generate;
pub mod input;
pub mod intern;
pub mod load;
pub mod locate;
pub mod metrics;
pub mod model;
pub mod progress;
pub mod record;
pub mod render;
pub mod select;
pub mod timefmt;
pub mod uuid;

pub use cmd::run;
