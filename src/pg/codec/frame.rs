//! Framing: cutting whole messages off the front of a read buffer. No I/O.
//!
//! Two shapes exist on the wire. Before the first regular message the client sends
//! *startup-phase* packets: `Int32 length` then `Int32 code` and the rest, with no tag
//! (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest). Afterwards every
//! message in either direction is `Byte1 tag`, `Int32 length` (counting itself but not
//! the tag), then the body. Which shape to expect is the connection's business; it
//! calls [`split_startup`] or [`split_message`] accordingly.
//!
//! "Not enough data yet" is `Ok(None)` and consumes nothing, so a read that is
//! cancelled or interrupted between two calls loses nothing (cancel-safe). A declared
//! length is checked against the cap in [`FrameLimits`] as soon as the header is
//! there, before any body is buffered. A frame keeps its original bytes, so a message
//! the gateway does not change is forwarded byte for byte.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::{BackendTag, DecodeError, FrontendTag};

/// Size caps, in bytes, for one whole message (header included). Codecs never read
/// configuration; the connection passes these in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLimits {
    /// Cap on a startup-phase packet (PostgreSQL itself refuses more than 10 000).
    pub startup: usize,
    /// Cap on a regular message.
    pub message: usize,
}

impl FrameLimits {
    /// For what a client sends: 10 KiB startup packets, 64 MiB messages (a large
    /// `COPY FROM STDIN` chunk or Bind fits; a gigabyte query text does not).
    pub const FRONTEND: FrameLimits = FrameLimits {
        startup: 10 * 1024,
        message: 64 * 1024 * 1024,
    };

    /// For what the server sends: 1 GiB, PostgreSQL's own limit on one value, so no
    /// legitimate row is refused. Lower it where memory matters more than huge rows.
    pub const BACKEND: FrameLimits = FrameLimits {
        startup: 10 * 1024,
        message: 1024 * 1024 * 1024,
    };
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits::FRONTEND
    }
}

/// Which kind of message a framing error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameTag {
    /// A startup-phase packet (no tag byte).
    Startup,
    /// A regular message with this (not yet interpreted) tag byte.
    Message(u8),
}

impl fmt::Display for FrameTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameTag::Startup => f.write_str("startup packet"),
            FrameTag::Message(b) if b.is_ascii_graphic() => write!(f, "message '{}'", *b as char),
            FrameTag::Message(b) => write!(f, "message 0x{b:02x}"),
        }
    }
}

/// The byte stream cannot be cut into messages; the connection must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The declared length exceeds the cap.
    #[error("{tag} of {len} bytes exceeds the cap of {cap} bytes")]
    TooLarge {
        /// Which message.
        tag: FrameTag,
        /// Declared length of the whole message, header included.
        len: u64,
        /// The cap it broke.
        cap: usize,
    },
    /// The declared length is negative or shorter than the header itself.
    #[error("{tag} declares an impossible length {len}")]
    BadLength {
        /// Which message.
        tag: FrameTag,
        /// The declared length as read.
        len: i32,
    },
}

/// One regular message: tag, length and body, as received.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    bytes: Bytes,
}

impl Frame {
    /// The tag byte, uninterpreted (the direction decides its meaning).
    pub fn raw_tag(&self) -> u8 {
        self.bytes[0]
    }

    /// The tag read as a client message's.
    pub fn frontend_tag(&self) -> Result<FrontendTag, DecodeError> {
        FrontendTag::try_from(self.raw_tag())
    }

    /// The tag read as a server message's.
    pub fn backend_tag(&self) -> Result<BackendTag, DecodeError> {
        BackendTag::try_from(self.raw_tag())
    }

    /// The body, after tag and length (shares the frame's memory).
    pub fn body(&self) -> Bytes {
        self.bytes.slice(5..)
    }

    /// The body as a slice, without touching the reference count (per-row paths).
    pub fn body_slice(&self) -> &[u8] {
        self.bytes.get(5..).unwrap_or_default()
    }

    /// The whole message as received, for forwarding unchanged.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The whole message as received.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }
}

impl fmt::Debug for Frame {
    // Never the body: it may hold row data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("tag", &FrameTag::Message(self.raw_tag()))
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// One startup-phase packet: length, code, rest, as received.
#[derive(Clone, PartialEq, Eq)]
pub struct StartupFrame {
    bytes: Bytes,
}

impl StartupFrame {
    /// The `Int32` after the length: a protocol version or a request code.
    pub fn code(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// Everything after the length, starting with the code.
    pub fn body(&self) -> Bytes {
        self.bytes.slice(4..)
    }

    /// The whole packet as received.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }
}

impl fmt::Debug for StartupFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartupFrame")
            .field("code", &self.code())
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Cuts one startup-phase packet off `buf`, or `Ok(None)` (nothing consumed) if it is
/// not all there yet.
pub fn split_startup(
    buf: &mut BytesMut,
    limits: &FrameLimits,
) -> Result<Option<StartupFrame>, FrameError> {
    let Some(total) = declared(buf, 0, FrameTag::Startup, 8, limits.startup)? else {
        return Ok(None);
    };
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(StartupFrame {
        bytes: buf.split_to(total).freeze(),
    }))
}

/// Cuts one regular message off `buf`, or `Ok(None)` (nothing consumed) if it is not
/// all there yet.
pub fn split_message(
    buf: &mut BytesMut,
    limits: &FrameLimits,
) -> Result<Option<Frame>, FrameError> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    let Some(len) = declared(
        buf,
        1,
        FrameTag::Message(tag),
        4,
        limits.message.saturating_sub(1),
    )?
    else {
        return Ok(None);
    };
    let total = len + 1;
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(Frame {
        bytes: buf.split_to(total).freeze(),
    }))
}

