//! Exact decimal text: `[-+]digits[.digits]` parsed into a scaled integer and written
//! back with a chosen number of decimal places. Generalization and noise compute on
//! these, never on `f64`, so a numeric(14,2) stays exact and keeps its scale.

use super::TransformError;

/// Most significant digits accepted (integer and fraction together): keeps every
/// intermediate product well inside `u128` / `i128`.
pub const MAX_DIGITS: usize = 30;

const EXPECTED: &str = "decimal number (at most 30 digits, no exponent)";

/// A decimal number: `magnitude / 10^scale`, with a sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    pub magnitude: u128,
    /// Digits after the decimal point, as written.
    pub scale: u32,
    /// Digits before the decimal point, as written (leading zeros included).
    pub int_digits: u32,
}

impl Decimal {
    /// Parses `[-+]digits[.digits]`: no exponent, no spaces, no `NaN`/`Infinity`,
    /// digits on both sides of a point.
    pub fn parse(text: &str) -> Result<Self, TransformError> {
        let malformed = || TransformError::Malformed { expected: EXPECTED };
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty()
            || !digits_only(int_part)
            || !digits_only(frac_part)
            || (body.contains('.') && frac_part.is_empty())
            || int_part.len() + frac_part.len() > MAX_DIGITS
        {
            return Err(malformed());
        }
        let mut magnitude: u128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            magnitude = magnitude * 10 + u128::from(b - b'0');
        }
        Ok(Decimal {
            negative,
            magnitude,
            scale: frac_part.len() as u32,
            int_digits: int_part.len() as u32,
        })
    }

    /// The decimal of a positive, finite `f64` as its shortest exact text (`1000`,
    /// `0.5`), for policy parameters given as TOML numbers.
    pub fn from_f64_param(value: f64) -> Option<Self> {
        if !value.is_finite() || value <= 0.0 {
            return None;
        }
        // `Display` of f64 gives the shortest text that reads back as the same value,
        // never in exponent form.
        Decimal::parse(&format!("{value}")).ok()
    }

    /// The magnitude at `scale` decimal places (exact when `scale` ≥ `self.scale`,
    /// truncated otherwise). `None` if it would not fit.
    pub fn magnitude_at(&self, scale: u32) -> Option<u128> {
        if scale >= self.scale {
            self.magnitude
                .checked_mul(10u128.checked_pow(scale - self.scale)?)
        } else {
            Some(self.magnitude / 10u128.checked_pow(self.scale - scale)?)
        }
    }
}

/// Writes `magnitude / 10^scale` with its sign; zero is never written with a sign.
pub fn render(negative: bool, magnitude: u128, scale: u32) -> String {
    let digits = magnitude.to_string();
    let scale = scale as usize;
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
    let sign = if negative && magnitude != 0 { "-" } else { "" };
    if frac_part.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac_part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_into_scaled_integers() {
        let d = Decimal::parse("-12345.67").unwrap();
        assert_eq!(
            (d.negative, d.magnitude, d.scale, d.int_digits),
            (true, 1_234_567, 2, 5)
        );
        assert_eq!(Decimal::parse("+0.5").unwrap().magnitude, 5);
    }

    #[test]
    fn exponents_blanks_and_special_values_are_malformed() {
        for text in [
            "", "-", ".5", "5.", "1e5", " 1", "1 ", "NaN", "Infinity", "1.2.3", "--1", "１",
        ] {
            assert!(Decimal::parse(text).is_err(), "{text} should be refused");
        }
        assert!(Decimal::parse(&"9".repeat(31)).is_err());
    }

    #[test]
    fn rendering_keeps_the_scale_and_drops_the_sign_of_zero() {
        assert_eq!(render(false, 1_200_000, 2), "12000.00");
        assert_eq!(render(true, 5, 3), "-0.005");
        assert_eq!(render(true, 0, 2), "0.00");
        assert_eq!(render(false, 42, 0), "42");
    }

    #[test]
    fn float_parameters_become_their_shortest_decimal() {
        assert_eq!(Decimal::from_f64_param(1000.0).unwrap().magnitude, 1000);
        let half = Decimal::from_f64_param(0.05).unwrap();
        assert_eq!((half.magnitude, half.scale), (5, 2));
        assert!(Decimal::from_f64_param(0.0).is_none());
        assert!(Decimal::from_f64_param(f64::NAN).is_none());
    }
}
