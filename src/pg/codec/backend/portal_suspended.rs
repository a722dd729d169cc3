//! [`PortalSuspended`]: Execute reached its row limit; the portal can go on.

use crate::pg::codec::BackendTag;

empty_message!(
    /// Execute reached its row limit; the portal can go on.
    PortalSuspended, BackendTag::PortalSuspended
);
