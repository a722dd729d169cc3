//! [`CloseComplete`]: answer to Close.

use crate::pg::codec::BackendTag;

empty_message!(
    /// Answer to Close.
    CloseComplete, BackendTag::CloseComplete
);
