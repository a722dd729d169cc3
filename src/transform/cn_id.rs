//! `fpe_cn_id`: mainland resident ID numbers (GB 11643-1999), 18 characters, and the
//! legacy 15-digit form.
//!
//! `AAAAAA YYYYMMDD SSS C`: the region is kept (or generalized to its city or
//! province); the birth date and the sequence become one integer
//! `day_index · 500 + seq / 2` (days since 1900-01-01, so 1900-01-01 … 2099-12-31 gives
//! 36,524,500 values), FF1 over 8 digits cycle-walks inside that range, and the
//! sequence's parity (the gender) is put back, so the output has a real date and the
//! same gender. The check character is recomputed; inputs with a wrong one are refused.
//!
//! Legacy 15-digit numbers (`AAAAAA YYMMDD SSS`, 19YY, no check character) get the
//! same treatment over 1900-01-01 … 1999-12-31 (18,262,000 values) and stay 15 digits.
//!
//! Only the `keep` region mode can be reversed: `city` and `province` drop digits of
//! the region (which are still bound into the tweak).

use super::alphabet::ascii_string;
use super::ff1::FormatCipher;
use super::ff1::{Direction, Domain, Ff1};
use super::spec::{CnIdParams, RegionMode};
use super::{BuildError, TransformError};
use crate::keys::FieldKeys;

const SHAPE: &str = "ID number (18 characters, or 15 digits for the legacy form)";
const CHECKED: &str = "ID number with a valid check character";
const DATE: &str = "ID number with a birth date from 1900-01-01 to 2099-12-31";

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Days from 1900-01-01 to 2100-01-01 and to 2000-01-01.
const DAYS_TO_2100: u32 = 73_049;
const DAYS_TO_2000: u32 = 36_524;
/// Sequence halves per day (seq / 2 for seq in 000..=999).
const HALVES: u32 = 500;
/// The tweak: `id18`/`id15`, the six region digits and the parity digit.
const TWEAK_LEN: usize = 11;

/// The check character (`0`–`9` or `X`) of the first 17 characters of an ID number, or
/// `None` if they are not 17 ASCII digits.
pub fn cn_id_check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// The ready `fpe_cn_id` transform of one field.
pub struct CnIdTransform {
    ff1: Ff1,
    region: RegionMode,
    dom: Domain,
}

impl CnIdTransform {
    pub fn new(params: &CnIdParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let dom = Domain::new(10, 8).map_err(|e| BuildError(format!("fpe_cn_id: {e}")))?;
        Ok(CnIdTransform {
            ff1: Ff1::for_field(&keys).with_shape(&dom, TWEAK_LEN),
            region: params.region.clone(),
            dom,
        })
    }

