//! `numeric`: base-10000 binary form ⇄ exact decimal text.
//!
//! Binary layout (`numeric_send`): `Int16` ndigits, `Int16` weight (of the first
//! digit, in powers of 10000), `UInt16` sign (0x0000 +, 0x4000 −, 0xC000 NaN,
//! 0xD000 +Infinity, 0xF000 −Infinity), `Int16` dscale (digits after the point in
//! the text form), then ndigits base-10000 digits.

use super::{TypeOid, ValueError};
use crate::pg::codec::Reader;

const POS: u16 = 0x0000;
const NEG: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PINF: u16 = 0xD000;
const NINF: u16 = 0xF000;
const MAX_DSCALE: usize = 0x3FFF;

fn bad(reason: &'static str) -> ValueError {
    ValueError::binary(TypeOid::NUMERIC, reason)
}

/// Binary to PostgreSQL's text output.
pub fn to_text(raw: &[u8]) -> Result<String, ValueError> {
    let mut r = Reader::new(raw);
    let short = |_| bad("truncated");
    let ndigits = usize::try_from(r.i16().map_err(short)?).map_err(|_| bad("negative ndigits"))?;
    let weight = i64::from(r.i16().map_err(short)?);
    let sign = r.i16().map_err(short)? as u16;
    let dscale = usize::try_from(r.i16().map_err(short)?).map_err(|_| bad("negative dscale"))?;
    let digits = (0..ndigits)
        .map(|_| match r.i16() {
            Ok(d @ 0..=9999) => Ok(d as u16),
            Ok(_) => Err(bad("digit out of range")),
            Err(_) => Err(bad("truncated")),
        })
        .collect::<Result<Vec<u16>, _>>()?;
    r.finish().map_err(|_| bad("trailing bytes"))?;
    match sign {
        NAN => return Ok("NaN".into()),
        PINF => return Ok("Infinity".into()),
        NINF => return Ok("-Infinity".into()),
        POS | NEG => {}
        _ => return Err(bad("invalid sign")),
    }
    if dscale > MAX_DSCALE {
        return Err(bad("dscale out of range"));
    }
    let digit = |k: i64| {
        usize::try_from(k)
            .ok()
            .and_then(|k| digits.get(k))
            .copied()
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == NEG && digits.iter().any(|d| *d != 0) {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0).to_string());
        for k in 1..=weight {
            out.push_str(&format!("{:04}", digit(k)));
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut frac = String::with_capacity(dscale + 4);
        let mut k = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(k)));
            k += 1;
        }
        out.push_str(&frac[..dscale]);
    }
    Ok(out)
}

/// A decimal number read from text, before conversion to base 10000.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decimal {
    /// `NaN`
    NaN,
    /// `±Infinity`
    Infinity { negative: bool },
    /// A finite number: `int` without leading zeros (maybe empty), `frac` as written
    /// (its length is the display scale).
    Finite {
        negative: bool,
        int: String,
        frac: String,
    },
}

/// Reads numeric text: sign, digits, point, digits, exponent; NaN and infinities.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, ValueError> {
    let bad = || ValueError::text(TypeOid::NUMERIC, "not a number");
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Ok(Decimal::NaN),
        "infinity" | "+infinity" | "inf" | "+inf" => {
            return Ok(Decimal::Infinity { negative: false });
        }
        "-infinity" | "-inf" => return Ok(Decimal::Infinity { negative: true }),
        _ => {}
    }
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(bad());
    }
    if exp.unsigned_abs() as usize > MAX_DSCALE {
        return Err(bad());
    }
    let (mut int, mut frac) = (int.to_owned(), frac.to_owned());
    if exp > 0 {
        let shift = exp as usize;
        frac.extend(std::iter::repeat_n('0', shift.saturating_sub(frac.len())));
        int.push_str(&frac[..shift]);
        frac = frac[shift..].to_owned();
    } else if exp < 0 {
        let shift = exp.unsigned_abs() as usize;
        let pad = shift.saturating_sub(int.len());
        int.insert_str(0, &"0".repeat(pad));
        let at = int.len() - shift;
        frac.insert_str(0, &int[at..]);
        int.truncate(at);
    }
    if frac.len() > MAX_DSCALE {
        return Err(bad());
    }
    let int = int.trim_start_matches('0').to_owned();
    Ok(Decimal::Finite {
        negative,
        int,
        frac,
    })
}

/// Text to binary, as `numeric_send` would write the value.
pub fn from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    let (negative, int, frac) = match parse_decimal(text)? {
        Decimal::NaN => return Ok(header(0, 0, NAN, 0)),
        // PostgreSQL 15 sends infinities with dscale 32; receivers ignore it.
        Decimal::Infinity { negative } => {
            return Ok(header(0, 0, if negative { NINF } else { PINF }, 32));
        }
        Decimal::Finite {
            negative,
            int,
            frac,
        } => (negative, int, frac),
    };
    let dscale = frac.len();
    let int_pad = (4 - int.len() % 4) % 4;
    let frac_pad = (4 - frac.len() % 4) % 4;
    let all = format!("{}{int}{frac}{}", "0".repeat(int_pad), "0".repeat(frac_pad));
    let mut groups: Vec<u16> = all
        .as_bytes()
        .chunks(4)
        .map(|c| c.iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0')))
        .collect();
    let mut weight = ((int.len() + int_pad) / 4) as i64 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let too_big = || ValueError::text(TypeOid::NUMERIC, "number out of range");
    if groups.is_empty() {
        return Ok(header(0, 0, POS, dscale as i16));
    }
    let weight = i16::try_from(weight).map_err(|_| too_big())?;
    let ndigits = i16::try_from(groups.len()).map_err(|_| too_big())?;
    let mut out = header(
        ndigits,
        weight,
        if negative { NEG } else { POS },
        dscale as i16,
    );
    groups
        .iter()
        .for_each(|g| out.extend_from_slice(&g.to_be_bytes()));
    Ok(out)
}

fn header(ndigits: i16, weight: i16, sign: u16, dscale: i16) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 2 * ndigits.max(0) as usize);
    out.extend_from_slice(&ndigits.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_text_with_an_exponent_is_shifted_exactly() {
        let t = |s: &str| to_text(&from_text(s).unwrap()).unwrap();
        assert_eq!(t("1.5e3"), "1500");
        assert_eq!(t("-12.5E-3"), "-0.0125");
        assert_eq!(t("000123.4500"), "123.4500");
        assert_eq!(t(".5"), "0.5");
    }

    #[test]
    fn numeric_text_that_is_not_a_number_is_refused() {
        for s in ["", "-", "1.2.3", "abc", "1e", "12a", "."] {
            assert!(from_text(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn numeric_binary_with_a_digit_above_9999_is_refused() {
        let raw = [0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10];
        assert!(to_text(&raw).is_err());
    }

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(to_text(&[0, 0, 0, 0, 0x40, 0, 0, 1]).unwrap(), "0.0");
    }
}
