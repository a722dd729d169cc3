//! [`DataRow`]: one row of values, checked once and read lazily without copying.
//!
//! Decoding walks the column lengths once to check the layout; the values are then
//! handed out as `Bytes` slices of the frame, so a row that the mask plan leaves alone
//! costs no allocation and is forwarded as the original frame.
//! The masking path reads a row with [`DataRow::split_body`] instead: check and split in
//! one pass, into slices on the stack.

use std::fmt;

use bytes::{Bytes, BytesMut};
use smallvec::SmallVec;

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, Reader, write_message};

/// A row's values as slices of its message (`None` for NULL).
pub type RowValues<'a> = SmallVec<[Option<&'a [u8]>; 16]>;

/// DataRow. `Debug` shows only the column count and size, never values.
#[derive(Clone, PartialEq, Eq)]
pub struct DataRow {
    body: Bytes,
    columns: usize,
}

impl DataRow {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::DataRow;

    /// Checks the body's layout and keeps it.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let columns = r.count("column count")?;
        for _ in 0..columns {
            r.nullable()?;
        }
        r.finish()?;
        Ok(DataRow {
            body: body.clone(),
            columns,
        })
    }

    /// A row of the given values (`None` for NULL).
    pub fn from_values<'a>(
        values: impl IntoIterator<Item = Option<&'a [u8]>>,
    ) -> Result<Self, EncodeError> {
        let mut buf = BytesMut::new();
        let mut columns = 0usize;
        buf.extend_from_slice(&[0, 0]);
        for v in values {
            match v {
                None => buf.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    let len = i32::try_from(v.len()).map_err(|_| EncodeError::TooLong)?;
                    buf.extend_from_slice(&len.to_be_bytes());
                    buf.extend_from_slice(v);
                }
            }
            columns += 1;
        }
        let n = i16::try_from(columns).map_err(|_| EncodeError::TooMany { what: "columns" })?;
        buf[..2].copy_from_slice(&n.to_be_bytes());
        Ok(DataRow {
            body: buf.freeze(),
            columns,
        })
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        self.columns
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns == 0
    }

    /// The values in order; `None` is NULL. Slices share the frame's memory.
    pub fn values(&self) -> impl Iterator<Item = Option<Bytes>> + '_ {
        self.slices()
            .map(|value| value.map(|v| self.body.slice_ref(v)))
    }

    /// The values as borrowed slices (`None` for NULL), without touching reference
    /// counts: the masking hot path. The layout was checked by `decode`/`from_values`;
    /// a failure here would end the iteration early rather than panic.
    pub fn slices(&self) -> impl Iterator<Item = Option<&[u8]>> + '_ {
        let mut pos = 2;
        (0..self.columns).map_while(move |_| {
            let mut r = Reader::new(self.body.get(pos..)?);
            let range = r.nullable().ok()?;
            let value = match range {
                Some(range) => Some(self.body.get(pos + range.start..pos + range.end)?),
                None => None,
            };
            pos += r.position();
            Some(value)
        })
    }

    /// The values of a DataRow body (`None` for NULL) into `values` (cleared first),
    /// read and checked in one pass without touching reference counts — the masking
    /// hot path; the same layout errors as [`DataRow::decode`].
    pub fn split_body<'b>(body: &'b [u8], values: &mut RowValues<'b>) -> Result<(), DecodeError> {
        values.clear();
        let mut r = Reader::new(body);
        let columns = r.count("column count")?;
        values.reserve(columns);
        for _ in 0..columns {
            values.push(r.nullable_bytes()?);
        }
        r.finish()
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.bytes(&self.body);
            Ok(())
        })
    }
}

impl fmt::Debug for DataRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DataRow({} columns, {} bytes)",
            self.columns,
            self.body.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn data_row_round_trips_with_nulls_and_empty_values() {
        let values: [Option<&[u8]>; 4] = [Some(b"1"), None, Some(b""), Some(b"Alice")];
        let row = DataRow::from_values(values).unwrap();
        let mut buf = BytesMut::new();
        row.encode(&mut buf).unwrap();
        let back = DataRow::decode(&one_frame(&buf).body()).unwrap();
        assert_eq!(back, row);
        let got: Vec<Option<Bytes>> = back.values().collect();
        let want: Vec<Option<Bytes>> = values
            .iter()
            .map(|v| v.map(Bytes::copy_from_slice))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn data_row_values_share_the_frame_memory() {
        let body = Bytes::from_static(b"\0\x01\0\0\0\x03abc");
        let row = DataRow::decode(&body).unwrap();
        let v = row.values().next().flatten().unwrap();
        assert_eq!(v.as_ptr(), body[6..].as_ptr());
    }

    #[test]
    fn data_row_whose_value_overruns_the_body_is_refused() {
        let body = Bytes::from_static(b"\0\x01\0\0\0\x09abc");
        assert!(DataRow::decode(&body).is_err());
        assert!(DataRow::split_body(&body, &mut RowValues::new()).is_err());
    }

    #[test]
    fn split_body_reads_what_decode_reads_and_refuses_what_it_refuses() {
        let row = DataRow::from_values([Some(&b"abc"[..]), None, Some(b"")]).unwrap();
        let mut values = RowValues::new();
        values.push(Some(b"stale"));
        DataRow::split_body(&row.body, &mut values).unwrap();
        assert_eq!(values.to_vec(), row.slices().collect::<Vec<_>>());
        assert_eq!(values.as_slice(), [Some(&b"abc"[..]), None, Some(&b""[..])]);
        for bad in [
            &b""[..],
            b"\0\x01",
            b"\xff\xff",
            b"\0\x01\xff\xff\xff\xfe",
            b"\0\x01\0\0\0\x01ab",
            b"\0\x02\0\0\0\x01a",
        ] {
            assert_eq!(
                DataRow::split_body(bad, &mut values).is_err(),
                DataRow::decode(&Bytes::copy_from_slice(bad)).is_err(),
                "{bad:?}"
            );
            assert!(DataRow::split_body(bad, &mut values).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn data_row_debug_shows_no_values() {
        let row = DataRow::from_values([Some(&b"6222020000000000"[..])]).unwrap();
        assert!(!format!("{row:?}").contains("6222"));
    }
}
