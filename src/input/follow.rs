//! Inputs that never end (`calls --follow`): files followed by name as they grow, as `tail -F`
//! follows them, and stdin read until its end, each cut into blocks of whole lines the moment
//! those lines are written.
//!
//! Each input has a thread of its own that hands blocks to one channel, tagged with the
//! input's number. A file is followed by name: when the name comes to mean another file (a
//! rename and a new file, logrotate's `create`) or no file at all, the file held open is read
//! to its end first, then the new one is opened from its start; when a file shrinks
//! (logrotate's `copytruncate`) it is read again from its start; a file that does not exist
//! yet is waited for. File events (`notify`) wake a thread at once; without them (network
//! filesystems) it looks again every [`POLL`].
//!
//! A stop (Ctrl-C, SIGTERM) is a flag the threads read between reads: each ends at a line
//! boundary and says where ([`Position`]), so that a run carrying calls in `--state` can go on
//! from there. This module knows nothing of events or calls; compression is not undone here
//! (a compressed file does not grow line by line).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Block, Compression, InputSpec};

/// How often a followed file is looked at again when no file event woke its thread.
pub(crate) const POLL: Duration = Duration::from_millis(250);

/// Bytes read at a time from a followed input.
const READ_BYTES: usize = 256 * 1024;

/// Bytes at the start of a file that recognise it again after a restart.
const HEAD_BYTES: usize = 4096;

static FOLLOWING: AtomicBool = AtomicBool::new(false);
static STOP: AtomicBool = AtomicBool::new(false);

/// Marks the process as following: from now on a stop signal asks the run to end cleanly
/// instead of ending the process.
pub(crate) fn begin() {
    FOLLOWING.store(true, Ordering::SeqCst);
}

/// Asks a follow to stop at the next line boundary. False when nothing follows or a stop was
/// already asked for: the caller should then end the process at once.
pub fn request_stop() -> bool {
    FOLLOWING.load(Ordering::SeqCst) && !STOP.swap(true, Ordering::SeqCst)
}

/// Whether a stop was asked for.
pub(crate) fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Where reading a followed file got to: the end of the last whole line handed on, and what
/// recognises the file (a digest of its first bytes up to there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The file's name as given.
    pub name: String,
    /// Bytes of it read and handed on, up to the end of a line.
    pub offset: u64,
    /// SHA-256, in hex, of its first `min(offset, 4096)` bytes.
    pub head: String,
}

/// A block of whole lines from the input numbered `source`.
#[derive(Debug)]
pub struct Chunk {
    /// The input's number, in the order the inputs were given.
    pub source: usize,
    /// Its lines.
    pub block: Block,
}

/// Inputs being followed: their blocks, and the threads that read them.
pub(crate) struct Following {
    /// Blocks of whole lines as they are written, from every input; the channel closes when
    /// every file thread has stopped.
    pub chunks: Receiver<anyhow::Result<Chunk>>,
    files: Vec<JoinHandle<Option<Position>>>,
}

impl Following {
    /// Starts a thread per input. A file found in `resume` (by name) with the same first bytes
    /// goes on from where that run stopped; any other is read from its start.
    pub fn start(inputs: &[InputSpec], resume: &[Position], max_line: usize) -> Following {
        let (tx, chunks) = bounded(16);
        let mut files = Vec::new();
        for (source, spec) in inputs.iter().enumerate() {
            let tx = tx.clone();
            match spec {
                InputSpec::Stdin => {
                    // A read of stdin cannot be interrupted: the thread is left to the
                    // process's end, and holds no position.
                    thread::spawn(move || read_stdin(source, max_line, &tx));
                }
                InputSpec::Path(path) => {
                    let from = resume.iter().find(|p| Path::new(&p.name) == path.as_path()).cloned();
                    let tail = Tail::new(source, path.clone(), from, max_line);
                    files.push(thread::spawn(move || tail.run(&tx)));
                }
            }
        }
        Following { chunks, files }
    }

