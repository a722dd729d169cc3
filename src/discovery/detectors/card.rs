//! Card numbers: 15–19 digits, a valid Luhn check digit, and a BIN in a range that an
//! issuer network uses. The BIN ranges keep Luhn's one-in-ten false positives among
//! other long numbers (compact timestamps start with 19/20, epoch micro- and
//! nanoseconds with 1) out.

use crate::transform::card::luhn_valid;

/// Whether `digits` (ASCII) is a plausible card number.
pub(super) fn valid(digits: &[u8]) -> bool {
    plausible_bin(digits) && luhn_valid(digits)
}

/// Whether the leading digits and the length fit a card network.
pub(super) fn plausible_bin(d: &[u8]) -> bool {
    let len = d.len();
    if !(15..=19).contains(&len) || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let prefix = |n: usize| -> u32 {
        d[..n]
            .iter()
            .fold(0, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    if len == 15 {
        // American Express.
        return matches!(prefix(2), 34 | 37);
    }
    let two = prefix(2);
    let three = prefix(3);
    let four = prefix(4);
    match d[0] {
        // Visa.
        b'4' => true,
        // Mastercard 51–55; 2-series 2221–2720; Mir 2200–2204.
        b'5' => (51..=55).contains(&two),
        b'2' => (2221..=2720).contains(&four) || (2200..=2204).contains(&four),
        // JCB 3528–3589; Diners 300–305, 36, 38, 39.
        b'3' => {
            (3528..=3589).contains(&four)
                || (300..=305).contains(&three)
                || matches!(two, 36 | 38 | 39)
        }
        // UnionPay 62 (and 60 of some domestic issuers); Discover 6011, 644–649, 65.
        b'6' => matches!(two, 60 | 62 | 65) || (644..=649).contains(&three),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_shaped_cards_of_every_network_are_plausible() {
        for card in [
            "6222020200112233446",
            "4111111111111111",
            "5500000000000004",
            "2221000000000009",
            "378282246310005",
            "3530111333300000",
            "6011111111111117",
        ] {
            assert!(valid(card.as_bytes()), "{card}");
        }
    }

    #[test]
    fn luhn_valid_numbers_outside_every_bin_range_are_not_cards() {
        // 7992739871 3 is the textbook Luhn example; padded it starts with 7.
        assert!(luhn_valid(b"7992739871300008"));
        assert!(!valid(b"7992739871300008"));
        assert!(!valid(b"1712345678901238"));
    }

    #[test]
    fn a_bad_check_digit_is_not_a_card() {
        assert!(!valid(b"6222020200112233447"));
    }
}
