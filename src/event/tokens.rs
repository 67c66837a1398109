//! Stage one of the fast scanner: a block of lines -> the positions of its tokens.
//!
//! Sixty-four bytes at a time, vector compares find the quotes, backslashes, structural
//! characters (`{}[]:,`), newlines, whitespace and control characters as bitmasks; a prefix
//! XOR over the quotes then tells which bytes sit inside strings. What is left is one position
//! per token: every structural character and newline outside strings, the opening quote of
//! every string, and the first byte of every bare value (`true`, `12`, …). Stage two (`scan`) walks
//! those positions line by line, never the bytes in between, which is where the time went in
//! a byte-at-a-time parser. Running over a whole block rather than line by line spares a
//! newline search, a partial chunk and a call per line.
//!
//! Checked here: no control character inside a string, a valid escape after every backslash,
//! every string closed before its line ends. A byte that breaks one of those rules, or that
//! this stage leaves to the general path (a `\u` surrogate, which has pairing rules), is a
//! *suspect*: its line goes the general path, which decides and words the error. A newline
//! inside a string means the string was never closed; stage one starts afresh after it, so one
//! broken line never affects the next.
//!
//! x86-64 CPUs with AVX2 (found at run time) take 32 bytes per compare, others 16 with SSE2;
//! other targets classify bytes one by one, which is slower but the same.

mod classify;

#[cfg(target_arch = "x86_64")]
use classify::{Avx2, Avx512};
use classify::{Baseline, Classes, Simd};

use super::escape;

/// What stage one found in a block.
#[derive(Debug, Default)]
pub(super) struct Tokens {
    /// Byte offsets of the tokens, in order, then one past the block: `positions[..=len]`. The
    /// buffers always hold 64 entries past `len`, so a chunk's tokens are written without a
    /// test per token.
    positions: Vec<u32>,
    /// The byte at each token, then a `\n` standing for the block's end: `kinds[..=len]`.
    kinds: Vec<u8>,
    len: usize,
    /// Offsets of suspect bytes, in order.
    suspects: Vec<u32>,
    /// Offsets of the backslashes that start escapes, in order (most blocks have few).
    escapes: Vec<u32>,
}

impl Tokens {
    /// Byte offsets of the tokens in order, ending with the block's length.
    pub(crate) fn positions(&self) -> &[u32] {
        &self.positions[..=self.len]
    }

    /// The byte at each token, ending with a `\n` for the block's end (every line, the last
    /// one too, ends at a `\n` token), then three bytes of slack, so four kinds can be read at
    /// once from any token. The slack means nothing; a window that reaches into it holds the
    /// end's `\n`.
    pub fn kinds(&self) -> &[u8] {
        &self.kinds[..self.len + 4]
    }

    /// Offsets of the bytes that make their lines doubtful, in order.
    pub(crate) fn suspects(&self) -> &[u32] {
        &self.suspects
    }

    /// Offsets of the backslashes that start escapes inside strings, in order.
    pub(crate) fn escapes(&self) -> &[u32] {
        &self.escapes
    }

    /// Makes room for one more chunk's tokens and the end.
    #[inline(always)]
    fn reserve_chunk(&mut self) {
        if self.positions.len() < self.len + 65 {
            let grown = (self.len + 65).max(2 * self.positions.len());
            self.positions.resize(grown, 0);
            self.kinds.resize(grown, 0);
        }
    }

    /// Appends the tokens at the set bits of `bits` in `chunk`, which starts at `base`.
    #[inline(always)]
    fn push(&mut self, base: u32, mut bits: u64, chunk: &[u8; 64]) {
        let count = bits.count_ones() as usize;
        let positions = &mut self.positions[self.len..self.len + 64];
        let kinds = &mut self.kinds[self.len..self.len + 64];
        // Eight at a time without a test per token; the writes past `count` are overwritten
        // by the next chunk or lie past the end.
        let mut n = 0;
        while bits != 0 {
            for _ in 0..8 {
                let at = bits.trailing_zeros();
                positions[n & 63] = base + at;
                kinds[n & 63] = chunk[at as usize & 63];
                bits &= bits.wrapping_sub(1);
                n += 1;
            }
        }
        self.len += count;
    }
}

fn push_bits(out: &mut Vec<u32>, base: u32, mut bits: u64) {
    while bits != 0 {
        out.push(base + bits.trailing_zeros());
        bits &= bits - 1;
    }
}

/// What carries from one chunk to the next.
#[derive(Debug, Default)]
struct Carry {
    /// The chunk's first byte is escaped by a backslash ending the previous chunk.
    escaped: bool,
    /// The previous chunk ended inside a string.
    in_string: bool,
    /// The previous chunk ended inside a bare value.
    in_bare: bool,
}

/// Finds the tokens and suspects of `block` (any bytes; at most 4 GiB).
pub(super) fn tokenize(block: &[u8], tokens: &mut Tokens) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: the CPU was just found to support these features.
            return unsafe { tokenize_avx512(block, tokens) };
        }
        if has_avx2() {
            // SAFETY: the CPU was just found to support these features.
            return unsafe { tokenize_avx2(block, tokens) };
        }
    }
    tokenize_with::<Baseline>(block, tokens);
}

