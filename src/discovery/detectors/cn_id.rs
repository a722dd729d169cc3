//! Mainland resident ID numbers (GB 11643-1999): 17 digits and a check character, a
//! real province code and a real birth date from 1900 on. The legacy 15-digit form
//! (YYMMDD, no check character) is recognised as a whole value only: without a check
//! it is too weak inside free text.

use crate::transform::calendar::is_valid_date;
use crate::transform::cn_id::cn_id_check_char;
use crate::transform::dictionaries::regions;

/// The latest birth year taken as real.
const LAST_YEAR: i64 = 2099;

/// Whether `b` is an 18-character ID number with a valid check character.
pub(super) fn valid(b: &[u8]) -> bool {
    if b.len() != 18 {
        return false;
    }
    let check = b[17].to_ascii_uppercase();
    province_known(b) && date_valid(&b[6..14], 0) && cn_id_check_char(&b[..17]) == Some(check)
}

/// Whether `b` is a legacy 15-digit ID number (`AAAAAA YYMMDD SSS`, born 19YY).
pub(super) fn legacy_valid(b: &[u8]) -> bool {
    b.len() == 15
        && b.iter().all(u8::is_ascii_digit)
        && province_known(b)
        && date_valid(&b[6..12], 1900)
}

fn province_known(b: &[u8]) -> bool {
    let code = number(&b[..2]);
    code.is_some_and(|c| regions::province(c as u32).is_some())
}

/// `YYYYMMDD` (century 0) or `YYMMDD` (added to `century`), from 1900 to 2099.
fn date_valid(b: &[u8], century: i64) -> bool {
    let (year, rest) = b.split_at(b.len() - 4);
    let (Some(y), Some(m), Some(d)) = (number(year), number(&rest[..2]), number(&rest[2..])) else {
        return false;
    };
    let y = y as i64 + century;
    (1900..=LAST_YEAR).contains(&y) && is_valid_date(y, m as u32, d as u32)
}

fn number(b: &[u8]) -> Option<u64> {
    b.iter().try_fold(0u64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_examples_are_valid() {
        assert!(valid(b"11010519491231002X"));
        assert!(valid(b"11010519491231002x"));
        assert!(valid(b"110101199003074477"));
    }

    #[test]
    fn a_wrong_check_character_or_an_impossible_date_is_not_an_id() {
        assert!(!valid(b"110101199003074478"));
        // 1990-02-30 with its check character recomputed.
        let mut id = b"11010119900230447".to_vec();
        id.push(cn_id_check_char(&id).unwrap());
        assert!(!valid(&id));
    }

    #[test]
    fn an_unknown_province_code_is_not_an_id() {
        let mut id = b"99010119900307447".to_vec();
        id.push(cn_id_check_char(&id).unwrap());
        assert!(!valid(&id));
    }

    #[test]
    fn legacy_numbers_need_a_province_and_a_real_date() {
        assert!(legacy_valid(b"110105491231002"));
        assert!(!legacy_valid(b"110105491331002"));
        assert!(!legacy_valid(b"990105491231002"));
    }
}
