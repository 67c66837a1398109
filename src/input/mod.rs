//! Files and stdin -> decompressed byte streams -> bounded lines with their line numbers.
//!
//! Compression is recognised by magic bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), never by file
//! name, so `zcat`-less pipes and misnamed files both work. Lines longer than a limit are
//! skipped without being held in memory, so one runaway line cannot exhaust it. This module
//! knows nothing of JSON; it only yields bytes and positions. I/O errors (a missing file, a
//! truncated compressed stream) are returned, never swallowed: reporting on half a file as if
//! it were whole would be a silent loss.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;

pub mod follow;
pub mod progress;

/// Read buffer size: large reads keep the system-call count low on big logs.
const BUF_SIZE: usize = 256 * 1024;

/// Default `--max-line-bytes`: real events are a few KiB, so 8 MiB leaves ample headroom
/// while keeping a broken line from costing more than that.
pub const DEFAULT_MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// Where events come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// Standard input (no file given, or `-`).
    Stdin,
    /// A file path.
    Path(PathBuf),
}

impl InputSpec {
    /// `-` means stdin; anything else is a path.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            InputSpec::Stdin
        } else {
            InputSpec::Path(arg.to_path_buf())
        }
    }
}

impl fmt::Display for InputSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputSpec::Stdin => f.write_str("<stdin>"),
            InputSpec::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The compression a stream was found to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip, possibly several concatenated members.
    Gzip,
    /// zstd, possibly several frames.
    Zstd,
}

impl Compression {
    /// Recognises the compression from the first bytes of a stream.
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Opens an input and returns a buffered reader of its decompressed bytes.
pub fn open(spec: &InputSpec) -> anyhow::Result<Box<dyn BufRead + Send>> {
    decode(open_raw(spec)?)
}

/// Opens an input as stored (still compressed, if it is).
pub(crate) fn open_raw(spec: &InputSpec) -> anyhow::Result<Box<dyn Read + Send>> {
    match spec {
        InputSpec::Stdin => Ok(Box::new(io::stdin())),
        InputSpec::Path(path) => {
            let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let meta = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
            anyhow::ensure!(!meta.is_dir(), "{} is a directory", path.display());
            Ok(Box::new(file))
        }
    }
}

/// The total size of the inputs when all are files whose size is known.
pub(crate) fn total_size(inputs: &[InputSpec]) -> Option<u64> {
    inputs.iter().try_fold(0u64, |total, spec| match spec {
        InputSpec::Stdin => None,
        InputSpec::Path(path) => Some(total + std::fs::metadata(path).ok()?.len()),
    })
}

/// Wraps a raw stream in the decompressor its magic bytes call for.
pub fn decode(raw: Box<dyn Read + Send>) -> anyhow::Result<Box<dyn BufRead + Send>> {
    Ok(decode_found(raw)?.1)
}

/// Like [`decode`], saying which compression was found.
pub(crate) fn decode_found(mut raw: Box<dyn Read + Send>) -> anyhow::Result<(Compression, Box<dyn BufRead + Send>)> {
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match raw.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let head = head[..filled].to_vec();
    let compression = Compression::detect(&head);
    let stream = Cursor::new(head).chain(raw);
    let decoded: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUF_SIZE, stream)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF_SIZE, stream)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(BUF_SIZE, zstd::stream::read::Decoder::new(stream)?)),
    };
    Ok((compression, decoded))
}

/// One line as read: its bytes, or only its length when it was over the limit.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line without its `\n` (a `\r` before it is removed too).
    Text(&'a [u8]),
    /// The line was longer than the limit; its bytes were discarded.
    TooLong(usize),
}

/// Splits a byte stream into lines, numbering them from 1 and bounding their length.
pub(crate) struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    line_no: u64,
    max_len: usize,
}

impl<R: BufRead> LineReader<R> {
    /// A reader yielding lines of at most `max_len` bytes; longer ones come as `TooLong`.
    pub fn new(reader: R, max_len: usize) -> Self {
        LineReader { reader, buf: Vec::new(), line_no: 0, max_len }
    }

    /// The next line with its 1-based number, or `None` at the end. A final line without
    /// `\n` is still a line.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, Line<'_>)>> {
        self.buf.clear();
        let mut len = 0usize;
        let mut seen_any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !seen_any {
                    return Ok(None);
                }
                break;
            }
            seen_any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(at) => (at, true),
                None => (chunk.len(), false),
            };
            len += take;
            if len <= self.max_len {
                self.buf.extend_from_slice(&chunk[..take]);
            }
            self.reader.consume(take + usize::from(done));
            if done {
                break;
            }
        }
        self.line_no += 1;
        if len > self.max_len {
            self.buf.clear();
            return Ok(Some((self.line_no, Line::TooLong(len))));
        }
        let text = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
        Ok(Some((self.line_no, Line::Text(text))))
    }
}

