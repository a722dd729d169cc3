//! [`Flush`]: asks the server to send what it has buffered. Never dropped by the gateway.

use crate::pg::codec::FrontendTag;

empty_message!(
    /// Asks the server to send what it has buffered. Never dropped by the gateway.
    Flush, FrontendTag::Flush
);
