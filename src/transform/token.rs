//! `token`: a keyed, irreversible token of the value, HMAC-SHA256 under the field's
//! token key (so two scopes or two fields never share tokens), written as a prefix plus
//! lowercase base32 (RFC 4648 alphabet, no padding) or hex, or as decimal digits.

use ring::hmac;

use super::spec::{TokenFormat, TokenParams};
use super::{BuildError, Context, Properties, Transform, TransformError};
use crate::keys::{FieldKeys, Purpose};

const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Characters of a whole HMAC-SHA256 in base32 (256 bits / 5, rounded up) and hex.
const BASE32_FULL: usize = 52;
const HEX_FULL: usize = 64;
/// Shortest textual token: 8 base32 characters carry 40 bits.
const MIN_TEXT_LEN: usize = 8;
const DIGITS_RANGE: std::ops::RangeInclusive<usize> = 6..=30;
const MAX_PREFIX_LEN: usize = 32;

/// A ready `token` transform.
pub struct TokenTransform {
    key: hmac::Key,
    format: TokenFormat,
    prefix: String,
    length: usize,
}

impl TokenTransform {
    /// Checks the parameters and derives the token key.
    pub fn new(params: &TokenParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let full = match params.format {
            TokenFormat::Base32 => BASE32_FULL,
            TokenFormat::Hex => HEX_FULL,
            TokenFormat::Digits => *DIGITS_RANGE.end(),
        };
        let min = match params.format {
            TokenFormat::Digits => *DIGITS_RANGE.start(),
            _ => MIN_TEXT_LEN,
        };
        if params.length < min || params.length > full {
            return Err(BuildError(format!(
                "token length {} is out of range for this format: use {min}..={full}",
                params.length
            )));
        }
        if params.prefix.len() > MAX_PREFIX_LEN
            || !params.prefix.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(BuildError(format!(
                "token prefix must be at most {MAX_PREFIX_LEN} printable ASCII characters"
            )));
        }
        Ok(TokenTransform {
            key: keys.derive(Purpose::Token).hmac_key(),
            format: params.format.clone(),
            prefix: params.prefix.clone(),
            length: params.length,
        })
    }

    fn token(&self, input: &str) -> String {
        let tag = hmac::sign(&self.key, input.as_bytes());
        let mac = tag.as_ref();
        match self.format {
            TokenFormat::Base32 => format!("{}{}", self.prefix, &base32(mac)[..self.length]),
            TokenFormat::Hex => format!("{}{}", self.prefix, &hex::encode(mac)[..self.length]),
            TokenFormat::Digits => digits(mac, self.length),
        }
    }
}

/// Lowercase base32 without padding.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// `len` decimal digits: the first 128 bits of the MAC modulo 10^len, zero-padded.
/// For len ≤ 30 the modulo bias is below 10^30 / 2^128 ≈ 3·10^-9 per value: negligible.
fn digits(mac: &[u8], len: usize) -> String {
    let mut first = [0u8; 16];
    first.copy_from_slice(&mac[..16]);
    // len ≤ 30 is checked at build, so 10^len fits in u128.
    let modulus = 10u128.pow(len as u32);
    format!("{:0len$}", u128::from_be_bytes(first) % modulus)
}

impl Transform for TokenTransform {
    fn name(&self) -> &'static str {
        "token"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: false,
            de_identifying: true,
        }
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(Some(self.token(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};

    fn params(format: TokenFormat, length: usize) -> TokenParams {
        TokenParams {
            format,
            prefix: "tk_".into(),
            length,
        }
    }

    fn token(p: &TokenParams, scope: &str, input: &str) -> String {
        let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
        let t = TokenTransform::new(p, FieldKeys::new(&master, scope, "public.customers.mobile"))
            .unwrap();
        t.apply(input, &Context::default()).unwrap().unwrap()
    }

    #[test]
    fn base32_tokens_have_the_prefix_and_length_and_alphabet() {
        let out = token(&params(TokenFormat::Base32, 16), "qa", "13812345678");
        assert!(out.starts_with("tk_"));
        assert_eq!(out.len(), 19);
        assert!(out[3..].bytes().all(|b| BASE32_ALPHABET.contains(&b)));
    }

    #[test]
    fn base32_matches_rfc_4648_vectors_in_lowercase() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(&[0u8; 32]).len(), BASE32_FULL);
    }

    #[test]
    fn hex_and_digit_tokens_have_their_shape() {
        let hex = token(&params(TokenFormat::Hex, 64), "qa", "x");
        assert!(
            hex[3..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let digits = token(&params(TokenFormat::Digits, 30), "qa", "x");
        assert_eq!(digits.len(), 30);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn the_same_value_gives_the_same_token_and_another_scope_another() {
        let p = params(TokenFormat::Base32, 20);
        assert_eq!(token(&p, "qa", "a"), token(&p, "qa", "a"));
        assert_ne!(token(&p, "qa", "a"), token(&p, "vendor", "a"));
        assert_ne!(token(&p, "qa", "a"), token(&p, "qa", "b"));
    }

    #[test]
    fn lengths_outside_the_bounds_are_refused_at_build() {
        let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
        let keys = FieldKeys::new(&master, "qa", "d");
        for (format, len) in [
            (TokenFormat::Base32, 7),
            (TokenFormat::Base32, 53),
            (TokenFormat::Hex, 65),
            (TokenFormat::Digits, 5),
            (TokenFormat::Digits, 31),
        ] {
            assert!(TokenTransform::new(&params(format, len), keys).is_err());
        }
        let mut bad_prefix = params(TokenFormat::Hex, 16);
        bad_prefix.prefix = "tk\n".into();
        assert!(TokenTransform::new(&bad_prefix, keys).is_err());
    }

    #[test]
    fn tokens_do_not_contain_the_value() {
        let out = token(&params(TokenFormat::Digits, 11), "qa", "13812345678");
        assert_ne!(out, "13812345678");
    }
}
