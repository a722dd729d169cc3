//! [`Close`]: release a prepared statement or a portal.

use bytes::{Bytes, BytesMut};

use super::Target;
use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// Close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    /// Statement or portal.
    pub target: Target,
    /// Its name; empty for the unnamed one.
    pub name: String,
}

impl Close {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Close;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let target = Target::try_from(r.u8()?)?;
        let name = r.cstr()?.to_owned();
        r.finish()?;
        Ok(Close { target, name })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.u8(self.target.to_byte());
            w.cstr("name", &self.name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn close_round_trips_for_statements_and_portals() {
        for target in [Target::Statement, Target::Portal] {
            let msg = Close {
                target,
                name: "s1".into(),
            };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(Close::decode(&one_frame(&buf).body()), Ok(msg));
        }
    }

    #[test]
    fn close_of_an_unknown_target_is_refused() {
        assert!(Close::decode(&Bytes::from_static(b"X\0")).is_err());
    }
}
