//! [`CancelRequest`]: sent on a fresh connection to cancel a running query.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::ssl_request::expect_code;
use crate::pg::codec::backend::backend_key_data::check_key_len;
use crate::pg::codec::{DecodeError, EncodeError, Reader, write_message};

/// CancelRequest: process id and secret key. The key is 4 bytes in protocol 3.0 and
/// up to 256 bytes in 3.2. `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct CancelRequest {
    /// The backend's process id (the gateway's own, for a client).
    pub process_id: i32,
    /// The secret key.
    pub secret_key: Bytes,
}

impl CancelRequest {
    /// The request code: 1234 << 16 | 5678.
    pub const CODE: u32 = 80877102;

    /// Decodes the packet body after the length.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        expect_code(&mut r, Self::CODE)?;
        let process_id = r.i32()?;
        let key_at = r.position();
        let key_len = check_key_len(r.rest().len())?;
        Ok(CancelRequest {
            process_id,
            secret_key: body.slice(key_at..key_at + key_len),
        })
    }

    /// Appends the packet to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, None, |w| {
            w.u32(Self::CODE);
            w.i32(self.process_id);
            w.bytes(&self.secret_key);
            Ok(())
        })
    }
}

impl fmt::Debug for CancelRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelRequest")
            .field("process_id", &self.process_id)
            .field(
                "secret_key",
                &format_args!("<{} bytes>", self.secret_key.len()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(msg: &CancelRequest) -> CancelRequest {
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        CancelRequest::decode(&buf.freeze().slice(4..)).unwrap()
    }

    #[test]
    fn cancel_request_with_a_four_byte_key_round_trips() {
        let msg = CancelRequest {
            process_id: 4242,
            secret_key: Bytes::from_static(&[1, 2, 3, 4]),
        };
        assert_eq!(round_trip(&msg), msg);
    }

    #[test]
    fn cancel_request_with_a_protocol_3_2_long_key_round_trips() {
        let msg = CancelRequest {
            process_id: 7,
            secret_key: Bytes::from(vec![9u8; 32]),
        };
        assert_eq!(round_trip(&msg), msg);
    }

    #[test]
    fn cancel_request_with_a_short_or_huge_key_is_refused() {
        let short = Bytes::from_static(b"\x04\xd2\x16\x2e\0\0\0\x07\x01\x02");
        assert!(CancelRequest::decode(&short).is_err());
        let mut huge = BytesMut::from(&b"\x04\xd2\x16\x2e\0\0\0\x07"[..]);
        huge.extend_from_slice(&[0u8; 257]);
        assert!(CancelRequest::decode(&huge.freeze()).is_err());
    }

    #[test]
    fn cancel_request_debug_hides_the_key() {
        let msg = CancelRequest {
            process_id: 1,
            secret_key: Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
        };
        assert!(!format!("{msg:?}").contains("222"));
        assert!(format!("{msg:?}").contains("<4 bytes>"));
    }
}
