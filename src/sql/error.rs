//! Why the gate refuses a statement: the SQLSTATE sent to the client and the
//! refused uses, each with a sentence a person can act on. Never a data value.

use std::fmt;

/// The SQLSTATE of a refusal, as sent in the ErrorResponse's `C` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlState {
    /// 42501 `insufficient_privilege`: every refusal of the gate.
    InsufficientPrivilege,
}

impl SqlState {
    /// The five-character code.
    pub fn code(self) -> &'static str {
        match self {
            SqlState::InsufficientPrivilege => "42501",
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What kind of rule a refused use broke (for explain, audit and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// The statement does not parse, or uses a form the gate cannot follow.
    Unanalysable,
    /// The statement kind is not allowed (writes, DDL, DO, CALL, COPY …).
    Statement,
    /// A column the consumer may never receive is referenced.
    RefusedColumn,
    /// A masked column is used where its provenance or its value would leak.
    MaskedUse,
    /// A function or relation that is never allowed (SQL in strings, files, stats).
    Forbidden,
    /// A session setting the gate cannot follow.
    SessionState,
    /// A value sent for masked-value lookup is not a pseudonym.
    Lookup,
}

/// One refused use inside a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedUse {
    pub kind: RefusalKind,
    /// The column concerned (`schema.table.column`), when there is one.
    pub column: Option<String>,
    /// What was refused and why, with what to do instead.
    pub reason: String,
}

impl RefusedUse {
    pub fn new(kind: RefusalKind, column: Option<String>, reason: impl Into<String>) -> Self {
        RefusedUse {
            kind,
            column,
            reason: reason.into(),
        }
    }
}

/// A refused statement: sent to the client as an ErrorResponse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GateRefusal {
    pub sqlstate: SqlState,
    /// The whole message: "tuomin refused this statement: …".
    pub message: String,
    /// Every refused use found (at least one).
    pub uses: Vec<RefusedUse>,
}

impl GateRefusal {
    /// A refusal made of these uses (at least one).
    pub fn from_uses(uses: Vec<RefusedUse>) -> Self {
        let mut reasons: Vec<&str> = Vec::new();
        for u in &uses {
            if !reasons.contains(&u.reason.as_str()) {
                reasons.push(&u.reason);
            }
        }
        let message = format!("tuomin refused this statement: {}", reasons.join("; "));
        GateRefusal {
            sqlstate: SqlState::InsufficientPrivilege,
            message,
            uses,
        }
    }

    /// A refusal with one use.
    pub fn one(kind: RefusalKind, column: Option<String>, reason: impl Into<String>) -> Self {
        Self::from_uses(vec![RefusedUse::new(kind, column, reason)])
    }
}
