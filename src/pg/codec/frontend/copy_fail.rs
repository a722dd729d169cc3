//! [`CopyFail`]: the client aborts a `COPY FROM STDIN`.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// CopyFail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyFail {
    /// Why the client gave up.
    pub message: String,
}

impl CopyFail {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::CopyFail;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let message = r.cstr()?.to_owned();
        r.finish()?;
        Ok(CopyFail { message })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("copy failure message", &self.message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn copy_fail_round_trips() {
        let msg = CopyFail {
            message: "aborted by user".into(),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(CopyFail::decode(&one_frame(&buf).body()), Ok(msg));
    }
}
