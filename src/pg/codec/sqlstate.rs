//! [`SqlState`]: the five-character error code of ErrorResponse / NoticeResponse.

use std::fmt;

/// A SQLSTATE: five ASCII characters. Constants cover the codes the gateway emits;
/// codes from the server are kept whatever they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlState([u8; 5]);

impl SqlState {
    /// `00000 successful_completion`: the gate's notices.
    pub const SUCCESSFUL_COMPLETION: SqlState = SqlState(*b"00000");
    /// `42501 insufficient_privilege`: a refusal by policy.
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState(*b"42501");
    /// `08P01 protocol_violation`: malformed or unexpected message.
    pub const PROTOCOL_VIOLATION: SqlState = SqlState(*b"08P01");
    /// `28P01 invalid_password`: authentication failed.
    pub const INVALID_PASSWORD: SqlState = SqlState(*b"28P01");
    /// `28000 invalid_authorization_specification`: unknown consumer, refused startup.
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState = SqlState(*b"28000");
    /// `0A000 feature_not_supported`: e.g. FunctionCall, replication.
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState(*b"0A000");
    /// `57014 query_canceled`.
    pub const QUERY_CANCELED: SqlState = SqlState(*b"57014");
    /// `53300 too_many_connections`.
    pub const TOO_MANY_CONNECTIONS: SqlState = SqlState(*b"53300");
    /// `3D000 invalid_catalog_name`: the database asked for does not exist upstream.
    pub const INVALID_CATALOG_NAME: SqlState = SqlState(*b"3D000");
    /// `57P03 cannot_connect_now`: the upstream is starting or shutting down.
    pub const CANNOT_CONNECT_NOW: SqlState = SqlState(*b"57P03");
    /// `57P01 admin_shutdown`: the gateway is shutting down.
    pub const ADMIN_SHUTDOWN: SqlState = SqlState(*b"57P01");
    /// `08006 connection_failure`: the upstream cannot be reached.
    pub const CONNECTION_FAILURE: SqlState = SqlState(*b"08006");
    /// `25006 read_only_sql_transaction`: a write from a read-only consumer.
    pub const READ_ONLY_SQL_TRANSACTION: SqlState = SqlState(*b"25006");
    /// `XX000 internal_error`: the gateway's own fault.
    pub const INTERNAL_ERROR: SqlState = SqlState(*b"XX000");
    /// `54000 program_limit_exceeded`: e.g. a message over the size cap.
    pub const PROGRAM_LIMIT_EXCEEDED: SqlState = SqlState(*b"54000");

    /// A SQLSTATE from its text, if it is five ASCII digits or upper-case letters.
    pub fn parse(s: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            .then_some(SqlState(bytes))
    }

    /// The five characters.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (see `parse` and the constants).
        std::str::from_utf8(&self.0).unwrap_or("XX000")
    }

    /// The class: the first two characters.
    pub fn class(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlState({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_parses_five_ascii_characters_only() {
        assert_eq!(
            SqlState::parse("42501"),
            Some(SqlState::INSUFFICIENT_PRIVILEGE)
        );
        assert_eq!(SqlState::parse("08P01").unwrap().class(), "08");
        assert_eq!(SqlState::parse("4250"), None);
        assert_eq!(SqlState::parse("4250é"), None);
        assert_eq!(SqlState::parse("42 01"), None);
    }
}
