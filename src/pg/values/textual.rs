//! Types whose binary form is their text: `text`, `varchar`, `bpchar`, `name`,
//! `json`; and `jsonb`, which is a version byte (1) then the text.

use super::{TypeOid, ValueError};

/// Checks UTF-8 (the gateway insists on `client_encoding=UTF8`) and the absence of
/// NUL, which no PostgreSQL text value can hold.
pub fn utf8(oid: TypeOid, raw: &[u8]) -> Result<&str, ValueError> {
    let text = std::str::from_utf8(raw).map_err(|_| ValueError::InvalidUtf8 { oid })?;
    if text.contains('\0') {
        return Err(ValueError::text(oid, "contains a NUL"));
    }
    Ok(text)
}

/// Checks that text is one JSON value.
pub fn check_json(oid: TypeOid, text: &str) -> Result<(), ValueError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|_| ValueError::text(oid, "not valid JSON"))
}

/// Binary `jsonb` to text.
pub fn jsonb_to_text(raw: &[u8]) -> Result<String, ValueError> {
    match raw.split_first() {
        Some((1, text)) => {
            let text = utf8(TypeOid::JSONB, text)?;
            check_json(TypeOid::JSONB, text)?;
            Ok(text.to_owned())
        }
        _ => Err(ValueError::binary(TypeOid::JSONB, "unknown jsonb version")),
    }
}

/// Text to binary `jsonb`.
pub fn jsonb_from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    check_json(TypeOid::JSONB, text)?;
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(1);
    out.extend_from_slice(text.as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_of_an_unknown_version_is_refused() {
        assert!(jsonb_to_text(b"\x02{}").is_err());
        assert!(jsonb_to_text(b"").is_err());
    }

    #[test]
    fn invalid_json_is_refused() {
        assert!(jsonb_from_text("{\"a\":").is_err());
        assert!(check_json(TypeOid::JSON, "[1, 2]").is_ok());
    }
}
