//! The upstream side: tuomin's own connection to the real PostgreSQL, with its
//! service credentials (never the consumer's).
//!
//! - [`connect`]: TCP, the SSLRequest and TLS by mode, the StartupMessage tuomin
//!   sends (UTF8, ISO dates, read-only transactions by default).
//! - [`login`]: the authentication exchange (SCRAM-SHA-256 via postgres-protocol, MD5,
//!   cleartext over TLS only, trust) and the parameters and key that follow.
//! - [`simple`]: a one-shot simple query for the catalog cache.

pub mod connect;
pub mod login;
pub mod simple;

pub use connect::{UpstreamTarget, open};
pub use login::UpstreamSession;
