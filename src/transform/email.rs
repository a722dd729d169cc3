//! `fpe_email`: e-mail addresses. The local part's letters and digits are encrypted,
//! everything else stays.
//!
//! The address splits at its last `@`. In the local part (ASCII only), letters and
//! digits are lowercased and form a numeral string over `0-9a-z` (radix 36); separators
//! (`.`, `_`, `-`, `+`, …) stay in place. FF1 encrypts that string with the lowercased
//! domain as tweak. The domain is kept, or replaced by `example.com` (then nothing can
//! be reversed: the tweak is gone).
//!
//! FF1 needs 36^k ≥ 10^6, i.e. k ≥ 4 letters and digits, and handles at most 48. A local
//! part with 0–3 or more than 48 of them gets a keyed surrogate instead: each letter or
//! digit is replaced by one picked with HMAC-SHA256 ([`Purpose::Surrogate`]) over the
//! domain and local part. Surrogates are deterministic but not reversible: `reverse`
//! returns [`TransformError::NotReversible`] for them. FF1 never runs below the minimum.
//! Outputs are lowercase, so `A.B@x` and `a.b@x` share a pseudonym and `reverse`
//! returns the lowercase form.

use ring::hmac;

use super::alphabet::{ALNUM_LOWER, MAX_NUMERALS, ascii_string, crypt_in_place};
use super::ff1::FormatCipher;
use super::ff1::{Direction, Ff1};
use super::spec::{EmailDomain, EmailParams};
use super::{BuildError, TransformError};
use crate::keys::{FieldKeys, Purpose};

const SHAPE: &str = "e-mail address (local@domain, ASCII local part)";
/// Fewest letters and digits FF1 runs on: 36^4 = 1,679,616 ≥ 10^6.
pub const MIN_FF1_CHARS: usize = 4;
/// Most letters and digits FF1 runs on (see `ff1`).
pub const MAX_FF1_CHARS: usize = 48;
const REPLACEMENT_DOMAIN: &str = "example.com";

/// The ready `fpe_email` transform of one field.
pub struct EmailTransform {
    ff1: Ff1,
    surrogate: hmac::Key,
    domain: EmailDomain,
}

