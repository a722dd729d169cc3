//! `generalize_number` and `generalize_date`: replace a value by the bucket it falls
//! in.
//!
//! Numbers are bucketed on their exact decimal text. The magnitude is bucketed and the
//! sign kept (`-12345.67` with bucket 1000 → `-12000.00`), and the output keeps the
//! input's number of decimal places, so a numeric(p,s) value still fits its column.
//! `floor` writes the bucket's lower bound; `range` writes `low-high` where high is
//! the largest value of the bucket at the input's scale (`12000.00-12999.99`); a
//! negative bucket is written in numeric order, `-12999.99--12000.00`.
//!
//! Dates and timestamps are truncated to the year, quarter, month or day and keep
//! their shape: a timestamp stays a timestamp at 00:00:00, with its zone as written.

use super::datetext::DateText;
use super::decimal::{self, Decimal};
use super::spec::{BucketStyle, DateUnit, GeneralizeDateParams, GeneralizeNumberParams};
use super::{BuildError, Context, Properties, Transform, TransformError};

const GENERALIZED: Properties = Properties {
    deterministic: true,
    reversible: false,
    format_preserving: true,
    de_identifying: true,
};

/// Largest number of decimals a bucket width may have.
const MAX_BUCKET_SCALE: u32 = 12;

/// A ready `generalize_number` transform.
pub struct GeneralizeNumberTransform {
    bucket: Decimal,
    style: BucketStyle,
}

impl GeneralizeNumberTransform {
    pub fn new(params: &GeneralizeNumberParams) -> Result<Self, BuildError> {
        let bucket = Decimal::from_f64_param(params.bucket)
            .filter(|b| b.magnitude > 0 && b.scale <= MAX_BUCKET_SCALE)
            .ok_or_else(|| {
                BuildError(format!(
                    "generalize_number bucket must be a positive number with at most \
                     {MAX_BUCKET_SCALE} decimals and {} digits",
                    decimal::MAX_DIGITS
                ))
            })?;
        Ok(GeneralizeNumberTransform {
            bucket,
            style: params.style.clone(),
        })
    }

    /// The generalized text of a decimal number.
    pub fn generalize(&self, input: &str) -> Result<String, TransformError> {
        let value = Decimal::parse(input)?;
        let overflow = TransformError::Malformed {
            expected: "decimal number small enough for the bucket",
        };
        let scale = value.scale.max(self.bucket.scale);
        let (v, b) = value
            .magnitude_at(scale)
            .zip(self.bucket.magnitude_at(scale))
            .ok_or(overflow.clone())?;
        let low = v / b * b;
        let unit = 10u128.pow(scale - value.scale);
        let low_out = low / unit;
        let sign = value.negative;
        let low_text = decimal::render(sign, low_out, value.scale);
        match self.style {
            BucketStyle::Floor => Ok(low_text),
            BucketStyle::Range => {
                let next = low.checked_add(b).ok_or(overflow)?;
                let high_out = (next / unit).saturating_sub(1).max(low_out);
                let high_text = decimal::render(sign, high_out, value.scale);
                Ok(if sign && high_out != 0 {
                    format!("{high_text}-{low_text}")
                } else {
                    format!("{low_text}-{high_text}")
                })
            }
        }
    }
}

impl Transform for GeneralizeNumberTransform {
    fn name(&self) -> &'static str {
        "generalize_number"
    }

    fn properties(&self) -> Properties {
        Properties {
            format_preserving: self.style == BucketStyle::Floor,
            ..GENERALIZED
        }
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        self.generalize(input).map(Some)
    }
}

/// A ready `generalize_date` transform.
pub struct GeneralizeDateTransform {
    to: DateUnit,
}

impl GeneralizeDateTransform {
    pub fn new(params: &GeneralizeDateParams) -> Result<Self, BuildError> {
        Ok(GeneralizeDateTransform {
            to: params.to.clone(),
        })
    }

    /// The truncated date or timestamp.
    pub fn generalize(&self, input: &str) -> Result<String, TransformError> {
        let date = DateText::parse(input)?;
        let (y, m, d) = (date.year, date.month, date.day);
        let (m, d) = match self.to {
            DateUnit::Year => (1, 1),
            DateUnit::Quarter => ((m - 1) / 3 * 3 + 1, 1),
            DateUnit::Month => (m, 1),
            DateUnit::Day => (m, d),
        };
        Ok(date.with_date(y, m, d)?.at_midnight().render())
    }
}

