//! [`BackendKeyData`]: process id and secret key, for a later CancelRequest.

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// The longest secret key protocol 3.2 allows.
pub const MAX_KEY_LEN: usize = 256;

/// BackendKeyData. The key is 4 bytes in protocol 3.0 and 4 to 256 bytes in 3.2.
/// `Debug` never shows the key. The gateway sends clients its own, random keys and
/// maps them to the upstream's (threat 16: cancel-key guessing).
#[derive(Clone, PartialEq, Eq)]
pub struct BackendKeyData {
    /// The backend's process id.
    pub process_id: i32,
    /// The secret key.
    pub secret_key: Bytes,
}

/// Checks a secret key length: 4 to [`MAX_KEY_LEN`] bytes.
pub(crate) fn check_key_len(len: usize) -> Result<usize, DecodeError> {
    if (4..=MAX_KEY_LEN).contains(&len) {
        Ok(len)
    } else {
        Err(DecodeError::Invalid {
            what: "secret key length",
            value: len as i64,
        })
    }
}

impl BackendKeyData {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::BackendKeyData;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let process_id = r.i32()?;
        let at = r.position();
        let len = check_key_len(r.rest().len())?;
        Ok(BackendKeyData {
            process_id,
            secret_key: body.slice(at..at + len),
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.i32(self.process_id);
            w.bytes(&self.secret_key);
            Ok(())
        })
    }
}

impl fmt::Debug for BackendKeyData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendKeyData")
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
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn backend_key_data_round_trips_with_short_and_long_keys() {
        for key in [vec![1u8, 2, 3, 4], vec![7u8; 32], vec![0u8; MAX_KEY_LEN]] {
            let msg = BackendKeyData {
                process_id: 99,
                secret_key: Bytes::from(key),
            };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(BackendKeyData::decode(&one_frame(&buf).body()), Ok(msg));
        }
    }

    #[test]
    fn backend_key_data_with_a_key_too_short_or_too_long_is_refused() {
        assert!(BackendKeyData::decode(&Bytes::from_static(b"\0\0\0\x01\x02")).is_err());
        let mut long = vec![0u8; 4 + MAX_KEY_LEN + 1];
        long[3] = 1;
        assert!(BackendKeyData::decode(&Bytes::from(long)).is_err());
    }
}
