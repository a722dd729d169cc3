//! [`Query`]: a simple-protocol query string (possibly several statements).

use std::fmt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{DecodeError, EncodeError, FrontendTag, Reader, write_message};

/// Query. The text may hold literal values, so `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Query {
    /// The SQL text (shared: the session keeps it with the statement's expectation
    /// without a second copy).
    pub sql: Arc<str>,
}

impl Query {
    /// This message's tag.
    pub const TAG: FrontendTag = FrontendTag::Query;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let sql = Arc::from(r.cstr()?);
        r.finish()?;
        Ok(Query { sql })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.cstr("query", self.sql.as_bytes())
        })
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Query({} bytes of SQL)", self.sql.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn query_round_trips() {
        let msg = Query {
            sql: "select name from customers where id = 1".into(),
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(Query::decode(&one_frame(&buf).body()), Ok(msg));
    }

    #[test]
    fn query_with_text_after_the_nul_is_refused() {
        // A second string hidden after the NUL must not slip past analysis.
        let body = Bytes::from_static(b"select 1\0drop table x\0");
        assert_eq!(Query::decode(&body), Err(DecodeError::TrailingBytes(13)));
    }

    #[test]
    fn query_that_is_not_utf8_is_refused() {
        assert_eq!(
            Query::decode(&Bytes::from_static(b"select '\xff'\0")),
            Err(DecodeError::InvalidUtf8)
        );
    }
}
