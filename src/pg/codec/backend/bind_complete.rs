//! [`BindComplete`]: answer to Bind.

use crate::pg::codec::BackendTag;

empty_message!(
    /// Answer to Bind.
    BindComplete, BackendTag::BindComplete
);