    fn crypt(&self, dir: Direction, input: &str) -> Result<String, TransformError> {
        if dir == Direction::Decrypt && self.region != RegionMode::Keep {
            return Err(TransformError::NotReversible("fpe_cn_id"));
        }
        let bytes = input.as_bytes();
        let legacy = match bytes.len() {
            18 => false,
            15 => true,
            _ => return Err(TransformError::Malformed { expected: SHAPE }),
        };
        let body_len = if legacy { 15 } else { 17 };
        if !bytes[..body_len].iter().all(u8::is_ascii_digit) {
            return Err(TransformError::Malformed { expected: SHAPE });
        }
        if !legacy && cn_id_check_char(&bytes[..17]) != Some(bytes[17].to_ascii_uppercase()) {
            return Err(match dir {
                Direction::Encrypt => TransformError::Malformed { expected: CHECKED },
                Direction::Decrypt => TransformError::NotAPseudonym,
            });
        }
        let (date_len, days) = if legacy {
            (6, DAYS_TO_2000)
        } else {
            (8, DAYS_TO_2100)
        };
        let date = &bytes[6..6 + date_len];
        let seq_at = 6 + date_len;
        let day = parse_date(date).ok_or(TransformError::Malformed { expected: DATE })?;
        let seq = digits_value(&bytes[seq_at..seq_at + 3]);
        let parity = seq % 2;

        let mut tweak = [0u8; TWEAK_LEN];
        tweak[..4].copy_from_slice(if legacy { b"id15" } else { b"id18" });
        tweak[4..10].copy_from_slice(&bytes[..6]);
        tweak[10] = b'0' + parity as u8;
        let value = u128::from(day * HALVES + seq / 2);
        let bound = u128::from(days * HALVES);
        let value = self
            .ff1
            .crypt_int(dir, &self.dom, &tweak, value, Some(bound))?;
        let value = u32::try_from(value).map_err(|_| TransformError::NotAPseudonym)?;

        let mut out = [0u8; 18];
        out[..6].copy_from_slice(&generalize(&bytes[..6], &self.region));
        let date = format_date(value / HALVES);
        let date = if legacy { &date[2..] } else { &date[..] };
        out[6..seq_at].copy_from_slice(date);
        write_digits(2 * (value % HALVES) + parity, &mut out[seq_at..seq_at + 3]);
        if !legacy {
            out[17] = cn_id_check_char(&out[..17])
                .ok_or(TransformError::Malformed { expected: SHAPE })?;
        }
        ascii_string(out[..bytes.len()].to_vec(), SHAPE)
    }
}

/// The region as the mode keeps it.
fn generalize(region: &[u8], mode: &RegionMode) -> [u8; 6] {
    let mut out = [b'0'; 6];
    let keep = match mode {
        RegionMode::Keep => 6,
        RegionMode::City => 4,
        RegionMode::Province => 2,
    };
    out[..keep].copy_from_slice(&region[..keep]);
    out
}

/// `n` in decimal, zero-padded to fill `out`.
fn write_digits(mut n: u32, out: &mut [u8]) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn digits_value(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, &c| acc * 10 + u32::from(c.wrapping_sub(b'0')))
}

/// Days since 1900-01-01 of `YYYYMMDD` (or `YYMMDD` = 19YY), if it is a real date in
/// 1900 … 2099.
fn parse_date(date: &[u8]) -> Option<u32> {
    let (year, rest) = match date.len() {
        8 => (digits_value(&date[..4]), &date[4..]),
        6 => (1900 + digits_value(&date[..2]), &date[2..]),
        _ => return None,
    };
    let (month, day) = (digits_value(&rest[..2]), digits_value(&rest[2..4]));
    if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) - days_from_civil(1900, 1, 1))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 0000-03-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe
}

/// `YYYYMMDD` of the day `days` after 1900-01-01 (its last six bytes are the legacy
/// `YYMMDD`).
fn format_date(days: u32) -> [u8; 8] {
    let z = days + days_from_civil(1900, 1, 1);
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u32::from(month <= 2);
    let mut out = [0u8; 8];
    write_digits(year, &mut out[..4]);
    write_digits(month, &mut out[4..6]);
    write_digits(day, &mut out[6..]);
    out
}

impl FormatCipher for CnIdTransform {
    const NAME: &'static str = "fpe_cn_id";

