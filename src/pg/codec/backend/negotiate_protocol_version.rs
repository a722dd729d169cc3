//! [`NegotiateProtocolVersion`]: the server speaks an older minor version than asked,
//! or did not recognise some `_pq_.` protocol options.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// NegotiateProtocolVersion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiateProtocolVersion {
    /// Newest minor protocol version the server supports (for the major asked).
    pub newest_minor: i32,
    /// Protocol options the server did not recognise.
    pub unrecognized_options: Vec<String>,
}

impl NegotiateProtocolVersion {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::NegotiateProtocolVersion;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let newest_minor = r.i32()?;
        let n = r.i32()?;
        let n = usize::try_from(n).map_err(|_| DecodeError::Negative {
            what: "option count",
            value: n.into(),
        })?;
        // Each option takes at least one byte, so a count beyond the body is a lie;
        // checking it first keeps a hostile count from reserving memory.
        if n > r.remaining() {
            return Err(DecodeError::UnexpectedEnd {
                needed: n,
                remaining: r.remaining(),
            });
        }
        let unrecognized_options = (0..n)
            .map(|_| Ok(r.cstr()?.to_owned()))
            .collect::<Result<_, DecodeError>>()?;
        r.finish()?;
        Ok(NegotiateProtocolVersion {
            newest_minor,
            unrecognized_options,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let n =
            i32::try_from(self.unrecognized_options.len()).map_err(|_| EncodeError::TooMany {
                what: "protocol options",
            })?;
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.i32(self.newest_minor);
            w.i32(n);
            self.unrecognized_options
                .iter()
                .try_for_each(|o| w.cstr("protocol option", o))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn negotiate_protocol_version_round_trips() {
        let msg = NegotiateProtocolVersion {
            newest_minor: 0,
            unrecognized_options: vec!["_pq_.compression".into()],
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(
            NegotiateProtocolVersion::decode(&one_frame(&buf).body()),
            Ok(msg)
        );
    }

    #[test]
    fn an_option_count_larger_than_the_body_is_refused_up_front() {
        let body = Bytes::from_static(b"\0\0\0\0\x7f\xff\xff\xffa\0");
        assert!(matches!(
            NegotiateProtocolVersion::decode(&body),
            Err(DecodeError::UnexpectedEnd { .. })
        ));
    }
}
