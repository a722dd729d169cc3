//! `fpe_uscc`: unified social credit codes (GB 32100-2015), 18 characters over
//! `0123456789ABCDEFGHJKLMNPQRTUWXY`, with both check characters.
//!
//! Positions: 1 registration authority, 2 type, 3–8 region (digits), 9–16 organization
//! code body, 17 its GB 11714 check, 18 the GB 32100 check. Inputs must pass both
//! checks (lowercase letters are accepted and read as uppercase).
//!
//! - `keep_region = true` (default): positions 1–8 stay and are the tweak; FF1 with
//!   radix 31 over the USCC alphabet runs over positions 9–16 (31^8 ≈ 8.5·10^11).
//! - `keep_region = false`: positions 1–2 stay; the region (6 digits) and positions
//!   9–16 form one integer `region · 31^8 + body` below 10^6 · 31^8, encrypted by FF1
//!   over 18 decimal digits with cycle-walking. The output region is any 6 digits —
//!   not necessarily an existing administrative division.
//!
//! Then check 17 and check 18 are recomputed.

use super::alphabet::{USCC, ascii_string, crypt_in_place};
use super::ff1::FormatCipher;
use super::ff1::{Direction, Domain, Ff1};
use super::spec::UsccParams;
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "unified social credit code (18 characters)";
const CHECKED: &str = "unified social credit code with valid check characters";

const W18: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const W17: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// 31^8: the number of organization code bodies.
const BODIES: u128 = 852_891_037_441;

/// The 18th character of a USCC from its first 17, or `None` if one is outside the
/// alphabet.
pub fn uscc_check18(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in first17.iter().zip(W18) {
        sum += u32::from(USCC.numeral(c)?) * w;
    }
    Some(USCC.char(((31 - sum % 31) % 31) as u8))
}

/// The GB 11714 check character (`0`–`9` or `X`) of an 8-character organization code
/// body (digits and uppercase letters, A = 10 … Z = 35).
pub fn org_code_check(body: &[u8]) -> Option<u8> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in body.iter().zip(W17) {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        };
        sum += u32::from(v) * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        c => b'0' + c as u8,
    })
}

/// Whether an 18-character code passes both checks.
pub fn uscc_valid(code: &[u8]) -> bool {
    code.len() == 18
        && org_code_check(&code[8..16]) == Some(code[16])
        && uscc_check18(&code[..17]) == Some(code[17])
}

/// The ready `fpe_uscc` transform of one field.
pub struct UsccTransform {
    ff1: Ff1,
    keep_region: bool,
    /// 18 decimal digits, for the region-and-body integer when the region is encrypted.
    joint: Domain,
}

