//! Property tests across the format-preserving transforms: the format is kept, check
//! digits are valid, outputs are deterministic, `reverse` undoes `apply`, two scopes
//! or two fields give two pseudonyms, and the output differs from the input.

use std::sync::Arc;

use proptest::prelude::*;
use tuomin::keys::{FieldKeys, KeyId, MasterKey};
use tuomin::transform::card::{luhn_check_digit, luhn_valid};
use tuomin::transform::cn_id::cn_id_check_char;
use tuomin::transform::uscc::{org_code_check, uscc_check18, uscc_valid};
use tuomin::transform::{Context, Transform, TransformSpec};

const CTX: Context<'static> = Context { subject: None };

fn build(name: &str, params: &str, scope: &str) -> Arc<dyn Transform> {
    build_in(name, params, scope, "public.t.c")
}

fn build_in(name: &str, params: &str, scope: &str, domain: &str) -> Arc<dyn Transform> {
    let master = MasterKey::from_bytes(KeyId(1), [7; 32]);
    let table: toml::Table = toml::from_str(params).unwrap();
    let spec = TransformSpec::from_parts(name, Some(&table)).unwrap();
    spec.build(FieldKeys::new(&master, scope, domain)).unwrap()
}

/// Checks every shared property on one input; `same_shape` compares formats.
fn check_all(
    name: &str,
    params: &str,
    input: &str,
    valid: impl Fn(&str) -> bool,
    same_shape: impl Fn(&str, &str) -> bool,
) -> Result<(), TestCaseError> {
    let t = build(name, params, "qa");
    let out = t.apply(input, &CTX).unwrap().unwrap();
    prop_assert!(valid(&out), "{name}: output fails its format checks");
    prop_assert!(same_shape(input, &out), "{name}: output changed the format");
    prop_assert_eq!(t.apply(input, &CTX).unwrap().unwrap(), out.clone());
    prop_assert_eq!(t.reverse(&out, &CTX).unwrap(), input);
    let other = build(name, params, "vendor")
        .apply(input, &CTX)
        .unwrap()
        .unwrap();
    prop_assert_ne!(&other, &out, "{}: two scopes gave one pseudonym", name);
    let elsewhere = build_in(name, params, "qa", "public.t.other")
        .apply(input, &CTX)
        .unwrap()
        .unwrap();
    prop_assert_ne!(&elsewhere, &out, "{}: two fields gave one pseudonym", name);
    prop_assert_ne!(&out, input, "{}: output equals input", name);
    Ok(())
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..10, n)
        .prop_map(|d| d.iter().map(|&x| char::from(b'0' + x)).collect())
}

fn with_luhn(body: String) -> String {
    let check = luhn_check_digit(body.as_bytes()).unwrap();
    format!("{body}{}", char::from(check))
}

fn same_length(a: &str, b: &str) -> bool {
    a.len() == b.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn card_numbers(len in 16usize..=19, body in digits(18)) {
        let card = with_luhn(format!("62{}", &body[..len - 3]));
        check_all("fpe_card", "", &card, |o| luhn_valid(o.as_bytes()) && o.bytes().all(|c| c.is_ascii_digit()),
            |a, b| a.len() == b.len() && a[..6] == b[..6])?;
    }

    #[test]
    fn id_numbers(
        region in digits(6),
        day in 0u32..73_049,
        seq in 0u32..1000,
    ) {
        let date = date_of(day);
        let body = format!("{region}{date}{seq:03}");
        let check = char::from(cn_id_check_char(body.as_bytes()).unwrap());
        let id = format!("{body}{check}");
        check_all("fpe_cn_id", "", &id,
            |o| cn_id_check_char(&o.as_bytes()[..17]) == Some(o.as_bytes()[17]),
            |a, b| a.len() == 18 && b.len() == 18 && a[..6] == b[..6]
                && a.as_bytes()[16] % 2 == b.as_bytes()[16] % 2
                && b[6..10].parse::<u32>().is_ok_and(|y| (1900..=2099).contains(&y)))?;
    }

    #[test]
    fn mobile_numbers(second in 3u8..=9, rest in digits(9)) {
        let mobile = format!("1{second}{rest}");
        check_all("fpe_mobile", "", &mobile, |o| o.bytes().all(|c| c.is_ascii_digit()),
            |a, b| a.len() == b.len() && a[..3] == b[..3])?;
    }

    #[test]
    fn credit_codes(
        keep_region in any::<bool>(),
        region in digits(6),
        body in prop::collection::vec(0usize..31, 8),
    ) {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        let body: String = body.iter().map(|&i| char::from(ALPHABET[i])).collect();
        let mut code = format!("91{region}{body}");
        code.push(char::from(org_code_check(body.as_bytes()).unwrap()));
        code.push(char::from(uscc_check18(code.as_bytes()).unwrap()));
        let params = format!("keep_region = {keep_region}");
        check_all("fpe_uscc", &params, &code, |o| uscc_valid(o.as_bytes()),
            |a, b| a.len() == b.len() && a[..2] == b[..2] && (!keep_region || a[..8] == b[..8]))?;
    }

    #[test]
    fn email_addresses(local in "[a-z0-9]{2,8}[._+-][a-z0-9]{2,12}", domain in "[a-z]{2,8}\\.(com|cn)") {
        let address = format!("{local}@{domain}");
        check_all("fpe_email", "", &address, |o| o.ends_with(&format!("@{domain}")),
            |a, b| a.len() == b.len()
                && a.bytes().zip(b.bytes()).all(|(x, y)| x.is_ascii_alphanumeric() == y.is_ascii_alphanumeric()))?;
    }

    #[test]
    fn account_numbers(len in 13usize..=20, body in digits(20)) {
        let account = with_luhn(body[..len - 1].to_owned());
        check_all("fpe_account", "keep_first = 4\nkeep_last = 2\nluhn = true\nmin_length = 13", &account,
            |o| luhn_valid(o.as_bytes()),
            |a, b| a.len() == b.len() && a[..4] == b[..4])?;
    }

    #[test]
    fn generic_alnum_references(reference in "[A-Z]{2}-[0-9A-Za-z]{6,20}") {
        check_all("ff1", "alphabet = \"alnum\"\nkeep_first = 2\nmin_length = 8", &reference,
            |o| o.is_ascii(),
            |a, b| same_length(a, b) && a[..3] == b[..3])?;
    }
}

/// `YYYYMMDD` of the day `day` after 1900-01-01 (test-side, by counting).
fn date_of(mut day: u32) -> String {
    let mut year = 1900;
    loop {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let len = if leap { 366 } else { 365 };
        if day < len {
            let months = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut month = 0;
            while day >= months[month] {
                day -= months[month];
                month += 1;
            }
            return format!("{year:04}{:02}{:02}", month + 1, day + 1);
        }
        day -= len;
        year += 1;
    }
}
