//! [`ReadyForQuery`] and [`TransactionStatus`]: the server is ready for a new query
//! cycle.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// The transaction state reported with ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    /// `I`: not in a transaction block.
    Idle,
    /// `T`: in a transaction block.
    InTransaction,
    /// `E`: in a failed transaction block (queries refused until its end).
    Failed,
}

impl TransactionStatus {
    /// The byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InTransaction => b'T',
            TransactionStatus::Failed => b'E',
        }
    }
}

impl TryFrom<u8> for TransactionStatus {
    type Error = DecodeError;

    fn try_from(b: u8) -> Result<Self, DecodeError> {
        match b {
            b'I' => Ok(TransactionStatus::Idle),
            b'T' => Ok(TransactionStatus::InTransaction),
            b'E' => Ok(TransactionStatus::Failed),
            other => Err(DecodeError::Invalid {
                what: "transaction status",
                value: other.into(),
            }),
        }
    }
}

/// ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyForQuery {
    /// Where the session's transaction stands.
    pub status: TransactionStatus,
}

impl ReadyForQuery {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::ReadyForQuery;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let status = TransactionStatus::try_from(r.u8()?)?;
        r.finish()?;
        Ok(ReadyForQuery { status })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.u8(self.status.to_byte());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn ready_for_query_round_trips_for_every_status() {
        for status in [
            TransactionStatus::Idle,
            TransactionStatus::InTransaction,
            TransactionStatus::Failed,
        ] {
            let msg = ReadyForQuery { status };
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).unwrap();
            assert_eq!(ReadyForQuery::decode(&one_frame(&buf).body()), Ok(msg));
        }
    }

    #[test]
    fn unknown_transaction_status_is_refused() {
        assert!(ReadyForQuery::decode(&Bytes::from_static(b"X")).is_err());
    }
}
