//! One generator per kind of demo value (names, ID numbers, cards, mobiles, e-mails,
//! addresses, timestamps, memos), and the check digits they need (Luhn, GB 11643).
//! All draw from the caller's seeded generator, so the data set is reproducible.

use rand::Rng;
use rand::rngs::StdRng;

use crate::transform::calendar::{civil_from_days, days_from_civil};
use crate::transform::card::luhn_check_digit;
use crate::transform::cn_id::cn_id_check_char;
use crate::transform::dictionaries::{self, GIVEN_FEMALE, GIVEN_MALE, STREETS, regions};

/// UnionPay-style BINs (all start with 62) and the card length issued under each.
const CARD_BINS: &[(&str, usize)] = &[
    ("622202", 19),
    ("622848", 19),
    ("621700", 19),
    ("622588", 16),
    ("625807", 16),
    ("621483", 16),
];

/// Real mainland mobile network prefixes.
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182",
    "183", "184", "185", "186", "187", "188", "189", "198", "199",
];

/// Domains reserved for examples (RFC 2606 / RFC 6761): no demo e-mail is anyone's.
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A Chinese name: weighted surname and one or two given characters.
pub fn person_name(rng: &mut StdRng, female: bool) -> String {
    let mut name =
        dictionaries::surname_at(rng.random_range(0..dictionaries::surname_weight_total()))
            .to_owned();
    let list = if female { GIVEN_FEMALE } else { GIVEN_MALE };
    let given = if rng.random_bool(0.75) { 2 } else { 1 };
    for _ in 0..given {
        name.push(dictionaries::char_at(list, rng.random()));
    }
    name
}

/// A district with a real GB/T 2260 code.
pub fn district(rng: &mut StdRng) -> &'static regions::District {
    &regions::DISTRICTS[rng.random_range(0..regions::DISTRICTS.len())]
}

/// A valid 18-character ID number born on `birth` (days since 1970-01-01) in
/// `district`, with the sequence's parity giving the sex.
pub fn id_number(rng: &mut StdRng, district: u32, birth: i64, female: bool) -> String {
    let (y, m, d) = civil_from_days(birth);
    let seq = rng.random_range(0..500u32) * 2 + u32::from(!female);
    let first17 = format!("{district:06}{y:04}{m:02}{d:02}{seq:03}");
    // `first17` is 17 ASCII digits by construction, so the check character exists.
    let check = cn_id_check_char(first17.as_bytes()).map_or('0', char::from);
    format!("{first17}{check}")
}

/// A birth date between 1950-01-01 and 2005-12-31, as a day number.
pub fn birth_day(rng: &mut StdRng) -> i64 {
    rng.random_range(days_from_civil(1950, 1, 1)..=days_from_civil(2005, 12, 31))
}

/// A mainland mobile number `1[3-9]` + 9 digits, on a real network prefix.
pub fn mobile(rng: &mut StdRng) -> String {
    let prefix = MOBILE_PREFIXES[rng.random_range(0..MOBILE_PREFIXES.len())];
    format!("{prefix}{}", digits(rng, 8))
}

/// An e-mail on a reserved example domain.
pub fn email(rng: &mut StdRng) -> String {
    let len = rng.random_range(4..9);
    let local: String = (0..len)
        .map(|_| char::from(rng.random_range(b'a'..=b'z')))
        .collect();
    let domain = EMAIL_DOMAINS[rng.random_range(0..EMAIL_DOMAINS.len())];
    format!("{local}{}@{domain}", rng.random_range(1..1000))
}

/// A street address in `district`: `广东省深圳市南山区人民路127号3栋2单元501室`.
pub fn address(rng: &mut StdRng, district: &regions::District) -> String {
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let mut out = format!(
        "{}{street}{}号",
        regions::full_name(district),
        rng.random_range(1..300)
    );
    if rng.random_bool(0.6) {
        out.push_str(&format!(
            "{}栋{}单元{}{:02}室",
            rng.random_range(1..20),
            rng.random_range(1..5),
            rng.random_range(1..30),
            rng.random_range(1..5)
        ));
    }
    out
}

