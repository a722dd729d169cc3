//! The PostgreSQL gateway: everything that speaks the PostgreSQL wire protocol.
//!
//! - [`codec`]: framing (size caps) and one file per message; no I/O.
//! - [`values`]: value codecs (text/binary per type OID) and type-modifier constraints.
//! - [`net`]: sockets (plain or TLS), cancel-safe framed reading, rustls configurations.
//! - [`auth`]: the consumers' SCRAM-SHA-256 verifiers and the server side of SCRAM.
//! - [`upstream`]: tuomin's own connection to the real server (TLS modes, SCRAM/MD5/trust).
//! - [`startup`]: the typed state machine from accept to a ready session (SSLRequest,
//!   GSSENCRequest, cancel, protocol negotiation, authentication, upstream, our key).
//! - [`sqltext`]: tokens of SQL text: the read-only allowlist, COPY TO STDOUT.
//! - [`catalog`]: the upstream's relations and columns by (table OID, attnum), cached
//!   per database and refreshed on DDL, on a miss and periodically.
//! - [`rows`]: the mask plan built from a RowDescription, executed on DataRows and COPY
//!   lines.
//! - [`scrub`]: errors and notices with any value they might echo removed.
//! - [`session`]: the steady state: two pumps and the expected-reply queue.
//! - [`server`]: the listener: accept loop, cancel registry, graceful shutdown.
//! - [`error`]: [`PgError`], each with its fault and SQLSTATE.

pub mod auth;
pub mod catalog;
pub mod codec;
pub mod error;
pub mod net;
pub mod rows;
pub mod scrub;
pub mod server;
pub mod session;
pub mod sqltext;
pub mod startup;
pub mod upstream;
pub mod values;

pub use error::PgError;
