//! The FF1 cipher (NIST SP 800-38G): format-preserving encryption of numeral strings.
//!
//! This is our own implementation, built for short strings (card numbers, phone
//! numbers, ID fragments): each half of the numeral string is held in a `u128`, the
//! AES key schedule is built once in [`Ff1::new`], the CBC-MAC over the constant
//! prefix `P ‖ T ‖ 0…` is computed once per call (and its first block, E(P), once per
//! cipher for the shapes registered with [`Ff1Cipher::with_shape`]), and a round costs
//! one AES block (two when `d > 16` or the tweak's tail spills over) and no heap
//! allocation. A whole call runs inside one
//! `encrypt_with_backend` closure: the `aes` crate's VAES backend broadcasts the round
//! keys on every entry, which costs more than an AES block, so we enter it once.
//!
//! Limits (checked by [`Domain::new`]):
//! - radix 2..=62 (numerals are `u8`);
//! - radix^len ≥ 1,000,000 ([`MIN_DOMAIN`], NIST SP 800-38G Rev. 1), else
//!   [`TransformError::DomainTooSmall`];
//! - radix^⌈len/2⌉ < 2^128, i.e. at most [`Domain::max_len`] numerals: 76 decimal
//!   digits, 48 base-36 or 42 base-62 characters. Longer strings are refused.
//!
//! [`Ff1::encrypt_below`] and [`Ff1::decrypt_below`] cycle-walk, to stay inside a
//! sub-range of the domain (e.g. the day and sequence index of an ID number).
//! The stock `fpe` crate is the test oracle: outputs are identical.
//!
//! This file holds the API and the domain arithmetic; `ff1/feistel.rs` the rounds.

use aes::Aes256;
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, KeyInit};

use super::{Context, Properties, Transform, TransformError};
use crate::keys::{FieldKeys, Purpose};

/// The smallest domain (radix^len) FF1 may be used on.
pub const MIN_DOMAIN: u128 = 1_000_000;

/// The largest radix supported (`0-9A-Za-z`).
pub const MAX_RADIX: u32 = 62;

const TOO_LONG: TransformError = TransformError::Malformed {
    expected: "numeral string within the FF1 length limit (76 digits, 48 base-36 or 42 base-62 characters)",
};

/// Encryption or decryption: the transforms share one code path for `apply` and `reverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

/// The shape of a numeral string (radix and length) and the FF1 constants it implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Domain {
    radix: u32,
    len: usize,
    u: usize,
    b: usize,
    d: usize,
    mod_u: u128,
    mod_v: u128,
    /// 2^128 mod radix^u and mod radix^v, to reduce 160-bit `y` when `d` = 20 (0
    /// otherwise: unused).
    wrap_u: u128,
    wrap_v: u128,
    /// radix^len when it fits in a `u128`.
    size: Option<u128>,
}

impl Domain {
    /// The domain of `len` numerals in `radix`; refuses radixes outside 2..=62, domains
    /// below 10^6 and lengths beyond [`Domain::max_len`].
    pub fn new(radix: u32, len: usize) -> Result<Self, TransformError> {
        if !(2..=MAX_RADIX).contains(&radix) {
            return Err(TransformError::Malformed {
                expected: "FF1 radix between 2 and 62",
            });
        }
        let u = len / 2;
        let v = len - u;
        let r = u128::from(radix);
        // v is u or u + 1: one power and two products.
        let mod_u = u32::try_from(u)
            .ok()
            .and_then(|e| r.checked_pow(e))
            .ok_or(TOO_LONG)?;
        let mod_v = if v == u {
            Some(mod_u)
        } else {
            mod_u.checked_mul(r)
        }
        .ok_or(TOO_LONG)?;
        let size = mod_u.checked_mul(mod_v);
        if size.is_some_and(|s| s < MIN_DOMAIN) {
            return Err(TransformError::DomainTooSmall {
                detail: "radix^length is below 1,000,000",
            });
        }
        // b = ⌈⌈v·log2(radix)⌉ / 8⌉, exactly: ⌈log2 X⌉ is the bit length of X − 1.
        let bits = (128 - (mod_v - 1).leading_zeros()) as usize;
        let b = bits.div_ceil(8);
        let d = 4 * b.div_ceil(4) + 4;
        let (wrap_u, wrap_v) = if d > 16 {
            (wrap(mod_u), wrap(mod_v))
        } else {
            (0, 0)
        };
        Ok(Domain {
            radix,
            len,
            u,
            b,
            d,
            mod_u,
            mod_v,
            wrap_u,
            wrap_v,
            size,
        })
    }

    /// The longest numeral string FF1 accepts in `radix` (0 for an unsupported radix).
    pub fn max_len(radix: u32) -> usize {
        if !(2..=MAX_RADIX).contains(&radix) {
            return 0;
        }
        let mut v = 0u32;
        while u128::from(radix).checked_pow(v + 1).is_some() {
            v += 1;
        }
        2 * v as usize
    }

