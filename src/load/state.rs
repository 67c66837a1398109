//! The state file (`--state FILE`): what one run hands to the next over logs cut by time, so
//! that each call is reported exactly once, by the run in which it becomes final.
//!
//! The format, version 1, is newline-delimited JSON:
//! - line 1, a header object: `{"format":"callflow-state","version":1,...}` with the log time
//!   reached, the number of carried events, the inputs already consumed (name, size and a
//!   digest of their first and last 64 KiB) and the legs of calls already reported, with the
//!   log time each was let go (kept for an hour of log time, to count later events as late),
//!   and, after `calls --follow`, where each followed file was read to;
//! - then one webhook event per line: every event of the calls still in flight, in the order
//!   they were read, with only the fields callflow reads. They are read again, first, by the
//!   next run, exactly as if they had been part of its input.
//!
//! Writes are crash-safe (`render::atomic`). A lock file beside the state (`FILE.lock`) keeps
//! two runs from using it at once. A file that is not a valid state is an error, and is left as
//! it is.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::assemble::{CarriedEvent, Gone};
use crate::event::{self, EventKind, Parsed};
use crate::input::follow::Position;
use crate::input::InputSpec;
use crate::load::{Carried, Carry};
use crate::render::atomic::AtomicFile;

/// The format's name in the header.
pub(crate) const FORMAT: &str = "callflow-state";
/// The version this build writes and reads.
pub(crate) const VERSION: u32 = 1;
/// Log time the legs of reported calls are remembered across runs.
pub(crate) const GONE_RETENTION: i64 = 3600;
/// Bytes read from each end of an input for its digest.
const DIGEST_SPAN: u64 = 64 * 1024;

/// An input already read by an earlier run, recognised by its content, whatever its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumed {
    /// Its name when it was read.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its size, its first and its last 64 KiB, in hex.
    pub digest: String,
}

/// The header line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    log_time: Option<i64>,
    events: u64,
    inputs: Vec<Consumed>,
    gone: Vec<(String, i64)>,
    /// Where followed files were read to (`calls --follow`); absent from states of runs that
    /// followed nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    follow: Vec<Position>,
}

/// A state file opened and locked for one run.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    /// Held for the whole run: the lock goes with it.
    _lock: File,
    /// The log time the previous run reached.
    pub log_time: Option<i64>,
    /// The inputs earlier runs consumed.
    pub consumed: Vec<Consumed>,
    /// The legs of calls already reported.
    pub gone: Gone,
    /// The carried events, one webhook line each.
    pub events: Vec<u8>,
    /// Where the followed files were read to.
    pub positions: Vec<Position>,
}

