//! Interned strings: every distinct string of a run stored once, named by a 4-byte [`Sym`].
//!
//! Two tables with one layout (the text of all strings in one buffer, and where each ends):
//! - [`Strings`], the run's table, owned by the thread that merges blocks, so interning needs
//!   no lock;
//! - [`BlockStrings`], the table of one block, filled by the parser thread that reads it. The
//!   merging thread interns each block's distinct strings once and translates the block's
//!   local numbers, so the costly part (hashing every field of every line) runs in parallel.
//!
//! Strings hash with a per-run random key, so crafted input cannot force collisions.

use std::num::NonZeroU32;

use hashbrown::HashTable;

/// An interned string of a [`Strings`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(NonZeroU32);

impl Sym {
    fn from_index(index: usize) -> Self {
        // Four billion distinct strings would need more memory than any machine here has.
        let value = u32::try_from(index + 1).unwrap_or(u32::MAX);
        Sym(NonZeroU32::new(value).unwrap_or(NonZeroU32::MAX))
    }

    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Strings in one buffer, with the end of each.
#[derive(Debug, Default, Clone)]
struct Arena {
    text: String,
    ends: Vec<usize>,
}

impl Arena {
    fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }

    fn push(&mut self, s: &str) -> usize {
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// The run's string table.
#[derive(Debug, Clone)]
pub struct Strings {
    arena: Arena,
    /// Interned strings by hash; strings added with [`Strings::add_unique`] are not in it.
    table: HashTable<Sym>,
    hasher: ahash::RandomState,
}

impl Default for Strings {
    fn default() -> Self {
        Strings::new()
    }
}

impl Strings {
    /// An empty table with a fresh hash key.
    pub fn new() -> Self {
        Strings { arena: Arena::default(), table: HashTable::new(), hasher: ahash::RandomState::new() }
    }

    /// The symbol of `s`, adding it if it is new.
    pub fn intern(&mut self, s: &str) -> Sym {
        let hash = self.hasher.hash_one(s);
        let arena = &self.arena;
        if let Some(&sym) = self.table.find(hash, |&sym| arena.get(sym.index()) == s) {
            return sym;
        }
        let sym = Sym::from_index(self.arena.push(s));
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, sym, |&sym| hasher.hash_one(arena.get(sym.index())));
        sym
    }

    /// Adds `s` as a new symbol without making it findable by [`Strings::intern`]: for strings
    /// known to be distinct already (leg uuids, keyed by their bits), which need no hashing.
    pub fn add_unique(&mut self, s: &str) -> Sym {
        Sym::from_index(self.arena.push(s))
    }

    /// Adds `count` new symbols of `width` ASCII bytes each, like [`Strings::add_unique`] one
    /// by one, their text written in place by `fill(k, bytes)` for the k-th, in parallel;
    /// returns the symbols, which follow each other. Text that is not ASCII is replaced by
    /// `?`, so the table stays valid UTF-8.
    pub fn add_unique_run(
        &mut self,
        count: usize,
        width: usize,
        fill: impl Fn(usize, &mut [u8]) + Sync,
    ) -> impl Iterator<Item = Sym> {
        use rayon::prelude::*;
        let (first, start) = (self.arena.len(), self.arena.text.len());
        let mut bytes = std::mem::take(&mut self.arena.text).into_bytes();
        bytes.resize(start + count * width, 0);
        bytes[start..].par_chunks_mut(width.max(1)).enumerate().for_each(|(k, slot)| {
            fill(k, slot);
            slot.iter_mut().filter(|b| !b.is_ascii()).for_each(|b| *b = b'?');
        });
        // Valid UTF-8 before, and only ASCII added: the check cannot fail.
        self.arena.text = String::from_utf8(bytes).unwrap_or_default();
        self.arena.ends.extend((1..=count).map(|k| start + k * width));
        (first..first + count).map(Sym::from_index)
    }

    /// The text of a symbol of this table.
    pub fn resolve(&self, sym: Sym) -> &str {
        self.arena.get(sym.index())
    }

    /// Symbols for each string of `block`, in its local order.
    pub fn intern_block(&mut self, block: &BlockStrings) -> Vec<Sym> {
        (0..block.arena.len()).map(|index| self.intern(block.arena.get(index))).collect()
    }
}

/// A string of a [`BlockStrings`] table, by its local number.
pub(crate) type Local = u32;

/// The distinct strings of one block, numbered in order of first sight.
#[derive(Debug, Clone, Default)]
pub struct BlockStrings {
    arena: Arena,
    table: HashTable<Local>,
    hasher: ahash::RandomState,
}

impl BlockStrings {
    /// An empty table hashing with `hasher`.
    pub fn with_hasher(hasher: ahash::RandomState) -> Self {
        BlockStrings { arena: Arena::default(), table: HashTable::new(), hasher }
    }

