//! Leg uuids in their canonical form (`8-4-4-4-12` lowercase hex digits) as 128 bits.
//!
//! Nearly every `dialog_uuid` is canonical, so parser threads turn it into two words and a
//! hash, and the merging thread finds the leg with one table probe and one comparison of two
//! words, instead of hashing and comparing 36 bytes. The text is written back from the bits,
//! which is exact only for the canonical form: anything else (capitals, braces, any other
//! string) keeps its text and is keyed by it.

/// The 128 bits of a canonical uuid.
pub(crate) type Bits = [u64; 2];

/// The bits of `text` when it is a canonical uuid.
#[inline]
pub fn parse(text: &str) -> Option<Bits> {
    let b: &[u8; 36] = text.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let eight = |first: [u8; 4], second: [u8; 4]| {
        let mut digits = [0u8; 8];
        digits[..4].copy_from_slice(&first);
        digits[4..].copy_from_slice(&second);
        parse8(digits)
    };
    let four = |at: usize| -> [u8; 4] { [b[at], b[at + 1], b[at + 2], b[at + 3]] };
    let words =
        [eight(four(0), four(4))?, eight(four(9), four(14))?, eight(four(19), four(24))?, eight(four(28), four(32))?];
    Some([u64::from(words[0]) << 32 | u64::from(words[1]), u64::from(words[2]) << 32 | u64::from(words[3])])
}

/// The value of eight lowercase hex digits, all checked and converted at once: each byte's
/// range is tested with additions that set its top bit, then nibbles are packed pairwise.
fn parse8(digits: [u8; 8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_be_bytes(digits);
    // Past here every byte is below 0x80, so adding up to 0x50 cannot carry into the next.
    if x & HIGH != 0 {
        return None;
    }
    let at_least = |low: u8| (x + ONES * u64::from(0x80 - low)) & HIGH;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    if digit | letter != HIGH {
        return None;
    }
    let mut nibbles = (x & 0x0F0F_0F0F_0F0F_0F0F) + (letter >> 7) * 9;
    nibbles = (nibbles | nibbles >> 4) & 0x00FF_00FF_00FF_00FF;
    nibbles = (nibbles | nibbles >> 8) & 0x0000_FFFF_0000_FFFF;
    Some((nibbles | nibbles >> 16) as u32)
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
    fn eight_digits_at_once_agree_with_one_at_a_time() {
        let one_at_a_time = |digits: [u8; 8]| {
            digits.iter().try_fold(0u32, |value, &d| {
                let digit = match d {
                    b'0'..=b'9' => d - b'0',
                    b'a'..=b'f' => d - b'a' + 10,
                    _ => return None,
                };
                Some(value << 4 | u32::from(digit))
            })
        };
        let bytes: Vec<u8> = (0..=255).collect();
        for (i, &byte) in bytes.iter().enumerate() {
            for at in 0..8 {
                let mut digits = *b"0123abcf";
                digits[at] = byte;
                digits[(at + 3) % 8] = b"0123456789abcdef"[i % 16];
                assert_eq!(parse8(digits), one_at_a_time(digits), "{digits:?}");
            }
        }
    }

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
