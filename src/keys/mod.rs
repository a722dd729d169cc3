//! Keys: one master key, and every other key derived from it.
//!
//! The master key comes from a file or an environment variable, never from the policy
//! file. Every key a transform uses is derived with HKDF-SHA256 (ring) from the master
//! key, a [`Purpose`], the consumer's key scope and the field's domain, so the same
//! input gives the same pseudonym across connections, restarts and replicas, while two
//! scopes (two vendors) or two domains (two fields) never share a key.
//!
//! Neither [`MasterKey`] nor [`SubKey`] can be printed: their `Debug` is redacted and
//! they have no `Display`; both are zeroed when dropped.

use std::fmt;

use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, Zeroizing};

mod keyring;
mod storage;

pub use keyring::{Keyring, PreviousKey};
pub use storage::{KeyError, retire_key_file};

/// Length in bytes of the master key and of every derived key.
pub const KEY_LEN: usize = 32;

/// Salt of every HKDF extraction: changing it changes every pseudonym.
const HKDF_SALT: &[u8] = b"tuomin/hkdf/v1";

/// Prefix of a key file's single line, so a stray file is not mistaken for a key.
pub(crate) const KEY_FILE_PREFIX: &str = "tuomin-master-key-v1:";

/// The version of a master key. Pseudonyms that must be reversible later are issued
/// under a key id, so an older key can still reverse them after a rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k{}", self.0)
    }
}

/// What a derived key is used for. Each purpose yields an independent key, so a token
/// key can never be used to reverse an FF1 pseudonym and vice versa.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// AES key of FF1 format-preserving encryption.
    Ff1,
    /// HMAC-SHA256 key of keyed tokens.
    Token,
    /// HMAC key that picks deterministic fake names and addresses.
    Fake,
    /// HMAC key of deterministic noise on amounts.
    Noise,
    /// HMAC key of per-subject date shifts.
    DateShift,
    /// HMAC key of keyed surrogates (short domains where FF1 is not allowed).
    Surrogate,
    /// HMAC key of the audit chain.
    Audit,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Ff1 => b"ff1",
            Purpose::Token => b"token",
            Purpose::Fake => b"fake",
            Purpose::Noise => b"noise",
            Purpose::DateShift => b"date-shift",
            Purpose::Surrogate => b"surrogate",
            Purpose::Audit => b"audit",
        }
    }
}

/// The master key. Only HKDF ever reads its bytes.
pub struct MasterKey {
    id: KeyId,
    prk: hkdf::Prk,
    pub(crate) bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, <redacted>)", self.id)
    }
}

impl MasterKey {
    /// A master key from raw bytes (tests, and the loaders below).
    pub fn from_bytes(id: KeyId, bytes: [u8; KEY_LEN]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(bytes.as_ref());
        MasterKey { id, prk, bytes }
    }

    /// A fresh random master key.
    pub fn generate(id: KeyId) -> Result<Self, KeyError> {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| KeyError::Random)?;
        let key = Self::from_bytes(id, bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// The version of this key.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key for one purpose, in one consumer scope, for one field domain.
    pub fn derive(&self, purpose: Purpose, scope: &str, domain: &str) -> SubKey {
        let info: [&[u8]; 6] = [
            purpose.label(),
            b"\0",
            scope.as_bytes(),
            b"\0",
            domain.as_bytes(),
            b"\0",
        ];
        let mut out = [0u8; KEY_LEN];
        // Both calls fail only when the requested length exceeds 255 × 32 bytes.
        let okm = self
            .prk
            .expand(&info, SubKeyLen)
            .expect("HKDF output of 32 bytes is within bounds");
        okm.fill(&mut out)
            .expect("HKDF output of 32 bytes is within bounds");
        SubKey {
            key_id: self.id,
            bytes: Zeroizing::new(out),
        }
    }
}

/// ring's way of saying how many bytes HKDF should produce.
struct SubKeyLen;

impl hkdf::KeyType for SubKeyLen {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

/// A key derived for one (purpose, scope, domain). Redacted in `Debug`, zeroed on drop.
#[derive(Clone)]
pub struct SubKey {
    key_id: KeyId,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl SubKey {
    /// The master key version this key was derived from.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The raw key, for building a cipher or an HMAC key. Never print it.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// An HMAC-SHA256 key built from this key.
    pub fn hmac_key(&self) -> ring::hmac::Key {
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.bytes.as_ref())
    }
}

impl fmt::Debug for SubKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubKey({}, <redacted>)", self.key_id)
    }
}

/// The keys one field's transform may use: the master key bound to a consumer scope
/// and a field domain. Transforms derive what they need with [`FieldKeys::derive`].
#[derive(Clone, Copy)]
pub struct FieldKeys<'a> {
    master: &'a MasterKey,
    scope: &'a str,
    domain: &'a str,
}

impl<'a> FieldKeys<'a> {
    pub fn new(master: &'a MasterKey, scope: &'a str, domain: &'a str) -> Self {
        FieldKeys {
            master,
            scope,
            domain,
        }
    }

    /// The key for `purpose` in this scope and domain.
    pub fn derive(&self, purpose: Purpose) -> SubKey {
        self.master.derive(purpose, self.scope, self.domain)
    }

    /// The key for `purpose` shared by every field of this scope: for transforms that
    /// must treat all values of one subject alike across fields (per-subject date
    /// shift: a customer's dates all move by the same offset, whatever the column).
    pub fn derive_scope_wide(&self, purpose: Purpose) -> SubKey {
        self.master.derive(purpose, self.scope, "\u{0}scope-wide")
    }

    /// The field's domain (by default `schema.table.column`), usable as an FF1 tweak.
    pub fn domain(&self) -> &'a str {
        self.domain
    }

    /// The consumer's key scope.
    pub fn scope(&self) -> &'a str {
        self.scope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(KeyId(1), [byte; KEY_LEN])
    }

    #[test]
    fn derivation_is_deterministic() {
        let a = key(7).derive(Purpose::Ff1, "qa", "public.cards.card_no");
        let b = key(7).derive(Purpose::Ff1, "qa", "public.cards.card_no");
        assert_eq!(a.expose(), b.expose());
    }

    #[test]
    fn purpose_scope_and_domain_each_change_the_key() {
        let m = key(7);
        let base = m.derive(Purpose::Ff1, "qa", "d");
        for other in [
            m.derive(Purpose::Token, "qa", "d"),
            m.derive(Purpose::Ff1, "vendor", "d"),
            m.derive(Purpose::Ff1, "qa", "e"),
            key(8).derive(Purpose::Ff1, "qa", "d"),
        ] {
            assert_ne!(base.expose(), other.expose());
        }
    }

    #[test]
    fn scope_and_domain_boundaries_are_unambiguous() {
        let m = key(1);
        let a = m.derive(Purpose::Ff1, "ab", "c");
        let b = m.derive(Purpose::Ff1, "a", "bc");
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let m = key(0xAB);
        let sub = m.derive(Purpose::Token, "s", "d");
        let text = format!("{m:?} {sub:?}");
        assert!(text.contains("redacted"));
        assert!(!text.to_lowercase().contains("abab"));
        assert!(!text.contains(&hex::encode(sub.expose())));
    }
}
