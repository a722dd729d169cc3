//! The transform registry: every transform the policy can name, with its parameters,
//! and the one place where a named transform becomes a ready [`Transform`].
//!
//! In the policy a rule says `transform = "mask"` and optionally
//! `params = { keep_first = 6, keep_last = 4 }`; [`TransformSpec::from_parts`] turns
//! that into a typed spec, refusing unknown transforms and unknown parameters.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::account::{self, AccountTransform};
use super::alphabet::Charset;
use super::card::{self, CardTransform};
use super::cn_id::CnIdTransform;
use super::email::{self, EmailTransform};
use super::ff1;
use super::generic_fpe::GenericFpeTransform;
use super::mobile::MobileTransform;
use super::uscc::UsccTransform;
use super::{BuildError, Properties, Transform};
use crate::keys::FieldKeys;

/// A transform named in the policy, with its parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "transform", rename_all = "snake_case", deny_unknown_fields)]
pub enum TransformSpec {
    /// The value is replaced by NULL (SQL) / null (JSON).
    Null,
    /// The value never leaves: the statement or response is refused.
    Refuse,
    /// FF1 over an alphabet; characters outside the alphabet stay in place.
    Ff1(Ff1Params),
    /// Bank card: keep the BIN, FF1 over the account digits, recompute Luhn.
    FpeCard(CardParams),
    /// Mainland ID number: region kept or generalized, birth date and sequence
    /// encrypted together (real date, gender parity kept), check character recomputed.
    FpeCnId(CnIdParams),
    /// Mainland mobile: keep the network prefix, FF1 over the rest.
    FpeMobile(MobileParams),
    /// Unified social credit code: FF1 over the organization code, both checks recomputed.
    FpeUscc(UsccParams),
    /// E-mail: FF1 over the local part; domain kept or replaced.
    FpeEmail(EmailParams),
    /// Account number: digits, optional Luhn.
    FpeAccount(AccountParams),
    /// Keyed HMAC-SHA256 token.
    Token(TokenParams),
    /// Keep the first N and last M characters, mask the rest.
    Mask(MaskParams),
    /// Chinese name: keep the surname (compound surnames included), mask the rest.
    MaskName(MaskNameParams),
    /// Address: keep province / city / district, suppress the rest.
    MaskAddress(MaskAddressParams),
    /// Deterministic fake Chinese name from the built-in dictionaries.
    FakeName(FakeNameParams),
    /// Deterministic fake Chinese address from the built-in dictionaries.
    FakeAddress(FakeAddressParams),
    /// Numeric buckets.
    GeneralizeNumber(GeneralizeNumberParams),
    /// Date truncation.
    GeneralizeDate(GeneralizeDateParams),
    /// Deterministic relative noise on amounts.
    Noise(NoiseParams),
    /// Per-subject date shift.
    DateShift(DateShiftParams),
}