impl State {
    /// Locks and reads the state at `path`; a missing file is an empty state.
    pub fn open(path: &Path) -> anyhow::Result<State> {
        let lock = lock(path)?;
        let mut state = State {
            path: path.to_owned(),
            _lock: lock,
            log_time: None,
            consumed: Vec::new(),
            gone: Gone::default(),
            events: Vec::new(),
            positions: Vec::new(),
        };
        let mut bytes = Vec::new();
        match File::open(path) {
            Ok(mut file) => file.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(state),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        state
            .parse(bytes)
            .with_context(|| format!("{} is not a valid callflow state file; it was left as it is", path.display()))?;
        Ok(state)
    }

    fn parse(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        let end = memchr::memchr(b'\n', &bytes).unwrap_or(bytes.len());
        let header: Header = serde_json::from_slice(&bytes[..end]).context("its first line is no state header")?;
        if header.format != FORMAT {
            bail!("its format is {:?}, not {FORMAT:?}", header.format);
        }
        if header.version != VERSION {
            bail!("it is of version {}, and this callflow reads version {VERSION}", header.version);
        }
        let events = bytes.get(end + 1..).unwrap_or_default();
        let mut count = 0u64;
        for (n, line) in events.split(|&b| b == b'\n').enumerate().filter(|(_, l)| !l.is_empty()) {
            match event::parse_line(line) {
                Ok(Parsed::Call(_)) => count += 1,
                Ok(_) => bail!("line {}: not a call event", n + 2),
                Err(e) => bail!("line {}: {e}", n + 2),
            }
        }
        if count != header.events || !events.is_empty() && !events.ends_with(b"\n") {
            bail!("it is cut short: the header announces {} events, {count} are whole", header.events);
        }
        self.log_time = header.log_time;
        self.consumed = header.inputs;
        self.positions = header.follow;
        for (uuid, at) in header.gone {
            self.gone.insert_leg(&uuid, at);
        }
        self.events = events.to_vec();
        Ok(())
    }

    /// The name the carried events are read under, in bad-line reports and the like.
    pub fn name(&self) -> String {
        format!("{} (carried calls)", self.path.display())
    }

    /// What the previous run left, handed to this run's load: its calls in flight (taken from
    /// the state, which keeps the rest), the legs it let go, its log time; calls open longer
    /// than `max_open` seconds are let go in turn.
    pub fn carry(&mut self, max_open: i64) -> Carry {
        Carry {
            max_open,
            gone: std::mem::take(&mut self.gone),
            log_time: self.log_time,
            events: std::mem::take(&mut self.events),
            name: self.name(),
        }
    }

    /// Refuses inputs an earlier run (or this one) already consumed, naming them, and adds the
    /// new ones to the consumed list. stdin cannot be recognised and is never refused.
    pub fn consume(&mut self, inputs: &[InputSpec]) -> anyhow::Result<()> {
        for spec in inputs {
            let InputSpec::Path(path) = spec else { continue };
            let input = fingerprint(path)?;
            if let Some(earlier) = self.consumed.iter().find(|c| c.size == input.size && c.digest == input.digest) {
                bail!(
                    "{} was already read with the state {} (as {}): each input is read once, so that no call is reported twice",
                    path.display(),
                    self.path.display(),
                    earlier.name
                );
            }
            self.consumed.push(input);
        }
        Ok(())
    }

    /// Writes the state for the next run: the calls still in flight, the legs let go within the
    /// last hour of log time, the inputs consumed. Crash-safe: the old state stays until the
    /// new one is whole.
    pub fn save(&self, carried: Carried) -> anyhow::Result<()> {
        let Carried { events, mut gone, log_time, positions } = carried;
        if let Some(now) = log_time {
            gone.forget_before(now.saturating_sub(GONE_RETENTION));
        }
        let (bits, texts) = gone.entries();
        let mut gone_list: Vec<(String, i64)> = bits
            .map(|(bits, &at)| (String::from_utf8_lossy(&crate::event::uuid::format(*bits)).into_owned(), at))
            .chain(texts.map(|(text, &at)| (text.to_owned(), at)))
            .collect();
        gone_list.sort();
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            log_time,
            events: events.len() as u64,
            inputs: self.consumed.clone(),
            gone: gone_list,
            follow: positions,
        };
        let mut file = AtomicFile::create(&self.path)?;
        let context = || format!("cannot write {}", self.path.display());
        serde_json::to_writer(&mut file, &header).with_context(context)?;
        file.write_all(b"\n").with_context(context)?;
        for event in &events {
            file.write_all(event.as_bytes()).with_context(context)?;
            file.write_all(b"\n").with_context(context)?;
        }
        file.commit()
    }
}

/// Takes the lock beside `path`, failing at once when another run holds it.
fn lock(path: &Path) -> anyhow::Result<File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the lock {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => bail!(
            "another callflow run is using the state {} (it holds {}); try again when it is done",
            path.display(),
            lock_path.display()
        ),
        Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", lock_path.display())),
    }
}

/// What recognises an input by its content: its size and a digest of both ends.
pub(crate) fn fingerprint(path: &Path) -> anyhow::Result<Consumed> {
    use std::io::{Seek, SeekFrom};
    let context = || format!("cannot read {}", path.display());
    let mut file = File::open(path).with_context(context)?;
    let size = file.metadata().with_context(context)?.len();
    let mut hasher = Sha256::new();
    hasher.update(size.to_le_bytes());
    let mut buf = vec![0u8; DIGEST_SPAN as usize];
    let head = read_up_to(&mut file, &mut buf).with_context(context)?;
    hasher.update(&buf[..head]);
    if size > DIGEST_SPAN {
        file.seek(SeekFrom::Start(size.saturating_sub(DIGEST_SPAN).max(DIGEST_SPAN))).with_context(context)?;
        let tail = read_up_to(&mut file, &mut buf).with_context(context)?;
        hasher.update(&buf[..tail]);
    }
    let digest = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Consumed { name: path.display().to_string(), size, digest })
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// One carried event as a webhook line with the fields callflow reads.
pub fn line(event: &CarriedEvent<'_>) -> String {
    let mut body = serde_json::Map::new();
    let text = |s: &str| serde_json::Value::String(s.to_owned());
    body.insert("event_type".into(), text("user_dialog"));
    body.insert("event_name".into(), text(event.kind.name()));
    let time = chrono::DateTime::from_timestamp(event.time, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    body.insert("event_time".into(), text(time.as_deref().unwrap_or_default()));
    body.insert("dialog_uuid".into(), text(&event.dialog_uuid));
    if let Some(state) = event.state {
        body.insert("state".into(), text(state));
    }
    if let Some(cause) = event.close_cause {
        body.insert("close_cause".into(), text(cause));
    }
    if let (EventKind::Create, Some(create)) = (event.kind, &event.create) {
        create.write_body(&mut body);
    }
    serde_json::Value::Object(body).to_string()
}
