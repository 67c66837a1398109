//! Phone numbers replaced by keyed tokens (`--redact-key-file`), once, where a leg's
//! description enters the rebuilt data: every report, export and state file written from that
//! data then holds the token and never the number.
//!
//! A token is the HMAC-SHA256, under the user's secret key, of the number's digits (a value
//! with no digit is taken as it is), shown as a short id of the key, a colon, and the first 16
//! hex digits of the code: `3fa9:0c51d2e8a4b77f16`. The same number under the same key gives
//! the same token, so repeat callers can still be counted and days joined; without the key a
//! token cannot be turned back into its number, which a plain hash of so few possible numbers
//! could (every number can be hashed and looked up).
//!
//! The numbers in a log are each leg's own number or address (`self_target`: the client's
//! number on a client leg). Fields callflow does not read never reach its output, with one
//! exception: the text of a bad line quoted in a message on stderr, where [`Redactor::mask`]
//! blanks every run of digits long enough to be a number.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::model::intern::{Strings, Sym};

/// The fewest bytes a key may have: shorter secrets can be guessed.
pub(crate) const MIN_KEY_BYTES: usize = 16;

/// Digits in a row from which quoted text is taken to hold a number.
const NUMBER_DIGITS: usize = 6;

/// Turns numbers into tokens under one secret key.
#[derive(Clone)]
pub struct Redactor {
    /// HMAC-SHA256 keyed with the secret, cloned for each number.
    mac: Hmac<Sha256>,
    /// Four hex digits naming the key, in front of every token.
    id: String,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key itself never goes into a message.
        write!(f, "Redactor(key {})", self.id)
    }
}

impl Redactor {
    /// A redactor with the key held in `bytes` (one trailing newline, as an editor leaves,
    /// is not part of it).
    pub fn new(bytes: &[u8]) -> Result<Self, String> {
        let key = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let key = key.strip_suffix(b"\r").unwrap_or(key);
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the key has {} bytes; it needs at least {MIN_KEY_BYTES} (for example: head -c 32 /dev/urandom > key)",
                key.len()
            ));
        }
        let digest = Sha256::digest(key);
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| format!("the key cannot be used: {e}"))?;
        Ok(Redactor { mac, id: hex(&digest[..2]) })
    }

    /// A redactor with the key in the file at `path`.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Redactor::new(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The token of `value`; a token of this key stays as it is, so data already redacted
    /// (calls carried in a state file) is not redacted twice.
    pub fn token<'a>(&self, value: &'a str) -> Cow<'a, str> {
        if self.is_token(value) {
            return Cow::Borrowed(value);
        }
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        let normal = if digits.is_empty() { value } else { &digits };
        let mut mac = self.mac.clone();
        mac.update(normal.as_bytes());
        let code = mac.finalize().into_bytes();
        Cow::Owned(format!("{}:{}", self.id, hex(&code[..8])))
    }

    /// Whether `value` has the shape of a token of this key.
    fn is_token(&self, value: &str) -> bool {
        value.len() == self.id.len() + 17
            && value.starts_with(&self.id)
            && value.as_bytes()[self.id.len()] == b':'
            && value[self.id.len() + 1..].bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// `text` with every run of six or more digits blanked as `######`: for quoted input in
    /// messages, where the number's place is unknown.
    pub fn mask(text: &str) -> Cow<'_, str> {
        let mut masked = String::new();
        let mut run = 0;
        let mut copied = 0;
        let bytes = text.as_bytes();
        for at in 0..=bytes.len() {
            if at < bytes.len() && bytes[at].is_ascii_digit() {
                run += 1;
                continue;
            }
            if run >= NUMBER_DIGITS {
                masked.push_str(&text[copied..at - run]);
                masked.push_str("######");
                copied = at;
            }
            run = 0;
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        masked.push_str(&text[copied..]);
        Cow::Owned(masked)
    }
}

/// A redactor at work in one assembler: the token of each number is made once.
#[derive(Debug, Clone)]
pub(super) struct Redacting {
    redactor: Redactor,
    done: HashMap<Sym, Sym>,
}

impl Redacting {
    pub(super) fn new(redactor: Redactor) -> Self {
        Redacting { redactor, done: HashMap::new() }
    }

    /// The same redactor for another string table.
    pub(super) fn fresh(&self) -> Self {
        Redacting::new(self.redactor.clone())
    }

    /// The symbol of the token of the string `sym` names in `strings`.
    pub(super) fn sym(&mut self, sym: Sym, strings: &mut Strings) -> Sym {
        if let Some(&token) = self.done.get(&sym) {
            return token;
        }
        let token = match self.redactor.token(strings.resolve(sym)) {
            Cow::Borrowed(_) => sym,
            Cow::Owned(token) => strings.intern(&token),
        };
        self.done.insert(sym, token);
        token
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(key: &str) -> Redactor {
        Redactor::new(key.as_bytes()).unwrap()
    }

    #[test]
    fn a_number_gives_one_token_per_key_whatever_its_punctuation() {
        let a = redactor("a secret of sixteen or more bytes\n");
        let b = redactor("another secret, just as long");
        let token = a.token("48123456789");
        assert_eq!(a.token("+48 123-456-789"), token);
        assert_ne!(a.token("48123456788"), token);
        assert_ne!(b.token("48123456789"), token);
        assert!(!token.contains("123456"), "{token}");
        assert_eq!(token.len(), 4 + 1 + 16);
        assert_eq!(a.token(&token), token, "a token is not redacted twice");
        assert_ne!(b.token(&token), token, "another key's token is a value like any other");
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(Redactor::new(b"short\n").is_err());
        assert!(Redactor::new(&[7; MIN_KEY_BYTES]).is_ok());
    }

    #[test]
    fn masking_blanks_long_runs_of_digits_only() {
        assert_eq!(Redactor::mask("at byte 12 of \"48123456789\""), "at byte 12 of \"######\"");
        assert_eq!(Redactor::mask("123456"), "######");
        assert_eq!(Redactor::mask("line 12345"), "line 12345");
        assert!(matches!(Redactor::mask("nothing"), Cow::Borrowed(_)));
    }
}
