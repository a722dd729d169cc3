//! [`SaslResponse`]: a further SASL message from the client (client-final-message).

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, write_message};

/// SASLResponse. `Debug` shows only the size.
#[derive(Clone, PartialEq, Eq)]
pub struct SaslResponse {
    /// The mechanism-specific data (the whole body).
    pub data: Bytes,
}

impl SaslResponse {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::AuthResponse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Ok(SaslResponse { data: body.clone() })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.bytes(&self.data);
            Ok(())
        })
    }
}

impl fmt::Debug for SaslResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaslResponse({} bytes)", self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn sasl_response_round_trips() {
        let msg = SaslResponse {
            data: Bytes::from_static(b"c=biws,r=abc,p=xyz"),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(SaslResponse::decode(&one_frame(&buf).body()), Ok(msg));
    }
}