    /// The local number of `s`, adding it if it is new to the block.
    pub fn intern(&mut self, s: &str) -> Local {
        let hash = self.hasher.hash_one(s);
        let arena = &self.arena;
        if let Some(&local) = self.table.find(hash, |&local| arena.get(local as usize) == s) {
            return local;
        }
        let local = self.arena.push(s) as Local;
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, local, |&local| hasher.hash_one(arena.get(local as usize)));
        local
    }

    /// Empties the table, keeping its memory.
    pub fn clear(&mut self) {
        self.arena.text.clear();
        self.arena.ends.clear();
        self.table.clear();
    }

    /// The text of a local number.
    pub fn resolve(&self, local: Local) -> &str {
        self.arena.get(local as usize)
    }

    /// How many distinct strings the block holds.
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// True when the block holds no string.
    pub fn is_empty(&self) -> bool {
        self.arena.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_unique_strings_stay_apart() {
        let mut strings = Strings::new();
        let a = strings.intern("answered");
        let b = strings.intern("talking");
        assert_eq!(strings.intern("answered"), a);
        assert_ne!(a, b);
        let unique = strings.add_unique("answered");
        assert_ne!(unique, a, "added strings are not found by interning");
        assert_eq!(strings.intern("answered"), a);
        for (sym, text) in [(a, "answered"), (b, "talking"), (unique, "answered")] {
            assert_eq!(strings.resolve(sym), text);
        }
        assert_eq!(strings.intern(""), strings.intern(""));
        let run: Vec<Sym> = strings.add_unique_run(3, 3, |k, bytes| bytes.fill(b"abc"[k])).collect();
        let texts: Vec<&str> = run.iter().map(|&sym| strings.resolve(sym)).collect();
        assert_eq!(texts, ["aaa", "bbb", "ccc"]);
        let odd = strings.add_unique_run(1, 4, |_, bytes| bytes.copy_from_slice("zł!".as_bytes())).next();
        assert_eq!(odd.map(|sym| strings.resolve(sym)), Some("z??!"), "only ASCII goes in");
        let after = strings.add_unique("after");
        assert_eq!(strings.resolve(after), "after");
    }

    #[test]
    fn block_strings_translate_into_the_run_table() {
        let mut block = BlockStrings::with_hasher(ahash::RandomState::new());
        let words = ["HANGUP", "ringing", "HANGUP", "", "Łucja", "ringing"];
        let locals: Vec<Local> = words.iter().map(|w| block.intern(w)).collect();
        assert_eq!(locals, [0, 1, 0, 2, 3, 1]);
        assert_eq!(block.len(), 4);
        let mut strings = Strings::new();
        let before = strings.intern("ringing");
        let syms = strings.intern_block(&block);
        assert_eq!(syms[1], before);
        for (word, local) in words.iter().zip(locals) {
            assert_eq!(strings.resolve(syms[local as usize]), *word);
        }
    }
}
