//! [`FunctionCallResponse`]: the result of a FunctionCall. The gateway refuses
//! FunctionCall, so it should never see one; it is decoded to recognise it.

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// FunctionCallResponse. `Debug` shows only the result's size.
#[derive(Clone, PartialEq, Eq)]
pub struct FunctionCallResponse {
    /// The result; `None` is NULL.
    pub result: Option<Bytes>,
}

impl FunctionCallResponse {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::FunctionCallResponse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let result = r.nullable()?.map(|range| body.slice(range));
        r.finish()?;
        Ok(FunctionCallResponse { result })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.nullable(self.result.as_deref())
        })
    }
}

impl fmt::Debug for FunctionCallResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FunctionCallResponse({:?} bytes)",
            self.result.as_ref().map(Bytes::len)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn function_call_response_round_trips_with_and_without_a_result() {
        for result in [None, Some(Bytes::from_static(b"\0\0\0\x01"))] {
            let msg = FunctionCallResponse { result };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(
                FunctionCallResponse::decode(&one_frame(&buf).body()),
                Ok(msg)
            );
        }
    }
}
