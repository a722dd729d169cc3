//! `float4` and `float8`, with PostgreSQL's text output (12+, `extra_float_digits`
//! 1): the shortest digits that read back exactly, in plain notation for decimal
//! exponents from −4 up to 14 (`float8`) or 5 (`float4`), else as `1e+20`.

use super::{TypeOid, ValueError};

/// Formats shortest-round-trip digits the way PostgreSQL does.
/// `sci` is Rust's `{:e}` output (shortest digits for the value's own width).
fn pg_style(sci: String, max_plain_exp: i32) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..=max_plain_exp).contains(&exp) {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs());
    }
    let n = digits.len() as i32;
    if exp < 0 {
        return format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize));
    }
    if n <= exp + 1 {
        return format!("{sign}{digits}{}", "0".repeat((exp + 1 - n) as usize));
    }
    let (int, frac) = digits.split_at((exp + 1) as usize);
    format!("{sign}{int}.{frac}")
}

fn special(is_nan: bool, is_inf: bool, negative: bool) -> Option<String> {
    match (is_nan, is_inf, negative) {
        (true, _, _) => Some("NaN".into()),
        (_, true, false) => Some("Infinity".into()),
        (_, true, true) => Some("-Infinity".into()),
        _ => None,
    }
}

/// Binary to text for `float4` / `float8`.
pub fn float_to_text(oid: TypeOid, raw: &[u8]) -> Result<String, ValueError> {
    let wrong = |_| ValueError::binary(oid, "wrong length");
    if oid == TypeOid::FLOAT4 {
        let v = f32::from_be_bytes(raw.try_into().map_err(wrong)?);
        if let Some(s) = special(v.is_nan(), v.is_infinite(), v < 0.0) {
            return Ok(s);
        }
        return Ok(pg_style(format!("{v:e}"), 5));
    }
    let v = f64::from_be_bytes(raw.try_into().map_err(wrong)?);
    if let Some(s) = special(v.is_nan(), v.is_infinite(), v < 0.0) {
        return Ok(s);
    }
    Ok(pg_style(format!("{v:e}"), 14))
}

/// Text to binary for `float4` / `float8`; a finite number too large for the type is
/// an error (PostgreSQL says "out of range"), not infinity.
pub fn float_from_text(oid: TypeOid, text: &str) -> Result<Vec<u8>, ValueError> {
    let t = text.trim();
    let bad = || ValueError::text(oid, "not a number in range");
    let word = t.trim_start_matches(['+', '-']).to_ascii_lowercase();
    let is_word = matches!(word.as_str(), "inf" | "infinity" | "nan");
    if oid == TypeOid::FLOAT4 {
        let v: f32 = t.parse().map_err(|_| bad())?;
        if v.is_infinite() && !is_word {
            return Err(bad());
        }
        return Ok(v.to_be_bytes().to_vec());
    }
    let v: f64 = t.parse().map_err(|_| bad())?;
    if v.is_infinite() && !is_word {
        return Err(bad());
    }
    Ok(v.to_be_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float8_uses_exponent_notation_from_1e15() {
        let t = |v: f64| float_to_text(TypeOid::FLOAT8, &v.to_be_bytes()).unwrap();
        assert_eq!(t(1e15), "1e+15");
        assert_eq!(t(1e14), "100000000000000");
        assert_eq!(t(-0.0), "-0");
        assert_eq!(t(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn overflowing_text_is_refused_but_infinity_is_accepted() {
        assert!(float_from_text(TypeOid::FLOAT4, "1e39").is_err());
        assert!(float_from_text(TypeOid::FLOAT4, "-Infinity").is_ok());
        assert!(float_from_text(TypeOid::FLOAT8, "NaN").is_ok());
    }
}
