//! [`Terminate`]: the client is leaving.

use crate::pg::codec::FrontendTag;

empty_message!(
    /// The client is leaving.
    Terminate, FrontendTag::Terminate
);
