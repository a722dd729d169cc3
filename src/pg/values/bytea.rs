//! `bytea`: raw bytes ⇄ hex text `\x…` (`bytea_output = hex`, the default).

use super::{TypeOid, ValueError};

/// Binary to text.
pub fn to_text(raw: &[u8]) -> String {
    format!("\\x{}", hex::encode(raw))
}

/// Text to binary. Only the hex format is read; the old escape format is refused.
pub fn from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    let hex_digits = text
        .strip_prefix("\\x")
        .ok_or(ValueError::text(TypeOid::BYTEA, "not in \\x hex format"))?;
    hex::decode(hex_digits).map_err(|_| ValueError::text(TypeOid::BYTEA, "bad hex digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytea_escape_format_is_refused() {
        assert!(from_text("abc\\000").is_err());
        assert!(from_text("\\xabc").is_err());
        assert_eq!(from_text("\\xDEAD").unwrap(), vec![0xde, 0xad]);
    }
}
