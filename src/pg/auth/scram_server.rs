//! The server side of SCRAM-SHA-256 (RFC 5802 / 7677) as PostgreSQL speaks it, checked
//! against a stored [`ScramVerifier`]. Two typed steps: [`ScramServer::start`] reads
//! the client-first message and yields the server-first message and a
//! [`ScramChallenge`]; [`ScramChallenge::finish`] reads the client-final message and
//! yields the server-final message, or a refusal.
//!
//! Channel binding (RFC 5929 `tls-server-end-point`, as PostgreSQL 11+): over TLS the
//! listener offers `SCRAM-SHA-256-PLUS` too, and a client that chooses it proves that
//! its TLS session ends at this listener's certificate (libpq's
//! `channel_binding=require`), so a man in the middle with another certificate cannot
//! relay the login. A client that says it supports channel binding but thinks the
//! server does not (GS2 flag `y`) while it was offered is refused: its offer was
//! stripped on the way. Without TLS, `n` and `y` are accepted and `p` is refused.
//!
//! An unknown consumer goes through the same exchange against a throwaway verifier and
//! fails at the end, so the reply does not tell which user names exist.

use ring::{digest, hmac, rand::SecureRandom};

use super::verifier::{ScramVerifier, base64_engine, hmac_sha256};

/// Why a SCRAM exchange failed. Never carries the client's data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    /// The client's message does not follow the protocol.
    #[error("malformed SCRAM message: {0}")]
    Malformed(&'static str),
    /// The proof does not match: wrong password (or unknown consumer).
    #[error("password authentication failed")]
    BadProof,
}

/// The mechanism name.
pub const MECHANISM: &str = "SCRAM-SHA-256";

/// The mechanism name with channel binding.
pub const MECHANISM_PLUS: &str = "SCRAM-SHA-256-PLUS";

/// The GS2 header of a client that binds to `tls-server-end-point`.
const GS2_END_POINT: &str = "p=tls-server-end-point,,";

/// What was offered and chosen about channel binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding<'a> {
    /// Only SCRAM-SHA-256 was offered (no TLS, or a certificate without an end-point
    /// hash).
    NotOffered,
    /// SCRAM-SHA-256-PLUS was offered and the client chose SCRAM-SHA-256.
    OfferedNotChosen,
    /// The client chose SCRAM-SHA-256-PLUS: the listener certificate's end-point data.
    Chosen(&'a [u8]),
}

/// Starts exchanges.
#[derive(Debug)]
pub struct ScramServer;

/// After the server-first message: waits for the client's proof.
pub struct ScramChallenge {
    verifier: ScramVerifier,
    known: bool,
    nonce: String,
    /// The client-final message's expected `c=`: the GS2 header and any binding data.
    channel: String,
    auth_prefix: String,
}

impl std::fmt::Debug for ScramChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScramChallenge")
    }
}

impl ScramServer {
    /// Reads the client-first message for a consumer whose verifier is `verifier`
    /// (`None`: unknown, or without a PostgreSQL password). Returns the server-first
    /// message to send and the state awaiting the proof.
    pub fn start(
        verifier: Option<&ScramVerifier>,
        client_first: &[u8],
        binding: Binding<'_>,
    ) -> Result<(ScramChallenge, String), ScramError> {
        let text = std::str::from_utf8(client_first)
            .map_err(|_| ScramError::Malformed("client-first is not UTF-8"))?;
        let (gs2_header, bare) = split_gs2(text, binding)?;
        let mut channel = gs2_header.as_bytes().to_vec();
        if let Binding::Chosen(data) = binding {
            channel.extend_from_slice(data);
        }
        let client_nonce = bare
            .split(',')
            .find_map(|a| a.strip_prefix("r="))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b','))
            .ok_or(ScramError::Malformed("client-first has no valid nonce"))?;
        let mut raw = [0u8; 18];
        ring::rand::SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| ScramError::Malformed("no randomness"))?;
        let nonce = format!("{client_nonce}{}", base64_engine::encode(&raw));
        let (verifier, known) = match verifier {
            Some(v) => (v.clone(), true),
            None => (
                ScramVerifier::generate(&base64_engine::encode(&raw), 4096),
                false,
            ),
        };
        let server_first = format!(
            "r={nonce},s={},i={}",
            base64_engine::encode(&verifier.salt),
            verifier.iterations
        );
        let challenge = ScramChallenge {
            auth_prefix: format!("{bare},{server_first}"),
            verifier,
            known,
            nonce,
            channel: base64_engine::encode(&channel),
        };
        Ok((challenge, server_first))
    }
}

