//! Unified social credit codes (GB 32100-2015): 18 characters of
//! `0123456789ABCDEFGHJKLMNPQRTUWXY`, a known registration authority, a region whose
//! province exists, and both check characters (GB 11714 at 17, GB 32100 at 18).

use super::{Confidence, Hit};
use crate::transform::dictionaries::regions;
use crate::transform::uscc::uscc_valid;

/// Registration authorities in use (1–9, A for the military, N for agriculture, Y other).
const AUTHORITIES: &[u8] = b"123456789ANY";

/// Whether the whole value is a USCC.
pub(super) fn whole(b: &[u8]) -> Option<Confidence> {
    valid(b).then_some(Confidence::High)
}

/// Finds USCCs standing alone inside text.
pub(super) fn find(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i - start == 18 && valid(&b[start..i]) {
            hits.push(Hit::new(super::Detected::Uscc, start, i, Confidence::High));
        }
    }
}

fn valid(b: &[u8]) -> bool {
    b.len() == 18
        && AUTHORITIES.contains(&b[0])
        && b[2..8].iter().all(u8::is_ascii_digit)
        && regions::province(u32::from(b[2] - b'0') * 10 + u32::from(b[3] - b'0')).is_some()
        && uscc_valid(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_examples_are_valid() {
        assert!(valid(b"91350100M000100Y43"));
        assert!(valid(b"91110000802100433B"));
    }

    #[test]
    fn a_changed_character_breaks_the_code() {
        assert!(!valid(b"91350100M000100Y44"));
        assert!(!valid(b"91350100M000101Y43"));
    }
}