    /// Waits for the file threads to stop (they do once a stop is asked for, or the chunks
    /// are no longer wanted) and says where each got to.
    pub fn positions(self) -> Vec<Position> {
        drop(self.chunks);
        self.files.into_iter().filter_map(|file| file.join().ok().flatten()).collect()
    }
}

/// The next block of any followed input, waiting for one; `None` once every input has ended,
/// or, after a stop, once nothing more comes for a while (stdin, whose read cannot be
/// interrupted, never says it ended).
pub(crate) fn next_chunk(chunks: &Receiver<anyhow::Result<Chunk>>) -> anyhow::Result<Option<Chunk>> {
    let mut idle_after_stop = 0;
    loop {
        match chunks.recv_timeout(POLL) {
            Ok(chunk) => return chunk.map(Some),
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
            Err(RecvTimeoutError::Timeout) if stop_requested() => {
                idle_after_stop += 1;
                if idle_after_stop >= 4 {
                    return Ok(None);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// Reads stdin until its end, handing on whole lines as they come.
fn read_stdin(source: usize, max_line: usize, tx: &Sender<anyhow::Result<Chunk>>) {
    let mut lines = Lines::new(max_line);
    let mut buf = vec![0u8; READ_BYTES];
    let mut stdin = io::stdin().lock();
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(Err(anyhow::Error::new(e).context("cannot read <stdin>")));
                return;
            }
        };
        let blocks = if n == 0 { lines.finish() } else { lines.push(&buf[..n]) };
        if blocks.into_iter().any(|block| tx.send(Ok(Chunk { source, block })).is_err()) || n == 0 {
            return;
        }
    }
}

/// Bytes cut into whole lines: the rest of a line waits for its end; a line over the limit is
/// measured and dropped without being held.
struct Lines {
    carry: Vec<u8>,
    /// Bytes so far of a line over the limit, being skipped.
    skipping: Option<usize>,
    max_line: usize,
}

impl Lines {
    fn new(max_line: usize) -> Self {
        Lines { carry: Vec::new(), skipping: None, max_line }
    }

    /// The blocks of whole lines that `bytes` completes.
    fn push(&mut self, mut bytes: &[u8]) -> Vec<Block> {
        let mut blocks = Vec::new();
        if let Some(len) = self.skipping {
            match memchr::memchr(b'\n', bytes) {
                Some(at) => {
                    blocks.push(Block::TooLong(len + at));
                    self.skipping = None;
                    bytes = &bytes[at + 1..];
                }
                None => {
                    self.skipping = Some(len + bytes.len());
                    return blocks;
                }
            }
        }
        match memchr::memrchr(b'\n', bytes) {
            Some(at) => {
                let mut lines = std::mem::take(&mut self.carry);
                lines.extend_from_slice(&bytes[..=at]);
                blocks.push(Block::Lines(lines));
                self.carry.extend_from_slice(&bytes[at + 1..]);
            }
            None => self.carry.extend_from_slice(bytes),
        }
        if self.carry.len() > self.max_line {
            self.skipping = Some(self.carry.len());
            self.carry.clear();
        }
        blocks
    }

    /// The last line, without its `\n`, at the end of its input.
    fn finish(&mut self) -> Vec<Block> {
        let last = match self.skipping.take() {
            Some(len) => Some(Block::TooLong(len)),
            None => (!self.carry.is_empty()).then(|| Block::Lines(std::mem::take(&mut self.carry))),
        };
        last.into_iter().collect()
    }

    /// Bytes taken in but not yet handed on as lines.
    fn pending(&self) -> u64 {
        (self.carry.len() + self.skipping.unwrap_or(0)) as u64
    }

    /// Forgets a partial line (its file was cut short).
    fn clear(&mut self) {
        self.carry.clear();
        self.skipping = None;
    }
}

/// One file followed by name.
struct Tail {
    source: usize,
    path: PathBuf,
    /// Where a previous run stopped in it, if it did.
    resume: Option<Position>,
    lines: Lines,
    /// The file held open, and the offset read to.
    open: Option<(File, u64)>,
    /// Its first bytes, to recognise it after a restart.
    head: Vec<u8>,
    /// File events about the file's folder, when they can be had.
    events: Option<(notify::RecommendedWatcher, Receiver<()>)>,
    /// It waited since its last read.
    woke: bool,
}

impl Tail {
    fn new(source: usize, path: PathBuf, resume: Option<Position>, max_line: usize) -> Self {
        let lines = Lines::new(max_line);
        Tail { source, path, resume, lines, open: None, head: Vec::new(), events: None, woke: false }
    }

    /// Follows the file until a stop is asked for or nobody takes its blocks; says where it got.
    fn run(mut self, tx: &Sender<anyhow::Result<Chunk>>) -> Option<Position> {
        self.events = watch(&self.path);
        let mut buf = vec![0u8; READ_BYTES];
        while !stop_requested() {
            let step = if self.open.is_some() { self.read_on(&mut buf) } else { self.reopen().map(|()| Vec::new()) };
            let blocks = match step {
                Ok(blocks) => blocks,
                Err(error) => {
                    let _ = tx.send(Err(error));
                    return None;
                }
            };
            let idle = blocks.is_empty();
            for block in blocks {
                if tx.send(Ok(Chunk { source: self.source, block })).is_err() {
                    return self.position();
                }
            }
            if idle {
                self.wait();
            }
        }
        self.position()
    }

    /// Reads what the open file has; at its end, looks whether its name now means another file
    /// (then this one is done). After a wait, first looks whether it was cut short.
    fn read_on(&mut self, buf: &mut [u8]) -> anyhow::Result<Vec<Block>> {
        // Before reading on: after a cut and new lines past the old end, a read where the
        // old file ended would start in the middle of a line of the new one.
        if std::mem::take(&mut self.woke) && self.cut_short()? {
            return Ok(Vec::new());
        }
        let context = || format!("cannot read {}", self.path.display());
        let Some((file, offset)) = &mut self.open else { return Ok(Vec::new()) };
        let n = loop {
            match file.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(anyhow::Error::new(e).context(context())),
            }
        };
        if n > 0 {
            if self.head.len() < HEAD_BYTES {
                let missing = (HEAD_BYTES - self.head.len()).min(n);
                self.head.extend_from_slice(&buf[..missing]);
                anyhow::ensure!(
                    Compression::detect(&self.head) == Compression::None,
                    "{} is compressed: --follow reads a log as it is written, in plain NDJSON",
                    self.path.display()
                );
            }
            *offset += n as u64;
            return Ok(self.lines.push(&buf[..n]));
        }
        if !same_file(file, &self.path) {
            // Renamed or removed: this file is read to its end, the name's new file is next.
            self.open = None;
            self.head.clear();
            return Ok(self.lines.finish());
        }
        Ok(Vec::new())
    }

    /// Whether the open file was cut short in place (copytruncate), perhaps written again past
    /// where it was read to; if so, it is read again from its start: what is there now is new.
    fn cut_short(&mut self) -> anyhow::Result<bool> {
        let context = || format!("cannot read {}", self.path.display());
        let Some((file, offset)) = &mut self.open else { return Ok(false) };
        let size = file.metadata().with_context(context)?.len();
        if size >= *offset && starts_with(file, &self.head) {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(0)).with_context(context)?;
        *offset = 0;
        self.lines.clear();
        self.head.clear();
        Ok(true)
    }

    /// Opens the file its name means now, if there is one: where a previous run stopped when
    /// it is the same file, else from its start.
    fn reopen(&mut self) -> anyhow::Result<()> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot open {}", self.path.display()))),
        };
        let context = || format!("cannot read {}", self.path.display());
        anyhow::ensure!(!file.metadata().with_context(context)?.is_dir(), "{} is a directory", self.path.display());
        let mut offset = 0;
        if let Some(resume) = self.resume.take() {
            let span = resume.offset.min(HEAD_BYTES as u64);
            let mut head = Vec::new();
            (&mut file).take(span).read_to_end(&mut head).with_context(context)?;
            if head.len() as u64 == span && digest(&head) == resume.head {
                file.seek(SeekFrom::Start(resume.offset)).with_context(context)?;
                offset = resume.offset;
                self.head = head;
            } else {
                file.seek(SeekFrom::Start(0)).with_context(context)?;
            }
        }
        self.open = Some((file, offset));
        Ok(())
    }

    /// Waits for a file event or the next look, whichever comes first.
    fn wait(&mut self) {
        self.woke = true;
        match &self.events {
            Some((_, events)) => {
                if events.recv_timeout(POLL).is_ok() {
                    // Several events often come at once: one look serves them all.
                    while events.try_recv().is_ok() {}
                }
            }
            None => thread::sleep(POLL),
        }
    }

    /// Where the lines handed on end, in the file open (none when no file is open).
    fn position(&self) -> Option<Position> {
        let (_, offset) = self.open.as_ref()?;
        let offset = offset - self.lines.pending();
        let head = &self.head[..self.head.len().min(offset as usize)];
        Some(Position { name: self.path.display().to_string(), offset, head: digest(head) })
    }
}

