//! [`Reader`]: checked, allocation-free parsing of a message body.
//!
//! Every read says how much it needs and fails with a [`DecodeError`] instead of
//! panicking when the body is short, so decoders built on it are safe on any bytes.

use super::DecodeError;

/// A cursor over a message body.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// How many bytes have been read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.buf.len())
            .ok_or(DecodeError::UnexpectedEnd {
                needed: n,
                remaining: self.remaining(),
            })?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// Everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    /// A big-endian `Int16`.
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    /// A big-endian `Int16` that must not be negative (a count).
    pub fn count(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let n = self.i16()?;
        usize::try_from(n).map_err(|_| DecodeError::Negative {
            what,
            value: n.into(),
        })
    }

    /// A big-endian `Int32`.
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    /// A big-endian unsigned 32-bit value (OIDs).
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A NUL-terminated string as raw bytes (without the NUL).
    pub fn cstr_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let rest = &self.buf[self.pos..];
        let nul = memchr::memchr(0, rest).ok_or(DecodeError::MissingNul)?;
        self.pos += nul + 1;
        Ok(&rest[..nul])
    }

    /// A NUL-terminated string that must be UTF-8 (the gateway insists on
    /// `client_encoding=UTF8`).
    pub fn cstr(&mut self) -> Result<&'a str, DecodeError> {
        let raw = self.cstr_bytes()?;
        std::str::from_utf8(raw).map_err(|_| DecodeError::InvalidUtf8)
    }

    /// A length-prefixed value (`Int32` length, −1 for NULL), as a range of the body
    /// so the caller can slice its `Bytes` without copying.
    pub fn nullable(&mut self) -> Result<Option<std::ops::Range<usize>>, DecodeError> {
        let Some(n) = self.value_length()? else {
            return Ok(None);
        };
        let start = self.pos;
        self.bytes(n)?;
        Ok(Some(start..start + n))
    }

    /// A length-prefixed value as a slice of the buffer (`None` for NULL): the same
    /// checks as [`Reader::nullable`].
    pub fn nullable_bytes(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.value_length()? {
            Some(n) => self.bytes(n).map(Some),
            None => Ok(None),
        }
    }

    /// A value's `Int32` length: `None` for −1 (NULL), an error for other negatives.
    fn value_length(&mut self) -> Result<Option<usize>, DecodeError> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        usize::try_from(len)
            .map(Some)
            .map_err(|_| DecodeError::Negative {
                what: "value length",
                value: len.into(),
            })
    }

    /// Fails unless the whole body has been read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_big_endian_and_strings_up_to_nul() {
        let mut r = Reader::new(b"\x00\x01\xff\xff\xff\xfeab\0c");
        assert_eq!(r.i16().unwrap(), 1);
        assert_eq!(r.i32().unwrap(), -2);
        assert_eq!(r.cstr().unwrap(), "ab");
        assert_eq!(r.rest(), b"c");
        r.finish().unwrap();
    }

    #[test]
    fn short_input_is_an_error_not_a_panic() {
        let mut r = Reader::new(b"\x00");
        assert!(matches!(
            r.i32(),
            Err(DecodeError::UnexpectedEnd {
                needed: 4,
                remaining: 1
            })
        ));
        assert!(matches!(
            Reader::new(b"ab").cstr(),
            Err(DecodeError::MissingNul)
        ));
    }

    #[test]
    fn huge_lengths_do_not_overflow() {
        let mut r = Reader::new(b"abc");
        r.u8().unwrap();
        assert!(r.bytes(usize::MAX).is_err());
    }

    #[test]
    fn nullable_value_of_minus_one_is_null_and_other_negatives_are_errors() {
        assert_eq!(Reader::new(b"\xff\xff\xff\xff").nullable().unwrap(), None);
        assert!(Reader::new(b"\xff\xff\xff\xfe").nullable().is_err());
        assert_eq!(Reader::new(b"\0\0\0\x02hi").nullable().unwrap(), Some(4..6));
    }
}
