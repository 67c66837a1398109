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
    pub fn positions(&self) -> &[u32] {
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
    pub fn suspects(&self) -> &[u32] {
        &self.suspects
    }

    /// Offsets of the backslashes that start escapes inside strings, in order.
    pub fn escapes(&self) -> &[u32] {
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

/// The bitmasks of one 64-byte chunk: bit `i` describes byte `i`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Classes {
    quote: u64,
    backslash: u64,
    /// `{ } [ ] : ,`
    structural: u64,
    newline: u64,
    /// Space, tab, carriage return.
    space: u64,
    /// Bytes below 0x20.
    control: u64,
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

/// How a kind of CPU finds the classes of a chunk's bytes, and writes its tokens.
trait Simd {
    fn classify(chunk: &[u8; 64]) -> Classes;

    #[inline(always)]
    fn push(tokens: &mut Tokens, base: u32, bits: u64, chunk: &[u8; 64]) {
        tokens.push(base, bits, chunk);
    }
}

/// What every CPU of the target has: SSE2 on x86-64, bytes one by one elsewhere.
struct Baseline;

impl Simd for Baseline {
    #[inline(always)]
    fn classify(chunk: &[u8; 64]) -> Classes {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        return classify_sse2(chunk);
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        return classify_bytes(chunk);
    }
}

/// Sixteen bytes at a time with SSE2 (part of every x86-64 CPU).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn classify_sse2(chunk: &[u8; 64]) -> Classes {
    use std::arch::x86_64::*;
    let mut c = Classes::default();
    for (part, bytes) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is enabled for this target (the cfg above), and `bytes` is 16 readable
        // bytes for an unaligned load.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>());
            let eq = |byte: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8));
            let bits = |mask: __m128i| u64::from(_mm_movemask_epi8(mask) as u16) << (16 * part);
            // `[` and `{` differ only in bit 0x20, as do `]` and `}`.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let brackets = _mm_or_si128(
                _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8)),
                _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8)),
            );
            c.quote |= bits(eq(b'"'));
            c.backslash |= bits(eq(b'\\'));
            c.structural |= bits(_mm_or_si128(brackets, _mm_or_si128(eq(b':'), eq(b','))));
            c.newline |= bits(eq(b'\n'));
            c.space |= bits(_mm_or_si128(eq(b' '), _mm_or_si128(eq(b'\t'), eq(b'\r'))));
            c.control |= bits(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
        }
    }
    c
}

/// Thirty-two bytes at a time, on CPUs found to have AVX2.
#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Simd for Avx2 {
    #[inline(always)]
    fn classify(chunk: &[u8; 64]) -> Classes {
        // SAFETY: only `tokenize_avx2` and tests use this, once AVX2 was detected. Passing the
        // classes through `black_box` keeps LLVM from taking the masks apart bit by bit.
        std::hint::black_box(unsafe { classify_avx2(chunk) })
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn classify_avx2(chunk: &[u8; 64]) -> Classes {
    use std::arch::x86_64::*;
    let mut c = Classes::default();
    for (part, bytes) in chunk.chunks_exact(32).enumerate() {
        // SAFETY: `bytes` is 32 readable bytes for an unaligned load.
        let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast::<__m256i>()) };
        let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        // Masks are combined as integers: combined as vectors, LLVM takes them apart bit by bit.
        let [quote, backslash, open, close, colon, comma, newline, space, tab, cr, control] = [
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8)),
            _mm256_cmpeq_epi8(folded, _mm256_set1_epi8(b'{' as i8)),
            _mm256_cmpeq_epi8(folded, _mm256_set1_epi8(b'}' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b':' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b',' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\n' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8)),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\r' as i8)),
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v),
        ]
        .map(|mask| u64::from(_mm256_movemask_epi8(mask) as u32) << (32 * part));
        c.quote |= quote;
        c.backslash |= backslash;
        c.structural |= open | close | colon | comma;
        c.newline |= newline;
        c.space |= space | tab | cr;
        c.control |= control;
    }
    c
}

/// Sixty-four bytes at a time into mask registers, and tokens written by compressing the
/// chunk's bytes and positions, on CPUs found to have AVX-512 (with VBMI2).
#[cfg(target_arch = "x86_64")]
struct Avx512;

#[cfg(target_arch = "x86_64")]
impl Simd for Avx512 {
    #[inline(always)]
    fn classify(chunk: &[u8; 64]) -> Classes {
        // SAFETY: only `tokenize_avx512` and tests use this, once AVX-512 was detected.
        unsafe { classify_avx512(chunk) }
    }

