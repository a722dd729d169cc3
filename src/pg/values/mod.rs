//! PostgreSQL value codecs: one column value, in text or binary format, to its
//! canonical text form and back, so a mask plan can transform any supported value
//! and write it back in the format the client asked for.
//!
//! - [`type_oid`]: [`TypeOid`] and the supported types.
//! - [`scalar`] (`bool`, `int2/4/8`), [`float`] (`float4/8`), [`numeric`],
//!   [`datetime`] (`date`, `timestamp`, `timestamptz`; read its note on time zones),
//!   [`uuid`], [`bytea`], [`textual`] (`text`, `varchar`, `bpchar`, `name`, `json`,
//!   `jsonb`).
//! - [`constraint`]: [`type_constraint`], what `varchar(n)` or `numeric(p,s)` demand.
//!
//! Text format is the value's bytes as UTF-8, for any type. Binary format is
//! supported for the types in [`TypeOid::SUPPORTED`]; any other type in binary is an
//! [`ValueError::UnsupportedType`], which a mask plan must turn into a refusal, never
//! into a pass-through. Errors never quote the value.

pub mod bytea;
pub mod constraint;
pub mod datetime;
pub mod float;
pub mod numeric;
pub mod scalar;
pub mod textual;
pub mod type_oid;
pub mod uuid;

pub use textual::has_nul;

#[cfg(test)]
mod fixtures;

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};

pub use constraint::{TypeConstraint, type_constraint};
pub use type_oid::TypeOid;

use crate::pg::codec::FormatCode;

/// A value that cannot be read or written as its type. Says which type and why,
/// never what the value was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// No binary codec for this type.
    #[error("binary format of {0} is not supported")]
    UnsupportedType(TypeOid),
    /// Malformed binary value (from the server, or from a client's Bind).
    #[error("malformed binary {oid} value: {reason}")]
    BadBinary {
        /// The type.
        oid: TypeOid,
        /// What is wrong.
        reason: &'static str,
    },
    /// Text that is not a valid value of the type (e.g. a transform's output).
    #[error("invalid {oid} text: {reason}")]
    BadText {
        /// The type.
        oid: TypeOid,
        /// What is wrong.
        reason: &'static str,
    },
    /// Not UTF-8.
    #[error("{oid} value is not valid UTF-8")]
    InvalidUtf8 {
        /// The type.
        oid: TypeOid,
    },
    /// Valid for the type but not for the column's modifier.
    #[error("value does not fit its {oid} column: {reason}")]
    Constraint {
        /// The type.
        oid: TypeOid,
        /// What is wrong.
        reason: &'static str,
    },
}

impl ValueError {
    pub(crate) fn binary(oid: TypeOid, reason: &'static str) -> Self {
        ValueError::BadBinary { oid, reason }
    }

    pub(crate) fn text(oid: TypeOid, reason: &'static str) -> Self {
        ValueError::BadText { oid, reason }
    }
}

/// A binary value of type `oid` in PostgreSQL's canonical text output.
pub fn decode_binary(oid: TypeOid, raw: &[u8]) -> Result<String, ValueError> {
    match oid {
        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME => {
            Ok(textual::utf8(oid, raw)?.to_owned())
        }
        TypeOid::JSON => {
            let text = textual::utf8(oid, raw)?;
            textual::check_json(oid, text)?;
            Ok(text.to_owned())
        }
        TypeOid::JSONB => textual::jsonb_to_text(raw),
        TypeOid::BOOL => scalar::bool_to_text(raw),
        TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 => scalar::int_to_text(oid, raw),
        TypeOid::FLOAT4 | TypeOid::FLOAT8 => float::float_to_text(oid, raw),
        TypeOid::NUMERIC => numeric::to_text(raw),
        TypeOid::DATE => datetime::date_to_text(raw),
        TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ => datetime::timestamp_to_text(oid, raw),
        TypeOid::UUID => uuid::to_text(raw),
        TypeOid::BYTEA => Ok(bytea::to_text(raw)),
        _ => Err(ValueError::UnsupportedType(oid)),
    }
}

/// The binary form of a value of type `oid` given as text (the inverse of
/// [`decode_binary`]; also accepts the other spellings PostgreSQL reads).
pub fn encode_binary(oid: TypeOid, text: &str) -> Result<Bytes, ValueError> {
    let raw = match oid {
        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME => {
            if textual::has_nul(text.as_bytes()) {
                return Err(ValueError::text(oid, "contains a NUL"));
            }
            return Ok(Bytes::copy_from_slice(text.as_bytes()));
        }
        TypeOid::JSON => {
            textual::check_json(oid, text)?;
            return Ok(Bytes::copy_from_slice(text.as_bytes()));
        }
        TypeOid::JSONB => textual::jsonb_from_text(text)?,
        TypeOid::BOOL => scalar::bool_from_text(text)?,
        TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 => scalar::int_from_text(oid, text)?,
        TypeOid::FLOAT4 | TypeOid::FLOAT8 => float::float_from_text(oid, text)?,
        TypeOid::NUMERIC => numeric::from_text(text)?,
        TypeOid::DATE => datetime::date_from_text(text)?,
        TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ => datetime::timestamp_from_text(oid, text)?,
        TypeOid::UUID => uuid::from_text(text)?,
        TypeOid::BYTEA => bytea::from_text(text)?,
        _ => return Err(ValueError::UnsupportedType(oid)),
    };
    Ok(Bytes::from(raw))
}