/// The alphabet of generic FF1.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alphabet {
    /// `0-9`
    Digits,
    /// `0-9a-z`
    AlnumLower,
    /// `0-9A-Z`
    AlnumUpper,
    /// `0-9A-Za-z`
    Alnum,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ff1Params {
    pub alphabet: Alphabet,
    /// Alphabet characters kept in clear at the start.
    #[serde(default)]
    pub keep_first: usize,
    /// Alphabet characters kept in clear at the end.
    #[serde(default)]
    pub keep_last: usize,
    /// The shortest value the field holds (alphabet characters), for the domain check
    /// at load: radix^(min_length − keep_first − keep_last) must be ≥ 10^6.
    pub min_length: usize,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardParams {
    /// BIN digits kept: 6 or 8.
    #[serde(default = "default_bin")]
    pub keep_bin: usize,
    /// Digits kept before the check digit (the check digit is always recomputed).
    #[serde(default)]
    pub keep_last: usize,
}

fn default_bin() -> usize {
    6
}

/// How much of the 6-digit administrative division an ID number keeps.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegionMode {
    /// All six digits.
    #[default]
    Keep,
    /// The city (first four digits, then `00`).
    City,
    /// The province (first two digits, then `0000`).
    Province,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CnIdParams {
    #[serde(default)]
    pub region: RegionMode,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MobileParams {
    /// Leading digits kept (3 = the network prefix); at most 5 (10^6 left).
    #[serde(default = "default_mobile_prefix")]
    pub keep_prefix: usize,
}

fn default_mobile_prefix() -> usize {
    3
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UsccParams {
    /// Keep the registration authority, type and region (positions 1–8).
    #[serde(default = "default_true")]
    pub keep_region: bool,
}

fn default_true() -> bool {
    true
}

/// What happens to an e-mail's domain.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EmailDomain {
    #[default]
    Keep,
    /// Replaced by `example.com` (reserved by RFC 2606).
    Replace,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailParams {
    #[serde(default)]
    pub domain: EmailDomain,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountParams {
    #[serde(default)]
    pub keep_first: usize,
    #[serde(default)]
    pub keep_last: usize,
    /// The last digit is a Luhn check digit, recomputed.
    #[serde(default)]
    pub luhn: bool,
    /// The shortest account number of the field, for the domain check at load.
    #[serde(default = "default_account_min")]
    pub min_length: usize,
}

fn default_account_min() -> usize {
    10
}

/// Shape of a token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenFormat {
    /// `prefix` + lowercase base32 of the HMAC.
    #[default]
    Base32,
    /// `prefix` + lowercase hex of the HMAC.
    Hex,
    /// `length` decimal digits (no prefix), e.g. to fit a numeric column.
    Digits,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenParams {
    #[serde(default)]
    pub format: TokenFormat,
    #[serde(default = "default_token_prefix")]
    pub prefix: String,
    /// Characters of HMAC output (base32/hex) or digits; at least 6 digits / 8 characters.
    #[serde(default = "default_token_length")]
    pub length: usize,
}

/// Serialized as a reviewer reads it: a `digits` token has no prefix, so none is shown.
impl Serialize for TokenParams {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            format: &'a TokenFormat,
            #[serde(skip_serializing_if = "Option::is_none")]
            prefix: Option<&'a str>,
            length: usize,
        }
        Shown {
            format: &self.format,
            prefix: (self.format != TokenFormat::Digits).then_some(self.prefix.as_str()),
            length: self.length,
        }
        .serialize(serializer)
    }
}

fn default_token_prefix() -> String {
    "tk_".to_owned()
}

fn default_token_length() -> usize {
    16
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaskParams {
    #[serde(default)]
    pub keep_first: usize,
    #[serde(default)]
    pub keep_last: usize,
    #[serde(default = "default_mask_char")]
    pub mask_char: char,
    /// Hidden characters (at least this many are masked, or the whole value is).
    #[serde(default = "default_min_hidden")]
    pub min_hidden: usize,
}

fn default_mask_char() -> char {
    '*'
}

fn default_min_hidden() -> usize {
    4
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaskNameParams {
    #[serde(default = "default_mask_char")]
    pub mask_char: char,
}

/// The level an address is kept to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AddressLevel {
    Province,
    City,
    #[default]
    District,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaskAddressParams {
    #[serde(default)]
    pub keep: AddressLevel,
    /// What replaces the suppressed part (default `***`).
    #[serde(default = "default_address_suffix")]
    pub suffix: String,
}

fn default_address_suffix() -> String {
    "***".to_owned()
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FakeNameParams {
    /// Keep the real surname and fake only the given name.
    #[serde(default)]
    pub keep_surname: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FakeAddressParams {
    /// Keep the real province (when recognised) and fake the rest.
    #[serde(default)]
    pub keep_province: bool,
}

/// How a bucket is written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BucketStyle {
    /// The bucket's lower bound (stays a number: fits numeric columns).
    #[default]
    Floor,
    /// `low-high` text, e.g. `1000-1999.99`.
    Range,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeneralizeNumberParams {
    /// Bucket width, a positive number, e.g. `1000` or `0.5`.
    pub bucket: f64,
    #[serde(default)]
    pub style: BucketStyle,
}

/// What a date is truncated to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateUnit {
    Year,
    Quarter,
    Month,
    Day,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeneralizeDateParams {
    pub to: DateUnit,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseParams {
    /// Largest relative change, e.g. 0.05 for ±5 %.
    pub relative: f64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DateShiftParams {
    /// Largest shift in days, either way (never 0 days).
    pub max_days: u32,
}

impl TransformSpec {
    /// The spec named `name` with `params` (a TOML table, possibly empty).
    pub fn from_parts(name: &str, params: Option<&toml::Table>) -> Result<Self, BuildError> {
        let mut table = params.cloned().unwrap_or_default();
        if table.contains_key("transform") {
            return Err(BuildError(
                "`transform` is not a parameter; name the transform beside `params`".into(),
            ));
        }
        table.insert("transform".into(), toml::Value::String(name.to_owned()));
        TransformSpec::deserialize(table).map_err(|e| BuildError(e.message().to_owned()))
    }

    /// The policy name of this transform.
    pub fn name(&self) -> &'static str {
        match self {
            TransformSpec::Null => "null",
            TransformSpec::Refuse => "refuse",
            TransformSpec::Ff1(_) => "ff1",
            TransformSpec::FpeCard(_) => "fpe_card",
            TransformSpec::FpeCnId(_) => "fpe_cn_id",
            TransformSpec::FpeMobile(_) => "fpe_mobile",
            TransformSpec::FpeUscc(_) => "fpe_uscc",
            TransformSpec::FpeEmail(_) => "fpe_email",
            TransformSpec::FpeAccount(_) => "fpe_account",
            TransformSpec::Token(_) => "token",
            TransformSpec::Mask(_) => "mask",
            TransformSpec::MaskName(_) => "mask_name",
            TransformSpec::MaskAddress(_) => "mask_address",
            TransformSpec::FakeName(_) => "fake_name",
            TransformSpec::FakeAddress(_) => "fake_address",
            TransformSpec::GeneralizeNumber(_) => "generalize_number",
            TransformSpec::GeneralizeDate(_) => "generalize_date",
            TransformSpec::Noise(_) => "noise",
            TransformSpec::DateShift(_) => "date_shift",
        }
    }

    /// Whether this transform can ever let a value of the field out (in any form).
    /// Only `refuse` cannot; `null` lets out the fact that a row exists, no value.
    pub fn refuses(&self) -> bool {
        matches!(self, TransformSpec::Refuse)
    }

    /// The properties of the transform this spec builds, known before building.
    pub fn properties(&self) -> Properties {
        let (reversible, format_preserving, de_identifying) = match self {
            TransformSpec::Null | TransformSpec::Refuse => (false, false, true),
            // Generalizing the region, or replacing the domain, drops what reversal needs.
            TransformSpec::FpeCnId(p) => (p.region == RegionMode::Keep, true, false),
            TransformSpec::FpeEmail(p) => (p.domain == EmailDomain::Keep, true, false),
            TransformSpec::Ff1(_)
            | TransformSpec::FpeCard(_)
            | TransformSpec::FpeMobile(_)
            | TransformSpec::FpeUscc(_)
            | TransformSpec::FpeAccount(_) => (true, true, false),
            TransformSpec::Token(_) => (false, false, true),
            TransformSpec::Mask(_)
            | TransformSpec::MaskName(_)
            | TransformSpec::MaskAddress(_)
            | TransformSpec::FakeName(_)
            | TransformSpec::FakeAddress(_)
            | TransformSpec::GeneralizeDate(_)
            | TransformSpec::Noise(_)
            | TransformSpec::DateShift(_) => (false, true, true),
            // A `low-high` range is text: it no longer fits a numeric column.
            TransformSpec::GeneralizeNumber(p) => (false, p.style == BucketStyle::Floor, true),
        };
        Properties {
            deterministic: true,
            reversible,
            format_preserving,
            de_identifying,
        }
    }

    /// The number of values FF1 permutes for this spec, on the shortest value its
    /// parameters declare (`None` for transforms that are not FF1-based). Policy
    /// validation refuses a spec whose domain is below [`ff1::MIN_DOMAIN`] (10^6).
    ///
    /// - `ff1`: radix^(min_length − keep_first − keep_last);
    /// - `fpe_card`: 10^(15 − keep_bin − keep_last) (a 16-digit card);
    /// - `fpe_cn_id`: 10^8 (8 digits, cycle-walked into 36,524,500 date/sequence values);
    /// - `fpe_mobile`: 10^(11 − keep_prefix);
    /// - `fpe_uscc`: 31^8 keeping the region, else 10^18 (cycle-walked into 10^6 · 31^8);
    /// - `fpe_email`: 36^4, the shortest local part FF1 runs on (shorter ones get a
    ///   keyed surrogate);
    /// - `fpe_account`: 10^(min_length − keep_first − keep_last − luhn).
    pub fn ff1_domain(&self) -> Option<u128> {
        let size = match self {
            TransformSpec::Ff1(p) => ff1::domain_size(
                Charset::of(&p.alphabet).radix(),
                p.min_length.saturating_sub(p.keep_first + p.keep_last),
            ),
            TransformSpec::FpeCard(p) => {
                ff1::domain_size(10, card::free_digits_of_16(p.keep_bin, p.keep_last))
            }
            TransformSpec::FpeCnId(_) => ff1::domain_size(10, 8),
            TransformSpec::FpeMobile(p) => {
                ff1::domain_size(10, 11usize.saturating_sub(p.keep_prefix))
            }
            TransformSpec::FpeUscc(p) if p.keep_region => ff1::domain_size(31, 8),
            TransformSpec::FpeUscc(_) => ff1::domain_size(10, 18),
            TransformSpec::FpeEmail(_) => ff1::domain_size(36, email::MIN_FF1_CHARS),
            TransformSpec::FpeAccount(p) => {
                ff1::domain_size(10, account::free_digits(p, p.min_length))
            }
            _ => return None,
        };
        Some(size)
    }

    /// [`TransformSpec::build`], with a memo of up to `entries` outputs for the
    /// FF1-based transforms (those with an [`Self::ff1_domain`]: their output depends
    /// on the input alone, and encrypting is what costs; see [`super::memo`]).
    /// `entries = 0`: no memo.
    pub fn build_memoized(
        &self,
        keys: FieldKeys<'_>,
        entries: usize,
    ) -> Result<Arc<dyn Transform>, BuildError> {
        let transform = self.build(keys)?;
        Ok(if self.ff1_domain().is_some() && entries > 0 {
            Arc::new(super::memo::Memoized::new(transform, entries))
        } else {
            transform
        })
    }

    /// Builds the ready transform for one field, with its keys. Ciphers and HMAC keys
    /// are built here, once, not per value.
    pub fn build(&self, keys: FieldKeys<'_>) -> Result<Arc<dyn Transform>, BuildError> {
        use super::{address, date_shift, fake, generalize, mask, name, noise, token};
        match self {
            TransformSpec::Null => Ok(Arc::new(super::null::NullTransform)),
            TransformSpec::Refuse => Ok(Arc::new(super::null::RefuseTransform)),
            TransformSpec::Token(p) => Ok(Arc::new(token::TokenTransform::new(p, keys)?)),
            TransformSpec::Mask(p) => Ok(Arc::new(mask::MaskTransform::new(p)?)),
            TransformSpec::MaskName(p) => Ok(Arc::new(name::MaskNameTransform::new(p)?)),
            TransformSpec::MaskAddress(p) => Ok(Arc::new(address::MaskAddressTransform::new(p)?)),
            TransformSpec::FakeName(p) => Ok(Arc::new(fake::FakeNameTransform::new(p, keys)?)),
            TransformSpec::FakeAddress(p) => {
                Ok(Arc::new(fake::FakeAddressTransform::new(p, keys)?))
            }
            TransformSpec::GeneralizeNumber(p) => {
                Ok(Arc::new(generalize::GeneralizeNumberTransform::new(p)?))
            }
            TransformSpec::GeneralizeDate(p) => {
                Ok(Arc::new(generalize::GeneralizeDateTransform::new(p)?))
            }
            TransformSpec::Noise(p) => Ok(Arc::new(noise::NoiseTransform::new(p, keys)?)),
            TransformSpec::DateShift(p) => {
                Ok(Arc::new(date_shift::DateShiftTransform::new(p, keys)?))
            }
            TransformSpec::Ff1(p) => Ok(Arc::new(GenericFpeTransform::new(p, keys)?)),
            TransformSpec::FpeCard(p) => Ok(Arc::new(CardTransform::new(p, keys)?)),
            TransformSpec::FpeCnId(p) => Ok(Arc::new(CnIdTransform::new(p, keys)?)),
            TransformSpec::FpeMobile(p) => Ok(Arc::new(MobileTransform::new(p, keys)?)),
            TransformSpec::FpeUscc(p) => Ok(Arc::new(UsccTransform::new(p, keys)?)),
            TransformSpec::FpeEmail(p) => Ok(Arc::new(EmailTransform::new(p, keys)?)),
            TransformSpec::FpeAccount(p) => Ok(Arc::new(AccountTransform::new(p, keys)?)),
        }
    }
}

#[cfg(test)]
mod fpe_tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};

    fn spec(name: &str, params: &str) -> TransformSpec {
        let table: toml::Table = toml::from_str(params).unwrap();
        TransformSpec::from_parts(name, Some(&table)).unwrap()
    }

    #[test]
    fn card_keeping_bin6_and_last4_has_a_domain_of_10_to_the_5_below_the_minimum() {
        let s = spec("fpe_card", "keep_bin = 6\nkeep_last = 4");
        assert_eq!(s.ff1_domain(), Some(100_000));
        assert!(s.ff1_domain() < Some(ff1::MIN_DOMAIN));
        let master = MasterKey::from_bytes(KeyId(1), [0; 32]);
        assert!(s.build(FieldKeys::new(&master, "qa", "d")).is_err());
    }

    #[test]
    fn only_ff1_based_transforms_get_a_memo_and_only_when_it_has_room() {
        let master = MasterKey::from_bytes(KeyId(1), [0; 32]);
        let ctx = crate::transform::Context { subject: None };
        let remembers = |name: &str, input: &str, entries: usize| {
            let t = spec(name, "")
                .build_memoized(FieldKeys::new(&master, "qa", "d"), entries)
                .unwrap();
            t.apply(input, &ctx).unwrap();
            t.recall_into(input.as_bytes(), &mut String::new())
        };
        assert!(remembers("fpe_mobile", "13812345678", 16));
        assert!(remembers("fpe_card", "6222020200112233446", 16));
        assert!(!remembers("fpe_mobile", "13812345678", 0));
        assert!(!remembers("token", "13812345678", 16));
        assert!(!remembers("mask", "13812345678", 16));
    }

    #[test]
    fn ff1_domains_follow_the_declared_minimum_lengths() {
        assert_eq!(spec("fpe_card", "").ff1_domain(), Some(1_000_000_000));
        assert_eq!(spec("fpe_cn_id", "").ff1_domain(), Some(100_000_000));
        assert_eq!(spec("fpe_mobile", "").ff1_domain(), Some(100_000_000));
        assert_eq!(
            spec("fpe_mobile", "keep_prefix = 5").ff1_domain(),
            Some(1_000_000)
        );
        assert_eq!(spec("fpe_uscc", "").ff1_domain(), Some(31u128.pow(8)));
        assert_eq!(
            spec("fpe_uscc", "keep_region = false").ff1_domain(),
            Some(10u128.pow(18))
        );
        assert_eq!(spec("fpe_email", "").ff1_domain(), Some(36u128.pow(4)));
        assert_eq!(
            spec("fpe_account", "keep_first = 2\nluhn = true\nmin_length = 9").ff1_domain(),
            Some(1_000_000)
        );
        assert_eq!(
            spec("ff1", "alphabet = \"alnum\"\nkeep_last = 2\nmin_length = 5").ff1_domain(),
            Some(62u128.pow(3))
        );
        assert_eq!(spec("null", "").ff1_domain(), None);
    }

    #[test]
    fn every_fpe_spec_builds_and_reports_the_properties_of_what_it_builds() {
        let master = MasterKey::from_bytes(KeyId(1), [0; 32]);
        let keys = FieldKeys::new(&master, "qa", "d");
        for (name, params) in [
            ("ff1", "alphabet = \"digits\"\nmin_length = 8"),
            ("fpe_card", ""),
            ("fpe_cn_id", ""),
            ("fpe_cn_id", "region = \"city\""),
            ("fpe_mobile", ""),
            ("fpe_uscc", ""),
            ("fpe_email", ""),
            ("fpe_email", "domain = \"replace\""),
            ("fpe_account", ""),
        ] {
            let s = spec(name, params);
            let t = s.build(keys).unwrap();
            assert_eq!(t.name(), s.name());
            assert_eq!(t.properties(), s.properties(), "{name} {params}");
        }
        assert!(
            !spec("fpe_cn_id", "region = \"province\"")
                .properties()
                .reversible
        );
        assert!(spec("fpe_cn_id", "").properties().reversible);
    }
}
