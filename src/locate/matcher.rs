//! The byte search for a call's uuids in raw lines, behind one narrow door: which searcher
//! suits the pattern set is decided here, and nothing else of the search is.

use aho_corasick::AhoCorasick;
use anyhow::Context;

/// Finds any of a few uuids in a line's bytes. The SIMD "Teddy" searcher suits a handful of
/// patterns made of common bytes (hex digits and dashes) far better than an automaton with a
/// rare-byte prefilter; the automaton remains for machines or pattern sets Teddy cannot take.
pub(super) enum Matcher {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Matcher {
    /// A searcher for any of `patterns`.
    pub(super) fn new<'p>(patterns: impl IntoIterator<Item = &'p str> + Clone) -> anyhow::Result<Self> {
        match aho_corasick::packed::Searcher::new(patterns.clone()) {
            Some(packed) => Ok(Matcher::Packed(packed)),
            None => Ok(Matcher::Automaton(AhoCorasick::new(patterns).context("cannot build the uuid search")?)),
        }
    }

    /// True when the line holds one of the patterns.
    pub(super) fn is_match(&self, line: &[u8]) -> bool {
        match self {
            Matcher::Packed(packed) => packed.find(line).is_some(),
            Matcher::Automaton(automaton) => automaton.is_match(line),
        }
    }
}
