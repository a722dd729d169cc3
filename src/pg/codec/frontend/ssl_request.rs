//! [`SslRequest`]: the client asks for TLS before the StartupMessage.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, Reader, write_message};

/// SSLRequest. Bytes the client sends after it and before the TLS handshake must be
/// refused by the session (CVE-2021-23214), not buffered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SslRequest;

impl SslRequest {
    /// The request code: 1234 << 16 | 5679.
    pub const CODE: u32 = 80877103;

    /// Decodes the packet body after the length.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        expect_code(&mut r, Self::CODE)?;
        r.finish()?;
        Ok(SslRequest)
    }

    /// Appends the packet to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, None, |w| {
            w.u32(Self::CODE);
            Ok(())
        })
    }
}

/// Reads the code and checks it is `code`.
pub(crate) fn expect_code(r: &mut Reader<'_>, code: u32) -> Result<(), DecodeError> {
    match r.u32()? {
        c if c == code => Ok(()),
        other => Err(DecodeError::UnknownStartupCode(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_request_is_eight_fixed_bytes_and_round_trips() {
        let mut buf = BytesMut::new();
        SslRequest.encode(&mut buf).unwrap();
        assert_eq!(&buf[..], b"\0\0\0\x08\x04\xd2\x16\x2f");
        assert_eq!(SslRequest::decode(&buf.freeze().slice(4..)), Ok(SslRequest));
    }
}