/// A watcher of `path`'s folder that signals any change there; `None` when file events cannot
/// be had, and polling alone must do.
fn watch(path: &Path) -> Option<(notify::RecommendedWatcher, Receiver<()>)> {
    use notify::Watcher;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (tx, rx) = bounded(64);
    let mut watcher = notify::recommended_watcher(move |_: notify::Result<notify::Event>| {
        // A full queue already holds a wake-up.
        let _ = tx.try_send(());
    })
    .ok()?;
    watcher.watch(folder, notify::RecursiveMode::NonRecursive).ok()?;
    Some((watcher, rx))
}

/// Whether the file still starts with `head`, the bytes read at its start (an error reading
/// says nothing: the next read will tell).
#[cfg(unix)]
fn starts_with(file: &File, head: &[u8]) -> bool {
    use std::os::unix::fs::FileExt;
    let mut now = vec![0u8; head.len()];
    file.read_exact_at(&mut now, 0).map_or(true, |()| now == head)
}

/// Without reads at an offset, a file is taken to keep its start.
#[cfg(not(unix))]
fn starts_with(_: &File, _: &[u8]) -> bool {
    true
}

/// Whether `path` names the file `file` is (false when it names nothing).
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

/// Whether `path` names the file `file` is: without inode numbers, a file as large as the one
/// held is taken to be it.
#[cfg(not(unix))]
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(named)) => named.len() >= held.len(),
        _ => false,
    }
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(blocks: Vec<Block>) -> Vec<String> {
        blocks
            .into_iter()
            .map(|block| match block {
                Block::Lines(bytes) => String::from_utf8(bytes).unwrap(),
                Block::TooLong(n) => format!("<{n}>"),
            })
            .collect()
    }

    #[test]
    fn lines_wait_for_their_end_and_long_ones_are_measured_not_kept() {
        let mut lines = Lines::new(8);
        assert!(lines.push(b"ab").is_empty());
        assert_eq!(text(lines.push(b"c\nde\nf")), ["abc\nde\n"]);
        assert_eq!(lines.pending(), 1);
        assert!(lines.push(b"0123456789").is_empty());
        assert_eq!(lines.pending(), 11);
        assert_eq!(text(lines.push(b"xx\nok\n")), ["<13>", "ok\n"]);
        assert_eq!(text(lines.push(b"last")), Vec::<String>::new());
        assert_eq!(text(lines.finish()), ["last"]);
        assert!(lines.finish().is_empty());
    }
}
