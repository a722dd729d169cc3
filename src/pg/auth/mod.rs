//! Who may log in, and how tuomin logs in upstream.
//!
//! - [`verifier`]: the SCRAM-SHA-256 verifier stored in the policy (`tuomin passwd`).
//! - [`scram_server`]: the consumer's SCRAM exchange, checked against that verifier.
//! - [`failures`]: failed logins counted per client address and user name; guessing
//!   past the limit is refused for a while.
//!
//! The upstream login (SCRAM / MD5 / trust with tuomin's service credentials) is in
//! [`crate::pg::upstream`].

pub mod failures;
pub mod scram_server;
pub mod verifier;

pub use failures::{LoginFailures, Refused};
pub use scram_server::{ScramChallenge, ScramError, ScramServer};
pub use verifier::ScramVerifier;
