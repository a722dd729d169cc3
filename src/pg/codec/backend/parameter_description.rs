//! [`ParameterDescription`]: the parameter types of a described statement.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// ParameterDescription.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParameterDescription {
    /// Type OID of each parameter.
    pub types: Vec<u32>,
}

impl ParameterDescription {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::ParameterDescription;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        // PostgreSQL allows up to 65535 parameters here: the count is unsigned.
        let n = usize::from(r.i16()? as u16);
        let types = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(ParameterDescription { types })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let n = u16::try_from(self.types.len())
            .map_err(|_| EncodeError::TooMany { what: "parameters" })?;
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.i16(n as i16);
            self.types.iter().for_each(|t| w.u32(*t));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn parameter_description_round_trips() {
        let msg = ParameterDescription {
            types: vec![23, 25, 1700],
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(
            ParameterDescription::decode(&one_frame(&buf).body()),
            Ok(msg)
        );
    }

    #[test]
    fn parameter_description_counts_above_32767_are_unsigned() {
        let msg = ParameterDescription {
            types: vec![25; 40000],
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(
            ParameterDescription::decode(&one_frame(&buf).body()),
            Ok(msg)
        );
    }
}
