//! [`GssEncRequest`]: the client asks for GSSAPI encryption before the StartupMessage.

use bytes::{Bytes, BytesMut};

use super::ssl_request::expect_code;
use crate::pg::codec::{DecodeError, EncodeError, Reader, write_message};

/// GSSENCRequest. The gateway does not offer GSSAPI encryption; it answers `N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GssEncRequest;

impl GssEncRequest {
    /// The request code: 1234 << 16 | 5680.
    pub const CODE: u32 = 80877104;

    /// Decodes the packet body after the length.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        expect_code(&mut r, Self::CODE)?;
        r.finish()?;
        Ok(GssEncRequest)
    }

    /// Appends the packet to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, None, |w| {
            w.u32(Self::CODE);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gssenc_request_round_trips() {
        let mut buf = BytesMut::new();
        GssEncRequest.encode(&mut buf).unwrap();
        assert_eq!(&buf[..], b"\0\0\0\x08\x04\xd2\x16\x30");
        assert_eq!(
            GssEncRequest::decode(&buf.freeze().slice(4..)),
            Ok(GssEncRequest)
        );
    }
}
