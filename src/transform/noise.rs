//! `noise`: deterministic relative noise on amounts. The value is multiplied by a
//! factor in [1 − r, 1 + r] drawn from HMAC-SHA256 (the field's noise key) over the
//! subject (the row's subject if given, else the value) and the value, so the same
//! amount of the same subject always gets the same noise.
//!
//! Arithmetic is exact on the decimal text (scaled integers, never `f64` on the
//! value): r is resolved to millionths, the product is rounded half away from zero to
//! the input's number of decimal places, and the sign is kept. So that a numeric(p,s)
//! value still fits its column, the result never has more integer digits than the
//! input: it is clamped to the largest value with the input's integer digits (e.g.
//! 999.99 + 5 % stays 999.99), which keeps it within the bounds too.

use ring::hmac;

use super::decimal::{self, Decimal};
use super::spec::NoiseParams;
use super::{BuildError, Context, Properties, Transform, TransformError};
use crate::keys::{FieldKeys, Purpose};

/// Resolution of the relative bound: millionths.
const PPM: u128 = 1_000_000;
/// Largest relative bound: ±50 % (beyond that noise stops describing the amount).
const MAX_RELATIVE_PPM: u64 = 500_000;

/// A ready `noise` transform.
pub struct NoiseTransform {
    key: hmac::Key,
    relative_ppm: u64,
}

impl NoiseTransform {
    pub fn new(params: &NoiseParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        let r = params.relative;
        let relative_ppm = (r * 1e6).round();
        if !r.is_finite() || relative_ppm < 1.0 || relative_ppm > MAX_RELATIVE_PPM as f64 {
            return Err(BuildError(
                "noise relative must be between 0.000001 and 0.5 (e.g. 0.05 for ±5 %)".into(),
            ));
        }
        Ok(NoiseTransform {
            key: keys.derive(Purpose::Noise).hmac_key(),
            // Within 1..=500_000 as checked above.
            relative_ppm: relative_ppm as u64,
        })
    }

    /// The signed change in millionths, in [−r, r], for this value and subject.
    fn delta_ppm(&self, input: &str, ctx: &Context<'_>) -> i64 {
        let subject = ctx.subject.unwrap_or(input);
        let mut mac = hmac::Context::with_key(&self.key);
        mac.update(&(subject.len() as u64).to_be_bytes());
        mac.update(subject.as_bytes());
        mac.update(input.as_bytes());
        let tag = mac.sign();
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag.as_ref()[..8]);
        let span = 2 * self.relative_ppm + 1;
        // The modulo bias of a 64-bit draw over ≤ 1,000,001 values is below 10^-13.
        (u64::from_be_bytes(first) % span) as i64 - self.relative_ppm as i64
    }

    /// The noisy amount.
    pub fn noise(&self, input: &str, ctx: &Context<'_>) -> Result<String, TransformError> {
        let value = Decimal::parse(input)?;
        let delta = self.delta_ppm(input, ctx);
        let factor = (PPM as i128 + i128::from(delta)) as u128; // in [0.5, 1.5] · 10^6
        // magnitude < 10^30 and factor ≤ 1.5·10^6: the product fits in u128.
        let product = value.magnitude * factor;
        let rounded = (product + PPM / 2) / PPM;
        let ceiling = 10u128.pow(value.int_digits.max(1) + value.scale) - 1;
        Ok(decimal::render(
            value.negative,
            rounded.min(ceiling),
            value.scale,
        ))
    }
}

impl Transform for NoiseTransform {
    fn name(&self) -> &'static str {
        "noise"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: true,
            de_identifying: true,
        }
    }

    fn apply(&self, input: &str, ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        self.noise(input, ctx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};

    fn noise(relative: f64, scope: &str, input: &str, subject: Option<&str>) -> String {
        let master = MasterKey::from_bytes(KeyId(1), [3; 32]);
        let keys = FieldKeys::new(&master, scope, "public.accounts.balance");
        NoiseTransform::new(&NoiseParams { relative }, keys)
            .unwrap()
            .noise(input, &Context { subject })
            .unwrap()
    }

    #[test]
    fn noisy_amounts_keep_scale_and_sign_and_stay_within_bounds() {
        for input in ["12345.67", "-500.00", "0.01", "88000000.5"] {
            let out = noise(0.05, "qa", input, None);
            let (a, b) = (
                Decimal::parse(input).unwrap(),
                Decimal::parse(&out).unwrap(),
            );
            assert_eq!(a.scale, b.scale);
            assert_eq!(a.negative, b.negative || b.magnitude == 0);
            let diff = a.magnitude.abs_diff(b.magnitude);
            assert!(diff * 100 <= a.magnitude * 5 + 100, "{input} → {out}");
        }
    }

    #[test]
    fn the_same_amount_and_subject_give_the_same_noise() {
        let a = noise(0.1, "qa", "1000.00", Some("customer-7"));
        assert_eq!(a, noise(0.1, "qa", "1000.00", Some("customer-7")));
        let others: Vec<String> = (0..8)
            .map(|i| noise(0.1, &format!("scope{i}"), "1000.00", Some("customer-7")))
            .collect();
        assert!(others.iter().any(|o| *o != a));
    }

    #[test]
    fn integer_digits_never_grow() {
        for subject in ["a", "b", "c", "d", "e", "f"] {
            let out = noise(0.5, "qa", "999.99", Some(subject));
            assert!(Decimal::parse(&out).unwrap().magnitude <= 99_999);
        }
        assert_eq!(noise(0.5, "qa", "0.00", None), "0.00");
    }

    #[test]
    fn relative_bounds_outside_the_allowed_range_are_refused() {
        let master = MasterKey::from_bytes(KeyId(1), [3; 32]);
        let keys = FieldKeys::new(&master, "qa", "d");
        for relative in [0.0, -0.1, 0.6, f64::NAN] {
            assert!(NoiseTransform::new(&NoiseParams { relative }, keys).is_err());
        }
    }

    #[test]
    fn malformed_amounts_are_refused_without_echoing_them() {
        let master = MasterKey::from_bytes(KeyId(1), [3; 32]);
        let t = NoiseTransform::new(
            &NoiseParams { relative: 0.05 },
            FieldKeys::new(&master, "qa", "d"),
        )
        .unwrap();
        let err = t.noise("12,345.67", &Context::default()).unwrap_err();
        assert!(!err.to_string().contains("12,345"));
    }
}