/// A text-format value: its bytes as UTF-8, whatever the type.
pub fn decode_text(oid: TypeOid, raw: &[u8]) -> Result<&str, ValueError> {
    textual::utf8(oid, raw)
}

/// A text-format value from text. For supported types the text is first checked to
/// be a valid value (a transform's output must still parse as its type); other types
/// are passed as they are.
pub fn encode_text(oid: TypeOid, text: &str) -> Result<Bytes, ValueError> {
    if oid.is_supported() {
        encode_binary(oid, text)?;
    } else if textual::has_nul(text.as_bytes()) {
        return Err(ValueError::text(oid, "contains a NUL"));
    }
    Ok(Bytes::copy_from_slice(text.as_bytes()))
}

/// Text to a value in `format`, appended to `out` (nothing is appended on error).
/// The same checks as [`encode`]; text types are written without an intermediate copy.
pub fn encode_into(
    format: FormatCode,
    oid: TypeOid,
    text: &str,
    out: &mut BytesMut,
) -> Result<(), ValueError> {
    if oid.is_textual() || (format == FormatCode::Text && !oid.is_supported()) {
        if textual::has_nul(text.as_bytes()) {
            return Err(ValueError::text(oid, "contains a NUL"));
        }
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    out.extend_from_slice(&encode(format, oid, text)?);
    Ok(())
}

/// A value in `format` to its text form.
pub fn decode(format: FormatCode, oid: TypeOid, raw: &[u8]) -> Result<Cow<'_, str>, ValueError> {
    match format {
        FormatCode::Text => decode_text(oid, raw).map(Cow::Borrowed),
        FormatCode::Binary => decode_binary(oid, raw).map(Cow::Owned),
    }
}

/// Text to a value in `format`.
pub fn encode(format: FormatCode, oid: TypeOid, text: &str) -> Result<Bytes, ValueError> {
    match format {
        FormatCode::Text => encode_text(oid, text),
        FormatCode::Binary => encode_binary(oid, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_captured_from_postgres_decodes_to_its_text_output() {
        for (oid, hex, text) in fixtures::PG15 {
            let raw = hex::decode(hex).unwrap();
            let got = decode_binary(TypeOid(*oid), &raw);
            assert_eq!(got.as_deref(), Ok(*text), "type {oid}, binary {hex}");
        }
    }

    #[test]
    fn every_text_captured_from_postgres_encodes_to_its_binary_form() {
        for (oid, hex, text) in fixtures::PG15 {
            let got = encode_binary(TypeOid(*oid), text).map(|b| hex::encode(&b));
            assert_eq!(got.as_deref(), Ok(*hex), "type {oid}, text {text:?}");
        }
    }

    #[test]
    fn encode_into_appends_what_encode_returns_in_both_formats() {
        let mut cases: Vec<(TypeOid, &str)> = fixtures::PG15
            .iter()
            .map(|(oid, _, text)| (TypeOid(*oid), *text))
            .collect();
        cases.extend([
            (TypeOid::TEXT, "a\0b"),
            (TypeOid::VARCHAR, "13812345678"),
            (TypeOid::INT4, "not a number"),
            (TypeOid(600), "(1,2)"),
            (TypeOid(600), "nul\0"),
        ]);
        for (oid, text) in cases {
            for format in [FormatCode::Text, FormatCode::Binary] {
                let mut out = BytesMut::from(&b"kept"[..]);
                let got = encode_into(format, oid, text, &mut out);
                match encode(format, oid, text) {
                    Ok(bytes) => {
                        assert_eq!(got, Ok(()), "{oid} {format:?}");
                        assert_eq!(&out[4..], &bytes[..], "{oid} {format:?}");
                    }
                    Err(e) => {
                        assert_eq!(got, Err(e), "{oid} {format:?}");
                        assert_eq!(&out[..], b"kept", "{oid} {format:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn fixtures_cover_every_supported_type() {
        for oid in TypeOid::SUPPORTED {
            assert!(fixtures::PG15.iter().any(|(o, _, _)| *o == oid.0), "{oid}");
        }
    }

    #[test]
    fn unsupported_binary_types_are_errors_not_pass_through() {
        let point = TypeOid(600);
        assert_eq!(
            decode_binary(point, b"x"),
            Err(ValueError::UnsupportedType(point))
        );
        assert_eq!(decode(FormatCode::Text, point, b"(1,2)").unwrap(), "(1,2)");
    }

    #[test]
    fn text_format_checks_the_syntax_of_supported_types() {
        assert!(encode(FormatCode::Text, TypeOid::INT4, "12a").is_err());
        assert_eq!(
            &encode(FormatCode::Text, TypeOid::INT4, "12").unwrap()[..],
            b"12"
        );
        assert!(decode(FormatCode::Text, TypeOid::TEXT, b"\xff").is_err());
    }

    #[test]
    fn value_errors_never_quote_the_value() {
        let e = encode_binary(TypeOid::DATE, "1949-13-31").unwrap_err();
        assert!(!e.to_string().contains("1949"));
    }
}