/// Size of the blocks handed to parser threads: large enough to amortise the hand-off,
/// small enough that a few in flight cost little memory.
pub const BLOCK_SIZE: usize = 1024 * 1024;

/// A run of whole lines, parsed independently of its neighbours.
#[derive(Debug, PartialEq, Eq)]
pub enum Block {
    /// Complete lines (the last may lack its `\n` at the end of the input).
    Lines(Vec<u8>),
    /// One line longer than the limit, of this many bytes, skipped without being kept.
    TooLong(usize),
}

/// Splits a byte stream into blocks of whole lines, bounding line length like [`LineReader`].
pub struct BlockReader<R> {
    reader: R,
    carry: Vec<u8>,
    /// Buffers of blocks already parsed, to fill again instead of allocating.
    spare: Vec<Vec<u8>>,
    block_size: usize,
    max_len: usize,
    done: bool,
}

impl<R: Read> BlockReader<R> {
    /// Blocks of about `block_size` bytes; lines over `max_len` come as [`Block::TooLong`].
    pub fn new(reader: R, block_size: usize, max_len: usize) -> Self {
        BlockReader {
            reader,
            carry: Vec::new(),
            spare: Vec::new(),
            block_size: block_size.max(1),
            max_len,
            done: false,
        }
    }

    /// The next block, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        // A spare buffer keeps its length: those bytes were written once and are read over
        // again without being zeroed first. `len` is how many of them belong to this block.
        let mut buf = self.spare.pop().unwrap_or_default();
        let mut len = self.carry.len();
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut searched = 0;
        loop {
            if let Some(at) = memchr::memrchr(b'\n', &buf[searched..len]) {
                self.carry.extend_from_slice(&buf[searched + at + 1..len]);
                buf.truncate(searched + at + 1);
                return Ok(Some(Block::Lines(buf)));
            }
            if len > self.max_len {
                // The current line alone is over the limit: measure it and drop it.
                return self.skip_long_line(len).map(Some);
            }
            searched = len;
            // `fill` stops short only at the end of the stream: the rest is the last block.
            let got = if self.done { 0 } else { fill(&mut self.reader, &mut buf, len, self.block_size)? };
            len += got;
            if got < self.block_size {
                self.done = true;
                buf.truncate(len);
                return Ok((len > 0).then_some(Block::Lines(buf)));
            }
        }
    }

    /// Hands back the buffer of a block that has been parsed, to be filled again: reusing a
    /// few buffers spares the system a fresh mapping, and its page faults, for every block.
    pub fn recycle(&mut self, buf: Vec<u8>) {
        if self.spare.len() < 8 {
            self.spare.push(buf);
        }
    }

    /// Hands back every buffer of `bufs`, as [`BlockReader::recycle`] does one.
    pub fn recycle_all(&mut self, bufs: impl IntoIterator<Item = Vec<u8>>) {
        bufs.into_iter().for_each(|buf| self.recycle(buf));
    }

    /// Reads on to the end of an over-long line whose first `seen` bytes were read.
    fn skip_long_line(&mut self, mut len: usize) -> io::Result<Block> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = read_some(&mut self.reader, &mut buf)?;
            if n == 0 {
                self.done = true;
                return Ok(Block::TooLong(len));
            }
            if let Some(at) = memchr::memchr(b'\n', &buf[..n]) {
                self.carry.clear();
                self.carry.extend_from_slice(&buf[at + 1..n]);
                return Ok(Block::TooLong(len + at));
            }
            len += n;
        }
    }
}

