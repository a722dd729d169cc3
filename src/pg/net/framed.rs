//! [`FramedReader`]: a read half and its buffer. Reading is cancel-safe: bytes read
//! stay in the buffer until a whole frame is there, so a `select!` that drops a
//! pending read loses nothing.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::pg::codec::{
    Frame, FrameError, FrameLimits, StartupFrame, split_message, split_startup,
};

/// What went wrong reading a frame.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The bytes cannot be cut into messages.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// Socket error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A reader of frames.
#[derive(Debug)]
pub struct FramedReader<R> {
    inner: R,
    buf: BytesMut,
    limits: FrameLimits,
}

impl<R: AsyncRead + Unpin> FramedReader<R> {
    /// A reader with `limits`, starting with bytes already read (`buf`).
    pub fn new(inner: R, buf: BytesMut, limits: FrameLimits) -> Self {
        FramedReader { inner, buf, limits }
    }

    /// The next regular message; `Ok(None)` at a clean end of stream.
    pub async fn next(&mut self) -> Result<Option<Frame>, ReadError> {
        loop {
            if let Some(frame) = self.try_next()? {
                return Ok(Some(frame));
            }
            if self.fill().await? == 0 {
                return Ok(None);
            }
        }
    }

    /// A message already buffered, without reading.
    pub fn try_next(&mut self) -> Result<Option<Frame>, FrameError> {
        split_message(&mut self.buf, &self.limits)
    }

    /// The next startup-phase packet; `Ok(None)` at end of stream.
    pub async fn next_startup(&mut self) -> Result<Option<StartupFrame>, ReadError> {
        loop {
            if let Some(frame) = split_startup(&mut self.buf, &self.limits)? {
                return Ok(Some(frame));
            }
            if self.fill().await? == 0 {
                return Ok(None);
            }
        }
    }

    /// Reads more bytes; 0 at end of stream. Cancel-safe.
    pub async fn fill(&mut self) -> std::io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < 8192 {
            self.buf.reserve(64 * 1024);
        }
        self.inner.read_buf(&mut self.buf).await
    }

    /// The underlying reader (to write on a whole stream during startup).
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Bytes received but not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The reader and its unframed bytes.
    pub fn into_parts(self) -> (R, BytesMut) {
        (self.inner, self.buf)
    }
}
