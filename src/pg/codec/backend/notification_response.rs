//! [`NotificationResponse`]: a `NOTIFY` delivered to a listening session.

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// NotificationResponse. The payload is application data: `Debug` shows its size.
#[derive(Clone, PartialEq, Eq)]
pub struct NotificationResponse {
    /// Process id of the notifying backend.
    pub process_id: i32,
    /// Channel name.
    pub channel: String,
    /// Payload.
    pub payload: String,
}

impl NotificationResponse {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::NotificationResponse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let process_id = r.i32()?;
        let channel = r.cstr()?.to_owned();
        let payload = r.cstr()?.to_owned();
        r.finish()?;
        Ok(NotificationResponse {
            process_id,
            channel,
            payload,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.i32(self.process_id);
            w.cstr("channel", &self.channel)?;
            w.cstr("payload", &self.payload)
        })
    }
}

impl fmt::Debug for NotificationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationResponse")
            .field("process_id", &self.process_id)
            .field("channel", &self.channel)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn notification_response_round_trips() {
        let msg = NotificationResponse {
            process_id: 12,
            channel: "jobs".into(),
            payload: "{\"id\":1}".into(),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(
            NotificationResponse::decode(&one_frame(&buf).body()),
            Ok(msg)
        );
    }
}
