//! [`Parse`]: prepare a statement (extended protocol).

use std::fmt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// Parse. `Debug` shows the statement name but not the SQL text.
#[derive(Clone, PartialEq, Eq)]
pub struct Parse {
    /// Prepared statement name; empty for the unnamed statement.
    pub statement: String,
    /// The SQL text (one statement; shared: the session keeps it with the statement
    /// without a second copy).
    pub sql: Arc<str>,
    /// Parameter type OIDs the client fixes; 0 leaves a type unspecified.
    pub param_types: Vec<u32>,
}

impl Parse {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Parse;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        Self::decode_reusing(body, None)
    }

    /// Decodes the body; when its SQL text is byte for byte `known` (the text the
    /// session read last: drivers send one Parse over and over), the message shares
    /// `known` instead of checking and copying the text again.
    pub fn decode_reusing(body: &Bytes, known: Option<&Arc<str>>) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let statement = r.cstr()?.to_owned();
        let sql = match (r.cstr_bytes()?, known) {
            (text, Some(known)) if text == known.as_bytes() => Arc::clone(known),
            (text, _) => {
                Arc::from(std::str::from_utf8(text).map_err(|_| DecodeError::InvalidUtf8)?)
            }
        };
        let n = r.count("parameter type count")?;
        let param_types = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(Parse {
            statement,
            sql,
            param_types,
        })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("statement name", &self.statement)?;
            w.cstr("query", self.sql.as_bytes())?;
            w.count("parameter types", self.param_types.len())?;
            self.param_types.iter().for_each(|oid| w.u32(*oid));
            Ok(())
        })
    }
}

impl fmt::Debug for Parse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parse")
            .field("statement", &self.statement)
            .field("sql_len", &self.sql.len())
            .field("param_types", &self.param_types)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn a_text_equal_to_the_known_one_is_shared_and_any_other_decoded_afresh() {
        let known: Arc<str> = "select 1".into();
        let mut buf = BytesMut::new();
        Parse {
            statement: "s".into(),
            sql: "select 1".into(),
            param_types: vec![23],
        }
        .encode(&mut buf)
        .unwrap();
        let same = Parse::decode_reusing(&one_frame(&buf).body(), Some(&known)).unwrap();
        assert!(Arc::ptr_eq(&same.sql, &known), "shared");
        assert_eq!((same.statement.as_str(), same.param_types), ("s", vec![23]));

        let other: Arc<str> = "select 2".into();
        let fresh = Parse::decode_reusing(&one_frame(&buf).body(), Some(&other)).unwrap();
        assert!(!Arc::ptr_eq(&fresh.sql, &other));
        assert_eq!(&*fresh.sql, "select 1");

        // A text that is not UTF-8 is refused whatever is known.
        let mut bad = BytesMut::new();
        crate::pg::codec::write_message(&mut bad, Some(Parse::TAG.into()), |w| {
            w.cstr("statement name", b"")?;
            w.cstr("query", b"select \xff\xfe")?;
            w.count("parameter types", 0)?;
            Ok(())
        })
        .unwrap();
        let bad = one_frame(&bad).body();
        assert_eq!(
            Parse::decode_reusing(&bad, Some(&known)),
            Err(DecodeError::InvalidUtf8)
        );
    }

    #[test]
    fn parse_round_trips() {
        let msg = Parse {
            statement: "s1".into(),
            sql: "select $1::int + $2".into(),
            param_types: vec![23, 0],
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(Parse::decode(&one_frame(&buf).body()), Ok(msg));
    }

    #[test]
    fn parse_with_fewer_types_than_announced_is_refused() {
        let body = Bytes::from_static(b"\0select 1\0\0\x02\0\0\0\x17");
        assert!(matches!(
            Parse::decode(&body),
            Err(DecodeError::UnexpectedEnd { .. })
        ));
    }
}
