//! [`NoticeResponse`]: a notice or warning; the command goes on. Fields and their builder are in [`ErrorFields`]; the gateway
//! uses the builder for its own synthetic replies and scrubs the server's.

use bytes::{Bytes, BytesMut};

use super::error_fields::{ErrorFields, FieldCode};
use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Severity, SqlState, write_message};

/// NoticeResponse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeResponse {
    /// The fields.
    pub fields: ErrorFields,
}

impl NoticeResponse {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::NoticeResponse;

    /// A synthetic message with severity, SQLSTATE and primary message.
    pub fn new(severity: Severity, code: SqlState, message: impl Into<String>) -> Self {
        NoticeResponse {
            fields: ErrorFields::new(severity, code, message),
        }
    }

    /// Adds a detail.
    pub fn with_detail(self, detail: impl Into<String>) -> Self {
        self.with(FieldCode::Detail, detail)
    }

    /// Adds a hint.
    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        self.with(FieldCode::Hint, hint)
    }

    /// Sets any field.
    pub fn with(self, code: FieldCode, value: impl Into<String>) -> Self {
        NoticeResponse {
            fields: self.fields.with(code, value),
        }
    }

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Ok(NoticeResponse {
            fields: ErrorFields::decode(body)?,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| self.fields.write(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn synthetic_notice_response_round_trips_with_detail_and_hint() {
        let msg = NoticeResponse::new(
            Severity::Warning,
            SqlState::parse("01000").unwrap(),
            "refused",
        )
        .with_detail("customers.cvv is C3 and never leaves")
        .with_hint("rule c3.refuse")
        .with(FieldCode::Unknown(b'Z'), "kept");
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        let back = NoticeResponse::decode(&one_frame(&buf).body()).unwrap();
        assert_eq!(back, msg);
        assert_eq!(back.fields.message(), Some("refused"));
        assert_eq!(back.fields.get(FieldCode::Hint), Some("rule c3.refuse"));
    }

    #[test]
    fn notice_response_with_a_nul_in_a_field_is_not_encoded() {
        let msg = NoticeResponse::new(
            Severity::Warning,
            SqlState::parse("01000").unwrap(),
            "a\0Cinjected",
        );
        let mut buf = BytesMut::new();
        assert!(msg.encode(&mut buf).is_err());
        assert!(buf.is_empty());
    }

    #[test]
    fn notice_response_without_its_terminator_is_refused() {
        assert!(NoticeResponse::decode(&Bytes::from_static(b"SERROR\0")).is_err());
    }
}
