//! [`CopyData`]: a chunk of a COPY stream (either direction, tag `d`). The chunk
//! boundaries are arbitrary: they need not fall on row boundaries.

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, write_message};

/// A chunk of COPY data. `Debug` shows only its size.
#[derive(Clone, PartialEq, Eq)]
pub struct CopyData {
    /// The chunk, sharing the frame's memory.
    pub data: Bytes,
}

impl CopyData {
    /// This message's tag (the same byte in both directions).
    pub const TAG: BackendTag = BackendTag::CopyData;

    /// Decodes the body (all of it is data).
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Ok(CopyData { data: body.clone() })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.bytes(&self.data);
            Ok(())
        })
    }
}

impl fmt::Debug for CopyData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CopyData({} bytes)", self.data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn copy_data_round_trips_without_copying_the_chunk() {
        let msg = CopyData {
            data: Bytes::from_static(b"1\tAlice\n2\tBo"),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        let frame = one_frame(&buf);
        assert_eq!(CopyData::decode(&frame.body()), Ok(msg));
    }

    #[test]
    fn copy_data_debug_shows_no_data() {
        let msg = CopyData {
            data: Bytes::from_static(b"secret"),
        };
        assert_eq!(format!("{msg:?}"), "CopyData(6 bytes)");
    }
}