impl UsccTransform {
    pub fn new(params: &UsccParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let joint = Domain::new(10, 18).map_err(|e| BuildError(format!("fpe_uscc: {e}")))?;
        Ok(UsccTransform {
            ff1: Ff1::for_field(&keys),
            keep_region: params.keep_region,
            joint,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        let mut out = input.as_bytes().to_ascii_uppercase();
        if out.len() != 18 || !out.iter().all(|&c| USCC.contains(c)) {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        if !uscc_valid(&out) {
            return Err(match dir {
                Direction::Encrypt => TransformError::Malformed { expected: CHECKED },
                Direction::Decrypt => TransformError::NotAPseudonym,
            });
        }
        if self.keep_region {
            let (kept, rest) = out.split_at_mut(8);
            let mut tweak = [0u8; 12];
            tweak[..4].copy_from_slice(b"uscc");
            tweak[4..].copy_from_slice(kept);
            crypt_in_place(&self.ff1, dir, &USCC, &tweak, &mut rest[..8], SHAPE)?;
        } else {
            self.crypt_region_and_body(dir, &mut out)?;
        }
        out[16] =
            org_code_check(&out[8..16]).ok_or(TransformError::Malformed { expected: SHAPE })?;
        out[17] = uscc_check18(&out[..17]).ok_or(TransformError::Malformed { expected: SHAPE })?;
        ascii_string(out, SHAPE)
    }

    /// Positions 3–16 as one integer, encrypted below 10^6 · 31^8.
    fn crypt_region_and_body(&self, dir: Direction, code: &mut [u8]) -> Result<(), TransformError> {
        let region = &code[2..8];
        if !region.iter().all(u8::is_ascii_digit) {
            return Err(TransformError::Malformed {
                expected: "unified social credit code with a 6-digit region",
            });
        }
        let region = region
            .iter()
            .fold(0u128, |acc, &c| acc * 10 + u128::from(c - b'0'));
        let mut body = 0u128;
        for &c in &code[8..16] {
            let n = USCC
                .numeral(c)
                .ok_or(TransformError::Malformed { expected: SHAPE })?;
            body = body * 31 + u128::from(n);
        }
        let mut tweak = [0u8; 6];
        tweak[..4].copy_from_slice(b"uscc");
        tweak[4..].copy_from_slice(&code[..2]);
        let bound = 1_000_000 * BODIES;
        let x = self.ff1.crypt_int(
            dir,
            &self.joint,
            &tweak,
            region * BODIES + body,
            Some(bound),
        )?;
        let (mut region, mut body) = (x / BODIES, x % BODIES);
        for slot in code[2..8].iter_mut().rev() {
            *slot = b'0' + (region % 10) as u8;
            region /= 10;
        }
        for slot in code[8..16].iter_mut().rev() {
            *slot = USCC.char((body % 31) as u8);
            body /= 31;
        }
        Ok(())
    }
}

impl FormatCipher for UsccTransform {
    const NAME: &'static str = "fpe_uscc";

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
    const EXAMPLES: [&str; 2] = ["91350100M000100Y43", "91110000802100433B"];

    fn uscc(keep_region: bool) -> UsccTransform {
        let master = MasterKey::from_bytes(KeyId(1), [8; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.companies.uscc");
        UsccTransform::new(&UsccParams { keep_region }, keys).unwrap()
    }

    #[test]
    fn the_standard_examples_pass_both_checks() {
        for code in EXAMPLES {
            assert!(uscc_valid(code.as_bytes()), "{code}");
        }
        assert!(!uscc_valid(b"91350100M000100Y44"));
        assert!(!uscc_valid(b"91350100M000100Y53"));
    }

    #[test]
    fn org_code_check_gives_x_for_10_and_0_for_11() {
        // Σ = 0 → 11 → '0'; Σ = 6·2 = 12 ≡ 1 → 10 → 'X'; Σ = 1·4 → 7.
        assert_eq!(org_code_check(b"00000000"), Some(b'0'));
        assert_eq!(org_code_check(b"00000006"), Some(b'X'));
        assert_eq!(org_code_check(b"00000010"), Some(b'7'));
        assert_eq!(org_code_check(b"10000000"), Some(b'8'));
        assert_eq!(org_code_check(b"00000100"), Some(b'3'));
    }

    #[test]
    fn keeping_the_region_changes_only_positions_9_to_18() {
        let t = uscc(true);
        for code in EXAMPLES {
            let out = t.apply(code, &CTX).unwrap().unwrap();
            assert_eq!(&out[..8], &code[..8]);
            assert_ne!(out, code);
            assert!(uscc_valid(out.as_bytes()));
            assert_eq!(t.reverse(&out, &CTX).unwrap(), code);
        }
    }

    #[test]
    fn encrypting_the_region_keeps_positions_1_2_and_a_digit_region() {
        let t = uscc(false);
        for code in EXAMPLES {
            let out = t.apply(code, &CTX).unwrap().unwrap();
            assert_eq!(&out[..2], &code[..2]);
            assert!(out.as_bytes()[2..8].iter().all(u8::is_ascii_digit));
            assert!(uscc_valid(out.as_bytes()));
            assert_eq!(t.reverse(&out, &CTX).unwrap(), code);
        }
    }

    #[test]
    fn wrong_checks_and_foreign_letters_are_refused() {
        let t = uscc(true);
        assert!(matches!(
            t.apply("91350100M000100Y44", &CTX),
            Err(TransformError::Malformed { .. })
        ));
        assert_eq!(
            t.reverse("91350100M000100Y44", &CTX),
            Err(TransformError::NotAPseudonym)
        );
        assert!(matches!(
            t.apply("91350100I000100Y43", &CTX),
            Err(TransformError::Malformed { .. })
        ));
        assert!(matches!(
            t.apply("91350100M000100Y4", &CTX),
            Err(TransformError::Malformed { .. })
        ));
    }
}
