//! [`Writer`]: encoding of one message with its length filled in at the end.
//!
//! [`write_message`] writes the tag and a length placeholder, lets the message write
//! its body, then patches the length. If the body fails (a string with a NUL in it, a
//! count that does not fit an `Int16`), the buffer is put back as it was: no half
//! message is ever left behind to be sent.

use bytes::{BufMut, BytesMut};

use super::EncodeError;

/// The body of one message being written.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut BytesMut,
}

/// Writes one message: `tag` (none for startup-phase messages), the `Int32` length,
/// then whatever `body` writes.
pub fn write_message(
    buf: &mut BytesMut,
    tag: Option<u8>,
    body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let before = buf.len();
    let result = write_unchecked(buf, tag, body);
    if result.is_err() {
        buf.truncate(before);
    }
    result
}

fn write_unchecked(
    buf: &mut BytesMut,
    tag: Option<u8>,
    body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    if let Some(tag) = tag {
        buf.put_u8(tag);
    }
    let len_at = buf.len();
    buf.put_i32(0);
    body(&mut Writer { buf })?;
    let len = i32::try_from(buf.len() - len_at).map_err(|_| EncodeError::TooLong)?;
    buf[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

impl Writer<'_> {
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.put_u8(v);
    }

    /// A big-endian `Int16`.
    pub fn i16(&mut self, v: i16) {
        self.buf.put_i16(v);
    }

    /// A big-endian `Int32`.
    pub fn i32(&mut self, v: i32) {
        self.buf.put_i32(v);
    }

    /// A big-endian unsigned 32-bit value (OIDs).
    pub fn u32(&mut self, v: u32) {
        self.buf.put_u32(v);
    }

    /// Raw bytes, no length.
    pub fn bytes(&mut self, v: &[u8]) {
        self.buf.put_slice(v);
    }

    /// A count written as `Int16`.
    pub fn count(&mut self, what: &'static str, n: usize) -> Result<(), EncodeError> {
        let n = i16::try_from(n).map_err(|_| EncodeError::TooMany { what })?;
        self.i16(n);
        Ok(())
    }

    /// A NUL-terminated string; a NUL inside it is refused, since it would let the
    /// rest of the string be read as further fields.
    pub fn cstr(&mut self, what: &'static str, v: impl AsRef<[u8]>) -> Result<(), EncodeError> {
        let v = v.as_ref();
        if v.contains(&0) {
            return Err(EncodeError::NulInString { what });
        }
        self.buf.put_slice(v);
        self.buf.put_u8(0);
        Ok(())
    }

    /// A value with an `Int32` length prefix, −1 for NULL.
    pub fn nullable(&mut self, v: Option<&[u8]>) -> Result<(), EncodeError> {
        match v {
            None => self.i32(-1),
            Some(v) => {
                let len = i32::try_from(v.len()).map_err(|_| EncodeError::TooLong)?;
                self.i32(len);
                self.bytes(v);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_covers_itself_and_the_body_but_not_the_tag() {
        let mut buf = BytesMut::new();
        write_message(&mut buf, Some(b'Q'), |w| w.cstr("query", "x")).unwrap();
        assert_eq!(&buf[..], b"Q\0\0\0\x06x\0");
    }

    #[test]
    fn failed_body_leaves_the_buffer_as_it_was() {
        let mut buf = BytesMut::from(&b"keep"[..]);
        let err = write_message(&mut buf, Some(b'Q'), |w| w.cstr("query", "a\0b"));
        assert_eq!(err, Err(EncodeError::NulInString { what: "query" }));
        assert_eq!(&buf[..], b"keep");
    }
}
