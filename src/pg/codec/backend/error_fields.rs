//! [`ErrorFields`] and [`FieldCode`]: the body shared by ErrorResponse and
//! NoticeResponse, a list of (code byte, string) pairs ending with a zero byte.

use std::fmt;

use bytes::Bytes;

use crate::pg::codec::{DecodeError, EncodeError, Reader, Severity, SqlState, Writer};

/// The code byte of one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldCode {
    /// `S`: severity, possibly localized.
    SeverityLocalized,
    /// `V`: severity, never localized (9.6+).
    Severity,
    /// `C`: SQLSTATE.
    Code,
    /// `M`: primary message.
    Message,
    /// `D`: detail (may quote data values: scrub before forwarding).
    Detail,
    /// `H`: hint.
    Hint,
    /// `P`: cursor position in the query.
    Position,
    /// `p`: position in an internal query.
    InternalPosition,
    /// `q`: the internal query.
    InternalQuery,
    /// `W`: context (call stack).
    Where,
    /// `s`: schema name.
    Schema,
    /// `t`: table name.
    Table,
    /// `c`: column name.
    Column,
    /// `d`: data type name.
    DataType,
    /// `n`: constraint name.
    Constraint,
    /// `F`: source file.
    File,
    /// `L`: source line.
    Line,
    /// `R`: source routine.
    Routine,
    /// Any other (non-zero) code: kept, as the protocol asks clients to ignore them.
    Unknown(u8),
}

impl FieldCode {
    /// The code from its byte (never called with 0, the terminator).
    pub fn from_byte(b: u8) -> FieldCode {
        match b {
            b'S' => FieldCode::SeverityLocalized,
            b'V' => FieldCode::Severity,
            b'C' => FieldCode::Code,
            b'M' => FieldCode::Message,
            b'D' => FieldCode::Detail,
            b'H' => FieldCode::Hint,
            b'P' => FieldCode::Position,
            b'p' => FieldCode::InternalPosition,
            b'q' => FieldCode::InternalQuery,
            b'W' => FieldCode::Where,
            b's' => FieldCode::Schema,
            b't' => FieldCode::Table,
            b'c' => FieldCode::Column,
            b'd' => FieldCode::DataType,
            b'n' => FieldCode::Constraint,
            b'F' => FieldCode::File,
            b'L' => FieldCode::Line,
            b'R' => FieldCode::Routine,
            other => FieldCode::Unknown(other),
        }
    }

    /// The byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            FieldCode::SeverityLocalized => b'S',
            FieldCode::Severity => b'V',
            FieldCode::Code => b'C',
            FieldCode::Message => b'M',
            FieldCode::Detail => b'D',
            FieldCode::Hint => b'H',
            FieldCode::Position => b'P',
            FieldCode::InternalPosition => b'p',
            FieldCode::InternalQuery => b'q',
            FieldCode::Where => b'W',
            FieldCode::Schema => b's',
            FieldCode::Table => b't',
            FieldCode::Column => b'c',
            FieldCode::DataType => b'd',
            FieldCode::Constraint => b'n',
            FieldCode::File => b'F',
            FieldCode::Line => b'L',
            FieldCode::Routine => b'R',
            FieldCode::Unknown(b) => b,
        }
    }
}

/// The fields of an error or notice, in the order received. `Debug` shows which
/// fields are present, not their text (a detail may quote a row's values).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ErrorFields {
    /// (code, value) pairs.
    pub fields: Vec<(FieldCode, String)>,
}

impl ErrorFields {
    /// The fields PostgreSQL always sends: severity (both forms), SQLSTATE, message.
    pub fn new(severity: Severity, code: SqlState, message: impl Into<String>) -> Self {
        ErrorFields {
            fields: vec![
                (FieldCode::SeverityLocalized, severity.as_str().to_owned()),
                (FieldCode::Severity, severity.as_str().to_owned()),
                (FieldCode::Code, code.as_str().to_owned()),
                (FieldCode::Message, message.into()),
            ],
        }
    }

    /// Sets field `code` (replacing an earlier value).
    pub fn with(mut self, code: FieldCode, value: impl Into<String>) -> Self {
        self.set(code, value);
        self
    }

    /// Sets field `code` in place (replacing an earlier value).
    pub fn set(&mut self, code: FieldCode, value: impl Into<String>) {
        let value = value.into();
        match self.fields.iter_mut().find(|(c, _)| *c == code) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((code, value)),
        }
    }

    /// Removes field `code`.
    pub fn remove(&mut self, code: FieldCode) {
        self.fields.retain(|(c, _)| *c != code);
    }

    /// The value of field `code`, if present.
    pub fn get(&self, code: FieldCode) -> Option<&str> {
        self.fields
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }

    /// The severity: the non-localized `V` if present, else `S`.
    pub fn severity(&self) -> Option<Severity> {
        self.get(FieldCode::Severity)
            .or_else(|| self.get(FieldCode::SeverityLocalized))
            .map(Severity::parse)
    }

    /// The SQLSTATE, if present and well-formed.
    pub fn code(&self) -> Option<SqlState> {
        self.get(FieldCode::Code).and_then(SqlState::parse)
    }

    /// The primary message.
    pub fn message(&self) -> Option<&str> {
        self.get(FieldCode::Message)
    }

    /// Decodes a body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let mut fields = Vec::new();
        loop {
            let code = r.u8()?;
            if code == 0 {
                break;
            }
            fields.push((FieldCode::from_byte(code), r.cstr()?.to_owned()));
        }
        r.finish()?;
        Ok(ErrorFields { fields })
    }

    /// Writes the body.
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        for (code, value) in &self.fields {
            if code.to_byte() == 0 {
                return Err(EncodeError::NulInString {
                    what: "error field code",
                });
            }
            w.u8(code.to_byte());
            w.cstr("error field", value)?;
        }
        w.u8(0);
        Ok(())
    }
}

impl fmt::Debug for ErrorFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<char> = self
            .fields
            .iter()
            .map(|(c, _)| c.to_byte() as char)
            .collect();
        f.debug_struct("ErrorFields")
            .field("severity", &self.severity())
            .field("code", &self.code())
            .field("present", &codes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_code_round_trips_through_its_byte() {
        for b in 1..=255u8 {
            assert_eq!(FieldCode::from_byte(b).to_byte(), b);
        }
    }

    #[test]
    fn debug_of_error_fields_hides_the_detail() {
        let e = ErrorFields::new(Severity::Error, SqlState::INTERNAL_ERROR, "x")
            .with(FieldCode::Detail, "Key (email)=(alice@example.com) exists");
        assert!(!format!("{e:?}").contains("alice"));
    }

    #[test]
    fn a_zero_field_code_cannot_be_encoded() {
        let e = ErrorFields {
            fields: vec![(FieldCode::Unknown(0), "x".into())],
        };
        let mut buf = bytes::BytesMut::new();
        let r = crate::pg::codec::write_message(&mut buf, Some(b'E'), |w| e.write(w));
        assert!(r.is_err());
        assert!(buf.is_empty());
    }
}
