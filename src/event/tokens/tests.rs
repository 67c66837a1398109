//! Stage one against byte-at-a-time references, on made-up and random blocks.

use super::classify::classify_bytes;
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
