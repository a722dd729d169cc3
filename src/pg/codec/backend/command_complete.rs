//! [`CommandComplete`]: a statement finished, with its command tag (`SELECT 5`,
//! `INSERT 0 1`, `COPY 10`, …).

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// CommandComplete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandComplete {
    /// The command tag text (not to be confused with a message tag).
    pub command_tag: String,
}

impl CommandComplete {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::CommandComplete;

    /// The row count at the end of the command tag, if there is one.
    pub fn rows(&self) -> Option<u64> {
        self.command_tag.rsplit(' ').next()?.parse().ok()
    }

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Ok(CommandComplete {
            command_tag: Self::tag_of(body)?.to_owned(),
        })
    }

    /// The command tag of a body, borrowed (the per-statement path reads it without
    /// a copy).
    pub fn tag_of(body: &[u8]) -> Result<&str, DecodeError> {
        let mut r = Reader::new(body);
        let command_tag = r.cstr()?;
        r.finish()?;
        Ok(command_tag)
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("command tag", &self.command_tag)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn command_complete_round_trips_and_reads_its_row_count() {
        let msg = CommandComplete {
            command_tag: "SELECT 5".into(),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        let back = CommandComplete::decode(&one_frame(&buf).body()).unwrap();
        assert_eq!(back, msg);
        assert_eq!(back.rows(), Some(5));
        assert_eq!(CommandComplete::tag_of(b"SELECT 5\0"), Ok("SELECT 5"));
        assert!(CommandComplete::tag_of(b"SELECT 5").is_err(), "no NUL");
        assert!(
            CommandComplete::tag_of(b"SELECT 5\0x").is_err(),
            "trailing bytes"
        );
    }
}
