//! The PostgreSQL gateway: everything that speaks the PostgreSQL wire protocol.
//!
//! Built so far, all without I/O and without knowledge of the policy:
//!
//! - [`codec`]: framing of the byte stream into whole messages (with size caps), the
//!   typed frontend and backend messages (one file each: decode, encode, round-trip
//!   test), and the enums for tags, SQLSTATEs, severities, transaction status and
//!   format codes.
//! - [`values`]: PostgreSQL value codecs: a column value in text or binary format to
//!   its canonical text form and back, type OIDs, and the constraints a type modifier
//!   puts on a value (`varchar(n)`, `numeric(p,s)`).
//!
//! Still to come (see `architecture.md`): startup, tls, auth, session, catalog, rows,
//! errors.

pub mod codec;
pub mod values;