/// AVX-512 with byte compares and byte compression (Intel since Ice Lake, AMD since Zen 4).
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has_avx2() && has!("avx512f") && has!("avx512bw") && has!("avx512vbmi2")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt,lzcnt,avx512f,avx512bw,avx512vbmi2")]
unsafe fn tokenize_avx512(block: &[u8], tokens: &mut Tokens) {
    tokenize_with::<Avx512>(block, tokens);
}

/// AVX2, and the bit instructions every CPU with it also has (counting and finding set bits
/// in one instruction each).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx2") && has!("bmi1") && has!("popcnt") && has!("lzcnt")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt,lzcnt")]
unsafe fn tokenize_avx2(block: &[u8], tokens: &mut Tokens) {
    tokenize_with::<Avx2>(block, tokens);
}

#[inline(always)]
fn tokenize_with<C: Simd>(block: &[u8], tokens: &mut Tokens) {
    tokens.len = 0;
    tokens.suspects.clear();
    tokens.escapes.clear();
    let mut carry = Carry::default();
    let mut at = 0;
    while at < block.len() {
        let padded;
        let chunk: &[u8; 64] = match block.get(at..at + 64).and_then(|chunk| chunk.try_into().ok()) {
            Some(chunk) => chunk,
            None => {
                // Spaces pad the last chunk: they are whitespace, so they add no token.
                let mut last = [b' '; 64];
                last[..block.len() - at].copy_from_slice(&block[at..]);
                padded = last;
                &padded
            }
        };
        tokens.reserve_chunk();
        at = chunk_tokens::<C>(block, at, chunk, C::classify(chunk), &mut carry, tokens);
    }
    tokens.reserve_chunk();
    if carry.in_string || carry.escaped {
        // The last line ends inside a string or an escape.
        tokens.suspects.push(block.len() as u32 - 1);
    }
    tokens.positions[tokens.len] = block.len() as u32;
    tokens.kinds[tokens.len] = b'\n';
}

/// Records the tokens and suspects of `chunk`, at `at` in `block`; returns where the next
/// chunk starts.
#[inline(always)]
fn chunk_tokens<C: Simd>(
    block: &[u8],
    at: usize,
    chunk: &[u8; 64],
    c: Classes,
    carry: &mut Carry,
    tokens: &mut Tokens,
) -> usize {
    let base = at as u32;
    let escaped = if c.backslash == 0 && !carry.escaped { 0 } else { escaped_bits(c.backslash, &mut carry.escaped) };
    let quote = c.quote & !escaped;
    // 1 from an opening quote up to (not including) its closing quote.
    let in_string = prefix_xor(quote) ^ if carry.in_string { u64::MAX } else { 0 };
    let outside = !in_string & !quote;
    let bare = outside & !c.structural & !c.space & !c.newline;
    let bare_starts = bare & !(bare << 1 | u64::from(carry.in_bare));
    // A string's token is its opening quote (whose `in_string` bit is set); stage two finds
    // the closing one from the token after it.
    let found = ((c.structural | c.newline) & outside) | (quote & in_string) | bare_starts;
    let escapes = c.backslash & !escaped;
    let suspect = (c.control & !c.newline & in_string) | (escapes & !in_string);
    let broken = c.newline & in_string;
    let (limit, next) = if broken == 0 {
        carry.in_string = in_string >> 63 == 1;
        carry.in_bare = bare >> 63 == 1;
        (u64::MAX, at + 64)
    } else {
        // A string runs into a newline: that line is broken. Keep what precedes the newline,
        // and the newline itself as the line's end, then start afresh after it.
        let newline = broken.trailing_zeros();
        *carry = Carry::default();
        (u64::MAX >> (63 - newline), at + newline as usize + 1)
    };
    let mut suspect = (suspect | broken) & limit;
    let escapes = escapes & in_string & limit;
    if escapes != 0 {
        push_bits(&mut tokens.escapes, base, escapes);
        suspect |= bad_escapes(block, at, escapes);
    }
    C::push(tokens, base, (found | broken) & limit, chunk);
    if suspect != 0 {
        push_bits(&mut tokens.suspects, base, suspect);
    }
    next
}

/// Bits of the bytes escaped by a backslash, given the chunk's backslashes. A backslash that
/// is itself escaped escapes nothing. Backslashes are rare, so a loop over them does.
fn escaped_bits(backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = 0u64;
    let mut left = backslash;
    if std::mem::take(carry) {
        escaped = 1;
        left &= !1;
    }
    while left != 0 {
        let at = left.trailing_zeros();
        left &= !(1u64 << at);
        if at == 63 {
            *carry = true;
        } else {
            escaped |= 1 << (at + 1);
            left &= !(1u64 << (at + 1));
        }
    }
    escaped
}

/// Of the escapes starting at the bits of `escapes` (offsets from `at` in `block`), those
/// that are invalid or left to the general path.
fn bad_escapes(block: &[u8], at: usize, escapes: u64) -> u64 {
    let mut bad = 0;
    let mut left = escapes;
    while left != 0 {
        let bit = left.trailing_zeros();
        left &= left - 1;
        if !valid_escape(block, at + bit as usize) {
            bad |= 1 << bit;
        }
    }
    bad
}

/// Whether the backslash at `at` starts an escape this stage accepts.
fn valid_escape(block: &[u8], at: usize) -> bool {
    match block.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
        // Surrogate pairs have their own rules; leave them to the general path.
        Some(b'u') => escape::unicode(block, at).is_some_and(|code| !(0xD800..=0xDFFF).contains(&code)),
        _ => false,
    }
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(test)]
mod tests;
