//! Leg uuids in their canonical form (`8-4-4-4-12` lowercase hex digits) as 128 bits.
//!
//! Nearly every `dialog_uuid` is canonical, so parser threads turn it into two words and a
//! hash, and the merging thread finds the leg with one table probe and one comparison of two
//! words, instead of hashing and comparing 36 bytes. The text is written back from the bits,
//! which is exact only for the canonical form: anything else (capitals, braces, any other
//! string) keeps its text and is keyed by it.

/// The 128 bits of a canonical uuid.
pub type Bits = [u64; 2];

/// Where the 32 digits sit in the text, most significant first: the high word's 16, then
/// the low word's.
const DIGITS: [[usize; 16]; 2] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17],
    [19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35],
];

/// The value of each lowercase hex digit; 0xFF for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// The bits of `text` when it is a canonical uuid.
#[inline]
pub fn parse(text: &str) -> Option<Bits> {
    let b: &[u8; 36] = text.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let (mut bits, mut invalid) = ([0u64; 2], 0u8);
    for (word, positions) in bits.iter_mut().zip(&DIGITS) {
        for &at in positions {
            let digit = HEX[b[at] as usize];
            invalid |= digit;
            *word = *word << 4 | u64::from(digit & 0xF);
        }
    }
    // A valid digit is at most 0x0F, so only an invalid byte sets a high bit.
    (invalid & 0xF0 == 0).then_some(bits)
}

/// The canonical text of `bits`.
pub fn format(bits: Bits) -> [u8; 36] {
    let digits =
        [hex8((bits[0] >> 32) as u32), hex8(bits[0] as u32), hex8((bits[1] >> 32) as u32), hex8(bits[1] as u32)];
    let mut text = [b'-'; 36];
    text[0..8].copy_from_slice(&digits[0]);
    text[9..13].copy_from_slice(&digits[1][..4]);
    text[14..18].copy_from_slice(&digits[1][4..]);
    text[19..23].copy_from_slice(&digits[2][..4]);
    text[24..28].copy_from_slice(&digits[2][4..]);
    text[28..36].copy_from_slice(&digits[3]);
    text
}

/// The eight lowercase hex digits of `value`, most significant first: each nibble spread
/// into a byte of its own, then made a digit, all eight at once.
fn hex8(value: u32) -> [u8; 8] {
    let mut x = u64::from(value);
    x = (x | x << 16) & 0x0000_FFFF_0000_FFFF;
    x = (x | x << 8) & 0x00FF_00FF_00FF_00FF;
    x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F;
    // 1 in each byte whose nibble is 10 or more: those become `a`-`f`, the rest `0`-`9`.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (x + 0x3030_3030_3030_3030 + letters * 0x27).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uuids_round_trip_and_nothing_else_parses() {
        for text in [
            "c2b19c63-f17b-4726-b3a1-5b5046e887ef",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
        ] {
            let bits = parse(text).unwrap();
            assert_eq!(&format(bits), text.as_bytes());
        }
        assert_ne!(parse("c2b19c63-f17b-4726-b3a1-5b5046e887ef"), parse("c2b19c63-f17b-4726-b3a1-5b5046e887ee"));
        for text in [
            "C2B19C63-F17B-4726-B3A1-5B5046E887EF",
            "c2b19c63f17b4726b3a15b5046e887ef",
            "c2b19c63-f17b-4726-b3a1-5b5046e887e",
            "c2b19c63-f17b-4726-b3a1-5b5046e887efa",
            "c2b19c63-f17b-4726-b3a1_5b5046e887ef",
            "g2b19c63-f17b-4726-b3a1-5b5046e887ef",
            "c2b19c63-f17b-4726-b3a1-5b5046e887\u{e9}",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
