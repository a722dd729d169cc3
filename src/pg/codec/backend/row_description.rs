//! [`RowDescription`]: the columns of the rows to come. The gateway builds a mask plan
//! from it, once, keyed by (table OID, attribute number) of each column.

use bytes::{Bytes, BytesMut};

use crate::pg::codec::{BackendTag, DecodeError, EncodeError, FormatCode, Reader, write_message};

/// One column of a RowDescription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDescription {
    /// Column name (its alias in the query, if any).
    pub name: String,
    /// OID of the table the column comes from, or 0 if it is computed.
    pub table_oid: u32,
    /// Attribute number of the column in that table, or 0.
    pub column_attnum: i16,
    /// OID of the column's type.
    pub type_oid: u32,
    /// `pg_type.typlen` (negative for variable length).
    pub type_len: i16,
    /// Type modifier (`pg_attribute.atttypmod`), −1 if none.
    pub type_modifier: i32,
    /// Format of the values: always text in a reply to Describe of a statement.
    pub format: FormatCode,
}

/// RowDescription.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowDescription {
    /// The columns, in order.
    pub fields: Vec<FieldDescription>,
}

impl RowDescription {
    /// This message's tag.
    pub const TAG: BackendTag = BackendTag::RowDescription;

    /// Decodes the body.
    pub fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let n = r.count("field count")?;
        let fields = (0..n)
            .map(|_| {
                Ok(FieldDescription {
                    name: r.cstr()?.to_owned(),
                    table_oid: r.u32()?,
                    column_attnum: r.i16()?,
                    type_oid: r.u32()?,
                    type_len: r.i16()?,
                    type_modifier: r.i32()?,
                    format: FormatCode::try_from(r.i16()?)?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        r.finish()?;
        Ok(RowDescription { fields })
    }

    /// Appends the message to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_message(buf, Some(Self::TAG.into()), |w| {
            w.count("fields", self.fields.len())?;
            for f in &self.fields {
                w.cstr("field name", &f.name)?;
                w.u32(f.table_oid);
                w.i16(f.column_attnum);
                w.u32(f.type_oid);
                w.i16(f.type_len);
                w.i32(f.type_modifier);
                w.i16(f.format.to_i16());
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::codec::test_util::one_frame;

    #[test]
    fn row_description_round_trips() {
        let msg = RowDescription {
            fields: vec![
                FieldDescription {
                    name: "id_card".into(),
                    table_oid: 16384,
                    column_attnum: 3,
                    type_oid: 1043,
                    type_len: -1,
                    type_modifier: 22,
                    format: FormatCode::Text,
                },
                FieldDescription {
                    name: "?column?".into(),
                    table_oid: 0,
                    column_attnum: 0,
                    type_oid: 1700,
                    type_len: -1,
                    type_modifier: -1,
                    format: FormatCode::Binary,
                },
            ],
        };
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(RowDescription::decode(&one_frame(&buf).body()), Ok(msg));
    }

    #[test]
    fn row_description_with_a_truncated_field_is_refused() {
        let body = Bytes::from_static(b"\0\x01id\0\0\0\x40");
        assert!(RowDescription::decode(&body).is_err());
    }
}
