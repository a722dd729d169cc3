//! The PostgreSQL wire protocol (3.0 and 3.2), without I/O.
//!
//! - [`frame`]: cutting whole messages off a read buffer, with size caps
//!   ([`FrameLimits`]); "not yet" is `Ok(None)`.
//! - [`reader`] / [`writer`]: checked parsing of a body, and encoding with the length
//!   filled in (a failed encode leaves nothing behind).
//! - [`tag`]: [`FrontendTag`], [`BackendTag`].
//! - [`sqlstate`], [`severity`], [`format_code`]: the small enums and newtypes messages
//!   are made of ([`TransactionStatus`] lives with ReadyForQuery).
//! - [`frontend`]: one file per message the client sends, and [`FrontendMessage`].
//! - [`backend`]: one file per message the server sends, and [`BackendMessage`].
//! - [`both`]: CopyData and CopyDone, which travel both ways.
//! - [`fuzz`]: the entry points of the fuzz targets in `fuzz/`.
//!
//! Every message type has `decode` (from a frame body), `encode` (into a buffer) and a
//! round-trip test. Types holding values that may be personal data (rows, parameters,
//! query text, passwords, error details) have a `Debug` that prints sizes, not
//! contents.

#[macro_use]
mod empty;

pub mod backend;
pub mod both;
pub mod format_code;
pub mod frame;
pub mod frontend;
pub mod fuzz;
pub mod reader;
pub mod severity;
pub mod sqlstate;
pub mod tag;
pub mod writer;

pub use backend::{BackendMessage, TransactionStatus};
pub use format_code::FormatCode;
pub use frame::{
    Frame, FrameError, FrameLimits, FrameTag, StartupFrame, split_message, split_startup,
};
pub use frontend::{FrontendMessage, StartupPacket};
pub use reader::Reader;
pub use severity::Severity;
pub use sqlstate::SqlState;
pub use tag::{BackendTag, FrontendTag};
pub use writer::{Writer, write_message};

/// A message body that does not decode. The peer sent something malformed: the
/// session answers with `08P01 protocol_violation` and ends.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body ended before a field did.
    #[error("message ends early: {needed} bytes needed, {remaining} left")]
    UnexpectedEnd {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A string has no terminating NUL.
    #[error("string without terminating NUL")]
    MissingNul,
    /// A string is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Bytes left over after the last field.
    #[error("{0} unexpected bytes after the last field")]
    TrailingBytes(usize),
    /// A count or length that must not be negative is.
    #[error("negative {what}: {value}")]
    Negative {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: i64,
    },
    /// A field holds a value outside its domain.
    #[error("invalid {what}: {value}")]
    Invalid {
        /// Which field.
        what: &'static str,
        /// Its value, as a number.
        value: i64,
    },
    /// Unknown tag on a client message.
    #[error("unknown frontend message tag 0x{0:02x}")]
    UnknownFrontendTag(u8),
    /// Unknown tag on a server message.
    #[error("unknown backend message tag 0x{0:02x}")]
    UnknownBackendTag(u8),
    /// A body was handed to the decoder of another message.
    #[error("message tag 0x{found:02x} where {expected} was expected")]
    WrongTag {
        /// What the decoder decodes.
        expected: &'static str,
        /// The tag it was given.
        found: u8,
    },
    /// A startup-phase packet with a code that is neither a protocol version we speak
    /// nor a known request.
    #[error("unsupported startup code {0}")]
    UnknownStartupCode(u32),
}

/// A message that cannot be encoded. This is the gateway's fault (it built the
/// message), so it maps to `XX000 internal_error`, never to a half-written message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A string field contains a NUL, which would end it early on the wire.
    #[error("{what} contains a NUL byte")]
    NulInString {
        /// Which field.
        what: &'static str,
    },
    /// More items than an `Int16` count can say.
    #[error("too many {what} for one message")]
    TooMany {
        /// Which items.
        what: &'static str,
    },
    /// The message does not fit an `Int32` length.
    #[error("message longer than 2 GiB")]
    TooLong,
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the message round-trip tests.
    use bytes::BytesMut;

    use super::{Frame, FrameLimits, split_message};

    /// Splits exactly one frame out of `encoded`, which must hold nothing else.
    pub fn one_frame(encoded: &BytesMut) -> Frame {
        let mut buf = encoded.clone();
        let frame = split_message(&mut buf, &FrameLimits::BACKEND)
            .expect("valid frame")
            .expect("whole frame");
        assert!(buf.is_empty(), "encoder wrote more than one message");
        frame
    }
}
