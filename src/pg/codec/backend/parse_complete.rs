//! [`ParseComplete`]: answer to Parse.

use crate::pg::codec::BackendTag;

empty_message!(
    /// Answer to Parse.
    ParseComplete, BackendTag::ParseComplete
);
