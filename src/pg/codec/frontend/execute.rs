//! [`Execute`]: run a bound portal, optionally up to a number of rows.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// Execute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execute {
    /// Portal name; empty for the unnamed portal.
    pub portal: String,
    /// Row limit; 0 means no limit (PortalSuspended otherwise when it is reached).
    pub max_rows: i32,
}

impl Execute {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Execute;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let portal = r.cstr()?.to_owned();
        let max_rows = r.i32()?;
        r.finish()?;
        Ok(Execute { portal, max_rows })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("portal name", &self.portal)?;
            w.i32(self.max_rows);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn execute_round_trips() {
        let msg = Execute {
            portal: "p1".into(),
            max_rows: 100,
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(Execute::decode(&one_frame(&buf).body()), Ok(msg));
    }
}
