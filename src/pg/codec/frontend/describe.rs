//! [`Describe`]: ask for a statement's parameter and row descriptions, or a portal's row description.

use bytes::{Bytes, BytesMut};

use super::Target;
use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// Describe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Describe {
    /// Statement or portal.
    pub target: Target,
    /// Its name; empty for the unnamed one.
    pub name: String,
}

impl Describe {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Describe;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let target = Target::try_from(r.u8()?)?;
        let name = r.cstr()?.to_owned();
        r.finish()?;
        Ok(Describe { target, name })
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
    fn describe_round_trips_for_statements_and_portals() {
        for target in [Target::Statement, Target::Portal] {
            let msg = Describe {
                target,
                name: "s1".into(),
            };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(Describe::decode(&one_frame(&buf).body()), Ok(msg));
        }
    }

    #[test]
    fn describe_of_an_unknown_target_is_refused() {
        assert!(Describe::decode(&Bytes::from_static(b"X\0")).is_err());
    }
}
