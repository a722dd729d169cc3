//! Fixed-size scalars: `bool`, `int2`, `int4`, `int8`.

use super::{TypeOid, ValueError};

fn fixed<const N: usize>(oid: TypeOid, raw: &[u8]) -> Result<[u8; N], ValueError> {
    raw.try_into()
        .map_err(|_| ValueError::binary(oid, "wrong length"))
}

/// Binary to text for `bool`: `t` or `f` (as `boolout` writes; any non-zero byte is
/// true, as `boolrecv` reads).
pub fn bool_to_text(raw: &[u8]) -> Result<String, ValueError> {
    let [b] = fixed::<1>(TypeOid::BOOL, raw)?;
    Ok(if b != 0 { "t" } else { "f" }.to_owned())
}

/// Text to binary for `bool`, accepting PostgreSQL's spellings.
pub fn bool_from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Ok(vec![1]),
        "f" | "false" | "n" | "no" | "off" | "0" => Ok(vec![0]),
        _ => Err(ValueError::text(TypeOid::BOOL, "not a boolean")),
    }
}

/// Binary to text for the integer types.
pub fn int_to_text(oid: TypeOid, raw: &[u8]) -> Result<String, ValueError> {
    Ok(match oid {
        TypeOid::INT2 => i16::from_be_bytes(fixed(oid, raw)?).to_string(),
        TypeOid::INT4 => i32::from_be_bytes(fixed(oid, raw)?).to_string(),
        _ => i64::from_be_bytes(fixed(oid, raw)?).to_string(),
    })
}

/// Text to binary for the integer types; out of range is an error, as in PostgreSQL.
pub fn int_from_text(oid: TypeOid, text: &str) -> Result<Vec<u8>, ValueError> {
    let t = text.trim();
    let bad = |_| ValueError::text(oid, "not an integer in range");
    Ok(match oid {
        TypeOid::INT2 => t.parse::<i16>().map_err(bad)?.to_be_bytes().to_vec(),
        TypeOid::INT4 => t.parse::<i32>().map_err(bad)?.to_be_bytes().to_vec(),
        _ => t.parse::<i64>().map_err(bad)?.to_be_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_out_of_range_are_refused() {
        assert!(int_from_text(TypeOid::INT2, "32768").is_err());
        assert_eq!(
            int_from_text(TypeOid::INT2, " -5 ").unwrap(),
            vec![0xff, 0xfb]
        );
    }

    #[test]
    fn integer_of_the_wrong_width_is_refused() {
        assert!(int_to_text(TypeOid::INT4, &[0, 1]).is_err());
    }

    #[test]
    fn booleans_accept_postgres_spellings() {
        assert_eq!(bool_from_text("YES").unwrap(), vec![1]);
        assert_eq!(bool_from_text("off").unwrap(), vec![0]);
        assert!(bool_from_text("maybe").is_err());
    }
}
