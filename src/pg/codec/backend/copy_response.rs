//! [`CopyResponse`]: CopyInResponse (`G`), CopyOutResponse (`H`) and
//! CopyBothResponse (`W`). The three share one layout, so they share one type, told
//! apart by [`CopyDirection`] (and their tag).

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, FormatCode, Reader, write_message};

/// Which way the COPY data will flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyDirection {
    /// CopyInResponse: client to server (`COPY … FROM STDIN`).
    In,
    /// CopyOutResponse: server to client (`COPY … TO STDOUT`).
    Out,
    /// CopyBothResponse: both (streaming replication; refused by the gateway).
    Both,
}

impl CopyDirection {
    /// The message tag for this direction.
    pub fn tag(self) -> BackendTag {
        match self {
            CopyDirection::In => BackendTag::CopyInResponse,
            CopyDirection::Out => BackendTag::CopyOutResponse,
            CopyDirection::Both => BackendTag::CopyBothResponse,
        }
    }
}

/// CopyInResponse, CopyOutResponse or CopyBothResponse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyResponse {
    /// Which of the three.
    pub direction: CopyDirection,
    /// Overall format: text (rows as text lines) or binary (`COPY … BINARY`).
    pub format: FormatCode,
    /// Per-column formats (all equal to `format` in current servers).
    pub column_formats: Vec<FormatCode>,
}

impl CopyResponse {
    /// Decodes the body of a message of `direction`.
    pub fn decode(direction: CopyDirection, body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let format = FormatCode::try_from(i16::from(r.u8()?))?;
        let n = r.count("column count")?;
        let column_formats = (0..n)
            .map(|_| FormatCode::try_from(r.i16()?))
            .collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(CopyResponse {
            direction,
            format,
            column_formats,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(self.direction.tag().into()), |w| {
            w.u8(self.format.to_i16() as u8);
            w.count("columns", self.column_formats.len())?;
            self.column_formats.iter().for_each(|f| w.i16(f.to_i16()));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn copy_responses_round_trip_in_every_direction() {
        for direction in [CopyDirection::In, CopyDirection::Out, CopyDirection::Both] {
            let msg = CopyResponse {
                direction,
                format: FormatCode::Binary,
                column_formats: vec![FormatCode::Binary; 3],
            };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            let frame = one_frame(&buf);
            assert_eq!(frame.backend_tag(), Ok(direction.tag()));
            assert_eq!(CopyResponse::decode(direction, &frame.body()), Ok(msg));
        }
    }
}
