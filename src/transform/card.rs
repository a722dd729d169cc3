//! `fpe_card`: bank card numbers (ISO/IEC 7812, 16–19 digits), and the Luhn helpers.
//!
//! Layout of a card number: `BIN (6 or 8) ‖ account digits ‖ kept last digits ‖ check`.
//! The BIN and the `keep_last` digits stay; FF1 (radix 10) runs over the account
//! digits with the kept digits as tweak; the Luhn check digit is recomputed. Only
//! numbers with a valid Luhn digit are accepted, so every output is a valid card
//! number and `reverse` can tell a pseudonym from a typo (a bad check digit is
//! [`TransformError::NotAPseudonym`]).

use super::alphabet::{DIGITS, ascii_string, crypt_in_place};
use super::ff1::FormatCipher;
use super::ff1::{self, Direction, Ff1, MIN_DOMAIN};
use super::spec::CardParams;
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "card number (16–19 digits)";
const CHECKED: &str = "card number with a valid Luhn check digit";

/// The Luhn check digit (ASCII) of `body` (ASCII digits), or `None` if `body` holds
/// anything but digits.
pub fn luhn_check_digit(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in body.iter().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 {
            let twice = 2 * d;
            if twice > 9 { twice - 9 } else { twice }
        } else {
            d
        };
    }
    Some(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Whether `number` (ASCII digits, the last one the check digit) passes Luhn.
pub fn luhn_valid(number: &[u8]) -> bool {
    match number.split_last() {
        Some((&check, body)) => luhn_check_digit(body) == Some(check),
        None => false,
    }
}

/// The ready `fpe_card` transform of one field.
pub struct CardTransform {
    ff1: Ff1,
    keep_bin: usize,
    keep_last: usize,
}

impl CardTransform {
    /// Refuses a BIN other than 6 or 8 digits and a layout whose free digits on a
    /// 16-digit card are fewer than 6 (10^6, the FF1 minimum).
    pub fn new(params: &CardParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        if params.keep_bin != 6 && params.keep_bin != 8 {
            return Err(BuildError(format!(
                "fpe_card: keep_bin is {}, expected 6 or 8",
                params.keep_bin
            )));
        }
        let free = free_digits_of_16(params.keep_bin, params.keep_last);
        if ff1::domain_size(10, free) < MIN_DOMAIN {
            return Err(BuildError(format!(
                "fpe_card: keeping {} BIN digits and the last {} leaves {free} digits of a \
                 16-digit card to encrypt, below the FF1 minimum of 6 (10^6 values); keep \
                 fewer digits, or use `mask` or `token` for this field",
                params.keep_bin, params.keep_last
            )));
        }
        Ok(CardTransform {
            ff1: Ff1::for_field(&keys),
            keep_bin: params.keep_bin,
            keep_last: params.keep_last,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        let bytes = input.as_bytes();
        if !(16..=19).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        if !luhn_valid(bytes) {
            return Err(match dir {
                Direction::Encrypt => TransformError::Malformed { expected: CHECKED },
                Direction::Decrypt => TransformError::NotAPseudonym,
            });
        }
        let mut out = bytes.to_vec();
        let check_at = out.len() - 1;
        let last_at = check_at - self.keep_last;
        let mut tweak = [0u8; 20];
        let kept = self.keep_bin + self.keep_last;
        tweak[..self.keep_bin].copy_from_slice(&out[..self.keep_bin]);
        tweak[self.keep_bin..kept].copy_from_slice(&out[last_at..check_at]);
        crypt_in_place(
            &self.ff1,
            dir,
            &DIGITS,
            &tweak[..kept],
            &mut out[self.keep_bin..last_at],
            SHAPE,
        )?;
        out[check_at] = luhn_check_digit(&out[..check_at])
            .ok_or(TransformError::Malformed { expected: SHAPE })?;
        ascii_string(out, SHAPE)
    }
}

/// Digits FF1 encrypts on the shortest (16-digit) card.
pub fn free_digits_of_16(keep_bin: usize, keep_last: usize) -> usize {
    15usize.saturating_sub(keep_bin + keep_last)
}

impl FormatCipher for CardTransform {
    const NAME: &'static str = "fpe_card";

    fn cipher(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        self.crypt(dir, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};
    use crate::transform::{Context, Transform};

    fn card(keep_bin: usize, keep_last: usize) -> Result<CardTransform, BuildError> {
        let master = MasterKey::from_bytes(KeyId(1), [3; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.cards.card_no");
        CardTransform::new(
            &CardParams {
                keep_bin,
                keep_last,
            },
            keys,
        )
    }

    const CTX: Context<'static> = Context { subject: None };

    #[test]
    fn luhn_check_digit_of_7992739871_is_3() {
        assert_eq!(luhn_check_digit(b"7992739871"), Some(b'3'));
        assert!(luhn_valid(b"79927398713"));
        assert!(!luhn_valid(b"79927398710"));
        assert_eq!(luhn_check_digit(b"79a"), None);
    }

    #[test]
    fn unionpay_card_keeps_bin_and_length_and_gets_a_valid_check_digit() {
        let t = card(6, 0).unwrap();
        let input = "6222020200112233446";
        assert!(luhn_valid(input.as_bytes()));
        let out = t.apply(input, &CTX).unwrap().unwrap();
        assert_eq!(out.len(), input.len());
        assert!(out.starts_with("622202"));
        assert!(luhn_valid(out.as_bytes()));
        assert_ne!(out, input);
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    #[test]
    fn kept_last_digits_stay_in_place() {
        let t = card(6, 2).unwrap();
        let input = "6212260200112233"; // 16 digits
        let input = format!("{}{}", &input[..15], luhn_digit(&input[..15]));
        let out = t.apply(&input, &CTX).unwrap().unwrap();
        assert_eq!(&out[13..15], &input[13..15]);
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    fn luhn_digit(body: &str) -> char {
        char::from(luhn_check_digit(body.as_bytes()).unwrap())
    }

    #[test]
    fn bin6_and_last4_is_refused_at_build_as_below_the_ff1_minimum() {
        let err = card(6, 4).err().unwrap();
        assert!(err.0.contains("below the FF1 minimum"));
        assert!(card(8, 1).is_ok());
        assert!(card(8, 2).is_err());
        assert!(card(7, 0).is_err());
    }

    #[test]
    fn inputs_that_are_not_16_to_19_digits_are_malformed() {
        let t = card(6, 0).unwrap();
        for bad in [
            "622202020011223",
            "62220202001122334455",
            "6222-0202-0011-2233",
            "",
        ] {
            assert!(matches!(
                t.apply(bad, &CTX),
                Err(TransformError::Malformed { .. })
            ));
        }
    }

    #[test]
    fn a_bad_check_digit_is_malformed_input_and_not_a_pseudonym() {
        let t = card(6, 0).unwrap();
        let bad = "6222020200112233445";
        let err = t.apply(bad, &CTX).unwrap_err();
        assert!(matches!(err, TransformError::Malformed { .. }));
        assert!(!err.to_string().contains(bad));
        assert_eq!(t.reverse(bad, &CTX), Err(TransformError::NotAPseudonym));
    }
}
