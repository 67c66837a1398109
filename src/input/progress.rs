//! A progress line on stderr for long runs: bytes read of the known total (or a spinner with
//! a rate for stdin) and the events found so far. Whether to show it at all is decided in
//! `config` (a terminal on stderr, a large input, no `--quiet`); this module only draws.

use std::io::{self, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A handle on the progress line; cheap to clone into the reader thread.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `total` bytes, or a spinner when the total is unknown (stdin).
    pub fn new(total: Option<u64>) -> Self {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {binary_bytes} {binary_bytes_per_sec} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    /// Counts bytes read.
    pub fn read(&self, bytes: usize) {
        self.bar.inc(bytes as u64);
    }

    /// Shows how many events have been found.
    pub fn found(&self, events: usize) {
        self.bar.set_message(format!("{events} events"));
    }

    /// Removes the line, leaving the terminal as it was.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A reader that reports the bytes it reads (of a file as stored, before decompression).
pub(crate) struct Counted<R> {
    inner: R,
    progress: Progress,
}

impl<R> Counted<R> {
    /// Wraps `inner`, reporting to `progress`.
    pub fn new(inner: R, progress: Progress) -> Self {
        Counted { inner, progress }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.read(n);
        Ok(n)
    }
}
