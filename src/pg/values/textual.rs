//! Types whose binary form is their text: `text`, `varchar`, `bpchar`, `name`,
//! `json`; and `jsonb`, which is a version byte (1) then the text.

use super::{TypeOid, ValueError};

/// Checks UTF-8 (the gateway insists on `client_encoding=UTF8`) and the absence of
/// NUL, which no PostgreSQL text value can hold.
pub fn utf8(oid: TypeOid, raw: &[u8]) -> Result<&str, ValueError> {
    let text = std::str::from_utf8(raw).map_err(|_| ValueError::InvalidUtf8 { oid })?;
    if has_nul(raw) {
        return Err(ValueError::text(oid, "contains a NUL"));
    }
    Ok(text)
}

/// Whether `bytes` hold a NUL, which no PostgreSQL text value may. Runs on every
/// masked value, twice: values of a few dozen bytes are read eight at a time (a
/// word has a zero byte iff `(x - 0x01..01) & !x & 0x80..80` is non-zero), where
/// `memchr`'s setup would cost more than the scan; longer ones go to `memchr`.
pub fn has_nul(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    if bytes.len() > 64 {
        return bytes.contains(&0);
    }
    let mut words = bytes.chunks_exact(8);
    let in_words = words.by_ref().any(|word| {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let x = u64::from_ne_bytes(w);
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    });
    // The last few bytes one by one (`contains` would call `memchr`).
    in_words
        || words
            .remainder()
            .iter()
            .fold(false, |nul, &b| nul | (b == 0))
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
    fn has_nul_finds_a_nul_at_every_place_of_values_short_and_long() {
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200] {
            let clean: Vec<u8> = (0..len).map(|i| 1 + (i % 255) as u8).collect();
            assert!(!has_nul(&clean), "{len}");
            // Bytes that trip naive word tricks: 0x80 and 0x01 neighbours.
            assert!(
                !has_nul(&vec![0x80; len]) && !has_nul(&vec![0x01; len]),
                "{len}"
            );
            for at in 0..len {
                let mut v = clean.clone();
                v[at] = 0;
                assert!(has_nul(&v), "{len} {at}");
            }
        }
    }

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
