//! Discovery of sensitive data: the detectors, what `tuomin scan` makes of a sample of
//! each column, and the egress scan of unclassified values on their way out.
//!
//! - [`detectors`]: one value in, the sensitive values in it out (kind, span,
//!   confidence); pure functions, no I/O.
//! - [`egress`]: the egress scan of unclassified values for one consumer (mask the
//!   detected span as its category, or refuse), callable by every gateway.
pub mod detectors;
pub mod egress;
