//! `ff1`: generic FF1 over a named alphabet; characters outside it stay in place.
//!
//! The characters of the alphabet, in order, form the numeral string; the first
//! `keep_first` and the last `keep_last` of them stay in clear and are the tweak; FF1
//! runs over the rest. Characters outside the alphabet (separators, non-ASCII text)
//! stay where they are. The policy declares the field's shortest value (`min_length`,
//! in alphabet characters), checked at build; a value with fewer free characters than
//! FF1 allows (radix^free < 10^6) gets [`TransformError::DomainTooSmall`], and one
//! with more than the FF1 limit (76 digits, 48 base-36 or 42 base-62 characters) is
//! refused as malformed.

use super::alphabet::{Charset, MAX_NUMERALS, ascii_string, crypt_in_place};
use super::ff1::FormatCipher;
use super::ff1::{self, Direction, Ff1, MIN_DOMAIN};
use super::spec::Ff1Params;
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "value for generic FF1 (within the FF1 length limit)";

/// The ready `ff1` transform of one field.
pub struct GenericFpeTransform {
    ff1: Ff1,
    charset: &'static Charset,
    keep_first: usize,
    keep_last: usize,
}

impl GenericFpeTransform {
    /// Refuses parameters that leave radix^free < 10^6 at `min_length`.
    pub fn new(params: &Ff1Params, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let charset = Charset::of(&params.alphabet);
        let free = params
            .min_length
            .saturating_sub(params.keep_first + params.keep_last);
        if ff1::domain_size(charset.radix(), free) < MIN_DOMAIN {
            return Err(BuildError(format!(
                "ff1: at min_length {} keeping {} first and {} last characters leaves {free} \
                 characters of radix {}, below the FF1 minimum of 10^6 values; keep fewer, \
                 or use `mask` or `token` for this field",
                params.min_length,
                params.keep_first,
                params.keep_last,
                charset.radix()
            )));
        }
        Ok(GenericFpeTransform {
            ff1: Ff1::for_field(&keys),
            charset,
            keep_first: params.keep_first,
            keep_last: params.keep_last,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        let mut out = input.as_bytes().to_vec();
        let positions: Vec<usize> = (0..out.len())
            .filter(|&i| self.charset.contains(out[i]))
            .collect();
        let count = positions.len();
        let Some(free) = count.checked_sub(self.keep_first + self.keep_last) else {
            return Err(TransformError::DomainTooSmall {
                detail: "value has no characters besides the kept ones",
            });
        };
        let kept_first = &positions[..self.keep_first];
        let free_at = &positions[self.keep_first..self.keep_first + free];
        let kept_last = &positions[self.keep_first + free..];
        let tweak: Vec<u8> = kept_first
            .iter()
            .chain(kept_last)
            .map(|&i| out[i])
            .collect();
        if free > MAX_NUMERALS {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        let mut chars = [0u8; MAX_NUMERALS];
        for (slot, &i) in chars.iter_mut().zip(free_at) {
            *slot = out[i];
        }
        crypt_in_place(
            &self.ff1,
            dir,
            self.charset,
            &tweak,
            &mut chars[..free],
            SHAPE,
        )?;
        for (&c, &i) in chars.iter().zip(free_at) {
            out[i] = c;
        }
        ascii_string(out, SHAPE)
    }
}

impl FormatCipher for GenericFpeTransform {
    const NAME: &'static str = "ff1";

    fn cipher(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        self.crypt(dir, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};
    use crate::transform::spec::Alphabet;
    use crate::transform::{Context, Transform};

    const CTX: Context<'static> = Context { subject: None };

    fn generic(
        alphabet: Alphabet,
        keep_first: usize,
        keep_last: usize,
        min_length: usize,
    ) -> Result<GenericFpeTransform, BuildError> {
        let master = MasterKey::from_bytes(KeyId(1), [1; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.orders.ref");
        let params = Ff1Params {
            alphabet,
            keep_first,
            keep_last,
            min_length,
        };
        GenericFpeTransform::new(&params, keys)
    }

    #[test]
    fn characters_outside_the_alphabet_stay_in_place() {
        let t = generic(Alphabet::AlnumUpper, 2, 0, 8).unwrap();
        let input = "AB-1234-XYZ9/测试";
        let out = t.apply(input, &CTX).unwrap().unwrap();
        assert!(out.starts_with("AB-"));
        assert_eq!(out.as_bytes()[7], b'-');
        assert!(out.ends_with("/测试"));
        assert_ne!(out, input);
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    #[test]
    fn lowercase_letters_are_outside_the_upper_alphabet() {
        let t = generic(Alphabet::AlnumUpper, 0, 0, 4).unwrap();
        let out = t.apply("ab12CD34", &CTX).unwrap().unwrap();
        assert!(out.starts_with("ab"));
    }

    #[test]
    fn domain_is_checked_at_build_and_at_apply() {
        assert!(generic(Alphabet::Digits, 2, 2, 9).is_err());
        assert!(generic(Alphabet::Alnum, 0, 0, 4).is_ok());
        assert!(generic(Alphabet::Alnum, 0, 0, 3).is_err());
        let t = generic(Alphabet::Digits, 2, 2, 10).unwrap();
        assert!(matches!(
            t.apply("12-345-67-89", &CTX),
            Err(TransformError::DomainTooSmall { .. })
        ));
        assert!(matches!(
            t.apply("123", &CTX),
            Err(TransformError::DomainTooSmall { .. })
        ));
        assert!(t.apply("1234567890", &CTX).is_ok());
    }

    #[test]
    fn values_beyond_the_ff1_length_limit_are_malformed() {
        let t = generic(Alphabet::Alnum, 0, 0, 6).unwrap();
        assert!(t.apply(&"a".repeat(42), &CTX).is_ok());
        assert!(matches!(
            t.apply(&"a".repeat(43), &CTX),
            Err(TransformError::Malformed { .. })
        ));
    }
}
