//! [`EmptyQueryResponse`]: the query string was empty (instead of CommandComplete).

use crate::pg::codec::BackendTag;

empty_message!(
    /// The query string was empty (instead of CommandComplete).
    EmptyQueryResponse, BackendTag::EmptyQueryResponse
);