/// Reads the `Int32` length at `at`, checks it against `min` and `cap`.
fn declared(
    buf: &[u8],
    at: usize,
    tag: FrameTag,
    min: i32,
    cap: usize,
) -> Result<Option<usize>, FrameError> {
    let Some(raw) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let len = i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    if len < min {
        return Err(FrameError::BadLength { tag, len });
    }
    let len_usize = usize::try_from(len).map_err(|_| FrameError::BadLength { tag, len })?;
    if len_usize > cap {
        let header = if at == 0 { 0 } else { 1 };
        return Err(FrameError::TooLarge {
            tag,
            len: len_usize as u64 + header,
            cap: cap + header as usize,
        });
    }
    Ok(Some(len_usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(bytes: &[u8]) -> BytesMut {
        BytesMut::from(bytes)
    }

    #[test]
    fn incomplete_message_is_not_yet_and_consumes_nothing() {
        for cut in 0..9 {
            let mut b = buf(&b"Q\0\0\0\x08abc\0"[..cut]);
            assert_eq!(split_message(&mut b, &FrameLimits::FRONTEND), Ok(None));
            assert_eq!(b.len(), cut);
        }
    }

    #[test]
    fn whole_message_is_cut_off_with_its_original_bytes() {
        let mut b = buf(b"Q\0\0\0\x08abc\0S\0\0");
        let frame = split_message(&mut b, &FrameLimits::FRONTEND)
            .unwrap()
            .unwrap();
        assert_eq!(frame.frontend_tag(), Ok(FrontendTag::Query));
        assert_eq!(&frame.body()[..], b"abc\0");
        assert_eq!(&frame.as_bytes()[..], b"Q\0\0\0\x08abc\0");
        assert_eq!(&b[..], b"S\0\0");
    }

    #[test]
    fn length_shorter_than_itself_is_an_error() {
        let mut b = buf(b"Q\0\0\0\x03");
        assert_eq!(
            split_message(&mut b, &FrameLimits::FRONTEND),
            Err(FrameError::BadLength {
                tag: FrameTag::Message(b'Q'),
                len: 3
            })
        );
    }

    #[test]
    fn negative_length_is_an_error() {
        let mut b = buf(b"D\xff\xff\xff\xff");
        assert!(matches!(
            split_message(&mut b, &FrameLimits::BACKEND),
            Err(FrameError::BadLength { len: -1, .. })
        ));
    }

    #[test]
    fn oversized_message_is_refused_from_its_header_alone() {
        let limits = FrameLimits {
            startup: 100,
            message: 100,
        };
        let mut b = buf(b"Q\0\0\0\x64");
        assert_eq!(
            split_message(&mut b, &limits),
            Err(FrameError::TooLarge {
                tag: FrameTag::Message(b'Q'),
                len: 101,
                cap: 100
            })
        );
        let mut b = buf(b"Q\0\0\0\x63");
        assert_eq!(split_message(&mut b, &limits), Ok(None));
    }

    #[test]
    fn oversized_startup_packet_is_refused() {
        let mut b = buf(b"\0\x01\0\0\0\x03\0\0");
        assert!(matches!(
            split_startup(&mut b, &FrameLimits::FRONTEND),
            Err(FrameError::TooLarge {
                tag: FrameTag::Startup,
                len: 65536,
                cap: 10240
            })
        ));
    }

    #[test]
    fn startup_packet_shorter_than_length_and_code_is_an_error() {
        let mut b = buf(b"\0\0\0\x07\0\0\0");
        assert!(matches!(
            split_startup(&mut b, &FrameLimits::FRONTEND),
            Err(FrameError::BadLength { len: 7, .. })
        ));
    }

    #[test]
    fn startup_packet_is_cut_with_its_code() {
        let mut b = buf(b"\0\0\0\x08\x04\xd2\x16\x2fQ");
        let frame = split_startup(&mut b, &FrameLimits::FRONTEND)
            .unwrap()
            .unwrap();
        assert_eq!(frame.code(), 80877103);
        assert_eq!(&b[..], b"Q");
    }

    #[test]
    fn frame_debug_shows_no_body() {
        let mut b = buf(b"D\0\0\0\x0bsecret!");
        let frame = split_message(&mut b, &FrameLimits::BACKEND)
            .unwrap()
            .unwrap();
        assert!(!format!("{frame:?}").contains("secret"));
    }
}
