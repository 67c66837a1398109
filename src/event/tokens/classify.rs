//! How each kind of CPU classifies the bytes of a 64-byte chunk into bitmasks (quotes,
//! backslashes, structural characters, newlines, whitespace, controls) and writes a chunk's
//! tokens: SSE2 on every x86-64, AVX2 and AVX-512 where the CPU has them, and a byte at a time
//! elsewhere (also the reference in tests).

use super::Tokens;

/// The bitmasks of one 64-byte chunk: bit `i` describes byte `i`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Classes {
    pub(super) quote: u64,
    pub(super) backslash: u64,
    /// `{ } [ ] : ,`
    pub(super) structural: u64,
    pub(super) newline: u64,
    /// Space, tab, carriage return.
    pub(super) space: u64,
    /// Bytes below 0x20.
    pub(super) control: u64,
}

/// How a kind of CPU finds the classes of a chunk's bytes, and writes its tokens.
pub(super) trait Simd {
    fn classify(chunk: &[u8; 64]) -> Classes;

    #[inline(always)]
    fn push(tokens: &mut Tokens, base: u32, bits: u64, chunk: &[u8; 64]) {
        tokens.push(base, bits, chunk);
    }
}

/// What every CPU of the target has: SSE2 on x86-64, bytes one by one elsewhere.
pub(super) struct Baseline;

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
pub(super) struct Avx2;

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
pub(super) struct Avx512;

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
pub(super) fn classify_bytes(chunk: &[u8; 64]) -> Classes {
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
