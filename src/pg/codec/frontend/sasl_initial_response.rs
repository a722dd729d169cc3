//! [`SaslInitialResponse`]: the chosen SASL mechanism and the client-first-message.

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// SASLInitialResponse. `Debug` shows the mechanism, not the data.
#[derive(Clone, PartialEq, Eq)]
pub struct SaslInitialResponse {
    /// The mechanism, e.g. `SCRAM-SHA-256`.
    pub mechanism: String,
    /// The initial response; `None` when sent as length −1.
    pub data: Option<Bytes>,
}

impl SaslInitialResponse {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::AuthResponse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let mechanism = r.cstr()?.to_owned();
        let data = r.nullable()?.map(|range| body.slice(range));
        r.finish()?;
        Ok(SaslInitialResponse { mechanism, data })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("SASL mechanism", &self.mechanism)?;
            w.nullable(self.data.as_deref())
        })
    }
}

impl fmt::Debug for SaslInitialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslInitialResponse")
            .field("mechanism", &self.mechanism)
            .field("data", &self.data.as_ref().map(Bytes::len))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn sasl_initial_response_round_trips_with_and_without_data() {
        for data in [None, Some(Bytes::from_static(b"n,,n=,r=abc"))] {
            let msg = SaslInitialResponse {
                mechanism: "SCRAM-SHA-256".into(),
                data,
            };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(
                SaslInitialResponse::decode(&one_frame(&buf).body()),
                Ok(msg)
            );
        }
    }
}