    #[inline(always)]
    fn push(tokens: &mut Tokens, base: u32, bits: u64, chunk: &[u8; 64]) {
        // SAFETY: as above.
        unsafe { push_avx512(tokens, base, bits, chunk) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
unsafe fn classify_avx512(chunk: &[u8; 64]) -> Classes {
    use std::arch::x86_64::*;
    // SAFETY: `chunk` is 64 readable bytes for an unaligned load.
    let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
    let eq = |byte: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(byte as i8));
    let folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    let folded_eq = |byte: u8| _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(byte as i8));
    Classes {
        quote: eq(b'"'),
        backslash: eq(b'\\'),
        structural: folded_eq(b'{') | folded_eq(b'}') | eq(b':') | eq(b','),
        newline: eq(b'\n'),
        space: eq(b' ') | eq(b'\t') | eq(b'\r'),
        control: _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f)),
    }
}

/// Appends the tokens at the set bits of `bits`: their bytes compressed into `kinds` at once,
/// their positions sixteen lanes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
#[inline]
unsafe fn push_avx512(tokens: &mut Tokens, base: u32, bits: u64, chunk: &[u8; 64]) {
    use std::arch::x86_64::*;
    let len = tokens.len;
    let kinds = &mut tokens.kinds[len..len + 64];
    let positions = &mut tokens.positions[len..len + 64];
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // SAFETY: each load reads the 64 bytes of `chunk`, each store writes within the 64-entry
    // slices just taken: `kinds` whole, and 16 positions from `n`, which is at most
    // 16 * quarter.
    unsafe {
        let bytes = _mm512_loadu_si512(chunk.as_ptr().cast());
        _mm512_storeu_si512(kinds.as_mut_ptr().cast(), _mm512_maskz_compress_epi8(bits, bytes));
        let mut n = 0;
        for quarter in 0..4u32 {
            let mask = (bits >> (16 * quarter)) as u16;
            let at = _mm512_add_epi32(lanes, _mm512_set1_epi32((base + 16 * quarter) as i32));
            let out = &mut positions[n..n + 16];
            _mm512_storeu_si512(out.as_mut_ptr().cast(), _mm512_maskz_compress_epi32(mask, at));
            n += mask.count_ones() as usize;
        }
    }
    tokens.len += bits.count_ones() as usize;
}

