//! [`PasswordMessage`]: a cleartext or MD5-hashed password (tag `p`).

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// PasswordMessage. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordMessage {
    /// The password or `md5…` hash, without the NUL.
    pub password: Bytes,
}

impl PasswordMessage {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::AuthResponse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let len = r.cstr_bytes()?.len();
        r.finish()?;
        Ok(PasswordMessage {
            password: body.slice(..len),
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("password", &self.password)
        })
    }
}

impl fmt::Debug for PasswordMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordMessage(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn password_message_round_trips_and_hides_the_password() {
        let msg = PasswordMessage {
            password: Bytes::from_static(b"hunter2"),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(
            PasswordMessage::decode(&one_frame(&buf).body()),
            Ok(msg.clone())
        );
        assert!(!format!("{msg:?}").contains("hunter2"));
    }
}
