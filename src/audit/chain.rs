//! The chain: each line is `{…record…,"mac":"<hex>"}` where the MAC is
//! HMAC-SHA256(audit key, body) and the body is the exact line with the `mac` member
//! removed — i.e. the record's JSON, which itself holds the previous record's MAC in
//! `prev`. Verification needs no re-serialization: it works on the bytes as written.

use ring::hmac;

use super::record::AuditRecord;

/// The `prev` of the first record of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const MAC_MEMBER_PREFIX: &str = ",\"mac\":\"";
/// `,"mac":"` + 64 hex digits + `"}`.
const MAC_SUFFIX_LEN: usize = MAC_MEMBER_PREFIX.len() + 64 + 2;

/// Serializes `record` and seals it: the full line (without newline) and its MAC.
pub fn seal(key: &hmac::Key, record: &AuditRecord) -> Result<(String, String), serde_json::Error> {
    let mut line = Vec::new();
    let mac = seal_into(key, record, &mut line)?;
    // serde_json writes UTF-8, and the MAC member is ASCII.
    let line = String::from_utf8(line).map_err(serde::ser::Error::custom)?;
    Ok((line, mac))
}

/// [`seal`] into a buffer the caller reuses (cleared first); returns the MAC (hex).
pub fn seal_into(
    key: &hmac::Key,
    record: &AuditRecord,
    line: &mut Vec<u8>,
) -> Result<String, serde_json::Error> {
    line.clear();
    serde_json::to_writer(&mut *line, record)?;
    let mac = hex::encode(hmac::sign(key, line).as_ref());
    line.pop(); // the closing brace, re-added after the MAC
    line.extend_from_slice(MAC_MEMBER_PREFIX.as_bytes());
    line.extend_from_slice(mac.as_bytes());
    line.extend_from_slice(b"\"}");
    Ok(mac)
}

/// Splits a sealed line into (body as sealed, MAC hex); `None` if it is not sealed.
pub fn unseal(line: &str) -> Option<(String, &str)> {
    if line.len() < MAC_SUFFIX_LEN + 2 || !line.ends_with("\"}") {
        return None;
    }
    let split = line.len() - MAC_SUFFIX_LEN;
    let (head, tail) = line.split_at(split);
    let mac = tail.strip_prefix(MAC_MEMBER_PREFIX)?.strip_suffix("\"}")?;
    if mac.len() != 64 || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((format!("{head}}}"), mac))
}

/// Whether `mac` is the MAC of `body` (constant-time comparison).
pub fn mac_matches(key: &hmac::Key, body: &str, mac: &str) -> bool {
    match hex::decode(mac) {
        Ok(tag) => hmac::verify(key, body.as_bytes(), &tag).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::{AuditDecision, AuditEvent, Channel};

    fn record() -> AuditRecord {
        AuditRecord {
            seq: 1,
            event: AuditEvent {
                time: "2026-11-23T10:00:00.000Z".into(),
                consumer: "qa".into(),
                scenario: "dev_test".into(),
                channel: Channel::File,
                client: None,
                source: vec!["public.customers".into()],
                fields: vec![],
                rows: 3,
                decision: AuditDecision::Masked,
                reason: None,
                fingerprint: None,
                key_id: "k1".into(),
            },
            prev: GENESIS.into(),
        }
    }

    #[test]
    fn a_sealed_line_unseals_to_its_body_and_mac() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        let (line, mac) = seal(&key, &record()).unwrap();
        let (body, found) = unseal(&line).unwrap();
        assert_eq!(found, mac);
        assert!(mac_matches(&key, &body, found));
        assert_eq!(body, serde_json::to_string(&record()).unwrap());
    }

    #[test]
    fn one_changed_byte_breaks_the_mac() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        let (line, _) = seal(&key, &record()).unwrap();
        let tampered = line.replace("\"rows\":3", "\"rows\":4");
        let (body, mac) = unseal(&tampered).unwrap();
        assert!(!mac_matches(&key, &body, mac));
    }

    #[test]
    fn a_cut_line_does_not_unseal() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        let (line, _) = seal(&key, &record()).unwrap();
        assert!(unseal(&line[..line.len() - 5]).is_none());
    }
}