/// The client-first message's GS2 header and the bare message after it, checked
/// against what was offered and chosen.
fn split_gs2<'t>(text: &'t str, binding: Binding<'_>) -> Result<(&'t str, &'t str), ScramError> {
    if let Binding::Chosen(_) = binding {
        return text
            .strip_prefix(GS2_END_POINT)
            .map(|bare| (GS2_END_POINT, bare))
            .ok_or(ScramError::Malformed(
                "SCRAM-SHA-256-PLUS was chosen without binding to tls-server-end-point \
                 (the only channel binding type offered), or with an authorization identity",
            ));
    }
    let flag = text
        .get(..2)
        .ok_or(ScramError::Malformed("client-first too short"))?;
    match (flag, binding) {
        ("n,", _) | ("y,", Binding::NotOffered) => {}
        ("y,", _) => {
            return Err(ScramError::Malformed(
                "channel binding negotiation error: the client supports channel binding \
                 and thinks the server does not, but it was offered (SCRAM-SHA-256-PLUS); \
                 the offer may have been stripped on the way",
            ));
        }
        _ if text.starts_with("p=") => {
            return Err(ScramError::Malformed(match binding {
                Binding::NotOffered => "channel binding was requested but is not offered",
                _ => "channel binding was requested without choosing SCRAM-SHA-256-PLUS",
            }));
        }
        _ => return Err(ScramError::Malformed("bad GS2 header")),
    }
    // gs2-header = flag "," [authzid] ","
    let after_flag = &text[2..];
    let comma = after_flag
        .find(',')
        .ok_or(ScramError::Malformed("bad GS2 header"))?;
    if comma != 0 {
        return Err(ScramError::Malformed(
            "authorization identity is not supported",
        ));
    }
    let header_len = 3;
    Ok((&text[..header_len], &text[header_len..]))
}

impl ScramChallenge {
    /// Reads the client-final message; returns the server-final message on success.
    pub fn finish(self, client_final: &[u8]) -> Result<String, ScramError> {
        let text = std::str::from_utf8(client_final)
            .map_err(|_| ScramError::Malformed("client-final is not UTF-8"))?;
        let proof_at = text
            .rfind(",p=")
            .ok_or(ScramError::Malformed("client-final has no proof"))?;
        let without_proof = &text[..proof_at];
        let proof = base64_engine::decode(&text[proof_at + 3..])
            .ok_or(ScramError::Malformed("proof is not base64"))?;
        let mut channel = None;
        let mut nonce = None;
        for attr in without_proof.split(',') {
            if let Some(c) = attr.strip_prefix("c=") {
                channel = Some(c);
            } else if let Some(r) = attr.strip_prefix("r=") {
                nonce = Some(r);
            }
        }
        if channel != Some(self.channel.as_str()) {
            return Err(ScramError::Malformed("channel binding data does not match"));
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Malformed("nonce does not match"));
        }
        if proof.len() != 32 {
            return Err(ScramError::BadProof);
        }
        let auth_message = format!("{},{without_proof}", self.auth_prefix);
        let signature = hmac_sha256(&self.verifier.stored_key, auth_message.as_bytes());
        let mut client_key = [0u8; 32];
        for (i, b) in client_key.iter_mut().enumerate() {
            *b = proof[i] ^ signature[i];
        }
        let computed = digest::digest(&digest::SHA256, &client_key);
        if !equal_in_constant_time(computed.as_ref(), &self.verifier.stored_key) || !self.known {
            return Err(ScramError::BadProof);
        }
        let server_signature = hmac_sha256(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", base64_engine::encode(&server_signature)))
    }
}