/// Reads up to `want` bytes into `buf` from `start` on, making it long enough first; returns
/// how many (fewer only at the end of the stream). Reading straight into the block, in large
/// reads, copies each byte once: through a `BufReader`, small reads would go by its buffer.
fn fill(reader: &mut impl Read, buf: &mut Vec<u8>, start: usize, want: usize) -> io::Result<usize> {
    if buf.len() < start + want {
        buf.resize(start + want, 0);
    }
    let mut filled = 0;
    while filled < want {
        match read_some(reader, &mut buf[start + filled..start + want])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The lines of a block, without `\n` (nor the `\r` before it), bounded like [`LineReader`].
pub(crate) fn lines_of(block: &[u8], max_len: usize) -> impl Iterator<Item = Line<'_>> {
    let ends =
        memchr::memchr_iter(b'\n', block).chain((!block.ends_with(b"\n") && !block.is_empty()).then_some(block.len()));
    let mut start = 0;
    ends.map(move |end| {
        let line = &block[start..end];
        start = end + 1;
        if line.len() > max_len {
            Line::TooLong(line.len())
        } else {
            Line::Text(line.strip_suffix(b"\r").unwrap_or(line))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some((_, line)) = reader.next_line().unwrap() {
            out.push(match line {
                Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Line::TooLong(n) => format!("<{n}>"),
            });
        }
        out
    }

    #[test]
    fn splits_lines_with_crlf_and_no_final_newline() {
        assert_eq!(lines(b"a\r\nbb\n\nc", 100), ["a", "bb", "", "c"]);
        assert_eq!(lines(b"", 100), Vec::<String>::new());
        assert_eq!(lines(b"\n", 100), [""]);
    }

    #[test]
    fn long_lines_are_reported_by_length_and_skipped() {
        assert_eq!(lines(b"abc\n0123456789\nxy\n", 5), ["abc", "<10>", "xy"]);
        // A long line split across many small buffer fills is measured whole.
        let data = [b"x".repeat(10_000), b"\nok\n".to_vec()].concat();
        let reader = BufReader::with_capacity(7, &data[..]);
        let mut lr = LineReader::new(reader, 100);
        assert_eq!(lr.next_line().unwrap(), Some((1, Line::TooLong(10_000))));
        assert_eq!(lr.next_line().unwrap(), Some((2, Line::Text(b"ok"))));
    }

    fn read_all(raw: Vec<u8>) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decode(Box::new(Cursor::new(raw))).unwrap().read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn detects_gzip_and_zstd_by_magic() {
        let text = b"{\"a\":1}\n{\"b\":2}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&text[..], 1).unwrap();
        assert_eq!(read_all(gz).unwrap(), text);
        assert_eq!(read_all(zst).unwrap(), text);
        assert_eq!(read_all(text.clone()).unwrap(), text);
        assert_eq!(read_all(b"{".to_vec()).unwrap(), b"{");
    }

    #[test]
    fn truncated_compressed_streams_are_errors() {
        let text = b"{\"event\":1}\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&text[..], 1).unwrap();
        assert!(read_all(gz[..gz.len() / 2].to_vec()).is_err());
        assert!(read_all(gz[..gz.len() - 4].to_vec()).is_err());
        assert!(read_all(zst[..zst.len() / 2].to_vec()).is_err());
        assert!(read_all(zst[..zst.len() - 1].to_vec()).is_err());
    }

    fn blocks(input: &[u8], size: usize, max: usize) -> Vec<Block> {
        let mut reader = BlockReader::new(input, size, max);
        let mut out = Vec::new();
        while let Some(block) = reader.next_block().unwrap() {
            out.push(block);
        }
        out
    }

    fn block_lines(blocks: &[Block], max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for block in blocks {
            match block {
                Block::Lines(bytes) => out.extend(lines_of(bytes, max).map(|line| match line {
                    Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    Line::TooLong(n) => format!("<{n}>"),
                })),
                Block::TooLong(n) => out.push(format!("<{n}>")),
            }
        }
        out
    }

    #[test]
    fn blocks_hold_whole_lines_and_agree_with_the_line_reader() {
        let input = b"alpha\r\nbeta\n\ngamma-gamma-gamma\n0123456789abcdef\nx\nlast".to_vec();
        for size in [1, 2, 3, 7, 16, 1000] {
            for max in [5, 12, 100] {
                let got = block_lines(&blocks(&input, size, max), max);
                assert_eq!(got, lines(&input, max), "block size {size}, limit {max}");
            }
        }
        assert!(blocks(b"", 4, 10).is_empty());
        assert_eq!(block_lines(&blocks(b"\n", 4, 10), 10), [""]);
        assert!(blocks(&input, 1000, 100).iter().all(|b| matches!(b, Block::Lines(l) if l.ends_with(b"last"))));
    }

    #[test]
    fn recycled_buffers_leave_nothing_of_their_old_bytes_in_new_blocks() {
        let input = b"alpha\r\nbeta\n\ngamma-gamma-gamma\n0123456789abcdef\nx\nlast".to_vec();
        for size in [1, 3, 7, 16] {
            let mut reader = BlockReader::new(&input[..], size, 12);
            // Buffers come back longer than any block and full of bytes no line holds.
            reader.recycle(vec![b'#'; 64]);
            let mut got = Vec::new();
            while let Some(block) = reader.next_block().unwrap() {
                got.extend(block_lines(std::slice::from_ref(&block), 12));
                if let Block::Lines(mut buf) = block {
                    buf.resize(64, b'#');
                    reader.recycle(buf);
                }
            }
            assert_eq!(got, lines(&input, 12), "block size {size}");
        }
    }
}
