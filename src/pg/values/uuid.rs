//! `uuid`: 16 bytes ⇄ `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case).

use super::{TypeOid, ValueError};

/// Binary to text.
pub fn to_text(raw: &[u8]) -> Result<String, ValueError> {
    if raw.len() != 16 {
        return Err(ValueError::binary(TypeOid::UUID, "wrong length"));
    }
    let h = hex::encode(raw);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Text to binary: the canonical form, 32 bare hex digits, either in braces.
pub fn from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    let bad = || ValueError::text(TypeOid::UUID, "not a UUID");
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let canonical = t.len() == 36
        && t.char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    let bare: String = match (canonical, t.len()) {
        (true, _) => t.replace('-', ""),
        (false, 32) => t.to_owned(),
        _ => return Err(bad()),
    };
    hex::decode(bare).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_accepts_braces_and_bare_hex_but_not_misplaced_hyphens() {
        let want = from_text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap();
        assert_eq!(
            from_text("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}").unwrap(),
            want
        );
        assert_eq!(from_text("a0eebc999c0b4ef8bb6d6bb9bd380a11").unwrap(), want);
        assert!(from_text("a0eebc999-c0b-4ef8-bb6d-6bb9bd380a11").is_err());
        assert!(from_text("a0eebc99").is_err());
    }
}
