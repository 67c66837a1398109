//! The process exit codes, one typed enum, and the error type that means "usage error".

use std::fmt;

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything worked (bad lines may have been warned about).
    Ok,
    /// An I/O failure, or bad input under `--strict`, or `check` found problems.
    Failure,
    /// The command line was wrong.
    Usage,
    /// Interrupted by SIGINT or SIGTERM (outside a follow, which stops cleanly).
    Interrupted,
}

impl ExitCode {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::Interrupted => 130,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// A command line that parsed but makes no sense (a bad time zone, an unreadable date…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Text for `--help`: what each exit code means.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success (bad lines are reported on stderr but tolerated)
  1    failure: unreadable input, corrupt compressed stream, or bad lines with --strict
  2    usage error
  130  interrupted (Ctrl-C or SIGTERM); calls --follow stops cleanly on either and exits 0
       (a second one interrupts it)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [ExitCode::Ok, ExitCode::Failure, ExitCode::Usage, ExitCode::Interrupted]
            .iter()
            .map(|c| c.code())
            .collect();
        assert_eq!(codes, [0, 1, 2, 130]);
        for code in codes {
            assert!(EXIT_CODES_HELP.contains(&format!("  {code} ")), "{code} undocumented");
        }
    }
}