/// Equality of two secrets in constant time, with ring: both are MACed under a fresh
/// random key and the tags compared by `hmac::verify` (constant time).
fn equal_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    let mut key = [0u8; 32];
    if ring::rand::SystemRandom::new().fill(&mut key).is_err() {
        return false;
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let tag = hmac::sign(&key, b);
    hmac::verify(&key, a, tag.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

    fn exchange(stored: Option<&ScramVerifier>, password: &str) -> Result<(), ScramError> {
        bound_exchange(
            stored,
            password,
            ChannelBinding::unsupported(),
            Binding::NotOffered,
        )
    }

    /// An exchange with postgres-protocol's client, which binds as `client` says, against
    /// a server where channel binding went as `server` says.
    fn bound_exchange(
        stored: Option<&ScramVerifier>,
        password: &str,
        client: ChannelBinding,
        server: Binding<'_>,
    ) -> Result<(), ScramError> {
        let mut client = ScramSha256::new(password.as_bytes(), client);
        let (challenge, first) = ScramServer::start(stored, client.message(), server)?;
        client
            .update(first.as_bytes())
            .expect("client accepts server-first");
        let last = challenge.finish(client.message())?;
        client
            .finish(last.as_bytes())
            .expect("client accepts server-final");
        Ok(())
    }

    #[test]
    fn the_right_password_is_accepted_by_server_and_client() {
        let v = ScramVerifier::generate("correct horse", 4096);
        exchange(Some(&v), "correct horse").unwrap();
    }

    #[test]
    fn a_wrong_password_is_refused() {
        let v = ScramVerifier::generate("correct horse", 4096);
        assert_eq!(
            exchange(Some(&v), "battery staple"),
            Err(ScramError::BadProof)
        );
    }

    #[test]
    fn an_unknown_consumer_fails_only_at_the_proof() {
        assert_eq!(exchange(None, "anything"), Err(ScramError::BadProof));
    }

    #[test]
    fn channel_binding_requests_are_refused_where_it_is_not_offered_or_not_chosen() {
        for binding in [Binding::NotOffered, Binding::OfferedNotChosen] {
            let r = ScramServer::start(None, b"p=tls-server-end-point,,n=,r=abc", binding);
            assert!(matches!(r, Err(ScramError::Malformed(_))), "{binding:?}");
        }
    }

    #[test]
    fn a_client_bound_to_this_certificate_is_accepted_and_to_another_refused() {
        let v = ScramVerifier::generate("correct horse", 4096);
        let ours = [7u8; 32];
        let bound = |data: &[u8]| ChannelBinding::tls_server_end_point(data.to_vec());
        bound_exchange(
            Some(&v),
            "correct horse",
            bound(&ours),
            Binding::Chosen(&ours),
        )
        .unwrap();
        // A man in the middle's certificate hashes differently.
        assert_eq!(
            bound_exchange(
                Some(&v),
                "correct horse",
                bound(&[8; 32]),
                Binding::Chosen(&ours)
            ),
            Err(ScramError::Malformed("channel binding data does not match"))
        );
        // The right binding does not make a wrong password right.
        assert_eq!(
            bound_exchange(
                Some(&v),
                "battery staple",
                bound(&ours),
                Binding::Chosen(&ours)
            ),
            Err(ScramError::BadProof)
        );
        // SCRAM-SHA-256-PLUS chosen, but the client does not bind (or binds otherwise).
        for first in [
            &b"n,,n=,r=abc"[..],
            b"y,,n=,r=abc",
            b"p=tls-unique,,n=,r=abc",
        ] {
            let r = ScramServer::start(Some(&v), first, Binding::Chosen(&ours));
            assert!(matches!(r, Err(ScramError::Malformed(_))));
        }
    }

    #[test]
    fn a_client_that_thinks_binding_was_not_offered_is_refused_only_where_it_was() {
        let v = ScramVerifier::generate("pw", 4096);
        // `y`: the client could bind but saw no SCRAM-SHA-256-PLUS offered.
        let y = || ChannelBinding::unrequested();
        bound_exchange(Some(&v), "pw", y(), Binding::NotOffered).unwrap();
        let downgraded = bound_exchange(Some(&v), "pw", y(), Binding::OfferedNotChosen);
        assert!(
            matches!(downgraded, Err(ScramError::Malformed(m)) if m.contains("stripped")),
            "{downgraded:?}"
        );
        // `n`: the client does not bind at all (channel_binding=disable): accepted.
        bound_exchange(
            Some(&v),
            "pw",
            ChannelBinding::unsupported(),
            Binding::OfferedNotChosen,
        )
        .unwrap();
    }

    #[test]
    fn garbage_never_panics() {
        for input in [
            &b""[..],
            b"n",
            b"n,,",
            b"n,,r=",
            b"\xff\xfe",
            b"y,a=x,n=,r=1",
        ] {
            for binding in [
                Binding::NotOffered,
                Binding::OfferedNotChosen,
                Binding::Chosen(b"x"),
            ] {
                let _ = ScramServer::start(None, input, binding);
            }
        }
        let v = ScramVerifier::generate("pw", 4096);
        let (c, _) = ScramServer::start(Some(&v), b"n,,n=,r=abc", Binding::NotOffered).unwrap();
        assert!(c.finish(b"c=biws,r=abc,p=!!").is_err());
    }
}
