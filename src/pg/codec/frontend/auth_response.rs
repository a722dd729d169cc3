//! [`AuthResponse`]: a `p` message whose meaning depends on what the server asked.
//!
//! PasswordMessage, SASLInitialResponse and SASLResponse (and GSSResponse) all share
//! tag `p`; only the authentication exchange in progress says which one it is. The
//! generic decoder keeps the body; the authentication state, which knows what it
//! asked for, calls [`AuthResponse::decode_as`].

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::{PasswordMessage, SaslInitialResponse, SaslResponse};
use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, write_message};

/// A `p` message not yet interpreted. `Debug` shows only its size.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthResponse {
    /// The body (after tag and length).
    pub body: Bytes,
}

/// What the server's last Authentication request was, hence what `p` must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthExpectation {
    /// After AuthenticationCleartextPassword or AuthenticationMD5Password.
    Password,
    /// After AuthenticationSASL.
    SaslInitial,
    /// After AuthenticationSASLContinue.
    SaslContinue,
}

/// A `p` message decoded in context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthResponseKind {
    /// PasswordMessage.
    Password(PasswordMessage),
    /// SASLInitialResponse.
    SaslInitial(SaslInitialResponse),
    /// SASLResponse.
    Sasl(SaslResponse),
}

impl AuthResponse {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::AuthResponse;

    /// Keeps the body for decoding in context.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Ok(AuthResponse { body: body.clone() })
    }

    /// Appends the message, body unchanged, to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.bytes(&self.body);
            Ok(())
        })
    }

    /// Decodes the body as what `expected` says it is.
    pub fn decode_as(&self, expected: AuthExpectation) -> Result<AuthResponseKind, DecodeError> {
        Ok(match expected {
            AuthExpectation::Password => {
                AuthResponseKind::Password(PasswordMessage::decode(&self.body)?)
            }
            AuthExpectation::SaslInitial => {
                AuthResponseKind::SaslInitial(SaslInitialResponse::decode(&self.body)?)
            }
            AuthExpectation::SaslContinue => {
                AuthResponseKind::Sasl(SaslResponse::decode(&self.body)?)
            }
        })
    }
}

impl fmt::Debug for AuthResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthResponse({} bytes)", self.body.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_decodes_differently_by_context() {
        let body = Bytes::from_static(b"SCRAM-SHA-256\0\xff\xff\xff\xff");
        let p = AuthResponse::decode(&body).unwrap();
        assert!(matches!(
            p.decode_as(AuthExpectation::SaslInitial),
            Ok(AuthResponseKind::SaslInitial(SaslInitialResponse {
                data: None,
                ..
            }))
        ));
        assert!(matches!(
            p.decode_as(AuthExpectation::SaslContinue),
            Ok(AuthResponseKind::Sasl(_))
        ));
        // Not a password: the NUL is not at the end.
        assert!(p.decode_as(AuthExpectation::Password).is_err());
    }
}