    fn reversible(&self) -> bool {
        self.region == RegionMode::Keep
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

    fn id(region: RegionMode) -> CnIdTransform {
        let master = MasterKey::from_bytes(KeyId(1), [5; 32]);
        let keys = FieldKeys::new(&master, "qa", "public.customers.id_no");
        CnIdTransform::new(&CnIdParams { region }, keys).unwrap()
    }

    #[test]
    fn the_standard_examples_have_valid_check_characters() {
        assert_eq!(cn_id_check_char(b"11010519491231002"), Some(b'X'));
        assert_eq!(cn_id_check_char(b"11010119900307447"), Some(b'7'));
        assert_eq!(cn_id_check_char(b"1101011990030744"), None);
    }

    #[test]
    fn the_range_is_36_524_500_values() {
        assert_eq!(DAYS_TO_2100 * HALVES, 36_524_500);
        assert_eq!(parse_date(b"20991231"), Some(DAYS_TO_2100 - 1));
        assert_eq!(parse_date(b"19991231"), Some(DAYS_TO_2000 - 1));
        assert_eq!(&format_date(DAYS_TO_2100 - 1), b"20991231");
        assert_eq!(&format_date(0), b"19000101");
    }

    #[test]
    fn dates_round_trip_through_day_indexes() {
        for day in (0..DAYS_TO_2100).step_by(97) {
            assert_eq!(parse_date(&format_date(day)), Some(day));
        }
        assert_eq!(parse_date(b"19000229"), None);
        assert_eq!(parse_date(b"20000229"), Some(36_583));
        assert_eq!(parse_date(b"18991231"), None);
    }

    #[test]
    fn pseudonym_keeps_region_gender_and_a_real_date() {
        let t = id(RegionMode::Keep);
        for input in ["11010519491231002X", "110101199003074477"] {
            let out = t.apply(input, &CTX).unwrap().unwrap();
            assert_eq!(&out[..6], &input[..6]);
            assert_eq!(out.as_bytes()[16] % 2, input.as_bytes()[16] % 2);
            assert!(parse_date(&out.as_bytes()[6..14]).is_some());
            assert_eq!(
                cn_id_check_char(&out.as_bytes()[..17]),
                Some(out.as_bytes()[17])
            );
            assert_ne!(out, input);
            assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
        }
    }

    #[test]
    fn lowercase_x_is_accepted_and_reversed_to_uppercase() {
        let t = id(RegionMode::Keep);
        let out = t.apply("11010519491231002x", &CTX).unwrap().unwrap();
        assert_eq!(t.reverse(&out, &CTX).unwrap(), "11010519491231002X");
    }

    #[test]
    fn city_and_province_modes_generalize_and_cannot_be_reversed() {
        let city = id(RegionMode::City);
        let out = city.apply("11010519491231002X", &CTX).unwrap().unwrap();
        assert!(out.starts_with("110100"));
        assert_eq!(
            city.reverse(&out, &CTX),
            Err(TransformError::NotReversible("fpe_cn_id"))
        );
        assert!(!city.properties().reversible);
        let province = id(RegionMode::Province);
        let out = province.apply("11010519491231002X", &CTX).unwrap().unwrap();
        assert!(out.starts_with("110000"));
    }

    #[test]
    fn legacy_15_digit_numbers_stay_15_digits_in_the_1900s() {
        let t = id(RegionMode::Keep);
        let input = "110105491231002";
        let out = t.apply(input, &CTX).unwrap().unwrap();
        assert_eq!(out.len(), 15);
        assert_eq!(&out[..6], "110105");
        assert_eq!(out.as_bytes()[14] % 2, 0);
        assert!(parse_date(&out.as_bytes()[6..12]).is_some());
        assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    }

    #[test]
    fn bad_check_character_and_impossible_dates_are_refused() {
        let t = id(RegionMode::Keep);
        let err = t.apply("110101199003074478", &CTX).unwrap_err();
        assert!(matches!(err, TransformError::Malformed { .. }));
        assert_eq!(
            t.reverse("110101199003074478", &CTX),
            Err(TransformError::NotAPseudonym)
        );
        let feb30 = format!("11010119900230447{}", 0);
        let feb30 = format!(
            "{}{}",
            &feb30[..17],
            char::from(cn_id_check_char(&feb30.as_bytes()[..17]).unwrap())
        );
        assert!(matches!(
            t.apply(&feb30, &CTX),
            Err(TransformError::Malformed { .. })
        ));
        for bad in [
            "1101011990030744",
            "11010119900307447A",
            "A10101199003074477",
        ] {
            assert!(matches!(
                t.apply(bad, &CTX),
                Err(TransformError::Malformed { .. })
            ));
        }
    }
}
