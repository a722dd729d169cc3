//! [`CopyDone`]: the end of a COPY data stream (either direction, tag `c`).

use crate::pg::codec::BackendTag;

empty_message!(
    /// The end of a COPY data stream. The tag byte is the same in both directions.
    CopyDone, BackendTag::CopyDone
);
