//! `fpe_mobile`: mainland mobile numbers, `1[3-9]` followed by 9 digits.
//!
//! The first `keep_prefix` digits (3 = the network prefix, at most 5) stay and are
//! the tweak; FF1 (radix 10) runs over the other 8 to 6 digits. There is no check
//! digit. Only the bare 11 digits are accepted (no `+86`, spaces or dashes).

use super::alphabet::{DIGITS, ascii_string, crypt_in_place};
use super::ff1::FormatCipher;
use super::ff1::{Direction, Domain, Ff1};
use super::spec::MobileParams;
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "mainland mobile number (11 digits, 1[3-9]…)";

/// The ready `fpe_mobile` transform of one field.
pub struct MobileTransform {
    ff1: Ff1,
    keep_prefix: usize,
}

impl MobileTransform {
    /// Refuses `keep_prefix` outside 3..=5 (below 3 the `1[3-9]` shape could change;
    /// above 5 fewer than 10^6 values remain).
    pub fn new(params: &MobileParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        if !(3..=5).contains(&params.keep_prefix) {
            return Err(BuildError(format!(
                "fpe_mobile: keep_prefix is {}, expected 3 to 5 (6 or more leaves fewer than \
                 10^6 values for FF1)",
                params.keep_prefix
            )));
        }
        let dom = Domain::new(10, 11 - params.keep_prefix)
            .map_err(|e| BuildError(format!("fpe_mobile: {e}")))?;
        Ok(MobileTransform {
            ff1: Ff1::for_field(&keys).with_shape(&dom, params.keep_prefix),
            keep_prefix: params.keep_prefix,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        let bytes = input.as_bytes();
        let shaped = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if !shaped {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        let mut out = bytes.to_vec();
        let (prefix, rest) = out.split_at_mut(self.keep_prefix);
        crypt_in_place(&self.ff1, dir, &DIGITS, prefix, rest, SHAPE)?;
        ascii_string(out, SHAPE)
    }
}

impl FormatCipher for MobileTransform {
    const NAME: &'static str = "fpe_mobile";

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

    fn mobile(keep_prefix: usize) -> Result<MobileTransform, BuildError> {
        let master = MasterKey::from_bytes(KeyId(1), [6; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.customers.mobile");
        MobileTransform::new(&MobileParams { keep_prefix }, keys)
    }

    #[test]
    fn network_prefix_is_kept_and_the_rest_round_trips() {
        let t = mobile(3).unwrap();
        let out = t.apply("13812345678", &CTX).unwrap().unwrap();
        assert_eq!(out.len(), 11);
        assert!(out.starts_with("138"));
        assert!(out.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(out, "13812345678");
        assert_eq!(t.reverse(&out, &CTX).unwrap(), "13812345678");
    }

    #[test]
    fn keeping_five_digits_is_allowed_and_six_is_refused() {
        let t = mobile(5).unwrap();
        let out = t.apply("15900001111", &CTX).unwrap().unwrap();
        assert!(out.starts_with("15900"));
        assert!(mobile(6).is_err());
        assert!(mobile(2).is_err());
    }

    #[test]
    fn numbers_that_are_not_mainland_mobiles_are_malformed() {
        let t = mobile(3).unwrap();
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "+8613812345678",
            "1381234567a",
        ] {
            let err = t.apply(bad, &CTX).unwrap_err();
            assert!(matches!(err, TransformError::Malformed { .. }));
            assert!(!err.to_string().contains(bad));
        }
    }
}
