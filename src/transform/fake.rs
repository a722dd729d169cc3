//! `fake_name` and `fake_address`: deterministic, keyed, irreversible fakes drawn from
//! the built-in dictionaries. HMAC-SHA256 under the field's fake key picks every part,
//! so the same input always gets the same fake in one scope and another in another.
//!
//! A fake name is a surname (by census weight, or the real one with `keep_surname`)
//! plus a given name of one or two characters (as many as the real one has, when the
//! input is a Chinese name; else two in about three cases of four). A fake address is
//! a district from the region table (in the real province with `keep_province`, when
//! it is recognised), a street and a number: `广东省深圳市南山区人民路127号`.

use ring::hmac;

use super::address::RegionPrefix;
use super::dictionaries::{self, GIVEN_FEMALE, GIVEN_MALE, STREETS, regions};
use super::name::split_surname;
use super::spec::{FakeAddressParams, FakeNameParams};
use super::{BuildError, Context, Properties, Transform, TransformError};
use crate::keys::{FieldKeys, Purpose};

const FAKE: Properties = Properties {
    deterministic: true,
    reversible: false,
    format_preserving: true,
    de_identifying: true,
};

/// The keyed draws for one input: 32 bytes read as successive numbers.
struct Draws {
    bytes: [u8; 32],
    at: usize,
}

impl Draws {
    fn new(key: &hmac::Key, input: &str) -> Self {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(hmac::sign(key, input.as_bytes()).as_ref());
        Draws { bytes, at: 0 }
    }

    /// The next 32-bit number (the MAC has room for eight).
    fn next(&mut self) -> u64 {
        let mut four = [0u8; 4];
        four.copy_from_slice(&self.bytes[self.at % 32..self.at % 32 + 4]);
        self.at += 4;
        u64::from(u32::from_be_bytes(four))
    }
}

/// A ready `fake_name` transform.
pub struct FakeNameTransform {
    key: hmac::Key,
    keep_surname: bool,
}

impl FakeNameTransform {
    pub fn new(params: &FakeNameParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        Ok(FakeNameTransform {
            key: keys.derive(Purpose::Fake).hmac_key(),
            keep_surname: params.keep_surname,
        })
    }

    /// The fake name of `input`.
    pub fn fake(&self, input: &str) -> String {
        let mut draws = Draws::new(&self.key, input);
        let real = split_surname(input);
        let surname_point = draws.next();
        let surname = match real {
            Some((surname, _)) if self.keep_surname => surname,
            _ => dictionaries::surname_at(surname_point),
        };
        let given_len = match real {
            Some((_, given)) if !given.is_empty() => given.chars().count().min(2),
            _ => 1 + usize::from(!draws.next().is_multiple_of(4)),
        };
        let list = if draws.next().is_multiple_of(2) {
            GIVEN_MALE
        } else {
            GIVEN_FEMALE
        };
        let mut out = surname.to_owned();
        for _ in 0..given_len {
            out.push(dictionaries::char_at(list, draws.next()));
        }
        out
    }
}

impl Transform for FakeNameTransform {
    fn name(&self) -> &'static str {
        "fake_name"
    }

    fn properties(&self) -> Properties {
        FAKE
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(Some(self.fake(input)))
    }
}

/// A ready `fake_address` transform.
pub struct FakeAddressTransform {
    key: hmac::Key,
    keep_province: bool,
}

impl FakeAddressTransform {
    pub fn new(params: &FakeAddressParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        Ok(FakeAddressTransform {
            key: keys.derive(Purpose::Fake).hmac_key(),
            keep_province: params.keep_province,
        })
    }

    /// The fake address of `input`.
    pub fn fake(&self, input: &str) -> String {
        let mut draws = Draws::new(&self.key, input);
        let province = if self.keep_province {
            RegionPrefix::parse(input).province.map(|(code, _)| code)
        } else {
            None
        };
        let candidates: Vec<&regions::District> = match province {
            Some(code) => regions::districts_in_province(code).collect(),
            None => regions::DISTRICTS.iter().collect(),
        };
        let pick = draws.next() as usize;
        let region = match candidates.get(pick % candidates.len().max(1)) {
            Some(district) => regions::full_name(district),
            // A province without districts in the table (台湾, 香港, 澳门).
            None => province
                .and_then(regions::province)
                .map_or_else(String::new, |p| p.name.to_owned()),
        };
        let street = STREETS[draws.next() as usize % STREETS.len()];
        let number = 1 + draws.next() % 299;
        format!("{region}{street}{number}号")
    }
}

impl Transform for FakeAddressTransform {
    fn name(&self) -> &'static str {
        "fake_address"
    }

    fn properties(&self) -> Properties {
        FAKE
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(Some(self.fake(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};
    use crate::transform::name::is_han;

    fn names(keep_surname: bool, scope: &str) -> FakeNameTransform {
        let master = MasterKey::from_bytes(KeyId(1), [9; 32]);
        FakeNameTransform::new(
            &FakeNameParams { keep_surname },
            FieldKeys::new(&master, scope, "n"),
        )
        .unwrap()
    }

    fn addresses(keep_province: bool, scope: &str) -> FakeAddressTransform {
        let master = MasterKey::from_bytes(KeyId(1), [9; 32]);
        let params = FakeAddressParams { keep_province };
        FakeAddressTransform::new(&params, FieldKeys::new(&master, scope, "a")).unwrap()
    }

    #[test]
    fn fake_names_are_chinese_names_of_the_same_given_length() {
        let t = names(false, "qa");
        for input in ["张三", "王小明", "欧阳娜娜"] {
            let out = t.fake(input);
            assert!(out.chars().all(is_han));
            let given = split_surname(&out).unwrap().1.chars().count();
            assert_eq!(
                given,
                split_surname(input).unwrap().1.chars().count().min(2)
            );
        }
    }

    #[test]
    fn the_same_name_gets_the_same_fake_and_another_scope_another() {
        let (a, b) = (names(false, "qa"), names(false, "vendor"));
        assert_eq!(a.fake("张三丰"), a.fake("张三丰"));
        assert!(
            ["张三丰", "李四", "王五", "赵六"]
                .iter()
                .any(|n| a.fake(n) != b.fake(n))
        );
    }

    #[test]
    fn keep_surname_keeps_the_real_compound_surname() {
        let t = names(true, "qa");
        assert!(t.fake("欧阳娜娜").starts_with("欧阳"));
        assert!(t.fake("张三").starts_with('张'));
        assert!(t.fake("John Smith").chars().all(is_han));
    }

    #[test]
    fn fake_addresses_are_built_from_the_region_table() {
        let t = addresses(false, "qa");
        let out = t.fake("北京市朝阳区建国路88号");
        assert!(out.ends_with('号'));
        assert!(RegionPrefix::parse(&out).district.is_some(), "{out}");
        assert_eq!(out, t.fake("北京市朝阳区建国路88号"));
    }

    #[test]
    fn keep_province_keeps_a_recognised_province() {
        let t = addresses(true, "qa");
        for i in 0..20 {
            let out = t.fake(&format!("广东省深圳市南山区科苑路{i}号"));
            assert!(out.starts_with("广东省"), "{out}");
        }
        assert!(
            t.fake("香港特别行政区中环1号")
                .starts_with("香港特别行政区")
        );
    }
}
