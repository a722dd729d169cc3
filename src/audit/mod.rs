//! The audit trail: one record per statement, request or file run — who, in which
//! scenario, which fields of which grade, in which form, how many rows, what was
//! decided — as JSON lines, chained with HMAC so tampering, reordering, removal and
//! truncation are detected.
//!
//! - [`record`]: what one record holds (never a data value).
//! - [`chain`]: the MAC of a record over itself and the previous record's MAC, and the
//!   exact line format.
//! - [`writer`]: the writer thread, off the hot path, with rotation; loud on failure.
//! - [`verify`]: checks a sequence of files and reports the first problem.
//! - [`fingerprint`]: statement text with literals removed.

pub mod chain;
pub mod fingerprint;
pub mod record;
pub mod verify;
pub mod writer;

pub use record::{AuditDecision, AuditEvent, AuditField, Channel};
pub use verify::{Problem, ProblemKind, VerifyReport, verify_files};
pub use writer::{AuditConfig, AuditLog, AuditMode, AuditSink, AuditStats};

use crate::keys::{MasterKey, Purpose, SubKey};

/// The key of the audit chain, derived from the master key.
pub fn audit_key(master: &MasterKey) -> SubKey {
    master.derive(Purpose::Audit, "audit", "chain")
}