/// An argon2id-shaped password hash with random salt and digest (not a hash of
/// anything).
pub fn password_hash(rng: &mut StdRng) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(B64[rng.random_range(0..64)]))
            .collect()
    };
    let salt = b64(22);
    let hash = b64(43);
    format!("$argon2id$v=19$m=65536,t=3,p=4${salt}${hash}")
}

/// A UnionPay-style card number (BIN 62…, 16 or 19 digits, valid Luhn).
pub fn card_number(rng: &mut StdRng) -> String {
    let (bin, len) = CARD_BINS[rng.random_range(0..CARD_BINS.len())];
    let body = format!("{bin}{}", digits(rng, len - bin.len() - 1));
    // `body` is ASCII digits by construction, so the check digit exists.
    let check = luhn_check_digit(body.as_bytes()).map_or('0', char::from);
    format!("{body}{check}")
}

/// An account number of 16 to 19 digits (not starting with 0).
pub fn account_number(rng: &mut StdRng) -> String {
    let len = rng.random_range(16..=19);
    format!("{}{}", rng.random_range(1..10), digits(rng, len - 1))
}

/// `n` random decimal digits (CVV, SMS codes).
pub fn code(rng: &mut StdRng, n: usize) -> String {
    digits(rng, n)
}

/// Magnetic track 2 of a card: `;PAN=YYMM` + service code + discretionary data `?`.
pub fn track2(rng: &mut StdRng, card_no: &str, expiry_year: i64, expiry_month: u32) -> String {
    let discretionary = digits(rng, 10);
    format!(
        ";{card_no}={:02}{expiry_month:02}201{discretionary}?",
        expiry_year % 100
    )
}

/// An amount of money `units.cents`, at most `max_units`, as numeric(14,2) text.
pub fn money(rng: &mut StdRng, max_units: u64, negative: bool) -> String {
    // Spread over orders of magnitude, as real balances and amounts are.
    let magnitude = 10u64.pow(rng.random_range(1..=max_units.max(10).ilog10()));
    let units = rng.random_range(0..magnitude.min(max_units));
    let sign = if negative { "-" } else { "" };
    format!("{sign}{units}.{:02}", rng.random_range(0..100))
}

/// A timestamp `YYYY-MM-DD HH:MM:SS+08` at `seconds` after 1970-01-01 00:00 (+08).
pub fn timestamp(seconds: i64) -> String {
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    let s = seconds.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+08",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A date `YYYY-MM-DD` of a day number.
pub fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A random moment between two day numbers, in seconds.
pub fn moment_between(rng: &mut StdRng, from_day: i64, to_day: i64) -> i64 {
    rng.random_range(from_day * 86_400..to_day.max(from_day + 1) * 86_400)
}

/// A company name for counterparties: `深圳市华信科技有限公司`.
pub fn company_name(rng: &mut StdRng) -> String {
    const WORDS: &[&str] = &[
        "华信", "恒通", "金盛", "宏达", "新元", "瑞丰", "鼎立", "安和",
    ];
    const TRADES: &[&str] = &["科技", "贸易", "物业管理", "餐饮", "电子商务", "建材"];
    let city = &regions::CITIES[rng.random_range(0..regions::CITIES.len())];
    let word = WORDS[rng.random_range(0..WORDS.len())];
    let trade = TRADES[rng.random_range(0..TRADES.len())];
    format!("{}{word}{trade}有限公司", city.name)
}

/// A free-text memo; about one in eight carries a card number or a mobile number, as
/// real memos do, for the egress scanner to find.
pub fn memo(rng: &mut StdRng, card_no: &str, mobile: &str) -> String {
    const PLAIN: &[&str] = &[
        "工资",
        "房租",
        "转账",
        "水电费",
        "网购",
        "退款",
        "餐饮消费",
        "话费充值",
        "信用卡还款",
        "理财赎回",
        "保险费",
        "学费",
        "物业费",
        "ATM取款",
    ];
    match rng.random_range(0..16) {
        0 => format!("还款至卡号{card_no}"),
        1 => format!("请回电{mobile}确认"),
        _ => PLAIN[rng.random_range(0..PLAIN.len())].to_owned(),
    }
}
