//! One audit record. It names fields, grades, transforms and counts — never a value.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Where the data went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Postgres,
    Http,
    File,
}

/// What was decided for the statement, request or file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditDecision {
    /// Only passed fields were returned.
    Passed,
    /// At least one field was transformed.
    Masked,
    /// Refused: nothing was returned.
    Refused,
}

/// One field returned (or refused) with its grade and the transform applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditField {
    /// `schema.table.column` or a JSON path.
    pub field: String,
    /// `C1`, `C2`, `C3`, or `unclassified`.
    pub grade: String,
    pub category: Option<String>,
    /// `pass`, `refuse`, or the transform's name.
    pub transform: String,
}

/// What a gateway reports; the writer adds the sequence number and the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// RFC 3339 UTC time, milliseconds.
    pub time: String,
    pub consumer: String,
    pub scenario: String,
    pub channel: Channel,
    /// The client's address, when there is one.
    pub client: Option<String>,
    /// Tables, route or file read.
    pub source: Vec<String>,
    /// Shared: a gateway prepares each field once per policy and hands the same
    /// `Arc` to every record, instead of copying four strings per field per request.
    pub fields: Vec<Arc<AuditField>>,
    /// Rows or records returned.
    pub rows: u64,
    pub decision: AuditDecision,
    /// Why it was refused, in the words shown to the consumer.
    pub reason: Option<String>,
    /// The statement with literals removed, or the request's method and route.
    pub fingerprint: Option<String>,
    /// The master key version under which pseudonyms were issued.
    pub key_id: String,
}

impl AuditEvent {
    /// The current time in the records' format.
    pub fn now() -> String {
        humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
    }
}

/// A record as written: the event plus its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1, across rotations and restarts.
    pub seq: u64,
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The previous record's MAC (hex), or 64 zeros for the first record.
    pub prev: String,
}