/// The same classes a byte at a time: the portable version, and the reference in tests.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn classify_bytes(chunk: &[u8; 64]) -> Classes {
    let mut c = Classes::default();
    for (i, &byte) in chunk.iter().enumerate() {
        let bit = 1u64 << i;
        match byte {
            b'"' => c.quote |= bit,
            b'\\' => c.backslash |= bit,
            b'{' | b'}' | b'[' | b']' | b':' | b',' => c.structural |= bit,
            b' ' | b'\t' | b'\r' => c.space |= bit,
            b'\n' => c.newline |= bit,
            _ => {}
        }
        if byte < 0x20 {
            c.control |= bit;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token positions of a block free of suspects.
    fn positions(block: &str) -> Option<Vec<u32>> {
        let mut tokens = Tokens::default();
        tokenize(block.as_bytes(), &mut tokens);
        let positions = tokens.positions();
        tokens.suspects().is_empty().then(|| positions[..positions.len() - 1].to_vec())
    }

    #[test]
    fn finds_structure_strings_and_bare_values() {
        let line = r#" {"a": [1, true], "b\"c": null}"#;
        let expected: Vec<u32> = vec![1, 2, 5, 7, 8, 9, 11, 15, 16, 18, 24, 26, 30];
        assert_eq!(positions(line), Some(expected));
        // Strings are their opening quote; structural characters inside them are not tokens.
        assert_eq!(positions(r#"{"{[:,]}":1}"#), Some(vec![0, 1, 9, 10, 11]));
    }

    /// A byte-at-a-time reference for lines whose strings hold only simple escapes.
    fn reference(b: &[u8]) -> Vec<u32> {
        let (mut out, mut in_string, mut escaped, mut prev_bare) = (Vec::new(), false, false, false);
        for (i, &c) in b.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
                prev_bare = false;
                continue;
            }
            let bare = !b"{}[]:, \t\r\n\"".contains(&c);
            if c == b'"' {
                in_string = true;
            }
            if !bare && c != b' ' && c != b'\t' && c != b'\r' || bare && !prev_bare {
                out.push(i as u32);
            }
            prev_bare = bare;
        }
        out
    }

    #[test]
    fn tokens_across_chunk_boundaries() {
        for pad in 0..70 {
            let line = format!("{{\"{}\":\"x\\\\\\\"y\",\"n\":123456, \"t\" :[ true,false ]}}", "k".repeat(pad));
            let got = positions(&line).unwrap_or_else(|| panic!("refused {line}"));
            assert_eq!(got, reference(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn a_broken_line_never_affects_the_next() {
        let good = r#"{"k":"v\"","n":[1,{"x":null}]}"#;
        for broken in [r#"{"a":"open"#, r#"{"a":"\"#, "{\"a\":\"tab\there\"}", r#"{"a":\"x"}"#, r#"{"a":"\q"}"#] {
            for pad in [0, 30, 63, 64, 65, 100] {
                let first = format!("{}{broken}", " ".repeat(pad));
                let block = format!("{first}\n{good}\n{good}");
                let mut tokens = Tokens::default();
                tokenize(block.as_bytes(), &mut tokens);
                let end = first.len() as u32;
                assert!(!tokens.suspects().is_empty() && tokens.suspects().iter().all(|&s| s <= end), "{block}");
                let positions = tokens.positions();
                let after: Vec<u32> = positions[..positions.len() - 1].iter().copied().filter(|&p| p >= end).collect();
                let expected: Vec<u32> =
                    reference(format!("\n{good}\n{good}").as_bytes()).iter().map(|p| p + end).collect();
                assert_eq!(after, expected, "{block}");
            }
        }
    }

    #[test]
    fn lines_end_at_newline_tokens() {
        let block = "{\"a\":1}\r\n\n  true\n{}";
        assert_eq!(positions(block), Some(vec![0, 1, 4, 5, 6, 8, 9, 12, 16, 17, 18]));
    }

    #[test]
    fn refuses_what_json_forbids_inside_strings() {
        for line in
            ["{\"a\":\"x\ty\"}", "{\"a\":\"x", r#"{"a":"\x"}"#, r#"{"a":"\u12"}"#, r#"{"a":"\ud800"}"#, "{\"a\":1}\\"]
        {
            assert_eq!(positions(line), None, "{line:?}");
        }
        assert!(positions(r#"{"a":"\u0142\n\/"}"#).is_some());
    }

    fn agree(chunk: &[u8; 64]) {
        assert_eq!(Baseline::classify(chunk), classify_bytes(chunk));
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            assert_eq!(Avx2::classify(chunk), classify_bytes(chunk));
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            assert_eq!(Avx512::classify(chunk), classify_bytes(chunk));
        }
    }

    /// A byte-at-a-time chunk reader, to hold the vector ones to.
    struct Bytes;

    impl Simd for Bytes {
        fn classify(chunk: &[u8; 64]) -> Classes {
            classify_bytes(chunk)
        }
    }

    /// Positions, kinds, suspects and escapes.
    type Found = (Vec<u32>, Vec<u8>, Vec<u32>, Vec<u32>);

    /// Everything stage one found, by every implementation this CPU can run.
    fn every_way(block: &[u8]) -> Vec<Found> {
        let found = |tokens: &Tokens| {
            (
                tokens.positions().to_vec(),
                tokens.kinds()[..=tokens.len].to_vec(),
                tokens.suspects.clone(),
                tokens.escapes.clone(),
            )
        };
        let mut tokens = Tokens::default();
        let mut all = Vec::new();
        tokenize_with::<Bytes>(block, &mut tokens);
        all.push(found(&tokens));
        tokenize_with::<Baseline>(block, &mut tokens);
        all.push(found(&tokens));
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU has the features.
            unsafe { tokenize_avx2(block, &mut tokens) };
            all.push(found(&tokens));
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the CPU has the features.
            unsafe { tokenize_avx512(block, &mut tokens) };
            all.push(found(&tokens));
        }
        all
    }

    #[test]
    fn every_implementation_finds_the_same_tokens() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut blocks: Vec<Vec<u8>> =
            std::fs::read_dir(dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        let mut noisy = blocks.concat();
        let noise = b"\"\\\n{}[]:, x\x01\xc5";
        for (i, byte) in noisy.iter_mut().enumerate() {
            if i % 97 == 0 {
                *byte = noise[i % noise.len()];
            }
        }
        blocks.push(noisy);
        for block in &blocks {
            let all = every_way(block);
            assert!(all.windows(2).all(|w| w[0] == w[1]), "implementations disagree");
        }
    }

    #[test]
    fn vector_and_byte_classes_agree() {
        let mut chunk = [0u8; 64];
        for seed in 0..=255u8 {
            for (i, byte) in chunk.iter_mut().enumerate() {
                *byte = seed.wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(seed | 1)) ^ (i as u8);
            }
            agree(&chunk);
        }
        let every: Vec<u8> = (0..=255).collect();
        for part in every.chunks_exact(64) {
            agree(part.try_into().unwrap());
        }
    }

    #[test]
    fn escapes_at_chunk_edges() {
        let mut backslash = 1u64 << 63;
        let mut carry = false;
        assert_eq!(escaped_bits(backslash, &mut carry), 0);
        assert!(carry);
        backslash = 0b11;
        assert_eq!(escaped_bits(backslash, &mut carry), 0b101);
        assert!(!carry);
    }
}
