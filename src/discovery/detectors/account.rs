//! Bank account numbers: 16–22 digits with no check digit, so weaker than a card.
//! As a whole value: not starting with 0, and not shaped like a compact timestamp
//! (`20240101123045…`) or an epoch in micro- or nanoseconds. Inside free text: only
//! right after a keyword (`账号`, `账户`, `卡号`, `account` …).

use crate::transform::calendar::is_valid_date;

/// Keywords that announce an account number (compared lowercase).
const KEYWORDS: &[&str] = &[
    "账号",
    "帐号",
    "账户",
    "帐户",
    "卡号",
    "户号",
    "account",
    "acct",
    "a/c",
    "account no",
    "account no.",
    "acct no",
    "acct no.",
    "a/c no",
    "a/c no.",
];

/// Characters allowed between the keyword and the number.
const GLUE: &[char] = &[' ', ':', '：', '#', '为', '是', '-', '(', '（', '\t'];

/// Whether a whole value of digits is plausibly an account number.
pub(super) fn plausible(d: &[u8]) -> bool {
    (16..=22).contains(&d.len())
        && d.iter().all(u8::is_ascii_digit)
        && d[0] != b'0'
        && !compact_timestamp(d)
        && !epoch_like(d)
}

/// Whether the number at byte `start` of `text` follows an account keyword.
pub(super) fn after_keyword(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let before = before.trim_end_matches(GLUE);
    let tail: String = before
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    KEYWORDS.iter().any(|k| tail.ends_with(k))
}

/// `YYYYMMDD…` with a real date in 1900–2099 (and a real time of day when present).
fn compact_timestamp(d: &[u8]) -> bool {
    let n = |r: std::ops::Range<usize>| -> u32 {
        d[r].iter()
            .fold(0, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    let year = n(0..4);
    if !(1900..=2099).contains(&year) || !is_valid_date(i64::from(year), n(4..6), n(6..8)) {
        return false;
    }
    d.len() < 14 || (n(8..10) < 24 && n(10..12) < 60 && n(12..14) < 61)
}

/// 16 digits from 1.0e15 to 2.1e15 (epoch microseconds, 2001–2036), or 19 digits in
/// the same span of nanoseconds.
fn epoch_like(d: &[u8]) -> bool {
    matches!(d.len(), 16 | 19) && (d[0] == b'1' || d.starts_with(b"20"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_strings_are_plausible_accounts() {
        assert!(plausible(b"6217000010012345678"));
        assert!(plausible(b"31001234567890123456"));
    }

    #[test]
    fn timestamps_and_epochs_are_not_accounts() {
        assert!(!plausible(b"20240101123045123456"));
        assert!(!plausible(b"1712345678901234"));
        assert!(!plausible(b"1712345678901234567"));
        assert!(!plausible(b"0012345678901234"));
    }

    #[test]
    fn a_keyword_before_the_number_is_needed_in_free_text() {
        let text = "收款账号：6217000010012345678";
        let at = text.find('6').unwrap();
        assert!(after_keyword(text, at));
        let text = "Account no. 6217000010012345678";
        assert!(after_keyword(text, text.find('6').unwrap()));
        let text = "acct 6217000010012345678";
        assert!(after_keyword(text, text.find('6').unwrap()));
        let text = "订单6217000010012345678";
        assert!(!after_keyword(text, text.find('6').unwrap()));
    }
}
