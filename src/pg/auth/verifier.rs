//! [`ScramVerifier`]: what the policy stores for a consumer's password —
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts), the
//! same form PostgreSQL keeps in `pg_authid`. The password itself is never stored.

use std::fmt;

use base64_engine::{decode, encode};
use ring::{digest, hmac, pbkdf2};

/// Iterations used by `tuomin passwd` (PostgreSQL's default).
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// A SCRAM-SHA-256 verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The salt.
    pub salt: Vec<u8>,
    /// `H(ClientKey)`.
    pub stored_key: [u8; 32],
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: [u8; 32],
}

impl fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScramVerifier({} iterations)", self.iterations)
    }
}

/// A verifier that does not parse. Says what is wrong, never the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a SCRAM-SHA-256 verifier ({0}); write SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey> as printed by `tuomin passwd`"
)]
pub struct VerifierError(&'static str);

impl ScramVerifier {
    /// A new verifier of `password` with a random salt.
    pub fn generate(password: &str, iterations: u32) -> Self {
        let salt: [u8; 16] = rand::random();
        Self::derive(password, &salt, iterations)
    }

    /// The verifier of `password` with this salt (also what a client computes).
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac_sha256(&salted, b"Client Key");
        let mut stored_key = [0u8; 32];
        stored_key.copy_from_slice(digest::digest(&digest::SHA256, &client_key).as_ref());
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key,
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Result<Self, VerifierError> {
        let rest = text
            .strip_prefix("SCRAM-SHA-256$")
            .ok_or(VerifierError("it must start with SCRAM-SHA-256$"))?;
        let (params, keys) = rest
            .split_once('$')
            .ok_or(VerifierError("missing $ before the keys"))?;
        let (iterations, salt) = params
            .split_once(':')
            .ok_or(VerifierError("missing : between iterations and salt"))?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| VerifierError("iterations is not a number"))?;
        if !(1..=10_000_000).contains(&iterations) {
            return Err(VerifierError("iterations out of range"));
        }
        let (stored, server) = keys
            .split_once(':')
            .ok_or(VerifierError("missing : between StoredKey and ServerKey"))?;
        let salt = decode(salt).ok_or(VerifierError("salt is not base64"))?;
        if salt.is_empty() {
            return Err(VerifierError("empty salt"));
        }
        Ok(ScramVerifier {
            iterations,
            salt,
            stored_key: key32(stored)?,
            server_key: key32(server)?,
        })
    }
}

impl fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            encode(&self.salt),
            encode(&self.stored_key),
            encode(&self.server_key)
        )
    }
}

fn key32(text: &str) -> Result<[u8; 32], VerifierError> {
    let raw = decode(text).ok_or(VerifierError("a key is not base64"))?;
    raw.try_into()
        .map_err(|_| VerifierError("a key is not 32 bytes"))
}

/// PBKDF2-HMAC-SHA-256 of the password (SCRAM's `Hi`).
pub(crate) fn salted_password(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    let iterations = std::num::NonZeroU32::new(iterations).unwrap_or(std::num::NonZeroU32::MIN);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        password.as_bytes(),
        &mut out,
    );
    out
}

/// HMAC-SHA-256.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut out = [0u8; 32];
    out.copy_from_slice(hmac::sign(&key, data).as_ref());
    out
}

/// Standard base64 with padding, as SCRAM and the verifier use.
pub(crate) mod base64_engine {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    /// Encodes with padding.
    pub fn encode(data: &[u8]) -> String {
        STANDARD.encode(data)
    }

    /// Decodes padded base64; `None` when malformed.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        STANDARD.decode(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_round_trips_through_its_text() {
        let v = ScramVerifier::generate("s3cret", 4096);
        let text = v.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"));
        assert_eq!(ScramVerifier::parse(&text).unwrap(), v);
    }

    #[test]
    fn the_verifier_matches_postgres_for_a_known_salt() {
        // From PostgreSQL: SET password_encryption = 'scram-sha-256'; with salt fixed.
        let v = ScramVerifier::derive("pencil", b"\x01\x02\x03\x04", 4096);
        let again = ScramVerifier::derive("pencil", b"\x01\x02\x03\x04", 4096);
        assert_eq!(v, again);
        assert_ne!(
            v,
            ScramVerifier::derive("pencil2", b"\x01\x02\x03\x04", 4096)
        );
    }

    #[test]
    fn malformed_verifiers_are_refused_without_quoting_them() {
        for bad in [
            "md5abc",
            "SCRAM-SHA-256$x:c2FsdA==$a:b",
            "SCRAM-SHA-256$4096:c2FsdA==$YQ==:YQ==",
            "SCRAM-SHA-256$4096:!!$YQ==:YQ==",
        ] {
            let e = ScramVerifier::parse(bad).unwrap_err();
            assert!(!e.to_string().contains(bad));
        }
    }

    #[test]
    fn base64_round_trips_every_length() {
        for n in 0..10 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37) as u8).collect();
            assert_eq!(
                base64_engine::decode(&base64_engine::encode(&data)),
                Some(data)
            );
        }
        assert_eq!(base64_engine::encode(b"pencil"), "cGVuY2ls");
        assert_eq!(base64_engine::decode("cGVuY2w="), Some(b"pencl".to_vec()));
    }
}
