//! Alphabets of numeral strings: which characters a format-preserving transform
//! encrypts, their FF1 numerals (a character's index in the alphabet), and the one
//! helper that encrypts a run of such characters in place.
//!
//! Every alphabet is ASCII, so a transform can work on the bytes of a UTF-8 string:
//! it only ever replaces ASCII bytes by ASCII bytes.

use super::TransformError;
use super::ff1::{Direction, Domain, Ff1};
use super::spec::Alphabet;

/// The most numerals a numeral string may have (76 decimal digits; see `ff1`).
pub const MAX_NUMERALS: usize = 76;

/// An ordered set of ASCII characters; a character's numeral is its index.
pub struct Charset {
    chars: &'static [u8],
    index: [u8; 128],
}

/// Not a character of the alphabet.
const NONE: u8 = u8::MAX;

impl Charset {
    const fn new(chars: &'static [u8]) -> Self {
        let mut index = [NONE; 128];
        let mut i = 0;
        while i < chars.len() {
            index[chars[i] as usize] = i as u8;
            i += 1;
        }
        Charset { chars, index }
    }

    /// The number of characters (the FF1 radix).
    pub fn radix(&self) -> u32 {
        self.chars.len() as u32
    }

    /// The numeral of `c`, if `c` belongs to the alphabet.
    pub fn numeral(&self, c: u8) -> Option<u8> {
        match self.index.get(usize::from(c)) {
            Some(&n) if n != NONE => Some(n),
            _ => None,
        }
    }

    /// Whether `c` belongs to the alphabet.
    pub fn contains(&self, c: u8) -> bool {
        self.numeral(c).is_some()
    }

    /// The character of numeral `n` (< radix).
    pub fn char(&self, n: u8) -> u8 {
        self.chars[usize::from(n) % self.chars.len()]
    }

    /// The alphabet a policy names for generic FF1.
    pub fn of(alphabet: &Alphabet) -> &'static Charset {
        match alphabet {
            Alphabet::Digits => &DIGITS,
            Alphabet::AlnumLower => &ALNUM_LOWER,
            Alphabet::AlnumUpper => &ALNUM_UPPER,
            Alphabet::Alnum => &ALNUM,
        }
    }
}

pub static DIGITS: Charset = Charset::new(b"0123456789");
pub static ALNUM_LOWER: Charset = Charset::new(b"0123456789abcdefghijklmnopqrstuvwxyz");
pub static ALNUM_UPPER: Charset = Charset::new(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
pub static ALNUM: Charset =
    Charset::new(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
/// The 31 characters of the unified social credit code (GB 32100: no I, O, Z, S, V).
pub static USCC: Charset = Charset::new(b"0123456789ABCDEFGHJKLMNPQRTUWXY");

/// Encrypts or decrypts `text` in place: every byte must belong to `charset`, and
/// `text.len()` numerals of radix `charset.radix()` must form a valid FF1 domain.
pub fn crypt_in_place(
    ff1: &Ff1,
    dir: Direction,
    charset: &Charset,
    tweak: &[u8],
    text: &mut [u8],
    expected: &'static str,
) -> Result<(), TransformError> {
    let dom = Domain::new(charset.radix(), text.len())?;
    let mut numerals = [0u8; MAX_NUMERALS];
    let numerals = numerals
        .get_mut(..text.len())
        .ok_or(TransformError::Malformed { expected })?;
    for (slot, &c) in numerals.iter_mut().zip(text.iter()) {
        *slot = charset
            .numeral(c)
            .ok_or(TransformError::Malformed { expected })?;
    }
    ff1.crypt(dir, &dom, tweak, numerals)?;
    for (c, &n) in text.iter_mut().zip(numerals.iter()) {
        *c = charset.char(n);
    }
    Ok(())
}

/// The string of ASCII bytes a transform produced.
pub fn ascii_string(bytes: Vec<u8>, expected: &'static str) -> Result<String, TransformError> {
    String::from_utf8(bytes).map_err(|_| TransformError::Malformed { expected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_are_indexes_in_the_alphabet() {
        assert_eq!(DIGITS.numeral(b'7'), Some(7));
        assert_eq!(ALNUM_LOWER.numeral(b'z'), Some(35));
        assert_eq!(ALNUM.numeral(b'a'), Some(36));
        assert_eq!(USCC.numeral(b'Y'), Some(30));
        assert_eq!(USCC.radix(), 31);
    }

    #[test]
    fn characters_outside_the_alphabet_have_no_numeral() {
        assert_eq!(USCC.numeral(b'I'), None);
        assert_eq!(USCC.numeral(b'O'), None);
        assert_eq!(ALNUM_UPPER.numeral(b'a'), None);
        assert_eq!(DIGITS.numeral(0xE4), None);
    }

    #[test]
    fn crypt_in_place_round_trips_and_refuses_foreign_characters() {
        let ff1 = Ff1::new(&[9; 32]);
        let mut text = *b"13800138000";
        crypt_in_place(&ff1, Direction::Encrypt, &DIGITS, b"t", &mut text, "x").unwrap();
        assert_ne!(&text, b"13800138000");
        crypt_in_place(&ff1, Direction::Decrypt, &DIGITS, b"t", &mut text, "x").unwrap();
        assert_eq!(&text, b"13800138000");
        let mut bad = *b"1380013800a";
        assert!(crypt_in_place(&ff1, Direction::Encrypt, &DIGITS, b"t", &mut bad, "x").is_err());
    }
}