impl Transform for GeneralizeDateTransform {
    fn name(&self) -> &'static str {
        "generalize_date"
    }

    fn properties(&self) -> Properties {
        GENERALIZED
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        self.generalize(input).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(bucket: f64, style: BucketStyle, input: &str) -> Result<String, TransformError> {
        GeneralizeNumberTransform::new(&GeneralizeNumberParams { bucket, style })
            .unwrap()
            .generalize(input)
    }

    fn date(to: DateUnit, input: &str) -> Result<String, TransformError> {
        GeneralizeDateTransform::new(&GeneralizeDateParams { to })
            .unwrap()
            .generalize(input)
    }

    #[test]
    fn floor_bucket_keeps_the_input_scale() {
        assert_eq!(
            number(1000.0, BucketStyle::Floor, "12345.67").unwrap(),
            "12000.00"
        );
        assert_eq!(
            number(1000.0, BucketStyle::Floor, "12345").unwrap(),
            "12000"
        );
        assert_eq!(number(0.5, BucketStyle::Floor, "3.14").unwrap(), "3.00");
        assert_eq!(
            number(1000.0, BucketStyle::Floor, "999.99").unwrap(),
            "0.00"
        );
    }

    #[test]
    fn negative_values_bucket_their_magnitude_and_keep_the_sign() {
        assert_eq!(
            number(1000.0, BucketStyle::Floor, "-12345.67").unwrap(),
            "-12000.00"
        );
        assert_eq!(number(1000.0, BucketStyle::Floor, "-5.00").unwrap(), "0.00");
    }

    #[test]
    fn range_style_writes_low_and_high_at_the_input_scale() {
        assert_eq!(
            number(1000.0, BucketStyle::Range, "12345.67").unwrap(),
            "12000.00-12999.99"
        );
        assert_eq!(
            number(1000.0, BucketStyle::Range, "12345").unwrap(),
            "12000-12999"
        );
        assert_eq!(
            number(1000.0, BucketStyle::Range, "-12345.67").unwrap(),
            "-12999.99--12000.00"
        );
        assert_eq!(number(0.5, BucketStyle::Range, "3.7").unwrap(), "3.5-3.9");
    }

    #[test]
    fn malformed_numbers_and_bad_buckets_are_refused() {
        assert!(number(1000.0, BucketStyle::Floor, "1e5").is_err());
        assert!(number(1000.0, BucketStyle::Floor, "abc").is_err());
        let bad = |bucket| {
            GeneralizeNumberTransform::new(&GeneralizeNumberParams {
                bucket,
                style: BucketStyle::Floor,
            })
        };
        assert!(bad(0.0).is_err());
        assert!(bad(-10.0).is_err());
        assert!(bad(f64::INFINITY).is_err());
    }

    #[test]
    fn dates_truncate_to_each_unit() {
        assert_eq!(date(DateUnit::Year, "1987-08-15").unwrap(), "1987-01-01");
        assert_eq!(date(DateUnit::Quarter, "1987-08-15").unwrap(), "1987-07-01");
        assert_eq!(date(DateUnit::Quarter, "1987-03-31").unwrap(), "1987-01-01");
        assert_eq!(date(DateUnit::Month, "1987-08-15").unwrap(), "1987-08-01");
        assert_eq!(date(DateUnit::Day, "1987-08-15").unwrap(), "1987-08-15");
    }

    #[test]
    fn timestamps_stay_timestamps_at_midnight() {
        assert_eq!(
            date(DateUnit::Month, "2024-03-15 13:45:09+08").unwrap(),
            "2024-03-01 00:00:00+08"
        );
        assert_eq!(
            date(DateUnit::Day, "2024-03-15T13:45:09.123456Z").unwrap(),
            "2024-03-15T00:00:00.000000Z"
        );
    }

    #[test]
    fn malformed_dates_are_refused() {
        assert!(date(DateUnit::Year, "2023-02-29").is_err());
        assert!(date(DateUnit::Year, "15/08/1987").is_err());
    }
}
