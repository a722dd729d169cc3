//! [`NoData`]: the described statement or portal returns no rows.

use crate::pg::codec::BackendTag;

empty_message!(
    /// The described statement or portal returns no rows.
    NoData, BackendTag::NoData
);
