//! Input settings: the input arguments (files, stdin, `--follow`, `--state`, threads, limits)
//! in -> validated input specs and load options out, with whether to show progress.

use super::time::seconds;
use super::Terminal;
use crate::assemble::redact::Redactor;
use crate::cli::{FailOn, InputArgs};
use crate::exit::UsageError;
use crate::input::progress::Progress;
use crate::input::{self, InputSpec};
use crate::load::{LoadOptions, Settling};

/// Inputs larger than this (in total) get a progress line on a terminal.
pub(super) const PROGRESS_BYTES: u64 = 50 * 1024 * 1024;

/// Where input comes from and how it is read.
#[derive(Debug, Clone)]
pub struct InputSettings {
    /// The inputs in the order given; stdin when none.
    pub inputs: Vec<InputSpec>,
    /// Line limits.
    pub load: LoadOptions,
    /// Bad lines make the run fail.
    pub strict: bool,
    /// How calls settle while the input streams; `None` holds every call to the end.
    pub settling: Option<Settling>,
    /// Colour warnings on stderr.
    pub color_stderr: bool,
    /// stdin is read from a terminal: say so before waiting, or the run looks hung.
    pub stdin_from_terminal: bool,
    /// `--state`: where calls in flight are carried between runs.
    pub state: Option<StateSettings>,
    /// What else fails the run (`--fail-on`); `--strict` is `bad` here.
    pub fail_on: Vec<FailOn>,
    /// `-o`: the report goes to this file, whole, and only when the run succeeds.
    pub output_file: Option<std::path::PathBuf>,
    /// `--follow`: the inputs never end; calls are written as they settle until a stop.
    pub follow: bool,
}

/// How `--state` carries calls between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSettings {
    /// The state file.
    pub path: std::path::PathBuf,
    /// Seconds of log time a call may stay open before it is reported open and dropped.
    pub max_open: i64,
}

impl InputSettings {
    /// From the input arguments; a progress line is drawn only on a terminal, without
    /// `--quiet`, for several files, stdin, or more than 50 MB.
    pub fn from_args(args: &InputArgs, terminal: Terminal) -> Result<Self, UsageError> {
        if args.max_line_bytes == 0 {
            return Err(UsageError("--max-line-bytes must be at least 1".into()));
        }
        let inputs = if args.files.is_empty() {
            vec![InputSpec::Stdin]
        } else {
            args.files.iter().map(|f| InputSpec::from_arg(f)).collect()
        };
        let total = input::total_size(&inputs);
        let large = inputs.len() > 1 || total.is_none_or(|bytes| bytes > PROGRESS_BYTES);
        let load = LoadOptions {
            max_line_bytes: args.max_line_bytes,
            threads: args.threads.map_or(0, usize::from),
            progress: (terminal.stderr && !terminal.quiet && large).then(|| Progress::new(total)),
            redact: args
                .redact_key_file
                .as_deref()
                .map(|path| Redactor::from_file(path).map_err(|e| UsageError(format!("--redact-key-file: {e}"))))
                .transpose()?,
            ..LoadOptions::default()
        };
        let state = args
            .state
            .as_ref()
            .map(|path| {
                Ok::<_, UsageError>(StateSettings {
                    path: path.clone(),
                    max_open: seconds("--max-open", &args.max_open)?,
                })
            })
            .transpose()?;
        let settling = match args.settle.trim() {
            // Carrying calls needs the streamed path: it holds every call to the end then.
            "off" if state.is_some() => Some(Settling {
                grace: i64::MAX / 4,
                every_events: usize::MAX,
                min_events: usize::MAX,
                ..Settling::default()
            }),
            "off" => None,
            grace => Some(Settling { grace: seconds("--settle", grace)?, ..Settling::default() }),
        };
        let mut fail_on = args.fail_on.clone();
        if args.strict && !fail_on.contains(&FailOn::Bad) {
            fail_on.push(FailOn::Bad);
        }
        let stdin_from_terminal =
            terminal.stdin && !terminal.quiet && inputs.iter().any(|i| matches!(i, InputSpec::Stdin));
        Ok(InputSettings {
            inputs,
            load,
            strict: args.strict,
            settling,
            color_stderr: terminal.color_stderr,
            stdin_from_terminal,
            state,
            fail_on,
            output_file: args.output.clone(),
            follow: false,
        })
    }

    /// Follows the inputs (`--follow`) with the grace `settle`. A follow writes rows one by one,
    /// as calls settle: a report written whole (`-o`) or calls held to the end (`--settle off`)
    /// cannot be.
    pub fn follow(&mut self, settle: &str) -> Result<(), UsageError> {
        if self.output_file.is_some() {
            return Err(UsageError(
                "--follow writes rows as calls end, and -o writes a report whole once the input ends; pipe into \
                 `tee -a FILE` instead"
                    .into(),
            ));
        }
        let Some(settling) = self.settling.as_mut().filter(|_| settle.trim() != "off") else {
            return Err(UsageError(
                "--follow needs --settle as a duration: with off, no call would ever be written".into(),
            ));
        };
        // Every merged block may settle calls: lines come a few at a time.
        settling.min_events = 1;
        self.load.progress = None;
        self.follow = true;
        Ok(())
    }
}
