//! `fpe_account`: account numbers made of digits only.
//!
//! `keep_first` leading and `keep_last` trailing digits stay (they are the tweak);
//! with `luhn`, the last digit is a Luhn check digit: inputs must pass it, it is not
//! counted in `keep_last`, and it is recomputed. FF1 (radix 10) runs over the digits
//! in between. The policy declares the field's shortest value (`min_length`), checked
//! at build; a value that is shorter still gets [`TransformError::DomainTooSmall`].

use super::alphabet::{DIGITS, ascii_string, crypt_in_place};
use super::card::{luhn_check_digit, luhn_valid};
use super::ff1::FormatCipher;
use super::ff1::{self, Direction, Ff1, MIN_DOMAIN};
use super::spec::AccountParams;
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "account number (digits only)";
const CHECKED: &str = "account number with a valid Luhn check digit";
/// The most kept digits that fit the tweak buffer.
const MAX_KEPT: usize = 32;

/// The ready `fpe_account` transform of one field.
pub struct AccountTransform {
    ff1: Ff1,
    keep_first: usize,
    keep_last: usize,
    luhn: bool,
}

/// Digits FF1 encrypts in a value of `len` digits.
pub fn free_digits(params: &AccountParams, len: usize) -> usize {
    len.saturating_sub(params.keep_first + params.keep_last + usize::from(params.luhn))
}

impl AccountTransform {
    /// Refuses parameters that leave fewer than 6 free digits at `min_length`.
    pub fn new(params: &AccountParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let free = free_digits(params, params.min_length);
        if ff1::domain_size(10, free) < MIN_DOMAIN {
            return Err(BuildError(format!(
                "fpe_account: at min_length {} keeping {} first and {} last digits{} leaves \
                 {free} digits to encrypt, below the FF1 minimum of 6 (10^6 values); keep \
                 fewer digits, or use `mask` or `token` for this field",
                params.min_length,
                params.keep_first,
                params.keep_last,
                if params.luhn {
                    " and a check digit"
                } else {
                    ""
                }
            )));
        }
        if params.keep_first + params.keep_last > MAX_KEPT {
            return Err(BuildError(format!(
                "fpe_account: at most {MAX_KEPT} digits can be kept"
            )));
        }
        Ok(AccountTransform {
            ff1: Ff1::for_field(&keys),
            keep_first: params.keep_first,
            keep_last: params.keep_last,
            luhn: params.luhn,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        let bytes = input.as_bytes();
        if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        let check = usize::from(self.luhn);
        let kept = self.keep_first + self.keep_last + check;
        if bytes.len() < kept + 6 {
            return Err(TransformError::DomainTooSmall {
                detail: "account number has fewer than 6 digits besides the kept ones",
            });
        }
        if self.luhn && !luhn_valid(bytes) {
            return Err(match dir {
                Direction::Encrypt => TransformError::Malformed { expected: CHECKED },
                Direction::Decrypt => TransformError::NotAPseudonym,
            });
        }
        let mut out = bytes.to_vec();
        let end = out.len() - check;
        let last_at = end - self.keep_last;
        let mut tweak = [0u8; MAX_KEPT];
        tweak[..self.keep_first].copy_from_slice(&out[..self.keep_first]);
        tweak[self.keep_first..self.keep_first + self.keep_last]
            .copy_from_slice(&out[last_at..end]);
        let tweak = &tweak[..self.keep_first + self.keep_last];
        crypt_in_place(
            &self.ff1,
            dir,
            &DIGITS,
            tweak,
            &mut out[self.keep_first..last_at],
            SHAPE,
        )?;
        if self.luhn {
            out[end] = luhn_check_digit(&out[..end])
                .ok_or(TransformError::Malformed { expected: SHAPE })?;
        }
        ascii_string(out, SHAPE)
    }
}

impl FormatCipher for AccountTransform {
    const NAME: &'static str = "fpe_account";

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

    fn params(keep_first: usize, keep_last: usize, luhn: bool, min_length: usize) -> AccountParams {
        AccountParams {
            keep_first,
            keep_last,
            luhn,
            min_length,
        }
    }

    fn account(p: AccountParams) -> Result<AccountTransform, BuildError> {
        let master = MasterKey::from_bytes(KeyId(1), [2; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.accounts.account_no");
        AccountTransform::new(&p, keys)
    }

    #[test]
    fn kept_digits_stay_and_the_middle_round_trips() {
        let t = account(params(4, 2, false, 12)).unwrap();
        let input = "110012345678901";
        let out = t.apply(input, &CTX).unwrap().unwrap();
        assert_eq!(&out[..4], "1100");
        assert_eq!(&out[13..], "01");
        assert_ne!(out, input);
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    #[test]
    fn luhn_accounts_get_a_recomputed_check_digit() {
        let t = account(params(0, 0, true, 10)).unwrap();
        let out = t.apply("79927398713", &CTX).unwrap().unwrap();
        assert!(luhn_valid(out.as_bytes()));
        assert_eq!(t.reverse(&out, &CTX).unwrap(), "79927398713");
        assert!(matches!(
            t.apply("79927398710", &CTX),
            Err(TransformError::Malformed { .. })
        ));
        assert_eq!(
            t.reverse("79927398710", &CTX),
            Err(TransformError::NotAPseudonym)
        );
    }

    #[test]
    fn a_layout_below_the_minimum_is_refused_at_build() {
        assert!(account(params(4, 4, true, 14)).is_err());
        assert!(account(params(4, 4, false, 14)).is_ok());
    }

    #[test]
    fn a_value_shorter_than_declared_is_domain_too_small() {
        let t = account(params(2, 2, false, 10)).unwrap();
        assert!(matches!(
            t.apply("123456789", &CTX),
            Err(TransformError::DomainTooSmall { .. })
        ));
        assert!(t.apply("1234567890", &CTX).is_ok());
    }

    #[test]
    fn non_digits_are_malformed() {
        let t = account(params(0, 0, false, 10)).unwrap();
        for bad in ["1234-567890", "12345678901a", "", " 1234567890"] {
            assert!(matches!(
                t.apply(bad, &CTX),
                Err(TransformError::Malformed { .. })
            ));
        }
    }
}
