//! Mainland mobile numbers: `1[3-9]` and 9 more digits. Numbers on a network prefix in
//! use are `High`; the rest of the `1[3-9]` space `Medium`.

use super::Confidence;

/// Whether `d` is 11 digits shaped like a mobile number.
pub(super) fn valid(d: &[u8]) -> bool {
    d.len() == 11
        && d[0] == b'1'
        && (b'3'..=b'9').contains(&d[1])
        && d.iter().all(u8::is_ascii_digit)
}

/// How sure: a network prefix in use (13x, 145–149, 15x but 154, 162/165–167, 170–178,
/// 18x, 19x but 194/197) is `High`.
pub(super) fn confidence(d: &[u8]) -> Confidence {
    let second = d.get(1).copied().unwrap_or(b'0');
    let third = d.get(2).copied().unwrap_or(b'0');
    let in_use = match second {
        b'3' | b'8' => true,
        b'4' => (b'5'..=b'9').contains(&third),
        b'5' => third != b'4',
        b'6' => matches!(third, b'2' | b'5' | b'6' | b'7'),
        b'7' => third != b'9',
        b'9' => !matches!(third, b'4' | b'7'),
        _ => false,
    };
    if in_use {
        Confidence::High
    } else {
        Confidence::Medium
    }
}
