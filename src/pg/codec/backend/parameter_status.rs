//! [`ParameterStatus`]: the server reports a run-time parameter (`TimeZone`,
//! `client_encoding`, `DateStyle`, `server_version`, …).

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// ParameterStatus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterStatus {
    /// Parameter name.
    pub name: String,
    /// Its current value.
    pub value: String,
}

impl ParameterStatus {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::ParameterStatus;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let name = r.cstr()?.to_owned();
        let value = r.cstr()?.to_owned();
        r.finish()?;
        Ok(ParameterStatus { name, value })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("parameter name", &self.name)?;
            w.cstr("parameter value", &self.value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn parameter_status_round_trips() {
        let msg = ParameterStatus {
            name: "TimeZone".into(),
            value: "UTC".into(),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(ParameterStatus::decode(&one_frame(&buf).body()), Ok(msg));
    }
}