    pub fn radix(&self) -> u32 {
        self.radix
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// radix^len, when it fits in a `u128` (needed by the integer API).
    pub fn size(&self) -> Option<u128> {
        self.size
    }
}

/// radix^len, saturating at `u128::MAX` (for domain checks at build time).
pub fn domain_size(radix: u32, len: usize) -> u128 {
    u32::try_from(len)
        .ok()
        .and_then(|len| u128::from(radix).checked_pow(len))
        .unwrap_or(u128::MAX)
}

/// What every FF1-based transform reports: deterministic, format-preserving, not
/// de-identifying (the key holder can reverse it), reversible unless it drops a part.
pub fn properties(reversible: bool) -> Properties {
    Properties {
        deterministic: true,
        reversible,
        format_preserving: true,
        de_identifying: false,
    }
}

/// A format-preserving cipher of one value shape (card, ID number, mobile, …): every
/// FPE transform implements this, and its [`Transform`] follows — `apply` encrypts,
/// `reverse` decrypts.
pub trait FormatCipher: Send + Sync {
    /// The transform's policy name.
    const NAME: &'static str;

    /// Whether the key holder can recover the input (false where the format drops
    /// information, e.g. a generalized region).
    fn reversible(&self) -> bool {
        true
    }

    /// Encrypts or decrypts one value.
    fn cipher(&self, dir: Direction, input: &str) -> Result<String, TransformError>;
}

impl<T: FormatCipher> Transform for T {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn properties(&self) -> Properties {
        properties(self.reversible())
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        self.cipher(Direction::Encrypt, input).map(Some)
    }

    fn reverse(&self, output: &str, _ctx: &Context<'_>) -> Result<String, TransformError> {
        self.cipher(Direction::Decrypt, output)
    }
}

/// 2^128 mod m, for m ≥ 1.
fn wrap(m: u128) -> u128 {
    (u128::MAX % m + 1) % m
}

/// FF1 keyed with one AES key. `Ff1` (AES-256) is what transforms use.
pub struct Ff1Cipher<C> {
    cipher: C,
    /// E(P) of the shapes registered with [`Ff1Cipher::with_shape`].
    shapes: Vec<Shape>,
}

/// A (radix, length, tweak length) a transform always uses, with E(P) — the first
/// CBC-MAC block of every call on it — computed once under this cipher's key.
struct Shape {
    radix: u32,
    len: usize,
    tweak_len: usize,
    p_mac: [u8; 16],
}

/// FF1 with AES-256, the only key size used in production.
pub type Ff1 = Ff1Cipher<Aes256>;

impl Ff1 {
    /// FF1 with the AES-256 key `key` (the key schedule is built here, once).
    pub fn new(key: &[u8; 32]) -> Self {
        Ff1Cipher::from_cipher(Aes256::new(key.into()))
    }
}

impl Ff1 {
    /// FF1 keyed for one field: the AES key is derived for [`Purpose::Ff1`] in the
    /// field's scope and domain, so two scopes or two fields never share pseudonyms.
    pub fn for_field(keys: &FieldKeys<'_>) -> Self {
        Ff1::new(keys.derive(Purpose::Ff1).expose())
    }
}

impl<C> std::fmt::Debug for Ff1Cipher<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ff1(<key redacted>)")
    }
}

impl<C: BlockCipherEncrypt<BlockSize = U16>> Ff1Cipher<C> {
    /// FF1 over an already keyed block cipher (tests use AES-128 and AES-192).
    pub fn from_cipher(cipher: C) -> Self {
        Ff1Cipher {
            cipher,
            shapes: Vec::new(),
        }
    }

    /// Registers a shape its transform always uses (domain and tweak length): calls
    /// on it skip one AES block (of 11 without cycle-walking). Outputs are unchanged.
    pub fn with_shape(mut self, dom: &Domain, tweak_len: usize) -> Self {
        let mut p_mac = feistel::p_block(dom, tweak_len).to_be_bytes().into();
        self.cipher.encrypt_block(&mut p_mac);
        self.shapes.push(Shape {
            radix: dom.radix,
            len: dom.len,
            tweak_len,
            p_mac: p_mac.into(),
        });
        self
    }

    /// Encrypts `numerals` (each < radix) in place.
    pub fn encrypt(
        &self,
        dom: &Domain,
        tweak: &[u8],
        numerals: &mut [u8],
    ) -> Result<(), TransformError> {
        self.crypt(Direction::Encrypt, dom, tweak, numerals)
    }

    /// Decrypts `numerals` (each < radix) in place.
    pub fn decrypt(
        &self,
        dom: &Domain,
        tweak: &[u8],
        numerals: &mut [u8],
    ) -> Result<(), TransformError> {
        self.crypt(Direction::Decrypt, dom, tweak, numerals)
    }

