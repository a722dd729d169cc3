//! Magnetic track 2 (C3): `;PAN=YYMM service-code discretionary?`, with or without the
//! sentinels, and the chip's track-2 equivalent with `D` as separator. The PAN must
//! pass Luhn and at least the expiry and service code (7 digits) must follow.

use super::{Confidence, Hit};
use crate::transform::card::luhn_valid;

/// Whether the whole value is track-2 data.
pub(super) fn whole(b: &[u8]) -> Option<Confidence> {
    let eq = b.iter().position(|&c| c == b'=' || c == b'D')?;
    let hit = at_separator(b, eq)?;
    (hit.0 == 0 && hit.1 == b.len()).then_some(Confidence::High)
}

/// Finds track-2 data inside text.
pub(super) fn find(b: &[u8], hits: &mut Vec<Hit>) {
    for (i, &c) in b.iter().enumerate() {
        if (c == b'=' || c == b'D')
            && let Some((start, end)) = at_separator(b, i)
        {
            hits.push(Hit::new(
                super::Detected::TrackData,
                start,
                end,
                Confidence::High,
            ));
        }
    }
}

/// The span of track-2 data whose separator is at `sep`.
fn at_separator(b: &[u8], sep: usize) -> Option<(usize, usize)> {
    let mut start = sep;
    while start > 0 && b[start - 1].is_ascii_digit() {
        start -= 1;
    }
    let pan = &b[start..sep];
    if !(12..=19).contains(&pan.len()) || !luhn_valid(pan) {
        return None;
    }
    let mut end = sep + 1;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
    }
    if end - sep - 1 < 7 {
        return None;
    }
    if start > 0 && b[start - 1] == b';' {
        start -= 1;
    } else if start > 0 && b[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    if b.get(end) == Some(&b'?') {
        end += 1;
    } else if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((start, end))
}
