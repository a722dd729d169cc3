//! Lists shared by Bind and FunctionCall: format codes and length-prefixed values.

use bytes::Bytes;

use crate::pg::codec::{DecodeError, EncodeError, FormatCode, Reader, Writer};

/// An `Int16` count then that many format codes.
pub(crate) fn read_formats(r: &mut Reader<'_>) -> Result<Vec<FormatCode>, DecodeError> {
    let n = r.count("format code count")?;
    (0..n).map(|_| FormatCode::try_from(r.i16()?)).collect()
}

/// An `Int16` count then that many format codes.
pub(crate) fn write_formats(w: &mut Writer<'_>, formats: &[FormatCode]) -> Result<(), EncodeError> {
    w.count("format codes", formats.len())?;
    formats.iter().for_each(|f| w.i16(f.to_i16()));
    Ok(())
}

/// An `Int16` count then that many values (`Int32` length, −1 for NULL), sliced out of
/// `body` without copying.
pub(crate) fn read_values(
    r: &mut Reader<'_>,
    body: &Bytes,
) -> Result<Vec<Option<Bytes>>, DecodeError> {
    let n = r.count("value count")?;
    (0..n)
        .map(|_| Ok(r.nullable()?.map(|range| body.slice(range))))
        .collect()
}

/// An `Int16` count then that many values.
pub(crate) fn write_values(
    w: &mut Writer<'_>,
    values: &[Option<Bytes>],
) -> Result<(), EncodeError> {
    w.count("values", values.len())?;
    values.iter().try_for_each(|v| w.nullable(v.as_deref()))
}
