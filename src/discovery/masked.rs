//! The masked form in which `tuomin scan` shows an example of what it found: the
//! display masks of the finance trade (first 6 and last 4 of a card, first 3 and last
//! 4 of a mobile, the surname of a name, an address down to its district). A raw value
//! is never shown; track data is not shown at all.

use crate::transform::address::MaskAddressTransform;
use crate::transform::mask::MaskTransform;
use crate::transform::name::MaskNameTransform;
use crate::transform::spec::{AddressLevel, MaskAddressParams, MaskNameParams, MaskParams};

use super::detectors::Detected;

/// The masked example of a value detected as `kind`.
pub fn masked_example(kind: Detected, text: &str) -> String {
    match kind {
        Detected::TrackData => "[track data, not shown]".to_owned(),
        Detected::CardNumber => keep(text, 6, 4),
        Detected::AccountNumber => keep(text, 0, 4),
        Detected::IdNumber => keep(text, 1, 1),
        Detected::Mobile => keep(text, 3, 4),
        Detected::Uscc => keep(text, 2, 1),
        Detected::Email => email(text),
        Detected::Name => MaskNameTransform::new(&MaskNameParams { mask_char: '*' })
            .map(|t| t.mask(text))
            .unwrap_or_else(|_| hidden(text)),
        Detected::Address => MaskAddressTransform::new(&MaskAddressParams {
            keep: AddressLevel::District,
            suffix: "***".to_owned(),
        })
        .map(|t| t.mask(text))
        .unwrap_or_else(|_| hidden(text)),
    }
}

fn keep(text: &str, keep_first: usize, keep_last: usize) -> String {
    let params = MaskParams {
        keep_first,
        keep_last,
        mask_char: '*',
        min_hidden: 4,
    };
    MaskTransform::new(&params)
        .map(|t| t.mask(text))
        .unwrap_or_else(|_| hidden(text))
}

/// `z***@example.com`: the first character of the local part and the domain.
fn email(text: &str) -> String {
    match text.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => hidden(text),
    }
}

fn hidden(text: &str) -> String {
    "*".repeat(text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_shown_masked() {
        let cases = [
            (
                Detected::CardNumber,
                "6222020200112233446",
                "622202*********3446",
            ),
            (Detected::Mobile, "13812345678", "138****5678"),
            (
                Detected::IdNumber,
                "110101199003074477",
                "1****************7",
            ),
            (
                Detected::AccountNumber,
                "6217000010012345671",
                "***************5671",
            ),
            (Detected::Email, "zhang.san@example.com", "z***@example.com"),
            (Detected::Name, "欧阳娜娜", "欧阳**"),
            (Detected::Uscc, "91350100M000100Y43", "91***************3"),
            (
                Detected::TrackData,
                ";6222020200112233446=2812?",
                "[track data, not shown]",
            ),
        ];
        for (kind, raw, shown) in cases {
            assert_eq!(masked_example(kind, raw), shown, "{kind}");
        }
    }

    #[test]
    fn an_address_is_shown_down_to_its_district() {
        let shown = masked_example(Detected::Address, "广东省深圳市南山区人民路127号3栋");
        assert!(shown.starts_with("广东省深圳市南山区"), "{shown}");
        assert!(!shown.contains("人民路"), "{shown}");
    }
}
