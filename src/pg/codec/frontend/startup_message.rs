//! [`StartupMessage`]: the first packet of a session: protocol version and parameters
//! (`user`, `database`, `options`, `replication`, `application_name`, …).

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, Reader, write_message};

/// A protocol version: major in the high 16 bits of the code, minor in the low.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    /// Major version (3).
    pub major: u16,
    /// Minor version (0 or 2).
    pub minor: u16,
}

impl ProtocolVersion {
    /// Protocol 3.0 (PostgreSQL 7.4 to 17).
    pub const V3_0: ProtocolVersion = ProtocolVersion { major: 3, minor: 0 };
    /// Protocol 3.2 (PostgreSQL 18: variable-length cancel keys).
    pub const V3_2: ProtocolVersion = ProtocolVersion { major: 3, minor: 2 };

    /// The version as the `Int32` code on the wire.
    pub fn code(self) -> u32 {
        (u32::from(self.major) << 16) | u32::from(self.minor)
    }

    /// The version from its code.
    pub fn from_code(code: u32) -> ProtocolVersion {
        ProtocolVersion {
            major: (code >> 16) as u16,
            minor: (code & 0xffff) as u16,
        }
    }
}

/// The StartupMessage. Any 3.x minor version decodes (answering with
/// NegotiateProtocolVersion is the session's business); other majors do not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartupMessage {
    /// The version the client asks for.
    pub version: ProtocolVersion,
    /// Parameters in the order sent. Names starting with `_pq_.` are protocol options.
    pub params: Vec<(String, String)>,
}

impl StartupMessage {
    /// The value of parameter `name`, if sent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decodes the packet body after the length (starting with the version code).
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let code = r.u32()?;
        let version = ProtocolVersion::from_code(code);
        if version.major != 3 {
            return Err(DecodeError::UnknownStartupCode(code));
        }
        let mut params = Vec::new();
        loop {
            let name = r.cstr()?;
            if name.is_empty() {
                break;
            }
            params.push((name.to_owned(), r.cstr()?.to_owned()));
        }
        r.finish()?;
        Ok(StartupMessage { version, params })
    }

    /// Appends the packet to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, None, |w| {
            w.u32(self.version.code());
            for (name, value) in &self.params {
                if name.is_empty() {
                    return Err(EncodeError::NulInString {
                        what: "empty startup parameter name",
                    });
                }
                w.cstr("startup parameter name", name)?;
                w.cstr("startup parameter value", value)?;
            }
            w.u8(0);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::{FrameLimits, split_startup};

    fn sample() -> StartupMessage {
        StartupMessage {
            version: ProtocolVersion::V3_2,
            params: vec![
                ("user".into(), "vendor_a".into()),
                ("database".into(), "bank".into()),
            ],
        }
    }

    #[test]
    fn startup_message_round_trips() {
        let mut buf = BytesMut::new();
        sample().encode(&mut buf).unwrap();
        let frame = split_startup(&mut buf, &FrameLimits::FRONTEND)
            .unwrap()
            .unwrap();
        assert_eq!(frame.code(), 0x0003_0002);
        let decoded = StartupMessage::decode(&frame.body()).unwrap();
        assert_eq!(decoded, sample());
        assert_eq!(decoded.param("database"), Some("bank"));
    }

    #[test]
    fn protocol_two_is_refused() {
        let body = Bytes::from_static(b"\0\x02\0\0user\0x\0\0");
        assert_eq!(
            StartupMessage::decode(&body),
            Err(DecodeError::UnknownStartupCode(0x0002_0000))
        );
    }

    #[test]
    fn parameters_without_the_final_nul_are_an_error() {
        let body = Bytes::from_static(b"\0\x03\0\0user\0x\0");
        assert!(StartupMessage::decode(&body).is_err());
    }
}