impl EmailTransform {
    pub fn new(params: &EmailParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        Ok(EmailTransform {
            ff1: Ff1::for_field(&keys),
            surrogate: keys.derive(Purpose::Surrogate).hmac_key(),
            domain: params.domain.clone(),
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        if dir == Direction::Decrypt && self.domain == EmailDomain::Replace {
            return Err(TransformError::NotReversible("fpe_email"));
        }
        let (local, domain) = input
            .rsplit_once('@')
            .ok_or(TransformError::Malformed { expected: SHAPE })?;
        if local.is_empty() || domain.is_empty() || !local.bytes().all(|c| c.is_ascii_graphic()) {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        let kept = match self.domain {
            EmailDomain::Keep => domain,
            EmailDomain::Replace => REPLACEMENT_DOMAIN,
        };
        let mut out = Vec::with_capacity(local.len() + 1 + kept.len());
        out.extend(local.bytes().map(|c| c.to_ascii_lowercase()));
        let count = out.iter().filter(|&&c| ALNUM_LOWER.contains(c)).count();
        let mut ascii_tweak = [0u8; 64];
        let lowered;
        let tweak = if domain.len() <= ascii_tweak.len() && domain.is_ascii() {
            let tweak = &mut ascii_tweak[..domain.len()];
            tweak.copy_from_slice(domain.as_bytes());
            tweak.make_ascii_lowercase();
            &*tweak
        } else {
            lowered = domain.to_lowercase();
            lowered.as_bytes()
        };
        if (MIN_FF1_CHARS..=MAX_FF1_CHARS).contains(&count) {
            self.ff1_local(dir, tweak, &mut out)?;
        } else if dir == Direction::Decrypt {
            return Err(TransformError::NotReversible("fpe_email"));
        } else {
            self.surrogate_local(tweak, &mut out);
        }
        out.push(b'@');
        out.extend_from_slice(kept.as_bytes());
        ascii_string(out, SHAPE)
    }

    /// FF1 over the letters and digits of `local`, separators left in place.
    fn ff1_local(
        &self,
        dir: Direction,
        tweak: &[u8],
        local: &mut [u8],
    ) -> Result<(), TransformError> {
        let mut chars = [0u8; MAX_NUMERALS];
        let mut n = 0;
        for &c in local.iter().filter(|&&c| ALNUM_LOWER.contains(c)) {
            *chars
                .get_mut(n)
                .ok_or(TransformError::Malformed { expected: SHAPE })? = c;
            n += 1;
        }
        crypt_in_place(&self.ff1, dir, &ALNUM_LOWER, tweak, &mut chars[..n], SHAPE)?;
        let mut next = chars[..n].iter();
        for c in local.iter_mut().filter(|c| ALNUM_LOWER.contains(**c)) {
            if let Some(&e) = next.next() {
                *c = e;
            }
        }
        Ok(())
    }

    /// Keyed surrogate for local parts outside FF1's range (not reversible).
    fn surrogate_local(&self, tweak: &[u8], local: &mut [u8]) {
        let mut block = 0u32;
        let mut stream: Vec<u8> = Vec::new();
        let mut at = 0;
        let input = local.to_vec();
        for c in local.iter_mut().filter(|c| ALNUM_LOWER.contains(**c)) {
            if at + 2 > stream.len() {
                let mut ctx = hmac::Context::with_key(&self.surrogate);
                ctx.update(b"fpe_email\0");
                ctx.update(&block.to_be_bytes());
                ctx.update(tweak);
                ctx.update(b"\0");
                ctx.update(&input);
                stream = ctx.sign().as_ref().to_vec();
                block += 1;
                at = 0;
            }
            let pick = u16::from_be_bytes([stream[at], stream[at + 1]]);
            at += 2;
            *c = ALNUM_LOWER.char((pick % 36) as u8);
        }
    }
}

impl FormatCipher for EmailTransform {
    const NAME: &'static str = "fpe_email";

    /// Reversible when the domain is kept (except surrogates of very short or very
    /// long local parts, see the module comment).
    fn reversible(&self) -> bool {
        self.domain == EmailDomain::Keep
    }

    fn cipher(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        self.crypt(dir, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};
    use crate::transform::{Context, Transform};

    const CTX: Context<'static> = Context { subject: None };

    fn email(domain: EmailDomain) -> EmailTransform {
        let master = MasterKey::from_bytes(KeyId(1), [4; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.customers.email");
        EmailTransform::new(&EmailParams { domain }, keys).unwrap()
    }

    #[test]
    fn separators_and_domain_stay_and_the_local_part_round_trips() {
        let t = email(EmailDomain::Keep);
        let input = "zhang.san_01+news@bank.example.cn";
        let out = t.apply(input, &CTX).unwrap().unwrap();
        assert_eq!(out.len(), input.len());
        assert!(out.ends_with("@bank.example.cn"));
        for (a, b) in input.bytes().zip(out.bytes()) {
            assert_eq!(a.is_ascii_alphanumeric(), b.is_ascii_alphanumeric());
        }
        assert_ne!(out, input);
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    #[test]
    fn case_is_folded_so_reverse_gives_the_lowercase_address() {
        let t = email(EmailDomain::Keep);
        let upper = t.apply("Li.Si@qq.com", &CTX).unwrap().unwrap();
        let lower = t.apply("li.si@qq.com", &CTX).unwrap().unwrap();
        assert_eq!(upper, lower);
        assert_eq!(t.reverse(&upper, &CTX).unwrap(), "li.si@qq.com");
    }

    #[test]
    fn replaced_domain_is_example_com_and_not_reversible() {
        let t = email(EmailDomain::Replace);
        let out = t.apply("wangwu@163.com", &CTX).unwrap().unwrap();
        assert!(out.ends_with("@example.com"));
        assert_eq!(out.len(), "wangwu@example.com".len());
        assert_eq!(
            t.reverse(&out, &CTX),
            Err(TransformError::NotReversible("fpe_email"))
        );
        assert!(!t.properties().reversible);
    }

    #[test]
    fn short_local_parts_get_a_keyed_surrogate_not_ff1() {
        let t = email(EmailDomain::Keep);
        let out = t.apply("a.b@qq.com", &CTX).unwrap().unwrap();
        assert_eq!(out.len(), "a.b@qq.com".len());
        assert_eq!(out.as_bytes()[1], b'.');
        assert_eq!(t.apply("a.b@qq.com", &CTX).unwrap().unwrap(), out);
        assert_eq!(
            t.reverse(&out, &CTX),
            Err(TransformError::NotReversible("fpe_email"))
        );
        // Three characters: 36^3 < 10^6; the surrogate of another short local part differs.
        assert_ne!(
            t.apply("abc@qq.com", &CTX).unwrap(),
            t.apply("abd@qq.com", &CTX).unwrap()
        );
    }

    #[test]
    fn very_long_local_parts_get_a_surrogate_too() {
        let t = email(EmailDomain::Keep);
        let input = format!("{}@qq.com", "a1".repeat(30));
        let out = t.apply(&input, &CTX).unwrap().unwrap();
        assert_eq!(out.len(), input.len());
        assert_ne!(out, input);
        assert!(out.bytes().take(60).all(|c| ALNUM_LOWER.contains(c)));
    }

    #[test]
    fn the_same_local_part_at_two_domains_gives_two_pseudonyms() {
        let t = email(EmailDomain::Keep);
        let a = t.apply("zhangsan@qq.com", &CTX).unwrap().unwrap();
        let b = t.apply("zhangsan@163.com", &CTX).unwrap().unwrap();
        assert_ne!(a.split('@').next(), b.split('@').next());
    }

    #[test]
    fn addresses_without_at_or_with_non_ascii_local_parts_are_malformed() {
        let t = email(EmailDomain::Keep);
        for bad in [
            "zhangsan",
            "@qq.com",
            "zhangsan@",
            "张三@qq.com",
            "a b@qq.com",
        ] {
            let err = t.apply(bad, &CTX).unwrap_err();
            assert!(matches!(err, TransformError::Malformed { .. }), "{bad}");
        }
    }
}
