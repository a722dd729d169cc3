//! Discovery of sensitive data: the detectors, what `tuomin scan` makes of a sample of
//! each column, and the egress scan of unclassified values on their way out.
//!
//! - [`detectors`]: one value in, the sensitive values in it out (kind, span,
//!   confidence); pure functions, no I/O.
//! - [`egress`]: the egress scan of unclassified values for one consumer (mask the
//!   detected span as its category, or refuse), callable by every gateway.
//! - [`profile`]: what a sample of one column holds (hit rates per kind, masked
//!   examples) and the category it most likely is.
//! - [`review`]: the findings compared with a policy's dictionary, printed.
//! - [`fragment`]: the dictionary fragment to review and paste.
//! - `masked`: how an example is shown (display masks; never a raw value).
//!
//! Sampling the database is the command's business (`cli::scan`); nothing here does I/O.
pub mod detectors;
pub mod egress;
pub mod fragment;
mod masked;
pub mod profile;
pub mod review;
