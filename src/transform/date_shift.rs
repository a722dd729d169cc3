//! `date_shift`: moves every date of one subject by the same number of days, between
//! 1 and `max_days` either way (never 0), drawn from HMAC-SHA256 (the consumer scope's
//! date-shift key) over the subject — the row's subject if given, else the value
//! itself. Intervals between one subject's dates survive; the dates themselves do not.
//! Dates and timestamps keep their shape; a timestamp keeps its time of day and zone.
//!
//! The key is scope-wide (the same for every field of one consumer scope), so one
//! subject's dates move together in every column that names the same subject.

use ring::hmac;

use super::calendar::{civil_from_days, days_from_civil};
use super::datetext::DateText;
use super::spec::DateShiftParams;
use super::{BuildError, Context, Properties, Transform, TransformError};
use crate::keys::{FieldKeys, Purpose};

/// Largest allowed shift: 100 years.
const MAX_SHIFT_DAYS: u32 = 36_500;

/// A ready `date_shift` transform.
pub struct DateShiftTransform {
    key: hmac::Key,
    max_days: u32,
}

impl DateShiftTransform {
    pub fn new(params: &DateShiftParams, keys: FieldKeys<'_>) -> Result<Self, BuildError> {
        if !(1..=MAX_SHIFT_DAYS).contains(&params.max_days) {
            return Err(BuildError(format!(
                "date_shift max_days must be between 1 and {MAX_SHIFT_DAYS}"
            )));
        }
        Ok(DateShiftTransform {
            key: keys.derive_scope_wide(Purpose::DateShift).hmac_key(),
            max_days: params.max_days,
        })
    }

    /// The shift of a subject: ±1..=max_days, never 0.
    pub fn shift_days(&self, subject: &str) -> i64 {
        let tag = hmac::sign(&self.key, subject.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag.as_ref()[..8]);
        let max = u64::from(self.max_days);
        // The modulo bias of a 64-bit draw over ≤ 73,000 values is below 10^-14.
        let k = (u64::from_be_bytes(first) % (2 * max)) as i64;
        let max = max as i64;
        if k < max { -(k + 1) } else { k - max + 1 }
    }

    /// The shifted date or timestamp.
    pub fn shift(&self, input: &str, ctx: &Context<'_>) -> Result<String, TransformError> {
        let date = DateText::parse(input)?;
        let days = days_from_civil(date.year, date.month, date.day);
        let (y, m, d) = civil_from_days(days + self.shift_days(ctx.subject.unwrap_or(input)));
        Ok(date.with_date(y, m, d)?.render())
    }
}

impl Transform for DateShiftTransform {
    fn name(&self) -> &'static str {
        "date_shift"
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
        self.shift(input, ctx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, MasterKey};

    fn transform(max_days: u32, scope: &str) -> DateShiftTransform {
        let master = MasterKey::from_bytes(KeyId(1), [5; 32]);
        let keys = FieldKeys::new(&master, scope, "public.customers.birth_date");
        DateShiftTransform::new(&DateShiftParams { max_days }, keys).unwrap()
    }

    fn day_number(text: &str) -> i64 {
        let d = DateText::parse(text).unwrap();
        days_from_civil(d.year, d.month, d.day)
    }

    #[test]
    fn all_dates_of_one_subject_move_by_the_same_nonzero_offset() {
        let t = transform(30, "qa");
        let ctx = Context {
            subject: Some("customer-42"),
        };
        let shifts: Vec<i64> = ["1990-01-01", "2024-02-29", "2000-12-31"]
            .iter()
            .map(|d| day_number(&t.shift(d, &ctx).unwrap()) - day_number(d))
            .collect();
        assert!(
            shifts
                .iter()
                .all(|&s| s == shifts[0] && s != 0 && s.abs() <= 30)
        );
    }

    #[test]
    fn shifts_cover_both_directions_and_never_zero() {
        let t = transform(3, "qa");
        let shifts: std::collections::BTreeSet<i64> =
            (0..200).map(|i| t.shift_days(&format!("s{i}"))).collect();
        assert_eq!(
            shifts.into_iter().collect::<Vec<_>>(),
            vec![-3, -2, -1, 1, 2, 3]
        );
    }

    #[test]
    fn timestamps_keep_their_time_and_zone() {
        let t = transform(10, "qa");
        let ctx = Context {
            subject: Some("c1"),
        };
        let out = t.shift("2024-03-01 08:30:00.25+08", &ctx).unwrap();
        assert!(out.ends_with(" 08:30:00.25+08"));
        let expected = t.shift("2024-03-01", &ctx).unwrap();
        assert!(out.starts_with(&expected));
    }

    #[test]
    fn another_scope_gives_another_shift_for_some_subject() {
        let (a, b) = (transform(365, "qa"), transform(365, "vendor"));
        assert!((0..10).any(|i| a.shift_days(&i.to_string()) != b.shift_days(&i.to_string())));
    }

    #[test]
    fn zero_or_huge_max_days_are_refused() {
        let master = MasterKey::from_bytes(KeyId(1), [5; 32]);
        let keys = FieldKeys::new(&master, "qa", "d");
        assert!(DateShiftTransform::new(&DateShiftParams { max_days: 0 }, keys).is_err());
        assert!(DateShiftTransform::new(&DateShiftParams { max_days: 40_000 }, keys).is_err());
    }

    #[test]
    fn dates_pushed_past_year_9999_are_refused() {
        let t = transform(30, "qa");
        let ctx = Context { subject: Some("c") };
        let shift = t.shift_days("c");
        let edge = if shift > 0 {
            "9999-12-31"
        } else {
            "0001-01-01"
        };
        assert!(t.shift(edge, &ctx).is_err());
    }
}