    /// Encrypts or decrypts `numerals` in place.
    pub fn crypt(
        &self,
        dir: Direction,
        dom: &Domain,
        tweak: &[u8],
        numerals: &mut [u8],
    ) -> Result<(), TransformError> {
        if numerals.len() != dom.len || numerals.iter().any(|&n| u32::from(n) >= dom.radix) {
            return Err(TransformError::Malformed {
                expected: "numeral string of the FF1 domain's radix and length",
            });
        }
        let (left, right) = numerals.split_at_mut(dom.u);
        let halves = (num(left, dom.radix), num(right, dom.radix));
        let (a, b) = self.run(dir, dom, tweak, halves, None);
        write_numerals(a, left, dom.radix);
        write_numerals(b, right, dom.radix);
        Ok(())
    }

    /// Encrypts the integer `x` < radix^len (the numeral string is its base-radix form).
    pub fn encrypt_int(&self, dom: &Domain, tweak: &[u8], x: u128) -> Result<u128, TransformError> {
        self.walk(Direction::Encrypt, dom, tweak, x, None)
    }

    /// Decrypts the integer `x` < radix^len.
    pub fn decrypt_int(&self, dom: &Domain, tweak: &[u8], x: u128) -> Result<u128, TransformError> {
        self.walk(Direction::Decrypt, dom, tweak, x, None)
    }

    /// Cycle-walking encryption: a permutation of `0..bound` (bound ≤ radix^len).
    pub fn encrypt_below(
        &self,
        dom: &Domain,
        tweak: &[u8],
        x: u128,
        bound: u128,
    ) -> Result<u128, TransformError> {
        self.walk(Direction::Encrypt, dom, tweak, x, Some(bound))
    }

    /// The inverse of [`Ff1Cipher::encrypt_below`].
    pub fn decrypt_below(
        &self,
        dom: &Domain,
        tweak: &[u8],
        x: u128,
        bound: u128,
    ) -> Result<u128, TransformError> {
        self.walk(Direction::Decrypt, dom, tweak, x, Some(bound))
    }

    /// Encrypts or decrypts `x` (with cycle-walking below `bound`, if given).
    pub fn crypt_int(
        &self,
        dir: Direction,
        dom: &Domain,
        tweak: &[u8],
        x: u128,
        bound: Option<u128>,
    ) -> Result<u128, TransformError> {
        self.walk(dir, dom, tweak, x, bound)
    }

    fn walk(
        &self,
        dir: Direction,
        dom: &Domain,
        tweak: &[u8],
        x: u128,
        bound: Option<u128>,
    ) -> Result<u128, TransformError> {
        let size = dom.size.ok_or(TOO_LONG)?;
        let bound = bound.unwrap_or(size);
        if bound > size || x >= bound {
            return Err(TransformError::Malformed {
                expected: "integer inside the FF1 domain",
            });
        }
        let (a, b) = self.run(dir, dom, tweak, (x / dom.mod_v, x % dom.mod_v), Some(bound));
        Ok(a * dom.mod_v + b)
    }

    /// Runs FF1 on the halves inside one backend session of the block cipher.
    fn run(
        &self,
        dir: Direction,
        dom: &Domain,
        tweak: &[u8],
        halves: (u128, u128),
        bound: Option<u128>,
    ) -> (u128, u128) {
        let mut out = halves;
        let p_mac = self
            .shapes
            .iter()
            .find(|s| s.radix == dom.radix && s.len == dom.len && s.tweak_len == tweak.len())
            .map(|s| s.p_mac);
        self.cipher.encrypt_with_backend(feistel::Job {
            dir,
            dom,
            tweak,
            bound,
            p_mac,
            halves: &mut out,
        });
        out
    }
}

/// NUM_radix(X): the value of a numeral string, most significant first.
fn num(numerals: &[u8], radix: u32) -> u128 {
    if numerals.len() <= 10 {
        // 62^10 < 2^64: stay in 64-bit arithmetic.
        let r = u64::from(radix);
        return u128::from(numerals.iter().fold(0u64, |acc, &n| acc * r + u64::from(n)));
    }
    let r = u128::from(radix);
    numerals
        .iter()
        .fold(0u128, |acc, &n| acc * r + u128::from(n))
}

/// STR_radix(x) into `out` (its length is m).
fn write_numerals(x: u128, out: &mut [u8], radix: u32) {
    if let Ok(mut small) = u64::try_from(x) {
        let r = u64::from(radix);
        for slot in out.iter_mut().rev() {
            *slot = (small % r) as u8;
            small /= r;
        }
        return;
    }
    let (r, mut x) = (u128::from(radix), x);
    for slot in out.iter_mut().rev() {
        *slot = (x % r) as u8;
        x /= r;
    }
}

mod feistel;

#[cfg(test)]
mod tests;
