//! [`type_constraint`]: what a column's type modifier demands of a value, so a masked
//! value can be checked to still fit its column (`varchar(18)`, `numeric(12,2)`).

use super::numeric::{Decimal, parse_decimal};
use super::{TypeOid, ValueError};

/// Constraint from the type and its modifier (`atttypmod`, −1 for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeConstraint {
    /// Nothing beyond the type's own syntax.
    None,
    /// `varchar(n)`: at most n characters.
    MaxChars(u32),
    /// `char(n)`: exactly n characters on the wire (the server pads with spaces);
    /// a shorter masked value must be padded by the caller.
    PaddedChars(u32),
    /// `name`: at most 63 bytes.
    MaxBytes(u32),
    /// `numeric(p,s)`: at most p − s digits before the point, at most s after (s may
    /// be negative in PostgreSQL 15+: the last −s integer digits must then be zero).
    /// Infinities do not fit; NaN does.
    Numeric {
        /// Total significant digits.
        precision: u16,
        /// Digits after the point.
        scale: i16,
    },
    /// `timestamp(p)` / `timestamptz(p)`: at most p fractional digits of a second.
    FractionalSeconds(u8),
}

/// The constraint for a column of type `oid` with modifier `typmod`.
///
/// `varchar`/`bpchar`: n = typmod − 4. `numeric`: precision = ((typmod − 4) >> 16) &
/// 0xffff, scale = the low 11 bits of (typmod − 4), sign-extended (PostgreSQL 15's
/// `numeric_typmod_scale`; equal to `& 0xffff` for the non-negative scales of older
/// versions). Timestamps: p = typmod.
pub fn type_constraint(oid: TypeOid, typmod: i32) -> TypeConstraint {
    let n = typmod.checked_sub(4).and_then(|n| u32::try_from(n).ok());
    match (oid, n) {
        (TypeOid::VARCHAR, Some(n)) => TypeConstraint::MaxChars(n),
        (TypeOid::BPCHAR, Some(n)) => TypeConstraint::PaddedChars(n),
        (TypeOid::NAME, _) => TypeConstraint::MaxBytes(63),
        (TypeOid::NUMERIC, Some(m)) => TypeConstraint::Numeric {
            precision: ((m >> 16) & 0xffff) as u16,
            scale: ((((m & 0x7ff) ^ 1024) as i32) - 1024) as i16,
        },
        (TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ, _) if (0..=6).contains(&typmod) => {
            TypeConstraint::FractionalSeconds(typmod as u8)
        }
        _ => TypeConstraint::None,
    }
}

impl TypeConstraint {
    /// Checks a value's text form against the constraint.
    pub fn check(&self, oid: TypeOid, text: &str) -> Result<(), ValueError> {
        let fail = |reason| Err(ValueError::Constraint { oid, reason });
        match *self {
            TypeConstraint::None => Ok(()),
            TypeConstraint::MaxChars(n) | TypeConstraint::PaddedChars(n) => {
                // A character is at least one byte: short text needs no counting.
                if text.len() > n as usize && text.chars().count() > n as usize {
                    return fail("more characters than the column allows");
                }
                Ok(())
            }
            TypeConstraint::MaxBytes(n) => {
                if text.len() > n as usize {
                    return fail("longer than an identifier may be");
                }
                Ok(())
            }
            TypeConstraint::Numeric { precision, scale } => match parse_decimal(text)? {
                Decimal::NaN => Ok(()),
                Decimal::Infinity { .. } => fail("infinity does not fit a numeric(p,s) column"),
                Decimal::Finite { int, frac, .. } => {
                    let max_int = i64::from(precision) - i64::from(scale);
                    let frac_digits = frac.len() as i64;
                    if (int.len() as i64) > max_int {
                        return fail("too many digits before the decimal point");
                    }
                    if frac_digits > i64::from(scale.max(0)) {
                        return fail("too many digits after the decimal point");
                    }
                    let must_be_zero = usize::try_from(-i64::from(scale)).unwrap_or(0);
                    if int.len() >= must_be_zero
                        && int[int.len() - must_be_zero..].bytes().any(|b| b != b'0')
                    {
                        return fail("digits where the negative scale demands zeros");
                    }
                    Ok(())
                }
            },
            TypeConstraint::FractionalSeconds(p) => {
                let frac = text
                    .split_once('.')
                    .map(|(_, rest)| rest.bytes().take_while(u8::is_ascii_digit).count())
                    .unwrap_or(0);
                if frac > usize::from(p) {
                    return fail("more fractional-second digits than the column keeps");
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varchar_typmod_is_length_plus_four() {
        let c = type_constraint(TypeOid::VARCHAR, 22);
        assert_eq!(c, TypeConstraint::MaxChars(18));
        assert!(c.check(TypeOid::VARCHAR, "11010519491231002X").is_ok());
        assert!(c.check(TypeOid::VARCHAR, "11010519491231002XY").is_err());
        assert!(
            c.check(TypeOid::VARCHAR, "张三李四王五赵六钱七孙八周九吴十郑一")
                .is_ok()
        );
    }

    #[test]
    fn numeric_typmod_gives_precision_and_scale() {
        // numeric(12,2): typmod = (12 << 16 | 2) + 4.
        let c = type_constraint(TypeOid::NUMERIC, (12 << 16 | 2) + 4);
        assert_eq!(
            c,
            TypeConstraint::Numeric {
                precision: 12,
                scale: 2
            }
        );
        assert!(c.check(TypeOid::NUMERIC, "-9999999999.99").is_ok());
        assert!(c.check(TypeOid::NUMERIC, "10000000000.00").is_err());
        assert!(c.check(TypeOid::NUMERIC, "1.234").is_err());
        assert!(c.check(TypeOid::NUMERIC, "Infinity").is_err());
    }

    #[test]
    fn numeric_with_a_negative_scale_demands_trailing_zeros() {
        // numeric(5,-2): scale -2 stored as 11-bit two's complement.
        let typmod = ((5 << 16) | (-2i32 & 0x7ff)) + 4;
        let c = type_constraint(TypeOid::NUMERIC, typmod);
        assert_eq!(
            c,
            TypeConstraint::Numeric {
                precision: 5,
                scale: -2
            }
        );
        assert!(c.check(TypeOid::NUMERIC, "1234500").is_ok());
        assert!(c.check(TypeOid::NUMERIC, "1234567").is_err());
    }

    #[test]
    fn unconstrained_types_accept_anything_well_formed() {
        assert_eq!(type_constraint(TypeOid::VARCHAR, -1), TypeConstraint::None);
        assert_eq!(type_constraint(TypeOid::NUMERIC, -1), TypeConstraint::None);
        assert_eq!(type_constraint(TypeOid::TEXT, 100), TypeConstraint::None);
    }

    #[test]
    fn timestamp_precision_limits_fraction_digits() {
        let c = type_constraint(TypeOid::TIMESTAMP, 0);
        assert!(c.check(TypeOid::TIMESTAMP, "2024-03-05 14:07:09").is_ok());
        assert!(
            c.check(TypeOid::TIMESTAMP, "2024-03-05 14:07:09.5")
                .is_err()
        );
    }
}
