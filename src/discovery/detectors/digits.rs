//! Numbers in text: free-standing digit runs (`6222021234567890123`) and grouped ones
//! (`6222 0212 3456 7890`, `138-1234-5678`), and which kind of number each is by its
//! length and checks.
//!
//! A run counts only when it stands alone: not touching a letter or `_` (hex, UUIDs,
//! identifiers), not part of a decimal or a thousands-grouped number (`1,234.56`), not
//! inside a dash-joined token (`e29b-41d4`). A phone-like sequence inside a longer digit
//! run is never a phone: runs are maximal.

use super::{Confidence, Detected, Hit, account, card, cn_id, mobile};

/// The kind of a value made only of digits (or 17 digits and `X`).
pub(super) fn whole_number(b: &[u8]) -> Option<(Detected, Confidence)> {
    let high = |d| Some((d, Confidence::High));
    match b.len() {
        11 if mobile::valid(b) => Some((Detected::Mobile, mobile::confidence(b))),
        15 if card::valid(b) => high(Detected::CardNumber),
        15 if cn_id::legacy_valid(b) => Some((Detected::IdNumber, Confidence::Medium)),
        18 if cn_id::valid(b) => high(Detected::IdNumber),
        16..=19 if card::valid(b) => high(Detected::CardNumber),
        16..=22 if account::plausible(b) => Some((Detected::AccountNumber, Confidence::Medium)),
        _ => None,
    }
}

/// Finds card numbers, ID numbers, mobiles and (after a keyword) account numbers.
pub(super) fn find_numbers(text: &str, hits: &mut Vec<Hit>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if !free_before(b, start) {
            continue;
        }
        if let Some(end) = grouped(text, start, i, hits) {
            i = end;
            continue;
        }
        run(text, start, i, hits);
    }
}

/// One maximal digit run `[start, end)` with a free start.
fn run(text: &str, start: usize, end: usize, hits: &mut Vec<Hit>) {
    let b = text.as_bytes();
    let digits = &b[start..end];
    // 17 digits and a check character X.
    if digits.len() == 17 && matches!(b.get(end), Some(b'X' | b'x')) && free_after(b, end + 1) {
        if cn_id::valid(&b[start..=end]) {
            hits.push(Hit::new(
                Detected::IdNumber,
                start,
                end + 1,
                Confidence::High,
            ));
        }
        return;
    }
    if !free_after(b, end) {
        return;
    }
    let found = match digits.len() {
        11 if mobile::valid(digits) => Some((Detected::Mobile, start, mobile::confidence(digits))),
        13 if digits.starts_with(b"86") && mobile::valid(&digits[2..]) => Some((
            Detected::Mobile,
            start + 2,
            mobile::confidence(&digits[2..]),
        )),
        15 if card::valid(digits) => Some((Detected::CardNumber, start, Confidence::High)),
        18 if cn_id::valid(digits) => Some((Detected::IdNumber, start, Confidence::High)),
        16..=19 if card::valid(digits) => Some((Detected::CardNumber, start, Confidence::High)),
        16..=22 if account::after_keyword(text, start) => {
            Some((Detected::AccountNumber, start, Confidence::Medium))
        }
        _ => None,
    };
    if let Some((kind, from, confidence)) = found {
        hits.push(Hit::new(kind, from, end, confidence));
    }
}

/// Digit groups joined by single spaces or dashes, starting with the run
/// `[start, first_end)`: a card number written `6222 0212 3456 7890 123` or a mobile
/// `138-1234-5678` (`+86 138 1234 5678`). Returns the end of the groups when they
/// form one of those.
fn grouped(text: &str, start: usize, first_end: usize, hits: &mut Vec<Hit>) -> Option<usize> {
    let b = text.as_bytes();
    let sep = *b.get(first_end).filter(|c| matches!(c, b' ' | b'-'))?;
    let mut lens = vec![first_end - start];
    let mut end = first_end;
    while b.get(end) == Some(&sep) && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        let group = end + 1;
        end = group;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        lens.push(end - group);
        if lens.len() > 6 {
            return None;
        }
    }
    if lens.len() < 2 || !free_after(b, end) {
        return None;
    }
    let digits: Vec<u8> = b[start..end]
        .iter()
        .copied()
        .filter(u8::is_ascii_digit)
        .collect();
    let (kind, from) = match lens.as_slice() {
        [3, 4, 4] if mobile::valid(&digits) => (Detected::Mobile, start),
        [2, 3, 4, 4] if digits.starts_with(b"86") && mobile::valid(&digits[2..]) => {
            (Detected::Mobile, start + 3)
        }
        [4, 6, 5] if card::valid(&digits) => (Detected::CardNumber, start),
        [4, 4, 4, 4] | [4, 4, 4, 4, 1..=3] if card::valid(&digits) => (Detected::CardNumber, start),
        _ => return None,
    };
    let confidence = match kind {
        Detected::Mobile => mobile::confidence(&digits[digits.len() - 11..]),
        _ => Confidence::High,
    };
    hits.push(Hit::new(kind, from, end, confidence));
    Some(end)
}

/// Whether a number may start at `start`: nothing word-like or numeric touches it.
fn free_before(b: &[u8], start: usize) -> bool {
    let Some(&prev) = start.checked_sub(1).and_then(|i| b.get(i)) else {
        return true;
    };
    if prev.is_ascii_alphanumeric() || prev == b'_' {
        return false;
    }
    let before = start.checked_sub(2).and_then(|i| b.get(i)).copied();
    match prev {
        b'.' | b',' => !before.is_some_and(|c| c.is_ascii_digit()),
        b'-' => !before.is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => true,
    }
}

/// Whether a number may end at `end`.
fn free_after(b: &[u8], end: usize) -> bool {
    let Some(&next) = b.get(end) else {
        return true;
    };
    if next.is_ascii_alphanumeric() || next == b'_' {
        return false;
    }
    let after = b.get(end + 1).copied();
    match next {
        b'.' | b',' => !after.is_some_and(|c| c.is_ascii_digit()),
        b'-' => !after.is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => true,
    }
}
