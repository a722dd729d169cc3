//! [`Bind`]: bind parameter values to a prepared statement, making a portal, and
//! choose the result columns' formats.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::params::{read_formats, read_values, write_formats, write_values};
use crate::pg::codec::format_code::format_for;
use crate::pg::codec::{DecodeError, EncodeError, FormatCode, FrontendTag, Reader, write_message};

/// Bind. Parameter values may be personal data: `Debug` shows only their sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct Bind {
    /// Destination portal; empty for the unnamed portal.
    pub portal: String,
    /// Source prepared statement; empty for the unnamed statement.
    pub statement: String,
    /// Parameter formats: none (all text), one (for all), or one per parameter.
    pub param_formats: Vec<FormatCode>,
    /// Parameter values; `None` is SQL NULL (length −1).
    pub params: Vec<Option<Bytes>>,
    /// Result column formats, with the same none / one / each convention.
    pub result_formats: Vec<FormatCode>,
}

impl Bind {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Bind;

    /// The format of parameter `i`.
    pub fn param_format(&self, i: usize) -> FormatCode {
        format_for(&self.param_formats, i)
    }

    /// The format of result column `i`.
    pub fn result_format(&self, i: usize) -> FormatCode {
        format_for(&self.result_formats, i)
    }

    /// Decodes the body; values share the frame's memory.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let portal = r.cstr()?.to_owned();
        let statement = r.cstr()?.to_owned();
        let param_formats = read_formats(&mut r)?;
        let params = read_values(&mut r, body)?;
        if param_formats.len() > 1 && param_formats.len() != params.len() {
            return Err(DecodeError::Invalid {
                what: "parameter format count",
                value: param_formats.len() as i64,
            });
        }
        let result_formats = read_formats(&mut r)?;
        r.finish()?;
        Ok(Bind {
            portal,
            statement,
            param_formats,
            params,
            result_formats,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("portal name", &self.portal)?;
            w.cstr("statement name", &self.statement)?;
            write_formats(w, &self.param_formats)?;
            write_values(w, &self.params)?;
            write_formats(w, &self.result_formats)
        })
    }
}

impl fmt::Debug for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<Option<usize>> = self
            .params
            .iter()
            .map(|p| p.as_ref().map(Bytes::len))
            .collect();
        f.debug_struct("Bind")
            .field("portal", &self.portal)
            .field("statement", &self.statement)
            .field("param_formats", &self.param_formats)
            .field("param_sizes", &sizes)
            .field("result_formats", &self.result_formats)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    fn sample() -> Bind {
        Bind {
            portal: "p".into(),
            statement: "s1".into(),
            param_formats: vec![FormatCode::Text, FormatCode::Binary],
            params: vec![Some(Bytes::from_static(b"42")), None],
            result_formats: vec![FormatCode::Binary],
        }
    }

    #[test]
    fn bind_round_trips_with_a_null_parameter() {
        let mut buf = BytesMut::new();
        sample().encode(&mut buf).unwrap();
        assert_eq!(Bind::decode(&one_frame(&buf).body()), Ok(sample()));
    }

    #[test]
    fn one_result_format_applies_to_every_column() {
        assert_eq!(sample().result_format(5), FormatCode::Binary);
        assert_eq!(sample().param_format(1), FormatCode::Binary);
    }

    #[test]
    fn bind_debug_shows_no_parameter_values() {
        let bind = Bind {
            params: vec![Some(Bytes::from_static(b"4111111111111111"))],
            ..sample()
        };
        assert!(!format!("{bind:?}").contains("4111"));
    }

    #[test]
    fn bind_with_a_negative_value_length_other_than_null_is_refused() {
        let body = Bytes::from_static(b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0");
        assert!(matches!(
            Bind::decode(&body),
            Err(DecodeError::Negative { .. })
        ));
    }

    #[test]
    fn bind_with_mismatched_format_and_value_counts_is_refused() {
        let body = Bytes::from_static(b"\0\0\0\x02\0\0\0\x01\0\x01\xff\xff\xff\xff\0\0");
        assert!(matches!(
            Bind::decode(&body),
            Err(DecodeError::Invalid { .. })
        ));
    }
}
