//! What [`detect`] finds, and the traps it must not fall into.

use super::*;

fn kinds(text: &str) -> Vec<(Detected, Placement, &str)> {
    detect(text)
        .into_iter()
        .map(|h| (h.kind, h.placement, h.text(text)))
        .collect()
}

fn whole_kind(text: &str) -> Option<Detected> {
    match detect(text).as_slice() {
        [hit] if hit.placement == Placement::Whole => Some(hit.kind),
        _ => None,
    }
}

#[test]
fn each_kind_is_recognised_as_a_whole_value() {
    let cases = [
        ("6222020200112233446", Detected::CardNumber),
        ("4111111111111111", Detected::CardNumber),
        ("378282246310005", Detected::CardNumber),
        ("11010519491231002X", Detected::IdNumber),
        ("11010519491231002x", Detected::IdNumber),
        ("110101199003074477", Detected::IdNumber),
        ("110105491231002", Detected::IdNumber),
        ("13812345678", Detected::Mobile),
        ("zhang.san_01@bank.example.cn", Detected::Email),
        ("91350100M000100Y43", Detected::Uscc),
        ("6217000010012345671", Detected::AccountNumber),
        ("张伟", Detected::Name),
        ("欧阳娜娜", Detected::Name),
        (
            "广东省深圳市南山区人民路127号3栋2单元501室",
            Detected::Address,
        ),
        (
            ";6222020200112233446=28122011234567890?",
            Detected::TrackData,
        ),
    ];
    for (text, kind) in cases {
        assert_eq!(whole_kind(text), Some(kind), "{text}");
    }
}

#[test]
fn surrounding_whitespace_still_makes_a_whole_value() {
    let hits = detect("  13812345678 ");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].placement, Placement::Whole);
    assert_eq!((hits[0].start, hits[0].end), (2, 13));
}

#[test]
fn a_card_number_inside_a_memo_is_found_with_its_span() {
    let memo = "还款至卡号6222020200112233446";
    assert_eq!(
        kinds(memo),
        vec![(
            Detected::CardNumber,
            Placement::Embedded,
            "6222020200112233446"
        )]
    );
}

#[test]
fn several_kinds_inside_one_text_are_found_in_order() {
    let text = "请回电13812345678确认，或邮件 li.na@example.com；身份证110101199003074477。";
    let found: Vec<(Detected, &str)> = kinds(text).into_iter().map(|(k, _, t)| (k, t)).collect();
    assert_eq!(
        found,
        vec![
            (Detected::Mobile, "13812345678"),
            (Detected::Email, "li.na@example.com"),
            (Detected::IdNumber, "110101199003074477"),
        ]
    );
}

#[test]
fn grouped_card_and_mobile_numbers_are_found() {
    let text = "card 6222 0202 0011 2233 446 tel 138-1234-5678 or +86 139 1234 5678";
    let found: Vec<(Detected, &str)> = kinds(text).into_iter().map(|(k, _, t)| (k, t)).collect();
    assert_eq!(
        found,
        vec![
            (Detected::CardNumber, "6222 0202 0011 2233 446"),
            (Detected::Mobile, "138-1234-5678"),
            (Detected::Mobile, "139 1234 5678"),
        ]
    );
}

#[test]
fn track_data_wins_over_the_card_number_inside_it() {
    let text = "dump ;6222020200112233446=28122011234567890? end";
    assert_eq!(
        kinds(text),
        vec![(
            Detected::TrackData,
            Placement::Embedded,
            ";6222020200112233446=28122011234567890?"
        )]
    );
}

#[test]
fn an_account_number_in_free_text_needs_a_keyword() {
    assert_eq!(
        kinds("收款账号：6217000010012345671"),
        vec![(
            Detected::AccountNumber,
            Placement::Embedded,
            "6217000010012345671"
        )]
    );
    assert!(detect("订单 6217000010012345671 已发货").is_empty());
}

#[test]
fn a_name_standing_alone_in_text_is_found() {
    assert_eq!(
        kinds("收款人：王伟，备注"),
        vec![(Detected::Name, Placement::Embedded, "王伟")]
    );
}

#[test]
fn an_address_inside_text_is_found() {
    let text = "寄往 北京市朝阳区建国路88号 谢谢";
    assert_eq!(
        kinds(text),
        vec![(
            Detected::Address,
            Placement::Embedded,
            "北京市朝阳区建国路88号"
        )]
    );
}

#[test]
fn ids_amounts_and_timestamps_are_not_flagged() {
    for text in [
        "1",
        "42",
        "100234",
        "12345.67",
        "-4999.00",
        "13812345678.00",
        "1,381,234,567,800",
        "2024-06-01 12:30:45+08",
        "2024-06-01T12:30:45.123456Z",
        "20240601123045",
        "20240601123045123456",
        "1712345678",
        "1712345678901",
        "1712345678901234",
        "1712345678901234567",
        "4403012",
        "CNY",
        "active",
        "v1.13812345678",
    ] {
        assert!(detect(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn uuids_and_hex_strings_are_not_flagged() {
    for text in [
        "550e8400-e29b-41d4-a716-446655440000",
        "13812345-6789-4123-8456-622202020011",
        "a13812345678b",
        "deadbeef6222020200112233446",
        "0x6222020200112233446",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdDEzODEyMzQ1Njc4$aGFzaA",
    ] {
        assert!(detect(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn phone_like_sequences_inside_longer_digit_runs_are_not_mobiles() {
    for text in [
        "813812345678",
        "138123456789",
        "订单号20241381234567890",
        "ref 9913812345678",
    ] {
        assert!(
            !detect(text).iter().any(|h| h.kind == Detected::Mobile),
            "{text}: {:?}",
            kinds(text)
        );
    }
}

#[test]
fn luhn_valid_numbers_without_a_card_bin_are_not_cards() {
    // Luhn-valid, but starting with 7, 8, 9 or 1: no card network uses these.
    for text in ["7992739871300008", "8000000000000003", "1000000000000008"] {
        assert!(tuomin_luhn(text), "{text}");
        assert!(
            !detect(text).iter().any(|h| h.kind == Detected::CardNumber),
            "{text}"
        );
    }
}

#[test]
fn common_words_are_not_names() {
    for text in [
        "工资",
        "房租",
        "转账",
        "水电费",
        "餐饮消费",
        "理财赎回",
        "ATM取款",
    ] {
        assert!(detect(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

fn tuomin_luhn(text: &str) -> bool {
    crate::transform::card::luhn_valid(text.as_bytes())
}

proptest::proptest! {
    #[test]
    fn random_text_never_panics_and_spans_fall_on_character_boundaries(
        text in "\\PC{0,120}"
    ) {
        check_spans(&text);
    }

    #[test]
    fn random_number_like_text_never_panics(
        text in "[0-9 \\-@.a-zX;=?D+张王伟欧阳路号省市区广东深圳北京朝阳账号：]{0,80}"
    ) {
        check_spans(&text);
    }
}

fn check_spans(text: &str) {
    let hits = detect(text);
    for pair in hits.windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlap in {text:?}");
    }
    for hit in hits {
        assert!(hit.start < hit.end && hit.end <= text.len());
        assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
    }
}
