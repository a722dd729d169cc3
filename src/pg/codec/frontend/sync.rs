//! [`Sync`]: end of an extended-protocol batch; the server answers ReadyForQuery.

use crate::pg::codec::FrontendTag;

empty_message!(
    /// End of an extended-protocol batch; the server answers ReadyForQuery.
    Sync, FrontendTag::Sync
);
